/**
 * isisd's configuration (FRR's `router isis WORD` node and the `ip router isis WORD` / `isis ...`
 * interface settings) as plain data, the NET parsed into area and system ID, and isisd's part of
 * `show running-config`. The commands (isis_cmds.ts) edit it; isisd reads it on every change and
 * interface poll.
 *
 * Must not: touch the kernel; everything here is data.
 */

/** isisd's vty port (TCP 127.0.0.1), as FRR's. */
export const ISISD_VTY_PORT = 2608
/** FRR's defaults (isisd/isis_circuit.h, frr-isisd.yang). */
export const ISIS_HELLO_S = 3
export const ISIS_HELLO_MULTIPLIER = 10
export const ISIS_METRIC_DEFAULT = 10
export const ISIS_PRIORITY_DEFAULT = 64
export const ISIS_CSNP_S = 10
export const ISIS_PSNP_S = 2
export const ISIS_MAX_LIFETIME_S = 1200
export const ISIS_REFRESH_S = 900
export const ISIS_RETRANSMIT_S = 5
/** `lsp-gen-interval`'s default (frr-isisd.yang: lsp/timers/level-N/generation-interval). */
export const ISIS_GEN_INTERVAL_DEFAULT = 30
/** LSPs kept per level unless `lsp-limit` (VirtNet's) says otherwise. */
export const ISIS_DEFAULT_MAX_LSP = 10000

/** A password: `clear` or `md5` (HMAC-MD5, RFC 5304) and its text. */
export interface IsisPassword {
  type: 'clear' | 'md5'
  password: string
}

/** `area-password` / `domain-password`, with FRR's `authenticate snp send-only|validate`. */
export interface IsisLevelPassword extends IsisPassword {
  snp: 'none' | 'send-only' | 'validate'
}

/** 1: level-1, 2: level-2(-only), 3: level-1-2. */
export type IsisLevels = 1 | 2 | 3

export interface IsisIfConfig {
  /** `ip router isis WORD`: the instance this interface belongs to, or null. */
  ipv4: string | null
  /** `ipv6 router isis WORD`: IPv6 on this interface (RFC 5308). */
  ipv6: string | null
  /** `isis password clear|md5 WORD`: the hellos' authentication. */
  password?: IsisPassword
  passive?: boolean
  circuitType?: IsisLevels
  metric?: number
  hello?: number
  multiplier?: number
  priority?: number
  network?: 'point-to-point'
}

export interface IsisConfig {
  enabled: boolean
  tag: string
  /** `net` lines as written (FRR takes up to 3). */
  nets: string[]
  isType: IsisLevels
  /** `[no] attached-bit send` (FRR's default: on) and `attached-bit receive ignore` (isis_levels.ts). */
  attachedBitSend: boolean
  attachedBitReceiveIgnore: boolean
  lspLimit: number | null
  /**
   * `redistribute ipv4|ipv6 isis level-2 into level-1 [metric N]` (isis_levels.ts, RFC 5302 §3.3):
   * null when off, else the metric given or null for each route's own.
   */
  leak: { ipv4: { metric: number | null } | null; ipv6: { metric: number | null } | null }
  /** `lsp-gen-interval [level-1|level-2] (1-120)`, seconds, per level (isis_engine.ts's throttle). */
  genInterval: [number, number]
  /** Level 1's LSPs (and SNPs if asked), `area-password`. */
  areaPassword: IsisLevelPassword | null
  /** Level 2's, `domain-password`. */
  domainPassword: IsisLevelPassword | null
  ifs: Map<string, IsisIfConfig>
}

export function newIsisConfig(): IsisConfig {
  return {
    enabled: false,
    tag: '',
    nets: [],
    isType: 3,
    attachedBitSend: true,
    attachedBitReceiveIgnore: false,
    lspLimit: null,
    genInterval: [ISIS_GEN_INTERVAL_DEFAULT, ISIS_GEN_INTERVAL_DEFAULT],
    leak: { ipv4: null, ipv6: null },
    areaPassword: null,
    domainPassword: null,
    ifs: new Map(),
  }
}

function passwordLine(p: IsisLevelPassword): string {
  return `${p.type} ${p.password}${p.snp === 'none' ? '' : ` authenticate snp ${p.snp}`}`
}

export function isisIfConfig(c: IsisConfig, name: string): IsisIfConfig {
  let i = c.ifs.get(name)
  if (i === undefined) {
    i = { ipv4: null, ipv6: null }
    c.ifs.set(name, i)
  }
  return i
}

/**
 * A NET (`49.0001.1720.1600.1001.00`): area address (1 to 13 bytes) and system ID (6 bytes) as hex,
 * or null when it is not one (dotted groups of hex digits, an even count, NSEL 00).
 */
export function parseNet(text: string): { area: string; sysId: string } | null {
  if (!/^[0-9a-fA-F]{2}(\.[0-9a-fA-F]{4})*\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.00$/.test(text))
    return null
  const h = text.replace(/\./g, '').toLowerCase()
  const body = h.slice(0, -2)
  const area = body.slice(0, -12)
  if (area.length < 2 || area.length > 26) return null
  return { area, sysId: body.slice(-12) }
}

export const LEVEL_WORDS: Readonly<Record<IsisLevels, string>> = {
  1: 'level-1',
  2: 'level-2-only',
  3: 'level-1-2',
} as const

/**
 * FRR prints the LSP timers container as one `lsp-timers` line (both levels alike) or one per level
 * (isis_cli.c, cli_show_isis_lsp_timers), and only when something in it is not the default.
 */
function lspTimersLines(gen: readonly [number, number]): string[] {
  if (gen[0] === ISIS_GEN_INTERVAL_DEFAULT && gen[1] === ISIS_GEN_INTERVAL_DEFAULT) return []
  const tail = (g: number) =>
    `gen-interval ${g} refresh-interval ${ISIS_REFRESH_S} max-lifetime ${ISIS_MAX_LIFETIME_S}`
  if (gen[0] === gen[1]) return [` lsp-timers ${tail(gen[0])}`]
  return [` lsp-timers level-1 ${tail(gen[0])}`, ` lsp-timers level-2 ${tail(gen[1])}`]
}

/** The `router isis` section and the interface lines of `show running-config`. */
export function isisRunningConfig(c: IsisConfig): { ifLines: Map<string, string[]>; router: string[] } {
  const ifLines = new Map<string, string[]>()
  for (const [name, i] of c.ifs) {
    const lines: string[] = []
    if (i.ipv4 !== null) lines.push(` ip router isis ${i.ipv4}`)
    if (i.ipv6 !== null) lines.push(` ipv6 router isis ${i.ipv6}`)
    if (i.circuitType !== undefined) lines.push(` isis circuit-type ${LEVEL_WORDS[i.circuitType]}`)
    if (i.hello !== undefined) lines.push(` isis hello-interval ${i.hello}`)
    if (i.multiplier !== undefined) lines.push(` isis hello-multiplier ${i.multiplier}`)
    if (i.metric !== undefined) lines.push(` isis metric ${i.metric}`)
    if (i.network !== undefined) lines.push(` isis network ${i.network}`)
    if (i.passive === true) lines.push(' isis passive')
    if (i.password !== undefined) lines.push(` isis password ${i.password.type} ${i.password.password}`)
    if (i.priority !== undefined) lines.push(` isis priority ${i.priority}`)
    if (lines.length > 0) ifLines.set(name, lines)
  }
  const router: string[] = []
  if (c.enabled) {
    router.push(`router isis ${c.tag}`)
    if (c.isType !== 3) router.push(` is-type ${LEVEL_WORDS[c.isType]}`)
    for (const n of c.nets) router.push(` net ${n}`)
    if (!c.attachedBitSend) router.push(' no attached-bit send')
    if (c.attachedBitReceiveIgnore) router.push(' attached-bit receive ignore')
    if (c.areaPassword !== null) router.push(` area-password ${passwordLine(c.areaPassword)}`)
    if (c.domainPassword !== null) router.push(` domain-password ${passwordLine(c.domainPassword)}`)
    if (c.lspLimit !== null) router.push(` lsp-limit ${c.lspLimit}`)
    router.push(...lspTimersLines(c.genInterval))
    for (const af of ['ipv4', 'ipv6'] as const) {
      const l = c.leak[af]
      if (l !== null)
        router.push(
          ` redistribute ${af} isis level-2 into level-1${l.metric === null ? '' : ` metric ${l.metric}`}`,
        )
    }
    router.push('exit')
  }
  return { ifLines, router }
}

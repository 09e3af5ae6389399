/**
 * rtadvd.conf(5): the termcap-style configuration file (`ifname:\` then `:cap#num:cap="str":bool:`
 * lines, `tc=name` to include another entry, `#` comments) and the advertising parameters of one
 * interface built from it with rtadvd's defaults and range checks (FreeBSD's config.c getconfig):
 * maxinterval, mininterval, chlim, raflags, rltime, rtime, retrans, mtu, and the prefixes
 * (addr/addrN, prefixlen, pinfoflags, vltime, pltime) — or, without `addr`, the interface's own global
 * prefixes. Pure: no I/O; errors come back as rtadvd's log lines.
 */

import { parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { ND_RA_FLAG_MANAGED, ND_RA_FLAG_OTHER } from '../../../wire/inet6/nd_router.js'

export const DEF_MAXRTRADVINTERVAL = 600
const MIN_MAXINTERVAL = 4
const MAX_MAXINTERVAL = 1800
const MIN_MININTERVAL = 3
const MAXROUTERLIFETIME = 9000
const MAX_REACHABLETIME = 3600000
const DEF_ADVVALIDLIFETIME = 2592000
const DEF_ADVPREFERREDLIFETIME = 604800
const DEF_ADVCURHOPLIMIT = 64
const PINFO_ONLINK = 0x80
const PINFO_AUTO = 0x40

/** One entry's capabilities: numbers, strings and booleans by name. */
export type Caps = Map<string, string | number | true>

/** Split an entry at the colons outside double quotes (advcap reads `addr="2001:db8::"` whole). */
function splitFields(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (const ch of line) {
    if (ch === '"') quoted = !quoted
    if (ch === ':' && !quoted) {
      out.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  out.push(cur.trim())
  return out
}

/** Parse the file into entries by name (each of an entry's `|`-separated names). */
export function parseTermcap(text: string): Map<string, Caps> {
  const out = new Map<string, Caps>()
  const raw = new Map<string, string[]>()
  // Continuation lines end in a backslash; comments start a line with '#'.
  const joined = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n[ \t]*/g, '')
  for (const line of joined.split('\n')) {
    if (line.trim() === '') continue
    const fields = splitFields(line)
    const names = fields[0]!.split('|').filter((n) => n !== '')
    for (const n of names)
      if (!raw.has(n))
        raw.set(
          n,
          fields.slice(1).filter((f) => f !== ''),
        )
  }
  const build = (name: string, depth: number): Caps => {
    const caps: Caps = new Map()
    const fields = raw.get(name) ?? []
    const cancelled = new Set<string>()
    for (const f of fields) {
      const hash = f.indexOf('#')
      const eq = f.indexOf('=')
      if (f.endsWith('@')) cancelled.add(f.slice(0, -1))
      else if (eq > 0 && (hash < 0 || eq < hash)) {
        const key = f.slice(0, eq)
        let val = f.slice(eq + 1)
        if (val.length >= 2 && val.startsWith('"') && val.endsWith('"')) val = val.slice(1, -1)
        if (key === 'tc') {
          // The first value wins: the including entry's own capabilities come before the included.
          if (depth < 16)
            for (const [k, v] of build(val, depth + 1)) if (!caps.has(k) && !cancelled.has(k)) caps.set(k, v)
        } else if (!caps.has(key) && !cancelled.has(key)) caps.set(key, val)
      } else if (hash > 0) {
        const key = f.slice(0, hash)
        const n = Number(f.slice(hash + 1))
        if (!caps.has(key) && !cancelled.has(key) && Number.isFinite(n)) caps.set(key, n)
      } else if (!caps.has(f) && !cancelled.has(f)) caps.set(f, true)
    }
    return caps
  }
  for (const n of raw.keys()) out.set(n, build(n, 0))
  return out
}

export interface PrefixConf {
  prefix: Uint8Array
  prefixLen: number
  onlink: boolean
  auto: boolean
  vltime: number
  pltime: number
}

export interface RaConf {
  maxinterval: number
  mininterval: number
  chlim: number
  raflags: number
  rltime: number
  rtime: number
  retrans: number
  /** 0: no MTU option; -1: `auto` (the link's). */
  mtu: number
  /** Explicit prefixes, or null to advertise the interface's own. */
  prefixes: PrefixConf[] | null
  /** For prefixes taken from the interface. */
  pinfoflags: number
  vltime: number
  pltime: number
}

function num(caps: Caps, key: string, def: number): number | string {
  const v = caps.get(key)
  if (v === undefined) return def
  if (typeof v === 'number') return v
  return `${key}`
}

/** raflags / pinfoflags: a number or letters (m o h l / l a). */
function flagsCap(caps: Caps, key: string, def: number, letters: Record<string, number>): number | null {
  const v = caps.get(key)
  if (v === undefined || v === true) return def
  if (typeof v === 'number') return v
  let f = 0
  for (const c of v) {
    const bit = letters[c]
    if (bit === undefined) return null
    f |= bit
  }
  return f
}

/**
 * getconfig: the parameters for ifname (defaults when the file has no entry for it), or the log
 * line that rejects them. `forwarding` is net.inet6.ip6.forwarding: a host may not advertise itself
 * as a default router.
 */
export function getconfig(
  caps: Caps | undefined,
  ifname: string,
  forwarding: boolean,
): { conf: RaConf; info?: string } | { error: string; info?: string } {
  const c: Caps = caps ?? new Map()
  const info =
    caps === undefined
      ? `<getconfig> ${ifname} isn't defined in the configuration file or the configuration file doesn't exist. Treat it as default`
      : undefined
  const fail = (error: string): { error: string; info?: string } =>
    info === undefined ? { error } : { error, info }
  const bad = (k: string): { error: string; info?: string } =>
    fail(`<getconfig> ${k} on ${ifname} is not a number`)
  const maxinterval = num(c, 'maxinterval', DEF_MAXRTRADVINTERVAL)
  if (typeof maxinterval === 'string') return bad(maxinterval)
  if (maxinterval < MIN_MAXINTERVAL || maxinterval > MAX_MAXINTERVAL)
    return fail(
      `<getconfig> maxinterval (${maxinterval}) on ${ifname} is invalid (must be between ${MIN_MAXINTERVAL} and ${MAX_MAXINTERVAL})`,
    )
  const mininterval = num(c, 'mininterval', maxinterval >= 9 ? Math.floor(maxinterval / 3) : maxinterval)
  if (typeof mininterval === 'string') return bad(mininterval)
  const minMax = Math.floor((maxinterval * 3) / 4)
  if (mininterval < MIN_MININTERVAL || mininterval > minMax)
    return fail(
      `<getconfig> mininterval (${mininterval}) on ${ifname} is invalid (must be between ${MIN_MININTERVAL} and ${minMax})`,
    )
  const chlim = num(c, 'chlim', DEF_ADVCURHOPLIMIT)
  if (typeof chlim === 'string') return bad(chlim)
  const raflags = flagsCap(c, 'raflags', 0, { m: ND_RA_FLAG_MANAGED, o: ND_RA_FLAG_OTHER, h: 0x08, l: 0x18 })
  if (raflags === null) return fail(`<getconfig> invalid router flags for ${ifname}`)
  const rltime = num(c, 'rltime', maxinterval * 3)
  if (typeof rltime === 'string') return bad(rltime)
  if (rltime !== 0 && (rltime < maxinterval || rltime > MAXROUTERLIFETIME))
    return fail(
      `<getconfig> router lifetime (${rltime}) on ${ifname} is invalid (must be 0 or between ${maxinterval} and ${MAXROUTERLIFETIME})`,
    )
  // RFC 4861 §6.2.5: a node that does not forward must not advertise itself as a default router.
  if (rltime !== 0 && !forwarding)
    return fail(
      `<getconfig> non zero router lifetime is specified for ${ifname}, which must not be allowed for hosts.  you must change router lifetime or enable IPv6 forwarding.`,
    )
  const rtime = num(c, 'rtime', 0)
  if (typeof rtime === 'string') return bad(rtime)
  if (rtime < 0 || rtime > MAX_REACHABLETIME)
    return fail(
      `<getconfig> reachable time (${rtime}) on ${ifname} is invalid (must be no greater than ${MAX_REACHABLETIME})`,
    )
  const retrans = num(c, 'retrans', 0)
  if (typeof retrans === 'string') return bad(retrans)
  const pinfoflags = flagsCap(c, 'pinfoflags', PINFO_ONLINK | PINFO_AUTO, { l: PINFO_ONLINK, a: PINFO_AUTO })
  if (pinfoflags === null) return fail(`<getconfig> invalid prefix flags for ${ifname}`)
  const vltime = num(c, 'vltime', DEF_ADVVALIDLIFETIME)
  if (typeof vltime === 'string') return bad(vltime)
  const pltime = num(c, 'pltime', DEF_ADVPREFERREDLIFETIME)
  if (typeof pltime === 'string') return bad(pltime)
  let mtu = 0
  const m = c.get('mtu')
  if (m === 'auto') mtu = -1
  else if (typeof m === 'number') mtu = m
  else if (m !== undefined) return bad('mtu')
  let prefixes: PrefixConf[] | null = null
  for (let i = -1; i < 100; i++) {
    const sfx = i < 0 ? '' : String(i)
    const a = c.get(`addr${sfx}`)
    if (a === undefined) continue
    if (typeof a !== 'string') return fail(`<getconfig> addr${sfx} on ${ifname} is not an address`)
    const addr = parseIpv6(a)
    if (addr === null) return fail(`<getconfig> inet_pton failed for ${a}`)
    const plen = num(c, `prefixlen${sfx}`, 64)
    if (typeof plen === 'string' || plen < 0 || plen > 128)
      return fail(`<getconfig> prefixlen (${String(plen)}) for ${a} on ${ifname} out of range`)
    const pf = flagsCap(c, `pinfoflags${sfx}`, pinfoflags, { l: PINFO_ONLINK, a: PINFO_AUTO })
    if (pf === null) return fail(`<getconfig> invalid prefix flags for ${ifname}`)
    const vl = num(c, `vltime${sfx}`, vltime)
    const pl = num(c, `pltime${sfx}`, pltime)
    if (typeof vl === 'string' || typeof pl === 'string') return bad(`vltime${sfx}`)
    prefixes ??= []
    prefixes.push({
      prefix: addr,
      prefixLen: plen,
      onlink: (pf & PINFO_ONLINK) !== 0,
      auto: (pf & PINFO_AUTO) !== 0,
      vltime: vl,
      pltime: pl,
    })
  }
  if (prefixes === null && c.get('noifprefix') === true) prefixes = []
  const conf: RaConf = {
    maxinterval,
    mininterval,
    chlim,
    raflags,
    rltime,
    rtime,
    retrans,
    mtu,
    prefixes,
    pinfoflags,
    vltime,
    pltime,
  }
  return info === undefined ? { conf } : { conf, info }
}

/**
 * FRR's command language, the part VirtNet's labs use: the node tree (view/enable, `configure
 * terminal`, `router rip`, `interface IF`), unique-prefix keyword matching (`conf t`), zebra's
 * interface and static route commands, ripd's `router rip` commands, ospfd's (ospf_cmds.ts),
 * ripngd's (ripng_cmds.ts), and the `show` commands (zebra_show6.ts for `show ipv6 route`). One interpreter serves each daemon's vty and vtysh on its own. vtysh sends every
 * line to every daemon; a daemon runs another daemon's commands only to follow the node tree and
 * answers them as not its own (`foreign`), so that vtysh prints the answer of the daemon they are for.
 *
 * Errors print FRR's `% Unknown command: LINE`, `% Command incomplete: LINE` or `% Ambiguous
 * command: LINE` and change nothing. Routing protocols VirtNet has no daemon for yet (`router bgp`,
 * `router babel` ...) are refused by name and their block is skipped. ospf6d's commands are ospf6d/ospf6_cmds.ts,
 * isisd's isisd/isis_cmds.ts.
 *
 * Must not: reach the kernel except through the caller's Syscalls.
 */

import type { Syscalls } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import { formatIpv4, parseIpv4, prefixToMask } from '../../../wire/addr.js'
import { BGP_COMMANDS } from './bgpd/bgp_cmds.js'
import { type BgpConfig, bgpRunningConfig, newBgpConfig } from './bgpd/bgp_config.js'
import { ISIS_COMMANDS } from './isisd/isis_cmds.js'
import { type IsisConfig, isisRunningConfig, newIsisConfig } from './isisd/isis_config.js'
import { OSPF6_COMMANDS } from './ospf6d/ospf6_cmds.js'
import {
  newOspf6Config,
  OSPF6D_VTY_PORT,
  type Ospf6Config,
  ospf6RunningConfig,
} from './ospf6d/ospf6_config.js'
import { OSPF_COMMANDS } from './ospfd/ospf_cmds.js'
import { newOspfConfig, type OspfConfig, ospfRunningConfig } from './ospfd/ospf_config.js'
import {
  ifConfig,
  newRipConfig,
  REDIST_SOURCES,
  type RedistSource,
  type RipConfig,
  ripRunningConfig,
} from './ripd/rip_config.js'
import { RIPNG_COMMANDS } from './ripngd/ripng_cmds.js'
import {
  newRipngConfig,
  RIPNGD_VTY_PORT,
  type RipngConfig,
  ripngRunningConfig,
} from './ripngd/ripng_config.js'
import { showIpv6Route } from './zebra_show6.js'

const IFF_UP = 0x1
const IFF_LOOPBACK = 0x8
const RTF_GATEWAY = 0x2
const RTF_STATIC = 0x800
const RTF_PROTO1 = 0x8000

/** What the daemon behind the vty offers; null when vtysh runs without ripd. */
export interface RipControl {
  /** The configuration changed: apply it (interfaces, timers) now. */
  changed(): void
  showRip(): string
  showRipStatus(): string
  /** Learned routes by `a.b.c.d/len`: metric and install time (host clock ns). */
  ripRoutes(): ReadonlyMap<string, { metric: number; since: number }>
}

/** What ospfd offers its vty (ospf_cmds.ts); null when the session is not ospfd's. */
export interface OspfControl {
  changed(): void
  showOspf(): string
  showNeighbor(detail: boolean): string
  showRoute(): string
  showDatabase(): string
  showInterface(name: string | null): string
  /** Routes by `a.b.c.d/len`: cost, install time, whether OSPF's own (connected) network. */
  ospfRoutes(): ReadonlyMap<string, { cost: number; since: number; direct: boolean; ifName: string }>
}

/** What ospf6d offers its vty (ospf6d/ospf6_cmds.ts); null when the session is not ospf6d's. */
export interface Ospf6Control {
  changed(): void
  showOspf6(): string
  showNeighbor6(): string
  showRoute6(): string
  showDatabase6(): string
  showInterface6(name: string | null): string
  /** Routes by `prefix/len`: cost, install time, whether a prefix of its own links, interface. */
  ospf6Routes(): ReadonlyMap<string, { cost: number; since: number; direct: boolean; ifName: string }>
}

/** What isisd offers its vty (isisd/isis_cmds.ts); null when the session is not isisd's. */
export interface IsisControl {
  changed(): void
  showNeighbor(): string
  showDatabase(): string
  showRoute(): string
  showSummary(): string
  /** Routes in the FIB by `a.b.c.d/len`: metric and install time. */
  isisRoutes(): ReadonlyMap<string, { metric: number; since: number }>
  /** IPv6 routes (RFC 5308) in the FIB by `prefix/len`: metric and install time. */
  isisRoutes6(): ReadonlyMap<string, { metric: number; since: number }>
}

/** What ripngd offers its vty (ripngd/ripng_cmds.ts); null when the session is not ripngd's. */
export interface RipngControl {
  changed(): void
  showRipng(): string
  showRipngStatus(): string
  /** Installed routes by `prefix/len`: metric and install time (host clock ns). */
  ripngRoutes(): ReadonlyMap<string, { metric: number; since: number }>
}

/** What bgpd offers its vty (bgpd/bgp_cmds.ts); null when the session is not bgpd's. */
export interface BgpControl {
  changed(): void
  showBgp(): string
  showSummary(): string
  showNeighbors(addr: number | null): string
  /** `clear ip bgp`: what to print (FRR's error for an unknown neighbour). */
  clear(addr: number | null): string
  /** Installed routes by `a.b.c.d/len`: distance (20 eBGP, 200 iBGP), MED, install time. */
  bgpRoutes(): ReadonlyMap<string, { distance: number; metric: number; since: number }>
}

/** What the configuration holds across vty sessions (each daemon keeps one; vtysh alone a fresh one). */
export interface FrrState {
  hostname: string
  rip: RipConfig
  ospf: OspfConfig
  ripng: RipngConfig
  ospf6: Ospf6Config
  bgp: BgpConfig
  isis: IsisConfig
  /** `ip address` lines given per interface, as written. */
  ifAddrs: Map<string, string[]>
  /** Interfaces mentioned in the configuration, in order. */
  ifOrder: string[]
  /** `ip route PREFIX GW` lines. */
  staticRoutes: string[]
}

export function newFrrState(hostname: string): FrrState {
  return {
    hostname,
    rip: newRipConfig(),
    ospf: newOspfConfig(),
    ripng: newRipngConfig(),
    ospf6: newOspf6Config(),
    bgp: newBgpConfig(),
    isis: newIsisConfig(),
    ifAddrs: new Map(),
    ifOrder: [],
    staticRoutes: [],
  }
}

export class VtyError extends Error {}

export type Node =
  | 'view'
  | 'enable'
  | 'config'
  | 'rip'
  | 'ospf'
  | 'ripng'
  | 'ospf6'
  | 'bgp'
  | 'bgp-af'
  | 'isis'
  | 'interface'
  | 'skip'

type Tok =
  | { k: 'kw'; w: string }
  | { k: 'choice'; ws: readonly string[] }
  | { k: 'ipv4' }
  | { k: 'prefix' }
  | { k: 'num'; lo: number; hi: number }
  | { k: 'word' }
  | { k: 'line' }

interface Cmd {
  nodes: readonly Node[]
  toks: Tok[]
  run: (s: VtySession, args: string[]) => void
  /** The daemon the command is for (none: zebra's, every daemon runs it). */
  proto?: Proto
}

type Proto = 'rip' | 'ospf' | 'ripng' | 'ospf6' | 'bgp' | 'isis'

/** A command as ospf_cmds.ts lists it (text pattern rather than tokens). */
export interface CmdSpec {
  nodes: readonly Node[]
  text: string
  run: (s: VtySession, args: string[]) => void
  proto?: Proto
}

function pattern(text: string): Tok[] {
  return text.split(' ').map((w): Tok => {
    if (w === 'A.B.C.D') return { k: 'ipv4' }
    if (w === 'A.B.C.D/M') return { k: 'prefix' }
    if (w === 'WORD' || w === 'IFNAME') return { k: 'word' }
    if (w === 'LINE') return { k: 'line' }
    const num = /^\((\d+)-(\d+)\)$/.exec(w)
    if (num !== null) return { k: 'num', lo: Number(num[1]), hi: Number(num[2]) }
    if (w.startsWith('<')) return { k: 'choice', ws: w.slice(1, -1).split('|') }
    return { k: 'kw', w }
  })
}

function parsePrefix(s: string): { addr: number; len: number } | null {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s)
  if (m === null) return null
  const a = parseIpv4(m[1]!)
  const len = Number(m[2])
  if (a === null || len > 32) return null
  return { addr: a, len }
}

/** How well input token t fits pattern token p: 2 exact, 1 partial (prefix of a keyword), 0 not. */
function fit(p: Tok, t: string): number {
  switch (p.k) {
    case 'kw':
      return p.w === t ? 2 : p.w.startsWith(t) ? 1 : 0
    case 'choice': {
      if (p.ws.includes(t)) return 2
      return p.ws.filter((w) => w.startsWith(t)).length === 1 ? 1 : 0
    }
    case 'ipv4':
      return parseIpv4(t) !== null ? 2 : 0
    case 'prefix':
      return parsePrefix(t) !== null ? 2 : 0
    case 'num': {
      if (!/^\d+$/.test(t)) return 0
      const n = Number(t)
      return n >= p.lo && n <= p.hi ? 2 : 0
    }
    // Below a keyword or an address, so that `network 10.0.0.0/8` is the prefix form, not a name.
    case 'word':
    case 'line':
      return 1
  }
}

function argOf(p: Tok, t: string): string {
  if (p.k === 'choice') return p.ws.includes(t) ? t : p.ws.find((w) => w.startsWith(t))!
  if (p.k === 'kw') return p.w
  return t
}

const CONFIG_NODES: readonly Node[] = [
  'config',
  'rip',
  'ospf',
  'ripng',
  'ospf6',
  'bgp',
  'bgp-af',
  'isis',
  'interface',
  'skip',
]
const UNSUPPORTED_ROUTERS = ['babel', 'eigrp', 'openfabric', 'pim'] as const

function upTime(ns: number): string {
  const s = Math.max(0, Math.floor(ns / 1e9))
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`
}

const ROUTE_CODES = `Codes: K - kernel route, C - connected, S - static, R - RIP,
       O - OSPF, I - IS-IS, B - BGP, E - EIGRP, N - NHRP,
       T - Table, v - VNC, V - VNC-Direct, A - Babel, F - PBR,
       f - OpenFabric,
       > - selected route, * - FIB route, q - queued, r - rejected, b - backup
       t - trapped, o - offload failure

`

/** One vty: its place in the node tree, and the lines it runs. */
export class VtySession {
  node: Node = 'enable'
  ifName = ''
  out = ''
  readonly sys: Syscalls
  readonly state: FrrState
  readonly rip: RipControl | null
  readonly ospf: OspfControl | null
  readonly ripng: RipngControl | null
  readonly bgp: BgpControl | null
  readonly ospf6: Ospf6Control | null
  readonly isis: IsisControl | null
  /** Set by exec when the line was another daemon's command (this daemon only followed the nodes). */
  foreign = false
  /** The node a skipped block returns to. */
  private skipFrom: Node = 'config'

  constructor(
    sys: Syscalls,
    state: FrrState,
    rip: RipControl | null,
    ospf: OspfControl | null = null,
    ripng: RipngControl | null = null,
    bgp: BgpControl | null = null,
    ospf6: Ospf6Control | null = null,
    isis: IsisControl | null = null,
  ) {
    this.sys = sys
    this.state = state
    this.rip = rip
    this.ospf = ospf
    this.ripng = ripng
    this.bgp = bgp
    this.ospf6 = ospf6
    this.isis = isis
  }

  /** Whether this session is a daemon's vty (rather than vtysh on its own). */
  get inDaemon(): boolean {
    return (
      this.rip !== null ||
      this.ospf !== null ||
      this.ripng !== null ||
      this.bgp !== null ||
      this.ospf6 !== null ||
      this.isis !== null
    )
  }

  fail(msg: string): never {
    throw new VtyError(msg)
  }

  /**
   * Run one line; returns 0, or 1 after printing FRR's error to `out`. Comments (`!`, `#`) and blank
   * lines do nothing, except that `!` at the start of a line ends a skipped block.
   */
  exec(line: string): number {
    this.foreign = false
    const trimmed = line.trim()
    if (this.node === 'skip') {
      // An unsupported protocol's block lasts while its lines are indented or until `exit`/`!`.
      if (trimmed === '' || (line.startsWith(' ') && trimmed !== 'exit')) return 0
      this.node = this.skipFrom
      if (trimmed === 'exit' || trimmed.startsWith('!')) return 0
    }
    if (trimmed === '' || trimmed.startsWith('!') || trimmed.startsWith('#')) return 0
    const words = trimmed.split(/\s+/)
    try {
      return this.dispatch(words, trimmed)
    } catch (e) {
      if (e instanceof VtyError) {
        this.out += `% ${e.message}\n`
        return 1
      }
      if (isSysError(e)) {
        this.out += `% ${e.strerror}\n`
        return 1
      }
      throw e
    }
  }

  private dispatch(words: string[], line: string): number {
    let r = candidates(this.node, words)
    // A config sub-node also takes the config node's commands, leaving the sub-node (FRR's implicit exit).
    // The address family falls back to `router bgp`'s commands, as FRR's node tree does.
    if (r.best.length === 0 && this.node === 'bgp-af') {
      const up = candidates('bgp', words)
      if (up.best.length > 0) {
        this.node = 'bgp'
        r = up
      } else r.incomplete ||= up.incomplete
    }
    if (
      r.best.length === 0 &&
      (this.node === 'rip' ||
        this.node === 'ospf' ||
        this.node === 'ripng' ||
        this.node === 'ospf6' ||
        this.node === 'bgp' ||
        this.node === 'isis' ||
        this.node === 'interface')
    ) {
      const up = candidates('config', words)
      if (up.best.length > 0) {
        this.node = 'config'
        r = up
      } else r.incomplete ||= up.incomplete
    }
    if (r.best.length === 0)
      throw new VtyError(r.incomplete ? `Command incomplete: ${line}` : `Unknown command: ${line}`)
    const top = Math.max(...r.best.map((b) => b.score))
    const best = r.best.filter((b) => b.score === top)
    if (best.length > 1) throw new VtyError(`Ambiguous command: ${line}`)
    const c = best[0]!.cmd
    // Another daemon's command in a daemon's vty: run for the node tree, answered as not ours.
    const theirs =
      this.inDaemon &&
      ((c.proto === 'rip' && this.rip === null) ||
        (c.proto === 'ospf' && this.ospf === null) ||
        (c.proto === 'ripng' && this.ripng === null) ||
        (c.proto === 'ospf6' && this.ospf6 === null) ||
        (c.proto === 'bgp' && this.bgp === null) ||
        (c.proto === 'isis' && this.isis === null))
    try {
      c.run(this, best[0]!.args)
    } catch (e) {
      if (!theirs) throw e
      this.out = ''
    }
    if (theirs) {
      // Entering the other daemon's node or asking it to show something says whom it is for, which
      // vtysh prints when no running daemon takes the line.
      this.foreign = true
      const t = c.toks[0]
      const first = t?.k === 'kw' ? t.w : ''
      this.out =
        first === 'router' || first === 'show'
          ? `% ${c.proto === 'rip' ? 'ripd' : `${c.proto}d`} is not running\n`
          : ''
    }
    return 0
  }

  skip(): void {
    this.skipFrom = 'config'
    this.node = 'skip'
  }

  // ---- show ----

  showIpRoute(): string {
    const now = this.sys.now()
    const rows: Array<{ addr: number; len: number; text: string }> = []
    for (const i of this.sys.ifList()) {
      if ((i.flags & IFF_UP) === 0) continue
      for (const a of i.addrs) {
        const len = a.prefixLen
        const net = (a.addr & prefixToMask(len)) >>> 0
        if ((i.flags & IFF_LOOPBACK) !== 0 && len === 32) continue
        rows.push({ addr: net, len, text: `C>* ${formatIpv4(net)}/${len} is directly connected, ${i.name}` })
      }
    }
    const rip = this.rip?.ripRoutes() ?? new Map()
    const ospf = this.ospf?.ospfRoutes() ?? new Map()
    const bgp = this.bgp?.bgpRoutes() ?? new Map()
    const isis = this.isis?.isisRoutes() ?? new Map()
    for (const [p, o] of ospf) {
      if (!o.direct) continue
      const [a, l] = p.split('/')
      rows.push({
        addr: parseIpv4(a!)!,
        len: Number(l),
        text: `O   ${p} [110/${o.cost}] is directly connected, ${o.ifName}, weight 1, ${upTime(now - o.since)}`,
      })
    }
    for (const r of this.sys.routeList()) {
      if ((r.flags & RTF_GATEWAY) === 0) continue
      const p = `${formatIpv4(r.dst)}/${r.prefixLen}`
      const via = `via ${formatIpv4(r.gateway)}, ${r.ifName}`
      let text: string
      const learned = rip.get(p)
      const viaOspf = ospf.get(p)
      const viaBgp = bgp.get(p)
      const viaIsis = isis.get(p)
      if ((r.flags & RTF_PROTO1) !== 0 && learned !== undefined)
        text = `R>* ${p} [120/${learned.metric}] ${via}, weight 1, ${upTime(now - learned.since)}`
      else if ((r.flags & RTF_PROTO1) !== 0 && viaOspf !== undefined && !viaOspf.direct)
        text = `O>* ${p} [110/${viaOspf.cost}] ${via}, weight 1, ${upTime(now - viaOspf.since)}`
      else if ((r.flags & RTF_PROTO1) !== 0 && viaBgp !== undefined)
        text = `B>* ${p} [${viaBgp.distance}/${viaBgp.metric}] ${via}, weight 1, ${upTime(now - viaBgp.since)}`
      else if ((r.flags & RTF_PROTO1) !== 0 && viaIsis !== undefined)
        text = `I>* ${p} [115/${viaIsis.metric}] ${via}, weight 1, ${upTime(now - viaIsis.since)}`
      else if ((r.flags & RTF_PROTO1) !== 0 && (r.flags & RTF_STATIC) !== 0)
        text = `S>* ${p} [1/0] ${via}, weight 1`
      else text = `K>* ${p} [0/0] ${via}`
      rows.push({ addr: r.dst, len: r.prefixLen, text })
    }
    // FRR lists OSPF's entry for a connected network before the connected one.
    rows.sort((a, b) => a.addr - b.addr || a.len - b.len || (a.text < b.text ? 1 : -1))
    return ROUTE_CODES + rows.map((r) => `${r.text}\n`).join('')
  }

  runningConfig(): string {
    const st = this.state
    const lines = ['Building configuration...', '', 'Current configuration:', '!', 'frr version 8.4_virtnet']
    lines.push('frr defaults traditional', `hostname ${st.hostname}`, 'service integrated-vtysh-config', '!')
    const rip = ripRunningConfig(st.rip)
    const ospf = ospfRunningConfig(st.ospf)
    const ripng = ripngRunningConfig(st.ripng)
    const ospf6 = ospf6RunningConfig(st.ospf6)
    const isis = isisRunningConfig(st.isis)
    const ifs = [...st.ifOrder]
    for (const name of [
      ...rip.ifLines.keys(),
      ...ospf.ifLines.keys(),
      ...ripng.ifLines.keys(),
      ...ospf6.ifLines.keys(),
      ...isis.ifLines.keys(),
    ])
      if (!ifs.includes(name)) ifs.push(name)
    for (const name of ifs) {
      lines.push(`interface ${name}`)
      for (const a of st.ifAddrs.get(name) ?? []) lines.push(` ip address ${a}`)
      lines.push(...(rip.ifLines.get(name) ?? []), ...(ospf.ifLines.get(name) ?? []))
      lines.push(...(ripng.ifLines.get(name) ?? []), ...(ospf6.ifLines.get(name) ?? []))
      lines.push(...(isis.ifLines.get(name) ?? []), 'exit', '!')
    }
    for (const r of st.staticRoutes) lines.push(`ip route ${r}`)
    if (st.staticRoutes.length > 0) lines.push('!')
    if (rip.router.length > 0) lines.push(...rip.router, '!')
    if (ospf.router.length > 0) lines.push(...ospf.router, '!')
    if (ripng.router.length > 0) lines.push(...ripng.router, '!')
    if (ospf6.router.length > 0) lines.push(...ospf6.router, '!')
    const bgp = bgpRunningConfig(st.bgp)
    if (bgp.length > 0) lines.push(...bgp, '!')
    if (isis.router.length > 0) lines.push(...isis.router, '!')
    lines.push('end')
    return `${lines.join('\n')}\n`
  }

  needRip(): RipControl {
    if (this.rip === null) throw new VtyError('ripd is not running')
    return this.rip
  }

  needRipng(): RipngControl {
    if (this.ripng === null) throw new VtyError('ripngd is not running')
    return this.ripng
  }

  needBgp(): BgpControl {
    if (this.bgp === null) throw new VtyError('bgpd is not running')
    return this.bgp
  }

  needOspf6(): Ospf6Control {
    if (this.ospf6 === null) throw new VtyError('ospf6d is not running')
    return this.ospf6
  }

  needIsis(): IsisControl {
    if (this.isis === null) throw new VtyError('isisd is not running')
    return this.isis
  }

  needOspf(): OspfControl {
    if (this.ospf === null) throw new VtyError('ospfd is not running')
    return this.ospf
  }
}

type Match = { score: number; args: string[] } | 'incomplete' | null

function matchCmd(toks: readonly Tok[], words: readonly string[]): Match {
  let score = 0
  const args: string[] = []
  for (let i = 0; i < toks.length; i++) {
    const p = toks[i]!
    if (p.k === 'line') {
      if (i >= words.length) return 'incomplete'
      args.push(words.slice(i).join(' '))
      return { score: score + 2, args }
    }
    const w = words[i]
    if (w === undefined) return i > 0 ? 'incomplete' : null
    const f = fit(p, w)
    if (f === 0) return null
    score += f
    if (p.k !== 'kw') args.push(argOf(p, w))
  }
  return words.length === toks.length ? { score, args } : null
}

function candidates(
  node: Node,
  words: readonly string[],
): { best: Array<{ cmd: Cmd; score: number; args: string[] }>; incomplete: boolean } {
  const best: Array<{ cmd: Cmd; score: number; args: string[] }> = []
  let incomplete = false
  for (const c of COMMANDS) {
    if (!c.nodes.includes(node)) continue
    const m = matchCmd(c.toks, words)
    if (m === 'incomplete') incomplete = true
    else if (m !== null) best.push({ cmd: c, score: m.score, args: m.args })
  }
  return { best, incomplete }
}

function rip(s: VtySession): RipConfig {
  return s.state.rip
}

function changed(s: VtySession): void {
  s.rip?.changed()
}

function cmd(
  nodes: readonly Node[],
  text: string,
  run: (s: VtySession, args: string[]) => void,
  proto?: Proto,
): Cmd {
  return proto === undefined
    ? { nodes, toks: pattern(text), run }
    : { nodes, toks: pattern(text), run, proto }
}

/** ripd's own commands carry its tag (they are ospfd's foreign lines). */
function ripCmd(nodes: readonly Node[], text: string, run: (s: VtySession, args: string[]) => void): Cmd {
  return cmd(nodes, text, run, 'rip')
}

const ALL: readonly Node[] = [
  'view',
  'enable',
  'config',
  'rip',
  'ospf',
  'ripng',
  'ospf6',
  'bgp',
  'bgp-af',
  'isis',
  'interface',
]
const EXEC: readonly Node[] = ['view', 'enable']
const SHOW: readonly Node[] = ALL
const IF_ONLY: readonly Node[] = ['interface']
const RIP_ONLY: readonly Node[] = ['rip']
const CONF: readonly Node[] = ['config']
const REDIST = `<${REDIST_SOURCES.join('|')}>`

function redistribute(s: VtySession, src: string, metric: number, on: boolean): void {
  const c = rip(s)
  if (on) c.redistribute.set(src as RedistSource, metric)
  else c.redistribute.delete(src as RedistSource)
  changed(s)
}

function network(s: VtySession, what: string, on: boolean): void {
  const c = rip(s)
  const p = parsePrefix(what)
  const key = p === null ? what : `${formatIpv4((p.addr & prefixToMask(p.len)) >>> 0)}/${p.len}`
  const at = c.networks.indexOf(key)
  if (on) {
    // Configuring what is there already is no change (FRR's northbound), so a saved file reloads.
    if (at < 0) c.networks.push(key)
  } else {
    if (at < 0) throw new VtyError(`Can't find network configuration`)
    c.networks.splice(at, 1)
  }
  changed(s)
}

function ipAddress(s: VtySession, text: string, on: boolean): void {
  const p = parsePrefix(text)
  if (p === null) throw new VtyError(`Malformed address: ${text}`)
  const name = s.ifName
  const addrs = s.state.ifAddrs.get(name) ?? []
  if (on) {
    const have = s.sys.ifGet(name).addrs.some((a) => a.addr === p.addr)
    if (!have) s.sys.ifAddAddr(name, p.addr, p.len, { alias: true })
    if (!addrs.includes(text)) addrs.push(text)
  } else {
    s.sys.ifDelAddr(name, p.addr)
    const at = addrs.indexOf(text)
    if (at >= 0) addrs.splice(at, 1)
  }
  s.state.ifAddrs.set(name, addrs)
  changed(s)
}

function staticRoute(s: VtySession, prefix: string, gw: string, on: boolean): void {
  const p = parsePrefix(prefix)!
  const g = parseIpv4(gw)!
  const dst = (p.addr & prefixToMask(p.len)) >>> 0
  const key = `${formatIpv4(dst)}/${p.len} ${gw}`
  const list = s.state.staticRoutes
  if (on) {
    try {
      s.sys.routeAdd({ dst, prefixLen: p.len, gateway: g, proto1: true })
    } catch (e) {
      // A route the kernel already has (an IMUNES static route set before frrboot.sh runs) keeps
      // its place: zebra ranks kernel routes (distance 0) before static ones (1), and takes the line.
      if (!isSysError(e) || e.code !== 'EEXIST') throw e
    }
    if (!list.includes(key)) list.push(key)
  } else {
    s.sys.routeDelete(dst, p.len, g)
    const at = list.indexOf(key)
    if (at >= 0) list.splice(at, 1)
  }
  changed(s)
}

const COMMANDS: readonly Cmd[] = [
  cmd(['view'], 'enable', (s) => {
    s.node = 'enable'
  }),
  cmd(EXEC, 'configure terminal', (s) => {
    s.node = 'config'
  }),
  cmd(EXEC, 'configure', (s) => {
    s.node = 'config'
  }),
  cmd(['enable', 'view'], 'disable', (s) => {
    s.node = 'view'
  }),
  cmd(CONFIG_NODES, 'end', (s) => {
    s.node = 'enable'
  }),
  cmd(['config'], 'exit', (s) => {
    s.node = 'enable'
  }),
  cmd(['rip', 'ospf', 'ripng', 'ospf6', 'bgp', 'isis', 'interface'], 'exit', (s) => {
    s.node = 'config'
  }),
  cmd(['rip', 'ospf', 'ripng', 'ospf6', 'bgp', 'isis', 'interface'], 'quit', (s) => {
    s.node = 'config'
  }),
  cmd(EXEC, 'exit', () => {}),
  cmd(ALL, 'write terminal', (s) => {
    s.out += s.runningConfig()
  }),
  cmd(SHOW, 'show running-config', (s) => {
    s.out += s.runningConfig()
  }),
  cmd(SHOW, 'show ip route', (s) => {
    s.out += s.showIpRoute()
  }),
  cmd(SHOW, 'show ipv6 route', (s) => {
    // zebra's table, but only ospf6d (else ripngd) knows its own entries: others leave the line to it.
    const up = (port: number) => s.sys.socketList().some((x) => x.lport === port && x.state === 'LISTEN')
    const ospf6d = s.ospf6 === null && up(OSPF6D_VTY_PORT)
    if (s.inDaemon && (ospf6d || (s.ospf6 === null && s.ripng === null && up(RIPNGD_VTY_PORT)))) {
      s.foreign = true
      return
    }
    s.out += showIpv6Route(
      s.sys,
      s.ripng?.ripngRoutes() ?? new Map(),
      s.ospf6?.ospf6Routes(),
      s.isis?.isisRoutes6(),
    )
  }),
  ripCmd(SHOW, 'show ip rip', (s) => {
    s.out += s.needRip().showRip()
  }),
  ripCmd(SHOW, 'show ip rip status', (s) => {
    s.out += s.needRip().showRipStatus()
  }),
  cmd(SHOW, 'show version', (s) => {
    s.out += `FRRouting 8.4_virtnet (${s.state.hostname}).\nVirtNet's ripd, ospfd and vtysh: RIPv2 and OSPFv2 so far.\n`
  }),
  // config node
  cmd(CONF, 'hostname WORD', (s, [h]) => {
    s.state.hostname = h!
  }),
  cmd(CONF, 'frr version LINE', () => {}),
  cmd(CONF, 'frr defaults WORD', () => {}),
  cmd(CONF, 'service integrated-vtysh-config', () => {}),
  cmd(CONF, 'log LINE', () => {}),
  cmd(CONF, 'line vty', (s) => {
    s.skip()
  }),
  cmd(CONF, 'ip forwarding', (s) => {
    s.sys.sysctlSet('net.inet.ip.forwarding', '1')
  }),
  cmd(CONF, 'no ip forwarding', (s) => {
    s.sys.sysctlSet('net.inet.ip.forwarding', '0')
  }),
  cmd(CONF, 'ip route A.B.C.D/M A.B.C.D', (s, [p, g]) => staticRoute(s, p!, g!, true)),
  cmd(CONF, 'no ip route A.B.C.D/M A.B.C.D', (s, [p, g]) => staticRoute(s, p!, g!, false)),
  cmd(CONF, 'interface IFNAME', (s, [name]) => {
    s.sys.ifGet(name!)
    s.ifName = name!
    if (!s.state.ifOrder.includes(name!)) s.state.ifOrder.push(name!)
    s.node = 'interface'
  }),
  ripCmd(CONF, 'router rip', (s) => {
    if (!s.inDaemon) s.needRip()
    rip(s).enabled = true
    s.node = 'rip'
    changed(s)
  }),
  ripCmd(CONF, 'no router rip', (s) => {
    const fresh = newRipConfig()
    fresh.ifs = rip(s).ifs
    s.state.rip = fresh
    changed(s)
  }),
  cmd(CONF, `router <${UNSUPPORTED_ROUTERS.join('|')}>`, (s, [p]) => {
    s.skip()
    throw new VtyError(`router ${p}: not supported yet (VirtNet has ripd and ospfd only); block ignored`)
  }),
  cmd(CONF, `router openfabric LINE`, (s) => {
    s.skip()
    throw new VtyError(
      `router openfabric: not supported yet (VirtNet has ripd and ospfd only); block ignored`,
    )
  }),
  // interface node (zebra's and ripd's)
  cmd(IF_ONLY, 'ip address A.B.C.D/M', (s, [a]) => ipAddress(s, a!, true)),
  cmd(IF_ONLY, 'no ip address A.B.C.D/M', (s, [a]) => ipAddress(s, a!, false)),
  cmd(IF_ONLY, 'ipv6 address WORD', () => {}),
  cmd(IF_ONLY, 'description LINE', (s, [d]) => {
    s.sys.ifSetDescription(s.ifName, d!)
  }),
  cmd(IF_ONLY, 'shutdown', (s) => {
    s.sys.ifSetUp(s.ifName, false)
  }),
  cmd(IF_ONLY, 'no shutdown', (s) => {
    s.sys.ifSetUp(s.ifName, true)
  }),
  ripCmd(IF_ONLY, 'ip rip split-horizon', (s) => {
    const i = ifConfig(rip(s), s.ifName)
    i.splitHorizon = true
    i.poison = false
    changed(s)
  }),
  ripCmd(IF_ONLY, 'ip rip split-horizon poisoned-reverse', (s) => {
    const i = ifConfig(rip(s), s.ifName)
    i.splitHorizon = true
    i.poison = true
    changed(s)
  }),
  ripCmd(IF_ONLY, 'no ip rip split-horizon', (s) => {
    ifConfig(rip(s), s.ifName).splitHorizon = false
    changed(s)
  }),
  ripCmd(IF_ONLY, 'no ip rip split-horizon poisoned-reverse', (s) => {
    ifConfig(rip(s), s.ifName).poison = false
    changed(s)
  }),
  cmd(IF_ONLY, `<ip|ipv6> router LINE`, () => {
    throw new VtyError(`router: not supported yet (VirtNet has ripd, ripngd, ospfd and ospf6d only)`)
  }),
  // router rip node
  ripCmd(RIP_ONLY, 'network A.B.C.D/M', (s, [p]) => network(s, p!, true)),
  ripCmd(RIP_ONLY, 'no network A.B.C.D/M', (s, [p]) => network(s, p!, false)),
  ripCmd(RIP_ONLY, 'network WORD', (s, [p]) => network(s, p!, true)),
  ripCmd(RIP_ONLY, 'no network WORD', (s, [p]) => network(s, p!, false)),
  ripCmd(RIP_ONLY, `redistribute ${REDIST}`, (s, [src]) => redistribute(s, src!, 0, true)),
  ripCmd(RIP_ONLY, `redistribute ${REDIST} metric (0-16)`, (s, [src, m]) =>
    redistribute(s, src!, Number(m), true),
  ),
  ripCmd(RIP_ONLY, `no redistribute ${REDIST}`, (s, [src]) => redistribute(s, src!, 0, false)),
  ripCmd(RIP_ONLY, 'passive-interface IFNAME', (s, [i]) => {
    rip(s).passive.add(i!)
    changed(s)
  }),
  ripCmd(RIP_ONLY, 'no passive-interface IFNAME', (s, [i]) => {
    rip(s).passive.delete(i!)
    changed(s)
  }),
  ripCmd(RIP_ONLY, 'version (1-2)', (s, [v]) => {
    if (v === '1') throw new VtyError('version 1: not supported yet (VirtNet sends RIPv2; it accepts v1)')
    rip(s).version = 2
  }),
  ripCmd(RIP_ONLY, 'no version', (s) => {
    rip(s).version = null
  }),
  ripCmd(RIP_ONLY, 'default-information originate', (s) => {
    rip(s).defaultOriginate = true
    changed(s)
  }),
  ripCmd(RIP_ONLY, 'no default-information originate', (s) => {
    rip(s).defaultOriginate = false
    changed(s)
  }),
  ripCmd(RIP_ONLY, 'default-metric (1-16)', (s, [m]) => {
    rip(s).defaultMetric = Number(m)
    changed(s)
  }),
  ripCmd(RIP_ONLY, 'neighbor A.B.C.D', (s, [a]) => {
    const n = parseIpv4(a!)!
    if (!rip(s).neighbors.includes(n)) rip(s).neighbors.push(n)
  }),
  ripCmd(RIP_ONLY, 'no neighbor A.B.C.D', (s, [a]) => {
    const n = parseIpv4(a!)!
    rip(s).neighbors = rip(s).neighbors.filter((x) => x !== n)
  }),
  ripCmd(RIP_ONLY, 'timers basic (5-2147483647) (5-2147483647) (5-2147483647)', (s, [u, t, g]) => {
    rip(s).timers = { update: Number(u), timeout: Number(t), garbage: Number(g) }
    changed(s)
  }),
  ...OSPF_COMMANDS.map((c) => cmd(c.nodes, c.text, c.run, c.proto)),
  ...RIPNG_COMMANDS.map((c) => cmd(c.nodes, c.text, c.run, c.proto)),
  ...OSPF6_COMMANDS.map((c) => cmd(c.nodes, c.text, c.run, c.proto)),
  ...BGP_COMMANDS.map((c) => cmd(c.nodes, c.text, c.run, c.proto)),
  ...ISIS_COMMANDS.map((c) => cmd(c.nodes, c.text, c.run, c.proto)),
]

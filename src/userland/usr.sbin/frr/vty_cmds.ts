/**
 * FRR's command interpreter, the part VirtNet's labs use: a vty session walks the node tree
 * (view/enable, `configure terminal`, `router rip`, `interface IF`) and runs each line through the
 * grammar (vty_match.ts) against the command tables (vty_commands.ts for zebra and ripd, ospf_cmds.ts,
 * ripng_cmds.ts, ...; zebra_show6.ts for `show ipv6 route`). One interpreter serves each daemon's vty
 * and vtysh on its own. vtysh sends every
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
import { bgpRunningConfig } from './bgpd/bgp_config.js'
import { isisRunningConfig } from './isisd/isis_config.js'
import { keychainRunningConfig } from './lib/keychain.js'
import { ospf6RunningConfig } from './ospf6d/ospf6_config.js'
import { ospfRunningConfig } from './ospfd/ospf_config.js'
import { ripRunningConfig } from './ripd/rip_config.js'
import { ripngRunningConfig } from './ripngd/ripng_config.js'
import { COMMANDS } from './vty_commands.js'
import { type Cmd, matchCmd, type Node, VtyError } from './vty_match.js'
import type {
  BgpControl,
  FrrState,
  IsisControl,
  Ospf6Control,
  OspfControl,
  RipControl,
  RipngControl,
} from './vty_state.js'

export type { CmdSpec, Node } from './vty_match.js'
export { VtyError } from './vty_match.js'
export type * from './vty_state.js'
export { newFrrState } from './vty_state.js'

const IFF_UP = 0x1

const IFF_LOOPBACK = 0x8

const RTF_GATEWAY = 0x2

const RTF_STATIC = 0x800

const RTF_PROTO1 = 0x8000

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
  /** The `key chain` and `key` being configured (lib/keychain.ts). */
  keychain = ''
  keyId = 0
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
    if (r.best.length === 0 && this.node === 'keychain-key') {
      const up = candidates('keychain', words)
      if (up.best.length > 0) {
        this.node = 'keychain'
        r = up
      } else r.incomplete ||= up.incomplete
    }
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
        this.node === 'interface' ||
        this.node === 'keychain' ||
        this.node === 'keychain-key')
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
    lines.push(...keychainRunningConfig(st.keychains))
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

/**
 * bgpd's engine: the neighbours (bgp_peer.ts) and the tables (bgp_rib.ts) tied to the vnet — the
 * interfaces and the kernel table re-read every few seconds (bgp_zebra.ts) and on every change of configuration
 * (which `network`s exist, what is redistributed, which next hops resolve), UPDATEs applied as they
 * arrive, best paths chosen, installed (zebra_fib.ts: `UG1`) and announced in one pass per wake-up,
 * so a burst of UPDATEs costs one pass. bgpd.ts is the program around it (options, sockets, vty).
 *
 * Must not: throw out of its loop, or block on anything but its sockets and its timer.
 */

import { AF_INET, IP_TTL, IPPROTO_IP, SOCK, type SocketFd, type Syscalls } from '../../../../host/syscalls.js'
import { formatIpv4, parseIpv4 } from '../../../../wire/addr.js'
import {
  type BgpError,
  type BgpMsg,
  CEASE_ADMIN_RESET,
  CEASE_ADMIN_SHUTDOWN,
  CEASE_MAX_PREFIX,
  CEASE_PEER_UNCONFIG,
  type PathAttrs,
  type Prefix,
  type UpdateMsg,
} from '../../../../wire/routing/bgp.js'
import { buildUpdates, encodeAttrs } from '../../../../wire/routing/bgp_build.js'
import { untilKilled } from '../../../common.js'
import type { Proc } from '../../../types.js'
import type { BgpControl, FrrState } from '../vty_cmds.js'
import { type FibRoute, ZebraFib } from '../zebra_fib.js'
import { BGP_CONNECT_RETRY_S, BGP_DEFAULT_MAX_PREFIX, type BgpConfig, effective } from './bgp_config.js'
import { Peer, type PeerHost } from './bgp_peer.js'
import {
  attrsKey,
  type BgpPath,
  exportAttrs,
  hasLoop,
  prefixKey,
  type RibEntry,
  selectBest,
} from './bgp_rib.js'
import { showNeighbors, showSummary, showTable } from './bgp_show.js'
import { type Connected, refresh, resolve } from './bgp_zebra.js'

const LOOPBACK = 0x7f000001
const SEC = 1e9
const POLL_NS = 5 * SEC
const WAKE = Uint8Array.of(0)

export class BgpDaemon implements PeerHost, BgpControl {
  readonly proc: Proc
  readonly sys: Syscalls
  readonly state: FrrState
  readonly fib: ZebraFib
  readonly peers = new Map<number, Peer>()
  readonly rib = new Map<string, RibEntry>()
  /** Prefixes whose best path must be chosen again (bgp_zebra.ts adds to it too). */
  readonly dirty = new Set<string>()
  /** Peers whose whole Adj-RIB-Out must be recomputed (just established, refresh asked). */
  private readonly fullSync = new Set<Peer>()
  private wfd: SocketFd | null = null
  private wAddr = { addr: LOOPBACK, port: 0 }
  private kicked = false
  private nextPoll = 0
  /** The interfaces as bgp_zebra.ts last read them. */
  connected: Connected[] = []
  ourAddrs = new Set<number>()
  rid = 0
  tableVersion = 0
  malformedTotal = 0
  /** A port other than 179 (tests, `-p`): where we listen and connect. */
  readonly port: number

  constructor(proc: Proc, state: FrrState, port: number) {
    this.proc = proc
    this.sys = proc.sys
    this.state = state
    this.port = port
    this.fib = new ZebraFib(this.sys)
  }

  get cfg(): BgpConfig {
    return this.state.bgp
  }

  // ---- PeerHost ----

  now(): number {
    return this.sys.now()
  }
  localAs(): number {
    return this.cfg.as ?? 0
  }
  routerId(): number {
    return this.rid
  }
  /**
   * Wake the loop: one datagram to its own loopback socket (a socket wait ends at once when the
   * process is killed, where a sleep would linger on the clock).
   */
  kick(): void {
    if (this.kicked || this.wfd === null) return
    this.kicked = true
    try {
      this.wfd.sendto(WAKE, this.wAddr)
    } catch {
      this.kicked = false
    }
  }

  async connect(p: Peer): Promise<SocketFd> {
    const fd = this.sys.socket(AF_INET, SOCK.STREAM)
    try {
      const n = this.cfg.neighbors.get(p.addr)
      const e = n === undefined ? null : effective(this.cfg, n)
      const src = e?.updateSource ?? null
      if (src !== null) {
        const a = parseIpv4(src) ?? this.ifAddr(src)
        if (a !== null) fd.bind({ addr: a, port: 0 })
      }
      // eBGP single-hop goes out with TTL 1, as FRR sends it.
      if (!p.ibgp && e !== null && e.ebgpMultihop === null && e.remoteAs !== 'internal')
        fd.setsockopt(IPPROTO_IP, IP_TTL, 1)
      else if (e?.ebgpMultihop != null) fd.setsockopt(IPPROTO_IP, IP_TTL, e.ebgpMultihop)
      await fd.connect({ addr: p.addr, port: this.port })
      return fd
    } catch (err) {
      fd.close()
      throw err
    }
  }

  private ifAddr(name: string): number | null {
    try {
      const i = this.sys.ifGet(name)
      return i.addrs[0]?.addr ?? null
    } catch {
      return null
    }
  }

  established(p: Peer): void {
    p.pfxRcd = 0
    this.fullSync.add(p)
    this.tableVersion++
  }

  down(p: Peer): void {
    this.removePeerPaths(p)
  }

  malformed(_p: Peer, _e: BgpError): void {
    this.malformedTotal++
  }

  message(p: Peer, m: BgpMsg): void {
    if (m.type === 'update') this.update(p, m)
    else if (m.type === 'refresh') {
      p.adjOut.clear()
      this.fullSync.add(p)
    }
    this.kick()
  }

  // ---- Adj-RIB-In ----

  private pathOf(e: RibEntry, p: Peer): number {
    return e.paths.findIndex((x) => x.peer !== null && x.peer.addr === p.addr)
  }

  private withdraw(p: Peer, pf: Prefix): void {
    const k = prefixKey(pf.addr, pf.len)
    const e = this.rib.get(k)
    if (e === undefined) return
    const i = this.pathOf(e, p)
    if (i < 0) return
    e.paths.splice(i, 1)
    p.pfxRcd--
    this.dirty.add(k)
  }

  private update(p: Peer, m: UpdateMsg): void {
    for (const w of m.withdrawn) this.withdraw(p, w)
    if (m.nlri.length === 0 || m.attrs === null) return
    const n = this.cfg.neighbors.get(p.addr)
    const e = n === undefined ? null : effective(this.cfg, n)
    const a = m.attrs
    // RFC 8212 / FRR ≥ 7.5: without `no bgp ebgp-requires-policy` an eBGP peer's routes are refused
    // (there is no policy language here to give them one).
    const refuse =
      m.treatAsWithdraw || (!p.ibgp && this.cfg.ebgpRequiresPolicy) || hasLoop(a.asPath, this.localAs())
    if (refuse) {
      for (const pf of m.nlri) this.withdraw(p, pf)
      return
    }
    const limit = e?.maxPrefix ?? BGP_DEFAULT_MAX_PREFIX
    const src = { addr: p.addr, remoteId: p.remoteId, remoteAs: p.remoteAs, ibgp: p.ibgp }
    const now = this.now()
    // An eBGP peer's LOCAL_PREF means nothing here (§5.1.5).
    const attrs: PathAttrs = p.ibgp ? a : { ...a, localPref: null }
    for (const pf of m.nlri) {
      const k = prefixKey(pf.addr, pf.len)
      let entry = this.rib.get(k)
      if (entry === undefined) {
        entry = { addr: pf.addr, len: pf.len, paths: [], best: null }
        this.rib.set(k, entry)
      }
      const path: BgpPath = { peer: src, attrs, weight: e?.weight ?? 0, since: now, valid: false, gw: 0 }
      resolve(this, path, e?.ebgpMultihop ?? null)
      const i = this.pathOf(entry, p)
      if (i >= 0) entry.paths[i] = path
      else {
        if (p.pfxRcd >= limit && !(e?.maxPrefixWarnOnly ?? false)) {
          if (entry.paths.length === 0) this.rib.delete(k)
          // RFC 4486: Cease, Maximum Number of Prefixes Reached; held down until `clear ip bgp`.
          p.overflow = true
          p.stop(CEASE_MAX_PREFIX, 'Maximum prefix count reached', true)
          return
        }
        entry.paths.push(path)
        p.pfxRcd++
      }
      this.dirty.add(k)
    }
  }

  private removePeerPaths(p: Peer): void {
    for (const [k, e] of this.rib) {
      const i = this.pathOf(e, p)
      if (i < 0) continue
      e.paths.splice(i, 1)
      this.dirty.add(k)
    }
    p.pfxRcd = 0
    this.kick()
  }

  // ---- configuration, interfaces, local routes ----

  changed(): void {
    this.nextPoll = 0
    // Settings that change what goes out (default local preference, next-hop-self ...) apply to all.
    for (const p of this.peers.values()) if (p.session !== null) this.fullSync.add(p)
    this.kick()
  }

  /** Peers follow the configuration: new ones start, removed ones stop, settings apply. */
  syncPeers(): void {
    const c = this.cfg
    const want = new Set<number>()
    if (c.as !== null && this.rid !== 0)
      for (const n0 of c.neighbors.values()) {
        const n = effective(c, n0)
        if (n.remoteAs === null) continue
        want.add(n.addr)
        let p = this.peers.get(n.addr)
        if (p === undefined) {
          p = new Peer(n.addr, this)
          this.peers.set(n.addr, p)
        }
        const spec = n.remoteAs
        if (spec !== p.remoteAsSpec && p.state !== 'Idle')
          p.stop(CEASE_PEER_UNCONFIG, 'Remote AS changed', false)
        p.remoteAsSpec = spec
        p.remoteAs = typeof spec === 'number' ? spec : spec === 'internal' ? c.as : 0
        p.ibgp = spec === 'internal' || spec === c.as
        const t = n.timers ?? c.timers
        p.holdCfg = t.hold
        p.keepaliveCfg = t.keepalive
        p.connectRetryS = BGP_CONNECT_RETRY_S
        if (n.shutdown && !p.adminDown) p.stop(CEASE_ADMIN_SHUTDOWN, 'Admin. shutdown', true)
        else if (!n.shutdown && p.adminDown && !p.overflow) {
          p.adminDown = false
          p.start(0)
        } else if (p.state === 'Idle' && !p.adminDown) p.start(0)
      }
    for (const [a, p] of this.peers)
      if (!want.has(a)) {
        p.stop(CEASE_PEER_UNCONFIG, 'Peer de-configured', true)
        this.removePeerPaths(p)
        this.peers.delete(a)
      }
  }

  // ---- decision and announcement ----

  private process(): void {
    if (this.dirty.size === 0 && this.fullSync.size === 0) return
    const changed: string[] = []
    let fibChanged = false
    for (const k of this.dirty) {
      const e = this.rib.get(k)
      if (e === undefined) continue
      const before = e.best
      selectBest(e, this.cfg.localPref)
      if (e.best !== before) {
        changed.push(k)
        fibChanged = true
        this.tableVersion++
      }
      if (e.paths.length === 0) this.rib.delete(k)
    }
    this.dirty.clear()
    if (fibChanged) this.installFib()
    for (const p of this.peers.values()) {
      if (p.session === null) continue
      if (this.fullSync.has(p)) this.announce(p, [...this.rib.keys(), ...p.adjOut.keys()])
      else if (changed.length > 0) this.announce(p, changed)
    }
    this.fullSync.clear()
  }

  private installFib(): void {
    const want = new Map<string, FibRoute>()
    for (const [k, e] of this.rib) {
      const b = e.best
      if (b === null || b.peer === null || b.gw === 0) continue
      // A connected network stays the kernel's.
      if (this.connected.some((x) => x.net === e.addr && x.len === e.len)) continue
      want.set(k, { dst: e.addr, len: e.len, gw: b.gw })
    }
    this.fib.sync(want)
  }

  /** Bring the peer's Adj-RIB-Out in line with the Loc-RIB for `keys`; UPDATEs grouped by attributes. */
  private announce(p: Peer, keys: Iterable<string>): void {
    const c = this.cfg
    const s = p.session
    if (s === null) return
    const n = c.neighbors.get(p.addr)
    const e = n === undefined ? null : effective(c, n)
    const policyBlocked = !p.ibgp && c.ebgpRequiresPolicy
    const to = {
      addr: p.addr,
      ibgp: p.ibgp,
      nextHopSelf: e?.nextHopSelf ?? false,
      localAddr: s.localAddr,
      localPref: c.localPref,
    }
    const withdrawn: Prefix[] = []
    const groups = new Map<string, { attrs: PathAttrs; nlri: Prefix[] }>()
    const seen = new Set<string>()
    for (const k of keys) {
      if (seen.has(k)) continue
      seen.add(k)
      const entry = this.rib.get(k)
      const b = entry?.best ?? null
      const out = b === null || policyBlocked ? null : exportAttrs(b, to, this.localAs())
      const had = p.adjOut.get(k)
      if (out === null) {
        if (had !== undefined) {
          p.adjOut.delete(k)
          const [a, l] = k.split('/')
          withdrawn.push({ addr: Number(a), len: Number(l) })
        }
        continue
      }
      const ak = attrsKey(out)
      if (had === ak) continue
      p.adjOut.set(k, ak)
      let g = groups.get(ak)
      if (g === undefined) {
        g = { attrs: out, nlri: [] }
        groups.set(ak, g)
      }
      g.nlri.push({ addr: entry!.addr, len: entry!.len })
    }
    for (const m of buildUpdates(withdrawn, null, [])) p.sendUpdate(m)
    for (const g of groups.values())
      for (const m of buildUpdates([], encodeAttrs(g.attrs, p.as4), g.nlri)) p.sendUpdate(m)
    p.pfxSnt = p.adjOut.size
  }

  // ---- vty ----

  showBgp(): string {
    return showTable(this)
  }
  showSummary(): string {
    return showSummary(this)
  }
  showNeighbors(addr: number | null): string {
    return showNeighbors(this, addr)
  }
  clear(addr: number | null): string {
    if (addr !== null && !this.peers.has(addr)) return `% BGP: Unknown neighbor - "${formatIpv4(addr)}"\n`
    for (const p of this.peers.values()) if (addr === null || p.addr === addr) p.reset(CEASE_ADMIN_RESET)
    this.kick()
    return ''
  }
  bgpRoutes(): ReadonlyMap<string, { distance: number; metric: number; since: number }> {
    const m = new Map<string, { distance: number; metric: number; since: number }>()
    for (const [k, r] of this.fib.installed) {
      const e = this.rib.get(k)
      const b = e?.best
      if (b?.peer == null) continue
      m.set(`${formatIpv4(r.dst)}/${r.len}`, {
        distance: b.peer.ibgp ? 200 : 20,
        metric: b.attrs.med ?? 0,
        since: r.since,
      })
    }
    return m
  }

  // ---- the loop ----

  async run(): Promise<void> {
    const sys = this.sys
    const wfd = sys.socket(AF_INET, SOCK.DGRAM)
    wfd.bind({ addr: LOOPBACK, port: 0 })
    this.wfd = wfd
    this.wAddr = wfd.getsockname()
    this.proc.onKill(() => {
      this.wfd = null
      wfd.close()
    })
    while (!this.proc.killed) {
      const now = sys.now()
      if (now >= this.nextPoll) {
        refresh(this)
        this.nextPoll = sys.now() + POLL_NS
      }
      for (const p of [...this.peers.values()]) p.tick(sys.now())
      this.process()
      let next = this.nextPoll
      for (const p of this.peers.values()) next = Math.min(next, p.nextTimer())
      if (this.dirty.size > 0 || this.fullSync.size > 0) continue
      try {
        await wfd.recvfrom(16, 0, Math.max(next - sys.now(), 1000))
      } catch {
        // The timeout (EAGAIN), or the socket closed by a kill.
      }
      this.kicked = false
    }
  }

  async listen(lfd: SocketFd): Promise<void> {
    while (!this.proc.killed) {
      let c: { fd: SocketFd; from: { addr: number } } | null
      try {
        c = await untilKilled(this.proc, lfd.accept())
      } catch {
        return
      }
      if (c === null) return
      const p = this.peers.get(c.from.addr >>> 0)
      // Not a configured neighbour, held down, or already up: FRR closes such connections at once.
      if (p === undefined || p.adminDown || p.session !== null || p.conns.some((x) => !x.outbound)) {
        c.fd.close()
        continue
      }
      p.attach(c.fd, false)
    }
  }

  shutdown(): void {
    for (const p of this.peers.values()) p.abort()
    try {
      this.fib.flush()
    } catch {
      // The vnet is being torn down.
    }
  }
}

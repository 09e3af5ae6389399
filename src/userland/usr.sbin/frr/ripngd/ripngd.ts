/**
 * ripngd(8): the RIPng daemon (RFC 2080), FRR's program as a VirtNet process. It runs in its jail
 * under the jail's credential and uses only the syscall API: one UDP socket on [::]:521 that joins
 * ff02::9 on every RIPng interface and sends from the interface's link-local address with hop limit
 * 255 (§2.5), the inet6 routing socket calls to install what it learns into the vnet's IPv6 FIB as
 * zebra does (zebra_fib6.ts: `UG1`, link-local next hops scoped to their interface), and a vty on TCP
 * 127.0.0.1:2603 that vtysh talks to. Regular updates every 30 s (±25 % jitter, as FRR), triggered
 * updates held 1-5 s apart (§2.5.1), route timeout and garbage collection (lib/rip_table.ts),
 * interfaces re-read every few seconds (zebra's interface events).
 *
 * §2.4.2's checks: a response comes from port 521, from a link-local address that is not ours, with
 * hop limit 255; anything else, and any malformed datagram, is dropped and counted
 * (`show ipv6 ripng status`), as are RTEs that fail the entry checks.
 *
 * Must not: throw out of its loops (a failed send is counted), or hold more than RIPNG_MAX_ROUTES routes.
 */

import {
  AF_INET6,
  IPPROTO_IPV6,
  IPV6_JOIN_GROUP,
  IPV6_LEAVE_GROUP,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_LOOP,
  IPV6_UNICAST_HOPS,
  SOCK,
  type SocketFd,
  type Syscalls,
} from '../../../../host/syscalls.js'
import { isSysError } from '../../../../util/errno.js'
import { in6Eq, in6IsLinkLocal, in6Masked, in6PrefixEq, parseIpv6 } from '../../../../wire/inet6/in6_addr.js'
import {
  emitRipng,
  isWholeTableRequest,
  parseRipng,
  RIPNG_GROUP,
  RIPNG_INFINITY,
  RIPNG_PORT,
  RIPNG_VERSION,
  RipngCommand,
  type RipngRte,
  ripngMaxRtes,
  wholeTableRequest,
} from '../../../../wire/routing/ripng.js'
import type { Io, Proc } from '../../../types.js'
import { frrDaemonMain } from '../lib/daemon_main.js'
import { type RipLocal, ripNextUpdate, ripRandom, ripTriggerHold, SEC_NS } from '../lib/rip_table.js'
import { type FrrState, type RipngControl, VtySession } from '../vty_cmds.js'
import { ZebraFib6 } from '../zebra_fib6.js'
import { RIPNGD_VTY_PORT, type RipngConfig } from './ripng_config.js'
import { type RipngIface, RipngRib, type RipngRoute, ripngKey } from './ripng_rib.js'
import { type RipngPeer, showRipng, showRipngStatus } from './ripng_show.js'

export { RIPNGD_VTY_PORT } from './ripng_config.js'

const USAGE = 'usage: ripngd [-d] [-f config-file] [-A vty-address] [-P vty-port]'
const IFF_UP = 0x1
const IFF_LOOPBACK = 0x8
const RTF_STATIC = 0x800
const RTF_PROTO1 = 0x8000
/** IN6_IFF_TENTATIVE | IN6_IFF_DUPLICATED: an address not yet (or never) usable as a source. */
const IN6_IFF_NOTREADY = 0x02 | 0x04
/** RFC 2080 §2.4.2 / §2.5: updates leave and arrive with hop limit 255. */
const RIPNG_HLIM = 255
/** How often interfaces and the kernel table are re-read (zebra would tell at once). */
const POLL_NS = 5 * SEC_NS
/** Neighbours whose counters are kept at most (a spoofing flood cannot grow the list). */
const MAX_PEERS = 1024

function random(sys: Syscalls): number {
  return ripRandom((n) => sys.getrandom(n))
}

class RipngDaemon implements RipngControl {
  readonly proc: Proc
  readonly sys: Syscalls
  readonly state: FrrState
  readonly rib: RipngRib
  readonly fd: SocketFd
  readonly fib: ZebraFib6
  active = new Map<string, RipngIface>()
  private readonly peers = new Map<string, RipngPeer>()
  nextUpdate = 0
  /** The update interval (s) nextUpdate was drawn with. */
  private updateS = 0
  private nextPoll = 0
  private triggerHold = 0

  constructor(proc: Proc, state: FrrState, fd: SocketFd) {
    this.proc = proc
    this.sys = proc.sys
    this.state = state
    this.fd = fd
    this.fib = new ZebraFib6(proc.sys)
    this.rib = new RipngRib({ install: (r) => this.install(r), uninstall: (r) => this.uninstall(r) })
  }

  private get cfg(): RipngConfig {
    return this.state.ripng
  }

  // ---- zebra's part ----

  private install(r: RipngRoute): void {
    const ifc = this.active.get(r.ifName)
    const scopeId = in6IsLinkLocal(r.nextHop, 0) ? (ifc?.index ?? 0) : 0
    this.fib.add(ripngKey(r.addr, r.len), { dst: r.addr, len: r.len, gw: r.nextHop, scopeId })
  }

  private uninstall(r: RipngRoute): void {
    this.fib.remove(ripngKey(r.addr, r.len))
  }

  // ---- RipngControl: what the vty asks ----

  changed(): void {
    this.nextPoll = 0
    this.service(this.sys.now())
  }

  ripngRoutes(): ReadonlyMap<string, { metric: number; since: number }> {
    const m = new Map<string, { metric: number; since: number }>()
    for (const r of this.rib.routes.values()) {
      const k = ripngKey(r.addr, r.len)
      const f = this.fib.installed.get(k)
      if (r.origin === 'rip' && f !== undefined) m.set(k, { metric: r.metric, since: f.since })
    }
    return m
  }

  showRipng(): string {
    return showRipng(this.rib, this.sys.now())
  }

  showRipngStatus(): string {
    return showRipngStatus(
      { cfg: this.cfg, rib: this.rib, active: this.active, peers: this.peers, nextUpdate: this.nextUpdate },
      this.sys.now(),
    )
  }

  // ---- interfaces and our own routes ----

  private enabledOn(name: string, prefixes: ReadonlyArray<{ addr: Uint8Array; len: number }>): boolean {
    const c = this.cfg
    return (
      c.enabled &&
      c.networks.some((n) => {
        if (n === name) return true
        const slash = n.indexOf('/')
        if (slash < 0) return false
        const net = parseIpv6(n.slice(0, slash))
        const len = Number(n.slice(slash + 1))
        return net !== null && prefixes.some((p) => p.len >= len && in6PrefixEq(p.addr, 0, net, 0, len))
      })
    )
  }

  /** Re-read interfaces and the kernel table: join/leave the group, refresh our own routes. */
  private refresh(now: number): void {
    const c = this.cfg
    const next = new Map<string, RipngIface>()
    const local: RipLocal<Uint8Array>[] = []
    const redistMetric = (src: 'connected' | 'static' | 'kernel'): number => {
      const m = c.redistribute.get(src)
      return m === undefined || m === 0 ? c.defaultMetric : m
    }
    for (const i of this.sys.ifList()) {
      if ((i.flags & IFF_LOOPBACK) !== 0 || (i.flags & IFF_UP) === 0) continue
      const v6 = (i.inet6 ?? []).filter((a) => (a.flags & IN6_IFF_NOTREADY) === 0)
      const ll = v6.find((a) => in6IsLinkLocal(a.addr, 0))
      const prefixes = v6
        .filter((a) => !in6IsLinkLocal(a.addr, 0))
        .map((a) => ({ addr: in6Masked(a.addr, a.prefixLen), len: a.prefixLen }))
      const on = ll !== undefined && this.enabledOn(i.name, prefixes)
      if (on) {
        const ic = c.ifs.get(i.name)
        next.set(i.name, {
          name: i.name,
          index: i.index,
          linkLocal: ll.addr,
          prefixes,
          mtu: i.mtu,
          passive: c.passive.has(i.name),
          poison: ic?.poison ?? false,
          splitHorizon: ic?.splitHorizon ?? true,
        })
      }
      if (!c.enabled) continue
      for (const p of prefixes) {
        if (on) local.push({ addr: p.addr, len: p.len, origin: 'connected', ifName: i.name, metric: 1 })
        else if (c.redistribute.has('connected'))
          local.push({
            addr: p.addr,
            len: p.len,
            origin: 'connected',
            ifName: '',
            metric: redistMetric('connected'),
          })
      }
    }
    if (c.enabled) {
      // The kernel table is only read when something of it is redistributed (it may be large).
      const fromFib = c.redistribute.has('static') || c.redistribute.has('kernel')
      for (const r of fromFib ? this.sys.inet6.routeList() : []) {
        if (r.gateway === null || r.prefixLen === 0) continue
        if ((r.flags & RTF_PROTO1) !== 0 && (r.flags & RTF_STATIC) === 0) continue
        const origin = (r.flags & RTF_STATIC) !== 0 ? 'static' : 'kernel'
        if (!c.redistribute.has(origin) || in6IsLinkLocal(r.dst, 0)) continue
        local.push({ addr: r.dst, len: r.prefixLen, origin, ifName: '', metric: redistMetric(origin) })
      }
      if (c.defaultOriginate)
        local.push({
          addr: new Uint8Array(16),
          len: 0,
          origin: 'static',
          ifName: '',
          metric: c.defaultMetric,
        })
    }
    // Interfaces that left RIPng: their neighbours' routes go, and so does our membership there.
    for (const [name, a] of this.active) {
      const n = next.get(name)
      if (n !== undefined && n.index === a.index && in6Eq(n.linkLocal, 0, a.linkLocal, 0)) continue
      this.rib.dropInterface(name, now)
      this.membership(IPV6_LEAVE_GROUP, a.index)
    }
    const fresh: RipngIface[] = []
    for (const [name, a] of next) {
      const old = this.active.get(name)
      if (old !== undefined && old.index === a.index && in6Eq(old.linkLocal, 0, a.linkLocal, 0)) continue
      this.membership(IPV6_JOIN_GROUP, a.index)
      fresh.push(a)
    }
    this.active = next
    this.rib.timeoutNs = c.timers.timeout * SEC_NS
    this.rib.garbageNs = c.timers.garbage * SEC_NS
    // A new `timers basic` restarts the update timer at the new interval, as FRR's does
    // (ripngd_instance_timers_apply_finish); else the first update would wait out the old, longer one.
    if (c.timers.update !== this.updateS) {
      this.updateS = c.timers.update
      this.nextUpdate = ripNextUpdate(now, c.timers.update, random(this.sys))
    }
    this.rib.syncLocal(local, now)
    // RFC 2080 §2.4.1: a router coming up asks its neighbours for their whole tables.
    for (const a of fresh)
      if (!a.passive) this.send(a, wholeTableRequest(), RIPNG_GROUP, RIPNG_PORT, RipngCommand.REQUEST)
  }

  private membership(op: number, ifindex: number): void {
    try {
      this.fd.setsockopt(IPPROTO_IPV6, op, { multiaddr6: RIPNG_GROUP, ifindex })
    } catch {
      // Joined already, or the interface is gone: nothing to undo.
    }
  }

  // ---- output ----

  private send(
    a: RipngIface,
    rtes: readonly RipngRte[],
    dst: Uint8Array,
    port: number,
    command: number = RipngCommand.RESPONSE,
    scopeId = a.index,
  ): void {
    const max = ripngMaxRtes(a.mtu)
    for (let i = 0; i < rtes.length; i += max) {
      const data = emitRipng({ command, version: RIPNG_VERSION, rtes: rtes.slice(i, i + max) })
      try {
        this.fd.sendto(data, { addr: 0, port, addr6: dst, scopeId })
        this.rib.counters.sent++
      } catch {
        // The interface went down under us; the next poll notices.
      }
    }
  }

  /** An update out of every RIPng interface. */
  private updateAll(onlyChanged: boolean): void {
    for (const a of this.active.values()) {
      if (a.passive) continue
      const rtes = this.rib.updateFor(a, onlyChanged)
      if (rtes.length > 0) this.send(a, rtes, RIPNG_GROUP, RIPNG_PORT)
    }
  }

  // ---- input ----

  private peer(src: Uint8Array, now: number): RipngPeer {
    const k = ripngKey(src, 128)
    let p = this.peers.get(k)
    if (p === undefined) {
      p = { addr: src, badPackets: 0, badRoutes: 0, last: now }
      if (this.peers.size < MAX_PEERS) this.peers.set(k, p)
    }
    return p
  }

  private ifaceOf(scopeId: number): RipngIface | undefined {
    for (const a of this.active.values()) if (a.index === scopeId) return a
    return undefined
  }

  private isOwn(src: Uint8Array): boolean {
    for (const a of this.active.values()) if (in6Eq(a.linkLocal, 0, src, 0)) return true
    return false
  }

  input(data: Uint8Array, src: Uint8Array, scopeId: number, port: number, hlim: number | undefined): void {
    const now = this.sys.now()
    const k = this.rib.counters
    if (!this.cfg.enabled || this.isOwn(src)) return
    const a = in6IsLinkLocal(src, 0) ? this.ifaceOf(scopeId) : undefined
    const p = parseRipng(data)
    if (!p.ok) {
      k.badPackets++
      if (a !== undefined) this.peer(src, now).badPackets++
      return
    }
    const msg = p.ripng
    if (msg.command === RipngCommand.RESPONSE) {
      // §2.4.2: from port 521, a link-local source on a RIPng interface, hop limit 255.
      if (a === undefined || port !== RIPNG_PORT || (hlim !== undefined && hlim !== RIPNG_HLIM)) {
        k.badPackets++
        if (a !== undefined) this.peer(src, now).badPackets++
        return
      }
      const peer = this.peer(src, now)
      const before = k.badRoutes
      this.rib.response(a, src, msg.rtes, now)
      peer.badRoutes += k.badRoutes - before
      peer.last = now
      return
    }
    // §2.4.1: a request. From a neighbour (link-local) it is answered on its link; a query from a
    // monitor elsewhere is answered through the routing table, out of any RIPng interface.
    const via = a ?? this.active.values().next().value
    if (via === undefined || via.passive) return
    let rtes: RipngRte[]
    if (isWholeTableRequest(msg)) {
      // A router's request gets split horizon; a query from another port the whole table.
      rtes = this.rib.updateFor(
        port === RIPNG_PORT && a !== undefined ? via : { ...via, splitHorizon: false },
        false,
      )
    } else {
      rtes = msg.rtes.map((e) => {
        const r = e.len <= 128 ? this.rib.routes.get(ripngKey(in6Masked(e.prefix, e.len), e.len)) : undefined
        return { ...e, metric: r === undefined ? RIPNG_INFINITY : r.metric }
      })
    }
    this.send(via, rtes, src, port, RipngCommand.RESPONSE, a !== undefined ? scopeId : 0)
  }

  // ---- the loops ----

  /** Whatever is due at `now`: re-reading interfaces, route timers, regular and triggered updates. */
  private service(now: number): void {
    if (now >= this.nextPoll) {
      this.refresh(now)
      this.nextPoll = now + POLL_NS
    }
    this.rib.tick(now)
    if (now >= this.nextUpdate) {
      this.updateAll(false)
      this.rib.clearChanged()
      this.nextUpdate = ripNextUpdate(now, this.cfg.timers.update, random(this.sys))
    } else if (this.rib.pendingTrigger && now >= this.triggerHold) {
      this.updateAll(true)
      this.rib.clearChanged()
      this.rib.counters.triggered++
      this.triggerHold = ripTriggerHold(now, random(this.sys))
    }
  }

  /** The daemon's one loop: wait for a datagram until the next timer is due (a receive timeout). */
  async run(): Promise<void> {
    const sys = this.sys
    this.nextUpdate = ripNextUpdate(sys.now(), this.cfg.timers.update, random(sys))
    while (!this.proc.killed) {
      const now = sys.now()
      this.service(now)
      let next = Math.min(this.nextUpdate, this.nextPoll, this.rib.nextTimer())
      if (this.rib.pendingTrigger) next = Math.min(next, this.triggerHold)
      let got: {
        data: Uint8Array
        from: { addr6?: Uint8Array; scopeId?: number; port: number }
        hlim?: number
      }
      try {
        got = await this.fd.recvfrom(65536, 0, Math.max(next - now, 1e6))
      } catch (e) {
        if (isSysError(e) && e.code === 'EAGAIN') continue
        return
      }
      const src = got.from.addr6
      if (src === undefined) continue
      this.input(got.data, src, got.from.scopeId ?? 0, got.from.port, got.hlim)
    }
  }

  /** On exit: learned routes leave the FIB. */
  shutdown(): void {
    try {
      this.rib.flush()
      this.fib.flush()
    } catch {
      // The vnet is being torn down.
    }
  }
}

/** ripngd [-d] [-f config-file] [-A vty-address] [-P vty-port] */
export function ripngd(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  return frrDaemonMain(
    {
      name: 'ripngd',
      usage: USAGE,
      vtyPort: RIPNGD_VTY_PORT,
      open(sys) {
        const fd = sys.socket(AF_INET6, SOCK.DGRAM)
        try {
          fd.bind({ addr: 0, port: RIPNG_PORT, addr6: new Uint8Array(16) })
          fd.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, RIPNG_HLIM)
          fd.setsockopt(IPPROTO_IPV6, IPV6_UNICAST_HOPS, RIPNG_HLIM)
          fd.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0)
        } catch (e) {
          fd.close()
          throw e
        }
        return fd
      },
      openFailed: (err) => `can't bind to port ${RIPNG_PORT}: ${err}`,
      start(proc, state, fd) {
        const d = new RipngDaemon(proc, state, fd)
        return { daemon: d, session: (sys) => new VtySession(sys, state, null, null, d) }
      },
    },
    argv,
    io,
    proc,
  )
}

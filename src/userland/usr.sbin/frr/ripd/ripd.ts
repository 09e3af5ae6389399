/**
 * ripd(8): the RIPv2 daemon (RFC 2453), FRR's program as a VirtNet process. It runs in its jail
 * under the jail's credential and uses only the syscall API: one UDP socket on port 520 that joins
 * 224.0.0.9 on every RIP interface, the routing socket calls to install what it learns into the
 * vnet's FIB the way zebra does (RTF_PROTO1 without RTF_STATIC: `UG1` in `netstat -rn`), and a vty on
 * TCP 127.0.0.1:2602 that vtysh talks to. Regular updates every 30 s (±25 % jitter, as FRR), triggered
 * updates held 1-5 s apart (§3.10.1), route timeout and garbage collection (rip_rib.ts), interfaces
 * re-read every few seconds (zebra's interface events).
 *
 * `ripd -d` detaches (starts itself again in the background and exits 0). A kill takes its routes out
 * of the FIB. Malformed datagrams, datagrams from strangers and bad entries are dropped and counted
 * (`show ip rip status`).
 *
 * Must not: throw out of its loops (a failed send is counted), or hold more than RIP_MAX_ROUTES routes.
 */

import {
  AF_INET,
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IPPROTO_IP,
  SOCK,
  type SocketFd,
  type Syscalls,
} from '../../../../host/syscalls.js'
import { isSysError } from '../../../../util/errno.js'
import { formatIpv4, prefixToMask } from '../../../../wire/addr.js'
import {
  emitRip,
  isWholeTableRequest,
  parseRip,
  RIP_AF_INET,
  RIP_GROUP,
  RIP_INFINITY,
  RIP_MAX_ENTRIES,
  RIP_PORT,
  RipCommand,
  type RipEntry,
} from '../../../../wire/routing/rip.js'
import type { Io, Proc } from '../../../types.js'
import { frrDaemonMain } from '../lib/daemon_main.js'
import { ripNextUpdate, ripRandom, ripTriggerHold } from '../lib/rip_table.js'
import { type FrrState, type RipControl, VtySession } from '../vty_cmds.js'
import type { RipConfig } from './rip_config.js'
import { type FibSink, type RipOrigin, RipRib, type RipRoute, ripKey, ripOnNet, SEC_NS } from './rip_rib.js'
import { type Active, type Peer, showRip, showRipStatus } from './rip_show.js'

export const RIPD_VTY_PORT = 2602
const USAGE = 'usage: ripd [-d] [-f config-file] [-A vty-address] [-P vty-port]'
const IFF_UP = 0x1
const IFF_LOOPBACK = 0x8
const RTF_GATEWAY = 0x2
const RTF_STATIC = 0x800
const RTF_PROTO1 = 0x8000
/** How often interfaces and the kernel table are re-read (zebra would tell at once). */
const POLL_NS = 5 * SEC_NS

/** A uniformly random number in [0, 1) from the kernel's (seeded) generator. */
function random(sys: Syscalls): number {
  return ripRandom((n) => sys.getrandom(n))
}

class RipDaemon implements RipControl, FibSink {
  readonly proc: Proc
  readonly sys: Syscalls
  readonly state: FrrState
  readonly rib: RipRib
  readonly fd: SocketFd
  private active = new Map<string, Active>()
  private readonly installedFib = new Map<string, { dst: number; len: number; gw: number }>()
  private readonly since = new Map<string, number>()
  private readonly peers = new Map<number, Peer>()
  private nextUpdate = 0
  /** The update interval (s) nextUpdate was drawn with. */
  private updateS = 0
  private nextPoll = 0
  private triggerHold = 0

  constructor(proc: Proc, state: FrrState, fd: SocketFd) {
    this.proc = proc
    this.sys = proc.sys
    this.state = state
    this.fd = fd
    this.rib = new RipRib(this)
  }

  private get cfg(): RipConfig {
    return this.state.rip
  }

  // ---- FibSink: zebra's part ----

  install(r: RipRoute): void {
    const k = ripKey(r.addr, r.len)
    const spec = { dst: r.addr, prefixLen: r.len, gateway: r.nextHop, proto1: true, nostatic: true }
    try {
      this.sys.routeAdd(spec)
    } catch (e) {
      if (!isSysError(e)) throw e
      // A route of ours already there (a restart) is taken over; anyone else's wins.
      const old = this.sys.routeList().find((x) => x.dst === r.addr && x.prefixLen === r.len)
      if (e.code !== 'EEXIST' || old === undefined || (old.flags & (RTF_PROTO1 | RTF_STATIC)) !== RTF_PROTO1)
        return
      try {
        this.sys.routeChange(spec)
      } catch {
        return
      }
    }
    this.installedFib.set(k, { dst: r.addr, len: r.len, gw: r.nextHop })
    this.since.set(k, this.sys.now())
  }

  uninstall(r: RipRoute): void {
    const k = ripKey(r.addr, r.len)
    const f = this.installedFib.get(k)
    if (f === undefined) return
    this.installedFib.delete(k)
    this.since.delete(k)
    try {
      this.sys.routeDelete(f.dst, f.len, f.gw)
    } catch {
      // Gone already (an administrator's route delete, or the vnet going away).
    }
  }

  // ---- RipControl: what the vty asks ----

  changed(): void {
    this.nextPoll = 0
    this.service(this.sys.now())
  }

  ripRoutes(): ReadonlyMap<string, { metric: number; since: number }> {
    const m = new Map<string, { metric: number; since: number }>()
    for (const r of this.rib.routes.values()) {
      const k = ripKey(r.addr, r.len)
      const since = this.since.get(k)
      if (r.origin === 'rip' && since !== undefined)
        m.set(`${formatIpv4(r.addr)}/${r.len}`, { metric: r.metric, since })
    }
    return m
  }

  showRip(): string {
    return showRip(this.rib, this.sys.now())
  }

  showRipStatus(): string {
    return showRipStatus(
      { cfg: this.cfg, rib: this.rib, active: this.active, peers: this.peers, nextUpdate: this.nextUpdate },
      this.sys.now(),
    )
  }

  // ---- interfaces and our own routes ----

  /** Re-read interfaces and the kernel table: join/leave the group, refresh our own routes. */
  private refresh(now: number): void {
    const c = this.cfg
    const next = new Map<string, Active>()
    const local: Array<{ addr: number; len: number; origin: RipOrigin; ifName: string; metric: number }> = []
    const redistMetric = (src: 'connected' | 'static' | 'kernel'): number => {
      const m = c.redistribute.get(src)
      return m === undefined || m === 0 ? c.defaultMetric : m
    }
    for (const i of this.sys.ifList()) {
      if ((i.flags & IFF_LOOPBACK) !== 0 || (i.flags & IFF_UP) === 0 || i.addrs.length === 0) continue
      const addrs = i.addrs.map((a) => ({ addr: a.addr >>> 0, len: a.prefixLen }))
      const on =
        c.enabled &&
        c.networks.some((n) => {
          if (n === i.name) return true
          const [p, l] = n.split('/')
          const len = Number(l)
          if (l === undefined) return false
          const net = ripAddr(p!)
          return addrs.some((a) => a.len >= len && ((a.addr ^ net) & prefixToMask(len)) >>> 0 === 0)
        })
      const ic = c.ifs.get(i.name)
      if (on) {
        next.set(i.name, {
          addr: addrs[0]!.addr,
          ifc: {
            name: i.name,
            addrs,
            passive: c.passive.has(i.name) || c.passive.has('default'),
            poison: ic?.poison ?? false,
            splitHorizon: ic?.splitHorizon ?? true,
          },
        })
      }
      if (!c.enabled) continue
      for (const a of addrs) {
        const net = (a.addr & prefixToMask(a.len)) >>> 0
        if (on) local.push({ addr: net, len: a.len, origin: 'connected', ifName: i.name, metric: 1 })
        else if (c.redistribute.has('connected'))
          local.push({
            addr: net,
            len: a.len,
            origin: 'connected',
            ifName: '',
            metric: redistMetric('connected'),
          })
      }
    }
    if (c.enabled) {
      // The kernel table is only read when something of it is redistributed (it may be large).
      const fromFib = c.redistribute.has('static') || c.redistribute.has('kernel')
      for (const r of fromFib ? this.sys.routeList() : []) {
        if ((r.flags & RTF_GATEWAY) === 0) continue
        const ours = (r.flags & RTF_PROTO1) !== 0 && (r.flags & RTF_STATIC) === 0
        if (ours) continue
        const origin = (r.flags & RTF_STATIC) !== 0 ? 'static' : 'kernel'
        if (!c.redistribute.has(origin)) continue
        // The default route goes out only with `default-information originate`, as in ripd.
        if (r.prefixLen === 0) continue
        local.push({ addr: r.dst, len: r.prefixLen, origin, ifName: '', metric: redistMetric(origin) })
      }
      if (c.defaultOriginate)
        local.push({ addr: 0, len: 0, origin: 'static', ifName: '', metric: c.defaultMetric })
    }
    // Interfaces that left RIP: their neighbours' routes go, and so does our membership there.
    for (const [name, a] of this.active) {
      const n = next.get(name)
      if (n !== undefined && n.addr === a.addr) continue
      this.rib.dropInterface(name, now)
      this.membership(IP_DROP_MEMBERSHIP, a.addr)
    }
    const fresh: Active[] = []
    for (const [name, a] of next) {
      const old = this.active.get(name)
      if (old !== undefined && old.addr === a.addr) continue
      this.membership(IP_ADD_MEMBERSHIP, a.addr)
      fresh.push(a)
    }
    this.active = next
    this.rib.timeoutNs = c.timers.timeout * SEC_NS
    this.rib.garbageNs = c.timers.garbage * SEC_NS
    // A new `timers basic` restarts the update timer at the new interval, as FRR's does
    // (ripd_instance_timers_apply_finish); else the first update would wait out the old, longer one.
    if (c.timers.update !== this.updateS) {
      this.updateS = c.timers.update
      this.nextUpdate = this.jitteredUpdate(now)
    }
    this.rib.syncLocal(local, now)
    // RFC 2453 §3.9.1: a router coming up asks its neighbours for their whole tables.
    for (const a of fresh)
      if (!a.ifc.passive)
        this.send(
          a,
          [{ afi: 0, tag: 0, addr: 0, mask: 0, nextHop: 0, metric: RIP_INFINITY }],
          RIP_GROUP,
          RIP_PORT,
          RipCommand.REQUEST,
        )
  }

  private membership(op: number, addr: number): void {
    try {
      this.fd.setsockopt(IPPROTO_IP, op, { multiaddr: RIP_GROUP, interface: addr })
    } catch {
      // Joined already, or the address is gone: nothing to undo.
    }
  }

  // ---- output ----

  private send(
    a: Active,
    entries: readonly RipEntry[],
    dst: number,
    port: number,
    command: number = RipCommand.RESPONSE,
  ): void {
    for (let i = 0; i < entries.length; i += RIP_MAX_ENTRIES) {
      const data = emitRip({ command, version: 2, entries: entries.slice(i, i + RIP_MAX_ENTRIES) })
      try {
        if (dst === RIP_GROUP) this.fd.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, a.addr)
        this.fd.sendto(data, { addr: dst, port })
        this.rib.counters.sent++
      } catch {
        // The interface went down under us; the next poll notices.
      }
    }
  }

  /** An update out of every RIP interface (and to configured neighbours). */
  private updateAll(onlyChanged: boolean): void {
    for (const a of this.active.values()) {
      if (a.ifc.passive) continue
      const entries = this.rib.updateFor(a.ifc, onlyChanged)
      if (entries.length > 0) this.send(a, entries, RIP_GROUP, RIP_PORT)
    }
    for (const n of this.cfg.neighbors) {
      const a = this.ifaceFor(n)
      if (a === undefined) continue
      const entries = this.rib.updateFor(a.ifc, onlyChanged)
      if (entries.length > 0) this.send(a, entries, n, RIP_PORT)
    }
  }

  private ifaceFor(src: number): Active | undefined {
    for (const a of this.active.values()) if (ripOnNet(a.ifc, src)) return a
    return undefined
  }

  private jitteredUpdate(now: number): number {
    return ripNextUpdate(now, this.cfg.timers.update, random(this.sys))
  }

  // ---- input ----

  private peer(src: number): Peer {
    let p = this.peers.get(src)
    if (p === undefined) {
      p = { badPackets: 0, badRoutes: 0, last: this.sys.now() }
      // Bounded like the table: a spoofing flood of sources cannot grow it without end.
      if (this.peers.size < 1024) this.peers.set(src, p)
    }
    return p
  }

  input(data: Uint8Array, src: number, port: number): void {
    const now = this.sys.now()
    const k = this.rib.counters
    if (!this.cfg.enabled) return
    for (const a of this.active.values()) if (a.ifc.addrs.some((x) => x.addr === src)) return
    const a = this.ifaceFor(src)
    const p = parseRip(data)
    if (a === undefined || !p.ok || (this.cfg.version === 2 && p.rip.version === 1)) {
      k.badPackets++
      if (a !== undefined) this.peer(src).badPackets++
      return
    }
    const rip = p.rip
    if (rip.command === RipCommand.RESPONSE) {
      // §3.9.2: responses come from port 520 only.
      if (port !== RIP_PORT) {
        k.badPackets++
        this.peer(src).badPackets++
        return
      }
      const peer = this.peer(src)
      const before = k.badRoutes
      this.rib.response(a.ifc, src, rip.version, rip.entries, now)
      peer.badRoutes += k.badRoutes - before
      peer.last = now
      return
    }
    if (a.ifc.passive) return
    let entries: RipEntry[]
    if (isWholeTableRequest(rip)) {
      // A router's request gets split horizon; a query from another port (a monitor) the whole table.
      entries = this.rib.updateFor(port === RIP_PORT ? a.ifc : { ...a.ifc, splitHorizon: false }, false)
    } else {
      entries = rip.entries.map((e) => {
        const len = 32 - Math.clz32(~e.mask >>> 0)
        const r = e.afi === RIP_AF_INET ? this.rib.routes.get(ripKey(e.addr, len)) : undefined
        return { ...e, metric: r === undefined ? RIP_INFINITY : r.metric }
      })
    }
    this.send(a, entries, src, port)
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
      this.nextUpdate = this.jitteredUpdate(now)
    } else if (this.rib.pendingTrigger && now >= this.triggerHold) {
      this.updateAll(true)
      this.rib.clearChanged()
      this.rib.counters.triggered++
      this.triggerHold = ripTriggerHold(now, random(this.sys))
    }
  }

  /**
   * The daemon's one loop: wait for a datagram until the next timer is due (a receive timeout, so
   * that a kill, which closes the socket, ends the wait at once and leaves no timer behind).
   */
  async run(): Promise<void> {
    const sys = this.sys
    this.nextUpdate = this.jitteredUpdate(sys.now())
    while (!this.proc.killed) {
      const now = sys.now()
      this.service(now)
      let next = Math.min(this.nextUpdate, this.nextPoll, this.rib.nextTimer())
      if (this.rib.pendingTrigger) next = Math.min(next, this.triggerHold)
      let got: { data: Uint8Array; from: { addr: number; port: number } }
      try {
        got = await this.fd.recvfrom(4096, 0, Math.max(next - now, 1e6))
      } catch (e) {
        if (isSysError(e) && e.code === 'EAGAIN') continue
        return
      }
      this.input(got.data, got.from.addr >>> 0, got.from.port)
    }
  }

  /** On exit: learned routes leave the FIB. */
  shutdown(): void {
    try {
      this.rib.flush()
    } catch {
      // The vnet is being torn down.
    }
  }
}

function ripAddr(s: string): number {
  const parts = s.split('.').map(Number)
  return (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0) as number
}

/** ripd [-d] [-f config-file] [-A vty-address] [-P vty-port] */
export function ripd(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  return frrDaemonMain(
    {
      name: 'ripd',
      usage: USAGE,
      vtyPort: RIPD_VTY_PORT,
      open(sys) {
        const fd = sys.socket(AF_INET, SOCK.DGRAM)
        try {
          fd.bind({ addr: 0, port: RIP_PORT })
        } catch (e) {
          fd.close()
          throw e
        }
        fd.setsockopt(IPPROTO_IP, IP_MULTICAST_LOOP, 0)
        fd.setsockopt(IPPROTO_IP, IP_MULTICAST_TTL, 1)
        return fd
      },
      openFailed: (err) => `can't bind to port ${RIP_PORT}: ${err}`,
      start(proc, state, fd) {
        const d = new RipDaemon(proc, state, fd)
        return { daemon: d, session: (sys) => new VtySession(sys, state, d) }
      },
    },
    argv,
    io,
    proc,
  )
}

/**
 * ospf6d(8): the OSPFv3 daemon (RFC 5340), FRR's program as a VirtNet process. It runs in its jail
 * under the jail's credential and uses only the syscall API: one raw IPv6 socket for protocol 89
 * (the checksum computed by the daemon as FRR's does, so that an Authentication Trailer can leave it
 * zero; AllSPFRouters ff02::5 and AllDRouters ff02::6 joined on each OSPF interface; every packet
 * sent from the interface's link-local address with hop limit 1), the routing socket calls to install what SPF
 * computes into the vnet's inet6 FIB as zebra does (zebra_fib6.ts: `UG1`, link-local gateways with
 * their zone), and a vty on TCP 127.0.0.1:2606 for vtysh. Interfaces and the kernel table are re-read
 * every few seconds and on every change of configuration. The protocol is ospf6_engine.ts.
 *
 * The Router ID is `ospf6 router-id`, else the highest IPv4 address (zebra's router-id); with
 * neither, ospf6d waits. `ospf6d -d` detaches; a kill takes its routes out of the FIB. Malformed
 * packets are dropped and counted (`show ipv6 ospf6`), as are LSAs past `max-lsa`.
 *
 * Must not: throw out of its loop (a failed send is counted), or block on anything but its socket.
 */

import type { Raw6Socket, Syscalls } from '../../../../host/syscalls.js'
import { IPPROTO_IPV6, IPV6_JOIN_GROUP, IPV6_LEAVE_GROUP } from '../../../../host/syscalls.js'
import { in6IsLinkLocal, in6Masked } from '../../../../wire/inet6/in6_addr.js'
import {
  ALL_D_ROUTERS6,
  ALL_SPF_ROUTERS6,
  IPPROTO_OSPF6,
  type Prefix6,
} from '../../../../wire/routing/ospf6.js'
import type { Io, Proc } from '../../../types.js'
import { frrDaemonMain } from '../lib/daemon_main.js'
import { randomU32 } from '../lib/random.js'
import { SEC_NS } from '../ospfd/ospf_lsdb.js'
import { type FrrState, type Ospf6Control, VtySession } from '../vty_cmds.js'
import { ZebraFib6 } from '../zebra_fib6.js'
import {
  OSPF6_COST_DEFAULT,
  OSPF6_DEAD_S,
  OSPF6_EXT_METRIC_DEFAULT,
  OSPF6_HELLO_S,
  OSPF6_RETRANSMIT_S,
  OSPF6D_VTY_PORT,
  type Ospf6Config,
} from './ospf6_config.js'
import { DEFAULT_MAX_LSA6, type External6, Ospf6Engine } from './ospf6_engine.js'
import { setAreaTypes6 } from './ospf6_nssa.js'
import { showDatabase6, showInterface6, showNeighbor6, showOspf6, showRoute6 } from './ospf6_show.js'
import type { Ospf6Route } from './ospf6_spf.js'
import type { If6Desc, Ospf6If } from './ospf6_types.js'
import { setVirtualLinks6 } from './ospf6_vlink.js'

export { OSPF6D_VTY_PORT } from './ospf6_config.js'

const USAGE = 'usage: ospf6d [-d] [-f config-file] [-A vty-address] [-P vty-port]'
const IFF_UP = 0x1
const IFF_LOOPBACK = 0x8
const IFF_POINTOPOINT = 0x10
const RTF_STATIC = 0x800
const RTF_PROTO1 = 0x8000
const IN6_IFF_NOTREADY = 0x02 | 0x04
const POLL_NS = 5 * SEC_NS
/** The hop limit of what goes over a virtual link (it crosses routers; FRR's ospfd uses 100 too). */
const VL_HLIM = 100

class Ospf6Daemon implements Ospf6Control {
  readonly proc: Proc
  readonly sys: Syscalls
  readonly state: FrrState
  readonly fd: Raw6Socket
  readonly engine: Ospf6Engine
  readonly fib: ZebraFib6
  private nextPoll = 0
  /** Interface indexes whose groups we joined. */
  private joined = new Set<number>()
  sendErrors = 0

  constructor(proc: Proc, state: FrrState, fd: Raw6Socket) {
    this.proc = proc
    this.sys = proc.sys
    this.state = state
    this.fd = fd
    this.fib = new ZebraFib6(this.sys)
    this.engine = new Ospf6Engine(
      {
        send: (i, dst, pkt) => this.send(i, dst, pkt),
        random: () => randomU32((n) => this.sys.getrandom(n)),
      },
      DEFAULT_MAX_LSA6,
    )
    this.engine.onRoutes = (r) => this.install(r)
  }

  private get cfg(): Ospf6Config {
    return this.state.ospf6
  }

  private send(i: Ospf6If, dst: Uint8Array, pkt: Uint8Array): void {
    try {
      // A virtual link's packets cross the transit area from our LA address to the peer's.
      if (i.vl !== undefined) {
        if (i.vl.src === null) return
        this.fd.send(dst, pkt, { hlim: VL_HLIM, src: i.vl.src })
      } else this.fd.send(dst, pkt, { hlim: 1, src: i.linkLocal, scopeId: i.ifId })
    } catch {
      this.sendErrors++
    }
  }

  /** zebra: the FIB follows SPF's table (routes through a neighbour; our own links stay connected). */
  private install(routes: ReadonlyMap<string, Ospf6Route>): void {
    const want = new Set<string>()
    for (const [k, r] of routes) {
      if (r.direct) continue
      const h = r.nextHops.find((x) => x.gw !== null)
      if (h === undefined || h.gw === null) continue
      want.add(k)
      this.fib.add(k, { dst: r.addr, len: r.len, gw: h.gw, scopeId: in6IsLinkLocal(h.gw, 0) ? h.ifIndex : 0 })
    }
    for (const k of [...this.fib.installed.keys()]) if (!want.has(k)) this.fib.remove(k)
  }

  // ---- Ospf6Control ----

  changed(): void {
    this.nextPoll = 0
    this.service(this.sys.now())
  }
  showOspf6(): string {
    return showOspf6(this.engine)
  }
  showNeighbor6(): string {
    return showNeighbor6(this.engine, this.sys.now())
  }
  showRoute6(): string {
    const now = this.sys.now()
    return showRoute6(this.engine, (k) => this.fib.installed.get(k)?.since ?? now, now)
  }
  showDatabase6(): string {
    return showDatabase6(this.engine, this.sys.now())
  }
  showInterface6(name: string | null): string {
    return showInterface6(this.engine, name, this.sys.now())
  }
  ospf6Routes(): ReadonlyMap<string, { cost: number; since: number; direct: boolean; ifName: string }> {
    const m = new Map<string, { cost: number; since: number; direct: boolean; ifName: string }>()
    const now = this.sys.now()
    for (const [k, r] of this.engine.routes) {
      const cost = r.kind === 'ext2' ? r.cost2 : r.cost
      const f = this.fib.installed.get(k)
      if (r.direct) {
        const ifName = [...this.engine.ifs.values()].find((i) =>
          i.prefixes.some((p) => p.len === r.len && p.addr.every((b, j) => b === r.addr[j])),
        )?.name
        // The host address a virtual link's endpoint announces is no connected route of zebra's.
        if (ifName === undefined) continue
        m.set(k, { cost, since: now, direct: true, ifName })
      } else if (f !== undefined) m.set(k, { cost, since: f.since, direct: false, ifName: '' })
    }
    return m
  }

  // ---- interfaces, router id and what is redistributed ----

  private membership(op: number, ifindex: number): void {
    for (const g of [ALL_SPF_ROUTERS6, ALL_D_ROUTERS6])
      try {
        this.fd.setsockopt(IPPROTO_IPV6, op, { multiaddr6: g, ifindex })
      } catch {
        // Already a member, or the interface is gone.
      }
  }

  private refresh(now: number): void {
    const c = this.cfg
    const e = this.engine
    const list: If6Desc[] = []
    const ifs = this.sys.ifList()
    let highest = 0
    for (const i of ifs)
      for (const a of i.addrs) if (a.addr >>> 24 !== 127 && a.addr >>> 0 > highest) highest = a.addr >>> 0
    if (c.maxLsa !== null && c.maxLsa !== e.maxLsa) e.setMaxLsa(c.maxLsa)
    const rid = c.routerId ?? highest
    const ospfPrefixes: Prefix6[] = []
    if (c.enabled && rid !== 0) {
      e.setRouterId(rid)
      for (const i of ifs) {
        if ((i.flags & IFF_UP) === 0) continue
        const ic = c.ifs.get(i.name)
        const area = ic?.area?.id ?? c.ifAreas.get(i.name)?.id
        if (area === undefined) continue
        const v6 = (i.inet6 ?? []).filter((a) => (a.flags & IN6_IFF_NOTREADY) === 0)
        const ll = v6.find((a) => in6IsLinkLocal(a.addr, 0))
        const loop = (i.flags & IFF_LOOPBACK) !== 0
        if (ll === undefined && !loop) continue
        const prefixes: Prefix6[] = []
        const globals: Uint8Array[] = []
        for (const a of v6) {
          if (
            in6IsLinkLocal(a.addr, 0) ||
            (loop && a.prefixLen === 128 && a.addr.every((b, k) => b === (k === 15 ? 1 : 0)))
          )
            continue
          const len = loop ? 128 : a.prefixLen
          globals.push(a.addr)
          prefixes.push({ len, options: 0, metric: 0, addr: in6Masked(a.addr, len) })
        }
        ospfPrefixes.push(...prefixes)
        const p2p = (i.flags & IFF_POINTOPOINT) !== 0
        list.push({
          name: i.name,
          ifId: i.index,
          linkLocal: ll?.addr ?? new Uint8Array(16),
          prefixes,
          globals,
          area,
          type: loop ? 'loopback' : (ic?.network ?? (p2p ? 'point-to-point' : 'broadcast')),
          cost: ic?.cost ?? OSPF6_COST_DEFAULT,
          hello: ic?.hello ?? OSPF6_HELLO_S,
          dead: ic?.dead ?? OSPF6_DEAD_S,
          retransmit: ic?.retransmit ?? OSPF6_RETRANSMIT_S,
          priority: ic?.priority ?? 1,
          passive: ic?.passive === true,
          mtu: i.mtu,
          auth: ic?.auth ?? null,
        })
      }
    }
    setAreaTypes6(e, c.enabled ? c.areaTypes : new Map(), now)
    e.setInterfaces(list, now)
    setVirtualLinks6(e, c.enabled && rid !== 0 ? c.vlinks : [], now)
    // AllSPFRouters and AllDRouters on every OSPF interface (the engine ignores AllDRouters unless DR/BDR).
    const want = new Set(list.filter((d) => d.type !== 'loopback' && !d.passive).map((d) => d.ifId))
    for (const x of this.joined) if (!want.has(x)) this.membership(IPV6_LEAVE_GROUP, x)
    for (const x of want) if (!this.joined.has(x)) this.membership(IPV6_JOIN_GROUP, x)
    this.joined = want
    const ext: External6[] = []
    if (c.enabled) {
      const metric = (src: string) => c.redistribute.get(src)?.metric ?? OSPF6_EXT_METRIC_DEFAULT
      const type2 = (src: string) => c.redistribute.get(src)?.metricType !== 1
      const covered = (a: Uint8Array, len: number) =>
        ospfPrefixes.some((p) => p.len === len && p.addr.every((b, k) => b === a[k]))
      if (c.redistribute.has('connected'))
        for (const i of ifs) {
          if ((i.flags & IFF_UP) === 0 || (i.flags & IFF_LOOPBACK) !== 0) continue
          for (const a of i.inet6 ?? []) {
            if (in6IsLinkLocal(a.addr, 0)) continue
            const net = in6Masked(a.addr, a.prefixLen)
            if (covered(net, a.prefixLen)) continue
            ext.push({ addr: net, len: a.prefixLen, metric: metric('connected'), type2: type2('connected') })
          }
        }
      // The kernel table is only read when something of it is redistributed (it may be large).
      const fromFib = c.redistribute.has('static') || c.redistribute.has('kernel')
      for (const r of fromFib ? this.sys.inet6.routeList() : []) {
        if (r.gateway === null || r.prefixLen === 0 || in6IsLinkLocal(r.dst, 0)) continue
        if ((r.flags & RTF_PROTO1) !== 0 && (r.flags & RTF_STATIC) === 0) continue
        const src = (r.flags & RTF_STATIC) !== 0 ? 'static' : 'kernel'
        if (!c.redistribute.has(src)) continue
        ext.push({
          addr: in6Masked(r.dst, r.prefixLen),
          len: r.prefixLen,
          metric: metric(src),
          type2: type2(src),
        })
      }
    }
    const seen = new Set<string>()
    e.setExternals(
      ext.filter((x) => {
        const k = `${x.addr.join('.')}/${x.len}`
        if (seen.has(k)) return false
        seen.add(k)
        return true
      }),
    )
    if (!c.enabled) this.fib.flush()
  }

  private service(now: number): void {
    if (now >= this.nextPoll) {
      this.refresh(now)
      this.nextPoll = now + POLL_NS
    }
    this.engine.tick(now)
  }

  async run(): Promise<void> {
    const sys = this.sys
    while (!this.proc.killed) {
      const now = sys.now()
      this.service(now)
      const next = Math.min(this.nextPoll, this.engine.nextTimer())
      const got = await this.fd.recv(Math.max(next - sys.now(), 1e6))
      if (this.proc.killed) return
      if (got === null) continue
      this.engine.input(got.data, got.src, got.dst, got.ifName, sys.now())
    }
  }

  shutdown(): void {
    try {
      this.fib.flush()
    } catch {
      // The vnet is being torn down.
    }
  }
}

/** ospf6d [-d] [-f config-file] [-A vty-address] [-P vty-port] */
export function ospf6d(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  return frrDaemonMain(
    {
      name: 'ospf6d',
      usage: USAGE,
      vtyPort: OSPF6D_VTY_PORT,
      open(sys) {
        return sys.inet6.rawSocket(IPPROTO_OSPF6)
      },
      openFailed: (err) => `can't open raw socket: ${err}`,
      start(proc, state, fd) {
        const d = new Ospf6Daemon(proc, state, fd)
        return { daemon: d, session: (sys) => new VtySession(sys, state, null, null, null, null, d) }
      },
    },
    argv,
    io,
    proc,
  )
}

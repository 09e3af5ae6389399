/**
 * ospfd(8): the OSPFv2 daemon (RFC 2328), FRR's program as a VirtNet process. It runs in its jail
 * under the jail's credential and uses only the syscall API: one raw IP socket for protocol 89 (Hellos
 * and floods to 224.0.0.5/224.0.0.6 out of each interface with TTL 1, IP_MULTICAST_IF, no loopback;
 * database exchange unicast), the routing socket calls to install what SPF computes into the vnet's
 * FIB as zebra does (zebra_fib.ts: `UG1`), and a vty on TCP 127.0.0.1:2604 for vtysh. Interfaces and
 * the kernel table are re-read every few seconds (zebra's interface events) and on every change of
 * configuration. The protocol itself is ospf_engine.ts; this file is its I/O and its clock.
 *
 * `ospfd -d` detaches. A kill takes its routes out of the FIB. Malformed packets are dropped and
 * counted (`show ip ospf`), as are LSAs past the database limit (`max-lsa`).
 *
 * Must not: throw out of its loop (a failed send is counted), or block on anything but its socket.
 */

import type { RawSocket, Syscalls } from '../../../../host/syscalls.js'
import { formatIpv4, prefixToMask } from '../../../../wire/addr.js'
import { IPPROTO_OSPF, OSPF_HDR_LEN } from '../../../../wire/routing/ospf.js'
import type { Io, Proc } from '../../../types.js'
import { frrDaemonMain } from '../lib/daemon_main.js'
import { completeKeys, type KeyChains, type UsableKey } from '../lib/keychain.js'
import { randomU32 } from '../lib/random.js'
import { type FrrState, type OspfControl, VtySession } from '../vty_cmds.js'
import { ZebraFib } from '../zebra_fib.js'
import { setAreaTypes } from './areas/ospf_nssa.js'
import { resolveAuth } from './ospf_auth.js'
import {
  OSPF_COST_DEFAULT,
  OSPF_DEAD_S,
  OSPF_EXT_METRIC_DEFAULT,
  OSPF_HELLO_S,
  OSPF_RETRANSMIT_S,
  type OspfConfig,
} from './ospf_config.js'
import { DEFAULT_MAX_LSA, type External, OspfEngine } from './ospf_engine.js'
import type { LsaCache } from './ospf_lsa_cache.js'
import { SEC_NS } from './ospf_lsdb.js'
import { showDatabase, showInterface, showNeighbor, showOspf, showRoute } from './ospf_show.js'
import { type OspfRoute, routeKey } from './ospf_spf.js'
import type { IfDesc, OspfIf } from './ospf_types.js'
import { setVirtualLinks, VL_TTL } from './ospf_vlink.js'
import { setVlinkAuth } from './ospf_vlink_auth.js'

export const OSPFD_VTY_PORT = 2604
const USAGE = 'usage: ospfd [-d] [-f config-file] [-A vty-address] [-P vty-port]'
const IFF_UP = 0x1
const IFF_LOOPBACK = 0x8
const IFF_POINTOPOINT = 0x10
const RTF_GATEWAY = 0x2
const RTF_STATIC = 0x800
const RTF_PROTO1 = 0x8000
const POLL_NS = 5 * SEC_NS

class OspfDaemon implements OspfControl {
  readonly proc: Proc
  readonly sys: Syscalls
  readonly state: FrrState
  readonly fd: RawSocket
  readonly engine: OspfEngine
  readonly fib: ZebraFib<number>
  private nextPoll = 0
  /** Send failures (an interface that went away between polls). */
  sendErrors = 0

  constructor(proc: Proc, state: FrrState, fd: RawSocket, lsaCache: LsaCache | undefined) {
    this.proc = proc
    this.sys = proc.sys
    this.state = state
    this.fd = fd
    this.fib = new ZebraFib<number>(this.sys)
    this.engine = new OspfEngine(
      {
        send: (i, dst, pkt) => this.send(i, dst, pkt),
        random: () => randomU32((n) => this.sys.getrandom(n)),
        ...(lsaCache === undefined ? {} : { lsaCache }),
      },
      DEFAULT_MAX_LSA,
    )
    this.engine.onRoutes = (r) => this.install(r)
  }

  private get cfg(): OspfConfig {
    return this.state.ospf
  }

  private send(i: OspfIf, dst: number, pkt: Uint8Array): void {
    try {
      // A virtual link's packets cross the transit area, routed like any unicast (§15).
      if (i.vl !== undefined) this.fd.send(dst, pkt, { ttl: VL_TTL, src: i.addr, tos: 0xc0 })
      else
        this.fd.send(dst, pkt, { ttl: 1, src: i.addr, multicastIf: i.addr, multicastLoop: false, tos: 0xc0 })
    } catch {
      this.sendErrors++
    }
  }

  /** zebra: the FIB follows SPF's table (only routes through a gateway; our own networks stay connected). */
  private install(routes: ReadonlyMap<number, OspfRoute>): void {
    const fib = this.fib
    fib.begin()
    // forEach: no [key, value] pair made per route per SPF run.
    routes.forEach((r, k) => {
      if (r.direct) return
      const hs = r.nextHops
      for (let j = 0; j < hs.length; j++)
        if (hs[j]!.gw !== 0) {
          fib.want(k, r.addr, r.len, hs[j]!.gw)
          break
        }
    })
    fib.end()
  }

  // ---- OspfControl ----

  changed(): void {
    this.nextPoll = 0
    this.service(this.sys.now())
  }

  showOspf(): string {
    return showOspf(this.engine)
  }
  showNeighbor(_detail: boolean): string {
    return showNeighbor(this.engine, this.sys.now())
  }
  showRoute(): string {
    return showRoute(this.engine)
  }
  showDatabase(): string {
    return showDatabase(this.engine, this.sys.now())
  }
  showInterface(name: string | null): string {
    return showInterface(this.engine, name, this.sys.now())
  }
  ospfRoutes(): ReadonlyMap<string, { cost: number; since: number; direct: boolean; ifName: string }> {
    const m = new Map<string, { cost: number; since: number; direct: boolean; ifName: string }>()
    const now = this.sys.now()
    for (const r of this.engine.routes.values()) {
      const k = `${formatIpv4(r.addr)}/${r.len}`
      const f = this.fib.installed.get(routeKey(r.addr, r.len))
      const cost = r.kind === 'ext2' ? r.cost2 : r.cost
      if (r.direct) m.set(k, { cost, since: now, direct: true, ifName: r.nextHops[0]?.ifName ?? '' })
      else if (f !== undefined) m.set(k, { cost, since: f.since, direct: false, ifName: '' })
    }
    return m
  }

  // ---- interfaces, router id and what is redistributed ----

  private refresh(now: number): void {
    const c = this.cfg
    const e = this.engine
    const list: IfDesc[] = []
    const ospfNets: Array<{ addr: number; mask: number }> = []
    let highest = 0
    const ifs = this.sys.ifList()
    for (const i of ifs)
      for (const a of i.addrs)
        if (a.addr >>> 24 !== 127 && a.addr >>> 0 > highest >>> 0) highest = a.addr >>> 0
    if (c.maxLsa !== null && c.maxLsa !== e.maxLsa) {
      e.maxLsa = c.maxLsa
      e.external.limit = c.maxLsa
      for (const a of e.areas.values()) a.lsdb.limit = c.maxLsa
    }
    const rid = c.routerId ?? highest
    if (c.enabled && rid !== 0) {
      e.setRouterId(rid)
      for (const i of ifs) {
        if ((i.flags & IFF_UP) === 0) continue
        const ic = c.ifs.get(i.name)
        for (const a of i.addrs) {
          if (a.addr >>> 24 === 127) continue
          let area: number | null = ic?.area?.id ?? null
          if (area === null)
            for (const n of c.networks)
              if (((a.addr ^ n.addr) & prefixToMask(n.len)) >>> 0 === 0) {
                area = n.area
                break
              }
          if (area === null) continue
          const loop = (i.flags & IFF_LOOPBACK) !== 0
          const p2p = (i.flags & IFF_POINTOPOINT) !== 0
          list.push({
            name: i.name,
            addr: a.addr >>> 0,
            len: a.prefixLen,
            area,
            type: loop ? 'loopback' : (ic?.network ?? (p2p ? 'point-to-point' : 'broadcast')),
            cost: ic?.cost ?? OSPF_COST_DEFAULT,
            hello: ic?.hello ?? OSPF_HELLO_S,
            dead: ic?.dead ?? OSPF_DEAD_S,
            retransmit: ic?.retransmit ?? OSPF_RETRANSMIT_S,
            priority: ic?.priority ?? 1,
            passive: c.passive.has(i.name) || c.passive.has('default'),
            mtu: i.mtu,
            ifindex: i.index,
          })
          ospfNets.push({ addr: a.addr, mask: prefixToMask(a.prefixLen) })
          // One OSPF interface per kernel interface: its first address in a configured network.
          break
        }
      }
    }
    // Stub areas and NSSAs first: an interface of an area that changed kind comes up again with its options.
    setAreaTypes(e, c.enabled ? c.areaTypes : new Map(), now)
    e.setInterfaces(list, now)
    setVirtualLinks(e, c.enabled && rid !== 0 ? c.vlinks : [], now)
    setAuth(e, c, this.state.keychains, list, now)
    const ext: External[] = []
    if (c.enabled) {
      const metric = (src: string) => c.redistribute.get(src)?.metric ?? OSPF_EXT_METRIC_DEFAULT
      const type2 = (src: string) => c.redistribute.get(src)?.metricType !== 1
      const covered = (addr: number) => ospfNets.some((n) => ((addr ^ n.addr) & n.mask) >>> 0 === 0)
      if (c.redistribute.has('connected'))
        for (const i of ifs) {
          if ((i.flags & IFF_UP) === 0 || (i.flags & IFF_LOOPBACK) !== 0) continue
          for (const a of i.addrs) {
            if (a.addr >>> 24 === 127 || covered(a.addr)) continue
            const net = (a.addr & prefixToMask(a.prefixLen)) >>> 0
            ext.push({ addr: net, len: a.prefixLen, metric: metric('connected'), type2: type2('connected') })
          }
        }
      // The kernel table is only read when something of it is redistributed (it may be large).
      const fromFib = c.redistribute.has('static') || c.redistribute.has('kernel')
      for (const r of fromFib ? this.sys.routeList() : []) {
        if ((r.flags & RTF_GATEWAY) === 0 || r.prefixLen === 0) continue
        if ((r.flags & RTF_PROTO1) !== 0 && (r.flags & RTF_STATIC) === 0) continue
        const src = (r.flags & RTF_STATIC) !== 0 ? 'static' : 'kernel'
        if (!c.redistribute.has(src)) continue
        ext.push({ addr: r.dst, len: r.prefixLen, metric: metric(src), type2: type2(src) })
      }
    }
    ext.sort((a, b) => (a.addr >>> 0) - (b.addr >>> 0) || a.len - b.len)
    const seen = new Set<string>()
    e.setExternals(
      ext.filter((x) => !seen.has(`${x.addr}/${x.len}`) && seen.add(`${x.addr}/${x.len}`) !== undefined),
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
      const d = got.data
      const hl = (d[0]! & 0x0f) * 4
      if (d.length < hl + OSPF_HDR_LEN) {
        this.engine.drop('short')
        continue
      }
      this.engine.input(d.subarray(hl), got.src >>> 0, got.dst >>> 0, got.ifName, sys.now())
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

/**
 * Each interface's appendix D authentication from its `ip ospf` settings and its area's; a key
 * chain's keys as their lifetimes stand at `now` (re-read at every poll, so within 5 s of a change).
 */
function setAuth(
  e: OspfEngine,
  c: OspfConfig,
  keychains: KeyChains,
  list: readonly IfDesc[],
  now: number,
): void {
  const secs = Math.floor(now / SEC_NS)
  const wire = (k: UsableKey) => ({ keyId: k.id & 0xff, algo: k.algo, key: k.string })
  e.auth.areas.clear()
  for (const [id, a] of c.areaAuth) e.auth.areas.set(id, a.type)
  const names = new Set<string>()
  for (const d of list) {
    names.add(d.name)
    const ic = c.ifs.get(d.name)
    const t = ic?.auth === undefined ? null : ic.auth === 'null' ? 0 : ic.auth === 'simple' ? 1 : 2
    const chain = ic?.keychain
    // A key chain's key id is the 8-bit Key ID on the wire (FRR stores the index in it as it is).
    const keys =
      chain !== undefined
        ? completeKeys(keychains, chain, { lifetime: 'accept', now: secs }).map(wire)
        : (ic?.mdKeys ?? []).map((k) => ({ keyId: k.id, algo: 'md5' as const, key: k.key }))
    const send =
      chain === undefined
        ? undefined
        : (completeKeys(keychains, chain, { lifetime: 'send', now: secs }).map(wire)[0] ?? null)
    const area = e.auth.areas.get(d.area) ?? 0
    e.auth.setIf(d.name, resolveAuth(t, area, ic?.authKey ?? '', keys, chain !== undefined, send))
  }
  setVlinkAuth(e, c, names)
  e.auth.keepOnly(names)
}

/** ospfd [-d] [-f config-file] [-A vty-address] [-P vty-port] */
export function ospfd(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  return ospfdMain(argv, io, proc, undefined)
}

/**
 * ospfd as a program whose processes share one LsaCache (makePrograms gives each registry its own):
 * the routers of a lab then hold one object for each LSA they all have, not one each.
 */
export function sharingOspfd(
  cache: LsaCache,
): (argv: readonly string[], io: Io, proc: Proc) => Promise<number> {
  return (argv, io, proc) => ospfdMain(argv, io, proc, cache)
}

function ospfdMain(
  argv: readonly string[],
  io: Io,
  proc: Proc,
  cache: LsaCache | undefined,
): Promise<number> {
  return frrDaemonMain(
    {
      name: 'ospfd',
      usage: USAGE,
      vtyPort: OSPFD_VTY_PORT,
      open: (sys) => sys.rawSocket(IPPROTO_OSPF),
      openFailed: (err) => `can't open raw socket: ${err}`,
      start(proc, state, fd) {
        const d = new OspfDaemon(proc, state, fd, cache)
        return { daemon: d, session: (sys) => new VtySession(sys, state, null, d) }
      },
    },
    argv,
    io,
    proc,
  )
}

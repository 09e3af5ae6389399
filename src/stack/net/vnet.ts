/**
 * A Vnet is one complete, independent network stack (FreeBSD's VIMAGE instance): its interfaces,
 * addresses, routing table and every protocol's per-vnet state. Nothing here is global; the host
 * passes shared, read-mostly services (clock, RNG, buffer pool, run-queue) in a StackEnv.
 *
 * Protocol state is declared by each protocol as a VnetModule and created on first use, so an idle
 * vnet holds only its loopback interface and a tiny routing table.
 */

import type { MbufPool } from '../../buf/mbuf.js'
import type { Devctl } from '../../kern/devctl.js'
import type { SockIpc } from '../../kern/socket.js'
import type { MsgBuf } from '../../kern/subr_msgbuf.js'
import type { Clock } from '../../util/clock.js'
import type { Rng } from '../../util/rng.js'
import type { Domains } from './domain.js'
import type { IfAddr, Ifnet } from './ifnet.js'
import type { Netisr } from './netisr.js'
import type { PfilHead } from './pfil.js'
import { RouteTable } from './route/route.js'
import type { Scratch } from './scratch.js'
import type { SysctlDecl } from './sysctl.js'
import type { UnitAlloc } from './unit_alloc.js'

/** Host services every vnet of a host shares. */
export interface StackEnv {
  readonly clock: Clock
  readonly rng: Rng
  readonly pool: MbufPool
  readonly netisr: Netisr
  /** The protocols registered with the link layer (netisr handlers, eventhandlers). */
  readonly domains: Domains
  readonly scratch: Scratch
  /** Host-wide socket limits (kern.ipc.maxsockbuf ...). */
  readonly ipc: SockIpc
  /** The inet filters loaded in the host (kldload): what each new vnet's inet head starts with. */
  readonly pfilInet: PfilHead
  /** The inet6 filters loaded in the host, likewise. */
  readonly pfilInet6: PfilHead
  /** The link-layer filters loaded in the host, likewise. */
  readonly pfilLink: PfilHead
  /** Whether the tcpmd5 module is loaded (TCPMD5_ENABLED: TCP-MD5 signatures), set by kldload. */
  readonly tcpmd5: { enabled: boolean }
  /** The host's kernel message buffer (log(9), dmesg). */
  readonly msgbuf: MsgBuf
  /** The host's devctl(4) event queue, which devd(8) reads. */
  readonly devctl: Devctl
  /**
   * ARP's host-wide knobs and log rate limit (netinet/arp_host.ts's ArpHost; described here by
   * shape, as net/ knows no protocol).
   */
  readonly arp: {
    garpRexmitCount: number
    logPermanentModify: number
    maxLogPerSecond: number
    mayLog(now: number): boolean
  }
  /** Locally administered, host-unique MAC for a new interface. */
  newMac(): number
}

/** Slots for per-vnet protocol state; one per module, fixed so lookups are an array index. */
export const Slot = {
  ARP: 0,
  IP: 1,
  ICMP: 2,
  REASS: 3,
  RAW: 4,
  UDP: 5,
  NETGRAPH: 6,
  TCP: 7,
  IPFW: 8,
  DUMMYNET: 9,
  IP6: 10,
  ND6: 11,
  ICMP6: 12,
  FRAG6: 13,
  RAW6: 14,
  KEY: 15,
  BRIDGE: 16,
  DIVERT: 17,
  TUNNEL: 18,
  GENEVE: 19,
  CARP: 20,
  IGMP: 21,
  MROUTE: 22,
  MROUTE6: 23,
} as const
const SLOTS = 24

/**
 * A protocol's per-vnet state: constructor, destructor and sysctls (FreeBSD's VNET_SYSINIT /
 * VNET_SYSUNINIT / SYSCTL_* next to the protocol's code).
 */
export interface VnetModule<S> {
  readonly name: string
  readonly slot: number
  readonly sysctls: readonly SysctlDecl[]
  create(v: Vnet): S
  destroy?(s: S, v: Vnet): void
}

/** The module's state in v, created on first use. */
export function vstate<S>(v: Vnet, mod: VnetModule<S>): S {
  const s = v.slots[mod.slot]
  if (s !== undefined) return s as S
  const created = mod.create(v)
  v.slots[mod.slot] = created
  return created
}

/** addrClass bits: one of our unicast addresses (isLocal), a broadcast address of one of our subnets. */
export const ADDR_LOCAL = 1
export const ADDR_BCAST = 2
/** Marks a filled addrClass memo slot (an empty one is 0). */
const ADDR_KNOWN = 4
/** Slots of the addrClass memo: a router sees a few destinations at a time, not thousands. */
const ADDR_MEMO = 64

export class Vnet {
  readonly id: number
  readonly env: StackEnv
  /** The jail (or `vnet0`) this stack belongs to, for messages. */
  name: string
  /** Interfaces by name, in attach order (what ifconfig lists). */
  private readonly ifs = new Map<string, Ifnet>()
  /** FIB 0's IPv4 table, the one every vnet has (rtables[0]). */
  readonly routes = new RouteTable()
  /**
   * The IPv4 table of each FIB (V_rt_tables); its length is net.fibs, which only grows. A new vnet
   * starts with one, as FreeBSD's non-default vnets do; the tables of other families follow the count.
   */
  readonly rtables: RouteTable[] = [this.routes]
  /** net.add_addr_allfibs: interface routes go into every FIB (1) or only the interface's (0, 14's default). */
  addAddrAllFibs = 0
  /**
   * Local unicast addresses of all interfaces, the "is this for me" test of ip_input; keyed by the
   * address as an int32, because V8 hashes small integers much faster than heap numbers (u32 ≥ 2^31).
   */
  private readonly local = new Map<number, IfAddr>()
  /** Broadcast addresses of our subnets, with how many addresses share each; created on first use. */
  private bcast: Map<number, number> | null = null
  /**
   * Addresses by connected prefix (net, length), in the order they were added: which address takes
   * over a prefix route when its owner goes (in_scrubprefix). Created on first use.
   */
  private prefixes: Map<number, Set<IfAddr>> | null = null
  /**
   * A direct-mapped memo of addrClass in front of `local` and `bcast`, the packet path's two hash
   * probes per datagram; created on first use (idle vnets stay small) and emptied when an address
   * comes or goes, the only time either map changes.
   */
  private classKeys: Int32Array | null = null
  private classVals: Uint8Array | null = null
  /** The first loopback interface (lo0), where host routes to our own addresses point. */
  private loif: Ifnet | null = null
  readonly slots: unknown[] = new Array(SLOTS)
  /** Interfaces ever attached here get indexes from this counter (if_index). */
  nextIfIndex = 1
  /** Units in use per interface cloner (if_clone), created on first clone. */
  cloneUnits: Map<string, UnitAlloc> | null = null
  destroyed = false
  /** This stack's inet pfil head (V_inet_pfil_head): filters on IPv4 input, output and forwarding. */
  readonly pfilInet: PfilHead
  /** Its inet6 pfil head (V_inet6_pfil_head): filters on IPv6 input, output and forwarding. */
  readonly pfilInet6: PfilHead
  /** Its link pfil head (V_link_pfil_head): layer-2 filters on bridged frames, header included. */
  readonly pfilLink: PfilHead

  constructor(id: number, name: string, env: StackEnv) {
    this.id = id
    this.name = name
    this.env = env
    this.pfilInet = env.pfilInet.clone()
    this.pfilInet6 = env.pfilInet6.clone()
    this.pfilLink = env.pfilLink.clone()
  }

  /** A snapshot of the interfaces, in attach order (control plane: it allocates). */
  get ifnets(): Ifnet[] {
    return [...this.ifs.values()]
  }

  /** The interfaces in attach order, shared and read-only: the packet path's view (no allocation). */
  get ifList(): readonly Ifnet[] {
    if (this.ifCache === null) this.ifCache = [...this.ifs.values()]
    return this.ifCache
  }

  private ifCache: Ifnet[] | null = null

  ifByName(name: string): Ifnet | undefined {
    return this.ifs.get(name)
  }

  hasIf(ifp: Ifnet): boolean {
    return this.ifs.get(ifp.name) === ifp
  }

  /** Index an attached interface (if_attach); the caller has checked the name is free. */
  ifInsert(ifp: Ifnet): void {
    this.ifs.set(ifp.name, ifp)
    this.ifCache = null
    if (ifp.type === 'loop' && this.loif === null) this.loif = ifp
  }

  ifRemove(ifp: Ifnet): void {
    if (this.hasIf(ifp)) this.ifs.delete(ifp.name)
    this.ifCache = null
    if (ifp === this.loif) this.loif = this.ifnets.find((i) => i.type === 'loop') ?? null
  }

  /** net.fibs. */
  get numFibs(): number {
    return this.rtables.length
  }

  /** The IPv4 table of fib, which the caller has checked is below net.fibs. */
  rt(fib: number): RouteTable {
    return fib === 0 ? this.routes : this.rtables[fib]!
  }

  /** sysctl net.fibs=N (sysctl_fibs): grows the tables, never shrinks them (ENOTCAPABLE). */
  growFibs(n: number): void {
    for (let f = this.rtables.length; f < n; f++) {
      const t = new RouteTable(f)
      t.limitFrom(this.routes)
      t.multipath = this.routes.multipath
      this.rtables.push(t)
    }
  }

  /** The loopback interface host routes to local addresses go through (lo0; null only while it is gone). */
  get loopback(): Ifnet | null {
    return this.loif
  }

  /** Re-index after a rename, keeping the listing order. */
  ifRename(ifp: Ifnet, newName: string): void {
    const order = this.ifnets
    this.ifs.clear()
    ifp.name = newName
    for (const i of order) this.ifs.set(i.name, i)
    this.ifCache = null
  }

  ifByIndex(index: number): Ifnet | undefined {
    for (const ifp of this.ifnets) if (ifp.index === index) return ifp
    return undefined
  }

  /** Whether addr is a broadcast address of one of our interfaces (or the limited broadcast). */
  isBroadcast(addr: number): boolean {
    return (addr | 0) === -1 || this.bcast?.has(addr | 0) === true
  }

  /** Whether addr is one of our unicast addresses. */
  isLocal(addr: number): boolean {
    return this.local.has(addr | 0)
  }

  /**
   * What addr is to this stack, as ADDR_LOCAL and ADDR_BCAST bits: isLocal and isBroadcast (less the
   * limited broadcast, which callers test first) in one memoised probe, for ip_input.
   */
  addrClass(addr: number): number {
    const a = addr | 0
    const slot = (a ^ (a >>> 8) ^ (a >>> 16)) & (ADDR_MEMO - 1)
    let keys = this.classKeys
    let vals = this.classVals
    if (keys === null || vals === null) {
      keys = this.classKeys = new Int32Array(ADDR_MEMO)
      vals = this.classVals = new Uint8Array(ADDR_MEMO)
    } else {
      const c = vals[slot]!
      if (c !== 0 && keys[slot] === a) return c & (ADDR_LOCAL | ADDR_BCAST)
    }
    const c = (this.local.has(a) ? ADDR_LOCAL : 0) | (this.bcast?.has(a) ? ADDR_BCAST : 0)
    keys[slot] = a
    vals[slot] = c | ADDR_KNOWN
    return c
  }

  /** The interface address addr belongs to, if it is ours. */
  localIfa(addr: number): IfAddr | undefined {
    return this.local.get(addr | 0)
  }

  /** A new address of one of our interfaces (ifAddAddr): O(1), whatever the number of addresses. */
  addrAttached(a: IfAddr): void {
    this.classVals?.fill(0)
    const key = a.addr | 0
    const head = this.local.get(key)
    if (head === undefined) this.local.set(key, a)
    else {
      // The same address on another interface: the first one added keeps answering.
      let t = head
      while (t.sameAddrNext !== null) t = t.sameAddrNext
      t.sameAddrNext = a
    }
    if (a.prefixLen < 31) {
      this.bcast ??= new Map()
      this.bcast.set(a.broadcast | 0, (this.bcast.get(a.broadcast | 0) ?? 0) + 1)
    }
    this.prefixes ??= new Map()
    const pk = prefixKey(a.net, a.prefixLen)
    let set = this.prefixes.get(pk)
    if (set === undefined) {
      set = new Set()
      this.prefixes.set(pk, set)
    }
    set.add(a)
  }

  /** An address is going (ifDelAddr): undo addrAttached. */
  addrDetached(a: IfAddr): void {
    this.classVals?.fill(0)
    const key = a.addr | 0
    const head = this.local.get(key)
    if (head === a) {
      if (a.sameAddrNext === null) this.local.delete(key)
      else this.local.set(key, a.sameAddrNext)
    } else if (head !== undefined) {
      let t = head
      while (t.sameAddrNext !== null && t.sameAddrNext !== a) t = t.sameAddrNext
      if (t.sameAddrNext === a) t.sameAddrNext = a.sameAddrNext
    }
    a.sameAddrNext = null
    if (a.prefixLen < 31 && this.bcast !== null) {
      const n = (this.bcast.get(a.broadcast | 0) ?? 1) - 1
      if (n > 0) this.bcast.set(a.broadcast | 0, n)
      else this.bcast.delete(a.broadcast | 0)
    }
    const pk = prefixKey(a.net, a.prefixLen)
    const set = this.prefixes?.get(pk)
    if (set !== undefined) {
      set.delete(a)
      if (set.size === 0) this.prefixes!.delete(pk)
    }
  }

  /** The earliest-added address on prefix net/len other than `except`, if any. */
  prefixOwner(net: number, len: number, except: IfAddr): IfAddr | undefined {
    const set = this.prefixes?.get(prefixKey(net, len))
    if (set === undefined) return undefined
    for (const a of set) if (a !== except) return a
    return undefined
  }
}

/** One number for a prefix: net (u32) and length (0..32) without collisions. */
function prefixKey(net: number, len: number): number {
  return (net >>> 0) * 64 + len
}

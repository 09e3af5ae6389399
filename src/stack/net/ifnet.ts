/**
 * Network interfaces (FreeBSD's struct ifnet): name, flags, MTU, link-layer address, IPv4 addresses
 * and counters, attached to exactly one vnet at a time. An interface sends frames into a
 * LinkEndpoint (the other end of an epair, a netgraph hook, a bridge) and receives them through the
 * host's run-queue. Address changes keep the connected routes in step, as FreeBSD's in_control does.
 */

import type { Mbuf } from '../../buf/mbuf.js'
import { type ErrnoName, SysError } from '../../util/errno.js'
import { BpfIf, DLT } from './bpf/bpf.js'
import { type EtherSrcTag, etherInput } from './ether.js'
import type { NetisrTarget } from './netisr.js'
import { maskOf, Route, type RouteTable, RTF } from './route/route.js'
import type { Vnet } from './vnet.js'

export const IFF = {
  UP: 0x1,
  BROADCAST: 0x2,
  DEBUG: 0x4,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  RUNNING: 0x40,
  NOARP: 0x80,
  PROMISC: 0x100,
  /** Receiving every multicast frame (if_allmulti: a multicast router's vifs). */
  ALLMULTI: 0x200,
  SIMPLEX: 0x800,
  MULTICAST: 0x8000,
} as const

/** Where an interface's transmitted frames go. Takes ownership of the mbuf. */
export interface LinkEndpoint {
  transmit(m: Mbuf): void
  /** The interface is leaving its vnet (moved or destroyed): an if_bridge releases its members. */
  ifDetached?(ifp: Ifnet): void
  /** The interface is destroyed: a driver with something outside the stack behind it lets go of it. */
  ifDestroyed?(ifp: Ifnet): void
  /** The interface came up (if_init): a driver with a socket behind it (vxlan) opens it now. */
  ifUp?(ifp: Ifnet): void
  /** The interface went down: the driver lets go of what ifUp took. */
  ifDown?(ifp: Ifnet): void
  /**
   * The media status (IFM_ACTIVE) the driver reports, whatever IFF_UP says; absent: the link is
   * active whenever the interface is up.
   */
  carrier?(): boolean
  /** The media line's words when they change with the link (ng_eiface's autoselect); absent: ifp.media. */
  media?(): string
  /** The driver keeps IFF_DRV_RUNNING from creation to destruction (epair_ioctl ignores SIOCSIFFLAGS). */
  readonly runsWhileDown?: boolean
}

/** `tun`: point-to-point, no link header, the peer a process holding the device (if_tun). */
export type IfType = 'ether' | 'loop' | 'tun'

/**
 * if_output: how an IPv4 packet (m starts at its IP header) leaves through ifp toward `nextHop`:
 * `bcast` for a broadcast, `forwarded` when this host only routes it. Takes ownership of m; returns
 * the errno for the sender, or undefined (sent, held for resolution, or dropped and counted).
 */
export type IfOutput = (
  ifp: Ifnet,
  m: Mbuf,
  nextHop: number,
  bcast: boolean,
  forwarded: boolean,
) => ErrnoName | undefined

/**
 * What a driver gives every interface it makes (if_alloc's type and what its attach routine sets,
 * as ether_ifattach sets if_output): the kind of link, its output routine, and the largest MTU
 * SIOCSIFMTU accepts. One constant object per driver, shared by its interfaces.
 */
export interface IfDriver {
  readonly type: IfType
  readonly output: IfOutput
  readonly maxMtu: number
}

/**
 * Something that splices into an Ethernet interface's frame path (ng_ether's lower/upper hooks,
 * if_bridge membership). Each returns true when it took the frame (and its ownership).
 */
export interface IfTap {
  /** A frame arrived from the link, before the stack sees it. */
  input(ifp: Ifnet, m: Mbuf): boolean
  /** A frame the stack is about to hand to the link. */
  output(ifp: Ifnet, m: Mbuf): boolean
  /** The interface is leaving its vnet (moved or destroyed): bridge membership ends. */
  ifDetached?(ifp: Ifnet): void
  /** The interface went up or down (a bridge's spanning tree follows its ports' links). */
  linkChanged?(ifp: Ifnet): void
}

/**
 * The vlans configured on an interface (ifvlantrunk): tagged frames are handed to it, and it is told
 * when the interface leaves its vnet so the vlans on it let go (vlan_ifdetach).
 */
export interface VlanTrunkHook {
  input(ifp: Ifnet, m: Mbuf): void
  parentDetached(ifp: Ifnet): void
}

/**
 * carp(4) on an interface (FreeBSD's if_carp): the link layer and the protocols ask it whether a
 * frame's destination is a virtual router address this host is master for (carp_forus) and tell it
 * when the interface goes up or down (carp_linkstate) or leaves its vnet (carp_ifdetach). Set by the
 * carp module; null on every interface without a vhid.
 */
export interface CarpIfHook {
  /** Whether the destination MAC at b[o] is the virtual MAC of a vhid this host is MASTER of. */
  forus(b: Uint8Array, o: number): boolean
  linkState(ifp: Ifnet): void
  detach(ifp: Ifnet): void
}

/**
 * An address's vhid (ifa_carp), as ARP and ND see it: whether this host is master for it
 * (carp_iamatch) and its virtual MAC; `detachAddr` is carp_detach when the address goes.
 */
export interface CarpRef {
  readonly vhid: number
  readonly isMaster: boolean
  readonly mac: number
  /** The tag that makes a frame leave with the virtual MAC as its source (carp_output). */
  readonly srcTag: EtherSrcTag
  detachAddr(ifa: object): void
}

/** IFNAMSIZ: interface names are at most 15 characters (plus the NUL). */
export const IFNAMSIZ = 16

export class IfStats {
  ipackets = 0
  ierrors = 0
  idrops = 0
  ibytes = 0
  imcasts = 0
  opackets = 0
  oerrors = 0
  odrops = 0
  obytes = 0
  omcasts = 0
  collisions = 0
  /** Frames of an EtherType no protocol handles (if_noproto). */
  noproto = 0
}

export class IfAddr {
  readonly addr: number
  readonly prefixLen: number
  readonly mask: number
  readonly net: number
  readonly broadcast: number
  /** The other end of a point-to-point link (ifa_dstaddr), 0 on other links. */
  readonly dst: number
  readonly ifp: Ifnet
  /** The next address of the vnet with the same value (on another interface): Vnet's local-address chain. */
  sameAddrNext: IfAddr | null = null
  /** Routes bound to this address, kept by the vnet's RouteTable (created with the first). */
  routes: Set<Route> | null = null
  /** The vhid this address belongs to (ifa_carp), or null: its routes then follow MASTER. */
  carp: CarpRef | null = null

  constructor(ifp: Ifnet, addr: number, prefixLen: number, broadcast?: number, dst = 0) {
    this.ifp = ifp
    this.dst = dst >>> 0
    this.addr = addr >>> 0
    this.prefixLen = prefixLen
    this.mask = maskOf(prefixLen)
    this.net = (addr & this.mask) >>> 0
    // A point-to-point link has a peer, not a broadcast address. As in_ifinit: a /31 (RFC 3021) has
    // the limited broadcast, a /32 its own address; neither is treated as a broadcast on input or
    // output (every user checks prefixLen < 31, as in_ifaddr_broadcast does), ifconfig prints it.
    this.broadcast =
      dst !== 0 ? 0 : (broadcast ?? (prefixLen === 31 ? 0xffffffff : (this.net | ~this.mask) >>> 0))
  }
}

export class Ifnet implements NetisrTarget {
  name: string
  /** The name it was created with (if_dname + unit), a fallback for a name clash on return home. */
  readonly createdName: string
  index = 0
  vnet: Vnet
  /** The vnet the interface was created in; it returns there when a jail it was lent to dies. */
  readonly home: Vnet
  readonly type: IfType
  /** The driver's output routine (if_output): ip_output hands it every packet for this link. */
  readonly output: IfOutput
  /** The largest MTU the driver accepts (SIOCSIFMTU). */
  readonly maxMtu: number
  /** Cloner family (`epair`, `lo`, `bridge` ...), also the interface group. */
  readonly family: string
  /** Clone unit (epair7 → 7), -1 for interfaces not made by a cloner. */
  unit = -1
  flags: number
  mtu: number
  /** `ifconfig IF fib N` (if_fib): the FIB of packets received here and of its interface routes. */
  fib = 0
  /** `ifconfig IF tunnelfib N`: the FIB a tunnel's encapsulated packets are routed by. */
  tunnelFib = 0
  /**
   * The link address as its top 16 bits and low 32 bits (int32), kept with `mac`: the packet path
   * compares and writes these, since a 48-bit number split per frame costs a float division.
   */
  macHi = 0
  macLo = 0
  private lladdr = 0
  /** The link-layer address (if_lladdr), a 48-bit integer. */
  get mac(): number {
    return this.lladdr
  }
  set mac(mac: number) {
    this.lladdr = mac
    this.macHi = Math.floor(mac / 0x100000000)
    this.macLo = mac | 0
  }
  readonly hwaddr: number
  description = ''
  /** IPv4 addresses by value (as int32), in the order they were added (what ifconfig lists). */
  private readonly addrMap = new Map<number, IfAddr>()
  /** addrMap as an array, rebuilt on first read after a change, so readers on the data path do not allocate. */
  private addrArray: IfAddr[] | null = null
  link: LinkEndpoint | null = null
  readonly stats = new IfStats()
  media = ''
  /** IFCAP_* the driver enables, when its ifconfig `options=` line is not implied by its kind. */
  capenable: number | null = null
  /** Per-interface ARP table, created on first use (see arp.ts). */
  arp: unknown = null
  /** IPv6 state of the interface (netinet6's in6_ifextra), created on first use. */
  inet6: unknown = null
  /** carp(4)'s vhids on this interface (if_carp), or null. */
  carp: CarpIfHook | null = null
  /** At most one tap (a bridge or an ng_ether node) splices into the frame path. */
  tap: IfTap | null = null
  /**
   * if_pcp (`ifconfig IF pcp N`, SIOCSLANPCP): 802.1p priority every frame leaves with, in a
   * priority tag (802.1Q, VID 0); IFNET_PCP_NONE (-1 here) for untagged frames.
   */
  pcp = -1
  /** The vlans whose parent this is (if_vlantrunk), or null: tagged frames are then not ours. */
  vlanTrunk: VlanTrunkHook | null = null
  /** The other half of a pair interface (epair), destroyed together with this one. */
  peer: Ifnet | null = null
  /**
   * In-process checksum offload, as Linux veth does: TCP segments leaving through this interface may
   * carry their checksum unfinished when the frame goes straight to an in-process peer (see
   * csum_offload.ts). Off by default, as FreeBSD's epair announces no TXCSUM.
   */
  csumOffload = false
  /** Routes through this interface, kept by its vnet's RouteTable (created with the first). */
  routes: Set<Route> | null = null
  /** The interface's capture point (bpfattach: DLT_EN10MB, or DLT_NULL for lo and tun). */
  readonly bpf: BpfIf

  constructor(
    vnet: Vnet,
    name: string,
    driver: IfDriver,
    family: string,
    mac: number,
    mtu: number,
    flags: number,
  ) {
    this.vnet = vnet
    this.home = vnet
    this.name = name
    this.createdName = name
    this.type = driver.type
    this.output = driver.output
    this.maxMtu = driver.maxMtu
    this.family = family
    this.mac = mac
    this.hwaddr = mac
    this.mtu = mtu
    this.flags = flags
    this.bpf = new BpfIf(this, driver.type === 'ether' ? DLT.EN10MB : DLT.NULL)
  }

  /** The addresses in the order they were added (control plane and rare data-path reads: cached). */
  get addrs(): readonly IfAddr[] {
    let a = this.addrArray
    if (a === null) {
      a = [...this.addrMap.values()]
      this.addrArray = a
    }
    return a
  }

  /** The address `addr` of this interface, if it has it. */
  addrFind(addr: number): IfAddr | undefined {
    return this.addrMap.get(addr | 0)
  }

  /** The first address (the one ifconfig without `alias` replaces), without building the list. */
  get firstAddr(): IfAddr | undefined {
    if (this.addrArray !== null) return this.addrArray[0]
    for (const a of this.addrMap.values()) return a
    return undefined
  }

  get addrCount(): number {
    return this.addrMap.size
  }

  /** Record ifa on this interface; only ifAddAddr calls this (it keeps routes and the vnet in step). */
  addrInsert(ifa: IfAddr): void {
    this.addrMap.set(ifa.addr | 0, ifa)
    this.addrArray = null
  }

  /** Forget ifa; only ifDelAddr calls this. */
  addrRemove(ifa: IfAddr): void {
    if (this.addrMap.get(ifa.addr | 0) === ifa) this.addrMap.delete(ifa.addr | 0)
    this.addrArray = null
  }

  get up(): boolean {
    return (this.flags & IFF.UP) !== 0
  }

  /** A frame arrived from the link: queue it for input on the host's run-queue. */
  receive(m: Mbuf): void {
    this.vnet.env.netisr.enqueue(this, m)
  }

  netisrInput(m: Mbuf): void {
    if ((this.flags & IFF.UP) === 0 || this.vnet.destroyed) {
      this.stats.idrops++
      this.vnet.env.pool.put(m)
      return
    }
    this.stats.ipackets++
    this.stats.ibytes += m.len
    m.rcvif = this
    // ether_input's BPF_MTAP, before a bridge or ng_ether sees the frame; lo0's if_simloop tap.
    if (this.bpf.n !== 0) this.bpfTap(m, false)
    if (this.tap?.input(this, m)) return
    this.input(m)
  }

  /** Hand a frame to the stack as if it came from the link, bypassing any tap (ng_ether upper). */
  inputFromTap(m: Mbuf): void {
    m.rcvif = this
    this.input(m)
  }

  private input(m: Mbuf): void {
    if (this.type === 'ether') {
      etherInput(this, m)
      return
    }
    // No link header (lo): the packet's own version nibble names its protocol, as if_simloop's
    // address family does.
    const input = this.vnet.env.domains.loopInput(m.len > 0 ? m.data[m.off]! >>> 4 : 0)
    if (input === undefined) {
      this.stats.noproto++
      this.vnet.env.pool.put(m)
      return
    }
    input(this, m)
  }

  private bpfTap(m: Mbuf, out: boolean): void {
    if (this.type === 'ether') this.bpf.mtap(m, out)
    else this.bpf.mtap2(afHeader(m), m, out)
  }

  netisrDrop(): void {
    this.stats.idrops++
  }

  /** Hand a finished frame to the link (if_transmit). Never throws; failures are counted. */
  transmit(m: Mbuf): void {
    if (this.tap !== null && (this.flags & IFF.UP) !== 0 && this.tap.output(this, m)) return
    this.transmitToLink(m)
  }

  /** Put a frame on the link, bypassing any tap (ng_ether lower, bridge forwarding). */
  transmitToLink(m: Mbuf): void {
    if ((this.flags & IFF.UP) === 0 || this.link === null) {
      this.stats.oerrors++
      this.vnet.env.pool.put(m)
      return
    }
    this.stats.opackets++
    this.stats.obytes += m.len
    // The driver's BPF_MTAP as the frame goes onto the link.
    if (this.bpf.n !== 0) this.bpfTap(m, true)
    this.link.transmit(m)
  }
}

/** DLT_NULL's 4-byte address family in host order (little-endian): AF_INET 2, AF_INET6 28. */
const AF_INET_HDR = Uint8Array.of(2, 0, 0, 0)
const AF_INET6_HDR = Uint8Array.of(28, 0, 0, 0)

function afHeader(m: Mbuf): Uint8Array {
  return m.len > 0 && m.data[m.off]! >>> 4 === 6 ? AF_INET6_HDR : AF_INET_HDR
}

/** Attach ifp to v under its current name (if_attach / the arrival half of if_vmove). */
export function ifAttach(v: Vnet, ifp: Ifnet): void {
  if (v.ifByName(ifp.name) !== undefined) throw new SysError('EEXIST', 'if_attach')
  ifp.vnet = v
  ifp.index = v.nextIfIndex++
  v.ifInsert(ifp)
}

/** Detach ifp from its vnet: addresses, routes and ARP state go; the interface itself survives. */
export function ifDetach(ifp: Ifnet): void {
  const v = ifp.vnet
  // Bridge membership is per vnet: a member leaves its bridge, a bridge lets go of its members.
  ifp.tap?.ifDetached?.(ifp)
  ifp.link?.ifDetached?.(ifp)
  ifp.vlanTrunk?.parentDetached(ifp)
  // Captures end with the interface's life in this vnet: none follows it into another jail.
  ifp.bpf.detachAll()
  for (const a of [...ifp.addrs]) ifDelAddr(ifp, a.addr)
  // carp_ifdetach: vhids without addresses go too.
  ifp.carp?.detach(ifp)
  for (const t of v.rtables) t.removeIf(ifp)
  v.env.domains.departureEvent(ifp)
  v.ifRemove(ifp)
}

/** Move an interface to another vnet (if_vmove): configuration is lost, as in FreeBSD. */
export function ifMove(ifp: Ifnet, to: Vnet): void {
  if (to.ifByName(ifp.name) !== undefined) throw new SysError('EEXIST', 'if_vmove')
  ifDetach(ifp)
  ifp.flags &= ~IFF.UP
  // The other stack may have fewer FIBs; the interface starts over in FIB 0 there.
  ifp.fib = 0
  ifp.tunnelFib = 0
  ifAttach(to, ifp)
}

/**
 * Send a lent interface back to its home vnet when the vnet it was lent to dies (vnet_if_return).
 * It never fails and never touches the home vnet's own interfaces: if a jail renamed it to a name in
 * use at home, it returns under its created name, or failing that under a fresh one. (FreeBSD's
 * if_vmove does not check the name at all and leaves two interfaces of one name; names are keys
 * here, so the returning one is renamed instead.)
 */
export function ifReturnHome(ifp: Ifnet): void {
  const home = ifp.home
  let name = ifp.name
  if (home.ifByName(name) !== undefined) name = ifp.createdName
  for (let n = 1; home.ifByName(name) !== undefined; n++) {
    const suffix = `_${n}`
    name = ifp.createdName.slice(0, IFNAMSIZ - 1 - suffix.length) + suffix
  }
  ifDetach(ifp)
  ifp.flags &= ~IFF.UP
  ifp.name = name // detached: no vnet indexes it under the old name any more
  ifAttach(home, ifp)
}

/**
 * The connected routes of a new address (in_addprefix / ifa_maintain_loopback_route): its host
 * route through the loopback and its prefix route, unless another address already provides them.
 * Each is one hash probe, so adding the 100,000th alias costs what the first did.
 */
export function connectedRoutes(ifa: IfAddr): void {
  const v = ifa.ifp.vnet
  // net.add_addr_allfibs=0 (FreeBSD 14's default): only the interface's FIB gets them.
  if (v.addAddrAllFibs === 0) connectedRoutesIn(v.rt(ifa.ifp.fib < v.numFibs ? ifa.ifp.fib : 0), ifa)
  else for (const t of v.rtables) connectedRoutesIn(t, ifa)
}

function connectedRoutesIn(t: RouteTable, ifa: IfAddr): void {
  const v = ifa.ifp.vnet
  const ifp = ifa.ifp
  const lo = v.loopback ?? ifp
  // The address itself is reached through the loopback (FreeBSD shows it as `UHS lo0`).
  if (t.get(ifa.addr, 32) === undefined && ifp.type !== 'loop')
    t.add(new Route(ifa.addr, 32, 0, lo, ifa, RTF.UP | RTF.HOST | RTF.STATIC | RTF.PINNED))
  if (ifp.type === 'loop') {
    if (t.get(ifa.addr, 32) === undefined) t.add(new Route(ifa.addr, 32, 0, ifp, ifa, RTF.UP | RTF.HOST))
    return
  }
  // Point-to-point (in_addprefix with IFF_POINTOPOINT): the prefix is the peer, a host route.
  if (ifa.dst !== 0) {
    if (t.get(ifa.dst, 32) === undefined) t.add(new Route(ifa.dst, 32, 0, ifp, ifa, RTF.UP | RTF.HOST))
    return
  }
  const len = ifa.prefixLen
  if (t.get(ifa.net, len) === undefined)
    t.add(new Route(ifa.net, len, 0, ifp, ifa, RTF.UP | (len === 32 ? RTF.HOST : 0)))
}

/** Remove the routes bound to ifa (found through the table's per-address index, not a scan). */
export function removeConnectedRoutes(ifa: IfAddr): void {
  const v = ifa.ifp.vnet
  for (const r of v.routes.routesOfIfa(ifa)) {
    const t = v.rt(r.fib)
    t.remove(r)
    // Another address on the same prefix keeps the prefix reachable (in_scrubprefix), in this FIB
    // only if that address's interface routes into it; the same address on another interface takes
    // over the loopback route (ifa_switch_loopback_route).
    const other =
      r.prefixLen !== 32
        ? v.prefixOwner(r.dst, r.prefixLen, ifa)
        : r.dst === ifa.addr && r.ifp === v.loopback
          ? v.localIfa(ifa.addr)
          : undefined
    // A carp address in BACKUP (or the address itself, still attached) inherits nothing.
    if (
      other !== undefined &&
      other !== ifa &&
      (other.carp === null || other.carp.isMaster) &&
      (v.addAddrAllFibs !== 0 || other.ifp.fib === r.fib) &&
      t.get(r.dst, r.prefixLen) === undefined
    )
      t.add(new Route(r.dst, r.prefixLen, 0, r.ifp === v.loopback ? r.ifp : other.ifp, other, r.flags))
  }
}

/**
 * SIOCAIFADDR: add (or, for an existing address, update) an IPv4 address with its connected routes;
 * `dst` is the peer's address on a point-to-point interface. `attach` (carp_attach, for an address
 * with a vhid) runs before the routes: a carp address gets them only while its vhid is MASTER.
 */
export function ifAddAddr(
  ifp: Ifnet,
  addr: number,
  prefixLen: number,
  broadcast?: number,
  dst = 0,
  attach?: (ifa: IfAddr) => void,
): IfAddr {
  addr >>>= 0
  if (prefixLen < 0 || prefixLen > 32 || addr === 0 || addr === 0xffffffff)
    throw new SysError('EINVAL', 'SIOCAIFADDR')
  // Its connected routes must fit (net.route.max_routes), or the address is refused whole: room for
  // both routes is asked for, though the prefix route may already exist.
  if (!ifp.vnet.rt(ifp.fib < ifp.vnet.numFibs ? ifp.fib : 0).hasRoom(2))
    throw new SysError('ENOBUFS', 'SIOCAIFADDR')
  if (ifp.addrFind(addr) !== undefined) ifDelAddr(ifp, addr)
  const ifa = new IfAddr(ifp, addr, prefixLen, broadcast, dst)
  ifp.addrInsert(ifa)
  ifp.vnet.addrAttached(ifa)
  attach?.(ifa)
  if (ifa.carp === null) connectedRoutes(ifa)
  ifp.vnet.env.domains.addressEvent(ifa, true)
  return ifa
}

/** SIOCDIFADDR. */
export function ifDelAddr(ifp: Ifnet, addr: number): void {
  const ifa = ifp.addrFind(addr >>> 0)
  if (ifa === undefined) throw new SysError('EADDRNOTAVAIL', 'SIOCDIFADDR')
  ifa.carp?.detachAddr(ifa)
  ifp.addrRemove(ifa)
  ifp.vnet.addrDetached(ifa)
  removeConnectedRoutes(ifa)
  ifp.vnet.env.domains.addressEvent(ifa, false)
}

/** Bring an interface up or down (SIOCSIFFLAGS); coming up is announced to the protocols. */
export function ifSetUp(ifp: Ifnet, up: boolean): void {
  if (up === ifp.up) return
  if (up) {
    ifp.flags |= IFF.UP | IFF.RUNNING
    ifp.link?.ifUp?.(ifp)
    ifp.vnet.env.domains.linkUpEvent(ifp)
  } else {
    ifp.flags &= ~(IFF.UP | (ifp.type === 'ether' && ifp.link?.runsWhileDown !== true ? IFF.RUNNING : 0))
    ifp.link?.ifDown?.(ifp)
  }
  ifp.tap?.linkChanged?.(ifp)
  ifp.carp?.linkState(ifp)
}

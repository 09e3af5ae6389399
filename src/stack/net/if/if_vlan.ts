/**
 * vlan(4): IEEE 802.1Q virtual LANs. A vlan interface has a parent Ethernet interface (vlandev) and
 * a VLAN id; what it sends leaves through the parent with a 4-byte tag (TPID 0x8100 for 802.1q,
 * 0x88a8 for 802.1ad) inserted after the MAC addresses, and tagged frames arriving on the parent
 * are demultiplexed by id (the parent's trunk, FreeBSD's ifvlantrunk) to the vlan interface with
 * the tag removed. A vlan interface may itself be a parent (Q-in-Q), and `IF.N` names a vlan on IF.
 *
 * As FreeBSD's vlan_input, the trunk is keyed by id alone: a frame tagged 0x8100 or 0x88a8 with a
 * known id is accepted either way. A tagged frame on an interface without a trunk, or with an id
 * nobody configured, is counted as `noproto` on the parent; one too short to hold the tag as an
 * input error. The vlan's MTU is the parent's when the parent can carry the extra 4 bytes
 * (IFCAP_VLAN_MTU: epair, ng_eiface, lagg, vlan), else 4 less; its MAC is the parent's.
 *
 * Must not: allocate per frame (the tag is written in the mbuf's headroom and the addresses moved in
 * place), throw on the data path, or keep a vlan attached to a parent that left its vnet.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { SysError } from '../../../util/errno.js'
import { etherDriver } from '../ether.js'
import { IFF, IFNAMSIZ, Ifnet, type LinkEndpoint, type VlanTrunkHook } from '../ifnet.js'
import type { Vnet } from '../vnet.js'
import type { IfCloner } from './if_clone.js'

export const ETHERTYPE_VLAN = 0x8100
export const ETHERTYPE_QINQ = 0x88a8
/** ETHER_VLAN_ENCAP_LEN: the tag's size. */
export const VLAN_ENCAP_LEN = 4
/** EVL_VLID_MASK: the 12-bit VLAN id; 4095 is reserved. */
export const EVL_VLID_MASK = 0xfff
/** Header of a tagged frame: the MAC addresses, the tag, the inner EtherType. */
const TAGGED_HDR_LEN = 18

/** Families whose interfaces announce IFCAP_VLAN_MTU (a vlan on them keeps the full MTU). */
const VLAN_MTU_FAMILIES: ReadonlySet<string> = new Set(['epair', 'ngeth', 'lagg', 'vlan', 'tap', 'vmnet'])

/** The vlans configured on one parent, by VLAN id (ifvlantrunk). */
export class VlanTrunk implements VlanTrunkHook {
  readonly parent: Ifnet
  readonly byVid = new Map<number, VlanSoftc>()
  constructor(parent: Ifnet) {
    this.parent = parent
  }

  /** vlan_input: strip the tag and give the frame to the vlan with its id, or count and drop it. */
  input(ifp: Ifnet, m: Mbuf): void {
    const pool = ifp.vnet.env.pool
    if (m.len < TAGGED_HDR_LEN) {
      ifp.stats.ierrors++
      pool.put(m)
      return
    }
    const b = m.data
    const o = m.off
    const vid = ((b[o + 14]! << 8) | b[o + 15]!) & EVL_VLID_MASK
    const sc = this.byVid.get(vid)
    if (sc === undefined) {
      ifp.stats.noproto++
      pool.put(m)
      return
    }
    // The addresses move up over the tag; the frame then starts 4 bytes later.
    b.copyWithin(o + VLAN_ENCAP_LEN, o, o + 12)
    m.adj(VLAN_ENCAP_LEN)
    sc.ifp.netisrInput(m)
  }

  parentDetached(p: Ifnet): void {
    vlanParentDetached(p)
  }
}

/** The softc behind a vlan interface. */
export class VlanSoftc implements LinkEndpoint {
  readonly ifp: Ifnet
  parent: Ifnet | null = null
  /** VLAN id; meaningful only with a parent. */
  vid = 0
  /** The TPID written on output (vlanproto). */
  proto = ETHERTYPE_VLAN
  /** 802.1p priority written on output (vlanpcp). */
  pcp = 0

  constructor(ifp: Ifnet) {
    this.ifp = ifp
  }

  /** vlan_transmit: insert the tag and send on the parent. */
  transmit(m: Mbuf): void {
    const p = this.parent
    const ifp = this.ifp
    if (p === null || m.len < 14 || !m.prepend(VLAN_ENCAP_LEN)) {
      ifp.stats.oerrors++
      ifp.vnet.env.pool.put(m)
      return
    }
    const b = m.data
    const o = m.off
    b.copyWithin(o, o + VLAN_ENCAP_LEN, o + VLAN_ENCAP_LEN + 12)
    // A socket's IP_VLAN_PCP overrides the vlan's own priority (vlan_transmit's MTAG_8021Q_PCP_OUT).
    const tci = ((m.pcp >= 0 ? m.pcp : this.pcp) << 13) | this.vid
    b[o + 12] = this.proto >>> 8
    b[o + 13] = this.proto & 0xff
    b[o + 14] = tci >>> 8
    b[o + 15] = tci & 0xff
    p.transmit(m)
  }

  /** The vlan leaves its vnet or is destroyed: it lets go of its parent. */
  ifDetached(): void {
    vlanUnconfig(this)
  }
}

/** The vlan softc of ifp, or null. */
export function vlanOf(ifp: Ifnet): VlanSoftc | null {
  return ifp.link instanceof VlanSoftc ? ifp.link : null
}

function trunkOf(p: Ifnet): VlanTrunk | null {
  return p.vlanTrunk instanceof VlanTrunk ? p.vlanTrunk : null
}

/**
 * vlan_config: attach sc to parent `p` with id `vid` and TPID `proto`. The same parent may be given
 * again to change the id or protocol; another parent while one is set is EBUSY (as FreeBSD).
 */
export function vlanConfig(sc: VlanSoftc, p: Ifnet, vid: number, proto: number): void {
  if (!Number.isInteger(vid) || vid < 0 || vid > EVL_VLID_MASK) throw new SysError('EINVAL', 'SIOCSETVLAN')
  if (proto !== ETHERTYPE_VLAN && proto !== ETHERTYPE_QINQ) throw new SysError('EINVAL', 'SIOCSETVLAN')
  if (p.type !== 'ether' || p === sc.ifp || p.vnet !== sc.ifp.vnet)
    throw new SysError('EPROTONOSUPPORT', 'SIOCSETVLAN')
  if (sc.parent !== null && sc.parent !== p) throw new SysError('EBUSY', 'SIOCSETVLAN')
  // A vlan cannot be stacked on itself through its own children.
  for (let q: Ifnet | null = p; q !== null; q = vlanOf(q)?.parent ?? null)
    if (q === sc.ifp) throw new SysError('EINVAL', 'SIOCSETVLAN')
  let trunk = trunkOf(p)
  const other = trunk?.byVid.get(vid)
  if (other !== undefined && other !== sc) throw new SysError('EEXIST', 'SIOCSETVLAN')
  if (trunk === null) {
    trunk = new VlanTrunk(p)
    p.vlanTrunk = trunk
  }
  if (sc.parent === p) trunk.byVid.delete(sc.vid)
  trunk.byVid.set(vid, sc)
  sc.parent = p
  sc.vid = vid
  sc.proto = proto
  const ifp = sc.ifp
  ifp.mac = p.mac
  ifp.mtu = VLAN_MTU_FAMILIES.has(p.family) ? p.mtu : p.mtu - VLAN_ENCAP_LEN
  ifp.media = p.media
  if (ifp.up) ifp.flags |= IFF.RUNNING
}

/** vlan_unconfig: leave the parent (the trunk goes with its last vlan). */
export function vlanUnconfig(sc: VlanSoftc): void {
  const p = sc.parent
  if (p === null) return
  const trunk = trunkOf(p)
  if (trunk !== null && trunk.byVid.get(sc.vid) === sc) {
    trunk.byVid.delete(sc.vid)
    if (trunk.byVid.size === 0) p.vlanTrunk = null
  }
  sc.parent = null
  sc.vid = 0
  sc.ifp.flags &= ~IFF.RUNNING
}

/** vlan_ifdetach: the parent leaves its vnet or is destroyed; every vlan on it loses its parent. */
export function vlanParentDetached(p: Ifnet): void {
  const trunk = trunkOf(p)
  if (trunk === null) return
  for (const sc of [...trunk.byVid.values()]) vlanUnconfig(sc)
  p.vlanTrunk = null
}

function vlanIf(v: Vnet, name: string): Ifnet {
  // Until a parent is set a vlan has no address of its own (FreeBSD shows 00:00:00:00:00:00).
  const ifp = new Ifnet(v, name, etherDriver, 'vlan', 0, 1500, IFF.BROADCAST | IFF.SIMPLEX | IFF.MULTICAST)
  ifp.link = new VlanSoftc(ifp)
  return ifp
}

export const vlanCloner: IfCloner = {
  name: 'vlan',
  create(v: Vnet, unit: number) {
    return [vlanIf(v, `vlan${unit}`)]
  },
}

/**
 * `ifconfig IF.N create` (vlan_clone_match_ethervid): a vlan named IF.N on parent IF with id N,
 * outside the vlan cloner's unit space, as FreeBSD's. ENXIO when IF does not exist.
 */
export function vlanCreateDotted(v: Vnet, name: string): Ifnet | null {
  const m = /^(.+)\.(\d+)$/.exec(name)
  if (m === null) return null
  if (name.length >= IFNAMSIZ) throw new SysError('EINVAL', 'SIOCIFCREATE2')
  const p = v.ifByName(m[1]!)
  if (p === undefined) throw new SysError('ENXIO', 'SIOCIFCREATE2')
  const vid = Number(m[2])
  if (vid > EVL_VLID_MASK) throw new SysError('EINVAL', 'SIOCIFCREATE2')
  if (v.ifByName(name) !== undefined) throw new SysError('EEXIST', 'SIOCIFCREATE2')
  const ifp = vlanIf(v, name)
  vlanConfig(ifp.link as VlanSoftc, p, vid, ETHERTYPE_VLAN)
  return ifp
}

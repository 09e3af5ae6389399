/**
 * if_bridge(4): `bridgeN`, a learning Ethernet switch between member interfaces of one vnet that is
 * itself an Ethernet interface with its own MAC, so it can hold addresses (the bridge's L3 face).
 *
 * A member's received frames are diverted through its IfTap: the source address is learned, frames
 * for the bridge's MAC go up the bridge interface, frames for a member's own MAC to that member,
 * known unicast out of its one member, unknown unicast flooded; broadcast and multicast are flooded,
 * copied up the bridge interface, and still seen by the member itself (bridge_input's three ways).
 * What the bridge interface (or a member with its own addresses) sends is forwarded or flooded to
 * the members. Forwarding uses transmitToLink, so members' own taps are not re-entered.
 *
 * A member belongs to one bridge (EBUSY), takes the bridge's MTU, and leaves when it is moved to
 * another vnet or destroyed; a bridge leaving its vnet (destroyed, moved) lets go of all members.
 * Members with the STP flag take part in the bridge's spanning tree (bridgestp.ts): BPDUs to
 * 01:80:c2:00:00:00 are never forwarded, and frames are relayed only to and from forwarding ports.
 * Without STP a looped topology storms as on FreeBSD; the storm stays bounded because every hop
 * goes through the host's bounded run-queue (netisr), which drops what does not fit.
 * Addresses age out after `timeout` seconds (one clock timer per bridge, armed only while the
 * table holds addresses); at most `maxaddr` are learned, `ifmaxaddr` per member; static entries
 * never age. Private members do not talk to each other; span ports get a copy of every frame the
 * bridge receives or sends. VLANs (untagged/tagged members, `vlanfilter`, (MAC, VLAN) table keys)
 * are bridge_vlan.ts's. The frame path (bridge_forward.ts, functions of the bridge) allocates only
 * flood and span copies; members and span ports are bridge_member.ts's.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import type { Clock, Timer } from '../../../util/clock.js'
import { SEC } from '../../../util/clock.js'
import { SysError } from '../../../util/errno.js'
import { ETHER_HDR_LEN } from '../../../wire/link/ethernet.js'
import { etherDriver } from '../ether.js'
import type { IfCloner } from '../if/if_clone.js'
import { vlanOf } from '../if/if_vlan.js'
import { IFF, Ifnet, type LinkEndpoint } from '../ifnet.js'
import { intKnob } from '../sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../vnet.js'
import { forward, input, memberOutput } from './bridge_forward.js'
import { BridgeMember, BridgeSpan, IFBIF, IFBIF_USER } from './bridge_member.js'
import { BridgeTable, IFBAF_STATIC } from './bridge_table.js'
import { IFBRF } from './bridge_vlan.js'
import { BstpState } from './bridgestp.js'

/** Defaults of `ifconfig bridge0 maxaddr` and `timeout` (BRIDGE_RTABLE_MAX, BRIDGE_RTABLE_TIMEOUT). */
export const BRIDGE_RTABLE_MAX = 2000

export const BRIDGE_RTABLE_TIMEOUT = 1200

/** net.link.bridge.* knobs of one vnet. */
export class BridgeVnet {
  /** net.link.bridge.inherit_mac: the bridge takes its first member's address. */
  inheritMac = 0
  /** net.link.bridge.member_ifaddrs: members may hold IP addresses (FreeBSD 14's default, 1). */
  memberIfaddrs = 1
}

export const bridgeModule: VnetModule<BridgeVnet> = {
  name: 'if_bridge',
  slot: Slot.BRIDGE,
  create: () => new BridgeVnet(),
  sysctls: [
    intKnob(
      'net.link.bridge.inherit_mac',
      'Inherit MAC address from the first bridge member',
      (v) => bridgeVnet(v),
      'inheritMac',
    ),
    intKnob(
      'net.link.bridge.member_ifaddrs',
      'Allow layer 3 addresses on bridge members',
      (v) => bridgeVnet(v),
      'memberIfaddrs',
      { min: 0, max: 1 },
    ),
  ],
}

export function bridgeVnet(v: Vnet): BridgeVnet {
  return vstate(v, bridgeModule)
}

/** One bridge (struct bridge_softc); it is the bridge interface's link endpoint. */
export class BridgeSoftc implements LinkEndpoint {
  readonly ifp: Ifnet
  readonly members: BridgeMember[] = []
  readonly spans: BridgeSpan[] = []
  readonly table = new BridgeTable<BridgeMember>(BRIDGE_RTABLE_MAX)
  readonly bstp: BstpState
  /** Seconds an address lives without being heard from. */
  timeout = BRIDGE_RTABLE_TIMEOUT
  /** Addresses not learned because the table was full (sc_brtexceeded). */
  exceeded = 0
  /** IFBRF_* (`vlanfilter`, `defqinq`). */
  brFlags = 0
  /** The untagged VLAN a new member gets (`defuntagged N`), 0 for none. */
  defPvid = 0
  /** The member whose address the bridge took (inherit_mac), and the bridge's own address. */
  private macFrom: Ifnet | null = null
  private readonly defaultMac: number
  readonly clock: Clock
  readonly timer: Timer

  constructor(ifp: Ifnet) {
    this.ifp = ifp
    this.defaultMac = ifp.mac
    this.clock = ifp.vnet.env.clock
    this.timer = this.clock.timer(() => this.age())
    this.bstp = new BstpState(
      {
        lowestMemberMac: () => this.lowestMemberMac(),
        rtage: (mifp, age) => this.rtage(mifp, age),
      },
      this.clock,
    )
  }

  /** BRDGADD: checks as bridge_ioctl_add makes them, then the member is in. */
  addMember(ifs: Ifnet): void {
    const tap = ifs.tap
    if (tap instanceof BridgeMember) throw new SysError(tap.sc === this ? 'EEXIST' : 'EBUSY', 'BRDGADD')
    if (tap !== null) throw new SysError('EBUSY', 'BRDGADD')
    // Ethernet interfaces, and gif, whose members' frames travel as EtherIP (bridge_ioctl_add's IFT_GIF).
    const gif = ifs.family === 'gif'
    if (
      ifs === this.ifp ||
      (ifs.type !== 'ether' && !gif) ||
      bridgeOf(ifs) !== null ||
      ifs.vnet !== this.ifp.vnet
    )
      throw new SysError('EINVAL', 'BRDGADD')
    // A vlan on this bridge (its SVI) would loop into it.
    if (vlanOf(ifs)?.parent === this.ifp) throw new SysError('EINVAL', 'BRDGADD')
    // member_ifaddrs=0: a member may not hold layer-3 addresses, but a gif may (its addresses are
    // the tunnel's, apart from the bridged segment), as bridge_ioctl_add skips IFT_GIF.
    if (bridgeVnet(ifs.vnet).memberIfaddrs === 0 && ifs.addrCount > 0 && ifs.family !== 'gif')
      throw new SysError('EINVAL', 'BRDGADD')
    // The first member sets the bridge's MTU; later ones are given it.
    if (this.members.length === 0) this.ifp.mtu = ifs.mtu
    else ifs.mtu = this.ifp.mtu
    const mb = new BridgeMember(this, ifs)
    mb.pvid = this.defPvid
    if ((this.brFlags & IFBRF.DEFQINQ) !== 0) mb.flags |= IFBIF.QINQ
    ifs.tap = mb
    ifs.flags |= IFF.PROMISC
    this.members.push(mb)
    if (bridgeVnet(ifs.vnet).inheritMac !== 0 && this.macFrom === null) {
      this.ifp.mac = ifs.mac
      this.macFrom = ifs
    }
  }

  /** BRDGDEL. */
  deleteMember(mb: BridgeMember): void {
    const i = this.members.indexOf(mb)
    if (i < 0) return
    if ((mb.flags & IFBIF.STP) !== 0) this.bstp.disable(mb.stp)
    this.members.splice(i, 1)
    this.table.removePort(mb)
    if (this.table.size === 0) this.timer.cancel()
    if (mb.ifp.tap === mb) mb.ifp.tap = null
    mb.ifp.flags &= ~IFF.PROMISC
    if (this.macFrom === mb.ifp) {
      // The address goes back to the bridge's own, or to the next member's.
      const next = this.members[0]?.ifp ?? null
      this.ifp.mac = next === null ? this.defaultMac : next.mac
      this.macFrom = next
    }
  }

  /**
   * BRDGSIFFLGS: the bits the user sets and clears; STP joins or leaves the spanning tree, and the
   * port words (edge, autoedge, ptp, autoptp) go to its port only when they change, so that what
   * the spanning tree found out itself (an operational edge, a point-to-point link) stays.
   */
  setMemberFlags(mb: BridgeMember, set: number, clear: number): void {
    const bp = mb.stp
    const bs = this.bstp
    const changed = (bit: number): boolean | null =>
      (set & bit) !== 0 ? true : (clear & bit) !== 0 ? false : null
    const edge = changed(IFBIF.BSTP_EDGE)
    if (edge !== null) bs.setEdge(bp, edge)
    const autoEdge = changed(IFBIF.BSTP_AUTOEDGE)
    if (autoEdge !== null) bs.setAutoEdge(bp, autoEdge)
    const ptp = changed(IFBIF.BSTP_PTP)
    if (ptp !== null) bs.setPtp(bp, ptp)
    const autoPtp = changed(IFBIF.BSTP_AUTOPTP)
    if (autoPtp !== null) bs.setAutoPtp(bp, autoPtp)
    const user = IFBIF_USER | IFBIF.STP
    const flags = (mb.flags & ~(clear & user)) | (set & user)
    if ((flags & IFBIF.STP) !== 0 && (mb.flags & IFBIF.STP) === 0) {
      mb.flags = flags
      bs.enable(bp)
    } else if ((flags & IFBIF.STP) === 0 && (mb.flags & IFBIF.STP) !== 0) {
      mb.flags = flags
      bs.disable(bp)
    } else mb.flags = flags
  }

  /** BRDGGIFFLGS: the member's flags with the spanning tree's port flags folded in. */
  memberFlags(mb: BridgeMember): number {
    const bp = mb.stp
    let f = mb.flags & ~(IFBIF.BSTP_EDGE | IFBIF.BSTP_AUTOEDGE | IFBIF.BSTP_PTP | IFBIF.BSTP_AUTOPTP)
    if (bp.operEdge) f |= IFBIF.BSTP_EDGE
    if (bp.autoEdge) f |= IFBIF.BSTP_AUTOEDGE
    if (bp.ptpLink) f |= IFBIF.BSTP_PTP
    if (bp.autoPtp) f |= IFBIF.BSTP_AUTOPTP
    return f
  }

  /** BRDGADDS: checks as bridge_ioctl_addspan makes them. */
  addSpan(ifs: Ifnet): void {
    if (this.spans.some((s) => s.ifp === ifs)) throw new SysError('EBUSY', 'BRDGADDS')
    if (ifs.tap !== null || bridgeOf(ifs) !== null) throw new SysError('EBUSY', 'BRDGADDS')
    if (ifs.type !== 'ether' || ifs === this.ifp || ifs.vnet !== this.ifp.vnet)
      throw new SysError('EINVAL', 'BRDGADDS')
    const sp = new BridgeSpan(this, ifs)
    ifs.tap = sp
    this.spans.push(sp)
  }

  /** BRDGDELS: EINVAL when it is not a span port here. */
  deleteSpanIf(ifs: Ifnet): void {
    const sp = this.spans.find((s) => s.ifp === ifs)
    if (sp === undefined) throw new SysError('EINVAL', 'BRDGDELS')
    this.deleteSpan(sp)
  }

  deleteSpan(sp: BridgeSpan): void {
    const i = this.spans.indexOf(sp)
    if (i < 0) return
    this.spans.splice(i, 1)
    if (sp.ifp.tap === sp) sp.ifp.tap = null
  }

  /** The lowest non-zero member address: the bridge's spanning-tree identity. */
  private lowestMemberMac(): number {
    let low = 0
    for (const mb of this.members) {
      const a = mb.ifp.mac
      if (a !== 0 && (low === 0 || a < low)) low = a
    }
    return low
  }

  /** bridge_rtage: after a topology change, addresses learned on ifp go now (RSTP) or soon (STP). */
  private rtage(mifp: Ifnet, age: number): void {
    const mb = this.memberOf(mifp)
    if (mb === null) return
    if (age === 0) {
      this.table.removePort(mb, true)
      return
    }
    // Entries expire `age` seconds from now unless heard from again.
    const now = this.clock.now()
    const t = this.table
    for (const i of t.slots()) {
      if (t.port(i) !== mb || (t.flags(i) & IFBAF_STATIC) !== 0) continue
      const seen = now - this.timeout * SEC + age * SEC
      if (t.seen(i) > seen) t.touch(i, seen)
    }
    if (t.size > 0)
      this.timer.armAt(
        Math.min(this.timer.armed ? this.timer.deadline : Number.POSITIVE_INFINITY, now + age * SEC),
      )
  }

  /** BRDGSADDR: a static entry for mac on member mb (an existing entry becomes static there). */
  addStatic(mb: BridgeMember, mac: number, vlan = 0): void {
    const b = macBytes(mac)
    const t = this.table
    let i = t.find(b, 0, vlan)
    const now = this.clock.now()
    if (i < 0) {
      i = t.add(b, 0, mb, now, vlan)
      if (i < 0) {
        this.exceeded++
        throw new SysError('ENOSPC', 'BRDGSADDR')
      }
    } else t.move(i, mb, now)
    t.setFlags(i, IFBAF_STATIC)
  }

  /** BRDGDADDR: ENOENT when the address is not in the table. */
  deleteAddr(mac: number, vlan = 0): void {
    const i = this.table.find(macBytes(mac), 0, vlan)
    if (i < 0) throw new SysError('ENOENT', 'BRDGDADDR')
    this.table.remove(i)
  }

  /** BRDGFLUSH: learned entries, or all of them. */
  flush(all: boolean): void {
    this.table.clear(!all)
  }

  /** BRDGSCACHE: a new table limit; learned entries beyond it go. */
  setMaxAddr(n: number): void {
    this.table.max = n
    this.table.trim()
  }

  /** BRDGRTS: the table for `ifconfig addr`, with seconds left for learned entries. */
  addresses(): Array<{ mac: number; vlan: number; ifname: string; expire: number; flags: number }> {
    const t = this.table
    const now = this.clock.now()
    return t.slots().map((i) => {
      const flags = t.flags(i)
      const left = (t.seen(i) + this.timeout * SEC - now) / SEC
      return {
        mac: t.mac(i),
        vlan: t.vlan(i),
        ifname: t.port(i).ifp.name,
        expire: (flags & IFBAF_STATIC) === 0 && left > 0 ? Math.floor(left) : 0,
        flags,
      }
    })
  }

  memberOf(ifp: Ifnet): BridgeMember | null {
    const tap = ifp.tap
    return tap instanceof BridgeMember && tap.sc === this ? tap : null
  }

  /** The bridge interface leaves its vnet: members are released, learned addresses forgotten. */
  ifDetached(): void {
    for (const mb of [...this.members]) this.deleteMember(mb)
    for (const sp of [...this.spans]) this.deleteSpan(sp)
    this.table.clear()
    this.timer.cancel()
    this.bstp.detach()
  }

  /** bridge_init: the spanning tree starts with the bridge. */
  ifUp(): void {
    this.bstp.init()
  }

  /** bridge_stop. */
  ifDown(): void {
    this.bstp.stop()
  }

  /** bridge_input: a frame arrived on member mb. False leaves it to the member's own stack. */
  input(mb: BridgeMember, m: Mbuf): boolean {
    return input(this, mb, m)
  }

  /** bridge_output for a member that sends itself (it has addresses of its own). */
  memberOutput(_mb: BridgeMember, m: Mbuf): boolean {
    return memberOutput(this, _mb, m)
  }

  /** The bridge interface transmits (its own ARP and IP traffic). */
  transmit(m: Mbuf): void {
    if (m.len < ETHER_HDR_LEN) {
      this.ifp.stats.oerrors++
      this.ifp.vnet.env.pool.put(m)
      return
    }
    forward(this, m)
  }

  /** The aging timer: forget addresses older than `timeout`, re-arm while any remain. */
  private age(): void {
    const next = this.table.expire(this.clock.now(), this.timeout * SEC)
    if (next !== Number.POSITIVE_INFINITY) this.timer.armAt(next)
  }
}

/** A MAC as the six bytes the table keys on (control plane). */
function macBytes(mac: number): Uint8Array {
  const b = new Uint8Array(6)
  for (let i = 5, v = mac; i >= 0; i--, v = Math.floor(v / 256)) b[i] = v % 256
  return b
}

/** The bridge behind a bridge interface, or null for any other interface. */
export function bridgeOf(ifp: Ifnet): BridgeSoftc | null {
  return ifp.link instanceof BridgeSoftc ? ifp.link : null
}

export const bridgeCloner: IfCloner = {
  name: 'bridge',
  create(v, unit) {
    const ifp = new Ifnet(
      v,
      `bridge${unit}`,
      etherDriver,
      'bridge',
      v.env.newMac(),
      1500,
      IFF.BROADCAST | IFF.SIMPLEX | IFF.MULTICAST,
    )
    ifp.link = new BridgeSoftc(ifp)
    return [ifp]
  },
}

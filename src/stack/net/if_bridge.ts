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
 * Like FreeBSD without STP, a looped topology storms: this module does no loop detection.
 * Addresses age out after `timeout` seconds (one clock timer per bridge, armed only while the
 * table holds addresses); at most `maxaddr` are learned. The frame path allocates only flood copies.
 */

import type { Mbuf } from '../../buf/mbuf.js'
import type { Clock, Timer } from '../../util/clock.js'
import { SEC } from '../../util/clock.js'
import { SysError } from '../../util/errno.js'
import { readMac } from '../../wire/addr.js'
import { ETHER_HDR_LEN } from '../../wire/ethernet.js'
import { BridgeTable } from './bridge_table.js'
import { etherDriver } from './ether.js'
import type { IfCloner } from './if_clone.js'
import { IFF, Ifnet, type IfTap, type LinkEndpoint } from './ifnet.js'
import { PFIL, PFIL_IN, PFIL_OUT } from './pfil.js'

/** IFBIF_* member flags (net/if_bridgevar.h). */
export const IFBIF = {
  LEARNING: 0x1,
  DISCOVER: 0x2,
  STP: 0x4,
  SPAN: 0x8,
  STICKY: 0x10,
  BSTP_EDGE: 0x20,
  BSTP_AUTOEDGE: 0x40,
  BSTP_PTP: 0x80,
  BSTP_AUTOPTP: 0x100,
  BSTP_ADMEDGE: 0x200,
  BSTP_ADMCOST: 0x400,
  PRIVATE: 0x800,
} as const

/** What `addm` gives a new member: 0x143 <LEARNING,DISCOVER,AUTOEDGE,AUTOPTP>. */
export const IFBIF_DEFAULT = IFBIF.LEARNING | IFBIF.DISCOVER | IFBIF.BSTP_AUTOEDGE | IFBIF.BSTP_AUTOPTP

/** Defaults of `ifconfig bridge0 maxaddr` and `timeout` (BRIDGE_RTABLE_MAX, BRIDGE_RTABLE_TIMEOUT). */
export const BRIDGE_RTABLE_MAX = 2000
export const BRIDGE_RTABLE_TIMEOUT = 1200

const RUNNING = IFF.UP | IFF.RUNNING

/** Membership of one interface: its tap into the member's frame path. */
export class BridgeMember implements IfTap {
  readonly sc: BridgeSoftc
  readonly ifp: Ifnet
  flags: number = IFBIF_DEFAULT

  constructor(sc: BridgeSoftc, ifp: Ifnet) {
    this.sc = sc
    this.ifp = ifp
  }

  input(_ifp: Ifnet, m: Mbuf): boolean {
    return this.sc.input(this, m)
  }

  output(_ifp: Ifnet, m: Mbuf): boolean {
    return this.sc.memberOutput(this, m)
  }

  ifDetached(): void {
    this.sc.deleteMember(this)
  }
}

/** One bridge (struct bridge_softc); it is the bridge interface's link endpoint. */
export class BridgeSoftc implements LinkEndpoint {
  readonly ifp: Ifnet
  readonly members: BridgeMember[] = []
  readonly table = new BridgeTable<BridgeMember>(BRIDGE_RTABLE_MAX)
  /** Seconds an address lives without being heard from. */
  timeout = BRIDGE_RTABLE_TIMEOUT
  /** Addresses not learned because the table was full (sc_brtexceeded). */
  exceeded = 0
  private readonly clock: Clock
  private readonly timer: Timer

  constructor(ifp: Ifnet) {
    this.ifp = ifp
    this.clock = ifp.vnet.env.clock
    this.timer = this.clock.timer(() => this.age())
  }

  /** BRDGADD: checks as bridge_ioctl_add makes them, then the member is in. */
  addMember(ifs: Ifnet): void {
    const tap = ifs.tap
    if (tap instanceof BridgeMember) throw new SysError(tap.sc === this ? 'EEXIST' : 'EBUSY', 'BRDGADD')
    if (tap !== null) throw new SysError('EBUSY', 'BRDGADD')
    if (ifs === this.ifp || ifs.type !== 'ether' || bridgeOf(ifs) !== null || ifs.vnet !== this.ifp.vnet)
      throw new SysError('EINVAL', 'BRDGADD')
    // The first member sets the bridge's MTU; later ones are given it.
    if (this.members.length === 0) this.ifp.mtu = ifs.mtu
    else ifs.mtu = this.ifp.mtu
    const mb = new BridgeMember(this, ifs)
    ifs.tap = mb
    ifs.flags |= IFF.PROMISC
    this.members.push(mb)
  }

  /** BRDGDEL. */
  deleteMember(mb: BridgeMember): void {
    const i = this.members.indexOf(mb)
    if (i < 0) return
    this.members.splice(i, 1)
    this.table.removePort(mb)
    if (this.table.size === 0) this.timer.cancel()
    if (mb.ifp.tap === mb) mb.ifp.tap = null
    mb.ifp.flags &= ~IFF.PROMISC
  }

  memberOf(ifp: Ifnet): BridgeMember | null {
    const tap = ifp.tap
    return tap instanceof BridgeMember && tap.sc === this ? tap : null
  }

  /** The bridge interface leaves its vnet: members are released, learned addresses forgotten. */
  ifDetached(): void {
    for (const mb of [...this.members]) this.deleteMember(mb)
    this.table.clear()
    this.timer.cancel()
  }

  /** bridge_input: a frame arrived on member mb. False leaves it to the member's own stack. */
  input(mb: BridgeMember, m: Mbuf): boolean {
    const bifp = this.ifp
    if ((bifp.flags & RUNNING) !== RUNNING || m.len < ETHER_HDR_LEN) return false
    const buf = m.data
    const off = m.off
    if ((mb.flags & IFBIF.LEARNING) !== 0) this.learn(mb, buf, off + 6)
    if ((buf[off]! & 1) !== 0) {
      // bridge_forward's filters run on a copy: the member and the bridge still get the frame.
      if (this.hooked()) {
        const c = bifp.vnet.env.pool.dup(m)
        if (this.pfil(c, mb.ifp, PFIL_IN)) this.flood(mb, c, true, true, true)
      } else this.flood(mb, m, false, true)
      bifp.receive(bifp.vnet.env.pool.dup(m))
      return false
    }
    const dst = readMac(buf, off)
    if (dst === bifp.mac) {
      bifp.receive(m)
      return true
    }
    const members = this.members
    for (let i = 0; i < members.length; i++) {
      const o = members[i]!
      if (o.ifp.mac !== dst) continue
      if (o === mb) return false
      o.ifp.inputFromTap(m)
      return true
    }
    const d = this.table.find(buf, off)
    if (d >= 0) {
      const out = this.table.port(d)
      if (out === mb) bifp.vnet.env.pool.put(m)
      else if (this.pfil(m, mb.ifp, PFIL_IN) && this.pfil(m, out.ifp, PFIL_OUT)) out.ifp.transmitToLink(m)
      return true
    }
    if (this.pfil(m, mb.ifp, PFIL_IN)) this.flood(mb, m, true, false, true)
    return true
  }

  /** Whether bridge_pfil has anything to run (a hook on the inet head, or on the link head's output). */
  private hooked(): boolean {
    const v = this.ifp.vnet
    return v.pfilInet.nIn + v.pfilInet.nOut + v.pfilInet6.nIn + v.pfilInet6.nOut + v.pfilLink.nOut !== 0
  }

  /**
   * bridge_pfil with FreeBSD's defaults (pfil_member=1, pfil_onlyip=1, ipfw_arp=0): ARP passes,
   * IPv4 and IPv6 go through the link head (outbound, layer-2 ipfw) and the inet or inet6 head on
   * the member interface, anything else is dropped while filters exist.
   * False when the frame was taken.
   */
  private pfil(m: Mbuf, ifp: Ifnet, dir: number): boolean {
    if (!this.hooked()) return true
    const v = this.ifp.vnet
    const b = m.data
    const et = (b[m.off + 12]! << 8) | b[m.off + 13]!
    if (et === 0x0806 || et === 0x8035) return true
    if (et !== 0x0800 && et !== 0x86dd) {
      v.env.pool.put(m)
      return false
    }
    const link = v.pfilLink
    if (dir === PFIL_OUT && link.nOut !== 0 && link.runOut(v, m, ifp) !== PFIL.PASS) return false
    const inet = et === 0x0800 ? v.pfilInet : v.pfilInet6
    if ((dir === PFIL_IN ? inet.nIn : inet.nOut) === 0) return true
    m.off += ETHER_HDR_LEN
    m.len -= ETHER_HDR_LEN
    const r = dir === PFIL_IN ? inet.runIn(v, m, ifp) : inet.runOut(v, m, ifp)
    if (r !== PFIL.PASS) return false
    m.off -= ETHER_HDR_LEN
    m.len += ETHER_HDR_LEN
    // A next hop (ipfw fwd) means nothing to a bridge.
    inet.nextHop = 0
    return true
  }

  /** bridge_output for a member that sends itself (it has addresses of its own). */
  memberOutput(_mb: BridgeMember, m: Mbuf): boolean {
    if ((this.ifp.flags & RUNNING) !== RUNNING || m.len < ETHER_HDR_LEN) return false
    this.forward(m)
    return true
  }

  /** The bridge interface transmits (its own ARP and IP traffic). */
  transmit(m: Mbuf): void {
    if (m.len < ETHER_HDR_LEN) {
      this.ifp.stats.oerrors++
      this.ifp.vnet.env.pool.put(m)
      return
    }
    this.forward(m)
  }

  /** Out of the member that has dst, or flooded to all members. */
  private forward(m: Mbuf): void {
    const buf = m.data
    const group = (buf[m.off]! & 1) !== 0
    if (!group) {
      const d = this.table.find(buf, m.off)
      if (d >= 0) {
        this.table.port(d).ifp.transmitToLink(m)
        return
      }
    }
    this.flood(null, m, true, group)
  }

  /**
   * Send m out of every running member but src (unknown unicast only to DISCOVER members). With
   * `consume` the last one gets m itself (freed when nobody takes it); otherwise all get copies.
   */
  private flood(src: BridgeMember | null, m: Mbuf, consume: boolean, group: boolean, runfilt = false): void {
    const pool = this.ifp.vnet.env.pool
    const members = this.members
    let last: BridgeMember | null = null
    for (let i = 0; i < members.length; i++) {
      const o = members[i]!
      if (o === src || (o.ifp.flags & IFF.UP) === 0) continue
      if (!group && (o.flags & IFBIF.DISCOVER) === 0) continue
      if (last !== null) this.send(last, pool.dup(m), runfilt)
      last = o
    }
    if (last === null) {
      if (consume) pool.put(m)
    } else this.send(last, consume ? m : pool.dup(m), runfilt)
  }

  /** bridge_enqueue, after the outbound filters when the frame is being forwarded (runfilt). */
  private send(o: BridgeMember, m: Mbuf, runfilt: boolean): void {
    if (!runfilt || this.pfil(m, o.ifp, PFIL_OUT)) o.ifp.transmitToLink(m)
  }

  /** bridge_rtupdate for the source address at buf[o..o+6). */
  private learn(mb: BridgeMember, buf: Uint8Array, o: number): void {
    // Group and all-zero sources are never learned.
    if (
      (buf[o]! & 1) !== 0 ||
      (buf[o]! | buf[o + 1]! | buf[o + 2]! | buf[o + 3]! | buf[o + 4]! | buf[o + 5]!) === 0
    )
      return
    const now = this.clock.now()
    const t = this.table
    const i = t.find(buf, o)
    if (i >= 0) {
      t.touch(i, now)
      if (t.port(i) !== mb) t.move(i, mb, now)
      return
    }
    if (t.add(buf, o, mb, now) < 0) {
      this.exceeded++
      return
    }
    if (!this.timer.armed) this.timer.arm(this.timeout * SEC)
  }

  /** The aging timer: forget addresses older than `timeout`, re-arm while any remain. */
  private age(): void {
    const next = this.table.expire(this.clock.now(), this.timeout * SEC)
    if (next !== Number.POSITIVE_INFINITY) this.timer.armAt(next)
  }
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

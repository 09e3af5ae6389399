/**
 * A bridge's ports (struct bridge_iflist): a member's IFBIF_* flags, VLANs, spanning-tree port and
 * address limit, and span ports; each is a tap on its interface's frame path that hands frames to
 * its bridge (if_bridge.ts).
 *
 * Must not: forward or learn by itself; the bridge decides.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import type { Ifnet, IfTap } from '../ifnet.js'
import { type VlanPort, VlanSet } from './bridge_vlan.js'
import { BSTP_IFSTATE, type BstpPort } from './bridgestp.js'
import type { BridgeSoftc } from './if_bridge.js'

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
  /** The member reads 802.1ad outer tags as its VLAN tag (`qinq`). */
  QINQ: 0x1000,
} as const

/** What `addm` gives a new member: 0x143 <LEARNING,DISCOVER,AUTOEDGE,AUTOPTP>. */
export const IFBIF_DEFAULT = IFBIF.LEARNING | IFBIF.DISCOVER | IFBIF.BSTP_AUTOEDGE | IFBIF.BSTP_AUTOPTP

/** The member flags a user may set with BRDGSIFFLGS (the rest are the spanning tree's or BRDGADDS's). */
export const IFBIF_USER = IFBIF.LEARNING | IFBIF.DISCOVER | IFBIF.STICKY | IFBIF.PRIVATE | IFBIF.QINQ

/** Membership of one interface: its tap into the member's frame path. */
export class BridgeMember implements IfTap, VlanPort {
  readonly sc: BridgeSoftc
  readonly ifp: Ifnet
  flags: number = IFBIF_DEFAULT
  /** The untagged VLAN (`untagged N`), 0 for none. */
  pvid = 0
  /** The tagged VLANs (`tagged SET`). */
  readonly vlans = new VlanSet()
  /** Its spanning-tree port, taking part while the STP flag is set. */
  readonly stp: BstpPort
  /** ifmaxaddr: most addresses learned on this member, 0 for no limit. */
  addrMax = 0
  addrExceeded = 0

  constructor(sc: BridgeSoftc, ifp: Ifnet) {
    this.sc = sc
    this.ifp = ifp
    this.stp = sc.bstp.createPort(ifp)
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

  linkChanged(): void {
    if ((this.flags & IFBIF.STP) !== 0) this.sc.bstp.linkState(this.stp)
  }

  /** Whether frames may be relayed to or from it: not an STP port that is not forwarding. */
  relays(): boolean {
    return (this.flags & IFBIF.STP) === 0 || this.stp.state === BSTP_IFSTATE.FORWARDING
  }
}

/** A span port (BRDGADDS): gets a copy of every frame, takes no part in bridging. */
export class BridgeSpan implements IfTap {
  readonly sc: BridgeSoftc
  readonly ifp: Ifnet

  constructor(sc: BridgeSoftc, ifp: Ifnet) {
    this.sc = sc
    this.ifp = ifp
  }

  input(): boolean {
    return false
  }

  output(): boolean {
    return false
  }

  ifDetached(): void {
    this.sc.deleteSpan(this)
  }
}

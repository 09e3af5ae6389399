/**
 * if_bridge's VLAN awareness (FreeBSD 15's, which FreeBSD's if_bridge_test.sh vlan_* cases test):
 * the address table is keyed by (MAC, VLAN); a member may have an untagged VLAN (`untagged N`, the
 * PVID) given to the untagged frames it receives and removed from frames it sends on that VLAN, and
 * a tagged set (`tagged 10-30`); with the bridge's `vlanfilter` flag a frame is accepted only on a
 * VLAN the member has (untagged frames need a PVID, tagged ones a VID in the set, even the PVID) and
 * sent only to members that have it. A `qinq` member reads 802.1ad (0x88a8) outer tags as its VLAN
 * tag; otherwise only 802.1Q tags count and an 802.1ad frame is untagged to the bridge.
 *
 * Must not: allocate per frame (tags are inserted and removed in the mbuf's headroom), or throw on
 * the data path (a frame that cannot be retagged is dropped).
 */

import type { Mbuf } from '../../../buf/mbuf.js'

/** IFBRF_* bridge flags (BRDGSFLAGS). */
export const IFBRF = { VLANFILTER: 0x1, DEFQINQ: 0x2 } as const

/** DOT1Q_VID_MIN/MAX: the VLAN ids a member may use (0 means none, 4095 is reserved). */
export const DOT1Q_VID_MIN = 1
export const DOT1Q_VID_MAX = 4094

const ETHERTYPE_VLAN = 0x8100
const ETHERTYPE_QINQ = 0x88a8
const ENCAP = 4

/** What frameTag found: TAGGED set for a tagged frame, QINQ when its TPID is 0x88a8, the TCI below. */
export const TAG = { TAGGED: 0x20000, QINQ: 0x10000, TCI: 0xffff } as const

/**
 * The frame's VLAN tag as the bridge reads it on a member: an 802.1Q tag always, an 802.1ad one only
 * on a `qinq` member. 0 for an untagged frame.
 */
export function frameTag(buf: Uint8Array, off: number, len: number, qinq: boolean): number {
  if (len < 18) return 0
  const et = (buf[off + 12]! << 8) | buf[off + 13]!
  if (et === ETHERTYPE_VLAN) return TAG.TAGGED | (buf[off + 14]! << 8) | buf[off + 15]!
  if (et === ETHERTYPE_QINQ && qinq) return TAG.TAGGED | TAG.QINQ | (buf[off + 14]! << 8) | buf[off + 15]!
  return 0
}

/** A member's tagged VLANs (ifbvlan_set_t): one bit per VLAN id. */
export class VlanSet {
  readonly bits = new Uint8Array(512)

  has(vid: number): boolean {
    return (this.bits[vid >>> 3]! & (1 << (vid & 7))) !== 0
  }

  /** BRDG_VLAN_OP_SET, _ADD, _DEL with the set `vids`. */
  apply(op: 'set' | 'add' | 'del', vids: readonly number[]): void {
    if (op === 'set') this.bits.fill(0)
    for (const v of vids) {
      if (v < DOT1Q_VID_MIN || v > DOT1Q_VID_MAX) continue
      if (op === 'del') this.bits[v >>> 3]! &= ~(1 << (v & 7))
      else this.bits[v >>> 3]! |= 1 << (v & 7)
    }
  }

  /** The ids in the set, ascending (control plane). */
  list(): number[] {
    const out: number[] = []
    for (let v = DOT1Q_VID_MIN; v <= DOT1Q_VID_MAX; v++) if (this.has(v)) out.push(v)
    return out
  }
}

/** A member's VLAN configuration. */
export interface VlanPort {
  /** The untagged VLAN (PVID), 0 for none. */
  pvid: number
  readonly vlans: VlanSet
}

/**
 * bridge_vfilter_in: may a frame with VLAN id `vid` (0 for untagged) enter from member `p`? Without
 * vlanfilter every frame may, but a reserved id never.
 */
export function vfilterIn(filter: boolean, p: VlanPort, vid: number): boolean {
  if (vid > DOT1Q_VID_MAX) return false
  if (!filter) return true
  // An untagged frame needs an untagged VLAN; a tagged one must be in the set (even the PVID).
  return vid === 0 ? p.pvid !== 0 : p.vlans.has(vid)
}

/** bridge_vfilter_out: may a frame on VLAN `vlan` leave through member `p`? */
export function vfilterOut(filter: boolean, p: VlanPort, vlan: number): boolean {
  if (!filter || vlan === p.pvid) return true
  return vlan !== 0 && p.vlans.has(vlan)
}

/**
 * The frame as it must leave member `p` on VLAN `vlan`: untagged on the member's PVID, tagged
 * otherwise (an existing tag kept as it is, priority bits and TPID included; a new one 802.1ad on a
 * qinq member). `tag` is what frameTag read. False when a tag could not be inserted.
 */
export function retag(m: Mbuf, p: VlanPort, qinq: boolean, vlan: number, tag: number): boolean {
  if (vlan === 0) return true
  const b = m.data
  if (vlan === p.pvid) {
    if ((tag & TAG.TAGGED) === 0) return true
    b.copyWithin(m.off + ENCAP, m.off, m.off + 12)
    m.adj(ENCAP)
    return true
  }
  if ((tag & TAG.TAGGED) !== 0) {
    // A priority-tagged frame (VID 0) given the PVID carries that VLAN on.
    if ((tag & 0xfff) !== vlan) {
      b[m.off + 14] = (b[m.off + 14]! & 0xf0) | (vlan >>> 8)
      b[m.off + 15] = vlan & 0xff
    }
    return true
  }
  if (!m.prepend(ENCAP)) return false
  const o = m.off
  b.copyWithin(o, o + ENCAP, o + ENCAP + 12)
  const tpid = qinq ? ETHERTYPE_QINQ : ETHERTYPE_VLAN
  b[o + 12] = tpid >>> 8
  b[o + 13] = tpid & 0xff
  b[o + 14] = vlan >>> 8
  b[o + 15] = vlan & 0xff
  return true
}

/**
 * A bridge's frame path (if_bridge.c's bridge_input, bridge_forward, bridge_broadcast, bridge_span,
 * bridge_pfil and bridge_rtupdate): frames from members learned, filtered, delivered up the bridge or
 * to a member by MAC, forwarded to the port the table knows or flooded, with span copies, VLAN
 * filters and tags and the spanning tree's port states applied. Functions of the bridge (if_bridge.ts).
 *
 * Must not: throw, or allocate beyond flood and span copies; a frame it cannot pass is freed.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { SEC } from '../../../util/clock.js'
import { readMac } from '../../../wire/addr.js'
import { BSTP_GROUP_MAC } from '../../../wire/link/bpdu.js'
import { ETHER_HDR_LEN } from '../../../wire/link/ethernet.js'
import { tunnelOf } from '../if/ip_tunnel.js'
import { IFF, type Ifnet } from '../ifnet.js'
import { PFIL, PFIL_IN, PFIL_OUT } from '../pfil.js'
import { type BridgeMember, IFBIF } from './bridge_member.js'
import { IFBAF_STATIC } from './bridge_table.js'
import { frameTag, IFBRF, retag, vfilterIn, vfilterOut } from './bridge_vlan.js'
import { BSTP_IFSTATE } from './bridgestp.js'
import type { BridgeSoftc } from './if_bridge.js'

const RUNNING = IFF.UP | IFF.RUNNING

/** bridge_input: a frame arrived on member mb. False leaves it to the member's own stack. */
export function input(sc: BridgeSoftc, mb: BridgeMember, m: Mbuf): boolean {
  const bifp = sc.ifp
  if ((bifp.flags & RUNNING) !== RUNNING || m.len < ETHER_HDR_LEN) return false
  const buf = m.data
  const off = m.off
  span(sc, m)
  if ((buf[off]! & 1) !== 0 && readMac(buf, off) === BSTP_GROUP_MAC) {
    // 802.1D frames are the spanning tree's, never forwarded (a port without STP drops them).
    sc.bstp.input(mb.stp, m)
    return true
  }
  const stp = (mb.flags & IFBIF.STP) !== 0
  // A discarding port neither learns nor relays; the member's own stack still gets the frame.
  if (stp && mb.stp.state === BSTP_IFSTATE.DISCARDING) return false
  const tag = frameTag(buf, off, m.len, (mb.flags & IFBIF.QINQ) !== 0)
  const vid = tag & 0xfff
  if (!vfilterIn((sc.brFlags & IFBRF.VLANFILTER) !== 0, mb, vid)) {
    bifp.vnet.env.pool.put(m)
    return true
  }
  // An untagged (or priority-tagged) frame is on the member's untagged VLAN.
  const vlan = vid === 0 ? mb.pvid : vid
  if ((mb.flags & IFBIF.LEARNING) !== 0 && !learn(sc, mb, buf, off + 6, vlan)) {
    // Over the member's ifmaxaddr: an unknown source is refused.
    bifp.vnet.env.pool.put(m)
    return true
  }
  // A learning port learns, and relays nothing yet.
  if (stp && mb.stp.state !== BSTP_IFSTATE.FORWARDING) return false
  if ((buf[off]! & 1) !== 0) {
    // bridge_forward's filters run on a copy: the member and the bridge still get the frame.
    if (hooked(sc)) {
      const c = bifp.vnet.env.pool.dup(m)
      if (pfil(sc, c, mb.ifp, PFIL_IN)) flood(sc, mb, c, true, true, vlan, tag, true)
    } else flood(sc, mb, m, false, true, vlan, tag)
    bifp.receive(bifp.vnet.env.pool.dup(m))
    return false
  }
  const dst = readMac(buf, off)
  // GRAB_OUR_PACKETS: ours too is a virtual router's MAC the interface is carp master for.
  if (dst === bifp.mac || bifp.carp?.forus(buf, off) === true) {
    bifp.receive(m)
    return true
  }
  const members = sc.members
  for (let i = 0; i < members.length; i++) {
    const o = members[i]!
    if (o.ifp.mac !== dst && (o.ifp.carp === null || !o.ifp.carp.forus(buf, off))) continue
    if (o === mb) return false
    o.ifp.inputFromTap(m)
    return true
  }
  const d = sc.table.find(buf, off, vlan)
  if (d >= 0) {
    const out = sc.table.port(d)
    if (
      out === mb ||
      !out.relays() ||
      (out.flags & mb.flags & IFBIF.PRIVATE) !== 0 ||
      !vfilterOut((sc.brFlags & IFBRF.VLANFILTER) !== 0, out, vlan)
    )
      bifp.vnet.env.pool.put(m)
    else if (pfil(sc, m, mb.ifp, PFIL_IN) && pfil(sc, m, out.ifp, PFIL_OUT)) emit(sc, out, m, vlan, tag)
    return true
  }
  if (pfil(sc, m, mb.ifp, PFIL_IN)) flood(sc, mb, m, true, false, vlan, tag, true)
  return true
}

/** Whether bridge_pfil has anything to run (a hook on the inet head, or on the link head's output). */
export function hooked(sc: BridgeSoftc): boolean {
  const v = sc.ifp.vnet
  return v.pfilInet.nIn + v.pfilInet.nOut + v.pfilInet6.nIn + v.pfilInet6.nOut + v.pfilLink.nOut !== 0
}

/**
 * bridge_pfil with FreeBSD's defaults (pfil_member=1, pfil_onlyip=1, ipfw_arp=0): ARP passes,
 * IPv4 and IPv6 go through the link head (outbound, layer-2 ipfw) and the inet or inet6 head on
 * the member interface, anything else is dropped while filters exist.
 * False when the frame was taken.
 */
export function pfil(sc: BridgeSoftc, m: Mbuf, ifp: Ifnet, dir: number): boolean {
  if (!hooked(sc)) return true
  const v = sc.ifp.vnet
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
export function memberOutput(sc: BridgeSoftc, _mb: BridgeMember, m: Mbuf): boolean {
  if ((sc.ifp.flags & RUNNING) !== RUNNING || m.len < ETHER_HDR_LEN) return false
  forward(sc, m)
  return true
}

/** Out of the member that has dst, or flooded to all members (bridge_output); spans get a copy. */
export function forward(sc: BridgeSoftc, m: Mbuf): void {
  const buf = m.data
  span(sc, m)
  const group = (buf[m.off]! & 1) !== 0
  // The bridge's own frames (a vlan(4) on it tags them) are on the VLAN of their tag.
  const tag = frameTag(buf, m.off, m.len, true)
  const vlan = tag & 0xfff
  if (!group) {
    const d = sc.table.find(buf, m.off, vlan)
    if (d >= 0) {
      const out = sc.table.port(d)
      if (out.relays() && vfilterOut((sc.brFlags & IFBRF.VLANFILTER) !== 0, out, vlan))
        emit(sc, out, m, vlan, tag)
      else sc.ifp.vnet.env.pool.put(m)
      return
    }
  }
  flood(sc, null, m, true, group, vlan, tag)
}

/** bridge_enqueue's VLAN part: the frame tagged or untagged as member o takes it, then sent. */
export function emit(sc: BridgeSoftc, o: BridgeMember, m: Mbuf, vlan: number, tag: number): void {
  if (retag(m, o, (o.flags & IFBIF.QINQ) !== 0, vlan, tag)) {
    const tun = o.ifp.family === 'gif' ? tunnelOf(o.ifp) : null
    if (tun !== null) tun.transmitEther(m)
    else o.ifp.transmitToLink(m)
  } else {
    o.ifp.stats.oerrors++
    sc.ifp.vnet.env.pool.put(m)
  }
}

/**
 * Send m out of every running member but src (unknown unicast only to DISCOVER members). With
 * `consume` the last one gets m itself (freed when nobody takes it); otherwise all get copies.
 */
export function flood(
  sc: BridgeSoftc,
  src: BridgeMember | null,
  m: Mbuf,
  consume: boolean,
  group: boolean,
  vlan: number,
  tag: number,
  runfilt = false,
): void {
  const pool = sc.ifp.vnet.env.pool
  const members = sc.members
  const filter = (sc.brFlags & IFBRF.VLANFILTER) !== 0
  let last: BridgeMember | null = null
  const priv = src === null ? 0 : src.flags & IFBIF.PRIVATE
  for (let i = 0; i < members.length; i++) {
    const o = members[i]!
    if (o === src || (o.ifp.flags & IFF.UP) === 0 || !o.relays() || (o.flags & priv) !== 0) continue
    if (!group && (o.flags & IFBIF.DISCOVER) === 0) continue
    if (!vfilterOut(filter, o, vlan)) continue
    if (last !== null) send(sc, last, pool.dup(m), vlan, tag, runfilt)
    last = o
  }
  if (last === null) {
    if (consume) pool.put(m)
  } else send(sc, last, consume ? m : pool.dup(m), vlan, tag, runfilt)
}

/** bridge_enqueue, after the outbound filters when the frame is being forwarded (runfilt). */
export function send(
  sc: BridgeSoftc,
  o: BridgeMember,
  m: Mbuf,
  vlan: number,
  tag: number,
  runfilt: boolean,
): void {
  if (!runfilt || pfil(sc, m, o.ifp, PFIL_OUT)) emit(sc, o, m, vlan, tag)
}

/**
 * bridge_rtupdate for the source address at buf[o..o+6). False when a new address was refused
 * on a member with an address limit (the frame is then dropped, as FreeBSD does).
 */
export function learn(sc: BridgeSoftc, mb: BridgeMember, buf: Uint8Array, o: number, vlan: number): boolean {
  // Group and all-zero sources are never learned.
  if (
    (buf[o]! & 1) !== 0 ||
    (buf[o]! | buf[o + 1]! | buf[o + 2]! | buf[o + 3]! | buf[o + 4]! | buf[o + 5]!) === 0
  )
    return true
  const now = sc.clock.now()
  const t = sc.table
  const i = t.find(buf, o, vlan)
  if (i >= 0) {
    // A static entry stays where it was put.
    if ((t.flags(i) & IFBAF_STATIC) !== 0) return true
    t.touch(i, now)
    if (t.port(i) !== mb) t.move(i, mb, now)
    return true
  }
  if (mb.addrMax !== 0 && t.countPort(mb) >= mb.addrMax) {
    mb.addrExceeded++
    return false
  }
  if (t.add(buf, o, mb, now, vlan) < 0) {
    sc.exceeded++
    return mb.addrMax === 0
  }
  if (!sc.timer.armed) sc.timer.arm(sc.timeout * SEC)
  return true
}

/** bridge_span: a copy to each running span port. */
export function span(sc: BridgeSoftc, m: Mbuf): void {
  const spans = sc.spans
  if (spans.length === 0) return
  const pool = sc.ifp.vnet.env.pool
  for (let i = 0; i < spans.length; i++) {
    const o = spans[i]!.ifp
    if ((o.flags & RUNNING) !== RUNNING) continue
    o.transmitToLink(pool.dup(m))
  }
}

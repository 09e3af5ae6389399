/**
 * Ethernet (ether_input / ether_output): demultiplex received frames to the protocol registered for
 * their EtherType, and frame outgoing packets. Frames not addressed to us are dropped, as are unknown
 * EtherTypes; each drop is counted on the interface. Knows no protocol: next-hop resolution (ARP,
 * later ND) belongs to the protocol family, registered as its Ethernet output, which calls
 * `etherSend` with the resolved address.
 */

import type { Mbuf } from '../../buf/mbuf.js'
import type { ErrnoName } from '../../util/errno.js'
import { readU16 } from '../../wire/addr.js'
import { ETHER_HDR_LEN } from '../../wire/link/ethernet.js'
import type { IfDriver, Ifnet } from './ifnet.js'

/**
 * A frame tagged with this (Mbuf.tag) leaves with `mac` as its Ethernet source instead of the
 * interface's own (carp_output's PACKET_TAG_CARP): advertisements and the ND messages of a virtual
 * address, so switches learn where the virtual router is.
 */
export class EtherSrcTag {
  constructor(readonly mac: number) {}
}

/** The TPIDs of 802.1Q and 802.1ad tags (net/ethernet.h). */
const ETHERTYPE_VLAN = 0x8100
const ETHERTYPE_QINQ = 0x88a8
/** ETHER_VLAN_ENCAP_LEN: the tag's size. */
const VLAN_ENCAP_LEN = 4

const TWO_32 = 0x100000000

/** ETHERMTU_JUMBO (net/ethernet.h): the largest MTU an Ethernet interface takes. */
export const ETHERMTU_JUMBO = 9000

export function etherInput(ifp: Ifnet, m: Mbuf): void {
  const pool = ifp.vnet.env.pool
  // A sender's IP_VLAN_PCP stays with the sender (the buffer may have come straight from its stack).
  m.pcp = -1
  if (m.len < ETHER_HDR_LEN) {
    ifp.stats.ierrors++
    pool.put(m)
    return
  }
  const buf = m.data
  const o = m.off
  // ether_demux: a tagged frame belongs to the vlans on this interface, whatever its destination
  // (the vlan's own Ethernet input checks that); without any, nobody speaks its protocol.
  const type = readU16(buf, o + 12)
  // A priority-tagged frame (VID 0, IEEE 802.1Q §9.6) is an untagged one with a priority: the tag
  // goes and the frame is ours as any other (ether_demux clears M_VLANTAG for VID 0).
  if (
    (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) &&
    m.len >= ETHER_HDR_LEN + VLAN_ENCAP_LEN &&
    (readU16(buf, o + 14) & 0xfff) === 0
  ) {
    buf.copyWithin(o + VLAN_ENCAP_LEN, o, o + 12)
    m.adj(VLAN_ENCAP_LEN)
    etherInput(ifp, m)
    return
  }
  if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) {
    const trunk = ifp.vlanTrunk
    if (trunk === null) {
      ifp.stats.noproto++
      pool.put(m)
      return
    }
    trunk.input(ifp, m)
    return
  }
  // Compared as 16 + 32 bits of integer arithmetic: the destination read as one 48-bit number
  // would be a heap-allocated double on every frame.
  const toUs =
    ((buf[o]! << 8) | buf[o + 1]!) === ifp.macHi &&
    ((buf[o + 2]! << 24) | (buf[o + 3]! << 16) | (buf[o + 4]! << 8) | buf[o + 5]!) === ifp.macLo
  m.linkBcast = false
  if (!toUs) {
    // Group bit: broadcast or multicast. Anything else unicast to another station is not ours,
    // unless it is a virtual router's MAC this host is master for (carp_forus).
    if ((buf[o]! & 1) === 0) {
      if (ifp.carp === null || !ifp.carp.forus(buf, o)) {
        ifp.stats.idrops++
        pool.put(m)
        return
      }
    } else {
      ifp.stats.imcasts++
      m.linkBcast = true
    }
  }
  const input = ifp.vnet.env.domains.etherInput(type)
  if (input === undefined) {
    ifp.stats.noproto++
    pool.put(m)
    return
  }
  m.adj(ETHER_HDR_LEN)
  input(ifp, m)
}

/**
 * Prepend an Ethernet header for a frame to `dstMac` and send it. With a priority (the socket's
 * IP_VLAN_PCP, else the interface's `pcp`) the frame leaves priority-tagged, 802.1Q with VID 0, as
 * ether_output_frame's ether_set_pcp does; a vlan interface puts the priority in its own tag.
 */
export function etherSend(ifp: Ifnet, m: Mbuf, dstMac: number, type: number): void {
  etherSendTo(ifp, m, (dstMac / TWO_32) | 0, dstMac | 0, type)
}

/**
 * etherSend with the destination as its top 16 bits (`hi`) and low 32 bits (`lo`, int32): the packet
 * path's form, since a 48-bit number crossing a call is a heap-allocated double on every frame.
 */
export function etherSendTo(ifp: Ifnet, m: Mbuf, hi: number, lo: number, type: number): void {
  const pcp = m.pcp >= 0 ? m.pcp : ifp.pcp
  const tagged = pcp >= 0 && ifp.family !== 'vlan'
  if (!m.prepend(tagged ? ETHER_HDR_LEN + VLAN_ENCAP_LEN : ETHER_HDR_LEN)) {
    ifp.stats.oerrors++
    ifp.vnet.env.pool.put(m)
    return
  }
  const b = m.data
  const o = m.off
  // carp_output: a virtual router's frames carry its MAC as their source.
  const t = m.tag
  let shi = ifp.macHi
  let slo = ifp.macLo
  if (t !== null && t instanceof EtherSrcTag) {
    shi = (t.mac / TWO_32) | 0
    slo = t.mac | 0
  }
  b[o] = hi >>> 8
  b[o + 1] = hi
  b[o + 2] = lo >>> 24
  b[o + 3] = lo >>> 16
  b[o + 4] = lo >>> 8
  b[o + 5] = lo
  b[o + 6] = shi >>> 8
  b[o + 7] = shi
  b[o + 8] = slo >>> 24
  b[o + 9] = slo >>> 16
  b[o + 10] = slo >>> 8
  b[o + 11] = slo
  if (tagged) {
    b[o + 12] = ETHERTYPE_VLAN >>> 8
    b[o + 13] = ETHERTYPE_VLAN & 0xff
    b[o + 14] = pcp << 5
    b[o + 15] = 0
    b[o + 16] = type >>> 8
    b[o + 17] = type & 0xff
  } else {
    b[o + 12] = type >>> 8
    b[o + 13] = type & 0xff
  }
  // Broadcast and multicast alike: the group bit of the first octet (ifi_omcasts).
  if ((hi & 0x100) !== 0) ifp.stats.omcasts++
  ifp.transmit(m)
}

/**
 * ether_output: an IPv4 packet goes to the output the family registered for Ethernet, which
 * resolves the next hop (ARP) and frames it; with no family registered, EAFNOSUPPORT.
 */
export function etherOutput(
  ifp: Ifnet,
  m: Mbuf,
  nextHop: number,
  bcast: boolean,
  forwarded: boolean,
): ErrnoName | undefined {
  const output = ifp.vnet.env.domains.etherOutput()
  if (output === undefined) {
    ifp.stats.oerrors++
    ifp.vnet.env.pool.put(m)
    return 'EAFNOSUPPORT'
  }
  return output(ifp, m, nextHop, bcast, forwarded)
}

/** Ethernet interfaces (epair, bridge, ng_eiface): ether_ifattach's if_output and the jumbo MTU limit. */
export const etherDriver: IfDriver = { type: 'ether', output: etherOutput, maxMtu: ETHERMTU_JUMBO }

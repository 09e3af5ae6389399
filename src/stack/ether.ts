/**
 * Ethernet (ether_input / ether_output): demultiplex received frames by EtherType, and frame outgoing
 * IPv4 packets after resolving the next hop with ARP. Frames not addressed to us are dropped, as are
 * unknown EtherTypes; each drop is counted on the interface.
 */

import type { Mbuf } from '../buf/mbuf.js'
import { BROADCAST_MAC, readU16 } from '../wire/addr.js'
import { ETHER_HDR_LEN, EtherType, writeEthernetHeader } from '../wire/ethernet.js'
import { IcmpType, UnreachCode } from '../wire/icmp.js'
import { ARP_HELD, arpInput, arpResolve } from './arp.js'
import { icmpError } from './icmp.js'
import type { Ifnet } from './ifnet.js'
import { ipInput } from './ip_input.js'
import type { OutError } from './ip_output.js'

export function etherInput(ifp: Ifnet, m: Mbuf): void {
  const pool = ifp.vnet.env.pool
  if (m.len < ETHER_HDR_LEN) {
    ifp.stats.ierrors++
    pool.put(m)
    return
  }
  const buf = m.data
  const o = m.off
  const mac = ifp.mac
  // Compared as 16 + 32 bits of integer arithmetic: the destination read as one 48-bit number
  // would be a heap-allocated double on every frame.
  const toUs =
    ((buf[o]! << 8) | buf[o + 1]!) === Math.floor(mac / 0x100000000) &&
    ((buf[o + 2]! << 24) | (buf[o + 3]! << 16) | (buf[o + 4]! << 8) | buf[o + 5]!) === (mac | 0)
  m.linkBcast = false
  if (!toUs) {
    // Group bit: broadcast or multicast. Anything else unicast to another station is not ours.
    if ((buf[o]! & 1) === 0) {
      ifp.stats.idrops++
      pool.put(m)
      return
    }
    ifp.stats.imcasts++
    m.linkBcast = true
  }
  const type = readU16(buf, o + 12)
  m.adj(ETHER_HDR_LEN)
  if (type === EtherType.IPV4) ipInput(ifp.vnet, ifp, m)
  else if (type === EtherType.ARP) arpInput(ifp, m)
  else {
    ifp.stats.noproto++
    pool.put(m)
  }
}

/** Prepend an Ethernet header for a frame to `dstMac` and send it. */
export function etherSend(ifp: Ifnet, m: Mbuf, dstMac: number, type: number): void {
  if (!m.prepend(ETHER_HDR_LEN)) {
    ifp.stats.oerrors++
    ifp.vnet.env.pool.put(m)
    return
  }
  writeEthernetHeader(m.data, m.off, dstMac, ifp.mac, type)
  if (dstMac === BROADCAST_MAC) ifp.stats.omcasts++
  ifp.transmit(m)
}

/**
 * Send an IPv4 packet (m starts at the IP header) to `nextHop` on ifp. The packet may be held while
 * ARP resolves; returns an error only when the neighbour is known to be unreachable.
 */
export function etherOutputIp(
  ifp: Ifnet,
  m: Mbuf,
  nextHop: number,
  broadcast: boolean,
  forwarded: boolean,
): OutError {
  if (broadcast) {
    etherSend(ifp, m, BROADCAST_MAC, EtherType.IPV4)
    return undefined
  }
  const mac = arpResolve(ifp, nextHop, m)
  if (mac >= 0) {
    etherSend(ifp, m, mac, EtherType.IPV4)
    return undefined
  }
  if (mac === ARP_HELD) return undefined
  // The neighbour is down: a forwarded packet earns its sender a host unreachable (ip_forward).
  if (forwarded) icmpError(ifp.vnet, m, IcmpType.UNREACH, UnreachCode.HOST, 0)
  else ifp.vnet.env.pool.put(m)
  return 'EHOSTDOWN'
}

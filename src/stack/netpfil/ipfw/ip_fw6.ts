/**
 * The IPv6 parts of ipfw_chk (ip_fw2.c under INET6): address and prefix lists, `me6` (our own
 * addresses, ipfw_localip6), `icmp6types`, `flow-id`, and the reject path for IPv6 packets
 * (send_reject6): an ICMPv6 destination unreachable, or a TCP reset for `reset6`, never about an
 * ICMPv6 error, a later fragment or a packet to a group.
 *
 * Packet path: nothing here allocates or throws; the packet's addresses are read from PktFacts.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { TH } from '../../../wire/inet/tcp.js'
import { Icmp6Type, Unreach6Code } from '../../../wire/inet6/icmpv6.js'
import type { Ifnet } from '../../net/ifnet.js'
import type { Vnet } from '../../net/vnet.js'
import { tcpRespond } from '../../netinet/tcp/tcp_subr.js'
import { tcp } from '../../netinet/tcp/tcp_var.js'
import { icmp6Error } from '../../netinet6/icmp6.js'
import { in6Key } from '../../netinet6/in6_var.js'
import { ip6 } from '../../netinet6/ip6/ip6.js'
import type { PktFacts } from './ip_fw_facts.js'
import { ICMP6_MAXTYPE, ICMP6_UNREACH_RST } from './ip_fw_rule.js'

/** Does the address at a[at..at+3] match one of the (address, mask) groups of eight words? */
export function inAddrs6(list: number[], a: Uint32Array, at: number): boolean {
  for (let k = 0; k < list.length; k += 8)
    if (
      (a[at]! & list[k + 4]!) >>> 0 === list[k] &&
      (a[at + 1]! & list[k + 5]!) >>> 0 === list[k + 1] &&
      (a[at + 2]! & list[k + 6]!) >>> 0 === list[k + 2] &&
      (a[at + 3]! & list[k + 7]!) >>> 0 === list[k + 3]
    )
      return true
  return false
}

/** `icmp6types`: the bit of the packet's type in the eight-word mask. */
export function icmp6TypeMatch(list: number[], type: number): boolean {
  return type <= ICMP6_MAXTYPE && ((list[type >>> 5]! >>> (type & 31)) & 1) === 1
}

/** `flow-id N,...`: the packet's flow label is one of them. */
export function flow6Match(list: number[], flow: number): boolean {
  for (let k = 0; k < list.length; k++) if (list[k] === flow) return true
  return false
}

/**
 * ipfw_localip6: the address (src at 0, dst at 4 of p.a6) is one of this vnet's. A link-local one
 * is looked for in the zone of the interface the packet is on (p.ifIndex).
 */
export function localIp6(v: Vnet, p: PktFacts, at: number): boolean {
  const s = ip6(v)
  const k = s.keyIn
  const a = p.a6
  for (let i = 0; i < 4; i++) {
    const w = a[at + i]!
    k[4 * i] = w >>> 24
    k[4 * i + 1] = (w >>> 16) & 0xff
    k[4 * i + 2] = (w >>> 8) & 0xff
    k[4 * i + 3] = w & 0xff
  }
  // in6Key embeds the zone of a scoped address in place, as the kernel keys its own addresses.
  in6Key(k, k, 0, p.ifIndex)
  return s.localByKey(k, 0) !== undefined
}

/** is_icmp6_query: the ICMPv6 types a reject may answer (errors never get one). */
function isIcmp6Query(type: number): boolean {
  return (
    type === Icmp6Type.ECHO_REQUEST ||
    type === Icmp6Type.MLD_LISTENER_QUERY ||
    type === 139 /* node information query */
  )
}

/**
 * map_icmp_unreach (RFC 7915 §4.2): `reject` / `unreach CODE` / `reset` written for IPv4 meets an
 * IPv6 packet; its code becomes the ICMPv6 one nearest in meaning.
 */
export function mapIcmpUnreach(code: number): number {
  switch (code) {
    case 0: // net
    case 1: // host
    case 5: // srcfail
    case 6: // net-unknown
    case 7: // host-unknown
    case 11: // tosnet
    case 12: // toshost
      return Unreach6Code.NOROUTE
    case 3: // port
      return Unreach6Code.NOPORT
    default:
      // `reset` (ICMP_REJECT_RST) too: FreeBSD answers IPv6 with admin-prohibited; reset6 resets.
      return Unreach6Code.ADMIN
  }
}

/**
 * send_reject6: whether the packet may be answered (not a later fragment, not an ICMPv6 error, not
 * to a group or link broadcast); then an ICMPv6 unreachable with `code`, or a TCP reset when code
 * is ICMP6_UNREACH_RST. Takes m in every case. src6/dst6 are 16-byte scratch arrays.
 */
export function sendReject6(
  v: Vnet,
  src6: Uint8Array,
  dst6: Uint8Array,
  m: Mbuf,
  p: PktFacts,
  code: number,
  ifp: Ifnet,
): void {
  const answerable =
    p.offset === 0 &&
    (p.proto !== 58 || (p.l4 && isIcmp6Query(p.icmpType))) &&
    !m.linkBcast &&
    p.a6[4]! >>> 24 !== 0xff
  if (!answerable) {
    v.env.pool.put(m)
    return
  }
  if (code !== ICMP6_UNREACH_RST) {
    icmp6Error(v, m, Icmp6Type.DST_UNREACH, code, 0)
    return
  }
  if (p.proto !== 6 || !p.l4 || (p.tcpFlags & TH.RST) !== 0) {
    v.env.pool.put(m)
    return
  }
  // RFC 793 §3.4 "Reset Generation", from the segment's own addresses (the packet is still whole).
  const b = m.data
  const o = m.off
  // The answer's addresses go to the caller's scratch: the packet is freed before the reset is sent.
  for (let i = 0; i < 16; i++) {
    src6[i] = b[o + 24 + i]!
    dst6[i] = b[o + 8 + i]!
  }
  const tlen = p.iplen - p.hlen - ((b[o + p.hlen + 12]! >> 4) << 2)
  const flags = p.tcpFlags
  const seq = p.tcpSeq
  const ack = p.tcpAck
  const sport = p.dport
  const dport = p.sport
  const zone = ifp.index
  v.env.pool.put(m)
  // With ACK: <SEQ=SEG.ACK><CTL=RST>; without: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
  const hasAck = (flags & TH.ACK) !== 0
  const len = tlen + ((flags & TH.SYN) !== 0 ? 1 : 0) + ((flags & TH.FIN) !== 0 ? 1 : 0)
  const rseq = hasAck ? ack : 0
  const rack = hasAck ? 0 : (seq + len) >>> 0
  const rflags = hasAck ? TH.RST : TH.RST | TH.ACK
  tcpRespond(v, tcp(v), null, 0, 0, sport, dport, rseq, rack, rflags, 0, 0, src6, dst6, zone)
}

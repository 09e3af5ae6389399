/**
 * Path MTU discovery for TCP (RFC 1191; FreeBSD's PRC_MSGSIZE branch of tcp_ctlinput, tcp_mtudisc
 * and the mtuoffer half of tcp_mss_update): an ICMP "fragmentation needed" about a segment in flight
 * lowers the MTU the host cache remembers for the peer, shrinks t_maxseg, and resends from snd_una
 * at the new size (tcps_mturesent). The caller has already checked that the quoted sequence number
 * lies in [snd_una, snd_max) (RFC 5927 §4.1), so a forged error cannot shrink a connection it does
 * not know.
 *
 * Runs on ICMP input: never throws, allocates nothing but a host cache entry for a new peer.
 */

import { IPV6_MMTU } from '../../../../wire/inet6/ipv6.js'
import { INP } from '../../in_pcb.js'
import { ipNextMtu } from '../../ip/ip_mtu.js'
import { TF_FASTRECOVERY } from '../cc/cc.js'
import { tcpOutput } from '../tcp_output.js'
import { TCPS, type Tcpcb, TF } from '../tcp_var.js'

/** sizeof(struct tcpiphdr) and its IPv6 twin: the IP and TCP headers without options. */
const IPTCP_HDR = 40
const IP6TCP_HDR = 60
/** tcp_mss_update's floor: room for some data even with 40 bytes of options. */
const MSS_FLOOR = 64

/** The MTU toward faddr as TCP should use it: the route's (or interface's), lowered by the host cache. */
export function tcpPathMtu(tp: Tcpcb, routeMtu: number): number {
  const hc = tp.tv.hostcache.getMtu(tp.inp.faddr, tp.inp.vnet.env.clock.runNow())
  if (hc === 0) return routeMtu
  return routeMtu === 0 ? hc : Math.min(hc, routeMtu)
}

/**
 * "Fragmentation needed" for a segment of tp: `nextMtu` is the ICMP's next-hop MTU (0 from an old
 * router), `quotedLen` the total length of the datagram it quotes.
 */
export function tcpPmtuInput(tp: Tcpcb, nextMtu: number, quotedLen: number, routeMtu: number): void {
  const tv = tp.tv
  const v6 = tp.inp.faddr6 !== null && (tp.inp.vflag & INP.IPV6) !== 0
  const hdr = v6 ? IP6TCP_HDR : IPTCP_HDR
  // No proposal: try the next smaller plateau than what we sent (RFC 1191 §5, §7).
  let mtu = nextMtu !== 0 ? nextMtu : ipNextMtu(quotedLen, 1)
  if (mtu < tv.minmss + hdr) mtu = tv.minmss + hdr
  // IPv6 links carry at least 1280 bytes (RFC 8200 §5): a smaller "MTU" is not believed.
  if (v6 && mtu < IPV6_MMTU) mtu = IPV6_MMTU
  // Only a smaller MTU than the one in use is news.
  if (mtu >= tp.maxseg + hdr) return
  tv.hostcache.updateMtu(tp.inp.faddr, mtu, tp.inp.vnet.env.clock.now(), tv.stats)
  tcpMtudisc(tp, mtu, routeMtu, hdr)
}

/** tcp_mtudisc: take the smaller MSS and resend everything unacknowledged at that size. */
function tcpMtudisc(tp: Tcpcb, mtuoffer: number, routeMtu: number, hdr: number): void {
  const tv = tp.tv
  const maxmtu = tcpPathMtu(tp, routeMtu)
  // A connection inside UDP leaves room for the UDP header too (tcp_mss_update's min_protoh).
  const protoh = hdr + (tp.t_port !== 0 ? tv.udpTunnelingOverhead : 0)
  let mss = (maxmtu === 0 ? mtuoffer : Math.min(maxmtu, mtuoffer)) - protoh
  if (tp.userMss !== 0 && tp.userMss < mss) mss = tp.userMss
  if (mss < MSS_FLOOR) mss = MSS_FLOOR
  // The MSS never exceeds the send buffer.
  if (tp.so.sbsnd.hiwat < mss) mss = tp.so.sbsnd.hiwat
  tp.maxseg = mss
  tv.stats.tcps_mturesent++
  if (tp.state < TCPS.SYN_SENT) return
  tp.rtt.stopTiming()
  tp.snd_nxt = tp.snd_una
  // What the scoreboard says was sent is to be sent again in smaller pieces.
  tp.sack?.clear()
  tp.snd_recover = tp.snd_max
  if ((tp.flags & TF.SACK_PERMIT) !== 0) tp.ccv.tFlags &= ~TF_FASTRECOVERY
  tcpOutput(tp)
}

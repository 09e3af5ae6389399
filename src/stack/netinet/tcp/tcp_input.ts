/**
 * TCP input, first half (FreeBSD's tcp_input()): validate the segment (length, checksum, data
 * offset, counted as struct tcpstat does), find its connection in the vnet's table, answer segments
 * for no connection with an RST (tcp_dropwithreset; not for RSTs, and not at all under
 * net.inet.tcp.blackhole), and hand segments for a listening socket to the syncache
 * (tcp_syncache.ts), which makes the connection when the handshake completes. Segments for an
 * existing connection go on to tcp_segment.ts.
 *
 * Never throws; takes ownership of the mbuf.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import type { StreamSocket } from '../../../kern/socket_stream.js'
import { isMulticastIpv4, readU32 } from '../../../wire/addr.js'
import { seqAdd } from '../../../wire/inet/seq.js'
import { TcpCheck, type TcpOptions, TH, TOF } from '../../../wire/inet/tcp.js'
import type { SigAddr } from '../../../wire/inet/tcp_md5.js'
import { in6Eq } from '../../../wire/inet6/in6_addr.js'
import type { Ifnet } from '../../net/ifnet.js'
import type { Vnet } from '../../net/vnet.js'
import { in6PcbLookup } from '../../netinet6/in6_pcb.js'
import { tcpMd5Input } from '../../netipsec/xform_tcp.js'
import type { Inpcb } from '../in_pcb.js'
import { pcbLookupFwd } from '../ip/ip_fwd_tag.js'
import { EXPAND, syncacheBadack, syncacheChkrst } from './syncache/tcp_syncache.js'
import { syncacheAdd, syncacheExpand } from './syncache/tcp_syncache_handshake.js'
import { tcpDoSegment } from './tcp_segment.js'
import { tcpMss, tcpRespond } from './tcp_subr.js'
import { twCheck, twCheckCompact } from './tcp_timewait.js'
import { intotcpcb, TCPS, type Tcpcb, type TcpSeg, TcpTw, type TcpVnet, TF, tcp } from './tcp_var.js'

/**
 * m starts at the IP header of length hlen. Takes ownership of m. `port` is the UDP source port of
 * a segment that came through the tunnel (tcp_input_with_port), else 0.
 */
export function tcpInput(v: Vnet, _ifp: Ifnet, m: Mbuf, hlen: number, port = 0): void {
  const tv = tcp(v)
  const st = tv.stats
  const pool = v.env.pool
  st.tcps_rcvtotal++
  const buf = m.data
  const src = readU32(buf, m.off + 12)
  const dst = readU32(buf, m.off + 16)
  const th = tv.th
  th.point(buf, m.off + hlen, m.len - hlen)
  // A segment from an in-process stack over an offloading link is trusted (CSUM_DATA_VALID).
  const chk = th.check(!m.csumL4, src, dst, m.data32)
  if (chk !== TcpCheck.OK) {
    if (chk === TcpCheck.SHORT) st.tcps_rcvshort++
    else if (chk === TcpCheck.BAD_SUM) st.tcps_rcvbadsum++
    else st.tcps_rcvbadoff++
    pool.put(m)
    return
  }
  // Never answer or accept broadcast and multicast (RFC 1122 §4.2.3.10).
  if (
    v.isBroadcast(dst) ||
    isMulticastIpv4(dst) ||
    isMulticastIpv4(src) ||
    src === 0xffffffff ||
    m.linkBcast
  ) {
    pool.put(m)
    return
  }
  const seg = tv.seg
  seg.src = src
  seg.dst = dst
  seg.sport = th.srcPort
  seg.dport = th.dstPort
  seg.seq = th.seq
  seg.ack = th.ack
  seg.flags = th.flags & 0xff
  seg.tos = buf[m.off + 1]!
  seg.win = th.window
  seg.len = th.payloadLength
  seg.buf = buf
  seg.off = th.payloadOffset
  seg.port = port
  seg.v6 = false
  th.parseOptions(tv.to)
  if ((seg.flags & (TH.SYN | TH.FIN)) === (TH.SYN | TH.FIN) && tv.dropSynfin !== 0) {
    pool.put(m)
    return
  }
  tcpInputPcb(v, tv, m, hlen, pcbLookupFwd(tv.pcbs, m, src, seg.sport, dst, seg.dport))
}

/**
 * tcp_input after the lookup, for either family: tv.seg and tv.to describe the segment (m's IP
 * header of length hlen first), inp is its endpoint or null. Takes ownership of m.
 */
export function tcpInputPcb(v: Vnet, tv: TcpVnet, m: Mbuf, hlen: number, inp: Inpcb | null): void {
  const pool = v.env.pool
  const seg = tv.seg
  const port = seg.port
  const src = seg.src
  const dst = seg.dst
  const pp = inp === null ? null : inp.ppcb
  // TIME_WAIT comes first, as in FreeBSD's tcp_input: tcp_twcheck makes its own tunnel check
  // (after letting a new SYN through) and no signature check.
  if (pp instanceof TcpTw) {
    twCheckCompact(pp, seg, tv.to)
    pool.put(m)
    return
  }
  const tp = pp as Tcpcb | null
  if (tp !== null && tp.state === TCPS.TIME_WAIT) {
    twCheck(tp, seg, tv.to)
    pool.put(m)
    return
  }
  if (tp === null || tp.state === TCPS.CLOSED) {
    if (tv.blackhole === 0 || (tv.blackhole === 1 && (seg.flags & TH.SYN) === 0))
      dropWithReset(v, tv, seg, tp)
    pool.put(m)
    return
  }
  // RFC 2385 §2.0: a socket that signs accepts only segments with the right signature, and a
  // signed segment is checked whoever it is for (tcp_input's TCPMD5_INPUT); failures vanish silently.
  if (
    ((tp.flags & TF.SIGNATURE) !== 0 || (tv.to.flags & TOF.SIGNATURE) !== 0) &&
    !(seg.v6 ? md5Ok(v, tv, m, hlen, seg.src6, seg.dst6) : md5Ok(v, tv, m, hlen, src, dst))
  ) {
    pool.put(m)
    return
  }
  // A connection's segments come all plain or all through its own tunnel (t_port): any other is
  // refused with an RST, sent back the way the segment came.
  if (tp.state > TCPS.LISTEN && tp.t_port !== port) {
    dropWithReset(v, tv, seg, tp)
    pool.put(m)
    return
  }
  // The segment's mbuf may end up in the receive buffer (tcp_do_segment takes it from seg.m).
  seg.m = m
  if (tp.state === TCPS.LISTEN) listenInput(v, tv, tp, seg, tv.to)
  else tcpDoSegment(tp, seg, tv.to)
  if (seg.m !== null) {
    seg.m = null
    pool.put(m)
  }
}

/** TCPMD5_INPUT with FreeBSD's tcps_sig_* counting. */
function md5Ok(v: Vnet, tv: TcpVnet, m: Mbuf, hlen: number, src: SigAddr, dst: SigAddr): boolean {
  const st = tv.stats
  if ((tv.to.flags & TOF.SIGNATURE) === 0) {
    st.tcps_sig_err_nosigopt++
    return false
  }
  if (!tcpMd5Input(v, tv.to, src, dst, m.data, m.off + hlen, m.len - hlen)) {
    st.tcps_sig_rcvbadsig++
    return false
  }
  st.tcps_sig_rcvgoodsig++
  return true
}

/** A SYN that ended a TIME_WAIT goes to whoever now owns its address: a listener, or nobody. */
export function tcpRedispatch(v: Vnet, tv: TcpVnet, seg: TcpSeg): void {
  const inp = seg.v6
    ? in6PcbLookup(tv.pcbs, seg.src6, 0, seg.sport, seg.dst6, 0, seg.dport)
    : tv.pcbs.lookup(seg.src, seg.sport, seg.dst, seg.dport)
  const tp = inp === null ? null : intotcpcb(inp)
  if (tp !== null && tp.state === TCPS.LISTEN) listenInput(v, tv, tp, seg, tv.to)
  else if (tv.blackhole === 0) dropWithReset(v, tv, seg)
}

/**
 * tcp_dropwithreset: answer a segment with an RST (RFC 9293 §3.10.7.1): at its ACK number if it
 * had one, else at 0 acknowledging everything it occupied. Never for an RST.
 */
export function dropWithReset(v: Vnet, tv: TcpVnet, seg: TcpSeg, tp: Tcpcb | TcpTw | null = null): void {
  if ((seg.flags & TH.RST) !== 0) return
  // With a connection, its IP_TTL / IP_TOS apply to the RST too.
  const s6 = seg.v6 ? seg.dst6 : null
  const d6 = seg.v6 ? seg.src6 : null
  if ((seg.flags & TH.ACK) !== 0)
    tcpRespond(
      v,
      tv,
      tp,
      seg.dst,
      seg.src,
      seg.dport,
      seg.sport,
      seg.ack,
      0,
      TH.RST,
      0,
      seg.port,
      s6,
      d6,
      seg.zone,
    )
  else {
    let n = seg.len
    if ((seg.flags & TH.SYN) !== 0) n++
    if ((seg.flags & TH.FIN) !== 0) n++
    const ack = seqAdd(seg.seq, n)
    tcpRespond(
      v,
      tv,
      tp,
      seg.dst,
      seg.src,
      seg.dport,
      seg.sport,
      0,
      ack,
      TH.RST | TH.ACK,
      0,
      seg.port,
      s6,
      d6,
      seg.zone,
    )
  }
}

/**
 * A segment for a listening socket (tcp_input's LISTEN branch): the ACK of a handshake becomes a
 * connection through the syncache (an RST when it completes none), an RST goes to the syncache's
 * check, a SYN to syncache_add; a SYN|ACK and anything else without SYN is dropped (tcps_badsyn).
 */
function listenInput(v: Vnet, tv: TcpVnet, lp: Tcpcb, seg: TcpSeg, to: TcpOptions): void {
  const st = tv.stats
  const f = seg.flags
  if ((f & (TH.RST | TH.ACK | TH.SYN)) === TH.ACK) {
    const r = syncacheExpand(v, tv, lp, seg, to)
    if (typeof r !== 'number') tcpDoSegment(r, seg, to)
    else if (r === EXPAND.RESET || (r === EXPAND.NOSOCKET && tv.scRstOnSockFail !== 0))
      dropWithReset(v, tv, seg, lp)
    return
  }
  if ((f & TH.RST) !== 0) {
    syncacheChkrst(v, tv, seg)
    return
  }
  if ((f & TH.SYN) === 0) {
    st.tcps_badsyn++
    return
  }
  if ((f & TH.ACK) !== 0) {
    // A SYN|ACK makes no sense here: it ends any handshake of that 4-tuple and is dropped
    // without an answer (FreeBSD's suite checks that no RST goes out).
    syncacheBadack(tv, seg)
    st.tcps_badsyn++
    return
  }
  // A SYN from ourselves to ourselves (a "land" attack) is dropped.
  if (seg.src === seg.dst && seg.sport === seg.dport && (!seg.v6 || in6Eq(seg.src6, 0, seg.dst6, 0))) return
  syncacheAdd(v, tv, lp, seg, to)
}

/**
 * Settle what the SYN in tv.to negotiated (RFC 7323 window scale and timestamps, RFC 2018
 * SACK-permitted, the MSS): an option counts only when both ends asked for it.
 */
export function tcpSynOptions(tp: Tcpcb, tv: TcpVnet, now: number): void {
  const to = tv.to
  if ((tp.flags & TF.REQ_SCALE) !== 0 && (to.flags & TOF.SCALE) !== 0) {
    tp.flags |= TF.RCVD_SCALE
    tp.snd_scale = to.wscale
    if (tp.request_r_scale === 0) tp.request_r_scale = wscaleFor(tp.so)
  } else tp.flags &= ~TF.REQ_SCALE
  if ((tp.flags & TF.REQ_SCALE) !== 0 && (tp.flags & TF.RCVD_SCALE) !== 0) tp.rcv_scale = tp.request_r_scale
  if ((tp.flags & TF.REQ_TSTMP) !== 0 && (to.flags & TOF.TS) !== 0) {
    tp.flags |= TF.RCVD_TSTMP
    tp.ts_recent = to.tsval
    tp.ts_recent_age = now
  } else tp.flags &= ~TF.REQ_TSTMP
  if ((to.flags & TOF.SACKPERM) === 0) tp.flags &= ~TF.SACK_PERMIT
  tcpMss(tp, (to.flags & TOF.MSS) !== 0 ? to.mss : 0)
}

/** The window scale we ask for: the smallest that lets kern.ipc.maxsockbuf be offered. */
export function wscaleFor(so: StreamSocket): number {
  const max = so.ipc.maxsockbuf
  let s = 0
  // Doubling, not 2 ** s: this runs per connection, and Math.pow is not free.
  for (let w = 65535; s < 14 && w < max; w *= 2) s++
  return s
}

/**
 * TCP's common routines (FreeBSD's tcp_subr.c): a new tcpcb with the vnet's defaults, state
 * changes counted per state, the MSS from the route's MTU (tcp_mssopt, tcp_mss with the socket
 * buffers rounded to whole segments), tcp_respond for segments without a connection (RST, challenge
 * ACK, keepalive probe), tcp_drop / tcp_close, and ICMP errors for connections (tcp_ctlinput).
 *
 * Data path: nothing here throws; a segment that cannot be sent is counted by IP and forgotten.
 */

import { type StreamSocket, soisdisconnected, soqremove } from '../../../kern/socket_stream.js'
import { type ErrnoName, SysError } from '../../../util/errno.js'
import { IcmpType, UnreachCode } from '../../../wire/inet/icmp.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import { seqGeq, seqLt } from '../../../wire/inet/seq.js'
import { TCP_HDR_LEN, TCP_MAXOLEN, TH, TOF, tcpFinish, writeTcpHeader } from '../../../wire/inet/tcp.js'
import type { Vnet } from '../../net/vnet.js'
import { inpIsV6 } from '../../netinet6/in6_pcb.js'
import { ip6 } from '../../netinet6/ip6/ip6.js'
import { ip6Output } from '../../netinet6/ip6/ip6_output.js'
import { tcpMd5Output } from '../../netipsec/xform_tcp.js'
import { INADDR_ANY, type Inpcb } from '../in_pcb.js'
import { ip } from '../ip/ip.js'
import { ipOutput, sourceFor } from '../ip/ip_output.js'
import { ecnOutputFlags } from './ecn/tcp_ecn.js'
import { tcpPathMtu, tcpPmtuInput } from './pmtu/tcp_pmtu.js'
import { syncacheUnreach } from './syncache/tcp_syncache.js'
import { IP6TCP_HDR, in6Hlim, tcp6Send, tcpMssopt6, tcpPathMtu6 } from './tcp_ip6.js'
import {
  haveEstablished,
  intotcpcb,
  TCP_MAX_WINSHIFT,
  TCP_MAXWIN,
  TCPS,
  Tcpcb,
  TcpTw,
  type TcpVnet,
  TF,
  tcpIfAny,
} from './tcp_var.js'
import { tcpTimerStopAll } from './timer/tcp_timer.js'
import { tcpUdpEncap, tcpUdpEncap6 } from './udp_tun/tcp_udp_tun.js'

const IPTCP_HDR = 40

/** Our timestamp clock (tcp_ts_getticks): milliseconds of host time. */
export function tcpTsTicks(tv: TcpVnet, nowNs: number): number {
  void tv
  return Math.floor(nowNs / 1e6) >>> 0
}

/** Move tp to state s, keeping net.inet.tcp.states right. */
export function tcpStateChange(tp: Tcpcb, s: number): void {
  tp.tv.states[tp.state]!--
  tp.tv.states[s]!++
  tp.state = s
}

/** tcp_newtcpcb: a connection in CLOSED with the vnet's option defaults. */
export function tcpNewTcpcb(inp: Inpcb, so: StreamSocket, tv: TcpVnet): Tcpcb {
  const tp = new Tcpcb(inp, so, tv)
  tv.states[TCPS.CLOSED]!++
  tp.maxseg = tv.mssdflt
  if (tv.rfc1323 !== 0) tp.flags |= TF.REQ_SCALE | TF.REQ_TSTMP
  if (tv.sackEnable !== 0) tp.flags |= TF.SACK_PERMIT
  tp.snd_cwnd = TCP_MAXWIN << TCP_MAX_WINSHIFT
  tp.snd_ssthresh = TCP_MAXWIN << TCP_MAX_WINSHIFT
  tp.rcvtime = inp.vnet.env.clock.runNow()
  inp.ppcb = tp
  return tp
}

/** The MTU toward dst (route MTU, else the interface's), or 0 without a route. */
function pathMtu(v: Vnet, dst: number): number {
  const rt = v.routes.lookup(dst)
  if (rt === null) return 0
  return rt.mtu !== 0 && rt.mtu < rt.ifp.mtu ? rt.mtu : rt.ifp.mtu
}

/** tcp_mssopt: the MSS we offer in a SYN: the path MTU less the headers, else mssdflt. */
export function tcpMssopt(tp: Tcpcb): number {
  const inp = tp.inp
  if (inp.faddr6 !== null && inpIsV6(inp)) return tcpMssopt6(inp.vnet, tp.tv, inp.faddr6, inp.zone)
  return tcpMssoptTo(inp.vnet, tp.tv, inp.faddr)
}

/** tcp_mssopt for a peer without a tcpcb (the syncache's SYN-ACK). */
export function tcpMssoptTo(v: Vnet, tv: TcpVnet, faddr: number): number {
  const mtu = pathMtu(v, faddr)
  // Offered as the path allows, even below net.inet.tcp.minmss (that bounds what we send).
  const mss = mtu === 0 ? tv.mssdflt : mtu - IPTCP_HDR
  return Math.max(Math.min(mss, 65535), 0)
}

/**
 * tcp_mss: settle t_maxseg from the peer's offer (0: none, so mssdflt) and our path MTU, then round
 * the socket buffers up to whole segments (bounded by kern.ipc.maxsockbuf), as FreeBSD does.
 */
export function tcpMss(tp: Tcpcb, offer: number): void {
  const tv = tp.tv
  const inp = tp.inp
  const v6 = inp.faddr6 !== null && inpIsV6(inp)
  // A path MTU learned earlier (the host cache) lowers what the route says.
  const mtu = tcpPathMtu(
    tp,
    v6 ? tcpPathMtu6(inp.vnet, inp.faddr6!, inp.zone) : pathMtu(tp.inp.vnet, tp.inp.faddr),
  )
  const dflt = v6 ? tv.v6mssdflt : tv.mssdflt
  // tcp_mss_update: a tunnelled connection also carries the UDP header (udp_tunneling_overhead).
  const protoh = (v6 ? IP6TCP_HDR : IPTCP_HDR) + (tp.t_port !== 0 ? tv.udpTunnelingOverhead : 0)
  const maxmss = mtu === 0 ? dflt : mtu - protoh
  let mss = offer === 0 ? dflt : offer
  tp.peer_mss = offer
  if (mss > maxmss) mss = maxmss
  if (mss < tv.minmss) mss = tv.minmss
  if (tp.userMss !== 0 && tp.userMss < mss) mss = tp.userMss
  const so = tp.so
  const max = so.ipc.maxsockbuf
  let buf = so.sbsnd.hiwat
  if (buf < mss) mss = buf
  else {
    buf = Math.min(Math.ceil(buf / mss) * mss, max)
    if (buf > so.sbsnd.hiwat) so.setBufSize(false, buf)
  }
  tp.maxseg = mss
  buf = so.sbrcv.hiwat
  if (buf > mss) {
    buf = Math.min(Math.ceil(buf / mss) * mss, max)
    if (buf > so.sbrcv.hiwat) so.setBufSize(true, buf)
  }
}

/** Option bytes of a connection not yet established: what its SYN carries (PADTCPOLEN each). */
function synOptlen(tp: Tcpcb): number {
  let n = (tp.flags & TF.REQ_TSTMP) !== 0 ? 12 : 4
  if ((tp.flags & TF.REQ_SCALE) !== 0) n += 4
  if ((tp.flags & TF.SIGNATURE) !== 0) n += 20
  if ((tp.flags & TF.SACK_PERMIT) !== 0) n += 4
  return n
}

/** Timestamps with their two NOPs, and the signature padded to 20 (PADTCPOLEN). */
function fixedOptlen(tp: Tcpcb): number {
  return ((tp.flags & TF.RCVD_TSTMP) !== 0 ? 12 : 0) + ((tp.flags & TF.SIGNATURE) !== 0 ? 20 : 0)
}

/**
 * tcp_fixed_maxseg: t_maxseg less the options every segment carries (timestamps, TCP-MD5), SACK
 * blocks not counted — the unit congestion control counts its window in, so that cwnd is a whole
 * number of full segments.
 */
export function tcpFixedMaxseg(tp: Tcpcb): number {
  if ((tp.flags & TF.NOOPT) !== 0) return tp.maxseg
  return tp.maxseg - Math.min(haveEstablished(tp.state) ? fixedOptlen(tp) : synOptlen(tp), TCP_MAXOLEN)
}

/**
 * tcp_maxseg: RFC 5681's SMSS at this moment — tcp_fixed_maxseg less the SACK blocks we are
 * sending too. tcp_input's window arithmetic during loss recovery counts in it.
 */
export function tcpMaxseg(tp: Tcpcb): number {
  if ((tp.flags & TF.NOOPT) !== 0) return tp.maxseg
  if (!haveEstablished(tp.state)) return tp.maxseg - Math.min(synOptlen(tp), TCP_MAXOLEN)
  let n = fixedOptlen(tp)
  const sb = tp.sackblks
  if ((tp.flags & TF.SACK_PERMIT) !== 0 && sb !== null && sb.count > 0) n = (n + 2 + 8 * sb.count + 3) & ~3
  return tp.maxseg - Math.min(n, TCP_MAXOLEN)
}

/**
 * tcp_respond: send a bare segment — an RST, an ACK — from src:sport to dst:dport, optionally with a
 * timestamp option for tp (challenge ACKs and keepalives carry one when the connection uses them).
 */
export function tcpRespond(
  v: Vnet,
  tv: TcpVnet,
  tpOrTw: Tcpcb | TcpTw | null,
  src: number,
  dst: number,
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  win: number,
  port = 0,
  src6: Uint8Array | null = null,
  dst6: Uint8Array | null = null,
  zone = 0,
): void {
  const to = tv.oto
  to.clear()
  // A compact TIME_WAIT answers only with RSTs here: its connection's addresses, TTL, TOS, FIB and
  // signature apply; ECN and timestamps are for ACKs, which it sends itself (tcp_timewait.ts).
  const tp = tpOrTw instanceof TcpTw ? null : tpOrTw
  if (tpOrTw !== null && (tpOrTw.flags & TF.SIGNATURE) !== 0) to.flags |= TOF.SIGNATURE
  // An ACK of ours keeps echoing ECE while a CE mark is unanswered.
  if (tp !== null && (flags & TH.RST) === 0) flags = ecnOutputFlags(tp, flags, false)
  if (tp !== null && (tp.flags & TF.RCVD_TSTMP) !== 0 && (flags & TH.RST) === 0) {
    to.flags |= TOF.TS
    to.tsval = (tcpTsTicks(tv, v.env.clock.runNow()) + tp.ts_offset) >>> 0
    to.tsecr = tp.ts_recent
  }
  const m = v.env.pool.get(TCP_HDR_LEN + 40)
  if (tpOrTw !== null) m.fib = tp !== null ? tp.inp.so.fibnum : (tpOrTw as TcpTw).fib
  const hl = writeTcpHeader(
    m.data,
    m.off,
    sport,
    dport,
    seq >>> 0,
    ack >>> 0,
    flags,
    win,
    0,
    to.flags === 0 ? null : to,
  )
  m.len = hl
  if (dst6 !== null) {
    // tcp_respond's INET6 half: signed from the segment's destination (a reply to a socket's own
    // segment has it); an answer to a tunnelled segment goes back through the tunnel (the source
    // is then the segment's destination, never unspecified).
    if (!tcpMd5Output(v, to, src6, dst6, m.data, m.off, hl)) {
      tv.stats.tcps_sig_err_buildsig++
      v.env.pool.put(m)
      return
    }
    if (port !== 0 && (src6 === null || !tcpUdpEncap6(v, m, src6, dst6, port))) {
      v.env.pool.put(m)
      return
    }
    tv.stats.tcps_sndtotal++
    if ((flags & TH.RST) !== 0) tv.stats.tcps_sndctrl++
    else tv.stats.tcps_sndacks++
    const inp = tpOrTw?.inp
    const hlim = inp !== undefined && inp.laddr6 !== null ? in6Hlim(inp) : ip6(v).defHlim
    const tclass = inp !== undefined && inp.tclass >= 0 ? inp.tclass : 0
    if (port === 0) tcp6Send(v, tv, m, src6, dst6, zone, hlim, tclass)
    else ip6Output(v, m, dst6, 0, IpProto.UDP, { hlim, src: src6, zone, csumOff: -1, tclass })
    return
  }
  if (src === INADDR_ANY) {
    const rt = v.rt(m.fib).lookup(dst)
    src = rt === null ? INADDR_ANY : sourceFor(rt)
  }
  if (!tcpMd5Output(v, to, src, dst, m.data, m.off, hl)) {
    tv.stats.tcps_sig_err_buildsig++
    v.env.pool.put(m)
    return
  }
  // An answer to a tunnelled segment goes back through the tunnel (tcp_respond's port).
  if (port === 0) tcpFinish(m.data, m.off, hl, src, dst)
  else if (!tcpUdpEncap(v, m, src, dst, port)) {
    v.env.pool.put(m)
    return
  }
  tv.stats.tcps_sndtotal++
  if ((flags & TH.RST) !== 0) tv.stats.tcps_sndctrl++
  else tv.stats.tcps_sndacks++
  ipOutput(v, m, dst, port === 0 ? IpProto.TCP : IpProto.UDP, {
    ttl: tpOrTw !== null && tpOrTw.inp.ttl >= 0 ? tpOrTw.inp.ttl : ip(v).defaultTtl,
    tos: tpOrTw?.inp.tos ?? 0,
    df: tv.pathMtuDiscovery !== 0,
    src,
    dontRoute: false,
  })
}

/**
 * tcp_close: the connection is over. Its timers stop, its port is free again, its socket sees the
 * disconnect (and leaves a listener's queue it was on).
 */
export function tcpClose(tp: Tcpcb): void {
  const tv = tp.tv
  tcpTimerStopAll(tp)
  // SACK holes count against the vnet's budget: give them back.
  tp.sack?.clear()
  tp.reass?.clear()
  if (tp.state !== TCPS.CLOSED) tcpStateChange(tp, TCPS.CLOSED)
  tv.states[TCPS.CLOSED]!--
  tv.stats.tcps_closed++
  tv.lastFreed = tp
  const inp = tp.inp
  tv.pcbs.detach(inp)
  inp.ppcb = null
  const so = tp.so
  if (so.head !== null) soqremove(so)
  soisdisconnected(so)
  so.pcb = null
}

/**
 * tcp_drop: abort the connection with errno `err`, sending an RST if the peer knows of it. A soft
 * error (from ICMP) replaces ETIMEDOUT, as FreeBSD reports the likelier cause.
 */
export function tcpDrop(tp: Tcpcb, err: ErrnoName): void {
  const tv = tp.tv
  if (tp.state >= TCPS.SYN_RECEIVED) {
    tcpStateChange(tp, TCPS.CLOSED)
    tv.stats.tcps_drops++
    tcpRespondRst(tp)
  } else tv.stats.tcps_conndrops++
  const e = err === 'ETIMEDOUT' && tp.softerror !== null ? (tp.softerror as ErrnoName) : err
  tp.so.error = new SysError(e, 'connect')
  tcpClose(tp)
}

/** The RST tcp_output sends for a dropped connection (state CLOSED: RST|ACK at snd_nxt). */
function tcpRespondRst(tp: Tcpcb): void {
  tcpRespondConn(tp, tp.snd_nxt, tp.rcv_nxt, TH.RST | TH.ACK, 0)
}

/** tcp_respond on tp's own connection (an RST, a challenge ACK, a keepalive), in its family. */
export function tcpRespondConn(tp: Tcpcb, seq: number, ack: number, flags: number, win: number): void {
  const inp = tp.inp
  const v6 = inpIsV6(inp)
  tcpRespond(
    inp.vnet,
    tp.tv,
    tp,
    inp.laddr,
    inp.faddr,
    inp.lport,
    inp.fport,
    seq,
    ack,
    flags,
    win,
    // Without a segment to answer, tcp_respond uses the connection's own tunnel.
    tp.t_port,
    v6 ? inp.laddr6 : null,
    v6 ? inp.faddr6 : null,
    inp.zone,
  )
}

/**
 * tcp_ctlinput_with_port: an ICMP error quoting a segment we sent (src:sport → dst:dport with
 * sequence number `seq`; `quotedLen` is the quoted datagram's total length), plain (port 0) or, from
 * tcp_ctlinput_viaudp, inside UDP to the peer's port `port`. Port or protocol unreachable (or
 * administratively prohibited) aborts a connect in progress (net.inet.tcp.icmp_may_rst);
 * fragmentation needed lowers the MSS (path MTU discovery, tcp_pmtu.ts); anything else is a soft
 * error that a later timeout reports.
 */
export function tcpCtlinput(
  v: Vnet,
  type: number,
  code: number,
  err: ErrnoName,
  src: number,
  sport: number,
  dst: number,
  dport: number,
  seq: number,
  nextMtu: number,
  quotedLen: number,
  port = 0,
): void {
  const tv = tcpIfAny(v)
  if (tv === undefined) return
  const inp = tv.pcbs.lookup(dst, dport, src, sport)
  if (inp === null || inp.faddr !== dst || inp.fport !== dport) {
    // No connection: perhaps a SYN-ACK of the syncache's (syncache_unreach).
    if (type === IcmpType.UNREACH || type === IcmpType.TIME_EXCEEDED)
      syncacheUnreach(tv, src, sport, dst, dport, seq, port)
    return
  }
  const hard =
    (type === IcmpType.UNREACH &&
      (code === UnreachCode.PORT ||
        code === UnreachCode.PROTOCOL ||
        code === UnreachCode.NET_PROHIB ||
        code === UnreachCode.HOST_PROHIB ||
        code === UnreachCode.FILTER_PROHIB)) ||
    type === IcmpType.TIME_EXCEEDED
  const needfrag = type === IcmpType.UNREACH && code === UnreachCode.NEEDFRAG
  tcpCtlNotify(inp, hard, needfrag ? 'EMSGSIZE' : err, seq, nextMtu, quotedLen, pathMtu(v, dst), port)
}

/**
 * What tcp_ctlinput and tcp6_ctlinput share: an error about the segment at `seq` of inp's
 * connection. EMSGSIZE is path MTU news (`mtu` the proposed one, 0 for none); a `hard` error aborts
 * a connect in progress under net.inet.tcp.icmp_may_rst; anything else is remembered as soft.
 */
export function tcpCtlNotify(
  inp: Inpcb,
  hard: boolean,
  err: ErrnoName,
  seq: number,
  mtu: number,
  quotedLen: number,
  routeMtu: number,
  port = 0,
): void {
  const tp = intotcpcb(inp)
  // The error must be about the way the connection sends: a plain segment (port 0) or one inside
  // UDP to its peer's port (t_port), as tcp_ctlinput_with_port checks.
  if (tp === null || tp.t_port !== port) return
  // Only errors about data in flight are believed (RFC 5927 §4.1).
  if (!(seqGeq(seq, tp.snd_una) && seqLt(seq, tp.snd_max)) && !(tp.state === TCPS.SYN_SENT && seq === tp.iss))
    return
  if (err === 'EMSGSIZE') {
    tcpPmtuInput(tp, mtu, quotedLen, routeMtu)
    return
  }
  if (hard && tp.tv.icmpMayRst !== 0 && tp.state === TCPS.SYN_SENT) {
    tcpDrop(tp, err)
    return
  }
  // tcp_notify: an established connection ignores transient unreachables; others remember them.
  if (
    tp.state === TCPS.ESTABLISHED &&
    (err === 'EHOSTUNREACH' || err === 'ENETUNREACH' || err === 'EHOSTDOWN')
  )
    return
  tp.softerror = err
}

/**
 * TIME_WAIT (FreeBSD's tcp_timewait.c: tcp_twstart, tcp_twcheck, tcp_twrespond, tcp_twclose): a
 * connection that has closed holds its sequence space for 2*MSL and answers what the peer still
 * sends. Once its socket is closed too, the connection shrinks to a TcpTw (FreeBSD 13's compressed
 * TIME_WAIT): the socket, tcpcb, buffers, congestion state and callout go, and the small record
 * stays in the inpcb, on one per-vnet queue in expiry order served by one callout (V_twq_2msl),
 * bounded by net.inet.tcp.maxtcptw (the oldest is recycled to make room, as tcp_tw_2msl_scan(1)).
 * What it sends is what tcp_output would have sent from the whole tcpcb: the same window, timestamp,
 * signature, ECN bits, tunnel and addresses.
 *
 * Never throws; the caller owns the segment's buffer.
 */

import type { Socket } from '../../../kern/socket.js'
import { StreamSocket, soisdisconnected } from '../../../kern/socket_stream.js'
import { MS, Timer } from '../../../util/clock.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import { seqAdd, seqGt } from '../../../wire/inet/seq.js'
import { TCP_HDR_LEN, type TcpOptions, TH, TOF, writeTcpHeader } from '../../../wire/inet/tcp.js'
import type { Vnet } from '../../net/vnet.js'
import { in6Localaddr } from '../../netinet6/in6.js'
import { inpIsV6 } from '../../netinet6/in6_pcb.js'
import { tcpMd5Output } from '../../netipsec/xform_tcp.js'
import type { Inpcb } from '../in_pcb.js'
import { ip } from '../ip/ip.js'
import { ipOutput } from '../ip/ip_output.js'
import { IPTOS_ECN } from './ecn/tcp_ecn.js'
import { dropWithReset, tcpRedispatch } from './tcp_input.js'
import { in6Hlim, tcp6Send } from './tcp_ip6.js'
import { tcpOutput, tcpRecwin, tcpUdpSend, tcpWinField } from './tcp_output.js'
import { tcpClose, tcpStateChange, tcpTsTicks } from './tcp_subr.js'
import { tcpUsrreqs } from './tcp_usrreq.js'
import { TCPS, type Tcpcb, type TcpSeg, TcpTw, type TcpVnet, TF, TF2, TT } from './tcp_var.js'
import { tcpTimerActivate, tcpTimerStopAll } from './timer/tcp_timer.js'

/**
 * tcp_twstart: TIME_WAIT for 2*MSL; the socket is done, and when its user has closed it, so is the
 * tcpcb. With net.inet.tcp.nolocaltimewait (on by default, as in FreeBSD 14) a connection to a
 * local peer skips TIME_WAIT and closes at once: over IPv4 a peer at one of the vnet's own
 * addresses (in_localip), over IPv6 one on a local network (in6_localaddr: loopback, link-local,
 * or inside the prefix of one of the vnet's addresses).
 */
export function twStart(tp: Tcpcb): void {
  tcpStateChange(tp, TCPS.TIME_WAIT)
  tcpTimerActivate(tp, TT.REXMT, 0)
  tcpTimerActivate(tp, TT.PERSIST, 0)
  tcpTimerActivate(tp, TT.KEEP, 0)
  tcpTimerActivate(tp, TT.DELACK, 0)
  soisdisconnected(tp.so)
  // An ACK owed (for the FIN that brought us here) still goes out.
  if ((tp.flags & TF.ACKNOW) !== 0) tcpOutput(tp)
  if (tp.tv.nolocaltimewait !== 0 && peerIsLocal(tp.inp)) {
    tcpClose(tp)
    return
  }
  const msl2 = 2 * tp.tv.msl * MS
  if ((tp.flags & TF.NOFDREF) !== 0) twCompact(tp, tp.inp.vnet.env.clock.runNow() + msl2)
  else tcpTimerActivate(tp, TT.TWOMSL, msl2)
}

function peerIsLocal(inp: Inpcb): boolean {
  return inpIsV6(inp) ? in6Localaddr(inp.vnet, inp.faddr6!) : inp.vnet.isLocal(inp.faddr)
}

/**
 * The user closed a socket whose connection is already in TIME_WAIT (after shutdown): the tcpcb
 * shrinks to a TcpTw for what is left of 2*MSL.
 */
export function twDetach(tp: Tcpcb): void {
  const left = tp.timers[TT.TWOMSL]!
  twCompact(tp, left !== 0 ? left : tp.inp.vnet.env.clock.runNow() + 2 * tp.tv.msl * MS)
}

/** Replace tp (in TIME_WAIT, its socket closed) by a TcpTw expiring at `expire` (host ns). */
function twCompact(tp: Tcpcb, expire: number): void {
  const tv = tp.tv
  const inp = tp.inp
  const so = tp.so
  // tcp_tw_zone full: the oldest entry makes room (tcp_tw_2msl_scan(1)).
  if (tv.twCount >= maxtcptw(tv) && tv.twHead !== null) twClose(tv.twHead)
  const tw = new TcpTw(inp, tv)
  tw.sndNxt = tp.snd_nxt | 0
  tw.sndMax = tp.snd_max | 0
  tw.rcvNxt = tp.rcv_nxt | 0
  tw.tsRecent = tp.ts_recent | 0
  tw.tsOffset = tp.ts_offset | 0
  tw.flags = tp.flags & (TF.RCVD_TSTMP | TF.SIGNATURE)
  // The receive buffer no longer changes, so tcp_output would offer this window from now on.
  tw.win = tcpWinField(tcpRecwin(tp), tp.rcv_scale)
  const v6 = inpIsV6(inp)
  let tos = v6 ? Math.max(inp.tclass, 0) : inp.tos
  if ((tp.flags2 & TF2.ECN_PERMIT) !== 0) {
    if ((tp.flags2 & TF2.ECN_SND_ECE) !== 0) tw.thEcn = TH.ECE
    tos = (tos & ~IPTOS_ECN.MASK) | IPTOS_ECN.NOTECT
  }
  tw.tos = tos
  tw.t_port = tp.t_port
  tw.twSoOptions = so.options
  tw.fib = so.fibnum
  tw.expire = expire
  // tcp_discardcb: timers, SACK holes (the vnet's budget) and held segments go back.
  tcpTimerStopAll(tp)
  tp.sack?.clear()
  tp.reass?.clear()
  inp.ppcb = tw
  inp.so = twSocket(tv, inp.vnet)
  so.pcb = null
  tv.twCount++
  tv.lastFreed = tp
  twEnqueue(tv, tw)
}

/** net.inet.tcp.maxtcptw as read (tcptw_auto_size when unset). */
export function maxtcptw(tv: TcpVnet): number {
  if (tv.maxtcptw !== 0) return tv.maxtcptw
  const { first, last } = tv.pcbs.range
  const half = Math.floor(Math.abs(last - first) / 2)
  return Math.min(Math.max(half, 32), Math.floor(tv.pcbs.max / 5))
}

/** sysctl_maxtcptw: values below 32 are ignored, as FreeBSD does. */
export function setMaxtcptw(tv: TcpVnet, n: number): void {
  if (n >= 32) tv.maxtcptw = n
}

/**
 * The vnet's stand-in for a TIME_WAIT endpoint's socket (FreeBSD's NULL inp_socket): closed,
 * owned by nobody, never woken.
 */
function twSocket(tv: TcpVnet, v: Vnet): Socket {
  let so = tv.twSo
  if (so === null) {
    // A stream socket like every other a TCP inpcb holds, so the field keeps one kind of object.
    so = new StreamSocket(IpProto.TCP, tcpUsrreqs, tv.clock, v.env.pool, 0, 0)
    so.closed = true
    tv.twSo = so
  }
  return so
}

/** Into the queue by expiry: at the tail, unless a restarted or shortened 2*MSL sorts earlier. */
function twEnqueue(tv: TcpVnet, tw: TcpTw): void {
  let after = tv.twTail
  while (after !== null && after.expire > tw.expire) after = after.prev
  tw.prev = after
  tw.next = after === null ? tv.twHead : after.next
  if (tw.next !== null) tw.next.prev = tw
  else tv.twTail = tw
  if (after !== null) after.next = tw
  else tv.twHead = tw
  if (tv.twHead === tw) twArm(tv)
}

function twDequeue(tv: TcpVnet, tw: TcpTw): void {
  const { prev, next } = tw
  if (prev !== null) prev.next = next
  else tv.twHead = next
  if (next !== null) next.prev = prev
  else tv.twTail = prev
  tw.prev = null
  tw.next = null
}

/** The callout is only moved earlier; firing with nothing due re-arms it for the head. */
function twArm(tv: TcpVnet): void {
  const head = tv.twHead
  if (head === null) return
  let t = tv.twTimer
  if (t === null) {
    t = new TwCallout(tv)
    tv.twTimer = t
  }
  if (!t.armed || t.deadline > head.expire) t.armAt(head.expire)
}

/** The queue's one callout (tcp_tw_2msl_scan), its vnet in a field rather than a closure. */
class TwCallout extends Timer {
  readonly tv: TcpVnet
  constructor(tv: TcpVnet) {
    super(tv.clock, noop)
    this.tv = tv
  }
  override run(): void {
    const tv = this.tv
    const now = tv.clock.now()
    for (let tw = tv.twHead; tw !== null && tw.expire <= now; tw = tv.twHead) twClose(tw)
    twArm(tv)
  }
}

function noop(): void {}

/** tcp_twclose: TIME_WAIT is over; the 4-tuple is free again. */
export function twClose(tw: TcpTw): void {
  const tv = tw.tv
  twDequeue(tv, tw)
  tv.twCount--
  tv.states[TCPS.TIME_WAIT]!--
  tv.stats.tcps_closed++
  const inp = tw.inp
  tv.pcbs.detach(inp)
  inp.ppcb = null
}

/** Every TIME_WAIT entry goes, its callout too (the vnet is being destroyed). */
export function twDestroy(tv: TcpVnet): void {
  tv.twTimer?.cancel()
  while (tv.twHead !== null) twClose(tv.twHead)
}

/**
 * tcp_twcheck for a tcpcb still in TIME_WAIT (its user has not closed the socket), in FreeBSD's
 * order: RSTs are ignored (RFC 1337); a new SYN beyond the old sequence space ends TIME_WAIT so the
 * port can be reused, whatever tunnel it came through; only then is a segment from the wrong
 * tunnel (t_port) refused with an RST; a segment without ACK, or without the negotiated timestamp
 * (unless net.inet.tcp.tolerate_missing_ts), is dropped; a retransmitted FIN restarts 2*MSL; and
 * anything but a plain duplicate ACK is acknowledged. No PAWS and no ts_recent update: TIME_WAIT
 * accepts no new segment, so the answer echoes the last timestamp taken before it (FreeBSD's
 * "ts_recent is never updated" in tcp_twcheck).
 */
export function twCheck(tp: Tcpcb, seg: TcpSeg, to: TcpOptions): void {
  const f = seg.flags
  const tv = tp.tv
  if ((f & TH.RST) !== 0) return
  if ((f & (TH.SYN | TH.ACK)) === TH.SYN && seqGt(seg.seq, tp.rcv_nxt)) {
    // A new incarnation: TIME_WAIT ends and a listener, if any, takes the SYN.
    tv.stats.tcps_tw_recycles++
    tcpClose(tp)
    tcpRedispatch(tp.inp.vnet, tv, seg)
    return
  }
  if (tp.t_port !== seg.port) {
    tv.stats.tcps_tw_resets++
    dropWithReset(tp.inp.vnet, tv, seg, tp)
    return
  }
  if ((f & TH.ACK) === 0) return
  if (missingTs(tv, tp.flags, tp.ts_recent, to)) return
  if ((f & TH.FIN) !== 0 && seqAdd(seg.seq, seg.len + 1) === tp.rcv_nxt) {
    tcpTimerActivate(tp, TT.TWOMSL, 2 * tv.msl * MS)
  }
  if (f !== TH.ACK || seg.len !== 0 || seg.seq !== tp.rcv_nxt || seg.ack !== tp.snd_nxt) {
    tv.stats.tcps_tw_responds++
    tp.flags |= TF.ACKNOW
    tcpOutput(tp)
  }
}

/** RFC 7323 §3.2: timestamps were negotiated and this segment has none. */
function missingTs(tv: TcpVnet, flags: number, tsRecent: number, to: TcpOptions): boolean {
  return (
    (to.flags & TOF.TS) === 0 && (flags & TF.RCVD_TSTMP) !== 0 && tsRecent !== 0 && tv.tolerateMissingTs === 0
  )
}

/** tcp_twcheck for a compact TIME_WAIT: the same checks and answers as twCheck from the tcpcb. */
export function twCheckCompact(tw: TcpTw, seg: TcpSeg, to: TcpOptions): void {
  const tv = tw.tv
  const f = seg.flags
  const rcvNxt = tw.rcvNxt >>> 0
  if ((f & TH.RST) !== 0) return
  if ((f & (TH.SYN | TH.ACK)) === TH.SYN && seqGt(seg.seq, rcvNxt)) {
    tv.stats.tcps_tw_recycles++
    twClose(tw)
    tcpRedispatch(tw.inp.vnet, tv, seg)
    return
  }
  if (tw.t_port !== seg.port) {
    tv.stats.tcps_tw_resets++
    dropWithReset(tw.inp.vnet, tv, seg, tw)
    return
  }
  if ((f & TH.ACK) === 0) return
  if (missingTs(tv, tw.flags, tw.tsRecent, to)) return
  if ((f & TH.FIN) !== 0 && seqAdd(seg.seq, seg.len + 1) === rcvNxt) {
    // tcp_tw_2msl_reset: a fresh 2*MSL, so to the queue's tail.
    twDequeue(tv, tw)
    tw.expire = tv.clock.runNow() + 2 * tv.msl * MS
    twEnqueue(tv, tw)
  }
  if (f !== TH.ACK || seg.len !== 0 || seg.seq !== rcvNxt || seg.ack !== tw.sndNxt >>> 0) {
    tv.stats.tcps_tw_responds++
    twRespond(tw)
  }
}

/**
 * tcp_twrespond: the bare ACK tcp_output sends in TIME_WAIT (at snd_max, acknowledging rcv_nxt),
 * with the connection's timestamp, signature, ECN bits and tunnel, counted as tcp_output counts it.
 */
function twRespond(tw: TcpTw): void {
  const tv = tw.tv
  const inp = tw.inp
  const v = inp.vnet
  const st = tv.stats
  // A tunnelled connection whose tunnel port was switched off has no way out.
  if (tw.t_port !== 0 && tv.udpTunnelingPort === 0) return
  const to = tv.oto
  to.clear()
  if ((tw.flags & TF.RCVD_TSTMP) !== 0) {
    to.flags |= TOF.TS
    to.tsval = (tcpTsTicks(tv, v.env.clock.runNow()) + tw.tsOffset) >>> 0
    to.tsecr = tw.tsRecent >>> 0
  }
  if ((tw.flags & TF.SIGNATURE) !== 0) to.flags |= TOF.SIGNATURE
  const m = v.env.pool.get(TCP_HDR_LEN + 40)
  m.fib = tw.fib
  const hl = writeTcpHeader(
    m.data,
    m.off,
    inp.lport,
    inp.fport,
    tw.sndMax >>> 0,
    tw.rcvNxt >>> 0,
    TH.ACK | tw.thEcn,
    tw.win,
    0,
    to.flags === 0 ? null : to,
  )
  m.len = hl
  const v6 = inpIsV6(inp)
  if (
    v6
      ? !tcpMd5Output(v, to, inp.laddr6, inp.faddr6!, m.data, m.off, hl)
      : !tcpMd5Output(v, to, inp.laddr, inp.faddr, m.data, m.off, hl)
  ) {
    st.tcps_sig_err_buildsig++
    v.env.pool.put(m)
    return
  }
  m.csumL4 = true
  st.tcps_sndtotal++
  st.tcps_sndacks++
  if (tw.t_port !== 0) tcpUdpSend(inp, tv, tw.t_port, m, v6, tw.tos)
  else if (v6) tcp6Send(v, tv, m, inp.laddr6, inp.faddr6!, inp.zone, in6Hlim(inp), tw.tos)
  else {
    const ipo = tv.ipo
    ipo.ttl = inp.ttl >= 0 ? inp.ttl : ip(v).defaultTtl
    ipo.tos = tw.tos
    ipo.df = tv.pathMtuDiscovery !== 0
    ipo.src = inp.laddr
    ipo.dontRoute = false
    ipOutput(v, m, inp.faddr, IpProto.TCP, ipo)
  }
}

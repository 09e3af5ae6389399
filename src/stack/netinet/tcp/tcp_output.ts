/**
 * TCP output (FreeBSD's tcp_output.c): decide whether a segment is due — data the windows allow
 * (Nagle unless TCP_NODELAY, TCP_NOPUSH), a window update, an ACK owed, SYN/FIN/RST — and build it
 * with FreeBSD's options in FreeBSD's order (mss, nop, wscale, sackOK, TS; SACK blocks), then hand it
 * to IP with DF set. Keeps the sequence space, RTT timing and the retransmit/persist timers right,
 * and lets the congestion control restart its window after an idle RTO (cc_after_idle).
 *
 * Never throws; allocates one pooled mbuf per segment and nothing else.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { SS } from '../../../kern/socket.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import { seqAdd, seqDiff, seqGt, seqLt } from '../../../wire/inet/seq.js'
import { TCP_HDR_LEN, TH, TOF, writeTcpHeader } from '../../../wire/inet/tcp.js'
import { in6IsUnspecified } from '../../../wire/inet6/in6_addr.js'
import { inpIsV6 } from '../../netinet6/in6_pcb.js'
import { ip6Output } from '../../netinet6/ip6/ip6_output.js'
import { tcpMd5Output } from '../../netipsec/xform_tcp.js'
import type { Inpcb } from '../in_pcb.js'
import { ip } from '../ip/ip.js'
import { ipOutput } from '../ip/ip_output.js'
import { ccCheckIdle, inRecoveryCongOnly, inRecoveryFast } from './cc/tcp_cc_hooks.js'
import { ecnNewData, ecnOutputFlags, ecnOutputSynSent, IPTOS_ECN } from './ecn/tcp_ecn.js'
import { in6Hlim, tcp6Send } from './tcp_ip6.js'
import { tcpMssopt, tcpTsTicks } from './tcp_subr.js'
import {
  haveEstablished,
  haveRcvdSyn,
  TCP_MAXWIN,
  TCPS,
  type Tcpcb,
  type TcpVnet,
  TF,
  TF2,
  TT,
} from './tcp_var.js'
import { ticksFromNs } from './timer/tcp_rtt.js'
import { tcpSetPersist, tcpTimerActivate, tcpTimerActive } from './timer/tcp_timer.js'
import { tcpUdpEncap, tcpUdpWrap } from './udp_tun/tcp_udp_tun.js'

/** tcp_outflags[]: the flags each state sends. */
const OUTFLAGS: readonly number[] = [
  TH.RST | TH.ACK, // CLOSED
  0, // LISTEN
  TH.SYN, // SYN_SENT
  TH.SYN | TH.ACK, // SYN_RECEIVED
  TH.ACK, // ESTABLISHED
  TH.ACK, // CLOSE_WAIT
  TH.FIN | TH.ACK, // FIN_WAIT_1
  TH.FIN | TH.ACK, // CLOSING
  TH.FIN | TH.ACK, // LAST_ACK
  TH.ACK, // FIN_WAIT_2
  TH.ACK, // TIME_WAIT
]

/** Send what is due on tp, as many segments as the windows allow. */
export function tcpOutput(tp: Tcpcb): void {
  // tcp_output decides "idle" once, before its again: loop: a write to an idle connection leaves
  // whole, its short last segment too, rather than that one waiting on Nagle for the first's ACK.
  const idle = tp.snd_max === tp.snd_una
  if (idle) ccCheckIdle(tp, tp.inp.vnet.env.clock.runNow())
  for (let n = 0; n < 1024; n++) if (!outputOne(tp, idle)) return
}

/** One pass of tcp_output's `again:` loop; true when another segment may be due (sendalot). */
function outputOne(tp: Tcpcb, idle: boolean): boolean {
  const so = tp.so
  const tv = tp.tv
  const sb = so.sbsnd
  tp.flags &= ~TF.NEEDOUTPUT
  let off = seqDiff(tp.snd_nxt, tp.snd_una)
  let sendwin = Math.min(tp.snd_wnd, tp.snd_cwnd)
  let flags = OUTFLAGS[tp.state]!
  if (tp.state === TCPS.LISTEN) return false
  // A tunnelled connection whose tunnel port was switched off has no way out (EHOSTUNREACH).
  if (tp.t_port !== 0 && tv.udpTunnelingPort === 0) {
    tp.softerror = 'EHOSTUNREACH'
    return false
  }
  if ((tp.flags & TF.FORCEDATA) !== 0) {
    if (sendwin === 0) {
      // A window probe: one byte beyond the closed window (or the FIN).
      if (off < sb.cc) flags &= ~TH.FIN
      sendwin = 1
    } else {
      tcpTimerActivate(tp, TT.PERSIST, 0)
      tp.rtt.rxtshift = 0
    }
  }
  let len = Math.min(sb.cc, sendwin) - off
  // RFC 6675 loss recovery: holes the scoreboard calls lost go first, then new data, all within
  // cwnd - pipe; retransmissions do not move snd_nxt (FreeBSD's sack_rxmit).
  let sackRxmit = -1
  const sack = tp.sack
  if (sack !== null && inRecoveryFast(tp) && (flags & TH.SYN) === 0 && (tp.flags & TF.FORCEDATA) === 0) {
    const cwin = Math.max(tp.snd_cwnd - sack.pipe(tp.snd_una, tp.snd_max), 0)
    if (cwin > 0 && (sack.nextSeg(tp.maxseg) || (sack.holes.length > 0 && sack.nextSeg(tp.maxseg, true)))) {
      sackRxmit = sack.segStart
      off = seqDiff(sack.segStart, tp.snd_una)
      len = Math.min(sack.segLen, cwin)
      flags &= ~TH.FIN
    } else len = Math.min(sb.cc - off, cwin, tp.snd_wnd - off)
  }
  // A SYN in flight occupies a sequence number but no buffer byte.
  if ((flags & TH.SYN) !== 0 && seqGt(tp.snd_nxt, tp.snd_una)) {
    if (tp.state !== TCPS.SYN_RECEIVED) flags &= ~TH.SYN
    off--
    len++
  }
  if ((flags & TH.SYN) !== 0) len = 0
  let sendalot = false
  if (len < 0) {
    len = 0
    if (sendwin === 0) {
      tcpTimerActivate(tp, TT.REXMT, 0)
      tp.rtt.rxtshift = 0
      tp.snd_nxt = tp.snd_una
      if (!tcpTimerActive(tp, TT.PERSIST)) tcpSetPersist(tp)
    }
  }
  // Options: what the segment will carry decides how much data fits.
  const to = tv.oto
  to.clear()
  const nowNs = tp.inp.vnet.env.clock.runNow()
  if ((tp.flags & TF.NOOPT) === 0) {
    if ((flags & TH.SYN) !== 0) {
      to.flags |= TOF.MSS
      to.mss = tp.userMss !== 0 ? Math.min(tp.userMss, tcpMssopt(tp)) : tcpMssopt(tp)
      // The UDP header (net.inet.tcp.udp_tunneling_overhead) comes out of what we offer.
      if (tp.t_port !== 0) to.mss = Math.max(to.mss - tv.udpTunnelingOverhead, 0)
      if ((tp.flags & TF.REQ_SCALE) !== 0 && ((flags & TH.ACK) === 0 || (tp.flags & TF.RCVD_SCALE) !== 0)) {
        to.flags |= TOF.SCALE
        to.wscale = tp.request_r_scale
      }
    }
    if ((tp.flags & TF.RCVD_TSTMP) !== 0 || ((flags & TH.SYN) !== 0 && (tp.flags & TF.REQ_TSTMP) !== 0)) {
      to.flags |= TOF.TS
      to.tsval = (tcpTsTicks(tv, nowNs) + tp.ts_offset) >>> 0
      to.tsecr = tp.ts_recent
    }
    if ((flags & TH.SYN) !== 0 && (tp.flags & TF.SACK_PERMIT) !== 0) to.flags |= TOF.SACKPERM
    if ((tp.flags & TF.SIGNATURE) !== 0) to.flags |= TOF.SIGNATURE
    // RFC 2018: our SACK blocks (a D-SACK first) while data waits out of order.
    const sb = tp.sackblks
    if (
      sb !== null &&
      (flags & TH.SYN) === 0 &&
      (tp.flags & TF.SACK_PERMIT) !== 0 &&
      tp.state >= TCPS.ESTABLISHED &&
      (sb.count > 0 || sb.dsackStart !== sb.dsackEnd)
    ) {
      const n = sb.option(to.sacks, (to.flags & TOF.TS) !== 0 ? 3 : 4)
      if (n > 0) {
        to.nsacks = n
        to.flags |= TOF.SACK
        tv.stats.tcps_sack_send_blocks++
      }
    }
  }
  const optlen = optionsLength(to.flags, to.nsacks)
  if (len + optlen > tp.maxseg) {
    len = tp.maxseg - optlen
    sendalot = true
  }
  if (seqLt(seqAdd(tp.snd_una, off + len), seqAdd(tp.snd_una, sb.cc))) flags &= ~TH.FIN
  const recwin = tcpRecwin(tp)
  const advanced = seqDiff(tp.rcv_adv, tp.rcv_nxt)
  if (sackRxmit >= 0 && len > 0) {
    sendSegment(tp, flags, len, off, recwin, nowNs, sackRxmit)
    return true
  }
  if (!shouldSend(tp, idle, flags, len, optlen, off, recwin, advanced)) {
    // Data waits for the window: make sure a probe will ask for it.
    if (sb.cc > 0 && !tcpTimerActive(tp, TT.REXMT) && !tcpTimerActive(tp, TT.PERSIST)) {
      tp.rtt.rxtshift = 0
      tcpSetPersist(tp)
    }
    return false
  }
  sendSegment(tp, flags, len, off, recwin, nowNs)
  return sendalot
}

/** The window to offer: what the receive buffer has room for, never shrinking the last offer. */
export function tcpRecwin(tp: Tcpcb): number {
  const sbrcv = tp.so.sbrcv
  let recwin = sbrcv.space
  if (recwin < sbrcv.hiwat / 4 && recwin < tp.maxseg) recwin = 0
  const maxwin = TCP_MAXWIN << tp.rcv_scale
  if (recwin > maxwin) recwin = maxwin
  const advanced = seqDiff(tp.rcv_adv, tp.rcv_nxt)
  return recwin < advanced ? advanced : recwin
}

/**
 * The window field for an offer of `recwin` bytes (not on a SYN), rounded up to the scale unit so
 * that scaling never shrinks the window (FreeBSD 13+).
 */
export function tcpWinField(recwin: number, scale: number): number {
  const unit = (1 << scale) - 1
  return Math.min(((recwin + unit) & ~unit) >>> scale, TCP_MAXWIN)
}

/**
 * tcp_output's t_port branch: the segment leaves inside UDP (tcp_udp_tun.ts) to the peer's port
 * `tport`, its UDP checksum computed here for IPv4 and by ip6_output for IPv6. Takes ownership of m.
 */
export function tcpUdpSend(
  inp: Inpcb,
  tv: TcpVnet,
  tport: number,
  m: Mbuf,
  v6: boolean,
  tos: number,
): string | undefined {
  const v = inp.vnet
  if (v6) {
    if (!tcpUdpWrap(v, m, tport)) {
      v.env.pool.put(m)
      return 'ENOBUFS'
    }
    const o = tv.ip6o
    o.hlim = in6Hlim(inp)
    o.src = inp.laddr6 !== null && !in6IsUnspecified(inp.laddr6, 0) ? inp.laddr6 : null
    o.zone = inp.zone
    o.csumOff = 6
    o.tclass = tos & 0xff
    return ip6Output(v, m, inp.faddr6!, 0, IpProto.UDP, o)
  }
  if (!tcpUdpEncap(v, m, inp.laddr, inp.faddr, tport)) {
    v.env.pool.put(m)
    return 'ENOBUFS'
  }
  const ipo = tv.ipo
  ipo.ttl = inp.ttl >= 0 ? inp.ttl : ip(v).defaultTtl
  ipo.tos = tos
  ipo.df = tv.pathMtuDiscovery !== 0
  ipo.src = inp.laddr
  ipo.dontRoute = false
  return ipOutput(v, m, inp.faddr, IpProto.UDP, ipo)
}

function optionsLength(f: number, nsacks: number): number {
  let n = 0
  if (f & TOF.SACK) n += 4 + 8 * nsacks
  if (f & TOF.MSS) n += 4
  if (f & TOF.SCALE) n += 4
  if (f & TOF.SACKPERM) n += f & TOF.TS ? 0 : 4
  if (f & TOF.TS) n += 12
  // Two NOPs and the 18-byte signature.
  if (f & TOF.SIGNATURE) n += 20
  return n
}

/** tcp_output's "send:" conditions (silly window avoidance, Nagle, ACKs owed, control flags). */
function shouldSend(
  tp: Tcpcb,
  idle: boolean,
  flags: number,
  len: number,
  optlen: number,
  off: number,
  recwin: number,
  advanced: number,
): boolean {
  const sb = tp.so.sbsnd
  if (len > 0) {
    // A full segment, counting the options it carries.
    if (len + optlen >= tp.maxseg) return true
    if ((idle || (tp.flags & TF.NODELAY) !== 0) && len + off >= sb.cc && (tp.flags & TF.NOPUSH) === 0)
      return true
    if ((tp.flags & TF.FORCEDATA) !== 0) return true
    if (tp.max_sndwnd > 0 && len >= tp.max_sndwnd / 2) return true
    if (seqLt(tp.snd_nxt, tp.snd_max)) return true
  }
  // A window update worth sending: at least two segments more, and a meaningful share of the buffer.
  if (recwin > 0 && (tp.flags & TF.NEEDSYN) === 0) {
    const adv = recwin - advanced
    const hiwat = tp.so.sbrcv.hiwat
    if (adv >= 2 * tp.maxseg && (adv >= hiwat / 4 || recwin <= hiwat / 8 || hiwat <= 8 * tp.maxseg))
      return true
    if (2 * adv >= hiwat) return true
  }
  if ((tp.flags & TF.ACKNOW) !== 0) return true
  if ((flags & (TH.SYN | TH.RST)) !== 0) return true
  if ((flags & TH.FIN) !== 0 && ((tp.flags & TF.SENTFIN) === 0 || tp.snd_nxt === tp.snd_una)) return true
  return false
}

function sendSegment(
  tp: Tcpcb,
  flags: number,
  len: number,
  off: number,
  recwin: number,
  nowNs: number,
  sackRxmit = -1,
): void {
  const tv = tp.tv
  const st = tv.stats
  const inp = tp.inp
  const v = inp.vnet
  const sb = tp.so.sbsnd
  const to = tv.oto
  // Stats: data, retransmission, probe, or a bare segment of some kind.
  if (len > 0) {
    if ((tp.flags & TF.FORCEDATA) !== 0 && len === 1) st.tcps_sndprobe++
    else if (sackRxmit >= 0 || seqLt(tp.snd_nxt, tp.snd_max)) {
      st.tcps_sndrexmitpack++
      st.tcps_sndrexmitbyte += len
      tp.rexmits++
    } else {
      st.tcps_sndpack++
      st.tcps_sndbyte += len
    }
  } else if ((tp.flags & TF.ACKNOW) !== 0) st.tcps_sndacks++
  else if ((flags & (TH.SYN | TH.FIN | TH.RST)) !== 0) st.tcps_sndctrl++
  else st.tcps_sndwinup++
  // PUSH when this empties what is queued (FreeBSD: the last byte of the buffer goes with PSH).
  if (len > 0 && off + len === sb.cc) flags |= TH.PUSH
  // A retransmitted FIN goes out at the FIN's own sequence number.
  if ((flags & TH.FIN) !== 0 && (tp.flags & TF.SENTFIN) !== 0 && tp.snd_nxt === tp.snd_max)
    tp.snd_nxt = seqAdd(tp.snd_nxt, -1)
  const seq =
    sackRxmit >= 0
      ? sackRxmit
      : len > 0 || (flags & (TH.SYN | TH.FIN)) !== 0 || tcpTimerActive(tp, TT.PERSIST)
        ? tp.snd_nxt
        : tp.snd_max
  const ack = (flags & TH.ACK) !== 0 ? tp.rcv_nxt : 0
  // RFC 3168: the ECN-setup SYN, the ECN-setup SYN-ACK, and on an ECN connection ECE/CWR and
  // ECT(0) for new data.
  const v6 = inpIsV6(inp)
  let tos = v6 ? Math.max(inp.tclass, 0) : inp.tos
  if (tp.state === TCPS.SYN_SENT && (flags & TH.SYN) !== 0) flags |= ecnOutputSynSent(tp)
  if ((tp.flags2 & TF2.ECN_SYNACK) !== 0 && (flags & TH.SYN) !== 0) flags |= TH.ECE
  if (haveRcvdSyn(tp.state) && (tp.flags2 & TF2.ECN_PERMIT) !== 0) {
    const newdata = ecnNewData(tp, len, sackRxmit >= 0)
    flags = ecnOutputFlags(tp, flags, newdata)
    if (tp.state === TCPS.SYN_RECEIVED) tp.flags2 &= ~TF2.ECN_SND_ECE
    tos = (tos & ~IPTOS_ECN.MASK) | (newdata ? IPTOS_ECN.ECT0 : IPTOS_ECN.NOTECT)
  }
  let win: number
  if ((flags & TH.SYN) !== 0) win = Math.min(recwin, TCP_MAXWIN)
  else {
    // Round up to the scale unit, so that scaling never shrinks the window (FreeBSD 13+).
    const unit = (1 << tp.rcv_scale) - 1
    recwin = (recwin + unit) & ~unit
    win = Math.min(recwin >>> tp.rcv_scale, TCP_MAXWIN)
  }
  if (win === 0) tp.flags |= TF.RXWIN0SENT
  else tp.flags &= ~TF.RXWIN0SENT
  const m = v.env.pool.get(TCP_HDR_LEN + 40 + len)
  m.fib = inp.so.fibnum
  const hl = writeTcpHeader(
    m.data,
    m.off,
    inp.lport,
    inp.fport,
    seq,
    ack,
    flags,
    win,
    0,
    to.flags === 0 ? null : to,
  )
  if (len > 0) sb.copyOut(off, m.data, m.off + hl, len)
  m.len = hl + len
  // TCPMD5_OUTPUT: without the module or an association the segment is not sent.
  if (
    v6
      ? !tcpMd5Output(v, to, inp.laddr6, inp.faddr6!, m.data, m.off, m.len)
      : !tcpMd5Output(v, to, inp.laddr, inp.faddr, m.data, m.off, m.len)
  ) {
    st.tcps_sig_err_buildsig++
    v.env.pool.put(m)
    return
  }
  // CSUM_TCP: IP output computes the checksum, unless the interface offloads it (in_cksum.ts).
  m.csumL4 = true
  st.tcps_sndtotal++
  // What we now advertise, and no ACK is owed any more.
  if (recwin > 0 && seqGt(seqAdd(tp.rcv_nxt, recwin), tp.rcv_adv)) tp.rcv_adv = seqAdd(tp.rcv_nxt, recwin)
  tp.last_ack_sent = tp.rcv_nxt
  tp.flags &= ~(TF.ACKNOW | TF.DELACK)
  tcpTimerActivate(tp, TT.DELACK, 0)
  // Advance the sequence space and time the segment, unless this is a forced window probe or a
  // retransmission from the SACK scoreboard (which advances its hole instead).
  // RFC 6937 prr_out: everything sent during recovery, retransmitted or new.
  if (len > 0 && tp.sack !== null && inRecoveryFast(tp)) tp.sack.prrOut += len
  else if (len > 0 && inRecoveryCongOnly(tp)) tp.cprrOut += len
  if (sackRxmit >= 0) {
    tp.sack?.markRexmit(sackRxmit, len)
    st.tcps_sack_rexmits++
    st.tcps_sack_rexmit_bytes += len
    if (!tcpTimerActive(tp, TT.REXMT)) tcpTimerActivate(tp, TT.REXMT, tp.rtt.rtoNs)
  } else if ((tp.flags & TF.FORCEDATA) === 0 || !tcpTimerActive(tp, TT.PERSIST)) {
    const startseq = tp.snd_nxt
    if ((flags & TH.SYN) !== 0) tp.snd_nxt = seqAdd(tp.snd_nxt, 1)
    if ((flags & TH.FIN) !== 0) {
      tp.snd_nxt = seqAdd(tp.snd_nxt, 1)
      tp.flags |= TF.SENTFIN
    }
    tp.snd_nxt = seqAdd(tp.snd_nxt, len)
    if (seqGt(tp.snd_nxt, tp.snd_max)) {
      tp.snd_max = tp.snd_nxt
      tp.sndtime = ticksFromNs(nowNs)
      if (!tp.rtt.timing) {
        tp.rtt.startTiming(startseq, ticksFromNs(nowNs))
        st.tcps_segstimed++
      }
    }
    // Something unacknowledged is in flight: the retransmission timer must run.
    if (!tcpTimerActive(tp, TT.REXMT) && tp.snd_nxt !== tp.snd_una) {
      if (tcpTimerActive(tp, TT.PERSIST)) {
        tcpTimerActivate(tp, TT.PERSIST, 0)
        tp.rtt.rxtshift = 0
      }
      tcpTimerActivate(tp, TT.REXMT, tp.rtt.rtoNs)
    }
  } else if (seqGt(seqAdd(tp.snd_nxt, len), tp.snd_max)) tp.snd_max = seqAdd(tp.snd_nxt, len)
  let err: string | undefined
  if (tp.t_port !== 0) err = tcpUdpSend(inp, tv, tp.t_port, m, v6, tos)
  else if (v6) err = tcp6Send(v, tv, m, inp.laddr6, inp.faddr6!, inp.zone, in6Hlim(inp), tos)
  else {
    const ipo = tv.ipo
    ipo.ttl = inp.ttl >= 0 ? inp.ttl : ip(v).defaultTtl
    ipo.tos = tos
    ipo.df = tv.pathMtuDiscovery !== 0
    ipo.src = inp.laddr
    ipo.dontRoute = false
    err = ipOutput(v, m, inp.faddr, IpProto.TCP, ipo)
  }
  if (err !== undefined) {
    // A local error is a soft error for an established connection (tcp_output's EHOSTUNREACH case);
    // the retransmission timer tries again.
    if (haveEstablished(tp.state) && (err === 'EHOSTUNREACH' || err === 'ENETDOWN' || err === 'EHOSTDOWN'))
      tp.softerror = err
    else if (err !== 'ENOBUFS') tp.softerror = err
    if ((tp.so.state & SS.ISCONNECTING) !== 0 && err === 'EMSGSIZE') tp.softerror = err
  }
}

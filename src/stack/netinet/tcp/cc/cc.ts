/**
 * The congestion-control framework, shaped like FreeBSD's mod_cc(9) (sys/netinet/cc/cc.h, cc.c)
 * and the tcp_input.c wrappers around it (cc_conn_init, cc_ack_received, cc_cong_signal,
 * cc_post_recovery, cc_after_idle): a CcVar per connection (struct cc_var plus the tcpcb fields the
 * modules read and write through CCV()), a CcAlgo of optional hooks, and the NewReno building
 * blocks FreeBSD keeps in cc.c for every module to share (RFC 5681 slow start and congestion
 * avoidance with RFC 3465 ABC, RFC 6928 initial window, RFC 6582 post-recovery, RFC 5681 §4.1
 * restart after idle).
 *
 * The engine owns the CcVar (it is the connection's snd_cwnd/snd_ssthresh), keeps maxseg, sndWnd,
 * sndNxt, sndMax, rxtshift and srtt current, and calls the cc*() wrappers at the points where
 * FreeBSD's tcp_input/tcp_output/tcp_timer do. The tunables are per-vnet state it passes in. The
 * tcpcb-only parts of FreeBSD's wrappers (snd_recover, t_dupacks, snd_nxt, ECN CWR flags) stay in
 * the engine. Nothing here imports the engine, reads a clock, or allocates per ACK.
 */

/** TCP_MAXWIN and TCP_MAX_WINSHIFT (tcp.h): cwnd never exceeds TCP_MAXWIN << snd_scale. */
export const TCP_MAXWIN = 65535
export const TCP_MAX_WINSHIFT = 14
/** A new connection's snd_cwnd and snd_ssthresh before conn_init (tcp_newtcpcb). */
export const TCP_INFINITE_WINDOW = TCP_MAXWIN << TCP_MAX_WINSHIFT

/** ack_received types (cc.h). */
export const CC_ACK = 0x0001
export const CC_DUPACK = 0x0002
export const CC_PARTIALACK = 0x0004
export const CC_SACK = 0x0008
export type CcAckType = typeof CC_ACK | typeof CC_DUPACK | typeof CC_PARTIALACK | typeof CC_SACK

/** cong_signal types (cc.h). */
export const CC_ECN = 0x00000001
export const CC_RTO = 0x00000002
export const CC_RTO_ERR = 0x00000004
export const CC_NDUPACK = 0x00000008
export type CcSignal = typeof CC_ECN | typeof CC_RTO | typeof CC_RTO_ERR | typeof CC_NDUPACK

/** cc_var flags (CCF_*, cc.h). */
export const CCF_ABC_SENTAWND = 0x0001
export const CCF_CWND_LIMITED = 0x0002
export const CCF_USE_LOCAL_ABC = 0x0004
export const CCF_ACKNOW = 0x0008
export const CCF_IPHDR_CE = 0x0010
export const CCF_TCPHDR_CWR = 0x0020
export const CCF_MAX_CWND = 0x0040
export const CCF_CHG_MAX_CWND = 0x0080

/** The recovery bits of the tcpcb's t_flags, kept in CcVar.tFlags. */
export const TF_FASTRECOVERY = 0x1
export const TF_CONGRECOVERY = 0x2
export const TF_WASFRECOVERY = 0x4
export const TF_WASCRECOVERY = 0x8

/** Per-vnet tunables the modules read (their sysctl names and FreeBSD 14 defaults). */
export interface CcTunables {
  /** net.inet.tcp.abc_l_var (2): ABC's slow-start cap per ACK, in segments. */
  abcLVar: number
  /** net.inet.tcp.rfc3465 (1): appropriate byte counting. */
  doRfc3465: boolean
  /** net.inet.tcp.rfc3390 (1): RFC 3390 initial window when initcwnd_segments is 0. */
  doRfc3390: boolean
  /** net.inet.tcp.initcwnd_segments (10): RFC 6928 initial window. */
  initcwndSegments: number
  /** net.inet.tcp.cc.newreno.beta (50) and beta_ecn (80): percent of cwnd kept on loss / ECN. */
  newrenoBeta: number
  newrenoBetaEcn: number
  /** net.inet.tcp.cc.abe (0): RFC 8511 alternative backoff with ECN. */
  abe: boolean
  /** net.inet.tcp.cc.abe_frlossreduce (0). */
  abeFrlossreduce: boolean
}

export function ccTunables(): CcTunables {
  return {
    abcLVar: 2,
    doRfc3465: true,
    doRfc3390: true,
    initcwndSegments: 10,
    newrenoBeta: 50,
    newrenoBetaEcn: 80,
    abe: false,
    abeFrlossreduce: false,
  }
}

/**
 * struct cc_var with the tcpcb fields CCV() reaches. Sizes are bytes, times ticks (ms).
 */
export class CcVar {
  /** snd_cwnd and snd_ssthresh. */
  cwnd = TCP_INFINITE_WINDOW
  ssthresh = TCP_INFINITE_WINDOW
  /** tcp_fixed_maxseg(): the MSS less options. */
  maxseg: number
  /**
   * snd_wnd, snd_scale, snd_nxt, snd_max: kept current by the engine. The sequence numbers here and
   * curack are stored as i32 (`| 0`), which keeps V8 from boxing them (see TcpSeqSpace): modules
   * only compare them with each other.
   */
  sndWnd = 0
  sndScale = 0
  sndNxt = 0
  sndMax = 0
  /** t_rxtshift (RTO backoff count), t_srtt (ticks << 5) and t_rttupdated (samples taken), kept
   * current by the engine (RttEstimator's rxtshift, srtt, rttupdated). */
  rxtshift = 0
  srtt = 0
  rttupdated = 0
  /** Recovery bits of t_flags (TF_*RECOVERY); the engine clears them with exitRecovery(). */
  tFlags = 0
  /** t_bytes_acked: ABC's count toward one cwnd in congestion avoidance. */
  bytesAcked = 0
  /** snd_cwnd_prev and snd_ssthresh_prev, saved by the engine on the first RTO (CC_RTO_ERR). */
  cwndPrev = 0
  ssthreshPrev = 0
  /** bytes_this_ack, nsegs and curack (th_ack) of the ACK being processed. */
  bytesThisAck = 0
  nsegs = 1
  curack = 0
  /** CCF_* flags. */
  flags = 0
  /** A connection-local abc_l_var (with CCF_USE_LOCAL_ABC). */
  labc = 0
  /** Bytes in flight (tcp_compute_pipe()) as of the last cong_signal/post_recovery call. */
  pipe = 0
  /** Now, in ticks, as of the last hook call. */
  ticks = 0
  /** The module's private per-connection state (cc_data). */
  ccData: unknown = null
  readonly t: CcTunables

  constructor(tunables: CcTunables, maxseg = 536) {
    this.t = tunables
    this.maxseg = maxseg
  }
}

/** struct cc_algo: a module's hooks; absent hooks do nothing. */
export interface CcAlgo {
  readonly name: string
  /** Set up ccv.ccData (cb_init). */
  cbInit?(ccv: CcVar): void
  cbDestroy?(ccv: CcVar): void
  connInit?(ccv: CcVar): void
  ackReceived?(ccv: CcVar, type: CcAckType): void
  congSignal?(ccv: CcVar, type: CcSignal): void
  postRecovery?(ccv: CcVar): void
  afterIdle?(ccv: CcVar): void
}

export function inFastRecovery(ccv: CcVar): boolean {
  return (ccv.tFlags & TF_FASTRECOVERY) !== 0
}
export function inCongRecovery(ccv: CcVar): boolean {
  return (ccv.tFlags & TF_CONGRECOVERY) !== 0
}
/** IN_RECOVERY: either kind. */
export function inRecovery(ccv: CcVar): boolean {
  return (ccv.tFlags & (TF_FASTRECOVERY | TF_CONGRECOVERY)) !== 0
}
/** EXIT_RECOVERY. */
export function exitRecovery(ccv: CcVar): void {
  ccv.tFlags &= ~(TF_FASTRECOVERY | TF_CONGRECOVERY)
}

/**
 * tcp_compute_initwnd(): the initial (and restart) window. RFC 6928 with initcwnd_segments,
 * capped at max(2 * maxseg, segments * 1460); otherwise RFC 3390 or RFC 5681 §3.1.
 */
export function initialWindow(maxseg: number, t: CcTunables): number {
  if (t.initcwndSegments > 0)
    return Math.min(t.initcwndSegments * maxseg, Math.max(2 * maxseg, t.initcwndSegments * 1460))
  if (t.doRfc3390) return Math.min(4 * maxseg, Math.max(2 * maxseg, 4380))
  if (maxseg > 2190) return 2 * maxseg
  if (maxseg > 1095) return 3 * maxseg
  return 4 * maxseg
}

/** The largest window the connection can use: TCP_MAXWIN << snd_scale. */
export function maxCwnd(ccv: CcVar): number {
  return TCP_MAXWIN * 2 ** ccv.sndScale
}

// ---- The engine's entry points (tcp_input.c's wrappers). ----

/** cc_attach() + cb_init. */
export function ccAttach(algo: CcAlgo, ccv: CcVar): void {
  ccv.ccData = null
  algo.cbInit?.(ccv)
}

/** cb_destroy + cc_detach(). */
export function ccDetach(algo: CcAlgo, ccv: CcVar): void {
  algo.cbDestroy?.(ccv)
  ccv.ccData = null
}

/**
 * cc_conn_init(): once the handshake completes. cwnd becomes the initial window, or one segment
 * if the SYN or SYN-ACK had to be retransmitted (the engine sets cwnd to 1 on a SYN RTO).
 */
export function ccConnInit(algo: CcAlgo, ccv: CcVar, nowTicks: number): void {
  ccv.ticks = nowTicks
  ccv.cwnd = ccv.cwnd === 1 ? ccv.maxseg : initialWindow(ccv.maxseg, ccv.t)
  algo.connInit?.(ccv)
}

/**
 * cc_ack_received(): an ACK for `bytesThisAck` new bytes (th_ack - snd_una before the update) with
 * cumulative ack `ack`, covering `nsegs` segments. Maintains CCF_CWND_LIMITED and ABC's
 * CCF_ABC_SENTAWND, then runs the module.
 */
export function ccAckReceived(
  algo: CcAlgo,
  ccv: CcVar,
  type: CcAckType,
  ack: number,
  bytesThisAck: number,
  nowTicks: number,
  nsegs = 1,
): void {
  ccv.ticks = nowTicks
  ccv.nsegs = nsegs
  ccv.bytesThisAck = bytesThisAck
  if (ccv.cwnd <= ccv.sndWnd) ccv.flags |= CCF_CWND_LIMITED
  else ccv.flags &= ~CCF_CWND_LIMITED
  if (type === CC_ACK) {
    if (ccv.cwnd > ccv.ssthresh) {
      ccv.bytesAcked += bytesThisAck
      if (ccv.bytesAcked >= ccv.cwnd) {
        ccv.bytesAcked -= ccv.cwnd
        ccv.flags |= CCF_ABC_SENTAWND
      }
    } else {
      ccv.flags &= ~CCF_ABC_SENTAWND
      ccv.bytesAcked = 0
    }
  }
  ccv.curack = ack | 0
  algo.ackReceived?.(ccv, type)
}

/**
 * cc_cong_signal(): the cc_var side of FreeBSD's wrapper, then the module. `pipe` is
 * tcp_compute_pipe() now; `ack` the triggering th_ack (ignored for CC_RTO). For CC_RTO_ERR the
 * engine also restores snd_recover and snd_nxt and resets rxtshift.
 */
export function ccCongSignal(
  algo: CcAlgo,
  ccv: CcVar,
  type: CcSignal,
  ack: number,
  pipe: number,
  nowTicks: number,
): void {
  ccv.ticks = nowTicks
  ccv.pipe = pipe
  switch (type) {
    case CC_ECN:
      // The engine decides (snd_recover) whether a new ECN reaction is due and clears
      // TF_CONGRECOVERY first when it is.
      break
    case CC_RTO:
      ccv.bytesAcked = 0
      exitRecovery(ccv)
      break
    case CC_RTO_ERR:
      ccv.cwnd = ccv.cwndPrev
      ccv.ssthresh = ccv.ssthreshPrev
      if (ccv.tFlags & TF_WASFRECOVERY) ccv.tFlags |= TF_FASTRECOVERY
      if (ccv.tFlags & TF_WASCRECOVERY) ccv.tFlags |= TF_CONGRECOVERY
      break
  }
  if (type !== CC_RTO) ccv.curack = ack | 0
  algo.congSignal?.(ccv, type)
}

/**
 * cc_post_recovery(): recovery ends with the ACK `ack` (the engine then clears the recovery bits
 * with exitRecovery(), as FreeBSD's callers do).
 */
export function ccPostRecovery(algo: CcAlgo, ccv: CcVar, ack: number, pipe: number, nowTicks: number): void {
  ccv.ticks = nowTicks
  ccv.pipe = pipe
  ccv.curack = ack | 0
  algo.postRecovery?.(ccv)
  ccv.bytesAcked = 0
}

/** cc_after_idle(): sending resumes after an idle period of at least one RTO. */
export function ccAfterIdle(algo: CcAlgo, ccv: CcVar, nowTicks: number): void {
  ccv.ticks = nowTicks
  algo.afterIdle?.(ccv)
}

// ---- NewReno's behaviour, shared by every module (FreeBSD's newreno_cc_* in cc.c). ----

/** newreno_cc_cwnd_in_cong_avoid(): with ABC, one maxseg per cwnd of data ACKed. */
export function newrenoCwndInCongAvoid(ccv: CcVar): number {
  const cw = ccv.cwnd
  let incr = ccv.maxseg
  if (ccv.t.doRfc3465) {
    if (ccv.flags & CCF_ABC_SENTAWND) ccv.flags &= ~CCF_ABC_SENTAWND
    else incr = 0
  } else {
    incr = Math.max(Math.trunc((incr * incr) / cw), 1)
  }
  return incr > 0 ? Math.min(cw + incr, maxCwnd(ccv)) : cw
}

/**
 * newreno_cc_cwnd_in_slow_start(): with ABC, the bytes ACKed up to abc_l_var segments per ACK, but
 * one segment while retransmitting after an RTO (snd_nxt behind snd_max).
 */
export function newrenoCwndInSlowStart(ccv: CcVar): number {
  const cw = ccv.cwnd
  const mss = ccv.maxseg
  let incr = mss
  if (ccv.t.doRfc3465) {
    const abc = ccv.flags & CCF_USE_LOCAL_ABC ? ccv.labc : ccv.t.abcLVar
    incr =
      ccv.sndNxt === ccv.sndMax
        ? Math.min(ccv.bytesThisAck, ccv.nsegs * abc * mss)
        : Math.min(ccv.bytesThisAck, mss)
  }
  return incr > 0 ? Math.min(cw + incr, maxCwnd(ccv)) : cw
}

/** newreno_cc_ack_received(): grow cwnd on an in-order ACK when cwnd limits us. */
export function newrenoAckReceived(ccv: CcVar, type: CcAckType): void {
  if (type === CC_ACK && !inRecovery(ccv) && ccv.flags & CCF_CWND_LIMITED) {
    ccv.cwnd = ccv.cwnd > ccv.ssthresh ? newrenoCwndInCongAvoid(ccv) : newrenoCwndInSlowStart(ccv)
  }
}

/** The window after a multiplicative decrease by `factor` percent, at least 2 segments. */
export function cwndOnDecrease(cwnd: number, mss: number, factor: number): number {
  return Math.max(Math.trunc((cwnd * factor) / (100 * mss)), 2) * mss
}

/**
 * newreno_cc_post_recovery(): leaving fast recovery, cwnd = ssthresh, or pipe + 1 segment when
 * less is in flight so no burst follows (RFC 6582 §3.2 step 3, option 2).
 */
export function newrenoPostRecovery(ccv: CcVar): void {
  if (!inFastRecovery(ccv)) return
  const mss = ccv.maxseg
  if (ccv.pipe < ccv.ssthresh) ccv.cwnd = Math.max(ccv.pipe, mss) + mss
  else ccv.cwnd = ccv.ssthresh
}

/**
 * newreno_cc_after_idle(): restart from min(cwnd, initial window) (RFC 5681 §4.1), keeping
 * ssthresh at least 3/4 of the old cwnd (RFC 2861 §2).
 */
export function newrenoAfterIdle(ccv: CcVar): void {
  const rw = initialWindow(ccv.maxseg, ccv.t)
  ccv.ssthresh = Math.max(ccv.ssthresh, ccv.cwnd - (ccv.cwnd >>> 2))
  ccv.cwnd = Math.min(rw, ccv.cwnd)
}

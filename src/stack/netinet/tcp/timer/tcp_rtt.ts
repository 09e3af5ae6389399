/**
 * The TCP round-trip-time estimator and retransmission timeout (RFC 6298), computed exactly as
 * FreeBSD 14 does it in tcp_xmit_timer() (tcp_input.c), TCP_REXMTVAL/TCPT_RANGESET (tcp_timer.h,
 * tcp_var.h), tcp_newtcpcb() (tcp_subr.c) and tcp_timer_rexmt() (tcp_timer.c): fixed-point srtt
 * (scaled by 32) and rttvar (scaled by 16) in kernel ticks at hz = 1000, so one tick is one
 * millisecond, and every RTO carries `net.inet.tcp.rexmit_slop` on top of srtt + 4 * rttvar.
 * Keeping FreeBSD's tick arithmetic (rather than floating-point RFC 6298) is deliberate: packetdrill
 * scripts from FreeBSD's test suite check retransmission instants to the millisecond.
 *
 * FreeBSD 14 has no separate SYN schedule any more (tcp_syn_backoff[] is gone): a SYN or SYN-ACK
 * is retransmitted after `rexmit_initial * tcp_backoff[shift]` plus slop, so 1 s, 3.2 s, 7.4 s ...
 * from the first SYN; synRexmtTicks() and syncacheRexmtTicks() give those intervals.
 *
 * Karn's rule (RFC 6298 §3): a segment's round trip is timed only if it was never retransmitted;
 * the engine calls stopTiming() whenever it retransmits, as tcp_timer_rexmt() clears t_rtttime.
 * With timestamps (RFC 7323 §4.1) every ACK echoing our TSval is a valid sample (tsSample()).
 *
 * Pure state and arithmetic: no clock, timers, sysctl registration or TCP engine imports here; the
 * engine owns the callouts and passes "now" in ticks. Nothing allocates or throws.
 */

/** kern.hz: FreeBSD's default clock rate, so one tick is one millisecond. */
export const HZ = 1000
/** Nanoseconds per tick (the host clock counts nanoseconds). */
export const TICK_NS = 1e9 / HZ

/** Fixed-point shifts of t_srtt and t_rttvar (tcp_var.h). */
export const TCP_RTT_SHIFT = 5
export const TCP_RTTVAR_SHIFT = 4
export const TCP_DELTA_SHIFT = 2

/** TCPTV_MIN: hz/33, the 30 ms floor also used as net.inet.tcp.rexmit_min's default. */
export const TCPTV_MIN = Math.trunc(HZ / 33)
/** TCPTV_RTOBASE: net.inet.tcp.rexmit_initial's default, 1 s (RFC 6298 §2.1). */
export const TCPTV_RTOBASE = HZ
/** TCPTV_CPU_VAR: net.inet.tcp.rexmit_slop's default, 200 ms. */
export const TCPTV_CPU_VAR = Math.trunc(HZ / 5)
/** TCPTV_REXMTMAX: the RTO never exceeds 64 s. */
export const TCPTV_REXMTMAX = 64 * HZ
/** TCP_MAXRXTSHIFT: at most 12 consecutive timer-based retransmissions (net.inet.tcp.retries). */
export const TCP_MAXRXTSHIFT = 12
/** After this many backoffs srtt is no longer trusted; the next sample starts afresh. */
export const TCP_RTT_INVALIDATE = Math.trunc(TCP_MAXRXTSHIFT / 4)

/** Samples are capped here (about 17 minutes) to keep srtt << 5 within 32 bits. */
const RTT_SAMPLE_MAX = 1 << 20

/** tcp_backoff[]: the RTO multiplier for each retransmission count (tcp_timer.c). */
export const TCP_BACKOFF: readonly number[] = Object.freeze([
  1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 512, 512, 512,
])
/** tcp_totbackoff: FreeBSD's constant for the persist-timer give-up (its comment says "sum"). */
export const TCP_TOTBACKOFF = 2559

/** The tunables the estimator reads, in ticks (= ms): the engine keeps them per vnet as sysctls. */
export interface RttConfig {
  /** net.inet.tcp.rexmit_min (default 30). */
  readonly rexmitMin: number
  /** net.inet.tcp.rexmit_slop (default 200). */
  readonly rexmitSlop: number
  /** net.inet.tcp.rexmit_initial (default 1000). */
  readonly rexmitInitial: number
  /** net.inet.tcp.retries (default TCP_MAXRXTSHIFT, 1..12). */
  readonly retries: number
}

export const RTT_DEFAULTS: RttConfig = Object.freeze({
  rexmitMin: TCPTV_MIN,
  rexmitSlop: TCPTV_CPU_VAR,
  rexmitInitial: TCPTV_RTOBASE,
  retries: TCP_MAXRXTSHIFT,
})

/** Nanoseconds to whole ticks (as FreeBSD's tick counter would have advanced). */
export function ticksFromNs(ns: number): number {
  return Math.floor(ns / TICK_NS)
}

/** TCPT_RANGESET: value + slop, clamped to [min, max]. */
export function rangeset(value: number, min: number, max: number, slop: number): number {
  let tv = value + slop
  if (tv < min) tv = min
  if (tv > max) tv = max
  return tv
}

/**
 * RTO in ticks for the retransmission of a SYN (SYN_SENT) or of a SYN-ACK in SYN_RCVD after `shift`
 * timeouts (shift >= 1), as tcp_timer_rexmt() computes it: rexmit_initial * tcp_backoff[shift].
 */
export function synRexmtTicks(shift: number, cfg: RttConfig = RTT_DEFAULTS): number {
  const s = shift > TCP_MAXRXTSHIFT ? TCP_MAXRXTSHIFT : shift
  return rangeset(cfg.rexmitInitial * TCP_BACKOFF[s]!, cfg.rexmitMin, TCPTV_REXMTMAX, cfg.rexmitSlop)
}

/**
 * Delay in ticks before the syncache sends SYN-ACK retransmission number rxmits + 1
 * (syncache_timeout()): rexmit_initial for the first, then as synRexmtTicks(rxmits).
 */
export function syncacheRexmtTicks(rxmits: number, cfg: RttConfig = RTT_DEFAULTS): number {
  return rxmits === 0 ? cfg.rexmitInitial : synRexmtTicks(rxmits, cfg)
}

/**
 * One connection's estimator: the t_srtt, t_rttvar, t_rttmin, t_rxtcur, t_rxtshift, t_rtttime and
 * t_rtseq fields of FreeBSD's tcpcb, with the operations that change them.
 */
export class RttEstimator {
  /** t_srtt: smoothed RTT in ticks << TCP_RTT_SHIFT; 0 = no estimate yet. */
  srtt = 0
  /** t_rttvar: RTT variation in ticks << TCP_RTTVAR_SHIFT. */
  rttvar: number
  /** t_rttmin: the RTO floor in ticks. */
  rttmin: number
  /** t_rxtcur: the current retransmission timeout in ticks (armed by the engine). */
  rxtcur: number
  /** t_rxtshift: consecutive RTO expiries for the oldest outstanding segment. */
  rxtshift = 0
  /** t_rttupdated: samples taken (saturating at 255 as FreeBSD's u_char). */
  rttupdated = 0
  /** t_rttlow: the lowest sample seen, in ticks (0 = none). */
  rttlow = 0
  /** t_rtttime: tick at which the timed segment was sent; -1 when nothing is being timed. */
  rtttime = -1
  // t_rtseq: sequence number of the timed segment, a u32 stored as i32 (see TcpSeqSpace for why).
  #rtseq = 0
  get rtseq(): number {
    return this.#rtseq >>> 0
  }
  private readonly cfg: RttConfig

  /** tcp_newtcpcb(): no estimate, RTO = rexmit_initial, rttvar such that srtt + 4 * rttvar ≈ it. */
  constructor(cfg: RttConfig = RTT_DEFAULTS) {
    this.cfg = cfg
    this.rttvar = Math.trunc(((cfg.rexmitInitial - TCPTV_MIN) << TCP_RTTVAR_SHIFT) / 4)
    this.rttmin = cfg.rexmitMin
    this.rxtcur = cfg.rexmitInitial
  }

  /** TCP_REXMTVAL: max(rttmin, srtt + 4 * rttvar) in ticks, before slop and backoff. */
  rexmtval(): number {
    const v = ((this.srtt >> (TCP_RTT_SHIFT - TCP_DELTA_SHIFT)) + this.rttvar) >> TCP_DELTA_SHIFT
    return v > this.rttmin ? v : this.rttmin
  }

  /**
   * tcp_xmit_timer(): fold in one RTT sample of `rtt` ticks (as FreeBSD passes it: ticks elapsed
   * since the timed send, or TS echo age + 1), reset the backoff and recompute the RTO.
   */
  sample(rtt: number): void {
    // Bounded so the fixed-point shifts stay within 32 bits even for a bogus measurement.
    if (rtt > RTT_SAMPLE_MAX) rtt = RTT_SAMPLE_MAX
    if (this.rttupdated < 255) this.rttupdated++
    if (this.rttlow === 0 || rtt < this.rttlow) this.rttlow = rtt
    if (this.srtt !== 0 && this.rxtshift <= TCP_RTT_INVALIDATE) {
      // srtt += (rtt - srtt) / 8 and rttvar += (|delta| - rttvar) / 4, in fixed point; "rtt - 1"
      // moves the measurement to origin 0 as FreeBSD does.
      let delta = ((rtt - 1) << TCP_DELTA_SHIFT) - (this.srtt >> (TCP_RTT_SHIFT - TCP_DELTA_SHIFT))
      this.srtt += delta
      if (this.srtt <= 0) this.srtt = 1
      if (delta < 0) delta = -delta
      delta -= this.rttvar >> (TCP_RTTVAR_SHIFT - TCP_DELTA_SHIFT)
      this.rttvar += delta
      if (this.rttvar <= 0) this.rttvar = 1
    } else {
      // First sample (or after heavy backoff): srtt = R, rttvar = R / 2 (RFC 6298 §2.2).
      this.srtt = rtt << TCP_RTT_SHIFT
      this.rttvar = rtt << (TCP_RTTVAR_SHIFT - 1)
    }
    this.rtttime = -1
    this.rxtshift = 0
    const floor = this.rttmin > rtt + 2 ? this.rttmin : rtt + 2
    this.rxtcur = rangeset(this.rexmtval(), floor, TCPTV_REXMTMAX, this.cfg.rexmitSlop)
  }

  /** Start timing the segment at `seq` sent at tick `now`, unless one is already being timed. */
  startTiming(seq: number, now: number): void {
    if (this.rtttime >= 0) return
    this.rtttime = now
    this.#rtseq = seq | 0
  }

  /** Karn's rule: a retransmission makes the timed segment's round trip ambiguous. */
  stopTiming(): void {
    this.rtttime = -1
  }

  /** Whether a segment is being timed (t_rtttime != 0 in FreeBSD). */
  get timing(): boolean {
    return this.rtttime >= 0
  }

  /**
   * Without timestamps: an ACK for `ack` at tick `now` covers the timed segment when ack is after
   * rtseq; then the sample is taken and true returned.
   */
  ackSample(ack: number, now: number): boolean {
    if (this.rtttime < 0 || ((ack - this.rtseq) | 0) <= 0) return false
    this.sample(now - this.rtttime)
    return true
  }

  /**
   * With timestamps: `tsNow` is our timestamp clock (ms) now and `tsecr` the echoed value (already
   * stripped of the connection's offset); FreeBSD samples TS age + 1 ticks.
   */
  tsSample(tsNow: number, tsecr: number): void {
    this.sample((((tsNow - tsecr) | 0) >>> 0) + 1)
  }

  /**
   * tcp_timer_rexmt()'s bookkeeping when the retransmission timer fires: count the expiry and
   * compute the next, backed-off RTO into rxtcur. Returns false when the connection has exceeded
   * net.inet.tcp.retries and must be dropped with ETIMEDOUT (rxtshift is then left at retries).
   * `handshake` is true in SYN_SENT and SYN_RCVD, which back off from rexmit_initial instead.
   */
  backoff(handshake: boolean): boolean {
    if (++this.rxtshift > this.cfg.retries) {
      this.rxtshift = this.cfg.retries
      return false
    }
    this.rtttime = -1
    const mult = TCP_BACKOFF[this.rxtshift]!
    const rexmt = handshake ? this.cfg.rexmitInitial * mult : this.rexmtval() * mult
    this.rxtcur = rangeset(rexmt, this.rttmin, TCPTV_REXMTMAX, this.cfg.rexmitSlop)
    return true
  }

  /** The current RTO in ns, for arming the retransmission timer. */
  get rtoNs(): number {
    return this.rxtcur * TICK_NS
  }

  /** Smoothed RTT in ns (tcp_info's tcpi_rtt is this in µs). */
  get srttNs(): number {
    return (this.srtt * TICK_NS) / (1 << TCP_RTT_SHIFT)
  }

  /** RTT variation in ns (tcpi_rttvar in µs). */
  get rttvarNs(): number {
    return (this.rttvar * TICK_NS) / (1 << TCP_RTTVAR_SHIFT)
  }
}

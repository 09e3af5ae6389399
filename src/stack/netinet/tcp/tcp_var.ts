/**
 * TCP's shared definitions (FreeBSD's tcp_var.h, tcp_fsm.h, tcp_timer.h): connection states, the
 * tcpcb, struct tcpstat, and the per-vnet state — V_tcbinfo (each stack's own port space), the
 * counters and the net.inet.tcp.* tunables with FreeBSD's names and defaults (times in ms as sysctl
 * shows them).
 *
 * Data only: the state machine lives in tcp_input.ts / tcp_segment.ts (with tcp_ack.ts and
 * tcp_timewait.ts), output in tcp_output.ts, timers in tcp_timer.ts, the user requests in tcp_usrreq.ts.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import type { Socket } from '../../../kern/socket.js'
import type { StreamSocket } from '../../../kern/socket_stream.js'
import type { Clock, Timer } from '../../../util/clock.js'
import type { Rng } from '../../../util/rng.js'
import { TcpOptions, TcpView } from '../../../wire/inet/tcp.js'
import { Slot, type Vnet, vstate } from '../../net/vnet.js'
import type { Ip6OutOptions } from '../../netinet6/ip6/ip6_output.js'
import type { Inpcb } from '../in_pcb.js'
import { InpcbTable } from '../in_pcb.js'
import { ip } from '../ip/ip.js'
import type { IpOutOptions } from '../ip/ip_output.js'
import { type CcAlgo, CcVar, ccAttach } from './cc/cc.js'
import { CcVnet } from './cc/cc_list.js'
import { TcpIsn } from './isn/tcp_isn.js'
import { TcpHostcache } from './pmtu/tcp_hostcache.js'
import { type RcvSackBlocks, type ReassQueue, TCP_REASS_MAXQUEUELEN } from './reass/tcp_reass.js'
import { SackHoleBudget, type SackScoreboard } from './sack/tcp_sack.js'
import type { Syncache } from './syncache/tcp_syncache.js'
import { TcpSeqSpace } from './tcp_seqspace.js'
import { tcpModule } from './tcp_sysctl.js'
import { RTT_DEFAULTS, type RttConfig, RttEstimator } from './timer/tcp_rtt.js'

/** Connection states (tcp_fsm.h). */
export const TCPS = {
  CLOSED: 0,
  LISTEN: 1,
  SYN_SENT: 2,
  SYN_RECEIVED: 3,
  ESTABLISHED: 4,
  CLOSE_WAIT: 5,
  FIN_WAIT_1: 6,
  CLOSING: 7,
  LAST_ACK: 8,
  FIN_WAIT_2: 9,
  TIME_WAIT: 10,
} as const

/** tcpstates[]: the names netstat prints. */
export const TCP_STATE_NAMES: readonly string[] = [
  'CLOSED',
  'LISTEN',
  'SYN_SENT',
  'SYN_RCVD',
  'ESTABLISHED',
  'CLOSE_WAIT',
  'FIN_WAIT_1',
  'CLOSING',
  'LAST_ACK',
  'FIN_WAIT_2',
  'TIME_WAIT',
]

/** The name of the one TCP function block (stack) here, FreeBSD's default: tcp_def_funcblk. */
export const TCP_STACK_NAME = 'freebsd'

export const haveRcvdSyn = (s: number): boolean => s >= TCPS.SYN_RECEIVED
export const haveEstablished = (s: number): boolean => s >= TCPS.ESTABLISHED
export const haveRcvdFin = (s: number): boolean =>
  s === TCPS.CLOSE_WAIT || s === TCPS.CLOSING || s === TCPS.LAST_ACK || s === TCPS.TIME_WAIT

/** t_flags (tcp_var.h). */
export const TF = {
  ACKNOW: 0x1,
  DELACK: 0x2,
  NODELAY: 0x4,
  NOOPT: 0x8,
  SENTFIN: 0x10,
  REQ_SCALE: 0x20,
  RCVD_SCALE: 0x40,
  REQ_TSTMP: 0x80,
  RCVD_TSTMP: 0x100,
  SACK_PERMIT: 0x200,
  NEEDSYN: 0x400,
  NEEDFIN: 0x800,
  NOPUSH: 0x1000,
  RXWIN0SENT: 0x80000,
  /** TCP_MD5SIG: sign every segment and accept only signed ones (RFC 2385). */
  SIGNATURE: 0x400000,
  FASTRECOVERY: 0x100000,
  FORCEDATA: 0x800000,
  /** Ours: output is wanted after input processing (FreeBSD's needoutput local). */
  NEEDOUTPUT: 0x1000000,
  /** Ours: the socket was closed by its user (SS_NOFDREF). */
  NOFDREF: 0x2000000,
} as const

/** t_flags2 (tcp_var.h): the RFC 3168 ECN bits, FreeBSD's values. */
export const TF2 = {
  /** ECN was negotiated on the handshake. */
  ECN_PERMIT: 0x20,
  /** Set CWR on the next new data segment (our window was reduced). */
  ECN_SND_CWR: 0x40,
  /** Echo ECE until the peer sends CWR (a CE mark arrived). */
  ECN_SND_ECE: 0x80,
  /** Ours: accepted from a listener on an ECN-setup SYN, so every SYN-ACK carries ECE (the syncache's SCF_ECN). */
  ECN_SYNACK: 0x40000000,
} as const

/** The timers of a connection (tcp_timer.h TT_*): one callout, a deadline each. */
export const TT = { DELACK: 0, REXMT: 1, PERSIST: 2, KEEP: 3, TWOMSL: 4 } as const
export const TT_N = 5

export const TCP_MAXWIN = 65535
export const TCP_MAX_WINSHIFT = 14
/** tcp_persmin / tcp_persmax (ms). */
export const TCPTV_PERSMIN = 5000
export const TCPTV_PERSMAX = 60000
/** net.inet.tcp.maxpersistidle default (ms). */
export const TCPTV_KEEP_IDLE = 7_200_000

/** struct tcpstat: the counters netstat -s -p tcp prints (FreeBSD's names). */
export class TcpStats {
  tcps_connattempt = 0
  tcps_accepts = 0
  tcps_connects = 0
  tcps_drops = 0
  tcps_conndrops = 0
  tcps_minmssdrops = 0
  tcps_closed = 0
  tcps_segstimed = 0
  tcps_rttupdated = 0
  tcps_delack = 0
  tcps_timeoutdrop = 0
  tcps_rexmttimeo = 0
  tcps_persisttimeo = 0
  tcps_keeptimeo = 0
  tcps_keepprobe = 0
  tcps_keepdrops = 0
  tcps_sndtotal = 0
  tcps_sndpack = 0
  tcps_sndbyte = 0
  tcps_sndrexmitpack = 0
  tcps_sndrexmitbyte = 0
  tcps_sndrexmitbad = 0
  tcps_sndacks = 0
  tcps_sndprobe = 0
  tcps_sndurg = 0
  tcps_sndwinup = 0
  tcps_sndctrl = 0
  tcps_rcvtotal = 0
  tcps_rcvpack = 0
  tcps_rcvbyte = 0
  tcps_rcvbadsum = 0
  tcps_rcvbadoff = 0
  tcps_rcvreassfull = 0
  tcps_rcvshort = 0
  tcps_rcvduppack = 0
  tcps_rcvdupbyte = 0
  tcps_rcvpartduppack = 0
  tcps_rcvpartdupbyte = 0
  tcps_rcvoopack = 0
  tcps_rcvoobyte = 0
  tcps_rcvpackafterwin = 0
  tcps_rcvbyteafterwin = 0
  tcps_rcvafterclose = 0
  tcps_rcvwinprobe = 0
  tcps_rcvdupack = 0
  tcps_rcvacktoomuch = 0
  tcps_rcvackpack = 0
  tcps_rcvackbyte = 0
  tcps_rcvwinupd = 0
  tcps_pawsdrop = 0
  tcps_predack = 0
  tcps_preddat = 0
  tcps_persistdrop = 0
  tcps_badsyn = 0
  tcps_mturesent = 0
  tcps_hc_added = 0
  tcps_hc_bucketoverflow = 0
  tcps_listendrop = 0
  tcps_badrst = 0
  tcps_rcvmemdrop = 0
  tcps_finwait2_drops = 0
  tcps_sack_recovery_episode = 0
  tcps_sack_rexmits = 0
  tcps_sack_rexmit_bytes = 0
  tcps_sack_rcv_blocks = 0
  tcps_sack_send_blocks = 0
  tcps_ecn_ce = 0
  tcps_ecn_ect0 = 0
  tcps_ecn_ect1 = 0
  tcps_ecn_shs = 0
  tcps_ecn_rcwnd = 0
  // the syncache and SYN cookies (tcp_syncache.ts)
  tcps_sc_added = 0
  tcps_sc_retransmitted = 0
  tcps_sc_dupsyn = 0
  tcps_sc_dropped = 0
  tcps_sc_completed = 0
  tcps_sc_bucketoverflow = 0
  tcps_sc_cacheoverflow = 0
  tcps_sc_reset = 0
  tcps_sc_stale = 0
  tcps_sc_aborted = 0
  tcps_sc_badack = 0
  tcps_sc_unreach = 0
  tcps_sc_zonefail = 0
  tcps_sc_sendcookie = 0
  tcps_sc_recvcookie = 0
  /** TCP-MD5 (FreeBSD's tcps_sig_*): good and bad signatures received, segments missing one, and signing failures. */
  tcps_sig_rcvgoodsig = 0
  tcps_sig_rcvbadsig = 0
  tcps_sig_err_nosigopt = 0
  tcps_sig_err_buildsig = 0
  /** TCP over UDP (tcp_udp_tun.ts): datagrams taken from the tunnel port, and those dropped as malformed. */
  tcps_tunneled_pkts = 0
  tcps_tunneled_errs = 0
  /** TIME_WAIT (FreeBSD's tcps_tw_*): ended early by a new SYN, answered with an RST, answered with an ACK. */
  tcps_tw_recycles = 0
  tcps_tw_resets = 0
  tcps_tw_responds = 0
}

/**
 * One connection (struct tcpcb). Sequence numbers are u32 (kept in TcpSeqSpace); times are host-clock
 * ns unless noted.
 */
export class Tcpcb extends TcpSeqSpace {
  state: number = TCPS.CLOSED
  flags = 0
  /** t_flags2 (TF2.*). */
  flags2 = 0
  readonly inp: Inpcb
  readonly so: StreamSocket
  readonly tv: TcpVnet
  snd_wnd = 0
  max_sndwnd = 0
  rcv_wnd = 0
  // options (RFC 7323, RFC 2018)
  snd_scale = 0
  rcv_scale = 0
  request_r_scale = 0
  /** Host-clock ns when ts_recent was recorded. */
  ts_recent_age = 0
  /** t_maxseg: the largest segment we send, options included in what it must hold. */
  maxseg = 0
  /** The MSS the peer offered (0: none). */
  peer_mss = 0
  // congestion control: the module (net.inet.tcp.cc.algorithm when the connection was made) and
  // its cc_var, which holds snd_cwnd and snd_ssthresh.
  readonly cc: CcAlgo
  readonly ccv: CcVar
  dupacks = 0
  // Reassembly queue and receiver SACK blocks, made on first out-of-order segment.
  reass: ReassQueue | null = null
  sackblks: RcvSackBlocks | null = null
  /** The sender's SACK scoreboard (RFC 6675), made when the peer first reports a block. */
  sack: SackScoreboard | null = null
  readonly rtt: RttEstimator
  /** Last time a segment arrived (t_rcvtime), for keepalive and idle. */
  rcvtime = 0
  /**
   * Last time new data (or SYN/FIN) advanced snd_max (t_sndtime), in ticks as FreeBSD keeps it (a
   * small integer, so no boxed number per connection), -1 before the first; for idle.
   */
  sndtime = -1
  /** A soft error (ICMP) remembered for the timeout report (t_softerror). */
  softerror: string | null = null
  /** Per-connection TCP_KEEP* (ms; 0 = the vnet's default). */
  keepinit = 0
  keepidle = 0
  keepintvl = 0
  keepcnt = 0
  /**
   * t_port: the peer's UDP port when this connection travels inside UDP (TCP_REMOTE_UDP_ENCAPS_PORT,
   * or a SYN that came through the tunnel), else 0.
   */
  t_port = 0
  /**
   * RFC 6937 for an ECN window reduction (FreeBSD keeps these in sackhint, which exists with or
   * without SACK): prr_delivered, prr_out and RecoverFS of the congestion-recovery episode.
   */
  cprrDelivered = 0
  cprrOut = 0
  cprrRecoverFs = 0
  /** TCP_MAXSEG from the user (0 = none). */
  userMss = 0
  /** RFC 5961 §7 throttle (t_challenge_ack_end, host ns; t_challenge_ack_cnt). */
  challengeAckEnd = 0
  challengeAckCnt = 0
  /** Times the retransmission timer fired for this connection (tcpi_snd_rexmitpack-like). */
  rexmits = 0
  /** Deadlines per TT_* (host ns; 0 = off) and the one callout that serves them. */
  // A plain array: a Float64Array costs twice the memory of an idle connection's five deadlines.
  readonly timers: number[] = new Array<number>(TT_N).fill(0)
  timer: Timer | null = null

  constructor(inp: Inpcb, so: StreamSocket, tv: TcpVnet) {
    super()
    this.inp = inp
    this.so = so
    this.tv = tv
    this.rtt = new RttEstimator(tv)
    this.cc = tv.cc.algorithm
    this.ccv = new CcVar(tv.cc.tunables)
    ccAttach(this.cc, this.ccv)
  }

  get snd_cwnd(): number {
    return this.ccv.cwnd
  }
  set snd_cwnd(n: number) {
    this.ccv.cwnd = n
  }
  get snd_ssthresh(): number {
    return this.ccv.ssthresh
  }
  set snd_ssthresh(n: number) {
    this.ccv.ssthresh = n
  }
}

/**
 * A connection in TIME_WAIT whose socket is gone (FreeBSD 13's struct tcptw): what answering the
 * peer for 2*MSL needs, so the socket, tcpcb, buffers, congestion state and callout are freed when
 * the connection enters TIME_WAIT. It stands in the inpcb's inp_ppcb, which stays in the table's
 * indexes so the 4-tuple stays taken. Sequence numbers and timestamps are int32 (unboxed); read
 * them with `>>> 0`.
 */
export class TcpTw {
  readonly inp: Inpcb
  readonly tv: TcpVnet
  sndNxt = 0
  /** What our ACKs carry as their sequence number (snd_max, as tcp_output sends a bare ACK). */
  sndMax = 0
  rcvNxt = 0
  tsRecent = 0
  tsOffset = 0
  /** The t_flags that shape an answer: TF.RCVD_TSTMP, TF.SIGNATURE. */
  flags = 0
  /** The window field of our ACKs, scaled as tcp_output last offered it (tw->last_win). */
  win = 0
  /** ECE while a CE mark is unanswered on an ECN connection. */
  thEcn = 0
  /** The IP TOS (IPv6 traffic class) byte of our ACKs, the ECN field as tcp_output sets it. */
  tos = 0
  t_port = 0
  /** The socket's so_options (tw_so_options): a later bind's SO_REUSEADDR / SO_REUSEPORT test reads them. */
  twSoOptions = 0
  fib = 0
  /** Host-clock ns when 2*MSL runs out; the vnet's queue is in this order (V_twq_2msl). */
  expire = 0
  prev: TcpTw | null = null
  next: TcpTw | null = null

  constructor(inp: Inpcb, tv: TcpVnet) {
    this.inp = inp
    this.tv = tv
  }
}

/** The segment being processed (tcp_input's locals), one per vnet, reused for every segment. */
export class TcpSeg {
  src = 0
  dst = 0
  sport = 0
  dport = 0
  seq = 0
  ack = 0
  /** TH bits. */
  flags = 0
  /** The IP header's TOS byte (its low two bits are the ECN codepoint). */
  tos = 0
  /** The window as sent (unscaled). */
  win = 0
  /** Payload length, and where the payload is. */
  len = 0
  buf: Uint8Array = new Uint8Array(0)
  off = 0
  /**
   * The mbuf `buf` belongs to, while tcp_input holds it: in-order data goes into the receive
   * buffer as this mbuf (sbappendstream), which then owns it and sets this to null.
   */
  m: Mbuf | null = null
  /** The UDP source port it came from through the tunnel (tcp_udp_tun.ts), 0 for plain TCP. */
  port = 0
  /**
   * An IPv6 segment (tcp6_input): src / dst then hold in6Digest of these addresses, and `zone` is
   * the interface index link-scoped ones belong to.
   */
  v6 = false
  readonly src6 = new Uint8Array(16)
  readonly dst6 = new Uint8Array(16)
  zone = 0
}

/** Per-vnet TCP (V_tcbinfo, V_tcpstat and the tunables). */
export class TcpVnet implements RttConfig {
  readonly stats = new TcpStats()
  readonly pcbs: InpcbTable
  readonly rng: Rng
  /** Connections per state (net.inet.tcp.states). */
  readonly states = new Array<number>(11).fill(0)
  /** One view and one options record reused by every input and output (single-threaded). */
  readonly th = new TcpView()
  readonly to = new TcpOptions()
  readonly oto = new TcpOptions()
  readonly seg = new TcpSeg()
  /**
   * ip_output's options for every segment sent, refilled each time rather than made per segment.
   * Safe across the nested output a synchronous delivery may run: ipOutput reads them all before
   * it hands the packet on.
   */
  readonly ipo: IpOutOptions = { ttl: 64, tos: 0, df: true, src: 0, dontRoute: false }
  /** ip6_output's options for every IPv6 segment, refilled likewise. */
  readonly ip6o: Ip6OutOptions = { hlim: 64, src: null, zone: 0, csumOff: 16, tclass: 0 }
  // net.inet.tcp.* (times in ms)
  mssdflt = 536
  /** net.inet.tcp.v6mssdflt: the MSS toward an IPv6 peer without a route MTU. */
  v6mssdflt = 1220
  minmss = 216
  sendspace = 32768
  recvspace = 65536
  rfc1323 = 1
  sackEnable = 1
  /** net.inet.tcp.do_prr: Proportional Rate Reduction (RFC 6937) in SACK recovery. */
  doPrr = 1
  delayedAck = 1
  delacktime = 40
  msl = 30000
  keepinit = 75000
  keepidle = 7_200_000
  keepintvl = 75000
  keepcnt = 8
  alwaysKeepalive = 1
  maxpersistidle = TCPTV_KEEP_IDLE
  finwait2Timeout = 60000
  fastFinwait2Recycle = 0
  blackhole = 0
  insecureRst = 0
  insecureSyn = 0
  dropSynfin = 0
  rexmitInitial = RTT_DEFAULTS.rexmitInitial
  rexmitMin = RTT_DEFAULTS.rexmitMin
  rexmitSlop = RTT_DEFAULTS.rexmitSlop
  rexmitDropOptions = 0
  retries = RTT_DEFAULTS.retries
  ecnEnable = 2
  ecnMaxretries = 1
  pathMtuDiscovery = 1
  tolerateMissingTs = 1
  syncookies = 1
  syncookiesOnly = 0
  icmpMayRst = 1
  /** net.inet.tcp.ack_war_timewindow (ms) and ack_war_cnt: the challenge-ACK throttle. */
  ackWarTimewindow = 1000
  ackWarCnt = 5
  nolocaltimewait = 1
  udpTunnelingPort = 0
  udpTunnelingOverhead = 8
  /** The tunnel's kernel UDP sockets bound to udpTunnelingPort (V_udp4_tun_socket, V_udp6_tun_socket). */
  udp4TunSocket: Socket | null = null
  udp6TunSocket: Socket | null = null
  sendbufAuto = 1
  recvbufAuto = 1
  sendbufMax = 2097152
  recvbufMax = 2097152
  sendbufInc = 8192
  tsOffsetPerConn = 1
  /**
   * net.inet.tcp.reass.maxqueuelen: the most segments one reassembly queue holds; the limit a
   * connection applies is the lower of this and its receive buffer's worth of segments plus one.
   */
  reassMaxqueuelen = TCP_REASS_MAXQUEUELEN
  // net.inet.tcp.syncache.* (hashsize, bucketlimit and cachelimit are boot-time tunables in
  // FreeBSD, read-only here) and net.inet.tcp.syncache.rst_on_sock_fail.
  scHashsize = 512
  scBucketlimit = 30
  scCachelimit = 512 * 30
  scRexmtlimit = 3
  scRstOnSockFail = 1
  scSeeOther = 0
  /**
   * net.inet.tcp.maxtcptw: the most compact TIME_WAIT entries (0: FreeBSD's automatic size, half
   * the ephemeral port range within a fifth of the vnet's endpoints).
   */
  maxtcptw = 0
  /** TIME_WAIT entries by expiry, oldest first (V_twq_2msl), their count, and the one callout for them all. */
  twHead: TcpTw | null = null
  twTail: TcpTw | null = null
  twCount = 0
  twTimer: Timer | null = null
  /**
   * The tcpcb closed or compacted last, held until the next one is (a UMA zone's cache of one).
   * V8 frees the hidden classes of a class none of whose objects is alive at a full collection, and
   * with them every optimized function that embedded them; with no TIME_WAIT tcpcb living for
   * 2*MSL any more, that threw away the connection path's compiled code at every full collection
   * and doubled the CPU time of a short connection. One closed tcpcb (with its socket and buffers)
   * keeps those classes alive.
   */
  lastFreed: Tcpcb | null = null
  /** The closed socket every compact TIME_WAIT inpcb points at instead of its own (made on first use). */
  twSo: Socket | null = null
  readonly clock: Clock
  /** The syncache, made on the first SYN to a listener of this vnet (tcp_syncache.ts). */
  syncache: Syncache | null = null
  /** ISNs and timestamp offsets (RFC 6528, RFC 7323 §5.4) with this vnet's secret. */
  readonly isn: TcpIsn
  /** Congestion control: the default module and the modules' tunables. */
  readonly cc = new CcVnet()
  /** SACK holes in use in this vnet (net.inet.tcp.sack.globalholes / globalmaxholes). */
  readonly sackBudget = new SackHoleBudget()
  /** Path MTUs learned from ICMP (V_tcp_hostcache), bounded by hostcache.cachelimit. */
  readonly hostcache = new TcpHostcache()

  constructor(v: Vnet) {
    this.clock = v.env.clock
    this.rng = v.env.rng.stream(`tcp:${v.id}`)
    this.pcbs = new InpcbTable(v.env.rng.stream(`tcp-ports:${v.id}`), TCP_PCB_MAX)
    this.pcbs.range = ip(v).portRange
    this.isn = new TcpIsn(v.env.rng.stream(`tcp_isn:${v.id}`))
  }
}

/** TCP endpoints a vnet may hold at once (its share of kern.ipc.maxsockets). */
export const TCP_PCB_MAX = 65536

export function tcp(v: Vnet): TcpVnet {
  return vstate(v, tcpModule)
}

/** The vnet's TCP state if it was ever used (input for a vnet that never used TCP needs none). */
export function tcpIfAny(v: Vnet): TcpVnet | undefined {
  return v.slots[Slot.TCP] as TcpVnet | undefined
}

/** The tcpcb of an inpcb (intotcpcb); null once closed, and in compact TIME_WAIT. */
export function intotcpcb(inp: Inpcb): Tcpcb | null {
  const p = inp.ppcb
  return p instanceof Tcpcb ? p : null
}

/** The TIME_WAIT record of an inpcb (intotw), or null. */
export function intotw(inp: Inpcb): TcpTw | null {
  const p = inp.ppcb
  return p instanceof TcpTw ? p : null
}

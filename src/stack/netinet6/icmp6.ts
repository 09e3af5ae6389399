/**
 * ICMPv6 (RFC 4443, FreeBSD's icmp6.c): checksum verification over the pseudo-header, echo replies
 * built in place, dispatch of Neighbor Discovery to nd6_nbr.ts, a copy of every message to the raw
 * ICMPv6 sockets (ping6, traceroute6), and error generation with RFC 4443 §2.4's restrictions and
 * the net.inet6.icmp6.errppslimit rate limit (§2.4(f)). Never throws; drops are counted in
 * struct icmp6stat (icp6s_*).
 */

import type { Mbuf } from '../../buf/mbuf.js'
import { SEC, type Timer } from '../../util/clock.js'
import { readU32 } from '../../wire/addr.js'
import {
  ICMP6_HDR_LEN,
  Icmp6Type,
  icmp6Sum,
  isIcmp6Error,
  ParamProb6Code,
  TimeExceed6Code,
  Unreach6Code,
  writeIcmp6Header,
} from '../../wire/inet6/icmpv6.js'
import { in6Copy, in6IsMulticast, in6IsUnspecified } from '../../wire/inet6/in6_addr.js'
import { IPV6_HDR_LEN, IPV6_MMTU, Ip6Nxt } from '../../wire/inet6/ipv6.js'
import { ND_RA_LEN, ND_RS_LEN } from '../../wire/inet6/nd_router.js'
import type { Ifnet } from '../net/ifnet.js'
import { intKnob } from '../net/sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../net/vnet.js'
import { icmp6Errno, tcp6Ctlinput } from '../netinet/tcp/tcp_ip6.js'
import { tcpCtlNotify } from '../netinet/tcp/tcp_subr.js'
import { in6Key } from './in6_var.js'
import { ip6 } from './ip6/ip6.js'
import { ip6Output } from './ip6/ip6_output.js'
import { mldQueryInput, mldReportInput } from './mld6/mld6.js'
import { icmp6RedirectInput } from './nd6/icmp6_redirect.js'
import { nd6NaInput, nd6NsInput } from './nd6/nd6_nbr.js'
import { nd6RaInput, nd6RsInput } from './nd6/nd6_rtr.js'
import { rip6Input } from './raw_ip6.js'
import { udp6Ctlinput } from './udp6_usrreq.js'

/** struct icmp6stat (netinet/icmp6.h), the counters netstat -s -p icmp6 shows. */
export class Icmp6Stats {
  icp6s_error = 0
  icp6s_canterror = 0
  icp6s_toofreq = 0
  readonly icp6s_outhist: number[] = new Array<number>(256).fill(0)
  icp6s_badcode = 0
  icp6s_tooshort = 0
  icp6s_checksum = 0
  icp6s_badlen = 0
  icp6s_reflect = 0
  readonly icp6s_inhist: number[] = new Array<number>(256).fill(0)
  /** struct icmp6errstat icp6s_outerrhist: the errors icmp6_error was asked for, by type and code. */
  icp6s_odst_unreach_noroute = 0
  icp6s_odst_unreach_admin = 0
  icp6s_odst_unreach_beyondscope = 0
  icp6s_odst_unreach_addr = 0
  icp6s_odst_unreach_noport = 0
  icp6s_opacket_too_big = 0
  icp6s_otime_exceed_transit = 0
  icp6s_otime_exceed_reassembly = 0
  icp6s_oparamprob_header = 0
  icp6s_oparamprob_nextheader = 0
  icp6s_oparamprob_option = 0
  icp6s_oredirect = 0
  icp6s_ounknown = 0
  /** Path MTU changes learnt from Packet Too Big (not counted yet: no IPv6 host cache). */
  icp6s_pmtuchg = 0
  icp6s_nd_toomanyopt = 0
  icp6s_nd_badopt = 0
  icp6s_badns = 0
  icp6s_badna = 0
  icp6s_badrs = 0
  icp6s_badra = 0
  icp6s_badredirect = 0
  /** Default router and prefix lists full (net.inet6.ip6.maxifdefrouters / maxifprefixes). */
  icp6s_overflowdefrtr = 0
  icp6s_overflowprfx = 0
  /** Ours (FreeBSD only logs it): another node claimed one of our addresses. */
  icp6s_dupaddr = 0
}

export class Icmp6Vnet {
  readonly stats = new Icmp6Stats()
  /** net.inet6.icmp6.errppslimit: errors per second, 0 = no limit. */
  errppslimit = 100
  /** net.inet6.icmp6.rediraccept: hosts take redirects. */
  rediraccept = 1
  /** net.inet6.icmp6.redirtimeout: seconds a redirect's route lives. */
  redirtimeout = 600
  /** net.inet6.mld.v1enable, v2enable: whether MLDv1 and MLDv2 queries are heeded (mld6.ts). */
  mldV1enable = 1
  mldV2enable = 1
  /** Expires redirects' dynamic routes (icmp6_redirect.ts), made on the first one. */
  redirTimer: Timer | null = null
  /** ppsratecheck state: the second being counted and the errors sent in it. */
  private ppsSec = -1
  private ppsCount = 0
  /** Reply addresses copied out of the packet before its header is overwritten. */
  readonly rs = new Uint8Array(16)
  readonly rd = new Uint8Array(16)

  /** ppsratecheck: true when one more error may go out this second. */
  allowError(now: number): boolean {
    if (this.errppslimit <= 0) return true
    const sec = Math.floor(now / SEC)
    if (sec !== this.ppsSec) {
      this.ppsSec = sec
      this.ppsCount = 0
    }
    if (this.ppsCount >= this.errppslimit) return false
    this.ppsCount++
    return true
  }
}

export const icmp6Module: VnetModule<Icmp6Vnet> = {
  name: 'icmp6',
  slot: Slot.ICMP6,
  create: () => new Icmp6Vnet(),
  destroy: (s) => s.redirTimer?.cancel(),
  sysctls: [
    intKnob(
      'net.inet6.icmp6.rediraccept',
      'Accept ICMPv6 redirect messages',
      (v) => icmp6(v),
      'rediraccept',
      { min: 0, max: 1 },
    ),
    intKnob(
      'net.inet6.icmp6.redirtimeout',
      'Delay in seconds before expiring redirect route',
      (v) => icmp6(v),
      'redirtimeout',
      { min: 0 },
    ),
    intKnob('net.inet6.mld.v1enable', 'Enable fallback to MLDv1', (v) => icmp6(v), 'mldV1enable', {
      min: 0,
      max: 1,
    }),
    intKnob('net.inet6.mld.v2enable', 'Enable MLDv2', (v) => icmp6(v), 'mldV2enable', { min: 0, max: 1 }),
    intKnob(
      'net.inet6.icmp6.errppslimit',
      'Maximum number of ICMPv6 error messages per second',
      (v) => icmp6(v),
      'errppslimit',
      {
        min: 0,
      },
    ),
  ],
}

export function icmp6(v: Vnet): Icmp6Vnet {
  return vstate(v, icmp6Module)
}

export function icmp6Stats(v: Vnet): Icmp6Stats {
  return icmp6(v).stats
}

/**
 * icmp6_input: m starts at the IPv6 header, the ICMPv6 message at io (after any extension headers).
 * `zone` is the interface index link-scoped addresses of this packet belong to. Takes ownership.
 */
export function icmp6Input(v: Vnet, ifp: Ifnet, m: Mbuf, io: number, zone: number): void {
  const s = icmp6(v)
  const st = s.stats
  const pool = v.env.pool
  const b = m.data
  const ilen = m.off + m.len - io
  if (ilen < ICMP6_HDR_LEN) {
    st.icp6s_tooshort++
    pool.put(m)
    return
  }
  if (icmp6Sum(b, io, ilen, b, m.off + 8, b, m.off + 24) !== 0) {
    st.icp6s_checksum++
    pool.put(m)
    return
  }
  const type = b[io]!
  st.icp6s_inhist[type]!++
  switch (type) {
    case Icmp6Type.ECHO_REQUEST:
      if (b[io + 1] !== 0) {
        st.icp6s_badcode++
        pool.put(m)
        return
      }
      rip6Input(v, ifp, m, io, zone)
      echoReply(v, m, io, ilen, zone)
      return
    case Icmp6Type.ROUTER_SOLICIT:
    case Icmp6Type.ROUTER_ADVERT: {
      // The kernel takes what it needs; the raw sockets (rtadvd, rtsold) get the message as well.
      const min = type === Icmp6Type.ROUTER_SOLICIT ? ND_RS_LEN : ND_RA_LEN
      if (b[io + 1] !== 0 || ilen < min) {
        if (b[io + 1] !== 0) st.icp6s_badcode++
        else st.icp6s_badlen++
        pool.put(m)
        return
      }
      if (type === Icmp6Type.ROUTER_SOLICIT) nd6RsInput(ifp, m, io, ilen)
      else nd6RaInput(ifp, m, io, ilen)
      break
    }
    case Icmp6Type.NEIGHBOR_SOLICIT:
      nd6NsInput(ifp, m, io, ilen)
      return
    case Icmp6Type.NEIGHBOR_ADVERT:
      nd6NaInput(ifp, m, io, ilen)
      return
    case Icmp6Type.REDIRECT:
      icmp6RedirectInput(v, ifp, b, m.off, io, ilen)
      break
    case Icmp6Type.MLD_LISTENER_QUERY:
      // The source and hop limit are the IPv6 header's (m.off): §5.1.14's checks.
      if (!mldQueryInput(ifp, b, m.off, io, ilen)) {
        st.icp6s_badlen++
        pool.put(m)
        return
      }
      break
    case Icmp6Type.MLD_LISTENER_REPORT:
      mldReportInput(ifp, b, m.off, io, ilen)
      break
    case Icmp6Type.DST_UNREACH:
    case Icmp6Type.PACKET_TOO_BIG:
    case Icmp6Type.TIME_EXCEEDED:
    case Icmp6Type.PARAM_PROB:
      // An error must quote at least the offending IPv6 header.
      if (ilen < ICMP6_HDR_LEN + IPV6_HDR_LEN) {
        st.icp6s_tooshort++
        pool.put(m)
        return
      }
      icmp6Notify(v, type, b[io + 1]!, readU32(b, io + 4), b, io + ICMP6_HDR_LEN, ilen - ICMP6_HDR_LEN)
      break
    default:
      break
  }
  rip6Input(v, ifp, m, io, zone)
  pool.put(m)
}

/**
 * icmp6_notify_error: an error quoting a packet of ours (its IPv6 header at b[inner]) goes to the
 * transport that sent it (pr_ctlinput), when the quote starts with that transport's header.
 */
function icmp6Notify(
  v: Vnet,
  type: number,
  code: number,
  param: number,
  b: Uint8Array,
  inner: number,
  innerLen: number,
): void {
  const nxt = b[inner + 6]
  if (nxt === Ip6Nxt.TCP) tcp6Ctlinput(v, type, code, param, b, inner, innerLen, tcpCtlNotify)
  else if (nxt === Ip6Nxt.UDP)
    udp6Ctlinput(
      v,
      type,
      code,
      param,
      type === Icmp6Type.PACKET_TOO_BIG ? null : icmp6Errno(type, code),
      b,
      inner,
      innerLen,
    )
}

/** Turn an echo request into its reply in place and send it (icmp6_reflect). */
function echoReply(v: Vnet, m: Mbuf, io: number, ilen: number, zone: number): void {
  const s = icmp6(v)
  const b = m.data
  in6Copy(s.rs, 0, b, m.off + 8)
  in6Copy(s.rd, 0, b, m.off + 24)
  // A request to a group is answered from one of our unicast addresses (RFC 4443 §4.2).
  const fromGroup = in6IsMulticast(s.rd, 0)
  m.adj(io - m.off)
  m.len = ilen
  b[io] = Icmp6Type.ECHO_REPLY
  s.stats.icp6s_reflect++
  s.stats.icp6s_outhist[Icmp6Type.ECHO_REPLY]!++
  ip6Output(v, m, s.rs, 0, Ip6Nxt.ICMPV6, {
    hlim: ip6(v).defHlim,
    src: fromGroup ? null : s.rd,
    zone,
    csumOff: 2,
  })
}

/** icmp6_errcount: the error histogram, counted before any reason not to send is looked at. */
export function icmp6ErrCount(st: Icmp6Stats, type: number, code: number): void {
  switch (type) {
    case Icmp6Type.DST_UNREACH:
      if (code === Unreach6Code.NOROUTE) st.icp6s_odst_unreach_noroute++
      else if (code === Unreach6Code.ADMIN) st.icp6s_odst_unreach_admin++
      else if (code === Unreach6Code.BEYONDSCOPE) st.icp6s_odst_unreach_beyondscope++
      else if (code === Unreach6Code.ADDR) st.icp6s_odst_unreach_addr++
      else if (code === Unreach6Code.NOPORT) st.icp6s_odst_unreach_noport++
      else break
      return
    case Icmp6Type.PACKET_TOO_BIG:
      st.icp6s_opacket_too_big++
      return
    case Icmp6Type.TIME_EXCEEDED:
      if (code === TimeExceed6Code.TRANSIT) st.icp6s_otime_exceed_transit++
      else if (code === TimeExceed6Code.REASSEMBLY) st.icp6s_otime_exceed_reassembly++
      else break
      return
    case Icmp6Type.PARAM_PROB:
      if (code === ParamProb6Code.HEADER) st.icp6s_oparamprob_header++
      else if (code === ParamProb6Code.NEXTHEADER) st.icp6s_oparamprob_nextheader++
      else if (code === ParamProb6Code.OPTION) st.icp6s_oparamprob_option++
      else break
      return
    case Icmp6Type.REDIRECT:
      st.icp6s_oredirect++
      return
  }
  st.icp6s_ounknown++
}

/**
 * icmp6_error: answer the packet m (starting at its IPv6 header, owned by this call) with an error
 * of `type`/`code`, `param` in the header's second word (MTU, pointer). Quietly drops it where
 * RFC 4443 §2.4(e) forbids an answer, and beyond errppslimit per second.
 */
export function icmp6Error(
  v: Vnet,
  m: Mbuf,
  type: number,
  code: number,
  param: number,
  scopeIf: Ifnet | null = null,
): void {
  const s = icmp6(v)
  const st = s.stats
  const pool = v.env.pool
  st.icp6s_error++
  icmp6ErrCount(st, type, code)
  const b = m.data
  const o = m.off
  if (m.len < IPV6_HDR_LEN) {
    pool.put(m)
    return
  }
  // Never about an error message or a redirect (§2.4(e.1)), nor to a source that names no single node.
  const nxt = b[o + 6]!
  const quotesError =
    nxt === Ip6Nxt.ICMPV6 &&
    m.len >= IPV6_HDR_LEN + ICMP6_HDR_LEN &&
    (isIcmp6Error(b[o + 40]!) || b[o + 40] === Icmp6Type.REDIRECT)
  // §2.4(e.2, e.3): not for a packet to a group or sent as a link-layer multicast, except a
  // Packet Too Big and a Parameter Problem about an unknown option.
  const groupOk =
    type === Icmp6Type.PACKET_TOO_BIG || (type === Icmp6Type.PARAM_PROB && code === ParamProb6Code.OPTION)
  if (
    quotesError ||
    in6IsUnspecified(b, o + 8) ||
    in6IsMulticast(b, o + 8) ||
    (!groupOk && (in6IsMulticast(b, o + 24) || m.linkBcast))
  ) {
    st.icp6s_canterror++
    pool.put(m)
    return
  }
  if (!s.allowError(v.env.clock.now())) {
    st.icp6s_toofreq++
    pool.put(m)
    return
  }
  // The reply goes back out of the link the packet came in on when its source is link-scoped; a
  // packet of our own (no rcvif) is scoped by the interface it was to leave by (icmp6_error2).
  const rcv = scopeIf ?? (m.rcvif as Ifnet | null)
  const zone = rcv !== null && rcv.vnet === v ? rcv.index : 0
  in6Copy(s.rs, 0, b, o + 8)
  // Our own address as source when the packet was for us (§2.2), else the usual selection.
  in6Copy(s.rd, 0, b, o + 24)
  const k = ip6(v).keyIn
  in6Key(k, s.rd, 0, zone)
  const ours = ip6(v).localByKey(k, 0)
  // As much of the offending packet as fits in the minimum MTU (§2.4(c)).
  const quote = Math.min(m.len, IPV6_MMTU - IPV6_HDR_LEN - ICMP6_HDR_LEN)
  const n = pool.get(ICMP6_HDR_LEN + quote)
  writeIcmp6Header(n.data, n.off, type, code, param)
  n.data.set(b.subarray(o, o + quote), n.off + ICMP6_HDR_LEN)
  n.len = ICMP6_HDR_LEN + quote
  pool.put(m)
  st.icp6s_outhist[type]!++
  ip6Output(v, n, s.rs, 0, Ip6Nxt.ICMPV6, {
    hlim: ip6(v).defHlim,
    src: ours?.usable ? ours.addr : null,
    zone,
    csumOff: 2,
  })
}

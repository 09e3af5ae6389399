/**
 * ICMP for IPv4 (RFC 792, RFC 1122 §3.2.2, RFC 1812 §4.3): echo replies, error generation with
 * FreeBSD's rules for when not to send one, and the per-type rate limit net.inet.icmp.icmplim.
 * Received messages are validated and counted in struct icmpstat, then copied to raw sockets
 * (all but the echo requests the kernel answers itself, as FreeBSD).
 */

import type { Mbuf } from '../../buf/mbuf.js'
import { SEC } from '../../util/clock.js'
import { readU16, readU32, writeU16, writeU32 } from '../../wire/addr.js'
import { checksum, updateChecksum16 } from '../../wire/checksum.js'
import { ICMP_HDR_LEN, IcmpType, icmpFinish, isIcmpError, writeIcmpHeader } from '../../wire/inet/icmp.js'
import { IP_OFFMASK, IPV4_MIN_HDR, IpProto } from '../../wire/inet/ipv4.js'
import { IFF, type Ifnet } from '../net/ifnet.js'
import { intKnob } from '../net/sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../net/vnet.js'
import { ip } from './ip/ip.js'
import { ipCtlinput } from './ip/ip_ctlinput.js'
import { ipReflectOptions } from './ip/ip_options.js'
import { ipOutput } from './ip/ip_output.js'
import { rawInput } from './raw.js'

const ICMP_MAXTYPE = 40

/** struct icmpstat; the histograms are listed as icps_outhist[N] / icps_inhist[N]. */
export class IcmpStats {
  icps_error = 0
  icps_oldshort = 0
  icps_oldicmp = 0
  readonly icps_outhist = new Array<number>(ICMP_MAXTYPE + 1).fill(0)
  icps_badcode = 0
  icps_tooshort = 0
  icps_checksum = 0
  icps_badlen = 0
  icps_reflect = 0
  readonly icps_inhist = new Array<number>(ICMP_MAXTYPE + 1).fill(0)
  icps_bmcastecho = 0
  icps_bmcasttstamp = 0
  icps_badaddr = 0
  icps_noroute = 0
  /** Responses suppressed by icmplim (FreeBSD logs these; we count them). */
  icps_ratelimited = 0
}

export class IcmpVnet {
  readonly stats = new IcmpStats()
  /** net.inet.icmp.icmplim: responses per second per type; 0 disables the limit. */
  icmplim = 200
  bmcastecho = 0
  /** Bytes of the offending datagram's payload quoted in errors, beyond its header. */
  quotelen = 8
  /** net.inet.icmp.maskrepl: answer address mask requests (RFC 950); off, as FreeBSD ships. */
  maskrepl = 0
  /** net.inet.icmp.maskfake: the mask to answer with instead of the interface's, when not 0. */
  maskfake = 0
  private window = -1
  private readonly sent = new Array<number>(ICMP_MAXTYPE + 1).fill(0)

  /** ppsratecheck: may one more response of this type go out in the current second? */
  allow(now: number, type: number): boolean {
    if (this.icmplim <= 0) return true
    const sec = Math.floor(now / SEC)
    if (sec !== this.window) {
      this.window = sec
      this.sent.fill(0)
    }
    if (this.sent[type]! >= this.icmplim) {
      this.stats.icps_ratelimited++
      return false
    }
    this.sent[type]!++
    return true
  }
}

export const icmpModule: VnetModule<IcmpVnet> = {
  name: 'icmp',
  slot: Slot.ICMP,
  create: () => new IcmpVnet(),
  sysctls: [
    intKnob(
      'net.inet.icmp.icmplim',
      'Maximum number of ICMP responses per second',
      (v) => icmp(v),
      'icmplim',
      {
        min: 0,
      },
    ),
    intKnob(
      'net.inet.icmp.bmcastecho',
      'Reply to multicast/broadcast echo requests',
      (v) => icmp(v),
      'bmcastecho',
      {
        min: 0,
        max: 1,
      },
    ),
    intKnob(
      'net.inet.icmp.maskrepl',
      'Reply to ICMP Address Mask Request packets',
      (v) => icmp(v),
      'maskrepl',
      {
        min: 0,
        max: 1,
      },
    ),
    {
      ...intKnob(
        'net.inet.icmp.maskfake',
        'Fake reply to ICMP Address Mask Request packets',
        (v) => icmp(v),
        'maskfake',
      ),
      ctype: 'uint',
    },
    intKnob(
      'net.inet.icmp.quotelen',
      'Number of original packet bytes to include in ICMP errors',
      (v) => icmp(v),
      'quotelen',
      {
        min: 0,
        max: 1472,
      },
    ),
  ],
}

export function icmp(v: Vnet): IcmpVnet {
  return vstate(v, icmpModule)
}

/** Handle a locally delivered ICMP message; m starts at the IP header of length hlen. */
export function icmpInput(v: Vnet, ifp: Ifnet, m: Mbuf, hlen: number): void {
  const st = icmp(v).stats
  const pool = v.env.pool
  const buf = m.data
  const off = m.off + hlen
  const len = m.len - hlen
  if (len < ICMP_HDR_LEN) {
    st.icps_tooshort++
    pool.put(m)
    return
  }
  if (checksum(buf, off, len) !== 0) {
    st.icps_checksum++
    pool.put(m)
    return
  }
  const type = buf[off]!
  if (type <= ICMP_MAXTYPE) st.icps_inhist[type]!++
  if (isIcmpError(type) && len < ICMP_HDR_LEN + 20) {
    // An error must quote at least the offending IP header (RFC 792).
    st.icps_badlen++
    pool.put(m)
    return
  }
  if (isIcmpError(type)) ipCtlinput(v, type, buf[off + 1]!, buf, off + ICMP_HDR_LEN, len - ICMP_HDR_LEN)
  if (type === IcmpType.ECHO) {
    const dst = readU32(buf, m.off + 16)
    // An echo request the kernel answers is consumed here (icmp_input's `reflect` returns without
    // rip_input): raw sockets, ping's among them, never see it. One it refuses goes on to them.
    if (v.isLocal(dst) || icmp(v).bmcastecho !== 0) {
      icmpReflectEcho(v, m, hlen)
      return
    }
    st.icps_bmcastecho++
  }
  if (
    type === IcmpType.MASKREQ &&
    icmp(v).maskrepl !== 0 &&
    len >= ICMP_MASKLEN &&
    icmpReflectMask(v, ifp, m, hlen)
  )
    return
  rawInput(v, ifp, m, IpProto.ICMP)
  pool.put(m)
}

/** Turn an echo request into the reply in place and send it back (icmp_reflect). */
function icmpReflectEcho(v: Vnet, m: Mbuf, hlen: number): void {
  const state = icmp(v)
  if (!state.allow(v.env.clock.now(), IcmpType.ECHO_REPLY)) {
    v.env.pool.put(m)
    return
  }
  const buf = m.data
  const origSrc = readU32(buf, m.off + 12)
  const origDst = readU32(buf, m.off + 16)
  const tos = buf[m.off + 1]!
  // Record route and timestamp options go back in the reply (icmp_reflect); the others stay behind.
  const opts = hlen > IPV4_MIN_HDR ? ipReflectOptions(buf, m.off, hlen) : null
  m.adj(hlen)
  const oldWord = readU16(buf, m.off)
  buf[m.off] = IcmpType.ECHO_REPLY
  writeU16(buf, m.off + 2, updateChecksum16(readU16(buf, m.off + 2), oldWord, readU16(buf, m.off)))
  state.stats.icps_reflect++
  state.stats.icps_outhist[IcmpType.ECHO_REPLY]!++
  // A broadcast echo is answered from the address of the interface the reply leaves by.
  const src = v.isLocal(origDst) ? origDst : 0
  ipOutput(v, m, origSrc, IpProto.ICMP, {
    ttl: ip(v).defaultTtl,
    tos,
    df: false,
    src,
    dontRoute: false,
    opts,
  })
}

/** ICMP_MASKLEN: type, code, checksum, id, seq and the 32-bit mask. */
const ICMP_MASKLEN = 12

/**
 * Answer an address mask request in place (icmp_input's ICMP_MASKREQ case): the mask of the
 * receiving interface's address on the requester's subnet (or on the one it asked, when it did not
 * broadcast), or net.inet.icmp.maskfake. False when the interface has no address to answer for.
 */
function icmpReflectMask(v: Vnet, ifp: Ifnet, m: Mbuf, hlen: number): boolean {
  const state = icmp(v)
  const buf = m.data
  let src = readU32(buf, m.off + 12)
  const dst = readU32(buf, m.off + 16)
  const target = dst === 0xffffffff || dst === 0 ? src : dst
  // ifaof_ifpforaddr: the address whose subnet holds the target, else the interface's first.
  const ia = ifp.addrs.find((a) => ((a.addr ^ target) & a.mask) === 0) ?? ifp.addrs[0]
  if (ia === undefined) return false
  if (src === 0) src = (ifp.flags & IFF.BROADCAST) !== 0 ? ia.broadcast : ia.dst
  m.adj(hlen)
  const o = m.off
  buf[o] = IcmpType.MASKREPLY
  writeU32(buf, o + 8, state.maskfake !== 0 ? state.maskfake : ia.mask)
  writeU16(buf, o + 2, 0)
  writeU16(buf, o + 2, checksum(buf, o, m.len))
  state.stats.icps_reflect++
  state.stats.icps_outhist[IcmpType.MASKREPLY]!++
  const from = v.isLocal(dst) ? dst : ia.addr
  ipOutput(v, m, src, IpProto.ICMP, { ttl: ip(v).defaultTtl, tos: 0, df: false, src: from, dontRoute: false })
  return true
}

/**
 * Send an ICMP error about datagram m (which starts at its IP header) to its source, unless the
 * RFC 1122 §3.2.2 / RFC 1812 §4.3.2.7 rules forbid it. Always takes ownership of m.
 */
/**
 * `forwarded`: m was being forwarded and its TTL already decremented; the error quotes the header
 * as it arrived, as ip_forward quotes the copy it saved before decrementing (mcopy).
 */
export function icmpError(
  v: Vnet,
  m: Mbuf,
  type: number,
  code: number,
  rest32: number,
  forwarded = false,
): void {
  const state = icmp(v)
  const st = state.stats
  const pool = v.env.pool
  // "calls to icmp_error", as FreeBSD counts them: before the rules below, redirects aside.
  if (type !== IcmpType.REDIRECT) st.icps_error++
  const buf = m.data
  const o = m.off
  const hlen = (buf[o]! & 0xf) << 2
  const src = readU32(buf, o + 12)
  const dst = readU32(buf, o + 16)
  const proto = buf[o + 9]!
  const fragOff = readU16(buf, o + 6) & IP_OFFMASK
  // Not about ICMP errors, non-initial fragments, link-layer or IP broadcast / multicast, or martians.
  if (proto === IpProto.ICMP && fragOff === 0 && m.len >= hlen + 1 && isIcmpError(buf[o + hlen]!)) {
    st.icps_oldicmp++
    pool.put(m)
    return
  }
  if (
    m.linkBcast ||
    fragOff !== 0 ||
    src === 0 ||
    v.isBroadcast(src) ||
    src >>> 28 === 0xe ||
    dst >>> 28 === 0xe ||
    v.isBroadcast(dst)
  ) {
    pool.put(m)
    return
  }
  if (m.len < hlen + (type === IcmpType.REDIRECT ? 8 : 0)) {
    st.icps_oldshort++
    pool.put(m)
    return
  }
  // How much to quote (icmp_error): quotelen bytes past the IP header, never under 8 (RFC 792); for
  // TCP at least its whole header, options too, so the sender finds the connection and can check
  // the sequence number (RFC 5927 §4.1) — a segment too short to hold that header is not answered.
  const payload = readU16(buf, o + 2) - hlen
  let elen = Math.max(8, Math.min(state.quotelen, payload))
  if (proto === IpProto.TCP) {
    const thlen = m.len >= hlen + 20 ? (buf[o + hlen + 12]! >> 4) << 2 : 0
    if (thlen < 20 || payload < thlen || m.len < hlen + thlen) {
      pool.put(m)
      return
    }
    elen = Math.max(thlen, Math.min(state.quotelen, payload))
  }
  if (type !== IcmpType.REDIRECT && !state.allow(v.env.clock.now(), type)) {
    pool.put(m)
    return
  }
  const quote = Math.min(m.len, hlen + elen)
  const n = pool.get(ICMP_HDR_LEN + quote)
  writeIcmpHeader(n.data, n.off, type, code, rest32 >>> 0)
  n.data.set(buf.subarray(o, o + quote), n.off + ICMP_HDR_LEN)
  if (forwarded) undoTtlDecrement(n.data, n.off + ICMP_HDR_LEN)
  n.len = ICMP_HDR_LEN + quote
  icmpFinish(n.data, n.off, n.len)
  if (type <= ICMP_MAXTYPE) st.icps_outhist[type]!++
  pool.put(m)
  ipOutput(v, n, src, IpProto.ICMP, {
    ttl: ip(v).defaultTtl,
    tos: 0,
    df: false,
    src: v.isLocal(dst) ? dst : 0,
    dontRoute: false,
  })
}

/** The inverse of ip_forward's TTL decrement on a quoted header (RFC 1624 incremental checksum). */
function undoTtlDecrement(b: Uint8Array, o: number): void {
  const old = readU16(b, o + 8)
  b[o + 8] = (b[o + 8]! + 1) & 0xff
  writeU16(b, o + 10, updateChecksum16(readU16(b, o + 10), old, readU16(b, o + 8)))
}

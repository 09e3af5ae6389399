/**
 * Router Solicitation and Router Advertisement (RFC 4861 §4.1, §4.2) with the options they carry:
 * source link-layer address, prefix information (§4.6.2) and MTU (§4.6.4). `ndRouterOptions`
 * walks the options of a received message the way FreeBSD's nd6_options does (a zero-length or
 * overrunning option makes the whole message invalid; after ND_MAX_OPTS options the rest are
 * ignored; a repeated link-layer or MTU option keeps the first) into a caller-owned record, so the
 * kernel's input path allocates nothing. `emitRouterSolicit` / `emitRouterAdvert` build messages for
 * rtsol and rtadvd (checksum left for the kernel). Must not: decide what a message means.
 */

import { readU32, writeU16, writeU32 } from '../addr.js'
import { Icmp6Type, ND_OPT_LLA_LEN, NdOpt, writeNdOptLla } from './icmpv6.js'

/** ICMPv6 header + reserved. */
export const ND_RS_LEN = 8
/** ICMPv6 header + cur hop limit, flags, router lifetime + reachable time + retrans timer. */
export const ND_RA_LEN = 16
export const ND_OPT_PI_LEN = 32
export const ND_OPT_MTU_LEN = 8

/** RA flags (the byte after Cur Hop Limit). */
export const ND_RA_FLAG_MANAGED = 0x80
export const ND_RA_FLAG_OTHER = 0x40
/** Default Router Preference (RFC 4191 §2.2): two bits, 01 high, 00 medium, 11 low, 10 reserved. */
export const ND_RA_FLAG_RTPREF_MASK = 0x18
/** Prefix information flags. */
export const ND_OPT_PI_FLAG_ONLINK = 0x80
export const ND_OPT_PI_FLAG_AUTO = 0x40
/** RFC 4861's "infinity" for lifetimes. */
export const ND6_INFINITE_LIFETIME = 0xffffffff

/** nd6_maxndopt: options examined in one message. */
export const ND_MAX_OPTS = 10

/** What `ndRouterOptions` found; offsets are absolute in the buffer, -1 when absent. */
export class NdRouterOpts {
  slla = -1
  sllaLen = 0
  mtu = -1
  mtuLen = 0
  /** Offsets of the prefix information options, in order. */
  readonly pi = new Int32Array(ND_MAX_OPTS)
  piCount = 0
  /** More than ND_MAX_OPTS options: the rest were not looked at (icp6s_nd_toomanyopt). */
  truncated = false

  reset(): void {
    this.slla = -1
    this.sllaLen = 0
    this.mtu = -1
    this.mtuLen = 0
    this.piCount = 0
    this.truncated = false
  }
}

/**
 * Walk the options in buf[off, off+len) into `out`. Returns false when the options are invalid
 * (zero length or overrunning the message: RFC 4861 §4.6, the message is dropped).
 */
export function ndRouterOptions(buf: Uint8Array, off: number, len: number, out: NdRouterOpts): boolean {
  out.reset()
  const end = off + len
  let n = 0
  for (let p = off; p < end; ) {
    if (p + 2 > end) return false
    const olen = buf[p + 1]! * 8
    if (olen === 0 || p + olen > end) return false
    const type = buf[p]!
    if (type === NdOpt.SOURCE_LINKADDR) {
      if (out.slla < 0) {
        out.slla = p
        out.sllaLen = olen
      }
    } else if (type === NdOpt.MTU) {
      if (out.mtu < 0) {
        out.mtu = p
        out.mtuLen = olen
      }
    } else if (type === NdOpt.PREFIX_INFORMATION) out.pi[out.piCount++] = p
    p += olen
    if (++n >= ND_MAX_OPTS) {
      if (p < end) out.truncated = true
      break
    }
  }
  return true
}

/** The Ethernet address in a source link-layer option at o (its length checked by the caller). */
export function ndOptMac(buf: Uint8Array, o: number): number {
  return ((buf[o + 2]! << 8) | buf[o + 3]!) * 0x100000000 + readU32(buf, o + 4)
}

export interface RaPrefix {
  prefix: Uint8Array
  prefixLen: number
  onlink: boolean
  autonomous: boolean
  vltime: number
  pltime: number
}

export interface RaSpec {
  curHopLimit: number
  /** ND_RA_FLAG_* (managed, other, router preference bits). */
  flags: number
  routerLifetime: number
  reachableTime: number
  retransTimer: number
  /** Our MAC for the source link-layer option, or null for none. */
  mac: number | null
  /** Link MTU option value, or 0 for none. */
  mtu: number
  prefixes: readonly RaPrefix[]
}

/** A Router Solicitation, with a source link-layer option when `mac` is given. */
export function emitRouterSolicit(mac: number | null): Uint8Array {
  const b = new Uint8Array(ND_RS_LEN + (mac === null ? 0 : ND_OPT_LLA_LEN))
  b[0] = Icmp6Type.ROUTER_SOLICIT
  if (mac !== null) writeNdOptLla(b, ND_RS_LEN, NdOpt.SOURCE_LINKADDR, mac)
  return b
}

/** A Router Advertisement: fixed part, source link-layer, MTU, then the prefixes. */
export function emitRouterAdvert(s: RaSpec): Uint8Array {
  const len =
    ND_RA_LEN +
    (s.mac === null ? 0 : ND_OPT_LLA_LEN) +
    (s.mtu !== 0 ? ND_OPT_MTU_LEN : 0) +
    s.prefixes.length * ND_OPT_PI_LEN
  const b = new Uint8Array(len)
  b[0] = Icmp6Type.ROUTER_ADVERT
  b[4] = s.curHopLimit & 0xff
  b[5] = s.flags & 0xff
  writeU16(b, 6, s.routerLifetime & 0xffff)
  writeU32(b, 8, s.reachableTime >>> 0)
  writeU32(b, 12, s.retransTimer >>> 0)
  let o = ND_RA_LEN
  if (s.mac !== null) {
    writeNdOptLla(b, o, NdOpt.SOURCE_LINKADDR, s.mac)
    o += ND_OPT_LLA_LEN
  }
  if (s.mtu !== 0) {
    b[o] = NdOpt.MTU
    b[o + 1] = ND_OPT_MTU_LEN / 8
    writeU32(b, o + 4, s.mtu >>> 0)
    o += ND_OPT_MTU_LEN
  }
  for (const p of s.prefixes) {
    b[o] = NdOpt.PREFIX_INFORMATION
    b[o + 1] = ND_OPT_PI_LEN / 8
    b[o + 2] = p.prefixLen
    b[o + 3] = (p.onlink ? ND_OPT_PI_FLAG_ONLINK : 0) | (p.autonomous ? ND_OPT_PI_FLAG_AUTO : 0)
    writeU32(b, o + 4, p.vltime >>> 0)
    writeU32(b, o + 8, p.pltime >>> 0)
    b.set(p.prefix.subarray(0, 16), o + 16)
    o += ND_OPT_PI_LEN
  }
  return b
}

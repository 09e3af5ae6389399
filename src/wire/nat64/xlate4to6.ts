/**
 * IPv4 -> IPv6 (RFC 7915 §4): the header rebuilt, ICMPv4 mapped to ICMPv6 (errors with the IPv4
 * packet they quote translated too), TCP/UDP checksums adjusted for the new pseudo header, fragments
 * carried across, and a packet too big for the IPv6 side fragmented or refused with Fragmentation Needed.
 * Functions of the translator (xlate.ts).
 *
 * Must not: throw or allocate; a packet that cannot be translated is counted and dropped.
 */

import { checksum, sum16 } from '../checksum.js'
import { icmp4ErrorTo6, plateauMtu, pointer4to6 } from './icmp_map.js'
import { copy, csumAdjust, u16, u32, w16, w32 } from './nat64_bytes.js'
import type { Nat64 } from './xlate.js'
import {
  FRAG_HDR,
  fragHeader,
  HEAD,
  ICMP6_ERR_MAX,
  IP6_HDR,
  ip6Header,
  NH_FRAG,
  PROTO_ICMP,
  PROTO_ICMP6,
  PROTO_TCP,
  PROTO_UDP,
} from './xlate_hdr.js'
import { echoReply4, error4 } from './xlate_icmp.js'

/** One IPv4 packet -> IPv6 packet(s), emitted; or dropped and counted, or answered with an ICMPv4 error. */
export function input4(x: Nat64, pkt: Uint8Array, off: number, len: number): void {
  const st = x.stats
  st.in4++
  if (len < 20) return void st.malformed++
  const ihl = (pkt[off]! & 15) * 4
  if (pkt[off]! >>> 4 !== 4 || ihl < 20 || ihl > len) return void st.malformed++
  const tot = u16(pkt, off + 2)
  if (tot < ihl || tot > len) return void st.malformed++
  if (checksum(pkt, off, ihl) !== 0) return void st.malformed++
  const fw = u16(pkt, off + 6)
  const df = (fw & 0x4000) !== 0
  const mf = (fw & 0x2000) !== 0
  const foff = (fw & 0x1fff) * 8
  const isFrag = mf || foff !== 0
  const ttl = pkt[off + 8]!
  const proto = pkt[off + 9]!
  const src = u32(pkt, off + 12)
  const dst = u32(pkt, off + 16)
  const p = off + ihl
  const plen = tot - ihl
  if (dst === x.self4) {
    if (proto === PROTO_ICMP && !isFrag && plen >= 8 && pkt[p] === 8 && checksum(pkt, p, plen) === 0)
      echoReply4(x, pkt, off, ihl, tot)
    return
  }
  if (ttl <= 1) {
    st.ttlExceeded++
    error4(x, pkt, off, tot, 11, 0, 0)
    return
  }
  const a6 = x.a6
  if (!x.map.map4to6(dst, a6, 16)) {
    st.unmapped++
    error4(x, pkt, off, tot, 3, 1, 0)
    return
  }
  if (!x.map.map4to6(src, a6, 0)) return void st.unmapped++
  const out = x.out
  let n: number
  if (proto === PROTO_ICMP) {
    // The ICMPv6 checksum covers a pseudo header with the whole message's length, unknown here.
    if (isFrag) return void st.fragDropped++
    n = icmp4to6(x, pkt, p, plen, out, HEAD)
    if (n < 0) return
  } else {
    copy(out, HEAD, pkt, p, p + plen)
    n = plen
    if (foff === 0 && !fixL4(x, out, HEAD, n, proto, pkt, off + 12, isFrag)) return
  }
  const nh = proto === PROTO_ICMP ? PROTO_ICMP6 : proto
  const whole = IP6_HDR + (isFrag ? FRAG_HDR : 0) + n
  if (whole <= x.mtu6) {
    const h = isFrag ? 0 : FRAG_HDR
    ip6Header(out, h, pkt[off + 1]!, (isFrag ? FRAG_HDR : 0) + n, isFrag ? NH_FRAG : nh, ttl - 1, a6, 0)
    if (isFrag) fragHeader(out, IP6_HDR, nh, foff, mf, u16(pkt, off + 4))
    st.out6++
    x.emit(out, h, whole)
    return
  }
  if (df && !isFrag) {
    // §4.1: DF set and too big for IPv6 — Fragmentation Needed with the MTU the IPv4 side must use.
    st.tooBig++
    error4(x, pkt, off, tot, 3, 4, x.mtu6 - 20)
    return
  }
  // §4.1: fragment, each piece a multiple of 8 bytes except the last.
  const chunk = (x.mtu6 - HEAD) & ~7
  const id = isFrag ? u16(pkt, off + 4) : x.nextId()
  for (let d = 0; d < n; d += chunk) {
    const k = Math.min(chunk, n - d)
    const last = d + k >= n
    // Each piece's headers go just before its data, over bytes already sent.
    const at = d
    ip6Header(out, at, pkt[off + 1]!, FRAG_HDR + k, NH_FRAG, ttl - 1, a6, 0)
    fragHeader(out, at + IP6_HDR, nh, foff + d, last ? mf : true, id)
    st.out6++
    x.emit(out, at, HEAD + k)
  }
}

/**
 * Checksum of the TCP or UDP header at b[q, q+n) after its pseudo header's addresses changed from
 * the IPv4 ones at old[oo, oo+8) to the IPv6 ones in a6[0, 32). A UDP datagram without checksum
 * gets one computed (§4.5), unless it is a fragment. False (counted) to drop.
 */
export function fixL4(
  x: Nat64,
  b: Uint8Array,
  q: number,
  n: number,
  proto: number,
  old: Uint8Array,
  oo: number,
  isFrag: boolean,
): boolean {
  const a6 = x.a6
  const at = proto === PROTO_TCP ? 16 : proto === PROTO_UDP ? 6 : -1
  if (at < 0) return true
  if (n < at + 2) {
    x.stats.malformed++
    return false
  }
  const newSum = sum16(a6, 0, 32)
  const c = u16(b, q + at)
  if (proto === PROTO_UDP && c === 0) {
    if (isFrag) {
      x.stats.fragDropped++
      return false
    }
    w16(b, q + 6, 0)
    const full = checksum(b, q, n, newSum + n + PROTO_UDP)
    w16(b, q + 6, full === 0 ? 0xffff : full)
    return true
  }
  let v = csumAdjust(c, sum16(old, oo, 8), newSum)
  if (proto === PROTO_UDP && v === 0) v = 0xffff
  w16(b, q + at, v)
  return true
}

/** ICMPv4 message at b[p, p+n) -> ICMPv6 at out[q..]; its length, or -1 (counted) to drop. */
export function icmp4to6(x: Nat64, b: Uint8Array, p: number, n: number, out: Uint8Array, q: number): number {
  const st = x.stats
  if (n < 8 || checksum(b, p, n) !== 0) {
    st.malformed++
    return -1
  }
  const type = b[p]!
  let len: number
  if (type === 8 || type === 0) {
    copy(out, q, b, p, p + n)
    out[q] = type === 8 ? 128 : 129
    out[q + 1] = 0
    len = n
  } else {
    const code = b[p + 1]!
    const tc = icmp4ErrorTo6(type, code)
    if (tc < 0) {
      st.icmpDropped++
      return -1
    }
    out[q] = tc >>> 8
    out[q + 1] = tc & 0xff
    let rest = 0
    if (type === 3 && code === 4) {
      // §4.2: advertised MTU + 20 (a plateau if the router gave 0), at most what both sides carry.
      const adv = u16(b, p + 6)
      const innerTot = n >= 12 ? u16(b, p + 10) : 0
      rest = Math.min(adv === 0 ? plateauMtu(innerTot) : adv + 20, x.mtu6, x.mtu4 + 20)
    } else if (type === 3 && code === 2) rest = 6
    else if (type === 12) {
      const ptr = pointer4to6(b[p + 4]!)
      if (ptr < 0) {
        st.icmpDropped++
        return -1
      }
      rest = ptr
    }
    w32(out, q + 4, rest)
    const inner = inner4to6(x, b, p + 8, n - 8, out, q + 8, ICMP6_ERR_MAX - IP6_HDR - 8)
    if (inner < 0) return -1
    len = 8 + inner
  }
  w16(out, q + 2, 0)
  const a6 = x.a6
  const pseudo = sum16(a6, 16, 16, sum16(a6, 0, 16)) + len + PROTO_ICMP6
  w16(out, q + 2, checksum(out, q, len, pseudo))
  return len
}

/** The IPv4 packet quoted in an ICMPv4 error -> IPv6, at most max bytes; -1 (counted) to drop. */
export function inner4to6(
  x: Nat64,
  b: Uint8Array,
  p: number,
  n: number,
  out: Uint8Array,
  q: number,
  max: number,
): number {
  const st = x.stats
  if (n < 20 || b[p]! >>> 4 !== 4) {
    st.malformed++
    return -1
  }
  const ihl = (b[p]! & 15) * 4
  const tot = u16(b, p + 2)
  if (ihl < 20 || ihl > n || tot < ihl) {
    st.malformed++
    return -1
  }
  const proto = b[p + 9]!
  const a6 = x.a6
  // The quoted packet went the other way: its source is the IPv6 host's IPv4 stand-in.
  if (!x.map.map4to6(u32(b, p + 12), a6, 32) || !x.map.map4to6(u32(b, p + 16), a6, 48)) {
    st.unmapped++
    return -1
  }
  const body = Math.min(n - ihl, max - IP6_HDR)
  const nh = proto === PROTO_ICMP ? PROTO_ICMP6 : proto
  ip6Header(out, q, b[p + 1]!, tot - ihl, nh, b[p + 8]!, a6, 32)
  const r = q + IP6_HDR
  copy(out, r, b, p + ihl, p + ihl + body)
  const foff = (u16(b, p + 6) & 0x1fff) * 8
  if (foff === 0 && proto === PROTO_ICMP && body >= 4) {
    const t = out[r]!
    if (t === 8 || t === 0) {
      // Echo inside an error: type changes, and ICMPv6's checksum adds a pseudo header.
      const t6 = t === 8 ? 128 : 129
      const oldSum = t << 8
      const newSum = (t6 << 8) + sum16(a6, 32, 32) + (tot - ihl) + PROTO_ICMP6
      out[r] = t6
      w16(out, r + 2, csumAdjust(u16(out, r + 2), oldSum, newSum))
    }
  } else if (foff === 0 && (proto === PROTO_TCP || proto === PROTO_UDP)) {
    const at = proto === PROTO_TCP ? 16 : 6
    if (body >= at + 2 && !(proto === PROTO_UDP && u16(out, r + 6) === 0)) {
      const v = csumAdjust(u16(out, r + at), sum16(b, p + 12, 8), sum16(a6, 32, 32))
      w16(out, r + at, proto === PROTO_UDP && v === 0 ? 0xffff : v)
    }
  }
  return IP6_HDR + body
}

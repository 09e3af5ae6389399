/**
 * IPv6 -> IPv4 (RFC 7915 §5): extension headers skipped (the Fragment Header becomes the IPv4
 * fragment fields), ICMPv6 mapped to ICMPv4 (errors with their quoted packet), TCP/UDP checksums
 * adjusted, and a packet too big for the IPv4 side refused with Packet Too Big. Functions of the
 * translator (xlate.ts).
 *
 * Must not: throw or allocate; a packet that cannot be translated is counted and dropped.
 */

import { checksum, sum16 } from '../checksum.js'
import { icmp6ErrorTo4, pointer6to4 } from './icmp_map.js'
import { copy, csumAdjust, eq16, isZero16, u16, u32, w16, w32 } from './nat64_bytes.js'
import type { Nat64 } from './xlate.js'
import {
  ICMP4_ERR_MAX,
  IP6_HDR,
  ip4Header,
  NH_DSTOPTS,
  NH_FRAG,
  NH_HOP,
  NH_ROUTING,
  PROTO_ICMP,
  PROTO_ICMP6,
  PROTO_TCP,
  PROTO_UDP,
} from './xlate_hdr.js'
import { echoReply6, error6 } from './xlate_icmp.js'

/** One IPv6 packet -> an IPv4 packet, emitted; or dropped and counted, or answered with an ICMPv6 error. */
export function input6(x: Nat64, pkt: Uint8Array, off: number, len: number): void {
  const st = x.stats
  st.in6++
  if (len < IP6_HDR || pkt[off]! >>> 4 !== 6) return void st.malformed++
  const end = off + IP6_HDR + u16(pkt, off + 4)
  if (end > off + len) return void st.malformed++
  const tot = end - off
  // Extension headers: skipped, except the Fragment Header, which becomes the IPv4 fragment fields.
  let nh = pkt[off + 6]!
  let p = off + IP6_HDR
  let isFrag = false
  let foff = 0
  let mf = false
  let fid = 0
  for (let i = 0; i < 8; i++) {
    if (nh === NH_HOP || nh === NH_DSTOPTS || nh === NH_ROUTING) {
      if (p + 8 > end) return void st.malformed++
      // §5.1: a Routing header with Segments Left non-zero is an error; we do not forward it.
      if (nh === NH_ROUTING && pkt[p + 3] !== 0) return void st.malformed++
      const hl = (pkt[p + 1]! + 1) * 8
      nh = pkt[p]!
      p += hl
      if (p > end) return void st.malformed++
    } else if (nh === NH_FRAG) {
      if (p + 8 > end) return void st.malformed++
      const fw = u16(pkt, p + 2)
      isFrag = true
      foff = fw & 0xfff8
      mf = (fw & 1) !== 0
      fid = u32(pkt, p + 4)
      nh = pkt[p]!
      p += 8
      break
    } else break
  }
  if (nh === NH_HOP || nh === NH_DSTOPTS || nh === NH_ROUTING || nh === NH_FRAG) return void st.malformed++
  const hlim = pkt[off + 7]!
  const plen = end - p
  // Multicast destinations and unspecified or multicast sources are never translated.
  if (pkt[off + 24] === 0xff || pkt[off + 8] === 0xff || isZero16(pkt, off + 8)) return void st.unmapped++
  if (eq16(pkt, off + 24, x.self6, 0)) {
    if (nh === PROTO_ICMP6 && !isFrag && plen >= 8 && pkt[p] === 128) echoReply6(x, pkt, off, p, end)
    return
  }
  if (hlim <= 1) {
    st.ttlExceeded++
    error6(x, pkt, off, tot, 3, 0, 0)
    return
  }
  const dst = x.map.map6to4(pkt, off + 24, false)
  if (dst < 0) {
    st.unmapped++
    error6(x, pkt, off, tot, 1, 0, 0)
    return
  }
  const src = x.map.map6to4(pkt, off + 8, true)
  if (src < 0) return void st.unmapped++
  const out = x.out
  const q = 20
  let n: number
  if (nh === PROTO_ICMP6) {
    if (isFrag) return void st.fragDropped++
    n = icmp6to4(x, pkt, off, p, plen, out, q)
    if (n < 0) return
  } else {
    copy(out, q, pkt, p, end)
    n = plen
    if (foff === 0) {
      w32(x.a6, 0, src)
      w32(x.a6, 4, dst)
      if ((nh === PROTO_TCP || nh === PROTO_UDP) && !fixL4to4(x, out, q, n, nh, pkt, off + 8)) return
    }
  }
  const total = 20 + n
  if (total > x.mtu4) {
    // §5.1: the IPv6 sender must fragment; tell it the MTU it has through us.
    st.tooBig++
    if (!isFrag) error6(x, pkt, off, tot, 2, 0, x.mtu4 + 20)
    return
  }
  let id: number
  let fw: number
  if (isFrag) {
    id = fid & 0xffff
    fw = (mf ? 0x2000 : 0) | (foff >>> 3)
  } else {
    // §5.1: DF set when the result exceeds 1260 bytes, so PMTU discovery keeps working.
    const df = total > 1260
    id = df ? 0 : x.nextId()
    fw = df ? 0x4000 : 0
  }
  const tc = ((pkt[off]! & 15) << 4) | (pkt[off + 1]! >>> 4)
  ip4Header(out, 0, tc, total, id, fw, hlim - 1, nh === PROTO_ICMP6 ? PROTO_ICMP : nh, src, dst)
  st.out4++
  x.emit(out, 0, total)
}

/** TCP/UDP checksum after the IPv6 pseudo addresses at old[oo, oo+32) became the IPv4 ones in a6[0, 8). */
export function fixL4to4(
  x: Nat64,
  b: Uint8Array,
  q: number,
  n: number,
  proto: number,
  old: Uint8Array,
  oo: number,
): boolean {
  const at = proto === PROTO_TCP ? 16 : 6
  if (n < at + 2) {
    x.stats.malformed++
    return false
  }
  const c = u16(b, q + at)
  // An IPv6 UDP datagram must carry a checksum (RFC 8200 §8.1).
  if (proto === PROTO_UDP && c === 0) {
    x.stats.malformed++
    return false
  }
  let v = csumAdjust(c, sum16(old, oo, 32), sum16(x.a6, 0, 8))
  if (proto === PROTO_UDP && v === 0) v = 0xffff
  w16(b, q + at, v)
  return true
}

/** ICMPv6 message at b[p, p+n) of the packet at b[ip..] -> ICMPv4 at out[q..]; length or -1. */
export function icmp6to4(
  x: Nat64,
  b: Uint8Array,
  ip: number,
  p: number,
  n: number,
  out: Uint8Array,
  q: number,
): number {
  const st = x.stats
  if (n < 8 || checksum(b, p, n, sum16(b, ip + 8, 32) + n + PROTO_ICMP6) !== 0) {
    st.malformed++
    return -1
  }
  const type = b[p]!
  let len: number
  if (type === 128 || type === 129) {
    copy(out, q, b, p, p + n)
    out[q] = type === 128 ? 8 : 0
    out[q + 1] = 0
    len = n
  } else {
    const code = b[p + 1]!
    const tc = icmp6ErrorTo4(type, code)
    if (tc < 0) {
      st.icmpDropped++
      return -1
    }
    out[q] = tc >>> 8
    out[q + 1] = tc & 0xff
    w32(out, q + 4, 0)
    if (type === 2) {
      // §5.2: advertised MTU - 20, at most what the IPv4 side and the IPv6 side carry.
      const mtu = Math.min(u32(b, p + 4) - 20, x.mtu4, x.mtu6 - 20)
      w16(out, q + 6, Math.max(68, mtu))
    } else if (type === 4 && code === 0) {
      const ptr = pointer6to4(u32(b, p + 4))
      if (ptr < 0) {
        st.icmpDropped++
        return -1
      }
      out[q + 4] = ptr
    }
    const inner = inner6to4(x, b, p + 8, n - 8, out, q + 8, ICMP4_ERR_MAX - 20 - 8)
    if (inner < 0) return -1
    len = 8 + inner
  }
  w16(out, q + 2, 0)
  w16(out, q + 2, checksum(out, q, len))
  return len
}

/** The IPv6 packet quoted in an ICMPv6 error -> IPv4, at most max bytes; -1 (counted) to drop. */
export function inner6to4(
  x: Nat64,
  b: Uint8Array,
  p: number,
  n: number,
  out: Uint8Array,
  q: number,
  max: number,
): number {
  const st = x.stats
  if (n < IP6_HDR || b[p]! >>> 4 !== 6) {
    st.malformed++
    return -1
  }
  const end = p + n
  let nh = b[p + 6]!
  let r = p + IP6_HDR
  let foff = 0
  for (let i = 0; i < 8 && (nh === NH_HOP || nh === NH_DSTOPTS || nh === NH_ROUTING || nh === NH_FRAG); i++) {
    if (r + 8 > end) {
      st.malformed++
      return -1
    }
    if (nh === NH_FRAG) foff = u16(b, r + 2) & 0xfff8
    const hl = nh === NH_FRAG ? 8 : (b[r + 1]! + 1) * 8
    nh = b[r]!
    r += hl
  }
  if (r > end) {
    st.malformed++
    return -1
  }
  const src = x.map.map6to4(b, p + 8, false)
  const dst = x.map.map6to4(b, p + 24, false)
  if (src < 0 || dst < 0) {
    st.unmapped++
    return -1
  }
  const ulen = u16(b, p + 4) - (r - p - IP6_HDR)
  const body = Math.min(end - r, max - 20)
  const proto = nh === PROTO_ICMP6 ? PROTO_ICMP : nh
  ip4Header(
    out,
    q,
    ((b[p]! & 15) << 4) | (b[p + 1]! >>> 4),
    20 + Math.max(0, ulen),
    0,
    0,
    b[p + 7]!,
    proto,
    src,
    dst,
  )
  const o = q + 20
  copy(out, o, b, r, r + body)
  if (foff === 0 && nh === PROTO_ICMP6 && body >= 4) {
    const t = out[o]!
    if (t === 128 || t === 129) {
      const t4 = t === 128 ? 8 : 0
      const oldSum = (t << 8) + sum16(b, p + 8, 32) + Math.max(0, ulen) + PROTO_ICMP6
      out[o] = t4
      w16(out, o + 2, csumAdjust(u16(out, o + 2), oldSum, t4 << 8))
    }
  } else if (foff === 0 && (nh === PROTO_TCP || nh === PROTO_UDP)) {
    const at = nh === PROTO_TCP ? 16 : 6
    if (body >= at + 2) {
      const v = csumAdjust(u16(out, o + at), sum16(b, p + 8, 32), sum16(out, q + 12, 8))
      w16(out, o + at, nh === PROTO_UDP && v === 0 ? 0xffff : v)
    }
  }
  return 20 + body
}

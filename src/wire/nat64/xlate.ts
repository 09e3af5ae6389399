/**
 * Stateless IP/ICMP translation (SIIT, RFC 7915): one IPv4 packet in, IPv6 packet(s) out, and the
 * reverse — headers rebuilt, ICMP <-> ICMPv6 mapped (errors with their inner packet translated too),
 * TCP/UDP checksums adjusted for the changed pseudo header, fragments carried across, oversized
 * packets fragmented or answered with Fragmentation Needed / Packet Too Big. What a NAT64 such as
 * TAYGA does between its tun(4) interface's two sides. Address mapping (RFC 6052 prefix, static
 * entries, a dynamic pool) is the caller's, behind Nat64Map.
 *
 * Must not: throw on any input (malformed packets are dropped and counted in `stats`), allocate per
 * packet (two scratch buffers are made once), or answer an ICMP error, a multicast or a non-first
 * fragment with an error of its own (RFC 792 / RFC 4443 §2.4(e)).
 */

import { checksum, sum16 } from '../checksum.js'
import { icmp4ErrorTo6, icmp6ErrorTo4, plateauMtu, pointer4to6, pointer6to4 } from './icmp_map.js'
import { copy, csumAdjust, eq16, isIcmp4Error, isZero16, u16, u32, w16, w32 } from './nat64_bytes.js'
import { type Nat64Map, type Nat64Options, type Nat64Stats, newNat64Stats } from './nat64_var.js'

const IP6_HDR = 40
const FRAG_HDR = 8
/** Room kept in front of the translated payload: IPv6 header plus a Fragment Header. */
const HEAD = IP6_HDR + FRAG_HDR
const ICMP4_ERR_MAX = 576
const ICMP6_ERR_MAX = 1280
const PROTO_ICMP = 1
const PROTO_TCP = 6
const PROTO_UDP = 17
const PROTO_ICMP6 = 58
const NH_HOP = 0
const NH_ROUTING = 43
const NH_FRAG = 44
const NH_DSTOPTS = 60

/** The translator of one NAT64 instance; scratch buffers and counters live here, nothing else. */
export class Nat64 {
  readonly stats: Nat64Stats = newNat64Stats()
  private readonly map: Nat64Map
  private readonly self4: number
  private readonly self6: Uint8Array
  readonly mtu6: number
  readonly mtu4: number
  private readonly emit: (buf: Uint8Array, off: number, len: number) => void
  /** Translated packets are built here, payload from HEAD on. */
  private readonly out = new Uint8Array(HEAD + 65536 + 64)
  /** ICMP errors and echo replies of the translator's own. */
  private readonly err = new Uint8Array(ICMP6_ERR_MAX + 64)
  /** Outer (0..31) and inner (32..63) IPv6 source and destination of the packet being built. */
  private readonly a6 = new Uint8Array(64)
  private ipId = 0

  constructor(o: Nat64Options) {
    this.map = o.map
    this.self4 = o.self4 >>> 0
    this.self6 = o.self6
    this.mtu6 = Math.max(1280, Math.min(65535, o.mtu6 ?? 1280))
    this.mtu4 = Math.max(576, Math.min(65535, o.mtu4 ?? 1500))
    this.emit = o.emit
  }

  /** One packet from the tun device, by its version nibble. */
  input(pkt: Uint8Array, off: number, len: number): void {
    if (len < 1 || off < 0 || off + len > pkt.length) {
      this.stats.malformed++
      return
    }
    const v = pkt[off]! >>> 4
    if (v === 4) this.input4(pkt, off, len)
    else if (v === 6) this.input6(pkt, off, len)
    else this.stats.malformed++
  }

  // ---- IPv4 -> IPv6 (RFC 7915 §4) ----

  input4(pkt: Uint8Array, off: number, len: number): void {
    const st = this.stats
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
    if (dst === this.self4) {
      if (proto === PROTO_ICMP && !isFrag && plen >= 8 && pkt[p] === 8 && checksum(pkt, p, plen) === 0)
        this.echoReply4(pkt, off, ihl, tot)
      return
    }
    if (ttl <= 1) {
      st.ttlExceeded++
      this.error4(pkt, off, tot, 11, 0, 0)
      return
    }
    const a6 = this.a6
    if (!this.map.map4to6(dst, a6, 16)) {
      st.unmapped++
      this.error4(pkt, off, tot, 3, 1, 0)
      return
    }
    if (!this.map.map4to6(src, a6, 0)) return void st.unmapped++
    const out = this.out
    let n: number
    if (proto === PROTO_ICMP) {
      // The ICMPv6 checksum covers a pseudo header with the whole message's length, unknown here.
      if (isFrag) return void st.fragDropped++
      n = this.icmp4to6(pkt, p, plen, out, HEAD)
      if (n < 0) return
    } else {
      copy(out, HEAD, pkt, p, p + plen)
      n = plen
      if (foff === 0 && !this.fixL4(out, HEAD, n, proto, pkt, off + 12, isFrag)) return
    }
    const nh = proto === PROTO_ICMP ? PROTO_ICMP6 : proto
    const whole = IP6_HDR + (isFrag ? FRAG_HDR : 0) + n
    if (whole <= this.mtu6) {
      const h = isFrag ? 0 : FRAG_HDR
      this.ip6Header(
        out,
        h,
        pkt[off + 1]!,
        (isFrag ? FRAG_HDR : 0) + n,
        isFrag ? NH_FRAG : nh,
        ttl - 1,
        a6,
        0,
      )
      if (isFrag) this.fragHeader(out, IP6_HDR, nh, foff, mf, u16(pkt, off + 4))
      st.out6++
      this.emit(out, h, whole)
      return
    }
    if (df && !isFrag) {
      // §4.1: DF set and too big for IPv6 — Fragmentation Needed with the MTU the IPv4 side must use.
      st.tooBig++
      this.error4(pkt, off, tot, 3, 4, this.mtu6 - 20)
      return
    }
    // §4.1: fragment, each piece a multiple of 8 bytes except the last.
    const chunk = (this.mtu6 - HEAD) & ~7
    const id = isFrag ? u16(pkt, off + 4) : this.nextId()
    for (let d = 0; d < n; d += chunk) {
      const k = Math.min(chunk, n - d)
      const last = d + k >= n
      // Each piece's headers go just before its data, over bytes already sent.
      const at = d
      this.ip6Header(out, at, pkt[off + 1]!, FRAG_HDR + k, NH_FRAG, ttl - 1, a6, 0)
      this.fragHeader(out, at + IP6_HDR, nh, foff + d, last ? mf : true, id)
      st.out6++
      this.emit(out, at, HEAD + k)
    }
  }

  /**
   * Checksum of the TCP or UDP header at b[q, q+n) after its pseudo header's addresses changed from
   * the IPv4 ones at old[oo, oo+8) to the IPv6 ones in a6[0, 32). A UDP datagram without checksum
   * gets one computed (§4.5), unless it is a fragment. False (counted) to drop.
   */
  private fixL4(
    b: Uint8Array,
    q: number,
    n: number,
    proto: number,
    old: Uint8Array,
    oo: number,
    isFrag: boolean,
  ): boolean {
    const a6 = this.a6
    const at = proto === PROTO_TCP ? 16 : proto === PROTO_UDP ? 6 : -1
    if (at < 0) return true
    if (n < at + 2) {
      this.stats.malformed++
      return false
    }
    const newSum = sum16(a6, 0, 32)
    const c = u16(b, q + at)
    if (proto === PROTO_UDP && c === 0) {
      if (isFrag) {
        this.stats.fragDropped++
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

  private ip6Header(
    b: Uint8Array,
    o: number,
    tc: number,
    plen: number,
    nh: number,
    hlim: number,
    a6: Uint8Array,
    ao: number,
  ): void {
    b[o] = 0x60 | (tc >>> 4)
    b[o + 1] = (tc & 15) << 4
    b[o + 2] = 0
    b[o + 3] = 0
    w16(b, o + 4, plen)
    b[o + 6] = nh
    b[o + 7] = hlim
    copy(b, o + 8, a6, ao, ao + 32)
  }

  private fragHeader(b: Uint8Array, o: number, nh: number, foff: number, more: boolean, id: number): void {
    b[o] = nh
    b[o + 1] = 0
    w16(b, o + 2, (foff & 0xfff8) | (more ? 1 : 0))
    w32(b, o + 4, id)
  }

  private nextId(): number {
    this.ipId = (this.ipId + 1) & 0xffff
    if (this.ipId === 0) this.ipId = 1
    return this.ipId
  }

  /** ICMPv4 message at b[p, p+n) -> ICMPv6 at out[q..]; its length, or -1 (counted) to drop. */
  private icmp4to6(b: Uint8Array, p: number, n: number, out: Uint8Array, q: number): number {
    const st = this.stats
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
        rest = Math.min(adv === 0 ? plateauMtu(innerTot) : adv + 20, this.mtu6, this.mtu4 + 20)
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
      const inner = this.inner4to6(b, p + 8, n - 8, out, q + 8, ICMP6_ERR_MAX - IP6_HDR - 8)
      if (inner < 0) return -1
      len = 8 + inner
    }
    w16(out, q + 2, 0)
    const a6 = this.a6
    const pseudo = sum16(a6, 16, 16, sum16(a6, 0, 16)) + len + PROTO_ICMP6
    w16(out, q + 2, checksum(out, q, len, pseudo))
    return len
  }

  /** The IPv4 packet quoted in an ICMPv4 error -> IPv6, at most max bytes; -1 (counted) to drop. */
  private inner4to6(b: Uint8Array, p: number, n: number, out: Uint8Array, q: number, max: number): number {
    const st = this.stats
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
    const a6 = this.a6
    // The quoted packet went the other way: its source is the IPv6 host's IPv4 stand-in.
    if (!this.map.map4to6(u32(b, p + 12), a6, 32) || !this.map.map4to6(u32(b, p + 16), a6, 48)) {
      st.unmapped++
      return -1
    }
    const body = Math.min(n - ihl, max - IP6_HDR)
    const nh = proto === PROTO_ICMP ? PROTO_ICMP6 : proto
    this.ip6Header(out, q, b[p + 1]!, tot - ihl, nh, b[p + 8]!, a6, 32)
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

  // ---- IPv6 -> IPv4 (RFC 7915 §5) ----

  input6(pkt: Uint8Array, off: number, len: number): void {
    const st = this.stats
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
    if (eq16(pkt, off + 24, this.self6, 0)) {
      if (nh === PROTO_ICMP6 && !isFrag && plen >= 8 && pkt[p] === 128) this.echoReply6(pkt, off, p, end)
      return
    }
    if (hlim <= 1) {
      st.ttlExceeded++
      this.error6(pkt, off, tot, 3, 0, 0)
      return
    }
    const dst = this.map.map6to4(pkt, off + 24, false)
    if (dst < 0) {
      st.unmapped++
      this.error6(pkt, off, tot, 1, 0, 0)
      return
    }
    const src = this.map.map6to4(pkt, off + 8, true)
    if (src < 0) return void st.unmapped++
    const out = this.out
    const q = 20
    let n: number
    if (nh === PROTO_ICMP6) {
      if (isFrag) return void st.fragDropped++
      n = this.icmp6to4(pkt, off, p, plen, out, q)
      if (n < 0) return
    } else {
      copy(out, q, pkt, p, end)
      n = plen
      if (foff === 0) {
        w32(this.a6, 0, src)
        w32(this.a6, 4, dst)
        if ((nh === PROTO_TCP || nh === PROTO_UDP) && !this.fixL4to4(out, q, n, nh, pkt, off + 8)) return
      }
    }
    const total = 20 + n
    if (total > this.mtu4) {
      // §5.1: the IPv6 sender must fragment; tell it the MTU it has through us.
      st.tooBig++
      if (!isFrag) this.error6(pkt, off, tot, 2, 0, this.mtu4 + 20)
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
      id = df ? 0 : this.nextId()
      fw = df ? 0x4000 : 0
    }
    const tc = ((pkt[off]! & 15) << 4) | (pkt[off + 1]! >>> 4)
    this.ip4Header(out, 0, tc, total, id, fw, hlim - 1, nh === PROTO_ICMP6 ? PROTO_ICMP : nh, src, dst)
    st.out4++
    this.emit(out, 0, total)
  }

  /** TCP/UDP checksum after the IPv6 pseudo addresses at old[oo, oo+32) became the IPv4 ones in a6[0, 8). */
  private fixL4to4(b: Uint8Array, q: number, n: number, proto: number, old: Uint8Array, oo: number): boolean {
    const at = proto === PROTO_TCP ? 16 : 6
    if (n < at + 2) {
      this.stats.malformed++
      return false
    }
    const c = u16(b, q + at)
    // An IPv6 UDP datagram must carry a checksum (RFC 8200 §8.1).
    if (proto === PROTO_UDP && c === 0) {
      this.stats.malformed++
      return false
    }
    let v = csumAdjust(c, sum16(old, oo, 32), sum16(this.a6, 0, 8))
    if (proto === PROTO_UDP && v === 0) v = 0xffff
    w16(b, q + at, v)
    return true
  }

  private ip4Header(
    b: Uint8Array,
    o: number,
    tos: number,
    tot: number,
    id: number,
    fw: number,
    ttl: number,
    proto: number,
    src: number,
    dst: number,
  ): void {
    b[o] = 0x45
    b[o + 1] = tos
    w16(b, o + 2, tot)
    w16(b, o + 4, id)
    w16(b, o + 6, fw)
    b[o + 8] = ttl
    b[o + 9] = proto
    w16(b, o + 10, 0)
    w32(b, o + 12, src)
    w32(b, o + 16, dst)
    w16(b, o + 10, checksum(b, o, 20))
  }

  /** ICMPv6 message at b[p, p+n) of the packet at b[ip..] -> ICMPv4 at out[q..]; length or -1. */
  private icmp6to4(b: Uint8Array, ip: number, p: number, n: number, out: Uint8Array, q: number): number {
    const st = this.stats
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
        const mtu = Math.min(u32(b, p + 4) - 20, this.mtu4, this.mtu6 - 20)
        w16(out, q + 6, Math.max(68, mtu))
      } else if (type === 4 && code === 0) {
        const ptr = pointer6to4(u32(b, p + 4))
        if (ptr < 0) {
          st.icmpDropped++
          return -1
        }
        out[q + 4] = ptr
      }
      const inner = this.inner6to4(b, p + 8, n - 8, out, q + 8, ICMP4_ERR_MAX - 20 - 8)
      if (inner < 0) return -1
      len = 8 + inner
    }
    w16(out, q + 2, 0)
    w16(out, q + 2, checksum(out, q, len))
    return len
  }

  /** The IPv6 packet quoted in an ICMPv6 error -> IPv4, at most max bytes; -1 (counted) to drop. */
  private inner6to4(b: Uint8Array, p: number, n: number, out: Uint8Array, q: number, max: number): number {
    const st = this.stats
    if (n < IP6_HDR || b[p]! >>> 4 !== 6) {
      st.malformed++
      return -1
    }
    const end = p + n
    let nh = b[p + 6]!
    let r = p + IP6_HDR
    let foff = 0
    for (
      let i = 0;
      i < 8 && (nh === NH_HOP || nh === NH_DSTOPTS || nh === NH_ROUTING || nh === NH_FRAG);
      i++
    ) {
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
    const src = this.map.map6to4(b, p + 8, false)
    const dst = this.map.map6to4(b, p + 24, false)
    if (src < 0 || dst < 0) {
      st.unmapped++
      return -1
    }
    const ulen = u16(b, p + 4) - (r - p - IP6_HDR)
    const body = Math.min(end - r, max - 20)
    const proto = nh === PROTO_ICMP6 ? PROTO_ICMP : nh
    this.ip4Header(
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

  // ---- the translator's own messages ----

  /** ICMPv4 error about the packet at b[off, off+tot) back to its source, from self4. */
  private error4(b: Uint8Array, off: number, tot: number, type: number, code: number, mtu: number): void {
    const proto = b[off + 9]!
    const ihl = (b[off]! & 15) * 4
    const src = u32(b, off + 12)
    // Never about an ICMP error, a non-first fragment, or to a source that is no single host.
    if ((u16(b, off + 6) & 0x1fff) !== 0) return
    if (proto === PROTO_ICMP && tot >= ihl + 1 && isIcmp4Error(b[off + ihl]!)) return
    if (src === 0 || src >>> 28 === 14 || src === 0xffffffff) return
    const e = this.err
    const quote = Math.min(tot, ICMP4_ERR_MAX - 28)
    e[20] = type
    e[21] = code
    w16(e, 22, 0)
    w32(e, 24, mtu & 0xffff)
    copy(e, 28, b, off, off + quote)
    w16(e, 22, checksum(e, 20, 8 + quote))
    this.ip4Header(e, 0, 0, 28 + quote, this.nextId(), 0, 64, PROTO_ICMP, this.self4, src)
    this.stats.icmpSent++
    this.emit(e, 0, 28 + quote)
  }

  /** ICMPv6 error about the packet at b[off, off+tot) back to its source, from self6. */
  private error6(b: Uint8Array, off: number, tot: number, type: number, code: number, param: number): void {
    if (b[off + 6] === PROTO_ICMP6 && tot > IP6_HDR && b[off + IP6_HDR]! < 128) return
    const e = this.err
    const quote = Math.min(tot, ICMP6_ERR_MAX - IP6_HDR - 8)
    const n = 8 + quote
    copy(e, 8, this.self6, 0, 16)
    copy(e, 24, b, off + 8, off + 24)
    e[0] = 0x60
    e[1] = 0
    e[2] = 0
    e[3] = 0
    w16(e, 4, n)
    e[6] = PROTO_ICMP6
    e[7] = 64
    e[40] = type
    e[41] = code
    w16(e, 42, 0)
    w32(e, 44, param)
    copy(e, 48, b, off, off + quote)
    w16(e, 42, checksum(e, 40, n, sum16(e, 8, 32) + n + PROTO_ICMP6))
    this.stats.icmpSent++
    this.emit(e, 0, IP6_HDR + n)
  }

  /** Echo Reply from self4 to a ping of it (TAYGA answers at its own address). */
  private echoReply4(b: Uint8Array, off: number, ihl: number, tot: number): void {
    const n = tot - ihl
    if (20 + n > this.err.length) return
    const e = this.err
    copy(e, 20, b, off + ihl, off + tot)
    e[20] = 0
    w16(e, 22, 0)
    w16(e, 22, checksum(e, 20, n))
    this.ip4Header(e, 0, b[off + 1]!, 20 + n, this.nextId(), 0, 64, PROTO_ICMP, this.self4, u32(b, off + 12))
    this.stats.icmpSent++
    this.emit(e, 0, 20 + n)
  }

  private echoReply6(b: Uint8Array, off: number, p: number, end: number): void {
    const n = end - p
    if (IP6_HDR + n > this.err.length) return
    if (checksum(b, p, n, sum16(b, off + 8, 32) + n + PROTO_ICMP6) !== 0) return void this.stats.malformed++
    const e = this.err
    copy(e, 8, this.self6, 0, 16)
    copy(e, 24, b, off + 8, off + 24)
    e[0] = 0x60
    e[1] = 0
    e[2] = 0
    e[3] = 0
    w16(e, 4, n)
    e[6] = PROTO_ICMP6
    e[7] = 64
    copy(e, IP6_HDR, b, p, end)
    e[IP6_HDR] = 129
    w16(e, IP6_HDR + 2, 0)
    w16(e, IP6_HDR + 2, checksum(e, IP6_HDR, n, sum16(e, 8, 32) + n + PROTO_ICMP6))
    this.stats.icmpSent++
    this.emit(e, 0, IP6_HDR + n)
  }
}

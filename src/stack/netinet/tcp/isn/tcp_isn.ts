/**
 * Initial sequence numbers (RFC 6528) and per-connection timestamp offsets (RFC 7323 §5.4), as
 * FreeBSD 14's tcp_new_isn(), tcp_new_ts_offset() and tcp_keyed_hash() (tcp_subr.c) compute them:
 *
 *   ISN = SipHash-2-4(secret, fport, lport, faddr, laddr) folded to 32 bits + M
 *
 * where M grows by 4096 + a random 0..4095 per ISN handed out and at least 1 MiB/s of elapsed
 * time (ISN_BYTES_PER_SECOND), so a new incarnation of a 4-tuple starts beyond the old one's
 * sequence space while an off-path attacker cannot predict any tuple's ISN. The secret is per vnet,
 * drawn from the host's seeded Rng, and redrawn every `net.inet.tcp.isn_reseed_interval` seconds
 * when that is non-zero (default 0: never). Timestamp offsets hash the same tuple with a second,
 * independent secret and no clock component, so TSval stays monotonic per tuple.
 *
 * SipHash-2-4 is implemented here from Aumasson and Bernstein's paper ("SipHash: a fast short-input
 * PRF", 2012) on 32-bit halves, since JavaScript has no cheap 64-bit integers; the engine may reuse
 * SipHash24 for SYN cookies. Deterministic given the Rng; nothing here reads a clock (the engine
 * passes ticks), imports the TCP engine, throws, or allocates per call.
 */

import type { Rng } from '../../../../util/rng.js'
import { seqGt } from '../../../../wire/inet/seq.js'

/** SIPHASH_KEY_LENGTH. */
export const SIPHASH_KEY_LENGTH = 16

/**
 * SipHash-2-4 with a fixed key. hash() returns the 64-bit result as its low 32 bits and leaves both
 * halves in `lo`/`hi` (the value as a little-endian u64; its bytes in order are lo then hi, LE).
 * The state lives in the fields as int32 halves, and each SipRound works on locals: this runs for
 * every connection (ISN and timestamp offset at both ends) and every SYN cookie.
 */
export class SipHash24 {
  /** Low and high 32 bits of the last result. */
  lo = 0
  hi = 0
  /** v0..v3 right after the key is mixed in (the key setup), computed once per key. */
  private i0 = 0
  private i1 = 0
  private i2 = 0
  private i3 = 0
  private i4 = 0
  private i5 = 0
  private i6 = 0
  private i7 = 0
  /** v0..v3 as (lo, hi) int32 halves, between rounds. */
  private a0 = 0
  private a1 = 0
  private b0 = 0
  private b1 = 0
  private c0 = 0
  private c1 = 0
  private d0 = 0
  private d1 = 0

  constructor(key: Uint8Array) {
    this.setKey(key)
  }

  /** Replace the key (16 bytes; k0 = bytes 0..7 and k1 = bytes 8..15, little-endian). */
  setKey(key: Uint8Array): void {
    const k0 = le32(key, 0)
    const k1 = le32(key, 4)
    const k2 = le32(key, 8)
    const k3 = le32(key, 12)
    this.i0 = k0 ^ 0x70736575
    this.i1 = k1 ^ 0x736f6d65
    this.i2 = k2 ^ 0x6e646f6d
    this.i3 = k3 ^ 0x646f7261
    this.i4 = k0 ^ 0x6e657261
    this.i5 = k1 ^ 0x6c796765
    this.i6 = k2 ^ 0x79746573
    this.i7 = k3 ^ 0x74656462
  }

  /** SipHash-2-4 of msg[off, off + len). */
  hash(msg: Uint8Array, off = 0, len = msg.length - off): number {
    this.a0 = this.i0
    this.a1 = this.i1
    this.b0 = this.i2
    this.b1 = this.i3
    this.c0 = this.i4
    this.c1 = this.i5
    this.d0 = this.i6
    this.d1 = this.i7
    const end = off + len
    let p = off
    for (; p + 8 <= end; p += 8) this.block(le32(msg, p), le32(msg, p + 4))
    // The last block: the remaining bytes, with the length mod 256 in the top byte.
    let mlo = 0
    let mhi = (len & 0xff) << 24
    for (let i = 0; p + i < end; i++) {
      const b = msg[p + i]!
      if (i < 4) mlo |= b << (8 * i)
      else mhi |= b << (8 * (i - 4))
    }
    this.block(mlo, mhi)
    this.c0 ^= 0xff
    this.rounds(4)
    this.lo = (this.a0 ^ this.b0 ^ this.c0 ^ this.d0) >>> 0
    this.hi = (this.a1 ^ this.b1 ^ this.c1 ^ this.d1) >>> 0
    return this.lo
  }

  private block(mlo: number, mhi: number): void {
    this.d0 ^= mlo
    this.d1 ^= mhi
    this.rounds(2)
    this.a0 ^= mlo
    this.a1 ^= mhi
  }

  /**
   * n SipRounds. A 64-bit add is the low halves' sum (its carry read from the unsigned sum) and the
   * high halves' plus that carry; rotations by 13, 16, 17 and 21 mix the halves; <<< 32 swaps them.
   */
  private rounds(n: number): void {
    let a0 = this.a0
    let a1 = this.a1
    let b0 = this.b0
    let b1 = this.b1
    let c0 = this.c0
    let c1 = this.c1
    let d0 = this.d0
    let d1 = this.d1
    let t = 0
    let u = 0
    for (let r = 0; r < n; r++) {
      // v0 += v1; v1 <<<= 13; v1 ^= v0; v0 <<<= 32
      t = (a0 >>> 0) + (b0 >>> 0)
      a1 = (a1 + b1 + (t > 0xffffffff ? 1 : 0)) | 0
      a0 = t | 0
      u = b0
      b0 = (b0 << 13) | (b1 >>> 19)
      b1 = (b1 << 13) | (u >>> 19)
      b0 ^= a0
      b1 ^= a1
      u = a0
      a0 = a1
      a1 = u
      // v2 += v3; v3 <<<= 16; v3 ^= v2
      t = (c0 >>> 0) + (d0 >>> 0)
      c1 = (c1 + d1 + (t > 0xffffffff ? 1 : 0)) | 0
      c0 = t | 0
      u = d0
      d0 = (d0 << 16) | (d1 >>> 16)
      d1 = (d1 << 16) | (u >>> 16)
      d0 ^= c0
      d1 ^= c1
      // v0 += v3; v3 <<<= 21; v3 ^= v0
      t = (a0 >>> 0) + (d0 >>> 0)
      a1 = (a1 + d1 + (t > 0xffffffff ? 1 : 0)) | 0
      a0 = t | 0
      u = d0
      d0 = (d0 << 21) | (d1 >>> 11)
      d1 = (d1 << 21) | (u >>> 11)
      d0 ^= a0
      d1 ^= a1
      // v2 += v1; v1 <<<= 17; v1 ^= v2; v2 <<<= 32
      t = (c0 >>> 0) + (b0 >>> 0)
      c1 = (c1 + b1 + (t > 0xffffffff ? 1 : 0)) | 0
      c0 = t | 0
      u = b0
      b0 = (b0 << 17) | (b1 >>> 15)
      b1 = (b1 << 17) | (u >>> 15)
      b0 ^= c0
      b1 ^= c1
      u = c0
      c0 = c1
      c1 = u
    }
    this.a0 = a0
    this.a1 = a1
    this.b0 = b0
    this.b1 = b1
    this.c0 = c0
    this.c1 = c1
    this.d0 = d0
    this.d1 = d1
  }
}

function le32(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)
}

/** ISN_BYTES_PER_SECOND: M advances at least this fast (RFC 6528's 4 µs clock is ~250 KB/s). */
export const ISN_BYTES_PER_SECOND = 1048576
/** ISN_STATIC_INCREMENT and ISN_RANDOM_INCREMENT: M's step per ISN handed out. */
export const ISN_STATIC_INCREMENT = 4096
export const ISN_RANDOM_INCREMENT = 4096 - 1

/** kern.hz, as in tcp_rtt.ts: the engine's "ticks" are milliseconds. */
const HZ = 1000
/** ISN_BYTES_PER_SECOND / hz in C's integer arithmetic: 1048 per tick. */
const ISN_PER_TICK = Math.trunc(ISN_BYTES_PER_SECOND / HZ)

/**
 * One vnet's ISN generator and timestamp-offset source (FreeBSD's V_isn_secret, V_isn_offset,
 * V_isn_offset_old, V_isn_last, V_isn_last_reseed and V_ts_offset_secret).
 */
export class TcpIsn {
  /** net.inet.tcp.isn_reseed_interval, seconds; 0 = never reseed. */
  reseedInterval = 0
  private readonly rng: Rng
  private readonly secret = new Uint8Array(SIPHASH_KEY_LENGTH)
  private readonly isnHash: SipHash24
  private readonly tsHash: SipHash24
  private readonly tuple = new Uint8Array(12)
  private seeded = false
  private lastReseed = 0
  private offset = 0
  private offsetOld = 0
  private last = 0

  /** `rng` should be a stream of its own (e.g. the vnet's rng.stream('tcp_isn')). */
  constructor(rng: Rng) {
    this.rng = rng
    this.isnHash = new SipHash24(this.secret)
    this.fillSecret()
    // The timestamp secret is drawn once, at vnet creation, as FreeBSD's tcp_init does.
    this.tsHash = new SipHash24(this.secret)
  }

  /**
   * tcp_new_isn(): the ISN for a connection from laddr:lport to faddr:fport (host-order numbers) at
   * tick `ticks`.
   */
  newIsn(faddr: number, fport: number, laddr: number, lport: number, ticks: number): number {
    if (!this.seeded || (this.reseedInterval > 0 && ticks - this.lastReseed > this.reseedInterval * HZ)) {
      this.fillSecret()
      this.isnHash.setKey(this.secret)
      this.seeded = true
      this.lastReseed = ticks
    }
    const h = this.keyed(this.isnHash, faddr, fport, laddr, lport)
    this.offset = (this.offset + ISN_STATIC_INCREMENT + (this.rng.u32() & ISN_RANDOM_INCREMENT)) >>> 0
    if (ticks !== this.last) {
      const projected = (this.offsetOld + ISN_PER_TICK * (ticks - this.last)) >>> 0
      if (seqGt(projected, this.offset)) this.offset = projected
      this.offsetOld = this.offset
      this.last = ticks
    }
    return (h + this.offset) >>> 0
  }

  /** tcp_new_ts_offset(): the RFC 7323 §5.4 TSval offset for this 4-tuple. */
  tsOffset(faddr: number, fport: number, laddr: number, lport: number): number {
    return this.keyed(this.tsHash, faddr, fport, laddr, lport)
  }

  /** tcp_keyed_hash(): SipHash of fport, lport, faddr, laddr in network order, halves XORed. */
  private keyed(h: SipHash24, faddr: number, fport: number, laddr: number, lport: number): number {
    const t = this.tuple
    t[0] = fport >>> 8
    t[1] = fport
    t[2] = lport >>> 8
    t[3] = lport
    t[4] = faddr >>> 24
    t[5] = faddr >>> 16
    t[6] = faddr >>> 8
    t[7] = faddr
    t[8] = laddr >>> 24
    t[9] = laddr >>> 16
    t[10] = laddr >>> 8
    t[11] = laddr
    h.hash(t, 0, 12)
    return (h.lo ^ h.hi) >>> 0
  }

  private fillSecret(): void {
    for (let i = 0; i < SIPHASH_KEY_LENGTH; i += 4) {
      const r = this.rng.u32()
      this.secret[i] = r
      this.secret[i + 1] = r >>> 8
      this.secret[i + 2] = r >>> 16
      this.secret[i + 3] = r >>> 24
    }
  }
}

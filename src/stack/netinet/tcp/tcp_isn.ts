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

import type { Rng } from '../../../util/rng.js'
import { seqGt } from '../../../wire/inet/seq.js'

/** SIPHASH_KEY_LENGTH. */
export const SIPHASH_KEY_LENGTH = 16

/**
 * SipHash-2-4 with a fixed key. hash() returns the 64-bit result as its low 32 bits and leaves both
 * halves in `lo`/`hi` (the value as a little-endian u64; its bytes in order are lo then hi, LE).
 */
export class SipHash24 {
  /** Low and high 32 bits of the last result. */
  lo = 0
  hi = 0
  /** v0..v3 as (lo, hi) pairs. */
  private readonly v = new Uint32Array(8)
  private readonly k = new Uint32Array(4)

  constructor(key: Uint8Array) {
    this.setKey(key)
  }

  /** Replace the key (16 bytes; k0 = bytes 0..7 and k1 = bytes 8..15, little-endian). */
  setKey(key: Uint8Array): void {
    for (let i = 0; i < 4; i++) this.k[i] = le32(key, i * 4)
  }

  /** SipHash-2-4 of msg[off, off + len). */
  hash(msg: Uint8Array, off = 0, len = msg.length - off): number {
    const v = this.v
    const k = this.k
    v[0] = k[0] ^ 0x70736575
    v[1] = k[1] ^ 0x736f6d65
    v[2] = k[2] ^ 0x6e646f6d
    v[3] = k[3] ^ 0x646f7261
    v[4] = k[0] ^ 0x6e657261
    v[5] = k[1] ^ 0x6c796765
    v[6] = k[2] ^ 0x79746573
    v[7] = k[3] ^ 0x74656462
    const end = off + len
    let p = off
    for (; p + 8 <= end; p += 8) this.block(le32(msg, p), le32(msg, p + 4))
    // The last block: the remaining bytes, with the length mod 256 in the top byte.
    let mlo = 0
    let mhi = (len & 0xff) << 24
    for (let i = 0; p + i < end; i++) {
      const b = msg[p + i]
      if (i < 4) mlo |= b << (8 * i)
      else mhi |= b << (8 * (i - 4))
    }
    this.block(mlo >>> 0, mhi >>> 0)
    v[4] ^= 0xff
    for (let i = 0; i < 4; i++) this.round()
    this.lo = (v[0] ^ v[2] ^ v[4] ^ v[6]) >>> 0
    this.hi = (v[1] ^ v[3] ^ v[5] ^ v[7]) >>> 0
    return this.lo
  }

  private block(mlo: number, mhi: number): void {
    const v = this.v
    v[6] ^= mlo
    v[7] ^= mhi
    this.round()
    this.round()
    v[0] ^= mlo
    v[1] ^= mhi
  }

  /** SipRound. */
  private round(): void {
    const v = this.v
    add(v, 0, 2)
    rotl(v, 2, 13)
    xor(v, 2, 0)
    swap(v, 0)
    add(v, 4, 6)
    rotl(v, 6, 16)
    xor(v, 6, 4)
    add(v, 0, 6)
    rotl(v, 6, 21)
    xor(v, 6, 0)
    add(v, 4, 2)
    rotl(v, 2, 17)
    xor(v, 2, 4)
    swap(v, 4)
  }
}

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
}

/** v[a] += v[b] modulo 2^64. */
function add(v: Uint32Array, a: number, b: number): void {
  const lo = v[a] + v[b]
  v[a] = lo
  v[a + 1] = v[a + 1] + v[b + 1] + (lo > 0xffffffff ? 1 : 0)
}

/** v[a] <<<= n for 0 < n < 32. */
function rotl(v: Uint32Array, a: number, n: number): void {
  const lo = v[a]
  const hi = v[a + 1]
  v[a] = (lo << n) | (hi >>> (32 - n))
  v[a + 1] = (hi << n) | (lo >>> (32 - n))
}

/** v[a] <<<= 32. */
function swap(v: Uint32Array, a: number): void {
  const lo = v[a]
  v[a] = v[a + 1]
  v[a + 1] = lo
}

function xor(v: Uint32Array, a: number, b: number): void {
  v[a] ^= v[b]
  v[a + 1] ^= v[b + 1]
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

/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624), over bytes in a Uint8Array.
 *
 * `sum16` returns an unfolded accumulator so sums over several regions (pseudo header, header, payload)
 * can be chained; `fold` and `checksum` finish it. Everything here is allocation-free and never throws;
 * callers keep (off, len) inside the buffer.
 */

/**
 * One's complement accumulation of the big-endian 16-bit words of buf[off, off+len), added to `acc`.
 * An odd trailing byte is padded with a zero byte. The result is not folded or complemented; it stays an
 * exact integer for any buffer a process can hold (each word adds at most 0xffff, far below 2^53).
 * With `w32` (a Uint32Array over buf's memory, from buf's first byte: an Mbuf's data32) long regions
 * are summed four bytes a load, with a result congruent modulo 0xffff (the same once folded).
 */
export function sum16(buf: Uint8Array, off: number, len: number, acc = 0, w32?: Uint32Array): number {
  if (w32 !== undefined && len >= WORDS_MIN && LITTLE_ENDIAN && (off & 1) === 0 && (buf.byteOffset & 3) === 0)
    return sumWords(buf, w32, off, len, acc)
  // High and low bytes of the words summed apart, eight bytes a turn: the same total as adding
  // whole words (hi·256 + lo), with fewer shifts and dependent additions per byte (RFC 1071 §2(B)).
  const end = off + len
  const end8 = off + (len & ~7)
  const even = off + (len & ~1)
  let hi = 0
  let lo = 0
  let i = off
  for (; i < end8; i += 8) {
    hi += buf[i] + buf[i + 2] + buf[i + 4] + buf[i + 6]
    lo += buf[i + 1] + buf[i + 3] + buf[i + 5] + buf[i + 7]
  }
  for (; i < even; i += 2) {
    hi += buf[i]
    lo += buf[i + 1]
  }
  if (i < end) hi += buf[i]
  return acc + hi * 256 + lo
}

/** 32-bit loads read the host's byte order; the word sum below assumes little-endian (x86, ARM). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
/** Below this many bytes the byte loop is as fast: the word loop's set-up and fold would not pay. */
const WORDS_MIN = 64

/**
 * sum16 over 32-bit loads from w32, a Uint32Array over the same memory as buf (from buf's first
 * byte). Each little-endian load holds two byte-swapped 16-bit words; their one's complement sum,
 * folded and swapped back, is the sum of the big-endian words (RFC 1071 §2(B): the sum does not
 * depend on byte order). off is even; a start two bytes past a word boundary takes one 16-bit word
 * first, and a tail of under four bytes goes byte by byte. The result is congruent to sum16's
 * modulo 0xffff (so it folds to the same checksum), though not equal to it before folding.
 */
function sumWords(buf: Uint8Array, w32: Uint32Array, off: number, len: number, acc: number): number {
  const end = off + len
  let i = off
  if ((i & 2) !== 0) {
    acc += (buf[i]! << 8) | buf[i + 1]!
    i += 2
  }
  let k = i >>> 2
  const kend = k + ((end - i) >>> 2)
  const kend8 = k + ((kend - k) & ~7)
  // Whole 32-bit words summed as exact doubles (below 2^53 for any buffer a process holds): a word
  // is hi·65536 + lo, and 65536 ≡ 1 modulo 0xffff, so the total is congruent to the sum of the
  // 16-bit halves and folds to the same value, with one addition per load instead of a mask, a
  // shift and two additions (about a fifth faster here). Four sums, so the additions overlap.
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  for (; k < kend8; k += 8) {
    s0 += w32[k]! + w32[k + 4]!
    s1 += w32[k + 1]! + w32[k + 5]!
    s2 += w32[k + 2]! + w32[k + 6]!
    s3 += w32[k + 3]! + w32[k + 7]!
  }
  for (; k < kend; k++) s0 += w32[k]!
  const swapped = fold(s0 + s1 + s2 + s3)
  acc += ((swapped & 0xff) << 8) | (swapped >>> 8)
  i = kend << 2
  for (; i + 1 < end; i += 2) acc += (buf[i]! << 8) | buf[i + 1]!
  if (i < end) acc += buf[i]! << 8
  return acc
}

/** Folds an accumulator from `sum16` into 16 bits with end-around carry. Non-zero input never folds to 0. */
export function fold(acc: number): number {
  // Arithmetic first while the accumulator is beyond 32 bits, where & and >>> would truncate it.
  while (acc > 0xffffffff) acc = (acc % 0x10000) + Math.floor(acc / 0x10000)
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16)
  return acc
}

/**
 * The Internet checksum of buf[off, off+len) plus `acc`: the value to store in a checksum field
 * (that field must be zero while computing). Over a region that contains a correct checksum it gives 0.
 */
export function checksum(buf: Uint8Array, off: number, len: number, acc = 0, w32?: Uint32Array): number {
  return ~fold(sum16(buf, off, len, acc, w32)) & 0xffff
}

/**
 * Whether the Internet checksum over buf[off, off+len) verifies (sums to 0xffff), for a short
 * even-length region such as an IPv4 header (at most 60 bytes): every partial sum stays a small
 * integer, so two end-around folds finish it without `sum16`'s general loop. Same answer as
 * `checksum(buf, off, len) === 0`.
 */
export function checksumOk(buf: Uint8Array, off: number, len: number): boolean {
  let s = 0
  for (let i = off, end = off + len; i < end; i += 2) s += (buf[i]! << 8) | buf[i + 1]!
  s = (s & 0xffff) + (s >>> 16)
  s = (s & 0xffff) + (s >>> 16)
  return s === 0xffff
}

/**
 * RFC 1624 eqn. 3: the new checksum after one 16-bit word covered by `oldCsum` changed from `oldWord`
 * to `newWord`: HC' = ~(~HC + ~m + m'). Gives the same result as recomputing the checksum.
 */
export function updateChecksum16(oldCsum: number, oldWord: number, newWord: number): number {
  return ~fold((~oldCsum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff
}

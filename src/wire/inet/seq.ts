/**
 * TCP sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4), as FreeBSD's tcp_seq.h: a is "less
 * than" b when the signed 32-bit distance b - a is positive, so comparisons stay right across the
 * wrap from 0xffffffff to 0. Valid only for numbers less than 2^31 apart, which TCP's windows keep.
 * The same rule orders timestamps for PAWS (RFC 7323 §5.3, TSTMP_LT/TSTMP_GEQ).
 *
 * Sequence numbers are unsigned 32-bit numbers (normalised with `>>> 0`). Pure functions: nothing here
 * allocates or throws.
 */

/** SEQ_LT: a before b. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0
}

/** SEQ_LEQ: a before or equal to b. */
export function seqLeq(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0
}

/** SEQ_GT: a after b. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0
}

/** SEQ_GEQ: a after or equal to b. */
export function seqGeq(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0
}

/** SEQ_MIN: the earlier of a and b. */
export function seqMin(a: number, b: number): number {
  return seqLt(a, b) ? a : b
}

/** SEQ_MAX: the later of a and b. */
export function seqMax(a: number, b: number): number {
  return seqGt(a, b) ? a : b
}

/** a + n modulo 2^32 (n may be negative). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0
}

/** The signed distance a - b, in [-2^31, 2^31): positive when a is after b. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0
}

/** TSTMP_LT: timestamp a older than b (PAWS). */
export function tstmpLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0
}

/** TSTMP_GEQ: timestamp a not older than b (PAWS). */
export function tstmpGeq(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0
}

/**
 * What a compiled pcap filter is made of: tri-state predicates (0 false, 1 true, 2 abort: a load
 * past the end of the packet rejects it whatever surrounds it), their `and`/`or`/`not`, bounds-checked
 * byte loads and the arithmetic and relations of `proto[expr] op expr`.
 *
 * Must not: allocate or throw when run over a packet.
 */

export type Pred = (b: Uint8Array, o: number, n: number) => number

export type Arith = (b: Uint8Array, o: number, n: number) => number

// ---- tri-state combinators ----

export const and =
  (a: Pred, b: Pred): Pred =>
  (x, o, n) => {
    const r = a(x, o, n)
    return r === 1 ? b(x, o, n) : r
  }

export const or =
  (a: Pred, b: Pred): Pred =>
  (x, o, n) => {
    const r = a(x, o, n)
    return r === 0 ? b(x, o, n) : r
  }

export const not =
  (a: Pred): Pred =>
  (x, o, n) => {
    const r = a(x, o, n)
    return r === 2 ? 2 : 1 - r
  }

export const TRUE: Pred = () => 1

export function u8(b: Uint8Array, o: number, n: number, k: number): number {
  return k < 0 || k >= n ? -1 : b[o + k]!
}

export function u16(b: Uint8Array, o: number, n: number, k: number): number {
  return k < 0 || k + 2 > n ? -1 : (b[o + k]! << 8) | b[o + k + 1]!
}

export function u32(b: Uint8Array, o: number, n: number, k: number): number {
  return k < 0 || k + 4 > n
    ? -1
    : b[o + k]! * 0x1000000 + ((b[o + k + 1]! << 16) | (b[o + k + 2]! << 8) | b[o + k + 3]!)
}

export function formatDotted(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`
}

export function relation(a: Arith, op: string, c: Arith): Pred {
  const cmp =
    op === '=' || op === '=='
      ? (x: number, y: number) => x === y
      : op === '!='
        ? (x: number, y: number) => x !== y
        : op === '<'
          ? (x: number, y: number) => x < y
          : op === '<='
            ? (x: number, y: number) => x <= y
            : op === '>'
              ? (x: number, y: number) => x > y
              : (x: number, y: number) => x >= y
  return (b, o, n) => {
    const x = a(b, o, n)
    if (x < 0) return 2
    const y = c(b, o, n)
    if (y < 0) return 2
    return cmp(x, y) ? 1 : 0
  }
}

export function arith(a: Arith, op: string, c: Arith): Arith {
  const f =
    op === '+'
      ? (x: number, y: number) => (x + y) >>> 0
      : op === '-'
        ? (x: number, y: number) => (x - y) >>> 0
        : op === '*'
          ? (x: number, y: number) => Math.imul(x, y) >>> 0
          : op === '/'
            ? (x: number, y: number) => (y === 0 ? -1 : Math.floor(x / y))
            : op === '%'
              ? (x: number, y: number) => (y === 0 ? -1 : x % y)
              : op === '&'
                ? (x: number, y: number) => (x & y) >>> 0
                : op === '|'
                  ? (x: number, y: number) => (x | y) >>> 0
                  : op === '^'
                    ? (x: number, y: number) => (x ^ y) >>> 0
                    : op === '<<'
                      ? (x: number, y: number) => (y >= 32 ? 0 : (x << y) >>> 0)
                      : (x: number, y: number) => (y >= 32 ? 0 : x >>> y)
  return (b, o, n) => {
    const x = a(b, o, n)
    if (x < 0) return -1
    const y = c(b, o, n)
    return y < 0 ? -1 : f(x, y)
  }
}

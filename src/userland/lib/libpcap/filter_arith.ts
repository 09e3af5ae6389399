/**
 * The arithmetic side of relations (`tcp[13] & 2 != 0`, `ip[8] < 64`, `len > 100`): operators by
 * libpcap's precedence, unary minus, parentheses, numbers and named constants, and loads
 * `proto[expr]`/`proto[expr : size]` relative to that protocol's header, which reject the packet when
 * it is not of that protocol or too short. Functions of the compiler (filter.ts).
 *
 * Must not: allocate or throw in what it returns; errors are thrown while compiling only.
 */

import { FilterError } from './errors.js'
import type { Compiler } from './filter.js'
import { type Arith, arith, u8, u16, u32 } from './filter_ops.js'
import { CONSTS, IP_PROTOS, PROTO_WORDS, parseNumber, SYNTAX } from './scanner.js'

/** Binary operators of relations, loosest first (libpcap's grammar.y precedence). */
const ARITH_LEVELS: readonly (readonly string[])[] = [
  ['|'],
  ['^'],
  ['&'],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
]

export function parseArith(cp: Compiler): Arith {
  return binary(cp, 0)
}

export function binary(cp: Compiler, level: number): Arith {
  if (level === ARITH_LEVELS.length) return arithUnary(cp)
  let l = binary(cp, level + 1)
  while (cp.peek().t === 'op' && ARITH_LEVELS[level]!.includes(cp.peek().v)) {
    const op = cp.take().v
    l = arith(l, op, binary(cp, level + 1))
  }
  return l
}

export function arithUnary(cp: Compiler): Arith {
  if (cp.is('-')) {
    cp.pos++
    const a = arithUnary(cp)
    return (b, o, n) => {
      const x = a(b, o, n)
      return x < 0 ? -1 : (0 - x) >>> 0
    }
  }
  if (cp.is('(')) {
    cp.pos++
    const a = parseArith(cp)
    cp.expect(')')
    return a
  }
  const t = cp.take()
  if (t.t !== 'w') throw new FilterError(SYNTAX)
  const num = parseNumber(t.v)
  if (num !== null) {
    if (num > 0xffffffff) throw new FilterError(`number ${t.v} is too large`)
    return () => num
  }
  if (t.v === 'len') return (_b, _o, n) => n
  const c = CONSTS[t.v]
  if (c !== undefined) return () => c
  if (PROTO_WORDS.has(t.v) && cp.is('[')) return load(cp, t.v)
  throw new FilterError(SYNTAX)
}

/** proto[expr] or proto[expr : size]: a load relative to that protocol's header. */
export function load(cp: Compiler, proto: string): Arith {
  cp.expect('[')
  const idx = parseArith(cp)
  let size = 1
  if (cp.is(':')) {
    cp.pos++
    const s = cp.take()
    size = parseNumber(s.v) ?? 0
    if (size !== 1 && size !== 2 && size !== 4) throw new FilterError('data size must be 1, 2, or 4')
  }
  cp.expect(']')
  const rd = size === 1 ? u8 : size === 2 ? u16 : u32
  if (proto === 'ether' || proto === 'link') {
    if (proto === 'ether') cp.needEther('ether')
    return (b, o, n) => {
      const k = idx(b, o, n)
      return k < 0 ? -1 : rd(b, o, n, k)
    }
  }
  const nl = cp.nl
  const guard = proto === 'ip' ? cp.isIp : proto === 'arp' ? cp.isArp : proto === 'ip6' ? cp.isIp6 : null
  if (guard !== null)
    return (b, o, n) => {
      if (guard(b, o, n) !== 1) return -1
      const k = idx(b, o, n)
      return k < 0 ? -1 : rd(b, o, n, nl + k)
    }
  if (proto === 'icmp6') {
    const isIp6 = cp.isIp6
    return (b, o, n) => {
      if (isIp6(b, o, n) !== 1 || u8(b, o, n, nl + 6) !== 58) return -1
      const k = idx(b, o, n)
      return k < 0 ? -1 : rd(b, o, n, nl + 40 + k)
    }
  }
  // tcp, udp, icmp: after the IP header, in the first fragment of that protocol.
  const want = IP_PROTOS[proto]!
  const isIp = cp.isIp
  return (b, o, n) => {
    if (isIp(b, o, n) !== 1 || u8(b, o, n, nl + 9) !== want) return -1
    const fo = u16(b, o, n, nl + 6)
    if (fo < 0 || (fo & 0x1fff) !== 0) return -1
    const k = idx(b, o, n)
    return k < 0 ? -1 : rd(b, o, n, nl + (b[o + nl]! & 15) * 4 + k)
  }
}

/**
 * ipfw(8)'s IPv6 words (sbin/ipfw/ipv6.c): address lists and prefixes (`2001:db8::/32,fe80::1`),
 * `me6`, `icmp6types`, `ext6hdr`, `flow-id`, the `unreach6` codes; and how `ipfw show` prints them
 * back. Pure parsing and formatting: no kernel calls.
 */

import { type IpfwInsn, ipfwInsn as insn, IpfwOp as O } from '../../../host/syscalls.js'
import { formatIpv6, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { fail, tableRef } from './compile_args.js'

/** ICMP6_MAXTYPE. */
const ICMP6_MAXTYPE = 201

/** icmp6codes[] of ipv6.c (`unreach6 CODE`). */
export const ICMP6_CODES: ReadonlyArray<readonly [string, number]> = [
  ['no-route', 0],
  ['admin-prohib', 1],
  ['address', 3],
  ['port', 4],
]

/** `reset6`: unreach6 with ICMP6_UNREACH_RST. */
export const ICMP6_UNREACH_RST = 0x100

/** ext6hdrcodes[] of ipv6.c, with the EXT_* bits. */
const EXT6_CODES: ReadonlyArray<readonly [string, number]> = [
  ['frag', 0x1],
  ['hopopt', 0x2],
  ['route', 0x4],
  ['dstopt', 0x20],
  ['ah', 0x8],
  ['esp', 0x10],
  ['rthdr0', 0x40],
  ['rthdr2', 0x80],
]

/** Whether a word names an IPv6 address (its first element, before `/` or `,`). */
export function looksIpv6(tok: string): boolean {
  if (tok === 'me6') return true
  const host = tok.split(/[/,]/)[0]!
  return parseIpv6(host) !== null
}

/** Big-endian words of 16 bytes. */
function words(a: Uint8Array): number[] {
  const w: number[] = []
  for (let i = 0; i < 16; i += 4)
    w.push(((a[i]! << 24) | (a[i + 1]! << 16) | (a[i + 2]! << 8) | a[i + 3]!) >>> 0)
  return w
}

/** The mask words of a prefix length. */
export function mask6(len: number): number[] {
  return [0, 1, 2, 3].map((w) => {
    const bits = len - 32 * w
    return bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
  })
}

/**
 * fill_ip6 / add_srcip6: `any` (null: no instruction), `me`/`me6`, `table(N)`, or a list of
 * addresses with optional `/len`; a `/0` member makes the whole list `any`.
 */
export function parseAddr6(tok: string, src: boolean): IpfwInsn | 'any' {
  if (tok === 'any') return 'any'
  if (tok === 'me' || tok === 'me6') return insn(src ? O.IP6_SRC_ME : O.IP6_DST_ME)
  if (tok.startsWith('table(')) return tableRef(tok, src)
  const list: number[] = []
  let any = false
  for (const part of tok.split(',')) {
    if (part === '') continue
    const slash = part.indexOf('/')
    const host = slash < 0 ? part : part.slice(0, slash)
    const a = parseIpv6(host)
    if (a === null) fail(`bad address "${host}"`)
    let len = 128
    if (slash >= 0) {
      const w = part.slice(slash + 1)
      len = /^\d+$/.test(w) ? Number(w) : Number.NaN
      if (!(len >= 0 && len <= 128)) fail(`bad width "${w}''`)
    }
    if (len === 0) {
      any = true
      continue
    }
    const m = mask6(len)
    const aw = words(a!)
    list.push(...aw.map((x, i) => (x & m[i]!) >>> 0), ...m)
  }
  if (any || list.length === 0) return 'any'
  return insn(src ? O.IP6_SRC : O.IP6_DST, { list })
}

/** fill_icmp6types: `128,129` into the eight-word bitmask. */
export function icmp6Types(tok: string): IpfwInsn {
  const list = new Array<number>(8).fill(0)
  for (const w of tok.split(',')) {
    if (w === '') continue
    if (!/^(0x[0-9a-f]+|\d+)$/i.test(w)) fail('invalid ICMP6 type')
    const t = Number(w)
    if (t > ICMP6_MAXTYPE) fail('ICMP6 type out of range')
    list[t >>> 5] = (list[t >>> 5]! | (1 << (t & 31))) >>> 0
  }
  return insn(O.ICMP6TYPE, { list })
}

/** fill_ext6hdr: `frag,hopopt,...`. */
export function ext6hdr(tok: string): IpfwInsn {
  let bits = 0
  for (const w of tok.split(',')) {
    const hit = EXT6_CODES.find(([n]) => n === w)
    if (hit === undefined) fail('invalid option for ipv6 exten header')
    bits |= hit![1]
  }
  if (bits === 0) fail('invalid option for ipv6 exten header')
  return insn(O.EXT_HDR, { arg: bits })
}

/** fill_flow6: `flow-id N[,N]`, 20-bit labels. */
export function flow6(tok: string): IpfwInsn {
  const list: number[] = []
  for (const w of tok.split(',')) {
    if (!/^(0x[0-9a-f]+|\d+)$/i.test(w)) fail(`invalid ipv6 flow number ${w}`)
    const n = Number(w)
    if (n > 0xfffff) fail(`flow number out of range ${w}`)
    list.push(n)
  }
  return insn(O.FLOW6ID, { list })
}

/** fill_unreach6_code: a number below 256 or one of icmp6codes. */
export function unreach6Code(tok: string): number {
  if (/^(0x[0-9a-f]+|\d+)$/i.test(tok) && Number(tok) < 0x100) return Number(tok)
  const hit = ICMP6_CODES.find(([n]) => n === tok)
  if (hit === undefined) fail(`unknown ICMPv6 unreachable code \`\`${tok}''`)
  return hit![1]
}

/** print_unreach6_code, and `reset6`. */
export function printUnreach6(code: number): string {
  if (code === ICMP6_UNREACH_RST) return 'reset6'
  const name = ICMP6_CODES.find(([, c]) => c === code)?.[0]
  return `unreach6 ${name ?? code}`
}

/** Leading ones of the mask words, or -1 when the mask has holes (contigmask). */
function maskLen(m: readonly number[]): number {
  let len = 0
  let ended = false
  for (const w of m)
    for (let b = 31; b >= 0; b--) {
      const one = ((w >>> b) & 1) === 1
      if (one && ended) return -1
      if (one) len++
      else ended = true
    }
  return len
}

function bytesOf(w: readonly number[]): Uint8Array {
  const a = new Uint8Array(16)
  for (let i = 0; i < 4; i++) {
    a[4 * i] = w[i]! >>> 24
    a[4 * i + 1] = (w[i]! >>> 16) & 0xff
    a[4 * i + 2] = (w[i]! >>> 8) & 0xff
    a[4 * i + 3] = w[i]! & 0xff
  }
  return a
}

/** An IPv6 address from four words, as inet_ntop writes it. */
export function formatWords6(w: readonly number[]): string {
  return formatIpv6(bytesOf(w))
}

/** print_ip6: `me6`, or the list of addresses with `/len` below 128. */
export function printAddr6(i: IpfwInsn): string {
  if (i.op === O.IP6_SRC_ME || i.op === O.IP6_DST_ME) return 'me6'
  const parts: string[] = []
  for (let k = 0; k < i.list.length; k += 8) {
    const a = i.list.slice(k, k + 4)
    const m = i.list.slice(k + 4, k + 8)
    const len = maskLen(m)
    if (len === 0) parts.push('any')
    else if (len < 0) parts.push(`${formatWords6(a)}:${formatWords6(m)}`)
    else parts.push(len === 128 ? formatWords6(a) : `${formatWords6(a)}/${len}`)
  }
  return parts.join(',')
}

/** print_icmp6types. */
export function printIcmp6Types(i: IpfwInsn): string {
  const types: number[] = []
  for (let t = 0; t <= ICMP6_MAXTYPE; t++) if (((i.list[t >>> 5]! >>> (t & 31)) & 1) === 1) types.push(t)
  return `icmp6types ${types.join(',')}`
}

/** print_ext6hdr: FreeBSD spells the headers out in this order. */
export function printExt6hdr(i: IpfwInsn): string {
  const names: Array<[number, string]> = [
    [0x1, 'fragmentation'],
    [0x2, 'hop options'],
    [0x4, 'routing options'],
    [0x40, 'rthdr0'],
    [0x80, 'rthdr2'],
    [0x20, 'destination options'],
    [0x8, 'authentication header'],
    [0x10, 'encapsulated security payload'],
  ]
  return `extension header: ${names
    .filter(([b]) => (i.arg & b) !== 0)
    .map(([, n]) => n)
    .join(',')}`
}

/** print_flow6id. */
export function printFlow6(i: IpfwInsn): string {
  return `flow-id ${i.list.join(',')}`
}

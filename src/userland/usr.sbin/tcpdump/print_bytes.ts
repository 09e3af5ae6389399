/**
 * Byte readers and checksum arithmetic shared by tcpdump's printers. Bounds are the callers' to
 * check; nothing here throws.
 */

import { formatMac } from '../../../wire/addr.js'

/** ipproto_values: protocol names for the -v header lines of IPv4 and IPv6. */
export const IPPROTO_NAMES: Readonly<Record<number, string>> = {
  0: 'Options',
  1: 'ICMP',
  2: 'IGMP',
  4: 'IPIP',
  6: 'TCP',
  8: 'EGP',
  9: 'IGRP',
  17: 'UDP',
  33: 'DCCP',
  41: 'IPv6',
  43: 'Routing',
  44: 'Fragment',
  46: 'RSVP',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  55: 'Mobile IP',
  58: 'ICMPv6',
  62: 'Mobile IP (old)',
  88: 'EIGRP',
  89: 'OSPF',
  103: 'PIM',
  108: 'Compressed IP',
  112: 'VRRP',
  113: 'PGM',
  132: 'SCTP',
  135: 'Mobility',
}

export const hex4 = (x: number): string => x.toString(16).padStart(4, '0')

export function ip4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`
}
export function be16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!
}
export function be32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0
}
export function mac(b: Uint8Array, at: number): string {
  let m = 0
  for (let i = 0; i < 6; i++) m = m * 256 + b[at + i]!
  return formatMac(m)
}

/** One's-complement sum for checksum verification (-v). */
export function sum16(b: Uint8Array, at: number, len: number, acc: number): number {
  let s = acc
  for (let i = 0; i + 1 < len; i += 2) s += (b[at + i]! << 8) | b[at + i + 1]!
  if (len & 1) s += b[at + len - 1]! << 8
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000)
  return s
}

/** The checksum field's value that would have been right, given the sum over the segment as sent. */
export function fixed(b: Uint8Array, ckAt: number, got: number): number {
  const ck = be16(b, ckAt)
  // got includes ck; remove it and complement.
  let s = got + (~ck & 0xffff)
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000)
  return ~s & 0xffff
}

/** print_unknown_data's hex lines: `{indent}0x0000:  0011 2233 ...`, 16 bytes a line. */
export function hexLines(b: Uint8Array, at: number, len: number, indent: string): string {
  let s = ''
  for (let o = 0; o < len; o += 16) {
    s += `${indent}0x${o.toString(16).padStart(4, '0')}: `
    for (let i = o; i < Math.min(len, o + 16); i += 2)
      s += i + 1 < len ? ` ${hex4(be16(b, at + i))}` : ` ${b[at + i]!.toString(16).padStart(2, '0')}`
  }
  return s
}

/** A tok table for bittok2str: (bit mask, name) in print order. */
export type BitNames = ReadonlyArray<readonly [number, string]>

/** bittok2str: the names of the masks wholly set in v, in the table's order, comma-separated; or `none`. */
export function bitNames(v: number, names: BitNames): string {
  const on: string[] = []
  for (const [bit, name] of names) if ((v & bit) === bit) on.push(name)
  return on.length > 0 ? on.join(', ') : 'none'
}

/**
 * The protocol printers' "[|proto]": thrown by need() when the capture ends before the bytes a
 * field needs, and caught by the printer that started, which then ends its line as tcpdump does.
 */
export class Truncated {}
export const TRUNCATED = new Truncated()

export function need(end: number, at: number, n: number): void {
  if (at + n > end) throw TRUNCATED
}

/** fn_print_char: ASCII as is, the high bit as `M-`, control characters as `^X`. */
export function printChar(c: number): string {
  let s = ''
  if (c >= 0x80) {
    s = 'M-'
    c &= 0x7f
  }
  if (c < 0x20 || c === 0x7f) return `${s}^${String.fromCharCode(c ^ 0x40)}`
  return s + String.fromCharCode(c)
}

/** nd_printn: n characters, truncated at the end of the capture. */
export function printN(b: Uint8Array, at: number, n: number, snapend: number): string {
  need(snapend, at, n)
  let s = ''
  for (let i = 0; i < n; i++) s += printChar(b[at + i]!)
  return s
}

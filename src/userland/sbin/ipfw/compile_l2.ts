/**
 * ipfw(8)'s layer-2 options (ipfw2.c): `layer2`, `mac-type LIST` (EtherTypes as numbers, ranges or
 * names) and `mac DST SRC` (each `any` or `xx:xx:xx:xx:xx:xx[/len|&mask]`), and how they print back
 * (print_mac, print_newports for IPPROTO_ETHERTYPE). The kernel side is ip_fw_l2_match.ts.
 */

import { type IpfwInsn, ipfwInsn as insn, IpfwOp as O } from '../../../host/syscalls.js'
import { formatMac, parseMac } from '../../../wire/addr.js'
import { EX_USAGE, fail, parseUint } from './compile_args.js'

/** ether_types of ipfw2.c (the names `mac-type` takes and -N prints). */
export const ETHER_TYPES: ReadonlyArray<readonly [string, number]> = [
  ['ip', 0x0800],
  ['ipv4', 0x0800],
  ['ipv6', 0x86dd],
  ['arp', 0x0806],
  ['rarp', 0x8035],
  ['vlan', 0x8100],
  ['loop', 0x9000],
  ['trail', 0x1000],
  ['at', 0x809b],
  ['atalk', 0x809b],
  ['aarp', 0x80f3],
  ['pppoe_disc', 0x8863],
  ['pppoe_sess', 0x8864],
  ['ipx_8022', 0x00e0],
  ['ipx_8023', 0x0000],
  ['ipx_ii', 0x8137],
  ['ipx_snap', 0x8137],
  ['ipx', 0x8137],
  ['ns', 0x0600],
]

const MAC_ALL = 0xffffffffffff

/** A MAC with its mask: `any`, an address, `addr/len` or `addr&mask`. */
function macMask(tok: string): [number, number] {
  if (tok === 'any') return [0, 0]
  let mask = MAC_ALL
  let a = tok
  const slash = tok.indexOf('/')
  const amp = tok.indexOf('&')
  if (slash >= 0) {
    a = tok.slice(0, slash)
    const len = parseUint(tok.slice(slash + 1))
    if (len === null || len > 48) fail(`invalid mac mask width ${tok.slice(slash + 1)}`)
    mask = len === 0 ? 0 : MAC_ALL - (2 ** (48 - len!) - 1)
  } else if (amp >= 0) {
    a = tok.slice(0, amp)
    const m = parseMac(tok.slice(amp + 1))
    if (m === null) fail(`invalid mac mask ${tok.slice(amp + 1)}`)
    mask = m!
  }
  const addr = parseMac(a)
  if (addr === null) fail(`invalid mac address ${a}`)
  return [andMac(addr!, mask), mask]
}

const hi = (mac: number) => Math.floor(mac / 0x1000000)
const lo = (mac: number) => mac % 0x1000000
const andMac = (a: number, m: number) => ((hi(a) & hi(m)) >>> 0) * 0x1000000 + ((lo(a) & lo(m)) >>> 0)

/** The option at t[p-1] (its word already taken); returns the instruction and the next index. */
export function l2Option(word: string, t: readonly string[], p: number): [IpfwInsn, number] {
  if (word === 'layer2') return [insn(O.LAYER2), p]
  if (word === 'mac-type') {
    const w = t[p]
    if (w === undefined) fail('missing mac type', EX_USAGE)
    const list: number[] = []
    for (const part of w!.split(',')) {
      const [a, b] = part.split('-')
      const one = (s: string): number => {
        const n = parseUint(s) ?? ETHER_TYPES.find(([name]) => name === s)?.[1] ?? null
        if (n === null || n > 0xffff) fail(`invalid mac type ${s}`)
        return n!
      }
      const lo = one(a!)
      list.push(lo, b === undefined ? lo : one(b))
    }
    return [insn(O.MAC_TYPE, { list }), p + 1]
  }
  // mac DST SRC
  const d = t[p]
  const s = t[p + 1]
  if (d === undefined || s === undefined) fail('MAC dst src', EX_USAGE)
  const [da, dm] = macMask(d!)
  const [sa, sm] = macMask(s!)
  return [insn(O.MAC, { list: [hi(da), lo(da), hi(dm), lo(dm), hi(sa), lo(sa), hi(sm), lo(sm)] }), p + 2]
}

function printMac(l: readonly number[], k: number): string {
  const a = l[k]! * 0x1000000 + l[k + 1]!
  const m = l[k + 2]! * 0x1000000 + l[k + 3]!
  if (m === 0) return 'any'
  if (m === MAC_ALL) return formatMac(a)
  // A contiguous mask prints as a width, any other as &mask.
  let len = 0
  while (len < 48 && Math.floor(m / 2 ** (47 - len)) % 2 === 1) len++
  if (m === MAC_ALL - (2 ** (48 - len) - 1)) return `${formatMac(a)}/${len}`
  return `${formatMac(a)}&${formatMac(m)}`
}

/** One layer-2 option as show_static_rule prints it. */
export function printL2(i: IpfwInsn, names: boolean): string {
  if (i.op === O.LAYER2) return 'layer2'
  if (i.op === O.MAC_TYPE) {
    const one = (n: number) =>
      (names ? ETHER_TYPES.find(([, v]) => v === n)?.[0] : undefined) ??
      `0x${n.toString(16).padStart(4, '0')}`
    const parts: string[] = []
    for (let k = 0; k < i.list.length; k += 2)
      parts.push(i.list[k] === i.list[k + 1] ? one(i.list[k]!) : `${one(i.list[k]!)}-${one(i.list[k + 1]!)}`)
    return `mac-type ${parts.join(',')}`
  }
  return `MAC ${printMac(i.list, 0)} ${printMac(i.list, 4)}`
}

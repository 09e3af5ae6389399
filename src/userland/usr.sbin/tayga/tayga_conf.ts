/**
 * tayga.conf(5): the directives TAYGA reads (tun-device, ipv4-addr, ipv6-addr, prefix, dynamic-pool,
 * data-dir, map, strict-frag-hdr, wkpf-strict, offlink-mtu), parsed into a plain value with TAYGA's
 * own refusals (`Expected an IPv4 address but found "x" on line 3`). Parsing only: it opens no
 * device and touches no file; a bad file gives one message and no config.
 */

import { formatIpv4, parseIpv4 } from '../../../wire/addr.js'
import { formatIpv6, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { embed4, isNonGlobal4, isRfc6052Length, isWkp } from '../../../wire/nat64/rfc6052.js'

/** How many `map` lines a file may hold: each is scanned per packet. */
export const MAX_MAPS = 1024
/** The longest dynamic pool accepted (/16): its table is made up front. */
export const MIN_POOL_LEN = 16

export interface StaticMap {
  v4: number
  len4: number
  v6: Uint8Array
  len6: number
  line: number
}

export interface TaygaConfig {
  tunDevice: string
  ipv4Addr: number
  /** Given or derived from the prefix (tayga does the same when ipv6-addr is absent). */
  ipv6Addr: Uint8Array
  prefix: { addr: Uint8Array; len: number } | null
  pool: { addr: number; len: number } | null
  dataDir: string | null
  maps: StaticMap[]
  wkpfStrict: boolean
  offlinkMtu: number
}

const DIRECTIVES: Readonly<Record<string, number>> = Object.freeze({
  'ipv4-addr': 1,
  'ipv6-addr': 1,
  prefix: 1,
  'tun-device': 1,
  map: 2,
  'dynamic-pool': 1,
  'data-dir': 1,
  'strict-frag-hdr': 1,
  'wkpf-strict': 1,
  'offlink-mtu': 1,
})

/** 0/8, 127/8, multicast and class E: what validate_ip4_addr refuses anywhere in the file. */
function reserved4(a: number): boolean {
  const b0 = a >>> 24
  return b0 === 0 || b0 === 127 || b0 >= 224
}

/** Unspecified, loopback, IPv4-compatible and -mapped (::/80), link-local and multicast. */
function reserved6(a: Uint8Array): boolean {
  let zero = true
  for (let i = 0; i < 10; i++) if (a[i] !== 0) zero = false
  return zero || a[0] === 0xff || (a[0] === 0xfe && (a[1]! & 0xc0) === 0x80)
}

function prefixOf(s: string, max: number): { a: string; len: number } | null {
  const i = s.indexOf('/')
  if (i < 0) return null
  const t = s.slice(i + 1)
  if (!/^\d{1,3}$/.test(t)) return null
  const len = Number(t)
  return len <= max ? { a: s.slice(0, i), len } : null
}

const mask4 = (len: number): number => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0)

function inPrefix6(a: Uint8Array, p: Uint8Array, len: number): boolean {
  for (let i = 0; i < len; i++) {
    const bit = 7 - (i & 7)
    if (((a[i >>> 3]! >>> bit) & 1) !== ((p[i >>> 3]! >>> bit) & 1)) return false
  }
  return true
}

/** Parse the file's text; the config, or the message tayga prints before exiting 1. */
export function parseTaygaConf(text: string, file: string): TaygaConfig | string {
  let tun = ''
  let v4: number | null = null
  let v6: Uint8Array | null = null
  let prefix: TaygaConfig['prefix'] = null
  let pool: TaygaConfig['pool'] = null
  let dataDir: string | null = null
  let wkpfStrict = true
  let offlinkMtu = 1280
  const maps: StaticMap[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const ln = i + 1
    const line = lines[i]!
    if (line.length >= 511) return `Line ${ln} of ${file} is too long, aborting...`
    const words: string[] = []
    for (const w of line.split(/[ \t\r]+/)) {
      if (w === '') continue
      if (w.startsWith('#')) break
      words.push(w)
    }
    if (words.length === 0) continue
    if (words.length > 10) return `Line ${ln} of ${file} is too long, aborting...`
    const name = words[0]!.toLowerCase()
    const need = Object.hasOwn(DIRECTIVES, name) ? DIRECTIVES[name] : undefined
    if (need === undefined) return `Unknown directive "${words[0]}" on line ${ln} of ${file}, aborting...`
    if (words.length - 1 !== need) return `Incorrect number of arguments on line ${ln}`
    const arg = words[1]!
    switch (name) {
      case 'tun-device':
        if (tun !== '') return `Error: duplicate tun-device directive on line ${ln}`
        if (arg.length > 15) return `Device name "${arg}" is invalid on line ${ln}`
        tun = arg
        break
      case 'ipv4-addr': {
        if (v4 !== null) return `Error: duplicate ipv4-addr directive on line ${ln}`
        const a = parseIpv4(arg)
        if (a === null) return `Expected an IPv4 address but found "${arg}" on line ${ln}`
        if (reserved4(a)) return `Cannot use reserved address ${arg} in ipv4-addr directive, aborting...`
        v4 = a
        break
      }
      case 'ipv6-addr': {
        if (v6 !== null) return `Error: duplicate ipv6-addr directive on line ${ln}`
        const a = parseIpv6(arg)
        if (a === null) return `Expected an IPv6 address but found "${arg}" on line ${ln}`
        if (reserved6(a)) return `Cannot use reserved address ${arg} in ipv6-addr directive, aborting...`
        if (isWkp(a, 0, 96))
          return 'Error: ipv6-addr directive cannot contain an address in the Well-Known Prefix (64:ff9b::/96)'
        v6 = a
        break
      }
      case 'prefix': {
        if (prefix !== null) return `Error: duplicate prefix directive on line ${ln}`
        const p = prefixOf(arg, 128)
        const a = p === null ? null : parseIpv6(p.a)
        if (p === null || a === null || !inPrefix6(a, a, p.len) || hostBits6(a, p.len))
          return `Expected an IPv6 prefix but found "${arg}" on line ${ln}`
        if (!isRfc6052Length(p.len))
          return 'NAT prefix length must be 32, 40, 48, 56, 64 or 96 only, aborting...'
        prefix = { addr: a, len: p.len }
        break
      }
      case 'dynamic-pool': {
        if (pool !== null) return `Error: duplicate dynamic-pool directive on line ${ln}`
        const p = prefixOf(arg, 32)
        const a = p === null ? null : parseIpv4(p.a)
        if (p === null || a === null || (a & ~mask4(p.len)) !== 0)
          return `Expected an IPv4 prefix but found "${arg}" on line ${ln}`
        if (reserved4(a)) return `Cannot use reserved address ${arg} in dynamic-pool directive, aborting...`
        if (p.len > 31) return 'Cannot use a prefix longer than /31 in dynamic-pool directive, aborting...'
        if (p.len < MIN_POOL_LEN)
          return `Cannot use a prefix shorter than /${MIN_POOL_LEN} in dynamic-pool directive, aborting...`
        pool = { addr: a, len: p.len }
        break
      }
      case 'data-dir':
        if (dataDir !== null) return `Error: duplicate data-dir directive on line ${ln}`
        if (!arg.startsWith('/')) return 'Error: data-dir must be an absolute path'
        dataDir = arg
        break
      case 'strict-frag-hdr':
      case 'wkpf-strict': {
        const v = arg.toLowerCase()
        const on = v === 'true' || v === 'on' || v === '1' || v === 'yes'
        if (!on && !(v === 'false' || v === 'off' || v === '0' || v === 'no'))
          return `Error: invalid value for ${name}`
        if (name === 'wkpf-strict') wkpfStrict = on
        break
      }
      case 'offlink-mtu': {
        const n = /^\d{1,5}$/.test(arg) ? Number(arg) : Number.NaN
        if (!(n >= 1280 && n <= 65535)) return `Error: offlink-mtu must be 1280 to 65535 on line ${ln}`
        offlinkMtu = n
        break
      }
      case 'map': {
        if (maps.length >= MAX_MAPS) return `Error: more than ${MAX_MAPS} map directives on line ${ln}`
        const m = parseMap(arg, words[2]!, ln)
        if (typeof m === 'string') return m
        for (const o of maps) {
          const l = Math.min(o.len4, m.len4)
          if (((o.v4 ^ m.v4) & mask4(l)) === 0)
            return `Error: IPv4 address in map directive on line ${ln} conflicts with earlier definition of ${formatIpv4(o.v4)}/${o.len4} from line ${o.line}`
          if (inPrefix6(m.v6, o.v6, Math.min(o.len6, m.len6)))
            return `Error: IPv6 address in map directive on line ${ln} overlaps with earlier definition of ${formatIpv6(o.v6)}/${o.len6} from line ${o.line}`
        }
        if (prefix !== null && inPrefix6(m.v6, prefix.addr, Math.min(prefix.len, m.len6)))
          return `Error: IPv6 address in map directive on line ${ln} overlaps with earlier definition of ${formatIpv6(prefix.addr)}/${prefix.len}`
        maps.push(m)
        break
      }
    }
  }
  if (prefix === null && maps.length === 0) return 'Error: no translation maps or NAT64 prefix configured'
  if (v4 === null) return 'Error: no ipv4-addr directive found'
  if (tun === '') return 'Error: no tun-device directive found'
  for (const m of maps)
    if (((m.v4 ^ v4) & mask4(m.len4)) === 0)
      return `Error: ipv4-addr conflicts with earlier definition of ${formatIpv4(m.v4)}/${m.len4} from line ${m.line}`
  if (v6 === null) {
    if (prefix === null)
      return 'Error: ipv6-addr directive must be specified if no NAT64 prefix is configured'
    if (isWkp(prefix.addr, 0, prefix.len) && isNonGlobal4(v4))
      return 'Error: ipv6-addr directive must be specified if prefix is 64:ff9b::/96 and ipv4-addr is a non-global (RFC 1918) address'
    v6 = new Uint8Array(16)
    embed4(prefix.addr, 0, prefix.len, v4, v6, 0)
  } else if (prefix !== null && inPrefix6(v6, prefix.addr, prefix.len)) {
    return `Error: ipv6-addr cannot reside within configured prefix ${formatIpv6(prefix.addr)}/${prefix.len}`
  }
  return { tunDevice: tun, ipv4Addr: v4, ipv6Addr: v6, prefix, pool, dataDir, maps, wkpfStrict, offlinkMtu }
}

function hostBits6(a: Uint8Array, len: number): boolean {
  for (let i = len; i < 128; i++) if ((a[i >>> 3]! >>> (7 - (i & 7))) & 1) return true
  return false
}

/** `map IPV4[/LEN] IPV6[/LEN]`: RFC 7757 subnets of the same size, or two hosts. */
function parseMap(a4: string, a6: string, ln: number): StaticMap | string {
  const s4 = a4.indexOf('/')
  const s6 = a6.indexOf('/')
  const len4 = s4 < 0 ? 32 : Number(a4.slice(s4 + 1))
  const len6 = s6 < 0 ? 128 : Number(a6.slice(s6 + 1))
  const v4 = parseIpv4(s4 < 0 ? a4 : a4.slice(0, s4))
  if (v4 === null || !Number.isInteger(len4) || len4 < 0 || len4 > 32)
    return `Expected an IPv4 subnet but found "${a4}" on line ${ln}`
  if (!Number.isInteger(len6) || 32 - len4 !== 128 - len6)
    return `IPv4 and IPv6 subnet must be of the same size, but found ${a4} and ${a6} on line ${ln}`
  const v6 = parseIpv6(s6 < 0 ? a6 : a6.slice(0, s6))
  if (v6 === null) return `Expected an IPv6 subnet but found "${a6}" on line ${ln}`
  if (reserved4(v4)) return `Cannot use reserved address ${a4} in map directive, aborting...`
  if (reserved6(v6)) return `Cannot use reserved address ${a6} in map directive, aborting...`
  if (isWkp(v6, 0, 96)) return 'Cannot create single-host maps inside 64:ff9b::/96, aborting...'
  return { v4: (v4 & mask4(len4)) >>> 0, len4, v6, len6, line: ln }
}

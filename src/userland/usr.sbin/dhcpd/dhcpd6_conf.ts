/**
 * dhcpd.conf(5) for `dhcpd -6`: the subset of ISC's DHCPv6 language IMUNES's DHCP6+RSOL lab and
 * small servers use. Global and scoped parameters (`authoritative`, `not authoritative`,
 * `default-lease-time`, `max-lease-time`, `preferred-lifetime`, `dhcpv6-lease-file-name`,
 * `log-facility`, `ddns-update-style`, `option dhcp6.name-servers A, …`,
 * `option dhcp6.domain-search "…", …`, `option dhcp6.preference N`, `option dhcp6.rapid-commit`,
 * `option dhcp-renewal-time N`, `option dhcp-rebinding-time N`), `subnet6 P/L { range6 LO HI;
 * range6 P/L; pool6 { range6 …; } … }`, `shared-network NAME { subnet6 … }` and
 * `host NAME { hardware ethernet MAC; host-identifier option dhcp6.client-id HEX; fixed-address6 A; }`.
 *
 * Errors are ISC's `FILE line N: message` with the line and a caret, the first one stopping the
 * parse (dhcpd exits 1). Limits: MAX_SUBNETS subnets and MAX_HOSTS hosts; ranges are kept as
 * bounds (a /64 is not enumerated), the lease table bounds what is handed out.
 */

import { parseMac } from '../../../wire/addr.js'
import { formatIpv6, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { ConfError, confError, lex, MAX_HOSTS, MAX_SUBNETS, type Tok } from './dhcpd_conf.js'

export interface Dhcp6Params {
  defaultLeaseTime?: number
  maxLeaseTime?: number
  preferredLifetime?: number
  renewalTime?: number
  rebindingTime?: number
  nameServers?: Uint8Array[]
  domainSearch?: string[]
  preference?: number
  rapidCommit?: boolean
}

export interface Dhcpd6Range {
  /** Inclusive bounds, as 128-bit integers. */
  lo: bigint
  hi: bigint
}

export interface Dhcpd6Subnet {
  prefix: Uint8Array
  prefixLen: number
  ranges: Dhcpd6Range[]
  params: Dhcp6Params
}

export interface Dhcpd6Host {
  name: string
  mac: number | undefined
  /** host-identifier option dhcp6.client-id: the whole DUID. */
  clientId: Uint8Array | undefined
  fixed: Uint8Array[]
  params: Dhcp6Params
}

export interface Dhcpd6Config {
  params: Dhcp6Params
  authoritative: boolean
  leaseFile: string | undefined
  subnets: Dhcpd6Subnet[]
  hosts: Dhcpd6Host[]
}

export function in6ToBig(a: Uint8Array): bigint {
  let v = 0n
  for (let i = 0; i < 16; i++) v = (v << 8n) | BigInt(a[i]!)
  return v
}

export function bigToIn6(v: bigint): Uint8Array {
  const a = new Uint8Array(16)
  for (let i = 15; i >= 0; i--) {
    a[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return a
}

/** Whether address a lies in prefix/len. */
export function in6InPrefix(a: Uint8Array, prefix: Uint8Array, len: number): boolean {
  const shift = BigInt(128 - len)
  return in6ToBig(a) >> shift === in6ToBig(prefix) >> shift
}

/** Parse `src` (the contents of `file`); ConfError with ISC's message on the first error. */
export function parseDhcpd6Conf(src: string, file: string): Dhcpd6Config {
  const lines = src.split('\n')
  const toks = lex(src, file)
  let i = 0
  const cfg: Dhcpd6Config = { params: {}, authoritative: false, leaseFile: undefined, subnets: [], hosts: [] }
  const last = (): Tok => toks[toks.length - 1] ?? { text: '', quoted: false, line: lines.length, col: 0 }
  const fail = (t: Tok | undefined, msg: string): never => {
    const at = t ?? last()
    throw confError(file, lines, at.line, t === undefined ? (lines[at.line - 1]?.length ?? 0) : at.col, msg)
  }
  const isPunct = (t: Tok | undefined, p: string) => t !== undefined && !t.quoted && t.text === p
  const next = (what: string): Tok => {
    const t = toks[i]
    if (t === undefined) return fail(undefined, 'unexpected end of file')
    i++
    if (!t.quoted && ';{},'.includes(t.text)) fail(t, `expecting ${what}.`)
    return t
  }
  const semi = () => {
    if (!isPunct(toks[i], ';')) fail(toks[i], 'semicolon expected.')
    i++
  }
  const open = () => {
    if (!isPunct(toks[i], '{')) fail(toks[i], 'expecting left brace.')
    i++
  }
  const closed = (): boolean => {
    if (toks[i] === undefined) fail(undefined, 'unexpected end of file')
    if (isPunct(toks[i], '}')) {
      i++
      return true
    }
    return false
  }
  const ip6 = (): Uint8Array => {
    const t = next('an IPv6 address')
    const a = t.quoted ? null : parseIpv6(t.text)
    if (a === null) fail(t, `${t.text}: expecting IPv6 address.`)
    return a!
  }
  const num = (): number => {
    const t = next('a number')
    if (t.quoted || !/^\d{1,10}$/.test(t.text) || Number(t.text) > 0xffffffff)
      fail(t, `${t.text}: expecting numeric value.`)
    return Number(t.text)
  }
  const prefixTok = (): { prefix: Uint8Array; len: number; tok: Tok } => {
    const t = next('an IPv6 prefix')
    const m = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/.exec(t.text)
    const a = m === null ? null : parseIpv6(m[1]!)
    if (m === null || a === null || Number(m[2]) > 128) return fail(t, `${t.text}: expecting IPv6 prefix.`)
    return { prefix: a, len: Number(m[2]), tok: t }
  }
  const list = <T>(one: () => T): T[] => {
    const out = [one()]
    while (isPunct(toks[i], ',')) {
      i++
      if (out.length >= 32) fail(toks[i], 'too many values.')
      out.push(one())
    }
    return out
  }
  const option = (p: Dhcp6Params) => {
    const t = next('an option name')
    switch (t.text) {
      case 'dhcp6.name-servers':
        p.nameServers = list(ip6)
        break
      case 'dhcp6.domain-search':
        p.domainSearch = list(() => {
          const s = next('a string')
          if (!s.quoted) fail(s, 'expecting string.')
          return s.text
        })
        break
      case 'dhcp6.preference': {
        const at = toks[i]
        const v = num()
        if (v > 255) fail(at, `${v}: expecting 8-bit value.`)
        p.preference = v
        break
      }
      case 'dhcp6.rapid-commit':
        p.rapidCommit = true
        break
      case 'dhcp-renewal-time':
        p.renewalTime = num()
        break
      case 'dhcp-rebinding-time':
        p.rebindingTime = num()
        break
      default:
        fail(t, `unknown option ${t.text.includes('.') ? t.text : `dhcp.${t.text}`}`)
    }
    semi()
  }
  /** A parameter valid in any scope; false when t is not one. */
  const param = (t: Tok, p: Dhcp6Params, global: boolean): boolean => {
    switch (t.text) {
      case 'option':
        option(p)
        return true
      case 'default-lease-time':
        p.defaultLeaseTime = num()
        break
      case 'max-lease-time':
        p.maxLeaseTime = num()
        break
      case 'preferred-lifetime':
        p.preferredLifetime = num()
        break
      case 'authoritative':
        if (global) cfg.authoritative = true
        break
      case 'not': {
        const a = next('authoritative')
        if (a.text !== 'authoritative') fail(a, 'expecting authoritative.')
        if (global) cfg.authoritative = false
        break
      }
      case 'log-facility':
      case 'ddns-update-style':
      case 'dhcpv6-set-tee-times':
        next('a value')
        break
      case 'dhcpv6-lease-file-name': {
        const s = next('a file name')
        if (!s.quoted) fail(s, 'expecting string.')
        if (global) cfg.leaseFile = s.text
        break
      }
      default:
        return false
    }
    semi()
    return true
  }
  const range6 = (s: Dhcpd6Subnet, at: Tok) => {
    const t = toks[i]
    if (t !== undefined && !t.quoted && t.text.includes('/')) {
      const p = prefixTok()
      semi()
      if (p.len < s.prefixLen || !in6InPrefix(p.prefix, s.prefix, s.prefixLen))
        fail(
          at,
          `range6 ${formatIpv6(p.prefix)}/${p.len} is not in subnet6 ${formatIpv6(s.prefix)}/${s.prefixLen}`,
        )
      const base = in6ToBig(p.prefix) & ~((1n << BigInt(128 - p.len)) - 1n)
      s.ranges.push({ lo: base, hi: base + (1n << BigInt(128 - p.len)) - 1n })
      return
    }
    const lo = ip6()
    let hi = lo
    if (!isPunct(toks[i], ';')) {
      const u = toks[i]
      if (u !== undefined && !u.quoted && u.text === 'temporary')
        fail(u, 'temporary addresses are not supported')
      hi = ip6()
    }
    semi()
    for (const a of [lo, hi])
      if (!in6InPrefix(a, s.prefix, s.prefixLen))
        fail(at, `range6 address ${formatIpv6(a)} is not in subnet6 ${formatIpv6(s.prefix)}/${s.prefixLen}`)
    if (in6ToBig(hi) < in6ToBig(lo)) fail(at, 'range6 start address is greater than end address')
    s.ranges.push({ lo: in6ToBig(lo), hi: in6ToBig(hi) })
  }
  const host = (at: Tok) => {
    const name = next('a host name')
    if (cfg.hosts.length >= MAX_HOSTS) fail(at, `more than ${MAX_HOSTS} hosts.`)
    const h: Dhcpd6Host = { name: name.text, mac: undefined, clientId: undefined, fixed: [], params: {} }
    open()
    while (!closed()) {
      const t = next('a parameter or declaration')
      if (t.text === 'hardware') {
        const kind = next('a hardware type')
        if (kind.text !== 'ethernet') fail(kind, 'expecting hardware type.')
        const m = next('a hardware address')
        const mac = parseMac(m.text)
        if (mac === null) fail(m, `${m.text}: expecting hardware address.`)
        h.mac = mac!
        semi()
      } else if (t.text === 'fixed-address6') {
        h.fixed.push(...list(ip6))
        semi()
      } else if (t.text === 'host-identifier') {
        const o = next('option')
        if (o.text !== 'option') fail(o, 'host-identifier must be an option')
        const n = next('an option name')
        if (n.text !== 'dhcp6.client-id') fail(n, `${n.text}: host-identifier option not supported`)
        const v = next('a DUID')
        if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2})+$/.test(v.text))
          fail(v, 'expecting colon-separated hex list.')
        h.clientId = Uint8Array.from(v.text.split(':'), (x) => Number.parseInt(x, 16))
        semi()
      } else if (!param(t, h.params, false)) fail(t, 'expecting a parameter or declaration')
    }
    cfg.hosts.push(h)
  }
  const subnet6 = (at: Tok) => {
    const p = prefixTok()
    if (cfg.subnets.length >= MAX_SUBNETS) fail(at, `more than ${MAX_SUBNETS} subnets.`)
    if (
      !in6InPrefix(
        p.prefix,
        bigToIn6((in6ToBig(p.prefix) >> BigInt(128 - p.len)) << BigInt(128 - p.len)),
        128,
      )
    )
      fail(p.tok, `${p.tok.text}: bad subnet6 prefix.`)
    const s: Dhcpd6Subnet = { prefix: p.prefix, prefixLen: p.len, ranges: [], params: {} }
    open()
    while (!closed()) {
      const t = next('a parameter or declaration')
      if (param(t, s.params, false)) continue
      if (t.text === 'range6') range6(s, t)
      else if (t.text === 'pool6') {
        open()
        while (!closed()) {
          const u = next('a parameter or declaration')
          if (u.text === 'range6') range6(s, u)
          else if (!param(u, s.params, false)) fail(u, 'expecting a parameter or declaration')
        }
      } else if (t.text === 'host') host(t)
      else if (t.text === 'subnet') fail(t, 'subnet declarations not allowed for DHCPv6')
      else fail(t, 'expecting a parameter or declaration')
    }
    cfg.subnets.push(s)
  }
  while (i < toks.length) {
    const t = next('a parameter or declaration')
    if (param(t, cfg.params, true)) continue
    if (t.text === 'subnet6') subnet6(t)
    else if (t.text === 'host') host(t)
    else if (t.text === 'shared-network') {
      next('a network name')
      open()
      while (!closed()) {
        const u = next('a parameter or declaration')
        if (u.text === 'subnet6') subnet6(u)
        else if (!param(u, cfg.params, false)) fail(u, 'expecting a parameter or declaration')
      }
    } else if (t.text === 'subnet') fail(t, 'subnet declarations not allowed for DHCPv6')
    else fail(t, 'expecting a parameter or declaration')
  }
  return cfg
}

export { ConfError }

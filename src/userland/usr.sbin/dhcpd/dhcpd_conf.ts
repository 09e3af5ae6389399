/**
 * dhcpd.conf(5), the subset of ISC dhcpd's language that IMUNES's DHCP lab and ordinary small
 * servers use: global parameters (`option NAME VALUE;`, `default-lease-time`, `max-lease-time`,
 * `min-lease-time`, `authoritative`, `not authoritative`, `log-facility`, `lease-file-name`,
 * `ddns-update-style`, `server-identifier`), `subnet A netmask M { range LO HI; option …; … }`
 * (also `range` inside `pool { }`) and `host NAME { hardware ethernet MAC; fixed-address A; option … }`.
 * Options: subnet-mask, routers, domain-name-servers, domain-name, broadcast-address, host-name,
 * dhcp-renewal-time, dhcp-rebinding-time.
 *
 * Errors are ISC's: `FILE line N: message`, the line, a caret under the token. The first error
 * stops the parse (dhcpd then exits 1). Limits: MAX_SUBNETS subnets, MAX_HOSTS hosts and
 * MAX_POOL_ADDRS addresses in all ranges together, so a configuration cannot make the lease table
 * unbounded.
 */

import { formatIpv4, maskToPrefix, parseIpv4, parseMac } from '../../../wire/addr.js'
import { DhcpOpt, optAddr, optAddrs, optText, optU32 } from '../../../wire/app/dhcp.js'

export const MAX_SUBNETS = 256
export const MAX_HOSTS = 4096
export const MAX_POOL_ADDRS = 65536

export interface DhcpdSubnet {
  net: number
  mask: number
  ranges: Array<{ lo: number; hi: number }>
  /** Options given in the subnet (override the globals). */
  options: Map<number, Uint8Array>
  defaultLeaseTime?: number
  maxLeaseTime?: number
}

export interface DhcpdHost {
  name: string
  mac: number | undefined
  fixed: number | undefined
  options: Map<number, Uint8Array>
}

export interface DhcpdConfig {
  options: Map<number, Uint8Array>
  defaultLeaseTime: number
  maxLeaseTime: number
  minLeaseTime: number
  authoritative: boolean
  leaseFile: string | undefined
  serverId: number | undefined
  subnets: DhcpdSubnet[]
  hosts: DhcpdHost[]
}

export class ConfError extends Error {}

export interface Tok {
  text: string
  /** A quoted string's contents (text is then the contents too). */
  quoted: boolean
  line: number
  col: number
}

/** Words, quoted strings, and the punctuation `; { } ,`. `#` starts a comment. */
export function lex(src: string, file: string): Tok[] {
  const toks: Tok[] = []
  const lines = src.split('\n')
  for (let ln = 0; ln < lines.length; ln++) {
    const s = lines[ln]!
    let i = 0
    while (i < s.length) {
      const c = s[i]!
      if (c === '#') break
      if (c === ' ' || c === '\t' || c === '\r') {
        i++
        continue
      }
      if (c === ';' || c === '{' || c === '}' || c === ',') {
        toks.push({ text: c, quoted: false, line: ln + 1, col: i })
        i++
        continue
      }
      if (c === '"') {
        let j = i + 1
        let v = ''
        while (j < s.length && s[j] !== '"') {
          if (s[j] === '\\' && j + 1 < s.length) j++
          v += s[j]
          j++
        }
        if (j >= s.length) throw confError(file, lines, ln + 1, i, 'unterminated string')
        toks.push({ text: v, quoted: true, line: ln + 1, col: i })
        i = j + 1
        continue
      }
      let j = i
      while (j < s.length && !' \t\r;{},"#'.includes(s[j]!)) j++
      toks.push({ text: s.slice(i, j), quoted: false, line: ln + 1, col: i })
      i = j
    }
  }
  return toks
}

export function confError(
  file: string,
  lines: readonly string[],
  line: number,
  col: number,
  msg: string,
): ConfError {
  const text = lines[line - 1] ?? ''
  return new ConfError(`${file} line ${line}: ${msg}\n${text}\n${' '.repeat(col)}^`)
}

type OptKind = 'ip' | 'ips' | 'text' | 'u32'
const OPTIONS: ReadonlyMap<string, [number, OptKind]> = new Map([
  ['subnet-mask', [DhcpOpt.SUBNET_MASK, 'ip']],
  ['routers', [DhcpOpt.ROUTERS, 'ips']],
  ['domain-name-servers', [DhcpOpt.DNS, 'ips']],
  ['domain-name', [DhcpOpt.DOMAIN_NAME, 'text']],
  ['host-name', [DhcpOpt.HOSTNAME, 'text']],
  ['broadcast-address', [DhcpOpt.BROADCAST, 'ip']],
  ['dhcp-renewal-time', [DhcpOpt.T1, 'u32']],
  ['dhcp-rebinding-time', [DhcpOpt.T2, 'u32']],
])

/** Parse `src` (the contents of `file`); ConfError with ISC's message on the first error. */
export function parseDhcpdConf(src: string, file: string): DhcpdConfig {
  const lines = src.split('\n')
  const toks = lex(src, file)
  let i = 0
  let poolAddrs = 0
  const cfg: DhcpdConfig = {
    options: new Map(),
    defaultLeaseTime: 43200,
    maxLeaseTime: 86400,
    minLeaseTime: 0,
    authoritative: false,
    leaseFile: undefined,
    serverId: undefined,
    subnets: [],
    hosts: [],
  }
  const last = (): Tok => toks[toks.length - 1] ?? { text: '', quoted: false, line: lines.length, col: 0 }
  const fail = (t: Tok | undefined, msg: string): never => {
    const at = t ?? last()
    throw confError(file, lines, at.line, t === undefined ? (lines[at.line - 1]?.length ?? 0) : at.col, msg)
  }
  const peek = (): Tok | undefined => toks[i]
  const next = (what: string): Tok => {
    const t = toks[i]
    if (t === undefined) fail(undefined, `unexpected end of file`)
    i++
    if (!t!.quoted && (t!.text === ';' || t!.text === '{' || t!.text === '}' || t!.text === ','))
      fail(t, `expecting ${what}.`)
    return t!
  }
  const semi = () => {
    const t = toks[i]
    if (t === undefined || t.quoted || t.text !== ';') fail(t, 'semicolon expected.')
    i++
  }
  const ip = (): number => {
    const t = next('an IP address')
    const a = parseIpv4(t.text)
    if (a === null || t.quoted) fail(t, `${t.text}: expecting IP address.`)
    return a!
  }
  const num = (): number => {
    const t = next('a number')
    if (!/^\d{1,10}$/.test(t.text) || t.quoted || Number(t.text) > 0xffffffff)
      fail(t, `${t.text}: expecting numeric value.`)
    return Number(t.text)
  }
  const option = (into: Map<number, Uint8Array>) => {
    const nameTok = next('an option name')
    const o = OPTIONS.get(nameTok.text)
    if (o === undefined) fail(nameTok, `unknown option dhcp.${nameTok.text}`)
    const [code, kind] = o!
    if (kind === 'ip') into.set(code, optAddr(ip()))
    else if (kind === 'u32') into.set(code, optU32(num()))
    else if (kind === 'text') {
      const t = next('a string')
      if (!t.quoted) fail(t, 'expecting string.')
      into.set(code, optText(t.text))
    } else {
      const as = [ip()]
      while (peek()?.text === ',' && !peek()!.quoted) {
        i++
        if (as.length >= 63) fail(peek(), 'too many addresses.')
        as.push(ip())
      }
      into.set(code, optAddrs(as))
    }
    semi()
  }
  /** A parameter valid anywhere; false when the token is not one. */
  const param = (
    t: Tok,
    scope: { options: Map<number, Uint8Array>; defaultLeaseTime?: number; maxLeaseTime?: number },
    global: boolean,
  ): boolean => {
    switch (t.text) {
      case 'option':
        option(scope.options)
        return true
      case 'default-lease-time':
        scope.defaultLeaseTime = num()
        semi()
        return true
      case 'max-lease-time':
        scope.maxLeaseTime = num()
        semi()
        return true
      case 'min-lease-time':
        if (!global) return false
        cfg.minLeaseTime = num()
        semi()
        return true
      case 'authoritative':
        semi()
        if (global) cfg.authoritative = true
        return true
      case 'not': {
        const a = next('authoritative')
        if (a.text !== 'authoritative') fail(a, 'expecting authoritative.')
        semi()
        if (global) cfg.authoritative = false
        return true
      }
      case 'log-facility':
      case 'ddns-update-style':
        next('a value')
        semi()
        return true
      case 'lease-file-name': {
        const s = next('a file name')
        if (!s.quoted) fail(s, 'expecting string.')
        semi()
        if (global) cfg.leaseFile = s.text
        return true
      }
      case 'server-identifier':
        cfg.serverId = ip()
        semi()
        return true
      default:
        return false
    }
  }
  const open = () => {
    const t = toks[i]
    if (t === undefined || t.quoted || t.text !== '{') fail(t, 'expecting left brace.')
    i++
  }
  const closed = (): boolean => {
    const t = toks[i]
    if (t === undefined) fail(undefined, 'unexpected end of file')
    if (!t!.quoted && t!.text === '}') {
      i++
      return true
    }
    return false
  }
  const range = (s: DhcpdSubnet, at: Tok) => {
    const lo = ip()
    const hi = peek()?.text === ';' ? lo : ip()
    semi()
    if ((lo & s.mask) >>> 0 !== s.net || (hi & s.mask) >>> 0 !== s.net || hi >>> 0 < lo >>> 0)
      fail(
        at,
        `bad range, address ${formatIpv4(lo)} not in subnet ${formatIpv4(s.net)} netmask ${formatIpv4(s.mask)}`,
      )
    poolAddrs += (hi >>> 0) - (lo >>> 0) + 1
    if (poolAddrs > MAX_POOL_ADDRS) fail(at, `more than ${MAX_POOL_ADDRS} addresses in ranges.`)
    s.ranges.push({ lo: lo >>> 0, hi: hi >>> 0 })
  }
  const subnet = (at: Tok) => {
    const net = ip()
    const nm = next('netmask')
    if (nm.text !== 'netmask') fail(nm, 'expecting netmask')
    const mask = ip()
    if (maskToPrefix(mask) < 0) fail(nm, `${formatIpv4(mask)}: bad netmask.`)
    if ((net & mask) >>> 0 !== net >>> 0)
      fail(at, `subnet ${formatIpv4(net)} netmask ${formatIpv4(mask)}: bad subnet number/mask combination.`)
    if (cfg.subnets.length >= MAX_SUBNETS) fail(at, `more than ${MAX_SUBNETS} subnets.`)
    const s: DhcpdSubnet = { net: net >>> 0, mask: mask >>> 0, ranges: [], options: new Map() }
    open()
    while (!closed()) {
      const t = next('a parameter or declaration')
      if (param(t, s, false)) continue
      if (t.text === 'range') range(s, t)
      else if (t.text === 'pool') {
        open()
        while (!closed()) {
          const u = next('a parameter or declaration')
          if (u.text === 'range') range(s, u)
          else if (!param(u, s, false)) fail(u, 'expecting a parameter or declaration')
        }
      } else if (t.text === 'host') host(t)
      else fail(t, 'expecting a parameter or declaration')
    }
    cfg.subnets.push(s)
  }
  const host = (at: Tok) => {
    const name = next('a host name')
    if (cfg.hosts.length >= MAX_HOSTS) fail(at, `more than ${MAX_HOSTS} hosts.`)
    const h: DhcpdHost = { name: name.text, mac: undefined, fixed: undefined, options: new Map() }
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
      } else if (t.text === 'fixed-address') {
        h.fixed = ip() >>> 0
        semi()
      } else if (!param(t, h, false)) fail(t, 'expecting a parameter or declaration')
    }
    cfg.hosts.push(h)
  }
  while (i < toks.length) {
    const t = next('a parameter or declaration')
    if (param(t, cfg, true)) continue
    if (t.text === 'subnet') subnet(t)
    else if (t.text === 'host') host(t)
    else fail(t, 'expecting a parameter or declaration')
  }
  return cfg
}

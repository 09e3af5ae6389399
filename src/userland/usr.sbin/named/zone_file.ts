/**
 * Master files (RFC 1035 §5.1), as named loads them: `$TTL`, `$ORIGIN`, `@`, relative names, a
 * blank owner meaning the previous one, TTL and class in either order, parentheses across lines,
 * `;` comments and quoted strings; records A, AAAA, NS, CNAME, PTR, MX, SOA, TXT. Errors carry
 * BIND's `FILE:LINE: message`. Records outside the zone are left out with BIND's warning
 * (`ignoring out-of-zone data`), as named does. It must not read files itself (the caller does).
 */

import { parseIpv4 } from '../../../wire/addr.js'
import {
  type DnsRData,
  type DnsRR,
  DnsType,
  dnsIsSubdomain,
  dnsLabels,
  dnsTypeOf,
} from '../../../wire/app/dns.js'
import { parseIpv6 } from '../../../wire/inet6/in6_addr.js'

export class ZoneError extends Error {}

export interface ZoneLoad {
  records: DnsRR[]
  warnings: string[]
}

/** Most records one zone may hold (a bound on memory; BIND has max-records). */
export const ZONE_MAX_RECORDS = 100000

interface Tok {
  text: string
  quoted: boolean
}

/** Splits a file into logical lines of tokens (parentheses joined), with each line's number. */
function logicalLines(text: string, file: string): { line: number; lead: boolean; toks: Tok[] }[] {
  const out: { line: number; lead: boolean; toks: Tok[] }[] = []
  let depth = 0
  let cur: { line: number; lead: boolean; toks: Tok[] } | null = null
  const lines = text.split('\n')
  for (let n = 0; n < lines.length; n++) {
    const s = lines[n]!.replace(/\r$/, '')
    if (cur === null) cur = { line: n + 1, lead: /^[ \t]/.test(s), toks: [] }
    let i = 0
    while (i < s.length) {
      const c = s[i]!
      if (c === ' ' || c === '\t') i++
      else if (c === ';') break
      else if (c === '(') {
        depth++
        i++
      } else if (c === ')') {
        if (depth === 0) throw new ZoneError(`${file}:${n + 1}: unbalanced parentheses`)
        depth--
        i++
      } else if (c === '"') {
        let t = ''
        i++
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) t += s[i++]
          t += s[i++]
        }
        if (i >= s.length) throw new ZoneError(`${file}:${n + 1}: unbalanced quotes`)
        i++
        cur.toks.push({ text: t, quoted: true })
      } else {
        let t = ''
        while (i < s.length && !' \t;()"'.includes(s[i]!)) {
          if (s[i] === '\\' && i + 1 < s.length) t += s[i++]
          t += s[i++]
        }
        cur.toks.push({ text: t, quoted: false })
      }
    }
    if (depth === 0) {
      if (cur.toks.length > 0) out.push(cur)
      cur = null
    }
  }
  if (depth !== 0) throw new ZoneError(`${file}: unexpected end of input`)
  return out
}

/** A name in a master file made absolute against the origin (the result has no final dot). */
export function absName(name: string, origin: string): string | null {
  if (name === '@') return origin
  if (name === '.') return ''
  const abs = name.endsWith('.') && !name.endsWith('\\.')
  const n = abs ? name.slice(0, -1) : origin === '' ? name : `${name}.${origin}`
  return dnsLabels(n) === null ? null : n
}

/** `1w2d`, `3600`, `1H` → seconds; null when not a TTL. */
export function parseTtl(s: string): number | null {
  if (/^\d+$/.test(s)) return Number(s) > 0x7fffffff ? null : Number(s)
  const m = s.toLowerCase().match(/\d+[smhdw]/g)
  if (m === null || m.join('') !== s.toLowerCase()) return null
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }
  return m.reduce((a, p) => a + Number(p.slice(0, -1)) * unit[p.slice(-1)]!, 0)
}

/** Loads a zone's master file; throws ZoneError with BIND's `file:line: reason`. */
export function parseZoneFile(
  text: string,
  file: string,
  origin: string,
  maxRecords = ZONE_MAX_RECORDS,
): ZoneLoad {
  const records: DnsRR[] = []
  const warnings: string[] = []
  const zone = origin
  let defTtl: number | undefined
  let lastTtl: number | undefined
  let owner: string | undefined
  for (const { line, lead, toks } of logicalLines(text, file)) {
    const at = `${file}:${line}`
    const first = toks[0]!.text
    if (!toks[0]!.quoted && first.startsWith('$')) {
      const arg = toks[1]?.text
      if (first.toUpperCase() === '$TTL') {
        const t = arg === undefined ? null : parseTtl(arg)
        if (t === null) throw new ZoneError(`${at}: bad ttl`)
        defTtl = t
      } else if (first.toUpperCase() === '$ORIGIN') {
        const o = arg === undefined ? null : absName(arg, origin)
        if (o === null) throw new ZoneError(`${at}: bad origin`)
        origin = o
      } else throw new ZoneError(`${at}: unknown directive '${first}'`)
      continue
    }
    let i = 0
    if (!lead) {
      const o = absName(first, origin)
      if (o === null) throw new ZoneError(`${at}: bad owner name '${first}'`)
      owner = o
      i = 1
    }
    if (owner === undefined) throw new ZoneError(`${at}: no current owner name`)
    let ttl: number | undefined
    let type: number | undefined
    for (; i < toks.length && type === undefined; i++) {
      const t = toks[i]!.text
      const asTtl = parseTtl(t)
      if (asTtl !== null && ttl === undefined) ttl = asTtl
      else if (t.toUpperCase() === 'IN') continue
      else if (t.toUpperCase() === 'CH' || t.toUpperCase() === 'HS')
        throw new ZoneError(`${at}: class '${t}' is not IN`)
      else {
        type = dnsTypeOf(t)
        if (type === undefined) throw new ZoneError(`${at}: unknown RR type '${t}'`)
      }
    }
    if (type === undefined) throw new ZoneError(`${at}: unexpected end of line`)
    const args = toks.slice(i)
    const data = rdata(type, args, origin, at)
    if (type === DnsType.SOA && defTtl === undefined && data.kind === 'soa') {
      // RFC 2308 §4: without $TTL, the SOA's minimum is the default (BIND warns and does so).
      defTtl = data.minimum
      warnings.push(`${at}: no TTL specified; using SOA MINTTL instead`)
    }
    const use = ttl ?? defTtl ?? lastTtl
    if (use === undefined) throw new ZoneError(`${at}: no TTL specified`)
    lastTtl = use
    if (!dnsIsSubdomain(owner, zone)) {
      warnings.push(`${at}: ignoring out-of-zone data (${owner === '' ? '.' : owner})`)
      continue
    }
    if (records.length >= maxRecords) throw new ZoneError(`${at}: too many records`)
    records.push({ name: owner, type, class: 1, ttl: use, data })
  }
  return { records, warnings }
}

function rdata(type: number, args: Tok[], origin: string, at: string): DnsRData {
  const need = (n: number) => {
    if (args.length < n) throw new ZoneError(`${at}: unexpected end of input`)
    if (args.length > n && type !== DnsType.TXT) throw new ZoneError(`${at}: extra input text`)
  }
  const name = (t: Tok) => {
    const n = absName(t.text, origin)
    if (n === null) throw new ZoneError(`${at}: bad name '${t.text}'`)
    return n
  }
  const num = (t: Tok, max = 0xffffffff) => {
    const v = parseTtl(t.text) ?? (/^\d+$/.test(t.text) ? Number(t.text) : null)
    if (v === null || v > max) throw new ZoneError(`${at}: bad number '${t.text}'`)
    return v
  }
  switch (type) {
    case DnsType.A: {
      need(1)
      const a = parseIpv4(args[0]!.text)
      if (a === null || !/^\d+\.\d+\.\d+\.\d+$/.test(args[0]!.text))
        throw new ZoneError(`${at}: bad dotted quad '${args[0]!.text}'`)
      return { kind: 'a', addr: a >>> 0 }
    }
    case DnsType.AAAA: {
      need(1)
      const a = parseIpv6(args[0]!.text)
      if (a === null) throw new ZoneError(`${at}: bad IPv6 address '${args[0]!.text}'`)
      return { kind: 'aaaa', addr: Uint8Array.from(a) }
    }
    case DnsType.NS:
    case DnsType.CNAME:
    case DnsType.PTR:
      need(1)
      return { kind: 'name', name: name(args[0]!) }
    case DnsType.MX:
      need(2)
      return { kind: 'mx', pref: num(args[0]!, 0xffff), exchange: name(args[1]!) }
    case DnsType.SOA:
      need(7)
      return {
        kind: 'soa',
        mname: name(args[0]!),
        rname: name(args[1]!),
        serial: num(args[2]!),
        refresh: num(args[3]!),
        retry: num(args[4]!),
        expire: num(args[5]!),
        minimum: num(args[6]!),
      }
    case DnsType.TXT:
      if (args.length === 0) throw new ZoneError(`${at}: unexpected end of input`)
      for (const a of args) if (a.text.length > 255) throw new ZoneError(`${at}: string too long`)
      return { kind: 'txt', strings: args.map((a) => a.text.replace(/\\(.)/g, '$1')) }
    default:
      throw new ZoneError(`${at}: RR type not supported here`)
  }
}

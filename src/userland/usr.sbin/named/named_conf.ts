/**
 * named.conf (BIND 9's grammar, the part labs use): `options { directory; recursion; listen-on;
 * forwarders; allow-query/-recursion/-transfer/-notify; dnssec-validation; ... }` and `zone "X"
 * [IN] { type master|primary|slave|secondary|hint|forward; file; masters|primaries { A; };
 * forwarders; allow-* ...; }`. Statements it does not know inside `options` and `zone` are
 * accepted and ignored (they tune what this server does not do); unknown top-level statements
 * and malformed text are `FILE:LINE: ...` errors, as named-checkconf reports them. It must not
 * read files (the caller does).
 */

import { parseIpv4, prefixToMask } from '../../../wire/addr.js'
import { dnsKey } from '../../../wire/app/dns.js'

export class ConfError extends Error {}

/** An address match list element: a prefix, `any`, `none`, `localhost`, `localnets`. */
export type AclElem =
  | { kind: 'net'; net: number; mask: number; negate: boolean }
  | { kind: 'any' | 'none' | 'localhost' | 'localnets'; negate: boolean }

export type ZoneType = 'master' | 'slave' | 'hint' | 'forward'

export interface ZoneConf {
  name: string
  type: ZoneType
  file?: string
  masters: number[]
  forwarders: number[]
  allowTransfer?: AclElem[]
  allowQuery?: AclElem[]
  allowNotify?: AclElem[]
}

export interface NamedConf {
  directory: string
  recursion: boolean
  allowRecursion?: AclElem[]
  allowQuery?: AclElem[]
  allowTransfer?: AclElem[]
  forwarders: number[]
  forwardOnly: boolean
  /** listen-on addresses (undefined: every IPv4 address). */
  listenOn?: AclElem[]
  port: number
  zones: ZoneConf[]
}

interface Stmt {
  line: number
  words: string[]
  block?: Stmt[]
}

function tokenize(text: string, file: string): { t: string; line: number }[] {
  const out: { t: string; line: number }[] = []
  let line = 1
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === '\n') {
      line++
      i++
    } else if (c === ' ' || c === '\t' || c === '\r') i++
    else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      if (end < 0) throw new ConfError(`${file}:${line}: unterminated comment`)
      for (let k = i; k < end; k++) if (text[k] === '\n') line++
      i = end + 2
    } else if (c === '{' || c === '}' || c === ';') {
      out.push({ t: c, line })
      i++
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1)
      if (end < 0) throw new ConfError(`${file}:${line}: unterminated string`)
      out.push({ t: `"${text.slice(i + 1, end)}`, line })
      i = end + 1
    } else {
      let j = i
      while (
        j < text.length &&
        !' \t\r\n{};"#'.includes(text[j]!) &&
        !(text[j] === '/' && '/*'.includes(text[j + 1] ?? ''))
      )
        j++
      out.push({ t: text.slice(i, j), line })
      i = j
    }
  }
  return out
}

function parseBlock(
  toks: { t: string; line: number }[],
  pos: { i: number },
  file: string,
  top: boolean,
): Stmt[] {
  const out: Stmt[] = []
  for (;;) {
    const tk = toks[pos.i]
    if (tk === undefined) {
      if (top) return out
      throw new ConfError(`${file}:${toks[toks.length - 1]?.line ?? 1}: unexpected end of input`)
    }
    if (tk.t === '}') {
      if (top) throw new ConfError(`${file}:${tk.line}: unexpected token near '}'`)
      pos.i++
      return out
    }
    const st: Stmt = { line: tk.line, words: [] }
    for (;;) {
      const w = toks[pos.i]
      if (w === undefined) throw new ConfError(`${file}:${tk.line}: missing ';' before end of file`)
      pos.i++
      if (w.t === ';') break
      if (w.t === '{') {
        if (st.block !== undefined) throw new ConfError(`${file}:${w.line}: unexpected token near '{'`)
        st.block = parseBlock(toks, pos, file, false)
        continue
      }
      if (w.t === '}') throw new ConfError(`${file}:${w.line}: missing ';' before '}'`)
      st.words.push(w.t)
    }
    if (st.words.length > 0 || st.block !== undefined) out.push(st)
  }
}

function str(w: string | undefined): string | undefined {
  return w === undefined ? undefined : w.startsWith('"') ? w.slice(1) : w
}

function acl(st: Stmt, file: string): AclElem[] {
  const out: AclElem[] = []
  for (const e of st.block ?? []) {
    let w = str(e.words[0]) ?? ''
    const negate = w.startsWith('!')
    if (negate) w = w.slice(1)
    if (w === 'any' || w === 'none' || w === 'localhost' || w === 'localnets') {
      out.push({ kind: w, negate })
      continue
    }
    const [a, l] = w.split('/')
    const addr = parseIpv4(a ?? '')
    const len = l === undefined ? 32 : Number(l)
    // IPv6 elements and key/acl names are accepted and match nothing here.
    if (addr === null || !(len >= 0 && len <= 32)) continue
    const mask = prefixToMask(len)
    out.push({ kind: 'net', net: (addr & mask) >>> 0, mask, negate })
  }
  if (st.block === undefined) throw new ConfError(`${file}:${st.line}: '${st.words[0]}': expected '{'`)
  return out
}

function addrs(st: Stmt): number[] {
  const out: number[] = []
  for (const e of st.block ?? []) {
    const a = parseIpv4(str(e.words[0]) ?? '')
    if (a !== null) out.push(a >>> 0)
  }
  return out
}

function yes(st: Stmt, file: string): boolean {
  const v = str(st.words[1])
  if (v === 'yes' || v === 'true' || v === '1') return true
  if (v === 'no' || v === 'false' || v === '0') return false
  throw new ConfError(`${file}:${st.line}: boolean expected near '${v ?? ';'}'`)
}

/** Parses named.conf; throws ConfError with `file:line: reason`. */
export function parseNamedConf(text: string, file: string): NamedConf {
  const top = parseBlock(tokenize(text, file), { i: 0 }, file, true)
  const conf: NamedConf = {
    directory: '.',
    recursion: true,
    forwarders: [],
    forwardOnly: false,
    port: 53,
    zones: [],
  }
  const seen = new Set<string>()
  for (const st of top) {
    const kw = st.words[0]
    switch (kw) {
      case 'options':
        for (const o of st.block ?? []) {
          switch (o.words[0]) {
            case 'directory':
              conf.directory = str(o.words[1]) ?? '.'
              break
            case 'recursion':
              conf.recursion = yes(o, file)
              break
            case 'allow-recursion':
              conf.allowRecursion = acl(o, file)
              break
            case 'allow-query':
              conf.allowQuery = acl(o, file)
              break
            case 'allow-transfer':
              conf.allowTransfer = acl(o, file)
              break
            case 'forwarders':
              conf.forwarders = addrs(o)
              break
            case 'forward':
              conf.forwardOnly = str(o.words[1]) === 'only'
              break
            case 'listen-on': {
              const p = o.words.indexOf('port')
              if (p >= 0) conf.port = Number(o.words[p + 1])
              conf.listenOn = acl(o, file)
              break
            }
            default:
              break
          }
        }
        break
      case 'zone': {
        const name = str(st.words[1])
        if (name === undefined || st.block === undefined)
          throw new ConfError(`${file}:${st.line}: zone: expected a name and '{'`)
        const key = dnsKey(name)
        if (seen.has(key)) throw new ConfError(`${file}:${st.line}: zone '${name}': already exists`)
        seen.add(key)
        const z: Partial<ZoneConf> & { masters: number[]; forwarders: number[] } = {
          name: key,
          masters: [],
          forwarders: [],
        }
        for (const o of st.block) {
          switch (o.words[0]) {
            case 'type': {
              const t = str(o.words[1])
              z.type =
                t === 'master' || t === 'primary'
                  ? 'master'
                  : t === 'slave' || t === 'secondary'
                    ? 'slave'
                    : t === 'hint' || t === 'forward'
                      ? t
                      : undefined
              if (z.type === undefined)
                throw new ConfError(`${file}:${o.line}: zone '${name}': type '${t}' is not supported`)
              break
            }
            case 'file':
              z.file = str(o.words[1])
              break
            case 'masters':
            case 'primaries':
              z.masters = addrs(o)
              break
            case 'forwarders':
              z.forwarders = addrs(o)
              break
            case 'allow-transfer':
              z.allowTransfer = acl(o, file)
              break
            case 'allow-query':
              z.allowQuery = acl(o, file)
              break
            case 'allow-notify':
              z.allowNotify = acl(o, file)
              break
            default:
              break
          }
        }
        if (z.type === undefined) throw new ConfError(`${file}:${st.line}: zone '${name}': type not present`)
        if (z.type !== 'forward' && z.file === undefined && z.type !== 'slave')
          throw new ConfError(`${file}:${st.line}: zone '${name}': missing 'file' entry`)
        if (z.type === 'slave' && z.masters.length === 0)
          throw new ConfError(`${file}:${st.line}: zone '${name}': missing 'masters' entry`)
        conf.zones.push(z as ZoneConf)
        break
      }
      case 'acl':
      case 'logging':
      case 'key':
      case 'controls':
      case 'server':
      case 'view':
      case 'include':
      case 'trusted-keys':
      case 'managed-keys':
      case 'statistics-channels':
        break
      default:
        throw new ConfError(`${file}:${st.line}: unknown option '${kw ?? ''}'`)
    }
  }
  return conf
}

/**
 * Whether `addr` (from a peer) matches the list, first match wins (BIND's address match lists);
 * `local` tells whether an address is the server's own and `onLink` whether it is on one of its
 * networks.
 */
export function aclMatch(
  list: readonly AclElem[],
  addr: number,
  local: (a: number) => boolean,
  onLink: (a: number) => boolean,
): boolean {
  for (const e of list) {
    let hit: boolean
    if (e.kind === 'net') hit = (addr & e.mask) >>> 0 === e.net
    else if (e.kind === 'any') hit = true
    else if (e.kind === 'none') hit = false
    else if (e.kind === 'localhost') hit = local(addr)
    else hit = onLink(addr) || local(addr)
    if (hit) return !e.negate
  }
  return false
}

/**
 * The words of an ipfw(8) rule (ipfw2.c's helpers of compile_rule): splitting `{`/`}` off tokens,
 * numbers, address lists and prefixes, port lists and ranges, flag lists and protocol names, and
 * the CompileError that carries FreeBSD's message and sysexits status. Pure parsing: no kernel calls,
 * no rule layout (compile.ts puts the pieces together).
 */

import {
  IFACE_TABLE,
  type IpfwInsn,
  ipfwInsn as insn,
  LOOKUP_KEY,
  IpfwOp as O,
} from '../../../host/syscalls.js'
import { parseIpv4 } from '../../../wire/addr.js'
import { EX } from '../../common.js'
import { PROTOCOLS, SERVICES } from './names.js'

export const EX_USAGE: number = EX.USAGE
export const EX_DATAERR: number = EX.DATAERR

export class CompileError extends Error {
  constructor(
    message: string,
    readonly status: number = EX_DATAERR,
  ) {
    super(message)
  }
}

export const fail = (msg: string, status = EX_DATAERR): never => {
  throw new CompileError(msg, status)
}

/** Split `{tcp` / `udp}` into separate tokens, as OR_START and CLOSE_PAR accept them. */
export function tokens(av: readonly string[]): string[] {
  const out: string[] = []
  for (let t of av) {
    while (t.length > 1 && (t[0] === '{' || t[0] === '(')) {
      out.push(t[0])
      t = t.slice(1)
    }
    const tail: string[] = []
    // A `)` closing `table(N)` stays with its word.
    const opens = (t.match(/\(/g) ?? []).length
    while (t.length > 1 && (t.endsWith('}') || (t.endsWith(')') && (t.match(/\)/g) ?? []).length > opens))) {
      tail.unshift(t.slice(-1))
      t = t.slice(0, -1)
    }
    if (t !== '') out.push(t)
    out.push(...tail)
  }
  return out
}

export const isOpen = (t: string | undefined) => t === '{' || t === '('
export const isClose = (t: string | undefined) => t === '}' || t === ')'

export function parseUint(s: string): number | null {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(s)) return null
  const n = Number(s)
  return Number.isSafeInteger(n) ? n : null
}

/** One address or list (`a.b.c.d[/N|:mask][,...]`), `me`, or `any`; null if the token is none of them. */
export function parseAddr(tok: string, src: boolean): IpfwInsn | 'any' | null {
  if (tok === 'any') return 'any'
  if (tok === 'me') return insn(src ? O.IP_SRC_ME : O.IP_DST_ME)
  if (tok.startsWith('table(')) return tableRef(tok, src)
  const list: number[] = []
  for (const part of tok.split(',')) {
    let addr: number | null
    let mask = 0xffffffff
    const slash = part.indexOf('/')
    const colon = part.indexOf(':')
    if (slash >= 0) {
      addr = parseIpv4(part.slice(0, slash))
      const len = parseUint(part.slice(slash + 1))
      if (len === null || len > 32) fail(`bad width \`\`${part.slice(slash + 1)}''`)
      mask = len === 0 ? 0 : (0xffffffff << (32 - len!)) >>> 0
    } else if (colon >= 0) {
      addr = parseIpv4(part.slice(0, colon))
      const m = parseIpv4(part.slice(colon + 1))
      if (m === null) fail(`bad netmask \`\`${part.slice(colon + 1)}''`)
      mask = m!
    } else addr = parseIpv4(part)
    if (addr === null) {
      if (list.length === 0 && part === tok) return null
      fail(`hostname \`\`${part}'' unknown`)
    }
    list.push((addr! & mask) >>> 0, mask >>> 0)
  }
  return insn(src ? O.IP_SRC : O.IP_DST, { list })
}

/** A port list (`80`, `1000-2000`, `http,https`); null if the token is not one. */
export function parsePorts(tok: string): number[] | null {
  const list: number[] = []
  for (const part of tok.split(',')) {
    const m = /^([a-z0-9-]+?)(?:-([a-z0-9-]+))?$/i.exec(part)
    if (m === null) return null
    const one = (s: string) => parseUint(s) ?? SERVICES.get(s) ?? null
    const lo = one(m[1]!)
    const hi = m[2] === undefined ? lo : one(m[2])
    if (lo === null || hi === null) return null
    if (lo > 0xffff || hi > 0xffff) fail(`port out of range \`\`${part}''`)
    list.push(lo, hi)
  }
  return list
}

/** Ranges for iplen / ipttl (`N`, `N-M`, lists). */
export function parseRanges(tok: string, what: string, max: number): number[] {
  const list: number[] = []
  for (const part of tok.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part)
    if (m === null) fail(`invalid ${what} ${tok}`)
    const lo = Number(m![1])
    const hi = m![2] === undefined ? lo : Number(m![2])
    if (lo > max || hi > max) fail(`invalid ${what} ${tok}`)
    list.push(lo, hi)
  }
  return list
}

/** `syn,!ack` against a table: [set bits, clear bits]. */
export function parseFlags(
  tok: string,
  table: ReadonlyArray<readonly [string, number]>,
  what: string,
): [number, number] {
  let set = 0
  let clear = 0
  for (let w of tok.split(',')) {
    const neg = w.startsWith('!')
    if (neg) w = w.slice(1)
    const hit = table.find(([n]) => n === w)
    if (hit === undefined) fail(`invalid "${what}" type \`\`${w}''`)
    if (neg) clear |= hit![1]
    else set |= hit![1]
  }
  return [set, clear]
}

export function protoNumber(tok: string): number | null {
  if (tok === 'all') return 0
  const n = parseUint(tok)
  if (n !== null) return n <= 255 ? n : null
  return PROTOCOLS.get(tok) ?? null
}

/** The valid table names (ipfw_check_object_name): letters, digits, `_-.`, under 64 characters. */
export function tableNameOk(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,63}$/.test(name) && name !== 'all'
}

/** `table(NAME[,VALUE])` (fill_table): a lookup of the source or destination address. */
export function tableRef(tok: string, src: boolean): IpfwInsn {
  const close = tok.indexOf(')', 6)
  if (close < 0) fail(`forgotten parenthesis: '${tok}'`)
  const inner = tok.slice(6, close)
  const comma = inner.indexOf(',')
  const name = comma < 0 ? inner : inner.slice(0, comma)
  if (!tableNameOk(name)) fail(`Invalid table name: ${name}`)
  const op = src ? O.IP_SRC_LOOKUP : O.IP_DST_LOOKUP
  if (comma < 0) return insn(op, { name })
  // strtoul(p, NULL, 0): leading digits (hex with 0x), anything else is 0.
  const v = /^(0x[0-9a-f]+|\d+)/i.exec(inner.slice(comma + 1))
  const value = v === null ? 0 : Number(v[1]) >>> 0
  return insn(op, { name, arg: value, arg2: 1 })
}

/** The `lookup` keys of number tables, as ipfw(8) spells them. */
export const LOOKUP_KEYS: ReadonlyArray<readonly [string, number]> = [
  ['dst-port', LOOKUP_KEY.DST_PORT],
  ['src-port', LOOKUP_KEY.SRC_PORT],
  ['dscp', LOOKUP_KEY.DSCP],
]

/** `lookup {src-ip|dst-ip|dst-port|src-port|dscp} NAME`; uid, jail, mac, mark and rulenum are not here. */
export function lookupOption(key: string, name: string): IpfwInsn {
  const num = LOOKUP_KEYS.find(([k]) => k === key)?.[1]
  if (key !== 'src-ip' && key !== 'dst-ip' && num === undefined) {
    if (['uid', 'jail', 'dst-mac', 'src-mac', 'mark', 'rulenum'].includes(key))
      fail(`lookup ${key} is not supported yet`)
    fail(`format: cannot lookup on ${key}`, EX_USAGE)
  }
  if (!tableNameOk(name)) fail(`Invalid table name: ${name}`)
  if (num !== undefined) return insn(O.LOOKUP, { name, arg: num })
  return insn(key === 'src-ip' ? O.IP_SRC_LOOKUP : O.IP_DST_LOOKUP, { name, arg2: 2 })
}

/** `recv|xmit|via table(NAME)` (fill_iface): the interface is looked up in an iface table. */
export function ifaceTableRef(op: number, tok: string): IpfwInsn {
  const close = tok.indexOf(')', 6)
  if (close < 0) fail(`forgotten parenthesis: '${tok}'`)
  const name = tok.slice(6, close)
  if (!tableNameOk(name)) fail(`Invalid table name: ${name}`)
  return insn(op as IpfwInsn['op'], { name, arg2: IFACE_TABLE })
}

/** limit_masks of ipfw2.c, `all` first (it prints as `all`). */
export const LIMIT_MASKS: ReadonlyArray<readonly [string, number]> = [
  ['all', 0xf],
  ['src-addr', 1],
  ['src-port', 2],
  ['dst-addr', 4],
  ['dst-port', 8],
]

/**
 * `limit MASK... N` from t[p]: the masks (words, or a comma list as ipfw prints them) and the
 * connection limit (GET_UINT_ARG, 1..65534). Returns the instruction and the index after it.
 */
export function limitOption(t: readonly string[], p: number): [IpfwInsn, number] {
  let mask = 0
  for (;;) {
    const w = t[p]
    if (w === undefined) break
    let m = 0
    for (const part of w.split(',')) {
      const hit = LIMIT_MASKS.find(([n]) => n === part)
      if (hit === undefined) {
        m = 0
        break
      }
      m |= hit[1]
    }
    if (m === 0) break
    mask |= m
    p++
  }
  if (mask === 0) fail('limit: missing limit mask', EX_USAGE)
  const w = t[p]
  if (w === undefined || !/^\d/.test(w)) fail('limit: argument is not a number')
  const n = Number.parseInt(w!, 10)
  if (n < 1 || n > 65534) fail(`limit: argument is out of range (1..65534): ${n}`)
  return [insn(O.LIMIT, { arg: mask, arg2: n }), p + 1]
}

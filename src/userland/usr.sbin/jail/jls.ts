/**
 * jls(8): list the jails the caller can see — the default table, `-v`, `-N` (names for jids), `-n`
 * (`param=value` lines), `-h` (a header of parameter names), `-q` (quote values), `-j JAIL`, and
 * `jls [-n] param ...` for chosen parameters — formatted as FreeBSD 14's jls does.
 *
 * Read-only.
 */

import type { JailInfo } from '../../../host/syscalls.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { asSysError, CmdError, ip, optsOrUsage, padL, padR, runTool } from '../../common.js'
import { getopt } from '../../getopt.js'
import type { Command } from '../../types.js'

const USAGE = 'usage: jls [-dhNnqv] [-j jail] [param ...]'

/** The parameters every jail has, for a JailInfo whose kernel lists none. */
function fallbackParams(j: JailInfo): Array<readonly [string, string]> {
  return [
    ['jid', String(j.jid)],
    ['name', j.name],
    ['parent', String(j.parent)],
    ['path', j.path],
    [j.persist ? 'persist' : 'nopersist', ''],
    ['vnet', j.vnet ? 'new' : 'inherit'],
    ['children.cur', String(j.childrenCur)],
    ['children.max', String(j.childrenMax)],
    ['host.hostname', j.hostname],
    ['ip4.addr', j.ip4.map(ip).join(',')],
    ['ip6.addr', (j.ip6 ?? []).map((a) => formatIpv6(a)).join(',')],
  ]
}

/** Parameters whose value is a string (so an empty value is `""`, not a boolean). */
const STRING_PARAMS: ReadonlySet<string> = new Set([
  'name',
  'path',
  'host.hostname',
  'host.domainname',
  'host.hostuuid',
  'osrelease',
])
/** Parameters whose value is an address list (empty: nothing, or `-` in a table). */
const LIST_PARAMS: ReadonlySet<string> = new Set(['ip4.addr', 'ip6.addr'])

export interface JailParamValue {
  name: string
  value: string
  /** For booleans (the kernel lists `persist` or `nopersist` with an empty value): their state. */
  bool: boolean | null
}

/** noname(): `persist` → `nopersist`, `allow.mount` → `allow.nomount`. */
function noname(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot < 0 ? `no${name}` : `${name.slice(0, dot)}.no${name.slice(dot + 1)}`
}

/** The parameter as jls names it: booleans under their positive name. */
function entry(k: string, v: string): JailParamValue {
  if (v !== '' || STRING_PARAMS.has(k) || LIST_PARAMS.has(k)) return { name: k, value: v, bool: null }
  const dot = k.lastIndexOf('.')
  const last = k.slice(dot + 1)
  if (last.startsWith('no') && last.length > 2)
    return { name: k.slice(0, dot + 1) + last.slice(2), value: '', bool: false }
  return { name: k, value: '', bool: true }
}

/** sort_param(): top-level parameters first, then by name. */
function byParamName(a: JailParamValue, b: JailParamValue): number {
  const da = a.name.includes('.')
  const db = b.name.includes('.')
  if (da !== db) return da ? 1 : -1
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

/** All of a jail's parameters, in `jls -n`'s order. */
export function jailParams(j: JailInfo): JailParamValue[] {
  return (j.params.length > 0 ? j.params : fallbackParams(j)).map(([k, v]) => entry(k, v)).sort(byParamName)
}

/** A parameter's value, or undefined when the jail has no such parameter. */
export function jailParam(j: JailInfo, name: string): JailParamValue | undefined {
  return jailParams(j).find((p) => p.name === name)
}

/** quoted_print(): quote only with -q, and then only values with blanks or quotes. */
function quoted(v: string, quote: boolean): string {
  if (v === '') return '""'
  if (!quote) return v
  const qc = v.includes("'") ? '"' : v.includes('"') ? "'" : /[ \t]/.test(v) ? '"' : ''
  if (qc === '') return v
  return qc + v.replace(/[\\"']/g, (c) => (c === '\\' || c === qc ? `\\${c}` : c)) + qc
}

/** One jail's line for the given parameters (as `jls [-n] [-q] param ...` prints it). */
export function formatJailParams(
  j: JailInfo,
  names: readonly string[],
  nameval: boolean,
  quote: boolean,
): string {
  const parts = names.map((n) => {
    const p = jailParam(j, n) ?? { name: n, value: '', bool: null }
    if (p.bool !== null) return nameval ? (p.bool ? n : noname(n)) : String(p.bool)
    if (LIST_PARAMS.has(n) && p.value === '') return nameval ? `${n}=` : quote ? '""' : '-'
    return nameval ? `${n}=${quoted(p.value, quote)}` : quoted(p.value, quote)
  })
  return `${parts.join(' ')}\n`
}

export const JLS_HEADER = '   JID  IP Address      Hostname                      Path\n'
export const JLS_HEADER_N = ' JID             IP Address      Hostname                      Path\n'
export const JLS_HEADER_V =
  '   JID  Hostname                      Path\n        Name                          State\n        CPUSetID\n        IP Address(es)\n'

/** A row of the default table (or of `-N`'s), newline-terminated. */
export function formatJlsRow(j: JailInfo, byName = false): string {
  const first = byName ? ` ${padR(j.name, 15)} ` : `${padL(j.jid, 6)}  `
  const addr = j.ip4.length > 0 ? ip(j.ip4[0]!) : ''
  return `${first}${padR(addr, 15, 15)} ${padR(j.hostname, 29, 29)} ${j.path.slice(0, 74)}\n`
}

/** A jail in `jls -v`'s four-part layout. */
export function formatJlsVerbose(j: JailInfo): string {
  const dying = jailParam(j, 'dying')?.bool === true
  const cpuset = jailParam(j, 'cpuset.id')?.value ?? '0'
  let s = `${padL(j.jid, 6)}  ${padR(j.hostname, 29, 29)} ${j.path.slice(0, 74)}\n`
  s += `        ${padR(j.name, 29, 29)} ${dying ? 'DYING' : 'ACTIVE'}\n`
  s += `        ${cpuset}\n`
  for (const a of j.ip4) s += `        ${ip(a)}\n`
  for (const a of j.ip6 ?? []) s += `        ${formatIpv6(a)}\n`
  return s
}

export const jls: Command = (argv, io, proc) =>
  runTool('jls', io, () => {
    const { opts, rest } = optsOrUsage(getopt('jls', argv.slice(1), 'adj:hNnqsv'), USAGE, 1)
    let nameval = false
    let header = false
    let verbose = false
    let quote = false
    let byName = false
    let which: string | undefined
    // Later flags override earlier ones exactly as jls.c's pflags juggling does.
    for (const [f, v] of opts) {
      if (f === 'j') which = v
      else if (f === 'h') {
        header = true
        verbose = false
      } else if (f === 'N') byName = true
      else if (f === 'n') {
        nameval = true
        verbose = false
      } else if (f === 'q') quote = true
      else if (f === 's') {
        nameval = true
        quote = true
        header = false
        verbose = false
      } else if (f === 'v') {
        verbose = true
        header = false
        nameval = false
      }
    }
    let jails: JailInfo[]
    if (which !== undefined) {
      try {
        jails = [proc.sys.jailGet(which)]
      } catch (e) {
        if (asSysError(e).code === 'ENOENT') throw new CmdError(`jail "${which}" not found`)
        throw e
      }
    } else {
      jails = proc.sys.jailList()
    }
    if (rest.length > 0 || nameval || header) {
      for (const n of rest)
        if (jails.length > 0 && jailParam(jails[0]!, n) === undefined)
          throw new CmdError(`unknown parameter: ${n}`)
      const names = (j: JailInfo): readonly string[] =>
        rest.length > 0 ? rest : jailParams(j).map((p) => p.name)
      let out = ''
      if (header && jails.length > 0) out += `${names(jails[0]!).join(' ')}\n`
      for (const j of jails) out += formatJailParams(j, names(j), nameval, quote)
      io.stdout.write(out)
      return 0
    }
    if (verbose) {
      io.stdout.write(JLS_HEADER_V + jails.map(formatJlsVerbose).join(''))
      return 0
    }
    io.stdout.write((byName ? JLS_HEADER_N : JLS_HEADER) + jails.map((j) => formatJlsRow(j, byName)).join(''))
    return 0
  })

/**
 * `ipfw table` (ipfw_table_handler of FreeBSD 14's sbin/ipfw/tables.c): `NAME create [type addr]
 * [limit N] [algo A] [missing|or-flush] [locked]`, `destroy`, `flush`, `add ADDR[/LEN] [VALUE] ...`,
 * `delete ADDR[/LEN] ...`, `atomic add ...`, `modify limit N`, `swap NAME`, `lock`, `unlock`, `list`,
 * `info`/`detail`, `lookup ADDR`, and `all list|info|flush|destroy`. Adding to a missing table
 * creates it with a DEPRECATED warning; -q makes add update existing entries silently, as ipfw's
 * compat layer does. Messages and statuses are tables.c's.
 *
 * Tables of type addr (IPv4 prefixes), number and iface exist; mac and flow are refused by the kernel.
 * Failures are thrown as CompileError(message, status) for ipfw.ts to report like its own.
 */

import type { IpfwReply, IpfwTableEntry, IpfwTableRequest } from '../../../host/syscalls.js'
import { isSysError, type SysError } from '../../../util/errno.js'
import { parseIpv4 } from '../../../wire/addr.js'
import { parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { EX } from '../../common.js'
import type { Io, Proc } from '../../types.js'
import { CompileError, tableNameOk } from './compile_args.js'
import { mask6 } from './compile6.js'
import { showEntry, showHeader, showInfo } from './table_show.js'

const EX_UNAVAILABLE = 69

const die = (msg: string, status: number): never => {
  throw new CompileError(msg, status)
}

const CMDS = [
  'add',
  'delete',
  'create',
  'destroy',
  'flush',
  'modify',
  'swap',
  'info',
  'detail',
  'list',
  'lookup',
  'atomic',
  'lock',
  'unlock',
] as const
const NEW_OPTS = ['type', 'valtype', 'algo', 'limit', 'locked', 'missing', 'or-flush'] as const
const TYPES: readonly string[] = ['addr', 'mac', 'iface', 'number', 'flow'] as const

/** match_token_relaxed + get_token: an unambiguous prefix of a keyword. */
function token<T extends string>(list: readonly T[], s: string, what: string): T {
  const exact = list.find((w) => w === s)
  if (exact !== undefined) return exact
  const hits = list.filter((w) => w.startsWith(s))
  if (hits.length === 1) return hits[0]!
  return die(`${hits.length > 1 ? 'ambiguous' : 'invalid'} ${what} ${s}`, EX.USAGE)
}

interface Ctx {
  io: Io
  proc: Proc
  quiet: boolean
}

/** A kernel call; a SysError comes back to the caller as itself (the callers word the message). */
function call(c: Ctx, req: IpfwTableRequest): IpfwReply {
  try {
    return c.proc.sys.ipfwCtl(req)
  } catch (e) {
    if (isSysError(e) && e.op === 'socket') die(`socket: ${e.strerror}`, EX_UNAVAILABLE)
    if (isSysError(e) && e.code === 'ENOPROTOOPT') die(`${req.cmd}: ${e.strerror}`, EX_UNAVAILABLE)
    throw e
  }
}

function sysErr(e: unknown): SysError {
  if (isSysError(e)) return e
  throw e
}

/** tentry_fill_key_type: a prefix, a decimal number or an interface name, by the table's type. */
function parseKey(s: string, type: string): IpfwTableEntry {
  if (type === 'number') {
    if (!/^[-+]?\d+$/.test(s)) die(`Invalid number: ${s}`, EX.DATAERR)
    return { addr: Number(s) >>> 0, len: 32, value: 0 }
  }
  // The significant part of an interface name: IF_NAMESIZE - 1 characters.
  if (type === 'iface') return { addr: 0, len: 0, value: 0, iface: s.slice(0, 15) }
  return parseAddrKey(s)
}

/** `a.b.c.d[/len]`, or an IPv6 `addr[/len]` (tentry_fill_key's AF_INET6 branch). */
function parseAddrKey(s: string): IpfwTableEntry {
  const slash = s.indexOf('/')
  const host = slash < 0 ? s : s.slice(0, slash)
  if (host.includes(':')) {
    const a6 = parseIpv6(host)
    if (a6 === null) return die(`hostname \`\`${host}'' unknown`, EX.NOHOST)
    let len6 = 128
    if (slash >= 0) {
      const m = /^\d+/.exec(s.slice(slash + 1))
      len6 = m === null ? 0 : Number(m[0])
      if (len6 > 128) die(`bad IPv6 mask width: ${s.slice(slash + 1)}`, EX.DATAERR)
    }
    const mk = mask6(len6)
    const w: number[] = []
    for (let i = 0; i < 4; i++)
      w.push(
        (((a6[4 * i]! << 24) | (a6[4 * i + 1]! << 16) | (a6[4 * i + 2]! << 8) | a6[4 * i + 3]!) & mk[i]!) >>>
          0,
      )
    return { addr: 0, len: len6, value: 0, addr6: w }
  }
  const addr = parseIpv4(host)
  if (addr === null) return die(`hostname \`\`${host}'' unknown`, EX.NOHOST)
  let len = 32
  if (slash >= 0) {
    // atoi(): leading digits, else 0.
    const m = /^\d+/.exec(s.slice(slash + 1))
    len = m === null ? 0 : Number(m[0])
    if (len > 32) die(`bad IPv4 mask width: ${s.slice(slash + 1)}`, EX.DATAERR)
  }
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0
  return { addr: (addr & mask) >>> 0, len, value: 0 }
}

/** tentry_fill_value for a legacy value: a number (strtoul base 0) or an IPv4 address. */
function parseValue(s: string): number {
  if (/^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.test(s)) {
    const n = /^0[0-7]+$/.test(s) ? Number.parseInt(s, 8) : Number(s)
    if (n <= 0xffffffff) return n
  }
  const a = parseIpv4(s)
  if (a !== null) return a
  return die(`Unable to parse value ${s}`, EX.OSERR)
}

/** One `ipfw table ...` command (av without `table`). */
export function tableCmd(
  av: readonly string[],
  io: Io,
  proc: Proc,
  quiet: boolean,
  testOnly: boolean,
): number {
  const c: Ctx = { io, proc, quiet }
  if (av.length === 0) die('table needs name', EX.USAGE)
  const name = av[0]!
  const all = name === 'all'
  if (!all && !tableNameOk(name)) die(`table name ${name} is invalid`, EX.USAGE)
  if (av.length < 2) die('table needs command', EX.USAGE)
  let cmd = token(CMDS, av[1]!, 'table command')
  let rest = av.slice(2)
  const atomic = cmd === 'atomic'
  if (atomic) {
    if (rest.length === 0) die('atomic needs command', EX.USAGE)
    cmd = token(CMDS, rest[0]!, 'table command')
    if (cmd !== 'add') die(`atomic is not compatible with ${rest[0]}`, EX.USAGE)
    rest = rest.slice(1)
  }
  if (all && !['list', 'info', 'detail', 'flush', 'destroy'].includes(cmd))
    die('table name required', EX.USAGE)
  // ipfw -n: do_set3/do_get3 return without asking the kernel.
  if (testOnly) return 0
  switch (cmd) {
    case 'add':
    case 'delete':
      return modify(c, name, rest, cmd === 'add', atomic)
    case 'create':
      return create(c, name, rest)
    case 'destroy':
    case 'flush':
      return destroyOrFlush(c, name, all, cmd)
    case 'info':
    case 'detail':
    case 'list':
      return show(c, name, all, cmd === 'list')
    case 'lookup': {
      if (rest.length === 0) die('address required', EX.USAGE)
      const type = tableType(c, name, false) ?? 'addr'
      const key = parseKey(rest[0]!, type)
      try {
        const r = call(c, { op: 'table', cmd: 'lookup', name, entries: [key] })
        io.stdout.write(`${showEntry(r.entries![0]!, type)}\n`)
        return 0
      } catch (e) {
        const err = sysErr(e)
        if (err.code === 'ESRCH') die(`Table ${name} not found`, EX_UNAVAILABLE)
        if (err.code === 'ENOENT') die(`Entry ${rest[0]} not found`, EX_UNAVAILABLE)
        return die(`getsockopt(IP_FW_TABLE_XFIND): ${err.strerror}`, EX.OSERR)
      }
    }
    case 'modify':
      return modifyTable(c, name, rest)
    case 'swap':
      return swap(c, name, rest)
    case 'lock':
    case 'unlock':
      try {
        call(c, { op: 'table', cmd: 'modify', name, locked: cmd === 'lock' })
      } catch (e) {
        die(`Table ${cmd} failed: ${sysErr(e).strerror}`, EX.OSERR)
      }
      return 0
  }
  return 0
}

/** table_modify: `limit N` is the one thing that can change. */
function modifyTable(c: Ctx, name: string, av: readonly string[]): number {
  let limit: number | undefined
  for (let i = 0; i < av.length; ) {
    if (token(NEW_OPTS, av[i++]!, 'option') !== 'limit')
      die('cmd is not supported for modification', EX.USAGE)
    if (i >= av.length) die('limit value required', EX.USAGE)
    limit = strtol(av[i++]!)
  }
  try {
    call(c, { op: 'table', cmd: 'modify', name, ...(limit === undefined ? {} : { limit }) })
  } catch (e) {
    die(`Table modification failed: ${sysErr(e).strerror}`, EX.OSERR)
  }
  return 0
}

/** table_swap: types and limits are reported; any other failure (a missing table) passes silently, as FreeBSD's does. */
function swap(c: Ctx, name: string, av: readonly string[]): number {
  if (av.length === 0) die('second table name required', EX.USAGE)
  const other = av[0]!
  if (!tableNameOk(other)) die(`table name ${other} is invalid`, EX.USAGE)
  try {
    call(c, { op: 'table', cmd: 'swap', name, other })
  } catch (e) {
    const err = sysErr(e)
    if (err.code === 'EINVAL') die('Unable to swap table: check types', EX.USAGE)
    if (err.code === 'EFBIG') die('Unable to swap table: check limits', EX.USAGE)
  }
  return 0
}

/** strtol(s, NULL, 10) stored in xi.limit (a uint32_t): leading digits, else 0; wrapped like C. */
function strtol(s: string): number {
  const m = /^\s*[-+]?\d+/.exec(s)
  const n = m === null ? 0 : Number(m[0])
  return n > 0xffffffff ? 0xffffffff : n >>> 0
}

function create(c: Ctx, name: string, av: readonly string[]): number {
  let type = 'addr'
  let limit = 0
  let missing = false
  let orFlush = false
  let locked = false
  for (let i = 0; i < av.length; ) {
    const o = token(NEW_OPTS, av[i++]!, 'option')
    const need = (msg: string): string => {
      if (i >= av.length) die(msg, EX.USAGE)
      return av[i++]!
    }
    switch (o) {
      case 'limit':
        limit = strtol(need('limit value required'))
        break
      case 'type': {
        const t = need('table type required').split(':')[0]!
        if (!TYPES.includes(t)) die(`Unknown tabletype: ${t}. Supported: ${TYPES.join(', ')}`, EX.USAGE)
        type = t
        break
      }
      case 'valtype': {
        const v = need('table value type required')
        if (v !== 'legacy') die(`value type ${v} is not supported yet (only legacy values)`, EX_UNAVAILABLE)
        break
      }
      case 'algo': {
        const a = need('table algorithm name required')
        if (a !== 'addr:radix') die(`algorithm ${a} is not supported (only addr:radix)`, EX_UNAVAILABLE)
        break
      }
      case 'locked':
        locked = true
        break
      case 'or-flush':
        orFlush = true
        missing = true
        break
      case 'missing':
        missing = true
        break
    }
  }
  try {
    call(c, { op: 'table', cmd: 'create', name, type, limit, set: 0, locked })
    return 0
  } catch (e) {
    const err = sysErr(e)
    if (err.code !== 'EEXIST' || !missing) return die(`Table creation failed: ${err.strerror}`, EX.OSERR)
  }
  // `missing`: the existing table must be the one asked for.
  const t = call(c, { op: 'table', cmd: 'info', name }).tables![0]!
  if (t.type !== type || t.limit !== limit || t.locked !== locked)
    die('The existing table is not compatible with one you are creating.', EX.DATAERR)
  if (orFlush) call(c, { op: 'table', cmd: 'flush', name })
  return 0
}

function destroyOrFlush(c: Ctx, name: string, all: boolean, cmd: 'destroy' | 'flush'): number {
  const names = all
    ? (call(c, { op: 'table', cmd: 'all', name: '' }).tables ?? []).map((t) => t.name)
    : [name]
  for (const n of names) {
    try {
      call(c, { op: 'table', cmd, name: n })
    } catch (e) {
      const err = sysErr(e)
      if (all) {
        // tables_foreach ignores the callback's failures (after a warning for destroy).
        if (cmd === 'destroy' && !c.quiet)
          c.io.stderr.write(`ipfw: failed to destroy table(${n}) in set 0: ${err.strerror}\n`)
        continue
      }
      const what = cmd === 'destroy' ? `failed to destroy table ${n}` : `failed to flush table ${n} info`
      if (err.code !== 'ESRCH') die(`${what}: ${err.strerror}`, EX.OSERR)
      // ESRCH is not fatal: warn() unless quiet.
      if (!c.quiet) c.io.stderr.write(`ipfw: ${what}: ${err.strerror}\n`)
    }
  }
  return 0
}

function show(c: Ctx, name: string, all: boolean, list: boolean): number {
  let out = ''
  const names = all
    ? (call(c, { op: 'table', cmd: 'all', name: '' }).tables ?? []).map((t) => t.name)
    : [name]
  for (const n of names) {
    let r: IpfwReply
    try {
      r = call(c, { op: 'table', cmd: list ? 'list' : 'info', name: n })
    } catch (e) {
      return die(`failed to request table info: ${sysErr(e).strerror}`, EX.OSERR)
    }
    const t = r.tables![0]!
    if (!list) out += showInfo(t)
    else {
      // One table's list has no header; `all list` heads each table (table_show_list).
      if (all) out += showHeader(t)
      for (const e of r.entries ?? []) out += `${showEntry(e, t.type)}\n`
    }
  }
  c.io.stdout.write(out)
  return 0
}

/**
 * tentry_fill_key's table_get_info: the type of an existing table, or null when it is missing and
 * `add` may create it; a missing table is fatal otherwise.
 */
function tableType(c: Ctx, name: string, add: boolean): string | null {
  try {
    return call(c, { op: 'table', cmd: 'info', name }).tables![0]!.type
  } catch (e) {
    const err = sysErr(e)
    if (err.code !== 'ESRCH') die(`Error requesting table ${name} info`, EX.OSERR)
    if (!add) die(`Table ${name} does not exist`, EX.DATAERR)
    return null
  }
}

/** table_modify_record: keys (with values for add) in one request; results printed unless -q. */
function modify(c: Ctx, name: string, av: readonly string[], add: boolean, atomic: boolean): number {
  if (av.length === 0) die('address required', EX.USAGE)
  const found = tableType(c, name, add)
  const exists = found !== null
  const type = found ?? 'addr'
  const entries: IpfwTableEntry[] = []
  for (let i = 0; i < av.length; ) {
    // A missing table's type is guessed from the key: only an address can be.
    const host = av[i]!.split('/')[0]!
    if (!exists && parseIpv4(host) === null && parseIpv6(host) === null)
      die(`Table ${name} does not exist, cannot guess key '${av[i]}' type`, EX.USAGE)
    const e = parseKey(av[i++]!, type)
    if (add && i < av.length) e.value = parseValue(av[i++]!)
    entries.push(e)
  }
  if (!exists) {
    // Compatibility layer: auto-create the table.
    if (!c.quiet)
      c.io.stderr.write(`ipfw: DEPRECATED: inserting data into non-existent table ${name}. (auto-created)\n`)
    try {
      call(c, { op: 'table', cmd: 'create', name, type: 'addr', limit: 0, set: 0 })
    } catch {
      // table_do_create's result is not checked; the add below reports.
    }
  }
  let r: IpfwReply
  try {
    // -q doubles as "update": existing keys get the new value (IPFW_TF_UPDATE).
    r = call(c, { op: 'table', cmd: add ? 'add' : 'delete', name, entries, update: c.quiet, atomic })
  } catch (e) {
    const err = sysErr(e)
    const etxt = err.code === 'ESRCH' ? 'table not found' : err.strerror
    return die(`${add ? 'Adding' : 'Deleting'} record failed: ${etxt}`, EX.OSERR)
  }
  const error = r.tableError
  if (c.quiet && (error === undefined || error === 'EEXIST' || error === 'ENOENT')) return 0
  let out = ''
  const results = r.results ?? []
  for (let i = 0; i < entries.length; i++) {
    const px = results[i] ?? 'unknown'
    // What an atomic add did before its failure was taken back.
    const reverted = error !== undefined && atomic && (px === 'added' || px === 'updated')
    out += `${px}${reverted ? '(reverted)' : ''}: ${showEntry(entries[i]!, type)}\n`
  }
  c.io.stdout.write(out)
  if (error === undefined) return 0
  const etxt = {
    EEXIST: 'record already exists',
    EFBIG: 'limit hit',
    ENOENT: 'record not found',
    EACCES: 'table is locked',
  }[error]
  return die(`${add ? 'Adding' : 'Deleting'} record failed: ${etxt}`, EX.OSERR)
}

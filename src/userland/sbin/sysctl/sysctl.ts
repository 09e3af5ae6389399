/**
 * sysctl(8): read (`NAME`, a prefix such as `net.inet.ip`, `-a`) and write (`NAME=VALUE`, printed as
 * `net.inet.ip.forwarding: 0 -> 1`) kernel state, with `-n` (values only), `-N` (names only), `-d`
 * (descriptions), `-e` (name=value), `-q`/`-i` (quiet about or ignore unknown names).
 *
 * Each operand is handled in turn like FreeBSD's parse(); a value that fails the local checks is
 * never sent to the kernel, and a number is converted to the oid's C type first, as FreeBSD's
 * parse_numeric does (an int keeps the low 32 bits of what strtol read). The exit status is the number of failed operands, as in FreeBSD.
 */

import type { Syscalls, SysctlCType, SysctlInfo } from '../../../host/syscalls.js'
import { asSysError, CmdError, optsOrUsage, runTool, usage } from '../../common.js'
import { getopt } from '../../getopt.js'
import { withJailOption } from '../../jail_option.js'
import type { Command, Io } from '../../types.js'

const USAGE = [
  'usage: sysctl [-j jail] [-bdeFhiJNnoqTtWx] [ -B <bufsize> ] [-f filename] name[=value] ...',
  '       sysctl [-j jail] [-bdeFhiJNnoqTtWx] [ -B <bufsize> ] -a',
].join('\n')

export interface SysctlFlags {
  /** -n: values only. */
  values: boolean
  /** -N: names only. */
  names: boolean
  /** -d: descriptions instead of values. */
  descr: boolean
  /** -e: `name=value`. */
  equals: boolean
}

/** One oid as `sysctl` shows it under the given flags (show_var), without the newline. */
export function formatSysctl(s: SysctlInfo, f: SysctlFlags): string {
  if (f.names) return s.name
  const value = f.descr ? s.description : String(s.value)
  if (f.values) return value
  return f.equals && !f.descr ? `${s.name}=${value}` : `${s.name}: ${value}`
}

/** The oids at or below `name` (sysctl walks the subtree of a node); none for an unknown name. */
function subtree(sys: Syscalls, name: string): SysctlInfo[] {
  try {
    return sys.sysctlList(name).filter((s) => s.name === name || s.name.startsWith(`${name}.`))
  } catch (e) {
    if (asSysError(e).code !== 'ENOENT') throw e
    return []
  }
}

/** ctl_typename: how sysctl(8) names a type in `invalid TYPE 'value'`. */
const CTYPE_NAME: Readonly<Record<SysctlCType, string>> = {
  int: 'integer',
  uint: 'unsigned integer',
  long: 'long integer',
  ulong: 'unsigned long',
}

const LONG_MAX = 2n ** 63n - 1n
const ULONG_MAX = 2n ** 64n - 1n

/**
 * parse_numeric(): the value sysctl(8) hands the kernel for an oid of C type `ctype`. It reads the
 * whole string with strtol(3) (strtoul(3) for unsigned types), base 0, refusing trailing junk and
 * ERANGE (beyond a 64-bit long), then casts to the type as C does: `(int)strtol(...)` keeps the low
 * 32 bits, so 4294967296 becomes 0 and 4294967297 becomes 1 for an int. Null when invalid.
 */
export function parseNumeric(s: string, ctype: SysctlCType): bigint | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s)
  if (m === null) return null
  const digits = m[2]!
  const mag = /^0[xX]/.test(digits)
    ? BigInt(`0x${digits.slice(2)}`)
    : digits.length > 1 && digits[0] === '0'
      ? BigInt(`0o${digits.slice(1)}`)
      : BigInt(digits)
  const neg = m[1] === '-'
  let v: bigint
  if (ctype === 'int' || ctype === 'long') {
    if (neg ? mag > LONG_MAX + 1n : mag > LONG_MAX) return null
    v = neg ? -mag : mag
  } else {
    // strtoul negates in unsigned arithmetic: "-1" is ULONG_MAX.
    if (mag > ULONG_MAX) return null
    v = BigInt.asUintN(64, neg ? -mag : mag)
  }
  switch (ctype) {
    case 'int':
      return BigInt.asIntN(32, v)
    case 'uint':
      return BigInt.asUintN(32, v)
    case 'long':
      return v
    case 'ulong':
      return v
  }
}

interface Ctx {
  sys: Syscalls
  io: Io
  f: SysctlFlags
  quiet: boolean
  ignoreUnknown: boolean
}

function unknown(c: Ctx, name: string): number {
  if (c.ignoreUnknown) return 0
  if (!c.quiet) c.io.stderr.write(`sysctl: unknown oid '${name}'\n`)
  return 1
}

/** parse(): one operand; returns 0 or 1 (a warning). */
function operand(c: Ctx, arg: string): number {
  const eq = arg.indexOf('=')
  const name = eq < 0 ? arg : arg.slice(0, eq)
  if (eq < 0) {
    let list: SysctlInfo[]
    try {
      list = [c.sys.sysctlGet(name)]
    } catch (e) {
      if (asSysError(e).code !== 'ENOENT') throw e
      list = subtree(c.sys, name)
    }
    if (list.length === 0) return unknown(c, name)
    c.io.stdout.write(list.map((s) => `${formatSysctl(s, c.f)}\n`).join(''))
    return 0
  }
  const value = arg.slice(eq + 1)
  let cur: SysctlInfo
  try {
    cur = c.sys.sysctlGet(name)
  } catch (e) {
    if (asSysError(e).code !== 'ENOENT') throw e
    if (subtree(c.sys, name).length > 0) {
      c.io.stderr.write(`sysctl: oid '${name}' isn't a leaf node\n`)
      return 1
    }
    return unknown(c, name)
  }
  if (!cur.writable) {
    c.io.stderr.write(`sysctl: oid '${name}' is read only\n`)
    return 1
  }
  let newval = value
  if (cur.kind === 'int') {
    const v = value.replace(/^\s+/, '')
    if (v === '') {
      c.io.stderr.write('sysctl: empty numeric value\n')
      return 1
    }
    const ctype = cur.ctype ?? 'int'
    const n = parseNumeric(v, ctype)
    if (n === null) {
      c.io.stderr.write(`sysctl: invalid ${CTYPE_NAME[ctype]} '${v}'\n`)
      return 1
    }
    newval = String(n)
  }
  const show = (s: SysctlInfo): string => (c.f.values ? String(s.value) : `${s.name}: ${s.value}`)
  let next: SysctlInfo
  try {
    next = c.sys.sysctlSet(name, newval)
  } catch (e) {
    // parse() shows the old value before it tries the write, and ends that line when it fails.
    c.io.stdout.write(`${show(cur)}\n`)
    c.io.stderr.write(`sysctl: ${arg}: ${asSysError(e).strerror}\n`)
    return 1
  }
  c.io.stdout.write(`${show(cur)} -> ${next.value}\n`)
  return 0
}

const sysctlHere: Command = (argv, io, proc) =>
  runTool('sysctl', io, () => {
    const { opts, rest } = optsOrUsage(getopt('sysctl', argv.slice(1), 'AabB:deFf:hiJNnoqTtwWxX'), USAGE, 1)
    // -w is accepted and ignored, for compatibility (scripts written for other systems use it).
    const has = (c: string): boolean => opts.some(([f]) => f === c)
    const f: SysctlFlags = { values: has('n'), names: has('N'), descr: has('d'), equals: has('e') }
    const c: Ctx = { sys: proc.sys, io, f, quiet: has('q'), ignoreUnknown: has('i') }
    if (has('f')) throw new CmdError('-f: no file system in VirtNet')
    if (has('a') || has('A') || has('X')) {
      if (rest.length !== 0) usage(USAGE, 1)
      io.stdout.write(
        proc.sys
          .sysctlList()
          .map((s) => `${formatSysctl(s, f)}\n`)
          .join(''),
      )
      return 0
    }
    if (rest.length === 0) usage(USAGE, 1)
    let warnings = 0
    for (const arg of rest) warnings += operand(c, arg)
    return warnings
  })

/** `-j jail` (FreeBSD 15's sysctl): the same, inside that jail. */
export const sysctl: Command = withJailOption(
  'sysctl',
  'AabB:deFf:hiJNnoqTtwWxX',
  'jail not found',
  sysctlHere,
)

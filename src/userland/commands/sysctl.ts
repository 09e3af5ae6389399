/**
 * sysctl(8): read (`NAME`, a prefix such as `net.inet.ip`, `-a`) and write (`NAME=VALUE`, printed as
 * `net.inet.ip.forwarding: 0 -> 1`) kernel state, with `-n` (values only), `-N` (names only), `-d`
 * (descriptions), `-e` (name=value), `-q`/`-i` (quiet about or ignore unknown names).
 *
 * Each operand is handled in turn like FreeBSD's parse(); a value that fails the local checks is
 * never sent to the kernel. The exit status is the number of failed operands, as in FreeBSD.
 */

import type { Syscalls, SysctlInfo } from '../../host/syscalls.js'
import { getopt, strtol } from '../getopt.js'
import type { Command, Io } from '../types.js'
import { asSysError, CmdError, optsOrUsage, runTool, usage } from './common.js'

const USAGE = [
  'usage: sysctl [-bdeFhiJNnoqTtWx] [ -B <bufsize> ] [-f filename] name[=value] ...',
  '       sysctl [-bdeFhiJNnoqTtWx] [ -B <bufsize> ] -a',
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
  if (cur.kind === 'int' && strtol(value.trim()) === null) {
    c.io.stderr.write(`sysctl: invalid integer '${value}'\n`)
    return 1
  }
  let next: SysctlInfo
  try {
    next = c.sys.sysctlSet(name, value)
  } catch (e) {
    c.io.stderr.write(`sysctl: ${arg}: ${asSysError(e).strerror}\n`)
    return 1
  }
  const show = (s: SysctlInfo): string => (c.f.values ? String(s.value) : `${s.name}: ${s.value}`)
  c.io.stdout.write(`${show(cur)} -> ${next.value}\n`)
  return 0
}

export const sysctl: Command = (argv, io, proc) =>
  runTool('sysctl', io, () => {
    const { opts, rest } = optsOrUsage(getopt('sysctl', argv.slice(1), 'AabB:deFf:hiJNnoqTtWxX'), USAGE, 1)
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

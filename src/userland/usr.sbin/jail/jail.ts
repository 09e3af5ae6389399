/**
 * jail(8) with parameters on the command line: create (`-c name=N vnet persist ...`), modify
 * (`-m name=N param=value ...`, `-cm`), remove (`-r N ...`, `-r '*'`). Parameters go to the kernel
 * as [name, value] pairs (`true` for a bare boolean such as `vnet` or `persist`), which checks
 * them all (`vnet.interface` included) before creating anything.
 *
 * jail(8) itself runs the exec.* pseudo-parameters: `exec.prestart` and `exec.poststart` on the
 * host around creation, `exec.start` (and `command=`, which takes the rest of the command line as
 * its words) inside the new jail, each with `sh -c`; a failing one removes the jail again and exits
 * 1. `exec.stop` is accepted but, as with jail(8) without a jail.conf, `-r` does not know it.
 *
 * Messages follow jail(8): `NAME: created`, `jail: "NAME" not found`, `jail: NAME: <errmsg>`.
 */

import type { JailInfo, Syscalls } from '../../../host/syscalls.js'
import type { SysError } from '../../../util/errno.js'
import { asSysError, CmdError, optsOrUsage, runTool, usage } from '../../common.js'
import { getopt } from '../../getopt.js'
import type { Command, Io, Proc } from '../../types.js'

const USAGE = [
  'usage: jail [-dhilqv] [-J jid_file] [-u username] [-U username]',
  '            -[cmr] param=value ... [command=command ...]',
  '       jail [-dhilqv] [-f conf_file] [-e separator] [-J jid_file]',
  '            [-u username] [-U username] [-cmr] jail',
  "       jail [-qv] [-f conf_file] -[rR] ['*' | jail ...]",
].join('\n')

export type JailParam = readonly [string, string | true]

/** Splits `name=value` / `name` operands the way jail(8) hands them to libjail. */
export function parseJailParams(args: readonly string[]): JailParam[] {
  return args.map((a) => {
    const eq = a.indexOf('=')
    return eq < 0 ? ([a, true] as const) : ([a.slice(0, eq), a.slice(eq + 1)] as const)
  })
}

/** The text jail(8) prints after `jail: NAME: ` for a failed jail_set/jail_remove. */
function jailErrmsg(call: string, e: SysError): string {
  return e.message !== e.strerror ? e.message : `${call}: ${e.strerror}`
}

interface Flags {
  verbose: number
  printJid: boolean
}

function note(io: Io, f: Flags, name: string | undefined, text: string): void {
  if (f.verbose >= 0 && (name !== undefined || f.verbose > 0))
    io.stdout.write(name !== undefined ? `${name}: ${text}\n` : `${text}\n`)
}

/** The exec.* parameters jail(8) runs itself; the kernel never sees them. */
const EXEC_PARAMS: readonly string[] = [
  'exec.prestart',
  'exec.start',
  'exec.poststart',
  'exec.stop',
  'exec.fib',
]

type Execs = Map<string, string[]>

/** Takes the exec.* parameters and `command=...` (the rest of argv) out of the operands. */
function splitExecs(rest: readonly string[]): { params: string[]; execs: Execs } | string {
  const execs: Execs = new Map()
  const params: string[] = []
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!
    if (a.startsWith('command=')) {
      execs.set('command', [a.slice('command='.length), ...rest.slice(i + 1)])
      break
    }
    const eq = a.indexOf('=')
    const key = eq < 0 ? a : a.slice(0, eq)
    if (key.startsWith('exec.')) {
      if (!EXEC_PARAMS.includes(key)) return `${key}: not supported by VirtNet`
      execs.set(key, [eq < 0 ? '' : a.slice(eq + 1)])
    } else params.push(a)
  }
  return { params, execs }
}

/** Runs an exec.* command with sh -c, in the jail or (jail undefined) on the host; its status. */
async function runExec(
  proc: Proc,
  io: Io,
  words: readonly string[],
  jail: string | undefined,
): Promise<number> {
  const argv = words.length === 1 ? ['sh', '-c', words[0]!] : [...words]
  const job = proc.spawn(argv, io, jail === undefined ? undefined : { jail })
  const off = proc.onKill(() => job.kill())
  try {
    return await job.done
  } finally {
    off()
  }
}

/**
 * Creates jail `name` between its exec steps: exec.prestart on the host, then the jail, exec.start
 * and command in it, exec.poststart on the host. Its status: 1 (after reporting) when a step failed.
 */
async function createWithExecs(
  proc: Proc,
  io: Io,
  name: string,
  execs: Execs,
  create: () => number,
): Promise<number> {
  const steps: ReadonlyArray<readonly [string, boolean]> = [
    ['exec.prestart', false],
    ['', false],
    ['exec.start', true],
    ['command', true],
    ['exec.poststart', false],
  ]
  for (const [key, inJail] of steps) {
    if (key === '') {
      const s = create()
      if (s !== 0) return s
      continue
    }
    const words = execs.get(key)
    if (words === undefined || (words.length === 1 && words[0] === '')) continue
    // exec.fib: the commands run inside the jail do so under setfib(1) with that FIB.
    const fib = execs.get('exec.fib')?.[0] ?? ''
    const argv =
      inJail && fib !== ''
        ? ['setfib', fib, ...(words.length === 1 ? ['sh', '-c', words[0]!] : words)]
        : words
    const s = await runExec(proc, io, argv, inJail ? name : undefined)
    if (s !== 0 && key !== 'command') {
      io.stderr.write(`jail: ${name}: ${key}: failed\n`)
      if (key !== 'exec.prestart') {
        try {
          proc.sys.jailRemove(name)
        } catch {
          // already gone with its last process
        }
      }
      return 1
    }
  }
  return 0
}

function findJail(sys: Syscalls, key: string): JailInfo | null {
  try {
    return sys.jailGet(key)
  } catch (e) {
    if (asSysError(e).code === 'ENOENT') return null
    throw e
  }
}

function create(sys: Syscalls, io: Io, f: Flags, params: JailParam[]): number {
  const nameParam = params.find(([k]) => k === 'name')
  const name = typeof nameParam?.[1] === 'string' ? nameParam[1] : undefined
  if (name !== undefined && findJail(sys, name) !== null) throw new CmdError(`"${name}" already exists`)
  let j: JailInfo
  try {
    // The kernel takes the whole set at once, vnet.interface included, or refuses it whole.
    j = sys.jailCreate(params)
  } catch (e) {
    const err = asSysError(e)
    if (err.code === 'EEXIST' && name !== undefined) throw new CmdError(`"${name}" already exists`)
    throw new CmdError(`${name !== undefined ? `${name}: ` : ''}${jailErrmsg('jail_set', err)}`)
  }
  if (f.printJid) io.stdout.write(`${j.jid}\n`)
  note(io, f, name, 'created')
  return 0
}

function modify(sys: Syscalls, io: Io, f: Flags, params: JailParam[]): number {
  const key = params.find(([k]) => k === 'name' || k === 'jid')
  if (key === undefined || key[1] === true) throw new CmdError('no jail specified')
  const name = key[1]
  if (findJail(sys, name) === null) throw new CmdError(`"${name}" not found`)
  try {
    sys.jailModify(
      name,
      params.filter(([k]) => k !== key[0]),
    )
  } catch (e) {
    throw new CmdError(`${name}: ${jailErrmsg('jail_set', asSysError(e))}`)
  }
  note(io, f, key[0] === 'name' ? name : undefined, 'updated')
  return 0
}

function remove(sys: Syscalls, io: Io, f: Flags, names: readonly string[]): number {
  let status = 0
  const targets = names.includes('*')
    ? sys
        .jailList()
        .filter((j) => j.parent === 0)
        .map((j) => j.name)
    : names
  for (const n of targets) {
    const j = findJail(sys, n)
    if (j === null) {
      if (f.verbose >= 0) io.stderr.write(`jail: "${n}" not found\n`)
      status = 1
      continue
    }
    try {
      sys.jailRemove(n)
    } catch (e) {
      io.stderr.write(`jail: ${n}: ${jailErrmsg('jail_remove', asSysError(e))}\n`)
      status = 1
      continue
    }
    // jail(8) announces removals only when more than one jail (or a wildcard) was named.
    if (f.verbose > 0 || (f.verbose === 0 && (names.length > 1 || names.includes('*'))))
      note(io, f, j.name, 'removed')
  }
  return status
}

export const jail: Command = (argv, io, proc) =>
  runTool('jail', io, async () => {
    const sys = proc.sys
    const { opts, rest } = optsOrUsage(getopt('jail', argv.slice(1), 'cdf:hiJ:lmn:p:qrRs:u:U:v'), USAGE, 1)
    const has = (c: string): boolean => opts.some(([x]) => x === c)
    const f: Flags = { verbose: has('q') ? -1 : has('v') ? 1 : 0, printJid: has('i') }
    const extra: JailParam[] = []
    for (const [o, v] of opts) {
      if (o === 'n') extra.push(['name', v])
      if (o === 's') extra.push(['securelevel', v])
      if (o === 'f' || o === 'J' || o === 'u' || o === 'U' || o === 'l')
        throw new CmdError(`-${o}: not supported by VirtNet`)
    }
    const c = has('c')
    const m = has('m')
    const r = has('r') || has('R')
    if (r) {
      if (c || m || rest.length === 0 || rest.some((a) => a.includes('='))) usage(USAGE, 1)
      return remove(sys, io, f, rest)
    }
    if (!c && !m) usage(USAGE, 1)
    if (rest.length === 1 && !rest[0]!.includes('=') && extra.length === 0)
      throw new CmdError('open /etc/jail.conf: No such file or directory') // the config-file form
    const split = splitExecs(rest)
    if (typeof split === 'string') throw new CmdError(split)
    const params = [...extra, ...parseJailParams(split.params)]
    if (c && !m && split.execs.size > 0) {
      const nameParam = params.find(([k]) => k === 'name')
      const name = typeof nameParam?.[1] === 'string' ? nameParam[1] : undefined
      if (name === undefined) throw new CmdError('exec.* and command need a name= parameter here')
      // jail(8) keeps the jail with persist while its commands run, then lets it go with them.
      const persist = params.some(([k]) => k === 'persist') && !params.some(([k]) => k === 'nopersist')
      const status = await createWithExecs(proc, io, name, split.execs, () =>
        create(sys, io, f, persist ? params : [...params, ['persist', true]]),
      )
      if (!persist && findJail(sys, name) !== null) sys.jailModify(name, [['nopersist', true]])
      return status
    }
    if (c && m) {
      const key = params.find(([k]) => k === 'name' || k === 'jid')
      const exists = key !== undefined && key[1] !== true && findJail(sys, key[1]) !== null
      return exists ? modify(sys, io, f, params) : create(sys, io, f, params)
    }
    return c ? create(sys, io, f, params) : modify(sys, io, f, params)
  })

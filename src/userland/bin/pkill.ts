/**
 * pgrep(1) and pkill(1): `pgrep [-flnoqvx] [-d delim] [-j jail] [-u uid] pattern`,
 * `pkill [-SIGNAL] [-flnovx] [-j jail] [-u uid] pattern`. The pattern is an extended regular
 * expression matched against the process name, or with `-f` its whole command line; `-x` anchors
 * it. The caller and its ancestors are never matched (FreeBSD's default without -a). Exit 0 when a
 * process matched, 1 when none did, 2 for a usage error, 3 for a fatal one.
 */

import type { ProcInfo } from '../../host/syscalls.js'
import { asSysError } from '../common.js'
import { getopt } from '../getopt.js'
import type { Command, Io, Proc } from '../types.js'
import { signalNumber } from './sh/signals.js'

const PGREP_USAGE =
  'usage: pgrep [-LSfilnoqvx] [-d delim] [-F pidfile] [-G gid] [-M core] [-N system]\n             [-P ppid] [-U uid] [-c class] [-g pgrp] [-j jail] [-s sid]\n             [-t tty] [-u euid] pattern ...'
const PKILL_USAGE =
  'usage: pkill [-signal] [-ILfilnovx] [-F pidfile] [-G gid] [-M core] [-N system]\n             [-P ppid] [-U uid] [-c class] [-g pgrp] [-j jail] [-s sid]\n             [-t tty] [-u euid] pattern ...'

function run(kill: boolean, argv: readonly string[], io: Io, proc: Proc): number {
  const tool = kill ? 'pkill' : 'pgrep'
  const usageText = kill ? PKILL_USAGE : PGREP_USAGE
  let args = argv.slice(1)
  let signal = 15
  // pkill's -SIGNAL comes first, before getopt sees the options.
  if (
    kill &&
    args[0] !== undefined &&
    /^-([A-Za-z]+[0-9]*|\d+)$/.test(args[0]) &&
    !/^-[flnovxiILq]+$/.test(args[0])
  ) {
    const s = args[0].slice(1)
    const n = /^\d+$/.test(s) ? Number(s) : signalNumber(s.toUpperCase().replace(/^SIG/, ''))
    if (n === undefined) {
      io.stderr.write(`${tool}: Unknown signal '${s}'.\n`)
      return 2
    }
    signal = n
    args = args.slice(1)
  }
  const r = getopt(tool, args, kill ? 'filnovxj:u:' : 'filnoqvxd:j:u:')
  if (typeof r === 'string') {
    io.stderr.write(`${r}\n${usageText}\n`)
    return 2
  }
  const has = (f: string) => r.opts.some(([o]) => o === f)
  const arg = (f: string) => r.opts.filter(([o]) => o === f).pop()?.[1]
  if (r.rest.length === 0) {
    io.stderr.write(`${usageText}\n`)
    return 2
  }
  const flags = has('i') ? 'i' : ''
  let res: RegExp[]
  try {
    res = r.rest.map((p) => new RegExp(has('x') ? `^(?:${p})$` : p, flags))
  } catch {
    io.stderr.write(`${tool}: Cannot compile regular expression\n`)
    return 2
  }
  let jid: number | undefined
  const j = arg('j')
  if (j !== undefined && j !== 'any' && j !== 'none') {
    try {
      jid = /^\d+$/.test(j) ? Number(j) : proc.sys.jailGet(j).jid
    } catch (e) {
      asSysError(e)
      io.stderr.write(`${tool}: No such jail: ${j}\n`)
      return 2
    }
  }
  const u = arg('u')
  const uid = u === undefined ? undefined : u === 'root' ? 0 : /^\d+$/.test(u) ? Number(u) : -1
  if (uid === -1) {
    io.stderr.write(`${tool}: Unknown user '${u}'\n`)
    return 2
  }
  const all = proc.sys.procList()
  const byPid = new Map(all.map((p) => [p.pid, p]))
  const mine = new Set<number>()
  for (
    let p: ProcInfo | undefined = byPid.get(proc.pid);
    p !== undefined && !mine.has(p.pid);
    p = byPid.get(p.ppid)
  )
    mine.add(p.pid)
  let hits = all.filter((p) => {
    if (mine.has(p.pid)) return false
    if (jid !== undefined && p.jid !== jid) return false
    if (j === 'none' && p.jid !== proc.sys.jid) return false
    if (uid !== undefined && p.uid !== uid) return false
    const text = has('f') ? p.args : p.comm
    return res.some((re) => re.test(text)) !== has('v')
  })
  if (has('n') && hits.length > 0) hits = [hits[hits.length - 1]!]
  if (has('o') && hits.length > 0) hits = [hits[0]!]
  const show = (p: ProcInfo) => (has('l') ? `${p.pid} ${has('f') ? p.args : p.comm}` : String(p.pid))
  let status = hits.length > 0 ? 0 : 1
  if (kill) {
    for (const p of hits) {
      try {
        proc.sys.kill(p.pid, signal)
        if (has('l')) io.stdout.write(`kill -${signal} ${p.pid}\n`)
      } catch (e) {
        const err = asSysError(e)
        if (err.code === 'ESRCH') continue
        io.stderr.write(`${tool}: signalling pid ${p.pid}: ${err.strerror}\n`)
        status = 3
      }
    }
  } else if (!has('q') && hits.length > 0) io.stdout.write(`${hits.map(show).join(arg('d') ?? '\n')}\n`)
  return status
}

export const pgrep: Command = async (argv, io, proc) => run(false, argv, io, proc)
export const pkill: Command = async (argv, io, proc) => run(true, argv, io, proc)

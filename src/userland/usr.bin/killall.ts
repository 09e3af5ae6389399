/**
 * killall(1): `killall [-lqsv] [-j jail] [-u user] [-SIGNAL] [procname ...]`: signals every
 * process the caller can see whose name matches, itself excepted. `-s` shows what would be done,
 * `-l` lists the signal names, `-j` limits the search to one jail. Exits 0 when something matched,
 * 1 when nothing did ("No matching processes were found" unless -q), as FreeBSD's does.
 */

import { SIGNALS, signalNumber } from '../bin/sh/signals.js'
import { asSysError } from '../common.js'
import type { Command } from '../types.js'

const USAGE =
  'usage: killall [-delmsqvz] [-help] [-I] [-j jail]\n               [-u user] [-t tty] [-c cmd] [-SIGNAL] [cmd]...\n'

export const killall: Command = async (argv, io, proc) => {
  let sig = 15
  let dry = false
  let quiet = false
  let verbose = false
  let jail: string | undefined
  let uid: number | undefined
  let i = 1
  for (; i < argv.length; i++) {
    const a = argv[i]!
    if (a[0] !== '-' || a.length < 2) break
    if (a === '-l') {
      io.stdout.write(`${Object.keys(SIGNALS).join(' ')}\n`)
      return 0
    }
    if (a === '-s') dry = true
    else if (a === '-q') quiet = true
    else if (a === '-v') verbose = true
    else if (a === '-j' || a === '-u') {
      const v = argv[++i]
      if (v === undefined) {
        io.stderr.write(USAGE)
        return 1
      }
      if (a === '-j') jail = v
      else if (v === 'root') uid = 0
      else if (/^\d+$/.test(v)) uid = Number(v)
      else {
        io.stderr.write(`killall: Unknown user '${v}'.\n`)
        return 1
      }
    } else {
      const s = /^\d+$/.test(a.slice(1))
        ? Number(a.slice(1))
        : signalNumber(a.slice(1).toUpperCase().replace(/^SIG/, ''))
      if (s === undefined) {
        io.stderr.write(
          `killall: unknown signal ${a.slice(1)}; valid signals:\n${Object.keys(SIGNALS).join(' ')}\n`,
        )
        return 1
      }
      sig = s
    }
  }
  const names = argv.slice(i)
  if (!names.length && jail === undefined && uid === undefined) {
    io.stderr.write(USAGE)
    return 1
  }
  let jid: number | undefined
  if (jail !== undefined) {
    try {
      jid = /^\d+$/.test(jail) ? Number(jail) : proc.sys.jailGet(jail).jid
    } catch (e) {
      if (asSysError(e).code !== 'ENOENT') throw e
      io.stderr.write(`killall: jail "${jail}" not found\n`)
      return 1
    }
  }
  let matched = 0
  let errors = 0
  for (const p of proc.sys.procList()) {
    if (p.pid === proc.pid) continue
    if (names.length && !names.includes(p.comm)) continue
    if (jid !== undefined && p.jid !== jid) continue
    if (uid !== undefined && p.uid !== uid) continue
    matched++
    if (dry || verbose) io.stdout.write(`kill -${sig} ${p.pid}\n`)
    if (dry) continue
    try {
      proc.sys.kill(p.pid, sig)
    } catch (e) {
      errors++
      if (!quiet) io.stderr.write(`killall: warning: kill -${sig} ${p.pid}: ${asSysError(e).strerror}\n`)
    }
  }
  if (!matched) {
    if (!quiet) io.stderr.write('No matching processes were found\n')
    return 1
  }
  return errors ? 1 : 0
}

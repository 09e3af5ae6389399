/**
 * setfib(1): `setfib [-F] fib utility [argument ...]` (also `-N`, `-FN`) runs the utility with its
 * process FIB (p_fibnum) set, so its sockets and routing requests use that FIB, and exits with its
 * status. FreeBSD's checks and exit codes: a number past net.fibs is `N: invalid FIB (max M)` (1), a
 * missing utility 127. Must not change the FIB of anything but this process and what it starts.
 */

import { isSysError } from '../../../util/errno.js'
import type { Command } from '../../types.js'

const USAGE = 'usage: setfib [-[F]]value command\n'

export const setfib: Command = async (argv, io, proc) => {
  let numfibs: number
  try {
    numfibs = Number(proc.sys.sysctlGet('net.fibs').value)
  } catch {
    io.stderr.write('setfib: Multiple FIBS not supported\n')
    return 1
  }
  const args = argv.slice(1)
  if (args.length < 1) {
    io.stderr.write(USAGE)
    return 1
  }
  // setfib.c turns `N` and `-N` into `-FN` before getopt.
  let first = args[0]!
  if (first.startsWith('-') && /^[0-9]/.test(first.slice(1))) first = first.slice(1)
  if (/^[0-9]/.test(first)) args[0] = `-F${first}`
  let fib = 0
  let i = 0
  for (; i < args.length; i++) {
    const a = args[i]!
    if (a === '--') {
      i++
      break
    }
    if (!a.startsWith('-') || a === '-') break
    if (!a.startsWith('-F')) {
      io.stderr.write(`setfib: illegal option -- ${a.slice(1, 2)}\n${USAGE}`)
      return 1
    }
    let opt = a.slice(2)
    if (opt === '') {
      if (i + 1 >= args.length) {
        io.stderr.write(`setfib: option requires an argument -- F\n${USAGE}`)
        return 1
      }
      opt = args[++i]!
    }
    const n = /^[+-]?[0-9]+$/.test(opt) ? Number(opt) : Number.NaN
    if (!Number.isInteger(n) || n < 0 || n >= numfibs) {
      io.stderr.write(`setfib: ${opt}: invalid FIB (max ${numfibs - 1})\n`)
      return 1
    }
    fib = n
  }
  const cmd = args.slice(i)
  if (cmd.length === 0) {
    io.stderr.write(USAGE)
    return 1
  }
  try {
    proc.sys.setfib(fib)
  } catch (e) {
    if (!isSysError(e)) throw e
    io.stderr.write(`setfib: setfib: ${e.strerror}\n`)
  }
  try {
    const job = proc.spawn(cmd, io)
    const stop = proc.onKill(() => job.kill(9))
    try {
      return await job.done
    } finally {
      stop()
    }
  } catch (e) {
    if (!isSysError(e)) throw e
    io.stderr.write(`setfib: ${cmd[0]}: No such file or directory\n`)
    return 127
  }
}

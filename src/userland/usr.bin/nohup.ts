/**
 * nohup(1): `nohup [--] utility [arguments]` runs the utility immune to hangups (SIGHUP is caught
 * and ignored while it runs) and exits with its status. Output is never a terminal here, so there is
 * no nohup.out. 127 when the utility cannot be found, as FreeBSD's does.
 */

import { isSysError } from '../../util/errno.js'
import type { Command } from '../types.js'

const SIGHUP = 1
const EXIT_MISC = 127

export const nohup: Command = async (argv, io, proc) => {
  let args = argv.slice(1)
  if (args[0] === '--') args = args.slice(1)
  else if (args[0]?.startsWith('-') && args[0] !== '-') {
    io.stderr.write(
      `nohup: illegal option -- ${args[0].slice(1, 2)}\nusage: nohup [--] utility [arguments]\n`,
    )
    return EXIT_MISC
  }
  if (args.length === 0) {
    io.stderr.write('usage: nohup [--] utility [arguments]\n')
    return EXIT_MISC
  }
  const off = proc.onSignal(SIGHUP, () => {})
  try {
    const job = proc.spawn(args, io)
    const stop = proc.onKill(() => job.kill(9))
    try {
      return await job.done
    } finally {
      stop()
    }
  } catch (e) {
    if (!isSysError(e)) throw e
    io.stderr.write(`nohup: ${args[0]}: No such file or directory\n`)
    return EXIT_MISC
  } finally {
    off()
  }
}

/**
 * jexec(8): run a command inside a jail (by name or jid), optionally as another user (`-u`/`-U`),
 * and exit with its status. Without a command it starts the shell, as jexec starts the user's.
 * Killing jexec kills the command, as it would on FreeBSD where jexec execs it; SIGINT and SIGINFO
 * go on to the command, which may catch them.
 */

import { asSysError, CmdError, lookupUser, optsOrUsage, runTool, usage } from '../../common.js'
import { getopt } from '../../getopt.js'
import type { Command, SpawnOptions } from '../../types.js'

const SIGINT = 2
const SIGINFO = 29

const USAGE = 'usage: jexec [-l] [-u username | -U username] jail [command ...]'

export const jexec: Command = (argv, io, proc) =>
  runTool('jexec', io, async () => {
    const { opts, rest } = optsOrUsage(getopt('jexec', argv.slice(1), 'lnu:U:'), USAGE, 1)
    const users = opts.filter(([f]) => f === 'u' || f === 'U')
    if (rest.length < 1 || new Set(users.map(([f]) => f)).size > 1) usage(USAGE, 1)
    const jailName = rest[0]!
    const spawnOpts: SpawnOptions = { jail: jailName }
    const user = users.pop()?.[1]
    if (user !== undefined) {
      const uid = lookupUser(user)
      if (uid === null) throw new CmdError(`${user}: no such user`)
      spawnOpts.uid = uid
    }
    let jid: number
    try {
      jid = proc.sys.jailGet(jailName).jid
    } catch (e) {
      if (asSysError(e).code === 'ENOENT') throw new CmdError(`jail "${jailName}" not found`)
      throw e
    }
    const cmd = rest.length > 1 ? rest.slice(1) : ['sh']
    let job: ReturnType<typeof proc.spawn>
    try {
      job = proc.spawn(cmd, io, spawnOpts)
    } catch (e) {
      const err = asSysError(e)
      if (err.op === 'execvp') throw new CmdError(`execvp: ${cmd[0]}: ${err.strerror}`)
      if (err.op === 'setuid') throw new CmdError(`setuid: ${err.strerror}`)
      throw new CmdError(`jail_attach(${jid}): ${err.strerror}`)
    }
    const off = proc.onKill(() => job.kill())
    // FreeBSD's jexec execs the command, so the signals a program may catch (Ctrl-C's SIGINT,
    // SIGINFO) are the command's to handle: pass them on rather than die of them.
    const offInt = proc.onSignal(SIGINT, () => job.kill(SIGINT))
    const offInfo = proc.onSignal(SIGINFO, () => job.kill(SIGINFO))
    try {
      return await job.done
    } finally {
      off()
      offInt()
      offInfo()
    }
  })

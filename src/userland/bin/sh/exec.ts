/**
 * Running a program (FreeBSD sh's exec.c): a name the process table knows is spawned, a path to a
 * script runs under its `#!` interpreter (or sh), and in a forked subshell the program takes over
 * the subshell's process as exec(3) would. Killing the shell kills the program.
 *
 * Must not: let an error escape as anything but an exit status or a control-flow signal.
 */

/** Runs a program through proc.spawn and waits for it; killing this shell kills it. */
import { isSysError } from '../../../util/errno.js'
import { programName } from '../../paths.js'
import type { Job } from '../../types.js'
import { errorText, type Interp } from './interp.js'
import { Aborted, FatalError, isControl } from './signals.js'
import type { ShIo } from './streams.js'

export async function external(
  sh: Interp,
  argv: readonly string[],
  assigns: readonly [string, string][],
  io: ShIo,
): Promise<number> {
  const name = argv[0]
  const notFound = () => {
    sh.dispatch(undefined)
    io.stderr.write(`sh: ${name}: not found\n`)
    return 127
  }
  if (!sh.proc.has(name)) {
    // A script named by path: execve's ENOEXEC (or its `#!` line) has a shell run it.
    const text = name.includes('/') ? sh.fs.read(name) : undefined
    if (text === undefined) return notFound()
    const bang = /^#!\s*(\S+)/.exec(text)?.[1]
    const interp = bang === undefined ? 'sh' : programName(bang)
    if (interp === undefined || !sh.proc.has(interp)) {
      sh.dispatch(undefined)
      io.stderr.write(`sh: ${name}: ${bang}: bad interpreter: No such file or directory\n`)
      return 126
    }
    return external(sh, [interp, ...argv], assigns, io)
  }
  let job: Job
  // exec(3) in a forked subshell: the program takes over its process.
  sh.execRelease?.()
  sh.execRelease = undefined
  try {
    const env = sh.childEnv(assigns)
    const cwd = sh.cwd === '' ? undefined : sh.cwd
    job = sh.proc.spawn(argv, io, env || cwd ? { env, cwd } : undefined)
  } catch (e) {
    if (e && typeof e === 'object' && 'code' in e && e.code === 'ENOENT') return notFound()
    sh.dispatch(undefined)
    if (isSysError(e) && e.op === 'fork') throw new FatalError(`Cannot fork: ${e.strerror}`)
    io.stderr.write(`sh: ${name}: ${errorText(e)}\n`)
    return 1
  }
  sh.dispatch(job)
  const off = sh.ctl.onAbort((sig) => job.kill(sig))
  try {
    return await sh.ctl.race(job.done)
  } catch (e) {
    // The signal reached the program too. One that catches it (ping's SIGINT) ends on its own:
    // wait for it as sh waits for its foreground job, and take its status if it was not killed.
    if (e instanceof Aborted) {
      const status = await job.done
      if (status !== 128 + e.signal) return status
    }
    if (isControl(e)) throw e
    io.stderr.write(`sh: ${name}: ${errorText(e)}\n`)
    return 1
  } finally {
    off()
  }
}

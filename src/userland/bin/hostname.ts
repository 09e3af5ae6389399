/**
 * hostname(1): print the hostname of the caller's jail (`-s` up to the first dot, `-d` the part
 * after it), or set it (`hostname NAME`; root, and inside a jail only where allowed).
 */

import { asSysError, CmdError, optsOrUsage, runTool, usage } from '../common.js'
import { getopt } from '../getopt.js'
import type { Command } from '../types.js'

const USAGE = 'usage: hostname [-f] [-s | -d] [name-of-host]'

/** The printed form of `name` under -s / -d, as hostname.c trims it. */
export function trimHostname(name: string, short: boolean, domain: boolean): string {
  const dot = name.indexOf('.')
  if (dot < 0) return name
  if (short) return name.slice(0, dot)
  if (domain) return name.slice(dot + 1)
  return name
}

export const hostname: Command = (argv, io, proc) =>
  runTool('hostname', io, () => {
    const { opts, rest } = optsOrUsage(getopt('hostname', argv.slice(1), 'fsd'), USAGE, 1)
    const short = opts.some(([f]) => f === 's')
    const domain = opts.some(([f]) => f === 'd')
    if (rest.length > 1 || (short && domain)) usage(USAGE, 1)
    if (rest.length === 1) {
      try {
        proc.sys.setHostname(rest[0]!)
      } catch (e) {
        throw new CmdError(`sethostname: ${asSysError(e).strerror}`)
      }
      return 0
    }
    io.stdout.write(`${trimHostname(proc.sys.getHostname(), short, domain)}\n`)
    return 0
  })

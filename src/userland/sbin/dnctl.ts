/**
 * dnctl(8): FreeBSD 14's standalone dummynet tool — ipfw's `pipe|queue|sched` commands without the
 * firewall around them: `dnctl [-fnq] {pipe|queue|sched} N config ...`, `... delete N ...`,
 * `... {list|show} [N ...]`, `... flush`, and a file of such commands (`dnctl [-q] /path`).
 * Errors read `dnctl: ...`; the parsing and printing are ipfw's (sbin/ipfw/dummynet/dummynet.ts).
 */

import { EX } from '../common.js'
import { getopt } from '../getopt.js'
import type { Command, Io, Proc } from '../types.js'
import { DnExit, type DnFlags, dummynetCmd } from './ipfw/dummynet/dummynet.js'

const USAGE = 'usage: dnctl [options]\ndo "dnctl -h" or "man dnctl" for details'

const HELP = `dnctl syntax summary (but please do read the dnctl(8) manpage):

\tdnctl [-abcdefhnNqStTv] <command>

where <command> is one of the following:

[pipe|queue|sched] N config PIPE-BODY
[pipe|queue|sched] {delete|list|show} [N{,N}]
[pipe|queue|sched] flush
`

async function one(av: readonly string[], io: Io, proc: Proc, f: DnFlags): Promise<number> {
  const [what, ...rest] = av
  if (what === undefined) throw new DnExit(`bad arguments\n${USAGE}`, EX.USAGE)
  if (what !== 'pipe' && what !== 'queue' && what !== 'sched')
    throw new DnExit(`bad command \`${what}'`, EX.USAGE)
  // Like ipfw, the raw socket needs root before anything is asked of the kernel.
  if (!f.testOnly && proc.sys.uid !== 0) throw new DnExit('socket: Operation not permitted', 69)
  return dummynetCmd('dnctl', what, rest, io, proc, f)
}

async function main(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const g = getopt('dnctl', argv.slice(1), 'abcdefhnNqsStTv')
  if (typeof g === 'string') throw new DnExit(`${g.slice('dnctl: '.length)}\n${USAGE}`, EX.USAGE)
  const f: DnFlags = { quiet: false, force: false, testOnly: false }
  for (const [o] of g.opts) {
    if (o === 'q') f.quiet = true
    else if (o === 'f') f.force = true
    else if (o === 'n') f.testOnly = true
    else if (o === 'h') {
      io.stdout.write(HELP)
      return 0
    }
  }
  const args = g.rest
  if (args.length === 1 && args[0]!.startsWith('/')) {
    const text = proc.fs.read(args[0]!)
    if (text === undefined) throw new DnExit(`pathname: ${args[0]}: No such file or directory`, EX.USAGE)
    const lines = text.split('\n')
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!.replace(/#.*/, '').trim()
      if (line === '') continue
      try {
        await one(line.split(/\s+/), io, proc, f)
      } catch (e) {
        if (e instanceof DnExit) {
          if (e.message !== '') io.stderr.write(`Line ${n + 1}: ${e.message}\n`)
          return e.status
        }
        throw e
      }
    }
    return 0
  }
  return one(args, io, proc, f)
}

export const dnctl: Command = async (argv, io, proc) => {
  try {
    return await main(argv, io, proc)
  } catch (e) {
    if (e instanceof DnExit) {
      if (e.message !== '') io.stderr.write(`dnctl: ${e.message}\n`)
      return e.status
    }
    throw e
  }
}

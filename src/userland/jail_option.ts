/**
 * FreeBSD 14's `-j jail` option of ifconfig(8), route(8), netstat(1) and arp(8): the tool attaches
 * to the jail (jail_attach(2)) before doing anything else. Here the tool runs again as a child in
 * that jail with the option removed, so each tool's own code stays jail-agnostic. Only the option
 * part of argv is searched (getopt(3) rules with the tool's optstring), never operands.
 */

import { asSysError } from './common.js'
import type { Command } from './types.js'

/** Splits `-j NAME` out of argv; undefined when absent, a string message when -j lacks its value. */
export function takeJailOption(
  argv: readonly string[],
  optstring: string,
): { jail: string; argv: string[] } | string | undefined {
  const out: string[] = [argv[0] ?? '']
  let jail: string | undefined
  let i = 1
  for (; i < argv.length; i++) {
    const a = argv[i]!
    // xo_parse_args takes `--libxo` (and its value) out before getopt sees the options.
    if (a === '--libxo' || a.startsWith('--libxo=') || a.startsWith('--libxo:')) {
      out.push(a)
      if (a === '--libxo' && i + 1 < argv.length) out.push(argv[++i]!)
      continue
    }
    if (a === '--' || a.length < 2 || a[0] !== '-') break
    let kept = '-'
    for (let k = 1; k < a.length; k++) {
      const c = a[k]!
      if (c === 'j') {
        const v = k + 1 < a.length ? a.slice(k + 1) : argv[++i]
        if (v === undefined) return 'option requires an argument -- j'
        jail = v
        break
      }
      kept += c
      const at = optstring.indexOf(c)
      if (at >= 0 && optstring[at + 1] === ':') {
        // The rest of the word (or the next word) is this option's value.
        if (k + 1 < a.length) kept += a.slice(k + 1)
        else if (i + 1 < argv.length) {
          out.push(kept)
          kept = argv[++i]!
          out.push(kept)
          kept = ''
        }
        break
      }
    }
    if (kept !== '-' && kept !== '') out.push(kept)
  }
  if (jail === undefined) return undefined
  return { jail, argv: [...out, ...argv.slice(i)] }
}

/** Wraps a tool so that `-j jail` runs it inside that jail. */
export function withJailOption(tool: string, optstring: string, notFound: string, run: Command): Command {
  return async (argv, io, proc) => {
    const j = takeJailOption(argv, optstring)
    if (j === undefined) return run(argv, io, proc)
    if (typeof j === 'string') {
      io.stderr.write(`${tool}: ${j}\n`)
      return 64
    }
    try {
      const job = proc.spawn(j.argv, io, { jail: j.jail })
      const off = proc.onKill(() => job.kill())
      try {
        return await job.done
      } finally {
        off()
      }
    } catch (e) {
      const err = asSysError(e)
      io.stderr.write(
        err.code === 'ENOENT' || err.code === 'ESRCH'
          ? `${tool}: ${notFound}\n`
          : `${tool}: ${err.strerror}\n`,
      )
      return 1
    }
  }
}

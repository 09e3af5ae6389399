/**
 * xargs(1): `xargs [-0t] [-I replstr] [-J replstr] [-L number] [-n number] [utility [argument ...]]`:
 * builds command lines from the words of stdin (blanks and newlines separate them; quotes and
 * backslashes group, as FreeBSD's does; -0 splits on NUL) and runs the utility (echo by default)
 * through sh, so shell builtins work as utilities. Exit status: 0, 123 when an invocation failed,
 * 127 when the utility was not found, 1 on bad input.
 */

import { getopt } from '../../getopt.js'
import type { Command } from '../../types.js'
import { readStdin } from './text_input.js'

const USAGE =
  'usage: xargs [-0opt] [-E eofstr] [-I replstr [-R replacements] [-S replsize]]\n             [-J replstr] [-L number] [-n number [-x]] [-P maxprocs] [-s size]\n             [utility [argument ...]]\n'

/** Splits xargs input into words, honouring quotes and backslashes; a string is an error. */
function words(text: string): string[] | string {
  const out: string[] = []
  let cur = ''
  let inWord = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1)
      const nl = text.indexOf('\n', i + 1)
      if (end < 0 || (nl >= 0 && nl < end)) return `unterminated quote`
      cur += text.slice(i + 1, end)
      inWord = true
      i = end
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i]
      inWord = true
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) out.push(cur)
      cur = ''
      inWord = false
    } else {
      cur += c
      inWord = true
    }
  }
  if (inWord) out.push(cur)
  return out
}

export const xargs: Command = async (argv, io, proc) => {
  // Options end at the utility: stop getopt at the first operand.
  const g = getopt('xargs', argv.slice(1), '0tI:J:L:n:E:P:s:prxoR:S:')
  if (typeof g === 'string') {
    io.stderr.write(`${g}\n${USAGE}`)
    return 1
  }
  const opt = (c: string) => g.opts.filter(([o]) => o === c).pop()?.[1]
  const trace = g.opts.some(([o]) => o === 't')
  const repl = opt('I')
  const lineCount = opt('L') ?? (repl !== undefined ? '1' : undefined)
  const n = opt('n')
  const perCall = n !== undefined ? Number(n) : undefined
  if ((perCall !== undefined && !(perCall > 0)) || (lineCount !== undefined && !(Number(lineCount) > 0))) {
    io.stderr.write(`xargs: ${perCall !== undefined ? 'number' : 'count'} is invalid\n`)
    return 1
  }
  const utility = g.rest.length ? g.rest : ['echo']
  const text = await readStdin(io)
  if (text === undefined) {
    io.stderr.write('xargs: insufficient space for argument\n')
    return 1
  }
  let groups: string[][]
  if (g.opts.some(([o]) => o === '0')) {
    const w = text.split('\0')
    if (w[w.length - 1] === '') w.pop()
    groups = [w]
  } else if (lineCount !== undefined) {
    const per = Number(lineCount)
    const ls = text.split('\n').filter((l) => l.trim() !== '')
    groups = []
    for (let k = 0; k < ls.length; k += per) {
      const w =
        repl !== undefined
          ? [
              ls
                .slice(k, k + per)
                .join(' ')
                .trim(),
            ]
          : words(ls.slice(k, k + per).join('\n'))
      if (typeof w === 'string') {
        io.stderr.write(`xargs: ${w}\n`)
        return 1
      }
      groups.push(w)
    }
  } else {
    const w = words(text)
    if (typeof w === 'string') {
      io.stderr.write(`xargs: ${w}\n`)
      return 1
    }
    groups = [w]
  }
  const calls: string[][] = []
  for (const grp of groups) {
    if (repl !== undefined) calls.push(utility.map((a) => a.split(repl).join(grp.join(' '))))
    else if (perCall !== undefined)
      for (let k = 0; k < grp.length; k += perCall) calls.push([...utility, ...grp.slice(k, k + perCall)])
    else calls.push([...utility, ...grp])
  }
  // With no input, the utility still runs once (FreeBSD's xargs does, unlike GNU's -r).
  if (!calls.length && !text.trim()) calls.push([...utility])
  let status = 0
  for (const call of calls) {
    if (trace) io.stderr.write(`${call.join(' ')}\n`)
    const job = proc.spawn(['sh', '-c', '"$@"', 'xargs', ...call], io)
    const off = proc.onKill(() => job.kill())
    const s = await job.done
    off()
    if (s === 127) {
      io.stderr.write(`xargs: ${call[0]}: No such file or directory\n`)
      return 127
    }
    if (s === 255) return 124
    if (s > 128) return 125
    if (s !== 0) status = 123
  }
  return status
}

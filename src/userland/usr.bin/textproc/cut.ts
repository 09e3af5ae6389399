/**
 * cut(1): `cut -b list | -c list | -f list [-d delim] [-s] [-w] [file ...]`. Lists are
 * `N`, `N-M`, `N-`, `-M`, comma-separated, 1-based. Messages and status 1 for a bad list follow
 * FreeBSD's cut.c; usage errors exit 1.
 */

import { getopt } from '../../getopt.js'
import type { Command } from '../../types.js'
import { lines, readInputs } from './text_input.js'

const USAGE =
  'usage: cut -b list [-n] [file ...]\n       cut -c list [file ...]\n       cut -f list [-s] [-w | -d delim] [file ...]\n'

/** Whether position p (1-based) is selected by the list; undefined when the list is bad. */
function parseList(list: string): ((p: number) => boolean) | undefined {
  const ranges: Array<[number, number]> = []
  for (const part of list.split(/[, ]/)) {
    const m = /^([0-9]*)(-?)([0-9]*)$/.exec(part)
    if (!m || (!m[1] && !m[3])) return undefined
    const lo = m[1] ? Number(m[1]) : 1
    const hi = m[2] ? (m[3] ? Number(m[3]) : Number.POSITIVE_INFINITY) : lo
    if (lo < 1 || hi < lo) return undefined
    ranges.push([lo, hi])
  }
  return (p) => ranges.some(([lo, hi]) => p >= lo && p <= hi)
}

export const cut: Command = async (argv, io, proc) => {
  const g = getopt('cut', argv.slice(1), 'b:c:d:f:nsw')
  if (typeof g === 'string') {
    io.stderr.write(`${g}\n${USAGE}`)
    return 1
  }
  const opt = (c: string) => g.opts.filter(([o]) => o === c).pop()?.[1]
  const mode = g.opts.filter(([o]) => 'bcf'.includes(o)).pop()?.[0]
  if (mode === undefined) {
    io.stderr.write(USAGE)
    return 1
  }
  const list = opt(mode)!
  const sel = parseList(list)
  if (sel === undefined) {
    io.stderr.write(`cut: [-bcf] list: illegal list value\n`)
    return 1
  }
  const delim = opt('d') ?? '\t'
  if (delim.length !== 1) {
    io.stderr.write('cut: bad delimiter\n')
    return 1
  }
  const whitespace = g.opts.some(([o]) => o === 'w')
  const onlyDelimited = g.opts.some(([o]) => o === 's')
  const { texts, ok } = await readInputs('cut', g.rest, io, proc)
  let out = ''
  for (const t of texts)
    for (const line of lines(t)) {
      if (mode !== 'f') {
        out += `${[...line].filter((_c, i) => sel(i + 1)).join('')}\n`
        continue
      }
      const hasDelim = whitespace ? /[ \t]/.test(line) : line.includes(delim)
      if (!hasDelim) {
        if (!onlyDelimited) out += `${line}\n`
        continue
      }
      const fields = whitespace ? line.trim().split(/[ \t]+/) : line.split(delim)
      out += `${fields.filter((_f, i) => sel(i + 1)).join(whitespace ? '\t' : delim)}\n`
    }
  await io.stdout.write(out)
  return ok ? 0 : 1
}

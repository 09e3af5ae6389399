/**
 * jot(1) for integers: `jot [-nr] [-b word] [-s string] [-w word] [reps [begin [end [step]]]]`,
 * FreeBSD's defaults (100 values from 1; `-` for a default), sequential or, with -r, random in
 * [begin, end] from the host's seeded generator (getrandom(2)), so a run repeats with its seed.
 * `-w` takes one integer conversion (`%d`, `%x`, `%o`, `%c` and their widths); `-b` repeats a word.
 * Decimals (`-p`, fractional bounds) are not supported and say so. Prints only; changes nothing.
 */

import { getopt } from '../getopt.js'
import type { Command } from '../types.js'

const USAGE =
  'usage: jot [-cnr] [-b word] [-w word] [-s string] [-p precision]\n           [reps [begin [end [step]]]]\n'
/** Values printed at most (a bound on what one command writes). */
const MAX_REPS = 1_000_000

function fmt(word: string | undefined, n: number): string {
  if (word === undefined) return String(n)
  const m = /%(-?)(0?)(\d*)([dioxXuc])/.exec(word)
  if (m === null) return `${word}${n}`
  let s =
    m[4] === 'c'
      ? String.fromCharCode(n & 0xff)
      : m[4] === 'o'
        ? (n >>> 0).toString(8)
        : m[4] === 'x'
          ? (n >>> 0).toString(16)
          : m[4] === 'X'
            ? (n >>> 0).toString(16).toUpperCase()
            : String(n)
  const width = m[3] === '' ? 0 : Number(m[3])
  if (s.length < width) s = m[1] === '-' ? s.padEnd(width) : s.padStart(width, m[2] === '0' ? '0' : ' ')
  return word.slice(0, m.index) + s + word.slice(m.index + m[0].length)
}

export const jot: Command = async (argv, io, proc) => {
  const g = getopt('jot', argv.slice(1), 'b:cnp:rs:w:')
  if (typeof g === 'string' || g.rest.length > 4) {
    io.stderr.write(`${typeof g === 'string' ? `${g}\n` : ''}${USAGE}`)
    return 64
  }
  let random = false
  let newline = true
  let sep = '\n'
  let word: string | undefined
  let boring: string | undefined
  for (const [o, a] of g.opts) {
    if (o === 'r') random = true
    else if (o === 'n') newline = false
    else if (o === 's') sep = a ?? ''
    else if (o === 'w') word = a
    else if (o === 'b') boring = a
    else if (o === 'c') word = '%c'
    else if (o === 'p' && a !== '0') {
      io.stderr.write('jot: -p: only integers are supported\n')
      return 1
    }
  }
  const num = (i: number, name: string): number | null | undefined => {
    const s = g.rest[i]
    if (s === undefined || s === '-') return undefined
    if (!/^-?\d+$/.test(s)) {
      io.stderr.write(
        `jot: ${/^-?\d*\.\d+$/.test(s) ? 'only integers are supported' : `bad ${name} value`}: ${s}\n`,
      )
      return null
    }
    return Number(s)
  }
  const reps0 = num(0, 'reps')
  const begin0 = num(1, 'begin')
  const end0 = num(2, 'end')
  const step0 = num(3, 's')
  if (reps0 === null || begin0 === null || end0 === null || step0 === null) return 1
  if (reps0 !== undefined && (reps0 < 0 || reps0 > MAX_REPS)) {
    io.stderr.write(`jot: reps out of range: ${reps0}\n`)
    return 1
  }
  const out: string[] = []
  if (random) {
    const reps = reps0 ?? 100
    const lo = begin0 ?? 1
    const hi = end0 ?? (begin0 === undefined ? 100 : lo + 99)
    if (hi < lo) {
      io.stderr.write(`jot: begin ${lo} greater than end ${hi}\n`)
      return 1
    }
    const span = hi - lo + 1
    for (let i = 0; i < reps; i++) {
      const r = proc.sys.getrandom(4)
      const u = ((r[0]! << 24) | (r[1]! << 16) | (r[2]! << 8) | r[3]!) >>> 0
      out.push(boring ?? fmt(word, lo + (u % span)))
    }
  } else {
    // jot's rule: three of reps, begin, end, step fix the fourth; step defaults to 1.
    let begin = begin0
    let end = end0
    let step = step0
    let reps = reps0
    if (reps === undefined && begin !== undefined && end !== undefined)
      reps = Math.floor((end - begin) / (step ?? (end >= begin ? 1 : -1))) + 1
    reps ??= 100
    if (begin === undefined && end !== undefined) begin = end - (reps - 1) * (step ?? 1)
    begin ??= 1
    if (step === undefined) step = end !== undefined && reps > 1 ? Math.trunc((end - begin) / (reps - 1)) : 1
    end ??= begin + (reps - 1) * step
    for (let i = 0; i < Math.min(reps, MAX_REPS); i++) out.push(boring ?? fmt(word, begin + i * step))
  }
  io.stdout.write(out.join(sep) + (newline && out.length > 0 ? '\n' : ''))
  return 0
}

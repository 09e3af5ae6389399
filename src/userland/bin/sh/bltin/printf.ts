/**
 * The `echo` and `printf` builtins (bin/sh/bltin/echo.c, usr.bin/printf/printf.c built into sh):
 * backslash escapes, conversions with flags, width and precision, and the argument reuse of printf(1).
 *
 * Must not: build unbounded output from a format (widths and precisions are capped at MAX_FIELD).
 */

import { parseIntmax } from '../arith.js'
import { PIPE_SIZE, put } from '../streams.js'
import type { Builtin } from './builtins.js'

const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
}

/**
 * Backslash escapes of `echo -e`, `%b` (octal as \0NNN) and printf formats (octal as \NNN);
 * `stop` is set by `\c`, which ends all output.
 */
function unescapes(s: string, octalNeedsZero: boolean): { text: string; stop: boolean } {
  let text = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c !== '\\' || i + 1 >= s.length) {
      text += c
      continue
    }
    const n = s[++i]
    if (n === 'c') return { text, stop: true }
    if (Object.hasOwn(ESCAPES, n)) text += ESCAPES[n]
    else if (octalNeedsZero && n === '0') {
      const m = /^[0-7]{0,3}/.exec(s.slice(i + 1))![0]
      text += String.fromCharCode(Number.parseInt(m || '0', 8))
      i += m.length
    } else if (!octalNeedsZero && n >= '0' && n <= '7') {
      const m = /^[0-7]{1,3}/.exec(s.slice(i))![0]
      text += String.fromCharCode(Number.parseInt(m, 8))
      i += m.length - 1
    } else text += '\\' + n
  }
  return { text, stop: false }
}

export const echo: Builtin = async (argv, io, sh) => {
  let i = 1
  let newline = true
  let escapes = false
  for (; i < argv.length && /^-[neE]+$/.test(argv[i]); i++) {
    for (const c of argv[i].slice(1)) {
      if (c === 'n') newline = false
      else escapes = c === 'e'
    }
  }
  let text = argv.slice(i).join(' ')
  if (escapes) {
    const r = unescapes(text, true)
    text = r.text
    if (r.stop) newline = false
  }
  await put(io.stdout, newline ? text + '\n' : text, sh.wait)
  return 0
}

const INT_MAX = 2147483647n

const INT_MAX_N = 2147483647

/** Widest printf field (and integer precision) built: as long as a variable may be. */
const MAX_FIELD = 16 * 1024 * 1024

/** The digits of v in base, at least prec of them (C: `%.0d` of 0 is empty). */
function intDigits(v: bigint, base: number, prec: number | undefined): string {
  if (prec === 0 && v === 0n) return ''
  const s = v.toString(base)
  return prec !== undefined && s.length < prec ? s.padStart(prec, '0') : s
}

export const printf: Builtin = async (argv, io, sh) => {
  if (argv.length < 2) {
    io.stderr.write('usage: printf format [arguments ...]\n')
    return 1
  }
  const fmt = argv[1]
  const args = argv.slice(2)
  let ai = 0
  let status = 0
  let out = ''
  const num = (a: string | undefined): bigint => {
    if (a === undefined || a === '') return 0n
    if (a[0] === "'" || a[0] === '"') return BigInt(a.codePointAt(1) ?? 0)
    const v = parseIntmax(a)
    if (v?.range) {
      io.stderr.write(`printf: ${a}: Result too large\n`)
      status = 1
    }
    if (v !== undefined) return v.value
    io.stderr.write(`printf: ${a}: expected numeric value\n`)
    status = 1
    const lead = /^\s*[+-]?[0-9]+/.exec(a)
    return lead ? (parseIntmax(lead[0])?.value ?? 0n) : 0n
  }
  /** A `*` width or precision: an int, as C's printf takes it. */
  const star = (a: string | undefined): number | undefined => {
    const v = num(a)
    if (v >= -INT_MAX - 1n && v <= INT_MAX) return Number(v)
    io.stderr.write(`printf: ${a}: Result too large\n`)
    return undefined
  }
  for (;;) {
    const start = ai
    for (let i = 0; i < fmt.length; i++) {
      const c = fmt[i]
      if (c === '\\') {
        const m = /^\\([0-7]{1,3}|.)/s.exec(fmt.slice(i))!
        const r = unescapes(m[0], false)
        if (r.stop) {
          await put(io.stdout, out, sh.wait)
          return status
        }
        out += r.text
        i += m[0].length - 1
        continue
      }
      if (c !== '%') {
        out += c
        continue
      }
      if (fmt[i + 1] === '%') {
        out += '%'
        i++
        continue
      }
      const m = /^%([-+ #0]*)(\*|[0-9]+)?(?:\.(\*|[0-9]*))?([diouxXcsbeEfgG])/.exec(fmt.slice(i))
      if (!m) {
        io.stderr.write(`printf: illegal format character ${fmt[i + 1] ?? ''}\n`)
        await put(io.stdout, out, sh.wait)
        return 1
      }
      i += m[0].length - 1
      let flags = m[1]
      let width = m[2] === '*' ? star(args[ai++]) : m[2] ? Number(m[2]) : 0
      let prec = m[3] === '*' ? star(args[ai++]) : m[3] !== undefined ? Number(m[3] || '0') : undefined
      if (width === undefined || (m[3] === '*' && prec === undefined)) {
        await put(io.stdout, out, sh.wait)
        return 1
      }
      if (width < 0) {
        flags += '-' // a negative `*` width means left-justified, as in C
        width = -width
      }
      if (prec !== undefined && prec < 0) prec = undefined
      const conv = m[4]
      if (width > INT_MAX_N || (prec ?? 0) > INT_MAX_N) {
        // C's printf fails on a field over INT_MAX (EOVERFLOW) and FreeBSD's prints nothing for it.
        ai++
        continue
      }
      if (width > MAX_FIELD || (prec !== undefined && prec > MAX_FIELD && 'diouxXeEfgG'.includes(conv))) {
        // FreeBSD's would try to allocate it; here a field is bounded like a variable.
        await put(io.stdout, out, sh.wait)
        io.stderr.write('printf: Cannot allocate memory\n')
        return 1
      }
      const arg = args[ai++]
      let s: string
      let numeric = true
      switch (conv) {
        case 's':
          s = arg ?? ''
          if (prec !== undefined) s = s.slice(0, prec)
          numeric = false
          break
        case 'b': {
          const r = unescapes(arg ?? '', true)
          s = r.text
          numeric = false
          if (r.stop) {
            await put(io.stdout, out + s, sh.wait)
            return status
          }
          break
        }
        case 'c':
          s = (arg ?? '')[0] ?? ''
          numeric = false
          break
        case 'd':
        case 'i': {
          const v = num(arg)
          s = intDigits(v < 0n ? -v : v, 10, prec)
          s = (v < 0n ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + s
          break
        }
        case 'e':
        case 'E':
        case 'f':
        case 'g':
        case 'G': {
          const v = Number(arg ?? 0)
          const p = prec ?? 6
          // JavaScript stops at 100 digits; C goes on (with zeros beyond a double's exact digits).
          const q = Math.min(p, 100)
          s =
            conv === 'f'
              ? v.toFixed(q) + '0'.repeat(p - q)
              : conv.toLowerCase() === 'e'
                ? v.toExponential(q).replace(/e/, '0'.repeat(p - q) + 'e')
                : String(Number(v.toPrecision(q || 1)))
          s = s.replace(/e([+-])(\d)$/, 'e$10$2') // C prints at least two exponent digits
          if (conv === 'E' || conv === 'G') s = s.toUpperCase()
          if (v >= 0 && flags.includes('+')) s = '+' + s
          break
        }
        default: {
          const v = BigInt.asUintN(64, num(arg))
          const base = conv === 'o' ? 8 : conv === 'u' ? 10 : 16
          s = intDigits(v, base, prec)
          if (conv === 'X') s = s.toUpperCase()
          if (flags.includes('#') && v !== 0n && base !== 10)
            s = (base === 8 ? '0' : conv === 'X' ? '0X' : '0x') + s
        }
      }
      if (s.length < width) {
        if (flags.includes('-')) s = s.padEnd(width)
        else if (flags.includes('0') && numeric && (prec === undefined || !'diouxX'.includes(conv))) {
          const sign = /^[-+ ]/.test(s) ? s[0] : ''
          s = sign + s.slice(sign.length).padStart(width - sign.length, '0')
        } else s = s.padStart(width)
      }
      out += s
      if (out.length >= PIPE_SIZE) {
        // Many arguments make much output: hand it on as it grows instead of building it whole.
        await put(io.stdout, out, sh.wait)
        out = ''
      }
    }
    // The format is reused while arguments remain (and it consumed some).
    if (ai === start || ai >= args.length) break
  }
  await put(io.stdout, out, sh.wait)
  return status
}

/**
 * Command-line parsing as FreeBSD's libc does it: getopt(3) and the numeric conversions the base
 * utilities build on (strtol(3), strtonum(3), strtod(3)), so every program accepts and rejects exactly
 * what its FreeBSD counterpart does and words its complaints the same way.
 *
 * Pure functions: no I/O, no exceptions for bad input (errors come back as values).
 */

export interface GetoptResult {
  /** Options in command-line order: [flag, argument] (the argument is '' for flags without one). */
  opts: Array<[string, string]>
  /** Operands: everything after the options (and after `--`). */
  rest: string[]
}

/**
 * getopt(3) over `args` (argv without the program name). `optstring` lists the flags, a `:` after
 * one meaning it takes an argument (`"c:i:qn"`). Flags may be clustered (`-qn`), an argument may be
 * attached (`-c3`) or separate (`-c 3`); `--` ends the options, and so does the first operand: like
 * FreeBSD (and unlike GNU) nothing is permuted, so `ping host -c 1` has the operands `host -c 1`.
 * Returns the error message, prefixed with `tool: `, on an unknown flag or a missing argument.
 */
export function getopt(tool: string, args: readonly string[], optstring: string): GetoptResult | string {
  const opts: Array<[string, string]> = []
  let i = 0
  for (; i < args.length; i++) {
    const a = args[i]!
    if (a === '--') {
      i++
      break
    }
    // A lone "-" is an operand (conventionally stdin), as in getopt(3).
    if (a.length < 2 || a[0] !== '-') break
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!
      const k = c === ':' ? -1 : optstring.indexOf(c)
      if (k < 0) return `${tool}: illegal option -- ${c}`
      if (optstring[k + 1] !== ':') {
        opts.push([c, ''])
        continue
      }
      if (j + 1 < a.length) {
        opts.push([c, a.slice(j + 1)])
      } else if (i + 1 < args.length) {
        opts.push([c, args[++i]!])
      } else {
        return `${tool}: option requires an argument -- ${c}`
      }
      break
    }
  }
  return { opts, rest: args.slice(i) }
}

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  c |= 0x20
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 10
  return 99
}

/**
 * strtol(3) that must consume the whole string: optional leading blanks and sign, then digits in
 * `base`; base 0 means C rules (0x hex, leading 0 octal, else decimal). Null when nothing or not
 * everything was converted, or the value is not a safe integer.
 */
export function strtol(s: string, base = 0): number | null {
  let i = 0
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++
  let neg = false
  if (s[i] === '+' || s[i] === '-') neg = s[i++] === '-'
  if (base === 0 || base === 16) {
    if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && digitValue(s.charCodeAt(i + 2)) < 16) {
      i += 2
      base = 16
    } else if (base === 0) {
      base = s[i] === '0' ? 8 : 10
    }
  }
  const start = i
  let v = 0
  for (; i < s.length; i++) {
    const d = digitValue(s.charCodeAt(i))
    if (d >= base) return null
    v = v * base + d
  }
  if (i === start || !Number.isSafeInteger(v)) return null
  return neg ? -v : v
}

/**
 * strtonum(3): a decimal integer within [min, max]. Returns the number, or the error word strtonum
 * reports (`invalid`, `too small`, `too large`) that FreeBSD tools embed in their messages.
 */
export function strtonum(
  s: string,
  min: number,
  max: number,
): number | 'invalid' | 'too small' | 'too large' {
  const v = strtol(s, 10)
  if (v === null) return 'invalid'
  if (v < min) return 'too small'
  if (v > max) return 'too large'
  return v
}

/** strtod(3) that must consume the whole string (decimal notation with optional fraction/exponent). */
export function strtod(s: string): number | null {
  const t = s.replace(/^[ \t]+/, '')
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null
  const v = Number(t)
  return Number.isFinite(v) ? v : null
}

/**
 * The numeric option check most FreeBSD tools share: `value` must be a decimal integer (as strtonum(3)
 * reads it; a decimal float with `float`) within [min, max]; otherwise the message is ping's wording,
 * `` tool: invalid WHAT: `value' `` (e.g. `` ping: invalid count of packets to transmit: `x' ``).
 */
export function numArg(
  tool: string,
  what: string,
  value: string,
  range: { min?: number; max?: number; float?: boolean } = {},
): number | string {
  const v = range.float ? strtod(value) : strtol(value, 10)
  if (v === null || (range.min !== undefined && v < range.min) || (range.max !== undefined && v > range.max))
    return `${tool}: invalid ${what}: \`${value}'`
  return v
}

/**
 * awk's printf/sprintf conversions and number-to-string rules (CONVFMT/OFMT): C's printf for
 * %c %d %i %o %u %x %X %e %E %f %F %g %G %s %% with the flags `-+ #0`, widths and precisions
 * (`*` taken from the arguments). Pure functions over numbers and strings.
 */

/** C's %e, %f or %g of v with precision p (flags '#' keeps %g's trailing zeros). */
export function fmtFloat(v: number, conv: string, p: number, alt = false): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v < 0 ? '-inf' : 'inf'
  const lower = conv.toLowerCase()
  let s: string
  if (lower === 'f') s = v.toFixed(Math.min(p, 100))
  else if (lower === 'e') s = v.toExponential(Math.min(p, 100))
  else {
    const P = p === 0 ? 1 : p
    const x = v === 0 ? 0 : Math.floor(Math.log10(Math.abs(Number(v.toExponential(P - 1)))))
    if (x < P && x >= -4) s = v.toFixed(Math.min(P - 1 - x, 100))
    else s = v.toExponential(P - 1)
    if (!alt) s = s.replace(/(\.\d*?)0+(e|$)/, '$1$2').replace(/\.(e|$)/, '$1')
  }
  s = s.replace(/e([+-])(\d)$/, 'e$10$2')
  return conv === 'E' || conv === 'G' || conv === 'F' ? s.toUpperCase() : s
}

/** Number to string as awk does for output and concatenation: integers exactly, others by fmt. */
export function numToString(n: number, fmt: string): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n)
  if (fmt === '%.6g') return fmtFloat(n, 'g', 6)
  return sprintf(fmt, [n], (x) => x, String)
}

/**
 * Formats like awk's sprintf. toNum/toStr convert an argument as the interpreter does (strings
 * that look numeric, numbers by CONVFMT).
 */
export function sprintf<A>(
  fmt: string,
  args: readonly A[],
  toNum: (a: A) => number,
  toStr: (a: A) => string,
  isNum: (a: A) => boolean = (a) => typeof a === 'number',
): string {
  let out = ''
  let ai = 0
  const next = (): A | undefined => args[ai++]
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]
    if (c !== '%') {
      out += c
      continue
    }
    const m = /^%([-+ #0]*)(\*|[0-9]+)?(?:\.(\*|[0-9]*))?([cdiouxXeEfFgGs%])/.exec(fmt.slice(i))
    if (!m) {
      out += c
      continue
    }
    i += m[0].length - 1
    const conv = m[4]!
    if (conv === '%') {
      out += '%'
      continue
    }
    let flags = m[1]!
    const num = (a: A | undefined): number => (a === undefined ? 0 : toNum(a))
    const str = (a: A | undefined): string => (a === undefined ? '' : toStr(a))
    let width = m[2] === '*' ? Math.trunc(num(next())) : m[2] ? Number(m[2]) : 0
    if (width < 0) {
      flags += '-'
      width = -width
    }
    let prec = m[3] === '*' ? Math.trunc(num(next())) : m[3] !== undefined ? Number(m[3] || '0') : undefined
    if (prec !== undefined && prec < 0) prec = undefined
    const arg = next()
    let s: string
    let numeric = true
    switch (conv) {
      case 's':
        s = str(arg)
        if (prec !== undefined) s = s.slice(0, prec)
        numeric = false
        break
      case 'c':
        s = arg !== undefined && isNum(arg) ? String.fromCharCode(num(arg)) : (str(arg)[0] ?? '')
        numeric = false
        break
      case 'd':
      case 'i': {
        const v = Math.trunc(num(arg))
        s = Math.abs(v).toString()
        if (prec !== undefined) s = prec === 0 && v === 0 ? '' : s.padStart(prec, '0')
        s = (v < 0 ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + s
        break
      }
      case 'o':
      case 'u':
      case 'x':
      case 'X': {
        let v = Math.trunc(num(arg))
        if (v < 0) v = Number(BigInt.asUintN(64, BigInt(v)))
        s = v.toString(conv === 'o' ? 8 : conv === 'u' ? 10 : 16)
        if (prec !== undefined) s = s.padStart(prec, '0')
        if (conv === 'X') s = s.toUpperCase()
        if (flags.includes('#') && v !== 0 && conv !== 'u')
          s = (conv === 'o' ? '0' : conv === 'X' ? '0X' : '0x') + s
        break
      }
      default: {
        const v = num(arg)
        s = fmtFloat(v, conv, prec ?? 6, flags.includes('#'))
        if (v >= 0 && flags.includes('+')) s = `+${s}`
        else if (v >= 0 && flags.includes(' ')) s = ` ${s}`
      }
    }
    if (s.length < width) {
      if (flags.includes('-')) s = s.padEnd(width)
      else if (flags.includes('0') && numeric) {
        const sign = /^[-+ ]/.test(s) ? s[0]! : ''
        s = sign + s.slice(sign.length).padStart(width - sign.length, '0')
      } else s = s.padStart(width)
    }
    out += s
  }
  return out
}

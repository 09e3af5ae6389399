/**
 * iperf3's number formats: unit_snprintf (`112 MBytes`, `941 Mbits`: adaptive units, four
 * significant places), unit_atof / unit_atof_rate for `-n 10M` (1024-based) and `-b 10M`
 * (1000-based), and C's `%.Ng` for the loss percentage. Pure functions.
 */

const BYTE_LABELS: readonly string[] = ['Byte', 'KByte', 'MByte', 'GByte', 'TByte']
const BIT_LABELS: readonly string[] = ['bit', 'Kbit', 'Mbit', 'Gbit', 'Tbit']

/**
 * unit_snprintf with format 'A' (bytes, 1024 steps) or 'a' (bits, 1000 steps): `%4.2f`, `%4.1f` or
 * `%4.0f` so the number fits four places, then the label (the caller adds the plural `s`).
 */
export function unitFormat(value: number, fmt: 'A' | 'a'): string {
  const bytes = fmt === 'A'
  let n = bytes ? value : value * 8
  const step = bytes ? 1024 : 1000
  let conv = 0
  while (n >= step && conv < 4) {
    n /= step
    conv++
  }
  const label = (bytes ? BYTE_LABELS : BIT_LABELS)[conv]!
  const digits = n < 9.995 ? 2 : n < 99.95 ? 1 : 0
  return `${n.toFixed(digits).padStart(4)} ${label}`
}

/** unit_atof (1024-based K/M/G/T suffixes) or, with `rate`, unit_atof_rate (1000-based); NaN when bad. */
export function unitParse(s: string, rate = false): number {
  const m = /^(\d+(?:\.\d*)?|\.\d+)([kKmMgGtT]?)$/.exec(s)
  if (m === null) return Number.NaN
  const k = rate ? 1000 : 1024
  const pow = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't']
  return Number(m[1]) * k ** pow
}

/** C's `%.{prec}g`. */
export function gfmt(x: number, prec: number): string {
  if (x === 0) return '0'
  if (!Number.isFinite(x)) return String(x)
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(prec)))))
  if (exp < -4 || exp >= prec) {
    const [mant, e] = x.toExponential(prec - 1).split('e')
    const ee = Number(e)
    return `${stripZeros(mant!)}e${ee < 0 ? '-' : '+'}${String(Math.abs(ee)).padStart(2, '0')}`
  }
  return stripZeros(x.toFixed(Math.max(0, prec - 1 - exp)))
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s
}

/** `%6.2f-%-6.2f`: an interval's bounds in seconds. */
export function interval(start: number, end: number): string {
  return `${start.toFixed(2).padStart(6)}-${end.toFixed(2).padEnd(6)}`
}

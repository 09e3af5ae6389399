/**
 * tcpdump's raw dumps after each packet's line (netdissect's print-ascii.c): `-x` hex, `-X` hex
 * and ASCII, `-A` ASCII; once without the link-level header, twice (`-xx`, `-XX`, `-AA`) with it.
 * Hex lines are `\n\t0x0000:  4500 0054 …`, sixteen bytes a line in 16-bit groups; `-X` pads the
 * hex to 40 columns and adds the bytes that are graphic characters (others, space too, as `.`).
 *
 * Must not: read past caplen.
 */

export interface DumpFlags {
  x: number
  X: number
  A: number
}

const graphic = (c: number): boolean => c > 0x20 && c < 0x7f

function hex(b: Uint8Array, from: number, len: number): string {
  let s = ''
  for (let i = 0; i < len; i++) {
    if (i % 16 === 0) s += `\n\t0x${i.toString(16).padStart(4, '0')}: `
    s +=
      i % 2 === 0
        ? ` ${b[from + i]!.toString(16).padStart(2, '0')}`
        : b[from + i]!.toString(16).padStart(2, '0')
  }
  return s
}

function hexAscii(b: Uint8Array, from: number, len: number): string {
  let s = ''
  for (let line = 0; line < len; line += 16) {
    let h = ''
    let a = ''
    for (let i = line; i < Math.min(len, line + 16); i++) {
      const c = b[from + i]!
      h += (i % 2 === 0 ? ' ' : '') + c.toString(16).padStart(2, '0')
      a += graphic(c) ? String.fromCharCode(c) : '.'
    }
    s += `\n\t0x${line.toString(16).padStart(4, '0')}: ${h.padEnd(40)}  ${a}`
  }
  return s
}

function ascii(b: Uint8Array, from: number, len: number): string {
  let s = '\n'
  for (let i = 0; i < len; i++) {
    const c = b[from + i]!
    // A CR ending a line or the data is left out (the line ends there anyway); others show as `.`.
    if (c === 0x0d) s += i + 1 < len && b[from + i + 1] !== 0x0a ? '.' : ''
    else s += graphic(c) || c === 0x09 || c === 0x20 || c === 0x0a ? String.fromCharCode(c) : '.'
  }
  return s
}

/** What follows a packet's line for these flags ('' without any): -X over -x over -A; hdrlen is the link printer's. */
export function rawDump(f: DumpFlags, hdrlen: number, b: Uint8Array, caplen: number): string {
  const level = f.X > 0 ? f.X : f.x > 0 ? f.x : f.A
  if (level === 0) return ''
  const from = level > 1 ? 0 : hdrlen
  if (caplen <= from) return ''
  const print = f.X > 0 ? hexAscii : f.x > 0 ? hex : ascii
  return print(b, from, caplen - from)
}

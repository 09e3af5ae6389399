/**
 * Netgraph's ASCII message syntax, as `ngctl msg` reads and prints it: structures `{ a=1 b="x" }`,
 * arrays `[ 1 2 ]` (or `[ 2=5 ]` with explicit indexes), numbers and strings. One value type for
 * every node's control messages, so ngctl and the topology runner share one syntax. Parsing never
 * throws anything but SysError(EINVAL) with a message pointing at the offending text.
 */

import { SysError } from '../util/errno.js'

export type NgValue = number | string | NgValue[] | { [field: string]: NgValue }
export type NgStruct = { [field: string]: NgValue }

class Reader {
  private i = 0
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new SysError('EINVAL', 'ngctl', `${what} at offset ${this.i} in '${this.s}'`)
  }
  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++
  }
  peek(): string {
    this.ws()
    return this.s[this.i] ?? ''
  }
  eat(c: string): boolean {
    if (this.peek() !== c) return false
    this.i++
    return true
  }
  atEnd(): boolean {
    return this.peek() === ''
  }
  value(): NgValue {
    const c = this.peek()
    if (c === '{') return this.struct()
    if (c === '[') return this.array()
    if (c === '"') return this.quoted()
    const w = this.word()
    if (w === '') this.fail('value expected')
    return /^-?(0x[0-9a-f]+|\d+(\.\d+)?)$/i.test(w) ? Number(w) : w
  }
  word(): string {
    this.ws()
    const start = this.i
    while (this.i < this.s.length && !/[\s{}[\]="]/.test(this.s[this.i]!)) this.i++
    return this.s.slice(start, this.i)
  }
  quoted(): string {
    this.i++
    let out = ''
    while (this.i < this.s.length && this.s[this.i] !== '"') {
      let ch = this.s[this.i++]!
      if (ch === '\\' && this.i < this.s.length) {
        const e = this.s[this.i++]!
        ch = e === 'n' ? '\n' : e === 't' ? '\t' : e
      }
      out += ch
    }
    if (this.s[this.i] !== '"') this.fail('unterminated string')
    this.i++
    return out
  }
  struct(): NgStruct {
    this.i++
    const out: NgStruct = {}
    while (!this.eat('}')) {
      if (this.atEnd()) this.fail("'}' expected")
      const name = this.word()
      if (name === '' || !this.eat('=')) this.fail('field=value expected')
      // defineProperty: a field named `__proto__` stays a field instead of replacing the prototype.
      Object.defineProperty(out, name, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return out
  }
  array(): NgValue[] {
    this.i++
    const out: NgValue[] = []
    while (!this.eat(']')) {
      if (this.atEnd()) this.fail("']' expected")
      const save = this.i
      const w = this.word()
      if (/^\d+$/.test(w) && this.eat('=')) {
        const idx = Number(w)
        if (idx > 4096) this.fail('array index too large')
        out[idx] = this.value()
      } else {
        this.i = save
        out.push(this.value())
      }
    }
    for (let k = 0; k < out.length; k++) out[k] ??= 0
    return out
  }
}

/** Parse the argument text of `ngctl msg PATH CMD ARGS`. Empty text gives undefined. */
export function parseNgValue(text: string): NgValue | undefined {
  const r = new Reader(text)
  if (r.atEnd()) return undefined
  const v = r.value()
  if (!r.atEnd()) r.fail('unexpected text')
  return v
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&').replace(/\n/g, '\\n')}"`
}

/** Ethernet addresses print bare, as ng_parse_enaddr_type writes them (and they read back as words). */
const ENADDR = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/

/** Whether v equals its type's default (zero, empty, or made only of defaults). */
function isDefault(v: NgValue): boolean {
  if (typeof v === 'number') return v === 0
  if (typeof v === 'string') return v === ''
  if (Array.isArray(v)) return v.every(isDefault)
  return Object.values(v).every(isDefault)
}

/**
 * Format a value the way ngctl prints message arguments and responses. As ng_unparse_composite does,
 * fields and array elements holding their default are left out; a skipped array element makes the
 * next one carry its index (`[ 3=1 ]`).
 */
export function formatNgValue(v: NgValue): string {
  if (typeof v === 'number') return String(v)
  if (typeof v === 'string') return ENADDR.test(v) ? v : quote(v)
  const parts: string[] = []
  if (Array.isArray(v)) {
    let next = 0
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!
      if (isDefault(x)) continue
      parts.push(i === next ? formatNgValue(x) : `${i}=${formatNgValue(x)}`)
      next = i + 1
    }
    return parts.length === 0 ? '[]' : `[ ${parts.join(' ')} ]`
  }
  for (const [k, x] of Object.entries(v)) if (!isDefault(x)) parts.push(`${k}=${formatNgValue(x)}`)
  return parts.length === 0 ? '{}' : `{ ${parts.join(' ')} }`
}

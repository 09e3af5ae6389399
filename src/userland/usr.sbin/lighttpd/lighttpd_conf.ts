/**
 * lighttpd.conf as lighttpd 1.4 reads it, the part a static-file server needs: `key = value`
 * and `key += value` with strings, integers, booleans ("enable"/"disable"), lists `( "a", "b" )`
 * and hashes `( ".html" => "text/html" )`, `var.name` variables and `+` concatenation, `#`
 * comments, and `$HTTP["…"] =~ "…" { … }` conditionals (read for their syntax, whose settings are
 * not applied here: a warning says so). Unknown keys are kept, so the server can warn by name.
 * Errors carry lighttpd's `source: FILE line: N` shape. Pure: text in, settings out.
 */

export type ConfValue = string | number | ConfValue[] | Map<string, ConfValue>

export class ConfError extends Error {}

export interface LighttpdConf {
  values: Map<string, ConfValue>
  /** The conditions whose blocks were skipped, as written (`$HTTP["url"] =~ "\.pdf$"`). */
  skipped: string[]
}

type Tok = { t: 'str' | 'num' | 'id' | 'op' | 'cond'; v: string; line: number }

function lex(text: string, file: string): Tok[] {
  const out: Tok[] = []
  let line = 1
  let i = 0
  const fail = (what: string): never => {
    throw new ConfError(`source: ${file} line: ${line} pos: ${i + 1} ${what}`)
  }
  while (i < text.length) {
    const c = text[i]!
    if (c === '\n') {
      line++
      i++
    } else if (c === ' ' || c === '\t' || c === '\r') i++
    else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (c === '"') {
      let s = ''
      i++
      for (;;) {
        if (i >= text.length) fail('missing closing quote')
        const d = text[i]!
        if (d === '"') break
        if (d === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          s += text[i + 1]
          i += 2
          continue
        }
        if (d === '\n') line++
        s += d
        i++
      }
      i++
      out.push({ t: 'str', v: s, line })
    } else if (c === '$') {
      const m = /^\$[A-Z]+\["[^"]*"\]/.exec(text.slice(i))
      if (m === null) fail('bad condition')
      out.push({ t: 'cond', v: m![0], line })
      i += m![0].length
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(text.slice(i))!
      out.push({ t: 'num', v: m[0], line })
      i += m[0].length
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(text.slice(i))!
      out.push({ t: 'id', v: m[0], line })
      i += m[0].length
    } else {
      const m = /^(\+=|=>|==|!=|=~|!~|:=|[=(),{}+])/.exec(text.slice(i))
      if (m === null) fail(`unexpected character '${c}'`)
      out.push({ t: 'op', v: m![0], line })
      i += m![0].length
    }
  }
  return out
}

export function parseLighttpdConf(text: string, file: string): LighttpdConf {
  const toks = lex(text, file)
  let p = 0
  const values = new Map<string, ConfValue>()
  const skipped: string[] = []
  const peek = (): Tok | undefined => toks[p]
  const fail = (what: string, tok = toks[p] ?? toks[toks.length - 1]): never => {
    throw new ConfError(`source: ${file} line: ${tok?.line ?? 0} ${what}`)
  }
  const expect = (v: string): void => {
    const t = toks[p]
    if (t?.t !== 'op' || t.v !== v) fail(`expected '${v}'`)
    p++
  }
  const lookupVar = (name: string): ConfValue => {
    const v = values.get(name)
    if (v === undefined) fail(`unknown variable: ${name}`)
    return v!
  }
  const primary = (): ConfValue => {
    const t = toks[p++]
    if (t === undefined) return fail('unexpected end of file')
    if (t.t === 'str') return t.v
    if (t.t === 'num') return Number(t.v)
    if (t.t === 'id') return lookupVar(t.v)
    if (t.t === 'op' && t.v === '(') return list()
    return fail(`unexpected '${t.v}'`, t)
  }
  const value = (): ConfValue => {
    let v = primary()
    while (peek()?.t === 'op' && peek()!.v === '+') {
      p++
      v = concat(v, primary())
    }
    return v
  }
  const concat = (a: ConfValue, b: ConfValue): ConfValue => {
    if (typeof a === 'string' && (typeof b === 'string' || typeof b === 'number')) return a + String(b)
    if (typeof a === 'number' && typeof b === 'number') return a + b
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b]
    if (a instanceof Map && b instanceof Map) return new Map([...a, ...b])
    if (Array.isArray(a)) return [...a, b]
    return fail('cannot concatenate these values')
  }
  const list = (): ConfValue => {
    const arr: ConfValue[] = []
    let map: Map<string, ConfValue> | null = null
    for (;;) {
      const t = peek()
      if (t === undefined) fail("missing ')'")
      if (t!.t === 'op' && t!.v === ')') {
        p++
        return map ?? arr
      }
      const item = value()
      if (peek()?.t === 'op' && peek()!.v === '=>') {
        p++
        if (typeof item !== 'string') fail('a hash key must be a string')
        if (arr.length > 0) fail('mixed list and hash')
        map ??= new Map()
        map.set(item as string, value())
      } else {
        if (map !== null) fail('mixed list and hash')
        arr.push(item)
      }
      const n = peek()
      if (n?.t === 'op' && n.v === ',') p++
      else if (!(n?.t === 'op' && n.v === ')')) fail("expected ',' or ')'")
    }
  }
  const block = (apply: boolean, depth: number): void => {
    for (;;) {
      const t = peek()
      if (t === undefined) {
        if (depth > 0) fail("missing '}'")
        return
      }
      if (t.t === 'op' && t.v === '}') {
        if (depth === 0) fail("unexpected '}'")
        p++
        return
      }
      if (t.t === 'cond') {
        p++
        const op = toks[p++]
        if (op?.t !== 'op' || !['==', '!=', '=~', '!~'].includes(op.v)) fail('expected a comparison')
        const rhs = toks[p++]
        if (rhs?.t !== 'str') fail('expected a string')
        expect('{')
        skipped.push(`${t.v} ${op!.v} "${rhs!.v}"`)
        block(false, depth + 1)
        // `else` chains: `else $HTTP[...] ... { }` or `else { }`.
        while (peek()?.t === 'id' && peek()!.v === 'else') {
          p++
          if (peek()?.t === 'cond') {
            p += 3
          }
          expect('{')
          block(false, depth + 1)
        }
        continue
      }
      if (t.t === 'id' && (t.v === 'include' || t.v === 'include_shell')) {
        p++
        value()
        fail(`${t.v} is not supported here`, t)
      }
      if (t.t !== 'id') fail(`unexpected '${t.v}'`, t)
      p++
      const op = toks[p++]
      if (op?.t !== 'op' || (op.v !== '=' && op.v !== '+=' && op.v !== ':=')) fail("expected '=' or '+='", op)
      const v = value()
      if (!apply) continue
      if (op!.v === '+=') {
        const old = values.get(t.v)
        values.set(t.v, old === undefined ? v : concat(old, v))
      } else {
        if (op!.v === '=' && values.has(t.v) && !t.v.startsWith('var.'))
          fail(`Duplicate config variable in conditional 0 global: ${t.v}`, t)
        values.set(t.v, v)
      }
    }
  }
  block(true, 0)
  return { values, skipped }
}

/** A setting as a string (or a number printed), or undefined. */
export function confString(c: LighttpdConf, key: string): string | undefined {
  const v = c.values.get(key)
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined
}

/** A list setting's strings (a single string counts as a list of one). */
export function confList(c: LighttpdConf, key: string): string[] {
  const v = c.values.get(key)
  if (typeof v === 'string') return [v]
  if (!Array.isArray(v)) return []
  return v.filter((x): x is string => typeof x === 'string')
}

export function confMap(c: LighttpdConf, key: string): Map<string, string> {
  const v = c.values.get(key)
  const out = new Map<string, string>()
  if (v instanceof Map) for (const [k, x] of v) if (typeof x === 'string') out.set(k, x)
  return out
}

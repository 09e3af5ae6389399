/**
 * libxo(3), the part FreeBSD's tools use for `--libxo`: `xoParseArgs` takes `--libxo STYLE[,FLAG…]`,
 * `--libxo=…` or `--libxo:LETTERS` off the front of argv (xo_parse_args), and an `Xo` handle
 * writes the same calls as text, JSON or XML. A program describes its output once — display-only
 * text (libxo's `{d:}` and title fields), fields shown and encoded (`{:name}`), encode-only fields
 * (`{e:name}`), leaf-lists (`{l:name}`), containers, lists and their instances — and the handle
 * keeps only what the style needs: text mode writes exactly the display text, so a tool's plain
 * output is unchanged. JSON is libxo's layout: `{"__version": "1", "tool": {…}}`, `"name":value`
 * pairs joined by `,`, containers and instances by `, `; `pretty` indents by two. XML puts the
 * version on the first element. Must not: write a field twice, or leave a container open after
 * `finish` (it closes what is still open, as xo_finish does).
 */

export type XoStyle = 'text' | 'json' | 'xml'

export interface XoOpts {
  style: XoStyle
  pretty: boolean
}

/** The letters of `--libxo:LETTERS` (libxo's short flags) this implementation honours. */
const SHORT: Readonly<Record<string, Partial<XoOpts>>> = {
  J: { style: 'json' },
  X: { style: 'xml' },
  T: { style: 'text' },
  P: { pretty: true },
}

/** Options libxo accepts that change nothing here (warnings, colour, info, …). */
const IGNORED = new Set([
  'warn',
  'warn-xml',
  'color',
  'no-color',
  'no-humanize',
  'info',
  'keys',
  'underscores',
])

function parseSpec(spec: string, o: XoOpts): string | null {
  if (spec.startsWith(':')) {
    for (const ch of spec.slice(1)) {
      const s = SHORT[ch]
      if (s === undefined) return `libxo: unknown flag: '${ch}'`
      Object.assign(o, s)
    }
    return null
  }
  for (const w of spec.split(',')) {
    if (w === 'json' || w === 'xml' || w === 'text') o.style = w
    else if (w === 'pretty') o.pretty = true
    else if (!IGNORED.has(w) && w !== '') return `libxo: unknown libxo option value: '${w}'`
  }
  return null
}

/**
 * xo_parse_args: every `--libxo` argument (anywhere before `--`) is consumed; the rest of argv is
 * returned. A bad option gives libxo's message (the caller exits 1).
 */
export function xoParseArgs(argv: readonly string[]): { argv: string[]; opts: XoOpts } | string {
  const opts: XoOpts = { style: 'text', pretty: false }
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') {
      out.push(...argv.slice(i))
      break
    }
    let spec: string | null = null
    if (a === '--libxo') {
      if (i + 1 >= argv.length) return 'libxo: missing libxo option'
      spec = argv[++i]!
    } else if (a.startsWith('--libxo=')) spec = a.slice(8)
    else if (a.startsWith('--libxo:')) spec = a.slice(7)
    if (spec === null) {
      out.push(a)
      continue
    }
    const e = parseSpec(spec, opts)
    if (e !== null) return e
  }
  return { argv: out, opts }
}

type FrameKind = 'container' | 'list' | 'instance' | 'leaflist'

interface Frame {
  kind: FrameKind
  name: string
  /** Something was written inside it already (libxo's XSF_NOT_FIRST). */
  notFirst: boolean
}

/** A value as it is encoded: numbers and booleans bare, strings quoted. */
export type XoValue = string | number | boolean

function jsonString(s: string): string {
  return JSON.stringify(s)
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** One output handle (xo_handle_t) writing to `write`. */
export class Xo {
  private readonly stack: Frame[] = []
  private topDone = false
  private version: string | null = null

  constructor(
    private readonly write: (s: string) => void,
    readonly opts: XoOpts = { style: 'text', pretty: false },
  ) {}

  get style(): XoStyle {
    return this.opts.style
  }

  /** xo_set_version: JSON's `"__version"`, XML's `version` attribute on the first element. */
  setVersion(v: string): void {
    this.version = v
  }

  /** Display-only text (`{d:}`, titles, literal text): written in text style only. */
  text(s: string): void {
    if (this.opts.style === 'text') this.write(s)
  }

  /** A field shown (as `display`, default its value) and encoded under `name` (`{:name}`). */
  field(name: string, value: XoValue, display?: string): void {
    if (this.opts.style === 'text') this.write(display ?? String(value))
    else this.encodeField(name, value)
  }

  /** An encode-only field (`{e:name}`): not shown as text. */
  encode(name: string, value: XoValue): void {
    if (this.opts.style !== 'text') this.encodeField(name, value)
  }

  /** One member of the leaf-list `name` (`{el:}`): consecutive calls build one list. */
  leaf(name: string, value: XoValue): void {
    if (this.opts.style === 'text') return
    const top = this.stack[this.stack.length - 1]
    if (this.opts.style === 'json') {
      if (top?.kind !== 'leaflist' || top.name !== name) {
        this.closeLeafList()
        this.jsonOpen(name, '[', 'leaflist')
      }
      const f = this.stack[this.stack.length - 1]!
      this.write(`${f.notFirst ? ',' : ''}${this.nl()}${this.indent()}${this.jsonValue(value)}`)
      f.notFirst = true
    } else {
      this.closeLeafList()
      this.xmlLeaf(name, value)
    }
  }

  openContainer(name: string): void {
    this.closeLeafList()
    if (this.opts.style === 'json') this.jsonOpen(name, '{', 'container')
    else if (this.opts.style === 'xml') this.xmlOpen(name, 'container')
    else this.stack.push({ kind: 'container', name, notFirst: false })
  }

  closeContainer(name: string): void {
    this.close('container', name)
  }

  openList(name: string): void {
    this.closeLeafList()
    if (this.opts.style === 'json') this.jsonOpen(name, '[', 'list')
    else this.stack.push({ kind: 'list', name, notFirst: false })
  }

  closeList(name: string): void {
    this.close('list', name)
  }

  openInstance(name: string): void {
    this.closeLeafList()
    if (this.opts.style === 'json') {
      this.top()
      const parent = this.stack[this.stack.length - 1]
      const sep = parent?.notFirst ? (this.opts.pretty ? ',\n' : ', ') : this.nl()
      this.write(`${sep}${this.indent()}{`)
      if (parent !== undefined) parent.notFirst = true
      this.stack.push({ kind: 'instance', name, notFirst: false })
    } else if (this.opts.style === 'xml') this.xmlOpen(name, 'instance')
    else this.stack.push({ kind: 'instance', name, notFirst: false })
  }

  closeInstance(name: string): void {
    this.close('instance', name)
  }

  /** xo_finish: close whatever is open, end the JSON document with a newline. */
  finish(): void {
    while (this.stack.length > 0) {
      const f = this.stack[this.stack.length - 1]!
      this.close(f.kind, f.name)
    }
    if (this.opts.style === 'json') {
      this.top()
      this.write(`${this.nl()}}\n`)
    } else if (this.opts.style === 'xml' && this.topDone) this.write(this.opts.pretty ? '' : '\n')
  }

  private nl(): string {
    return this.opts.pretty ? '\n' : ''
  }

  private indent(extra = 0): string {
    if (!this.opts.pretty) return ''
    // XML has no element for a list itself, only for its instances.
    const depth =
      this.opts.style === 'json'
        ? this.stack.length + 1
        : this.stack.filter((f) => f.kind !== 'list' && f.kind !== 'leaflist').length
    return '  '.repeat(depth + extra)
  }

  /** xo_emit_top: the JSON document's opening brace and version, once. */
  private top(): void {
    if (this.topDone || this.opts.style !== 'json') return
    this.topDone = true
    this.write(`{${this.nl()}`)
    if (this.version !== null) {
      this.write(`${this.indent()}"__version": ${jsonString(this.version)}, ${this.nl()}`)
      this.version = null
    }
  }

  private jsonValue(v: XoValue): string {
    return typeof v === 'string' ? jsonString(v) : String(v)
  }

  private jsonSep(): string {
    const parent = this.stack[this.stack.length - 1]
    const first = parent === undefined ? !this.topNotFirst : !parent.notFirst
    if (parent === undefined) this.topNotFirst = true
    else parent.notFirst = true
    if (first) return this.opts.pretty && parent !== undefined ? '\n' : ''
    return this.opts.pretty ? ',\n' : ', '
  }

  private topNotFirst = false

  private jsonOpen(name: string, bracket: '{' | '[', kind: FrameKind): void {
    this.top()
    const sep = this.jsonSep()
    this.write(`${sep}${this.indent()}${jsonString(name)}: ${bracket}`)
    this.stack.push({ kind, name, notFirst: false })
  }

  private encodeField(name: string, value: XoValue): void {
    this.closeLeafList()
    if (this.opts.style === 'json') {
      this.top()
      const parent = this.stack[this.stack.length - 1]
      const sep = parent?.notFirst ? ',' : ''
      if (parent !== undefined) parent.notFirst = true
      this.write(
        `${sep}${this.nl()}${this.indent()}${jsonString(name)}:${this.opts.pretty ? ' ' : ''}${this.jsonValue(value)}`,
      )
    } else this.xmlLeaf(name, value)
  }

  private xmlOpen(name: string, kind: FrameKind): void {
    let attr = ''
    if (this.version !== null) {
      attr = ` version="${xmlEscape(this.version)}"`
      this.version = null
    }
    this.topDone = true
    this.write(`${this.indent()}<${name}${attr}>${this.nl()}`)
    this.stack.push({ kind, name, notFirst: false })
  }

  private xmlLeaf(name: string, value: XoValue): void {
    this.topDone = true
    this.write(`${this.indent()}<${name}>${xmlEscape(String(value))}</${name}>${this.nl()}`)
  }

  private closeLeafList(): void {
    const f = this.stack[this.stack.length - 1]
    if (f?.kind === 'leaflist') this.close('leaflist', f.name)
  }

  private close(kind: FrameKind, name: string): void {
    if (kind !== 'leaflist') this.closeLeafList()
    // Close down to the matching frame; a mismatched close is ignored, as libxo warns and goes on.
    let i = this.stack.length - 1
    while (i >= 0 && !(this.stack[i]!.kind === kind && this.stack[i]!.name === name)) i--
    if (i < 0) return
    while (this.stack.length > i) {
      const f = this.stack.pop()!
      if (this.opts.style === 'json') {
        const end = f.kind === 'list' || f.kind === 'leaflist' ? ']' : '}'
        this.write(`${f.notFirst ? `${this.nl()}${this.indent()}` : ''}${end}`)
      } else if (this.opts.style === 'xml' && f.kind !== 'list' && f.kind !== 'leaflist')
        this.write(`${this.indent()}</${f.name}>${this.nl()}`)
    }
  }
}

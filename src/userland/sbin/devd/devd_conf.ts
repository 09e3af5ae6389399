/**
 * devd.conf(5): `options { directory "D"; pid-file "F"; set VAR "VALUE"; };` and the event blocks
 * `notify|attach|detach|nomatch PRIO { match "VAR" "REGEX"; action "CMD"; ... };` (with
 * `device-name`, `media-type`, `subdevice` and `class` as matches on those variables), comments
 * `#`, `//` and C's. A match is an extended regular expression over the whole value (devd anchors
 * it), `!` in front negates it; `$VAR` and `${VAR}` in matches and actions expand to the event's
 * variables and the `set` ones.
 *
 * Must not: run anything (devd.ts runs the actions), or throw on a bad file: errors are returned
 * as devd's messages and the rest of the file still counts.
 */

export type DevdKind = 'notify' | 'attach' | 'detach' | 'nomatch'

export interface DevdMatch {
  variable: string
  /** The pattern as written (variables expanded per event). */
  pattern: string
  negate: boolean
}

export interface DevdBlock {
  kind: DevdKind
  priority: number
  matches: DevdMatch[]
  actions: string[]
}

export interface DevdConf {
  directories: string[]
  pidFile: string | null
  vars: Map<string, string>
  blocks: DevdBlock[]
  errors: string[]
}

const KINDS: ReadonlySet<string> = new Set(['notify', 'attach', 'detach', 'nomatch'])
/** Clauses that match a variable of the same name. */
const MATCH_CLAUSES: ReadonlySet<string> = new Set(['device-name', 'media-type', 'subdevice', 'class'])

/** Words, quoted strings and the punctuation `{ } ;`, comments dropped. */
function tokenize(text: string): string[] {
  const out: string[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++
    else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      i = end < 0 ? text.length : end + 2
    } else if (c === '{' || c === '}' || c === ';') {
      out.push(c)
      i++
    } else if (c === '"') {
      let s = ''
      i++
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++
        s += text[i++]
      }
      i++
      // A quoted string is marked so that `"}"` is never punctuation.
      out.push(`"${s}`)
    } else {
      let s = ''
      while (i < text.length && !/[\s{};"#]/.test(text[i]!)) s += text[i++]
      out.push(s)
    }
  }
  return out
}

function value(tok: string | undefined): string | null {
  if (tok === undefined || tok === '{' || tok === '}' || tok === ';') return null
  return tok.startsWith('"') ? tok.slice(1) : tok
}

/** Parse one file's text into `conf` (later files add to it, as devd reads them in turn). */
export function parseDevdConf(text: string, file: string, conf: DevdConf = emptyConf()): DevdConf {
  const t = tokenize(text)
  let i = 0
  const err = (msg: string) => conf.errors.push(`${file}: ${msg}`)
  /** The statements of a block up to its `}` (and the `;` after it): [words...] each. */
  const block = (): string[][] | null => {
    if (t[i] !== '{') return null
    i++
    const stmts: string[][] = []
    let cur: string[] = []
    while (i < t.length && t[i] !== '}') {
      const tok = t[i++]!
      if (tok === ';') {
        if (cur.length > 0) stmts.push(cur)
        cur = []
      } else cur.push(value(tok) ?? tok)
    }
    if (cur.length > 0) stmts.push(cur)
    if (t[i] === '}') i++
    if (t[i] === ';') i++
    return stmts
  }
  while (i < t.length) {
    const word = value(t[i++])
    if (word === null) continue
    if (word === 'options') {
      const stmts = block()
      if (stmts === null) {
        err('syntax error after options')
        continue
      }
      for (const s of stmts) {
        if (s[0] === 'directory' && s[1] !== undefined) conf.directories.push(s[1])
        else if (s[0] === 'pid-file' && s[1] !== undefined) conf.pidFile = s[1]
        else if (s[0] === 'set' && s[1] !== undefined && s[2] !== undefined) conf.vars.set(s[1], s[2])
        else err(`unknown option ${s[0]}`)
      }
    } else if (KINDS.has(word)) {
      const prio = Number(value(t[i]))
      if (Number.isInteger(prio)) i++
      const stmts = block()
      if (stmts === null) {
        err(`syntax error in ${word} block`)
        continue
      }
      const b: DevdBlock = {
        kind: word as DevdKind,
        priority: Number.isInteger(prio) ? prio : 0,
        matches: [],
        actions: [],
      }
      for (const s of stmts) {
        if (s[0] === 'action' && s[1] !== undefined) b.actions.push(s[1])
        else if (s[0] === 'match' && s[1] !== undefined && s[2] !== undefined)
          b.matches.push(mkMatch(s[1], s[2]))
        else if (MATCH_CLAUSES.has(s[0]!) && s[1] !== undefined) b.matches.push(mkMatch(s[0]!, s[1]))
        else err(`unknown ${word} statement ${s[0]}`)
      }
      conf.blocks.push(b)
    } else err(`syntax error near ${word}`)
  }
  // Higher priorities first; equal ones keep the order they were read in.
  conf.blocks.sort((a, b) => b.priority - a.priority)
  return conf
}

function mkMatch(variable: string, pattern: string): DevdMatch {
  const negate = pattern.startsWith('!')
  return { variable, pattern: negate ? pattern.slice(1) : pattern, negate }
}

export function emptyConf(): DevdConf {
  return { directories: [], pidFile: null, vars: new Map(), blocks: [], errors: [] }
}

/**
 * An event line as devctl gives it: its kind by the first character (`!` notify, `+` attach, `-`
 * detach, `?` nomatch) and its `key=value` pairs (a value may be quoted).
 */
export function parseEvent(line: string): { kind: DevdKind; vars: Map<string, string> } | null {
  const kinds: Record<string, DevdKind> = { '!': 'notify', '+': 'attach', '-': 'detach', '?': 'nomatch' }
  const kind = kinds[line[0] ?? '']
  if (kind === undefined) return null
  const vars = new Map<string, string>()
  const re = /([A-Za-z0-9_.-]+)=("([^"]*)"|\S*)/g
  for (let m = re.exec(line.slice(1)); m !== null; m = re.exec(line.slice(1))) vars.set(m[1]!, m[3] ?? m[2]!)
  return { kind, vars }
}

/** `$VAR` (letters, digits, `_` and `-`, as `$scsi-controller-regex`) and `${VAR}` from the event's variables, then the `set` ones; unknown ones are empty. */
export function expand(s: string, ev: ReadonlyMap<string, string>, set: ReadonlyMap<string, string>): string {
  return s.replace(/\$(\{([A-Za-z0-9_.-]+)\}|([A-Za-z0-9_-]+))/g, (_m, _a, braced, plain) => {
    const name = (braced ?? plain) as string
    return ev.get(name) ?? set.get(name) ?? ''
  })
}

/** Whether every match of b holds for the event (an invalid pattern never matches). */
export function blockMatches(
  b: DevdBlock,
  ev: ReadonlyMap<string, string>,
  set: ReadonlyMap<string, string>,
): boolean {
  for (const m of b.matches) {
    const v = ev.get(m.variable)
    let hit = false
    if (v !== undefined) {
      try {
        hit = new RegExp(`^(?:${expand(m.pattern, ev, set)})$`).test(v)
      } catch {
        hit = false
      }
    }
    if (hit === m.negate) return false
  }
  return true
}

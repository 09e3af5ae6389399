/**
 * The small text utilities scripts pipe command output through — `cat`, `grep`, `wc`, `head`,
 * `tail`, `seq`, `sort`, `tr`, `tee` — built into the shell because their files live in the
 * shell's in-memory MemFs. Each follows its FreeBSD man page for the options it has; none of
 * them touches shell state other than those files. Output stops early when the reader is gone.
 */

import type { Interp } from '../interp.js'
import { FileOut, outputClosed, put, readAll, readLine, type ShIo } from '../streams.js'
import type { Builtin } from './builtins.js'

/** Parses leading single-letter options; `valued` letters take an argument. */
function getopt(
  argv: readonly string[],
  flags: string,
  valued = '',
): { opts: Map<string, string>; rest: string[] } | string {
  const opts = new Map<string, string>()
  let i = 1
  for (; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      i++
      break
    }
    if (a[0] !== '-' || a.length === 1) break
    for (let k = 1; k < a.length; k++) {
      const c = a[k]
      if (valued.includes(c)) {
        const v = k + 1 < a.length ? a.slice(k + 1) : argv[++i]
        if (v === undefined) return `option requires an argument -- ${c}`
        opts.set(c, v)
        break
      }
      if (!flags.includes(c)) return `illegal option -- ${c}`
      opts.set(c, '')
    }
  }
  return { opts, rest: argv.slice(i) }
}

/**
 * Contents of each operand (`-` is stdin), reporting missing files as `prog: f: No such file...`
 * and a stdin too big to hold (over 16 MiB) as `prog: Cannot allocate memory`.
 */
async function inputs(
  files: readonly string[],
  io: ShIo,
  sh: Interp,
  prog: string,
): Promise<{ texts: { name: string; text: string }[]; ok: boolean }> {
  const texts: { name: string; text: string }[] = []
  let ok = true
  for (const f of files.length ? files : ['-']) {
    const text = f === '-' ? await readAll(io.stdin, sh.wait) : sh.fs.read(f)
    if (text === null) {
      io.stderr.write(`${prog}: Cannot allocate memory\n`)
      ok = false
    } else if (text === undefined) {
      io.stderr.write(`${prog}: ${f}: No such file or directory\n`)
      ok = false
    } else texts.push({ name: f, text })
  }
  return { texts, ok }
}

function lines(text: string): string[] {
  const l = text.split('\n')
  if (l[l.length - 1] === '') l.pop()
  return l
}

function usage(io: ShIo, msg: string): number {
  io.stderr.write(msg + '\n')
  return 64
}

/** JavaScript's complaint about a regular expression, as regerror(3) words it on FreeBSD. */
function regexError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e)
  if (!(e instanceof SyntaxError)) return msg // posixRegex's own, already regerror's words
  const known: [RegExp, string][] = [
    [/Range out of order/, 'invalid character range'],
    [/group|\)/, 'parentheses not balanced'],
    [/character class/, 'brackets ([ ]) not balanced'],
    [/quantifier/, 'invalid repetition count(s)'],
    [/Nothing to repeat/, 'repetition-operator operand invalid'],
    [/\\ at end/, 'trailing backslash (\\)'],
  ]
  return known.find(([re]) => re.test(msg))?.[1] ?? 'invalid regular expression'
}

const cat: Builtin = async (argv, io, sh) => {
  const o = getopt(argv, 'u')
  if (typeof o === 'string') return usage(io, `cat: ${o}\nusage: cat [-u] [file ...]`)
  let status = 0
  for (const f of o.rest.length ? o.rest : ['-']) {
    if (f !== '-') {
      const text = sh.fs.read(f)
      if (text === undefined) {
        io.stderr.write(`cat: ${f}: No such file or directory\n`)
        status = 1
      } else await put(io.stdout, text, sh.wait)
      continue
    }
    // Copy stdin as it arrives, so `nc -l ... | cat` shows data before the connection ends.
    for (let chunk = await sh.wait(io.stdin.read()); chunk !== null; chunk = await sh.wait(io.stdin.read())) {
      await put(io.stdout, chunk, sh.wait)
      if (outputClosed(io.stdout)) break
    }
  }
  return status
}

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: '0-9A-Za-z',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\s',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
}

/** Translates a POSIX basic (or, with ere, extended) regular expression into a JavaScript one. */
export function posixRegex(p: string, ere: boolean): string {
  let out = ''
  for (let i = 0; i < p.length; i++) {
    const c = p[i]
    if (c === '[') {
      let j = i + 1
      let body = ''
      if (p[j] === '^') body += p[j++]
      if (p[j] === ']') body += '\\' + p[j++]
      for (; j < p.length && p[j] !== ']'; j++) {
        const cls = p[j] === '[' && p[j + 1] === ':' ? /^\[:([a-z]+):\]/.exec(p.slice(j)) : null
        if (cls && POSIX_CLASSES[cls[1]] !== undefined) {
          body += POSIX_CLASSES[cls[1]]
          j += cls[0].length - 1
        } else body += p[j] === '\\' || p[j] === '[' ? '\\' + p[j] : p[j]
      }
      if (j >= p.length) throw new Error('brackets ([ ]) not balanced')
      out += '[' + body + ']'
      i = j
    } else if (c === '\\' && i + 1 < p.length) {
      const n = p[++i]
      if (n === '<' || n === '>') out += '\\b'
      else if (!ere && '(){}|+?'.includes(n))
        out += n // \( \) \{ \} are the BRE operators
      else out += '\\' + n
    } else if (!ere && '(){}|+?'.includes(c)) out += '\\' + c
    else if (!ere && c === '*' && (i === 0 || p[i - 1] === '^' || p.slice(i - 2, i) === '\\(')) out += '\\*'
    else out += c
  }
  return out
}

const grep: Builtin = async (argv, io, sh) => {
  const patterns: string[] = []
  const args = argv.slice()
  // -e may repeat, so collect it before the generic parse.
  for (let i = 1; i < args.length; i++) {
    if (args[i] === '--') break
    if (args[i] === '-e' && i + 1 < args.length) {
      patterns.push(args[i + 1])
      args.splice(i--, 2)
    }
  }
  const o = getopt(args, 'vcqiEFnlxwshH', 'ABC')
  if (typeof o === 'string')
    return usage(io, `grep: ${o}\nusage: grep [-EFHchilnqsvwx] [-e pattern] [pattern] [file ...]`)
  const f = (c: string) => o.opts.has(c)
  // -A/-B/-C NUM: lines of context after/before each match, groups apart separated by `--`.
  const ctx = (c: string): number | string => {
    const v = o.opts.get(c) ?? o.opts.get('C')
    if (v === undefined) return 0
    return /^\d+$/.test(v) ? Number(v) : `grep: context argument must be non-negative`
  }
  const after = ctx('A')
  const before = ctx('B')
  if (typeof after === 'string' || typeof before === 'string') {
    io.stderr.write(`${typeof after === 'string' ? after : before}\n`)
    return 2
  }
  const rest = o.rest
  if (!patterns.length) {
    const p = rest.shift()
    if (p === undefined) {
      io.stderr.write('usage: grep [-EFHchilnqsvwx] [-e pattern] [pattern] [file ...]\n')
      return 2
    }
    patterns.push(...p.split('\n'))
  }
  let re: RegExp
  try {
    const src = patterns
      .map((p) => {
        let s = f('F') ? p.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&') : posixRegex(p, f('E'))
        if (f('w')) s = `(?<![A-Za-z0-9_])(?:${s})(?![A-Za-z0-9_])`
        return f('x') ? `^(?:${s})$` : s
      })
      .join('|')
    re = new RegExp(src, f('i') ? 'i' : '')
  } catch (e) {
    io.stderr.write(`grep: ${regexError(e)}\n`)
    return 2
  }
  const files = rest.length ? rest : ['-']
  const named = (files.length > 1 || f('H')) && !f('h')
  let matched = false
  let error = false
  let blocked: Promise<void> | undefined
  for (const file of files) {
    let count = 0
    let n = 0
    const name = file === '-' ? '(standard input)' : file
    // Context state: the last `before` lines not printed, lines still owed after a match, and the
    // number of the last line printed (to know when a `--` separator is due).
    const held: Array<[number, string]> = []
    let owed = 0
    let lastOut = 0
    const emit = (k: number, line: string, sep: string): void => {
      if ((after > 0 || before > 0) && lastOut > 0 && k > lastOut + 1) io.stdout.write('--\n')
      lastOut = k
      const w = io.stdout.write(`${named ? name + sep : ''}${f('n') ? k + sep : ''}${line}\n`)
      if (w) blocked = w
    }
    const select = (line: string): boolean => {
      n++
      if (re.test(line) === f('v')) {
        if (f('c') || f('q') || f('l')) return true
        if (owed > 0) {
          owed--
          emit(n, line, '-')
        } else if (before > 0) {
          held.push([n, line])
          if (held.length > before) held.shift()
        }
        return true
      }
      matched = true
      count++
      if (f('q') || f('l')) return false
      if (!f('c')) {
        for (const [k, l] of held) emit(k, l, '-')
        held.length = 0
        emit(n, line, ':')
        owed = after
      }
      return true
    }
    if (file === '-') {
      for (
        let l = await readLine(io.stdin, sh.wait);
        l && select(l.line);
        l = await readLine(io.stdin, sh.wait)
      ) {
        if (blocked) await sh.wait(blocked) // the reader of our output is behind: wait, as on a full pipe
        blocked = undefined
      }
    } else {
      const text = sh.fs.read(file)
      if (text === undefined) {
        if (!f('s')) io.stderr.write(`grep: ${file}: No such file or directory\n`)
        error = true
        continue
      }
      for (const l of lines(text)) if (!select(l)) break
    }
    if (f('q') && matched) return 0
    if (f('c')) io.stdout.write(`${named ? name + ':' : ''}${count}\n`)
    else if (f('l') && count) io.stdout.write(name + '\n')
  }
  return error ? 2 : matched ? 0 : 1
}

function utf8Length(s: string): number {
  if (/^[\x00-\x7f]*$/.test(s)) return s.length
  let n = 0
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
  }
  return n
}

const wc: Builtin = async (argv, io, sh) => {
  const o = getopt(argv, 'lwcm')
  if (typeof o === 'string') return usage(io, `wc: ${o}\nusage: wc [-clmw] [file ...]`)
  const all = !o.opts.size
  const total = [0, 0, 0]
  const row = (counts: number[], name: string) => {
    const cols = [all || o.opts.has('l'), all || o.opts.has('w'), all || o.opts.has('c') || o.opts.has('m')]
    // FreeBSD's format: each count right-aligned in eight columns.
    const s = counts.map((c, k) => (cols[k] ? ' ' + String(c).padStart(7) : '')).join('')
    io.stdout.write(s + (name ? ' ' + name : '') + '\n')
  }
  const files = o.rest.length ? o.rest : ['-']
  let ok = true
  for (const f of files) {
    const counts = [0, 0, 0]
    let inWord = false
    const count = (text: string) => {
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) counts[0]++
      // Words may straddle chunks: count a word where it starts.
      for (const m of text.matchAll(/\S+/g)) if (m.index > 0 || !inWord) counts[1]++
      if (text) inWord = /\S$/.test(text)
      counts[2] += o.opts.has('m') ? [...text].length : utf8Length(text)
    }
    if (f === '-') {
      // Count stdin as it arrives: a pipe's whole output is never held.
      for (let c = await sh.wait(io.stdin.read()); c !== null; c = await sh.wait(io.stdin.read())) count(c)
    } else {
      const text = sh.fs.read(f)
      if (text === undefined) {
        io.stderr.write(`wc: ${f}: No such file or directory\n`)
        ok = false
        continue
      }
      count(text)
    }
    counts.forEach((c, k) => {
      total[k] += c
    })
    row(counts, f === '-' ? '' : f)
  }
  if (files.length > 1) row(total, 'total')
  return ok ? 0 : 1
}

/** A count for head/tail: `-n N`, `-N`; tail also `+N` (from line N). */
function countArg(argv: readonly string[]): { n: number; from: boolean; rest: string[] } | string {
  const args = argv.slice(1)
  if (args[0] && /^[-+][0-9]+$/.test(args[0])) {
    return { n: Number(args[0].slice(1)), from: args[0][0] === '+', rest: args.slice(1) }
  }
  const o = getopt(argv, '', 'n')
  if (typeof o === 'string') return o
  const v = o.opts.get('n') ?? '10'
  if (!/^[-+]?[0-9]+$/.test(v)) return `illegal line count -- ${v}`
  return { n: Math.abs(Number(v)), from: v[0] === '+', rest: o.rest }
}

const head: Builtin = async (argv, io, sh) => {
  const c = countArg(argv)
  if (typeof c === 'string') return usage(io, `head: ${c}\nusage: head [-n lines] [file ...]`)
  let status = 0
  const files = c.rest.length ? c.rest : ['-']
  for (const [k, file] of files.entries()) {
    if (files.length > 1) io.stdout.write(`${k ? '\n' : ''}==> ${file} <==\n`)
    if (file === '-') {
      // Stream, and stop reading once enough lines are out (the writer then gets SIGPIPE).
      for (let i = 0; i < c.n; i++) {
        const l = await readLine(io.stdin, sh.wait)
        if (!l) break
        await put(io.stdout, l.line + (l.eol ? '\n' : ''), sh.wait)
      }
      continue
    }
    const text = sh.fs.read(file)
    if (text === undefined) {
      io.stderr.write(`head: ${file}: No such file or directory\n`)
      status = 1
    } else for (const l of lines(text).slice(0, c.n)) io.stdout.write(l + '\n')
  }
  return status
}

const tail: Builtin = async (argv, io, sh) => {
  const c = countArg(argv)
  if (typeof c === 'string') return usage(io, `tail: ${c}\nusage: tail [-n lines] [file ...]`)
  let ok = true
  for (const f of c.rest.length ? c.rest : ['-']) {
    if (f !== '-') {
      const text = sh.fs.read(f)
      if (text === undefined) {
        io.stderr.write(`tail: ${f}: No such file or directory\n`)
        ok = false
        continue
      }
      const l = lines(text)
      const out = c.from ? l.slice(Math.max(c.n - 1, 0)) : c.n ? l.slice(-c.n) : []
      for (const line of out) await put(io.stdout, line + '\n', sh.wait)
      continue
    }
    // stdin streams: `+N` copies from line N on, `-n N` keeps only the last N lines in memory.
    const ring: string[] = []
    let seen = 0
    for (let l = await readLine(io.stdin, sh.wait); l; l = await readLine(io.stdin, sh.wait)) {
      seen++
      if (c.from) {
        if (seen >= c.n) await put(io.stdout, l.line + '\n', sh.wait)
      } else if (c.n) ring[(seen - 1) % c.n] = l.line
    }
    for (let k = Math.max(seen - c.n, 0); !c.from && k < seen; k++)
      await put(io.stdout, ring[k % c.n] + '\n', sh.wait)
  }
  return ok ? 0 : 1
}

const seq: Builtin = async (argv, io, sh) => {
  let sep = '\n'
  const args = argv.slice(1)
  while (args[0] === '-s' || args[0] === '-w') {
    if (args.shift() === '-s') sep = args.shift() ?? '\n'
  }
  const nums = args.map(Number)
  if (!nums.length || nums.length > 3 || nums.some((x) => !Number.isFinite(x))) {
    return usage(io, 'usage: seq [-s string] [first [incr]] last')
  }
  const first = nums.length > 1 ? nums[0] : 1
  const last = nums[nums.length - 1]
  // FreeBSD counts down by default when first > last.
  const incr = nums.length === 3 ? nums[1] : last < first ? -1 : 1
  if (incr === 0) return usage(io, 'seq: zero increment')
  if ((incr > 0 && first > last) || (incr < 0 && first < last)) return 0
  // Round to the operands' decimals (0.1 steps do not add up exactly), then print like %g.
  const decimals = Math.max(0, ...args.map((a) => (a.includes('.') ? a.length - a.indexOf('.') - 1 : 0)))
  const count = Math.floor((last - first) / incr + 1e-9) + 1
  for (let i = 0; i < count; i++) {
    const v = first + i * incr
    await put(io.stdout, String(Number(v.toFixed(decimals))) + (i === count - 1 ? '\n' : sep), sh.wait)
    if (i % 1024 === 1023) {
      if (outputClosed(io.stdout)) break
      await sh.tick() // lets the reader of a pipe keep up, and a kill stop us
    }
  }
  return 0
}

const sort: Builtin = async (argv, io, sh) => {
  const o = getopt(argv, 'nrufb')
  if (typeof o === 'string') return usage(io, `sort: ${o}\nusage: sort [-bfnru] [file ...]`)
  const { texts, ok } = await inputs(o.rest, io, sh, 'sort')
  const f = (c: string) => o.opts.has(c)
  const key = (s: string) => (f('b') ? s.trimStart() : s)
  const num = (s: string) => {
    const m = /^\s*[-+]?(\d+\.?\d*|\.\d+)/.exec(s)
    return m ? Number(m[0]) : 0
  }
  const cmp = (a: string, b: string): number => {
    if (f('n')) return num(a) - num(b)
    const x = f('f') ? key(a).toUpperCase() : key(a)
    const y = f('f') ? key(b).toUpperCase() : key(b)
    return x < y ? -1 : x > y ? 1 : 0
  }
  const all = texts.flatMap((t) => lines(t.text)).sort((a, b) => (f('r') ? -cmp(a, b) : cmp(a, b)))
  let prev: string | undefined
  for (const l of all) {
    if (f('u') && prev !== undefined && cmp(prev, l) === 0) continue
    await put(io.stdout, l + '\n', sh.wait)
    prev = l
  }
  return ok ? 0 : 2
}

const TR_CLASSES: Readonly<Record<string, string>> = {
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  lower: 'abcdefghijklmnopqrstuvwxyz',
  digit: '0123456789',
  space: ' \t\n\r\f\v',
  blank: ' \t',
}

/** Expands a tr set: ranges `a-z`, classes `[:upper:]`, escapes `\n \t \\`. */
function trSet(s: string): string[] {
  const out: string[] = []
  for (let i = 0; i < s.length; i++) {
    const cls = /^\[:([a-z]+):\]/.exec(s.slice(i))
    if (cls && TR_CLASSES[cls[1]] !== undefined) {
      out.push(...TR_CLASSES[cls[1]])
      i += cls[0].length - 1
      continue
    }
    let c = s[i]
    if (c === '\\' && i + 1 < s.length) {
      const e = s[++i]
      c = e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e
    }
    if (s[i + 1] === '-' && i + 2 < s.length) {
      const end = s.charCodeAt(i + 2)
      for (let k = c.charCodeAt(0); k <= end; k++) out.push(String.fromCharCode(k))
      i += 2
    } else out.push(c)
  }
  return out
}

const tr: Builtin = async (argv, io, sh) => {
  const o = getopt(argv, 'ds')
  if (typeof o === 'string' || !o.rest.length || o.rest.length > 2) {
    return usage(io, 'usage: tr [-ds] string1 [string2]')
  }
  const del = o.opts.has('d')
  const squeeze = o.opts.has('s')
  const set1 = trSet(o.rest[0])
  const set2 = o.rest[1] !== undefined ? trSet(o.rest[1]) : []
  if (!del && !squeeze && !set2.length) return usage(io, 'usage: tr [-ds] string1 string2')
  const map = new Map<string, string>()
  if (!del) for (const [k, c] of set1.entries()) map.set(c, set2[Math.min(k, set2.length - 1)] ?? c)
  const squeezeSet = new Set(del || !set2.length ? (del ? set2 : set1) : set2)
  let last = ''
  for (let chunk = await sh.wait(io.stdin.read()); chunk !== null; chunk = await sh.wait(io.stdin.read())) {
    let out = ''
    for (const ch of chunk) {
      if (del && set1.includes(ch)) continue
      const c = map.get(ch) ?? ch
      if (squeeze && c === last && squeezeSet.has(c)) continue
      out += c
      last = c
    }
    await put(io.stdout, out, sh.wait)
  }
  return 0
}

const tee: Builtin = async (argv, io, sh) => {
  const o = getopt(argv, 'a')
  if (typeof o === 'string') return usage(io, `tee: ${o}\nusage: tee [-a] [file ...]`)
  const outs: FileOut[] = []
  for (const f of o.rest) {
    if (!o.opts.has('a') || !sh.fs.has(f)) sh.fs.truncate(f)
    outs.push(new FileOut(sh.fs, f))
  }
  for (let chunk = await sh.wait(io.stdin.read()); chunk !== null; chunk = await sh.wait(io.stdin.read())) {
    for (const f of outs) f.write(chunk)
    await put(io.stdout, chunk, sh.wait)
  }
  return outs.some((f) => f.full) ? 1 : 0
}

export const TEXT_UTILS: Readonly<Record<string, Builtin>> = Object.freeze({
  cat,
  grep,
  wc,
  head,
  tail,
  seq,
  sort,
  tr,
  tee,
})

/**
 * sed(1): `sed [-Ean] [-i extension] [-e script] ... [script] [file ...]`. Commands: `s` (flags g,
 * p, N, I, w file), `p`, `P`, `d`, `D`, `q`, `=`, `y`, `a\`/`i\`/`c\` (and the one-line forms),
 * `n`, `N`, `h H g G x`, `l`, `w`, `{ }`, `!`, `b`/`t` with labels, `#` comments; addresses are
 * line numbers, `$`, `/re/` or `\%re%` (BRE, or ERE with -E) and ranges `a,b`.
 * `-i ext` edits files in place (with a backup copy unless ext is empty). Errors are
 * `sed: 1: "script": message`, status 1, as FreeBSD's.
 */

import { posixRegex } from '../../bin/sh/bltin/utils.js'
import type { Command } from '../../types.js'
import { readStdin } from './text_input.js'

type Addr = { k: 'line'; n: number } | { k: 'last' } | { k: 're'; re: RegExp | undefined }

interface Cmd {
  a1?: Addr
  a2?: Addr
  neg: boolean
  c: string
  /** s: regex (undefined = last used), replacement, flags; y: maps; a/i/c: text; b/t: label. */
  re?: RegExp | undefined
  repl?: string
  global?: boolean
  nth?: number
  print?: boolean
  wfile?: string
  text?: string
  label?: string
  block?: number
  from?: string
  to?: string
  /** Range state: inside the range since this line. */
  active?: boolean
  end?: number
}

class SedError extends Error {}

/** BSD sed's text argument of a, i, c: `a\` newline text, or `a text` on one line. */
function readText(src: string, i: number): [string, number] {
  let j = i
  while (src[j] === ' ' || src[j] === '\t') j++
  if (src[j] === '\\') {
    j++
    if (src[j] === '\n') j++
  }
  let text = ''
  while (j < src.length && src[j] !== '\n') {
    if (src[j] === '\\' && j + 1 < src.length) {
      j++
      text += src[j]
    } else text += src[j]
    j++
  }
  return [text, j]
}

function compile(src: string, ere: boolean): Cmd[] {
  const cmds: Cmd[] = []
  const blocks: number[] = []
  let i = 0
  const err = (m: string): never => {
    throw new SedError(m)
  }
  const regexUntil = (delim: string): string => {
    let s = ''
    while (i < src.length && src[i] !== delim) {
      if (src[i] === '\n') err('unterminated regular expression')
      if (src[i] === '\\' && i + 1 < src.length) {
        if (src[i + 1] === delim) s += delim
        else if (src[i + 1] === 'n') s += '\n'
        else s += src.slice(i, i + 2)
        i += 2
      } else s += src[i++]
    }
    if (i >= src.length) err('unterminated regular expression')
    i++
    return s
  }
  const mkRe = (s: string, flags = ''): RegExp | undefined => {
    if (s === '') return undefined
    try {
      return new RegExp(posixRegex(s, ere), flags)
    } catch {
      return err(`RE error: ${s}`)
    }
  }
  const addr = (): Addr | undefined => {
    if (/[0-9]/.test(src[i] ?? '')) {
      const m = /^[0-9]+/.exec(src.slice(i))!
      i += m[0].length
      return { k: 'line', n: Number(m[0]) }
    }
    if (src[i] === '$') {
      i++
      return { k: 'last' }
    }
    if (src[i] === '/' || src[i] === '\\') {
      const d = src[i] === '\\' ? src[++i]! : '/'
      i++
      const s = regexUntil(d)
      let flags = ''
      if (src[i] === 'I') {
        flags = 'i'
        i++
      }
      return { k: 're', re: mkRe(s, flags) }
    }
    return undefined
  }
  for (;;) {
    while (i < src.length && /[ \t\n;]/.test(src[i]!)) i++
    if (i >= src.length) break
    if (src[i] === '#') {
      while (i < src.length && src[i] !== '\n') i++
      continue
    }
    const cmd: Cmd = { neg: false, c: '' }
    cmd.a1 = addr()
    if (cmd.a1 && src[i] === ',') {
      i++
      cmd.a2 = addr() ?? err('expected context address')
    }
    while (src[i] === ' ' || src[i] === '\t') i++
    while (src[i] === '!') {
      cmd.neg = true
      i++
      while (src[i] === ' ') i++
    }
    const c = src[i++]
    if (c === undefined) err('command expected')
    cmd.c = c!
    switch (c) {
      case '{':
        blocks.push(cmds.length)
        break
      case '}':
        if (!blocks.length) err('unexpected }')
        cmds[blocks.pop()!]!.end = cmds.length
        break
      case 's': {
        const d = src[i++]
        if (d === undefined || d === '\n' || d === '\\') err('unterminated substitute pattern')
        const re = regexUntil(d!)
        let repl = ''
        while (i < src.length && src[i] !== d) {
          if (src[i] === '\\' && i + 1 < src.length) {
            repl += src[i + 1] === d ? d : src[i + 1] === '\n' ? '\n' : src.slice(i, i + 2)
            i += 2
          } else if (src[i] === '\n') err('unterminated substitute in regular expression')
          else repl += src[i++]
        }
        if (i >= src.length) err('unterminated substitute in regular expression')
        i++
        let flags = ''
        for (;;) {
          const f = src[i]
          if (f === 'g') cmd.global = true
          else if (f === 'p') cmd.print = true
          else if (f === 'I' || f === 'i') flags = 'i'
          else if (f !== undefined && /[0-9]/.test(f)) {
            const m = /^[0-9]+/.exec(src.slice(i))!
            cmd.nth = Number(m[0])
            i += m[0].length - 1
          } else if (f === 'w') {
            i++
            const m = /^[ \t]*([^\n]*)/.exec(src.slice(i))!
            cmd.wfile = m[1]
            i += m[0].length
            break
          } else break
          i++
        }
        cmd.re = mkRe(re, flags)
        cmd.repl = repl
        break
      }
      case 'y': {
        const d = src[i++]!
        const from = regexUntil(d)
        const to = regexUntil(d)
        if ([...from].length !== [...to].length) err('strings for y command are different lengths')
        cmd.from = from
        cmd.to = to
        break
      }
      case 'a':
      case 'i':
      case 'c': {
        const [t, j] = readText(src, i)
        cmd.text = t
        i = j
        break
      }
      case 'b':
      case 't':
      case ':': {
        const m = /^[ \t]*([^;\n}]*)/.exec(src.slice(i))!
        cmd.label = m[1]!.trim()
        i += m[0].length
        if (c === ':' && !cmd.label) err('empty label')
        break
      }
      case 'w':
      case 'r': {
        const m = /^[ \t]*([^\n]*)/.exec(src.slice(i))!
        cmd.wfile = m[1]
        i += m[0].length
        break
      }
      case 'p':
      case 'P':
      case 'd':
      case 'D':
      case 'q':
      case '=':
      case 'n':
      case 'N':
      case 'h':
      case 'H':
      case 'g':
      case 'G':
      case 'x':
      case 'l':
        break
      default:
        err(`invalid command code ${c}`)
    }
    cmds.push(cmd)
  }
  if (blocks.length) err("unexpected EOF (pending }'s)")
  return cmds
}

/** Expands a replacement: & and \1..\9, \n for newline, \& for a literal &. */
function expand(repl: string, m: RegExpExecArray): string {
  return repl.replace(/\\([0-9&\\n])|&/g, (_t, c: string | undefined) => {
    if (c === undefined) return m[0]
    if (c === '&') return '&'
    if (c === '\\') return '\\'
    if (c === 'n') return '\n'
    return m[Number(c)] ?? ''
  })
}

function run(cmds: Cmd[], text: string, quiet: boolean, write: (f: string, s: string) => void): string {
  const input = text.split('\n')
  const endsNl = text.endsWith('\n')
  if (endsNl) input.pop()
  let out = ''
  let ln = 0
  let hold = ''
  let lastRe: RegExp | undefined
  const matchAddr = (a: Addr, ps: string): boolean => {
    if (a.k === 'line') return ln === a.n
    if (a.k === 'last') return ln === input.length
    const re = a.re ?? lastRe
    if (re === undefined) throw new SedError('no previous regular expression')
    lastRe = re
    return re.test(ps)
  }
  const selected = (c: Cmd, ps: string): boolean => {
    let hit: boolean
    if (!c.a1) hit = true
    else if (!c.a2) hit = matchAddr(c.a1, ps)
    else if (c.active) {
      hit = true
      if (c.a2.k === 'line' ? ln >= c.a2.n : matchAddr(c.a2, ps)) c.active = false
    } else if (matchAddr(c.a1, ps)) {
      hit = true
      // A line-number end at or before the start closes the range on this line.
      c.active = c.a2.k === 'line' ? c.a2.n > ln : !(c.a2.k === 'last' && ln === input.length)
    } else hit = false
    return hit !== c.neg
  }
  let steps = 0
  while (ln < input.length) {
    let ps = input[ln++]!
    let append = ''
    let subst = false
    let deleted = false
    let quit = false
    cycle: for (let pc = 0; pc < cmds.length; pc++) {
      if (++steps > 10_000_000) throw new SedError('script ran too long')
      const c = cmds[pc]!
      if (c.c === '}' || c.c === ':') continue
      if (!selected(c, ps)) {
        if (c.c === '{') pc = c.end!
        continue
      }
      switch (c.c) {
        case '{':
          break
        case 's': {
          const re = c.re ?? lastRe
          if (re === undefined) throw new SedError('no previous regular expression')
          lastRe = re
          const g = new RegExp(re.source, `${re.flags.replace('g', '')}g`)
          let n = 0
          let did = false
          const res = ps.replace(g, (...args) => {
            n++
            const m = args.slice(0, -2) as unknown as RegExpExecArray
            if (c.nth !== undefined ? n === c.nth : c.global || n === 1) {
              did = true
              return expand(c.repl!, m)
            }
            return args[0] as string
          })
          if (did) {
            ps = res
            subst = true
            if (c.print) out += `${ps}\n`
            if (c.wfile) write(c.wfile, `${ps}\n`)
          }
          break
        }
        case 'y':
          ps = [...ps]
            .map((ch) => {
              const k = [...c.from!].indexOf(ch)
              return k < 0 ? ch : [...c.to!][k]!
            })
            .join('')
          break
        case 'p':
          out += `${ps}\n`
          break
        case 'P':
          out += `${ps.split('\n')[0]}\n`
          break
        case 'd':
          deleted = true
          break cycle
        case 'D': {
          const nl = ps.indexOf('\n')
          if (nl < 0) {
            deleted = true
            break cycle
          }
          input.splice(ln, 0, ps.slice(nl + 1))
          ln--
          deleted = true
          break cycle
        }
        case 'q':
          quit = true
          break cycle
        case '=':
          out += `${ln}\n`
          break
        case 'a':
          append += `${c.text}\n`
          break
        case 'i':
          out += `${c.text}\n`
          break
        case 'c':
          if (!c.a2 || !c.active) out += `${c.text}\n`
          deleted = true
          break cycle
        case 'n':
          if (!quiet) out += `${ps}\n`
          if (ln >= input.length) {
            quit = true
            deleted = true
            break cycle
          }
          ps = input[ln++]!
          break
        case 'N':
          if (ln >= input.length) break cycle
          ps += `\n${input[ln++]}`
          break
        case 'h':
          hold = ps
          break
        case 'H':
          hold += `\n${ps}`
          break
        case 'g':
          ps = hold
          break
        case 'G':
          ps += `\n${hold}`
          break
        case 'x':
          ;[ps, hold] = [hold, ps]
          break
        case 'l':
          out += `${ps.replace(/\\/g, '\\\\').replace(/\t/g, '\\t')}$\n`
          break
        case 'w':
          write(c.wfile!, `${ps}\n`)
          break
        case 'r':
          break
        case 'b':
        case 't': {
          if (c.c === 't') {
            if (!subst) break
            subst = false
          }
          if (!c.label) {
            pc = cmds.length
            break
          }
          const at = cmds.findIndex((x) => x.c === ':' && x.label === c.label)
          if (at < 0) throw new SedError(`undefined label: ${c.label}`)
          pc = at
          break
        }
      }
    }
    if (!deleted && !quiet) out += `${ps}\n`
    out += append
    if (quit) break
  }
  // Like FreeBSD's sed, a last line without a newline is written without one.
  if (!endsNl && out.endsWith('\n') && text !== '') out = out.slice(0, -1)
  return out
}

const USAGE =
  'usage: sed script [-Ealnru] [-i extension] [file ...]\n\tsed [-Ealnu] [-i extension] [-e script] ... [-f script_file] ... [file ...]\n'

export const sed: Command = async (argv, io, proc) => {
  const scripts: string[] = []
  let quiet = false
  let ere = false
  let inPlace: string | undefined
  let i = 1
  for (; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') {
      i++
      break
    }
    if (a[0] !== '-' || a.length < 2) break
    for (let k = 1; k < a.length; k++) {
      const o = a[k]!
      if (o === 'n') quiet = true
      else if (o === 'E' || o === 'r') ere = true
      else if (o === 'u' || o === 'l' || o === 'a') continue
      else if (o === 'e' || o === 'f' || o === 'i' || o === 'I') {
        const v = k + 1 < a.length ? a.slice(k + 1) : argv[++i]
        if (v === undefined) {
          io.stderr.write(`sed: option requires an argument -- ${o}\n${USAGE}`)
          return 1
        }
        if (o === 'e') scripts.push(v)
        else if (o === 'f') {
          const t = proc.fs.read(v)
          if (t === undefined) {
            io.stderr.write(`sed: ${v}: No such file or directory\n`)
            return 1
          }
          scripts.push(t)
        } else inPlace = v
        break
      } else {
        io.stderr.write(`sed: illegal option -- ${o}\n${USAGE}`)
        return 1
      }
    }
  }
  if (!scripts.length) {
    const s = argv[i++]
    if (s === undefined) {
      io.stderr.write(USAGE)
      return 1
    }
    scripts.push(s)
  }
  const script = scripts.join('\n')
  const files = argv.slice(i)
  let cmds: Cmd[]
  try {
    cmds = compile(script, ere)
  } catch (e) {
    if (!(e instanceof SedError)) throw e
    io.stderr.write(`sed: 1: "${script}": ${e.message}\n`)
    return 1
  }
  const wfiles = new Set<string>()
  const write = (f: string, s: string): void => {
    if (f === '/dev/stdout') void io.stdout.write(s)
    else if (f === '/dev/stderr') io.stderr.write(s)
    else {
      if (!wfiles.has(f)) proc.fs.truncate(f)
      wfiles.add(f)
      proc.fs.append(f, s)
    }
  }
  let status = 0
  try {
    if (inPlace !== undefined) {
      if (!files.length) {
        io.stderr.write('sed: -I or -i may not be used with stdin\n')
        return 1
      }
      for (const f of files) {
        const t = proc.fs.read(f)
        if (t === undefined) {
          io.stderr.write(`sed: ${f}: No such file or directory\n`)
          status = 1
          continue
        }
        for (const c of cmds) c.active = false
        const res = run(cmds, t, quiet, write)
        if (inPlace !== '') {
          proc.fs.truncate(f + inPlace)
          proc.fs.append(f + inPlace, t)
        }
        proc.fs.truncate(f)
        proc.fs.append(f, res)
      }
      return status
    }
    let text = ''
    for (const f of files.length ? files : ['-']) {
      const t = f === '-' ? await readStdin(io) : proc.fs.read(f)
      if (t === undefined) {
        io.stderr.write(`sed: ${f}: No such file or directory\n`)
        status = 1
        continue
      }
      text += t && !t.endsWith('\n') && f !== files[files.length - 1] ? `${t}\n` : t
    }
    await io.stdout.write(run(cmds, text, quiet, write))
  } catch (e) {
    if (!(e instanceof SedError)) throw e
    io.stderr.write(`sed: ${e.message}\n`)
    return 1
  }
  return status
}

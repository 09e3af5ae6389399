/**
 * awk(1): `awk [-F fs] [-v var=value] [-f progfile | 'prog'] [file | var=value ...]`, the POSIX
 * language (parse.ts, interp.ts) over the process's files and stdin. Errors are `awk: message`
 * with status 2, as FreeBSD's awk gives; `exit N` sets the status. Output to `/dev/stderr` and to
 * files (`print > f`, `>> f`) works; commands (`| cmd`, `system()`) are not run.
 */

import type { Command, InStream } from '../../types.js'
import { Awk, AwkError } from './interp.js'
import { AwkSyntaxError, parseAwk } from './parse.js'

const USAGE = 'usage: awk [-F fs][-v var=value][-safe][-version] [prog | -f progfile][file ...]'
/** Most output kept before it is written (programs write through when it fills). */
const MAX_OUT = 16 * 1024 * 1024

async function readAll(input: InStream): Promise<string> {
  let s = ''
  for (let c = await input.read(); c !== null; c = await input.read()) {
    s += c
    if (s.length > MAX_OUT) throw new AwkError('input too large')
  }
  return s
}

export const awk: Command = async (argv, io, proc) => {
  let fs: string | undefined
  const assigns: Array<[string, string]> = []
  const progFiles: string[] = []
  let i = 1
  for (; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') {
      i++
      break
    }
    if (a.length < 2 || a[0] !== '-') break
    const o = a[1]
    if (o === 'F' || o === 'v' || o === 'f') {
      const v = a.length > 2 ? a.slice(2) : argv[++i]
      if (v === undefined) {
        io.stderr.write(
          `awk: no ${o === 'F' ? 'field separator' : o === 'v' ? 'variable name' : 'program filename'}\n`,
        )
        return 2
      }
      if (o === 'F') fs = v === 't' ? '\t' : v.replace(/\\t/g, '\t')
      else if (o === 'f') progFiles.push(v)
      else {
        const eq = v.indexOf('=')
        if (eq <= 0) {
          io.stderr.write(`awk: invalid -v argument: ${v}\n`)
          return 2
        }
        assigns.push([v.slice(0, eq), v.slice(eq + 1)])
      }
    } else if (a === '-version' || a === '--version') {
      io.stdout.write('awk version 20240728 (FreeBSD)\n')
      return 0
    } else if (a === '-safe') {
      // system() and pipes are never run here anyway
    } else {
      io.stderr.write(`awk: unknown option ${a} ignored\n`)
    }
  }
  let src: string
  if (progFiles.length) {
    const texts: string[] = []
    for (const f of progFiles) {
      const t = proc.fs.read(f)
      if (t === undefined) {
        io.stderr.write(`awk: can't open file ${f}\n source line number 1\n`)
        return 2
      }
      texts.push(t)
    }
    src = texts.join('\n')
  } else {
    const p = argv[i++]
    if (p === undefined) {
      io.stderr.write(`${USAGE}\n`)
      return 2
    }
    src = p
  }
  const operands = argv.slice(i)

  let out = ''
  const flush = async (): Promise<void> => {
    if (!out) return
    const s = out
    out = ''
    const p = io.stdout.write(s)
    if (p) await p
  }
  const files = new Set<string>()
  try {
    const prog = parseAwk(src)
    const vm = new Awk(prog, {
      emit: (dest, s, append) => {
        if (dest === undefined || dest === '/dev/stdout' || dest === '-') {
          out += s
          if (out.length > MAX_OUT) throw new AwkError('output too large')
        } else if (dest === '/dev/stderr') io.stderr.write(s)
        else {
          if (!append && !files.has(dest)) proc.fs.truncate(dest)
          files.add(dest)
          if (!proc.fs.append(dest, s)) throw new AwkError(`can't write to ${dest}`)
        }
      },
      readFile: (p) => proc.fs.read(p),
      environ: proc.env,
    })
    if (fs !== undefined) vm.assignVar('FS', fs)
    for (const [k, v] of assigns) vm.assignVar(k, v)
    if (vm.begin()) {
      let read = false
      for (const op of operands) {
        const eq = /^[A-Za-z_][A-Za-z0-9_]*=/.exec(op)
        if (eq) {
          vm.assignVar(eq[0].slice(0, -1), op.slice(eq[0].length))
          continue
        }
        read = true
        const text = op === '-' || op === '/dev/stdin' ? await readAll(io.stdin) : proc.fs.read(op)
        if (text === undefined) {
          await flush()
          io.stderr.write(`awk: can't open file ${op}\n source line number 1\n`)
          return 2
        }
        vm.input(op, text)
        await flush()
        if (vm.exited) break
      }
      if (!read && !vm.exited) {
        vm.input('', await readAll(io.stdin))
      }
      vm.end()
    } else if (!vm.exited || prog.items.some((it) => it.pattern === 'END')) {
      vm.end()
    }
    await flush()
    return vm.exitCode
  } catch (e) {
    await flush()
    if (e instanceof AwkSyntaxError) {
      io.stderr.write(`awk: ${e.message}\n source line number 1\n`)
      return 2
    }
    if (e instanceof AwkError) {
      io.stderr.write(`awk: ${e.message}\n`)
      return 2
    }
    throw e
  }
}

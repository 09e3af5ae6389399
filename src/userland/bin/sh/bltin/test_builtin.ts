/**
 * `test` and `[` (POSIX test(1) with FreeBSD's messages): string, integer and file primaries,
 * `!`, `-a`, `-o` and parentheses. File primaries look at the shell's in-memory files, since
 * there is no filesystem. Exit status 0 true, 1 false, 2 error.
 */

import type { FileSystem } from '../../../types.js'

class TestError extends Error {}

const UNARY: ReadonlySet<string> = new Set([
  '-n',
  '-z',
  '-e',
  '-f',
  '-d',
  '-s',
  '-r',
  '-w',
  '-x',
  '-L',
  '-h',
  '-t',
  '-c',
  '-b',
  '-p',
  '-S',
])
const BINARY: ReadonlySet<string> = new Set([
  '=',
  '==',
  '!=',
  '<',
  '>',
  '-eq',
  '-ne',
  '-lt',
  '-le',
  '-gt',
  '-ge',
])
const DIRS: ReadonlySet<string> = new Set(['/', '.', '/dev', '/tmp'])
const DEVICES: ReadonlySet<string> = new Set(['/dev/null', '/dev/stdin', '/dev/stdout', '/dev/stderr'])

function int(s: string): bigint {
  if (!/^\s*[+-]?[0-9]+\s*$/.test(s)) throw new TestError(`${s}: bad number`)
  return BigInt(s.trim())
}

function unary(op: string, a: string, fs: FileSystem): boolean {
  switch (op) {
    case '-n':
      return a !== ''
    case '-z':
      return a === ''
    case '-e':
    case '-r':
    case '-w':
      return fs.has(a) || DIRS.has(a) || DEVICES.has(a) || fs.readdir(a) !== undefined
    case '-f':
      return fs.has(a)
    case '-s':
      return (fs.read(a) ?? '') !== '' || DIRS.has(a)
    case '-d':
      return DIRS.has(a) || (!fs.has(a) && fs.readdir(a) !== undefined)
    case '-c':
      return DEVICES.has(a)
  }
  return false // -x -L -h -t -b -p -S: nothing in the in-memory files is any of those
}

function binary(a: string, op: string, b: string): boolean {
  switch (op) {
    case '=':
    case '==':
      return a === b
    case '!=':
      return a !== b
    case '<':
      return a < b
    case '>':
      return a > b
    case '-eq':
      return int(a) === int(b)
    case '-ne':
      return int(a) !== int(b)
    case '-lt':
      return int(a) < int(b)
    case '-le':
      return int(a) <= int(b)
    case '-gt':
      return int(a) > int(b)
    case '-ge':
      return int(a) >= int(b)
  }
  throw new TestError(`${op}: unknown operator`)
}

/** The general grammar, for more than four arguments (and what the POSIX rules leave to it). */
class Expr {
  private i = 0

  constructor(
    private readonly a: readonly string[],
    private readonly fs: FileSystem,
  ) {}

  run(): boolean {
    const v = this.or()
    if (this.i < this.a.length) throw new TestError(`${this.a[this.i]}: unexpected operator`)
    return v
  }

  private or(): boolean {
    let v = this.and()
    while (this.a[this.i] === '-o') {
      this.i++
      v = this.and() || v
    }
    return v
  }

  private and(): boolean {
    let v = this.not()
    while (this.a[this.i] === '-a') {
      this.i++
      v = this.not() && v
    }
    return v
  }

  private not(): boolean {
    if (this.a[this.i] === '!' && this.i + 1 < this.a.length) {
      this.i++
      return !this.not()
    }
    return this.primary()
  }

  private primary(): boolean {
    const a = this.a
    const t = a[this.i]
    if (t === undefined) throw new TestError('argument expected')
    if (BINARY.has(a[this.i + 1] ?? '') && this.i + 2 < a.length) {
      this.i += 3
      return binary(t, a[this.i - 2], a[this.i - 1])
    }
    if (t === '(' && this.i + 1 < a.length) {
      this.i++
      const v = this.or()
      if (a[this.i] !== ')') throw new TestError('closing paren expected')
      this.i++
      return v
    }
    if (UNARY.has(t) && this.i + 1 < a.length) {
      this.i += 2
      return unary(t, a[this.i - 1], this.fs)
    }
    this.i++
    return t !== ''
  }
}

/** POSIX's rules by argument count, which make `[ "$x" = -n ]` and `[ -n ]` unambiguous. */
function evaluate(a: readonly string[], fs: FileSystem): boolean {
  switch (a.length) {
    case 0:
      return false
    case 1:
      return a[0] !== ''
    case 2:
      if (a[0] === '!') return a[1] === ''
      if (UNARY.has(a[0])) return unary(a[0], a[1], fs)
      throw new TestError(`${a[0]}: unary operator expected`)
    case 3:
      if (BINARY.has(a[1])) return binary(a[0], a[1], a[2])
      if (a[1] === '-a') return a[0] !== '' && a[2] !== ''
      if (a[1] === '-o') return a[0] !== '' || a[2] !== ''
      if (a[0] === '!') return !evaluate(a.slice(1), fs)
      if (a[0] === '(' && a[2] === ')') return a[1] !== ''
      break
    case 4:
      if (a[0] === '!') return !evaluate(a.slice(1), fs)
      if (a[0] === '(' && a[3] === ')') return evaluate(a.slice(1, 3), fs)
      break
  }
  return new Expr(a, fs).run()
}

/** Runs `test`/`[` (argv[0] names which); returns the exit status and an error message, if any. */
export function runTest(argv: readonly string[], fs: FileSystem): { status: number; error?: string } {
  let args = argv.slice(1)
  if (argv[0] === '[') {
    if (args[args.length - 1] !== ']') return { status: 2, error: 'missing ]' }
    args = args.slice(0, -1)
  }
  try {
    return { status: evaluate(args, fs) ? 0 : 1 }
  } catch (e) {
    if (e instanceof TestError) return { status: 2, error: e.message }
    throw e
  }
}

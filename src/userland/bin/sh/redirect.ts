/**
 * The shell's redirections (`<`, `>`, `>>`, `<>`, `<&`, `>&`, here-documents) around one command: the
 * streams a command sees, opened from the shell's in-memory files. Only descriptors 0-2 exist; a
 * failed redirection skips the command with status 1 (POSIX 2.8.1) and never throws past here.
 */

import type { FileSystem, OutStream } from '../../types.js'
import { type ExpandHost, expandString } from './expand.js'
import type { Redir } from './parser.js'
import { FileOut, nullOut, PushbackIn, type ShIn, type ShIo } from './streams.js'

/** Applies redirections around fn; a failed redirection skips fn and gives status 1. */
export async function withRedirs(
  fs: FileSystem,
  ex: ExpandHost,
  redirs: readonly Redir[],
  io: ShIo,
  fn: (io: ShIo) => Promise<number>,
): Promise<number> {
  if (!redirs.length) return fn(io)
  const files: FileOut[] = []
  let rio: ShIo
  try {
    rio = await redirect(fs, ex, redirs, io, files)
  } catch (e) {
    if (!(e instanceof RedirError)) throw e
    io.stderr.write(`sh: ${e.message}\n`)
    return 1
  }
  try {
    return await fn(rio)
  } finally {
    for (const f of files) if (f.full) io.stderr.write(`sh: ${f.path}: No space left on device\n`)
  }
}

async function redirect(
  fs: FileSystem,
  ex: ExpandHost,
  redirs: readonly Redir[],
  io: ShIo,
  files: FileOut[],
): Promise<ShIo> {
  let stdin: ShIn = io.stdin
  const out: [OutStream, OutStream] = [io.stdout, io.stderr]
  for (const r of redirs) {
    const target = await expandString(r.target, ex)
    const input = r.op === '<' || r.op === '<&' || r.op === '<>' || r.op === '<<' || r.op === '<<-'
    const fd = r.fd ?? (input ? 0 : 1)
    if (fd > 2) throw new RedirError(`${fd}: bad file descriptor`)
    if (r.op === '<<' || r.op === '<<-') {
      if (fd !== 0) throw new RedirError(`${fd}: here-document on an output descriptor`)
      stdin = PushbackIn.of(target)
    } else if (r.op === '<&' || r.op === '>&') {
      if (target === '-') {
        if (fd === 0) stdin = new PushbackIn(null)
        else out[fd - 1] = nullOut
      } else if (fd === 0) {
        if (target !== '0') throw new RedirError(`${target}: bad file descriptor`)
      } else if (target === '1' || target === '2') out[fd - 1] = out[Number(target) - 1]
      else throw new RedirError(`${target}: bad file descriptor`)
    } else if (input) {
      if (fd !== 0) throw new RedirError(`${fd}: input redirection on an output descriptor`)
      stdin = openIn(fs, target, io)
    } else {
      if (fd === 0) throw new RedirError('0: output redirection on standard input')
      out[fd - 1] = openOut(fs, target, r.op === '>>', out, files)
    }
  }
  return { stdin, stdout: out[0], stderr: out[1] }
}

function openIn(fs: FileSystem, path: string, io: ShIo): ShIn {
  if (path === '/dev/null') return new PushbackIn(null)
  if (path === '/dev/stdin') return io.stdin
  const text = fs.read(path)
  if (text === undefined) throw new RedirError(`${path}: No such file or directory`)
  return PushbackIn.of(text)
}

function openOut(
  fs: FileSystem,
  path: string,
  append: boolean,
  cur: [OutStream, OutStream],
  files: FileOut[],
): OutStream {
  switch (path) {
    case '/dev/null':
      return nullOut
    case '/dev/stdout':
      return cur[0]
    case '/dev/stderr':
      return cur[1]
  }
  if (!path) throw new RedirError(': No such file or directory')
  if (!append || !fs.has(path)) {
    if (!fs.truncate(path)) throw new RedirError(`${path}: Too many open files`)
  }
  const f = new FileOut(fs, path)
  files.push(f)
  return f
}

class RedirError extends Error {}

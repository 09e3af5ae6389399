/**
 * The process's own stdin/stdout/stderr as a userland Io, and script files as input streams.
 * stdin is only opened when a program first reads it, so scripts that never read do not keep the
 * process waiting for input. A write to a full stdout returns a promise for its drain, so a writer
 * that waits for it never piles up more than Node's buffer.
 */

import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs'
import type { InStream, Io, OutStream } from '../../userland/types.js'

class StdinStream implements InStream {
  private iter: AsyncIterator<Buffer | string> | null = null

  async read(): Promise<string | null> {
    this.iter ??= process.stdin[Symbol.asyncIterator]()
    const r = await this.iter.next()
    return r.done ? null : String(r.value)
  }
}

function out(stream: NodeJS.WriteStream): OutStream {
  return {
    write: (s) => (stream.write(s) ? undefined : new Promise<void>((r) => stream.once('drain', r))),
  }
}

/**
 * A file read in chunks as its reader asks (a script is run as it is read, never loaded whole).
 * Opens it at once, so a missing file throws here with its errno code.
 */
export function fileInput(path: string): InStream {
  const fd = openSync(path, 'r')
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd)
    throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR' })
  }
  const iter = createReadStream('', { fd, encoding: 'utf8', highWaterMark: 64 * 1024 })[
    Symbol.asyncIterator
  ]()
  return {
    async read(): Promise<string | null> {
      const r = await iter.next()
      return r.done ? null : String(r.value)
    },
  }
}

export function nodeStdio(): Io {
  return { stdin: new StdinStream(), stdout: out(process.stdout), stderr: out(process.stderr) }
}

/** Exit once everything written to stdout and stderr has been flushed. */
export function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
}

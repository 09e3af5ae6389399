/**
 * The process's own stdin/stdout/stderr as a userland Io. stdin is only opened when a program
 * first reads it, so scripts that never read do not keep the process waiting for input.
 */

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
  return { write: (s) => void stream.write(s) }
}

export function nodeStdio(): Io {
  return { stdin: new StdinStream(), stdout: out(process.stdout), stderr: out(process.stderr) }
}

/** Exit once everything written to stdout and stderr has been flushed. */
export function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
}

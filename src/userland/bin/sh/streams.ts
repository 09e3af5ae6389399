/**
 * The shell's in-memory plumbing: pipes between pipeline stages, capture buffers for `$(...)`,
 * /dev/null, string inputs, and MemFs — the small bounded file map that stands in for a
 * filesystem so `echo x > f; cat f` works. Everything here is bounded or loud: a pipe holds about
 * PIPE_SIZE and makes its writer wait beyond (see Pipe), a capture or a file that runs full says
 * so. No OS access and no timers.
 */

import { childNames, HIER, trimDir } from '../../fs/fs_dirs.js'
import type { FileSystem, InStream, OutStream } from '../../types.js'

/** A shell input: an InStream that can take back what a reader did not use (`read` reads a line). */
export interface ShIn extends InStream {
  unread(s: string): void
}

/** Io as the interpreter passes it around: every stdin supports unread. */
export interface ShIo {
  readonly stdin: ShIn
  readonly stdout: OutStream
  readonly stderr: OutStream
}

export const MiB = 1024 * 1024

/** Wraps any InStream (or none: immediate end of file) with a pushback buffer. */
export class PushbackIn implements ShIn {
  private readonly back: string[] = []

  constructor(private readonly src: InStream | null) {}

  static of(text: string): PushbackIn {
    const p = new PushbackIn(null)
    p.unread(text)
    return p
  }

  read(): Promise<string | null> {
    const s = this.back.pop()
    return s !== undefined ? Promise.resolve(s) : this.src ? this.src.read() : Promise.resolve(null)
  }

  unread(s: string): void {
    if (s) this.back.push(s)
  }
}

export const nullOut: OutStream = { write() {} }

/** How much a pipe holds before its writer must wait: FreeBSD's BIG_PIPE_SIZE. */
export const PIPE_SIZE = 64 * 1024

/**
 * A pipe between two pipeline stages. The writer closes it when its stage ends (the reader then
 * sees end of file); the reader calls closeRead when its stage ends, after which writes are
 * discarded and the first one calls onBroken — the shell's SIGPIPE.
 *
 * Writes are synchronous (OutStream), so a write never blocks and nothing is ever dropped: past
 * PIPE_SIZE the write still takes the data but returns a promise that settles once the reader has
 * drained the pipe below PIPE_SIZE (or is gone). A writer that awaits it — every shell builtin
 * does, through `put` — is held back exactly as by a full Unix pipe, so a pipe holds about
 * PIPE_SIZE plus one write. Reads hand out at most PIPE_SIZE at a time.
 */
export class Pipe implements ShIn, OutStream {
  private buf: string[] = []
  private size = 0
  private eof = false
  private broken = false
  private readers: (() => void)[] = []
  private writers: (() => void)[] = []
  onBroken: (() => void) | undefined = undefined

  constructor(private readonly cap = PIPE_SIZE) {}

  get closed(): boolean {
    return this.broken
  }

  write(s: string): Promise<void> | undefined {
    if (!s || this.eof) return undefined
    if (this.broken) {
      const f = this.onBroken
      this.onBroken = undefined
      f?.()
      return undefined
    }
    this.buf.push(s)
    this.size += s.length
    this.wake(this.readers)
    this.readers = []
    if (this.size < this.cap) return undefined
    return new Promise<void>((r) => this.writers.push(r))
  }

  close(): void {
    this.eof = true
    this.wake(this.readers)
    this.readers = []
  }

  closeRead(): void {
    this.broken = true
    this.buf = []
    this.size = 0
    this.wake(this.readers)
    this.readers = []
    this.wake(this.writers)
    this.writers = []
  }

  async read(): Promise<string | null> {
    for (;;) {
      if (this.buf.length) {
        let s = this.buf.length === 1 ? this.buf[0] : this.buf.join('')
        this.buf = []
        if (s.length > this.cap) {
          // Hand out one pipe's worth (not splitting a surrogate pair) and keep the rest.
          const cut = isHighSurrogate(s.charCodeAt(this.cap - 1)) ? this.cap + 1 : this.cap
          if (cut < s.length) {
            this.buf.push(s.slice(cut))
            s = s.slice(0, cut)
          }
        }
        this.size -= s.length
        if (this.size < this.cap) {
          this.wake(this.writers)
          this.writers = []
        }
        return s
      }
      if (this.eof || this.broken) return null
      await new Promise<void>((r) => this.readers.push(r))
    }
  }

  unread(s: string): void {
    if (!s) return
    this.buf.unshift(s)
    this.size += s.length
  }

  private wake(waiters: (() => void)[]): void {
    for (const r of waiters) r()
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff
}

/**
 * Writes s to out and, when out's reader is behind (the write returned a promise), waits for it
 * through `wait` so a kill still ends the wait: the blocking write of a full pipe.
 */
export async function put(out: OutStream, s: string, wait: <T>(p: Promise<T>) => Promise<T>): Promise<void> {
  const p = out.write(s)
  if (p) await wait(p)
}

/** Collects output (for `$(...)`), keeping at most cap characters. */
export class Capture implements OutStream {
  private parts: string[] = []
  private size = 0
  truncated = false

  constructor(private readonly cap = 16 * MiB) {}

  get full(): boolean {
    return this.truncated
  }

  write(s: string): void {
    if (this.size + s.length > this.cap) {
      s = s.slice(0, this.cap - this.size)
      this.truncated = true
    }
    if (!s) return
    this.parts.push(s)
    this.size += s.length
  }

  text(): string {
    return this.parts.join('')
  }
}

/** Whether writing more to out is pointless (its reader is gone or it is full): stops `seq`, `yes`... */
export function outputClosed(out: OutStream): boolean {
  return (out instanceof Pipe && out.closed) || (out instanceof Capture && out.full)
}

/**
 * Reads one line (without its newline) and pushes back the rest of the chunk. Returns null at end
 * of file; `eol` is false for a last line without a newline.
 */
export async function readLine(
  input: ShIn,
  wait: <T>(p: Promise<T>) => Promise<T>,
  max = 16 * MiB,
): Promise<{ line: string; eol: boolean } | null> {
  let acc = ''
  for (;;) {
    const chunk = await wait(input.read())
    if (chunk === null) return acc ? { line: acc, eol: false } : null
    const nl = chunk.indexOf('\n')
    if (nl >= 0) {
      input.unread(chunk.slice(nl + 1))
      return { line: acc + chunk.slice(0, nl), eol: true }
    }
    acc += chunk
    if (acc.length > max) return { line: acc, eol: false }
  }
}

/**
 * Reads to end of file; null (after reading on to the end) when there was more than max
 * characters — the caller says it ran out of memory rather than working on part of its input.
 */
export async function readAll(
  input: ShIn,
  wait: <T>(p: Promise<T>) => Promise<T>,
  max = 16 * MiB,
): Promise<string | null> {
  let parts: string[] | null = []
  let size = 0
  for (;;) {
    const chunk = await wait(input.read())
    if (chunk === null) return parts?.join('') ?? null
    size += chunk.length
    if (size > max) parts = null
    parts?.push(chunk)
  }
}

/**
 * The shell's stand-in filesystem: a flat map from path to contents, bounded in total size and
 * number of files, shared by a session and all its subshells. Paths are taken literally.
 */
export class MemFs implements FileSystem {
  private readonly files = new Map<string, string>()
  /** Directories made with mkdir (others exist while files lie below them). */
  private readonly dirs = new Set<string>()
  private total = 0

  constructor(
    readonly cap = 16 * MiB,
    readonly maxFiles = 1024,
  ) {}

  read(path: string): string | undefined {
    return path === '/dev/null' ? '' : this.files.get(path)
  }

  has(path: string): boolean {
    return this.files.has(path)
  }

  list(): string[] {
    return [...this.files.keys()]
  }

  /** Create or empty a file; false if there are too many files. */
  truncate(path: string): boolean {
    const old = this.files.get(path)
    if (old === undefined && this.files.size + this.dirs.size >= this.maxFiles) return false
    this.total -= old?.length ?? 0
    this.files.set(path, '')
    return true
  }

  /** Append as much of s as fits; false if some of it did not. */
  append(path: string, s: string): boolean {
    const old = this.files.get(path)
    if (old === undefined && !this.truncate(path)) return false
    const room = this.cap - this.total
    const part = s.length > room ? s.slice(0, room) : s
    this.files.set(path, (old ?? '') + part)
    this.total += part.length
    return part.length === s.length
  }

  remove(path: string): void {
    const old = this.files.get(path)
    if (old === undefined) return
    this.total -= old.length
    this.files.delete(path)
  }

  mkdir(path: string): boolean {
    const p = trimDir(path)
    if (this.dirs.has(p)) return true
    if (this.files.size + this.dirs.size >= this.maxFiles) return false
    this.dirs.add(p)
    return true
  }

  readdir(path: string): string[] | undefined {
    const p = trimDir(path)
    if (this.files.has(p)) return undefined
    const names = childNames([...this.files.keys(), ...this.dirs], p)
    return names ?? (this.dirs.has(p) || HIER.has(p) ? [] : undefined)
  }

  rmdir(path: string): void {
    this.dirs.delete(trimDir(path))
  }
}

/** An OutStream appending to a MemFs file; remembers whether the filesystem ran full. */
export class FileOut implements OutStream {
  full = false

  constructor(
    private readonly fs: FileSystem,
    readonly path: string,
  ) {}

  write(s: string): void {
    if (!this.full && s && !this.fs.append(this.path, s)) this.full = true
  }
}

/**
 * What a userland program is: a runtime-neutral async function `(argv, io, proc) -> exit status`
 * that sees the system only through `proc.sys`, the syscall API bound to its credential. The same
 * programs back `virtnet sh`, the emulator and (later) a browser terminal.
 */

import type { Syscalls } from '../host/syscalls.js'

export interface OutStream {
  /**
   * Takes all of s. A promise back means the reader is behind (a full pipe): a writer with more
   * to say should wait for it, as a Unix write blocks; one that does not only makes the buffer grow.
   */
  write(s: string): void | Promise<void>
}

export interface InStream {
  /** Next chunk of input, or null at end of file. */
  read(): Promise<string | null>
}

export interface Io {
  readonly stdin: InStream
  readonly stdout: OutStream
  readonly stderr: OutStream
}

/**
 * The files a process sees: the shell's redirections write them, programs read them (`ngctl -f`).
 * One per process tree, shared by a process and everything it starts. Paths are taken literally.
 */
export interface FileSystem {
  /** Contents, or undefined if there is no such file. */
  read(path: string): string | undefined
  has(path: string): boolean
  list(): string[]
  /** Create or empty a file; false if there are too many files. */
  truncate(path: string): boolean
  /** Append as much of s as fits; false if some of it did not. */
  append(path: string, s: string): boolean
  remove(path: string): void
  /**
   * mkdir(2): make one directory (its parent need not have been made: a file's path names its
   * place). False if there are too many files; a directory counts as one.
   */
  mkdir(path: string): boolean
  /**
   * The names in a directory, sorted, or undefined if `path` is no directory. A directory exists
   * once made, when it is one of hier(7)'s, or while anything lies below it.
   */
  readdir(path: string): string[] | undefined
  /** rmdir(2) without the emptiness check: forgets a made directory (its files stay). */
  rmdir(path: string): void
}

export interface SpawnOptions {
  /** Run in this jail (name or jid) instead of the caller's; the caller must be allowed to attach. */
  jail?: string
  /** Run as this uid instead of the caller's. */
  uid?: number
  /** Extra environment for the child. */
  env?: ReadonlyMap<string, string>
  /** chroot(2) the child to this directory of the caller's file tree. */
  root?: string
  /** The child's working directory (cwd_fs.ts), relative paths taken from the caller's; not with `jail`. */
  cwd?: string
}

/** A started child process. */
export interface Job {
  readonly pid: number
  /** Resolves with the exit status (128+signal when killed). */
  readonly done: Promise<number>
  kill(signal?: number): void
}

export interface Proc {
  readonly pid: number
  /** The kernel as this process sees it: every call is checked against the process's credential. */
  readonly sys: Syscalls
  readonly env: Map<string, string>
  /** The file system, inherited by the processes this one starts. */
  readonly fs: FileSystem
  /**
   * Sleep on the host clock (virtual or real). Resolves early, giving its timer back, when the
   * process is killed or `until` settles.
   */
  sleep(ns: number, until?: Promise<unknown>): Promise<void>
  readonly killed: boolean
  /** Register a kill handler; returns a function that unregisters it. */
  onKill(fn: () => void): () => void
  /**
   * Catch `signal` (sigaction(2)): while registered, delivering it calls fn instead of killing the
   * process. SIGKILL and SIGSTOP cannot be caught (EINVAL). Returns a function that unregisters it.
   */
  onSignal(signal: number, fn: () => void): () => void
  /** Start a program as a child process. Throws SysError(ENOENT) for an unknown command. */
  spawn(argv: readonly string[], io: Io, opts?: SpawnOptions): Job
  /** Whether a program of this name exists. */
  has(name: string): boolean
}

export type Command = (argv: readonly string[], io: Io, proc: Proc) => Promise<number>

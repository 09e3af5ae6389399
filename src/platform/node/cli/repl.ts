/**
 * The interactive front end of `virtnet sh` and `virtnet run`: a node:readline line editor (history,
 * tab completion) over a ShellSession or the lab console. Completes command names where a command
 * starts, jail names after `jexec` (through a hook), and anything else through another hook. Ctrl-C
 * interrupts the running line; Ctrl-D (end of input) or `exit` ends the REPL. Input typed while a
 * line runs is queued. The session's Io should not read process.stdin: readline owns it (see replIo).
 */

import * as readline from 'node:readline'
import type { Io } from '../../../userland/types.js'

/**
 * What the REPL drives: a ShellSession (`virtnet sh`) or the lab console (`virtnet run`). Both run one
 * input at a time and say when they were told to exit.
 */
export interface ReplSession {
  /** The exit status once the session has ended (`exit`), else undefined. */
  readonly exited: number | undefined
  /** Status of the last input. */
  readonly status: number
  runLine(text: string): Promise<number>
  /** Ctrl-C while a line runs. */
  interrupt(): void
  /** Whether text is incomplete and another line should be read. */
  needsMore(text: string): boolean
  /** Candidates for the first word of a command. */
  completions(prefix: string): string[]
}

export interface ReplOptions {
  /** The prompt, e.g. `virtnet# ` for root or `$ ` otherwise. */
  prompt: string
  /** Candidates for an argument word, given the line up to the cursor (filtered by prefix here). */
  complete?(line: string): readonly string[]
  /** Jail names, completed after `jexec` (and `jexec -U user`). */
  jails?(): readonly string[]
  /** Defaults: process.stdin / process.stdout; `terminal` defaults to output.isTTY. */
  input?: NodeJS.ReadableStream
  output?: NodeJS.WritableStream
  terminal?: boolean
  /** Lines of history kept (default 1000). */
  historySize?: number
}

/** Words that leave the next word in command position. */
const COMMAND_STARTERS: ReadonlySet<string> = new Set([
  'then',
  'do',
  'else',
  'elif',
  '!',
  '{',
  'if',
  'while',
  'until',
  'time',
])

/** The completer readline calls: candidates for the word before the cursor, and that word. */
export function completer(session: ReplSession, opts: Pick<ReplOptions, 'complete' | 'jails'>) {
  return (line: string): [string[], string] => {
    const word = /[^\s;&|()<>]*$/.exec(line)![0]
    // Only the words of the current command matter: after the last ; & | ( or newline.
    const cmd = line
      .slice(0, line.length - word.length)
      .split(/[;&|()\n]/)
      .pop()!
    const words = cmd.split(/\s+/).filter(Boolean)
    while (words.length && (COMMAND_STARTERS.has(words[0]) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]))) {
      words.shift()
    }
    let candidates: readonly string[]
    if (!words.length) candidates = session.completions(word)
    else if (words[0] === 'jexec') {
      // jexec [-l] [-U user] [-u user] JAIL command ...
      let i = 1
      while (i < words.length && words[i][0] === '-') i += /^-[Uun]$/.test(words[i]) ? 2 : 1
      const rest = words.length - i
      candidates =
        rest === 0
          ? (opts.jails?.() ?? [])
          : rest === 1
            ? session.completions(word)
            : (opts.complete?.(line) ?? [])
    } else candidates = opts.complete?.(line) ?? []
    return [[...new Set(candidates)].filter((c) => c.startsWith(word)).sort(), word]
  }
}

/** An Io for the session behind a REPL: output to the process, and no stdin (readline has it). */
export function replIo(): Io {
  return {
    stdin: { read: async () => null },
    stdout: { write: (s) => void process.stdout.write(s) },
    stderr: { write: (s) => void process.stderr.write(s) },
  }
}

/** Runs the read-eval loop until `exit` or end of input; resolves with the shell's exit status. */
export function runRepl(session: ReplSession, opts: ReplOptions): Promise<number> {
  const output = opts.output ?? process.stdout
  const rl = readline.createInterface({
    input: opts.input ?? process.stdin,
    output,
    terminal: opts.terminal ?? (output as { isTTY?: boolean }).isTTY === true,
    completer: completer(session, opts),
    historySize: opts.historySize ?? 1000,
    prompt: opts.prompt,
  })
  return new Promise<number>((resolve) => {
    const queue: string[] = []
    let pending = '' // an incomplete command waiting for more lines
    let busy = false
    let closed = false
    let finished = false
    const finish = (status: number) => {
      if (finished) return
      finished = true
      rl.close()
      resolve(status)
    }
    const pump = async () => {
      if (busy) return
      busy = true
      while (queue.length && session.exited === undefined) {
        const text = pending ? pending + '\n' + queue.shift()! : queue.shift()!
        if (session.needsMore(text)) {
          pending = text
          rl.setPrompt('> ')
        } else {
          pending = ''
          rl.setPrompt(opts.prompt)
          if (text.trim()) await session.runLine(text)
        }
        if (!queue.length && !closed && session.exited === undefined) rl.prompt()
      }
      busy = false
      if (session.exited !== undefined) finish(session.exited)
      else if (closed) finish(session.status)
    }
    rl.on('line', (line) => {
      queue.push(line)
      void pump()
    })
    rl.on('SIGINT', () => {
      if (busy) session.interrupt()
      else {
        // Ctrl-C at the prompt drops the line being typed (and any unfinished command), as sh does.
        rl.write('', { ctrl: true, name: 'e' })
        rl.write('', { ctrl: true, name: 'u' })
        pending = ''
        queue.length = 0
        output.write('\n')
        rl.setPrompt(opts.prompt)
        rl.prompt()
      }
    })
    rl.on('close', () => {
      closed = true
      if (!busy) finish(session.exited ?? session.status)
    })
    rl.prompt()
  })
}

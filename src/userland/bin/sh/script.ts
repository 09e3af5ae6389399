/**
 * Reads a script as it runs, one complete command at a time, as FreeBSD's sh does (parsecmd, then
 * evaltree, then the next): memory stays bounded by the longest command, not the script, and a
 * syntax error late in a script stops it there, after the commands before it ran. Used for script
 * files, `-c` strings, scripts on stdin, `eval` and `.`.
 *
 * The parser only ever sees whole lines; a command that a line does not complete (an open quote,
 * `if` without `fi`, a continuation) is parsed again once more text is there. Each refill reads at
 * least as much as is pending, so re-parsing a long command costs linear time overall.
 * It never runs anything and keeps no state beyond its input buffer.
 */

import type { InStream } from '../../types.js'
import type { Interp } from './interp.js'
import { SyntaxErr } from './lexer.js'
import { type List, parseCommand } from './parser.js'
import type { ShIo } from './streams.js'

/** Text read from the input per refill at least (as a pipe's or a file's read would). */
export const SCRIPT_CHUNK = 64 * 1024

export class ScriptReader {
  /** Whole lines read and not yet parsed, from off. */
  private text = ''
  private off = 0
  /** What follows the last newline read. */
  private tail = ''
  private eof = false
  /** Line number of text[off]. */
  line: number

  constructor(
    private readonly input: InStream,
    /** Wraps each read, so a kill of the shell cuts a wait for input short. */
    private readonly wait: <T>(p: Promise<T>) => Promise<T> = (p) => p,
    firstLine = 1,
  ) {
    this.line = firstLine
  }

  /** A reader over a string already in memory (`-c`, `eval`, `.`). */
  static of(text: string, firstLine = 1): ScriptReader {
    const r = new ScriptReader({ read: () => Promise.resolve(null) }, undefined, firstLine)
    r.tail = text
    return r
  }

  /** The next complete command, or undefined at the end of the script. Throws SyntaxErr. */
  async next(): Promise<List | undefined> {
    for (;;) {
      if (this.off < this.text.length || this.eof) {
        try {
          const r = parseCommand(this.text, this.off, this.line)
          if (r.nl || this.eof) {
            this.off = r.end
            this.line = r.line
            if (this.off >= this.text.length && this.off > 0) {
              this.text = ''
              this.off = 0
            }
            return r.list
          }
        } catch (e) {
          if (!(e instanceof SyntaxErr && e.eof) || this.eof) throw e
        }
      }
      await this.fill()
    }
  }

  /**
   * Hands over what has been read but not parsed: a command reading the stdin the script comes
   * from gets the script text after itself (POSIX XCU 2.1: "the shell shall ensure that the
   * standard input file pointer points directly after the command it has read").
   */
  take(): string {
    const s = this.text.slice(this.off) + this.tail
    this.text = ''
    this.off = 0
    this.tail = ''
    // The command may push back what it did not use: read the input again.
    this.eof = false
    return s
  }

  private async fill(): Promise<void> {
    const want = Math.max(SCRIPT_CHUNK, this.text.length - this.off)
    let added = ''
    let tail = this.tail
    while (added.length < want) {
      if (!tail && this.eof) break
      const chunk = this.eof ? null : await this.wait(this.input.read())
      if (chunk === null) {
        this.eof = true
        added += tail
        tail = ''
        break
      }
      const nl = chunk.lastIndexOf('\n')
      if (nl < 0) tail += chunk
      else {
        added += tail + chunk.slice(0, nl + 1)
        tail = chunk.slice(nl + 1)
      }
    }
    this.text = this.text.slice(this.off) + added
    this.off = 0
    this.tail = tail
  }
}

/**
 * Runs the commands of reader in sh one at a time until the end; returns the last status (0 when
 * there was none). A syntax error is reported as `prog: line N: message` and ends the run with
 * status 2, after the commands before it ran.
 */
export async function runCommands(
  reader: ScriptReader,
  sh: Interp,
  io: ShIo,
  tested: boolean,
  prog: string,
): Promise<number> {
  let status = 0
  for (;;) {
    let list: List | undefined
    try {
      list = await reader.next()
    } catch (e) {
      if (!(e instanceof SyntaxErr)) throw e
      io.stderr.write(`${prog}: line ${e.line}: ${e.message}\n`)
      sh.status = 2
      return 2
    }
    if (list === undefined) return status
    status = await sh.runList(list, io, tested)
  }
}

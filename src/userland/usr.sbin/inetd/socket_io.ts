/**
 * A connected stream socket as a server's standard input and output, as inetd(8) dup2()s the
 * accepted socket onto descriptors 0, 1 and 2 before exec'ing the server. Bytes map one for one to
 * characters (latin1) both ways, so a server sees exactly what the peer sent. Must not: close the
 * socket (the caller does, once the server has exited).
 */

import type { SocketFd } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import type { Io, OutStream, Proc } from '../../types.js'

function latin1(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192))
  return s
}

/** Characters past U+00FF (which a byte cannot carry) go out as '?', as a C locale would print them. */
function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    out[i] = c > 0xff ? 0x3f : c
  }
  return out
}

/** A server's standard streams on a socket, and the socket itself (getsockname(0), as ftpd's PASV needs). */
export interface SocketIo extends Io {
  readonly socket: SocketFd
}

/** The socket behind a server's standard input, when it was started by inetd. */
export function socketOf(io: Io): SocketFd | undefined {
  return 'socket' in io ? (io as SocketIo).socket : undefined
}

/** stdin reads the socket (null at the peer's FIN or an error); stdout and stderr write it. */
export function socketIo(fd: SocketFd): SocketIo {
  let gone = false
  const out: OutStream = {
    write: async (s: string) => {
      if (gone || s === '') return
      try {
        await fd.send(bytes(s))
      } catch (e) {
        // EPIPE / ECONNRESET: the peer went away; what is left to say goes nowhere, as after SIGPIPE.
        if (!isSysError(e)) throw e
        gone = true
      }
    },
  }
  return {
    stdin: {
      read: async () => {
        try {
          const d = await fd.recv(65536)
          return d.length === 0 ? null : latin1(d)
        } catch (e) {
          if (!isSysError(e)) throw e
          return null
        }
      },
    },
    stdout: out,
    stderr: out,
    socket: fd,
  }
}

/** Lines (CRLF or LF) from a socket's stdin, for line-oriented servers (ftpd, telnetd, sshd). */
export class LineReader {
  private buf = ''
  private eof = false

  constructor(
    private readonly io: Io,
    /** A line longer than this is cut there (nothing grows without bound). */
    private readonly max = 4096,
  ) {}

  /** The next line without its end, or null at end of input. */
  async line(): Promise<string | null> {
    for (;;) {
      const nl = this.buf.indexOf('\n')
      if (nl >= 0 || this.buf.length >= this.max) {
        const end = nl >= 0 ? nl : this.max
        const l = this.buf.slice(0, end).replace(/\r$/, '')
        this.buf = this.buf.slice(nl >= 0 ? nl + 1 : end)
        return l
      }
      if (this.eof) {
        if (this.buf === '') return null
        const l = this.buf
        this.buf = ''
        return l
      }
      const chunk = await this.io.stdin.read()
      if (chunk === null) this.eof = true
      else this.buf += chunk
    }
  }
}

export const TIMEOUT: unique symbol = Symbol('timeout')

/**
 * The next line, or TIMEOUT when none came within timeoutNs (or the process was killed: check
 * proc.killed). The timer is given back as soon as the line comes.
 */
export async function nextLine(
  lines: LineReader,
  proc: Proc,
  timeoutNs: number,
): Promise<string | null | typeof TIMEOUT> {
  const lp = lines.line()
  return Promise.race([lp, proc.sleep(timeoutNs, lp).then((): typeof TIMEOUT => TIMEOUT)])
}

/**
 * telnetd(8), as inetd starts it: the connection is standard input and output. It negotiates no
 * TELNET options (RFC 854's default NVT: the peer's option requests are read and ignored) and runs
 * login(1)'s dialogue: the banner, `login:`, `Password:`. VirtNet has no password database and
 * FreeBSD lets root log in only on a secure terminal (a pty is not one), so every attempt gets
 * "Login incorrect", as it would on a FreeBSD host whose only account is root; after 10 attempts
 * or 300 s (login's limits) the connection closes. Must not: start a shell.
 */

import type { Io, Proc } from '../types.js'
import { LineReader, nextLine, TIMEOUT } from '../usr.sbin/inetd/socket_io.js'

const LOGIN_TIMEOUT_NS = 300e9
const TRIES = 10

/** The text of a line with TELNET commands (IAC ...) taken out (RFC 854). */
function stripIac(s: string): string {
  return s.replace(/\xff[\xfb-\xfe][\s\S]|\xff\xfa[\s\S]*?\xff\xf0|\xff[\xf0-\xfa]/g, '').replace(/\0/g, '')
}

export async function telnetd(_argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const lines = new LineReader(io)
  const write = (s: string) => io.stdout.write(s)
  await write(`\r\n\r\nFreeBSD/amd64 (${proc.sys.getHostname()}) (pts/0)\r\n\r\n`)
  const started = proc.sys.now()
  for (let i = 0; i < TRIES; i++) {
    const left = LOGIN_TIMEOUT_NS - (proc.sys.now() - started)
    await write('login: ')
    const name = await nextLine(lines, proc, left)
    if (name === null || proc.killed) return 0
    if (name === TIMEOUT) break
    if (stripIac(name).trim() === '') continue
    await write('Password:')
    const pw = await nextLine(lines, proc, LOGIN_TIMEOUT_NS - (proc.sys.now() - started))
    if (pw === null || proc.killed) return 0
    if (pw === TIMEOUT) break
    await write('\r\nLogin incorrect\r\n')
  }
  if (proc.sys.now() - started >= LOGIN_TIMEOUT_NS)
    await write(`\r\nLogin timed out after ${LOGIN_TIMEOUT_NS / 1e9} seconds\r\n`)
  return 1
}

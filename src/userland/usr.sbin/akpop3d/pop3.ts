/**
 * A POP3 server session (RFC 1939): AUTHORIZATION with USER/PASS, TRANSACTION with STAT, LIST,
 * RETR, DELE, NOOP, RSET, TOP, UIDL (and CAPA, RFC 2449), UPDATE on QUIT. Pure state machine:
 * lines in, reply text out; the maildrop is read and written through hooks, so the dialogue is
 * tested without sockets. Sizes count CRLF line ends, as the messages go on the wire.
 */

import { utf8Encode } from '../../../util/utf8.js'

export interface Pop3Hooks {
  /** Whether the password is right for the user. */
  auth(user: string, pass: string): boolean
  /** The user's messages (the text of each, lines joined with \n); null when the maildrop cannot be opened. */
  open(user: string): string[] | null
  /** Removes the messages at these indices from the maildrop (UPDATE); false when it could not. */
  commit(user: string, deleted: ReadonlySet<number>): boolean
}

export interface Pop3Step {
  out: string
  close: boolean
}

const MAX_AUTH_FAILURES = 3

/** A message as it goes on the wire: CRLF line ends. */
function octets(text: string): number {
  let lf = 0
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lf++
  return utf8Encode(text).length + lf
}

/** Multi-line response body: CRLF ends, a leading dot doubled (RFC 1939 §3), the terminating dot. */
function multiline(lines: readonly string[]): string {
  return `${lines.map((l) => `${l.startsWith('.') ? '.' : ''}${l}\r\n`).join('')}.\r\n`
}

/** A stable unique-id for UIDL (RFC 1939 §7): a hash of the message. */
function uid(text: string): string {
  let h1 = 0x811c9dc5
  let h2 = 0x01000193
  for (let i = 0; i < text.length; i++) {
    h1 = Math.imul(h1 ^ text.charCodeAt(i), 0x01000193) >>> 0
    h2 = Math.imul(h2 ^ text.charCodeAt(i), 0x5bd1e995) >>> 0
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')
}

export class Pop3Session {
  private user: string | null = null
  private msgs: string[] | null = null
  private readonly deleted = new Set<number>()
  private failures = 0

  constructor(
    private readonly hooks: Pop3Hooks,
    private readonly banner = '+OK POP3 server ready',
  ) {}

  greeting(): string {
    return `${this.banner}\r\n`
  }

  /** The message number argument: its index, or an error reply. */
  private msg(arg: string | undefined): number | string {
    if (arg === undefined || !/^\d+$/.test(arg)) return '-ERR invalid message number\r\n'
    const i = Number(arg) - 1
    if (i < 0 || i >= this.msgs!.length) return '-ERR no such message\r\n'
    if (this.deleted.has(i)) return `-ERR message ${arg} already deleted\r\n`
    return i
  }

  line(l: string): Pop3Step {
    const [rawCmd = '', ...args] = l.split(' ').filter((x) => x !== '')
    const cmd = rawCmd.toUpperCase()
    const r = (out: string, close = false): Pop3Step => ({ out, close })
    if (cmd === 'QUIT') {
      if (this.msgs !== null && this.deleted.size > 0 && !this.hooks.commit(this.user!, this.deleted))
        return r('-ERR some deleted messages not removed\r\n', true)
      return r('+OK bye\r\n', true)
    }
    if (cmd === 'CAPA') return r(`+OK Capability list follows\r\n${multiline(['USER', 'TOP', 'UIDL'])}`)
    if (this.msgs === null) {
      if (cmd === 'USER') {
        if (args.length !== 1) return r('-ERR usage: USER name\r\n')
        this.user = args[0]!
        return r('+OK\r\n')
      }
      if (cmd === 'PASS') {
        if (this.user === null) return r('-ERR USER first\r\n')
        // The password is the rest of the line: it may hold spaces.
        const pass = l.replace(/^\S+ ?/, '')
        if (!this.hooks.auth(this.user, pass)) {
          this.user = null
          this.failures++
          return r('-ERR authentication failed\r\n', this.failures >= MAX_AUTH_FAILURES)
        }
        const m = this.hooks.open(this.user)
        if (m === null) {
          this.user = null
          return r('-ERR unable to lock maildrop\r\n')
        }
        this.msgs = m
        return r('+OK\r\n')
      }
      return r('-ERR unknown command or not authenticated\r\n')
    }
    const live = () => this.msgs!.map((t, i) => [i, t] as const).filter(([i]) => !this.deleted.has(i))
    switch (cmd) {
      case 'STAT': {
        const l2 = live()
        return r(`+OK ${l2.length} ${l2.reduce((n, [, t]) => n + octets(t), 0)}\r\n`)
      }
      case 'LIST': {
        if (args.length > 0) {
          const i = this.msg(args[0])
          return r(typeof i === 'string' ? i : `+OK ${i + 1} ${octets(this.msgs![i]!)}\r\n`)
        }
        const l2 = live()
        return r(
          `+OK ${l2.length} messages (${l2.reduce((n, [, t]) => n + octets(t), 0)} octets)\r\n${multiline(
            l2.map(([i, t]) => `${i + 1} ${octets(t)}`),
          )}`,
        )
      }
      case 'UIDL': {
        if (args.length > 0) {
          const i = this.msg(args[0])
          return r(typeof i === 'string' ? i : `+OK ${i + 1} ${uid(this.msgs![i]!)}\r\n`)
        }
        return r(`+OK\r\n${multiline(live().map(([i, t]) => `${i + 1} ${uid(t)}`))}`)
      }
      case 'RETR':
      case 'TOP': {
        const i = this.msg(args[0])
        if (typeof i === 'string') return r(i)
        const text = this.msgs![i]!
        const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n')
        if (cmd === 'RETR') return r(`+OK ${octets(text)} octets\r\n${multiline(lines)}`)
        if (args[1] === undefined || !/^\d+$/.test(args[1])) return r('-ERR usage: TOP msg n\r\n')
        const end = lines.indexOf('')
        const head = end < 0 ? lines : lines.slice(0, end + 1)
        const body = end < 0 ? [] : lines.slice(end + 1, end + 1 + Number(args[1]))
        return r(`+OK\r\n${multiline([...head, ...body])}`)
      }
      case 'DELE': {
        const i = this.msg(args[0])
        if (typeof i === 'string') return r(i)
        this.deleted.add(i)
        return r(`+OK message ${i + 1} deleted\r\n`)
      }
      case 'NOOP':
        return r('+OK\r\n')
      case 'RSET':
        this.deleted.clear()
        return r(`+OK maildrop has ${this.msgs!.length} messages\r\n`)
      default:
        return r('-ERR unknown command\r\n')
    }
  }
}

/**
 * Postfix's smtpd(8) dialogue (RFC 5321): the greeting, HELO/EHLO (with the extensions Postfix
 * announces and this server honours: PIPELINING, SIZE, VRFY, ENHANCEDSTATUSCODES, 8BITMIME),
 * MAIL, RCPT (final delivery for mydestination's domains, relaying for mynetworks' clients,
 * smtpd_relay_restrictions' defer_unauth_destination otherwise), DATA with dot-stuffing undone
 * (§4.5.2), RSET, NOOP, VRFY, QUIT, and Postfix's reply texts and error limit. A session is a
 * pure state machine: lines in, reply lines out; the accepted message goes to `queue` under a
 * new queue id (refused when the queue is full). It never touches a socket.
 */

import { formatIpv4 } from '../../../wire/addr.js'
import { mailDate } from '../../lib/libc/time_fmt.js'
import { inNetworks, isLocalDomain, type PostfixConfig } from './main_cf.js'

export interface Envelope {
  id: string
  sender: string
  rcpts: string[]
  /** The message with smtpd's Received header first, lines joined with \n. */
  text: string
  client: string
}

export interface SmtpdHooks {
  /** Whether a local part names a local recipient (a user or an alias). */
  localUser(local: string): boolean
  /** Queues the message; false when it cannot be taken (the queue is full). */
  queue(env: Envelope): boolean
  now(): number
  /** A new queue id (Postfix's short hex ids), used in the Received header. */
  newId(): string
  log(line: string): void
}

export interface Step {
  replies: string[]
  close: boolean
}

const HARD_ERROR_LIMIT = 20
const MAX_RCPT = 1000

/** `<addr>` out of `FROM:<addr> params` (spaces after the colon tolerated, as Postfix does). */
export function pathArg(arg: string, verb: 'FROM' | 'TO'): { addr: string; params: string } | null {
  const m = new RegExp(`^${verb}:\\s*(<[^>]*>|[^\\s<>]+)(.*)$`, 'i').exec(arg)
  if (m === null) return null
  let addr = m[1]!
  if (addr.startsWith('<')) addr = addr.slice(1, -1)
  // A source route (@a,@b:user@d) is accepted and ignored (RFC 5321 §4.1.2).
  addr = addr.replace(/^@[^:]*:/, '')
  if (/\s/.test(addr)) return null
  return { addr, params: m[2]!.trim() }
}

export class SmtpdSession {
  private helo: string | null = null
  private esmtp = false
  private sender: string | null = null
  private rcpts: string[] = []
  private data: string[] | null = null
  private dataSize = 0
  private tooBig = false
  private errors = 0

  constructor(
    private readonly cfg: PostfixConfig,
    private readonly clientAddr: number,
    private readonly hooks: SmtpdHooks,
  ) {}

  get clientName(): string {
    return `unknown[${formatIpv4(this.clientAddr)}]`
  }

  greeting(): string {
    return `220 ${this.cfg.banner}`
  }

  /** Whether the session is inside DATA (lines are message text). */
  get inData(): boolean {
    return this.data !== null
  }

  private reset(): void {
    this.sender = null
    this.rcpts = []
    this.data = null
    this.dataSize = 0
    this.tooBig = false
  }

  private error(reply: string): Step {
    this.errors++
    if (this.errors >= HARD_ERROR_LIMIT)
      return { replies: [reply, `421 4.7.0 ${this.cfg.myhostname} Error: too many errors`], close: true }
    return { replies: [reply], close: false }
  }

  /** One line from the client, without its CRLF. */
  line(l: string): Step {
    if (this.data !== null) return this.dataLine(l)
    const sp = l.indexOf(' ')
    const verb = (sp < 0 ? l : l.slice(0, sp)).toUpperCase()
    const arg = sp < 0 ? '' : l.slice(sp + 1).trim()
    const ok = (r: string): Step => ({ replies: [r], close: false })
    switch (verb) {
      case 'HELO':
      case 'EHLO': {
        if (arg === '') return this.error(`501 Syntax: ${verb} hostname`)
        this.reset()
        this.helo = arg
        this.esmtp = verb === 'EHLO'
        if (verb === 'HELO') return ok(`250 ${this.cfg.myhostname}`)
        return {
          replies: [
            `250-${this.cfg.myhostname}`,
            '250-PIPELINING',
            `250-SIZE ${this.cfg.messageSizeLimit}`,
            '250-VRFY',
            '250-ENHANCEDSTATUSCODES',
            '250 8BITMIME',
          ],
          close: false,
        }
      }
      case 'MAIL': {
        if (this.helo === null) return this.error('503 5.5.1 Error: send HELO/EHLO first')
        if (this.sender !== null) return this.error('503 5.5.1 Error: nested MAIL command')
        const p = pathArg(arg, 'FROM')
        if (p === null) return this.error('501 5.5.4 Syntax: MAIL FROM:<address>')
        const size = /(?:^|\s)SIZE=(\d+)/i.exec(p.params)
        if (size !== null && Number(size[1]) > this.cfg.messageSizeLimit)
          return this.error('552 5.3.4 Message size exceeds fixed limit')
        if (p.addr !== '' && !/^[^@\s]+(@[^@\s]+)?$/.test(p.addr))
          return this.error(`501 5.1.7 Bad sender address syntax`)
        this.sender = p.addr
        return ok('250 2.1.0 Ok')
      }
      case 'RCPT': {
        if (this.sender === null) return this.error('503 5.5.1 Error: need MAIL command')
        const p = pathArg(arg, 'TO')
        if (p === null || p.addr === '') return this.error('501 5.5.4 Syntax: RCPT TO:<address>')
        if (this.rcpts.length >= MAX_RCPT) return ok('452 4.5.3 Error: too many recipients')
        const at = p.addr.lastIndexOf('@')
        const local = at < 0 ? p.addr : p.addr.slice(0, at)
        const domain = at < 0 ? '' : p.addr.slice(at + 1)
        if (domain === '' || isLocalDomain(this.cfg, domain)) {
          if (this.cfg.checkLocal && !this.hooks.localUser(local.toLowerCase())) {
            this.hooks.log(
              `NOQUEUE: reject: RCPT from ${this.clientName}: 550 5.1.1 <${p.addr}>: Recipient address rejected: User unknown in local recipient table; from=<${this.sender}> to=<${p.addr}> proto=${this.esmtp ? 'ESMTP' : 'SMTP'} helo=<${this.helo}>`,
            )
            return this.error(
              `550 5.1.1 <${p.addr}>: Recipient address rejected: User unknown in local recipient table`,
            )
          }
        } else if (!inNetworks(this.cfg, this.clientAddr)) {
          this.hooks.log(
            `NOQUEUE: reject: RCPT from ${this.clientName}: 454 4.7.1 <${p.addr}>: Relay access denied; from=<${this.sender}> to=<${p.addr}> proto=${this.esmtp ? 'ESMTP' : 'SMTP'} helo=<${this.helo}>`,
          )
          return this.error(`454 4.7.1 <${p.addr}>: Relay access denied`)
        }
        this.rcpts.push(p.addr)
        return ok('250 2.1.5 Ok')
      }
      case 'DATA': {
        if (arg !== '') return this.error('501 5.5.4 Syntax: DATA')
        if (this.sender === null) return this.error('503 5.5.1 Error: need RCPT command')
        if (this.rcpts.length === 0) return this.error('554 5.5.1 Error: no valid recipients')
        this.data = []
        return ok('354 End data with <CR><LF>.<CR><LF>')
      }
      case 'RSET':
        if (arg !== '') return this.error('501 5.5.4 Syntax: RSET')
        this.reset()
        return ok('250 2.0.0 Ok')
      case 'NOOP':
        return ok('250 2.0.0 Ok')
      case 'VRFY': {
        if (arg === '') return this.error('501 5.5.4 Syntax: VRFY address')
        const local = arg.replace(/^<|>$/g, '').replace(/@.*/, '').toLowerCase()
        if (!this.hooks.localUser(local))
          return this.error(
            `550 5.1.1 <${arg}>: Recipient address rejected: User unknown in local recipient table`,
          )
        return ok(`252 2.0.0 ${arg}`)
      }
      case 'QUIT':
        return { replies: ['221 2.0.0 Bye'], close: true }
      case 'BDAT':
      case 'STARTTLS':
      case 'AUTH':
      case 'ETRN':
        return this.error('502 5.5.1 Error: command not implemented')
      default:
        return this.error('502 5.5.2 Error: command not recognized')
    }
  }

  private dataLine(l: string): Step {
    const data = this.data!
    if (l === '.') {
      const sender = this.sender!
      const rcpts = this.rcpts
      const tooBig = this.tooBig
      this.reset()
      if (tooBig) return { replies: ['552 5.3.4 Error: message file too big'], close: false }
      const id = this.hooks.newId()
      const received =
        `Received: from ${this.helo} (${this.clientName})\n` +
        `\tby ${this.cfg.myhostname} (${this.cfg.get('mail_name')}) with ${this.esmtp ? 'ESMTP' : 'SMTP'} id ${id}\n` +
        `${rcpts.length === 1 ? `\tfor <${rcpts[0]}>; ` : '\t; '}${mailDate(this.hooks.now())}\n`
      const text = received + (data.length > 0 ? `${data.join('\n')}\n` : '')
      if (!this.hooks.queue({ id, sender, rcpts, text, client: this.clientName }))
        return { replies: ['451 4.3.0 Error: queue file write error'], close: false }
      return { replies: [`250 2.0.0 Ok: queued as ${id}`], close: false }
    }
    // Transparency (RFC 5321 §4.5.2): a leading dot was doubled by the client.
    const line = l.startsWith('.') ? l.slice(1) : l
    this.dataSize += line.length + 2
    if (this.dataSize > this.cfg.messageSizeLimit) this.tooBig = true
    else data.push(line)
    return { replies: [], close: false }
  }
}

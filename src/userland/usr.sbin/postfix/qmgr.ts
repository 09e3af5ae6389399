/**
 * Postfix's queue and delivery agents in one: cleanup's missing headers (Message-Id, Date, From),
 * qmgr's active queue with retries (minimal_backoff_time doubling to maximal_backoff_time, given up
 * after maximal_queue_lifetime), local(8) delivery to an mbox in mail_spool_directory (or
 * home_mailbox) through the aliases, and smtp(8) to the next hop — relayhost, else the domain's MX
 * hosts, else its address (RFC 5321 §5.1) — speaking SMTP as a client. Log lines go where
 * Postfix's would (maillog). The queue is bounded; a full queue refuses new mail.
 * Must not: deliver outside the spool or a user's home, or retry without a limit.
 */

import { SOCK } from '../../../host/syscalls.js'
import { SEC } from '../../../util/clock.js'
import { isSysError } from '../../../util/errno.js'
import { lookupHost, mxLookup } from '../../lib/libc/hosts.js'
import { latin1Bytes, StreamReader, writeAll } from '../../lib/libc/stream_io.js'
import { mailDate } from '../../lib/libc/time_fmt.js'
import { mboxEntry } from '../../lib/libmail/mbox.js'
import { getpwnam } from '../../lib/libutil/pw_db.js'
import type { Proc } from '../../types.js'
import { isLocalDomain, type PostfixConfig } from './main_cf.js'
import type { Envelope } from './smtpd.js'

const QUEUE_MAX = 1000
const MIN_BACKOFF = 300 * SEC
const MAX_BACKOFF = 4000 * SEC
const LIFETIME = 5 * 86400 * SEC
const SMTP_TIMEOUT = 300 * SEC
const ALIAS_DEPTH = 20

interface Queued {
  id: string
  sender: string
  rcpts: string[]
  text: string
  arrived: number
  nextTry: number
  tries: number
}

export type Logger = (service: string, line: string) => void

/** Splits `user@domain`; a bare name has domain ''. */
function split(addr: string): [string, string] {
  const at = addr.lastIndexOf('@')
  return at < 0 ? [addr, ''] : [addr.slice(0, at), addr.slice(at + 1).toLowerCase()]
}

function hasHeader(text: string, name: string): boolean {
  const head = text.split('\n\n')[0] ?? ''
  return new RegExp(`^${name}:`, 'im').test(head)
}

/** SMTP replies as the client reads them: the code and the text of the last line. */
async function reply(r: StreamReader): Promise<{ code: number; text: string }> {
  const lines: string[] = []
  for (;;) {
    const l = await r.readLine(4096)
    if (l === null) throw new Error('lost connection')
    lines.push(l)
    if (!/^\d{3}-/.test(l)) break
    if (lines.length > 100) throw new Error('too many reply lines')
  }
  const last = lines[lines.length - 1]!
  const code = /^\d{3}/.test(last) ? Number(last.slice(0, 3)) : 0
  return { code, text: lines.map((x) => x.slice(4)).join(' ') }
}

export class MailQueue {
  private readonly q: Queued[] = []
  private wake: (() => void) | null = null

  constructor(
    private readonly proc: Proc,
    private readonly cfg: PostfixConfig,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.q.length
  }

  /** cleanup + queue: false when the queue is full. */
  add(env: Envelope): boolean {
    if (this.q.length >= QUEUE_MAX) return false
    const now = this.proc.sys.now()
    const secs = Math.floor(now / SEC)
    let sender = env.sender
    if (sender !== '' && !sender.includes('@')) sender = `${sender}@${this.cfg.myorigin}`
    const rcpts = env.rcpts.map((r) => (r.includes('@') ? r : `${r}@${this.cfg.myorigin}`))
    // cleanup(8): the headers every message must have, after smtpd's Received line.
    const received = env.text.startsWith('Received:') ? receivedBlock(env.text) : ''
    let rest = env.text.slice(received.length)
    const extra: string[] = []
    if (!hasHeader(rest, 'Message-Id')) extra.push(`Message-Id: <${env.id}@${this.cfg.myhostname}>`)
    if (!hasHeader(rest, 'Date')) extra.push(`Date: ${mailDate(secs)}`)
    if (!hasHeader(rest, 'From') && sender !== '') extra.push(`From: ${sender}`)
    // A message without a header section gets the empty line that ends the added headers.
    if (!/^[!-9;-~]+:/.test(rest)) rest = `\n${rest}`
    const text = received + (extra.length > 0 ? `${extra.join('\n')}\n` : '') + rest
    this.log('cleanup', `${env.id}: message-id=<${env.id}@${this.cfg.myhostname}>`)
    this.log('qmgr', `${env.id}: from=<${sender}>, size=${text.length}, nrcpt=${rcpts.length} (queue active)`)
    this.q.push({ id: env.id, sender, rcpts, text, arrived: now, nextTry: now, tries: 0 })
    this.wake?.()
    return true
  }

  /** The queue manager: delivers what is due until the process is killed. */
  async run(): Promise<void> {
    while (!this.proc.killed) {
      const now = this.proc.sys.now()
      const due = this.q.filter((m) => m.nextTry <= now)
      for (const m of due) await this.attempt(m)
      if (this.proc.killed) return
      const next = this.q.reduce((t, m) => Math.min(t, m.nextTry), Number.POSITIVE_INFINITY)
      const woken = new Promise<void>((r) => {
        this.wake = r
      })
      const wait = next === Number.POSITIVE_INFINITY ? 3600 * SEC : Math.max(0, next - this.proc.sys.now())
      if (wait > 0 || due.length === 0) await this.proc.sleep(Math.max(wait, 1), woken)
      this.wake = null
    }
  }

  private async attempt(m: Queued): Promise<void> {
    const left: string[] = []
    const local = m.rcpts.filter((r) => isLocalDomain(this.cfg, split(r)[1]) || split(r)[1] === '')
    const remote = m.rcpts.filter((r) => !local.includes(r))
    for (const r of local) if (!this.deliverLocal(m, r)) left.push(r)
    const byDomain = new Map<string, string[]>()
    for (const r of remote) {
      const d = split(r)[1]
      byDomain.set(d, [...(byDomain.get(d) ?? []), r])
    }
    for (const [d, rs] of byDomain) left.push(...(await this.deliverRemote(m, d, rs)))
    m.rcpts = left
    const now = this.proc.sys.now()
    const i = this.q.indexOf(m)
    if (left.length === 0) {
      if (i >= 0) this.q.splice(i, 1)
      this.log('qmgr', `${m.id}: removed`)
      return
    }
    m.tries++
    if (now - m.arrived >= LIFETIME) {
      for (const r of left)
        this.log('qmgr', `${m.id}: from=<${m.sender}>, status=expired, returned to sender (${r})`)
      if (i >= 0) this.q.splice(i, 1)
      this.log('qmgr', `${m.id}: removed`)
      return
    }
    m.nextTry = now + Math.min(MAX_BACKOFF, MIN_BACKOFF * 2 ** (m.tries - 1))
  }

  private status(
    m: Queued,
    rcpt: string,
    relay: string,
    dsn: string,
    status: string,
    why: string,
    svc: string,
  ): void {
    const delay = Math.max(0, Math.round((this.proc.sys.now() - m.arrived) / SEC))
    this.log(
      svc,
      `${m.id}: to=<${rcpt}>, relay=${relay}, delay=${delay}, dsn=${dsn}, status=${status} (${why})`,
    )
  }

  /** The users a local part reaches through the aliases (a cycle or too deep a chain stops). */
  private expand(local: string, depth = 0, seen = new Set<string>()): string[] {
    const name = local.toLowerCase()
    const targets = this.cfg.aliases.get(name)
    if (targets === undefined || depth > ALIAS_DEPTH || seen.has(name)) return [name]
    seen.add(name)
    const out: string[] = []
    for (const t of targets) {
      const [l, d] = split(t)
      if (d === '' || isLocalDomain(this.cfg, d)) out.push(...this.expand(l, depth + 1, seen))
    }
    return out
  }

  /** local(8); false when the recipient must be retried. */
  private deliverLocal(m: Queued, rcpt: string): boolean {
    const [localPart] = split(rcpt)
    const users = this.expand(localPart)
    for (const u of users) {
      const pw = getpwnam(this.proc.fs, u)
      if (pw === undefined) {
        this.status(m, rcpt, 'local', '5.1.1', 'bounced', `unknown user: "${u}"`, 'local')
        continue
      }
      const path =
        this.cfg.homeMailbox !== '' && !this.cfg.homeMailbox.endsWith('/')
          ? `${pw.dir.replace(/\/+$/, '')}/${this.cfg.homeMailbox}`
          : `${this.cfg.spool}/${u}`
      const entry = mboxEntry(
        m.sender,
        Math.floor(this.proc.sys.now() / SEC),
        `Return-Path: <${m.sender}>\nX-Original-To: ${rcpt}\nDelivered-To: ${u}@${this.cfg.myhostname}\n${m.text}`,
      )
      if (!this.proc.fs.append(path, entry)) {
        this.status(
          m,
          rcpt,
          'local',
          '4.3.0',
          'deferred',
          `cannot append message to file ${path}: No space left on device`,
          'local',
        )
        return false
      }
      this.status(m, rcpt, 'local', '2.0.0', 'sent', 'delivered to mailbox', 'local')
    }
    return true
  }

  /** smtp(8) to one domain's next hop; returns the recipients to retry. */
  private async deliverRemote(m: Queued, domain: string, rcpts: string[]): Promise<string[]> {
    let hosts: string[]
    let port = 25
    const rh = this.cfg.relayhost.trim()
    if (rh !== '') {
      const mm = /^(\[?)([^\]:]+)\]?(?::(\d+))?$/.exec(rh)
      if (mm === null) {
        for (const r of rcpts) this.status(m, r, 'none', '4.3.5', 'deferred', `bad relayhost: ${rh}`, 'smtp')
        return rcpts
      }
      port = mm[3] === undefined ? 25 : Number(mm[3])
      hosts = mm[1] === '[' ? [mm[2]!] : await this.mxHosts(mm[2]!)
    } else hosts = await this.mxHosts(domain)
    const name = rh !== '' ? rh : domain
    let lastWhy = `Host or domain name not found. Name service error for name=${name} type=MX: Host not found, try again`
    for (const h of hosts) {
      const addr = await lookupHost(this.proc, h, 4)
      if (addr === null) continue
      const ip = h === name ? h : `${h}`
      const relay = `${ip}[${addrText(addr.sa.addr)}]:${port}`
      const r = await this.smtpSession(m, h, { ...addr.sa, port }, addr.family, rcpts, relay)
      if (r === null) {
        lastWhy = `connect to ${relay}: Connection refused`
        continue
      }
      return r
    }
    for (const r of rcpts) this.status(m, r, 'none', '4.4.3', 'deferred', lastWhy, 'smtp')
    return rcpts
  }

  private async mxHosts(domain: string): Promise<string[]> {
    const mx = await mxLookup(this.proc, domain)
    return mx.length > 0 ? [...mx].sort((a, b) => a.pref - b.pref).map((x) => x.host) : [domain]
  }

  /**
   * One SMTP client session: null when the connection could not be made (try the next host),
   * else the recipients to retry.
   */
  private async smtpSession(
    m: Queued,
    _host: string,
    sa: { addr: number; port: number },
    family: number,
    rcpts: string[],
    relay: string,
  ): Promise<string[] | null> {
    const fd = this.proc.sys.socket(family, SOCK.STREAM)
    const off = this.proc.onKill(() => fd.close())
    try {
      try {
        await fd.connect(sa)
      } catch (e) {
        if (isSysError(e)) return null
        throw e
      }
      const r = new StreamReader(fd, SMTP_TIMEOUT)
      const send = (l: string) => writeAll(fd, latin1Bytes(`${l}\r\n`))
      const fail = (code: number, text: string, rs: string[]): string[] => {
        const perm = code >= 500
        for (const x of rs)
          this.status(
            m,
            x,
            relay,
            perm ? '5.0.0' : '4.0.0',
            perm ? 'bounced' : 'deferred',
            `host ${relay} said: ${code} ${text}`,
            'smtp',
          )
        return perm ? [] : rs
      }
      let g = await reply(r)
      if (g.code !== 220) return fail(g.code, g.text, rcpts)
      await send(`EHLO ${this.cfg.myhostname}`)
      g = await reply(r)
      if (g.code !== 250) {
        await send(`HELO ${this.cfg.myhostname}`)
        g = await reply(r)
        if (g.code !== 250) return fail(g.code, g.text, rcpts)
      }
      await send(`MAIL FROM:<${m.sender}>`)
      g = await reply(r)
      if (g.code !== 250) return fail(g.code, g.text, rcpts)
      const accepted: string[] = []
      const retry: string[] = []
      for (const x of rcpts) {
        await send(`RCPT TO:<${x}>`)
        const a = await reply(r)
        if (a.code === 250 || a.code === 251) accepted.push(x)
        else retry.push(...fail(a.code, a.text, [x]))
      }
      if (accepted.length === 0) {
        await send('QUIT')
        return retry
      }
      await send('DATA')
      g = await reply(r)
      if (g.code !== 354) return [...retry, ...fail(g.code, g.text, accepted)]
      // Transparency (RFC 5321 §4.5.2): double a leading dot.
      const body = m.text.endsWith('\n') ? m.text.slice(0, -1) : m.text
      const data = body
        .split('\n')
        .map((l) => (l.startsWith('.') ? `.${l}` : l))
        .join('\r\n')
      await writeAll(fd, latin1Bytes(`${data}\r\n.\r\n`))
      g = await reply(r)
      if (g.code !== 250) return [...retry, ...fail(g.code, g.text, accepted)]
      for (const x of accepted) this.status(m, x, relay, '2.0.0', 'sent', `${g.code} ${g.text}`, 'smtp')
      await send('QUIT')
      await reply(r).catch(() => null)
      return retry
    } catch (e) {
      if (!(isSysError(e) || e instanceof Error)) throw e
      for (const x of rcpts)
        this.status(m, x, relay, '4.4.2', 'deferred', `lost connection with ${relay}`, 'smtp')
      return rcpts
    } finally {
      off()
      fd.close()
    }
  }
}

/** smtpd's Received header with its continuation lines. */
function receivedBlock(text: string): string {
  const lines = text.split('\n')
  let n = 1
  while (n < lines.length && /^[ \t]/.test(lines[n]!)) n++
  return `${lines.slice(0, n).join('\n')}\n`
}

function addrText(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`
}

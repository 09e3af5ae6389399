/**
 * Postfix's commands as the FreeBSD port installs them: `postfix [-c dir] start|stop|abort|status|
 * reload|check` (postfix-script's messages and exit codes), the master daemon that it starts
 * (/usr/local/libexec/postfix/master: smtpd on port 25, the queue manager and delivery agents of
 * qmgr.ts, pickup of the maildrop directory, its pid file), `sendmail` (the Postfix sendmail
 * interface: the message goes to the running master over SMTP on the loopback address, or into
 * the maildrop queue when none runs, as postdrop leaves it for pickup) and `postalias` (checks
 * the aliases source; the lookup table is read from that text, so no .db file is made).
 * Must not: run the master twice in one file tree, or take mail it cannot queue.
 */

import { AF_INET, SOCK, type SocketFd } from '../../../host/syscalls.js'
import { SEC } from '../../../util/clock.js'
import { isSysError } from '../../../util/errno.js'
import type { numericHost } from '../../common.js'
import { getopt } from '../../getopt.js'
import { latin1Bytes, StreamReader, writeAll } from '../../lib/libc/stream_io.js'
import { acceptLoop, listenTcp, probeBind } from '../../lib/libc/tcp_server.js'
import { syslogDate } from '../../lib/libc/time_fmt.js'
import { getpwnam, getpwuid } from '../../lib/libutil/pw_db.js'
import type { Command, Io, Proc } from '../../types.js'
import { CONFIG_DIRECTORY, MainCfError, type PostfixConfig, parseAliases, postfixConfig } from './main_cf.js'
import { MailQueue } from './qmgr.js'
import { type Envelope, SmtpdSession } from './smtpd.js'

export const MASTER_PATH = '/usr/local/libexec/postfix/master'
const SIGHUP = 1
const SIGTERM = 15
const SIGKILL = 9
const PICKUP_INTERVAL = 60 * SEC
const SMTPD_TIMEOUT = 300 * SEC
const MAX_SMTPD = 100

const nullIo: Io = {
  stdin: { read: async () => null },
  stdout: { write: () => {} },
  stderr: { write: () => {} },
}

/** The configuration in `dir`, or the fatal message postconf would give. */
export function loadConfig(proc: Proc, dir: string): PostfixConfig | string {
  const file = `${dir.replace(/\/+$/, '')}/main.cf`
  const text = proc.fs.read(file)
  if (text === undefined) return `open ${file}: No such file or directory`
  try {
    const ifs = proc.sys.ifList()
    const addrs: Array<[number, number]> = []
    for (const i of ifs) for (const a of i.addrs) addrs.push([a.addr >>> 0, a.prefixLen])
    return postfixConfig(text, file, proc.fs, { hostname: proc.sys.getHostname(), addrs })
  } catch (e) {
    if (e instanceof MainCfError) return e.message
    throw e
  }
}

function pidFile(cfg: PostfixConfig): string {
  return `${cfg.queueDirectory}/pid/master.pid`
}

/** The running master's pid in this tree, or null. */
function runningMaster(proc: Proc, cfg: PostfixConfig): number | null {
  const text = proc.fs.read(pidFile(cfg))
  const pid = text === undefined ? Number.NaN : Number(text.trim())
  if (!Number.isInteger(pid)) return null
  const p = proc.sys.procList().find((x) => x.pid === pid)
  return p !== undefined && p.comm === 'master' ? pid : null
}

/** Postfix's log lines, written to maillog_file, else to /var/log/maillog when it exists (syslogd's file). */
function logger(proc: Proc, cfg: PostfixConfig): (svc: string, line: string) => void {
  const host = cfg.myhostname.split('.')[0]
  return (svc, line) => {
    const file = cfg.maillogFile !== '' ? cfg.maillogFile : '/var/log/maillog'
    if (cfg.maillogFile === '' && !proc.fs.has(file)) return
    proc.fs.append(
      file,
      `${syslogDate(Math.floor(proc.sys.now() / SEC))} ${host} postfix/${svc}[${proc.pid}]: ${line}\n`,
    )
  }
}

function newQueueId(proc: Proc): string {
  const b = proc.sys.getrandom(5)
  return [...b]
    .map((x) => x.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase()
}

export const postfix: Command = async (argv, io, proc) => {
  const g = getopt('postfix', argv.slice(1), 'c:Dv')
  if (typeof g === 'string' || g.rest.length !== 1) {
    io.stderr.write(
      `${typeof g === 'string' ? `${g}\n` : ''}postfix: fatal: usage: postfix [-c config_dir] [-Dv] command\n`,
    )
    return 1
  }
  const dir = g.opts.find(([f]) => f === 'c')?.[1] ?? CONFIG_DIRECTORY
  const script = (s: string) => io.stderr.write(`postfix/postfix-script: ${s}\n`)
  if (proc.sys.uid !== 0) {
    io.stderr.write('postfix: fatal: to submit mail, use the Postfix sendmail command\n')
    return 1
  }
  const cfg = loadConfig(proc, dir)
  if (typeof cfg === 'string') {
    io.stderr.write(`postfix: fatal: ${cfg}\n`)
    return 1
  }
  const cmd = g.rest[0]!
  const pid = runningMaster(proc, cfg)
  switch (cmd) {
    case 'check':
      return 0
    case 'status':
      if (pid === null) {
        script('the Postfix mail system is not running')
        return 1
      }
      script(`the Postfix mail system is running: PID: ${pid}`)
      return 0
    case 'start':
    case 'start-fg': {
      if (pid !== null) {
        script('fatal: the Postfix mail system is already running')
        return 1
      }
      script('starting the Postfix mail system')
      const local = listenAddr(cfg)
      if (local === null) {
        io.stderr.write(`postfix/master: fatal: bad inet_interfaces: ${cfg.get('inet_interfaces')}\n`)
        script('fatal: mail system startup failed')
        return 1
      }
      try {
        probeBind(proc, local, cfg.inetPort)
      } catch (e) {
        if (!isSysError(e)) throw e
        io.stderr.write(
          `postfix/master: fatal: bind ${cfg.get('inet_interfaces') === 'all' ? '0.0.0.0' : cfg.get('inet_interfaces')} port ${cfg.inetPort}: ${e.strerror}\n`,
        )
        script('fatal: mail system startup failed')
        return 1
      }
      const job = proc.spawn([MASTER_PATH, '-c', dir], cmd === 'start-fg' ? io : nullIo)
      return cmd === 'start-fg' ? await job.done : 0
    }
    case 'stop':
    case 'abort':
    case 'reload':
      if (pid === null) {
        script('fatal: the Postfix mail system is not running')
        return 1
      }
      script(cmd === 'reload' ? 'refreshing the Postfix mail system' : 'stopping the Postfix mail system')
      proc.sys.kill(pid, cmd === 'reload' ? SIGHUP : cmd === 'abort' ? SIGKILL : SIGTERM)
      return 0
    default:
      io.stderr.write(
        `postfix: fatal: unknown command: '${cmd}'. Usage: postfix start (or stop, reload, abort, flush, check, status, set-permissions, upgrade-configuration)\n`,
      )
      return 1
  }
}

function listenAddr(cfg: PostfixConfig): ReturnType<typeof numericHost> {
  const ii = cfg.get('inet_interfaces').trim()
  if (ii === 'all' || ii === '') return { family: AF_INET, sa: { addr: 0, port: 0 } }
  if (ii === 'loopback-only' || ii === 'localhost')
    return { family: AF_INET, sa: { addr: 0x7f000001, port: 0 } }
  const a = /^[0-9.]+/.exec(ii)?.[0]
  if (a === undefined) return null
  const n = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a)
  return n === null
    ? null
    : {
        family: AF_INET,
        sa: { addr: ((+n[1]! << 24) | (+n[2]! << 16) | (+n[3]! << 8) | +n[4]!) >>> 0, port: 0 },
      }
}

/** A maildrop file: sender and recipients, then the message (postdrop's queue file, in text). */
function maildropText(sender: string, rcpts: readonly string[], text: string): string {
  return `${sender}\n${rcpts.join(',')}\n${text}`
}

function parseMaildrop(s: string): { sender: string; rcpts: string[]; text: string } | null {
  const a = s.indexOf('\n')
  const b = a < 0 ? -1 : s.indexOf('\n', a + 1)
  if (b < 0) return null
  return {
    sender: s.slice(0, a),
    rcpts: s
      .slice(a + 1, b)
      .split(',')
      .filter((x) => x !== ''),
    text: s.slice(b + 1),
  }
}

/** The master daemon: smtpd, pickup and the queue manager until SIGTERM. */
export const postfixMaster: Command = async (argv, io, proc) => {
  const g = getopt('master', argv.slice(1), 'c:dDe:istvw')
  const dir = (typeof g === 'string' ? undefined : g.opts.find(([f]) => f === 'c')?.[1]) ?? CONFIG_DIRECTORY
  let cfg = loadConfig(proc, dir)
  if (typeof cfg === 'string') {
    io.stderr.write(`postfix/master: fatal: ${cfg}\n`)
    return 1
  }
  const local = listenAddr(cfg)
  if (local === null) return 1
  let s: SocketFd
  try {
    s = listenTcp(proc, local, cfg.inetPort, 100)
  } catch (e) {
    if (!isSysError(e)) throw e
    io.stderr.write(`postfix/master: fatal: bind port ${cfg.inetPort}: ${e.strerror}\n`)
    return 1
  }
  const pf = pidFile(cfg)
  if (proc.fs.truncate(pf)) proc.fs.append(pf, `${String(proc.pid).padStart(10)}\n`)
  let log = logger(proc, cfg)
  log('master', `daemon started -- version ${cfg.get('mail_version')}, configuration ${dir}`)
  const queue = new MailQueue(proc, cfg, (svc, line) => log(svc, line))
  // SIGHUP: read main.cf again (postfix reload); the queue keeps its mail.
  const offHup = proc.onSignal(SIGHUP, () => {
    const c = loadConfig(proc, dir)
    if (typeof c === 'string') {
      log('master', `warning: reload: ${c}`)
      return
    }
    cfg = c
    log = logger(proc, c)
    log('master', `reload -- version ${c.get('mail_version')}, configuration ${dir}`)
  })
  const pickup = (): void => {
    const prefix = `${(cfg as PostfixConfig).queueDirectory}/maildrop/`
    for (const f of proc.fs.list().filter((p) => p.startsWith(prefix))) {
      const m = parseMaildrop(proc.fs.read(f) ?? '')
      const id = f.slice(prefix.length)
      if (m !== null && m.rcpts.length > 0) {
        log('pickup', `${id}: uid=0 from=<${m.sender}>`)
        if (!queue.add({ id, sender: m.sender, rcpts: m.rcpts, text: m.text, client: 'local' })) return
      }
      proc.fs.remove(f)
    }
  }
  pickup()
  const pickupLoop = (async () => {
    while (!proc.killed) {
      await proc.sleep(PICKUP_INTERVAL)
      if (!proc.killed) pickup()
    }
  })()
  const qmgr = queue.run()
  const hooks = () => ({
    localUser: (name: string) =>
      getpwnam(proc.fs, name) !== undefined || (cfg as PostfixConfig).aliases.has(name),
    queue: (env: Envelope) => queue.add(env),
    now: () => Math.floor(proc.sys.now() / SEC),
    newId: () => newQueueId(proc),
    log: (line: string) => log('smtpd', line),
  })
  await acceptLoop(proc, s, MAX_SMTPD, async (fd, from) => {
    const c = cfg as PostfixConfig
    const session = new SmtpdSession(c, from.addr >>> 0, hooks())
    log('smtpd', `connect from ${session.clientName}`)
    const r = new StreamReader(fd, SMTPD_TIMEOUT)
    try {
      await writeAll(fd, latin1Bytes(`${session.greeting()}\r\n`))
      for (;;) {
        const line = await r.readLine(session.inData ? 65536 : 2048)
        if (line === null) break
        const step = session.line(line)
        if (step.replies.length > 0)
          await writeAll(fd, latin1Bytes(step.replies.map((x) => `${x}\r\n`).join('')))
        if (step.close) break
      }
    } catch (e) {
      if (!isSysError(e)) throw e
    }
    log('smtpd', `disconnect from ${session.clientName}`)
  })
  offHup()
  await Promise.all([qmgr, pickupLoop])
  if (runningPid(proc, pf) === proc.pid) proc.fs.remove(pf)
  log('master', 'terminating on signal 15')
  return 0
}

function runningPid(proc: Proc, pf: string): number {
  return Number((proc.fs.read(pf) ?? '').trim())
}

/** Reads the whole message from standard input (bounded by message_size_limit plus headroom). */
async function readMessage(io: Io, dotEnds: boolean, max: number): Promise<string | null> {
  let text = ''
  for (let c = await io.stdin.read(); c !== null; c = await io.stdin.read()) {
    text += c
    if (text.length > max) return null
    if (dotEnds && /(^|\n)\.\r?\n/.test(text)) return text.replace(/(^|\n)\.\r?\n[\s\S]*$/, '$1')
  }
  return text
}

/** Header fields' addresses for `sendmail -t`. */
function headerRecipients(text: string): string[] {
  const head = text.split(/\n\r?\n/)[0] ?? ''
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ')
  const out: string[] = []
  for (const l of unfolded.split(/\r?\n/)) {
    const m = /^(To|Cc|Bcc):(.*)$/i.exec(l)
    if (m === null) continue
    for (const part of m[2]!.split(',')) {
      const a = /<([^>]*)>/.exec(part)?.[1] ?? part.trim()
      if (a !== '') out.push(a)
    }
  }
  return out
}

/** Submits over SMTP to the local smtpd; null when it went, else why not. */
async function submitSmtp(
  proc: Proc,
  port: number,
  sender: string,
  rcpts: string[],
  text: string,
): Promise<string | null> {
  const fd = proc.sys.socket(AF_INET, SOCK.STREAM)
  try {
    await fd.connect({ addr: 0x7f000001, port })
    const r = new StreamReader(fd, 60 * SEC)
    const expect = async (code: number): Promise<string | null> => {
      let last = ''
      for (;;) {
        const l = await r.readLine(4096)
        if (l === null) return 'lost connection'
        last = l
        if (!/^\d{3}-/.test(l)) break
      }
      return last.startsWith(String(code)) ? null : last
    }
    const send = (l: string) => writeAll(fd, latin1Bytes(`${l}\r\n`))
    let e = await expect(220)
    if (e !== null) return e
    await send('EHLO localhost')
    if ((e = await expect(250)) !== null) return e
    await send(`MAIL FROM:<${sender}>`)
    if ((e = await expect(250)) !== null) return e
    for (const x of rcpts) {
      await send(`RCPT TO:<${x}>`)
      if ((e = await expect(250)) !== null) return e
    }
    await send('DATA')
    if ((e = await expect(354)) !== null) return e
    const body = (text.endsWith('\n') ? text.slice(0, -1) : text)
      .split('\n')
      .map((l) => (l.startsWith('.') ? `.${l}` : l))
      .join('\r\n')
    await writeAll(fd, latin1Bytes(`${body}\r\n.\r\n`))
    if ((e = await expect(250)) !== null) return e
    await send('QUIT')
    return null
  } catch (e) {
    if (isSysError(e)) return e.strerror
    throw e
  } finally {
    fd.close()
  }
}

/** Postfix's sendmail(1): `sendmail [-t] [-i|-oi] [-f sender] [-F name] [--] [recipient ...]`. */
export const sendmail: Command = async (argv, io, proc) => {
  const args = argv.slice(1).map((a) => (a === '-oi' ? '-i' : a))
  const g = getopt('sendmail', args, 'tif:F:r:o:B:N:R:V:X:bUvq:')
  if (typeof g === 'string') {
    io.stderr.write(`sendmail: fatal: usage: sendmail [options]\n`)
    return 64
  }
  let fromHeaders = false
  let dotEnds = true
  let sender: string | undefined
  for (const [f, a] of g.opts) {
    if (f === 't') fromHeaders = true
    else if (f === 'i') dotEnds = false
    else if (f === 'f' || f === 'r') sender = a
  }
  const cfg = loadConfig(proc, CONFIG_DIRECTORY)
  if (typeof cfg === 'string') {
    io.stderr.write(`sendmail: fatal: ${cfg}\n`)
    return 75
  }
  const text = await readMessage(io, dotEnds, cfg.messageSizeLimit + 65536)
  if (text === null) {
    io.stderr.write('sendmail: fatal: message file too big\n')
    return 73
  }
  const rcpts = [...g.rest, ...(fromHeaders ? headerRecipients(text) : [])]
  if (rcpts.length === 0) {
    io.stderr.write(
      'sendmail: fatal: Recipient addresses must be specified on the command line or via the -t option\n',
    )
    return 64
  }
  const user = getpwuid(proc.fs, proc.sys.uid)?.name ?? String(proc.sys.uid)
  const from = sender ?? `${user}@${cfg.myorigin}`
  const message = text.replace(/\r\n/g, '\n')
  if (runningMaster(proc, cfg) !== null) {
    const why = await submitSmtp(proc, cfg.inetPort, from, rcpts, message)
    if (why === null) return 0
    io.stderr.write(`sendmail: fatal: ${user}(${proc.sys.uid}): ${why}\n`)
    return 75
  }
  // postdrop: into the maildrop queue for pickup once the mail system runs.
  const id = newQueueId(proc)
  const path = `${cfg.queueDirectory}/maildrop/${id}`
  if (!proc.fs.truncate(path) || !proc.fs.append(path, maildropText(from, rcpts, message))) {
    io.stderr.write('postdrop: fatal: queue file write error\n')
    return 75
  }
  io.stderr.write('postdrop: warning: unable to look up public/pickup: No such file or directory\n')
  return 0
}

/** postalias(1): `postalias [-c dir] [-q key] [type:]file ...`. */
export const postalias: Command = async (argv, io, proc) => {
  const g = getopt('postalias', argv.slice(1), 'c:q:NnoprsvwfiUu')
  if (typeof g === 'string' || g.rest.length === 0) {
    io.stderr.write(
      'postalias: fatal: usage: postalias [-Nfinoprsuvw] [-c config_dir] [-q key] [map_type:]file...\n',
    )
    return 1
  }
  const query = g.opts.find(([f]) => f === 'q')?.[1]
  let status = query === undefined ? 0 : 1
  for (const ref of g.rest) {
    const m = /^(?:([a-z]+):)?(.*)$/.exec(ref)!
    const type = m[1] ?? 'hash'
    if (!['hash', 'btree', 'lmdb', 'cdb', 'dbm', 'texthash'].includes(type)) {
      io.stderr.write(`postalias: fatal: unsupported dictionary type: ${type}\n`)
      return 1
    }
    const text = proc.fs.read(m[2]!)
    if (text === undefined) {
      io.stderr.write(`postalias: fatal: open ${m[2]}: No such file or directory\n`)
      return 1
    }
    const table = parseAliases(text)
    if (query !== undefined) {
      const v = table.get(query.toLowerCase())
      if (v !== undefined) {
        io.stdout.write(`${v.join(',')}\n`)
        status = 0
      }
    }
  }
  return status
}

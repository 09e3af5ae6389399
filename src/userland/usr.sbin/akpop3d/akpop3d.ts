/**
 * akpop3d, the small POP3 daemon IMUNES's mail labs run on FreeBSD (/usr/local/bin/akpop3d):
 * `akpop3d [-d] [-f pidfile] [-p port] [-a address] [-m maxconn] [-t timeout] [-s]` serves
 * pop3.ts's dialogue on port 110 for the accounts of master.passwd (SHA-512 crypt), each user's
 * maildrop being the mbox /var/mail/USER. `-d` detaches after checking the port is free (a second
 * copy reports `Address already in use`); `-s` (SSL) is refused here.
 */

import { AF_INET } from '../../../host/syscalls.js'
import { SEC } from '../../../util/clock.js'
import { isSysError } from '../../../util/errno.js'
import { utf8Encode } from '../../../util/utf8.js'
import { anyHost } from '../../common.js'
import { getopt } from '../../getopt.js'
import { resolveHost } from '../../lib/libc/hosts.js'
import { latin1Bytes, StreamReader, writeAll } from '../../lib/libc/stream_io.js'
import { acceptLoop, listenTcp, probeBind } from '../../lib/libc/tcp_server.js'
import { checkSha512 } from '../../lib/libcrypt/crypt_sha512.js'
import { formatMbox, parseMbox } from '../../lib/libmail/mbox.js'
import { getpwnam } from '../../lib/libutil/pw_db.js'
import type { Command, Proc } from '../../types.js'
import { type Pop3Hooks, Pop3Session } from './pop3.js'

const USAGE = 'usage: akpop3d [-d] [-s] [-f pidfile] [-p port] [-a address] [-m maxconn] [-t timeout]\n'
const SPOOL = '/var/mail'

/** Maildrops in the process's tree; the snapshot a session saw, so UPDATE keeps mail that came since. */
export function maildropHooks(proc: Proc): Pop3Hooks {
  const seen = new Map<string, number>()
  return {
    auth(user, pass) {
      const pw = getpwnam(proc.fs, user)
      return pw?.passwd.startsWith('$6$') === true && checkSha512(pass, pw.passwd)
    },
    open(user) {
      const msgs = parseMbox(proc.fs.read(`${SPOOL}/${user}`) ?? '')
      seen.set(user, msgs.length)
      return msgs.map((m) => m.text)
    },
    commit(user, deleted) {
      const path = `${SPOOL}/${user}`
      const now = parseMbox(proc.fs.read(path) ?? '')
      const n = seen.get(user) ?? 0
      const keep = now.filter((_, i) => i >= n || !deleted.has(i))
      return proc.fs.truncate(path) && proc.fs.append(path, formatMbox(keep))
    },
  }
}

const nullIo = { stdin: { read: async () => null }, stdout: { write: () => {} }, stderr: { write: () => {} } }

export const akpop3d: Command = async (argv, io, proc) => {
  const g = getopt('akpop3d', argv.slice(1), 'dsf:p:a:m:t:c:k:lLhu:x:n:')
  if (typeof g === 'string') {
    io.stderr.write(`${g}\n${USAGE}`)
    return 1
  }
  let daemon = false
  let pidFile: string | undefined
  let port = 110
  let bind: string | undefined
  let maxConns = 64
  let timeout = 600
  for (const [f, a] of g.opts) {
    if (f === 'd') daemon = true
    else if (f === 'f') pidFile = a
    else if (f === 'a') bind = a
    else if (f === 'p' || f === 'm' || f === 't') {
      if (!/^\d+$/.test(a) || Number(a) === 0) {
        io.stderr.write(`akpop3d: invalid number: ${a}\n`)
        return 1
      }
      if (f === 'p') port = Number(a)
      else if (f === 'm') maxConns = Number(a)
      else timeout = Number(a)
    } else if (f === 's' || f === 'c' || f === 'k') {
      io.stderr.write('akpop3d: SSL is not available here\n')
      return 1
    } else if (f === 'h') {
      io.stdout.write(USAGE)
      return 0
    }
  }
  if (port > 65535) {
    io.stderr.write(`akpop3d: invalid port: ${port}\n`)
    return 1
  }
  const local = bind === undefined ? anyHost(AF_INET) : resolveHost(proc, bind, 4)
  if (local === null) {
    io.stderr.write(`akpop3d: ${bind}: unknown host\n`)
    return 1
  }
  if (daemon) {
    try {
      probeBind(proc, local, port)
    } catch (e) {
      if (!isSysError(e)) throw e
      io.stderr.write(`akpop3d: bind: ${e.strerror}\n`)
      return 1
    }
    const child = ['akpop3d', '-p', String(port), '-m', String(maxConns), '-t', String(timeout)]
    if (pidFile !== undefined) child.push('-f', pidFile)
    if (bind !== undefined) child.push('-a', bind)
    proc.spawn(child, nullIo)
    return 0
  }
  let s: ReturnType<typeof listenTcp>
  try {
    s = listenTcp(proc, local, port, 64)
  } catch (e) {
    if (!isSysError(e)) throw e
    io.stderr.write(`akpop3d: bind: ${e.strerror}\n`)
    return 1
  }
  if (pidFile !== undefined && proc.fs.truncate(pidFile)) proc.fs.append(pidFile, `${proc.pid}\n`)
  const hooks = maildropHooks(proc)
  await acceptLoop(proc, s, maxConns, async (fd) => {
    const session = new Pop3Session(hooks, '+OK akpop3d ready')
    const r = new StreamReader(fd, timeout * SEC)
    try {
      await writeAll(fd, latin1Bytes(session.greeting()))
      for (;;) {
        const line = await r.readLine(1024)
        if (line === null) return
        const step = session.line(line)
        await writeAll(fd, utf8Encode(step.out))
        if (step.close) return
      }
    } catch (e) {
      if (!isSysError(e)) throw e
    }
  })
  if (pidFile !== undefined) proc.fs.remove(pidFile)
  return 0
}

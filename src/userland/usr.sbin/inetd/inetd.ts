/**
 * inetd(8), the Internet super-server, for stream (TCP) `nowait` services: it reads inetd.conf(5)
 * (default /etc/inetd.conf), listens on each service's port (tcp, tcp6 or both), and for every
 * connection starts the service's server program with the connection as its standard input,
 * output and error, as inetd dup2()s the accepted socket onto descriptors 0-2. Without `-d` it
 * detaches and writes its pid to /var/run/inetd.pid (`-p` another file). `service inetd
 * onerestart` (what IMUNES runs after enabling ftp or telnet) restarts it. Internal services, UDP
 * and `wait` services are skipped with a message (syslog's; shown with -d). Must not: let a
 * service hold more than its max-child servers (MAX_CHILD when the line sets none) at once.
 */

import { AF_INET, AF_INET6, SO, SOCK, SOL_SOCKET, type SocketFd } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import { nullOut } from '../../bin/sh/streams.js'
import { anyHost, lookupUser } from '../../common.js'
import { getopt } from '../../getopt.js'
import type { Io, Proc } from '../../types.js'
import { type InetdService, parseInetdConf } from './inetd_conf.js'
import { socketIo } from './socket_io.js'

/** Servers one service runs at once when its line gives no max-child (nothing grows without bound). */
export const MAX_CHILD = 64

const USAGE =
  'usage: inetd [-dlWw] [-a address] [-R rate] [-c maximum] [-C rate]\n             [-p pidfile] [conf-file]\n'

const nullIo: Io = { stdin: { read: async () => null }, stdout: nullOut, stderr: nullOut }

async function serve(
  proc: Proc,
  s: SocketFd,
  svc: InetdService,
  uid: number,
  log: (m: string) => void,
): Promise<void> {
  let children = 0
  const limit = svc.maxChild > 0 ? svc.maxChild : MAX_CHILD
  for (;;) {
    let c: Awaited<ReturnType<SocketFd['accept']>>
    try {
      c = await s.accept()
    } catch (e) {
      if (isSysError(e)) return // EBADF: closed at exit.
      throw e
    }
    if (children >= limit) {
      log(`${svc.name}/tcp server failing (too many children), connection closed`)
      c.fd.close()
      continue
    }
    let job: ReturnType<Proc['spawn']>
    try {
      job = proc.spawn([svc.program, ...svc.argv.slice(1)], socketIo(c.fd), { uid })
    } catch {
      log(`${svc.name}/tcp: ${svc.program}: No such file or directory`)
      c.fd.close()
      continue
    }
    children++
    log(`${svc.name}: connection, pid ${job.pid}`)
    void job.done.then(() => {
      children--
      c.fd.close()
    })
  }
}

export async function inetd(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  let debug = false
  let pidfile = '/var/run/inetd.pid'
  let conf = '/etc/inetd.conf'
  const g = getopt('inetd', argv.slice(1), 'dlwWa:c:C:R:s:p:')
  if (typeof g === 'string') {
    io.stderr.write(`${g}\n${USAGE}`)
    return 1
  }
  for (const [o, a] of g.opts) {
    if (o === 'd') debug = true
    else if (o === 'p') pidfile = a
  }
  if (g.rest.length > 0) conf = g.rest[0]!
  const log = debug ? (m: string) => void io.stderr.write(`inetd: ${m}\n`) : () => {}
  if (!debug) {
    // daemon(3): the child serves; this process returns at once.
    proc.spawn(['inetd', '-d', '-p', pidfile, conf], nullIo)
    return 0
  }
  const text = proc.fs.read(conf)
  if (text === undefined) log(`${conf}: No such file or directory`)
  const parsed = parseInetdConf(text ?? '', proc.fs.read('/etc/services'))
  for (const e of parsed.errors) log(e)
  const socks: SocketFd[] = []
  const loops: Promise<void>[] = []
  for (const svc of parsed.services) {
    const uid = lookupUser(svc.user)
    if (uid === null) {
      log(`${svc.name}/tcp: No such user '${svc.user}', service ignored`)
      continue
    }
    for (const fam of svc.families) {
      const s = proc.sys.socket(fam === 6 ? AF_INET6 : AF_INET, SOCK.STREAM)
      try {
        s.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
        s.bind({ ...anyHost(fam === 6 ? AF_INET6 : AF_INET).sa, port: svc.port })
        s.listen(128)
      } catch (e) {
        s.close()
        if (!isSysError(e)) throw e
        log(`${svc.name}/tcp${fam === 6 ? '6' : ''}: bind: ${e.strerror}`)
        continue
      }
      log(`${svc.name}/tcp${fam === 6 ? '6' : ''}: listening on port ${svc.port}`)
      socks.push(s)
      loops.push(serve(proc, s, svc, uid, log))
    }
  }
  if (proc.fs.truncate(pidfile)) proc.fs.append(pidfile, `${proc.pid}\n`)
  const closeAll = () => {
    for (const s of socks) s.close()
  }
  const off = proc.onKill(closeAll)
  try {
    // Nothing to serve: idle until killed, as inetd with an empty configuration does.
    if (socks.length === 0) await new Promise<void>((r) => proc.onKill(r))
    else await Promise.all(loops)
  } finally {
    off()
    closeAll()
    if ((proc.fs.read(pidfile) ?? '').trim() === String(proc.pid)) proc.fs.remove(pidfile)
  }
  return 0
}

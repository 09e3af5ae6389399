/**
 * The accept loop the mail and web daemons share: a listening TCP socket (SO_REUSEADDR), each
 * connection handed to `serve` as its own task, at most `maxConns` at once (more are closed at
 * once, as a daemon at its process limit refuses them), everything closed when the process is
 * killed. Also `probeBind`, which lets a daemon's foreground half report `Address already in use`
 * before it detaches. Holds no state beyond the sockets it was given.
 */

import { SO, SOCK, SOL_SOCKET, type SockAddrIn, type SocketFd } from '../../../host/syscalls.js'
import type { NumericHost } from '../../common.js'
import type { Proc } from '../../types.js'

/** A socket bound to local:port and listening; throws the kernel's SysError (EADDRINUSE, EACCES). */
export function listenTcp(proc: Proc, local: NumericHost, port: number, backlog = 128): SocketFd {
  const s = proc.sys.socket(local.family, SOCK.STREAM)
  try {
    s.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
    s.bind({ ...local.sa, port })
    s.listen(backlog)
    return s
  } catch (e) {
    s.close()
    throw e
  }
}

/** Binds and closes again: whether the daemon's child will be able to listen there. */
export function probeBind(proc: Proc, local: NumericHost, port: number): void {
  listenTcp(proc, local, port, 1).close()
}

/** Serves connections on `s` until the process is killed or `s` is closed. */
export async function acceptLoop(
  proc: Proc,
  s: SocketFd,
  maxConns: number,
  serve: (fd: SocketFd, from: SockAddrIn) => Promise<void>,
): Promise<void> {
  const live = new Set<SocketFd>()
  const off = proc.onKill(() => {
    s.close()
    for (const fd of live) fd.close()
    live.clear()
  })
  try {
    for (;;) {
      let c: { fd: SocketFd; from: SockAddrIn }
      try {
        c = await s.accept()
      } catch {
        return
      }
      if (live.size >= maxConns) {
        c.fd.close()
        continue
      }
      live.add(c.fd)
      void serve(c.fd, c.from)
        .catch(() => {})
        .finally(() => {
          c.fd.close()
          live.delete(c.fd)
        })
    }
  } finally {
    off()
    s.close()
  }
}

/**
 * nc(1) over TCP, as FreeBSD's netcat does it: a client connects (`-w` bounds the connect and then
 * idle time, `-s`/`-p` pick the local end, `-z` only checks the port is open) and copies standard
 * input to the connection and the connection to standard output; `-N` shuts the connection down
 * for writing at end of input; the session ends when the peer closes. A listener (`-l`) accepts one
 * connection (`-k`: one after another) on a socket with SO_REUSEADDR and a backlog of 1. `-v`
 * reports each end as nc does.
 */

import { IPPROTO_TCP, SHUT, SO, SOCK, SOL_SOCKET, type SocketFd, TCP_MD5SIG } from '../../../host/syscalls.js'
import { isSysError, sysErrorOf } from '../../../util/errno.js'
import { utf8Decode, utf8Encode } from '../../../util/utf8.js'
import { anyHost, CmdError, EX, type NumericHost, numericHost, sockHost } from '../../common.js'
import type { Io, Proc } from '../../types.js'

export interface NcTcpOptions {
  keep: boolean
  zero: boolean
  verbose: boolean
  shutdownOnEof: boolean
  /** -w, in ns; Infinity without. */
  idle: number
  /** -4 / -6: the family a host operand must be (0: either). */
  family: 0 | 4 | 6
  /** -s: the local address, or null. */
  source: NumericHost | null
  sourcePort: number
  /** -S: TCP_MD5SIG on the socket (RFC 2385 signatures, keys from setkey). */
  md5sig: boolean
  serviceName(port: number): string
}

/** nc -S: TCP_MD5SIG, or `nc: Protocol not available` (err(1, NULL)) without the tcpmd5 module. */
function md5sig(s: SocketFd, o: NcTcpOptions): void {
  if (!o.md5sig) return
  try {
    s.setsockopt(IPPROTO_TCP, TCP_MD5SIG, 1)
  } catch (e) {
    if (isSysError(e)) throw new CmdError(e.strerror)
    throw e
  }
}

/**
 * readwrite(): copy both ways until the peer closes its side (or `-w` passes without traffic).
 * Standard input ending shuts our side down only with -N, as nc does.
 */
async function readwrite(io: Io, s: SocketFd, o: NcTcpOptions): Promise<number> {
  let stdinDone = false
  const pump = (async () => {
    for (let chunk = await io.stdin.read(); chunk !== null; chunk = await io.stdin.read()) {
      if (chunk === '') continue
      try {
        await s.send(utf8Encode(chunk))
      } catch (e) {
        if (!isSysError(e) || e.code === 'EBADF') return
        if (e.code !== 'EPIPE') io.stderr.write(`nc: write failed (${e.strerror})\n`)
        return
      }
    }
    stdinDone = true
    if (o.shutdownOnEof) {
      try {
        s.shutdown(SHUT.WR)
      } catch {
        // Already gone: nothing to shut.
      }
    }
  })()
  void pump
  for (;;) {
    let d: Uint8Array
    try {
      d = await s.recv(65536, 0, o.idle)
    } catch (e) {
      if (!isSysError(e)) throw e
      if (e.code === 'EAGAIN' || e.code === 'EBADF') return EX.OK
      io.stderr.write(`nc: read failed (${e.strerror})\n`)
      return EX.ERR
    }
    if (d.length === 0) return EX.OK
    io.stdout.write(utf8Decode(d))
    void stdinDone
  }
}

export async function tcpClient(
  io: Io,
  proc: Proc,
  o: NcTcpOptions,
  host: string,
  port: number,
): Promise<number> {
  const h = numericHost(proc.sys, host, o.family)
  if (h === null || (o.source !== null && o.source.family !== h.family))
    throw new CmdError(
      `getaddrinfo for host "${host}" port ${port}: hostname nor servname provided, or not known`,
    )
  const dst = { ...h.sa, port }
  const s = proc.sys.socket(h.family, SOCK.STREAM)
  const off = proc.onKill(() => s.close())
  try {
    md5sig(s, o)
    if (o.source !== null || o.sourcePort !== 0) {
      try {
        s.bind({ ...(o.source ?? anyHost(h.family)).sa, port: o.sourcePort })
      } catch (e) {
        if (isSysError(e)) throw new CmdError(`bind failed: ${e.strerror}`)
        throw e
      }
    }
    try {
      // timeout_connect(): -w bounds the handshake too.
      if (o.idle === Number.POSITIVE_INFINITY) await s.connect(dst)
      else {
        s.setNonBlocking(true)
        await s.connect(dst).catch((e) => {
          if (!isSysError(e) || e.code !== 'EINPROGRESS') throw e
        })
        const ready = await s.pollOut(o.idle)
        const err = s.getsockopt(SOL_SOCKET, SO.ERROR)
        if (!ready) throw Object.assign(new Error('timeout'), { ncTimeout: true })
        // timeout_connect(): the pending error is the connect's (ECONNREFUSED, EHOSTUNREACH ...).
        if (err !== 0) throw sysErrorOf(err, 'connect')
        s.setNonBlocking(false)
      }
    } catch (e) {
      const reason = isSysError(e)
        ? e.strerror
        : (e as { ncTimeout?: boolean }).ncTimeout
          ? 'Operation timed out'
          : null
      if (reason === null) throw e
      if (o.verbose || !o.zero)
        io.stderr.write(`nc: connect to ${host} port ${port} (tcp) failed: ${reason}\n`)
      return EX.ERR
    }
    if (o.verbose)
      io.stderr.write(`Connection to ${host} ${port} port [tcp/${o.serviceName(port)}] succeeded!\n`)
    if (o.zero) return EX.OK
    return await readwrite(io, s, o)
  } finally {
    off()
    s.close()
  }
}

export async function tcpListen(
  io: Io,
  proc: Proc,
  o: NcTcpOptions,
  local: NumericHost,
  port: number,
): Promise<number> {
  const s = proc.sys.socket(local.family, SOCK.STREAM)
  const off = proc.onKill(() => s.close())
  try {
    s.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
    md5sig(s, o)
    try {
      s.bind({ ...local.sa, port })
    } catch (e) {
      if (isSysError(e)) throw new CmdError(`bind failed: ${e.strerror}`)
      throw e
    }
    s.listen(1)
    for (;;) {
      let c: Awaited<ReturnType<SocketFd['accept']>>
      try {
        c = await s.accept()
      } catch (e) {
        if (isSysError(e) && e.code === 'EBADF') return EX.OK
        throw e
      }
      if (o.verbose) io.stderr.write(`Connection from ${sockHost(c.from)} ${c.from.port} received!\n`)
      let status: number
      try {
        status = await readwrite(io, c.fd, o)
      } finally {
        c.fd.close()
      }
      if (!o.keep) return status
    }
  } finally {
    off()
    s.close()
  }
}

/**
 * sshd(8) up to where SSH's cryptography starts: it listens on port 22 (IPv4 and IPv6, or `-p`,
 * `-4`, `-6`), and on each connection sends its identification string (RFC 4253 §4.2), reads the
 * client's, and then, since VirtNet implements no key exchange, ends the session politely with an
 * unencrypted SSH_MSG_DISCONNECT, reason SSH_DISCONNECT_KEY_EXCHANGE_FAILED (§11.1; packets
 * before the first key exchange carry no MAC and no encryption, §6). Enough for a lab to show a
 * listening sshd (`netstat -an`, `sockstat`) and for a client to see who answers; no login.
 * Without -D or -d it detaches and writes /var/run/sshd.pid; -i serves one connection on
 * standard input and output (inetd's `sshd -i`). Must not: wait for a client's identification
 * longer than LoginGraceTime (120 s), or read more than 255 characters of it (§4.2).
 */

import { AF_INET, AF_INET6, SO, SOCK, SOL_SOCKET, type SocketFd } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import { utf8Encode } from '../../../util/utf8.js'
import { nullOut } from '../../bin/sh/streams.js'
import { anyHost } from '../../common.js'
import { getopt } from '../../getopt.js'
import type { Io, Proc } from '../../types.js'
import { LineReader, nextLine, socketIo, TIMEOUT } from '../../usr.sbin/inetd/socket_io.js'

export const SSHD_VERSION = 'SSH-2.0-VirtNet_sshd FreeBSD'
const GRACE_NS = 120e9
const SSH_MSG_DISCONNECT = 1
const SSH_DISCONNECT_KEY_EXCHANGE_FAILED = 3
/** Servers at once (MaxStartups' hard limit, 100 in OpenSSH's default `10:30:100`). */
const MAX_STARTUPS = 100

const nullIo: Io = { stdin: { read: async () => null }, stdout: nullOut, stderr: nullOut }

/** An unencrypted binary packet (RFC 4253 §6): length, padding length, payload, random padding. */
export function sshPacket(payload: Uint8Array, random: (n: number) => Uint8Array): Uint8Array {
  // 4 + 1 + payload + padding is a multiple of 8, with at least 4 bytes of padding.
  let pad = 8 - ((5 + payload.length) % 8)
  if (pad < 4) pad += 8
  const len = 1 + payload.length + pad
  const out = new Uint8Array(4 + len)
  new DataView(out.buffer).setUint32(0, len)
  out[4] = pad
  out.set(payload, 5)
  out.set(random(pad), 5 + payload.length)
  return out
}

/** SSH_MSG_DISCONNECT: reason code, description (UTF-8 string), language tag (§11.1). */
export function disconnectPayload(reason: number, description: string): Uint8Array {
  const d = utf8Encode(description)
  const out = new Uint8Array(1 + 4 + 4 + d.length + 4)
  const v = new DataView(out.buffer)
  out[0] = SSH_MSG_DISCONNECT
  v.setUint32(1, reason)
  v.setUint32(5, d.length)
  out.set(d, 9)
  v.setUint32(9 + d.length, 0)
  return out
}

/** One session on io: identification strings both ways, then the disconnect. */
export async function sshSession(io: Io, proc: Proc): Promise<number> {
  await io.stdout.write(`${SSHD_VERSION}\r\n`)
  const lines = new LineReader(io, 255)
  const line = await nextLine(lines, proc, GRACE_NS)
  if (line === null || line === TIMEOUT || proc.killed) return 1
  // §5.1: a server may accept "1.99" from an old client as 2.0; anything else is another protocol.
  if (!/^SSH-(2\.0|1\.99)-/.test(line)) {
    await io.stdout.write('Invalid SSH identification string.\r\n')
    return 1
  }
  const pkt = sshPacket(
    disconnectPayload(SSH_DISCONNECT_KEY_EXCHANGE_FAILED, 'key exchange is not implemented by this server'),
    (n) => proc.sys.getrandom(n),
  )
  await io.stdout.write(String.fromCharCode(...pkt))
  return 0
}

export async function sshd(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const g = getopt('sshd', argv.slice(1), '46DdeiqtTGC:E:f:g:h:k:o:p:u:')
  if (typeof g === 'string') {
    io.stderr.write(
      `${g}\nusage: sshd [-46DdeGiqTtV] [-C connection_spec] [-c host_cert_file]\n            [-E log_file] [-f config_file] [-g login_grace_time]\n            [-h host_key_file] [-o option] [-p port] [-u len]\n`,
    )
    return 1
  }
  let fg = false
  let inetdMode = false
  let families: Array<4 | 6> = [4, 6]
  let port = 22
  for (const [o, a] of g.opts) {
    if (o === 'D' || o === 'd') fg = true
    else if (o === 'i') inetdMode = true
    else if (o === '4') families = [4]
    else if (o === '6') families = [6]
    else if (o === 'p') {
      port = Number(a)
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        io.stderr.write(`Bad port number.\n`)
        return 1
      }
    } else if (o === 't' || o === 'T') return 0
  }
  if (inetdMode) return sshSession(io, proc)
  if (!fg) {
    proc.spawn(['/usr/sbin/sshd', '-D', ...argv.slice(1)], nullIo)
    return 0
  }
  const socks: SocketFd[] = []
  for (const fam of families) {
    const s = proc.sys.socket(fam === 6 ? AF_INET6 : AF_INET, SOCK.STREAM)
    try {
      s.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
      s.bind({ ...anyHost(fam === 6 ? AF_INET6 : AF_INET).sa, port })
      s.listen(128)
      socks.push(s)
    } catch (e) {
      s.close()
      if (!isSysError(e)) throw e
      io.stderr.write(`Bind to port ${port} on ${fam === 6 ? '::' : '0.0.0.0'} failed: ${e.strerror}.\n`)
    }
  }
  if (socks.length === 0) {
    io.stderr.write('Cannot bind any address.\n')
    return 255
  }
  const pidfile = '/var/run/sshd.pid'
  if (proc.fs.truncate(pidfile)) proc.fs.append(pidfile, `${proc.pid}\n`)
  let sessions = 0
  const serve = async (s: SocketFd) => {
    for (;;) {
      let c: Awaited<ReturnType<SocketFd['accept']>>
      try {
        c = await s.accept()
      } catch (e) {
        if (isSysError(e)) return
        throw e
      }
      if (sessions >= MAX_STARTUPS) {
        c.fd.close()
        continue
      }
      sessions++
      void sshSession(socketIo(c.fd), proc).finally(() => {
        sessions--
        c.fd.close()
      })
    }
  }
  const closeAll = () => {
    for (const s of socks) s.close()
  }
  const off = proc.onKill(closeAll)
  try {
    await Promise.all(socks.map(serve))
  } finally {
    off()
    closeAll()
    if ((proc.fs.read(pidfile) ?? '').trim() === String(proc.pid)) proc.fs.remove(pidfile)
  }
  return 0
}

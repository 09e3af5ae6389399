/**
 * nc(1), the netcat FreeBSD ships (from OpenBSD): read and write data across the network. With `-u`
 * it speaks UDP: as a client it connects a datagram socket and sends each chunk of standard input
 * as a datagram, printing what comes back; with `-l` it waits for the first datagram, then talks to
 * its sender (`-k`: to anyone, without connecting). `-z` only checks that something answers, `-w`
 * ends a session idle for that long, `-N` shuts the socket down at end of input, `-v` reports.
 * TCP, nc's default, lives in nc_tcp.ts.
 *
 * Standard input and output are text here, so binary payloads are carried as UTF-8.
 */

import {
  AF_INET,
  AF_INET6,
  SHUT,
  SOCK,
  type SockAddrIn,
  type SocketFd,
  type Syscalls,
} from '../../../host/syscalls.js'
import { SEC } from '../../../util/clock.js'
import { isSysError } from '../../../util/errno.js'
import { utf8Decode, utf8Encode } from '../../../util/utf8.js'
import {
  anyHost,
  CmdError,
  EX,
  type NumericHost,
  numericHost,
  optsOrUsage,
  runTool,
  sockHost,
} from '../../common.js'
import { getopt, strtonum } from '../../getopt.js'
import type { Command, Io, Proc } from '../../types.js'
import { type NcTcpOptions, tcpClient, tcpListen } from './nc_tcp.js'

const USAGE = `usage: nc [-46DdFhklNnrStUuvz] [-I length] [-i interval] [-M ttl]
\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]
\t  [-s source] [-T keyword] [-V rtable] [-w timeout] [-X proxy_protocol]
\t  [-x proxy_address[:port]] [destination] [port]`

/** The few services getservbyport(3) would name in the `-v` report. */
const SERVICES: ReadonlyMap<number, string> = new Map([
  [7, 'echo'],
  [9, 'discard'],
  [13, 'daytime'],
  [21, 'ftp'],
  [22, 'ssh'],
  [23, 'telnet'],
  [25, 'smtp'],
  [53, 'domain'],
  [67, 'bootps'],
  [69, 'tftp'],
  [80, 'http'],
  [123, 'ntp'],
  [161, 'snmp'],
  [443, 'https'],
  [514, 'syslog'],
  [520, 'router'],
])

/** nc's options: the TCP session's, and which kind of socket and side. */
interface NcOptions extends Omit<NcTcpOptions, 'serviceName'> {
  udp: boolean
  listen: boolean
}

function parsePort(s: string): number {
  const n = /^\d+$/.test(s) ? Number(s) : Number.NaN
  if (!(n >= 1 && n <= 65535)) throw new CmdError(`port number invalid: ${s}`)
  return n
}

function options(argv: readonly string[], sys: Syscalls): { o: NcOptions; rest: string[] } {
  const { opts, rest } = optsOrUsage(
    getopt('nc', argv.slice(1), '46DdFhklNnrStUuvzI:i:M:m:O:P:p:s:T:V:w:X:x:'),
    USAGE,
    1,
  )
  const o: NcOptions = {
    udp: false,
    listen: false,
    keep: false,
    zero: false,
    verbose: false,
    shutdownOnEof: false,
    idle: Number.POSITIVE_INFINITY,
    family: 0,
    source: null,
    sourcePort: 0,
    md5sig: false,
  }
  let source: string | null = null
  for (const [f, arg] of opts) {
    if (f === 'u') o.udp = true
    else if (f === 'l') o.listen = true
    else if (f === 'k') o.keep = true
    else if (f === 'z') o.zero = true
    else if (f === 'v') o.verbose = true
    else if (f === 'N') o.shutdownOnEof = true
    else if (f === 'w') {
      const r = strtonum(arg, 0, 100000000)
      if (typeof r === 'string') throw new CmdError(`timeout ${r}: ${arg}`)
      o.idle = r * SEC
    } else if (f === 's') source = arg
    else if (f === 'p') o.sourcePort = parsePort(arg)
    else if (f === 'S') o.md5sig = true
    else if (f === '4') o.family = 4
    else if (f === '6') o.family = 6
    else if (f === 'n' || f === 'd' || f === 'D') {
      // Accepted as FreeBSD does; without a resolver or debugging they change nothing here.
    } else throw new CmdError(`-${f}: not supported by this nc`, EX.USAGE)
  }
  if (o.keep && !o.listen) throw new CmdError('must use -l with -k')
  if (source !== null) {
    o.source = numericHost(sys, source, o.family)
    if (o.source === null) throw new CmdError(`getaddrinfo: Name does not resolve`)
  }
  return { o, rest }
}

/** Send standard input, chunk by chunk, until it ends or the socket fails. */
async function pumpStdin(io: Io, s: SocketFd, o: NcOptions, to: () => SockAddrIn | undefined): Promise<void> {
  for (let chunk = await io.stdin.read(); chunk !== null; chunk = await io.stdin.read()) {
    if (chunk === '') continue
    try {
      s.sendto(utf8Encode(chunk), to())
    } catch (e) {
      if (!isSysError(e) || e.code === 'EBADF') return
      io.stderr.write(`nc: write failed (${e.strerror})\n`)
      return
    }
  }
  if (o.shutdownOnEof) s.shutdown(SHUT.WR)
}

/**
 * Print what arrives until the session has been idle for `-w` or the socket fails. With `onFirst`,
 * the first datagram's sender is handed over (the listener connects to it).
 */
async function pumpNet(
  io: Io,
  s: SocketFd,
  o: NcOptions,
  onFirst?: (from: SockAddrIn) => void,
): Promise<number> {
  let first = onFirst
  for (;;) {
    let got: Awaited<ReturnType<SocketFd['recvfrom']>>
    try {
      got = await s.recvfrom(65535, 0, o.idle)
    } catch (e) {
      if (!isSysError(e)) throw e
      if (e.code === 'EAGAIN' || e.code === 'EBADF') return EX.OK
      io.stderr.write(`nc: read failed (${e.strerror})\n`)
      return EX.ERR
    }
    if (first !== undefined) {
      first(got.from)
      first = undefined
    }
    io.stdout.write(utf8Decode(got.data))
  }
}

function serviceName(port: number): string {
  return SERVICES.get(port) ?? '*'
}

async function udpClient(io: Io, proc: Proc, o: NcOptions, host: string, port: number): Promise<number> {
  const h = numericHost(proc.sys, host, o.family)
  if (h === null || (o.source !== null && o.source.family !== h.family))
    throw new CmdError(
      `getaddrinfo for host "${host}" port ${port}: hostname nor servname provided, or not known`,
    )
  const s = proc.sys.socket(h.family, SOCK.DGRAM)
  const off = proc.onKill(() => s.close())
  try {
    if (o.source !== null || o.sourcePort !== 0)
      s.bind({ ...(o.source ?? anyHost(h.family)).sa, port: o.sourcePort })
    await s.connect({ ...h.sa, port })
    if (o.zero) {
      // udptest: a few probes; an ICMP port unreachable for the first makes the next ones fail.
      try {
        for (let i = 0; i < 4; i++) s.sendto(utf8Encode('X'))
      } catch (e) {
        if (!isSysError(e)) throw e
        if (o.verbose) io.stderr.write(`nc: connect to ${host} port ${port} (udp) failed: ${e.strerror}\n`)
        return EX.ERR
      }
    }
    if (o.verbose || o.zero)
      io.stderr.write(`Connection to ${host} ${port} port [udp/${serviceName(port)}] succeeded!\n`)
    if (o.zero) return EX.OK
    const net = pumpNet(io, s, o)
    void pumpStdin(io, s, o, () => undefined)
    return await net
  } catch (e) {
    if (isSysError(e)) throw new CmdError(`connect to ${host} port ${port} (udp) failed: ${e.strerror}`)
    throw e
  } finally {
    off()
    s.close()
  }
}

async function udpListen(
  io: Io,
  proc: Proc,
  o: NcOptions,
  local: NumericHost,
  port: number,
): Promise<number> {
  const s = proc.sys.socket(local.family, SOCK.DGRAM)
  const off = proc.onKill(() => s.close())
  try {
    try {
      s.bind({ ...local.sa, port })
    } catch (e) {
      if (isSysError(e)) throw new CmdError(`bind failed: ${e.strerror}`)
      throw e
    }
    let peer: SockAddrIn | undefined
    const net = pumpNet(io, s, o, (from) => {
      if (o.verbose) io.stderr.write(`Connection from ${sockHost(from)} ${from.port} received!\n`)
      peer = from
      // Like OpenBSD's nc, a listener then talks to that sender only (-k: to every sender).
      if (!o.keep) s.connect(from).catch(() => {})
    })
    void pumpStdin(io, s, o, () => (o.keep ? peer : undefined))
    return await net
  } finally {
    off()
    s.close()
  }
}

export const nc: Command = (argv, io, proc) =>
  runTool('nc', io, async () => {
    const { o, rest } = options(argv, proc.sys)
    if (o.listen) {
      if (rest.length < 1 || rest.length > 2) throw new CmdError(USAGE, EX.ERR, true)
      // Without an address: the family's wildcard (IPv4 unless -6), or -s's address.
      const addr =
        rest.length === 2
          ? numericHost(proc.sys, rest[0]!, o.family)
          : (o.source ?? anyHost(o.family === 6 ? AF_INET6 : AF_INET))
      if (addr === null) throw new CmdError('getaddrinfo: Name does not resolve')
      const port = parsePort(rest[rest.length - 1]!)
      if (!o.udp) return tcpListen(io, proc, { ...o, serviceName }, addr, port)
      return udpListen(io, proc, o, addr, port)
    }
    if (rest.length !== 2) throw new CmdError(USAGE, EX.ERR, true)
    const port = parsePort(rest[1]!)
    if (!o.udp) return tcpClient(io, proc, { ...o, serviceName }, rest[0]!, port)
    return udpClient(io, proc, o, rest[0]!, port)
  })

/**
 * tcpdrop(8): drop TCP connections of the caller's stack, as FreeBSD's does through the
 * net.inet.tcp.drop sysctl (here the kernel's tcpDrop call): one connection named by its four
 * endpoints, or with `-a` every connection that is not listening, or with `-s STATE` / `-S STACK`
 * those in that state / on that TCP stack (FreeBSD 14; the one stack here is `freebsd`); `-l` prints
 * the tcpdrop commands instead of dropping. Dropping needs root in a jail that owns its stack.
 * IPv6 connections print and parse as getnameinfo/getaddrinfo do, link-local ones with `%zone`.
 *
 * Half-open connections in the syncache are in the list as SYN_RCVD (syncache_pcblist), so `-a`
 * and `-s SYN_RCVD` name them, as FreeBSD 14's does; but they have no PCB for net.inet.tcp.drop to
 * find, so dropping one fails with ESRCH and the entry stays (it ends by its own timer or the
 * peer's RST). Their exported stack name is empty, so `-S` never selects them.
 */

import type { SockAddrIn, SocketInfo } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import { CmdError, in6WithZone, ip, numericHost, runTool } from '../../common.js'
import { getopt } from '../../getopt.js'
import type { Command, Io, Proc } from '../../types.js'

const USAGE = [
  'usage: tcpdrop local-address local-port foreign-address foreign-port',
  '       tcpdrop [-l] -a',
  '       tcpdrop [-l] [-S stack] -s state',
  '       tcpdrop [-l] -S stack [-s state]',
].join('\n')

/** getaddrinfo(3)'s service names for the ports one is likely to type. */
const SERVICES: ReadonlyMap<string, number> = new Map([
  ['ftp', 21],
  ['ssh', 22],
  ['telnet', 23],
  ['smtp', 25],
  ['domain', 53],
  ['http', 80],
  ['pop3', 110],
  ['imap', 143],
  ['https', 443],
])

function port(s: string): number | null {
  if (/^\d+$/.test(s)) {
    const n = Number(s)
    return n <= 65535 ? n : null
  }
  return SERVICES.get(s) ?? null
}

/** getnameinfo(NI_NUMERICHOST) of one endpoint's address, as tcpdrop prints it. */
function hostText(sa: SockAddrIn, ifNames: ReadonlyMap<number, string>): string {
  return sa.addr6 === undefined ? ip(sa.addr) : in6WithZone(sa.addr6, sa.scopeId ?? 0, ifNames)
}

/** tcpdrop(): one connection, or with `list` its command line. */
function dropOne(proc: Proc, io: Io, l: SockAddrIn, f: SockAddrIn, list: boolean): boolean {
  const names = new Map(proc.sys.ifList().map((i) => [i.index, i.name] as const))
  const name = `${hostText(l, names)} ${l.port} ${hostText(f, names)} ${f.port}`
  if (list) {
    io.stdout.write(`tcpdrop ${name}\n`)
    return true
  }
  try {
    proc.sys.tcpDrop(l, f)
  } catch (e) {
    if (!isSysError(e)) throw e
    io.stderr.write(`tcpdrop: ${name}: ${e.strerror}\n`)
    return false
  }
  io.stdout.write(`${name}: dropped\n`)
  return true
}

/** The two endpoints of a listed connection. */
function endpoints(s: SocketInfo): [SockAddrIn, SockAddrIn] {
  if (s.laddr6 === undefined || s.faddr6 === undefined)
    return [
      { addr: s.laddr, port: s.lport },
      { addr: s.faddr, port: s.fport },
    ]
  const scopeId = s.scopeId ?? 0
  return [
    { addr: 0, port: s.lport, addr6: s.laddr6, scopeId },
    { addr: 0, port: s.fport, addr6: s.faddr6, scopeId },
  ]
}

export const tcpdrop: Command = (argv, io, proc) =>
  runTool('tcpdrop', io, () => {
    const r = getopt('tcpdrop', argv.slice(1), 'alS:s:')
    if (typeof r === 'string') throw new CmdError(`${r}\n${USAGE}`, 1, true)
    const opt = (f: string) => r.opts.find(([o]) => o === f)?.[1]
    const all = r.opts.some(([f]) => f === 'a')
    const list = r.opts.some(([f]) => f === 'l')
    const state = opt('s')
    const stack = opt('S')
    const args = r.rest
    if (all || state !== undefined || stack !== undefined) {
      if (args.length !== 0 || (all && (state !== undefined || stack !== undefined)))
        throw new CmdError(USAGE, 1, true)
      let ok = true
      const conns = proc.sys
        .socketList()
        .filter(
          (s: SocketInfo) =>
            s.proto.startsWith('tcp') &&
            s.state !== 'LISTEN' &&
            (stack === undefined || stack === '' || s.stack === stack) &&
            (state === undefined || s.state === state),
        )
      for (const s of conns) if (!dropOne(proc, io, ...endpoints(s), list)) ok = false
      return ok ? 0 : 1
    }
    if (args.length !== 4 || list) throw new CmdError(USAGE, 1, true)
    const [lh, lps, fh, fps] = args as [string, string, string, string]
    const l = numericHost(proc.sys, lh)
    const lp = port(lps)
    // (sic) FreeBSD's tcpdrop names the local pair in either failure.
    if (l === null || lp === null) throw new CmdError(`getaddrinfo: ${lh} port ${lps}: Name does not resolve`)
    const f = numericHost(proc.sys, fh)
    const fp = port(fps)
    if (f === null || fp === null) throw new CmdError(`getaddrinfo: ${lh} port ${lps}: Name does not resolve`)
    // tcpdropbyname pairs only addresses of one family.
    if (l.family !== f.family) throw new CmdError(`${lh} ${lps} ${fh} ${fps}: different address families`)
    return dropOne(proc, io, { ...l.sa, port: lp }, { ...f.sa, port: fp }, false) ? 0 : 1
  })

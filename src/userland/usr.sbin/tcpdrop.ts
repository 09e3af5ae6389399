/**
 * tcpdrop(8): drop TCP connections of the caller's stack, as FreeBSD's does through the
 * net.inet.tcp.drop sysctl (here the kernel's tcpDrop call): one connection named by its four
 * endpoints, or with `-a` every connection that is not listening, or with `-s STATE` / `-S STACK`
 * those in that state / on that TCP stack (FreeBSD 14; the one stack here is `freebsd`); `-l` prints
 * the tcpdrop commands instead of dropping. Dropping needs root in a jail that owns its stack.
 *
 * Half-open connections in the syncache are in the list as SYN_RCVD (syncache_pcblist), so `-a`
 * and `-s SYN_RCVD` name them, as FreeBSD 14's does; but they have no PCB for net.inet.tcp.drop to
 * find, so dropping one fails with ESRCH and the entry stays (it ends by its own timer or the
 * peer's RST). Their exported stack name is empty, so `-S` never selects them.
 */

import type { SocketInfo } from '../../host/syscalls.js'
import { isSysError } from '../../util/errno.js'
import { CmdError, hostAddr, ip, runTool } from '../common.js'
import { getopt } from '../getopt.js'
import type { Command, Io, Proc } from '../types.js'

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

/** tcpdrop(): one connection, or with `list` its command line. */
function dropOne(proc: Proc, io: Io, la: number, lp: number, fa: number, fp: number, list: boolean): boolean {
  const name = `${ip(la)} ${lp} ${ip(fa)} ${fp}`
  if (list) {
    io.stdout.write(`tcpdrop ${name}\n`)
    return true
  }
  try {
    proc.sys.tcpDrop({ addr: la, port: lp }, { addr: fa, port: fp })
  } catch (e) {
    if (!isSysError(e)) throw e
    io.stderr.write(`tcpdrop: ${name}: ${e.strerror}\n`)
    return false
  }
  io.stdout.write(`${name}: dropped\n`)
  return true
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
            s.proto === 'tcp4' &&
            s.state !== 'LISTEN' &&
            (stack === undefined || stack === '' || s.stack === stack) &&
            (state === undefined || s.state === state),
        )
      for (const s of conns) if (!dropOne(proc, io, s.laddr, s.lport, s.faddr, s.fport, list)) ok = false
      return ok ? 0 : 1
    }
    if (args.length !== 4 || list) throw new CmdError(USAGE, 1, true)
    const [lh, lps, fh, fps] = args as [string, string, string, string]
    const la = hostAddr(lh)
    const lp = port(lps)
    // (sic) FreeBSD's tcpdrop names the local pair in either failure.
    if (la === null || lp === null)
      throw new CmdError(`getaddrinfo: ${lh} port ${lps}: Name does not resolve`)
    const fa = hostAddr(fh)
    const fp = port(fps)
    if (fa === null || fp === null)
      throw new CmdError(`getaddrinfo: ${lh} port ${lps}: Name does not resolve`)
    return dropOne(proc, io, la, lp, fa, fp, false) ? 0 : 1
  })

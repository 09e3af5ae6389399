/**
 * bgpd(8): the BGP-4 daemon (RFC 4271), FRR's program as a VirtNet process. It runs in its jail and
 * uses only the syscall API: a TCP listener on port 179 and one outbound connection per neighbour
 * (bgp_peer.ts runs each session's state machine), the routing socket calls to install best paths
 * into the vnet's FIB as zebra does (zebra_fib.ts: `UG1`), and a vty on TCP 127.0.0.1:2605 for
 * vtysh. Interfaces and the kernel table are re-read every few seconds (zebra's events) and on every
 * change of configuration: they decide which `network`s exist (import check), what is redistributed
 * and which next hops resolve. UPDATEs are applied as they arrive; best paths are chosen and
 * announced in one pass per wake-up, so a burst of UPDATEs costs one pass.
 *
 * `bgpd -d` detaches. A kill takes its routes out of the FIB. Malformed messages are answered with
 * a NOTIFICATION and counted (`show ip bgp neighbors`); a neighbour that announces more than its
 * `maximum-prefix` (by default BGP_DEFAULT_MAX_PREFIX) is dropped with Cease and held down.
 *
 * Must not: throw out of its loop, or block on anything but its sockets and its timer.
 */

import { AF_INET, SO, SOCK, SOL_SOCKET, type SocketFd, type Syscalls } from '../../../../host/syscalls.js'
import { isSysError } from '../../../../util/errno.js'
import { BGP_PORT } from '../../../../wire/bgp.js'
import { nullOut } from '../../../bin/sh/streams.js'
import { getopt } from '../../../getopt.js'
import type { Io, Proc } from '../../../types.js'
import { newFrrState, VtySession } from '../vty_cmds.js'
import { serveVty } from '../vty_server.js'
import { BgpDaemon } from './bgp_daemon.js'

export const BGPD_VTY_PORT = 2605
const LOOPBACK = 0x7f000001
const USAGE = 'usage: bgpd [-d] [-f config-file] [-A vty-address] [-P vty-port] [-p bgp-port]'

const nullIo: Io = {
  stdin: { read: async () => null },
  stdout: nullOut,
  stderr: nullOut,
}

function bindListener(sys: Syscalls, addr: number, port: number): SocketFd {
  const fd = sys.socket(AF_INET, SOCK.STREAM)
  try {
    fd.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
    fd.bind({ addr, port })
    fd.listen(16)
  } catch (e) {
    fd.close()
    throw e
  }
  return fd
}

/** bgpd [-d] [-f config-file] [-A vty-address] [-P vty-port] [-p bgp-port] */
export async function bgpd(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const o = getopt('bgpd', argv.slice(1), 'df:A:P:p:hu:g:i:z:')
  if (typeof o === 'string' || o.rest.length > 0) {
    io.stderr.write(`${typeof o === 'string' ? `${o}\n` : ''}${USAGE}\n`)
    return 1
  }
  let daemon = false
  let config: string | null = null
  let vtyPort = BGPD_VTY_PORT
  let port = BGP_PORT
  for (const [f, v] of o.opts) {
    if (f === 'd') daemon = true
    else if (f === 'f') config = v
    else if (f === 'P' || f === 'p') {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        io.stderr.write(`bgpd: invalid port: ${v}\n${USAGE}\n`)
        return 1
      }
      if (f === 'P') vtyPort = n
      else port = n
    } else if (f === 'h') {
      io.stdout.write(`${USAGE}\n`)
      return 0
    }
  }
  let cfgText: string | null = null
  if (config !== null) {
    cfgText = proc.fs.read(config) ?? null
    if (cfgText === null) {
      io.stderr.write(`bgpd: can't open configuration file [${config}]\n`)
      return 1
    }
  }
  const sys = proc.sys
  let lfd: SocketFd
  let vfd: SocketFd | null = null
  try {
    lfd = bindListener(sys, 0, port)
  } catch (e) {
    if (isSysError(e)) {
      io.stderr.write(`bgpd: can't bind to port ${port}: ${e.strerror}\n`)
      return 1
    }
    throw e
  }
  if (vtyPort !== 0)
    try {
      vfd = bindListener(sys, LOOPBACK, vtyPort)
    } catch (e) {
      lfd.close()
      if (isSysError(e)) {
        io.stderr.write(`bgpd: can't bind vty to 127.0.0.1:${vtyPort}: ${e.strerror}\n`)
        return 1
      }
      throw e
    }
  if (daemon) {
    lfd.close()
    vfd?.close()
    proc.spawn(['bgpd', ...argv.slice(1).filter((a) => a !== '-d')], nullIo)
    return 0
  }
  const state = newFrrState(sys.getHostname())
  const d = new BgpDaemon(proc, state, port)
  if (cfgText !== null) {
    const s = new VtySession(sys, state, null, null, null, d)
    s.node = 'config'
    for (const line of cfgText.split('\n')) {
      if (s.exec(line) !== 0) io.stderr.write(s.out)
      s.out = ''
    }
  }
  proc.onKill(() => {
    d.shutdown()
    lfd.close()
    vfd?.close()
  })
  await Promise.all([
    d.run(),
    d.listen(lfd),
    vfd === null
      ? Promise.resolve()
      : serveVty(proc, vfd, (s) => new VtySession(s, state, null, null, null, d)),
  ])
  d.shutdown()
  return 0
}

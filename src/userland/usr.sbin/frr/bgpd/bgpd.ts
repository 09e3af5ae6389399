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

import { BGP_PORT } from '../../../../wire/routing/bgp.js'
import type { Io, Proc } from '../../../types.js'
import { frrDaemonMain, portArg, tcpListener } from '../lib/daemon_main.js'
import { VtySession } from '../vty_cmds.js'
import { BgpDaemon } from './bgp_daemon.js'

export const BGPD_VTY_PORT = 2605
const USAGE = 'usage: bgpd [-d] [-f config-file] [-A vty-address] [-P vty-port] [-p bgp-port]'

/** bgpd [-d] [-f config-file] [-A vty-address] [-P vty-port] [-p bgp-port] */
export function bgpd(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  let port = BGP_PORT
  return frrDaemonMain(
    {
      name: 'bgpd',
      usage: USAGE,
      vtyPort: BGPD_VTY_PORT,
      extraOpts: 'p:',
      option(_f, v) {
        const n = portArg(v)
        if (n === null) return `invalid port: ${v}`
        port = n
        return null
      },
      open: (sys) => tcpListener(sys, 0, port, 16),
      openFailed: (err) => `can't bind to port ${port}: ${err}`,
      start(proc, state, lfd) {
        const d = new BgpDaemon(proc, state, port)
        return {
          daemon: { run: () => Promise.all([d.run(), d.listen(lfd)]), shutdown: () => d.shutdown() },
          session: (sys) => new VtySession(sys, state, null, null, null, d),
        }
      },
    },
    argv,
    io,
    proc,
  )
}

/**
 * divert(4) sockets behind KernelApi: socket(PF_DIVERT, SOCK_RAW, 0), bind to a port, read the
 * packets ipfw diverts there with their sockaddr_in, write packets back to be re-injected
 * (netinet/ip_divert.ts does the kernel's half). A descriptor of the caller's until closed.
 *
 * Must not: open one without the ipdivert module (EAFNOSUPPORT, as FreeBSD without the PF_DIVERT
 * domain) or for anyone but the root of a stack of its own (PRIV_NETINET_DIVERT).
 */

import { Priv } from '../../jail/priv.js'
import { divBind, divClose, divDequeue, divOpen, divOutput } from '../../stack/netinet/ip/ip_divert.js'
import { SysError } from '../../util/errno.js'
import type { Caller } from '../kern/caller.js'
import type { DivertPacket, DivertSocket } from '../syscalls.js'

export function divertSocket(c: Caller): DivertSocket {
  if (!c.host.kld.loaded('ipdivert')) throw new SysError('EAFNOSUPPORT', 'socket')
  c.priv(Priv.NETINET_DIVERT, 'socket')
  const v = c.vnet
  const release = c.openFile('socket')
  const pcb = divOpen(v)
  const clock = c.host.clock
  return {
    bind: (port) => {
      if (pcb.closed) throw new SysError('EBADF', 'bind')
      const e = divBind(v, pcb, port)
      if (e !== undefined) throw new SysError(e, 'bind')
    },
    get port() {
      return pcb.port
    },
    get drops() {
      return pcb.drops
    },
    recv: async (timeoutNs) => {
      const deadline = clock.now() + timeoutNs
      for (;;) {
        const d = divDequeue(pcb)
        if (d !== undefined) return d satisfies DivertPacket
        const left = deadline - clock.now()
        if (pcb.closed || left <= 0) return null
        await pcb.wait.wait(left)
      }
    },
    send: (data, to) => {
      if (pcb.closed) throw new SysError('EBADF', 'sendto')
      const e = divOutput(v, data, to)
      if (e !== undefined) throw new SysError(e, 'sendto')
    },
    close: () => {
      if (pcb.closed) return
      release()
      divClose(v, pcb)
    },
  }
}

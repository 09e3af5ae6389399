/**
 * The real VXLAN underlay: UDP sockets of this process (node:dgram), through which the Linux kernel,
 * another VirtNet process or another machine joins an emulated network (vxlan_underlay.ts is the
 * contract). Only host root's vxlan interfaces bind here (`jailsMayBind: false`): the machine's
 * network is the host's to hand out.
 *
 * Each datagram is copied into a fresh Buffer before `send`, because Node may hold the buffer until
 * the kernel takes it and the stack reuses its mbuf at once. Address strings are cached (bounded) so
 * a steady flow formats and parses none per packet.
 *
 * Must not: throw into the stack (send errors are counted). A bound socket keeps the process alive,
 * as a listening server does: a peer may still talk to it; destroying the interface (or the lab)
 * closes it.
 */

import dgram from 'node:dgram'
import type { UdpUnderlay, UdpUnderlayProvider, UnderlayReceive } from '../../stack/net/if/vxlan_underlay.js'
import { SysError } from '../../util/errno.js'
import { formatIpv4, parseIpv4 } from '../../wire/addr.js'

/** Address strings kept per socket in each direction before the cache starts over. */
const CACHE_MAX = 1024

export interface NodeUdpUnderlay extends UdpUnderlayProvider {
  /** Datagrams whose send failed (no route, buffer full …). */
  readonly sendErrors: number
}

export function nodeUdpUnderlay(): NodeUdpUnderlay {
  const stats = { sendErrors: 0 }
  const onSent = (err: Error | null): void => {
    if (err) stats.sendErrors++
  }
  return {
    kind: 'udp',
    jailsMayBind: false,
    get sendErrors() {
      return stats.sendErrors
    },
    bind(
      addr: number,
      port: number,
      onMessage: UnderlayReceive,
      onError: (code: string) => void,
    ): UdpUnderlay {
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SysError('EINVAL', 'bind')
      const s = dgram.createSocket({ type: 'udp4' })
      const toText = new Map<number, string>()
      const fromText = new Map<string, number>()
      let closed = false
      s.on('message', (msg, rinfo) => {
        let src = fromText.get(rinfo.address)
        if (src === undefined) {
          src = parseIpv4(rinfo.address) ?? 0
          if (fromText.size >= CACHE_MAX) fromText.clear()
          fromText.set(rinfo.address, src)
        }
        onMessage(msg, 0, msg.length, src, rinfo.port)
      })
      s.on('error', (e: NodeJS.ErrnoException) => {
        if (closed) return
        closed = true
        s.close()
        onError(e.code ?? 'EIO')
      })
      s.bind({ port, address: addr === 0 ? '0.0.0.0' : formatIpv4(addr), exclusive: true })
      return {
        send(buf, off, len, to, toPort) {
          if (closed) return
          let host = toText.get(to)
          if (host === undefined) {
            host = formatIpv4(to)
            if (toText.size >= CACHE_MAX) toText.clear()
            toText.set(to, host)
          }
          const b = Buffer.allocUnsafe(len)
          b.set(buf.subarray(off, off + len))
          s.send(b, 0, len, toPort, host, onSent)
        },
        addMembership(group) {
          if (closed) return
          s.once('listening', () => {
            try {
              s.addMembership(formatIpv4(group), addr === 0 ? undefined : formatIpv4(addr))
            } catch {
              stats.sendErrors++
            }
          })
        },
        close() {
          if (closed) return
          closed = true
          s.close()
        },
      }
    },
  }
}

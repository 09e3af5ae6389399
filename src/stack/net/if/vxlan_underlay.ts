/**
 * The datagram transport under vxlan(4) interfaces. On FreeBSD the VXLAN socket is a kernel UDP
 * socket of the vnet the interface was brought up in; here the outer UDP/IP is the *process's*: the
 * host is given a provider by its platform (a real `node:dgram` socket in platform/node, or the
 * in-memory network below for tests that join stacks of one process without touching the OS), and
 * every vxlan interface binds through it. The core never opens a socket itself.
 *
 * Must not: keep a sender's buffer past the call (it is reused at once), throw on the data path, or
 * let a jail reach a real network: the provider says whether a jail-created interface may bind.
 */

import { SysError } from '../../../util/errno.js'

/** A datagram arrived: bytes buf[off..off+len) from srcAddr:srcPort. The buffer is only lent. */
export type UnderlayReceive = (
  buf: Uint8Array,
  off: number,
  len: number,
  srcAddr: number,
  srcPort: number,
) => void

/** One bound datagram socket of the process. */
export interface UdpUnderlay {
  /** Send buf[off..off+len) to addr:port. Copies what it keeps; never throws (failures are counted). */
  send(buf: Uint8Array, off: number, len: number, addr: number, port: number): void
  /** Join a multicast group on this socket (vxlangroup). */
  addMembership?(group: number): void
  close(): void
}

export interface UdpUnderlayProvider {
  /** A short name for diagnostics (`memory`, `udp`). */
  readonly kind: string
  /**
   * Whether an interface created inside a jail may bind here. A real socket reaches the machine's
   * own network, which is the host's to hand out, never a jail's.
   */
  readonly jailsMayBind: boolean
  /**
   * Bind addr:port (addr 0: any). Throws SysError (EADDRINUSE, EADDRNOTAVAIL, EACCES) when refused
   * at once; `onError` reports a failure that the platform learns of later (an asynchronous bind).
   */
  bind(addr: number, port: number, onMessage: UnderlayReceive, onError: (code: string) => void): UdpUnderlay
}

/** A socket bound on a MemUnderlayNet. */
class MemSocket implements UdpUnderlay {
  readonly net: MemUnderlayNet
  readonly addr: number
  readonly port: number
  readonly onMessage: UnderlayReceive
  readonly groups = new Set<number>()
  closed = false
  constructor(net: MemUnderlayNet, addr: number, port: number, onMessage: UnderlayReceive) {
    this.net = net
    this.addr = addr
    this.port = port
    this.onMessage = onMessage
  }
  send(buf: Uint8Array, off: number, len: number, addr: number, port: number): void {
    if (this.closed) return
    this.net.deliver(this, buf, off, len, addr >>> 0, port)
  }
  addMembership(group: number): void {
    this.groups.add(group >>> 0)
  }
  close(): void {
    if (this.closed) return
    this.closed = true
    this.net.unbind(this)
  }
}

function key(addr: number, port: number): number {
  return (addr >>> 0) * 65536 + port
}

/**
 * An in-memory datagram network: sockets bound to addr:port, delivery by destination, multicast to
 * every member of a group. Synchronous: the receiver copies the bytes into its own buffer before
 * send returns. For tests and for several hosts of one process; reaches nothing outside.
 */
export class MemUnderlayNet implements UdpUnderlayProvider {
  readonly kind = 'memory'
  readonly jailsMayBind = true
  private readonly sockets = new Map<number, MemSocket>()
  /** Datagrams sent to an address and port nobody has bound. */
  unreachable = 0
  /** Datagrams delivered. */
  delivered = 0

  bind(addr: number, port: number, onMessage: UnderlayReceive): UdpUnderlay {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SysError('EINVAL', 'bind')
    const k = key(addr, port)
    if (this.sockets.has(k) || this.sockets.has(key(0, port)) || (addr === 0 && this.portUsed(port)))
      throw new SysError('EADDRINUSE', 'bind')
    const s = new MemSocket(this, addr >>> 0, port, onMessage)
    this.sockets.set(k, s)
    return s
  }

  private portUsed(port: number): boolean {
    for (const s of this.sockets.values()) if (s.port === port) return true
    return false
  }

  /** Inject a datagram as if sent from srcAddr:srcPort (tests: a hostile peer). */
  inject(buf: Uint8Array, srcAddr: number, srcPort: number, addr: number, port: number): void {
    this.route(buf, 0, buf.length, srcAddr >>> 0, srcPort, addr >>> 0, port)
  }

  deliver(from: MemSocket, buf: Uint8Array, off: number, len: number, addr: number, port: number): void {
    this.route(buf, off, len, from.addr, from.port, addr, port)
  }

  private route(
    buf: Uint8Array,
    off: number,
    len: number,
    srcAddr: number,
    srcPort: number,
    addr: number,
    port: number,
  ): void {
    if (addr >>> 28 === 0xe) {
      for (const s of this.sockets.values())
        if (s.port === port && s.groups.has(addr) && s.addr !== srcAddr) {
          this.delivered++
          s.onMessage(buf, off, len, srcAddr, srcPort)
        }
      return
    }
    const s = this.sockets.get(key(addr, port)) ?? this.sockets.get(key(0, port))
    if (s === undefined) {
      this.unreachable++
      return
    }
    this.delivered++
    s.onMessage(buf, off, len, srcAddr, srcPort)
  }

  unbind(s: MemSocket): void {
    const k = key(s.addr, s.port)
    if (this.sockets.get(k) === s) this.sockets.delete(k)
  }

  /** Bound sockets (a leak shows up here). */
  get bound(): number {
    return this.sockets.size
  }
}

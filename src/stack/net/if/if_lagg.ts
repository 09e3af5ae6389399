/**
 * lagg(4): link aggregation. A lagg interface sends through its ports (`laggport IF`) by the
 * aggregation protocol (`laggproto`): failover (the master port, or the next active one when it goes
 * down; input only from the port in use, as net.link.lagg.failover_rx_all=0), roundrobin (ports in
 * turn), loadbalance (a hash of the Ethernet and IPv4 addresses picks the port, so a flow stays on
 * one), broadcast (every active port) and none. LACP (802.3ad) is not built: `laggproto lacp` is
 * refused with EPROTONOSUPPORT rather than faked.
 *
 * As FreeBSD: the first port gives the lagg its MAC and MTU, later ports take the lagg's (and get
 * their own MAC back when they leave); bringing the lagg up or down does the same to its ports; a
 * port is active when it is up with carrier. A port belongs to one lagg and cannot be a bridge member meanwhile
 * (the frame-path tap is taken: EBUSY). Ports are at most LAGG_MAX_PORTS.
 *
 * Must not: allocate per frame (except a broadcast lagg's copies), throw on the data path, or keep
 * a port that left the lagg's vnet.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { SysError } from '../../../util/errno.js'
import { etherDriver } from '../ether.js'
import { IFF, Ifnet, type IfTap, ifSetUp, type LinkEndpoint } from '../ifnet.js'
import type { Vnet } from '../vnet.js'
import type { IfCloner } from './if_clone.js'

export const LAGG_MAX_PORTS = 32

export const LaggProto = {
  NONE: 0,
  ROUNDROBIN: 1,
  FAILOVER: 2,
  LOADBALANCE: 3,
  LACP: 4,
  BROADCAST: 5,
} as const
export type LaggProtoValue = (typeof LaggProto)[keyof typeof LaggProto]

/** LAGG_PROTOS's names, by protocol number. */
export const LAGG_PROTO_NAMES: readonly string[] = [
  'none',
  'roundrobin',
  'failover',
  'loadbalance',
  'lacp',
  'broadcast',
]

/** LAGG_PORT_* flags (ifconfig's laggport lines). */
export const LaggPortFlag = { MASTER: 0x1, STACK: 0x2, ACTIVE: 0x4 } as const

export const LAGG_MEDIA = 'Ethernet autoselect'

export class LaggPort implements IfTap {
  readonly ifp: Ifnet
  readonly sc: LaggSoftc
  /** The port's own MAC, given back when it leaves. */
  readonly origMac: number
  constructor(ifp: Ifnet, sc: LaggSoftc) {
    this.ifp = ifp
    this.sc = sc
    this.origMac = ifp.mac
  }

  /** LAGG_PORTACTIVE: up, running and with carrier (a tap port needs its device open). */
  get active(): boolean {
    const ifp = this.ifp
    return (ifp.flags & (IFF.UP | IFF.RUNNING)) === (IFF.UP | IFF.RUNNING) && (ifp.link?.carrier?.() ?? true)
  }

  /** lagg_input: a frame from this port is the lagg's when the protocol takes input from it. */
  input(_ifp: Ifnet, m: Mbuf): boolean {
    const sc = this.sc
    if (!sc.ifp.up || !sc.acceptsFrom(this)) {
      this.ifp.stats.idrops++
      this.ifp.vnet.env.pool.put(m)
      return true
    }
    sc.ifp.netisrInput(m)
    return true
  }

  /** lagg_port_output: a port carries only its lagg's traffic. */
  output(ifp: Ifnet, m: Mbuf): boolean {
    ifp.stats.oerrors++
    ifp.vnet.env.pool.put(m)
    return true
  }

  ifDetached(): void {
    this.sc.removePort(this)
  }
}

export class LaggSoftc implements LinkEndpoint {
  readonly ifp: Ifnet
  proto: LaggProtoValue = LaggProto.FAILOVER
  readonly ports: LaggPort[] = []
  /** Round-robin position. */
  private seq = 0

  constructor(ifp: Ifnet) {
    this.ifp = ifp
  }

  /** The failover port in use: the master (first port) when active, else the next active one. */
  activePort(): LaggPort | null {
    for (const lp of this.ports) if (lp.active) return lp
    return null
  }

  acceptsFrom(lp: LaggPort): boolean {
    switch (this.proto) {
      case LaggProto.FAILOVER:
        return lp === this.activePort()
      case LaggProto.NONE:
        return false
      default:
        return lp.active
    }
  }

  /** The LAGG_PORT_* flags ifconfig shows for lp. */
  portFlags(lp: LaggPort): number {
    let f = 0
    if (this.proto === LaggProto.FAILOVER) {
      if (lp === this.ports[0]) f |= LaggPortFlag.MASTER
      if (lp === this.activePort()) f |= LaggPortFlag.ACTIVE
    } else if (this.proto !== LaggProto.NONE && lp.active) f |= LaggPortFlag.ACTIVE
    return f
  }

  /** The lagg's link is up when one of its ports is (lagg_linkstate). */
  get linkUp(): boolean {
    return this.activePort() !== null
  }

  transmit(m: Mbuf): void {
    const ifp = this.ifp
    const pool = ifp.vnet.env.pool
    let lp: LaggPort | null = null
    switch (this.proto) {
      case LaggProto.FAILOVER:
        lp = this.activePort()
        break
      case LaggProto.ROUNDROBIN:
        lp = this.nthActive(this.seq++)
        if (this.seq > 0x3fffffff) this.seq = 0
        break
      case LaggProto.LOADBALANCE:
        lp = this.nthActive(hashFrame(m))
        break
      case LaggProto.BROADCAST:
        this.broadcast(m)
        return
    }
    if (lp === null) {
      ifp.stats.oerrors++
      pool.put(m)
      return
    }
    lp.ifp.transmitToLink(m)
  }

  private nthActive(n: number): LaggPort | null {
    let count = 0
    for (const lp of this.ports) if (lp.active) count++
    if (count === 0) return null
    let i = n % count
    for (const lp of this.ports) if (lp.active && i-- === 0) return lp
    return null
  }

  private broadcast(m: Mbuf): void {
    const pool = this.ifp.vnet.env.pool
    let last: LaggPort | null = null
    for (const lp of this.ports) {
      if (!lp.active) continue
      if (last !== null) last.ifp.transmitToLink(pool.dup(m))
      last = lp
    }
    if (last === null) {
      this.ifp.stats.oerrors++
      pool.put(m)
    } else last.ifp.transmitToLink(m)
  }

  /** SIOCSLAGGPORT. */
  addPort(p: Ifnet): void {
    const ifp = this.ifp
    if (p === ifp || p.type !== 'ether' || p.family === 'lagg' || p.vnet !== ifp.vnet)
      throw new SysError('EPROTONOSUPPORT', 'SIOCSLAGGPORT')
    if (p.tap instanceof LaggPort) throw new SysError(p.tap.sc === this ? 'EEXIST' : 'EBUSY', 'SIOCSLAGGPORT')
    if (p.tap !== null) throw new SysError('EBUSY', 'SIOCSLAGGPORT')
    if (this.ports.length >= LAGG_MAX_PORTS) throw new SysError('ENOSPC', 'SIOCSLAGGPORT')
    const lp = new LaggPort(p, this)
    if (this.ports.length === 0) {
      ifp.mac = p.mac
      ifp.mtu = p.mtu
    } else {
      p.mac = ifp.mac
      p.mtu = ifp.mtu
    }
    p.tap = lp
    this.ports.push(lp)
    if (ifp.up && !p.up) ifSetUp(p, true)
  }

  /** SIOCSLAGGDELPORT, or the port leaving its vnet. */
  removePort(lp: LaggPort): void {
    const i = this.ports.indexOf(lp)
    if (i < 0) return
    this.ports.splice(i, 1)
    if (lp.ifp.tap === lp) lp.ifp.tap = null
    lp.ifp.mac = lp.origMac
    // The lagg keeps the address it has; a lagg left with a new master takes that port's (lagg_port_destroy).
    if (i === 0 && this.ports.length > 0) {
      const master = this.ports[0]!
      this.ifp.mac = master.origMac
      for (const other of this.ports) other.ifp.mac = this.ifp.mac
    }
  }

  portOf(p: Ifnet): LaggPort | null {
    return p.tap instanceof LaggPort && p.tap.sc === this ? p.tap : null
  }

  /** Up or down with the lagg: its ports follow (lagg_init / lagg_stop). */
  ifUp(): void {
    for (const lp of this.ports) if (!lp.ifp.up) ifSetUp(lp.ifp, true)
  }

  ifDown(): void {
    for (const lp of this.ports) if (lp.ifp.up) ifSetUp(lp.ifp, false)
  }

  ifDetached(): void {
    for (const lp of [...this.ports]) this.removePort(lp)
  }
}

/**
 * lagg_hashmbuf, reduced: the Ethernet addresses and, for IPv4, the IP addresses, mixed so a flow
 * always takes the same port. Reads bytes in place; no allocation.
 */
function hashFrame(m: Mbuf): number {
  const b = m.data
  const o = m.off
  let h = 0x811c9dc5
  const n = m.len >= 14 ? 12 : 0
  for (let i = 0; i < n; i++) h = Math.imul(h ^ b[o + i]!, 0x01000193)
  if (m.len >= 34 && b[o + 12] === 0x08 && b[o + 13] === 0x00)
    for (let i = 26; i < 34; i++) h = Math.imul(h ^ b[o + i]!, 0x01000193)
  return (h >>> 0) % 0x7fffffff
}

export function laggOf(ifp: Ifnet): LaggSoftc | null {
  return ifp.link instanceof LaggSoftc ? ifp.link : null
}

/** The lagg a port belongs to, or null. */
export function laggOfPort(ifp: Ifnet): LaggSoftc | null {
  return ifp.tap instanceof LaggPort ? ifp.tap.sc : null
}

/** SIOCSLAGG: set the protocol; LACP is not built. */
export function laggSetProto(sc: LaggSoftc, proto: number): void {
  if (proto === LaggProto.LACP) throw new SysError('EPROTONOSUPPORT', 'SIOCSLAGG')
  if (!Number.isInteger(proto) || proto < 0 || proto >= LAGG_PROTO_NAMES.length)
    throw new SysError('EPROTONOSUPPORT', 'SIOCSLAGG')
  sc.proto = proto as LaggProtoValue
}

export const laggCloner: IfCloner = {
  name: 'lagg',
  create(v: Vnet, unit: number) {
    const ifp = new Ifnet(
      v,
      `lagg${unit}`,
      etherDriver,
      'lagg',
      v.env.newMac(),
      1500,
      IFF.BROADCAST | IFF.SIMPLEX | IFF.MULTICAST,
    )
    ifp.media = LAGG_MEDIA
    ifp.link = new LaggSoftc(ifp)
    return [ifp]
  },
}

/**
 * Raw IP sockets (sys/netinet/raw_ip.c): a process opens one for a protocol number and receives a
 * copy of every datagram of that protocol delivered to its vnet, header included. ping and
 * traceroute are built on them. Receive queues are bounded; overflow is counted, never grows.
 * A socket that set multicast options (IP_ADD_MEMBERSHIP ...) hears group datagrams only for the
 * groups it joined, except IGMP, which a multicast routing daemon must see whole (rip_input); the
 * daemon's socket also receives the kernel's upcalls (struct igmpmsg, ip_mroute).
 */

import type { Mbuf } from '../../buf/mbuf.js'
import { WaitQueue } from '../../util/clock.js'
import { readU32 } from '../../wire/addr.js'
import { IpProto } from '../../wire/inet/ipv4.js'
import type { Ifnet } from '../net/ifnet.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../net/vnet.js'
import type { IpMoptions } from './in_mcast.js'
import type { IpVnet } from './ip/ip.js'

export interface RawDatagram {
  /** A copy of the whole IPv4 datagram as delivered, header included. */
  data: Uint8Array
  src: number
  dst: number
  ttl: number
  /** Clock time of arrival (SO_TIMESTAMP), nanoseconds. */
  time: number
  ifName: string
}

/** Datagrams a raw socket buffers before dropping (a small sb_max). */
export const RAW_QUEUE_MAX = 256

/** A jail sharing its parent's stack: its sockets see only datagrams for its own addresses. */
export interface RawJail {
  readonly ip4: readonly number[]
}

export class RawPcb {
  readonly proto: number
  readonly queue: RawDatagram[] = []
  readonly wait: WaitQueue
  /** Set for a socket of a jail without its own vnet (rip_input's prison_check_ip4). */
  readonly jail: RawJail | null
  /** inp_moptions: set once the socket used a multicast option (in_mcast.ts). */
  mopts: IpMoptions | null = null
  drops = 0
  closed = false

  constructor(proto: number, wait: WaitQueue, jail: RawJail | null) {
    this.proto = proto
    this.wait = wait
    this.jail = jail
  }
}

export class RawVnet {
  pcbs: RawPcb[] = []
}

export const rawModule: VnetModule<RawVnet> = {
  name: 'raw',
  slot: Slot.RAW,
  create: () => new RawVnet(),
  destroy: (s) => {
    for (const p of s.pcbs) {
      p.closed = true
      p.wait.wakeAll()
    }
    s.pcbs = []
  },
  sysctls: [],
}

export function raw(v: Vnet): RawVnet {
  return vstate(v, rawModule)
}

export function rawOpen(v: Vnet, proto: number, jail: RawJail | null = null): RawPcb {
  const pcb = new RawPcb(proto, new WaitQueue(v.env.clock), jail)
  const s = raw(v)
  s.pcbs = [...s.pcbs, pcb]
  return pcb
}

export function rawClose(v: Vnet, pcb: RawPcb): void {
  pcb.closed = true
  const s = raw(v)
  s.pcbs = s.pcbs.filter((p) => p !== pcb)
  pcb.wait.wakeAll()
}

/**
 * Give every raw socket of this protocol a copy of datagram m (which starts at its IP header).
 * Does not take ownership of m. Returns whether any socket wanted it.
 */
export function rawInput(v: Vnet, ifp: Ifnet, m: Mbuf, proto: number): boolean {
  const s = v.slots[Slot.RAW] as RawVnet | undefined
  if (s === undefined || s.pcbs.length === 0) return false
  let any = false
  const b = m.data
  const dst = readU32(b, m.off + 16)
  for (const pcb of s.pcbs) {
    if (pcb.proto !== proto && pcb.proto !== 0) continue
    if (pcb.jail !== null && !pcb.jail.ip4.includes(dst)) continue
    if (pcb.mopts !== null && dst >>> 28 === 0xe && proto !== IpProto.IGMP && !pcb.mopts.member(ifp, dst)) {
      const ips = v.slots[Slot.IP] as IpVnet | undefined
      if (ips !== undefined) ips.stats.ips_notmember++
      continue
    }
    any = true
    if (pcb.queue.length >= RAW_QUEUE_MAX) {
      pcb.drops++
      continue
    }
    pcb.queue.push({
      data: b.slice(m.off, m.off + m.len),
      src: readU32(b, m.off + 12),
      dst,
      ttl: b[m.off + 8]!,
      time: v.env.clock.now(),
      ifName: ifp.name,
    })
    pcb.wait.wakeAll()
  }
  return any
}

/**
 * socket_send for ip_mroute's upcalls: a struct igmpmsg (`msg`, the datagram's IP header with the
 * message type, vif and a zero protocol written over it) queued to the daemon's socket, as if from
 * `src`. False when its receive queue is full (the caller counts mrts_upq_sockfull).
 */
export function rawUpcall(v: Vnet, pcb: RawPcb, msg: Uint8Array, src: number, ifName: string): boolean {
  if (pcb.closed || pcb.queue.length >= RAW_QUEUE_MAX) return false
  pcb.queue.push({ data: msg, src, dst: readU32(msg, 16), ttl: 0, time: v.env.clock.now(), ifName })
  pcb.wait.wakeAll()
  return true
}

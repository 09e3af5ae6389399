/**
 * Raw ICMPv6 sockets (sys/netinet6/raw_ip6.c, icmp6_rip6_input): a process opens one and receives a
 * copy of every ICMPv6 message its vnet takes in, starting at the ICMPv6 header as IPv6 raw sockets
 * do, with the addresses and hop limit as ancillary data. ping6 and traceroute6 use them. Receive
 * queues are bounded; overflow is counted, never grows.
 */

import type { Mbuf } from '../../buf/mbuf.js'
import { WaitQueue } from '../../util/clock.js'
import type { Ifnet } from '../net/ifnet.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../net/vnet.js'
import { type Jail6, prisonCheckIp6 } from './in6_jail.js'

export interface Raw6Datagram {
  /** The ICMPv6 message (header and data). */
  data: Uint8Array
  src: Uint8Array
  dst: Uint8Array
  hlim: number
  /** The interface index the link-scoped addresses belong to (sin6_scope_id). */
  scopeId: number
  time: number
  ifName: string
}

export const RAW6_QUEUE_MAX = 256

export class Raw6Pcb {
  readonly queue: Raw6Datagram[] = []
  readonly wait: WaitQueue
  drops = 0
  closed = false
  /** Set for a socket of a jail sharing the stack: it hears only its own addresses (rip6_input). */
  readonly jail: Jail6 | null

  constructor(wait: WaitQueue, jail: Jail6 | null) {
    this.wait = wait
    this.jail = jail
  }
}

export class Raw6Vnet {
  pcbs: Raw6Pcb[] = []
}

export const raw6Module: VnetModule<Raw6Vnet> = {
  name: 'raw6',
  slot: Slot.RAW6,
  create: () => new Raw6Vnet(),
  destroy: (s) => {
    for (const p of s.pcbs) {
      p.closed = true
      p.wait.wakeAll()
    }
    s.pcbs = []
  },
  sysctls: [],
}

export function rip6Open(v: Vnet, jail: Jail6 | null = null): Raw6Pcb {
  const pcb = new Raw6Pcb(new WaitQueue(v.env.clock), jail)
  const s = vstate(v, raw6Module)
  s.pcbs = [...s.pcbs, pcb]
  return pcb
}

export function rip6Close(v: Vnet, pcb: Raw6Pcb): void {
  pcb.closed = true
  const s = vstate(v, raw6Module)
  s.pcbs = s.pcbs.filter((p) => p !== pcb)
  pcb.wait.wakeAll()
}

/** Copy the ICMPv6 message at io of packet m (starting at its IPv6 header) to every raw socket. */
export function rip6Input(v: Vnet, ifp: Ifnet, m: Mbuf, io: number, zone: number): void {
  const s = v.slots[Slot.RAW6] as Raw6Vnet | undefined
  if (s === undefined || s.pcbs.length === 0) return
  const b = m.data
  const o = m.off
  for (const pcb of s.pcbs) {
    if (pcb.jail !== null && !prisonCheckIp6(pcb.jail, b, o + 24)) continue
    if (pcb.queue.length >= RAW6_QUEUE_MAX) {
      pcb.drops++
      continue
    }
    pcb.queue.push({
      data: b.slice(io, o + m.len),
      src: b.slice(o + 8, o + 24),
      dst: b.slice(o + 24, o + 40),
      hlim: b[o + 7]!,
      scopeId: zone,
      time: v.env.clock.now(),
      ifName: ifp.name,
    })
    pcb.wait.wakeAll()
  }
}

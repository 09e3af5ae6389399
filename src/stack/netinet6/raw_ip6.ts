/**
 * Raw IPv6 sockets (sys/netinet6/raw_ip6.c, icmp6_rip6_input, rip6_input): a process opens one for
 * a protocol and receives a copy of every packet of that protocol its vnet takes in, starting at the
 * upper-layer header as IPv6 raw sockets do, with the addresses and hop limit as ancillary data.
 * ping6 and traceroute6 use ICMPv6 ones, ospf6d one for OSPF (89). A socket of another protocol
 * with IPV6_CHECKSUM set hears only packets whose pseudo-header checksum verifies (the rest are
 * dropped and counted in rip6s_badsum). Receive queues are bounded; overflow is counted, never grows.
 */

import type { Mbuf } from '../../buf/mbuf.js'
import { WaitQueue } from '../../util/clock.js'
import { fold, sum16 } from '../../wire/checksum.js'
import { ipv6PseudoSum } from '../../wire/inet6/ipv6.js'
import type { Ifnet } from '../net/ifnet.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../net/vnet.js'
import { type Jail6, prisonCheckIp6 } from './in6_jail.js'
import { freeMoptions6, type Ip6Moptions } from './mld6/in6_mcast.js'

const IPPROTO_ICMPV6 = 58

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
  /** The protocol it was opened for (socket(2)'s third argument). */
  readonly proto: number
  /** IPV6_CHECKSUM: the offset of the checksum the kernel fills in and checks, -1 for none. */
  csumOff: number
  /** Multicast options and memberships (IPV6_JOIN_GROUP ...), made on first use. */
  mo: Ip6Moptions | null = null

  constructor(wait: WaitQueue, jail: Jail6 | null, proto: number = IPPROTO_ICMPV6) {
    this.wait = wait
    this.jail = jail
    this.proto = proto
    this.csumOff = proto === IPPROTO_ICMPV6 ? 2 : -1
  }
}

/** struct rip6stat (netinet6/raw_ip6.h): what netstat -s -p rip6 shows. */
export class Rip6Stats {
  rip6s_ipackets = 0
  rip6s_isum = 0
  rip6s_badsum = 0
  rip6s_nosock = 0
  rip6s_nosockmcast = 0
  rip6s_fullsock = 0
  rip6s_opackets = 0
}

export class Raw6Vnet {
  pcbs: Raw6Pcb[] = []
  readonly stats = new Rip6Stats()
}

/** rip6 statistics of a vnet. */
export function rip6Stats(v: Vnet): Rip6Stats {
  return vstate(v, raw6Module).stats
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

export function rip6Open(v: Vnet, jail: Jail6 | null = null, proto: number = IPPROTO_ICMPV6): Raw6Pcb {
  const pcb = new Raw6Pcb(new WaitQueue(v.env.clock), jail, proto)
  const s = vstate(v, raw6Module)
  s.pcbs = [...s.pcbs, pcb]
  return pcb
}

export function rip6Close(v: Vnet, pcb: Raw6Pcb): void {
  pcb.closed = true
  freeMoptions6(pcb.mo)
  pcb.mo = null
  const s = vstate(v, raw6Module)
  s.pcbs = s.pcbs.filter((p) => p !== pcb)
  pcb.wait.wakeAll()
}

/**
 * Copy the upper-layer message at io of packet m (starting at its IPv6 header) to every raw socket of
 * protocol `proto` (ICMPv6 by default). Returns whether some socket took it: the caller answers a
 * protocol no socket took with a Parameter Problem (rip6_input's last == NULL), which a bad checksum
 * on every socket also earns, as in FreeBSD.
 */
export function rip6Input(
  v: Vnet,
  ifp: Ifnet,
  m: Mbuf,
  io: number,
  zone: number,
  proto: number = IPPROTO_ICMPV6,
): boolean {
  const s = v.slots[Slot.RAW6] as Raw6Vnet | undefined
  if (s === undefined) return false
  const b = m.data
  const o = m.off
  const st = s.stats
  // icmp6_input already verified ICMPv6 and counted it there; rip6_input is for the other protocols.
  if (proto !== IPPROTO_ICMPV6) st.rip6s_ipackets++
  const plen = o + m.len - io
  // The sum is computed once, for the first socket that asks, and only if one does.
  let sumOk = -1
  let any = false
  for (const pcb of s.pcbs) {
    if (pcb.proto !== proto) continue
    if (pcb.jail !== null && !prisonCheckIp6(pcb.jail, b, o + 24)) continue
    if (proto !== IPPROTO_ICMPV6 && pcb.csumOff >= 0) {
      st.rip6s_isum++
      if (sumOk < 0) {
        sumOk = fold(sum16(b, io, plen, ipv6PseudoSum(b, o + 8, b, o + 24, plen, proto))) === 0xffff ? 1 : 0
      }
      // RFC 8200 §8.1: a checksum the receiver must verify; the offset must also lie in the packet.
      if (sumOk === 0 || plen - pcb.csumOff < 2) {
        st.rip6s_badsum++
        continue
      }
    }
    any = true
    if (pcb.queue.length >= RAW6_QUEUE_MAX) {
      pcb.drops++
      st.rip6s_fullsock++
      continue
    }
    // One copy of the packet per socket; the message and the addresses are views into it.
    const copy = b.slice(o, o + m.len)
    pcb.queue.push({
      data: copy.subarray(io - o),
      src: copy.subarray(8, 24),
      dst: copy.subarray(24, 40),
      hlim: b[o + 7]!,
      scopeId: zone,
      time: v.env.clock.now(),
      ifName: ifp.name,
    })
    pcb.wait.wakeAll()
  }
  if (!any && proto !== IPPROTO_ICMPV6) {
    st.rip6s_nosock++
    if (b[o + 24] === 0xff) st.rip6s_nosockmcast++
  }
  return any
}

/**
 * socket_send6 for ip6_mroute's upcalls: a struct mrt6msg (`msg`, the packet's IPv6 header with the
 * message type and mif written over its first bytes) queued to the daemon's socket. False when its
 * receive queue is full (the caller counts mrt6s_upq_sockfull).
 */
export function rip6Upcall(v: Vnet, pcb: Raw6Pcb, msg: Uint8Array, ifName: string): boolean {
  if (pcb.closed || pcb.queue.length >= RAW6_QUEUE_MAX) return false
  pcb.queue.push({
    data: msg,
    src: msg.subarray(8, 24),
    dst: msg.subarray(24, 40),
    hlim: 0,
    scopeId: 0,
    time: v.env.clock.now(),
    ifName,
  })
  pcb.wait.wakeAll()
  return true
}

/**
 * divert(4) sockets (FreeBSD's sys/netinet/ip_divert.c), per vnet: ipfw's `divert PORT` hands the
 * whole packet to the socket bound to PORT (`tee PORT` a copy), with a sockaddr_in whose sin_port is
 * the number of the rule that diverted it, whose sin_addr is the first IPv4 address of the
 * receiving interface for an incoming packet (0 for an outgoing one), and whose sin_zero carries the
 * receiving interface's name. Writing a packet back re-injects it: to ip_input, as received on the
 * interface that sin_zero names or that owns sin_addr, when sin_addr is set; to the output path
 * otherwise. ipfw then resumes at the first rule numbered above sin_port (div_output builds a fresh
 * rule reference without IPFW_ONEPASS, so net.inet.ip.fw.one_pass does not apply to re-injection).
 *
 * Receive queues are bounded by bytes as FreeBSD's (DIVRCVQ); a full queue drops and counts. A
 * packet for a port nobody is bound to is dropped and counted (div_noport). Must not: keep a packet
 * it was given (it copies what a socket will read and returns the mbuf to the pool).
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { WaitQueue } from '../../../util/clock.js'
import type { ErrnoName } from '../../../util/errno.js'
import { readU16, readU32 } from '../../../wire/addr.js'
import type { Ifnet } from '../../net/ifnet.js'
import { RTF } from '../../net/route/route.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../../net/vnet.js'
import { inDelayedCksum } from '../in_cksum.js'
import { ip } from './ip.js'
import { ipInput } from './ip_input.js'
import { ipSend, routeFor } from './ip_output.js'

/** div_recvspace / div_sendspace: DIVRCVQ and DIVSNDQ (65536 + 100 bytes). */
export const DIV_RECVSPACE = 65536 + 100
export const DIV_SENDSPACE = 65536 + 100
/** sin_zero is 8 bytes: an interface name of at most 7 characters fits (div_output checks). */
const SIN_ZERO_LEN = 8

/** What a read from a divert socket returns: the packet and its sockaddr_in. */
export interface DivertDatagram {
  /** The whole IPv4 packet, header included. */
  data: Uint8Array
  /** sin_addr: the receiving interface's address (incoming), else 0. */
  addr: number
  /** sin_port: the number of the rule that diverted the packet. */
  port: number
  /** sin_zero: the receiving interface's name ('' for a locally sent packet). */
  ifName: string
}

export class DivertPcb {
  /** The bound port (inp_lport), 0 until bind. */
  port = 0
  readonly queue: DivertDatagram[] = []
  /** Bytes queued (so_rcv.sb_cc). */
  queued = 0
  readonly wait: WaitQueue
  /** Packets dropped because the receive buffer was full. */
  drops = 0
  closed = false

  constructor(wait: WaitQueue) {
    this.wait = wait
  }
}

/** struct divstat (netstat -s -p divert). */
export class DivStat {
  /** Packets delivered to a socket. */
  div_diverted = 0
  /** Packets dropped: no socket bound to the port. */
  div_noport = 0
  /** Packets written back to the output path. */
  div_outbound = 0
  /** Packets written back to the input path. */
  div_inbound = 0
}

/** The reference a re-injected packet carries for ipfw (MTAG_IPFW_RULE with a rule number). */
export class DivertTag {
  /** ipfw resumes at the first rule numbered at least this (sin_port + 1). */
  ruleNum = 0
  /** The vnet the tag was made in: another vnet's ipfw ignores it. */
  readonly vnet: Vnet

  constructor(vnet: Vnet) {
    this.vnet = vnet
  }
}

export class DivertVnet {
  pcbs: DivertPcb[] = []
  readonly stats = new DivStat()
  /** Reused for every write: re-injection runs ipfw synchronously, which takes the tag off. */
  readonly tag: DivertTag

  constructor(v: Vnet) {
    this.tag = new DivertTag(v)
  }
}

export const divertModule: VnetModule<DivertVnet> = {
  name: 'divert',
  slot: Slot.DIVERT,
  create: (v) => new DivertVnet(v),
  destroy: (s) => {
    for (const p of s.pcbs) {
      p.closed = true
      p.wait.wakeAll()
    }
    s.pcbs = []
  },
  sysctls: [],
}

export function divert(v: Vnet): DivertVnet {
  return vstate(v, divertModule)
}

export function divOpen(v: Vnet): DivertPcb {
  const pcb = new DivertPcb(new WaitQueue(v.env.clock))
  const s = divert(v)
  s.pcbs = [...s.pcbs, pcb]
  return pcb
}

/** div_bind (in_pcbbind with INADDR_ANY): EADDRINUSE when another socket has the port. */
export function divBind(v: Vnet, pcb: DivertPcb, port: number): ErrnoName | undefined {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) return 'EINVAL'
  if (pcb.port !== 0) return 'EINVAL'
  const s = divert(v)
  if (port === 0) {
    // An ephemeral port, as in_pcbbind picks one (from the top of the default range).
    for (let p = 65535; p >= 49152; p--)
      if (!s.pcbs.some((x) => x.port === p)) {
        pcb.port = p
        return undefined
      }
    return 'EADDRNOTAVAIL'
  }
  if (s.pcbs.some((x) => x !== pcb && x.port === port)) return 'EADDRINUSE'
  pcb.port = port
  return undefined
}

export function divClose(v: Vnet, pcb: DivertPcb): void {
  pcb.closed = true
  const s = divert(v)
  s.pcbs = s.pcbs.filter((p) => p !== pcb)
  pcb.queue.length = 0
  pcb.queued = 0
  pcb.wait.wakeAll()
}

/**
 * divert_packet: give packet m (at its IPv4 header) to the socket bound to `port`, with rule number
 * `ruleNum` in sin_port. With `tee` m is only copied and stays the caller's; otherwise it is taken.
 */
export function divertPacket(
  v: Vnet,
  m: Mbuf,
  ifp: Ifnet,
  incoming: boolean,
  port: number,
  ruleNum: number,
  tee: boolean,
): void {
  const s = v.slots[Slot.DIVERT] as DivertVnet | undefined
  let pcb: DivertPcb | null = null
  if (s !== undefined)
    for (let k = 0; k < s.pcbs.length; k++)
      if (s.pcbs[k]!.port === port) {
        pcb = s.pcbs[k]!
        break
      }
  if (pcb === null) {
    // FreeBSD counts it as not delivered (ips_noproto) and in div_noport.
    divert(v).stats.div_noport++
    ip(v).stats.ips_noproto++
  } else if (pcb.queued + m.len > DIV_RECVSPACE) {
    pcb.drops++
  } else {
    // Delayed checksums mean nothing to a process: finished before the copy (ipfw_divert does so).
    if (m.csumL4) inDelayedCksum(m)
    let addr = 0
    // Only an incoming packet names its interface's address (divert_packet's `if (incoming)`).
    if (incoming)
      for (const a of ifp.addrs) {
        addr = a.addr >>> 0
        break
      }
    pcb.queue.push({
      data: m.data.slice(m.off, m.off + m.len),
      addr,
      port: ruleNum,
      // rcvif is set for what came in on an interface; a packet of our own has none.
      ifName: incoming ? ifp.name.slice(0, SIN_ZERO_LEN - 1) : '',
    })
    pcb.queued += m.len
    s!.stats.div_diverted++
    pcb.wait.wakeAll()
  }
  if (!tee) v.env.pool.put(m)
}

/** Take the next datagram off the queue, or undefined. */
export function divDequeue(pcb: DivertPcb): DivertDatagram | undefined {
  const d = pcb.queue.shift()
  if (d !== undefined) pcb.queued -= d.data.length
  return d
}

/**
 * div_output: re-inject a whole IPv4 packet written to the socket, with the sockaddr_in given (or
 * null for a plain write): to ip_input when sin_addr is set, else to the output path. Returns the
 * errno the write gets, or undefined.
 */
export function divOutput(
  v: Vnet,
  data: Uint8Array,
  sin: { addr: number; port: number; ifName: string } | null,
): ErrnoName | undefined {
  if (data.length < 20 || data[0]! >>> 4 !== 4) {
    ip(v).stats.ips_toosmall++
    return 'EINVAL'
  }
  if (data.length > DIV_SENDSPACE) return 'EMSGSIZE'
  const hlen = (data[0]! & 0xf) << 2
  const ipLen = readU16(data, 2)
  if (hlen < 20 || ipLen < hlen || ipLen > data.length) return 'EINVAL'
  const s = divert(v)
  const addr = sin === null ? 0 : sin.addr >>> 0
  let rcvif: Ifnet | null = null
  if (sin !== null && addr !== 0) {
    // The interface named in sin_zero first (a P2P link and a LAN may share an address), else the
    // one owning sin_addr.
    const name = sin.ifName
    if (name.length > 0 && name.length < SIN_ZERO_LEN) rcvif = v.ifByName(name) ?? null
    if (rcvif === null) {
      const ifa = v.localIfa(addr)
      if (ifa === undefined) return 'EADDRNOTAVAIL'
      rcvif = ifa.ifp
    }
  }
  const m = v.env.pool.get(ipLen)
  m.data.set(data.subarray(0, ipLen), m.off)
  m.len = ipLen
  if (sin !== null) {
    s.tag.ruleNum = (sin.port & 0xffff) + 1
    m.tag = s.tag
  }
  if (rcvif !== null) {
    s.stats.div_inbound++
    ipInput(v, rcvif, m)
    return undefined
  }
  s.stats.div_outbound++
  ip(v).stats.ips_rawout++
  // ip_output with IP_RAWOUTPUT: the header is the writer's; only the route is ours.
  const dst = readU32(data, 16)
  const rt = routeFor(v, dst, m.fib)
  if (rt === null || (rt.flags & (RTF.REJECT | RTF.BLACKHOLE)) !== 0 || !rt.ifp.up) {
    if (rt === null) ip(v).stats.ips_noroute++
    v.env.pool.put(m)
    return rt === null ? 'ENETUNREACH' : 'EHOSTUNREACH'
  }
  const out = rt.ifp
  const nextHop = (rt.flags & RTF.GATEWAY) !== 0 ? rt.gateway : dst
  const bcast = dst === 0xffffffff || (rt.ifa !== null && rt.ifa.broadcast === dst && rt.ifa.prefixLen < 31)
  const mtu = rt.mtu !== 0 && rt.mtu < out.mtu ? rt.mtu : out.mtu
  const src = readU32(data, 12)
  // A packet from elsewhere that natd rewrote is being forwarded, not sent: no error comes back.
  const err = ipSend(v, out, m, nextHop, bcast, mtu, !v.isLocal(src))
  return err
}

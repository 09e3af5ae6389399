/**
 * IPv4 reassembly (RFC 791 §3.2, RFC 815). Fragments wait in per-datagram queues keyed by
 * (src, dst, id, protocol) for at most net.inet.ip.fragttl seconds. Every limit is per vnet and
 * enforced on arrival: at most maxfragpackets datagrams in progress and maxfragsperpacket fragments
 * each, so a fragment flood cannot exhaust memory. Overlapping fragments (RFC 5722's reasoning
 * applies to IPv4 too) discard the whole datagram; exact duplicates are dropped alone.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { SEC, type Timer } from '../../../util/clock.js'
import { readU16, readU32, writeU16 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import { IcmpType, TimeExceededCode } from '../../../wire/inet/icmp.js'
import { IP_MF, IP_OFFMASK } from '../../../wire/inet/ipv4.js'
import { intKnob } from '../../net/sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../../net/vnet.js'
import { icmpError } from '../icmp.js'
import { ip } from './ip.js'

class ReassQueue {
  readonly key: string
  /** Fragments ordered by offset, with their payload ranges. */
  frags: Mbuf[] = []
  starts: number[] = []
  ends: number[] = []
  /** Total payload length, known once the last fragment (MF clear) arrives; -1 before. */
  total = -1
  have = 0
  readonly timer: Timer

  constructor(key: string, timer: Timer) {
    this.key = key
    this.timer = timer
  }
}

export class ReassVnet {
  readonly queues = new Map<string, ReassQueue>()
  maxfragpackets = 1024
  maxfragsperpacket = 16
  fragttl = 30
}

export const reassModule: VnetModule<ReassVnet> = {
  name: 'ip_reass',
  slot: Slot.REASS,
  create: () => new ReassVnet(),
  destroy: (s, v) => {
    for (const q of [...s.queues.values()]) dropQueue(v, s, q)
  },
  sysctls: [
    intKnob(
      'net.inet.ip.maxfragpackets',
      'Maximum number of IPv4 fragment reassembly queue entries',
      (v) => reass(v),
      'maxfragpackets',
      { min: 0 },
    ),
    intKnob(
      'net.inet.ip.maxfragsperpacket',
      'Maximum number of IPv4 fragments allowed per packet',
      (v) => reass(v),
      'maxfragsperpacket',
      { min: 1 },
    ),
    intKnob(
      'net.inet.ip.fragttl',
      'IP fragment life time on reassembly queue (seconds)',
      (v) => reass(v),
      'fragttl',
      { min: 1 },
    ),
  ],
}

export function reass(v: Vnet): ReassVnet {
  return vstate(v, reassModule)
}

/** Number of fragments held in reassembly queues (for tests and netstat). */
export function reassHeld(v: Vnet): number {
  let n = 0
  for (const q of reass(v).queues.values()) n += q.frags.length
  return n
}

function dropQueue(v: Vnet, s: ReassVnet, q: ReassQueue): number {
  q.timer.cancel()
  s.queues.delete(q.key)
  for (const f of q.frags) v.env.pool.put(f)
  const n = q.frags.length
  q.frags = []
  return n
}

function timeout(v: Vnet, q: ReassQueue): void {
  const s = reass(v)
  if (s.queues.get(q.key) !== q) return
  const st = ip(v).stats
  // RFC 1122 §3.2.1.4: report the timeout only if fragment zero arrived.
  const first = q.starts[0] === 0 ? q.frags[0]! : null
  if (first !== null) {
    q.frags.shift()
    q.starts.shift()
    q.ends.shift()
  }
  st.ips_fragtimeout += dropQueue(v, s, q) + (first === null ? 0 : 1)
  if (first !== null) icmpError(v, first, IcmpType.TIME_EXCEEDED, TimeExceededCode.REASSEMBLY, 0)
}

/**
 * Add fragment m (starting at its IP header, length already trimmed to the datagram) to its queue.
 * Returns the reassembled datagram when complete, otherwise null. Takes ownership of m.
 */
export function ipReassemble(v: Vnet, m: Mbuf): Mbuf | null {
  const s = reass(v)
  const st = ip(v).stats
  const pool = v.env.pool
  const buf = m.data
  const o = m.off
  st.ips_fragments++
  const hlen = (buf[o]! & 0xf) << 2
  const fo = readU16(buf, o + 6)
  const start = (fo & IP_OFFMASK) << 3
  const mf = (fo & IP_MF) !== 0
  const plen = m.len - hlen
  const end = start + plen
  if (plen === 0 || (mf && plen % 8 !== 0) || end + hlen > 0xffff || s.maxfragpackets === 0) {
    if (end + hlen > 0xffff) st.ips_toolong++
    st.ips_fragdropped++
    pool.put(m)
    return null
  }
  const key = `${readU32(buf, o + 12)}:${readU32(buf, o + 16)}:${readU16(buf, o + 4)}:${buf[o + 9]}`
  let q = s.queues.get(key)
  if (q === undefined) {
    if (s.queues.size >= s.maxfragpackets) {
      // Full: give up the oldest datagram in progress (FreeBSD's ipreass_drainstale), as newer
      // ones are likelier to complete.
      const oldest = s.queues.values().next().value!
      st.ips_fragdropped += dropQueue(v, s, oldest)
    }
    const nq: ReassQueue = new ReassQueue(
      key,
      v.env.clock.timer(() => timeout(v, nq)),
    )
    q = nq
    s.queues.set(key, q)
    q.timer.arm(s.fragttl * SEC)
  }
  const qq = q
  const bad = (): null => {
    st.ips_fragdropped += dropQueue(v, s, qq) + 1
    pool.put(m)
    return null
  }
  if (q.frags.length >= s.maxfragsperpacket) return bad()
  if (!mf) {
    if ((q.total >= 0 && q.total !== end) || q.ends.some((e) => e > end)) return bad()
    q.total = end
  } else if (q.total >= 0 && end > q.total) return bad()
  let at = 0
  while (at < q.starts.length && q.starts[at]! < start) at++
  for (let i = 0; i < q.starts.length; i++) {
    if (q.starts[i] === start && q.ends[i] === end) {
      // A retransmitted duplicate: harmless, drop just this copy.
      st.ips_fragdropped++
      pool.put(m)
      return null
    }
    if (q.starts[i]! < end && start < q.ends[i]!) return bad()
  }
  q.frags.splice(at, 0, m)
  q.starts.splice(at, 0, start)
  q.ends.splice(at, 0, end)
  q.have += plen
  if (q.total < 0 || q.have !== q.total) return null
  // Complete: header of fragment zero, payloads in order.
  const f0 = q.frags[0]!
  const h0 = (f0.data[f0.off]! & 0xf) << 2
  // Fragment zero's header may be longer than the one each fragment was checked with (FreeBSD
  // re-checks here too): the whole must still fit IP_MAXPACKET.
  if (h0 + q.total > 0xffff) {
    st.ips_toolong++
    st.ips_fragdropped += dropQueue(v, s, q)
    return null
  }
  const whole = pool.get(h0 + q.total)
  const wb = whole.data
  wb.set(f0.data.subarray(f0.off, f0.off + h0), whole.off)
  for (let i = 0; i < q.frags.length; i++) {
    const f = q.frags[i]!
    const fh = (f.data[f.off]! & 0xf) << 2
    wb.set(f.data.subarray(f.off + fh, f.off + f.len), whole.off + h0 + q.starts[i]!)
  }
  whole.len = h0 + q.total
  writeU16(wb, whole.off + 2, whole.len)
  writeU16(wb, whole.off + 6, readU16(wb, whole.off + 6) & ~(IP_MF | IP_OFFMASK))
  writeU16(wb, whole.off + 10, 0)
  writeU16(wb, whole.off + 10, checksum(wb, whole.off, h0))
  whole.rcvif = m.rcvif
  dropQueue(v, s, q)
  st.ips_reassembled++
  return whole
}

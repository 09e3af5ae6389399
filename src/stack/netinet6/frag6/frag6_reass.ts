/**
 * IPv6 reassembly (RFC 8200 §4.5, FreeBSD's frag6.c): fragments are queued per (source, destination,
 * identification) until the datagram is whole, within bounds per vnet (net.inet6.ip6.maxfragpackets
 * datagrams, maxfrags fragments, maxfragsperpacket per datagram) and a 60-second lifetime. Atomic
 * fragments are delivered on their own (RFC 6946); any overlap discards the whole datagram
 * (RFC 5722). Every drop is counted in ip6stat; nothing throws.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { SEC, type Timer } from '../../../util/clock.js'
import { readU16, writeU16 } from '../../../wire/addr.js'
import { Icmp6Type, ParamProb6Code } from '../../../wire/inet6/icmpv6.js'
import { IP6_FRAG_LEN, IP6F_MORE, IP6F_OFF_MASK, IPV6_HDR_LEN } from '../../../wire/inet6/ipv6.js'
import { intKnob } from '../../net/sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../../net/vnet.js'
import { icmp6Error } from '../icmp6.js'
import { ip6 } from '../ip6/ip6.js'

/** IPV6_FRAGTTL: 60 seconds for a datagram to complete. */
const FRAG_TTL = 60 * SEC

interface Frag {
  off: number
  data: Uint8Array
}

class FragQueue {
  readonly key: string
  /** The unfragmentable part (IPv6 header and the extension headers before the fragment header). */
  unfrag: Uint8Array | null = null
  /** Offset (in unfrag) of the byte naming the fragment header, rewritten to `nxt` when whole. */
  nxtAt = 6
  nxt = -1
  /** Payload length once the last fragment arrived, else -1. */
  total = -1
  frags: Frag[] = []
  readonly timer: Timer

  constructor(v: Vnet, key: string) {
    this.key = key
    this.timer = v.env.clock.timer(() => expire(v, this))
  }
}

export class Frag6Vnet {
  readonly queues = new Map<string, FragQueue>()
  frags = 0
  /** net.inet6.ip6.maxfragpackets / maxfrags / maxfragsperpacket */
  maxfragpackets = 1024
  maxfrags = 4096
  maxfragsperpacket = 16
}

export const frag6Module: VnetModule<Frag6Vnet> = {
  name: 'frag6',
  slot: Slot.FRAG6,
  create: () => new Frag6Vnet(),
  destroy: (s) => {
    for (const q of s.queues.values()) q.timer.cancel()
    s.queues.clear()
  },
  sysctls: [
    intKnob(
      'net.inet6.ip6.maxfragpackets',
      'Maximum number of fragmented packets awaiting reassembly',
      (v) => frag6(v),
      'maxfragpackets',
      {
        min: 0,
      },
    ),
    intKnob(
      'net.inet6.ip6.maxfrags',
      'Maximum allowed number of outstanding IPv6 packet fragments',
      (v) => frag6(v),
      'maxfrags',
      {
        min: 0,
      },
    ),
    intKnob(
      'net.inet6.ip6.maxfragsperpacket',
      'Maximum allowed number of fragments per packet',
      (v) => frag6(v),
      'maxfragsperpacket',
      {
        min: 1,
      },
    ),
  ],
}

export function frag6(v: Vnet): Frag6Vnet {
  return vstate(v, frag6Module)
}

function drop(v: Vnet, q: FragQueue): void {
  const s = frag6(v)
  q.timer.cancel()
  s.frags -= q.frags.length
  ip6(v).stats.ip6s_fragdropped += q.frags.length
  s.queues.delete(q.key)
}

function expire(v: Vnet, q: FragQueue): void {
  ip6(v).stats.ip6s_fragtimeout += q.frags.length
  ip6(v).stats.ip6s_fragdropped -= q.frags.length
  drop(v, q)
}

function hex(b: Uint8Array, o: number, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += b[o + i]!.toString(16).padStart(2, '0')
  return s
}

/**
 * frag6_input: m starts at its IPv6 header; its fragment header is at fo, and the byte naming it at
 * nxtAt. Returns the whole datagram (fragment header removed) when m completes one, else null
 * (m was queued or dropped). Takes ownership of m.
 */
export function frag6Input(v: Vnet, m: Mbuf, fo: number, nxtAt: number): Mbuf | null {
  const st = ip6(v).stats
  const pool = v.env.pool
  const b = m.data
  const end = m.off + m.len
  st.ip6s_fragments++
  if (fo + IP6_FRAG_LEN > end) {
    st.ip6s_tooshort++
    st.ip6s_fragdropped++
    pool.put(m)
    return null
  }
  const word = readU16(b, fo + 2)
  const off = word & IP6F_OFF_MASK
  const more = (word & IP6F_MORE) !== 0
  const flen = end - fo - IP6_FRAG_LEN
  const nxt = b[fo]!
  if (off === 0 && !more) {
    // RFC 6946: an atomic fragment is a whole packet; drop the header and go on.
    st.ip6s_atomicfrags++
    b.copyWithin(fo, fo + IP6_FRAG_LEN, end)
    b[nxtAt] = nxt
    m.len -= IP6_FRAG_LEN
    writeU16(b, m.off + 4, m.len - IPV6_HDR_LEN)
    return m
  }
  // RFC 8200 §4.5: all but the last fragment carry a multiple of 8 bytes; nothing beyond 65535.
  if (more && (flen & 7) !== 0) {
    st.ip6s_fragdropped++
    icmp6Error(v, m, Icmp6Type.PARAM_PROB, ParamProb6Code.HEADER, 4)
    return null
  }
  const unfragLen = fo - m.off
  if (unfragLen - IPV6_HDR_LEN + off + flen > 65535) {
    st.ip6s_fragdropped++
    icmp6Error(v, m, Icmp6Type.PARAM_PROB, ParamProb6Code.HEADER, fo + 2 - m.off)
    return null
  }
  const s = frag6(v)
  const key = `${hex(b, m.off + 8, 32)}${hex(b, fo + 4, 4)}`
  let q = s.queues.get(key)
  if (q === undefined) {
    if (s.queues.size >= s.maxfragpackets || s.frags >= s.maxfrags) {
      st.ip6s_fragoverflow++
      st.ip6s_fragdropped++
      pool.put(m)
      return null
    }
    q = new FragQueue(v, key)
    s.queues.set(key, q)
    q.timer.arm(FRAG_TTL)
  }
  if (q.frags.length >= s.maxfragsperpacket || s.frags >= s.maxfrags) {
    st.ip6s_fragoverflow++
    st.ip6s_fragdropped++
    pool.put(m)
    drop(v, q)
    return null
  }
  // RFC 5722: an overlapping fragment discards the whole datagram; an exact duplicate only itself.
  for (const f of q.frags) {
    if (f.off === off && f.data.length === flen) {
      st.ip6s_fragdropped++
      pool.put(m)
      return null
    }
    if (off < f.off + f.data.length && f.off < off + flen) {
      st.ip6s_fragdropped++
      pool.put(m)
      drop(v, q)
      return null
    }
  }
  if (!more) {
    const total = off + flen
    // A second, different last fragment, or data beyond the end: the datagram is bogus.
    if ((q.total >= 0 && q.total !== total) || q.frags.some((f) => f.off + f.data.length > total)) {
      st.ip6s_fragdropped++
      pool.put(m)
      drop(v, q)
      return null
    }
    q.total = total
  } else if (q.total >= 0 && off + flen > q.total) {
    st.ip6s_fragdropped++
    pool.put(m)
    drop(v, q)
    return null
  }
  if (off === 0) {
    q.unfrag = b.slice(m.off, fo)
    q.nxtAt = nxtAt - m.off
    q.nxt = nxt
  }
  q.frags.push({ off, data: b.slice(fo + IP6_FRAG_LEN, end) })
  s.frags++
  const rcvif = m.rcvif
  const linkBcast = m.linkBcast
  pool.put(m)
  if (q.total < 0 || q.unfrag === null) return null
  let have = 0
  for (const f of q.frags) have += f.data.length
  if (have !== q.total) return null
  // Whole: unfragmentable part, then the fragments in order.
  q.timer.cancel()
  s.queues.delete(q.key)
  s.frags -= q.frags.length
  const u = q.unfrag
  const w = pool.get(u.length + q.total)
  w.data.set(u, w.off)
  w.data[w.off + q.nxtAt] = q.nxt
  for (const f of q.frags) w.data.set(f.data, w.off + u.length + f.off)
  w.len = u.length + q.total
  writeU16(w.data, w.off + 4, w.len - IPV6_HDR_LEN)
  w.rcvif = rcvif
  w.linkBcast = linkBcast
  st.ip6s_reassembled++
  return w
}

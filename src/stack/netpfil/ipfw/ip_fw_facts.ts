/**
 * The header fields ipfw's rules look at (ipfw_chk's args and f_id), read once per packet into a
 * reusable object so that matching reads plain fields and allocates nothing. A packet too short
 * for the layer-4 header its protocol promises is reported, not read past.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { readU16, readU32 } from '../../../wire/addr.js'
import { IP_OFFMASK, IpProto } from '../../../wire/ipv4.js'

/** The fields rules look at, read once per packet (ipfw_chk's args and f_id). */
export class PktFacts {
  src = 0
  dst = 0
  proto = 0
  hlen = 0
  iplen = 0
  ttl = 0
  tos = 0
  /** Fragment offset in 8-byte units (non-zero: not the first fragment). */
  offset = 0
  /** Layer-4 fields; valid only when `l4` is true. */
  l4 = false
  sport = 0
  dport = 0
  tcpFlags = 0
  tcpSeq = 0
  tcpAck = 0
  icmpType = 0
  dir = 0
  ifname = ''
  /** MATCH.* after a state lookup; -1 before any. */
  dynDir = -1
  dynIdx = -1
  readonly dirOut = new Int32Array(1)
  /** The packet itself while the chain runs (for `log`), else null. */
  m: Mbuf | null = null
  /** A layer-2 pass (bridge): the frame's EtherType and addresses (48-bit numbers). */
  layer2 = false
  etherType = 0
  macDst = 0
  macSrc = 0
}

/** Read the headers of m (which starts at a valid IPv4 header); false when a needed header is cut short. */
export function readFacts(p: PktFacts, m: Mbuf): boolean {
  const b = m.data
  const o = m.off
  p.hlen = (b[o]! & 0xf) << 2
  p.tos = b[o + 1]!
  p.iplen = readU16(b, o + 2)
  p.offset = readU16(b, o + 6) & IP_OFFMASK
  p.ttl = b[o + 8]!
  p.proto = b[o + 9]!
  p.src = readU32(b, o + 12)
  p.dst = readU32(b, o + 16)
  p.l4 = false
  p.tcpFlags = 0
  p.sport = 0
  p.dport = 0
  if (p.offset !== 0) return true
  const l4 = o + p.hlen
  const room = m.len - p.hlen
  if (p.proto === IpProto.TCP) {
    if (room < 20) return false
    p.sport = readU16(b, l4)
    p.dport = readU16(b, l4 + 2)
    p.tcpSeq = readU32(b, l4 + 4)
    p.tcpAck = readU32(b, l4 + 8)
    p.tcpFlags = b[l4 + 13]!
    p.l4 = true
  } else if (p.proto === IpProto.UDP) {
    if (room < 8) return false
    p.sport = readU16(b, l4)
    p.dport = readU16(b, l4 + 2)
    p.l4 = true
  } else if (p.proto === IpProto.ICMP) {
    if (room < 4) return false
    p.icmpType = b[l4]!
    p.l4 = true
  }
  return true
}

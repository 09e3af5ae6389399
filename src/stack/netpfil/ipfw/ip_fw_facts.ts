/**
 * The header fields ipfw's rules look at (ipfw_chk's args and f_id), read once per packet into a
 * reusable object so that matching reads plain fields and allocates nothing. A packet too short
 * for the layer-4 header its protocol promises is reported, not read past. IPv6 packets have their
 * extension-header chain walked as ipfw_chk does (EXT_* bits, the fragment offset, the upper layer).
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { readI32, readU16, readU32 } from '../../../wire/addr.js'
import { IP_OFFMASK, IpProto } from '../../../wire/inet/ipv4.js'
import { EXT6 } from './ip_fw_rule.js'

/** What the IPv6 walk met that the net.inet6.ip6.fw knobs decide about (PktFacts.odd6). */
export const ODD6 = { UNKNOWN_HDR: 1, SINGLE_FRAG: 2 } as const

/** The fields rules look at, read once per packet (ipfw_chk's args and f_id). */
export class PktFacts {
  /** IPv4 source and destination as int32 (readI32): `>>> 0` where they leave the packet path. */
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
  /** An IPv4 packet (is_ipv4); false for IPv6 and for non-IP frames at layer 2. */
  v4 = false
  /** An IPv6 packet: addresses in a6, src/dst hold their folds (for hashing only). */
  v6 = false
  /** Index of the interface the packet is on (the zone of its link-local addresses). */
  ifIndex = 0
  /** IPv6 source (words 0..3) and destination (4..7), big-endian words. */
  readonly a6 = new Uint32Array(8)
  /** The 20-bit flow label. */
  flow6 = 0
  /** EXT6.* bits of the extension headers met. */
  extHd = 0
  /** An IPv6 fragment header's identification and M bit (f_id.extra, ip6f_mf), for `log`. */
  fragId6 = 0
  fragMore6 = false
  /** ODD6.* bits. */
  odd6 = 0
}

/** Read the headers of m (which starts at a valid IPv4 header); false when a needed header is cut short. */
export function readFacts(p: PktFacts, m: Mbuf): boolean {
  const b = m.data
  const o = m.off
  if (b[o]! >>> 4 === 6) return readFacts6(p, m)
  p.v6 = false
  p.v4 = true
  p.hlen = (b[o]! & 0xf) << 2
  p.tos = b[o + 1]!
  p.iplen = readU16(b, o + 2)
  p.offset = readU16(b, o + 6) & IP_OFFMASK
  p.ttl = b[o + 8]!
  p.proto = b[o + 9]!
  p.src = readI32(b, o + 12)
  p.dst = readI32(b, o + 16)
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

/** Bound on the extension headers walked (FreeBSD walks until the upper layer; we stop somewhere). */
const MAX_EXT = 64

/**
 * The IPv6 half of ipfw_chk's header parse: the fixed header, then the extension headers (hop-by-hop,
 * routing with its type, fragment with offset and M, destination options, AH, ESP) until the
 * upper layer, whose ports, TCP flags or ICMPv6 type are read. A header cut short fails (pullup).
 */
function readFacts6(p: PktFacts, m: Mbuf): boolean {
  const b = m.data
  const o = m.off
  if (m.len < 40) return false
  p.v6 = true
  p.v4 = false
  p.tos = ((b[o]! & 0xf) << 4) | (b[o + 1]! >>> 4)
  p.flow6 = ((b[o + 1]! & 0xf) << 16) | (b[o + 2]! << 8) | b[o + 3]!
  p.iplen = readU16(b, o + 4) + 40
  p.ttl = b[o + 7]!
  const a = p.a6
  for (let i = 0; i < 4; i++) {
    a[i] = readU32(b, o + 8 + 4 * i)
    a[4 + i] = readU32(b, o + 24 + 4 * i)
  }
  p.src = a[0]! ^ a[1]! ^ a[2]! ^ a[3]!
  p.dst = a[4]! ^ a[5]! ^ a[6]! ^ a[7]!
  p.l4 = false
  p.tcpFlags = 0
  p.sport = 0
  p.dport = 0
  p.offset = 0
  p.fragMore6 = false
  p.extHd = 0
  p.odd6 = 0
  const end = m.len < p.iplen ? m.len : p.iplen
  let hlen = 40
  let nxt = b[o + 6]!
  for (let n = 0; n < MAX_EXT; n++) {
    const h = o + hlen
    const room = end - hlen
    switch (nxt) {
      case 0: // hop-by-hop
      case 60: // destination options
        if (room < 2) return false
        p.extHd |= nxt === 0 ? EXT6.HOPOPTS : EXT6.DSTOPTS
        nxt = b[h]!
        hlen += (b[h + 1]! + 1) << 3
        continue
      case 43: {
        // RFC 8200 §4.4: the routing type says what the addresses mean; 0 is deprecated (RFC 5095).
        if (room < 4) return false
        const t = b[h + 2]!
        if (t === 0) p.extHd |= EXT6.RTHDR0
        else if (t === 2) p.extHd |= EXT6.RTHDR2
        else p.odd6 |= ODD6.UNKNOWN_HDR
        p.extHd |= EXT6.ROUTING
        nxt = b[h]!
        hlen += (b[h + 1]! + 1) << 3
        continue
      }
      case 44: {
        if (room < 8) return false
        p.extHd |= EXT6.FRAGMENT
        nxt = b[h]!
        const offlg = readU16(b, h + 2)
        p.offset = offlg >>> 3
        p.fragMore6 = (offlg & 1) !== 0
        p.fragId6 = readU32(b, h + 4)
        hlen += 8
        // RFC 6946: an atomic fragment (offset 0, no M) is a whole packet.
        if (p.offset === 0 && (offlg & 1) === 0) p.odd6 |= ODD6.SINGLE_FRAG
        // A later fragment has no upper-layer header to read.
        if (p.offset !== 0) break
        continue
      }
      case 51: // AH (RFC 4302): its length counts 4-byte words, minus 2
        if (room < 2) return false
        p.extHd |= EXT6.AH
        nxt = b[h]!
        hlen += (b[h + 1]! + 2) << 2
        continue
      case 50: // ESP: what follows is encrypted
        if (room < 4) return false
        p.extHd |= EXT6.ESP
        break
      case 6:
        if (room < 20) return false
        p.sport = readU16(b, h)
        p.dport = readU16(b, h + 2)
        p.tcpSeq = readU32(b, h + 4)
        p.tcpAck = readU32(b, h + 8)
        p.tcpFlags = b[h + 13]!
        p.l4 = true
        break
      case 17:
      case 132:
        if (room < 8) return false
        p.sport = readU16(b, h)
        p.dport = readU16(b, h + 2)
        p.l4 = true
        break
      case 58:
        if (room < 4) return false
        p.icmpType = b[h]!
        p.l4 = true
        break
      case 59: // no next header
      case 4: // IPv4 in IPv6
      case 41: // IPv6 in IPv6
      case 47: // GRE
      case 89: // OSPF
      case 103: // PIM
      case 112: // VRRP/CARP
        break
      default:
        p.odd6 |= ODD6.UNKNOWN_HDR
        break
    }
    break
  }
  p.proto = nxt
  p.hlen = hlen
  return true
}

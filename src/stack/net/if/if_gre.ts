/**
 * gre(4): Generic Routing Encapsulation over IPv4 (protocol 47): RFC 2784's 4-byte header (flags
 * and version, protocol type 0x0800 or 0x86dd) with RFC 2890's optional key (`grekey N`, the K bit
 * and 4 more bytes). MTU 1476 (GREMTU). On input the version must be 0 and no routing present; a
 * checksum field (C bit) is skipped; the key, or its absence as key 0, must be the tunnel's, so
 * two tunnels between the same end points are told apart by key. `enable_csum` adds RFC 2784's
 * checksum over the GRE header and payload, `enable_seq` RFC 2890's sequence number; neither is
 * checked on input, as FreeBSD's gre_input only skips them. `udpencap` carries the GRE packet in
 * UDP to port 4754 instead (RFC 8086, over an IPv4 or IPv6 underlay), `udpport N` fixing the
 * source port.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { readU16, readU32 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import { ipv4PseudoHeaderSum } from '../../../wire/inet/ipv4.js'
import { ipv6PseudoSum } from '../../../wire/inet6/ipv6.js'
import type { Vnet } from '../vnet.js'
import type { IfCloner } from './if_clone.js'
import {
  GRE_UDPENCAP,
  GRE_UDPPORT,
  IPPROTO_GRE,
  IPPROTO_UDP,
  type TunnelKind,
  type TunnelSoftc,
  tunnelIf,
} from './ip_tunnel.js'

/** GREMTU. */
export const GREMTU = 1476
const GRE_CP = 0x8000
const GRE_RP = 0x4000
const GRE_KP = 0x2000
const GRE_SP = 0x1000
const GRE_VERS = 0x0007
/** GRESOPTS bits (net/if_gre.h). */
export const GRE_ENABLE_CSUM = 0x1
export const GRE_ENABLE_SEQ = 0x2
export const GRE_OPTMASK = GRE_ENABLE_CSUM | GRE_ENABLE_SEQ | GRE_UDPENCAP
/** net.inet.ip.portrange.hifirst / hilast defaults: the range GRE-in-UDP source ports come from. */
export const IPPORT_HIFIRSTAUTO = 49152
export const IPPORT_HILASTAUTO = 65535
const ETHERTYPE_IP = 0x0800
const ETHERTYPE_IPV6 = 0x86dd

const greKind: TunnelKind = {
  name: 'gre',
  ttl: 64,
  outerProto: (sc) => ((sc.opts & GRE_UDPENCAP) !== 0 ? IPPROTO_UDP : IPPROTO_GRE),
  encap(sc, m, version) {
    const keyed = sc.key !== 0
    const csum = (sc.opts & GRE_ENABLE_CSUM) !== 0
    const seq = (sc.opts & GRE_ENABLE_SEQ) !== 0
    // RFC 2784 / 2890 order: flags, type, [checksum, reserved1], [key], [sequence number].
    const hlen = 4 + (csum ? 4 : 0) + (keyed ? 4 : 0) + (seq ? 4 : 0)
    if (!m.prepend(hlen)) return false
    const b = m.data
    const o = m.off
    const flags = (csum ? GRE_CP : 0) | (keyed ? GRE_KP : 0) | (seq ? GRE_SP : 0)
    const type = version === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP
    b[o] = flags >>> 8
    b[o + 1] = flags & 0xff
    b[o + 2] = type >>> 8
    b[o + 3] = type & 0xff
    let p = o + 4
    if (csum) {
      b.fill(0, p, p + 4)
      p += 4
    }
    if (keyed) {
      writeU32(b, p, sc.key)
      p += 4
    }
    if (seq) {
      writeU32(b, p, sc.oseq)
      sc.oseq = (sc.oseq + 1) >>> 0
    }
    if (csum) {
      // RFC 2784 §2.5: the one's complement sum of the GRE header and payload, field zero.
      const c = checksum(b, o, m.len)
      b[o + 4] = c >>> 8
      b[o + 5] = c & 0xff
    }
    return (sc.opts & GRE_UDPENCAP) === 0 || udpEncap(sc, m, hlen)
  },
  decap(sc, m, _proto) {
    if (m.len < 4) return -1
    const b = m.data
    const o = m.off
    const flags = readU16(b, o)
    if ((flags & (GRE_RP | GRE_VERS)) !== 0) return -1
    let hlen = 4
    if ((flags & GRE_CP) !== 0) hlen += 4
    let key = 0
    if ((flags & GRE_KP) !== 0) {
      if (m.len < hlen + 4) return -1
      key = readU32(b, o + hlen) >>> 0
      hlen += 4
    }
    if ((flags & GRE_SP) !== 0) hlen += 4
    if (key !== sc.key) return 0
    if (m.len < hlen + 1) return -1
    const type = readU16(b, o + 2)
    const version = b[o + hlen]! >>> 4
    if (!((type === ETHERTYPE_IP && version === 4) || (type === ETHERTYPE_IPV6 && version === 6))) return -1
    m.adj(hlen)
    return 1
  },
}

/**
 * gre_transmit's GRE-in-UDP part (RFC 8086 §3): a UDP header to GRE_UDPPORT in front of the GRE
 * header, from the configured port or, with none, one the inner addresses pick within the
 * high port range so each flow keeps its port (gre_flowid); a full UDP checksum (§3.1 allows zero
 * over IPv4, FreeBSD computes it; over IPv6 RFC 8200 §8.1 requires one, §3.2's zero-checksum
 * exception is not taken).
 */
function udpEncap(sc: TunnelSoftc, m: Mbuf, greLen: number): boolean {
  const inner = m.off + greLen
  let flow = 0
  const d = m.data
  if (sc.port === 0 && m.len >= greLen + 20 && d[inner]! >>> 4 === 4)
    flow = (readU32(d, inner + 12) ^ readU32(d, inner + 16)) >>> 0
  else if (sc.port === 0 && m.len >= greLen + 40 && d[inner]! >>> 4 === 6)
    // An IPv6 flow: its addresses folded (the last words, where hosts differ) and its flow label.
    flow = (readU32(d, inner + 20) ^ readU32(d, inner + 36) ^ (readU32(d, inner) & 0xfffff)) >>> 0
  if (!m.prepend(8)) return false
  const b = m.data
  const o = m.off
  const sport =
    ((sc.port | IPPORT_HIFIRSTAUTO | (flow >>> 16) | (flow & 0xffff)) & 0xffff) % IPPORT_HILASTAUTO
  const len = m.len
  b[o] = sport >>> 8
  b[o + 1] = sport & 0xff
  b[o + 2] = GRE_UDPPORT >>> 8
  b[o + 3] = GRE_UDPPORT & 0xff
  b[o + 4] = len >>> 8
  b[o + 5] = len & 0xff
  b[o + 6] = 0
  b[o + 7] = 0
  const pseudo =
    sc.af === 6
      ? ipv6PseudoSum(sc.src6, 0, sc.dst6, 0, len, IPPROTO_UDP)
      : ipv4PseudoHeaderSum(sc.src, sc.dst, IPPROTO_UDP, len)
  const c = checksum(b, o, len, pseudo)
  // RFC 768: a computed zero is sent as all ones.
  const sum = c === 0 ? 0xffff : c
  b[o + 6] = sum >>> 8
  b[o + 7] = sum & 0xff
  return true
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24
  b[o + 1] = (v >>> 16) & 0xff
  b[o + 2] = (v >>> 8) & 0xff
  b[o + 3] = v & 0xff
}

export const greCloner: IfCloner = {
  name: 'gre',
  create(v: Vnet, unit: number) {
    return [tunnelIf(v, `gre${unit}`, greKind, GREMTU)]
  },
}

/**
 * Test support (no production module imports it): builders for whole frames and datagrams as plain
 * byte arrays — Ethernet, ARP, IPv4 (with options and fragment fields), ICMP echo and UDP — with
 * correct checksums unless told otherwise, so tests and the fuzzer can start from valid packets and
 * break exactly one thing. Runtime-neutral, like the core.
 */

import { BROADCAST_MAC, readU16, writeU16 } from '../wire/addr.js'
import { checksum } from '../wire/checksum.js'
import { ICMP_HDR_LEN, IcmpType, icmpFinish, writeIcmpHeader } from '../wire/inet/icmp.js'
import { IP_DF, IP_MF, IpProto, ipv4PseudoHeaderSum } from '../wire/inet/ipv4.js'
import { ARP_LEN, ArpOp, writeArp } from '../wire/link/arp.js'
import { ETHER_HDR_LEN, EtherType, writeEthernetHeader } from '../wire/link/ethernet.js'

export { BROADCAST_MAC, EtherType, IpProto }

/** An Ethernet frame around `payload`. */
export function ether(dst: number, src: number, type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(ETHER_HDR_LEN + payload.length)
  writeEthernetHeader(out, 0, dst, src, type)
  out.set(payload, ETHER_HDR_LEN)
  return out
}

/** A 28-byte ARP packet (no Ethernet header). */
export function arpPacket(op: number, sha: number, spa: number, tha: number, tpa: number): Uint8Array {
  const out = new Uint8Array(ARP_LEN)
  writeArp(out, 0, op, sha, spa, tha, tpa)
  return out
}

/** A broadcast ARP request frame from (sha, spa) for tpa. */
export function arpRequestFrame(sha: number, spa: number, tpa: number): Uint8Array {
  return ether(BROADCAST_MAC, sha, EtherType.ARP, arpPacket(ArpOp.REQUEST, sha, spa, 0, tpa))
}

/** A unicast ARP reply frame (sha, spa) → (tha, tpa). */
export function arpReplyFrame(sha: number, spa: number, tha: number, tpa: number): Uint8Array {
  return ether(tha, sha, EtherType.ARP, arpPacket(ArpOp.REPLY, sha, spa, tha, tpa))
}

export interface Ipv4Spec {
  src: number
  dst: number
  proto: number
  payload: Uint8Array
  ttl?: number
  tos?: number
  id?: number
  df?: boolean
  mf?: boolean
  /** Fragment offset in bytes (a multiple of 8). */
  fragOffset?: number
  /** Raw option bytes (padded to a multiple of 4 here). */
  options?: Uint8Array
  /** Override the total length field (after the checksum is still computed over the header). */
  totalLength?: number
  /** Leave a wrong header checksum. */
  badChecksum?: boolean
}

/** An IPv4 datagram with a correct header checksum (unless `badChecksum`). */
export function ipv4(s: Ipv4Spec): Uint8Array {
  const optLen = s.options === undefined ? 0 : (s.options.length + 3) & ~3
  const hlen = 20 + optLen
  const out = new Uint8Array(hlen + s.payload.length)
  out[0] = 0x40 | (hlen >> 2)
  out[1] = s.tos ?? 0
  writeU16(out, 2, s.totalLength ?? out.length)
  writeU16(out, 4, s.id ?? 1)
  writeU16(out, 6, ((s.fragOffset ?? 0) >> 3) | (s.mf ? IP_MF : 0) | (s.df ? IP_DF : 0))
  out[8] = s.ttl ?? 64
  out[9] = s.proto
  out[12] = s.src >>> 24
  out[13] = s.src >>> 16
  out[14] = s.src >>> 8
  out[15] = s.src
  out[16] = s.dst >>> 24
  out[17] = s.dst >>> 16
  out[18] = s.dst >>> 8
  out[19] = s.dst
  if (s.options !== undefined) out.set(s.options, 20)
  out.set(s.payload, hlen)
  writeU16(out, 10, checksum(out, 0, hlen) ^ (s.badChecksum ? 0x5a5a : 0))
  return out
}

/** Recompute the IPv4 header checksum of a datagram in place (after editing header fields). */
export function fixIpv4Checksum(d: Uint8Array, off = 0): void {
  const hlen = (d[off]! & 0xf) << 2
  writeU16(d, off + 10, 0)
  writeU16(d, off + 10, checksum(d, off, Math.min(hlen, d.length - off)))
}

/** An ICMP echo request (or, with type, any ICMP message with ident/seq) with checksum. */
export function icmpEcho(
  ident: number,
  seq: number,
  data: Uint8Array = new Uint8Array(0),
  type: number = IcmpType.ECHO,
) {
  const out = new Uint8Array(ICMP_HDR_LEN + data.length)
  writeIcmpHeader(out, 0, type, 0, ((ident << 16) | seq) >>> 0)
  out.set(data, ICMP_HDR_LEN)
  icmpFinish(out, 0, out.length)
  return out
}

/** `n` bytes of a recognisable pattern. */
export function pattern(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed) & 0xff
  return out
}

/** A UDP datagram (header + data) with the checksum for src → dst, or 0 when `noChecksum`. */
export function udp(
  src: number,
  dst: number,
  sport: number,
  dport: number,
  data: Uint8Array,
  noChecksum = false,
) {
  const out = new Uint8Array(8 + data.length)
  writeU16(out, 0, sport)
  writeU16(out, 2, dport)
  writeU16(out, 4, out.length)
  out.set(data, 8)
  if (!noChecksum) {
    const c = checksum(out, 0, out.length, ipv4PseudoHeaderSum(src, dst, IpProto.UDP, out.length))
    writeU16(out, 6, c === 0 ? 0xffff : c)
  }
  return out
}

/** Split a datagram (no options) into fragments carrying at most `chunk` payload bytes each (multiple of 8). */
export function fragment(datagram: Uint8Array, chunk: number): Uint8Array[] {
  const hlen = (datagram[0]! & 0xf) << 2
  const payload = datagram.subarray(hlen)
  const out: Uint8Array[] = []
  for (let off = 0; off < payload.length; off += chunk) {
    const n = Math.min(chunk, payload.length - off)
    const f = new Uint8Array(hlen + n)
    f.set(datagram.subarray(0, hlen), 0)
    f.set(payload.subarray(off, off + n), hlen)
    writeU16(f, 2, hlen + n)
    const flags = readU16(datagram, 6) & IP_DF
    writeU16(f, 6, flags | (off >> 3) | (off + n < payload.length ? IP_MF : 0))
    fixIpv4Checksum(f)
    out.push(f)
  }
  return out
}

/** Parsed view of an ICMP message inside an IPv4 datagram copy (as raw sockets return them). */
export interface IcmpSeen {
  src: number
  dst: number
  ttl: number
  type: number
  code: number
  /** Bytes 4..7 of the ICMP header. */
  rest: number
  /** The ICMP body after the 8-byte header (the quoted datagram for errors). */
  body: Uint8Array
  /** Whether the ICMP checksum over the whole message verifies. */
  checksumOk: boolean
  /** Whether the outer IPv4 header checksum verifies. */
  ipChecksumOk: boolean
}

export function parseIcmpDatagram(d: Uint8Array): IcmpSeen {
  const hlen = (d[0]! & 0xf) << 2
  const rd32 = (o: number) => ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0
  return {
    src: rd32(12),
    dst: rd32(16),
    ttl: d[8]!,
    type: d[hlen]!,
    code: d[hlen + 1]!,
    rest: rd32(hlen + 4),
    body: d.slice(hlen + 8),
    checksumOk: checksum(d, hlen, d.length - hlen) === 0,
    ipChecksumOk: checksum(d, 0, hlen) === 0,
  }
}

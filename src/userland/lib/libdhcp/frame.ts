/**
 * The link, IP and UDP headers DHCP's programs put around a message themselves, since they talk
 * through bpf before the client has an address (FreeBSD's dhclient packet.c: assemble_hw_header,
 * assemble_udp_ip_header, decode_udp_ip_header; ISC dhcpd does the same): a frame from the
 * interface's MAC, an IPv4 header (id 0, low-delay TOS, the caller's TTL: 16 from dhclient), a UDP header with its checksum; and the
 * reverse, which checks the IP and UDP checksums and lengths and says why it refused a frame.
 *
 * Also the bpf program both install (`udp dst port N`, not a fragment), written as dhclient's
 * hand-made filter is rather than through libpcap. Must not: throw on a frame, whatever its bytes.
 */

import { readMac, readU16, readU32 } from '../../../wire/addr.js'
import { fold, sum16 } from '../../../wire/checksum.js'
import { IPV4_MIN_HDR, IpProto, ipv4PseudoHeaderSum, writeIpv4Header } from '../../../wire/inet/ipv4.js'
import { UDP_HDR_LEN, udpFinish, writeUdpHeader } from '../../../wire/inet/udp.js'
import { ETHER_HDR_LEN, EtherType, writeEthernetHeader } from '../../../wire/link/ethernet.js'

/** IPTOS_LOWDELAY, which assemble_udp_ip_header sets. */
const IPTOS_LOWDELAY = 0x10

export interface FrameAddrs {
  srcMac: number
  dstMac: number
  srcIp: number
  dstIp: number
  srcPort: number
  dstPort: number
}

/** Ethernet + IPv4 + UDP around `payload`, checksums filled in. */
export function buildUdpFrame(a: FrameAddrs, payload: Uint8Array, ttl: number): Uint8Array {
  const ipLen = IPV4_MIN_HDR + UDP_HDR_LEN + payload.length
  const b = new Uint8Array(ETHER_HDR_LEN + ipLen)
  writeEthernetHeader(b, 0, a.dstMac, a.srcMac, EtherType.IPV4)
  writeIpv4Header(
    b,
    ETHER_HDR_LEN,
    a.srcIp >>> 0,
    a.dstIp >>> 0,
    IpProto.UDP,
    ttl,
    IPTOS_LOWDELAY,
    0,
    UDP_HDR_LEN + payload.length,
    0,
  )
  const u = ETHER_HDR_LEN + IPV4_MIN_HDR
  writeUdpHeader(b, u, a.srcPort, a.dstPort, payload.length)
  b.set(payload, u + UDP_HDR_LEN)
  udpFinish(b, u, UDP_HDR_LEN + payload.length, a.srcIp >>> 0, a.dstIp >>> 0)
  return b
}

/** A UDP datagram's header plus payload for a raw socket (IPPROTO_UDP): the kernel adds the IP header. */
export function buildUdpDatagram(
  src: number,
  dst: number,
  sport: number,
  dport: number,
  payload: Uint8Array,
): Uint8Array {
  const b = new Uint8Array(UDP_HDR_LEN + payload.length)
  writeUdpHeader(b, 0, sport, dport, payload.length)
  b.set(payload, UDP_HDR_LEN)
  udpFinish(b, 0, b.length, src >>> 0, dst >>> 0)
  return b
}

/** Why decodeUdpFrame refused a frame (the counters dhclient keeps: ip_packets_seen, udp_packets_bad_checksum…). */
export const FrameError = {
  OK: 0,
  NOT_IPV4_UDP: 1,
  BAD_IP_LENGTH: 2,
  BAD_IP_CHECKSUM: 3,
  BAD_UDP_LENGTH: 4,
  BAD_UDP_CHECKSUM: 5,
} as const

export interface DecodedFrame extends FrameAddrs {
  error: number
  /** The UDP payload: b[payloadOff, payloadOff + payloadLen). */
  payloadOff: number
  payloadLen: number
}

/** Fills `out` from the frame b[off, off+len); out.error says whether it may be used. */
export function decodeUdpFrame(b: Uint8Array, off: number, len: number, out: DecodedFrame): DecodedFrame {
  out.error = FrameError.NOT_IPV4_UDP
  if (off < 0 || len < ETHER_HDR_LEN + IPV4_MIN_HDR || off + len > b.length) return out
  if (readU16(b, off + 12) !== EtherType.IPV4) return out
  const ip = off + ETHER_HDR_LEN
  if (b[ip]! >>> 4 !== 4 || b[ip + 9] !== IpProto.UDP) return out
  const hl = (b[ip]! & 15) * 4
  const total = readU16(b, ip + 2)
  if (hl < IPV4_MIN_HDR || total < hl + UDP_HDR_LEN || ip + total > off + len) {
    out.error = FrameError.BAD_IP_LENGTH
    return out
  }
  if (fold(sum16(b, ip, hl)) !== 0xffff) {
    out.error = FrameError.BAD_IP_CHECKSUM
    return out
  }
  const u = ip + hl
  const ulen = readU16(b, u + 4)
  if (ulen < UDP_HDR_LEN || ulen > total - hl) {
    out.error = FrameError.BAD_UDP_LENGTH
    return out
  }
  const src = readU32(b, ip + 12)
  const dst = readU32(b, ip + 16)
  if (
    readU16(b, u + 6) !== 0 &&
    fold(sum16(b, u, ulen, ipv4PseudoHeaderSum(src, dst, IpProto.UDP, ulen))) !== 0xffff
  ) {
    out.error = FrameError.BAD_UDP_CHECKSUM
    return out
  }
  out.dstMac = readMac(b, off)
  out.srcMac = readMac(b, off + 6)
  out.srcIp = src
  out.dstIp = dst
  out.srcPort = readU16(b, u)
  out.dstPort = readU16(b, u + 2)
  out.payloadOff = u + UDP_HDR_LEN
  out.payloadLen = ulen - UDP_HDR_LEN
  out.error = FrameError.OK
  return out
}

export function newDecodedFrame(): DecodedFrame {
  return {
    error: 0,
    srcMac: 0,
    dstMac: 0,
    srcIp: 0,
    dstIp: 0,
    srcPort: 0,
    dstPort: 0,
    payloadOff: 0,
    payloadLen: 0,
  }
}

/** `ip and udp dst port N and not ip[6:2] & 0x1fff != 0` on Ethernet, allocation-free. */
export function udpDstPortFilter(port: number): (b: Uint8Array, o: number, n: number) => boolean {
  return (b, o, n) => {
    if (n < ETHER_HDR_LEN + IPV4_MIN_HDR || b[o + 12] !== 0x08 || b[o + 13] !== 0x00) return false
    const ip = o + ETHER_HDR_LEN
    if (b[ip + 9] !== IpProto.UDP || ((b[ip + 6]! & 0x1f) | b[ip + 7]!) !== 0) return false
    const u = ip + (b[ip]! & 15) * 4
    return u + 4 <= o + n && ((b[u + 2]! << 8) | b[u + 3]!) === port
  }
}

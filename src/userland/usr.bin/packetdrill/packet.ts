/**
 * Packets between a packetdrill script and the stack under test: building the IPv4/TCP bytes of a
 * `<` segment, and checking a packet the stack sent against a `>` one, field by field. Script
 * sequence numbers are relative to the initial sequence numbers (the script's peer uses REMOTE_ISN;
 * the stack's is learned from the first SYN it sends), and script TS values of the stack are
 * relative to the first value it sent, as packetdrill's are: an outbound TS ecr must echo what the
 * script sent, its val is free; an inbound TS ecr is translated into the stack's clock.
 *
 * Pure functions over a Conn: no I/O and no clock here (run.ts owns those).
 */

import { readU16, readU32, writeU16, writeU32 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import { IpProto, ipv4PseudoHeaderSum } from '../../../wire/inet/ipv4.js'
import { tcpSignature, tcpSignatureOk } from '../../../wire/inet/tcp_md5.js'
import { ipv6PseudoSum } from '../../../wire/inet6/ipv6.js'
import { TcpFlag, type TcpOption, type TcpPacket } from './ast.js'

/** The script's peer's initial sequence number: any value works; a large one catches absolute use. */
export const REMOTE_ISN = 0x1d5c0000
/** The port the script's peer connects from when the stack listens (packetdrill picks one too). */
export const REMOTE_EPHEMERAL_PORT = 48197
/** The port of the listening side (packetdrill's default for both directions). */
export const SCRIPT_PORT = 8080

/** What a script's packets are relative to: addresses, ports and the two sides' ISNs and clocks. */
export interface Conn {
  local: number
  remote: number
  /** --ip_version=ipv6: the two IPv6 addresses (then local / remote are unused), else null. */
  local6: Uint8Array | null
  remote6: Uint8Array | null
  /** The stack's port: 8080 when it listens, learned from its first segment when it connects. */
  localPort: number | null
  remotePort: number
  /** The stack's ISN, from its first SYN; until then sequence numbers are taken as they are. */
  localIsn: number | null
  /** The stack's TS val minus the script's, from the first timestamp it sent. */
  tsOffset: number | null
  /** --tcp_md5_secret: the key `md5 valid` segments are signed and checked with. */
  md5Key: Uint8Array | null
}

export function newConn(
  local: number,
  remote: number,
  local6: Uint8Array | null = null,
  remote6: Uint8Array | null = null,
): Conn {
  return {
    local,
    remote,
    local6,
    remote6,
    localPort: null,
    remotePort: REMOTE_EPHEMERAL_PORT,
    localIsn: null,
    tsOffset: null,
    md5Key: null,
  }
}

const u32 = (n: number): number => n >>> 0

/** The TCP option bytes of a script's option list, in the script's order. */
export function encodeOptions(opts: readonly TcpOption[], c: Conn): Uint8Array | string {
  const out: number[] = []
  for (const o of opts) {
    switch (o.kind) {
      case 'nop':
        out.push(1)
        break
      case 'eol':
        out.push(0)
        break
      case 'mss':
        out.push(2, 4, o.mss >>> 8, o.mss & 0xff)
        break
      case 'wscale':
        out.push(3, 3, o.shift)
        break
      case 'sackOK':
        out.push(4, 2)
        break
      case 'sack': {
        out.push(5, 2 + 8 * o.blocks.length)
        const isn = c.localIsn ?? 0
        for (const b of o.blocks)
          for (const v of [u32(b.start + isn), u32(b.end + isn)])
            out.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff)
        break
      }
      case 'timestamp': {
        const ecr = u32(o.ecr + (c.tsOffset ?? 0))
        out.push(8, 10)
        for (const v of [o.val, ecr]) out.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff)
        break
      }
      case 'md5':
        // The digest is filled in once the whole segment is built (signInbound).
        out.push(19, 18, ...new Array<number>(16).fill(0))
        break
    }
  }
  if (out.length > 40) return `${out.length} bytes of TCP options (at most 40 fit)`
  // The header length counts 32-bit words: pad as the script would have to (with EOL).
  while (out.length % 4 !== 0) out.push(0)
  return Uint8Array.from(out)
}

const ECN_BITS: Readonly<Record<string, number>> = { noecn: 0, ect1: 1, ect0: 2, ect01: 2, ce: 3 }

/** The bytes of an inbound (`<`) segment, or why it cannot be built. */
export function buildInbound(p: TcpPacket, c: Conn, ident: number): Uint8Array | string {
  if (c.remote6 !== null) {
    const b6 = buildPlain6(p, c)
    return typeof b6 === 'string' || p.udp === null ? b6 : encapsulate6(b6, p.udp, c)
  }
  const b = buildPlain(p, c, ident)
  return typeof b === 'string' || p.udp === null ? b : encapsulate(b, p.udp, c)
}

/**
 * `/udp(src > dst)`: the segment inside a UDP datagram, its own checksum zero and the UDP checksum
 * over both, as FreeBSD's TCP tunnel sends and expects.
 */
function encapsulate(plain: Uint8Array, udp: { srcPort: number; dstPort: number }, c: Conn): Uint8Array {
  const seg = plain.length - 20
  const b = new Uint8Array(plain.length + 8)
  b.set(plain.subarray(0, 20), 0)
  b.set(plain.subarray(20), 28)
  writeU16(b, 2, b.length)
  b[9] = IpProto.UDP
  b[10] = 0
  b[11] = 0
  writeU16(b, 10, checksum(b, 0, 20))
  writeU16(b, 20, udp.srcPort)
  writeU16(b, 22, udp.dstPort)
  writeU16(b, 24, seg + 8)
  b[28 + 16] = 0
  b[28 + 17] = 0
  const sum = checksum(b, 20, seg + 8, ipv4PseudoHeaderSum(c.remote, c.local, IpProto.UDP, seg + 8))
  writeU16(b, 26, sum === 0 ? 0xffff : sum)
  return b
}

/** encapsulate over IPv6: the UDP header after the 40-byte one, its checksum over the RFC 8200 pseudo-header. */
function encapsulate6(plain: Uint8Array, udp: { srcPort: number; dstPort: number }, c: Conn): Uint8Array {
  const seg = plain.length - 40
  const b = new Uint8Array(plain.length + 8)
  b.set(plain.subarray(0, 40), 0)
  b.set(plain.subarray(40), 48)
  writeU16(b, 4, seg + 8)
  b[6] = IpProto.UDP
  writeU16(b, 40, udp.srcPort)
  writeU16(b, 42, udp.dstPort)
  writeU16(b, 44, seg + 8)
  b[48 + 16] = 0
  b[48 + 17] = 0
  const sum = checksum(b, 40, seg + 8, ipv6PseudoSum(c.remote6!, 0, c.local6!, 0, seg + 8, IpProto.UDP))
  writeU16(b, 46, sum === 0 ? 0xffff : sum)
  return b
}

function buildPlain(p: TcpPacket, c: Conn, ident: number): Uint8Array | string {
  if (p.options === 'any') return "'<...>' options in an injected packet"
  if (p.seq === null) return "'...' sequence numbers in an injected packet"
  const opts = encodeOptions(p.options, c)
  if (typeof opts === 'string') return opts
  const ihl = 20
  const thl = 20 + opts.length
  const total = ihl + thl + p.len
  if (total > 0xffff) return `a ${p.len}-byte segment does not fit in an IPv4 packet`
  const b = new Uint8Array(total)
  b[0] = 0x45
  b[1] = (p.ip.tos ?? 0) | (p.ecn === null ? 0 : ECN_BITS[p.ecn]!)
  writeU16(b, 2, total)
  writeU16(b, 4, ident & 0xffff)
  b[8] = p.ip.ttl ?? 64
  b[9] = IpProto.TCP
  writeU32(b, 12, c.remote)
  writeU32(b, 16, c.local)
  writeU16(b, 10, checksum(b, 0, ihl))
  const t = ihl
  writeU16(b, t, c.remotePort)
  writeU16(b, t + 2, c.localPort ?? SCRIPT_PORT)
  writeU32(b, t + 4, p.seqAbsolute ? p.seq : u32(p.seq + REMOTE_ISN))
  writeU32(b, t + 8, p.ack === null ? 0 : u32(p.ack + (c.localIsn ?? 0)))
  b[t + 12] = (thl >>> 2) << 4
  b[t + 13] = p.flags
  writeU16(b, t + 14, p.win ?? 0)
  writeU16(b, t + 18, p.urg ?? 0)
  b.set(opts, t + 20)
  signInbound(p, c, b, t, thl + p.len, opts)
  writeU16(
    b,
    t + 16,
    checksum(b, t, thl + p.len, ipv4PseudoHeaderSum(c.remote, c.local, IpProto.TCP, thl + p.len)),
  )
  return b
}

/** buildPlain over IPv6 (no extension headers): traffic class, hop limit, the RFC 8200 checksum. */
function buildPlain6(p: TcpPacket, c: Conn): Uint8Array | string {
  if (p.options === 'any') return "'<...>' options in an injected packet"
  if (p.seq === null) return "'...' sequence numbers in an injected packet"
  const opts = encodeOptions(p.options, c)
  if (typeof opts === 'string') return opts
  const thl = 20 + opts.length
  const plen = thl + p.len
  if (plen > 0xffff) return `a ${p.len}-byte segment does not fit in an IPv6 packet`
  const b = new Uint8Array(40 + plen)
  const tc = (p.ip.class ?? p.ip.tos ?? 0) | (p.ecn === null ? 0 : ECN_BITS[p.ecn]!)
  b[0] = 0x60 | (tc >>> 4)
  b[1] = (tc & 0xf) << 4
  writeU16(b, 4, plen)
  b[6] = IpProto.TCP
  b[7] = p.ip.hlim ?? p.ip.ttl ?? 64
  b.set(c.remote6!, 8)
  b.set(c.local6!, 24)
  const t = 40
  writeU16(b, t, c.remotePort)
  writeU16(b, t + 2, c.localPort ?? SCRIPT_PORT)
  writeU32(b, t + 4, p.seqAbsolute ? p.seq : u32(p.seq + REMOTE_ISN))
  writeU32(b, t + 8, p.ack === null ? 0 : u32(p.ack + (c.localIsn ?? 0)))
  b[t + 12] = (thl >>> 2) << 4
  b[t + 13] = p.flags
  writeU16(b, t + 14, p.win ?? 0)
  writeU16(b, t + 18, p.urg ?? 0)
  b.set(opts, t + 20)
  writeU16(b, t + 16, checksum(b, t, plen, ipv6PseudoSum(c.remote6!, 0, c.local6!, 0, plen, IpProto.TCP)))
  return b
}

/**
 * An injected segment's `md5 valid` gets the right digest under the script's key, `md5 invalid` a
 * wrong one, and a bare `md5` (or no key) zeros.
 */
function signInbound(p: TcpPacket, c: Conn, b: Uint8Array, t: number, len: number, opts: Uint8Array): void {
  if (p.options === 'any') return
  const want = p.options.find((o) => o.kind === 'md5')
  if (want?.kind !== 'md5' || want.valid === null || c.md5Key === null) return
  const at = md5Offset(opts)
  if (at < 0) return
  tcpSignature(c.md5Key, c.remote, c.local, b, t, len, b, t + 20 + at)
  if (!want.valid) b[t + 20 + at]! ^= 0xff
}

/** Where option 19's digest starts in an option block, or -1. */
function md5Offset(o: Uint8Array): number {
  for (let i = 0; i < o.length; ) {
    if (o[i] === 0 || o[i] === 1) {
      i++
      continue
    }
    if (o[i] === 19) return i + 2
    i += Math.max(2, o[i + 1] ?? 2)
  }
  return -1
}

/** A TCP segment the stack sent, decoded; numbers as on the wire. */
export interface Seen {
  /** TOS, or the traffic class of an IPv6 packet. */
  tos: number
  /** TTL, or the hop limit. */
  ttl: number
  src: number
  dst: number
  /** An IPv6 packet's addresses (src / dst are then 0). */
  src6: Uint8Array | null
  dst6: Uint8Array | null
  sport: number
  dport: number
  seq: number
  ack: number
  flags: number
  win: number
  urg: number
  len: number
  options: TcpOption[] | string
  /** Offset of the signature digest within the options, or -1. */
  md5Off: number
  /** Where the TCP header starts (after a tunnel's UDP header). */
  tcpOff: number
  /** The tunnel's ports, or null for a plain segment. */
  udp: { srcPort: number; dstPort: number } | null
  csumOk: boolean
}

/** Decodes an IPv4 packet from the tun; a string says why it is not a TCP segment we can read. */
export function decode(pkt: Uint8Array): Seen | string {
  if (pkt.length >= 40 && pkt[0]! >>> 4 === 6) return decode6(pkt)
  if (pkt.length < 20 || pkt[0]! >>> 4 !== 4) return `a non-IPv4 packet of ${pkt.length} bytes`
  const ihl = (pkt[0]! & 0xf) << 2
  const total = readU16(pkt, 2)
  const proto = pkt[9]!
  if (proto !== IpProto.TCP && proto !== IpProto.UDP) {
    const what =
      proto === IpProto.ICMP ? `ICMP type ${pkt[ihl]} code ${pkt[ihl + 1]}` : `IP protocol ${proto}`
    return `${what} packet`
  }
  if (total > pkt.length || total < ihl + 20) return 'a truncated TCP segment'
  const src = readU32(pkt, 12)
  const dst = readU32(pkt, 16)
  // Through the tunnel: the UDP header first, whose checksum vouches for the segment.
  const udp = proto === IpProto.UDP ? { srcPort: readU16(pkt, ihl), dstPort: readU16(pkt, ihl + 2) } : null
  const t = udp === null ? ihl : ihl + 8
  if (total < t + 20) return 'a truncated TCP segment'
  const thl = (pkt[t + 12]! >>> 4) << 2
  if (thl < 20 || t + thl > total) return 'a TCP segment with a bad header length'
  const segLen = total - t
  return {
    tos: pkt[1]!,
    ttl: pkt[8]!,
    src,
    dst,
    src6: null,
    dst6: null,
    ...tcpSeen(pkt, t, thl, segLen),
    udp,
    csumOk:
      udp === null
        ? checksum(pkt, t, segLen, ipv4PseudoHeaderSum(src, dst, IpProto.TCP, segLen)) === 0
        : readU16(pkt, t + 16) === 0 &&
          checksum(pkt, ihl, segLen + 8, ipv4PseudoHeaderSum(src, dst, IpProto.UDP, segLen + 8)) === 0,
  }
}

/** What both families read from the TCP header at t (thl its length, segLen the whole segment's). */
function tcpSeen(pkt: Uint8Array, t: number, thl: number, segLen: number) {
  return {
    sport: readU16(pkt, t),
    dport: readU16(pkt, t + 2),
    seq: readU32(pkt, t + 4),
    ack: readU32(pkt, t + 8),
    flags: pkt[t + 13]!,
    win: readU16(pkt, t + 14),
    urg: readU16(pkt, t + 18),
    len: segLen - thl,
    options: decodeOptions(pkt, t + 20, t + thl),
    md5Off: md5Offset(pkt.subarray(t + 20, t + thl)),
    tcpOff: t,
  }
}

/** decode for an IPv6 packet: TCP right after the 40-byte header. */
function decode6(pkt: Uint8Array): Seen | string {
  const nxt = pkt[6]!
  const plen = readU16(pkt, 4)
  if (nxt !== IpProto.TCP && nxt !== IpProto.UDP)
    return nxt === 58 ? `ICMPv6 type ${pkt[40]} code ${pkt[41]} packet` : `IPv6 next header ${nxt} packet`
  const udp = nxt === IpProto.UDP ? { srcPort: readU16(pkt, 40), dstPort: readU16(pkt, 42) } : null
  const t = udp === null ? 40 : 48
  if (40 + plen > pkt.length || 40 + plen < t + 20) return 'a truncated TCP segment'
  const segLen = 40 + plen - t
  const thl = (pkt[t + 12]! >>> 4) << 2
  if (thl < 20 || thl > segLen) return 'a TCP segment with a bad header length'
  const src6 = pkt.slice(8, 24)
  const dst6 = pkt.slice(24, 40)
  return {
    tos: ((pkt[0]! & 0xf) << 4) | (pkt[1]! >>> 4),
    ttl: pkt[7]!,
    src: 0,
    dst: 0,
    src6,
    dst6,
    ...tcpSeen(pkt, t, thl, segLen),
    udp,
    csumOk:
      udp === null
        ? checksum(pkt, t, segLen, ipv6PseudoSum(src6, 0, dst6, 0, segLen, IpProto.TCP)) === 0
        : readU16(pkt, t + 16) === 0 &&
          checksum(pkt, 40, plen, ipv6PseudoSum(src6, 0, dst6, 0, plen, IpProto.UDP)) === 0,
  }
}

/** Each option byte by byte, EOL padding included (a script lists each `eol`). */
function decodeOptions(b: Uint8Array, off: number, end: number): TcpOption[] | string {
  const out: TcpOption[] = []
  while (off < end) {
    const kind = b[off]!
    if (kind === 0 || kind === 1) {
      out.push({ kind: kind === 0 ? 'eol' : 'nop' })
      off++
      continue
    }
    const len = off + 1 < end ? b[off + 1]! : 0
    if (len < 2 || off + len > end) return `a malformed TCP option (kind ${kind}, length ${len})`
    if (kind === 2 && len === 4) out.push({ kind: 'mss', mss: readU16(b, off + 2) })
    else if (kind === 3 && len === 3) out.push({ kind: 'wscale', shift: b[off + 2]! })
    else if (kind === 4 && len === 2) out.push({ kind: 'sackOK' })
    else if (kind === 5 && (len - 2) % 8 === 0) {
      const blocks: { start: number; end: number }[] = []
      for (let i = off + 2; i < off + len; i += 8)
        blocks.push({ start: readU32(b, i), end: readU32(b, i + 4) })
      out.push({ kind: 'sack', blocks })
    } else if (kind === 8 && len === 10)
      out.push({ kind: 'timestamp', val: readU32(b, off + 2), ecr: readU32(b, off + 6) })
    else if (kind === 19 && len === 18) out.push({ kind: 'md5', valid: null })
    else return `an unknown TCP option (kind ${kind}, length ${len})`
    off += len
  }
  return out
}

const FLAG_ORDER: ReadonlyArray<readonly [string, number]> = [
  ['F', TcpFlag.FIN],
  ['S', TcpFlag.SYN],
  ['R', TcpFlag.RST],
  ['P', TcpFlag.PSH],
  ['U', TcpFlag.URG],
  ['E', TcpFlag.ECE],
  ['W', TcpFlag.CWR],
]

export function formatFlags(flags: number): string {
  let s = ''
  for (const [l, bit] of FLAG_ORDER) if (flags & bit) s += l
  if (flags & TcpFlag.ACK) s += '.'
  return s
}

export function formatOptions(opts: readonly TcpOption[]): string {
  return opts
    .map((o) => {
      switch (o.kind) {
        case 'mss':
          return `mss ${o.mss}`
        case 'wscale':
          return `wscale ${o.shift}`
        case 'sack':
          return `sack ${o.blocks.map((b) => `${b.start}:${b.end}`).join(' ')}`
        case 'timestamp':
          return `TS val ${o.val} ecr ${o.ecr}`
        case 'md5':
          return o.valid === null ? 'md5' : `md5 ${o.valid ? 'valid' : 'invalid'}`
        default:
          return o.kind
      }
    })
    .join(',')
}

/** A script packet in the script's own notation. */
export function formatScript(p: TcpPacket): string {
  const seq = p.seq === null ? `...(${p.len})` : `${p.seq}:${p.end}(${p.len})${p.seqAbsolute ? '!' : ''}`
  const ip = Object.entries(p.ip).map(
    ([k, v]) => `${k} ${k === 'tos' || k === 'class' ? `0x${v.toString(16)}` : v}`,
  )
  let s = `${p.direction === 'inbound' ? '<' : '>'} ${p.ecn === null ? '' : `[${p.ecn}] `}${ip.length > 0 ? `(${ip.join(', ')}) ` : ''}${formatFlags(p.flags)} ${seq}`
  if (p.ack !== null) s += ` ack ${p.ack}`
  if (p.win !== null) s += ` win ${p.win}`
  if (p.urg !== null) s += ` urg ${p.urg}`
  if (p.options === 'any') s += ' <...>'
  else if (p.options.length > 0) s += ` <${formatOptions(p.options)}>`
  if (p.udp !== null) s += `/udp(${p.udp.srcPort} > ${p.udp.dstPort})`
  return s
}

/** The script's view of a live segment: numbers made relative as the script writes them. */
export function scriptView(
  s: Seen,
  c: Conn,
): { text: string; seq: number; ack: number; options: TcpOption[] | string } {
  const seq = u32(s.seq - (c.localIsn ?? 0))
  const ack = u32(s.ack - REMOTE_ISN)
  const options =
    typeof s.options === 'string'
      ? s.options
      : s.options.map((o): TcpOption => {
          if (o.kind === 'sack')
            return {
              kind: 'sack',
              blocks: o.blocks.map((b) => ({
                start: u32(b.start - REMOTE_ISN),
                end: u32(b.end - REMOTE_ISN),
              })),
            }
          if (o.kind === 'timestamp')
            return { kind: 'timestamp', val: u32(o.val - (c.tsOffset ?? 0)), ecr: o.ecr }
          return o
        })
  let text = `> ${formatFlags(s.flags)} ${seq}:${u32(seq + s.len)}(${s.len})`
  if (s.flags & TcpFlag.ACK) text += ` ack ${ack}`
  text += ` win ${s.win}`
  if (s.flags & TcpFlag.URG) text += ` urg ${s.urg}`
  if (typeof options === 'string') text += ` <${options}>`
  else if (options.length > 0) text += ` <${formatOptions(options)}>`
  return { text, seq, ack, options }
}

/**
 * Learns what the first segments of a connection tell (the stack's port, ISN and TS clock) and
 * checks a live segment against a `>` line. Returns null when it matches, else what differs.
 */
export function matchOutbound(p: TcpPacket, pkt: Uint8Array, c: Conn): string | null {
  const s = decode(pkt)
  if (typeof s === 'string') return s
  if (c.local6 !== null && c.remote6 !== null) {
    if (s.src6 === null || s.dst6 === null || !sameBytes(s.src6, c.local6) || !sameBytes(s.dst6, c.remote6))
      return 'a segment between other addresses'
  } else if (s.src !== c.local || s.dst !== c.remote) return 'a segment between other addresses'
  if (c.localPort === null) c.localPort = s.sport
  if (s.sport !== c.localPort) return `source port ${s.sport}, not ${c.localPort}`
  if (s.dport !== c.remotePort) return `destination port ${s.dport}, not ${c.remotePort}`
  if (!s.csumOk) return s.udp === null ? 'a bad TCP checksum' : 'a bad UDP checksum (or a TCP one not zero)'
  if ((p.udp === null) !== (s.udp === null))
    return s.udp === null ? 'a plain segment' : 'a segment through the UDP tunnel'
  if (
    p.udp !== null &&
    s.udp !== null &&
    (p.udp.srcPort !== s.udp.srcPort || p.udp.dstPort !== s.udp.dstPort)
  )
    return `UDP ports ${s.udp.srcPort} > ${s.udp.dstPort}`
  // A SYN (or SYN-ACK) tells the stack's ISN; the script's SYN writes it as its own 0.
  if (s.flags & TcpFlag.SYN && !p.seqAbsolute && p.seq !== null) c.localIsn = u32(s.seq - p.seq)
  if (c.tsOffset === null && typeof s.options === 'string') return s.options
  if (c.tsOffset === null && p.options !== 'any') {
    const live = (s.options as TcpOption[]).find((o) => o.kind === 'timestamp')
    const want = p.options.find((o) => o.kind === 'timestamp')
    if (live?.kind === 'timestamp' && want?.kind === 'timestamp') c.tsOffset = u32(live.val - want.val)
  }
  const v = scriptView(s, c)
  if (s.flags !== p.flags) return `flags ${formatFlags(s.flags)}`
  if (p.seq !== null) {
    const seq = p.seqAbsolute ? s.seq : v.seq
    if (seq !== p.seq) return `sequence number ${seq}`
  }
  if (s.len !== p.len) return `payload length ${s.len}`
  if (p.ack !== null && v.ack !== p.ack) return `ack ${v.ack}`
  if (p.win !== null && s.win !== p.win) return `window ${s.win}`
  if (p.urg !== null && s.urg !== p.urg) return `urgent pointer ${s.urg}`
  if (p.ip.tos !== undefined && s.tos !== p.ip.tos) return `IP TOS 0x${s.tos.toString(16)}`
  if (p.ip.ttl !== undefined && s.ttl !== p.ip.ttl) return `IP TTL ${s.ttl}`
  if (p.ip.class !== undefined && s.tos !== p.ip.class) return `IPv6 traffic class 0x${s.tos.toString(16)}`
  if (p.ip.hlim !== undefined && s.ttl !== p.ip.hlim) return `IPv6 hop limit ${s.ttl}`
  if (p.ecn !== null) {
    const ecn = s.tos & 3
    const ok = p.ecn === 'ect01' ? ecn === 1 || ecn === 2 : ecn === ECN_BITS[p.ecn]
    if (!ok) return `ECN codepoint ${['noecn', 'ect1', 'ect0', 'ce'][ecn]}`
  }
  if (p.options !== 'any') {
    if (typeof v.options === 'string') return v.options
    // The stack's signature, checked under the script's key: `md5 valid` only if it verifies.
    if (c.md5Key !== null && s.md5Off >= 0) {
      const t = s.tcpOff
      const ok = tcpSignatureOk(
        c.md5Key,
        s.src,
        s.dst,
        pkt,
        t,
        s.len + ((pkt[t + 12]! >>> 4) << 2),
        t + 20 + s.md5Off,
      )
      v.options = v.options.map((o) => (o.kind === 'md5' ? { kind: 'md5', valid: ok } : o))
    }
    const diff = optionsDiff(p.options, v.options)
    if (diff !== null) return diff
  }
  return null
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Option lists compared in order; a TS val is free (its clock is the stack's), the rest exact. */
function optionsDiff(want: readonly TcpOption[], got: readonly TcpOption[]): string | null {
  const bad = `options <${formatOptions(got)}>`
  if (want.length !== got.length) return bad
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!
    const g = got[i]!
    if (w.kind !== g.kind) return bad
    if (w.kind === 'timestamp' && g.kind === 'timestamp') {
      if (w.ecr !== g.ecr) return `TS ecr ${g.ecr} (the peer sent ${w.ecr})`
      continue
    }
    // A bare `md5` takes any digest; `md5 valid|invalid` must verify (or not) under the key.
    if (w.kind === 'md5' && g.kind === 'md5') {
      if (w.valid !== null && w.valid !== (g.valid ?? false))
        return `a TCP-MD5 signature that is ${w.valid ? 'not ' : ''}valid`
      continue
    }
    if (JSON.stringify(w) !== JSON.stringify(g)) return bad
  }
  return null
}

/**
 * The TCP header (RFC 9293 §3.1) and its options: a re-pointable view for the data path, an options
 * record parsed and laid out the way FreeBSD's tcp_dooptions and tcp_addoptions do, and a Repr for
 * tests and tools.
 *
 * The view allocates nothing and never throws. `point` checks only that the fixed 20-byte header is
 * there; `check` validates the rest in tcp_input's order (length, checksum, data offset) before anything
 * trusts headerLength. The window given to the view is the whole segment as IP delivered it (the IP
 * payload, without link padding): the checksum and the data offset are judged against it. Options are
 * parsed into a caller-owned `TcpOptions`, reused for every segment. Policy stays with the stack: which
 * options a connection honours (net.inet.tcp.sack.enable, rfc1323, TFO), PAWS, and what to answer.
 */

import { readU16, readU32, writeU16, writeU32 } from '../addr.js'
import { checksum } from '../checksum.js'
import { WireView } from '../view.js'
import { IpProto, ipv4PseudoHeaderSum } from './ipv4.js'

export const TCP_HDR_LEN = 20
/** Room for options: the 4-bit data offset allows 60 bytes of header. */
export const TCP_MAXOLEN = 40
/** RFC 7323 §2.3: larger shifts are used as 14. */
export const TCP_MAX_WINSHIFT = 14
/** SACK blocks an option can hold in 40 bytes (RFC 2018 §3). */
export const TCP_MAX_SACK = 4

/**
 * Header flags as FreeBSD's tcp_get_flags returns them: the eight of byte 13, then the low nibble of
 * byte 12 above them. AE (bit 8) was RFC 3540's NS bit; 0x200..0x800 are reserved.
 */
export const TH = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PUSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  /** ECN-Echo (RFC 3168 §6.1). */
  ECE: 0x40,
  /** Congestion Window Reduced (RFC 3168 §6.1). */
  CWR: 0x80,
  AE: 0x100,
} as const

/** Option kinds (IANA "TCP Option Kind Numbers"). */
export const TcpOpt = {
  EOL: 0,
  NOP: 1,
  MAXSEG: 2,
  WINDOW: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMP: 8,
  /** TCP-MD5 (RFC 2385). */
  SIGNATURE: 19,
  /** TCP Fast Open cookie (RFC 7413). */
  FAST_OPEN: 34,
} as const

/** Option lengths, kind and length bytes included; SACK is SACKHDR + n * SACK. */
export const TcpOptLen = {
  MAXSEG: 4,
  WINDOW: 3,
  SACK_PERMITTED: 2,
  SACKHDR: 2,
  SACK: 8,
  TIMESTAMP: 10,
  SIGNATURE: 18,
} as const

/**
 * Which options a `TcpOptions` holds: FreeBSD's TOF_* bits, whose order is also the order in which
 * tcp_addoptions lays them out.
 */
export const TOF = {
  MSS: 0x0001,
  SCALE: 0x0002,
  SACKPERM: 0x0004,
  TS: 0x0010,
  SIGNATURE: 0x0040,
  SACK: 0x0080,
  FASTOPEN: 0x0100,
} as const

/**
 * Results of `TcpView.check`, in tcp_input's order; each names the struct tcpstat counter FreeBSD
 * raises: SHORT is tcps_rcvshort, BAD_SUM tcps_rcvbadsum, BAD_OFF tcps_rcvbadoff.
 */
export const TcpCheck = { OK: 0, SHORT: 1, BAD_SUM: 2, BAD_OFF: 3 } as const

/**
 * FreeBSD's struct tcpopt: the options of one segment, parsed into (or laid out from) one record that
 * the caller allocates once and reuses. Only what `flags` names is meaningful. Offsets point into the
 * buffer the options came from (or were written to), like tcpopt's pointers, and are valid as long as
 * that packet is.
 */
export class TcpOptions {
  /** TOF bits. */
  flags = 0
  mss = 0
  /** Already capped at TCP_MAX_WINSHIFT when parsed. */
  wscale = 0
  tsval = 0
  tsecr = 0
  /** Number of SACK blocks in `sacks`. */
  nsacks = 0
  /** SACK blocks as (start, end) pairs: sacks[2i] is block i's left edge, sacks[2i+1] its right edge. */
  readonly sacks = new Uint32Array(2 * TCP_MAX_SACK)
  /** Offset of the 16-byte TCP-MD5 digest, or -1. */
  sigOffset = -1
  /** Offset and length of the TFO cookie (0 to 16 bytes), or -1. */
  tfoOffset = -1
  tfoLen = 0

  /** Forgets every option (the arrays are kept). */
  clear(): void {
    this.flags = 0
    this.nsacks = 0
    this.sigOffset = -1
    this.tfoOffset = -1
    this.tfoLen = 0
  }

  /** Adds SACK block i (for output); blocks past TCP_MAX_SACK are ignored. */
  setSack(i: number, start: number, end: number): void {
    if (i < 0 || i >= TCP_MAX_SACK) return
    this.sacks[2 * i] = start
    this.sacks[2 * i + 1] = end
    if (this.nsacks <= i) this.nsacks = i + 1
    this.flags |= TOF.SACK
  }
}

/**
 * tcp_dooptions: parses cnt bytes of options at buf[off] into `to`. Stops at EOL, at a length byte
 * that is missing, below 2 or past the end (the rest is not trusted); skips by its length any option
 * it does not know or whose length is wrong for its kind. MSS, window scale, SACK-permitted and the TFO
 * cookie count only on a SYN, SACK blocks only without one; timestamps and TCP-MD5 count on any
 * segment. A later copy of an option overrides an earlier one. The caller keeps [off, off+cnt) in buf.
 */
export function tcpDoOptions(
  to: TcpOptions,
  buf: Uint8Array,
  off: number,
  cnt: number,
  isSyn: boolean,
): void {
  to.clear()
  let optlen = 0
  for (let p = off; cnt > 0; cnt -= optlen, p += optlen) {
    const opt = buf[p]
    if (opt === TcpOpt.EOL) break
    if (opt === TcpOpt.NOP) optlen = 1
    else {
      if (cnt < 2) break
      optlen = buf[p + 1]
      if (optlen < 2 || optlen > cnt) break
    }
    switch (opt) {
      case TcpOpt.MAXSEG:
        if (optlen !== TcpOptLen.MAXSEG || !isSyn) continue
        to.flags |= TOF.MSS
        to.mss = readU16(buf, p + 2)
        break
      case TcpOpt.WINDOW:
        if (optlen !== TcpOptLen.WINDOW || !isSyn) continue
        to.flags |= TOF.SCALE
        to.wscale = Math.min(buf[p + 2], TCP_MAX_WINSHIFT)
        break
      case TcpOpt.TIMESTAMP:
        if (optlen !== TcpOptLen.TIMESTAMP) continue
        to.flags |= TOF.TS
        to.tsval = readU32(buf, p + 2)
        to.tsecr = readU32(buf, p + 6)
        break
      case TcpOpt.SIGNATURE:
        if (optlen !== TcpOptLen.SIGNATURE) continue
        to.flags |= TOF.SIGNATURE
        to.sigOffset = p + 2
        break
      case TcpOpt.SACK_PERMITTED:
        if (optlen !== TcpOptLen.SACK_PERMITTED || !isSyn) continue
        to.flags |= TOF.SACKPERM
        break
      case TcpOpt.SACK: {
        if (optlen <= TcpOptLen.SACKHDR || (optlen - TcpOptLen.SACKHDR) % TcpOptLen.SACK !== 0 || isSyn)
          continue
        to.flags |= TOF.SACK
        // 40 bytes of options hold at most 4 blocks; the cap only guards callers passing more.
        const n = Math.min((optlen - TcpOptLen.SACKHDR) / TcpOptLen.SACK, TCP_MAX_SACK)
        for (let i = 0; i < n; i++) {
          to.sacks[2 * i] = readU32(buf, p + 2 + 8 * i)
          to.sacks[2 * i + 1] = readU32(buf, p + 6 + 8 * i)
        }
        to.nsacks = n
        break
      }
      case TcpOpt.FAST_OPEN:
        if (!isSyn) continue
        to.flags |= TOF.FASTOPEN
        to.tfoOffset = p + 2
        to.tfoLen = optlen - 2
        break
      default:
        continue
    }
  }
}

/**
 * tcp_addoptions: writes the options `to` names at buf[off] in FreeBSD's order and alignment and
 * returns their length (a multiple of 4, at most 40). MSS comes first on a 4-byte boundary; window scale
 * after NOPs to an odd offset (so its value is aligned); SACK-permitted at an even offset; timestamps,
 * the TCP-MD5 digest and SACK blocks each after NOPs to an offset of 4n + 2; then EOL and zeros to the
 * next 4-byte boundary. Whatever no longer fits is left out: SACK blocks beyond the room, TCP-MD5 (its
 * flag is then cleared, as FreeBSD does, so the caller knows not to sign). `sigOffset` is set to the
 * zeroed digest for the caller to fill. TFO cookies are not written. The caller ensures 40 bytes of room.
 */
export function writeTcpOptions(to: TcpOptions, buf: Uint8Array, off: number): number {
  const f = to.flags
  const p = off
  let n = 0 // optlen so far
  to.sigOffset = -1
  if (f & TOF.MSS) {
    while (n % 4 !== 0) buf[p + n++] = TcpOpt.NOP
    if (TCP_MAXOLEN - n >= TcpOptLen.MAXSEG) {
      buf[p + n] = TcpOpt.MAXSEG
      buf[p + n + 1] = TcpOptLen.MAXSEG
      writeU16(buf, p + n + 2, to.mss)
      n += TcpOptLen.MAXSEG
    }
  }
  if (f & TOF.SCALE && n < TCP_MAXOLEN) {
    while (n === 0 || n % 2 !== 1) buf[p + n++] = TcpOpt.NOP
    if (TCP_MAXOLEN - n >= TcpOptLen.WINDOW) {
      buf[p + n] = TcpOpt.WINDOW
      buf[p + n + 1] = TcpOptLen.WINDOW
      buf[p + n + 2] = to.wscale
      n += TcpOptLen.WINDOW
    }
  }
  if (f & TOF.SACKPERM && n < TCP_MAXOLEN) {
    while (n % 2 !== 0) buf[p + n++] = TcpOpt.NOP
    if (TCP_MAXOLEN - n >= TcpOptLen.SACK_PERMITTED) {
      buf[p + n] = TcpOpt.SACK_PERMITTED
      buf[p + n + 1] = TcpOptLen.SACK_PERMITTED
      n += TcpOptLen.SACK_PERMITTED
    }
  }
  if (f & TOF.TS && n < TCP_MAXOLEN) {
    while (n === 0 || n % 4 !== 2) buf[p + n++] = TcpOpt.NOP
    if (TCP_MAXOLEN - n >= TcpOptLen.TIMESTAMP) {
      buf[p + n] = TcpOpt.TIMESTAMP
      buf[p + n + 1] = TcpOptLen.TIMESTAMP
      writeU32(buf, p + n + 2, to.tsval)
      writeU32(buf, p + n + 6, to.tsecr)
      n += TcpOptLen.TIMESTAMP
    }
  }
  if (f & TOF.SIGNATURE && n < TCP_MAXOLEN) {
    while (n === 0 || n % 4 !== 2) buf[p + n++] = TcpOpt.NOP
    if (TCP_MAXOLEN - n >= TcpOptLen.SIGNATURE) {
      buf[p + n] = TcpOpt.SIGNATURE
      buf[p + n + 1] = TcpOptLen.SIGNATURE
      to.sigOffset = p + n + 2
      for (let i = 2; i < TcpOptLen.SIGNATURE; i++) buf[p + n + i] = 0
      n += TcpOptLen.SIGNATURE
    } else to.flags &= ~TOF.SIGNATURE
  }
  if (f & TOF.SACK && n < TCP_MAXOLEN) {
    while (n === 0 || n % 4 !== 2) buf[p + n++] = TcpOpt.NOP
    if (TCP_MAXOLEN - n >= TcpOptLen.SACKHDR + TcpOptLen.SACK) {
      const blocks = Math.min(
        to.nsacks,
        TCP_MAX_SACK,
        ((TCP_MAXOLEN - n - TcpOptLen.SACKHDR) / TcpOptLen.SACK) | 0,
      )
      buf[p + n] = TcpOpt.SACK
      buf[p + n + 1] = TcpOptLen.SACKHDR + blocks * TcpOptLen.SACK
      n += TcpOptLen.SACKHDR
      for (let i = 0; i < blocks; i++) {
        writeU32(buf, p + n, to.sacks[2 * i])
        writeU32(buf, p + n + 4, to.sacks[2 * i + 1])
        n += TcpOptLen.SACK
      }
    }
  }
  // RFC 9293 §3.1: an EOL ends the list; what follows it up to the data offset is zero padding.
  if (n % 4 !== 0) buf[p + n++] = TcpOpt.EOL
  while (n % 4 !== 0) buf[p + n++] = 0
  return n
}

export class TcpView extends WireView {
  protected readonly minLen = TCP_HDR_LEN

  /**
   * Validates the segment as tcp_input does, returning one of `TcpCheck`: at least 20 bytes; the
   * checksum over the IPv4 pseudo header (src, dst) and all len bytes (when `verifyChecksum`; links may
   * vouch for it instead); then 20 <= headerLength <= len.
   */
  check(verifyChecksum: boolean, src: number, dst: number, w32?: Uint32Array): number {
    const b = this.buf
    const o = this.off
    const len = this.len
    if (!(o >= 0 && len >= TCP_HDR_LEN && o + len <= b.length)) return TcpCheck.SHORT
    if (verifyChecksum && checksum(b, o, len, ipv4PseudoHeaderSum(src, dst, IpProto.TCP, len), w32) !== 0) {
      return TcpCheck.BAD_SUM
    }
    const hl = (b[o + 12] >>> 4) << 2
    if (hl < TCP_HDR_LEN || hl > len) return TcpCheck.BAD_OFF
    return TcpCheck.OK
  }

  get srcPort(): number {
    return readU16(this.buf, this.off)
  }
  set srcPort(v: number) {
    writeU16(this.buf, this.off, v)
  }
  get dstPort(): number {
    return readU16(this.buf, this.off + 2)
  }
  set dstPort(v: number) {
    writeU16(this.buf, this.off + 2, v)
  }
  get seq(): number {
    return readU32(this.buf, this.off + 4)
  }
  set seq(v: number) {
    writeU32(this.buf, this.off + 4, v)
  }
  get ack(): number {
    return readU32(this.buf, this.off + 8)
  }
  set ack(v: number) {
    writeU32(this.buf, this.off + 8, v)
  }
  /** The header length in bytes (data offset * 4), options included. */
  get headerLength(): number {
    return (this.buf[this.off + 12] >>> 4) << 2
  }
  /** TH bits, AE and the reserved bits included (tcp_get_flags). */
  get flags(): number {
    return ((this.buf[this.off + 12] & 0x0f) << 8) | this.buf[this.off + 13]
  }
  /** Sets the TH bits (tcp_set_flags); the data offset is kept. */
  set flags(v: number) {
    const b = this.buf
    const o = this.off
    b[o + 12] = (b[o + 12] & 0xf0) | ((v >>> 8) & 0x0f)
    b[o + 13] = v
  }
  /** The window as sent, before any scaling. */
  get window(): number {
    return readU16(this.buf, this.off + 14)
  }
  set window(v: number) {
    writeU16(this.buf, this.off + 14, v)
  }
  get checksum(): number {
    return readU16(this.buf, this.off + 16)
  }
  set checksum(v: number) {
    writeU16(this.buf, this.off + 16, v)
  }
  get urgent(): number {
    return readU16(this.buf, this.off + 18)
  }
  set urgent(v: number) {
    writeU16(this.buf, this.off + 18, v)
  }
  get optionsOffset(): number {
    return this.off + TCP_HDR_LEN
  }
  /** Bytes of options: headerLength - 20, never beyond len, 0 for a bad data offset. */
  get optionsLength(): number {
    const n = Math.min(this.headerLength, this.len) - TCP_HDR_LEN
    return n > 0 ? n : 0
  }
  get payloadOffset(): number {
    return this.off + this.headerLength
  }
  /** len - headerLength: meaningful once `check` returned OK. */
  get payloadLength(): number {
    return this.len - this.headerLength
  }

  /** Parses the options into `to` (tcp_dooptions, with this segment's SYN bit). */
  parseOptions(to: TcpOptions): void {
    tcpDoOptions(
      to,
      this.buf,
      this.off + TCP_HDR_LEN,
      this.optionsLength,
      (this.buf[this.off + 13] & TH.SYN) !== 0,
    )
  }

  /** True when the checksum over the pseudo header and all len bytes is correct. */
  verify(src: number, dst: number): boolean {
    return checksum(this.buf, this.off, this.len, ipv4PseudoHeaderSum(src, dst, IpProto.TCP, this.len)) === 0
  }

  /** Computes and stores the checksum over the pseudo header and all len bytes. */
  fillChecksum(src: number, dst: number): void {
    tcpFinish(this.buf, this.off, this.len, src, dst)
  }
}

/**
 * Writes a header (and the options `to` names, if any) with a zero checksum at buf[off]; returns the
 * header length. `flags` are TH bits (AE included). The caller ensures 60 bytes of room, places the
 * payload after the header and then calls `tcpFinish`.
 */
export function writeTcpHeader(
  buf: Uint8Array,
  off: number,
  srcPort: number,
  dstPort: number,
  seq: number,
  ack: number,
  flags: number,
  window: number,
  urgent: number,
  to: TcpOptions | null,
): number {
  const hl = TCP_HDR_LEN + (to === null ? 0 : writeTcpOptions(to, buf, off + TCP_HDR_LEN))
  writeU16(buf, off, srcPort)
  writeU16(buf, off + 2, dstPort)
  writeU32(buf, off + 4, seq)
  writeU32(buf, off + 8, ack)
  buf[off + 12] = ((hl >>> 2) << 4) | ((flags >>> 8) & 0x0f)
  buf[off + 13] = flags
  writeU16(buf, off + 14, window)
  buf[off + 16] = 0
  buf[off + 17] = 0
  writeU16(buf, off + 18, urgent)
  return hl
}

/**
 * Computes and stores the checksum of the segment buf[off, off+len) (header and payload) from src to
 * dst; w32 as checksum's (an Mbuf's data32), for speed.
 */
export function tcpFinish(
  buf: Uint8Array,
  off: number,
  len: number,
  src: number,
  dst: number,
  w32?: Uint32Array,
): void {
  buf[off + 16] = 0
  buf[off + 17] = 0
  writeU16(buf, off + 16, checksum(buf, off, len, ipv4PseudoHeaderSum(src, dst, IpProto.TCP, len), w32))
}

/** One SACK block (RFC 2018 §3): the left edge and the sequence number after the right edge. */
export interface SackBlock {
  start: number
  end: number
}

/**
 * A segment's header for tests and tools. Options are null/false/empty when absent; on output they
 * are laid out as `writeTcpOptions` does, whatever the order here.
 */
export interface TcpRepr {
  srcPort: number
  dstPort: number
  seq: number
  ack: number
  /** TH bits. */
  flags: number
  window: number
  urgent: number
  mss: number | null
  wscale: number | null
  sackPermitted: boolean
  timestamp: { val: number; ecr: number } | null
  sacks: SackBlock[]
  /** A TCP-MD5 option is present (its digest is the stack's business). */
  signature: boolean
  payloadLength: number
}

/** The `TcpOptions` a Repr asks for. */
export function tcpReprOptions(r: TcpRepr, to: TcpOptions): void {
  to.clear()
  if (r.mss !== null) {
    to.flags |= TOF.MSS
    to.mss = r.mss
  }
  if (r.wscale !== null) {
    to.flags |= TOF.SCALE
    to.wscale = r.wscale
  }
  if (r.sackPermitted) to.flags |= TOF.SACKPERM
  if (r.timestamp !== null) {
    to.flags |= TOF.TS
    to.tsval = r.timestamp.val
    to.tsecr = r.timestamp.ecr
  }
  if (r.signature) to.flags |= TOF.SIGNATURE
  for (let i = 0; i < r.sacks.length && i < TCP_MAX_SACK; i++) to.setSack(i, r.sacks[i].start, r.sacks[i].end)
}

/**
 * Writes r's header and options with a zero checksum at buf[off]; returns the header length. The
 * payload (r.payloadLength bytes) goes after it, then `tcpFinish`.
 */
export function emitTcp(r: TcpRepr, buf: Uint8Array, off: number): number {
  const to = new TcpOptions()
  tcpReprOptions(r, to)
  return writeTcpHeader(buf, off, r.srcPort, r.dstPort, r.seq, r.ack, r.flags, r.window, r.urgent, to)
}

/**
 * The segment buf[off, off+len) from src to dst, or null unless it passes `check(true)`. Options are
 * read as tcp_dooptions reads them (so MSS on a non-SYN is absent); a TFO cookie is not represented.
 */
export function parseTcp(
  buf: Uint8Array,
  off: number,
  len: number,
  src: number,
  dst: number,
): TcpRepr | null {
  const v = new TcpView()
  v.point(buf, off, len)
  if (v.check(true, src, dst) !== TcpCheck.OK) return null
  const to = new TcpOptions()
  v.parseOptions(to)
  const sacks: SackBlock[] = []
  if (to.flags & TOF.SACK) {
    for (let i = 0; i < to.nsacks; i++) sacks.push({ start: to.sacks[2 * i], end: to.sacks[2 * i + 1] })
  }
  return {
    srcPort: v.srcPort,
    dstPort: v.dstPort,
    seq: v.seq,
    ack: v.ack,
    flags: v.flags,
    window: v.window,
    urgent: v.urgent,
    mss: to.flags & TOF.MSS ? to.mss : null,
    wscale: to.flags & TOF.SCALE ? to.wscale : null,
    sackPermitted: (to.flags & TOF.SACKPERM) !== 0,
    timestamp: to.flags & TOF.TS ? { val: to.tsval, ecr: to.tsecr } : null,
    sacks,
    signature: (to.flags & TOF.SIGNATURE) !== 0,
    payloadLength: v.payloadLength,
  }
}

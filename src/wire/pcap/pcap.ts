/**
 * Capture file writers: classic pcap (tcpdump -w's format, microsecond stamps, little-endian) and
 * pcapng (draft-ietf-opsawg-pcapng: a Section Header Block, one Interface Description Block per
 * captured interface with its link type, name and if_tsresol=9, and Enhanced Packet Blocks stamped in
 * nanoseconds with their direction). Bytes out only: where they go (a jail's file, a real file, a
 * stream) is the caller's business. Stamps are nanoseconds of the host clock, virtual or real.
 */

import { utf8Encode } from '../../util/utf8.js'

/** Link types (LINKTYPE_NULL, LINKTYPE_ETHERNET; the same numbers as DLT_NULL, DLT_EN10MB). */
export const LinkType = { NULL: 0, EN10MB: 1 } as const

/** pcap's magic for microsecond stamps, and the nanosecond variant. */
export const PCAP_MAGIC = 0xa1b2c3d4
export const PCAP_MAGIC_NS = 0xa1b23c4d
/** pcapng block types. */
export const PcapngBlock = { SHB: 0x0a0d0d0a, IDB: 1, SPB: 3, NRB: 4, ISB: 5, EPB: 6 } as const
/** The SHB's byte-order magic. */
export const PCAPNG_BOM = 0x1a2b3c4d

const PCAP_HDR_LEN = 24
const PCAP_REC_LEN = 16

function u32(v: DataView, at: number, x: number): void {
  v.setUint32(at, x >>> 0, true)
}

function putLe32(b: Uint8Array, at: number, x: number): void {
  b[at] = x & 0xff
  b[at + 1] = (x >>> 8) & 0xff
  b[at + 2] = (x >>> 16) & 0xff
  b[at + 3] = (x >>> 24) & 0xff
}

/** Whole seconds and the rest in nanoseconds of a stamp (ns ≥ 0). */
function split(stampNs: number): [number, number] {
  const t = stampNs < 0 ? 0 : Math.floor(stampNs)
  const sec = Math.floor(t / 1e9)
  return [sec, t - sec * 1e9]
}

/** Classic pcap: a 24-byte file header, then a 16-byte header before each packet. */
export class PcapWriter {
  readonly linktype: number
  readonly snaplen: number
  readonly nanos: boolean

  constructor(linktype: number, snaplen = 262144, nanos = false) {
    this.linktype = linktype
    this.snaplen = snaplen
    this.nanos = nanos
  }

  header(): Uint8Array {
    const b = new Uint8Array(PCAP_HDR_LEN)
    const v = new DataView(b.buffer)
    u32(v, 0, this.nanos ? PCAP_MAGIC_NS : PCAP_MAGIC)
    v.setUint16(4, 2, true)
    v.setUint16(6, 4, true)
    u32(v, 16, this.snaplen)
    u32(v, 20, this.linktype)
    return b
  }

  /**
   * One packet record written into out at `at` (a buffered file's buffer); returns the offset after
   * it, or -1 when it does not fit (flush and try again). Allocates nothing.
   */
  recordInto(
    out: Uint8Array,
    at: number,
    stampNs: number,
    buf: Uint8Array,
    off: number,
    caplen: number,
    wirelen: number,
  ): number {
    if (at + PCAP_REC_LEN + caplen > out.length) return -1
    const t = stampNs < 0 ? 0 : Math.floor(stampNs)
    const sec = Math.floor(t / 1e9)
    const frac = this.nanos ? t - sec * 1e9 : Math.floor((t - sec * 1e9) / 1000)
    putLe32(out, at, sec)
    putLe32(out, at + 4, frac)
    putLe32(out, at + 8, caplen)
    putLe32(out, at + 12, wirelen)
    out.set(buf.subarray(off, off + caplen), at + PCAP_REC_LEN)
    return at + PCAP_REC_LEN + caplen
  }

  /** One packet record: caplen bytes of buf from off, of a packet wirelen long. */
  record(stampNs: number, buf: Uint8Array, off: number, caplen: number, wirelen: number): Uint8Array {
    const b = new Uint8Array(PCAP_REC_LEN + caplen)
    const v = new DataView(b.buffer)
    const [sec, ns] = split(stampNs)
    u32(v, 0, sec)
    u32(v, 4, this.nanos ? ns : Math.floor(ns / 1000))
    u32(v, 8, caplen)
    u32(v, 12, wirelen)
    b.set(buf.subarray(off, off + caplen), PCAP_REC_LEN)
    return b
  }
}

const pad4 = (n: number): number => (n + 3) & ~3

/** An option's bytes (code, length, value padded to 4). */
function option(code: number, value: Uint8Array): Uint8Array {
  const b = new Uint8Array(4 + pad4(value.length))
  const v = new DataView(b.buffer)
  v.setUint16(0, code, true)
  v.setUint16(2, value.length, true)
  b.set(value, 4)
  return b
}

/** A block: type, total length, body, options ending with opt_endofopt, total length again. */
function block(type: number, body: Uint8Array, opts: Uint8Array[]): Uint8Array {
  const optLen = opts.length === 0 ? 0 : opts.reduce((a, o) => a + o.length, 0) + 4
  const total = 8 + pad4(body.length) + optLen + 4
  const b = new Uint8Array(total)
  const v = new DataView(b.buffer)
  u32(v, 0, type)
  u32(v, 4, total)
  b.set(body, 8)
  let at = 8 + pad4(body.length)
  for (const o of opts) {
    b.set(o, at)
    at += o.length
  }
  // opt_endofopt is four zero bytes, already there.
  u32(v, total - 4, total)
  return b
}

/** pcapng: call header() once, addInterface() before an interface's first packet, then packet(). */
export class PcapngWriter {
  private readonly ifs: { name: string; linktype: number }[] = []
  readonly application: string

  constructor(application = 'VirtNet') {
    this.application = application
  }

  /** The Section Header Block (version 1.0, section length unknown, shb_userappl). */
  header(): Uint8Array {
    const body = new Uint8Array(16)
    const v = new DataView(body.buffer)
    u32(v, 0, PCAPNG_BOM)
    v.setUint16(4, 1, true)
    v.setUint16(6, 0, true)
    v.setInt32(8, -1, true)
    v.setInt32(12, -1, true)
    return block(PcapngBlock.SHB, body, [option(4, utf8Encode(this.application))])
  }

  /** An Interface Description Block; returns its id (the order of IDBs) and the block. */
  addInterface(name: string, linktype: number, snaplen = 262144): { id: number; block: Uint8Array } {
    const body = new Uint8Array(8)
    const v = new DataView(body.buffer)
    v.setUint16(0, linktype, true)
    u32(v, 4, snaplen)
    const id = this.ifs.length
    this.ifs.push({ name, linktype })
    // if_name (2) and if_tsresol (9) = 9: stamps count nanoseconds.
    return {
      id,
      block: block(PcapngBlock.IDB, body, [option(2, utf8Encode(name)), option(9, Uint8Array.of(9))]),
    }
  }

  get interfaces(): number {
    return this.ifs.length
  }

  /**
   * An Enhanced Packet Block on interface id; `out` (if given) becomes epb_flags' direction
   * (1 inbound, 2 outbound).
   */
  packet(
    id: number,
    stampNs: number,
    buf: Uint8Array,
    off: number,
    caplen: number,
    wirelen: number,
    out?: boolean,
  ): Uint8Array {
    if (id < 0 || id >= this.ifs.length) throw new RangeError(`pcapng: no interface ${id}`)
    const body = new Uint8Array(20 + caplen)
    const v = new DataView(body.buffer)
    const t = stampNs < 0 ? 0 : Math.floor(stampNs)
    const hi = Math.floor(t / 2 ** 32)
    u32(v, 0, id)
    u32(v, 4, hi)
    u32(v, 8, t - hi * 2 ** 32)
    u32(v, 12, caplen)
    u32(v, 16, wirelen)
    body.set(buf.subarray(off, off + caplen), 20)
    const opts: Uint8Array[] = []
    if (out !== undefined) {
      const f = new Uint8Array(4)
      new DataView(f.buffer).setUint32(0, out ? 2 : 1, true)
      opts.push(option(2, f))
    }
    return block(PcapngBlock.EPB, body, opts)
  }
}

/**
 * Capture file reader (libpcap's sf-pcap.c and sf-pcapng.c, rewritten): classic pcap in either byte
 * order, with microsecond or nanosecond stamps, and pcapng (SHB, IDB, EPB, SPB; other blocks
 * skipped). A truncated or corrupt file is never a crash: the error carries libpcap's message
 * ("truncated dump file; tried to read 16 header bytes, only got 3"), and packets before the damage
 * are still returned in order. Bytes in only.
 */

import { utf8Decode } from '../../util/utf8.js'
import { PCAP_MAGIC, PCAP_MAGIC_NS, PCAPNG_BOM, PcapngBlock } from './pcap.js'

/** What libpcap reports for a damaged file; the message is its errbuf text. */
export class PcapFormatError extends Error {}

/** The largest snapshot length libpcap accepts when reading (MAXIMUM_SNAPLEN). */
const MAX_SNAPLEN = 262144
/** The largest pcapng block sf-pcapng.c reads (INITIAL_MAX_BLOCKSIZE grows to 16 MiB). */
const MAX_BLOCKSIZE = 16 * 1024 * 1024

export interface CaptureInterface {
  linktype: number
  snaplen: number
  name: string
  /** Units of a stamp per second (1e6 for classic pcap, 1e9 for if_tsresol=9 ...). */
  tsPerSec: number
}

export interface CapturedPacket {
  /** Index into the file's interfaces. */
  ifIndex: number
  sec: number
  nsec: number
  caplen: number
  wirelen: number
  data: Uint8Array
  /** pcapng epb_flags direction, when the file says. */
  out?: boolean
}

export interface CaptureFile {
  format: 'pcap' | 'pcapng'
  /** Known so far; pcapng files may add interfaces later on. */
  interfaces: CaptureInterface[]
  /** Stamps are nanoseconds (pcap's nanosecond magic, or pcapng). */
  nanos: boolean
  /** The next packet, null at the end; throws PcapFormatError at damage. */
  next(): CapturedPacket | null
}

function truncated(what: string, want: number, got: number): PcapFormatError {
  return new PcapFormatError(`truncated dump file; tried to read ${want} ${what}, only got ${got}`)
}

/** Open a capture file held in memory (pcap_open_offline). Throws PcapFormatError for a bad header. */
export function openCapture(bytes: Uint8Array): CaptureFile {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < 4) throw truncated('file header bytes', 4, bytes.length)
  const magicLe = v.getUint32(0, true)
  const magicBe = v.getUint32(0, false)
  if (magicLe === PcapngBlock.SHB) return openPcapng(bytes, v)
  for (const le of [true, false]) {
    const m = le ? magicLe : magicBe
    if (m === PCAP_MAGIC || m === PCAP_MAGIC_NS) return openPcap(bytes, v, le, m === PCAP_MAGIC_NS)
  }
  throw new PcapFormatError('unknown file format')
}

function openPcap(bytes: Uint8Array, v: DataView, le: boolean, nanos: boolean): CaptureFile {
  if (bytes.length < 24) throw truncated('file header bytes', 20, bytes.length - 4)
  const major = v.getUint16(4, le)
  if (major !== 2) throw new PcapFormatError('archaic pcap savefile format')
  const snaplen = v.getUint32(16, le)
  const linktype = v.getUint32(20, le) & 0x03ffffff
  const ifc: CaptureInterface = { linktype, snaplen, name: '', tsPerSec: nanos ? 1e9 : 1e6 }
  let at = 24
  // sf-pcap.c accepts records up to the larger of the file's snaplen and MAXIMUM_SNAPLEN.
  const maxCap = Math.max(snaplen, MAX_SNAPLEN)
  return {
    format: 'pcap',
    interfaces: [ifc],
    nanos,
    next: () => {
      if (at === bytes.length) return null
      if (bytes.length - at < 16) throw truncated('header bytes', 16, bytes.length - at)
      const sec = v.getUint32(at, le)
      const frac = v.getUint32(at + 4, le)
      const caplen = v.getUint32(at + 8, le)
      const wirelen = v.getUint32(at + 12, le)
      if (caplen > maxCap)
        throw new PcapFormatError(`invalid packet capture length ${caplen}, bigger than maximum of ${maxCap}`)
      at += 16
      if (bytes.length - at < caplen) {
        const got = bytes.length - at
        at = bytes.length
        throw truncated('captured bytes', caplen, got)
      }
      const data = bytes.subarray(at, at + caplen)
      at += caplen
      return { ifIndex: 0, sec, nsec: nanos ? frac : frac * 1000, caplen, wirelen, data }
    },
  }
}

/** Parse a block's options from off to end: the codes and values this reader uses. */
function idbOptions(
  bytes: Uint8Array,
  v: DataView,
  off: number,
  end: number,
  le: boolean,
): { name: string; tsPerSec: number } {
  let name = ''
  let tsPerSec = 1e6
  while (off + 4 <= end) {
    const code = v.getUint16(off, le)
    const len = v.getUint16(off + 2, le)
    if (code === 0) break
    if (off + 4 + len > end) throw new PcapFormatError('option length goes past the end of the block')
    if (code === 2) name = utf8Decode(bytes.subarray(off + 4, off + 4 + len))
    if (code === 9 && len >= 1) {
      const r = bytes[off + 4]!
      tsPerSec = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r
      if (!Number.isFinite(tsPerSec) || tsPerSec > 1e18)
        throw new PcapFormatError(`if_tsresol ${r} is too high`)
    }
    off += 4 + ((len + 3) & ~3)
  }
  return { name, tsPerSec }
}

function openPcapng(bytes: Uint8Array, v: DataView): CaptureFile {
  if (bytes.length < 28) throw truncated('file header bytes', 28, bytes.length)
  const bom = v.getUint32(8, true)
  let le: boolean
  if (bom === PCAPNG_BOM) le = true
  else if (v.getUint32(8, false) === PCAPNG_BOM) le = false
  else throw new PcapFormatError('unknown file format')
  const shbLen = v.getUint32(4, le)
  if (shbLen < 28) throw new PcapFormatError(`block in pcapng dump file has a length of ${shbLen} < 28`)
  if (v.getUint16(12, le) !== 1)
    throw new PcapFormatError(`unsupported pcapng savefile version ${v.getUint16(12, le)}`)
  if (shbLen > bytes.length) throw truncated('file header bytes', shbLen, bytes.length)
  const interfaces: CaptureInterface[] = []
  let at = shbLen
  const file: CaptureFile = {
    format: 'pcapng',
    interfaces,
    nanos: true,
    next: () => {
      for (;;) {
        if (at === bytes.length) return null
        const left = bytes.length - at
        if (left < 12) {
          at = bytes.length
          throw new PcapFormatError(`truncated pcapng dump file; tried to read 12 bytes, only got ${left}`)
        }
        const type = v.getUint32(at, le)
        const total = v.getUint32(at + 4, le)
        if (total < 12) throw new PcapFormatError(`block in pcapng dump file has a length of ${total} < 12`)
        if (total > MAX_BLOCKSIZE)
          throw new PcapFormatError(`pcapng block size ${total} > maximum ${MAX_BLOCKSIZE}`)
        if (total % 4 !== 0)
          throw new PcapFormatError(
            `block in pcapng dump file has a length of ${total} that is not a multiple of 4`,
          )
        if (total > left) {
          at = bytes.length
          throw new PcapFormatError(
            `truncated pcapng dump file; tried to read ${total} bytes, only got ${left}`,
          )
        }
        if (v.getUint32(at + total - 4, le) !== total)
          throw new PcapFormatError("block total length in header and trailer don't match")
        const body = at + 8
        const end = at + total - 4
        at += total
        if (type === PcapngBlock.IDB) {
          if (end - body < 8) throw new PcapFormatError('block in pcapng dump file is too short for an IDB')
          const o = idbOptions(bytes, v, body + 8, end, le)
          interfaces.push({ linktype: v.getUint16(body, le), snaplen: v.getUint32(body + 4, le), ...o })
          continue
        }
        if (type === PcapngBlock.SHB)
          throw new PcapFormatError('a second section in one pcapng file is not supported')
        if (type === PcapngBlock.EPB || type === PcapngBlock.SPB) {
          if (interfaces.length === 0)
            throw new PcapFormatError('the capture file has no Interface Description Blocks')
          const epb = type === PcapngBlock.EPB
          if (end - body < (epb ? 20 : 4))
            throw new PcapFormatError('block in pcapng dump file is too short for a packet')
          const ifIndex = epb ? v.getUint32(body, le) : 0
          const ifc = interfaces[ifIndex]
          if (ifc === undefined)
            throw new PcapFormatError(
              `a packet arrived on interface ${ifIndex}, but there's no Interface Description Block for that interface`,
            )
          const wirelen = v.getUint32(body + (epb ? 16 : 0), le)
          const caplen = epb
            ? v.getUint32(body + 12, le)
            : Math.min(wirelen, end - body - 4, ifc.snaplen || wirelen)
          const dataAt = body + (epb ? 20 : 4)
          if (caplen > end - dataAt)
            throw new PcapFormatError(
              `truncated pcapng dump file; tried to read ${caplen} captured bytes, only got ${end - dataAt}`,
            )
          let sec = 0
          let nsec = 0
          let out: boolean | undefined
          if (epb) {
            const t = v.getUint32(body + 4, le) * 2 ** 32 + v.getUint32(body + 8, le)
            const r = ifc.tsPerSec
            sec = Math.floor(t / r)
            nsec = Math.round(((t - sec * r) * 1e9) / r)
            // epb_flags: the direction in bits 0-1.
            let o = dataAt + ((caplen + 3) & ~3)
            while (o + 4 <= end) {
              const code = v.getUint16(o, le)
              const len = v.getUint16(o + 2, le)
              if (code === 0 || o + 4 + len > end) break
              if (code === 2 && len === 4) {
                const d = v.getUint32(o + 4, le) & 3
                if (d !== 0) out = d === 2
              }
              o += 4 + ((len + 3) & ~3)
            }
          }
          const p: CapturedPacket = {
            ifIndex,
            sec,
            nsec,
            caplen,
            wirelen,
            data: bytes.subarray(dataAt, dataAt + caplen),
          }
          if (out !== undefined) p.out = out
          return p
        }
        // Name resolution, statistics and unknown blocks: skipped, as libpcap does.
      }
    },
  }
  return file
}

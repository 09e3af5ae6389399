/**
 * Berkeley Packet Filter capture points (FreeBSD's net/bpf.c): every interface, ipfw0 and any
 * netgraph hook a tool taps has one BpfIf (bpf_if); a capture tool opens a BpfD (bpf_d, one per
 * open /dev/bpf) with a filter, a snapshot length and two bounded buffers (store and hold).
 * Packets are tapped where FreeBSD's BPF_MTAP sits: a frame arriving from the link before any
 * bridge or ng_ether hook sees it, a frame as it goes onto the link, and lo0's packets once.
 *
 * With no listener a tap costs one branch (`bif.n !== 0`). A packet the filter rejects costs no
 * allocation; an accepted one is copied into the store buffer, and when both buffers are full it is
 * dropped and counted (what tcpdump reports as "dropped by kernel"). Nothing here keeps an mbuf, and
 * nothing here throws on the data path.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import type { Clock } from '../../../util/clock.js'
import { WaitQueue } from '../../../util/wait_queue.js'
import { checksum } from '../../../wire/checksum.js'
import { ipv4PseudoHeaderSum } from '../../../wire/inet/ipv4.js'
import { LinkType } from '../../../wire/pcap/pcap.js'

/** Link types (pcap's LINKTYPE_ numbers, which are DLT_ numbers for these two). */
export const DLT = LinkType

/** The name tcpdump prints for a link type ("link-type EN10MB (Ethernet)"). */
export function dltName(dlt: number): string {
  return dlt === DLT.NULL ? 'NULL (BSD loopback)' : dlt === DLT.EN10MB ? 'EN10MB (Ethernet)' : `${dlt}`
}

/**
 * A compiled capture filter: whether to accept the frame buf[off, off+len) whose link layer is the
 * BpfIf's link type. It must not allocate or keep buf.
 */
export type BpfFilter = (buf: Uint8Array, off: number, len: number) => boolean

/** net.bpf.maxbufsize and the size libpcap asks for when none is given (DEFAULT_BUFSIZE). */
export const BPF_MAXBUFSIZE = 524288
/** The snapshot length tcpdump uses by default (MAXIMUM_SNAPLEN). */
export const MAXIMUM_SNAPLEN = 262144

/** Bytes before each record in a buffer: stamp (float64 ns), caplen, wirelen, flags (u32 each). */
const REC_HDR = 20
/** Record flag: the packet was outbound. */
export const BPF_REC_OUT = 1

/** BIOCSDIRECTION. */
export const BpfDirection = { INOUT: 0, IN: 1, OUT: 2 } as const

/** One record as a reader sees it (reused between records: copy what you keep). */
export interface BpfRecord {
  buf: Uint8Array
  off: number
  caplen: number
  wirelen: number
  stamp: number
  out: boolean
}

/** One capture point (bpf_if): a name, a link type and the descriptors listening to it. */
export class BpfIf {
  /** Whose name this point carries (an interface, renamed or not), or null for a fixed name. */
  private readonly owner: { readonly name: string } | null
  private readonly fixedName: string
  readonly dlt: number
  /** Listeners attached: the one branch every tap takes. */
  n = 0
  private ds: BpfD[] = []
  /** Header + packet made contiguous for mtap2 (ipfw0's fake header, lo0's address family). */
  private scratch: Uint8Array | null = null

  constructor(name: string | { readonly name: string }, dlt: number) {
    this.owner = typeof name === 'string' ? null : name
    this.fixedName = typeof name === 'string' ? name : ''
    this.dlt = dlt
  }

  /** The name tcpdump -i takes (an interface's current name). */
  get name(): string {
    return this.owner !== null ? this.owner.name : this.fixedName
  }

  attach(d: BpfD): void {
    if (this.ds.includes(d)) return
    this.ds = [...this.ds, d]
    this.n = this.ds.length
    d.bif = this
  }

  detach(d: BpfD): void {
    this.ds = this.ds.filter((x) => x !== d)
    this.n = this.ds.length
    if (d.bif === this) d.bif = null
  }

  /** Every descriptor lets go (the interface is destroyed or leaves the vnet): readers see EOF/ENXIO. */
  detachAll(): void {
    for (const d of this.ds) {
      d.bif = null
      d.wake()
    }
    this.ds = []
    this.n = 0
  }

  /** BPF_MTAP: the frame m (starting at its link header) passes every listener. */
  mtap(m: Mbuf, out: boolean): void {
    this.tap(m.data, m.off, m.len, out, m.csumL4)
  }

  /** bpf_mtap2: a link header hdr in front of m (which starts after it). */
  mtap2(hdr: Uint8Array, m: Mbuf, out: boolean): void {
    const need = hdr.length + m.len
    let s = this.scratch
    if (s === null || s.length < need) {
      s = new Uint8Array(Math.max(need, 2048))
      this.scratch = s
    }
    s.set(hdr, 0)
    s.set(m.data.subarray(m.off, m.off + m.len), hdr.length)
    this.tap(s, 0, need, out, m.csumL4)
  }

  /** bpf_tap over plain bytes (netgraph hooks, tests). */
  tap(buf: Uint8Array, off: number, len: number, out: boolean, csumL4 = false): void {
    const ds = this.ds
    if (ds.length === 0) return
    for (let i = 0; i < ds.length; i++) ds[i]!.catch(buf, off, len, out, csumL4, this.dlt)
  }
}

/** One open capture (bpf_d): filter, snaplen, store and hold buffers, counters. */
export class BpfD {
  bif: BpfIf | null = null
  filter: BpfFilter | null = null
  snaplen = MAXIMUM_SNAPLEN
  direction: number = BpfDirection.INOUT
  readonly bufsize: number
  /** Packets that reached this descriptor (bd_rcount: "received by filter"). */
  rcount = 0
  /** Packets accepted by the filter (bd_fcount). */
  fcount = 0
  /** Accepted packets lost because both buffers were full (bd_dcount: "dropped by kernel"). */
  dcount = 0
  private readonly clock: Clock
  /** Readers blocked in wait(). */
  private readonly readers: WaitQueue
  private store: Uint8Array
  private storeView: DataView
  private storeLen = 0
  private hold: Uint8Array
  private holdView: DataView
  private holdLen = 0
  private readonly rec: BpfRecord

  constructor(clock: Clock, bufsize = BPF_MAXBUFSIZE) {
    this.bufsize = bufsize
    this.clock = clock
    this.readers = new WaitQueue(clock)
    this.store = new Uint8Array(bufsize)
    this.storeView = new DataView(this.store.buffer)
    this.hold = new Uint8Array(bufsize)
    this.holdView = new DataView(this.hold.buffer)
    this.rec = { buf: this.hold, off: 0, caplen: 0, wirelen: 0, stamp: 0, out: false }
  }

  /** catchpacket: filter, then copy at most snaplen bytes into the store buffer. */
  catch(buf: Uint8Array, off: number, len: number, out: boolean, csumL4: boolean, dlt: number): void {
    if (this.direction === BpfDirection.IN ? out : this.direction === BpfDirection.OUT ? !out : false) return
    this.rcount++
    const f = this.filter
    if (f !== null && !f(buf, off, len)) return
    this.fcount++
    let caplen = len < this.snaplen ? len : this.snaplen
    // A record never exceeds a buffer (bpf truncates to the buffer size too).
    if (caplen > this.bufsize - REC_HDR) caplen = this.bufsize - REC_HDR
    const need = (REC_HDR + caplen + 3) & ~3
    if (this.storeLen + need > this.bufsize) {
      // ROTATE_BUFFERS: only when the reader has emptied the hold buffer.
      if (this.holdLen !== 0) {
        this.dcount++
        this.wake()
        return
      }
      this.rotate()
    }
    const at = this.storeLen
    const v = this.storeView
    // Stamped only once accepted, as bpf_mtap takes the time lazily: a rejected packet costs no clock read.
    v.setFloat64(at, this.clock.now(), true)
    v.setUint32(at + 8, caplen, true)
    v.setUint32(at + 12, len, true)
    v.setUint32(at + 16, out ? BPF_REC_OUT : 0, true)
    this.store.set(buf.subarray(off, off + caplen), at + REC_HDR)
    if (csumL4 && caplen === len) finishTcpCsum(this.store, at + REC_HDR, caplen, dlt)
    this.storeLen = at + need
    this.wake()
  }

  private rotate(): void {
    const b = this.hold
    const bv = this.holdView
    this.hold = this.store
    this.holdView = this.storeView
    this.holdLen = this.storeLen
    this.store = b
    this.storeView = bv
    this.storeLen = 0
  }

  /** Whether a read would return something (immediate mode: the store buffer counts). */
  get readable(): boolean {
    return this.holdLen !== 0 || this.storeLen !== 0
  }

  /**
   * read(2) in immediate mode: visit every record of the hold buffer (rotating the store buffer in
   * first when the hold one is empty), then empty it. Returns the number of records visited.
   */
  read(visit: (r: BpfRecord) => void): number {
    if (this.holdLen === 0) {
      if (this.storeLen === 0) return 0
      this.rotate()
    }
    const b = this.hold
    const v = this.holdView
    const end = this.holdLen
    const r = this.rec
    r.buf = b
    let n = 0
    for (let at = 0; at < end; ) {
      const caplen = v.getUint32(at + 8, true)
      r.stamp = v.getFloat64(at, true)
      r.caplen = caplen
      r.wirelen = v.getUint32(at + 12, true)
      r.out = (v.getUint32(at + 16, true) & BPF_REC_OUT) !== 0
      r.off = at + REC_HDR
      n++
      visit(r)
      at += (REC_HDR + caplen + 3) & ~3
    }
    this.holdLen = 0
    return n
  }

  /** Wake every blocked reader (data arrived, the point went away, the descriptor closed). */
  wake(): void {
    this.readers.wake()
  }

  /** Block until data may be there, up to timeoutNs (Infinity: no limit); false on timeout or `until`. */
  wait(timeoutNs: number, until?: Promise<unknown>): Promise<boolean> {
    return this.readers.wait(timeoutNs, until)
  }

  /** close(2): detach from the capture point. */
  close(): void {
    this.bif?.detach(this)
    this.wake()
  }
}

/**
 * A TCP segment whose checksum the sender left to an in-process peer (csumL4) gets it computed in the
 * captured copy: checksums are finished where a packet leaves the process, and a capture file does.
 */
function finishTcpCsum(b: Uint8Array, off: number, len: number, dlt: number): void {
  let ip = off
  if (dlt === DLT.EN10MB) {
    if (len < 14 || b[off + 12] !== 0x08 || b[off + 13] !== 0x00) return
    ip = off + 14
  } else if (dlt === DLT.NULL) ip = off + 4
  else return
  const end = off + len
  if (ip + 20 > end || b[ip]! >>> 4 !== 4 || b[ip + 9] !== 6) return
  // Not a fragment: a delayed checksum covers the whole segment.
  if (((b[ip + 6]! & 0x3f) | b[ip + 7]!) !== 0) return
  const hl = (b[ip]! & 15) * 4
  const total = (b[ip + 2]! << 8) | b[ip + 3]!
  if (hl < 20 || ip + total > end || total < hl + 20) return
  const th = ip + hl
  const tl = total - hl
  const src = ((b[ip + 12]! << 24) | (b[ip + 13]! << 16) | (b[ip + 14]! << 8) | b[ip + 15]!) >>> 0
  const dst = ((b[ip + 16]! << 24) | (b[ip + 17]! << 16) | (b[ip + 18]! << 8) | b[ip + 19]!) >>> 0
  b[th + 16] = 0
  b[th + 17] = 0
  const c = checksum(b, th, tl, ipv4PseudoHeaderSum(src, dst, 6, tl))
  b[th + 16] = c >>> 8
  b[th + 17] = c & 0xff
}

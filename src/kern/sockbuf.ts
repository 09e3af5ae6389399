/**
 * A byte-stream send buffer (FreeBSD's struct sockbuf with sbappendstream / sbdrop / m_copydata,
 * uipc_sockbuf.c): a ring of bytes bounded by `hiwat`, keeping what is queued and not yet
 * acknowledged (the protocol copies any range of it for (re)transmission, then drops the
 * acknowledged front). The receive side keeps the received mbufs instead (sockbuf_mbuf.ts).
 *
 * Never throws and never grows past its limit: `append` stores what fits and says how much. The ring
 * is allocated on first use and grows by doubling, so an idle socket holds no buffer at all.
 */

const EMPTY = new Uint8Array(0)
/**
 * The smallest ring allocated. 64 bytes is the most V8 keeps on its own heap for a typed array; a
 * larger one is an external buffer, zeroed and finalised, which costs a short connection more than
 * the whole exchange. Bulk transfers double past it within a few writes.
 */
const MIN_RING = 64

export class StreamBuf {
  /** sb_hiwat: the most bytes the buffer may hold. */
  hiwat: number
  /** sb_ccc: bytes held. */
  cc = 0
  private ring: Uint8Array = EMPTY
  private head = 0

  constructor(hiwat: number) {
    this.hiwat = hiwat
  }

  /** sbspace: room left (0 when over the limit after it shrank). */
  get space(): number {
    return this.hiwat > this.cc ? this.hiwat - this.cc : 0
  }

  /**
   * Append up to len bytes of src[off..]; returns how many were stored (at most `space`, or `len`
   * when `force`: a protocol that already accepted the bytes into its window may overfill by what the
   * window promised).
   */
  append(src: Uint8Array, off: number, len: number, force = false): number {
    const n = force ? len : Math.min(len, this.space)
    if (n <= 0) return 0
    this.reserve(this.cc + n)
    const cap = this.ring.length
    const tail = (this.head + this.cc) & (cap - 1)
    const first = Math.min(n, cap - tail)
    copyBytes(src, off, this.ring, tail, first)
    if (first < n) copyBytes(src, off + first, this.ring, 0, n - first)
    this.cc += n
    return n
  }

  /** m_copydata: copy len bytes starting `from` bytes into the buffer to dst[dstOff..]; len <= cc - from. */
  copyOut(from: number, dst: Uint8Array, dstOff: number, len: number): void {
    if (len <= 0) return
    const cap = this.ring.length
    const start = (this.head + from) & (cap - 1)
    const first = Math.min(len, cap - start)
    copyBytes(this.ring, start, dst, dstOff, first)
    if (first < len) copyBytes(this.ring, 0, dst, dstOff + first, len - first)
  }

  /** sbdrop: forget the first n bytes (acknowledged, or read). */
  drop(n: number): void {
    if (n >= this.cc) {
      this.cc = 0
      this.head = 0
      return
    }
    if (n <= 0) return
    this.head = (this.head + n) & (this.ring.length - 1)
    this.cc -= n
  }

  /** A copy of the first min(max, cc) bytes, dropping them unless `peek`. */
  take(max: number, peek: boolean): Uint8Array {
    const n = Math.min(max, this.cc)
    const out = new Uint8Array(n)
    this.copyOut(0, out, 0, n)
    if (!peek) this.drop(n)
    return out
  }

  /** Drop everything and give the ring back. */
  flush(): void {
    this.cc = 0
    this.head = 0
    this.ring = EMPTY
  }

  private reserve(need: number): void {
    const cap = this.ring.length
    if (need <= cap) return
    let size = cap === 0 ? MIN_RING : cap * 2
    while (size < need) size *= 2
    const next = new Uint8Array(size)
    this.copyOut(0, next, 0, this.cc)
    this.ring = next
    this.head = 0
  }
}

/** Below this many bytes a loop beats set(subarray()), which allocates a view per call. */
const COPY_LOOP_MAX = 64

/**
 * Copy n bytes. Short copies go byte by byte: a subarray of a ring small enough to live on V8's heap
 * would also force the ring out to an external buffer (a view needs an ArrayBuffer).
 */
function copyBytes(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  if (n <= COPY_LOOP_MAX) {
    for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i]!
    return
  }
  dst.set(src.subarray(srcOff, srcOff + n), dstOff)
}

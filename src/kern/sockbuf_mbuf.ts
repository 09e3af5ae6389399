/**
 * A stream socket's receive buffer as FreeBSD keeps it (struct sockbuf's sb_mb chain with
 * sbappendstream / sbcompress / sbdrop / m_copydata, uipc_sockbuf.c): the received mbufs
 * themselves, each trimmed to its payload, chained in order. In-order data goes in without a copy;
 * the reader's copy out of the chain is the only one, and each mbuf goes back to its pool once read.
 *
 * Bounded as FreeBSD bounds it: by bytes held (`hiwat`) and by buffer memory held (`mbmax`, the
 * waste factor times hiwat), so a stream of tiny segments cannot pin a cluster each without limit:
 * `space`, which the protocol offers as its window, is the smaller of the two. A small payload is
 * copied into the last mbuf's room instead of being chained (sbcompress), so tiny segments do not
 * use up that memory bound either. Never throws.
 */

import type { Mbuf, MbufPool } from '../buf/mbuf.js'

/** kern.ipc.sockbuf_waste_factor: sb_mbmax = hiwat times this. */
const SB_EFFICIENCY = 8
/** sbcompress copies a payload into the previous mbuf's room only up to MCLBYTES / 4. */
const COMPRESS_MAX = 512
/** Below this many bytes a loop beats set(subarray()), which allocates a view per call. */
const COPY_LOOP_MAX = 64

export class MbufSockBuf {
  /** sb_hiwat: the most bytes the buffer may hold. */
  hiwat: number
  /** sb_ccc: bytes held. */
  cc = 0
  /** sb_mbcnt: bytes of buffer memory the chain holds (whole mbufs, headroom and all). */
  mbcnt = 0
  /** sb_mb / sb_mbtail: the chain, linked through Mbuf.next; each mbuf's window is its data. */
  private head: Mbuf | null = null
  private tail: Mbuf | null = null
  private readonly pool: MbufPool

  constructor(hiwat: number, pool: MbufPool) {
    this.hiwat = hiwat
    this.pool = pool
  }

  /** sbspace: room left by bytes and by memory (0 when over either limit). */
  get space(): number {
    const bytes = this.hiwat - this.cc
    const mem = this.hiwat * SB_EFFICIENCY - this.mbcnt
    const n = bytes < mem ? bytes : mem
    return n > 0 ? n : 0
  }

  /**
   * sbappendstream: take ownership of m, whose payload is m.data[off, off + len). The protocol has
   * already checked its window, so it is never refused. A small payload that fits the last mbuf's
   * room is copied there and m goes back to the pool at once.
   */
  appendMbuf(m: Mbuf, off: number, len: number): void {
    if (len <= 0) {
      this.pool.put(m)
      return
    }
    const t = this.tail
    if (t !== null && len <= COMPRESS_MAX && t.data.length - t.off - t.len >= len) {
      copyBytes(m.data, off, t.data, t.off + t.len, len)
      t.len += len
      this.cc += len
      this.pool.put(m)
      return
    }
    m.off = off
    m.len = len
    // The interface it came in on is nothing to the socket, and may be gone before the data is read.
    m.rcvif = null
    this.link(m)
  }

  /**
   * Append a copy of src[off, off + len) (data from the reassembly queue or a SYN): into the last
   * mbuf's room first, then into fresh pooled mbufs. Never refused, as appendMbuf.
   */
  append(src: Uint8Array, off: number, len: number): void {
    const t = this.tail
    if (t !== null && len > 0) {
      const room = t.data.length - t.off - t.len
      const n = room < len ? room : len
      if (n > 0) {
        copyBytes(src, off, t.data, t.off + t.len, n)
        t.len += n
        this.cc += n
        off += n
        len -= n
      }
    }
    while (len > 0) {
      const m = this.pool.get(len)
      m.off = 0
      const n = m.data.length < len ? m.data.length : len
      copyBytes(src, off, m.data, 0, n)
      m.len = n
      this.link(m)
      off += n
      len -= n
    }
  }

  /** m_copydata: copy len bytes starting `from` bytes into the buffer to dst[dstOff..]; len <= cc - from. */
  copyOut(from: number, dst: Uint8Array, dstOff: number, len: number): void {
    let m = this.head
    while (m !== null && from >= m.len) {
      from -= m.len
      m = m.next
    }
    while (m !== null && len > 0) {
      const avail = m.len - from
      const n = avail < len ? avail : len
      copyBytes(m.data, m.off + from, dst, dstOff, n)
      dstOff += n
      len -= n
      from = 0
      m = m.next
    }
  }

  /** sbdrop: forget the first n bytes (read), giving each emptied mbuf back to the pool. */
  drop(n: number): void {
    if (n <= 0) return
    if (n >= this.cc) {
      this.flush()
      return
    }
    this.cc -= n
    let m = this.head
    while (m !== null && n >= m.len) {
      n -= m.len
      m = this.unlinkHead(m)
    }
    if (m !== null && n > 0) {
      m.off += n
      m.len -= n
    }
  }

  /**
   * soreceive's copy: up to len bytes into dst[dstOff..], dropping them unless `peek`; returns how
   * many. Reading and freeing go in one pass over the chain.
   */
  readInto(dst: Uint8Array, dstOff: number, len: number, peek: boolean): number {
    const want = len < this.cc ? len : this.cc
    if (want <= 0) return 0
    if (peek) {
      this.copyOut(0, dst, dstOff, want)
      return want
    }
    let left = want
    let m = this.head
    while (m !== null && left > 0) {
      if (m.len <= left) {
        copyBytes(m.data, m.off, dst, dstOff, m.len)
        dstOff += m.len
        left -= m.len
        m = this.unlinkHead(m)
      } else {
        copyBytes(m.data, m.off, dst, dstOff, left)
        m.off += left
        m.len -= left
        left = 0
      }
    }
    this.cc -= want
    return want
  }

  /** A copy of the first min(max, cc) bytes, dropping them unless `peek`. */
  take(max: number, peek: boolean): Uint8Array {
    const out = new Uint8Array(max < this.cc ? max : this.cc)
    this.readInto(out, 0, out.length, peek)
    return out
  }

  /** sbflush: drop everything, every mbuf back to its pool. */
  flush(): void {
    let m = this.head
    while (m !== null) m = this.unlinkHead(m)
    this.cc = 0
    this.mbcnt = 0
  }

  private link(m: Mbuf): void {
    m.next = null
    if (this.tail === null) this.head = m
    else this.tail.next = m
    this.tail = m
    this.cc += m.len
    this.mbcnt += m.data.length
  }

  /** Free the head mbuf m; returns the next one. */
  private unlinkHead(m: Mbuf): Mbuf | null {
    const next = m.next
    this.head = next
    if (next === null) this.tail = null
    this.mbcnt -= m.data.length
    m.next = null
    this.pool.put(m)
    return next
  }
}

/**
 * Copy n bytes. Short copies go byte by byte: set(subarray()) allocates a view per call, which
 * costs more than the copy itself below a few dozen bytes.
 */
function copyBytes(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  if (n <= COPY_LOOP_MAX) {
    for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i]!
    return
  }
  dst.set(src.subarray(srcOff, srcOff + n), dstOff)
}

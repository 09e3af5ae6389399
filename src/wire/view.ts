/**
 * What every header view shares: a window [off, off+len) over a byte array, re-pointed per packet
 * instead of allocated. A view accepts a window only if it lies inside the array and holds the
 * header's fixed part; after that one check no accessor of the view can read out of bounds.
 */

export abstract class WireView {
  buf: Uint8Array = new Uint8Array(0)
  off = 0
  len = 0
  /** Bytes the header's fixed part needs. */
  protected abstract readonly minLen: number

  /** Point the view at buf[off, off+len); false when that window is not in buf or too short. */
  point(buf: Uint8Array, off: number, len: number): boolean {
    this.buf = buf
    this.off = off
    this.len = len
    return off >= 0 && len >= this.minLen && off + len <= buf.length
  }
}

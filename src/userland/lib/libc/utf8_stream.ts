/**
 * Incremental UTF-8 decoding for programs that copy a byte stream to text output (fetch, iperf3's
 * peers): each chunk is decoded up to its last complete character, and the bytes of a character
 * cut in two wait for the next chunk, so splitting never produces U+FFFD by itself.
 */

import { utf8Decode } from '../../../util/utf8.js'

export class Utf8Stream {
  private pending = new Uint8Array(0)

  /** The text of `b` (after what was held back), holding back an incomplete last character. */
  push(b: Uint8Array): string {
    let data = b
    if (this.pending.length > 0) {
      data = new Uint8Array(this.pending.length + b.length)
      data.set(this.pending)
      data.set(b, this.pending.length)
    }
    const cut = completeLength(data)
    this.pending = data.slice(cut)
    return utf8Decode(data.subarray(0, cut))
  }

  /** Whatever is still held back (an incomplete character decodes to U+FFFD). */
  end(): string {
    const s = this.pending.length > 0 ? utf8Decode(this.pending) : ''
    this.pending = new Uint8Array(0)
    return s
  }
}

/** Length of the prefix of `b` that ends on a character boundary. */
function completeLength(b: Uint8Array): number {
  const n = b.length
  for (let back = 1; back <= Math.min(3, n); back++) {
    const c = b[n - back]!
    if ((c & 0xc0) === 0x80) continue // a continuation byte: look further back
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1
    return need > back ? n - back : n
  }
  return n
}

/**
 * UTF-8 between strings and bytes, for programs whose standard streams are text but whose sockets
 * carry bytes. The core may not use TextEncoder (it is not part of the language); this is the
 * runtime-neutral equivalent. Invalid input decodes to U+FFFD, as TextDecoder does; never throws.
 */

export function utf8Encode(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 3)
  let n = 0
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        i++
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd
    if (c < 0x80) out[n++] = c
    else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6)
      out[n++] = 0x80 | (c & 0x3f)
    } else if (c < 0x10000) {
      out[n++] = 0xe0 | (c >> 12)
      out[n++] = 0x80 | ((c >> 6) & 0x3f)
      out[n++] = 0x80 | (c & 0x3f)
    } else {
      out[n++] = 0xf0 | (c >> 18)
      out[n++] = 0x80 | ((c >> 12) & 0x3f)
      out[n++] = 0x80 | ((c >> 6) & 0x3f)
      out[n++] = 0x80 | (c & 0x3f)
    }
  }
  return out.slice(0, n)
}

/** The WHATWG Encoding Standard's UTF-8 decoder: each maximal invalid subpart becomes one U+FFFD. */
export function utf8Decode(b: Uint8Array): string {
  let s = ''
  let cp = 0
  let need = 0
  let lower = 0x80
  let upper = 0xbf
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!
    if (need === 0) {
      if (c < 0x80) s += String.fromCharCode(c)
      else if (c >= 0xc2 && c <= 0xdf) {
        need = 1
        cp = c & 0x1f
      } else if (c >= 0xe0 && c <= 0xef) {
        if (c === 0xe0) lower = 0xa0
        if (c === 0xed) upper = 0x9f
        need = 2
        cp = c & 0xf
      } else if (c >= 0xf0 && c <= 0xf4) {
        if (c === 0xf0) lower = 0x90
        if (c === 0xf4) upper = 0x8f
        need = 3
        cp = c & 0x7
      } else s += '\ufffd'
      continue
    }
    if (c < lower || c > upper) {
      // The byte that broke the sequence starts over.
      cp = 0
      need = 0
      lower = 0x80
      upper = 0xbf
      s += '\ufffd'
      i--
      continue
    }
    lower = 0x80
    upper = 0xbf
    cp = (cp << 6) | (c & 0x3f)
    if (--need === 0) s += String.fromCodePoint(cp)
  }
  if (need !== 0) s += '\ufffd'
  return s
}

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { tcpSignature, tcpSignatureOk } from './tcp_md5.js'

test('the TCP-MD5 digest covers the pseudo-header, the header without options, the data and the key', () => {
  // A 32-byte header (12 bytes of options: nop,nop, then room for a digest we do not place here),
  // 5 bytes of data, from 192.0.2.1 to 192.168.0.1.
  const seg = Uint8Array.from([
    0x1f, 0x90, 0x04, 0xd2, 0, 0, 0, 1, 0, 0, 0, 2, 0x80, 0x18, 0xff, 0xff, 0xab, 0xcd, 0, 0, 1, 1, 8, 10, 1,
    2, 3, 4, 5, 6, 7, 8, 104, 101, 108, 108, 111,
  ])
  const key = new TextEncoder().encode('secret')
  const out = new Uint8Array(16)
  tcpSignature(key, 0xc0000201, 0xc0a80001, seg, 0, seg.length, out, 0)
  // The same bytes assembled by hand for an independent MD5.
  const pseudo = [192, 0, 2, 1, 192, 168, 0, 1, 0, 6, 0, seg.length]
  const hdr = [...seg.subarray(0, 20)]
  hdr[16] = 0
  hdr[17] = 0
  const want = createHash('md5')
    .update(Uint8Array.from([...pseudo, ...hdr]))
    .update(seg.subarray(32))
    .update(key)
    .digest()
  assert.deepEqual(Buffer.from(out), want)
  // The options (and the checksum) are outside it; the data and the key are in.
  const other = Uint8Array.from(seg)
  other[24] ^= 0xff
  other[16] ^= 0xff
  const out2 = new Uint8Array(16)
  tcpSignature(key, 0xc0000201, 0xc0a80001, other, 0, other.length, out2, 0)
  assert.deepEqual(out2, out)
  other[36] ^= 1
  tcpSignature(key, 0xc0000201, 0xc0a80001, other, 0, other.length, out2, 0)
  assert.notDeepEqual(out2, out)
  // Verification reads the digest where the segment carries it.
  const signed = new Uint8Array(seg.length + 16)
  signed.set(seg)
  signed.set(out, seg.length)
  assert.equal(tcpSignatureOk(key, 0xc0000201, 0xc0a80001, signed, 0, seg.length, seg.length), true)
  assert.equal(tcpSignatureOk(key, 0xc0000201, 0xc0a80002, signed, 0, seg.length, seg.length), false)
})

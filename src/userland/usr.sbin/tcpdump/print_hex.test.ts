/**
 * tcpdump's -x/-xx/-X/-XX/-A/-AA dumps of one 802.1Q-tagged UDP frame with an odd length, a tab,
 * line feeds and carriage returns in it; the expected text is what tcpdump 4.99.3 (libpcap 1.10.3)
 * printed for the same frame read from a pcap file.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LinkType } from '../../../wire/pcap/pcap.js'
import { Printer } from './print.js'
import { rawDump } from './print_hex.js'

/** rawDump after the packet's line, with the header length the link printer reports. */
function dumpOf(x: number, X: number, A: number, linktype: number, b: Uint8Array, caplen: number): string {
  const p = new Printer({ n: 2, e: false, v: 0, q: false, S: false })
  p.line(linktype, b, caplen, caplen)
  return rawDump({ x, X, A }, p.hdrlen, b, caplen)
}

const FRAME = Uint8Array.from(
  Buffer.from(
    'ffffffffffff02000000000181000005080045000029123400004011548e0a0000010a00000214e900090015000068692074686572650d0a6f6b0d',
    'hex',
  ),
)

const dump = (x: number, X: number, A: number): string =>
  dumpOf(x, X, A, LinkType.EN10MB, FRAME, FRAME.length)

test('-x and -xx: 16-bit groups, sixteen bytes a line, an odd last byte alone', () => {
  assert.equal(
    dump(1, 0, 0),
    '\n\t0x0000:  4500 0029 1234 0000 4011 548e 0a00 0001' +
      '\n\t0x0010:  0a00 0002 14e9 0009 0015 0000 6869 2074' +
      '\n\t0x0020:  6865 7265 0d0a 6f6b 0d',
  )
  assert.equal(
    dump(2, 0, 0),
    '\n\t0x0000:  ffff ffff ffff 0200 0000 0001 8100 0005' +
      '\n\t0x0010:  0800 4500 0029 1234 0000 4011 548e 0a00' +
      '\n\t0x0020:  0001 0a00 0002 14e9 0009 0015 0000 6869' +
      '\n\t0x0030:  2074 6865 7265 0d0a 6f6b 0d',
  )
})

test('-X and -XX: the hex padded to 40 columns, then the graphic characters', () => {
  assert.equal(
    dump(0, 1, 0),
    '\n\t0x0000:  4500 0029 1234 0000 4011 548e 0a00 0001  E..).4..@.T.....' +
      '\n\t0x0010:  0a00 0002 14e9 0009 0015 0000 6869 2074  ............hi.t' +
      '\n\t0x0020:  6865 7265 0d0a 6f6b 0d                   here..ok.',
  )
  assert.equal(
    dump(1, 2, 0).split('\n')[4],
    '\t0x0030:  2074 6865 7265 0d0a 6f6b 0d              .there..ok.',
  )
})

test('-A and -AA: tabs, spaces and line feeds as they are, a CR before LF or at the end left out', () => {
  assert.equal(dump(0, 0, 1), '\nE..).4..@.T.\n...\n......\t....hi there\nok')
  assert.equal(dump(0, 0, 2), '\n..................E..).4..@.T.\n...\n......\t....hi there\nok')
})

test('nothing past the link header prints nothing; no flag prints nothing', () => {
  assert.equal(dumpOf(1, 0, 0, LinkType.EN10MB, FRAME, 18), '')
  assert.equal(dump(0, 0, 0), '')
  assert.equal(dumpOf(1, 0, 0, LinkType.NULL, Uint8Array.of(2, 0, 0, 0, 0x45), 5), '\n\t0x0000:  45')
})

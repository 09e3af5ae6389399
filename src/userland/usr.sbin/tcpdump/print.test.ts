/** The printers never throw on packet bytes: random, truncated and mutated IPv4 and IPv6 frames. */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { LinkType } from '../../../wire/pcap.js'
import { Printer } from './print.js'

const OPTS = [
  { n: 2, e: false, v: 0, q: false, S: false },
  { n: 1, e: true, v: 1, q: false, S: false },
  { n: 2, e: false, v: 2, q: true, S: true },
]

/** An Ethernet header of the given type, then an IP header whose protocol fields are steered toward the interesting cases. */
const frame = fc
  .tuple(
    fc.constantFrom(0x0800, 0x86dd),
    fc.constantFrom(0, 1, 6, 17, 43, 44, 58, 59, 60, 255),
    fc.constantFrom(1, 2, 3, 4, 128, 129, 130, 131, 133, 134, 135, 136, 137, 143, 200),
    fc.uint8Array({ minLength: 0, maxLength: 200 }),
  )
  .map(([type, proto, icmpType, rest]) => {
    const f = new Uint8Array(14 + rest.length)
    f.set(rest, 14)
    f[12] = type >> 8
    f[13] = type & 0xff
    if (type === 0x86dd && f.length > 20) {
      f[14] = 0x60 | (f[14]! & 0x0f)
      f[20] = proto
      if (f.length > 54) f[54] = icmpType
    } else if (type === 0x0800 && f.length > 23) {
      f[14] = 0x45
      f[23] = proto
    }
    return f
  })

test('random and truncated IPv4 and IPv6 frames print without throwing, at every verbosity', () => {
  fc.assert(
    fc.property(frame, fc.nat(), (f, cut) => {
      const caplen = f.length === 0 ? 0 : cut % (f.length + 1)
      for (const o of OPTS) {
        const line = new Printer(o).line(LinkType.EN10MB, f, caplen, f.length)
        assert.equal(typeof line, 'string')
      }
    }),
    { numRuns: 3000 },
  )
})

test('an IPv6 header cut short says so', () => {
  const f = new Uint8Array(14 + 30)
  f[12] = 0x86
  f[13] = 0xdd
  f[14] = 0x60
  assert.equal(new Printer(OPTS[0]!).line(LinkType.EN10MB, f, f.length, f.length), 'IP6 [|ip6]')
})

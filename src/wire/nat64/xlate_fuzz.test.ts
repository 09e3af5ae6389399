/**
 * The translator against mutated packets: seeds of every kind it handles (echo, UDP, TCP, ICMP
 * errors with inner packets, fragments, both directions) with random bytes flipped, lengths cut or
 * stretched. It must never throw, must count what it drops, and every packet it does emit must be
 * well formed (IPv4 header checksum and Total Length, IPv6 Payload Length).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checksum } from '../checksum.js'
import { data, harness, icmp4, icmp6, ip4, ip6, l4v4, l4v6, v4, v6 } from './xlate_testkit.js'

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

const H1 = v6('2001:db8:1c0:2:21::')
const H1_4 = v4('192.0.2.33')
const H4 = v4('198.51.100.2')
const H4_6 = v6('2001:db8:1c6:3364:2::')

function seeds(): Uint8Array[] {
  const in4 = ip4(H1_4, H4, 17, l4v4(H1_4, H4, 1, 2, data(40)))
  const in6 = ip6(H4_6, H1, 58, icmp6(H4_6, H1, 128, 0, 7, data(24)))
  const fh = new Uint8Array(8 + 32)
  fh[0] = 17
  fh[3] = 1
  return [
    ip4(H4, H1_4, 1, icmp4(8, 0, 1, data(56))),
    ip4(H4, H1_4, 17, l4v4(H4, H1_4, 53, 9, data(100))),
    ip4(H4, H1_4, 6, l4v4(H4, H1_4, 80, 9, data(100), true)),
    ip4(H4, H1_4, 1, icmp4(3, 3, 0, in4)),
    ip4(H4, H1_4, 1, icmp4(3, 4, 1400, in4)),
    ip4(H4, H1_4, 1, icmp4(12, 0, 9 << 24, in4)),
    ip4(H4, H1_4, 17, data(1500), { mf: true }),
    ip4(H4, H1_4, 17, l4v4(H4, H1_4, 53, 9, data(1400))),
    ip6(H1, H4_6, 58, icmp6(H1, H4_6, 128, 0, 1, data(56))),
    ip6(H1, H4_6, 17, l4v6(H1, H4_6, 1, 2, data(100))),
    ip6(H1, H4_6, 6, l4v6(H1, H4_6, 1, 2, data(100), true)),
    ip6(H1, H4_6, 58, icmp6(H1, H4_6, 1, 4, 0, in6)),
    ip6(H1, H4_6, 58, icmp6(H1, H4_6, 2, 0, 1300, in6)),
    ip6(H1, H4_6, 58, icmp6(H1, H4_6, 4, 0, 7, in6)),
    ip6(H1, H4_6, 44, fh),
    ip6(H1, H4_6, 0, new Uint8Array([17, 0, 1, 4, 0, 0, 0, 0, ...l4v6(H1, H4_6, 1, 2, data(8))])),
  ]
}

test('mutated packets: no throw, drops counted, every emitted packet well formed', () => {
  const rand = rng(0x6464)
  let emitted = 0
  const { nat } = harness({
    mtu6: 1280,
    emit: (b, off, len) => {
      emitted++
      const ver = b[off]! >>> 4
      if (ver === 4) {
        assert.equal(checksum(b, off, (b[off]! & 15) * 4), 0, 'IPv4 header checksum')
        assert.equal((b[off + 2]! << 8) | b[off + 3]!, len, 'Total Length')
      } else {
        assert.equal(ver, 6)
        assert.equal(((b[off + 4]! << 8) | b[off + 5]!) + 40, len, 'Payload Length')
        assert.ok(len <= 1280, 'never more than the IPv6 MTU')
      }
    },
  })
  const base = seeds()
  const buf = new Uint8Array(2048)
  const N = 20000
  for (let i = 0; i < N; i++) {
    const s = base[i % base.length]!
    buf.set(s)
    let len = s.length
    const flips = 1 + Math.floor(rand() * 4)
    for (let k = 0; k < flips; k++) buf[Math.floor(rand() * len)] = Math.floor(rand() * 256)
    const r = rand()
    if (r < 0.2) len = Math.floor(rand() * len)
    else if (r < 0.3) len = Math.min(buf.length, len + Math.floor(rand() * 64))
    nat.input(buf, 0, len)
  }
  const st = nat.stats
  assert.ok(st.malformed > N / 10, `malformed counted: ${st.malformed}`)
  assert.ok(st.out4 + st.out6 > N / 20, `some still translated: ${st.out4 + st.out6}`)
  assert.ok(emitted <= 2 * N, 'output bounded by input')
  const dropped = st.malformed + st.unmapped + st.icmpDropped + st.fragDropped + st.ttlExceeded + st.tooBig
  assert.ok(dropped > 0)
})

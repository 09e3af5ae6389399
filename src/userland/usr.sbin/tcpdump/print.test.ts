/** The printers never throw on packet bytes: random, truncated and mutated IPv4 and IPv6 frames. */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { BootOp, DhcpOpt, DhcpType, emitDhcp, newDhcp } from '../../../wire/app/dhcp.js'
import { LinkType } from '../../../wire/pcap/pcap.js'
import { buildUdpFrame } from '../../lib/libdhcp/frame.js'
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
    fc.constantFrom(0, 1, 6, 17, 43, 44, 58, 59, 60, 89, 255),
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

test('OSPFv3 prints as print-ospf6.c does on one line: version, packet type, length; cut short says so', () => {
  const ospf6 = (type: number, len: number): Uint8Array => {
    const f = new Uint8Array(14 + 40 + len)
    f[12] = 0x86
    f[13] = 0xdd
    f[14] = 0x60
    f[19] = len
    f[20] = 89
    f[21] = 1
    f.set([0xfe, 0x80], 22)
    f[37] = 1 // fe80::1
    f.set([0xff, 0x02], 38)
    f[53] = 5 // ff02::5
    f.set([3, type, 0, len], 54)
    return f
  }
  const p = new Printer(OPTS[0]!)
  const line = (f: Uint8Array, cap = f.length) => p.line(LinkType.EN10MB, f, cap, f.length)
  assert.equal(line(ospf6(1, 36)), 'IP6 fe80::1 > ff02::5: OSPFv3, Hello, length 36')
  assert.equal(line(ospf6(2, 28)), 'IP6 fe80::1 > ff02::5: OSPFv3, Database Description, length 28')
  assert.equal(line(ospf6(3, 28)), 'IP6 fe80::1 > ff02::5: OSPFv3, LS-Request, length 28')
  assert.equal(line(ospf6(4, 20)), 'IP6 fe80::1 > ff02::5: OSPFv3, LS-Update, length 20')
  assert.equal(line(ospf6(5, 16)), 'IP6 fe80::1 > ff02::5: OSPFv3, LS-Ack, length 16')
  assert.equal(line(ospf6(9, 16)), 'IP6 fe80::1 > ff02::5: OSPFv3, unknown packet type (9), length 16')
  assert.equal(line(ospf6(1, 36), 55), 'IP6 fe80::1 > ff02::5: [|ospf3]')
})

test('OSPFv2 prints as print-ospf.c does on one line; an MD5 trailer is not counted in the length', () => {
  /** An OSPFv2 packet of `len` bytes (its length field) with authentication `auth`, `trailer` bytes after it. */
  const ospf = (type: number, len: number, auth = 0, trailer = 0): Uint8Array => {
    const total = 20 + len + trailer
    const f = new Uint8Array(14 + total)
    f[12] = 0x08
    f.set([0x45, 0xc0, total >> 8, total & 0xff, 0, 1, 0, 0, 1, 89], 14)
    f.set([10, 0, 0, 1, 224, 0, 0, 5], 26)
    f.set([2, type, len >> 8, len & 0xff, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, auth], 34)
    return f
  }
  const p = new Printer(OPTS[0]!)
  const line = (f: Uint8Array, cap = f.length) => p.line(LinkType.EN10MB, f, cap, f.length)
  assert.equal(line(ospf(1, 44)), 'IP 10.0.0.1 > 224.0.0.5: OSPFv2, Hello, length 44')
  assert.equal(line(ospf(2, 32)), 'IP 10.0.0.1 > 224.0.0.5: OSPFv2, Database Description, length 32')
  assert.equal(line(ospf(3, 36)), 'IP 10.0.0.1 > 224.0.0.5: OSPFv2, LS-Request, length 36')
  assert.equal(line(ospf(4, 64)), 'IP 10.0.0.1 > 224.0.0.5: OSPFv2, LS-Update, length 64')
  assert.equal(line(ospf(5, 44)), 'IP 10.0.0.1 > 224.0.0.5: OSPFv2, LS-Ack, length 44')
  assert.equal(line(ospf(7, 24)), 'IP 10.0.0.1 > 224.0.0.5: OSPFv2, unknown LS-type 7, length 24')
  // Cryptographic authentication (RFC 2328 §D.4.3): 16 digest bytes follow, outside the length field.
  assert.equal(line(ospf(1, 44, 2, 16)), 'IP 10.0.0.1 > 224.0.0.5: OSPFv2, Hello, length 44')
  // Simple password: nothing trails, the IP payload is the packet.
  assert.equal(line(ospf(1, 44, 1)), 'IP 10.0.0.1 > 224.0.0.5: OSPFv2, Hello, length 44')
  assert.equal(line(ospf(1, 44), 14 + 20 + 15), 'IP 10.0.0.1 > 224.0.0.5: [|ospf2]')
  // -v: the IP header's line first, then the same OSPF line and the packet's fields (print_ospf.test.ts).
  assert.match(
    new Printer(OPTS[1]!).line(LinkType.EN10MB, ospf(1, 44, 2, 16), 94, 94),
    /\n {4}10\.0\.0\.1 > 224\.0\.0\.5: OSPFv2, Hello, length 44\n\tRouter-ID 10\.0\.0\.1, Backbone Area, Authentication Type: MD5 \(2\)\n/,
  )
})

test('RIPng datagrams print as tcpdump prints them: ripng-resp N:, ripng-req dump', () => {
  const ripng = (body: number[]): Uint8Array => {
    const f = new Uint8Array(14 + 40 + 8 + body.length)
    f[12] = 0x86
    f[13] = 0xdd
    f[14] = 0x60
    const plen = 8 + body.length
    f[18] = plen >> 8
    f[19] = plen & 0xff
    f[20] = 17
    f[21] = 255
    f.set([0xfe, 0x80], 22)
    f[37] = 1 // fe80::1
    f.set([0xff, 0x02], 38)
    f[53] = 9 // ff02::9
    f.set([2, 9, 2, 9, plen >> 8, plen & 0xff, 0, 1], 54)
    f.set(body, 62)
    return f
  }
  const rte = (metric: number) => [0xfc, 0, ...new Array(14).fill(0), 0, 0, 64, metric]
  const p = new Printer(OPTS[0]!)
  const resp = ripng([2, 1, 0, 0, ...rte(1), ...rte(16)])
  assert.equal(
    p.line(LinkType.EN10MB, resp, resp.length, resp.length),
    'IP6 fe80::1.521 > ff02::9.521: ripng-resp 2:',
  )
  const dump = ripng([1, 1, 0, 0, ...new Array(19).fill(0), 16])
  assert.equal(
    p.line(LinkType.EN10MB, dump, dump.length, dump.length),
    'IP6 fe80::1.521 > ff02::9.521: ripng-req dump',
  )
  const req = ripng([1, 1, 0, 0, ...rte(16)])
  assert.equal(
    p.line(LinkType.EN10MB, req, req.length, req.length),
    'IP6 fe80::1.521 > ff02::9.521: ripng-req 1:',
  )
})

test("BOOTP/DHCP on ports 67 and 68: the operation and a request's client address (print-bootp.c without -v)", () => {
  const mac = 0x4200aa000003
  const req = newDhcp(BootOp.REQUEST, 1, mac)
  req.options.set(DhcpOpt.MESSAGE_TYPE, Uint8Array.of(DhcpType.DISCOVER))
  const a = { srcMac: mac, dstMac: 0xffffffffffff, srcIp: 0, dstIp: 0xffffffff, srcPort: 68, dstPort: 67 }
  const f = buildUdpFrame(a, emitDhcp(req), 16)
  const p = new Printer({ n: 1, e: false, v: 0, q: false, S: false })
  assert.equal(
    p.line(LinkType.EN10MB, f, f.length, f.length),
    'IP 0.0.0.0.bootpc > 255.255.255.255.bootps: BOOTP/DHCP, Request from 42:00:aa:00:00:03, length 300',
  )
  const rep = newDhcp(BootOp.REPLY, 1, mac)
  rep.options.set(DhcpOpt.MESSAGE_TYPE, Uint8Array.of(DhcpType.OFFER))
  const g = buildUdpFrame(
    { ...a, srcIp: 0x0a000001, dstIp: 0x0a000012, srcPort: 67, dstPort: 68 },
    emitDhcp(rep),
    128,
  )
  assert.equal(
    p.line(LinkType.EN10MB, g, g.length, g.length),
    'IP 10.0.0.1.bootps > 10.0.0.18.bootpc: BOOTP/DHCP, Reply, length 300',
  )
  // -q keeps tcpdump's short UDP line.
  assert.match(
    new Printer({ n: 1, e: false, v: 0, q: true, S: false }).line(LinkType.EN10MB, f, f.length, f.length),
    /UDP, length 300$/,
  )
})

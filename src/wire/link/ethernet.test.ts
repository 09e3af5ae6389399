import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { BROADCAST_MAC } from '../addr.js'
import { guarded, hex, toHex } from '../testkit.js'
import {
  ETHER_HDR_LEN,
  ETHER_MIN_LEN,
  type EthernetRepr,
  EthernetView,
  EtherType,
  emitEthernet,
  parseEthernet,
  writeEthernetHeader,
} from './ethernet.js'

// Frames captured with tcpdump on a Linux veth (02:00:00:00:00:0a = 192.0.2.1, peer ...:0b = 192.0.2.2).
// Captured on the sending side, so short frames are not yet padded to ETHER_MIN_LEN.

// ARP request, 42 bytes: broadcast destination.
const ARP_REQUEST_FRAME = hex(
  'ffff ffff ffff', // dst ff:ff:ff:ff:ff:ff
  '0200 0000 000a', // src 02:00:00:00:00:0a
  '0806', //           EtherType ARP
  '0001 0800 0604 0001 0200 0000 000a c000 0201 0000 0000 0000 c000 0202', // 28 bytes of ARP
)

// The first 14 + 20 bytes of an ICMP echo request from Linux ping.
const ECHO_FRAME_HEAD = hex(
  '0200 0000 000b', // dst 02:00:00:00:00:0b
  '0200 0000 000a', // src 02:00:00:00:00:0a
  '0800', //           EtherType IPv4
  '4500 0054 2b1b 4000 4001 8b8a c000 0201 c000 0202', // IPv4 header
)

// IGMPv3 report to 224.0.0.22: the multicast MAC 01:00:5e + low 23 bits of the group (00:00:16).
const IGMP_FRAME_HEAD = hex('0100 5e00 0016', '0200 0000 000a', '0800', '46c0 0028')

describe('ethernet', () => {
  test('constants', () => {
    assert.equal(ETHER_HDR_LEN, 14)
    assert.equal(ETHER_MIN_LEN, 60)
    assert.deepEqual(EtherType, { IPV4: 0x0800, ARP: 0x0806, VLAN: 0x8100, IPV6: 0x86dd })
  })

  test('view over a real ARP request frame', () => {
    const v = new EthernetView()
    assert.equal(v.point(ARP_REQUEST_FRAME, 0, ARP_REQUEST_FRAME.length), true)
    assert.equal(v.dst, BROADCAST_MAC)
    assert.equal(v.src, 0x02000000000a)
    assert.equal(v.ethertype, EtherType.ARP)
    assert.equal(v.payloadOffset, 14)
    assert.equal(v.payloadLength, 28)
  })

  test('view at an offset (headroom) over a real IPv4 frame, and over an IGMP frame', () => {
    const buf = new Uint8Array(64 + ECHO_FRAME_HEAD.length)
    buf.set(ECHO_FRAME_HEAD, 64)
    const v = new EthernetView()
    assert.equal(v.point(buf, 64, ECHO_FRAME_HEAD.length), true)
    assert.equal(v.dst, 0x02000000000b)
    assert.equal(v.src, 0x02000000000a)
    assert.equal(v.ethertype, EtherType.IPV4)
    assert.equal(v.payloadOffset, 78)
    assert.equal(v.payloadLength, 20)
    assert.equal(v.point(IGMP_FRAME_HEAD, 0, IGMP_FRAME_HEAD.length), true)
    assert.equal(v.dst, 0x01005e000016)
  })

  test('setters rewrite the header in place (as a bridge or ether_output would)', () => {
    const b = ARP_REQUEST_FRAME.slice()
    const v = new EthernetView()
    v.point(b, 0, b.length)
    v.dst = 0x02000000000b
    v.src = 0x020000000001
    v.ethertype = EtherType.VLAN
    assert.equal(toHex(b, 0, 14), '02000000000b0200000000018100')
    assert.equal(toHex(b, 14), toHex(ARP_REQUEST_FRAME, 14)) // payload untouched
  })

  test('point refuses windows shorter than 14 bytes or outside the buffer', () => {
    const v = new EthernetView()
    assert.equal(v.point(ARP_REQUEST_FRAME, 0, 13), false)
    assert.equal(v.point(ARP_REQUEST_FRAME, 0, 14), true)
    assert.equal(v.point(ARP_REQUEST_FRAME, 30, 14), false) // 30 + 14 > 42
    assert.equal(v.point(ARP_REQUEST_FRAME, 28, 14), true)
    assert.equal(v.point(ARP_REQUEST_FRAME, -1, 14), false)
    assert.equal(v.point(new Uint8Array(0), 0, 0), false)
  })

  test('parse and emit reproduce the captured bytes', () => {
    const r = parseEthernet(ARP_REQUEST_FRAME, 0, ARP_REQUEST_FRAME.length)
    assert.deepEqual(r, { dst: BROADCAST_MAC, src: 0x02000000000a, ethertype: 0x0806 })
    const out = new Uint8Array(14)
    emitEthernet(r!, out, 0)
    assert.equal(toHex(out), toHex(ARP_REQUEST_FRAME, 0, 14))
    const out2 = new Uint8Array(16)
    writeEthernetHeader(out2, 2, 0x02000000000b, 0x02000000000a, EtherType.IPV4)
    assert.equal(toHex(out2, 2), toHex(ECHO_FRAME_HEAD, 0, 14))
    assert.equal(parseEthernet(ARP_REQUEST_FRAME, 0, 13), null)
    assert.equal(parseEthernet(ARP_REQUEST_FRAME, 40, 14), null)
  })

  test('property: random bytes never throw, and accessors stay inside the accepted window', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: -2, max: 42 }),
        fc.integer({ min: -2, max: 42 }),
        (bytes, off, len) => {
          const r = parseEthernet(bytes, off, len)
          const v = new EthernetView()
          if (!v.point(bytes, off, len)) {
            assert.equal(r, null)
            return
          }
          assert.notEqual(r, null)
          const g = guarded(bytes, off, off + len)
          v.point(g, off, len)
          assert.deepEqual({ dst: v.dst, src: v.src, ethertype: v.ethertype }, r)
          assert.equal(v.payloadLength, len - 14)
          v.dst = v.src
          v.ethertype = 0x86dd
        },
      ),
    )
  })

  test('property: emit then parse round trips', () => {
    const mac = fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -0x80000000, max: 0x7fffffff }))
      .map(([hi, lo]) => hi * 0x100000000 + (lo >>> 0))
    const repr = fc.record<EthernetRepr>({
      dst: mac,
      src: mac,
      ethertype: fc.integer({ min: 0, max: 0xffff }),
    })
    fc.assert(
      fc.property(repr, fc.nat(8), (r, off) => {
        const b = new Uint8Array(off + 14)
        emitEthernet(r, b, off)
        assert.deepEqual(parseEthernet(b, off, 14), { ...r }) // fc.record objects have no prototype
      }),
    )
  })
})

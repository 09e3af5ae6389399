import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { hex, toHex } from '../testkit.js'
import {
  BOOTP_MIN_LEN,
  BootOp,
  DhcpError,
  DhcpOpt,
  type DhcpRepr,
  DhcpType,
  dhcpChaddrMac,
  dhcpOptAddr,
  dhcpOptAddrs,
  dhcpOptText,
  dhcpOptU32,
  dhcpType,
  emitDhcp,
  newDhcp,
  optAddr,
  optAddrs,
  optText,
  optU32,
  parseDhcp,
} from './dhcp.js'

// A DHCPOFFER as ISC dhcpd sends it for the IMUNES DHCP lab (RFC 2131 §2 figure 1, RFC 2132 options).
const OFFER = hex(
  '02 01 06 00', //                    op 2 (reply), htype 1, hlen 6, hops 0
  '3903 f326', //                      xid
  '0000 0000', //                      secs 0, flags 0
  '00000000', //                       ciaddr
  '0a00000a', //                       yiaddr 10.0.0.10
  '00000000 00000000', //              siaddr, giaddr
  '4200aa111111 0000 00000000 00000000', // chaddr 42:00:aa:11:11:11 and padding
  '00'.repeat(64), //                  sname
  '00'.repeat(128), //                 file
  '63825363', //                       magic cookie
  '35 01 02', //                       53: DHCPOFFER
  '36 04 0a000001', //                 54: server 10.0.0.1
  '33 04 00000258', //                 51: 600 s
  '01 04 ffffff00', //                 1: /24
  '03 04 0a000007', //                 3: router 10.0.0.7
  '06 08 0a000035 0a000036', //        6: 10.0.0.53, 10.0.0.54
  '0f 0a 696d756e65732e6e6574', //     15: "imunes.net"
  '00 00', //                          pad
  'ff', //                             end
)

describe('DHCP wire format', () => {
  test('parses the annotated offer field by field', () => {
    const r = parseDhcp(OFFER)
    assert.ok(r.ok)
    const m = r.msg
    assert.equal(m.op, BootOp.REPLY)
    assert.equal(m.xid, 0x3903f326)
    assert.equal(m.yiaddr, 0x0a00000a)
    assert.equal(dhcpChaddrMac(m), 0x4200aa111111)
    assert.equal(dhcpType(m), DhcpType.OFFER)
    assert.equal(dhcpOptAddr(m, DhcpOpt.SERVER_ID), 0x0a000001)
    assert.equal(dhcpOptU32(m, DhcpOpt.LEASE_TIME), 600)
    assert.equal(dhcpOptAddr(m, DhcpOpt.SUBNET_MASK), 0xffffff00)
    assert.deepEqual(dhcpOptAddrs(m, DhcpOpt.ROUTERS), [0x0a000007])
    assert.deepEqual(dhcpOptAddrs(m, DhcpOpt.DNS), [0x0a000035, 0x0a000036])
    assert.equal(dhcpOptText(m, DhcpOpt.DOMAIN_NAME), 'imunes.net')
    assert.equal(m.sname, '')
    // Built again, it is the same bytes up to END, then the zeros that pad it to 300.
    const again = emitDhcp(m)
    assert.equal(again.length, BOOTP_MIN_LEN)
    assert.equal(toHex(again.subarray(0, OFFER.length - 3)), toHex(OFFER.subarray(0, OFFER.length - 3)))
    assert.equal(again[OFFER.length - 3], 0xff)
  })

  test('malformed messages are named, not thrown', () => {
    assert.deepEqual(parseDhcp(OFFER, 0, 239), { ok: false, error: DhcpError.BAD_LENGTH })
    assert.deepEqual(parseDhcp(OFFER, 0, OFFER.length + 1), { ok: false, error: DhcpError.BAD_LENGTH })
    const op = OFFER.slice()
    op[0] = 3
    assert.deepEqual(parseDhcp(op), { ok: false, error: DhcpError.BAD_OP })
    const hl = OFFER.slice()
    hl[2] = 17
    assert.deepEqual(parseDhcp(hl), { ok: false, error: DhcpError.BAD_HLEN })
    const ck = OFFER.slice()
    ck[236] = 0
    assert.deepEqual(parseDhcp(ck), { ok: false, error: DhcpError.NO_COOKIE })
    // The last option (domain name) claims one byte more than the datagram has, with END gone.
    assert.deepEqual(parseDhcp(OFFER, 0, OFFER.length - 6), { ok: false, error: DhcpError.TRUNCATED_OPTION })
    const noType = OFFER.slice()
    noType[240] = DhcpOpt.PAD
    noType[241] = DhcpOpt.PAD
    noType[242] = DhcpOpt.PAD
    assert.deepEqual(parseDhcp(noType), { ok: false, error: DhcpError.BAD_TYPE })
    const badType = OFFER.slice()
    badType[242] = 9
    assert.deepEqual(parseDhcp(badType), { ok: false, error: DhcpError.BAD_TYPE })
  })

  test('options after END are not read; overloaded file and sname fields are (RFC 2132 §9.3)', () => {
    const m = newDhcp(BootOp.REQUEST, 7, 0x020000000001)
    m.options.set(DhcpOpt.MESSAGE_TYPE, Uint8Array.of(DhcpType.DISCOVER))
    m.options.set(DhcpOpt.OVERLOAD, Uint8Array.of(3))
    const b = emitDhcp(m)
    // An option after END in the main field: ignored.
    assert.equal(b[246], DhcpOpt.END)
    b.set([DhcpOpt.HOSTNAME, 1, 0x78], 247)
    // In file (read first), then sname: a hostname in two parts, concatenated (RFC 3396).
    b.set([DhcpOpt.HOSTNAME, 2, 0x61, 0x62, DhcpOpt.END], 108)
    b.set([DhcpOpt.HOSTNAME, 1, 0x63, DhcpOpt.END], 44)
    const r = parseDhcp(b)
    assert.ok(r.ok)
    assert.equal(dhcpOptText(r.msg, DhcpOpt.HOSTNAME), 'abc')
    assert.equal(r.msg.file, '')
    // A truncated option inside an overloaded field is still an error.
    b[109] = 200
    assert.deepEqual(parseDhcp(b), { ok: false, error: DhcpError.TRUNCATED_OPTION })
  })

  test('a value past 255 bytes is split on the wire and joined again', () => {
    const m = newDhcp(BootOp.REPLY, 1, 1)
    m.options.set(DhcpOpt.MESSAGE_TYPE, Uint8Array.of(DhcpType.ACK))
    const dns = Array.from({ length: 70 }, (_, i) => 0x0a000000 + i)
    m.options.set(DhcpOpt.DNS, optAddrs(dns))
    const b = emitDhcp(m)
    assert.equal(b[243], DhcpOpt.DNS)
    assert.equal(b[244], 255)
    const r = parseDhcp(b)
    assert.ok(r.ok)
    assert.deepEqual(dhcpOptAddrs(r.msg, DhcpOpt.DNS), dns)
  })

  test('random bytes and mutated offers never throw', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: -2, max: 402 }),
        fc.integer({ min: -2, max: 402 }),
        (bytes, off, len) => {
          const r = parseDhcp(bytes, off, len)
          if (r.ok) assert.ok(dhcpType(r.msg) >= 1 && dhcpType(r.msg) <= 8)
        },
      ),
    )
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: OFFER.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 8,
        }),
        fc.integer({ min: 0, max: OFFER.length }),
        (edits, len) => {
          const b = OFFER.slice()
          for (const [i, v] of edits) b[i] = v
          const r = parseDhcp(b, 0, len)
          if (r.ok) {
            // Whatever was accepted can be built again and parses to the same options.
            const again = parseDhcp(emitDhcp(r.msg))
            assert.ok(again.ok)
            assert.deepEqual([...again.msg.options.keys()], [...r.msg.options.keys()])
          }
        },
      ),
    )
  })

  test('emit then parse round trips', () => {
    const opt = fc.tuple(
      fc.integer({ min: 1, max: 254 }).filter((c) => c !== DhcpOpt.MESSAGE_TYPE && c !== DhcpOpt.OVERLOAD),
      fc.uint8Array({ maxLength: 40 }),
    )
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.uniqueArray(opt, { selector: (o) => o[0], maxLength: 12 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (type, opts, xid, yiaddr) => {
          const m: DhcpRepr = newDhcp(BootOp.REPLY, xid, 0x0200000000aa)
          m.yiaddr = yiaddr
          m.options.set(DhcpOpt.MESSAGE_TYPE, Uint8Array.of(type))
          for (const [c, v] of opts) m.options.set(c, v)
          const r = parseDhcp(emitDhcp(m))
          assert.ok(r.ok)
          assert.deepEqual(r.msg, m)
        },
      ),
    )
  })

  test('option builders', () => {
    assert.equal(toHex(optAddr(0x0a000001)), '0a000001')
    assert.equal(toHex(optU32(600)), '00000258')
    assert.equal(toHex(optText('ab')), '6162')
  })
})

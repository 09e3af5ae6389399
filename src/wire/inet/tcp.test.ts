import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { fold } from '../checksum.js'
import { guarded, hex, TCP_NO_OPTIONS, tcpOptionsOf, tcpViewOf, toHex } from '../testkit.js'
import { ipv4PseudoHeaderSum } from './ipv4.js'
import {
  emitTcp,
  parseTcp,
  TCP_HDR_LEN,
  TCP_MAX_SACK,
  TCP_MAX_WINSHIFT,
  TCP_MAXOLEN,
  TcpCheck,
  TcpOpt,
  TcpOptions,
  TcpOptLen,
  type TcpRepr,
  TcpView,
  TH,
  TOF,
  tcpDoOptions,
  tcpFinish,
} from './tcp.js'

const LO = 0x7f000001 // 127.0.0.1
const PEER = 0xc0000201 // 192.0.2.1

// A Linux connection over lo, captured with an AF_PACKET socket: 127.0.0.1:38116 -> 127.0.0.1:18080,
// "GET / HTTP/1.0" and a short answer. lo offloads checksums, so Linux left the folded pseudo-header
// sum in the field for the "hardware" (for the 40-byte SYN: 7f00 + 0001 + 7f00 + 0001 + 0006 + 0028 =
// fe30, as in ipv4.test.ts's UDP datagram); the fixtures carry the finished checksum, worked out as
// shown: pseudo header + every word of the segment with the checksum field left out, folded,
// complemented.

//   fe30 + 94e4 + 46a0 + c407 + 8617 + a002 + ffd7 + 0204 + ffd7 + 0402 + 080a + c7cb + 2ec9 + 0103
//   + 030a = 0x6cc33 -> cc39, ~ = 33c6
const LINUX_SYN = hex(
  '94e4', //                source port 38116
  '46a0', //                destination port 18080
  'c407 8617', //           sequence number (the ISN)
  '0000 0000', //           acknowledgment number (no ACK flag)
  'a0', //                  data offset 10 (40 bytes), reserved and AE 0
  '02', //                  flags: SYN
  'ffd7', //                window 65495
  '33c6', //                checksum
  '0000', //                urgent pointer
  '0204 ffd7', //           MSS 65495 (lo's MTU 65535 - 40)
  '0402', //                SACK permitted
  '080a c7cb2ec9 00000000', // timestamps: TSval, TSecr 0
  '01', //                  NOP
  '03 03 0a', //            window scale 10: Linux's own order, not FreeBSD's
)
//   pseudo fe30, ... = 0x8089c -> 08a4, ~ = f75b
const LINUX_SYN_ACK = hex(
  '46a0 94e4 200e4ae7 c4078618', // ports swapped, ISN, ack = the SYN's ISN + 1
  'a0 12 ffcb f75b 0000', //        40 bytes, SYN|ACK, window 65483, checksum, urgent 0
  '0204 ffd7 0402 080a 0753ca1c c7cb2ec9 01 03030a', // MSS, sackOK, TS (echoing the SYN's), NOP, WS 10
)
//   pseudo fe28 (32 bytes) ... = 0x5e01f -> e024, ~ = 1fdb
const LINUX_ACK = hex(
  '94e4 46a0 c4078618 200e4ae8', //
  '80 10 0040 1fdb 0000', // 32 bytes, ACK, window 64 (<< 10 = 65536), checksum, urgent 0
  '01 01 080a c7cb2ec9 0753ca1c', // NOP, NOP, timestamps (RFC 7323 appendix A layout)
)
//   pseudo fe3a (50 bytes) ... = 0x7bed9 -> bee0, ~ = 411f
const LINUX_DATA = hex(
  '94e4 46a0 c4078618 200e4ae8',
  '80 18 0040 411f 0000', // ACK|PSH
  '0101 080a c7cb2ecb 0753ca1c',
  '4745 5420 2f20 4854 5450 2f31 2e30 0d0a 0d0a', // "GET / HTTP/1.0\r\n\r\n" (18 bytes)
)
//   pseudo fe28 ... = 0x5e04b -> e050, ~ = 1faf
const LINUX_FIN = hex('94e4 46a0 c407862a 200e4afd 8011 0040 1faf 0000 0101 080a c7cb2ecb 0753ca1e')

describe('tcp: constants', () => {
  test('values', () => {
    assert.equal(TCP_HDR_LEN, 20)
    assert.equal(TCP_MAXOLEN, 40)
    assert.equal(TCP_MAX_WINSHIFT, 14)
    assert.equal(TCP_MAX_SACK, 4)
    assert.deepEqual(TH, {
      FIN: 1,
      SYN: 2,
      RST: 4,
      PUSH: 8,
      ACK: 0x10,
      URG: 0x20,
      ECE: 0x40,
      CWR: 0x80,
      AE: 0x100,
    })
    assert.deepEqual(TcpOpt, {
      EOL: 0,
      NOP: 1,
      MAXSEG: 2,
      WINDOW: 3,
      SACK_PERMITTED: 4,
      SACK: 5,
      TIMESTAMP: 8,
      SIGNATURE: 19,
      FAST_OPEN: 34,
    })
    assert.deepEqual(TcpOptLen, {
      MAXSEG: 4,
      WINDOW: 3,
      SACK_PERMITTED: 2,
      SACKHDR: 2,
      SACK: 8,
      TIMESTAMP: 10,
      SIGNATURE: 18,
    })
    // tcp_var.h's TOF_* values: their order is tcp_addoptions' layout order.
    assert.deepEqual(TOF, {
      MSS: 1,
      SCALE: 2,
      SACKPERM: 4,
      TS: 0x10,
      SIGNATURE: 0x40,
      SACK: 0x80,
      FASTOPEN: 0x100,
    })
    assert.deepEqual(TcpCheck, { OK: 0, SHORT: 1, BAD_SUM: 2, BAD_OFF: 3 })
  })
})

describe('tcp: a Linux connection', () => {
  test('the captured field was the pseudo-header sum; the finished checksum verifies', () => {
    assert.equal(fold(ipv4PseudoHeaderSum(LO, LO, 6, 40)), 0xfe30)
    assert.equal(fold(ipv4PseudoHeaderSum(LO, LO, 6, 50)), 0xfe3a)
    for (const seg of [LINUX_SYN, LINUX_SYN_ACK, LINUX_ACK, LINUX_DATA, LINUX_FIN]) {
      const v = tcpViewOf(seg)
      assert.equal(v.check(true, LO, LO), TcpCheck.OK)
      assert.equal(v.verify(LO, LO), true)
    }
  })

  test('SYN: every header field', () => {
    const v = tcpViewOf(LINUX_SYN)
    assert.equal(v.srcPort, 38116)
    assert.equal(v.dstPort, 18080)
    assert.equal(v.seq, 0xc4078617)
    assert.equal(v.ack, 0)
    assert.equal(v.headerLength, 40)
    assert.equal(v.flags, TH.SYN)
    assert.equal(v.window, 65495)
    assert.equal(v.checksum, 0x33c6)
    assert.equal(v.urgent, 0)
    assert.equal(v.optionsOffset, 20)
    assert.equal(v.optionsLength, 20)
    assert.equal(v.payloadOffset, 40)
    assert.equal(v.payloadLength, 0)
  })

  test("SYN and SYN-ACK options in Linux's order", () => {
    for (const [seg, tsval, tsecr] of [
      [LINUX_SYN, 0xc7cb2ec9, 0],
      [LINUX_SYN_ACK, 0x0753ca1c, 0xc7cb2ec9],
    ] as const) {
      const to = tcpOptionsOf(seg)
      assert.equal(to.flags, TOF.MSS | TOF.SACKPERM | TOF.TS | TOF.SCALE)
      assert.equal(to.mss, 65495)
      assert.equal(to.wscale, 10)
      assert.equal(to.tsval, tsval)
      assert.equal(to.tsecr, tsecr)
    }
    const sa = tcpViewOf(LINUX_SYN_ACK)
    assert.equal(sa.flags, TH.SYN | TH.ACK)
    assert.equal(sa.ack, 0xc4078618)
  })

  test('ACK, data and FIN: timestamps only, payload after the options', () => {
    const ack = tcpViewOf(LINUX_ACK)
    assert.equal(ack.flags, TH.ACK)
    assert.equal(ack.window, 64)
    assert.equal(ack.headerLength, 32)
    const to = tcpOptionsOf(LINUX_ACK)
    assert.equal(to.flags, TOF.TS)
    assert.deepEqual([to.tsval, to.tsecr], [0xc7cb2ec9, 0x0753ca1c])
    const data = tcpViewOf(LINUX_DATA)
    assert.equal(data.flags, TH.ACK | TH.PUSH)
    assert.equal(data.payloadOffset, 32)
    assert.equal(data.payloadLength, 18)
    assert.equal(new TextDecoder().decode(LINUX_DATA.slice(32)), 'GET / HTTP/1.0\r\n\r\n')
    const fin = parseTcp(LINUX_FIN, 0, LINUX_FIN.length, LO, LO)
    assert.deepEqual(fin, {
      srcPort: 38116,
      dstPort: 18080,
      seq: 0xc407862a,
      ack: 0x200e4afd,
      flags: TH.ACK | TH.FIN,
      window: 64,
      urgent: 0,
      ...TCP_NO_OPTIONS,
      timestamp: { val: 0xc7cb2ecb, ecr: 0x0753ca1e },
      payloadLength: 0,
    })
  })

  test('the checksum covers the pseudo header: other addresses fail it', () => {
    assert.equal(tcpViewOf(LINUX_DATA).check(true, LO, 0x7f000002), TcpCheck.BAD_SUM)
    assert.equal(parseTcp(LINUX_DATA, 0, LINUX_DATA.length, PEER, LO), null)
  })
})

describe('tcp: check (tcp_input order)', () => {
  function withByte(seg: Uint8Array, at: number, value: number, src = LO, dst = LO): TcpView {
    const b = seg.slice()
    b[at] = value
    const v = tcpViewOf(b)
    v.fillChecksum(src, dst)
    return v
  }

  test('SHORT (tcps_rcvshort): fewer than 20 bytes, or a window outside the buffer', () => {
    const v = new TcpView()
    assert.equal(v.point(LINUX_ACK, 0, 19), false)
    assert.equal(v.check(true, LO, LO), TcpCheck.SHORT)
    assert.equal(v.check(false, LO, LO), TcpCheck.SHORT)
    assert.equal(v.point(LINUX_ACK, 20, 20), false)
    assert.equal(v.check(false, LO, LO), TcpCheck.SHORT)
    assert.equal(v.point(LINUX_ACK, -1, 20), false)
    assert.equal(v.check(false, LO, LO), TcpCheck.SHORT)
  })

  test('BAD_SUM (tcps_rcvbadsum): any flipped bit, judged only when asked', () => {
    const b = LINUX_DATA.slice()
    b[40] ^= 0x20 // one letter of the payload
    assert.equal(tcpViewOf(b).check(true, LO, LO), TcpCheck.BAD_SUM)
    assert.equal(tcpViewOf(b).check(false, LO, LO), TcpCheck.OK)
    assert.equal(tcpViewOf(LINUX_DATA, 0, 49).check(true, LO, LO), TcpCheck.BAD_SUM) // a byte short
  })

  test('BAD_OFF (tcps_rcvbadoff): data offset below 5 words or beyond the segment', () => {
    assert.equal(withByte(LINUX_ACK, 12, 0x40).check(true, LO, LO), TcpCheck.BAD_OFF) // 16 bytes
    assert.equal(withByte(LINUX_ACK, 12, 0x00).check(true, LO, LO), TcpCheck.BAD_OFF)
    assert.equal(withByte(LINUX_ACK, 12, 0x90).check(true, LO, LO), TcpCheck.BAD_OFF) // 36 > 32
    assert.equal(withByte(LINUX_ACK, 12, 0x50).check(true, LO, LO), TcpCheck.OK) // options become data
    assert.equal(withByte(LINUX_DATA, 12, 0xc0).check(true, LO, LO), TcpCheck.OK) // 48 <= 50
  })

  test('the checksum is judged before the data offset', () => {
    const b = LINUX_ACK.slice()
    b[12] = 0x40
    assert.equal(tcpViewOf(b).check(true, LO, LO), TcpCheck.BAD_SUM)
    assert.equal(tcpViewOf(b).check(false, LO, LO), TcpCheck.BAD_OFF)
  })

  test('a bad data offset leaves no options to parse', () => {
    const v = withByte(LINUX_SYN, 12, 0xf0) // 60 bytes claimed, 40 there
    assert.equal(v.optionsLength, 20) // bounded by len
    const w = withByte(LINUX_SYN, 12, 0x30)
    assert.equal(w.optionsLength, 0)
    const to = new TcpOptions()
    w.parseOptions(to)
    assert.equal(to.flags, 0)
  })

  test('parseTcp returns null unless check(true) is OK', () => {
    assert.equal(parseTcp(LINUX_ACK, 0, 19, LO, LO), null)
    assert.equal(parseTcp(LINUX_ACK, 0, 33, LO, LO), null)
    const b = LINUX_ACK.slice()
    b[17] ^= 1
    assert.equal(parseTcp(b, 0, 32, LO, LO), null)
    assert.notEqual(parseTcp(LINUX_ACK, 0, 32, LO, LO), null)
  })
})

describe('tcp: modifying in place', () => {
  test('setters, and flags keep the data offset', () => {
    const b = LINUX_DATA.slice()
    const v = tcpViewOf(b)
    v.srcPort = 1
    v.dstPort = 65535
    v.seq = 0xffffffff
    v.ack = 0x80000000
    v.window = 0
    v.urgent = 7
    v.flags = TH.ACK | TH.URG | TH.AE | TH.CWR
    assert.equal(toHex(b, 12, 2), '81b0')
    assert.equal(v.headerLength, 32)
    assert.deepEqual(
      [v.srcPort, v.dstPort, v.seq, v.ack, v.window, v.urgent, v.flags],
      [1, 65535, 0xffffffff, 0x80000000, 0, 7, 0x1b0],
    )
    assert.equal(v.verify(LO, LO), false) // setters leave the checksum alone
    v.fillChecksum(LO, LO)
    assert.equal(v.check(true, LO, LO), TcpCheck.OK)
    v.checksum = 0x1234
    assert.equal(v.checksum, 0x1234)
  })

  test('AE and the reserved bits come from byte 12 (tcp_get_flags)', () => {
    const b = LINUX_ACK.slice()
    b[12] = 0x8f
    assert.equal(tcpViewOf(b).flags, 0xf10)
    assert.equal(tcpViewOf(b).headerLength, 32)
  })
})

describe('tcp: properties', () => {
  const u32 = fc.integer({ min: 0, max: 0xffffffff })
  const u16 = fc.integer({ min: 0, max: 0xffff })
  const sack = fc.record({ start: u32, end: u32 })
  const repr = fc
    .record({
      srcPort: u16,
      dstPort: u16,
      seq: u32,
      ack: u32,
      flags: fc.integer({ min: 0, max: 0xfff }),
      window: u16,
      urgent: u16,
      mss: fc.option(u16),
      wscale: fc.option(fc.integer({ min: 0, max: TCP_MAX_WINSHIFT })),
      sackPermitted: fc.boolean(),
      timestamp: fc.option(fc.record({ val: u32, ecr: u32 })),
      sacks: fc.array(sack, { maxLength: 4 }),
      signature: fc.boolean(),
      payloadLength: fc.integer({ min: 0, max: 100 }),
    })
    .map((r): TcpRepr => {
      // What tcp_dooptions will report: SYN-only options only on a SYN, SACK blocks only without one,
      // and only the blocks tcp_addoptions has room for.
      const syn = (r.flags & TH.SYN) !== 0
      const room = 40 - (r.timestamp ? 12 : 0) - (r.signature ? 20 : 0) - 4
      return {
        ...r,
        mss: syn ? r.mss : null,
        wscale: syn ? r.wscale : null,
        sackPermitted: syn && r.sackPermitted,
        // fast-check's records have no prototype; parseTcp returns plain objects.
        timestamp: r.timestamp && { val: r.timestamp.val, ecr: r.timestamp.ecr },
        sacks: syn ? [] : r.sacks.slice(0, Math.max(0, Math.floor(room / 8))).map((b) => ({ ...b })),
      }
    })

  test('emit then parse round trips', () => {
    fc.assert(
      fc.property(repr, fc.nat(16), u32, u32, (r, off, src, dst) => {
        const b = new Uint8Array(off + 60 + r.payloadLength)
        for (let i = 0; i < b.length; i++) b[i] = i * 7
        const hl = emitTcp(r, b, off)
        assert.ok(hl >= 20 && hl <= 60 && hl % 4 === 0)
        tcpFinish(b, off, hl + r.payloadLength, src, dst)
        assert.deepEqual(parseTcp(b, off, hl + r.payloadLength, src, dst), r)
      }),
    )
  })

  test('random bytes never throw, and the view stays inside the accepted window', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.integer({ min: -2, max: 82 }),
        fc.integer({ min: -2, max: 82 }),
        fc.boolean(),
        (bytes, off, len, syn) => {
          const src = 0x0a000001
          const dst = 0x0a000002
          const r = parseTcp(bytes, off, len, src, dst)
          const v = new TcpView()
          if (!v.point(bytes, off, len)) {
            assert.equal(r, null)
            assert.equal(v.check(true, src, dst), TcpCheck.SHORT)
            return
          }
          v.point(guarded(bytes, off, off + len), off, len)
          const code = v.check(true, src, dst)
          assert.equal(code === TcpCheck.OK, r !== null)
          if (v.check(false, src, dst) === TcpCheck.OK) assert.ok(v.payloadLength >= 0)
          assert.ok(v.optionsLength >= 0 && v.optionsOffset + v.optionsLength <= off + len)
          const to = new TcpOptions()
          v.parseOptions(to)
          tcpDoOptions(to, v.buf, off + 20, len - 20, syn)
          assert.ok(to.nsacks >= 0 && to.nsacks <= TCP_MAX_SACK)
          if (to.flags & TOF.SIGNATURE) assert.ok(to.sigOffset >= off && to.sigOffset + 16 <= off + len)
          if (to.flags & TOF.FASTOPEN) assert.ok(to.tfoOffset >= off && to.tfoOffset + to.tfoLen <= off + len)
          if (to.flags & TOF.SCALE) assert.ok(to.wscale <= TCP_MAX_WINSHIFT)
          for (const x of [v.srcPort, v.dstPort, v.seq, v.ack, v.flags, v.window, v.checksum, v.urgent]) {
            assert.ok(Number.isInteger(x) && x >= 0)
          }
          v.flags = TH.RST
          v.seq = 1
          v.fillChecksum(src, dst)
          assert.equal(v.verify(src, dst), true)
        },
      ),
    )
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { fold } from './checksum.js'
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
  writeTcpHeader,
  writeTcpOptions,
} from './tcp.js'
import { guarded, hex, toHex } from './testkit.js'

const LO = 0x7f000001 // 127.0.0.1
const STACK = 0xc0a80001 // 192.168.0.1: the stack under test in FreeBSD's packetdrill scripts
const PEER = 0xc0000201 // 192.0.2.1: the scripts' peer

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

// FreeBSD's layouts, written from the `>` lines of FreeBSD's TCP test suite (../shared/tcp-testsuite)
// with ports and ISNs chosen here; the stack is 192.168.0.1 and the peer 192.0.2.1 as in packetdrill.
// The 1031 SYN and SYN-ACK lines there show only these option lists:
//   <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>  (defaults; wscale 1 and 14 with other buffers)
//   <mss 1460,nop,wscale 6,nop,nop,TS val 100 ecr 0> (net.inet.tcp.sack.enable=0)
//   <mss 1460,sackOK,eol,eol>                        (answering a peer that offered only MSS and SACK)
//   <mss 1460>                                       (answering a peer without options)
// and for ACKs <nop,nop,sack a:b ...> with up to 4 blocks, <nop,nop,md5 valid> with TCP-MD5.

// snd-syn-with-ecn-ipv4.pkt: `> SEW 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>`
//   pseudo c000 + 0201 + c0a8 + 0001 + 0006 + 0028 = 0x182d8; with the segment 0x3fda4 -> fda7, ~ = 0258
const FBSD_SYN_ECN = hex(
  '2710 1f90', //     ports 10000 -> 8080
  '5f3a 1c00', //     ISN
  '0000 0000', //     ack
  'a0', //            data offset 10
  'c2', //            CWR|ECE|SYN: asking for ECN (RFC 3168 §6.1.1)
  'ffff 0258 0000', // window 65535, checksum, urgent
  '0204 05b4', //     MSS 1460 (MTU 1500 - 40), at offset 0
  '01', //            NOP, so that
  '03 03 06', //      window scale 6 ends on a 4-byte boundary
  '0402', //          SACK permitted, at an even offset
  '080a 00000064 00000000', // timestamps at offset 4n + 2: TSval 100, TSecr 0
)
// `> S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,eol,eol>`, 80 -> 40000.
//   pseudo 0x182cc ... 0x427a7 -> 27ab, ~ = d854
const FBSD_SYN_ACK = hex(
  '0050 9c40 0d5e7f21 00000001', // ISN, ack = the peer's ISN 0 + 1
  '70 12 ffff d854 0000', //        data offset 7 (28 bytes), SYN|ACK
  '0204 05b4', //                   MSS 1460
  '0402', //                        SACK permitted
  '00 00', //                       EOL, then zero padding to 4 bytes
)
// rcv-data-segments: `> . 1:1(0) ack 1 win 65535 <nop,nop,sack 16:32>`
//   pseudo 0x182d0 ... 0x4322b -> 322f, ~ = cdd0
const FBSD_SACK1 = hex(
  '0050 9c40 0d5e7f22 00000001 80 10 ffff cdd0 0000',
  '01 01', //                 NOPs to offset 2
  '05 0a 00000010 00000020', // SACK, 10 bytes: one block [16, 32)
)
// `> . 1:1(0) ack 100 win 65535 <nop,nop,sack 200:300 200:350 600:700 400:500>`: all four blocks fit
// without timestamps (2 + 2 + 32 = 36 bytes).
//   pseudo 0x182e8 ... 0x49f40 -> 9f44, ~ = 60bb
const FBSD_SACK4 = hex(
  '0050 9c40 0d5e7f22 00000064 e0 10 ffff 60bb 0000', // data offset 14 (56 bytes)
  '01 01 05 22', //            SACK, 34 bytes
  '000000c8 0000012c', //      200:300
  '000000c8 0000015e', //      200:350
  '00000258 000002bc', //      600:700
  '00000190 000001f4', //      400:500
)
// Timestamps and SACK together: after <nop,nop,TS> (12 bytes) and nop,nop,kind,length only 3 blocks fit
// (tcp_addoptions: min(nsacks, (40 - 16) / 8)).
//   pseudo 0x182ec ... 0x41dc7 -> 1dcb, ~ = e234
const FBSD_TS_SACK3 = hex(
  '0050 9c40 0d5e7f22 000003e9 f0 10 0402 e234 0000', // data offset 15 (60 bytes), window 1026
  '01 01 080a 000000c8 00000064', // NOP, NOP, TSval 200, TSecr 100
  '01 01 05 1a', //                 NOP, NOP, SACK, 26 bytes
  '000007d1 00000bb9 00000fa1 00001389 00001771 00001b59', // 2001:3001 4001:5001 6001:7001
)
// socket-api-setsockopt-md5-active-ipv4.pkt:
// `> S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0,nop,nop,md5 valid>`: exactly 40
// bytes of options. The digest here is a stand-in (the stack computes it).
//   pseudo 0x182ec ... 0x81d4b -> 1d53, ~ = e2ac
const FBSD_MD5_SYN = hex(
  '2710 1f90 5f3a1c00 00000000 f0 02 ffff e2ac 0000',
  '020405b4 01 030306 0402 080a 00000064 00000000',
  '01 01 13 12', // NOP, NOP, TCP-MD5 (kind 19), 18 bytes
  '00112233445566778899aabbccddeeff',
)
// A peer's SYN from rcv-data-segments, options packed without alignment:
// `< S 0:0(0) win 65535 <mss 1000,wscale 6,TS val 100 ecr 0,sackOK, eol>`
//   pseudo 0x182d8 ... 0x43e64 -> 3e68, ~ = c197
const PEER_SYN_UNALIGNED = hex(
  '9c40 0050 00000000 00000000 a0 02 ffff c197 0000',
  '0204 03e8', //               MSS 1000
  '03 03 06', //                window scale 6
  '080a 00000064 00000000', //  timestamps
  '0402', //                    SACK permitted
  '00', //                      EOL
)

function viewOf(b: Uint8Array, off = 0, len = b.length - off): TcpView {
  const v = new TcpView()
  assert.equal(v.point(b, off, len), true)
  return v
}

function optionsOf(b: Uint8Array): TcpOptions {
  const to = new TcpOptions()
  viewOf(b).parseOptions(to)
  return to
}

const NO_OPTIONS = {
  mss: null,
  wscale: null,
  sackPermitted: false,
  timestamp: null,
  sacks: [],
  signature: false,
}

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
      const v = viewOf(seg)
      assert.equal(v.check(true, LO, LO), TcpCheck.OK)
      assert.equal(v.verify(LO, LO), true)
    }
  })

  test('SYN: every header field', () => {
    const v = viewOf(LINUX_SYN)
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
      const to = optionsOf(seg)
      assert.equal(to.flags, TOF.MSS | TOF.SACKPERM | TOF.TS | TOF.SCALE)
      assert.equal(to.mss, 65495)
      assert.equal(to.wscale, 10)
      assert.equal(to.tsval, tsval)
      assert.equal(to.tsecr, tsecr)
    }
    const sa = viewOf(LINUX_SYN_ACK)
    assert.equal(sa.flags, TH.SYN | TH.ACK)
    assert.equal(sa.ack, 0xc4078618)
  })

  test('ACK, data and FIN: timestamps only, payload after the options', () => {
    const ack = viewOf(LINUX_ACK)
    assert.equal(ack.flags, TH.ACK)
    assert.equal(ack.window, 64)
    assert.equal(ack.headerLength, 32)
    const to = optionsOf(LINUX_ACK)
    assert.equal(to.flags, TOF.TS)
    assert.deepEqual([to.tsval, to.tsecr], [0xc7cb2ec9, 0x0753ca1c])
    const data = viewOf(LINUX_DATA)
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
      ...NO_OPTIONS,
      timestamp: { val: 0xc7cb2ecb, ecr: 0x0753ca1e },
      payloadLength: 0,
    })
  })

  test('the checksum covers the pseudo header: other addresses fail it', () => {
    assert.equal(viewOf(LINUX_DATA).check(true, LO, 0x7f000002), TcpCheck.BAD_SUM)
    assert.equal(parseTcp(LINUX_DATA, 0, LINUX_DATA.length, PEER, LO), null)
  })
})

describe("tcp: FreeBSD's option layouts (tcp_addoptions)", () => {
  /** Writes r's header, copies the fixture's payload (none here) and finishes the checksum. */
  function build(r: TcpRepr, src: number, dst: number): Uint8Array {
    const out = new Uint8Array(64)
    const hl = emitTcp(r, out, 2)
    tcpFinish(out, 2, hl + r.payloadLength, src, dst)
    return out.slice(2, 2 + hl + r.payloadLength)
  }
  const base = { ...NO_OPTIONS, urgent: 0, payloadLength: 0 }

  test('SYN with ECN and every default option: <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>', () => {
    const r: TcpRepr = {
      ...base,
      srcPort: 10000,
      dstPort: 8080,
      seq: 0x5f3a1c00,
      ack: 0,
      flags: TH.SYN | TH.ECE | TH.CWR,
      window: 65535,
      // Given in another order than the layout, which is tcp_addoptions' own.
      timestamp: { val: 100, ecr: 0 },
      sackPermitted: true,
      wscale: 6,
      mss: 1460,
    }
    assert.equal(toHex(build(r, STACK, PEER)), toHex(FBSD_SYN_ECN))
    assert.deepEqual(parseTcp(FBSD_SYN_ECN, 0, FBSD_SYN_ECN.length, STACK, PEER), r)
  })

  test('SYN-ACK to a peer offering MSS and SACK: <mss 1460,sackOK,eol,eol>', () => {
    const r: TcpRepr = {
      ...base,
      srcPort: 80,
      dstPort: 40000,
      seq: 0x0d5e7f21,
      ack: 1,
      flags: TH.SYN | TH.ACK,
      window: 65535,
      mss: 1460,
      sackPermitted: true,
    }
    assert.equal(toHex(build(r, STACK, PEER)), toHex(FBSD_SYN_ACK))
    assert.deepEqual(parseTcp(FBSD_SYN_ACK, 0, FBSD_SYN_ACK.length, STACK, PEER), r)
  })

  test('ACKs with SACK blocks: one; four without timestamps; three of four with them', () => {
    const ack = { ...base, srcPort: 80, dstPort: 40000, seq: 0x0d5e7f22, flags: TH.ACK, window: 65535 }
    const one: TcpRepr = { ...ack, ack: 1, sacks: [{ start: 16, end: 32 }] }
    assert.equal(toHex(build(one, STACK, PEER)), toHex(FBSD_SACK1))
    assert.deepEqual(parseTcp(FBSD_SACK1, 0, FBSD_SACK1.length, STACK, PEER), one)

    const blocks = [
      [200, 300],
      [200, 350],
      [600, 700],
      [400, 500],
    ].map(([start, end]) => ({ start, end }))
    const four: TcpRepr = { ...ack, ack: 100, sacks: blocks }
    assert.equal(toHex(build(four, STACK, PEER)), toHex(FBSD_SACK4))
    assert.deepEqual(parseTcp(FBSD_SACK4, 0, FBSD_SACK4.length, STACK, PEER), four)

    const tsBlocks = [2001, 4001, 6001, 8001].map((s) => ({ start: s, end: s + 1000 }))
    const ts: TcpRepr = {
      ...ack,
      ack: 1001,
      window: 1026,
      timestamp: { val: 200, ecr: 100 },
      sacks: tsBlocks,
    }
    assert.equal(toHex(build(ts, STACK, PEER)), toHex(FBSD_TS_SACK3))
    assert.deepEqual(parseTcp(FBSD_TS_SACK3, 0, FBSD_TS_SACK3.length, STACK, PEER), {
      ...ts,
      sacks: tsBlocks.slice(0, 3),
    })
  })

  test('TCP-MD5 fills the last 20 bytes; sigOffset points at the zeroed digest for the stack', () => {
    const to = new TcpOptions()
    to.flags = TOF.MSS | TOF.SCALE | TOF.SACKPERM | TOF.TS | TOF.SIGNATURE
    to.mss = 1460
    to.wscale = 6
    to.tsval = 100
    to.tsecr = 0
    const out = new Uint8Array(64).fill(0xee)
    const hl = writeTcpHeader(out, 0, 10000, 8080, 0x5f3a1c00, 0, TH.SYN, 65535, 0, to)
    assert.equal(hl, 60)
    assert.equal(to.sigOffset, 44)
    assert.equal(to.flags & TOF.SIGNATURE, TOF.SIGNATURE)
    assert.equal(toHex(out, 44, 16), '00'.repeat(16))
    out.set(FBSD_MD5_SYN.subarray(44, 60), 44) // the stack's digest
    tcpFinish(out, 0, hl, STACK, PEER)
    assert.equal(toHex(out, 0, hl), toHex(FBSD_MD5_SYN))
    const parsed = optionsOf(FBSD_MD5_SYN)
    assert.equal(parsed.flags, TOF.MSS | TOF.SCALE | TOF.SACKPERM | TOF.TS | TOF.SIGNATURE)
    assert.equal(parsed.sigOffset, 44)
  })

  test('the other lists the test suite shows', () => {
    const layout = (flags: number): string => {
      const to = new TcpOptions()
      to.flags = flags
      to.mss = 1460
      to.wscale = 6
      to.tsval = 100
      const out = new Uint8Array(TCP_MAXOLEN)
      return toHex(out, 0, writeTcpOptions(to, out, 0))
    }
    // <mss 1460,nop,wscale 6,nop,nop,TS val 100 ecr 0> with net.inet.tcp.sack.enable=0
    assert.equal(
      layout(TOF.MSS | TOF.SCALE | TOF.TS),
      '020405b4' + '01030306' + '0101' + '080a0000006400000000',
    )
    assert.equal(layout(TOF.MSS), '020405b4') // <mss 1460>
    assert.equal(layout(0), '')
    // Without MSS, NOPs lead: window scale at an odd offset, timestamps at 4n + 2.
    assert.equal(layout(TOF.SCALE), '01030306')
    assert.equal(layout(TOF.TS), '0101080a0000006400000000')
    assert.equal(layout(TOF.SACKPERM), '04020000') // sackOK, EOL, padding
    assert.equal(layout(TOF.SCALE | TOF.SACKPERM), '010303060402' + '0000')
  })

  test('every combination of options fits in 40 bytes, in whole words, and parses back', () => {
    const kinds = [TOF.MSS, TOF.SCALE, TOF.SACKPERM, TOF.TS, TOF.SIGNATURE, TOF.SACK]
    for (let m = 0; m < 1 << kinds.length; m++) {
      let flags = 0
      kinds.forEach((k, i) => {
        if (m & (1 << i)) flags |= k
      })
      const to = new TcpOptions()
      to.flags = flags
      to.mss = 536
      to.wscale = 14
      to.tsval = 0xdeadbeef
      to.tsecr = 0x01020304
      for (let i = 0; i < TCP_MAX_SACK; i++) to.setSack(i, 1000 * i, 1000 * i + 500)
      if (!(flags & TOF.SACK)) to.flags &= ~TOF.SACK
      const out = new Uint8Array(TCP_MAXOLEN + 8).fill(0xee)
      const n = writeTcpOptions(to, out, 4)
      assert.ok(n <= TCP_MAXOLEN && n % 4 === 0, `flags ${flags}: ${n} bytes`)
      assert.equal(toHex(out, 0, 4), 'eeeeeeee') // nothing before off
      assert.ok(
        out.subarray(4 + n).every((x) => x === 0xee),
        `flags ${flags}: wrote past ${n}`,
      )
      const back = new TcpOptions()
      const syn = (flags & TOF.SACK) === 0
      tcpDoOptions(back, out, 4, n, syn)
      const expected = syn ? to.flags : to.flags & (TOF.TS | TOF.SIGNATURE | TOF.SACK)
      // SACK blocks need 10 bytes; after timestamps and TCP-MD5 (32 bytes) none fit.
      const lost = flags & TOF.TS && flags & TOF.SIGNATURE ? TOF.SACK : 0
      assert.equal(back.flags, expected & ~lost, `flags ${flags}`)
      if (back.flags & TOF.MSS) assert.equal(back.mss, 536)
      if (back.flags & TOF.SCALE) assert.equal(back.wscale, 14)
      if (back.flags & TOF.TS) assert.deepEqual([back.tsval, back.tsecr], [0xdeadbeef, 0x01020304])
      if (back.flags & TOF.SACK) {
        // As many blocks as fit: the SACK option ends the list on a word boundary, so one more block
        // would have taken n past 40.
        assert.ok(back.nsacks === TCP_MAX_SACK || n + TcpOptLen.SACK > TCP_MAXOLEN, `flags ${flags}`)
        for (let i = 0; i < back.nsacks; i++)
          assert.deepEqual([back.sacks[2 * i], back.sacks[2 * i + 1]], [1000 * i, 1000 * i + 500])
      }
    }
  })
})

describe('tcp: check (tcp_input order)', () => {
  function withByte(seg: Uint8Array, at: number, value: number, src = LO, dst = LO): TcpView {
    const b = seg.slice()
    b[at] = value
    const v = viewOf(b)
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
    assert.equal(viewOf(b).check(true, LO, LO), TcpCheck.BAD_SUM)
    assert.equal(viewOf(b).check(false, LO, LO), TcpCheck.OK)
    assert.equal(viewOf(LINUX_DATA, 0, 49).check(true, LO, LO), TcpCheck.BAD_SUM) // a byte short
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
    assert.equal(viewOf(b).check(true, LO, LO), TcpCheck.BAD_SUM)
    assert.equal(viewOf(b).check(false, LO, LO), TcpCheck.BAD_OFF)
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

describe('tcp: parsing options (tcp_dooptions)', () => {
  /** The options of a segment with the given option bytes (padded to a word with EOLs). */
  function parse(opts: string, syn: boolean): TcpOptions {
    const o = hex(opts)
    const to = new TcpOptions()
    to.flags = 0xffff // stale state from an earlier segment must not survive
    to.nsacks = 3
    tcpDoOptions(to, o, 0, o.length, syn)
    return to
  }

  test("a peer's unaligned SYN options", () => {
    const r = parseTcp(PEER_SYN_UNALIGNED, 0, PEER_SYN_UNALIGNED.length, PEER, STACK)
    assert.deepEqual(r, {
      srcPort: 40000,
      dstPort: 80,
      seq: 0,
      ack: 0,
      flags: TH.SYN,
      window: 65535,
      urgent: 0,
      mss: 1000,
      wscale: 6,
      sackPermitted: true,
      timestamp: { val: 100, ecr: 0 },
      sacks: [],
      signature: false,
      payloadLength: 0,
    })
  })

  test('window scale above 14 counts as 14 (RFC 7323 §2.3)', () => {
    assert.equal(parse('030315', true).wscale, 14)
    assert.equal(parse('0303ff', true).wscale, 14)
    assert.equal(parse('03030e', true).wscale, 14)
    assert.equal(parse('030300', true).wscale, 0)
  })

  test('MSS, window scale and SACK-permitted count only on a SYN; SACK blocks only without one', () => {
    const syn = '020405b4 030306 0402 0101 050a 00000001 00000002'
    assert.equal(parse(syn, true).flags, TOF.MSS | TOF.SCALE | TOF.SACKPERM)
    const notSyn = parse(syn, false)
    assert.equal(notSyn.flags, TOF.SACK)
    assert.equal(notSyn.nsacks, 1)
    assert.deepEqual([notSyn.sacks[0], notSyn.sacks[1]], [1, 2])
    // Timestamps and TCP-MD5 on any segment.
    const ts = '080a 00000001 00000002 1312' + '00'.repeat(16)
    assert.equal(parse(ts, true).flags, TOF.TS | TOF.SIGNATURE)
    assert.equal(parse(ts, false).flags, TOF.TS | TOF.SIGNATURE)
    assert.equal(parse(ts, false).sigOffset, 12)
  })

  test('EOL ends the list; NOPs are skipped one byte at a time', () => {
    assert.equal(parse('00 020405b4', true).flags, 0)
    assert.equal(parse('020405b4 00 0402', true).flags, TOF.MSS)
    assert.equal(parse('01 01 01 0402', true).flags, TOF.SACKPERM)
  })

  test('a length below 2 or past the end stops parsing', () => {
    assert.equal(parse('0402 0500 020405b4', true).flags, TOF.SACKPERM) // length 0
    assert.equal(parse('0402 2201 020405b4', true).flags, TOF.SACKPERM) // length 1
    assert.equal(parse('0402 1e09 0000 0000', true).flags, TOF.SACKPERM) // unknown kind, 9 > 6 left
    assert.equal(parse('0402 02', true).flags, TOF.SACKPERM) // a kind without a length byte
    assert.equal(parse('080a 00000001 000000', false).flags, 0) // timestamps cut short
  })

  test('a wrong length for a known kind skips that option only', () => {
    assert.equal(parse('0205 05b400 0402', true).flags, TOF.SACKPERM) // MSS of 5 bytes
    assert.equal(parse('0304 0600 020405b4', true).flags, TOF.MSS) // window scale of 4
    assert.equal(parse('0403 00 080a 00000001 00000002', true).flags, TOF.TS) // sackOK of 3
    assert.equal(parse('0809 00000001 000000 0402', true).flags, TOF.SACKPERM) // TS of 9
    assert.equal(parse('1310' + '00'.repeat(14) + '0402', true).flags, TOF.SACKPERM) // MD5 of 16
  })

  test('SACK: truncated and odd-sized blocks are skipped; the length must be 2 + 8n', () => {
    assert.equal(parse('0502 080a 00000001 00000002', false).flags, TOF.TS) // no blocks
    assert.equal(parse('0506 00000001 080a 00000001 00000002', false).flags, TOF.TS) // half a block
    assert.equal(parse('050e 00000001 00000002 00000003 080a 00000001 00000002', false).flags, TOF.TS)
    // A block cut off by the end of the options: the length runs past the end, so parsing stops.
    assert.equal(parse('080a 00000001 00000002 0101 0512 00000001 00000002 00000003', false).flags, TOF.TS)
    const four = parse(
      '0101 0522 ' + '0000000a 00000014 0000001e 00000028 00000032 0000003c 00000046 00000050',
      false,
    )
    assert.equal(four.nsacks, 4)
    assert.deepEqual(Array.from(four.sacks), [10, 20, 30, 40, 50, 60, 70, 80])
  })

  test('unknown kinds are skipped by their length; a later copy overrides an earlier one', () => {
    const to = parse('1e04 abcd 0204 0218 fd06 01020304 0204 05b4', true) // kind 30, MSS 536, kind 253, MSS 1460
    assert.equal(to.flags, TOF.MSS)
    assert.equal(to.mss, 1460)
  })

  test('TFO cookies (RFC 7413) on a SYN only: offset and length, empty allowed', () => {
    const to = parse('0402 220a 0102030405060708', true)
    assert.equal(to.flags, TOF.SACKPERM | TOF.FASTOPEN)
    assert.deepEqual([to.tfoOffset, to.tfoLen], [4, 8])
    const empty = parse('2202 0000', true)
    assert.deepEqual([empty.flags, empty.tfoOffset, empty.tfoLen], [TOF.FASTOPEN, 2, 0])
    assert.equal(parse('220a 0102030405060708', false).flags, 0)
  })

  test('no options: nothing set, stale state cleared', () => {
    const to = parse('', true)
    assert.deepEqual([to.flags, to.nsacks, to.sigOffset, to.tfoOffset], [0, 0, -1, -1])
  })

  test('setSack ignores blocks past four', () => {
    const to = new TcpOptions()
    to.setSack(4, 1, 2)
    to.setSack(-1, 1, 2)
    assert.deepEqual([to.flags, to.nsacks], [0, 0])
    to.setSack(1, 5, 6)
    assert.deepEqual([to.flags, to.nsacks], [TOF.SACK, 2])
  })
})

describe('tcp: modifying in place', () => {
  test('setters, and flags keep the data offset', () => {
    const b = LINUX_DATA.slice()
    const v = viewOf(b)
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
    assert.equal(viewOf(b).flags, 0xf10)
    assert.equal(viewOf(b).headerLength, 32)
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

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { hex, TCP_NO_OPTIONS, tcpOptionsOf, toHex } from '../testkit.js'
import {
  emitTcp,
  parseTcp,
  TCP_MAX_SACK,
  TCP_MAXOLEN,
  TcpOptions,
  TcpOptLen,
  type TcpRepr,
  TH,
  TOF,
  tcpDoOptions,
  tcpFinish,
  writeTcpHeader,
  writeTcpOptions,
} from './tcp.js'

const STACK = 0xc0a80001 // 192.168.0.1: the stack under test in FreeBSD's packetdrill scripts
const PEER = 0xc0000201 // 192.0.2.1: the scripts' peer

// FreeBSD's layouts, written from the `>` lines of FreeBSD's TCP test suite (../shared/tcp-testsuite)
// with ports and ISNs chosen here; the stack is 192.168.0.1 and the peer 192.0.2.1 as in packetdrill.
// Of its 867 SYN and SYN-ACK lines the stack must send, 16 say `<...>`, 7 give no list, and the rest:
//   439 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>  (defaults; wscale 1 and 14 with other buffers)
//     6 <mss 1460,nop,wscale 6,nop,nop,TS val 100 ecr 0> (net.inet.tcp.sack.enable=0)
//   381 <mss 1460,sackOK,eol,eol>                        (answering a peer that offered only MSS and SACK)
//    14 <mss 1460>                                       (answering a peer without options)
//     2 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0,nop,nop,md5 valid>
//     2 <mss 1460,sackOK,md5 valid>
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

describe("tcp: FreeBSD's option layouts (tcp_addoptions)", () => {
  /** Writes r's header, copies the fixture's payload (none here) and finishes the checksum. */
  function build(r: TcpRepr, src: number, dst: number): Uint8Array {
    const out = new Uint8Array(64)
    const hl = emitTcp(r, out, 2)
    tcpFinish(out, 2, hl + r.payloadLength, src, dst)
    return out.slice(2, 2 + hl + r.payloadLength)
  }
  const base = { ...TCP_NO_OPTIONS, urgent: 0, payloadLength: 0 }

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
    const parsed = tcpOptionsOf(FBSD_MD5_SYN)
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
    // <mss 1460,sackOK,md5 valid>: the digest already starts at 4n + 2, so no NOPs and no padding.
    assert.equal(
      layout(TOF.MSS | TOF.SACKPERM | TOF.SIGNATURE),
      '020405b4' + '0402' + '1312' + '00'.repeat(16),
    )
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

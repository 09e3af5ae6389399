/**
 * Segments between script and stack, byte by byte: an injected segment carries the script's options
 * in the script's order (EOL padding as written), sequence numbers offset by the peer's ISN, acks and
 * SACK blocks by the stack's, a TS ecr translated into the stack's clock, ECN bits and TOS in the IP
 * header, and valid checksums. A sent segment is read back with relative numbers; its SACK blocks
 * are relative to the peer's ISN. Symbols have FreeBSD's values.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { readU16, readU32 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import { IpProto, ipv4PseudoHeaderSum } from '../../../wire/inet/ipv4.js'
import { tcpSignatureOk } from '../../../wire/inet/tcp_md5.js'
import type { TcpPacket } from './ast.js'
import { buildInbound, decode, matchOutbound, newConn, REMOTE_ISN, scriptView } from './packet.js'
import { parseScript } from './parser.js'
import { evalExpr, ScriptError } from './syscall.js'

const LOCAL = 0xc0a80001
const REMOTE = 0xc0000201

function pkt(line: string): TcpPacket {
  const a = parseScript(`0 ${line}\n`).events[0]!.action
  assert.equal(a.kind, 'tcp')
  return a as TcpPacket
}

describe('injected segments', () => {
  test('options in script order, seq from the peer ISN, ack from the stack ISN, checksums valid', () => {
    const c = newConn(LOCAL, REMOTE)
    c.localPort = 8080
    c.localIsn = 0x10000000
    const b = buildInbound(pkt('< S. 0:0(0) ack 1 win 32767 <mss 1460,sackOK,eol,eol>'), c, 9)
    assert.ok(b instanceof Uint8Array)
    assert.equal(b.length, 20 + 28)
    assert.equal(checksum(b, 0, 20), 0, 'IP header checksum')
    assert.equal(readU32(b, 12), REMOTE)
    assert.equal(readU32(b, 16), LOCAL)
    assert.equal(b[9], IpProto.TCP)
    assert.equal(readU16(b, 22), 8080)
    assert.equal(readU32(b, 24), REMOTE_ISN)
    assert.equal(readU32(b, 28), 0x10000001)
    assert.equal(b[32]! >> 4, 7, 'data offset: 28 bytes')
    assert.equal(b[33], 0x12)
    assert.equal(readU16(b, 34), 32767)
    assert.deepEqual([...b.subarray(40, 48)], [2, 4, 5, 180, 4, 2, 0, 0])
    assert.equal(checksum(b, 20, 28, ipv4PseudoHeaderSum(REMOTE, LOCAL, IpProto.TCP, 28)), 0, 'TCP checksum')
  })

  test('ECN marks and TOS, TS ecr in the stack clock, SACK blocks in the stack sequence space, payload', () => {
    const c = newConn(LOCAL, REMOTE)
    c.localIsn = 1000
    c.tsOffset = 5000
    const b = buildInbound(
      pkt('< [ect0] (tos 0x20) . 1:11(10) ack 1 win 100 <nop,nop,TS val 7 ecr 100,nop,nop,sack 5:9>'),
      c,
      1,
    )
    assert.ok(b instanceof Uint8Array)
    assert.equal(b[1], 0x22)
    assert.deepEqual([...b.subarray(40, 52)], [1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0x13, 0xec])
    assert.equal(readU32(b, 56), 1005)
    assert.equal(readU32(b, 60), 1009)
    assert.equal(b.length, 20 + 20 + 24 + 10)
  })

  test('md5 valid is signed under the script key, /udp wraps the segment in the tunnel', () => {
    const c = newConn(LOCAL, REMOTE)
    c.md5Key = new TextEncoder().encode('k')
    const signed = buildInbound(pkt('< . 1:1(0) ack 1 win 1 <nop,nop,md5 valid>'), c, 1)
    assert.ok(signed instanceof Uint8Array)
    assert.equal(tcpSignatureOk(c.md5Key, REMOTE, LOCAL, signed, 20, signed.length - 20, 44), true)
    const forged = buildInbound(pkt('< . 1:1(0) ack 1 win 1 <nop,nop,md5 invalid>'), c, 1)
    assert.ok(forged instanceof Uint8Array)
    assert.equal(tcpSignatureOk(c.md5Key, REMOTE, LOCAL, forged, 20, forged.length - 20, 44), false)
    const tun = buildInbound(pkt('< . 1:1(0) ack 1 win 1/udp(4000 > 9811)'), c, 1)
    assert.ok(tun instanceof Uint8Array)
    assert.equal(tun[9], IpProto.UDP)
    assert.deepEqual([readU16(tun, 20), readU16(tun, 22), readU16(tun, 24)], [4000, 9811, 28])
    // The UDP checksum covers the segment; the segment's own is zero.
    assert.equal(checksum(tun, 20, 28, ipv4PseudoHeaderSum(REMOTE, LOCAL, IpProto.UDP, 28)), 0)
    assert.equal(readU16(tun, 28 + 16), 0)
    const seen = decode(tun)
    assert.ok(typeof seen !== 'string')
    assert.deepEqual(seen.udp, { srcPort: 4000, dstPort: 9811 })
    assert.equal(seen.csumOk, true)
  })

  test('what cannot be injected is said', () => {
    const c = newConn(LOCAL, REMOTE)
    assert.equal(
      buildInbound(pkt('< . 1:1(0) ack 1 win 1 <...>'), c, 1),
      "'<...>' options in an injected packet",
    )
  })
})

describe('segments the stack sends', () => {
  /** The stack's segment: an injected one with the roles swapped is one with valid checksums. */
  function fromStack(line: string, isn: number): Uint8Array {
    const c = newConn(REMOTE, LOCAL)
    c.remotePort = 48197
    c.localPort = 8080
    c.localIsn = REMOTE_ISN
    const b = buildInbound(pkt(line), c, 1)
    assert.ok(b instanceof Uint8Array)
    // Rebase its sequence number on the stack's ISN.
    const v = new DataView(b.buffer)
    v.setUint32(24, (readU32(b, 24) - REMOTE_ISN + isn) >>> 0)
    v.setUint16(36, 0)
    v.setUint16(
      36,
      checksum(b, 20, b.length - 20, ipv4PseudoHeaderSum(LOCAL, REMOTE, IpProto.TCP, b.length - 20)),
    )
    return b
  }

  test('the ISN and port are learnt from the SYN; later segments read relative to it', () => {
    const c = newConn(LOCAL, REMOTE)
    c.remotePort = 8080
    const syn = fromStack('< S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>', 777)
    assert.equal(
      matchOutbound(pkt('> S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>'), syn, c),
      null,
    )
    assert.equal(c.localIsn, 777)
    assert.equal(c.localPort, 48197)
    const seen = decode(fromStack('< . 1:1(0) win 1000', 777))
    assert.ok(typeof seen !== 'string')
    assert.equal(scriptView(seen, c).seq, 1)
    assert.equal(
      matchOutbound(pkt('> . 2:2(0) win 1000'), fromStack('< . 1:1(0) win 1000', 777), c),
      'sequence number 1',
    )
  })

  test('a bad TCP checksum is refused', () => {
    const c = newConn(LOCAL, REMOTE)
    c.remotePort = 8080
    const syn = fromStack('< S 0:0(0) win 65535', 1)
    syn[36] = syn[36]! ^ 0xff
    assert.equal(matchOutbound(pkt('> S 0:0(0) win 65535'), syn, c), 'a bad TCP checksum')
  })
})

describe('symbols', () => {
  test("FreeBSD's values; EWOULDBLOCK is EAGAIN; an unknown name is the script's error", () => {
    const v = (src: string) => {
      const a = parseScript(`0 f(${src}) = 0\n`).events[0]!.action
      assert.ok(a.kind === 'syscall')
      return evalExpr(a.args[0]!)
    }
    assert.deepEqual(v('IPTOS_DSCP_CS7'), { t: 'int', v: 0xe0 })
    assert.deepEqual(v('O_RDWR | O_NONBLOCK'), { t: 'int', v: 6 })
    assert.deepEqual(v('EWOULDBLOCK'), { t: 'int', v: 35 })
    assert.deepEqual(v('TCP_KEEPINTVL'), { t: 'int', v: 512 })
    assert.deepEqual(v('SOL_SOCKET'), { t: 'int', v: 0xffff })
    assert.throws(
      () => v('NO_SUCH_THING'),
      (e: unknown) => e instanceof ScriptError && e.message === 'unknown symbol NO_SUCH_THING',
    )
  })
})

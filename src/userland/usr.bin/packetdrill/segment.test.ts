import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TcpFlag, type TcpPacket } from './ast.js'
import { PktSyntaxError, parseScript } from './parser.js'

const { FIN, SYN, RST, PSH, ACK, URG, ECE, CWR } = TcpFlag

function packet(line: string): TcpPacket {
  const s = parseScript(`+0 ${line}`, { file: 't.pkt' })
  assert.equal(s.events.length, 1)
  const a = s.events[0]!.action
  assert.equal(a.kind, 'tcp')
  return a as TcpPacket
}

function packetError(src: string): string {
  try {
    parseScript(src, { file: 't.pkt' })
  } catch (e) {
    assert.ok(e instanceof PktSyntaxError, `not a PktSyntaxError: ${e}`)
    return e.message
  }
  assert.fail(`no error for ${JSON.stringify(src)}`)
}

test('an outbound SYN decoded into plain fields', () => {
  assert.deepEqual(packet('> S  0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>'), {
    kind: 'tcp',
    direction: 'outbound',
    ecn: null,
    ip: {},
    flags: SYN,
    seq: 0,
    end: 0,
    len: 0,
    seqAbsolute: false,
    ack: null,
    win: 65535,
    urg: null,
    options: [
      { kind: 'mss', mss: 1460 },
      { kind: 'nop' },
      { kind: 'wscale', shift: 6 },
      { kind: 'sackOK' },
      { kind: 'timestamp', val: 100, ecr: 0 },
    ],
    udp: null,
  })
})

test('flag letters map to the header bits; "." is ACK', () => {
  const flags = (f: string) => packet(`< ${f} 1:1(0) win 1`).flags
  assert.equal(flags('S'), SYN)
  assert.equal(flags('S.'), SYN | ACK)
  assert.equal(flags('.'), ACK)
  assert.equal(flags('F.'), FIN | ACK)
  assert.equal(flags('R'), RST)
  assert.equal(flags('R.'), RST | ACK)
  assert.equal(flags('P.'), PSH | ACK)
  assert.equal(flags('FPU'), FIN | PSH | URG)
  assert.equal(flags('SF'), SYN | FIN)
  assert.equal(flags('SEW'), SYN | ECE | CWR)
  assert.equal(flags('SE.'), SYN | ECE | ACK)
})

test('an inbound data segment: seq:end(len), ack, win, urg in any order', () => {
  const p = packet('<  P. 1001:2001(1000) win 257 ack 1 urg 3')
  assert.equal(p.direction, 'inbound')
  assert.deepEqual([p.seq, p.end, p.len, p.ack, p.win, p.urg], [1001, 2001, 1000, 1, 257, 3])
  assert.deepEqual(p.options, [])
})

test('sequence numbers wrap: the length is end - seq modulo 2^32', () => {
  const p = packet('< . 4294967196:100(200) ack 1 win 10')
  assert.deepEqual([p.seq, p.end, p.len], [4294967196, 100, 200])
})

test('"...(0)": any sequence number; "!": an absolute one', () => {
  const any = packet('> S.     ...(0)     ack 65537 win 65535 <mss 1460,sackOK,eol,eol>')
  assert.deepEqual([any.seq, any.end, any.len, any.ack], [null, null, 0, 65537])
  const abs = packet('> R.    0:0(0)!      ack    2 win     0')
  assert.equal(abs.seqAbsolute, true)
  assert.equal(abs.flags, RST | ACK)
})

test('options: sack blocks, eol, md5, spaces after commas, <...> and <>', () => {
  assert.deepEqual(packet('> . 1:1(0) ack 1 win 1 <nop,nop,sack 1:2 3:4 5:6>').options, [
    { kind: 'nop' },
    { kind: 'nop' },
    {
      kind: 'sack',
      blocks: [
        { start: 1, end: 2 },
        { start: 3, end: 4 },
        { start: 5, end: 6 },
      ],
    },
  ])
  assert.deepEqual(packet('< . 1:1(0) ack 1 win 1 <sack 4321:5761, nop, nop>').options, [
    { kind: 'sack', blocks: [{ start: 4321, end: 5761 }] },
    { kind: 'nop' },
    { kind: 'nop' },
  ])
  assert.deepEqual(packet('< S 0:0(0) win 1 <mss 1460,sackOK,eol,eol>').options.at(-1), { kind: 'eol' })
  assert.deepEqual(packet('> . 1:1(0) ack 1 win 1 <nop,nop, md5 valid>').options.at(-1), {
    kind: 'md5',
    valid: true,
  })
  assert.deepEqual(packet('< . 1:1(0) ack 1 win 1 <md5 invalid>').options, [{ kind: 'md5', valid: false }])
  assert.deepEqual(packet('< . 1:1(0) ack 1 win 1 <md5>').options, [{ kind: 'md5', valid: null }])
  assert.equal(packet('> S 0:0(0) win 65535 <...>').options, 'any')
  assert.deepEqual(packet('> S 0:0(0) win 65535 <>').options, [])
})

test('ECN marks, before or after the space', () => {
  assert.equal(packet('>[ect0] P. 1:11(10) ack 1').ecn, 'ect0')
  assert.equal(packet('> [ect0] P. 1:11(10) ack 1').ecn, 'ect0')
  assert.equal(packet('<[noecn] . 1:1(0) ack 1 win 65535').ecn, 'noecn')
  assert.equal(packet('< [ce] . 1:1(0) ack 1 win 1').ecn, 'ce')
  assert.equal(packet('> [ect01] . 1:1(0) ack 1').ecn, 'ect01')
  assert.equal(packet('> [ect1] . 1:1(0) ack 1').ecn, 'ect1')
  const p = packet('> [ect0] P. 1:11(10) ack 1')
  assert.equal(p.win, null, 'no win given: not checked')
})

test('IP header fields in parentheses', () => {
  assert.deepEqual(packet('> (tos 0xe0) P. 1461:2921(1460) ack 1 win 65535').ip, { tos: 0xe0 })
  assert.deepEqual(packet('< (ttl 3) S 0:0(0) win 1').ip, { ttl: 3 })
  assert.deepEqual(packet('< (class 0x28) . 1:1(0) ack 1 win 1').ip, { class: 0x28 })
  assert.deepEqual(packet('< (hlim 3, flowlabel 0x12345) . 1:1(0) ack 1 win 1').ip, {
    hlim: 3,
    flowlabel: 0x12345,
  })
  assert.deepEqual(packet('< [ce] (tos 0x1) . 1:1(0) ack 1 win 1').ip, { tos: 1 })
})

test('UDP encapsulation after the options or the window', () => {
  assert.deepEqual(packet('< F. 1:1(0) ack 1 win 32767 <nop,nop,md5 valid>/udp(1 > 9811)').udp, {
    srcPort: 1,
    dstPort: 9811,
  })
  const p = packet('> (hlim 64) R.    0:0(0)!      ack    2 win     0/udp(9811 > 1)')
  assert.deepEqual(p.udp, { srcPort: 9811, dstPort: 1 })
  assert.equal(p.win, 0)
})

test('each packet keeps its line; packets follow each other without separators', () => {
  const s = parseScript('0 < S 0:0(0) win 1\n\n+0 > S. 0:0(0) ack 1 <...>\n+.1 < . 1:1(0) ack 1 win 257', {
    file: 't',
  })
  assert.deepEqual(
    s.events.map((e) => [e.line, e.action.kind === 'tcp' && e.action.flags]),
    [
      [1, SYN],
      [3, SYN | ACK],
      [4, ACK],
    ],
  )
})

test('malformed packets: the line and what is wrong', () => {
  const cases: [string, string][] = [
    [
      '0 close(3) = 0\n+0 < X 0:0(0)',
      "t.pkt:2: syntax error: unknown TCP flag 'X' in 'X' (flags are F S R P U E W and '.' for ACK)",
    ],
    [
      '+0 < 0:0(0)',
      "t.pkt:1: syntax error: expected TCP flags (such as S, S., ., F., R) after '<' or '>', found '0'",
    ],
    ['+0 < S win 1', "t.pkt:1: syntax error: expected the sequence numbers 'seq:end(len)', found 'win'"],
    [
      '+0 < S 0:0 win 1',
      "t.pkt:1: syntax error: expected '(' before the length in 'seq:end(len)', found 'win'",
    ],
    [
      '+0 < S 0(0)',
      "t.pkt:1: syntax error: expected ':' between the sequence numbers in 'seq:end(len)', found '('",
    ],
    [
      '+0 < . 1:1001(100) ack 1',
      't.pkt:1: syntax error: inconsistent segment: 1:1001 is 1000 bytes, not 100',
    ],
    [
      '+0 < . 1:1(0) ack 4294967296',
      't.pkt:1: syntax error: ack number 4294967296 is out of range (0-4294967295)',
    ],
    ['+0 < . 1:1(0) win 65536', 't.pkt:1: syntax error: win number 65536 is out of range (0-65535)'],
    ['+0 < . 1:1(0) win 1 win 2', "t.pkt:1: syntax error: 'win' given twice"],
    ['+0 < . 1:1(0) win x', "t.pkt:1: syntax error: expected win number, found 'x'"],
    ['+0 < . 1:1(0) win 1.5', "t.pkt:1: syntax error: expected an integer win number, found '1.5'"],
    [
      '+0 < S 0:0(0) <mss 1460',
      "t.pkt:1: syntax error: expected '>' at the end of the TCP options, found end of file",
    ],
    ['+0 < S 0:0(0) <foo 1>', "t.pkt:1: syntax error: unknown TCP option 'foo'"],
    ['+0 < S 0:0(0) <mss 70000>', 't.pkt:1: syntax error: mss value 70000 is out of range (0-65535)'],
    ['+0 < S 0:0(0) <wscale 256>', 't.pkt:1: syntax error: wscale shift 256 is out of range (0-255)'],
    ['+0 < S 0:0(0) <TS 1 ecr 2>', "t.pkt:1: syntax error: expected 'val' after 'TS', found '1'"],
    ['+0 < S 0:0(0) <TS val 1>', "t.pkt:1: syntax error: expected 'ecr' after the TS val, found '>'"],
    ['+0 < S 0:0(0) <sack>', "t.pkt:1: syntax error: expected SACK block start, found '>'"],
    ['+0 < S 0:0(0) <sack 1>', "t.pkt:1: syntax error: expected ':' in a SACK block start:end, found '>'"],
    ['+0 < [ect2] S 0:0(0)', "t.pkt:1: syntax error: unknown ECN mark 'ect2' (noecn, ect0, ect1, ect01, ce)"],
    ['+0 < [ce S 0:0(0)', "t.pkt:1: syntax error: expected ']' after the ECN mark, found 'S'"],
    ['+0 < (tos 256) S 0:0(0)', 't.pkt:1: syntax error: tos 256 is out of range (0-255)'],
    [
      '+0 < (mtu 1) S 0:0(0)',
      "t.pkt:1: syntax error: unknown IP header field 'mtu' (tos, ttl, class, hlim, flowlabel)",
    ],
    ['+0 < (ttl 1, ttl 2) S 0:0(0)', "t.pkt:1: syntax error: IP header field 'ttl' given twice"],
    [
      '+0 < S 0:0(0)/tcp(1 > 2)',
      "t.pkt:1: syntax error: expected 'udp' after '/' (only '/udp(src > dst)' encapsulation exists), found 'tcp'",
    ],
    [
      '+0 < S 0:0(0)/udp(1 < 2)',
      "t.pkt:1: syntax error: expected '>' between the UDP ports in '/udp(src > dst)', found '<'",
    ],
    [
      '+0 < S 0:0(0)/udp(1 > 65536)',
      't.pkt:1: syntax error: UDP destination port 65536 is out of range (0-65535)',
    ],
    [
      '+0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]',
      't.pkt:1: syntax error: icmp packets are not supported (only TCP segments)',
    ],
    ['+0 < udp(100)', 't.pkt:1: syntax error: udp packets are not supported (only TCP segments)'],
  ]
  for (const [src, msg] of cases) assert.equal(packetError(src), msg, JSON.stringify(src))
})

/**
 * ipfw's compiler and printer on their own: rules compile and print back in FreeBSD's canonical
 * form (the same text again for canonical input, FreeBSD's normalisations otherwise), and bad
 * rules fail with ipfw2.c's messages and sysexits statuses.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { IpfwAction, IpfwOp } from '../../../host/syscalls.js'
import { CompileError, compileRule } from './compile.js'
import { ctime, showRule } from './show.js'

const OPTS = { counters: false, time: false, names: false, sets: false, pcWidth: 1, bcWidth: 1 }

function roundTrip(text: string): string {
  const spec = compileRule(text.split(' '))
  return showRule({ ...spec, pcnt: 0, bcnt: 0, timestamp: 0 }, OPTS)
}

test('ipfw compile: canonical rules print back unchanged', () => {
  for (const r of [
    '00100 allow ip from any to any',
    '00100 deny icmp from any to any',
    '00200 allow tcp from 10.0.0.0/8 to me 22,80,1000-2000 setup keep-state :default',
    '00300 deny { tcp or udp } from not 10.1.2.3 to any in via epair0a',
    '00400 count ip from 192.0.2.1,198.51.100.0/24 to any out xmit lo0',
    '00500 skipto 1000 udp from any 53 to any recv em*',
    '00600 reject tcp from any to any established',
    '00700 unreach port udp from any to 10.0.0.1 7777',
    '00800 reset tcp from any to any tcpflags syn,!ack,!rst',
    '00900 allow icmp from any to any icmptypes 0,3,8,11',
    '01000 deny ip from any to any frag',
    '01100 deny ip from any to any iplen 0-27 ipttl 1',
    '01200 allow ip from any to any iptos lowdelay,!throughput',
    '01300 call 5000 ip from me to any',
    '01400 return ip from any to any',
    '01500 check-state :default',
    '01600 prob 0.500000 deny udp from any to any',
    '01700 deny log ip from any to any',
    '01800 deny log logamount 10 ip from any to any',
    '01900 allow ip from { 10.0.0.1 or 10.0.0.2 } to any',
    '02000 allow ip from any to any { via epair0a or via epair1a }',
    '02100 deny ip from 10.0.0.0:255.0.255.0 to any',
    '02200 allow ospf from any to any',
    '02300 allow ip from any to any out',
    '02400 deny tcp from any to any not 80',
    '02500 nat 1 ip from any to any',
    '02600 pipe 2 ip from any to any',
    '02700 queue 3 ip from any to any',
    '02800 fwd 10.0.0.1,3128 tcp from any to any 80',
    '02900 unreach net ip from any to any',
    '03000 allow ip from any to any keep-state :default',
    '03100 deny ip from table(1) to table(blocked,7)',
    '03200 allow ip from { table(a) or 10.0.0.1 } to any',
    '03300 count ip from any to any lookup dst-ip 5 src-ip table(x)',
    '03400 allow tcp from any to any setup limit src-addr 10 :default',
    '03500 allow udp from any to any limit src-addr,dst-port 2 :default',
    '03600 allow ip from any to any limit all 1 :default',
    '03700 setfib 0 ip from any to any',
    '03800 divert 8668 ip from any to any in via eth0',
    '03900 tee 8000 ip from any to any',
  ]) {
    assert.equal(roundTrip(r.slice(6)).replace(/^00000/, ''), r.slice(5), r)
  }
})

test('ipfw compile: FreeBSD normalisations (aliases, masks, `out`, words)', () => {
  const cases: Array<[string, string]> = [
    ['100 accept all from any to any', '00100 allow ip from any to any'],
    ['100 pass ip from any to any', '00100 allow ip from any to any'],
    ['100 permit ip from any to any', '00100 allow ip from any to any'],
    ['100 drop ip from any to any', '00100 deny ip from any to any'],
    ['100 deny ip from 10.1.2.3/8 to 0.0.0.0/0', '00100 deny ip from 10.0.0.0/8 to any'],
    ['100 deny ip from 10.0.0.1/32 to any', '00100 deny ip from 10.0.0.1 to any'],
    ['100 allow tcp from any to any estab', '00100 allow tcp from any to any established'],
    ['100 allow tcp from any to any tcpflags syn,!ack', '00100 allow tcp from any to any setup'],
    ['100 allow tcp from any to any http,https', '00100 allow tcp from any to any 80,443'],
    ['100 allow 6 from any to any', '00100 allow tcp from any to any'],
    ['100 allow 89 from any to any', '00100 allow ospf from any to any'],
    ['100 allow 254 from any to any', '00100 allow 254 from any to any'],
    ['100 allow ip from any to any out', '00100 allow ip from any to any out'],
    ['100 allow ip from any to any not out', '00100 allow ip from any to any in'],
    ['100 allow via lo0', '00100 allow via lo0'],
    ['100 allow {tcp or udp} from any to any', '00100 allow { tcp or udp } from any to any'],
    ['100 deny ip from any to any fragment', '00100 deny ip from any to any frag'],
    ['100 allow ip from any to any dst-port 80', '00100 allow ip from any to any dst-port 80'],
    ['100 unreach 3 udp from any to any', '00100 unreach port udp from any to any'],
    ['100 unreach host udp from any to any', '00100 reject udp from any to any'],
    ['100 forward 10.0.0.1 ip from any to any', '00100 fwd 10.0.0.1 ip from any to any'],
    ['1 set 1 check-state ip from any to any', '00001 check-state :default'],
  ]
  for (const [input, want] of cases) assert.equal(roundTrip(input), want, input)
  // -N names ports.
  const spec = compileRule('1 allow tcp from any to any 80,443,8080'.split(' '))
  assert.equal(
    showRule({ ...spec, pcnt: 0, bcnt: 0, timestamp: 0 }, { ...OPTS, names: true }),
    '00001 allow tcp from any to any http,https,8080',
  )
})

test('ipfw compile: the instructions the kernel gets', () => {
  const s = compileRule('100 set 3 allow tcp from not 10.0.0.0/8 to me 80 in via em0 keep-state'.split(' '))
  assert.equal(s.num, 100)
  assert.equal(s.set, 3)
  assert.equal(s.action, IpfwAction.ALLOW)
  assert.deepEqual(
    s.insns.map((i) => [i.op, i.not, i.or]),
    [
      [IpfwOp.PROTO, false, false],
      [IpfwOp.IP_SRC, true, false],
      [IpfwOp.IP_DST_ME, false, false],
      [IpfwOp.IP_DSTPORT, false, false],
      [IpfwOp.IN, false, false],
      [IpfwOp.VIA, false, false],
      [IpfwOp.KEEP_STATE, false, false],
    ],
  )
  assert.deepEqual(s.insns[1]!.list, [0x0a000000, 0xff000000])
})

test('ipfw compile: bad rules fail with ipfw2.c messages and statuses', () => {
  const cases: Array<[string, string, number]> = [
    ['', 'missing action', 64],
    ['100', 'missing action', 64],
    ['100 frobnicate ip from any to any', 'invalid action frobnicate', 65],
    ['100 allow ip to any', "missing ``from''", 64],
    ['100 allow ip from any', "missing ``to''", 64],
    ['100 allow ip from any to', 'missing dst address', 64],
    ['100 allow ip from nowhere to any', 'bad source address nowhere', 64],
    ['100 allow ip from 10.0.0.0/33 to any', "bad width ``33''", 65],
    ['100 allow ip from any to any wibble', 'unrecognised option [-1] wibble', 65],
    [
      '100 allow ip from any to any 80',
      'only TCP, UDP and SCTP protocols are valid with port specifications',
      65,
    ],
    ['100 unreach bogus ip from any to any', "unknown ICMP unreachable code ``bogus''", 65],
    ['100 skipto ip from any to any', 'illegal argument for skipto', 65],
    ['100 skipto', 'missing argument for skipto', 64],
    ['65535 allow ip from any to any', 'illegal rule number 65535', 65],
    ['100 set 31 allow ip from any to any', 'illegal set 31', 65],
    ['100 prob 2 allow ip from any to any', 'illegal match prob. 2', 65],
    ['100 allow icmp from any to any icmptypes 40', 'ICMP type out of range', 65],
    ['100 allow tcp from any to any tcpflags syn,bogus', 'invalid "tcp flag" type ``bogus\'\'', 65],
    ['100 allow ip from any to any or in', 'invalid "or" block', 64],
    ['100 allow ip from any to any not not in', 'double "not" not allowed', 64],
    ['100 allow ip from any to any limit 2', 'limit: missing limit mask', 64],
    ['100 allow ip from any to any limit src-addr x', 'limit: argument is not a number', 65],
    [
      '100 allow ip from any to any limit src-addr 70000',
      'limit: argument is out of range (1..65534): 70000',
      65,
    ],
    ['100 allow ip from any to any { in or limit src-addr 2 }', 'limit cannot be part of an or block', 64],
    [
      '100 allow ip from any to any keep-state limit src-addr 2',
      'only one of keep-state, record-state, limit and set-limit is allowed',
      65,
    ],
    ['100 deny ip from table(bad/name) to any', 'Invalid table name: bad/name', 65],
    ['100 deny ip from table(1 to any', "forgotten parenthesis: 'table(1'", 65],
    ['100 deny ip from any to any lookup uid 1', 'lookup uid is not supported yet', 65],
    ['100 deny ip from any to any lookup bogus 1', 'format: cannot lookup on bogus', 64],
  ]
  for (const [input, msg, status] of cases) {
    assert.throws(
      () => compileRule(input === '' ? [] : input.split(' ')),
      (e: unknown) => e instanceof CompileError && e.message === msg && e.status === status,
      input,
    )
  }
})

test('ipfw -t: ctime(3) in UTC without the wall clock', () => {
  assert.equal(ctime(0), 'Thu Jan  1 00:00:00 1970')
  assert.equal(ctime(1796514755), 'Sat Dec  5 23:52:35 2026')
  assert.equal(ctime(951782400), 'Tue Feb 29 00:00:00 2000')
})

/**
 * ipfw_chk on its own: a chain of hand-built rules and packets described by their header fields,
 * so every match, every action and the dynamic states are checked without a network around them:
 * addresses, `me`, ports and ranges, directions and interfaces, TCP flags, ICMP types, fragments,
 * length/TTL/TOS, `not` and or-blocks, skipto/call/return/count, disabled sets, keep-state with
 * FreeBSD's lifetimes in both directions, and the dyn_max bound.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { virtualHost } from '../../../testing/net_lab.js'
import { ifAddAddr } from '../../net/ifnet.js'
import { PFIL_IN, PFIL_OUT } from '../../net/pfil.js'
import { IpfwChain, type KRule } from './ip_fw_chain.js'
import { PktFacts } from './ip_fw_facts.js'
import { A, type IpfwInsn, type IpfwRuleSpec, insn, O } from './ip_fw_rule.js'
import { ipfwChk } from './ip_fw2.js'

const PASS = 0
const DENY = 1
const REJECT = 2
const RESET = 3
const S = 1e9

function rule(
  num: number,
  action: number,
  insns: IpfwInsn[],
  more: Partial<IpfwRuleSpec> = {},
): IpfwRuleSpec {
  return {
    num,
    set: 0,
    prob: 1,
    log: false,
    logAmount: 0,
    insns,
    action: action as IpfwRuleSpec['action'],
    actionArg: 0,
    fwdAddr: 0,
    fwdPort: 0,
    ...more,
  }
}

function setup(defaultToAccept = false) {
  const host = virtualHost()
  const v = host.vnet0
  // 192.0.2.1 is "me" (on lo0, which is enough for isLocal).
  ifAddAddr(v.ifByName('lo0')!, 0xc0000201, 32)
  return { v, ch: new IpfwChain(v, { defaultToAccept }) }
}

interface P {
  src?: number
  dst?: number
  proto?: number
  sport?: number
  dport?: number
  flags?: number
  icmp?: number
  len?: number
  ttl?: number
  tos?: number
  offset?: number
  dir?: number
  ifname?: string
}

function pkt(o: P): PktFacts {
  const p = new PktFacts()
  p.src = o.src ?? 0x0a000001
  p.dst = o.dst ?? 0x0a000002
  p.proto = o.proto ?? 17
  p.sport = o.sport ?? 1234
  p.dport = o.dport ?? 53
  p.tcpFlags = o.flags ?? 0
  p.icmpType = o.icmp ?? 0
  p.iplen = o.len ?? 100
  p.ttl = o.ttl ?? 64
  p.tos = o.tos ?? 0
  p.offset = o.offset ?? 0
  p.l4 = p.offset === 0
  p.hlen = 20
  p.dir = o.dir ?? PFIL_IN
  p.ifname = o.ifname ?? 'em0'
  return p
}

const addr = (a: number, m = 0xffffffff) => ({ list: [a, m] })

test('ipfw_chk: default rule is deny, or allow with default_to_accept', () => {
  const d = setup(false)
  assert.equal(ipfwChk(d.v, d.ch, pkt({}), 0), DENY)
  const a = setup(true)
  assert.equal(ipfwChk(a.v, a.ch, pkt({}), 0), PASS)
  assert.equal(a.ch.rules[0]!.pcnt, 1)
  assert.equal(a.ch.rules[0]!.bcnt, 100)
})

test('ipfw_chk: every match opcode, with not', () => {
  const cases: Array<[IpfwInsn, P, boolean]> = [
    [insn(O.PROTO, { arg: 6 }), { proto: 6 }, true],
    [insn(O.PROTO, { arg: 6 }), { proto: 17 }, false],
    [insn(O.IP_SRC, addr(0x0a000000, 0xff000000)), { src: 0x0a090807 }, true],
    [insn(O.IP_SRC, addr(0x0a000000, 0xff000000)), { src: 0x0b000001 }, false],
    [insn(O.IP_SRC, { list: [0x01010101, 0xffffffff, 0x0a000001, 0xffffffff] }), {}, true],
    [insn(O.IP_DST, addr(0xc0000201)), { dst: 0xc0000201 }, true],
    [insn(O.IP_DST_ME), { dst: 0xc0000201 }, true],
    [insn(O.IP_DST_ME), { dst: 0xc0000202 }, false],
    [insn(O.IP_SRC_ME), {}, false],
    [insn(O.IP_DSTPORT, { list: [50, 60] }), { dport: 53 }, true],
    [insn(O.IP_DSTPORT, { list: [50, 60] }), { dport: 61 }, false],
    [insn(O.IP_DSTPORT, { list: [53, 53] }), { dport: 53, proto: 1 }, false],
    [insn(O.IP_DSTPORT, { list: [53, 53] }), { dport: 53, offset: 10 }, false],
    [insn(O.IP_SRCPORT, { list: [1, 1, 1234, 1234] }), {}, true],
    [insn(O.IN), { dir: PFIL_IN }, true],
    [insn(O.IN), { dir: PFIL_OUT }, false],
    [insn(O.IN, { not: true }), { dir: PFIL_OUT }, true],
    [insn(O.RECV, { name: 'em0' }), { dir: PFIL_IN }, true],
    [insn(O.RECV, { name: 'em0' }), { dir: PFIL_OUT }, false],
    [insn(O.XMIT, { name: 'em0' }), { dir: PFIL_OUT }, true],
    [insn(O.VIA, { name: 'em*' }), { ifname: 'em12' }, true],
    [insn(O.VIA, { name: 'em*' }), { ifname: 'e' }, false],
    [insn(O.VIA, { name: 'em*' }), { ifname: 'epair0a' }, false],
    [insn(O.VIA, { name: '*' }), { ifname: 'lo0' }, true],
    [insn(O.VIA, { name: 'em0' }), { ifname: 'em1' }, false],
    [insn(O.ESTAB), { proto: 6, flags: 0x10 }, true],
    [insn(O.ESTAB), { proto: 6, flags: 0x02 }, false],
    [insn(O.TCPFLAGS, { arg: 0x02, arg2: 0x10 }), { proto: 6, flags: 0x02 }, true],
    [insn(O.TCPFLAGS, { arg: 0x02, arg2: 0x10 }), { proto: 6, flags: 0x12 }, false],
    [insn(O.ICMPTYPE, { arg: 1 << 8 }), { proto: 1, icmp: 8 }, true],
    [insn(O.ICMPTYPE, { arg: 1 << 8 }), { proto: 1, icmp: 0 }, false],
    [insn(O.FRAG), { offset: 3 }, true],
    [insn(O.FRAG), {}, false],
    [insn(O.IPLEN, { list: [0, 99] }), { len: 100 }, false],
    [insn(O.IPLEN, { list: [0, 99, 100, 200] }), { len: 100 }, true],
    [insn(O.IPTTL, { list: [1, 1] }), { ttl: 1 }, true],
    [insn(O.IPTOS, { arg: 0x10, arg2: 0x08 }), { tos: 0x10 }, true],
    [insn(O.IPTOS, { arg: 0x10, arg2: 0x08 }), { tos: 0x18 }, false],
  ]
  for (const [i, p, want] of cases) {
    for (const not of [false, true]) {
      const { v, ch } = setup(false)
      const c = { ...i, list: [...i.list], not: i.not !== not }
      ch.add([rule(100, A.ALLOW, [c])])
      const got = ipfwChk(v, ch, pkt(p), 0) === PASS
      assert.equal(got, want !== not, `${JSON.stringify(i)} not=${not} ${JSON.stringify(p)}`)
    }
  }
})

test('ipfw_chk: or-blocks match when any member does; rules otherwise need every instruction', () => {
  const { v, ch } = setup(false)
  // allow { tcp or udp } from 10.0.0.1 to any
  ch.add([
    rule(100, A.ALLOW, [
      insn(O.PROTO, { arg: 6, or: true }),
      insn(O.PROTO, { arg: 17 }),
      insn(O.IP_SRC, addr(0x0a000001)),
    ]),
  ])
  assert.equal(ipfwChk(v, ch, pkt({ proto: 6 }), 0), PASS)
  assert.equal(ipfwChk(v, ch, pkt({ proto: 17 }), 0), PASS)
  assert.equal(ipfwChk(v, ch, pkt({ proto: 1 }), 0), DENY)
  assert.equal(ipfwChk(v, ch, pkt({ proto: 6, src: 9 }), 0), DENY)
})

test('ipfw_chk: count goes on, skipto jumps forward, call/return come back, reject and reset answer', () => {
  const { v, ch } = setup(false)
  ch.add([
    rule(100, A.COUNT, []),
    rule(200, A.SKIPTO, [insn(O.PROTO, { arg: 6 })], { actionArg: 1000 }),
    rule(300, A.CALL, [insn(O.PROTO, { arg: 17 })], { actionArg: 5000 }),
    rule(400, A.REJECT, [insn(O.PROTO, { arg: 17 })], { actionArg: 3 }),
    rule(1000, A.RESET, [insn(O.PROTO, { arg: 6 })]),
    rule(5000, A.COUNT, []),
    rule(5100, A.RETURN, []),
  ])
  assert.equal(ipfwChk(v, ch, pkt({ proto: 6 }), 0), RESET)
  assert.equal(ipfwChk(v, ch, pkt({ proto: 17 }), 0), REJECT)
  assert.equal(ch.rejectCode, 3)
  const n = (num: number) => ch.rules.find((r) => r.num === num)!.pcnt
  assert.deepEqual([n(100), n(200), n(300), n(400), n(1000), n(5000), n(5100)], [2, 1, 1, 1, 1, 1, 1])
  // An ICMP packet falls through everything: counted by 100 and the default rule.
  assert.equal(ipfwChk(v, ch, pkt({ proto: 1 }), 0), DENY)
  assert.equal(n(65535), 1)
  // skipto never goes backwards: to 50 from 200 means "the next rule".
  const b = setup(false)
  b.ch.add([rule(100, A.COUNT, []), rule(200, A.SKIPTO, [], { actionArg: 50 }), rule(300, A.ALLOW, [])])
  assert.equal(ipfwChk(b.v, b.ch, pkt({}), 0), PASS)
  assert.equal(b.ch.rules[0]!.pcnt, 1)
})

test('ipfw_chk: disabled sets are skipped; deleting and zeroing', () => {
  const { v, ch } = setup(false)
  ch.add([rule(100, A.ALLOW, [], { set: 5 })])
  assert.equal(ipfwChk(v, ch, pkt({}), 0), PASS)
  ch.setEnable(1 << 5, false)
  assert.equal(ipfwChk(v, ch, pkt({}), 0), DENY)
  ch.setEnable(1 << 5, true)
  assert.equal(ch.zero(100, 100), 1)
  assert.equal(ch.rules[0]!.pcnt, 0)
  assert.equal(ch.delete(100, 100, -1), 1)
  assert.equal(ch.delete(100, 100, -1), 0)
  assert.equal(ipfwChk(v, ch, pkt({}), 0), DENY)
  // Numbering: the autoincrement step after the last rule.
  const added = ch.add([rule(0, A.ALLOW, []), rule(0, A.ALLOW, [])])
  assert.deepEqual(
    added.map((r) => r.num),
    [100, 200],
  )
})

test('ipfw_chk: keep-state lets the replies through a default deny, for the lifetimes FreeBSD gives', () => {
  const { v, ch } = setup(false)
  // check-state; allow udp from 10.0.0.1 to any keep-state; allow tcp from 10.0.0.1 to any setup keep-state
  ch.add([
    rule(100, A.CHECK_STATE, []),
    rule(200, A.ALLOW, [insn(O.PROTO, { arg: 17 }), insn(O.IP_SRC, addr(0x0a000001)), insn(O.KEEP_STATE)]),
    rule(300, A.ALLOW, [
      insn(O.PROTO, { arg: 6 }),
      insn(O.IP_SRC, addr(0x0a000001)),
      insn(O.TCPFLAGS, { arg: 0x02, arg2: 0x10 }),
      insn(O.KEEP_STATE),
    ]),
  ])
  const out = { src: 0x0a000001, dst: 0x0a000002, sport: 1234, dport: 53 }
  const back = { src: 0x0a000002, dst: 0x0a000001, sport: 53, dport: 1234 }
  assert.equal(ipfwChk(v, ch, pkt(back), 0), DENY, 'no state yet')
  assert.equal(ipfwChk(v, ch, pkt(out), 0), PASS)
  assert.equal(ch.dyn.count, 1)
  assert.equal(ipfwChk(v, ch, pkt(back), 1 * S), PASS, 'the reply matches the state')
  const r200 = ch.rules.find((r) => r.num === 200) as KRule
  assert.equal(r200.pcnt, 2, 'state matches count on the parent rule')
  // UDP lives dyn_udp_lifetime (10 s) from the last packet.
  assert.equal(ipfwChk(v, ch, pkt(back), 10.5 * S), PASS)
  assert.equal(ipfwChk(v, ch, pkt(back), 21 * S), DENY, 'expired')
  // TCP: SYN (20 s), both SYNs (300 s), RST (1 s).
  const syn = { proto: 6, src: 0x0a000001, dst: 0x0a000002, sport: 5000, dport: 80, flags: 0x02 }
  const synack = { proto: 6, src: 0x0a000002, dst: 0x0a000001, sport: 80, dport: 5000, flags: 0x12 }
  const ack = { ...syn, flags: 0x10 }
  const rst = { ...syn, flags: 0x04 }
  assert.equal(ipfwChk(v, ch, pkt(synack), 100 * S), DENY)
  assert.equal(ipfwChk(v, ch, pkt(syn), 100 * S), PASS)
  assert.equal(ipfwChk(v, ch, pkt(synack), 119 * S), PASS)
  assert.equal(ipfwChk(v, ch, pkt(ack), 400 * S), PASS, 'established: 300 s')
  assert.equal(ipfwChk(v, ch, pkt(rst), 401 * S), PASS)
  assert.equal(ipfwChk(v, ch, pkt(synack), 402.5 * S), DENY, 'after a reset: 1 s')
  // The states of a deleted rule go with it.
  assert.equal(ipfwChk(v, ch, pkt(out), 500 * S), PASS)
  ch.delete(200, 200, -1)
  assert.equal(ipfwChk(v, ch, pkt(back), 500 * S), DENY)
})

test('ipfw_chk: dyn_max bounds the states; an install beyond it denies and is counted', () => {
  const { v, ch } = setup(false)
  ch.dynMax = 100
  ch.add([rule(100, A.ALLOW, [insn(O.KEEP_STATE)])])
  for (let i = 0; i < 150; i++) ipfwChk(v, ch, pkt({ sport: 1000 + i }), 0)
  assert.equal(ch.dyn.count, 100)
  assert.equal(ch.dyn.overflows, 50)
  assert.equal(ch.stats.dynDenied, 50)
  // Once they expire (dyn_udp_lifetime, 10 s), new flows get states again; the expired ones are
  // reaped as they are met and by the sweep readers trigger.
  assert.equal(ipfwChk(v, ch, pkt({ sport: 9 }), 11 * S), PASS)
  assert.equal(ch.dyn.list(11 * S).length, 1)
  ch.dyn.expireWhere(11 * S, null)
  assert.equal(ch.dyn.count, 1)
  // A full table of live states: the flood is refused, and the sweep runs at most once a second.
  for (let i = 0; i < 200; i++) ipfwChk(v, ch, pkt({ sport: 2000 + i }), 12 * S)
  assert.equal(ch.dyn.count, 100)
  assert.equal(ch.dyn.overflows, 151)
})

/**
 * The quick-reject prefix: which leading instructions are lifted out of a rule, and that ipfw_chk
 * gives the same verdicts with them — addresses with the high bit set (int32 compares), `not`,
 * or-blocks and multi-address lists left to the generic loop.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { virtualHost } from '../../../testing/net_lab.js'
import { PFIL_IN } from '../../net/pfil.js'
import { IpfwChain } from './ip_fw_chain.js'
import { PktFacts } from './ip_fw_facts.js'
import { quickReject } from './ip_fw_quick.js'
import { A, type IpfwInsn, type IpfwRuleSpec, insn, O } from './ip_fw_rule.js'
import { ipfwChk } from './ip_fw2.js'

const PASS = 0
const DENY = 1

const src = (a: number, m = 0xffffffff, more: Partial<IpfwInsn> = {}) =>
  insn(O.IP_SRC, { list: [a, m], ...more })
const dst = (a: number, m = 0xffffffff, more: Partial<IpfwInsn> = {}) =>
  insn(O.IP_DST, { list: [a, m], ...more })
const proto = (n: number, more: Partial<IpfwInsn> = {}) => insn(O.PROTO, { arg: n, ...more })
const dport = (n: number) => insn(O.IP_DSTPORT, { list: [n, n] })

test('quickReject lifts a plain leading proto/src/dst, as int32, and keeps the rest in order', () => {
  const q = quickReject([proto(17), src(0xc6120000, 0xffff0000), dst(0x0a000001), dport(53)])
  assert.equal(q.proto, 17)
  assert.equal(q.srcAddr, 0xc6120000 | 0)
  assert.equal(q.srcMask, 0xffff0000 | 0)
  assert.equal(q.dstAddr, 0x0a000001)
  assert.equal(q.dstMask, -1)
  assert.deepEqual(
    q.rest.map((c) => c.op),
    [O.IP_DSTPORT],
  )
  const none = quickReject([])
  assert.deepEqual([none.proto, none.srcAddr, none.srcMask, none.dstAddr, none.dstMask], [-1, 0, 0, 0, 0])
})

test('quickReject leaves not, or-blocks, lists and anything after them to the generic loop', () => {
  const cases: IpfwInsn[][] = [
    [proto(17, { not: true }), src(0x0a000001)],
    [src(0x0a000001, 0xffffffff, { or: true }), src(0x0a000002), proto(17)],
    [insn(O.IP_SRC, { list: [0x0a000001, 0xffffffff, 0x0a000002, 0xffffffff] }), proto(17)],
    [insn(O.IN), proto(17)],
  ]
  for (const insns of cases) {
    const q = quickReject(insns)
    assert.equal(q.proto, -1)
    assert.deepEqual([q.srcAddr, q.srcMask], [0, 0])
    assert.equal(q.rest.length, insns.length)
  }
  // The last member of an or-block is not lifted even though it has no `or` of its own.
  const q = quickReject([proto(6), dst(1, 0xffffffff, { or: true }), dst(2)])
  assert.equal(q.proto, 6)
  assert.deepEqual([q.dstAddr, q.dstMask], [0, 0])
  assert.equal(q.rest.length, 2)
})

function spec(num: number, action: number, insns: IpfwInsn[]): IpfwRuleSpec {
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
  }
}

function pkt(s: number, d: number, p: number, dp = 53): PktFacts {
  const f = new PktFacts()
  f.src = s
  f.dst = d
  f.proto = p
  f.sport = 1234
  f.dport = dp
  f.l4 = true
  f.hlen = 20
  f.iplen = 60
  f.ttl = 64
  f.dir = PFIL_IN
  f.ifname = 'em0'
  return f
}

test('ipfw_chk verdicts through the quick-reject prefix', () => {
  const v = virtualHost().vnet0
  const verdict = (insns: IpfwInsn[], p: PktFacts) => {
    const ch = new IpfwChain(v, { defaultToAccept: false })
    ch.add([spec(100, A.ALLOW, insns)])
    return ipfwChk(v, ch, p, 0)
  }
  const hi = 0xc6120001 // 198.18.0.1: the sign bit set
  const cases: Array<[IpfwInsn[], PktFacts, number]> = [
    [[proto(17), src(0xc6120000, 0xffffff00), dport(53)], pkt(hi, 0x0a000001, 17), PASS],
    [[proto(17), src(0xc6120000, 0xffffff00), dport(53)], pkt(hi, 0x0a000001, 17, 54), DENY],
    [[proto(17), src(0xc6120000, 0xffffff00)], pkt(0xc6130001, 0x0a000001, 17), DENY],
    [[proto(6), src(0xc6120000, 0xffffff00)], pkt(hi, 0x0a000001, 17), DENY],
    [[dst(0xfffffffe)], pkt(hi, 0xfffffffe, 1), PASS],
    [[dst(0xfffffffe)], pkt(hi, 0xffffffff, 1), DENY],
    [[src(0, 0), dst(0x80000000, 0x80000000)], pkt(1, 0x90000000, 1), PASS],
    [[proto(17, { not: true }), src(hi)], pkt(hi, 1, 6), PASS],
    [[proto(17, { not: true }), src(hi)], pkt(hi, 1, 17), DENY],
    [[proto(17), src(1, 0xffffffff, { or: true }), src(hi)], pkt(hi, 1, 17), PASS],
    [[proto(17), src(1, 0xffffffff, { or: true }), src(2)], pkt(hi, 1, 17), DENY],
  ]
  for (const [insns, p, want] of cases) assert.equal(verdict(insns, p), want, JSON.stringify(insns))
})

/**
 * The quick-reject prefix: which leading instructions are lifted out of a rule, and that ipfw_chk
 * gives the same verdicts with them — addresses with the high bit set (int32 compares), `not`,
 * or-blocks and multi-address lists left to the generic loop.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { virtualHost } from '../../../../testing/net_lab.js'
import { writeIpv4Header } from '../../../../wire/inet/ipv4.js'
import type { Ifnet } from '../../../net/ifnet.js'
import { PFIL, PFIL_IN, PFIL_OUT } from '../../../net/pfil.js'
import { IpfwChain, ipfw } from '../ip_fw_chain.js'
import { PktFacts, readFacts } from '../ip_fw_facts.js'
import { ipfwNat, NAT_PASS, natConfig } from '../ip_fw_nat.js'
import { A, type IpfwInsn, type IpfwRuleSpec, insn, O } from '../ip_fw_rule.js'
import { ipfwChk, VERDICT_PASS } from '../ip_fw2.js'
import { MK, MW, QF, QuickTable, QW, quickReject } from './ip_fw_quick.js'
import { QUICK_FULL, quickPass } from './ip_fw_quick_pass.js'

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

const UDP = 17

test('QuickTable: a block of specific rules gets their common envelope, and stops before a catch-all', () => {
  const v = virtualHost().vnet0
  const ch = new IpfwChain(v, { defaultToAccept: false })
  const rules: IpfwRuleSpec[] = []
  for (let i = 0; i < 10; i++)
    rules.push(spec(i + 1, A.DENY, [proto(UDP), src(0x0a000000 + i * 256, 0xffffff00), dport(53)]))
  rules.push(spec(11, A.ALLOW, []))
  ch.add(rules)
  const q = new QuickTable(ch.rules, ch.tables, 0)
  const w = q.w
  assert.equal(w[QF.BLOCK_END], 10, 'rules 0..9 under one envelope, the allow left out')
  assert.equal(w[QF.ENV_PROTO], UDP)
  assert.equal(w[QF.ENV_SRC_MASK], 0xfffff000 | 0, '10.0.0.0/20 covers 10.0.0.0/24 .. 10.0.9.0/24')
  assert.equal(w[QF.ENV_SRC], 0x0a000000)
  // The allow and the default rule would share an envelope that requires nothing: no block.
  assert.equal(w[10 * QW + QF.BLOCK_END], 10)
})

/** A tiny deterministic generator for the differential test (xorshift32). */
function gen(seed: number): () => number {
  let x = seed | 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return x >>> 0
  }
}

test('the fast pass and the full pass agree: verdicts and every rule counter, over random rulesets', () => {
  const v = virtualHost().vnet0
  // The full pass looks tables up in the vnet's chain, the fast pass in its own: both get the same
  // entries, and the same changes halfway.
  const vt = ipfw(v).tables.create('7', 0, 'addr', 0)
  const pool = v.env.pool
  const r = gen(12345)
  const pick = <T>(a: readonly T[]): T => a[r() % a.length]!
  // Prefixes close together (so that envelopes form and fail) and with the sign bit set.
  const nets: Array<[number, number]> = [
    [0x0a000000, 0xffffff00],
    [0x0a000100, 0xffffff00],
    [0x0a000200, 0xfffffe00],
    [0x0a000000, 0xff000000],
    [0xc6120000, 0xfffe0000],
    [0xc6120001, 0xffffffff],
    [0xc0a80000, 0xffff0000],
  ]
  const addrs = [
    0x0a000001, 0x0a000105, 0x0a000203, 0x0a0a0a0a, 0xc6120001, 0xc6130001, 0xc0a80101, 0x08080808,
  ]
  let fastVerdicts = 0
  let handedOver = 0
  // Fast verdicts with a table on the fast pass, and with a first rule that takes every packet.
  let tableVerdicts = 0
  let firstVerdicts = 0
  for (let round = 0; round < 60; round++) {
    const specs: IpfwRuleSpec[] = []
    const n = 1 + (r() % 40)
    for (let i = 0; i < n; i++) {
      const insns: IpfwInsn[] = []
      if (r() % 3 !== 0) insns.push(proto(pick([UDP, 6, 1]), r() % 9 === 0 ? { not: true } : {}))
      if (r() % 4 !== 0) insns.push(src(...pick(nets)))
      if (r() % 3 === 0) insns.push(dst(...pick(nets)))
      if (r() % 4 === 0)
        insns.push(
          insn(pick([O.RECV, O.XMIT, O.VIA]), {
            name: pick(['em0', 'em1', 'em*']),
            ...(r() % 8 === 0 ? { not: true } : {}),
          }),
        )
      if (r() % 6 === 0) insns.push(dport(pick([53, 80])))
      if (r() % 5 === 0)
        insns.push(
          insn(pick([O.IP_SRC_LOOKUP, O.IP_DST_LOOKUP]), {
            name: '7',
            ...(r() % 3 === 0 ? { arg: r() % 3, arg2: 1 } : {}),
            ...(r() % 10 === 0 ? { not: true } : {}),
          }),
        )
      if (r() % 15 === 0) insns.push(insn(O.KEEP_STATE))
      const action = pick([A.ALLOW, A.DENY, A.COUNT, A.COUNT, A.SKIPTO, A.REJECT, A.CHECK_STATE, A.PIPE])
      const s = spec((i + 1) * 10, action, insns)
      if (action === A.SKIPTO) s.actionArg = (i + 1 + (r() % 5)) * 10
      if (r() % 20 === 0) s.prob = 0.5
      if (r() % 12 === 0) s.set = 1 + (r() % 2)
      specs.push(s)
    }
    // Sometimes a first rule that takes every packet (QuickTable.first), in a set that may flip.
    if (r() % 4 === 0) {
      const s = spec(5, pick([A.ALLOW, A.DENY]), [])
      s.set = r() % 2
      specs.unshift(s)
    }
    const fast = new IpfwChain(v, { defaultToAccept: r() % 2 === 0 })
    const full = new IpfwChain(v, { defaultToAccept: fast.defaultToAccept })
    fast.add(specs.map((s) => ({ ...s, insns: s.insns.map((c) => ({ ...c })) })))
    full.add(specs)
    const ft = fast.tables.get('7') ?? fast.tables.create('7', 0, 'addr', 0)
    vt.flush()
    ft.flush()
    const entries = Array.from({ length: 1 + (r() % 4) }, () => {
      const [a, mask] = pick(nets)
      return { addr: a >>> 0, len: Math.clz32(~mask), value: r() % 3 }
    })
    for (const e of entries) {
      vt.add(e, true)
      ft.add(e, true)
    }
    if (r() % 3 === 0) fast.disabledSets = full.disabledSets = 1 << (1 + (r() % 2))
    const p = new PktFacts()
    // Each packet's fields; the last quarter replays the third, so that the memo has answers ready.
    const sent: number[][] = []
    for (let k = 0; k < 200; k++) {
      // Halfway, set 1 flips (ipfw set enable/disable): what the fast pass remembered must not outlive it.
      if (k === 100) fast.disabledSets = full.disabledSets = full.disabledSets ^ 2
      // Then the table changes: its entries go, others come (on the prefixes the packets use).
      if (k === 150) {
        vt.flush()
        ft.flush()
        for (let j = 0; j < 3; j++) {
          const [a, mask] = pick(nets)
          const e = { addr: a >>> 0, len: Math.clz32(~mask), value: r() % 3 }
          vt.add(e, true)
          ft.add(e, true)
        }
      }
      const f =
        k >= 150
          ? sent[k - 50]!
          : [
              pick([UDP, 6, 1, 47]),
              pick(addrs),
              pick(addrs),
              pick([0, 12]),
              pick([53, 80]),
              pick([PFIL_IN, PFIL_OUT]),
              r() % 2,
            ]
      sent.push(f)
      const [pr, sa, da, pad, port, d, ifi] = f as [number, number, number, number, number, number, number]
      const m = pool.get(64)
      // Some long enough for the memo (40 bytes and up), some not: both ways of reaching the walk.
      const l4 = (pr === 6 ? 20 : 8) + pad
      writeIpv4Header(m.data, m.off, sa, da, pr, 64, 0, k, l4, 0)
      m.data[m.off + 20] = 0x04
      m.data[m.off + 22] = 0
      m.data[m.off + 23] = port
      m.len = 20 + l4
      p.dir = d
      p.ifname = ifi === 0 ? 'em0' : 'em1'
      assert.ok(readFacts(p, m))
      let got = quickPass(fast, m, { name: p.ifname } as Ifnet, p.dir)
      if (got === QUICK_FULL) {
        handedOver++
        got = ipfwChk(v, fast, p, 0, fast.quickStart)
      } else {
        fastVerdicts++
        if (fast.quick!.tbl.some((t) => t !== null)) tableVerdicts++
        if (fast.quick!.first >= 0) firstVerdicts++
      }
      const want = ipfwChk(v, full, p, 0, 0)
      assert.equal(got, want, `round ${round} packet ${k}`)
      pool.put(m)
    }
    assert.deepEqual(
      fast.rules.map((f) => f.pcnt),
      full.rules.map((f) => f.pcnt),
      `round ${round}: counters`,
    )
    assert.deepEqual(
      fast.rules.map((f) => f.bcnt),
      full.rules.map((f) => f.bcnt),
    )
    // The states alike: created, renewed and counted the same way by either pass.
    const states = (ch: IpfwChain) =>
      ch.dyn
        .list(0)
        .map((d) => [d.rule.num, d.pcnt, d.bcnt, d.expire, d.proto, d.src, d.dst, d.sport, d.dport])
    assert.deepEqual(states(fast), states(full), `round ${round}: states`)
  }
  // Both paths were exercised: the test would not notice a fast pass that always hands over.
  assert.ok(fastVerdicts > 1000, `fast verdicts ${fastVerdicts}`)
  assert.ok(tableVerdicts > 500, `fast verdicts with a table ${tableVerdicts}`)
  assert.ok(firstVerdicts > 200, `fast verdicts by the first rule ${firstVerdicts}`)
  assert.ok(handedOver > 1000, `handed over ${handedOver}`)
})

test('a nat rule: the fast pass translates under one_pass as the full pass does, and hands over otherwise', () => {
  const v = virtualHost().vnet0
  const pool = v.env.pool
  const ifp = { name: 'em1', index: 2 } as Ifnet
  const chain = (onePass: number) => {
    const ch = new IpfwChain(v, { defaultToAccept: true })
    ch.onePass = onePass
    const nat = spec(100, A.NAT, [insn(O.VIA, { name: 'em1' })])
    nat.actionArg = 1
    ch.add([spec(50, A.DENY, [proto(6)]), nat])
    natConfig(v, ch, { id: 1, ip: 0xc6120101, ifName: '', mode: 0, portLo: 0, portHi: 0, redirs: [] })
    return ch
  }
  const packet = () => {
    const m = pool.get(64)
    writeIpv4Header(m.data, m.off, 0x0a000001, 0x08080808, UDP, 64, 0, 7, 12, 0)
    m.data.set([0x30, 0x39, 0, 53, 0, 12, 0x12, 0x34, 1, 2, 3, 4], m.off + 20)
    m.len = 32
    return m
  }
  /** One outgoing datagram through either pass: its bytes after, and what the nat rule counted. */
  const run = (full: boolean) => {
    const ch = chain(1)
    const m = packet()
    if (full) {
      // ipfw_check_packet's full pass: ipfw_chk stops at the nat rule, then ipfw_nat translates.
      const p = new PktFacts()
      assert.ok(readFacts(p, m))
      p.dir = PFIL_OUT
      p.ifname = ifp.name
      ipfwChk(v, ch, p, 0, 0)
      assert.equal(ch.natRule, 1)
      assert.equal(ipfwNat(ch, m, PFIL_OUT, ch.natNum, 0), NAT_PASS)
    } else assert.equal(quickPass(ch, m, ifp, PFIL_OUT), VERDICT_PASS, 'the fast pass carried it out')
    const out = { bytes: Array.from(m.data.subarray(m.off, m.off + m.len)), f: ch.rules[1]! }
    pool.put(m)
    return out
  }
  const fast = run(false)
  const full = run(true)
  assert.deepEqual(fast.bytes.slice(12, 16), [0xc6, 0x12, 0x01, 0x01], 'the source is the alias address')
  assert.deepEqual(fast.bytes, full.bytes, 'the same translation, checksums included')
  assert.deepEqual([fast.f.pcnt, fast.f.bcnt], [1, 32])
  assert.deepEqual([full.f.pcnt, full.f.bcnt], [1, 32])
  // Without one_pass the fast pass leaves a nat rule to the full pass, which goes on after it.
  const m = packet()
  const multi = chain(0)
  assert.equal(quickPass(multi, m, ifp, PFIL_OUT), QUICK_FULL)
  assert.equal(multi.quickStart, 1, 'handed over at the nat rule')
  pool.put(m)
})

test('through the pfil hook: a nat rule the memo answers translates as the full pass does, every time', () => {
  const host = virtualHost()
  host.syscalls().kldload('ipfw_nat')
  const v = host.vnet0
  const pool = v.env.pool
  const ifp = { name: 'em1', index: 2 } as Ifnet
  const configure = (ch: IpfwChain) => {
    const nat = spec(100, A.NAT, [insn(O.VIA, { name: 'em1' })])
    nat.actionArg = 1
    ch.add([spec(50, A.DENY, [proto(6)]), nat])
    natConfig(v, ch, { id: 1, ip: 0xc6120101, ifName: '', mode: 0, portLo: 0, portHi: 0, redirs: [] })
  }
  // 40 bytes and more: the memo may answer from the second packet on.
  const packet = () => {
    const m = pool.get(64)
    writeIpv4Header(m.data, m.off, 0x0a000001, 0x08080808, UDP, 64, 0, 7, 24, 0)
    m.data.set([0x30, 0x39, 0, 53, 0, 24, 0x12, 0x34, 1, 2, 3, 4], m.off + 20)
    m.len = 44
    return m
  }
  const ch = ipfw(v)
  configure(ch)
  const hooked: number[][] = []
  for (let k = 0; k < 3; k++) {
    const m = packet()
    assert.equal(v.pfilInet.runOut(v, m, ifp), PFIL.PASS)
    hooked.push(Array.from(m.data.subarray(m.off, m.off + m.len)))
    pool.put(m)
  }
  // The full pass on a chain of its own (its own libalias instance, so the same first link).
  const full = new IpfwChain(v, { defaultToAccept: true })
  configure(full)
  const m = packet()
  const p = new PktFacts()
  assert.ok(readFacts(p, m))
  p.dir = PFIL_OUT
  p.ifname = ifp.name
  ipfwChk(v, full, p, 0, 0)
  assert.equal(ipfwNat(full, m, PFIL_OUT, full.natNum, 0), NAT_PASS)
  const want = Array.from(m.data.subarray(m.off, m.off + m.len))
  pool.put(m)
  assert.deepEqual(hooked[0]!.slice(12, 16), [0xc6, 0x12, 0x01, 0x01], 'the source is the alias address')
  for (const got of hooked) assert.deepEqual(got, want, 'the same translation, checksums included')
  assert.deepEqual([ch.rules[1]!.pcnt, ch.rules[1]!.bcnt], [3, 132])
})

test('the fast pass remembers where a packet stopped, and forgets it when the rules or the sets change', () => {
  const v = virtualHost().vnet0
  const pool = v.env.pool
  const ch = new IpfwChain(v, { defaultToAccept: false })
  const allow = spec(10, A.ALLOW, [proto(UDP)])
  allow.set = 1
  ch.add([allow])
  const ifp = { name: 'em0' } as Ifnet
  const m = pool.get(64)
  writeIpv4Header(m.data, m.off, 0x0a000001, 0xc6120001, UDP, 64, 0, 1, 8, 0)
  m.len = 28
  const pass = () => quickPass(ch, m, ifp, PFIL_IN)
  assert.equal(pass(), VERDICT_PASS)
  assert.equal(pass(), VERDICT_PASS)
  assert.equal(ch.rules[0]!.pcnt, 2, 'counted on every packet, remembered or not')
  ch.setEnable(1 << 1, false)
  assert.equal(pass(), DENY, 'set 1 disabled: the default rule')
  ch.setEnable(1 << 1, true)
  assert.equal(pass(), VERDICT_PASS)
  ch.add([spec(5, A.DENY, [proto(UDP)])])
  assert.equal(pass(), DENY, 'a new rule in front')
  assert.equal(quickPass(ch, m, ifp, PFIL_OUT), DENY)
  pool.put(m)
})

test('the memo remembers the count and skipto rules a walk met, and counts them on every packet it answers', () => {
  const v = virtualHost().vnet0
  const pool = v.env.pool
  const ifp = { name: 'em0' } as Ifnet
  // Two count rules and a skipto met on the way to an allow; then four, one more than a memo slot holds.
  const few = new IpfwChain(v, { defaultToAccept: false })
  const skip = spec(30, A.SKIPTO, [proto(UDP)])
  skip.actionArg = 50
  few.add([
    spec(10, A.COUNT, [proto(UDP)]),
    spec(20, A.COUNT, [src(0x0a000001)]),
    skip,
    spec(40, A.DENY, []),
    spec(50, A.ALLOW, [proto(UDP)]),
  ])
  const many = new IpfwChain(v, { defaultToAccept: false })
  many.add([1, 2, 3, 4].map((i) => spec(i * 10, A.COUNT, [])).concat([spec(50, A.ALLOW, [])]))
  const m = pool.get(64)
  writeIpv4Header(m.data, m.off, 0x0a000001, 0xc6120001, UDP, 64, 0, 1, 26, 0)
  m.len = 46
  for (let k = 0; k < 5; k++) {
    assert.equal(quickPass(few, m, ifp, PFIL_IN), VERDICT_PASS)
    assert.equal(quickPass(many, m, ifp, PFIL_IN), VERDICT_PASS)
  }
  assert.deepEqual(
    few.rules.map((f) => f.pcnt),
    [5, 5, 5, 0, 5, 0],
  )
  assert.deepEqual(
    few.rules.map((f) => f.bcnt),
    [230, 230, 230, 0, 230, 0],
  )
  assert.deepEqual(
    many.rules.map((f) => f.pcnt),
    [5, 5, 5, 5, 5, 0],
  )
  // The first chain's walk is remembered with its three counted rules; the second's is not.
  const remembered = (ch: IpfwChain) => {
    const memo = ch.quick!.memo
    for (let at = 0; at < memo.length; at += MW) if (memo[at + MK.KEY] !== -1) return memo[at + MK.NMET]
    return -1
  }
  assert.equal(remembered(few), 3)
  assert.equal(remembered(many), -1)
  pool.put(m)
})

test('a pipe rule: the fast pass stops there and names it for dummynet, uncounted until dummynet has it', () => {
  const v = virtualHost().vnet0
  const pool = v.env.pool
  const ifp = { name: 'em0' } as Ifnet
  const ch = new IpfwChain(v, { defaultToAccept: true })
  const pipe = spec(100, A.PIPE, [proto(UDP)])
  pipe.actionArg = 1
  ch.add([spec(50, A.DENY, [proto(6)]), pipe])
  const m = pool.get(64)
  writeIpv4Header(m.data, m.off, 0x0a000001, 0xc6120001, UDP, 64, 0, 1, 26, 0)
  m.len = 46
  for (let k = 0; k < 2; k++) {
    assert.equal(quickPass(ch, m, ifp, PFIL_OUT), QUICK_FULL, `packet ${k}`)
    assert.equal(ch.quickDn, 1)
    assert.equal(ch.quickStart, 1)
  }
  assert.equal(ch.rules[1]!.pcnt, 0)
  // A TCP packet is denied by rule 50: nothing for dummynet.
  writeIpv4Header(m.data, m.off, 0x0a000001, 0xc6120001, 6, 64, 0, 1, 26, 0)
  assert.equal(quickPass(ch, m, ifp, PFIL_OUT), DENY)
  assert.equal(ch.quickDn, -1)
  pool.put(m)
})

test('through the pfil hook: remembered walks count every rule they met, and deny takes the packet', () => {
  const host = virtualHost()
  host.syscalls().kldload('ipfw')
  const v = host.vnet0
  const pool = v.env.pool
  const ch = ipfw(v)
  const skip = spec(20, A.SKIPTO, [proto(UDP)])
  skip.actionArg = 40
  ch.add([
    spec(10, A.COUNT, []),
    skip,
    spec(30, A.DENY, []),
    spec(40, A.DENY, [proto(UDP), src(0x0a000002)]),
    spec(50, A.ALLOW, [proto(UDP)]),
  ])
  const ifp = { name: 'em0' } as Ifnet
  const send = (from: number): number => {
    const m = pool.get(64)
    writeIpv4Header(m.data, m.off, from, 0xc6120001, UDP, 64, 0, 1, 26, 0)
    m.len = 46
    const r = v.pfilInet.runIn(v, m, ifp)
    if (r === PFIL.PASS) pool.put(m)
    return r
  }
  const inUse = pool.inUse
  for (let k = 0; k < 4; k++) {
    assert.equal(send(0x0a000001), PFIL.PASS)
    assert.equal(send(0x0a000002), PFIL.CONSUMED)
  }
  assert.equal(pool.inUse, inUse, 'every packet freed, passed or denied')
  assert.deepEqual(
    ch.rules.map((f) => f.pcnt),
    [8, 8, 0, 4, 4, 0],
  )
  assert.deepEqual(
    ch.rules.map((f) => f.bcnt),
    [368, 368, 0, 184, 184, 0],
  )
})

test('check-state on the fast pass: a state whose rule is a plain allow or deny is decided there, exactly', async () => {
  const host = virtualHost()
  const v = host.vnet0
  const pool = v.env.pool
  const ifp = { name: 'em0', index: 1 } as Ifnet
  /** The bench's keep-state ruleset, then what a state's rule may be instead of allow. */
  const chain = (action: number, log = false) => {
    const ch = new IpfwChain(v, { defaultToAccept: false })
    const keep = spec(200, action, [proto(UDP), src(0xc6120000, 0xffff0000), insn(O.KEEP_STATE)])
    keep.log = log
    ch.add([spec(100, A.CHECK_STATE, []), keep, spec(300, A.ALLOW, [proto(6)])])
    return ch
  }
  const a = 0xc6120001
  const b = 0x08080808
  const packet = (from: number, to: number, pr: number, flags = 0) => {
    const m = pool.get(64)
    const l4 = pr === 6 ? 20 : 8
    writeIpv4Header(m.data, m.off, from, to, pr, 64, 0, 1, l4, 0)
    // A reply (from b) comes back from port 53 to the client's port.
    m.data.set(from === b ? [0, 53, 0x30, 0x39] : [0x30, 0x39, 0, 53], m.off + 20)
    if (pr === 6) m.data[m.off + 33] = flags
    m.len = 20 + l4
    return m
  }
  for (const [action, log, decided] of [
    [A.ALLOW, false, true],
    [A.DENY, false, true],
    [A.COUNT, false, false],
    [A.ALLOW, true, false],
  ] as const) {
    const fast = chain(action, log)
    const full = chain(action, log)
    const p = new PktFacts()
    let fastVerdicts = 0
    // The first packet installs the state (full pass); the rest, both ways, find it; time moves so
    // that lifetimes renew and one gap lets the state expire (10 s for UDP) and be installed again.
    const plan: Array<[number, number, number]> = [
      [a, b, 0],
      [a, b, 1],
      [b, a, 2],
      [a, b, 2],
      [b, a, 20],
      [a, b, 20],
      [a, b, 21],
    ]
    const t0 = host.clock.now()
    for (const [from, to, sec] of plan) {
      const now = t0 + sec * 1e9
      const m = packet(from, to, UDP)
      p.dir = PFIL_IN
      p.ifname = 'em0'
      assert.ok(readFacts(p, m))
      // The fast pass reads the clock itself: run both at the same virtual instant.
      while (host.clock.now() < now) await host.clock.sleep(now - host.clock.now())
      let got = quickPass(fast, m, ifp, PFIL_IN)
      if (got === QUICK_FULL) got = ipfwChk(v, fast, p, now, fast.quickStart)
      else fastVerdicts++
      assert.equal(got, ipfwChk(v, full, p, now, 0), `${action} ${log} at ${sec} s`)
      pool.put(m)
      const states = (ch: IpfwChain) => ch.dyn.list(now).map((d) => [d.pcnt, d.bcnt, d.expire, d.src, d.dst])
      assert.deepEqual(states(fast), states(full), `${action} ${log} at ${sec} s: states`)
      assert.deepEqual(
        fast.rules.map((f) => [f.pcnt, f.bcnt, f.timestamp]),
        full.rules.map((f) => [f.pcnt, f.bcnt, f.timestamp]),
      )
    }
    // Packets 2–4 and 7 find a state (5 comes after it expired, 6 installs it again): decided on the
    // fast pass only for a plain allow or deny.
    assert.equal(fastVerdicts, decided ? 4 : 0, `${action} ${log}`)
  }
  // TCP: the flags move the state's lifetime (SYN, then both SYNs, then FIN) on either pass alike.
  const fast = new IpfwChain(v, { defaultToAccept: false })
  const full = new IpfwChain(v, { defaultToAccept: false })
  for (const ch of [fast, full])
    ch.add([spec(100, A.CHECK_STATE, []), spec(200, A.ALLOW, [proto(6), insn(O.KEEP_STATE)])])
  const p = new PktFacts()
  const now = host.clock.now()
  for (const [from, to, flags] of [
    [a, b, 0x02],
    [b, a, 0x12],
    [a, b, 0x10],
    [a, b, 0x11],
    [b, a, 0x11],
  ] as const) {
    const m = packet(from, to, 6, flags)
    p.dir = PFIL_OUT
    p.ifname = 'em0'
    assert.ok(readFacts(p, m))
    let got = quickPass(fast, m, ifp, PFIL_OUT)
    if (got === QUICK_FULL) got = ipfwChk(v, fast, p, now, fast.quickStart)
    assert.equal(got, ipfwChk(v, full, p, now, 0))
    pool.put(m)
    const states = (ch: IpfwChain) => ch.dyn.list(now).map((d) => [d.pcnt, d.bcnt, d.expire])
    assert.deepEqual(states(fast), states(full))
  }
  // A walk past check-state is not remembered: here a's packets stop at 200 while there is no state,
  // then b's reply installs one at 300, and a's next packet must be decided by it (counted on 300).
  const memoFast = new IpfwChain(v, { defaultToAccept: false })
  const memoFull = new IpfwChain(v, { defaultToAccept: false })
  for (const ch of [memoFast, memoFull])
    ch.add([
      spec(100, A.CHECK_STATE, []),
      spec(200, A.ALLOW, [proto(UDP), src(a)]),
      spec(300, A.ALLOW, [proto(UDP), src(b), insn(O.KEEP_STATE)]),
    ])
  for (const from of [a, a, b, a, a]) {
    const m = packet(from, from === a ? b : a, UDP)
    // Long enough for the memo to answer (40 bytes).
    writeIpv4Header(m.data, m.off, from, from === a ? b : a, UDP, 64, 0, 1, 20, 0)
    m.len = 40
    p.dir = PFIL_IN
    p.ifname = 'em0'
    assert.ok(readFacts(p, m))
    let got = quickPass(memoFast, m, ifp, PFIL_IN)
    if (got === QUICK_FULL) got = ipfwChk(v, memoFast, p, now, memoFast.quickStart)
    assert.equal(got, ipfwChk(v, memoFull, p, now, 0))
    pool.put(m)
  }
  assert.deepEqual(
    memoFast.rules.map((f) => f.pcnt),
    [0, 2, 3, 0],
  )
  assert.deepEqual(
    memoFull.rules.map((f) => f.pcnt),
    [0, 2, 3, 0],
  )
  host.clock.stop()
})

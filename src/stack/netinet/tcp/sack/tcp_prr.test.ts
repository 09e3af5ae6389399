/**
 * Proportional Rate Reduction (RFC 6937): the arithmetic against the RFC's own reasoning (the
 * proportional phase sends ssthresh/RecoverFS of what is delivered; below ssthresh PRR-SSRB sends at
 * most one segment more than delivered, PRR-CRB no more than delivered), and a sender in SACK
 * recovery driven segment by segment through a script written here: with net.inet.tcp.do_prr=1
 * (the default, as in FreeBSD 14) one new segment goes out for every two ACKs from the start of
 * recovery, where RFC 6675 alone (do_prr=0) stays silent until pipe has fallen below ssthresh.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { counter } from '../../../../testing/net.js'
import { runPkt } from '../../../../testing/pkt_run.js'
import { prrAck, prrCong, prrEnter, prrSndcnt } from './tcp_prr.js'
import { SackHoleBudget, SackScoreboard } from './tcp_sack.js'

const M = 1000

function board(): SackScoreboard {
  return new SackScoreboard(new SackHoleBudget())
}

describe('tcp_prr: the arithmetic', () => {
  test('entering: RecoverFS is the flight, the triggering ACK counts one segment delivered', () => {
    const s = board()
    s.prrOut = 7
    prrEnter(s, 20 * M, M)
    assert.deepEqual([s.recoverFs, s.prrDelivered, s.prrOut], [20 * M, M, 0])
    prrEnter(s, 300, M)
    assert.deepEqual([s.recoverFs, s.prrDelivered], [300, 300])
  })

  test('proportional phase: ssthresh/RecoverFS of what is delivered goes out, whole segments, credit kept', () => {
    const s = board()
    prrEnter(s, 20 * M, M)
    s.prrOut = M // the fast retransmission
    const sent: number[] = []
    for (let k = 0; k < 10; k++) {
      s.delivered = M
      const pipe = 15 * M
      const cwnd = prrAck(s, pipe, 10 * M, M, false)
      const segs = (cwnd - pipe) / M
      sent.push(segs)
      s.prrOut += segs * M
    }
    // ssthresh / RecoverFS = 1/2: one segment for every second ACK, the half segment a first ACK
    // earns rounded up (FreeBSD's + maxseg - 1), so it goes with that ACK rather than the next.
    assert.deepEqual(sent, [0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
    // Over the episode: prr_out stays within a segment above CEIL(prr_delivered * ssthresh / RecoverFS).
    const due = Math.ceil((s.prrDelivered * 10 * M) / (20 * M))
    assert.ok(s.prrOut >= due && s.prrOut < due + M, `${s.prrOut} sent for ${due} due`)
  })

  test('prrSndcnt rounds the proportional share up to a segment, as tcp_do_prr_ack does', () => {
    // Half a segment due (1000 delivered * 10000 / 20000): one segment, not none.
    assert.equal(prrSndcnt(M, 0, 20 * M, M, 15 * M, 10 * M, M, false), 1)
    // Exactly one segment due stays one; 1.001 segments due become two.
    assert.equal(prrSndcnt(2 * M, 0, 20 * M, M, 15 * M, 10 * M, M, false), 1)
    assert.equal(prrSndcnt(2002, 0, 20 * M, M, 15 * M, 10 * M, M, false), 2)
    // Already ahead (prr_out above the share): nothing.
    assert.equal(prrSndcnt(2 * M, 2 * M, 20 * M, M, 15 * M, 10 * M, M, false), 0)
    // Below ssthresh no rounding: SSRB one segment more than delivered, CRB only the credit.
    assert.equal(prrSndcnt(3 * M, 2 * M, 20 * M, 1500, 5 * M, 10 * M, M, false), 2)
    assert.equal(prrSndcnt(3 * M, 2 * M, 20 * M, 1500, 5 * M, 10 * M, M, true), 1)
  })

  test('the ECN episode (prrCong) computes the same share as SACK recovery (prrAck)', () => {
    const s = board()
    prrEnter(s, 20 * M, M)
    const c = { cprrDelivered: M, cprrOut: 0, cprrRecoverFs: 20 * M }
    for (let k = 0; k < 12; k++) {
      s.delivered = M
      const pipe = 15 * M - k * 500
      const a = (prrAck(s, pipe, 10 * M, M, false) - pipe) / M
      const b = (prrCong(c, M, pipe, 10 * M, M) - (pipe - M)) / M
      assert.equal(a, b, `ACK ${k}`)
      s.prrOut += a * M
      c.cprrOut += b * M
    }
  })

  test('below ssthresh: SSRB allows one segment more than delivered, CRB (new loss, nothing delivered) no more', () => {
    const s = board()
    prrEnter(s, 20 * M, M)
    s.prrDelivered = 8 * M
    s.prrOut = 8 * M
    // SSRB: credit 0, delivered 2 segments: up to 3, and ssthresh - pipe allows 5.
    s.delivered = 2 * M
    assert.equal(prrAck(s, 5 * M, 10 * M, M, false), 5 * M + 3 * M)
    // ssthresh - pipe is the tighter bound.
    s.prrOut = s.prrDelivered
    s.delivered = 2 * M
    assert.equal(prrAck(s, 9 * M, 10 * M, M, false), 10 * M)
    // CRB on new loss: only what was delivered (the credit), nothing beyond.
    s.prrOut = s.prrDelivered
    s.delivered = 2 * M
    assert.equal(prrAck(s, 5 * M, 10 * M, M, true), 5 * M + 2 * M)
    // Nothing delivered (a SACK-splitting attempt): nothing new.
    s.prrOut = s.prrDelivered
    s.delivered = 0
    assert.equal(prrAck(s, 5 * M, 10 * M, M, false), 5 * M)
    // Never below one segment, so recovery cannot stall with an empty pipe.
    s.delivered = 0
    assert.equal(prrAck(s, 0, 10 * M, M, true), M)
  })
})

/**
 * 20 segments of 1000 in flight (initcwnd_segments=20, NewReno: ssthresh 10000), the first lost,
 * the other 19 SACKed one ACK at a time, 20 ms apart; `sendsAfter(k)` says whether new data
 * follows the k-th duplicate ACK.
 */
function recoveryScript(doPrr: number, sendsAfter: (k: number) => boolean): string {
  const L = [
    '--tolerance_usecs=5000',
    `0 \`sysctl -w net.inet.tcp.cc.algorithm=newreno net.inet.tcp.initcwnd_segments=20 net.inet.tcp.do_prr=${doPrr}\``,
    '+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
    '+0 bind(3, ..., ...) = 0',
    '+0 listen(3, 1) = 0',
    '+0 < S 0:0(0) win 65535 <mss 1000,sackOK,eol,eol>',
    '+0 > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,eol,eol>',
    '+.1 < . 1:1(0) ack 1 win 65535',
    '+0 accept(3, ..., ...) = 4',
    '+0 write(4, ..., 30000) = 30000',
  ]
  for (let i = 0; i < 20; i++) L.push(`+0 > . ${1 + i * M}:${1 + (i + 1) * M}(1000) ack 1 win 65535`)
  let nxt = 20001
  for (let k = 1; k <= 19; k++) {
    const t = k === 1 ? '+.1' : k <= 3 ? '+0' : '+.02'
    L.push(`${t} < . 1:1(0) ack 1 win 65535 <nop,nop,sack 1001:${1001 + k * M}>`)
    // The third duplicate: recovery, and the fast retransmission alone.
    if (k === 3) L.push('+0 > . 1:1001(1000) ack 1 win 65535')
    if (k >= 4 && sendsAfter(k)) {
      L.push(`+0 > ${nxt === 29001 ? 'P.' : '.'} ${nxt}:${nxt + M}(1000) ack 1 win 65535`)
      nxt += M
    }
  }
  return `${L.join('\n')}\n`
}

describe('tcp_prr: a sender in SACK recovery', () => {
  test('do_prr=1: one new segment per two ACKs while pipe > ssthresh, then one per ACK (PRR-SSRB)', async () => {
    // pipe after the k-th ACK is about 18000 - 500k: at or above ssthresh through k = 16. The
    // half segment the 5th ACK earns is rounded up (tcp_do_prr_ack's + maxseg - 1): it goes then,
    // not with the 6th (as it would with the share rounded down).
    const { r, sys } = await runPkt(recoveryScript(1, (k) => (k <= 16 ? k % 2 === 1 && k >= 5 : true)))
    assert.deepEqual(r, { ok: true, line: 0, message: '' })
    assert.equal(counter(sys, 'tcp', 'tcps_sack_recovery_episode'), 1)
    assert.equal(counter(sys, 'tcp', 'tcps_sack_rexmits'), 1)
  })

  test('do_prr=0: RFC 6675 alone sends nothing new until pipe is below ssthresh, then one per ACK', async () => {
    const { r } = await runPkt(recoveryScript(0, (k) => k >= 11))
    assert.deepEqual(r, { ok: true, line: 0, message: '' })
  })

  test('net.inet.tcp.do_prr is FreeBSD 14 default, 1', async () => {
    const { sys } = await runPkt('0 `sysctl -w net.inet.tcp.msl=30000`\n')
    assert.equal(sys.sysctlGet('net.inet.tcp.do_prr').value, 1)
  })
})

/**
 * TCP under attack and churn, in virtual time: RST and SYN spoofing (RFC 5961 §3, §4: challenge ACKs,
 * bounded by net.inet.tcp.ack_war_*, the connection survives), an ACK flood, an out-of-order storm
 * against a receiver's reassembly queue, and 20k connections opened and closed one after another —
 * each with a neighbouring connection that must not notice, and memory (PCBs, buffers) that stays
 * bounded and is given back.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SHUT, type SocketFd, type Syscalls } from '../../../host/syscalls.js'
import { counter } from '../../../testing/net.js'
import {
  A,
  B,
  connectedPair,
  forgeSegment,
  pattern,
  pipeLab,
  readTimed,
  sha256,
} from '../../../testing/tcp_lab.js'
import { TH } from '../../../wire/inet/tcp.js'

const MS = 1_000_000

/** Send `data` one way and read it at the other end; resolves with the received hash and byte count. */
async function transfer(from: SocketFd, to: SocketFd, data: Uint8Array, now: () => number) {
  const [, got] = await Promise.all([from.send(data).then(() => from.shutdown(SHUT.WR)), readTimed(to, now)])
  return got
}

/** A cheap deterministic stream of u32s for the forger (the lab's RNG is the stack's own). */
function lcg(seed: number): () => number {
  let x = seed >>> 0
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    return x
  }
}

const tcpPcbs = (s: Syscalls): number => s.socketList().filter((x) => x.proto === 'tcp4').length

describe('tcp floods: RFC 5961 spoofing, ACK floods, out-of-order storms', () => {
  test('10k spoofed RSTs and 10k spoofed SYNs: challenge ACKs at most ack_war_cnt per window, the connection survives', async () => {
    const { a, b, net } = pipeLab(201, '{ delay=1000 }')
    const now = () => a.now()
    const victim = await connectedPair(a, b, B, 80)
    const neighbour = await connectedPair(a, b, B, 81)
    const port = victim.cli.getsockname().port
    const rcvNxt = victim.srv.tcpInfo().rcvNxt
    const rnd = lcg(7)
    const acksBefore = counter(b, 'tcp', 'tcps_sndacks')
    const t0 = now()
    // Blind spoofing: sequence numbers anywhere, a quarter of them inside the receive window.
    for (let i = 0; i < 10_000; i++) {
      const seq = i % 4 === 0 ? rcvNxt + 1 + (rnd() % 60_000) : rnd()
      forgeSegment(a, A, port, B, 80, seq, 0, TH.RST)
      forgeSegment(a, A, port, B, 80, rnd(), 0, TH.SYN)
      if (i % 100 === 99) await net.sleep(MS)
    }
    await net.sleep(10 * MS)
    const secs = Math.ceil((now() - t0) / 1e9) + 1
    const challenges = counter(b, 'tcp', 'tcps_sndacks') - acksBefore
    assert.ok(counter(b, 'tcp', 'tcps_badrst') > 2000)
    assert.equal(counter(b, 'tcp', 'tcps_badsyn'), 10_000)
    // RFC 5961 §7 / FreeBSD's tcp_send_challenge_ack: ack_war_cnt (5) per ack_war_timewindow (1 s).
    assert.ok(challenges <= 5 * secs, `${challenges} challenge ACKs in ${secs} s`)
    assert.ok(challenges > 0)
    // Neither connection noticed: both still carry data, hash-identical.
    const d1 = pattern(300_000, 1)
    const d2 = pattern(300_000, 2)
    const [g1, g2] = await Promise.all([
      transfer(victim.cli, victim.srv, d1, now),
      transfer(neighbour.srv, neighbour.cli, d2, now),
    ])
    assert.equal(g1.hash, sha256(d1))
    assert.equal(g2.hash, sha256(d2))
    assert.equal(counter(b, 'tcp', 'tcps_drops'), 0)
  })

  test('a flood of 50k forged ACKs (old, future, duplicate) during a transfer: data intact, neighbour unaffected', async () => {
    const { a, b, net } = pipeLab(202, '{ delay=2000 }')
    const now = () => a.now()
    const victim = await connectedPair(a, b, B, 80)
    const neighbour = await connectedPair(a, b, B, 81)
    const port = victim.cli.getsockname().port
    const up = pattern(2_000_000, 3)
    const side = pattern(1_000_000, 4)
    const moving = Promise.all([
      transfer(victim.srv, victim.cli, up, now),
      transfer(neighbour.cli, neighbour.srv, side, now),
    ])
    const rnd = lcg(9)
    // The flood hits b, the sender of the victim connection: ACKs from "a" with any numbers.
    // Unacceptable ACKs (RFC 5961 §5.2: beyond snd_max, or older than the window) and exact duplicates.
    for (let i = 0; i < 50_000; i++) {
      const una = victim.cli.tcpInfo().rcvNxt
      const ack =
        i % 3 === 0
          ? victim.srv.tcpInfo().sndNxt + 1 + (rnd() % 1_000_000)
          : i % 3 === 1
            ? una - 4_000_000 - (rnd() % 1_000_000)
            : una
      forgeSegment(a, A, port, B, 80, victim.cli.tcpInfo().sndNxt, ack, TH.ACK)
      if (i % 500 === 499) await net.sleep(MS)
    }
    const [g1, g2] = await moving
    assert.equal(g1.hash, sha256(up))
    assert.equal(g2.hash, sha256(side))
    assert.ok(counter(b, 'tcp', 'tcps_rcvacktoomuch') > 1000)
    assert.equal(counter(b, 'tcp', 'tcps_drops'), 0)
  })

  test('an out-of-order storm: 20k segments ahead of rcv_nxt, reassembly stays bounded, the stream is intact', async () => {
    const { a, b, net, host } = pipeLab(203, '{ delay=1000 }')
    const now = () => a.now()
    const victim = await connectedPair(a, b, B, 80)
    const neighbour = await connectedPair(a, b, B, 81)
    const port = victim.cli.getsockname().port
    const data = pattern(1_000_000, 5)
    const rcvNxt = victim.srv.tcpInfo().rcvNxt
    const ack = victim.cli.tcpInfo().rcvNxt
    const rnd = lcg(11)
    const pool = host.env.pool
    // On-path knowledge: the right bytes at the right places, in random order, ahead of a hole —
    // within the sender's first flight (10 segments), so the queue never runs ahead of what it sends.
    // (Data beyond the sender's snd_max would make the receiver acknowledge bytes never sent, which
    // the sender rightly ignores: a successful injection, not a reassembly question.)
    let maxInUse = 0
    for (let i = 0; i < 20_000; i++) {
      const off = 1460 + (rnd() % 11_700)
      const len = 1 + (rnd() % Math.min(1400, 14_600 - off))
      forgeSegment(a, A, port, B, 80, rcvNxt + off, ack, TH.ACK, data.subarray(off, off + len))
      if (i % 200 === 199) {
        await net.sleep(MS)
        maxInUse = Math.max(maxInUse, pool.inUse)
      }
    }
    // Every one was taken as out-of-order data (held, merged with what overlapped, or refused when full).
    assert.equal(counter(b, 'tcp', 'tcps_rcvoopack'), 20_000)
    const [g1, g2] = await Promise.all([
      transfer(victim.cli, victim.srv, data, now),
      transfer(neighbour.cli, neighbour.srv, pattern(500_000, 6), now),
    ])
    assert.equal(g1.hash, sha256(data))
    assert.equal(g2.hash, sha256(pattern(500_000, 6)))
    assert.ok(maxInUse < 1000, `${maxInUse} buffers held`)
  })
})

describe('tcp churn', () => {
  test('20k connections opened and closed in sequence: PCBs freed, TIME_WAIT bounded by 2*MSL', async (t) => {
    const { a, b, net, host } = pipeLab(204, '{ delay=100 }')
    // 2*MSL of 2 s: TIME_WAIT holds what 2 s of churn opens, no more.
    a.sysctlSet('net.inet.tcp.msl', '1000')
    b.sysctlSet('net.inet.tcp.msl', '1000')
    const now = () => a.now()
    const lsn = (await connectedPair(a, b, B, 80)).lsn
    const base = { a: tcpPcbs(a), b: tcpPcbs(b) }
    // 20k, not 100k: at about 0.25 ms of wall time per connection, 100k would take half a minute.
    const N = 20_000
    const t0 = now()
    let maxA = 0
    let maxTw = 0
    for (let i = 0; i < N; i++) {
      const c = a.socket(2, 1)
      const acc = lsn.accept()
      await c.connect({ addr: B, port: 80 })
      const { fd } = await acc
      // The client closes first (it holds TIME_WAIT); the server closes on end of file.
      c.close()
      await fd.recv(1)
      fd.close()
      if (i % 1000 === 999) {
        const n = tcpPcbs(a)
        if (n > maxA) maxA = n
        const tw = a.socketList().filter((x) => x.state === 'TIME_WAIT').length
        if (tw > maxTw) maxTw = tw
      }
    }
    const elapsed = now() - t0
    await net.sleep(3000 * MS)
    // Everything the churn made is gone: only the first pair and the listener remain.
    assert.equal(tcpPcbs(a), base.a)
    assert.equal(tcpPcbs(b), base.b)
    const perConnNs = elapsed / N
    // TIME_WAIT lasts 2 s: at most what 2 s of this churn can open, plus a sample's worth.
    assert.ok(maxTw <= Math.ceil(2e9 / perConnNs) + 1000, `${maxTw} in TIME_WAIT`)
    assert.ok(host.env.pool.inUse < 100)
    t.diagnostic(
      `${N} connections in ${(elapsed / 1e9).toFixed(1)} s virtual; at most ${maxTw} in TIME_WAIT, ${maxA} PCBs`,
    )
  })
})

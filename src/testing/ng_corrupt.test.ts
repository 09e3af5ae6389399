/**
 * Bit errors that reach the stack: through the test-only corrupting wire (ng_corrupt.ts), every
 * damaged TCP segment is counted in tcps_rcvbadsum and every damaged UDP datagram in udps_badsum,
 * exactly; TCP's retransmissions still deliver the stream hash-identical, and every datagram UDP
 * delivers is the one that was sent. Virtual time.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AF_INET, SHUT, SOCK } from '../host/syscalls.js'
import { isSysError } from '../util/errno.js'
import { counter } from './net.js'
import { corruptLab } from './ng_corrupt.js'
import { A, B, connectedPair, pattern, readAll, sha256 } from './tcp_lab.js'

test('TCP: 1 MB through a wire damaging 3% of frames arrives intact; each damaged segment is a tcps_rcvbadsum', async () => {
  const { a, b, wire } = corruptLab(41, 0.03)
  const { cli, srv } = await connectedPair(a, b, B, 80)
  const data = pattern(1 << 20, 41)
  const got = readAll(srv)
  await cli.send(data)
  cli.shutdown(SHUT.WR)
  assert.equal(sha256(await got), sha256(data))
  // Only a's data segments carry a payload to damage; b's ACKs never do.
  assert.ok(wire.tcpCorrupted > 10, `only ${wire.tcpCorrupted} segments damaged`)
  assert.equal(counter(b, 'tcp', 'tcps_rcvbadsum'), wire.tcpCorrupted)
  assert.equal(counter(a, 'tcp', 'tcps_rcvbadsum'), 0)
  // Each damaged segment was discarded, so its data had to go again.
  assert.ok(counter(a, 'tcp', 'tcps_sndrexmitpack') >= wire.tcpCorrupted)
  // The IP header is never touched: IP accepted every one of them.
  assert.equal(counter(b, 'ip', 'ips_badsum'), 0)
  cli.close()
  srv.close()
})

/** Datagram i: its number in the first two bytes, then a pattern of its own. */
function datagram(i: number): Uint8Array {
  const d = pattern(200, 1000 + i)
  d[0] = i >> 8
  d[1] = i & 0xff
  return d
}

test('UDP: damaged datagrams are udps_badsum and never delivered; the rest arrive as sent', async () => {
  const { a, b, wire } = corruptLab(42, 0.1)
  const rx = b.socket(AF_INET, SOCK.DGRAM)
  rx.bind({ addr: 0, port: 9000 })
  const tx = a.socket(AF_INET, SOCK.DGRAM)
  const N = 400
  const seen: number[] = []
  // The reader runs alongside, so the receive buffer never overflows.
  const reader = (async () => {
    for (;;) {
      const r = await rx.recvfrom(2048, 0, 100_000_000).catch((e: unknown) => {
        if (isSysError(e) && e.code === 'EAGAIN') return null
        throw e
      })
      if (r === null) return
      assert.equal(r.from.addr, A)
      const i = (r.data[0]! << 8) | r.data[1]!
      assert.deepEqual(r.data, datagram(i), `datagram ${i} arrived damaged`)
      seen.push(i)
    }
  })()
  for (let i = 0; i < N; i++) {
    tx.sendto(datagram(i), { addr: B, port: 9000 })
    await a.nanosleep(1_000_000)
  }
  await reader
  assert.equal(counter(b, 'udp', 'udps_fullsock'), 0)
  assert.ok(wire.udpCorrupted > 10, `only ${wire.udpCorrupted} datagrams damaged`)
  assert.equal(counter(b, 'udp', 'udps_badsum'), wire.udpCorrupted)
  assert.equal(seen.length, N - wire.udpCorrupted)
  assert.equal(new Set(seen).size, seen.length)
  rx.close()
  tx.close()
})

/**
 * Deferred TCP checksums: computed by IP output unless the epair offloads them to an in-process
 * peer; trusted on input only when they arrived that way. Checked on the frames as the receiving
 * interface takes them, in virtual time.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { MbufPool } from '../../buf/mbuf.js'
import { AF_INET, SHUT, SOCK, type Syscalls } from '../../host/syscalls.js'
import { chainNet, netisrGuard, pairNet } from '../../testing/fixtures.js'
import { counter, ip, type Net } from '../../testing/net.js'
import { readAll } from '../../testing/tcp_lab.js'
import { checksum } from '../../wire/checksum.js'
import { IpProto, ipv4PseudoHeaderSum, writeIpv4Header } from '../../wire/inet/ipv4.js'
import { TH, tcpFinish, writeTcpHeader } from '../../wire/inet/tcp.js'
import type { Ifnet, IfTap } from '../net/ifnet.js'
import { ifOffloadsCsum, inDelayedCksum } from './in_cksum.js'

const guard = netisrGuard()
afterEach(() => guard.check())

/** What the receiving interfaces saw: TCP frames deferred, and those that carried a valid checksum. */
interface Seen {
  deferred: number
  valid: number
  invalid: number
}

/** Watch every TCP frame each interface of the net receives (Ethernet + 20-byte IPv4 header). */
function watch(ifps: readonly Ifnet[]): Seen {
  const seen: Seen = { deferred: 0, valid: 0, invalid: 0 }
  for (const ifp of ifps) {
    const input = ifp.netisrInput.bind(ifp)
    ifp.netisrInput = (m) => {
      const b = m.data
      const o = m.off + 14
      if (m.len > 34 && b[o + 9] === IpProto.TCP) {
        if (m.csumL4) seen.deferred++
        else {
          const len = m.len - 34
          const src = (b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!
          const dst = (b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!
          const ok =
            checksum(b, o + 20, len, ipv4PseudoHeaderSum(src >>> 0, dst >>> 0, IpProto.TCP, len)) === 0
          if (ok) seen.valid++
          else seen.invalid++
        }
      }
      input(m)
    }
  }
  return seen
}

function epairs(net: Net, jails: readonly string[]): Ifnet[] {
  return jails.flatMap((j) => net.vnet(j).ifnets.filter((i) => i.family === 'epair'))
}

function pattern(n: number): Uint8Array {
  const d = new Uint8Array(n)
  for (let i = 0; i < n; i++) d[i] = (i * 131 + (i >>> 8)) & 0xff
  return d
}

/** Send `data` from a to b over TCP and return what b read. */
async function transfer(a: Syscalls, b: Syscalls, addr: number, data: Uint8Array): Promise<Uint8Array> {
  const lsn = b.socket(AF_INET, SOCK.STREAM)
  lsn.bind({ addr: 0, port: 7 })
  lsn.listen(1)
  const cli = a.socket(AF_INET, SOCK.STREAM)
  const acc = lsn.accept()
  await cli.connect({ addr, port: 7 })
  const { fd: srv } = await acc
  const [, got] = await Promise.all([cli.send(data).then(() => cli.shutdown(SHUT.WR)), readAll(srv)])
  cli.close()
  srv.close()
  lsn.close()
  return got
}

describe('in_cksum: deferred TCP checksums', () => {
  test('without offload (the default) every TCP segment arrives with its checksum computed', async () => {
    const net = guard.track(pairNet(71))
    const seen = watch(epairs(net, ['a', 'b']))
    const data = pattern(100_000)
    assert.deepEqual(await transfer(net.sys('a'), net.sys('b'), ip('10.0.0.2'), data), data)
    assert.equal(seen.deferred, 0)
    assert.equal(seen.invalid, 0)
    assert.ok(seen.valid > 70)
  })

  test('with offload on the epairs, segments cross uncomputed and are trusted, through a router too', async () => {
    const net = guard.track(chainNet(72))
    for (const i of epairs(net, ['a', 'r', 'b'])) i.csumOffload = true
    const seen = watch(epairs(net, ['a', 'r', 'b']))
    const data = pattern(100_000)
    assert.deepEqual(await transfer(net.sys('a'), net.sys('b'), ip('10.0.2.1'), data), data)
    // Data and pure ACKs from tcp_output are deferred; only tcp_respond's segments (none here) are computed.
    assert.ok(seen.deferred > 140, `${seen.deferred} deferred`)
    assert.equal(seen.invalid, 0)
    assert.equal(counter(net.sys('b'), 'tcp', 'tcps_rcvbadsum'), 0)
  })

  test('offload on one half only: the other direction is computed', async () => {
    const net = guard.track(pairNet(73))
    const a = net.ifp('a', net.ifName(0, 'a'))
    a.csumOffload = true
    const seen = watch(epairs(net, ['a', 'b']))
    const data = pattern(50_000)
    assert.deepEqual(await transfer(net.sys('a'), net.sys('b'), ip('10.0.0.2'), data), data)
    assert.ok(seen.deferred > 0 && seen.valid > 0)
    assert.equal(seen.invalid, 0)
  })

  test('a tap on either half, or no in-process peer, means a real checksum', () => {
    const net = guard.track(pairNet(74))
    const a = net.ifp('a', net.ifName(0, 'a'))
    const b = net.ifp('b', net.ifName(0, 'b'))
    assert.equal(ifOffloadsCsum(a), false)
    a.csumOffload = true
    assert.equal(ifOffloadsCsum(a), true)
    const tap: IfTap = { input: () => false, output: () => false }
    b.tap = tap
    assert.equal(ifOffloadsCsum(a), false)
    b.tap = null
    a.tap = tap
    assert.equal(ifOffloadsCsum(a), false)
    a.tap = null
    a.peer = null
    assert.equal(ifOffloadsCsum(a), false)
  })

  test('inDelayedCksum stores what tcpFinish computes, and clears the mark', () => {
    const pool = new MbufPool()
    const src = ip('192.0.2.1')
    const dst = ip('198.51.100.7')
    const payload = pattern(333)
    const m = pool.get(20 + 333)
    const hl = writeTcpHeader(m.data, m.off, 1234, 80, 1000, 2000, TH.ACK | TH.PUSH, 512, 0, null)
    m.data.set(payload, m.off + hl)
    m.len = hl + payload.length
    const want = m.data.slice(m.off, m.off + m.len)
    tcpFinish(want, 0, want.length, src, dst)
    m.csumL4 = true
    assert.ok(m.prepend(20))
    writeIpv4Header(m.data, m.off, src, dst, IpProto.TCP, 64, 0, 1, m.len - 20, 0)
    inDelayedCksum(m)
    assert.equal(m.csumL4, false)
    assert.deepEqual(m.data.slice(m.off + 20, m.off + m.len), want)
  })
})

describe('mbuf pool: jumbo buffers', () => {
  test('large-MTU buffers are reused, up to the pool bound, and reset', () => {
    const pool = new MbufPool(16, 2)
    const a = pool.get(60_000)
    a.csumL4 = true
    const b = pool.get(65_535 + 14)
    const c = pool.get(9_000)
    assert.equal(pool.allocated, 3)
    pool.put(a)
    pool.put(b)
    pool.put(c) // beyond the bound of 2: dropped
    const again = [pool.get(40_000), pool.get(3_000), pool.get(2_000)]
    assert.equal(pool.allocated, 4)
    assert.ok(again.includes(a) && again.includes(b) && !again.includes(c))
    assert.equal(a.csumL4, false)
    assert.equal(pool.inUse, 3)
    // Bigger than any IPv4 packet: a one-off buffer the pool does not keep.
    const huge = pool.get(200_000)
    pool.put(huge)
    assert.notEqual(pool.get(200_000), huge)
  })
})

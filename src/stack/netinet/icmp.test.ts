/**
 * ICMP in virtual time: the per-second response limit `net.inet.icmp.icmplim` (errors and echo
 * replies; 0 disables it), the RFC 1122 §3.2.2 / RFC 1812 §4.3.2.7 rules for when no error may be
 * sent (about ICMP errors, non-initial fragments), `net.inet.icmp.quotelen` (and a TCP segment's whole
 * header, which FreeBSD always quotes), and validation of
 * received messages (checksum, length, truncated error quotes), each with its icmpstat counter.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import type { Syscalls } from '../../host/syscalls.js'
import { chainNet, netisrGuard, pairNet } from '../../testing/fixtures.js'
import {
  EtherType,
  ether,
  IpProto,
  icmpEcho,
  ipv4,
  parseIcmpDatagram,
  pattern,
  udp,
} from '../../testing/frames.js'
import { counter, counters, ip, type Net, ping } from '../../testing/net.js'
import { SEC } from '../../util/clock.js'
import { checksum } from '../../wire/checksum.js'
import { IcmpType, icmpFinish, UnreachCode, writeIcmpHeader } from '../../wire/inet/icmp.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const pair = (): Net => guard.track(pairNet(8))
const chain = (): Net => guard.track(chainNet(9))

/** Errors of one type actually sent (the histogram lists only types with a count). */
const outhist = (sys: Syscalls, type: number): number => counters(sys, 'icmp')[`icps_outhist[${type}]`] ?? 0

const A = ip('10.0.0.1')
const B = ip('10.0.0.2')

/** Drain a socket: every ICMP message that arrives within `ns`. */
async function drain(s: { recv(t: number): Promise<{ data: Uint8Array } | null> }, ns = SEC / 10) {
  const out = []
  for (let d = await s.recv(ns); d !== null; d = await s.recv(0)) out.push(parseIcmpDatagram(d.data))
  return out
}

describe('net.inet.icmp.icmplim', () => {
  test('port unreachables are limited per second, then allowed again', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    b.sysctlSet('net.inet.icmp.icmplim', '5')
    const icmpSock = a.rawSocket(1)
    const u = a.rawSocket(IpProto.UDP)
    for (let i = 0; i < 20; i++) u.send(B, udp(A, B, 5000 + i, 9, pattern(4)))
    const got = await drain(icmpSock)
    assert.equal(got.filter((m) => m.type === IcmpType.UNREACH && m.code === UnreachCode.PORT).length, 5)
    assert.equal(counter(b, 'icmp', 'icps_ratelimited'), 15)
    assert.equal(counter(b, 'udp', 'udps_noport'), 20)
    await net.sleep(SEC)
    u.send(B, udp(A, B, 6000, 9, pattern(4)))
    assert.equal((await drain(icmpSock)).length, 1)
    assert.equal(net.host.env.pool.inUse, 0)
    u.close()
    icmpSock.close()
  })

  test('echo replies count against the limit too', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    b.sysctlSet('net.inet.icmp.icmplim', '3')
    const s = a.rawSocket(1)
    for (let i = 0; i < 10; i++) s.send(B, icmpEcho(1, i))
    assert.equal((await drain(s)).filter((m) => m.type === IcmpType.ECHO_REPLY).length, 3)
    assert.equal(counter(b, 'icmp', 'icps_ratelimited'), 7)
    s.close()
  })

  test('icmplim=0 disables the limit', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    b.sysctlSet('net.inet.icmp.icmplim', '0')
    const s = a.rawSocket(1)
    for (let i = 0; i < 300; i++) s.send(B, icmpEcho(1, i))
    assert.equal((await drain(s)).length, 256, 'the raw socket queue (256) is the only bound')
    assert.equal(counter(b, 'icmp', 'icps_ratelimited'), 0)
    assert.equal(counter(b, 'icmp', 'icps_reflect'), 300)
    s.close()
  })

  test('the default limit is 200 per second', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    assert.equal(b.sysctlGet('net.inet.icmp.icmplim').value, 200)
    const s = a.rawSocket(1)
    for (let i = 0; i < 250; i++) s.send(B, icmpEcho(1, i))
    assert.equal((await drain(s)).length, 200)
    assert.equal(counter(b, 'icmp', 'icps_ratelimited'), 50)
    s.close()
  })
})

describe('when no error is sent', () => {
  test('never about an ICMP error: an unreachable whose TTL runs out at a router is dropped', async () => {
    const net = chain()
    const a = net.sys('a')
    const s = a.rawSocket(1)
    const err = new Uint8Array(8 + 28)
    writeIcmpHeader(err, 0, IcmpType.UNREACH, UnreachCode.PORT, 0)
    err.set(ipv4({ src: ip('10.0.2.1'), dst: ip('10.0.1.1'), proto: IpProto.UDP, payload: pattern(8) }), 8)
    icmpFinish(err, 0, err.length)
    s.send(ip('10.0.2.1'), err, { ttl: 1 })
    assert.deepEqual(await drain(s), [])
    assert.equal(counter(net.sys('r'), 'icmp', 'icps_oldicmp'), 1)
    // Counted as a call to icmp_error, as FreeBSD does, but nothing went out.
    assert.equal(counter(net.sys('r'), 'icmp', 'icps_error'), 1)
    assert.equal(outhist(net.sys('r'), IcmpType.TIME_EXCEEDED), 0)
    s.close()
  })

  test('never about a non-initial fragment; fragment zero does earn one', () => {
    const net = chain()
    const a = net.sys('a')
    const r = net.sys('r')
    const ifp = net.ifp('r', 'epair0b')
    const aMac = a.ifGet('epair0a').mac!
    const mk = (fragOffset: number) =>
      ether(
        ifp.mac,
        aMac,
        EtherType.IPV4,
        ipv4({
          src: ip('10.0.1.1'),
          dst: ip('10.0.2.1'),
          proto: IpProto.UDP,
          ttl: 1,
          mf: true,
          fragOffset,
          payload: pattern(16),
        }),
      )
    const sent = () => outhist(r, IcmpType.TIME_EXCEEDED)
    net.inject(ifp, mk(64))
    assert.equal(sent(), 0)
    net.inject(ifp, mk(0))
    assert.equal(sent(), 1)
    // Both were calls to icmp_error; only fragment zero earned an error.
    assert.equal(counter(r, 'icmp', 'icps_error'), 2)
  })

  test('quotelen sets how much of the offending datagram an error quotes', async () => {
    const net = pair()
    const a = net.sys('a')
    net.sys('b').sysctlSet('net.inet.icmp.quotelen', '64')
    const icmpSock = a.rawSocket(1)
    const u = a.rawSocket(IpProto.UDP)
    u.send(B, udp(A, B, 5000, 9, pattern(200)))
    const [m] = await drain(icmpSock)
    assert.ok(m !== undefined)
    assert.equal(m.body.length, 20 + 64)
    assert.ok(m.checksumOk)
    u.close()
    icmpSock.close()
  })
})

describe('what an error quotes of a TCP segment', () => {
  /** A TCP header of hlen bytes (NOPs as options) and n bytes of data; checksum left zero. */
  const tcpSeg = (hlen: number, n: number): Uint8Array => {
    const t = new Uint8Array(hlen + n)
    t.set([0x13, 0x88, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, (hlen / 4) << 4, 0x10, 0xff, 0xff])
    t.fill(1, 20, hlen)
    return t
  }

  test('the whole TCP header, options too, though quotelen is 8; nothing for a segment shorter than its header', async () => {
    const net = chain()
    const a = net.sys('a')
    const icmpSock = a.rawSocket(1)
    const t = a.rawSocket(IpProto.TCP)
    const far = ip('10.0.2.1')
    t.send(far, tcpSeg(32, 100), { ttl: 1 })
    const [m] = await drain(icmpSock)
    assert.ok(m !== undefined)
    assert.equal(m.type, IcmpType.TIME_EXCEEDED)
    assert.equal(m.body.length, 20 + 32)
    // quotelen above the header: that much, as for any protocol.
    net.sys('r').sysctlSet('net.inet.icmp.quotelen', '60')
    t.send(far, tcpSeg(32, 100), { ttl: 1 })
    assert.equal((await drain(icmpSock))[0]?.body.length, 20 + 60)
    // A header claiming 32 bytes in a 24-byte segment, and a 12-byte one: no error at all.
    const errors = counter(net.sys('r'), 'icmp', 'icps_error')
    t.send(far, tcpSeg(32, 0).subarray(0, 24), { ttl: 1 })
    t.send(far, tcpSeg(20, 0).subarray(0, 12), { ttl: 1 })
    assert.deepEqual(await drain(icmpSock), [])
    assert.equal(counter(net.sys('r'), 'icmp', 'icps_error'), errors + 2)
    t.close()
    icmpSock.close()
  })
})

describe('unreachable neighbours behind a router', () => {
  test('the first maxtries packets wait while the router asks; later ones get host unreachable', async () => {
    const net = chain()
    const a = net.sys('a')
    const ghost = ip('10.0.2.99')
    // Each ping is held while r asks for the neighbour again (one request a second, traffic-driven).
    for (let seq = 1; seq <= 5; seq++) assert.equal(await ping(a, ghost, { seq, timeoutNs: SEC }), null)
    assert.equal(counter(net.sys('r'), 'arp', 'txrequests') >= 5, true)
    // r has asked maxtries times: it says so (ip_forward on EHOSTDOWN), keeping the packet held.
    const m = await ping(a, ghost, { seq: 6 })
    assert.ok(m !== null)
    assert.equal(m.type, IcmpType.UNREACH)
    assert.equal(m.code, UnreachCode.HOST)
    assert.equal(counter(net.sys('r'), 'icmp', 'icps_error'), 1)
    // The error quotes the datagram as it reached r (ip_forward's mcopy): TTL 64, not the 63 it was
    // forwarded with, under a checksum that is still right.
    assert.equal(m.body[8], 64)
    assert.equal(checksum(m.body, 0, 20), 0)
  })
})

describe('ICMP input validation', () => {
  function inject(net: Net, icmpMsg: Uint8Array) {
    const aIf = net.ifp('a', 'epair0a')
    const bMac = net.sys('b').ifGet('epair0b').mac!
    net.inject(
      aIf,
      ether(aIf.mac, bMac, EtherType.IPV4, ipv4({ src: B, dst: A, proto: IpProto.ICMP, payload: icmpMsg })),
    )
  }

  test('bad checksum → icps_checksum, no reply', () => {
    const net = pair()
    const e = icmpEcho(1, 1, pattern(8))
    e[2]! ^= 1
    inject(net, e)
    assert.equal(counter(net.sys('a'), 'icmp', 'icps_checksum'), 1)
    assert.equal(counter(net.sys('a'), 'icmp', 'icps_reflect'), 0)
  })

  test('shorter than an ICMP header → icps_tooshort', () => {
    const net = pair()
    inject(net, pattern(5))
    assert.equal(counter(net.sys('a'), 'icmp', 'icps_tooshort'), 1)
  })

  test('an error that does not quote a whole IP header → icps_badlen', () => {
    const net = pair()
    const m = new Uint8Array(8 + 10)
    writeIcmpHeader(m, 0, IcmpType.UNREACH, UnreachCode.HOST, 0)
    icmpFinish(m, 0, m.length)
    inject(net, m)
    assert.equal(counter(net.sys('a'), 'icmp', 'icps_badlen'), 1)
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('received types are counted in icps_inhist', () => {
    const net = pair()
    inject(net, icmpEcho(1, 1, pattern(8), IcmpType.ECHO_REPLY))
    inject(net, icmpEcho(1, 1, pattern(8), 40))
    const st = new Map(net.sys('a').protoStats('icmp'))
    assert.equal(st.get('icps_inhist[0]'), 1)
    assert.equal(st.get('icps_inhist[40]'), 1)
  })
})

describe('what raw sockets see', () => {
  test('not the echo requests the kernel answers, but the replies and a refused broadcast echo', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    const theirs = b.rawSocket(1)
    const mine = a.rawSocket(1)
    mine.send(B, icmpEcho(1, 1))
    assert.deepEqual(
      (await drain(mine)).map((m) => m.type),
      [IcmpType.ECHO_REPLY],
    )
    assert.deepEqual(await drain(theirs, 0), [])
    assert.equal(counter(b, 'icmp', 'icps_reflect'), 1)
    // With net.inet.icmp.bmcastecho=0 a broadcast echo is not answered: it goes on to raw sockets.
    mine.send(ip('10.0.0.255'), icmpEcho(1, 2))
    assert.deepEqual(
      (await drain(theirs)).map((m) => m.type),
      [IcmpType.ECHO],
    )
    assert.equal(counter(b, 'icmp', 'icps_bmcastecho'), 1)
    theirs.close()
    mine.close()
  })
})

describe('net.inet.icmp.maskrepl (RFC 950 address mask requests)', () => {
  const maskRequest = (): Uint8Array => {
    const m = new Uint8Array(12)
    m[0] = IcmpType.MASKREQ
    m[7] = 7 // id 0, seq 7
    icmpFinish(m, 0, m.length)
    return m
  }

  test('ignored by default; with maskrepl=1 answered with the mask, or with maskfake', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    const s = a.rawSocket(1)
    s.send(B, maskRequest())
    assert.deepEqual(await drain(s), [])
    b.sysctlSet('net.inet.icmp.maskrepl', '1')
    s.send(B, maskRequest())
    const [reply] = await drain(s)
    assert.equal(reply?.type, IcmpType.MASKREPLY)
    assert.equal(reply?.rest, 7)
    assert.deepEqual([...reply!.body.subarray(0, 4)], [255, 255, 255, 0])
    assert.equal(counter(b, 'icmp', 'icps_reflect'), 1)
    b.sysctlSet('net.inet.icmp.maskfake', String(0xfffff000))
    s.send(B, maskRequest())
    assert.deepEqual([...(await drain(s))[0]!.body.subarray(0, 4)], [255, 255, 240, 0])
    s.close()
  })
})

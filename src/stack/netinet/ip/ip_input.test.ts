/**
 * IPv4 input, local delivery and forwarding across vnet jails in virtual time: header validation with
 * one ipstat counter per malformed case (FreeBSD's ip_input order), the RFC 1122 source/destination
 * checks, local and broadcast delivery (bmcastecho), UDP validation and port unreachable, protocol
 * unreachable, forwarding with TTL decrement and a still-valid checksum, time exceeded, host
 * unreachable (no route, reject route), blackhole routes, route get, and redirects (RFC 1812
 * §5.2.7.2). Every test checks that no exception reached the run-queue.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { chainNet, netisrGuard, pairNet } from '../../../testing/fixtures.js'
import {
  BROADCAST_MAC,
  EtherType,
  ether,
  fixIpv4Checksum,
  IpProto,
  icmpEcho,
  ipv4,
  parseIcmpDatagram,
  pattern,
  udp,
} from '../../../testing/frames.js'
import { counter, counters, delta, ip, type Net, ping } from '../../../testing/net.js'
import { SEC } from '../../../util/clock.js'
import { IcmpType, TimeExceededCode, UnreachCode } from '../../../wire/inet/icmp.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const pair = (): Net => guard.track(pairNet(3))
const chain = (): Net => guard.track(chainNet(4))

const A = ip('10.0.0.1')
const B = ip('10.0.0.2')

/** A frame from b's identity to a's interface carrying `datagram`. */
function fromB(net: Net, datagram: Uint8Array): Uint8Array {
  return ether(
    net.sys('a').ifGet('epair0a').mac!,
    net.sys('b').ifGet('epair0b').mac!,
    EtherType.IPV4,
    datagram,
  )
}

const echo = (over: Partial<Parameters<typeof ipv4>[0]> = {}) =>
  ipv4({ src: B, dst: A, proto: IpProto.ICMP, payload: icmpEcho(7, 1, pattern(16)), ...over })

describe('header validation: each malformed datagram bumps its own counter', () => {
  const withByte = (d: Uint8Array, i: number, v: number, fix = true) => {
    const c = d.slice()
    c[i] = v
    if (fix) fixIpv4Checksum(c)
    return c
  }
  const cases: Array<[string, () => Uint8Array, string]> = [
    ['shorter than a header', () => echo().subarray(0, 19), 'ips_toosmall'],
    ['version 6 in an IPv4 frame', () => withByte(echo(), 0, 0x65), 'ips_badvers'],
    ['header length 16 bytes', () => withByte(echo(), 0, 0x44), 'ips_badhlen'],
    ['header length beyond the data', () => withByte(echo().subarray(0, 40), 0, 0x4f, false), 'ips_badhlen'],
    ['header checksum wrong', () => echo({ badChecksum: true }), 'ips_badsum'],
    ['total length below the header length', () => echo({ totalLength: 19 }), 'ips_badlen'],
    ['total length beyond the frame', () => echo({ totalLength: 200 }), 'ips_tooshort'],
    ['source is the limited broadcast', () => echo({ src: 0xffffffff }), 'ips_badaddr'],
    ['source is multicast', () => echo({ src: ip('224.0.0.5') }), 'ips_badaddr'],
    ['source is loopback on a real link', () => echo({ src: ip('127.0.0.1') }), 'ips_badaddr'],
    ['destination is loopback on a real link', () => echo({ dst: ip('127.0.0.1') }), 'ips_badaddr'],
    ['not ours and not forwarding', () => echo({ dst: ip('10.0.0.9') }), 'ips_cantforward'],
  ]
  for (const [name, make, ctr] of cases)
    test(`${name} → ${ctr}`, () => {
      const net = pair()
      const a = net.sys('a')
      const before = counters(a, 'ip')
      const icmpBefore = counters(a, 'icmp')
      net.inject(net.ifp('a', 'epair0a'), fromB(net, make()))
      assert.deepEqual(delta(before, counters(a, 'ip')), { ips_total: 1, [ctr]: 1 })
      assert.deepEqual(delta(icmpBefore, counters(a, 'icmp')), {}, 'no ICMP about a bad datagram')
      assert.equal(net.host.env.pool.inUse, 0)
    })

  test('a valid datagram with Ethernet padding after it is accepted and trimmed', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    const s = b.rawSocket(1)
    const d = echo()
    const padded = new Uint8Array(d.length + 30)
    padded.set(d)
    padded.fill(0xee, d.length)
    net.inject(net.ifp('a', 'epair0a'), fromB(net, padded))
    assert.equal(counter(a, 'ip', 'ips_delivered'), 1)
    const r = await s.recv(SEC)
    assert.ok(r !== null)
    const m = parseIcmpDatagram(r.data)
    assert.equal(m.type, IcmpType.ECHO_REPLY)
    assert.equal(r.data.length, d.length, 'the reply carries the echo data only, not the padding')
    assert.ok(m.checksumOk && m.ipChecksumOk)
    s.close()
  })

  test('a datagram with IP options is delivered', async () => {
    const net = pair()
    const b = net.sys('b')
    const s = b.rawSocket(1)
    // NOP, NOP, NOP, EOL.
    net.inject(net.ifp('a', 'epair0a'), fromB(net, echo({ options: new Uint8Array([1, 1, 1, 0]) })))
    const r = await s.recv(SEC)
    assert.ok(r !== null)
    assert.equal(parseIcmpDatagram(r.data).type, IcmpType.ECHO_REPLY)
    s.close()
  })

  test('an unknown EtherType is counted on the interface', () => {
    const net = pair()
    const ifp = net.ifp('a', 'epair0a')
    net.inject(ifp, ether(ifp.mac, 0x020000000001, 0x88b5, pattern(46)))
    assert.equal(ifp.stats.noproto, 1)
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('a frame shorter than an Ethernet header is an input error', () => {
    const net = pair()
    const ifp = net.ifp('a', 'epair0a')
    net.inject(ifp, pattern(10))
    assert.equal(ifp.stats.ierrors, 1)
  })
})

describe('local delivery', () => {
  test('ping a neighbour, the own address (through lo0) and 127.0.0.1', async () => {
    const net = pair()
    const a = net.sys('a')
    const r1 = await ping(a, B)
    assert.ok(r1 !== null)
    assert.equal(r1.src, B)
    assert.ok(r1.checksumOk && r1.ipChecksumOk)
    const lo0 = a.ifGet('lo0').stats.ipackets
    const r2 = await ping(a, A)
    assert.ok(r2 !== null)
    assert.equal(r2.src, A)
    assert.ok(a.ifGet('lo0').stats.ipackets >= lo0 + 2)
    assert.ok((await ping(a, ip('127.0.0.1'))) !== null)
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('subnet-broadcast echo is ignored unless net.inet.icmp.bmcastecho=1', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    const bcast = ip('10.0.0.255')
    assert.equal(await ping(a, bcast, { timeoutNs: SEC }), null)
    assert.equal(counter(b, 'icmp', 'icps_bmcastecho'), 1)
    b.sysctlSet('net.inet.icmp.bmcastecho', '1')
    const r = await ping(a, bcast, { seq: 2 })
    assert.ok(r !== null)
    assert.equal(r.src, B, 'answered from the unicast address')
  })

  test('limited-broadcast echo reaches local delivery too', async () => {
    const net = pair()
    const a = net.sys('a')
    a.sysctlSet('net.inet.icmp.bmcastecho', '1')
    const s = net.sys('b').rawSocket(1)
    net.inject(net.ifp('a', 'epair0a'), fromB(net, echo({ dst: 0xffffffff })))
    const r = await s.recv(SEC)
    assert.ok(r !== null)
    assert.equal(r.src, A)
    s.close()
  })

  test('protocol unreachable for an unknown protocol; noproto counted', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    const icmpSock = a.rawSocket(1)
    const s = a.rawSocket(253)
    s.send(B, pattern(12))
    const r = await icmpSock.recv(SEC)
    assert.ok(r !== null)
    const m = parseIcmpDatagram(r.data)
    assert.equal(m.type, IcmpType.UNREACH)
    assert.equal(m.code, UnreachCode.PROTOCOL)
    assert.equal(m.src, B)
    assert.equal(m.body[9], 253, 'quotes the offending header')
    assert.equal(counter(b, 'ip', 'ips_noproto'), 1)
    s.close()
    icmpSock.close()
  })

  test('a raw socket for the protocol takes it instead (no unreachable)', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    const listener = b.rawSocket(253)
    const s = a.rawSocket(253)
    s.send(B, pattern(12))
    const r = await listener.recv(SEC)
    assert.ok(r !== null)
    assert.equal(r.src, A)
    assert.equal(counter(b, 'ip', 'ips_noproto'), 0)
    assert.equal(counter(b, 'icmp', 'icps_error'), 0)
    s.close()
    listener.close()
  })
})

describe('UDP input', () => {
  async function sendUdp(net: Net, payload: Uint8Array, dst = B) {
    const a = net.sys('a')
    const icmpSock = a.rawSocket(1)
    const s = a.rawSocket(IpProto.UDP)
    s.send(dst, payload)
    const r = await icmpSock.recv(SEC)
    s.close()
    icmpSock.close()
    return r === null ? null : parseIcmpDatagram(r.data)
  }

  test('a valid datagram to a closed port earns port unreachable', async () => {
    const net = pair()
    const m = await sendUdp(net, udp(A, B, 5000, 9, pattern(10)))
    assert.ok(m !== null)
    assert.equal(m.type, IcmpType.UNREACH)
    assert.equal(m.code, UnreachCode.PORT)
    assert.deepEqual(delta({}, counters(net.sys('b'), 'udp')), { udps_ipackets: 1, udps_noport: 1 })
  })

  test('no checksum is accepted (udps_nosum) and still finds no port', async () => {
    const net = pair()
    const m = await sendUdp(net, udp(A, B, 5000, 9, pattern(10), true))
    assert.equal(m?.code, UnreachCode.PORT)
    assert.equal(counter(net.sys('b'), 'udp', 'udps_nosum'), 1)
  })

  const bad: Array<[string, () => Uint8Array, string]> = [
    [
      'bad checksum',
      () => {
        const u = udp(A, B, 5000, 9, pattern(10))
        u[6]! ^= 0xff
        return u
      },
      'udps_badsum',
    ],
    [
      'length field beyond the datagram',
      () => {
        const u = udp(A, B, 5000, 9, pattern(10))
        u[5] = 200
        return u
      },
      'udps_badlen',
    ],
    [
      'length field below the header',
      () => {
        const u = udp(A, B, 5000, 9, pattern(10))
        u[5] = 4
        return u
      },
      'udps_badlen',
    ],
    ['shorter than a header', () => pattern(6), 'udps_hdrops'],
  ]
  for (const [name, make, ctr] of bad)
    test(`${name} → ${ctr}, no ICMP`, async () => {
      const net = pair()
      assert.equal(await sendUdp(net, make()), null)
      assert.deepEqual(delta({}, counters(net.sys('b'), 'udp')), { udps_ipackets: 1, [ctr]: 1 })
      assert.equal(net.host.env.pool.inUse, 0)
    })

  test('to the subnet broadcast: counted, no ICMP', async () => {
    const net = pair()
    assert.equal(await sendUdp(net, udp(A, ip('10.0.0.255'), 5000, 9, pattern(10)), ip('10.0.0.255')), null)
    assert.equal(counter(net.sys('b'), 'udp', 'udps_noportbcast'), 1)
  })
})

describe('forwarding', () => {
  test('a router forwards with TTL - 1 and a valid header checksum', async () => {
    const net = chain()
    const a = net.sys('a')
    const r = await ping(a, ip('10.0.2.1'))
    assert.ok(r !== null)
    // The reply crossed the router (b's kernel answers the request itself, so no raw socket of b's
    // sees it, as on FreeBSD): one hop less, with a correct incrementally updated checksum.
    assert.equal(r.ttl, 63)
    assert.ok(r.ipChecksumOk)
    assert.equal(counter(net.sys('r'), 'ip', 'ips_forward'), 2)
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('TTL 1 at the router earns time exceeded from it; TTL 2 gets through', async () => {
    const net = chain()
    const a = net.sys('a')
    const m = await ping(a, ip('10.0.2.1'), { ttl: 1 })
    assert.ok(m !== null)
    assert.equal(m.type, IcmpType.TIME_EXCEEDED)
    assert.equal(m.code, TimeExceededCode.TTL)
    assert.equal(m.src, ip('10.0.1.254'))
    assert.ok(m.checksumOk)
    // The quote: the original header (TTL still 1) and the first 8 bytes of the echo request.
    assert.equal(m.body.length, 28)
    assert.equal(m.body[8], 1)
    assert.equal(m.body[20], IcmpType.ECHO)
    assert.equal(counter(net.sys('r'), 'ip', 'ips_forward'), 0)
    const ok = await ping(a, ip('10.0.2.1'), { ttl: 2, seq: 2 })
    assert.equal(ok?.type, IcmpType.ECHO_REPLY)
  })

  test('forwarding off: the router drops transit traffic silently', async () => {
    const net = chain()
    net.sys('r').sysctlSet('net.inet.ip.forwarding', '0')
    assert.equal(await ping(net.sys('a'), ip('10.0.2.1'), { timeoutNs: SEC }), null)
    assert.equal(counter(net.sys('r'), 'ip', 'ips_cantforward'), 1)
    // Forwarding in one vnet never changes another's.
    assert.equal(net.sys('a').sysctlGet('net.inet.ip.forwarding').value, 0)
    assert.equal(net.root.sysctlGet('net.inet.ip.forwarding').value, 0)
  })

  test('destinations a router never forwards (in_canforward): silently dropped as cantforward', () => {
    const net = chain()
    const r = net.sys('r')
    // A default route, so only the destination check can stop them.
    r.routeAdd({ dst: 0, prefixLen: 0, gateway: ip('10.0.2.1') })
    const rIf = net.ifp('r', 'epair0b')
    const aMac = net.sys('a').ifGet('epair0a').mac!
    // A group (224.1.2.3) is not among them: without multicast routing it is taken as ours (below).
    const dsts = ['169.254.1.1', '240.0.0.1', '0.1.2.3', '224.1.2.3']
    for (const d of dsts)
      net.inject(
        rIf,
        ether(
          rIf.mac,
          aMac,
          EtherType.IPV4,
          ipv4({ src: ip('10.0.1.1'), dst: ip(d), proto: IpProto.ICMP, payload: icmpEcho(1, 1) }),
        ),
      )
    // Loopback-net destinations can only arrive on lo0.
    net.inject(
      net.ifp('r', 'lo0'),
      ipv4({ src: ip('127.0.0.1'), dst: ip('127.0.0.2'), proto: IpProto.ICMP, payload: icmpEcho(1, 1) }),
    )
    assert.equal(counter(r, 'ip', 'ips_cantforward'), dsts.length)
    assert.equal(counter(r, 'ip', 'ips_forward'), 0)
    // ip_input's "assume the packet is for us": delivered, and ICMP ignores the group echo.
    assert.equal(counter(r, 'ip', 'ips_delivered'), 1)
    assert.equal(counter(r, 'icmp', 'icps_bmcastecho'), 1)
    assert.equal(counter(r, 'icmp', 'icps_error'), 0)
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('a unicast datagram in a link-layer broadcast is neither forwarded nor answered with an error', () => {
    // RFC 1812 §5.3.4 and RFC 1122 §3.2.2; FreeBSD's ip_forward and icmp_error test M_BCAST.
    const net = chain()
    const r = net.sys('r')
    const rIf = net.ifp('r', 'epair0b')
    const aMac = net.sys('a').ifGet('epair0a').mac!
    for (const ttl of [64, 1])
      net.inject(
        rIf,
        ether(
          BROADCAST_MAC,
          aMac,
          EtherType.IPV4,
          ipv4({
            src: ip('10.0.1.1'),
            dst: ip('10.0.2.1'),
            proto: IpProto.ICMP,
            ttl,
            payload: icmpEcho(1, 1),
          }),
        ),
      )
    assert.equal(counter(r, 'ip', 'ips_cantforward'), 2)
    assert.equal(counter(r, 'ip', 'ips_forward'), 0)
    assert.equal(counter(r, 'icmp', 'icps_error'), 0)
    assert.equal(counter(net.sys('b'), 'ip', 'ips_total'), 0)
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('a directed broadcast to the router’s other subnet is neither answered nor forwarded', async () => {
    const net = chain()
    const r = net.sys('r')
    r.sysctlSet('net.inet.icmp.bmcastecho', '1')
    net.sys('b').sysctlSet('net.inet.icmp.bmcastecho', '1')
    assert.equal(await ping(net.sys('a'), ip('10.0.2.255'), { timeoutNs: SEC }), null)
    assert.equal(counter(r, 'ip', 'ips_cantforward'), 1)
    assert.equal(counter(r, 'ip', 'ips_delivered'), 0)
    assert.equal(counter(r, 'ip', 'ips_forward'), 0)
    // The broadcast of the subnet it arrived on is the router's own.
    assert.equal((await ping(net.sys('a'), ip('10.0.1.255'), { seq: 2 }))?.src, ip('10.0.1.254'))
  })

  test('no route at the router: host unreachable (FreeBSD never sends net unreachable)', async () => {
    const net = chain()
    const m = await ping(net.sys('a'), ip('192.0.2.9'))
    assert.ok(m !== null)
    assert.equal(m.type, IcmpType.UNREACH)
    assert.equal(m.code, UnreachCode.HOST)
    assert.equal(m.src, ip('10.0.1.254'))
    const r = net.sys('r')
    assert.equal(counter(r, 'ip', 'ips_noroute'), 1)
    assert.equal(counter(r, 'ip', 'ips_cantforward'), 1)
  })

  test('a reject route at the router: host unreachable; a blackhole route: silence', async () => {
    const net = chain()
    const r = net.sys('r')
    r.routeAdd({ dst: ip('192.0.2.0'), prefixLen: 24, reject: true })
    r.routeAdd({ dst: ip('198.51.100.0'), prefixLen: 24, blackhole: true })
    const rej = await ping(net.sys('a'), ip('192.0.2.9'))
    assert.equal(rej?.type, IcmpType.UNREACH)
    assert.equal(rej?.code, UnreachCode.HOST)
    assert.equal(await ping(net.sys('a'), ip('198.51.100.9'), { timeoutNs: SEC }), null)
    assert.equal(counter(r, 'ip', 'ips_cantforward'), 2)
    assert.equal(counter(r, 'icmp', 'icps_error'), 1)
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('locally: reject route → EHOSTUNREACH, blackhole → silently discarded, no route → EHOSTUNREACH', () => {
    const net = pair()
    const a = net.sys('a')
    a.routeAdd({ dst: ip('192.0.2.0'), prefixLen: 24, reject: true })
    a.routeAdd({ dst: ip('198.51.100.0'), prefixLen: 24, blackhole: true })
    const s = a.rawSocket(1)
    assert.throws(() => s.send(ip('192.0.2.1'), icmpEcho(1, 1)), { code: 'EHOSTUNREACH' })
    assert.doesNotThrow(() => s.send(ip('198.51.100.1'), icmpEcho(1, 1)))
    assert.throws(() => s.send(ip('203.0.113.1'), icmpEcho(1, 1)), { code: 'EHOSTUNREACH' })
    assert.equal(net.host.env.pool.inUse, 0)
    s.close()
  })

  test('route get reports the matching route and the source address it would use', () => {
    const net = chain()
    const a = net.sys('a')
    const g = a.routeGet(ip('8.8.8.8'))
    assert.equal(g.prefixLen, 0)
    assert.equal(g.gateway, ip('10.0.1.254'))
    assert.equal(g.ifName, 'epair0a')
    assert.equal(g.ifAddr, ip('10.0.1.1'))
    const c = a.routeGet(ip('10.0.1.77'))
    assert.equal(c.prefixLen, 24)
    assert.equal(c.gateway, 0)
    assert.equal(c.gatewayIfIndex, a.ifGet('epair0a').index)
    assert.equal(a.routeGet(ip('10.0.1.1')).ifName, 'lo0')
    a.routeDelete(0, 0)
    assert.throws(() => a.routeGet(ip('8.8.8.8')), { code: 'ESRCH' })
  })

  test('route change replaces the gateway in place; route delete with a wrong gateway is ESRCH', async () => {
    const net = chain()
    const a = net.sys('a')
    a.ifAddAddr('epair0a', ip('10.0.1.5'), 24, { alias: true })
    a.routeChange({ dst: 0, prefixLen: 0, gateway: ip('10.0.1.253') })
    assert.equal(a.routeGet(ip('8.8.8.8')).gateway, ip('10.0.1.253'))
    assert.throws(() => a.routeDelete(0, 0, ip('10.0.1.254')), { code: 'ESRCH' })
    assert.throws(() => a.routeChange({ dst: ip('10.7.0.0'), prefixLen: 16, gateway: ip('10.0.1.254') }), {
      code: 'ESRCH',
    })
    a.routeDelete(0, 0, ip('10.0.1.253'))
    assert.equal(
      a.routeList().some((r) => r.prefixLen === 0),
      false,
    )
  })

  test('route flush removes gateway routes only', () => {
    const net = chain()
    const a = net.sys('a')
    a.routeAdd({ dst: ip('10.5.0.0'), prefixLen: 16, gateway: ip('10.0.1.254') })
    const n = a.routeList().length
    const gone = a.routeFlush()
    assert.equal(gone.length, 2)
    assert.equal(a.routeList().length, n - 2)
    assert.ok(a.routeList().every((r) => r.gateway === 0))
  })
})

describe('redirects', () => {
  /** r's route to 10.0.3.0/24 points back out of the interface a's packet came in by. */
  function redirectNet(): Net {
    const net = chain()
    net.sys('a').ifAddAddr('epair0a', ip('10.0.1.5'), 24, { alias: true })
    net.sys('r').routeAdd({ dst: ip('10.0.3.0'), prefixLen: 24, gateway: ip('10.0.1.5') })
    return net
  }

  test('a router sends a host redirect to a sender on the same subnet, and still forwards', async () => {
    const net = redirectNet()
    const a = net.sys('a')
    const s = a.rawSocket(1)
    s.send(ip('10.0.3.7'), icmpEcho(5, 5))
    let redirect = null
    for (let d = await s.recv(SEC); d !== null; d = await s.recv(0)) {
      const m = parseIcmpDatagram(d.data)
      if (m.type === IcmpType.REDIRECT) redirect = m
    }
    assert.ok(redirect !== null)
    assert.equal(redirect.code, 1, 'ICMP_REDIRECT_HOST')
    assert.equal(redirect.rest, ip('10.0.1.5'), 'the better gateway')
    assert.equal(redirect.src, ip('10.0.1.254'))
    assert.ok(redirect.checksumOk)
    const r = net.sys('r')
    assert.equal(counter(r, 'ip', 'ips_redirectsent'), 1)
    assert.equal(counter(r, 'ip', 'ips_forward'), 1)
    // a does not change its routes because of a redirect.
    assert.equal(a.routeGet(ip('10.0.3.7')).gateway, ip('10.0.1.254'))
    assert.equal(net.host.env.pool.inUse, 0)
    s.close()
  })

  test('net.inet.ip.redirect=0 suppresses redirects', async () => {
    const net = redirectNet()
    net.sys('r').sysctlSet('net.inet.ip.redirect', '0')
    const s = net.sys('a').rawSocket(1)
    s.send(ip('10.0.3.7'), icmpEcho(5, 5))
    for (let d = await s.recv(SEC); d !== null; d = await s.recv(0))
      assert.notEqual(parseIcmpDatagram(d.data).type, IcmpType.REDIRECT)
    assert.equal(counter(net.sys('r'), 'ip', 'ips_redirectsent'), 0)
    s.close()
  })

  test('no redirect for a packet that leaves by another interface', async () => {
    const net = chain()
    await ping(net.sys('a'), ip('10.0.2.1'))
    assert.equal(counter(net.sys('r'), 'ip', 'ips_redirectsent'), 0)
  })
})

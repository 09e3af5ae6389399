/**
 * ip_tryforward in virtual time, through a — r — b (r forwarding): plain unicast transit traffic is
 * forwarded there and counted in ips_forward and ips_fastforward (`netstat -s -p ip` prints "(N
 * packets fast forwarded)" on the forwarding line), with TTL − 1 and a header checksum updated
 * incrementally that stays valid for every value it can hold; the fast path's ICMP errors (time
 * exceeded, host unreachable, fragmentation needed with the next hop's MTU) and counters; ipfw's
 * input and output hooks still see, count and drop fast-forwarded packets; options, fragments,
 * datagrams to be fragmented and redirects take the slow path (forwarded, not fast), and malformed
 * or unforwardable datagrams the fast path declines are counted by ip_input as before.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { chainNet, netisrGuard } from '../../../testing/fixtures.js'
import {
  EtherType,
  ether,
  fixIpv4Checksum,
  IpProto,
  icmpEcho,
  ipv4,
  pattern,
} from '../../../testing/frames.js'
import { counter, counters, delta, ip, type Net, ping } from '../../../testing/net.js'
import { ROUTED_IPFW, sh, virtualHost } from '../../../testing/net_lab.js'
import { wiretap } from '../../../testing/shell.js'
import { checksumOk } from '../../../wire/checksum.js'
import { IcmpType, TimeExceededCode, UnreachCode } from '../../../wire/inet/icmp.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const chain = (): Net => guard.track(chainNet(11))

const A = ip('10.0.1.1')
const B = ip('10.0.2.1')

/** A frame from a to r's interface on their link carrying `datagram`. */
function fromA(net: Net, datagram: Uint8Array): Uint8Array {
  return ether(net.ifp('r', 'epair0b').mac, net.ifp('a', 'epair0a').mac, EtherType.IPV4, datagram)
}

/**
 * An echo reply from a to b with the given header fields: b takes it in silence (no socket waits
 * for it), so r sees nothing come back.
 */
const echo = (over: Partial<Parameters<typeof ipv4>[0]> = {}) =>
  ipv4({
    src: A,
    dst: B,
    proto: IpProto.ICMP,
    payload: icmpEcho(9, 1, pattern(16), IcmpType.ECHO_REPLY),
    ...over,
  })

/** The IPv4 frames ifp sends (its link also carries its peer's frames, and r's ARP requests). */
function ipTap(ifp: Parameters<typeof wiretap>[0]): Uint8Array[] {
  const all = wiretap(ifp)
  const only: Uint8Array[] = []
  const push = all.push.bind(all)
  const mac = ifp.mac.toString(16).padStart(12, '0')
  all.push = (...fs: Uint8Array[]) => {
    for (const f of fs)
      if (
        ((f[12]! << 8) | f[13]!) === EtherType.IPV4 &&
        Buffer.from(f.subarray(6, 12)).toString('hex') === mac
      )
        only.push(f)
    return push(...fs)
  }
  return only
}

/** r's ipstat counters that moved while fn ran. */
async function rDelta(net: Net, fn: () => unknown): Promise<Record<string, number>> {
  const r = net.sys('r')
  const before = counters(r, 'ip')
  await fn()
  return delta(before, counters(r, 'ip'))
}

describe('the fast path', () => {
  test('plain unicast transit traffic is fast forwarded: TTL − 1, checksum valid, both counters', async () => {
    const net = chain()
    const d = await rDelta(net, async () => {
      const r = await ping(net.sys('a'), B)
      assert.equal(r?.type, IcmpType.ECHO_REPLY)
      assert.equal(r.ttl, 63)
      assert.ok(r.ipChecksumOk)
    })
    // The request and the reply, each received once and forwarded on the fast path.
    assert.deepEqual(d, { ips_total: 2, ips_forward: 2, ips_fastforward: 2 })
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('the incremental checksum update is right for every checksum value (RFC 1624 §3)', () => {
    const net = chain()
    const out = ipTap(net.ifp('r', 'epair1a'))
    // Every header checksum there can be, through the identification field: including 0xfeff, whose
    // update wraps to 0x0000 (ip_tryforward's form, and RFC 1624's eqn. 3), and 0xffff.
    const d = echo()
    for (let id = 0; id < 0x10000; id += 1) {
      d[4] = id >>> 8
      d[5] = id
      fixIpv4Checksum(d)
      net.inject(net.ifp('r', 'epair0b'), fromA(net, d))
    }
    assert.equal(out.length, 0x10000)
    const sums = new Set<number>()
    for (const f of out) {
      assert.equal(f[14 + 8], 63)
      assert.ok(checksumOk(f, 14, 20), `checksum ${f[24]!.toString(16)}${f[25]!.toString(16)}`)
      sums.add((f[24]! << 8) | f[25]!)
    }
    assert.ok(sums.size > 0xff00, 'the checksums covered (nearly) every value')
    assert.equal(counter(net.sys('r'), 'ip', 'ips_fastforward'), 0x10000)
  })

  test('`netstat -s -p ip` reports the fast-forwarded packets on the forwarding line', async () => {
    const host = virtualHost()
    const r = await sh(
      host,
      `${ROUTED_IPFW}
kldunload ipfw
jexec a ping -c 3 -q 10.0.2.2 > /dev/null
jexec r netstat -s -p ip`,
    )
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /\t6 packets forwarded \(6 packets fast forwarded\)\n/)
    assert.match(r.out, /\t6 total packets received\n/)
    host.clock.stop()
  })
})

describe('ICMP errors from the fast path', () => {
  test('TTL 1: time exceeded, quoting the datagram as received', async () => {
    const net = chain()
    const d = await rDelta(net, async () => {
      const m = await ping(net.sys('a'), B, { ttl: 1 })
      assert.equal(m?.type, IcmpType.TIME_EXCEEDED)
      assert.equal(m.code, TimeExceededCode.TTL)
      assert.equal(m.src, ip('10.0.1.254'))
      assert.equal(m.body[8], 1)
    })
    assert.deepEqual(d, { ips_total: 1, ips_localout: 1 })
  })

  test('no route: host unreachable, counted in ips_noroute and ips_cantforward', async () => {
    const net = chain()
    const d = await rDelta(net, async () => {
      const m = await ping(net.sys('a'), ip('192.0.2.9'))
      assert.equal(m?.type, IcmpType.UNREACH)
      assert.equal(m.code, UnreachCode.HOST)
    })
    assert.deepEqual(d, { ips_total: 1, ips_noroute: 1, ips_cantforward: 1, ips_localout: 1 })
  })

  test('too big with DF: fragmentation needed with the next hop’s MTU, counted in ips_cantfrag', async () => {
    const net = chain()
    net.sys('r').ifSetMtu('epair1a', 1280)
    const d = await rDelta(net, async () => {
      const m = await ping(net.sys('a'), B, { size: 1400, df: true })
      assert.equal(m?.type, IcmpType.UNREACH)
      assert.equal(m.code, UnreachCode.NEEDFRAG)
      // RFC 1191 §4: the next-hop MTU in the low 16 bits of the header's second word.
      assert.equal(m.rest & 0xffff, 1280)
    })
    assert.deepEqual(d, { ips_total: 1, ips_cantfrag: 1, ips_localout: 1 })
  })
})

describe('the slow path keeps what the fast path does not take', () => {
  test('a datagram with options is forwarded by ip_forward', () => {
    const net = chain()
    const out = ipTap(net.ifp('r', 'epair1a'))
    net.inject(net.ifp('r', 'epair0b'), fromA(net, echo({ options: new Uint8Array([1, 1, 1, 0]) })))
    assert.equal(out.length, 1)
    assert.equal(out[0]![14 + 8], 63)
    assert.ok(checksumOk(out[0]!, 14, 24))
    assert.equal(counter(net.sys('r'), 'ip', 'ips_forward'), 1)
    assert.equal(counter(net.sys('r'), 'ip', 'ips_fastforward'), 0)
  })

  test('a fragment is forwarded by ip_forward', () => {
    const net = chain()
    const out = ipTap(net.ifp('r', 'epair1a'))
    net.inject(net.ifp('r', 'epair0b'), fromA(net, echo({ mf: true })))
    net.inject(net.ifp('r', 'epair0b'), fromA(net, echo({ fragOffset: 24 })))
    assert.equal(out.length, 2)
    assert.equal(counter(net.sys('r'), 'ip', 'ips_forward'), 2)
    assert.equal(counter(net.sys('r'), 'ip', 'ips_fastforward'), 0)
  })

  test('a datagram too big for the next hop, DF clear, is fragmented by ip_forward', async () => {
    const net = chain()
    net.sys('r').ifSetMtu('epair1a', 1280)
    const d = await rDelta(net, async () => {
      const m = await ping(net.sys('a'), B, { size: 1400 })
      assert.equal(m?.type, IcmpType.ECHO_REPLY)
    })
    // The request fragmented on the slow path; b's reply, as big, fits a's link: the fast path.
    assert.equal(d.ips_fragmented, 1)
    assert.equal(d.ips_ofragments, 2)
    assert.equal(d.ips_forward, 2)
    assert.equal(d.ips_fastforward, 1)
  })

  test('a packet that earns its sender a redirect is forwarded by ip_forward, which sends it', async () => {
    const net = chain()
    net.sys('a').ifAddAddr('epair0a', ip('10.0.1.5'), 24, { alias: true })
    net.sys('r').routeAdd({ dst: ip('10.0.3.0'), prefixLen: 24, gateway: ip('10.0.1.5') })
    const d = await rDelta(net, async () => {
      const s = net.sys('a').rawSocket(1)
      s.send(ip('10.0.3.7'), icmpEcho(5, 5))
      await net.sleep(1e9)
      s.close()
    })
    assert.equal(d.ips_redirectsent, 1)
    assert.equal(d.ips_forward, 1)
    assert.equal(d.ips_fastforward, undefined)
  })
})

describe('what the fast path declines, ip_input checks and counts', () => {
  const cases: Array<[string, () => Uint8Array, string]> = [
    ['a bad header checksum', () => echo({ badChecksum: true }), 'ips_badsum'],
    ['a total length beyond the frame', () => echo({ totalLength: 200 }), 'ips_tooshort'],
    ['a loopback source', () => echo({ src: ip('127.0.0.1') }), 'ips_badaddr'],
    ['a multicast source', () => echo({ src: ip('224.0.0.5') }), 'ips_badaddr'],
    ['a link-local destination', () => echo({ dst: ip('169.254.1.1') }), 'ips_cantforward'],
  ]
  for (const [name, make, ctr] of cases)
    test(`${name} on a forwarding router → ${ctr}, nothing forwarded`, async () => {
      const net = chain()
      net.sys('r').routeAdd({ dst: 0, prefixLen: 0, gateway: B })
      const out = ipTap(net.ifp('r', 'epair1a'))
      const d = await rDelta(net, () => net.inject(net.ifp('r', 'epair0b'), fromA(net, make())))
      assert.deepEqual(d, { ips_total: 1, [ctr]: 1 })
      assert.equal(out.length, 0)
      assert.equal(net.host.env.pool.inUse, 0)
    })
})

describe('pfil hooks on the fast path', () => {
  test('ipfw sees each fast-forwarded packet on the way in and on the way out', async () => {
    const host = virtualHost()
    const r = await sh(
      host,
      `${ROUTED_IPFW}
jexec r ipfw -q add 100 count ip from 10.0.1.2 to 10.0.2.2 in
jexec r ipfw -q add 200 count ip from 10.0.1.2 to 10.0.2.2 out
jexec a ping -c 2 -q 10.0.2.2 > /dev/null
jexec r ipfw show 100 200
jexec r netstat -s -p ip | grep forwarded`,
    )
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /^00100\s+2\s+168 count ip from 10\.0\.1\.2 to 10\.0\.2\.2 in$/m)
    assert.match(r.out, /^00200\s+2\s+168 count ip from 10\.0\.1\.2 to 10\.0\.2\.2 out$/m)
    assert.match(r.out, /4 packets forwarded \(4 packets fast forwarded\)/)
    host.clock.stop()
  })

  test('a deny on the input or the output hook stops a fast-forwarded packet', async () => {
    for (const dir of ['in', 'out']) {
      const host = virtualHost()
      const r = await sh(
        host,
        `${ROUTED_IPFW}
jexec r ipfw -q add 100 deny icmp from 10.0.1.2 to 10.0.2.2 ${dir}
jexec a ping -c 1 -t 1 10.0.2.2 > /dev/null; echo ping=$?
jexec r ipfw show 100
jexec r netstat -s -p ip | grep -c 'fast forwarded'; true`,
      )
      assert.match(r.out, /ping=2/, dir)
      assert.match(r.out, /^00100\s+1\s+84 deny icmp/m, dir)
      assert.doesNotMatch(r.out, /[1-9]\d* packets? fast forwarded/, dir)
      host.clock.stop()
    }
  })

  test('ipfw fwd on input still routes toward the filter’s next hop (after the fast path’s hook)', async () => {
    const host = virtualHost()
    // b's address is forwarded to a host route of r's pointing nowhere reachable: the packets go
    // toward 10.0.2.99, which never answers ARP, so the ping fails where without the rule it works.
    const r = await sh(
      host,
      `${ROUTED_IPFW}
jexec a ping -c 1 -t 1 10.0.2.2 > /dev/null; echo before=$?
jexec r ipfw -q add 100 fwd 10.0.2.99 icmp from 10.0.1.2 to 10.0.2.2 in
jexec a ping -c 1 -t 1 10.0.2.2 > /dev/null; echo after=$?
jexec r ipfw show 100`,
    )
    assert.match(r.out, /before=0/)
    assert.match(r.out, /after=2/)
    assert.match(r.out, /^00100\s+1\s+84 fwd 10\.0\.2\.99 icmp/m)
    host.clock.stop()
  })
})

/**
 * IPv6 between vnets over epairs, in virtual time: link-local autoconfiguration and ping6 over it,
 * global addresses after DAD, a router forwarding between two /64s (hop limit, no route, time
 * exceeded), Neighbor Unreachability Detection after a link is cut, and a DAD conflict marking the
 * second address duplicated. Every test checks no exception reached the run-queue and no buffer leaked.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { Net } from '../../../testing/net.js'
import { addr6, ip6, ping6 } from '../../../testing/net6.js'
import { SEC } from '../../../util/clock.js'
import { Icmp6Type, TimeExceed6Code, Unreach6Code } from '../../../wire/inet6/icmpv6.js'
import { formatIpv6, in6LinkLocalFromMac } from '../../../wire/inet6/in6_addr.js'
import { IN6_IFF } from '../in6_var.js'

let current: Net | null = null

function net(spec: ConstructorParameters<typeof Net>[1]): Net {
  const n = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed: 11 }), spec)
  current = n
  return n
}

afterEach(() => {
  if (current === null) return
  assert.equal(current.host.env.netisr.errors, 0, String(current.host.env.netisr.lastError))
  current = null
})

function linkLocal(n: Net, jail: string, ifName: string): string {
  return formatIpv6(in6LinkLocalFromMac(n.sys(jail).ifGet(ifName).mac!))
}

describe('link-local', () => {
  test('an interface coming up gets fe80::/64 from its MAC; ping6 over it after DAD', async () => {
    const n = net({ jails: ['a', 'b'], links: [['a', '10.0.0.1/24', 'b', '10.0.0.2/24']] })
    const a = n.sys('a')
    const info = a.ifGet('epair0a')
    const ll = info.inet6!.find((x) => x.addr[0] === 0xfe)!
    assert.equal(formatIpv6(ll.addr), linkLocal(n, 'a', 'epair0a'))
    assert.equal(ll.prefixLen, 64)
    assert.equal(ll.scopeId, info.index)
    assert.ok((ll.flags & IN6_IFF.TENTATIVE) !== 0, 'tentative until DAD completes')
    await n.sleep(3 * SEC)
    assert.equal(a.ifGet('epair0a').inet6!.find((x) => x.addr[0] === 0xfe)!.flags & IN6_IFF.TENTATIVE, 0)
    const r = await ping6(a, linkLocal(n, 'b', 'epair0b'), { via: 'epair0a' })
    assert.ok(r !== null, 'no reply')
    assert.equal(r.type, Icmp6Type.ECHO_REPLY)
    assert.equal(formatIpv6(r.src), linkLocal(n, 'b', 'epair0b'))
    assert.equal(r.hlim, 64)
    // Both learnt each other: a from the advertisement, b from the solicitation's source option.
    const na = a.inet6.ndpList().find((e) => e.ifName === 'epair0a')!
    assert.equal(na.mac, n.sys('b').ifGet('epair0b').mac)
    assert.equal(na.state, 1)
    assert.equal(n.host.env.pool.inUse, 0)
  })

  test('lo0 has ::1 and fe80::1, and answers ping6 ::1', async () => {
    const n = net({ jails: ['a'] })
    const a = n.sys('a')
    const lo = a.ifGet('lo0').inet6!.map((x) => `${formatIpv6(x.addr)}/${x.prefixLen}`)
    assert.deepEqual(lo, ['::1/128', 'fe80::1/64'])
    const r = await ping6(a, '::1')
    assert.ok(r !== null)
    assert.equal(r.type, Icmp6Type.ECHO_REPLY)
  })
})

describe('global addresses and routing', () => {
  test('two vnets ping6 each other on a /64', async () => {
    const n = net({ jails: ['a', 'b'], links: [['a', '', 'b', '']] })
    addr6(n.sys('a'), 'epair0a', '2001:db8::1/64')
    addr6(n.sys('b'), 'epair0b', '2001:db8::2/64')
    await n.sleep(2 * SEC)
    const r = await ping6(n.sys('a'), '2001:db8::2')
    assert.ok(r !== null)
    assert.equal(r.type, Icmp6Type.ECHO_REPLY)
    assert.equal(formatIpv6(r.src), '2001:db8::2')
  })

  test('a router forwards between two /64s; hop limit, no route and time exceeded', async () => {
    const n = net({
      jails: ['a', 'r', 'b'],
      links: [
        ['a', '', 'r', ''],
        ['r', '', 'b', ''],
      ],
    })
    const [a, r, b] = [n.sys('a'), n.sys('r'), n.sys('b')]
    addr6(a, 'epair0a', '2001:db8:1::2/64')
    addr6(r, 'epair0b', '2001:db8:1::1/64')
    addr6(r, 'epair1a', '2001:db8:2::1/64')
    addr6(b, 'epair1b', '2001:db8:2::2/64')
    a.inet6.routeAdd({ dst: ip6('::'), prefixLen: 0, gateway: ip6('2001:db8:1::1') })
    b.inet6.routeAdd({ dst: ip6('::'), prefixLen: 0, gateway: ip6('2001:db8:2::1') })
    await n.sleep(2 * SEC)
    // Not a router yet: the packet is not forwarded.
    assert.equal(await ping6(a, '2001:db8:2::2', { timeoutNs: SEC }), null)
    r.sysctlSet('net.inet6.ip6.forwarding', '1')
    const ok = await ping6(a, '2001:db8:2::2', { seq: 2 })
    assert.ok(ok !== null)
    assert.equal(ok.type, Icmp6Type.ECHO_REPLY)
    assert.equal(ok.hlim, 63, 'one hop')
    const te = await ping6(a, '2001:db8:2::2', { seq: 3, hlim: 1 })
    assert.ok(te !== null)
    assert.equal(te.type, Icmp6Type.TIME_EXCEEDED)
    assert.equal(te.code, TimeExceed6Code.TRANSIT)
    assert.equal(formatIpv6(te.src), '2001:db8:1::1')
    const nr = await ping6(a, '2001:db8:99::1', { seq: 4 })
    assert.ok(nr !== null)
    assert.equal(nr.type, Icmp6Type.DST_UNREACH)
    assert.equal(nr.code, Unreach6Code.NOROUTE)
    const stats = new Map(r.inet6.protoStats('ip6'))
    assert.ok(stats.get('ip6s_forward')! >= 1)
    assert.equal(n.host.env.pool.inUse, 0)
  })
})

describe('neighbor discovery', () => {
  test('NUD: after the link is cut the entry goes DELAY, PROBE and away', async () => {
    const n = net({ jails: ['a', 'b'], links: [['a', '', 'b', '']] })
    addr6(n.sys('a'), 'epair0a', '2001:db8::1/64')
    addr6(n.sys('b'), 'epair0b', '2001:db8::2/64')
    await n.sleep(2 * SEC)
    const a = n.sys('a')
    assert.ok((await ping6(a, '2001:db8::2')) !== null)
    const entry = () => a.inet6.ndpList().find((e) => formatIpv6(e.addr) === '2001:db8::2')
    assert.equal(entry()!.state, 1)
    // Past ReachableTime (at most 45 s) the entry is STALE.
    await n.sleep(50 * SEC)
    assert.equal(entry()!.state, 2)
    n.sys('b').ifSetUp('epair0b', false)
    assert.equal(await ping6(a, '2001:db8::2', { seq: 2 }), null)
    assert.equal(entry()!.state, 3, 'DELAY after use')
    await n.sleep(5 * SEC)
    assert.equal(entry()!.state, 4, 'PROBE')
    await n.sleep(4 * SEC)
    assert.equal(entry(), undefined, 'unreachable neighbor removed')
  })

  test('DAD: a second node configuring the same address marks it duplicated', async () => {
    const n = net({ jails: ['a', 'b'], links: [['a', '', 'b', '']] })
    addr6(n.sys('a'), 'epair0a', '2001:db8::5/64')
    await n.sleep(2 * SEC)
    addr6(n.sys('b'), 'epair0b', '2001:db8::5/64')
    await n.sleep(2 * SEC)
    const flagsOf = (j: string, i: string) =>
      n
        .sys(j)
        .ifGet(i)
        .inet6!.find((x) => formatIpv6(x.addr) === '2001:db8::5')!.flags
    assert.equal(flagsOf('a', 'epair0a') & (IN6_IFF.DUPLICATED | IN6_IFF.TENTATIVE), 0)
    assert.equal(flagsOf('b', 'epair0b') & IN6_IFF.DUPLICATED, IN6_IFF.DUPLICATED)
    // A duplicated address is never a source (in6_selectsrc skips IN6_IFF_NOTREADY ones): b falls
    // back on its link-local address, which may source a global destination on its own link.
    const src = n.sys('b').inet6.routeGet(ip6('2001:db8::7')).ifAddr
    assert.ok(src !== null && formatIpv6(src).startsWith('fe80:'), String(src && formatIpv6(src)))
  })
})

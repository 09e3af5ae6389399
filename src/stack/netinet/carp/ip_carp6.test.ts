/**
 * carp(4)'s IPv6 addresses in virtual time between two vnets on an epair: the loopback route of
 * 2001:db8::1 follows MASTER (carp_ifa_addroute / carp_ifa_delroute) while its prefix stays, a
 * BACKUP leaves Neighbor Solicitations for it unanswered, and the
 * interface joins ff02::12 with an MLD report on the wire.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import type { CarpSetReq, Syscalls } from '../../../host/syscalls.js'
import { carpPair, carpReq, carpState } from '../../../testing/carp.js'
import { netisrGuard } from '../../../testing/fixtures.js'
import type { Net } from '../../../testing/net.js'
import { ip6, ping6 } from '../../../testing/net6.js'
import { SEC } from '../../../util/clock.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const VIP6 = '2001:db8::1'
const req = carpReq
const state = (sys: Syscalls, ifName: string): string => carpState(sys, ifName)

function carpNet(seed: number): Net {
  const net = carpPair(guard, seed)
  for (const [j, i, a] of [
    ['a', 'epair0a', '2001:db8::a'],
    ['b', 'epair0b', '2001:db8::b'],
  ] as const)
    net.sys(j).inet6.addAddr(i, ip6(a), 64)
  return net
}

function vip6(sys: Syscalls, ifName: string, o: Partial<CarpSetReq> = {}): void {
  sys.carpSet(ifName, req(o))
  sys.inet6.addAddr(ifName, ip6(VIP6), 64, { vhid: 1 })
}

/** The routes to the address (/128) and to its prefix (/64). */
function routes(sys: Syscalls): { host: string | undefined; prefix: string | undefined } {
  const list = sys.inet6.routeList()
  const find = (dst: string, len: number) =>
    list.find((r) => formatIpv6(r.dst) === dst && r.prefixLen === len)?.ifName
  return { host: find(VIP6, 128), prefix: find('2001:db8::', 64) }
}

describe('carp IPv6 routes follow the state', () => {
  test("the MASTER's address goes through lo0; a BACKUP has only the prefix", async () => {
    const net = carpNet(41)
    const a = net.sys('a')
    const b = net.sys('b')
    vip6(a, 'epair0a', { advskew: 0 })
    vip6(b, 'epair0b', { advskew: 100 })
    assert.deepEqual(routes(a), { host: undefined, prefix: 'epair0a' })
    await net.sleep(6 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
    assert.deepEqual(routes(a), { host: 'lo0', prefix: 'epair0a' })
    assert.deepEqual(routes(b), { host: undefined, prefix: 'epair0b' })
    // Handing over: a steps down (state backup), b takes the address and its route.
    a.carpSet('epair0a', req({ state: 1 }))
    assert.deepEqual(routes(a), { host: undefined, prefix: 'epair0a' })
    await net.sleep(5 * SEC)
    assert.equal(state(b, 'epair0b'), 'MASTER')
    assert.deepEqual(routes(b), { host: 'lo0', prefix: 'epair0b' })
  })
})

describe('carp IPv6 neighbour discovery', () => {
  test('a BACKUP leaves solicitations for the address unanswered; the MASTER answers with the virtual MAC', async () => {
    const net = carpNet(43)
    const a = net.sys('a')
    const b = net.sys('b')
    // advbase 20: a stays BACKUP for a minute unless told otherwise.
    vip6(a, 'epair0a', { advbase: 20 })
    await net.sleep(3 * SEC)
    assert.equal(state(a, 'epair0a'), 'BACKUP')
    assert.equal(await ping6(b, VIP6, { timeoutNs: 3 * SEC }), null)
    assert.equal(b.inet6.ndpList().find((x) => formatIpv6(x.addr) === VIP6)?.mac ?? null, null)
    a.carpSet('epair0a', req({ state: 2 }))
    const r = await ping6(b, VIP6, { timeoutNs: 3 * SEC })
    assert.ok(r !== null, 'no reply from the master')
    assert.equal(b.inet6.ndpList().find((x) => formatIpv6(x.addr) === VIP6)?.mac, 0x00005e000101)
  })
})

describe('carp IPv6 multicast', () => {
  test('the first carp inet6 address joins ff02::12 with an MLD report; the last leaves it', async () => {
    const net = carpNet(44)
    const a = net.sys('a')
    const b = net.sys('b')
    await net.sleep(3 * SEC)
    const fd = b.bpfOpen('epair0b', { direction: 'in' })
    vip6(a, 'epair0a', { advbase: 20 })
    assert.ok(a.inet6.mcastGroups('epair0a').some((g) => formatIpv6(g) === 'ff02::12'))
    await net.sleep(2 * SEC)
    // ICMPv6 MLDv2 report (type 143) naming ff02::12 in one of its records.
    let reported = false
    await fd.read((r) => {
      const f = r.buf.subarray(r.off, r.off + r.caplen)
      if (f[12] !== 0x86 || f[13] !== 0xdd) return
      const text = Buffer.from(f).toString('hex')
      if (text.includes('8f00') && text.includes('ff020000000000000000000000000012')) reported = true
    }, 0)
    fd.close()
    assert.ok(reported, 'no MLD report for ff02::12')
    a.inet6.delAddr('epair0a', ip6(VIP6))
    assert.ok(!a.inet6.mcastGroups('epair0a').some((g) => formatIpv6(g) === 'ff02::12'))
  })
})

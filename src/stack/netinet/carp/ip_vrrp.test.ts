/**
 * carp(4) in VRRPv3 mode (`carpver 3`) in virtual time between two vnets on an epair (a: 10.0.0.1,
 * b: 10.0.0.2, a shared 10.0.0.254 on vrid 1): the advertisement on the wire over IPv4 and IPv6,
 * the election by priority and by primary address on a tie (RFC 9568 §6.4.3), preemption after
 * Master_Down_Interval (§6.4.2), the address owner, the priority-0 resignation, and CARP and VRRP
 * never taking each other's advertisements.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import type { CarpSetReq, Syscalls } from '../../../host/syscalls.js'
import { carpPair, carpReq, carpState } from '../../../testing/carp.js'
import { netisrGuard } from '../../../testing/fixtures.js'
import { counter, errnoOf, ip, type Net } from '../../../testing/net.js'
import { SEC } from '../../../util/clock.js'
import { vrrpCksumOk4, vrrpCksumOk6 } from '../../../wire/inet/vrrp.js'
import { parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { toHex } from '../../../wire/testkit.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const VIP = ip('10.0.0.254')
const vrrpNet = (seed: number): Net => carpPair(guard, seed)
const req = (o: Partial<CarpSetReq> = {}): CarpSetReq => carpReq({ version: 3, ...o })
const state = (sys: Syscalls, ifName: string): string => carpState(sys, ifName)

/** `ifconfig IF add vhid 1 carpver 3 vrrpprio P 10.0.0.254/24`. */
function vip(sys: Syscalls, ifName: string, vrrpPrio: number, vrrpAdvInter = 0): void {
  sys.carpSet(ifName, req({ vrrpPrio, vrrpAdvInter }))
  sys.ifAddAddr(ifName, VIP, 24, { alias: true, vhid: 1 })
}

/** The first IP protocol 112 frame b receives on epair0b within `ns` (EtherType at 12, proto at `po`). */
async function capture(net: Net, ns: number, v6 = false): Promise<Uint8Array> {
  const b = net.sys('b')
  const fd = b.bpfOpen('epair0b', { direction: 'in' })
  await net.sleep(ns)
  let frame: Uint8Array | null = null
  await fd.read((r) => {
    const o = r.off
    const ether = v6
      ? r.buf[o + 12] === 0x86 && r.buf[o + 13] === 0xdd
      : r.buf[o + 12] === 8 && r.buf[o + 13] === 0
    if (frame === null && ether && r.buf[o + (v6 ? 20 : 23)] === 112) frame = r.buf.slice(o, o + r.caplen)
  }, 0)
  fd.close()
  assert.ok(frame !== null, 'no advertisement seen')
  return frame
}

describe('VRRPv3 on the wire', () => {
  test('IPv4: from the virtual MAC to 224.0.0.18, TTL 255, the vhid address, pseudo-header checksum', async () => {
    const net = vrrpNet(21)
    const a = net.sys('a')
    vip(a, 'epair0a', 100)
    const f = await capture(net, 5 * SEC)
    // Ethernet: 01:00:5e:00:00:12 from 00:00:5e:00:01:01 (vrid 1), IPv4.
    assert.equal(toHex(f, 0, 14), '01005e000012' + '00005e000101' + '0800')
    // IPv4: DSCP 56 (net.inet.carp.dscp), 28 bytes, DF, TTL 255, protocol 112, 10.0.0.1 -> 224.0.0.18.
    assert.equal(f[15], 56 << 2)
    assert.equal((f[16]! << 8) | f[17]!, 20 + 12)
    assert.equal(f[22], 255)
    assert.equal(f[23], 112)
    assert.equal(toHex(f, 26, 8), '0a000001' + 'e0000012')
    // VRRP: version 3 type 1, vrid 1, priority 100, 1 address, 100 cs, checksum, 10.0.0.254.
    assert.equal(toHex(f, 34, 6), '310164010064')
    assert.equal(toHex(f, 42, 4), '0a0000fe')
    assert.ok(vrrpCksumOk4(f, 34, 12, ip('10.0.0.1'), ip('224.0.0.18')))
    assert.equal(f.length, 14 + 20 + 12)
  })

  test('IPv6: from the link-local address to ff02::12, hop limit 255, the vhid address', async () => {
    const net = vrrpNet(22)
    const a = net.sys('a')
    const vip6 = parseIpv6('2001:db8::1')!
    a.carpSet('epair0a', req({ vrrpAdvInter: 20 }))
    a.inet6.addAddr('epair0a', vip6, 64, { vhid: 1 })
    // Past the link-local address's DAD, so that it is the advertisements' source.
    await net.sleep(3 * SEC)
    const f = await capture(net, 1 * SEC, true)
    assert.equal(toHex(f, 0, 14), '333300000012' + '00005e000101' + '86dd')
    assert.equal(f[20], 112)
    assert.equal(f[21], 255)
    assert.equal(f[22], 0xfe)
    assert.equal(f[23], 0x80)
    assert.equal(toHex(f, 38, 16), 'ff020000000000000000000000000012')
    assert.equal(toHex(f, 54, 6), '310164010014')
    assert.equal(toHex(f, 62, 16), toHex(vip6))
    assert.ok(vrrpCksumOk6(f, 54, 24, f, 22, f, 38))
  })
})

describe('VRRPv3 election', () => {
  test('the higher priority becomes master; the backup hears it and keeps waiting', async () => {
    const net = vrrpNet(23)
    const a = net.sys('a')
    const b = net.sys('b')
    vip(a, 'epair0a', 100)
    vip(b, 'epair0b', 200)
    await net.sleep(10 * SEC)
    assert.equal(state(b, 'epair0b'), 'MASTER')
    assert.equal(state(a, 'epair0a'), 'BACKUP')
    const sent = counter(b, 'carp', 'carps_opackets')
    assert.ok(sent >= 6 && sent <= 8, `b sent ${sent}`)
    // The routes and the address follow the state (carp_addroute / carp_delroute).
    assert.ok(b.routeList().some((r) => r.dst === VIP && r.prefixLen === 32))
    assert.ok(!a.routeList().some((r) => r.dst === VIP && r.prefixLen === 32))
  })

  test('equal priorities: the first to time out stays master; two masters leave it to the greater address', async () => {
    const net = vrrpNet(24)
    const a = net.sys('a')
    const b = net.sys('b')
    vip(a, 'epair0a', 100)
    vip(b, 'epair0b', 100)
    await net.sleep(10 * SEC)
    // A backup accepts a master of its own priority (RFC 9568 §6.4.2): whoever won the race keeps it.
    const first = state(a, 'epair0a') === 'MASTER' ? 'a' : 'b'
    assert.equal(state(first === 'a' ? b : a, first === 'a' ? 'epair0b' : 'epair0a'), 'BACKUP')
    // Both masters at once (`state master`): the master with the smaller address yields (§6.4.3).
    a.carpSet('epair0a', req({ state: 2 }))
    b.carpSet('epair0b', req({ state: 2 }))
    await net.sleep(3 * SEC)
    assert.equal(state(b, 'epair0b'), 'MASTER')
    assert.equal(state(a, 'epair0a'), 'BACKUP')
  })

  test('a shorter interval does not win over priority (unlike CARP, where advbase decides)', async () => {
    const net = vrrpNet(27)
    const a = net.sys('a')
    const b = net.sys('b')
    b.sysctlSet('net.inet.carp.preempt', '1')
    vip(a, 'epair0a', 150, 50)
    vip(b, 'epair0b', 200, 200)
    // a times out first (1.7 s against 6.43 s) and advertises twice a second; b, preempting, ignores it.
    await net.sleep(3 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
    await net.sleep(12 * SEC)
    assert.equal(state(b, 'epair0b'), 'MASTER')
    assert.equal(state(a, 'epair0a'), 'BACKUP')
  })
})

describe('VRRPv3 preemption and resignation', () => {
  test('a higher-priority backup preempts only with net.inet.carp.preempt, after Master_Down_Interval', async () => {
    const net = vrrpNet(28)
    const a = net.sys('a')
    const b = net.sys('b')
    vip(a, 'epair0a', 100)
    await net.sleep(5 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
    vip(b, 'epair0b', 200)
    await net.sleep(10 * SEC)
    assert.equal(state(b, 'epair0b'), 'BACKUP')
    b.sysctlSet('net.inet.carp.preempt', '1')
    // Master_Down_Interval for b: 3 × 100 + (256 - 200) × 100 / 256 = 321 cs after a's last
    // accepted advertisement, which came at most a second before.
    await net.sleep(2 * SEC)
    assert.equal(state(b, 'epair0b'), 'BACKUP')
    await net.sleep(1.5 * SEC)
    assert.equal(state(b, 'epair0b'), 'MASTER')
    assert.equal(counter(b, 'carp', 'carps_preempt'), 1)
    await net.sleep(1.5 * SEC)
    assert.equal(state(a, 'epair0a'), 'BACKUP')
    assert.match(
      net.host.env.msgbuf.text(),
      /1@epair0b: BACKUP -> MASTER \(preempting a lower priority master\)/,
    )
  })

  test('a master giving up its address sends priority 0: the backup takes over after Skew_Time', async () => {
    const net = vrrpNet(29)
    const a = net.sys('a')
    const b = net.sys('b')
    vip(a, 'epair0a', 200)
    vip(b, 'epair0b', 100)
    await net.sleep(6 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
    a.ifDelAddr('epair0a', VIP)
    // Skew_Time for b: (256 - 100) × 100 / 256 = 60 cs, against 3.6 s without the resignation.
    await net.sleep(0.7 * SEC)
    assert.equal(state(b, 'epair0b'), 'MASTER')
  })

  test('priority 255, the address owner, is master at once', () => {
    const net = vrrpNet(30)
    const a = net.sys('a')
    vip(a, 'epair0a', 255)
    assert.equal(state(a, 'epair0a'), 'MASTER')
  })
})

describe('VRRPv3 and CARP apart', () => {
  test('a CARP vhid counts VRRP advertisements as carps_badver, and a vhid keeps its protocol', async () => {
    const net = vrrpNet(31)
    const a = net.sys('a')
    const b = net.sys('b')
    vip(a, 'epair0a', 100)
    b.carpSet('epair0b', req({ version: 2, advskew: 100 }))
    b.ifAddAddr('epair0b', VIP, 24, { alias: true, vhid: 1 })
    await net.sleep(10 * SEC)
    assert.ok(counter(b, 'carp', 'carps_badver') >= 3)
    assert.ok(counter(a, 'carp', 'carps_badver') >= 3)
    // Each is MASTER alone: neither takes the other's advertisements.
    assert.equal(state(a, 'epair0a'), 'MASTER')
    assert.equal(state(b, 'epair0b'), 'MASTER')
    assert.equal(
      errnoOf(() => b.carpSet('epair0b', req({ version: 3 }))),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => a.carpSet('epair0a', req({ vrrpAdvInter: 4096 }))),
      'EINVAL',
    )
    assert.equal(b.carpGet('epair0b', 1)[0]!.version, 2)
    assert.equal(a.carpGet('epair0a', 1)[0]!.vrrpPrio, 100)
  })
})

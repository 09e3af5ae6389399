/**
 * carp(4) in virtual time between two vnets on an epair (a: 10.0.0.1, b: 10.0.0.2, a shared
 * 10.0.0.254 on vhid 1): the election by advskew, preemption, failover when the master's
 * interface goes down (and the demotion that comes with it), a wrong password (ignored and
 * counted), malformed advertisements (each dropped and counted under its own carpstats counter),
 * the virtual MAC in ARP answers, SIOCSVH's checks, and the module's presence.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import type { CarpSetReq, Syscalls } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { carpPair, carpReq, carpState } from '../../../testing/carp.js'
import { netisrGuard, pairNet } from '../../../testing/fixtures.js'
import { counter, errnoOf, ip, Net, ping } from '../../../testing/net.js'
import { SEC } from '../../../util/clock.js'
import { utf8Encode } from '../../../util/utf8.js'
import { checksum } from '../../../wire/checksum.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const VIP = ip('10.0.0.254')
const carpNet = (seed: number): Net => carpPair(guard, seed)
const req = (vhid: number, o: Partial<CarpSetReq> = {}): CarpSetReq => carpReq({ vhid, ...o })
const state = (sys: Syscalls, ifName: string): string => carpState(sys, ifName)

function key(s: string): Uint8Array {
  const k = new Uint8Array(20)
  k.set(utf8Encode(s))
  return k
}

/** `ifconfig IF vhid 1 advskew S [pass P] 10.0.0.254/24 alias`. */
function vip(sys: Syscalls, ifName: string, advskew: number, pass = ''): void {
  sys.carpSet(ifName, req(1, { advskew, key: key(pass) }))
  sys.ifAddAddr(ifName, VIP, 24, { alias: true, vhid: 1 })
}

describe('carp election', () => {
  test('the lower advskew becomes MASTER, the other stays BACKUP and hears it', async () => {
    const net = carpNet(1)
    const a = net.sys('a')
    const b = net.sys('b')
    vip(b, 'epair0b', 100)
    vip(a, 'epair0a', 0)
    assert.equal(state(a, 'epair0a'), 'BACKUP')
    await net.sleep(10 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
    assert.equal(state(b, 'epair0b'), 'BACKUP')
    // About one advertisement a second from the master, all accepted by the backup.
    const sent = counter(a, 'carp', 'carps_opackets')
    assert.ok(sent >= 6 && sent <= 9, `a sent ${sent}`)
    assert.ok(counter(b, 'carp', 'carps_ipackets') >= sent - 1)
    assert.equal(counter(b, 'carp', 'carps_badauth'), 0)
    // Only the master has the address's routes (carp_addroute / carp_delroute).
    assert.ok(a.routeList().some((r) => r.dst === VIP && r.prefixLen === 32))
    assert.ok(!b.routeList().some((r) => r.dst === VIP && r.prefixLen === 32))
  })

  test('a larger advbase loses to a smaller one at the same advskew', async () => {
    const net = carpNet(2)
    const a = net.sys('a')
    const b = net.sys('b')
    a.carpSet('epair0a', req(1, { advbase: 3 }))
    a.ifAddAddr('epair0a', VIP, 24, { alias: true, vhid: 1 })
    await net.sleep(12 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
    b.sysctlSet('net.inet.carp.preempt', '1')
    vip(b, 'epair0b', 0)
    await net.sleep(6 * SEC)
    assert.equal(state(b, 'epair0b'), 'MASTER')
    assert.equal(state(a, 'epair0a'), 'BACKUP')
  })
})

describe('carp preemption', () => {
  test('a better backup waits for the master without preempt, takes over with it', async () => {
    const net = carpNet(3)
    const a = net.sys('a')
    const b = net.sys('b')
    vip(a, 'epair0a', 100)
    await net.sleep(5 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
    vip(b, 'epair0b', 10)
    await net.sleep(10 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
    assert.equal(state(b, 'epair0b'), 'BACKUP')
    b.sysctlSet('net.inet.carp.preempt', '1')
    await net.sleep(3 * SEC)
    assert.equal(state(b, 'epair0b'), 'MASTER')
    assert.equal(state(a, 'epair0a'), 'BACKUP')
    assert.ok(counter(b, 'carp', 'carps_preempt') >= 1)
  })

  test('a negative demotion never makes advskew wrap (PR 259528)', async () => {
    const net = carpNet(4)
    const a = net.sys('a')
    const b = net.sys('b')
    for (const [s, i, skew] of [
      [a, 'epair0a', 0],
      [b, 'epair0b', 100],
    ] as const) {
      s.sysctlSet('net.inet.carp.preempt', '1')
      vip(s, i, skew)
    }
    await net.sleep(5 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
    // Writing adds to the demotion.
    a.sysctlSet('net.inet.carp.demotion', '-1')
    a.sysctlSet('net.inet.carp.demotion', '-1')
    assert.equal(a.sysctlGet('net.inet.carp.demotion').value, -2)
    await net.sleep(5 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
    assert.equal(state(b, 'epair0b'), 'BACKUP')
  })
})

describe('carp failover', () => {
  test("the master's interface going down hands the address over; coming back it waits", async () => {
    const net = carpNet(5)
    const a = net.sys('a')
    const b = net.sys('b')
    vip(a, 'epair0a', 0)
    vip(b, 'epair0b', 100)
    await net.sleep(5 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
    a.ifSetUp('epair0a', false)
    assert.equal(state(a, 'epair0a'), 'INIT')
    assert.equal(a.sysctlGet('net.inet.carp.demotion').value, 240)
    await net.sleep(2 * SEC)
    assert.equal(state(b, 'epair0b'), 'BACKUP')
    await net.sleep(3 * SEC)
    assert.equal(state(b, 'epair0b'), 'MASTER')
    a.ifSetUp('epair0a', true)
    assert.equal(a.sysctlGet('net.inet.carp.demotion').value, 0)
    await net.sleep(10 * SEC)
    assert.equal(state(a, 'epair0a'), 'BACKUP')
    assert.equal(state(b, 'epair0b'), 'MASTER')
    assert.match(net.host.env.msgbuf.text(), /carp: 1@epair0b: BACKUP -> MASTER \(master timed out\)/)
  })

  test('state master / state backup from SIOCSVH', async () => {
    const net = carpNet(6)
    const a = net.sys('a')
    vip(a, 'epair0a', 0)
    assert.equal(state(a, 'epair0a'), 'BACKUP')
    a.carpSet('epair0a', req(1, { state: 2 }))
    assert.equal(state(a, 'epair0a'), 'MASTER')
    a.carpSet('epair0a', req(1, { state: 1 }))
    assert.equal(state(a, 'epair0a'), 'BACKUP')
    await net.sleep(4 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
  })
})

describe('carp authentication', () => {
  test('a wrong password is ignored and counted: each side is MASTER on its own', async () => {
    const net = carpNet(7)
    const a = net.sys('a')
    const b = net.sys('b')
    vip(a, 'epair0a', 0, 'right')
    vip(b, 'epair0b', 100, 'wrong')
    await net.sleep(8 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
    assert.equal(state(b, 'epair0b'), 'MASTER')
    assert.ok(counter(b, 'carp', 'carps_badauth') >= 3)
    assert.ok(counter(a, 'carp', 'carps_badauth') >= 3)
    // Same password: b hears a and steps down.
    b.carpSet('epair0b', req(1, { advskew: 100, key: key('right') }))
    await net.sleep(3 * SEC)
    assert.equal(state(b, 'epair0b'), 'BACKUP')
  })
})

describe('carp input checks', () => {
  /** One advertisement a sends, as b receives it (Ethernet frame). */
  async function captured(net: Net): Promise<Uint8Array> {
    const b = net.sys('b')
    const fd = b.bpfOpen('epair0b', { direction: 'in' })
    await net.sleep(5 * SEC)
    let frame: Uint8Array | null = null
    await fd.read((r) => {
      if (frame === null && r.buf[r.off + 12] === 8 && r.buf[r.off + 13] === 0 && r.buf[r.off + 23] === 112)
        frame = r.buf.slice(r.off, r.off + r.caplen)
    }, 0)
    fd.close()
    assert.ok(frame !== null, 'no advertisement seen')
    return frame
  }

  function fixIp(f: Uint8Array): Uint8Array {
    f[24] = 0
    f[25] = 0
    const c = checksum(f, 14, 20)
    f[24] = c >>> 8
    f[25] = c & 0xff
    return f
  }

  function fixCarp(f: Uint8Array): Uint8Array {
    f[34 + 6] = 0
    f[34 + 7] = 0
    const c = checksum(f, 34, 36)
    f[40] = c >>> 8
    f[41] = c & 0xff
    return f
  }

  test('bad TTL, length, checksum, version, vhid and HMAC: each dropped and counted', async () => {
    const net = carpNet(8)
    const a = net.sys('a')
    const b = net.sys('b')
    vip(a, 'epair0a', 0)
    const good = await captured(net)
    assert.equal(good.length, 14 + 20 + 36)
    // b configured now, as BACKUP with a worse skew: only valid advertisements keep it so.
    vip(b, 'epair0b', 200)
    a.ifSetUp('epair0a', false)
    const ifb = net.ifp('b', 'epair0b')
    const cases: Array<[string, Uint8Array]> = []
    const ttl = fixIp(good.slice())
    ttl[22] = 254
    cases.push(['carps_badttl', fixIp(ttl)])
    const short = good.slice(0, 14 + 20 + 20)
    short[16] = 0
    short[17] = 40
    cases.push(['carps_badlen', fixIp(short)])
    const sum = good.slice()
    sum[34 + 20] ^= 0xff
    cases.push(['carps_badsum', sum])
    const ver = good.slice()
    ver[34] = (4 << 4) | 1
    cases.push(['carps_badver', fixCarp(ver)])
    const vhid = good.slice()
    vhid[35] = 9
    cases.push(['carps_badvhid', fixCarp(vhid)])
    const md = good.slice()
    md[34 + 30] ^= 1
    cases.push(['carps_badauth', fixCarp(md)])
    for (const [name, frame] of cases) {
      const before = counter(b, 'carp', name)
      net.inject(ifb, frame)
      await net.sleep(1)
      assert.equal(counter(b, 'carp', name), before + 1, name)
    }
    // Nothing valid arrived: b's master-down timer ran out.
    await net.sleep(4 * SEC)
    assert.equal(state(b, 'epair0b'), 'MASTER')
    // The genuine one (a faster master) sends b back to BACKUP.
    net.inject(ifb, good)
    await net.sleep(1)
    assert.equal(state(b, 'epair0b'), 'BACKUP')
  })

  test('net.inet.carp.allow=0: advertisements are counted and ignored, vhids stay INIT', async () => {
    const net = carpNet(9)
    const b = net.sys('b')
    b.sysctlSet('net.inet.carp.allow', '0')
    vip(b, 'epair0b', 0)
    await net.sleep(5 * SEC)
    assert.equal(state(b, 'epair0b'), 'INIT')
    b.sysctlSet('net.inet.carp.allow', '1')
    await net.sleep(5 * SEC)
    assert.equal(state(b, 'epair0b'), 'MASTER')
  })
})

describe('carp virtual MAC', () => {
  test('the master answers ARP with 00:00:5e:00:01:VHID; a backup does not answer', async () => {
    const net = carpNet(10)
    const a = net.sys('a')
    const b = net.sys('b')
    vip(a, 'epair0a', 0)
    await net.sleep(5 * SEC)
    assert.equal(state(a, 'epair0a'), 'MASTER')
    // b is a client of the virtual router.
    assert.ok((await ping(b, VIP)) !== null)
    const e = b.arpList().find((x) => x.addr === VIP)
    assert.equal(e?.mac, 0x00005e000101)
    a.carpSet('epair0a', req(1, { state: 1 }))
    b.arpDelete(VIP)
    assert.equal(await ping(b, VIP, { timeoutNs: 2 * SEC }), null)
  })
})

describe('carp on a bridge', () => {
  test('frames to the virtual MAC arriving through a member reach the bridge (GRAB_OUR_PACKETS)', async () => {
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 12 })
    const net = guard.track(new Net(host, { jails: ['b'], links: [['', '', 'b', '10.0.0.2/24']] }))
    const r = net.root
    r.kldload('carp')
    const br = r.ifCreate('bridge')
    r.ifBridgeAdd(br, 'epair0a')
    r.ifSetUp('epair0a', true)
    r.ifAddAddr(br, ip('10.0.0.1'), 24)
    vip(r, br, 0)
    await net.sleep(5 * SEC)
    assert.equal(state(r, br), 'MASTER')
    const b = net.sys('b')
    assert.ok((await ping(b, VIP)) !== null)
    assert.equal(b.arpList().find((x) => x.addr === VIP)?.mac, 0x00005e000101)
  })
})

describe('carp configuration', () => {
  test('SIOCSVH and SIOCAIFADDR checks', () => {
    const net = guard.track(pairNet(11))
    const a = net.sys('a')
    // Module not loaded: the hooks are absent.
    assert.equal(
      errnoOf(() => a.carpSet('epair0a', req(1))),
      'EPROTONOSUPPORT',
    )
    net.root.kldload('carp')
    assert.equal(
      errnoOf(() => a.ifAddAddr('epair0a', VIP, 24, { alias: true, vhid: 1 })),
      'ENOPROTOOPT',
    )
    assert.equal(
      errnoOf(() => a.carpSet('epair0a', req(0))),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => a.carpSet('epair0a', req(1, { advskew: 255 }))),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => a.carpSet('lo0', req(1))),
      'EOPNOTSUPP',
    )
    a.carpSet('epair0a', req(1))
    assert.equal(
      errnoOf(() => a.ifAddAddr('epair0a', VIP, 24, { alias: true, vhid: 2 })),
      'ENOENT',
    )
    assert.equal(a.ifGet('epair0a').addrs.length, 1)
    a.ifAddAddr('epair0a', VIP, 24, { alias: true, vhid: 1 })
    assert.equal(a.ifGet('epair0a').addrs[1]!.vhid, 1)
    // Unloading waits until no vhid is left; removing the last address removes the vhid.
    assert.equal(
      errnoOf(() => net.root.kldunload('carp')),
      'EBUSY',
    )
    a.ifDelAddr('epair0a', VIP)
    assert.equal(
      errnoOf(() => a.carpGet('epair0a', 1)),
      'ENOENT',
    )
    net.root.kldunload('carp')
    assert.equal(
      errnoOf(() => a.sysctlGet('net.inet.carp.allow')),
      'ENOENT',
    )
  })
})

/**
 * Router Advertisement processing and SLAAC in virtual time, with RAs injected from the wire: an RA
 * counts only with accept_rtadv; the default router, prefix list and EUI-64 autoconf address it
 * makes; validation drops (hop limit, source, options, code, length) counted and changing nothing;
 * forwarding nodes, no_radr and rfc6204w3; router preference; lifetimes expiring (deprecated, then
 * gone; the router's default route), the two-hour rule; DAD marking an autoconf address duplicated;
 * and a flood of random and mutated RAs that never throws, leaks no buffer and keeps the lists bounded.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import type { Syscalls } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { ether } from '../../../testing/frames.js'
import { Net } from '../../../testing/net.js'
import { ip6 as a6, addr6, ping6 } from '../../../testing/net6.js'
import { SEC } from '../../../util/clock.js'
import { Rng } from '../../../util/rng.js'
import { Icmp6Type, icmp6Finish } from '../../../wire/inet6/icmpv6.js'
import { formatIpv6, in6LinkLocalFromMac, in6McastMac } from '../../../wire/inet6/in6_addr.js'
import { IPV6_HDR_LEN, Ip6Nxt, writeIpv6Header } from '../../../wire/inet6/ipv6.js'
import { emitRouterAdvert, type RaPrefix, type RaSpec } from '../../../wire/inet6/nd_router.js'
import { EtherType } from '../../../wire/link/ethernet.js'
import { icmp6Stats } from '../icmp6.js'
import { IN6_IFF, ND6_IFF } from '../in6_var.js'
import { in6if, ip6 } from '../ip6/ip6.js'
import { nd6rtr } from './nd6_rtr_var.js'

let current: Net | null = null
afterEach(() => {
  if (current === null) return
  assert.equal(current.host.env.netisr.errors, 0, String(current.host.env.netisr.lastError))
  current = null
})

const ALL_NODES = a6('ff02::1')
const ROUTER_MAC = 0x02aabbccdd01

/** A host h on epair0b (accept_rtadv unless told otherwise), DAD of its link-local done. */
async function host(accept = true, seed = 3): Promise<Net> {
  const n = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed }), {
    jails: ['r', 'h'],
    links: [['r', '', 'h', '']],
  })
  current = n
  n.sys('h').ifSetUp('epair0b', true)
  n.sys('r').ifSetUp('epair0a', true)
  if (accept) n.sys('h').inet6.setNdFlags('epair0b', ND6_IFF.ACCEPT_RTADV, 0)
  await n.sleep(3 * SEC)
  return n
}

/** The prefixes RAs brought (the link-local prefix in6_ifattach lists is always there). */
function raPrefixes(s: Syscalls) {
  return s.inet6.prefixList().filter((p) => !(p.prefix[0] === 0xfe && (p.prefix[1]! & 0xc0) === 0x80))
}

function prefix(p: string, o: Partial<RaPrefix> = {}): RaPrefix {
  return {
    prefix: a6(p),
    prefixLen: 64,
    onlink: true,
    autonomous: true,
    vltime: 2592000,
    pltime: 604800,
    ...o,
  }
}

function ra(o: Partial<RaSpec> = {}): Uint8Array {
  return emitRouterAdvert({
    curHopLimit: 64,
    flags: 0,
    routerLifetime: 1800,
    reachableTime: 0,
    retransTimer: 0,
    mac: ROUTER_MAC,
    mtu: 0,
    prefixes: [prefix('2001:db8:1::')],
    ...o,
  })
}

/** Inject an ICMPv6 message into h's epair0b from src (a router's link-local by default). */
function send(
  n: Net,
  msg: Uint8Array,
  o: { src?: Uint8Array; hlim?: number; dst?: Uint8Array; fixSum?: boolean; mac?: number } = {},
): void {
  const src = o.src ?? in6LinkLocalFromMac(o.mac ?? ROUTER_MAC)
  const dst = o.dst ?? ALL_NODES
  const b = new Uint8Array(IPV6_HDR_LEN + msg.length)
  writeIpv6Header(b, 0, src, 0, dst, 0, Ip6Nxt.ICMPV6, o.hlim ?? 255, msg.length)
  b.set(msg, IPV6_HDR_LEN)
  if (o.fixSum !== false) icmp6Finish(b, IPV6_HDR_LEN, msg.length, b, 8, b, 24)
  const ifp = n.ifp('h', 'epair0b')
  n.inject(ifp, ether(in6McastMac(dst, 0), o.mac ?? ROUTER_MAC, EtherType.IPV6, b))
}

const hAddrs = (n: Net) => n.sys('h').ifGet('epair0b').inet6!
const autoconf = (n: Net) => hAddrs(n).filter((a) => (a.flags & IN6_IFF.AUTOCONF) !== 0)
const defaultRoute = (n: Net) =>
  n
    .sys('h')
    .inet6.routeList()
    .find((r) => r.prefixLen === 0)
const stats = (n: Net) => icmp6Stats(n.vnet('h'))

describe('accepting an RA', () => {
  test('without accept_rtadv an RA changes nothing', async () => {
    const n = await host(false)
    send(n, ra())
    await n.sleep(2 * SEC)
    assert.equal(autoconf(n).length, 0)
    assert.equal(defaultRoute(n), undefined)
    assert.equal(n.sys('h').inet6.defrouterList().length, 0)
    assert.equal(raPrefixes(n.sys('h')).length, 0)
  })

  test('a default router, an on-link prefix and an EUI-64 autoconf address that passes DAD', async () => {
    const n = await host()
    send(n, ra({ mtu: 1400, reachableTime: 20000, retransTimer: 2000, curHopLimit: 128 }))
    const h = n.sys('h')
    const routers = h.inet6.defrouterList()
    assert.equal(routers.length, 1)
    assert.equal(formatIpv6(routers[0]!.addr), formatIpv6(in6LinkLocalFromMac(ROUTER_MAC)))
    assert.equal(routers[0]!.rtlifetime, 1800)
    const def = defaultRoute(n)!
    assert.equal(formatIpv6(def.gateway!), formatIpv6(in6LinkLocalFromMac(ROUTER_MAC)))
    assert.equal(def.ifName, 'epair0b')
    const p = raPrefixes(h)[0]!
    assert.ok(p.raOnlink && p.raAuto && p.onlink)
    assert.equal(formatIpv6(p.prefix), '2001:db8:1::')
    assert.ok(h.inet6.routeList().some((r) => r.prefixLen === 64 && formatIpv6(r.dst) === '2001:db8:1::'))
    // The interface identifier is the link-local's: the modified EUI-64 of the MAC.
    const mac = h.ifGet('epair0b').mac!
    const want = `2001:db8:1:0:${formatIpv6(in6LinkLocalFromMac(mac)).slice('fe80::'.length)}`
    const [a] = autoconf(n)
    assert.equal(formatIpv6(a!.addr), want)
    assert.ok((a!.flags & IN6_IFF.TENTATIVE) !== 0, 'tentative until DAD passes')
    await n.sleep(3 * SEC)
    assert.equal(autoconf(n)[0]!.flags, IN6_IFF.AUTOCONF)
    // MTU, ReachableTime, RetransTimer and CurHopLimit reach the interface.
    const ii = in6if(n.ifp('h', 'epair0b'))
    assert.equal(ii.linkMtu, 1400)
    assert.equal(ii.baseReachable, 20000)
    assert.ok(ii.reachable >= 10000 && ii.reachable < 30000)
    assert.equal(ii.retrans, 2000)
    assert.equal(ii.curHlim, 128)
    // The router's link-layer address went into the cache, as a router.
    const e = h.inet6.ndpList().find((x) => x.mac === ROUTER_MAC)!
    assert.equal(e.isRouter, true)
    assert.equal(e.state, 2)
    assert.equal(n.host.env.pool.inUse, 0)
  })

  test('a second RA refreshes rather than adds; a prefix without A makes no address', async () => {
    const n = await host()
    send(n, ra())
    send(n, ra({ prefixes: [prefix('2001:db8:1::'), prefix('2001:db8:2::', { autonomous: false })] }))
    const h = n.sys('h')
    assert.equal(h.inet6.defrouterList().length, 1)
    assert.equal(raPrefixes(h).length, 2)
    assert.equal(autoconf(n).length, 1)
    // A /48 cannot take a 64-bit interface identifier: on-link, but no address.
    send(n, ra({ prefixes: [prefix('2001:db8:3::', { prefixLen: 48 })] }))
    assert.equal(raPrefixes(h).length, 3)
    assert.equal(autoconf(n).length, 1)
  })
})

describe('validation (RFC 4861 §6.1.2)', () => {
  test('bad hop limit, non-link-local source, bad options, code and length are dropped and counted', async () => {
    const n = await host()
    const h = n.sys('h')
    const s0 = { ...stats(n) }
    send(n, ra(), { hlim: 64 })
    send(n, ra(), { src: a6('2001:db8::99') })
    assert.equal(stats(n).icp6s_badra - s0.icp6s_badra, 2)
    const zeroLen = ra()
    zeroLen[16 + 1] = 0 // the source link-layer option's length
    send(n, zeroLen)
    const overrun = ra()
    overrun[16 + 1] = 200
    send(n, overrun)
    assert.equal(stats(n).icp6s_nd_badopt - s0.icp6s_nd_badopt, 2)
    const longLla = ra({ mac: null, prefixes: [] })
    const withBig = new Uint8Array(longLla.length + 16)
    withBig.set(longLla)
    withBig[16] = 1
    withBig[17] = 2 // a 16-byte source link-layer option: not Ethernet's
    send(n, withBig)
    assert.equal(stats(n).icp6s_badra - s0.icp6s_badra, 3)
    const badCode = ra()
    badCode[1] = 1
    send(n, badCode)
    assert.equal(stats(n).icp6s_badcode - s0.icp6s_badcode, 1)
    send(n, ra().slice(0, 12))
    assert.equal(stats(n).icp6s_badlen - s0.icp6s_badlen, 1)
    const badSum = ra()
    send(n, badSum, { fixSum: false })
    assert.equal(stats(n).icp6s_checksum - s0.icp6s_checksum, 1)
    assert.equal(h.inet6.defrouterList().length, 0)
    assert.equal(raPrefixes(h).length, 0)
    assert.equal(autoconf(n).length, 0)
    assert.equal(n.host.env.pool.inUse, 0)
  })

  test('bad prefix options are skipped, the rest of the RA counts', async () => {
    const n = await host()
    send(
      n,
      ra({
        prefixes: [
          prefix('fe80::'),
          prefix('ff02::'),
          prefix('2001:db8:5::', { pltime: 100, vltime: 50 }),
          prefix('2001:db8:6::'),
        ],
      }),
    )
    const pl = raPrefixes(n.sys('h'))
    assert.deepEqual(
      pl.map((p) => formatIpv6(p.prefix)),
      ['2001:db8:6::'],
    )
    assert.equal(n.sys('h').inet6.defrouterList().length, 1)
  })
})

describe('who takes a default router', () => {
  test('a forwarding node takes prefixes but no default router unless rfc6204w3', async () => {
    const n = await host()
    const h = n.sys('h')
    h.sysctlSet('net.inet6.ip6.forwarding', '1')
    send(n, ra())
    assert.equal(h.inet6.defrouterList().length, 0)
    assert.equal(defaultRoute(n), undefined)
    assert.equal(raPrefixes(h).length, 1)
    h.sysctlSet('net.inet6.ip6.rfc6204w3', '1')
    send(n, ra())
    assert.equal(h.inet6.defrouterList().length, 1)
    assert.ok(defaultRoute(n) !== undefined)
  })

  test('no_radr keeps routers out; a router lifetime of 0 removes one', async () => {
    const n = await host()
    const h = n.sys('h')
    h.inet6.setNdFlags('epair0b', ND6_IFF.NO_RADR, 0)
    send(n, ra())
    assert.equal(h.inet6.defrouterList().length, 0)
    h.inet6.setNdFlags('epair0b', 0, ND6_IFF.NO_RADR)
    send(n, ra())
    assert.equal(h.inet6.defrouterList().length, 1)
    send(n, ra({ routerLifetime: 0 }))
    assert.equal(h.inet6.defrouterList().length, 0)
    assert.equal(defaultRoute(n), undefined)
  })

  test('a router that fails NUD gives way to another', async () => {
    const n = await host()
    const r2 = 0x02aabbccdd02
    send(n, ra())
    send(n, ra({ mac: r2 }), { mac: r2 })
    assert.equal(formatIpv6(defaultRoute(n)!.gateway!), formatIpv6(in6LinkLocalFromMac(ROUTER_MAC)))
    await n.sleep(3 * SEC)
    // Traffic through the first router starts NUD; nobody answers for its (made-up) MAC.
    await ping6(n.sys('h'), '2001:db8:99::1', { timeoutNs: SEC })
    await n.sleep(10 * SEC)
    assert.equal(formatIpv6(defaultRoute(n)!.gateway!), formatIpv6(in6LinkLocalFromMac(r2)))
    assert.equal(n.sys('h').inet6.defrouterList().length, 2, 'it stays listed until its lifetime ends')
  })

  test('a static default route is left alone', async () => {
    const n = await host()
    const h = n.sys('h')
    addr6(h, 'epair0b', '2001:db8:9::2/64')
    h.inet6.routeAdd({ dst: a6('::'), prefixLen: 0, gateway: a6('2001:db8:9::1') })
    send(n, ra())
    assert.equal(h.inet6.defrouterList()[0]!.installed, false)
    assert.equal(formatIpv6(defaultRoute(n)!.gateway!), '2001:db8:9::1')
  })

  test('router preference: a reachable high-preference router is chosen over a medium one', async () => {
    const n = await host()
    const h = n.sys('h')
    const r2 = 0x02aabbccdd02
    send(n, ra())
    send(n, ra({ flags: 0x08, mac: r2 }), { mac: r2 })
    const list = h.inet6.defrouterList()
    assert.equal(list.length, 2)
    assert.equal(formatIpv6(list[0]!.addr), formatIpv6(in6LinkLocalFromMac(r2)), 'high preference first')
    assert.equal(formatIpv6(defaultRoute(n)!.gateway!), formatIpv6(in6LinkLocalFromMac(r2)))
    // When it leaves, the other takes over.
    send(n, ra({ flags: 0x08, mac: r2, routerLifetime: 0 }), { mac: r2 })
    assert.equal(formatIpv6(defaultRoute(n)!.gateway!), formatIpv6(in6LinkLocalFromMac(ROUTER_MAC)))
  })
})

describe('lifetimes', () => {
  test('deprecated at the preferred lifetime, gone at the valid one; the router at its lifetime', async () => {
    const n = await host()
    const h = n.sys('h')
    send(n, ra({ routerLifetime: 40, prefixes: [prefix('2001:db8:1::', { vltime: 30, pltime: 10 })] }))
    await n.sleep(3 * SEC)
    assert.equal(autoconf(n)[0]!.flags, IN6_IFF.AUTOCONF)
    assert.deepEqual(autoconf(n)[0]!.lifetimes, { pltime: 7, vltime: 27 })
    await n.sleep(8 * SEC)
    assert.equal(autoconf(n)[0]!.flags, IN6_IFF.AUTOCONF | IN6_IFF.DEPRECATED)
    await n.sleep(20 * SEC)
    assert.equal(autoconf(n).length, 0)
    assert.equal(raPrefixes(h).length, 0)
    assert.ok(!h.inet6.routeList().some((r) => r.prefixLen === 64 && formatIpv6(r.dst) === '2001:db8:1::'))
    assert.ok(defaultRoute(n) !== undefined)
    await n.sleep(10 * SEC)
    assert.equal(defaultRoute(n), undefined)
    assert.equal(h.inet6.defrouterList().length, 0)
  })

  test('the two-hour rule: an RA cannot cut a long valid lifetime below two hours', async () => {
    const n = await host()
    const vl = () => autoconf(n)[0]!.lifetimes!.vltime
    send(n, ra())
    send(n, ra({ prefixes: [prefix('2001:db8:1::', { vltime: 60, pltime: 30 })] }))
    assert.equal(vl(), 7200)
    assert.equal(autoconf(n)[0]!.lifetimes!.pltime, 30)
    // A longer one is taken as advertised.
    send(n, ra({ prefixes: [prefix('2001:db8:1::', { vltime: 100000, pltime: 50000 })] }))
    assert.equal(vl(), 100000)
    // Below two hours left: a shorter advertisement is ignored; a longer one taken.
    send(n, ra({ prefixes: [prefix('2001:db8:1::', { vltime: 3600, pltime: 1800 })] }))
    assert.equal(vl(), 7200)
    await n.sleep(4000 * SEC)
    send(n, ra({ prefixes: [prefix('2001:db8:1::', { vltime: 60, pltime: 30 })] }))
    assert.equal(vl(), 3200)
    send(n, ra({ prefixes: [prefix('2001:db8:1::', { vltime: 5000, pltime: 30 })] }))
    assert.equal(vl(), 5000)
  })
})

describe('DAD on autoconf addresses', () => {
  test('another node holding the address makes ours duplicated', async () => {
    const n = await host()
    const mac = n.sys('h').ifGet('epair0b').mac!
    const taken = `2001:db8:1:0:${formatIpv6(in6LinkLocalFromMac(mac)).slice('fe80::'.length)}`
    addr6(n.sys('r'), 'epair0a', `${taken}/64`)
    await n.sleep(3 * SEC)
    send(n, ra())
    await n.sleep(3 * SEC)
    const [a] = autoconf(n)
    assert.equal(a!.flags, IN6_IFF.AUTOCONF | IN6_IFF.DUPLICATED)
    assert.ok(stats(n).icp6s_dupaddr > 0)
  })
})

describe('floods and fuzz', () => {
  test('RAs from many routers with many prefixes: the lists stop at their bounds, counted', async () => {
    const n = await host()
    const v = n.vnet('h')
    for (let i = 0; i < 200; i++) {
      const mac = 0x020000000000 + i * 0x100 + 7
      const pfx = `2001:db8:${(i + 16).toString(16)}::`
      send(n, ra({ mac, prefixes: [prefix(pfx), prefix(`2001:db9:${(i + 16).toString(16)}::`)] }), { mac })
    }
    assert.equal(nd6rtr(v).defrouters.length, 16)
    // The bound is the interface's (ndi->nprefixes): its link-local prefix counts as one of the 16.
    assert.equal(in6if(n.ifp('h', 'epair0b')).nPrefixes, 16)
    assert.equal(raPrefixes(n.sys('h')).length, 15)
    assert.equal(autoconf(n).length, 15)
    assert.equal(stats(n).icp6s_overflowdefrtr, 184)
    assert.ok(stats(n).icp6s_overflowprfx >= 384)
    assert.equal(in6if(n.ifp('h', 'epair0b')).nDefrouters, 16)
    // Lower bounds by sysctl take effect for new entries.
    n.sys('h').sysctlSet('net.inet6.ip6.maxifprefixes', '2')
    n.sys('h').inet6.prefixFlush()
    assert.equal(autoconf(n).length, 0)
    send(n, ra({ prefixes: [prefix('2001:db8:aa::'), prefix('2001:db8:ab::'), prefix('2001:db8:ac::')] }))
    assert.equal(raPrefixes(n.sys('h')).length, 1)
    assert.equal(n.host.env.pool.inUse, 0)
  })

  test('random and mutated RAs never throw, leak nothing and stay bounded', async () => {
    const n = await host()
    const v = n.vnet('h')
    const rng = new Rng(42)
    const base = ra({
      mtu: 1400,
      prefixes: [prefix('2001:db8:1::'), prefix('2001:db8:2::', { vltime: 100, pltime: 50 })],
    })
    for (let i = 0; i < 3000; i++) {
      let m: Uint8Array
      if (i % 3 === 0) {
        m = new Uint8Array(16 + (rng.u32() % 200))
        for (let k = 0; k < m.length; k++) m[k] = rng.u32() & 0xff
        m[0] = Icmp6Type.ROUTER_ADVERT
        m[1] = 0
      } else {
        m = base.slice(0, 16 + (rng.u32() % (base.length - 15)))
        const flips = 1 + (rng.u32() % 6)
        for (let k = 0; k < flips; k++) m[4 + (rng.u32() % (m.length - 4))] = rng.u32() & 0xff
      }
      const mac = 0x020000000000 + (rng.u32() % 64)
      send(n, m, { mac, hlim: i % 50 === 0 ? 254 : 255 })
      if (i % 500 === 0) await n.sleep(SEC)
    }
    await n.sleep(200 * SEC)
    const st = nd6rtr(v)
    assert.ok(st.defrouters.length <= 16)
    assert.ok(st.prefixes.length <= 16)
    assert.ok(autoconf(n).length <= 16)
    assert.ok(ip6(v).rib.size < 100)
    assert.equal(n.host.env.pool.inUse, 0)
    // Still working: a good RA after the storm is taken.
    n.sys('h').inet6.routerFlush()
    n.sys('h').inet6.prefixFlush()
    send(n, ra())
    assert.equal(n.sys('h').inet6.defrouterList().length, 1)
    assert.equal(autoconf(n).length, 1)
  })
})

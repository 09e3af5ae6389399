/**
 * Our ripd, bgpd and ripngd against the real thing: Debian's FRR (zebra and ripd, bgpd or ripngd) in a
 * fresh Linux network namespace whose vxlan0 (10.42.0.2/24) is one LAN with the vxlan0 (10.42.0.1/24)
 * of a VirtNet router `r` (frr_linux_peer.ts). In real time with short timers (RIP `timers basic 5 15
 * 10`, BGP `timers 1 3`): routes both ways in FRR's view (vtysh, `ip route proto …`) and ours (vtysh,
 * `netstat -rn` UG1), withdrawals, BGP route refresh, RIPng over IPv6 link-local next hops. Skips
 * without root, `ip netns` or /usr/lib/frr; cleans up also on failure; convergence times are printed
 * as diagnostics.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fib, interop, linuxHas, ours, pingAcross, startBoth, until, vty } from './frr_linux_peer.js'

interop('RIPv2 against FRR ripd', 'ripd', (get, explain) => {
  test('routes both ways with timers basic 5 15 10, metrics counted, and a withdrawal seen', async (t) => {
    const w = get()
    const start = Date.now()
    await startBoth(
      w,
      'ripd',
      `
router rip
 version 2
 timers basic 5 15 10
 network vxlan0
 network s0
`,
      [
        'configure terminal',
        'router rip',
        ' version 2',
        ' timers basic 5 15 10',
        ' network vxlan0',
        ' network eth1',
      ],
    )
    let linux = 0
    try {
      await until('Linux: 10.43.0.0/24 proto rip', async () => linuxHas(w, 'rip', '10.43.0.0/24'))
      linux = Date.now() - start
      await until('r: 10.44.0.0/24 UG1', async () =>
        /^10\.44\.0\.0\/24 +10\.42\.0\.2 +UG1 +vxlan0$/.test(await fib(w.r, '10.44.0.0/24')),
      )
    } catch (e) {
      throw await explain(e, 'show ip rip', 'show ip rip status')
    }
    t.diagnostic(
      `RIP: r's net in Linux's FIB after ${linux} ms, both ways after ${Date.now() - start} ms (real time, from FRR's start)`,
    )
    // Metric 2 on both sides: a directly connected net (1) plus the hop.
    assert.match(await w.frr.vtysh('show ip rip', 'ripd'), /^R\(n\) +10\.43\.0\.0\/24 +10\.42\.0\.1 +2 /m)
    assert.match(await ours(w.r, 'vtysh -c "show ip rip"'), /^R\(n\) +10\.44\.0\.0\/24 +10\.42\.0\.2 +2 /m)
    await pingAcross(w)
    // FRR's stub goes down: it poisons the route (metric 16, triggered) and ours leaves the FIB.
    const down = Date.now()
    w.peer.ip(['link', 'set', 's0', 'down'])
    try {
      await until('r: 10.44.0.0/24 gone', async () => (await fib(w.r, '10.44.0.0/24')) === '', 20_000)
    } catch (e) {
      throw await explain(e, 'show ip rip')
    }
    t.diagnostic(`RIP: withdrawal reached r's FIB after ${Date.now() - down} ms`)
  })
})

interop('BGP against FRR bgpd', 'bgpd', (get, explain) => {
  test('eBGP Established on both sides, network prefixes both ways (timers 1 3)', async (t) => {
    const w = get()
    const start = Date.now()
    await startBoth(
      w,
      'bgpd',
      `
router bgp 65002
 bgp router-id 10.42.0.2
 no bgp ebgp-requires-policy
 timers bgp 1 3
 neighbor 10.42.0.1 remote-as 65001
 neighbor 10.42.0.1 timers 1 3
 neighbor 10.42.0.1 timers connect 1
 address-family ipv4 unicast
  network 10.44.0.0/24
 exit-address-family
`,
      [
        'configure terminal',
        'router bgp 65001',
        ' bgp router-id 10.42.0.1',
        ' no bgp ebgp-requires-policy',
        ' timers bgp 1 3',
        ' neighbor 10.42.0.2 remote-as 65002',
        ' neighbor 10.42.0.2 timers 1 3',
        ' address-family ipv4 unicast',
        '  network 10.43.0.0/24',
        ' exit-address-family',
      ],
    )
    const frrPeer = async (): Promise<Record<string, unknown>> => {
      const j = await w.frr.json('show ip bgp neighbors 10.42.0.1 json', 'bgpd')
      return (j['10.42.0.1'] as Record<string, unknown> | undefined) ?? {}
    }
    let up = 0
    let linux = 0
    try {
      await until('FRR: 10.42.0.1 Established', async () => (await frrPeer()).bgpState === 'Established')
      await until('r: 10.42.0.2 Established', async () =>
        /BGP state = Established/.test(await ours(w.r, 'vtysh -c "show ip bgp neighbors 10.42.0.2"')),
      )
      up = Date.now() - start
      await until('Linux: 10.43.0.0/24 proto bgp', async () => linuxHas(w, 'bgp', '10.43.0.0/24'))
      linux = Date.now() - start
      await until('r: 10.44.0.0/24 UG1', async () =>
        /^10\.44\.0\.0\/24 +10\.42\.0\.2 +UG1 +vxlan0$/.test(await fib(w.r, '10.44.0.0/24')),
      )
    } catch (e) {
      throw await explain(e, 'show ip bgp summary', 'show ip bgp', 'show ip bgp neighbors')
    }
    t.diagnostic(
      `BGP: Established after ${up} ms, r's prefix in Linux's FIB after ${linux} ms, both ways after ${Date.now() - start} ms (real time, from FRR's start)`,
    )
    const p = await frrPeer()
    assert.equal(p.remoteAs, 65001)
    assert.equal(p.bgpTimerHoldTimeMsecs, 3000)
    assert.equal(p.bgpTimerKeepAliveIntervalMsecs, 1000)
    // FRR's table: our prefix with AS path 65001, next hop r; ours: FRR's with 65002.
    const frrTable = await w.frr.vtysh('show ip bgp', 'bgpd')
    assert.match(frrTable, /\*> +10\.43\.0\.0\/24 +10\.42\.0\.1 +0 +0 65001 i/)
    const ourTable = await ours(w.r, 'vtysh -c "show ip bgp"')
    assert.match(ourTable, /\*> +10\.44\.0\.0\/24 +10\.42\.0\.2 +0 +0 65002 i/)
    await pingAcross(w)
    // FRR negotiated what we offered: 4-octet AS numbers and route refresh.
    const caps = p.neighborCapabilities as Record<string, unknown>
    assert.ok(caps !== undefined, JSON.stringify(p))
    assert.equal(caps['4byteAs'], 'advertisedAndReceived')
    assert.match(String(caps.routeRefresh), /advertisedAndReceived/)
    // Keepalives hold the session past several hold times.
    await new Promise((r) => setTimeout(r, 4000))
    assert.equal((await frrPeer()).bgpState, 'Established')
    assert.match(await ours(w.r, 'vtysh -c "show ip bgp neighbors 10.42.0.2"'), /BGP state = Established/)
    // FRR asks for our routes again (ROUTE-REFRESH, RFC 2918) and still has them after.
    const stats = async (): Promise<Record<string, number>> =>
      ((await frrPeer()).messageStats as Record<string, number> | undefined) ?? {}
    const before = (await stats()).updatesRecv ?? 0
    const rr = await w.frr.vtysh('clear ip bgp 10.42.0.1 soft in', 'bgpd')
    assert.doesNotMatch(rr, /%/, rr)
    // …and we answer with our routes again (RFC 2918 §4: re-advertise the Adj-RIB-Out).
    await until(
      'FRR: a ROUTE-REFRESH sent and answered',
      async () => {
        const m = await stats()
        return (m.routeRefreshSent ?? 0) >= 1 && (m.updatesRecv ?? 0) > before
      },
      10_000,
    )
    assert.match(await w.frr.vtysh('show ip bgp', 'bgpd'), /\*> +10\.43\.0\.0\/24 +10\.42\.0\.1 /)
    // Withdrawals both ways: each side drops its network, the other's FIB loses it.
    const wd = Date.now()
    const no = await w.frr.configure('bgpd', [
      'router bgp 65002',
      'address-family ipv4 unicast',
      'no network 10.44.0.0/24',
    ])
    assert.doesNotMatch(no, /%/, no)
    await vty(w.r, [
      'configure terminal',
      'router bgp 65001',
      'address-family ipv4 unicast',
      'no network 10.43.0.0/24',
    ])
    try {
      await until('r: 10.44.0.0/24 withdrawn', async () => (await fib(w.r, '10.44.0.0/24')) === '', 15_000)
      await until('Linux: 10.43.0.0/24 withdrawn', async () => !linuxHas(w, 'bgp', '10.43.0.0/24'), 15_000)
    } catch (e) {
      throw await explain(e, 'show ip bgp')
    }
    t.diagnostic(`BGP: withdrawals both ways after ${Date.now() - wd} ms`)
    assert.equal((await frrPeer()).bgpState, 'Established')
    assert.match(await ours(w.r, 'vtysh -c "show ip bgp neighbors 10.42.0.2"'), /BGP state = Established/)
  })
})

interop('RIPng against FRR ripngd (IPv6 link-local over vxlan)', 'ripngd', (get, explain) => {
  test('routes both ways via link-local next hops with timers basic 5 15 10', async (t) => {
    const w = get()
    // vxlan0 has only IPv4 addresses, so it came up IFDISABLED as on FreeBSD: turn IPv6 on, as an
    // rc.conf's ifconfig_vxlan0_ipv6="inet6 -ifdisabled" would.
    await ours(w.r, 'ifconfig vxlan0 inet6 -ifdisabled')
    const ifc = await ours(w.r, 'ifconfig vxlan0')
    const ll = /inet6 (fe80::[0-9a-f:]+)%vxlan0/.exec(ifc)?.[1]
    assert.ok(ll !== undefined, `r's vxlan0 has a link-local address:\n${ifc}`)
    const linuxLl = /inet6 (fe80::[0-9a-f:]+)\/64 scope link/.exec(
      w.peer.ip(['-6', 'addr', 'show', 'dev', 'vxlan0']),
    )?.[1]
    assert.ok(linuxLl !== undefined, 'Linux vxlan0 has a link-local address')
    const start = Date.now()
    await startBoth(
      w,
      'ripngd',
      `
router ripng
 timers basic 5 15 10
 network vxlan0
 network s0
`,
      ['configure terminal', 'router ripng', ' timers basic 5 15 10', ' network vxlan0', ' network eth1'],
    )
    let linux = 0
    try {
      await until('Linux: fd43::/64 proto ripng', async () =>
        new RegExp(`^fd43::/64 (?:nhid \\d+ )?via ${ll} dev vxlan0`, 'm').test(
          w.peer.ip(['-6', 'route', 'show', 'proto', 'ripng']),
        ),
      )
      linux = Date.now() - start
      await until('r: fd44::/64 UG1', async () => {
        const ns = await ours(w.r, 'netstat -rn -f inet6')
        return new RegExp(`^fd44::/64 +${linuxLl}%vxlan0 +UG1 +vxlan0$`, 'm').test(ns)
      })
    } catch (e) {
      throw await explain(e, 'show ipv6 ripng', 'show ipv6 ripng status')
    }
    t.diagnostic(
      `RIPng: r's net in Linux's FIB after ${linux} ms, both ways after ${Date.now() - start} ms (real time, from FRR's start)`,
    )
    const p = await w.r.sh('ping6 -c 2 -i 0.2 fd44::1')
    assert.equal(p.status, 0, p.stdout + p.stderr)
  })
})

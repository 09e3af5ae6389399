/**
 * Our routing daemons against the real thing: Debian's FRR (zebra and ospfd, ripd or bgpd) runs in a
 * fresh Linux network namespace whose vxlan0 (10.42.0.2/24) is one LAN with the vxlan0 (10.42.0.1/24)
 * of a VirtNet router `r`. Behind FRR a veth stub net 10.44.0.0/24, behind `r` the lab's 10.43.0.0/24
 * with a pc `h`. With short timers and in real time, each protocol must converge both ways: FRR's own
 * view (vtysh json, `ip route proto …`) and ours (vtysh, `netstat -rn` UG1), then h pings across.
 * Skips without root, `ip netns` or /usr/lib/frr; every namespace, daemon and temporary directory is
 * removed afterwards, also when a test fails. Measured convergence times go out as diagnostics.
 */

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { FrrPeer, frrUnavailable, until } from './frr_linux_peer.js'
import type { VirtLab, VirtNode } from './lab_api.js'
import { type NetnsPeer, NetnsPeers } from './netns_peer.js'
import { joined } from './vxlan_linux_peer.js'

const LAB = `
name: frr-interop
nodes:
  r: { kind: router, interfaces: [ { name: eth1, address: 10.43.0.1/24, ipv6: [ fd43::1/64 ] }, { name: eth2, address: 10.46.0.1/24 } ] }
  h: { kind: pc, interfaces: [ { name: eth0, address: 10.43.0.2/24 } ], routes: [ { to: default, via: 10.43.0.1 } ] }
  h2: { kind: pc, interfaces: [ { name: eth0, address: 10.46.0.2/24 } ], routes: [ { to: default, via: 10.46.0.1 } ] }
links:
  - { a: r:eth1, b: h }
  - { a: r:eth2, b: h2 }
`

interface World {
  peer: NetnsPeer
  lab: VirtLab
  r: VirtNode
  frr: FrrPeer
}

/**
 * A namespace joined to r over vxlan, with FRR's stub net 10.44.0.0/24 and a second net 10.45.0.0/24
 * on veth pairs inside it (r has 10.43.0.0/24 and 10.46.0.0/24).
 */
async function world(peers: NetnsPeers): Promise<World> {
  const { peer, lab, pc } = await joined(peers, LAB, 'r')
  // Linux gives a vxlan without an underlay device MTU 1500, ours (FreeBSD's) 1450: OSPF rejects a
  // Database Description whose MTU exceeds its own (RFC 2328 10.6), so make the LAN one MTU.
  peer.ip(['link', 'set', 'vxlan0', 'mtu', '1450'])
  peer.ip(['link', 'add', 's0', 'type', 'veth', 'peer', 'name', 's1'])
  peer.ip(['addr', 'add', '10.44.0.1/24', 'dev', 's0'])
  peer.ip(['addr', 'add', 'fd44::1/64', 'dev', 's0', 'nodad'])
  peer.ip(['link', 'set', 's1', 'up'])
  peer.ip(['link', 'set', 's0', 'up'])
  // A second net behind FRR for redistribution (in no `network` statement).
  peer.ip(['link', 'add', 'x0', 'type', 'veth', 'peer', 'name', 'x1'])
  peer.ip(['addr', 'add', '10.45.0.1/24', 'dev', 'x0'])
  peer.ip(['link', 'set', 'x1', 'up'])
  peer.ip(['link', 'set', 'x0', 'up'])
  await peer.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1'])
  return { peer, lab, r: pc, frr: new FrrPeer(peer) }
}

/** Run vtysh lines in r's shell (a here-document, as IMUNES configures its routers). */
async function vty(r: VirtNode, lines: readonly string[]): Promise<void> {
  const res = await r.sh(`vtysh << __EOF__\n${lines.join('\n')}\n__EOF__`)
  assert.equal(res.status, 0, res.stdout + res.stderr)
}

async function ours(r: VirtNode, cmd: string): Promise<string> {
  const res = await r.sh(cmd)
  return res.stdout + res.stderr
}

/** r's FIB line for `dest` (netstat -rn), or ''. */
async function fib(r: VirtNode, dest: string): Promise<string> {
  return (await ours(r, 'netstat -rn -f inet')).split('\n').find((l) => l.startsWith(`${dest} `)) ?? ''
}

/** h pings FRR's stub address across r and the Linux namespace. */
async function pingAcross(w: World): Promise<void> {
  const p = await w.lab.node('h').sh('ping -c 2 -i 0.2 10.44.0.1')
  assert.equal(p.status, 0, p.stdout + p.stderr)
}

/** Linux's FIB (`ip route show proto P`) has `prefix` via r. */
function linuxHas(w: World, proto: string, prefix: string): boolean {
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')} (?:nhid \\d+ )?via 10\\.42\\.0\\.1 dev vxlan0`, 'm')
  return re.test(w.peer.ip(['route', 'show', 'proto', proto]))
}

/**
 * One protocol's suite: a fresh world per describe, torn down (lab, namespace with its daemons,
 * temporary directory) whatever happened; `dump` adds both sides' state to a failed wait's message.
 */
function interop(
  name: string,
  daemon: string,
  body: (get: () => World, explain: (e: unknown, ...cmds: string[]) => Promise<Error>) => void,
): void {
  const why = frrUnavailable([daemon])
  describe(name, { skip: why ?? false, timeout: 60_000 }, () => {
    let peers: NetnsPeers
    let w: World | undefined
    before(async () => {
      peers = new NetnsPeers(daemon.slice(0, 2))
      try {
        w = await world(peers)
      } catch (e) {
        peers.destroyAll()
        throw e
      }
    })
    after(() => {
      w?.lab.close()
      peers?.destroyAll()
      w?.frr.remove()
    })
    const explain = async (e: unknown, ...cmds: string[]): Promise<Error> => {
      let msg = `${(e as Error).message}\n`
      for (const c of cmds)
        msg += `--- FRR: ${c}\n${await w!.frr.vtysh(c)}\n--- r: ${c}\n${await ours(w!.r, `vtysh -c "${c}"`)}\n`
      msg += `--- Linux: ip route\n${w!.peer.ip(['route'])}\n--- r: netstat -rn\n${await ours(w!.r, 'netstat -rn -f inet')}\n`
      return new Error(msg + w!.frr.logs())
    }
    body(() => w!, explain)
  })
}

interop('OSPFv2 against FRR ospfd', 'ospfd', (get, explain) => {
  test('adjacency Full on both sides, one DR and BDR, the same database, routes both ways', async (t) => {
    const w = get()
    const start = Date.now()
    // Hello 1 / dead 4 on both sides. Retransmit 2: FRR floods its router-LSA twice in one update
    // right after Loading (the instance we requested, then the one naming the transit link); RFC 2328
    // §13 step 5a (and FRR's ospf_flood) drop the second unacknowledged within MinLSArrival, and
    // FRR's default 5 s retransmit (up to two intervals) would then hold convergence ~10 s.
    await w.frr.start(
      'ospfd',
      `
interface vxlan0
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 2
interface s0
 ip ospf network point-to-point
router ospf
 ospf router-id 10.42.0.2
 network 10.42.0.0/24 area 0
 network 10.44.0.0/24 area 0
`,
    )
    const d = await w.r.sh('ospfd -d')
    assert.equal(d.status, 0, d.stderr)
    await vty(w.r, [
      'configure terminal',
      'interface vxlan0',
      ' ip ospf hello-interval 1',
      ' ip ospf dead-interval 4',
      ' ip ospf retransmit-interval 2',
      'exit',
      'router ospf',
      ' ospf router-id 10.42.0.1',
      ' network 10.42.0.0/24 area 0',
      ' network 10.43.0.0/24 area 0',
    ])
    const frrState = async (): Promise<string> => {
      const j = await w.frr.json('show ip ospf neighbor json', 'ospfd')
      const n = (j.neighbors as Record<string, { nbrState?: string }[]> | undefined)?.['10.42.0.1']?.[0]
      return n?.nbrState ?? ''
    }
    let full = 0
    let linux = 0
    try {
      await until('FRR: neighbour 10.42.0.1 Full', async () => (await frrState()).startsWith('Full/'))
      await until('r: neighbour 10.42.0.2 Full', async () =>
        /^10\.42\.0\.2 +\d+ Full\//m.test(await ours(w.r, 'vtysh -c "show ip ospf neighbor"')),
      )
      full = Date.now() - start
      await until('Linux: 10.43.0.0/24 proto ospf', async () => linuxHas(w, 'ospf', '10.43.0.0/24'))
      linux = Date.now() - start
      await until('r: 10.44.0.0/24 UG1', async () =>
        /^10\.44\.0\.0\/24 +10\.42\.0\.2 +UG1 +vxlan0$/.test(await fib(w.r, '10.44.0.0/24')),
      )
    } catch (e) {
      throw await explain(e, 'show ip ospf neighbor', 'show ip ospf database', 'show ip ospf route')
    }
    t.diagnostic(
      `OSPF: Full after ${full} ms, r's net in Linux's FIB after ${linux} ms, both ways after ${Date.now() - start} ms (real time, from FRR's start)`,
    )
    // Both elect the same DR and BDR: equal priorities, so the higher router id (FRR's) is DR.
    assert.equal(await frrState(), 'Full/Backup')
    assert.match(await ours(w.r, 'vtysh -c "show ip ospf neighbor"'), /^10\.42\.0\.2 +1 Full\/DR /m)
    const fi = await w.frr.json('show ip ospf interface vxlan0 json', 'ospfd')
    const v = (fi.interfaces as Record<string, Record<string, unknown>>).vxlan0!
    assert.equal(v.drId, '10.42.0.2')
    assert.equal(v.bdrId, '10.42.0.1')
    const oi = await ours(w.r, 'vtysh -c "show ip ospf interface vxlan0"')
    assert.match(oi, /State Backup, Priority 1/)
    assert.match(oi, /Designated Router \(ID\) 10\.42\.0\.2 Interface Address 10\.42\.0\.2\/24/)
    // The same LSA instances (type, id, router, sequence number, checksum) in both databases.
    const instances = (db: string): string[] =>
      [...db.matchAll(/^(\d+\.\d+\.\d+\.\d+) +(\d+\.\d+\.\d+\.\d+) +\d+ (0x[0-9a-f]{8}) (0x[0-9a-f]{4})/gm)]
        .map((m) => m.slice(1).join(' '))
        .sort()
    try {
      await until(
        'the same database on both sides',
        async () => {
          const a = instances(await w.frr.vtysh('show ip ospf database', 'ospfd'))
          const b = instances(await ours(w.r, 'vtysh -c "show ip ospf database"'))
          return a.length === 3 && a.join() === b.join()
        },
        15_000,
      )
    } catch (e) {
      throw await explain(e, 'show ip ospf database')
    }
    await pingAcross(w)
  })
})

interop('OSPFv2 against FRR ospfd: VirtNet the DR, external routes both ways', 'ospfd', (get, explain) => {
  test('FRR takes our network-LSA and AS-external-LSA, we take its; a dead FRR is noticed in 4 s', async (t) => {
    const w = get()
    const start = Date.now()
    await w.frr.start(
      'ospfd',
      `
interface vxlan0
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 2
interface s0
 ip ospf network point-to-point
router ospf
 ospf router-id 10.42.0.2
 redistribute connected
 network 10.42.0.0/24 area 0
 network 10.44.0.0/24 area 0
`,
    )
    const d = await w.r.sh('ospfd -d')
    assert.equal(d.status, 0, d.stderr)
    await vty(w.r, [
      'configure terminal',
      'interface vxlan0',
      ' ip ospf hello-interval 1',
      ' ip ospf dead-interval 4',
      ' ip ospf retransmit-interval 2',
      ' ip ospf priority 10',
      'exit',
      'router ospf',
      ' ospf router-id 10.42.0.1',
      ' redistribute connected',
      ' network 10.42.0.0/24 area 0',
      ' network 10.43.0.0/24 area 0',
    ])
    try {
      await until('Linux: 10.46.0.0/24 proto ospf (our external)', async () => linuxHas(w, 'ospf', '10.46.0.0/24'))
      await until('Linux: 10.43.0.0/24 proto ospf', async () => linuxHas(w, 'ospf', '10.43.0.0/24'))
      await until('r: 10.45.0.0/24 and 10.44.0.0/24 UG1', async () => {
        const a = await fib(w.r, '10.45.0.0/24')
        const b = await fib(w.r, '10.44.0.0/24')
        return /10\.42\.0\.2 +UG1 +vxlan0$/.test(a) && /10\.42\.0\.2 +UG1 +vxlan0$/.test(b)
      })
    } catch (e) {
      throw await explain(e, 'show ip ospf neighbor', 'show ip ospf database', 'show ip ospf route')
    }
    t.diagnostic(`OSPF (VirtNet DR, externals): both ways after ${Date.now() - start} ms (real time)`)
    const fi = await w.frr.json('show ip ospf interface vxlan0 json', 'ospfd')
    const v = (fi.interfaces as Record<string, Record<string, unknown>>).vxlan0!
    assert.equal(v.drId, '10.42.0.1')
    assert.equal(v.bdrId, '10.42.0.2')
    // FRR's routes: our external as E2 with FRR's default metric 20, the LAN behind us intra-area.
    const rt = await w.frr.vtysh('show ip ospf route', 'ospfd')
    assert.match(rt, /N E2 10\.46\.0\.0\/24 +\[\d+\/20\] tag: 0\n +via 10\.42\.0\.1, vxlan0/)
    const ours2 = await ours(w.r, 'vtysh -c "show ip ospf route"')
    assert.match(ours2, /N E2 10\.45\.0\.0\/24 +\[\d+\/20\] tag: 0\n +via 10\.42\.0\.2, vxlan0/)
    const p = await w.lab.node('h2').sh('ping -c 1 10.45.0.1')
    assert.equal(p.status, 0, p.stdout + p.stderr)
    // FRR dies without a word: after the dead interval (4 s) r drops it and its routes.
    await w.peer.exec(['sh', '-c', `kill -9 $(cat ${w.frr.dir}/ospfd.pid)`])
    const dead = Date.now()
    try {
      await until('r: FRR gone from the FIB', async () => (await fib(w.r, '10.44.0.0/24')) === '', 15_000)
    } catch (e) {
      throw await explain(e, 'show ip ospf neighbor')
    }
    const took = Date.now() - dead
    t.diagnostic(`OSPF: a dead FRR left r's FIB after ${took} ms`)
    assert.ok(took >= 2500, `not before the dead interval (${took} ms)`)
    assert.equal(await fib(w.r, '10.45.0.0/24'), '')
    assert.doesNotMatch(await ours(w.r, 'vtysh -c "show ip ospf neighbor"'), /10\.42\.0\.2/)
  })
})

interop('RIPv2 against FRR ripd', 'ripd', (get, explain) => {
  test('routes both ways with timers basic 5 15 10, metrics counted, and a withdrawal seen', async (t) => {
    const w = get()
    const start = Date.now()
    await w.frr.start(
      'ripd',
      `
router rip
 version 2
 timers basic 5 15 10
 network vxlan0
 network s0
`,
    )
    const d = await w.r.sh('ripd -d')
    assert.equal(d.status, 0, d.stderr)
    await vty(w.r, [
      'configure terminal',
      'router rip',
      ' version 2',
      ' timers basic 5 15 10',
      ' network vxlan0',
      ' network eth1',
    ])
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
    await w.frr.start(
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
    )
    const d = await w.r.sh('bgpd -d')
    assert.equal(d.status, 0, d.stderr)
    await vty(w.r, [
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
    ])
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
    await until('FRR: a ROUTE-REFRESH sent and answered', async () => {
      const m = await stats()
      return (m.routeRefreshSent ?? 0) >= 1 && (m.updatesRecv ?? 0) > before
    }, 10_000)
    assert.match(await w.frr.vtysh('show ip bgp', 'bgpd'), /\*> +10\.43\.0\.0\/24 +10\.42\.0\.1 /)
    // Withdrawals both ways: each side drops its network, the other's FIB loses it.
    const wd = Date.now()
    const no = await w.frr.configure('bgpd', ['router bgp 65002', 'address-family ipv4 unicast', 'no network 10.44.0.0/24'])
    assert.doesNotMatch(no, /%/, no)
    await vty(w.r, ['configure terminal', 'router bgp 65001', 'address-family ipv4 unicast', 'no network 10.43.0.0/24'])
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
    const ifc = await ours(w.r, 'ifconfig vxlan0')
    const ll = /inet6 (fe80::[0-9a-f:]+)%vxlan0/.exec(ifc)?.[1]
    assert.ok(ll !== undefined, `r's vxlan0 has a link-local address:\n${ifc}`)
    const linuxLl = /inet6 (fe80::[0-9a-f:]+)\/64 scope link/.exec(w.peer.ip(['-6', 'addr', 'show', 'dev', 'vxlan0']))?.[1]
    assert.ok(linuxLl !== undefined, 'Linux vxlan0 has a link-local address')
    const start = Date.now()
    await w.frr.start(
      'ripngd',
      `
router ripng
 timers basic 5 15 10
 network vxlan0
 network s0
`,
    )
    const d = await w.r.sh('ripngd -d')
    assert.equal(d.status, 0, d.stderr)
    await vty(w.r, ['configure terminal', 'router ripng', ' timers basic 5 15 10', ' network vxlan0', ' network eth1'])
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

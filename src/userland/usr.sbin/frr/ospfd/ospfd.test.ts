/**
 * ospfd and vtysh in labs, in virtual time, driven as a user drives them (lab console lines, raw
 * OSPF packets on the wire): two routers on a point-to-point link reach Full and install UG1 routes;
 * three routers on one LAN elect the highest router id DR and the next BDR, with a network-LSA from
 * the DR; a ring reroutes when a link is cut (dead interval) and back when it returns; malformed and
 * foreign packets are counted and change nothing; a database limit refuses LSAs past it; vtysh's
 * ospf commands and their running configuration.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { type BootedLab, bootLab } from '../../../../testing/lab_console.js'
import { parseIpv4 } from '../../../../wire/addr.js'
import {
  ALL_SPF_ROUTERS,
  emitOspf,
  type Hello,
  helloBody,
  IPPROTO_OSPF,
  OPT_E,
  OspfType,
} from '../../../../wire/routing/ospf.js'

const ip = (s: string): number => parseIpv4(s)!

/** h1 — r1 = r2 — h2 over a point-to-point OSPF link. */
const P2P = `
name: ospf-p2p
nodes:
  h1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.10/24 } ], routes: [ { to: default, via: 10.0.1.1 } ] }
  h2: { kind: pc, interfaces: [ { name: eth0, address: 10.0.2.10/24 } ], routes: [ { to: default, via: 10.0.2.1 } ] }
  r1:
    kind: router
    ospf: { interfaces: { eth1: { pointToPoint: true } } }
    interfaces: [ { name: eth0, address: 10.0.1.1/24 }, { name: eth1, address: 10.0.12.1/24 } ]
  r2:
    kind: router
    ospf: { interfaces: { eth0: { pointToPoint: true } } }
    interfaces: [ { name: eth0, address: 10.0.12.2/24 }, { name: eth1, address: 10.0.2.1/24 } ]
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: h2 }
`

/** Three routers and a probe on one LAN; a stub network behind each router. */
const LAN = `
name: ospf-lan
nodes:
  sw: { kind: switch }
  r1: { kind: router, ospf: { routerId: 1.1.1.1 }, interfaces: [ { name: eth0, address: 10.0.0.1/24 }, { name: eth1, address: 10.0.1.1/24 } ] }
  r2: { kind: router, ospf: { routerId: 2.2.2.2 }, interfaces: [ { name: eth0, address: 10.0.0.2/24 }, { name: eth1, address: 10.0.2.1/24 } ] }
  r3: { kind: router, ospf: { routerId: 3.3.3.3 }, interfaces: [ { name: eth0, address: 10.0.0.3/24 }, { name: eth1, address: 10.0.3.1/24 } ] }
  probe: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.100/24 } ] }
  s1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.10/24 } ], routes: [ { to: default, via: 10.0.1.1 } ] }
  s2: { kind: pc, interfaces: [ { name: eth0, address: 10.0.2.10/24 } ] }
  s3: { kind: pc, interfaces: [ { name: eth0, address: 10.0.3.10/24 } ], routes: [ { to: default, via: 10.0.3.1 } ] }
links:
  - { a: r1:eth0, b: sw }
  - { a: r2:eth0, b: sw }
  - { a: r3:eth0, b: sw }
  - { a: probe, b: sw }
  - { a: r1:eth1, b: s1 }
  - { a: r2:eth1, b: s2 }
  - { a: r3:eth1, b: s3 }
`

/** h1 — r1 — r2 — r3 — h2, and the dearer way r1 — r4 — r3 (cost 50 out of r1). */
const RING = `
name: ospf-ring
nodes:
  h1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.10/24 } ], routes: [ { to: default, via: 10.0.1.1 } ] }
  h2: { kind: pc, interfaces: [ { name: eth0, address: 10.0.9.10/24 } ], routes: [ { to: default, via: 10.0.9.1 } ] }
  r1:
    kind: router
    ospf: { interfaces: { eth2: { cost: 50 } } }
    interfaces: [ { name: eth0, address: 10.0.1.1/24 }, { name: eth1, address: 10.0.12.1/24 }, { name: eth2, address: 10.0.14.1/24 } ]
  r2: { kind: router, ospf: true, interfaces: [ { name: eth0, address: 10.0.12.2/24 }, { name: eth1, address: 10.0.23.2/24 } ] }
  r3:
    kind: router
    ospf: true
    interfaces: [ { name: eth0, address: 10.0.23.3/24 }, { name: eth1, address: 10.0.34.3/24 }, { name: eth2, address: 10.0.9.1/24 } ]
  r4: { kind: router, ospf: true, interfaces: [ { name: eth0, address: 10.0.14.4/24 }, { name: eth1, address: 10.0.34.4/24 } ] }
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r1:eth2, b: r4:eth0 }
  - { a: r4:eth1, b: r3:eth1 }
  - { a: r3:eth2, b: h2 }
`

type Run = BootedLab

let current: Run | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

async function boot(yaml: string): Promise<Run> {
  current = await bootLab(yaml, 5)
  return current
}

function route(netstat: string, dest: string): string | undefined {
  return netstat.split('\n').find((l) => l.startsWith(`${dest} `))
}

describe('ospfd in a lab', () => {
  test('two routers on a point-to-point link: Full/-, UG1 routes, O>* in show ip route, pings cross', async () => {
    const r = await boot(P2P)
    // No Wait timer on a point-to-point link: settled a quiet minute after converging in seconds.
    assert.ok(r.settledAt < 90, `settled after ${r.settledAt} s of virtual time`)
    const nb = (await r.line('r1 vtysh -c "show ip ospf neighbor"')).out
    assert.match(nb, /^10\.0\.12\.2 +1 Full\/- +\S+ +\S+ 10\.0\.12\.2 +eth1:10\.0\.12\.1 +0 +0 +0$/m)
    const ns = (await r.line('r1 netstat -rn -f inet')).out
    assert.match(route(ns, '10.0.2.0/24') ?? '', /^10\.0\.2\.0\/24 +10\.0\.12\.2 +UG1 +eth1$/)
    const rt = (await r.line('r1 vtysh -c "show ip route"')).out
    assert.match(rt, /^O>\* 10\.0\.2\.0\/24 \[110\/20\] via 10\.0\.12\.2, eth1, weight 1, \d\d:\d\d:\d\d$/m)
    assert.match(rt, /^O {3}10\.0\.1\.0\/24 \[110\/10\] is directly connected, eth0, weight 1/m)
    const db = (await r.line('r2 vtysh -c "show ip ospf database"')).out
    assert.match(db, /Router Link States \(Area 0\.0\.0\.0\)/)
    assert.match(
      db,
      /^10\.0\.12\.1 +10\.0\.12\.1 +\d+ 0x8000000\d 0x[0-9a-f]{4} 3$/m,
      'p2p link, its stub, eth0',
    )
    assert.doesNotMatch(db, /Net Link States/, 'no network-LSA on point-to-point links')
    const ping = await r.line('h1 ping -c 1 10.0.2.10')
    assert.equal(ping.status, 0, ping.out)
    assert.equal((await r.line('pingall')).status, 0)
  })

  test('three routers on a LAN: DR the highest router id, BDR the next, a network-LSA from the DR', async () => {
    const r = await boot(LAN)
    const n1 = (await r.line('r1 vtysh -c "show ip ospf neighbor"')).out
    assert.match(n1, /^2\.2\.2\.2 +1 Full\/Backup /m)
    assert.match(n1, /^3\.3\.3\.3 +1 Full\/DR /m)
    const n3 = (await r.line('r3 vtysh -c "show ip ospf neighbor"')).out
    assert.match(n3, /^1\.1\.1\.1 +1 Full\/DROther /m)
    assert.match(n3, /^2\.2\.2\.2 +1 Full\/Backup /m)
    const ifc = (await r.line('r1 vtysh -c "show ip ospf interface eth0"')).out
    assert.match(ifc, /State DROther, Priority 1/)
    assert.match(ifc, /Designated Router \(ID\) 3\.3\.3\.3 Interface Address 10\.0\.0\.3\/24/)
    assert.match(ifc, /Backup Designated Router \(ID\) 2\.2\.2\.2, Interface Address 10\.0\.0\.2/)
    const db = (await r.line('r1 vtysh -c "show ip ospf database"')).out
    assert.match(db, /Net Link States \(Area 0\.0\.0\.0\)\n\nLink ID .*\n10\.0\.0\.3 +3\.3\.3\.3 /)
    const ns = (await r.line('r1 netstat -rn -f inet')).out
    assert.match(route(ns, '10.0.3.0/24') ?? '', /10\.0\.0\.3 +UG1 +eth0/)
    assert.match(route(ns, '10.0.2.0/24') ?? '', /10\.0\.0\.2 +UG1 +eth0/)
    const ospfRoute = (await r.line('r1 vtysh -c "show ip ospf route"')).out
    assert.match(ospfRoute, /^N {4}10\.0\.3\.0\/24 +\[20\] area: 0\.0\.0\.0\n +via 10\.0\.0\.3, eth0$/m)
    assert.equal((await r.line('s1 ping -c 1 10.0.3.10')).status, 0)
  })

  test('a cut link: the neighbour dies after the dead interval and traffic takes the dearer way, then back', async () => {
    const r = await boot(RING)
    assert.match(route((await r.line('r1 netstat -rn')).out, '10.0.9.0/24') ?? '', /10\.0\.12\.2 +UG1 +eth1/)
    assert.equal((await r.line('link r1 r2 down')).status, 0)
    await r.sleep(20)
    // Not yet: a silent neighbour is given RouterDeadInterval (40 s).
    assert.match(route((await r.line('r1 netstat -rn')).out, '10.0.9.0/24') ?? '', /10\.0\.12\.2 +UG1/)
    await r.sleep(30)
    const ns = (await r.line('r1 netstat -rn')).out
    assert.match(route(ns, '10.0.9.0/24') ?? '', /10\.0\.14\.4 +UG1 +eth2/)
    assert.match(route(ns, '10.0.23.0/24') ?? '', /10\.0\.14\.4 +UG1 +eth2/)
    const ping = await r.line('h1 ping -c 1 10.0.9.10')
    assert.equal(ping.status, 0, ping.out)
    assert.match(ping.out, /ttl=61/, 'three routers on the way')
    await r.line('link r1 r2 up')
    await r.sleep(60)
    assert.match(route((await r.line('r1 netstat -rn')).out, '10.0.9.0/24') ?? '', /10\.0\.12\.2 +UG1 +eth1/)
  })
})

describe('ospfd defends itself', () => {
  test('malformed and foreign packets are dropped and counted; adjacencies and routes stay', async () => {
    const r = await boot(LAN)
    const before = (await r.line('r1 netstat -rn -f inet')).out
    const raw = r.lab.sys('probe').rawSocket(IPPROTO_OSPF)
    const send = (pkt: Uint8Array) =>
      raw.send(ALL_SPF_ROUTERS, pkt, { ttl: 1, multicastIf: ip('10.0.0.100') })
    const hello: Hello = {
      mask: ip('255.255.255.0'),
      helloInterval: 10,
      options: OPT_E,
      priority: 200,
      deadInterval: 40,
      dr: ip('10.0.0.100'),
      bdr: 0,
      neighbors: [],
    }
    const good = emitOspf(OspfType.HELLO, ip('9.9.9.9'), 0, helloBody(hello))
    const badSum = good.slice()
    badSum[30] = badSum[30]! ^ 0xff
    send(badSum)
    send(new Uint8Array([2, 1, 0, 10]))
    send(emitOspf(OspfType.HELLO, ip('9.9.9.9'), 7, helloBody(hello)))
    send(emitOspf(OspfType.HELLO, ip('9.9.9.9'), 0, helloBody({ ...hello, helloInterval: 3 })))
    send(emitOspf(9, ip('9.9.9.9'), 0, new Uint8Array(8)))
    send(emitOspf(OspfType.LSU, ip('9.9.9.9'), 0, new Uint8Array([0, 0, 0, 5, 1, 2])))
    raw.close()
    await r.sleep(1)
    const st = (await r.line('r1 vtysh -c "show ip ospf"')).out
    const drops = /Dropped packets: (.*)/.exec(st)?.[1] ?? ''
    for (const reason of ['checksum', 'length', 'area', 'hello-timers', 'type'])
      assert.match(drops, new RegExp(`\\b${reason} \\d+`), `${reason} counted: ${drops}`)
    // The stranger with priority 200 claiming DR said nothing valid: the DR is still r3.
    assert.match((await r.line('r1 vtysh -c "show ip ospf neighbor"')).out, /^3\.3\.3\.3 +1 Full\/DR /m)
    assert.equal((await r.line('r1 netstat -rn -f inet')).out, before)
  })

  test('max-lsa bounds the database: LSAs past it are refused and counted', async () => {
    const r = await boot(LAN)
    // r2 redistributes 30 static routes; r1 holds at most 12 LSAs per database.
    assert.equal((await r.line("r1 vtysh -c 'conf t' -c 'router ospf' -c 'max-lsa 12'")).status, 0)
    const lines = ['conf t']
    for (let k = 0; k < 30; k++) lines.push(`ip route 172.16.${k}.0/24 10.0.2.10`)
    lines.push('router ospf', 'redistribute static')
    const cfg = await r.line(`r2 vtysh ${lines.map((l) => `-c '${l}'`).join(' ')}`)
    assert.equal(cfg.status, 0, cfg.out)
    await r.sleep(30)
    const db2 = (await r.line('r3 vtysh -c "show ip ospf database"')).out
    assert.equal(db2.match(/ E2 172\.16\./g)?.length, 30, 'r3 without a limit has them all')
    const st = (await r.line('r1 vtysh -c "show ip ospf"')).out
    assert.match(st, /Number of external LSA 12\n/)
    assert.match(st, /LSAs refused \(database full\): [1-9]\d*\n/)
    assert.match(st, /lsdb-full \d+/)
    // What it has, it still routes by.
    assert.equal((await r.line('s1 ping -c 1 10.0.3.10')).status, 0)
  })
})

describe('vtysh and ospfd', () => {
  test('ospf commands, their running configuration, errors and interface settings', async () => {
    const r = await boot(P2P)
    const conf = await r.line(
      "r1 vtysh -c 'conf t' -c 'interface eth0' -c 'ip ospf cost 7' -c 'ip ospf hello-interval 5' -c 'exit' -c 'router ospf' -c 'ospf router-id 10.255.0.1' -c 'passive-interface eth0'",
    )
    assert.equal(conf.status, 0, conf.out)
    const run = (await r.line('r1 vtysh -c "show running-config"')).out
    assert.match(run, /^interface eth0\n ip ospf cost 7\n ip ospf hello-interval 5\nexit\n/m)
    assert.match(
      run,
      /^router ospf\n ospf router-id 10\.255\.0\.1\n redistribute connected\n passive-interface eth0\n network 0\.0\.0\.0\/0 area 0\.0\.0\.0\nexit\n/m,
    )
    await r.sleep(10)
    const ifc = (await r.line('r1 vtysh -c "show ip ospf interface eth0"')).out
    assert.match(ifc, /Router ID 10\.255\.0\.1, Network Type BROADCAST, Cost: 7/)
    assert.match(ifc, /Hello 5s, Dead 40s/)
    assert.match(ifc, /No Hellos \(Passive interface\)/)
    const bad = await r.line(
      "r1 vtysh -c 'conf t' -c 'router ospf' -c 'network 10.0.0.0/8 area 1.2.3.999' -c 'area 1 virtual-link 1.1.1.1'",
    )
    assert.equal(bad.status, 1)
    assert.match(bad.out, /^% Invalid area ID: 1\.2\.3\.999$/m)
    assert.match(bad.out, /^% virtual links are not supported yet$/m)
    assert.doesNotMatch((await r.line('r1 vtysh -c "show run"')).out, /1\.2\.3\.999/)
    // After the router id changed, the adjacency comes back and so do the routes.
    await r.sleep(60)
    assert.match((await r.line('r2 vtysh -c "show ip ospf neighbor"')).out, /^10\.255\.0\.1 +1 Full\/- /m)
    assert.equal((await r.line('h1 ping -c 1 10.0.2.10')).status, 0)
  })

  test('on a node without ospfd: router ospf says ospfd is not running', async () => {
    const r = await boot(P2P)
    const out = await r.line("h1 vtysh -c 'conf t' -c 'router ospf'")
    assert.equal(out.status, 1)
    assert.equal(out.out, '% ospfd is not running\n')
  })
})

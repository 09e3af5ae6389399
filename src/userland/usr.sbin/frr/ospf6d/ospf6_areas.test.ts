/**
 * ospf6d across areas in labs, in virtual time: an AS boundary router in another area reached
 * through Inter-Area-Router-LSAs (RFC 5340 §4.4.3.5; RFC 2328 §16.4), two border routers away, and
 * lost with its area's link; and a backbone split in two by a non-backbone area, healed by a
 * virtual link between its border routers (RFC 5340 §4.7, FRR's `area X virtual-link A.B.C.D`) and
 * split again when the link is removed; a border router taking a backbone route through a transit
 * area's summary when that is cheaper (RFC 2328 §16.3). FRR's `show ipv6 ospf6 database|route|neighbor`
 * throughout.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { type BootedLab, bootLab } from '../../../../testing/lab_console.js'

const host6 = (name: string, addr: string, gw: string) =>
  `  ${name}: { kind: pc, interfaces: [ { name: eth0, ipv6: [ ${addr} ] } ], startup: [ "route -q add -inet6 default ${gw}" ] }`

/** A router with eth0 and eth1 in areas a0 and a1, redistributing `redist` (a list, maybe empty). */
const rtr = (name: string, rid: string, a0: string, a1: string, ip0: string, ip1: string, redist = '[]') =>
  `  ${name}:
    kind: router
    ospf6: { routerId: ${rid}, redistribute: ${redist}, interfaces: [] }
    interfaces: [ { name: eth0, ipv6: [ ${ip0} ] }, { name: eth1, ipv6: [ ${ip1} ] } ]
    startup: [ 'vtysh -c "configure terminal" -c "interface eth0" -c "ipv6 ospf6 area ${a0}" -c "interface eth1" -c "ipv6 ospf6 area ${a1}"' ]`

let current: BootedLab | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

function route(netstat: string, dest: string): string | undefined {
  return netstat.split('\n').find((l) => l.startsWith(`${dest} `))
}

/**
 * h0 — r1 [area 1, ASBR: h0's network redistributed] — r2 [area 1 | 0] — r3 [0] — r4 [0 | area 2]
 * — r5 [area 2] — h5. r1's eth0 is outside OSPF, so fc00:99::/64 is an AS-external route.
 */
const ASBR = `
name: ospf6-asbr
nodes:
${host6('h0', 'fc00:99::10/64', 'fc00:99::1')}
${host6('h5', 'fc00:5::10/64', 'fc00:5::1')}
  r1:
    kind: router
    ospf6: { routerId: 1.1.1.1, redistribute: [ connected ], interfaces: [] }
    interfaces: [ { name: eth0, ipv6: [ fc00:99::1/64 ] }, { name: eth1, ipv6: [ fc00:12::1/64 ] } ]
    startup: [ 'vtysh -c "configure terminal" -c "interface eth1" -c "ipv6 ospf6 area 0.0.0.1"' ]
${rtr('r2', '2.2.2.2', '0.0.0.1', '0.0.0.0', 'fc00:12::2/64', 'fc00:23::2/64')}
${rtr('r3', '3.3.3.3', '0.0.0.0', '0.0.0.0', 'fc00:23::3/64', 'fc00:34::3/64')}
${rtr('r4', '4.4.4.4', '0.0.0.0', '0.0.0.2', 'fc00:34::4/64', 'fc00:45::4/64')}
${rtr('r5', '5.5.5.5', '0.0.0.2', '0.0.0.2', 'fc00:45::5/64', 'fc00:5::1/64')}
links:
  - { a: h0, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r3:eth1, b: r4:eth0 }
  - { a: r4:eth1, b: r5:eth0 }
  - { a: r5:eth1, b: h5 }
`

describe('ospf6d inter-area AS boundary routers', () => {
  test('an ASBR two areas away: Inter-Area-Router-LSAs, E2 routes, ping across, lost with its link', async () => {
    const r = (current = await bootLab(ASBR, 11))
    await r.sleep(30)
    // r2 tells the backbone where r1 is; r4 tells area 2 what the backbone told it.
    const db3 = (await r.line('r3 vtysh -c "show ipv6 ospf6 database"')).out
    assert.match(db3, /^IAR +1\.1\.1\.1 +2\.2\.2\.2 +\d+ 8000000\d +1\.1\.1\.1$/m, db3)
    assert.match(
      db3,
      /AS Scoped Link State Database\n\nType .*\nASE +0\.0\.0\.1 +1\.1\.1\.1 .* fc00:99::\/64$/m,
    )
    const db5 = (await r.line('r5 vtysh -c "show ipv6 ospf6 database"')).out
    const area2 = db5.slice(db5.indexOf('(Area 0.0.0.2)'), db5.indexOf('I/F Scoped'))
    assert.match(area2, /^IAR +1\.1\.1\.1 +4\.4\.4\.4 +\d+ 8000000\d +1\.1\.1\.1$/m, db5)
    assert.doesNotMatch(area2, /^IAR +\S+ +2\.2\.2\.2 /m, "r2's IAR-LSAs stay in the backbone")
    // The external route: type 2, cost 20, through r4 (r5's only neighbour).
    const o5 = (await r.line('r5 vtysh -c "show ipv6 ospf6 route"')).out
    assert.match(o5, /^\*N E2 fc00:99::\/64 +fe80::[0-9a-f:]+ +eth0 \d\d:\d\d:\d\d$/m, o5)
    assert.match(
      (await r.line('r5 vtysh -c "show ipv6 route"')).out,
      /^O>\* fc00:99::\/64 \[110\/20\] via fe80::[0-9a-f:]+, eth0, weight 1, /m,
    )
    assert.match(route((await r.line('r5 netstat -rn -f inet6')).out, 'fc00:99::/64') ?? '', / UG1 +eth0$/)
    assert.match((await r.line('r3 vtysh -c "show ipv6 ospf6 route"')).out, /^\*N E2 fc00:99::\/64 /m)
    const ping = await r.line('h5 ping -6 -c 2 fc00:99::10')
    assert.equal(ping.status, 0, ping.out)
    // Without its link into area 1 r1 is no longer reachable: the summaries go, and the route.
    assert.equal((await r.line('link r1:eth1 r2:eth0 down')).status, 0)
    await r.sleep(60)
    assert.doesNotMatch((await r.line('r5 vtysh -c "show ipv6 ospf6 route"')).out, /fc00:99::/)
    assert.equal(route((await r.line('r5 netstat -rn -f inet6')).out, 'fc00:99::/64'), undefined)
  })
})

/**
 * h1 — r1 [0] — r2 [0 | area 1] — r3 [1] — r4 [area 1 | 0] — r5 [0] — h5: the backbone in two
 * parts that area 1 joins only through a virtual link r2 — r4.
 */
const SPLIT = `
name: ospf6-vlink
nodes:
${host6('h1', 'fc00:1::10/64', 'fc00:1::1')}
${host6('h5', 'fc00:5::10/64', 'fc00:5::1')}
${rtr('r1', '1.1.1.1', '0.0.0.0', '0.0.0.0', 'fc00:1::1/64', 'fc00:12::1/64')}
${rtr('r2', '2.2.2.2', '0.0.0.0', '0.0.0.1', 'fc00:12::2/64', 'fc00:23::2/64')}
${rtr('r3', '3.3.3.3', '0.0.0.1', '0.0.0.1', 'fc00:23::3/64', 'fc00:34::3/64')}
${rtr('r4', '4.4.4.4', '0.0.0.1', '0.0.0.0', 'fc00:34::4/64', 'fc00:45::4/64')}
${rtr('r5', '5.5.5.5', '0.0.0.0', '0.0.0.0', 'fc00:45::5/64', 'fc00:5::1/64')}
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r3:eth1, b: r4:eth0 }
  - { a: r4:eth1, b: r5:eth0 }
  - { a: r5:eth1, b: h5 }
`

describe('ospf6d virtual links', () => {
  test('a split backbone is healed by a virtual link across area 1, and split again without it', async () => {
    const r = (current = await bootLab(SPLIT, 12))
    await r.sleep(30)
    // Split: r2 takes the backbone's summaries only, so r4's half of the backbone is out of reach.
    assert.doesNotMatch((await r.line('r1 vtysh -c "show ipv6 ospf6 route"')).out, /fc00:5::\/64/)
    assert.notEqual((await r.line('h1 ping -6 -c 1 -t 2 fc00:5::10')).status, 0)

    const conf = async (node: string, line: string) => {
      const x = await r.line(`${node} vtysh -c 'conf t' -c 'router ospf6' -c '${line}'`)
      assert.equal(x.status, 0, x.out)
    }
    await conf('r2', 'area 0.0.0.1 virtual-link 4.4.4.4')
    await conf('r4', 'area 0.0.0.1 virtual-link 2.2.2.2')
    await r.sleep(60)
    const nb = (await r.line('r2 vtysh -c "show ipv6 ospf6 neighbor"')).out
    assert.match(nb, /^4\.4\.4\.4 +0 +\S+ +Full\/PointToPoint +\S+ VLINK0\[PointToPoint\]$/m, nb)
    const db = (await r.line('r1 vtysh -c "show ipv6 ospf6 database"')).out
    // r2's backbone Router-LSA has the virtual link to r4 (its Interface ID past any ifindex).
    assert.match(
      db,
      /^Rtr +0\.0\.0\.0 +2\.2\.2\.2 +\d+ \S+ +\d+\.\d+\.\d+\.\d+\/\d+\.\d+\.\d+\.\d+\n(?: +\S+\n)*? +4\.4\.4\.4\/64\.0\.0\.0$/m,
      db,
    )
    const db3 = (await r.line('r3 vtysh -c "show ipv6 ospf6 database"')).out
    // The transit area carries the endpoints' host addresses (LA bit) for the unicast packets.
    assert.match(db3, /^INP +0\.0\.0\.0 +2\.2\.2\.2 .* fc00:23::2\/128$/m, db3)
    assert.match(db3, /^INP +0\.0\.0\.0 +4\.4\.4\.4 .* fc00:34::4\/128$/m, db3)
    const o1 = (await r.line('r1 vtysh -c "show ipv6 ospf6 route"')).out
    // One backbone again: r5's networks are intra-area routes of it, reached over the virtual link.
    assert.match(o1, /^\*N IA fc00:5::\/64 +fe80::[0-9a-f:]+ +eth1 /m, o1)
    assert.match(o1, /^\*N IA fc00:45::\/64 /m, o1)
    // Cost: r1 — r2 10, r2 — r4 across area 1 20, r4 — r5 10, r5's LAN 10.
    assert.match(
      (await r.line('r1 vtysh -c "show ipv6 route"')).out,
      /^O>\* fc00:5::\/64 \[110\/50\] via fe80::/m,
    )
    const ping = await r.line('h1 ping -6 -c 2 fc00:5::10')
    assert.equal(ping.status, 0, ping.out)
    const run = (await r.line('r2 vtysh -c "show running-config"')).out
    assert.match(
      run,
      /^router ospf6\n ospf6 router-id 2\.2\.2\.2\n area 0\.0\.0\.1 virtual-link 4\.4\.4\.4\nexit$/m,
    )
    const ifc = (await r.line('r2 vtysh -c "show ipv6 ospf6 interface VLINK0"')).out
    assert.match(ifc, /^VLINK0 is up, type VIRTUAL$/m)
    assert.match(ifc, /Area ID 0\.0\.0\.0, Cost 20$/m)

    // The backbone cannot be a transit area, and a link that is not there cannot go.
    const bad = await r.line(`r2 vtysh -c 'conf t' -c 'router ospf6' -c 'area 0 virtual-link 4.4.4.4'`)
    assert.notEqual(bad.status, 0)
    await conf('r2', 'no area 0.0.0.1 virtual-link 4.4.4.4')
    await conf('r4', 'no area 0.0.0.1 virtual-link 2.2.2.2')
    await r.sleep(60)
    assert.doesNotMatch((await r.line('r1 vtysh -c "show ipv6 ospf6 route"')).out, /fc00:5::\/64/)
    assert.notEqual((await r.line('h1 ping -6 -c 1 -t 2 fc00:5::10')).status, 0)
  })
})

/** A router whose interfaces are `name=addr=area[=cost]`, then `router ospf6` lines. */
const node = (name: string, rid: string, ifs: string[], router: string[] = []) => {
  const c = ['configure terminal']
  for (const i of ifs) {
    const [n, , a, cost] = i.split('=')
    c.push(`interface ${n}`, `ipv6 ospf6 area ${a}`)
    if (cost !== undefined) c.push(`ipv6 ospf6 cost ${cost}`)
  }
  c.push('router ospf6', ...router)
  return `  ${name}:
    kind: router
    ospf6: { routerId: ${rid}, redistribute: [], interfaces: [] }
    interfaces: [ ${ifs.map((i) => `{ name: ${i.split('=')[0]}, ipv6: [ ${i.split('=')[1]} ] }`).join(', ')} ]
    startup: [ 'vtysh ${c.map((x) => `-c "${x}"`).join(' ')}' ]`
}

/**
 * The backbone r2 — r1 — r4 — r3 with r1 — r4 at cost 100; area 1 r2 — r3 — r6, a transit area
 * for the virtual link r3 — r6 (r6's backbone side is only h6's LAN). r2's backbone path to r3 — r4
 * costs 120; r3's summary of it in area 1 offers 20.
 */
const TRANSIT = `
name: ospf6-transit
nodes:
${host6('h6', 'fc00:6::10/64', 'fc00:6::1')}
${node('r1', '1.1.1.1', ['eth0=fc00:12::1/64=0.0.0.0', 'eth1=fc00:14::1/64=0.0.0.0=100'])}
${node('r2', '2.2.2.2', ['eth0=fc00:12::2/64=0.0.0.0', 'eth1=fc00:23::2/64=0.0.0.1'])}
${node('r3', '3.3.3.3', ['eth0=fc00:23::3/64=0.0.0.1', 'eth1=fc00:34::3/64=0.0.0.0', 'eth2=fc00:36::3/64=0.0.0.1'], ['area 0.0.0.1 virtual-link 6.6.6.6'])}
${node('r4', '4.4.4.4', ['eth0=fc00:14::4/64=0.0.0.0=100', 'eth1=fc00:34::4/64=0.0.0.0'])}
${node('r6', '6.6.6.6', ['eth0=fc00:36::6/64=0.0.0.1', 'eth1=fc00:6::1/64=0.0.0.0'], ['area 0.0.0.1 virtual-link 3.3.3.3'])}
links:
  - { a: r1:eth0, b: r2:eth0 }
  - { a: r1:eth1, b: r4:eth0 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r3:eth1, b: r4:eth1 }
  - { a: r3:eth2, b: r6:eth0 }
  - { a: r6:eth1, b: h6 }
`

describe('ospf6d transit areas (RFC 2328 §16.3)', () => {
  test("a backbone route through a transit area's summary when cheaper, and back when it is not", async () => {
    const r = (current = await bootLab(TRANSIT, 13))
    await r.sleep(60)
    // Area 1 is a transit area: r3 and r6 have a full virtual link, their Router-LSAs the V bit.
    const nb = (await r.line('r3 vtysh -c "show ipv6 ospf6 neighbor"')).out
    assert.match(nb, /^6\.6\.6\.6 .* Full\/PointToPoint .*VLINK0\[PointToPoint\]$/m, nb)
    // r4's link with r3 stays a backbone (IA) route of r2, at r3's summary's cost through area 1.
    const o2 = (await r.line('r2 vtysh -c "show ipv6 ospf6 route"')).out
    assert.match(o2, /^\*N IA fc00:34::\/64 +fe80::[0-9a-f:]+ +eth1 /m, o2)
    assert.match(
      (await r.line('r2 vtysh -c "show ipv6 route"')).out,
      /^O>\* fc00:34::\/64 \[110\/20\] via fe80::[0-9a-f:]+, eth1,/m,
    )
    // r1 — r4 is not summarised any cheaper: the backbone's own path, out of eth0.
    assert.match(o2, /^\*N IA fc00:14::\/64 +fe80::[0-9a-f:]+ +eth0 /m, o2)
    // h6's LAN, across the virtual link, is reached through area 1 as well.
    assert.match(o2, /^\*N IA fc00:6::\/64 +fe80::[0-9a-f:]+ +eth1 /m, o2)
    // Without the virtual link area 1 carries no transit: the backbone's path, eth0, cost 120.
    for (const [n, peer] of [
      ['r3', '6.6.6.6'],
      ['r6', '3.3.3.3'],
    ] as const) {
      const x = await r.line(
        `${n} vtysh -c 'conf t' -c 'router ospf6' -c 'no area 0.0.0.1 virtual-link ${peer}'`,
      )
      assert.equal(x.status, 0, x.out)
    }
    await r.sleep(60)
    assert.match(
      (await r.line('r2 vtysh -c "show ipv6 route"')).out,
      /^O>\* fc00:34::\/64 \[110\/120\] via fe80::[0-9a-f:]+, eth0,/m,
    )
  })
})

/**
 * ospf6d's NSSA translator election over time (RFC 3101 §3.1 as OSPFv3 carries it), in virtual time:
 * of two NSSA border routers the higher Router ID translates; when the other takes a higher one it
 * takes over, and the old translator goes on for TranslatorStabilityInterval (40 s) before its
 * AS-External-LSA is flushed — the backbone holds both in between, then only the new one's.
 */

import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import { type BootedLab, bootLab } from '../../../../testing/lab_console.js'

/** A router with eth0 in area a0 and eth1 in a1 (eth2, if given, outside OSPF), then `router ospf6` lines. */
function rtr(name: string, rid: string, a0: string, a1: string, ips: string[], router: string[]): string {
  const c = ['configure terminal', 'interface eth0', `ipv6 ospf6 area ${a0}`]
  if (a1 !== 'none') c.push('interface eth1', `ipv6 ospf6 area ${a1}`)
  c.push('router ospf6', `ospf6 router-id ${rid}`, ...router)
  return `  ${name}:
    kind: router
    ospf6: { routerId: ${rid}, redistribute: [], interfaces: [] }
    interfaces: [ ${ips.map((ip, k) => `{ name: eth${k}, ipv6: [ ${ip} ] }`).join(', ')} ]
    startup: [ 'vtysh ${c.map((x) => `-c "${x}"`).join(' ')}' ]`
}

/** r1 and r2: border routers between the backbone LAN (with r4) and NSSA area 1, where r3 redistributes h3's net. */
const LAB = `
name: ospf6-nssa-xlt
nodes:
  s1: { kind: switch }
  h3: { kind: pc, interfaces: [ { name: eth0, ipv6: [ fc00:33::10/64 ] } ], startup: [ "route -q add -inet6 default fc00:33::1" ] }
${rtr('r1', '1.1.1.1', '0.0.0.0', '0.0.0.1', ['fc00:1::1/64', 'fc00:13::1/64'], ['area 0.0.0.1 nssa'])}
${rtr('r2', '2.2.2.2', '0.0.0.0', '0.0.0.1', ['fc00:1::2/64', 'fc00:23::2/64'], ['area 0.0.0.1 nssa'])}
${rtr('r3', '3.3.3.3', '0.0.0.1', '0.0.0.1', ['fc00:13::3/64', 'fc00:23::3/64', 'fc00:33::1/64'], ['area 0.0.0.1 nssa', 'redistribute connected'])}
${rtr('r4', '9.9.9.9', '0.0.0.0', 'none', ['fc00:1::4/64'], [])}
links:
  - { a: r1:eth0, b: s1 }
  - { a: r2:eth0, b: s1 }
  - { a: r4:eth0, b: s1 }
  - { a: r1:eth1, b: r3:eth0 }
  - { a: r2:eth1, b: r3:eth1 }
  - { a: r3:eth2, b: h3 }
`

let current: BootedLab | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

/** The advertising routers of the live AS-External-LSAs for fc00:33::/64 in r4's database (not those at MaxAge). */
async function translators(r: BootedLab): Promise<string[]> {
  const db = (await r.line('r4 vtysh -c "show ipv6 ospf6 database"')).out
  const as = db.slice(db.indexOf('AS Scoped Link State Database'))
  return as
    .split('\n')
    .filter((l) => l.startsWith('ASE') && l.endsWith(' fc00:33::/64') && l.split(/ +/)[3] !== '3600')
    .map((l) => l.split(/ +/)[2]!)
    .sort()
}

test('the translator hands over; the old one goes on for the stability interval, then flushes', async () => {
  const r = (current = await bootLab(LAB, 41))
  await r.sleep(30)
  assert.deepEqual(await translators(r), ['2.2.2.2'])
  const x = await r.line(`r1 vtysh -c 'conf t' -c 'router ospf6' -c 'ospf6 router-id 5.5.5.5'`)
  assert.equal(x.status, 0, x.out)
  // r1 restarts as 5.5.5.5: its interface in area 1 waits out its 40 s before the adjacency.
  await r.sleep(50)
  // r1 is elected; r2 lost, but translates on within TranslatorStabilityInterval.
  assert.deepEqual(await translators(r), ['2.2.2.2', '5.5.5.5'])
  await r.sleep(40)
  assert.deepEqual(await translators(r), ['5.5.5.5'])
  const ping = await r.line('r4 ping -6 -c 1 fc00:33::10')
  assert.equal(ping.status, 0, ping.out)
})

/**
 * ospf6d's `area X nssa range` in a lab, in virtual time, as FRR's ospf6d does it: r3 in NSSA area
 * 1 redistributes fc00:33::/64 and fc00:33:0:1::/64; r1, the area's border router and so its
 * translator, has `area 0.0.0.1 nssa range fc00:33::/48`. The backbone (r4) then holds one
 * AS-External-LSA, the range's, and none for the two /64s; the NSSA holds r1's Type-7 for the range
 * (P bit); r4 reaches r3's networks through it. `cost N` sets the aggregate's metric,
 * `not-advertise` hides all three, `no area … nssa range` brings the /64s back; show
 * running-config writes the lines as FRR does, and a range on an area that is no NSSA is refused.
 */

import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import { type BootedLab, bootLab } from '../../../../testing/lab_console.js'

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

const lab = (range: string[]) => `
name: ospf6-nssa-range
nodes:
${rtr('r1', '1.1.1.1', '0.0.0.0', '0.0.0.1', ['fc00:1::1/64', 'fc00:13::1/64'], ['area 0.0.0.1 nssa', ...range])}
${rtr('r3', '3.3.3.3', '0.0.0.1', 'none', ['fc00:13::3/64', 'fc00:33::1/64', 'fc00:33:0:1::1/64'], ['area 0.0.0.1 nssa', 'redistribute connected'])}
${rtr('r4', '9.9.9.9', '0.0.0.0', 'none', ['fc00:1::4/64'], [])}
links:
  - { a: r1:eth0, b: r4:eth0 }
  - { a: r1:eth1, b: r3:eth0 }
`

let current: BootedLab | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

/** Live rows of one scope of `show ipv6 ospf6 database` whose type is `type`: [adv router, prefix]. */
async function rows(r: BootedLab, node: string, scope: string, type: string): Promise<string[]> {
  const db = (await r.line(`${node} vtysh -c "show ipv6 ospf6 database"`)).out
  const at = db.indexOf(scope)
  const part = db.slice(at, db.indexOf('Scoped Link State Database', at + scope.length) >>> 0)
  return part
    .split('\n')
    .filter((l) => l.startsWith(type) && l.split(/ +/)[3] !== '3600')
    .map((l) => `${l.split(/ +/)[2]} ${l.split(/ +/).at(-1)}`)
    .sort()
}

const conf = async (r: BootedLab, node: string, ...lines: string[]) => {
  const x = await r.line(
    `${node} vtysh -c 'conf t' -c 'router ospf6' ${lines.map((l) => `-c '${l}'`).join(' ')}`,
  )
  assert.equal(x.status, 0, x.out)
  return x.out
}

test('nssa range: one aggregate Type-7 and its AS-External-LSA instead of the two /64s', async () => {
  const r = (current = await bootLab(lab(['area 0.0.0.1 nssa range fc00:33::/48']), 51))
  // The backbone: the range's AS-External-LSA from the translator, nothing of the /64s.
  assert.deepEqual(await rows(r, 'r4', 'AS Scoped', 'ASE'), ['1.1.1.1 fc00:33::/48'])
  // The NSSA: r3's two Type-7s and r1's for the range.
  assert.deepEqual(await rows(r, 'r3', 'Area 0.0.0.1)', 'Type7'), [
    '1.1.1.1 fc00:33::/48',
    '3.3.3.3 fc00:33:0:1::/64',
    '3.3.3.3 fc00:33::/64',
  ])
  const rt = (await r.line('r4 vtysh -c "show ipv6 ospf6 route"')).out
  assert.match(rt, /^\*N E2 fc00:33::\/48 +fe80::\S+ +eth0 /m)
  assert.doesNotMatch(rt, /fc00:33::\/64|fc00:33:0:1::\/64/)
  for (const to of ['fc00:33::1', 'fc00:33:0:1::1']) {
    const p = await r.line(`r4 ping -6 -c 1 ${to}`)
    assert.equal(p.status, 0, p.out)
  }
  // Its metric: FRR's computed one (the cost to r3 for these type-2 routes), or the one given.
  const metric = async () => {
    const d = (await r.line('r4 vtysh -c "show ipv6 route"')).out
    return d.split('\n').find((l) => l.includes('fc00:33::/48')) ?? ''
  }
  assert.match(await metric(), /^O>\* fc00:33::\/48 \[110\/10\] via fe80::/)
  await conf(r, 'r1', 'area 0.0.0.1 nssa range fc00:33::/48 cost 77')
  await r.sleep(10)
  assert.match(await metric(), /^O>\* fc00:33::\/48 \[110\/77\] via fe80::/)
  assert.match(
    (await r.line('r1 vtysh -c "show running-config"')).out,
    /^ area 0\.0\.0\.1 nssa\n area 0\.0\.0\.1 nssa range fc00:33::\/48 cost 77$/m,
  )
  // not-advertise: nothing of the three in the backbone.
  await conf(r, 'r1', 'area 0.0.0.1 nssa range fc00:33::/48 not-advertise')
  await r.sleep(10)
  assert.deepEqual(await rows(r, 'r4', 'AS Scoped', 'ASE'), [])
  assert.doesNotMatch((await r.line('r4 vtysh -c "show ipv6 ospf6 route"')).out, /fc00:33:/)
  assert.match(
    (await r.line('r1 vtysh -c "show running-config"')).out,
    /^ area 0\.0\.0\.1 nssa range fc00:33::\/48 not-advertise$/m,
  )
  // No range: each /64 translated on its own again.
  await conf(r, 'r1', 'no area 0.0.0.1 nssa range fc00:33::/48')
  await r.sleep(10)
  assert.deepEqual(await rows(r, 'r4', 'AS Scoped', 'ASE'), [
    '1.1.1.1 fc00:33:0:1::/64',
    '1.1.1.1 fc00:33::/64',
  ])
  assert.doesNotMatch((await r.line('r1 vtysh -c "show running-config"')).out, /nssa range/)
  // FRR's messages: an area that is no NSSA, a range that is not there.
  const bad = await r.line(`r1 vtysh -c 'conf t' -c 'router ospf6' -c 'area 0.0.0.2 nssa range fc00:44::/48'`)
  assert.notEqual(bad.status, 0)
  assert.match(bad.out, /First configure 0\.0\.0\.2 as an NSSA area/)
  assert.match(
    await conf(r, 'r1', 'no area 0.0.0.1 nssa range fc00:44::/48'),
    /% range fc00:44::\/48 does not exist\./,
  )
})

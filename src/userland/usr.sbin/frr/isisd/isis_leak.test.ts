/**
 * RFC 5302 §3.3 route leaking in a lab, in virtual time. Area 1: r1 (level-1) with two exits, r2 and
 * r5 (level-1-2); area 2: r3 (level-1-2) and r4 (level-1) with h4's network. r2's backbone link
 * costs 100, r5's 10. Without leaking r1 has only the ATT bit's default, whose first hop is r2 (the
 * long way); with `redistribute ipv4 isis level-2 into level-1` on r2 and r5, their level-1 LSPs
 * carry 10.0.4.0/24 with the up/down bit (`show isis database detail`: ` Down`) and r1 routes it
 * through r5. Neither puts the down-bit prefix back into level 2, and r2 keeps its level-2 route
 * although the one r5 leaked into level 1 is cheaper (RFC 5302 §3.4). Then leakDown's own rules,
 * IPv6 included.
 */

import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import { type BootedLab, bootLab } from '../../../../testing/lab_console.js'
import { parseIpv4 } from '../../../../wire/addr.js'
import { leakDown } from './isis_levels.js'
import type { IsisRoute, IsisRoute6, NextHop } from './isis_spf.js'

const host = (name: string, addr: string, gw: string) =>
  `  ${name}: { kind: pc, interfaces: [ { name: eth0, address: ${addr} } ], routes: [ { to: default, via: ${gw} } ] }`

const vty = (lines: string[]) => `'vtysh -c "configure terminal" ${lines.map((l) => `-c "${l}"`).join(' ')}'`
const LEAK = ['router isis 1', 'redistribute ipv4 isis level-2 into level-1']

const lab = (leak: boolean) => `
name: isis-leak
nodes:
${host('h1', '10.0.1.10/24', '10.0.1.1')}
${host('h4', '10.0.4.10/24', '10.0.4.1')}
  r1:
    kind: router
    isis: { net: 49.0001.0000.0000.0001.00, passive: [ eth0 ] }
    interfaces: [ { name: eth0, address: 10.0.1.1/24 }, { name: eth1, address: 10.0.12.1/24 }, { name: eth2, address: 10.0.15.1/24 } ]
    startup: [ ${vty(['router isis 1', 'is-type level-1'])} ]
  r2:
    kind: router
    isis: { net: 49.0001.0000.0000.0002.00 }
    interfaces: [ { name: eth0, address: 10.0.12.2/24 }, { name: eth1, address: 10.0.23.2/24 } ]
    startup: [ ${vty(['interface eth1', 'isis metric 100'])}${leak ? `, ${vty(LEAK)}` : ''} ]
  r3:
    kind: router
    isis: { net: 49.0002.0000.0000.0003.00 }
    interfaces: [ { name: eth0, address: 10.0.23.3/24 }, { name: eth1, address: 10.0.34.3/24 }, { name: eth2, address: 10.0.35.3/24 } ]
    startup: [ ${vty(['interface eth0', 'isis metric 100'])} ]
  r4:
    kind: router
    isis: { net: 49.0002.0000.0000.0004.00, passive: [ eth1 ] }
    interfaces: [ { name: eth0, address: 10.0.34.4/24 }, { name: eth1, address: 10.0.4.1/24 } ]
    startup: [ ${vty(['router isis 1', 'is-type level-1'])} ]
  r5:
    kind: router
    isis: { net: 49.0001.0000.0000.0005.00 }
    interfaces: [ { name: eth0, address: 10.0.15.5/24 }, { name: eth1, address: 10.0.35.5/24 } ]
    ${leak ? `startup: [ ${vty(LEAK)} ]` : ''}
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r1:eth2, b: r5:eth0 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r3:eth1, b: r4:eth0 }
  - { a: r3:eth2, b: r5:eth1 }
  - { a: r4:eth1, b: h4 }
`

let current: BootedLab | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

/** One LSP's lines in `show isis database detail`, within one level's part. */
function lspLines(db: string, level: 1 | 2, lsp: string): string[] {
  const parts = db.split(/^IS-IS Level-/m)
  const part = parts.find((p) => p.startsWith(`${level} `)) ?? ''
  const out: string[] = []
  let inside = false
  for (const l of part.split('\n')) {
    if (/^\S/.test(l)) inside = l.startsWith(`${lsp} `)
    else if (inside && l.startsWith('  ')) out.push(l.trim())
  }
  return out
}

const route = (ns: string, p: string) =>
  new RegExp(`^${p.replace(/\./g, '\\.')} +(\\S+) +UG1 `, 'm').exec(ns)?.[1]

test('without leaking: r1 has only the default, through r2 first', async () => {
  const r = (current = await bootLab(lab(false), 41))
  const ns = (await r.line('r1 netstat -rn -f inet')).out
  assert.equal(route(ns, '10.0.4.0/24'), undefined)
  assert.match(ns, /^default +10\.0\.12\.2 +UG1 /m)
  const d = lspLines((await r.line('r1 vtysh -c "show isis database detail"')).out, 1, 'r5.00-00')
  assert.ok(d.length > 0, 'r5 listed')
  assert.ok(!d.some((l) => l.includes('Down')), d.join('\n'))
})

test('redistribute ipv4 isis level-2 into level-1: the specific route, the down bit, nothing back up', async () => {
  const r = (current = await bootLab(lab(true), 42))
  // r1: area 2's network through r5 at 10 + r5's level-2 metric (10 + 10 + 10), not the default.
  const ns = (await r.line('r1 netstat -rn -f inet')).out
  assert.equal(route(ns, '10.0.4.0/24'), '10.0.15.5', ns)
  assert.match(ns, /^default +10\.0\.12\.2 +UG1 /m, 'the ATT default stays')
  const ip = (await r.line('r1 vtysh -c "show ip route"')).out
  assert.match(ip, /^I>\* 10\.0\.4\.0\/24 \[115\/40\] via 10\.0\.15\.5, eth2, weight 1, /m)
  const db = (await r.line('r1 vtysh -c "show isis database detail"')).out
  assert.ok(
    lspLines(db, 1, 'r5.00-00').includes('Extended IP Reachability: 10.0.4.0/24 (Metric: 30) Down'),
    db,
  )
  assert.ok(
    lspLines(db, 1, 'r2.00-00').includes('Extended IP Reachability: 10.0.4.0/24 (Metric: 120) Down'),
    db,
  )
  assert.ok(lspLines(db, 1, 'r5.00-00').includes('Extended IP Reachability: 10.0.15.0/24 (Metric: 10)'))
  // Not the area's own prefixes (level 1 has them intra-area), nor level 2's routes to them.
  assert.ok(!lspLines(db, 1, 'r5.00-00').some((l) => l.startsWith('Extended IP Reachability: 10.0.1.0/24')))
  const h = await r.line('h1 ping -c 1 10.0.4.10')
  assert.equal(h.status, 0, h.out)
  // Nothing with the down bit goes back into level 2 (RFC 5302 §3.3): r2's level-2 LSP has no
  // 10.0.4.0/24 although r5's level-1 LSP gives it one.
  const db2 = (await r.line('r2 vtysh -c "show isis database detail"')).out
  assert.ok(lspLines(db2, 1, 'r5.00-00').some((l) => l.startsWith('Extended IP Reachability: 10.0.4.0/24')))
  const up2 = lspLines(db2, 2, 'r2.00-00')
  assert.ok(up2.includes('Extended IP Reachability: 10.0.1.0/24 (Metric: 20)'), up2.join('\n'))
  assert.ok(!up2.some((l) => l.includes('10.0.4.0/24') || l.includes('Down')), up2.join('\n'))
  // r2 routes by level 2 (cost 120) over r5's leaked level-1 path (cost 50): RFC 5302 §3.4.
  assert.equal(route((await r.line('r2 netstat -rn -f inet')).out, '10.0.4.0/24'), '10.0.23.3')
  const run = (await r.line('r2 vtysh -c "show running-config"')).out
  assert.match(run, /^ redistribute ipv4 isis level-2 into level-1$/m)
  // A metric of its own; then off again: r1 falls back on the default.
  let c = await r.line(`r5 ${vty([...LEAK.slice(0, 1), `${LEAK[1]} metric 5`]).slice(1, -1)}`)
  assert.equal(c.status, 0, c.out)
  await r.sleep(40)
  assert.match(
    (await r.line('r1 vtysh -c "show ip route"')).out,
    /^I>\* 10\.0\.4\.0\/24 \[115\/15\] via 10\.0\.15\.5/m,
  )
  assert.match(
    (await r.line('r5 vtysh -c "show running-config"')).out,
    /^ redistribute ipv4 isis level-2 into level-1 metric 5$/m,
  )
  for (const n of ['r2', 'r5']) {
    c = await r.line(`${n} ${vty(['router isis 1', `no ${LEAK[1]}`]).slice(1, -1)}`)
    assert.equal(c.status, 0, c.out)
  }
  await r.sleep(40)
  assert.equal(route((await r.line('r1 netstat -rn -f inet')).out, '10.0.4.0/24'), undefined)
  // A route-map is refused (none here); a level-1 router has no level 2 to leak.
  const rm = await r.line(`r2 ${vty(['router isis 1', `${LEAK[1]} route-map X`]).slice(1, -1)}`)
  assert.equal(rm.status, 1)
  assert.match(rm.out, /route-map: not supported yet/)
  const l1 = await r.line(`r1 ${vty(LEAK).slice(1, -1)}`)
  assert.equal(l1.status, 1)
  assert.doesNotMatch((await r.line('r1 vtysh -c "show running-config"')).out, /redistribute/)
})

test('leakDown: level-2 routes through a neighbour, not intra-area ones nor our own, IPv6 too', () => {
  const hop: NextHop = { gw: 1, gw6: new Uint8Array(16), ifName: 'e0', sysId: '000000000003' }
  const r4 = (p: string, metric: number, nextHops: NextHop[], down = false): [string, IsisRoute] => {
    const [a, l] = p.split('/')
    const addr = parseIpv4(a!)!
    return [`${addr}/${l}`, { addr, len: Number(l), metric, level: 2, nextHops, down }]
  }
  const v6 = (b: number) => Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? 0xfc : i === 1 ? b : 0))
  const r6 = (b: number, metric: number, nextHops: NextHop[], down = false): [string, IsisRoute6] => [
    `fc${b}::/64`,
    { addr: v6(b), len: 64, metric, level: 2, nextHops, down },
  ]
  const l2 = new Map([
    r4('10.0.4.0/24', 30, [hop]),
    r4('10.0.1.0/24', 20, [hop]),
    r4('10.0.9.0/24', 20, [hop]),
    r4('10.0.5.0/24', 0, []),
    r4('0.0.0.0/0', 5, [hop]),
  ])
  const l1 = new Map([r4('10.0.1.0/24', 20, [hop]), r4('10.0.9.0/24', 40, [hop], true)])
  const l2v6 = new Map([r6(4, 30, [hop]), r6(1, 20, [hop])])
  const l1v6 = new Map([r6(1, 10, [hop])])
  const both = leakDown({ ipv4: { metric: null }, ipv6: { metric: 7 } }, l1, l2, l1v6, l2v6)
  assert.deepEqual(
    both.ip.map((x) => [x.addr, x.len, x.metric, x.down]),
    [
      [parseIpv4('10.0.4.0')!, 24, 30, true],
      [parseIpv4('10.0.9.0')!, 24, 20, true],
    ],
  )
  assert.deepEqual(
    both.ip6.map((x) => [x.addr[1], x.metric, x.down, x.external]),
    [[4, 7, true, false]],
  )
  const none = leakDown({ ipv4: null, ipv6: null }, l1, l2, l1v6, l2v6)
  assert.equal(none.ip.length + none.ip6.length, 0)
})

/**
 * isisd's IPv6 (RFC 5308) and authentication (ISO 10589 §9.5 cleartext, RFC 5304 HMAC-MD5) in labs,
 * in virtual time, at both levels: r1 (level-1) — r2 (level-1-2) — r3 (level-2-only, another area),
 * every interface `ipv6 router isis 1` besides IPv4. r2 learns r1's prefixes at level 1 and r3's at
 * level 2, installs them through the neighbours' link-local addresses and pings across; with
 * `isis password`, `area-password` and `domain-password` the same holds, and a wrong hello password
 * or LSP key is dropped and counted (`show isis summary`) and costs the routes it carried.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { type BootedLab, bootLab } from '../../../../testing/lab_console.js'

const host6 = (name: string, addr: string, gw: string) =>
  `  ${name}: { kind: pc, interfaces: [ { name: eth0, ipv6: [ ${addr} ] } ], startup: [ "route -q add -inet6 default ${gw}" ] }`

const vty = (lines: string[]) => `'vtysh -c "configure terminal" ${lines.map((l) => `-c "${l}"`).join(' ')}'`
const v6 = ['interface eth0', 'ipv6 router isis 1', 'interface eth1', 'ipv6 router isis 1']

const lab = (r1: string[], r2: string[], r3: string[]) => `
name: isis-ipv6
nodes:
${host6('h1', 'fc00:1::10/64', 'fc00:1::1')}
${host6('h3', 'fc00:3::10/64', 'fc00:3::1')}
  r1:
    kind: router
    isis: { net: 49.0001.0000.0000.0001.00 }
    interfaces: [ { name: eth0, address: 10.0.1.1/24, ipv6: [ fc00:1::1/64 ] }, { name: eth1, address: 10.0.12.1/24, ipv6: [ fc00:12::1/64 ] } ]
    startup: [ ${vty([...v6, 'router isis 1', 'is-type level-1', ...r1])} ]
  r2:
    kind: router
    isis: { net: 49.0001.0000.0000.0002.00 }
    interfaces: [ { name: eth0, address: 10.0.12.2/24, ipv6: [ fc00:12::2/64 ] }, { name: eth1, address: 10.0.23.2/24, ipv6: [ fc00:23::2/64 ] } ]
    startup: [ ${vty([...v6, ...r2])} ]
  r3:
    kind: router
    isis: { net: 49.0002.0000.0000.0003.00 }
    interfaces: [ { name: eth0, address: 10.0.23.3/24, ipv6: [ fc00:23::3/64 ] }, { name: eth1, address: 10.0.3.1/24, ipv6: [ fc00:3::1/64 ] } ]
    startup: [ ${vty([...v6, 'router isis 1', 'is-type level-2-only', ...r3])} ]
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r3:eth1, b: h3 }
`

let current: BootedLab | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

function route(netstat: string, dest: string): string | undefined {
  return netstat.split('\n').find((l) => l.startsWith(`${dest} `))
}

/** A section of `show isis route`: from its title to the next blank line. */
function section(out: string, title: string): string {
  const at = out.indexOf(title)
  return at < 0 ? '' : out.slice(at, out.indexOf('\n\n', out.indexOf('\n\n', at) + 2))
}

/** What r2 should see: level 1 toward r1 (eth0), level 2 toward r3 (eth1), pings both ways. */
async function assertRoutes(r: BootedLab): Promise<void> {
  const rt = (await r.line('r2 vtysh -c "show isis route"')).out
  const l1 = section(rt, 'IS-IS L1 IPv6 routing table:')
  assert.match(l1, /^ fc00:1::\/64 +20 +eth0 +fe80::[0-9a-f:]+ +-$/m, rt)
  assert.match(l1, /^ fc00:12::\/64 +10 +- +- +-$/m, rt)
  const l2 = section(rt, 'IS-IS L2 IPv6 routing table:')
  assert.match(l2, /^ fc00:3::\/64 +20 +eth1 +fe80::[0-9a-f:]+ +-$/m, rt)
  // r2 announces its area's level-1 prefixes at level 2 (RFC 1195 §3.2): its own there, no next hop.
  assert.match(l2, /^ fc00:1::\/64 +20 +- +- +-$/m, rt)
  assert.match(
    section(rt, 'IS-IS L1 IPv4 routing table:'),
    /^ 10\.0\.1\.0\/24 +20 +eth0 +10\.0\.12\.1 +-$/m,
    rt,
  )
  const ns = (await r.line('r2 netstat -rn -f inet6')).out
  assert.match(route(ns, 'fc00:1::/64') ?? '', /^fc00:1::\/64 +fe80::[0-9a-f:]+%eth0 +UG1 +eth0$/, ns)
  assert.match(route(ns, 'fc00:3::/64') ?? '', /^fc00:3::\/64 +fe80::[0-9a-f:]+%eth1 +UG1 +eth1$/, ns)
  const ip6 = (await r.line('r2 vtysh -c "show ipv6 route"')).out
  assert.match(
    ip6,
    /^I>\* fc00:3::\/64 \[115\/20\] via fe80::[0-9a-f:]+, eth1, weight 1, \d\d:\d\d:\d\d$/m,
    ip6,
  )
  for (const to of ['fc00:1::10', 'fc00:3::10']) {
    const p = await r.line(`r2 ping -6 -c 1 ${to}`)
    assert.equal(p.status, 0, p.out)
  }
}

describe('isisd IPv6 (RFC 5308)', () => {
  test('level 1 and level 2 IPv6 routes through link-local next hops, pings across', async () => {
    const r = (current = await bootLab(lab([], [], []), 21))
    await r.sleep(20)
    await assertRoutes(r)
    // r1 is level-1 only: r3's prefixes (level 2) stay out of its table.
    assert.doesNotMatch((await r.line('r1 vtysh -c "show isis route"')).out, /fc00:3::/)
    const run = (await r.line('r2 vtysh -c "show running-config"')).out
    assert.match(run, /^interface eth0\n ip router isis 1\n ipv6 router isis 1\nexit$/m)
  })
})

describe('isisd authentication', () => {
  test('hello, area and domain passwords: the same routes; a wrong key is dropped, counted, and costs them', async () => {
    const hello = ['interface eth1', 'isis password md5 hello-key']
    const r = (current = await bootLab(
      lab(
        [...hello, 'router isis 1', 'area-password md5 area-key'],
        [
          'interface eth0',
          'isis password md5 hello-key',
          'router isis 1',
          'area-password md5 area-key',
          'domain-password clear domain-key authenticate snp validate',
        ],
        ['router isis 1', 'domain-password clear domain-key authenticate snp validate'],
      ),
      22,
    ))
    await r.sleep(20)
    await assertRoutes(r)
    const run = (await r.line('r2 vtysh -c "show running-config"')).out
    assert.match(
      run,
      /^interface eth0\n ip router isis 1\n ipv6 router isis 1\n isis password md5 hello-key\nexit$/m,
    )
    assert.match(
      run,
      /^router isis 1\n net 49\.0001\.0000\.0000\.0002\.00\n area-password md5 area-key\n domain-password clear domain-key authenticate snp validate\nexit$/m,
    )
    const ok = (await r.line('r2 vtysh -c "show isis summary"')).out
    assert.match(ok, /Level-1:\n(?: .*\n)*? {4}Auth type failures: 0\n {4}Auth failures {5}: 0\n/, ok)
    assert.match(ok, /Level-2:\n(?: .*\n)*? {4}Auth type failures: 0\n {4}Auth failures {5}: 0\n/, ok)

    // r3's level-2 LSPs under another domain password: r2 drops them (counted) and keeps what it had.
    const x = await r.line(`r3 vtysh -c 'conf t' -c 'router isis 1' -c 'domain-password clear other'`)
    assert.equal(x.status, 0, x.out)
    // And r1's hellos under another key: r2 drops them, the adjacency times out, r1's routes go.
    const y = await r.line(`r1 vtysh -c 'conf t' -c 'interface eth1' -c 'isis password md5 other'`)
    assert.equal(y.status, 0, y.out)
    await r.sleep(45)
    const bad = (await r.line('r2 vtysh -c "show isis summary"')).out
    const failures = (level: number) =>
      Number(
        new RegExp(`Level-${level}:\\n(?: .*\\n)*? {4}Auth failures {5}: (\\d+)\\n`).exec(bad)?.[1] ?? -1,
      )
    assert.ok(failures(1) > 0, bad)
    assert.ok(failures(2) > 0, bad)
    assert.doesNotMatch((await r.line('r2 vtysh -c "show isis neighbor"')).out, /^ r1 /m)
    assert.equal(route((await r.line('r2 netstat -rn -f inet6')).out, 'fc00:1::/64'), undefined)
    assert.notEqual((await r.line('r2 ping -6 -c 1 -t 2 fc00:1::10')).status, 0)
    // The matching key again: the adjacency and r1's routes come back.
    const z = await r.line(`r1 vtysh -c 'conf t' -c 'interface eth1' -c 'isis password md5 hello-key'`)
    assert.equal(z.status, 0, z.out)
    await r.sleep(20)
    assert.match(route((await r.line('r2 netstat -rn -f inet6')).out, 'fc00:1::/64') ?? '', / UG1 +eth0$/)
  })
})

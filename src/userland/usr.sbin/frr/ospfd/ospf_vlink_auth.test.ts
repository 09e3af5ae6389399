/**
 * ospfd's virtual-link authentication (RFC 2328 §15, appendix D) in a lab, in virtual time, set as
 * FRR's users set it (`area X virtual-link A.B.C.D authentication message-digest`, `…
 * message-digest-key N md5 KEY`, `… authentication` with `… authentication-key KEY`): the same key
 * at both ends makes the link Full while the transit area's own packets stay unauthenticated (tshark
 * where installed), a different key takes it down (counted), a password brings it back; FRR's
 * running configuration and errors.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, test } from 'node:test'
import { type BootedLab, bootLab } from '../../../../testing/lab_console.js'
import { have } from '../../../../testing/real_tools.js'

/** h0 — r1 [area 0 | area 1] r2 [area 1 | area 2] r3 — h3, area 2 reached through a virtual link r1 — r2. */
const LAB = `
name: ospf-vlink-auth
nodes:
  h0: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.10/24 } ], routes: [ { to: default, via: 10.0.0.1 } ] }
  h3: { kind: pc, interfaces: [ { name: eth0, address: 10.0.3.10/24 } ], routes: [ { to: default, via: 10.0.3.1 } ] }
  r1:
    kind: router
    ospf: { routerId: 1.1.1.1, redistribute: [], networks: [ 10.0.0.0/24 ] }
    interfaces: [ { name: eth0, address: 10.0.0.1/24 }, { name: eth1, address: 10.0.12.1/24 } ]
  r2:
    kind: router
    ospf: { routerId: 2.2.2.2, redistribute: [], networks: [ 10.0.12.0/24 ], area: 0.0.0.1 }
    interfaces: [ { name: eth0, address: 10.0.12.2/24 }, { name: eth1, address: 10.0.23.2/24 } ]
  r3:
    kind: router
    ospf: { routerId: 3.3.3.3, redistribute: [], networks: [ 10.0.0.0/8 ], area: 0.0.0.2 }
    interfaces: [ { name: eth0, address: 10.0.23.3/24 }, { name: eth1, address: 10.0.3.1/24 } ]
links:
  - { a: h0, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r3:eth1, b: h3 }
`

let current: BootedLab | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

test('virtual-link MD5: Full with the same key, down with another (counted), back with a password', async (t) => {
  const r = (current = await bootLab(LAB, 9))
  const conf = (node: string, ...lines: string[]) =>
    r.line(`${node} vtysh -c 'conf t' -c 'router ospf' ${lines.map((l) => `-c '${l}'`).join(' ')}`)
  const ok = async (node: string, ...lines: string[]) => {
    const x = await conf(node, ...lines)
    assert.equal(x.status, 0, x.out)
  }
  await ok('r1', 'network 10.0.12.0/24 area 0.0.0.1')
  await ok('r2', 'network 10.0.23.0/24 area 0.0.0.2')
  const md5 = (peer: string, key: string) => [
    `area 0.0.0.1 virtual-link ${peer}`,
    `area 0.0.0.1 virtual-link ${peer} authentication message-digest`,
    `area 0.0.0.1 virtual-link ${peer} message-digest-key 1 md5 ${key}`,
  ]
  await ok('r1', ...md5('2.2.2.2', 'vl-secret'))
  await ok('r2', ...md5('1.1.1.1', 'vl-secret'))
  const cap = await r.line('r2 sh -c "tcpdump -w /cap.pcap -i eth0 ip &"')
  assert.equal(cap.status, 0, cap.out)
  await r.sleep(60)
  const vlFull = /^2\.2\.2\.2 +0 Full\/- .* VLINK0:10\.0\.12\.1 /m
  assert.match((await r.line('r1 vtysh -c "show ip ospf neighbor"')).out, vlFull)
  const ping = await r.line('h0 ping -c 1 10.0.3.10')
  assert.equal(ping.status, 0, ping.out)
  const run = (await r.line('r1 vtysh -c "show running-config"')).out
  assert.match(
    run,
    /^ area 0\.0\.0\.1 virtual-link 2\.2\.2\.2\n area 0\.0\.0\.1 virtual-link 2\.2\.2\.2 authentication message-digest\n area 0\.0\.0\.1 virtual-link 2\.2\.2\.2 message-digest-key 1 md5 vl-secret$/m,
    run,
  )
  const dup = await conf('r1', 'area 0.0.0.1 virtual-link 2.2.2.2 message-digest-key 1 md5 other')
  assert.notEqual(dup.status, 0)
  assert.match(dup.out, /OSPF: Key 1 already exists/)
  const gone = await conf('r1', 'no area 0.0.0.1 virtual-link 2.2.2.2 message-digest-key 3 md5 x')
  assert.match(gone.out, /OSPF: Key 3 does not exist/)

  // Another key at r2's end: r1's packets over the link fail there, the link's adjacency dies.
  await ok(
    'r2',
    'no area 0.0.0.1 virtual-link 1.1.1.1 message-digest-key 1 md5 vl-secret',
    'area 0.0.0.1 virtual-link 1.1.1.1 message-digest-key 1 md5 not-the-same',
  )
  await r.sleep(90)
  assert.doesNotMatch((await r.line('r1 vtysh -c "show ip ospf neighbor"')).out, /VLINK0/)
  assert.match((await r.line('r2 vtysh -c "show ip ospf"')).out, /auth-digest \d+/)
  // The transit area itself is unauthenticated and unaffected.
  assert.match((await r.line('r1 vtysh -c "show ip ospf neighbor"')).out, /^2\.2\.2\.2 +1 Full\/.* eth1:/m)

  // Simple passwords (appendix D.3) at both ends: Full again.
  for (const [n, peer] of [
    ['r1', '2.2.2.2'],
    ['r2', '1.1.1.1'],
  ] as const)
    await ok(
      n,
      `area 0.0.0.1 virtual-link ${peer} authentication`,
      `area 0.0.0.1 virtual-link ${peer} authentication-key vlpass`,
    )
  await r.sleep(60)
  assert.match((await r.line('r1 vtysh -c "show ip ospf neighbor"')).out, vlFull)
  assert.match(
    (await r.line('r2 vtysh -c "show running-config"')).out,
    /^ area 0\.0\.0\.1 virtual-link 1\.1\.1\.1 authentication\n area 0\.0\.0\.1 virtual-link 1\.1\.1\.1 authentication-key vlpass\n area 0\.0\.0\.1 virtual-link 1\.1\.1\.1 message-digest-key 1 md5 not-the-same$/m,
  )

  const text = r.lab.nodeFs('r2').read('/cap.pcap')
  assert.ok(text !== undefined && text.length > 24, 'tcpdump wrote a capture')
  if (!have('tshark')) return t.skip('tshark is not installed (apt-get install tshark)')
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-vlauth-'))
  try {
    const f = join(dir, 'c.pcap')
    writeFileSync(
      f,
      Uint8Array.from(text, (ch) => ch.charCodeAt(0)),
    )
    const run = (...args: string[]) =>
      execFileSync('tshark', ['-r', f, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
    assert.equal(run('-Y', '_ws.malformed || _ws.expert.severity >= error'), '')
    const rows = run(
      '-Y',
      'ospf',
      '-T',
      'fields',
      '-e',
      'ospf.area_id',
      '-e',
      'ospf.auth.type',
      '-e',
      'ip.dst',
    )
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
    const vl = rows.filter((x) => x[0] === '0.0.0.0')
    const transit = rows.filter((x) => x[0] === '0.0.0.1')
    assert.ok(
      vl.length > 5 && transit.length > 5,
      `${vl.length} virtual-link and ${transit.length} area 1 packets`,
    )
    // Over the link: unicast, AuType 2 then (after the passwords) 1; the area's own: AuType 0.
    assert.ok(
      vl.every((x) => /^10\.0\.12\.[12]$/.test(x[2] ?? '')),
      'virtual-link packets are unicast',
    )
    assert.ok(vl.some((x) => x[1] === '2') && vl.some((x) => x[1] === '1'))
    assert.ok(
      vl.every((x) => x[1] === '2' || x[1] === '1'),
      vl.map((x) => x[1]).join(' '),
    )
    assert.ok(transit.every((x) => x[1] === '0'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

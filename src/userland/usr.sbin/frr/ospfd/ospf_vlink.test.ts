/**
 * ospfd's virtual links (RFC 2328 §15) in labs, in virtual time: an area cut off from the backbone
 * is reached only once `area X virtual-link` joins its border router to the backbone through the
 * transit area, and loses it again when the link is removed; IMUNES's OSPF_RFC.imn (RFC 2328's
 * figure 2, where ../shared has it) converges with RT10 and RT11's virtual link, its routes take the
 * transit area where that is shorter (§16.3), and a cut of the transit network takes the link down
 * and back; and the link's own authentication (FRR's `area X virtual-link A.B.C.D authentication
 * message-digest`, `… message-digest-key N md5 KEY`, `… authentication` with `… authentication-key
 * KEY`): the same key at both ends Full while the transit area's packets stay unauthenticated
 * (tshark where installed), a different key down (counted), a password back; FRR's running
 * configuration and errors.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterEach, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { type BootedLab, bootLab } from '../../../../testing/lab_console.js'
import { have } from '../../../../testing/real_tools.js'

/**
 * h0 — r1 [area 0 | area 1] r2 [area 1 | area 2] r3 — h3: area 2 touches the backbone only through
 * a virtual link r1 — r2 across area 1. Nothing redistributed, so only OSPF's own areas carry routes.
 */
const CUT_OFF = `
name: ospf-vlink
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

function route(netstat: string, dest: string): string | undefined {
  return netstat.split('\n').find((l) => l.startsWith(`${dest} `))
}

describe('ospfd virtual links', () => {
  test('an area cut off from the backbone is reached through a virtual link, and lost without it', async () => {
    const r = (current = await bootLab(CUT_OFF, 3))
    const conf = async (node: string, ...lines: string[]) => {
      const x = await r.line(
        `${node} vtysh -c 'conf t' -c 'router ospf' ${lines.map((l) => `-c '${l}'`).join(' ')}`,
      )
      assert.equal(x.status, 0, x.out)
    }
    await conf('r1', 'network 10.0.12.0/24 area 0.0.0.1')
    await conf('r2', 'network 10.0.23.0/24 area 0.0.0.2')
    await r.sleep(60)
    // §3.1: without the backbone r2 is no border router for area 2, and r1 hears nothing of it.
    assert.equal(route((await r.line('r1 netstat -rn -f inet')).out, '10.0.3.0/24'), undefined)
    assert.notEqual((await r.line('h0 ping -c 1 -t 2 10.0.3.10')).status, 0)

    await conf('r1', 'area 0.0.0.1 virtual-link 2.2.2.2')
    await conf('r2', 'area 0.0.0.1 virtual-link 1.1.1.1')
    await r.sleep(60)
    const nb = (await r.line('r1 vtysh -c "show ip ospf neighbor"')).out
    assert.match(nb, /^2\.2\.2\.2 +0 Full\/- +\S+ +\S+ 10\.0\.12\.2 +VLINK0:10\.0\.12\.1 +0 +0 +0$/m)
    const st = (await r.line('r2 vtysh -c "show ip ospf"')).out
    assert.match(st, /This router is an ABR/)
    assert.match(
      st,
      /Area ID: 0\.0\.0\.1\n(?: .*\n)*? {3}Number of full virtual adjacencies going through this area: 1\n/,
    )
    const ifc = (await r.line('r2 vtysh -c "show ip ospf interface VLINK0"')).out
    assert.match(ifc, /Network Type VIRTUALLINK, Cost: 10/)
    assert.match(ifc, /State Point-To-Point/)
    // r2's summary of area 2 reaches r1 over the backbone; r3 learns the backbone's from r2.
    assert.match(
      route((await r.line('r1 netstat -rn -f inet')).out, '10.0.3.0/24') ?? '',
      / 10\.0\.12\.2 +UG1 +eth1$/,
    )
    assert.match(
      route((await r.line('r3 netstat -rn -f inet')).out, '10.0.0.0/24') ?? '',
      / 10\.0\.23\.2 +UG1 +eth0$/,
    )
    const ping = await r.line('h0 ping -c 1 10.0.3.10')
    assert.equal(ping.status, 0, ping.out)
    assert.match(
      (await r.line('r1 vtysh -c "show running-config"')).out,
      /^ area 0\.0\.0\.1 virtual-link 2\.2\.2\.2$/m,
    )

    // Taken away on one side: the peer's hellos no longer match a link, the adjacency dies, the routes go.
    await conf('r1', 'no area 0.0.0.1 virtual-link 2.2.2.2')
    await r.sleep(60)
    assert.doesNotMatch((await r.line('r2 vtysh -c "show ip ospf neighbor"')).out, /VLINK/)
    assert.equal(route((await r.line('r1 netstat -rn -f inet')).out, '10.0.3.0/24'), undefined)
    assert.notEqual((await r.line('h0 ping -c 1 -t 2 10.0.3.10')).status, 0)
  })
})

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../..')
const RFC = resolve(ROOT, process.env.IMUNES_EXAMPLES ?? '../shared/imunes-examples', 'OSPF/OSPF_RFC.imn')
const ABSENT = existsSync(RFC) ? undefined : `../shared/imunes-examples absent: ${RFC} not found`

test(
  'imunes-examples/OSPF/OSPF_RFC.imn: RT10 and RT11 join area 3 to the backbone; a transit cut and back',
  { skip: ABSENT },
  async () => {
    const r = (current = await bootLab(readFileSync(RFC, 'utf8'), 1, {
      fileName: 'OSPF_RFC.imn',
      chatty: true,
    }))
    const nb10 = (await r.line('RT10 vtysh -c "show ip ospf neighbor"')).out
    assert.match(nb10, /^11\.11\.11\.11 +0 Full\/- +\S+ +\S+ 10\.2\.8\.2 +VLINK0:10\.2\.8\.1 /m)
    assert.match(
      (await r.line('RT11 vtysh -c "show ip ospf neighbor"')).out,
      /^10\.10\.10\.10 +0 Full\/- .* VLINK0:10\.2\.8\.2 /m,
    )
    assert.match(
      (await r.line('RT11 vtysh -c "show ip ospf"')).out,
      /Area ID: 2\.2\.2\.2\n(?: .*\n)*? {3}Number of full virtual adjacencies going through this area: 1\n/,
    )
    // Area 3's networks reach the backbone only through RT11's summaries over the virtual link.
    const rt6 = (await r.line('RT6 netstat -rn -f inet')).out
    for (const n of ['10.3.9.0/24', '10.3.10.0/24', '10.3.11.0/24'])
      assert.match(route(rt6, n) ?? '', / 10\.0\.60\.2 +UG1 +eth2$/, `${n} on RT6:\n${rt6}`)
    // RFC 2328's figure 2 seen from RT6: N9, N10, N11 at 11, 13 and 14, via RT10 and the link's cost 3.
    const or6 = (await r.line('RT6 vtysh -c "show ip ospf route"')).out
    for (const [n, c] of [
      ['10.3.9.0/24', 11],
      ['10.3.10.0/24', 13],
      ['10.3.11.0/24', 14],
    ] as const)
      assert.match(
        or6,
        new RegExp(
          `^N IA ${n.replaceAll('.', '\\.')} +\\[${c}\\] area: 0\\.0\\.0\\.0\n +via 10\\.0\\.60\\.2, eth2$`,
          'm',
        ),
      )
    // Area 1 takes RT3 for them, the border router nearer RT10 (8 + 7 against RT4's 8 + 7 + 7).
    assert.match(
      route((await r.line('RT1 netstat -rn -f inet')).out, '10.3.10.0/24') ?? '',
      / 10\.1\.3\.4 +UG1 +eth0$/,
    )
    // §16.3: RT10 reaches the RT4–RT5 network through transit area 2 and RT7's summary (1 + 14), not
    // along the backbone through RT6 (5 + 6 + 8).
    assert.match(
      route((await r.line('RT10 netstat -rn -f inet')).out, '10.0.45.0/24') ?? '',
      / 10\.2\.6\.2 +UG1 +eth2$/,
    )
    const ping = await r.line('RT1 ping -c 1 10.3.10.1')
    assert.equal(ping.status, 0, ping.out)

    // RT10's side of N8 down: after the dead interval RT11 is out of area 2's tree, the link goes down,
    // and area 3 is cut off from the backbone; back up, all returns.
    assert.equal((await r.line('link RT10:eth1 N8 down')).status, 0)
    await r.sleep(50)
    assert.doesNotMatch((await r.line('RT10 vtysh -c "show ip ospf neighbor"')).out, /11\.11\.11\.11/)
    assert.equal(route((await r.line('RT6 netstat -rn -f inet')).out, '10.3.10.0/24'), undefined)
    assert.equal((await r.line('link RT10:eth1 N8 up')).status, 0)
    await r.sleep(60)
    assert.match(
      (await r.line('RT10 vtysh -c "show ip ospf neighbor"')).out,
      /^11\.11\.11\.11 +0 Full\/- .* VLINK0:/m,
    )
    assert.match(
      route((await r.line('RT6 netstat -rn -f inet')).out, '10.3.10.0/24') ?? '',
      / 10\.0\.60\.2 +UG1 +eth2$/,
    )
    assert.equal((await r.line('RT1 ping -c 1 10.3.10.1')).status, 0)
  },
)

describe('ospfd virtual-link authentication', () => {
  test('virtual-link MD5: Full with the same key, down with another (counted), back with a password', async (t) => {
    const r = (current = await bootLab(CUT_OFF, 9))
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
})

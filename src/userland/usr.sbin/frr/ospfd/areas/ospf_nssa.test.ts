/**
 * ospfd's stub areas and NSSAs (RFC 2328 §3.6, RFC 3101) in a lab, in virtual time: two border
 * routers r1 and r2 between the backbone (where r0 redistributes h0's network) and area 1, whose
 * internal router r3 redistributes h3's. As an NSSA: r3's Type-7 (P bit, its address as forwarding
 * address) and no AS-external-LSA in area 1; r2 (the higher Router ID) elected translator, its
 * AS-external-LSA routed through the forwarding address (via r1); N E2 and N IA routes and pings
 * both ways; `translate-always` on r1 (the Nt bit) taking over, r2 going on for the stability
 * interval and then flushing; `nssa range` aggregation and not-advertise; no-summary. As a stub
 * area: defaults at `default-cost`, nothing external, no-summary; a router whose stub flag disagrees
 * never becomes a neighbour (its Hellos dropped, counted). Hellos on the wire checked by tshark where
 * installed. FRR's show lines, running configuration round trip and errors.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, test } from 'node:test'
import { type BootedLab, bootLab, vtyshLine } from '../../../../../testing/lab_console.js'
import { have } from '../../../../../testing/real_tools.js'

const host = (name: string, addr: string, gw: string) =>
  `  ${name}: { kind: pc, interfaces: [ { name: eth0, address: ${addr} } ], routes: [ { to: default, via: ${gw} } ] }`

/** A router: its interfaces (name, address) and the `router ospf` lines after its router id. */
function rtr(name: string, rid: string, ifs: Array<[string, string]>, router: readonly string[]): string {
  const c = ['configure terminal', 'router ospf', `ospf router-id ${rid}`, ...router]
  return `  ${name}:
    kind: router
    ospf: { configure: false }
    interfaces: [ ${ifs.map(([n, a]) => `{ name: ${n}, address: ${a} }`).join(', ')} ]
    startup: [ "${vtyshLine('', ...c).trim()}" ]`
}

/**
 * h1, r0, r1, r2 on the backbone LAN 10.0.1.0/24; h0 behind r0 (redistributed); area 1: r1 — r3
 * (10.0.13.0/24) and r2 — r3 (10.0.23.0/24); h3 behind r3 (redistributed). `area1` are the lines
 * that make area 1 what it is, on r1, r2 and r3 alike; `r3x` more of r3's own.
 */
function lab(area1: readonly string[], r3x: readonly string[] = area1): string {
  return `
name: ospf-nssa
nodes:
  s1: { kind: switch }
${host('h0', '10.99.0.10/24', '10.99.0.1')}
${host('h1', '10.0.1.10/24', '10.0.1.1')}
${host('h3', '10.33.0.10/24', '10.33.0.1')}
${rtr(
  'r0',
  '9.9.9.9',
  [
    ['eth0', '10.0.1.1/24'],
    ['eth1', '10.99.0.1/24'],
  ],
  ['redistribute connected', 'network 10.0.1.0/24 area 0'],
)}
${rtr(
  'r1',
  '1.1.1.1',
  [
    ['eth0', '10.0.1.2/24'],
    ['eth1', '10.0.13.1/24'],
  ],
  ['network 10.0.1.0/24 area 0', 'network 10.0.13.0/24 area 1', ...area1],
)}
${rtr(
  'r2',
  '2.2.2.2',
  [
    ['eth0', '10.0.1.3/24'],
    ['eth1', '10.0.23.2/24'],
  ],
  ['network 10.0.1.0/24 area 0', 'network 10.0.23.0/24 area 1', ...area1],
)}
${rtr(
  'r3',
  '3.3.3.3',
  [
    ['eth0', '10.0.13.3/24'],
    ['eth1', '10.0.23.3/24'],
    ['eth2', '10.33.0.1/24'],
  ],
  ['redistribute connected', 'network 10.0.13.0/24 area 1', 'network 10.0.23.0/24 area 1', ...r3x],
)}
links:
  - { a: h1, b: s1 }
  - { a: r0:eth0, b: s1 }
  - { a: r1:eth0, b: s1 }
  - { a: r2:eth0, b: s1 }
  - { a: h0, b: r0:eth1 }
  - { a: r1:eth1, b: r3:eth0 }
  - { a: r2:eth1, b: r3:eth1 }
  - { a: r3:eth2, b: h3 }
`
}

let current: BootedLab | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

async function show(r: BootedLab, node: string, cmd: string): Promise<string> {
  const x = await r.line(`${node} vtysh -c "${cmd}"`)
  assert.equal(x.status, 0, x.out)
  return x.out
}

async function conf(r: BootedLab, node: string, ...lines: string[]): Promise<string> {
  const x = await r.line(vtyshLine(node, 'conf t', 'router ospf', ...lines))
  assert.equal(x.status, 0, x.out)
  return x.out
}

function fib(netstat: string, dest: string): string {
  return netstat.split('\n').find((l) => l.startsWith(`${dest} `)) ?? ''
}

/** One section of `show ip ospf database` (its rows), by title. */
function section(db: string, title: string): string {
  const at = db.indexOf(`${title}`)
  if (at < 0) return ''
  const rest = db.slice(at)
  const end = rest.indexOf('\n\n', rest.indexOf('\n\n') + 2)
  return end < 0 ? rest : rest.slice(0, end)
}

/** tshark's fields of each packet of a capture that `filter` takes (malformed ones fail the test). */
function tshark(pcap: Uint8Array, filter: string, fields: readonly string[]): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-ospf-nssa-'))
  try {
    const f = join(dir, 'c.pcap')
    writeFileSync(f, pcap)
    const run = (...args: string[]) =>
      execFileSync('tshark', ['-r', f, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
    assert.equal(run('-Y', '_ws.malformed || _ws.expert.severity >= error'), '')
    return run('-Y', filter, '-T', 'fields', ...fields.flatMap((x) => ['-e', x]))
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('ospfd NSSA (RFC 3101)', () => {
  test('Type-7 inside, translated by the elected border router, routed through its forwarding address', async (t) => {
    const r = (current = await bootLab(lab(['area 1 nssa']), 31))
    const cap = await r.line('r3 sh -c "tcpdump -w /cap.pcap -i eth0 &"')
    assert.equal(cap.status, 0, cap.out)
    await r.sleep(1)
    // A new metric: the capture sees a new instance of r3's Type-7 go out.
    await conf(r, 'r3', 'redistribute connected metric 30')
    await r.sleep(30)
    const db3 = await show(r, 'r3', 'show ip ospf database')
    // r3's Type-7: its first address in the NSSA as forwarding address (FRR's choice), shown as FRR does.
    const t7 = section(db3, 'NSSA-external Link States (Area 0.0.0.1 [NSSA])')
    assert.match(
      t7,
      /^10\.33\.0\.0 +3\.3\.3\.3 +\d+ 0x80000002 0x[0-9a-f]{4} E2 10\.33\.0\.0\/24 \[0x0\]$/m,
      db3,
    )
    assert.match(db3, /Router Link States \(Area 0\.0\.0\.1 \[NSSA\]\)/)
    // Nothing of the AS's in the NSSA: r0's external stays out; the border routers' summaries and defaults come in.
    assert.doesNotMatch(db3, /^10\.99\.0\.0 /m, db3)
    assert.doesNotMatch(db3, /ASBR-Summary/, db3)
    const sum = section(db3, 'Summary Link States (Area 0.0.0.1 [NSSA])')
    assert.match(sum, /^0\.0\.0\.0 +1\.1\.1\.1 .* 0\.0\.0\.0\/0$/m, db3)
    assert.match(sum, /^0\.0\.0\.0 +2\.2\.2\.2 .* 0\.0\.0\.0\/0$/m, db3)
    assert.match(sum, /^10\.0\.1\.0 +1\.1\.1\.1 .* 10\.0\.1\.0\/24$/m, db3)
    // r2 (higher Router ID) translates; r1 does not.
    const db0 = await show(r, 'r0', 'show ip ospf database')
    const ext0 = section(db0, 'AS External Link States')
    assert.match(
      ext0,
      /^10\.33\.0\.0 +2\.2\.2\.2 +\d+ 0x8000000\d 0x[0-9a-f]{4} E2 10\.33\.0\.0\/24 \[0x0\]$/m,
      db0,
    )
    assert.doesNotMatch(ext0, /^10\.33\.0\.0 +1\.1\.1\.1 /m, db0)
    assert.doesNotMatch(db0, /NSSA-external/, 'Type-7s stay in their area')
    assert.match(
      await show(r, 'r2', 'show ip ospf'),
      /Area ID: 0\.0\.0\.1 \(NSSA\)\n(?: .*\n)*? {3}It is an NSSA configuration\.\n {3}Elected NSSA\/ABR performs type-7\/type-5 LSA translation\.\n {3}We are an ABR and the NSSA Elected Translator\.\n/,
    )
    const s1 = await show(r, 'r1', 'show ip ospf')
    assert.match(s1, /We are an ABR, but not the NSSA Elected Translator\./)
    assert.doesNotMatch(s1, /This router is an ASBR/)
    assert.match(await show(r, 'r3', 'show ip ospf'), /It is not ABR, therefore not Translator\./)
    // r0 routes to the translation through its forwarding address 10.0.13.3, which is behind r1.
    const rt0 = await show(r, 'r0', 'show ip ospf route')
    assert.match(rt0, /^N E2 10\.33\.0\.0\/24 +\[20\/30\] tag: 0\n +via 10\.0\.1\.2, eth0$/m, rt0)
    assert.match(
      fib((await r.line('r0 netstat -rn -f inet')).out, '10.33.0.0/24'),
      / 10\.0\.1\.2 +UG1 +eth0$/,
    )
    // r1 routes by the Type-7 itself, straight to r3; r3 by the defaults (ECMP over both).
    assert.match(
      await show(r, 'r1', 'show ip ospf route'),
      /^N E2 10\.33\.0\.0\/24 +\[10\/30\] tag: 0\n +via 10\.0\.13\.3, eth1$/m,
    )
    const rt3 = await show(r, 'r3', 'show ip ospf route')
    assert.match(
      rt3,
      /^N IA 0\.0\.0\.0\/0 +\[11\] area: 0\.0\.0\.1\n +via 10\.0\.13\.1, eth0\n +via 10\.0\.23\.2, eth1$/m,
      rt3,
    )
    assert.doesNotMatch(rt3, /10\.99\.0\.0/)
    for (const [from, to] of [
      ['h0', '10.33.0.10'],
      ['h3', '10.99.0.10'],
      ['h1', '10.33.0.10'],
    ]) {
      const p = await r.line(`${from} ping -c 1 ${to}`)
      assert.equal(p.status, 0, p.out)
    }
    // The wire: area 1's Hellos have N/P set and E clear (RFC 3101 §2.1).
    const pcap = r.lab.nodeFs('r3').read('/cap.pcap')
    assert.ok(pcap !== undefined && pcap.length > 24, 'tcpdump wrote a capture')
    if (!have('tshark')) return t.skip('tshark is not installed (apt-get install tshark)')
    const bytes = Uint8Array.from(pcap, (c) => c.charCodeAt(0))
    const hellos = tshark(bytes, 'ospf.msg == 1', ['ospf.v2.options.e', 'ospf.v2.options.n'])
    assert.ok(hellos.length >= 4, `${hellos.length} Hellos`)
    for (const h of hellos) assert.deepEqual(h, ['0', '1'], `Hello options ${h}`)
    // r3's Type-7 as tshark reads it: P set, forwarding address 10.0.13.3.
    const t7s = tshark(
      bytes,
      'ospf.lsa == 7 && ospf.v2.options.p == 1 && ospf.lsa.asext.fwdaddr == 10.0.13.3',
      ['ospf.srcrouter'],
    )
    assert.ok(t7s.length > 0, 'a Type-7 with P and the forwarding address went out')
  })

  test('translate-always takes over (Nt); the loser translates for the stability interval, then flushes', async () => {
    const r = (current = await bootLab(lab(['area 1 nssa']), 32))
    await r.sleep(60)
    await conf(r, 'r1', 'area 1 nssa translate-always')
    await r.sleep(10)
    // r1's router-LSA in area 1 carries Nt (0x10) with B; r2 sees it and loses the election but goes on.
    const db2 = await show(r, 'r0', 'show ip ospf database')
    const ext = section(db2, 'AS External Link States')
    assert.match(ext, /^10\.33\.0\.0 +1\.1\.1\.1 /m, db2)
    assert.match(ext, /^10\.33\.0\.0 +2\.2\.2\.2 /m, db2)
    assert.match(await show(r, 'r1', 'show ip ospf'), /We are an ABR and always an NSSA Translator\./)
    assert.match(await show(r, 'r2', 'show ip ospf'), /We are an ABR and the NSSA Elected Translator\./)
    await r.sleep(50)
    assert.match(await show(r, 'r2', 'show ip ospf'), /We are an ABR, but not the NSSA Elected Translator\./)
    const after = section(await show(r, 'r0', 'show ip ospf database'), 'AS External Link States')
    assert.match(after, /^10\.33\.0\.0 +1\.1\.1\.1 /m, after)
    assert.doesNotMatch(after, /^10\.33\.0\.0 +2\.2\.2\.2 /m, after)
    assert.match(
      await show(r, 'r1', 'show running-config'),
      /^router ospf\n(?: .*\n)*? area 1 nssa translate-always\n/m,
    )
    // translate-never on both: nobody translates, and the backbone loses the route.
    await conf(r, 'r1', 'area 1 nssa translate-never')
    await conf(r, 'r2', 'area 1 nssa translate-never')
    await r.sleep(60)
    assert.doesNotMatch(await show(r, 'r0', 'show ip ospf database'), /^10\.33\.0\.0 /m)
    assert.equal(fib((await r.line('r0 netstat -rn -f inet')).out, '10.33.0.0/24'), '')
    assert.match(await show(r, 'r2', 'show ip ospf'), /We are an ABR, but never an NSSA Translator\./)
  })

  test('nssa range: one aggregate (its cost, no forwarding address), or nothing with not-advertise; no-summary', async () => {
    const r = (current = await bootLab(lab(['area 1 nssa', 'area 1 nssa range 10.33.0.0/16 cost 7']), 33))
    await r.sleep(60)
    const ext = section(await show(r, 'r0', 'show ip ospf database'), 'AS External Link States')
    assert.match(ext, /^10\.33\.0\.0 +2\.2\.2\.2 .* E2 10\.33\.0\.0\/16 \[0x0\]$/m, ext)
    assert.doesNotMatch(ext, /10\.33\.0\.0\/24/, ext)
    // No forwarding address: routed through the translator itself.
    assert.match(
      await show(r, 'r0', 'show ip ospf route'),
      /^N E2 10\.33\.0\.0\/16 +\[10\/7\] tag: 0\n +via 10\.0\.1\.3, eth0$/m,
    )
    const p = await r.line('h0 ping -c 1 10.33.0.10')
    assert.equal(p.status, 0, p.out)
    await conf(r, 'r2', 'area 1 nssa range 10.33.0.0/16 not-advertise')
    await r.sleep(30)
    assert.doesNotMatch(await show(r, 'r0', 'show ip ospf database'), /^10\.33\.0\.0 /m)
    assert.match(
      await show(r, 'r2', 'show running-config'),
      /^ area 1 nssa\n area 1 nssa range 10\.33\.0\.0\/16 not-advertise\n/m,
    )
    // no-summary on both border routers: area 1 holds nothing but their defaults.
    await conf(r, 'r1', 'area 1 nssa no-summary')
    await conf(r, 'r2', 'area 1 nssa no-summary')
    await r.sleep(30)
    const sum = section(await show(r, 'r3', 'show ip ospf database'), 'Summary Link States')
    assert.deepEqual(
      sum
        .split('\n')
        .filter((l) => /^\d/.test(l))
        .map((l) => l.split(/ +/).slice(0, 2).join(' ')),
      ['0.0.0.0 1.1.1.1', '0.0.0.0 2.2.2.2'],
      sum,
    )
    assert.match(await show(r, 'r1', 'show ip ospf'), /Area ID: 0\.0\.0\.1 \(NSSA, no summary\)/)
  })
})

describe('ospfd stub areas (RFC 2328 §3.6)', () => {
  test('defaults at default-cost, nothing external; no-summary leaves only the defaults', async () => {
    const r = (current = await bootLab(lab(['area 1 stub', 'area 1 default-cost 5'], ['area 1 stub']), 34))
    await r.sleep(60)
    const db3 = await show(r, 'r3', 'show ip ospf database')
    assert.doesNotMatch(db3, /^10\.99\.0\.0 +9\.9\.9\.9/m, db3)
    assert.doesNotMatch(db3, /ASBR-Summary|NSSA-external/, db3)
    // r3 redistributes, but in a stub area that goes nowhere: its router-LSA has no E bit.
    assert.doesNotMatch(await show(r, 'r0', 'show ip ospf database'), /^10\.33\.0\.0 /m)
    const rt3 = await show(r, 'r3', 'show ip ospf route')
    assert.match(rt3, /^N IA 0\.0\.0\.0\/0 +\[15\] area: 0\.0\.0\.1\n/m, rt3)
    assert.match(rt3, /^N IA 10\.0\.1\.0\/24 +\[20\] area: 0\.0\.0\.1\n/m, rt3)
    assert.match(await show(r, 'r1', 'show ip ospf'), /Area ID: 0\.0\.0\.1 \(Stub\)\n/)
    // h3's net is r3's external, which stays in the stub area: the backbone cannot answer h3, but
    // r3 itself (an address of area 1) is reached, and reaches h1 by the default.
    assert.equal(fib((await r.line('r0 netstat -rn -f inet')).out, '10.33.0.0/24'), '')
    const p1 = await r.line('r3 ping -c 1 10.0.1.10')
    assert.equal(p1.status, 0, p1.out)
    assert.match(await show(r, 'r1', 'show running-config'), /^ area 1 stub\n area 1 default-cost 5\n/m)
    await conf(r, 'r1', 'area 1 stub no-summary')
    await conf(r, 'r2', 'area 1 stub no-summary')
    await r.sleep(30)
    const rt = await show(r, 'r3', 'show ip ospf route')
    assert.doesNotMatch(rt, /N IA 10\.0\.1\.0/, rt)
    assert.match(rt, /^N IA 0\.0\.0\.0\/0 /m, rt)
    assert.match(
      await show(r, 'r1', 'show running-config'),
      /^ area 1 stub no-summary\n area 1 default-cost 5\n/m,
    )
  })

  test('a stub flag on one side only: no adjacency (Hellos dropped), until both agree', async () => {
    const r = (current = await bootLab(lab(['area 1 stub'], []), 35))
    await r.sleep(60)
    const nb = await show(r, 'r1', 'show ip ospf neighbor')
    assert.doesNotMatch(nb, /^3\.3\.3\.3 /m, nb)
    assert.match(await show(r, 'r1', 'show ip ospf'), /Dropped packets: .*hello-options \d+/)
    assert.doesNotMatch(await show(r, 'r3', 'show ip ospf neighbor'), /^[12]\.[12]\.[12]\.[12] /m)
    await conf(r, 'r3', 'area 1 stub')
    await r.sleep(60)
    assert.match(await show(r, 'r1', 'show ip ospf neighbor'), /^3\.3\.3\.3 +1 Full\//m)
    assert.match(await show(r, 'r3', 'show ip ospf route'), /^N IA 0\.0\.0\.0\/0 /m)
  })
})

describe('ospfd area commands', () => {
  test("FRR's lines round-trip through show running-config; its errors", async () => {
    const r = (current = await bootLab(lab([]), 36))
    const out = await conf(
      r,
      'r1',
      'area 0.0.0.2 nssa no-summary translate-always default-information-originate metric-type 1 metric 5',
      'area 0.0.0.2 nssa range 10.50.0.0/16',
      'area 0.0.0.2 default-cost 9',
      'area 3 stub no-summary',
    )
    assert.equal(out, '')
    const rc = await show(r, 'r1', 'show running-config')
    const want = [
      ' area 0.0.0.2 nssa translate-always default-information-originate metric 5 metric-type 1 no-summary',
      ' area 0.0.0.2 nssa range 10.50.0.0/16',
      ' area 0.0.0.2 default-cost 9',
      ' area 3 stub no-summary',
    ]
    assert.ok(rc.includes(want.join('\n')), rc)
    // Fed back in, the same lines come out.
    await conf(r, 'r2', ...want.map((l) => l.trim()))
    assert.ok((await show(r, 'r2', 'show running-config')).includes(want.join('\n')))
    const err = async (line: string, msg: string) => {
      const x = await r.line(vtyshLine('r1', 'conf t', 'router ospf', line))
      assert.notEqual(x.status, 0, line)
      assert.match(x.out, new RegExp(`^% ${msg.replace(/[.*()]/g, '\\$&')}$`, 'm'), x.out)
    }
    await err('area 0 stub', "You can't configure stub to backbone")
    await err('area 0.0.0.0 nssa', "You can't configure NSSA to backbone")
    await err('area 4 default-cost 3', 'The area is neither stub, nor NSSA')
    await err('area 3 nssa range 10.0.0.0/8', 'First configure 3 as an NSSA area')
    await err('area 2 nssa bogus', 'Unknown command: area 2 nssa bogus')
    await err('area 1.2.3.300 stub', 'Invalid OSPF area ID')
    await err('area 3 virtual-link 2.2.2.2', 'Area 3 is stub')
    await conf(r, 'r1', 'area 5 virtual-link 2.2.2.2')
    await err('area 5 stub', 'First deconfigure all virtual link through this area')
    await err('area 5 nssa', 'Area cannot be nssa as it contains a virtual link')
    // no forms: FRR 8.4's `no … no-summary` keeps the kind; `no area X nssa` makes it normal.
    await conf(r, 'r1', 'no area 3 stub no-summary', 'no area 0.0.0.2 nssa no-summary')
    const rc2 = await show(r, 'r1', 'show running-config')
    assert.match(rc2, /^ area 3 stub\n/m)
    assert.match(
      rc2,
      /^ area 0\.0\.0\.2 nssa translate-always default-information-originate metric 5 metric-type 1\n/m,
    )
    await conf(r, 'r1', 'no area 3 stub', 'no area 0.0.0.2 nssa')
    assert.doesNotMatch(await show(r, 'r1', 'show running-config'), / stub| nssa| default-cost/)
  })
})

/**
 * ospf6d's stub areas and NSSAs in labs, in virtual time (FRR's `area X stub|nssa [no-summary]`):
 * an NSSA whose internal router redistributes a network — its Type-7 LSA with P bit and forwarding
 * address, translated by the border router into an AS-External-LSA of its own, an E2 route and a
 * ping across from the backbone, the backbone's external kept out of the NSSA, and reached by the
 * border router's default-information-originate Type-7 default (not translated); a stub area with
 * no-summary reached only by the border router's default (::/0); both sides' Hellos checked by
 * tshark (E clear, N set in the NSSA), a Hello whose options disagree never making a neighbour;
 * FRR's `show ipv6 ospf6 [database]` lines, running config and errors.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, test } from 'node:test'
import { type BootedLab, bootLab } from '../../../../testing/lab_console.js'
import { have } from '../../../../testing/real_tools.js'

const host6 = (name: string, addr: string, gw: string) =>
  `  ${name}: { kind: pc, interfaces: [ { name: eth0, ipv6: [ ${addr} ] } ], startup: [ "route -q add -inet6 default ${gw}" ] }`

/** A router with eth0 in area a0 and eth1 in a1 (none: outside OSPF), then the `router ospf6` lines. */
const rtr = (
  name: string,
  rid: string,
  a0: string,
  a1: string,
  ip0: string,
  ip1: string,
  router: string[],
) => {
  const c = ['configure terminal', 'interface eth0', `ipv6 ospf6 area ${a0}`]
  if (a1 !== 'none') c.push('interface eth1', `ipv6 ospf6 area ${a1}`)
  c.push('router ospf6', ...router)
  return `  ${name}:
    kind: router
    ospf6: { routerId: ${rid}, redistribute: [], interfaces: [] }
    interfaces: [ { name: eth0, ipv6: [ ${ip0} ] }, { name: eth1, ipv6: [ ${ip1} ] } ]
    startup: [ 'vtysh ${c.map((x) => `-c "${x}"`).join(' ')}' ]`
}

let current: BootedLab | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

function route(netstat: string, dest: string): string | undefined {
  return netstat.split('\n').find((l) => l.startsWith(`${dest} `))
}

/**
 * h0 — r0 [ASBR: h0's net redistributed | 0] — r1 [0] — r2 [0 | area 1] — r3 [area 1, ASBR: h3's
 * net redistributed] — h3. Area 1 is an NSSA (or a stub) on r2 and r3 alike.
 */
function lab(kind: string): string {
  const area1 = kind === 'normal' ? [] : [`area 0.0.0.1 ${kind}`]
  return `
name: ospf6-nssa
nodes:
  s1: { kind: switch }
${host6('h0', 'fc00:99::10/64', 'fc00:99::1')}
${host6('h1', 'fc00:1::10/64', 'fc00:1::1')}
${host6('h3', 'fc00:33::10/64', 'fc00:33::1')}
${rtr('r0', '10.0.0.1', '0.0.0.0', 'none', 'fc00:1::1/64', 'fc00:99::1/64', ['redistribute connected'])}
${rtr('r1', '1.1.1.1', '0.0.0.0', '0.0.0.0', 'fc00:1::2/64', 'fc00:12::1/64', [])}
${rtr('r2', '2.2.2.2', '0.0.0.0', '0.0.0.1', 'fc00:12::2/64', 'fc00:23::2/64', area1)}
${rtr('r3', '3.3.3.3', '0.0.0.1', 'none', 'fc00:23::3/64', 'fc00:33::1/64', [...area1, 'redistribute connected'])}
links:
  - { a: h1, b: s1 }
  - { a: r0:eth0, b: s1 }
  - { a: r1:eth0, b: s1 }
  - { a: h0, b: r0:eth1 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r3:eth1, b: h3 }
`
}

/** The section of `show ipv6 ospf6 database` output for area `a` (up to the next heading). */
function areaDb(db: string, a: string): string {
  const at = db.indexOf(`(Area ${a})\n`)
  if (at < 0) return ''
  const rest = db.slice(at)
  const next = rest.indexOf('Scoped Link State Database', 10)
  return next < 0 ? rest : rest.slice(0, next)
}

function asDb(db: string): string {
  return db.slice(db.indexOf('AS Scoped Link State Database'))
}

/** tshark's view of a capture: [src, options E, options N, LS types] per OSPFv3 packet. */
function decode(pcap: Uint8Array, fields: string[]): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-ospf6-nssa-'))
  try {
    const f = join(dir, 'c.pcap')
    writeFileSync(f, pcap)
    const run = (...args: string[]) =>
      execFileSync('tshark', ['-r', f, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
    assert.equal(run('-Y', '_ws.malformed || _ws.expert.severity >= error'), '')
    return run('-Y', 'ospf', '-T', 'fields', ...fields.flatMap((x) => ['-e', x]))
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('ospf6d NSSA (RFC 3101 in OSPFv3)', () => {
  test("Type-7 from the NSSA's ASBR, translated by the border router; the backbone's external kept out", async (t) => {
    const r = (current = await bootLab(lab('nssa'), 21))
    await r.sleep(30)
    // The capture sees a new instance of the Type-7 flooded: r3's metric for what it redistributes.
    const cap = await r.line('r3 sh -c "tcpdump -w /cap.pcap -i eth0 ip6 &"')
    assert.equal(cap.status, 0, cap.out)
    await r.sleep(1)
    const m = await r.line(`r3 vtysh -c 'conf t' -c 'router ospf6' -c 'redistribute connected metric 30'`)
    assert.equal(m.status, 0, m.out)
    await r.sleep(30)
    const db3 = (await r.line('r3 vtysh -c "show ipv6 ospf6 database"')).out
    const a1 = areaDb(db3, '0.0.0.1')
    // FRR names the type Type7 (one column wider than the others) and shows its prefix.
    assert.match(a1, /^Type7 0\.0\.0\.1 +3\.3\.3\.3 +\d+ 80000002 +fc00:33::\/64$/m, db3)
    // r0's external never enters the NSSA; nor do Inter-Area-Router-LSAs.
    assert.doesNotMatch(db3, /^ASE +\S+ +10\.0\.0\.1 /m, db3)
    assert.doesNotMatch(a1, /^IAR /m, db3)
    // The backbone's networks do, as Inter-Area-Prefix-LSAs; no default without no-summary.
    assert.match(a1, /^IAP +\S+ +2\.2\.2\.2 .* fc00:1::\/64$/m, db3)
    assert.doesNotMatch(a1, / ::\/0$/m, db3)
    // r2 translates (it is the NSSA's only border router): an ASE of its own in the backbone.
    const db1 = (await r.line('r1 vtysh -c "show ipv6 ospf6 database"')).out
    assert.match(asDb(db1), /^ASE +\S+ +2\.2\.2\.2 +\d+ 8000000\d +fc00:33::\/64$/m, db1)
    assert.doesNotMatch(db1, /^Type7 /m, 'Type-7s stay in their area')
    assert.match((await r.line('r2 vtysh -c "show ipv6 ospf6"')).out, /^ Area 0\.0\.0\.1\[NSSA\]$/m)
    // Routes: the backbone reaches h3 as an E2 route (the translation), r2 by the Type-7 itself,
    // r3 reaches h0 only by its summary... which it has not got: r0's net is external.
    const o1 = (await r.line('r1 vtysh -c "show ipv6 ospf6 route"')).out
    assert.match(o1, /^\*N E2 fc00:33::\/64 +fe80::[0-9a-f:]+ +eth1 /m, o1)
    // Type 2, metric 30 as translated; the cost to r2 is the route's first cost.
    assert.match(
      (await r.line('r1 vtysh -c "show ipv6 route"')).out,
      /^O>\* fc00:33::\/64 \[110\/30\] via fe80::/m,
    )
    assert.match((await r.line('r2 vtysh -c "show ipv6 ospf6 route"')).out, /^\*N E2 fc00:33::\/64 .* eth1 /m)
    assert.doesNotMatch((await r.line('r3 vtysh -c "show ipv6 ospf6 route"')).out, /fc00:99::/)
    assert.match(route((await r.line('r1 netstat -rn -f inet6')).out, 'fc00:33::/64') ?? '', / UG1 +eth1$/)
    const ping = await r.line('h1 ping -6 -c 2 fc00:33::10')
    assert.equal(ping.status, 0, ping.out)
    // r3 has no way to h0's external net... until r2 gives the NSSA a default (RFC 3101 §2.7).
    assert.equal(route((await r.line('r3 netstat -rn -f inet6')).out, 'default'), undefined)
    const dio = await r.line(
      `r2 vtysh -c 'conf t' -c 'router ospf6' -c 'area 0.0.0.1 nssa default-information-originate metric 30 metric-type 1'`,
    )
    assert.equal(dio.status, 0, dio.out)
    await r.sleep(15)
    const d3 = areaDb((await r.line('r3 vtysh -c "show ipv6 ospf6 database"')).out, '0.0.0.1')
    // FRR prints an external default without its length.
    assert.match(d3, /^Type7 0\.0\.0\.0 +2\.2\.2\.2 +\d+ 80000001 +::$/m, d3)
    assert.match(
      (await r.line('r3 vtysh -c "show ipv6 ospf6 route"')).out,
      /^\*N E1 ::\/0 +fe80::[0-9a-f:]+ +eth0 /m,
    )
    // Type 1: the cost to r2 (10) plus 30.
    assert.match((await r.line('r3 vtysh -c "show ipv6 route"')).out, /^O>\* ::\/0 \[110\/40\] via fe80::/m)
    const p0 = await r.line('h3 ping -6 -c 2 fc00:99::10')
    assert.equal(p0.status, 0, p0.out)
    // P clear: never translated, so the backbone gets no default from r2.
    assert.doesNotMatch(asDb((await r.line('r1 vtysh -c "show ipv6 ospf6 database"')).out), /^ASE .* ::$/m)
    // The wire: in area 1 Hellos have N and not E; the Type-7 carries P and r3's address.
    const text = r.lab.nodeFs('r3').read('/cap.pcap')
    assert.ok(text !== undefined && text.length > 24, 'tcpdump wrote a capture')
    if (!have('tshark')) return t.skip('tshark is not installed (apt-get install tshark)')
    const rows = decode(
      Uint8Array.from(text, (c) => c.charCodeAt(0)),
      [
        'ospf.msg',
        'ospf.v3.options.e',
        'ospf.v3.options.n',
        'ospf.v3.lsa.forwarding_address.ipv6',
        'ospf.v3.prefix.options.p',
      ],
    )
    const hellos = rows.filter((x) => x[0] === '1')
    assert.ok(hellos.length >= 4, `${hellos.length} Hellos`)
    for (const h of hellos) assert.deepEqual(h.slice(1, 3), ['0', '1'], `Hello options ${h}`)
    assert.ok(
      rows.some((x) => x[3]?.split(',').includes('fc00:23::3') && x[4]?.includes('1')),
      `a Type-7 with r3's forwarding address and P: ${rows.map((x) => x.join(' ')).join('\n')}`,
    )
  })

  test('a stub area with no-summary: only the default route; options that disagree make no neighbour', async (t) => {
    const r = (current = await bootLab(lab('stub no-summary'), 22))
    const cap = await r.line('r3 sh -c "tcpdump -w /cap.pcap -i eth0 ip6 &"')
    assert.equal(cap.status, 0, cap.out)
    await r.sleep(30)
    const db3 = (await r.line('r3 vtysh -c "show ipv6 ospf6 database"')).out
    const a1 = areaDb(db3, '0.0.0.1')
    // One summary: the default, cost 1, from the border router.
    assert.match(a1, /^IAP +\S+ +2\.2\.2\.2 +\d+ 8000000\d +::\/0$/m, db3)
    assert.equal(a1.match(/^IAP /gm)?.length, 1, db3)
    // A router inside a stub area is no AS boundary router: nothing of AS scope anywhere but ours.
    for (const l of asDb(db3).split('\n'))
      if (l.startsWith('ASE')) assert.match(l, /^ASE +\S+ +3\.3\.3\.3 /, db3)
    assert.doesNotMatch(asDb((await r.line('r1 vtysh -c "show ipv6 ospf6 database"')).out), /fc00:33::/)
    const o3 = (await r.line('r3 vtysh -c "show ipv6 ospf6 route"')).out
    assert.match(o3, /^\*N IE ::\/0 +fe80::[0-9a-f:]+ +eth0 /m, o3)
    assert.doesNotMatch(o3, /fc00:1::\/64/)
    assert.match(route((await r.line('r3 netstat -rn -f inet6')).out, 'default') ?? '', / UG1 +eth0$/)
    // r3 reaches the backbone's LAN through the default, and h0's external net too (from its
    // address in area 1: h3's net, redistributed inside a stub area, goes nowhere).
    for (const dst of ['fc00:1::10', 'fc00:99::10']) {
      const ping = await r.line(`r3 ping -6 -c 2 ${dst}`)
      assert.equal(ping.status, 0, ping.out)
    }
    const show = (await r.line('r3 vtysh -c "show ipv6 ospf6"')).out
    assert.match(show, /^ Area 0\.0\.0\.1\[Stub, No Summary\]$/m, show)
    assert.match(
      (await r.line('r2 vtysh -c "show running-config"')).out,
      /^router ospf6\n ospf6 router-id 2\.2\.2\.2\n area 0\.0\.0\.1 stub no-summary\nexit$/m,
    )
    // r3 alone turns area 1 back into a normal area: its Hellos have E again, r2 drops them.
    const un = await r.line(`r3 vtysh -c 'conf t' -c 'router ospf6' -c 'no area 0.0.0.1 stub'`)
    assert.equal(un.status, 0, un.out)
    await r.sleep(60)
    assert.doesNotMatch((await r.line('r2 vtysh -c "show ipv6 ospf6 neighbor"')).out, /^3\.3\.3\.3 /m)
    assert.match((await r.line('r2 vtysh -c "show ipv6 ospf6"')).out, /hello-options \d+/)
    assert.equal(route((await r.line('r3 netstat -rn -f inet6')).out, 'default'), undefined)
    const text = r.lab.nodeFs('r3').read('/cap.pcap')
    assert.ok(text !== undefined && text.length > 24, 'tcpdump wrote a capture')
    if (!have('tshark')) return t.skip('tshark is not installed (apt-get install tshark)')
    const rows = decode(
      Uint8Array.from(text, (c) => c.charCodeAt(0)),
      ['ospf.msg', 'ospf.v3.options.e', 'ospf.v3.options.n', 'ipv6.src'],
    )
    const hellos = rows.filter((x) => x[0] === '1')
    // Both routers' Hellos had E and N clear while both said stub; r3's have E once it does not.
    assert.ok(hellos.some((h) => h[1] === '0' && h[2] === '0'))
    assert.ok(hellos.some((h) => h[1] === '1' && h[2] === '0'))
    assert.ok(hellos.every((h) => h[2] === '0'))
  })

  test("vtysh: FRR's errors for the backbone and a virtual link's transit area; the last kind wins", async () => {
    const r = (current = await bootLab(lab('normal'), 23))
    const conf = (node: string, ...lines: string[]) =>
      r.line(`${node} vtysh -c 'conf t' -c 'router ospf6' ${lines.map((l) => `-c '${l}'`).join(' ')}`)
    const bb = await conf('r2', 'area 0 stub')
    assert.notEqual(bb.status, 0)
    assert.match(bb.out, /You can't configure stub to backbone/)
    assert.equal((await conf('r2', 'area 0.0.0.1 virtual-link 4.4.4.4')).status, 0)
    const vl = await conf('r2', 'area 0.0.0.1 nssa')
    assert.notEqual(vl.status, 0)
    assert.match(vl.out, /First deconfigure all virtual link through this area/)
    assert.equal(
      (await conf('r2', 'no area 0.0.0.1 virtual-link 4.4.4.4', 'area 0.0.0.1 nssa no-summary')).status,
      0,
    )
    const vl2 = await conf('r2', 'area 0.0.0.1 virtual-link 4.4.4.4')
    assert.match(vl2.out, /Area 0\.0\.0\.1 is nssa/)
    // `no area X stub` leaves an NSSA alone; stub then replaces it; `no ... no-summary` removes it.
    assert.equal((await conf('r2', 'no area 0.0.0.1 stub', 'area 7 stub', 'area 0.0.0.9 nssa')).status, 0)
    let run = (await r.line('r2 vtysh -c "show running-config"')).out
    assert.match(run, / area 0\.0\.0\.1 nssa no-summary\n area 7 stub\n area 0\.0\.0\.9 nssa\n/, run)
    // default-information-originate as FRR 8.4 writes it back: the metric as given, type 1 only.
    assert.equal(
      (
        await conf(
          'r2',
          'area 0.0.0.9 nssa no-summary default-information-originate metric-type 2',
          'area 0.0.0.8 nssa default-information-originate metric 30 metric-type 1',
        )
      ).status,
      0,
    )
    run = (await r.line('r2 vtysh -c "show running-config"')).out
    assert.match(
      run,
      / area 0\.0\.0\.8 nssa default-information-originate metric 30 metric-type 1\n area 0\.0\.0\.9 nssa default-information-originate no-summary\n/,
      run,
    )
    assert.equal(
      (await conf('r2', 'area 0.0.0.1 stub', 'no area 0.0.0.9 nssa no-summary', 'no area 0.0.0.8 nssa'))
        .status,
      0,
    )
    run = (await r.line('r2 vtysh -c "show running-config"')).out
    assert.match(run, / area 0\.0\.0\.1 stub\n area 7 stub\nexit/, run)
  })
})

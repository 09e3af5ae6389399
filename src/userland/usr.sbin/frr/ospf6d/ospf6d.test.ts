/**
 * ospf6d in labs, in virtual time: three routers on a LAN (DR/BDR by Router ID) and a point-to-point
 * link configured through vtysh, FRR's `show ipv6 ospf6 neighbor|route|database|interface` and
 * `show running-config`, `UG1` routes through link-local gateways in `netstat -rn -f inet6`, `O>*` in
 * `show ipv6 route`, `pingall -6`; a capture of the exchange that tshark (where installed) decodes as
 * OSPFv3 with nothing malformed; IMUNES's OSPF1.imn (where ../shared has it) with `pingall` for
 * both families; and two areas joined by a border router (Inter-Area-Prefix-LSAs, IE routes).
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

const host6 = (name: string, addr: string, gw: string) =>
  `  ${name}: { kind: pc, interfaces: [ { name: eth0, ipv6: [ ${addr} ] } ], startup: [ "route -q add -inet6 default ${gw}" ] }`

const rtr = (name: string, rid: string, ifs: string[], extra = '') =>
  `  ${name}:
    kind: router
    ospf6: { routerId: ${rid}, interfaces: [ ${ifs.map((i) => i.split('=')[0]).join(', ')} ] }
    interfaces: [ ${ifs.map((i) => `{ name: ${i.split('=')[0]}, ipv6: [ ${i.split('=')[1]} ] }`).join(', ')} ]${extra}`

/** h1 — r1 ; r1, r2, r3 on a switch ; r3 — r4 point-to-point ; r4 — h2. */
const LAB = `
name: ospf6-lab
nodes:
${host6('h1', 'fc00:1::10/64', 'fc00:1::1')}
${host6('h2', 'fc00:9::10/64', 'fc00:9::1')}
  s1: { kind: switch }
${rtr('r1', '1.1.1.1', ['eth0=fc00:1::1/64', 'eth1=fc00:10::1/64'])}
${rtr('r2', '2.2.2.2', ['eth0=fc00:10::2/64'])}
${rtr('r3', '3.3.3.3', ['eth0=fc00:10::3/64', 'eth1=fc00:34::3/64'], '\n    startup: [ \'vtysh -c "configure terminal" -c "interface eth1" -c "ipv6 ospf6 network point-to-point"\' ]')}
${rtr('r4', '4.4.4.4', ['eth0=fc00:34::4/64', 'eth1=fc00:9::1/64'], '\n    startup: [ \'vtysh -c "configure terminal" -c "interface eth0" -c "ipv6 ospf6 network point-to-point"\' ]')}
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: s1 }
  - { a: r2:eth0, b: s1 }
  - { a: r3:eth0, b: s1 }
  - { a: r3:eth1, b: r4:eth0 }
  - { a: r4:eth1, b: h2 }
`

let current: BootedLab | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

function route(netstat: string, dest: string): string | undefined {
  return netstat.split('\n').find((l) => l.startsWith(`${dest} `))
}

describe('ospf6d in a lab', () => {
  test('LAN and point-to-point: Full, DR/BDR, FRR show output, UG1 routes, pingall -6', async () => {
    const r = (current = await bootLab(LAB, 3))
    const nb = (await r.line('r1 vtysh -c "show ipv6 ospf6 neighbor"')).out
    assert.match(nb, /^Neighbor ID +Pri +DeadTime +State\/IfState +Duration I\/F\[State\]$/m)
    assert.match(nb, /^2\.2\.2\.2 +1 +\d\d:\d\d:\d\d +Full\/BDR +\d\d:\d\d:\d\d eth1\[DROther\]$/m)
    assert.match(nb, /^3\.3\.3\.3 +1 +\d\d:\d\d:\d\d +Full\/DR +\d\d:\d\d:\d\d eth1\[DROther\]$/m)
    const nb3 = (await r.line('r3 vtysh -c "show ipv6 ospf6 neighbor"')).out
    assert.match(nb3, /^4\.4\.4\.4 +1 +\S+ +Full\/PointToPoint +\S+ eth1\[PointToPoint\]$/m)
    const ns = (await r.line('r1 netstat -rn -f inet6')).out
    assert.match(route(ns, 'fc00:9::/64') ?? '', /^fc00:9::\/64 +fe80::[0-9a-f:]+%eth1 +UG1 +eth1$/)
    const rt = (await r.line('r1 vtysh -c "show ipv6 route"')).out
    assert.match(rt, /^O>\* fc00:9::\/64 \[110\/30\] via fe80::[0-9a-f:]+, eth1, weight 1, \d\d:\d\d:\d\d$/m)
    assert.match(rt, /^O {3}fc00:10::\/64 \[110\/10\] is directly connected, eth1, weight 1/m)
    // FRR takes `ospf` as the unique prefix of `ospf6`: IMUNES's test script asks it that way.
    for (const cmd of ['show ipv6 ospf6 route', 'show ipv6 ospf route']) {
      const o = (await r.line(`r1 vtysh -c "${cmd}"`)).out
      assert.match(o, /^\*N IA fc00:9::\/64 +fe80::[0-9a-f:]+ +eth1 \d\d:\d\d:\d\d$/m, cmd)
      assert.match(o, /^\*N IA fc00:1::\/64 +:: +eth0 /m, cmd)
    }
    const db = (await r.line('r2 vtysh -c "show ipv6 ospf6 database"')).out
    assert.match(db, /Area Scoped Link State Database \(Area 0\.0\.0\.0\)/)
    assert.match(db, /^Rtr +0\.0\.0\.0 +3\.3\.3\.3 /m)
    assert.match(db, /^Net +0\.0\.0\.\d+ +3\.3\.3\.3 /m, "the DR's Network-LSA")
    assert.match(db, /I\/F Scoped Link State Database \(I\/F eth0 in Area 0\.0\.0\.0\)/)
    assert.match(db, /^Lnk +0\.0\.0\.\d+ +2\.2\.2\.2 +\d+ 8000000\d +fe80::/m)
    const ifc = (await r.line('r3 vtysh -c "show ipv6 ospf6 interface eth0"')).out
    assert.match(ifc, /^eth0 is up, type BROADCAST$/m)
    assert.match(ifc, /State DR, Transmit Delay 1 sec, Priority 1/)
    assert.match(ifc, /DR: 3\.3\.3\.3 BDR: 2\.2\.2\.2/)
    const run = (await r.line('r3 vtysh -c "show running-config"')).out
    assert.match(
      run,
      /^interface eth1\n ipv6 ospf6 area 0\.0\.0\.0\n ipv6 ospf6 network point-to-point\nexit$/m,
    )
    assert.match(run, /^router ospf6\n ospf6 router-id 3\.3\.3\.3\n redistribute connected\nexit$/m)
    const all = await r.line('pingall -6')
    assert.equal(all.status, 0, all.out)
  })

  test('a capture of the exchange: tshark decodes OSPFv3 with nothing malformed', async (t) => {
    const r = (current = await bootLab(LAB, 4))
    // Capture on r2 while r1 drops off the LAN and comes back: Hellos, DD, LSR, LSU and LSAck.
    const cap = await r.line('r2 sh -c "tcpdump -w /cap.pcap -i eth0 ip6 &"')
    assert.equal(cap.status, 0, cap.out)
    await r.sleep(1)
    assert.equal((await r.line('link r1:eth1 s1 down')).status, 0)
    await r.sleep(45)
    assert.equal((await r.line('link r1:eth1 s1 up')).status, 0)
    await r.sleep(60)
    const text = r.lab.nodeFs('r2').read('/cap.pcap')
    assert.ok(text !== undefined && text.length > 24, 'tcpdump wrote a capture')
    const pcap = Uint8Array.from(text, (c) => c.charCodeAt(0))
    if (!have('tshark')) return t.skip('tshark is not installed (apt-get install tshark)')
    const dir = mkdtempSync(join(tmpdir(), 'virtnet-ospf6-'))
    try {
      const f = join(dir, 'ospf6.pcap')
      writeFileSync(f, pcap)
      const tshark = (...args: string[]) =>
        execFileSync('tshark', ['-r', f, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
      assert.equal(tshark('-Y', '_ws.malformed || _ws.expert.severity >= error'), '')
      const rows = tshark(
        '-Y',
        'ospf',
        '-T',
        'fields',
        '-e',
        'ospf.version',
        '-e',
        'ospf.msg',
        '-e',
        'ipv6.hlim',
        '-e',
        'ipv6.src',
      )
        .trim()
        .split('\n')
        .map((l) => l.split('\t'))
      assert.ok(rows.length > 10, `${rows.length} packets`)
      for (const [v, , hlim, src] of rows) {
        assert.equal(v, '3')
        assert.equal(hlim, '1')
        assert.match(src ?? '', /^fe80::/)
      }
      const types = new Set(rows.map((x) => x[1]))
      for (const m of ['1', '2', '3', '4', '5'])
        assert.ok(types.has(m), `message type ${m} seen (${[...types]})`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

/** Quagga's spelling: ` interface IF area A` and `router-id` inside `router ospf6`, from a startup script. */
const QUAGGA = `
name: ospf6-quagga
nodes:
${host6('h1', 'fc00:1::10/64', 'fc00:1::1')}
${host6('h2', 'fc00:2::10/64', 'fc00:2::1')}
  r1:
    kind: router
    ospf6: { configure: false }
    interfaces: [ { name: eth0, ipv6: [ fc00:1::1/64 ] }, { name: eth1, ipv6: [ fc00:12::1/64 ] } ]
    startup: [ 'vtysh -c "configure terminal" -c "router ospf6" -c "router-id 0.0.0.1" -c "interface eth0 area 0.0.0.0" -c "interface eth1 area 0.0.0.0" -c "area 0.0.0.0 range fc00::/16"' ]
  r2:
    kind: router
    ospf6: { configure: false }
    interfaces: [ { name: eth0, ipv6: [ fc00:12::2/64 ] }, { name: eth1, ipv6: [ fc00:2::1/64 ] } ]
    startup: [ 'vtysh -c "configure terminal" -c "router ospf6" -c "router-id 0.0.0.2" -c "interface eth0 area 0" -c "interface eth1 area 0"' ]
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: h2 }
`

test("the older spelling: interface IF area A inside router ospf6, Quagga's router-id", async () => {
  const r = (current = await bootLab(QUAGGA, 6))
  const nb = (await r.line('r1 vtysh -c "show ipv6 ospf6 neighbor"')).out
  assert.match(nb, /^0\.0\.0\.2 +1 +\S+ +Full\/(DR|BDR) /m)
  const run = (await r.line('r1 vtysh -c "show running-config"')).out
  assert.match(
    run,
    /^router ospf6\n ospf6 router-id 0\.0\.0\.1\n area 0\.0\.0\.0 range fc00::\/16\n interface eth0 area 0\.0\.0\.0\n interface eth1 area 0\.0\.0\.0\nexit$/m,
  )
  const all = await r.line('pingall -6')
  assert.equal(all.status, 0, all.out)
  current.destroy()
  current = null
})

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../..')
const OSPF1 = resolve(ROOT, process.env.IMUNES_EXAMPLES ?? '../shared/imunes-examples', 'OSPF/OSPF1.imn')
const ABSENT = existsSync(OSPF1) ? undefined : `../shared/imunes-examples absent: ${OSPF1} not found`

test(
  'imunes-examples/OSPF/OSPF1.imn: ospfd and ospf6d on every router, pingall for both families',
  { skip: ABSENT },
  async () => {
    const r = (current = await bootLab(readFileSync(OSPF1, 'utf8'), 1, {
      fileName: 'OSPF1.imn',
      chatty: true,
    }))
    for (const family of ['', ' -6']) {
      const { status, out } = await r.line(`pingall${family}`)
      assert.equal(status, 0, out)
      assert.match(out, /\*\*\* Results: 0% dropped \(([1-9]\d*)\/\1 received\)\n$/)
    }
    // IMUNES's router-id for node n1 (router2) is 1 + 1; its neighbours are all Full.
    const nb = (await r.line('router2 vtysh -c "show ipv6 ospf6 neighbor"')).out
    assert.equal(nb.match(/ Full\//g)?.length, 3, nb)
    const st = (await r.line('router2 vtysh -c "show ipv6 ospf6"')).out
    assert.match(st, /^ OSPFv3 Routing Process \(0\) with Router-ID 0\.0\.0\.2$/m)
    current.destroy()
    current = null
  },
)

const DUAL = `
name: ospf-dual
nodes:
  r1:
    kind: router
    ospf: { routerId: 1.1.1.1 }
    ospf6: { routerId: 1.1.1.1, interfaces: [ eth0 ] }
    interfaces: [ { name: eth0, address: 10.0.0.1/24, ipv6: [ fc00:1::1/64 ] } ]
  h1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.10/24, ipv6: [ fc00:1::10/64 ] } ] }
links:
  - { a: r1:eth0, b: h1:eth0 }
`

test("ospfd and ospf6d both running: vtysh's running-config and write hold both, one block per interface", async () => {
  const r = (current = await bootLab(DUAL, 2))
  const run = (await r.line('r1 vtysh -c "show running-config"')).out
  assert.match(run, /^router ospf\n/m)
  assert.match(run, /^router ospf6\n ospf6 router-id 1\.1\.1\.1\n/m)
  assert.equal(run.match(/^interface eth0$/gm)?.length, 1, run)
  assert.match(run, /^interface eth0\n(?: .*\n)* ipv6 ospf6 area 0\.0\.0\.0\n(?: .*\n)*exit$/m)
  assert.ok(run.indexOf('interface eth0') < run.indexOf('router ospf\n'), run)
  assert.ok(run.indexOf('router ospf\n') < run.indexOf('router ospf6\n'), run)
  assert.match(run, /^service integrated-vtysh-config\n!\n/m)
  assert.match(run, /!\nend\n$/)
  assert.equal((await r.line('r1 vtysh -c "sh run"')).out, run)
  assert.equal((await r.line('r1 vtysh -c write')).status, 0)
  const file = (await r.line('r1 cat /usr/local/etc/frr/frr.conf')).out
  assert.match(file, /^router ospf\n/m)
  assert.match(file, /^router ospf6\n/m)
  current.destroy()
  current = null
})

/** h1 — r1 [area 1] r2 [area 1 | area 0] r3 [area 0] — h2; nothing redistributed. */
const AREAS = `
name: ospf6-areas
nodes:
${host6('h1', 'fc00:1::10/64', 'fc00:1::1')}
${host6('h2', 'fc00:9::10/64', 'fc00:9::1')}
  r1:
    kind: router
    ospf6: { routerId: 1.1.1.1, area: 0.0.0.1, redistribute: [] }
    interfaces: [ { name: eth0, ipv6: [ fc00:1::1/64 ] }, { name: eth1, ipv6: [ fc00:12::1/64 ] } ]
  r2:
    kind: router
    ospf6: { routerId: 2.2.2.2, redistribute: [] }
    interfaces: [ { name: eth0, ipv6: [ fc00:12::2/64 ] }, { name: eth1, ipv6: [ fc00:23::2/64 ] } ]
    startup: [ 'vtysh -c "configure terminal" -c "interface eth0" -c "ipv6 ospf6 area 0.0.0.1"' ]
  r3:
    kind: router
    ospf6: { routerId: 3.3.3.3, redistribute: [] }
    interfaces: [ { name: eth0, ipv6: [ fc00:23::3/64 ] }, { name: eth1, ipv6: [ fc00:9::1/64 ] } ]
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r3:eth1, b: h2 }
`

test('inter-area: the border router summarises each area into the other (IE routes), pingall -6', async () => {
  const r = (current = await bootLab(AREAS, 4))
  const db = (await r.line('r1 vtysh -c "show ipv6 ospf6 database"')).out
  assert.match(db, /^IAP +0\.0\.0\.\d+ +2\.2\.2\.2 /m, "r2's Inter-Area-Prefix-LSAs in area 1")
  // r1 (area 1 only) reaches the backbone's prefixes through r2's summaries: 10 + 10 to fc00:9::/64.
  const o1 = (await r.line('r1 vtysh -c "show ipv6 ospf6 route"')).out
  assert.match(o1, /^\*N IE fc00:9::\/64 +fe80::[0-9a-f:]+ +eth1 /m)
  assert.match(o1, /^\*N IE fc00:23::\/64 +fe80::[0-9a-f:]+ +eth1 /m)
  assert.match(o1, /^\*N IA fc00:12::\/64 +:: +eth1 /m)
  assert.match(
    (await r.line('r1 vtysh -c "show ipv6 route"')).out,
    /^O>\* fc00:9::\/64 \[110\/30\] via fe80::/m,
  )
  // And r3 (backbone only) area 1's.
  const o3 = (await r.line('r3 vtysh -c "show ipv6 ospf6 route"')).out
  assert.match(o3, /^\*N IE fc00:1::\/64 +fe80::[0-9a-f:]+ +eth0 /m)
  assert.match(route((await r.line('r3 netstat -rn -f inet6')).out, 'fc00:1::/64') ?? '', / UG1 +eth0$/)
  const all = await r.line('pingall -6')
  assert.equal(all.status, 0, all.out)
})

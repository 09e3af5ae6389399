/**
 * isisd in labs, in virtual time: three routers on a LAN (DIS, pseudonode) and a point-to-point
 * link configured through vtysh, FRR's `show isis neighbor|database|route` and `show running-config`,
 * `UG1` routes in `netstat -rn`, `I>*` in `show ip route`, `pingall`, a malformed vtysh line; a
 * capture of the exchange that tshark (where installed) decodes as IS-IS with nothing malformed; and
 * IMUNES's IS-IS.imn (where ../shared has it) with `pingall`.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterEach, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { type BootedLab, bootLab, vtyshLine } from '../../../../testing/lab_console.js'
import { have } from '../../../../testing/real_tools.js'

const host = (name: string, addr: string, gw: string) =>
  `  ${name}: { kind: pc, interfaces: [ { name: eth0, address: ${addr} } ], routes: [ { to: default, via: ${gw} } ] }`

/** h1 — r1 ; r1, r2, r3 on a switch ; r2 — r3 point-to-point ; r3 — h3. */
const LAB = `
name: isis-lab
nodes:
${host('h1', '10.0.1.10/24', '10.0.1.1')}
${host('h3', '10.0.3.10/24', '10.0.3.1')}
  s1: { kind: switch }
  r1:
    kind: router
    isis: { net: 49.0001.0000.0000.0001.00, passive: [ eth0 ] }
    interfaces: [ { name: eth0, address: 10.0.1.1/24 }, { name: eth1, address: 10.0.12.1/24 } ]
  r2:
    kind: router
    isis: { net: 49.0001.0000.0000.0002.00 }
    interfaces: [ { name: eth0, address: 10.0.12.2/24 }, { name: eth1, address: 10.0.23.2/24 } ]
    startup: [ 'vtysh -c "configure terminal" -c "interface eth1" -c "isis network point-to-point" -c "interface eth0" -c "isis priority 100"' ]
  r3:
    kind: router
    isis: { net: 49.0001.0000.0000.0003.00, passive: [ eth2 ] }
    interfaces: [ { name: eth0, address: 10.0.12.3/24 }, { name: eth1, address: 10.0.23.3/24 }, { name: eth2, address: 10.0.3.1/24 } ]
    startup: [ 'vtysh -c "configure terminal" -c "interface eth1" -c "isis network point-to-point"' ]
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: s1 }
  - { a: r2:eth0, b: s1 }
  - { a: r3:eth0, b: s1 }
  - { a: r2:eth1, b: r3:eth1 }
  - { a: r3:eth2, b: h3 }
`

let current: BootedLab | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

describe('isisd in a lab', () => {
  test('LAN and point-to-point: adjacencies Up, DIS, FRR show output, UG1 routes, pingall', async () => {
    const r = (current = await bootLab(LAB, 3))
    const nb = (await r.line('r1 vtysh -c "show isis neighbor"')).out
    assert.match(nb, /^Area 1:\n {2}System Id {11}Interface {3}L {2}State {8}Holdtime SNPA$/m)
    assert.match(nb, /^ r2 +eth1 +1 +Up +\d+ +[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/m)
    assert.match(nb, /^ r3 +eth1 +2 +Up +\d+ /m)
    const nb3 = (await r.line('r3 vtysh -c "show isis neighbor"')).out
    assert.match(nb3, /^ r2 +eth1 +1 +Up +\d+ +PtP$/m)
    const db = (await r.line('r1 vtysh -c "show isis database"')).out
    assert.match(db, /^IS-IS Level-1 link-state database:$/m)
    assert.match(db, /^r1\.00-00 {13}\* {5}\d\d {3}0x0000000\d {2}0x[0-9a-f]{4} {4}\d{4} {4}0\/0\/0$/m)
    assert.match(db, /^r2\.0\d-00 +\d+ /m, "the DIS's pseudonode LSP (r2 has priority 100)")
    assert.match(db, /^ {4}4 LSPs$/m)
    const rt = (await r.line('r1 vtysh -c "show isis route"')).out
    assert.match(rt, /^IS-IS L1 IPv4 routing table:$/m)
    assert.match(rt, /^ 10\.0\.3\.0\/24 +20 +eth1 +10\.0\.12\.3 +-$/m)
    assert.match(rt, /^ 10\.0\.1\.0\/24 +10 +- +- +-$/m)
    const ip = (await r.line('r1 vtysh -c "show ip route"')).out
    assert.match(ip, /^I>\* 10\.0\.3\.0\/24 \[115\/20\] via 10\.0\.12\.3, eth1, weight 1, \d\d:\d\d:\d\d$/m)
    assert.match(ip, /^I>\* 10\.0\.23\.0\/24 \[115\/20\] via 10\.0\.12\.[23], eth1, weight 1/m)
    const ns = (await r.line('r1 netstat -rn')).out
    assert.match(ns, /^10\.0\.3\.0\/24 +10\.0\.12\.3 +UG1 +eth1$/m)
    const run = (await r.line('r2 vtysh -c "show running-config"')).out
    assert.match(run, /^interface eth1\n ip router isis 1\n isis network point-to-point\nexit$/m)
    assert.match(run, /^router isis 1\n net 49\.0001\.0000\.0000\.0002\.00\nexit$/m)
    // A malformed line: FRR's error, nothing changes.
    const bad = await r.line('r2 vtysh -c "configure terminal" -c "router isis 1" -c "net 49.zz"')
    assert.equal(bad.status, 1)
    assert.match(bad.out, /% Malformed NET: 49\.zz/)
    assert.equal((await r.line('r2 vtysh -c "show running-config"')).out, run)
    const all = await r.line('pingall')
    assert.equal(all.status, 0, all.out)
  })

  test('a capture of the exchange: tshark decodes IS-IS with nothing malformed', async (t) => {
    const r = (current = await bootLab(LAB, 4))
    const cap = await r.line('r2 sh -c "tcpdump -w /cap.pcap -i eth0 &"')
    assert.equal(cap.status, 0, cap.out)
    await r.sleep(1)
    assert.equal((await r.line('link r1:eth1 s1 down')).status, 0)
    await r.sleep(40)
    assert.equal((await r.line('link r1:eth1 s1 up')).status, 0)
    await r.sleep(40)
    const text = r.lab.nodeFs('r2').read('/cap.pcap')
    assert.ok(text !== undefined && text.length > 24, 'tcpdump wrote a capture')
    const pcap = Uint8Array.from(text, (c) => c.charCodeAt(0))
    if (!have('tshark')) return t.skip('tshark is not installed (apt-get install tshark)')
    const dir = mkdtempSync(join(tmpdir(), 'virtnet-isis-'))
    try {
      const f = join(dir, 'isis.pcap')
      writeFileSync(f, pcap)
      const tshark = (...args: string[]) =>
        execFileSync('tshark', ['-r', f, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
      assert.equal(tshark('-Y', '_ws.malformed || _ws.expert.severity >= error'), '')
      const rows = tshark('-Y', 'isis', '-T', 'fields', '-e', 'isis.type', '-e', 'eth.dst')
        .trim()
        .split('\n')
        .map((l) => l.split('\t'))
      assert.ok(rows.length > 20, `${rows.length} PDUs`)
      const types = new Set(rows.map((x) => x[0]))
      // L1/L2 LAN hellos, L1/L2 LSPs, L1/L2 CSNPs, and PSNPs asking for what r1 missed.
      for (const m of ['15', '16', '18', '20', '24', '25'])
        assert.ok(types.has(m), `PDU type ${m} seen (${[...types]})`)
      for (const [, dst] of rows) assert.match(dst ?? '', /^01:80:c2:00:00:1[45]$/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

/** `isis: true`: every interface but loopbacks in `router isis 1`, system IDs from the routers' order. */
const PLAIN = `
name: isis-plain
nodes:
${host('h1', '10.1.1.10/24', '10.1.1.1')}
${host('h2', '10.1.2.10/24', '10.1.2.1')}
  r1: { kind: router, isis: true, interfaces: [ { name: eth0, address: 10.1.1.1/24 }, { name: eth1, address: 10.1.12.1/24 } ] }
  r2: { kind: router, isis: true, interfaces: [ { name: eth0, address: 10.1.12.2/24 }, { name: eth1, address: 10.1.2.1/24 } ] }
  r3: { kind: router }
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: h2 }
`

test('isis: true gives every router a NET of its own; vtysh without isisd says so', async () => {
  const r = (current = await bootLab(PLAIN, 5))
  const run = (await r.line('r2 vtysh -c "show running-config"')).out
  assert.match(run, /^router isis 1\n net 49\.0001\.0000\.0000\.0002\.00\nexit$/m)
  assert.match(run, /^interface eth1\n ip router isis 1\nexit$/m)
  const nb = (await r.line('r1 vtysh -c "show isis neighbor"')).out
  assert.match(nb, /^ r2 +eth1 +1 +Up /m)
  const db = (await r.line('r1 vtysh -c "show isis database"')).out
  assert.match(db, /^r1\.00-00 +\* /m)
  const none = await r.line('r3 vtysh -c "show isis neighbor"')
  assert.equal(none.status, 1)
  assert.match(none.out, /% isisd is not running/)
  const ping = await r.line('h1 ping -c 1 10.1.2.10')
  assert.equal(ping.status, 0, ping.out)
  current.destroy()
  current = null
})

test('lsp-gen-interval: a second change within the interval waits for it (30 s by default, as set)', async () => {
  const r = (current = await bootLab(PLAIN, 6))
  const has = async (p: string) =>
    new RegExp(`^${p.replace(/\./g, '\\.')} +10\\.1\\.12\\.2 +UG1 `, 'm').test(
      (await r.line('r1 netstat -rn')).out,
    )
  const add = async (a: string) => assert.equal((await r.line(`r2 ifconfig eth1 inet ${a} alias`)).status, 0)
  // Long after the lab's last generation: a change goes out with the next interface poll (5 s).
  await add('10.7.1.1/24')
  await r.sleep(7)
  assert.ok(await has('10.7.1.0/24'), 'the first change')
  await add('10.7.2.1/24')
  await r.sleep(7)
  assert.ok(!(await has('10.7.2.0/24')), 'the second waits out the 30 s interval')
  await r.sleep(25)
  assert.ok(await has('10.7.2.0/24'), 'and then goes out')
  const c = await r.line(vtyshLine('r2', 'configure terminal', 'router isis 1', 'lsp-gen-interval 2'))
  assert.equal(c.status, 0, c.out)
  const run = (await r.line('r2 vtysh -c "show running-config"')).out
  assert.match(run, /^ lsp-timers gen-interval 2 refresh-interval 900 max-lifetime 1200$/m)
  await add('10.7.3.1/24')
  await r.sleep(7)
  assert.ok(await has('10.7.3.0/24'))
  await add('10.7.4.1/24')
  await r.sleep(7)
  assert.ok(await has('10.7.4.0/24'), 'with lsp-gen-interval 2, within the next poll')
  // Per level, and back to the default; FRR's own lsp-timers line is read back.
  const l = await r.line(
    vtyshLine(
      'r2',
      'configure terminal',
      'router isis 1',
      'lsp-gen-interval level-2 5',
      'no lsp-gen-interval level-1',
    ),
  )
  assert.equal(l.status, 0, l.out)
  assert.match(
    (await r.line('r2 vtysh -c "show running-config"')).out,
    /^ lsp-timers level-1 gen-interval 30 refresh-interval 900 max-lifetime 1200\n lsp-timers level-2 gen-interval 5 refresh-interval 900 max-lifetime 1200$/m,
  )
  const bad = await r.line(
    vtyshLine(
      'r2',
      'configure terminal',
      'router isis 1',
      'lsp-timers gen-interval 20 refresh-interval 10 max-lifetime 1200',
    ),
  )
  assert.equal(bad.status, 1)
  const t = await r.line(
    vtyshLine(
      'r2',
      'configure terminal',
      'router isis 1',
      'lsp-timers gen-interval 30 refresh-interval 900 max-lifetime 1200',
    ),
  )
  assert.equal(t.status, 0, t.out)
  assert.doesNotMatch((await r.line('r2 vtysh -c "show running-config"')).out, /lsp-timers/)
  current.destroy()
  current = null
})

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../..')
const ISIS = resolve(ROOT, process.env.IMUNES_EXAMPLES ?? '../shared/imunes-examples', 'IS-IS/IS-IS.imn')
const ABSENT = existsSync(ISIS) ? undefined : `../shared/imunes-examples absent: ${ISIS} not found`

test(
  'imunes-examples/IS-IS/IS-IS.imn: isisd from the custom configurations, pingall',
  { skip: ABSENT },
  async () => {
    const r = (current = await bootLab(readFileSync(ISIS, 'utf8'), 1, {
      fileName: 'IS-IS.imn',
      chatty: true,
    }))
    const { status, out } = await r.line('pingall')
    assert.equal(status, 0, out)
    assert.match(out, /\*\*\* Results: 0% dropped \(([1-9]\d*)\/\1 received\)\n$/)
    const nb = (await r.line('R2 vtysh -c "show isis neighbor"')).out
    assert.equal(nb.match(/ Up /g)?.length, 4, nb)
    const ip = (await r.line('R1 vtysh -c "show ip route"')).out
    assert.match(ip, /^I>\* 172\.16\.3\.0\/24 \[115\/30\] via 172\.16\.12\.2, eth0, weight 1, /m)
    current.destroy()
    current = null
  },
)

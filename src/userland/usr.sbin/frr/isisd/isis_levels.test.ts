/**
 * IS-IS across two areas in a lab, in virtual time: h1 — r1 (level-1, area 1) — r2 (level-1-2,
 * area 1) — r3 (level-1-2, area 2) — r4 (level-1, area 2) — h4. r2 and r3 set the ATT bit in their
 * level-1 LSPs (a level-2 adjacency is Up), r1 and r4 take a default route to them, and r2 and r3
 * carry their area's level-1 prefixes in their level-2 LSPs (RFC 1195 §3.2), so h1 and h4 reach each
 * other; FRR's `attached-bit receive ignore` and `no attached-bit send` take the default away, and a
 * capture that tshark (where installed) decodes shows the ATT bit and the leaked prefixes.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, test } from 'node:test'
import { type BootedLab, bootLab } from '../../../../testing/lab_console.js'
import { have } from '../../../../testing/real_tools.js'

const host = (name: string, addr: string, gw: string) =>
  `  ${name}: { kind: pc, interfaces: [ { name: eth0, address: ${addr} } ], routes: [ { to: default, via: ${gw} } ] }`

const vty = (lines: string[]) => `'vtysh -c "configure terminal" ${lines.map((l) => `-c "${l}"`).join(' ')}'`

const LAB = `
name: isis-areas
nodes:
${host('h1', '10.0.1.10/24', '10.0.1.1')}
${host('h4', '10.0.4.10/24', '10.0.4.1')}
  r1:
    kind: router
    isis: { net: 49.0001.0000.0000.0001.00, passive: [ eth0 ] }
    interfaces: [ { name: eth0, address: 10.0.1.1/24 }, { name: eth1, address: 10.0.12.1/24 } ]
    startup: [ ${vty(['router isis 1', 'is-type level-1'])} ]
  r2:
    kind: router
    isis: { net: 49.0001.0000.0000.0002.00 }
    interfaces: [ { name: eth0, address: 10.0.12.2/24 }, { name: eth1, address: 10.0.23.2/24 } ]
  r3:
    kind: router
    isis: { net: 49.0002.0000.0000.0003.00 }
    interfaces: [ { name: eth0, address: 10.0.23.3/24 }, { name: eth1, address: 10.0.34.3/24 } ]
  r4:
    kind: router
    isis: { net: 49.0002.0000.0000.0004.00, passive: [ eth1 ] }
    interfaces: [ { name: eth0, address: 10.0.34.4/24 }, { name: eth1, address: 10.0.4.1/24 } ]
    startup: [ ${vty(['router isis 1', 'is-type level-1'])} ]
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r3:eth1, b: r4:eth0 }
  - { a: r4:eth1, b: h4 }
`

let current: BootedLab | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

/** The rows of `show isis database` for one level: LSP ID and its ATT/P/OL column. */
function attCol(db: string, level: 1 | 2): Map<string, string> {
  const at = db.indexOf(`IS-IS Level-${level} link-state database:`)
  const out = new Map<string, string>()
  if (at < 0) return out
  for (const l of db.slice(at).split('\n').slice(2)) {
    if (l.trim() === '' || l.startsWith('IS-IS')) break
    const m = /^(\S+)\s.*\s(\d\/\d\/\d)$/.exec(l)
    if (m !== null) out.set(m[1]!, m[2]!)
  }
  return out
}

test('two areas: ATT from the level-1-2 routers, defaults in the level-1 ones, level-1 prefixes in level 2, h1 reaches h4', async () => {
  const r = (current = await bootLab(LAB, 30))
  await r.sleep(20)
  const db1 = (await r.line('r1 vtysh -c "show isis database"')).out
  const att = attCol(db1, 1)
  assert.equal(att.get('r2.00-00'), '1/0/0', db1)
  assert.equal(att.get('r1.00-00'), '0/0/0', db1)
  // r1: a default route to r2 at r2's distance, in its table, the FIB and zebra's view.
  const ns1 = (await r.line('r1 netstat -rn -f inet')).out
  assert.match(ns1, /^default +10\.0\.12\.2 +UG1 +eth1$/m, ns1)
  const ip1 = (await r.line('r1 vtysh -c "show ip route"')).out
  assert.match(ip1, /^I>\* 0\.0\.0\.0\/0 \[115\/10\] via 10\.0\.12\.2, eth1, weight 1, /m, ip1)
  assert.doesNotMatch(ip1, /10\.0\.4\.0/, "area 2's prefixes stay out of level 1")
  // r2 has a level-2 adjacency: no default of its own (FRR's isis_level2_adj_up).
  assert.doesNotMatch((await r.line('r2 netstat -rn -f inet')).out, /^default /m)
  // r3 learns r1's networks from r2's level-2 LSP, at their level-1 metric plus the link.
  const rt3 = (await r.line('r3 vtysh -c "show isis route"')).out
  const l2 = rt3.slice(rt3.indexOf('IS-IS L2 IPv4 routing table:'))
  assert.match(l2, /^ 10\.0\.1\.0\/24 +30 +eth0 +10\.0\.23\.2 +-$/m, rt3)
  assert.match(l2, /^ 10\.0\.12\.0\/24 +20 +eth0 +10\.0\.23\.2 +-$/m, rt3)
  assert.match((await r.line('r3 netstat -rn -f inet')).out, /^10\.0\.1\.0\/24 +10\.0\.23\.2 +UG1 +eth0$/m)
  for (const [from, to] of [
    ['h1', '10.0.4.10'],
    ['h4', '10.0.1.10'],
  ]) {
    const p = await r.line(`${from} ping -c 1 ${to}`)
    assert.equal(p.status, 0, p.out)
  }
  // `attached-bit receive ignore` on r4: its default goes, h4 no longer reaches area 1.
  let c = await r.line(`r4 ${vty(['router isis 1', 'attached-bit receive ignore']).slice(1, -1)}`)
  assert.equal(c.status, 0, c.out)
  await r.sleep(5)
  assert.doesNotMatch((await r.line('r4 netstat -rn -f inet')).out, /^default /m)
  assert.notEqual((await r.line('h4 ping -c 1 -t 2 10.0.1.10')).status, 0)
  assert.match((await r.line('r4 vtysh -c "show running-config"')).out, /^ attached-bit receive ignore$/m)
  // `no attached-bit send` on r2: its level-1 LSP loses the ATT bit, r1 its default.
  c = await r.line(`r2 ${vty(['router isis 1', 'no attached-bit send']).slice(1, -1)}`)
  assert.equal(c.status, 0, c.out)
  await r.sleep(10)
  assert.equal(attCol((await r.line('r1 vtysh -c "show isis database"')).out, 1).get('r2.00-00'), '0/0/0')
  assert.doesNotMatch((await r.line('r1 netstat -rn -f inet')).out, /^default /m)
  assert.match(
    (await r.line('r2 vtysh -c "show running-config"')).out,
    /^router isis 1\n net \S+\n no attached-bit send\nexit$/m,
  )
})

test('a capture between the areas: tshark decodes the ATT bit and the leaked prefixes, nothing malformed', async (t) => {
  const r = (current = await bootLab(LAB, 30))
  const cap = await r.line('r2 sh -c "tcpdump -w /cap.pcap -i eth0 &"')
  assert.equal(cap.status, 0, cap.out)
  const cap2 = await r.line('r2 sh -c "tcpdump -w /cap2.pcap -i eth1 &"')
  assert.equal(cap2.status, 0, cap2.out)
  // The link between the areas goes and comes back: r2's ATT bit with it, and a full level-2 exchange.
  assert.equal((await r.line('link r2:eth1 r3:eth0 down')).status, 0)
  await r.sleep(35)
  assert.equal((await r.line('link r2:eth1 r3:eth0 up')).status, 0)
  await r.sleep(30)
  if (!have('tshark')) return t.skip('tshark is not installed (apt-get install tshark)')
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-isis-areas-'))
  try {
    const read = (file: string) => {
      const text = r.lab.nodeFs('r2').read(file)
      assert.ok(text !== undefined && text.length > 24, `tcpdump wrote ${file}`)
      const f = join(dir, file.slice(1))
      writeFileSync(
        f,
        Uint8Array.from(text, (ch) => ch.charCodeAt(0)),
      )
      return (...args: string[]) =>
        execFileSync('tshark', ['-r', f, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
    }
    const l1 = read('/cap.pcap')
    const l2 = read('/cap2.pcap')
    for (const ts of [l1, l2]) assert.equal(ts('-Y', '_ws.malformed || _ws.expert.severity >= error'), '')
    // r2's level-1 LSPs (to r1): ATT cleared while the level-2 adjacency is down, set when it is back.
    const att = l1('-Y', 'isis.type == 18', '-T', 'fields', '-e', 'isis.lsp.lsp_id', '-e', 'isis.lsp.att')
    const rows = att.trim().split('\n')
    assert.ok(rows.includes('0000.0000.0002.00-00\t0'), att)
    assert.equal(rows.at(-1), '0000.0000.0002.00-00\t1', att)
    // r2's level-2 LSPs (to r3) list r1's 10.0.1.0/24 at metric 20, up/down bit clear.
    const up = l2(
      ...['-Y', 'isis.type == 20 && isis.lsp.lsp_id == 0000.0000.0002.00-00', '-T', 'fields'],
      ...['-e', 'isis.lsp.ext_ip_reachability.ipv4_prefix', '-e', 'isis.lsp.ext_ip_reachability.metric'],
      ...['-e', 'isis.lsp.ext_ip_reachability.distribution'],
    )
    const row = up.trim().split('\n').at(-1)!.split('\t')
    const prefixes = row[0]!.split(',')
    const at = prefixes.indexOf('10.0.1.0')
    assert.ok(at >= 0, up)
    assert.equal(row[1]!.split(',')[at], '20')
    assert.equal(row[2]!.split(',')[at], '0')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

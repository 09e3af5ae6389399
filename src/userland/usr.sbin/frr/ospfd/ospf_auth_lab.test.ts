/**
 * OSPFv2 authentication in a lab, in virtual time, configured through vtysh as FRR's users do:
 * MD5 on one side only takes the adjacency down (AuType mismatch counted), a wrong key keeps it
 * down, the right key brings it back to Full with routes; `area X authentication` with interface
 * keys, FRR's errors and running configuration; and a capture that tshark (where installed) decodes
 * as AuType 2 with key id, 16-byte digest and growing sequence numbers, nothing malformed.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, test } from 'node:test'
import { type BootedLab, bootLab, vtyshLine } from '../../../../testing/lab_console.js'
import { OSPF_TWO_ROUTERS } from '../../../../testing/labs.js'
import { have } from '../../../../testing/real_tools.js'

let current: BootedLab | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

test('MD5 through vtysh: one side alone or a wrong key never Full, the same key Full; errors and running config', async () => {
  const r = (current = await bootLab(OSPF_TWO_ROUTERS, 5))
  const nbr = async (n: string) => (await r.line(`${n} vtysh -c "show ip ospf neighbor"`)).out
  assert.match(await nbr('r1'), /^2\.2\.2\.2 +1 Full\//m)
  let c = await r.line(
    vtyshLine(
      'r1',
      'conf t',
      'interface eth1',
      'ip ospf authentication message-digest',
      'ip ospf message-digest-key 1 md5 s3cret',
    ),
  )
  assert.equal(c.status, 0, c.out)
  c = await r.line(
    vtyshLine(
      'r2',
      'conf t',
      'interface eth0',
      'ip ospf authentication message-digest',
      'ip ospf message-digest-key 1 md5 wrong',
    ),
  )
  assert.equal(c.status, 0, c.out)
  await r.sleep(120)
  assert.doesNotMatch(await nbr('r1'), /2\.2\.2\.2/, 'dead after the keys differ')
  assert.doesNotMatch(await nbr('r2'), /1\.1\.1\.1/)
  assert.match((await r.line('r1 vtysh -c "show ip ospf"')).out, /auth-digest \d+/)
  assert.notEqual((await r.line('h1 ping -c 1 -t 2 10.0.2.10')).status, 0)
  c = await r.line(vtyshLine('r2', 'conf t', 'interface eth0', 'ip ospf message-digest-key 1 md5 other'))
  assert.equal(c.status, 1)
  assert.equal(c.out, '% OSPF: Key 1 already exists\n')
  c = await r.line(
    vtyshLine(
      'r2',
      'conf t',
      'interface eth0',
      'no ip ospf message-digest-key 1',
      'ip ospf message-digest-key 1 md5 s3cret',
    ),
  )
  assert.equal(c.status, 0, c.out)
  await r.sleep(60)
  assert.match(await nbr('r1'), /^2\.2\.2\.2 +1 Full\//m)
  assert.equal((await r.line('h1 ping -c 1 10.0.2.10')).status, 0)
  const run = (await r.line('r2 vtysh -c "show running-config"')).out
  assert.match(
    run,
    /^interface eth0\n ip ospf authentication message-digest\n ip ospf message-digest-key 1 md5 s3cret\nexit$/m,
  )
  c = await r.line(vtyshLine('r2', 'conf t', 'interface eth0', 'no ip ospf message-digest-key 9'))
  assert.equal(c.out, '% OSPF: Key 9 does not exist\n')
})

test('area authentication: the area type with interface keys and passwords; show ip ospf says it', async () => {
  const r = (current = await bootLab(OSPF_TWO_ROUTERS, 5))
  for (const [n, i] of [
    ['r1', 'eth1'],
    ['r2', 'eth0'],
  ] as const) {
    const c = await r.line(
      vtyshLine(
        n,
        'conf t',
        'router ospf',
        'area 0 authentication',
        'exit',
        `interface ${i}`,
        'ip ospf authentication-key longerthan8',
      ),
    )
    assert.equal(c.status, 0, c.out)
  }
  await r.sleep(60)
  const st = (await r.line('r1 vtysh -c "show ip ospf"')).out
  assert.match(st, /Area ID: 0\.0\.0\.0 \(Backbone\)\n(.*\n)*? {3}Area has simple password authentication\n/)
  assert.match((await r.line('r1 vtysh -c "show ip ospf neighbor"')).out, /^2\.2\.2\.2 +1 Full\//m)
  const run = (await r.line('r1 vtysh -c "show running-config"')).out
  assert.match(run, /^ ip ospf authentication-key longerth$/m, 'FRR keeps 8 characters')
  assert.match(run, /^ area 0 authentication$/m)
  // The area to message-digest without keys: null authentication (FRR), while r2 still sends simple.
  const c = await r.line(vtyshLine('r1', 'conf t', 'router ospf', 'area 0 authentication message-digest'))
  assert.equal(c.status, 0, c.out)
  await r.sleep(60)
  assert.match((await r.line('r1 vtysh -c "show ip ospf"')).out, /Area has message digest authentication/)
  assert.doesNotMatch((await r.line('r1 vtysh -c "show ip ospf neighbor"')).out, /2\.2\.2\.2/)
  assert.match((await r.line('r1 vtysh -c "show ip ospf"')).out, /auth-type \d+/)
})

test('a capture of MD5-signed OSPF: tshark decodes AuType 2, key id, digest length, growing sequence', async (t) => {
  const r = (current = await bootLab(OSPF_TWO_ROUTERS, 5))
  for (const [n, i] of [
    ['r1', 'eth1'],
    ['r2', 'eth0'],
  ] as const) {
    const c = await r.line(
      vtyshLine(
        n,
        'conf t',
        `interface ${i}`,
        'ip ospf authentication message-digest',
        'ip ospf message-digest-key 5 md5 k',
      ),
    )
    assert.equal(c.status, 0, c.out)
  }
  const cap = await r.line('r2 sh -c "tcpdump -w /cap.pcap -i eth0 ip &"')
  assert.equal(cap.status, 0, cap.out)
  await r.sleep(60)
  assert.match((await r.line('r1 vtysh -c "show ip ospf neighbor"')).out, /^2\.2\.2\.2 +1 Full\//m)
  const text = r.lab.nodeFs('r2').read('/cap.pcap')
  assert.ok(text !== undefined && text.length > 24, 'tcpdump wrote a capture')
  if (!have('tshark')) return t.skip('tshark is not installed (apt-get install tshark)')
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-ospfauth-'))
  try {
    const f = join(dir, 'ospf.pcap')
    writeFileSync(
      f,
      Uint8Array.from(text, (ch) => ch.charCodeAt(0)),
    )
    const tshark = (...args: string[]) =>
      execFileSync('tshark', ['-r', f, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
    assert.equal(tshark('-Y', '_ws.malformed || _ws.expert.severity >= error'), '')
    const rows = tshark(
      ...[
        '-Y',
        'ospf',
        '-T',
        'fields',
        '-e',
        'ip.src',
        '-e',
        'ospf.auth.type',
        '-e',
        'ospf.auth.crypt.key_id',
      ],
      ...['-e', 'ospf.auth.crypt.data_length', '-e', 'ospf.auth.crypt.seq_nbr', '-e', 'ospf.checksum'],
    )
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
    assert.ok(rows.length > 4, `${rows.length} packets`)
    const last = new Map<string, number>()
    for (const [src, type, key, dl, seq, ck] of rows) {
      assert.deepEqual([type, key, dl], ['2', '5', '16'])
      assert.equal(Number(ck), 0)
      assert.ok(Number(seq) >= (last.get(src!) ?? 0))
      last.set(src!, Number(seq))
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('key chains (RFC 5709 HMAC-SHA): the same algorithm and key Full, another algorithm never; running config', async () => {
  const r = (current = await bootLab(OSPF_TWO_ROUTERS, 5))
  const chain = (n: string, i: string, algo: string) =>
    r.line(
      vtyshLine(
        n,
        'conf t',
        'key chain lan',
        'key 1',
        'key-string two words',
        `cryptographic-algorithm ${algo}`,
        'exit',
        'exit',
        `interface ${i}`,
        'ip ospf authentication key-chain lan',
      ),
    )
  assert.equal((await chain('r1', 'eth1', 'hmac-sha-256')).status, 0)
  assert.equal((await chain('r2', 'eth0', 'hmac-sha-1')).status, 0)
  await r.sleep(120)
  assert.doesNotMatch((await r.line('r1 vtysh -c "show ip ospf neighbor"')).out, /2\.2\.2\.2/)
  assert.match((await r.line('r1 vtysh -c "show ip ospf"')).out, /auth-length \d+/)
  const c = await r.line(
    vtyshLine('r2', 'conf t', 'key chain lan', 'key 1', 'cryptographic-algorithm hmac-sha-256'),
  )
  assert.equal(c.status, 0, c.out)
  await r.sleep(60)
  assert.match((await r.line('r1 vtysh -c "show ip ospf neighbor"')).out, /^2\.2\.2\.2 +1 Full\//m)
  assert.equal((await r.line('h1 ping -c 1 10.0.2.10')).status, 0)
  const run = (await r.line('r2 vtysh -c "show running-config"')).out
  assert.match(
    run,
    /^!\nkey chain lan\n key 1\n {2}key-string two words\n {2}cryptographic-algorithm hmac-sha-256\n exit\nexit\n!\ninterface eth0\n/m,
  )
  assert.match(run, /^interface eth0\n ip ospf authentication key-chain lan\nexit$/m)
})

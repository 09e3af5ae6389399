/**
 * FRR's key chain lifetimes (lib/keychain.ts): `HH:MM:SS DAY MONTH YEAR` read as lib/keychain.c's
 * key_str2time reads it (a month by three or more letters of its name, days past the month's end
 * running on as mktime's), lifetimes inclusive at both ends, and which complete keys send and
 * accept at a given second; then in a lab, in virtual time, an OSPF key roll-over by send-lifetime
 * with the adjacency kept Full (tshark sees key id 1 then 2 where installed), an accept-lifetime
 * running out taking it down, FRR's errors and running configuration.
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
import { completeKeys, type KeyChains, keyLive, keyTime } from './keychain.js'

test('key_str2time: FRR day and month forms, ranges, month prefixes, days running on', () => {
  assert.equal(keyTime('00:00:00', '1', 'Jan', '1993'), 725846400)
  assert.equal(keyTime('12:30:05', '3', 'March', '2035'), 2056537805)
  assert.equal(keyTime('12:30:05', '3', 'Mar', '2035'), 2056537805)
  assert.equal(keyTime('0:0:0', '1', 'January', '1970'), 0)
  // 31 February is 3 March, as mktime(3) makes it.
  assert.equal(keyTime('00:00:00', '31', 'Feb', '1993'), keyTime('00:00:00', '3', 'Mar', '1993'))
  for (const bad of [
    ['24:00:00', '1', 'Jan', '1993'],
    ['00:60:00', '1', 'Jan', '1993'],
    ['00:00', '1', 'Jan', '1993'],
    ['00:00:00', '0', 'Jan', '1993'],
    ['00:00:00', '32', 'Jan', '1993'],
    ['00:00:00', '1', 'Ja', '1993'],
    ['00:00:00', '1', 'Jax', '1993'],
    ['00:00:00', '1', 'jan', '1993'],
  ] as const)
    assert.equal(keyTime(bad[0], bad[1], bad[2], bad[3]), null, bad.join(' '))
})

test('lifetimes: inclusive, infinite, none; the lowest live key sends, live keys accept', () => {
  const r = { start: 100, end: 200, duration: false }
  assert.deepEqual(
    [99, 100, 200, 201].map((t) => keyLive(r, t)),
    [false, true, true, false],
  )
  assert.equal(keyLive({ start: 100, end: null, duration: false }, 1e12), true)
  assert.equal(keyLive(undefined, 0), true)
  const chains: KeyChains = new Map([
    [
      'c',
      new Map([
        [1, { id: 1, string: 'one', algo: 'md5' as const, send: { start: 0, end: 300, duration: true } }],
        [2, { id: 2, string: 'two', algo: 'md5' as const, send: { start: 240, end: null, duration: false } }],
        [3, { id: 3, string: 'three', accept: { start: 0, end: 10, duration: false } }],
        [
          4,
          { id: 4, string: 'four', algo: 'md5' as const, accept: { start: 500, end: null, duration: false } },
        ],
      ]),
    ],
  ])
  const ids = (lifetime: 'send' | 'accept', now: number) =>
    completeKeys(chains, 'c', { lifetime, now }).map((k) => k.id)
  assert.deepEqual(ids('send', 250), [1, 2, 4])
  assert.deepEqual(ids('send', 301), [2, 4])
  assert.deepEqual(ids('accept', 0), [1, 2])
  assert.deepEqual(ids('accept', 500), [1, 2, 4])
  // Key 3 has no algorithm: never complete.
  assert.deepEqual(
    completeKeys(chains, 'c').map((k) => k.id),
    [1, 2, 4],
  )
  assert.deepEqual(completeKeys(chains, 'none', { lifetime: 'send', now: 0 }), [])
})

let current: BootedLab | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

test('an OSPF key roll-over by send-lifetime keeps Full; an accept-lifetime running out ends it', async (t) => {
  const r = (current = await bootLab(OSPF_TWO_ROUTERS, 7))
  // The lab's clock starts at the epoch: key 1 signs for the first 10 minutes, key 2 from minute 8.
  const chain = (n: string, i: string) =>
    r.line(
      vtyshLine(
        n,
        'conf t',
        'key chain roll',
        'key 1',
        'key-string first-key',
        'cryptographic-algorithm hmac-sha-256',
        'send-lifetime 00:00:00 1 Jan 1970 duration 600',
        'key 2',
        'key-string second-key',
        'cryptographic-algorithm hmac-sha-256',
        'send-lifetime 00:08:00 Jan 1 1970 infinite',
        'exit',
        'exit',
        `interface ${i}`,
        'ip ospf authentication key-chain roll',
      ),
    )
  for (const [n, i] of [
    ['r1', 'eth1'],
    ['r2', 'eth0'],
  ] as const) {
    const c = await chain(n, i)
    assert.equal(c.status, 0, c.out)
  }
  const cap = await r.line('r2 sh -c "tcpdump -w /cap.pcap -i eth0 ip &"')
  assert.equal(cap.status, 0, cap.out)
  await r.sleep(60)
  const nbr = async (n: string) => (await r.line(`${n} vtysh -c "show ip ospf neighbor"`)).out
  assert.match(await nbr('r1'), /^2\.2\.2\.2 +1 Full\//m)
  assert.match((await r.line('r1 date -u +%H:%M')).out, /^00:0[0-7]$/m)
  // Past minute 10 key 2 signs; both routers accept both keys all along.
  await r.sleep(600)
  assert.match((await r.line('r1 date -u +%H:%M')).out, /^00:1[0-9]$/m)
  assert.match(await nbr('r1'), /^2\.2\.2\.2 +1 Full\//m)
  assert.match(await nbr('r2'), /^1\.1\.1\.1 +1 Full\//m)
  assert.equal((await r.line('h1 ping -c 1 10.0.2.10')).status, 0)
  const run = (await r.line('r1 vtysh -c "show running-config"')).out
  assert.match(
    run,
    /^key chain roll\n key 1\n {2}key-string first-key\n {2}cryptographic-algorithm hmac-sha-256\n {2}send-lifetime 00:00:00 Jan 01 1970 duration 600\n exit\n key 2\n {2}key-string second-key\n {2}cryptographic-algorithm hmac-sha-256\n {2}send-lifetime 00:08:00 Jan 01 1970 infinite\n exit\nexit$/m,
    run,
  )
  // FRR's errors, nothing changed by them.
  const bad = async (line: string, msg: RegExp) => {
    const c = await r.line(vtyshLine('r2', 'conf t', 'key chain roll', 'key 2', line))
    assert.notEqual(c.status, 0, line)
    assert.match(c.out, msg, line)
  }
  await bad('accept-lifetime 24:00:00 1 Jan 1993 infinite', /Malformed time value/)
  await bad(
    'accept-lifetime 00:00:00 1 Jan 1993 00:00:00 1 Jan 1993',
    /Expire time is not later than start time/,
  )
  await bad('accept-lifetime 00:00:00 1 Jan 1969 infinite', /Unknown command|Malformed/)
  // r2 stops accepting key 2 a minute from now: r1's Hellos are dropped, and the adjacency dies.
  const c = await r.line(
    vtyshLine(
      'r2',
      'conf t',
      'key chain roll',
      'key 2',
      'accept-lifetime 00:00:00 Jan 1 1970 00:12:00 January 1 1970',
    ),
  )
  assert.equal(c.status, 0, c.out)
  assert.match(
    (await r.line('r2 vtysh -c "show running-config"')).out,
    /^ {2}accept-lifetime 00:00:00 Jan 01 1970 00:12:00 Jan 01 1970\n {2}send-lifetime 00:08:00 Jan 01 1970 infinite$/m,
  )
  await r.sleep(120)
  assert.doesNotMatch(await nbr('r2'), /1\.1\.1\.1 +1 Full/)
  assert.match((await r.line('r2 vtysh -c "show ip ospf"')).out, /auth-\S+ \d+/)
  // Without the lifetime it comes back.
  assert.equal(
    (await r.line(vtyshLine('r2', 'conf t', 'key chain roll', 'key 2', 'no accept-lifetime'))).status,
    0,
  )
  await r.sleep(60)
  assert.match(await nbr('r2'), /^1\.1\.1\.1 +1 Full\//m)
  const text = r.lab.nodeFs('r2').read('/cap.pcap')
  assert.ok(text !== undefined && text.length > 24, 'tcpdump wrote a capture')
  if (!have('tshark')) return t.skip('tshark is not installed (apt-get install tshark)')
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-keychain-'))
  try {
    const f = join(dir, 'c.pcap')
    writeFileSync(
      f,
      Uint8Array.from(text, (ch) => ch.charCodeAt(0)),
    )
    const rows = execFileSync(
      'tshark',
      [
        '-r',
        f,
        '-Y',
        'ospf && ip.src == 10.0.12.1',
        '-T',
        'fields',
        '-e',
        'frame.time_relative',
        '-e',
        'ospf.auth.crypt.key_id',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    )
      .toString()
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
    const ids = rows.map((x) => x[1])
    const first2 = ids.indexOf('2')
    assert.ok(first2 > 0, `key 1 then key 2 from r1: ${ids.join(' ')}`)
    assert.ok(
      ids.slice(0, first2).every((x) => x === '1') && ids.slice(first2).every((x) => x === '2'),
      ids.join(' '),
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

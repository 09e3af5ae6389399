/**
 * Our ospfd's authentication against Debian's FRR ospfd (frr_linux_peer.ts: FRR in a Linux network
 * namespace, one LAN over vxlan with a VirtNet router `r`), in real time with hello 1 / dead 4:
 * keyed MD5 (RFC 2328 D.4.3) and simple passwords (D.4.2) with the same key on both sides reach Full
 * both ways and route; with a different MD5 key neither side ever lists the other. FRR 8.4 has no
 * HMAC-SHA for OSPFv2 (its key-chain authentication came later), so RFC 5709 is checked against
 * node:crypto in wire/routing/ospf_auth.test.ts. Skips without root, `ip netns` or /usr/lib/frr.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fib, interop, ours, pingAcross, startBoth, until, type World } from './frr_linux_peer.js'

async function start(w: World, frrAuth: readonly string[], ourAuth: readonly string[]): Promise<void> {
  const link = [' ip ospf hello-interval 1', ' ip ospf dead-interval 4', ' ip ospf retransmit-interval 2']
  await startBoth(
    w,
    'ospfd',
    [
      'interface vxlan0',
      ...link,
      ...frrAuth,
      'router ospf',
      ' ospf router-id 10.42.0.2',
      ' network 10.42.0.0/24 area 0',
      ' network 10.44.0.0/24 area 0',
      '',
    ].join('\n'),
    [
      'configure terminal',
      'interface vxlan0',
      ...link,
      ...ourAuth,
      'exit',
      'router ospf',
      ' ospf router-id 10.42.0.1',
      ' network 10.42.0.0/24 area 0',
      ' network 10.43.0.0/24 area 0',
    ],
  )
}

async function frrState(w: World): Promise<string> {
  const j = await w.frr.json('show ip ospf neighbor json', 'ospfd')
  const n = (j.neighbors as Record<string, { nbrState?: string }[]> | undefined)?.['10.42.0.1']?.[0]
  return n?.nbrState ?? ''
}

const MD5 = [' ip ospf authentication message-digest', ' ip ospf message-digest-key 1 md5 Secr3t']

interop('OSPFv2 MD5 authentication against FRR ospfd', 'ospfd', (get, explain) => {
  test('the same MD5 key: Full both ways, routes and pings across', async () => {
    const w = get()
    await start(w, MD5, MD5)
    try {
      await until('FRR: neighbour 10.42.0.1 Full', async () => (await frrState(w)).startsWith('Full/'))
      await until('r: neighbour 10.42.0.2 Full', async () =>
        /^10\.42\.0\.2 +\d+ Full\//m.test(await ours(w.r, 'vtysh -c "show ip ospf neighbor"')),
      )
      await until('r: 10.44.0.0/24 UG1', async () =>
        /^10\.44\.0\.0\/24 +10\.42\.0\.2 +UG1 +vxlan0$/.test(await fib(w.r, '10.44.0.0/24')),
      )
    } catch (e) {
      throw await explain(e, 'show ip ospf neighbor', 'show ip ospf interface')
    }
    await pingAcross(w)
  })
})

interop('OSPFv2 simple password against FRR ospfd', 'ospfd', (get, explain) => {
  test('the same password: Full both ways', async () => {
    const w = get()
    const pw = [' ip ospf authentication', ' ip ospf authentication-key pass1234']
    await start(w, pw, pw)
    try {
      await until('FRR: neighbour 10.42.0.1 Full', async () => (await frrState(w)).startsWith('Full/'))
      await until('r: neighbour 10.42.0.2 Full', async () =>
        /^10\.42\.0\.2 +\d+ Full\//m.test(await ours(w.r, 'vtysh -c "show ip ospf neighbor"')),
      )
    } catch (e) {
      throw await explain(e, 'show ip ospf neighbor', 'show ip ospf interface')
    }
  })
})

interop('OSPFv2 MD5 key mismatch against FRR ospfd', 'ospfd', (get) => {
  test('different MD5 keys: neither side lists the other, our drops counted', async () => {
    const w = get()
    await start(w, MD5, [' ip ospf authentication message-digest', ' ip ospf message-digest-key 1 md5 other'])
    await new Promise((r) => setTimeout(r, 6000))
    assert.equal(await frrState(w), '')
    assert.doesNotMatch(await ours(w.r, 'vtysh -c "show ip ospf neighbor"'), /10\.42\.0\.2/)
    assert.match(await ours(w.r, 'vtysh -c "show ip ospf"'), /auth-digest \d+/)
  })
})

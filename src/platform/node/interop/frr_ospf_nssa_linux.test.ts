/**
 * Our ospfd's NSSAs and stub areas against Debian's FRR 8.4 ospfd (frr_linux_peer.ts: FRR in a Linux
 * network namespace, one LAN 10.42.0.0/24 over vxlan with a VirtNet router `r`), in real time with
 * hello 1 / dead 4. Area 1 (the LAN) is an NSSA on both sides: FRR inside it redistributes its
 * connected nets (Type-7s with P and its forwarding address) and r, the border router to the
 * backbone (r's eth1), translates them into AS-external-LSAs of its own, routes to them and pings
 * across, FRR routing (IA) to r's backbone network; the other way round FRR is the border router
 * translating our Type-7s (read back with their P bit and forwarding address) and we route by its
 * summaries; and a totally stubby area with FRR its border router, where our Hellos are refused while
 * our area is not stub and the default is our one summary once it is. Skips without root, `ip
 * netns` or /usr/lib/frr.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  fib,
  interop,
  linuxHas,
  ours,
  pingAcross,
  startBoth,
  until,
  vty,
  type World,
} from './frr_linux_peer.js'

const LINK = [' ip ospf hello-interval 1', ' ip ospf dead-interval 4', ' ip ospf retransmit-interval 2']
/** The LAN's interface settings, on either side's configuration. */
const LAN = ['interface vxlan0', ...LINK]
/** What a failure prints from both sides. */
const SHOW = ['show ip ospf neighbor', 'show ip ospf database', 'show ip ospf route']

const frrConf = (...router: string[]) =>
  [...LAN, 'router ospf', ' ospf router-id 10.42.0.2', ...router.map((l) => ` ${l}`), ''].join('\n')
const ourConf = (...router: string[]) => [
  'configure terminal',
  ...LAN,
  'exit',
  'router ospf',
  ' ospf router-id 10.42.0.1',
  ...router.map((l) => ` ${l}`),
]

async function full(w: World): Promise<void> {
  await until('r: 10.42.0.2 Full', async () =>
    /^10\.42\.0\.2 +\d+ Full\//m.test(await ours(w.r, 'vtysh -c "show ip ospf neighbor"')),
  )
  await until('FRR: 10.42.0.1 Full', async () =>
    /^10\.42\.0\.1 +\d+ Full\//m.test(await w.frr.vtysh('show ip ospf neighbor')),
  )
}

interop('OSPFv2 NSSA against FRR ospfd', 'ospfd', (get, explain) => {
  test("FRR's Type-7s translated by our border router; FRR routes to our backbone", async () => {
    const w = get()
    await startBoth(
      w,
      'ospfd',
      frrConf('redistribute connected', 'network 10.42.0.0/24 area 1', 'area 1 nssa'),
      ourConf('network 10.42.0.0/24 area 1', 'network 10.43.0.0/24 area 0', 'area 1 nssa'),
    )
    try {
      await full(w)
      // FRR's Type-7 for x0's 10.45.0.0/24 reaches us and we translate it (the only NSSA border router).
      await until('r: Type-7 from FRR and its translation', async () => {
        const db = await ours(w.r, 'vtysh -c "show ip ospf database"')
        return (
          /^10\.45\.0\.0 +10\.42\.0\.2 +\d+ 0x8\S+ 0x\S+ E2 10\.45\.0\.0\/24 \[0x0\]$/m.test(db) &&
          /^10\.45\.0\.0 +10\.42\.0\.1 +\d+ 0x8\S+ 0x\S+ E2 10\.45\.0\.0\/24 \[0x0\]$/m.test(db)
        )
      })
      await until('r: 10.45.0.0/24 UG1 through FRR', async () =>
        /^10\.45\.0\.0\/24 +10\.42\.0\.2 +UG1 +vxlan0$/.test(await fib(w.r, '10.45.0.0/24')),
      )
      // FRR takes our summary of the backbone (10.43.0.0/24, r's eth1) and installs it in Linux.
      await until('FRR: 10.43.0.0/24 IA', async () =>
        /^N IA 10\.43\.0\.0\/24 /m.test(await w.frr.vtysh('show ip ospf route')),
      )
      await until('Linux: 10.43.0.0/24 proto ospf', async () => linuxHas(w, 'ospf', '10.43.0.0/24'))
    } catch (e) {
      throw await explain(e, ...SHOW)
    }
    const ping = await w.lab.node('h').sh('ping -c 2 -i 0.2 10.45.0.1')
    assert.equal(ping.status, 0, ping.stdout + ping.stderr)
    // FRR saw our LSAs as an NSSA's: our router-LSA with N/P and flags ABR and ASBR (the translator).
    const rl = await w.frr.vtysh('show ip ospf database router 10.42.0.1')
    assert.match(rl, /Options: 0x8 +: .*N\/P/, rl)
    assert.match(rl, /Flags: 0x3 : ABR ASBR/, rl)
    assert.match(await w.frr.vtysh('show ip ospf'), /Area ID: 0\.0\.0\.1 \(NSSA\)/)
    assert.match(
      await ours(w.r, 'vtysh -c "show ip ospf"'),
      /We are an ABR and the NSSA Elected Translator\./,
    )
  })
})

interop('OSPFv2 NSSA against FRR ospfd as the border router', 'ospfd', (get, explain) => {
  test('our Type-7s taken and translated by FRR; its summaries routed by us', async () => {
    const w = get()
    await startBoth(
      w,
      'ospfd',
      frrConf('network 10.42.0.0/24 area 1', 'network 10.44.0.0/24 area 0', 'area 1 nssa'),
      ourConf('redistribute connected', 'network 10.42.0.0/24 area 1', 'area 1 nssa'),
    )
    try {
      await full(w)
      // FRR takes our Type-7 for 10.43.0.0/24 (r's eth1, outside OSPF), routes by it and translates it.
      await until('FRR: our Type-7 and its translation', async () => {
        const db = await w.frr.vtysh('show ip ospf database')
        return (
          /^10\.43\.0\.0 +10\.42\.0\.1 .* E2 10\.43\.0\.0\/24 \[0x0\]$/m.test(db) &&
          /^10\.43\.0\.0 +10\.42\.0\.2 .* E2 10\.43\.0\.0\/24 \[0x0\]$/m.test(db)
        )
      })
      await until('Linux: 10.43.0.0/24 proto ospf', async () => linuxHas(w, 'ospf', '10.43.0.0/24'))
      // FRR's summary of its backbone net (10.44.0.0/24 on s0) and its default are IA routes of ours.
      await until('r: 10.44.0.0/24 and 0.0.0.0/0 IA, installed', async () => {
        const o = await ours(w.r, 'vtysh -c "show ip ospf route"')
        return (
          /^N IA 10\.44\.0\.0\/24 +\[20\] area: 0\.0\.0\.1$/m.test(o) &&
          /^N IA 0\.0\.0\.0\/0 +\[11\] area: 0\.0\.0\.1$/m.test(o) &&
          /^10\.44\.0\.0\/24 +10\.42\.0\.2 +UG1 +vxlan0$/.test(await fib(w.r, '10.44.0.0/24'))
        )
      })
    } catch (e) {
      throw await explain(e, ...SHOW)
    }
    await pingAcross(w)
    // FRR reads our Type-7 as we wrote it: P bit and our address on the LAN as forwarding address.
    const t7 = await w.frr.vtysh('show ip ospf database nssa-external adv-router 10.42.0.1')
    assert.match(t7, /Options: 0xa +: .*N\/P/, t7)
    assert.match(t7, /NSSA: Forward Address: 10\.42\.0\.1$/m, t7)
    assert.match(
      await ours(w.r, 'vtysh -c "show ip ospf"'),
      /Area ID: 0\.0\.0\.1 \(NSSA\)\n(?: .*\n)*? {3}It is not ABR, therefore not Translator\.\n/,
    )
  })
})

interop('OSPFv2 totally stubby area against FRR ospfd', 'ospfd', (get, explain) => {
  test('refused while our area is normal; then the default (cost 1) is our one summary', async () => {
    const w = get()
    await startBoth(
      w,
      'ospfd',
      frrConf('network 10.42.0.0/24 area 1', 'network 10.44.0.0/24 area 0', 'area 1 stub no-summary'),
      ourConf('network 10.42.0.0/24 area 1', 'network 10.43.0.0/24 area 1'),
    )
    // RFC 2328 §10.5: the E bits disagree, so each drops the other's Hellos.
    await until('r: FRR Hellos dropped', async () =>
      /hello-options \d+/.test(await ours(w.r, 'vtysh -c "show ip ospf"')),
    )
    await new Promise((r) => setTimeout(r, 3000))
    assert.doesNotMatch(await ours(w.r, 'vtysh -c "show ip ospf neighbor"'), /^10\.42\.0\.2 /m)
    assert.doesNotMatch(await w.frr.vtysh('show ip ospf neighbor'), /^10\.42\.0\.1 /m)
    await vty(w.r, ['configure terminal', 'router ospf', ' area 1 stub'])
    try {
      await full(w)
      await until('r: 0.0.0.0/0 IA through FRR, installed', async () => {
        const o = await ours(w.r, 'vtysh -c "show ip ospf route"')
        return (
          /^N IA 0\.0\.0\.0\/0 +\[11\] area: 0\.0\.0\.1\n +via 10\.42\.0\.2, vxlan0$/m.test(o) &&
          /^default +10\.42\.0\.2 +UG1 +vxlan0$/.test(await fib(w.r, 'default'))
        )
      })
      // FRR routes to our stub-area network (10.43.0.0/24 on r's eth1) as an intra-area route.
      await until('Linux: 10.43.0.0/24 proto ospf', async () => linuxHas(w, 'ospf', '10.43.0.0/24'))
    } catch (e) {
      throw await explain(e, ...SHOW)
    }
    await pingAcross(w)
    const db = await ours(w.r, 'vtysh -c "show ip ospf database"')
    // One summary only: no-summary on FRR's side keeps 10.44.0.0/24 (its backbone) out.
    const rows = db.split('Summary Link States')[1]?.split('\n\n')[1] ?? ''
    assert.deepEqual(
      rows
        .split('\n')
        .filter((l) => /^\d/.test(l))
        .map((l) => l.split(/ +/)[0]),
      ['0.0.0.0'],
      db,
    )
    assert.match(await w.frr.vtysh('show ip ospf'), /Area ID: 0\.0\.0\.1 \(Stub, no summary\)/)
  })
})

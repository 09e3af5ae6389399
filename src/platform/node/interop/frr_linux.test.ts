/**
 * Our ospfd against the real thing: Debian's FRR (zebra and ospfd) in a fresh Linux network namespace
 * whose vxlan0 (10.42.0.2/24) is one LAN with the vxlan0 (10.42.0.1/24) of a VirtNet router `r`
 * (frr_linux_peer.ts). In real time with hello 1 / dead 4: FRR the DR, VirtNet the DR with external
 * routes both ways and FRR killed, and a point-to-point link; each side's view (FRR's vtysh json and
 * `ip route proto ospf`, our vtysh and `netstat -rn` UG1) must agree, and h pings across. Skips
 * without root, `ip netns` or /usr/lib/frr; cleans up also on failure; convergence times are printed
 * as diagnostics.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fib, interop, linuxHas, ours, pingAcross, startBoth, until, type World } from './frr_linux_peer.js'

/**
 * ospfd on both sides of vxlan0, hello 1 / dead 4 / retransmit 2. Retransmit 2: FRR floods its
 * router-LSA twice in one update right after Loading (the instance we requested, then the one naming
 * the transit link); RFC 2328 §13 step 5a (and FRR's ospf_flood) drop the second unacknowledged within
 * MinLSArrival, and FRR's default 5 s retransmit (up to two intervals) would then hold convergence ~10 s.
 * `link` lines go to both sides' vxlan0, `ourLink` to ours only, `router` to both `router ospf`s.
 */
async function startOspf(
  w: World,
  opts: { link?: readonly string[]; ourLink?: readonly string[]; router?: readonly string[] } = {},
): Promise<void> {
  const link = [
    ...(opts.link ?? []),
    ' ip ospf hello-interval 1',
    ' ip ospf dead-interval 4',
    ' ip ospf retransmit-interval 2',
  ]
  const router = opts.router ?? []
  await startBoth(
    w,
    'ospfd',
    [
      'interface vxlan0',
      ...link,
      'interface s0',
      ' ip ospf network point-to-point',
      'router ospf',
      ' ospf router-id 10.42.0.2',
      ...router,
      ' network 10.42.0.0/24 area 0',
      ' network 10.44.0.0/24 area 0',
      '',
    ].join('\n'),
    [
      'configure terminal',
      'interface vxlan0',
      ...link,
      ...(opts.ourLink ?? []),
      'exit',
      'router ospf',
      ' ospf router-id 10.42.0.1',
      ...router,
      ' network 10.42.0.0/24 area 0',
      ' network 10.43.0.0/24 area 0',
    ],
  )
}

interop('OSPFv2 against FRR ospfd', 'ospfd', (get, explain) => {
  test('adjacency Full on both sides, one DR and BDR, the same database, routes both ways', async (t) => {
    const w = get()
    const start = Date.now()
    await startOspf(w)
    const frrState = async (): Promise<string> => {
      const j = await w.frr.json('show ip ospf neighbor json', 'ospfd')
      const n = (j.neighbors as Record<string, { nbrState?: string }[]> | undefined)?.['10.42.0.1']?.[0]
      return n?.nbrState ?? ''
    }
    let full = 0
    let linux = 0
    try {
      await until('FRR: neighbour 10.42.0.1 Full', async () => (await frrState()).startsWith('Full/'))
      await until('r: neighbour 10.42.0.2 Full', async () =>
        /^10\.42\.0\.2 +\d+ Full\//m.test(await ours(w.r, 'vtysh -c "show ip ospf neighbor"')),
      )
      full = Date.now() - start
      await until('Linux: 10.43.0.0/24 proto ospf', async () => linuxHas(w, 'ospf', '10.43.0.0/24'))
      linux = Date.now() - start
      await until('r: 10.44.0.0/24 UG1', async () =>
        /^10\.44\.0\.0\/24 +10\.42\.0\.2 +UG1 +vxlan0$/.test(await fib(w.r, '10.44.0.0/24')),
      )
    } catch (e) {
      throw await explain(e, 'show ip ospf neighbor', 'show ip ospf database', 'show ip ospf route')
    }
    t.diagnostic(
      `OSPF: Full after ${full} ms, r's net in Linux's FIB after ${linux} ms, both ways after ${Date.now() - start} ms (real time, from FRR's start)`,
    )
    // Both elect the same DR and BDR: equal priorities, so the higher router id (FRR's) is DR.
    assert.equal(await frrState(), 'Full/Backup')
    assert.match(await ours(w.r, 'vtysh -c "show ip ospf neighbor"'), /^10\.42\.0\.2 +1 Full\/DR /m)
    const fi = await w.frr.json('show ip ospf interface vxlan0 json', 'ospfd')
    const v = (fi.interfaces as Record<string, Record<string, unknown>>).vxlan0!
    assert.equal(v.drId, '10.42.0.2')
    assert.equal(v.bdrId, '10.42.0.1')
    const oi = await ours(w.r, 'vtysh -c "show ip ospf interface vxlan0"')
    assert.match(oi, /State Backup, Priority 1/)
    assert.match(oi, /Designated Router \(ID\) 10\.42\.0\.2 Interface Address 10\.42\.0\.2\/24/)
    // The same LSA instances (type, id, router, sequence number, checksum) in both databases.
    const instances = (db: string): string[] =>
      [...db.matchAll(/^(\d+\.\d+\.\d+\.\d+) +(\d+\.\d+\.\d+\.\d+) +\d+ (0x[0-9a-f]{8}) (0x[0-9a-f]{4})/gm)]
        .map((m) => m.slice(1).join(' '))
        .sort()
    try {
      await until(
        'the same database on both sides',
        async () => {
          const a = instances(await w.frr.vtysh('show ip ospf database', 'ospfd'))
          const b = instances(await ours(w.r, 'vtysh -c "show ip ospf database"'))
          return a.length === 3 && a.join() === b.join()
        },
        15_000,
      )
    } catch (e) {
      throw await explain(e, 'show ip ospf database')
    }
    await pingAcross(w)
  })
})

interop('OSPFv2 against FRR ospfd: VirtNet the DR, external routes both ways', 'ospfd', (get, explain) => {
  test('FRR takes our network-LSA and AS-external-LSA, we take its; a dead FRR is noticed in 4 s', async (t) => {
    const w = get()
    const start = Date.now()
    await startOspf(w, { ourLink: [' ip ospf priority 10'], router: [' redistribute connected'] })
    try {
      await until('Linux: 10.46.0.0/24 proto ospf (our external)', async () =>
        linuxHas(w, 'ospf', '10.46.0.0/24'),
      )
      await until('Linux: 10.43.0.0/24 proto ospf', async () => linuxHas(w, 'ospf', '10.43.0.0/24'))
      await until('r: 10.45.0.0/24 and 10.44.0.0/24 UG1', async () => {
        const a = await fib(w.r, '10.45.0.0/24')
        const b = await fib(w.r, '10.44.0.0/24')
        return /10\.42\.0\.2 +UG1 +vxlan0$/.test(a) && /10\.42\.0\.2 +UG1 +vxlan0$/.test(b)
      })
    } catch (e) {
      throw await explain(e, 'show ip ospf neighbor', 'show ip ospf database', 'show ip ospf route')
    }
    t.diagnostic(`OSPF (VirtNet DR, externals): both ways after ${Date.now() - start} ms (real time)`)
    const fi = await w.frr.json('show ip ospf interface vxlan0 json', 'ospfd')
    const v = (fi.interfaces as Record<string, Record<string, unknown>>).vxlan0!
    assert.equal(v.drId, '10.42.0.1')
    assert.equal(v.bdrId, '10.42.0.2')
    // FRR's routes: our external as E2 with FRR's default metric 20, the LAN behind us intra-area.
    const rt = await w.frr.vtysh('show ip ospf route', 'ospfd')
    assert.match(rt, /N E2 10\.46\.0\.0\/24 +\[\d+\/20\] tag: 0\n +via 10\.42\.0\.1, vxlan0/)
    const ours2 = await ours(w.r, 'vtysh -c "show ip ospf route"')
    assert.match(ours2, /N E2 10\.45\.0\.0\/24 +\[\d+\/20\] tag: 0\n +via 10\.42\.0\.2, vxlan0/)
    const p = await w.lab.node('h2').sh('ping -c 1 10.45.0.1')
    assert.equal(p.status, 0, p.stdout + p.stderr)
    // FRR dies without a word: after the dead interval (4 s) r drops it and its routes.
    await w.peer.exec(['sh', '-c', `kill -9 $(cat ${w.frr.dir}/ospfd.pid)`])
    const dead = Date.now()
    try {
      await until('r: FRR gone from the FIB', async () => (await fib(w.r, '10.44.0.0/24')) === '', 15_000)
    } catch (e) {
      throw await explain(e, 'show ip ospf neighbor')
    }
    const took = Date.now() - dead
    t.diagnostic(`OSPF: a dead FRR left r's FIB after ${took} ms`)
    assert.ok(took >= 2500, `not before the dead interval (${took} ms)`)
    assert.equal(await fib(w.r, '10.45.0.0/24'), '')
    assert.doesNotMatch(await ours(w.r, 'vtysh -c "show ip ospf neighbor"'), /10\.42\.0\.2/)
  })
})

interop('OSPFv2 against FRR ospfd: a point-to-point link', 'ospfd', (get, explain) => {
  test('Full/- on both sides (no DR), routes both ways', async (t) => {
    const w = get()
    const start = Date.now()
    await startOspf(w, { link: [' ip ospf network point-to-point'] })
    try {
      await until('Linux: 10.43.0.0/24 proto ospf', async () => linuxHas(w, 'ospf', '10.43.0.0/24'))
      await until('r: 10.44.0.0/24 UG1', async () =>
        /^10\.44\.0\.0\/24 +10\.42\.0\.2 +UG1 +vxlan0$/.test(await fib(w.r, '10.44.0.0/24')),
      )
    } catch (e) {
      throw await explain(e, 'show ip ospf neighbor', 'show ip ospf database', 'show ip ospf route')
    }
    t.diagnostic(`OSPF point-to-point: routes both ways after ${Date.now() - start} ms (real time)`)
    const j = await w.frr.json('show ip ospf neighbor json', 'ospfd')
    const n = (j.neighbors as Record<string, { nbrState?: string }[]>)['10.42.0.1']![0]!
    assert.equal(n.nbrState, 'Full/-')
    assert.match(await ours(w.r, 'vtysh -c "show ip ospf neighbor"'), /^10\.42\.0\.2 +1 Full\/- /m)
    assert.doesNotMatch(await w.frr.vtysh('show ip ospf database', 'ospfd'), /Net Link States/)
    await pingAcross(w)
  })
})

/**
 * Our isisd against the real thing: Debian's FRR (zebra and isisd) in a Linux network namespace
 * whose vxlan0 (10.42.0.2/24) is one LAN with the vxlan0 (10.42.0.1/24) of a VirtNet router `r`
 * (frr_linux_peer.ts). In real time with hello 1 s: adjacencies Up at both levels on both sides, one
 * DIS, the same LSP instances in both databases (ID, sequence number, checksum), each side's stub
 * network in the other's FIB, and h pings across. Skips without root, `ip netns` or /usr/lib/frr.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fib, interop, linuxHas, ours, pingAcross, until, vty } from './frr_linux_peer.js'

interop('IS-IS against FRR isisd', 'isisd', (get, explain) => {
  test('adjacencies Up, one DIS, the same database, routes both ways', async (t) => {
    const w = get()
    const start = Date.now()
    // The vxlan's MTU is 1450: FRR keeps a circuit down whose MTU cannot carry an lsp-mtu LSP. Its
    // lsp-gen-interval (30 s) would hold back the LSP naming the new adjacency that long, and must
    // come before `net`: setting the NET generates the first LSP and schedules the next regeneration
    // with the interval of that moment, which a later `lsp-gen-interval 1` does not shorten.
    await w.frr.start(
      'isisd',
      `
interface vxlan0
 ip router isis 1
 isis hello-interval 1
interface s0
 ip router isis 1
 isis passive
router isis 1
 lsp-gen-interval 1
 lsp-mtu 1400
 net 49.0001.0000.0000.0002.00
`,
    )
    const d = await w.r.sh('isisd -d')
    assert.equal(d.status, 0, d.stderr)
    await vty(w.r, [
      'configure terminal',
      'interface vxlan0',
      ' ip router isis 1',
      ' isis hello-interval 1',
      'exit',
      'interface eth1',
      ' ip router isis 1',
      ' isis passive',
      'exit',
      'router isis 1',
      // Ours holds back its LSPs the same way (isis_engine.ts): the same interval on both sides.
      ' lsp-gen-interval 1',
      ' net 49.0001.0000.0000.0001.00',
    ])
    let up = 0
    let linux = 0
    let mine = 0
    try {
      await until('FRR: two adjacencies Up with r', async () => {
        const n = await w.frr.vtysh('show isis neighbor', 'isisd')
        return (n.match(/ Up /g) ?? []).length === 2
      })
      await until('r: two adjacencies Up with FRR', async () => {
        const n = await ours(w.r, 'vtysh -c "show isis neighbor"')
        return (n.match(/ Up /g) ?? []).length === 2
      })
      up = Date.now() - start
      await until('r: 10.44.0.0/24 UG1', async () =>
        /^10\.44\.0\.0\/24 +10\.42\.0\.2 +UG1 +vxlan0$/.test(await fib(w.r, '10.44.0.0/24')),
      )
      mine = Date.now() - start
      await until('Linux: 10.43.0.0/24 proto isis', async () => linuxHas(w, 'isis', '10.43.0.0/24'))
      linux = Date.now() - start
    } catch (e) {
      throw await explain(e, 'show isis neighbor', 'show isis database', 'show isis route')
    }
    t.diagnostic(
      `IS-IS: Up after ${up} ms, FRR's net in our FIB after ${mine} ms, ours in Linux's after ${linux} ms (real time, from FRR's start)`,
    )
    // The same LSP instances (ID, sequence number, checksum) in both level-1 databases.
    const instances = (db: string): string[] =>
      [
        ...(db.split('IS-IS Level-2')[0] ?? '').matchAll(
          /^(\S+\.\d\d-\d\d) +\*? +\d+ +(0x[0-9a-f]{8}) +(0x[0-9a-f]{4})/gm,
        ),
      ]
        .map((m) => m.slice(1).join(' '))
        .sort()
    try {
      await until(
        'the same level-1 database on both sides',
        async () => {
          const a = instances(await w.frr.vtysh('show isis database', 'isisd'))
          const b = instances(await ours(w.r, 'vtysh -c "show isis database"'))
          return a.length === 3 && a.join() === b.join()
        },
        15_000,
      )
    } catch (e) {
      throw await explain(e, 'show isis database')
    }
    await pingAcross(w)
  })
})

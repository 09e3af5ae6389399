/**
 * Route leaking (RFC 5302 §3.3) against the real thing: Debian's FRR isisd in a Linux network
 * namespace is a level-1 router of area 49.0001 on vxlan0 with our level-1-2 router `r`; behind r,
 * h2 runs our isisd level-2-only in area 49.0002 with 10.47.0.1/32 on its loopback. With
 * `redistribute ipv4 isis level-2 into level-1` on r, FRR's database shows r's LSP carrying
 * 10.47.0.1/32 with the up/down bit (` Down`, FRR's own words) and Linux's FIB gets the route by
 * IS-IS through r — the specific route, not only the default the ATT bit gives. In real time, with
 * lsp-gen-interval 1 everywhere. Skips without root, `ip netns` or /usr/lib/frr.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { interop, linuxHas, ours, until, vty } from './frr_linux_peer.js'

interop('IS-IS route leaking into FRR level 1', 'isisd', (get, explain) => {
  test("FRR's level-1 router learns the level-2 prefix r leaks, up/down bit set", async (t) => {
    const w = get()
    const start = Date.now()
    await w.frr.start(
      'isisd',
      `
interface vxlan0
 ip router isis 1
 isis hello-interval 1
router isis 1
 is-type level-1
 lsp-gen-interval 1
 lsp-mtu 1400
 net 49.0001.0000.0000.0002.00
`,
    )
    const h2 = w.lab.node('h2')
    for (const [node, cmd] of [
      [h2, 'ifconfig lo0 inet 10.47.0.1/32 alias'],
      [h2, 'isisd -d'],
      [w.r, 'isisd -d'],
    ] as const) {
      const d = await node.sh(cmd)
      assert.equal(d.status, 0, d.stderr)
    }
    await vty(h2, [
      'configure terminal',
      'interface eth0',
      ' ip router isis 1',
      ' isis hello-interval 1',
      'exit',
      'interface lo0',
      ' ip router isis 1',
      'exit',
      'router isis 1',
      ' is-type level-2-only',
      ' lsp-gen-interval 1',
      ' net 49.0002.0000.0000.0003.00',
    ])
    await vty(w.r, [
      'configure terminal',
      'interface vxlan0',
      ' ip router isis 1',
      ' isis circuit-type level-1',
      ' isis hello-interval 1',
      'exit',
      'interface eth2',
      ' ip router isis 1',
      ' isis circuit-type level-2-only',
      ' isis hello-interval 1',
      'exit',
      'router isis 1',
      ' lsp-gen-interval 1',
      ' redistribute ipv4 isis level-2 into level-1',
      ' net 49.0001.0000.0000.0001.00',
    ])
    let leaked = 0
    try {
      await until('Linux: 10.47.0.1/32 proto isis', async () => linuxHas(w, 'isis', '10.47.0.1'), 45_000)
      leaked = Date.now() - start
    } catch (e) {
      throw await explain(e, 'show isis neighbor', 'show isis database detail', 'show isis route')
    }
    t.diagnostic(`h2's level-2 prefix in Linux's FIB ${leaked} ms after FRR's start (real time)`)
    const db = await w.frr.vtysh('show isis database detail', 'isisd')
    const mine =
      db.split(/\n(?=\S)/).find((b) => /^r\.00-00 /.test(b) || /^0000\.0000\.0001\.00-00 /.test(b)) ?? ''
    assert.match(mine, /Extended IP Reachability: 10\.47\.0\.1\/32 \(Metric: \d+\) Down/, db)
    // r's ATT bit is set too (a level-2 adjacency Up): FRR keeps its default besides the leaked route.
    assert.match(mine, /^\S+\.00-00 .* 1\/0\/0$/m, db)
    // Our side: r routes it by level 2, h2 does not have FRR's net (nothing goes up with the bit).
    assert.match(await ours(w.r, 'netstat -rn -f inet'), /^10\.47\.0\.1 +10\.46\.0\.2 +UGH1 +eth2$/m)
    const rt = await ours(h2, 'vtysh -c "show isis database detail"')
    assert.doesNotMatch(rt, / Down/, rt)
  })
})

/**
 * Our ospf6d's NSSA against Debian's FRR 8.4 ospf6d (frr_linux_peer.ts: FRR in a Linux network
 * namespace, one LAN over vxlan with a VirtNet router `r`), in real time with hello 1 / dead 4:
 * area 1 is an NSSA on both sides; FRR inside it redistributes its connected nets (Type-7 LSAs with
 * the P bit and its forwarding address), r is the border router between it and the backbone (r's
 * eth1). Both sides must agree on the Hello's options (E clear, N set) to be Full; r translates
 * FRR's Type-7s into AS-External-LSAs of its own and routes to them, and FRR routes (IE) to r's
 * backbone network from r's Inter-Area-Prefix-LSA; and the other way round, FRR the border router
 * translating our Type-7s (read back with their P bit and forwarding address); and a totally stubby
 * area with FRR its border router, its default our one summary. Skips without root, `ip netns` or /usr/lib/frr.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { interop, ours, startBoth, until, type World } from './frr_linux_peer.js'

const LINK = [
  ' ipv6 ospf6 hello-interval 1',
  ' ipv6 ospf6 dead-interval 4',
  ' ipv6 ospf6 retransmit-interval 2',
]
/** The LAN both sides share, in area 1, on either side's configuration. */
const AREA1_LAN = ['interface vxlan0', ' ipv6 ospf6 area 0.0.0.1', ...LINK]
/** What a failure prints from both sides. */
const SHOW = ['show ipv6 ospf6 neighbor', 'show ipv6 ospf6 database', 'show ipv6 ospf6 route']

/** Global addresses on both ends of the LAN (the Type-7's forwarding address; they bring up the link-local ones). */
async function lanAddresses(w: World): Promise<void> {
  w.peer.ip(['-6', 'addr', 'add', 'fd42::2/64', 'dev', 'vxlan0', 'nodad'])
  const a = await w.r.sh('ifconfig vxlan0 inet6 fd42::1/64')
  assert.equal(a.status, 0, a.stderr)
}

interop('OSPFv3 NSSA against FRR ospf6d', 'ospf6d', (get, explain) => {
  test("FRR's Type-7s translated by our border router; FRR routes to our backbone", async () => {
    const w = get()
    await lanAddresses(w)
    // A net behind FRR.
    w.peer.ip(['-6', 'addr', 'add', 'fd45::1/64', 'dev', 'x0', 'nodad'])
    await startBoth(
      w,
      'ospf6d',
      [
        ...AREA1_LAN,
        'router ospf6',
        ' ospf6 router-id 10.42.0.2',
        ' redistribute connected',
        ' area 0.0.0.1 nssa',
        '',
      ].join('\n'),
      [
        'configure terminal',
        ...AREA1_LAN,
        'interface eth1',
        ' ipv6 ospf6 area 0.0.0.0',
        'router ospf6',
        ' ospf6 router-id 10.42.0.1',
        ' area 0.0.0.1 nssa',
      ],
    )
    try {
      await until('r: 10.42.0.2 Full', async () =>
        /^10\.42\.0\.2 +\d+ +\S+ +Full\//m.test(await ours(w.r, 'vtysh -c "show ipv6 ospf6 neighbor"')),
      )
      await until('FRR: 10.42.0.1 Full', async () =>
        /^10\.42\.0\.1 +\d+ +\S+ +Full\//m.test(await w.frr.vtysh('show ipv6 ospf6 neighbor')),
      )
      // FRR's Type-7 for fd45::/64 reaches us, and we translate it (we are the only NSSA border router).
      await until('r: Type-7 from FRR and its translation', async () => {
        const db = await ours(w.r, 'vtysh -c "show ipv6 ospf6 database"')
        return (
          /^Type7 +\S+ +10\.42\.0\.2 .* fd45::\/64$/m.test(db) &&
          /^ASE +\S+ +10\.42\.0\.1 .* fd45::\/64$/m.test(db)
        )
      })
      await until('r: fd45::/64 UG1 through FRR', async () =>
        /^fd45::\/64 +fe80::[0-9a-f:]+%vxlan0 +UG1 +vxlan0$/m.test(await ours(w.r, 'netstat -rn -f inet6')),
      )
      // FRR takes our summary of the backbone (fd43::/64, r's eth1) and installs it in Linux.
      await until('FRR: fd43::/64 IE', async () =>
        /^\*N IE fd43::\/64 +fe80::/m.test(await w.frr.vtysh('show ipv6 ospf6 route')),
      )
      await until('Linux: fd43::/64 proto ospf', async () =>
        /^fd43::\/64 .*dev vxlan0/m.test(w.peer.ip(['-6', 'route', 'show', 'proto', 'ospf'])),
      )
      // FRR saw our Hellos and LSAs as an NSSA's: our Router-LSA has N, and E once we translate.
      // The instance with E may come a moment after the routes: a new instance waits out
      // MinLSInterval, and after a database exchange MinLSArrival (RFC 5340 §4.1.1 / RFC 2328 §12.4).
      await until('FRR: our Router-LSA with E, B and N', async () =>
        /Bits: -+EB Options: .*\|R\|N\|.*V6/.test(
          await w.frr.vtysh('show ipv6 ospf6 database router adv-router 10.42.0.1 detail'),
        ),
      )
    } catch (e) {
      throw await explain(e, ...SHOW)
    }
    assert.match(await w.frr.vtysh('show ipv6 ospf6'), /Area 0\.0\.0\.1\[NSSA\]/)
  })
})

interop('OSPFv3 NSSA against FRR ospf6d as the border router', 'ospf6d', (get, explain) => {
  test('our Type-7s taken and translated by FRR; its summaries routed by us', async () => {
    const w = get()
    await lanAddresses(w)
    await startBoth(
      w,
      'ospf6d',
      [
        ...AREA1_LAN,
        'interface s0',
        ' ipv6 ospf6 area 0.0.0.0',
        'router ospf6',
        ' ospf6 router-id 10.42.0.2',
        ' area 0.0.0.1 nssa',
        '',
      ].join('\n'),
      [
        'configure terminal',
        ...AREA1_LAN,
        'router ospf6',
        ' ospf6 router-id 10.42.0.1',
        ' redistribute connected',
        ' area 0.0.0.1 nssa',
      ],
    )
    try {
      // FRR takes our Type-7 for fd43::/64 (r's eth1, outside OSPF), routes by it and translates it.
      await until('FRR: our Type-7 and its translation', async () => {
        const db = await w.frr.vtysh('show ipv6 ospf6 database')
        return (
          /^Type7 +\S+ +10\.42\.0\.1 .* fd43::\/64$/m.test(db) &&
          /^ASE +\S+ +10\.42\.0\.2 .* fd43::\/64$/m.test(db)
        )
      })
      await until('Linux: fd43::/64 proto ospf', async () =>
        /^fd43::\/64 .*dev vxlan0/m.test(w.peer.ip(['-6', 'route', 'show', 'proto', 'ospf'])),
      )
      // FRR's summary of its backbone net (fd44::/64 on s0) is an IE route of ours.
      await until('r: fd44::/64 IE and UG1', async () => {
        const o = await ours(w.r, 'vtysh -c "show ipv6 ospf6 route"')
        const f = await ours(w.r, 'netstat -rn -f inet6')
        return /^\*N IE fd44::\/64 +fe80::/m.test(o) && /^fd44::\/64 +fe80::\S+ +UG1 +vxlan0$/m.test(f)
      })
    } catch (e) {
      throw await explain(e, ...SHOW)
    }
    // FRR reads our Type-7 as we wrote it: P bit and our address on the LAN as forwarding address.
    const t7 = await w.frr.vtysh('show ipv6 ospf6 database type-7 adv-router 10.42.0.1 detail')
    assert.match(t7, /Prefix Options: --\|P\|--\|--\|--/, t7)
    assert.match(t7, /Forwarding-Address: fd42::1$/m, t7)
  })
})

interop('OSPFv3 totally stubby area against FRR ospf6d', 'ospf6d', (get, explain) => {
  test("FRR's default (::/0, cost 1) is our only summary; E clear on both sides", async () => {
    const w = get()
    await lanAddresses(w)
    await startBoth(
      w,
      'ospf6d',
      [
        ...AREA1_LAN,
        'interface s0',
        ' ipv6 ospf6 area 0.0.0.0',
        'router ospf6',
        ' ospf6 router-id 10.42.0.2',
        ' area 0.0.0.1 stub no-summary',
        '',
      ].join('\n'),
      [
        'configure terminal',
        ...AREA1_LAN,
        'interface eth1',
        ' ipv6 ospf6 area 0.0.0.1',
        'router ospf6',
        ' ospf6 router-id 10.42.0.1',
        ' area 0.0.0.1 stub',
      ],
    )
    try {
      await until('r: ::/0 IE through FRR, installed', async () => {
        const o = await ours(w.r, 'vtysh -c "show ipv6 ospf6 route"')
        const f = await ours(w.r, 'netstat -rn -f inet6')
        return /^\*N IE ::\/0 +fe80::/m.test(o) && /^default +fe80::\S+ +UG1 +vxlan0$/m.test(f)
      })
      // FRR routes to our stub-area network (fd43::/64 on r's eth1) as an intra-area route.
      await until('Linux: fd43::/64 proto ospf', async () =>
        /^fd43::\/64 .*dev vxlan0/m.test(w.peer.ip(['-6', 'route', 'show', 'proto', 'ospf'])),
      )
    } catch (e) {
      throw await explain(e, ...SHOW)
    }
    const db = await ours(w.r, 'vtysh -c "show ipv6 ospf6 database"')
    // One summary only: no-summary on FRR's side keeps fd44::/64 (its backbone) out.
    assert.equal(db.match(/^IAP /gm)?.length, 1, db)
    assert.match(db, /^IAP +\S+ +10\.42\.0\.2 +\d+ 8000000\d +::\/0$/m, db)
    assert.match(await w.frr.vtysh('show ipv6 ospf6'), /Area 0\.0\.0\.1\[Stub, No Summary\]/)
  })
})

/**
 * lagg(4) in virtual time: two jails joined by two epairs aggregated on each side; failover keeps
 * the ping going when the master port goes down (and the ACTIVE flag moves), roundrobin spreads
 * frames over both ports, loadbalance keeps one flow on one port; ports share the lagg's MAC and
 * follow it up and down; bad requests (a bridge member, a port twice, lacp) change nothing.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { shellWorld } from '../../../testing/shell.js'

const world = () => shellWorld(5)

/** a and b, each with lagg0 over its halves of epair0 and epair1. */
const PAIR = (proto: string) => `
jail -c name=a vnet persist
jail -c name=b vnet persist
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair1a vnet a
ifconfig epair0b vnet b
ifconfig epair1b vnet b
jexec a ifconfig lagg0 create
jexec a ifconfig lagg0 up laggproto ${proto} laggport epair0a laggport epair1a 192.0.2.1/24
jexec b ifconfig lagg0 create laggproto ${proto} laggport epair0b laggport epair1b 192.0.2.2/24 up
`

describe('lagg(4)', () => {
  test('failover: the master carries traffic; when it goes down the next port takes over', async () => {
    const w = world()
    let r = await w.run(PAIR('failover'))
    assert.equal(r.status, 0, r.err)
    r = await w.run('jexec a ifconfig lagg0')
    assert.match(
      r.out,
      /\tlaggproto failover lagghash l2,l3,l4\n\tlaggport: epair0a flags=5<MASTER,ACTIVE>\n\tlaggport: epair1a flags=0<>\n\tgroups: lagg\n\tmedia: Ethernet autoselect\n\tstatus: active\n/,
    )
    r = await w.run('jexec a ping -c 2 192.0.2.2')
    assert.equal(r.status, 0, r.err)
    const p1 = w.ifp('a', 'epair1a')
    assert.equal(p1.stats.opackets, 0, 'the backup port stays silent')
    r = await w.run(
      'jexec a ifconfig epair0a down; jexec b ifconfig epair0b down; jexec a ping -c 2 192.0.2.2',
    )
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /2 packets received/)
    assert.ok(p1.stats.opackets >= 2)
    r = await w.run('jexec a ifconfig lagg0')
    assert.match(r.out, /laggport: epair0a flags=1<MASTER>\n\tlaggport: epair1a flags=4<ACTIVE>\n/)
    // Both ports down: no carrier, nothing gets through.
    r = await w.run('jexec a ifconfig epair1a down; jexec a ifconfig lagg0; jexec a ping -c 1 -t 2 192.0.2.2')
    assert.match(r.out, /status: no carrier/)
    assert.match(r.out, /0 packets received/)
    assert.equal(w.host.env.netisr.errors, 0)
  })

  test('roundrobin uses both ports; loadbalance keeps a flow on one', async () => {
    const w = world()
    let r = await w.run(`${PAIR('roundrobin')}jexec a ping -c 6 192.0.2.2`)
    assert.equal(r.status, 0, r.err)
    const [p0, p1] = [w.ifp('a', 'epair0a'), w.ifp('a', 'epair1a')]
    assert.ok(p0.stats.opackets >= 3 && p1.stats.opackets >= 3, `${p0.stats.opackets}/${p1.stats.opackets}`)
    r = await w.run(`jexec a ifconfig lagg0 laggproto loadbalance
jexec b ifconfig lagg0 laggproto loadbalance
jexec a ifconfig lagg0`)
    assert.match(
      r.out,
      /laggproto loadbalance lagghash l2,l3,l4\n\tlaggport: epair0a flags=4<ACTIVE>\n\tlaggport: epair1a flags=4<ACTIVE>\n/,
    )
    const before = [p0.stats.opackets, p1.stats.opackets]
    r = await w.run('jexec a ping -c 6 192.0.2.2')
    assert.equal(r.status, 0, r.err)
    const d = [p0.stats.opackets - before[0]!, p1.stats.opackets - before[1]!]
    assert.ok(d.includes(0) && (d[0]! >= 6 || d[1]! >= 6), `one flow, one port: ${d}`)
  })

  test('ports share the lagg MAC, follow it up and down, get their own MAC back when they leave', async () => {
    const w = world()
    let r = await w.run(PAIR('failover'))
    assert.equal(r.status, 0, r.err)
    const lagg = w.ifp('a', 'lagg0')
    const p1 = w.ifp('a', 'epair1a')
    const own = p1.hwaddr
    assert.equal(w.ifp('a', 'epair0a').mac, lagg.mac)
    assert.equal(p1.mac, lagg.mac)
    // No IPv6 address on a port (no scope mix-up), though the lagg has its link-local one.
    r = await w.run('jexec a ifconfig epair0a; jexec a ifconfig lagg0 inet6')
    assert.doesNotMatch(r.out.split('lagg0')[0]!, /inet6 fe80:/)
    r = await w.run('jexec a ifconfig lagg0 down; jexec a ifconfig epair0a; jexec a ifconfig epair1a')
    assert.doesNotMatch(r.out, /flags=\S*<UP/)
    r = await w.run('jexec a ifconfig lagg0 up; jexec a ifconfig epair1a')
    assert.match(r.out, /flags=\S*<UP,/)
    r = await w.run('jexec a ifconfig lagg0 -laggport epair1a; jexec a ifconfig lagg0')
    assert.equal(r.status, 0, r.err)
    assert.doesNotMatch(r.out, /epair1a/)
    assert.equal(p1.mac, own)
    assert.equal(p1.tap, null)
  })

  test('bad requests are refused with FreeBSD messages and change nothing', async () => {
    const w = world()
    let r = await w.run(`${PAIR('failover')}
jexec a ifconfig epair create >/dev/null
jexec a ifconfig bridge create >/dev/null
jexec a ifconfig bridge0 addm epair2a`)
    assert.equal(r.status, 0, r.err)
    const cases: Array<[string, RegExp]> = [
      ['jexec a ifconfig lagg0 laggport epair0a', /SIOCSLAGGPORT: File exists/],
      ['jexec a ifconfig lagg0 laggport epair2a', /SIOCSLAGGPORT: Device busy/],
      ['jexec a ifconfig lagg1 create laggport epair0a', /SIOCSLAGGPORT: Device busy/],
      ['jexec a ifconfig lagg0 laggport nosuch0', /SIOCSLAGGPORT: No such file or directory/],
      ['jexec a ifconfig lagg0 laggport lo0', /SIOCSLAGGPORT: Protocol not supported/],
      ['jexec a ifconfig lagg0 -laggport epair2b', /SIOCSLAGGDELPORT: No such file or directory/],
      ['jexec a ifconfig lagg0 laggproto lacp', /SIOCSLAGG: Protocol not supported/],
      ['jexec a ifconfig lagg0 laggproto fast', /Invalid aggregation protocol: fast/],
      ['jexec a ifconfig epair2b laggproto failover', /SIOCSLAGG: Invalid argument/],
    ]
    for (const [cmd, msg] of cases) {
      r = await w.run(cmd)
      assert.equal(r.status, 1, cmd)
      assert.match(r.err, msg, cmd)
    }
    r = await w.run('jexec a ifconfig -l; jexec a ifconfig lagg0')
    assert.match(r.out, /^lo0 epair0a epair1a lagg0 epair2a epair2b bridge0\n/)
    assert.match(
      r.out,
      /laggproto failover lagghash l2,l3,l4\n\tlaggport: epair0a flags=5<MASTER,ACTIVE>\n\tlaggport: epair1a flags=0<>\n\tgroups/,
    )
  })

  test('tap(4) ports have carrier only while their device is open; the lagg follows', async () => {
    const w = world()
    let r = await w.run(`jail -c name=a vnet persist >/dev/null
jexec a ifconfig tap create
jexec a ifconfig tap create
jexec a ifconfig lagg create
jexec a ifconfig lagg0 up laggport tap0 laggport tap1 192.0.2.2/24
jexec a ifconfig tap0; jexec a ifconfig lagg0`)
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /^tap0\ntap1\nlagg0\n/)
    assert.match(
      r.out,
      /tap0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n\toptions=80000<LINKSTATE>\n/,
    )
    assert.match(
      r.out,
      /\tlaggport: tap0 flags=1<MASTER>\n\tlaggport: tap1 flags=0<>\n[\s\S]*\tstatus: no carrier\n/,
    )
    assert.doesNotMatch(r.out, /inet6 fe80::[^\n]*%tap0/)
    // No port with carrier: what the lagg sends is dropped and counted on it.
    const lagg = w.ifp('a', 'lagg0')
    const before = lagg.stats.oerrors
    r = await w.run('jexec a ping -c 1 -t 1 192.0.2.9')
    assert.ok(lagg.stats.oerrors > before)
    // A process opens /dev/tap1: tap1 has carrier, takes over, and the reader gets whole frames.
    const fd = w.sys.attach('a').tunOpen('tap1')
    r = await w.run('jexec a ifconfig lagg0')
    assert.match(
      r.out,
      /\tlaggport: tap0 flags=1<MASTER>\n\tlaggport: tap1 flags=4<ACTIVE>\n[\s\S]*\tstatus: active\n/,
    )
    void w.run('jexec a ping -c 1 -t 1 192.0.2.9')
    const frame = await fd.read(2_000_000_000)
    assert.deepEqual([...frame.subarray(0, 6)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    assert.deepEqual([...frame.subarray(12, 14)], [0x08, 0x06])
    fd.close()
  })
})

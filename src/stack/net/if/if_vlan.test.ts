/**
 * vlan(4) in virtual time, driven as FreeBSD's own tests drive it (ifconfig in vnet jails): tagged
 * pings between jails with the 802.1Q tag on the wire, isolation between VLANs on one wire, Q-in-Q
 * (802.1ad outside 802.1q), `IF.N` names, malformed and unknown tagged frames dropped and counted,
 * configuration errors that change nothing, and a vlan letting go of a parent that is destroyed.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { shellWorld, wiretap } from '../../../testing/shell.js'
import { vlanOf } from './if_vlan.js'

const world = () => shellWorld(7)

const TWO = `
jail -c name=a vnet persist
jail -c name=b vnet persist
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a up
jexec b ifconfig epair0b up
`

describe('vlan(4)', () => {
  test('jails ping over VLAN 42 with the 802.1Q tag on the wire; ifconfig shows the vlan', async () => {
    const w = world()
    let r = await w.run(`${TWO}
v=$(jexec a ifconfig vlan create vlandev epair0a vlan 42)
echo $v
jexec a ifconfig $v 10.0.0.1/24 up
jexec b ifconfig epair0b.42 create
jexec b ifconfig epair0b.42 10.0.0.2/24 up`)
    assert.equal(r.status, 0, r.err)
    assert.equal(r.out.trim().split('\n').pop(), 'vlan0')
    const wire = wiretap(w.ifp('a', 'epair0a'))
    r = await w.run('jexec a ping -c 2 10.0.0.2')
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /2 packets received/)
    const ip = wire.filter((f) => f[16] === 0x08 && f[17] === 0x00)
    assert.ok(ip.length >= 2, 'IPv4 frames left tagged')
    for (const f of ip) assert.deepEqual([...f.subarray(12, 16)], [0x81, 0x00, 0x00, 42])
    r = await w.run('jexec a ifconfig vlan0')
    assert.match(
      r.out,
      /^vlan0: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1500\n\toptions=0\n\tether /,
    )
    assert.match(
      r.out,
      /\tgroups: vlan\n\tvlan: 42 vlanproto: 802.1q vlanpcp: 0 parent interface: epair0a\n\tmedia: Ethernet 10Gbase-T/,
    )
    assert.doesNotMatch(r.out, /hwaddr/)
    // The vlan answers with the parent's MAC.
    assert.equal(w.ifp('a', 'vlan0').mac, w.ifp('a', 'epair0a').mac)
  })

  test('different VLANs on one wire do not reach each other; the unknown tag is counted', async () => {
    const w = world()
    let r = await w.run(`${TWO}
jexec a ifconfig vlan create vlandev epair0a vlan 4 >/dev/null
jexec a ifconfig vlan0 10.0.0.1/24 up
jexec b ifconfig vlan create vlandev epair0b vlan 6 >/dev/null
jexec b ifconfig vlan0 10.0.0.2/24 up`)
    assert.equal(r.status, 0, r.err)
    const before = w.ifp('b', 'epair0b').stats.noproto
    r = await w.run('jexec a ping -c 2 -t 3 10.0.0.2')
    assert.notEqual(r.status, 0)
    assert.match(r.out, /0 packets received/)
    assert.ok(w.ifp('b', 'epair0b').stats.noproto > before, 'frames of VLAN 4 counted as noproto on b')
    // Untagged traffic on the parents is not the vlans' either.
    r = await w.run(`jexec a ifconfig epair0a 10.0.9.1/24
jexec b ifconfig epair0b 10.0.9.2/24
jexec a ping -c 1 10.0.9.2`)
    assert.equal(r.status, 0, r.err)
    assert.equal(w.ifp('b', 'vlan0').stats.ipackets, 0)
  })

  test('Q-in-Q: 802.1q inside 802.1ad, both tags on the wire in order; vlanpcp sets the priority', async () => {
    const w = world()
    let r = await w.run(`${TWO}
o=$(jexec a ifconfig vlan create vlandev epair0a vlan 5 vlanproto 802.1ad)
i=$(jexec a ifconfig vlan create vlandev $o vlan 42 vlanproto 802.1q)
jexec a ifconfig $o up
jexec a ifconfig $i 10.5.42.1/24 up
jexec a ifconfig $o vlanpcp 3
jexec b ifconfig vlan5 create vlandev epair0b vlan 5 vlanproto 802.1ad
jexec b ifconfig vlan5 up
jexec b ifconfig vlan5.42 create vlanproto 802.1q
jexec b ifconfig vlan5.42 10.5.42.2/24 up`)
    assert.equal(r.status, 0, r.err)
    const wire = wiretap(w.ifp('a', 'epair0a'))
    r = await w.run('jexec b ping -c 1 10.5.42.1')
    assert.equal(r.status, 0, r.err)
    const f = wire.find((x) => x[20] === 0x08 && x[21] === 0x00)
    assert.ok(f, 'a double-tagged IPv4 frame')
    // Outer 802.1ad tag, PCP 3, VID 5; inner 802.1Q tag, VID 42.
    assert.deepEqual([...f.subarray(12, 20)], [0x88, 0xa8, 0x60, 5, 0x81, 0x00, 0x00, 42])
    r = await w.run('jexec a ifconfig vlan0')
    assert.match(r.out, /\tvlan: 5 vlanproto: 802.1ad vlanpcp: 3 parent interface: epair0a\n/)
  })

  test('malformed and unclaimed tagged frames are dropped and counted; the vlan keeps working', async () => {
    const w = world()
    let r = await w.run(`${TWO}
jexec a ifconfig epair0a.42 create
jexec a ifconfig epair0a.42 10.0.0.1/24 up
jexec b ifconfig epair0b.42 create
jexec b ifconfig epair0b.42 10.0.0.2/24 up`)
    assert.equal(r.status, 0, r.err)
    const b = w.ifp('b', 'epair0b')
    const mac = b.mac
    const hdr = (len: number, tci: number, tpid = 0x8100): Uint8Array => {
      const f = new Uint8Array(len)
      for (let i = 0; i < 6; i++) f[i] = Math.floor(mac / 256 ** (5 - i)) % 256
      f.set([2, 0, 0, 0, 0, 1], 6)
      f[12] = tpid >>> 8
      f[13] = tpid & 0xff
      if (len >= 16) {
        f[14] = tci >>> 8
        f[15] = tci & 0xff
      }
      return f
    }
    const { ierrors, noproto } = b.stats
    const vlanIn = w.ifp('b', 'epair0b.42').stats.ipackets
    const inject = (f: Uint8Array) => b.receive(w.host.env.pool.copyIn(f))
    inject(hdr(15, 0)) // cut inside the tag
    inject(hdr(17, 42)) // tag but no inner EtherType
    inject(hdr(60, 99)) // a VLAN nobody configured
    inject(hdr(60, 7, 0x88a8)) // 802.1ad, unknown id
    // A microsecond: the run-queue drains, no timer of the stacks (DAD, ND) fires meanwhile.
    await w.sys.nanosleep(1000)
    assert.equal(b.stats.ierrors - ierrors, 2)
    assert.equal(b.stats.noproto - noproto, 2)
    assert.equal(w.ifp('b', 'epair0b.42').stats.ipackets, vlanIn)
    assert.equal(w.host.env.netisr.errors, 0)
    r = await w.run('jexec a ping -c 1 10.0.0.2')
    assert.equal(r.status, 0, r.err)
    // A tagged frame on an interface with no vlans at all is nobody's protocol either.
    const hostEp = (await w.run('ifconfig epair create')).out.trim()
    const h = w.ifp('', hostEp)
    w.sys.ifSetUp(hostEp, true)
    const before = h.stats.noproto
    h.receive(w.host.env.pool.copyIn(hdr(60, 42)))
    await w.sys.nanosleep(1000)
    assert.equal(h.stats.noproto - before, 1)
  })

  test('bad configuration is refused with FreeBSD messages and changes nothing', async () => {
    const w = world()
    let r = await w.run(`${TWO}
jexec a ifconfig vlan create vlandev epair0a vlan 42 >/dev/null
jexec a ifconfig epair create >/dev/null`)
    assert.equal(r.status, 0, r.err)
    const cases: Array<[string, RegExp]> = [
      ['jexec a ifconfig vlan create vlandev epair0a vlan 42', /SIOCIFCREATE2: File exists/],
      ['jexec a ifconfig vlan create vlan 7', /must specify a parent device for vlan create/],
      ['jexec a ifconfig vlan create vlandev epair0a', /must specify a tag for vlan create/],
      ['jexec a ifconfig vlan create vlandev nosuch0 vlan 7', /SIOCIFCREATE2: No such file or directory/],
      ['jexec a ifconfig vlan create vlandev epair0a vlan 4096', /SIOCIFCREATE2: Invalid argument/],
      ['jexec a ifconfig vlan create vlandev epair0a vlan x', /invalid value for vlan/],
      ['jexec a ifconfig vlan create vlandev epair0a vlan 7 vlanproto 802.1x', /invalid value for vlanproto/],
      ['jexec a ifconfig vlan0 vlan 9', /both vlan and vlandev must be specified/],
      ['jexec a ifconfig vlan0 vlan 9 vlandev epair1a', /SIOCSETVLAN: Device busy/],
      ['jexec a ifconfig vlan0 vlanpcp 8', /invalid value for vlanpcp/],
      ['jexec a ifconfig nosuch0.5 create', /SIOCIFCREATE2 \(nosuch0.5\): Device not configured/],
      [
        'jexec a ifconfig epair0a.4000000000 create',
        /SIOCIFCREATE2 \(epair0a.4000000000\): Invalid argument/,
      ],
      ['jexec a ifconfig lo0 vlanpcp 1', /SIOCSVLANPCP: Invalid argument/],
    ]
    for (const [cmd, msg] of cases) {
      r = await w.run(cmd)
      assert.equal(r.status, 1, cmd)
      assert.match(r.err, msg, cmd)
    }
    r = await w.run('jexec a ifconfig -l')
    assert.equal(r.out, 'lo0 epair0a vlan0 epair1a epair1b\n')
    // Changing the tag on the same parent is allowed; -vlandev lets go.
    r = await w.run('jexec a ifconfig vlan0 vlan 43 vlandev epair0a && jexec a ifconfig vlan0')
    assert.match(r.out, /vlan: 43 vlanproto: 802.1q vlanpcp: 0 parent interface: epair0a/)
    r = await w.run('jexec a ifconfig vlan0 -vlandev && jexec a ifconfig vlan0')
    assert.match(r.out, /vlan: 0 vlanproto: 802.1q vlanpcp: 0 parent interface: <none>/)
    assert.equal(w.ifp('a', 'epair0a').vlanTrunk, null)
  })

  test('a vlan loses its parent when the parent is destroyed or leaves the vnet', async () => {
    const w = world()
    let r = await w.run(`ifconfig epair create >/dev/null
ifconfig epair0a.10 create
ifconfig epair0a.10 10.0.0.1/24 up
ifconfig bridge create >/dev/null
ifconfig vlan create vlandev bridge0 vlan 11 >/dev/null
jail -c name=j vnet persist`)
    assert.equal(r.status, 0, r.err)
    // A bridge announces no VLAN_MTU: the vlan's MTU leaves room for the tag.
    assert.equal(w.ifp('', 'vlan0').mtu, 1496)
    assert.equal(w.ifp('', 'epair0a.10').mtu, 1500)
    r = await w.run('ifconfig epair0a vnet j')
    assert.equal(r.status, 0, r.err)
    const sc = vlanOf(w.ifp('', 'epair0a.10'))!
    assert.equal(sc.parent, null)
    r = await w.run('ifconfig bridge0 destroy && ifconfig vlan0')
    assert.match(r.out, /parent interface: <none>/)
    assert.equal(w.host.env.netisr.errors, 0)
  })
})

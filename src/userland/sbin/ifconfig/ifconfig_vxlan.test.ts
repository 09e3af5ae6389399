/**
 * vxlan(4) in one process, over the in-memory underlay: FreeBSD's ifconfig syntax and listing,
 * pings between jails whose vxlan interfaces share nothing but the underlay, learning toward the
 * sender's end point, and a hostile peer's datagrams dropped and counted.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import type { Syscalls } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { vxlanOf } from '../../../stack/net/if/if_vxlan.js'
import { MemUnderlayNet, type UdpUnderlayProvider } from '../../../stack/net/if/vxlan_underlay.js'
import { formatMac, parseIpv4 } from '../../../wire/addr.js'
import { startProcess } from '../../process.js'
import { programs } from '../../programs.js'
import { capture, type RunResult } from '../../testkit.js'

function world(underlay: UdpUnderlayProvider | null = new MemUnderlayNet()) {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1, ...(underlay ? { underlay } : {}) })
  const sys = host.syscalls()
  const run = async (script: string): Promise<RunResult> => {
    const io = capture()
    const status = await startProcess(sys, ['sh', '-c', script], io, { programs }).done
    return { status, out: io.out(), err: io.err() }
  }
  return { host, sys, run }
}

const ip = (s: string): number => parseIpv4(s)!

function sysctl(sys: Syscalls, name: string): number {
  return Number(sys.sysctlGet(name).value)
}

/** Two jails, a and b, each with a vxlan interface (VNI 42) whose underlay peers are each other. */
const TWO = `
ifconfig vxlan0 create vxlanid 42 vxlanlocal 198.18.0.1 vxlanremote 198.18.0.2
ifconfig vxlan1 create vxlanid 42 vxlanlocal 198.18.0.2 vxlanremote 198.18.0.1
jail -c name=a vnet persist
jail -c name=b vnet persist
ifconfig vxlan0 vnet a
ifconfig vxlan1 vnet b
jexec a ifconfig vxlan0 inet 10.0.0.1/24 up
jexec b ifconfig vxlan1 inet 10.0.0.2/24 up
`

describe('vxlan over the in-memory underlay', () => {
  test('two jails ping across; ifconfig shows the vni, end points and learned addresses', async () => {
    const { run, host } = world()
    // IPv6 is enabled on vxlan0 by hand (a new interface starts IFDISABLED) for its link-local.
    const r = await run(`${TWO}jexec a ifconfig vxlan0 inet6 -ifdisabled\njexec a ping -c 2 10.0.0.2`)
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /2 packets transmitted, 2 packets received, 0.0% packet loss/)
    const a = host.allJails().find((j) => j.name === 'a')!
    const mac = formatMac(a.vnet.ifByName('vxlan0')!.mac)
    // The EUI-64 link-local address (RFC 4291 §2.5.1): the MAC's U/L bit inverted, ff:fe in the middle.
    const m = mac.split(':').map((h) => Number.parseInt(h, 16))
    const g = (x: number, y: number) => ((x << 8) | y).toString(16)
    const ll = `fe80::${g(m[0]! ^ 2, m[1]!)}:${g(m[2]!, 0xff)}:${g(0xfe, m[3]!)}:${g(m[4]!, m[5]!)}`
    const show = await run('jexec a ifconfig vxlan0')
    assert.equal(
      show.out,
      [
        'vxlan0: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1450',
        '\toptions=80000<LINKSTATE>',
        `\tether ${mac}`,
        '\tinet 10.0.0.1 netmask 0xffffff00 broadcast 10.0.0.255',
        `\tinet6 ${ll}%vxlan0 prefixlen 64 tentative scopeid 0x2`,
        '\tvxlan vni 42 local 198.18.0.1:4789 remote 198.18.0.2:4789',
        '\tgroups: vxlan',
        '\tmedia: Ethernet autoselect (autoselect <full-duplex>)',
        '\tstatus: active',
        '\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>',
        '',
      ].join('\n'),
    )
    const v = await run('jexec a ifconfig -v vxlan0')
    assert.match(
      v.out,
      /\n\t\tconfig: learning portrange 10000-65535 ttl 64\n\t\tftable: cnt 1 max 2000 timeout 1200\n/,
    )
    // vxlanflush empties the table; the next exchange learns again.
    assert.equal((await run('jexec a ifconfig vxlan0 vxlanflush')).status, 0)
    assert.match((await run('jexec a ifconfig -v vxlan0')).out, /ftable: cnt 0 /)
    assert.equal((await run('jexec b ping -c 1 10.0.0.1')).status, 0)
    assert.match((await run('jexec a ifconfig -v vxlan0')).out, /ftable: cnt 1 /)
  })

  test('a VNI the peer does not have reaches nothing and is counted', async () => {
    const { run, sys } = world()
    const r =
      await run(`${TWO.replace('vxlanid 42 vxlanlocal 198.18.0.2', 'vxlanid 43 vxlanlocal 198.18.0.2')}
jexec a ping -c 1 -t 2 10.0.0.2`)
    assert.notEqual(r.status, 0)
    assert.ok(sysctl(sys, 'net.link.vxlan.stats.unknown_vni') >= 1)
  })

  test('learning: after the first reply, unicast goes only to the end point it came from', async () => {
    const net = new MemUnderlayNet()
    const { run, host } = world(net)
    // a floods to a multicast group that b and c joined; b and c answer a directly.
    const r = await run(`
ifconfig vxlan0 create vxlanid 7 vxlanlocal 198.18.0.1 vxlangroup 239.1.1.1
ifconfig vxlan1 create vxlanid 7 vxlanlocal 198.18.0.2 vxlangroup 239.1.1.1
ifconfig vxlan2 create vxlanid 7 vxlanlocal 198.18.0.3 vxlangroup 239.1.1.1
for j in a b c; do jail -c name=$j vnet persist; done
ifconfig vxlan0 vnet a; ifconfig vxlan1 vnet b; ifconfig vxlan2 vnet c
jexec a ifconfig vxlan0 inet 10.0.0.1/24 up
jexec b ifconfig vxlan1 inet 10.0.0.2/24 up
jexec c ifconfig vxlan2 inet 10.0.0.3/24 up
jexec a ping -c 1 10.0.0.2
sleep 3
jexec a ifconfig vxlan0`)
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /vxlan vni 7 local 198\.18\.0\.1:4789 group 239\.1\.1\.1:4789/)
    const c = host
      .allJails()
      .find((j) => j.name === 'c')!
      .vnet.ifByName('vxlan2')!
    // Taken once IPv6's duplicate address detection (multicast, so flooded to c too) is over.
    const before = c.stats.ipackets
    assert.equal((await run('jexec a ping -c 3 10.0.0.2')).status, 0)
    assert.equal(c.stats.ipackets, before, 'c heard unicast meant for b')
  })
})

describe('vxlan bad input', () => {
  test('truncated, garbage, reserved bits and wrong flags are dropped and counted; the link still works', async () => {
    const net = new MemUnderlayNet()
    const { run, sys, host } = world(net)
    assert.equal((await run(TWO)).status, 0)
    const b = host
      .allJails()
      .find((j) => j.name === 'b')!
      .vnet.ifByName('vxlan1')!
    const ipackets = b.stats.ipackets
    const send = (bytes: number[]) =>
      net.inject(Uint8Array.from(bytes), ip('198.18.9.9'), 5555, ip('198.18.0.2'), 4789)
    send([0x08, 0, 0]) // shorter than the header
    send([0x0c, 0, 0, 0, 0, 0, 42, 0, ...new Array(60).fill(0)]) // a reserved flag bit
    send([0x08, 0, 0, 0, 0, 0, 42, 1, ...new Array(60).fill(0)]) // reserved byte after the VNI
    send([0x00, 0, 0, 0, 0, 0, 42, 0, ...new Array(60).fill(0)]) // I flag clear
    send([0x08, 0, 0, 0, 0, 0, 99, 0, ...new Array(60).fill(0)]) // nobody's VNI
    send([0x08, 0, 0, 0, 0, 0, 42, 0, 1, 2, 3]) // inner frame shorter than an Ethernet header
    for (let i = 0; i < 200; i++)
      send(Array.from({ length: 1 + (i % 40) }, (_, k) => (i * 31 + k * 7) & 0xff))
    assert.ok(sysctl(sys, 'net.link.vxlan.stats.bad_header') >= 4)
    assert.equal(sysctl(sys, 'net.link.vxlan.stats.unknown_vni'), 1 + countUnknown())
    assert.equal(sysctl(sys, 'net.link.vxlan.stats.truncated'), 1)
    assert.equal(b.stats.ipackets, ipackets, 'nothing malformed reached the interface')
    assert.equal((await run('jexec a ping -c 1 10.0.0.2')).status, 0)
  })

  test('a flood of spoofed source MACs fills the table to vxlanmaxaddr and no further', async () => {
    const net = new MemUnderlayNet()
    const { run, host } = world(net)
    assert.equal((await run(TWO)).status, 0)
    assert.equal((await run('jexec b ifconfig vxlan1 vxlanmaxaddr 50')).status, 0)
    for (let i = 0; i < 1000; i++) {
      const f = new Uint8Array(8 + 60)
      f.set([0x08, 0, 0, 0, 0, 0, 42, 0])
      f.set(
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, i >> 16, (i >> 8) & 0xff, i & 0xff, 0x88, 0xb5],
        8,
      )
      net.inject(f, ip('198.18.0.1'), 40000 + i, ip('198.18.0.2'), 4789)
    }
    const sc = vxlanOf(
      host
        .allJails()
        .find((j) => j.name === 'b')!
        .vnet.ifByName('vxlan1')!,
    )!
    assert.equal(sc.table.size, 50)
    assert.equal(sc.ftableNospace, 950)
    assert.match((await run('jexec b ifconfig -v vxlan1')).out, /ftable: cnt 50 max 50 timeout 1200/)
  })
})

/** Among the 200 pseudo-random datagrams, those that pass the header checks with a VNI nobody has. */
function countUnknown(): number {
  let n = 0
  for (let i = 0; i < 200; i++) {
    const b = Array.from({ length: 1 + (i % 40) }, (_, k) => (i * 31 + k * 7) & 0xff)
    if (b.length >= 8 && b[0] === 8 && b[1] === 0 && b[2] === 0 && b[3] === 0 && b[7] === 0) n++
  }
  return n
}

describe('vxlan configuration', () => {
  test("FreeBSD's messages for bad values; nothing is created when a value is bad", async () => {
    const { run, sys } = world()
    const cases: Array<[string, string]> = [
      ['ifconfig vxlan0 create vxlanid 16777216', 'ifconfig: invalid network identifier: 16777216\n'],
      ['ifconfig vxlan0 create vxlanid x', 'ifconfig: invalid network identifier: x\n'],
      ['ifconfig vxlan0 create vxlanlocal 224.0.0.1', 'ifconfig: local address cannot be multicast\n'],
      ['ifconfig vxlan0 create vxlanremote 239.0.0.1', 'ifconfig: remote address cannot be multicast\n'],
      ['ifconfig vxlan0 create vxlangroup 10.0.0.1', 'ifconfig: group address must be multicast\n'],
      [
        'ifconfig vxlan0 create vxlanremote nohost',
        'ifconfig: error in parsing remote address string: Name does not resolve\n',
      ],
      ['ifconfig vxlan0 create vxlanlocalport 65535', 'ifconfig: invalid local port: 65535\n'],
      ['ifconfig vxlan0 create vxlantimeout -1', 'ifconfig: invalid timeout value: -1\n'],
      ['ifconfig vxlan0 create vxlanid', "ifconfig: 'vxlanid' requires argument\n"],
    ]
    for (const [line, err] of cases) {
      const r = await run(line)
      assert.deepEqual([r.status, r.err], [1, err], line)
    }
    assert.deepEqual(
      sys.ifList().map((i) => i.name),
      ['lo0'],
    )
    // A value the kernel refuses (vxlan_check_ftable_timeout) undoes the create.
    const r = await run('ifconfig vxlan0 create vxlantimeout 0')
    assert.deepEqual([r.status, r.err], [1, 'ifconfig: VXLAN_CMD_SET_FTABLE_TIMEOUT: Invalid argument\n'])
    assert.equal(sys.ifList().length, 1)
  })

  test('end points are fixed while running (EBUSY); down, change, up works', async () => {
    const { run } = world()
    assert.equal((await run(TWO)).status, 0)
    const r = await run('jexec a ifconfig vxlan0 vxlanid 5')
    assert.deepEqual([r.status, r.err], [1, 'ifconfig: VXLAN_CMD_SET_VNI: Device busy\n'])
    assert.equal((await run('jexec a ifconfig vxlan0 -vxlanlearn vxlantimeout 60')).status, 0)
    assert.match((await run('jexec a ifconfig -v vxlan0')).out, /config: nolearning .*\n.*timeout 60/)
    assert.equal((await run('jexec a ifconfig vxlan0 down vxlanid 5 up')).status, 1)
    assert.equal((await run('jexec a ifconfig vxlan0 down; jexec a ifconfig vxlan0 vxlanid 5 up')).status, 0)
    assert.match((await run('jexec a ifconfig vxlan0')).out, /vxlan vni 5 /)
  })

  test('without an underlay, or a real one from a jail, the interface is up but never running', async () => {
    const none = world(null)
    const r = await none.run(
      'ifconfig vxlan0 create vxlanid 1 vxlanlocal 198.18.0.1 vxlanremote 198.18.0.2 up; ifconfig vxlan0',
    )
    assert.match(r.out, /flags=8803<UP,BROADCAST,SIMPLEX,MULTICAST>/)
    // A provider standing for the real network: jails may not bind it, nor repoint the host's.
    const mem = new MemUnderlayNet()
    const real: UdpUnderlayProvider = {
      kind: 'udp',
      jailsMayBind: false,
      bind: (...a) => mem.bind(a[0], a[1], a[2]),
    }
    const w = world(real)
    const j = await w.run(`jail -c name=j vnet persist
jexec j ifconfig vxlan0 create vxlanid 1 vxlanlocal 198.18.0.1 vxlanremote 198.18.0.2 up
jexec j ifconfig vxlan0`)
    assert.equal(j.status, 0, j.err)
    assert.doesNotMatch(j.out, /RUNNING/)
    assert.equal(mem.bound, 0)
    const h = await w.run(`ifconfig vxlan1 create vxlanid 1 vxlanlocal 198.18.0.1 vxlanremote 198.18.0.2
ifconfig vxlan1 vnet j
jexec j ifconfig vxlan1 vxlanremote 8.8.8.8`)
    assert.deepEqual([h.status, h.err], [1, 'ifconfig: VXLAN_CMD_SET_REMOTE_ADDR: Operation not permitted\n'])
    const up = await w.run('jexec j ifconfig vxlan1 10.1.0.1/24 up; jexec j ifconfig vxlan1')
    assert.match(up.out, /RUNNING/)
    assert.equal(mem.bound, 1)
    // Lent by the host, yet the jail's root may destroy it (if_clone_destroy uses its home's cloner):
    // the socket is closed with it.
    assert.equal((await w.run('jexec j ifconfig vxlan1 destroy')).status, 0)
    assert.equal(mem.bound, 0)
    assert.equal((await w.run('jail -r j')).status, 0)
    assert.equal(mem.bound, 0)
  })
})

/**
 * bgpd in labs, in virtual time, driven as a user drives it (lab console lines, vtysh, a raw TCP
 * speaker for bad input): two eBGP ASes with an iBGP pair exchange routes and hosts ping across;
 * best-path choice (shorter AS path, local preference); a cut link's session ends at hold-timer
 * expiry and its routes are withdrawn; a malformed UPDATE is answered with a NOTIFICATION; a
 * neighbour past its maximum-prefix is dropped; vtysh's show output.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { AF_INET, SOCK, type SocketFd } from '../../../../host/syscalls.js'
import { type BootedLab, bootLab } from '../../../../testing/lab_console.js'
import { parseIpv4 } from '../../../../wire/addr.js'
import { AS_SEQUENCE, BgpFramer, parseMessage } from '../../../../wire/routing/bgp.js'
import { buildKeepalive, buildOpen, buildUpdates, encodeAttrs } from '../../../../wire/routing/bgp_build.js'

const ip = (s: string): number => parseIpv4(s)!

/**
 * AS 65001: r1 (h1 behind it) and r2, iBGP between them; AS 65002: r3 (h2 behind it), eBGP to
 * both r1 and r2 over their own links; AS 65003: r4 (h4 behind it), eBGP to r2 and to r3.
 */
const LAB = `
name: bgp-lab
nodes:
  h1: { kind: pc, interfaces: [ { name: eth0, address: 10.1.0.10/24 } ], routes: [ { to: default, via: 10.1.0.1 } ] }
  h2: { kind: pc, interfaces: [ { name: eth0, address: 10.2.0.10/24 } ], routes: [ { to: default, via: 10.2.0.1 } ] }
  h4: { kind: pc, interfaces: [ { name: eth0, address: 10.4.0.10/24 } ], routes: [ { to: default, via: 10.4.0.1 } ] }
  r1:
    kind: router
    interfaces: [ { name: eth0, address: 10.1.0.1/24 }, { name: eth1, address: 172.16.12.1/24 }, { name: eth2, address: 172.16.13.1/24 } ]
    bgp:
      as: 65001
      neighbors: [ { address: 172.16.12.2, as: 65001, nextHopSelf: true }, { address: 172.16.13.3, as: 65002 } ]
      networks: [ 10.1.0.0/24 ]
  r2:
    kind: router
    interfaces: [ { name: eth0, address: 172.16.12.2/24 }, { name: eth1, address: 172.16.23.2/24 }, { name: eth2, address: 172.16.24.2/24 } ]
    bgp:
      as: 65001
      neighbors:
        - { address: 172.16.12.1, as: 65001, nextHopSelf: true }
        - { address: 172.16.23.3, as: 65002, timers: { keepalive: 3, hold: 9 } }
        - { address: 172.16.24.4, as: 65003 }
  r3:
    kind: router
    interfaces:
      - { name: eth0, address: 172.16.13.3/24 }
      - { name: eth1, address: 172.16.23.3/24 }
      - { name: eth2, address: 10.2.0.1/24 }
      - { name: eth3, address: 172.16.34.3/24 }
    bgp:
      as: 65002
      neighbors:
        - { address: 172.16.13.1, as: 65001 }
        - { address: 172.16.23.2, as: 65001, timers: { keepalive: 3, hold: 9 } }
        - { address: 172.16.34.4, as: 65003 }
      networks: [ 10.2.0.0/24 ]
  r4:
    kind: router
    interfaces: [ { name: eth0, address: 172.16.24.4/24 }, { name: eth1, address: 10.4.0.1/24 }, { name: eth2, address: 172.16.34.4/24 } ]
    bgp:
      as: 65003
      neighbors: [ { address: 172.16.24.2, as: 65001, maximumPrefix: 50 }, { address: 172.16.34.3, as: 65002 } ]
      networks: [ 10.4.0.0/24 ]
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r1:eth2, b: r3:eth0 }
  - { a: r2:eth1, b: r3:eth1 }
  - { a: r2:eth2, b: r4:eth0 }
  - { a: r3:eth2, b: h2 }
  - { a: r4:eth1, b: h4 }
  - { a: r3:eth3, b: r4:eth2 }
`

type Run = BootedLab

let current: Run | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

async function boot(yaml: string): Promise<Run> {
  current = await bootLab(yaml, 5)
  return current
}

function route(netstat: string, dest: string): string | undefined {
  return netstat.split('\n').find((l) => l.startsWith(`${dest} `))
}

describe('bgpd in a lab', () => {
  test('eBGP and iBGP sessions come up, UG1 routes in netstat, hosts ping across three ASes', async () => {
    const r = await boot(LAB)
    assert.ok(r.settledAt < 60, `settled after ${r.settledAt} s`)
    const ns1 = (await r.line('r1 netstat -rn -f inet')).out
    assert.match(route(ns1, '10.2.0.0/24') ?? '', /^10\.2\.0\.0\/24 +172\.16\.13\.3 +UG1 +eth2$/)
    // r4's network comes to r1 over iBGP with r2 as next hop (next-hop-self).
    assert.match(route(ns1, '10.4.0.0/24') ?? '', /172\.16\.12\.2 +UG1 +eth1/)
    const ns4 = (await r.line('r4 netstat -rn -f inet')).out
    assert.match(route(ns4, '10.1.0.0/24') ?? '', /172\.16\.24\.2 +UG1 +eth0/)
    assert.match(route(ns4, '10.2.0.0/24') ?? '', /172\.16\.34\.3 +UG1 +eth2/)
    for (const [from, to] of [
      ['h1', '10.2.0.10'],
      ['h1', '10.4.0.10'],
      ['h4', '10.2.0.10'],
    ])
      assert.equal((await r.line(`${from} ping -c 1 ${to}`)).status, 0, `${from} -> ${to}`)
    const sum = (await r.line('r2 vtysh -c "show ip bgp summary"')).out
    assert.match(sum, /^BGP router identifier 172\.16\.24\.2, local AS number 65001 vrf-id 0$/m)
    assert.match(sum, /^172\.16\.12\.1 +4 +65001 +\d+ +\d+ +0 +0 +0 \d\d:\d\d:\d\d +\d+ +\d+ N\/A$/m)
    assert.match(sum, /^172\.16\.24\.4 +4 +65003 +\d+ +\d+ +0 +0 +0 \d\d:\d\d:\d\d +2 +\d+ N\/A$/m)
    assert.match(sum, /^Total number of neighbors 3$/m)
    const rt = (await r.line('r1 vtysh -c "show ip route"')).out
    assert.match(rt, /^B>\* 10\.2\.0\.0\/24 \[20\/0\] via 172\.16\.13\.3, eth2, weight 1, \d\d:\d\d:\d\d$/m)
    assert.match(rt, /^B>\* 10\.4\.0\.0\/24 \[200\/0\] via 172\.16\.12\.2, eth1, weight 1, \d\d:\d\d:\d\d$/m)
  })

  test('best path: the shorter AS path wins over a lower router id; local preference beats eBGP', async () => {
    const r = await boot(LAB)
    // r4 hears 10.2.0.0/24 from r3 (65002) and from r2 (65001 65002): r2's router id is the lower one.
    const t4 = (await r.line('r4 vtysh -c "show ip bgp"')).out
    assert.match(t4, /^BGP table version is \d+, local router ID is 172\.16\.34\.4, vrf id 0$/m)
    assert.match(t4, /^ {3}Network {10}Next Hop {12}Metric LocPrf Weight Path$/m)
    assert.match(t4, /^\*> 10\.2\.0\.0\/24 {6}172\.16\.34\.3 {14}0 {13}0 65002 i$/m)
    assert.match(t4, /^\* {19}172\.16\.24\.2 +0 65001 65002 i$/m)
    assert.match(t4, /^\*> 10\.4\.0\.0\/24 {6}0\.0\.0\.0 {18}0 {9}32768 i$/m)
    assert.match(t4, /^Displayed {2}\d+ routes and \d+ total paths$/m)
    assert.match(
      route((await r.line('r4 netstat -rn -f inet')).out, '10.2.0.0/24') ?? '',
      /172\.16\.34\.3 +UG1/,
    )
    // r2 prefers its eBGP path to 10.2.0.0/24 over r1's iBGP one at equal length and preference ...
    const t2 = (await r.line('r2 vtysh -c "show ip bgp"')).out
    assert.match(t2, /^\*> 10\.2\.0\.0\/24 {6}172\.16\.23\.3 {14}0 {13}0 65002 i$/m)
    assert.match(t2, /^\* i {17}172\.16\.12\.1 {14}0 {4}100 {6}0 65002 i$/m)
    // ... until r1 gives its paths LOCAL_PREF 200.
    const set = await r.line(
      'r1 vtysh -c "configure terminal" -c "router bgp 65001" -c "bgp default local-preference 200"',
    )
    assert.equal(set.status, 0, set.out)
    await r.sleep(1)
    const t2b = (await r.line('r2 vtysh -c "show ip bgp"')).out
    assert.match(t2b, /^\*>i10\.2\.0\.0\/24 {6}172\.16\.12\.1 {14}0 {4}200 {6}0 65002 i$/m)
    assert.match(t2b, /^\* {19}172\.16\.23\.3 {14}0 {13}0 65002 i$/m)
    assert.match(
      route((await r.line('r2 netstat -rn -f inet')).out, '10.2.0.0/24') ?? '',
      /172\.16\.12\.1 +UG1 +eth0/,
    )
  })

  test('a cut link: the hold timer expires, routes move to the other path, then come back', async () => {
    const r = await boot(LAB)
    const before = (await r.line('r2 netstat -rn -f inet')).out
    assert.match(route(before, '10.2.0.0/24') ?? '', /172\.16\.23\.3 +UG1 +eth1/)
    // Cut r2—r3 by taking r3's side down: r2 keeps its interface and only the hold timer (9 s) tells.
    await r.line('r3 ifconfig eth1 down')
    await r.sleep(4)
    assert.match(route((await r.line('r2 netstat -rn -f inet')).out, '10.2.0.0/24') ?? '', /172\.16\.23\.3/)
    await r.sleep(8)
    const after = (await r.line('r2 netstat -rn -f inet')).out
    assert.match(route(after, '10.2.0.0/24') ?? '', /172\.16\.12\.1 +UG1 +eth0/)
    const sum = (await r.line('r2 vtysh -c "show ip bgp summary"')).out
    assert.match(sum, /^172\.16\.23\.3 +4 +65002 .* (Active|Connect|Idle|OpenSent) +0 N\/A$/m)
    const nb = (await r.line('r2 vtysh -c "show ip bgp neighbors 172.16.23.3"')).out
    assert.match(nb, /Last reset .*, due to Hold Timer Expired/)
    assert.equal((await r.line('h4 ping -c 1 10.2.0.10')).status, 0)
    await r.line('r3 ifconfig eth1 up')
    await r.sleep(130)
    const back = (await r.line('r2 netstat -rn -f inet')).out
    assert.match(route(back, '10.2.0.0/24') ?? '', /172\.16\.23\.3 +UG1 +eth1/)
  })
})

/** A scripted BGP speaker on h-side: r—probe, where probe is a pc that talks BGP by hand. */
const PROBE = `
name: bgp-probe
nodes:
  r:
    kind: router
    interfaces: [ { name: eth0, address: 192.0.2.1/24 }, { name: eth1, address: 10.9.0.1/24 } ]
    bgp: { as: 65001, neighbors: [ { address: 192.0.2.2, as: 65002, maximumPrefix: 20 } ], networks: [ 10.9.0.0/24 ] }
  probe: { kind: pc, interfaces: [ { name: eth0, address: 192.0.2.2/24 } ] }
links:
  - { a: r:eth0, b: probe:eth0 }
`

async function speaker(
  r: Run,
): Promise<{ fd: SocketFd; read: () => Promise<ReturnType<typeof parseMessage>[]> }> {
  const sys = r.lab.sys('probe')
  const fd = sys.socket(AF_INET, SOCK.STREAM)
  await fd.connect({ addr: ip('192.0.2.1'), port: 179 })
  const f = new BgpFramer()
  return {
    fd,
    async read() {
      const got: ReturnType<typeof parseMessage>[] = []
      for (;;) {
        let d: Uint8Array
        try {
          d = await fd.recv(65536, 0, 2e9)
        } catch {
          return got
        }
        if (d.length === 0) return got
        f.push(d)
        for (let m = f.next(); m !== null; m = f.next())
          if (m instanceof Uint8Array) got.push(parseMessage(m, true))
      }
    },
  }
}

const attrs = (path: number[]) => ({
  origin: 0,
  asPath: [{ type: AS_SEQUENCE as typeof AS_SEQUENCE, asns: path }],
  nextHop: ip('192.0.2.2'),
  med: null,
  localPref: null,
  atomicAggregate: false,
  aggregator: null,
  unknown: [],
})

describe('bgpd and bad input', () => {
  test('a malformed UPDATE gets NOTIFICATION 3/x and the session ends; counted', async () => {
    const r = await boot(PROBE)
    const s = await speaker(r)
    await s.fd.send(buildOpen(65002, 90, ip('192.0.2.2')))
    await s.fd.send(buildKeepalive())
    let got = await s.read()
    assert.ok(got.some((m) => m.ok && m.msg.type === 'open'))
    const upd = buildUpdates([], encodeAttrs(attrs([65002]), true), [{ addr: ip('10.50.0.0'), len: 16 }])[0]!
    await s.fd.send(upd)
    await r.sleep(1)
    assert.match((await r.line('r netstat -rn -f inet')).out, /^10\.50\.0\.0\/16 +192\.0\.2\.2 +UG1/m)
    // A prefix length of 40 in the NLRI: UPDATE Message Error / Invalid Network Field.
    const bad = Uint8Array.from([...upd.slice(0, upd.length - 3), 40, 10, 50])
    bad[16] = bad.length >> 8
    bad[17] = bad.length & 0xff
    await s.fd.send(bad)
    got = await s.read()
    const n = got.find((m) => m.ok && m.msg.type === 'notification')
    assert.ok(n?.ok && n.msg.type === 'notification' && n.msg.code === 3 && n.msg.subcode === 10)
    s.fd.close()
    await r.sleep(1)
    assert.doesNotMatch((await r.line('r netstat -rn -f inet')).out, /^10\.50\.0\.0\/16/m)
    const nb = (await r.line('r vtysh -c "show ip bgp neighbors"')).out
    assert.match(nb, /Malformed messages received 1/)
  })

  test('maximum-prefix: the 21st prefix ends the session with Cease/1 and holds it down', async () => {
    const r = await boot(PROBE)
    const s = await speaker(r)
    await s.fd.send(buildOpen(65002, 90, ip('192.0.2.2')))
    await s.fd.send(buildKeepalive())
    await s.read()
    const nlri = Array.from({ length: 30 }, (_, i) => ({ addr: ip(`10.60.${i}.0`), len: 24 }))
    for (const m of buildUpdates([], encodeAttrs(attrs([65002]), true), nlri)) await s.fd.send(m)
    const got = await s.read()
    const n = got.find((m) => m.ok && m.msg.type === 'notification')
    assert.ok(n?.ok && n.msg.type === 'notification' && n.msg.code === 6 && n.msg.subcode === 1)
    await r.sleep(1)
    assert.doesNotMatch((await r.line('r netstat -rn -f inet')).out, /10\.60\./)
    assert.match((await r.line('r vtysh -c "show ip bgp summary"')).out, /Idle \(PfxCt\)/)
  })
})

describe('bgpd connection collision (RFC 4271 §6.8)', () => {
  test('both sides connect: the connection the higher BGP identifier opened survives, the other gets Cease/7', async () => {
    const r = await boot(PROBE)
    const sys = r.lab.sys('probe')
    const lfd = sys.socket(AF_INET, SOCK.STREAM)
    lfd.bind({ addr: 0, port: 179 })
    lfd.listen(4)
    // r tries again now (clear), while the probe also opens its own connection to r.
    await r.line('r vtysh -c "clear ip bgp 192.0.2.2"')
    const acc = await lfd.accept(5e9)
    const mine = await speaker(r)
    const theirs = acc.fd
    // The probe's identifier (192.0.2.2) is higher than r's (192.0.2.1): the probe's connection wins.
    await theirs.send(buildOpen(65002, 90, ip('192.0.2.2')))
    await mine.fd.send(buildOpen(65002, 90, ip('192.0.2.2')))
    const f = new BgpFramer()
    const onTheirs: ReturnType<typeof parseMessage>[] = []
    for (;;) {
      let d: Uint8Array
      try {
        d = await theirs.recv(65536, 0, 2e9)
      } catch {
        break
      }
      if (d.length === 0) break
      f.push(d)
      for (let m = f.next(); m !== null; m = f.next())
        if (m instanceof Uint8Array) onTheirs.push(parseMessage(m, true))
    }
    const n = onTheirs.find((m) => m.ok && m.msg.type === 'notification')
    assert.ok(
      n?.ok && n.msg.type === 'notification' && n.msg.code === 6 && n.msg.subcode === 7,
      'Cease/7 on the loser',
    )
    await mine.fd.send(buildKeepalive())
    await r.sleep(1)
    const sum = (await r.line('r vtysh -c "show ip bgp summary"')).out
    assert.match(sum, /^192\.0\.2\.2 +4 +65002 .* \d\d:\d\d:\d\d +0 +1 N\/A$/m)
    const nb = (await r.line('r vtysh -c "show ip bgp neighbors"')).out
    assert.match(nb, /^Local host: 192\.0\.2\.1, Local port: 179$/m)
    mine.fd.close()
    theirs.close()
    lfd.close()
  })
})

describe('vtysh with bgpd', () => {
  test("FRR's errors, the running configuration, neighbours and a node without bgpd", async () => {
    const r = await boot(PROBE)
    let x = await r.line('r vtysh -c "configure terminal" -c "router bgp 65009"')
    assert.equal(x.status, 1)
    assert.equal(x.out, '% BGP instance is already running; AS is 65001\n')
    x = await r.line(
      'r vtysh -c "configure terminal" -c "router bgp 65001" -c "neighbor 192.0.2.77 description nobody"',
    )
    assert.equal(x.status, 1)
    assert.equal(x.out, '% Specify remote-as or peer-group commands first\n')
    x = await r.line('r vtysh -c "configure terminal" -c "router bgp 65001" -c "neighbor 192.0.2.2 bogus"')
    assert.equal(x.out, '% Unknown command: neighbor 192.0.2.2 bogus\n')
    x = await r.line(
      'r vtysh -c "configure terminal" -c "router bgp 65001" -c "no synchronization" -c "network 10.8.0.0 mask 255.255.0.0" -c "neighbor 192.0.2.2 description the probe"',
    )
    assert.equal(x.status, 0, x.out)
    const run = (await r.line('r vtysh -c "show running-config"')).out
    assert.match(
      run,
      /^router bgp 65001\n no bgp ebgp-requires-policy\n neighbor 192\.0\.2\.2 remote-as 65002\n neighbor 192\.0\.2\.2 description the probe\n !\n address-family ipv4 unicast\n {2}network 10\.9\.0\.0\/24\n {2}network 10\.8\.0\.0\/16\n {2}neighbor 192\.0\.2\.2 maximum-prefix 20\n exit-address-family\nexit\n/m,
    )
    // 10.8.0.0/16 is not in the routing table: import check keeps it out of the BGP table.
    const t = (await r.line('r vtysh -c "show ip bgp"')).out
    assert.match(t, /^\*> 10\.9\.0\.0\/24 {6}0\.0\.0\.0 {18}0 {9}32768 i$/m)
    assert.doesNotMatch(t, /10\.8\.0\.0/)
    assert.match(
      (await r.line('r vtysh -c "show ip bgp summary"')).out,
      /^192\.0\.2\.2 +4 +65002 .* the probe$/m,
    )
    const nb = (await r.line('r vtysh -c "show ip bgp neighbors 192.0.2.2"')).out
    assert.match(nb, /^BGP neighbor is 192\.0\.2\.2, remote AS 65002, local AS 65001, external link$/m)
    assert.match(nb, /^ {2}BGP state = (Active|Connect)$/m)
    assert.equal(
      (await r.line('r vtysh -c "show ip bgp neighbors 192.0.2.99"')).out,
      '% No such neighbor or address family\n',
    )
    x = await r.line('probe vtysh -c "show ip bgp"')
    assert.equal(x.status, 1)
    assert.equal(x.out, '% bgpd is not running\n')
  })
})

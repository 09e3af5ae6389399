/**
 * ripd and vtysh in labs, in virtual time, driven as a user drives them (lab console lines, the
 * daemon's own UDP datagrams on the wire): a ring of five routers converges and `netstat -rn` shows
 * the learned routes as UG1; a cut link's routes time out at 180 s and traffic takes the other way;
 * split horizon and poisoned reverse as a listener on the LAN hears them; malformed datagrams are
 * counted and change nothing; vtysh's command language, errors and unsupported protocols.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import {
  AF_INET,
  IP_ADD_MEMBERSHIP,
  IPPROTO_IP,
  SOCK,
  type SocketFd,
  type Syscalls,
} from '../../../../host/syscalls.js'
import { type BootedLab, bootLab } from '../../../../testing/lab_console.js'
import { formatIpv4, maskToPrefix, parseIpv4 } from '../../../../wire/addr.js'
import { parseRip, RIP_GROUP } from '../../../../wire/routing/rip.js'

const ip = (s: string): number => parseIpv4(s)!

/** h1 — r1 — r2 — r3 — h2, and the longer way r1 — r4 — r5 — r3. */
const RING = `
name: rip-ring
nodes:
  h1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.10/24 } ], routes: [ { to: default, via: 10.0.1.1 } ] }
  h2: { kind: pc, interfaces: [ { name: eth0, address: 10.0.9.10/24 } ], routes: [ { to: default, via: 10.0.9.1 } ] }
  r1:
    kind: router
    rip: true
    interfaces: [ { name: eth0, address: 10.0.1.1/24 }, { name: eth1, address: 10.0.12.1/24 }, { name: eth2, address: 10.0.14.1/24 } ]
  r2: { kind: router, rip: true, interfaces: [ { name: eth0, address: 10.0.12.2/24 }, { name: eth1, address: 10.0.23.2/24 } ] }
  r3:
    kind: router
    rip: true
    interfaces: [ { name: eth0, address: 10.0.23.3/24 }, { name: eth1, address: 10.0.35.3/24 }, { name: eth2, address: 10.0.9.1/24 } ]
  r4: { kind: router, rip: true, interfaces: [ { name: eth0, address: 10.0.14.4/24 }, { name: eth1, address: 10.0.45.4/24 } ] }
  r5: { kind: router, rip: true, interfaces: [ { name: eth0, address: 10.0.45.5/24 }, { name: eth1, address: 10.0.35.5/24 } ] }
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r1:eth2, b: r4:eth0 }
  - { a: r4:eth1, b: r5:eth0 }
  - { a: r5:eth1, b: r3:eth1 }
  - { a: r3:eth2, b: h2 }
`

/** Two routers and a listener on one LAN; each router has a stub network behind it. */
const LAN = `
name: rip-lan
nodes:
  sw: { kind: switch }
  r1: { kind: router, rip: true, interfaces: [ { name: eth0, address: 10.0.0.1/24 }, { name: eth1, address: 10.0.1.1/24 } ] }
  r2: { kind: router, rip: true, interfaces: [ { name: eth0, address: 10.0.0.2/24 }, { name: eth1, address: 10.0.2.1/24 } ] }
  probe: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.100/24 } ] }
  s1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.10/24 } ], routes: [ { to: default, via: 10.0.1.1 } ] }
  s2: { kind: pc, interfaces: [ { name: eth0, address: 10.0.2.10/24 } ], routes: [ { to: default, via: 10.0.2.1 } ] }
links:
  - { a: r1:eth0, b: sw }
  - { a: r2:eth0, b: sw }
  - { a: probe, b: sw }
  - { a: r1:eth1, b: s1 }
  - { a: r2:eth1, b: s2 }
`

type Run = BootedLab

let current: Run | null = null
afterEach(() => {
  current?.destroy()
  current = null
})

async function boot(yaml: string): Promise<Run> {
  current = await bootLab(yaml, 3)
  return current
}

function route(netstat: string, dest: string): string | undefined {
  return netstat.split('\n').find((l) => l.startsWith(`${dest} `))
}

describe('ripd in a lab', () => {
  test('a ring of five routers converges in virtual seconds; UG1 routes in netstat; pings cross', async () => {
    const r = await boot(RING)
    assert.ok(r.settledAt < 60, `settled after ${r.settledAt} s of virtual time`)
    const ns1 = (await r.line('r1 netstat -rn -f inet')).out
    assert.match(route(ns1, '10.0.9.0/24') ?? '', /^10\.0\.9\.0\/24 +10\.0\.12\.2 +UG1 +eth1$/)
    assert.match(route(ns1, '10.0.45.0/24') ?? '', /10\.0\.14\.4 +UG1 +eth2/)
    const ns5 = (await r.line('r5 netstat -rn')).out
    assert.match(route(ns5, '10.0.1.0/24') ?? '', /10\.0\.45\.4 +UG1 +eth0/)
    const rip = (await r.line('r1 vtysh -c "show ip rip"')).out
    assert.match(rip, /^R\(n\) 10\.0\.9\.0\/24 +10\.0\.12\.2 +3 10\.0\.12\.2 /m)
    assert.match(rip, /^C\(i\) 10\.0\.1\.0\/24 +0\.0\.0\.0 +1 self /m)
    const rt = (await r.line('r1 vtysh -c "show ip route"')).out
    assert.match(rt, /^R>\* 10\.0\.9\.0\/24 \[120\/3\] via 10\.0\.12\.2, eth1, weight 1, \d\d:\d\d:\d\d$/m)
    assert.match(rt, /^C>\* 10\.0\.1\.0\/24 is directly connected, eth0$/m)
    assert.equal((await r.line('h1 ping -c 1 10.0.9.10')).status, 0)
    const all = await r.line('pingall')
    assert.equal(all.status, 0, all.out)
  })

  test('a cut link: its routes time out after 180 s and traffic takes the longer way', async () => {
    const r = await boot(RING)
    assert.equal((await r.line('link r1 r2 down')).status, 0)
    await r.sleep(100)
    // Not yet: RIP knows a neighbour is gone only when its routes time out.
    assert.match(route((await r.line('r1 netstat -rn')).out, '10.0.9.0/24') ?? '', /10\.0\.12\.2 +UG1/)
    await r.sleep(140)
    const ns = (await r.line('r1 netstat -rn')).out
    assert.match(route(ns, '10.0.9.0/24') ?? '', /10\.0\.14\.4 +UG1 +eth2/)
    assert.match(
      (await r.line('r1 vtysh -c "show ip rip"')).out,
      /^R\(n\) 10\.0\.9\.0\/24 +10\.0\.14\.4 +4 /m,
    )
    const ping = await r.line('h1 ping -c 1 10.0.9.10')
    assert.equal(ping.status, 0, ping.out)
    assert.match(ping.out, /ttl=60/, 'four routers on the way')
    // And back: the short way returns once the link does.
    await r.line('link r1 r2 up')
    await r.sleep(40)
    assert.match(route((await r.line('r1 netstat -rn')).out, '10.0.9.0/24') ?? '', /10\.0\.12\.2 +UG1/)
  })
})

/** A socket in the probe's jail that hears RIP on the LAN. */
function listener(sys: Syscalls): SocketFd {
  const fd = sys.socket(AF_INET, SOCK.DGRAM)
  fd.bind({ addr: 0, port: 520 })
  fd.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: RIP_GROUP, interface: ip('10.0.0.100') })
  return fd
}

/** What `from` announced on the LAN during the next `seconds`: prefix -> metric. */
async function heard(
  fd: SocketFd,
  from: string,
  seconds: number,
  sys: Syscalls,
): Promise<Map<string, number>> {
  const got = new Map<string, number>()
  const end = sys.now() + seconds * 1e9
  for (let left = end - sys.now(); left > 0; left = end - sys.now()) {
    let d: Awaited<ReturnType<SocketFd['recvfrom']>>
    try {
      d = await fd.recvfrom(4096, 0, left)
    } catch {
      break
    }
    if (d.from.addr !== ip(from)) continue
    const p = parseRip(d.data)
    assert.ok(p.ok, 'ripd sends well-formed messages')
    assert.equal(p.rip.version, 2)
    for (const e of p.rip.entries) got.set(`${formatIpv4(e.addr)}/${maskToPrefix(e.mask)}`, e.metric)
  }
  return got
}

describe('ripd on the wire', () => {
  test('timers basic takes effect at once: the next update comes at the new interval, not the old', async () => {
    const r = await boot(LAN)
    const sys = r.lab.sys('probe')
    const fd = listener(sys)
    // Just after one of r2's regular updates, so the one the 30 s timer drew is 15-45 s away.
    await heard(fd, '10.0.0.2', 0.001, sys)
    for (;;) {
      const d = await fd.recvfrom(4096, 0, 60e9)
      if (d.from.addr === ip('10.0.0.2')) break
    }
    const t0 = sys.now()
    const set = await r.line("r2 vtysh -c 'configure terminal' -c 'router rip' -c 'timers basic 5 15 10'")
    assert.equal(set.status, 0, set.out)
    const st = (await r.line('r2 vtysh -c "show ip rip status"')).out
    const due = /next due in (\d+) seconds/.exec(st)
    assert.ok(due !== null && Number(due[1]) <= 8, st)
    for (;;) {
      const d = await fd.recvfrom(4096, 0, 60e9)
      if (d.from.addr === ip('10.0.0.2')) break
    }
    // FRR's 5 s +/- 50% from the change.
    assert.ok(sys.now() - t0 <= 7.6e9, `next update ${(sys.now() - t0) / 1e9} s after the change`)
    fd.close()
  })

  test('split horizon: r2 never tells the LAN what it learned there; with poisoned reverse, as 16', async () => {
    const r = await boot(LAN)
    const sys = r.lab.sys('probe')
    const fd = listener(sys)
    const plain = await heard(fd, '10.0.0.2', 40, sys)
    assert.equal(plain.get('10.0.2.0/24'), 1)
    assert.equal(plain.get('10.0.0.0/24'), 1)
    assert.equal(plain.has('10.0.1.0/24'), false, 'learned from r1 on this LAN')
    const set = await r.line(
      "r2 vtysh -c 'configure terminal' -c 'interface eth0' -c 'ip rip split-horizon poisoned-reverse'",
    )
    assert.equal(set.status, 0, set.out)
    const poisoned = await heard(fd, '10.0.0.2', 40, sys)
    assert.equal(poisoned.get('10.0.1.0/24'), 16)
    assert.equal(poisoned.get('10.0.2.0/24'), 1)
    // r1 announces its stub net with metric 1 and has r2's at 2.
    assert.match(route((await r.line('r1 netstat -rn')).out, '10.0.2.0/24') ?? '', /10\.0\.0\.2 +UG1 +eth0/)
    fd.close()
  })

  test('malformed and foreign datagrams are counted and dropped; routes stay', async () => {
    const r = await boot(LAN)
    const sys = r.lab.sys('probe')
    const fd = sys.socket(AF_INET, SOCK.DGRAM)
    fd.bind({ addr: 0, port: 520 })
    let seed = 7
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed & 0xff
    }
    const n = 200
    for (let i = 0; i < n; i++) {
      const junk = Uint8Array.from({ length: 1 + (rand() % 120) }, rand)
      // Half look like responses of the wrong length or version; all go to r2 directly.
      if (i % 2 === 0) {
        junk[0] = 2
        junk[1] = 0
      }
      fd.sendto(junk, { addr: ip('10.0.0.2'), port: 520 })
    }
    // A well-formed response with one bad entry (a loopback route) and one good one.
    const bad = new Uint8Array([
      2, 2, 0, 0, 0, 2, 0, 0, 127, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 192, 168, 77, 0,
      255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    ])
    fd.sendto(bad, { addr: ip('10.0.0.2'), port: 520 })
    await r.sleep(1)
    const status = (await r.line('r2 vtysh -c "show ip rip status"')).out
    const m = /Dropped: (\d+) bad packets, (\d+) bad routes/.exec(status)
    assert.ok(m !== null, status)
    assert.ok(Number(m[1]) >= n / 2, `bad packets ${m[1]}`)
    assert.equal(Number(m[2]), 1)
    assert.match(status, /^ {4}10\.0\.0\.100 +\d+ +1 +120/m)
    // The good entry was learned from the probe; r1's route is untouched.
    const ns = (await r.line('r2 netstat -rn')).out
    assert.match(route(ns, '192.168.77.0/24') ?? '', /10\.0\.0\.100 +UG1/)
    assert.match(route(ns, '10.0.1.0/24') ?? '', /10\.0\.0\.1 +UG1/)
    fd.close()
  })
})

describe('vtysh', () => {
  test('commands by unique prefix, FRR errors, unsupported protocols refused by name', async () => {
    const r = await boot(LAN)
    const cfg = await r.line("r1 vtysh -c 'show running-config'")
    assert.equal(cfg.status, 0)
    assert.match(cfg.out, /^router rip\n network 0\.0\.0\.0\/0\n redistribute connected\nexit\n/m)
    const bad = await r.line("r1 vtysh -c 'conf t' -c 'frobnicate' -c 'router' -c 'sh ip r'")
    assert.equal(bad.status, 1)
    assert.match(bad.out, /^% Unknown command: frobnicate$/m)
    assert.match(bad.out, /^% Command incomplete: router$/m)
    assert.match(bad.out, /^% Ambiguous command: sh ip r$/m)
    const ospf = await r.line(
      "r1 vtysh -c 'conf t' -c 'router ospf' -c ' network 10.0.0.0/8 area 0' -c '!' -c 'router rip' -c 'passive-interface eth1'",
    )
    assert.equal(ospf.status, 1)
    // ospfd exists but does not run on r1: the line is not ripd's, and vtysh says whose it is.
    assert.equal(ospf.out, '% ospfd is not running\n')
    assert.match((await r.line('r1 vtysh -c "show run"')).out, / passive-interface eth1\n/)
    // Interfaces and addresses, as zebra's commands: the kernel gets the address.
    const addr = await r.line("r1 vtysh -c 'conf t' -c 'interface eth1' -c 'ip address 10.0.11.1/24'")
    assert.equal(addr.status, 0, addr.out)
    assert.match((await r.line('r1 ifconfig eth1')).out, /inet 10\.0\.11\.1 netmask 0xffffff00/)
  })

  test('a here-document, write, and -b reading the saved configuration back', async () => {
    const r = await boot(LAN)
    const script = [
      'vtysh <<EOF',
      'configure terminal',
      'router rip',
      ' redistribute static',
      'end',
      'write',
      'EOF',
      'vtysh -b && vtysh -c "show running-config"',
    ].join('\n')
    const out = await r.line(`r2 ${script}`)
    assert.equal(out.status, 0, out.out)
    assert.match(out.out, /Integrated configuration saved to \/usr\/local\/etc\/frr\/frr\.conf\n\[OK\]/)
    assert.match(out.out, / redistribute static\n/)
  })

  test('on a node without ripd: show ip route still works, router rip says ripd is not running', async () => {
    const r = await boot(LAN)
    const rt = await r.line("s1 vtysh -c 'show ip route'")
    assert.equal(rt.status, 0, rt.out)
    assert.match(rt.out, /^C>\* 10\.0\.1\.0\/24 is directly connected, eth0$/m)
    assert.match(rt.out, /^K>\* 0\.0\.0\.0\/0 \[0\/0\] via 10\.0\.1\.1, eth0$/m)
    // IMUNES sets croutes4 before frrboot.sh repeats them as `ip route`: zebra keeps the kernel's
    // route and takes the line (OSPF_RFC.imn's RT5), where route(8) would say File exists.
    await r.line('r1 route add 192.168.1.0/24 10.0.1.2')
    const st = await r.line("r1 vtysh -c 'conf t' -c 'ip route 192.168.1.0/24 10.0.1.2'")
    assert.equal(st.status, 0, st.out)
    assert.match(
      (await r.line("r1 vtysh -c 'show running-config'")).out,
      /^ip route 192\.168\.1\.0\/24 10\.0\.1\.2$/m,
    )
    const rip = await r.line("s1 vtysh -c 'conf t' -c 'router rip'")
    assert.equal(rip.status, 1)
    assert.match(rip.out, /% ripd is not running/)
  })
})

/**
 * ripngd and vtysh in labs, in virtual time, driven as a user drives them (lab console lines, the
 * daemon's own datagrams on the wire): a chain of three routers converges, `netstat -rn -f inet6`
 * shows the learned routes as UG1 via link-local next hops, and hosts ping6 across; a cut link's
 * routes time out, are poisoned, garbage-collected, and traffic takes the other way; a flood of
 * routes stops at the table limit; malformed and foreign datagrams are counted and dropped; vtysh's
 * `show ipv6 ripng [status]`, `show ipv6 route` and running configuration.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import {
  AF_INET6,
  IPPROTO_IPV6,
  IPV6_JOIN_GROUP,
  IPV6_MULTICAST_HOPS,
  IPV6_UNICAST_HOPS,
  SOCK,
  type SocketFd,
  type Syscalls,
} from '../../../../host/syscalls.js'
import { type BootedLab, bootLab } from '../../../../testing/lab_console.js'
import { formatIpv6, in6IsLinkLocal, parseIpv6 } from '../../../../wire/inet6/in6_addr.js'
import {
  emitRipng,
  parseRipng,
  RIPNG_GROUP,
  RipngCommand,
  type RipngRte,
} from '../../../../wire/routing/ripng.js'
import { RIPNG_MAX_ROUTES } from './ripng_rib.js'

const v6 = (s: string): Uint8Array => parseIpv6(s)!

const host6 = (name: string, addr: string, gw: string) =>
  `  ${name}: { kind: pc, interfaces: [ { name: eth0, ipv6: [ ${addr} ] } ], startup: [ "route -q add -inet6 default ${gw}" ] }`

/** h1 — r1 — r2 — r3 — h2, IPv6 only. */
const CHAIN = `
name: ripng-chain
nodes:
${host6('h1', 'fc00:1::10/64', 'fc00:1::1')}
${host6('h2', 'fc00:9::10/64', 'fc00:9::1')}
  r1: { kind: router, ripng: true, interfaces: [ { name: eth0, ipv6: [ fc00:1::1/64 ] }, { name: eth1, ipv6: [ fc00:12::1/64 ] } ] }
  r2: { kind: router, ripng: true, interfaces: [ { name: eth0, ipv6: [ fc00:12::2/64 ] }, { name: eth1, ipv6: [ fc00:23::2/64 ] } ] }
  r3: { kind: router, ripng: true, interfaces: [ { name: eth0, ipv6: [ fc00:23::3/64 ] }, { name: eth1, ipv6: [ fc00:9::1/64 ] } ] }
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r3:eth1, b: h2 }
`

/** The chain, with a longer way round: r1 — r4 — r5 — r3. */
const RING = `
name: ripng-ring
nodes:
${host6('h1', 'fc00:1::10/64', 'fc00:1::1')}
${host6('h2', 'fc00:9::10/64', 'fc00:9::1')}
  r1:
    kind: router
    ripng: true
    interfaces: [ { name: eth0, ipv6: [ fc00:1::1/64 ] }, { name: eth1, ipv6: [ fc00:12::1/64 ] }, { name: eth2, ipv6: [ fc00:14::1/64 ] } ]
  r2: { kind: router, ripng: true, interfaces: [ { name: eth0, ipv6: [ fc00:12::2/64 ] }, { name: eth1, ipv6: [ fc00:23::2/64 ] } ] }
  r3:
    kind: router
    ripng: true
    interfaces: [ { name: eth0, ipv6: [ fc00:23::3/64 ] }, { name: eth1, ipv6: [ fc00:35::3/64 ] }, { name: eth2, ipv6: [ fc00:9::1/64 ] } ]
  r4: { kind: router, ripng: true, interfaces: [ { name: eth0, ipv6: [ fc00:14::4/64 ] }, { name: eth1, ipv6: [ fc00:45::4/64 ] } ] }
  r5: { kind: router, ripng: true, interfaces: [ { name: eth0, ipv6: [ fc00:45::5/64 ] }, { name: eth1, ipv6: [ fc00:35::5/64 ] } ] }
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth0 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r1:eth2, b: r4:eth0 }
  - { a: r4:eth1, b: r5:eth0 }
  - { a: r5:eth1, b: r3:eth1 }
  - { a: r3:eth2, b: h2 }
`

/** Two routers and a probe on one LAN, each router with a stub network behind it. */
const LAN = `
name: ripng-lan
nodes:
  sw: { kind: switch }
  r1: { kind: router, ripng: true, interfaces: [ { name: eth0, ipv6: [ fc00::1/64 ] }, { name: eth1, ipv6: [ fc00:1::1/64 ] } ] }
  r2: { kind: router, ripng: true, interfaces: [ { name: eth0, ipv6: [ fc00::2/64 ] }, { name: eth1, ipv6: [ fc00:2::1/64 ] } ] }
  probe: { kind: pc, interfaces: [ { name: eth0, ipv6: [ fc00::100/64 ] } ] }
  s1: { kind: pc, interfaces: [ { name: eth0, ipv6: [ fc00:1::10/64 ] } ] }
  s2: { kind: pc, interfaces: [ { name: eth0, ipv6: [ fc00:2::10/64 ] } ] }
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
  current = await bootLab(yaml, 5)
  return current
}

function route(netstat: string, dest: string): string | undefined {
  return netstat.split('\n').find((l) => l.startsWith(`${dest} `))
}

/** The link-local address of a node's interface, as netstat prints a next hop on it. */
function linkLocal(sys: Syscalls, ifName: string): string {
  const a = sys.ifGet(ifName).inet6?.find((x) => in6IsLinkLocal(x.addr, 0))
  assert.ok(a !== undefined, `${ifName} has a link-local address`)
  return formatIpv6(a.addr)
}

describe('ripngd in a lab', () => {
  test('a chain of three routers converges; UG1 routes via link-local next hops; ping6 crosses', async () => {
    const r = await boot(CHAIN)
    assert.ok(r.settledAt < 60, `settled after ${r.settledAt} s of virtual time`)
    const r2ll = linkLocal(r.lab.sys('r2'), 'eth0')
    const ns1 = (await r.line('r1 netstat -rn -f inet6')).out
    const learned = route(ns1, 'fc00:9::/64') ?? ''
    assert.match(learned, new RegExp(`^fc00:9::/64 +${r2ll.replace(/\./g, '\\.')}%eth1 +UG1 +eth1$`), ns1)
    assert.match(route(ns1, 'fc00:23::/64') ?? '', /%eth1 +UG1 +eth1/)
    const ns3 = (await r.line('r3 netstat -rn -f inet6')).out
    assert.match(route(ns3, 'fc00:1::/64') ?? '', /^fc00:1::\/64 +fe80::[0-9a-f:]+%eth0 +UG1 +eth0$/)
    const ping = await r.line('h1 ping6 -c 2 fc00:9::10')
    assert.equal(ping.status, 0, ping.out)
    assert.match(ping.out, /hlim=61/, 'three routers on the way')
    const all = await r.line('pingall -6')
    assert.equal(all.status, 0, all.out)

    const rip = (await r.line('r1 vtysh -c "show ipv6 ripng"')).out
    assert.match(rip, /^Codes: R - RIPng, C - connected, S - Static, O - OSPF, B - BGP$/m)
    assert.match(rip, /^ {3}Network {6}Next Hop {22}Via {5}Metric Tag Time$/m)
    assert.match(
      rip,
      new RegExp(`^R\\(n\\) fc00:9::/64\\n {18}${r2ll} +eth1 +3 +0  0[0-2]:\\d\\d$`, 'm'),
      rip,
    )
    assert.match(rip, /^C\(i\) fc00:1::\/64\n {18}:: {26}self {7}1 {4}0 {2}$/m)
    const rt = (await r.line('r1 vtysh -c "show ipv6 route"')).out
    assert.match(rt, /^Codes: K - kernel route, C - connected, S - static, R - RIPng,$/m)
    assert.match(
      rt,
      new RegExp(`^R>\\* fc00:9::/64 \\[120/3\\] via ${r2ll}, eth1, weight 1, \\d\\d:\\d\\d:\\d\\d$`, 'm'),
    )
    assert.match(rt, /^C>\* fc00:1::\/64 is directly connected, eth0$/m)
    const st = (await r.line('r1 vtysh -c "show ipv6 ripng status"')).out
    assert.match(st, /^Routing Protocol is "RIPng"$/m)
    assert.match(st, /^ {2}Sending updates every 30 seconds with \+\/-50%, next due in \d+ seconds$/m)
    assert.match(st, /^ {2}Timeout after 180 seconds, garbage collect after 120 seconds$/m)
    assert.match(st, /^ {4}eth0 {13}1 {5}1 {2}$/m)
    assert.match(st, /^ {2}Routing for Networks:\n {4}::\/0$/m)
    assert.match(st, new RegExp(`^ {4}${r2ll} \\n {15} +0 +0 +120 +\\d\\d:\\d\\d:\\d\\d$`, 'm'), st)
    const cfg = (await r.line('r1 vtysh -c "show running-config"')).out
    assert.match(cfg, /^router ripng\n network ::\/0\n redistribute connected\nexit\n/m)
  })

  test('a cut link: timeout, poison, garbage collection; traffic takes the longer way and back', async () => {
    const r = await boot(RING)
    const viaR2 = /^fc00:9::\/64 +fe80::[0-9a-f:]+%eth1 +UG1 +eth1$/
    assert.match(route((await r.line('r1 netstat -rn -f inet6')).out, 'fc00:9::/64') ?? '', viaR2)
    // r2 loses r3: its route to fc00:9::/64 times out at 180 s and goes out poisoned (metric 16).
    assert.equal((await r.line('link r2 r3 down')).status, 0)
    await r.sleep(100)
    assert.match(route((await r.line('r1 netstat -rn -f inet6')).out, 'fc00:9::/64') ?? '', viaR2)
    await r.sleep(100)
    const r2rip = (await r.line('r2 vtysh -c "show ipv6 ripng"')).out
    // On r2 the dead route is kept for garbage collection with metric 16 (or is replaced by r1's).
    assert.match(r2rip, /^R\(n\) fc00:9::\/64\n +fe80::[0-9a-f:]+ +eth[01] +(16|5) /m, r2rip)
    const ns = (await r.line('r1 netstat -rn -f inet6')).out
    assert.match(route(ns, 'fc00:9::/64') ?? '', /^fc00:9::\/64 +fe80::[0-9a-f:]+%eth2 +UG1 +eth2$/, ns)
    const ping = await r.line('h1 ping6 -c 1 fc00:9::10')
    assert.equal(ping.status, 0, ping.out)
    assert.match(ping.out, /hlim=60/, 'four routers on the way')
    // r2's route to r3's link: deleted 120 s after it timed out (garbage collection).
    await r.sleep(130)
    assert.doesNotMatch(
      (await r.line('r2 vtysh -c "show ipv6 ripng"')).out,
      /fc00:35::\/64\n +fe80::\S+ +eth1 /,
    )
    await r.line('link r2 r3 up')
    await r.sleep(40)
    assert.match(route((await r.line('r1 netstat -rn -f inet6')).out, 'fc00:9::/64') ?? '', viaR2)
  })
})

/** A socket in the probe's jail on RIPng's port, member of ff02::9 on eth0. */
function probeSocket(sys: Syscalls): SocketFd {
  const fd = sys.socket(AF_INET6, SOCK.DGRAM)
  fd.bind({ addr: 0, port: 521, addr6: new Uint8Array(16) })
  fd.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr6: RIPNG_GROUP, ifindex: sys.ifGet('eth0').index })
  return fd
}

/** What `from` announced on the LAN during the next `seconds`: prefix -> metric; and the hop limits. */
async function heard(fd: SocketFd, from: string, seconds: number, sys: Syscalls) {
  const got = new Map<string, number>()
  const hlims = new Set<number>()
  const end = sys.now() + seconds * 1e9
  for (let left = end - sys.now(); left > 0; left = end - sys.now()) {
    let d: Awaited<ReturnType<SocketFd['recvfrom']>>
    try {
      d = await fd.recvfrom(4096, 0, left)
    } catch {
      break
    }
    if (d.from.addr6 === undefined || formatIpv6(d.from.addr6) !== from) continue
    const p = parseRipng(d.data)
    assert.ok(p.ok, 'ripngd sends well-formed messages')
    if (p.ripng.command !== RipngCommand.RESPONSE) continue
    if (d.hlim !== undefined) hlims.add(d.hlim)
    for (const e of p.ripng.rtes) got.set(`${formatIpv6(e.prefix)}/${e.len}`, e.metric)
  }
  return { got, hlims }
}

function response(rtes: RipngRte[]): Uint8Array {
  return emitRipng({ command: RipngCommand.RESPONSE, version: 1, rtes })
}

describe('ripngd on the wire', () => {
  test('updates from the link-local address with hop limit 255; split horizon, then poisoned reverse', async () => {
    const r = await boot(LAN)
    const sys = r.lab.sys('probe')
    const fd = probeSocket(sys)
    const r2 = linkLocal(r.lab.sys('r2'), 'eth0')
    const plain = await heard(fd, r2, 40, sys)
    assert.deepEqual([...plain.hlims], [255])
    assert.equal(plain.got.get('fc00:2::/64'), 1)
    assert.equal(plain.got.get('fc00::/64'), 1)
    assert.equal(plain.got.has('fc00:1::/64'), false, 'learned from r1 on this LAN')
    const set = await r.line(
      "r2 vtysh -c 'configure terminal' -c 'interface eth0' -c 'ipv6 ripng split-horizon poisoned-reverse'",
    )
    assert.equal(set.status, 0, set.out)
    const poisoned = await heard(fd, r2, 40, sys)
    assert.equal(poisoned.got.get('fc00:1::/64'), 16)
    assert.match(
      (await r.line('r2 vtysh -c "show running-config"')).out,
      /^interface eth0\n ipv6 ripng split-horizon poisoned-reverse\nexit\n/m,
    )
    // A request for specific routes is answered with our metrics, 16 for what we do not know.
    const q = sys.socket(AF_INET6, SOCK.DGRAM)
    q.sendto(
      emitRipng({
        command: RipngCommand.REQUEST,
        version: 1,
        rtes: [
          { prefix: v6('fc00:2::'), tag: 0, len: 64, metric: 0 },
          { prefix: v6('fc00:77::'), tag: 0, len: 64, metric: 0 },
        ],
      }),
      { addr: 0, port: 521, addr6: v6('fc00::2') },
    )
    const ans = await q.recvfrom(4096, 0, 5e9)
    const p = parseRipng(ans.data)
    assert.ok(p.ok)
    assert.deepEqual(
      p.ripng.rtes.map((e) => [formatIpv6(e.prefix), e.len, e.metric]),
      [
        ['fc00:2::', 64, 1],
        ['fc00:77::', 64, 16],
      ],
    )
    q.close()
    fd.close()
  })

  test('malformed, foreign and badly sourced datagrams are counted and dropped; routes stay', async () => {
    const r = await boot(LAN)
    const sys = r.lab.sys('probe')
    const fd = sys.socket(AF_INET6, SOCK.DGRAM)
    fd.bind({ addr: 0, port: 521, addr6: new Uint8Array(16) })
    fd.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255)
    fd.setsockopt(IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255)
    const eth0 = sys.ifGet('eth0').index
    const r2ll = v6(linkLocal(r.lab.sys('r2'), 'eth0'))
    let seed = 7
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed & 0xff
    }
    const n = 100
    for (let i = 0; i < n; i++) {
      const junk = Uint8Array.from({ length: 1 + (rand() % 120) }, rand)
      if (i % 2 === 0) {
        junk[0] = 2
        junk[1] = 9
      }
      fd.sendto(junk, { addr: 0, port: 521, addr6: r2ll, scopeId: eth0 })
    }
    // From a global source (§2.4.2: responses come from link-local addresses): dropped.
    const good = response([{ prefix: v6('fc00:66::'), tag: 0, len: 64, metric: 1 }])
    fd.sendto(good, { addr: 0, port: 521, addr6: v6('fc00::2') })
    // A well-formed response with one bad RTE (a link-local prefix) and one good one.
    const mixed = response([
      { prefix: v6('fe80::'), tag: 0, len: 64, metric: 1 },
      { prefix: v6('fc00:77::'), tag: 0, len: 64, metric: 1 },
    ])
    fd.sendto(mixed, { addr: 0, port: 521, addr6: RIPNG_GROUP, scopeId: eth0 })
    // With hop limit 1 (from beyond the link, as far as r2 can tell): dropped.
    fd.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 1)
    fd.sendto(response([{ prefix: v6('fc00:88::'), tag: 0, len: 64, metric: 1 }]), {
      addr: 0,
      port: 521,
      addr6: RIPNG_GROUP,
      scopeId: eth0,
    })
    await r.sleep(1)
    const status = (await r.line('r2 vtysh -c "show ipv6 ripng status"')).out
    const m = /Dropped: (\d+) bad packets, (\d+) bad routes/.exec(status)
    assert.ok(m !== null, status)
    assert.ok(Number(m[1]) >= n / 2 + 2, `bad packets ${m[1]}`)
    assert.equal(Number(m[2]), 1)
    const ns = (await r.line('r2 netstat -rn -f inet6')).out
    assert.match(route(ns, 'fc00:77::/64') ?? '', /fe80::\S+%eth0 +UG1 +eth0/)
    assert.equal(route(ns, 'fc00:66::/64'), undefined)
    assert.equal(route(ns, 'fc00:88::/64'), undefined)
    assert.match(route(ns, 'fc00:1::/64') ?? '', /fe80::\S+%eth0 +UG1 +eth0/)
    fd.close()
  })

  test('a flood of announcements stops at the route limit, counted', async () => {
    const r = await boot(LAN)
    const sys = r.lab.sys('probe')
    const fd = sys.socket(AF_INET6, SOCK.DGRAM)
    fd.bind({ addr: 0, port: 521, addr6: new Uint8Array(16) })
    fd.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255)
    const eth0 = sys.ifGet('eth0').index
    const total = RIPNG_MAX_ROUTES + 500
    for (let base = 0; base < total; base += 72) {
      const rtes: RipngRte[] = []
      for (let i = base; i < Math.min(total, base + 72); i++) {
        const p = new Uint8Array(16)
        p[0] = 0x20
        p[1] = 0x01
        p[2] = (i >> 8) & 0xff
        p[3] = i & 0xff
        rtes.push({ prefix: p, tag: 0, len: 32, metric: 1 })
      }
      fd.sendto(response(rtes), { addr: 0, port: 521, addr6: RIPNG_GROUP, scopeId: eth0 })
      if (base % 720 === 0) await r.sleep(0.01)
    }
    await r.sleep(1)
    const status = (await r.line('r2 vtysh -c "show ipv6 ripng status"')).out
    const m = /(\d+) over the table limit/.exec(status)
    assert.ok(m !== null && Number(m[1]) > 0, status)
    const rip = (await r.line('r2 vtysh -c "show ipv6 ripng"')).out
    const rows = rip.split('\n').filter((l) => /^[RC]\(/.test(l)).length
    assert.equal(rows, RIPNG_MAX_ROUTES)
    fd.close()
  })
})

describe('vtysh and ripngd', () => {
  test('network by interface name and by prefix, errors, and no ripngd', async () => {
    const r = await boot(LAN)
    const bad = await r.line("r1 vtysh -c 'conf t' -c 'router ripng' -c 'network fc00::zz/64'")
    assert.equal(bad.status, 1)
    assert.match(bad.out, /^% Malformed IPv6 prefix: fc00::zz\/64$/m)
    const ok = await r.line("r1 vtysh -c 'conf t' -c 'router ripng' -c 'no network ::/0' -c 'network eth1'")
    assert.equal(ok.status, 0, ok.out)
    const st = (await r.line('r1 vtysh -c "show ipv6 ripng status"')).out
    assert.match(st, /Routing for Networks:\n {4}eth1\n/)
    assert.doesNotMatch(st, /^ {4}eth0 /m)
    const none = await r.line("s1 vtysh -c 'show ipv6 ripng'")
    assert.equal(none.status, 1)
    assert.match(none.out, /% ripngd is not running/)
    const rt = await r.line("s1 vtysh -c 'show ipv6 route'")
    assert.equal(rt.status, 0)
    assert.match(rt.out, /^C>\* fc00:1::\/64 is directly connected, eth0$/m)
  })
})

/** A dual-stack pair: ripd and ripngd on both routers, as IMUNES's `rip 1 ripng 1`. */
const DUAL = `
name: dual
nodes:
  r1:
    kind: router
    rip: true
    ripng: true
    interfaces: [ { name: eth0, address: 10.0.0.1/24, ipv6: [ fc00::1/64 ] }, { name: eth1, address: 10.0.1.1/24, ipv6: [ fc00:1::1/64 ] } ]
  r2:
    kind: router
    rip: true
    ripng: true
    interfaces: [ { name: eth0, address: 10.0.0.2/24, ipv6: [ fc00::2/64 ] }, { name: eth1, address: 10.0.2.1/24, ipv6: [ fc00:2::1/64 ] } ]
  s1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.10/24, ipv6: [ fc00:1::10/64 ] } ] }
links:
  - { a: r1:eth0, b: r2:eth0 }
  - { a: r1:eth1, b: s1 }
`

describe('vtysh with ripd and ripngd', () => {
  test('each show goes to its daemon: show ip route from ripd, show ipv6 route from ripngd', async () => {
    const r = await boot(DUAL)
    const out = await r.line(
      `r1 vtysh -c 'show ip route' -c 'show ipv6 route' -c 'show ip rip' -c 'show ipv6 ripng'`,
    )
    assert.equal(out.status, 0, out.out)
    assert.match(out.out, /^R>\* 10\.0\.2\.0\/24 \[120\/2\] via 10\.0\.0\.2, eth0, weight 1, /m)
    assert.match(out.out, /^R>\* fc00:2::\/64 \[120\/2\] via fe80::[0-9a-f:]+, eth0, weight 1, /m)
    assert.doesNotMatch(out.out, /^K>\* fc00:2::/m)
    assert.match(out.out, /^R\(n\) 10\.0\.2\.0\/24 /m)
    assert.match(out.out, /^R\(n\) fc00:2::\/64$/m)
    const cfg = (await r.line(`r1 vtysh -c 'show running-config'`)).out
    assert.match(cfg, /^router rip\n/m)
    assert.match(cfg, /^router ripng\n/m)
  })
})

/**
 * Fuzzing the data path of live vnets. A seeded Rng (reproducible: the failing frame's index and hex
 * are in the message) takes valid Ethernet / ARP / IPv4 / ICMP / UDP / fragment frames and mutates
 * them — flipped bits, truncation, extension, random length, header-length, fragment and TTL fields,
 * broken or repaired checksums, odd addresses, random EtherTypes, pure noise — and throws over
 * 100,000 of them at every input path: Ethernet input of a router's epair halves (so forwarding,
 * ICMP errors, fragmentation and needfrag run), Ethernet input of an end host, and the loopback path
 * (raw IP into lo0) of the router and of an end host. Virtual time moves in between so ARP and
 * reassembly timers fire mid-stream.
 *
 * Checked: no call throws; the run-queue caught no exception; every frame with a bad IPv4 header
 * (judged independently by the wire layer's Ipv4View) bumps exactly one of ip_input's header
 * counters and every malformed ARP packet bumps arpstat.malformed; the drop counters grow overall;
 * after the timers run out every buffer is back in the pool; and the network still answers ping.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { chainNet } from '../../testing/fixtures.js'
import {
  arpPacket,
  BROADCAST_MAC,
  EtherType,
  ether,
  fixIpv4Checksum,
  fragment,
  IpProto,
  icmpEcho,
  ipv4,
  pattern,
  udp,
} from '../../testing/frames.js'
import { dropSum, ip, type Net, ping } from '../../testing/net.js'
import { MS, SEC } from '../../util/clock.js'
import { Rng } from '../../util/rng.js'
import { readMac } from '../../wire/addr.js'
import { checksum } from '../../wire/checksum.js'
import { IcmpType, icmpFinish, UnreachCode, writeIcmpHeader } from '../../wire/inet/icmp.js'
import { Ipv4Check, Ipv4View } from '../../wire/inet/ipv4.js'
import { ArpOp, ArpView } from '../../wire/link/arp.js'
import { ETHER_HDR_LEN } from '../../wire/link/ethernet.js'
import { toHex } from '../../wire/testkit.js'
import type { Ifnet } from '../net/ifnet.js'
import type { Vnet } from '../net/vnet.js'
import { arp } from './arp/arp.js'
import { ip as ipState } from './ip/ip.js'

const FRAMES = 100_000
const SEED = 0x5eed

/** a (10.0.1.1) -- r (10.0.1.254 | 10.0.2.254, MTU 1280 toward b) -- b (10.0.2.1). */
function build(): Net {
  const net = chainNet(21)
  net.sys('r').ifSetMtu('epair1a', 1280)
  net.sys('b').ifSetMtu('epair1b', 1280)
  net.sys('r').routeAdd({ dst: ip('198.51.100.0'), prefixLen: 24, blackhole: true })
  net.sys('r').routeAdd({ dst: ip('203.0.113.0'), prefixLen: 24, reject: true })
  for (const j of ['a', 'r', 'b']) net.sys(j).sysctlSet('net.inet.ip.fragttl', '3')
  return net
}

interface Path {
  name: string
  ifp: Ifnet
  vnet: Vnet
  /** Ethernet input (frames) or loopback input (bare IPv4 datagrams). */
  ether: boolean
  templates: Uint8Array[]
}

/** An IGMP message with its checksum filled in. */
function igmpMsg(bytes: number[]): Uint8Array {
  const m = Uint8Array.from(bytes)
  const sum = checksum(m, 0, m.length)
  m[2] = sum >>> 8
  m[3] = sum & 0xff
  return m
}

function icmpUnreachQuoting(src: number, dst: number): Uint8Array {
  const quoted = ipv4({
    src: dst,
    dst: src,
    proto: IpProto.UDP,
    payload: udp(dst, src, 40000, 33434, pattern(8)),
  })
  const m = new Uint8Array(8 + 28)
  writeIcmpHeader(m, 0, IcmpType.UNREACH, UnreachCode.PORT, 0)
  m.set(quoted.subarray(0, 28), 8)
  icmpFinish(m, 0, m.length)
  return m
}

/** Valid datagrams from `src` (whose neighbour-facing address is `self`) toward the interesting places. */
function datagrams(src: number, dsts: number[], bcast: number): Uint8Array[] {
  const out: Uint8Array[] = []
  let id = 1
  for (const dst of dsts) {
    out.push(ipv4({ src, dst, proto: IpProto.ICMP, id: id++, payload: icmpEcho(1, id, pattern(24)) }))
    out.push(ipv4({ src, dst, proto: IpProto.ICMP, id: id++, ttl: 1, payload: icmpEcho(1, id, pattern(24)) }))
    out.push(ipv4({ src, dst, proto: IpProto.UDP, id: id++, payload: udp(src, dst, 5000, 7, pattern(12)) }))
    out.push(
      ipv4({ src, dst, proto: IpProto.UDP, id: id++, payload: udp(src, dst, 5000, 7, pattern(12), true) }),
    )
    out.push(ipv4({ src, dst, proto: 253, id: id++, payload: pattern(20) }))
    out.push(
      ipv4({
        src,
        dst,
        proto: IpProto.ICMP,
        id: id++,
        options: new Uint8Array([1, 1, 1, 0]),
        payload: icmpEcho(2, 2),
      }),
    )
    out.push(ipv4({ src, dst, proto: IpProto.ICMP, id: id++, payload: icmpUnreachQuoting(src, dst) }))
    out.push(
      ipv4({
        src,
        dst,
        proto: IpProto.ICMP,
        id: id++,
        payload: icmpEcho(3, 3, pattern(8), IcmpType.ECHO_REPLY),
      }),
    )
    out.push(
      ipv4({ src, dst, proto: IpProto.ICMP, id: id++, df: true, payload: icmpEcho(4, 4, pattern(1300)) }),
    )
    const big = ipv4({ src, dst, proto: IpProto.ICMP, id: id++, payload: icmpEcho(5, 5, pattern(3000)) })
    out.push(...fragment(big, 1024))
  }
  out.push(ipv4({ src, dst: bcast, proto: IpProto.ICMP, payload: icmpEcho(6, 6) }))
  // IGMP: a v3 General Query with Router Alert, a v2 report and a v3 report (igmp_input's paths).
  const ra = new Uint8Array([148, 4, 0, 0])
  const q = igmpMsg([0x11, 100, 0, 0, 0, 0, 0, 0, 2, 125, 0, 1, 10, 0, 0, 9])
  out.push(ipv4({ src, dst: 0xe0000001, proto: IpProto.IGMP, ttl: 1, options: ra, payload: q }))
  const r2 = igmpMsg([0x16, 0, 0, 0, 239, 1, 2, 3])
  out.push(ipv4({ src, dst: 0xef010203, proto: IpProto.IGMP, ttl: 1, options: ra, payload: r2 }))
  const r3 = igmpMsg([0x22, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 239, 1, 2, 3])
  out.push(ipv4({ src, dst: 0xe0000016, proto: IpProto.IGMP, ttl: 1, options: ra, payload: r3 }))
  out.push(
    ipv4({ src, dst: 0xffffffff, proto: IpProto.UDP, payload: udp(src, 0xffffffff, 68, 67, pattern(30)) }),
  )
  return out
}

function paths(net: Net): Path[] {
  const aMac = net.sys('a').ifGet('epair0a').mac!
  const bMac = net.sys('b').ifGet('epair1b').mac!
  const r0 = net.ifp('r', 'epair0b')
  const r1 = net.ifp('r', 'epair1a')
  const b1 = net.ifp('b', 'epair1b')
  const A = ip('10.0.1.1')
  const R0 = ip('10.0.1.254')
  const R1 = ip('10.0.2.254')
  const B = ip('10.0.2.1')
  const far = [ip('192.0.2.7'), ip('198.51.100.7'), ip('203.0.113.7')]
  const arps = (sha: number, spa: number, tpa: number, dst: number) => [
    ether(BROADCAST_MAC, sha, EtherType.ARP, arpPacket(ArpOp.REQUEST, sha, spa, 0, tpa)),
    ether(dst, sha, EtherType.ARP, arpPacket(ArpOp.REPLY, sha, spa, dst, tpa)),
    ether(BROADCAST_MAC, sha, EtherType.ARP, arpPacket(ArpOp.REQUEST, sha, spa, 0, spa)),
    ether(BROADCAST_MAC, sha, EtherType.ARP, arpPacket(ArpOp.REQUEST, sha, spa, 0, spa + 7)),
  ]
  const framed = (dst: number, srcMac: number, ds: Uint8Array[]) =>
    ds.map((d) => ether(dst, srcMac, EtherType.IPV4, d))
  return [
    {
      name: 'router epair (from a)',
      ifp: r0,
      vnet: net.vnet('r'),
      ether: true,
      templates: [
        ...framed(r0.mac, aMac, datagrams(A, [R0, R1, B, ...far], ip('10.0.1.255'))),
        ...arps(aMac, A, R0, r0.mac),
      ],
    },
    {
      name: 'router epair (from b)',
      ifp: r1,
      vnet: net.vnet('r'),
      ether: true,
      templates: [
        ...framed(r1.mac, bMac, datagrams(B, [R1, R0, A, ...far], ip('10.0.2.255'))),
        ...arps(bMac, B, R1, r1.mac),
      ],
    },
    {
      name: 'end host epair',
      ifp: b1,
      vnet: net.vnet('b'),
      ether: true,
      templates: [
        ...framed(b1.mac, r1.mac, datagrams(R1, [B, A], ip('10.0.2.255'))),
        ...arps(r1.mac, R1, B, b1.mac),
      ],
    },
    {
      name: 'router loopback',
      ifp: net.ifp('r', 'lo0'),
      vnet: net.vnet('r'),
      ether: false,
      templates: [
        ...datagrams(ip('127.0.0.1'), [ip('127.0.0.1'), R0, B], ip('127.255.255.255')),
        ...datagrams(R0, [R1], 0),
      ],
    },
    {
      name: 'end host loopback',
      ifp: net.ifp('a', 'lo0'),
      vnet: net.vnet('a'),
      ether: false,
      templates: datagrams(A, [A, ip('127.0.0.1'), B], ip('10.0.1.255')),
    },
  ]
}

const INTERESTING = [0, 0xffffffff, 0xe0000001, 0x7f000001, 0x0a0001fe, 0x0a0002fe, 0x0a000201, 0x0a0001ff]

/** One mutated copy of a template. `ipOff` is where the IPv4 header starts (14 or 0). */
function mutate(rng: Rng, t: Uint8Array, ipOff: number): Uint8Array {
  const r = rng.int(16)
  let f: Uint8Array = t.slice()
  const fix = rng.int(2) === 0
  switch (r) {
    case 0: // leave valid: the stack must keep working on real traffic too
      break
    case 1: {
      const n = 1 + rng.int(8)
      for (let i = 0; i < n; i++) f[rng.int(f.length)]! ^= 1 << rng.int(8)
      break
    }
    case 2:
      f = f.subarray(0, rng.int(f.length))
      break
    case 3: {
      const g = new Uint8Array(f.length + 1 + rng.int(100))
      g.set(f)
      for (let i = f.length; i < g.length; i++) g[i] = rng.int(256)
      f = g
      break
    }
    case 4: // total length
      if (f.length >= ipOff + 4) {
        const v = rng.int(3) === 0 ? rng.int(0x10000) : f.length - ipOff + rng.int(41) - 20
        f[ipOff + 2] = v >>> 8
        f[ipOff + 3] = v
      }
      break
    case 5: // version / header length
      if (f.length > ipOff) f[ipOff] = rng.int(3) === 0 ? rng.int(256) : 0x40 | rng.int(16)
      break
    case 6: // fragment field
      if (f.length >= ipOff + 8) {
        f[ipOff + 6] = rng.int(256)
        f[ipOff + 7] = rng.int(256)
      }
      break
    case 7: // TTL
      if (f.length >= ipOff + 9) f[ipOff + 8] = rng.int(3)
      break
    case 8: // one random header byte
      if (f.length > ipOff) f[ipOff + rng.int(Math.min(24, f.length - ipOff))] = rng.int(256)
      break
    case 9: // transport checksum / first transport bytes
      if (f.length > ipOff + 24) f[ipOff + 20 + rng.int(4)]! ^= 1 + rng.int(255)
      break
    case 10: // source or destination from the interesting set
      if (f.length >= ipOff + 20) {
        const a = INTERESTING[rng.int(INTERESTING.length)]!
        const at = ipOff + (rng.int(2) === 0 ? 12 : 16)
        f[at] = a >>> 24
        f[at + 1] = a >>> 16
        f[at + 2] = a >>> 8
        f[at + 3] = a
      }
      break
    case 11: // EtherType (or, on loopback, the protocol)
      if (ipOff > 0) {
        const types = [0x0800, 0x0806, 0x86dd, 0x8100, rng.int(0x10000)]
        const ty = types[rng.int(types.length)]!
        f[12] = ty >>> 8
        f[13] = ty
      } else if (f.length >= 10) f[9] = rng.int(256)
      break
    case 12: {
      // noise with a believable Ethernet header
      const g = new Uint8Array(rng.int(1600))
      for (let i = 0; i < g.length; i++) g[i] = rng.int(256)
      if (ipOff > 0 && g.length >= 14) g.set(t.subarray(0, 14), 0)
      f = g
      break
    }
    case 13: // destination MAC: broadcast, multicast or someone else
      if (ipOff > 0) {
        const macs = [0xff, 0x01, 0x02]
        f[0] = macs[rng.int(3)]!
      }
      break
    case 14: // ARP fields (htype/ptype/hlen/plen/op) when this is ARP; else flip a byte in the header
      f[ipOff + rng.int(Math.min(8, Math.max(1, f.length - ipOff)))] = rng.int(256)
      break
    default: {
      // several mutations at once
      f = mutate(rng, mutate(rng, f, ipOff), ipOff)
      break
    }
  }
  if (fix && r !== 12 && f.length >= ipOff + 20 && f[ipOff]! >> 4 === 4) {
    const hl = (f[ipOff]! & 0xf) << 2
    if (hl >= 20 && f.length >= ipOff + hl) fixIpv4Checksum(f.subarray(ipOff))
  }
  return f
}

/** Which ipstat counter ip_input must bump for a bad header, per the wire layer; null if the header is fine. */
function expectedHeaderDrop(view: Ipv4View, d: Uint8Array): string | null {
  if (!view.point(d, 0, d.length)) return 'ips_toosmall'
  const c = view.check(true)
  if (c === Ipv4Check.OK) return null
  if (c === Ipv4Check.BAD_VERSION) return 'ips_badvers'
  if (c === Ipv4Check.BAD_HLEN) return 'ips_badhlen'
  if (c === Ipv4Check.BAD_CHECKSUM) return 'ips_badsum'
  if (c === Ipv4Check.BAD_LEN) return view.totalLength >= view.headerLength ? 'ips_tooshort' : 'ips_badlen'
  return 'ips_toosmall'
}

const HEADER_COUNTERS = [
  'ips_toosmall',
  'ips_badvers',
  'ips_badhlen',
  'ips_badsum',
  'ips_tooshort',
  'ips_badlen',
] as const

test(`${FRAMES} mutated frames on every input path: no throw, all counted, no leak, still pings`, async () => {
  const net = build()
  const host = net.host
  const ps = paths(net)
  const rng = new Rng(SEED, 'fuzz')
  const view = new Ipv4View()
  const arpView = new ArpView()
  const dropsBefore = ['a', 'r', 'b'].map((j) => dropSum(net.sys(j)))
  let headerChecked = 0
  let arpChecked = 0
  for (let n = 0; n < FRAMES; n++) {
    const p = ps[n % ps.length]!
    const t = p.templates[rng.int(p.templates.length)]!
    const f = mutate(rng, t, p.ether ? ETHER_HDR_LEN : 0)
    const st = ipState(p.vnet).stats
    const ast = arp(p.vnet).stats
    // Frames that reach ip_input / arp_input unchanged in their header, judged independently.
    const toUs =
      !p.ether ||
      (f.length >= ETHER_HDR_LEN && (f[0]! & 1) === 1) ||
      (f.length >= 6 && readMac(f, 0) === p.ifp.mac)
    // Without a link header the version nibble picks the family: 6 goes to ip6_input.
    const type =
      p.ether && f.length >= ETHER_HDR_LEN
        ? (f[12]! << 8) | f[13]!
        : !p.ether && f.length > 0 && f[0]! >> 4 === 6
          ? 0x86dd
          : 0x0800
    const ipd = p.ether ? f.subarray(ETHER_HDR_LEN) : f
    const wantIp =
      toUs && type === 0x0800 && (!p.ether || f.length >= ETHER_HDR_LEN)
        ? expectedHeaderDrop(view, ipd)
        : null
    const wantArp =
      toUs && p.ether && type === 0x0806 && f.length >= ETHER_HDR_LEN
        ? !arpView.point(ipd, 0, ipd.length) || !arpView.isEthernetIpv4()
        : false
    const before = wantIp === null ? 0 : HEADER_COUNTERS.reduce((s, k) => s + st[k], 0)
    const one = wantIp === null ? 0 : st[wantIp as (typeof HEADER_COUNTERS)[number]]
    const arpDropped = ast.malformed
    try {
      net.inject(p.ifp, f)
    } catch (e) {
      assert.fail(`frame ${n} on ${p.name} threw ${String(e)}: ${toHex(f)}`)
    }
    if (host.env.netisr.errors !== 0)
      assert.fail(`frame ${n} on ${p.name}: ${String(host.env.netisr.lastError)}\n${toHex(f)}`)
    if (wantIp !== null) {
      const k = wantIp as (typeof HEADER_COUNTERS)[number]
      if (st[k] !== one + 1 || HEADER_COUNTERS.reduce((s, c) => s + st[c], 0) !== before + 1)
        assert.fail(`frame ${n} on ${p.name}: expected exactly ${wantIp} + 1\n${toHex(f)}`)
      headerChecked++
    }
    if (wantArp) {
      if (ast.malformed !== arpDropped + 1)
        assert.fail(`frame ${n} on ${p.name}: expected arp malformed + 1\n${toHex(f)}`)
      arpChecked++
    }
    if (n % 2000 === 1999) await net.sleep(200 * MS)
  }
  // Enough of each kind was judged for the oracle checks to mean something.
  assert.ok(headerChecked > FRAMES / 10, `header checks: ${headerChecked}`)
  assert.ok(arpChecked > 100, `arp checks: ${arpChecked}`)
  const dropsAfter = ['a', 'r', 'b'].map((j) => dropSum(net.sys(j)))
  for (let i = 0; i < 3; i++) assert.ok(dropsAfter[i]! > dropsBefore[i]!, `drops grew in vnet ${i}`)
  // Every queue drains once its timers have run: ARP holds, down entries, reassembly.
  await net.sleep(60 * SEC)
  assert.equal(host.env.pool.inUse, 0)
  assert.equal(host.env.netisr.errors, 0)
  // The network still works end to end, through the router, and locally.
  assert.equal((await ping(net.sys('a'), ip('10.0.2.1')))?.type, IcmpType.ECHO_REPLY)
  assert.equal((await ping(net.sys('b'), ip('10.0.1.1'), { size: 3000 }))?.type, IcmpType.ECHO_REPLY)
  assert.equal((await ping(net.sys('r'), ip('127.0.0.1')))?.type, IcmpType.ECHO_REPLY)
  assert.equal((await ping(net.sys('a'), ip('10.0.1.1')))?.type, IcmpType.ECHO_REPLY)
  assert.equal(host.env.netisr.errors, 0)
})

/**
 * The pcap filter compiler: every primitive against frames that should and should not match, the
 * src/dst qualifiers, and/or/not with libpcap's precedence (and/or equal, left to right; not binds
 * tightest), the last-qualifier shorthand, byte tests with named constants, BPF's "a load past the
 * end rejects the packet" rule, DLT_NULL, and compile errors with libpcap's messages.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LinkType } from '../../../wire/pcap/pcap.js'
import { compileFilter, FilterError } from './filter.js'

const A = [10, 0, 1, 2]
const B = [10, 0, 2, 2]
const MAC_A = [2, 0, 0, 0, 0, 0xa]
const MAC_B = [2, 0, 0, 0, 0, 0xb]

function ether(dst: number[], src: number[], type: number, payload: number[]): Uint8Array {
  return Uint8Array.from([...dst, ...src, type >> 8, type & 255, ...payload])
}

function ipv4(
  src: number[],
  dst: number[],
  proto: number,
  l4: number[],
  opts: { ttl?: number; frag?: number } = {},
): number[] {
  const len = 20 + l4.length
  const fo = opts.frag ?? 0
  return [
    0x45,
    0,
    len >> 8,
    len & 255,
    0,
    1,
    fo >> 8,
    fo & 255,
    opts.ttl ?? 64,
    proto,
    0,
    0,
    ...src,
    ...dst,
    ...l4,
  ]
}

const tcp = (sport: number, dport: number, flags: number): number[] => [
  sport >> 8,
  sport & 255,
  dport >> 8,
  dport & 255,
  0,
  0,
  0,
  1,
  0,
  0,
  0,
  0,
  0x50,
  flags,
  0xff,
  0xff,
  0,
  0,
  0,
  0,
]
const udp = (sport: number, dport: number): number[] => [
  sport >> 8,
  sport & 255,
  dport >> 8,
  dport & 255,
  0,
  12,
  0,
  0,
  1,
  2,
  3,
  4,
]
const icmp = (type: number): number[] => [type, 0, 0, 0, 0, 1, 0, 1]
const arp = (spa: number[], tpa: number[]): number[] => [
  0,
  1,
  8,
  0,
  6,
  4,
  0,
  1,
  ...MAC_A,
  ...spa,
  0,
  0,
  0,
  0,
  0,
  0,
  ...tpa,
]

const F = {
  syn: ether(MAC_B, MAC_A, 0x800, ipv4(A, B, 6, tcp(40000, 80, 0x02))),
  synack: ether(MAC_A, MAC_B, 0x800, ipv4(B, A, 6, tcp(80, 40000, 0x12))),
  dns: ether(MAC_B, MAC_A, 0x800, ipv4(A, B, 17, udp(5353, 53), { ttl: 3 })),
  ping: ether(MAC_B, MAC_A, 0x800, ipv4(A, B, 1, icmp(8))),
  pong: ether(MAC_A, MAC_B, 0x800, ipv4(B, A, 1, icmp(0))),
  arp: ether([255, 255, 255, 255, 255, 255], MAC_A, 0x806, arp(A, [10, 0, 1, 1])),
  // A later fragment of a TCP datagram: no ports in it.
  frag: ether(MAC_B, MAC_A, 0x800, ipv4(A, B, 6, tcp(40000, 80, 0x02), { frag: 0x0010 })),
  ip6: ether(MAC_B, MAC_A, 0x86dd, new Array(40).fill(0)),
}
type Name = keyof typeof F

function matches(expr: string): Name[] {
  const f = compileFilter(expr, LinkType.EN10MB)
  return (Object.keys(F) as Name[]).filter((k) => f(F[k], 0, F[k].length))
}

function err(expr: string, linktype: number = LinkType.EN10MB): string {
  try {
    compileFilter(expr, linktype)
  } catch (e) {
    assert.ok(e instanceof FilterError)
    return e.message
  }
  return ''
}

test('protocol primitives', () => {
  assert.deepEqual(matches(''), Object.keys(F))
  assert.deepEqual(matches('ip'), ['syn', 'synack', 'dns', 'ping', 'pong', 'frag'])
  assert.deepEqual(matches('arp'), ['arp'])
  assert.deepEqual(matches('ip6'), ['ip6'])
  assert.deepEqual(matches('tcp'), ['syn', 'synack', 'frag'])
  assert.deepEqual(matches('udp'), ['dns'])
  assert.deepEqual(matches('icmp'), ['ping', 'pong'])
  assert.deepEqual(matches('proto 17'), ['dns'])
  assert.deepEqual(matches('ip proto \\icmp'), ['ping', 'pong'])
  assert.deepEqual(matches('ether proto 0x806'), ['arp'])
  assert.deepEqual(matches('ether broadcast'), ['arp'])
  assert.deepEqual(matches('multicast'), ['arp'])
})

test('host, net, src and dst, ether addresses', () => {
  assert.deepEqual(matches('host 10.0.2.2'), ['syn', 'synack', 'dns', 'ping', 'pong', 'frag'])
  assert.deepEqual(matches('src host 10.0.2.2'), ['synack', 'pong'])
  assert.deepEqual(matches('dst 10.0.2.2'), ['syn', 'dns', 'ping', 'frag'])
  // host matches ARP's addresses too; ip host does not.
  assert.deepEqual(matches('host 10.0.1.1'), ['arp'])
  assert.deepEqual(matches('ip host 10.0.1.1'), [])
  assert.deepEqual(matches('arp dst host 10.0.1.1'), ['arp'])
  assert.deepEqual(matches('src and dst net 10.0.0.0/16'), [
    'syn',
    'synack',
    'dns',
    'ping',
    'pong',
    'arp',
    'frag',
  ])
  assert.deepEqual(matches('dst net 10.0.2.0/24'), ['syn', 'dns', 'ping', 'frag'])
  assert.deepEqual(matches('net 10.0.2'), ['syn', 'synack', 'dns', 'ping', 'pong', 'frag'])
  assert.deepEqual(matches('src net 10.0.2.0 mask 255.255.255.0'), ['synack', 'pong'])
  assert.deepEqual(matches('net 192.168'), [])
  assert.deepEqual(matches('ether src 02:00:00:00:00:0b'), ['synack', 'pong'])
  assert.deepEqual(matches('ether host 02:00:00:00:00:0a and not ip'), ['arp', 'ip6'])
  assert.deepEqual(matches('ether dst ff:ff:ff:ff:ff:ff'), ['arp'])
})

test('ports and port ranges skip later fragments', () => {
  assert.deepEqual(matches('port 80'), ['syn', 'synack'])
  assert.deepEqual(matches('port http'), ['syn', 'synack'])
  assert.deepEqual(matches('tcp dst port 80'), ['syn'])
  assert.deepEqual(matches('udp port 80'), [])
  assert.deepEqual(matches('src port 5353'), ['dns'])
  assert.deepEqual(matches('portrange 50-100'), ['syn', 'synack', 'dns'])
  assert.deepEqual(matches('udp portrange 1-1000'), ['dns'])
  // The shorthand: a bare ID takes the last qualifiers.
  assert.deepEqual(matches('port 53 or 80'), ['syn', 'synack', 'dns'])
  assert.deepEqual(matches('host 10.0.9.9 or 10.0.1.1'), ['arp'])
})

test('and/or are of equal precedence, left to right; not binds tightest; parentheses', () => {
  // (icmp or udp) and src 10.0.2.2: only the echo reply. With and-first precedence it would add dns.
  assert.deepEqual(matches('icmp or udp and src 10.0.2.2'), ['pong'])
  assert.deepEqual(matches('icmp or (udp and src 10.0.2.2)'), ['ping', 'pong'])
  assert.deepEqual(matches('not tcp and ip'), ['dns', 'ping', 'pong'])
  assert.deepEqual(matches('not (tcp or icmp) && ip'), ['dns'])
  assert.deepEqual(matches('! arp || tcp'), ['syn', 'synack', 'dns', 'ping', 'pong', 'frag', 'ip6'])
  assert.deepEqual(matches('arp || ((udp))'), ['dns', 'arp'])
})

test('byte tests, named constants, len, less and greater', () => {
  assert.deepEqual(matches('tcp[13] & 2 != 0'), ['syn', 'synack'])
  assert.deepEqual(matches('tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn|tcp-ack'), ['synack'])
  assert.deepEqual(matches('tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack = 0'), ['syn'])
  assert.deepEqual(matches('icmp[icmptype] == icmp-echo'), ['ping'])
  assert.deepEqual(matches('icmp[icmptype] = icmp-echoreply'), ['pong'])
  assert.deepEqual(matches('ip[8] < 64'), ['dns'])
  assert.deepEqual(matches('ip[2:2] = 32'), ['dns'])
  assert.deepEqual(matches('ether[12:2] = 0x0806'), ['arp'])
  assert.deepEqual(matches('udp[2:2] == 53'), ['dns'])
  assert.deepEqual(matches('(tcp[13] & 0x12) >> 1 == 9'), ['synack'])
  assert.deepEqual(matches('ip[0] & 0xf0 = 4 * 16'), ['syn', 'synack', 'dns', 'ping', 'pong', 'frag'])
  // Frame lengths: TCP and IPv6 54, UDP 46, ICMP and ARP 42.
  assert.deepEqual(matches('len = 46'), ['dns'])
  assert.deepEqual(matches('len > 46 and not tcp'), ['ip6'])
  assert.deepEqual(matches('greater 54'), ['syn', 'synack', 'frag', 'ip6'])
  assert.deepEqual(matches('less 42'), ['ping', 'pong', 'arp'])
  assert.deepEqual(matches('ip and len - 14 == 20 + 8 * 1'), ['ping', 'pong'])
})

test('a load past the end rejects the packet, even under not', () => {
  assert.deepEqual(matches('tcp[100] = 0'), [])
  assert.deepEqual(matches('not tcp[100] = 0'), [])
  assert.deepEqual(matches('tcp[100] = 0 or icmp'), [])
  assert.deepEqual(matches('icmp or tcp[100] = 0'), ['ping', 'pong'])
  // Division by zero rejects too, as BPF's does.
  assert.deepEqual(matches('ip[0] / (ip[1]) = 0'), [])
  // Truncated frames never throw.
  const f = compileFilter(
    'tcp port 80 or host 10.0.0.1 or ether src 1:2:3:4:5:6 or icmp[0] = 8',
    LinkType.EN10MB,
  )
  for (const k of Object.keys(F) as Name[]) for (let n = 0; n < F[k].length; n++) f(F[k], 0, n)
})

test('DLT_NULL (lo0): the address family decides, ether primitives are refused', () => {
  const lo = Uint8Array.from([2, 0, 0, 0, ...ipv4(A, B, 1, icmp(8))])
  const f = compileFilter('icmp and dst 10.0.2.2', LinkType.NULL)
  assert.equal(f(lo, 0, lo.length), true)
  assert.equal(compileFilter('tcp', LinkType.NULL)(lo, 0, lo.length), false)
  // An offset into a larger buffer works the same.
  const buf = new Uint8Array(100)
  buf.set(lo, 37)
  assert.equal(f(buf, 37, lo.length), true)
  assert.equal(
    err('ether host 1:2:3:4:5:6', LinkType.NULL),
    "'ether host' is not supported on link-layer type NULL",
  )
})

test("errors are libpcap's messages", () => {
  const syntax = "can't parse filter expression: syntax error"
  for (const e of [
    'tcp and',
    'host',
    '(tcp',
    'tcp)',
    'port 80 80',
    'and tcp',
    'tcp[13 = 2',
    'ip[0:3] = 1',
    'src or',
  ])
    assert.ok([syntax, 'data size must be 1, 2, or 4'].includes(err(e)), `${e}: ${err(e)}`)
  assert.equal(err('ip[0:3] = 1'), 'data size must be 1, 2, or 4')
  assert.equal(err('host foo'), "unknown host 'foo'")
  assert.equal(err('port 70000'), 'illegal port number 70000 > 65535')
  assert.equal(err('port nosuch'), "unknown port 'nosuch'")
  assert.equal(err('net 10.0.0.1/8'), 'non-network bits set in "10.0.0.1/8"')
  assert.equal(err('vlan 5000'), 'VLAN tag 5000 greater than maximum 4095')
  assert.equal(err('mpls'), "'mpls' filtering is not supported")
  assert.equal(err('tcp host 10.0.0.1'), "'tcp' modifier applied to host")
  assert.equal(err('ether net 10'), "'ether' modifier applied to net")
  assert.equal(err('ether host 10.0.0.1'), "unknown ether host '10.0.0.1'")
  assert.equal(err('tcp'), '')
})

test('vlan [ID]: the tag and its VLAN ID, then the rest of the expression looks inside the tag', () => {
  const echo = ipv4(A, B, 1, [8, 0, 0, 0, 0, 1, 0, 1])
  // 802.1Q: TPID 0x8100, TCI (priority 0, VLAN 4), then the inner EtherType and the packet.
  const tagged = (vid: number, type: number, payload: number[]) =>
    ether(MAC_B, MAC_A, 0x8100, [vid >> 8, vid & 255, type >> 8, type & 255, ...payload])
  const f4 = compileFilter('vlan 4 and icmp', LinkType.EN10MB)
  const run = (f: ReturnType<typeof compileFilter>, p: Uint8Array) => f(p, 0, p.length)
  assert.equal(run(f4, tagged(4, 0x800, echo)), true)
  assert.equal(run(f4, tagged(6, 0x800, echo)), false)
  assert.equal(run(f4, tagged(0x2004, 0x800, echo)), true) // priority bits are not the ID
  assert.equal(run(f4, ether(MAC_B, MAC_A, 0x800, echo)), false)
  assert.equal(run(compileFilter('icmp', LinkType.EN10MB), tagged(4, 0x800, echo)), false)
  assert.equal(run(compileFilter('vlan', LinkType.EN10MB), tagged(9, 0x806, [])), true)
  assert.equal(run(compileFilter('vlan and arp', LinkType.EN10MB), tagged(9, 0x806, [])), true)
  assert.equal(run(compileFilter('vlan and host 10.0.2.2', LinkType.EN10MB), tagged(9, 0x800, echo)), true)
  assert.equal(
    run(compileFilter('vlan 4 and ether proto 0x800', LinkType.EN10MB), tagged(4, 0x800, echo)),
    true,
  )
  // Two tags (802.1ad outer): each vlan steps over one.
  const qinq = ether(MAC_B, MAC_A, 0x88a8, [0, 7, 0x81, 0, 0, 4, 8, 0, ...echo])
  assert.equal(run(compileFilter('vlan 7 and vlan 4 and icmp', LinkType.EN10MB), qinq), true)
  assert.equal(run(compileFilter('vlan 4 and vlan 7', LinkType.EN10MB), qinq), false)
  assert.throws(() => compileFilter('vlan', LinkType.NULL), /no VLAN support for BSD loopback$/)
})

test("icmp6 and ip6 proto: the fixed header's next header, and icmp6[] loads after it", () => {
  const ip6 = (nxt: number, payload: number[]) => [
    0x60,
    0,
    0,
    0,
    0,
    payload.length,
    nxt,
    64,
    ...new Array(15).fill(0),
    1,
    ...new Array(15).fill(0),
    2,
    ...payload,
  ]
  const echo6 = ether(MAC_B, MAC_A, 0x86dd, ip6(58, [128, 0, 0, 0, 0, 1, 0, 1]))
  const udp6 = ether(MAC_B, MAC_A, 0x86dd, ip6(17, [0, 1, 0, 2, 0, 8, 0, 0]))
  const run = (e: string, p: Uint8Array) => compileFilter(e, LinkType.EN10MB)(p, 0, p.length)
  assert.equal(run('icmp6', echo6), true)
  assert.equal(run('icmp6', udp6), false)
  assert.equal(run('icmp', echo6), false)
  assert.equal(run('ip6 proto 17', udp6), true)
  assert.equal(run('ip6 proto udp', echo6), false)
  assert.equal(run('icmp6[0] = 128', echo6), true)
  assert.equal(run('icmp6[0] = 129', echo6), false)
  assert.equal(run('vlan 6 and icmp6', echo6), false)
})

/**
 * IPv6 captures real tools agree with: a routed lab in virtual time runs Neighbor Discovery, ping6
 * (small, fragmented, past a 1280-byte link so the router answers "packet too big", with hop limit
 * 1, to an unroutable and an unanswering address) while `tcpdump -w` records the router's interface;
 * hand-built frames add what the stack does not send itself: TCP and UDP over IPv6 (a first fragment
 * too), a bad checksum, a port unreachable, a parameter problem, hop-by-hop and destination options,
 * MLDv1/v2, router solicitation and advertisement with prefix and MTU options, a redirect, a
 * traffic class and flow label, and "no next header". Then our `tcpdump -r` prints the expected
 * lines, Debian's tcpdump prints the file line for line as ours does (-nn, -n, -v, -vv, -e, -q, -S),
 * and tshark finds nothing malformed. The real-tool parts skip where the tool is not installed.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ROUTED, sh, virtualHost } from '../../../testing/net_lab.js'
import { assertTcpdumpAgrees, have } from '../../../testing/real_tools.js'
import { checksum } from '../../../wire/checksum.js'
import { parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { ipv6PseudoSum } from '../../../wire/inet6/ipv6.js'
import { LinkType, PcapWriter } from '../../../wire/pcap/pcap.js'
import { MemFs } from '../../bin/sh/streams.js'

const A = 'fd00:1::2'
const B = 'fd00:2::2'
const LL_A = 'fe80::a'
const LL_R = 'fe80::1'

function a6(s: string): Uint8Array {
  const a = parseIpv6(s)
  if (a === null) throw new Error(`bad address in test: ${s}`)
  return a
}

/**
 * An Ethernet frame holding IPv6 from src to dst: `exts` are extension headers as [type, bytes
 * after the next-header byte], then the upper layer `nh` with `body`; the upper-layer checksum is
 * computed at `ckAt` in body (unless `badSum`). Class and flow label from `flow` (28 bits).
 */
function frame6(
  src: string,
  dst: string,
  nh: number,
  body: number[],
  o: { exts?: [number, number[]][]; ckAt?: number; hlim?: number; flow?: number; badSum?: boolean } = {},
): Uint8Array {
  const exts = o.exts ?? []
  const extLen = exts.reduce((n, [, b]) => n + 1 + b.length, 0)
  const f = new Uint8Array(14 + 40 + extLen + body.length)
  f.set([0x33, 0x33, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0xa, 0x86, 0xdd])
  const dv = new DataView(f.buffer)
  dv.setUint32(14, (6 << 28) | (o.flow ?? 0))
  dv.setUint16(18, extLen + body.length)
  f[20] = exts.length > 0 ? exts[0]![0] : nh
  f[21] = o.hlim ?? 64
  f.set(a6(src), 22)
  f.set(a6(dst), 38)
  let at = 54
  for (const [i, [, bytes]] of exts.entries()) {
    f[at] = i + 1 < exts.length ? exts[i + 1]![0] : nh
    f.set(bytes, at + 1)
    at += 1 + bytes.length
  }
  f.set(body, at)
  if (o.ckAt !== undefined) {
    const sum = checksum(f, at, body.length, ipv6PseudoSum(a6(src), 0, a6(dst), 0, body.length, nh))
    dv.setUint16(at + o.ckAt, o.badSum === true ? sum ^ 0x5555 : sum)
  }
  return f
}

const be16 = (n: number): number[] => [n >> 8, n & 0xff]
const be32 = (n: number): number[] => [n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]
const addrBytes = (s: string): number[] => [...a6(s)]
/** Ethernet source-/target-link-layer address option (RFC 4861 §4.6.1). */
const lla = (type: number, last: number): number[] => [type, 1, 2, 0, 0, 0, 0, last]

function tcp6(
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  opts: number[],
  data: number[],
): number[] {
  const hl = 20 + opts.length
  return [
    ...be16(sport),
    ...be16(dport),
    ...be32(seq),
    ...be32(ack),
    (hl / 4) << 4,
    flags,
    ...be16(65535),
    0,
    0,
    0,
    0,
    ...opts,
    ...data,
  ]
}

/** The frames the stack does not send on its own (checksums right unless said otherwise). */
function handBuilt(): Uint8Array[] {
  const syn = tcp6(
    40000,
    7000,
    1000,
    0,
    0x02,
    [2, 4, 5, 0x8c, 1, 3, 3, 6, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0],
    [],
  )
  const synAck = tcp6(7000, 40000, 5000, 1001, 0x12, [2, 4, 5, 0xa0, 1, 1, 4, 2], [])
  const data = tcp6(40000, 7000, 1001, 5001, 0x18, [], [...Buffer.from('GET / HTTP/1.0\r\n\r\n')])
  const udp = [...be16(5000), ...be16(6000), ...be16(8 + 5), 0, 0, 1, 2, 3, 4, 5]
  // The datagram a port unreachable quotes: the UDP above, as b sent it.
  const quoted = [...frame6(B, A, 17, udp, { ckAt: 6 }).subarray(14)]
  const rtalert = [0, 5, 2, 0, 0, 1, 0] // hop-by-hop: length 0, router alert (MLD), PadN of 0
  const mld2 = [
    143,
    0,
    0,
    0,
    0,
    0,
    ...be16(2),
    4,
    0,
    0,
    0,
    ...addrBytes('ff02::1:ff00:2'),
    3,
    0,
    ...be16(1),
    ...addrBytes('ff05::1:3'),
    ...addrBytes('fd00:2::9'),
  ]
  const ra = [
    134,
    0,
    0,
    0,
    64,
    0xc8,
    ...be16(1800),
    ...be32(30000),
    ...be32(1000),
    ...lla(1, 1),
    5,
    1,
    0,
    0,
    ...be32(1500),
    3,
    4,
    64,
    0xc0,
    ...be32(86400),
    ...be32(0xffffffff),
    0,
    0,
    0,
    0,
    ...addrBytes('fd00:1::'),
  ]
  const redirect = [137, 0, 0, 0, 0, 0, 0, 0, ...addrBytes(LL_R), ...addrBytes(B), ...lla(2, 1)]
  const paramProb = [4, 1, 0, 0, ...be32(40), ...quoted.slice(0, 48)]
  return [
    frame6(A, B, 6, syn, { ckAt: 16 }),
    frame6(B, A, 6, synAck, { ckAt: 16, flow: 0x2812345 }),
    frame6(A, B, 6, data, { ckAt: 16 }),
    frame6(B, A, 17, udp, { ckAt: 6 }),
    frame6(B, A, 17, udp, { ckAt: 6, badSum: true }),
    frame6(A, B, 58, [1, 4, 0, 0, 0, 0, 0, 0, ...quoted], { ckAt: 2 }),
    frame6(A, B, 58, paramProb, { ckAt: 2 }),
    frame6(LL_A, 'ff02::16', 58, mld2, { exts: [[0, rtalert]], ckAt: 2, hlim: 1 }),
    frame6(LL_A, 'ff02::1:ff00:2', 58, [131, 0, 0, 0, 0, 0, 0, 0, ...addrBytes('ff02::1:ff00:2')], {
      exts: [[0, rtalert]],
      ckAt: 2,
      hlim: 1,
    }),
    frame6(
      LL_R,
      'ff02::1',
      58,
      [130, 0, 0, 0, ...be16(10000), 0, 0, ...be32(0), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 125, 0, 0],
      { exts: [[0, rtalert]], ckAt: 2, hlim: 1 },
    ),
    frame6(LL_A, 'ff02::2', 58, [133, 0, 0, 0, 0, 0, 0, 0, ...lla(1, 0xa)], { ckAt: 2, hlim: 255 }),
    frame6(LL_R, 'ff02::1', 58, ra, { ckAt: 2, hlim: 255 }),
    frame6(LL_R, A, 58, redirect, { ckAt: 2, hlim: 255 }),
    frame6(A, B, 17, udp, { exts: [[60, [0, 1, 4, 0, 0, 0, 0]]], ckAt: 6 }),
    // A first fragment of a TCP segment, then "no next header".
    frame6(A, B, 6, syn, { exts: [[44, [0, 0, 1, 0, 0, 0, 7]]] }),
    frame6(A, B, 59, [], { flow: 0xb800000 }),
  ]
}

/** Runs the lab and returns the pcap of the router's epair0b (with the hand-built frames appended). */
async function scenario(): Promise<Uint8Array> {
  const host = virtualHost()
  const fs = new MemFs()
  const r = await sh(
    host,
    `${ROUTED}
jexec a ifconfig epair0a inet6 ${A}/64
jexec r ifconfig epair0b inet6 fd00:1::1/64
jexec r ifconfig epair1a inet6 fd00:2::1/64
jexec b ifconfig epair1b inet6 ${B}/64
jexec a route -6 add default fd00:1::1 > /dev/null
jexec b route -6 add default fd00:2::1 > /dev/null
jexec r sysctl net.inet6.ip6.forwarding=1 > /dev/null
jexec r ifconfig epair1a mtu 1280
sleep 3
jexec r tcpdump -i epair0b -w /cap.pcap 2> /dev/null &
sleep 1
jexec a ping -6 -c 1 ${B} > /dev/null
jexec a ping -6 -c 1 -s 3000 ${B} > /dev/null
jexec a ping -6 -c 1 -m 1 ${B} > /dev/null
jexec a ping -6 -c 1 fd00:9::9 > /dev/null
jexec a ping -6 -c 1 -s 1400 ${B} > /dev/null
sleep 2
kill %1
wait`,
    fs,
  )
  assert.equal(r.status, 0, r.err)
  const base = Uint8Array.from(fs.read('/cap.pcap')!, (c) => c.charCodeAt(0))
  const w = new PcapWriter(LinkType.EN10MB)
  const extra = handBuilt().map((x, i) => w.record(9e9 + i * 1e6, x, 0, x.length, x.length))
  const out = new Uint8Array(base.length + extra.reduce((n, x) => n + x.length, 0))
  out.set(base)
  let at = base.length
  for (const x of extra) {
    out.set(x, at)
    at += x.length
  }
  return out
}

const capture = scenario()

async function ours(flags: string): Promise<string> {
  const pcap = await capture
  const fs = new MemFs()
  fs.truncate('/f')
  fs.append('/f', String.fromCharCode(...pcap))
  const out = await sh(virtualHost(), `tcpdump ${flags} -r /f`, fs)
  assert.equal(out.status, 0, out.err)
  return out.out
}

test('tcpdump -r: IPv6, ICMPv6, ND, MLD, TCP and UDP over IPv6 in tcpdump 4.99 format', async () => {
  const got = (await ours('-nn -t')).split('\n')
  const expect = [
    /^IP6 fd00:1::2 > ff02::1:ff00:1: ICMP6, neighbor solicitation, who has fd00:1::1, length 32$/,
    /^IP6 fd00:1::1 > fd00:1::2: ICMP6, neighbor advertisement, tgt is fd00:1::1, length 32$/,
    /^IP6 fd00:1::2 > fd00:2::2: ICMP6, echo request, id \d+, seq 0, length 16$/,
    /^IP6 fd00:2::2 > fd00:1::2: ICMP6, echo reply, id \d+, seq 0, length 16$/,
    /^IP6 fd00:1::2 > fd00:2::2: frag \(0\|1448\) ICMP6, echo request, id \d+, seq 0, length 1448$/,
    /^IP6 fd00:1::1 > fd00:1::2: ICMP6, packet too big, mtu 1280, length 1240$/,
    /^IP6 fd00:1::2 > fd00:2::2: frag \(1448\|1448\)$/,
  ]
  for (const [i, re] of expect.entries()) assert.match(got[i]!, re, `line ${i + 1}`)
  const text = got.join('\n')
  for (const re of [
    /^IP6 fd00:1::1 > fd00:1::2: ICMP6, time exceeded in-transit for fd00:2::2, length 64$/m,
    /^IP6 fd00:1::1 > fd00:1::2: ICMP6, destination unreachable, unreachable route fd00:9::9, length 64$/m,
    /^IP6 fd00:1::2\.40000 > fd00:2::2\.7000: Flags \[S\], seq 1000, win 65535, options \[mss 1420,nop,wscale 6,sackOK,TS val 1 ecr 0\], length 0$/m,
    /^IP6 fd00:2::2\.7000 > fd00:1::2\.40000: Flags \[S\.\], seq 5000, ack 1001, win 65535, options \[mss 1440,nop,nop,sackOK\], length 0$/m,
    /^IP6 fd00:1::2\.40000 > fd00:2::2\.7000: Flags \[P\.\], seq 1:19, ack 1, win 65535, length 18$/m,
    /^IP6 fd00:2::2\.5000 > fd00:1::2\.6000: UDP, length 5$/m,
    /^IP6 fd00:1::2 > fd00:2::2: ICMP6, destination unreachable, unreachable port, fd00:1::2 udp port 6000, length 61$/m,
    /^IP6 fd00:1::2 > fd00:2::2: ICMP6, parameter problem, next header - octet 40, length 56$/m,
    /^IP6 fe80::a > ff02::16: HBH ICMP6, multicast listener report v2, 2 group record\(s\), length 64$/m,
    // tcpdump 4.99 prints MLDv1 with no space after the type name.
    /^IP6 fe80::a > ff02::1:ff00:2: HBH ICMP6, multicast listener reportmax resp delay: 0 addr: ff02::1:ff00:2, length 24$/m,
    /^IP6 fe80::1 > ff02::1: HBH ICMP6, multicast listener query v2 \[gaddr ::\], length 28$/m,
    /^IP6 fe80::a > ff02::2: ICMP6, router solicitation, length 16$/m,
    /^IP6 fe80::1 > ff02::1: ICMP6, router advertisement, length 64$/m,
    /^IP6 fe80::1 > fd00:1::2: ICMP6, redirect, fd00:2::2 to fe80::1, length 48$/m,
    // Past an extension header TCP and UDP print their ports alone: the addresses came first.
    /^IP6 fd00:1::2 > fd00:2::2: DSTOPT 5000 > 6000: UDP, length 5$/m,
    /^IP6 fd00:1::2 > fd00:2::2: frag \(0\|40\) 40000 > 7000: Flags \[S\], seq 1000/m,
    /^IP6 fd00:1::2 > fd00:2::2: no next header$/m,
  ])
    assert.match(text, re)
})

test('tcpdump -r -vv: the header line, checksums, ND options with their bytes, MLDv2 records', async () => {
  const text = await ours('-nn -t -vv')
  for (const re of [
    /^IP6 \(hlim 255, next-header ICMPv6 \(58\) payload length: 32\) fd00:1::2 > ff02::1:ff00:1: \[icmp6 sum ok\] ICMP6, neighbor solicitation, length 32, who has fd00:1::1\n\t {2}source link-address option \(1\), length 8 \(1\): 02(:[0-9a-f]{2}){5}\n\t {4}0x0000: {2}02/m,
    /^IP6 \(class 0x28, flowlabel 0x12345, hlim 64, next-header TCP \(6\) payload length: 28\) fd00:2::2\.7000 > fd00:1::2\.40000: Flags \[S\.\], cksum 0x[0-9a-f]{4} \(correct\)/m,
    /fd00:2::2\.5000 > fd00:1::2\.6000: \[udp sum ok\] UDP, length 5$/m,
    /fd00:2::2\.5000 > fd00:1::2\.6000: \[bad udp cksum 0x[0-9a-f]{4} -> 0x[0-9a-f]{4}!\] UDP, length 5$/m,
    /HBH \(rtalert: 0x0000\) \(padn\) \[icmp6 sum ok\] ICMP6, multicast listener report v2, 2 group record\(s\) \[gaddr ff02::1:ff00:2 to_ex \{ \}\] \[gaddr ff05::1:3 to_in \{ fd00:2::9 \}\]$/m,
    /multicast listener query v2 \[max resp delay=10000\] \[gaddr :: robustness=2 qqi=125\]$/m,
    /router advertisement, length 64\n\thop limit 64, Flags \[managed, other stateful\], pref high, router lifetime 1800s, reachable time 30000ms, retrans timer 1000ms\n\t {2}source link-address option \(1\), length 8 \(1\): 02:00:00:00:00:01\n\t {4}0x0000: {2}0200 0000 0001\n\t {2}mtu option \(5\), length 8 \(1\): {2}1500\n\t {4}0x0000: {2}0000 0000 05dc\n\t {2}prefix info option \(3\), length 32 \(4\): fd00:1::\/64, Flags \[onlink, auto\], valid time 86400s, pref\. time infinity/m,
    /DSTOPT \(padn\) 5000 > 6000: \[udp sum ok\] UDP, length 5$/m,
    /frag \(0x00000007:0\|40\) 40000 > 7000: Flags \[S\]/m,
  ])
    assert.match(text, re)
})

test('Debian tcpdump prints our IPv6 pcap line for line as ours does', async (t) => {
  if (!have('tcpdump')) return t.skip('tcpdump is not installed (apt-get install tcpdump)')
  await assertTcpdumpAgrees(await capture, ours)
})

test('tshark reads the IPv6 pcap with nothing malformed and every checksum but the spoiled one good', async (t) => {
  if (!have('tshark')) return t.skip('tshark is not installed (apt-get install tshark)')
  const pcap = await capture
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-cap6-'))
  try {
    const f = join(dir, 'v6.pcap')
    writeFileSync(f, pcap)
    const run = (...args: string[]) =>
      execFileSync('tshark', ['-r', f, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
    assert.equal(run('-Y', '_ws.malformed'), '')
    const names = ['ipv6.nxt', 'icmpv6.checksum.status', 'tcp.checksum.status', 'udp.checksum.status']
    const rows = run(
      ...['-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'],
      ...['-T', 'fields', '-E', 'separator=;', ...names.flatMap((n) => ['-e', n])],
    )
      .trim()
      .split('\n')
      .map((l) => l.split(';'))
    const bad = rows.filter((r) => r.slice(1).some((v) => v.split(',').includes('0')))
    // Only the UDP datagram whose checksum was spoiled on purpose.
    assert.equal(bad.length, 1, rows.map((r) => r.join(';')).join('\n'))
    assert.equal(bad[0]![3], '0')
  } finally {
    rmSync(dir, { recursive: true })
  }
})

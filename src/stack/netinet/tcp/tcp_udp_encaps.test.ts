/**
 * TCP over UDP per connection (TCP_REMOTE_UDP_ENCAPS_PORT, t_port) between two vnet jails through
 * the syscall boundary: the client asks for the peer's tunnel port, the server only has
 * net.inet.tcp.udp_tunneling_port set and takes the port from the tunnelled SYN; every frame on the
 * wire both ways is UDP between the tunneling ports with a valid UDP checksum and a zero TCP one,
 * the data arrives intact, and the MSS leaves room for the UDP header. IPv4 and IPv6. Also the
 * option's errors as tcp_default_ctloutput returns them, and the packetdrill scripts written for
 * these tests (active and passive open, a plain segment refused with an RST).
 */

import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import {
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  SOCK,
  type Syscalls,
  TCP_MAXSEG,
  TCP_REMOTE_UDP_ENCAPS_PORT,
} from '../../../host/syscalls.js'
import { runInFreshHost } from '../../../platform/node/cli/packetdrill.js'
import { netisrGuard, pairNet } from '../../../testing/fixtures.js'
import { counter, errnoOf, ip } from '../../../testing/net.js'
import { addr6, ip6 } from '../../../testing/net6.js'
import { wiretap } from '../../../testing/shell.js'
import { pattern, readAll, sha256 } from '../../../testing/tcp_lab.js'
import { MS, SEC } from '../../../util/clock.js'
import { readU16 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import { ipv4PseudoHeaderSum } from '../../../wire/inet/ipv4.js'
import { ipv6PseudoSum } from '../../../wire/inet6/ipv6.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const B = ip('10.0.0.2')
const ETH = 14

/** What one captured frame is: 'udp sport>dport csum-ok tcp-sum-zero' or its protocol. */
function describeFrame(f: Uint8Array): string {
  const et = readU16(f, 12)
  if (et === 0x0800) {
    const hl = (f[ETH]! & 0xf) << 2
    const proto = f[ETH + 9]!
    if (proto !== 17) return `ipv4 proto ${proto}`
    const u = ETH + hl
    const ulen = readU16(f, u + 4)
    const src = readU16(f, ETH + 12) * 65536 + readU16(f, ETH + 14)
    const dst = readU16(f, ETH + 16) * 65536 + readU16(f, ETH + 18)
    const ok = checksum(f, u, ulen, ipv4PseudoHeaderSum(src >>> 0, dst >>> 0, 17, ulen)) === 0
    return `udp ${readU16(f, u)}>${readU16(f, u + 2)} ${ok} ${readU16(f, u + 8 + 16) === 0}`
  }
  if (et === 0x86dd) {
    if (f[ETH + 6] !== 17) return `ipv6 nxt ${f[ETH + 6]}`
    const u = ETH + 40
    const ulen = readU16(f, u + 4)
    const ok = checksum(f, u, ulen, ipv6PseudoSum(f, ETH + 8, f, ETH + 24, ulen, 17)) === 0
    return `udp ${readU16(f, u)}>${readU16(f, u + 2)} ${ok} ${readU16(f, u + 8 + 16) === 0}`
  }
  return `ethertype ${et.toString(16)}`
}

async function transfer(v6: boolean): Promise<void> {
  const net = guard.track(pairNet(71))
  const a = net.sys('a')
  const b = net.sys('b')
  if (v6) {
    addr6(a, net.ifName(0, 'a'), '2001:db8::1/64')
    addr6(b, net.ifName(0, 'b'), '2001:db8::2/64')
    await net.sleep(3 * SEC)
  }
  for (const s of [a, b]) s.sysctlSet('net.inet.tcp.udp_tunneling_port', '9811')
  const wire = wiretap(net.ifp('a', net.ifName(0, 'a')))
  const back = wiretap(net.ifp('b', net.ifName(0, 'b')))
  const fam = v6 ? AF_INET6 : AF_INET
  const lsn = b.socket(fam, SOCK.STREAM)
  lsn.bind(v6 ? { addr: 0, port: 80, addr6: ip6('::'), scopeId: 0 } : { addr: 0, port: 80 })
  lsn.listen(4)
  const cli = a.socket(fam, SOCK.STREAM)
  cli.setsockopt(IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, 9811)
  assert.equal(cli.getsockopt(IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT), 9811)
  const acc = lsn.accept()
  await cli.connect(v6 ? { addr: 0, port: 80, addr6: ip6('2001:db8::2'), scopeId: 0 } : { addr: B, port: 80 })
  const { fd: srv } = await acc
  // The accepted connection took its port from the tunnelled SYN.
  assert.equal(srv.getsockopt(IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT), 9811)
  // The MSS keeps room for the UDP header: 1500 less 40 (IPv6: 60) less 8.
  const mss = cli.getsockopt(IPPROTO_TCP, TCP_MAXSEG)
  assert.equal(mss, v6 ? 1432 : 1452)
  const data = pattern(300_000, 7)
  const r = readAll(srv)
  await cli.send(data)
  cli.shutdown(1)
  const got = await r
  assert.equal(got.length, data.length)
  assert.equal(sha256(got), sha256(data))
  srv.close()
  cli.close()
  await net.sleep(200 * MS)
  // Every IP frame either side sent was TCP inside UDP 9811 > 9811, checksums as FreeBSD makes them.
  const ipFrames = (fs: Uint8Array[]) =>
    fs.filter((f) => readU16(f, 12) === (v6 ? 0x86dd : 0x0800) && (!v6 || f[ETH + 6] !== 58))
  const kinds = new Set([...ipFrames(wire), ...ipFrames(back)].map(describeFrame))
  assert.deepEqual([...kinds], ['udp 9811>9811 true true'])
  assert.ok(ipFrames(wire).length > 200 && ipFrames(back).length > 50)
  // Each side counted what came through its tunnel, and no segment was plain.
  assert.ok(counter(b, 'tcp', 'tcps_tunneled_pkts') > 200)
  assert.ok(counter(a, 'tcp', 'tcps_tunneled_pkts') > 50)
  assert.equal(counter(a, 'tcp', 'tcps_tunneled_errs') + counter(b, 'tcp', 'tcps_tunneled_errs'), 0)
  assert.equal(counter(b, 'udp', 'udps_noport'), 0)
}

test('two jails: a tunnelled connection over IPv4, data intact, every frame UDP', () => transfer(false))
test('two jails: a tunnelled connection over IPv6, data intact, every frame UDP', () => transfer(true))

test('TCP_REMOTE_UDP_ENCAPS_PORT errors: no tunneling port, out of range, not CLOSED', async () => {
  const net = guard.track(pairNet(72))
  const a: Syscalls = net.sys('a')
  const s = a.socket(AF_INET, SOCK.STREAM)
  assert.equal(
    errnoOf(() => s.setsockopt(IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, 9811)),
    'EINVAL',
  )
  // Port 0 (tunnelling off for the socket) is always allowed.
  s.setsockopt(IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, 0)
  a.sysctlSet('net.inet.tcp.udp_tunneling_port', '9811')
  assert.equal(
    errnoOf(() => s.setsockopt(IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, 65536)),
    'EINVAL',
  )
  assert.equal(
    errnoOf(() => s.setsockopt(IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, -1)),
    'EINVAL',
  )
  s.bind({ addr: 0, port: 80 })
  s.listen(1)
  assert.equal(
    errnoOf(() => s.setsockopt(IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, 9811)),
    'EINVAL',
  )
  assert.equal(s.getsockopt(IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT), 0)
  // The overhead sysctl takes 8 .. 1024 (TCP_TUNNELING_OVERHEAD_MIN/MAX).
  assert.equal(
    errnoOf(() => a.sysctlSet('net.inet.tcp.udp_tunneling_overhead', '7')),
    'EINVAL',
  )
  assert.equal(
    errnoOf(() => a.sysctlSet('net.inet.tcp.udp_tunneling_overhead', '1025')),
    'EINVAL',
  )
})

/** Active open with the option: SYN, data and ACKs through the tunnel; a plain segment gets an RST. */
const ACTIVE = `--udp_encapsulation=tcp
 0.00 \`sysctl -w net.inet.tcp.udp_tunneling_port=9811\`
+0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 setsockopt(3, IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, [9812], 4) = 0
+0.00 getsockopt(3, IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, [9812], [4]) = 0
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.00 > S 0:0(0) win 65535 <mss 1452,nop,wscale 6,sackOK,TS val 100 ecr 0>/udp(9811 > 9812)
+0.05 < S. 0:0(0) ack 1 win 65535 <mss 1460>/udp(9812 > 9811)
+0.00 > . 1:1(0) ack 1 win 65535/udp(9811 > 9812)
+0.00 setsockopt(3, IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, [9813], 4) = -1 EINVAL (Invalid argument)
+0.00 send(3, ..., 2000, 0) = 2000
+0.00 > . 1:1453(1452) ack 1 win 65535/udp(9811 > 9812)
+0.00 > P. 1453:2001(548) ack 1 win 65535/udp(9811 > 9812)
+0.05 < . 1:1(0) ack 2001 win 65535/udp(9812 > 9811)
// A plain segment for this connection is refused.
+0.00 < . 1:1(0) ack 2001 win 65535
+0.00 > R 2001:2001(0) win 0
+0.00 < P. 1:11(10) ack 2001 win 65535/udp(9812 > 9811)
+0.04~+0.2 > . 2001:2001(0) ack 11 win 65535/udp(9811 > 9812)
`

/** A listener takes the port from the tunnelled SYN; the handshake's ACK must come the same way. */
const PASSIVE = `--udp_encapsulation=tcp
 0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 setsockopt(3, IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, [9812], 4) = -1 EINVAL (Invalid argument)
+0.00 \`sysctl -w net.inet.tcp.udp_tunneling_port=9811\`
+0.00 setsockopt(3, IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, [65536], 4) = -1 EINVAL (Invalid argument)
+0.00 setsockopt(3, IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, [-1], 4) = -1 EINVAL (Invalid argument)
+0.00 getsockopt(3, IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, [0], [4]) = 0
+0.00 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0.00 bind(3, ..., ...) = 0
+0.00 listen(3, 1) = 0
+0.00 setsockopt(3, IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, [9812], 4) = -1 EINVAL (Invalid argument)
+0.00 < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop>/udp(9812 > 9811)
+0.00 > S. 0:0(0) ack 1 win 65535 <mss 1452,sackOK,eol,eol>/udp(9811 > 9812)
// The handshake's ACK must come the same way: a plain one is refused.
+0.05 < . 1:1(0) ack 1 win 65535
+0.00 > R 1:1(0) win 0
+0.00 < . 1:1(0) ack 1 win 65535/udp(9812 > 9811)
+0.00 accept(3, ..., ...) = 4
+0.00 getsockopt(4, IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, [9812], [4]) = 0
+0.00 getsockopt(4, IPPROTO_TCP, TCP_MAXSEG, [1452], [4]) = 0
+0.00 send(4, ..., 100, 0) = 100
+0.00 > P. 1:101(100) ack 1 win 65535/udp(9811 > 9812)
+0.05 < F. 1:1(0) ack 101 win 65535/udp(9812 > 9811)
+0.00 > . 101:101(0) ack 2 win 65535/udp(9811 > 9812)
+0.00 close(4) = 0
+0.00 > F. 101:101(0) ack 2 win 65535/udp(9811 > 9812)
+0.05 < . 2:2(0) ack 102 win 65535/udp(9812 > 9811)
`

/** The IPv6 form of a script: 20 more header bytes come out of every MSS and segment size. */
function v6(script: string): string {
  return script
    .replace('--udp_encapsulation=tcp', '--ip_version=ipv6\n--udp_encapsulation=tcp')
    .replaceAll('mss 1452', 'mss 1432')
    .replaceAll('[1452]', '[1432]')
    .replace('1:1453(1452)', '1:1433(1432)')
    .replace('1453:2001(548)', '1433:2001(568)')
}

for (const [name, script] of [
  ['active', ACTIVE],
  ['passive', PASSIVE],
  ['active6', v6(ACTIVE)],
  ['passive6', v6(PASSIVE)],
] as const)
  test(`packetdrill: ${name} open through the tunnel`, async () => {
    assert.deepEqual(await runInFreshHost(`${name}.pkt`, script, {}), { ok: true, line: 0, message: '' })
  })

test('packetdrill: without the option the same script sees a plain SYN', async () => {
  const r = await runInFreshHost(
    'plain.pkt',
    ACTIVE.replace(/^.*TCP_REMOTE_UDP_ENCAPS_PORT, \[9812\], 4\) = 0\n/m, '').replace(
      /^.*getsockopt.*\n/m,
      '',
    ),
    {},
  )
  assert.equal(r.ok, false)
  assert.match(
    r.message,
    /\/udp\(9811 > 9812\) got > S \d+:\d+\(0\) win 65535 <mss 1460,.*\(a plain segment\)$/,
  )
})

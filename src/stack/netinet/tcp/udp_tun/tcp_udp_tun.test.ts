/**
 * TCP over UDP (net.inet.tcp.udp_tunneling_port) and TCP-MD5 on the wire, driven by packetdrill
 * scripts written for these tests (not the FreeBSD suite's): a tunnelled segment to a plain
 * connection draws an RST back through the tunnel; a signing listener answers a signed SYN with a
 * signed SYN-ACK and ignores an unsigned one or one signed with another key.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runInFreshHost } from '../../../../platform/node/cli/packetdrill.js'

const TUNNEL = `--udp_encapsulation=tcp
 0.00 \`sysctl -w net.inet.tcp.udp_tunneling_port=9811\`
+0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.00 > S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>
+0.05 < S. 0:0(0) ack 1 win 65535 <mss 1460>
+0.00 > . 1:1(0) ack 1 win 65535
// Through the tunnel from UDP port 4000: not this connection's way, so an RST goes back the same way.
+0.05 < . 1:1(0) ack 1 win 65535/udp(4000 > 9811)
+0.00 > R 1:1(0) win 0/udp(9811 > 4000)
+0.05 < S 7:7(0) win 65535/udp(4000 > 9811)
+0.00 > R. 0:0(0)! ack 8 win 0/udp(9811 > 4000)
// The connection itself is untouched.
+0.00 send(3, ..., 10, 0) = 10
+0.00 > P. 1:11(10) ack 1 win 65535
+0.05 < . 1:1(0) ack 11 win 65535
`

const MD5 = (secret: string) => `--tcp_md5_secret=${secret}
\`kldload tcpmd5; echo 'add 192.168.0.1 192.0.2.1 tcp 0x1000 -A tcp-md5 "k3y" ; add 192.0.2.1 192.168.0.1 tcp 0x1001 -A tcp-md5 "k3y" ;' | setkey -c\`
 0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 setsockopt(3, IPPROTO_TCP, TCP_MD5SIG, [1], 4) = 0
+0.00 bind(3, ..., ...) = 0
+0.00 listen(3, 1) = 0
// Unsigned: ignored.
+0.00 < S 0:0(0) win 32767 <mss 1460,sackOK>
+0.05 < S 0:0(0) win 32767 <mss 1460,sackOK,md5 valid>
+0.00 > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,md5 valid>
+0.05 < . 1:1(0) ack 1 win 32767 <nop,nop,md5 valid>
+0.00 accept(3, ..., ...) = 4
+0.00 send(4, ..., 100, 0) = 100
+0.00 > P. 1:101(100) ack 1 win 65535 <nop,nop,md5 valid>
`

test('a tunnelled segment to a plain connection is answered with an RST through the tunnel', async () => {
  const r = await runInFreshHost('tunnel.pkt', TUNNEL, {})
  assert.deepEqual(r, { ok: true, line: 0, message: '' })
  // Without the tunnel port the datagram goes to UDP, which has no socket for it: a port unreachable.
  const off = await runInFreshHost('tunnel-off.pkt', TUNNEL.replace('=9811`', '=0`'), {})
  assert.equal(off.ok, false)
  assert.match(off.message, /expected > R 1:1\(0\) win 0\/udp\(9811 > 4000\) got ICMP type 3 code 3/)
})

test('a TCP-MD5 listener: signed handshake and data; an unsigned SYN and another key are ignored', async () => {
  assert.deepEqual(await runInFreshHost('md5.pkt', MD5('k3y'), {}), { ok: true, line: 0, message: '' })
  // Signed with another secret, the SYN is dropped as the unsigned one was: no SYN-ACK comes.
  const wrong = await runInFreshHost('md5-wrong.pkt', MD5('nope'), {})
  assert.equal(wrong.ok, false)
  assert.match(wrong.message, /expected > S\. 0:0\(0\) ack 1/)
})

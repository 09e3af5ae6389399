/**
 * tcpdump as a program in virtual time: live capture with -c and a filter, the start and statistics
 * lines on stderr, SIGINT's summary, -D, who may capture what (root of a vnet jail its own
 * interfaces only; not a non-root user, not a jail sharing its parent's stack), an interface leaving
 * mid-capture, bad options and filters, and `-r` on truncated or corrupt files: libpcap's message,
 * exit 1, the packets before the damage still printed.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROUTED, sh, virtualHost } from '../../../testing/net_lab.js'

/** Past IPv6's duplicate address detection on the new interfaces (RFC 4862 §5.4): its probes would interleave with the traffic under test. */
const QUIET = 'sleep 3'

import { LinkType, PcapWriter } from '../../../wire/pcap/pcap.js'
import { MemFs } from '../../bin/sh/streams.js'

const LISTEN = 'listening on epair0b, link-type EN10MB (Ethernet), snapshot length 262144 bytes'

test('live capture: -c, a filter, the start and statistics lines', async () => {
  const r = await sh(
    virtualHost(),
    `${ROUTED}
${QUIET}
jexec r tcpdump -n -c 2 -i epair0b icmp and src 10.0.1.2 &
sleep 1
jexec a ping -c 3 10.0.2.2 > /dev/null
wait`,
  )
  assert.equal(r.status, 0, r.err)
  assert.equal(
    r.out,
    '00:00:04.000000 IP 10.0.1.2 > 10.0.2.2: ICMP echo request, id 128, seq 0, length 64\n' +
      '00:00:05.000000 IP 10.0.1.2 > 10.0.2.2: ICMP echo request, id 128, seq 1, length 64\n',
  )
  // ARP request and reply, then two echo requests and replies reached the filter before tcpdump
  // read the second match (the reply comes at the same virtual instant).
  assert.equal(
    r.err,
    `tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n${LISTEN}\n` +
      '2 packets captured\n6 packets received by filter\n0 packets dropped by kernel\n',
  )
})

test('SIGINT and SIGTERM end a capture with the summary; -w writes a file -r reads', async () => {
  const fs = new MemFs()
  const r = await sh(
    virtualHost(),
    `${ROUTED}
${QUIET}
jexec r tcpdump -i epair0b -w /c.pcap arp &
sleep 1
jexec a ping -c 1 10.0.2.2 > /dev/null
kill -INT $!
wait $!
echo status=$?
jexec r tcpdump -nn -tt -r /c.pcap
tcpdump -nn -v -i lo0 &
sleep 1
kill $!
wait $!
echo status=$?`,
    fs,
  )
  assert.equal(r.status, 0, r.err)
  assert.equal(
    r.out,
    'status=0\n' +
      '4.000000 ARP, Request who-has 10.0.1.1 tell 10.0.1.2, length 28\n' +
      '4.000000 ARP, Reply 10.0.1.1 is-at 02:be:8c:c6:2f:0b, length 28\n' +
      'status=0\n',
  )
  assert.equal(
    r.err,
    `tcpdump: ${LISTEN}\n\n2 packets captured\n4 packets received by filter\n0 packets dropped by kernel\n` +
      'reading from file /c.pcap, link-type EN10MB (Ethernet), snapshot length 262144\n' +
      'tcpdump: listening on lo0, link-type NULL (BSD loopback), snapshot length 262144 bytes\n\n0 packets captured\n0 packets received by filter\n0 packets dropped by kernel\n',
  )
  assert.equal(fs.read('/c.pcap')!.length, 24 + 2 * (16 + 42))
})

test('who may capture: vnet jail root its own interfaces; not a user, not a jail without a vnet', async () => {
  const r = await sh(
    virtualHost(),
    `${ROUTED}
${QUIET}
jail -c name=nv persist > /dev/null
jexec -U nobody r tcpdump -i epair0b; echo user=$?
jexec nv tcpdump -i lo0; echo novnet=$?
jexec a tcpdump -i epair0b; echo other=$?
jexec a tcpdump -nn -c 1 & sleep 1
jexec a ping -c 1 10.0.1.1 > /dev/null
wait
jexec a tcpdump -D
tcpdump -D`,
  )
  assert.equal(
    r.out,
    'user=1\nnovnet=1\nother=1\n' +
      '00:00:04.000000 ARP, Request who-has 10.0.1.1 tell 10.0.1.2, length 28\n' +
      // The jail's lo0 is down, as a new vnet's is; the host's is up.
      '1.lo0 [Loopback]\n2.epair0a [Up, Running, Connected]\n' +
      '1.lo0 [Up, Running, Loopback]\n',
  )
  const errs = r.err.split('\n')
  assert.deepEqual(errs.slice(0, 6), [
    "tcpdump: epair0b: You don't have permission to perform this capture on that device",
    '((cannot open BPF device) /dev/bpf: Permission denied)',
    'tcpdump: lo0: No such device exists',
    '((cannot open BPF device) /dev/bpf: No such file or directory)',
    'tcpdump: epair0b: No such device exists',
    '(BIOCSETIF failed: Device not configured)',
  ])
})

test('an interface leaving the vnet ends the capture: "The interface disappeared", exit 1', async () => {
  const r = await sh(
    virtualHost(),
    `${ROUTED}
${QUIET}
jexec r tcpdump -i epair0b &
sleep 1
ifconfig epair0b -vnet r
wait $!
echo status=$?`,
  )
  assert.equal(r.out, 'status=1\n')
  assert.match(r.err, /tcpdump: pcap_loop: The interface disappeared\n0 packets captured\n/)
})

test('bad options and filters: tcpdump messages and exit 1', async () => {
  const r = await sh(
    virtualHost(),
    `tcpdump -i lo0 'tcp and'; echo $?
tcpdump -i lo0 host nosuch; echo $?
tcpdump -i lo0 vlan; echo $?
tcpdump -Z; echo $?
tcpdump -c x -i lo0; echo $?
tcpdump -i nosuch0; echo $?`,
  )
  assert.equal(r.out, '1\n1\n1\n1\n1\n1\n')
  const e = r.err.split('\n')
  assert.equal(e[0], "tcpdump: can't parse filter expression: syntax error")
  assert.equal(e[1], "tcpdump: unknown host 'nosuch'")
  assert.equal(e[2], 'tcpdump: no VLAN support for BSD loopback')
  assert.equal(e[3], 'tcpdump: illegal option -- Z')
  assert.match(e[4]!, /^Usage: tcpdump /)
  assert.ok(e.includes('tcpdump: invalid packet count x'))
  assert.ok(e.includes('tcpdump: nosuch0: No such device exists'))
})

test('tcpdump -r on truncated and corrupt files: a clear error, exit 1, earlier packets printed', async () => {
  const w = new PcapWriter(LinkType.EN10MB)
  const frame = Uint8Array.from([
    ...[255, 255, 255, 255, 255, 255, 2, 0, 0, 0, 0, 1, 8, 6],
    ...[0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2],
  ])
  const good = [w.header(), w.record(1e9, frame, 0, 42, 42), w.record(2e9, frame, 0, 42, 42)]
  const str = (parts: Uint8Array[]) => parts.map((p) => String.fromCharCode(...p)).join('')
  const fs = new MemFs()
  const put = (path: string, s: string) => {
    fs.truncate(path)
    fs.append(path, s)
  }
  put('/good', str(good))
  put('/short', str(good).slice(0, 3))
  put('/hdr', str(good).slice(0, 24 + 16 + 42 + 3))
  put('/data', str(good).slice(0, 24 + 16 + 42 + 16 + 10))
  put('/junk', 'this is not a capture file')
  put('/empty', '')
  const r = await sh(
    virtualHost(),
    `for f in /good /short /hdr /data /junk /empty /nonexistent; do tcpdump -nn -t -r $f; echo "$f $?"; done`,
    fs,
  )
  const arp = 'ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\n'
  assert.equal(
    r.out,
    `${arp}${arp}/good 0\n/short 1\n${arp}/hdr 1\n${arp}/data 1\n/junk 1\n/empty 1\n/nonexistent 1\n`,
  )
  const from = (f: string) => `reading from file ${f}, link-type EN10MB (Ethernet), snapshot length 262144\n`
  assert.equal(
    r.err,
    from('/good') +
      'tcpdump: truncated dump file; tried to read 4 file header bytes, only got 3\n' +
      from('/hdr') +
      'tcpdump: pcap_loop: truncated dump file; tried to read 16 header bytes, only got 3\n' +
      from('/data') +
      'tcpdump: pcap_loop: truncated dump file; tried to read 42 captured bytes, only got 10\n' +
      'tcpdump: unknown file format\n' +
      'tcpdump: truncated dump file; tried to read 4 file header bytes, only got 0\n' +
      'tcpdump: /nonexistent: No such file or directory\n',
  )
})

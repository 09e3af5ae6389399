/**
 * Captures real tools agree with: a routed lab in virtual time runs ARP, ping (small and fragmented),
 * UDP to a closed port, a TCP transfer and a traceroute while `tcpdump -w` records the router's
 * interface; a hand-built segment adds SACK blocks. Then:
 * - our `tcpdump -r` prints what tcpdump's format says for each kind of packet;
 * - Debian's tcpdump prints the same file line for line the same (with -nn, -v, -vv, -e, -q);
 * - tshark reads the pcap, and a pcapng of the same packets, with nothing malformed and the expected
 *   field values (TCP options, fragments, ICMP, ARP, UDP).
 * The real-tool parts skip with a message where tcpdump or tshark is not installed.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ROUTED, sh, virtualHost } from '../../../testing/net_lab.js'
import { assertTcpdumpAgrees, have } from '../../../testing/real_tools.js'

/** Past IPv6's duplicate address detection on the new interfaces (RFC 4862 §5.4): its probes would interleave with the traffic under test. */
const QUIET = 'sleep 3'

import { checksum } from '../../../wire/checksum.js'
import { ipv4PseudoHeaderSum } from '../../../wire/inet/ipv4.js'
import { LinkType, PcapngWriter, PcapWriter } from '../../../wire/pcap/pcap.js'
import { openCapture } from '../../../wire/pcap/pcap_read.js'
import { MemFs } from '../../bin/sh/streams.js'

function latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0))
}

/** An Ethernet/IPv4/TCP frame with ACK and the given options, checksums right. */
function tcpFrame(
  src: number,
  dst: number,
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  opts: number[],
): Uint8Array {
  const tcpLen = 20 + opts.length
  const f = new Uint8Array(14 + 20 + tcpLen)
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0])
  const ip = 14
  f.set([0x45, 0, 0, 20 + tcpLen, 0, 9, 0x40, 0, 64, 6, 0, 0], ip)
  const dv = new DataView(f.buffer)
  dv.setUint32(ip + 12, src)
  dv.setUint32(ip + 16, dst)
  const ic = checksum(f, ip, 20)
  dv.setUint16(ip + 10, ic)
  const t = ip + 20
  dv.setUint16(t, sport)
  dv.setUint16(t + 2, dport)
  dv.setUint32(t + 4, seq)
  dv.setUint32(t + 8, ack)
  f[t + 12] = (tcpLen / 4) << 4
  f[t + 13] = 0x10
  dv.setUint16(t + 14, 1000)
  f.set(opts, t + 20)
  dv.setUint16(t + 16, checksum(f, t, tcpLen, ipv4PseudoHeaderSum(src, dst, 6, tcpLen)))
  return f
}

/** Two segments of one conversation, the second with SACK blocks (relative to the first's seq). */
function sackFrames(): Uint8Array[] {
  const a = 0x0a000102
  const b = 0x0a000202
  const sack = [1, 1, 5, 18, 0, 0, 0x14, 0, 0, 0, 0x18, 0, 0, 0, 0x1c, 0, 0, 0, 0x20, 0]
  return [tcpFrame(a, b, 40000, 7001, 0x1000, 0x2000, []), tcpFrame(b, a, 7001, 40000, 0x2000, 0x1001, sack)]
}

/** Runs the lab and returns the pcap tcpdump -w wrote on the router's epair0b, plus our -r output. */
async function scenario(): Promise<{ pcap: Uint8Array; lines: (flags: string) => Promise<string> }> {
  const host = virtualHost()
  const fs = new MemFs()
  const r = await sh(
    host,
    `${ROUTED}
${QUIET}
jexec r tcpdump -i epair0b -w /cap.pcap 2> /dev/null &
sleep 1
jexec a ping -c 1 10.0.2.2 > /dev/null
jexec a ping -c 1 -s 3000 10.0.2.2 > /dev/null
echo hello | jexec a nc -u -w 1 10.0.2.2 5000
jexec b nc -l 7000 > /dev/null &
sleep 1
echo hello world | jexec a nc -w 1 10.0.2.2 7000
jexec a traceroute -n -q 1 -m 2 10.0.2.2 > /dev/null 2>&1
sleep 2
kill %1
wait`,
    fs,
  )
  assert.equal(r.status, 0, r.err)
  // Our file, with the hand-built SACK segment appended.
  const w = new PcapWriter(LinkType.EN10MB)
  const extra = sackFrames().map((x, i) => w.record(9e9 + i, x, 0, x.length, x.length))
  const base = latin1(fs.read('/cap.pcap')!)
  const pcap = new Uint8Array(base.length + extra[0]!.length + extra[1]!.length)
  pcap.set(base)
  pcap.set(extra[0]!, base.length)
  pcap.set(extra[1]!, base.length + extra[0]!.length)
  const lines = async (flags: string): Promise<string> => {
    const fs2 = new MemFs()
    fs2.truncate('/f')
    fs2.append('/f', String.fromCharCode(...pcap))
    const out = await sh(virtualHost(), `tcpdump ${flags} -r /f`, fs2)
    assert.equal(out.status, 0, out.err)
    return out.out
  }
  return { pcap, lines }
}

const capture = scenario()

test('tcpdump -r: one line per packet in tcpdump 4.99 format', async () => {
  const { lines } = await capture
  const got = (await lines('-nn -t')).split('\n')
  const expect = [
    /^ARP, Request who-has 10\.0\.1\.1 tell 10\.0\.1\.2, length 28$/,
    /^ARP, Reply 10\.0\.1\.1 is-at 02(:[0-9a-f]{2}){5}, length 28$/,
    /^IP 10\.0\.1\.2 > 10\.0\.2\.2: ICMP echo request, id \d+, seq 0, length 64$/,
    /^IP 10\.0\.2\.2 > 10\.0\.1\.2: ICMP echo reply, id \d+, seq 0, length 64$/,
    /^IP 10\.0\.1\.2 > 10\.0\.2\.2: ICMP echo request, id \d+, seq 0, length 1480$/,
    /^IP 10\.0\.1\.2 > 10\.0\.2\.2: ip-proto-1$/,
    /^IP 10\.0\.1\.2 > 10\.0\.2\.2: ip-proto-1$/,
    /^IP 10\.0\.2\.2 > 10\.0\.1\.2: ICMP echo reply, id \d+, seq 0, length 1480$/,
    /^IP 10\.0\.2\.2 > 10\.0\.1\.2: ip-proto-1$/,
    /^IP 10\.0\.2\.2 > 10\.0\.1\.2: ip-proto-1$/,
    /^IP 10\.0\.1\.2\.\d+ > 10\.0\.2\.2\.5000: UDP, length 6$/,
    /^IP 10\.0\.2\.2 > 10\.0\.1\.2: ICMP 10\.0\.2\.2 udp port 5000 unreachable, length 36$/,
    /^IP 10\.0\.1\.2\.\d+ > 10\.0\.2\.2\.7000: Flags \[S\], seq \d+, win 65535, options \[mss 1460,nop,wscale \d+,sackOK,TS val \d+ ecr 0\], length 0$/,
    /^IP 10\.0\.2\.2\.7000 > 10\.0\.1\.2\.\d+: Flags \[S\.\], seq \d+, ack \d+, win 65535, options \[mss 1460,nop,wscale \d+,sackOK,TS val \d+ ecr \d+\], length 0$/,
    /^IP 10\.0\.1\.2\.\d+ > 10\.0\.2\.2\.7000: Flags \[\.\], ack 1, win \d+, options \[nop,nop,TS val \d+ ecr \d+\], length 0$/,
    /^IP 10\.0\.1\.2\.\d+ > 10\.0\.2\.2\.7000: Flags \[P\.\], seq 1:13, ack 1, win \d+, options \[nop,nop,TS val \d+ ecr \d+\], length 12$/,
    /^IP 10\.0\.2\.2\.7000 > 10\.0\.1\.2\.\d+: Flags \[\.\], ack 13, win \d+, options \[nop,nop,TS val \d+ ecr \d+\], length 0$/,
    /^IP 10\.0\.1\.2\.\d+ > 10\.0\.2\.2\.7000: Flags \[F\.\], seq 13, ack 1, win \d+, .*length 0$/,
    /^IP 10\.0\.2\.2\.7000 > 10\.0\.1\.2\.\d+: Flags \[\.\], ack 14, .*length 0$/,
    /^IP 10\.0\.2\.2\.7000 > 10\.0\.1\.2\.\d+: Flags \[F\.\], seq 1, ack 14, .*length 0$/,
    /^IP 10\.0\.1\.2\.\d+ > 10\.0\.2\.2\.7000: Flags \[\.\], ack 2, .*length 0$/,
    /^IP 10\.0\.1\.2\.\d+ > 10\.0\.2\.2\.33435: UDP, length 12$/,
    /^IP 10\.0\.1\.1 > 10\.0\.1\.2: ICMP time exceeded in-transit, length 36$/,
    /^IP 10\.0\.1\.2\.\d+ > 10\.0\.2\.2\.33436: UDP, length 12$/,
    /^IP 10\.0\.2\.2 > 10\.0\.1\.2: ICMP 10\.0\.2\.2 udp port 33436 unreachable, length 36$/,
    /^IP 10\.0\.1\.2\.40000 > 10\.0\.2\.2\.7001: Flags \[\.\], ack 8192, win 1000, length 0$/,
    /^IP 10\.0\.2\.2\.7001 > 10\.0\.1\.2\.40000: Flags \[\.\], ack 1, win 1000, options \[nop,nop,sack 2 \{1024:2048\}\{3072:4096\}\], length 0$/,
    /^$/,
  ]
  assert.equal(got.length, expect.length, got.join('\n'))
  for (const [i, re] of expect.entries()) assert.match(got[i]!, re, `line ${i + 1}`)
  // Virtual time: stamps are exact (the first ping's ARP at 1 s after the capture started).
  assert.match(await lines('-nn -tt -c 1'), /^4\.000000 ARP/)
})

test('Debian tcpdump prints our pcap line for line as ours does', async (t) => {
  if (!have('tcpdump')) return t.skip('tcpdump is not installed (apt-get install tcpdump)')
  const { pcap, lines } = await capture
  await assertTcpdumpAgrees(pcap, lines)
})

test('tshark reads our pcap and pcapng: nothing malformed, the expected fields', async (t) => {
  if (!have('tshark')) return t.skip('tshark is not installed (apt-get install tshark)')
  const { pcap } = await capture
  // The same packets as pcapng, on two interfaces (the second gets the SACK segment).
  const f = openCapture(pcap)
  const ng = new PcapngWriter()
  const parts = [ng.header(), ng.addInterface('epair0b', LinkType.EN10MB).block]
  parts.push(ng.addInterface('epair9a', LinkType.EN10MB).block)
  const pkts = []
  for (let p = f.next(); p !== null; p = f.next()) pkts.push(p)
  for (const [i, p] of pkts.entries())
    parts.push(
      ng.packet(
        i === pkts.length - 1 ? 1 : 0,
        p.sec * 1e9 + p.nsec,
        p.data,
        0,
        p.caplen,
        p.wirelen,
        i % 2 === 0,
      ),
    )
  const ngBytes = new Uint8Array(parts.reduce((a, b) => a + b.length, 0))
  let at = 0
  for (const b of parts) {
    ngBytes.set(b, at)
    at += b.length
  }
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-cap-'))
  const tshark = (file: string, ...args: string[]): string =>
    execFileSync('tshark', ['-r', file, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
  try {
    const a = join(dir, 'a.pcap')
    const b = join(dir, 'b.pcapng')
    writeFileSync(a, pcap)
    writeFileSync(b, ngBytes)
    for (const file of [a, b]) {
      assert.equal(tshark(file, '-Y', '_ws.malformed || _ws.expert.severity == error'), '', file)
      const names = [
        'frame.protocols',
        'arp.opcode',
        'icmp.type',
        'ip.flags.mf',
        'ip.frag_offset',
        'udp.dstport',
        'tcp.flags.str',
        'tcp.options.mss_val',
        'tcp.options.wscale.shift',
        'tcp.options.sack_perm',
        'tcp.options.timestamp.tsecr',
        'tcp.options.sack_le',
        'tcp.options.sack_re',
        'ip.checksum.status',
        'tcp.checksum.status',
        'udp.checksum.status',
        'icmp.checksum.status',
      ]
      const out = tshark(
        file,
        ...['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'],
        ...['-T', 'fields', '-E', 'separator=;', ...names.flatMap((n) => ['-e', n])],
      )
      const rows = out
        .trim()
        .split('\n')
        .map((l) => Object.fromEntries(l.split(';').map((v, i) => [names[i]!, v])))
      assert.equal(rows.length, pkts.length)
      const at = (i: number) => rows.at(i)!
      assert.deepEqual([at(0)['frame.protocols'], at(0)['arp.opcode']], ['eth:ethertype:arp', '1'])
      assert.deepEqual([at(1)['frame.protocols'], at(1)['arp.opcode']], ['eth:ethertype:arp', '2'])
      assert.deepEqual([at(2)['icmp.type'], at(3)['icmp.type']], ['8', '0'])
      // The fragmented echo request: offsets 0, 1480, 2960 bytes (tshark counts 8-byte units), MF on the first two.
      assert.deepEqual(
        [4, 5, 6].map((i) => `${at(i)['ip.flags.mf']}@${at(i)['ip.frag_offset']}`),
        ['1@0', '1@185', '0@370'],
      )
      assert.equal(at(10)['udp.dstport'], '5000')
      assert.equal(at(11)['frame.protocols'], 'eth:ethertype:ip:icmp:ip:udp')
      assert.equal(at(11)['icmp.type'], '3')
      // The SYN and SYN-ACK: mss 1460, a window scale, SACK permitted, timestamps.
      for (const i of [12, 13]) {
        assert.equal(at(i)['tcp.options.mss_val'], '1460')
        assert.match(at(i)['tcp.options.wscale.shift']!, /^\d+$/)
        assert.notEqual(at(i)['tcp.options.sack_perm'], '')
      }
      assert.equal(at(12)['tcp.flags.str'], '··········S·')
      assert.equal(at(12)['tcp.options.timestamp.tsecr'], '0')
      assert.equal(at(13)['tcp.flags.str'], '·······A··S·')
      assert.equal(at(15)['tcp.flags.str'], '·······AP···')
      // tshark's relative SACK edges: 0x1400 and 0x1c00 from the ack base 0x1000, plus one.
      assert.deepEqual(
        [at(-1)['tcp.options.sack_le'], at(-1)['tcp.options.sack_re']],
        ['1025,3073', '2049,4097'],
      )
      assert.ok(rows.some((r) => r['icmp.type'] === '11' && r['udp.dstport'] === '33435'))
      // Every checksum tshark verifies is good (1); quoted headers are unverified (2), none bad (0).
      for (const [i, r] of rows.entries())
        for (const k of [
          'ip.checksum.status',
          'tcp.checksum.status',
          'udp.checksum.status',
          'icmp.checksum.status',
        ])
          assert.ok(!r[k]!.split(',').includes('0'), `packet ${i + 1}: ${k}`)
    }
  } finally {
    rmSync(dir, { recursive: true })
  }
})

/**
 * Issue 13's capture check against the Linux kernel: one session between Linux and a VirtNet jail
 * over vxlan (pings of 56 and 4000 bytes, so IP fragments both ways, and an HTTP exchange with
 * curl, so TCP with options and data), captured at once by Linux `tcpdump` on its vxlan interface
 * and by VirtNet on the jail's. Both captures see the same inner Ethernet frames, so they must agree
 * packet for packet, byte for byte, and `tshark` must find nothing malformed in either file.
 *
 * Linux's segmentation and receive offloads are turned off on its vxlan interface: with them Linux
 * captures TCP super-packets that never crossed the link as such. Real time; skips without root,
 * network namespaces, tcpdump, tshark, curl or ethtool.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { VirtLab, VirtNode } from '../lab_api.js'
import { type NetnsPeer, NetnsPeers, netnsUnavailable } from './netns_peer.js'
import { joined } from './vxlan_linux_peer.js'

const why = netnsUnavailable(['tcpdump', 'tshark', 'curl', 'ethtool', 'ping'])

/** Only the session's own frames: Linux may send IPv6 and ARP of its own accord at any time. */
const FILTER = 'icmp or tcp port 8080'

/** The frames of a classic pcap file (what Linux tcpdump -w writes): bytes and length on the wire. */
function readPcap(file: Uint8Array): { data: Uint8Array; length: number }[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength)
  const magic = dv.getUint32(0, true)
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d
  if (!le && dv.getUint32(0, false) !== 0xa1b2c3d4 && dv.getUint32(0, false) !== 0xa1b23c4d)
    throw new Error(`not a pcap file (magic ${magic.toString(16)})`)
  assert.equal(dv.getUint32(20, le), 1, 'link type Ethernet')
  const out: { data: Uint8Array; length: number }[] = []
  for (let o = 24; o + 16 <= file.byteLength; ) {
    const caplen = dv.getUint32(o + 8, le)
    const length = dv.getUint32(o + 12, le)
    if (o + 16 + caplen > file.byteLength) break // the last record, cut short by the kill
    out.push({ data: file.subarray(o + 16, o + 16 + caplen), length })
    o += 16 + caplen
  }
  return out
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

/** Frames tshark calls malformed (its expert info), 0 for a clean file. */
function malformed(file: string): number {
  const out = execFileSync(
    'tshark',
    ['-r', file, '-Y', '_ws.malformed', '-T', 'fields', '-e', 'frame.number'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  )
  return out.split('\n').filter((l) => l.trim() !== '').length
}

describe('captures of one Linux–VirtNet session agree', { skip: why ?? false, timeout: 120_000 }, () => {
  let peers: NetnsPeers
  let w: { peer: NetnsPeer; lab: VirtLab; pc: VirtNode }
  let dir: string
  before(async () => {
    peers = new NetnsPeers('c')
    dir = mkdtempSync(join(tmpdir(), 'vn-cap-'))
    try {
      w = await joined(peers)
      const off = await w.peer.exec(['ethtool', '-K', 'vxlan0', 'gso', 'off', 'tso', 'off', 'gro', 'off'])
      assert.equal(off.code, 0, off.stderr)
    } catch (e) {
      peers.destroyAll()
      throw e
    }
  })
  after(() => {
    w?.lab.close()
    peers?.destroyAll()
    rmSync(dir, { recursive: true, force: true })
  })

  test('Linux tcpdump and VirtNet see the same frames, byte for byte; tshark finds none malformed', async (t) => {
    const linuxFile = join(dir, 'linux.pcap')
    const ourFile = join(dir, 'virtnet.pcapng')
    const linux = w.peer.spawn(['tcpdump', '-i', 'vxlan0', '-n', '-U', '-s', '0', '-w', linuxFile, FILTER])
    const ours = w.lab.capture('pc:vxlan0', { filter: FILTER, file: ourFile })
    const seen: { data: Uint8Array; length: number }[] = []
    const reading = (async () => {
      for await (const p of ours) seen.push({ data: p.data, length: p.length })
    })()
    const server = http.createServer((req, res) => res.end(`${req.url} ${'y'.repeat(6000)}`))
    const listener = w.pc.net.createServer((sock) => server.emit('connection', sock))
    await new Promise<void>((resolve) => listener.listen(8080, () => resolve()))
    try {
      await sleep(1000) // tcpdump opens its socket
      const small = await w.pc.sh('ping -c 2 -i 0.2 10.42.0.2')
      assert.equal(small.status, 0, small.stderr)
      const big = await w.peer.exec(['ping', '-c', '2', '-i', '0.2', '-W', '2', '-s', '4000', '10.42.0.1'])
      assert.equal(big.code, 0, big.stderr)
      const r = await w.peer.exec(['curl', '-sS', '--max-time', '20', 'http://10.42.0.1:8080/cap'])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout.length, '/cap '.length + 6000)
      await sleep(1000) // the last ACKs and FINs cross
    } finally {
      listener.close()
      linux.stop()
      await ours.stop()
      await reading
      await linux.done
    }
    const theirs = readPcap(readFileSync(linuxFile))
    // 2 small echoes and replies, 2 × 3 fragments each way, and a TCP session of a dozen segments.
    assert.ok(seen.length >= 4 + 12 + 10, `${seen.length} frames captured`)
    // The underlay is a real UDP socket pair between two kernels' queues: a datagram may be lost in
    // it (a pure ACK, under load), and two sent back to back may arrive swapped. So each direction is
    // compared as a multiset: every frame the receiving side captured must be one the sender
    // captured, byte for byte, and at most a frame or two may be missing.
    const virtnetMac = hex(seen[0]!.data.subarray(6, 12))
    const linuxMac = hex(theirs.find((f) => hex(f.data.subarray(6, 12)) !== virtnetMac)!.data.subarray(6, 12))
    for (const [dir, mac, sent, received] of [
      ['VirtNet → Linux', virtnetMac, seen, theirs],
      ['Linux → VirtNet', linuxMac, theirs, seen],
    ] as const) {
      const from = (f: { data: Uint8Array }) => hex(f.data.subarray(6, 12)) === mac
      const a = sent.filter(from)
      const b = received.filter(from)
      const listing = () =>
        `sent:\n${a.map((f) => hex(f.data)).join('\n')}\nreceived:\n${b.map((f) => hex(f.data)).join('\n')}`
      const unmatched = new Map<string, number>()
      for (const f of a) {
        const k = `${f.length} ${hex(f.data)}`
        unmatched.set(k, (unmatched.get(k) ?? 0) + 1)
      }
      b.forEach((f, j) => {
        const k = `${f.length} ${hex(f.data)}`
        const n = unmatched.get(k) ?? 0
        assert.ok(n > 0, `${dir}, frame ${j + 1} as received is not one that was sent\n${listing()}`)
        unmatched.set(k, n - 1)
      })
      for (const [k, n] of unmatched) if (n > 0) t.diagnostic(`${dir}: lost in the underlay: ${k}`)
      const swapped = b.filter((f, j) => a[j] === undefined || hex(a[j]!.data) !== hex(f.data)).length
      if (swapped > 0 && a.length === b.length) t.diagnostic(`${dir}: ${swapped} frames arrived out of order`)
      assert.ok(
        a.length - b.length <= 2,
        `${dir}: ${a.length} frames sent, ${b.length} received\n${listing()}`,
      )
    }
    assert.equal(malformed(linuxFile), 0, 'tshark: malformed frames in the Linux capture')
    assert.equal(malformed(ourFile), 0, 'tshark: malformed frames in the VirtNet capture')
    t.diagnostic(
      `${seen.length} frames in VirtNet's capture, ${theirs.length} in Linux's, identical where both saw them`,
    )
  })
})

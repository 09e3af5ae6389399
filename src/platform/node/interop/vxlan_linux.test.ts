/**
 * vxlan(4) against the Linux kernel: a network namespace holds a Linux vxlan interface whose
 * underlay is a veth to this process's namespace (198.18.0.0/15), and a VirtNet jail's vxlan
 * interface binds a real UDP socket on our end of it. Then Linux and VirtNet ping each other (small
 * and 4000-byte, so fragments cross both ways) and resolve each other with ARP; Linux curl reads
 * from Node's http server in the jail, VirtNet fetch from `python3 -m http.server`, and nc carries
 * a stream each way. Runs in real time;
 * skips without root, `ip` or working network namespaces. Every namespace is removed afterwards,
 * also when a test fails.
 */

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { formatMac } from '../../../wire/addr.js'
import type { VirtLab, VirtNode } from '../lab_api.js'
import { type NetnsPeer, NetnsPeers, netnsUnavailable } from './netns_peer.js'
import { joined } from './vxlan_linux_peer.js'

const why = netnsUnavailable(['ping'])
const whyHttp = why ?? netnsUnavailable(['curl', 'nc', 'python3', 'ethtool'])
describe('vxlan against the Linux kernel', { skip: why ?? false, timeout: 120_000 }, () => {
  let peers: NetnsPeers
  let w: { peer: NetnsPeer; lab: VirtLab; pc: VirtNode }
  before(async () => {
    peers = new NetnsPeers()
    try {
      w = await joined(peers)
    } catch (e) {
      peers.destroyAll()
      throw e
    }
  })
  after(() => {
    w?.lab.close()
    peers?.destroyAll()
  })

  test('Linux pings a VirtNet jail, small and 4000 bytes (fragments both ways)', async () => {
    const small = await w.peer.exec(['ping', '-c', '3', '-i', '0.2', '-W', '2', '10.42.0.1'])
    assert.equal(small.code, 0, small.stdout + small.stderr)
    assert.match(small.stdout, /3 packets transmitted, 3 received/)
    const big = await w.peer.exec(['ping', '-c', '2', '-i', '0.2', '-W', '2', '-s', '4000', '10.42.0.1'])
    assert.equal(big.code, 0, big.stdout + big.stderr)
    assert.match(big.stdout, /4008 bytes from 10\.42\.0\.1/)
  })

  test('a VirtNet jail pings Linux, small and 4000 bytes', async () => {
    const small = await w.pc.sh('ping -c 3 -i 0.2 10.42.0.2')
    assert.equal(small.status, 0, small.stdout + small.stderr)
    assert.match(small.stdout, /3 packets transmitted, 3 packets received/)
    const big = await w.pc.sh('ping -c 2 -i 0.2 -s 4000 10.42.0.2')
    assert.equal(big.status, 0, big.stdout + big.stderr)
    assert.match(big.stdout, /4008 bytes from 10\.42\.0\.2/)
  })

  test('ARP both ways: each side has learned the other’s vxlan MAC', async () => {
    const linuxMac = /link\/ether ([0-9a-f:]{17})/.exec(w.peer.ip(['link', 'show', 'vxlan0']))![1]!
    const ours = formatMac(w.pc.sys.ifGet('vxlan0').mac!)
    const neigh = w.peer.ip(['neigh', 'show', '10.42.0.1', 'dev', 'vxlan0'])
    assert.match(neigh, new RegExp(`lladdr ${ours}`))
    const arp = await w.pc.sh('arp -an')
    assert.match(arp.stdout, new RegExp(`\\(10\\.42\\.0\\.2\\) at ${linuxMac} on vxlan0`))
    // Linux's vxlan learned our MAC behind our underlay address (its fdb), and we learned its.
    assert.match(w.peer.ip(['link', 'show', 'vxlan0']), /vxlan0/)
    const fdb = await w.peer.exec(['bridge', 'fdb', 'show', 'dev', 'vxlan0'])
    if (fdb.code === 0)
      assert.match(fdb.stdout, new RegExp(`${ours} dst ${w.peer.hostAddr.replace(/\./g, '\\.')}`))
    const v = await w.pc.sh('ifconfig -v vxlan0')
    assert.match(v.stdout, /ftable: cnt 1 /)
  })
})

/** Poll until `probe` succeeds (a server in the namespace is listening), at most `ms`. */
async function until(probe: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await probe())) {
    if (Date.now() > end) throw new Error('timed out waiting for a server')
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe(
  'TCP applications across Linux and VirtNet over vxlan',
  { skip: whyHttp ?? false, timeout: 120_000 },
  () => {
    let peers: NetnsPeers
    let w: { peer: NetnsPeer; lab: VirtLab; pc: VirtNode }
    let dir: string
    before(async () => {
      peers = new NetnsPeers('h')
      dir = mkdtempSync(join(tmpdir(), 'vn-http-'))
      try {
        w = await joined(peers)
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

    test("Linux curl gets a page from Node's http server in the jail", async () => {
      const body = 'x'.repeat(20_000)
      const server = http.createServer((req, res) => res.end(`${req.method} ${req.url} ${body}`))
      const listener = w.pc.net.createServer((sock) => server.emit('connection', sock))
      await new Promise<void>((resolve) => listener.listen(8080, () => resolve()))
      try {
        const r = await w.peer.exec(['curl', '-sS', '--max-time', '20', 'http://10.42.0.1:8080/hello'])
        assert.equal(r.code, 0, r.stderr)
        assert.equal(r.stdout, `GET /hello ${body}`)
      } finally {
        listener.close()
      }
    })

    test('VirtNet fetch gets a file from python3 -m http.server in the namespace', async () => {
      const text = `${'line of text\n'.repeat(3000)}end\n`
      writeFileSync(join(dir, 'f.txt'), text)
      const srv = w.peer.spawn([
        'python3',
        '-m',
        'http.server',
        '8000',
        '--bind',
        '10.42.0.2',
        '--directory',
        dir,
      ])
      try {
        await until(
          async () =>
            (await w.peer.exec(['curl', '-s', '-o', '/dev/null', 'http://10.42.0.2:8000/'], 2000)).code === 0,
        )
        const r = await w.pc.sh('fetch -q -T 20 -o - http://10.42.0.2:8000/f.txt')
        assert.equal(r.status, 0, r.stderr)
        assert.equal(r.stdout, text)
      } finally {
        srv.stop()
      }
    })

    test('nc carries a stream from VirtNet to Linux and from Linux to VirtNet', async () => {
      const out = w.peer.spawn(['nc', '-l', '-N', '10.42.0.2', '9000'], 30_000)
      await until(
        async () => (await w.peer.exec(['sh', '-c', 'ss -ltn | grep -q 10.42.0.2:9000'], 2000)).code === 0,
      )
      const payload = `${'from virtnet\n'.repeat(500)}`
      const send = await w.pc.sh('nc -N -w 10 10.42.0.2 9000', { stdin: payload })
      assert.equal(send.status, 0, send.stderr)
      const got = await out.done
      assert.equal(got.stdout, payload)

      const back = w.pc.spawn('nc -l -w 20 9001')
      await new Promise((r) => setTimeout(r, 300))
      const reply = `${'from linux\n'.repeat(500)}`
      const r = await w.peer.exec(
        ['sh', '-c', `printf '%s' "$0" | nc -N -w 10 10.42.0.1 9001`, reply],
        30_000,
      )
      assert.equal(r.code, 0, r.stderr)
      const res = await back.done
      assert.equal(res.stdout, reply)
    })
  },
)

/** `[  5]   0.00-2.00   sec  …  N Mbits/sec  …  receiver`: the receiver's rate in Mbit/s. */
function receiverRate(out: string): number {
  const m = /([\d.]+) ([KMG]?)bits\/sec(?:\s+\S+)*\s+receiver/.exec(out)
  if (m === null) return Number.NaN
  return Number(m[1]) * ({ '': 1e-6, K: 1e-3, M: 1, G: 1e3 } as Record<string, number>)[m[2]!]!
}

const whyIperf = why ?? netnsUnavailable(['iperf3', 'ethtool'])

describe('iperf3 between Linux and VirtNet over vxlan', { skip: whyIperf ?? false, timeout: 180_000 }, () => {
  let peers: NetnsPeers
  let w: { peer: NetnsPeer; lab: VirtLab; pc: VirtNode }
  before(async () => {
    peers = new NetnsPeers('i')
    try {
      w = await joined(peers)
    } catch (e) {
      peers.destroyAll()
      throw e
    }
  })
  after(() => {
    w?.lab.close()
    peers?.destroyAll()
  })

  for (const [name, flags] of [
    ['TCP', ''],
    ['TCP reverse', ' -R'],
    ['UDP 50 Mbit/s', ' -u -b 50M'],
  ] as const) {
    test(`Linux client, VirtNet server: ${name}`, async (t) => {
      const srv = w.pc.spawn('iperf3 -s -1 -p 5201')
      await new Promise((r) => setTimeout(r, 300))
      const c = await w.peer.exec(['sh', '-c', `iperf3 -c 10.42.0.1 -p 5201 -t 2${flags}`], 60_000)
      const s = await srv.done
      assert.equal(c.code, 0, c.stdout + c.stderr + s.stderr)
      const rate = receiverRate(c.stdout)
      assert.ok(rate > 0, c.stdout)
      t.diagnostic(`Linux -> VirtNet ${name}: ${rate.toFixed(1)} Mbit/s`)
    })

    test(`VirtNet client, Linux server: ${name}`, async (t) => {
      const srv = w.peer.spawn(['iperf3', '-s', '-1', '-B', '10.42.0.2', '-p', '5202'], 60_000)
      await until(
        async () => (await w.peer.exec(['sh', '-c', 'ss -ltn | grep -q 10.42.0.2:5202'], 2000)).code === 0,
      )
      const c = await w.pc.sh(`iperf3 -c 10.42.0.2 -p 5202 -t 2${flags}`)
      const s = await srv.done
      assert.equal(c.status, 0, c.stdout + c.stderr + s.stdout + s.stderr)
      const rate = receiverRate(c.stdout)
      assert.ok(rate > 0, c.stdout)
      t.diagnostic(`VirtNet -> Linux ${name}: ${rate.toFixed(1)} Mbit/s`)
    })
  }
})

const ROUTED = `
name: vxlan-routed
nodes:
  r: { kind: router, interfaces: [ { name: eth1, address: 10.43.0.1/24 } ] }
  pc: { kind: pc, interfaces: [ { name: eth0, address: 10.43.0.2/24 } ], routes: [ { to: default, via: 10.43.0.1 } ] }
links:
  - { a: r:eth1, b: pc }
`

const whyTrace = why ?? netnsUnavailable(['traceroute'])

describe(
  'traceroute through routers on both sides of the vxlan link',
  { skip: whyTrace ?? false, timeout: 120_000 },
  () => {
    let peers: NetnsPeers
    let w: { peer: NetnsPeer; lab: VirtLab; pc: VirtNode }
    let far: NetnsPeer
    before(async () => {
      peers = new NetnsPeers('t')
      try {
        // Linux router namespace: vxlan0 10.42.0.2 toward VirtNet's router r, and a veth to a `far`
        // namespace at 10.44.0.2 (its veth to us carries 10.44.0.1 here).
        w = await joined(peers, ROUTED, 'r')
        far = peers.create()
        w.peer.ip(['route', 'add', '10.43.0.0/24', 'via', '10.42.0.1'])
        await w.peer.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1'])
        // far's veth is to our namespace; make it a router hop by moving far's end into the router.
        w.peer.ip(['link', 'set', 'lo', 'up'])
        const link = `vnl${process.pid % 100000}`.slice(0, 15)
        w.peer.ip(['link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth9', 'netns', far.ns])
        w.peer.ip(['addr', 'add', '10.44.0.1/24', 'dev', link])
        w.peer.ip(['link', 'set', link, 'up'])
        far.ip(['addr', 'add', '10.44.0.2/24', 'dev', 'eth9'])
        far.ip(['link', 'set', 'eth9', 'up'])
        far.ip(['route', 'add', 'default', 'via', '10.44.0.1'])
        const rt = await w.pc.sh('route add -net 10.44.0.0/24 10.42.0.2')
        assert.equal(rt.status, 0, rt.stdout + rt.stderr)
      } catch (e) {
        peers.destroyAll()
        throw e
      }
    })
    after(() => {
      w?.lab.close()
      peers?.destroyAll()
    })

    test('Linux traceroute through VirtNet router r to the pc behind it', async () => {
      const r = await w.peer.exec(['traceroute', '-n', '-q', '1', '-w', '2', '-m', '5', '10.43.0.2'], 60_000)
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /\n 1 {2}10\.42\.0\.1 [^\n]*ms\n 2 {2}10\.43\.0\.2 [^\n]*ms/)
    })

    test('VirtNet traceroute from pc through r and the Linux router namespace', async () => {
      const pc = w.lab.node('pc')
      const r = await pc.sh('traceroute -n -q 1 -w 2 -m 5 10.44.0.2')
      assert.equal(r.status, 0, r.stderr)
      assert.match(
        r.stdout,
        /^ 1 {2}10\.43\.0\.1 [^\n]*ms\n 2 {2}10\.42\.0\.2 [^\n]*ms\n 3 {2}10\.44\.0\.2 [^\n]*ms/,
      )
    })
  },
)

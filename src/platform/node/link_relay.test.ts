/**
 * Links to the machine through the python3 relay (link_relay.ts). Without root: the frame reader
 * splits a stream however it is chunked and refuses a garbled length; a machine without python3
 * makes `ifconfig tap create` fail with the reason and a lab with an rj45 node fail at start naming
 * the node. With root, `ip`, python3 and ping (skipped with the reason otherwise), against the
 * Linux kernel, in namespaces this file creates (198.18.0.0/15 addresses; the process's own
 * namespace keeps nothing):
 * - rj45: a lab node's cable is bridged onto one end of a veth whose other end is a Linux peer in
 *   another namespace; the relay runs in the first. Linux pings the jail (small and 4000 bytes,
 *   fragments both ways) and the jail pings back, ARP resolves both ways, Linux nc reaches a server
 *   in the jail; the RTT through the relay is reported next to Linux-to-Linux over the same veth.
 * - tap: host root's `ifconfig tap create` makes tap0 in a test namespace (the relay runs there),
 *   moved into a jail; Linux addresses its side and both ping each other.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Host } from '../../host/host.js'
import { startProcess } from '../../userland/process.js'
import { programs } from '../../userland/programs.js'
import { capture } from '../../userland/testkit.js'
import { formatMac } from '../../wire/addr.js'
import { nodeClockDriver } from './clock_driver.js'
import { type NetnsPeer, NetnsPeers, netnsUnavailable } from './interop/netns_peer.js'
import { createLab, type VirtLab, type VirtNode } from './lab_api.js'
import { FrameReader, nodeLinkRelay } from './link_relay.js'

describe('the relay’s frame stream', () => {
  test('frames come out whole however the stream is chunked; a garbled length stops it', () => {
    const frames = [60, 1514, 4, 9000, 65000, 14].map((n, i) => Buffer.alloc(n, i + 1))
    const stream = Buffer.concat(
      frames.flatMap((f) => {
        const h = Buffer.alloc(4)
        h.writeUInt32BE(f.length)
        return [h, f]
      }),
    )
    for (const step of [1, 3, 4, 5, 7, 1000, 4096, stream.length]) {
      const got: Buffer[] = []
      const r = new FrameReader(
        (b, o, n) => void got.push(Buffer.from(b.subarray(o, o + n))),
        () => assert.fail('not garbled'),
      )
      for (let o = 0; o < stream.length; o += step) r.push(stream.subarray(o, o + step))
      assert.deepEqual(got, frames, `chunks of ${step}`)
    }
    let bad = -1
    let n = 0
    const r = new FrameReader(
      () => n++,
      (len) => {
        bad = len
      },
    )
    r.push(Buffer.from([0, 0, 0, 1, 9, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1, 9]))
    assert.equal(n, 1)
    assert.equal(bad, 0x7fffffff)
    r.push(Buffer.from([0, 0, 0, 1, 9]))
    assert.equal(n, 1, 'nothing after a garbled length')
  })
})

describe('a machine without python3', () => {
  const relay = nodeLinkRelay({ python: '/nonexistent/python3' })

  test('ifconfig tap create says why, exits 1, changes nothing', async () => {
    const host = new Host(nodeClockDriver(), { clock: 'virtual', realLinks: relay })
    const io = capture()
    const status = await startProcess(host.syscalls(), ['sh', '-c', 'ifconfig tap create; ifconfig -l'], io, {
      programs,
    }).done
    host.clock.stop()
    assert.equal(status, 0)
    assert.equal(
      io.err(),
      process.platform === 'linux'
        ? 'ifconfig: SIOCIFCREATE2 (tap): No such file or directory: python3 is not installed (it relays the frames)\n'
        : "ifconfig: SIOCIFCREATE2 (tap): Device not configured: the machine's TAP devices and raw interfaces are only reached on Linux\n",
    )
    assert.equal(io.out(), 'lo0\n')
  })

  test('a lab with an rj45 node fails at start, naming the node and the reason', async () => {
    const text = `name: r\nnodes:\n  pc: { kind: pc }\n  uplink: { kind: external, rj45: { interface: eth1 } }\nlinks:\n  - { a: pc, b: uplink }\n`
    await assert.rejects(
      createLab({ text }, { realLinks: relay }),
      /^LabError: uplink: .*(python3 is not installed|only reached on Linux)/,
    )
  })
})

const why = netnsUnavailable(['ping', 'python3'])
const ethtool = netnsUnavailable(['ethtool']) === undefined
const nc = netnsUnavailable(['nc']) === undefined

/** `rtt min/avg/max/mdev = a/b/c/d ms` → avg (µs), from Linux ping. */
function avgUs(out: string): number {
  const m = /= [\d.]+\/([\d.]+)\//.exec(out)
  assert.ok(m, out)
  return Math.round(Number(m[1]) * 1000)
}

/** Poll `probe` every 100 ms for at most `ms`. */
async function until(what: string, probe: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('rj45 against the Linux kernel', { skip: why ?? false, timeout: 120_000 }, () => {
  let peers: NetnsPeers
  let linux: NetnsPeer
  let relayNs: NetnsPeer
  let wire: string
  let lab: VirtLab
  let pc: VirtNode
  before(async () => {
    peers = new NetnsPeers('j')
    try {
      linux = peers.create()
      relayNs = peers.create()
      // The veth's far end goes into the relay's namespace: Linux (linux.nsIf) on one side of the
      // wire, the lab (through the relay's raw socket) on the other.
      wire = linux.giveHostEnd(relayNs)
      linux.ip(['addr', 'add', '198.19.40.2/24', 'dev', linux.nsIf])
      // Over a veth Linux leaves TCP checksums to "hardware" and sends 64 KiB TSO frames; a raw
      // socket would see both as they are. Have the peer do what a real NIC's wire carries.
      if (ethtool) await linux.exec(['ethtool', '-K', linux.nsIf, 'tx', 'off', 'tso', 'off', 'gso', 'off'])
      const text = `name: rj45\nnodes:\n  pc: { kind: pc, interfaces: [ { name: eth0, address: 198.19.40.1/24 } ] }\n  uplink: { kind: external, rj45: { interface: ${wire} } }\nlinks:\n  - { a: pc, b: uplink }\n`
      lab = await createLab({ text }, { clock: 'real', realLinks: nodeLinkRelay({ netns: relayNs.ns }) })
      pc = lab.node('pc')
      // The relay starts after the lab does: wait until a frame gets through.
      await until('the relay', async () => (await pc.sh('ping -c 1 -t 1 198.19.40.2')).status === 0)
    } catch (e) {
      lab?.close()
      peers.destroyAll()
      throw e
    }
  })
  after(() => {
    lab?.close()
    peers?.destroyAll()
  })

  test('Linux pings the jail, small and 4000 bytes (fragments both ways), and the jail pings back', async () => {
    const small = await linux.exec(['ping', '-c', '3', '-i', '0.2', '-W', '2', '198.19.40.1'])
    assert.equal(small.code, 0, small.stdout + small.stderr)
    assert.match(small.stdout, /3 packets transmitted, 3 received/)
    const big = await linux.exec(['ping', '-c', '2', '-i', '0.2', '-W', '2', '-s', '4000', '198.19.40.1'])
    assert.equal(big.code, 0, big.stdout + big.stderr)
    assert.match(big.stdout, /4008 bytes from 198\.19\.40\.1/)
    const back = await pc.sh('ping -c 3 -i 0.2 -s 4000 198.19.40.2')
    assert.equal(back.status, 0, back.stdout + back.stderr)
    assert.match(back.stdout, /3 packets transmitted, 3 packets received/)
  })

  test('ARP both ways: each side has the other’s MAC', async () => {
    const linuxMac = /link\/ether ([0-9a-f:]{17})/.exec(linux.ip(['link', 'show', linux.nsIf]))![1]!
    const ours = formatMac(pc.sys.ifGet('eth0').mac!)
    assert.match(linux.ip(['neigh', 'show', '198.19.40.1']), new RegExp(`lladdr ${ours}`))
    const arp = await pc.sh('arp -an')
    assert.match(arp.stdout, new RegExp(`\\(198\\.19\\.40\\.2\\) at ${linuxMac} on eth0`))
  })

  test(
    'Linux nc reaches a TCP server in the jail',
    { skip: nc && ethtool ? false : 'needs nc and ethtool' },
    async () => {
      const got: Buffer[] = []
      const listener = pc.net.createServer((sock) => {
        sock.on('data', (d: Buffer) => got.push(d))
        sock.end('hello from VirtNet\n')
      })
      await new Promise<void>((resolve) => listener.listen(7070, () => resolve()))
      try {
        const body = 'y'.repeat(30_000)
        const r = await linux.exec(['sh', '-c', `printf '%s' '${body}' | nc -w 5 198.19.40.1 7070`])
        assert.match(r.stdout, /hello from VirtNet/, r.stderr)
        await until('the bytes', () => Buffer.concat(got).length === body.length)
        assert.equal(Buffer.concat(got).toString(), body)
      } finally {
        listener.close()
      }
    },
  )

  test('RTT through the relay next to Linux-to-Linux over the same veth', async (t) => {
    const args = ['ping', '-c', '20', '-i', '0.05', '-q']
    const virt = await linux.exec([...args, '198.19.40.1'])
    assert.equal(virt.code, 0, virt.stdout)
    // The relay's namespace answers on the same wire once it has an address.
    relayNs.ip(['addr', 'add', '198.19.40.3/24', 'dev', wire])
    const lin = await linux.exec([...args, '198.19.40.3'])
    assert.equal(lin.code, 0, lin.stdout)
    const a = avgUs(virt.stdout)
    const b = avgUs(lin.stdout)
    t.diagnostic(
      `ping avg: Linux -> VirtNet jail via rj45 relay ${a} us, Linux -> Linux over the veth ${b} us`,
    )
    assert.ok(a > 0 && b > 0)
  })
})

describe('tap against the Linux kernel', { skip: why ?? false, timeout: 120_000 }, () => {
  let peers: NetnsPeers
  let ns: NetnsPeer
  let lab: VirtLab
  before(async () => {
    peers = new NetnsPeers('k')
    ns = peers.create()
    lab = await createLab(
      { text: 'name: tap\nnodes:\n  pc: { kind: pc }\nlinks: []\n' },
      { clock: 'real', realLinks: nodeLinkRelay({ netns: ns.ns }) },
    )
  })
  after(() => {
    lab?.close()
    peers?.destroyAll()
  })

  test('ifconfig tap create makes tap0 on the machine; moved into a jail, it pings Linux and back', async () => {
    const root = lab.host.syscalls()
    const io = capture()
    const st = await startProcess(root, ['sh', '-c', 'ifconfig tap create && ifconfig tap0 vnet pc'], io, {
      programs,
    }).done
    assert.equal(st, 0, io.err())
    assert.equal(io.out(), 'tap0\n')
    // The device exists when ifconfig returns (the probe holds it until the relay has it).
    assert.match(ns.ip(['link', 'show', 'tap0']), /tap0/)
    const pc = lab.node('pc')
    const r = await pc.sh('ifconfig tap0 inet 198.19.41.1/24 up')
    assert.equal(r.status, 0, r.stderr)
    ns.ip(['addr', 'add', '198.19.41.2/24', 'dev', 'tap0'])
    ns.ip(['link', 'set', 'tap0', 'up'])
    await until('carrier on tap0', () => /LOWER_UP/.test(ns.ip(['link', 'show', 'tap0'])))
    const there = await ns.exec(['ping', '-c', '3', '-i', '0.2', '-W', '2', '198.19.41.1'])
    assert.equal(there.code, 0, there.stdout + there.stderr)
    const big = await ns.exec(['ping', '-c', '2', '-i', '0.2', '-W', '2', '-s', '4000', '198.19.41.1'])
    assert.equal(big.code, 0, big.stdout + big.stderr)
    const back = await pc.sh('ping -c 3 -i 0.2 198.19.41.2')
    assert.equal(back.status, 0, back.stdout + back.stderr)
    assert.match(back.stdout, /3 packets transmitted, 3 packets received/)
    // The relay dies: tap0 goes down and the log says why; `up` opens the device again.
    for (const pid of execFileSync('ip', ['netns', 'pids', ns.ns], { encoding: 'utf8' }).split('\n'))
      if (/^\d+$/.test(pid)) process.kill(Number(pid), 'SIGKILL')
    await until('tap0 to go down', async () => !/<UP/.test((await pc.sh('ifconfig tap0')).stdout))
    const log = await pc.sh('ifconfig tap0 up; ifconfig tap0')
    assert.match(log.stdout, /flags=[0-9a-f]+<UP/)
    const dio = capture()
    assert.equal(await startProcess(root, ['dmesg'], dio, { programs }).done, 0)
    assert.match(dio.out(), /tap0: lost the machine's tap0: the relay was killed \(SIGKILL\)/)
    // The device went with the relay; the new one is made down, as `ip tuntap add` makes it.
    await until('tap0 again', () => /tap0/.test(ns.ip(['link', 'show'])))
    ns.ip(['link', 'set', 'tap0', 'up'])
    await until('carrier again', () => /LOWER_UP/.test(ns.ip(['link', 'show', 'tap0'])))
    // Destroying the interface ends the relay, and the device it made goes with it.
    const d = await pc.sh('ifconfig tap0 -vnet pc')
    assert.equal(d.status, 1, 'a jail cannot give back what it was lent this way')
    root.ifReclaimFromJail('tap0', 'pc')
    root.ifDestroy('tap0')
    await until('tap0 to go', () => !/tap0/.test(ns.ip(['link', 'show'])))
  })
})

const EXAMPLES = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../..',
  process.env.IMUNES_EXAMPLES ?? '../shared/imunes-examples',
)
const RJ45 = join(EXAMPLES, 'functional_tests/rj45')
const tcpdump = netnsUnavailable(['tcpdump']) === undefined
const noRj45 = existsSync(RJ45)
  ? undefined
  : `${RJ45} not found (set IMUNES_EXAMPLES to IMUNES's example collection)`

describe(
  "IMUNES's functional_tests/rj45 on a veth pair",
  { skip: noRj45 ?? why ?? false, timeout: 120_000 },
  () => {
    for (const [file, vlan] of [
      ['rj45.imn', undefined],
      ['rj45.imn', 123],
      ['rj45_directlink.imn', undefined],
    ] as const) {
      test(`${file}${vlan ? ` with vlan ${vlan}` : ''}: pc1 and pc2 reach each other through rj450 ~ rj451`, async () => {
        const peers = new NetnsPeers(`f${vlan ?? ''}${file.length}`)
        let lab: VirtLab | undefined
        try {
          const ns = peers.create()
          // The machine's rj450 and rj451 are the two ends of one veth, in the relays' namespace.
          ns.ip(['link', 'add', 'rj450', 'type', 'veth', 'peer', 'name', 'rj451'])
          ns.ip(['link', 'set', 'rj450', 'up'])
          ns.ip(['link', 'set', 'rj451', 'up'])
          let text = readFileSync(join(RJ45, file), 'utf8')
          if (vlan !== undefined) text = text.replaceAll('"enabled" : "0"', '"enabled" : "1"')
          lab = await createLab(
            { text, fileName: file },
            {
              clock: 'real',
              realLinks: nodeLinkRelay({ netns: ns.ns }),
            },
          )
          const pc1 = lab.node('pc1')
          await until('the relays', async () => (await pc1.sh('ping -c 1 -t 1 10.0.0.21')).status === 0)
          const r = await pc1.sh('ping -c 3 -i 0.2 10.0.0.21')
          assert.equal(r.status, 0, r.stdout + r.stderr)
          if (vlan !== undefined) {
            // Each node's port is VLAN 123 of the machine's interface: the frames cross tagged.
            assert.equal(lab.host.syscalls().ifGet('tap0.123').vlan?.tag, 123)
            if (!tcpdump) return
            const sniff = ns.exec([
              'timeout',
              '5',
              'tcpdump',
              '-c',
              '2',
              '-e',
              '-n',
              '-i',
              'rj451',
              'vlan 123',
            ])
            await new Promise((r) => setTimeout(r, 500))
            await pc1.sh('ping -c 3 -i 0.2 10.0.0.21')
            const cap = await sniff
            assert.match(
              cap.stdout,
              /802\.1Q \(0x8100\), length \d+: vlan 123/,
              `code ${cap.code}: ${cap.stderr}`,
            )
          }
        } finally {
          lab?.close()
          peers.destroyAll()
        }
      })
    }
  },
)

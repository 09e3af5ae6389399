/**
 * dhclient and dhcpd together on one LAN, in virtual time, driven as a user drives them (lab
 * console lines) and watched on the wire through bpf: two clients get distinct addresses, a default
 * route and /etc/resolv.conf and ping the router; a host declaration pins a MAC to its address;
 * the renewal at T1 is a unicast DHCPREQUEST with ciaddr; with the server gone the client
 * broadcasts after T2 and gives the address up at expiry; a one-address pool serves one client
 * only; malformed frames and messages are counted and ignored; a bad dhcpd.conf is ISC's error.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import type { BpfFd, Syscalls } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { LabConsole } from '../../../topology/console/console.js'
import { loadAny } from '../../../topology/file/load.js'
import { Lab } from '../../../topology/lab/emulator.js'
import { BROADCAST_MAC, formatIpv4, formatMac, parseIpv4 } from '../../../wire/addr.js'
import {
  BootOp,
  DhcpOpt,
  type DhcpRepr,
  DhcpType,
  dhcpType,
  emitDhcp,
  newDhcp,
  optAddr,
  parseDhcp,
} from '../../../wire/app/dhcp.js'
import { buildUdpFrame, decodeUdpFrame, FrameError, newDecodedFrame } from '../../lib/libdhcp/frame.js'
import { startProcess } from '../../process.js'

const ip = (s: string): number => parseIpv4(s)!

const LAN = `
name: dhcp-lan
nodes:
  sw: { kind: switch }
  srv: { kind: host, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }
  gw: { kind: router, interfaces: [ { name: eth0, address: 10.0.0.254/24 } ] }
  c1: { kind: pc, interfaces: [ { name: eth0 } ] }
  c2: { kind: pc, interfaces: [ { name: eth0 } ] }
  probe: { kind: pc, interfaces: [ { name: eth0 } ] }
links:
  - { a: srv, b: sw }
  - { a: gw, b: sw }
  - { a: c1, b: sw }
  - { a: c2, b: sw }
  - { a: probe, b: sw }
`

const conf = (extra = '', range = '10.0.0.10 10.0.0.20') => `option domain-name "example.org";
option domain-name-servers 10.0.0.53;
default-lease-time 600;
max-lease-time 7200;
authoritative;
subnet 10.0.0.0 netmask 255.255.255.0 {
  range ${range};
  option routers 10.0.0.254;
}
${extra}`

interface Run {
  lab: Lab
  host: Host
  line(text: string): Promise<{ status: number; out: string }>
  sleep(s: number): Promise<void>
  /** dhcpd -d on srv with `text` as its configuration; its log so far. */
  server(text: string): { log: () => string; kill: () => void }
}

let current: Run | null = null
afterEach(() => {
  if (current === null) return
  current.lab.destroy()
  assert.equal(current.host.clock.pending, 0, 'nothing left on the clock')
  current = null
})

async function boot(): Promise<Run> {
  const { topology } = loadAny(LAN, 'lab.yaml')
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 })
  const lab = Lab.build(host, topology)
  let out = ''
  const io = {
    stdin: { read: async () => null },
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (out += s) },
  }
  assert.deepEqual(await lab.start(() => io), [])
  const console = new LabConsole(lab, io)
  const run: Run = {
    lab,
    host,
    async line(text) {
      out = ''
      const status = await console.runLine(text)
      return { status, out }
    },
    sleep: (s) => host.syscalls().nanosleep(s * 1e9),
    server(text) {
      const fs = lab.nodeFs('srv')
      assert.ok(fs.truncate('/etc/dhcpd.conf') && fs.append('/etc/dhcpd.conf', text))
      assert.ok(fs.truncate('/var/db/dhcpd.leases'))
      let log = ''
      const w = { write: (s: string) => void (log += s) }
      const job = startProcess(
        lab.sys('srv'),
        ['dhcpd', '-d', '-q', '-cf', '/etc/dhcpd.conf'],
        { stdin: io.stdin, stdout: w, stderr: w },
        {
          programs: lab.programs,
          fs,
        },
      )
      return { log: () => log, kill: () => job.kill(9) }
    },
  }
  current = run
  return run
}

/** What crossed a node's eth0 to or from port 67/68, as parsed DHCP messages with their IP ends. */
function watch(sys: Syscalls): {
  seen: Array<{ src: number; dst: number; msg: DhcpRepr }>
  fd: BpfFd
  poll(): Promise<void>
} {
  const fd = sys.bpfOpen('eth0')
  const seen: Array<{ src: number; dst: number; msg: DhcpRepr }> = []
  const d = newDecodedFrame()
  return {
    seen,
    fd,
    async poll() {
      await fd.read((r) => {
        decodeUdpFrame(r.buf, r.off, r.caplen, d)
        if (d.error !== FrameError.OK || (d.dstPort !== 67 && d.dstPort !== 68)) return
        const p = parseDhcp(r.buf, d.payloadOff, d.payloadLen)
        if (p.ok) seen.push({ src: d.srcIp, dst: d.dstIp, msg: p.msg })
      }, 0)
    },
  }
}

function inet(ifconfig: string): string | undefined {
  return /\tinet (\S+) netmask/.exec(ifconfig)?.[1]
}

describe('dhclient and dhcpd on a LAN', () => {
  test('two clients get distinct addresses, a default route and resolv.conf, and ping the router', async () => {
    const r = await boot()
    const s = r.server(conf())
    const a = await r.line('c1 dhclient eth0')
    assert.equal(a.status, 0, a.out)
    assert.match(
      a.out,
      /^DHCPDISCOVER on eth0 to 255\.255\.255\.255 port 67 interval 3\nDHCPOFFER from 10\.0\.0\.1\nDHCPREQUEST on eth0 to 255\.255\.255\.255 port 67\nDHCPACK from 10\.0\.0\.1\nbound to 10\.0\.0\.20 -- renewal in 300 seconds\.\n$/,
    )
    const b = await r.line('c2 dhclient eth0')
    assert.match(b.out, /bound to 10\.0\.0\.19 -- renewal in 300 seconds\./)
    assert.equal(inet((await r.line('c1 ifconfig eth0')).out), '10.0.0.20')
    assert.equal(inet((await r.line('c2 ifconfig eth0')).out), '10.0.0.19')
    assert.match((await r.line('c2 netstat -rn -f inet')).out, /^default +10\.0\.0\.254 +UGS +eth0$/m)
    assert.equal((await r.line('c1 cat /etc/resolv.conf')).out, 'search example.org\nnameserver 10.0.0.53\n')
    assert.match(
      (await r.line('c1 cat /var/db/dhclient.leases.eth0')).out,
      /^ {2}fixed-address 10\.0\.0\.20;$/m,
    )
    assert.equal((await r.line('c2 ping -c 1 10.0.0.254')).status, 0)
    // The daemon stays (one dhclient per client), the launcher is gone; a second one is refused.
    assert.match((await r.line('c1 pgrep -l dhclient')).out, /^\d+ dhclient\n$/)
    const again = await r.line('c1 dhclient eth0')
    assert.equal(again.status, 1)
    assert.match(again.out, /^dhclient already running, pid: \d+\.\n$/)
    assert.match(s.log(), /DHCPACK on 10\.0\.0\.19 to \S+ \(c2\) via eth0/)
    assert.match((await r.line('srv cat /var/db/dhcpd.leases')).out, /lease 10\.0\.0\.19 \{\n {2}starts /)
  })

  test('a host declaration gives its MAC the fixed address', async () => {
    const r = await boot()
    const mac = /ether (\S+)/.exec((await r.line('c2 ifconfig eth0')).out)![1]!
    r.server(conf(`host pinned {\n  hardware ethernet ${mac};\n  fixed-address 10.0.0.30;\n}\n`))
    assert.match((await r.line('c1 dhclient eth0')).out, /bound to 10\.0\.0\.20 /)
    assert.match((await r.line('c2 dhclient eth0')).out, /bound to 10\.0\.0\.30 /)
  })

  test('renewal at T1 is a unicast DHCPREQUEST from the leased address, acknowledged', async () => {
    const r = await boot()
    r.server(conf())
    await r.line('c1 dhclient eth0')
    const w = watch(r.lab.sys('srv'))
    await r.sleep(299)
    await w.poll()
    assert.equal(w.seen.length, 0, 'quiet before T1')
    await r.sleep(2)
    await w.poll()
    const req = w.seen.find((x) => dhcpType(x.msg) === DhcpType.REQUEST)
    assert.ok(req, 'a DHCPREQUEST at T1')
    assert.equal(formatIpv4(req.src), '10.0.0.20')
    assert.equal(formatIpv4(req.dst), '10.0.0.1')
    assert.equal(formatIpv4(req.msg.ciaddr), '10.0.0.20')
    assert.equal(req.msg.options.has(DhcpOpt.REQUESTED_IP), false)
    const ack = w.seen.find((x) => dhcpType(x.msg) === DhcpType.ACK)
    assert.ok(ack)
    assert.equal(formatIpv4(ack.dst), '10.0.0.20')
    w.fd.close()
    assert.equal(inet((await r.line('c1 ifconfig eth0')).out), '10.0.0.20')
  })

  test('with the server gone the client rebinds after T2 and gives the address up at expiry', async () => {
    const r = await boot()
    const s = r.server(conf())
    await r.line('c1 dhclient eth0')
    s.kill()
    const w = watch(r.lab.sys('srv'))
    await r.sleep(520)
    await w.poll()
    const before = w.seen.filter((x) => dhcpType(x.msg) === DhcpType.REQUEST)
    assert.ok(before.length >= 2, 'renewals retransmitted')
    assert.ok(
      before.every((x) => formatIpv4(x.dst) === '10.0.0.1'),
      'unicast while renewing',
    )
    await r.sleep(70)
    await w.poll()
    const rebinding = w.seen.filter((x) => dhcpType(x.msg) === DhcpType.REQUEST && x.dst === 0xffffffff)
    assert.ok(rebinding.length >= 1, 'broadcast after T2 (525 s)')
    assert.ok(
      rebinding.every((x) => formatIpv4(x.src) === '10.0.0.20' && formatIpv4(x.msg.ciaddr) === '10.0.0.20'),
    )
    assert.equal(inet((await r.line('c1 ifconfig eth0')).out), '10.0.0.20', 'still bound before expiry')
    await r.sleep(20)
    await w.poll()
    assert.equal(
      inet((await r.line('c1 ifconfig eth0')).out),
      undefined,
      'address given up at expiry (600 s)',
    )
    assert.doesNotMatch((await r.line('c1 netstat -rn -f inet')).out, /^default/m)
    assert.ok(
      w.seen.some((x) => dhcpType(x.msg) === DhcpType.DISCOVER && x.src === 0),
      'back to DHCPDISCOVER',
    )
    w.fd.close()
  })

  test('a one-address pool serves one client; the next gets no offer', async () => {
    const r = await boot()
    const s = r.server(conf('', '10.0.0.10 10.0.0.10'))
    assert.match((await r.line('c1 dhclient eth0')).out, /bound to 10\.0\.0\.10 /)
    const b = await r.line('c2 dhclient eth0')
    assert.equal(b.status, 0, 'dhclient goes to the background and retries later, as FreeBSD does')
    assert.match(b.out, /No DHCPOFFERS received\.\nNo working leases in persistent database - sleeping\.\n$/)
    assert.equal(inet((await r.line('c2 ifconfig eth0')).out), undefined)
    assert.match(s.log(), /DHCPDISCOVER from \S+ \(c2\) via eth0: network 10\.0\.0\.0\/24: no free leases/)
  })

  test('malformed frames and messages are counted and ignored; the server keeps serving', async () => {
    const r = await boot()
    const s = r.server(conf())
    const sys = r.lab.sys('probe')
    const fd = sys.bpfOpen('eth0')
    const mac = sys.ifGet('eth0').mac!
    const m = newDhcp(BootOp.REQUEST, 99, mac)
    m.options.set(DhcpOpt.MESSAGE_TYPE, Uint8Array.of(DhcpType.DISCOVER))
    const frame = (payload: Uint8Array) =>
      buildUdpFrame(
        { srcMac: mac, dstMac: BROADCAST_MAC, srcIp: 0, dstIp: 0xffffffff, srcPort: 68, dstPort: 67 },
        payload,
        16,
      )
    const good = emitDhcp(m)
    const badSum = frame(good)
    badSum[badSum.length - 1] ^= 0xff
    const hlen = good.slice()
    hlen[2] = 40
    const trunc = good.slice()
    trunc.set([DhcpOpt.HOSTNAME, 200], 243)
    for (const f of [badSum, frame(hlen), frame(trunc), frame(good.subarray(0, 100))]) fd.write(f)
    await r.sleep(1)
    const log = s.log()
    assert.match(log, /^1 bad udp checksums in 1 packets$/m)
    assert.match(log, /^Discarding packet with bogus hlen\.$/m)
    assert.match(log, /^Discarding malformed packet on eth0 \(truncated option\)\.$/m)
    assert.match(log, /^Discarding malformed packet on eth0 \(bad length\)\.$/m)
    assert.doesNotMatch(log, /DHCPOFFER/)
    fd.close()
    assert.match((await r.line('c1 dhclient eth0')).out, /bound to 10\.0\.0\.20 /)
  })

  test("a DHCPREQUEST for an address that is not the client's is answered with a broadcast DHCPNAK", async () => {
    const r = await boot()
    const s = r.server(conf())
    const sys = r.lab.sys('probe')
    const fd = sys.bpfOpen('eth0')
    const mac = sys.ifGet('eth0').mac!
    const m = newDhcp(BootOp.REQUEST, 7, mac)
    m.options.set(DhcpOpt.MESSAGE_TYPE, Uint8Array.of(DhcpType.REQUEST))
    m.options.set(DhcpOpt.REQUESTED_IP, optAddr(ip('192.168.1.5')))
    fd.write(
      buildUdpFrame(
        { srcMac: mac, dstMac: BROADCAST_MAC, srcIp: 0, dstIp: 0xffffffff, srcPort: 68, dstPort: 67 },
        emitDhcp(m),
        16,
      ),
    )
    await r.sleep(1)
    let nak: DhcpRepr | undefined
    const d = newDecodedFrame()
    await fd.read((rec) => {
      decodeUdpFrame(rec.buf, rec.off, rec.caplen, d)
      if (d.error === FrameError.OK && d.dstPort === 68 && d.dstIp === 0xffffffff) {
        const p = parseDhcp(rec.buf, d.payloadOff, d.payloadLen)
        if (p.ok) nak = p.msg
      }
    }, 0)
    fd.close()
    assert.ok(nak, s.log())
    assert.equal(dhcpType(nak), DhcpType.NAK)
    assert.equal(nak.xid, 7)
    assert.match(s.log(), new RegExp(`DHCPNAK on 192\\.168\\.1\\.5 to ${formatMac(mac)} via eth0`))
  })

  test("dhcpd.conf errors are ISC's; the lease database must exist", async () => {
    const r = await boot()
    const fs = r.lab.nodeFs('srv')
    assert.ok(
      fs.truncate('/etc/bad.conf') &&
        fs.append(
          '/etc/bad.conf',
          'subnet 10.0.0.0 netmask 255.255.255.0 {\n  range 10.0.0.10 10.0.0.20\n}\n',
        ),
    )
    const bad = await r.line('srv dhcpd -q -cf /etc/bad.conf')
    assert.equal(bad.status, 1)
    assert.match(
      bad.out,
      /^\/etc\/bad\.conf line 3: semicolon expected\.\n\}\n\^\nConfiguration file errors encountered -- exiting\n\nexiting\.\n$/,
    )
    assert.ok(fs.truncate('/etc/ok.conf') && fs.append('/etc/ok.conf', conf()))
    const noDb = await r.line('srv dhcpd -q -cf /etc/ok.conf -lf /var/db/none')
    assert.equal(noDb.status, 1)
    assert.match(noDb.out, /^Can't open lease database \/var\/db\/none: No such file or directory --/)
    assert.equal((await r.line('srv dhcpd -t -q -cf /etc/ok.conf')).status, 0)
    const usage = await r.line('c1 dhclient')
    assert.equal(usage.status, 64)
    assert.match((await r.line('c1 dhclient eth9')).out, /^dhclient: eth9: not found\n$/)
  })
})

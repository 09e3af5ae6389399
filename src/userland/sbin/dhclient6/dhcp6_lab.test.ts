/**
 * ISC's dhclient -6 and dhcpd -6 on one LAN, in virtual time, driven by console lines and watched
 * through bpf: the client gets an address from the range (a host declaration's MAC its
 * fixed-address6), installs it /128 and writes resolv.conf; it renews at T1 with the server's DUID;
 * a restarted server keeps its DUID and bindings from the lease file and answers the renewal; with
 * the server gone the address goes at the end of its valid lifetime; a malformed message is
 * dropped; a bad dhcpd6.conf is ISC's line-numbered error; tshark (when installed) decodes the
 * exchange with nothing malformed.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { AF_INET6, SOCK, type Syscalls } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { LabConsole } from '../../../topology/console/console.js'
import { loadAny } from '../../../topology/file/load.js'
import { Lab } from '../../../topology/lab/emulator.js'
import {
  ALL_DHCP_RELAY_AGENTS_AND_SERVERS,
  type Dhcp6Msg,
  Dhcp6Type,
  parseDhcp6,
} from '../../../wire/app/dhcp6.js'
import { startProcess } from '../../process.js'

const LAN = `
name: dhcp6-lan
nodes:
  sw: { kind: switch }
  srv: { kind: host, interfaces: [ { name: eth0, ipv6: [ fc00:3::10/64 ] } ] }
  c1: { kind: pc, interfaces: [ { name: eth0 } ] }
  c2: { kind: pc, interfaces: [ { name: eth0 } ] }
links:
  - { a: srv, b: sw }
  - { a: c1, b: sw }
  - { a: c2, b: sw }
`

const CONF = (extra = '') => `authoritative;
default-lease-time 300;
option dhcp-renewal-time 100;
option dhcp-rebinding-time 200;
option dhcp6.name-servers fc00:3::53;
option dhcp6.domain-search "example.org";
dhcpv6-lease-file-name "/var/db/dhcpd6.leases";
subnet6 fc00:3::/64 {
\trange6 fc00:3::100 fc00:3::109;
}
${extra}`

interface Run {
  lab: Lab
  host: Host
  line(text: string): Promise<{ status: number; out: string }>
  sleep(s: number): Promise<void>
  server(text?: string, fresh?: boolean): { log: () => string; kill: () => void }
}

let current: Run | null = null
afterEach(() => {
  if (current === null) return
  current.lab.destroy()
  current = null
})

async function boot(): Promise<Run> {
  const { topology } = loadAny(LAN, 'lab.yaml')
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 7 })
  const lab = Lab.build(host, topology)
  let out = ''
  const io = {
    stdin: { read: async () => null },
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (out += s) },
  }
  assert.deepEqual(await lab.start(() => io), [])
  const console = new LabConsole(lab, io)
  // The clients' eth0 has no inet6 address, so IPv6 starts disabled there (nd6_ifattach): enable
  // it for the link-local address dhclient -6 sends from, as the lab's rc.conf would.
  for (const c of ['c1', 'c2']) await console.runLine(`${c} ifconfig eth0 inet6 -ifdisabled`)
  const run: Run = {
    lab,
    host,
    async line(text) {
      out = ''
      const status = await console.runLine(text)
      return { status, out }
    },
    sleep: (s) => host.syscalls().nanosleep(s * 1e9),
    server(text = CONF(), fresh = true) {
      const fs = lab.nodeFs('srv')
      assert.ok(fs.truncate('/usr/local/etc/dhcpd6.conf') && fs.append('/usr/local/etc/dhcpd6.conf', text))
      if (fresh) assert.ok(fs.truncate('/var/db/dhcpd6.leases'))
      let log = ''
      const w = { write: (s: string) => void (log += s) }
      const job = startProcess(
        lab.sys('srv'),
        ['dhcpd', '-6', '-d', '-q'],
        { stdin: io.stdin, stdout: w, stderr: w },
        { programs: lab.programs, fs },
      )
      return { log: () => log, kill: () => job.kill(15) }
    },
  }
  current = run
  return run
}

/** DHCPv6 messages crossing a node's eth0 (UDP 546/547 over IPv6 without extension headers). */
function watch(sys: Syscalls): { seen: Dhcp6Msg[]; frames: Uint8Array[]; poll(): Promise<void> } {
  const fd = sys.bpfOpen('eth0')
  const seen: Dhcp6Msg[] = []
  const frames: Uint8Array[] = []
  return {
    seen,
    frames,
    async poll() {
      await fd.read((r) => {
        const b = r.buf.subarray(r.off, r.off + r.caplen)
        if (b.length < 62 || b[12] !== 0x86 || b[13] !== 0xdd || b[20] !== 17) return
        const dport = (b[56]! << 8) | b[57]!
        if (dport !== 546 && dport !== 547) return
        frames.push(b.slice())
        const p = parseDhcp6(b, 62, b.length - 62)
        if (p.ok) seen.push(p.msg)
      }, 0)
    },
  }
}

const inet6 = (ifconfig: string) =>
  [...ifconfig.matchAll(/\tinet6 (fc00:\S+) prefixlen (\d+)/g)].map((m) => `${m[1]}/${m[2]}`)

describe('dhclient -6 and dhcpd -6 on a LAN', () => {
  test('leases from the range, /128 as ISC installs it, resolv.conf, a fixed-address6 by MAC', async () => {
    const r = await boot()
    const mac = /ether (\S+)/.exec((await r.line('c2 ifconfig eth0')).out)![1]!
    const s = r.server(CONF(`host fix {\n  hardware ethernet ${mac};\n  fixed-address6 fc00:3::50;\n}\n`))
    const a = await r.line('c1 /usr/local/sbin/dhclient -6 eth0')
    assert.equal(a.status, 0, a.out)
    assert.equal(a.out, '', 'quiet without -v')
    const got = inet6((await r.line('c1 ifconfig eth0')).out)
    assert.equal(got.length, 1)
    assert.match(got[0]!, /^fc00:3::10[0-9]\/128$/)
    assert.equal((await r.line('c1 cat /etc/resolv.conf')).out, 'search example.org\nnameserver fc00:3::53\n')
    assert.match((await r.line('c1 cat /var/db/dhclient6.leases')).out, /^default-duid "\\000\\001\\000\\001/)
    assert.match((await r.line('c1 pgrep -l dhclient')).out, /^\d+ dhclient\n$/)
    await r.line('c2 /usr/local/sbin/dhclient -6 eth0')
    assert.deepEqual(inet6((await r.line('c2 ifconfig eth0')).out), ['fc00:3::50/128'])
    assert.match(
      s.log(),
      /Reply NA: address fc00:3::10\d to client with duid 00:01:00:01:\S+ iaid = \d+ valid for 300 seconds/,
    )
    assert.match(s.log(), /Reply NA: address fc00:3::50 to client with duid \S+ iaid = \d+ static/)
    assert.match(
      (await r.line('srv cat /var/db/dhcpd6.leases')).out,
      /ia-na "[^"]+" \{\n {2}cltt .*\n {2}iaaddr fc00:3::10\d \{\n {4}binding state active;\n {4}preferred-life 187;\n {4}max-life 300;/,
    )
  })

  test('renews at T1 to its server; a restarted server answers from its lease file; without one the address expires', async () => {
    const r = await boot()
    let s = r.server()
    await r.line('c1 /usr/local/sbin/dhclient -6 eth0')
    const addr = inet6((await r.line('c1 ifconfig eth0')).out)[0]!
    const w = watch(r.lab.sys('srv'))
    await r.sleep(99)
    await w.poll()
    assert.equal(w.seen.length, 0, 'quiet before T1')
    // A server restart in between: same DUID, same binding.
    const duidBefore = /server-duid "([^"]+)"/.exec((await r.line('srv cat /var/db/dhcpd6.leases')).out)![1]
    s.kill()
    await r.sleep(0.5)
    s = r.server(CONF(), false)
    await r.sleep(12)
    await w.poll()
    const renew = w.seen.find((m) => m.type === Dhcp6Type.RENEW)
    assert.ok(renew, 'a RENEW at T1')
    assert.ok(renew.serverId !== undefined && renew.ias[0]!.addrs.length === 1)
    assert.ok(
      w.seen.some((m) => m.type === Dhcp6Type.REPLY),
      s.log(),
    )
    assert.equal(
      /server-duid "([^"]+)"/.exec((await r.line('srv cat /var/db/dhcpd6.leases')).out)![1],
      duidBefore,
    )
    assert.deepEqual(inet6((await r.line('c1 ifconfig eth0')).out), [addr])
    // Server gone: REBIND at T2 goes unanswered, the address leaves at the valid lifetime's end.
    s.kill()
    await r.sleep(250)
    await w.poll()
    assert.ok(w.seen.some((m) => m.type === Dhcp6Type.REBIND && m.serverId === undefined))
    assert.deepEqual(inet6((await r.line('c1 ifconfig eth0')).out), [addr], 'still there before expiry')
    await r.sleep(120)
    assert.deepEqual(inet6((await r.line('c1 ifconfig eth0')).out), [], 'gone after expiry')
    // And the client starts over: Solicits again.
    await w.poll()
    assert.ok(w.seen.filter((m) => m.type === Dhcp6Type.SOLICIT).length > 0)
    await r.line('c1 killall dhclient')

    if (!have('tshark')) return
    const dir = mkdtempSync(join(tmpdir(), 'virtnet-dhcp6-'))
    try {
      const f = join(dir, 'd6.pcap')
      const hdr = new Uint8Array(24)
      const dv = new DataView(hdr.buffer)
      dv.setUint32(0, 0xa1b2c3d4, true)
      dv.setUint16(4, 2, true)
      dv.setUint16(6, 4, true)
      dv.setUint32(16, 65535, true)
      dv.setUint32(20, 1, true)
      const parts: Uint8Array[] = [hdr]
      for (const fr of w.frames) {
        const ph = new Uint8Array(16)
        const pv = new DataView(ph.buffer)
        pv.setUint32(8, fr.length, true)
        pv.setUint32(12, fr.length, true)
        parts.push(ph, fr)
      }
      writeFileSync(f, Buffer.concat(parts))
      const run = (...args: string[]) =>
        execFileSync('tshark', ['-r', f, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
      assert.equal(run('-Y', '_ws.malformed'), '')
      const types = run('-T', 'fields', '-e', 'dhcpv6.msgtype').trim().split('\n')
      assert.ok(types.includes('5') && types.includes('7') && types.includes('6'), types.join(','))
      if (have('tcpdump')) {
        // Debian's tcpdump names the messages as ours prints them (print.ts, print-dhcp6.c's names).
        const lines = execFileSync('tcpdump', ['-nr', f], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
        assert.match(lines, /\.546 > ff02::1:2\.547: dhcp6 renew$/m)
        assert.match(lines, /\.547 > fe80::\S+\.546: dhcp6 reply$/m)
        assert.match(lines, /\.546 > ff02::1:2\.547: dhcp6 rebind$/m)
      }
    } finally {
      rmSync(dir, { recursive: true })
    }
  })

  test('a malformed message is dropped; a bad dhcpd6.conf is ISC line-numbered error', async () => {
    const r = await boot()
    const bad = await r.line('srv touch /var/db/dhcpd6.leases')
    assert.equal(bad.status, 0)
    const fs = r.lab.nodeFs('srv')
    assert.ok(
      fs.truncate('/usr/local/etc/dhcpd6.conf') &&
        fs.append('/usr/local/etc/dhcpd6.conf', 'subnet6 fc00:3::/64 {\n  range6 fc00:4::1 fc00:4::9;\n}\n'),
    )
    const e = await r.line('srv dhcpd -6 -q -d')
    assert.equal(e.status, 1)
    assert.match(
      e.out,
      /^\/usr\/local\/etc\/dhcpd6\.conf line 2: range6 address fc00:4::1 is not in subnet6 fc00:3::\/64\n {2}range6 fc00:4::1 fc00:4::9;\n {2}\^\nConfiguration file errors encountered -- exiting\n\nexiting\.\n$/,
    )
    const s = r.server()
    await r.sleep(1)
    await r.line('c1 ifconfig eth0 up')
    await r.sleep(2)
    const c1 = r.lab.sys('c1')
    const fd = c1.socket(AF_INET6, SOCK.DGRAM)
    const to = {
      addr: 0,
      port: 547,
      addr6: ALL_DHCP_RELAY_AGENTS_AND_SERVERS,
      scopeId: c1.ifGet('eth0').index,
    }
    fd.sendto(Uint8Array.of(1, 0, 0, 1, 0, 8, 0, 9), to)
    fd.sendto(Uint8Array.of(12, 0, 0, 1), to)
    fd.close()
    await r.sleep(1)
    assert.match(s.log(), /Discarding malformed DHCPv6 message from fe80::\S+ \(option past its end\)\./)
    assert.match(s.log(), /\(relay message\)/)
    await r.line('c1 /usr/local/sbin/dhclient -6 eth0')
    assert.equal(inet6((await r.line('c1 ifconfig eth0')).out).length, 1, 'the server still serves')
    assert.match(s.log(), /Solicit message from fe80::\S+ port 546, transaction ID 0x/)
  })

  test("pkg lists the built-in ports; service runs isc-dhcpd6 as rc.subr does; /sbin/dhclient is still FreeBSD's", async () => {
    const r = await boot()
    const p = await r.line('c1 pkg info')
    assert.equal(p.status, 0)
    assert.match(p.out, /^isc-dhcp44-server-4\.4\.3P1_3 +ISC DHCP Server$/m)
    assert.match(p.out, /^isc-dhcp44-client-\S+ +ISC Dynamic Host Configuration Protocol client$/m)
    assert.equal((await r.line('c1 pkg info -e isc-dhcp44-client')).status, 0)
    assert.equal((await r.line('c1 pkg info -e nope')).status, 1)
    assert.equal((await r.line('c1 pkg install nope')).status, 1)
    const fs = r.lab.nodeFs('srv')
    assert.ok(fs.truncate('/usr/local/etc/dhcpd6.conf') && fs.append('/usr/local/etc/dhcpd6.conf', CONF()))
    assert.ok(fs.truncate('/var/db/dhcpd6.leases'))
    const no = await r.line('srv service isc-dhcpd6 start')
    assert.match(
      no.out,
      /^Cannot 'start' dhcpd6\. Set dhcpd6_enable to YES in \/etc\/rc\.conf or use 'onestart' instead of 'start'\.\n$/,
    )
    assert.equal((await r.line('srv service isc-dhcpd6 onestatus')).out, 'dhcpd6 is not running.\n')
    const restart = await r.line('srv service isc-dhcpd6 onerestart')
    assert.equal(restart.out, 'dhcpd6 not running? (check /var/run/dhcpd6.pid).\nStarting dhcpd6.\n')
    assert.equal(restart.status, 0)
    assert.match((await r.line('srv service isc-dhcpd6 onestatus')).out, /^dhcpd6 is running as pid \d+\.\n$/)
    assert.match((await r.line('srv sockstat -6 -l')).out, /dhcpd +\d+ +\d+ +udp6 +\*:547/)
    await r.line('c1 /usr/local/sbin/dhclient -6 eth0')
    assert.equal(inet6((await r.line('c1 ifconfig eth0')).out).length, 1)
    assert.match(
      (await r.line('srv service isc-dhcpd6 onestop')).out,
      /^Stopping dhcpd6\.\nWaiting for PIDS: \d+\.\n$/,
    )
    assert.equal((await r.line('srv service isc-dhcpd6 onestatus')).status, 1)
    const base = await r.line('c2 /sbin/dhclient -6 eth0')
    assert.equal(base.status, 64, base.out)
  })
})

function have(tool: string): boolean {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

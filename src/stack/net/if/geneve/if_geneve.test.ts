/**
 * geneve(4) in virtual time: two jails on an epair, each with a geneve interface over the other's
 * address. Pings cross l2 (Ethernet in 0x6558) and l3 (the inner EtherType) tunnels over IPv4 and
 * IPv6 underlays; the bytes on the epair are RFC 8926's (and tshark's, where installed); a
 * hostile peer's datagrams are dropped and counted; end points are busy while running or external;
 * interfaces share a socket by VNI; learning, aging and flushing; RFC 6040's ECN on decapsulation.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { have } from '../../../../testing/real_tools.js'
import { shellWorld, wiretap } from '../../../../testing/shell.js'
import { readU16 } from '../../../../wire/addr.js'
import { fold, sum16 } from '../../../../wire/checksum.js'
import { emitGeneve } from '../../../../wire/inet/geneve.js'
import { icmpFinish, writeIcmpHeader } from '../../../../wire/inet/icmp.js'
import { writeIpv4Header } from '../../../../wire/inet/ipv4.js'
import { ipv6PseudoSum } from '../../../../wire/inet6/ipv6.js'
import { LinkType, PcapWriter } from '../../../../wire/pcap/pcap.js'

const A = 0xc0a80201 // 192.168.2.1
const B = 0xc0a80202 // 192.168.2.2

function setup(mode: 'l2' | 'l3', v6: boolean): string {
  const [a, b] = v6 ? ['3fff::1', '3fff::2'] : ['192.168.2.1', '192.168.2.2']
  const under = v6 ? (x: string) => `inet6 ${x}` : (x: string) => `inet ${x}/24`
  return `
jail -c name=one vnet persist
jail -c name=two vnet persist
ifconfig epair create >/dev/null
ifconfig epair0a vnet one
ifconfig epair0b vnet two
jexec one ifconfig epair0a ${under(a)} up
jexec two ifconfig epair0b ${under(b)} up
jexec one ifconfig geneve1 create genevemode ${mode} geneveid 1 geneveremote ${b} genevelocal ${a} up
jexec two ifconfig geneve1 create genevemode ${mode} geneveid 1 geneveremote ${a} genevelocal ${b} up
jexec one ifconfig geneve1 inet 169.254.0.1/24
jexec two ifconfig geneve1 inet 169.254.0.2/24
`
}

/** The Geneve datagrams among frames: [ip offset, udp offset] of each (IPv4 or IPv6 outer). */
function geneveFrames(frames: Uint8Array[]): Array<{ f: Uint8Array; ip: number; udp: number }> {
  const out: Array<{ f: Uint8Array; ip: number; udp: number }> = []
  for (const f of frames) {
    const et = readU16(f, 12)
    if (et === 0x0800 && f[23] === 17 && readU16(f, 36) === 6081) out.push({ f, ip: 14, udp: 34 })
    if (et === 0x86dd && f[20] === 17 && readU16(f, 56) === 6081) out.push({ f, ip: 14, udp: 54 })
  }
  return out
}

/** A datagram to one's port 6081 from two's stack, as a hostile or odd peer would send it. */
function inject(w: ReturnType<typeof shellWorld>, payload: Uint8Array, tos = 0): void {
  const v = w.host.allJails().find((j) => j.name === 'two')!.vnet
  const m = v.env.pool.get(8 + payload.length)
  m.data[m.off] = 0x10
  m.data[m.off + 1] = 0x92
  m.data[m.off + 2] = 6081 >>> 8
  m.data[m.off + 3] = 6081 & 0xff
  m.data.set(payload, m.off + 8)
  m.len = 8 + payload.length
  const err = v.env.domains.udpTunnel4()!.output(v, m, B, A, { ttl: 64, tos, df: false, mifp: null })
  assert.equal(err, undefined)
}

/** An ICMP echo request 169.254.0.2 → 169.254.0.1 with the given TOS byte. */
function echo(tos: number): Uint8Array {
  const b = new Uint8Array(28)
  writeIpv4Header(b, 0, 0xa9fe0002, 0xa9fe0001, 1, 64, tos, 7, 8, 0)
  writeIcmpHeader(b, 20, 8, 0, 0x12340001)
  icmpFinish(b, 20, 8)
  return b
}

function gen(opts: Partial<Parameters<typeof emitGeneve>[0]>, inner: Uint8Array): Uint8Array {
  const h = emitGeneve({
    version: 0,
    oam: false,
    critical: false,
    proto: 0x0800,
    vni: 1,
    options: [],
    ...opts,
  })
  const b = new Uint8Array(h.length + inner.length)
  b.set(h)
  b.set(inner, h.length)
  return b
}

describe('geneve(4)', () => {
  test('l2 over IPv4: ping through the tunnel, RFC 8926 on the wire, ifconfig -v as FreeBSD prints it', async (t) => {
    const w = shellWorld(5)
    let r = await w.run(setup('l2', false))
    assert.equal(r.status, 0, r.err)
    const wire = wiretap(w.ifp('one', 'epair0a'))
    r = await w.run('jexec one ping -c 2 169.254.0.2')
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /2 packets received/)
    const g = geneveFrames(wire)
    assert.ok(g.length >= 3, 'ARP and two echo requests, encapsulated')
    const ports = new Set<number>()
    for (const { f, ip, udp } of g) {
      assert.equal(f[ip + 8], 64, 'outer TTL: genevettl 64')
      assert.equal(readU16(f, ip + 2), f.length - 14, 'IPv4 total length')
      assert.deepEqual([...f.subarray(ip + 12, ip + 20)], [192, 168, 2, 1, 192, 168, 2, 2])
      const sport = readU16(f, udp)
      assert.ok(sport >= 10000 && sport <= 65535, `source port ${sport} in the port range`)
      assert.equal(readU16(f, udp + 4), f.length - udp, 'UDP length')
      assert.equal(readU16(f, udp + 6), 0, 'no UDP checksum over IPv4 (RFC 8926 §3.3)')
      // Ver 0, Opt Len 0, O and C clear, Ethernet, VNI 1, reserved 0.
      assert.deepEqual([...f.subarray(udp + 8, udp + 16)], [0, 0, 0x65, 0x58, 0, 0, 1, 0])
      const inner = udp + 16
      assert.ok([0x0800, 0x0806].includes(readU16(f, inner + 12)), 'an Ethernet frame inside')
      if (readU16(f, inner + 12) === 0x0800) ports.add(sport)
    }
    // The source port is a hash of the inner Ethernet header: one flow, one port.
    assert.equal(ports.size, 1)
    r = await w.run('jexec one ifconfig -v geneve1')
    assert.match(
      r.out,
      /^geneve1: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1436\n\toptions=80020<JUMBO_MTU,LINKSTATE>\n\tether [0-9a-f:]{17}\n\tinet 169\.254\.0\.1 netmask 0xffffff00 broadcast 169\.254\.0\.255\n\tgeneve mode: l2\n\tgeneve config:\n\t\tvirtual network identifier \(vni\): 1\n\t\tlocal: 192\.168\.2\.1:6081\n\t\tremote: 192\.168\.2\.2:6081\n\t\tportrange: 10000-65535, ttl: 64, df: unset\n\t\tftable mode: learning, count: 1, max: 2000, timeout: 1200, nospace: 0\n\t\tstats: tso 0, txcsum 0, rxcsum 0\n\tgroups: geneve\n\tmedia: Ethernet autoselect \(autoselect <full-duplex>\)\n\tstatus: active\n/,
    )
    r = await w.run('kldstat -q -m if_geneve && echo present; kldload if_geneve')
    assert.match(r.out, /^present$/m)
    assert.match(r.err, /kldload: can't load if_geneve: module already loaded or in kernel/)
    // tshark decodes what went on the wire as Geneve, with nothing malformed.
    if (!have('tshark')) return t.skip('tshark is not installed (apt-get install tshark)')
    const pw = new PcapWriter(LinkType.EN10MB)
    const parts = [pw.header(), ...wire.map((f, i) => pw.record(i * 1000, f, 0, f.length, f.length))]
    const dir = mkdtempSync(join(tmpdir(), 'virtnet-geneve-'))
    try {
      const file = join(dir, 'geneve.pcap')
      writeFileSync(file, Buffer.concat(parts))
      const tshark = (...args: string[]) =>
        execFileSync('tshark', ['-r', file, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
      assert.equal(tshark('-Y', '_ws.malformed || _ws.expert.severity >= error'), '')
      const rows = tshark(
        '-Y',
        'geneve',
        '-T',
        'fields',
        '-e',
        'geneve.vni',
        '-e',
        'geneve.proto_type',
        '-e',
        'eth.type',
      )
        .trim()
        .split('\n')
      assert.equal(rows.length, g.length)
      for (const row of rows) assert.match(row, /^0x0*1\t0x6558\t0x0800,0x0(800|806)$/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('l3 over IPv6: the inner EtherType as Protocol Type, the UDP checksum, genevettl and inherit, ECN and DSCP', async () => {
    const w = shellWorld(6)
    let r = await w.run(setup('l3', true))
    assert.equal(r.status, 0, r.err)
    const wire = wiretap(w.ifp('one', 'epair0a'))
    r = await w.run(
      'jexec one ping -c 1 169.254.0.2; jexec one ifconfig geneve1 genevettl 5; jexec one ping -c 1 -m 9 169.254.0.2; jexec one ifconfig geneve1 genevettl inherit; jexec one ping -c 1 -m 9 169.254.0.2',
    )
    assert.equal(r.status, 0, r.err)
    assert.equal((r.out.match(/1 packets received/g) ?? []).length, 3)
    const g = geneveFrames(wire)
    assert.equal(g.length, 3)
    const hlims: number[] = []
    for (const { f, ip, udp } of g) {
      hlims.push(f[ip + 7]!)
      const ulen = readU16(f, udp + 4)
      assert.equal(ulen, f.length - udp)
      assert.notEqual(readU16(f, udp + 6), 0, 'IPv6 requires the UDP checksum')
      assert.equal(fold(sum16(f, udp, ulen, ipv6PseudoSum(f, ip + 8, f, ip + 24, ulen, 17))), 0xffff)
      assert.deepEqual([...f.subarray(udp + 8, udp + 16)], [0, 0, 0x08, 0x00, 0, 0, 1, 0])
      assert.equal(f[udp + 16]! >>> 4, 4, 'an IPv4 packet right after the header')
    }
    assert.deepEqual(hlims, [64, 5, 9])
    // RFC 6040 §4.1: the outer ECN field is the inner one's; the DSCP only with genevedscpinherit.
    const before = geneveFrames(wire).length
    r = await w.run(
      'jexec one ifconfig geneve1 genevettl 64; jexec one ping -c 1 -z 0xba 169.254.0.2; jexec one ifconfig geneve1 genevedscpinherit; jexec one ping -c 1 -z 0xba 169.254.0.2',
    )
    assert.equal(r.status, 0, r.err)
    const tc = geneveFrames(wire)
      .slice(before)
      .map(({ f, ip }) => ((f[ip]! & 0xf) << 4) | (f[ip + 1]! >>> 4))
    assert.deepEqual(tc, [0x02, 0xba])
    r = await w.run('jexec one ifconfig geneve1')
    assert.match(
      r.out,
      /^geneve1: flags=80c1<UP,RUNNING,NOARP,MULTICAST> metric 0 mtu 1430\n\toptions=80020<JUMBO_MTU,LINKSTATE>\n\tinet 169\.254\.0\.1 netmask 0xffffff00\n\tgeneve mode: l3\n\tgeneve config:\n\t\tvirtual network identifier \(vni\): 1\n\t\tlocal: \[3fff::1\]:6081\n\t\tremote: \[3fff::2\]:6081\n\tgroups: geneve\n/,
    )
  })

  test('a hostile peer: bad version, O bit, critical option, overrunning option, unknown VNI are dropped and counted', async () => {
    const w = shellWorld(7)
    let r = await w.run(setup('l3', false))
    assert.equal(r.status, 0, r.err)
    const gif = w.ifp('one', 'geneve1')
    const ok = echo(0)
    inject(w, gen({ version: 1 }, ok))
    inject(w, gen({ oam: true }, ok))
    inject(w, gen({ critical: true, options: [{ cls: 0x0101, type: 0x80, data: new Uint8Array(4) }] }, ok))
    const overrun = gen({ options: [{ cls: 1, type: 1, data: new Uint8Array(4) }] }, ok)
    overrun[11] = 9
    inject(w, overrun)
    inject(w, gen({ vni: 2 }, ok))
    inject(w, new Uint8Array(5))
    // A non-critical option is skipped by its length; reserved bits are ignored; the echo is answered.
    const fine = gen({ options: [{ cls: 0x0102, type: 3, data: new Uint8Array(8) }] }, ok)
    fine[1] = 0x3f
    const before = gif.stats.ipackets
    const wire = wiretap(w.ifp('one', 'epair0a'))
    inject(w, fine)
    r = await w.run('sleep 1; sysctl -j one net.link.geneve.stats')
    assert.equal(
      r.out,
      [
        'net.link.geneve.stats.bad_header: 2',
        'net.link.geneve.stats.bad_version: 1',
        'net.link.geneve.stats.critical: 1',
        'net.link.geneve.stats.oam: 1',
        'net.link.geneve.stats.unknown_vni: 1',
        '',
      ].join('\n'),
    )
    assert.equal(gif.stats.ipackets, before + 1)
    const replies = geneveFrames(wire).filter(({ f, udp }) => f[udp + 16 + 20] === 0)
    assert.equal(replies.length, 1, 'the echo reply went back through the tunnel')
    // An Ethernet payload on an l3 tunnel, or ARP, is the interface's error.
    const ierr = gif.stats.ierrors
    inject(w, gen({ proto: 0x6558 }, new Uint8Array(60)))
    inject(w, gen({ proto: 0x0806 }, new Uint8Array(28)))
    inject(w, gen({ proto: 0x0800 }, new Uint8Array([0x60, 0, 0, 0])))
    await w.run('sleep 1')
    assert.equal(gif.stats.ierrors, ierr + 3)
    r = await w.run('jexec one ping -c 1 169.254.0.2')
    assert.equal(r.status, 0, 'the tunnel still works')
  })

  test('RFC 6040 on decapsulation: CE reaches an ECN-capable inner header, drops a Not-ECT one', async () => {
    const w = shellWorld(8)
    let r = await w.run(setup('l3', false))
    assert.equal(r.status, 0, r.err)
    const gif = w.ifp('one', 'geneve1')
    const wire = wiretap(w.ifp('one', 'epair0a'))
    const ierr = gif.stats.ierrors
    inject(w, gen({}, echo(0)), 3) // CE over Not-ECT
    inject(w, gen({}, echo(2)), 3) // CE over ECT(0): the inner becomes CE, its checksum still right
    r = await w.run('sleep 1')
    assert.equal(gif.stats.ierrors, ierr + 1)
    const replies = geneveFrames(wire).filter(({ f, udp }) => f[udp + 16 + 20] === 0)
    assert.equal(replies.length, 1, 'one echo answered')
  })

  test('busy while running or external; FreeBSD messages and exit codes', async () => {
    const w = shellWorld(9)
    let r = await w.run(setup('l2', false))
    assert.equal(r.status, 0, r.err)
    r = await w.run('jexec one ifconfig geneve1 geneveid 5')
    assert.equal(r.status, 16)
    assert.equal(r.err, 'ifconfig: geneve interface is busy.\n')
    r = await w.run(
      'jexec one ifconfig geneve1 geneveexternal; jexec one ifconfig geneve1 down geneveid 10 up',
    )
    assert.equal(r.status, 16)
    r = await w.run('jexec one ifconfig -v geneve1')
    assert.match(r.out, /df: unset, externally controlled\n/)
    assert.match(
      r.out,
      /flags=8802<BROADCAST,SIMPLEX,MULTICAST>/,
      'down, and the `up` after the refusal never ran',
    )
    r = await w.run(
      'jexec one ifconfig geneve1 -geneveexternal down geneveid 10 up; jexec one ifconfig geneve1',
    )
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /\(vni\): 10\n/)
    for (const [cmd, msg, status] of [
      ['geneve1 genevemaxaddr 2001', 'maximum number of entries in the table can not be more than 2000', 22],
      [
        'geneve1 genevetimeout 86401',
        'maximum timeout for stale entries in the table can not be more than 86400',
        22,
      ],
      ['geneve1 geneveid 16777216', 'invalid network identifier: 16777216', 1],
      ['geneve1 genevegroup 10.0.0.1', 'group address must be multicast', 1],
      ['geneve1 geneveremote 239.1.1.1', 'remote address cannot be multicast', 1],
      ['geneve1 genevedf maybe', 'invalid df value: maybe', 1],
      ['geneve1 genevettl 300', 'invalid TTL value: 300', 1],
      ['geneve2 create genevemode l4', 'invalid inner protocol: l4', 1],
    ] as const) {
      r = await w.run(`jexec one ifconfig ${cmd}`)
      assert.equal(r.err, `ifconfig: ${msg}\n`, cmd)
      assert.equal(r.status, status, cmd)
    }
    r = await w.run('jexec one ifconfig geneve2')
    assert.equal(r.status, 1, 'the bad create made nothing')
  })

  test('interfaces share a socket by VNI; a second user of one VNI does not run; destroy frees the port', async () => {
    const w = shellWorld(10)
    let r = await w.run(`${setup('l2', false)}
jexec one ifconfig geneve2 create geneveid 2 geneveremote 192.168.2.2 genevelocal 192.168.2.1 up
jexec one ifconfig geneve3 create geneveid 1 geneveremote 192.168.2.2 genevelocal 192.168.2.1 up
jexec one netstat -an -p udp
jexec one ifconfig geneve3`)
    assert.equal(r.status, 0, r.err)
    assert.equal((r.out.match(/192\.168\.2\.1\.6081/g) ?? []).length, 1, 'one socket')
    assert.match(
      r.out,
      /geneve3: flags=8803<UP,BROADCAST,SIMPLEX,MULTICAST>/,
      'VNI 1 is taken: up, not running',
    )
    r = await w.run(
      'jexec one ifconfig geneve1 destroy; jexec one ifconfig geneve2 destroy; jexec one ifconfig geneve3 destroy; jexec one netstat -an -p udp',
    )
    assert.doesNotMatch(r.out, /6081/)
  })

  test('learning: an entry per sender, aged by genevetimeout, flushed; a full table counts nospace', async () => {
    const w = shellWorld(11)
    let r = await w.run(`${setup('l2', false)}
jexec one ping -c 1 169.254.0.2 >/dev/null
jexec one ifconfig -v geneve1`)
    assert.match(r.out, /count: 1, max: 2000, timeout: 1200, nospace: 0/)
    r = await w.run('jexec one ifconfig geneve1 genevetimeout 10; sleep 11; jexec one ifconfig -v geneve1')
    assert.match(r.out, /count: 0, max: 2000, timeout: 10/)
    r = await w.run(
      'jexec one ifconfig geneve1 genevemaxaddr 0; jexec one ping -c 1 169.254.0.2 >/dev/null; jexec one ifconfig -v geneve1',
    )
    assert.match(r.out, /count: 0, max: 0, timeout: 10, nospace: [1-9]/)
    r = await w.run(
      'jexec one ifconfig geneve1 genevemaxaddr 5 -genevelearn; jexec one ping -c 1 169.254.0.2 >/dev/null; jexec one ifconfig -v geneve1',
    )
    assert.match(r.out, /ftable mode: nolearning, count: 0/)
    r = await w.run(
      'jexec one ifconfig geneve1 genevelearn; jexec one ping -c 1 169.254.0.2 >/dev/null; jexec one ifconfig geneve1 geneveflushall; jexec one ifconfig -v geneve1',
    )
    assert.match(r.out, /ftable mode: learning, count: 0/)
  })

  test('multicast: genevegroup over IPv4 with genevedev, and over IPv6 by the route to the group', async () => {
    const w = shellWorld(12)
    let r = await w.run(`
jail -c name=one vnet persist >/dev/null
jail -c name=two vnet persist >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet one
ifconfig epair0b vnet two
jexec one ifconfig epair0a inet 192.168.2.1/24 up
jexec two ifconfig epair0b inet 192.168.2.2/24 up
route -j one add -net 239.0.0.0/8 -interface epair0a >/dev/null
route -j two add -net 239.0.0.0/8 -interface epair0b >/dev/null
ifconfig -j one geneve1 create geneveid 1 genevelocal 192.168.2.1 genevegroup 239.0.0.1 genevedev epair0a up
ifconfig -j two geneve1 create geneveid 1 genevelocal 192.168.2.2 genevegroup 239.0.0.1 genevedev epair0b up
ifconfig -j one geneve1 inet 169.254.0.1/24
ifconfig -j two geneve1 inet 169.254.0.2/24
jexec one ifmcstat -i epair0a -f inet`)
    assert.equal(r.status, 0, r.err)
    assert.equal(
      r.out,
      'epair0a:\n\tinet 192.168.2.1\n\tigmpv3 flags=0<> rv 2 qi 125 qri 10 uri 3\n' +
        '\t\tgroup 239.0.0.1 mode exclude\n\t\t\tmcast-macaddr 01:00:5e:00:00:01\n' +
        '\t\tgroup 224.0.0.1 mode exclude\n\t\t\tmcast-macaddr 01:00:5e:00:00:01\n',
    )
    const wire = wiretap(w.ifp('one', 'epair0a'))
    r = await w.run('jexec one ping -c 1 169.254.0.2; jexec one ifconfig geneve1')
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /\t\tgroup: 239\.0\.0\.1:6081, dev: epair0a\n/)
    // The ARP broadcast went to the group (its MAC, TTL genevettl); the echo to the learned sender.
    const g = geneveFrames(wire)
    assert.deepEqual([...g[0]!.f.subarray(0, 6)], [1, 0, 0x5e, 0, 0, 1])
    assert.deepEqual([...g[0]!.f.subarray(30, 34)], [239, 0, 0, 1])
    assert.ok(
      g.some(({ f }) => f[33] === 2),
      'a unicast datagram to 192.168.2.2 once it was learned',
    )
    // Groups are joined once per socket and left with their last user (the socket stays for the other).
    r = await w.run(`
ifconfig -j one geneve3 create geneveid 3 genevelocal 192.168.2.1 genevegroup 239.0.0.3 genevedev epair0a up
ifconfig -j one geneve4 create geneveid 4 genevelocal 192.168.2.1 genevegroup 239.0.0.3 genevedev epair0a up
ifconfig -j one geneve1 down
ifconfig -j one geneve3 down
jexec one ifmcstat -i epair0a -f inet
jexec one netstat -an -p udp`)
    assert.equal(r.status, 0, r.err)
    assert.doesNotMatch(r.out, /group 239\.0\.0\.1 /)
    assert.match(r.out, /group 239\.0\.0\.3 /)
    assert.equal((r.out.match(/\*\.6081/g) ?? []).length, 1, 'one socket for the groups')
    r = await w.run(
      'ifconfig -j one geneve4 down; jexec one ifmcstat -i epair0a -f inet; ifconfig -j one geneve1 up',
    )
    assert.doesNotMatch(r.out, /group 239\.0\.0\.3 /)
    r = await w.run('jexec one ifmcstat -i epair0a -f inet')
    assert.match(r.out, /group 239\.0\.0\.1 /)
    r = await w.run(`
ifconfig -j one epair0a inet6 3fff::1
ifconfig -j two epair0b inet6 3fff::2
route -j one -n6 add -net ff08::db8:0:1/96 -interface epair0a >/dev/null
route -j two -n6 add -net ff08::db8:0:1/96 -interface epair0b >/dev/null
ifconfig -j one geneve2 create genevemode l3 geneveid 2 genevelocal 3fff::1 genevegroup ff08::db8:0:1 up
ifconfig -j two geneve2 create genevemode l3 geneveid 2 genevelocal 3fff::2 genevegroup ff08::db8:0:1 up
ifconfig -j one geneve2 inet 169.254.1.1/30
ifconfig -j two geneve2 inet 169.254.1.2/30
jexec one ping -c 1 169.254.1.2
jexec one ifmcstat -i epair0a -f inet6`)
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /1 packets received/)
    assert.match(r.out, /\t\tgroup ff08::db8:0:1 mode exclude\n/)
  })
})

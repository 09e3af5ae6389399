/**
 * IGMP on the wire, in virtual time, between two lab nodes (a reports, b captures and injects
 * queries through BPF): IGMPv3 State-Change Reports on join and leave (0x22 to 224.0.0.22, TTL 1,
 * TOS 0xc0, DF, Router Alert, CHANGE_TO_EXCLUDE / CHANGE_TO_INCLUDE, twice), answers to General
 * and Group-Specific queries within their Max Resp Time, the fall back to IGMPv2 (0x16 to the
 * group, 0x17 to 224.0.0.2, suppressed by another member's report) and IGMPv1 (0x12, no leave)
 * when such queriers are heard, and back to v3 when they go quiet; malformed messages dropped
 * and counted; net.inet.igmp.* knobs.
 */

import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import {
  AF_INET,
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IPPROTO_IP,
  SOCK,
  type Syscalls,
} from '../../../host/syscalls.js'
import { bootLab } from '../../../testing/lab_console.js'
import type { Lab } from '../../../topology/lab/emulator.js'
import { formatIpv4, ipMulticastMac, parseIpv4 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import { IpProto, writeIpv4Header } from '../../../wire/inet/ipv4.js'
import { EtherType, writeEthernetHeader } from '../../../wire/link/ethernet.js'

const LAN = `
name: igmp
nodes:
  a: { kind: pc, interfaces: [ { name: eth0 } ] }
  b: { kind: pc, interfaces: [ { name: eth0 } ] }
links:
  - { a: a, b: b }
`

interface Msg {
  type: number
  src: string
  dst: string
  ttl: number
  tos: number
  df: boolean
  ra: boolean
  ipSumOk: boolean
  sumOk: boolean
  /** v3: [record type, group] pairs; v1/v2: the group field. */
  recs: Array<[number, string]>
  group: string
  at: number
}

let lab: Lab | null = null
afterEach(() => {
  lab?.destroy()
  lab = null
})

async function boot(seed = 5) {
  const booted = await bootLab(LAN, seed)
  lab = booted.lab
  const con = booted.console
  const run = async (line: string) => (await booted.line(line)).out
  await run('a ifconfig eth0 inet 10.0.0.1/24')
  await run('b ifconfig eth0 inet 10.0.0.2/24')
  const sys = booted.host.syscalls()
  const a = lab.sys('a')
  const b = lab.sys('b')
  return { lab, host: booted.host, con, run, a, b, sleep: booted.sleep, now: () => sys.now() }
}

/** IGMP messages a sends, as b's eth0 sees them. */
function watch(sys: Syscalls) {
  const fd = sys.bpfOpen('eth0')
  const seen: Msg[] = []
  return {
    seen,
    fd,
    async poll() {
      await fd.read((r) => {
        const f = r.buf.subarray(r.off, r.off + r.caplen)
        if (f.length < 14 + 20 + 8 || f[12] !== 0x08 || f[13] !== 0x00 || f[14 + 9] !== IpProto.IGMP) return
        const ip = 14
        const hl = (f[ip]! & 0xf) * 4
        const total = (f[ip + 2]! << 8) | f[ip + 3]!
        const o = ip + hl
        const len = total - hl
        const type = f[o]!
        const recs: Array<[number, string]> = []
        if (type === 0x22) {
          const n = (f[o + 6]! << 8) | f[o + 7]!
          for (let i = 0; i < n; i++) recs.push([f[o + 8 + 8 * i]!, formatIpv4(readU32(f, o + 12 + 8 * i))])
        }
        // What b itself injects is seen too: only a's messages count.
        if (readU32(f, ip + 12) !== parseIpv4('10.0.0.1')) return
        const dst = formatIpv4(readU32(f, ip + 16))
        // The frame goes to the group's 01:00:5e MAC (RFC 1112 §6.4).
        assert.equal(readU32(f, 2) | 0, ipMulticastMac(readU32(f, ip + 16)) | 0)
        seen.push({
          type,
          src: formatIpv4(readU32(f, ip + 12)),
          dst,
          ttl: f[ip + 8]!,
          tos: f[ip + 1]!,
          df: (f[ip + 6]! & 0x40) !== 0,
          ra: hl === 24 && f[ip + 20] === 0x94 && f[ip + 21] === 4 && f[ip + 22] === 0 && f[ip + 23] === 0,
          ipSumOk: checksum(f, ip, hl) === 0,
          sumOk: checksum(f, o, len) === 0,
          recs,
          group: formatIpv4(readU32(f, o + 4)),
          at: r.stamp,
        })
      }, 0)
    },
  }
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
}

/** An IGMP message from 10.0.0.2 to `dst` with IP TTL `ttl`; `body` is the IGMP message. */
function frame(srcMac: number, dst: string, body: number[], ttl = 1, fixSum = true): Uint8Array {
  const d = parseIpv4(dst)!
  const f = new Uint8Array(14 + 20 + body.length)
  writeEthernetHeader(f, 0, ipMulticastMac(d), srcMac, EtherType.IPV4)
  writeIpv4Header(f, 14, parseIpv4('10.0.0.2')!, d, IpProto.IGMP, ttl, 0, 7, body.length, 0)
  f.set(body, 34)
  if (fixSum) {
    const s = checksum(f, 34, body.length)
    f[36] = s >>> 8
    f[37] = s & 0xff
  }
  return f
}

function g4(s: string): number[] {
  const a = parseIpv4(s)!
  return [a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff]
}

/** A v3 query: Max Resp Code `mrc` (tenths of a second), QRV 2, QQIC 125. */
function v3Query(group: string, mrc: number, sources: string[] = []): number[] {
  return [0x11, mrc, 0, 0, ...g4(group), 2, 125, 0, sources.length, ...sources.flatMap(g4)]
}

function stat(sys: Syscalls, k: string): number {
  return Number(sys.protoStats('igmp').find(([n]) => n === k)?.[1] ?? 0)
}

function join(sys: Syscalls, group: string) {
  const fd = sys.socket(AF_INET, SOCK.DGRAM)
  fd.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, {
    multiaddr: parseIpv4(group)!,
    interface: 0,
    ifindex: sys.ifGet('eth0').index,
  })
  return fd
}

test('a join is reported twice as CHANGE_TO_EXCLUDE, a leave twice as CHANGE_TO_INCLUDE', async () => {
  const r = await boot()
  await r.sleep(1)
  const w = watch(r.b)
  const t0 = r.now()
  const fd = join(r.a, '239.1.2.3')
  await r.sleep(4)
  await w.poll()
  assert.equal(w.seen.length, 2, JSON.stringify(w.seen))
  for (const m of w.seen) {
    assert.equal(m.type, 0x22)
    assert.equal(m.src, '10.0.0.1')
    assert.equal(m.dst, '224.0.0.22')
    assert.equal(m.ttl, 1)
    assert.equal(m.tos, 0xc0)
    assert.ok(m.df && m.ra && m.sumOk && m.ipSumOk)
    assert.deepEqual(m.recs, [[4, '239.1.2.3']])
  }
  // The first at the next 200 ms tick, the repeat within the Unsolicited Report Interval (3 s).
  assert.ok(w.seen[0]!.at - t0 <= 200e6, `${w.seen[0]!.at - t0}`)
  assert.ok(w.seen[1]!.at - w.seen[0]!.at <= 3e9 && w.seen[1]!.at > w.seen[0]!.at)
  assert.deepEqual(r.a.ifInetGroups('eth0').map(formatIpv4), ['239.1.2.3', '224.0.0.1'])
  w.seen.length = 0
  fd.setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, {
    multiaddr: parseIpv4('239.1.2.3')!,
    interface: 0,
    ifindex: r.a.ifGet('eth0').index,
  })
  await r.sleep(4)
  await w.poll()
  assert.deepEqual(
    w.seen.map((m) => m.recs),
    [[[3, '239.1.2.3']], [[3, '239.1.2.3']]],
  )
  assert.deepEqual(r.a.ifInetGroups('eth0').map(formatIpv4), ['224.0.0.1'])
  assert.equal(stat(r.a, 'igps_snd_reports'), 4)
  fd.close()
})

test('joins due in the same tick share one report; closing the socket leaves its groups', async () => {
  const r = await boot()
  await r.sleep(1)
  const w = watch(r.b)
  const fd = join(r.a, '239.1.1.1')
  fd.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, {
    multiaddr: parseIpv4('239.1.1.2')!,
    interface: 0,
    ifindex: r.a.ifGet('eth0').index,
  })
  await r.sleep(4)
  await w.poll()
  // Both the report and its repeat carry the two records (one uri draw per interface and tick).
  assert.deepEqual(
    w.seen.map((m) => m.recs.map(([t, g]) => `${t} ${g}`).sort()),
    [
      ['4 239.1.1.1', '4 239.1.1.2'],
      ['4 239.1.1.1', '4 239.1.1.2'],
    ],
  )
  w.seen.length = 0
  fd.close()
  await r.sleep(4)
  await w.poll()
  assert.equal(w.seen.length, 2)
  assert.deepEqual(w.seen[0]!.recs.map(([t, g]) => `${t} ${g}`).sort(), ['3 239.1.1.1', '3 239.1.1.2'])
  // Two sockets on one group: only the last leave is a state change.
  const s1 = join(r.a, '239.9.9.9')
  const s2 = join(r.a, '239.9.9.9')
  await r.sleep(4)
  await w.poll()
  w.seen.length = 0
  s1.close()
  await r.sleep(4)
  await w.poll()
  assert.equal(w.seen.length, 0)
  s2.close()
})

test('v3 queries: General answered with every group, Group-Specific with its own, others ignored', async () => {
  const r = await boot()
  const fd = join(r.a, '239.5.5.5')
  const fd2 = join(r.a, '239.6.6.6')
  await r.sleep(5)
  const w = watch(r.b)
  const mac = r.b.ifGet('eth0').mac!
  const t0 = r.now()
  w.fd.write(frame(mac, '224.0.0.1', v3Query('0.0.0.0', 20)))
  await r.sleep(3)
  await w.poll()
  assert.equal(w.seen.length, 1, JSON.stringify(w.seen))
  assert.ok(w.seen[0]!.at - t0 <= 2e9, 'within Max Resp Time')
  // 224.0.0.1 is never reported.
  assert.deepEqual(w.seen[0]!.recs.map(([t, g]) => `${t} ${g}`).sort(), ['2 239.5.5.5', '2 239.6.6.6'])
  w.seen.length = 0
  w.fd.write(frame(mac, '239.6.6.6', v3Query('239.6.6.6', 10)))
  w.fd.write(frame(mac, '239.7.7.7', v3Query('239.7.7.7', 10)))
  await r.sleep(2)
  await w.poll()
  assert.deepEqual(
    w.seen.map((m) => m.recs),
    [[[2, '239.6.6.6']]],
  )
  // Group-and-source: counted, rate-limited, never answered (any-source memberships only).
  w.seen.length = 0
  w.fd.write(frame(mac, '239.6.6.6', v3Query('239.6.6.6', 10, ['10.0.0.9'])))
  w.fd.write(frame(mac, '239.6.6.6', v3Query('239.6.6.6', 10, ['10.0.0.9'])))
  await r.sleep(2)
  await w.poll()
  assert.equal(w.seen.length, 0)
  assert.equal(stat(r.a, 'igps_rcv_gsr_queries'), 2)
  assert.equal(stat(r.a, 'igps_drop_gsr_queries'), 1)
  assert.equal(stat(r.a, 'igps_rcv_v3_queries'), 5)
  assert.equal(stat(r.a, 'igps_rcv_gen_queries'), 1)
  assert.equal(stat(r.a, 'igps_rcv_group_queries'), 2)
  // The querier's robustness and intervals are learned (ifmcstat's rv/qi/qri).
  assert.deepEqual(
    [r.a.ifInetIgmp('eth0').rv, r.a.ifInetIgmp('eth0').qi, r.a.ifInetIgmp('eth0').qri],
    [2, 125, 10],
  )
  fd.close()
  fd2.close()
})

test('an IGMPv2 querier: v2 reports to the group, suppression, Leave only as last reporter, back to v3', async () => {
  const r = await boot()
  const fd = join(r.a, '239.2.2.2')
  await r.sleep(5)
  const w = watch(r.b)
  const mac = r.b.ifGet('eth0').mac!
  const t0 = r.now()
  w.fd.write(frame(mac, '224.0.0.1', [0x11, 50, 0, 0, 0, 0, 0, 0]))
  await r.sleep(6)
  await w.poll()
  assert.equal(r.a.ifInetIgmp('eth0').version, 2)
  // in_ifinfo: no robustness or intervals outside v3; -vv shows the v2 querier-present timer
  // (2 × 125 + 10 s in half-second ticks, less the 6 s gone).
  assert.equal(
    await r.run('a ifmcstat -i eth0 -f inet'),
    'eth0:\n\tinet 10.0.0.1\n\tigmpv2 flags=0<>\n\t\tgroup 239.2.2.2 mode exclude\n' +
      '\t\t\tmcast-macaddr 01:00:5e:02:02:02\n\t\tgroup 224.0.0.1 mode exclude\n' +
      '\t\t\tmcast-macaddr 01:00:5e:00:00:01\n',
  )
  assert.match(
    await r.run('a ifmcstat -i eth0 -f inet -v -v'),
    /\tigmpv2 flags=0<> v1timer 0 v2timer 50[0-9] v3timer 0\n/,
  )
  assert.match(await r.run('a netstat -s -p igmp'), /\t1 V1\/V2 membership query received\n/)
  assert.equal(w.seen.length, 1, JSON.stringify(w.seen))
  const rep = w.seen[0]!
  assert.deepEqual(
    [rep.type, rep.dst, rep.group, rep.ttl, rep.tos, rep.df, rep.ra],
    [0x16, '239.2.2.2', '239.2.2.2', 1, 0, false, true],
  )
  assert.ok(rep.at - t0 <= 5e9)
  // A new join speaks v2 at once; its leave goes to 224.0.0.2.
  w.seen.length = 0
  const fd2 = join(r.a, '239.3.3.3')
  await r.sleep(0.01)
  fd2.close()
  await r.sleep(1)
  await w.poll()
  assert.deepEqual(
    w.seen.map((m) => [m.type, m.dst, m.group]),
    [
      [0x16, '239.3.3.3', '239.3.3.3'],
      [0x17, '224.0.0.2', '239.3.3.3'],
    ],
  )
  // A v3 query is ignored while the v2 querier is present.
  w.seen.length = 0
  w.fd.write(frame(mac, '224.0.0.1', v3Query('0.0.0.0', 10)))
  await r.sleep(2)
  await w.poll()
  assert.equal(w.seen.length, 0)
  // Another member answers first: our report and, later, our Leave are suppressed.
  w.fd.write(frame(mac, '224.0.0.1', [0x11, 100, 0, 0, 0, 0, 0, 0]))
  w.fd.write(frame(mac, '239.2.2.2', [0x16, 0, 0, 0, ...g4('239.2.2.2')]))
  await r.sleep(11)
  await w.poll()
  assert.equal(w.seen.length, 0, JSON.stringify(w.seen))
  assert.equal(stat(r.a, 'igps_rcv_ourreports'), 1)
  assert.equal(stat(r.a, 'igps_rcv_nora'), 1)
  fd.close()
  await r.sleep(1)
  await w.poll()
  assert.equal(w.seen.length, 0, 'no Leave: we were not the last to report')
  // Older Version Querier Present Timeout: 2 × 125 s + 10, then IGMPv3 again.
  await r.sleep(265)
  assert.equal(r.a.ifInetIgmp('eth0').version, 3)
})

test('an IGMPv1 querier: v1 reports, no leave message', async () => {
  const r = await boot()
  const fd = join(r.a, '239.4.4.4')
  await r.sleep(5)
  const w = watch(r.b)
  const mac = r.b.ifGet('eth0').mac!
  w.fd.write(frame(mac, '224.0.0.1', [0x11, 0, 0, 0, 0, 0, 0, 0]))
  await r.sleep(11)
  await w.poll()
  assert.equal(r.a.ifInetIgmp('eth0').version, 1)
  assert.deepEqual(
    w.seen.map((m) => [m.type, m.dst, m.group]),
    [[0x12, '239.4.4.4', '239.4.4.4']],
  )
  w.seen.length = 0
  fd.close()
  await r.sleep(2)
  await w.poll()
  assert.equal(w.seen.length, 0)
  // A v2 query does not override a v1 querier.
  w.fd.write(frame(mac, '224.0.0.1', [0x11, 50, 0, 0, 0, 0, 0, 0]))
  await r.sleep(1)
  assert.equal(r.a.ifInetIgmp('eth0').version, 1)
})

test('malformed messages are dropped and counted; none is answered', async () => {
  const r = await boot()
  const fd = join(r.a, '239.8.8.8')
  await r.sleep(5)
  const w = watch(r.b)
  const mac = r.b.ifGet('eth0').mac!
  const q = v3Query('0.0.0.0', 10)
  w.fd.write(frame(mac, '224.0.0.1', q, 2))
  w.fd.write(frame(mac, '224.0.0.1', q, 1, false))
  w.fd.write(frame(mac, '224.0.0.1', [0x11, 10, 0, 0, 0, 0]))
  w.fd.write(frame(mac, '224.0.0.1', [0x11, 10, 0, 0, 0, 0, 0, 0, 0, 0]))
  w.fd.write(frame(mac, '224.0.0.1', v3Query('0.0.0.0', 10, ['1.2.3.4']).slice(0, 14)))
  w.fd.write(frame(mac, '239.8.8.8', [0x11, 0, 0, 0, ...g4('239.8.8.8')]))
  w.fd.write(frame(mac, '239.8.8.9', [0x16, 0, 0, 0, ...g4('239.8.8.8')]))
  w.fd.write(frame(mac, '239.8.8.8', [0x11, 10, 0, 0, 0, 0, 0, 0, 1, 125, 0, 1, ...g4('10.0.0.9')]))
  await r.sleep(3)
  await w.poll()
  assert.equal(w.seen.length, 0, JSON.stringify(w.seen))
  assert.equal(stat(r.a, 'igps_rcv_total'), 8)
  assert.equal(stat(r.a, 'igps_rcv_badttl'), 1)
  assert.equal(stat(r.a, 'igps_rcv_badsum'), 1)
  assert.equal(stat(r.a, 'igps_rcv_tooshort'), 3)
  // A v1 query not to 224.0.0.1; a general v3 query with sources or not to 224.0.0.1.
  assert.equal(stat(r.a, 'igps_rcv_badqueries'), 2)
  assert.equal(stat(r.a, 'igps_rcv_badreports'), 1)
  assert.equal(r.a.ifInetIgmp('eth0').version, 3)
  fd.close()
})

test('net.inet.igmp knobs: default_version, sendlocal, sendra, bounds', async () => {
  const r = await boot()
  assert.throws(() => r.a.sysctlSet('net.inet.igmp.default_version', '4'), { code: 'EINVAL' })
  assert.throws(() => r.a.sysctlSet('net.inet.igmp.gsrdelay', '60'), { code: 'EINVAL' })
  r.a.sysctlSet('net.inet.igmp.sendra', '0')
  r.a.sysctlSet('net.inet.igmp.default_version', '2')
  await r.sleep(1)
  assert.equal(r.a.ifInetIgmp('eth0').version, 2)
  const w = watch(r.b)
  const fd = join(r.a, '239.10.0.1')
  const fd2 = join(r.a, '224.0.0.251')
  r.a.sysctlSet('net.inet.igmp.sendlocal', '0')
  const fd3 = join(r.a, '224.0.0.252')
  await r.sleep(1)
  await w.poll()
  assert.deepEqual(
    w.seen.map((m) => [m.type, m.group, m.ra]),
    [
      [0x16, '239.10.0.1', false],
      [0x16, '224.0.0.251', false],
    ],
  )
  fd.close()
  fd2.close()
  fd3.close()
})

test('carp joins 224.0.0.18 through the membership path: reported on the first vhid address, left with the last', async () => {
  const r = await boot()
  r.host.syscalls().kldload('carp')
  await r.sleep(1)
  const w = watch(r.b)
  await r.con.runLine('a ifconfig eth0 vhid 1 pass sekrit 10.0.0.254/24 alias')
  await r.sleep(4)
  await w.poll()
  const joins = w.seen.filter((m) => m.recs.some(([t, g]) => t === 4 && g === '224.0.0.18'))
  assert.equal(joins.length, 2, JSON.stringify(w.seen))
  assert.ok(r.a.ifInetGroups('eth0').map(formatIpv4).includes('224.0.0.18'))
  w.seen.length = 0
  await r.con.runLine('a ifconfig eth0 inet 10.0.0.254 -alias')
  await r.sleep(4)
  await w.poll()
  assert.equal(w.seen.filter((m) => m.recs.some(([t, g]) => t === 3 && g === '224.0.0.18')).length, 2)
  assert.ok(!r.a.ifInetGroups('eth0').map(formatIpv4).includes('224.0.0.18'))
})

test("FreeBSD's netinet/igmp.py: a join by INADDR_ANY without a route to the group reports it, closing reports the leave", async () => {
  const r = await boot()
  await r.sleep(1)
  const w = watch(r.b)
  const fd = r.a.socket(AF_INET, SOCK.DGRAM)
  fd.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: parseIpv4('230.0.0.1')!, interface: 0 })
  await r.sleep(4)
  fd.close()
  await r.sleep(4)
  await w.poll()
  assert.deepEqual(
    w.seen.map((m) => m.recs),
    [[[4, '230.0.0.1']], [[4, '230.0.0.1']], [[3, '230.0.0.1']], [[3, '230.0.0.1']]],
  )
})

test('valid IGMP reaches raw IGMP sockets (rip_input), with a 0.0.0.0 reporter rewritten to the subnet; bad ones do not', async () => {
  const r = await boot()
  await r.sleep(1)
  const raw = r.a.rawSocket(IpProto.IGMP)
  const w = watch(r.b)
  const mac = r.b.ifGet('eth0').mac!
  w.fd.write(frame(mac, '224.0.0.1', v3Query('0.0.0.0', 10), 2))
  const rep = frame(mac, '239.1.1.9', [0x16, 0, 0, 0, ...g4('239.1.1.9')])
  // From 0.0.0.0, as a booting host may report (RFC 3376 §4.2.13).
  rep.fill(0, 26, 30)
  rep[24] = 0
  rep[25] = 0
  const s = checksum(rep, 14, 20)
  rep[24] = s >>> 8
  rep[25] = s & 0xff
  w.fd.write(rep)
  const got = await raw.recv(1e9)
  assert.ok(got !== null)
  assert.equal(got.data[20], 0x16)
  assert.equal(formatIpv4(got.src), '10.0.0.0')
  assert.equal(await raw.recv(1e9), null, 'the query with TTL 2 was dropped before rip_input')
  raw.close()
})

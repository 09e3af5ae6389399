/**
 * MLDv1 compatibility on the wire, in virtual time (RFC 3810 §8, RFC 2710): an MLDv1 General Query
 * switches a listener to MLDv1 (`ifmcstat` says `mldv1`) — every group answered with an MLDv1
 * Report to the group itself within the Maximum Response Delay, MLDv2 queries ignored, a join one
 * Report, a leave one Done to the group (FreeBSD's mld_v1_transmit_report, not RFC 2710's ff02::2) — and it falls back to MLDv2 after the Older Version Querier
 * Present Timeout (260 s). Another listener's Report suppresses ours and the Done; a General Query
 * not sent to ff02::1 and, with net.inet6.mld.v1enable=0, every MLDv1 query are ignored.
 */

import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import {
  AF_INET6,
  IPPROTO_IPV6,
  IPV6_JOIN_GROUP,
  IPV6_LEAVE_GROUP,
  SOCK,
  type Syscalls,
} from '../../../host/syscalls.js'
import { bootLab } from '../../../testing/lab_console.js'
import type { Lab } from '../../../topology/lab/emulator.js'
import { icmp6Finish, icmp6Sum } from '../../../wire/inet6/icmpv6.js'
import { formatIpv6, in6McastMac, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { Ip6Nxt, writeIpv6Header } from '../../../wire/inet6/ipv6.js'
import { EtherType, writeEthernetHeader } from '../../../wire/link/ethernet.js'

const LAN = `
name: mld1
nodes:
  a: { kind: pc, interfaces: [ { name: eth0 } ] }
  b: { kind: pc, interfaces: [ { name: eth0 } ] }
links:
  - { a: a, b: b }
`

/** An MLD message a sent, as b's eth0 saw it. */
interface Msg {
  type: number
  dst: string
  /** The Ethernet destination, as 33:33:… */
  ethDst: string
  group: string
  hlim: number
  hbh: string
  sumOk: boolean
  at: number
}

let lab: Lab | null = null
afterEach(() => {
  lab?.destroy()
  lab = null
})

async function boot() {
  const booted = await bootLab(LAN, 5)
  lab = booted.lab
  const run = async (line: string) => (await booted.line(line)).out
  // The nodes' interfaces have no inet6 address, so IPv6 starts disabled there (nd6_ifattach):
  // enable it as rc.conf's ipv6_activate_all_interfaces would, for the link-local addresses.
  for (const node of ['a', 'b']) await run(`${node} ifconfig eth0 inet6 -ifdisabled`)
  const sys = booted.host.syscalls()
  return { lab, run, sleep: booted.sleep, now: () => sys.now() }
}

/** MLD messages (v1 Report 131, Done 132, v2 Report 143) on b's eth0, not those b itself wrote. */
function watch(sys: Syscalls) {
  const fd = sys.bpfOpen('eth0')
  const own = sys.ifGet('eth0').mac!
  const seen: Msg[] = []
  return {
    seen,
    fd,
    of: (type: number, group?: string) =>
      seen.filter((m) => m.type === type && (group === undefined || m.group === group)),
    async poll() {
      await fd.read((r) => {
        const b = r.buf.subarray(r.off, r.off + r.caplen)
        if (b.length < 14 + 40 + 8 + 8 || b[12] !== 0x86 || b[13] !== 0xdd || b[14 + 6] !== 0) return
        const o = 14 + 40 + 8
        const type = b[o]!
        if (type !== 131 && type !== 132 && type !== 143) return
        const lo = ((b[8]! << 24) | (b[9]! << 16) | (b[10]! << 8) | b[11]!) >>> 0
        if (b[6]! * 2 ** 40 + b[7]! * 2 ** 32 + lo === own) return
        const len = type === 143 ? 8 + 20 * ((b[o + 6]! << 8) | b[o + 7]!) : 24
        seen.push({
          type,
          dst: formatIpv6(b, 14 + 24),
          ethDst: Array.from(b.subarray(0, 6), (x) => x.toString(16).padStart(2, '0')).join(':'),
          group: type === 143 ? '' : formatIpv6(b, o + 8),
          hlim: b[14 + 7]!,
          hbh: Array.from(b.subarray(14 + 40, 14 + 48), (x) => x.toString(16).padStart(2, '0')).join(''),
          sumOk: icmp6Sum(b, o, len, b, 14 + 8, b, 14 + 24) === 0,
          at: r.stamp,
        })
      }, 0)
    },
  }
}

/** A 24-byte MLDv1 message (Query 130, Report 131) from src to dst about group, delay `mrd` ms. */
function v1(type: number, srcMac: number, src: string, dst: string, group: string, mrd: number): Uint8Array {
  const f = new Uint8Array(14 + 40 + 8 + 24)
  const d = parseIpv6(dst)!
  writeEthernetHeader(f, 0, in6McastMac(d, 0), srcMac, EtherType.IPV6)
  const s = parseIpv6(src)!
  f.set([Ip6Nxt.ICMPV6, 0, 5, 2, 0, 0, 1, 0], 54)
  const o = 62
  f[o] = type
  f[o + 4] = mrd >>> 8
  f[o + 5] = mrd & 0xff
  f.set(parseIpv6(group)!, o + 8)
  icmp6Finish(f, o, 24, s, 0, d, 0)
  writeIpv6Header(f, 14, s, 0, d, 0, Ip6Nxt.HOPOPTS, 1, 32)
  return f
}

/** a listening to ff02::9 on eth0 through a socket, the start-up reports over. */
async function withGroup() {
  const r = await boot()
  const a = r.lab.sys('a')
  const b = r.lab.sys('b')
  const fd = a.socket(AF_INET6, SOCK.DGRAM)
  const idx = a.ifGet('eth0').index
  fd.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr6: parseIpv6('ff02::9')!, ifindex: idx })
  await r.sleep(3)
  const w = watch(b)
  await w.poll()
  w.seen.length = 0
  return { ...r, a, fd, idx, w, mac: b.ifGet('eth0').mac! }
}

test('an MLDv1 General Query: MLDv1 Reports to each group within the delay, ifmcstat says mldv1', async () => {
  const r = await withGroup()
  assert.match(await r.run('a ifmcstat -i eth0'), /\tmldv2 flags=2<USEALLOW> rv 2 qi 125 qri 10 uri 3\n/)
  const t0 = r.now()
  r.w.fd.write(v1(130, r.mac, 'fe80::99', 'ff02::1', '::', 2000))
  await r.sleep(3)
  await r.w.poll()
  assert.equal(r.w.of(143).length, 0, 'no MLDv2 report in MLDv1 mode')
  const reps = r.w.of(131)
  const groups = reps.map((m) => m.group).sort()
  assert.ok(groups.includes('ff02::9'), groups.join(' '))
  assert.ok(
    groups.some((g) => g.startsWith('ff02::1:ff')),
    'the solicited-node group too',
  )
  assert.ok(!groups.includes('ff02::1'), 'never the all-nodes group')
  assert.equal(new Set(groups).size, groups.length, 'one report per group')
  for (const m of reps) {
    assert.equal(m.dst, m.group, 'an MLDv1 Report goes to its group')
    assert.equal(m.hlim, 1)
    assert.equal(m.hbh, '3a00050200000100', 'Router Alert')
    assert.ok(m.sumOk)
    assert.ok(m.at - t0 <= 2e9, 'within the Maximum Response Delay')
  }
  const ifm = await r.run('a ifmcstat -i eth0')
  assert.match(ifm, /\tmldv1 flags=2<USEALLOW>\n/)
  assert.doesNotMatch(ifm, /mldv2/)
  // An MLDv2 General Query (28 bytes) is ignored while the MLDv1 querier is present.
  const q2 = new Uint8Array(14 + 40 + 8 + 28)
  const base = v1(130, r.mac, 'fe80::99', 'ff02::1', '::', 1000)
  q2.set(base.subarray(0, 62))
  q2.set(base.subarray(62), 62)
  q2[62 + 25] = 125
  q2[62 + 2] = 0
  q2[62 + 3] = 0
  icmp6Finish(q2, 62, 28, parseIpv6('fe80::99')!, 0, parseIpv6('ff02::1')!, 0)
  writeIpv6Header(q2, 14, parseIpv6('fe80::99')!, 0, parseIpv6('ff02::1')!, 0, Ip6Nxt.HOPOPTS, 1, 36)
  r.w.seen.length = 0
  r.w.fd.write(q2)
  await r.sleep(2)
  await r.w.poll()
  assert.deepEqual(r.w.seen, [], 'MLDv2 query ignored in MLDv1 mode')
  r.fd.close()
})

test('MLDv1 mode: a join sends one Report, a leave one Done to the group; after 260 s MLDv2 again', async () => {
  const r = await withGroup()
  r.w.fd.write(v1(130, r.mac, 'fe80::99', 'ff02::1', '::', 1000))
  await r.sleep(2)
  await r.w.poll()
  r.w.seen.length = 0
  const g = parseIpv6('ff02::1:2')!
  r.fd.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr6: g, ifindex: r.idx })
  await r.sleep(12)
  await r.w.poll()
  assert.deepEqual(
    r.w.seen.map((m) => [m.type, m.dst, m.group]),
    [[131, 'ff02::1:2', 'ff02::1:2']],
    'one unsolicited MLDv1 Report, as mld6.c sends',
  )
  r.w.seen.length = 0
  r.fd.setsockopt(IPPROTO_IPV6, IPV6_LEAVE_GROUP, { multiaddr6: g, ifindex: r.idx })
  await r.sleep(2)
  await r.w.poll()
  assert.deepEqual(
    r.w.seen.map((m) => [m.type, m.dst, m.ethDst, m.group, m.hlim, m.sumOk]),
    [[132, 'ff02::1:2', '33:33:00:01:00:02', 'ff02::1:2', 1, true]],
    'Done to the group, as mld6.c sets ip6_dst, not to ff02::2',
  )
  // The Older Version Querier Present Timeout runs out 260 s after the query.
  await r.sleep(250)
  assert.match(await r.run('a ifmcstat -i eth0'), /\tmldv2 flags=/)
  r.w.seen.length = 0
  r.fd.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr6: g, ifindex: r.idx })
  await r.sleep(2)
  await r.w.poll()
  assert.equal(r.w.of(131).length, 0)
  assert.equal(r.w.of(143).length, 2, 'MLDv2 state-change reports again')
  r.fd.close()
})

test("another listener's MLDv1 Report suppresses ours and the Done", async () => {
  const r = await withGroup()
  // A long delay, so the other listener's report arrives before ours is due.
  r.w.fd.write(v1(130, r.mac, 'fe80::99', 'ff02::1', 'ff02::9', 10000))
  await r.sleep(0.001)
  // Sent to another group than it names: ignored, so it suppresses nothing.
  r.w.fd.write(v1(131, r.mac, 'fe80::55', 'ff02::9', 'ff02::1:2', 0))
  r.w.fd.write(v1(131, r.mac, 'fe80::55', 'ff02::9', 'ff02::9', 0))
  await r.sleep(12)
  await r.w.poll()
  assert.deepEqual(r.w.of(131, 'ff02::9'), [], 'our report suppressed')
  r.fd.setsockopt(IPPROTO_IPV6, IPV6_LEAVE_GROUP, { multiaddr6: parseIpv6('ff02::9')!, ifindex: r.idx })
  await r.sleep(2)
  await r.w.poll()
  assert.deepEqual(r.w.of(132), [], 'not the last reporter: no Done')
  // A later query makes us the reporter again for the groups we still listen to.
  r.w.seen.length = 0
  r.w.fd.write(v1(130, r.mac, 'fe80::99', 'ff02::1', '::', 1000))
  await r.sleep(2)
  await r.w.poll()
  assert.ok(r.w.of(131).length >= 1)
  assert.deepEqual(r.w.of(131, 'ff02::9'), [], 'a left group is not reported')
  r.fd.close()
})

test('ignored: a General Query not to ff02::1, and every MLDv1 query with net.inet6.mld.v1enable=0', async () => {
  const r = await withGroup()
  r.w.fd.write(v1(130, r.mac, 'fe80::99', 'ff02::9', '::', 1000))
  await r.sleep(2)
  await r.w.poll()
  assert.deepEqual(r.w.seen, [])
  assert.match(await r.run('a ifmcstat -i eth0'), /\tmldv2 /)
  assert.equal(await r.run('a sysctl net.inet6.mld.v1enable=0'), 'net.inet6.mld.v1enable: 1 -> 0\n')
  r.w.fd.write(v1(130, r.mac, 'fe80::99', 'ff02::1', '::', 1000))
  await r.sleep(2)
  await r.w.poll()
  assert.deepEqual(r.w.seen, [])
  assert.match(await r.run('a ifmcstat -i eth0'), /\tmldv2 /)
  assert.match(await r.run('a sysctl net.inet6.mld.v2enable=2'), /invalid|range/i)
  r.fd.close()
})

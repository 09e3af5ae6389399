/**
 * MLDv2 listener on the wire, in virtual time: a new address's solicited-node group is reported
 * (CHANGE_TO_EXCLUDE, ff02::16, hop limit 1, Router Alert, from :: while tentative) twice within
 * the Unsolicited Report Interval; a socket joining ff02::1:2 reports it and leaving reports
 * CHANGE_TO_INCLUDE; a General Query is answered with MODE_IS_EXCLUDE for every group within its
 * Maximum Response Delay, a Group-Specific one for its group only, and a query with hop limit 255
 * is dropped and counted.
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
name: mld
nodes:
  a: { kind: pc, interfaces: [ { name: eth0 } ] }
  b: { kind: pc, interfaces: [ { name: eth0 } ] }
links:
  - { a: a, b: b }
`

interface Report {
  src: string
  hlim: number
  hbh: string
  recs: Array<[number, string]>
  sumOk: boolean
  at: number
}

let lab: Lab | null = null
afterEach(() => {
  lab?.destroy()
  lab = null
})

async function boot() {
  const booted = await bootLab(LAN, 3)
  lab = booted.lab
  const con = booted.console
  // The nodes' interfaces have no inet6 address, so IPv6 starts disabled there (nd6_ifattach):
  // enable it as rc.conf's ipv6_activate_all_interfaces would, for the link-local addresses.
  for (const node of ['a', 'b']) await con.runLine(`${node} ifconfig eth0 inet6 -ifdisabled`)
  const sys = booted.host.syscalls()
  return { lab, host: booted.host, con, sleep: booted.sleep, now: () => sys.now() }
}

/** MLDv2 reports seen on b's eth0 (sent by a). */
function watch(sys: Syscalls) {
  const fd = sys.bpfOpen('eth0')
  const seen: Report[] = []
  return {
    seen,
    fd,
    async poll() {
      await fd.read((r) => {
        const b = r.buf.subarray(r.off, r.off + r.caplen)
        if (b.length < 14 + 40 + 8 + 8 || b[12] !== 0x86 || b[13] !== 0xdd || b[14 + 6] !== 0) return
        const o = 14 + 40 + 8
        if (b[o] !== 143) return
        const n = (b[o + 6]! << 8) | b[o + 7]!
        const recs: Array<[number, string]> = []
        for (let i = 0; i < n; i++) recs.push([b[o + 8 + 20 * i]!, formatIpv6(b, o + 12 + 20 * i)])
        const dst =
          (b[0]! * 2 ** 40 + b[1]! * 2 ** 32 + ((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!)) >>> 0
        assert.equal(formatIpv6(b, 14 + 24), 'ff02::16')
        assert.equal(dst, in6McastMac(parseIpv6('ff02::16')!, 0) >>> 0)
        seen.push({
          src: formatIpv6(b, 14 + 8),
          hlim: b[14 + 7]!,
          hbh: Array.from(b.subarray(14 + 40, 14 + 48), (x) => x.toString(16).padStart(2, '0')).join(''),
          recs,
          sumOk: icmp6Sum(b, o, 8 + 20 * n, b, 14 + 8, b, 14 + 24) === 0,
          at: r.stamp,
        })
      }, 0)
    },
  }
}

/** An MLDv2 query frame from `src` for `group` (:: for general), Maximum Response Code `mrc`. */
function query(srcMac: number, src: string, group: string, mrc: number, hlim: number): Uint8Array {
  const f = new Uint8Array(14 + 40 + 8 + 28)
  const dst = group === '::' ? parseIpv6('ff02::1')! : parseIpv6(group)!
  writeEthernetHeader(f, 0, in6McastMac(dst, 0), srcMac, EtherType.IPV6)
  const s = parseIpv6(src)!
  f.set([Ip6Nxt.ICMPV6, 0, 5, 2, 0, 0, 1, 0], 54)
  const o = 62
  f[o] = 130
  f[o + 4] = mrc >>> 8
  f[o + 5] = mrc & 0xff
  f.set(parseIpv6(group)!, o + 8)
  f[o + 24] = 2
  f[o + 25] = 125
  icmp6Finish(f, o, 28, s, 0, dst, 0)
  writeIpv6Header(f, 14, s, 0, dst, 0, Ip6Nxt.HOPOPTS, hlim, 36)
  return f
}

test('an interface coming up reports from :: while its link-local address is tentative', async () => {
  const r = await boot()
  const w = watch(r.lab.sys('b'))
  await r.con.runLine('a ifconfig eth0 down')
  await r.con.runLine('a ifconfig eth0 inet6 fe80::77%eth0')
  await r.con.runLine('a ifconfig eth0 up')
  await r.con.runLine('a ifconfig eth0 inet6 fc00::77')
  await r.sleep(0.01)
  await w.poll()
  const first = w.seen.find((x) => x.recs.some(([, g]) => g === 'ff02::1:ff00:77'))
  assert.ok(first !== undefined, JSON.stringify(w.seen))
  assert.equal(first.src, '::')
})

test('a new address reports its solicited-node group twice within a second', async () => {
  const r = await boot()
  await r.sleep(3)
  const w = watch(r.lab.sys('b'))
  await r.con.runLine('a ifconfig eth0 inet6 fc00::1234:5678/64')
  const t0 = r.now()
  await r.sleep(1.5)
  await w.poll()
  const mine = w.seen.filter((x) => x.recs.some(([, g]) => g === 'ff02::1:ff34:5678'))
  assert.equal(mine.length, 2, JSON.stringify(w.seen))
  for (const m of mine) {
    // Other pending changes may ride along; this group's record is CHANGE_TO_EXCLUDE, no sources.
    assert.deepEqual(
      m.recs.filter(([, g]) => g === 'ff02::1:ff34:5678'),
      [[4, 'ff02::1:ff34:5678']],
    )
    assert.equal(m.hlim, 1)
    assert.equal(m.hbh, '3a00050200000100')
    assert.ok(m.sumOk)
  }
  // The link-local address has finished DAD: reports leave from it.
  assert.match(mine[0]!.src, /^fe80::/)
  assert.ok(mine[1]!.at - t0 <= 1e9)
  // Counted in the output histogram netstat -s -p icmp6 prints.
  const out = r.lab
    .sys('a')
    .inet6.protoStats('icmp6')
    .find(([k]) => k === 'icp6s_outhist[143]')
  assert.ok(out !== undefined && out[1] >= 2)
})

test('a socket joining ff02::1:2 reports it; leaving reports CHANGE_TO_INCLUDE', async () => {
  const r = await boot()
  await r.sleep(3)
  const w = watch(r.lab.sys('b'))
  const a = r.lab.sys('a')
  const fd = a.socket(AF_INET6, SOCK.DGRAM)
  const idx = a.ifGet('eth0').index
  const g = parseIpv6('ff02::1:2')!
  fd.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr6: g, ifindex: idx })
  await r.sleep(2)
  await w.poll()
  const joins = w.seen.filter((x) => x.recs.some(([t, gg]) => t === 4 && gg === 'ff02::1:2'))
  assert.equal(joins.length, 2)
  assert.match(joins[0]!.src, /^fe80::/)
  fd.setsockopt(IPPROTO_IPV6, IPV6_LEAVE_GROUP, { multiaddr6: g, ifindex: idx })
  await r.sleep(2)
  await w.poll()
  assert.equal(w.seen.filter((x) => x.recs.some(([t, gg]) => t === 3 && gg === 'ff02::1:2')).length, 2)
  fd.close()
})

test('queries: General and Group-Specific answered within the delay; hop limit 255 dropped and counted', async () => {
  const r = await boot()
  await r.sleep(3)
  const b = r.lab.sys('b')
  const w = watch(b)
  await w.poll()
  w.seen.length = 0
  const mac = b.ifGet('eth0').mac!
  const a = r.lab.sys('a')
  const fd = a.socket(AF_INET6, SOCK.DGRAM)
  fd.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, {
    multiaddr6: parseIpv6('ff02::9')!,
    ifindex: a.ifGet('eth0').index,
  })
  await r.sleep(2)
  await w.poll()
  w.seen.length = 0
  const badBefore = Number(a.inet6.protoStats('icmp6').find(([k]) => k === 'icp6s_badlen')?.[1] ?? 0)
  w.fd.write(query(mac, 'fe80::99', '::', 2000, 255))
  await r.sleep(3)
  await w.poll()
  assert.equal(w.seen.length, 0, 'a query with hop limit 255 is not answered')
  assert.equal(Number(a.inet6.protoStats('icmp6').find(([k]) => k === 'icp6s_badlen')?.[1]), badBefore + 1)
  const t0 = r.now()
  w.fd.write(query(mac, 'fe80::99', '::', 2000, 1))
  await r.sleep(3)
  await w.poll()
  assert.equal(w.seen.length, 1)
  const rep = w.seen[0]!
  assert.ok(rep.at - t0 <= 2e9, 'within the Maximum Response Delay')
  assert.deepEqual(
    rep.recs.map(([t]) => t),
    rep.recs.map(() => 2),
  )
  const groups = rep.recs.map(([, g]) => g).sort()
  assert.ok(groups.includes('ff02::9') && groups.some((g) => g.startsWith('ff02::1:ff')), groups.join(' '))
  assert.ok(!groups.includes('ff02::1'))
  w.seen.length = 0
  w.fd.write(query(mac, 'fe80::99', 'ff02::9', 1000, 1))
  await r.sleep(2)
  await w.poll()
  assert.deepEqual(
    w.seen.map((x) => x.recs),
    [[[2, 'ff02::9']]],
  )
  fd.close()
})

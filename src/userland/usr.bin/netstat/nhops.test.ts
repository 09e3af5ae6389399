/**
 * `netstat -o` / `-O` and `netstat -rW`'s Nhop# in virtual time, on a small lab whose nexthops are
 * known: lo0's, the interface's, two gateways shared by a plain route and a two-path route. Checked
 * column for column against FreeBSD 14's nhops.c / nhgrp.c formats, with the sharing, reuse of a
 * freed index and reference counts they show; the family a dump needs; and --libxo's structure.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'

const LAB = `jail -c name=a vnet persist > /dev/null
ifconfig epair create > /dev/null
ifconfig epair0a vnet a
jexec a ifconfig lo0 127.0.0.1/8 up
jexec a ifconfig epair0a 192.0.2.1/24 up
jexec a route -q add 203.0.113.0/24 192.0.2.2 -weight 2
jexec a route -q add 203.0.113.0/24 192.0.2.3
jexec a route -q add 198.51.100.0/24 192.0.2.2
`

test('netstat -4on and -4onW: one line per nexthop, shared ones counted once', async () => {
  const r = await sh(virtualHost(), `${LAB}jexec a netstat -4on; jexec a netstat -4onW`)
  assert.equal(r.err, '')
  const pad = (s: string, n: number) => s.padEnd(n)
  const lpad = (s: string, n: number) => s.padStart(n)
  const plain = (idx: string, ifa: string, gw: string, fl: string, ifn: string, ref: string) =>
    `${pad(idx, 5)} ${pad(ifa, 18)} ${pad(gw, 18)} ${pad(fl, 6)} ${lpad(ifn, 8)}${lpad(ref, 6)} `
  const lines = r.out.split('\n')
  const at = lines.indexOf('Nexthop data', 1)
  const narrow = lines.slice(0, at)
  assert.deepEqual(narrow.slice(0, 4), [
    'Nexthop data',
    '',
    'Internet:',
    'Idx   IFA                Gateway            Flags     Netif  Refcnt',
  ])
  const rows = narrow.slice(4).filter((l) => l !== '')
  // Each nexthop once, by index; the gateway 192.0.2.2 one serves the plain route and a path of
  // the group (1 + 1 + the lookup algorithm's reference), 192.0.2.3 only the group.
  const byGw = new Map(rows.map((l) => [l.split(/\s+/)[2], l]))
  assert.equal(rows.length, 5, 'lo0 (UH and our own address), epair0a, and the two gateways')
  const gw2 = byGw.get('192.0.2.2')!
  const gw3 = byGw.get('192.0.2.3')!
  assert.equal(gw2, plain(gw2.split(' ')[0]!, '192.0.2.1', '192.0.2.2', 'GS', 'epair0a', '3'))
  assert.equal(gw3, plain(gw3.split(' ')[0]!, '192.0.2.1', '192.0.2.3', 'GS', 'epair0a', '1'))
  assert.equal(
    byGw.get('epair0a/resolve'),
    plain(byGw.get('epair0a/resolve')!.split(' ')[0]!, '192.0.2.1', 'epair0a/resolve', '', 'epair0a', '2'),
  )
  assert.deepEqual(
    rows.map((l) => Number(l.split(' ')[0])),
    rows.map((_, i) => i + 1),
    'indexes 1..n in order',
  )

  const wide = lines.slice(at)
  assert.equal(
    wide[3],
    'Idx   Type         IFA                Gateway             Flags      Use Mtu         Netif     Addrif Refcnt Prepend',
  )
  // The host route to our own address goes out lo0 with lo0's address, for epair0a (Addrif).
  const own = wide.find((l) => / HS /.test(l))!
  assert.match(own, /^\d+ +v4\/resolve 127\.0\.0\.1 +lo0\/resolve +HS +0 +16384 +lo0 +epair0a +2 $/)
  const wgw = wide.find((l) => l.includes(' 192.0.2.3 '))!
  assert.match(wgw, /^\d {12}v4\/gw 192\.0\.2\.1 {10}192\.0\.2\.3 {10}GS {12}0 {3}1500 {4}epair0a {15}1 $/)
})

test('netstat -4On: the group with each nexthop, its weight and slots', async () => {
  const r = await sh(virtualHost(), `${LAB}jexec a netstat -4On; jexec a netstat -4on | grep 192.0.2.3`)
  assert.equal(r.err, '')
  const [title, blank, fam, head, grp, m1, m2, nh3] = r.out.split('\n')
  assert.deepEqual([title, blank, fam], ['Nexthop groups data', '', 'Internet:'])
  assert.equal(head, 'GrpIdx  NhIdx     Weight   Slots           Gateway     Netif  Refcnt')
  assert.equal(grp, '1         ------- ------- ------- ----------------- ---------       2')
  const idx3 = nh3!.split(' ')[0]!
  const gw2 = m1!.trim().split(/\s+/)[0]!
  assert.equal(m1, `        ${gw2.padStart(8)}       2       2         192.0.2.2   epair0a`)
  assert.equal(m2, `        ${idx3.padStart(8)}       1       1         192.0.2.3   epair0a`)
})

test('netstat -rnW: Nhop# is the path nexthop, 0 for a multipath route; a freed index is reused', async () => {
  const r = await sh(
    virtualHost(),
    `${LAB}jexec a netstat -rnW -f inet | grep -E '^(Destination|198|203)'
jexec a route -q delete 198.51.100.0/24
jexec a route -q delete 203.0.113.0/24
jexec a route -q add 10.0.0.0/8 192.0.2.9
jexec a netstat -4on | grep -c .
jexec a netstat -rnW -f inet | grep ^10.0.0.0`,
  )
  assert.equal(r.err, '')
  const lines = r.out.split('\n')
  assert.equal(lines[0], 'Destination        Gateway            Flags   Nhop#    Mtu      Netif Expire')
  const nh = Number(lines[1]!.split(/\s+/)[3])
  assert.ok(nh > 0)
  assert.match(lines[1]!, /^198\.51\.100\.0\/24 +192\.0\.2\.2 +UGS +\d+ +1500 +epair0a$/)
  assert.match(lines[2]!, /^203\.0\.113\.0\/24 +192\.0\.2\.2 +UGS +0 +1500 +epair0a$/)
  assert.match(lines[3]!, /^203\.0\.113\.0\/24 +192\.0\.2\.3 +UGS +0 +1500 +epair0a$/)
  // Both gateway nexthops went; the new one takes the lowest free index, the first of them.
  const count = Number(lines[4])
  assert.equal(count, 3 + 4, 'title, family, header and 4 nexthops (lo0 twice, epair0a, 192.0.2.9)')
  assert.equal(Number(lines[5]!.split(/\s+/)[3]), nh)
})

test('-o needs a family, as the kernel dumps one at a time; --libxo json structure', async () => {
  const r = await sh(
    virtualHost(),
    `${LAB}jexec a netstat -on; echo "status $?"; jexec a netstat -4on --libxo json`,
  )
  assert.equal(
    r.err,
    'netstat: sysctl: net.route.0.0.nhdump.0 estimate: Address family not supported by protocol family\n',
  )
  const [title, status, json] = r.out.split('\n')
  assert.deepEqual([title, status], ['Nexthop data', 'status 71'])
  const doc = JSON.parse(json!)
  const fam = doc.statistics['route-nhop-information']['nhop-table']['rt-family'][0]
  assert.equal(fam['address-family'], 'Internet')
  const e = fam['nh-entry'].find((x: { gateway: string }) => x.gateway === '192.0.2.3')
  assert.deepEqual(Object.keys(e), [
    'index',
    'ifa',
    'gateway',
    'flags',
    'rt_flags_pretty',
    'interface-name',
    'refcount',
  ])
  assert.deepEqual(e.rt_flags_pretty, ['gateway', 'static'])
  assert.equal(e.refcount, 1)
})

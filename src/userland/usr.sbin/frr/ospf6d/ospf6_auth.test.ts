/**
 * ospf6d's Authentication Trailer (RFC 7166, FRR's `ipv6 ospf6 authentication key-id N hash-algo A
 * key K`) in a lab, in virtual time: two routers with the same key go Full and route as without it,
 * their Hellos and DDs carrying the AT bit and every packet a trailer and a zero checksum; a key changed on one side
 * makes the other drop what it sends (counted in `show ipv6 ospf6 interface`), the adjacency dies
 * and the route with it; the same key again brings both back; and a side without authentication is
 * refused as well (the AT bit differs).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bootLab } from '../../../../testing/lab_console.js'

const host6 = (name: string, addr: string, gw: string) =>
  `  ${name}: { kind: pc, interfaces: [ { name: eth0, ipv6: [ ${addr} ] } ], startup: [ "route -q add -inet6 default ${gw}" ] }`

const auth = (algo: string, key: string) =>
  `'vtysh -c "configure terminal" -c "interface eth1" -c "ipv6 ospf6 authentication key-id 7 hash-algo ${algo} key ${key}"'`

const LAB = `
name: ospf6-auth
nodes:
${host6('h1', 'fc00:1::10/64', 'fc00:1::1')}
${host6('h2', 'fc00:2::10/64', 'fc00:2::1')}
  r1:
    kind: router
    ospf6: { routerId: 1.1.1.1, redistribute: [] }
    interfaces: [ { name: eth0, ipv6: [ fc00:1::1/64 ] }, { name: eth1, ipv6: [ fc00:12::1/64 ] } ]
    startup: [ ${auth('hmac-sha-256', 'ospf6-key')} ]
  r2:
    kind: router
    ospf6: { routerId: 2.2.2.2, redistribute: [] }
    interfaces: [ { name: eth1, ipv6: [ fc00:12::2/64 ] }, { name: eth0, ipv6: [ fc00:2::1/64 ] } ]
    startup: [ ${auth('hmac-sha-256', 'ospf6-key')} ]
links:
  - { a: h1, b: r1:eth0 }
  - { a: r1:eth1, b: r2:eth1 }
  - { a: r2:eth0, b: h2 }
`

/** The packets of `tcpdump -x` (IPv6 header on). */
function hexPackets(dump: string): Uint8Array[] {
  const out: number[][] = []
  for (const l of dump.split('\n')) {
    const m = /^\s+0x([0-9a-f]{4}):\s+([0-9a-f ]+)$/.exec(l)
    if (m === null) continue
    if (m[1] === '0000') out.push([])
    const hex = m[2]!.replace(/ /g, '')
    for (let k = 0; k < hex.length; k += 2) out.at(-1)?.push(Number.parseInt(hex.slice(k, k + 2), 16))
  }
  return out.map((a) => Uint8Array.from(a))
}

function route(netstat: string, dest: string): string | undefined {
  return netstat.split('\n').find((l) => l.startsWith(`${dest} `))
}

test('the Authentication Trailer: Full with the same key, dropped and counted with another or none', async () => {
  const r = await bootLab(LAB, 31)
  try {
    await r.sleep(10)
    assert.match((await r.line('r1 vtysh -c "show ipv6 ospf6 neighbor"')).out, /^2\.2\.2\.2 .* Full\//m)
    assert.match(route((await r.line('r1 netstat -rn -f inet6')).out, 'fc00:2::/64') ?? '', / UG1 +eth1$/)
    const ping = await r.line('h1 ping -6 -c 1 fc00:2::10')
    assert.equal(ping.status, 0, ping.out)
    const ifc = (await r.line('r1 vtysh -c "show ipv6 ospf6 interface eth1"')).out
    assert.match(
      ifc,
      /^ {2}Authentication trailer is enabled with manual key\n {4}Packet drop Tx 0, Packet drop Rx 0$/m,
    )
    const run = (await r.line('r1 vtysh -c "show running-config"')).out
    assert.match(run, /^ ipv6 ospf6 authentication key-id 7 hash-algo hmac-sha-256 key ospf6-key$/m)
    // A capture: every packet carries a trailer past the OSPFv3 length (16 bytes and a SHA-256
    // digest) and a zero checksum (RFC 7166 §4.2).
    const cap = await r.line('r1 tcpdump -c 3 -x -n -i eth1 ip6 proto 89')
    assert.equal(cap.status, 0, cap.out)
    const pkts = hexPackets(cap.out)
    assert.equal(pkts.length, 3, cap.out)
    for (const p of pkts) {
      assert.equal(p[6], 89, 'OSPFv3')
      const payload = (p[4]! << 8) | p[5]!
      const ospfLen = (p[42]! << 8) | p[43]!
      assert.equal(payload - ospfLen, 16 + 32, 'trailer after the OSPFv3 length')
      assert.equal((p[40 + ospfLen]! << 8) | p[41 + ospfLen]!, 1, 'trailer type HMAC')
      assert.equal((p[52]! << 8) | p[53]!, 0, 'checksum left zero')
    }

    // Another key on r2: each side drops the other's packets; the adjacency dies at the dead interval.
    const x = await r.line(
      `r2 vtysh -c 'conf t' -c 'interface eth1' -c 'ipv6 ospf6 authentication key-id 7 hash-algo hmac-sha-256 key other'`,
    )
    assert.equal(x.status, 0, x.out)
    await r.sleep(50)
    const drops = Number(
      /Packet drop Rx (\d+)/.exec((await r.line('r1 vtysh -c "show ipv6 ospf6 interface eth1"')).out)?.[1],
    )
    assert.ok(drops > 0, `${drops} dropped`)
    assert.doesNotMatch((await r.line('r1 vtysh -c "show ipv6 ospf6 neighbor"')).out, /^2\.2\.2\.2 /m)
    assert.equal(route((await r.line('r1 netstat -rn -f inet6')).out, 'fc00:2::/64'), undefined)

    // No authentication on r2 at all: its Hellos lack the AT bit, and are refused still.
    assert.equal(
      (await r.line(`r2 vtysh -c 'conf t' -c 'interface eth1' -c 'no ipv6 ospf6 authentication'`)).status,
      0,
    )
    await r.sleep(20)
    assert.doesNotMatch(
      (await r.line('r1 vtysh -c "show ipv6 ospf6 neighbor"')).out,
      /^2\.2\.2\.2 .* Full\//m,
    )

    // The same key again: Full, and the route back.
    const y = await r.line(
      `r2 vtysh -c 'conf t' -c 'interface eth1' -c 'ipv6 ospf6 authentication key-id 7 hash-algo hmac-sha-256 key ospf6-key'`,
    )
    assert.equal(y.status, 0, y.out)
    await r.sleep(20)
    assert.match((await r.line('r1 vtysh -c "show ipv6 ospf6 neighbor"')).out, /^2\.2\.2\.2 .* Full\//m)
    assert.match(route((await r.line('r1 netstat -rn -f inet6')).out, 'fc00:2::/64') ?? '', / UG1 +eth1$/)
  } finally {
    r.destroy()
  }
})

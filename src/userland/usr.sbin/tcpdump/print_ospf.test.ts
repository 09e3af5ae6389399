/**
 * tcpdump -v and -vv on OSPF: for each version a LAN of two routers (OSPFv2: one redistributing a
 * network outside OSPF and a static route added during the capture) with a point-to-point link
 * beyond, captured while one router leaves the LAN and comes back, so the capture holds every packet
 * type and the LSA kinds the daemons originate. Our `tcpdump -r` must print it as Debian's tcpdump
 * does, line for line (skipped where tcpdump is not installed); a capture cut short ends in
 * ` [|ospf2]` and never throws.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type TestContext, test } from 'node:test'
import { type BootedLab, bootLab } from '../../../testing/lab_console.js'
import { have } from '../../../testing/real_tools.js'
import { LinkType } from '../../../wire/pcap/pcap.js'
import { Printer } from './print.js'

const LAB = `
name: ospf-v
nodes:
  sw: { kind: switch }
  s1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.10/24 } ] }
  s3: { kind: pc, interfaces: [ { name: eth0, address: 10.0.3.10/24 } ] }
  s5: { kind: pc, interfaces: [ { name: eth0, address: 10.0.5.10/24 } ] }
  r1:
    kind: router
    ospf: { routerId: 1.1.1.1, networks: [ 10.0.0.0/24, 10.0.1.0/24 ], redistribute: [ connected, static ] }
    interfaces: [ { name: eth0, address: 10.0.0.1/24 }, { name: eth1, address: 10.0.1.1/24 }, { name: eth2, address: 10.0.5.1/24 } ]
  r2:
    kind: router
    ospf: { routerId: 2.2.2.2, interfaces: { eth1: { pointToPoint: true } } }
    interfaces: [ { name: eth0, address: 10.0.0.2/24 }, { name: eth1, address: 10.0.23.2/24 } ]
  r3:
    kind: router
    ospf: { routerId: 3.3.3.3, interfaces: { eth0: { pointToPoint: true } } }
    interfaces: [ { name: eth0, address: 10.0.23.3/24 }, { name: eth1, address: 10.0.3.1/24 } ]
links:
  - { a: r1:eth0, b: sw }
  - { a: r2:eth0, b: sw }
  - { a: r1:eth1, b: s1 }
  - { a: r1:eth2, b: s5 }
  - { a: r2:eth1, b: r3:eth0 }
  - { a: r3:eth1, b: s3 }
`

/** What -v must show of each packet type and LSA kind (the exact text is checked against tcpdump). */
const WANT_V2 = [
  /^ {4}10\.0\.0\.2 > 224\.0\.0\.5: OSPFv2, Hello, length 4\d\n\tRouter-ID 2\.2\.2\.2, Backbone Area, Authentication Type: none \(0\)\n\tOptions \[External\]\n\t {2}Hello Timer 10s, Dead Timer 40s, Mask 255\.255\.255\.0, Priority 1$/m,
  /, DD Flags \[Init, More, Master\], MTU: 1500, Sequence: 0x[0-9a-f]{8}$/m,
  /OSPFv2, LS-Request, length \d+\n.*\n\t {2}Advertising Router: \d+\.\d+\.\d+\.\d+, Router LSA \(1\), LSA-ID: /m,
  /, \d+ LSAs?\n\t {2}LSA #1\n/m,
  /^\t {6}Neighbor Router-ID: 3\.3\.3\.3, Interface Address: 10\.0\.23\.2\n\t\ttopology default \(0\), metric 10$/m,
  /^\t {4}Network LSA \(2\), LSA-ID: 10\.0\.0\.\d\n\t {4}Options: \[External\]\n\t {4}Mask 255\.255\.255\.0\n\t {4}Connected Routers:$/m,
  /^\t {4}External LSA \(5\), LSA-ID: 198\.51\.100\.0\n\t {4}Options: \[External\]\n\t {4}Mask 255\.255\.255\.0\n\t\ttopology default \(0\), type 2, metric 20$/m,
  /OSPFv2, LS-Ack, length \d+\n/,
]

/** r1 and r2 on a LAN, r2 — r3 point-to-point, OSPFv3 throughout. */
const LAB6 = `
name: ospf6-v
nodes:
  sw: { kind: switch }
  s5: { kind: pc, interfaces: [ { name: eth0, ipv6: [ fc00:5::10/64 ] } ] }
  r1:
    kind: router
    ospf6: { routerId: 1.1.1.1 }
    interfaces: [ { name: eth0, ipv6: [ fc00:10::1/64 ] }, { name: eth1, ipv6: [ fc00:5::1/64 ] } ]
  r2:
    kind: router
    ospf6: { routerId: 2.2.2.2 }
    interfaces: [ { name: eth0, ipv6: [ fc00:10::2/64 ] }, { name: eth1, ipv6: [ fc00:23::2/64 ] } ]
    startup: [ 'vtysh -c "configure terminal" -c "interface eth1" -c "ipv6 ospf6 network point-to-point"' ]
  r3:
    kind: router
    ospf6: { routerId: 3.3.3.3 }
    interfaces: [ { name: eth0, ipv6: [ fc00:23::3/64 ] } ]
    startup: [ 'vtysh -c "configure terminal" -c "interface eth0" -c "ipv6 ospf6 network point-to-point"' ]
links:
  - { a: r1:eth0, b: sw }
  - { a: r2:eth0, b: sw }
  - { a: r1:eth1, b: s5 }
  - { a: r2:eth1, b: r3:eth0 }
`

/** What -vv must show of OSPFv3 (the exact text is checked against tcpdump). */
const WANT_V3 = [
  /OSPFv3, Hello, length \d+\n\tRouter-ID 2\.2\.2\.2, Backbone Area\n\tOptions \[V6, External, Router\]\n\t {2}Hello Timer 10s, Dead Timer 40s, Interface-ID \d+\.\d+\.\d+\.\d+, Priority 1\n/,
  /DD Flags \[Init, More, Master\], MTU 1500, DD-Sequence 0x[0-9a-f]{8}\n/,
  /OSPFv3, LS-Request, length \d+\n.*\n\t {2}Advertising Router \d+\.\d+\.\d+\.\d+\n\t {4}\w+/,
  /\n\t {4}Router LSA \(1\), Area Local Scope, LSA-ID 0\.0\.0\.0\n\t {6}Options \[V6, External, Router\], RLA-Flags \[\w*/,
  /\n\t {6}Neighbor Router-ID 3\.3\.3\.3\n\t {6}Neighbor Interface-ID /,
  /\n\t {4}Link LSA \(8\), Link Local Scope, LSA-ID \d+\.\d+\.\d+\.\d+\n/,
  /\n\t {4}Intra-Area Prefix LSA \(9\), Area Local Scope, LSA-ID \d+\.\d+\.\d+\.\d+\n\t {4}Router LSA \(1\), Area Local Scope, LSA-ID 0\.0\.0\.0\n\t {6}Prefixes \d+:\n\t\tfc00:/,
  /OSPFv3, LS-Ack, length \d+\n/,
]

/** Our `tcpdump -r` of the lab's capture on r2 against Debian's, for each set of flags. */
async function agrees(
  r: BootedLab,
  t: TestContext,
  flags: readonly string[],
  ours: (f: string) => Promise<string>,
) {
  if (!have('tcpdump')) return t.skip('tcpdump is not installed (apt-get install tcpdump)')
  const text = r.lab.nodeFs('r2').read('/cap.pcap')!
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-ospf-v-'))
  try {
    const f = join(dir, 'ospf.pcap')
    writeFileSync(
      f,
      Uint8Array.from(text, (c) => c.charCodeAt(0)),
    )
    for (const flag of flags) {
      // tcpdump 4.99.3 (Debian 12) read past an LS-Ack's last header and printed ` [|ospf2]` after it;
      // upstream fixed that in 2023 (4b4f7af5, "Update LS-Ack printing to not run off the end").
      const real = execFileSync('tcpdump', [...flag.split(' '), '-r', f], {
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .toString()
        .replace(/ \[\|ospf2\]$/gm, '')
      assert.equal(await ours(flag), real, `tcpdump ${flag}`)
    }
  } finally {
    rmSync(dir, { recursive: true })
  }
}

/** r2 captures OSPF on its LAN port while r1 leaves the LAN for 45 s and comes back. */
async function flap(
  r: BootedLab,
  filter: string,
  before: string[] = [],
): Promise<(flags: string) => Promise<string>> {
  assert.equal((await r.line(`r2 sh -c "tcpdump -w /cap.pcap -i eth0 ${filter} &"`)).status, 0)
  await r.sleep(1)
  for (const line of before) assert.equal((await r.line(line)).status, 0, line)
  await r.sleep(10)
  assert.equal((await r.line('link r1:eth0 sw down')).status, 0)
  await r.sleep(45)
  assert.equal((await r.line('link r1:eth0 sw up')).status, 0)
  await r.sleep(60)
  return async (flags: string): Promise<string> => {
    const p = await r.line(`r2 tcpdump ${flags} -r /cap.pcap`)
    assert.equal(p.status, 0, p.out)
    return p.out.replace(/^reading from file .*\n/m, '')
  }
}

test('tcpdump -v/-vv prints an OSPFv2 exchange as Debian tcpdump does', async (t) => {
  const r = await bootLab(LAB, 7)
  try {
    // A new static route floods a new AS-external-LSA, body and all.
    const ours = await flap(r, 'ip proto 89', ['r1 route add 198.51.100.0/24 10.0.1.10'])
    const v = await ours('-nn -t -v')
    for (const want of WANT_V2) assert.match(v, want)
    await agrees(r, t, ['-nn -t', '-nn -t -v', '-nn -t -vv'], ours)
  } finally {
    r.destroy()
  }
})

test('tcpdump -v/-vv prints an OSPFv3 exchange as Debian tcpdump does', async (t) => {
  const r = await bootLab(LAB6, 7)
  try {
    const ours = await flap(r, 'ip6 proto 89')
    const vv = await ours('-nn -t -vv')
    for (const want of WANT_V3) assert.match(vv, want)
    await agrees(r, t, ['-nn -t', '-nn -t -v', '-nn -t -vv'], ours)
  } finally {
    r.destroy()
  }
})

test('an OSPFv2 packet cut short ends in [|ospf2], at any length', () => {
  // A Hello with one neighbour, 48 bytes of OSPF; every capture length from the IP header on.
  const f = new Uint8Array(14 + 20 + 48)
  f[12] = 0x08
  f.set([0x45, 0xc0, 0, 68, 0, 1, 0, 0, 1, 89], 14)
  f.set([10, 0, 0, 1, 224, 0, 0, 5], 26)
  f.set([2, 1, 0, 48, 1, 1, 1, 1], 34)
  f.set([255, 255, 255, 0, 0, 10, 2, 1, 0, 0, 0, 40, 10, 0, 0, 1, 0, 0, 0, 0, 2, 2, 2, 2], 58)
  const p = new Printer({ n: 2, e: false, v: 1, q: false, S: false })
  const full = p.line(LinkType.EN10MB, f, f.length, f.length)
  assert.match(full, /Neighbor List:\n\t {4}2\.2\.2\.2$/)
  for (let cap = 34 + 16; cap < f.length; cap++) {
    const s = p.line(LinkType.EN10MB, f, cap, f.length)
    assert.match(s, / \[\|ospf2\]$/, `caplen ${cap}`)
  }
})

test('an OSPFv3 packet cut short ends in [|ospf3] under -vv, at any length', () => {
  // fe80::1 > ff02::5, a Hello with one neighbour: 16 bytes of header, 20 of Hello, 4 of neighbour.
  const len = 40
  const f = new Uint8Array(14 + 40 + len)
  f.set([0x86, 0xdd, 0x60], 12)
  f[19] = len
  f[20] = 89
  f[21] = 1
  f.set([0xfe, 0x80], 22)
  f[37] = 1
  f.set([0xff, 0x02], 38)
  f[53] = 5
  f.set([3, 1, 0, len, 2, 2, 2, 2], 54)
  f.set([0, 0, 0, 5, 1, 0, 0, 0x13, 0, 10, 0, 40, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1], 70)
  const p = new Printer({ n: 2, e: false, v: 2, q: false, S: false })
  assert.match(
    p.line(LinkType.EN10MB, f, f.length, f.length),
    /OSPFv3, Hello, length 40\n\tRouter-ID 2\.2\.2\.2, Backbone Area\n\tOptions \[V6, External, Router\]\n\t {2}Hello Timer 10s, Dead Timer 40s, Interface-ID 0\.0\.0\.5, Priority 1\n\t {2}Designated Router 2\.2\.2\.2\n\t {2}Neighbor List:\n\t {4}1\.1\.1\.1$/,
  )
  for (let cap = 54 + 2; cap < f.length; cap++)
    assert.match(p.line(LinkType.EN10MB, f, cap, f.length), / \[\|ospf3\]$/, `caplen ${cap}`)
})

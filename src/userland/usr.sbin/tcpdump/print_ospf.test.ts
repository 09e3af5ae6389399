/**
 * tcpdump -v and -vv on OSPFv2: a LAN of two routers (one redistributing a network outside OSPF and a static
 * route added during the capture, one with a point-to-point link beyond) captured while one of them leaves the LAN and comes back, so the capture holds every
 * packet type and router, network and external LSAs. Our `tcpdump -r` must print it as Debian's
 * tcpdump does, line for line (skipped where tcpdump is not installed); a capture cut short ends in
 * ` [|ospf2]` and never throws.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { bootLab } from '../../../testing/lab_console.js'
import { have } from '../../../testing/real_tools.js'
import { LinkType } from '../../../wire/pcap.js'
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

test('tcpdump -v/-vv prints an OSPFv2 exchange as Debian tcpdump does', async (t) => {
  const r = await bootLab(LAB, 7)
  try {
    assert.equal((await r.line('r2 sh -c "tcpdump -w /cap.pcap -i eth0 ip proto 89 &"')).status, 0)
    await r.sleep(1)
    // A new static route floods a new AS-external-LSA, body and all.
    assert.equal((await r.line('r1 route add 198.51.100.0/24 10.0.1.10')).status, 0)
    await r.sleep(10)
    assert.equal((await r.line('link r1:eth0 sw down')).status, 0)
    await r.sleep(45)
    assert.equal((await r.line('link r1:eth0 sw up')).status, 0)
    await r.sleep(60)
    const ours = async (flags: string): Promise<string> => {
      const p = await r.line(`r2 tcpdump ${flags} -r /cap.pcap`)
      assert.equal(p.status, 0, p.out)
      return p.out.replace(/^reading from file .*\n/m, '')
    }
    const v = await ours('-nn -t -v')
    for (const want of [
      /^ {4}10\.0\.0\.2 > 224\.0\.0\.5: OSPFv2, Hello, length 4\d\n\tRouter-ID 2\.2\.2\.2, Backbone Area, Authentication Type: none \(0\)\n\tOptions \[External\]\n\t {2}Hello Timer 10s, Dead Timer 40s, Mask 255\.255\.255\.0, Priority 1$/m,
      /, DD Flags \[Init, More, Master\], MTU: 1500, Sequence: 0x[0-9a-f]{8}$/m,
      /OSPFv2, LS-Request, length \d+\n.*\n\t {2}Advertising Router: \d+\.\d+\.\d+\.\d+, Router LSA \(1\), LSA-ID: /m,
      /, \d+ LSAs?\n\t {2}LSA #1\n/m,
      /^\t {6}Neighbor Router-ID: 3\.3\.3\.3, Interface Address: 10\.0\.23\.2\n\t\ttopology default \(0\), metric 10$/m,
      /^\t {4}Network LSA \(2\), LSA-ID: 10\.0\.0\.\d\n\t {4}Options: \[External\]\n\t {4}Mask 255\.255\.255\.0\n\t {4}Connected Routers:$/m,
      /^\t {4}External LSA \(5\), LSA-ID: 198\.51\.100\.0\n\t {4}Options: \[External\]\n\t {4}Mask 255\.255\.255\.0\n\t\ttopology default \(0\), type 2, metric 20$/m,
      /OSPFv2, LS-Ack, length \d+\n/,
    ])
      assert.match(v, want)
    if (!have('tcpdump')) return t.skip('tcpdump is not installed (apt-get install tcpdump)')
    const text = r.lab.nodeFs('r2').read('/cap.pcap')!
    const dir = mkdtempSync(join(tmpdir(), 'virtnet-ospf-v-'))
    try {
      const f = join(dir, 'ospf.pcap')
      writeFileSync(
        f,
        Uint8Array.from(text, (c) => c.charCodeAt(0)),
      )
      for (const flags of ['-nn -t', '-nn -t -v', '-nn -t -vv']) {
        // tcpdump 4.99.3 (Debian 12) read past an LS-Ack's last header and printed ` [|ospf2]` after it;
        // upstream fixed that in 2023 (4b4f7af5, "Update LS-Ack printing to not run off the end").
        const real = execFileSync('tcpdump', [...flags.split(' '), '-r', f], {
          stdio: ['ignore', 'pipe', 'ignore'],
        })
          .toString()
          .replace(/ \[\|ospf2\]$/gm, '')
        assert.equal(await ours(flags), real, `tcpdump ${flags}`)
      }
    } finally {
      rmSync(dir, { recursive: true })
    }
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

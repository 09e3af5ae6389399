/**
 * tcpdump -v and -vv on DHCP: ISC's dhcpd and dhclient, both for IPv4 and with -6, on one LAN,
 * captured on the server from the first Discover/Solicit through a renewal. Our `tcpdump -r` must
 * print the capture as Debian's tcpdump does, line for line (skipped where tcpdump is not
 * installed); a message cut short at any length ends in `[|bootp]` / `[|dhcp6]` and never throws.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type TestContext, test } from 'node:test'
import fc from 'fast-check'
import { bootLab } from '../../../testing/lab_console.js'
import { assertTcpdumpAgrees, have } from '../../../testing/real_tools.js'
import { LinkType, PcapWriter } from '../../../wire/pcap/pcap.js'
import { Printer } from './print.js'

const LAB = `
name: dhcp-v
nodes:
  sw: { kind: switch }
  srv: { kind: host, interfaces: [ { name: eth0, address: 10.0.0.1/24, ipv6: [ fc00:3::10/64 ] } ] }
  c1: { kind: pc, interfaces: [ { name: eth0 } ] }
links:
  - { a: srv, b: sw }
  - { a: c1, b: sw }
`

const CONF4 = `option domain-name "example.org";
option domain-name-servers 10.0.0.53, 10.0.0.54;
default-lease-time 240;
max-lease-time 7200;
authoritative;
subnet 10.0.0.0 netmask 255.255.255.0 {
  range 10.0.0.10 10.0.0.20;
  option routers 10.0.0.254;
}
`

const CONF6 = `authoritative;
default-lease-time 300;
option dhcp-renewal-time 100;
option dhcp-rebinding-time 200;
option dhcp6.name-servers fc00:3::53;
option dhcp6.domain-search "example.org", "lab.example.net";
dhcpv6-lease-file-name "/var/db/dhcpd6.leases";
subnet6 fc00:3::/64 {
\trange6 fc00:3::100 fc00:3::109;
}
`

/** What -v must show (the exact text is compared with tcpdump's where it is installed). */
const WANT = [
  /BOOTP\/DHCP, Request from ([0-9a-f]{2}:){5}[0-9a-f]{2}, length \d+, xid 0x[0-9a-f]+, Flags \[none\]\n\t {2}Client-Ethernet-Address /,
  /\n\t {2}Vendor-rfc1048 Extensions\n\t {4}Magic Cookie 0x63825363\n\t {4}DHCP-Message \(53\), length 1: Discover\n/,
  /\n\t {2}Your-IP 10\.0\.0\.\d+\n/,
  /\n\t {4}Domain-Name-Server \(6\), length 8: 10\.0\.0\.53,10\.0\.0\.54\n/,
  /\n\t {4}Domain-Name \(15\), length 11: "example\.org"/,
  /\n\t {4}Parameter-Request \(55\), length \d+: \n\t {6}Subnet-Mask \(1\), /,
  /DHCP-Message \(53\), length 1: ACK\n/,
  /dhcp6 solicit \(xid=[0-9a-f]+ \(client-ID hwaddr\/time type 1 time \d+ [0-9a-f]{12}\) /,
  /dhcp6 advertise \(xid=[0-9a-f]+ .*\(IA_NA IAID:\d+ T1:100 T2:200 \(IA_ADDR fc00:3::10\d pltime:\d+ vltime:300\)\)/,
  /\(DNS-server fc00:3::53\)/,
  /\(DNS-search-list example\.org\. lab\.example\.net\.\)/,
  /dhcp6 renew \(xid=/,
]

test('tcpdump -v/-vv prints DHCPv4 and DHCPv6 exchanges as Debian tcpdump does', async (t) => {
  const r = await bootLab(LAB, 11)
  try {
    const fs = r.lab.nodeFs('srv')
    assert.ok(fs.truncate('/etc/dhcpd.conf') && fs.append('/etc/dhcpd.conf', CONF4))
    assert.ok(fs.truncate('/var/db/dhcpd.leases'))
    assert.ok(fs.truncate('/usr/local/etc/dhcpd6.conf') && fs.append('/usr/local/etc/dhcpd6.conf', CONF6))
    assert.ok(fs.truncate('/var/db/dhcpd6.leases'))
    assert.equal((await r.line('srv sh -c "tcpdump -w /cap.pcap -i eth0 udp &"')).status, 0)
    await r.sleep(1)
    for (const l of ['srv dhcpd -q -cf /etc/dhcpd.conf', 'srv dhcpd -6 -q', 'c1 dhclient eth0'])
      assert.equal((await r.line(l)).status, 0, l)
    // c1's eth0 has no inet6 address, so IPv6 started disabled there (nd6_ifattach): without a
    // link-local address dhclient -6 gives up, as ISC's does; enable it as the lab's rc.conf would.
    assert.equal((await r.line('c1 /usr/local/sbin/dhclient -6 eth0')).status, 1)
    assert.equal((await r.line('c1 ifconfig eth0 inet6 -ifdisabled')).status, 0)
    await r.sleep(2)
    assert.equal((await r.line('c1 /usr/local/sbin/dhclient -6 eth0')).status, 0)
    // Past T1 of both leases: a DHCPv4 renewal (unicast Request) and a DHCPv6 Renew.
    await r.sleep(150)
    const ours = async (flags: string): Promise<string> => {
      const p = await r.line(`srv tcpdump ${flags} -r /cap.pcap`)
      assert.equal(p.status, 0, p.out)
      return p.out.replace(/^reading from file .*\n/m, '')
    }
    const v = await ours('-nn -t -v')
    for (const want of WANT) assert.match(v, want)
    if (!have('tcpdump')) return t.skip('tcpdump is not installed (apt-get install tcpdump)')
    const text = fs.read('/cap.pcap')!
    await assertTcpdumpAgrees(
      Uint8Array.from(text, (c) => c.charCodeAt(0)),
      ours,
    )
  } finally {
    r.destroy()
  }
})

/** An Ethernet + IPv4 + UDP frame around `payload`, ports sp → dp. */
function udp4(sp: number, dp: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8 + payload.length)
  f[12] = 0x08
  f.set([0x45, 0, (28 + payload.length) >> 8, (28 + payload.length) & 255, 0, 1, 0, 0, 64, 17], 14)
  f.set([0, 0, 0, 0, 255, 255, 255, 255], 26)
  f.set([sp >> 8, sp & 255, dp >> 8, dp & 255, (8 + payload.length) >> 8, (8 + payload.length) & 255], 34)
  f.set(payload, 42)
  return f
}

/** An Ethernet + IPv6 + UDP frame around `payload`, fe80::1 → ff02::1:2. */
function udp6(sp: number, dp: number, payload: Uint8Array): Uint8Array {
  const len = 8 + payload.length
  const f = new Uint8Array(14 + 40 + len)
  f.set([0x86, 0xdd, 0x60], 12)
  f.set([len >> 8, len & 255, 17, 1, 0xfe, 0x80], 18)
  f[37] = 1
  f.set([0xff, 0x02], 38)
  f.set([1, 0, 2], 51)
  f.set([sp >> 8, sp & 255, dp >> 8, dp & 255, len >> 8, len & 255], 54)
  f.set(payload, 62)
  return f
}

/**
 * Every capture length of `frame` printed by our Printer and, where installed, by Debian's tcpdump
 * from a pcap of the same records, with -v and -vv: the texts must be equal. Returns ours.
 */
function everyCut(frame: Uint8Array, from: number, t: TestContext): string[] {
  const w = new PcapWriter(LinkType.EN10MB)
  const recs: Uint8Array[] = [w.header()]
  for (let cap = from; cap <= frame.length; cap++) {
    const r = new Uint8Array(16 + cap)
    assert.ok(w.recordInto(r, 0, 0, frame, 0, cap, frame.length) > 0)
    recs.push(r)
  }
  const texts: string[] = []
  for (const v of [1, 2]) {
    const p = new Printer({ n: 2, e: false, v, q: false, S: false })
    const lines: string[] = []
    for (let cap = from; cap <= frame.length; cap++)
      lines.push(p.line(LinkType.EN10MB, frame, cap, frame.length))
    texts.push(...lines)
    if (!have('tcpdump')) continue
    const dir = mkdtempSync(join(tmpdir(), 'virtnet-dhcp-cut-'))
    try {
      const f = join(dir, 'cut.pcap')
      writeFileSync(f, Buffer.concat(recs))
      const real = execFileSync('tcpdump', ['-nn', '-t', v === 1 ? '-v' : '-vv', '-r', f], {
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString()
      assert.equal(lines.map((l) => `${l}\n`).join(''), real, `-v x${v}`)
    } finally {
      rmSync(dir, { recursive: true })
    }
  }
  if (!have('tcpdump')) t.diagnostic('tcpdump is not installed: cuts checked for their ending only')
  return texts
}

test('a DHCPv4 message cut short ends in [|bootp] as tcpdump does, at any length', (t) => {
  const m = new Uint8Array(300)
  m.set([1, 1, 6, 0, 0x12, 0x34, 0x56, 0x78])
  m.set([2, 0, 0, 0, 0, 1], 28)
  m.set([0x73, 0x72, 0x76], 44)
  m.set([99, 130, 83, 99, 53, 1, 1, 12, 3, 0x61, 0x62, 0x63, 55, 3, 1, 3, 6, 61, 7, 1, 2, 0, 0, 0, 0, 1], 236)
  m.set([121, 13, 24, 192, 0, 2, 10, 0, 0, 1, 0, 10, 0, 0, 254, 81, 5, 1, 0, 0, 0x68, 0x31, 255], 262)
  const f = udp4(68, 67, m)
  const p = new Printer({ n: 2, e: false, v: 1, q: false, S: false })
  assert.match(
    p.line(LinkType.EN10MB, f, f.length, f.length),
    /BOOTP\/DHCP, Request from 02:00:00:00:00:01, length 300, xid 0x12345678, Flags \[none\]\n\t {2}Client-Ethernet-Address 02:00:00:00:00:01\n\t {2}sname "srv"\n\t {2}Vendor-rfc1048 Extensions\n\t {4}Magic Cookie 0x63825363\n\t {4}DHCP-Message \(53\), length 1: Discover\n\t {4}Hostname \(12\), length 3: "abc"\n\t {4}Parameter-Request \(55\), length 3: \n\t {6}Subnet-Mask \(1\), Default-Gateway \(3\), Domain-Name-Server \(6\)\n\t {4}Client-ID \(61\), length 7: ether 02:00:00:00:00:01\n\t {4}Classless-Static-Route \(121\), length 13: \(192\.0\.2\.0\/24:10\.0\.0\.1\),\(default:10\.0\.0\.254\)\n\t {4}FQDN \(81\), length 5: \[S\] "h1"$/,
  )
  const cuts = everyCut(f, 42, t)
  // Inside the fixed header every cut is a truncation.
  for (let i = 1; i < 236 - 20; i++) assert.match(cuts[i]!, / \[\|bootp\]/, `caplen ${42 + i}`)
  // A length byte pointing past the message is a truncation too.
  m[236 + 8] = 200
  const g = udp4(68, 67, m)
  assert.match(p.line(LinkType.EN10MB, g, g.length, g.length), /Hostname \(12\), length 200: {2}\[\|bootp\]$/)
})

test('a DHCPv6 message cut short ends in [|dhcp6] as tcpdump does, at any length', (t) => {
  // Solicit: client-ID (DUID-LLT), elapsed-time, IA_NA with an IA_ADDR inside, option-request, search list.
  const m = Uint8Array.from([
    1, 0xab, 0xcd, 0xef, 0, 1, 0, 14, 0, 1, 0, 1, 0, 0, 0, 5, 2, 0, 0, 0, 0, 1, 0, 8, 0, 2, 0, 0, 0, 3, 0, 40,
    0, 0, 0, 7, 0, 0, 0, 100, 0, 0, 0, 200, 0, 5, 0, 24, 0xfc, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
    0, 0, 50, 0, 0, 0, 60, 0, 6, 0, 4, 0, 23, 0, 24, 0, 24, 0, 9, 1, 0x61, 3, 0x6f, 0x72, 0x67, 0, 1, 0x62,
  ])
  const f = udp6(546, 547, m)
  const p = new Printer({ n: 2, e: false, v: 1, q: false, S: false })
  assert.match(
    p.line(LinkType.EN10MB, f, f.length, f.length),
    /: \[bad udp cksum 0x0000 -> 0x[0-9a-f]{4}!\] dhcp6 solicit \(xid=abcdef \(client-ID hwaddr\/time type 1 time 5 020000000001\) \(elapsed-time 0\) \(IA_NA IAID:7 T1:100 T2:200 \(IA_ADDR fc00:3::100 pltime:50 vltime:60\)\) \(option-request DNS-server DNS-search-list\) \(DNS-search-list a\.org\. b\. \[\|dhcp6\]\)$/,
  )
  const cuts = everyCut(f, 62, t)
  assert.equal(
    cuts[0],
    'IP6 (hlim 1, next-header UDP (17) payload length: 101) fe80::1.546 > ff02::1:2.547: dhcp6 [|dhcp6]',
  )
})

test('random bytes on the DHCP ports never make the printers throw', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 400 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 3 }),
      fc.nat(),
      (body, six, v, cut) => {
        const f = six ? udp6(547, 546, body) : udp4(67, 68, body)
        const p = new Printer({ n: 2, e: false, v, q: false, S: false })
        const cap = Math.max(14, f.length - (cut % (f.length - 13)))
        assert.equal(typeof p.line(LinkType.EN10MB, f, cap, f.length), 'string')
      },
    ),
    { numRuns: 3000 },
  )
})

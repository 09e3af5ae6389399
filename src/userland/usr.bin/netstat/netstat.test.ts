/**
 * netstat: the routing table, interface and protocol-statistics layouts, column for column as
 * FreeBSD 14 prints them.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { SysError } from '../../../util/errno.js'
import { parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { epairIf, fakeSys, loIf, routeInfo, runCmd } from '../../testkit.js'
import { formatInterfaces } from './if.js'
import { netstat } from './netstat.js'
import { formatProtoStats } from './proto_stats.js'
import { formatRoutes, routeFlagLetters } from './route.js'

const ROUTES = [
  routeInfo('0.0.0.0', 0, '192.0.2.254', 'epair0a', 0x803),
  routeInfo('127.0.0.1', 32, 1, 'lo0', 0x5),
  routeInfo('192.0.2.0', 24, 2, 'epair0a', 0x1),
  routeInfo('192.0.2.1', 32, 2, 'lo0', 0x805),
]

describe('netstat -r', () => {
  test('the Internet table of netstat -rn', () => {
    assert.equal(
      formatRoutes(ROUTES, { numeric: true, wide: false }),
      [
        'Routing tables',
        '',
        'Internet:',
        'Destination        Gateway            Flags     Netif Expire',
        'default            192.0.2.254        UGS     epair0a',
        '127.0.0.1          link#1             UH          lo0',
        '192.0.2.0/24       link#2             U       epair0a',
        '192.0.2.1          link#2             UHS         lo0',
        '',
      ].join('\n'),
    )
  })

  test('flag letters in FreeBSD order; names without -n', () => {
    assert.equal(routeFlagLetters(0x1 | 0x2 | 0x800 | 0x1000), 'UGSB')
    assert.equal(routeFlagLetters(0x1 | 0x4 | 0x8), 'UHR')
    assert.match(formatRoutes(ROUTES, { numeric: false, wide: false }), /\nlocalhost {10}link#1/)
  })

  test('-rn -f inet through the command', async () => {
    const k = fakeSys({ routeList: () => ROUTES })
    const r = await runCmd(netstat, 'netstat -rn -f inet', k.sys)
    assert.equal(r.status, 0)
    assert.equal(r.out, formatRoutes(ROUTES, { numeric: true, wide: false }))
    assert.equal(
      (await runCmd(netstat, 'netstat -rn -f foo', k.sys)).err,
      'netstat: foo: unknown address family\n',
    )
  })
})

describe('netstat -i', () => {
  const lo = loIf()
  lo.stats.ipackets = 4
  lo.stats.opackets = 4
  const ep = epairIf('epair0a', 2, ['192.0.2.1/24'], {
    inet6: [
      { addr: parseIpv6('2001:db8::1')!, prefixLen: 64, flags: 0, scopeId: 0 },
      { addr: parseIpv6('fe80::2')!, prefixLen: 64, flags: 0, scopeId: 2 },
    ],
  })
  ep.stats.ipackets = 1234
  ep.stats.opackets = 99
  // A long name, down: FreeBSD 14 cuts it (and its star) to 5 characters unless -W.
  const long = epairIf('vlan1234567', 3, [], { flags: 0x8802, inet6: [] })

  test("FreeBSD 14's fixed columns: names cut to 5, Network/Address to 13/17, Mtu '-' on address rows", () => {
    assert.equal(
      formatInterfaces([lo, ep, long], { numeric: true }),
      [
        'Name    Mtu Network       Address              Ipkts Ierrs Idrop    Opkts Oerrs  Coll',
        'lo0   16384 <Link#1>      lo0                      4     0     0        4     0     0',
        'lo0       - 127.0.0.0/8   127.0.0.1                4     -     -        4     -     -',
        'lo0       - ::1/128       ::1                      4     -     -        4     -     -',
        'lo0       - fe80::%lo0/64 fe80::1%lo0              4     -     -        4     -     -',
        'epair  1500 <Link#2>      02:00:00:00:00:0c     1234     0     0       99     0     0',
        'epair     - 192.0.2.0/24  192.0.2.1             1234     -     -       99     -     -',
        'epair     - 2001:db8::/64 2001:db8::1           1234     -     -       99     -     -',
        'epair     - fe80::%epair0 fe80::2%epair0a       1234     -     -       99     -     -',
        'vlan1  1500 <Link#3>      02:00:00:00:00:0d        0     0     0        0     0     0',
        '',
      ].join('\n'),
    )
  })

  test('-W: the longest name, Network/Address 24/39 with an IPv6 row (18/17 without), nothing cut', () => {
    assert.equal(
      formatInterfaces([lo, ep, long], { numeric: true, wide: true }),
      [
        'Name           Mtu Network                  Address                                    Ipkts Ierrs Idrop    Opkts Oerrs  Coll',
        'lo0          16384 <Link#1>                 lo0                                            4     0     0        4     0     0',
        'lo0              - 127.0.0.0/8              127.0.0.1                                      4     -     -        4     -     -',
        'lo0              - ::1/128                  ::1                                            4     -     -        4     -     -',
        'lo0              - fe80::%lo0/64            fe80::1%lo0                                    4     -     -        4     -     -',
        'epair0a       1500 <Link#2>                 02:00:00:00:00:0c                           1234     0     0       99     0     0',
        'epair0a          - 192.0.2.0/24             192.0.2.1                                   1234     -     -       99     -     -',
        'epair0a          - 2001:db8::/64            2001:db8::1                                 1234     -     -       99     -     -',
        'epair0a          - fe80::%epair0a/64        fe80::2%epair0a                             1234     -     -       99     -     -',
        'vlan1234567*  1500 <Link#3>                 02:00:00:00:00:0d                              0     0     0        0     0     0',
        '',
      ].join('\n'),
    )
    const v4 = formatInterfaces([ep], { numeric: true, wide: true, inetOnly: true }).split('\n')
    assert.equal(
      v4[0],
      'Name      Mtu Network            Address              Ipkts Ierrs Idrop    Opkts Oerrs  Coll',
    )
    assert.equal(
      v4[1],
      'epair0a     - 192.0.2.0/24       192.0.2.1             1234     -     -       99     -     -',
    )
  })

  test('-b adds byte columns; -I picks one interface; -f inet / -f inet6 / -f link pick rows', () => {
    const b = formatInterfaces([ep], { bytes: true, numeric: true }).split('\n')
    assert.equal(
      b[0],
      'Name    Mtu Network       Address              Ipkts Ierrs Idrop     Ibytes    Opkts Oerrs     Obytes  Coll',
    )
    assert.equal(formatInterfaces([lo, ep], { iface: 'lo0' }).split('\n').length, 6)
    assert.doesNotMatch(formatInterfaces([lo, ep], { inetOnly: true }), /Link#|fe80/)
    assert.doesNotMatch(formatInterfaces([lo, ep], { inet6Only: true }), /Link#|127\.0/)
    // Without -n, ::1 is localhost (routename / netname6 through the resolver).
    assert.match(formatInterfaces([lo], { inet6Only: true }), /\nlo0 {7}- localhost {5}localhost {16}4/)
    // -f link: only the link-level rows (scripts take a counter from the one line left, lpm.sh).
    const link = formatInterfaces([lo, ep], { linkOnly: true, iface: ep.name }).trimEnd().split('\n')
    assert.equal(link.length, 2)
    assert.match(link[1]!, /<Link#/)
  })

  test('netstat -i -W -I epair0a through the command', async () => {
    const k = fakeSys({ ifList: () => [lo, ep, long] })
    const r = await runCmd(netstat, 'netstat -i -W -n -I epair0a', k.sys)
    assert.equal(r.status, 0)
    assert.equal(r.out, formatInterfaces([ep], { numeric: true, wide: true }))
    assert.match(r.out, /^Name {6}Mtu Network {18}Address/)
  })
})

describe('netstat -s', () => {
  test("ip: FreeBSD's sentences, plurals, the forwarding line, unknown counters last", () => {
    const s = formatProtoStats('ip', [
      ['ips_total', 5],
      ['ips_badsum', 0],
      ['ips_toosmall', 0],
      ['ips_delivered', 1],
      ['ips_forward', 1],
      ['ips_localout', 2],
      ['ips_custom', 3],
    ])
    assert.equal(
      s,
      'ip:\n\t5 total packets received\n\t0 bad header checksums\n\t0 with size smaller than minimum\n' +
        '\t1 packet for this host\n\t1 packet forwarded (0 packets fast forwarded)\n\t2 packets sent from this host\n\t3 ips_custom\n',
    )
  })

  test('icmp histograms by type name; -ss hides zeros', () => {
    const s = formatProtoStats(
      'icmp',
      [
        ['icps_error', 1],
        ['icps_oldshort', 0],
        ['icps_outhist[0]', 3],
        ['icps_outhist[3]', 1],
        ['icps_badcode', 0],
        ['icps_inhist[8]', 3],
        ['icps_badaddr', 2],
      ],
      true,
    )
    assert.equal(
      s,
      'icmp:\n\t1 call to icmp_error\n\tOutput histogram:\n\t\techo reply: 3\n\t\tdestination unreachable: 1\n' +
        '\tInput histogram:\n\t\techo: 3\n\t2 invalid return addresses\n',
    )
  })

  test('arp and udp wording (including "entrys" and the computed delivered line)', () => {
    assert.equal(
      formatProtoStats('arp', [
        ['txrequests', 1],
        ['txreplies', 1],
        ['rxreplies', 2],
        ['timeouts', 2],
      ]),
      'arp:\n\t1 ARP request sent\n\t1 ARP reply sent\n\t2 ARP replies received\n\t2 ARP entrys timed out\n',
    )
    assert.equal(
      formatProtoStats('udp', [
        ['udps_ipackets', 3],
        ['udps_noport', 1],
        ['udps_opackets', 1],
      ]),
      'udp:\n\t3 datagrams received\n\t1 dropped due to no socket\n\t2 delivered\n\t1 datagram output\n',
    )
  })

  test('-s prints tcp, udp, ip, icmp, igmp, arp (carp only when loaded); -p picks one; an unknown protocol fails', async () => {
    const k = fakeSys({
      protoStats: (p: string) => {
        // net.inet.carp.stats is absent without the module: fetch_stats prints nothing.
        if (p === 'carp') throw new SysError('ENOENT', 'sysctl')
        return [[`${p}_x`, 1]]
      },
      sysctlGet: () => {
        throw new Error('no')
      },
    })
    const all = await runCmd(netstat, 'netstat -s', k.sys)
    assert.deepEqual(
      all.out.split('\n').filter((l) => l.endsWith(':')),
      ['tcp:', 'TCP connection count by state:', 'udp:', 'ip:', 'icmp:', 'igmp:', 'arp:'],
    )
    assert.equal((await runCmd(netstat, 'netstat -s -p arp', k.sys)).out, 'arp:\n\t1 arp_x\n')
    assert.deepEqual(await runCmd(netstat, 'netstat -s -p carp', k.sys), { status: 0, out: '', err: '' })
    assert.equal(
      formatProtoStats('carp', [
        ['carps_ipackets', 3],
        ['carps_ipackets6', 0],
        ['carps_badttl', 1],
        ['carps_badauth', 2],
        ['carps_badif', 5],
        ['carps_opackets', 1],
      ]),
      'carp:\n\t3 packets received (IPv4)\n\t0 packets received (IPv6)\n\t\t1 packet discarded for wrong TTL\n' +
        '\t\t2 discarded for bad authentication\n\t1 packet sent (IPv4)\n',
    )
    // igmp_stats(): the queries take pluralies(), and -ss leaves out the zeros.
    const igmp: Array<[string, number]> = [
      ['igps_rcv_total', 3],
      ['igps_rcv_tooshort', 0],
      ['igps_rcv_badttl', 1],
      ['igps_rcv_v1v2_queries', 1],
      ['igps_rcv_v3_queries', 2],
      ['igps_rcv_nora', 1],
      ['igps_snd_reports', 4],
    ]
    assert.equal(
      formatProtoStats('igmp', igmp),
      'igmp:\n\t3 messages received\n\t0 messages received with too few bytes\n' +
        '\t1 message received with wrong TTL\n\t1 V1/V2 membership query received\n' +
        '\t2 V3 membership queries received\n\t1 V3 report received without Router Alert\n' +
        '\t4 membership reports sent\n',
    )
    assert.doesNotMatch(formatProtoStats('igmp', igmp, true), /too few bytes/)
    assert.deepEqual(await runCmd(netstat, 'netstat -s -p foo', k.sys), {
      status: 1,
      out: '',
      err: 'netstat: foo: unknown or uninstrumented protocol\n',
    })
  })

  test('-p icmp ends with the address mask line, following net.inet.icmp.maskrepl', async () => {
    const sys = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 }).syscalls()
    const tail = async () => (await runCmd(netstat, 'netstat -s -p icmp', sys)).out.split('\n').at(-2)
    assert.equal(await tail(), '\tICMP address mask responses are disabled')
    sys.sysctlSet('net.inet.icmp.maskrepl', '1')
    assert.equal(await tail(), '\tICMP address mask responses are enabled')
  })
})

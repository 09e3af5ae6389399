/**
 * dhcpd's answers and lease table without a network (RFC 2131 §4.3, ISC's log lines): allocation
 * highest first, the same address again for the same client, DHCPDECLINE abandons an address,
 * DHCPRELEASE frees it, leases expire on the clock given, a request for another server's offer
 * frees ours, and a wrong request is refused only by an authoritative server. Also dhcpd.conf's
 * parser on the declarations the lab uses and its errors.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseIpv4 } from '../../../wire/addr.js'
import {
  BootOp,
  DhcpOpt,
  type DhcpRepr,
  DhcpType,
  dhcpType,
  newDhcp,
  optAddr,
} from '../../../wire/app/dhcp.js'
import { ConfError, parseDhcpdConf } from './dhcpd_conf.js'
import { LeaseTable } from './dhcpd_leases.js'

const ip = (s: string): number => parseIpv4(s)!
const ARR = { ifName: 'eth0', addr: ip('10.0.0.1') }
const CONF = `authoritative;
default-lease-time 600;
subnet 10.0.0.0 netmask 255.255.255.0 { range 10.0.0.10 10.0.0.12; option routers 10.0.0.254; }
`

function msg(type: number, mac: number, extra: (m: DhcpRepr) => void = () => {}): DhcpRepr {
  const m = newDhcp(BootOp.REQUEST, 42, mac)
  m.options.set(DhcpOpt.MESSAGE_TYPE, Uint8Array.of(type))
  extra(m)
  return m
}

function table(text = CONF): { t: LeaseTable; log: string[] } {
  const log: string[] = []
  return { t: new LeaseTable(parseDhcpdConf(text, 'test.conf'), (l) => log.push(l)), log }
}

/** DISCOVER then REQUEST; the address acknowledged. */
function lease(t: LeaseTable, mac: number, now: number): number {
  const offer = t.handle(msg(DhcpType.DISCOVER, mac), ARR, now)
  assert.ok(offer)
  const addr = offer.msg.yiaddr
  const ack = t.handle(
    msg(DhcpType.REQUEST, mac, (m) => {
      m.options.set(DhcpOpt.SERVER_ID, optAddr(ARR.addr))
      m.options.set(DhcpOpt.REQUESTED_IP, optAddr(addr))
    }),
    ARR,
    now,
  )
  assert.equal(ack === null ? 0 : dhcpType(ack.msg), DhcpType.ACK)
  return addr
}

describe('dhcpd lease table', () => {
  test('highest address first, the same one again for the same client, none when the pool is dry', () => {
    const { t, log } = table()
    assert.equal(lease(t, 1, 0), ip('10.0.0.12'))
    assert.equal(lease(t, 1, 10), ip('10.0.0.12'))
    assert.equal(lease(t, 2, 10), ip('10.0.0.11'))
    assert.equal(lease(t, 3, 10), ip('10.0.0.10'))
    assert.equal(t.handle(msg(DhcpType.DISCOVER, 4), ARR, 10), null)
    assert.match(
      log.at(-1)!,
      /^DHCPDISCOVER from 00:00:00:00:00:04 via eth0: network 10\.0\.0\.0\/24: no free leases$/,
    )
    // At expiry (600 s) the addresses return to the pool.
    assert.equal(lease(t, 4, 700), ip('10.0.0.12'))
  })

  test('DHCPRELEASE frees the address, DHCPDECLINE abandons it', () => {
    const { t, log } = table()
    const a = lease(t, 1, 0)
    t.handle(
      msg(DhcpType.RELEASE, 1, (m) => void (m.ciaddr = a)),
      ARR,
      5,
    )
    assert.equal(log.at(-1), `DHCPRELEASE of 10.0.0.12 from 00:00:00:00:00:01 via eth0 (found)`)
    assert.equal(lease(t, 2, 6), a, 'released: the next client may have it')
    t.handle(
      msg(DhcpType.DECLINE, 2, (m) => m.options.set(DhcpOpt.REQUESTED_IP, optAddr(a))),
      ARR,
      7,
    )
    assert.equal(log.at(-1), 'DHCPDECLINE of 10.0.0.12 from 00:00:00:00:00:02 via eth0: abandoned')
    assert.notEqual(lease(t, 3, 8), a, 'abandoned: not offered again')
    assert.deepEqual(
      t.current(8).map((l) => [l.addr, l.state]),
      [
        [ip('10.0.0.11'), 'active'],
        [a, 'abandoned'],
      ],
    )
  })

  test('a request naming another server frees our offer; a wrong request is NAKed only when authoritative', () => {
    const { t } = table()
    const offer = t.handle(msg(DhcpType.DISCOVER, 1), ARR, 0)!
    const other = msg(DhcpType.REQUEST, 1, (m) => {
      m.options.set(DhcpOpt.SERVER_ID, optAddr(ip('10.0.0.2')))
      m.options.set(DhcpOpt.REQUESTED_IP, optAddr(offer.msg.yiaddr))
    })
    assert.equal(t.handle(other, ARR, 1), null)
    assert.equal(t.handle(msg(DhcpType.DISCOVER, 2), ARR, 2)!.msg.yiaddr, offer.msg.yiaddr)
    const wrong = msg(DhcpType.REQUEST, 3, (m) =>
      m.options.set(DhcpOpt.REQUESTED_IP, optAddr(ip('10.9.9.9'))),
    )
    const nak = t.handle(wrong, ARR, 3)!
    assert.equal(dhcpType(nak.msg), DhcpType.NAK)
    assert.equal(nak.dstIp, 0xffffffff)
    const quiet = table(CONF.replace('authoritative;', 'not authoritative;')).t
    assert.equal(quiet.handle(wrong, ARR, 3), null)
    // Replies to a BOOTREPLY or a relayed message: none.
    const reply = msg(DhcpType.DISCOVER, 5)
    reply.op = BootOp.REPLY
    assert.equal(t.handle(reply, ARR, 4), null)
    assert.equal(t.dropped, 1)
  })
})

describe('dhcpd.conf', () => {
  test('the declarations of the IMUNES lab', () => {
    const c = parseDhcpdConf(
      `# comment\noption domain-name "imunes.net";\noption domain-name-servers 10.0.0.53, 10.0.0.54;\nmax-lease-time 7200;\nlog-facility local7;\nlease-file-name "/var/db/x.leases";\nsubnet 10.0.0.0 netmask 255.255.255.0 {\n  range 10.0.0.10 10.0.0.20;\n  option routers 10.0.0.7;\n}\nhost fixed {\n  hardware ethernet 42:00:aa:11:11:11;\n  fixed-address 10.0.0.30;\n}\n`,
      'f',
    )
    assert.equal(c.leaseFile, '/var/db/x.leases')
    assert.equal(c.maxLeaseTime, 7200)
    assert.deepEqual(c.subnets[0]!.ranges, [{ lo: ip('10.0.0.10'), hi: ip('10.0.0.20') }])
    assert.equal(c.hosts[0]!.mac, 0x4200aa111111)
    assert.equal(c.hosts[0]!.fixed, ip('10.0.0.30'))
    assert.equal(c.options.get(DhcpOpt.DNS)!.length, 8)
  })

  test('errors name the file, the line and the token', () => {
    const err = (text: string): string => {
      try {
        parseDhcpdConf(text, '/etc/dhcpd.conf')
      } catch (e) {
        assert.ok(e instanceof ConfError)
        return e.message
      }
      assert.fail('no error')
    }
    assert.equal(
      err('default-lease-time 600\nsubnet'),
      '/etc/dhcpd.conf line 2: semicolon expected.\nsubnet\n^',
    )
    assert.equal(
      err('option frobs 1;'),
      '/etc/dhcpd.conf line 1: unknown option dhcp.frobs\noption frobs 1;\n       ^',
    )
    assert.match(
      err('subnet 10.0.0.0 netmask 255.255.255.0 { range 10.0.1.1 10.0.1.2; }'),
      /line 1: bad range, address 10\.0\.1\.1 not in subnet 10\.0\.0\.0/,
    )
    assert.match(err('subnet 10.0.0.1 netmask 255.255.255.0 { }'), /bad subnet number\/mask combination/)
    assert.match(err('option routers 10.0.0.300;'), /line 1: 10\.0\.0\.300: expecting IP address\./)
    assert.match(err('frob;'), /line 1: expecting a parameter or declaration/)
    assert.match(
      err('subnet 10.0.0.0 netmask 255.0.0.0 { range 10.0.0.0 10.255.255.255; }'),
      /more than 65536 addresses/,
    )
  })
})

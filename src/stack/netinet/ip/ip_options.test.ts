/**
 * IPv4 options in virtual time (RFC 791 §3.1, FreeBSD's ip_dooptions): an echo request carrying a
 * record-route option across a router comes back with the router's and both hosts' addresses in
 * order and a good header checksum; `net.inet.ip.process_options` 0 leaves the option alone and 2
 * refuses the datagram; a malformed option earns a Parameter Problem pointing at the bad byte; the
 * option is not copied into later fragments; IP_OPTIONS is checked as ip_pcbopts checks it.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import type { RawPacket, RawSocket } from '../../../host/syscalls.js'
import { chainNet, netisrGuard, pairNet } from '../../../testing/fixtures.js'
import { EtherType, ether, IpProto, icmpEcho, ipv4, parseIcmpDatagram } from '../../../testing/frames.js'
import { counter, errnoOf, ip } from '../../../testing/net.js'
import { SEC } from '../../../util/clock.js'
import { readU32 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import { IcmpType, UnreachCode } from '../../../wire/inet/icmp.js'
import { IPOPT_LSRR, IPOPT_RR, MAX_IPOPTLEN } from './ip_options.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const A = ip('10.0.1.1')
const B = ip('10.0.2.1')

/** The option ping -R sets: record route over all 40 bytes, pointer at the first slot. */
function rrOption(): Uint8Array {
  const o = new Uint8Array(MAX_IPOPTLEN)
  o[0] = IPOPT_RR
  o[1] = MAX_IPOPTLEN - 1
  o[2] = 4
  return o
}

/** The addresses recorded in the RR option of a received datagram (empty when it has none). */
function recorded(d: Uint8Array): string[] {
  const hlen = (d[0]! & 0xf) << 2
  if (hlen <= 20 || d[20] !== IPOPT_RR) return []
  const out: string[] = []
  for (let p = 3; p + 1 < d[22]!; p += 4) {
    const a = readU32(d, 20 + p)
    out.push([a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff].join('.'))
  }
  return out
}

async function firstOf(s: RawSocket, type: number): Promise<RawPacket> {
  for (;;) {
    const p = await s.recv(5 * SEC)
    assert.ok(p !== null, `no ICMP type ${type} arrived`)
    if (p.data[(p.data[0]! & 0xf) << 2] === type) return p
  }
}

describe('record route (RFC 791 §3.1)', () => {
  test('every node on the way out and back records its address; the header checksum stays good', async () => {
    const net = guard.track(chainNet(21))
    const s = net.sys('a').rawSocket(IpProto.ICMP)
    s.send(B, icmpEcho(7, 1), { ipOptions: rrOption() })
    const reply = await firstOf(s, IcmpType.ECHO_REPLY)
    assert.deepEqual(recorded(reply.data), ['10.0.2.254', '10.0.2.1', '10.0.1.254', '10.0.1.1'])
    assert.equal(reply.data.length, 20 + 40 + 8, 'the reply carries the whole 40-byte option back')
    assert.equal(checksum(reply.data, 0, 60), 0)
    s.close()
  })

  test('net.inet.ip.process_options=0 on the router: only the two hosts record', async () => {
    const net = guard.track(chainNet(22))
    net.sys('r').sysctlSet('net.inet.ip.process_options', '0')
    const s = net.sys('a').rawSocket(IpProto.ICMP)
    s.send(B, icmpEcho(7, 1), { ipOptions: rrOption() })
    assert.deepEqual(recorded((await firstOf(s, IcmpType.ECHO_REPLY)).data), ['10.0.2.1', '10.0.1.1'])
    s.close()
  })

  test('net.inet.ip.process_options=2: refused with "prohibited by filter", counted as bad options', async () => {
    const net = guard.track(chainNet(23))
    const b = net.sys('b')
    b.sysctlSet('net.inet.ip.process_options', '2')
    const s = net.sys('a').rawSocket(IpProto.ICMP)
    s.send(B, icmpEcho(7, 1), { ipOptions: rrOption() })
    const err = parseIcmpDatagram((await firstOf(s, IcmpType.UNREACH)).data)
    assert.equal(err.code, UnreachCode.FILTER_PROHIB)
    assert.equal(counter(b, 'ip', 'ips_badoptions'), 1)
    s.close()
  })

  test('a full option is forwarded without another address', async () => {
    const net = guard.track(chainNet(24))
    const s = net.sys('a').rawSocket(IpProto.ICMP)
    const opt = new Uint8Array(8)
    opt.set([IPOPT_RR, 7, 4])
    s.send(B, icmpEcho(7, 1), { ipOptions: opt })
    // One slot: the router takes it, b and everyone after find it full.
    assert.deepEqual(recorded((await firstOf(s, IcmpType.ECHO_REPLY)).data), ['10.0.2.254'])
    s.close()
  })

  test('only the first fragment carries it (the copied flag is clear)', async () => {
    const net = guard.track(chainNet(25))
    const b = net.sys('b')
    const cap = b.bpfOpen('epair1b', { direction: 'in' })
    const s = net.sys('a').rawSocket(IpProto.ICMP)
    s.send(B, icmpEcho(7, 1, new Uint8Array(3000)), { ipOptions: rrOption() })
    const reply = await firstOf(s, IcmpType.ECHO_REPLY)
    assert.deepEqual(recorded(reply.data), ['10.0.2.254', '10.0.2.1', '10.0.1.254', '10.0.1.1'])
    const hlens: number[] = []
    await cap.read((r) => {
      if (
        r.buf[r.off + 12] === 0x08 &&
        r.buf[r.off + 13] === 0x00 &&
        r.buf[r.off + 14 + 9] === IpProto.ICMP
      ) {
        const o = r.off + 14
        if (readU32(r.buf, o + 12) === A) hlens.push((r.buf[o]! & 0xf) << 2)
      }
    }, 0)
    assert.deepEqual(hlens, [60, 20, 20])
    cap.close()
    s.close()
  })
})

describe('bad options', () => {
  test('a pointer below 4 earns a Parameter Problem at that byte, nothing recorded', async () => {
    const net = guard.track(pairNet(26))
    const a = net.sys('a')
    const s = net.sys('b').rawSocket(IpProto.ICMP)
    const opt = rrOption()
    opt[2] = 2
    const d = ipv4({
      src: ip('10.0.0.2'),
      dst: ip('10.0.0.1'),
      proto: IpProto.ICMP,
      payload: icmpEcho(7, 1),
      options: opt,
    })
    net.inject(
      net.ifp('a', 'epair0a'),
      ether(a.ifGet('epair0a').mac!, net.sys('b').ifGet('epair0b').mac!, EtherType.IPV4, d),
    )
    const p = await firstOf(s, IcmpType.PARAM_PROBLEM)
    const hlen = (p.data[0]! & 0xf) << 2
    assert.equal(p.data[hlen + 4], 22, 'pointer: the RR pointer byte, 20 + 2')
    assert.equal(counter(a, 'ip', 'ips_badoptions'), 1)
    assert.equal(counter(a, 'icmp', 'icps_reflect'), 0, 'no echo reply')
    s.close()
  })

  test('a source-routed datagram is refused as FreeBSD refuses it by default', async () => {
    const net = guard.track(chainNet(27))
    const r = net.sys('r')
    const s = net.sys('a').rawSocket(IpProto.ICMP)
    const d = ipv4({
      src: A,
      dst: B,
      proto: IpProto.ICMP,
      payload: icmpEcho(7, 1),
      options: Uint8Array.of(IPOPT_LSRR, 7, 4, 10, 0, 2, 1, 0),
    })
    net.inject(
      net.ifp('r', 'epair0b'),
      ether(r.ifGet('epair0b').mac!, net.sys('a').ifGet('epair0a').mac!, EtherType.IPV4, d),
    )
    const err = parseIcmpDatagram((await firstOf(s, IcmpType.UNREACH)).data)
    assert.equal(err.code, UnreachCode.SRCFAIL)
    assert.equal(counter(r, 'ip', 'ips_forward'), 0)
    s.close()
  })

  test('IP_OPTIONS: a length not a multiple of 4, an overlong option or a source route is EINVAL', () => {
    const net = guard.track(pairNet(28))
    const s = net.sys('a').rawSocket(IpProto.ICMP)
    const send = (o: Uint8Array) => () => s.send(ip('10.0.0.2'), icmpEcho(1, 1), { ipOptions: o })
    assert.equal(errnoOf(send(Uint8Array.of(IPOPT_RR, 3, 4))), 'EINVAL')
    assert.equal(errnoOf(send(Uint8Array.of(IPOPT_RR, 9, 4, 0))), 'EINVAL')
    assert.equal(errnoOf(send(new Uint8Array(44))), 'EINVAL')
    assert.equal(errnoOf(send(Uint8Array.of(IPOPT_LSRR, 7, 4, 10, 0, 0, 2, 0))), 'EINVAL')
    s.close()
  })
})

/**
 * libalias on bare datagrams, in virtual seconds: UDP, TCP and ICMP echo out and back with every
 * checksum verified by recomputing it, ICMP errors whose quoted datagram is translated (both
 * directions), same_ports, port exhaustion in a small port range, the bounded link table (refusals
 * counted, stale links reclaimed), TCP lifetimes by state, deny_in, redirect_port/addr/proto,
 * unreg_only, reset on an address change, fragments, and deferred TCP checksums left alone.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { icmpEcho, ipv4, udp } from '../../../testing/frames.js'
import { Rng } from '../../../util/rng.js'
import { parseIpv4, readU16, readU32, writeU16 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import { IcmpType } from '../../../wire/inet/icmp.js'
import { IpProto, ipv4PseudoHeaderSum } from '../../../wire/inet/ipv4.js'
import { TH, tcpFinish, writeTcpHeader } from '../../../wire/inet/tcp.js'
import { LibAlias, MODE, PKT_ALIAS } from './alias.js'
import { EXPIRE } from './alias_db_var.js'

const ip = (s: string) => parseIpv4(s)!
const INSIDE = ip('10.0.0.5')
const INSIDE2 = ip('10.0.0.6')
const ALIAS = ip('203.0.113.1')
const REMOTE = ip('198.51.100.2')

function lib(mode = 0, max = 1000): LibAlias {
  const la = new LibAlias(new Rng(7, 'alias-test'), max)
  la.setMode(mode)
  la.setAddress(ALIAS)
  return la
}

function udpPkt(src: number, dst: number, sport: number, dport: number, noSum = false): Uint8Array {
  return ipv4({
    src,
    dst,
    proto: IpProto.UDP,
    payload: udp(src, dst, sport, dport, new Uint8Array(11).fill(7), noSum),
  })
}

function tcpPkt(src: number, dst: number, sport: number, dport: number, flags: number): Uint8Array {
  const seg = new Uint8Array(20 + 5)
  writeTcpHeader(seg, 0, sport, dport, 1000, 2000, flags, 65535, 0, null)
  seg.set([1, 2, 3, 4, 5], 20)
  tcpFinish(seg, 0, seg.length, src, dst)
  return ipv4({ src, dst, proto: IpProto.TCP, payload: seg })
}

function echo(src: number, dst: number, id: number, type: number = IcmpType.ECHO): Uint8Array {
  return ipv4({ src, dst, proto: IpProto.ICMP, payload: icmpEcho(id, 1, new Uint8Array(8).fill(3), type) })
}

/** An ICMP error from `from` to `to` quoting the first 28 bytes of `d` (FreeBSD quotes more; 8 is the minimum). */
function icmpError(
  from: number,
  to: number,
  type: number,
  code: number,
  d: Uint8Array,
  quote = 28,
): Uint8Array {
  const body = new Uint8Array(8 + quote)
  body[0] = type
  body[1] = code
  body.set(d.subarray(0, quote), 8)
  writeU16(body, 2, checksum(body, 0, body.length))
  return ipv4({ src: from, dst: to, proto: IpProto.ICMP, payload: body })
}

const src = (d: Uint8Array) => readU32(d, 12)
const dst = (d: Uint8Array) => readU32(d, 16)
const sport = (d: Uint8Array) => readU16(d, 20)
const dport = (d: Uint8Array) => readU16(d, 22)

/** Every checksum in d recomputed: IP header, and TCP/UDP (with pseudo header) or ICMP. */
function assertSums(d: Uint8Array): void {
  const hl = (d[0]! & 0xf) << 2
  assert.equal(checksum(d, 0, hl), 0, 'IP header checksum')
  const len = d.length - hl
  const p = d[9]!
  if (p === IpProto.UDP && readU16(d, hl + 6) !== 0)
    assert.equal(checksum(d, hl, len, ipv4PseudoHeaderSum(src(d), dst(d), p, len)), 0, 'UDP checksum')
  if (p === IpProto.TCP)
    assert.equal(checksum(d, hl, len, ipv4PseudoHeaderSum(src(d), dst(d), p, len)), 0, 'TCP checksum')
  if (p === IpProto.ICMP) assert.equal(checksum(d, hl, len), 0, 'ICMP checksum')
}

const out = (la: LibAlias, d: Uint8Array, now = 0) => la.out(d, 0, d.length, now, true, false)
const inb = (la: LibAlias, d: Uint8Array, now = 0) => la.in(d, 0, d.length, now, false)

test('UDP out and back: alias address and port, checksums by recomputation; a zero checksum stays zero', () => {
  const la = lib()
  const d = udpPkt(INSIDE, REMOTE, 5000, 53)
  assert.equal(out(la, d), PKT_ALIAS.OK)
  assert.equal(src(d), ALIAS)
  const aport = sport(d)
  assert.ok(aport >= 0x8000 && aport <= 0xffff, `alias port ${aport} in 32768-65535`)
  assertSums(d)
  // The same flow keeps its port.
  const again = udpPkt(INSIDE, REMOTE, 5000, 53)
  out(la, again)
  assert.equal(sport(again), aport)
  const reply = udpPkt(REMOTE, ALIAS, 53, aport)
  assert.equal(inb(la, reply), PKT_ALIAS.OK)
  assert.equal(dst(reply), INSIDE)
  assert.equal(dport(reply), 5000)
  assertSums(reply)
  const bare = udpPkt(INSIDE, REMOTE, 5001, 53, true)
  out(la, bare)
  assert.equal(readU16(bare, 26), 0)
  assert.equal(la.db.counts.udp, 2)
})

test('same_ports keeps the source port while it is free towards that destination', () => {
  const la = lib(MODE.SAME_PORTS)
  const a = udpPkt(INSIDE, REMOTE, 5000, 53)
  out(la, a)
  assert.equal(sport(a), 5000)
  // Another host with the same port to the same destination and port needs another alias port.
  const b = udpPkt(INSIDE2, REMOTE, 5000, 53)
  out(la, b)
  assert.notEqual(sport(b), 5000)
  // Towards another destination port, 5000 is free again (ports are unique per remote end).
  const c = udpPkt(INSIDE2, REMOTE, 5000, 54)
  out(la, c)
  assert.equal(sport(c), 5000)
  const reply = udpPkt(REMOTE, ALIAS, 53, sport(b))
  inb(la, reply)
  assert.equal(dst(reply), INSIDE2)
})

test('port exhaustion: a 4-port range serves 4 flows to one destination, refuses and counts the fifth', () => {
  const la = lib()
  la.setPortRange(40000, 40003)
  const seen = new Set<number>()
  for (let k = 0; k < 4; k++) {
    const d = udpPkt(INSIDE, REMOTE, 6000 + k, 53)
    assert.equal(out(la, d), PKT_ALIAS.OK)
    seen.add(sport(d))
  }
  assert.deepEqual([...seen].sort(), [40000, 40001, 40002, 40003])
  const fifth = udpPkt(INSIDE, REMOTE, 6004, 53)
  const before = fifth.slice()
  assert.equal(out(la, fifth), PKT_ALIAS.ERROR)
  assert.deepEqual(fifth, before, 'a refused datagram is left untouched, never sent half translated')
  assert.equal(la.db.portFail, 1)
  // Another remote end has all four ports free.
  const other = udpPkt(INSIDE, ip('198.51.100.3'), 6004, 53)
  assert.equal(out(la, other), PKT_ALIAS.OK)
})

test('the link table is bounded: refusals are counted, stale links are reclaimed', () => {
  const la = lib(0, 100)
  let refused = 0
  for (let k = 0; k < 150; k++)
    if (out(la, udpPkt(INSIDE, REMOTE, 1024 + k, 53)) === PKT_ALIAS.ERROR) refused++
  assert.equal(la.db.count, 100)
  assert.equal(refused, 50)
  assert.equal(la.db.overflow, 50)
  // After UDP's 60 s the old links are stale and make room for new flows.
  const later = EXPIRE.UDP + 1
  for (let k = 0; k < 100; k++)
    assert.equal(out(la, udpPkt(INSIDE2, REMOTE, 2000 + k, 53), later), PKT_ALIAS.OK)
  assert.equal(la.db.count, 100)
  assert.equal(la.db.overflow, 50)
})

test('TCP: lifetimes follow SYN, FIN and RST in each direction; the link expires after them', () => {
  const la = lib()
  const syn = tcpPkt(INSIDE, REMOTE, 40001, 80, TH.SYN)
  assert.equal(out(la, syn), PKT_ALIAS.OK)
  assertSums(syn)
  const aport = sport(syn)
  const i = la.db.findOut(INSIDE, REMOTE, 40001, 80, IpProto.TCP, false, 0)
  assert.equal(la.db.expire[i], EXPIRE.TCP_INITIAL)
  const synack = tcpPkt(REMOTE, ALIAS, 80, aport, TH.SYN | TH.ACK)
  assert.equal(inb(la, synack), PKT_ALIAS.OK)
  assertSums(synack)
  assert.equal(dst(synack), INSIDE)
  assert.equal(dport(synack), 40001)
  assert.equal(la.db.expire[i], EXPIRE.TCP_CONNECTED)
  out(la, tcpPkt(INSIDE, REMOTE, 40001, 80, TH.FIN | TH.ACK))
  assert.equal(la.db.expire[i], EXPIRE.TCP_SINGLEDEAD)
  inb(la, tcpPkt(REMOTE, ALIAS, 80, aport, TH.FIN | TH.ACK), 1)
  assert.equal(la.db.expire[i], EXPIRE.TCP_DEAD)
  // Past TCP_EXPIRE_DEAD the link is gone: a late segment from outside finds nothing of it.
  const late = tcpPkt(REMOTE, ALIAS, 80, aport, TH.ACK)
  la.setMode(MODE.DENY_INCOMING)
  assert.equal(inb(la, late, 1 + EXPIRE.TCP_DEAD + 1), PKT_ALIAS.IGNORED)
  assert.equal(la.db.counts.tcp, 0)
})

test('a deferred TCP checksum is left for output to compute from the rewritten header', () => {
  const la = lib()
  const d = tcpPkt(INSIDE, REMOTE, 40001, 80, TH.SYN)
  writeU16(d, 36, 0)
  assert.equal(la.out(d, 0, d.length, 0, true, true), PKT_ALIAS.OK)
  assert.equal(readU16(d, 36), 0)
  assert.equal(checksum(d, 0, 20), 0)
})

test('ICMP echo: the identifier is aliased and restored; the reply is translated back', () => {
  const la = lib()
  const req = echo(INSIDE, REMOTE, 0x1234)
  assert.equal(out(la, req), PKT_ALIAS.OK)
  assertSums(req)
  assert.equal(src(req), ALIAS)
  const aid = readU16(req, 24)
  const rep = echo(REMOTE, ALIAS, aid, IcmpType.ECHO_REPLY)
  assert.equal(inb(la, rep), PKT_ALIAS.OK)
  assertSums(rep)
  assert.equal(dst(rep), INSIDE)
  assert.equal(readU16(rep, 24), 0x1234)
  assert.equal(la.db.counts.icmp, 1)
})

test('an ICMP error about an outgoing datagram reaches the inside host with the quoted header translated back', () => {
  const la = lib()
  const orig = udpPkt(INSIDE, REMOTE, 5000, 9999)
  const sent = orig.slice()
  out(la, sent)
  // The remote's port unreachable quotes the datagram as it arrived (alias address and port).
  const err = icmpError(REMOTE, ALIAS, IcmpType.UNREACH, 3, sent)
  assert.equal(inb(la, err), PKT_ALIAS.OK)
  assertSums(err)
  assert.equal(dst(err), INSIDE)
  const q = err.subarray(28)
  assert.equal(readU32(q, 12), INSIDE, 'quoted source')
  assert.equal(readU16(q, 20), 5000, 'quoted source port')
  assert.equal(checksum(q, 0, 20), 0, 'quoted IP header checksum')
  assert.deepEqual(
    q,
    orig.subarray(0, 28),
    'the quote is the datagram the inside host sent, checksums included',
  )
  // An error quoting an echo request: the identifier comes back too.
  const ping = echo(INSIDE, REMOTE, 77)
  const pingOrig = ping.slice()
  out(la, ping)
  const te = icmpError(ip('192.0.2.254'), ALIAS, IcmpType.TIME_EXCEEDED, 0, ping)
  assert.equal(inb(la, te), PKT_ALIAS.OK)
  assertSums(te)
  assert.deepEqual(te.subarray(28), pingOrig.subarray(0, 28))
  // An error quoting something no link knows is left alone.
  const stray = icmpError(REMOTE, ALIAS, IcmpType.UNREACH, 3, udpPkt(ALIAS, REMOTE, 1, 2))
  assert.equal(inb(la, stray), PKT_ALIAS.IGNORED)
})

test('an ICMP error leaving about an incoming datagram gets the alias address and port in its quote', () => {
  const la = lib()
  la.redirectPort(INSIDE, 7, 0, 0, 0, 7007, IpProto.UDP, 0)
  const inbound = udpPkt(REMOTE, ALIAS, 3333, 7007)
  const asSent = inbound.slice()
  assert.equal(inb(la, inbound), PKT_ALIAS.OK)
  assert.equal(dst(inbound), INSIDE)
  assert.equal(dport(inbound), 7)
  const err = icmpError(INSIDE, REMOTE, IcmpType.UNREACH, 3, inbound)
  assert.equal(out(la, err), PKT_ALIAS.OK)
  assertSums(err)
  assert.equal(src(err), ALIAS)
  assert.deepEqual(err.subarray(28), asSent.subarray(0, 28))
})

test('unsolicited inbound: to the alias address itself, or refused with deny_in', () => {
  const la = lib()
  const d = tcpPkt(REMOTE, ALIAS, 5555, 22, TH.SYN)
  assert.equal(inb(la, d), PKT_ALIAS.OK)
  assert.equal(dst(d), ALIAS)
  assert.equal(dport(d), 22)
  const la2 = lib(MODE.DENY_INCOMING)
  assert.equal(inb(la2, tcpPkt(REMOTE, ALIAS, 5555, 22, TH.SYN)), PKT_ALIAS.IGNORED)
  assert.equal(inb(la2, echo(REMOTE, ALIAS, 5)), PKT_ALIAS.IGNORED)
})

test('redirect_port exposes an inside server, replies go out as the public port; redirect_addr and redirect_proto', () => {
  const la = lib(MODE.DENY_INCOMING)
  const web = ip('10.0.0.80')
  assert.ok(la.redirectPort(web, 80, 0, 0, 0, 8080, IpProto.TCP, 0) >= 0)
  const syn = tcpPkt(REMOTE, ALIAS, 4444, 8080, TH.SYN)
  assert.equal(inb(la, syn), PKT_ALIAS.OK)
  assertSums(syn)
  assert.equal(dst(syn), web)
  assert.equal(dport(syn), 80)
  const synack = tcpPkt(web, REMOTE, 80, 4444, TH.SYN | TH.ACK)
  assert.equal(out(la, synack), PKT_ALIAS.OK)
  assertSums(synack)
  assert.equal(src(synack), ALIAS)
  assert.equal(sport(synack), 8080)
  // A second client gets its own link from the same permanent redirect.
  const syn2 = tcpPkt(ip('198.51.100.9'), ALIAS, 4444, 8080, TH.SYN)
  assert.equal(inb(la, syn2), PKT_ALIAS.OK)
  assert.equal(dst(syn2), web)

  const pub = ip('203.0.113.7')
  la.redirectAddr(INSIDE2, pub, 0)
  const o = udpPkt(INSIDE2, REMOTE, 1111, 53)
  out(la, o)
  assert.equal(src(o), pub)
  const unsolicited = udpPkt(REMOTE, pub, 53, 9)
  la.setMode(0)
  assert.equal(inb(la, unsolicited), PKT_ALIAS.OK)
  assert.equal(dst(unsolicited), INSIDE2)

  const gre = ip('10.0.0.47')
  la.redirectProto(gre, 0, 0, 47, 0)
  const g = ipv4({ src: REMOTE, dst: ALIAS, proto: 47, payload: new Uint8Array(8) })
  assert.equal(inb(la, g), PKT_ALIAS.OK)
  assert.equal(dst(g), gre)
  assertSums(g)
})

test('unreg_only translates only RFC 1918 sources', () => {
  const la = lib(MODE.UNREGISTERED_ONLY)
  const pub = ip('192.0.2.9')
  const a = udpPkt(pub, REMOTE, 5000, 53)
  out(la, a)
  assert.equal(src(a), pub)
  const b = udpPkt(ip('172.16.1.1'), REMOTE, 5000, 53)
  out(la, b)
  assert.equal(src(b), ALIAS)
  const c = udpPkt(ip('192.168.7.7'), REMOTE, 5000, 53)
  out(la, c)
  assert.equal(src(c), ALIAS)
})

test('reset: a new alias address drops the dynamic links and keeps the redirects', () => {
  const la = lib(MODE.RESET_ON_ADDR_CHANGE)
  la.redirectPort(INSIDE, 80, 0, 0, 0, 80, IpProto.TCP, 0)
  out(la, udpPkt(INSIDE, REMOTE, 5000, 53))
  assert.equal(la.db.count, 2)
  la.setAddress(ALIAS)
  assert.equal(la.db.count, 2, 'the same address changes nothing')
  la.setAddress(ip('203.0.113.99'))
  assert.equal(la.db.count, 1)
  const d = udpPkt(INSIDE, REMOTE, 5000, 53)
  out(la, d)
  assert.equal(src(d), ip('203.0.113.99'))
})

test('fragments: later ones follow the first; an unplaceable one is reported', () => {
  const la = lib()
  // Outgoing: a later fragment only has its address changed.
  const later = ipv4({
    src: INSIDE,
    dst: REMOTE,
    proto: IpProto.UDP,
    id: 9,
    fragOffset: 16,
    payload: new Uint8Array(16),
  })
  assert.equal(out(la, later), PKT_ALIAS.OK)
  assert.equal(src(later), ALIAS)
  assertSums(later)
  // Incoming: the first fragment (ports) is translated and remembered by IP id.
  const o = udpPkt(INSIDE, REMOTE, 5000, 53)
  out(la, o)
  const first = ipv4({
    src: REMOTE,
    dst: ALIAS,
    proto: IpProto.UDP,
    id: 42,
    mf: true,
    payload: udp(REMOTE, ALIAS, 53, sport(o), new Uint8Array(8)),
  })
  assert.equal(inb(la, first), PKT_ALIAS.FOUND_HEADER_FRAGMENT)
  assert.equal(dst(first), INSIDE)
  const next = ipv4({
    src: REMOTE,
    dst: ALIAS,
    proto: IpProto.UDP,
    id: 42,
    fragOffset: 16,
    payload: new Uint8Array(8),
  })
  assert.equal(inb(la, next), PKT_ALIAS.OK)
  assert.equal(dst(next), INSIDE)
  assertSums(next)
  const orphan = ipv4({
    src: REMOTE,
    dst: ALIAS,
    proto: IpProto.UDP,
    id: 43,
    fragOffset: 16,
    payload: new Uint8Array(8),
  })
  assert.equal(inb(la, orphan), PKT_ALIAS.UNRESOLVED_FRAGMENT)
  assert.equal(la.db.counts.fragId, 1)
})

test('the log line counts links by type as ShowAliasStats', () => {
  const la = lib(MODE.LOG)
  assert.equal(la.logDesc, '')
  out(la, udpPkt(INSIDE, REMOTE, 5000, 53))
  out(la, echo(INSIDE, REMOTE, 3))
  out(la, tcpPkt(INSIDE, REMOTE, 5000, 80, TH.SYN))
  assert.equal(la.logDesc, 'icmp=1, udp=1, tcp=1, sctp=0, pptp=0, proto=0, frag_id=0 frag_ptr=0 / tot=3')
})

/**
 * ARP (RFC 826, FreeBSD's if_ether.c behaviour) between two vnet jails joined by an epair, in virtual
 * time: resolution, the per-entry hold queue bound (`net.link.ether.inet.maxhold`), requests driven by
 * traffic and EHOSTDOWN after `maxtries`, unresolved entries kept `wait` seconds, expiry after
 * `max_age` and the refresh of entries in use before it, static / temporary / published (proxy) entries,
 * gratuitous ARP on address configuration, duplicate-address detection, the RFC 826 merge rule, and
 * dropping of malformed or looped-back packets. Every test also checks that no exception reached the
 * run-queue and that no buffer leaked.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import {
  arpPacket,
  arpReplyFrame,
  arpRequestFrame,
  BROADCAST_MAC,
  EtherType,
  ether,
  icmpEcho,
} from '../../../testing/frames.js'
import { counter, counters, delta, ip, learnt, Net, ping } from '../../../testing/net.js'
import { SEC } from '../../../util/clock.js'
import { formatIpv4, formatMac, readMac, readU16, readU32 } from '../../../wire/addr.js'
import { ArpOp } from '../../../wire/link/arp.js'
import { BpfD } from '../../net/bpf/bpf.js'
import { arp } from './arp.js'

let current: Net | null = null

/** a (10.0.0.1/24, epair0a) <-> b (10.0.0.2/24, epair0b). */
function pair(): Net {
  const net = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed: 7 }), {
    jails: ['a', 'b'],
    links: [['a', '10.0.0.1/24', 'b', '10.0.0.2/24']],
  })
  current = net
  return net
}

afterEach(() => {
  if (current === null) return
  assert.equal(current.host.env.netisr.errors, 0, String(current.host.env.netisr.lastError))
  current = null
})

const A = ip('10.0.0.1')
const B = ip('10.0.0.2')
const NOBODY = ip('10.0.0.99')
const STRANGER_MAC = 0x02aabbccdd01

describe('resolution', () => {
  test('ping resolves the neighbour; both sides learn each other', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    const before = counters(a, 'arp')
    const r = await ping(a, B)
    assert.ok(r !== null)
    assert.equal(a.arpGet(B).mac, b.ifGet('epair0b').mac)
    assert.equal(a.arpGet(B).ifName, 'epair0a')
    assert.equal(a.arpGet(B).permanent, false)
    assert.equal(a.arpGet(B).expiresIn, 1200)
    // b learnt a from the request that targeted it (merge rule, "am I the target").
    assert.equal(b.arpGet(A).mac, a.ifGet('epair0a').mac)
    assert.deepEqual(delta(before, counters(a, 'arp')), { txrequests: 1, rxreplies: 1, received: 1 })
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('the second packet goes straight out without another request', async () => {
    const net = pair()
    const a = net.sys('a')
    await ping(a, B)
    const before = counter(a, 'arp', 'txrequests')
    assert.ok((await ping(a, B, { seq: 2 })) !== null)
    assert.equal(counter(a, 'arp', 'txrequests'), before)
  })
})

describe('hold queue', () => {
  test('at most maxhold packets wait for an unresolved neighbour; the oldest are dropped', async () => {
    const net = pair()
    const a = net.sys('a')
    a.sysctlSet('net.link.ether.inet.maxhold', '4')
    const s = a.rawSocket(1)
    for (let i = 0; i < 10; i++) s.send(NOBODY, icmpEcho(1, i))
    assert.equal(net.host.env.pool.inUse, 4)
    assert.equal(counter(a, 'arp', 'dropped'), 6)
    assert.equal(
      counter(a, 'arp', 'txrequests') - 1,
      1,
      'one request for the burst (plus the gratuitous one)',
    )
    assert.equal(a.arpGet(NOBODY).mac, null)
    s.close()
  })

  test('held packets are released in order when the reply arrives', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    a.sysctlSet('net.link.ether.inet.maxhold', '3')
    // b answers for a second address, learnt only once a asks.
    b.ifAddAddr('epair0b', ip('10.0.0.3'), 24, { alias: true })
    const s = a.rawSocket(1)
    // Hold the first request by making b ignore it: b's interface down while a queues.
    b.ifSetUp('epair0b', false)
    for (let i = 0; i < 5; i++) s.send(ip('10.0.0.3'), icmpEcho(9, i))
    assert.equal(net.host.env.pool.inUse, 3)
    b.ifSetUp('epair0b', true)
    // b's gratuitous ARP on coming up resolves the pending entry (merge rule); the three newest
    // held echoes (seq 2, 3, 4) go out and their replies come back in order.
    const seqs: number[] = []
    for (;;) {
      const d = await s.recv(3 * SEC)
      if (d === null) break
      if (d.data[20] === 0) seqs.push(d.data[27]!)
    }
    assert.deepEqual(seqs, [2, 3, 4])
    assert.equal(net.host.env.pool.inUse, 0)
    s.close()
  })
})

describe('requests and EHOSTDOWN', () => {
  test('no timer retransmits: a request goes out only when a packet is sent, at most one a second', async () => {
    const net = pair()
    const a = net.sys('a')
    const s = a.rawSocket(1)
    const before = counter(a, 'arp', 'txrequests')
    s.send(NOBODY, icmpEcho(1, 1))
    s.send(NOBODY, icmpEcho(1, 2))
    assert.equal(counter(a, 'arp', 'txrequests') - before, 1)
    // Nobody sends for three seconds: nobody is asked.
    await net.sleep(3 * SEC)
    assert.equal(counter(a, 'arp', 'txrequests') - before, 1)
    s.send(NOBODY, icmpEcho(1, 3))
    s.send(NOBODY, icmpEcho(1, 4))
    assert.equal(counter(a, 'arp', 'txrequests') - before, 2)
    assert.equal(net.host.env.pool.inUse, 4)
    s.close()
  })

  test('after maxtries requests sends fail with EHOSTDOWN, still held; the entry goes `wait` s after the last request', async () => {
    const net = pair()
    const a = net.sys('a')
    a.sysctlSet('net.link.ether.inet.maxtries', '3')
    const s = a.rawSocket(1)
    const before = counters(a, 'arp')
    for (let i = 0; i < 3; i++) {
      s.send(NOBODY, icmpEcho(1, i))
      await net.sleep(SEC)
    }
    // The fourth packet learns the neighbour is down, is held all the same, and asks once more.
    assert.throws(() => s.send(NOBODY, icmpEcho(1, 3)), { code: 'EHOSTDOWN' })
    assert.equal(net.host.env.pool.inUse, 4)
    assert.deepEqual(delta(before, counters(a, 'arp')), { txrequests: 4 })
    // arp -a: an unresolved entry's time is the second of its last request, already past.
    assert.equal(a.arpGet(NOBODY).mac, null)
    assert.equal(a.arpGet(NOBODY).expiresIn, 0)
    // The last request went out at 3 s: the entry stays until 23 s (net.link.ether.inet.wait = 20).
    await net.sleep(19 * SEC)
    assert.equal(a.arpGet(NOBODY).mac, null)
    await net.sleep(2 * SEC)
    assert.throws(() => a.arpGet(NOBODY), { code: 'ENOENT' })
    assert.deepEqual(delta(before, counters(a, 'arp')), { txrequests: 4, timeouts: 1, dropped: 4 })
    assert.equal(net.host.env.pool.inUse, 0)
    // A new attempt starts from scratch.
    s.send(NOBODY, icmpEcho(1, 4))
    assert.equal(counter(a, 'arp', 'txrequests') - before.txrequests!, 5)
    s.close()
  })

  test('net.link.ether.inet.wait sets how long an unresolved entry outlives its last request', async () => {
    const net = pair()
    const a = net.sys('a')
    a.sysctlSet('net.link.ether.inet.wait', '5')
    assert.equal(net.sys('b').sysctlGet('net.link.ether.inet.wait').value, 20)
    const s = a.rawSocket(1)
    s.send(NOBODY, icmpEcho(1, 1))
    await net.sleep(4 * SEC)
    assert.equal(a.arpGet(NOBODY).mac, null)
    await net.sleep(2 * SEC)
    assert.throws(() => a.arpGet(NOBODY), { code: 'ENOENT' })
    s.close()
  })

  test('toward an unresolvable gateway sends fail with EHOSTUNREACH', async () => {
    const net = pair()
    const a = net.sys('a')
    a.sysctlSet('net.link.ether.inet.maxtries', '2')
    a.routeAdd({ dst: ip('192.168.7.0'), prefixLen: 24, gateway: NOBODY })
    const s = a.rawSocket(1)
    s.send(ip('192.168.7.1'), icmpEcho(1, 1))
    await net.sleep(SEC)
    s.send(ip('192.168.7.1'), icmpEcho(1, 2))
    assert.throws(() => s.send(ip('192.168.7.1'), icmpEcho(1, 3)), { code: 'EHOSTUNREACH' })
    s.close()
  })

  test('a late answer sends everything held, also what was sent after EHOSTDOWN', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    b.ifSetUp('epair0b', false)
    const s = a.rawSocket(1)
    for (let i = 0; i < 5; i++) {
      s.send(B, icmpEcho(1, i))
      await net.sleep(SEC)
    }
    assert.throws(() => s.send(B, icmpEcho(1, 5)), { code: 'EHOSTDOWN' })
    b.ifSetUp('epair0b', true)
    // b's gratuitous ARP on coming up updates the existing entry (RFC 826 merge): all six go out.
    assert.equal(a.arpGet(B).mac, b.ifGet('epair0b').mac)
    const seqs: number[] = []
    for (;;) {
      const d = await s.recv(2 * SEC)
      if (d === null) break
      if (d.data[20] === 0) seqs.push(d.data[27]!)
    }
    assert.deepEqual(seqs, [0, 1, 2, 3, 4, 5])
    assert.equal(net.host.env.pool.inUse, 0)
    s.close()
  })
})

describe('refresh before expiry', () => {
  test('an entry used in its last maxtries seconds is re-requested and lives on', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    a.sysctlSet('net.link.ether.inet.max_age', '60')
    await ping(a, B)
    const tx = counter(a, 'arp', 'txrequests')
    const rx = counter(b, 'arp', 'rxrequests')
    // Verification starts at 55 s (max_age - maxtries); a packet then marks the entry used.
    await net.sleep(55.5 * SEC)
    assert.equal(counter(a, 'arp', 'txrequests'), tx, 'nothing asked while merely reachable')
    const s = a.rawSocket(1)
    s.send(B, icmpEcho(1, 1))
    // At 56 s a asks again; b answers and the entry starts a new life, 60 s from then.
    await net.sleep(SEC)
    assert.equal(counter(a, 'arp', 'txrequests'), tx + 1)
    assert.equal(counter(b, 'arp', 'rxrequests'), rx + 1)
    assert.equal(a.arpGet(B).expiresIn, 60)
    await net.sleep(10 * SEC)
    assert.equal(a.arpGet(B).mac, b.ifGet('epair0b').mac)
    assert.equal(counter(a, 'arp', 'txrequests'), tx + 1)
    s.close()
  })

  test('unanswered refreshes stop after maxtries; the entry still expires', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    a.sysctlSet('net.link.ether.inet.max_age', '60')
    await ping(a, B)
    b.ifSetUp('epair0b', false)
    const before = counters(a, 'arp')
    await net.sleep(55.5 * SEC)
    const s = a.rawSocket(1)
    s.send(B, icmpEcho(1, 1))
    // One request a second at 56 ... 60 s, then none: la_preempt is spent.
    await net.sleep(5 * SEC)
    assert.deepEqual(delta(before, counters(a, 'arp')), { txrequests: 5 })
    assert.equal(a.arpGet(B).mac, b.ifGet('epair0b').mac, 'still valid until its time is up')
    await net.sleep(SEC)
    assert.throws(() => a.arpGet(B), { code: 'ENOENT' })
    assert.deepEqual(delta(before, counters(a, 'arp')), { txrequests: 5, timeouts: 1 })
    s.close()
  })
})

describe('expiry', () => {
  test('entries expire after net.link.ether.inet.max_age', async () => {
    const net = pair()
    const a = net.sys('a')
    a.sysctlSet('net.link.ether.inet.max_age', '60')
    await ping(a, B)
    const tx = counter(a, 'arp', 'txrequests')
    assert.equal(a.arpGet(B).expiresIn, 60)
    await net.sleep(30 * SEC)
    assert.equal(a.arpGet(B).expiresIn, 30)
    await net.sleep(31 * SEC)
    assert.throws(() => a.arpGet(B), { code: 'ENOENT' })
    assert.equal(arp(net.vnet('a')).entries, 0)
    assert.equal(counter(a, 'arp', 'txrequests'), tx, 'an unused entry is not refreshed')
  })

  test('max_age is per vnet', () => {
    const net = pair()
    net.sys('a').sysctlSet('net.link.ether.inet.max_age', '60')
    assert.equal(net.sys('b').sysctlGet('net.link.ether.inet.max_age').value, 1200)
    assert.equal(net.root.sysctlGet('net.link.ether.inet.max_age').value, 1200)
  })
})

describe('static and published entries', () => {
  test('a static entry is used for output, never expires and is not overwritten by ARP', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    const bMac = b.ifGet('epair0b').mac!
    a.arpSet(B, bMac)
    assert.equal(a.arpGet(B).permanent, true)
    assert.equal(a.arpGet(B).expiresIn, -1)
    const before = counter(a, 'arp', 'txrequests')
    assert.ok((await ping(a, B)) !== null)
    assert.equal(counter(a, 'arp', 'txrequests'), before, 'no request for a static entry')
    // A reply claiming another MAC for B does not change it.
    net.inject(net.ifp('a', 'epair0a'), arpReplyFrame(STRANGER_MAC, B, a.ifGet('epair0a').mac!, A))
    assert.equal(a.arpGet(B).mac, bMac)
    await net.sleep(1300 * SEC)
    assert.equal(a.arpGet(B).mac, bMac)
  })

  test('a wrong static MAC sends frames nowhere useful (b drops unicast to another station)', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    a.arpSet(B, STRANGER_MAC)
    const idrops = b.ifGet('epair0b').stats.idrops
    assert.equal(await ping(a, B, { timeoutNs: SEC }), null)
    assert.equal(b.ifGet('epair0b').stats.idrops, idrops + 1)
  })

  test('a temp entry expires like a learnt one', async () => {
    const net = pair()
    const a = net.sys('a')
    a.arpSet(ip('10.0.0.40'), STRANGER_MAC, { temp: true })
    assert.equal(a.arpGet(ip('10.0.0.40')).permanent, false)
    await net.sleep(1201 * SEC)
    assert.throws(() => a.arpGet(ip('10.0.0.40')), { code: 'ENOENT' })
  })

  test('static entries need a directly connected address and a unicast MAC', () => {
    const net = pair()
    const a = net.sys('a')
    assert.throws(() => a.arpSet(ip('192.168.1.1'), STRANGER_MAC), { code: 'ENETUNREACH' })
    assert.throws(() => a.arpSet(ip('10.0.0.40'), BROADCAST_MAC), { code: 'EINVAL' })
    assert.throws(() => a.arpSet(ip('10.0.0.40'), 0x01005e000001), { code: 'EINVAL' })
    assert.deepEqual(learnt(a), [])
  })

  test('a published entry answers requests for its address (proxy ARP)', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    const proxied = ip('10.0.0.50')
    a.arpSet(proxied, STRANGER_MAC, { pub: true })
    assert.equal(a.arpGet(proxied).published, true)
    const s = b.rawSocket(1)
    s.send(proxied, icmpEcho(1, 1))
    assert.equal(b.arpGet(proxied).mac, STRANGER_MAC)
    // The held echo went to the proxied MAC, which a does not accept as its own.
    assert.ok(net.ifp('a', 'epair0a').stats.idrops >= 1)
    s.close()
  })

  test('a non-published entry does not answer', () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    a.arpSet(ip('10.0.0.50'), STRANGER_MAC)
    const replies = counter(a, 'arp', 'txreplies')
    net.inject(net.ifp('a', 'epair0a'), arpRequestFrame(b.ifGet('epair0b').mac!, B, ip('10.0.0.50')))
    assert.equal(counter(a, 'arp', 'txreplies'), replies)
  })

  test('arp -d and -d -a remove entries; deleting a missing entry is ENOENT', async () => {
    const net = pair()
    const a = net.sys('a')
    await ping(a, B)
    a.arpSet(ip('10.0.0.60'), STRANGER_MAC)
    assert.equal(learnt(a).length, 2)
    a.arpDelete(B)
    assert.throws(() => a.arpDelete(B), { code: 'ENOENT' })
    assert.equal(a.arpFlush(), 1)
    assert.deepEqual(learnt(a), [])
    assert.equal(arp(net.vnet('a')).entries, 0)
  })
})

describe('gratuitous ARP and duplicate addresses', () => {
  test('configuring an address broadcasts a request with sender = target = the address', () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    const tx = counter(a, 'arp', 'txrequests')
    const rx = counter(b, 'arp', 'rxrequests')
    a.ifAddAddr('epair0a', ip('10.0.0.11'), 24, { alias: true })
    assert.equal(counter(a, 'arp', 'txrequests'), tx + 1)
    assert.equal(counter(b, 'arp', 'rxrequests'), rx + 1)
    // b had no entry for it: a gratuitous ARP only updates, never creates (RFC 826).
    assert.throws(() => b.arpGet(ip('10.0.0.11')), { code: 'ENOENT' })
  })

  test('a gratuitous ARP updates a neighbour that already knows the address', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    await ping(b, A)
    const newMac = 0x02000000abcd
    a.ifSetMac('epair0a', newMac)
    a.ifAddAddr('epair0a', A, 24)
    assert.equal(b.arpGet(A).mac, newMac)
    assert.ok((await ping(b, A, { seq: 2 })) !== null)
  })

  test('an address already used by the neighbour is detected on both sides', () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    b.ifAddAddr('epair0b', A, 24, { alias: true })
    // a saw its address claimed by b's announcement and defended it; b saw the defence.
    assert.equal(counter(a, 'arp', 'dupips'), 1)
    assert.equal(counter(b, 'arp', 'dupips'), 1)
    assert.equal(counter(a, 'arp', 'txreplies'), 1)
  })

  test('the claimant gets the defence by unicast; a 169.254/16 address is defended by broadcast', () => {
    const net = pair()
    const a = net.sys('a')
    const ifp = net.ifp('a', 'epair0a')
    const d = new BpfD(net.host.clock, 65536)
    ifp.bpf.attach(d)
    const LL = ip('169.254.7.1')
    a.ifAddAddr('epair0a', LL, 16, { alias: true })
    const sent = (): string[] => {
      const out: string[] = []
      d.read(({ buf, off, out: o }) => {
        if (o && readU16(buf, off + 12) === EtherType.ARP && readU16(buf, off + 20) === ArpOp.REPLY)
          out.push(
            `${formatMac(readMac(buf, off))} ${formatIpv4(readU32(buf, off + 28))}>${formatIpv4(readU32(buf, off + 38))}`,
          )
      })
      return out
    }
    sent()
    net.inject(ifp, arpRequestFrame(STRANGER_MAC, A, A))
    net.inject(ifp, arpRequestFrame(STRANGER_MAC, LL, LL))
    // A reply claiming the address is counted but not answered: only requests are.
    net.inject(ifp, arpReplyFrame(STRANGER_MAC, A, ifp.mac, A))
    assert.deepEqual(sent(), [
      `${formatMac(STRANGER_MAC)} 10.0.0.1>10.0.0.1`,
      `ff:ff:ff:ff:ff:ff 169.254.7.1>169.254.7.1`,
    ])
    assert.equal(counter(a, 'arp', 'dupips'), 3)
  })

  test('a sender using our address is a conflict only when it is the address the packet matched', () => {
    const net = pair()
    const a = net.sys('a')
    const ifp = net.ifp('a', 'epair0a')
    const A2 = ip('10.0.0.3')
    a.ifAddAddr('epair0a', A2, 32, { alias: true })
    const before = counters(a, 'arp')
    // in_arpinput matches the target first: a request for A2 "from" A is answered, not defended.
    net.inject(ifp, arpRequestFrame(STRANGER_MAC, A, A2))
    assert.deepEqual(delta(before, counters(a, 'arp')), { rxrequests: 1, received: 1, txreplies: 1 })
    // …and our own address is not learnt as the stranger's (its entry is our own, permanent).
    assert.deepEqual(
      a
        .arpList()
        .filter((x) => x.addr === A)
        .map((x) => x.permanent),
      [true],
    )
    // A request for someone else from A matches A itself: that is the conflict.
    net.inject(ifp, arpRequestFrame(STRANGER_MAC, A, ip('10.0.0.99')))
    assert.equal(counter(a, 'arp', 'dupips'), 1)
  })

  test('our own frames looped back are dropped', () => {
    const net = pair()
    const a = net.sys('a')
    const aMac = a.ifGet('epair0a').mac!
    const d = counter(a, 'arp', 'malformed')
    net.inject(net.ifp('a', 'epair0a'), arpRequestFrame(aMac, ip('10.0.0.7'), A))
    assert.equal(counter(a, 'arp', 'malformed'), d + 1)
    assert.throws(() => a.arpGet(ip('10.0.0.7')), { code: 'ENOENT' })
  })
})

describe('RFC 826 merge rule', () => {
  test('a request for us from an unknown sender creates an entry and is answered', () => {
    const net = pair()
    const a = net.sys('a')
    const before = counters(a, 'arp')
    net.inject(net.ifp('a', 'epair0a'), arpRequestFrame(STRANGER_MAC, ip('10.0.0.77'), A))
    assert.equal(a.arpGet(ip('10.0.0.77')).mac, STRANGER_MAC)
    assert.deepEqual(delta(before, counters(a, 'arp')), { rxrequests: 1, received: 1, txreplies: 1 })
  })

  test('a request for someone else from an unknown sender creates nothing', () => {
    const net = pair()
    const a = net.sys('a')
    net.inject(net.ifp('a', 'epair0a'), arpRequestFrame(STRANGER_MAC, ip('10.0.0.77'), ip('10.0.0.78')))
    assert.deepEqual(learnt(a), [])
  })

  test('any packet from a known sender updates its entry, whoever it targets', async () => {
    const net = pair()
    const a = net.sys('a')
    await ping(a, B)
    net.inject(net.ifp('a', 'epair0a'), arpRequestFrame(STRANGER_MAC, B, ip('10.0.0.78')))
    assert.equal(a.arpGet(B).mac, STRANGER_MAC)
  })

  test('an unsolicited reply for us creates an entry (we are the target)', () => {
    const net = pair()
    const a = net.sys('a')
    net.inject(
      net.ifp('a', 'epair0a'),
      arpReplyFrame(STRANGER_MAC, ip('10.0.0.77'), a.ifGet('epair0a').mac!, A),
    )
    assert.equal(a.arpGet(ip('10.0.0.77')).mac, STRANGER_MAC)
  })

  test('malformed ARP is dropped and counted: wrong hardware length, unknown op, truncated', () => {
    const net = pair()
    const a = net.sys('a')
    const ifp = net.ifp('a', 'epair0a')
    const bad = arpPacket(ArpOp.REQUEST, STRANGER_MAC, ip('10.0.0.77'), 0, A)
    bad[4] = 7
    const badOp = arpPacket(3, STRANGER_MAC, ip('10.0.0.77'), 0, A)
    const d = counter(a, 'arp', 'malformed')
    net.inject(ifp, ether(BROADCAST_MAC, STRANGER_MAC, EtherType.ARP, bad))
    net.inject(ifp, ether(BROADCAST_MAC, STRANGER_MAC, EtherType.ARP, badOp))
    net.inject(ifp, ether(BROADCAST_MAC, STRANGER_MAC, EtherType.ARP, bad.subarray(0, 20)))
    assert.equal(counter(a, 'arp', 'malformed'), d + 3)
    assert.deepEqual(learnt(a), [])
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('a sender claiming a broadcast MAC is dropped', () => {
    const net = pair()
    const a = net.sys('a')
    const d = counter(a, 'arp', 'malformed')
    net.inject(
      net.ifp('a', 'epair0a'),
      ether(
        BROADCAST_MAC,
        STRANGER_MAC,
        EtherType.ARP,
        arpPacket(ArpOp.REQUEST, BROADCAST_MAC, ip('10.0.0.77'), 0, A),
      ),
    )
    assert.equal(counter(a, 'arp', 'malformed'), d + 1)
    assert.deepEqual(learnt(a), [])
  })
})

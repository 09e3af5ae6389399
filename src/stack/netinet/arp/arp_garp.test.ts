/**
 * Gratuitous ARP retransmission and the host-wide ARP knobs (if_ether.c), in virtual time: with
 * `net.link.ether.inet.garp_rexmit_count` N a new address is announced once and then N more times,
 * 1, 2, 4 ... seconds apart; the knob is clamped to 0..16, belongs to the host (a jail's root may
 * read but not write it), and removing the address stops the series. A static entry a neighbour's
 * ARP would change is kept and logged once a second to the kernel message buffer, as
 * `log_arp_permanent_modify` and `max_log_per_second` say.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { netisrGuard, pairNet } from '../../../testing/fixtures.js'
import { counter, errnoOf, ip, type Net } from '../../../testing/net.js'
import { SEC } from '../../../util/clock.js'
import { formatMac } from '../../../wire/addr.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const pair = (): Net => guard.track(pairNet(31))

/** Times (in whole seconds from `t0`) of the gratuitous ARPs b hears for `addr`. */
async function garpTimes(net: Net, addr: number, span: number): Promise<number[]> {
  const b = net.sys('b')
  const fd = b.bpfOpen('epair0b', { direction: 'in' })
  const t0 = net.host.clock.now()
  const times: number[] = []
  net.sys('a').ifAddAddr('epair0a', addr, 24, { alias: true })
  await net.sleep(span * SEC)
  await fd.read((r) => {
    const o = r.off
    const isArp = r.buf[o + 12] === 0x08 && r.buf[o + 13] === 0x06
    const spa = (r.buf[o + 28]! << 24) | (r.buf[o + 29]! << 16) | (r.buf[o + 30]! << 8) | r.buf[o + 31]!
    const tpa = (r.buf[o + 38]! << 24) | (r.buf[o + 39]! << 16) | (r.buf[o + 40]! << 8) | r.buf[o + 41]!
    if (isArp && spa >>> 0 === addr && tpa >>> 0 === addr) times.push(Math.round((r.stamp - t0) / SEC))
  }, 0)
  fd.close()
  return times
}

describe('net.link.ether.inet.garp_rexmit_count', () => {
  test('0 (the default): one gratuitous ARP per new address', async () => {
    const net = pair()
    assert.deepEqual(await garpTimes(net, ip('10.0.0.11'), 20), [0])
  })

  test('3: the announcement and three more after 1, 2 and 4 seconds', async () => {
    const net = pair()
    net.sys('').sysctlSet('net.link.ether.inet.garp_rexmit_count', '3')
    assert.deepEqual(await garpTimes(net, ip('10.0.0.11'), 20), [0, 1, 3, 7])
  })

  test('removing the address stops the series', async () => {
    const net = pair()
    net.sys('').sysctlSet('net.link.ether.inet.garp_rexmit_count', '5')
    const a = net.sys('a')
    const before = counter(a, 'arp', 'txrequests')
    a.ifAddAddr('epair0a', ip('10.0.0.11'), 24, { alias: true })
    await net.sleep(2 * SEC)
    a.ifDelAddr('epair0a', ip('10.0.0.11'))
    await net.sleep(60 * SEC)
    assert.equal(counter(a, 'arp', 'txrequests') - before, 2, 'the announcement and the one at 1 s')
  })

  test('clamped to 0..16 as sysctl_garp_rexmit does; host-wide, read-only to a jail', () => {
    const net = pair()
    const root = net.sys('')
    root.sysctlSet('net.link.ether.inet.garp_rexmit_count', '40')
    assert.equal(root.sysctlGet('net.link.ether.inet.garp_rexmit_count').value, 16)
    root.sysctlSet('net.link.ether.inet.garp_rexmit_count', '-3')
    assert.equal(root.sysctlGet('net.link.ether.inet.garp_rexmit_count').value, 0)
    root.sysctlSet('net.link.ether.inet.garp_rexmit_count', '2')
    const a = net.sys('a')
    assert.equal(a.sysctlGet('net.link.ether.inet.garp_rexmit_count').value, 2)
    assert.equal(
      errnoOf(() => a.sysctlSet('net.link.ether.inet.garp_rexmit_count', '3')),
      'EPERM',
    )
  })
})

describe('net.link.ether.inet.log_arp_permanent_modify', () => {
  const lines = (net: Net) =>
    net.host.env.msgbuf
      .text()
      .split('\n')
      .filter((l) => l.includes('permanent'))

  test("a neighbour's ARP cannot change a static entry, and says so once a second", async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    const bMac = b.ifGet('epair0b').mac!
    a.arpSet(ip('10.0.0.2'), 0)
    // b re-announces its address three times within the second: one log line, LOG_ERR.
    for (let i = 0; i < 3; i++) b.ifAddAddr('epair0b', ip('10.0.0.2'), 24)
    await net.sleep(SEC / 10)
    assert.equal(a.arpGet(ip('10.0.0.2')).mac, 0, 'the permanent entry is kept')
    assert.deepEqual(lines(net), [
      `<3>arp: ${formatMac(bMac)} attempts to modify permanent entry for 10.0.0.2 on epair0a`,
    ])
    await net.sleep(2 * SEC)
    b.ifAddAddr('epair0b', ip('10.0.0.2'), 24)
    await net.sleep(SEC / 10)
    assert.equal(lines(net).length, 2, 'a second later, the next one is logged')
  })

  test('0: nothing is logged', async () => {
    const net = pair()
    net.sys('').sysctlSet('net.link.ether.inet.log_arp_permanent_modify', '0')
    net.sys('a').arpSet(ip('10.0.0.2'), 0)
    net.sys('b').ifAddAddr('epair0b', ip('10.0.0.2'), 24)
    await net.sleep(SEC)
    assert.deepEqual(lines(net), [])
  })
})

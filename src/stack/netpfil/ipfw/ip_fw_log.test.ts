/**
 * `log` through the routed lab: with verbose=0 logged packets reach ipfw0's capture listeners behind
 * FreeBSD's fake Ethernet header and nothing is tapped without a listener; with verbose=1 they become
 * `ipfw: ...` messages limited by logamount (and verbose_limit), with one "limit reached" line, until
 * `ipfw resetlog` restores the allowance (and leaves the packet counters alone).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROUTED, sh, virtualHost } from '../../../testing/net_lab.js'
import { formatIpv4, readU32 } from '../../../wire/addr.js'
import { BpfD } from '../../net/bpf/bpf.js'
import { ipfw } from './ip_fw_chain.js'

test('log: ipfw0 capture with verbose=0, limited messages with verbose=1, resetlog', async () => {
  const host = virtualHost()
  assert.equal(
    (await sh(host, `${ROUTED}\nkenv net.inet.ip.fw.default_to_accept=1 > /dev/null\nkldload ipfw`)).status,
    0,
  )
  const r = host.prison0.children.find((p) => p.name === 'r')!
  const log = ipfw(r.vnet).log
  const seen: string[] = []
  const s1 = await sh(
    host,
    `jexec r ipfw -q add 100 count log icmp from any to 10.0.2.2\njexec a ping -c 1 10.0.2.2 > /dev/null`,
  )
  assert.equal(s1.status, 0)
  // No listener: nothing tapped, and verbose=0 writes no message.
  assert.equal(log.tapped, 0)
  const d = new BpfD(host.clock, 65536)
  log.tap.attach(d)
  await sh(host, 'jexec a ping -c 2 10.0.2.2 > /dev/null')
  d.read(({ buf: b, off: o }) => {
    seen.push(
      `${String.fromCharCode(...b.subarray(o, o + 12))} ${b[o + 12]!.toString(16)}${b[o + 13]!.toString(16).padStart(2, '0')} ${formatIpv4(readU32(b, o + 26))}>${formatIpv4(readU32(b, o + 30))}`,
    )
  })
  assert.equal(log.tap.name, 'ipfw0')
  assert.equal(log.tapped, 4)
  // The router sees each echo request twice (in, then out).
  assert.deepEqual(seen, Array(4).fill('DDDDDDSSSSSS 800 10.0.1.2>10.0.2.2'))
  const s2 = await sh(
    host,
    `jexec r sysctl net.inet.ip.fw.verbose=1 > /dev/null
jexec r ipfw -q add 200 deny log logamount 3 udp from any to any 9999
echo x | jexec a nc -u -w 1 10.0.2.2 9999
echo x | jexec a nc -u -w 1 10.0.2.2 9999
echo x | jexec a nc -u -w 1 10.0.2.2 9999
echo x | jexec a nc -u -w 1 10.0.2.2 9999
jexec r ipfw resetlog 200
echo x | jexec a nc -u -w 1 10.0.2.2 9999
jexec r ipfw show 200
jexec a dmesg | wc -l
jexec a dmesg -a
jexec a dmesg -c; echo jailclear=$?
dmesg -c > /dev/null; dmesg -a | wc -l`,
  )
  const [reset, shown, plain, ...rest] = s2.out.split('\n')
  assert.equal(reset, 'Entry 200 logging count reset.')
  assert.equal(shown, '00200 5 150 deny log logamount 3 udp from any to any 9999')
  // Without -a dmesg shows kernel-facility lines only: ipfw logs as LOG_SECURITY.
  assert.equal(plain, '       0')
  assert.deepEqual(rest.slice(-3), ['jailclear=1', '       0', ''])
  assert.match(s2.err, /dmesg: sysctl kern.msgbuf_clear: Operation not permitted/)
  // Read from a jail: the buffer is the host's, whichever vnet logged.
  const lines = rest.slice(0, -3).map((l) => l.replace(/:\d+ 10\.0\.2\.2/, ':PORT 10.0.2.2'))
  assert.deepEqual(lines, [
    'ipfw: 200 Deny UDP 10.0.1.2:PORT 10.0.2.2:9999 in via epair0b',
    'ipfw: 200 Deny UDP 10.0.1.2:PORT 10.0.2.2:9999 in via epair0b',
    'ipfw: 200 Deny UDP 10.0.1.2:PORT 10.0.2.2:9999 in via epair0b',
    'ipfw: limit 3 reached on entry 200',
    'ipfw: 200 Deny UDP 10.0.1.2:PORT 10.0.2.2:9999 in via epair0b',
  ])
})

/**
 * IPv6 on a new interface, in virtual time, as FreeBSD 14's nd6_ifattach, in6_control and nd6_ioctl
 * have it: every interface but the loopback starts IFDISABLED (no link-local, no IPv6 out); the first
 * inet6 address skips DAD and enables IPv6, the link-local following with DAD; `-ifdisabled` does the
 * same without an address; a vnet with accept_rtadv=1 starts interfaces enabled; a bridge starts
 * disabled without auto_linklocal; setting ifdisabled marks the addresses tentative again and
 * clearing it re-runs their DAD; a duplicated link-local keeps the interface disabled.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { shellWorld, wiretap } from '../../testing/shell.js'
import { parseIpv6 } from '../../wire/inet6/in6_addr.js'
import { in6Find } from './in6.js'
import { IN6_IFF, ND6_IFF } from './in6_var.js'
import { in6if } from './ip6/ip6.js'
import { nd6DadDuplicated } from './nd6/nd6_nbr.js'

const TWO = `jail -c name=a vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
ifconfig epair create > /dev/null
ifconfig epair0a vnet a; ifconfig epair0b vnet b
`

/** Frames with EtherType IPv6 among those recorded. */
const ip6Frames = (frames: Uint8Array[]) => frames.filter((f) => f[12] === 0x86 && f[13] === 0xdd)

test('a new interface: IFDISABLED, nothing IPv6 when up; the loopback is not', async () => {
  const w = shellWorld(31)
  const r = await w.run(`${TWO}jexec a ifconfig epair0a up
jexec a ifconfig lo0 up
sleep 3
jexec a ifconfig epair0a
jexec a ifconfig lo0 | grep nd6`)
  assert.equal(r.status, 0, r.err)
  assert.match(r.out, /\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n/)
  assert.doesNotMatch(r.out, /inet6 fe80::[0-9a-f:]+%epair0a/)
  assert.match(r.out, /\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>\n$/)
  // Not even ping6 to all-nodes leaves: ip6_output refuses a disabled interface.
  const wire = wiretap(w.ifp('a', 'epair0a'))
  const p = await w.run('jexec a ping -6 -c 1 -t 1 ff02::1%epair0a')
  assert.notEqual(p.status, 0)
  assert.equal(ip6Frames(wire).length, 0)
  w.host.clock.stop()
})

test('the first address skips DAD and enables IPv6; the link-local follows, tentative', async () => {
  const w = shellWorld(32)
  let r = await w.run(TWO)
  const tap = wiretap(w.ifp('a', 'epair0a'))
  r = await w.run(`jexec a ifconfig epair0a inet6 2001:db8::1/64
jexec a ifconfig epair0a inet6
jexec a ifconfig epair0a inet6 2001:db8::9/64 alias
jexec a ifconfig epair0a inet6 | grep 2001:db8::9`)
  assert.equal(r.status, 0, r.err)
  const lines = r.out.split('\n')
  assert.equal(lines[2], '\tinet6 2001:db8::1 prefixlen 64')
  assert.match(lines[3]!, /^\tinet6 fe80::[0-9a-f:]+%epair0a prefixlen 64 tentative scopeid 0x2$/)
  assert.equal(lines[4], '\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>')
  // The second address comes to an enabled interface: DAD as usual.
  assert.equal(lines[5], '\tinet6 2001:db8::9 prefixlen 64 tentative')
  await w.run('sleep 3')
  // DAD probes (NS from ::) went out for the link-local and the second address, none for the first.
  const ns = ip6Frames(tap).filter((f) => f[54] === 135 && f.subarray(22, 38).every((x) => x === 0))
  const targets = ns.map((f) => f.subarray(62, 78))
  const first = parseIpv6('2001:db8::1')!
  assert.ok(targets.length >= 2, `${targets.length} DAD probes`)
  assert.ok(!targets.some((t) => t.every((x, i) => x === first[i])))
  assert.ok(targets.some((t) => t[0] === 0xfe && t[1] === 0x80))
  w.host.clock.stop()
})

test('-ifdisabled enables IPv6 without an address; ifdisabled marks addresses tentative, re-enabling re-runs DAD', async () => {
  const w = shellWorld(33)
  let r = await w.run(`${TWO}jexec a ifconfig epair0a inet6 -ifdisabled up
sleep 3
jexec a ifconfig epair0a inet6 2001:db8::1/64
sleep 3
jexec a ifconfig epair0a inet6 ifdisabled
jexec a ifconfig epair0a inet6`)
  assert.equal(r.status, 0, r.err)
  assert.match(r.out, /\tinet6 fe80::[0-9a-f:]+%epair0a prefixlen 64 tentative scopeid 0x2\n/)
  assert.match(r.out, /\tinet6 2001:db8::1 prefixlen 64 tentative\n/)
  assert.match(r.out, /\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n/)
  r = await w.run(`jexec a ifconfig epair0a inet6 -ifdisabled
sleep 3
jexec a ifconfig epair0a inet6`)
  assert.doesNotMatch(r.out, /tentative/)
  assert.match(r.out, /\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>\n/)
  w.host.clock.stop()
})

test('a duplicated link-local keeps IPv6 disabled (RFC 4862 §5.4.5); so does a new address', async () => {
  const w = shellWorld(34)
  await w.run(`${TWO}jexec a ifconfig epair0a inet6 -ifdisabled up
sleep 3`)
  const ifp = w.ifp('a', 'epair0a')
  const ll = in6if(ifp).addrs.find((ia) => ia.addr[0] === 0xfe)!
  nd6DadDuplicated(ll)
  assert.notEqual(in6if(ifp).ndFlags & ND6_IFF.IFDISABLED, 0)
  const r = await w.run(`jexec a ifconfig epair0a inet6 -ifdisabled; echo status=$?
jexec a ifconfig epair0a inet6 2001:db8::1/64; echo status=$?
jexec a ifconfig epair0a inet6 | grep nd6`)
  // FreeBSD only logs the refusal: both commands succeed, the flag stays.
  assert.equal(r.out, 'status=0\nstatus=0\n\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n')
  // The address was added while disabled: no DAD, so not tentative.
  assert.equal(in6Find(ifp, parseIpv6('2001:db8::1')!)!.flags & IN6_IFF.TENTATIVE, 0)
  w.host.clock.stop()
})

test('accept_rtadv=1 starts interfaces enabled; a bridge starts disabled without auto_linklocal', async () => {
  const w = shellWorld(35)
  const r = await w.run(`jail -c name=a vnet persist > /dev/null
jexec a sysctl net.inet6.ip6.accept_rtadv=1 > /dev/null
jexec a ifconfig epair create > /dev/null
jexec a ifconfig bridge create > /dev/null
jexec a ifconfig epair0a | grep nd6
jexec a ifconfig bridge0 | grep nd6`)
  assert.equal(r.status, 0, r.err)
  assert.equal(
    r.out,
    '\tnd6 options=23<PERFORMNUD,ACCEPT_RTADV,AUTO_LINKLOCAL>\n\tnd6 options=9<PERFORMNUD,IFDISABLED>\n',
  )
  w.host.clock.stop()
})

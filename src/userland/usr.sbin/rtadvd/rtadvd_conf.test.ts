/**
 * rtadvd.conf(5) parsing and getconfig's defaults and range checks: continuation lines, comments,
 * quoted addresses with colons, `tc=` inclusion (the including entry wins), `@` cancelling, letter
 * flags, the defaults FreeBSD's rtadvd uses, and the errors for out-of-range values.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { getconfig, parseTermcap } from './rtadvd_conf.js'

const FILE = `# a comment
default:\\
\t:chlim#64:raflags="o":rltime#900:maxinterval#300:
ed0|lan0:\\
\t:addr="2001:db8:ffff:1000::":prefixlen#56:pinfoflags="a":\\
\t:addr1="2001:db8:2::":vltime1#100:pltime1#50:\\
\t:mtu="auto":maxinterval#60:tc=default:chlim#32:
ed1:\\
\t:rltime@:tc=default:
`

test('entries, continuation, quotes, tc= and cancelling', () => {
  const e = parseTermcap(FILE)
  const ed0 = e.get('ed0')!
  assert.equal(e.get('lan0'), e.get('lan0'))
  assert.equal(ed0.get('addr'), '2001:db8:ffff:1000::')
  assert.equal(ed0.get('maxinterval'), 60, "the entry's own value comes before the included one")
  assert.equal(ed0.get('chlim'), 64, 'as in termcap, what follows tc= comes after the included entry')
  assert.equal(e.get('lan0')!.get('prefixlen'), 56)
  assert.equal(e.get('ed1')!.get('rltime'), undefined)
})

test('getconfig: defaults, explicit prefixes and letter flags', () => {
  const e = parseTermcap(FILE)
  const d = getconfig(undefined, 'em0', true)
  assert.ok('conf' in d)
  assert.equal(d.conf.maxinterval, 600)
  assert.equal(d.conf.mininterval, 200)
  assert.equal(d.conf.rltime, 1800)
  assert.equal(d.conf.pinfoflags, 0xc0)
  assert.equal(d.conf.vltime, 2592000)
  assert.equal(d.conf.pltime, 604800)
  assert.equal(d.conf.prefixes, null, 'the interface prefixes')
  assert.match(d.info!, /em0 isn't defined in the configuration file/)
  const c = getconfig(e.get('ed0'), 'ed0', true)
  assert.ok('conf' in c)
  assert.equal(c.conf.raflags, 0x40)
  assert.equal(c.conf.rltime, 900)
  assert.equal(c.conf.mtu, -1)
  assert.equal(c.conf.mininterval, 20)
  const [p0, p1] = c.conf.prefixes!
  assert.equal(formatIpv6(p0!.prefix), '2001:db8:ffff:1000::')
  assert.equal(p0!.prefixLen, 56)
  assert.deepEqual([p0!.onlink, p0!.auto], [false, true])
  assert.deepEqual(
    [formatIpv6(p1!.prefix), p1!.vltime, p1!.pltime, p1!.onlink],
    ['2001:db8:2::', 100, 50, false],
  )
})

test('getconfig: range checks and hosts', () => {
  const bad = (s: string, fwd = true): string => {
    const r = getconfig(parseTermcap(`x:${s}:`).get('x'), 'x', fwd)
    assert.ok('error' in r, s)
    return r.error
  }
  assert.match(bad('maxinterval#3'), /maxinterval \(3\) on x is invalid \(must be between 4 and 1800\)/)
  assert.match(
    bad('maxinterval#100:mininterval#80'),
    /mininterval \(80\) on x is invalid \(must be between 3 and 75\)/,
  )
  assert.match(
    bad('rltime#10'),
    /router lifetime \(10\) on x is invalid \(must be 0 or between 600 and 9000\)/,
  )
  assert.match(bad('raflags="q"'), /invalid router flags for x/)
  assert.match(bad('addr="nope"'), /inet_pton failed for nope/)
  assert.match(bad('', false), /non zero router lifetime is specified for x/)
  const ok = getconfig(parseTermcap('x:rltime#0:').get('x'), 'x', false)
  assert.ok('conf' in ok)
})

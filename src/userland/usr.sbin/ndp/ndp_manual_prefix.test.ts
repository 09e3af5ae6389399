/**
 * The prefix list holds the prefix of every non-/128 address configured by hand (in6_control's
 * SIOCAIFADDR_IN6 → nd6_prelist_add): `ndp -p` lists it with flags LO (LAO with `autoconf`), the
 * address's lifetimes and a `ref` per address; a longer-lived address extends it and a shorter one
 * never cuts it (FreeBSD's ndp_prefix_lifetime_extend, through `ndp -p --libxo json | jq`); removing
 * its last address with `-alias` removes it, `ndp -P` flushes it but keeps the address. And `ndp -d`
 * as FreeBSD 14's netlink ndp: warnings only, exit 0; `ndp -s` failures as set()/set_nl print them,
 * in a jail sharing its parent's stack too.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { shellWorld } from '../../../testing/shell.js'

const SETUP = `ifconfig epair create > /dev/null
ifconfig epair0a up
`

test('ndp -p: a prefix per manual non-/128 address with its lifetimes and reference count', async () => {
  const w = shellWorld(4)
  const r = await w.run(`${SETUP}ifconfig epair0a inet6 2001:db8:ffff:1000::1/64 pltime 5 vltime 10
ifconfig epair0a inet6 2001:db8:1::1/128
ifconfig epair0a inet6 2001:db8:2::1/48 autoconf
ifconfig epair0a inet6 2001:db8:2::2/48
ndp -p`)
  assert.equal(r.err, '')
  assert.equal(
    r.out,
    // Newest first (nd6_prelist_add's LIST_INSERT_HEAD); the link-local prefixes of in6_ifattach
    // (epair0a's came when the first address enabled IPv6, after that address's prefix), ref=0.
    '2001:db8:2::/48 if=epair0a\nflags=LAO vltime=infinity, pltime=infinity, expire=Never, ref=2\n  No advertising router\n' +
      'fe80::%epair0a/64 if=epair0a\nflags=LAO vltime=infinity, pltime=infinity, expire=Never, ref=0\n  No advertising router\n' +
      '2001:db8:ffff:1000::/64 if=epair0a\nflags=LO vltime=10, pltime=5, expire=10s, ref=1\n  No advertising router\n' +
      'fe80::%lo0/64 if=lo0\nflags=LAO vltime=infinity, pltime=infinity, expire=Never, ref=0\n  No advertising router\n',
  )
})

test('ndp -p --libxo json | jq: re-adding extends the prefix, a shorter-lived address does not shorten it', async () => {
  const w = shellWorld(4)
  const attr = (a: string): string =>
    `ndp -p --libxo json | jq -r '.ndp.["prefix-list"][] | select(.prefix == "2001:db8:ffff:1000::/64") | .["${a}"]'`
  const lt = `echo $(${attr('valid-lifetime')}) $(${attr('preferred-lifetime')}) $(${attr('expires_sec')})`
  const r = await w.run(`${SETUP}ifconfig epair0a inet6 2001:db8:ffff:1000::1/64 pltime 5 vltime 10
${lt}
sleep 2
ifconfig epair0a inet6 2001:db8:ffff:1000::1/64 pltime 10 vltime 20
${lt}
ifconfig epair0a inet6 2001:db8:ffff:1000::2/64 pltime 5 vltime 10
${lt}
ndp -p | grep -A1 2001:db8:ffff | sed -n 2p`)
  assert.equal(r.err, '')
  assert.equal(r.out, '10 5 10\n20 10 20\n20 10 20\nflags=LO vltime=20, pltime=10, expire=20s, ref=2\n')
})

test('the prefix goes with its last address (-alias) or when it expires; ndp -P keeps manual addresses', async () => {
  const w = shellWorld(4)
  const r = await w.run(`${SETUP}ifconfig epair0a inet6 2001:db8:2::1/64
ifconfig epair0a inet6 2001:db8:2::2/64
ifconfig epair0a inet6 2001:db8:3::1/64 pltime 5 vltime 10
ifconfig epair0a inet6 2001:db8:2::1 -alias
ndp -p | grep -c 2001:db8:2::/64
ifconfig epair0a inet6 2001:db8:2::2 -alias
ndp -p | grep -c 2001:db8:2::/64
sleep 11
ndp -p | grep -c 2001:db8:3::/64
ifconfig epair0a inet6 2001:db8:4::1/64
ndp -P
ndp -p | grep -c 2001
ifconfig epair0a | grep -c 2001:db8:4::1
netstat -rn -f inet6 | grep -c 2001:db8:4::/64`)
  assert.equal(r.out, '1\n0\n0\n0\n1\n1\n')
})

test("ndp -d: FreeBSD 14 exits 0 whatever happens, with netlink ndp's warnings", async () => {
  const w = shellWorld(4)
  const r = await w.run(`${SETUP}ifconfig epair0a inet6 2001:db8::1/64 no_dad
ndp -s 2001:db8::9 02:00:00:00:00:09
ndp -d 2001:db8::9; echo rc=$?
ndp -d 2001:db8::9; echo rc=$?
ndp -d 2001:db9::9; echo rc=$?
ndp -d 2001:db8::1; echo rc=$?
ndp -d fe80::9; echo rc=$?
ndp -d fe80::9%epair0a; echo rc=$?
ndp -d fe80::9%nope; echo rc=$?
ndp -d 2001:db8::9 extra; echo rc=$?`)
  assert.equal(r.out, '2001:db8::9 (2001:db8::9) deleted\nrc=0\nrc=0\nrc=0\nrc=0\nrc=0\nrc=0\nrc=0\nrc=1\n')
  assert.equal(
    r.err.split('\n').slice(0, 7).join('\n'),
    'ndp: delete 2001:db8::9: No such file or directory\nndp: delete: cannot locate 2001:db9::9\n' +
      'ndp: delete 2001:db8::1: Operation not permitted\nndp: delete: cannot locate fe80::9\n' +
      'ndp: delete fe80::9%epair0a: No such file or directory\n' +
      'ndp: fe80::9%nope: hostname nor servname provided, or not known\nusage: ndp [-nt] hostname',
  )
})

test("ndp -s: set_nl's failures, texts and exit codes", async () => {
  const w = shellWorld(4)
  const r = await w.run(`${SETUP}ifconfig epair0a inet6 2001:db8::1/64 no_dad
ndp -s 2001:db8::2 zz; echo rc=$?
ndp -s 2001:db9::2 02:00:00:00:00:02; echo rc=$?
ndp -s fe80::2 02:00:00:00:00:02; echo rc=$?
ndp -s nohost 02:00:00:00:00:02; echo rc=$?
ndp -s 2001:db8::3 2:0:0:0:0:3 temporary whatever; echo rc=$?
ndp -s 2001:db8::4 2:0:0:0:0:104 proxy; echo rc=$?
ndp -an | grep -c 'permanent'
ndp -an | grep 2001:db8::4 | awk '{print $2, $6}'
ndp -s 2001:db8::5; echo rc=$?`)
  assert.equal(r.out, 'rc=1\nrc=0\nrc=0\nrc=1\nrc=0\nrc=0\n4\n02:00:00:00:00:04 p\nrc=1\n')
  assert.equal(
    r.err.split('\n').slice(0, 6).join('\n'),
    "ndp: invalid Ethernet address 'zz'\n" +
      'ndp: set: 2001:db8::2: Invalid argument (NDA_LLADDR address length (0) is different from expected (6))\n' +
      'ndp: delete: cannot locate 2001:db9::2\nndp: delete: cannot locate fe80::2\n' +
      'ndp: nohost: hostname nor servname provided, or not known\nusage: ndp [-nt] hostname',
  )
})

test('ndp -s/-d in a jail sharing the stack: the route is hidden, the kernel refuses the rest', async () => {
  const w = shellWorld(4)
  const r = await w.run(`${SETUP}ifconfig epair0a inet6 2001:db8::1/64 no_dad
jail -c name=j ip6.addr=2001:db8::1 persist > /dev/null
jexec j ndp -s 2001:db8::5 02:00:00:00:00:05; echo rc=$?
jexec j ndp -s fe80::5%epair0a 02:00:00:00:00:05; echo rc=$?
jexec j ndp -d fe80::5%epair0a; echo rc=$?
ndp -an | grep -c db8::5`)
  // guess_ifindex's RTM_GETROUTE answers ESRCH (rt_is_exportable: a network route is never shown to
  // a jail without its own vnet), so set_nl gives up with exit 0; a zoned address skips the lookup
  // and RTM_NEWNEIGH/RTM_DELNEIGH fail their PRIV_NET_ROUTE check.
  assert.equal(r.out, 'rc=0\nrc=1\nrc=0\n0\n')
  assert.equal(
    r.err,
    'ndp: delete: cannot locate 2001:db8::5\nndp: set fe80::5%epair0a: Operation not permitted\n' +
      'ndp: delete fe80::5%epair0a: Operation not permitted\n',
  )
})

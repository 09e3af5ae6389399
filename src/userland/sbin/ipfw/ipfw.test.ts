/**
 * ipfw, kldload and kenv as scripts through the routed lab (a — r — b, vnet jails) in virtual time:
 * the module is absent until the host's root loads it (and a jail's root cannot), the default rule
 * follows the default_to_accept tunable, who may configure a stack's firewall (PRIV_NETINET_IPFW),
 * FreeBSD's pass_block scenario for ICMP, UDP and TCP with per-rule counters, one jail's rules
 * never seeing another's packets, keep-state replies through a default deny, a file of rules that
 * stops at its first bad line, and a 10,000-rule set that loads and matches.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROUTED, ROUTED_IPFW, sh, virtualHost } from '../../../testing/net_lab.js'
import { MemFs } from '../../bin/sh/streams.js'

test('kldload/kldstat/kldunload and kenv: host root only; ipfw absent until loaded', async () => {
  const host = virtualHost()
  assert.equal((await sh(host, ROUTED)).status, 0)
  const r = await sh(
    host,
    `jail -c name=nv persist > /dev/null
sysctl net.inet.ip.fw.enable; echo sysctl=$?
ipfw list; echo list=$?
ipfw add 100 allow ip from any to any; echo add=$?
jexec a kldload ipfw; echo jailload=$?
jexec a kenv net.inet.ip.fw.default_to_accept=1; echo jailkenv=$?
kldload ipfw_nat; echo nat=$?
kldstat
kldload ipfw; echo again=$?
kldload -n ipfw; echo n=$?
kldunload ipfw; echo busy=$?
jexec a kldunload ipfw_nat; echo jailunload=$?
kldunload ipfw_nat libalias; echo unload=$?
kldunload dummynet; echo notloaded=$?
kldload bogus; echo bogus=$?
kldstat -q -m ipfw; echo loaded=$?
kldstat -q -m dummynet; echo dn=$?
jexec a ipfw list; echo vnetroot=$?
jexec -U nobody a ipfw list; echo nobody=$?
jexec nv ipfw list; echo nonvnet=$?
ipfw -q add 100 allow ip from any to any
jexec a ipfw list
kldunload ipfw; echo unload=$?
ipfw list; echo gone=$?
kenv net.inet.ip.fw.default_to_accept=1
kldload -v ipfw
jexec b ipfw list
sysctl net.inet.ip.fw.default_to_accept
kenv -u net.inet.ip.fw.default_to_accept; kenv net.inet.ip.fw.default_to_accept; echo unset=$?`,
  )
  assert.equal(
    r.out,
    [
      'sysctl=1',
      'list=71',
      'add=69',
      'jailload=1',
      'jailkenv=255',
      'nat=0',
      'Id Refs Address                Size Name',
      ' 1    4 0xffffffff80200000  1f3c6a0 kernel',
      ' 2    2 0xffffffff82100000    2f1a8 ipfw.ko',
      ' 3    2 0xffffffff82130000    11c40 libalias.ko',
      ' 4    1 0xffffffff82142000     5a58 ipfw_nat.ko',
      'again=1',
      'n=0',
      'busy=1',
      'jailunload=1',
      'unload=0',
      'notloaded=1',
      'bogus=1',
      'loaded=0',
      'dn=1',
      '65535 deny ip from any to any',
      'vnetroot=0',
      'nobody=69',
      'nonvnet=69',
      // The host's rule is vnet0's: jail a's chain still holds only its default rule.
      '65535 deny ip from any to any',
      'unload=0',
      'gone=71',
      'net.inet.ip.fw.default_to_accept="1"',
      'Loaded ipfw, id=5',
      '65535 allow ip from any to any',
      'net.inet.ip.fw.default_to_accept: 1',
      'unset=255',
      '',
    ].join('\n'),
  )
  assert.equal(
    r.err,
    [
      "sysctl: unknown oid 'net.inet.ip.fw.enable'",
      'ipfw: retrieving config failed: Protocol not available',
      'ipfw: getsockopt(IP_FW_XADD): Protocol not available',
      "kldload: can't load ipfw: Operation not permitted",
      'kenv: unable to set net.inet.ip.fw.default_to_accept to 1',
      "kldload: can't load ipfw: module already loaded or in kernel",
      "kldunload: can't unload file: Device busy",
      "kldunload: can't unload file: Operation not permitted",
      "kldunload: can't find file dummynet: No such file or directory",
      "kldload: can't load bogus: No such file or directory",
      'ipfw: socket: Operation not permitted',
      'ipfw: socket: Operation not permitted',
      'ipfw: retrieving config failed: Protocol not available',
      'kenv: unable to get net.inet.ip.fw.default_to_accept',
      '',
    ].join('\n'),
  )
})

test('pass_block through a router: ICMP, UDP and TCP blocked and passed, counters per rule', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED_IPFW}
jexec b nc -l 8080 > /dev/null &
jexec b nc -u -l 7777 > /dev/null &
sleep 1
jexec r ipfw -q add 100 deny icmp from 10.0.1.2 to any
jexec a ping -c 2 -t 3 10.0.2.2 > /dev/null; echo icmp_blocked=$?
jexec r ipfw -q delete 100
jexec a ping -c 2 10.0.2.2 > /dev/null; echo icmp_passed=$?
jexec r ipfw -q add 200 unreach port udp from any to any 7777
echo hello | jexec a nc -u -w 1 10.0.2.2 7777; echo udp_rejected=$?
jexec r ipfw -q add 300 deny tcp from any to any 8080 setup
echo hi | jexec a nc -N -w 2 10.0.2.2 8080; echo tcp_blocked=$?
jexec r ipfw -q add 310 reset tcp from any to any 8081
echo hi | jexec a nc -N -w 2 10.0.2.2 8081; echo tcp_reset=$?
jexec r ipfw show
jexec r ipfw -q flush
echo hi | jexec a nc -N -w 2 10.0.2.2 8080; echo tcp_passed=$?
echo hello | jexec a nc -u -w 1 10.0.2.2 7777; echo udp_passed=$?
jexec r ipfw show
jexec a netstat -s -p icmp | grep unreachable
jail -r b`,
  )
  assert.equal(
    r.out,
    [
      'icmp_blocked=2',
      'icmp_passed=0',
      'udp_rejected=1',
      'tcp_blocked=1',
      'tcp_reset=1',
      // Forwarded packets pass the chain twice, in on the way in and out on the way out.
      '00200  1  34 unreach port udp from any to any 7777',
      '00300  2 120 deny tcp from any to any 8080 setup',
      '00310  1  60 reset tcp from any to any 8081',
      // 4 echo packets (twice each, 672 bytes), then the ICMP unreachable (56) and the reset (40)
      // r sent, each leaving through its output hook (no IPv6: the links have no inet6 address).
      '65535 10 768 allow ip from any to any',
      'tcp_passed=0',
      'udp_passed=0',
      '65535 28 1706 allow ip from any to any',
      '\t\tdestination unreachable: 1',
      '',
    ].join('\n'),
  )
  assert.match(r.err, /nc: connect to 10\.0\.2\.2 port 8080 \(tcp\) failed: Operation timed out\n/)
  assert.match(r.err, /nc: read failed \(Connection refused\)\n/)
})

test("one jail's rules never see another's packets; vnet0's chain sees none of theirs", async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED_IPFW}
ipfw -q add 100 count ip from any to any
jexec a ipfw -q add 100 count ip from any to any
jexec b ipfw -q add 100 count ip from any to any
jexec r ipfw -q add 100 count ip from any to any
jexec a ping -c 3 10.0.1.1 > /dev/null; echo ping=$?
ipfw show 100
jexec a ipfw show 100
jexec b ipfw show 100
jexec r ipfw show 100
jexec b ipfw -q add 200 deny ip from any to any
jexec a ping -c 1 10.0.1.1 > /dev/null; echo still=$?
jexec a ping -c 1 -t 2 10.0.2.2 > /dev/null; echo b_blocks=$?
jexec b ipfw show 200`,
  )
  assert.equal(
    r.out,
    [
      'ping=0',
      '00100 0 0 count ip from any to any',
      // a: 3 requests out, 3 replies in; r: the same, the other way; b: nothing of them. No
      // IPv6 meets the chains: the links have no inet6 address, so IPv6 stays disabled there.
      '00100 6 504 count ip from any to any',
      '00100 0 0 count ip from any to any',
      '00100 6 504 count ip from any to any',
      'still=0',
      'b_blocks=2',
      '00200 1 84 deny ip from any to any',
      '',
    ].join('\n'),
  )
})

test('keep-state lets replies through a default deny; states expire with their lifetimes', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED}
kldload ipfw
jexec a ipfw -q add 100 allow ip from any to any
jexec b ipfw -q add 100 allow ip from any to any
jexec r ipfw -q add 100 check-state
jexec r ipfw -q add 200 allow icmp from 10.0.1.0/24 to any keep-state
jexec r ipfw -q add 300 allow udp from 10.0.1.0/24 to any keep-state
jexec r ipfw -q add 400 allow tcp from 10.0.1.0/24 to any setup keep-state
jexec b ping -c 1 -t 2 10.0.1.2 > /dev/null; echo b_to_a=$?
jexec a ping -c 1 10.0.2.2 > /dev/null; echo a_to_b=$?
jexec b nc -l 8080 > /dev/null &
jexec b nc -u -l 7777 > /dev/null &
sleep 1
echo hi | jexec a nc -N -w 2 10.0.2.2 8080; echo tcp=$?
echo hello | jexec a nc -u -w 1 10.0.2.2 7777; echo udp=$?
jexec r sysctl net.inet.ip.fw.dyn_count
sleep 6
jexec r sysctl net.inet.ip.fw.dyn_count
jexec b ping -c 1 -t 2 10.0.1.2 > /dev/null; echo b_to_a_expired=$?
jexec r ipfw show
jail -r b`,
  )
  assert.equal(
    r.out,
    [
      'b_to_a=2',
      'a_to_b=0',
      'tcp=0',
      'udp=0',
      // The TCP state went 1 s (dyn_fin_lifetime) after both FINs, while nc -u waited its second.
      'net.inet.ip.fw.dyn_count: 2',
      // ICMP lives dyn_short_lifetime (5 s); UDP dyn_udp_lifetime (10 s).
      'net.inet.ip.fw.dyn_count: 1',
      'b_to_a_expired=2',
      '00100  0   0 check-state :default',
      '00200  4 336 allow icmp from 10.0.1.0/24 to any keep-state :default',
      '00300  2  68 allow udp from 10.0.1.0/24 to any keep-state :default',
      '00400 16 870 allow tcp from 10.0.1.0/24 to any setup keep-state :default',
      // Two packets of the denied flows (the links carry no IPv6: no inet6 address there).
      '65535  2 168 deny ip from any to any',
      '',
    ].join('\n'),
  )
})

test('ipfw commands: -n, delete and zero errors, set show, flush asks, a file stops at its first bad line', async () => {
  const host = virtualHost()
  const fs = new MemFs()
  fs.truncate('/rules')
  fs.append(
    '/rules',
    [
      '# rules',
      '-q flush',
      'add 100 allow ip from any to any via lo0',
      '',
      'add 200 deny bogus from any to any',
      'add 300 allow ip from any to any',
    ].join('\n'),
  )
  const r = await sh(
    host,
    `ipfw -n add 100 allow tcp from any to any 22; echo n=$?
ipfw list; echo noload=$?
kldload ipfw
ipfw /rules; echo file=$?
ipfw list
ipfw delete 100 150; echo del=$?
ipfw delete 65535; echo del_default=$?
ipfw zero 100; echo zero=$?
ipfw zero; ipfw resetlog 
ipfw add 100 set 3 allow ip from any to any
ipfw set disable 3
ipfw set show
ipfw -S list
ipfw set enable 3; ipfw set show
echo n | ipfw flush; echo asked=$?
ipfw list
echo y | ipfw flush
ipfw list
ipfw show 100; echo missing=$?
ipfw nat 1 config if em0; echo nat=$?
ipfw add 100 pipe 1 ip from any to any; echo pipe=$?
ipfw bogus; echo bogus=$?`,
    fs,
  )
  assert.equal(
    r.out,
    [
      '00100 allow tcp from any to any 22',
      'n=0',
      'noload=71',
      // -q is per line: the add on line 3 prints its rule; line 6 never runs.
      '00100 allow ip from any to any via lo0',
      'file=65',
      '00100 allow ip from any to any via lo0',
      '65535 deny ip from any to any',
      'del=69',
      'del_default=69',
      'Entry 100 not found',
      'zero=69',
      'Accounting cleared.',
      'Logging counts reset.',
      '00100 allow ip from any to any',
      'disable 3 enable 0 1 2 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30',
      '00100 set 3 allow ip from any to any',
      '65535 set 31 deny ip from any to any',
      'enable 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30',
      'Are you sure? [yn] ',
      'asked=0',
      '00100 allow ip from any to any',
      '65535 deny ip from any to any',
      'Are you sure? [yn] ',
      'Flushed all rules.',
      '65535 deny ip from any to any',
      'missing=69',
      'nat=1',
      // pipe rules install whether or not dummynet is loaded (without it their packets drop).
      '00100 pipe 1 ip from any to any',
      'pipe=0',
      'bogus=64',
      '',
    ].join('\n'),
  )
  assert.equal(
    r.err,
    [
      'ipfw: retrieving config failed: Protocol not available',
      // Not a protocol: the words are read as options (compile_rule's read_options).
      'Line 5: unrecognised option [-1] bogus',
      'ipfw: rule 150 not found',
      'ipfw: rule 65535: setsockopt(IP_FW_XDEL): Invalid argument',
      'ipfw: rule 100 does not exist',
      'ipfw: unknown interface name em0',
      "ipfw: bad command `bogus'",
      '',
    ].join('\n'),
  )
})

test('a 10,000-rule set loads from a file and matches: the packet meets the rule near its end', async () => {
  const host = virtualHost()
  const fs = new MemFs()
  const lines: string[] = []
  for (let i = 1; i <= 10000; i++) lines.push(`add ${i} deny udp from 172.16.0.0/12 to 10.0.2.2 ${20000 + i}`)
  lines.push('add 10001 deny udp from any to 10.0.2.2 30000', 'add 10002 allow ip from any to any')
  fs.truncate('/rules')
  fs.append('/rules', lines.join('\n'))
  const r = await sh(
    host,
    `${ROUTED}
kldload ipfw
jexec a ipfw -q add allow ip from any to any
jexec b ipfw -q add allow ip from any to any
jexec r ipfw -q /rules; echo load=$?
jexec r sysctl net.inet.ip.fw.static_count
jexec a ping -c 2 10.0.2.2 > /dev/null; echo ping=$?
echo x | jexec a nc -u -w 1 10.0.2.2 30000; echo udp=$?
jexec r ipfw show 9999-10002`,
    fs,
  )
  assert.equal(
    r.out,
    [
      'load=0',
      'net.inet.ip.fw.static_count: 10003',
      'ping=0',
      'udp=0',
      '09999 0   0 deny udp from 172.16.0.0/12 to 10.0.2.2 29999',
      '10000 0   0 deny udp from 172.16.0.0/12 to 10.0.2.2 30000',
      '10001 1  30 deny udp from any to 10.0.2.2 30000',
      // The pings only (the links carry no IPv6: no inet6 address there).
      '10002 8 672 allow ip from any to any',
      '',
    ].join('\n'),
  )
})

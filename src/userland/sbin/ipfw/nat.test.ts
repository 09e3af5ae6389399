/**
 * ipfw nat as scripts in virtual time: the commands (config/show/delete, FreeBSD's messages and
 * statuses, ipfw_nat required), the home-router lab end to end (10/8 hosts behind one public
 * address ping, nc and fetch to a server outside; redirect_port exposes an inside server; the
 * server's own ipfw counters show it never received a private source), FreeBSD's
 * tests/sys/netpfil/common nat.sh `basic` and rdr.sh `basic` in their ipfw variants, and `if IF`
 * following the interface's address, and a flood of new flows that the bounded link table
 * refuses and counts instead of growing or leaking private sources.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ipfw } from '../../../stack/netpfil/ipfw/ip_fw_chain.js'
import { NAT_LINKS_MAX } from '../../../stack/netpfil/ipfw/ip_fw_nat.js'
import { EtherType, ether, IpProto, ipv4, udp } from '../../../testing/frames.js'
import { httpServer, sh, virtualHost } from '../../../testing/net_lab.js'
import { parseIpv4 } from '../../../wire/addr.js'

/**
 * h1 (10.1.0.2) and h2 (10.2.0.2) behind r (10.1.0.1 | 10.2.0.1 | 203.0.113.1 on $wan) and s
 * (203.0.113.2), which has no route to 10/8: only translated traffic can come back.
 */
const HOME = `
jail -c name=h1 vnet persist > /dev/null
jail -c name=h2 vnet persist > /dev/null
jail -c name=r vnet persist > /dev/null
jail -c name=s vnet persist > /dev/null
e1=$(ifconfig epair create)
e2=$(ifconfig epair create)
e3=$(ifconfig epair create)
ifconfig $e1 vnet h1
ifconfig \${e1%a}b vnet r
ifconfig $e2 vnet h2
ifconfig \${e2%a}b vnet r
ifconfig $e3 vnet r
ifconfig \${e3%a}b vnet s
wan=$e3
jexec h1 ifconfig $e1 10.1.0.2/16 up
jexec h2 ifconfig $e2 10.2.0.2/16 up
jexec r ifconfig \${e1%a}b 10.1.0.1/16 up
jexec r ifconfig \${e2%a}b 10.2.0.1/16 up
jexec r ifconfig $wan 203.0.113.1/24 up
jexec s ifconfig \${e3%a}b 203.0.113.2/24 up
jexec h1 route -q add default 10.1.0.1
jexec h2 route -q add default 10.2.0.1
jexec r sysctl net.inet.ip.forwarding=1 > /dev/null
kenv net.inet.ip.fw.default_to_accept=1 > /dev/null
kldload ipfw_nat
jexec s ipfw -q add 100 count ip from 10.0.0.0/8 to any in
jexec s ipfw -q add 200 count ip from 203.0.113.1 to any in
`

test('ipfw nat commands: config printed back, show config, delete; ipfw_nat required; errors as nat.c', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `jail -c name=j vnet persist > /dev/null
kldload ipfw
ipfw nat 1 config ip 192.0.2.1; echo noload=$?
ipfw add 100 nat 1 ip from any to any; echo noload_rule=$?
ipfw nat 1 delete; echo noload_del=$?
ipfw nat show config; echo noload_show=$?
kldload ipfw_nat
ipfw nat 1 config ip 192.0.2.1 same_ports deny_in log reset redirect_port tcp 10.0.0.8:8080-8081 8080-8081 redirect_port udp 10.0.0.9:53 192.0.2.1:5353 198.51.100.7 redirect_addr 10.0.0.10 192.0.2.10 redirect_proto gre 10.0.0.11
ipfw -q nat 7 config ip 192.0.2.7 unreg_only port_range 2000-2999
ipfw nat 3 config ip 192.0.2.3 redirect_proto 47 10.0.0.3 192.0.2.3 198.51.100.3
ipfw nat show config
ipfw nat 7 show config
ipfw nat 1 show log
ipfw nat show log
ipfw nat show; echo noaction=$?
ipfw nat 3 delete; echo del=$?
ipfw nat 3 delete; echo again=$?
ipfw -q nat 3 delete; echo quiet=$?
ipfw nat 3 show config; echo gone=$?
ipfw nat 0 config ip 1.2.3.4; echo zero=$?
ipfw nat 2 config; echo noopt=$?
ipfw nat 2 config bogus; echo bogus=$?
ipfw nat 2 config ip 1.2.3; echo badip=$?
ipfw nat 2 config if nosuch0; echo noif=$?
ipfw nat 2 config redirect_port tcp 10.0.0.1:80-81 8080; echo ranges=$?
ipfw nat 2 config redirect_port tcp 10.0.0.1 8080; echo noport=$?
ipfw nat 2 config redirect_port icmp 10.0.0.1:1 1; echo proto=$?
ipfw nat 2 config redirect_addr 10.0.0.1; echo short=$?
ipfw nat 2 frob; echo cmd=$?
ipfw -n nat 9 config ip 1.1.1.1; echo dry=$?
ipfw nat 9 show config; echo dry_none=$?
ipfw add 100 nat 1 ip from any to any
ipfw add 200 nat global ip from any to any
jexec j ipfw nat show config; echo jail=$?
jexec -U nobody j ipfw nat show config; echo nobody=$?
kldunload ipfw_nat libalias; echo unload=$?
kldload ipfw_nat
ipfw nat show config; echo after_reload=$?`,
  )
  assert.equal(
    r.out,
    [
      'noload=1',
      'noload_rule=69',
      'noload_del=69',
      'noload_show=0',
      'ipfw nat 1 config ip 192.0.2.1 log deny_in same_ports reset redirect_port tcp 10.0.0.8:8080-8081 8080-8081 redirect_port udp 10.0.0.9:53 192.0.2.1:5353 198.51.100.7 redirect_addr 10.0.0.10 192.0.2.10 redirect_proto gre 10.0.0.11',
      'ipfw nat 3 config ip 192.0.2.3 redirect_proto gre 10.0.0.3 192.0.2.3 198.51.100.3',
      'ipfw nat 1 config ip 192.0.2.1 log deny_in same_ports reset redirect_port tcp 10.0.0.8:8080-8081 8080-8081 redirect_port udp 10.0.0.9:53 192.0.2.1:5353 198.51.100.7 redirect_addr 10.0.0.10 192.0.2.10 redirect_proto gre 10.0.0.11',
      'ipfw nat 3 config ip 192.0.2.3 redirect_proto gre 10.0.0.3 192.0.2.3 198.51.100.3',
      'ipfw nat 7 config ip 192.0.2.7 unreg_only port_range 2000-2999',
      'ipfw nat 7 config ip 192.0.2.7 unreg_only port_range 2000-2999',
      // nat.c prints a named instance's configuration whatever was asked.
      'ipfw nat 1 config ip 192.0.2.1 log deny_in same_ports reset redirect_port tcp 10.0.0.8:8080-8081 8080-8081 redirect_port udp 10.0.0.9:53 192.0.2.1:5353 198.51.100.7 redirect_addr 10.0.0.10 192.0.2.10 redirect_proto gre 10.0.0.11',
      // The five redirect links (two ports, one port, one address, one protocol; links of
      // type addr are not counted by libalias).
      'nat 1: icmp=0, udp=1, tcp=2, sctp=0, pptp=0, proto=1, frag_id=0 frag_ptr=0 / tot=4',
      'noaction=64',
      'del=0',
      'again=69',
      'quiet=69',
      'gone=71',
      'zero=65',
      'noopt=65',
      'bogus=65',
      'badip=65',
      'noif=1',
      'ranges=65',
      'noport=65',
      'proto=65',
      'short=65',
      'cmd=64',
      'dry=0',
      'dry_none=71',
      '00100 nat 1 ip from any to any',
      '00200 nat global ip from any to any',
      'jail=0',
      'nobody=69',
      'unload=0',
      'after_reload=0',
      '',
    ].join('\n'),
  )
  assert.equal(
    r.err,
    [
      'ipfw: setsockopt(IP_FW_NAT44_XCONFIG): Operation not supported',
      'ipfw: getsockopt(IP_FW_XADD): Invalid argument',
      'ipfw: nat 1 not available: Invalid argument',
      'ipfw: Please specify action. Available: config,log',
      'ipfw: nat 3 not available: Invalid argument',
      'ipfw: Error getting nat 3 instance info: No such process',
      'ipfw: illegal nat id: 0',
      'ipfw: missing option',
      "ipfw: unrecognised option ``bogus''",
      "ipfw: bad ip address ``1.2.3''",
      'ipfw: unknown interface name nosuch0',
      'ipfw: redirect_port: port ranges must be equal in size',
      'ipfw: 10.0.0.1 is missing port number',
      'ipfw: unknown protocol icmp. Expected sctp, tcp or udp',
      'ipfw: redirect_addr: not enough arguments',
      "ipfw: bad command `frob'",
      'ipfw: Error getting nat 9 instance info: No such process',
      'ipfw: socket: Operation not permitted',
      '',
    ].join('\n'),
  )
})

test('home router: hosts in 10/8 ping, nc and fetch out through one public address; redirect_port exposes h1; s never sees 10/8', async () => {
  const host = virtualHost()
  const setup = await sh(
    host,
    `${HOME}
jexec r ipfw -q nat 1 config if $wan same_ports redirect_port tcp 10.1.0.2:80 8080
jexec r ipfw -q add 100 nat 1 ip from any to any via $wan
jexec r ipfw nat 1 show config`,
  )
  assert.equal(setup.status, 0, setup.err)
  assert.equal(setup.out, 'ipfw nat 1 config if epair2a same_ports redirect_port tcp 10.1.0.2:80 8080\n')
  const web = httpServer(
    host.syscalls().attach('s'),
    8000,
    (path) => `HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n${path.slice(1, 7)}`,
  )
  const r = await sh(
    host,
    `jexec h1 ping -c 2 203.0.113.2 > /dev/null; echo ping_h1=$?
jexec h2 ping -c 2 203.0.113.2 > /dev/null; echo ping_h2=$?
jexec s nc -l 9000 > /dev/null &
jexec s nc -u -l 9001 &
sleep 1
echo tcp | jexec h1 nc -N -w 2 203.0.113.2 9000; echo nc_tcp=$?
echo udp-from-h2 | jexec h2 nc -u -w 1 203.0.113.2 9001; echo nc_udp=$?
jexec h1 fetch -q -o - http://203.0.113.2:8000/hello!; echo; echo fetch=$?
echo served-by-h1 | jexec h1 nc -N -l 80 &
sleep 1
jexec s nc -N -w 2 203.0.113.1 8080; echo redirect=$?
jexec s ipfw show 100 200
jexec r netstat -s -p ip | grep forwarded
jail -r s`,
  )
  web.stop()
  assert.equal(
    r.out,
    [
      'ping_h1=0',
      'ping_h2=0',
      'nc_tcp=0',
      'udp-from-h2',
      'nc_udp=0',
      'hello!',
      'fetch=0',
      'served-by-h1',
      'redirect=0',
      // Nothing from 10/8 reached s; everything it got came from the public address.
      '00100  0    0 count ip from 10.0.0.0/8 to any in',
      '00200 19 1244 count ip from 203.0.113.1 to any in',
      // The 19 going out (translated by the output hook) took ip_tryforward's fast path; the replies
      // are addressed to r itself, so ip_input has them, and forwards them once nat rewrote them.
      '\t34 packets forwarded (19 packets fast forwarded)',
      '',
    ].join('\n'),
  )
  assert.equal(r.err, '')
  // The GET came from the public address (httpServer saw the request through the translation).
  assert.equal(web.requests.length, 1)
})

test('nat.sh basic (ipfw): ping fails without NAT, succeeds with `nat 123 config if` and `nat 123 all`', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `kenv net.inet.ip.fw.default_to_accept=1 > /dev/null
kldload ipfw_nat
kldstat -q -m ipfw_nat || echo skip
e_host=$(ifconfig epair create)
e_c1=$(ifconfig epair create)
e_c2=$(ifconfig epair create)
jail -c name=nat vnet persist > /dev/null
jail -c name=client1 vnet persist > /dev/null
jail -c name=client2 vnet persist > /dev/null
ifconfig \${e_host%a}b vnet nat
ifconfig $e_c1 vnet nat
ifconfig $e_c2 vnet nat
ifconfig \${e_c1%a}b vnet client1
ifconfig \${e_c2%a}b vnet client2
ifconfig $e_host 198.51.100.2/24 up
jexec nat ifconfig \${e_host%a}b 198.51.100.1/24 up
jexec nat ifconfig $e_c1 192.0.2.1/24 up
jexec client1 ifconfig \${e_c1%a}b 192.0.2.2/24 up
jexec nat ifconfig $e_c2 192.0.3.1/24 up
jexec client2 ifconfig \${e_c2%a}b 192.0.3.2/24 up
jexec nat sysctl net.inet.ip.forwarding=1 > /dev/null
jexec client1 route add -net 198.51.100.0/24 192.0.2.1 > /dev/null
jexec client2 route add -net 198.51.100.0/24 192.0.3.1 > /dev/null
jexec client1 ping -t 1 -c 1 198.51.100.2 > /dev/null; echo c1_before=$?
jexec client2 ping -t 1 -c 1 198.51.100.2 > /dev/null; echo c2_before=$?
jexec nat ipfw -q -f flush
jexec nat ipfw -q nat 123 config if \${e_host%a}b
jexec nat ipfw -q add 1000 nat 123 all from any to any
jexec client1 ping -t 1 -c 1 198.51.100.2 > /dev/null; echo c1_after=$?
jexec client2 ping -t 1 -c 1 198.51.100.2 > /dev/null; echo c2_after=$?`,
  )
  assert.equal(r.out, 'c1_before=2\nc2_before=2\nc1_after=0\nc2_after=0\n', r.err)
})

test('rdr.sh basic (ipfw): a connection to 198.51.100.2:1234 is redirected to the jail at 192.0.2.1:4321', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `kenv net.inet.ip.fw.default_to_accept=1 > /dev/null
kldload ipfw_nat
epair=$(ifconfig epair create)
jail -c name=alcatraz vnet persist > /dev/null
ifconfig \${epair%a}b vnet alcatraz
ifconfig $epair 192.0.2.2/24 up
route -q add -net 198.51.100.0/24 192.0.2.1
jexec alcatraz ifconfig \${epair%a}b 192.0.2.1/24 up
jexec alcatraz sysctl net.inet.ip.forwarding=1 > /dev/null
jexec alcatraz ipfw -q nat 1 config ip 198.51.100.2 redirect_port tcp 192.0.2.1:4321 1234
jexec alcatraz ipfw -q add 100 nat 1 tcp from any to 198.51.100.2 1234 in recv \${epair%a}b
jexec alcatraz ipfw -q add 200 nat 1 tcp from 192.0.2.1 4321 to any out xmit \${epair%a}b
echo foo | jexec alcatraz nc -N -l 4321 &
sleep 1
result=$(nc -N -w 3 198.51.100.2 1234)
test "$result" = foo && echo redirected || echo "Redirect failed: $result"`,
  )
  assert.equal(r.out, 'redirected\n', r.err)
})

test('`if IF` follows the interface address; with `reset` the old flows go', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${HOME}
jexec r ipfw -q nat 1 config if $wan reset log
jexec r ipfw -q add 100 nat 1 ip from any to any via $wan
jexec h1 ping -c 1 203.0.113.2 > /dev/null; echo first=$?
jexec r ipfw nat show log
jexec r ifconfig $wan inet 203.0.113.9/24
jexec r ipfw nat show config
jexec r ipfw nat show log
jexec h1 ping -c 1 203.0.113.2 > /dev/null; echo second=$?
jexec s ipfw -q add 300 count ip from 203.0.113.9 to any in
jexec h1 ping -c 1 203.0.113.2 > /dev/null; echo third=$?
jexec s ipfw show 100 300`,
  )
  assert.equal(
    r.out,
    [
      'first=0',
      'nat 1: icmp=1, udp=0, tcp=0, sctp=0, pptp=0, proto=0, frag_id=0 frag_ptr=0 / tot=1',
      'ipfw nat 1 config if epair2a log reset',
      'nat 1: icmp=0, udp=0, tcp=0, sctp=0, pptp=0, proto=0, frag_id=0 frag_ptr=0 / tot=0',
      'second=0',
      'third=0',
      '00100 0  0 count ip from 10.0.0.0/8 to any in',
      '00300 1 84 count ip from 203.0.113.9 to any in',
      '',
    ].join('\n'),
    r.err,
  )
})

test('a flood of new flows through the NAT router: the link table stays bounded, refusals are counted, nothing leaks', async () => {
  const host = virtualHost()
  const setup = await sh(
    host,
    `${HOME}
jexec r ipfw -q nat 1 config if $wan
jexec r ipfw -q add 100 nat 1 ip from any to any via $wan
jexec h1 ping -c 1 203.0.113.2 > /dev/null; echo warm=$?`,
  )
  assert.equal(setup.out, 'warm=0\n', setup.err)
  const r = host.prison0.findDescendant('r')!.vnet
  const inside = r.ifByName('epair0b')!
  const h1 = host.prison0.findDescendant('h1')!.vnet.ifByName('epair0a')!
  const t = ipfw(r).nat!.find(1)!
  const s = parseIpv4('203.0.113.2')!
  const flows = NAT_LINKS_MAX + 4000
  const pool = host.env.pool
  const inUse = pool.inUse
  for (let k = 0; k < flows; k++) {
    // A new flow each time: another inside source address and port, towards one of 16 ports of s
    // (alias ports are unique per remote end: one remote port alone runs out of ports first).
    const src = (0x0a010000 | (2 + (k >>> 4))) >>> 0
    const sport = 1024 + (k & 15)
    const dport = 9000 + (k & 15)
    const d = ipv4({
      src,
      dst: s,
      proto: IpProto.UDP,
      ttl: 64,
      payload: udp(src, s, sport, dport, new Uint8Array(18)),
    })
    inside.receive(pool.copyIn(ether(inside.mac, h1.mac, EtherType.IPV4, d)))
  }
  const db = t.lib.db
  assert.equal(db.count, NAT_LINKS_MAX)
  assert.ok(db.cap <= NAT_LINKS_MAX)
  // The warm-up ping's link and the flood's first flows fill the table; the rest are refused.
  assert.equal(db.overflow, flows - NAT_LINKS_MAX + 1)
  assert.equal(t.denied, db.overflow)
  // Refused packets go back to the pool; what is still held is bounded (ARP hold queues for the
  // inside hosts s's port unreachables go back to), nothing like one buffer per flow.
  assert.ok(pool.inUse - inUse < 1024, `${pool.inUse - inUse} buffers held`)
  const after = await sh(
    host,
    `jexec s ipfw show 100
sleep 61
jexec h2 ping -c 1 203.0.113.2 > /dev/null; echo after_expiry=$?`,
  )
  assert.equal(after.out, '00100 0 0 count ip from 10.0.0.0/8 to any in\nafter_expiry=0\n', after.err)
})

test('after nat the packet passes with one_pass, or goes on through the rules after the nat rule without it', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${HOME}
jexec r ipfw -q nat 1 config if $wan
jexec r ipfw -q add 100 nat 1 ip from any to any via $wan
jexec r ipfw -q add 200 deny icmp from 203.0.113.1 to 203.0.113.2 out
jexec h1 ping -c 1 203.0.113.2 > /dev/null; echo one_pass=$?
jexec r sysctl net.inet.ip.fw.one_pass=0 > /dev/null
jexec h1 ping -c 1 -t 2 203.0.113.2 > /dev/null; echo again=$?
jexec r ipfw show 100 200
jexec r ipfw -q delete 200
jexec r ipfw -q add 300 nat global ip from any to any
jexec h1 ping -c 1 203.0.113.2 > /dev/null; echo global=$?
jexec s ipfw show 100`,
  )
  assert.equal(
    r.out,
    [
      'one_pass=0',
      // Without one_pass the translated request (now from the public address) meets rule 200.
      'again=2',
      '00100 3 252 nat 1 ip from any to any via epair2a',
      '00200 1  84 deny icmp from 203.0.113.1 to 203.0.113.2 out',
      'global=0',
      '00100 0 0 count ip from 10.0.0.0/8 to any in',
      '',
    ].join('\n'),
    r.err,
  )
})

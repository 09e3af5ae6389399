/**
 * FreeBSD's tests/sys/netpfil/common scenarios in their ipfw variants — pass_block (v4 and v6),
 * forward, tos and fragments — as our own scripts in the same shape: the host (vnet0) on one end of an epair and a
 * vnet jail `iron` on the other, or iron routing between two epairs toward a static ARP entry, with
 * the rules set the way utils.subr's firewall_config does (`ipfw -q -f flush`, then the rule) and,
 * beyond the originals, every rule's counters checked after each step. Virtual time throughout.
 *
 * Where FreeBSD's script needs what ipfw here has not (setdscp and dscp in tos.sh, reass in
 * fragments.sh, scapy's pft_ping.py), the scenario keeps its question and asks it with what exists:
 * iptos matches, frag matches, ping and the receiving interface's counters. No IPv6 meets the
 * counters: the epairs have no inet6 address, so IPv6 stays disabled on them (nd6_ifattach), as on
 * FreeBSD. nat, rdr and dummynet scenarios belong with ipfw nat and dummynet.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'

/** firewall_init for ipfw on a test host: the module, with default_to_accept as CI's loader.conf sets it. */
const FIREWALL_INIT = `kenv net.inet.ip.fw.default_to_accept=1 > /dev/null
kldload ipfw`

/** firewall_config "iron" ipfw RULE: the jail's rules replaced by one. */
const CONFIG = `firewall_config() { jexec iron ipfw -q -f flush; jexec iron ipfw -q "$@"; }`

/**
 * forward.sh's and tos.sh's setup: the host sends on epair_send into iron, which forwards out of
 * epair_recv to 198.51.100.3, a static ARP entry whose frames arrive back at the host's end of
 * epair_recv; received prints that interface's Ipkts (what pft_ping.py's sniffer would see).
 */
const FORWARD = `${FIREWALL_INIT}
${CONFIG}
epair_send=$(ifconfig epair create)
ifconfig \${epair_send} 192.0.2.1/24 up
epair_recv=$(ifconfig epair create)
ifconfig \${epair_recv} up
jail -c name=iron vnet persist > /dev/null
ifconfig \${epair_send%a}b vnet iron
ifconfig \${epair_recv%a}b vnet iron
jexec iron ifconfig \${epair_send%a}b 192.0.2.2/24 up
jexec iron ifconfig \${epair_recv%a}b 198.51.100.2/24 up
jexec iron sysctl net.inet.ip.forwarding=1 > /dev/null
jexec iron arp -s 198.51.100.3 00:01:02:03:04:05
route -q add -net 198.51.100.0/24 192.0.2.2
received() { set -- $(netstat -I \${epair_recv} -n | tail -n 1); echo received=$5; }
`

test('pass_block v4: deny all, then allow all, in the jail; the host pings it', async () => {
  const r = await sh(
    virtualHost(),
    `${FIREWALL_INIT}
${CONFIG}
epair=$(ifconfig epair create)
ifconfig \${epair} 192.0.2.1/24 up
jail -c name=iron vnet persist > /dev/null
ifconfig \${epair%a}b vnet iron
jexec iron ifconfig \${epair%a}b 192.0.2.2/24 up
firewall_config add 100 deny all from any to any
ping -c 1 -t 1 192.0.2.2 > /dev/null; echo block=$?
jexec iron ipfw show
firewall_config add 100 allow all from any to any
ping -c 1 -t 1 192.0.2.2 > /dev/null; echo pass=$?
jexec iron ipfw show
ipfw show`,
  )
  assert.equal(
    r.out,
    [
      'block=2',
      // The echo request; the epair's gratuitous ARP is not IP and never meets the chain.
      '00100 1 84 deny ip from any to any',
      '65535 0  0 allow ip from any to any',
      'pass=0',
      // A flush keeps the default rule's counters, as ipfw's does.
      '00100 2 168 allow ip from any to any',
      '65535 0   0 allow ip from any to any',
      // The host's own chain saw both requests out and the one reply in.
      '65535 3 252 allow ip from any to any',
      '',
    ].join('\n'),
  )
  assert.equal(r.err, '')
})

test('forward v4: iron forwards until it denies on the way in, then on the way out', async () => {
  const r = await sh(
    virtualHost(),
    `${FORWARD}
received
ping -c 1 -t 1 198.51.100.3 > /dev/null; echo ping=$?
received
firewall_config add 100 deny all from any to any in
ping -c 1 -t 1 198.51.100.3 > /dev/null
received
jexec iron ipfw show
firewall_config add 100 deny all from any to any out
ping -c 1 -t 1 198.51.100.3 > /dev/null
received
jexec iron ipfw show
firewall_config add 100 deny all from any to any out xmit \${epair_send%a}b
ping -c 1 -t 1 198.51.100.3 > /dev/null
received
jexec iron ipfw show`,
  )
  assert.equal(
    r.out,
    [
      // iron's gratuitous ARP for 198.51.100.2 came first.
      'received=1',
      // 198.51.100.3 never answers; the request's arrival is what counts (pft_ping.py's check).
      'ping=2',
      'received=2',
      // Denied in: nothing arrives.
      'received=2',
      '00100 1  84 deny ip from any to any in',
      '65535 2 168 allow ip from any to any',
      // Denied out: in passes, nothing arrives.
      'received=2',
      '00100 1  84 deny ip from any to any out',
      '65535 3 252 allow ip from any to any',
      // Out, but through the other interface: the request goes through.
      'received=3',
      '00100 0   0 deny ip from any to any out xmit epair0b',
      '65535 5 420 allow ip from any to any',
      '',
    ].join('\n'),
  )
})

test('tos: iron filters forwarded packets by their TOS bits (iptos), the rest go through', async () => {
  const r = await sh(
    virtualHost(),
    `${FORWARD}
firewall_config add 100 deny all from any to any iptos lowdelay
ping -c 1 -t 1 -z 16 198.51.100.3 > /dev/null
received
ping -c 1 -t 1 -z 24 198.51.100.3 > /dev/null
received
ping -c 1 -t 1 -z 8 198.51.100.3 > /dev/null
received
ping -c 1 -t 1 198.51.100.3 > /dev/null
received
jexec iron ipfw show
firewall_config add 100 deny all from any to any iptos throughput,!lowdelay
ping -c 1 -t 1 -z 8 198.51.100.3 > /dev/null
received
ping -c 1 -t 1 -z 24 198.51.100.3 > /dev/null
received
ping -c 1 -t 1 -z 11 198.51.100.3 > /dev/null
received
jexec iron ipfw show`,
  )
  assert.equal(
    r.out,
    [
      // lowdelay (0x10) alone and with throughput (0x18) are blocked; 0x08 and 0 pass. The first
      // count is iron's gratuitous ARP.
      'received=1',
      'received=1',
      'received=2',
      'received=3',
      '00100 2 168 deny ip from any to any iptos lowdelay',
      '65535 4 336 allow ip from any to any',
      // throughput without lowdelay: 0x08 and 0x0b (with both ECN bits) blocked, 0x18 passes.
      'received=3',
      'received=4',
      'received=4',
      '00100 2 168 deny ip from any to any iptos !lowdelay,throughput',
      '65535 6 504 allow ip from any to any',
      '',
    ].join('\n'),
  )
})

test('fragments: counted and denied per fragment; too many fragments fail at the host', async () => {
  const r = await sh(
    virtualHost(),
    `${FIREWALL_INIT}
${CONFIG}
epair=$(ifconfig epair create)
ifconfig \${epair%a}b inet 192.0.2.1/24 up
jail -c name=iron vnet persist > /dev/null
ifconfig \${epair} vnet iron
jexec iron ifconfig \${epair} 192.0.2.2/24 up
ifconfig \${epair%a}b mtu 200
jexec iron ifconfig \${epair} mtu 200
firewall_config add 100 count all from any to any frag in
jexec iron sysctl net.inet.ip.maxfragsperpacket=1024 > /dev/null
ping -c 1 -t 1 192.0.2.2 > /dev/null; echo small=$?
ping -c 1 -s 800 192.0.2.2 > /dev/null; echo fragmented=$?
jexec iron ipfw show
ping -c 1 -s 20000 192.0.2.2 > /dev/null; echo too_many=$?
jexec iron ipfw show 100
netstat -s -p ip | grep 'fragments* dropped'
firewall_config add 100 deny all from any to any frag in
ping -c 1 -s 800 -t 2 192.0.2.2 > /dev/null; echo frag_denied=$?
ping -c 1 -t 1 192.0.2.2 > /dev/null; echo small=$?
sleep 60
jexec iron ipfw show
jexec iron netstat -s -p ip | grep 'fragments* dropped'`,
  )
  assert.equal(
    r.out,
    [
      'small=0',
      // 808 bytes of ICMP in 176-byte pieces under a 200-byte MTU: 5 fragments, 4 of them not first.
      // The reply is counted whole: the chain sees output before fragmentation.
      'fragmented=0',
      '00100 4  712 count ip from any to any frag in',
      '65535 8 1904 allow ip from any to any',
      // The reply's 114 fragments exceed the host's own net.inet.ip.maxfragsperpacket (16), as in
      // FreeBSD's script, where only iron's limit is raised.
      'too_many=2',
      '00100 117 22804 count ip from any to any frag in',
      '\t102 fragments dropped (dup or out of space)',
      '\t0 fragments dropped after timeout',
      'frag_denied=2',
      'small=0',
      // The first fragment waited for the rest in iron's reassembly queue until it timed out.
      '00100   4   712 deny ip from any to any frag in',
      '65535 127 44640 allow ip from any to any',
      '\t0 fragments dropped (dup or out of space)',
      '\t1 fragment dropped after timeout',
      '',
    ].join('\n'),
  )
})

test('pass_block v6: deny all, then allow all, in the jail; the host pings it over IPv6', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${FIREWALL_INIT}
${CONFIG}
epair=$(ifconfig epair create)
ifconfig \${epair} inet6 fd7a:803f:cc4b::1/64 up no_dad
jail -c name=iron vnet persist > /dev/null
ifconfig \${epair%a}b vnet iron
jexec iron ifconfig \${epair%a}b inet6 fd7a:803f:cc4b::2/64 up no_dad
firewall_config add 100 deny all from any to any
ping -6 -c 1 -W 1 fd7a:803f:cc4b::2 > /dev/null; echo block=$?
firewall_config add 100 allow all from any to any
ping -6 -c 1 -W 1 fd7a:803f:cc4b::2 > /dev/null; echo pass=$?`,
  )
  assert.equal(r.out, 'block=2\npass=0\n', r.err)
})

/**
 * tayga(8) in a lab, in virtual time: an IPv6-only host pings an IPv4 host through the Well-Known
 * Prefix 64:ff9b::/96 and back, across a router whose persistent tun0 (`tayga --mktun`) carries
 * the dynamic pool and the prefix; the IPv4 host sees the pool address. Also the daemon's life:
 * pidfile, SIGTERM, `--rmtun`, and its refusals.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bootLab } from '../../../testing/lab_console.js'

const LAB = `name: nat64
nodes:
  h6: { kind: pc, interfaces: [ { name: eth0, ipv6: [ "fc00:1::2/64" ] } ], startup: [ "route -q add -inet6 default fc00:1::1" ] }
  h4: { kind: pc, interfaces: [ { name: eth0, address: 11.0.0.2/24 } ], routes: [ { to: default, via: 11.0.0.1 } ] }
  r:
    kind: router
    interfaces: [ { name: eth0, ipv6: [ "fc00:1::1/64" ] }, { name: eth1, address: 11.0.0.1/24 } ]
    startup:
      - "cat > /usr/local/etc/tayga.conf << EOF"
      - "tun-device tun0"
      - "ipv4-addr 192.168.255.1"
      - "ipv6-addr fc00:ff::1"
      - "prefix 64:ff9b::/96"
      - "dynamic-pool 192.168.255.0/24"
      - "data-dir /var/db/tayga"
      - "EOF"
      - "tayga --mktun"
      - "ifconfig tun0 inet6 -ifdisabled"
      - "ifconfig tun0 up"
      - "route -q add -net 192.168.255.0/24 -interface tun0"
      - "route -q add -inet6 64:ff9b::/96 -interface tun0"
      - "route -q add -inet6 fc00:ff::1 -interface tun0"
      - "tayga -p /var/run/tayga.pid"
links:
  - { a: h6, b: r:eth0 }
  - { a: h4, b: r:eth1 }
`

test('ping6 from an IPv6-only host to an IPv4 host through 64:ff9b::/96 and back', async () => {
  const lab = await bootLab(LAB, 7)
  // RFC 4862 §5.4: the hosts' addresses stay tentative (no source for ping6) until DAD is done.
  await lab.sleep(3)
  let r = await lab.line('h4 tcpdump -w /root/cap -ni eth0 icmp &')
  r = await lab.line('h6 ping6 -n -c 3 64:ff9b::11.0.0.2')
  assert.equal(r.status, 0, r.out)
  assert.match(r.out, /3 packets transmitted, 3 packets received, 0\.0% packet loss/)
  assert.match(r.out, /bytes from 64:ff9b::b00:2, icmp_seq=0 hlim=61 /)
  await lab.line('h4 pkill tcpdump')
  r = await lab.line('h4 tcpdump -nr /root/cap')
  // The IPv4 host sees a pool address, not the IPv6 host.
  const m = /IP (192\.168\.255\.\d+) > 11\.0\.0\.2: ICMP echo request/.exec(r.out)
  assert.ok(m, r.out)
  assert.match(r.out, new RegExp(`IP 11\\.0\\.0\\.2 > ${m[1]!.replace(/\./g, '\\.')}: ICMP echo reply`))
  assert.notEqual(m[1], '192.168.255.0')
  assert.notEqual(m[1], '192.168.255.1')
  // Once the IPv6 host holds that address, the IPv4 side can reach it by it.
  r = await lab.line(`h4 ping -c 1 ${m[1]}`)
  assert.equal(r.status, 0, r.out)
  r = await lab.line('r cat /var/db/tayga/dynamic.map')
  assert.match(r.out, new RegExp(`^${m[1]!.replace(/\./g, '\\.')}\\tfc00:1::2\\t\\d+$`, 'm'))
  // A private IPv4 address under the Well-Known Prefix is not translated (RFC 6052 §3.1).
  r = await lab.line('h6 ping6 -n -c 1 64:ff9b::10.0.0.1')
  assert.notEqual(r.status, 0)
  // TAYGA answers at its own addresses.
  r = await lab.line('h6 ping6 -n -c 1 fc00:ff::1')
  assert.equal(r.status, 0, r.out)
  r = await lab.line('h4 ping -c 1 192.168.255.1')
  assert.equal(r.status, 0, r.out)
  lab.destroy()
})

test('the daemon: pidfile, SIGTERM leaves a --mktun device, --rmtun removes it; refusals', async () => {
  const lab = await bootLab(LAB, 8)
  let r = await lab.line('r cat /var/run/tayga.pid')
  const pid = r.out.trim()
  assert.match(pid, /^\d+$/)
  r = await lab.line(`r kill ${pid}`)
  assert.equal(r.status, 0, r.out)
  await lab.sleep(1)
  r = await lab.line('r cat /var/run/tayga.pid')
  assert.notEqual(r.status, 0, 'the pidfile goes with the daemon')
  r = await lab.line('r ifconfig tun0')
  assert.equal(r.status, 0, 'a persistent device stays')
  r = await lab.line('r tayga --rmtun')
  assert.equal(r.status, 0, r.out)
  r = await lab.line('r ifconfig tun0')
  assert.notEqual(r.status, 0)
  r = await lab.line('r tayga -c /nonexistent')
  assert.equal(r.status, 1)
  assert.match(r.out, /^unable to open \/nonexistent, aborting: No such file or directory$/m)
  r = await lab.line('r tayga --bogus')
  assert.equal(r.status, 1)
  assert.match(r.out, /invalid option/)
  // Without --mktun, the daemon makes its device and takes it away again when it exits.
  r = await lab.line('r tayga -d &')
  await lab.sleep(1)
  r = await lab.line('r ifconfig tun0')
  assert.equal(r.status, 0, r.out)
  await lab.line('r pkill tayga')
  await lab.sleep(1)
  r = await lab.line('r ifconfig tun0')
  assert.notEqual(r.status, 0, r.out)
  lab.destroy()
})

test('-u/-g: unknown accounts refused before the configuration is read; the daemon drops to the user', async (t) => {
  const lab = await bootLab(LAB, 9)
  // A failed check must not leave the daemon running (the test would never end).
  t.after(() => lab.destroy())
  await lab.line('r pkill tayga')
  await lab.sleep(1)
  let r = await lab.line('r tayga -u nosuchuser -c /nonexistent')
  assert.equal(r.status, 1)
  assert.match(r.out, /^Error: user nosuchuser does not exist$/m, 'tayga.c checks the user first')
  r = await lab.line('r tayga -g nosuchgroup')
  assert.equal(r.status, 1)
  assert.match(r.out, /^Error: group nosuchgroup does not exist$/m)
  r = await lab.line('r tayga --mktun -u nobody')
  assert.equal(r.status, 1)
  assert.match(r.out, /^Error: cannot specify -u or --user with mktun\/rmtun operation$/m)
  r = await lab.line('r tayga --rmtun -g nobody')
  assert.match(r.out, /^Error: cannot specify -g or --group with mktun\/rmtun operation$/m)
  r = await lab.line('r tayga -r')
  assert.equal(r.status, 1)
  assert.match(r.out, /^Error: chroot is ineffective without also specifying the -u option/m)
  r = await lab.line('r pgrep tayga')
  assert.notEqual(r.status, 0, 'no daemon was left running by a refusal')
  // A user of the node's tree: the daemon runs as it and still translates.
  r = await lab.line('r tayga -u nobody -g nogroup -p /var/run/tayga.pid')
  assert.equal(r.status, 0, r.out)
  await lab.sleep(1)
  r = await lab.line('r pgrep -u 65534 tayga')
  assert.equal(r.status, 0, 'running as nobody (65534)')
  r = await lab.line('r pgrep -u root tayga')
  assert.notEqual(r.status, 0, 'no longer root')
  await lab.sleep(2)
  r = await lab.line('h6 ping6 -n -c 1 64:ff9b::11.0.0.2')
  assert.equal(r.status, 0, r.out)
})

test('SIGHUP ends tayga as every signal it catches does, after writing the dynamic maps', async (t) => {
  const lab = await bootLab(LAB, 10)
  // A failed check must not leave the daemon running (the test would never end).
  t.after(() => lab.destroy())
  await lab.sleep(3)
  let r = await lab.line('h6 ping6 -n -c 1 64:ff9b::11.0.0.2')
  assert.equal(r.status, 0, r.out)
  await lab.line('r pkill tayga')
  await lab.sleep(1)
  await lab.line('r rm /var/db/tayga/dynamic.map')
  r = await lab.line('r tayga -d > /root/tayga.log &')
  await lab.sleep(1)
  r = await lab.line('r pkill -HUP tayga')
  assert.equal(r.status, 0, r.out)
  await lab.sleep(1)
  r = await lab.line('r pgrep tayga')
  assert.notEqual(r.status, 0, 'SIGHUP ended it (TAYGA 0.9.2 reloads nothing)')
  r = await lab.line('r cat /root/tayga.log')
  assert.match(r.out, /^exiting on signal 1$/m)
  r = await lab.line('r cat /var/db/tayga/dynamic.map')
  assert.equal(r.status, 0, 'the dynamic maps were written on the way out')
  for (const sig of ['USR1', 'QUIT']) {
    await lab.line('r tayga -n &')
    await lab.sleep(1)
    await lab.line(`r pkill -${sig} tayga`)
    await lab.sleep(1)
    r = await lab.line('r pgrep tayga')
    assert.notEqual(r.status, 0, `SIG${sig} ends it too`)
  }
})

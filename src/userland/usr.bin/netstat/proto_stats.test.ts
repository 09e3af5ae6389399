/**
 * `netstat -s --libxo json|xml` for ip, icmp, udp and tcp, as FreeBSD 14's inet.c emits them: a
 * `statistics` container holding one container per protocol with inet.c's field names, ICMP's
 * histograms as lists of `name`/`count`, TCP's sub-containers and its per-state counts; each
 * encoded value checked against the text line of the same state, and the text itself unchanged by
 * going through libxo. After real traffic (a ping and a TCP exchange), so the counters are not 0.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'

const LAB = `jail -c name=a vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
e=$(ifconfig epair create)
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 192.0.2.1/24 up
jexec b ifconfig epair0b 192.0.2.2/24 up
jexec a ping -c 2 192.0.2.2 > /dev/null
jexec b nc -l 7000 > /dev/null &
sleep 1
echo hello | jexec a nc -N 192.0.2.2 7000
sleep 1
jexec a nc -u -w 1 192.0.2.2 9 < /dev/null
echo x | jexec a nc -u -w 1 192.0.2.2 9
sleep 2
`

async function outputs(cmds: Record<string, string>): Promise<Record<string, string>> {
  const r = await sh(
    virtualHost(),
    `${LAB}${Object.entries(cmds)
      .map(([k, c]) => `echo "=== ${k}"\n${c}`)
      .join('\n')}`,
  )
  const out: Record<string, string> = {}
  for (const part of r.out.split(/^=== /m).slice(1)) {
    const nl = part.indexOf('\n')
    out[part.slice(0, nl)] = part.slice(nl + 1)
  }
  return out
}

/** The number on the text line that ends with `tail`. */
function textCount(text: string, tail: RegExp): number {
  const m = new RegExp(`^\\t+(\\d+) ${tail.source}`, 'm').exec(text)
  assert.ok(m, `${tail} in\n${text}`)
  return Number(m[1])
}

test('netstat -s -p ip|icmp|udp --libxo json: inet.c field names, values as the text shows them', async () => {
  const o = await outputs({
    ip: 'jexec a netstat -s -p ip',
    ipj: 'jexec a netstat -s -p ip --libxo json',
    icmp: 'jexec b netstat -s -p icmp',
    icmpj: 'jexec b netstat -s -p icmp --libxo json',
    udp: 'jexec b netstat -s -p udp',
    udpj: 'jexec b netstat -s -p udp --libxo json,pretty',
    ipx: 'jexec a netstat -ss -p ip --libxo xml',
  })
  const ip = JSON.parse(o.ipj!).statistics.ip
  assert.ok(ip['sent-packets'] > 0)
  assert.equal(ip['sent-packets'], textCount(o.ip!, /packets? sent from this host/))
  assert.equal(ip['received-packets'], textCount(o.ip!, /total packets? received/))
  assert.equal(ip['received-local-packets'], textCount(o.ip!, /packets? for this host/))
  assert.equal(ip['forwarded-packets'], 0)
  assert.equal(ip['fast-forwarded-packets'], 0)
  assert.equal(ip['discard-bad-address'], 0)
  const icmp = JSON.parse(o.icmpj!).statistics.icmp
  assert.deepEqual(icmp['input-histogram'], [{ name: 'echo', count: 2 }])
  // The echo replies and the port unreachable for the datagram to port 9.
  assert.deepEqual(icmp['output-histogram'], [
    { name: 'echo reply', count: 2 },
    { name: 'destination unreachable', count: 1 },
  ])
  assert.equal(icmp['sent-packets'], textCount(o.icmp!, /message responses? generated/))
  assert.equal(icmp['icmp-address-responses'], 'disabled')
  const udp = JSON.parse(o.udpj!).statistics.udp
  assert.equal(udp['received-datagrams'], textCount(o.udp!, /datagrams? received/))
  assert.equal(udp['dropped-no-socket'], textCount(o.udp!, /dropped due to no socket/))
  assert.ok(udp['dropped-no-socket'] >= 1)
  assert.equal(udp['delivered-packets'], textCount(o.udp!, /delivered/))
  assert.match(o.udpj!, /^\{\n {2}"statistics": \{\n {4}"udp": \{\n {6}"received-datagrams": \d+,\n/)
  // -ss keeps only the non-zero counters, in XML too.
  assert.match(o.ipx!, /^<statistics><ip><received-packets>\d+<\/received-packets>/)
  assert.doesNotMatch(o.ipx!, /<dropped-bad-checksum>/)
})

test('netstat -s -p tcp --libxo json: the tcp container, its sub-containers and the per-state counts', async () => {
  const o = await outputs({
    tcp: 'jexec a netstat -s -p tcp',
    tcpj: 'jexec a netstat -s -p tcp --libxo json',
    all: 'jexec a netstat -s --libxo json',
  })
  const tcp = JSON.parse(o.tcpj!).statistics.tcp
  assert.ok(tcp['sent-packets'] > 0)
  assert.equal(tcp['sent-packets'], textCount(o.tcp!, /packets? sent/))
  assert.equal(tcp['sent-data-packets'], textCount(o.tcp!, /data packets? \(\d+ bytes?\)$/))
  assert.equal(tcp['connection-requests'], 1)
  assert.equal(tcp['connections-established'], textCount(o.tcp!, /connections? established/))
  assert.equal(typeof tcp.syncache['entries-added'], 'number')
  assert.equal(typeof tcp.sack['recovery-episodes'], 'number')
  assert.equal(typeof tcp.ecn['ce-packets'], 'number')
  assert.equal(typeof tcp['tcp-signature']['received-good-signature'], 'number')
  const states = tcp['TCP connection count by state']
  assert.equal(Object.keys(states).length, 11)
  assert.equal(states.CLOSED, textCount(o.tcp!, /connections? +in CLOSED state/))
  // Without -p: every protocol of protox[] in its order.
  assert.deepEqual(Object.keys(JSON.parse(o.all!).statistics), ['tcp', 'udp', 'ip', 'icmp', 'igmp', 'arp'])
})

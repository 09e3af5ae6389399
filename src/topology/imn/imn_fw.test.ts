/**
 * IMUNES custom configurations with firewall and NAT lines: natd's classic setup rewritten into
 * ipfw nat (one instance per divert port, options translated, anything else left as is with a
 * reason), the modules a script's ipfw lines need, and an .imn lab whose router's custom script
 * filters with ipfw — running, with the module loaded by the lab, in virtual time.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { consoleRun, silent } from '../../testing/lab_console.js'
import { Lab } from '../emulator.js'
import { loadImn } from './imn.js'
import { rewriteNatd, scriptModules } from './imn_fw.js'

test('natd and divert lines become ipfw nat; what cannot be rewritten is left with a reason', () => {
  const r = rewriteNatd([
    'ifconfig eth1 198.51.100.1/24',
    'ipfw -q add 50 divert natd ip from any to any via eth1',
    'natd -n eth1 -same_ports -u no -redirect_port tcp 10.0.0.80:80 8080 -dynamic -log yes',
    '/sbin/natd -alias_address 192.0.2.7 -port 8669 -deny_incoming -redirect_addr 10.0.0.9 192.0.2.9',
    '/sbin/ipfw add 60 divert 8669 ip from any to 192.0.2.7',
    'natd -f /etc/natd.conf',
    'natd -n $ext_if',
    'ipfw add 70 divert 8670',
    'natd -same_ports',
  ])
  assert.deepEqual(r.lines, [
    'ifconfig eth1 198.51.100.1/24',
    'ipfw -q add 50 nat 1 ip from any to any via eth1',
    'ipfw nat 1 config if eth1 same_ports redirect_port tcp 10.0.0.80:80 8080 log',
    'ipfw nat 2 config ip 192.0.2.7 deny_in redirect_addr 10.0.0.9 192.0.2.9',
    'ipfw add 60 nat 2 ip from any to 192.0.2.7',
    'natd -f /etc/natd.conf',
    'natd -n $ext_if',
    'ipfw add 70 nat 3',
    'natd -same_ports',
  ])
  assert.deepEqual(r.notes, [
    "natd needs divert sockets, which VirtNet lacks: 'ipfw -q add 50 divert natd ip from any to any via eth1' runs as 'ipfw -q add 50 nat 1 ip from any to any via eth1'",
    "natd needs divert sockets, which VirtNet lacks: 'natd -n eth1 -same_ports -u no -redirect_port tcp 10.0.0.80:80 8080 -dynamic -log yes' runs as 'ipfw nat 1 config if eth1 same_ports redirect_port tcp 10.0.0.80:80 8080 log'",
    "natd needs divert sockets, which VirtNet lacks: '/sbin/natd -alias_address 192.0.2.7 -port 8669 -deny_incoming -redirect_addr 10.0.0.9 192.0.2.9' runs as 'ipfw nat 2 config ip 192.0.2.7 deny_in redirect_addr 10.0.0.9 192.0.2.9'",
    "natd needs divert sockets, which VirtNet lacks: '/sbin/ipfw add 60 divert 8669 ip from any to 192.0.2.7' runs as 'ipfw add 60 nat 2 ip from any to 192.0.2.7'",
    "'natd -f /etc/natd.conf' cannot run: natd option -f has no ipfw nat counterpart here; left as is",
    "'natd -n $ext_if' cannot run (no divert sockets) and is too complex to rewrite; left as is",
    "natd needs divert sockets, which VirtNet lacks: 'ipfw add 70 divert 8670' runs as 'ipfw add 70 nat 3'",
    "'natd -same_ports' cannot run: natd needs -interface or -alias_address; left as is",
  ])
  // Scripts without natd or divert are untouched.
  assert.deepEqual(rewriteNatd(['ipfw add allow ip from any to any', 'echo natd']), {
    lines: ['ipfw add allow ip from any to any', 'echo natd'],
    notes: [],
  })
})

test('modules a script needs: ipfw, and ipfw_nat or dummynet by what its ipfw lines name', () => {
  assert.deepEqual(scriptModules(['ifconfig eth0 up', 'echo ipfw']), [])
  assert.deepEqual(scriptModules(['/sbin/ipfw -q add 100 deny ip from any to any']), ['ipfw'])
  assert.deepEqual(scriptModules(['ipfw nat 1 config if eth1; ipfw add nat 1 ip from any to any']), [
    'ipfw',
    'ipfw_nat',
  ])
  assert.deepEqual(scriptModules(['dnctl pipe 1 config bw 1Mbit/s']), ['ipfw', 'dummynet'])
  assert.deepEqual(scriptModules(['ipfw pipe 1 config bw 1Mbit/s && ipfw nat 2 config if eth0 # x']), [
    'ipfw',
    'ipfw_nat',
    'dummynet',
  ])
})

function iface(name: string, addr: string, link: string) {
  return { name, type: 'phys', ipv4_addrs: [addr], link }
}

/** pc1 — fw — pc2, fw's custom configuration given. */
function firewallLab(script: string[]): string {
  return JSON.stringify({
    nodes: {
      n0: {
        type: 'pc',
        name: 'pc1',
        ifaces: { ifc1: iface('eth0', '10.0.0.20/24', 'l0') },
        croutes4: ['0.0.0.0/0 10.0.0.1'],
      },
      n1: {
        type: 'router',
        name: 'fw',
        ifaces: { ifc1: iface('eth0', '10.0.0.1/24', 'l0'), ifc2: iface('eth1', '10.0.1.1/24', 'l1') },
        custom_enabled: 'true',
        custom_selected: { NODE_CONFIG: 'firewall' },
        custom_configs: {
          NODE_CONFIG: { firewall: { custom_command: '/bin/sh', custom_config: script.join('\n') } },
        },
      },
      n2: {
        type: 'pc',
        name: 'pc2',
        ifaces: { ifc1: iface('eth0', '10.0.1.20/24', 'l1') },
        croutes4: ['0.0.0.0/0 10.0.1.1'],
      },
    },
    links: {
      l0: { peers: 'n0 n1', peers_ifaces: 'ifc1 ifc1' },
      l1: { peers: 'n1 n2', peers_ifaces: 'ifc2 ifc1' },
    },
    options: { version: '2' },
  })
}

test('an .imn router whose custom script runs ipfw: the lab loads ipfw and the rules filter', async () => {
  const { topology, warnings } = loadImn(
    firewallLab([
      'ifconfig eth0 inet 10.0.0.1/24',
      'ifconfig eth1 inet 10.0.1.1/24',
      'sysctl net.inet.ip.forwarding=1',
      'ipfw -q add 100 deny icmp from 10.0.0.20 to 10.0.1.20 icmptypes 8',
      'ipfw -q add 200 allow ip from any to any',
    ]),
    'fw.imn',
  )
  assert.deepEqual(topology.modules, ['ipfw'])
  assert.equal(warnings.length, 1)
  assert.match(warnings[0]!, /n1 \(fw\): custom configuration 'firewall' runs at startup/)
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const lab = Lab.build(host, topology)
  assert.deepEqual(await lab.start(silent), [])
  const { out } = await consoleRun(
    lab,
    'pc1 ping -c 1 -t 2 10.0.1.20 > /dev/null; echo pc1=$?',
    'pc2 ping -c 1 10.0.0.20 > /dev/null; echo pc2=$?',
    'fw ipfw show',
  )
  assert.equal(
    out,
    [
      'pc1=2',
      'pc2=0',
      '00100  1  84 deny icmp from 10.0.0.20 to 10.0.1.20 icmptypes 8',
      // pc2's request and reply, each in and out, and (`ip` matches IPv6 too) four DAD probes of 64
      // bytes and four MLDv2 reports of 76; two more reports left before the custom rules were loaded.
      '00200 12 896 allow ip from any to any',
      '65535  2 152 allow ip from any to any',
      '',
    ].join('\n'),
  )
  lab.destroy()
  assert.deepEqual(
    host
      .syscalls()
      .kldstat()
      .map((k) => k.name),
    ['kernel'],
  )
  host.clock.stop()
})

test('an .imn NAT router set up with natd: rewritten to ipfw nat, with ipfw_nat loaded', () => {
  const { topology, warnings } = loadImn(
    firewallLab([
      'ifconfig eth0 inet 10.0.0.1/24',
      'ifconfig eth1 inet 10.0.1.1/24',
      'ipfw add 100 divert natd ip from any to any via eth1',
      'natd -interface eth1',
    ]),
    'nat.imn',
  )
  assert.deepEqual(topology.modules, ['ipfw', 'ipfw_nat'])
  assert.deepEqual(topology.nodes.find((n) => n.name === 'fw')!.startup.slice(2), [
    'ipfw add 100 nat 1 ip from any to any via eth1',
    'ipfw nat 1 config if eth1',
  ])
  assert.equal(warnings.filter((w) => w.includes('natd needs divert sockets')).length, 2)
})

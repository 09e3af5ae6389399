/**
 * IMUNES custom configurations with firewall and NAT lines: the modules a script's ipfw, dnctl and
 * natd lines need, and .imn labs whose router's custom script filters with ipfw or translates with
 * natd over a divert socket — running as written, with the modules loaded by the lab, in virtual time.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { consoleRun, silent } from '../../testing/lab_console.js'
import { Lab } from '../lab/emulator.js'
import { loadImn } from './imn.js'
import { scriptModules } from './imn_fw.js'

test('modules a script needs: ipfw, and ipfw_nat, ipdivert or dummynet by what its lines name', () => {
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
  assert.deepEqual(scriptModules(['/sbin/natd -n eth1', 'ipfw add 100 divert natd ip from any to any']), [
    'ipfw',
    'ipdivert',
  ])
  assert.deepEqual(scriptModules(['ipfw add 100 tee 8000 ip from any to any']), ['ipfw', 'ipdivert'])
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
      '00100 1  84 deny icmp from 10.0.0.20 to 10.0.1.20 icmptypes 8',
      // pc2's request and reply, each in and out; no IPv6 (the lab gives no inet6 address, so IPv6
      // stays disabled on the interfaces, as on FreeBSD).
      '00200 4 336 allow ip from any to any',
      '65535 0   0 allow ip from any to any',
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

test('an .imn NAT router set up with natd: run as written over a divert socket, ipdivert loaded', async () => {
  const { topology, warnings } = loadImn(
    firewallLab([
      'ifconfig eth0 inet 10.0.0.1/24',
      'ifconfig eth1 inet 10.0.1.1/24',
      'sysctl net.inet.ip.forwarding=1',
      'ipfw -q add 100 divert natd ip from any to any via eth1',
      'ipfw -q add 200 allow ip from any to any',
      'natd -interface eth1',
    ]),
    'nat.imn',
  )
  assert.deepEqual(topology.modules, ['ipfw', 'ipdivert'])
  assert.deepEqual(topology.nodes.find((n) => n.name === 'fw')!.startup.slice(3), [
    'ipfw -q add 100 divert natd ip from any to any via eth1',
    'ipfw -q add 200 allow ip from any to any',
    'natd -interface eth1',
  ])
  assert.deepEqual(
    warnings.filter((w) => !w.includes('runs at startup')),
    [],
  )
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const lab = Lab.build(host, topology)
  assert.deepEqual(await lab.start(silent), [])
  // Without its default route pc2 can answer only the router's own address: pc1's echo gets
  // through only as natd rewrote it.
  const { out } = await consoleRun(
    lab,
    'pc2 route -q delete default',
    'pc1 ping -c 1 -t 2 10.0.1.20 > /dev/null; echo pc1=$?',
    'fw killall natd',
    'pc1 ping -c 1 -t 2 10.0.1.20 > /dev/null; echo nonatd=$?',
  )
  // With natd gone the divert rule drops what it would have diverted (no socket on the port).
  assert.equal(out, ['pc1=0', 'nonatd=2', ''].join('\n'))
  lab.destroy()
  host.clock.stop()
})

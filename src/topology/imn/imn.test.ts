/**
 * IMUNES import: the hand-written labs under examples/imunes/ (written to shared/IMUNES.md) load with
 * the expected nodes, interfaces, addresses, routes, links and warnings; what IMUNES can express and
 * VirtNet cannot yet is a warning naming the node, never a failure.
 */

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { TopologyError } from '../file/diagnostics.js'
import type { Topology } from '../model.js'
import { loadImn } from './imn.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const example = (name: string) => readFileSync(resolve(ROOT, 'examples/imunes', name), 'utf8')

/** One line per node: `name kind [fwd] iface=addr,addr@mac ... | routes | startup`. */
function nodesOf(t: Topology): string[] {
  return t.nodes.map((n) => {
    const ifs = n.interfaces.map(
      (i) => `${i.name}=${i.addresses.join(',')}${i.mac ? `@${i.mac}` : ''}${i.mtu ? `/mtu${i.mtu}` : ''}`,
    )
    const routes = n.routes.map((r) => `${r.to}>${r.via}`)
    return [
      `${n.name} ${n.kind}${n.forwarding ? ' fwd' : ''}`,
      ...ifs,
      '|',
      ...routes,
      '|',
      ...n.startup,
    ].join(' ')
  })
}

function linksOf(t: Topology): string[] {
  return t.links.map((l) => {
    const dir = (x: typeof l.ab) =>
      [
        x.bandwidth && `bw=${x.bandwidth}`,
        x.delayNs && `delay=${x.delayNs}`,
        x.jitterNs && `jitter=${x.jitterNs}`,
        x.ber && `ber=${x.ber}`,
        x.loss && `loss=${x.loss}`,
        x.duplicate && `dup=${x.duplicate}`,
      ]
        .filter(Boolean)
        .join(',')
    return `${l.a.node}:${l.a.iface}-${l.b.node}:${l.b.iface}${l.direct ? ' direct' : ''} ab[${dir(l.ab)}] ba[${dir(l.ba)}]`
  })
}

describe('example labs', () => {
  test('two LANs behind a router, through lanswitches', () => {
    const { topology, warnings } = loadImn(example('two-lans.imn'), 'two-lans.imn')
    assert.equal(topology.name, 'two-lans')
    assert.deepEqual(nodesOf(topology), [
      'router1 router fwd eth0=192.168.1.1/24@42:00:aa:00:00:00 eth1=192.168.2.1/24@42:00:aa:00:00:01 | |',
      'switch1 switch e0= e1= e2= | |',
      'switch2 switch e0= e1= e2= | |',
      'pc1 pc eth0=192.168.1.20/24@42:00:aa:00:00:02/mtu1500 | 0.0.0.0/0>192.168.1.1 |',
      'pc2 pc eth0=192.168.1.21/24@42:00:aa:00:00:03 | 0.0.0.0/0>192.168.1.1 |',
      // No auto_default_routes member means enabled (IMUNES's default): a route toward router1.
      'pc3 pc eth0=192.168.2.20/24@42:00:aa:00:00:04 | 0.0.0.0/0>192.168.2.1 |',
      'server1 host eth0=192.168.2.10/24@42:00:aa:00:00:05 | 192.168.1.0/24>192.168.2.1 |',
    ])
    assert.deepEqual(linksOf(topology), [
      'router1:eth0-switch1:e0 ab[bw=100000000,delay=2000000] ba[bw=100000000,delay=2000000]',
      'router1:eth1-switch2:e0 ab[bw=10000000,delay=5000000,ber=0.000001,loss=0.01,dup=0.02] ba[bw=10000000,delay=5000000,ber=0.000001,loss=0.01,dup=0.02]',
      'pc1:eth0-switch1:e1 ab[] ba[]',
      'pc2:eth0-switch1:e2 direct ab[] ba[]',
      'pc3:eth0-switch2:e1 ab[] ba[]',
      'server1:eth0-switch2:e2 ab[] ba[]',
    ])
    assert.deepEqual(topology.nodes[0]!.interfaces[0]!.ipv6, ['fc00:1::1/64'])
    // Its IPv6 addresses and its IPv6 static route are configured now: nothing to warn about.
    assert.deepEqual(warnings, [])
    assert.equal(topology.nodes.filter((n) => n.routes6 !== undefined).length, 1)
  })

  test('a hub lab with a custom configuration, a loopback alias, services and jitter', () => {
    const { topology, warnings } = loadImn(example('hub.imn'), 'hub.imn')
    assert.deepEqual(nodesOf(topology), [
      'hub1 hub e0= e1= e2= e3= | |',
      // IMUNES configures interfaces apart from the custom script (IFACES_CONFIG): the address stays.
      'pc1 pc eth0=10.0.0.1/24@42:00:aa:00:00:10 | | ifconfig lo0 inet 127.0.0.1/8 ifconfig eth0 inet 10.0.0.1/24  echo "Success!" > /tmp/log',
      'pc2 pc eth0=10.0.0.2/24@42:00:aa:00:00:11 | | ifconfig lo0 inet 10.255.0.2/32 alias',
      'server host eth0=10.0.0.10/24@42:00:aa:00:00:12 | |',
      'pc3 pc eth0=10.0.0.3/24@42:00:aa:00:00:13 | |',
    ])
    assert.deepEqual(topology.nodes[1]!.startup, [
      'ifconfig lo0 inet 127.0.0.1/8',
      'ifconfig eth0 inet 10.0.0.1/24',
      '',
      'echo "Success!" > /tmp/log',
    ])
    assert.deepEqual(linksOf(topology), [
      'pc1:eth0-hub1:e0 ab[bw=1000000] ba[bw=1000000]',
      'pc2:eth0-hub1:e1 ab[delay=10000000,loss=0.05] ba[delay=10000000,loss=0.05]',
      // jitter_upstream 1000 2000 3000 µs, b -> a: delay 2 ms ± 1 ms.
      'server:eth0-hub1:e2 ab[] ba[delay=2000000,jitter=1000000]',
      'pc3:eth0-hub1:e3 ab[] ba[]',
    ])
    assert.deepEqual(warnings, [
      "hub.imn:13: n1 (pc1): custom configuration 'newconf' runs at startup (4 line(s)) after the file's addresses, as in IMUNES",
      'hub.imn:98: l2: jitter_upstream (a list of delays) is approximated as uniform jitter from 1000 to 3000 µs',
    ])
    // IMUNES's services run (services.ts), named with the node's IMUNES id for its runtime directory.
    assert.deepEqual(topology.nodes.find((n) => n.name === 'server')?.services, {
      names: ['ssh', 'ftp'],
      id: 'n3',
    })
  })

  test('dynamic routing, rj45 and stpswitch nodes, a link across canvases', () => {
    const { topology, warnings } = loadImn(example('dynamic-routing.imn'), 'dynamic-routing.imn')
    // The rj45 node takes the machine's em0 (the name of its stolen interface), raw.
    assert.deepEqual(topology.nodes.find((n) => n.name === 'em0')?.rj45, { interface: 'em0' })
    assert.deepEqual(nodesOf(topology), [
      // rip 1 ripng 1 on an frr router: ripd and ripngd with IMUNES's generated blocks, through vtysh.
      'router1 router fwd eth0=10.0.0.1/24@42:00:aa:00:00:20 eth1=10.0.1.1/24@42:00:aa:00:00:21 | 10.0.3.0/24>10.0.1.2 | ripd -d vtysh << __EOF__ configure terminal router rip  redistribute static  redistribute connected  network 0.0.0.0/0 ! __EOF__ ripngd -d vtysh << __EOF__ configure terminal router ripng  redistribute static  redistribute connected  network ::/0 ! __EOF__',
      // ospf 1 ospf6 1: ospfd and ospf6d with IMUNES's generated FRR configuration (router-id 1 + n1).
      'router2 router fwd eth0=10.0.1.2/24@42:00:aa:00:00:22 eth1=10.0.2.1/24@42:00:aa:00:00:23 eth2=10.0.3.1/24@42:00:aa:00:00:24 | 10.0.0.0/24>10.0.1.1 | ospf6d -d vtysh << __EOF__ configure terminal interface eth0  ipv6 ospf6 area 0.0.0.0 ! interface eth1  ipv6 ospf6 area 0.0.0.0 ! interface eth2  ipv6 ospf6 area 0.0.0.0 ! router ospf6  ospf6 router-id 0.0.0.2  redistribute static  redistribute connected ! __EOF__ ospfd -d vtysh << __EOF__ configure terminal router ospf  redistribute static  redistribute connected  network 0.0.0.0/0 area 0.0.0.0 ! __EOF__',
      'router3 router fwd eth0=10.0.2.2/24@42:00:aa:00:00:25 eth1=192.168.100.1/24@42:00:aa:00:00:26 eth2=10.0.4.1/24@42:00:aa:00:00:27 | | bgpd -d vtysh << __EOF__ conf term router bgp 1000  bgp router-id 127.0.0.1  no bgp ebgp-requires-policy  neighbor DEFAULT peer-group  neighbor DEFAULT remote-as 1000  neighbor DEFAULT update-source 127.0.0.1  redistribute static  redistribute connected ! __EOF__',
      'pc1 pc eth0=10.0.0.20/24@42:00:aa:00:00:28 | 0.0.0.0/0>10.0.0.1 |',
      'em0 external em0= | |',
      'pc2 pc eth0=10.0.3.20/24@42:00:aa:00:00:29 | 0.0.0.0/0>10.0.3.1 |',
    ])
    assert.deepEqual(linksOf(topology), [
      'pc1:eth0-router1:eth0 ab[bw=100000000] ba[bw=100000000]',
      'router1:eth1-router2:eth0 ab[bw=10000000,delay=20000000] ba[bw=10000000,delay=20000000]',
      'router2:eth1-router3:eth0 ab[bw=10000000,delay=20000000] ba[bw=10000000,delay=20000000]',
      'router3:eth1-em0:em0 ab[] ba[]',
      'router2:eth2-pc2:eth0 ab[delay=1000000] ba[delay=1000000]',
    ])
    assert.deepEqual(warnings, [
      'dynamic-routing.imn:114: n5 (rstp1): node type stpswitch (a spanning-tree switch) is not supported yet; node skipped',
      'dynamic-routing.imn:151: l4: link to n5 (rstp1) dropped: stpswitch is not supported',
    ])
  })
})

describe('edge cases', () => {
  const lab = (nodes: object, links: object = {}) => JSON.stringify({ nodes, links }, null, 2)
  const pc = (name: string, addr: string, link: string, extra: object = {}) => ({
    type: 'pc',
    name,
    ifaces: { ifc1: { name: 'eth0', type: 'phys', ipv4_addrs: [addr], link } },
    auto_default_routes: 'disabled',
    ...extra,
  })

  test('unreadable or non-IMUNES text is the only error', () => {
    const err = (text: string) => {
      try {
        loadImn(text, 'x.imn')
      } catch (e) {
        assert.ok(e instanceof TopologyError)
        return e.errors
      }
      assert.fail('expected an error')
    }
    assert.deepEqual(err('node n0 {\n    type router\n}\n'), [
      'x.imn:1: this is the legacy (Tcl-like) IMUNES format; open and save it with a current IMUNES to convert it to JSON',
    ])
    assert.deepEqual(err('[1, 2]'), ['x.imn:1: not an IMUNES lab: expected a JSON object with "nodes"'])
    assert.deepEqual(err('{"nodes": {'), [
      'x.imn:1: syntax error: Flow map in block collection must be sufficiently indented and end with a }',
      'x.imn:1: syntax error: Flow map must end with a }',
    ])
  })

  test('anycast: the same address on two hosts is a warning for IMUNES labs', () => {
    const { topology, warnings } = loadImn(
      lab(
        { n0: pc('a', '8.8.8.8/24', 'l0'), n1: pc('b', '8.8.8.8/24', 'l0') },
        { l0: { peers: 'n0 n1', peers_ifaces: 'ifc1 ifc1' } },
      ),
      'any.imn',
    )
    assert.equal(topology.links.length, 1)
    assert.deepEqual(warnings, ['any.imn:18: n1 (b) eth0: eth0 address 8.8.8.8/24 is also used by a eth0'])
  })

  test('bad values become warnings and are left out', () => {
    const { topology, warnings } = loadImn(
      lab(
        {
          n0: {
            type: 'router',
            name: 'r 1',
            router_config: { ospf: '1', rip: '0' },
            services: 'ssh ipsec',
            ifaces: {
              ifc1: {
                name: 'eth0',
                type: 'phys',
                ipv4_addrs: ['10.0.0.1/24', '10.0.0.999/24'],
                mac: 'zz',
                mtu: '99999',
                link: 'l0',
              },
              ifc2: { name: 'eth0.10', type: 'vlan', vlan_tag: '10' },
            },
            croutes4: ['10.9.0.0/16', '0.0.0.0/0 10.0.0.2'],
            custom_enabled: 'true',
            custom_selected: 'NODE_CONFIG frr',
            custom_configs: {
              NODE_CONFIG: { frr: { custom_command: 'vtysh -b', custom_config: 'router ospf' } },
            },
            foo: 1,
          },
          n1: { ...pc('pc', '10.0.0.2/24', 'l0'), type: 'pc' },
          n2: { type: 'wlan', name: 'air' },
          n3: { type: 'teleporter', name: 'beam' },
          n4: { type: 'pc', name: 'pc' },
        },
        {
          l0: {
            peers: 'n0 n1',
            peers_ifaces: 'ifc1 ifc1',
            bandwidth: 'fast',
            loss: '150',
            events: ['10 ber const 1000'],
          },
          l1: { peers: 'n0 n9', peers_ifaces: 'ifc1 ifc1' },
          l2: { peers: 'n0' },
        },
      ),
      'bad.imn',
    )
    assert.deepEqual(nodesOf(topology), [
      'r_1 router fwd eth0=10.0.0.1/24 | 0.0.0.0/0>10.0.0.2 | ospfd -d vtysh << __EOF__ configure terminal router ospf  redistribute static  redistribute connected  network 0.0.0.0/0 area 0.0.0.0 ! __EOF__',
      'pc pc eth0=10.0.0.2/24 | |',
      'pc-n4 pc | |',
    ])
    assert.deepEqual(linksOf(topology), ['r_1:eth0-pc:eth0 ab[] ba[]'])
    assert.deepEqual(warnings, [
      "bad.imn:3: n0 (r 1): named 'r_1' (node names are letters, digits, '-' and '_', unique)",
      "bad.imn:3: n0 (r_1): unknown key 'foo' ignored",
      'bad.imn:3: n0 (r_1): services are not supported yet: ipsec will not run',
      'bad.imn:3: n0 (r_1): static route "10.9.0.0/16" is not "DEST/LEN GATEWAY"; ignored',
      "bad.imn:3: n0 (r_1): custom configuration 'frr' runs 'vtysh -b', which is not supported; using the generated one",
      "bad.imn:12: n0 (r_1): eth0: '10.0.0.999/24' is not an IPv4 address/prefix; ignored",
      "bad.imn:12: n0 (r_1): eth0: 'zz' is not a MAC address; a generated one is used",
      'bad.imn:12: n0 (r_1): eth0: MTU "99999" is out of range (68..9000); ignored',
      'bad.imn:23: n0 (r_1): eth0.10: vlan interface needs vlan_dev and a vlan_tag of 1..4094; ignored',
      'bad.imn:60: n2 (air): node type wlan (wireless LAN) is not supported yet; node skipped',
      "bad.imn:64: n3 (beam): unknown node type 'teleporter'; node skipped",
      "bad.imn:68: n4 (pc): named 'pc-n4' (node names are letters, digits, '-' and '_', unique)",
      'bad.imn:74: l0: events are not supported yet; ignored',
      'bad.imn:74: l0: bandwidth "fast" is not a number in 100..1e12 bit/s; ignored',
      'bad.imn:74: l0: loss "150" is not a number in 0..100 %; ignored',
      'bad.imn:83: l1: peer n9 is not a node of this lab; link skipped',
      'bad.imn:87: l2: peers "n0" does not name two nodes; link skipped',
    ])
  })

  test('older files: interfaces keyed by name, no peers_ifaces, strings for lists', () => {
    const { topology } = loadImn(
      JSON.stringify({
        nodes: {
          n0: {
            type: 'router',
            name: 'r',
            ifaces: { eth0: { type: 'phys', ipv4_addrs: '10.0.0.1/24', link: 'l0' } },
            croutes4: '10.9.0.0/16 10.0.0.2',
          },
          n1: {
            type: 'host',
            name: 'h',
            ifaces: { eth0: { type: 'phys', ipv4_addrs: ['10.0.0.2/24'], link: 'l0' } },
          },
        },
        links: { l0: { peers: ['n0', 'n1'] } },
      }),
      'old.imn',
    )
    assert.deepEqual(nodesOf(topology), [
      'r router fwd eth0=10.0.0.1/24 | 10.9.0.0/16>10.0.0.2 |',
      'h host eth0=10.0.0.2/24 | 0.0.0.0/0>10.0.0.1 |',
    ])
    assert.deepEqual(linksOf(topology), ['r:eth0-h:eth0 ab[] ba[]'])
  })

  test('a lab without links, and one without any usable node', () => {
    assert.equal(
      loadImn(JSON.stringify({ nodes: { n0: { type: 'pc', name: 'alone' } } }), 'a.imn').topology.nodes
        .length,
      1,
    )
    const { topology, warnings } = loadImn(
      JSON.stringify({ nodes: { n0: { type: 'wlan' } }, links: {} }),
      'b.imn',
    )
    assert.deepEqual(topology.nodes, [])
    assert.deepEqual(warnings, [
      'b.imn:1: n0 (n0): node type wlan (wireless LAN) is not supported yet; node skipped',
    ])
  })
})

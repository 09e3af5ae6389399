/**
 * loadTopology on YAML and JSON: a valid lab resolves to the exact model, and each kind of mistake
 * gives its exact message with file, line and path — in JSON too, where the line comes from the YAML
 * parser reading the JSON. Everything wrong in a file is reported at once.
 */

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { noImpairment } from '../model.js'
import { TopologyError } from './diagnostics.js'
import { loadAny, loadTopology } from './load.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')

function errorsOf(text: string, file = 'lab.yaml'): string[] {
  try {
    loadTopology(text, file)
  } catch (e) {
    assert.ok(e instanceof TopologyError, `not a TopologyError: ${String(e)}`)
    return [...e.errors]
  }
  assert.fail('expected a TopologyError')
}

function warningsOf(text: string, file = 'lab.yaml'): string[] {
  return loadTopology(text, file).warnings
}

/** A tiny valid lab to mutate: pc1 -- r1 -- pc2. */
const BASE = `nodes:
  pc1:
    kind: pc
    interfaces:
      - { name: eth0, address: 10.0.1.10/24 }
    routes:
      - { to: default, via: 10.0.1.1 }
  r1:
    kind: router
    interfaces:
      - { name: eth0, address: 10.0.1.1/24 }
      - { name: eth1, address: 10.0.2.1/24 }
  pc2:
    kind: pc
    interfaces:
      - { name: eth0, address: 10.0.2.10/24 }
    routes:
      - { to: default, via: 10.0.2.1 }
links:
  - { a: pc1, b: r1:eth0 }
  - { a: r1:eth1, b: pc2:eth0 }
`

describe('valid labs', () => {
  test('YAML resolves to the full model', () => {
    const { topology, warnings } = loadTopology(
      `name: mini
nodes:
  pc1:
    kind: pc
    interfaces:
      - name: eth0
        address: 10.0.0.2/24
        addresses: [10.0.0.3/24]
        mac: 42:00:AA:00:00:01
        mtu: 1400
    routes:
      - { to: default, via: 10.0.0.1 }
      - { to: 192.168.7.7, via: 10.0.0.1 }
    startup: |
      echo one
      echo two
  r1:
    kind: router
    forwarding: false
    interfaces: [{ name: eth0, address: 10.0.0.1/24 }]
  sw:
    kind: switch
links:
  - a: pc1
    b: sw
    impair:
      bandwidth: 10Mbit
      delay: 5ms
      jitter: 1ms
      jitterDist: normal
      loss: 1%
      ber: 1e-6
      duplicate: 0.5%
      reorder: 0.02
      queue: 20
      queueBytes: 30000
      discipline: drr
      drop: head
      ba: { bandwidth: 1Gbps, gilbert: { p: 0.01, r: 30% } }
  - { a: sw, b: r1, up: false, direct: true }
`,
      'labs/mini.yaml',
    )
    assert.deepEqual(warnings, [])
    const ab = {
      ...noImpairment(),
      bandwidth: 10_000_000,
      delayNs: 5_000_000,
      jitterNs: 1_000_000,
      jitterDist: 'normal' as const,
      loss: 0.01,
      ber: 1e-6,
      duplicate: 0.005,
      reorder: 0.02,
      queue: 20,
      queueBytes: 30000,
      discipline: 'drr' as const,
      drop: 'head' as const,
    }
    assert.deepEqual(topology, {
      name: 'mini',
      auto: { addressing: null, defaultRoutes: false, routes: false },
      nodes: [
        {
          name: 'pc1',
          kind: 'pc',
          forwarding: false,
          interfaces: [
            {
              name: 'eth0',
              addresses: ['10.0.0.2/24', '10.0.0.3/24'],
              ipv6: [],
              mac: '42:00:aa:00:00:01',
              mtu: 1400,
            },
          ],
          routes: [
            { to: '0.0.0.0/0', via: '10.0.0.1' },
            { to: '192.168.7.7/32', via: '10.0.0.1' },
          ],
          startup: ['echo one', 'echo two'],
        },
        {
          name: 'r1',
          kind: 'router',
          forwarding: false,
          interfaces: [{ name: 'eth0', addresses: ['10.0.0.1/24'], ipv6: [], mac: null, mtu: null }],
          routes: [],
          startup: [],
        },
        {
          name: 'sw',
          kind: 'switch',
          forwarding: false,
          interfaces: [
            { name: 'eth0', addresses: [], ipv6: [], mac: null, mtu: null },
            { name: 'eth1', addresses: [], ipv6: [], mac: null, mtu: null },
          ],
          routes: [],
          startup: [],
        },
      ],
      links: [
        {
          a: { node: 'pc1', iface: 'eth0' },
          b: { node: 'sw', iface: 'eth0' },
          up: true,
          direct: false,
          ab,
          ba: { ...ab, bandwidth: 1_000_000_000, gilbert: { p: 0.01, r: 0.3, h: 0, k: 1 } },
        },
        {
          a: { node: 'sw', iface: 'eth1' },
          b: { node: 'r1', iface: 'eth0' },
          up: false,
          direct: true,
          ab: noImpairment(),
          ba: noImpairment(),
        },
      ],
    })
  })

  test('JSON gives the same model as the equivalent YAML', () => {
    const json = JSON.stringify({
      nodes: {
        pc1: {
          kind: 'pc',
          interfaces: [{ name: 'eth0', address: '10.0.1.10/24' }],
          routes: [{ to: 'default', via: '10.0.1.1' }],
        },
        r1: {
          kind: 'router',
          interfaces: [
            { name: 'eth0', address: '10.0.1.1/24' },
            { name: 'eth1', address: '10.0.2.1/24' },
          ],
        },
        pc2: {
          kind: 'pc',
          interfaces: [{ name: 'eth0', address: '10.0.2.10/24' }],
          routes: [{ to: 'default', via: '10.0.2.1' }],
        },
      },
      links: [
        { a: 'pc1', b: 'r1:eth0' },
        { a: 'r1:eth1', b: 'pc2:eth0' },
      ],
    })
    assert.deepEqual(loadTopology(json, 'lab.json'), loadTopology(BASE, 'lab.yaml'))
  })

  test('defaults < defaults.ab < impair < impair.ab, field by field', () => {
    const { topology } = loadTopology(
      `nodes: { a: { kind: pc }, b: { kind: pc } }
defaults:
  impair: { delay: 1ms, bandwidth: 1Mbit, loss: 1%, ab: { delay: 2ms, loss: 2% } }
links:
  - { a: a, b: b, impair: { delay: 3ms, ba: { bandwidth: 5Mbit } } }
  - { a: a, b: b }
`,
      'lab.yaml',
    )
    const [l0, l1] = topology.links
    assert.deepEqual([l0!.ab.delayNs, l0!.ab.bandwidth, l0!.ab.loss], [3e6, 1e6, 0.02])
    assert.deepEqual([l0!.ba.delayNs, l0!.ba.bandwidth, l0!.ba.loss], [3e6, 5e6, 0.01])
    assert.deepEqual([l1!.ab.delayNs, l1!.ba.delayNs], [2e6, 1e6])
  })

  test('bare endpoints take listed free interfaces first, never one another link names', () => {
    const { topology } = loadTopology(
      `nodes:
  r1:
    kind: router
    interfaces: [{ name: eth0, address: 10.0.0.1/24 }, { name: wan, address: 10.0.9.1/24 }]
  a: { kind: pc }
  b: { kind: pc }
  c: { kind: pc }
links:
  - { a: r1, b: a }
  - { a: r1, b: b }
  - { a: r1:eth0, b: c }
`,
      'lab.yaml',
    )
    assert.deepEqual(
      topology.links.map((l) => `${l.a.node}:${l.a.iface}-${l.b.node}:${l.b.iface}`),
      ['r1:wan-a:eth0', 'r1:eth1-b:eth0', 'r1:eth0-c:eth0'],
    )
  })

  test('the lab name defaults to the file name; a bare number-like name gets a prefix', () => {
    assert.equal(loadTopology('nodes: {}', 'dir/my lab.yaml').topology.name, 'my_lab')
    assert.equal(loadTopology('nodes: {}', '2024.yml').topology.name, 'lab2024')
  })

  test('every `yaml lab` example in docs/topology.md loads without warnings but the IPv6 note', () => {
    const doc = readFileSync(resolve(ROOT, 'docs/topology.md'), 'utf8')
    const blocks = [...doc.matchAll(/```yaml lab\n([\s\S]*?)```/g)].map((m) => m[1]!)
    assert.ok(blocks.length >= 2)
    for (const b of blocks) {
      const { warnings } = loadTopology(b, 'doc.yaml')
      assert.deepEqual(
        warnings.filter((w) => !w.includes('IPv6 is not supported yet')),
        [],
      )
    }
  })

  test('the labs in examples/topology load without warnings but the IPv6 note', () => {
    for (const f of ['office.yaml', 'office-auto.yaml']) {
      const { warnings } = loadTopology(readFileSync(resolve(ROOT, 'examples/topology', f), 'utf8'), f)
      assert.deepEqual(
        warnings.filter((w) => !w.includes('IPv6 is not supported yet')),
        [],
      )
    }
  })

  test('loadAny dispatches on extension and content', () => {
    assert.equal(loadAny(BASE, 'x.yml').topology.nodes.length, 3)
    const imn = readFileSync(resolve(ROOT, 'examples/imunes/hub.imn'), 'utf8')
    assert.equal(loadAny(imn, 'hub.json').topology.nodes[0]!.kind, 'hub')
    assert.equal(loadAny(imn, 'hub').topology.nodes[0]!.kind, 'hub')
    assert.equal(
      loadAny(JSON.stringify({ nodes: { a: { kind: 'pc' } } }), 'lab.json').topology.nodes[0]!.name,
      'a',
    )
  })
})

describe('errors name file, line and path', () => {
  test('syntax errors', () => {
    assert.deepEqual(errorsOf('nodes:\n  a: [\n'), [
      'lab.yaml:3: syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ])
    assert.deepEqual(errorsOf('nodes: {}\nnodes: {}\n'), [
      'lab.yaml:2: syntax error: Map keys must be unique',
    ])
    assert.deepEqual(
      errorsOf('{\n  "nodes": {\n    "a": {"kind": "pc"},\n    "a": {"kind": "pc"}\n  }\n}', 'l.json'),
      ['l.json:4: syntax error: Map keys must be unique'],
    )
  })

  test('the document must be an object', () => {
    assert.deepEqual(errorsOf(''), [
      'lab.yaml:1: expected a topology (an object with nodes and links), got nothing',
    ])
    assert.deepEqual(errorsOf('- a\n'), [
      'lab.yaml:1: expected a topology (an object with nodes and links), got a list',
    ])
    assert.deepEqual(errorsOf('"x"', 'lab.json'), [
      "lab.json:1: expected a topology (an object with nodes and links), got 'x'",
    ])
  })

  test('structure: missing and unknown keys, wrong types, enums', () => {
    assert.deepEqual(errorsOf('link: []\n'), [
      "lab.yaml:1: missing 'nodes'",
      "lab.yaml:1: unknown property 'link' (did you mean 'links'?)",
    ])
    assert.deepEqual(
      errorsOf(`nodes:
  pc1:
    kind: pcc
  r1:
    forwarding: yes
  r2:
  "bad name": { kind: hub }
  9lives: { kind: hub }
links: {}
`),
      [
        "lab.yaml:3: nodes.pc1.kind: 'pcc' is not one of pc, host, router, nat, switch, hub, external (did you mean 'pc'?)",
        "lab.yaml:4: nodes.r1: missing 'kind' (pc, host, router, nat, switch, hub, external)",
        "lab.yaml:5: nodes.r1.forwarding: expected true or false, got 'yes'",
        'lab.yaml:6: nodes.r2: expected an object, got nothing',
        "lab.yaml:7: nodes[\"bad name\"]: 'bad name' is not a valid node name (a letter, then letters, digits, '-' or '_')",
        "lab.yaml:8: nodes[\"9lives\"]: '9lives' is not a valid node name (a letter, then letters, digits, '-' or '_')",
        'lab.yaml:9: links: expected a list, got an object',
      ],
    )
  })

  test('interfaces: names, addresses, MACs, MTUs', () => {
    assert.deepEqual(
      errorsOf(`nodes:
  r1:
    kind: router
    interfaces:
      - name: eth0
        adress: 10.0.0.1/24
      - name: eth1
        address: x
      - { name: eth2, address: 10.0.0.300/24 }
      - { name: eth3, address: 10.0.0.1/33 }
      - { name: eth4, address: 10.01.0.1/24, addresses: [10.0.4.1] }
      - { name: eth5, mac: 42:00:aa:00:00, mtu: 10 }
      - { name: eth6, mtu: 1500.5, ipv6: [not-v6] }
      - { name: 0eth }
`),
      [
        "lab.yaml:6: nodes.r1.interfaces[0]: unknown property 'adress' (did you mean 'address'?)",
        "lab.yaml:8: nodes.r1.interfaces[1].address: 'x' is not an IPv4 address/prefix",
        "lab.yaml:9: nodes.r1.interfaces[2].address: '10.0.0.300/24' is not an IPv4 address/prefix",
        "lab.yaml:10: nodes.r1.interfaces[3].address: '10.0.0.1/33' is not an IPv4 address/prefix",
        "lab.yaml:11: nodes.r1.interfaces[4].address: '10.01.0.1/24' is not an IPv4 address/prefix",
        "lab.yaml:11: nodes.r1.interfaces[4].addresses[0]: '10.0.4.1' is not an IPv4 address/prefix",
        "lab.yaml:12: nodes.r1.interfaces[5].mac: '42:00:aa:00:00' is not a MAC address",
        'lab.yaml:12: nodes.r1.interfaces[5].mtu: 10 is less than the minimum 68',
        "lab.yaml:13: nodes.r1.interfaces[6].ipv6[0]: 'not-v6' is not an IPv6 address/prefix",
        'lab.yaml:13: nodes.r1.interfaces[6].mtu: expected an integer, got 1500.5',
        "lab.yaml:14: nodes.r1.interfaces[7].name: '0eth' is not an interface name",
      ],
    )
  })

  test('interfaces: semantic problems', () => {
    assert.deepEqual(
      errorsOf(`nodes:
  r1:
    kind: router
    interfaces:
      - { name: eth0, address: 10.0.0.0/24 }
      - { name: eth1, address: 10.0.1.255/24 }
      - { name: eth2, address: 127.0.0.2/8 }
      - { name: eth3, address: 224.0.0.1/4 }
      - { name: eth0 }
      - { name: lo1 }
      - { name: eth4, address: 10.0.4.1/24, addresses: [10.0.4.1/24] }
      - { name: eth5, mac: 01:00:5e:00:00:01 }
      - { name: eth6, mac: 42:00:aa:00:00:01, ipv6: ["fe80::1::2/64"] }
  pc1:
    kind: pc
    interfaces:
      - { name: eth0, mac: 42:00:AA:00:00:01 }
`),
      [
        "lab.yaml:5: nodes.r1.interfaces[0].address: '10.0.0.0/24' cannot be an interface address: it is the network address of 10.0.0.0/24",
        "lab.yaml:6: nodes.r1.interfaces[1].address: '10.0.1.255/24' cannot be an interface address: it is the broadcast address of 10.0.1.0/24",
        "lab.yaml:7: nodes.r1.interfaces[2].address: '127.0.0.2/8' cannot be an interface address: loopback addresses (127.0.0.0/8) belong on lo0",
        "lab.yaml:8: nodes.r1.interfaces[3].address: '224.0.0.1/4' cannot be an interface address: it is a multicast address",
        "lab.yaml:9: nodes.r1.interfaces[4].name: duplicate interface name 'eth0' (also interfaces[0])",
        "lab.yaml:10: nodes.r1.interfaces[5].name: 'lo1' is a loopback name; every node has lo0 already",
        'lab.yaml:11: nodes.r1.interfaces[6].addresses[0]: 10.0.4.1/24 is given twice on eth4',
        'lab.yaml:12: nodes.r1.interfaces[7].mac: 01:00:5e:00:00:01 is a multicast MAC address',
        "lab.yaml:13: nodes.r1.interfaces[8].ipv6[0]: 'fe80::1::2/64' is not an IPv6 address/prefix",
        'lab.yaml:17: nodes.pc1.interfaces[0].mac: 42:00:aa:00:00:01 is also the MAC of r1 eth6',
      ],
    )
  })

  test('the same address on two nodes', () => {
    const text = BASE.replace('address: 10.0.2.10/24', 'address: 10.0.1.10/24').replace(
      'via: 10.0.2.1',
      'via: 10.0.1.1',
    )
    assert.deepEqual(errorsOf(text), [
      'lab.yaml:16: nodes.pc2.interfaces[0]: eth0 address 10.0.1.10/24 is also used by pc1 eth0',
    ])
  })

  test('routes', () => {
    assert.deepEqual(
      errorsOf(
        BASE.replace(
          '      - { to: default, via: 10.0.1.1 }\n  r1:',
          `      - { to: default, via: 10.0.1.1 }
      - { to: 10.9.0.0/16, via: 10.9.0.1 }
      - { to: 10.8.0.0/16, via: 10.0.1.10 }
      - { to: 0.0.0.0/0, via: 10.0.1.2 }
      - { to: somewhere, via: 10.0.1.1 }
      - { to: 10.7.0.0/16, gw: 10.0.1.1 }
  r1:`,
        ),
      ),
      [
        "lab.yaml:11: nodes.pc1.routes[4].to: 'somewhere' is not 'default' or an IPv4 prefix",
        "lab.yaml:12: nodes.pc1.routes[5]: missing 'via'",
        "lab.yaml:12: nodes.pc1.routes[5]: unknown property 'gw'",
      ],
    )
    assert.deepEqual(
      errorsOf(
        BASE.replace(
          '      - { to: default, via: 10.0.1.1 }\n  r1:',
          `      - { to: default, via: 10.0.1.1 }
      - { to: 10.9.0.0/16, via: 10.9.0.1 }
      - { to: 10.8.0.0/16, via: 10.0.1.10 }
      - { to: 0.0.0.0/0, via: 10.0.1.2 }
  r1:`,
        ),
      ),
      [
        'lab.yaml:8: nodes.pc1.routes[1].via: gateway 10.9.0.1 is not on a connected subnet of pc1 (10.0.1.0/24)',
        'lab.yaml:9: nodes.pc1.routes[2].via: gateway 10.0.1.10 is an address of pc1 itself',
        'lab.yaml:10: nodes.pc1.routes[3].to: a route to 0.0.0.0/0 is already given (routes[0])',
      ],
    )
  })

  test('switches and hubs have no IP stack', () => {
    assert.deepEqual(
      errorsOf(`nodes:
  sw:
    kind: switch
    forwarding: true
    routes: [{ to: default, via: 10.0.0.1 }]
    startup: [echo hi]
    interfaces:
      - { name: eth0, address: 10.0.0.2/24, mac: 42:00:aa:00:00:01, mtu: 1500 }
`),
      [
        'lab.yaml:4: nodes.sw.forwarding: a switch has no IP stack',
        'lab.yaml:5: nodes.sw.routes: a switch has no IP stack, so no routes',
        'lab.yaml:6: nodes.sw.startup: a switch has no shell to run commands',
        'lab.yaml:8: nodes.sw.interfaces[0].address: switch ports have no IP address',
        'lab.yaml:8: nodes.sw.interfaces[0].mac: switch ports have no MAC address',
        'lab.yaml:8: nodes.sw.interfaces[0].mtu: switch ports have no MTU of their own',
      ],
    )
  })

  test('startup must be strings', () => {
    assert.deepEqual(errorsOf('nodes:\n  a:\n    kind: pc\n    startup: [echo, 1, {x: 1}]\n'), [
      'lab.yaml:4: nodes.a.startup[1]: expected a string, got 1',
      'lab.yaml:4: nodes.a.startup[2]: expected a string, got an object',
    ])
    assert.deepEqual(errorsOf('nodes:\n  a:\n    kind: pc\n    startup: 7\n'), [
      'lab.yaml:4: nodes.a.startup: 7 is not a shell command or a list of commands',
    ])
  })

  test('links: endpoints', () => {
    assert.deepEqual(
      errorsOf(`nodes:
  r1: { kind: router }
  r2: { kind: router }
links:
  - { a: r1:eth0, b: r3 }
  - { a: r1:eth0, b: r2 }
  - { a: r2:eth1, b: r2:eth1 }
  - { a: r1:lo0, b: r2 }
`),
      [
        "lab.yaml:5: links[0].b: unknown node 'r3' (did you mean 'r1'?)",
        'lab.yaml:6: links[1].a: r1:eth0 is already used by links[0]',
        'lab.yaml:7: links[2].b: r2:eth1 is already used by links[2]',
        "lab.yaml:8: links[3].a: 'lo0' is the loopback interface and cannot be linked",
      ],
    )
    assert.deepEqual(
      errorsOf(`nodes:
  r1: { kind: router }
links:
  - { a: "r1:", b: r1 }
  - { b: r1 }
  - [r1, r1]
`),
      [
        "lab.yaml:4: links[0].a: 'r1:' is not 'node' or 'node:interface'",
        "lab.yaml:5: links[1]: missing 'a'",
        'lab.yaml:6: links[2]: expected an object, got a list',
      ],
    )
  })

  test('links: impairments', () => {
    assert.deepEqual(
      errorsOf(`nodes: { a: { kind: pc }, b: { kind: pc } }
links:
  - a: a
    b: b
    impair:
      bandwidth: fast
      delay: 10 parsecs
      loss: 5
      ber: 2
      duplicate: 150%
      dealy: 1ms
      gilbert: { p: 0.1 }
      queue: 0
      discipline: red
      ab: { jitter: -1 }
  - { a: a, b: b, direct: true, impair: { delay: 1ms } }
`),
      [
        "lab.yaml:6: links[0].impair.bandwidth: 'fast' is not a bandwidth (bit/s, or a string such as '10Mbit' or '1Gbps')",
        "lab.yaml:7: links[0].impair.delay: '10 parsecs' is not a duration (µs, or a string such as '10ms')",
        "lab.yaml:8: links[0].impair.loss: 5 is not a probability (0..1) or a percentage such as '1%'",
        'lab.yaml:9: links[0].impair.ber: 2 is not a bit error rate (probability per bit, 0..1)',
        "lab.yaml:10: links[0].impair.duplicate: '150%' is not a probability (0..1) or a percentage such as '1%'",
        "lab.yaml:11: links[0].impair: unknown property 'dealy' (did you mean 'delay'?)",
        "lab.yaml:12: links[0].impair.gilbert: missing 'r'",
        'lab.yaml:13: links[0].impair.queue: 0 is less than the minimum 5',
        "lab.yaml:14: links[0].impair.discipline: 'red' is not one of fifo, drr, wfq",
        "lab.yaml:15: links[0].impair.ab.jitter: -1 is not a duration (µs, or a string such as '10ms')",
      ],
    )
    assert.deepEqual(
      errorsOf(`nodes: { a: { kind: pc }, b: { kind: pc } }
defaults: { impair: { ba: { delay: 10s } } }
links:
  - { a: a, b: b, direct: true, impair: { delay: 1ms } }
  - { a: a, b: b, impair: { bandwidth: 99, ab: { jitter: 10000000, ber: 1e-13 } } }
`),
      [
        "lab.yaml:2: defaults.impair.ba.delay: '10s' is not below 10 s",
        'lab.yaml:4: links[0].impair: a direct link has no impairments',
        'lab.yaml:5: links[1].impair.bandwidth: 99 is outside 100 bit/s .. 1 Tbit/s (0 = unlimited)',
        'lab.yaml:5: links[1].impair.ab.jitter: 10000000 is not below 10 s',
        'lab.yaml:5: links[1].impair.ab.ber: 1e-13 is below the smallest bit error rate, 1e-12',
      ],
    )
  })

  test('auto', () => {
    assert.deepEqual(errorsOf('auto: { addressing: yes, route: true }\nnodes: {}\n'), [
      "lab.yaml:1: auto: unknown property 'route' (did you mean 'routes'?)",
      "lab.yaml:1: auto.addressing: expected true or false or an object, got 'yes'",
    ])
    assert.deepEqual(errorsOf('auto: { addressing: { pool: 10.0.0.0/25, prefix: 24 } }\nnodes: {}\n'), [
      'lab.yaml:1: auto.addressing.prefix: /24 subnets do not fit in the pool 10.0.0.0/25; use a prefix of 25 or more',
    ])
    assert.deepEqual(
      errorsOf(`auto: { addressing: { pool: 10.0.0.0/30, prefix: 30 } }
nodes: { a: { kind: pc }, b: { kind: pc }, c: { kind: pc } }
links: [{ a: a, b: b }, { a: b, b: c }]
`),
      ['lab.yaml:1: auto: the pool 10.0.0.0/30 has no free /30 left for b:eth1, c:eth0'],
    )
  })

  test('JSON errors carry lines too', () => {
    const json = `{
  "nodes": {
    "pc1": {
      "kind": "pc",
      "interfaces": [
        {"name": "eth0", "address": "10.0.0.1/24"},
        {"name": "eth1", "address": "x"}
      ]
    },
\t\t"r1": {"kind": "router", "routes": [{"to": "default", "via": "10.9.9.9"}]}
  },
  "links": [{"a": "pc1:eth0", "b": "r9"}]
}`
    assert.deepEqual(errorsOf(json, 'lab.json'), [
      "lab.json:7: nodes.pc1.interfaces[1].address: 'x' is not an IPv4 address/prefix",
    ])
    const fixed = json.replace('"x"', '"10.0.1.1/24"')
    assert.deepEqual(errorsOf(fixed, 'lab.json'), [
      'lab.json:10: nodes.r1.routes[0].via: gateway 10.9.9.9 is not on a connected subnet of r1 (it has no IPv4 address)',
      "lab.json:12: links[0].b: unknown node 'r9' (did you mean 'r1'?)",
    ])
    assert.deepEqual(errorsOf(fixed.replace('r9', 'r1'), 'lab.json'), [
      'lab.json:10: nodes.r1.routes[0].via: gateway 10.9.9.9 is not on a connected subnet of r1 (it has no IPv4 address)',
    ])
    assert.deepEqual(errorsOf('{\n  "nodes": {\n    "a": {"kind": "pc"}\n  ]\n}', 'bad.json'), [
      'bad.json:4: syntax error: Flow map in block collection must be sufficiently indented and end with a }',
    ])
  })

  test('every problem in a file is reported at once, in line order', () => {
    const errors = errorsOf(`nodes:
  a: { kind: pc, interfaces: [{ name: eth0, address: 1.2.3 }] }
  b: { kind: rotuer }
links:
  - { a: a, b: b, impair: { loss: 2 } }
`)
    assert.equal(errors.length, 3)
    assert.deepEqual(
      errors.map((e) => e.split(':')[1]),
      ['2', '3', '5'],
    )
  })
})

describe('warnings', () => {
  test('IPv6, unused interfaces, host bits, overlapping subnets, mismatched link ends, loss with gilbert', () => {
    assert.deepEqual(
      warningsOf(`nodes:
  a:
    kind: pc
    interfaces:
      - { name: eth0, address: 10.0.0.1/24, ipv6: ["fd00::1/64", "fd00::2/64"] }
      - { name: eth1, address: 10.0.0.129/25 }
      - { name: spare }
    routes: [{ to: 10.5.5.5/8, via: 10.0.0.2 }]
  b:
    kind: pc
    interfaces: [{ name: eth0, address: 10.1.0.2/24 }]
links:
  - { a: a:eth0, b: b:eth0, impair: { loss: 1%, gilbert: { p: 0.1, r: 0.5 } } }
  - { a: a:eth1, b: b }
`),
      [
        'lab.yaml:6: nodes.a.interfaces[1]: 10.0.0.129/25 on eth1 overlaps 10.0.0.1/24 on eth0',
        'lab.yaml:7: nodes.a.interfaces[2]: spare is not connected by any link',
        "lab.yaml:8: nodes.a.routes[0].to: '10.5.5.5/8' has host bits set; using 10.0.0.0/8",
        'lab.yaml:13: links[0].impair: loss and gilbert are both given; gilbert replaces loss',
        'lab.yaml:13: links[0]: a:eth0 (10.0.0.1/24) and b:eth0 (10.1.0.2/24) share no subnet',
      ],
    )
  })
})

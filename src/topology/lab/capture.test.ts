/**
 * Lab captures: the console's `capture` on an interface and on links (through a switch and through
 * an impairing pipe), several targets into one pcapng with an interface block each and the
 * direction of each packet, tcpdump lines without -w, -c and filters, listing and stopping, and
 * the mistakes' messages.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { openCapture } from '../../wire/pcap/pcap_read.js'
import { type ConsoleFiles, LabConsole } from '../console/console.js'
import { loadTopology } from '../file/load.js'
import { Lab } from './emulator.js'

const LAB = `name: cap
nodes:
  pc1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }
  pc2: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24 } ] }
  sw1: { kind: switch }
links:
  - { a: pc1, b: sw1 }
  - { a: pc2, b: sw1, impair: { delay: 1ms } }
`

function setup() {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const lab = Lab.build(host, loadTopology(LAB, 'cap.yaml').topology)
  const out = { out: '', err: '' }
  const files = new Map<string, Uint8Array>()
  const fs: ConsoleFiles = {
    write: (path, bytes, append) => {
      const old = append ? (files.get(path) ?? new Uint8Array()) : new Uint8Array()
      const n = new Uint8Array(old.length + bytes.length)
      n.set(old)
      n.set(bytes, old.length)
      files.set(path, n)
    },
  }
  const c = new LabConsole(
    lab,
    {
      stdin: { read: async () => null },
      stdout: { write: (s) => void (out.out += s) },
      stderr: { write: (s) => void (out.err += s) },
    },
    fs,
  )
  return { host, lab, c, out, files }
}

test('capture: links and an interface into one pcapng, with directions', async () => {
  const { host, lab, c, out, files } = setup()
  try {
    assert.equal(await c.runLine('capture pc1~sw1,sw1~pc2:eth0,pc2:eth0 -w /l.pcapng icmp'), 0)
    assert.equal(await c.runLine('pc1 ping -c 2 10.0.0.2'), 0)
    assert.equal(await c.runLine('capture'), 0)
    assert.match(out.out, /\n1 {2}pc1~sw1,sw1~pc2:eth0,pc2:eth0 {2}-w \/l\.pcapng {2}12 packets\n$/)
    await c.close()
    assert.match(
      out.err,
      /virtnet: capture 1: 12 packets captured, \d+ received by filter, 0 dropped by kernel\n$/,
    )
    const f = openCapture(files.get('/l.pcapng')!)
    const seen: string[] = []
    for (let p = f.next(); p !== null; p = f.next()) {
      const type = p.data[34] === 8 ? 'req' : 'rep'
      seen.push(`${f.interfaces[p.ifIndex]!.name} ${p.out ? 'out' : 'in'} ${type} ${p.sec}.${p.nsec}`)
    }
    assert.deepEqual(
      f.interfaces.map((i) => [i.name, i.linktype, i.tsPerSec]),
      [
        ['pc1~sw1', 1, 1e9],
        ['sw1~pc2:eth0', 1, 1e9],
        ['pc2:eth0', 1, 1e9],
      ],
    )
    // ARP takes the first 2 ms (the pc2 link delays 1 ms each way); then each echo crosses pc1~sw1
    // (request out, reply in), the delayed link and pc2's interface. The second ping is at 1 s.
    assert.deepEqual(seen.sort(), [
      'pc1~sw1 in rep 0.4000000',
      'pc1~sw1 in rep 1.2000000',
      'pc1~sw1 out req 0.2000000',
      'pc1~sw1 out req 1.0',
      'pc2:eth0 in req 0.3000000',
      'pc2:eth0 in req 1.1000000',
      'pc2:eth0 out rep 0.3000000',
      'pc2:eth0 out rep 1.1000000',
      'sw1~pc2:eth0 in rep 0.4000000',
      'sw1~pc2:eth0 in rep 1.2000000',
      'sw1~pc2:eth0 out req 0.3000000',
      'sw1~pc2:eth0 out req 1.1000000',
    ])
  } finally {
    lab.destroy()
    host.clock.stop()
  }
})

test('capture: tcpdump lines, -c, stop, mistakes', async () => {
  const { host, lab, c, out } = setup()
  try {
    assert.equal(await c.runLine('capture pc1:eth0 -c 2 arp'), 0)
    assert.equal(await c.runLine('capture sw1~pc2 udp'), 0)
    await c.runLine('pc1 ping -c 1 10.0.0.2 > /dev/null')
    assert.equal(
      out.out,
      '00:00:00.000000 pc1:eth0 Out ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\n' +
        '00:00:00.002000 pc1:eth0 In  ARP, Reply 10.0.0.2 is-at ' +
        out.out.split('is-at ')[1]!.slice(0, 17) +
        ', length 28\n',
    )
    assert.match(out.err, /virtnet: capture 1: 2 packets captured/)
    out.out = ''
    await c.runLine('capture')
    assert.match(out.out, /^2 {2}sw1~pc2 {2}lines {2}0 packets\n$/)
    await c.runLine('link sw1 pc2 down')
    await c.runLine('pc1 ping -c 1 10.0.0.2 > /dev/null')
    assert.equal(await c.runLine('capture stop 2'), 0)
    assert.match(out.err, /virtnet: capture 2: 0 packets captured/)
    out.err = ''
    assert.equal(await c.runLine('capture nosuch:eth0'), 1)
    assert.equal(await c.runLine('capture pc1:eth9'), 1)
    assert.equal(await c.runLine('capture pc1~pc2'), 1)
    assert.equal(await c.runLine('capture pc1:eth0 tcp and'), 1)
    assert.equal(await c.runLine('capture stop 9'), 1)
    assert.equal(await c.runLine('capture pc1:eth0 -x'), 64)
    assert.equal(await c.runLine('capture sw1~pc2'), 1)
    assert.deepEqual(out.err.split('\n').slice(0, 7), [
      'virtnet: nosuch: no such node',
      'virtnet: capture: Device not configured',
      'virtnet: pc1~pc2: no link between pc1 and pc2',
      "virtnet: can't parse filter expression: syntax error",
      'virtnet: capture: 9: no such capture',
      'virtnet: usage: capture NODE:IF|A~B[,...] [-w FILE] [-c N] [FILTER...] | capture stop [N]',
      'virtnet: sw1~pc2: the link is down',
    ])
    assert.equal(await c.runLine('capture pc2:eth0'), 0)
    assert.equal(await c.runLine('capture stop'), 0)
    out.out = ''
    await c.runLine('capture')
    assert.equal(out.out, '')
  } finally {
    await c.close()
    lab.destroy()
    host.clock.stop()
  }
})

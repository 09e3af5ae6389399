/**
 * The lab console's words: output formats of nodes, links and pingall, statuses and messages for
 * mistakes, `exit`, Ctrl-C, and the completions the prompt offers.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../host/host.js'
import { completer } from '../../platform/node/cli/repl.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { loadTopology } from '../file/load.js'
import { Lab } from '../lab/emulator.js'
import { CONSOLE_HELP, LabConsole } from './console.js'

const LAB = `name: small
nodes:
  pc1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }
  pc2: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24 } ] }
  srv: { kind: host, interfaces: [ { name: eth0, address: 10.0.0.3/24 } ] }
  r1: { kind: router, interfaces: [ { name: eth0, address: 10.0.0.254/24 }, { name: eth1 } ] }
  sw1: { kind: switch }
links:
  - { a: pc1, b: sw1 }
  - { a: pc2, b: sw1 }
  - { a: srv, b: sw1, impair: { delay: 1ms } }
  - { a: r1:eth0, b: sw1 }
`

function setup() {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const lab = Lab.build(host, loadTopology(LAB, 'small.yaml').topology)
  const cap = { out: '', err: '' }
  const c = new LabConsole(lab, {
    stdin: { read: async () => null },
    stdout: { write: (s) => void (cap.out += s) },
    stderr: { write: (s) => void (cap.err += s) },
  })
  const run = async (line: string) => {
    cap.out = ''
    cap.err = ''
    const status = await c.runLine(line)
    return { status, out: cap.out, err: cap.err }
  }
  return { host, lab, c, run }
}

describe('console', () => {
  test('nodes and links', async () => {
    const { lab, run } = setup()
    assert.deepEqual(await run('nodes'), {
      status: 0,
      out:
        'pc1  pc      eth0 10.0.0.1/24\n' +
        'pc2  pc      eth0 10.0.0.2/24\n' +
        'srv  host    eth0 10.0.0.3/24\n' +
        'r1   router  eth0 10.0.0.254/24, eth1\n' +
        `sw1  switch  bridge [${lab.node('sw1')!.ngId!.toString(16)}], 4 ports\n`,
      err: '',
    })
    const pipe = lab.links()[2]!.pipe!.toString(16)
    assert.deepEqual(await run('links'), {
      status: 0,
      out:
        'pc1:eth0  sw1:eth0  up  unshaped\n' +
        'pc2:eth0  sw1:eth1  up  unshaped\n' +
        `srv:eth0  sw1:eth2  up  delay=1ms  pipe [${pipe}]\n` +
        'r1:eth0   sw1:eth3  up  unshaped\n',
      err: '',
    })
    lab.destroy()
  })

  test('pingall: end systems only, Mininet style; 1 when something is lost', async () => {
    const { lab, run } = setup()
    assert.deepEqual(await run('pingall'), {
      status: 0,
      out:
        '*** Ping: testing ping reachability\n' +
        'pc1 -> pc2 srv\n' +
        'pc2 -> pc1 srv\n' +
        'srv -> pc1 pc2\n' +
        '*** Results: 0% dropped (6/6 received)\n',
      err: '',
    })
    await run('link srv sw1 down')
    const r = await run('pingall 0.25')
    assert.equal(r.status, 1)
    assert.match(r.out, /^pc1 -> pc2 X\n/m)
    assert.match(r.out, /^srv -> X X\n\*\*\* Results: 66% dropped \(2\/6 received\)\n$/m)
    assert.deepEqual(await run('pingall 0'), {
      status: 64,
      out: '',
      err: 'virtnet: pingall: 0: timeout must be seconds, above 0 and at most 3600\n',
    })
    lab.destroy()
  })

  test('pingall in a lab without two end systems says so and fails (0/0 is no pass)', async () => {
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
    const yaml =
      'nodes:\n  r1: { kind: router }\n  r2: { kind: router }\n  pc1: { kind: pc }\nlinks:\n  - { a: r1, b: r2 }\n'
    const lab = Lab.build(host, loadTopology(yaml, 'routers.yaml').topology)
    let err = ''
    const io = {
      stdin: { read: async () => null },
      stdout: { write: () => {} },
      stderr: { write: (s: string) => void (err += s) },
    }
    const c = new LabConsole(lab, io)
    assert.equal(await c.runLine('pingall'), 1)
    assert.equal(err, 'virtnet: pingall: one end system (pc or host) in this lab, nothing to ping\n')
    lab.destroy()
  })

  test('node commands run in the jail as root; their status is the line status', async () => {
    const { lab, run } = setup()
    assert.deepEqual(await run('pc1 hostname; id=$(sysctl -n net.inet.ip.forwarding); echo fwd=$id'), {
      status: 0,
      out: 'pc1\nfwd=0\n',
      err: '',
    })
    assert.deepEqual(await run('r1 ifconfig eth9'), {
      status: 1,
      out: '',
      err: 'ifconfig: interface eth9 does not exist\n',
    })
    lab.destroy()
  })

  test('mistakes: unknown node, switch, usage', async () => {
    const { lab, run } = setup()
    const cases: Array<[string, number, string]> = [
      ['pc9 ifconfig', 1, 'virtnet: pc9: no such node\n'],
      ['sw1 ifconfig', 1, 'virtnet: sw1: a switch has no shell; run commands in pc, host or router nodes\n'],
      ['pc1', 64, 'virtnet: pc1: command expected (e.g. pc1 ifconfig)\n'],
      [
        'link pc1',
        64,
        'virtnet: usage: link A B [up | down | set bw=… delay=… jitter=… loss=… duplicate=… reorder=… ber=… queue=…]\n',
      ],
      ['link pc1 pc9 up', 1, 'virtnet: pc9: no such node\n'],
      ['link pc1 pc2 up', 1, 'virtnet: link: no link between pc1 and pc2\n'],
      [
        'link pc1 sw1 sideways',
        64,
        'virtnet: usage: link A B [up | down | set bw=… delay=… jitter=… loss=… duplicate=… reorder=… ber=… queue=…]\n',
      ],
      [
        'link pc1 sw1 set',
        64,
        'virtnet: link: nothing to set (bw=, delay=, jitter=, loss=, duplicate=, reorder=, ber=, queue=)\n',
      ],
      ['link pc1 sw1 set bw=50', 64, 'virtnet: link: bw=50: outside 100 bit/s .. 1 Tbit/s (0 = unlimited)\n'],
      ['link pc1 sw1 set delay=10s', 64, 'virtnet: link: delay=10s: not below 10 s\n'],
      ['link pc1 sw1 set queue=4', 64, 'virtnet: link: queue=4: expected 5..65536 packets\n'],
      ['exit x', 64, 'virtnet: exit: x: bad number\n'],
    ]
    for (const [line, status, err] of cases) assert.deepEqual(await run(line), { status, out: '', err }, line)
    lab.destroy()
  })

  test('help, comments and blank lines, exit', async () => {
    const { lab, c, run } = setup()
    assert.deepEqual(await run('help'), { status: 0, out: CONSOLE_HELP, err: '' })
    await run('pc1 false')
    assert.deepEqual(await run('# a comment'), { status: 1, out: '', err: '' })
    assert.equal(c.exited, undefined)
    assert.equal((await run('exit 3')).status, 3)
    assert.equal(c.exited, 3)
    lab.destroy()
  })

  test('Ctrl-C stops the running node command', async () => {
    const { lab, c, run } = setup()
    const running = run('pc1 ping 10.0.0.2')
    await new Promise((r) => setTimeout(r, 20))
    c.interrupt()
    const r = await running
    assert.equal(r.status, 130)
    assert.match(r.out, /^64 bytes from 10\.0\.0\.2/m)
    lab.destroy()
  })

  test('completions: console words and nodes first, then programs, link words', () => {
    const { lab, c } = setup()
    assert.deepEqual(c.completions('p'), ['pc1', 'pc2', 'pingall'])
    assert.deepEqual(c.completions('li'), ['link', 'links'])
    assert.ok(c.complete('pc1 ').includes('ifconfig'))
    assert.deepEqual(c.complete('sw1 '), [])
    assert.deepEqual(c.complete('link pc1 sw1 '), ['up', 'down', 'set'])
    assert.ok(c.complete('link pc1 sw1 set ').includes('delay='))
    assert.ok(c.complete('link ').includes('sw1'))
    // Through the prompt's completer, as `virtnet run` wires it.
    const tab = completer(c, { complete: (line) => c.complete(line) })
    assert.deepEqual(tab('s'), [['srv', 'sw1'], 's'])
    assert.deepEqual(tab('pc1 ifc'), [['ifconfig'], 'ifc'])
    assert.deepEqual(tab('link pc1 sw1 d'), [['down'], 'd'])
    lab.destroy()
  })
})

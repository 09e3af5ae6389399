/**
 * `virtnet run` and `virtnet gen` as a user runs them: the built CLI in a child process, checked by
 * its output and exit status — console lines with -c and --script, the prompt on a pipe, a broken
 * topology refused before anything starts, and generated labs that pass pingall.
 */

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..')
const CLI = join(ROOT, 'dist/src/platform/node/cli.js')
const tmp = mkdtempSync(join(tmpdir(), 'virtnet-run-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

function virtnet(args: string[], input?: string): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { status: r.status, out: r.stdout, err: r.stderr }
}

describe('virtnet run', () => {
  test('-c lines run in order in the nodes; pingall; exit 0', () => {
    const r = virtnet(['run', 'examples/demo.yaml', '-c', 'a ping -c 1 198.51.100.1', '-c', 'pingall'])
    assert.equal(r.err, '')
    assert.equal(r.status, 0)
    assert.match(
      r.out,
      /^PING 198\.51\.100\.1 \(198\.51\.100\.1\): 56 data bytes\n64 bytes from 198\.51\.100\.1: icmp_seq=0 ttl=63 time=/,
    )
    assert.match(r.out, /1 packets transmitted, 1 packets received, 0\.0% packet loss\n/)
    assert.match(
      r.out,
      /\*\*\* Ping: testing ping reachability\na -> b\nb -> a\n\*\*\* Results: 0% dropped \(2\/2 received\)\n$/,
    )
  })

  test('a failing line does not stop the others; the status is the first failure', () => {
    const r = virtnet([
      'run',
      'examples/demo.yaml',
      '-c',
      'a ping -c 1 -t 1 203.0.113.9',
      '-c',
      'b hostname',
      '-c',
      'a false',
    ])
    assert.equal(r.status, 2)
    assert.match(r.out, /1 packets transmitted, 0 packets received, 100\.0% packet loss\n/)
    assert.match(r.out, /\nb\n$/)
  })

  test('an unknown node', () => {
    const r = virtnet(['run', 'examples/demo.yaml', '-c', 'nope ifconfig'])
    assert.deepEqual(r, { status: 1, out: '', err: 'virtnet: nope: no such node\n' })
  })

  test('a topology with errors is refused with every message, before anything starts', () => {
    const bad = join(tmp, 'bad.yaml')
    writeFileSync(
      bad,
      `nodes:
  pc1:
    kind: pc
    interfaces: [ { name: eth0, address: 10.0.0.300/24 } ]
    startup: [ 'echo started' ]
    routs: []
links:
  - { a: pc1, b: pc9 }
`,
    )
    const r = virtnet(['run', bad, '-c', 'pingall'])
    assert.equal(r.status, 65)
    assert.equal(r.out, '')
    const lines = r.err.split('\n')
    assert.equal(lines.length, 3, r.err)
    assert.equal(
      lines[0],
      `${bad}:4: nodes.pc1.interfaces[0].address: '10.0.0.300/24' is not an IPv4 address/prefix`,
    )
    assert.equal(lines[1], `${bad}:6: nodes.pc1: unknown property 'routs' (did you mean 'routes'?)`)
  })

  test('a lab that needs more than --max-memory is refused before anything is built', () => {
    const file = join(tmp, 'tree.json')
    assert.equal(virtnet(['gen', 'tree', '3', '10', '-o', file]).status, 0)
    // 1,111 nodes at 8 KiB and 1,110 links at 4 KiB: about 14 MB.
    assert.deepEqual(virtnet(['run', file, '--max-memory', '1M', '-c', 'h1 true']), {
      status: 1,
      out: '',
      err: 'virtnet: lab needs about 14 MB, more than --max-memory 1 MB\n',
    })
    const bad = virtnet(['run', file, '--max-memory', 'lots'])
    assert.equal(bad.status, 64)
    assert.match(bad.err, /^virtnet: --max-memory: expected a size such as 512M or 2G, got 'lots'\n/)
    assert.equal(virtnet(['run', 'examples/demo.yaml', '--max-memory', '64M', '-c', 'a true']).status, 0)
  })

  test('missing files and usage', () => {
    assert.deepEqual(virtnet(['run', 'no/such.yaml']), {
      status: 66,
      out: '',
      err: 'virtnet: no/such.yaml: No such file or directory\n',
    })
    assert.deepEqual(virtnet(['run', 'examples/demo.yaml', '--script', 'no/such.txt']), {
      status: 66,
      out: '',
      err: 'virtnet: no/such.txt: No such file or directory\n',
    })
    const u = virtnet(['run'])
    assert.equal(u.status, 64)
    assert.match(u.err, /^virtnet: run: FILE expected\nusage: /)
  })

  test('--script and -c lines in command-line order; exit N ends the run with N', () => {
    const script = join(tmp, 'lines.txt')
    writeFileSync(script, '# a comment\nb hostname\n\nexit 7\na hostname\n')
    const r = virtnet([
      'run',
      'examples/demo.yaml',
      '-c',
      'a hostname',
      '--script',
      script,
      '-c',
      'r hostname',
    ])
    assert.deepEqual(r, { status: 7, out: 'a\nb\n', err: '' })
  })

  test('startup output and warnings go to stderr, prefixed', () => {
    const lab = join(tmp, 'startup.yaml')
    writeFileSync(
      lab,
      `nodes:
  a: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ], startup: [ 'echo hello from $(hostname)', 'exit 3' ] }
`,
    )
    const r = virtnet(['run', lab, '-c', 'a hostname'])
    assert.equal(r.status, 0)
    assert.equal(r.out, 'a\n')
    assert.equal(
      r.err,
      `virtnet: warning: ${lab}:2: nodes.a.interfaces[0]: eth0 is not connected by any link\n` +
        'a: hello from a\nvirtnet: warning: a: startup commands exited with status 3\n',
    )
  })

  test('the prompt reads console lines from a pipe', () => {
    const r = virtnet(['run', 'examples/demo.yaml'], 'nodes\nr sysctl net.inet.ip.forwarding\nexit 4\n')
    assert.equal(r.status, 4)
    assert.match(r.out, /^demo: 3 nodes, 2 links; type help for commands\n/)
    assert.match(r.out, /a {2}pc {6}eth0 192\.0\.2\.1\/24\n/)
    assert.match(r.out, /net\.inet\.ip\.forwarding: 1\n/)
  })

  test('the same seed gives the same run; lossy links make that visible', () => {
    const args = [
      'run',
      'examples/topology/office.yaml',
      '--seed',
      '5',
      '-c',
      'pc1 ping -c 20 -i 0.1 10.0.2.80',
    ]
    const a = virtnet(args)
    assert.match(a.out, /20 packets transmitted/)
    assert.equal(virtnet(args).out, a.out)
    // The seed is used at all: another one draws other jitter.
    assert.notEqual(virtnet(args.map((x) => (x === '5' ? '6' : x))).out, a.out)
  })
})

describe('virtnet gen', () => {
  test('writes YAML to stdout or -o FILE; the lab passes pingall', () => {
    const s = virtnet(['gen', 'tree', '2', '2'])
    assert.equal(s.status, 0)
    assert.match(
      s.out,
      /^# Generated by virtnet gen \(virtnet gen tree 2 2\): 3 switches, 4 hosts, 6 links\.\n/,
    )
    const file = join(tmp, 'grid.yaml')
    assert.deepEqual(virtnet(['gen', 'grid', '2', '3', '--hosts', '2', '--delay', '1ms', '-o', file]), {
      status: 0,
      out: '',
      err: '',
    })
    const r = virtnet(['run', file, '-c', 'pingall'])
    assert.equal(r.status, 0)
    assert.match(r.out, /\*\*\* Results: 0% dropped \(132\/132 received\)\n$/)
    assert.deepEqual(virtnet(['gen', 'star', '2', '-o', join(tmp, 'no/such/dir.yaml')]), {
      status: 73,
      out: '',
      err: `virtnet: ${join(tmp, 'no/such/dir.yaml')}: No such file or directory\n`,
    })
  })

  test('usage errors', () => {
    const cases: Array<[string[], RegExp]> = [
      [['gen'], /^virtnet: gen: SHAPE expected\n/],
      [['gen', 'blob', '3'], /^virtnet: gen: unknown shape 'blob'\n/],
      [['gen', 'grid', '3'], /^virtnet: gen: grid takes ROWS COLS\n/],
      [['gen', 'ring', 'x'], /^virtnet: gen: ring N: numbers expected\n/],
      [
        ['gen', 'ring', '5', '--kind', 'switch'],
        /^virtnet: gen: ring: switches joined in a cycle form a bridging loop; use --kind router\n/,
      ],
      [['gen', 'chain', '3', '--bw', 'fast'], /^virtnet: gen: --bw: 'fast' is not a bandwidth/],
      [['gen', 'chain', '-3'], /^virtnet: unknown option '-3'\nusage: /],
      [['gen', 'chain', '3', '--seed'], /^virtnet: option '--seed' requires an argument\nusage: /],
    ]
    for (const [args, err] of cases) {
      const r = virtnet(args)
      assert.equal(r.status, 64, args.join(' '))
      assert.match(r.err, err)
    }
  })
})

test('virtnet sh still works', () => {
  assert.deepEqual(virtnet(['sh', '-c', 'jail -c name=x vnet persist && jexec x hostname']), {
    status: 0,
    out: 'x: created\nvirtnet\n',
    err: '',
  })
})

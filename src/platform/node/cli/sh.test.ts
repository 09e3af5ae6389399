/**
 * `virtnet sh` and `virtnet demo` as a user runs them: the built CLI in a child process with the real
 * kernel and programs — the issue's FreeBSD-style script, a script file with arguments, `-e`, bad
 * options — checked by output and exit status.
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
const tmp = mkdtempSync(join(tmpdir(), 'virtnet-sh-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

function virtnet(args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 })
  return { status: r.status, out: r.stdout, err: r.stderr }
}

/** The script from the foundation issue, verbatim. */
const ISSUE_SCRIPT = `jail -c name=a vnet persist
jail -c name=r vnet persist
jail -c name=b vnet persist
ea=$(ifconfig epair create); eb=$(ifconfig epair create)
ifconfig \${ea} vnet a; ifconfig \${ea%a}b vnet r
ifconfig \${eb} vnet r; ifconfig \${eb%a}b vnet b
jexec a ifconfig \${ea} 192.0.2.1/24 up
jexec r ifconfig \${ea%a}b 192.0.2.254/24 up
jexec r ifconfig \${eb} 198.51.100.254/24 up
jexec b ifconfig \${eb%a}b 198.51.100.1/24 up
jexec a route add default 192.0.2.254
jexec b route add default 198.51.100.254
jexec r sysctl net.inet.ip.forwarding=1
jexec a ping -c 3 198.51.100.1
jexec a traceroute -n 198.51.100.1
`

describe('virtnet sh', () => {
  test("the issue's script: ping and traceroute across a router jail", () => {
    const r = virtnet(['sh', '-c', ISSUE_SCRIPT])
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /64 bytes from 198\.51\.100\.1: icmp_seq=2 ttl=63 time=0\.000 ms/)
    assert.match(r.out, /3 packets transmitted, 3 packets received, 0\.0% packet loss/)
    assert.match(r.out, / 1 {2}192\.0\.2\.254 {2}0\.000 ms {2}0\.000 ms {2}0\.000 ms\n 2 {2}198\.51\.100\.1 /)
    assert.match(r.err, /traceroute to 198\.51\.100\.1 \(198\.51\.100\.1\), 64 hops max, 40 byte packets/)
  })

  test('a script file gets its arguments; the same seed gives the same output', () => {
    const file = join(tmp, 'args.sh')
    writeFileSync(file, 'echo "$0 $# $1 $2"\nifconfig epair create\nifconfig epair0a | grep ether\n')
    const one = virtnet(['sh', '--seed', '7', file, 'x', 'y'])
    assert.equal(one.status, 0, one.err)
    assert.match(one.out, new RegExp(`^${file} 2 x y\nepair0a\n\tether 02:`))
    assert.equal(virtnet(['sh', '--seed', '7', file, 'x', 'y']).out, one.out)
    assert.notEqual(virtnet(['sh', '--seed', '8', file, 'x', 'y']).out, one.out)
  })

  test('-c SCRIPT NAME ARGS: NAME is $0, as with sh -c', () => {
    assert.equal(virtnet(['sh', '-c', 'echo "$0 $# $1"', 'lab', 'x']).out, 'lab 1 x\n')
    assert.equal(virtnet(['sh', '-c', 'echo "$0 $#"']).out, 'sh 0\n')
  })

  test('-e stops at the first failing command with its status', () => {
    const r = virtnet(['sh', '-e', '-c', 'echo one; ifconfig nosuch0 up; echo two'])
    assert.equal(r.status, 1)
    assert.equal(r.out, 'one\n')
    assert.match(r.err, /^ifconfig: interface nosuch0 does not exist\n/)
  })

  test('bad options and files', () => {
    const clock = virtnet(['sh', '--clock', 'sundial', '-c', 'true'])
    assert.equal(clock.status, 64)
    assert.match(clock.err, /^virtnet: --clock: expected virtual or real, got 'sundial'\n/)
    const missing = virtnet(['sh', join(tmp, 'nope.sh')])
    assert.equal(missing.status, 127)
    assert.match(missing.err, /nope\.sh: No such file or directory/)
    // A directory is reported with strerror's text, not Node's.
    assert.deepEqual(virtnet(['sh', tmp]), { status: 127, out: '', err: `virtnet: ${tmp}: Is a directory\n` })
    assert.equal(virtnet(['frobnicate']).status, 64)
    // Option errors are one short line, then the usage.
    const unknown = virtnet(['sh', '--bogus'])
    assert.equal(unknown.status, 64)
    assert.match(unknown.err, /^virtnet: unknown option '--bogus'\nusage: virtnet sh /)
    const noArg = virtnet(['sh', '-c'])
    assert.equal(noArg.status, 64)
    assert.match(noArg.err, /^virtnet: option '-c' requires an argument\nusage: /)
  })
})

describe('virtnet demo', () => {
  test('builds the two LANs and pings across the router, exit 0', () => {
    const r = virtnet(['demo', '--clock', 'virtual'])
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /host# jexec a ping -c 3 198\.51\.100\.1\n/)
    assert.match(r.out, /3 packets transmitted, 3 packets received, 0\.0% packet loss/)
    assert.match(r.out, / 2 {2}198\.51\.100\.1 /)
    assert.match(r.out, /default {12}192\.0\.2\.254 {8}UGS {5}epair0a/)
  })
})

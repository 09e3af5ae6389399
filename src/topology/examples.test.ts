/**
 * Every lab under examples/ runs, in virtual time, the way `virtnet run FILE -c pingall` runs it:
 * loaded, built, started, then `pingall` on the lab console — and every end system reaches every
 * other. A few examples also check what they promise in their comments (the WAN's round trip).
 */

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Host } from '../host/host.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import type { RealLinkProvider } from '../stack/net/real_link.js'
import { LabConsole } from './console/console.js'
import { loadAny } from './file/load.js'
import { Lab } from './lab/emulator.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const EXAMPLES = join(ROOT, 'examples')

function labFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? labFiles(join(dir, e.name)) : [join(dir, e.name)]))
    .filter((f) => /\.(ya?ml|json|imn)$/.test(f))
    .sort()
}

/** Console lines to run after pingall, and what their output must contain. */
const CHECKS: Readonly<Record<string, ReadonlyArray<readonly [string, RegExp]>>> = Object.freeze({
  'wan.yaml': [
    // 2 × 20 ms + (98 + 24) × 8 bits at 10 Mbit/s and at 2 Mbit/s, as the file's comment says.
    ['hq ping -c 3 10.2.0.10', /icmp_seq=1 ttl=62 time=40\.586 ms/],
    ['link gw-hq gw-branch set delay=50ms', /^$/],
    ['hq ping -c 2 10.2.0.10', /icmp_seq=1 ttl=62 time=100\.586 ms/],
  ],
  'demo.yaml': [['a traceroute -n 198.51.100.1', /^ 1 {2}192\.0\.2\.254 .*\n 2 {2}198\.51\.100\.1 /m]],
  'campus.yaml': [['a1 traceroute -n 10.0.30.11', /\n 3 {2}10\.255\.0\.10 .*\n 4 {2}10\.0\.30\.11 /]],
  'lan-hub.yaml': [['pc4 netstat -i', /eth0/]],
})

const files = labFiles(EXAMPLES)

/**
 * The machine as these labs see it: every interface an rj45 node names (dynamic-routing.imn's em0)
 * opens, and nothing is ever on its wire. The rj45 node is built and cabled; pingall checks the rest.
 */
const emptyMachine: RealLinkProvider = {
  kind: 'memory',
  open: () => ({ drops: 0, send: () => {}, close: () => {} }),
}

test('there are examples', () => {
  for (const f of ['demo.yaml', 'campus.yaml', 'wan.yaml', 'lan-hub.yaml'])
    assert.ok(
      files.some((x) => x.endsWith(`/${f}`)),
      f,
    )
})

for (const file of files) {
  const name = relative(EXAMPLES, file)
  test(`examples/${name}: pingall reaches everyone`, async () => {
    const { topology } = loadAny(readFileSync(file, 'utf8'), name)
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1, realLinks: emptyMachine })
    const lab = Lab.build(host, topology)
    let out = ''
    let err = ''
    const io = {
      stdin: { read: async () => null },
      stdout: { write: (s: string) => void (out += s) },
      stderr: { write: (s: string) => void (err += s) },
    }
    // A lab promised to users starts cleanly: no startup script fails or complains.
    assert.deepEqual(await lab.start(() => io), [])
    assert.equal(err, '', 'startup output on stderr')
    const c = new LabConsole(lab, io)
    out = ''
    assert.equal(await c.runLine('pingall'), 0, out)
    assert.match(out, /\*\*\* Results: 0% dropped \((\d+)\/\1 received\)\n$/)
    for (const [line, want] of CHECKS[name.split('/').pop()!] ?? []) {
      out = ''
      err = ''
      assert.equal(await c.runLine(line), 0, `${line}: ${err}`)
      assert.match(out, want, line)
    }
    lab.destroy()
    assert.equal(host.clock.pending, 0)
    assert.equal(host.env.pool.inUse, 0)
  })
}

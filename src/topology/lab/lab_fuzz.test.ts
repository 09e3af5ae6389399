/**
 * Hostile lab files, the part fuzz.test.ts leaves out: what happens after loading. Random and
 * mutated labs (YAML, JSON, IMUNES) either fail to load with messages that name the file (and, for
 * YAML and JSON, a line) in words of the format and not of JavaScript, or load and then build in a
 * Host: the build succeeds or fails with a LabError of the same kind, and either way, once the lab
 * is destroyed (or its failed build torn down), the host is exactly as it was before — no jail,
 * interface, route, sysctl or netgraph node left behind. A lab file is data: it can only build what
 * its schema describes, in the host it is given (docs/security.md).
 *
 * Seeded; LAB_FUZZ_RUNS=5000 for a long run.
 */

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { dump as dumpYaml, load as loadYaml } from 'js-yaml'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { Observer } from '../../testing/isolation.js'
import { snapshot } from '../../testing/net.js'
import { TopologyError } from '../file/diagnostics.js'
import { type Loaded, loadAny } from '../file/load.js'
import { Lab } from './emulator.js'
import { LabError } from './lab_var.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const RUNS = Number(process.env.LAB_FUZZ_RUNS ?? 60)
const SEED = Number(process.env.LAB_FUZZ_SEED ?? 0x1ab)

const JS_TEXTS =
  /TypeError|RangeError|ReferenceError|SyntaxError|\bundefined\b|\bNaN\b|\[object |internal error/

const LABS = ['examples/demo.yaml', 'examples/lan-hub.yaml', 'examples/topology/office.yaml'].map((f) =>
  loadYaml(readFileSync(resolve(ROOT, f), 'utf8')),
)
const IMN = ['two-lans.imn', 'hub.imn'].map((f) =>
  JSON.parse(readFileSync(resolve(ROOT, 'examples/imunes', f), 'utf8')),
)

/** Values a mutation puts somewhere in a lab: plausible, out of range, the wrong type, hostile keys. */
const VALUES: readonly unknown[] = [
  null,
  '',
  0,
  -1,
  1e308,
  4294967296,
  'x',
  '10.0.0.1/24',
  '10.0.0.1/33',
  '0.0.0.0/0',
  '255.255.255.255/32',
  'eth0',
  'lo0',
  'epair0a',
  'a'.repeat(300),
  '../../etc/passwd',
  '/etc/passwd',
  'file:///etc/passwd',
  '$(reboot)',
  '`id`',
  'ifconfig lo0 destroy',
  'jail -r *',
  '__proto__',
  'constructor',
  'router',
  'pc',
  'switch',
  'hub',
  'host',
  '1ms',
  '-5ms',
  '1e9Gbit',
  '100%',
  '101%',
  true,
  [],
  {},
  { __proto__: { polluted: 1 } },
  ['echo hi', 'sleep 1'],
  { to: 'default', via: '10.0.0.1' },
]

/** Replaces, adds or deletes the value at a path chosen by `choices`. */
function mutate(v: unknown, choices: readonly number[], value: unknown): unknown {
  if (choices.length === 0 || v === null || typeof v !== 'object') return value
  const [c, ...rest] = choices as [number, ...number[]]
  const keys = Object.keys(v)
  if (keys.length === 0 || c % 9 === 0) return value
  const copy: Record<string, unknown> = Array.isArray(v) ? ([...v] as never) : { ...v }
  if (c % 9 === 1 && !Array.isArray(v)) {
    copy[['__proto__', 'constructor', 'extra', 'startup', 'kind', 'interfaces', 'routes'][(c >> 4) % 7]!] =
      value
    return copy
  }
  const key = keys[c % keys.length]!
  if (c % 9 === 2 && !Array.isArray(v)) delete copy[key]
  else copy[key] = mutate((v as Record<string, unknown>)[key], rest, value)
  return copy
}

const mutations = fc.array(fc.tuple(fc.array(fc.nat(), { maxLength: 6 }), fc.constantFrom(...VALUES)), {
  minLength: 1,
  maxLength: 4,
})

/** A fresh host's whole state, netgraph included (the lab's socket and nodes live in vnet0). */
function hostState(host: Host): string {
  const ng = [...new Observer(host).snapshot().vnets.values()].map((v) => v.netgraph)
  return JSON.stringify([snapshot(host), ng])
}

/** Loads text; a failure must be a TopologyError with file-named, line-numbered, JS-free messages. */
function load(text: string, file: string): Loaded | null {
  try {
    return loadAny(text, file)
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e
    for (const line of e.errors) {
      assert.ok(line.startsWith(`${file}:`), line)
      assert.doesNotMatch(line, JS_TEXTS)
    }
    // YAML and JSON are located by line (the first message at least; "... and N more" has none).
    if (!file.endsWith('.imn')) assert.match(e.errors[0]!, new RegExp(`^${file.replace('.', '\\.')}:\\d+: `))
    return null
  }
}

/** Builds a loaded lab in a fresh host and tears it down; the host must come back to where it was. */
function buildAndDestroy(loaded: Loaded): void {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 3 })
  const empty = hostState(host)
  let lab: Lab | null = null
  try {
    lab = Lab.build(host, loaded.topology)
  } catch (e) {
    if (!(e instanceof LabError)) throw e
    assert.doesNotMatch(e.message, JS_TEXTS)
  }
  lab?.destroy()
  assert.equal(hostState(host), empty)
}

test('mutated labs load or fail with path:line messages, and what loads builds and leaves nothing behind', () => {
  fc.assert(
    fc.property(fc.constantFrom(...LABS), mutations, fc.boolean(), (lab, ms, json) => {
      let v: unknown = lab
      for (const [path, value] of ms) v = mutate(v, path, value)
      const text = json ? (JSON.stringify(v, null, 1) ?? 'null') : dumpYaml(v)
      const loaded = load(text, json ? 'lab.json' : 'lab.yaml')
      if (loaded !== null) buildAndDestroy(loaded)
    }),
    { numRuns: RUNS, seed: SEED },
  )
})

test('mutated IMUNES labs build or fail cleanly and leave nothing behind', () => {
  fc.assert(
    fc.property(fc.constantFrom(...IMN), mutations, (lab, ms) => {
      let v: unknown = lab
      for (const [path, value] of ms) v = mutate(v, path, value)
      const loaded = load(JSON.stringify(v) ?? 'null', 'lab.imn')
      if (loaded !== null) buildAndDestroy(loaded)
    }),
    { numRuns: RUNS, seed: SEED },
  )
})

test('the examples build and leave nothing behind (the property above is not vacuous)', () => {
  for (const lab of [...LABS, ...IMN]) {
    const loaded = load(JSON.stringify(lab), LABS.includes(lab) ? 'lab.json' : 'lab.imn')
    assert.ok(loaded !== null)
    buildAndDestroy(loaded)
  }
})

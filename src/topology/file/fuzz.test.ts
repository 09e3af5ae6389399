/**
 * The loaders' one promise under hostile input: whatever the text, the only exception is a
 * TopologyError, and never the "internal error" one that guard() makes out of a bug. Inputs: random
 * strings, YAML-ish token soup (anchors, aliases, merge keys, tags, flow and block syntax), and random
 * mutations of valid labs, both as text and as structure. IMUNES labs promise more: any JSON object
 * with a `nodes` object loads (possibly with warnings) — nothing the format allows makes it fail.
 */

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { load as loadYaml } from 'js-yaml'
import { loadImn } from '../imn/imn.js'
import { TopologyError } from './diagnostics.js'
import { loadAny, loadFull, loadTopology } from './load.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
// TOPOLOGY_FUZZ_RUNS=20000 for a long local run.
const RUNS = Number(process.env.TOPOLOGY_FUZZ_RUNS ?? 300)

const VALID_YAML = `name: lab
defaults: { impair: { delay: 1ms } }
auto: { addressing: true, defaultRoutes: true, routes: true }
nodes:
  pc1:
    kind: pc
    interfaces:
      - { name: eth0, mac: 42:00:aa:00:00:01 }
    startup: [echo hi]
  r1:
    kind: router
    interfaces:
      - { name: eth0, address: 10.9.0.1/24, ipv6: ["fd00::1/64"] }
    routes: [{ to: 10.8.0.0/16, via: 10.9.0.2 }]
  r2: { kind: router }
  sw: { kind: switch }
  h: { kind: hub }
links:
  - { a: pc1, b: sw }
  - { a: sw, b: r1:eth0, impair: { bandwidth: 10Mbit, loss: 1%, ab: { jitter: 1ms } } }
  - { a: r1, b: r2, direct: true }
  - { a: r2, b: h, up: false }
`

/** Runs a loader; fails the property on anything but a TopologyError from a known cause. */
function onlyTopologyErrors(load: () => unknown): void {
  try {
    load()
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e
    assert.ok(!e.message.includes('internal error'), e.message)
    assert.ok(e.errors.length > 0)
  }
}

const TOKENS = [
  'nodes:',
  'links:',
  'kind: pc',
  'kind: router',
  'kind: switch',
  'interfaces:',
  'name: eth0',
  'address: 10.0.0.1/24',
  'routes:',
  'to: default',
  'via: 10.0.0.1',
  'a: r1',
  'b: pc1:eth0',
  'impair:',
  'delay: 10ms',
  'loss: 1%',
  'auto: true',
  'startup:',
  '__proto__:',
  'constructor:',
  '&a',
  '*a',
  '<<: *a',
  '!!binary',
  '!!str',
  '!x',
  '? ',
  '- ',
  ': ',
  '{',
  '}',
  '[',
  ']',
  ',',
  '"',
  "'",
  '|',
  '>',
  '#',
  '---',
  '...',
  '%YAML 1.2',
  '\n',
  '\n  ',
  '\n    ',
  '\t',
  'null',
  '~',
  '1e999',
  '-0',
  '0x10',
  'true',
  'r1',
  'pc1',
]

test('random text', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.constantFrom('a.yaml', 'a.json', 'a.imn', 'a'),
      (s, f) => {
        onlyTopologyErrors(() => loadAny(s, f))
      },
    ),
    { numRuns: RUNS },
  )
})

test('YAML-ish token soup', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }),
      fc.constantFrom('a.yaml', 'a.json'),
      (ts, f) => {
        onlyTopologyErrors(() => loadTopology(ts.join(' '), f))
        onlyTopologyErrors(() => loadTopology(ts.join(''), f))
      },
    ),
    { numRuns: RUNS },
  )
})

test('text mutations of a valid lab', () => {
  loadTopology(VALID_YAML, 'lab.yaml') // the seed itself is valid
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...TOKENS) }),
    fc.record({ kind: fc.constant('dupline' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('char' as const), at: fc.nat(), text: fc.string({ maxLength: 2 }) }),
  )
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) => {
      let s = VALID_YAML
      for (const m of ms) {
        const at = m.at % (s.length + 1)
        if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + m.len)
        else if (m.kind === 'insert' || m.kind === 'char') s = s.slice(0, at) + m.text + s.slice(at)
        else {
          const lines = s.split('\n')
          const i = m.at % lines.length
          lines.splice(i, 0, lines[i]!)
          s = lines.join('\n')
        }
      }
      onlyTopologyErrors(() => loadTopology(s, 'lab.yaml'))
      sameAsFullPath(s, 'lab.yaml')
    }),
    { numRuns: RUNS },
  )
})

test('an anchor glued to a flow mapping (fast-check counterexample) is refused on both paths', () => {
  const s = VALID_YAML.replace('ab: { jitter', 'ab: &a{ jitter')
  assert.notEqual(s, VALID_YAML)
  assert.throws(() => loadTopology(s, 'lab.yaml'), /lab\.yaml:20: syntax error/)
  assert.throws(() => loadFull(s, 'lab.yaml'), /lab\.yaml:20: syntax error/)
})

/** Whatever the fast parsers accept, the line-tracking path must load to the very same topology. */
function sameAsFullPath(text: string, fileName: string): void {
  let fast: unknown
  try {
    fast = loadTopology(text, fileName)
  } catch {
    return
  }
  assert.deepEqual(loadFull(text, fileName), fast)
}

test('the fast YAML and JSON paths agree with the full one on every example', () => {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../examples')
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    /\.(ya?ml|json)$/.test(f),
  )
  assert.ok(files.length >= 4)
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8')
    sameAsFullPath(text, f)
    // The same lab as JSON goes through JSON.parse.
    sameAsFullPath(JSON.stringify(loadYaml(text)), f.replace(/\.ya?ml$/, '.json'))
  }
})

/** Keys a mutation may add, so that optional members the seed lacks get exercised too. */
const ADDED_KEYS = [
  'bandwidth',
  'delay',
  'ber',
  'loss',
  'duplicate',
  'direct',
  'jitter_upstream',
  'jitter_downstream',
  'mirror',
  'peers',
  'peers_ifaces',
  'mtu',
  'mac',
  'ipv4_addrs',
  'ipv6_addrs',
  'croutes4',
  'custom_enabled',
  'custom_selected',
  'custom_configs',
  'router_config',
  'services',
  'auto_default_routes',
  'type',
  'name',
  'link',
  'impair',
  'interfaces',
  'routes',
  'startup',
  'address',
  'gilbert',
  'auto',
  'defaults',
] as const

/** Replaces the value at a random path of `v` with `replacement` (or deletes it when undefined). */
function mutateAt(v: unknown, choices: number[], replacement: unknown): unknown {
  if (choices.length === 0 || v === null || typeof v !== 'object') return replacement
  const keys = Object.keys(v)
  if (keys.length === 0) return replacement
  const [c, ...rest] = choices as [number, ...number[]]
  if (c % 7 === 0) return replacement // stop here
  if (c % 7 === 1 && !Array.isArray(v))
    return { ...v, [ADDED_KEYS[(c >> 3) % ADDED_KEYS.length]!]: replacement }
  const key = keys[c % keys.length]!
  const copy: Record<string, unknown> = Array.isArray(v)
    ? ([...v] as unknown as Record<string, unknown>)
    : { ...v }
  const next = mutateAt((v as Record<string, unknown>)[key], rest, replacement)
  if (next === undefined && !Array.isArray(v)) delete copy[key]
  else copy[key] = next
  return copy
}

const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    undefined,
    '',
    '10.0.0.1/24',
    '0.0.0.0/0 10.0.0.1',
    '1e-7',
    'n0 n1',
    'ifc1 ifc0',
    'pseudo',
    'rj45',
    'lanswitch',
    '__proto__',
    'eth0',
    'lo0',
    '-1',
    'true',
    '42:00:aa:00:00:01',
    '01:00:5e:00:00:01',
    '50',
    '99999999',
    '1e13',
    '1000 20000000',
    'rip 1 ospf 1',
    'NODE_CONFIG x',
  ),
)

test('structural mutations of a valid lab (JSON and YAML)', () => {
  const base = loadYamlValue()
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.array(fc.nat(), { maxLength: 6 }), jsonish), { minLength: 1, maxLength: 4 }),
      (ms) => {
        let v = base
        for (const [path, r] of ms) v = mutateAt(v, path, r)
        const text = JSON.stringify(v) ?? 'null'
        onlyTopologyErrors(() => loadTopology(text, 'lab.json'))
        onlyTopologyErrors(() => loadTopology(text, 'lab.yaml'))
      },
    ),
    { numRuns: RUNS },
  )
})

test('IMUNES labs with any content under nodes and links still load', () => {
  const labs = ['two-lans.imn', 'hub.imn', 'dynamic-routing.imn'].map((f) =>
    JSON.parse(readFileSync(resolve(ROOT, 'examples/imunes', f), 'utf8')),
  )
  fc.assert(
    fc.property(
      fc.constantFrom(...labs),
      fc.array(fc.tuple(fc.array(fc.nat(), { maxLength: 7 }), jsonish), { minLength: 1, maxLength: 5 }),
      (lab, ms) => {
        let v: unknown = lab
        for (const [path, r] of ms) v = mutateAt(v, path, r)
        const text = JSON.stringify(v) ?? 'null'
        const o = v as Record<string, unknown> | null
        const hasNodes =
          o !== null &&
          typeof o === 'object' &&
          !Array.isArray(o) &&
          o.nodes !== null &&
          typeof o.nodes === 'object' &&
          !Array.isArray(o.nodes)
        if (hasNodes)
          loadImn(text, 'lab.imn') // must not throw at all
        else onlyTopologyErrors(() => loadImn(text, 'lab.imn'))
      },
    ),
    { numRuns: RUNS },
  )
})

function loadYamlValue(): unknown {
  // The structure of VALID_YAML as plain data, via a JSON round trip of an equivalent document.
  return {
    name: 'lab',
    defaults: { impair: { delay: '1ms' } },
    auto: { addressing: true, defaultRoutes: true, routes: true },
    nodes: {
      pc1: { kind: 'pc', interfaces: [{ name: 'eth0', mac: '42:00:aa:00:00:01' }], startup: ['echo hi'] },
      r1: {
        kind: 'router',
        interfaces: [{ name: 'eth0', address: '10.9.0.1/24', ipv6: ['fd00::1/64'] }],
        routes: [{ to: '10.8.0.0/16', via: '10.9.0.2' }],
      },
      r2: { kind: 'router' },
      sw: { kind: 'switch' },
      h: { kind: 'hub' },
    },
    links: [
      { a: 'pc1', b: 'sw' },
      { a: 'sw', b: 'r1:eth0', impair: { bandwidth: '10Mbit', loss: '1%', ab: { jitter: '1ms' } } },
      { a: 'r1', b: 'r2', direct: true },
      { a: 'r2', b: 'h', up: false },
    ],
  }
}

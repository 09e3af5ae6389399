/**
 * The architecture map as a test: imports point only downward through the layers of
 * shared/ARCHITECTURE.md, userland reaches the kernel only through the syscall interface, the core
 * never touches the OS, the wall clock or Math.random, and no module holds mutable state at top level.
 */

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')

/** What each layer may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  util: [],
  wire: ['util'],
  buf: ['util'],
  // The socket layer keeps received mbufs in its receive buffers, as uipc_sockbuf.c does.
  kern: ['util', 'buf'],
  stack: ['util', 'wire', 'buf', 'kern'],
  netgraph: ['util', 'wire', 'buf', 'stack'],
  jail: ['util', 'wire', 'buf', 'stack'],
  host: ['util', 'wire', 'buf', 'kern', 'stack', 'netgraph', 'jail'],
  // natd links libalias, a pure library built from the kernel's sources as FreeBSD's lib/libalias is.
  userland: ['util', 'wire', 'host/syscalls.ts', 'stack/netinet/libalias/'],
  topology: ['util', 'wire', 'host', 'userland'],
  platform: [
    'util',
    'wire',
    'buf',
    'kern',
    'stack',
    'netgraph',
    'jail',
    'host',
    'userland',
    'topology',
    'testing',
  ],
  testing: [
    'util',
    'wire',
    'buf',
    'kern',
    'stack',
    'netgraph',
    'jail',
    'host',
    'userland',
    'topology',
    'platform',
  ],
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return sources(p)
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : []
  })
}

const files = sources(SRC).map((path) => ({
  path,
  rel: relative(SRC, path),
  text: readFileSync(path, 'utf8'),
}))
const layerOf = (rel: string): string => rel.split('/')[0]!.replace(/\.ts$/, '')

test('imports point only downward through the layers', () => {
  const bad: string[] = []
  for (const f of files) {
    const layer = layerOf(f.rel)
    for (const m of f.text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'(\.[^']+)'/gm)) {
      const target = relative(SRC, resolve(dirname(f.path), m[1]!)).replace(/\.js$/, '.ts')
      const tl = layerOf(target)
      if (tl === layer) continue
      const ok = (ALLOWED[layer] ?? []).some((a) =>
        a.endsWith('.ts') ? target === a : a.endsWith('/') ? target.startsWith(a) : tl === a,
      )
      if (!ok) bad.push(`${f.rel} imports ${target}`)
    }
  }
  assert.deepEqual(bad, [])
})

test('net/ hands frames to protocols it does not know: nothing in stack/net imports stack/netinet', () => {
  // As FreeBSD's sys/net: protocols register by EtherType (netisr) and for address and link events
  // (eventhandlers), so IPv6 and packet filters plug in the same way.
  const bad: string[] = []
  for (const f of files) {
    if (!f.rel.startsWith('stack/net/')) continue
    for (const m of f.text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'(\.[^']+)'/gm)) {
      const target = relative(SRC, resolve(dirname(f.path), m[1]!))
      if (target.startsWith('stack/') && !target.startsWith('stack/net/'))
        bad.push(`${f.rel} imports ${target}`)
    }
  }
  assert.deepEqual(bad, [])
})

test('the core uses no node: modules, wall clock, real timers or Math.random', () => {
  const bad: string[] = []
  for (const f of files) {
    if (layerOf(f.rel) === 'platform' || layerOf(f.rel) === 'testing') continue
    const code = f.text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
    for (const re of [
      /from\s+'node:/,
      /\bDate\.now\b|\bnew Date\b/,
      /\bsetTimeout\b|\bsetImmediate\b|\bsetInterval\b/,
      /\bMath\.random\b/,
      // process.env and friends; not the userland module userland/process.js.
      /\bprocess\.(?!js')/,
    ])
      if (re.test(code)) bad.push(`${f.rel}: ${re.source}`)
  }
  assert.deepEqual(bad, [])
})

test('no module-level mutable state', () => {
  const bad: string[] = []
  for (const f of files) {
    const lines = f.text.split('\n')
    for (const [i, line] of lines.entries()) {
      if (/^(export )?(let|var) /.test(line)) bad.push(`${f.rel}:${i + 1}: ${line}`)
      // Top-level containers must be read-only: a Readonly type, `as const`, or a joined string.
      if (!/^(export )?const \w+ = (new (Map|Set|WeakMap|Array)\b|\[)/.test(line)) continue
      let end = i + 1
      while (end < lines.length && /^\s|^[\])]/.test(lines[end]!)) end++
      const stmt = lines.slice(i, end).join('\n')
      if (!/as const|\.join\(|Object\.freeze\(/.test(stmt)) bad.push(`${f.rel}:${i + 1}: ${line}`)
    }
  }
  assert.deepEqual(bad, [])
})

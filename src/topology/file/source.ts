/**
 * Topology text to a plain value plus a way back from a path to its line. YAML and JSON both go
 * through the `yaml` package (JSON is, for practical purposes, YAML flow syntax), keeping the document
 * tree and a LineCounter so that any diagnostic path can be located in the text — including in JSON,
 * where JSON.parse knows no lines. Syntax errors are TopologyErrors naming file and line.
 */

import {
  type Alias,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type YAMLMap,
} from 'yaml'
import { type LineOf, type Path, TopologyError } from './diagnostics.js'

export interface Source {
  /** The document as plain data (objects, arrays, strings, numbers, booleans, null). */
  value: unknown
  lineOf: LineOf
  /** Parser warnings (unknown tags and the like), already rendered. */
  warnings: string[]
}

export interface ParseOptions {
  /** JSON input: if the YAML reading fails but JSON.parse succeeds, use that (no line numbers then). */
  json?: boolean
  /** Accept repeated keys, the last one winning (JSON.parse's rule), instead of reporting an error. */
  duplicateKeys?: boolean
}

/** Aliases may repeat a subtree; more than this many is a "billion laughs" document, not a lab. */
const MAX_ALIASES = 1000

export function parseSource(text: string, fileName: string, opts: ParseOptions = {}): Source {
  const lc = new LineCounter()
  const doc = parseDocument(text, {
    lineCounter: lc,
    prettyErrors: false,
    merge: true,
    // The parser's own check compares each key with every earlier one (quadratic: seconds for a lab
    // of ten thousand nodes); duplicateKeyErrors does the same check with a set.
    uniqueKeys: false,
    stringKeys: true,
    resolveKnownTags: false,
  })
  const lineAt = (offset: number) => lc.linePos(offset).line
  const duplicates = opts.duplicateKeys ? [] : duplicateKeyOffsets(doc.contents)
  if (doc.errors.length > 0 || duplicates.length > 0) {
    // Duplicate keys stay errors: JSON.parse would silently keep the last one.
    if (opts.json && duplicates.length === 0) {
      const fallback = parseJson(text)
      if (fallback.ok) return { value: fallback.value, lineOf: () => null, warnings: [] }
    }
    const found: Array<[number, string]> = [
      ...doc.errors.map((e): [number, string] => [e.pos[0], firstLine(e.message)]),
      ...duplicates.map((offset): [number, string] => [offset, 'Map keys must be unique']),
    ]
    const errors = found
      .sort((a, b) => a[0] - b[0])
      .map(([offset, message]) => `${fileName}:${lineAt(offset)}: syntax error: ${message}`)
    throw new TopologyError(errors)
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES })
  } catch (e) {
    throw new TopologyError([
      `${fileName}: ${e instanceof Error ? firstLine(e.message) : 'unreadable document'}`,
    ])
  }
  const warnings = doc.warnings.map((w) => `${fileName}:${lineAt(w.pos[0])}: ${firstLine(w.message)}`)
  const lineOf: LineOf = (path) => {
    const offset = offsetOf(doc.contents, path, (a) => a.resolve(doc))
    return offset === null ? null : lineAt(offset)
  }
  return { value, lineOf, warnings }
}

/** Offsets of mapping keys that repeat an earlier key of the same mapping, in document order. */
function duplicateKeyOffsets(root: unknown): number[] {
  const out: number[] = []
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<unknown>()
      for (const p of node.items) {
        if (isScalar(p.key)) {
          if (seen.has(p.key.value)) out.push(rangeStart(p.key) ?? 0)
          else seen.add(p.key.value)
        }
        walk(p.value)
      }
    } else if (isSeq(node)) for (const item of node.items) walk(item)
  }
  walk(root)
  return out.sort((a, b) => a - b)
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

function firstLine(s: string): string {
  const i = s.indexOf('\n')
  return (i < 0 ? s : s.slice(0, i)).trim()
}

type Resolve = (alias: Alias) => unknown

/**
 * The text offset of the deepest node along `path`: a mapping entry is located at its key (so an
 * unknown or wrong key points at its own line), a list item at the item. Stops at the first missing
 * step, so a missing property is reported at its parent.
 */
function offsetOf(root: unknown, path: Path, resolve: Resolve): number | null {
  let node: unknown = root
  let offset = rangeStart(node) ?? 0
  for (const seg of path) {
    node = deref(node, resolve)
    if (isMap(node)) {
      const pair = findPair(node, String(seg), resolve)
      if (!pair) break
      offset = rangeStart(pair.key) ?? rangeStart(pair.value) ?? offset
      node = pair.value
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg]
      if (item === undefined) break
      offset = rangeStart(item) ?? offset
      node = item
    } else {
      break
    }
  }
  return offset
}

function deref(node: unknown, resolve: Resolve): unknown {
  // Bounded: an alias resolves to an anchored node, which is never itself an alias.
  for (let i = 0; i < 8 && isAlias(node); i++) node = resolve(node)
  return node
}

function findPair(
  map: YAMLMap,
  key: string,
  resolve: Resolve,
  depth = 0,
): { key: unknown; value: unknown } | null {
  for (const p of map.items) if (isScalar(p.key) && String(p.key.value) === key) return p
  // `<<: *base` merge keys: look in the merged mappings too (not deeper than a few levels).
  if (depth > 4) return null
  for (const p of map.items) {
    if (!isScalar(p.key) || p.key.value !== '<<') continue
    const sources = isSeq(p.value) ? p.value.items : [p.value]
    for (const s of sources) {
      const m = deref(s, resolve)
      if (isMap(m)) {
        const found = findPair(m, key, resolve, depth + 1)
        if (found) return found
      }
    }
  }
  return null
}

function rangeStart(n: unknown): number | null {
  const range = (n as Node | null | undefined)?.range
  return range ? range[0] : null
}

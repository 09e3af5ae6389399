/**
 * The entry points for topology text: loadTopology for VirtNet's own format (YAML or JSON) and loadAny,
 * which also recognises IMUNES `.imn` labs. Both take the text and the file name (for messages and the
 * default lab name) — reading files is the platform layer's job — and either return the resolved
 * topology with its warnings or throw one TopologyError listing every problem, before anything starts.
 */

import { CORE_SCHEMA, load as yamlLoad } from 'js-yaml'
import { loadImn } from '../imn/imn.js'
import type { Topology } from '../model.js'
import { Diagnostics, guard, render, show, TopologyError } from './diagnostics.js'
import { hasDuplicateKeys } from './json_keys.js'
import { labNameFrom, normalize } from './normalize.js'
import { type TopologyFile, TopologySchema } from './schema.js'
import { parseSource } from './source.js'
import { checkSchema } from './validate.js'

export interface Loaded {
  topology: Topology
  /** Rendered `file:line: where: message` lines; the lab runs anyway. */
  warnings: string[]
}

/**
 * Parses, validates and resolves a YAML or JSON topology (JSON is read by the YAML parser too, so its
 * messages carry line numbers). Automatic addressing and routing, if the file asks for them, are
 * already applied. Throws TopologyError and nothing else.
 */
export function loadTopology(text: string, fileName: string): Loaded {
  return guard(fileName, () => {
    return loadFast(text, fileName, extensionOf(fileName) === 'json') ?? loadFull(text, fileName)
  })
}

/** The line-tracking path alone (tests compare it with the fast one). */
export function loadFull(text: string, fileName: string): Loaded {
  return guard(fileName, () => {
    const src = parseSource(text, fileName, { json: extensionOf(fileName) === 'json' })
    const v = src.value
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new TopologyError(
        [`${fileName}:1: expected a topology (an object with nodes and links), got ${show(v)}`],
        src.warnings,
      )
    const diags = new Diagnostics()
    let topology: Topology | null = null
    // Semantic checks need the structure right; structural problems are all reported together first.
    if (checkSchema(TopologySchema, v, diags))
      topology = normalize(v as TopologyFile, diags, { name: labNameFrom(fileName) })
    const { errors, warnings } = render(diags.list, fileName, src.lineOf)
    const allWarnings = [...src.warnings, ...warnings]
    if (errors.length > 0 || topology === null) throw new TopologyError(errors, allWarnings)
    return { topology, warnings: allWarnings }
  })
}

/** A token that begins with `&`, `*` or `!` (quotes not told apart: they only cost the fast path). */
const ANCHOR_OR_TAG = /(?:^|[\s,[{:])[&*!]/

/**
 * The line-tracking parser (the `yaml` package) is slow on big files: 1.7 s for a 10,000-node lab,
 * against 0.1 s for js-yaml and less for JSON.parse. A file that a fast parser reads without repeated
 * keys and that validates without a single message loads that way; anything else returns null and
 * goes the full path, whose messages can name lines.
 */
function loadFast(text: string, fileName: string, json: boolean): Loaded | null {
  // js-yaml is more lenient than the `yaml` package with flow collections spread over lines (it
  // takes badly indented continuations the other refuses): those files go the full path.
  if (!json && flowSpansLines(text)) return null
  // js-yaml also takes an anchor or tag glued to a flow collection (`&a{`) that `yaml` refuses:
  // anything starting with an anchor, alias or tag goes the full path too (labs rarely have them).
  if (!json && ANCHOR_OR_TAG.test(text)) return null
  let v: unknown
  try {
    // js-yaml's core schema, as the `yaml` package's default: no timestamps, no YAML 1.1 booleans;
    // it refuses repeated keys itself.
    v = json ? JSON.parse(text) : yamlLoad(text, { schema: CORE_SCHEMA })
  } catch {
    return null
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v) || (json && hasDuplicateKeys(text))) return null
  const diags = new Diagnostics()
  if (!checkSchema(TopologySchema, v, diags)) return null
  const topology = normalize(v as TopologyFile, diags, { name: labNameFrom(fileName) })
  return diags.list.length === 0 ? { topology, warnings: [] } : null
}

/** Whether some `{...}` or `[...]` opens on one line and closes on another (quotes and comments aside). */
function flowSpansLines(text: string): boolean {
  let depth = 0
  let quote = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote !== '') {
      if (c === quote) quote = ''
      else if (c === '\n') return true
      continue
    }
    if (c === '"' || c === "'") quote = c
    else if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') depth--
    else if (c === '#' && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\n'))
      while (i + 1 < text.length && text[i + 1] !== '\n') i++
    else if (c === '\n' && depth !== 0) return true
  }
  return depth !== 0
}

/**
 * Loads any supported topology: `.imn` is IMUNES, `.yaml`/`.yml` VirtNet's format; for `.json` and
 * other names the content decides (an IMUNES lab has nodes with a `type`, VirtNet's have a `kind`).
 */
export function loadAny(text: string, fileName: string): Loaded {
  return guard(fileName, () => {
    const ext = extensionOf(fileName)
    if (ext === 'imn') return loadImn(text, fileName)
    if (ext === 'yaml' || ext === 'yml') return loadTopology(text, fileName)
    return looksLikeImunes(text) ? loadImn(text, fileName) : loadTopology(text, fileName)
  })
}

function extensionOf(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? ''
  const dot = base.lastIndexOf('.')
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase()
}

/** IMUNES JSON (nodes carrying `type`, or its `gui`/`options` members) or the legacy Tcl-like syntax. */
function looksLikeImunes(text: string): boolean {
  if (/^\s*(?:node|link|canvas|option|annotation)\s+\S+\s*\{/.test(text)) return true
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return false
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const o = v as Record<string, unknown>
  if (Object.hasOwn(o, 'gui') || Object.hasOwn(o, 'options')) return true
  const nodes = o.nodes
  if (nodes === null || typeof nodes !== 'object') return false
  const first = Object.values(nodes)[0] as Record<string, unknown> | undefined
  return first !== null && typeof first === 'object' && 'type' in first && !('kind' in first)
}

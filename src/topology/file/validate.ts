/**
 * Structural validation of a parsed topology file against the TypeBox schema, with messages written
 * for people: TypeBox reports "Expected union value" at a JSON pointer; this turns each report into
 * `nodes.r1.kind: 'swtch' is not one of pc, host, router, switch, hub (did you mean 'switch'?)`.
 *
 * The rules: a mismatch inside a union is explained by the one alternative whose JSON type matches the
 * value when that alternative is a container (so errors point inside the object), and otherwise by the
 * union's title; all-literal unions list their choices; unknown keys get a did-you-mean from the keys
 * the object allows; a record's invalid keys are all reported, not only the first (TypeBox stops at one).
 */

import type { TSchema } from '@sinclair/typebox'
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors'
import { Value } from '@sinclair/typebox/value'
import { type Diagnostics, type Path, show, suggest } from './diagnostics.js'

/** Enough to report every problem of a real file; bounds the work on hostile input. */
const MAX_SCHEMA_ERRORS = 300

type Schema = TSchema & Record<string, unknown>

/** Adds one diagnostic per problem; returns true when the value matches the schema. */
export function checkSchema(schema: TSchema, value: unknown, diags: Diagnostics): boolean {
  const ctx: Ctx = { root: value, diags, required: new Set(), records: new Set(), count: 0 }
  let ok = true
  for (const e of Value.Errors(schema, value)) {
    ok = false
    explain(ctx, e)
    if (++ctx.count >= MAX_SCHEMA_ERRORS) break
  }
  return ok
}

interface Ctx {
  root: unknown
  diags: Diagnostics
  /** JSON pointers already reported as missing, so the follow-up type error there is dropped. */
  required: Set<string>
  /** Records whose bad keys were all reported already. */
  records: Set<string>
  count: number
}

function explain(ctx: Ctx, e: ValueError): void {
  const schema = e.schema as Schema
  const path = toPath(ctx.root, e.path)
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty: {
      ctx.required.add(e.path)
      const key = String(path[path.length - 1])
      const choices = literalChoices(schema)
      ctx.diags.error(path.slice(0, -1), `missing '${key}'${choices ? ` (${choices.join(', ')})` : ''}`)
      return
    }
    case ValueErrorType.ObjectAdditionalProperties:
      unknownKey(ctx, schema, path, e.path)
      return
    case ValueErrorType.Union:
      if (!ctx.required.has(e.path)) union(ctx, e, schema, path)
      return
    default:
      if (ctx.required.has(e.path)) return
      ctx.diags.error(path, leafMessage(e, schema))
  }
}

function unknownKey(ctx: Ctx, schema: Schema, path: Path, pointer: string): void {
  const parent = path.slice(0, -1)
  const key = String(path[path.length - 1])
  const patterns = schema.patternProperties as Record<string, unknown> | undefined
  if (patterns) {
    // A record (nodes by name): report every key that is not a valid name, each at its own line.
    const parentPointer = pointer.slice(0, pointer.lastIndexOf('/'))
    if (ctx.records.has(parentPointer)) return
    ctx.records.add(parentPointer)
    const re = new RegExp(Object.keys(patterns)[0]!)
    const what = ((schema.propertyNames as Schema | undefined)?.title as string | undefined) ?? 'a valid name'
    const obj = valueAt(ctx.root, parent)
    const keys = obj !== null && typeof obj === 'object' ? Object.keys(obj) : [key]
    for (const k of keys) if (!re.test(k)) ctx.diags.error([...parent, k], `${show(k)} is not ${what}`)
    return
  }
  const known = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {})
  const hint = suggest(key, known)
  ctx.diags.error(parent, `unknown property ${show(key)}${hint ? ` (did you mean '${hint}'?)` : ''}`, path)
}

function union(ctx: Ctx, e: ValueError, schema: Schema, path: Path): void {
  const variants = (schema.anyOf as Schema[] | undefined) ?? []
  const choices = literalChoices(schema)
  if (choices) {
    const hint = typeof e.value === 'string' ? suggest(e.value, choices) : null
    ctx.diags.error(
      path,
      `${show(e.value)} is not one of ${choices.join(', ')}${hint ? ` (did you mean '${hint}'?)` : ''}`,
    )
    return
  }
  const matching = variants.flatMap((v, i) => (typeMatches(v, e.value) ? [i] : []))
  const only = matching.length === 1 ? variants[matching[0]!]! : null
  const container = only !== null && (only.type === 'object' || only.type === 'array')
  if (only !== null && (container || !schema.title)) {
    const sub = e.errors[matching[0]!]
    if (sub) {
      for (const inner of sub) {
        explain(ctx, inner)
        if (++ctx.count >= MAX_SCHEMA_ERRORS) return
      }
      return
    }
  }
  if (typeof schema.title === 'string') {
    ctx.diags.error(path, `${show(e.value)} is not ${schema.title}`)
    return
  }
  ctx.diags.error(path, `expected ${variants.map(typeName).join(' or ')}, got ${show(e.value)}`)
}

function leafMessage(e: ValueError, schema: Schema): string {
  const title = typeof schema.title === 'string' ? schema.title : null
  const v = e.value
  switch (e.type) {
    case ValueErrorType.String:
    case ValueErrorType.Number:
    case ValueErrorType.Integer:
    case ValueErrorType.Boolean:
    case ValueErrorType.Array:
    case ValueErrorType.Object:
      if (title && v !== null && typeof v !== 'object') return `${show(v)} is not ${title}`
      return `expected ${typeName(schema)}, got ${show(v)}`
    case ValueErrorType.StringPattern:
      return title ? `${show(v)} is not ${title}` : `${show(v)} does not match ${String(schema.pattern)}`
    case ValueErrorType.StringMaxLength:
      return `${show(v)} is too long (at most ${String(schema.maxLength)} characters)`
    case ValueErrorType.StringMinLength:
      return `${show(v)} is too short (at least ${String(schema.minLength)} characters)`
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return title
        ? `${show(v)} is not ${title}`
        : `${show(v)} is less than the minimum ${String(schema.minimum)}`
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return title
        ? `${show(v)} is not ${title}`
        : `${show(v)} is more than the maximum ${String(schema.maximum)}`
    default:
      return e.message
  }
}

/** The choices of a union of string literals (`kind`), or null. */
function literalChoices(schema: Schema): string[] | null {
  const variants = schema.anyOf as Schema[] | undefined
  if (!variants || variants.length === 0) return null
  if (!variants.every((v) => typeof v.const === 'string')) return null
  return variants.map((v) => v.const as string)
}

function typeMatches(schema: Schema, v: unknown): boolean {
  switch (schema.type) {
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v)
    case 'array':
      return Array.isArray(v)
    case 'integer':
    case 'number':
      return typeof v === 'number'
    case 'string':
      return typeof v === 'string'
    case 'boolean':
      return typeof v === 'boolean'
    default:
      return false
  }
}

function typeName(schema: Schema): string {
  switch (schema.type) {
    case 'object':
      return 'an object'
    case 'array':
      return 'a list'
    case 'integer':
      return 'an integer'
    case 'number':
      return 'a number'
    case 'string':
      return 'a string'
    case 'boolean':
      return 'true or false'
    default:
      return 'a value'
  }
}

/** JSON pointer to path; a segment indexing an array becomes a number (`interfaces[1]`). */
function toPath(root: unknown, pointer: string): Path {
  const out: (string | number)[] = []
  let v: unknown = root
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(v) && /^(?:0|[1-9][0-9]*)$/.test(seg)) {
      out.push(Number(seg))
      v = v[Number(seg)]
    } else {
      out.push(seg)
      v =
        v !== null && typeof v === 'object' && Object.hasOwn(v, seg)
          ? (v as Record<string, unknown>)[seg]
          : undefined
    }
  }
  return out
}

function valueAt(root: unknown, path: Path): unknown {
  let v = root
  for (const seg of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, seg)) return undefined
    v = (v as Record<string | number, unknown>)[seg]
  }
  return v
}

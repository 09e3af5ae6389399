/**
 * jq's paths on values: getpath, setpath, delpaths and the walk behind `paths`/`leaf_paths`, as
 * jq 1.7 does them (a path is an array of keys, indices and `{start, end}` slices; missing parts
 * read as null and are made on write). Values are never changed in place: a write copies what it
 * passes through. Failures are JqError with jq's wording.
 */

import { compare, index, type J, JqError, kind, show, slice } from './value.js'

function sliceBounds(k: Map<string, J>, len: number): [number, number] {
  const s = k.get('start') ?? null
  const e = k.get('end') ?? null
  if ((s !== null && typeof s !== 'number') || (e !== null && typeof e !== 'number'))
    throw new JqError('Start and end indices of an array slice must be numbers')
  const clamp = (x: number): number => Math.max(0, Math.min(len, x < 0 ? len + x : x))
  const from = s === null ? 0 : clamp(Math.floor(s))
  return [from, Math.max(from, e === null ? len : clamp(Math.ceil(e)))]
}

function pathArray(p: J): J[] {
  if (!Array.isArray(p)) throw new JqError('Path must be specified as an array')
  return p
}

export function getpath(v: J, p: J): J {
  let cur = v
  for (const k of pathArray(p)) {
    if (cur === null) return null
    cur = k instanceof Map ? slice(cur, k.get('start') ?? null, k.get('end') ?? null) : index(cur, k)
  }
  return cur
}

function setAt(v: J, path: readonly J[], i: number, x: J): J {
  if (i === path.length) return x
  const k = path[i]!
  if (typeof k === 'string') {
    if (v !== null && !(v instanceof Map)) throw new JqError(`Cannot index ${kind(v)} with "${k}"`)
    const m = new Map(v ?? [])
    m.set(k, setAt(m.get(k) ?? null, path, i + 1, x))
    return m
  }
  if (typeof k === 'number') {
    if (v !== null && !Array.isArray(v)) throw new JqError(`Cannot index ${kind(v)} with number`)
    const a = [...(v ?? [])]
    let n = Math.floor(k)
    if (n < 0) {
      n += a.length
      if (n < 0) throw new JqError('Out of bounds negative array index')
    }
    if (n > 100_000_000) throw new JqError('Array index too large')
    while (a.length < n) a.push(null)
    a[n] = setAt(a[n] ?? null, path, i + 1, x)
    return a
  }
  if (k instanceof Map) {
    if (v !== null && !Array.isArray(v))
      throw new JqError(`Cannot update field at object index of ${kind(v)}`)
    const a = v ?? []
    const [from, to] = sliceBounds(k, a.length)
    const repl = setAt(a.slice(from, to), path, i + 1, x)
    if (!Array.isArray(repl)) throw new JqError('A slice of an array can only be assigned another array')
    return [...a.slice(0, from), ...repl, ...a.slice(to)]
  }
  throw new JqError(`Cannot index ${kind(v)} with ${kind(k)}`)
}

export function setpath(v: J, p: J, x: J): J {
  return setAt(v, pathArray(p), 0, x)
}

function delAt(v: J, path: readonly J[], i: number): J {
  if (v === null) return null
  const k = path[i]!
  if (i < path.length - 1) {
    const inner = k instanceof Map ? slice(v, k.get('start') ?? null, k.get('end') ?? null) : index(v, k)
    return setAt(v, [k], 0, delAt(inner, path, i + 1))
  }
  if (typeof k === 'string') {
    if (!(v instanceof Map)) throw new JqError(`Cannot delete field at object index of ${kind(v)}`)
    const m = new Map(v)
    m.delete(k)
    return m
  }
  if (!Array.isArray(v)) throw new JqError(`Cannot delete field at index of ${kind(v)}`)
  if (typeof k === 'number') {
    const n = k < 0 ? v.length + Math.floor(k) : Math.floor(k)
    if (n < 0) throw new JqError('Out of bounds negative array index')
    return v.filter((_x, j) => j !== n)
  }
  if (k instanceof Map) {
    const [from, to] = sliceBounds(k, v.length)
    return [...v.slice(0, from), ...v.slice(to)]
  }
  throw new JqError(`Cannot delete field at index of ${kind(v)}`)
}

/** delpaths: the longest (greatest) paths first, so earlier deletions do not move later ones. */
export function delpaths(v: J, ps: J): J {
  const all = [...pathArray(ps)].map(pathArray).sort((a, b) => compare(b, a))
  let out = v
  for (const p of all) out = p.length === 0 ? null : delAt(out, p, 0)
  return out
}

/** Every path below v (not v's own), depth first, with the value there: `paths`'s walk. */
export function* walkPaths(v: J, prefix: J[] = []): Generator<[J[], J]> {
  if (Array.isArray(v))
    for (let i = 0; i < v.length; i++) {
      const p = [...prefix, i]
      yield [p, v[i]!]
      yield* walkPaths(v[i]!, p)
    }
  else if (v instanceof Map)
    for (const [k, x] of v) {
      const p = [...prefix, k]
      yield [p, x]
      yield* walkPaths(x, p)
    }
}

/** `Invalid path expression with result X`: a filter that is not a path used where one must be. */
export function notAPath(x: J): JqError {
  return new JqError(`Invalid path expression with result ${show(x)}`)
}

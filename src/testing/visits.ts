/**
 * A work counter for complexity tests without clocks: while `fn` runs, every element that passes
 * through an iterator of an Array, Map or Set, and the length of every array a search or transform
 * method (find, filter, some, includes, map ...) is called on, is counted. A per-item operation
 * whose count grows with the number of items is a scan; a listing whose count grows faster than
 * its size is quadratic. Counts are deterministic, so tests can compare them exactly.
 *
 * It patches the built-in prototypes for the duration of a synchronous call only and restores them
 * in `finally`; test support, never used by the product.
 */

type Patch = { proto: object; key: PropertyKey; orig: unknown }

const ARRAY_SCANS = [
  'find',
  'findIndex',
  'findLast',
  'filter',
  'some',
  'every',
  'map',
  'flatMap',
  'forEach',
  'includes',
  'indexOf',
  'lastIndexOf',
  'reduce',
  'slice',
  'concat',
  'sort',
  'join',
].join(' ')

/** Elements visited while fn runs (synchronously), and fn's result. */
export function countVisits<T>(fn: () => T): { visits: number; result: T } {
  let visits = 0
  const patches: Patch[] = []
  const patch = (proto: object, key: PropertyKey, make: (orig: (...a: unknown[]) => unknown) => unknown) => {
    const orig = (proto as Record<PropertyKey, unknown>)[key] as (...a: unknown[]) => unknown
    patches.push({ proto, key, orig })
    Object.defineProperty(proto, key, { value: make(orig), writable: true, configurable: true })
  }
  const countingIterator = (orig: (...a: unknown[]) => unknown) =>
    function (this: unknown, ...args: unknown[]) {
      const it = orig.apply(this, args) as Iterator<unknown>
      const next = it.next.bind(it)
      return {
        next() {
          const r = next()
          if (r.done !== true) visits++
          return r
        },
        [Symbol.iterator]() {
          return this
        },
      }
    }
  for (const name of ARRAY_SCANS.split(' '))
    patch(
      Array.prototype,
      name,
      (orig) =>
        function (this: unknown[], ...args: unknown[]) {
          visits += this.length
          return orig.apply(this, args)
        },
    )
  for (const key of [Symbol.iterator, 'values', 'keys', 'entries'])
    patch(Array.prototype, key, countingIterator)
  for (const proto of [Map.prototype, Set.prototype]) {
    for (const key of [Symbol.iterator, 'values', 'keys', 'entries']) patch(proto, key, countingIterator)
    patch(
      proto,
      'forEach',
      (orig) =>
        function (this: Map<unknown, unknown>, ...args: unknown[]) {
          visits += this.size
          return orig.apply(this, args)
        },
    )
  }
  try {
    const result = fn()
    return { visits, result }
  } finally {
    for (const p of patches.reverse())
      Object.defineProperty(p.proto, p.key, { value: p.orig, writable: true, configurable: true })
  }
}

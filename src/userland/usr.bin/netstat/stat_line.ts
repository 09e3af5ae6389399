/**
 * One counter line of `netstat -s` as inet.c's xo_emit writes it: the counters shown as numbers in
 * the display text and encoded under their libxo field names. Shared by proto_stats.ts and tcp.ts.
 * Pure formatting.
 */

import type { Xo } from '../../lib/libxo/xo.js'

/** plural(), plurales(), pluralies() and none. */
export type Plural = 's' | 'es' | 'ies' | null

export function pluralize(n: number, p: Plural): string {
  if (p === 's') return n !== 1 ? 's' : ''
  if (p === 'es') return n !== 1 ? 'es' : ''
  if (p === 'ies') return n !== 1 ? 'ies' : 'y'
  return ''
}

/**
 * One xo_emit of a counter line: `text`'s `%d`s become the fields (shown as numbers, encoded under
 * `fields`' names), each `%s` the plural suffix of the counter before it; the rest is display text.
 */
export function emitCounters(
  xo: Xo,
  text: string,
  values: readonly number[],
  fields: readonly string[],
  p: Plural,
): void {
  let i = 0
  let last = 0
  let buf = ''
  for (const part of text.split(/(%[ds])/)) {
    if (part === '%d') {
      xo.text(buf)
      buf = ''
      last = values[i] ?? 0
      xo.field(fields[i] ?? `counter${i}`, last)
      i++
    } else if (part === '%s') buf += pluralize(last, p)
    else buf += part
  }
  xo.text(buf)
}

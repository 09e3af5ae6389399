/**
 * Routing daemons in labs: the startup lines that start ripd and configure it through vtysh the way
 * IMUNES does for its FRR routers (a here-document of `configure terminal` lines), from a node's `rip`
 * setting. The lab waits for the routes to settle after startup (emulator.ts).
 *
 * Must not: run anything itself; it only writes shell lines.
 */

import type { RipFile } from './schema.js'

/** The here-document's end marker, as IMUNES spells it. */
const EOF_MARK = '__EOF__'

/** Startup lines for `rip: true` or `rip: {...}`. */
export function ripStartup(rip: true | RipFile): string[] {
  const spec: RipFile = rip === true ? {} : rip
  if (spec.configure === false) return ['ripd -d']
  const lines = ['ripd -d', `vtysh << ${EOF_MARK}`, 'configure terminal', 'router rip']
  for (const r of spec.redistribute ?? ['connected']) lines.push(` redistribute ${r}`)
  for (const n of spec.networks ?? ['0.0.0.0/0']) lines.push(` network ${n}`)
  for (const p of spec.passive ?? []) lines.push(` passive-interface ${p}`)
  lines.push('!', EOF_MARK)
  return lines
}

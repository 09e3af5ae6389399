/**
 * IMUNES's vocabulary as the importer (imn.ts) reads it: node types and what they become, the
 * types it cannot emulate yet, and the JSON values of a lab: objects looked up without prototype
 * surprises, lists as arrays or space-separated strings.
 *
 * Must not: warn or decide; the importer does.
 */

import type { NodeKind } from '../model.js'

export const KINDS: Readonly<Record<string, NodeKind>> = Object.freeze({
  pc: 'pc',
  host: 'host',
  router: 'router',
  // A router that also runs TAYGA on tun0 (imn_nat64.ts).
  nat64: 'router',
  lanswitch: 'switch',
  hub: 'hub',
  // A real NIC (rj45: the machine's interface, read raw) or a link to the host (ext: over VXLAN, and
  // the .imn file has no end point for it): the far end of one cable.
  rj45: 'external',
  ext: 'external',
})

/** IMUNES node types VirtNet cannot emulate yet (IMUNES.md); their nodes and links are skipped. */
export const UNSUPPORTED: Readonly<Record<string, string>> = Object.freeze({
  extnat: 'NAT to the host',
  stpswitch: 'a spanning-tree switch',
  filter: 'a packet filter node',
  packgen: 'a packet generator',
  wlan: 'wireless LAN',
})

export type Obj = Record<string, unknown>
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v)
export const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined)
/** Table lookup by a key from the file: `__proto__` or `constructor` must not find Object's members. */
export const lookup = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined

export interface NodeInfo {
  id: string
  name: string
  type: string
  /** IMUNES interface id -> our interface name, for the links. */
  ifaces: Map<string, string>
}

/** IMUNES lists are JSON arrays in current files and space-separated strings in converted ones. */
export function words(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string' || typeof x === 'number').map(String)
  if (typeof v === 'string') return v.trim() === '' ? [] : v.trim().split(/\s+/)
  if (typeof v === 'number') return [String(v)]
  return []
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : typeof v === 'string' && v.trim() !== '' ? [v] : []
}

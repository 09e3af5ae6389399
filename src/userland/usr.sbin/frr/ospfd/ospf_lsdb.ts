/**
 * ospfd's link-state database for one flooding scope (an area, or the AS for external LSAs): LSAs
 * by (type, link state id, advertising router), each with the time it arrived so that its age is
 * computed when asked (RFC 2328 §12.1.1, §14), never counted down by a timer per LSA. Bounded by
 * `limit`: a new LSA past it is refused and counted (the caller drops it unacknowledged).
 *
 * Must not: read a clock (time is passed in) or do I/O.
 */

import {
  type Lsa,
  lsaKey,
  MAX_AGE,
  parseNetworkLsa,
  parseRouterLsa,
  type RouterLsa,
} from '../../../../wire/ospf.js'

export const SEC_NS = 1e9

export interface LsaEntry {
  lsa: Lsa
  /** LS age when it arrived (or was originated) and the host-clock ns then. */
  rcvAge: number
  rcvTime: number
  /** Parsed router-LSA or network-LSA body, kept for SPF (null for other types or bad bodies). */
  router: RouterLsa | null
  network: { mask: number; routers: number[] } | null
}

export class Lsdb {
  readonly map = new Map<string, LsaEntry>()
  limit: number
  /** LSAs refused because the database was full. */
  refused = 0

  constructor(limit: number) {
    this.limit = limit
  }

  get size(): number {
    return this.map.size
  }

  get(type: number, id: number, advRtr: number): LsaEntry | undefined {
    return this.map.get(lsaKey(type, id, advRtr))
  }

  /** Install (replace) an instance; false when it is new and the database is full. */
  install(lsa: Lsa, now: number): LsaEntry | null {
    const k = lsaKey(lsa.hdr.type, lsa.hdr.id, lsa.hdr.advRtr)
    if (!this.map.has(k) && this.map.size >= this.limit) {
      this.refused++
      return null
    }
    const e: LsaEntry = {
      lsa,
      rcvAge: lsa.hdr.age,
      rcvTime: now,
      router: lsa.hdr.type === 1 ? parseRouterLsa(lsa.data) : null,
      network: lsa.hdr.type === 2 ? parseNetworkLsa(lsa.data) : null,
    }
    this.map.set(k, e)
    return e
  }

  delete(type: number, id: number, advRtr: number): void {
    this.map.delete(lsaKey(type, id, advRtr))
  }

  /** The entries in FRR's display order: by type, link state id, advertising router. */
  sorted(): LsaEntry[] {
    return [...this.map.values()].sort(
      (a, b) =>
        a.lsa.hdr.type - b.lsa.hdr.type ||
        (a.lsa.hdr.id >>> 0) - (b.lsa.hdr.id >>> 0) ||
        (a.lsa.hdr.advRtr >>> 0) - (b.lsa.hdr.advRtr >>> 0),
    )
  }
}

/** The LS age of an entry at `now` (whole seconds, at most MaxAge). */
export function ageOf(e: LsaEntry, now: number): number {
  if (e.rcvAge >= MAX_AGE) return MAX_AGE
  return Math.min(MAX_AGE, e.rcvAge + Math.floor((now - e.rcvTime) / SEC_NS))
}

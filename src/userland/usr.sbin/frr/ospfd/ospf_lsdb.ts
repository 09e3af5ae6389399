/**
 * ospfd's link-state database for one flooding scope (an area, or the AS for external LSAs): LSAs
 * by (type, link state id, advertising router), each with the time it arrived so that its age is
 * computed when asked (RFC 2328 §12.1.1, §14), never counted down by a timer per LSA. Bounded by
 * `limit`: a new LSA past it is refused and counted (the caller drops it unacknowledged).
 *
 * Must not: read a clock (time is passed in) or do I/O.
 */

import {
  LS_REFRESH_TIME,
  type Lsa,
  lsaKey,
  MAX_AGE,
  parseNetworkLsa,
  parseRouterLsa,
  type RouterLsa,
} from '../../../../wire/routing/ospf.js'

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
  /** Entries by lsaKey; change it only through install, delete and clear (the indexes follow it). */
  readonly map = new Map<string, LsaEntry>()
  /**
   * The entries of each advertising router by advKey(type, id): a router finds its own without a
   * scan, and get() looks up by numbers rather than building a key string.
   */
  readonly byAdv = new Map<number, Map<number, LsaEntry>>()
  /** Router-LSAs by router id (link state id = advertising router), for SPF's lookups. */
  readonly routers = new Map<number, LsaEntry>()
  /** Network-LSAs by link state id (the DR's interface address), any advertising router. */
  readonly networks = new Map<number, Map<string, LsaEntry>>()
  /**
   * No entry reaches LSRefreshTime or MaxAge before this host-clock time (a lower bound, lowered on
   * install, recomputed by the scan that reaches it): the periodic age scan skips the database till then.
   */
  dueAt = Number.POSITIVE_INFINITY
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
    return this.byAdv.get(advRtr >>> 0)?.get(advKey(type, id))
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
    this.index(k, e)
    this.dueAt = Math.min(this.dueAt, nextAgeEvent(e))
    return e
  }

  delete(type: number, id: number, advRtr: number): void {
    this.deleteKey(lsaKey(type, id, advRtr))
  }

  deleteKey(k: string): void {
    const e = this.map.get(k)
    if (e === undefined) return
    this.map.delete(k)
    const h = e.lsa.hdr
    const adv = this.byAdv.get(h.advRtr >>> 0)
    adv?.delete(advKey(h.type, h.id))
    if (adv?.size === 0) this.byAdv.delete(h.advRtr >>> 0)
    if (h.type === 1 && this.routers.get(h.id >>> 0) === e) this.routers.delete(h.id >>> 0)
    if (h.type === 2) {
      const n = this.networks.get(h.id >>> 0)
      n?.delete(k)
      if (n?.size === 0) this.networks.delete(h.id >>> 0)
    }
  }

  clear(): void {
    this.map.clear()
    this.byAdv.clear()
    this.routers.clear()
    this.networks.clear()
    this.dueAt = Number.POSITIVE_INFINITY
  }

  /** After an age scan: the earliest time any entry needs the next one. */
  recomputeDue(): void {
    let due = Number.POSITIVE_INFINITY
    for (const e of this.map.values()) due = Math.min(due, nextAgeEvent(e))
    this.dueAt = due
  }

  private index(k: string, e: LsaEntry): void {
    const h = e.lsa.hdr
    const adv = h.advRtr >>> 0
    let m = this.byAdv.get(adv)
    if (m === undefined) {
      m = new Map()
      this.byAdv.set(adv, m)
    }
    m.set(advKey(h.type, h.id), e)
    if (h.type === 1 && h.id >>> 0 === adv) this.routers.set(adv, e)
    if (h.type === 2) {
      let n = this.networks.get(h.id >>> 0)
      if (n === undefined) {
        n = new Map()
        this.networks.set(h.id >>> 0, n)
      }
      n.set(k, e)
    }
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

/** An LSA's key among its advertising router's: link state id and type (OSPFv3's are 16 bits) in 48 bits. */
function advKey(type: number, id: number): number {
  return (id >>> 0) * 0x10000 + (type & 0xffff)
}

/** The host-clock time the entry's age next reaches LSRefreshTime or MaxAge (now, if it is at MaxAge). */
export function nextAgeEvent(e: LsaEntry): number {
  if (e.rcvAge >= MAX_AGE) return e.rcvTime
  const at = e.rcvAge < LS_REFRESH_TIME ? LS_REFRESH_TIME : MAX_AGE
  return e.rcvTime + (at - e.rcvAge) * SEC_NS
}

/** The LS age of an entry at `now` (whole seconds, at most MaxAge). */
export function ageOf(e: LsaEntry, now: number): number {
  if (e.rcvAge >= MAX_AGE) return MAX_AGE
  return Math.min(MAX_AGE, e.rcvAge + Math.floor((now - e.rcvTime) / SEC_NS))
}

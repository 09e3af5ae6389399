/**
 * ospfd's link-state database for one flooding scope (an area, or the AS for external LSAs): LSAs
 * by (type, link state id, advertising router), each with the time it arrived so that its age is
 * computed when asked (RFC 2328 §12.1.1, §14), never counted down by a timer per LSA. Bounded by
 * `limit`: a new LSA past it is refused and counted (the caller drops it unacknowledged). The LSA
 * objects and parsed bodies it holds may be shared with other routers' databases (ospf_lsa_cache.ts):
 * never changed here.
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
/** §B: MinLSArrival — a newer instance sooner than this after the last is dropped (not acknowledged). */
export const MIN_LS_ARRIVAL_NS = 1 * SEC_NS

export interface LsaEntry {
  lsa: Lsa
  /** LS age when it arrived (or was originated) and the host-clock ns then. */
  rcvAge: number
  rcvTime: number
  /** Parsed router-LSA or network-LSA body, kept for SPF (null for other types or bad bodies). */
  router: RouterLsa | null
  network: { mask: number; routers: number[] } | null
}

/** An LSA's key and parsed body, worked out elsewhere (a parsed body is never changed). */
export interface ParsedLsa {
  readonly key: string
  readonly router: RouterLsa | null
  readonly network: { mask: number; routers: number[] } | null
}

export class Lsdb {
  /** Entries by lsaKey; change it only through install, delete and clear (the indexes follow it). */
  readonly map = new Map<string, LsaEntry>()
  /**
   * The entries of each advertising router: a router finds its own without a scan, and get() looks
   * up by numbers rather than building a key string. Most routers advertise a few LSAs (a router-LSA
   * and a network-LSA per LAN they are DR on): those are a short array; more, a Map by advKey. (A Map
   * each was most of a 1,000-router area's database: a million small Maps per scope.)
   */
  readonly byAdv = new Map<number, LsaEntry[] | Map<number, LsaEntry>>()
  /** Router-LSAs by router id (link state id = advertising router), for SPF's lookups. */
  readonly routers = new Map<number, LsaEntry>()
  /** Network-LSAs by link state id (the DR's interface address), any advertising router (mostly one). */
  readonly networks = new Map<number, LsaEntry[]>()
  /**
   * No entry reaches LSRefreshTime or MaxAge before this host-clock time (a lower bound, lowered on
   * install, recomputed by the scan that reaches it): the periodic age scan skips the database till then.
   */
  dueAt = Number.POSITIVE_INFINITY
  /** How many entries of each LS type (SPF skips walking the database for a type it holds none of). */
  private readonly perType = new Map<number, number>()
  limit: number
  /** LSAs refused because the database was full. */
  refused = 0

  constructor(limit: number) {
    this.limit = limit
  }

  get size(): number {
    return this.map.size
  }

  /** Entries of one LS type. */
  countOf(type: number): number {
    return this.perType.get(type) ?? 0
  }

  get(type: number, id: number, advRtr: number): LsaEntry | undefined {
    const m = this.byAdv.get(advRtr >>> 0)
    if (m === undefined) return undefined
    const k = advKey(type, id)
    if (m instanceof Map) return m.get(k)
    for (const e of m) if (advKey(e.lsa.hdr.type, e.lsa.hdr.id) === k) return e
    return undefined
  }

  /**
   * Install (replace) an instance; null when it is new and the database is full. `parsed` gives its
   * key and parsed body when known (a shared LSA's, ospf_lsa_cache.ts), else they are worked out here.
   */
  install(lsa: Lsa, now: number, parsed?: ParsedLsa): LsaEntry | null {
    const k = parsed?.key ?? lsaKey(lsa.hdr.type, lsa.hdr.id, lsa.hdr.advRtr)
    const fresh = !this.map.has(k)
    if (fresh && this.map.size >= this.limit) {
      this.refused++
      return null
    }
    if (fresh) this.perType.set(lsa.hdr.type, this.countOf(lsa.hdr.type) + 1)
    const e: LsaEntry = {
      lsa,
      rcvAge: lsa.hdr.age,
      rcvTime: now,
      router: lsa.hdr.type !== 1 ? null : parsed !== undefined ? parsed.router : parseRouterLsa(lsa.data),
      network: lsa.hdr.type !== 2 ? null : parsed !== undefined ? parsed.network : parseNetworkLsa(lsa.data),
    }
    this.map.set(k, e)
    this.index(e)
    this.dueAt = Math.min(this.dueAt, nextAgeEvent(e))
    return e
  }

  /**
   * A newer instance of what entry `e` (held here) holds, written into the entry itself: same key,
   * so the indexes stand as they are and no map is written (a flood replaces most entries two or
   * three times). Callers compare the old instance with the new before calling.
   */
  update(e: LsaEntry, lsa: Lsa, now: number, parsed?: ParsedLsa): LsaEntry {
    e.lsa = lsa
    e.rcvAge = lsa.hdr.age
    e.rcvTime = now
    e.router = lsa.hdr.type !== 1 ? null : parsed !== undefined ? parsed.router : parseRouterLsa(lsa.data)
    e.network = lsa.hdr.type !== 2 ? null : parsed !== undefined ? parsed.network : parseNetworkLsa(lsa.data)
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
    const left = this.countOf(h.type) - 1
    if (left > 0) this.perType.set(h.type, left)
    else this.perType.delete(h.type)
    const adv = this.byAdv.get(h.advRtr >>> 0)
    const ak = advKey(h.type, h.id)
    if (adv instanceof Map) {
      adv.delete(ak)
      if (adv.size === 0) this.byAdv.delete(h.advRtr >>> 0)
    } else if (adv !== undefined) {
      const at = adv.findIndex((x) => advKey(x.lsa.hdr.type, x.lsa.hdr.id) === ak)
      if (at >= 0) adv.splice(at, 1)
      if (adv.length === 0) this.byAdv.delete(h.advRtr >>> 0)
    }
    if (h.type === 1 && this.routers.get(h.id >>> 0) === e) this.routers.delete(h.id >>> 0)
    if (h.type === 2) {
      const n = this.networks.get(h.id >>> 0)
      const at = n === undefined ? -1 : n.findIndex((x) => x.lsa.hdr.advRtr >>> 0 === h.advRtr >>> 0)
      if (at >= 0) n!.splice(at, 1)
      if (n?.length === 0) this.networks.delete(h.id >>> 0)
    }
  }

  clear(): void {
    this.map.clear()
    this.perType.clear()
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

  private index(e: LsaEntry): void {
    const h = e.lsa.hdr
    const adv = h.advRtr >>> 0
    const ak = advKey(h.type, h.id)
    const m = this.byAdv.get(adv)
    if (m === undefined) this.byAdv.set(adv, [e])
    else if (m instanceof Map) m.set(ak, e)
    else {
      const at = m.findIndex((x) => advKey(x.lsa.hdr.type, x.lsa.hdr.id) === ak)
      if (at >= 0) m[at] = e
      else if (m.length < ADV_ARRAY_MAX) m.push(e)
      else
        this.byAdv.set(
          adv,
          new Map([...m.map((x) => [advKey(x.lsa.hdr.type, x.lsa.hdr.id), x] as const), [ak, e]]),
        )
    }
    if (h.type === 1 && h.id >>> 0 === adv) this.routers.set(adv, e)
    if (h.type === 2) {
      const n = this.networks.get(h.id >>> 0)
      if (n === undefined) this.networks.set(h.id >>> 0, [e])
      else {
        const at = n.findIndex((x) => x.lsa.hdr.advRtr >>> 0 === adv)
        if (at >= 0) n[at] = e
        else n.push(e)
      }
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

/** An advertising router's entries past this many are kept in a Map rather than an array. */
const ADV_ARRAY_MAX = 8

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

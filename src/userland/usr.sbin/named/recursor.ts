/**
 * named's iterative resolution (RFC 1034 §5.3.3) for clients allowed to recurse: start at the
 * closest delegation the server knows (its own zones' referrals, the cache, else the root hints),
 * ask those servers in turn over UDP, follow referrals down (glue from the additional section, or
 * the name servers' addresses resolved first), follow CNAMEs, and cache what it learns (bounded,
 * expiring by TTL). Must not: loop (referrals must go down; a budget of queries and a depth), or
 * grow its cache past its bound.
 */

import type { Syscalls } from '../../../host/syscalls.js'
import {
  DNS_CLASS_IN,
  type DnsMessage,
  DnsRcode,
  type DnsRR,
  DnsType,
  dnsIsSubdomain,
  dnsKey,
  newDnsMessage,
} from '../../../wire/app/dns.js'
import { resSend } from '../../lib/libresolv/resolver.js'
import type { ZoneDb } from './zone_db.js'

export interface Resolution {
  rcode: number
  answers: DnsRR[]
  authority: DnsRR[]
}

interface CacheEntry {
  rrs: DnsRR[]
  expires: number
  /** Negative entry: the rcode (NXDOMAIN or NOERROR without data). */
  negative?: number
}

/** What one resolution may spend: queries sent, and CNAME / name-server-address depth. */
const MAX_QUERIES = 40
const MAX_DEPTH = 6
const QUERY_TIMEOUT_NS = 2e9
const NEG_TTL = 300

export class Recursor {
  private readonly cache = new Map<string, CacheEntry>()
  stats = { queries: 0, timeouts: 0, cacheEvictions: 0 }

  constructor(
    private readonly sys: Syscalls,
    private readonly db: ZoneDb,
    /** The root hints: NS and A records. */
    private readonly hints: readonly DnsRR[],
    private readonly maxCache = 10000,
  ) {}

  private key(name: string, type: number): string {
    return `${dnsKey(name)}/${type}`
  }

  private now(): number {
    return this.sys.now() / 1e9
  }

  private get(name: string, type: number): CacheEntry | undefined {
    const k = this.key(name, type)
    const e = this.cache.get(k)
    if (e !== undefined && e.expires <= this.now()) {
      this.cache.delete(k)
      return undefined
    }
    return e
  }

  private put(name: string, type: number, rrs: DnsRR[], negative?: number, ttl?: number): void {
    const k = this.key(name, type)
    if (!this.cache.has(k) && this.cache.size >= this.maxCache) {
      // Oldest first: a Map keeps insertion order.
      const first = this.cache.keys().next().value
      if (first !== undefined) this.cache.delete(first)
      this.stats.cacheEvictions++
    }
    const t = ttl ?? Math.min(...rrs.map((r) => r.ttl), 86400 * 7)
    this.cache.delete(k)
    this.cache.set(k, { rrs, expires: this.now() + t, negative })
  }

  private store(rrs: readonly DnsRR[]): void {
    const sets = new Map<string, DnsRR[]>()
    for (const r of rrs) {
      const k = this.key(r.name, r.type)
      let l = sets.get(k)
      if (l === undefined) sets.set(k, (l = []))
      l.push(r)
    }
    for (const l of sets.values()) this.put(l[0]!.name, l[0]!.type, l)
  }

  /** Addresses known for a name server: own zones, then cache, then hints. */
  private known(name: string): number[] {
    const out: number[] = []
    for (const r of this.db.addresses(name)) if (r.data.kind === 'a') out.push(r.data.addr)
    for (const r of this.get(name, DnsType.A)?.rrs ?? []) if (r.data.kind === 'a') out.push(r.data.addr)
    for (const r of this.hints)
      if (r.data.kind === 'a' && dnsKey(r.name) === dnsKey(name)) out.push(r.data.addr)
    return [...new Set(out)]
  }

  /** The closest delegation known for a name: the zone cut and its server names. */
  private closestNs(name: string): { zone: string; ns: string[] } {
    for (let k = dnsKey(name); ; ) {
      const c = this.get(k, DnsType.NS)
      if (c !== undefined && c.negative === undefined)
        return { zone: k, ns: c.rrs.flatMap((r) => (r.data.kind === 'name' ? [r.data.name] : [])) }
      if (k === '') break
      const dot = k.indexOf('.')
      k = dot < 0 ? '' : k.slice(dot + 1)
    }
    return {
      zone: '',
      ns: this.hints.flatMap((r) => (r.type === DnsType.NS && r.data.kind === 'name' ? [r.data.name] : [])),
    }
  }

  async resolve(name: string, type: number, depth = 0, budget = { n: MAX_QUERIES }): Promise<Resolution> {
    const answers: DnsRR[] = []
    let qname = name
    for (let hop = 0; hop <= MAX_DEPTH; hop++) {
      const r = await this.resolveOne(qname, type, depth, budget)
      answers.push(...r.answers)
      const cname = r.answers.find((a) => a.type === DnsType.CNAME && dnsKey(a.name) === dnsKey(qname))
      if (
        r.rcode !== DnsRcode.NOERROR ||
        type === DnsType.CNAME ||
        cname === undefined ||
        cname.data.kind !== 'name'
      )
        return { rcode: r.rcode, answers, authority: r.authority }
      if (
        r.answers.some(
          (a) =>
            a.type === type && dnsKey(a.name) === dnsKey(cname.data.kind === 'name' ? cname.data.name : ''),
        )
      )
        return { rcode: r.rcode, answers, authority: r.authority }
      qname = cname.data.name
    }
    return { rcode: DnsRcode.SERVFAIL, answers: [], authority: [] }
  }

  private async resolveOne(
    name: string,
    type: number,
    depth: number,
    budget: { n: number },
  ): Promise<Resolution> {
    const hit = this.get(name, type)
    if (hit !== undefined)
      return {
        rcode: hit.negative ?? DnsRcode.NOERROR,
        answers: hit.negative === undefined ? hit.rrs : [],
        authority: [],
      }
    const cn = this.get(name, DnsType.CNAME)
    if (cn !== undefined && cn.negative === undefined)
      return { rcode: DnsRcode.NOERROR, answers: cn.rrs, authority: [] }
    // Our own data first: an answer, or a referral to start from.
    const own = this.db.lookup(name, type)
    let cut: { zone: string; ns: string[] }
    let glue: DnsRR[] = []
    if (own.kind === 'answer' || own.kind === 'cname')
      return { rcode: DnsRcode.NOERROR, answers: own.answers, authority: [] }
    if (own.kind === 'nodata' || own.kind === 'nxdomain')
      return {
        rcode: own.kind === 'nxdomain' ? DnsRcode.NXDOMAIN : DnsRcode.NOERROR,
        answers: [],
        authority: own.zone.soa ? [own.zone.soa] : [],
      }
    if (own.kind === 'referral') {
      const fromCache = this.closestNs(name)
      const zone = dnsKey(own.ns[0]!.name)
      if (dnsIsSubdomain(fromCache.zone, zone) && fromCache.zone !== zone) cut = fromCache
      else {
        cut = { zone, ns: own.ns.flatMap((r) => (r.data.kind === 'name' ? [r.data.name] : [])) }
        glue = cut.ns.flatMap((n) => this.db.addresses(n))
      }
    } else cut = this.closestNs(name)
    for (;;) {
      const servers: number[] = []
      for (const g of glue) if (g.data.kind === 'a') servers.push(g.data.addr)
      for (const n of cut.ns) servers.push(...this.known(n))
      if (servers.length === 0 && depth < MAX_DEPTH) {
        // No address for any name server: resolve them (out-of-bailiwick servers).
        for (const n of cut.ns) {
          if (dnsIsSubdomain(n, cut.zone)) continue
          const r = await this.resolve(n, DnsType.A, depth + 1, budget)
          for (const a of r.answers) if (a.data.kind === 'a') servers.push(a.data.addr)
          if (servers.length > 0) break
        }
      }
      let reply: DnsMessage | null = null
      for (const s of [...new Set(servers)]) {
        if (budget.n-- <= 0) return { rcode: DnsRcode.SERVFAIL, answers: [], authority: [] }
        const q = newDnsMessage((this.sys.getrandom(2)[0]! << 8) | this.sys.getrandom(1)[0]!)
        q.questions.push({ name, type, class: DNS_CLASS_IN })
        this.stats.queries++
        const r = await resSend(this.sys, s, q, QUERY_TIMEOUT_NS)
        if (r === null) {
          this.stats.timeouts++
          continue
        }
        if (r.rcode !== DnsRcode.NOERROR && r.rcode !== DnsRcode.NXDOMAIN) continue
        reply = r
        break
      }
      if (reply === null) return { rcode: DnsRcode.SERVFAIL, answers: [], authority: [] }
      const inZone = (rr: DnsRR) => dnsIsSubdomain(rr.name, cut.zone)
      if (reply.rcode === DnsRcode.NXDOMAIN) {
        const soa = reply.authority.filter((r) => r.type === DnsType.SOA)
        this.put(name, type, [], DnsRcode.NXDOMAIN, Math.min(soa[0]?.ttl ?? NEG_TTL, NEG_TTL))
        return { rcode: DnsRcode.NXDOMAIN, answers: [], authority: soa }
      }
      const answers = reply.answers.filter(inZone)
      if (answers.length > 0) {
        this.store(answers)
        return { rcode: DnsRcode.NOERROR, answers, authority: [] }
      }
      const ns = reply.authority.filter((r) => r.type === DnsType.NS && inZone(r))
      const below = ns[0] !== undefined ? dnsKey(ns[0].name) : undefined
      // A referral must lead further down, towards the name (RFC 1034 §5.3.3 step 4b).
      if (
        !reply.aa &&
        below !== undefined &&
        below !== cut.zone &&
        dnsIsSubdomain(below, cut.zone) &&
        dnsIsSubdomain(name, below)
      ) {
        this.store(ns)
        const g = reply.additional.filter(
          (r) => (r.type === DnsType.A || r.type === DnsType.AAAA) && dnsIsSubdomain(r.name, below),
        )
        this.store(g)
        cut = { zone: below, ns: ns.flatMap((r) => (r.data.kind === 'name' ? [r.data.name] : [])) }
        glue = reply.additional.filter(
          (r) =>
            r.type === DnsType.A &&
            ns.some((n) => n.data.kind === 'name' && dnsKey(n.data.name) === dnsKey(r.name)),
        )
        continue
      }
      // NOERROR without data.
      const soa = reply.authority.filter((r) => r.type === DnsType.SOA)
      this.put(name, type, [], DnsRcode.NOERROR, Math.min(soa[0]?.ttl ?? NEG_TTL, NEG_TTL))
      return { rcode: DnsRcode.NOERROR, answers: [], authority: soa }
    }
  }
}

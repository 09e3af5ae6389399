/**
 * The zones a named serves and the authoritative lookup of RFC 1034 §4.3.2: the closest zone,
 * then a delegation on the way down (a referral with glue), an exact match (its records, or a
 * CNAME), a name that exists without the type (NODATA with the SOA), or NXDOMAIN with the SOA.
 * Glue and additional addresses come from any zone held. It keeps only what it was loaded with.
 */

import { type DnsRR, DnsType, dnsIsSubdomain, dnsKey, dnsParent } from '../../../wire/app/dns.js'

/** DS is asked at the parent (RFC 4035 §3.1.4.1): no referral for it at the cut. */
const DS = 43

export interface Zone {
  name: string
  /** Records by lowercase owner. */
  nodes: Map<string, DnsRR[]>
  soa: DnsRR | undefined
}

export function makeZone(name: string, records: readonly DnsRR[]): Zone {
  const nodes = new Map<string, DnsRR[]>()
  let soa: DnsRR | undefined
  for (const r of records) {
    const k = dnsKey(r.name)
    let l = nodes.get(k)
    if (l === undefined) nodes.set(k, (l = []))
    l.push(r)
    if (r.type === DnsType.SOA && k === dnsKey(name)) soa = r
  }
  return { name: dnsKey(name), nodes, soa }
}

export type AuthResult =
  | { kind: 'answer'; answers: DnsRR[]; zone: Zone }
  | { kind: 'cname'; answers: DnsRR[]; target: string; zone: Zone }
  | { kind: 'nodata'; zone: Zone }
  | { kind: 'nxdomain'; zone: Zone }
  | { kind: 'referral'; ns: DnsRR[]; zone: Zone }
  | { kind: 'none' }

export class ZoneDb {
  readonly zones = new Map<string, Zone>()

  set(z: Zone): void {
    this.zones.set(z.name, z)
  }

  /** The zone closest to `name` that this server holds with data. */
  closest(name: string): Zone | undefined {
    for (let k = dnsKey(name); ; k = dnsParent(k)) {
      const z = this.zones.get(k)
      if (z !== undefined && z.soa !== undefined) return z
      if (k === '') return undefined
    }
  }

  lookup(qname: string, qtype: number): AuthResult {
    const z = this.closest(qname)
    if (z === undefined) return { kind: 'none' }
    const key = dnsKey(qname)
    // Delegations between the apex and the name (the apex's own NS are authoritative).
    const labels: string[] = []
    for (let k = key; k !== z.name; k = dnsParent(k)) labels.unshift(k)
    for (const k of labels) {
      const ns = z.nodes.get(k)?.filter((r) => r.type === DnsType.NS)
      if (ns !== undefined && ns.length > 0 && !(k === key && qtype === DS))
        return { kind: 'referral', ns, zone: z }
    }
    const node = z.nodes.get(key)
    if (node === undefined) {
      const below = `.${key}`
      for (const k of z.nodes.keys()) if (k.endsWith(below)) return { kind: 'nodata', zone: z }
      return { kind: 'nxdomain', zone: z }
    }
    const hits = node.filter((r) => r.type === qtype || qtype === DnsType.ANY)
    if (hits.length > 0) return { kind: 'answer', answers: hits, zone: z }
    const cname = node.find((r) => r.type === DnsType.CNAME)
    if (cname !== undefined && cname.data.kind === 'name')
      return { kind: 'cname', answers: [cname], target: cname.data.name, zone: z }
    return { kind: 'nodata', zone: z }
  }

  /** Addresses this server holds for a name (glue), from any zone. */
  addresses(name: string): DnsRR[] {
    const k = dnsKey(name)
    const out: DnsRR[] = []
    for (const z of this.zones.values()) {
      if (!dnsIsSubdomain(k, z.name)) continue
      for (const r of z.nodes.get(k) ?? []) if (r.type === DnsType.A || r.type === DnsType.AAAA) out.push(r)
    }
    return out
  }
}

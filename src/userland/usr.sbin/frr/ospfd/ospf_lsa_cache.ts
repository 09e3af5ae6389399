/**
 * LSAs shared between the ospfd processes of one program registry (one lab): an LSA received as the
 * very bytes another router already received (LS age included) is handed out as that router's
 * object — its checksum and layout checked once, its router- or network-LSA body parsed once — in
 * place of a copy per router. A 1,000-router area otherwise holds a million copies of the same few
 * thousand LSAs. The objects are never changed after they are made (the header is frozen; nothing
 * writes into an LSA's bytes once built), so sharing them is invisible to each daemon.
 *
 * Bounded: past `limit` entries the table starts over (the LSAs stay wherever they are held).
 * Must not: hand out an LSA whose bytes differ from those received, or keep a failed one as good.
 */

import {
  LSA_HDR_LEN,
  type Lsa,
  LsType,
  lsaChecksumOk,
  lsaKey,
  parseNetworkLsa,
  parseRouterLsa,
  type RouterLsa,
  readLsaHeader,
  routerLsaFits,
} from '../../../../wire/routing/ospf.js'

/** Distinct LSA instances kept before the table starts over. */
export const LSA_CACHE_LIMIT = 200_000

/** What is known of one shared LSA. */
export interface LsaFacts {
  /** Checksum and its type's layout hold. */
  readonly ok: boolean
  /** lsaKey of its type, link state id and advertising router. */
  readonly key: string
  readonly router: RouterLsa | null
  readonly network: { mask: number; routers: number[] } | null
}

/** An LSA made here: its facts travel with it (no side table to look them up in per receipt). */
interface SharedLsa extends Lsa {
  readonly facts: LsaFacts
}

export class LsaCache {
  private readonly byHash = new Map<number, Lsa[]>()
  private readonly facts = new WeakMap<Lsa, LsaFacts>()
  /**
   * One key string per (type, link state id, advertising router), by advertising router then id and
   * type: every router's tables are keyed by the same string object, whose hash is worked out once
   * and which compares by identity, and an acknowledgment's key is found without building a string.
   */
  private readonly keys = new Map<number, Map<number, string>>()
  private keyCount = 0
  private size = 0
  readonly limit: number
  /** Lookups answered with a shared object, and LSAs made. */
  hits = 0
  misses = 0

  constructor(limit = LSA_CACHE_LIMIT) {
    this.limit = limit
  }

  /** The LSA in p[off, off + len) (its header's length already checked to fit). */
  lsa(p: Uint8Array, off: number, len: number): Lsa {
    // Age, type, link state id, advertising router, sequence number and checksum: bytes 0-17.
    let h = len
    for (let k = 0; k < 18; k += 2) h = Math.imul(h ^ ((p[off + k]! << 8) | p[off + k + 1]!), 0x9e3779b1)
    const bucket = this.byHash.get(h)
    if (bucket !== undefined)
      for (const x of bucket)
        if (sameBytes(x.data, p, off, len)) {
          this.hits++
          return x
        }
    this.misses++
    const data = p.slice(off, off + len)
    const hdr = Object.freeze(readLsaHeader(data, 0))
    const bare: Lsa = { hdr, data }
    const lsa: SharedLsa = Object.freeze({
      hdr,
      data,
      facts: lsaFacts(bare, this.keyOf(hdr.type, hdr.id, hdr.advRtr)),
    })
    if (this.size >= this.limit) {
      this.byHash.clear()
      this.size = 0
    }
    if (bucket !== undefined && this.byHash.has(h)) bucket.push(lsa)
    else this.byHash.set(h, [lsa])
    this.size++
    return lsa
  }

  /** lsaKey(type, id, advRtr), the one string for it (bounded as the LSA table is). */
  keyOf(type: number, id: number, advRtr: number): string {
    const adv = advRtr >>> 0
    let m = this.keys.get(adv)
    const sub = (id >>> 0) * 0x100 + (type & 0xff)
    const k = m?.get(sub)
    if (k !== undefined) return k
    if (this.keyCount >= this.limit) {
      this.keys.clear()
      this.keyCount = 0
      m = undefined
    }
    if (m === undefined) {
      m = new Map()
      this.keys.set(adv, m)
    }
    const made = lsaKey(type, id, advRtr)
    m.set(sub, made)
    this.keyCount++
    return made
  }

  /** Checksum, layout and parsed body of lsa (any LSA object, shared or not), worked out once. */
  factsOf(lsa: Lsa): LsaFacts {
    const own = (lsa as Partial<SharedLsa>).facts
    if (own !== undefined) return own
    const f = this.facts.get(lsa)
    if (f !== undefined) return f
    const made = lsaFacts(lsa, this.keyOf(lsa.hdr.type, lsa.hdr.id, lsa.hdr.advRtr))
    this.facts.set(lsa, made)
    return made
  }
}

/** The facts of one LSA, worked out from its bytes. */
export function lsaFacts(lsa: Lsa, key?: string): LsaFacts {
  const t = lsa.hdr.type
  const ok = ((t >= 1 && t <= 5) || t === LsType.NSSA) && lsaChecksumOk(lsa.data) && lsaBodyOk(lsa)
  return {
    ok,
    key: key ?? lsaKey(t, lsa.hdr.id, lsa.hdr.advRtr),
    router: ok && t === LsType.ROUTER ? parseRouterLsa(lsa.data) : null,
    network: ok && t === LsType.NETWORK ? parseNetworkLsa(lsa.data) : null,
  }
}

/** The body of an LSA holds together (its type's layout). */
export function lsaBodyOk(lsa: Lsa): boolean {
  const t = lsa.hdr.type
  const len = lsa.data.length - LSA_HDR_LEN
  if (t === LsType.ROUTER) return routerLsaFits(lsa.data)
  if (t === LsType.NETWORK) return len >= 8 && len % 4 === 0
  if (t === LsType.EXTERNAL || t === LsType.NSSA) return len >= 16
  return len >= 8
}

function sameBytes(a: Uint8Array, p: Uint8Array, off: number, len: number): boolean {
  if (a.length !== len) return false
  for (let k = 0; k < len; k++) if (a[k] !== p[off + k]) return false
  return true
}

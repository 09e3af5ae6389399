/**
 * One level's link-state database (ISO 10589 §7.3.15-16): LSPs by LSP ID with their remaining
 * lifetime kept as an expiry time, the raw PDU to flood, the TLVs SPF reads, and the per-circuit
 * Send Routeing Message (SRM) and Send Sequence Number (SSN) flags. Bounded: a new LSP past `limit`
 * is refused (the caller counts it). Also the comparison of two LSPs' bodies past their
 * authentication TLV (which changes with every instance).
 *
 * Must not: send anything, or know circuits beyond their names.
 */

import { lspCompare, type Tlvs } from '../../../../wire/routing/isis.js'
import { SEC_NS } from './isis_types.js'

/** ZeroAgeLifetime: how long a purged LSP's header stays to be flooded (ISO 10589 §7.3.16.4). */
export const ZERO_AGE_NS = 60 * SEC_NS

export interface Lsp {
  id: string
  seq: number
  checksum: number
  flags: number
  pduLen: number
  /** When the remaining lifetime reaches 0 (host clock ns); for a purge, the time it was purged. */
  expires: number
  /** Purged (lifetime 0): kept until `expires + ZERO_AGE_NS`. */
  purged: boolean
  pdu: Uint8Array
  tlvs: Tlvs
  /** Circuits (by name) this LSP is to be sent on, and when last sent on each (p2p retransmits). */
  srm: Map<string, number>
  ssn: Set<string>
  own: boolean
  /** When this IS refreshes it (own LSPs). */
  refresh: number
}

export class Lsdb {
  readonly level: 1 | 2
  readonly lsps = new Map<string, Lsp>()
  limit: number

  constructor(level: 1 | 2, limit: number) {
    this.level = level
    this.limit = limit
  }

  get(id: string): Lsp | undefined {
    return this.lsps.get(id)
  }

  /** Remaining lifetime in seconds at `now`. */
  static remaining(l: Lsp, now: number): number {
    if (l.purged) return 0
    return Math.max(0, Math.ceil((l.expires - now) / SEC_NS))
  }

  /** -1: the received copy is newer, 0 same, 1 ours is newer (or no copy: -1). */
  compare(id: string, seq: number, lifetime: number, now: number): number {
    const l = this.lsps.get(id)
    if (l === undefined) return -1
    return lspCompare(l.seq, Lsdb.remaining(l, now), seq, lifetime)
  }

  /** Store (replacing any older copy); false when a new ID would pass the limit. */
  put(l: Lsp): boolean {
    const old = this.lsps.get(l.id)
    if (old === undefined && this.lsps.size >= this.limit) return false
    if (old !== undefined) {
      // Flags of the old copy go with it (a new instance floods everywhere anew).
      l.ssn = old.ssn
    }
    this.lsps.set(l.id, l)
    return true
  }

  /** LSPs in LSP ID order (CSNPs, `show isis database`). */
  sorted(): Lsp[] {
    return [...this.lsps.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  /** The live fragments of one system or pseudonode (key: 14 hex digits), fragment 0 first. */
  fragments(node: string): Lsp[] {
    const out: Lsp[] = []
    for (let f = 0; f < 256; f++) {
      const l = this.lsps.get(node + f.toString(16).padStart(2, '0'))
      if (l === undefined) {
        if (f === 0) return out
        continue
      }
      if (!l.purged) out.push(l)
      if (f === 0 && l.purged) return []
    }
    return out
  }
}

/** Whether two LSP bodies are the same bytes. */
export function sameBody(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** An LSP's TLVs after the authentication TLV (which changes with every instance). */
export function bodyOf(pdu: Uint8Array): Uint8Array {
  return pdu[27] === 10 && pdu.length >= 29
    ? pdu.subarray(Math.min(pdu.length, 29 + pdu[28]!))
    : pdu.subarray(27)
}

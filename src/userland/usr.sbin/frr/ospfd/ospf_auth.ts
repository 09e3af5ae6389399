/**
 * ospfd's authentication (RFC 2328 appendix D, RFC 5709) between the engine and the wire: what each
 * interface uses (resolved as FRR does: the interface's `ip ospf authentication` over its area's
 * `area X authentication`, and message-digest without a key falling back to null), signing what the
 * engine sends (the last key configured, a cryptographic sequence number that never decreases:
 * FRR's seconds of the clock, or one more than the last), and checking what it receives, with the
 * sequence number each neighbour last sent (D.5.3: a smaller one is a replay).
 * The engine calls sign() and check() and nothing else; the daemon calls setIf()/setArea().
 *
 * Must not: keep state for a sender that is not a neighbour, or allocate when authentication is null.
 */

import {
  AuType,
  checkAuth,
  type OspfAuthExpect,
  type OspfCryptoKey,
  signCrypto,
  signSimple,
} from '../../../../wire/routing/ospf_auth.js'
import type { OspfIf } from './ospf_types.js'

export type { OspfCryptoKey } from '../../../../wire/routing/ospf_auth.js'

const SEC_NS = 1e9

/** An interface's authentication: what it accepts, and the key it signs with (null: none usable). */
export interface IfAuthConfig extends OspfAuthExpect {
  send: OspfCryptoKey | null
}

/** FRR's key when message-digest has none to sign with: MD5, key id 0, an empty key. */
const NO_KEY: OspfCryptoKey = { keyId: 0, algo: 'md5', key: '' }

interface IfAuth extends IfAuthConfig {
  /** The last cryptographic sequence number we sent here. */
  txSeq: number
  /** The last one each neighbour (by address) sent that we accepted. */
  rxSeq: Map<number, number>
}

export class OspfAuth {
  private readonly ifs = new Map<string, IfAuth>()
  /** `area X authentication [message-digest]`: the area's AuType (for interfaces that set none). */
  readonly areas = new Map<number, number>()

  /** Interface `name`'s authentication (null: none), keeping its sequence numbers when it stays. */
  setIf(name: string, e: IfAuthConfig | null): void {
    if (e === null || e.type === AuType.NULL) {
      this.ifs.delete(name)
      return
    }
    const old = this.ifs.get(name)
    this.ifs.set(name, {
      type: e.type,
      password: e.password,
      keys: e.keys,
      send: e.send,
      txSeq: old?.txSeq ?? 0,
      rxSeq: old?.rxSeq ?? new Map(),
    })
  }

  /** Interfaces not in `names` lose their settings. */
  keepOnly(names: ReadonlySet<string>): void {
    for (const n of this.ifs.keys()) if (!names.has(n)) this.ifs.delete(n)
  }

  /** The AuType interface `name` uses (for `show`). */
  typeOf(name: string): number {
    return this.ifs.get(name)?.type ?? AuType.NULL
  }

  /** The packet `pkt` (null authentication, as built) as it goes out of i at `now`. */
  sign(i: OspfIf, pkt: Uint8Array, now: number): Uint8Array {
    const a = this.ifs.get(i.name)
    if (a === undefined) return pkt
    if (a.type === AuType.SIMPLE) return signSimple(pkt, a.password)
    const t = Math.floor(now / SEC_NS) >>> 0
    a.txSeq = t > a.txSeq ? t : (a.txSeq + 1) >>> 0
    return signCrypto(pkt, a.send ?? NO_KEY, a.txSeq)
  }

  /** Why packet `pkt` from src on i fails authentication, or null when it passes. */
  check(i: OspfIf, pkt: Uint8Array, src: number): string | null {
    const a = this.ifs.get(i.name)
    if (a === undefined) return pkt[14] === 0 && pkt[15] === 0 ? null : 'auth-type'
    const r = checkAuth(pkt, a)
    if (!r.ok) return r.reason
    if (a.type !== AuType.CRYPTO) return null
    // Only a neighbour's number is kept (FRR keeps it in the neighbour): a new one starts afresh.
    if (!i.nbrs.has(src)) {
      a.rxSeq.delete(src)
      return null
    }
    const last = a.rxSeq.get(src)
    if (last !== undefined && r.seq < last) return 'auth-seq'
    a.rxSeq.set(src, r.seq)
    if (a.rxSeq.size > 2 * i.nbrs.size + 4)
      for (const k of a.rxSeq.keys()) if (!i.nbrs.has(k)) a.rxSeq.delete(k)
    return null
  }
}

/**
 * What an interface uses, from its `ip ospf authentication` (null when not set), its area's type,
 * its password and its keys: the `message-digest-key`s (the last one configured signs), or a key
 * chain's complete keys (those its accept lifetimes allow; `chainSend`, the lowest id its send
 * lifetimes allow, signs: FRR's key_lookup_for_send). Message-digest without
 * keys and without a key chain is null authentication (FRR, Cisco); a key chain without a usable
 * key still means AuType 2, signed with FRR's empty key.
 */
export function resolveAuth(
  ifType: number | null,
  areaType: number,
  password: string,
  keys: readonly OspfCryptoKey[],
  chain = false,
  chainSend?: OspfCryptoKey | null,
): IfAuthConfig {
  const type = ifType ?? areaType
  if (type === AuType.CRYPTO && keys.length === 0 && !chain)
    return { type: AuType.NULL, password: '', keys, send: null }
  const send = chain ? (chainSend === undefined ? keys[0] : chainSend) : keys[keys.length - 1]
  return { type, password, keys, send: send ?? null }
}

/**
 * SYN cookies (FreeBSD 14's syncookie_generate / syncookie_lookup / syncookie_reseed, after
 * RFC 4987 §3.6): when the syncache cannot keep a handshake, everything needed to rebuild it is
 * put in our ISN, so the returning ACK alone can create the connection. The ISN is
 *
 *   bits 31..8  the top 24 bits of MAC = SipHash-2-4(secret, faddr, laddr, fport, lport, irs, flags, secmod)
 *   bits  7..0  flags XOR (MAC >> 24), where flags is
 *               mss_idx:3 (bits 7..5) | wscale_idx:3 (4..2) | sack_ok:1 (1) | odd_even:1 (0)
 *
 * with FreeBSD's tables of common MSS and window-scale values (an uncommon value is rounded down
 * to the next one in the table; wscale index 0 means "no window scale option"). Two secrets
 * rotate: every SYNCOOKIE_LIFETIME seconds the one not in use is redrawn and becomes current, so a
 * cookie lives 15 to 30 seconds. The odd/even bit says which secret made it.
 *
 * Pure: the caller passes time (seconds of host uptime) and owns counting; randomness comes from
 * the Rng given at construction. Nothing here allocates per call or throws.
 */

import type { Rng } from '../../../../util/rng.js'
import { SIPHASH_KEY_LENGTH, SipHash24 } from '../isn/tcp_isn.js'

/** SYNCOOKIE_LIFETIME (seconds): how often the secrets rotate. */
export const SYNCOOKIE_LIFETIME = 15

/** tcp_sc_msstab: MSS values by prevalence (Alcock and Nelson, 2011). */
export const SC_MSSTAB: readonly number[] = [216, 536, 1200, 1360, 1400, 1440, 1452, 1460]
/** tcp_sc_wstab: window shifts by prevalence; index 0 stands for "no option". */
export const SC_WSTAB: readonly number[] = [0, 0, 1, 2, 4, 6, 7, 8]

/** What a cookie remembers of the SYN. */
export interface CookieFields {
  /** The peer's MSS, rounded down to SC_MSSTAB. */
  mss: number
  /** The peer's window shift, or -1 when its SYN had no window scale option. */
  wscale: number
  sack: boolean
}

/** The cookie's flag byte for a SYN with these options (odd_even left 0). */
export function cookieFlags(peerMss: number, wscale: number, sack: boolean): number {
  let mi = SC_MSSTAB.length - 1
  while (mi > 0 && SC_MSSTAB[mi]! > peerMss) mi--
  let wi = 0
  if (wscale >= 0) {
    wi = SC_WSTAB.length - 1
    while (wi > 0 && SC_WSTAB[wi]! > wscale) wi--
  }
  return (mi << 5) | (wi << 2) | (sack ? 2 : 0)
}

/** Decode a flag byte into `out` (reused by the caller). */
export function decodeCookieFlags(flags: number, out: CookieFields): CookieFields {
  out.mss = SC_MSSTAB[(flags >>> 5) & 7]!
  const wi = (flags >>> 2) & 7
  out.wscale = wi === 0 ? -1 : SC_WSTAB[wi]!
  out.sack = (flags & 2) !== 0
  return out
}

/** One vnet's two rotating cookie secrets (V_tcp_syncache.secret). */
export class SynCookieSecrets {
  /** secret.oddeven: which key new cookies use (its low bit). */
  oddeven = 0
  private readonly rng: Rng
  private readonly keys: readonly [SipHash24, SipHash24]
  private readonly key = new Uint8Array(SIPHASH_KEY_LENGTH)
  /** faddr 4, laddr 4, fport 2, lport 2, irs 4, flags 1, secmod 4. */
  private readonly msg = new Uint8Array(21)
  /** Uptime (s) of the last rotation; rotations happen every SYNCOOKIE_LIFETIME after it. */
  private lastReseed: number

  constructor(rng: Rng, nowSec: number) {
    this.rng = rng
    this.keys = [new SipHash24(this.draw()), new SipHash24(this.draw())]
    this.lastReseed = nowSec
  }

  /**
   * syncookie_reseed, caught up to `nowSec`: FreeBSD's callout runs every SYNCOOKIE_LIFETIME
   * seconds; here the rotations that would have happened by now are done on use, on the same
   * schedule (which key is current, and when the other was drawn) without a timer running in
   * every idle vnet. Rotations nobody could observe (all but the last two) draw nothing.
   */
  catchUp(nowSec: number): void {
    let n = Math.floor((nowSec - this.lastReseed) / SYNCOOKIE_LIFETIME)
    if (n <= 0) return
    this.lastReseed += n * SYNCOOKIE_LIFETIME
    // Only the last two rotations leave a trace: older keys are overwritten anyway.
    const skip = n > 2 ? n - 2 : 0
    this.oddeven = (this.oddeven + skip) >>> 0
    n -= skip
    while (n-- > 0) {
      const bit = (this.oddeven & 1) === 1 ? 0 : 1
      this.keys[bit]!.setKey(this.draw())
      this.oddeven = (this.oddeven + 1) >>> 0
    }
  }

  /** syncookie_generate: the ISN carrying `flags` (from cookieFlags) for this handshake. */
  generate(
    faddr: number,
    laddr: number,
    fport: number,
    lport: number,
    irs: number,
    flags: number,
    secmod: number,
  ): number {
    const f = (flags & ~1) | (this.oddeven & 1)
    const hash = this.mac(this.oddeven & 1, faddr, laddr, fport, lport, irs, f, secmod)
    // The flags are XORed with MAC bits only so they do not show on the wire as they are.
    return ((hash & ~0xff) | (f ^ (hash >>> 24))) >>> 0
  }

  /**
   * syncookie_lookup's check: the flag byte of a genuine cookie `iss` (the ACK's number less one)
   * for the SYN with sequence `irs`, or -1 when the MAC does not match (spoofed, or too old).
   */
  check(
    faddr: number,
    laddr: number,
    fport: number,
    lport: number,
    irs: number,
    iss: number,
    secmod: number,
  ): number {
    const f = (iss & 0xff) ^ (iss >>> 24)
    const hash = this.mac(f & 1, faddr, laddr, fport, lport, irs, f, secmod)
    return ((iss ^ hash) & ~0xff) === 0 ? f : -1
  }

  private mac(
    key: number,
    faddr: number,
    laddr: number,
    fport: number,
    lport: number,
    irs: number,
    flags: number,
    secmod: number,
  ): number {
    const m = this.msg
    put32(m, 0, faddr)
    put32(m, 4, laddr)
    m[8] = fport >>> 8
    m[9] = fport
    m[10] = lport >>> 8
    m[11] = lport
    put32(m, 12, irs)
    m[16] = flags
    put32(m, 17, secmod)
    const h = this.keys[key]!
    h.hash(m, 0, m.length)
    return (h.lo ^ h.hi) >>> 0
  }

  private draw(): Uint8Array {
    const k = this.key
    for (let i = 0; i < SIPHASH_KEY_LENGTH; i += 4) put32(k, i, this.rng.u32())
    return k
  }
}

function put32(b: Uint8Array, o: number, x: number): void {
  b[o] = x >>> 24
  b[o + 1] = x >>> 16
  b[o + 2] = x >>> 8
  b[o + 3] = x
}

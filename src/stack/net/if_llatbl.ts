/**
 * What ARP's and ND's link-layer entries share (FreeBSD's net/if_llatbl.c): the packets an entry
 * holds while its address is being resolved. Knows neither protocol; never throws.
 */

import type { Mbuf, MbufPool } from '../../buf/mbuf.js'

/** The hold queue fields of an llentry (la_hold, its tail and la_numheld). */
export interface LlHold {
  hold: Mbuf | null
  holdTail: Mbuf | null
  holdCount: number
}

/** lltable_drop_entry_queue: every held packet back to the pool; returns how many were dropped. */
export function llDropHeld(e: LlHold, pool: MbufPool): number {
  let n = 0
  for (let m = e.hold; m !== null; ) {
    const next = m.next
    m.next = null
    pool.put(m)
    m = next
    n++
  }
  e.hold = null
  e.holdTail = null
  e.holdCount = 0
  return n
}

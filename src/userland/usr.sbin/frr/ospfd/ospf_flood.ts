/**
 * ospfd's receipt of a Link State Update (RFC 2328 §13): each LSA checked (checksum, type, layout),
 * compared with the database copy (§13.1), installed and flooded on when newer (MinLSArrival apart),
 * our own stale LSAs answered with a newer instance or a flush (§13.4), duplicates taken as implied
 * acknowledgments, older copies answered with ours, and acknowledgments sent (§13.5).
 *
 * Must not: install an LSA that failed a check, or let a full database take one more (counted).
 */

import { type Lsa, LsType, lsaCompare, lsaCompareAged, MAX_AGE } from '../../../../wire/routing/ospf.js'
import { lsaAllowed } from './areas/ospf_nssa.js'
import type { OspfEngine } from './ospf_engine.js'
import { ageOf, MIN_LS_ARRIVAL_NS } from './ospf_lsdb.js'
import { type Nbr, NbrState, type OspfIf } from './ospf_types.js'

/** A Link State Update (§13). */
export function receiveUpdate(e: OspfEngine, i: OspfIf, n: Nbr, lsas: readonly Lsa[], now: number): void {
  if (n.state < NbrState.EXCHANGE) {
    e.drop('state')
    return
  }
  let acks: Lsa[] | null = null
  let exchanging: boolean | null = null
  for (const lsa of lsas) {
    const t = lsa.hdr.type
    const f = e.facts(lsa)
    if (!f.ok) {
      e.drop('lsa')
      continue
    }
    // §13 (3): no AS-external-LSA in a stub area or NSSA, no Type-7 outside an NSSA (ospf_nssa.ts).
    if ((t === LsType.EXTERNAL || t === LsType.NSSA) && !lsaAllowed(e, i.area, t)) {
      e.drop('lsa-area')
      continue
    }
    e.counters.lsaReceived++
    const db = e.lsdbFor(t, i.area)
    const cur = db.get(t, lsa.hdr.id, lsa.hdr.advRtr)
    if (lsa.hdr.age >= MAX_AGE && cur === undefined) {
      exchanging ??= e.exchanging()
      if (!exchanging) {
        ;(acks ??= []).push(lsa)
        continue
      }
    }
    const cmp = cur === undefined ? 1 : lsaCompareAged(lsa.hdr, cur.lsa.hdr, ageOf(cur, now))
    const k = f.key
    if (cmp > 0) {
      const self = e.isSelf(lsa)
      if (cur !== undefined && now - cur.rcvTime < MIN_LS_ARRIVAL_NS && !self) continue
      if (self) {
        // §13.4: a stale copy of our own: ours goes out again with a higher number, or is flushed.
        const got = e.install(db, lsa, now, cur)
        if (got === null) continue
        // A request it answers counts as answered: the last one ends Loading (§10.4 LoadingDone).
        if (n.requests.delete(k)) e.nbr.requestsChanged(i, n, now)
        e.markDirty()
        e.lastOrig.delete(`${t === LsType.EXTERNAL ? 0 : i.area}:${k}`)
        e.delayedAck(i, lsa.hdr, now)
        continue
      }
      const got = e.install(db, lsa, now, cur)
      if (got === null) {
        e.drop('lsdb-full')
        continue
      }
      // Flooded back out where it came from is acknowledgment enough; otherwise a delayed one.
      const back = e.flood(lsa, i.area, i, n, now)
      if (!back) e.delayedAck(i, lsa.hdr, now)
      if (n.requests.size > 0 && n.requests.delete(k)) e.nbr.requestsChanged(i, n, now)
      continue
    }
    if (n.requests.size > 0 && n.requests.has(k)) {
      e.nbr.badRequest(i, n, now)
      return
    }
    if (cmp === 0) {
      const r = n.retrans.size === 0 ? undefined : n.retrans.get(k)
      if (r !== undefined && lsaCompare(r.hdr, lsa.hdr) === 0) n.retrans.delete(k)
      else (acks ??= []).push(lsa)
      continue
    }
    // Ours is newer: send it back (§13 step 8), unless it is being flushed at the last number.
    if (cur !== undefined && now - cur.rcvTime >= MIN_LS_ARRIVAL_NS) e.sendLsas(i, n.addr, [e.wire(cur, now)])
  }
  if (acks !== null) e.nbr.sendAcks(i, n, acks)
}

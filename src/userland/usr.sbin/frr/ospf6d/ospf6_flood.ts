/**
 * ospf6d's receipt of a Link State Update (RFC 5340 §4.5 on RFC 2328 §13): each LSA checked
 * (checksum, scope, body layout), compared with the database copy of its scope, installed and
 * flooded on when newer (MinLSArrival apart), our own stale LSAs answered with a newer instance or a
 * flush, duplicates taken as implied acknowledgments, older copies answered with ours, and
 * acknowledgments sent.
 *
 * Must not: install an LSA that failed a check, or let a full database take one more (counted).
 */

import { type Lsa, lsaChecksumOk, lsaCompare, lsaKey, MAX_AGE } from '../../../../wire/routing/ospf.js'
import { lsa6BodyOk } from '../../../../wire/routing/ospf6.js'
import { ageOf, MIN_LS_ARRIVAL_NS } from '../ospfd/ospf_lsdb.js'
import { type Ospf6Engine, scopeOf } from './ospf6_engine.js'
import { lsaAllowed6 } from './ospf6_nssa.js'
import { origKey } from './ospf6_origin.js'
import { type Nbr6, NbrState, type Ospf6If } from './ospf6_types.js'

/** A Link State Update (§13). */
export function receiveUpdate6(e: Ospf6Engine, i: Ospf6If, n: Nbr6, lsas: readonly Lsa[], now: number): void {
  if (n.state < NbrState.EXCHANGE) {
    e.drop('state')
    return
  }
  const acks: Lsa[] = []
  let exchanging: boolean | null = null
  for (const lsa of lsas) {
    const t = lsa.hdr.type
    if (scopeOf(t) === 3 || !lsaChecksumOk(lsa.data) || !lsa6BodyOk(lsa)) {
      e.drop('lsa')
      continue
    }
    // RFC 2328 §13 (3): nothing of AS scope in a stub area or NSSA, no Type-7 outside an NSSA.
    if (e.areaTypes.size > 0 && !lsaAllowed6(e, i, t)) {
      e.drop('lsa-area-type')
      continue
    }
    e.counters.lsaReceived++
    const db = e.lsdbFor(t, i)
    const k = lsaKey(t, lsa.hdr.id, lsa.hdr.advRtr)
    const cur = db.get(t, lsa.hdr.id, lsa.hdr.advRtr)
    if (lsa.hdr.age >= MAX_AGE && cur === undefined) {
      exchanging ??= [...e.ifs.values()].some((x) =>
        [...x.nbrs.values()].some((m) => m.state === NbrState.EXCHANGE || m.state === NbrState.LOADING),
      )
      if (!exchanging) {
        acks.push(lsa)
        continue
      }
    }
    const curHdr = cur === undefined ? null : { ...cur.lsa.hdr, age: ageOf(cur, now) }
    const cmp = curHdr === null ? 1 : lsaCompare(lsa.hdr, curHdr)
    if (cmp > 0) {
      if (cur !== undefined && now - cur.rcvTime < MIN_LS_ARRIVAL_NS && !e.isSelf(lsa)) continue
      if (e.isSelf(lsa)) {
        // §13.4: a stale copy of our own: ours goes out again with a higher number, or is flushed.
        const got = e.install(db, lsa, now)
        if (got === null) continue
        // A request for it is answered too: Loading may end here (else it would never).
        if (n.requests.delete(k)) e.nbr.requestsChanged(i, n, now)
        e.markDirty()
        e.lastOrig.delete(origKey(t, lsa.hdr.id, lsa.hdr.advRtr, i))
        e.delayedAck(i, lsa.hdr, now)
        continue
      }
      const got = e.install(db, lsa, now)
      if (got === null) {
        e.drop('lsdb-full')
        continue
      }
      // Flooded back out where it came from is acknowledgment enough; otherwise a delayed one.
      const back = e.flood(lsa, i.area, i, i, n, now)
      if (!back) e.delayedAck(i, lsa.hdr, now)
      if (n.requests.delete(k)) e.nbr.requestsChanged(i, n, now)
      continue
    }
    if (n.requests.has(k)) {
      e.nbr.badRequest(i, n, now)
      return
    }
    if (cmp === 0) {
      const r = n.retrans.get(k)
      if (r !== undefined && lsaCompare(r.hdr, lsa.hdr) === 0) n.retrans.delete(k)
      else acks.push(lsa)
      continue
    }
    // Ours is newer: send it back (§13 step 8), unless it is being flushed at the last number.
    if (cur !== undefined && now - cur.rcvTime >= MIN_LS_ARRIVAL_NS) e.sendLsas(i, n.addr, [e.wire(cur, now)])
  }
  if (acks.length > 0) e.nbr.sendAcks(i, n, acks)
}

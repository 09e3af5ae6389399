/**
 * ospf6d's Designated Router election (RFC 2328 §9.4 with Router IDs in place of addresses, as RFC
 * 5340 §4.2.1 has it): the BDR among those not declaring themselves DR, the DR among those that do
 * (else the BDR), run twice when this router's own role changes; neighbours whose adjacency the
 * result changes go to ExStart or back to 2-Way.
 *
 * Must not: do I/O or read a clock.
 */

import type { Ospf6Engine } from './ospf6_engine.js'
import { NbrState, type Ospf6If } from './ospf6_types.js'

export function elect6(e: Ospf6Engine, i: Ospf6If): void {
  if (i.type !== 'broadcast' || i.passive || i.state === 'Down' || i.state === 'Loopback') return
  interface Cand {
    rid: number
    pri: number
    dr: number
    bdr: number
  }
  const self: Cand = { rid: e.routerId, pri: i.priority, dr: i.dr, bdr: i.bdr }
  const cands: Cand[] = []
  if (self.pri > 0) cands.push(self)
  for (const n of i.nbrs.values())
    if (n.state >= NbrState.TWO_WAY && n.priority > 0)
      cands.push({ rid: n.routerId, pri: n.priority, dr: n.dr, bdr: n.bdr })
  const best = (xs: Cand[]): Cand | undefined =>
    xs.reduce<Cand | undefined>(
      (b, c) => (b === undefined || c.pri > b.pri || (c.pri === b.pri && c.rid >>> 0 > b.rid >>> 0) ? c : b),
      undefined,
    )
  const run = (): { dr: number; bdr: number } => {
    const notDr = cands.filter((c) => c.dr !== c.rid)
    const declared = notDr.filter((c) => c.bdr === c.rid)
    const bdr = best(declared.length > 0 ? declared : notDr)
    const drs = cands.filter((c) => c.dr === c.rid)
    const dr = drs.length > 0 ? best(drs) : bdr
    return { dr: dr?.rid ?? 0, bdr: bdr?.rid ?? 0 }
  }
  let r = run()
  const me = e.routerId
  if ((i.dr === me) !== (r.dr === me) || (i.bdr === me) !== (r.bdr === me)) {
    self.dr = r.dr
    self.bdr = r.bdr
    r = run()
  }
  if (r.bdr === r.dr) r.bdr = 0
  const changed = r.dr !== i.dr || r.bdr !== i.bdr
  i.dr = r.dr
  i.bdr = r.bdr
  const state = r.dr === me ? 'DR' : r.bdr === me ? 'BDR' : 'DROther'
  if (state !== i.state || changed) {
    i.state = state
    e.markDirty()
    for (const n of i.nbrs.values()) e.nbr.adjOk(i, n)
  }
}

/**
 * ospfd's Designated Router election (RFC 2328 §9.4): the BDR among the eligible neighbours not
 * declaring themselves DR (those declaring themselves BDR first), the DR among those that do (else
 * the BDR), run a second time when this router's own role changes; the interface state follows,
 * and neighbours whose adjacency the result changes go to ExStart or back to 2-Way (§10.3 AdjOK?).
 *
 * Must not: do I/O or read a clock.
 */

import type { OspfEngine } from './ospf_engine.js'
import { NbrState, type OspfIf } from './ospf_types.js'

export function electDr(e: OspfEngine, i: OspfIf): void {
  if (i.type !== 'broadcast' || i.passive || i.state === 'Down' || i.state === 'Loopback') return
  interface Cand {
    rid: number
    addr: number
    pri: number
    dr: number
    bdr: number
  }
  const self: Cand = { rid: e.routerId, addr: i.addr, pri: i.priority, dr: i.dr, bdr: i.bdr }
  const cands: Cand[] = []
  if (self.pri > 0) cands.push(self)
  for (const n of i.nbrs.values())
    if (n.state >= NbrState.TWO_WAY && n.priority > 0)
      cands.push({ rid: n.routerId, addr: n.addr, pri: n.priority, dr: n.dr, bdr: n.bdr })
  const best = (xs: Cand[]): Cand | undefined =>
    xs.reduce<Cand | undefined>(
      (b, c) => (b === undefined || c.pri > b.pri || (c.pri === b.pri && c.rid >>> 0 > b.rid >>> 0) ? c : b),
      undefined,
    )
  const run = (): { dr: number; bdr: number } => {
    const notDr = cands.filter((c) => c.dr !== c.addr)
    const declared = notDr.filter((c) => c.bdr === c.addr)
    const bdr = best(declared.length > 0 ? declared : notDr)
    const drs = cands.filter((c) => c.dr === c.addr)
    const dr = drs.length > 0 ? best(drs) : bdr
    return { dr: dr?.addr ?? 0, bdr: bdr?.addr ?? 0 }
  }
  let r = run()
  const wasDr = i.dr === i.addr
  const wasBdr = i.bdr === i.addr
  if (wasDr !== (r.dr === i.addr) || wasBdr !== (r.bdr === i.addr)) {
    self.dr = r.dr
    self.bdr = r.bdr
    r = run()
  }
  // A DR that is also BDR (only one candidate) leaves the BDR empty.
  if (r.bdr === r.dr) r.bdr = 0
  const changed = r.dr !== i.dr || r.bdr !== i.bdr
  i.dr = r.dr
  i.bdr = r.bdr
  const state = r.dr === i.addr ? 'DR' : r.bdr === i.addr ? 'Backup' : 'DROther'
  if (state !== i.state || changed) {
    i.state = state
    e.markDirty()
    for (const n of i.nbrs.values()) e.nbr.adjOk(i, n)
  }
}

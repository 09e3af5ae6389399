/**
 * ospfd's flooding out (RFC 2328 §13.3) and delayed acknowledgments (§13.5): an installed LSA goes
 * on the retransmission list of each neighbour of its scope that should get it (a pending request
 * answered on the way) and into the interface's flood queue; what is queued within FLOOD_DELAY_NS
 * goes out together as few Link State Updates per interface as fit (§13.3 leaves the timing open;
 * FRR queues an interface's updates and sends them from an event), and delayed acknowledgments are
 * batched per interface for ACK_DELAY_NS (FRR's 1 s).
 *
 * Must not: send an LSA the database does not hold as installed (aged on the wire only), or hold an
 * interface that has gone (queues of a removed or downed interface are dropped when sent).
 */

import type { Lsa, LsaHeader } from '../../../../wire/routing/ospf.js'
import { LsType, lsaCompare, OspfType } from '../../../../wire/routing/ospf.js'
import { lsaAllowed } from './areas/ospf_nssa.js'
import type { OspfEngine } from './ospf_engine.js'
import { SEC_NS } from './ospf_lsdb.js'
import { type Nbr, NbrState, type OspfIf } from './ospf_types.js'

/** Delayed acknowledgments go out this long after the first is due (FRR's 1 s), batched per interface. */
const ACK_DELAY_NS = 1 * SEC_NS
/**
 * What flooding gathers before it sends: everything installed within this time goes out in as few
 * Link State Updates per interface as fit, rather than one update per LSA received.
 */
const FLOOD_DELAY_NS = 0.02 * SEC_NS

/** LSAs waiting to be flooded out of one interface, each with its key (null: sent whatever happens). */
interface FloodQueue {
  lsas: Lsa[]
  keys: Array<string | null>
}

/** Whether two lists hold the same LSA objects in the same order. */
function sameList(a: readonly Lsa[], b: readonly Lsa[]): boolean {
  if (a.length !== b.length) return false
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false
  return true
}

/** Whether a neighbour on i still waits for this very instance (it is on its retransmission list). */
function wantedBy(i: OspfIf, k: string, lsa: Lsa): boolean {
  for (const n of i.nbrs.values()) if (n.retrans.get(k) === lsa) return true
  return false
}

export class FloodOut {
  private readonly e: OspfEngine
  /** LSAs flooded (as installed, aged by one on the wire) waiting for floodAt, by interface. */
  private readonly floodOut = new Map<OspfIf, FloodQueue>()
  floodAt = Number.POSITIVE_INFINITY
  /** Delayed acknowledgments by interface (§13.5), sent together at ackAt. */
  private readonly ackOut = new Map<OspfIf, LsaHeader[]>()
  ackAt = Number.POSITIVE_INFINITY

  constructor(e: OspfEngine) {
    this.e = e
  }

  /**
   * Flood lsa (already installed) out of the interfaces of its scope. `from` is the neighbour it
   * came from (null for our own). Returns whether it went back out of `fromIf`.
   */
  flood(lsa: Lsa, area: number, fromIf: OspfIf | null, from: Nbr | null, now: number): boolean {
    const e = this.e
    const k = e.facts(lsa).key
    let back = false
    for (const i of e.ifs.values()) {
      if (i.state === 'Down' || i.state === 'Loopback' || i.passive) continue
      if (lsa.hdr.type !== LsType.EXTERNAL && i.area !== area) continue
      // §15: AS-external-LSAs reach the far side through the transit area, never over a virtual link;
      // §13.3 (1): nor into a stub area or NSSA (ospf_nssa.ts).
      if (lsa.hdr.type === LsType.EXTERNAL && (i.vl !== undefined || !lsaAllowed(e, i.area, LsType.EXTERNAL)))
        continue
      let added = false
      for (const n of i.nbrs.values()) {
        if (n.state < NbrState.EXCHANGE) continue
        if (n.state !== NbrState.FULL) {
          const req = n.requests.get(k)
          if (req !== undefined) {
            const c = lsaCompare(lsa.hdr, req)
            if (c < 0) continue
            n.requests.delete(k)
            e.nbr.requestsChanged(i, n, now)
            if (c === 0) continue
          }
        }
        if (n === from) continue
        n.retrans.set(k, lsa)
        if (n.retransAt === Number.POSITIVE_INFINITY) n.retransAt = now + i.retransmit * SEC_NS
        added = true
      }
      if (!added) continue
      if (i === fromIf && from !== null && (from.addr === i.dr || from.addr === i.bdr)) continue
      if (i === fromIf && i.state === 'Backup') continue
      if (i === fromIf) back = true
      let q = this.floodOut.get(i)
      if (q === undefined) {
        q = { lsas: [], keys: [] }
        this.floodOut.set(i, q)
      }
      q.lsas.push(lsa)
      // Back out of the interface it came in on stands for an acknowledgment: always sent.
      q.keys.push(i === fromIf ? null : k)
      if (this.floodAt === Number.POSITIVE_INFINITY) this.floodAt = now + FLOOD_DELAY_NS
    }
    return back
  }

  /**
   * What flooding gathered: as few Link State Updates per interface as fit. An LSA that every
   * neighbour on the interface has since sent us itself (an implied acknowledgment, §13.7: it left
   * their retransmission lists) is left out: they have it. They flooded it to us, though, and wait
   * for it back or for an acknowledgment, which we did not send for their copy (§13 step 7 counts on
   * our flood having gone out first, as it would have without the gathering): a delayed
   * acknowledgment goes in its place, or they would resend it every RxmtInterval.
   */
  flushFloods(now: number): void {
    const e = this.e
    this.floodAt = Number.POSITIVE_INFINITY
    if (this.floodOut.size === 0) return
    // The interfaces of one area mostly flood the same LSAs: their updates are built once (§13.3
    // sends the same update out of each; only authentication, done per packet, differs).
    let last: { area: number; lsas: Lsa[]; pkts: Uint8Array[] } | null = null
    for (const [i, q] of this.floodOut) {
      if (e.ifs.get(i.name) !== i || i.state === 'Down') continue
      const out: Lsa[] = []
      for (let j = 0; j < q.lsas.length; j++) {
        const lsa = q.lsas[j]!
        const k = q.keys[j]!
        if (k === null || wantedBy(i, k, lsa)) out.push(lsa)
        else this.delayedAck(i, lsa.hdr, now)
      }
      if (out.length === 0) continue
      if (last === null || last.area !== i.area || !sameList(last.lsas, out))
        last = { area: i.area, lsas: out, pkts: e.lsuPackets(i.area, out, 1) }
      const dst = e.floodDst(i)
      for (const pkt of last.pkts) e.sendPacket(i, dst, OspfType.LSU, pkt)
    }
    this.floodOut.clear()
  }

  /** A delayed acknowledgment (§13.5): batched per interface, to the group the interface floods to. */
  delayedAck(i: OspfIf, h: LsaHeader, now: number): void {
    const q = this.ackOut.get(i)
    if (q === undefined) this.ackOut.set(i, [h])
    else q.push(h)
    if (this.ackAt === Number.POSITIVE_INFINITY) this.ackAt = now + ACK_DELAY_NS
  }

  flushAcks(): void {
    const e = this.e
    this.ackAt = Number.POSITIVE_INFINITY
    for (const [i, hs] of this.ackOut) {
      if (e.ifs.get(i.name) !== i || i.state === 'Down') continue
      e.sendAckHeaders(i, e.floodDst(i), hs)
    }
    this.ackOut.clear()
  }
}

/**
 * ospfd's neighbour state machine (RFC 2328 §10): Hellos received (§10.5) with 2-Way and the events
 * they raise on the interface, and what OSPFv2 does its own way in the rest (ospf_nbr_fsm.ts, shared
 * with ospf6d): DDs with this area's options, an MTU a virtual link does not have (§10.6), the LSA
 * types an area can hold (RFC 3101 §2.2), AS-external-LSAs left out of a virtual link's and a stub
 * area's summary list (§10.3, §10.8), neighbours known by interface address.
 *
 * Must not: do I/O but through the engine's send, or trust what a neighbour's packet says.
 */

import {
  ddBody,
  type Hello,
  type Lsa,
  type LsaHeader,
  type LsReq,
  LsType,
  lsrBody,
} from '../../../../wire/routing/ospf.js'
import { areaOptions, helloOptionsOk, lsaAllowed } from './areas/ospf_nssa.js'
import type { OspfEngine } from './ospf_engine.js'
import type { Lsdb } from './ospf_lsdb.js'
import { fsmKill, NbrFsm } from './ospf_nbr_fsm.js'
import { type Nbr, newNbr, type OspfIf } from './ospf_types.js'

/** Neighbours one interface keeps at most (a flood of forged Hellos cannot grow it further). */
export const MAX_NBRS = 256

/** A neighbour goes away: its lists are cleared and its adjacency withdrawn from our LSAs. */
export function nbrKill(e: OspfEngine, n: Nbr): void {
  fsmKill(e, n)
}

export class NbrInput extends NbrFsm<OspfIf, Nbr, number> {
  private readonly e: OspfEngine

  constructor(e: OspfEngine) {
    super(e)
    this.e = e
  }

  /** §10.5 */
  hello(i: OspfIf, src: number, rid: number, h: Hello, now: number): void {
    const e = this.e
    if (i.type === 'broadcast' && h.mask !== i.mask) {
      e.drop('hello-mask')
      return
    }
    if (h.helloInterval !== i.hello || h.deadInterval !== i.dead) {
      e.drop('hello-timers')
      return
    }
    // §10.5: the E bit says what the area is (and RFC 3101's N bit an NSSA, ospf_nssa.ts).
    if (!helloOptionsOk(e, i.area, h.options)) {
      e.drop('hello-options')
      return
    }
    let n = i.nbrs.get(src)
    if (n === undefined) {
      if (i.nbrs.size >= MAX_NBRS) {
        e.drop('neighbors')
        return
      }
      n = newNbr(src, rid, now)
      i.nbrs.set(src, n)
    }
    n.routerId = rid
    this.helloSeen(i, n, h, src, now)
  }

  protected ddBody(i: OspfIf, flags: number, seq: number, headers: LsaHeader[]): Uint8Array {
    return ddBody({ mtu: i.mtu, options: areaOptions(this.e, i.area), flags, seq, headers })
  }

  protected lsrBody(reqs: readonly LsReq[]): Uint8Array {
    return lsrBody(reqs)
  }

  /** A virtual link has no MTU (its DDs say 0, §10.6). */
  protected ddMtuOk(i: OspfIf, mtu: number): boolean {
    return i.vl !== undefined || mtu <= i.mtu
  }

  /** §10.6: an unknown type, or one the area cannot hold (RFC 3101 §2.2), ends the exchange. */
  protected ddTypeOk(i: OspfIf, t: number): boolean {
    return !(t < 1 || (t > 5 && t !== LsType.NSSA) || !lsaAllowed(this.e, i.area, t))
  }

  /**
   * §10.3: AS-external-LSAs are left out of a virtual neighbour's summary list, and of a stub
   * area's or an NSSA's (§10.8).
   */
  protected summaryDbs(i: OspfIf): readonly Lsdb[] {
    const e = this.e
    const ext = i.vl === undefined && lsaAllowed(e, i.area, LsType.EXTERNAL)
    return ext ? [e.area(i.area).lsdb, e.external] : [e.area(i.area).lsdb]
  }

  protected lsdbOf(type: number, i: OspfIf): Lsdb {
    return this.e.lsdbFor(type, i.area)
  }

  protected keyOf(type: number, id: number, advRtr: number): string {
    return this.e.lsaKey(type, id, advRtr)
  }

  protected nbrKey(n: Nbr): number {
    return n.addr
  }

  sendAcks(i: OspfIf, n: Nbr, lsas: readonly Lsa[]): void {
    this.e.sendAckHeaders(
      i,
      n.addr,
      lsas.map((l) => l.hdr),
    )
  }
}

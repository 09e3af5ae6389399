/**
 * ospf6d's neighbour state machine (RFC 5340 §4.2.2 on RFC 2328 §10): Hellos received with 2-Way
 * and the events they raise on the interface, and what OSPFv3 does its own way in the rest
 * (ospfd/ospf_nbr_fsm.ts, shared with ospfd): its DD, LSR and LSAck bodies, link-local LSAs in the
 * summary list, no AS-scope LSAs over a virtual link or in a stub area or NSSA. Neighbours are
 * known by Router ID (§4.2.1), their link-local source address is where unicasts go.
 *
 * Must not: do I/O but through the engine's send, or trust what a neighbour's packet says.
 */

import { LSA_HDR_LEN, type Lsa, type LsaHeader, type LsReq, lsaKey } from '../../../../wire/routing/ospf.js'
import { ack6Body, dd6Body, type Hello6, lsr6Body } from '../../../../wire/routing/ospf6.js'
import type { Lsdb } from '../ospfd/ospf_lsdb.js'
import { fsmKill, NbrFsm } from '../ospfd/ospf_nbr_fsm.js'
import { type Ospf6Engine, scopeOf } from './ospf6_engine.js'
import { helloOptionsOk } from './ospf6_nssa.js'
import { type Nbr6, newNbr6, type Ospf6If } from './ospf6_types.js'

const LSACK = 5
/** Neighbours one interface keeps at most (a flood of forged Hellos cannot grow it further). */
export const MAX_NBRS = 256

/** A neighbour goes away: its lists are cleared and its adjacency withdrawn from our LSAs. */
export function nbr6Kill(e: Ospf6Engine, n: Nbr6): void {
  fsmKill(e, n)
}

export class Nbr6Input extends NbrFsm<Ospf6If, Nbr6, Uint8Array> {
  private readonly e: Ospf6Engine

  constructor(e: Ospf6Engine) {
    super(e)
    this.e = e
  }

  /** §10.5 */
  hello(i: Ospf6If, src: Uint8Array, rid: number, h: Hello6, now: number): void {
    const e = this.e
    if (h.helloInterval !== i.hello || h.deadInterval !== i.dead) {
      e.drop('hello-timers')
      return
    }
    if (!helloOptionsOk(e, i, h.options)) {
      e.drop('hello-options')
      return
    }
    let n = i.nbrs.get(rid)
    if (n === undefined) {
      if (i.nbrs.size >= MAX_NBRS) {
        e.drop('neighbors')
        return
      }
      n = newNbr6(rid, src.slice(), now)
      i.nbrs.set(rid, n)
    }
    n.addr = src.slice()
    if (n.ifId !== h.ifId) {
      // Our Router-LSA names the neighbour's Interface ID (§A.4.3).
      n.ifId = h.ifId
      e.markDirty()
    }
    this.helloSeen(i, n, h, rid, now)
  }

  protected ddBody(i: Ospf6If, flags: number, seq: number, headers: LsaHeader[]): Uint8Array {
    return dd6Body({ mtu: i.mtu, options: this.e.options(i), flags, seq, headers })
  }

  protected lsrBody(reqs: readonly LsReq[]): Uint8Array {
    return lsr6Body(reqs)
  }

  protected ddMtuOk(i: Ospf6If, mtu: number): boolean {
    return mtu <= i.mtu
  }

  /** An LSA type of reserved flooding scope ends the exchange. */
  protected ddTypeOk(_i: Ospf6If, type: number): boolean {
    return scopeOf(type) !== 3
  }

  /**
   * A virtual link carries the backbone's database only (RFC 2328 §10.3: no AS-external-LSAs),
   * and so does a stub area or an NSSA its own.
   */
  protected summaryDbs(i: Ospf6If): readonly Lsdb[] {
    const e = this.e
    return i.type === 'virtual'
      ? [e.area(i.area).lsdb]
      : e.areaTypes.has(i.area)
        ? [e.linkDb(i), e.area(i.area).lsdb]
        : [e.linkDb(i), e.area(i.area).lsdb, e.external]
  }

  protected lsdbOf(type: number, i: Ospf6If): Lsdb {
    return this.e.lsdbFor(type, i)
  }

  protected keyOf(type: number, id: number, advRtr: number): string {
    return lsaKey(type, id, advRtr)
  }

  protected nbrKey(n: Nbr6): number {
    return n.routerId
  }

  /** Acknowledgments for what n sent us, straight back to it. */
  sendAcks(i: Ospf6If, n: Nbr6, lsas: readonly Lsa[]): void {
    const per = Math.floor(1200 / LSA_HDR_LEN)
    for (let k = 0; k < lsas.length; k += per)
      this.e.send(i, n.addr, LSACK, ack6Body(lsas.slice(k, k + per).map((l) => l.hdr)))
  }
}

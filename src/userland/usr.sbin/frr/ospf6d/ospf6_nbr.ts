/**
 * ospf6d's neighbour state machine (RFC 5340 §4.2.2 on RFC 2328 §10): Hellos received with 2-Way
 * and the events they raise on the interface, adjacency decisions, the database exchange as master
 * or slave with duplicate detection and sequence mismatches, Link State Requests both ways,
 * acknowledgments and the neighbour's timers. Neighbours are known by Router ID (§4.2.1), their
 * link-local source address is where unicasts go.
 *
 * Must not: do I/O but through the engine's send, or trust what a neighbour's packet says.
 */

import {
  LSA_HDR_LEN,
  type Lsa,
  type LsaHeader,
  type LsReq,
  lsaCompare,
  lsaKey,
  MAX_AGE,
} from '../../../../wire/routing/ospf.js'
import { ack6Body, type Dd6, dd6Body, type Hello6, lsr6Body } from '../../../../wire/routing/ospf6.js'
import { ageOf, SEC_NS } from '../ospfd/ospf_lsdb.js'
import { type Ospf6Engine, scopeOf } from './ospf6_engine.js'
import { helloOptionsOk } from './ospf6_nssa.js'
import { type Nbr6, NbrState, newNbr6, type Ospf6If } from './ospf6_types.js'

const DD_I = 4
const DD_M = 2
const DD_MS = 1
const OspfType = { HELLO: 1, DD: 2, LSR: 3, LSU: 4, LSACK: 5 } as const

/** LSA headers per DD and requests per LSR (both fit a 1500-byte MTU). */
const DD_HEADERS = 60
const LSR_ENTRIES = 100
/** Neighbours one interface keeps at most (a flood of forged Hellos cannot grow it further). */
export const MAX_NBRS = 256

/** A neighbour goes away: its lists are cleared and its adjacency withdrawn from our LSAs. */
export function nbr6Kill(e: Ospf6Engine, n: Nbr6): void {
  const wasFull = n.state === NbrState.FULL
  n.state = NbrState.DOWN
  clearLists(n)
  if (wasFull) e.markDirty()
}

function clearLists(n: Nbr6): void {
  n.summary = []
  n.requests.clear()
  n.lsrKeys = []
  n.lsrRxmtAt = Number.POSITIVE_INFINITY
  n.retrans.clear()
  n.retransAt = Number.POSITIVE_INFINITY
  n.ddRxmtAt = Number.POSITIVE_INFINITY
  n.lastRcvd = null
  n.lastSent = null
}

export class Nbr6Input {
  private readonly e: Ospf6Engine

  constructor(e: Ospf6Engine) {
    this.e = e
  }

  private setState(n: Nbr6, s: number, now: number): void {
    const full = n.state === NbrState.FULL
    n.state = s
    n.since = now
    if (full !== (s === NbrState.FULL)) {
      this.e.markDirty()
      if (s === NbrState.FULL) n.events++
    }
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
    n.options = h.options
    const prev = { pri: n.priority, dr: n.dr, bdr: n.bdr, state: n.state }
    n.priority = h.priority
    n.dr = h.dr
    n.bdr = h.bdr
    n.deadAt = now + i.dead * SEC_NS
    if (n.state === NbrState.DOWN) this.setState(n, NbrState.INIT, now)
    const twoWay = h.neighbors.some((x) => x >>> 0 === e.routerId >>> 0)
    if (!twoWay) {
      if (n.state >= NbrState.TWO_WAY) {
        clearLists(n)
        this.setState(n, NbrState.INIT, now)
        e.elect(i)
      }
      return
    }
    if (n.state === NbrState.INIT) {
      this.setState(n, NbrState.TWO_WAY, now)
      if (e.wantAdjacent(i, n)) this.exStart(i, n, now)
    }
    if (i.type !== 'broadcast') return
    if (i.state === 'Waiting') {
      // BackupSeen: a neighbour says it is BDR, or DR with no BDR.
      if (h.bdr === rid || (h.dr === rid && h.bdr === 0)) {
        i.waitAt = Number.POSITIVE_INFINITY
        e.elect(i)
      }
      return
    }
    const declares = (x: number) => x === rid
    if (
      prev.state < NbrState.TWO_WAY ||
      prev.pri !== n.priority ||
      declares(prev.dr) !== declares(n.dr) ||
      declares(prev.bdr) !== declares(n.bdr)
    )
      e.elect(i)
  }

  /** AdjOK? after an election (§10.3). */
  adjOk(i: Ospf6If, n: Nbr6): void {
    const now = this.e.now
    if (n.state === NbrState.TWO_WAY && this.e.wantAdjacent(i, n)) this.exStart(i, n, now)
    else if (n.state >= NbrState.EXSTART && !this.e.wantAdjacent(i, n)) {
      clearLists(n)
      this.setState(n, NbrState.TWO_WAY, now)
    }
  }

  private exStart(i: Ospf6If, n: Nbr6, now: number): void {
    clearLists(n)
    this.setState(n, NbrState.EXSTART, now)
    n.master = true
    n.ddSeq = this.e.io.random() >>> 0
    this.sendDd(i, n, DD_I | DD_M | DD_MS, [], now)
  }

  private sendDd(i: Ospf6If, n: Nbr6, flags: number, headers: LsaHeader[], now: number): void {
    n.lastSentMore = (flags & DD_M) !== 0
    const body = dd6Body({ mtu: i.mtu, options: this.e.options(i), flags, seq: n.ddSeq, headers })
    n.lastSent = body
    this.e.send(i, n.addr, OspfType.DD, body)
    // Only the master (and ExStart, where both are) retransmits; the slave answers duplicates.
    n.ddRxmtAt =
      n.master || n.state === NbrState.EXSTART ? now + i.retransmit * SEC_NS : Number.POSITIVE_INFINITY
  }

  private nextHeaders(n: Nbr6): LsaHeader[] {
    return n.summary.splice(0, DD_HEADERS)
  }

  private seqMismatch(i: Ospf6If, n: Nbr6, now: number): void {
    this.e.drop('dd-mismatch')
    this.exStart(i, n, now)
  }

  /** §10.8: the summary list, our whole database for this area and the AS (MaxAge ones left out). */
  private negotiationDone(i: Ospf6If, n: Nbr6, now: number): void {
    this.setState(n, NbrState.EXCHANGE, now)
    const e = this.e
    const out: LsaHeader[] = []
    // A virtual link carries the backbone's database only (RFC 2328 §10.3: no AS-external-LSAs),
    // and so does a stub area or an NSSA its own.
    const dbs =
      i.type === 'virtual'
        ? [e.area(i.area).lsdb]
        : e.areaTypes.has(i.area)
          ? [e.linkDb(i), e.area(i.area).lsdb]
          : [e.linkDb(i), e.area(i.area).lsdb, e.external]
    for (const db of dbs)
      for (const x of db.map.values()) {
        const age = ageOf(x, now)
        if (age < MAX_AGE) out.push({ ...x.lsa.hdr, age })
      }
    n.summary = out
  }

  /** §10.6 */
  dd(i: Ospf6If, n: Nbr6, dd: Dd6, now: number): void {
    const e = this.e
    if (dd.mtu > i.mtu) {
      e.drop('dd-mtu')
      return
    }
    if (n.state === NbrState.INIT) this.hello2way(i, n, now)
    if (n.state < NbrState.EXSTART) return
    const dup =
      n.lastRcvd !== null &&
      n.lastRcvd.flags === dd.flags &&
      n.lastRcvd.seq === dd.seq &&
      n.lastRcvd.options === dd.options
    if (n.state === NbrState.EXSTART) {
      const all = DD_I | DD_M | DD_MS
      if ((dd.flags & all) === all && dd.headers.length === 0 && n.routerId >>> 0 > e.routerId >>> 0) {
        n.master = false
        n.ddSeq = dd.seq
        this.negotiationDone(i, n, now)
      } else if (
        (dd.flags & (DD_I | DD_MS)) === 0 &&
        dd.seq === n.ddSeq &&
        n.routerId >>> 0 < e.routerId >>> 0
      ) {
        n.master = true
        this.negotiationDone(i, n, now)
      } else return
    } else if (dup) {
      if (!n.master && n.lastSent !== null) e.send(i, n.addr, OspfType.DD, n.lastSent)
      return
    } else if (n.state !== NbrState.EXCHANGE) {
      this.seqMismatch(i, n, now)
      return
    } else {
      if (((dd.flags & DD_MS) !== 0) === n.master || (dd.flags & DD_I) !== 0) {
        this.seqMismatch(i, n, now)
        return
      }
      if (n.master ? dd.seq !== n.ddSeq : dd.seq !== (n.ddSeq + 1) >>> 0) {
        this.seqMismatch(i, n, now)
        return
      }
      if (!n.master) n.ddSeq = dd.seq
    }
    n.lastRcvd = { flags: dd.flags, seq: dd.seq, options: dd.options }
    // The headers: whatever we lack or have older goes on the request list.
    for (const h of dd.headers) {
      if (scopeOf(h.type) === 3) {
        this.seqMismatch(i, n, now)
        return
      }
      const cur = e.lsdbFor(h.type, i).get(h.type, h.id, h.advRtr)
      if (cur === undefined || lsaCompare(h, { ...cur.lsa.hdr, age: ageOf(cur, now) }) > 0) {
        if (n.requests.size < e.maxLsa) n.requests.set(lsaKey(h.type, h.id, h.advRtr), h)
      }
    }
    const theirMore = (dd.flags & DD_M) !== 0
    if (n.master) {
      n.ddSeq = (n.ddSeq + 1) >>> 0
      if (!n.lastSentMore && !theirMore && n.summary.length === 0) {
        n.ddRxmtAt = Number.POSITIVE_INFINITY
        this.exchangeDone(i, n, now)
      } else {
        const hs = this.nextHeaders(n)
        this.sendDd(i, n, DD_MS | (n.summary.length > 0 ? DD_M : 0), hs, now)
      }
    } else {
      const hs = this.nextHeaders(n)
      const more = n.summary.length > 0
      this.sendDd(i, n, more ? DD_M : 0, hs, now)
      if (!theirMore && !more) this.exchangeDone(i, n, now)
    }
    this.requestsChanged(i, n, now)
  }

  /** 2-WayReceived from a DD (its Hello lost or not yet here): also a NeighborChange on a LAN. */
  private hello2way(i: Ospf6If, n: Nbr6, now: number): void {
    this.setState(n, NbrState.TWO_WAY, now)
    if (this.e.wantAdjacent(i, n)) this.exStart(i, n, now)
    if (i.type === 'broadcast' && i.state !== 'Waiting') this.e.elect(i)
  }

  private exchangeDone(i: Ospf6If, n: Nbr6, now: number): void {
    this.setState(n, n.requests.size === 0 ? NbrState.FULL : NbrState.LOADING, now)
    if (n.state === NbrState.FULL) n.lsrRxmtAt = Number.POSITIVE_INFINITY
    this.requestsChanged(i, n, now)
  }

  /** The request list shrank or grew: ask for the next batch once the last is answered; Loading ends. */
  requestsChanged(i: Ospf6If, n: Nbr6, now: number): void {
    if (n.state === NbrState.LOADING && n.requests.size === 0) {
      n.lsrKeys = []
      n.lsrRxmtAt = Number.POSITIVE_INFINITY
      this.setState(n, NbrState.FULL, now)
      return
    }
    if (n.state < NbrState.EXCHANGE || n.requests.size === 0) return
    if (n.lsrKeys.some((k) => n.requests.has(k))) return
    this.sendLsr(i, n, now)
  }

  private sendLsr(i: Ospf6If, n: Nbr6, now: number): void {
    const reqs: LsReq[] = []
    n.lsrKeys = []
    for (const [k, h] of n.requests) {
      if (reqs.length >= LSR_ENTRIES) break
      reqs.push({ type: h.type, id: h.id, advRtr: h.advRtr })
      n.lsrKeys.push(k)
    }
    if (reqs.length === 0) return
    this.e.send(i, n.addr, OspfType.LSR, lsr6Body(reqs))
    n.lsrRxmtAt = now + i.retransmit * SEC_NS
  }

  /** §10.7 */
  lsr(i: Ospf6If, n: Nbr6, reqs: readonly LsReq[], now: number): void {
    const e = this.e
    if (n.state < NbrState.EXCHANGE) {
      e.drop('state')
      return
    }
    const out: Lsa[] = []
    for (const r of reqs) {
      const cur = e.lsdbFor(r.type, i).get(r.type, r.id, r.advRtr)
      if (cur === undefined) {
        this.badRequest(i, n, now)
        return
      }
      if (e.isSelf(cur.lsa)) e.ownSentAt = now
      out.push(e.wire(cur, now))
    }
    e.sendLsas(i, n.addr, out)
  }

  badRequest(i: Ospf6If, n: Nbr6, now: number): void {
    this.e.drop('bad-request')
    this.exStart(i, n, now)
  }

  /** §13.7 */
  ack(n: Nbr6, headers: readonly LsaHeader[]): void {
    if (n.state < NbrState.EXCHANGE) {
      this.e.drop('state')
      return
    }
    for (const h of headers) {
      const k = lsaKey(h.type, h.id, h.advRtr)
      const r = n.retrans.get(k)
      if (r !== undefined && lsaCompare(r.hdr, h) === 0) n.retrans.delete(k)
    }
    if (n.retrans.size === 0) n.retransAt = Number.POSITIVE_INFINITY
  }

  /** Acknowledgments for what n sent us, straight back to it. */
  sendAcks(i: Ospf6If, n: Nbr6, lsas: readonly Lsa[]): void {
    const per = Math.floor(1200 / LSA_HDR_LEN)
    for (let k = 0; k < lsas.length; k += per)
      this.e.send(i, n.addr, OspfType.LSACK, ack6Body(lsas.slice(k, k + per).map((l) => l.hdr)))
  }

  /** The neighbour's timers at `now`. */
  tick(i: Ospf6If, n: Nbr6, now: number): void {
    const e = this.e
    if (n.deadAt <= now) {
      nbr6Kill(e, n)
      i.nbrs.delete(n.routerId)
      e.elect(i)
      return
    }
    if (n.ddRxmtAt <= now) {
      if (
        (n.state === NbrState.EXSTART || (n.state === NbrState.EXCHANGE && n.master)) &&
        n.lastSent !== null
      ) {
        e.send(i, n.addr, OspfType.DD, n.lastSent)
        n.ddRxmtAt = now + i.retransmit * SEC_NS
      } else n.ddRxmtAt = Number.POSITIVE_INFINITY
    }
    if (n.lsrRxmtAt <= now) {
      n.lsrRxmtAt = Number.POSITIVE_INFINITY
      if (n.state >= NbrState.EXCHANGE && n.requests.size > 0) this.sendLsr(i, n, now)
    }
    if (n.retransAt <= now) {
      n.retransAt = Number.POSITIVE_INFINITY
      if (n.retrans.size > 0 && n.state >= NbrState.EXCHANGE) {
        const lsas = [...n.retrans.values()].slice(0, 50)
        e.sendLsas(i, n.addr, lsas)
        n.retransAt = now + i.retransmit * SEC_NS
      }
    }
  }
}

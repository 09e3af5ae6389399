/**
 * The neighbour state machine both OSPF daemons run (RFC 2328 §10, which RFC 5340 §4.2.2 keeps for
 * OSPFv3): the states and their events after a Hello (2-Way, AdjOK?), the database exchange as
 * master or slave with duplicate detection and sequence mismatches (§10.6, §10.8), Link State
 * Requests both ways (§10.7, §10.9), acknowledgments (§13.7) and the neighbour's timers:
 * inactivity, DD, request and update retransmission. What the versions do differently — Hello
 * receipt, the packets' bodies, which databases and LSA types an interface carries, how an
 * interface keys its neighbours — each daemon's subclass says (ospf_nbr.ts, ospf6d/ospf6_nbr.ts).
 *
 * Must not: do I/O but through the engine's send, or trust what a neighbour's packet says.
 */

import { type Lsa, type LsaHeader, type LsReq, lsaCompare, MAX_AGE } from '../../../../wire/routing/ospf.js'
import { ageOf, type LsaEntry, type Lsdb, SEC_NS } from './ospf_lsdb.js'
import { NbrState } from './ospf_types.js'

const DD_I = 4
const DD_M = 2
const DD_MS = 1
const DD = 2
const LSR = 3
/** LSA headers per DD and requests per LSR (both fit a 1500-byte MTU). */
const DD_HEADERS = 60
const LSR_ENTRIES = 100
/** LSAs resent to a neighbour per RxmtInterval. */
const RXMT_BATCH = 50

/** A neighbour as the state machine sees it; `A` is how a unicast reaches it (an address). */
export interface FsmNbr<A> {
  routerId: number
  addr: A
  priority: number
  /** DR and BDR as its last Hello declared them. */
  dr: number
  bdr: number
  options: number
  state: number
  deadAt: number
  since: number
  master: boolean
  ddSeq: number
  lastRcvd: { flags: number; seq: number; options: number } | null
  lastSent: Uint8Array | null
  lastSentMore: boolean
  ddRxmtAt: number
  summary: LsaHeader[]
  requests: Map<string, LsaHeader>
  lsrKeys: string[]
  lsrRxmtAt: number
  retrans: Map<string, Lsa>
  retransAt: number
  events: number
}

/** An interface as the state machine sees it. */
export interface FsmIf<N> {
  readonly type: string
  state: string
  waitAt: number
  dead: number
  mtu: number
  retransmit: number
  nbrs: Map<number, N>
}

/** What a received Hello says that the state machine reads (either version's). */
export interface FsmHello {
  options: number
  priority: number
  dr: number
  bdr: number
  neighbors: readonly number[]
}

/** A DD as received (either version's). */
export interface FsmDd {
  mtu: number
  options: number
  flags: number
  seq: number
  headers: readonly LsaHeader[]
}

/** What the state machine asks of its daemon's engine. */
export interface FsmEngine<I, N, A> {
  readonly io: { random(): number }
  readonly routerId: number
  maxLsa: number
  now: number
  ownSentAt: number
  drop(reason: string): void
  markDirty(): void
  elect(i: I): void
  wantAdjacent(i: I, n: N): boolean
  send(i: I, dst: A, type: number, body: Uint8Array): void
  sendLsas(i: I, dst: A, lsas: readonly Lsa[]): void
  isSelf(lsa: Lsa): boolean
  wire(e: LsaEntry, now: number): Lsa
}

/** A neighbour goes away: its lists are cleared and its adjacency withdrawn from our LSAs. */
export function fsmKill<A>(e: { markDirty(): void }, n: FsmNbr<A>): void {
  const wasFull = n.state === NbrState.FULL
  n.state = NbrState.DOWN
  clearLists(n)
  if (wasFull) e.markDirty()
}

export function clearLists<A>(n: FsmNbr<A>): void {
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

export abstract class NbrFsm<I extends FsmIf<N>, N extends FsmNbr<A>, A> {
  protected readonly fsm: FsmEngine<I, N, A>

  constructor(e: FsmEngine<I, N, A>) {
    this.fsm = e
  }

  // ---- what each version does its own way ----

  /** The body of a DD with our options on i. */
  protected abstract ddBody(i: I, flags: number, seq: number, headers: LsaHeader[]): Uint8Array
  protected abstract lsrBody(reqs: readonly LsReq[]): Uint8Array
  /** The Interface MTU of a DD is acceptable (§10.6). */
  protected abstract ddMtuOk(i: I, mtu: number): boolean
  /** An LSA type i's area can hold, as listed in a DD (§10.6: any other ends the exchange). */
  protected abstract ddTypeOk(i: I, type: number): boolean
  /** The databases whose LSAs go into i's summary list (§10.8). */
  protected abstract summaryDbs(i: I): readonly Lsdb[]
  /** The database an LSA of `type` received on i belongs in. */
  protected abstract lsdbOf(type: number, i: I): Lsdb
  /** The request and retransmission lists' key of an LSA. */
  protected abstract keyOf(type: number, id: number, advRtr: number): string
  /** n's key in its interface's neighbours. */
  protected abstract nbrKey(n: N): number
  /** Acknowledge LSAs to n directly (§13.5). */
  abstract sendAcks(i: I, n: N, lsas: readonly Lsa[]): void

  // ---- the state machine ----

  protected setState(n: N, s: number, now: number): void {
    const full = n.state === NbrState.FULL
    n.state = s
    n.since = now
    if (full !== (s === NbrState.FULL)) {
      this.fsm.markDirty()
      if (s === NbrState.FULL) n.events++
    }
  }

  /**
   * The rest of a Hello from n (§10.5), once n is known: its options, priority and DR and BDR (`me`
   * is what n is called in them: its interface address in OSPFv2, its Router ID in OSPFv3), and the
   * events they raise: 1-Way or 2-WayReceived with AdjOK?, and on a LAN BackupSeen or NeighborChange.
   */
  protected helloSeen(i: I, n: N, h: FsmHello, me: number, now: number): void {
    const e = this.fsm
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
      if (h.bdr === me || (h.dr === me && h.bdr === 0)) {
        i.waitAt = Number.POSITIVE_INFINITY
        e.elect(i)
      }
      return
    }
    const declares = (x: number) => x === me
    if (
      prev.state < NbrState.TWO_WAY ||
      prev.pri !== n.priority ||
      declares(prev.dr) !== declares(n.dr) ||
      declares(prev.bdr) !== declares(n.bdr)
    )
      e.elect(i)
  }

  /** AdjOK? after an election (§10.3). */
  adjOk(i: I, n: N): void {
    const now = this.fsm.now
    if (n.state === NbrState.TWO_WAY && this.fsm.wantAdjacent(i, n)) this.exStart(i, n, now)
    else if (n.state >= NbrState.EXSTART && !this.fsm.wantAdjacent(i, n)) {
      clearLists(n)
      this.setState(n, NbrState.TWO_WAY, now)
    }
  }

  protected exStart(i: I, n: N, now: number): void {
    clearLists(n)
    this.setState(n, NbrState.EXSTART, now)
    n.master = true
    n.ddSeq = this.fsm.io.random() >>> 0
    this.sendDd(i, n, DD_I | DD_M | DD_MS, [], now)
  }

  private sendDd(i: I, n: N, flags: number, headers: LsaHeader[], now: number): void {
    n.lastSentMore = (flags & DD_M) !== 0
    const body = this.ddBody(i, flags, n.ddSeq, headers)
    n.lastSent = body
    this.fsm.send(i, n.addr, DD, body)
    // Only the master (and ExStart, where both are) retransmits; the slave answers duplicates.
    n.ddRxmtAt =
      n.master || n.state === NbrState.EXSTART ? now + i.retransmit * SEC_NS : Number.POSITIVE_INFINITY
  }

  private nextHeaders(n: N): LsaHeader[] {
    return n.summary.splice(0, DD_HEADERS)
  }

  private seqMismatch(i: I, n: N, now: number): void {
    this.fsm.drop('dd-mismatch')
    this.exStart(i, n, now)
  }

  /** §10.8: the summary list, our whole database for this area and the AS (MaxAge ones left out). */
  private negotiationDone(i: I, n: N, now: number): void {
    this.setState(n, NbrState.EXCHANGE, now)
    const out: LsaHeader[] = []
    for (const db of this.summaryDbs(i))
      for (const x of db.map.values()) {
        const age = ageOf(x, now)
        if (age < MAX_AGE) out.push({ ...x.lsa.hdr, age })
      }
    n.summary = out
  }

  /** §10.6 */
  dd(i: I, n: N, dd: FsmDd, now: number): void {
    const e = this.fsm
    if (!this.ddMtuOk(i, dd.mtu)) {
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
      if (!n.master && n.lastSent !== null) e.send(i, n.addr, DD, n.lastSent)
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
      if (!this.ddTypeOk(i, h.type)) {
        this.seqMismatch(i, n, now)
        return
      }
      const cur = this.lsdbOf(h.type, i).get(h.type, h.id, h.advRtr)
      if (cur === undefined || lsaCompare(h, { ...cur.lsa.hdr, age: ageOf(cur, now) }) > 0) {
        if (n.requests.size < e.maxLsa) n.requests.set(this.keyOf(h.type, h.id, h.advRtr), h)
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
  private hello2way(i: I, n: N, now: number): void {
    this.setState(n, NbrState.TWO_WAY, now)
    if (this.fsm.wantAdjacent(i, n)) this.exStart(i, n, now)
    if (i.type === 'broadcast' && i.state !== 'Waiting') this.fsm.elect(i)
  }

  private exchangeDone(i: I, n: N, now: number): void {
    this.setState(n, n.requests.size === 0 ? NbrState.FULL : NbrState.LOADING, now)
    if (n.state === NbrState.FULL) n.lsrRxmtAt = Number.POSITIVE_INFINITY
    this.requestsChanged(i, n, now)
  }

  /** The request list shrank or grew: ask for the next batch once the last is answered; Loading ends. */
  requestsChanged(i: I, n: N, now: number): void {
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

  private sendLsr(i: I, n: N, now: number): void {
    const reqs: LsReq[] = []
    n.lsrKeys = []
    for (const [k, h] of n.requests) {
      if (reqs.length >= LSR_ENTRIES) break
      reqs.push({ type: h.type, id: h.id, advRtr: h.advRtr })
      n.lsrKeys.push(k)
    }
    if (reqs.length === 0) return
    this.fsm.send(i, n.addr, LSR, this.lsrBody(reqs))
    n.lsrRxmtAt = now + i.retransmit * SEC_NS
  }

  /** §10.7 */
  lsr(i: I, n: N, reqs: readonly LsReq[], now: number): void {
    const e = this.fsm
    if (n.state < NbrState.EXCHANGE) {
      e.drop('state')
      return
    }
    const out: Lsa[] = []
    for (const r of reqs) {
      const cur = this.lsdbOf(r.type, i).get(r.type, r.id, r.advRtr)
      if (cur === undefined) {
        this.badRequest(i, n, now)
        return
      }
      if (e.isSelf(cur.lsa)) e.ownSentAt = now
      out.push(e.wire(cur, now))
    }
    e.sendLsas(i, n.addr, out)
  }

  badRequest(i: I, n: N, now: number): void {
    this.fsm.drop('bad-request')
    this.exStart(i, n, now)
  }

  /** §13.7 */
  ack(n: N, headers: readonly LsaHeader[]): void {
    if (n.state < NbrState.EXCHANGE) {
      this.fsm.drop('state')
      return
    }
    if (n.retrans.size === 0) {
      n.retransAt = Number.POSITIVE_INFINITY
      return
    }
    for (const h of headers) {
      const k = this.keyOf(h.type, h.id, h.advRtr)
      const r = n.retrans.get(k)
      if (r !== undefined && lsaCompare(r.hdr, h) === 0) n.retrans.delete(k)
    }
    if (n.retrans.size === 0) n.retransAt = Number.POSITIVE_INFINITY
  }

  tick(i: I, n: N, now: number): void {
    const e = this.fsm
    if (n.deadAt <= now) {
      fsmKill(e, n)
      i.nbrs.delete(this.nbrKey(n))
      e.elect(i)
      return
    }
    if (n.ddRxmtAt <= now) {
      if (
        (n.state === NbrState.EXSTART || (n.state === NbrState.EXCHANGE && n.master)) &&
        n.lastSent !== null
      ) {
        e.send(i, n.addr, DD, n.lastSent)
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
        // The first RXMT_BATCH only: the list is not copied whole each RxmtInterval.
        const lsas: Lsa[] = []
        for (const l of n.retrans.values()) {
          lsas.push(l)
          if (lsas.length >= RXMT_BATCH) break
        }
        e.sendLsas(i, n.addr, lsas)
        n.retransAt = now + i.retransmit * SEC_NS
      }
    }
  }
}

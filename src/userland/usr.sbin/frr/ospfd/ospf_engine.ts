/**
 * The OSPFv2 protocol of one router (RFC 2328), free of sockets and clocks: interfaces and their
 * state machine (§9), Hellos, the link-state databases per area and for the AS, installing LSAs,
 * aging to MaxAge and flushing, SPF scheduling and the timers. DR/BDR election is in ospf_dr.ts,
 * packet receipt and its checks in ospf_input.ts, the neighbour state machine and the database
 * exchange in ospf_nbr.ts, receiving updates in ospf_flood.ts, flooding out and delayed
 * acknowledgments in ospf_flood_out.ts, our own LSAs (router-LSA per area, network-LSA where it is
 * DR, AS-external and summary LSAs, MinLSInterval and the 30-min refresh) in ospf_origin.ts, the
 * calculation in ospf_spf.ts, stub areas and NSSAs in areas/ospf_nssa.ts (routes: areas/ospf_nssa_spf.ts). The daemon (ospfd.ts) feeds it packets, interface lists and time, and
 * sends what it asks to.
 *
 * Must not: do I/O or read a clock; throw on what a packet says (bad packets are counted).
 */

import { prefixToMask } from '../../../../wire/addr.js'
import {
  ALL_D_ROUTERS,
  ALL_SPF_ROUTERS,
  emitAck,
  emitLsu,
  emitOspf,
  type Hello,
  helloBody,
  LS_REFRESH_TIME,
  type Lsa,
  type LsaHeader,
  LsType,
  lsaCompare,
  MAX_AGE,
  OspfType,
  withAge,
} from '../../../../wire/routing/ospf.js'
import { areaOptions, type NssaTranslator, updateTranslators } from './areas/ospf_nssa.js'
import { nssaRoutes } from './areas/ospf_nssa_spf.js'
import { OspfAuth } from './ospf_auth.js'
import type { OspfAreaType } from './ospf_config.js'
import { electDr } from './ospf_dr.js'
import { FloodOut } from './ospf_flood_out.js'
import { receivePacket } from './ospf_input.js'
import { LsaCache, type LsaFacts } from './ospf_lsa_cache.js'
import { ageOf, type LsaEntry, Lsdb, MIN_LS_ARRIVAL_NS, SEC_NS } from './ospf_lsdb.js'
import { NbrInput, nbrKill } from './ospf_nbr.js'
import { flushLsa, originate } from './ospf_origin.js'
import { type OspfRoute, ospfSpf, type RouterRoute, type SpfArea } from './ospf_spf.js'
import { type IfDesc, type Nbr, NbrState, type OspfIf } from './ospf_types.js'
import { vlDst, vlinkHooks, vlSpfIf } from './ospf_vlink.js'

/**
 * SPF throttling as FRR's `timers throttle spf 0 50 5000` (with a 200 ms first delay that gathers a
 * burst of LSAs): a change soon after a run waits out a hold time that doubles, up to 5 s, while
 * changes keep coming, and goes back to the first delay after a quiet hold time.
 */
const SPF_DELAY_NS = 0.2 * SEC_NS
const SPF_HOLD_NS = 0.05 * SEC_NS
const SPF_MAX_HOLD_NS = 5 * SEC_NS
const AGE_SCAN_NS = 10 * SEC_NS
/**
 * How long our LSAs wait after the first change before they are built (§12.4 leaves the moment to
 * the implementation; Quagga's router-LSA timer ran after the events of the same loop turn): the
 * adjacencies of every interface coming up together make one instance, not one now and the rest a
 * MinLSInterval later.
 */
const ORIGINATE_DELAY_NS = 0.05 * SEC_NS
/**
 * Our LSAs wait this long after one of them last went out of a database exchange (ownSentAt):
 * MinLSArrival, and half a second for that copy to be flooded on by neighbours whose own
 * adjacencies are still exchanging (with MinLSArrival alone, half the routers of a 16×16 grid still
 * dropped the newer instance; with this, none of a 16×16 grid's, and a 32×32 grid's tables settle
 * at 44 virtual s, before the first retransmission could land).
 */
const EXCHANGE_HOLD_NS = MIN_LS_ARRIVAL_NS + 0.5 * SEC_NS
/** Bytes of LSAs per Link State Update we send (fits a 1500-byte MTU with headers). */
export const LSU_BYTES = 1400
export const DEFAULT_MAX_LSA = 50000

export interface OspfIo {
  /** Send an OSPF packet out of ifc to dst (a group or a neighbour). */
  send(ifc: OspfIf, dst: number, pkt: Uint8Array): void
  /** A 32-bit random number (DD sequence numbers). */
  random(): number
  /** LSAs shared with other routers' engines (ospf_lsa_cache.ts); a private one when absent. */
  lsaCache?: LsaCache
}

export interface External {
  addr: number
  len: number
  metric: number
  type2: boolean
}

export interface OspfCounters {
  /** Packets dropped, by reason. */
  drops: Map<string, number>
  rxPackets: number[]
  txPackets: number[]
  spfRuns: number
  lsaOriginated: number
  lsaReceived: number
}

export interface Area {
  id: number
  lsdb: Lsdb
}

/** Whether two LSAs carry the same contents after the 20-byte header. */
export function sameBody(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let k = 20; k < a.length; k++) if (a[k] !== b[k]) return false
  return true
}

export class OspfEngine {
  routerId = 0
  readonly io: OspfIo
  readonly ifs = new Map<string, OspfIf>()
  readonly areas = new Map<number, Area>()
  readonly external: Lsdb
  maxLsa: number
  routes = new Map<number, OspfRoute>()
  routers = new Map<number, RouterRoute>()
  /** The last SPF run's reachable border and boundary routers of each area. */
  spfPerArea: ReadonlyMap<number, ReadonlyMap<number, RouterRoute>> = new Map()
  /** Stub areas and NSSAs (ospf_nssa.ts); an absent area is normal. */
  areaTypes = new Map<number, OspfAreaType>()
  /** Each NSSA's translator state (RFC 3101 §3.1, ospf_nssa.ts). */
  readonly nssaXlt = new Map<number, NssaTranslator>()
  readonly counters: OspfCounters = {
    drops: new Map(),
    rxPackets: [0, 0, 0, 0, 0, 0],
    txPackets: [0, 0, 0, 0, 0, 0],
    spfRuns: 0,
    lsaOriginated: 0,
    lsaReceived: 0,
  }
  /** Called after each SPF run with the new table. */
  onRoutes: (routes: Map<number, OspfRoute>) => void = () => {}
  externals: External[] = []
  spfAt = Number.POSITIVE_INFINITY
  private lastSpf = Number.NEGATIVE_INFINITY
  private spfHoldMult = 1
  /** Our own LSAs want recomputing (at ownAt); when each was last originated (MinLSInterval). */
  ownDirty = true
  ownAt = 0
  readonly lastOrig = new Map<string, number>()
  /**
   * When one of our own LSAs last went out as the answer to a Link State Request (a database
   * exchange). A newer instance waits until MinLSArrival has passed since: the neighbour that took
   * that copy, and every router it flooded the copy on to, would drop a newer one arriving sooner
   * (§13 step 5a) and have it only from the retransmission an RxmtInterval later — after an
   * adjacency comes up, a second wave through the whole area and a second SPF run everywhere.
   */
  ownSentAt = Number.NEGATIVE_INFINITY
  /** When origination was first held back for ownSentAt (infinity: not held). */
  private ownHeldFrom = Number.POSITIVE_INFINITY
  private ageScanAt = 0
  /** Flooding out and delayed acknowledgments (ospf_flood_out.ts). */
  readonly out: FloodOut
  readonly nbr: NbrInput
  /** Appendix D authentication: signs what goes out, checks what comes in (ospf_auth.ts). */
  readonly auth = new OspfAuth()
  now = 0
  private readonly lsaCache: LsaCache
  /** Makes (or finds, shared) each LSA of a received update (parseOspf). */
  readonly lsaOf: (p: Uint8Array, off: number, len: number) => Lsa

  constructor(io: OspfIo, maxLsa = DEFAULT_MAX_LSA) {
    this.io = io
    const cache = io.lsaCache ?? new LsaCache()
    this.lsaCache = cache
    this.lsaOf = (p, off, len) => cache.lsa(p, off, len)
    this.maxLsa = maxLsa
    this.external = new Lsdb(maxLsa)
    this.nbr = new NbrInput(this)
    this.out = new FloodOut(this)
  }

  drop(reason: string): void {
    this.counters.drops.set(reason, (this.counters.drops.get(reason) ?? 0) + 1)
  }

  area(id: number): Area {
    let a = this.areas.get(id)
    if (a === undefined) {
      a = { id, lsdb: new Lsdb(this.maxLsa) }
      this.areas.set(id, a)
    }
    return a
  }

  /** Total LSAs in every database (bounded by maxLsa per scope). */
  lsaCount(): number {
    let n = this.external.size
    for (const a of this.areas.values()) n += a.lsdb.size
    return n
  }

  isAbr(): boolean {
    const used = new Set<number>()
    for (const i of this.ifs.values()) if (i.state !== 'Down') used.add(i.area)
    return used.size > 1
  }

  // ---- interfaces ----

  /** The OSPF interfaces as they are now: new ones come up, gone or changed ones go down. */
  setInterfaces(list: readonly IfDesc[], now: number): void {
    this.now = now
    const want = new Map(list.map((d) => [d.name, d]))
    for (const [name, i] of this.ifs) {
      // Virtual links come and go with the configuration and the transit area (ospf_vlink.ts).
      if (i.vl !== undefined) continue
      const d = want.get(name)
      if (d !== undefined && d.addr === i.addr && d.len === i.len && d.area === i.area && d.type === i.type) {
        // Timers and cost change in place.
        const cost = i.cost
        Object.assign(i, d)
        if (cost !== d.cost) this.markDirty()
        continue
      }
      this.ifDown(i)
      this.ifs.delete(name)
    }
    for (const d of list) {
      if (this.ifs.has(d.name)) continue
      const i: OspfIf = {
        ...d,
        state: 'Down',
        mask: prefixToMask(d.len),
        dr: 0,
        bdr: 0,
        nbrs: new Map(),
        helloAt: now,
        waitAt: Number.POSITIVE_INFINITY,
        netSeq: 0,
      }
      this.ifs.set(d.name, i)
      this.area(d.area)
      this.ifUp(i, now)
    }
  }

  ifUp(i: OspfIf, now: number): void {
    // A virtual link comes up when SPF finds its peer across the transit area.
    if (i.vl !== undefined) return
    if (i.type === 'loopback') i.state = 'Loopback'
    else if (i.passive) i.state = i.type === 'point-to-point' ? 'Point-To-Point' : 'DROther'
    else if (i.type === 'point-to-point') i.state = 'Point-To-Point'
    else if (i.priority === 0) i.state = 'DROther'
    else {
      i.state = 'Waiting'
      i.waitAt = now + i.dead * SEC_NS
    }
    i.helloAt = now
    this.markDirty()
  }

  ifDown(i: OspfIf): void {
    for (const n of i.nbrs.values()) nbrKill(this, n)
    i.nbrs.clear()
    i.state = 'Down'
    i.dr = 0
    i.bdr = 0
    this.markDirty()
  }

  setExternals(list: External[]): void {
    const same =
      list.length === this.externals.length &&
      list.every((e, k) => {
        const o = this.externals[k]!
        return o.addr === e.addr && o.len === e.len && o.metric === e.metric && o.type2 === e.type2
      })
    if (same) return
    this.externals = list
    this.markDirty()
  }

  setRouterId(id: number): void {
    if (id === this.routerId) return
    // A new router id restarts everything (FRR asks for `clear ip ospf process`; we just do it).
    for (const i of this.ifs.values()) this.ifDown(i)
    for (const a of this.areas.values()) a.lsdb.clear()
    this.external.clear()
    this.lastOrig.clear()
    this.routerId = id
    for (const i of this.ifs.values()) this.ifUp(i, this.now)
  }

  /**
   * Our LSAs want recomputing: ORIGINATE_DELAY_NS from the first change, so that what changes in one
   * moment (the adjacencies of every interface coming up after the Wait timer) goes out as one
   * instance rather than one now and the rest a MinLSInterval later.
   */
  markDirty(): void {
    const at = this.now + ORIGINATE_DELAY_NS
    if (!this.ownDirty || at < this.ownAt) this.ownAt = at
    this.ownDirty = true
  }

  /** Our own LSAs want another look at `t` at the latest (MinLSInterval, ospf_nssa.ts's timers). */
  wakeAt(t: number): void {
    this.ownAt = this.ownDirty ? Math.min(this.ownAt, t) : t
    this.ownDirty = true
  }

  // ---- DR election (ospf_dr.ts) ----

  elect(i: OspfIf): void {
    electDr(this, i)
  }

  /** Whether an adjacency forms with n on i (§10.4). */
  wantAdjacent(i: OspfIf, n: Nbr): boolean {
    if (i.type === 'point-to-point' || i.type === 'virtual') return true
    return i.dr === i.addr || i.bdr === i.addr || i.dr === n.addr || i.bdr === n.addr
  }

  // ---- output ----

  send(i: OspfIf, dst: number, type: number, body: Uint8Array): void {
    this.sendPacket(i, dst, type, emitOspf(type, this.routerId, i.area, body))
  }

  /** A packet already built whole (emitLsu, emitAck) for i's area. */
  sendPacket(i: OspfIf, dst: number, type: number, pkt: Uint8Array): void {
    this.counters.txPackets[type]!++
    this.io.send(i, dst, this.auth.sign(i, pkt, this.now))
  }

  /** Acknowledgments of headers, as few packets as fit. */
  sendAckHeaders(i: OspfIf, dst: number, hs: readonly LsaHeader[]): void {
    const per = Math.floor(LSU_BYTES / 20)
    for (let k = 0; k < hs.length; k += per)
      this.sendPacket(
        i,
        dst,
        OspfType.LSACK,
        emitAck(this.routerId, i.area, hs, k, Math.min(hs.length, k + per)),
      )
  }

  private sendHello(i: OspfIf): void {
    const neighbors: number[] = []
    for (const n of i.nbrs.values()) if (n.state >= NbrState.INIT) neighbors.push(n.routerId)
    const h: Hello = {
      mask: i.type === 'point-to-point' || i.type === 'virtual' ? 0 : i.mask,
      helloInterval: i.hello,
      options: areaOptions(this, i.area),
      priority: i.priority,
      deadInterval: i.dead,
      dr: i.dr,
      bdr: i.bdr,
      neighbors,
    }
    this.send(i, i.vl !== undefined ? vlDst(i) : ALL_SPF_ROUTERS, OspfType.HELLO, helloBody(h))
  }

  /** The group a flooded update goes to on i (§13.3 step 5). */
  floodDst(i: OspfIf): number {
    if (i.vl !== undefined) return vlDst(i)
    if (i.type === 'point-to-point' || i.state === 'DR' || i.state === 'Backup') return ALL_SPF_ROUTERS
    return ALL_D_ROUTERS
  }

  /**
   * LSAs to a neighbour or group, as few Link State Updates as fit; `ageBy` is added to each LS age
   * on the wire (InfTransDelay for what is flooded as installed).
   */
  sendLsas(i: OspfIf, dst: number, lsas: readonly Lsa[], ageBy = 0): void {
    for (const pkt of this.lsuPackets(i.area, lsas, ageBy)) this.sendPacket(i, dst, OspfType.LSU, pkt)
  }

  /** LSAs as few whole Link State Update packets of `area` as fit (the same bytes for any interface). */
  lsuPackets(area: number, lsas: readonly Lsa[], ageBy = 0): Uint8Array[] {
    const out: Uint8Array[] = []
    let from = 0
    let bytes = 0
    for (let k = 0; k < lsas.length; k++) {
      const len = lsas[k]!.data.length
      if (k > from && bytes + len > LSU_BYTES) {
        out.push(emitLsu(this.routerId, area, lsas, from, k, ageBy))
        from = k
        bytes = 0
      }
      bytes += len
    }
    if (lsas.length > from) out.push(emitLsu(this.routerId, area, lsas, from, lsas.length, ageBy))
    return out
  }

  /** An entry as it goes on the wire: aged by InfTransDelay. */
  wire(e: LsaEntry, now: number): Lsa {
    return withAge(e.lsa, Math.min(MAX_AGE, ageOf(e, now) + 1))
  }

  // ---- databases ----

  /** The database an LSA of `type` belongs in, for an interface of `area`. */
  lsdbFor(type: number, area: number): Lsdb {
    return type === LsType.EXTERNAL ? this.external : this.area(area).lsdb
  }

  /** Whether a neighbour is exchanging or loading its database (a MaxAge LSA we lack is then kept, §13 step 4). */
  exchanging(): boolean {
    for (const x of this.ifs.values())
      for (const m of x.nbrs.values())
        if (m.state === NbrState.EXCHANGE || m.state === NbrState.LOADING) return true
    return false
  }

  /** Whether an LSA is one this router originated (§13.4). */
  isSelf(lsa: Lsa): boolean {
    if (lsa.hdr.advRtr >>> 0 === this.routerId >>> 0) return true
    if (lsa.hdr.type !== LsType.NETWORK) return false
    for (const i of this.ifs.values()) if (i.addr >>> 0 === lsa.hdr.id >>> 0) return true
    return false
  }

  /** lsaKey(type, id, advRtr) as the one string all tables use (ospf_lsa_cache.ts). */
  lsaKey(type: number, id: number, advRtr: number): string {
    return this.lsaCache.keyOf(type, id, advRtr)
  }

  /** Checksum, layout, key and parsed body of an LSA (worked out once for each LSA object). */
  facts(lsa: Lsa): LsaFacts {
    return this.lsaCache.factsOf(lsa)
  }

  /** Install and note what SPF must recompute. null when the database is full. */
  install(
    db: Lsdb,
    lsa: Lsa,
    now: number,
    old: LsaEntry | undefined = db.get(lsa.hdr.type, lsa.hdr.id, lsa.hdr.advRtr),
  ): LsaEntry | null {
    const f = this.facts(lsa)
    // §13.2: only a change of contents (or of MaxAge-ness) runs SPF again.
    const same =
      old !== undefined &&
      ageOf(old, now) >= MAX_AGE === lsa.hdr.age >= MAX_AGE &&
      sameBody(old.lsa.data, lsa.data) &&
      old.lsa.hdr.options === lsa.hdr.options
    // A newer instance goes into the entry it replaces (ospf_lsdb.ts: no index is rewritten).
    const e = old !== undefined ? db.update(old, lsa, now, f) : db.install(lsa, now, f)
    if (e === null) return null
    if (!same) this.scheduleSpf(now)
    // Whatever the neighbours were waiting to be acknowledged for the old instance is moot. With no
    // old instance there is none: only flood() lists an LSA, and only one the database holds; an
    // entry leaves the database only when no list holds anything (ageScan) or with its
    // neighbours' lists cleared (setRouterId, an area no longer an NSSA). Most installs are new.
    if (old === undefined) return e
    const k = f.key
    for (const i of this.ifs.values()) {
      // Only this database's neighbours: an ABR's router-LSAs of two areas share a key.
      if (lsa.hdr.type !== LsType.EXTERNAL && this.areas.get(i.area)?.lsdb !== db) continue
      for (const n of i.nbrs.values()) {
        if (n.retrans.size === 0) continue
        const r = n.retrans.get(k)
        if (r !== undefined && lsaCompare(r.hdr, lsa.hdr) !== 0) n.retrans.delete(k)
      }
    }
    return e
  }

  scheduleSpf(now: number): void {
    if (this.spfAt !== Number.POSITIVE_INFINITY) return
    const hold = Math.min(SPF_MAX_HOLD_NS, SPF_HOLD_NS * this.spfHoldMult)
    const since = now - this.lastSpf
    if (since < hold) {
      if (hold < SPF_MAX_HOLD_NS) this.spfHoldMult *= 2
      this.spfAt = now + Math.max(SPF_DELAY_NS, hold - since)
    } else {
      this.spfHoldMult = 1
      this.spfAt = now + SPF_DELAY_NS
    }
  }

  /**
   * Flood lsa (already installed) out of the interfaces of its scope (§13.3, ospf_flood_out.ts).
   * `from` is the neighbour it came from (null for our own). Returns whether it went back out of `fromIf`.
   */
  flood(lsa: Lsa, area: number, fromIf: OspfIf | null, from: Nbr | null, now: number): boolean {
    return this.out.flood(lsa, area, fromIf, from, now)
  }

  /** A delayed acknowledgment (§13.5, ospf_flood_out.ts). */
  delayedAck(i: OspfIf, h: LsaHeader, now: number): void {
    this.out.delayedAck(i, h, now)
  }

  // ---- our own LSAs (ospf_origin.ts) ----

  private originate(now: number): void {
    originate(this, now)
  }

  /** Age an LSA to MaxAge and flood it so that everyone removes it. */
  flush(db: Lsdb, e: LsaEntry, area: number, now: number): void {
    flushLsa(this, db, e, area, now)
  }

  // ---- input (ospf_input.ts) ----

  /** One received OSPF packet (the IP payload) from src to dst on interface ifName. */
  input(pkt: Uint8Array, src: number, dst: number, ifName: string, now: number): void {
    this.now = now
    receivePacket(this, pkt, src, dst, ifName, now)
  }

  // ---- timers ----

  /** Everything due at `now`. */
  tick(now: number): void {
    this.now = now
    for (const i of this.ifs.values()) {
      if (i.state === 'Down' || i.state === 'Loopback') continue
      if (i.waitAt <= now) {
        i.waitAt = Number.POSITIVE_INFINITY
        if (i.state === 'Waiting') this.elect(i)
      }
      if (!i.passive && i.helloAt <= now) {
        this.sendHello(i)
        i.helloAt = now + i.hello * SEC_NS
      }
      for (const n of i.nbrs.values()) this.nbr.tick(i, n, now)
    }
    if (this.out.ackAt <= now) this.out.flushAcks()
    if (this.ownDirty && now >= this.ownAt) {
      // Held at most EXCHANGE_HOLD_NS in all: a neighbour asking again and again cannot starve it.
      const until = Math.min(this.ownSentAt, this.ownHeldFrom) + EXCHANGE_HOLD_NS
      if (now < until) {
        if (this.ownHeldFrom === Number.POSITIVE_INFINITY) this.ownHeldFrom = now
        this.ownAt = until
      } else {
        this.ownHeldFrom = Number.POSITIVE_INFINITY
        this.originate(now)
      }
    }
    if (now >= this.ageScanAt) {
      this.ageScanAt = now + AGE_SCAN_NS
      this.ageScan(now)
    }
    if (this.spfAt <= now) {
      this.spfAt = Number.POSITIVE_INFINITY
      this.runSpf(now)
    }
    if (this.out.floodAt <= now) this.out.flushFloods(now)
  }

  /** The earliest timer after the last tick. */
  nextTimer(): number {
    let t = Math.min(this.spfAt, this.ageScanAt, this.out.ackAt, this.out.floodAt)
    if (this.ownDirty) t = Math.min(t, this.ownAt)
    for (const i of this.ifs.values()) {
      if (i.state === 'Down' || i.state === 'Loopback') continue
      if (!i.passive) t = Math.min(t, i.helloAt)
      t = Math.min(t, i.waitAt)
      for (const n of i.nbrs.values()) t = Math.min(t, n.deadAt, n.ddRxmtAt, n.lsrRxmtAt, n.retransAt)
    }
    return t
  }

  /** §14: our own LSAs are refreshed at 30 min; others reaching MaxAge are flushed, then removed. */
  private ageScan(now: number): void {
    const busy = [...this.ifs.values()].some((x) =>
      [...x.nbrs.values()].some(
        (m) => m.state === NbrState.EXCHANGE || m.state === NbrState.LOADING || m.retrans.size > 0,
      ),
    )
    const scopes: Array<{ db: Lsdb; area: number }> = [...this.areas.values()].map((a) => ({
      db: a.lsdb,
      area: a.id,
    }))
    scopes.push({ db: this.external, area: 0 })
    for (const { db, area } of scopes) {
      // Nothing in it reaches LSRefreshTime or MaxAge yet.
      if (now < db.dueAt) continue
      for (const [k, e] of db.map) {
        const age = ageOf(e, now)
        if (this.isSelf(e.lsa) && age < MAX_AGE && age >= LS_REFRESH_TIME) {
          this.markDirty()
        }
        if (age < MAX_AGE) continue
        if (e.rcvAge < MAX_AGE) {
          // It just reached MaxAge here: out it goes to everyone (§14 flushing).
          e.rcvAge = MAX_AGE
          this.flood(withAge(e.lsa, MAX_AGE), area, null, null, now)
          this.scheduleSpf(now)
          continue
        }
        if (!busy) db.deleteKey(k)
      }
      db.recomputeDue()
    }
  }

  private runSpf(now: number): void {
    this.counters.spfRuns++
    this.lastSpf = now
    const areas: SpfArea[] = []
    for (const a of this.areas.values()) {
      const ifs = [...this.ifs.values()]
        .filter((i) => i.area === a.id && i.state !== 'Down')
        .map(
          (i) =>
            vlSpfIf(i) ?? {
              name: i.name,
              addr: i.addr,
              nbrs: [...i.nbrs.values()].filter((n) => n.state === NbrState.FULL),
            },
        )
      if (ifs.length > 0) areas.push({ id: a.id, lsdb: a.lsdb, ifs })
    }
    const r = ospfSpf(this.routerId, areas, this.external, now, vlinkHooks(this))
    // RFC 3101 §2.5: an NSSA's Type-7 routes, after the AS-external ones (ospf_nssa_spf.ts).
    if (this.areaTypes.size > 0) nssaRoutes(this, r.routes, r.perArea, now)
    this.routes = r.routes
    this.routers = r.routers
    this.spfPerArea = r.perArea
    updateTranslators(this, r.perArea, now)
    // An ABR's summaries follow its routes.
    if (areas.length > 1) this.markDirty()
    this.onRoutes(r.routes)
  }
}

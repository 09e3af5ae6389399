/**
 * The OSPFv3 protocol of one router (RFC 5340), free of sockets and clocks: interfaces with their
 * state machine (DR/BDR election by Router ID, §4.2.1, in ospf6_dr.ts), Hellos, the link-state databases of the
 * three flooding scopes (link, area, AS: §4.5.2), this router's own LSAs (ospf6_origin.ts), flooding
 * (§4.5.2 on RFC 2328 §13.3), aging to MaxAge and flushing, SPF scheduling and the calculation
 * (ospf6_spf.ts). The neighbour machine and database exchange are ospf6_nbr.ts, receiving updates
 * ospf6_flood.ts, a packet's checks (and RFC 7166's trailer) ospf6_input.ts, virtual links
 * ospf6_vlink.ts, stub areas and NSSAs ospf6_nssa.ts; what it sends gets the Authentication Trailer here where configured. The daemon (ospf6d.ts) feeds it packets, interface lists and time.
 *
 * A separate implementation from ospfd's engine rather than a shared one: the two differ in how
 * neighbours, DRs and links are named (addresses vs Router and Interface IDs) at almost every step,
 * so sharing would mean reworking ospfd; what is truly common (the LSDB with computed ages, the LSA
 * header arithmetic) is imported from ospfd and wire/ospf.ts.
 *
 * Must not: do I/O or read a clock; throw on what a packet says (bad packets are counted).
 */

import { in6Eq } from '../../../../wire/inet6/in6_addr.js'
import {
  LS_REFRESH_TIME,
  type Lsa,
  type LsaHeader,
  lsaCompare,
  lsaKey,
  MAX_AGE,
  withAge,
} from '../../../../wire/routing/ospf.js'
import {
  ALL_D_ROUTERS6,
  ALL_SPF_ROUTERS6,
  ack6Body,
  emitOspf6,
  fillOspf6Checksum,
  hello6Body,
  lsu6Body,
  OPTIONS6,
} from '../../../../wire/routing/ospf6.js'
import { appendTrailer, OPT6_AT } from '../../../../wire/routing/ospf6_auth.js'
import { ageOf, type LsaEntry, Lsdb, MIN_LS_ARRIVAL_NS, SEC_NS } from '../ospfd/ospf_lsdb.js'
import { elect6 } from './ospf6_dr.js'
import { receive6 } from './ospf6_input.js'
import { Nbr6Input, nbr6Kill } from './ospf6_nbr.js'
import { type Area6Type, areaOptions, nssaRoutes6 } from './ospf6_nssa.js'
import { flushLsa6, originate6 } from './ospf6_origin.js'
import { type Ospf6Route, ospf6Spf, type Spf6Result } from './ospf6_spf.js'
import { type If6Desc, type Nbr6, NbrState, type Ospf6If } from './ospf6_types.js'
import { vlinkHooks6 } from './ospf6_vlink.js'

const SPF_DELAY_NS = 0.2 * SEC_NS
const SPF_HOLD_NS = 0.05 * SEC_NS
const SPF_MAX_HOLD_NS = 5 * SEC_NS
const AGE_SCAN_NS = 10 * SEC_NS
const ACK_DELAY_NS = 1 * SEC_NS
/**
 * How long our LSAs wait after the first change before they are built, as ospfd's (§12.4 leaves the
 * moment open): the adjacencies of every interface coming up together make one instance, not one
 * now and the rest a MinLSInterval later.
 */
const ORIGINATE_DELAY_NS = 0.05 * SEC_NS
/**
 * Our LSAs wait this long after one of them last went out of a database exchange (ownSentAt), as
 * ospfd's: MinLSArrival, and half a second for that copy to be flooded on by neighbours whose own
 * adjacencies are still exchanging, so that none of them drops the newer instance (§13 step 5a).
 */
const EXCHANGE_HOLD_NS = MIN_LS_ARRIVAL_NS + 0.5 * SEC_NS
/** Bytes of LSAs per Link State Update (fits a 1280-byte IPv6 minimum MTU with headers). */
export const LSU6_BYTES = 1200
export const DEFAULT_MAX_LSA6 = 50000

export interface Ospf6Io {
  /** Send an OSPFv3 packet out of ifc to dst (a group or a neighbour's link-local address). */
  send(ifc: Ospf6If, dst: Uint8Array, pkt: Uint8Array): void
  random(): number
}

export interface External6 {
  addr: Uint8Array
  len: number
  metric: number
  type2: boolean
}

export interface Ospf6Counters {
  drops: Map<string, number>
  rxPackets: number[]
  txPackets: number[]
  spfRuns: number
  lsaOriginated: number
  lsaReceived: number
}

export interface Area6 {
  id: number
  lsdb: Lsdb
}

/** The flooding scope of an LS type (§A.4.2.1 S1/S2 bits): 0 link, 1 area, 2 AS. */
export function scopeOf(type: number): number {
  return (type >>> 13) & 3
}

export class Ospf6Engine {
  routerId = 0
  readonly io: Ospf6Io
  readonly ifs = new Map<string, Ospf6If>()
  readonly areas = new Map<number, Area6>()
  /** Link-scope databases (Link-LSAs) by interface name. */
  readonly links = new Map<string, Lsdb>()
  readonly external: Lsdb
  maxLsa: number
  routes = new Map<string, Ospf6Route>()
  lastSpfResult: Spf6Result | null = null
  readonly counters: Ospf6Counters = {
    drops: new Map(),
    rxPackets: [0, 0, 0, 0, 0, 0],
    txPackets: [0, 0, 0, 0, 0, 0],
    spfRuns: 0,
    lsaOriginated: 0,
    lsaReceived: 0,
  }
  onRoutes: (routes: Map<string, Ospf6Route>) => void = () => {}
  externals: External6[] = []
  /** Stub areas and NSSAs (ospf6_nssa.ts); absent areas are normal. */
  areaTypes: ReadonlyMap<number, Area6Type> = new Map()
  /** Each NSSA's translator election (RFC 3101 §3.1, ospf6_nssa.ts): elected, or translating until. */
  readonly nssaXlt = new Map<number, { elected: boolean; until: number }>()
  spfAt = Number.POSITIVE_INFINITY
  private lastSpf = Number.NEGATIVE_INFINITY
  private spfHoldMult = 1
  /** Our own LSAs want recomputing (at ownAt); when each was last originated (MinLSInterval). */
  ownDirty = true
  ownAt = 0
  readonly lastOrig = new Map<string, number>()
  /**
   * When one of our own LSAs last went out as the answer to a Link State Request. A newer instance
   * waits until MinLSArrival has passed since: the neighbour that took that copy, and every router it
   * flooded it on to, would drop a newer one arriving sooner (§13 step 5a) and have it only from the
   * retransmission an RxmtInterval later.
   */
  ownSentAt = Number.NEGATIVE_INFINITY
  /** When origination was first held back for ownSentAt (infinity: not held). */
  private ownHeldFrom = Number.POSITIVE_INFINITY
  private ageScanAt = 0
  private readonly floodOut = new Map<Ospf6If, Lsa[]>()
  private readonly ackOut = new Map<Ospf6If, LsaHeader[]>()
  private ackAt = Number.POSITIVE_INFINITY
  readonly nbr: Nbr6Input
  now = 0
  /** RFC 7166's 64-bit cryptographic sequence number, shared by every packet sent. */
  private atHi = -1
  private atLo = 0

  constructor(io: Ospf6Io, maxLsa = DEFAULT_MAX_LSA6) {
    this.io = io
    this.maxLsa = maxLsa
    this.external = new Lsdb(maxLsa)
    this.nbr = new Nbr6Input(this)
  }

  drop(reason: string): void {
    this.counters.drops.set(reason, (this.counters.drops.get(reason) ?? 0) + 1)
  }

  area(id: number): Area6 {
    let a = this.areas.get(id)
    if (a === undefined) {
      a = { id, lsdb: new Lsdb(this.maxLsa) }
      this.areas.set(id, a)
    }
    return a
  }

  linkDb(i: Ospf6If): Lsdb {
    let d = this.links.get(i.name)
    if (d === undefined) {
      d = new Lsdb(this.maxLsa)
      this.links.set(i.name, d)
    }
    return d
  }

  setMaxLsa(n: number): void {
    this.maxLsa = n
    this.external.limit = n
    for (const a of this.areas.values()) a.lsdb.limit = n
    for (const d of this.links.values()) d.limit = n
  }

  lsaCount(): number {
    let n = this.external.size
    for (const a of this.areas.values()) n += a.lsdb.size
    for (const d of this.links.values()) n += d.size
    return n
  }

  // ---- interfaces ----

  setInterfaces(list: readonly If6Desc[], now: number): void {
    this.now = now
    const want = new Map(list.map((d) => [d.name, d]))
    for (const [name, i] of this.ifs) {
      // Virtual links are configured apart (setVirtualLinks6).
      if (i.vl !== undefined) continue
      const d = want.get(name)
      if (
        d !== undefined &&
        d.ifId === i.ifId &&
        in6Eq(d.linkLocal, 0, i.linkLocal, 0) &&
        d.area === i.area &&
        d.type === i.type &&
        d.passive === i.passive &&
        JSON.stringify(d.auth ?? null) === JSON.stringify(i.auth ?? null)
      ) {
        const same =
          d.cost === i.cost &&
          d.prefixes.length === i.prefixes.length &&
          d.prefixes.every(
            (p, k) => p.len === i.prefixes[k]!.len && in6Eq(p.addr, 0, i.prefixes[k]!.addr, 0),
          ) &&
          (d.globals?.[0] === undefined) === (i.globals?.[0] === undefined) &&
          (d.globals?.[0] === undefined || in6Eq(d.globals[0], 0, i.globals![0]!, 0))
        Object.assign(i, d)
        if (!same) this.markDirty()
        continue
      }
      this.ifDown(i)
      this.ifs.delete(name)
      this.links.delete(name)
    }
    for (const d of list) {
      if (this.ifs.has(d.name)) continue
      const i: Ospf6If = {
        ...d,
        state: 'Down',
        dr: 0,
        bdr: 0,
        nbrs: new Map(),
        helloAt: now,
        waitAt: Number.POSITIVE_INFINITY,
      }
      this.ifs.set(d.name, i)
      this.area(d.area)
      this.ifUp(i, now)
    }
  }

  ifUp(i: Ospf6If, now: number): void {
    // A virtual link comes up from its transit area's tree (ospf6_vlink.ts), after a calculation.
    if (i.type === 'virtual') {
      i.state = 'Down'
      this.scheduleSpf(now)
      return
    }
    if (i.type === 'loopback') i.state = 'Loopback'
    else if (i.type === 'point-to-point') i.state = 'PointToPoint'
    else if (i.passive || i.priority === 0) i.state = 'DROther'
    else {
      i.state = 'Waiting'
      i.waitAt = now + i.dead * SEC_NS
    }
    i.helloAt = now
    this.markDirty()
  }

  ifDown(i: Ospf6If): void {
    for (const n of i.nbrs.values()) nbr6Kill(this, n)
    i.nbrs.clear()
    i.state = 'Down'
    i.dr = 0
    i.bdr = 0
    this.markDirty()
  }

  setExternals(list: External6[]): void {
    const same =
      list.length === this.externals.length &&
      list.every((e, k) => {
        const o = this.externals[k]!
        return in6Eq(o.addr, 0, e.addr, 0) && o.len === e.len && o.metric === e.metric && o.type2 === e.type2
      })
    if (same) return
    this.externals = list
    this.markDirty()
  }

  setRouterId(id: number): void {
    if (id === this.routerId) return
    for (const i of this.ifs.values()) this.ifDown(i)
    for (const a of this.areas.values()) a.lsdb.clear()
    for (const d of this.links.values()) d.clear()
    this.external.clear()
    this.lastOrig.clear()
    this.routerId = id
    for (const i of this.ifs.values()) this.ifUp(i, this.now)
  }

  /**
   * Our LSAs want recomputing: ORIGINATE_DELAY_NS from the first change, so that what changes in one
   * moment goes out as one instance.
   */
  markDirty(): void {
    const at = this.now + ORIGINATE_DELAY_NS
    if (!this.ownDirty || at < this.ownAt) this.ownAt = at
    this.ownDirty = true
  }

  // ---- DR election (ospf6_dr.ts) ----

  elect(i: Ospf6If): void {
    elect6(this, i)
  }

  wantAdjacent(i: Ospf6If, n: Nbr6): boolean {
    if (i.type === 'point-to-point' || i.type === 'virtual') return true
    const me = this.routerId
    return i.dr === me || i.bdr === me || i.dr === n.routerId || i.bdr === n.routerId
  }

  // ---- output ----

  send(i: Ospf6If, dst: Uint8Array, type: number, body: Uint8Array): void {
    this.counters.txPackets[type]!++
    const pkt = emitOspf6(type, this.routerId, i.area, 0, body)
    const src = i.vl?.src ?? i.linkLocal
    if (!i.auth) {
      fillOspf6Checksum(pkt, src, dst)
      this.io.send(i, dst, pkt)
      return
    }
    // §4.1: never repeated; the high half starts from the clock so a restart does not go back.
    if (this.atHi < 0 || this.atLo === 0xffffffff) {
      this.atHi = Math.max(this.atHi + 1, Math.floor(this.now / SEC_NS))
      this.atLo = 0
    }
    this.atLo++
    // RFC 7166 §4.2: the checksum stays zero; the digest covers the packet instead.
    this.io.send(i, dst, appendTrailer(pkt, src, i.auth, this.atHi, this.atLo))
  }

  /** The options of our Hellos and DDs on i: the AT bit where a trailer goes (RFC 7166 §2.1). */
  options(i: Ospf6If): number {
    const o = this.areaTypes.size === 0 ? OPTIONS6 : areaOptions(this, i.area)
    return i.auth ? o | OPT6_AT : o
  }

  private sendHello(i: Ospf6If): void {
    const neighbors: number[] = []
    for (const n of i.nbrs.values()) if (n.state >= NbrState.INIT) neighbors.push(n.routerId)
    const body = hello6Body({
      ifId: i.ifId,
      priority: i.priority,
      options: this.options(i),
      helloInterval: i.hello,
      deadInterval: i.dead,
      dr: i.dr,
      bdr: i.bdr,
      neighbors,
    })
    this.send(i, i.vl?.peerAddr ?? ALL_SPF_ROUTERS6, 1, body)
  }

  floodDst(i: Ospf6If): Uint8Array {
    if (i.vl?.peerAddr) return i.vl.peerAddr
    if (i.type === 'point-to-point' || i.state === 'DR' || i.state === 'BDR') return ALL_SPF_ROUTERS6
    return ALL_D_ROUTERS6
  }

  sendLsas(i: Ospf6If, dst: Uint8Array, lsas: readonly Lsa[]): void {
    let batch: Lsa[] = []
    let bytes = 0
    for (const l of lsas) {
      if (batch.length > 0 && bytes + l.data.length > LSU6_BYTES) {
        this.send(i, dst, 4, lsu6Body(batch))
        batch = []
        bytes = 0
      }
      batch.push(l)
      bytes += l.data.length
    }
    if (batch.length > 0) this.send(i, dst, 4, lsu6Body(batch))
  }

  wire(e: LsaEntry, now: number): Lsa {
    return withAge(e.lsa, Math.min(MAX_AGE, ageOf(e, now) + 1))
  }

  // ---- databases ----

  /** The database an LSA of `type` belongs in, as received on interface i. */
  lsdbFor(type: number, i: Ospf6If): Lsdb {
    const s = scopeOf(type)
    if (s === 0) return this.linkDb(i)
    if (s === 2) return this.external
    return this.area(i.area).lsdb
  }

  isSelf(lsa: Lsa): boolean {
    return lsa.hdr.advRtr >>> 0 === this.routerId >>> 0
  }

  install(db: Lsdb, lsa: Lsa, now: number): LsaEntry | null {
    const old = db.get(lsa.hdr.type, lsa.hdr.id, lsa.hdr.advRtr)
    const e = db.install(lsa, now)
    if (e === null) return null
    const same =
      old !== undefined &&
      ageOf(old, now) >= MAX_AGE === lsa.hdr.age >= MAX_AGE &&
      old.lsa.data.length === lsa.data.length &&
      old.lsa.data.subarray(20).every((b, k) => b === lsa.data[20 + k])
    if (!same) {
      this.scheduleSpf(now)
      // A neighbour's Link-LSA feeds our Intra-Area-Prefix-LSA for a network we are DR of.
      if (scopeOf(lsa.hdr.type) === 0 && !this.isSelf(lsa)) this.markDirty()
    }
    const k = lsaKey(lsa.hdr.type, lsa.hdr.id, lsa.hdr.advRtr)
    const scope = scopeOf(lsa.hdr.type)
    for (const i of this.ifs.values()) {
      // Only this database's neighbours: a border router's Router-LSAs of two areas share a key.
      const idb =
        scope === 0 ? this.links.get(i.name) : scope === 2 ? this.external : this.areas.get(i.area)?.lsdb
      if (idb !== db) continue
      for (const n of i.nbrs.values()) {
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
   * Flood lsa (installed) out of the interfaces of its scope: only `scopeIf` for a link-scope LSA,
   * those of `area` for an area-scope one, all for AS scope. Returns whether it went back out of fromIf.
   */
  flood(
    lsa: Lsa,
    area: number,
    scopeIf: Ospf6If | null,
    fromIf: Ospf6If | null,
    from: Nbr6 | null,
    now: number,
  ): boolean {
    const k = lsaKey(lsa.hdr.type, lsa.hdr.id, lsa.hdr.advRtr)
    const scope = scopeOf(lsa.hdr.type)
    let back = false
    const wire = withAge(lsa, Math.min(MAX_AGE, lsa.hdr.age + 1))
    for (const i of this.ifs.values()) {
      if (i.state === 'Down' || i.state === 'Loopback' || i.passive) continue
      if (scope === 0 && i !== scopeIf) continue
      if (scope === 1 && i.area !== area) continue
      // RFC 2328 §13.3 (1): nothing of AS scope goes over a virtual link or into a stub area or NSSA.
      if (scope === 2 && (i.type === 'virtual' || this.areaTypes.has(i.area))) continue
      let added = false
      for (const n of i.nbrs.values()) {
        if (n.state < NbrState.EXCHANGE) continue
        if (n.state !== NbrState.FULL) {
          const req = n.requests.get(k)
          if (req !== undefined) {
            const c = lsaCompare(lsa.hdr, req)
            if (c < 0) continue
            n.requests.delete(k)
            this.nbr.requestsChanged(i, n, now)
            if (c === 0) continue
          }
        }
        if (n === from) continue
        n.retrans.set(k, lsa)
        if (n.retransAt === Number.POSITIVE_INFINITY) n.retransAt = now + i.retransmit * SEC_NS
        added = true
      }
      if (!added) continue
      if (i === fromIf && from !== null && (from.routerId === i.dr || from.routerId === i.bdr)) continue
      if (i === fromIf && i.state === 'BDR') continue
      if (i === fromIf) back = true
      const q = this.floodOut.get(i)
      if (q === undefined) this.floodOut.set(i, [wire])
      else q.push(wire)
    }
    return back
  }

  flush(db: Lsdb, e: LsaEntry, area: number, scopeIf: Ospf6If | null, now: number): void {
    flushLsa6(this, db, e, area, scopeIf, now)
  }

  // ---- input ----

  private flushFloods(): void {
    if (this.floodOut.size === 0) return
    for (const [i, lsas] of this.floodOut)
      if (this.ifs.get(i.name) === i) this.sendLsas(i, this.floodDst(i), lsas)
    this.floodOut.clear()
  }

  delayedAck(i: Ospf6If, h: LsaHeader, now: number): void {
    const q = this.ackOut.get(i)
    if (q === undefined) this.ackOut.set(i, [h])
    else q.push(h)
    if (this.ackAt === Number.POSITIVE_INFINITY) this.ackAt = now + ACK_DELAY_NS
  }

  private flushAcks(): void {
    this.ackAt = Number.POSITIVE_INFINITY
    const per = Math.floor(LSU6_BYTES / 20)
    for (const [i, hs] of this.ackOut) {
      if (this.ifs.get(i.name) !== i || i.state === 'Down') continue
      for (let k = 0; k < hs.length; k += per)
        this.send(i, this.floodDst(i), 5, ack6Body(hs.slice(k, k + per)))
    }
    this.ackOut.clear()
  }

  /** One received OSPFv3 packet (the IPv6 payload) from src to dst on interface ifName. */
  input(pkt: Uint8Array, src: Uint8Array, dst: Uint8Array, ifName: string, now: number): void {
    this.now = now
    receive6(this, pkt, src, dst, ifName, now)
    this.flushFloods()
  }

  // ---- timers ----

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
      for (const n of [...i.nbrs.values()]) this.nbr.tick(i, n, now)
    }
    if (this.ackAt <= now) this.flushAcks()
    if (this.ownDirty && now >= this.ownAt) {
      // Held at most EXCHANGE_HOLD_NS in all: a neighbour asking again and again cannot starve it.
      const until = Math.min(this.ownSentAt, this.ownHeldFrom) + EXCHANGE_HOLD_NS
      if (now < until) {
        if (this.ownHeldFrom === Number.POSITIVE_INFINITY) this.ownHeldFrom = now
        this.ownAt = until
      } else {
        this.ownHeldFrom = Number.POSITIVE_INFINITY
        originate6(this, now)
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
    this.flushFloods()
  }

  nextTimer(): number {
    let t = Math.min(this.spfAt, this.ageScanAt, this.ackAt)
    if (this.ownDirty) t = Math.min(t, this.ownAt)
    for (const i of this.ifs.values()) {
      if (i.state === 'Down' || i.state === 'Loopback') continue
      if (!i.passive) t = Math.min(t, i.helloAt)
      t = Math.min(t, i.waitAt)
      for (const n of i.nbrs.values()) t = Math.min(t, n.deadAt, n.ddRxmtAt, n.lsrRxmtAt, n.retransAt)
    }
    return t
  }

  /** Every database with the area and interface its LSAs flood within. */
  scopes(): Array<{ db: Lsdb; area: number; scopeIf: Ospf6If | null }> {
    const out: Array<{ db: Lsdb; area: number; scopeIf: Ospf6If | null }> = []
    for (const [name, db] of this.links) {
      const i = this.ifs.get(name)
      if (i !== undefined) out.push({ db, area: i.area, scopeIf: i })
    }
    for (const a of this.areas.values()) out.push({ db: a.lsdb, area: a.id, scopeIf: null })
    out.push({ db: this.external, area: 0, scopeIf: null })
    return out
  }

  /** Our own LSAs are refreshed at 30 min; any LSA reaching MaxAge is flushed, then removed. */
  private ageScan(now: number): void {
    const busy = [...this.ifs.values()].some((x) =>
      [...x.nbrs.values()].some(
        (m) => m.state === NbrState.EXCHANGE || m.state === NbrState.LOADING || m.retrans.size > 0,
      ),
    )
    for (const { db, area, scopeIf } of this.scopes()) {
      // Nothing in it reaches LSRefreshTime or MaxAge yet.
      if (now < db.dueAt) continue
      for (const [k, e] of db.map) {
        const age = ageOf(e, now)
        if (this.isSelf(e.lsa) && age < MAX_AGE && age >= LS_REFRESH_TIME) this.markDirty()
        if (age < MAX_AGE) continue
        if (e.rcvAge < MAX_AGE) {
          e.rcvAge = MAX_AGE
          this.flood(withAge(e.lsa, MAX_AGE), area, scopeIf, null, null, now)
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
    const r = ospf6Spf(this, now, {
      ...vlinkHooks6(this),
      nssaRoutes: this.areaTypes.size > 0 ? (v, routes) => nssaRoutes6(this, v, routes) : undefined,
    })
    this.lastSpfResult = r
    this.routes = r.routes
    // A border router's Inter-Area-Prefix-LSAs follow its routes.
    if (r.vertices.size > 1) this.markDirty()
    this.onRoutes(r.routes)
  }
}

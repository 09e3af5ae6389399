/**
 * The IS-IS protocol engine (ISO 10589, RFC 1195, RFC 5303, RFC 5305) without I/O: circuits and
 * their hellos, adjacencies (LAN: per level, Up once the neighbour lists our SNPA; p2p: RFC 5303's
 * three-way handshake), DIS election and the pseudonode, this IS's own LSPs and their refresh,
 * flooding with SRM/SSN flags (§7.3.15), CSNPs from the DIS and PSNPs, aging and purges, and SPF per
 * level with level 1 preferred, for IPv4 and (RFC 5308) IPv6; between the levels (isis_levels.ts)
 * the ATT bit, level-1 prefixes in the level-2 LSP, and the default route it draws. With passwords (ISO 10589 §9.5, RFC
 * 5304 HMAC-MD5: `area-password` for level 1, `domain-password` for level 2, a circuit's for its
 * hellos) what it sends carries TLV 10 and what arrives without the right one is dropped and counted
 * per level (auth type failures, auth failures). A received LSP's handling is isis_lsp_input.ts. It
 * is driven by `input` (a PDU after its LLC header), `tick` and
 * `nextTimer`; it sends through the `send` it is given.
 *
 * Malformed or unexpected PDUs are dropped and counted (`drops`); the LSDB holds at most `limit`
 * LSPs per level.
 *
 * Must not: throw from input or tick, or keep a reference to a buffer it was handed.
 */

import {
  ALL_ISS,
  ALL_L1_ISS,
  ALL_L2_ISS,
  type LspEntry,
  parseIsis,
  setLspLifetime,
  type Tlvs,
} from '../../../../wire/routing/isis.js'
import { authTlv, checkAuth, type IsisKey, signPdu } from '../../../../wire/routing/isis_auth.js'
import { buildLsp } from '../../../../wire/routing/isis_build.js'
import { elect, iihInput, sendHello } from './isis_adj.js'
import {
  ISIS_CSNP_S,
  ISIS_DEFAULT_MAX_LSP,
  ISIS_MAX_LIFETIME_S,
  ISIS_PSNP_S,
  ISIS_REFRESH_S,
  ISIS_RETRANSMIT_S,
  type IsisLevels,
} from './isis_config.js'
import {
  type AttachedBit,
  attachedDefault,
  type LeakDown,
  leakDown,
  leakUp,
  lspFlags,
} from './isis_levels.js'
import { bodyOf, Lsdb, type Lsp, sameBody, ZERO_AGE_NS } from './isis_lsdb.js'
import { LspGenThrottle } from './isis_lsp_gen.js'
import { lspInput } from './isis_lsp_input.js'
import { type OwnInfo, ownTlvs, pack, pseudonodeTlvs } from './isis_origin.js'
import { sendCsnp, sendPsnp, snpInput } from './isis_snp.js'
import { type IsisRoute, type IsisRoute6, type SpfVertex, spf } from './isis_spf.js'
import { atLevel, type Circuit, type CircuitDesc, SEC_NS, upAdjs } from './isis_types.js'

const LEVELS = [1, 2] as const
const SPF_DELAY_NS = 0.2 * SEC_NS

export interface IsisIo {
  send(circuit: string, dstMac: number, pdu: Uint8Array): void
  random(): number
}

const ids = (x: string, f: number) => `${x}${f.toString(16).padStart(2, '0')}`
/** The pseudonode byte of an LSP ID (0 for a system's own LSP). */
const pnByte = (id: string) => Number.parseInt(id.slice(12, 14), 16)

/** A level's password (`area-password` for 1, `domain-password` for 2) and what it covers. */
export interface LevelAuth {
  key: IsisKey
  /** FRR's `authenticate snp send-only|validate`: SNPs signed, and checked. */
  snpSend: boolean
  snpCheck: boolean
}

export class IsisEngine {
  readonly io: IsisIo
  sysId = ''
  areas: string[] = []
  hostname = ''
  isType: IsisLevels = 3
  /** FRR's `attached-bit send` and `attached-bit receive ignore` (isis_levels.ts). */
  attached: AttachedBit = { send: true, receiveIgnore: false }
  /** `redistribute ipv4|ipv6 isis level-2 into level-1` (isis_levels.ts). */
  leak: LeakDown = { ipv4: null, ipv6: null }
  readonly circuits = new Map<string, Circuit>()
  readonly lsdb: [Lsdb, Lsdb]
  /** Routes of the last SPF, level 1 over level 2, by `addr/len` (addr unsigned). */
  routes = new Map<string, IsisRoute>()
  readonly levelRoutes: [Map<string, IsisRoute>, Map<string, IsisRoute>] = [new Map(), new Map()]
  readonly vertices: [SpfVertex[], SpfVertex[]] = [[], []]
  /** IPv6 routes (RFC 5308) of the last SPF, level 1 over level 2, by `prefix/len`. */
  routes6 = new Map<string, IsisRoute6>()
  readonly levelRoutes6: [Map<string, IsisRoute6>, Map<string, IsisRoute6>] = [new Map(), new Map()]
  onRoutes6: ((routes: ReadonlyMap<string, IsisRoute6>) => void) | null = null
  /** Passwords per level (index 0 for level 1), null for none. */
  auth: [LevelAuth | null, LevelAuth | null] = [null, null]
  /** PDUs dropped per level for carrying no or another kind of authentication, and a wrong one. */
  readonly authTypeFailures: [number, number] = [0, 0]
  readonly authFailures: [number, number] = [0, 0]
  /** Dynamic hostnames (TLV 137) by system ID. */
  readonly names = new Map<string, string>()
  readonly drops = new Map<string, number>()
  onRoutes: ((routes: ReadonlyMap<string, IsisRoute>) => void) | null = null
  /** When this IS's LSPs are regenerated (`lsp-gen-interval`), by pseudonode byte. */
  readonly gen = new LspGenThrottle()
  private spfAt: [number, number] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]
  spfRuns = 0
  private nextId = 1

  constructor(io: IsisIo, limit = ISIS_DEFAULT_MAX_LSP) {
    this.io = io
    this.lsdb = [new Lsdb(1, limit), new Lsdb(2, limit)]
  }

  drop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1)
  }

  get dropped(): number {
    let n = 0
    for (const v of this.drops.values()) n += v
    return n
  }

  me(): OwnInfo {
    return { sysId: this.sysId, areas: this.areas, hostname: this.hostname }
  }

  // ---- configuration ----

  /** Identity and levels; a new system ID starts over (own LSPs under the old one are purged). */
  setSystem(
    sysId: string,
    areas: readonly string[],
    isType: IsisLevels,
    hostname: string,
    now: number,
  ): void {
    if (sysId !== this.sysId && this.sysId !== '') {
      for (const c of [...this.circuits.keys()]) this.removeCircuit(c, now)
      for (const db of this.lsdb) for (const l of db.lsps.values()) if (l.own) this.purge(db, l, now)
      this.gen.clear()
    }
    const changed =
      sysId !== this.sysId ||
      isType !== this.isType ||
      hostname !== this.hostname ||
      areas.join() !== this.areas.join()
    this.sysId = sysId
    this.areas = [...areas]
    this.isType = isType
    this.hostname = hostname
    if (sysId !== '') this.names.set(sysId, hostname)
    if (changed) this.scheduleGen(now)
  }

  /** The level passwords; a change re-signs this IS's LSPs. */
  setAuth(auth: [LevelAuth | null, LevelAuth | null], now: number): void {
    const k = (a: LevelAuth | null) =>
      a === null ? '' : `${a.key.type}:${a.key.password}:${a.snpSend}:${a.snpCheck}`
    for (const l of LEVELS) {
      if (k(auth[l - 1]) === k(this.auth[l - 1])) continue
      this.auth[l - 1] = auth[l - 1]
      if (this.sysId !== '') this.originate(l, now, true)
    }
  }

  /** FRR's attached-bit knobs; a change regenerates the LSPs and reruns SPF. */
  setAttached(a: AttachedBit, now: number): void {
    if (a.send === this.attached.send && a.receiveIgnore === this.attached.receiveIgnore) return
    this.attached = { ...a }
    this.scheduleGen(now)
    this.scheduleSpf(1, now)
  }

  /** Level-2 routes into level 1 (RFC 5302 §3.3); a change regenerates the level-1 LSP. */
  setLeak(leak: LeakDown, now: number): void {
    const k = (x: LeakDown) => JSON.stringify(x)
    if (k(leak) === k(this.leak)) return
    this.leak = { ipv4: leak.ipv4 && { ...leak.ipv4 }, ipv6: leak.ipv6 && { ...leak.ipv6 } }
    this.scheduleGen(now, 1)
  }

  private leaking(): boolean {
    return this.isType === 3 && (this.leak.ipv4 !== null || this.leak.ipv6 !== null)
  }

  /** The key SNPs of a level are sent with, or null. */
  snpKey(l: 1 | 2): IsisKey | null {
    const a = this.auth[l - 1]
    return a?.snpSend ? a.key : null
  }

  setCircuits(descs: readonly CircuitDesc[], now: number): void {
    const want = new Map(descs.map((d) => [d.name, d]))
    for (const name of [...this.circuits.keys()]) if (!want.has(name)) this.removeCircuit(name, now)
    for (const d of descs) {
      const c = this.circuits.get(d.name)
      if (c === undefined) {
        this.circuits.set(d.name, {
          desc: d,
          id: this.allocId(),
          adjs: new Map(),
          dis: [false, false],
          lanId: ['', ''],
          nextHello: [now, now],
          nextCsnp: [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
          nextPsnp: now + ISIS_PSNP_S * SEC_NS,
          electAfter: now + 2 * d.hello * SEC_NS,
          up: now,
        })
        const nc = this.circuits.get(d.name)!
        nc.lanId = [ids(this.sysId, nc.id), ids(this.sysId, nc.id)]
        this.scheduleGen(now)
        continue
      }
      const same =
        c.desc.levels === d.levels &&
        c.desc.p2p === d.p2p &&
        c.desc.passive === d.passive &&
        c.desc.metric === d.metric &&
        c.desc.mac === d.mac &&
        c.desc.priority === d.priority &&
        c.desc.addrs.map((a) => `${a.addr}/${a.len}`).join() ===
          d.addrs.map((a) => `${a.addr}/${a.len}`).join() &&
        c.desc.ipv4 === d.ipv4 &&
        c.desc.ipv6 === d.ipv6 &&
        (c.desc.addrs6 ?? []).map((a) => `${a.addr}/${a.len}`).join() ===
          (d.addrs6 ?? []).map((a) => `${a.addr}/${a.len}`).join() &&
        (c.desc.linkLocal6 ?? []).map(String).join() === (d.linkLocal6 ?? []).map(String).join()
      const reset = c.desc.p2p !== d.p2p || c.desc.passive !== d.passive || c.desc.levels !== d.levels
      c.desc = d
      if (reset) {
        c.adjs.clear()
        for (const l of LEVELS) this.resign(c, l, now)
      }
      if (!same) {
        elect(this, c, now)
        this.scheduleGen(now)
      }
    }
  }

  private allocId(): number {
    const used = new Set([...this.circuits.values()].map((c) => c.id))
    for (let i = 0; i < 255; i++) {
      const id = ((this.nextId + i - 1) % 255) + 1
      if (!used.has(id)) {
        this.nextId = (id % 255) + 1
        return id
      }
    }
    return 255
  }

  private removeCircuit(name: string, now: number): void {
    const c = this.circuits.get(name)
    if (c === undefined) return
    for (const l of LEVELS) this.resign(c, l, now)
    this.circuits.delete(name)
    for (const db of this.lsdb)
      for (const l of db.lsps.values()) {
        l.srm.delete(name)
        l.ssn.delete(name)
      }
    this.scheduleGen(now)
  }

  /** Ask for this IS's LSPs (and its pseudonodes') of the levels in `levels` to be regenerated. */
  scheduleGen(now: number, levels = 3): void {
    for (const l of LEVELS) {
      if (!atLevel(this.isType, l) || (levels & l) === 0) continue
      this.gen.event(l, now)
      this.gen.schedule(l, 0, now, this.holds(l, 0))
      for (const c of this.circuits.values())
        if (c.dis[l - 1] && !c.desc.p2p) this.gen.schedule(l, c.id, now, this.holds(l, c.id))
    }
  }

  /** Whether this IS holds a live instance of its LSP (pseudonode byte `key`) at level l. */
  private holds(l: 1 | 2, key: number): boolean {
    const cur = this.lsdb[l - 1].get(ids(ids(this.sysId, key), 0))
    return cur !== undefined && !cur.purged
  }

  /** When the next regeneration of a level is due (`show isis summary`, tests). */
  genDue(l: 1 | 2): number {
    return this.gen.next(l)
  }

  scheduleSpf(level: 1 | 2, now: number): void {
    this.spfAt[level - 1] = Math.min(this.spfAt[level - 1], now + SPF_DELAY_NS)
  }

  // ---- timers ----

  nextTimer(): number {
    let t = Math.min(this.genDue(1), this.genDue(2), ...this.spfAt)
    // SRM flags wait on circuits without an Up adjacency; those are no timer.
    const live: [Set<string>, Set<string>] = [new Set(), new Set()]
    for (const c of this.circuits.values())
      for (const l of LEVELS) if (upAdjs(c, l).length > 0) live[l - 1].add(c.desc.name)
    for (const c of this.circuits.values()) {
      if (!c.desc.passive) t = Math.min(t, ...c.nextHello, ...c.nextCsnp, c.nextPsnp, c.electAfter)
      for (const a of c.adjs.values()) t = Math.min(t, a.expires)
    }
    for (const db of this.lsdb)
      for (const l of db.lsps.values()) {
        t = Math.min(t, l.purged ? l.expires + ZERO_AGE_NS : l.own ? l.refresh : l.expires)
        for (const [cn, at] of l.srm) if (live[db.level - 1].has(cn)) t = Math.min(t, at)
      }
    return t
  }

  tick(now: number): void {
    if (this.sysId === '') return
    for (const c of this.circuits.values()) {
      for (const [k, a] of c.adjs)
        if (a.expires <= now) {
          c.adjs.delete(k)
          this.adjChanged(c, now)
        }
      if (c.desc.passive) continue
      if (c.electAfter <= now) {
        c.electAfter = Number.POSITIVE_INFINITY
        elect(this, c, now)
      }
      for (const l of LEVELS) {
        if (!atLevel(c.desc.levels, l)) continue
        // One p2p hello serves both levels.
        const hello = !(c.desc.p2p && l === 2 && atLevel(c.desc.levels, 1))
        if (hello && c.nextHello[l - 1] <= now) sendHello(this, c, l, now)
        if (c.nextCsnp[l - 1] <= now) {
          c.nextCsnp[l - 1] = c.dis[l - 1] ? now + ISIS_CSNP_S * SEC_NS : Number.POSITIVE_INFINITY
          sendCsnp(this, c, l, now)
        }
      }
      if (c.nextPsnp <= now) {
        c.nextPsnp = now + ISIS_PSNP_S * SEC_NS
        for (const l of LEVELS) sendPsnp(this, c, l, now)
      }
    }
    for (const l of LEVELS) {
      if (this.genDue(l) > now) continue
      const due = this.gen.due(l, now, (k) => this.holds(l, k))
      if (due.size > 0) this.originate(l, now, false, due)
    }
    for (const db of this.lsdb) this.age(db, now)
    for (const db of this.lsdb) this.flood(db, now)
    let spfRan = false
    for (const l of LEVELS)
      if (this.spfAt[l - 1] <= now) {
        this.spfAt[l - 1] = Number.POSITIVE_INFINITY
        this.runSpf(l)
        spfRan = true
        // Level-1 routes go into the level-2 LSP (RFC 1195 §3.2), and with leaking level-2 routes
        // into the level-1 LSP (RFC 5302 §3.3): either may have changed.
        if (l === 1 && this.isType === 3) this.scheduleGen(now, this.leaking() ? 3 : 2)
        if (l === 2 && this.leaking()) this.scheduleGen(now, 1)
      }
    if (spfRan) this.mergeRoutes()
  }

  // ---- hellos and adjacencies ----

  adjChanged(c: Circuit, now: number): void {
    elect(this, c, now)
    this.scheduleGen(now)
    for (const l of LEVELS) this.scheduleSpf(l, now)
  }

  /** No longer DIS: the pseudonode LSP goes (purged), CSNPs stop. */
  resign(c: Circuit, l: 1 | 2, now: number): void {
    c.dis[l - 1] = false
    c.nextCsnp[l - 1] = Number.POSITIVE_INFINITY
    const db = this.lsdb[l - 1]
    const pn = db.get(ids(ids(this.sysId, c.id), 0))
    if (pn?.own && !pn.purged) this.purge(db, pn, now)
  }

  // ---- own LSPs ----

  /**
   * Regenerate this IS's LSPs of a level (those of `keys`, pseudonode bytes, or all): a new instance
   * only where the content changed (or refresh).
   */
  private originate(l: 1 | 2, now: number, refresh: boolean, keys: ReadonlySet<number> | null = null): void {
    if (this.sysId === '' || !atLevel(this.isType, l)) return
    const db = this.lsdb[l - 1]
    const me = this.me()
    const want = new Map<string, Uint8Array>()
    const mine = (k: number) => keys === null || keys.has(k)
    if (mine(0)) {
      const other =
        l === 2 && this.isType === 3
          ? leakUp(this.levelRoutes[0], this.levelRoutes6[0])
          : l === 1 && this.leaking()
            ? leakDown(this.leak, ...this.levelRoutes, ...this.levelRoutes6)
            : undefined
      for (const [f, b] of pack(ownTlvs(me, l, this.circuits.values(), other)).entries())
        want.set(ids(`${this.sysId}00`, f), b)
    }
    for (const c of this.circuits.values())
      if (c.dis[l - 1] && !c.desc.p2p && mine(c.id))
        for (const [f, b] of pack(pseudonodeTlvs(me, l, c)).entries())
          want.set(ids(ids(this.sysId, c.id), f), b)
    const own = lspFlags(this.isType, l, this.attached, this.circuits.values())
    for (const [id, body] of want) {
      // A pseudonode's LSP has no ATT bit (ISO 10589 §7.3.8); ours has it when attached.
      const flags = id.slice(12, 14) === '00' ? own : own & 3
      const old = db.get(id)
      if (
        old !== undefined &&
        !refresh &&
        !old.purged &&
        sameBody(bodyOf(old.pdu), body) &&
        old.flags === flags
      )
        continue
      const seq = old === undefined ? 1 : (old.seq + 1) >>> 0
      this.install(db, id, seq, flags, body, now)
      this.gen.generated(l, pnByte(id), now)
    }
    for (const l2 of db.lsps.values())
      if (l2.id.startsWith(this.sysId) && mine(pnByte(l2.id)) && !want.has(l2.id) && !l2.purged)
        this.purge(db, l2, now)
  }

  /** An LSP PDU of ours: the level's password first (RFC 5304 §2), signed after the checksum. */
  private build(
    level: 1 | 2,
    id: string,
    seq: number,
    life: number,
    flags: number,
    body: Uint8Array,
  ): Uint8Array {
    const a = this.auth[level - 1]
    if (a === null) return buildLsp(level, id, seq, life, flags, body)
    const t = authTlv(a.key)
    const all = new Uint8Array(t.length + body.length)
    all.set(t)
    all.set(body, t.length)
    const pdu = buildLsp(level, id, seq, life, flags, all)
    signPdu(pdu, 27, a.key)
    return pdu
  }

  install(db: Lsdb, id: string, seq: number, flags: number, body: Uint8Array, now: number): void {
    const pdu = this.build(db.level, id, seq, ISIS_MAX_LIFETIME_S, flags, body)
    const parsed = parseIsis(pdu, 0, pdu.length)
    if (!parsed.ok || parsed.pdu.type !== 'lsp') return
    // Refresh within the lifetime, jittered down by up to a quarter (ISO 10589 §7.3.21).
    const jitter = (this.io.random() % 1000) / 4000
    const lsp: Lsp = {
      id,
      seq,
      checksum: parsed.pdu.lsp.checksum,
      flags,
      pduLen: pdu.length,
      expires: now + ISIS_MAX_LIFETIME_S * SEC_NS,
      purged: false,
      pdu,
      tlvs: parsed.pdu.tlvs,
      srm: new Map(),
      ssn: new Set(),
      own: true,
      refresh: now + ISIS_REFRESH_S * (1 - jitter) * SEC_NS,
    }
    const old = db.get(id)
    if (old === undefined && !db.put(lsp)) {
      this.drop('lsdb full')
      return
    }
    if (old !== undefined) db.put(lsp)
    this.setSrmAll(db, lsp, null, now)
    this.scheduleSpf(db.level, now)
  }

  /** Purge (lifetime 0, body removed, checksum 0) and flood it (ISO 10589 §7.3.16.4). */
  purge(db: Lsdb, l: Lsp, now: number): void {
    // RFC 5304 §2: a purge keeps the authentication TLV (signed anew); the checksum is zero.
    const pdu = this.build(db.level, l.id, l.seq, 0, l.flags, new Uint8Array(0))
    pdu[24] = 0
    pdu[25] = 0
    l.pdu = pdu
    l.pduLen = pdu.length
    l.checksum = 0
    l.purged = true
    l.expires = now
    l.tlvs = { ...l.tlvs, isReach: [], ipReach: [], ip6Reach: [] }
    this.setSrmAll(db, l, null, now)
    this.scheduleSpf(db.level, now)
  }

  setSrmAll(db: Lsdb, l: Lsp, except: string | null, now: number): void {
    l.srm.clear()
    for (const c of this.circuits.values())
      if (c.desc.name !== except && !c.desc.passive && atLevel(c.desc.levels, db.level))
        l.srm.set(c.desc.name, now)
  }

  // ---- LSDB upkeep and flooding ----

  private age(db: Lsdb, now: number): void {
    for (const l of [...db.lsps.values()]) {
      if (l.purged) {
        if (l.expires + ZERO_AGE_NS <= now) db.lsps.delete(l.id)
      } else if (l.own) {
        if (l.refresh <= now) this.refreshOwn(db, l, now)
      } else if (l.expires <= now) this.purge(db, l, now)
    }
  }

  private refreshOwn(db: Lsdb, l: Lsp, now: number): void {
    const body = bodyOf(l.pdu)
    this.install(db, l.id, (l.seq + 1) >>> 0, l.flags, body.slice(), now)
    this.gen.generated(db.level, pnByte(l.id), now)
  }

  private flood(db: Lsdb, now: number): void {
    for (const l of db.lsps.values()) {
      if (l.srm.size === 0) continue
      for (const [cn, at] of l.srm) {
        const c = this.circuits.get(cn)
        if (c === undefined) {
          l.srm.delete(cn)
          continue
        }
        if (at > now) continue
        if (upAdjs(c, db.level).length === 0) continue
        const out = l.pdu.slice()
        setLspLifetime(out, Lsdb.remaining(l, now))
        this.io.send(cn, c.desc.p2p ? ALL_ISS : db.level === 1 ? ALL_L1_ISS : ALL_L2_ISS, out)
        // LAN: sent once (the DIS's CSNPs repair losses); p2p: until acknowledged.
        if (c.desc.p2p) l.srm.set(cn, now + ISIS_RETRANSMIT_S * SEC_NS)
        else l.srm.delete(cn)
      }
    }
  }

  // ---- input ----

  /** One PDU (after the LLC header) received on circuit `ifName` from SNPA `srcMac`. */
  input(ifName: string, srcMac: number, buf: Uint8Array, off: number, len: number, now: number): void {
    const c = this.circuits.get(ifName)
    if (c === undefined || c.desc.passive || this.sysId === '') {
      this.drop('not an is-is circuit')
      return
    }
    const r = parseIsis(buf, off, len)
    if (!r.ok) {
      this.drop(r.reason)
      return
    }
    const p = r.pdu
    if (p.type === 'iih') {
      const key = c.desc.password ?? null
      const level = p.iih.level === 2 || (p.iih.level === 0 && !atLevel(c.desc.levels, 1)) ? 2 : 1
      if (key !== null && !this.authOk(buf.subarray(off, off + len), p.tlvs, key, level)) return
      iihInput(this, c, p.iih, p.tlvs, srcMac, now)
      return
    }
    const level = p.type === 'lsp' ? p.lsp.level : p.snp.level
    if (!atLevel(c.desc.levels, level)) {
      this.drop('level mismatch')
      return
    }
    const a = this.auth[level - 1]
    if (a !== null && (p.type === 'lsp' || a.snpCheck)) {
      const n = p.type === 'lsp' ? p.lsp.pduLen : len
      if (!this.authOk(buf.subarray(off, off + n), p.tlvs, a.key, level)) return
    }
    // Only from an IS this circuit has an Up adjacency with at this level (§7.3.15.1 a, §7.3.15.2 a).
    const from = upAdjs(c, level).some((a) => (c.desc.p2p ? true : a.mac === srcMac))
    if (!from) {
      this.drop('no adjacency')
      return
    }
    if (p.type === 'lsp') lspInput(this, c, p.lsp, p.tlvs, buf.subarray(off, off + p.lsp.pduLen), now)
    else snpInput(this, c, p.snp, p.tlvs, now)
  }

  /** A PDU's TLV 10 against the key that must sign it: a mismatch is dropped and counted. */
  private authOk(pdu: Uint8Array, t: Tlvs, key: IsisKey, level: 1 | 2): boolean {
    const r = checkAuth(pdu, t.auth, key)
    if (r === 'ok') return true
    if (r === 'type') this.authTypeFailures[level - 1]++
    else this.authFailures[level - 1]++
    this.drop('authentication')
    return false
  }

  ack(db: Lsdb, id: string, cn: string): void {
    const l = db.get(id)
    if (l === undefined) return
    l.srm.delete(cn)
    l.ssn.add(cn)
  }

  /** LSPs this IS has no copy of, asked for in the next PSNP with sequence number 0 (§7.3.15.2 b 5). */
  readonly requests = new Map<string, LspEntry[]>()

  // ---- SPF ----

  private runSpf(l: 1 | 2): void {
    this.spfRuns++
    if (!atLevel(this.isType, l)) {
      this.levelRoutes[l - 1] = new Map()
      this.levelRoutes6[l - 1] = new Map()
      this.vertices[l - 1] = []
      return
    }
    const r = spf(this.lsdb[l - 1], this.sysId, this.circuits)
    if (l === 1)
      attachedDefault(
        this.lsdb[0],
        r.vertices,
        this.sysId,
        this.attached,
        this.circuits.values(),
        r.routes,
        r.routes6,
      )
    this.levelRoutes[l - 1] = r.routes
    this.levelRoutes6[l - 1] = r.routes6
    this.vertices[l - 1] = r.vertices
  }

  private mergeRoutes(): void {
    const out = new Map<string, IsisRoute>()
    for (const [k, r] of this.levelRoutes[1]) out.set(k, r)
    // Level 1 over level 2 (ISO 10589 §7.2.12): an intra-area path wins; one that came down from
    // level 2 (up/down bit) ranks below every level-2 route (RFC 5302 §3.4).
    for (const [k, r] of this.levelRoutes[0]) if (!r.down || !out.has(k)) out.set(k, r)
    this.routes = out
    this.onRoutes?.(out)
    const out6 = new Map<string, IsisRoute6>()
    for (const [k, r] of this.levelRoutes6[1]) out6.set(k, r)
    for (const [k, r] of this.levelRoutes6[0]) if (!r.down || !out6.has(k)) out6.set(k, r)
    this.routes6 = out6
    this.onRoutes6?.(out6)
  }
}

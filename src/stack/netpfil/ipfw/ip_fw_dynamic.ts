/**
 * ipfw's dynamic rules (FreeBSD's ip_fw_dynamic.c): the states `keep-state` installs, found again by
 * `check-state` or the implicit probe of the first stateful rule, in both directions. A state lives
 * for one of the net.inet.ip.fw.dyn_*_lifetime values, chosen from the TCP flags seen so far
 * (dyn_update_tcp_state) or the protocol, and the table never holds more than dyn_max states: an
 * install beyond it fails and is counted (the packet is then denied, as FreeBSD does).
 *
 * Allocation-free on the packet path: states live in typed arrays chained per hash bucket; the
 * arrays grow by doubling (up to dyn_max) only when an install needs room. Expired states are
 * reclaimed when met on lookup and by a sweep when the table is full. It must not keep timers.
 * IPv6 states (ipfw_flow_id with addr_type 6) keep their full addresses beside the folded ones the
 * hash uses, and never match an IPv4 packet, nor the other way round.
 */

import { TH } from '../../../wire/inet/tcp.js'

/** How a lookup matched: the packet goes the way the state was created, or the other way. */
export const MATCH = { NONE: 0, FORWARD: 1, REVERSE: 2 } as const

/** TCP flags tracked per direction (dyn_update_tcp_state): FIN, SYN, RST; reverse ones shifted by 8. */
const TRACKED = TH.FIN | TH.SYN | TH.RST
const BOTH_SYN = TH.SYN | (TH.SYN << 8)
const BOTH_FIN = TH.FIN | (TH.FIN << 8)

/** The lifetimes and limit, in seconds and states (the chain's sysctls). */
export interface DynKnobs {
  dynMax: number
  dynAckLifetime: number
  dynSynLifetime: number
  dynFinLifetime: number
  dynRstLifetime: number
  dynUdpLifetime: number
  dynShortLifetime: number
  dynKeepalivePeriod: number
}

const NS = 1e9

export class DynTable<R> {
  private heads = new Int32Array(16).fill(-1)
  private next = new Int32Array(16)
  /** Addresses as int32, the packet path's form (an IPv6 state's are its folds). */
  private src = new Int32Array(16)
  private dst = new Int32Array(16)
  /** sport << 16 | dport (int32), as created. */
  private ports = new Int32Array(16)
  private proto = new Uint8Array(16)
  /** 1 for an IPv6 state, whose addresses are words 8i..8i+7 of a6 (source, then destination). */
  private fam6 = new Uint8Array(16)
  private a6 = new Uint32Array(16 * 8)
  private tcpState = new Uint16Array(16)
  private expire = new Float64Array(16)
  private pcnt = new Float64Array(16)
  private bcnt = new Float64Array(16)
  private rules: Array<R | null> = new Array(16).fill(null)
  private freeHead = 0
  private capacity = 16
  count = 0
  /** Installs refused because dyn_max states existed. */
  overflows = 0
  private lastSweep = -Infinity
  /** Told the index of every state that goes (limit parents count their children with it). */
  onFree: ((i: number) => void) | null = null

  constructor() {
    this.chainFree(0)
  }

  private chainFree(from: number): void {
    for (let i = from; i < this.capacity; i++) this.next[i] = i + 1 < this.capacity ? i + 1 : -1
    this.freeHead = from < this.capacity ? from : -1
  }

  /** Symmetric in the two ends, so both directions of a flow land in one bucket. */
  private bucket(proto: number, a: number, ap: number, b: number, bp: number): number {
    let h = (a ^ b) + Math.imul(ap ^ bp, 0x9e3779b1) + proto
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b)
    return (h ^ (h >>> 13)) & (this.heads.length - 1)
  }

  /**
   * The state for this packet, or -1. `dir` receives how it matched. Expired states met on the way
   * are freed.
   */
  lookup(
    proto: number,
    src: number,
    sport: number,
    dst: number,
    dport: number,
    now: number,
    dir: Int32Array,
    a6: Uint32Array | null = null,
  ): number {
    // Either form of an address may come in (the packet path's int32, a caller's unsigned).
    src |= 0
    dst |= 0
    const b = this.bucket(proto, src, sport, dst, dport)
    const want6 = a6 === null ? 0 : 1
    const fwd = (sport << 16) | dport
    const rev = (dport << 16) | sport
    let prev = -1
    let i = this.heads[b]!
    while (i >= 0) {
      const nx = this.next[i]!
      if (this.expire[i]! <= now) {
        this.unlink(b, prev, i)
        i = nx
        continue
      }
      if (this.proto[i] === proto && this.fam6[i] === want6) {
        if (
          this.src[i] === src &&
          this.dst[i] === dst &&
          this.ports[i] === fwd &&
          (a6 === null || this.same6(i, a6, 0, 4))
        ) {
          dir[0] = MATCH.FORWARD
          return i
        }
        if (
          this.src[i] === dst &&
          this.dst[i] === src &&
          this.ports[i] === rev &&
          (a6 === null || this.same6(i, a6, 4, 0))
        ) {
          dir[0] = MATCH.REVERSE
          return i
        }
      }
      prev = i
      i = nx
    }
    dir[0] = MATCH.NONE
    return -1
  }

  /**
   * Whether live IPv4 state i is this packet's (how it matches, or MATCH.NONE): what lookup would
   * say of a state it met, without the hash and the bucket walk, for a caller that remembers
   * where a flow's state is (the fast pass's memo). Expired states are left for lookup to free.
   */
  recheck(
    i: number,
    proto: number,
    src: number,
    sport: number,
    dst: number,
    dport: number,
    now: number,
  ): number {
    if (i >= this.capacity || this.rules[i] === null || this.expire[i]! <= now) return MATCH.NONE
    if (this.proto[i] !== proto || this.fam6[i] !== 0) return MATCH.NONE
    const a = this.src[i]
    const b = this.dst[i]
    const pw = this.ports[i]
    if (a === src && b === dst && pw === ((sport << 16) | dport)) return MATCH.FORWARD
    if (a === dst && b === src && pw === ((dport << 16) | sport)) return MATCH.REVERSE
    return MATCH.NONE
  }

  /** State i's source is a6[s..s+3] and its destination a6[d..d+3]. */
  private same6(i: number, a6: Uint32Array, s: number, d: number): boolean {
    const x = this.a6
    const o = i * 8
    for (let w = 0; w < 4; w++) if (x[o + w] !== a6[s + w] || x[o + 4 + w] !== a6[d + w]) return false
    return true
  }

  private unlink(b: number, prev: number, i: number): void {
    if (prev < 0) this.heads[b] = this.next[i]!
    else this.next[prev] = this.next[i]!
    this.rules[i] = null
    this.next[i] = this.freeHead
    this.freeHead = i
    this.count--
    this.onFree?.(i)
  }

  /** Make state i expired now: it is reclaimed when next met, and no longer listed. */
  expireIndex(i: number): void {
    this.expire[i] = Number.NEGATIVE_INFINITY
  }

  /** Install a state for rule (after a failed lookup); false when dyn_max states exist. */
  install(
    rule: R,
    proto: number,
    src: number,
    sport: number,
    dst: number,
    dport: number,
    now: number,
    k: DynKnobs,
    a6: Uint32Array | null = null,
  ): number {
    if (this.count >= k.dynMax) {
      // A full table is swept at most once a second, so a flood cannot turn installs into scans.
      if (now - this.lastSweep >= NS) {
        this.lastSweep = now
        this.expireWhere(now, null)
      }
      if (this.count >= k.dynMax) {
        this.overflows++
        return -1
      }
    }
    if (this.freeHead < 0) this.grow(k.dynMax)
    const i = this.freeHead
    this.freeHead = this.next[i]!
    src |= 0
    dst |= 0
    const b = this.bucket(proto, src, sport, dst, dport)
    this.next[i] = this.heads[b]!
    this.heads[b] = i
    this.src[i] = src
    this.dst[i] = dst
    this.ports[i] = (sport << 16) | dport
    this.proto[i] = proto
    this.fam6[i] = a6 === null ? 0 : 1
    if (a6 !== null) for (let w = 0; w < 8; w++) this.a6[i * 8 + w] = a6[w]!
    this.tcpState[i] = 0
    this.pcnt[i] = 0
    this.bcnt[i] = 0
    this.rules[i] = rule
    this.expire[i] = now + (proto === 17 ? k.dynUdpLifetime : k.dynShortLifetime) * NS
    this.count++
    return i
  }

  /** The rule that installed state i. */
  rule(i: number): R {
    return this.rules[i]!
  }

  /** Count a packet on state i and renew it (dyn_update_proto_state). */
  update(
    i: number,
    dir: number,
    proto: number,
    tcpFlags: number,
    bytes: number,
    now: number,
    k: DynKnobs,
  ): void {
    this.pcnt[i]!++
    this.bcnt[i]! += bytes
    let life: number
    if (proto === 6) {
      const f = tcpFlags & TRACKED
      const st = (this.tcpState[i]! | (dir === MATCH.FORWARD ? f : f << 8)) & 0xffff
      this.tcpState[i] = st
      const s = st & (TRACKED | (TRACKED << 8))
      if (s === TH.SYN) life = k.dynSynLifetime
      else if (s === BOTH_SYN || s === (BOTH_SYN | TH.FIN) || s === (BOTH_SYN | (TH.FIN << 8)))
        life = k.dynAckLifetime
      else if (s === (BOTH_SYN | BOTH_FIN))
        life = k.dynFinLifetime >= k.dynKeepalivePeriod ? k.dynKeepalivePeriod - 1 : k.dynFinLifetime
      else life = k.dynRstLifetime
    } else life = proto === 17 ? k.dynUdpLifetime : k.dynShortLifetime
    this.expire[i] = now + life * NS
  }

  /** Free every state that has expired, or (rule given) that rule installed. */
  expireWhere(now: number, pred: ((r: R) => boolean) | null): void {
    for (let b = 0; b < this.heads.length; b++) {
      let prev = -1
      let i = this.heads[b]!
      while (i >= 0) {
        const nx = this.next[i]!
        if (this.expire[i]! <= now || pred?.(this.rules[i]!) === true) this.unlink(b, prev, i)
        else prev = i
        i = nx
      }
    }
  }

  /** Live states, for `ipfw -d list` (control plane: allocates). */
  list(now: number): Array<{
    idx: number
    rule: R
    pcnt: number
    bcnt: number
    expire: number
    proto: number
    src: number
    sport: number
    dst: number
    dport: number
    addr6?: number[]
  }> {
    const out = []
    for (let b = 0; b < this.heads.length; b++)
      for (let i = this.heads[b]!; i >= 0; i = this.next[i]!) {
        if (this.expire[i]! <= now) continue
        out.push({
          idx: i,
          rule: this.rules[i]!,
          pcnt: this.pcnt[i]!,
          bcnt: this.bcnt[i]!,
          expire: Math.ceil((this.expire[i]! - now) / NS),
          proto: this.proto[i]!,
          src: this.src[i]! >>> 0,
          sport: this.ports[i]! >>> 16,
          dst: this.dst[i]! >>> 0,
          dport: this.ports[i]! & 0xffff,
          ...(this.fam6[i] === 1 ? { addr6: [...this.a6.subarray(i * 8, i * 8 + 8)] } : {}),
        })
      }
    return out
  }

  /** Zero the counters of the states of rules matching pred (ipfw zero). */
  zeroWhere(pred: (r: R) => boolean): void {
    for (let i = 0; i < this.capacity; i++) {
      const r = this.rules[i]
      if (r !== null && r !== undefined && pred(r)) {
        this.pcnt[i] = 0
        this.bcnt[i] = 0
      }
    }
  }

  /** Double the arrays (never past the next power of two over dyn_max) and rehash. */
  private grow(dynMax: number): void {
    const old = this.capacity
    const cap = Math.max(old * 2, 16)
    const next = new Int32Array(cap)
    next.set(this.next)
    this.next = next
    for (const f of ['src', 'dst', 'ports'] as const) {
      const n = new Int32Array(cap)
      n.set(this[f])
      this[f] = n
    }
    const proto = new Uint8Array(cap)
    proto.set(this.proto)
    this.proto = proto
    const fam6 = new Uint8Array(cap)
    fam6.set(this.fam6)
    this.fam6 = fam6
    const a6 = new Uint32Array(cap * 8)
    a6.set(this.a6)
    this.a6 = a6
    const ts = new Uint16Array(cap)
    ts.set(this.tcpState)
    this.tcpState = ts
    for (const f of ['expire', 'pcnt', 'bcnt'] as const) {
      const n = new Float64Array(cap)
      n.set(this[f])
      this[f] = n
    }
    for (let i = old; i < cap; i++) this.rules.push(null)
    this.capacity = cap
    // Buckets: as many as states (a power of two), up to the table's bound.
    const nb = Math.min(cap, Math.max(16, 2 ** Math.ceil(Math.log2(Math.max(dynMax, 16)))))
    this.heads = new Int32Array(nb).fill(-1)
    for (let i = 0; i < old; i++) {
      if (this.rules[i] === null) continue
      const b = this.bucket(
        this.proto[i]!,
        this.src[i]!,
        this.ports[i]! >>> 16,
        this.dst[i]!,
        this.ports[i]! & 0xffff,
      )
      this.next[i] = this.heads[b]!
      this.heads[b] = i
    }
    // The old free list was empty (grow runs only then): the new slots form it.
    this.chainFree(old)
  }
}

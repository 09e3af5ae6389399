/**
 * libalias's link table (FreeBSD's sys/netinet/libalias/alias_db.c): every translation is a link
 * (original address and port, remote address and port, alias address and port, link type), found
 * from the inside by (src, dst, sport, dport, type) and from the outside by (alias, alias port,
 * type) and then the remote end, with libalias's rules for partially specified links (redirects
 * whose remote end is unknown), its port allocation (GetNewPort: same_ports first when asked,
 * then random tries in the alias port range, unique per remote end), its lifetimes (ICMP, UDP and
 * other protocols 60 s, fragments 10/30 s, TCP by connection state) and its lazy expiry.
 *
 * Unlike libalias the table is bounded: links live in preallocated typed arrays that double up to
 * `max`; when full, stale links are reclaimed first and otherwise the new link is refused and
 * counted (`overflow`). Lookups and updates allocate nothing; only growth does. It must not read
 * packets (alias.ts does) and never throws on the data path. Its constants, flags and hashes are in
 * alias_db_var.ts (alias_db.h).
 */

import type { Rng } from '../../../util/rng.js'
import {
  EXPIRE,
  F_PARTIAL,
  F_PERMANENT,
  F_UNKNOWN_DEST_ADDR,
  F_UNKNOWN_DEST_PORT,
  FIRST_CAP,
  hashIn,
  hashOut,
  LINK,
  LinkCounts,
  lifetime,
  PORT_TRIES,
  RECLAIM_TRIES,
  TCPS,
} from './alias_db_var.js'

export class AliasDb {
  /** Largest number of links; a new one beyond it is refused and counted. */
  max: number
  cap = 0
  count = 0
  readonly counts = new LinkCounts()
  /** New links refused because the table was full of live links. */
  overflow = 0
  /** New links refused because no free alias port was found (GetNewPort failed). */
  portFail = 0
  /** Alias port range (aliasPortLower, aliasPortLength). */
  portLower = 0x8000
  portLength = 0x8000
  /** PKT_ALIAS_SAME_PORTS: try the original port first. */
  samePorts = false
  /** The instance's address (int32), for links made with ANY as their source or alias (aliasAddress). */
  aliasAddress = 0
  /** Called after a link is added or deleted (PKT_ALIAS_LOG's ShowAliasStats). */
  onChange: (() => void) | null = null

  // One entry per link slot; type 0 marks a free slot.
  // Addresses as int32, the packet path's form (an unsigned one above 2^31 would be boxed at every
  // call); the entry points below take either form.
  src = new Int32Array(0)
  dst = new Int32Array(0)
  alias = new Int32Array(0)
  sport = new Uint16Array(0)
  dport = new Uint16Array(0)
  aport = new Uint16Array(0)
  type = new Uint16Array(0)
  flags = new Uint8Array(0)
  stIn = new Uint8Array(0)
  stOut = new Uint8Array(0)
  /** Lifetime in seconds and last use, seconds of the host clock. */
  expire = new Int32Array(0)
  stamp = new Float64Array(0)
  /** A fragment-id link's translated destination. */
  fragAddr = new Int32Array(0)
  private outNext = new Int32Array(0)
  private inNext = new Int32Array(0)
  private outHead = new Int32Array(0)
  private inHead = new Int32Array(0)
  private lruPrev = new Int32Array(0)
  private lruNext = new Int32Array(0)
  private lruHead = -1
  private lruTail = -1
  private free = -1
  private mask = 0
  private readonly rng: Rng

  constructor(rng: Rng, max: number) {
    this.rng = rng
    this.max = max
  }

  // housekeeping

  /** UseLink: an expired link goes (unless permanent); a live one is stamped and moved to the back. */
  use(i: number, now: number): number {
    if (i < 0) return -1
    if (now - this.stamp[i]! > this.expire[i]! && (this.flags[i]! & F_PERMANENT) === 0) {
      this.del(i, false)
      return -1
    }
    this.stamp[i] = now
    this.lruMoveBack(i)
    return i
  }

  /** HouseKeeping: look at the least recently checked link; delete it if expired, else rotate it. */
  housekeep(now: number): void {
    const i = this.lruHead
    if (i < 0) return
    if (now - this.stamp[i]! > this.expire[i]! && (this.flags[i]! & F_PERMANENT) === 0) this.del(i, false)
    else this.lruMoveBack(i)
  }

  /** Delete every expired link (for listings, which should not show what packets would not find). */
  expireAll(now: number): void {
    for (let i = 0; i < this.cap; i++)
      if (
        this.type[i] !== 0 &&
        (this.flags[i]! & F_PERMANENT) === 0 &&
        now - this.stamp[i]! > this.expire[i]!
      )
        this.del(i, false)
  }

  /** CleanupAliasData: every link but the permanent ones (or those too when asked). */
  cleanup(permanentToo: boolean): void {
    for (let i = 0; i < this.cap; i++) if (this.type[i] !== 0) this.del(i, permanentToo)
  }

  // TCP state (SetStateIn / SetStateOut)

  setStateIn(i: number, s: number): void {
    if (s === TCPS.DISCONNECTED)
      this.expire[i] = this.stOut[i] !== TCPS.CONNECTED ? EXPIRE.TCP_DEAD : EXPIRE.TCP_SINGLEDEAD
    else if (this.stOut[i] === TCPS.CONNECTED) this.expire[i] = EXPIRE.TCP_CONNECTED
    this.stIn[i] = s
  }

  setStateOut(i: number, s: number): void {
    if (s === TCPS.DISCONNECTED)
      this.expire[i] = this.stIn[i] !== TCPS.CONNECTED ? EXPIRE.TCP_DEAD : EXPIRE.TCP_SINGLEDEAD
    else if (this.stIn[i] === TCPS.CONNECTED) this.expire[i] = EXPIRE.TCP_CONNECTED
    this.stOut[i] = s
  }

  /** A permanent link (a redirect) never expires; clearing it lets it expire as usual. */
  setPermanent(i: number, on: boolean): void {
    if (on) this.flags[i] = this.flags[i]! | F_PERMANENT
    else this.flags[i] = this.flags[i]! & ~F_PERMANENT
  }

  isPartial(i: number): boolean {
    return (this.flags[i]! & F_PARTIAL) !== 0
  }

  // adding and deleting

  /**
   * AddLink: a new link, its alias port chosen by GetNewPort when aliasPortParam is GET_ALIAS_PORT.
   * Returns its index, or -1 when the table is full or no alias port is free (both counted).
   */
  add(
    src: number,
    dst: number,
    alias: number,
    sport: number,
    dport: number,
    aliasPortParam: number,
    type: number,
    now: number,
  ): number {
    src |= 0
    dst |= 0
    alias |= 0
    if (this.count >= this.max && !this.reclaim(now)) {
      this.overflow++
      return -1
    }
    let aport = aliasPortParam
    if (aport < 0) {
      aport = this.newPort(sport, dst, dport, alias, type)
      if (aport < 0) {
        this.portFail++
        return -1
      }
    }
    if (this.count >= this.cap) this.grow()
    const i = this.free
    this.free = this.outNext[i]!
    this.count++
    this.src[i] = src
    this.dst[i] = dst
    this.alias[i] = alias
    this.sport[i] = sport
    this.dport[i] = dport
    this.aport[i] = aport
    this.type[i] = type
    this.flags[i] = (dst === 0 ? F_UNKNOWN_DEST_ADDR : 0) | (dport === 0 ? F_UNKNOWN_DEST_PORT : 0)
    this.stIn[i] = TCPS.NOT_CONNECTED
    this.stOut[i] = TCPS.NOT_CONNECTED
    this.fragAddr[i] = 0
    this.stamp[i] = now
    this.expire[i] = lifetime(type)
    this.countType(type, 1)
    const ho = hashOut(src, dst, sport, dport, type) & this.mask
    this.outNext[i] = this.outHead[ho]!
    this.outHead[ho] = i
    const hi = hashIn(alias, aport, type) & this.mask
    this.inNext[i] = this.inHead[hi]!
    this.inHead[hi] = i
    this.lruPrev[i] = this.lruTail
    this.lruNext[i] = -1
    if (this.lruTail >= 0) this.lruNext[this.lruTail] = i
    else this.lruHead = i
    this.lruTail = i
    this.onChange?.()
    return i
  }

  /** DeleteLink: nothing happens to a permanent link unless permanentToo. */
  del(i: number, permanentToo: boolean): void {
    if (this.type[i] === 0 || (!permanentToo && (this.flags[i]! & F_PERMANENT) !== 0)) return
    const type = this.type[i]!
    this.unchain(
      this.outHead,
      this.outNext,
      hashOut(this.src[i]!, this.dst[i]!, this.sport[i]!, this.dport[i]!, type),
      i,
    )
    this.unchain(this.inHead, this.inNext, hashIn(this.alias[i]!, this.aport[i]!, type), i)
    const p = this.lruPrev[i]!
    const n = this.lruNext[i]!
    if (p >= 0) this.lruNext[p] = n
    else this.lruHead = n
    if (n >= 0) this.lruPrev[n] = p
    else this.lruTail = p
    this.type[i] = 0
    this.countType(type, -1)
    this.count--
    this.outNext[i] = this.free
    this.free = i
    this.onChange?.()
  }

  /** ReLink: a fully specified copy of a (partial or permanent) link, which itself stays unless it may go. */
  relink(
    old: number,
    src: number,
    dst: number,
    alias: number,
    sport: number,
    dport: number,
    aport: number,
    type: number,
    now: number,
  ): number {
    const n = this.add(src, dst, alias, sport, dport, aport, type, now)
    this.del(old, false)
    return n
  }

  // lookups

  private searchOut(
    src: number,
    dst: number,
    sport: number,
    dport: number,
    type: number,
    now: number,
  ): number {
    let i = this.outHead[hashOut(src, dst, sport, dport, type) & this.mask]!
    while (i >= 0) {
      if (
        this.src[i] === src &&
        this.dst[i] === dst &&
        this.sport[i] === sport &&
        this.dport[i] === dport &&
        this.type[i] === type
      )
        return this.use(i, now)
      i = this.outNext[i]!
    }
    return -1
  }

  /** _FindLinkOut: exact, then the partial forms (replaced by a full link when replacePartial). */
  private findOut1(
    src: number,
    dst: number,
    sport: number,
    dport: number,
    type: number,
    replacePartial: boolean,
    now: number,
  ): number {
    if (this.cap === 0) return -1
    let i = this.searchOut(src, dst, sport, dport, type, now)
    if (i >= 0 || !replacePartial) return i
    if (dport !== 0 && dst !== 0) {
      i = this.searchOut(src, dst, sport, 0, type, now)
      if (i < 0) i = this.searchOut(src, 0, sport, dport, type, now)
    }
    if (i < 0 && (dport !== 0 || dst !== 0)) i = this.searchOut(src, 0, sport, 0, type, now)
    if (i >= 0) i = this.relink(i, src, dst, this.alias[i]!, sport, dport, this.aport[i]!, type, now)
    return i
  }

  /** FindLinkOut: also links made with ANY as source, for packets from the alias address itself. */
  findOut(
    src: number,
    dst: number,
    sport: number,
    dport: number,
    type: number,
    replacePartial: boolean,
    now: number,
  ): number {
    src |= 0
    dst |= 0
    let i = this.findOut1(src, dst, sport, dport, type, replacePartial, now)
    if (i < 0 && this.aliasAddress !== 0 && src === this.aliasAddress)
      i = this.findOut1(0, dst, sport, dport, type, replacePartial, now)
    return i
  }

  /** _FindLinkIn: a full link to this remote end first, then the partial ones in libalias's order. */
  private findIn1(
    dst: number,
    alias: number,
    dport: number,
    aport: number,
    type: number,
    replacePartial: boolean,
    now: number,
  ): number {
    if (this.cap === 0) return -1
    const flagsIn = (dst === 0 ? F_UNKNOWN_DEST_ADDR : 0) | (dport === 0 ? F_UNKNOWN_DEST_PORT : 0)
    let unknownAll = -1
    let unknownAddr = -1
    let unknownPort = -1
    let firstFull = -1
    let i = this.inHead[hashIn(alias, aport, type) & this.mask]!
    while (i >= 0) {
      if (this.alias[i] === alias && this.aport[i] === aport && this.type[i] === type) {
        const partial = (this.flags[i]! & F_PARTIAL) !== 0
        if (!partial) {
          if (flagsIn === 0) {
            if (this.dst[i] === dst && this.dport[i] === dport) return this.use(i, now)
          } else if (flagsIn === F_UNKNOWN_DEST_PORT) {
            if (unknownPort < 0 && this.dst[i] === dst) unknownPort = i
          } else if (flagsIn === F_UNKNOWN_DEST_ADDR) {
            if (unknownAddr < 0 && this.dport[i] === dport) unknownAddr = i
          } else if (firstFull < 0) firstFull = i
        } else {
          const f = (flagsIn | this.flags[i]!) & F_PARTIAL
          if (f === F_PARTIAL && unknownAll < 0) unknownAll = i
          else if (f === F_UNKNOWN_DEST_ADDR && this.dport[i] === dport && unknownAddr < 0) unknownAddr = i
          else if (f === F_UNKNOWN_DEST_PORT && this.dst[i] === dst && unknownPort < 0) unknownPort = i
        }
      }
      i = this.inNext[i]!
    }
    if (flagsIn === F_PARTIAL && firstFull >= 0) unknownAll = firstFull
    i = unknownPort >= 0 ? unknownPort : unknownAddr >= 0 ? unknownAddr : unknownAll
    if (i < 0) return -1
    if (!replacePartial) return this.use(i, now)
    return this.relink(i, this.src[i]!, dst, alias, this.sport[i]!, dport, aport, type, now)
  }

  /** FindLinkIn: also links made with ANY as alias address, for packets to the alias address. */
  findIn(
    dst: number,
    alias: number,
    dport: number,
    aport: number,
    type: number,
    replacePartial: boolean,
    now: number,
  ): number {
    dst |= 0
    alias |= 0
    let i = this.findIn1(dst, alias, dport, aport, type, replacePartial, now)
    if (i < 0 && this.aliasAddress !== 0 && alias === this.aliasAddress)
      i = this.findIn1(dst, 0, dport, aport, type, replacePartial, now)
    return i
  }

  /** GetOriginalAddress: a link made with ANY as source stands for the alias address. */
  origAddr(i: number): number {
    const a = this.src[i]!
    return a === 0 ? this.aliasAddress : a
  }

  /** GetAliasAddress. */
  aliasAddr(i: number): number {
    const a = this.alias[i]!
    return a === 0 ? this.aliasAddress : a
  }

  // internals

  /**
   * GetNewPort: the original port first with same_ports, then random ports of the alias range; a
   * port is free when no full link uses it towards the same remote address and port.
   */
  private newPort(sport: number, dst: number, dport: number, alias: number, type: number): number {
    let port = this.samePorts ? sport : this.randomPort()
    for (let t = 0; t < PORT_TRIES; t++, port = this.randomPort())
      if (!this.portTaken(alias, port, type, dst, dport)) return port
    return -1
  }

  private randomPort(): number {
    return (this.portLower + this.rng.int(this.portLength)) & 0xffff
  }

  private portTaken(alias: number, port: number, type: number, dst: number, dport: number): boolean {
    if (this.cap === 0) return false
    let i = this.inHead[hashIn(alias, port, type) & this.mask]!
    while (i >= 0) {
      if (
        this.alias[i] === alias &&
        this.aport[i] === port &&
        this.type[i] === type &&
        (this.flags[i]! & F_PARTIAL) === 0 &&
        this.dst[i] === dst &&
        this.dport[i] === dport
      )
        return true
      i = this.inNext[i]!
    }
    return false
  }

  /** Make room in a full table: delete expired links among the least recently checked. */
  private reclaim(now: number): boolean {
    for (let k = 0; k < RECLAIM_TRIES && this.count >= this.max; k++) {
      const i = this.lruHead
      if (i < 0) break
      if ((this.flags[i]! & F_PERMANENT) === 0 && now - this.stamp[i]! > this.expire[i]!) this.del(i, false)
      else this.lruMoveBack(i)
    }
    return this.count < this.max
  }

  private lruMoveBack(i: number): void {
    if (this.lruTail === i) return
    const p = this.lruPrev[i]!
    const n = this.lruNext[i]!
    if (p >= 0) this.lruNext[p] = n
    else this.lruHead = n
    this.lruPrev[n] = p
    this.lruPrev[i] = this.lruTail
    this.lruNext[i] = -1
    this.lruNext[this.lruTail] = i
    this.lruTail = i
  }

  private unchain(head: Int32Array, next: Int32Array, h: number, i: number): void {
    const b = h & this.mask
    let j = head[b]!
    if (j === i) {
      head[b] = next[i]!
      return
    }
    while (j >= 0) {
      const k = next[j]!
      if (k === i) {
        next[j] = next[i]!
        return
      }
      j = k
    }
  }

  private countType(type: number, d: number): void {
    const c = this.counts
    if (type === LINK.ICMP) c.icmp += d
    else if (type === LINK.UDP) c.udp += d
    else if (type === LINK.TCP) c.tcp += d
    else if (type === LINK.FRAGMENT_ID) c.fragId += d
    else if (type === LINK.FRAGMENT_PTR) c.fragPtr += d
    else if (type !== LINK.ADDR) c.proto += d
  }

  /** Double the arrays (up to max) and rehash; the only allocation, amortised over the links added. */
  private grow(): void {
    const old = this.cap
    const cap = Math.min(Math.max(FIRST_CAP, old * 2), Math.max(this.max, 1))
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(cap)
      b.set(a)
      return b
    }
    const u16 = (a: Uint16Array) => {
      const b = new Uint16Array(cap)
      b.set(a)
      return b
    }
    const u8 = (a: Uint8Array) => {
      const b = new Uint8Array(cap)
      b.set(a)
      return b
    }
    this.src = i32(this.src)
    this.dst = i32(this.dst)
    this.alias = i32(this.alias)
    this.fragAddr = i32(this.fragAddr)
    this.sport = u16(this.sport)
    this.dport = u16(this.dport)
    this.aport = u16(this.aport)
    this.type = u16(this.type)
    this.flags = u8(this.flags)
    this.stIn = u8(this.stIn)
    this.stOut = u8(this.stOut)
    const ex = new Int32Array(cap)
    ex.set(this.expire)
    this.expire = ex
    const st = new Float64Array(cap)
    st.set(this.stamp)
    this.stamp = st
    const lp = new Int32Array(cap)
    lp.set(this.lruPrev)
    this.lruPrev = lp
    const ln = new Int32Array(cap)
    ln.set(this.lruNext)
    this.lruNext = ln
    // Buckets: a power of two at least the capacity, so chains stay short.
    let buckets = 1
    while (buckets < cap) buckets <<= 1
    this.mask = buckets - 1
    this.outHead = new Int32Array(buckets).fill(-1)
    this.inHead = new Int32Array(buckets).fill(-1)
    this.outNext = new Int32Array(cap)
    this.inNext = new Int32Array(cap)
    this.free = -1
    for (let i = cap - 1; i >= 0; i--) {
      if (i < old && this.type[i] !== 0) {
        const ho =
          hashOut(this.src[i]!, this.dst[i]!, this.sport[i]!, this.dport[i]!, this.type[i]!) & this.mask
        this.outNext[i] = this.outHead[ho]!
        this.outHead[ho] = i
        const hi = hashIn(this.alias[i]!, this.aport[i]!, this.type[i]!) & this.mask
        this.inNext[i] = this.inHead[hi]!
        this.inHead[hi] = i
      } else {
        this.outNext[i] = this.free
        this.free = i
      }
    }
    this.cap = cap
  }
}

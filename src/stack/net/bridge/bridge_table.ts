/**
 * A learning bridge's address table (if_bridge's rtable, ng_bridge's host hash): Ethernet address →
 * port, with the time each entry was learned and last heard from. An entry's key is the address and a
 * VLAN id (if_bridge's rtable keys on both, PR 270559; 0 for untagged, and for ng_bridge always). Lookups read the address straight
 * out of the frame as three 16-bit words, so forwarding allocates nothing (a 48-bit MAC held as one
 * number would be boxed on every Map lookup). Storage grows by doubling up to a fixed bound; a full
 * table makes the owner choose between evicting the oldest entry (ng_bridge) and not learning
 * (if_bridge's maxaddr). Entries also form a list in learning order, for eviction, expiry scans and
 * listings. The table knows nothing of frames, interfaces or hooks: a port is opaque.
 */

function pow2AtLeast(n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

/** Entry flags (if_bridge's IFBAF_*): a static entry never ages, moves or gets trimmed. */
export const IFBAF_STATIC = 0x1

export class BridgeTable<P> {
  /** Most entries the table will hold (if_bridge's `maxaddr` changes it). */
  max: number
  size = 0
  private cap = 0
  private mask = 0
  private heads = new Int32Array(0)
  // Per slot: the address as three big-endian 16-bit words, the port, times, and list links.
  private w0 = new Uint16Array(0)
  private w1 = new Uint16Array(0)
  private w2 = new Uint16Array(0)
  private vl = new Uint16Array(0)
  private ports: Array<P | null> = []
  private bornAt = new Float64Array(0)
  private seenAt = new Float64Array(0)
  private flagsOf = new Uint8Array(0)
  /** Next slot in the same bucket; for free slots, the next free slot. */
  private chain = new Int32Array(0)
  private older = new Int32Array(0)
  private newer = new Int32Array(0)
  private oldest = -1
  private newest = -1
  private free = -1

  constructor(max: number) {
    this.max = max
  }

  private hash(a: number, b: number, c: number, v: number): number {
    return ((((a * 31 + b) * 31) ^ c) + v * 7) & this.mask
  }

  /** Slot of the address at buf[off..off+6) on VLAN `vlan`, or -1. */
  find(buf: Uint8Array, off: number, vlan = 0): number {
    if (this.size === 0) return -1
    const a = (buf[off]! << 8) | buf[off + 1]!
    const b = (buf[off + 2]! << 8) | buf[off + 3]!
    const c = (buf[off + 4]! << 8) | buf[off + 5]!
    let i = this.heads[this.hash(a, b, c, vlan)]!
    while (i >= 0) {
      if (this.w2[i] === c && this.w1[i] === b && this.w0[i] === a && this.vl[i] === vlan) return i
      i = this.chain[i]!
    }
    return -1
  }

  /**
   * Learn the address at buf[off..off+6) on VLAN `vlan` (not already present) on `port`; returns its
   * slot, or -1 when the table is at `max`.
   */
  add(buf: Uint8Array, off: number, port: P, now: number, vlan = 0): number {
    if (this.size >= this.max) return -1
    if (this.size >= this.cap) this.grow()
    const i = this.free
    this.free = this.chain[i]!
    const a = (buf[off]! << 8) | buf[off + 1]!
    const b = (buf[off + 2]! << 8) | buf[off + 3]!
    const c = (buf[off + 4]! << 8) | buf[off + 5]!
    this.w0[i] = a
    this.w1[i] = b
    this.w2[i] = c
    this.vl[i] = vlan
    this.ports[i] = port
    this.bornAt[i] = now
    this.seenAt[i] = now
    this.flagsOf[i] = 0
    const h = this.hash(a, b, c, vlan)
    this.chain[i] = this.heads[h]!
    this.heads[h] = i
    this.older[i] = this.newest
    this.newer[i] = -1
    if (this.newest >= 0) this.newer[this.newest] = i
    else this.oldest = i
    this.newest = i
    this.size++
    return i
  }

  port(i: number): P {
    return this.ports[i] as P
  }

  /** The host moved to another port: it counts as newly learned there. */
  move(i: number, port: P, now: number): void {
    this.ports[i] = port
    this.bornAt[i] = now
  }

  flags(i: number): number {
    return this.flagsOf[i]!
  }

  setFlags(i: number, f: number): void {
    this.flagsOf[i] = f
  }

  touch(i: number, now: number): void {
    this.seenAt[i] = now
  }

  born(i: number): number {
    return this.bornAt[i]!
  }

  seen(i: number): number {
    return this.seenAt[i]!
  }

  /** The address in slot i as a 48-bit number (control plane). */
  mac(i: number): number {
    return this.w0[i]! * 2 ** 32 + this.w1[i]! * 65536 + this.w2[i]!
  }

  /** The VLAN id of slot i's key. */
  vlan(i: number): number {
    return this.vl[i]!
  }

  remove(i: number): void {
    const h = this.hash(this.w0[i]!, this.w1[i]!, this.w2[i]!, this.vl[i]!)
    let j = this.heads[h]!
    if (j === i) this.heads[h] = this.chain[i]!
    else {
      while (this.chain[j] !== i) j = this.chain[j]!
      this.chain[j] = this.chain[i]!
    }
    const o = this.older[i]!
    const n = this.newer[i]!
    if (o >= 0) this.newer[o] = n
    else this.oldest = n
    if (n >= 0) this.older[n] = o
    else this.newest = o
    this.ports[i] = null
    this.chain[i] = this.free
    this.free = i
    this.size--
  }

  /** Forget the oldest entry; false when empty. */
  evictOldest(): boolean {
    if (this.oldest < 0) return false
    this.remove(this.oldest)
    return true
  }

  /** Forget every host learned on `port` (a link went away or was found looped); static ones too unless `dynOnly`. */
  removePort(port: P, dynOnly = false): void {
    for (let i = this.oldest; i >= 0; ) {
      const n = this.newer[i]!
      if (this.ports[i] === port && !(dynOnly && (this.flagsOf[i]! & IFBAF_STATIC) !== 0)) this.remove(i)
      i = n
    }
  }

  /** Forget every entry, or only the learned ones (`dynOnly`). */
  clear(dynOnly = false): void {
    for (let i = this.oldest; i >= 0; ) {
      const n = this.newer[i]!
      if (!(dynOnly && (this.flagsOf[i]! & IFBAF_STATIC) !== 0)) this.remove(i)
      i = n
    }
  }

  /** Forget learned entries, oldest first, until at most `max` remain (bridge_rttrim). */
  trim(): void {
    for (let i = this.oldest; i >= 0 && this.size > this.max; ) {
      const n = this.newer[i]!
      if ((this.flagsOf[i]! & IFBAF_STATIC) === 0) this.remove(i)
      i = n
    }
  }

  /** Entries on `port` (control plane: a scan). */
  countPort(port: P): number {
    let c = 0
    for (let i = this.oldest; i >= 0; i = this.newer[i]!) if (this.ports[i] === port) c++
    return c
  }

  /**
   * Forget hosts not heard from for `ttl` ns; returns when the next one will go stale (Infinity when
   * the table is empty), for the owner's one aging timer.
   */
  expire(now: number, ttl: number): number {
    let next = Number.POSITIVE_INFINITY
    for (let i = this.oldest; i >= 0; ) {
      const n = this.newer[i]!
      const due = this.seenAt[i]! + ttl
      if ((this.flagsOf[i]! & IFBAF_STATIC) === 0) {
        if (due <= now) this.remove(i)
        else if (due < next) next = due
      }
      i = n
    }
    return next
  }

  /** Occupied slots, oldest first (control plane). */
  slots(): number[] {
    const out: number[] = []
    for (let i = this.oldest; i >= 0; i = this.newer[i]!) out.push(i)
    return out
  }

  /** Double the storage (up to max), keeping slots and learning order. */
  private grow(): void {
    const cap = Math.max(this.cap + 1, Math.min(this.max, Math.max(16, this.cap * 2)))
    const copyU16 = (a: Uint16Array) => {
      const b = new Uint16Array(cap)
      b.set(a)
      return b
    }
    const copyF64 = (a: Float64Array) => {
      const b = new Float64Array(cap)
      b.set(a)
      return b
    }
    const copyI32 = (a: Int32Array) => {
      const b = new Int32Array(cap)
      b.set(a)
      return b
    }
    this.w0 = copyU16(this.w0)
    this.w1 = copyU16(this.w1)
    this.w2 = copyU16(this.w2)
    this.vl = copyU16(this.vl)
    this.bornAt = copyF64(this.bornAt)
    this.seenAt = copyF64(this.seenAt)
    const fl = new Uint8Array(cap)
    fl.set(this.flagsOf)
    this.flagsOf = fl
    this.older = copyI32(this.older)
    this.newer = copyI32(this.newer)
    this.chain = copyI32(this.chain)
    for (let i = this.cap; i < cap; i++) this.ports.push(null)
    // Rehash occupied slots into the larger bucket array; new slots join the free list.
    const nb = pow2AtLeast(cap)
    this.mask = nb - 1
    this.heads = new Int32Array(nb).fill(-1)
    for (let i = this.oldest; i >= 0; i = this.newer[i]!) {
      const h = this.hash(this.w0[i]!, this.w1[i]!, this.w2[i]!, this.vl[i]!)
      this.chain[i] = this.heads[h]!
      this.heads[h] = i
    }
    for (let i = cap - 1; i >= this.cap; i--) {
      this.chain[i] = this.free
      this.free = i
    }
    this.cap = cap
  }
}

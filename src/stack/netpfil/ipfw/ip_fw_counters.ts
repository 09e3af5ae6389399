/**
 * The static rules' counters (FreeBSD keeps them per CPU beside the rule, IPFW_INC_RULE_COUNTER):
 * packets, bytes and the last match time of every rule of one chain, in three Float64Arrays indexed
 * by the rule's counter slot (KRule.cs). A slot belongs to its rule for the rule's life, so
 * counters move with their rule when rules are added or deleted around it; a deleted rule's slot goes
 * back to a free list, and the rule object itself is pointed at slot 0, a sink nobody lists.
 *
 * Why typed arrays: a packet's counting is then three float adds into arrays the JIT knows, with no
 * field representation to change when a count outgrows a small integer (bytes do after 2 GiB, a
 * deoptimisation and a map migration mid-traffic), and exact to 2^53 (FreeBSD's are uint64).
 *
 * Control path: alloc, free, zero, grow; packet path: count only. Nothing here allocates per packet.
 */

/** Slot 0: where a rule no longer in the chain counts (a stale reference can never hit a live rule). */
export const SINK = 0

export class RuleCounters {
  /** Packets per slot. */
  pkts: Float64Array
  /** Bytes (IP lengths) per slot. */
  bytes: Float64Array
  /** Last match per slot, ns of the host clock (0 = never). */
  ts: Float64Array
  /** Free slots, a stack; slots below `used` not on it belong to rules. */
  private free: Int32Array
  private nFree = 0
  private used = 1

  constructor(capacity = 16) {
    this.pkts = new Float64Array(capacity)
    this.bytes = new Float64Array(capacity)
    this.ts = new Float64Array(capacity)
    this.free = new Int32Array(capacity)
  }

  /** Live slots (SINK excluded): as many as the chain has rules. */
  get live(): number {
    return this.used - 1 - this.nFree
  }

  /** A zeroed slot for a new rule. */
  alloc(): number {
    let k: number
    if (this.nFree > 0) k = this.free[--this.nFree]!
    else {
      if (this.used === this.pkts.length) this.grow()
      k = this.used++
    }
    this.pkts[k] = 0
    this.bytes[k] = 0
    this.ts[k] = 0
    return k
  }

  /** The slot of a deleted rule, for reuse. */
  release(k: number): void {
    if (k === SINK) return
    this.free[this.nFree++] = k
  }

  /** One packet of `len` bytes matched the rule at slot k at `now`. */
  count(k: number, len: number, now: number): void {
    this.pkts[k]!++
    this.bytes[k]! += len
    this.ts[k] = now
  }

  /** ipfw zero: the slot's counters and time back to 0. */
  zero(k: number): void {
    this.pkts[k] = 0
    this.bytes[k] = 0
    this.ts[k] = 0
  }

  private grow(): void {
    const n = this.pkts.length * 2
    const widen = (a: Float64Array): Float64Array => {
      const b = new Float64Array(n)
      b.set(a)
      return b
    }
    this.pkts = widen(this.pkts)
    this.bytes = widen(this.bytes)
    this.ts = widen(this.ts)
    const free = new Int32Array(n)
    free.set(this.free)
    this.free = free
  }
}

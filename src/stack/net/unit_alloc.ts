/**
 * Unit number allocation for interface cloners (FreeBSD's unr(9) as if_clone uses it): the lowest
 * free unit in 0..max, or a given one, and giving units back. Allocation costs O(log n) amortized,
 * never a scan from 0, so creating the 32,768th epair costs what the first did. Memory grows with the
 * units handed out, not with `max`. This module knows nothing of interfaces or names.
 */

export class UnitAlloc {
  readonly max: number
  /** Units below `next` are in use unless they are in `queued`; nothing at or above it is, but `above`. */
  private next = 0
  /** Units at or above `next` taken explicitly (allocSpecific); created on the first. */
  private above: Set<number> | null = null
  /**
   * Min-heap of units below `next` that were given back; an entry whose unit was since taken again
   * is stale and skipped. Created on the first give-back, so an allocator that only grows (every
   * vnet's lo) holds no collection at all.
   */
  private freed: number[] | null = null
  /** The free units below `next` (each in `freed` once). */
  private queued: Set<number> | null = null

  constructor(max: number) {
    this.max = max
  }

  /** Units in use. */
  get count(): number {
    return this.next - (this.queued?.size ?? 0) + (this.above?.size ?? 0)
  }

  has(unit: number): boolean {
    if (unit < this.next) return this.queued === null || !this.queued.has(unit)
    return this.above?.has(unit) === true
  }

  /** The lowest free unit, now in use; -1 when all of 0..max are taken. */
  allocAny(): number {
    while (this.freed !== null && this.freed.length > 0) {
      const u = this.popFreed(this.freed)
      if (this.queued!.delete(u)) return u
    }
    // Units skipped here were taken explicitly; `next` only grows, so the skips add up to at most max.
    while (this.next <= this.max && this.above !== null && this.above.delete(this.next)) this.next++
    if (this.next > this.max) return -1
    return this.next++
  }

  /** Take `unit`; false when it is in use. The caller has checked 0 <= unit <= max. */
  allocSpecific(unit: number): boolean {
    if (unit < this.next) return this.queued?.delete(unit) === true
    if (this.above?.has(unit)) return false
    // The next unit in order (every vnet's lo0): no set needed, as for allocAny.
    if (unit === this.next) {
      this.next++
      return true
    }
    ;(this.above ??= new Set()).add(unit)
    return true
  }

  /** Give `unit` back (a no-op when it is not in use). */
  free(unit: number): void {
    if (unit >= this.next) {
      this.above?.delete(unit)
      return
    }
    this.queued ??= new Set()
    if (this.queued.has(unit)) return
    this.queued.add(unit)
    this.pushFreed((this.freed ??= []), unit)
  }

  private pushFreed(h: number[], u: number): void {
    let i = h.length
    h.push(u)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (h[p]! <= u) break
      h[i] = h[p]!
      i = p
    }
    h[i] = u
  }

  private popFreed(h: number[]): number {
    const top = h[0]!
    const last = h.pop()!
    const n = h.length
    if (n > 0) {
      let i = 0
      for (;;) {
        let c = 2 * i + 1
        if (c >= n) break
        if (c + 1 < n && h[c + 1]! < h[c]!) c++
        if (h[c]! >= last) break
        h[i] = h[c]!
        i = c
      }
      h[i] = last
    }
    return top
  }
}

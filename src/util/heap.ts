/**
 * An indexed binary min-heap. Items remember their slot so they can be removed or re-keyed in
 * O(log n) without searching; the clock's timer wheel is built on it. Allocates only when it grows.
 */

export interface HeapItem {
  /** Position in the heap, or -1 when not in it. Owned by the heap. */
  heapIndex: number
}

export class IndexedHeap<T extends HeapItem> {
  private items: T[] = []
  private readonly less: (a: T, b: T) => boolean

  constructor(less: (a: T, b: T) => boolean) {
    this.less = less
  }

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  push(item: T): void {
    item.heapIndex = this.items.length
    this.items.push(item)
    this.up(item.heapIndex)
  }

  pop(): T | undefined {
    const items = this.items
    if (items.length === 0) return undefined
    const top = items[0]!
    this.removeAt(0)
    return top
  }

  remove(item: T): boolean {
    const i = item.heapIndex
    if (i < 0 || this.items[i] !== item) return false
    this.removeAt(i)
    return true
  }

  /** Call after the item's key changed. */
  update(item: T): void {
    this.up(item.heapIndex)
    this.down(item.heapIndex)
  }

  clear(): void {
    for (const it of this.items) it.heapIndex = -1
    this.items = []
  }

  private removeAt(i: number): void {
    const items = this.items
    const gone = items[i]!
    const last = items.pop()!
    gone.heapIndex = -1
    if (i < items.length) {
      items[i] = last
      last.heapIndex = i
      this.up(i)
      this.down(last.heapIndex)
    }
  }

  private up(i: number): void {
    const items = this.items
    const item = items[i]!
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = items[p]!
      if (!this.less(item, parent)) break
      items[i] = parent
      parent.heapIndex = i
      i = p
    }
    items[i] = item
    item.heapIndex = i
  }

  private down(i: number): void {
    const items = this.items
    const n = items.length
    const item = items[i]!
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      let c = l
      if (r < n && this.less(items[r]!, items[l]!)) c = r
      const child = items[c]!
      if (!this.less(child, item)) break
      items[i] = child
      child.heapIndex = i
      i = c
    }
    items[i] = item
    item.heapIndex = i
  }
}

/**
 * The IPv6 half of an addr table (the second radix head of FreeBSD's addr:radix algorithm): IPv6
 * prefixes with their values, looked up by longest-prefix match.
 *
 * Lookup allocates nothing and costs O(L log n) for L distinct prefix lengths (at most 129): the
 * prefixes of each length sit in one sorted array of 4-word keys, searched from the longest length
 * down. The arrays are rebuilt on the first lookup after a change, so loading many entries one
 * command at a time costs one rebuild. Control operations here never touch packets.
 */

/** One IPv6 entry: the address as four big-endian words (masked to len), its length and value. */
export interface Entry6 {
  addr6: number[]
  len: number
  value: number
}

/** The four mask words of a prefix length. */
function maskWord(len: number, w: number): number {
  const bits = len - 32 * w
  if (bits >= 32) return 0xffffffff
  if (bits <= 0) return 0
  return (0xffffffff << (32 - bits)) >>> 0
}

/** The words of addr masked to len (a new array: control path). */
export function masked6(addr6: readonly number[], len: number): number[] {
  return [0, 1, 2, 3].map((w) => ((addr6[w] ?? 0) & maskWord(len, w)) >>> 0)
}

const keyOf = (a: readonly number[], len: number) =>
  `${a.map((w) => w.toString(16).padStart(8, '0')).join('')}/${len}`

/** Compare two 4-word keys in arrays at word offsets. */
function cmp(a: Uint32Array, ao: number, b: Uint32Array, bo: number): number {
  for (let w = 0; w < 4; w++) {
    const x = a[ao + w]!
    const y = b[bo + w]!
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

export class Table6 {
  private entries = new Map<string, Entry6>()
  private stale = true
  /** Distinct lengths, longest first, with their sorted keys and the value index of each key. */
  private lens = new Int32Array(0)
  private keys: Uint32Array[] = []
  private idx: Int32Array[] = []
  private values = new Uint32Array(0)
  /** The looked-up address masked to the length being tried. */
  private readonly probe = new Uint32Array(4)

  get size(): number {
    return this.entries.size
  }

  has(addr6: readonly number[], len: number): boolean {
    return this.entries.has(keyOf(masked6(addr6, len), len))
  }

  get(addr6: readonly number[], len: number): number | undefined {
    return this.entries.get(keyOf(masked6(addr6, len), len))?.value
  }

  set(addr6: readonly number[], len: number, value: number): void {
    const a = masked6(addr6, len)
    this.entries.set(keyOf(a, len), { addr6: a, len, value: value >>> 0 })
    this.stale = true
  }

  delete(addr6: readonly number[], len: number): boolean {
    const gone = this.entries.delete(keyOf(masked6(addr6, len), len))
    if (gone) this.stale = true
    return gone
  }

  clear(): void {
    this.entries.clear()
    this.stale = true
  }

  /** Exchange contents with another (swap_tables). */
  swap(o: Table6): void {
    const e = this.entries
    this.entries = o.entries
    o.entries = e
    this.stale = true
    o.stale = true
  }

  /** The entries by address, then length (the radix walk order). Control plane: allocates. */
  list(): Entry6[] {
    const out = [...this.entries.values()].map((e) => ({ addr6: [...e.addr6], len: e.len, value: e.value }))
    out.sort((x, y) => {
      for (let w = 0; w < 4; w++) if (x.addr6[w] !== y.addr6[w]) return x.addr6[w]! - y.addr6[w]!
      return x.len - y.len
    })
    return out
  }

  /** Longest-prefix match of a[at..at+3]: an index for value(), or -1. */
  lookup(a: Uint32Array, at: number): number {
    if (this.stale) this.rebuild()
    const p = this.probe
    const lens = this.lens
    for (let l = 0; l < lens.length; l++) {
      const len = lens[l]!
      for (let w = 0; w < 4; w++) p[w] = (a[at + w]! & maskWord(len, w)) >>> 0
      const keys = this.keys[l]!
      let lo = 0
      let hi = keys.length / 4 - 1
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1
        const c = cmp(keys, mid * 4, p, 0)
        if (c === 0) return this.idx[l]![mid]!
        if (c < 0) lo = mid + 1
        else hi = mid - 1
      }
    }
    return -1
  }

  value(i: number): number {
    return this.values[i]!
  }

  private rebuild(): void {
    const list = this.list()
    this.values = new Uint32Array(list.length)
    const byLen = new Map<number, number[]>()
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!
      this.values[i] = e.value
      let g = byLen.get(e.len)
      if (g === undefined) {
        g = []
        byLen.set(e.len, g)
      }
      g.push(i)
    }
    const lens = [...byLen.keys()].sort((x, y) => y - x)
    this.lens = Int32Array.from(lens)
    this.keys = []
    this.idx = []
    for (const len of lens) {
      // list is sorted by address, so each length's keys come out sorted too.
      const g = byLen.get(len)!
      const k = new Uint32Array(g.length * 4)
      for (let j = 0; j < g.length; j++) k.set(list[g[j]!]!.addr6, j * 4)
      this.keys.push(k)
      this.idx.push(Int32Array.from(g))
    }
    this.stale = false
  }
}

/**
 * Aggregated static routes for generated labs. Each router of a generated lab owns one aligned block
 * of addresses (its index in an "index space" times the block size), holding every subnet it owns.
 * A router's routing decision is then a next hop per *range* of block indices — for a chain "all
 * indices below mine go left", for a tree "this child's subtree goes down to it, the rest to my
 * parent" — and this module turns such ranges into few prefixes: runs of equal next hop merged, each
 * cut into aligned CIDR blocks that may spill over unused indices (no address lives there), and the
 * next hop with the most prefixes replaced by one default route. Routes thus
 * stay O(log N) per router for chains, rings, grids and trees, whatever N is.
 */

/** Destinations [lo, hi] (block indices, inclusive) reached through next hop `hop` (-1 = self). */
export interface HopRange {
  lo: number
  hi: number
  hop: number
}

export interface AggRoute {
  /** First block index and the number of blocks (a power of two, aligned), or null for default. */
  block: { index: number; count: number } | null
  hop: number
}

/**
 * The fewest aligned power-of-two blocks covering [lo, hi] without leaving [min, max] (the indices
 * around the range that nothing else uses). Greedy is optimal here: aligned blocks nest, so the
 * largest allowed block holding the first uncovered index holds every other allowed one.
 */
export function coverRange(
  lo: number,
  hi: number,
  min: number,
  max: number,
): Array<{ index: number; count: number }> {
  const out: Array<{ index: number; count: number }> = []
  let i = lo
  while (i <= hi) {
    let size = 1
    for (;;) {
      const next = size * 2
      const start = Math.floor(i / next) * next
      if (start < min || start + next - 1 > max) break
      size = next
    }
    const start = Math.floor(i / size) * size
    out.push({ index: start, count: size })
    i = start + size
  }
  return out
}

/** Aligned power-of-two blocks exactly covering [lo, hi]. */
export function rangeToBlocks(lo: number, hi: number): Array<{ index: number; count: number }> {
  return coverRange(lo, hi, lo, hi)
}

/**
 * Routes for one router: `ranges` cover the destinations it must reach (its own block given as hop
 * -1, or left out), within an index space of `total` blocks (a power of two). Indices no range covers
 * are unused, so a route may spill over them when that saves prefixes.
 */
export function aggregate(ranges: readonly HopRange[], total: number): AggRoute[] {
  const rs = ranges.filter((r) => r.lo <= r.hi).sort((x, y) => x.lo - y.lo)
  // Neighbouring ranges with one next hop merge: only unused indices can lie between them.
  const runs: HopRange[] = []
  for (const r of rs) {
    const prev = runs[runs.length - 1]
    if (prev !== undefined && prev.hop === r.hop) prev.hi = r.hi
    else runs.push({ ...r })
  }
  const byHop = new Map<number, Array<{ index: number; count: number }>>()
  for (const [k, run] of runs.entries()) {
    if (run.hop < 0) continue
    const min = k === 0 ? 0 : runs[k - 1]!.hi + 1
    const max = k + 1 < runs.length ? runs[k + 1]!.lo - 1 : total - 1
    const list = byHop.get(run.hop) ?? []
    list.push(...coverRange(run.lo, run.hi, min, max))
    byHop.set(run.hop, list)
  }
  // The next hop that needs the most prefixes becomes the default route (first such, for stability).
  let def = -1
  let most = 0
  for (const [hop, list] of byHop)
    if (list.length > most) {
      most = list.length
      def = hop
    }
  const out: AggRoute[] = []
  for (const [hop, list] of byHop) {
    if (hop === def) continue
    for (const block of list) out.push({ block, hop })
  }
  out.sort((x, y) => x.block!.index - y.block!.index)
  if (def >= 0) out.push({ block: null, hop: def })
  return out
}

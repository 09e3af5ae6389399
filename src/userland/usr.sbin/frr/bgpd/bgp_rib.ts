/**
 * BGP's routing tables: each prefix's candidate paths (the Adj-RIBs-In after import, and the
 * locally originated ones), the best path chosen among them as FRR chooses it (bgp_path_info_cmp,
 * RFC 4271 §9.1.2), and the attributes a path carries out to a given peer (RFC 4271 §5.1,
 * §9.1.3: eBGP prepends our AS, sets next hop self, drops LOCAL_PREF and a foreign MED; iBGP keeps
 * them and never passes an iBGP-learned path to another iBGP peer).
 *
 * Must not: do I/O; the daemon feeds it and reads what changed.
 */

import { AS_SEQUENCE, type AsSegment, asPathLength, type PathAttrs } from '../../../../wire/routing/bgp.js'

export const LOCAL_PREF_DEFAULT = 100
/** FRR's weight for locally originated paths. */
export const WEIGHT_LOCAL = 32768

/** One candidate path for a prefix. */
export interface BgpPath {
  /** null for a locally originated path (network, redistribute). */
  peer: PathSource | null
  attrs: PathAttrs
  weight: number
  /** Host-clock time it arrived (for `show` ages and the FIB's). */
  since: number
  /** Whether its next hop resolves (directly connected or through the FIB). */
  valid: boolean
  /** The FIB gateway its next hop resolves to (0 for local paths). */
  gw: number
  /** For local paths: how it came (network / redistribute), which `show` prints as i or ?. */
  local?: 'network' | 'redistribute'
}

/** What best-path selection needs to know about the peer a path came from. */
export interface PathSource {
  addr: number
  remoteId: number
  remoteAs: number
  ibgp: boolean
}

export interface RibEntry {
  addr: number
  len: number
  paths: BgpPath[]
  best: BgpPath | null
}

export function prefixKey(addr: number, len: number): string {
  return `${addr >>> 0}/${len}`
}

/** The first AS of the path: the neighbouring AS for the MED comparison (RFC 4271 §9.1.2.2 c). */
function neighborAs(p: BgpPath): number {
  const s = p.attrs.asPath[0]
  return s !== undefined && s.type === AS_SEQUENCE ? s.asns[0]! : 0
}

/**
 * Negative when a is better than b. The steps FRR takes, in its order (those VirtNet has): weight,
 * LOCAL_PREF, locally originated, AS path length, ORIGIN, MED (same neighbouring AS only), eBGP
 * over iBGP, router id, peer address.
 */
export function comparePaths(a: BgpPath, b: BgpPath, defaultLocalPref = LOCAL_PREF_DEFAULT): number {
  if (a.weight !== b.weight) return b.weight - a.weight
  const la = a.attrs.localPref ?? defaultLocalPref
  const lb = b.attrs.localPref ?? defaultLocalPref
  if (la !== lb) return lb - la
  if ((a.peer === null) !== (b.peer === null)) return a.peer === null ? -1 : 1
  const pa = asPathLength(a.attrs.asPath)
  const pb = asPathLength(b.attrs.asPath)
  if (pa !== pb) return pa - pb
  if (a.attrs.origin !== b.attrs.origin) return a.attrs.origin - b.attrs.origin
  if (neighborAs(a) === neighborAs(b)) {
    const ma = a.attrs.med ?? 0
    const mb = b.attrs.med ?? 0
    if (ma !== mb) return ma - mb
  }
  if (a.peer !== null && b.peer !== null) {
    if (a.peer.ibgp !== b.peer.ibgp) return a.peer.ibgp ? 1 : -1
    if (a.peer.remoteId !== b.peer.remoteId) return (a.peer.remoteId >>> 0) - (b.peer.remoteId >>> 0)
    return (a.peer.addr >>> 0) - (b.peer.addr >>> 0)
  }
  return 0
}

/** Pick the best valid path; returns whether the choice changed. */
export function selectBest(e: RibEntry, defaultLocalPref = LOCAL_PREF_DEFAULT): boolean {
  let best: BgpPath | null = null
  for (const p of e.paths)
    if (p.valid && (best === null || comparePaths(p, best, defaultLocalPref) < 0)) best = p
  const changed = best !== e.best
  e.best = best
  return changed
}

/** Whether our AS appears in the path (RFC 4271 §9.1.2: such a route is not eligible). */
export function hasLoop(path: readonly AsSegment[], as: number): boolean {
  for (const s of path) if (s.asns.includes(as)) return true
  return false
}

/** The attributes a path goes out to a peer with, or null when it must not go to that peer. */
export function exportAttrs(
  p: BgpPath,
  to: { addr: number; ibgp: boolean; nextHopSelf: boolean; localAddr: number; localPref: number },
  ourAs: number,
): PathAttrs | null {
  if (p.peer !== null && p.peer.addr === to.addr) return null
  // §9.1.1 / RFC 4456's absence: an iBGP-learned path is not passed on to another iBGP peer.
  if (p.peer?.ibgp && to.ibgp) return null
  const a = p.attrs
  if (!to.ibgp) {
    const first = a.asPath[0]
    const asPath: AsSegment[] =
      first !== undefined && first.type === AS_SEQUENCE && first.asns.length < 255
        ? [{ type: AS_SEQUENCE, asns: [ourAs, ...first.asns] }, ...a.asPath.slice(1)]
        : [{ type: AS_SEQUENCE, asns: [ourAs] }, ...a.asPath]
    return {
      ...a,
      asPath,
      nextHop: to.localAddr,
      // MED is not passed on to another AS (§5.1.4); our own (redistributed metric) is.
      med: p.peer === null ? a.med : null,
      localPref: null,
    }
  }
  const self = p.peer === null || to.nextHopSelf || a.nextHop === 0
  return {
    ...a,
    nextHop: self ? to.localAddr : a.nextHop,
    localPref: a.localPref ?? to.localPref,
  }
}

/** A stable text for a set of attributes, to group prefixes into one UPDATE and spot changes. */
export function attrsKey(a: PathAttrs): string {
  const u = a.unknown
    .map(
      (x) => `${x.flags}:${x.type}:${Array.from(x.value, (b) => b.toString(16).padStart(2, '0')).join('')}`,
    )
    .join(',')
  const agg = a.aggregator === null ? '' : `${a.aggregator.as}@${a.aggregator.id}`
  const path = a.asPath.map((s) => `${s.type}:${s.asns.join('.')}`).join(' ')
  return `${a.origin}|${path}|${a.nextHop}|${a.med}|${a.localPref}|${a.atomicAggregate}|${agg}|${u}`
}

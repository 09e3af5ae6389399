/**
 * IMUNES links as ours: the two ends by peers and peers_ifaces (or the interface naming the link),
 * cross-canvas links through pseudo nodes rejoined by their mirror, and ng_pipe's impairments
 * (bandwidth, delay, BER, loss, duplicate, jitter lists) as the link's. Functions of the importer (imn.ts).
 *
 * Must not: fail on a bad link; it is warned about and skipped.
 */

import type { Path } from '../file/diagnostics.js'
import type { LinkFile } from '../file/schema.js'
import type { Importer } from './imn.js'
import { isObj, KINDS, lookup, type Obj, own, words } from './imn_types.js'

const IGNORED_LINK_KEYS: ReadonlySet<string> = new Set([
  'peers',
  'peers_ifaces',
  'bandwidth',
  'delay',
  'ber',
  'loss',
  'duplicate',
  'direct',
  'mirror',
  'color',
  'width',
  'jitter_upstream',
  'jitter_upstream_mode',
  'jitter_upstream_hold',
  'jitter_downstream',
  'jitter_downstream_mode',
  'jitter_downstream_hold',
])

interface End {
  node: string
  iface: string
  pseudo: boolean
  skip: boolean
}

// ---- links ----

export function importLinks(imp: Importer): LinkFile[] {
  const raw = own(imp.root, 'links')
  if (raw === undefined) return []
  if (!isObj(raw)) {
    imp.warn('', ['links'], 'links is not an object; no links loaded')
    return []
  }
  const out: LinkFile[] = []
  const done = new Set<string>()
  const usedBy = new Map<string, string>()
  for (const id of Object.keys(raw)) {
    if (done.has(id)) continue
    done.add(id)
    const l = raw[id]
    const at: Path = ['links', id]
    if (!isObj(l)) {
      imp.warn(id, at, 'is not an object; link skipped')
      continue
    }
    const ends = linkEnds(imp, id, l)
    if (!ends) continue
    // A cross-canvas link: this half ends at a pseudo node; its mirror half holds the other real end.
    for (const side of [0, 1] as const) {
      if (ends[side].pseudo === false) continue
      const mirrorId = typeof l.mirror === 'string' ? l.mirror : ''
      const m = own(raw, mirrorId)
      const mEnds = isObj(m) ? linkEnds(imp, mirrorId, m) : null
      const real = mEnds?.find((e) => !e.pseudo)
      if (!real || done.has(mirrorId)) {
        imp.warn(id, at, 'ends at a pseudo node without a usable mirror link; link skipped')
        ends[side] = { ...ends[side], skip: true }
        break
      }
      done.add(mirrorId)
      ends[side] = real
    }
    if (ends[0].skip || ends[1].skip) continue
    const keys = ends.map((e) => `${e.node}:${e.iface}`)
    const taken = keys.find((k) => usedBy.has(k))
    if (taken !== undefined || keys[0] === keys[1]) {
      const why =
        taken !== undefined
          ? `${taken} is already used by ${usedBy.get(taken)}`
          : 'both ends are one interface'
      imp.warn(id, at, `${why}; link skipped`)
      continue
    }
    for (const k of keys) usedBy.set(k, id)
    const link: LinkFile = { a: `${ends[0].node}:${ends[0].iface}`, b: `${ends[1].node}:${ends[1].iface}` }
    impairments(imp, id, at, l, link)
    out.push(link)
    imp.linkIds.push(id)
  }
  return out
}

/** The two ends of a link as our node:iface names; a skipped end is marked (and warned about). */
export function linkEnds(imp: Importer, id: string, l: Obj): End[] | null {
  const at: Path = ['links', id]
  const peers = words(l.peers)
  if (peers.length !== 2) {
    imp.warn(id, at, `peers ${JSON.stringify(l.peers ?? null)} does not name two nodes; link skipped`)
    return null
  }
  const ifcs = words(l.peers_ifaces)
  const ends: End[] = []
  for (const [k, nodeId] of peers.entries()) {
    const info = imp.info.get(nodeId!)
    if (!info) {
      imp.warn(id, at, `peer ${nodeId} is not a node of this lab; link skipped`)
      return null
    }
    if (info.type === 'pseudo') {
      ends.push({ node: info.name, iface: '', pseudo: true, skip: false })
      continue
    }
    if (!lookup(KINDS, info.type)) {
      imp.warn(
        id,
        at,
        `link to ${info.id} (${info.name}) dropped: ${info.type === '' ? 'its type is unknown' : `${info.type} is not supported`}`,
      )
      return null
    }
    // peers_ifaces, else the interface whose `link` names this link (older files).
    let ifc: string | undefined = ifcs[k]
    if (ifc === undefined) ifc = ifaceByLink(imp, nodeId!, id)
    const iface = ifc === undefined ? undefined : info.ifaces.get(ifc)
    if (iface === undefined) {
      imp.warn(
        id,
        at,
        `${info.id} (${info.name}) has no usable interface ${ifc ?? 'for this link'}; link skipped`,
      )
      return null
    }
    ends.push({ node: info.name, iface, pseudo: false, skip: false })
  }
  return ends
}

export function ifaceByLink(imp: Importer, nodeId: string, linkId: string): string | undefined {
  const raw = own(imp.root.nodes as Obj, nodeId)
  const ifaces = isObj(raw) ? raw.ifaces : undefined
  if (!isObj(ifaces)) return undefined
  return Object.keys(ifaces).find((k) => isObj(ifaces[k]) && (ifaces[k] as Obj).link === linkId)
}

export function impairments(imp: Importer, id: string, at: Path, l: Obj, link: LinkFile): void {
  const unknown = Object.keys(l).filter((k) => !IGNORED_LINK_KEYS.has(k))
  for (const k of unknown)
    imp.warn(id, at, k === 'events' ? 'events are not supported yet; ignored' : `unknown key '${k}' ignored`)
  // Values outside what the link's pipe can do (netgraph/pipe_cfg.ts) are dropped with a warning.
  const num = (key: string, ok: (n: number) => boolean, range: string): number | null => {
    const v = l[key]
    if (v === undefined || v === '') return null
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : Number.NaN
    if (!Number.isFinite(n) || n < 0 || !(n === 0 || ok(n))) {
      imp.warn(id, at, `${key} ${JSON.stringify(v)} is not a number in ${range}; ignored`)
      return null
    }
    return n
  }
  const MAX_DELAY = 9_999_999 // µs: below 10 s
  const direct = l.direct === true || l.direct === 'true' || l.direct === '1' || l.direct === 1
  const bandwidth = num('bandwidth', (n) => n >= 100 && n <= 1e12, '100..1e12 bit/s')
  const delay = num('delay', (n) => n <= MAX_DELAY, '0..9999999 µs')
  // IMUNES (ng_pipe) BER is "one bit error in N bits": probability 1/N.
  const ber = num('ber', (n) => n >= 1 && n <= 1e12, '1..1e12')
  const loss = num('loss', (n) => n <= 100, '0..100 %')
  const dup = num('duplicate', (n) => n <= 100, '0..100 %')
  const impair: NonNullable<LinkFile['impair']> = {}
  if (bandwidth) impair.bandwidth = bandwidth
  if (delay) impair.delay = delay
  if (ber) impair.ber = 1 / ber
  // Percent in IMUNES; as probabilities, any number survives (a '1e-7%' string would not parse).
  if (loss) impair.loss = loss / 100
  if (dup) impair.duplicate = dup / 100
  // ng_pipe: upper hook (first peer) -> lower is downstream; the reverse is upstream.
  for (const [dir, key] of [
    ['ab', 'jitter_downstream'],
    ['ba', 'jitter_upstream'],
  ] as const) {
    const values = words(l[key]).map(Number)
    if (values.length === 0) continue
    const lo = Math.min(...values)
    const hi = Math.max(...values)
    const mid = (delay ?? 0) + (lo + hi) / 2
    if (!values.every((v) => Number.isFinite(v) && v >= 0) || mid + (hi - lo) / 2 > MAX_DELAY) {
      imp.warn(id, at, `${key} ${JSON.stringify(l[key])} is not a list of µs values below 10 s; ignored`)
      continue
    }
    impair[dir] = { delay: mid, jitter: (hi - lo) / 2 }
    imp.warn(id, at, `${key} (a list of delays) is approximated as uniform jitter from ${lo} to ${hi} µs`)
  }
  if (direct) {
    link.direct = true
    if (Object.keys(impair).length > 0)
      imp.warn(id, at, 'a direct link has no shaping element; its impairments are ignored')
  } else if (Object.keys(impair).length > 0) link.impair = impair
}

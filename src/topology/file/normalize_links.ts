/**
 * The links half of normalize.ts: endpoints that name existing nodes and interfaces (a bare `node`
 * endpoint gets its next free interface), each interface on one link, and impairments merged
 * (defaults < link < link.ab/ba), checked and converted to fixed units.
 *
 * Must not: change the nodes beyond adding the interfaces the links name.
 */

import { type Endpoint, type Impairment, noImpairment, type TopoLink, type TopoNode } from '../model.js'
import { type Diagnostics, type Path, show, suggest } from './diagnostics.js'
import type { ImpairFile, LinkImpairFile, TopologyFile } from './schema.js'
import { parseBandwidth, parseDuration, parseProbability } from './units.js'

/** Interfaces whose name a link may never take: every node has its loopback. */
export const LOOPBACK = /^lo[0-9]*$/

// ---- links ----

export function resolveLinks(
  file: TopologyFile,
  nodes: Map<string, TopoNode>,
  origin: Map<string, Path>,
  diags: Diagnostics,
): TopoLink[] {
  const fileLinks = file.links ?? []
  type End = { node: TopoNode; iface: string | null } | null
  const ends: [End, End][] = []
  // Pass 1: nodes exist, explicit interfaces are used once. Explicit names are reserved before any
  // bare endpoint picks an interface, so a later `r1:eth0` never loses eth0 to an earlier bare `r1`.
  const usedBy = new Map<string, number>()
  for (const [i, l] of fileLinks.entries()) {
    const pair: End[] = []
    for (const side of ['a', 'b'] as const) {
      const text = l[side]
      const colon = text.indexOf(':')
      const nodeName = colon < 0 ? text : text.slice(0, colon)
      const iface = colon < 0 ? null : text.slice(colon + 1)
      const node = nodes.get(nodeName)
      if (!node) {
        const hint = suggest(nodeName, nodes.keys())
        diags.error(
          ['links', i, side],
          `unknown node '${nodeName}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
        )
        pair.push(null)
        continue
      }
      if (iface !== null) {
        if (LOOPBACK.test(iface)) {
          diags.error(['links', i, side], `'${iface}' is the loopback interface and cannot be linked`)
          pair.push(null)
          continue
        }
        const key = `${nodeName}:${iface}`
        const prev = usedBy.get(key)
        if (prev !== undefined) {
          diags.error(['links', i, side], `${key} is already used by links[${prev}]`)
          pair.push(null)
          continue
        }
        usedBy.set(key, i)
      }
      pair.push({ node, iface })
    }
    ends.push([pair[0]!, pair[1]!])
  }
  // Pass 2, in link order: create interfaces named by links, give bare endpoints the node's next free
  // interface (declared ones first, then eth0, eth1, ... by the smallest free number).
  const links: TopoLink[] = []
  const defaults = file.defaults?.impair
  checkImpair(diags, ['defaults', 'impair'], defaults)
  // Per node, so that a switch with thousands of ports resolves in linear time: its interface names,
  // the first listed interface that may be free and the lowest ethN that may be free. Both only move
  // forward, since an interface once used stays used.
  const names = new Map<TopoNode, Set<string>>()
  const namesOf = (n: TopoNode): Set<string> => {
    let set = names.get(n)
    if (set === undefined) names.set(n, (set = new Set(n.interfaces.map((x) => x.name))))
    return set
  }
  const listedCursor = new Map<TopoNode, number>()
  const ethCursor = new Map<TopoNode, number>()
  for (const [i, l] of fileLinks.entries()) {
    const [ea, eb] = ends[i]!
    const resolved: Endpoint[] = []
    for (const [side, e] of [
      ['a', ea],
      ['b', eb],
    ] as const) {
      if (!e) continue
      let name = e.iface
      const ifNames = namesOf(e.node)
      if (name === null) {
        const ifs = e.node.interfaces
        let c = listedCursor.get(e.node) ?? 0
        // A vlan interface has no cable of its own: links take the next ordinary interface.
        while (c < ifs.length && (usedBy.has(`${e.node.name}:${ifs[c]!.name}`) || ifs[c]!.vlan?.dev)) c++
        listedCursor.set(e.node, c)
        if (c < ifs.length) name = ifs[c]!.name
        else {
          let k = ethCursor.get(e.node) ?? 0
          while (ifNames.has(`eth${k}`) || usedBy.has(`${e.node.name}:eth${k}`)) k++
          ethCursor.set(e.node, k)
          name = `eth${k}`
        }
        usedBy.set(`${e.node.name}:${name}`, i)
      }
      if (!ifNames.has(name)) {
        e.node.interfaces.push({ name, addresses: [], ipv6: [], mac: null, mtu: null })
        ifNames.add(name)
        origin.set(`${e.node.name}:${name}`, ['links', i, side])
      }
      resolved.push({ node: e.node.name, iface: name })
    }
    if (resolved.length !== 2) continue
    const [a, b] = resolved as [Endpoint, Endpoint]
    if (a.node === b.node && a.iface === b.iface) {
      diags.error(['links', i], `both ends are ${a.node}:${a.iface}`)
      continue
    }
    const direct = l.direct ?? false
    checkImpair(diags, ['links', i, 'impair'], l.impair)
    if (direct && l.impair !== undefined)
      diags.error(['links', i, 'impair'], 'a direct link has no impairments')
    const path: Path = ['links', i, 'impair']
    links.push({
      a,
      b,
      up: l.up ?? true,
      direct,
      ab: direct ? noImpairment() : impairment(diags, path, defaults, defaults?.ab, l.impair, l.impair?.ab),
      ba: direct ? noImpairment() : impairment(diags, path, defaults, defaults?.ba, l.impair, l.impair?.ba),
    })
  }
  return links
}

/**
 * Checks one written `impair` object and its `ab`/`ba` once, however many directions use it: value
 * ranges the link's pipe (netgraph/pipe_cfg.ts, after ng_pipe) can represent, so a lab that loads
 * also starts.
 */
function checkImpair(diags: Diagnostics, path: Path, impair: LinkImpairFile | undefined): void {
  if (!impair) return
  for (const [p, layer] of [
    [path, impair],
    [[...path, 'ab'], impair.ab],
    [[...path, 'ba'], impair.ba],
  ] as const) {
    if (!layer) continue
    if (layer.loss !== undefined && layer.gilbert !== undefined)
      diags.warn(p, 'loss and gilbert are both given; gilbert replaces loss')
    const bw = layer.bandwidth === undefined ? null : parseBandwidth(layer.bandwidth)
    if (bw !== null && bw !== 0 && (bw < 100 || bw > 1e12))
      diags.error(
        [...p, 'bandwidth'],
        `${show(layer.bandwidth)} is outside 100 bit/s .. 1 Tbit/s (0 = unlimited)`,
      )
    for (const field of ['delay', 'jitter'] as const) {
      const v = layer[field]
      const ns = v === undefined ? null : parseDuration(v)
      if (ns !== null && ns >= 10e9) diags.error([...p, field], `${show(v)} is not below 10 s`)
    }
    if (layer.ber !== undefined && layer.ber > 0 && layer.ber < 1e-12)
      diags.error([...p, 'ber'], `${layer.ber} is below the smallest bit error rate, 1e-12`)
  }
}

/** Merges impairment layers, later ones winning field by field, and converts to model units. */
function impairment(
  diags: Diagnostics,
  path: Path,
  ...layers: (ImpairFile | LinkImpairFile | undefined)[]
): Impairment {
  const out = noImpairment()
  for (const layer of layers) {
    if (!layer) continue
    const num = <T>(v: T | null, field: string): T | undefined => {
      if (v === null) diags.error([...path, field], 'is not a valid value')
      return v ?? undefined
    }
    if (layer.bandwidth !== undefined) out.bandwidth = num(parseBandwidth(layer.bandwidth), 'bandwidth') ?? 0
    if (layer.delay !== undefined) out.delayNs = num(parseDuration(layer.delay), 'delay') ?? 0
    if (layer.jitter !== undefined) out.jitterNs = num(parseDuration(layer.jitter), 'jitter') ?? 0
    if (layer.jitterDist !== undefined) out.jitterDist = layer.jitterDist
    if (layer.loss !== undefined) out.loss = num(parseProbability(layer.loss), 'loss') ?? 0
    if (layer.gilbert !== undefined) {
      const g = layer.gilbert
      out.gilbert = {
        p: num(parseProbability(g.p), 'gilbert') ?? 0,
        r: num(parseProbability(g.r), 'gilbert') ?? 0,
        h: g.h === undefined ? 0 : (num(parseProbability(g.h), 'gilbert') ?? 0),
        k: g.k === undefined ? 1 : (num(parseProbability(g.k), 'gilbert') ?? 1),
      }
    }
    if (layer.ber !== undefined) out.ber = layer.ber
    if (layer.duplicate !== undefined)
      out.duplicate = num(parseProbability(layer.duplicate), 'duplicate') ?? 0
    if (layer.reorder !== undefined) out.reorder = num(parseProbability(layer.reorder), 'reorder') ?? 0
    if (layer.queue !== undefined) out.queue = layer.queue
    if (layer.queueBytes !== undefined) out.queueBytes = layer.queueBytes
    if (layer.discipline !== undefined) out.discipline = layer.discipline
    if (layer.drop !== undefined) out.drop = layer.drop
  }
  return out
}

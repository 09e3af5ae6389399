/**
 * The netgraph node types every host knows, and netgraph's per-vnet state module. Adding a node type
 * is one line here plus its file.
 */

import type { Ifnet } from '../stack/net/ifnet.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../stack/net/vnet.js'
import { BridgeNode } from './bridge.js'
import { EifaceNode } from './eiface.js'
import { EtherNode } from './ether.js'
import { NgGraph, type NgTypeCtor, type NgTypeRegistry } from './graph.js'
import { HubNode } from './hub.js'
import { One2ManyNode } from './one2many.js'
import { PipeNode } from './pipe.js'
import { SocketNode } from './socket.js'
import { TeeNode } from './tee.js'
import { VlanNode } from './vlan.js'

const CREATABLE: ReadonlyMap<string, NgTypeCtor> = new Map<string, NgTypeCtor>([
  ['bridge', (g) => new BridgeNode(g)],
  ['eiface', (g) => new EifaceNode(g)],
  ['hub', (g) => new HubNode(g)],
  ['pipe', (g) => new PipeNode(g)],
  ['one2many', (g) => new One2ManyNode(g)],
  ['socket', (g) => new SocketNode(g)],
  ['tee', (g) => new TeeNode(g)],
  ['vlan', (g) => new VlanNode(g)],
])

/** Types that exist but cannot be made with mkpeer (ng_ether nodes come with their interfaces). */
const LISTED_ONLY: readonly string[] = ['ether']

export const NG_TYPES: NgTypeRegistry = {
  get: (t) => CREATABLE.get(t),
  names: () => [...CREATABLE.keys(), ...LISTED_ONLY].sort(),
}

/** The ng_ether node of ifp in g, made on first use; `byIfp` is the vnet's index of them. */
function etherNodeFor(g: NgGraph, byIfp: Map<Ifnet, EtherNode>, ifp: Ifnet): EtherNode {
  const n = byIfp.get(ifp)
  if (n !== undefined && !n.dead) return n
  const node = new EtherNode(g, ifp)
  g.attach(node)
  byIfp.set(ifp, node)
  return node
}

export const netgraphModule: VnetModule<NgGraph> = {
  name: 'netgraph',
  slot: Slot.NETGRAPH,
  create: (v) => {
    const g = new NgGraph(v, NG_TYPES)
    // Each interface's ng_ether node, so finding one is a probe, not a walk over every node.
    const byIfp = new Map<Ifnet, EtherNode>()
    // ng_ether nodes appear on demand for Ethernet interfaces of this vnet, under their names.
    g.findImplicit = (name) => {
      const ifp = v.ifByName(name)
      return ifp !== undefined && ifp.type === 'ether' ? etherNodeFor(g, byIfp, ifp) : undefined
    }
    g.listImplicit = () => {
      // Nodes of interfaces that left this vnet go; every Ethernet interface here has one. Linear:
      // one pass over the index and one over the interfaces (this was a scan per node, 27 s at 40k).
      for (const [ifp, n] of [...byIfp]) {
        if (n.dead) byIfp.delete(ifp)
        else if (!v.hasIf(ifp)) {
          g.shutdown(n)
          byIfp.delete(ifp)
        }
      }
      for (const ifp of v.ifnets) if (ifp.type === 'ether') etherNodeFor(g, byIfp, ifp)
    }
    return g
  },
  destroy: (g) => g.destroy(),
  sysctls: [],
}

export function netgraph(v: Vnet): NgGraph {
  return vstate(v, netgraphModule)
}

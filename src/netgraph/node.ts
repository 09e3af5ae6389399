/**
 * Netgraph nodes and hooks (sys/netgraph/netgraph.h): a node has a type, an optional name, a per-vnet
 * ID and named hooks; each hook may be joined to exactly one hook of another node. Data sent on a
 * hook reaches the peer node's rcvdata through the host's run-queue, so long chains and loops never
 * recurse. Control messages arrive as (command, ASCII value). Node types subclass NgNode; see hub.ts
 * for a complete type in a page.
 */

import type { Mbuf } from '../buf/mbuf.js'
import type { BpfIf } from '../stack/net/bpf/bpf.js'
import type { NetisrTarget } from '../stack/net/netisr.js'
import { SysError } from '../util/errno.js'
import type { NgValue } from './ascii.js'
import type { NgGraph } from './graph.js'

/** NG_HOOKSIZ / NG_NODESIZ: longest hook or node name (31 characters). */
export const NG_NAMELEN = 31

export class NgHook implements NetisrTarget {
  readonly name: string
  readonly node: NgNode
  peer: NgHook | null = null
  /** Per-hook data of the node type (a bridge link's counters, a pipe direction). */
  priv: unknown = null
  /** Capture point for frames arriving through this hook (created by the first tap). */
  bpf: BpfIf | null = null

  constructor(node: NgNode, name: string) {
    this.node = node
    this.name = name
  }

  netisrInput(m: Mbuf): void {
    if (this.peer === null || this.node.dead) {
      this.node.graph.pool.put(m)
      return
    }
    const b = this.bpf
    if (b !== null && b.n !== 0) b.mtap(m, false)
    this.node.rcvdata(this, m)
  }

  netisrDrop(): void {
    this.node.queueDrops++
  }
}

export abstract class NgNode {
  abstract readonly type: string
  readonly graph: NgGraph
  readonly id: number
  name = ''
  readonly hooks = new Map<string, NgHook>()
  dead = false
  /** Persistent nodes stay when their last hook goes (ng_eiface, ng_ether, a persistent bridge). */
  persistent = false
  /** Frames lost because the run-queue was full when sending to this node. */
  queueDrops = 0

  constructor(graph: NgGraph) {
    this.graph = graph
    this.id = graph.allocId()
  }

  /** Accept or refuse a new hook name (ng_newhook); throw SysError(EINVAL) to refuse. */
  newHook(_name: string): void {}

  /** A frame arrived on hook. Takes ownership; must not throw. */
  abstract rcvdata(hook: NgHook, m: Mbuf): void

  /** A type-specific control message. Return the response value, if any. */
  rcvmsg(cmd: string, _arg: NgValue | undefined): NgValue | undefined {
    throw new SysError('EINVAL', 'ngctl', `${this.type}: unknown message '${cmd}'`)
  }

  /**
   * NGM_FLOW_COOKIE's NGM_LINK_IS_UP / NGM_LINK_IS_DOWN: a neighbour (or a program, with NgSendMsg)
   * says the link behind a hook came up or went down. Types that track no link refuse it (EINVAL).
   */
  linkState(_up: boolean): void {
    throw new SysError('EINVAL', 'ngctl', `${this.type}: unknown message`)
  }

  /** The commands rcvmsg understands, for `ngctl help`-style listings and fuzzing. */
  messages(): readonly string[] {
    return []
  }

  /**
   * FreeBSD's number for a command (the `(N)` ngctl prints with a response): its position in
   * messages(), counted from 1 as most types' enums are; types numbering from 0 override this.
   */
  cmdNumber(cmd: string): number {
    return this.messages().indexOf(cmd) + 1
  }

  /** A hook was just connected (both ends exist). */
  hookConnected(_hook: NgHook): void {}

  /** A hook was removed (its peer link is already cut). */
  hookRemoved(_hook: NgHook): void {}

  /** The node is about to shut down; its hooks are still connected (ng_close: ng_tee's bypass). */
  onClose(): void {}

  /** Release everything the node holds (interfaces, timers, queued frames). */
  onShutdown(): void {}

  /**
   * The node outlived what it stands for (an ng_ether node whose interface left the vnet); lookups
   * shut it down instead of returning it, so nothing reaches through it into another vnet.
   */
  orphaned(): boolean {
    return false
  }

  /** Send a frame out of hook to its peer node; frees it when the hook is not connected. */
  send(hook: NgHook, m: Mbuf): void {
    const peer = hook.peer
    if (peer === null) this.graph.pool.put(m)
    else this.graph.vnet.env.netisr.enqueue(peer, m)
  }
}

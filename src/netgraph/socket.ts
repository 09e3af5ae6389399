/**
 * ng_socket(4), control side only: the node `ngctl` talks through (`.` in paths). It lives as long as
 * the program's socket; when closed, its hooks go, and peers that are not persistent shut down with
 * them, as on FreeBSD. Data arriving at it is discarded (ngctl's data mode is not supported).
 */

import type { Mbuf } from '../buf/mbuf.js'
import type { NgGraph } from './graph.js'
import { type NgHook, NgNode } from './node.js'

export class SocketNode extends NgNode {
  readonly type = 'socket'

  constructor(graph: NgGraph) {
    super(graph)
    // It lives as long as its socket is open, hooks or not; close() shuts it down.
    this.persistent = true
  }

  rcvdata(_hook: NgHook, m: Mbuf): void {
    this.graph.pool.put(m)
  }
}

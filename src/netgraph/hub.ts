/**
 * ng_hub(4): every frame received on one hook goes out on all the others. Any hook name is
 * accepted. The whole node type in one page, as FreeBSD's sys/netgraph/ng_hub.c.
 */

import type { Mbuf } from '../buf/mbuf.js'
import type { NgValue } from './ascii.js'
import { noArg } from './msgargs.js'
import { type NgHook, NgNode } from './node.js'

export class HubNode extends NgNode {
  readonly type = 'hub'

  rcvdata(hook: NgHook, m: Mbuf): void {
    let last: NgHook | null = null
    for (const h of this.hooks.values()) {
      if (h === hook || h.peer === null) continue
      // Copies for all but the last receiver, which gets the original.
      if (last !== null) this.send(last, this.graph.pool.dup(m))
      last = h
    }
    if (last === null) this.graph.pool.put(m)
    else this.send(last, m)
  }

  override rcvmsg(cmd: string, arg: NgValue | undefined): NgValue | undefined {
    if (cmd === 'setpersistent') {
      noArg(cmd, arg)
      this.persistent = true
      return undefined
    }
    return super.rcvmsg(cmd, arg)
  }

  override messages(): readonly string[] {
    return ['setpersistent']
  }
}

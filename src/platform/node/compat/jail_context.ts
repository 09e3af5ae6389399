/**
 * What the Node-compatible socket modules of one jail stand on: the jail's syscalls (root in the
 * node's jail), the lab's clock, liveness count and timers, and host-name lookup. Lookup knows IPv4
 * literals, `localhost` and the lab's node names (each names its first address, as an IMUNES lab's
 * /etc/hosts does); there is no DNS inside a lab yet.
 *
 * It holds no state of its own beyond what it is given.
 */

import type { Syscalls } from '../../../host/syscalls.js'
import type { Clock } from '../../../util/clock.js'
import { formatIpv4, parseIpv4 } from '../../../wire/addr.js'
import type { Liveness } from './liveness.js'
import { notFound } from './node_errors.js'
import type { LabTimers } from './vtimers.js'

export interface JailContext {
  readonly sys: Syscalls
  readonly clock: Clock
  readonly live: Liveness
  readonly timers: LabTimers
  /** A host name's IPv4 address (the lab's names, `localhost`, literals), or null. */
  hostAddress(name: string): number | null
  /**
   * Register how to drop a socket without events when the lab closes (its stack is going away);
   * returns the function that unregisters it.
   */
  track(close: () => void): () => void
}

/** Node's LookupFunction shape: `(hostname, options, callback(err, address, family))`. */
export type LookupFunction = (
  hostname: string,
  options: { family?: number | string; all?: boolean },
  callback: (err: Error | null, address: string, family: number) => void,
) => void

/**
 * dns.lookup for one jail: asynchronous like Node's (the callback runs on the next tick, so an
 * error is emitted after the caller has attached its listeners), `ENOTFOUND` for an unknown name.
 */
export function jailLookup(ctx: JailContext): LookupFunction {
  return (hostname, options, callback) => {
    const addr = ctx.hostAddress(hostname)
    if (addr === null) process.nextTick(callback, notFound(hostname), '', 4)
    else if (options.all === true)
      process.nextTick(callback as unknown as (e: null, a: unknown[]) => void, null, [
        { address: formatIpv4(addr), family: 4 },
      ])
    else process.nextTick(callback, null, formatIpv4(addr), 4)
  }
}

/** An IPv4 literal's value, or null. */
export function ipv4Literal(text: string): number | null {
  return parseIpv4(text)
}

/** The interface index of `name` in the jail (for `%zone` in IPv6 literals), or null. */
export function jailIfIndex(ctx: JailContext): (name: string) => number | null {
  return (name) => {
    try {
      return ctx.sys.ifGet(name).index
    } catch {
      return null
    }
  }
}

/**
 * zebra's part for an IPv6 routing daemon (ripngd): the routes it has installed in its vnet's inet6
 * FIB, through the routing socket calls with FreeBSD's flags for a routing daemon's routes (RTF_PROTO1
 * without RTF_STATIC: `UG1` in `netstat -rn -f inet6`). Link-local next hops carry their interface as
 * the zone (`fe80::1%em0`). A route of a daemon already there (left by an earlier run) is taken over;
 * anyone else's (static, kernel, connected) wins.
 *
 * Must not: touch a route it did not install or take over, or throw for a route the kernel refuses.
 */

import type { Syscalls } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import { in6Eq } from '../../../wire/inet6/in6_addr.js'

const RTF_STATIC = 0x800
const RTF_PROTO1 = 0x8000

export interface Fib6Route {
  dst: Uint8Array
  len: number
  gw: Uint8Array
  /** The gateway's zone: the interface index of a link-local next hop. */
  scopeId: number
}

export class ZebraFib6 {
  private readonly sys: Syscalls
  /** Installed routes by `key` (the caller's), with the host-clock time they went in. */
  readonly installed = new Map<string, Fib6Route & { since: number }>()

  constructor(sys: Syscalls) {
    this.sys = sys
  }

  /** Install (or move) the route known as `k`; false when the kernel keeps someone else's. */
  add(k: string, w: Fib6Route): boolean {
    const old = this.installed.get(k)
    if (old !== undefined) {
      if (in6Eq(old.gw, 0, w.gw, 0) && old.scopeId === w.scopeId) return true
      this.remove(k)
    }
    const inet6 = this.sys.inet6
    const spec = {
      dst: w.dst,
      prefixLen: w.len,
      gateway: w.gw,
      scopeId: w.scopeId,
      proto1: true,
      nostatic: true,
    }
    try {
      inet6.routeAdd(spec)
    } catch (e) {
      if (!isSysError(e)) throw e
      if (e.code !== 'EEXIST') return false
      const there = inet6.routeList().find((x) => x.prefixLen === w.len && in6Eq(x.dst, 0, w.dst, 0))
      if (there === undefined || (there.flags & (RTF_PROTO1 | RTF_STATIC)) !== RTF_PROTO1) return false
      try {
        inet6.routeDelete(w.dst, w.len)
        inet6.routeAdd(spec)
      } catch {
        return false
      }
    }
    this.installed.set(k, { ...w, since: this.sys.now() })
    return true
  }

  /** False when the jail itself is gone (every other call would fail the same way). */
  remove(k: string): boolean {
    const r = this.installed.get(k)
    if (r === undefined) return true
    this.installed.delete(k)
    try {
      this.sys.inet6.routeDelete(r.dst, r.len)
    } catch (e) {
      // Gone already (an administrator's route delete), or the jail with its vnet going away.
      if (isSysError(e) && e.code === 'ESRCH' && e.op === 'jail') return false
    }
    return true
  }

  /**
   * On exit: every route this daemon installed leaves the FIB. A daemon killed by its jail's removal
   * stops at the first refusal: its table goes with the vnet (as zebra_fib.ts's flush does, rather
   * than an error made and thrown away per route).
   */
  flush(): void {
    for (const k of [...this.installed.keys()])
      if (!this.remove(k)) {
        this.installed.clear()
        return
      }
  }
}

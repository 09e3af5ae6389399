/**
 * zebra's part for a routing daemon: the routes it has installed in its vnet's FIB, added, changed
 * and removed through the routing socket calls with FreeBSD's flags for routes a routing daemon owns
 * (RTF_PROTO1 without RTF_STATIC: `UG1` in `netstat -rn`). A route of the same daemon kind already
 * there (left by an earlier run) is taken over; anyone else's route (static, kernel) wins.
 *
 * Must not: touch a route it did not install or take over, or throw for a route the kernel refuses.
 */

import type { Syscalls } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'

const RTF_STATIC = 0x800
const RTF_PROTO1 = 0x8000

export interface FibRoute {
  dst: number
  len: number
  gw: number
}

/** K: how the daemon keys its routes (`dst/len` strings by default; ospfd's numbers, ospf_spf.ts routeKey). */
export class ZebraFib<K = string> {
  private readonly sys: Syscalls
  /** Installed routes by `dst/len`, with the host-clock time they went in. */
  readonly installed = new Map<K, FibRoute & { since: number; pass: number }>()
  /** The pass of begin()/want()/end() under way: entries not wanted in it go at end(). */
  private pass = 0

  constructor(sys: Syscalls) {
    this.sys = sys
  }

  /** Make the FIB hold exactly `want` (by `dst/len`) among the routes this daemon owns. */
  sync(want: ReadonlyMap<K, FibRoute>): void {
    // Deleting the entry being visited is safe in a Map's iteration.
    for (const k of this.installed.keys()) if (!want.has(k)) this.remove(k)
    for (const [k, w] of want) {
      const r = this.installed.get(k)
      if (r !== undefined && r.gw === w.gw) continue
      this.add(k, w, r !== undefined)
    }
  }

  /**
   * sync() without building the wanted table: begin(), want() each route, end() removes the rest.
   * For a daemon that recomputes its whole table often (ospfd after each SPF run), where most
   * routes are the same each time.
   */
  begin(): void {
    this.pass++
  }

  want(k: K, dst: number, len: number, gw: number): void {
    const r = this.installed.get(k)
    if (r !== undefined && r.gw === gw) {
      r.pass = this.pass
      return
    }
    this.add(k, { dst, len, gw }, r !== undefined)
  }

  end(): void {
    this.installed.forEach((r, k) => {
      if (r.pass !== this.pass) this.remove(k)
    })
  }

  private add(k: K, w: FibRoute, change: boolean): void {
    const spec = { dst: w.dst, prefixLen: w.len, gateway: w.gw, proto1: true, nostatic: true }
    try {
      if (change) this.sys.routeChange(spec)
      else this.sys.routeAdd(spec)
    } catch (e) {
      if (!isSysError(e)) throw e
      const old = this.sys.routeList().find((x) => x.dst === w.dst && x.prefixLen === w.len)
      if (
        e.code !== 'EEXIST' ||
        old === undefined ||
        (old.flags & (RTF_PROTO1 | RTF_STATIC)) !== RTF_PROTO1
      ) {
        if (change) this.installed.delete(k)
        return
      }
      try {
        this.sys.routeChange(spec)
      } catch {
        return
      }
    }
    this.installed.set(k, { dst: w.dst, len: w.len, gw: w.gw, since: this.sys.now(), pass: this.pass })
  }

  /** False when the jail itself is gone (every other call would fail the same way). */
  private remove(k: K): boolean {
    const r = this.installed.get(k)
    if (r === undefined) return true
    this.installed.delete(k)
    try {
      this.sys.routeDelete(r.dst, r.len, r.gw)
    } catch (e) {
      // Gone already (an administrator's route delete), or the jail with its vnet going away.
      if (isSysError(e) && e.code === 'ESRCH' && e.op === 'jail') return false
    }
    return true
  }

  /**
   * On exit: every route this daemon installed leaves the FIB. A daemon killed by its jail's removal
   * stops at the first refusal: its table goes with the vnet (a lab of a thousand routers otherwise
   * made a million errors on the way down).
   */
  flush(): void {
    for (const k of [...this.installed.keys()])
      if (!this.remove(k)) {
        this.installed.clear()
        return
      }
  }
}

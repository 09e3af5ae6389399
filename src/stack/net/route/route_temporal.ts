/**
 * Routes that expire (FreeBSD's net/route/route_temporal.c): a route added with `-expire` (rmx_expire,
 * RTV_EXPIRE) carries the uptime second it ends at, and one callout per table deletes every route
 * whose second has come, then re-arms for the next. As FreeBSD's callout, it is set a whole number of
 * seconds ahead (nh_expire - time_uptime), so a route goes within the second after the one it names.
 * The host clock's epoch is its boot, so time_second (what rmx_expire counts in) and time_uptime (what
 * the kernel keeps) are the same number here and set_nhop_expire_from_info's conversion is the identity.
 *
 * Must not: touch a route without an expiry, or keep a timer armed for a table with none left.
 */

import { SEC } from '../../../util/clock.js'
import type { Vnet } from '../vnet.js'
import type { Route, RouteTable } from './route.js'

/** time_uptime: whole seconds on the host clock. */
export function uptimeSec(v: Vnet): number {
  return Math.floor(v.env.clock.now() / SEC)
}

/** tmproutes_update: make the table's callout fire by r's second if it would fire later (or not at all). */
export function tmproutesUpdate(v: Vnet, t: RouteTable, r: Route): void {
  if (r.expire === 0) return
  if (t.nextExpire !== 0 && t.nextExpire <= r.expire) return
  arm(v, t, r.expire)
}

function arm(v: Vnet, t: RouteTable, second: number): void {
  const seconds = Math.max(0, second - uptimeSec(v))
  t.expireTimer ??= v.env.clock.timer(() => expireCallout(v, t))
  t.expireTimer.arm(seconds * SEC)
  t.nextExpire = second
}

/** expire_callout: delete what is due, re-arm for the earliest route left to expire. */
function expireCallout(v: Vnet, t: RouteTable): void {
  t.nextExpire = 0
  if (v.destroyed) return
  const now = uptimeSec(v)
  let next = 0
  for (const r of t.list()) {
    if (r.expire === 0) continue
    if (r.expire <= now) t.remove(r)
    else if (next === 0 || r.expire < next) next = r.expire
  }
  if (next !== 0) arm(v, t, next)
}

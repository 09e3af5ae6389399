/**
 * The prefix list and stateless address autoconfiguration (FreeBSD's prelist_update, nd6_prefix_onlink
 * / offlink, in6_ifadd; RFC 4861 §6.3.4, RFC 4862 §5.5.3): a Prefix Information option with L makes
 * its prefix on-link (a `U` route through the interface) for its valid lifetime; with A it makes an
 * address from the prefix and the interface identifier of the link-local address (modified EUI-64 of
 * the MAC, as in6_ifattach made it), flagged `autoconf`, tentative until DAD passes, deprecated at the
 * end of its preferred lifetime and gone at the end of its valid lifetime — with the "two hours" rule
 * (§5.5.3 e) keeping a forged RA from cutting an address's life short. Lifetimes run on the vnet's
 * clock. Must not: parse messages (nd6_rtr.ts does) or hold more than maxifprefixes per interface.
 */

import { SEC } from '../../../util/clock.js'
import { in6Eq, in6IsLinkLocal, in6PrefixEq } from '../../../wire/inet6/in6_addr.js'
import { ND6_INFINITE_LIFETIME } from '../../../wire/inet6/nd_router.js'
import type { Ifnet } from '../../net/ifnet.js'
import { RTF } from '../../net/route/route.js'
import { icmp6Stats } from '../icmp6.js'
import { connectedRoutes, in6AddAddr, in6DelAddr, in6Find } from '../in6.js'
import { Route6 } from '../in6_fib/in6_rtable.js'
import { stableIfid } from '../in6_stableaddr.js'
import { IN6_IFF, type In6Ifaddr, type In6Ifinfo } from '../in6_var.js'
import { in6if, ip6, rib6 } from '../ip6/ip6.js'
import { type NdDefrouter, NdPrefix, nd6rtr } from './nd6_rtr_var.js'

/** RFC 4862 §5.5.3 (e): lifetimes at or below two hours are not shortened by an unauthenticated RA. */
const TWOHOURS = 2 * 3600
/** MAX_RTR_SOLICITATION_DELAY (RFC 4861 §10): DAD of an address made from a multicast RA waits up to this. */
const MAX_RTR_SOLICITATION_DELAY_MS = 1000
/** The interface identifier length on Ethernet (RFC 4291 §2.5.1). */
const IFID_LEN = 64

function now(ifp: Ifnet): number {
  return ifp.vnet.env.clock.now()
}

/** What one Prefix Information option says, read out by nd6_rtr.ts. */
export interface PrefixCtl {
  ifp: Ifnet
  /** Masked to plen; nd6_rtr.ts's scratch, copied when kept. */
  prefix: Uint8Array
  plen: number
  onlink: boolean
  auto: boolean
  vltime: number
  pltime: number
}

export function nd6PrefixLookup(ifp: Ifnet, prefix: Uint8Array, plen: number): NdPrefix | undefined {
  return nd6rtr(ifp.vnet).prefixes.find(
    (p) => p.ifp === ifp && p.plen === plen && in6PrefixEq(p.prefix, 0, prefix, 0, plen),
  )
}

/** in6_init_prefix_ltimes: when the prefix expires, its timer armed for then. */
function initPrefixLtimes(pr: NdPrefix): void {
  const clock = pr.ifp.vnet.env.clock
  pr.expire = pr.vltime === ND6_INFINITE_LIFETIME ? 0 : now(pr.ifp) + pr.vltime * SEC
  pr.timer ??= clock.timer(() => nd6PrelistRemove(pr, false))
  if (pr.expire === 0) pr.timer.cancel()
  else pr.timer.armAt(pr.expire)
}

/** nd6_prefix_onlink: the prefix route through the interface, unless a route is there already. */
function prefixOnlink(pr: NdPrefix): void {
  // In the interface's FIB (nd6_prefix_onlink_rtrequest: ifa_ifp->if_fib).
  const rib = rib6(pr.ifp.vnet, pr.ifp.fib)
  pr.onlink = true
  if (rib.get(pr.prefix, pr.plen) !== undefined || !rib.hasRoom(1)) return
  const ia = (pr.ifp.inet6 as In6Ifinfo).addrs.find(
    (a) => a.prefixLen === pr.plen && in6PrefixEq(a.addr, 0, pr.prefix, 0, pr.plen),
  )
  const r = new Route6(pr.prefix, pr.plen, null, pr.ifp, ia ?? null, RTF.UP)
  rib.add(r)
  pr.route = r
}

/** nd6_prefix_offlink: our prefix route goes; an address on the prefix keeps its connected route. */
function prefixOfflink(pr: NdPrefix): void {
  pr.onlink = false
  const r = pr.route
  pr.route = null
  if (r === null) return
  const v = pr.ifp.vnet
  const rib = rib6(v, r.fib)
  if (rib.get(pr.prefix, pr.plen) !== r) return
  rib.remove(r)
  for (const i of v.ifnets) {
    const heir = ((i.inet6 as In6Ifinfo | null)?.addrs ?? []).find(
      (a) => a.prefixLen === pr.plen && in6Eq(a.prefix, 0, pr.prefix, 0),
    )
    if (heir !== undefined) {
      connectedRoutes(heir)
      return
    }
  }
}

/**
 * prelist_remove: the prefix's lifetime is over (or its interface leaves: `force`). It goes
 * off-link at once; its record stays while autoconfigured addresses still refer to it.
 */
export function nd6PrelistRemove(pr: NdPrefix, force: boolean): void {
  pr.vltime = 0
  pr.pltime = 0
  if (pr.onlink) prefixOfflink(pr)
  if (pr.refcnt > 0 && !force) return
  pr.timer?.cancel()
  const st = nd6rtr(pr.ifp.vnet)
  const i = st.prefixes.indexOf(pr)
  if (i < 0) return
  st.prefixes = st.prefixes.filter((p) => p !== pr)
  in6if(pr.ifp).nPrefixes--
  if (force)
    for (const a of (pr.ifp.inet6 as In6Ifinfo).addrs)
      if (a.ndpr === pr) {
        a.ndpr = null
        a.onPurge = null
      }
}

/** An autoconfigured address of pr went: the prefix lets go, and goes itself if it has expired. */
function addrPurged(ia: In6Ifaddr): void {
  const pr = ia.ndpr as NdPrefix | null
  ia.ndpr = null
  if (pr === null) return
  pr.refcnt--
  if (pr.refcnt <= 0 && pr.expire !== 0 && pr.expire <= now(pr.ifp)) nd6PrelistRemove(pr, false)
}

/** Arm the address's lifetime timer for its next event (deprecation, then the end). */
function armAddrTimer(ia: In6Ifaddr): void {
  const clock = ia.ifp.vnet.env.clock
  ia.ltTimer ??= clock.timer(() => addrLifetimeTimer(ia))
  const t = clock.now()
  let next = ia.vlExpire
  if (ia.plExpire !== 0 && ia.plExpire > t && (next === 0 || ia.plExpire < next)) next = ia.plExpire
  if (next === 0) ia.ltTimer.cancel()
  else ia.ltTimer.armAt(next)
}

/** nd6_timer's address part: deprecate at the preferred lifetime's end, purge at the valid one's. */
function addrLifetimeTimer(ia: In6Ifaddr): void {
  const t = now(ia.ifp)
  if (ia.vlExpire !== 0 && t >= ia.vlExpire) {
    if (in6Find(ia.ifp, ia.addr) === ia) in6DelAddr(ia.ifp, ia.addr)
    return
  }
  if (ia.plExpire !== 0 && t >= ia.plExpire) ia.flags |= IN6_IFF.DEPRECATED
  armAddrTimer(ia)
}

/** in6_init_address_ltimes plus nd6_timer's deprecation check. */
export function nd6SetAddrLifetimes(ia: In6Ifaddr, vltime: number, pltime: number): void {
  const t = now(ia.ifp)
  ia.vltime = vltime
  ia.pltime = pltime
  // 0 means "never", so a lifetime of 0 at the clock's origin ends at its first tick.
  ia.vlExpire = vltime === ND6_INFINITE_LIFETIME ? 0 : Math.max(t + vltime * SEC, 1)
  ia.plExpire = pltime === ND6_INFINITE_LIFETIME ? 0 : Math.max(t + pltime * SEC, 1)
  if (pltime === 0 || (ia.plExpire !== 0 && ia.plExpire <= t)) ia.flags |= IN6_IFF.DEPRECATED
  else ia.flags &= ~IN6_IFF.DEPRECATED
  armAddrTimer(ia)
}

/** Seconds left of an address's valid lifetime (ND6_INFINITE_LIFETIME for none). */
function remainingValid(ia: In6Ifaddr, t: number): number {
  if (ia.vlExpire === 0) return ND6_INFINITE_LIFETIME
  return Math.max(0, Math.floor((ia.vlExpire - t) / SEC))
}

/**
 * in6_ifadd: an address made of the prefix and the interface identifier of ifp's link-local address,
 * or with net.inet6.ip6.use_stableaddr an RFC 7217 identifier at DAD counter `counter`.
 * Only a 64-bit prefix fits Ethernet's 64-bit identifier; other lengths are ignored (as FreeBSD logs).
 */
function in6Ifadd(pr: NdPrefix, c: PrefixCtl, mcast: boolean, counter = 0): In6Ifaddr | null {
  const ifp = pr.ifp
  const ll = (ifp.inet6 as In6Ifinfo).addrs.find((a) => in6IsLinkLocal(a.addr, 0))
  if (ll === undefined || pr.plen + IFID_LEN !== 128) return null
  const addr = new Uint8Array(16)
  addr.set(pr.prefix.subarray(0, 8), 0)
  let used = -1
  if (ip6(ifp.vnet).useStableaddr !== 0) {
    const [iid, n] = stableIfid(ifp, pr.prefix, counter)
    addr.set(iid, 8)
    used = n
  } else addr.set(ll.addr.subarray(8, 16), 8)
  if (in6Find(ifp, addr) !== undefined) return null
  let delay = 0
  if (mcast) {
    const rng = ifp.vnet.env.rng.stream(`slaac:${ifp.vnet.id}:${ifp.index}`)
    delay = Math.floor((rng.u32() / 2 ** 32) * MAX_RTR_SOLICITATION_DELAY_MS)
  }
  let ia: In6Ifaddr
  try {
    ia = in6AddAddr(ifp, addr, pr.plen, IN6_IFF.AUTOCONF, delay)
  } catch {
    // The FIB is full: no address this time (the next RA tries again).
    return null
  }
  ia.dadCounter = used
  nd6SetAddrLifetimes(ia, c.vltime, c.pltime)
  return ia
}

/**
 * RFC 7217 §6: DAD found ia's stable address in use; while retries remain, an address from the next
 * DAD_Counter is made beside it (the duplicate stays, flagged, as any). Returns whether one was made.
 */
export function nd6StableRetry(ia: In6Ifaddr): boolean {
  const pr = ia.ndpr as NdPrefix | null
  if (ia.dadCounter < 0 || pr === null || ia.dadCounter >= ip6(ia.ifp.vnet).stableaddrMaxretries) return false
  const c = {
    ifp: ia.ifp,
    prefix: pr.prefix,
    plen: pr.plen,
    onlink: pr.raOnlink,
    auto: pr.raAuto,
    vltime: remainingValid(ia, now(ia.ifp)),
    pltime: ia.pltime,
  } as PrefixCtl
  const next = in6Ifadd(pr, c, false, ia.dadCounter + 1)
  if (next === null) return false
  next.ndpr = pr
  next.onPurge = addrPurged
  pr.refcnt++
  return true
}

/** prelist_update: one Prefix Information option from a router (dr, or null). */
export function nd6PrelistUpdate(c: PrefixCtl, dr: NdDefrouter | null, mcast: boolean): void {
  const ifp = c.ifp
  const v = ifp.vnet
  const st = nd6rtr(v)
  const ii = in6if(ifp)
  let pr = nd6PrefixLookup(ifp, c.prefix, c.plen)
  if (pr !== undefined) {
    // §6.3.4: the L and A flags are never turned off by an update.
    if (c.onlink) pr.raOnlink = true
    if (c.auto) pr.raAuto = true
    if (c.onlink) {
      pr.vltime = c.vltime
      pr.pltime = c.pltime
      initPrefixLtimes(pr)
    }
    if (c.onlink && !pr.onlink) prefixOnlink(pr)
    if (dr !== null && !pr.advrtrs.includes(dr)) pr.advrtrs = [...pr.advrtrs, dr]
  } else {
    if (c.vltime === 0 || (!c.onlink && !c.auto) || c.pltime > c.vltime) return
    if (ii.nPrefixes >= ip6(v).maxIfPrefixes) {
      icmp6Stats(v).icp6s_overflowprfx++
      return
    }
    pr = new NdPrefix(ifp, c.prefix.slice(), c.plen)
    pr.raOnlink = c.onlink
    pr.raAuto = c.auto
    pr.vltime = c.vltime
    pr.pltime = c.pltime
    // nd6_prelist_add puts a new prefix at the head of the list (LIST_INSERT_HEAD): `ndp -p` lists
    // the newest first.
    st.prefixes = [pr, ...st.prefixes]
    ii.nPrefixes++
    if (c.onlink) prefixOnlink(pr)
    if (dr !== null) pr.advrtrs = [dr]
    // Without L the prefix only anchors the addresses made from it: it expires at once (FreeBSD).
    if (!c.onlink) {
      pr.vltime = 0
      pr.pltime = 0
    }
    initPrefixLtimes(pr)
  }
  // RFC 4862 §5.5.3: (a) only with A; (b) link-local prefixes were refused by the caller; (c) pltime <= vltime.
  if (!c.auto || c.pltime > c.vltime) return
  const t = now(ifp)
  let matched = false
  for (const ia of (ifp.inet6 as In6Ifinfo).addrs) {
    if ((ia.flags & IN6_IFF.AUTOCONF) === 0 || (ia.flags & IN6_IFF.ANYCAST) !== 0 || ia.ndpr !== pr) continue
    matched = true
    // (e): the "two hours" rule for the valid lifetime; the preferred one is taken as advertised.
    const remaining = remainingValid(ia, t)
    let vl = remaining
    if (c.vltime > TWOHOURS || c.vltime > remaining) vl = c.vltime
    else if (remaining > TWOHOURS) vl = TWOHOURS
    nd6SetAddrLifetimes(ia, vl, Math.min(c.pltime, vl))
  }
  // (d): no address from this prefix yet, and a valid lifetime: make one.
  if (!matched && c.vltime !== 0) {
    const ia = in6Ifadd(pr, c, mcast)
    if (ia !== null) {
      ia.ndpr = pr
      ia.onPurge = addrPurged
      pr.refcnt++
    }
  }
}

/**
 * in6_control's SIOCAIFADDR_IN6 after the address is in place: a non-/128 address configured by
 * hand makes its prefix on-link in the prefix list (`ndp -p`: flags L, A for an `autoconf` one, O)
 * with the address's lifetimes, unless the prefix is listed already, and the address counts towards
 * the prefix's `ref` (ndpr_addrcnt). The prefix's route is the address's connected one, so the
 * entry owns none. Re-adding an address with a longer valid lifetime extends the prefix's; a
 * shorter one never cuts it (FreeBSD's ndp_prefix_lifetime_extend test: FreeBSD 14.x's in6.c left
 * an existing prefix's lifetimes alone, later versions extend them). Not bounded by
 * maxifprefixes, which guards against routers, not root.
 */
export function nd6PrefixForAddr(ia: In6Ifaddr): void {
  if (ia.prefixLen === 128) return
  const ifp = ia.ifp
  const t = now(ifp)
  let pr = nd6PrefixLookup(ifp, ia.prefix, ia.prefixLen)
  const vl = ia.vlExpire === 0 ? ND6_INFINITE_LIFETIME : Math.max(0, Math.round((ia.vlExpire - t) / SEC))
  const pl = ia.plExpire === 0 ? ND6_INFINITE_LIFETIME : Math.max(0, Math.round((ia.plExpire - t) / SEC))
  if (pr === undefined) {
    pr = new NdPrefix(ifp, ia.prefix.slice(), ia.prefixLen)
    pr.raOnlink = true
    pr.raAuto = (ia.flags & IN6_IFF.AUTOCONF) !== 0
    pr.vltime = vl
    pr.pltime = pl
    nd6rtr(ifp.vnet).prefixes = [pr, ...nd6rtr(ifp.vnet).prefixes]
    in6if(ifp).nPrefixes++
    prefixOnlink(pr)
    initPrefixLtimes(pr)
  } else if (pr.expire !== 0 && (ia.vlExpire === 0 || ia.vlExpire > pr.expire)) {
    pr.vltime = vl
    pr.pltime = pl
    initPrefixLtimes(pr)
    if (!pr.onlink) prefixOnlink(pr)
  }
  if (ia.ndpr === null) {
    ia.ndpr = pr
    ia.onPurge = addrPurged
    pr.refcnt++
  }
}

/**
 * in6_ifattach_linklocal: the link-local prefix (fe80::%IF/64) is on-link, never expires and is
 * listed (`ndp -p`: flags LAO, ref=0 — the address is not counted, so removing it leaves the prefix,
 * which goes with the interface). Its route is the address's connected one.
 */
export function nd6PrefixLinkLocal(ia: In6Ifaddr): void {
  const ifp = ia.ifp
  if (nd6PrefixLookup(ifp, ia.prefix, ia.prefixLen) !== undefined) return
  const pr = new NdPrefix(ifp, ia.prefix.slice(), ia.prefixLen)
  pr.raOnlink = true
  pr.raAuto = true
  pr.vltime = ND6_INFINITE_LIFETIME
  pr.pltime = ND6_INFINITE_LIFETIME
  nd6rtr(ifp.vnet).prefixes = [pr, ...nd6rtr(ifp.vnet).prefixes]
  in6if(ifp).nPrefixes++
  prefixOnlink(pr)
  initPrefixLtimes(pr)
}

/**
 * in6_purgeifaddr (SIOCDIFADDR_IN6, `ifconfig IF inet6 ADDR -alias`): when the address was the
 * last one on its prefix, the prefix goes too, expired or not.
 */
export function nd6PrefixAddrRemoved(pr: unknown): void {
  const p = pr as NdPrefix | null
  if (p !== null && p.refcnt <= 0) nd6PrelistRemove(p, false)
}

/** Forget every prefix learned on ifp (it leaves its vnet or is destroyed). */
export function nd6PrefixIfDetach(ifp: Ifnet): void {
  const st = nd6rtr(ifp.vnet)
  for (const pr of [...st.prefixes]) if (pr.ifp === ifp) nd6PrelistRemove(pr, true)
}

/** A router leaves the list: the prefixes forget it advertised them. */
export function nd6PrefixForgetRouter(dr: NdDefrouter): void {
  for (const pr of nd6rtr(dr.ifp.vnet).prefixes)
    if (pr.advrtrs.includes(dr)) pr.advrtrs = pr.advrtrs.filter((d) => d !== dr)
}

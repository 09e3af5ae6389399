/**
 * Source address selection (RFC 6724 §5, FreeBSD's in6_selectsrc), the rules that matter without
 * policy tables or temporary addresses: prefer the destination itself (rule 1), an address of the
 * destination's scope or the smallest scope above it (rule 2), a non-deprecated one (rule 3), one
 * on the outgoing interface (rule 5), then the longest matching prefix (rule 8). A link-local
 * address sources a global destination only from the outgoing link and only when nothing wider
 * exists, as in FreeBSD (a host with link-locals only still talks through a link-local gateway). Tentative and
 * duplicated addresses are never chosen (RFC 4862 §5.4). Allocates nothing.
 */

import { SysError } from '../../util/errno.js'
import {
  in6CommonPrefixLen,
  in6Eq,
  in6IsLinkLocal,
  in6IsMulticast,
  in6IsUnspecified,
  in6Scope,
} from '../../wire/inet6/in6_addr.js'
import type { Ifnet } from '../net/ifnet.js'
import type { Vnet } from '../net/vnet.js'
import { type Jail6, prisonCheckIp6, prisonSaddrIp6 } from './in6_jail.js'
import { IN6_IFF, type In6Ifaddr, type In6Ifinfo, in6Key } from './in6_var.js'
import { ip6 } from './ip6/ip6.js'

/** True when a is better than b as source for dst (b may be null). */
function better(
  a: In6Ifaddr,
  b: In6Ifaddr | null,
  dst: Uint8Array,
  dso: number,
  dscope: number,
  out: Ifnet,
): boolean {
  if (b === null) return true
  // Rule 1: the destination itself.
  if (in6Eq(b.addr, 0, dst, dso)) return false
  if (in6Eq(a.addr, 0, dst, dso)) return true
  // Rule 2: appropriate scope.
  const sa = in6Scope(a.addr, 0)
  const sb = in6Scope(b.addr, 0)
  if (sa !== sb) {
    if (sa < sb) return sa >= dscope
    return sb < dscope
  }
  // Rule 3: avoid deprecated addresses.
  const da = (a.flags & IN6_IFF.DEPRECATED) !== 0
  const db = (b.flags & IN6_IFF.DEPRECATED) !== 0
  if (da !== db) return db
  // Rule 5: prefer the outgoing interface.
  if ((a.ifp === out) !== (b.ifp === out)) return a.ifp === out
  // Rule 8: longest matching prefix.
  return in6CommonPrefixLen(a.addr, 0, dst, dso) > in6CommonPrefixLen(b.addr, 0, dst, dso)
}

/**
 * The best usable source address for dst leaving through `out`, from the interfaces `ifs`
 * (the outgoing one first); a link-scoped destination only takes addresses of `out`. A jail
 * sharing the stack chooses among its own addresses only (in6_selectsrc's prison_check_ip6).
 * null when none.
 */
export function in6SelectSrc(
  dst: Uint8Array,
  dso: number,
  out: Ifnet,
  ifs: readonly Ifnet[],
  jail: Jail6 | null = null,
): In6Ifaddr | null {
  const dscope = in6Scope(dst, dso)
  let best = pick(out.inet6 as In6Ifinfo | null, null, dst, dso, dscope, out, jail)
  // Link-scoped destinations are reachable only from the outgoing link's own addresses.
  if (dscope <= 2 || (best !== null && in6Scope(best.addr, 0) >= dscope)) return best
  for (let i = 0; i < ifs.length; i++)
    if (ifs[i] !== out) best = pick(ifs[i]!.inet6 as In6Ifinfo | null, best, dst, dso, dscope, out, jail)
  return best
}

function pick(
  ii: In6Ifinfo | null,
  best: In6Ifaddr | null,
  dst: Uint8Array,
  dso: number,
  dscope: number,
  out: Ifnet,
  jail: Jail6 | null,
): In6Ifaddr | null {
  if (ii === null) return best
  for (let i = 0; i < ii.addrs.length; i++) {
    const a = ii.addrs[i]!
    if (!a.usable || (a.flags & IN6_IFF.ANYCAST) !== 0) continue
    if (jail !== null && !prisonCheckIp6(jail, a.addr)) continue
    // An address whose zone does not contain the outgoing interface is never taken
    // (in6_selectsrc's osrczone != srczone): a link-local one of another link. One of `out` itself
    // may source a global destination when nothing of wider scope exists (rule 2 prefers those).
    const sa = in6Scope(a.addr, 0)
    if (sa < dscope && sa <= 2 && a.ifp !== out) continue
    if (better(a, best, dst, dso, dscope, out)) best = a
  }
  return best
}

/**
 * in6_pcbladdr: the source an endpoint uses toward dst (zone: dst's scope) — its bound address
 * unless that is unspecified, else the one RFC 6724 picks on the route's interface (a jail's
 * primary address when the jail turned selection off, ip6.nosaddrsel). Throws EHOSTUNREACH without
 * a route and EADDRNOTAVAIL without a usable address (control plane).
 */
export function in6SelectSrcFor(
  v: Vnet,
  dst: Uint8Array,
  zone: number,
  bound: Uint8Array,
  jail: Jail6 | null = null,
): Uint8Array {
  if (!in6IsUnspecified(bound, 0)) return bound
  const primary = prisonSaddrIp6(jail)
  if (primary !== null) return primary
  const st = ip6(v)
  let out: Ifnet | undefined
  if ((in6IsLinkLocal(dst, 0) || in6IsMulticast(dst, 0)) && zone !== 0) out = v.ifByIndex(zone)
  if (out === undefined) {
    in6Key(st.keyOut, dst, 0, zone)
    const rt = st.rib.lookup(st.keyOut)
    if (rt === null) throw new SysError('EHOSTUNREACH', 'connect')
    out = rt.ifp
  }
  const ia = in6SelectSrc(dst, 0, out, v.ifList, jail)
  if (ia === null) throw new SysError('EADDRNOTAVAIL', 'connect')
  return ia.addr
}

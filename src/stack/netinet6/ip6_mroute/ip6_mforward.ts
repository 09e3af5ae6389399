/**
 * The IPv6 multicast forwarding path (FreeBSD's X_ip6_mforward, ip6_mdq, phyint_send and
 * expire_upcalls in ip6_mroute.c). ip6_input hands every group packet to ip6Mforward while a
 * routing daemon runs in the vnet, and ip6_output every one this host sends. With a cache entry for
 * its (origin, group), a packet that came in on the parent mif goes out on every other mif of the
 * entry's set, its hop limit one less; on another mif it is counted and, with MRT6_PIM on,
 * reported by an MRT6MSG_WRONGMIF upcall (at most every 3 s per entry). Without an entry the daemon
 * gets an MRT6MSG_NOCACHE upcall and up to MAX_UPQ6 packets wait 1.5 s for its MRT6_ADD_MFC.
 * Nothing with hop limit ≤ 1, to an interface- or link-local group, or from the unspecified
 * address is forwarded, and nothing from a link-local source leaves its link (its zone).
 *
 * Must not: take the caller's packet (it copies what it sends or holds), throw, or hold more than
 * the bounded stall queues.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { in6IsLinkLocal, in6IsUnspecified } from '../../../wire/inet6/in6_addr.js'
import type { Ifnet } from '../../net/ifnet.js'
import { ip6 } from '../ip6/ip6.js'
import { ip6Resend } from '../ip6/ip6_output.js'
import { rip6Upcall } from '../raw_ip6.js'
import {
  ASSERT_INTERVAL6_NS,
  EXPIRE_TIMEOUT6_NS,
  MAX_UPQ6,
  MF6C_PENDING_MAX,
  Mf6c,
  MRT6MSG_NOCACHE,
  MRT6MSG_WRONGMIF,
  type Mroute6Vnet,
  mf6cHash,
  UPCALL_EXPIRE6,
} from './ip6_mroute_var.js'

/** X_ip6_mforward for packet m (at its IPv6 header) that arrived on, or leaves by, ifp; non-zero: drop it. */
export function ip6Mforward(s: Mroute6Vnet, ifp: Ifnet, m: Mbuf): number {
  const b = m.data
  const o = m.off
  const so = o + 8
  const dso = o + 24
  // Hop limit 0 or 1, and interface- and link-local groups, stay here.
  const scope = b[dso + 1]! & 0xf
  if (b[o + 7]! <= 1 || scope <= 2) return 0
  if (in6IsUnspecified(b, so)) {
    ip6(s.v).stats.ip6s_cantforward++
    return 0
  }
  const st = s.stats
  st.mrt6s_mfc_lookups++
  const rt = s.find(b, so, b, dso)
  if (rt !== undefined) return ip6Mdq(s, m, ifp, rt)
  st.mrt6s_mfc_misses++
  st.mrt6s_no_route++
  const pend = s.find(b, so, b, dso, true)
  if (pend !== undefined) {
    if (pend.stall.length > MAX_UPQ6) {
      st.mrt6s_upq_ovflw++
      return 0
    }
    pend.stall.push({ m: s.v.env.pool.dup(m), ifp })
    return 0
  }
  const mifi = s.mifOf(ifp)
  if (mifi < 0) return 0
  if (s.pending >= MF6C_PENDING_MAX) {
    st.mrt6s_upq_ovflw++
    return 0
  }
  st.mrt6s_upcalls++
  if (!upcall(s, m, MRT6MSG_NOCACHE, mifi, ifp)) {
    st.mrt6s_upq_sockfull++
    return 1
  }
  const entry = new Mf6c(b.slice(so, so + 16), b.slice(dso, dso + 16))
  entry.expire = UPCALL_EXPIRE6
  entry.stall.push({ m: s.v.env.pool.dup(m), ifp })
  s.mfc[mf6cHash(b, so, b, dso)]!.unshift(entry)
  s.pending++
  armExpire6(s)
  return 0
}

/** struct mrt6msg over a copy of m's IPv6 header: im6_mbz 0, the type, the mif. */
function upcall(s: Mroute6Vnet, m: Mbuf, type: number, mifi: number, ifp: Ifnet): boolean {
  const msg = m.data.slice(m.off, m.off + 40)
  msg[1] = 0
  msg[2] = type
  msg[3] = mifi
  return rip6Upcall(s.v, s.mrouter!, msg, ifp.name)
}

/** ip6_mdq: forward m along rt if it came in on rt's parent mif. */
export function ip6Mdq(s: Mroute6Vnet, m: Mbuf, ifp: Ifnet, rt: Mf6c): number {
  const b = m.data
  const o = m.off
  const plen = (b[o + 4]! << 8) | b[o + 5]!
  const parent = rt.parent
  if (parent < 0 || parent >= s.nummifs || s.mifs[parent]!.ifp !== ifp) {
    s.stats.mrt6s_wrong_if++
    rt.wrongIf++
    if (s.pim === 0 || parent < 0 || parent >= s.nummifs || s.mifs[parent]!.ifp === null) return 0
    const mifi = s.mifOf(ifp)
    if (mifi < 0) return 0
    const now = s.v.env.clock.now()
    if (now - rt.lastAssert < ASSERT_INTERVAL6_NS) return 0
    rt.lastAssert = now
    s.stats.mrt6s_upcalls++
    if (!upcall(s, m, MRT6MSG_WRONGMIF, mifi, ifp)) {
      s.stats.mrt6s_upq_sockfull++
      return 1
    }
    return 0
  }
  const pm = s.mifs[parent]!
  pm.pktIn++
  pm.bytesIn += plen
  rt.pktCnt++
  rt.byteCnt += plen
  // A link-local source belongs to the arrival link's zone: it may not leave it (ip6_mdq's scope check).
  const linkSrc = in6IsLinkLocal(b, o + 8)
  for (let mifi = 0; mifi < s.nummifs; mifi++) {
    if (rt.ifset[mifi] === 0 || mifi === parent) continue
    const mif = s.mifs[mifi]!
    if (mif.ifp === null || !mif.ifp.up || (linkSrc && mif.ifp !== ifp)) continue
    mif.pktOut++
    mif.bytesOut += plen
    const c = s.v.env.pool.dup(m)
    c.data[c.off + 7]!--
    c.linkBcast = false
    ip6Resend(s.v, mif.ifp, c, true)
  }
  return 0
}

export function armExpire6(s: Mroute6Vnet): void {
  s.expireTimer ??= s.v.env.clock.timer(() => expireUpcalls6(s))
  if (!s.expireTimer.armed) s.expireTimer.arm(EXPIRE_TIMEOUT6_NS)
}

function expireUpcalls6(s: Mroute6Vnet): void {
  for (const bucket of s.mfc) {
    for (let i = bucket.length - 1; i >= 0; i--) {
      const rt = bucket[i]!
      if (rt.stall.length === 0 || rt.expire === 0 || --rt.expire > 0) continue
      s.stats.mrt6s_cache_cleanups++
      freeMf6c(s, bucket, i)
    }
  }
  if (s.pending > 0) armExpire6(s)
}

export function freeMf6c(s: Mroute6Vnet, bucket: Mf6c[], i: number): void {
  const rt = bucket[i]!
  if (rt.stall.length !== 0) s.pending--
  for (const q of rt.stall) s.v.env.pool.put(q.m)
  rt.stall.length = 0
  bucket.splice(i, 1)
}

/**
 * The multicast forwarding path (FreeBSD's X_ip_mforward, ip_mdq, phyint_send and expire_upcalls
 * in ip_mroute.c; multicast(4)). ip_input hands every group datagram to ipMforward while a routing
 * daemon runs in the vnet, and ip_output every one this host sends. With a cache entry for its
 * (origin, group), a datagram that came in on the entry's parent vif (the RPF check) goes out on
 * each vif whose TTL in the entry it exceeds, its TTL one less; arriving elsewhere it is counted as
 * on the wrong interface and, with MRT_ASSERT on, reported by an IGMPMSG_WRONGVIF upcall (at most
 * every 3 s per entry). Without an entry the daemon is told by an IGMPMSG_NOCACHE upcall and up to
 * MAX_UPQ datagrams wait for its answer (MRT_ADD_MFC) for 1.5 s.
 *
 * Must not: take the caller's datagram (it copies what it sends or holds), throw, or hold more than
 * the bounded stall queues.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { readU16 } from '../../../wire/addr.js'
import { IP_DF, ipv4DecrementTtl } from '../../../wire/inet/ipv4.js'
import type { Ifnet } from '../../net/ifnet.js'
import { igmpIfinfoPeek } from '../igmp/igmp.js'
import { ip } from '../ip/ip.js'
import { ipMloopback, ipSend } from '../ip/ip_output.js'
import { rawUpcall } from '../raw.js'
import {
  ASSERT_INTERVAL_NS,
  EXPIRE_TIMEOUT_NS,
  IGMPMSG_NOCACHE,
  IGMPMSG_WRONGVIF,
  MAX_UPQ,
  MFC_PENDING_MAX,
  Mfc,
  MRT_MFC_FLAGS_DISABLE_WRONGVIF,
  type MrouteVnet,
  mfcHash,
  UPCALL_EXPIRE,
  type Vif,
} from './ip_mroute_var.js'

/** IPOPT_LSRR: a source-routed tunnel's datagram (no longer supported). */
const IPOPT_LSRR = 131
/** TUNNEL_LEN: the option bytes such a tunnel added. */
const TUNNEL_LEN = 12

/**
 * X_ip_mforward for datagram m (at its IP header) that arrived on, or leaves by, ifp. Returns
 * non-zero when the caller must drop it (a source-route tunnel's, or an upcall the daemon's socket
 * had no room for), 0 when it may go on to local delivery or output.
 */
export function ipMforward(s: MrouteVnet, ifp: Ifnet, m: Mbuf): number {
  const b = m.data
  const o = m.off
  const hlen = (b[o]! & 0xf) << 2
  if (hlen >= 20 + TUNNEL_LEN && b[o + 21] === IPOPT_LSRR) return 1
  const src = ((b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!) >>> 0
  const dst = ((b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!) >>> 0
  // Nothing with TTL 0 or 1 goes further, nor anything for a link-local group (224.0.0.0/24).
  if (b[o + 8]! <= 1 || dst >>> 8 === 0xe00000) return 0
  const st = s.stats
  st.mrts_mfc_lookups++
  const rt = s.find(src, dst)
  if (rt !== undefined) return ipMdq(s, m, ifp, rt)
  st.mrts_mfc_misses++
  st.mrts_no_route++
  const pend = s.findPending(src, dst)
  if (pend !== undefined) {
    if (pend.stall.length > MAX_UPQ) {
      st.mrts_upq_ovflw++
      return 0
    }
    pend.stall.push({ m: s.v.env.pool.dup(m), ifp })
    return 0
  }
  // Only a datagram that came in on a vif is worth asking about.
  const vifi = s.vifOf(ifp)
  if (vifi < 0) return 0
  if (s.pending >= MFC_PENDING_MAX) {
    st.mrts_upq_ovflw++
    return 0
  }
  st.mrts_upcalls++
  if (!upcall(s, m, hlen, IGMPMSG_NOCACHE, vifi, src, ifp)) {
    st.mrts_upq_sockfull++
    return 1
  }
  const entry = new Mfc(src, dst)
  entry.expire = UPCALL_EXPIRE
  entry.stall.push({ m: s.v.env.pool.dup(m), ifp })
  // LIST_INSERT_HEAD: the newest entry of a bucket comes first.
  s.mfc[mfcHash(src, dst)]!.unshift(entry)
  s.pending++
  armExpire(s)
  return 0
}

/** A struct igmpmsg made from m's IP header, queued to the daemon's socket; false when it is full. */
function upcall(
  s: MrouteVnet,
  m: Mbuf,
  hlen: number,
  type: number,
  vifi: number,
  src: number,
  ifp: Ifnet,
): boolean {
  const msg = m.data.slice(m.off, m.off + hlen)
  msg[8] = type
  msg[9] = 0
  msg[10] = vifi
  return rawUpcall(s.v, s.mrouter!, msg, src, ifp.name)
}

/**
 * ip_mdq: forward m along entry rt if it came in on rt's parent vif (RPF); count it per vif and
 * per entry. Returns non-zero only when a WRONGVIF upcall found the daemon's socket full.
 */
export function ipMdq(s: MrouteVnet, m: Mbuf, ifp: Ifnet, rt: Mfc): number {
  const b = m.data
  const o = m.off
  const plen = readU16(b, o + 2)
  const parent = rt.parent
  if (parent < 0 || parent >= s.numvifs || s.vifs[parent]!.ifp !== ifp) {
    s.stats.mrts_wrong_if++
    rt.wrongIf++
    // With PIM asserts on, the daemon hears of it (it may be a better path: an SPT switch).
    if (s.assert === 0 || parent < 0 || parent >= s.numvifs || s.vifs[parent]!.ifp === null) return 0
    const vifi = s.vifOf(ifp)
    if (vifi < 0 || (rt.flags[vifi]! & MRT_MFC_FLAGS_DISABLE_WRONGVIF) !== 0) return 0
    const now = s.v.env.clock.now()
    if (now - rt.lastAssert < ASSERT_INTERVAL_NS) return 0
    rt.lastAssert = now
    s.stats.mrts_upcalls++
    const src = ((b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!) >>> 0
    if (!upcall(s, m, (b[o]! & 0xf) << 2, IGMPMSG_WRONGVIF, vifi, src, ifp)) {
      s.stats.mrts_upq_sockfull++
      return 1
    }
    return 0
  }
  const pv = s.vifs[parent]!
  // A datagram this host sourced counts as output on its vif, anything else as input.
  const src = ((b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!) >>> 0
  if (src === pv.lclAddr) {
    pv.pktOut++
    pv.bytesOut += plen
  } else {
    pv.pktIn++
    pv.bytesIn += plen
  }
  rt.pktCnt++
  rt.byteCnt += plen
  const ttl = b[o + 8]!
  for (let vifi = 0; vifi < s.numvifs; vifi++) {
    const t = rt.ttls[vifi]!
    if (t === 0 || ttl <= t) continue
    const vif = s.vifs[vifi]!
    vif.pktOut++
    vif.bytesOut += plen
    phyintSend(s, vif, m)
  }
  return 0
}

/**
 * phyint_send / send_packet: a copy of m out of the vif's interface with its TTL one less, as
 * ip_output with IP_FORWARDING sends it; members of the group on that interface on this host get
 * a looped-back copy (ip_mloopback only for a group joined there).
 */
function phyintSend(s: MrouteVnet, vif: Vif, m: Mbuf): void {
  const ifp = vif.ifp
  if (ifp === null || !ifp.up) return
  const v = s.v
  const c = v.env.pool.dup(m)
  ipv4DecrementTtl(c.data, c.off)
  c.linkBcast = false
  const b = c.data
  const o = c.off
  const dst = ((b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!) >>> 0
  if (igmpIfinfoPeek(ifp)?.find(dst) !== undefined) ipMloopback(ifp, c, dst)
  if (c.len > ifp.mtu && (readU16(b, o + 6) & IP_DF) !== 0) {
    ip(v).stats.ips_cantfrag++
    v.env.pool.put(c)
    return
  }
  ipSend(v, ifp, c, dst, false, ifp.mtu, true)
}

/** Start expire_upcalls' tick if an upcall is outstanding and it is not running. */
export function armExpire(s: MrouteVnet): void {
  s.expireTimer ??= s.v.env.clock.timer(() => expireUpcalls(s))
  if (!s.expireTimer.armed) s.expireTimer.arm(EXPIRE_TIMEOUT_NS)
}

/** expire_upcalls: an entry whose upcall went unanswered for UPCALL_EXPIRE ticks goes, held datagrams and all. */
function expireUpcalls(s: MrouteVnet): void {
  for (const bucket of s.mfc) {
    for (let i = bucket.length - 1; i >= 0; i--) {
      const rt = bucket[i]!
      if (rt.stall.length === 0 || rt.expire === 0 || --rt.expire > 0) continue
      s.stats.mrts_cache_cleanups++
      freeMfc(s, bucket, i)
    }
  }
  if (s.pending > 0) armExpire(s)
}

/** expire_mfc: entry bucket[i] and any datagrams it holds. */
export function freeMfc(s: MrouteVnet, bucket: Mfc[], i: number): void {
  const rt = bucket[i]!
  if (rt.stall.length !== 0) s.pending--
  for (const q of rt.stall) s.v.env.pool.put(q.m)
  rt.stall.length = 0
  bucket.splice(i, 1)
}

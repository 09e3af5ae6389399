/**
 * VRRPv3 (RFC 9568) as FreeBSD 15's carp(4) speaks it for a vhid created with `carpver 3`: the
 * advertisement of each family (version 3, the vhid as VRID, the priority, the vhid's addresses of
 * that family, Max Advertise Interval in centiseconds, the checksum over the pseudo-header) to
 * 224.0.0.18 / ff02::12 (TTL / hop limit 255, from the virtual MAC) or to a unicast peer, and the
 * timers of RFC 9568 §6.1: Skew_Time and Master_Down_Interval from the master's interval.
 *
 * Must not: run the state machine (ip_carp.ts decides on what arrives and when timers fire), or
 * throw on the packet path.
 */

import { writeU32 } from '../../../wire/addr.js'
import { IPPROTO_CARP } from '../../../wire/inet/carp.js'
import { VRRP_HDR_LEN, VrrpOff, vrrpFinish4, writeVrrpHeader } from '../../../wire/inet/vrrp.js'
import { in6IsLinkLocal, in6IsMulticast } from '../../../wire/inet6/in6_addr.js'
import { ip6Output } from '../../netinet6/ip6/ip6_output.js'
import { ipOutput } from '../ip/ip_output.js'
import { bestIfa4, bestIfa6 } from './carp_src.js'
import { type CarpSoftc, carpVnet, isV6 } from './carp_var.js'

/** One centisecond, the unit of VRRPv3's intervals, in ns. */
export const CS = 10_000_000
/** CARP_DFLTTL: VRRP's TTL / hop limit too (RFC 9568 §5.1.1.3, §5.1.2.3). */
const VRRP_TTL = 255
/** At most this many addresses of a family go in one advertisement (Count IPvX Addr is 8 bits). */
const MAX_ADDRS4 = 255
const MAX_ADDRS6 = 85

/** RFC 9568 §6.1's Skew_Time: ((256 - Priority) * Master_Adver_Interval) / 256, in centiseconds. */
export function vrrpSkewCs(sc: CarpSoftc): number {
  return Math.floor(((256 - sc.vrrpPrio) * sc.vrrpMasterInter) / 256)
}

/** Master_Down_Interval: (3 * Master_Adver_Interval) + Skew_Time, in centiseconds. */
export function vrrpMasterDownCs(sc: CarpSoftc): number {
  return 3 * sc.vrrpMasterInter + vrrpSkewCs(sc)
}

/** The IPv4 advertisement with `priority` (0 when resigning); the output's error, if any. */
export function vrrpOutput4(sc: CarpSoftc, priority: number): ReturnType<typeof ipOutput> {
  const ifp = sc.ifp
  const v = ifp.vnet
  const s = carpVnet(v)
  const m = v.env.pool.get()
  const b = m.data
  const o = m.off
  let n = 0
  for (const a of sc.ifas) {
    if (isV6(a) || n === MAX_ADDRS4) continue
    writeU32(b, o + VRRP_HDR_LEN + 4 * n++, a.addr)
  }
  const len = VRRP_HDR_LEN + 4 * n
  writeVrrpHeader(b, o, sc.vhid, priority, n, sc.vrrpAdvInter)
  const src = bestIfa4(ifp)
  vrrpFinish4(b, o, len, src, sc.peer)
  m.len = len
  const multicast = sc.peer >>> 28 === 0xe
  if (multicast) m.tag = sc.srcTag
  s.stats.carps_opackets++
  return ipOutput(v, m, sc.peer, IPPROTO_CARP, {
    ttl: VRRP_TTL,
    tos: s.dscp << 2,
    df: true,
    src,
    dontRoute: false,
    mifp: multicast ? ifp : null,
    mloop: false,
  })
}

/** The IPv6 advertisement (ip6_output fills in the checksum over the pseudo-header). */
export function vrrpOutput6(sc: CarpSoftc, priority: number): ReturnType<typeof ip6Output> {
  const ifp = sc.ifp
  const v = ifp.vnet
  const s = carpVnet(v)
  const m = v.env.pool.get()
  const b = m.data
  const o = m.off
  let n = 0
  for (const a of sc.ifas) {
    if (!isV6(a) || n === MAX_ADDRS6) continue
    b.set(a.addr.subarray(0, 16), o + VRRP_HDR_LEN + 16 * n++)
  }
  writeVrrpHeader(b, o, sc.vhid, priority, n, sc.vrrpAdvInter)
  m.len = VRRP_HDR_LEN + 16 * n
  const multicast = in6IsMulticast(sc.peer6, 0)
  if (multicast) m.tag = sc.srcTag
  s.stats.carps_opackets6++
  return ip6Output(v, m, sc.peer6, 0, IPPROTO_CARP, {
    hlim: VRRP_TTL,
    src: bestIfa6(ifp, sc.peer6),
    zone: multicast || in6IsLinkLocal(sc.peer6, 0) ? ifp.index : 0,
    csumOff: VrrpOff.CKSUM,
    tclass: s.dscp << 2,
  })
}

/**
 * ospf6d's receipt of a packet (RFC 5340 §4.2.2 on RFC 2328 §8.2): the interface and header checks
 * (link-local source, destination, instance, area, Router ID), a virtual link's packets told apart
 * from the transit area's (§4.7), the checksum, or instead the Authentication Trailer where one is
 * configured (RFC 7166: the AT bit, the digest, no replayed sequence number), then the packet handed to the neighbour
 * machine or the flooding code.
 *
 * Must not: throw on what a packet says (it is dropped and counted), or send anything itself.
 */

import { in6Eq, in6IsLinkLocal } from '../../../../wire/inet6/in6_addr.js'
import {
  ALL_D_ROUTERS6,
  ALL_SPF_ROUTERS6,
  type Ospf6Body,
  ospf6Checksum,
  parseOspf6,
} from '../../../../wire/routing/ospf6.js'
import { checkTrailer, OPT6_AT } from '../../../../wire/routing/ospf6_auth.js'
import type { Ospf6Engine } from './ospf6_engine.js'
import { receiveUpdate6 } from './ospf6_flood.js'
import type { Ospf6If } from './ospf6_types.js'
import { virtualLinkFor6 } from './ospf6_vlink.js'

export function receive6(
  e: Ospf6Engine,
  pkt: Uint8Array,
  src: Uint8Array,
  dst: Uint8Array,
  ifName: string,
  now: number,
): void {
  const phys = e.ifs.get(ifName)
  if (phys === undefined || phys.state === 'Down' || phys.state === 'Loopback' || phys.passive) {
    e.drop('interface')
    return
  }
  const p = parseOspf6(pkt)
  if (!p.ok) {
    e.drop(p.reason)
    return
  }
  const h = p.hdr
  if (in6Eq(src, 0, phys.linkLocal, 0)) return
  // §4.7: the backbone's packets from a virtual link's peer, across the transit area.
  const vl = h.areaId === 0 && phys.area !== 0 ? virtualLinkFor6(e, phys, h.routerId, src) : null
  const i = vl ?? phys
  if (vl === null && !checkLink(e, i, src, dst)) return
  if (h.instance !== 0) {
    e.drop('instance')
    return
  }
  if (h.areaId !== i.area) {
    e.drop('area')
    return
  }
  if (h.routerId >>> 0 === e.routerId >>> 0 || h.routerId === 0) {
    e.drop('router-id')
    return
  }
  const b = p.body
  // RFC 7166: the AT bit of Hellos and DDs says whether a trailer follows; it must be ours.
  const opts = b.type === 1 ? b.hello.options : b.type === 2 ? b.dd.options : null
  if (opts !== null && ((opts & OPT6_AT) !== 0) !== !!i.auth) {
    authDrop(e, i, 'auth-option')
    return
  }
  let seq: [number, number] | null = null
  // RFC 7166 §4.2: with a trailer the checksum is zero and the digest stands in for it.
  if (!i.auth && ospf6Checksum(pkt, src, dst) !== 0) {
    e.drop('checksum')
    return
  }
  if (i.auth) {
    const c = checkTrailer(pkt, h.length, src, i.auth)
    if (!c.ok) {
      authDrop(e, i, c.reason)
      return
    }
    // §4.1: a sequence number below the neighbour's last is a replay.
    const last = i.nbrs.get(h.routerId)?.atSeq
    if (last !== undefined && (c.hi < last[0] || (c.hi === last[0] && c.lo < last[1]))) {
      authDrop(e, i, 'auth-sequence')
      return
    }
    seq = [c.hi, c.lo]
  }
  e.counters.rxPackets[h.type]!++
  dispatch(e, i, src, h.routerId, b, now)
  const n = i.nbrs.get(h.routerId)
  if (seq !== null && n !== undefined) n.atSeq = seq
}

function dispatch(e: Ospf6Engine, i: Ospf6If, src: Uint8Array, rid: number, b: Ospf6Body, now: number): void {
  if (b.type === 1) {
    e.nbr.hello(i, src, rid, b.hello, now)
    return
  }
  const n = i.nbrs.get(rid)
  if (n === undefined) {
    e.drop('neighbor')
    return
  }
  if (b.type === 2) e.nbr.dd(i, n, b.dd, now)
  else if (b.type === 3) e.nbr.lsr(i, n, b.reqs, now)
  else if (b.type === 4) receiveUpdate6(e, i, n, b.lsas, now)
  else e.nbr.ack(n, b.headers)
}

function authDrop(e: Ospf6Engine, i: Ospf6If, reason: string): void {
  i.atRxDrops = (i.atRxDrops ?? 0) + 1
  e.drop(reason)
}

/** §4.2.2's checks of a packet on a real link: from a link-local address, to us or our groups. */
function checkLink(e: Ospf6Engine, i: Ospf6If, src: Uint8Array, dst: Uint8Array): boolean {
  if (!in6IsLinkLocal(src, 0)) {
    e.drop('source')
    return false
  }
  if (in6Eq(dst, 0, ALL_D_ROUTERS6, 0) && i.state !== 'DR' && i.state !== 'BDR') return false
  if (
    !in6Eq(dst, 0, ALL_SPF_ROUTERS6, 0) &&
    !in6Eq(dst, 0, ALL_D_ROUTERS6, 0) &&
    !in6Eq(dst, 0, i.linkLocal, 0)
  ) {
    e.drop('dst')
    return false
  }
  return true
}

/**
 * ospfd's receipt of a packet (RFC 2328 §8.2): the interface and header checks (source, destination
 * group by interface state, area, subnet on a broadcast network, authentication (ospf_auth.ts), Router ID), a
 * virtual link's packets told apart from the transit area's (§15), then the packet handed to the
 * neighbour machine (Hello, DD, LSR, LSAck: ospf_nbr.ts) or to the flooding code (LSU: ospf_flood.ts).
 *
 * Must not: throw on what a packet says (it is dropped and counted), or send anything itself.
 */

import { ALL_D_ROUTERS, ALL_SPF_ROUTERS, parseOspf } from '../../../../wire/routing/ospf.js'
import type { OspfEngine } from './ospf_engine.js'
import { receiveUpdate } from './ospf_flood.js'
import { virtualLinkFor } from './ospf_vlink.js'

/** One OSPF packet (the IP payload) from src to dst on interface ifName. */
export function receivePacket(
  e: OspfEngine,
  pkt: Uint8Array,
  src: number,
  dst: number,
  ifName: string,
  now: number,
): void {
  let i = e.ifs.get(ifName)
  if (i === undefined || i.state === 'Down' || i.state === 'Loopback' || i.passive) {
    e.drop('interface')
    return
  }
  const p = parseOspf(pkt, e.lsaOf)
  if (!p.ok) {
    e.drop(p.reason)
    return
  }
  const h = p.hdr
  if (src === i.addr) return
  // Not a member of AllDRouters unless DR or BDR: the NIC would not have taken it (not a drop).
  if (dst === ALL_D_ROUTERS && i.state !== 'DR' && i.state !== 'Backup') return
  // A virtual link's packets come to whichever of our addresses the peer picked (checked below).
  const vlCandidate = h.areaId === 0 && i.area !== 0
  if (dst !== ALL_SPF_ROUTERS && dst !== ALL_D_ROUTERS && dst !== i.addr && !vlCandidate) {
    e.drop('dst')
    return
  }
  if (h.areaId !== i.area) {
    // §8.2: the backbone's packets on a transit area's interface may be a virtual link's.
    const v = vlCandidate ? virtualLinkFor(e, i, h.routerId, dst) : null
    if (v === null) {
      e.drop('area')
      return
    }
    i = v
  }
  if (i.type === 'broadcast' && ((src ^ i.addr) & i.mask) !== 0) {
    e.drop('subnet')
    return
  }
  const authFail = e.auth.check(i, pkt, src)
  if (authFail !== null) {
    e.drop(authFail)
    return
  }
  if (h.routerId >>> 0 === e.routerId >>> 0 || h.routerId === 0) {
    e.drop('router-id')
    return
  }
  e.counters.rxPackets[h.type]!++
  const b = p.body
  if (b.type === 1) {
    e.nbr.hello(i, src, h.routerId, b.hello, now)
    return
  }
  const n = i.nbrs.get(src)
  if (n === undefined || n.routerId >>> 0 !== h.routerId >>> 0) {
    e.drop('neighbor')
    return
  }
  if (b.type === 2) e.nbr.dd(i, n, b.dd, now)
  else if (b.type === 3) e.nbr.lsr(i, n, b.reqs, now)
  else if (b.type === 4) receiveUpdate(e, i, n, b.lsas, now)
  else e.nbr.ack(n, b.headers)
}

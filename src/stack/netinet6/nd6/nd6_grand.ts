/**
 * Gratuitous Neighbor Discovery (RFC 9131, "GRAND" in FreeBSD 15's release notes): a host's
 * unsolicited Neighbor Advertisements for its own addresses, so that first-hop routers learn a new
 * address before traffic to it arrives, and neighbors learn a new link-layer address at once.
 *
 * When one goes out (what FreeBSD's tests/sys/netinet6/ndp.sh `ndp_grand_linklayer_event` checks;
 * the kernel side, Differential D55015, is not in the sources we can read, so its knobs are not
 * guessed):
 * - an address that passed DAD (not one configured `no_dad`, which is never probed): one NA to
 *   all-routers (RFC 9131 §4.1 — routers are whom it informs);
 * - the interface's link-layer address changed (`ifconfig IF ether MAC`, FreeBSD's iflladdr event):
 *   one NA per ready address to all-nodes (RFC 4861 §7.2.6), since every neighbor holds the old one.
 * Every NA has Override set (the address passed DAD, RFC 9131 §4.1; RFC 4861 §7.2.6) and Router when
 * forwarding. An interface sends one NA per RetransTimer, in address order (link-local first), so a
 * change on a host with many addresses does not burst (RFC 4861 §7.2.6 asks for spacing).
 * Anycast and carp addresses are left out: an anycast address must not override, and a carp address
 * is announced by its vhid on becoming MASTER.
 *
 * The router side (RFC 9131 §4.2: an unsolicited NA with a target link-layer address for an address
 * not in the cache creates a STALE entry) is in nd6Learn. Must not: keep more than one queued NA per
 * address (the queue is bounded by the interface's addresses).
 */

import { MS, type Timer } from '../../../util/clock.js'
import { IN6_IFF, type In6Ifaddr, type In6Ifinfo } from '../in6_var.js'
import { in6if } from '../ip6/ip6.js'
import { nd6NaUnsolicited } from './nd6_nbr.js'

const ALL_NODES = new Uint8Array([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
const ALL_ROUTERS = new Uint8Array([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])

/** One interface's advertisements waiting for their turn. */
class GrandQueue {
  readonly addrs: In6Ifaddr[] = []
  readonly dsts: Uint8Array[] = []
  timer: Timer | null = null
}

function queueOf(ii: In6Ifinfo): GrandQueue {
  let q = ii.grand as GrandQueue | null
  if (q === null) {
    q = new GrandQueue()
    ii.grand = q
  }
  return q
}

/** An address we may advertise now: still configured, ready, neither anycast nor carp. */
function advertisable(ia: In6Ifaddr): boolean {
  const ii = ia.ifp.inet6 as In6Ifinfo | null
  return (
    ii?.addrs.includes(ia) === true &&
    ia.carp === null &&
    (ia.flags & (IN6_IFF.TENTATIVE | IN6_IFF.DUPLICATED | IN6_IFF.ANYCAST)) === 0
  )
}

function enqueue(ia: In6Ifaddr, dst: Uint8Array): void {
  const ifp = ia.ifp
  if (ifp.type !== 'ether' || !advertisable(ia)) return
  const q = queueOf(in6if(ifp))
  const i = q.addrs.indexOf(ia)
  if (i >= 0) {
    // Already waiting: all-nodes reaches the routers too, so it wins.
    if (dst === ALL_NODES) q.dsts[i] = dst
    return
  }
  q.addrs.push(ia)
  q.dsts.push(dst)
  if (q.timer?.armed === true) return
  sendHead(ia.ifp.inet6 as In6Ifinfo, q)
}

/** Send the oldest waiting NA and wait RetransTimer before the next. */
function sendHead(ii: In6Ifinfo, q: GrandQueue): void {
  while (q.addrs.length > 0) {
    const ia = q.addrs.shift()!
    const dst = q.dsts.shift()!
    if (!advertisable(ia) || !ia.ifp.up) continue
    nd6NaUnsolicited(ia, dst)
    // The next one, queued now or later, waits its turn.
    q.timer ??= ia.ifp.vnet.env.clock.timer(() => sendHead(ii, q))
    q.timer.arm(ii.retrans * MS)
    return
  }
}

/** DAD found no one else using ia (nd6_dad_timer's success): tell the routers. */
export function nd6GrandDadDone(ia: In6Ifaddr): void {
  enqueue(ia, ALL_ROUTERS)
}

/** The interface's link-layer address changed (nd6_iflladdr): re-advertise every ready address. */
export function nd6GrandLladdr(ii: In6Ifinfo): void {
  for (const ia of ii.addrs.slice()) enqueue(ia, ALL_NODES)
}

/** The interface leaves its vnet or loses IPv6: forget what waits. */
export function nd6GrandDetach(ii: In6Ifinfo): void {
  const q = ii.grand as GrandQueue | null
  if (q === null) return
  q.timer?.cancel()
  q.addrs.length = 0
  q.dsts.length = 0
}

/**
 * The IPv6 neighbor cache (RFC 4861 §7.3, FreeBSD's nd6.c): per-interface entries in the states
 * INCOMPLETE, REACHABLE, STALE, DELAY and PROBE with Neighbor Unreachability Detection, a bounded
 * hold queue while a neighbor resolves (net.inet6.icmp6.nd6_maxqueuelen), multicast solicitations
 * up to nd6_mmaxtries and unicast probes up to nd6_umaxtries, and a vnet-wide bound on entries.
 * The resolve path allocates nothing for a known neighbor. Messages are built in nd6_nbr.ts.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { SEC, type Timer } from '../../../util/clock.js'
import { SysError } from '../../../util/errno.js'
import { Icmp6Type, Unreach6Code } from '../../../wire/inet6/icmpv6.js'
import { type In6Addr, in6Eq, in6Hash, in6SolicitedNode } from '../../../wire/inet6/in6_addr.js'
import { llDropHeld } from '../../net/if_llatbl.js'
import type { Ifnet } from '../../net/ifnet.js'
import { intKnob } from '../../net/sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../../net/vnet.js'
import { icmp6Error } from '../icmp6.js'
import type { In6Ifinfo } from '../in6_var.js'
import { in6if, ip6 } from '../ip6/ip6.js'
import { in6IfJoin, in6IfLeave } from '../mld6/in6_mcast.js'
import { nd6GrandDetach } from './nd6_grand.js'
import { nd6NsOutput } from './nd6_nbr.js'
import { defrouterSelect } from './nd6_rtr.js'

/** ND6_LLINFO_* */
export const NdState = {
  NOSTATE: -2,
  INCOMPLETE: 0,
  REACHABLE: 1,
  STALE: 2,
  DELAY: 3,
  PROBE: 4,
} as const

/** nd6Resolve's result when the packet was held (or dropped and counted). */
export const ND6_HELD = -1

export class Nd6Stats {
  /** Packets dropped from a hold queue or for want of an entry. */
  dropped = 0
  /** Entries that gave up resolving (INCOMPLETE timeout) or failed NUD (PROBE timeout). */
  timeouts = 0
  /** Solicitations sent and advertisements received (icp6s_outhist / inhist cover the rest). */
  nsSent = 0
}

export class Nd6Vnet {
  readonly stats = new Nd6Stats()
  /** net.inet6.icmp6.nd6_maxqueuelen */
  maxQueueLen = 16
  /** net.inet6.icmp6.nd6_delay (s) */
  delay = 5
  /** net.inet6.icmp6.nd6_umaxtries / nd6_mmaxtries */
  umaxtries = 3
  mmaxtries = 3
  /** net.inet6.icmp6.nd6_gctimer (s): how long a STALE entry lives unused. */
  gcTimer = 86400
  entries = 0
  maxEntries = 16384
  /** Entries still resolving, oldest first: what a full table gives up first. */
  readonly unresolved = new Set<Nd6Entry>()
}

export const nd6Module: VnetModule<Nd6Vnet> = {
  name: 'nd6',
  slot: Slot.ND6,
  create: () => new Nd6Vnet(),
  sysctls: [
    intKnob(
      'net.inet6.icmp6.nd6_maxqueuelen',
      'Maximum queued packets per neighbor while resolving',
      (v) => nd6(v),
      'maxQueueLen',
      {
        min: 1,
      },
    ),
    intKnob('net.inet6.icmp6.nd6_delay', 'Delay before the first NUD probe (s)', (v) => nd6(v), 'delay', {
      min: 0,
    }),
    intKnob(
      'net.inet6.icmp6.nd6_umaxtries',
      'Unicast probes before a neighbor is unreachable',
      (v) => nd6(v),
      'umaxtries',
      {
        min: 1,
      },
    ),
    intKnob(
      'net.inet6.icmp6.nd6_mmaxtries',
      'Multicast solicitations before resolution fails',
      (v) => nd6(v),
      'mmaxtries',
      {
        min: 1,
      },
    ),
    intKnob(
      'net.inet6.icmp6.nd6_gctimer',
      'Lifetime of an unused STALE entry (s)',
      (v) => nd6(v),
      'gcTimer',
      { min: 1 },
    ),
  ],
}

export function nd6(v: Vnet): Nd6Vnet {
  return vstate(v, nd6Module)
}

/** A neighbor (struct llentry for AF_INET6). */
export class Nd6Entry {
  readonly ifp: Ifnet
  readonly addr: In6Addr
  state: number = NdState.INCOMPLETE
  mac = -1
  isRouter = false
  permanent = false
  /** A published (proxy) entry, `ndp -s ... proxy` (LLE_PUB): we answer solicitations for it. */
  proxy = false
  asked = 0
  /** Absolute clock time the current state ends (for ndp's Expire column); 0 = never. */
  expire = 0
  hold: Mbuf | null = null
  holdTail: Mbuf | null = null
  holdCount = 0
  hashNext: Nd6Entry | null = null
  readonly timer: Timer

  constructor(ifp: Ifnet, addr: In6Addr) {
    this.ifp = ifp
    this.addr = addr
    this.timer = ifp.vnet.env.clock.timer(() => nd6Timer(this))
  }
}

type NdTable = Map<number, Nd6Entry>

function table(ii: In6Ifinfo): NdTable {
  let t = ii.nd as NdTable | null
  if (t === null) {
    t = new Map()
    ii.nd = t
  }
  return t
}

/** The entry for a (at ao) on ifp, or null. Allocates nothing. */
export function nd6Lookup(ifp: Ifnet, a: Uint8Array, ao: number): Nd6Entry | null {
  const ii = ifp.inet6 as In6Ifinfo | null
  const t = ii === null ? null : (ii.nd as NdTable | null)
  if (t === null) return null
  const last = ii!.ndLast as Nd6Entry | null
  if (last !== null && in6Eq(last.addr, 0, a, ao)) return last
  for (let e = t.get(in6Hash(a, ao)) ?? null; e !== null; e = e.hashNext)
    if (in6Eq(e.addr, 0, a, ao)) {
      ii!.ndLast = e
      return e
    }
  return null
}

export function nd6Free(e: Nd6Entry): void {
  const ii = e.ifp.inet6 as In6Ifinfo | null
  const t = ii === null ? null : (ii.nd as NdTable | null)
  if (t === null) return
  const h = in6Hash(e.addr, 0)
  let prev: Nd6Entry | null = null
  for (let p = t.get(h) ?? null; p !== null; prev = p, p = p.hashNext) {
    if (p !== e) continue
    if (prev === null) {
      if (e.hashNext === null) t.delete(h)
      else t.set(h, e.hashNext)
    } else prev.hashNext = e.hashNext
    e.hashNext = null
    if (ii!.ndLast === e) ii!.ndLast = null
    e.timer.cancel()
    llDropHeld(e, e.ifp.vnet.env.pool)
    // A proxy entry held its address's solicited-node group (see nd6SetStatic).
    if (e.proxy) in6IfLeave(e.ifp, solicitedNodeOf(e.addr))
    const st = nd6(e.ifp.vnet)
    st.entries--
    st.unresolved.delete(e)
    return
  }
}

/** A new INCOMPLETE entry for a (copied), or null when the table is full of resolved neighbors. */
export function nd6Create(ifp: Ifnet, a: Uint8Array, ao: number): Nd6Entry | null {
  const st = nd6(ifp.vnet)
  if (st.entries >= st.maxEntries) {
    const victim = st.unresolved.values().next()
    if (victim.done === true) return null
    st.stats.dropped += victim.value.holdCount
    nd6Free(victim.value)
  }
  const e = new Nd6Entry(ifp, a.slice(ao, ao + 16))
  const t = table(in6if(ifp))
  const h = in6Hash(e.addr, 0)
  e.hashNext = t.get(h) ?? null
  t.set(h, e)
  st.entries++
  st.unresolved.add(e)
  return e
}

function flushHold(e: Nd6Entry, send: (ifp: Ifnet, m: Mbuf, mac: number) => void): void {
  let m = e.hold
  e.hold = null
  e.holdTail = null
  e.holdCount = 0
  while (m !== null) {
    const next = m.next
    m.next = null
    send(e.ifp, m, e.mac)
    m = next
  }
}

/** Enter `state`, arming the timer that ends it (nd6_llinfo_settimer). */
export function nd6SetState(e: Nd6Entry, state: number): void {
  const v = e.ifp.vnet
  const st = nd6(v)
  const ii = in6if(e.ifp)
  e.state = state
  if (state !== NdState.INCOMPLETE) st.unresolved.delete(e)
  if (e.permanent) {
    e.timer.cancel()
    e.expire = 0
    return
  }
  let ms = 0
  if (state === NdState.REACHABLE) ms = ii.reachable
  else if (state === NdState.STALE) ms = st.gcTimer * 1000
  else if (state === NdState.DELAY) ms = st.delay * 1000
  else ms = ii.retrans
  e.expire = v.env.clock.now() + ms * 1e6
  e.timer.armAt(e.expire)
}

function nd6Timer(e: Nd6Entry): void {
  const v = e.ifp.vnet
  const st = nd6(v)
  switch (e.state) {
    case NdState.INCOMPLETE:
      if (e.asked < st.mmaxtries) {
        e.asked++
        nd6SetState(e, NdState.INCOMPLETE)
        nd6NsOutput(e.ifp, e.addr, null, false)
        return
      }
      // RFC 4861 §7.2.2: resolution failed; the sender of a held packet hears address unreachable.
      st.stats.timeouts++
      if (e.hold !== null) {
        const m = e.hold
        e.hold = m.next
        m.next = null
        e.holdCount--
        st.stats.dropped += llDropHeld(e, e.ifp.vnet.env.pool)
        icmp6Error(v, m, Icmp6Type.DST_UNREACH, Unreach6Code.ADDR, 0, m.rcvif === null ? e.ifp : null)
      }
      nd6Free(e)
      return
    case NdState.REACHABLE:
      nd6SetState(e, NdState.STALE)
      return
    case NdState.DELAY:
      e.asked = 1
      nd6SetState(e, NdState.PROBE)
      nd6NsOutput(e.ifp, e.addr, e, false)
      return
    case NdState.PROBE:
      if (e.asked < st.umaxtries) {
        e.asked++
        nd6SetState(e, NdState.PROBE)
        nd6NsOutput(e.ifp, e.addr, e, false)
        return
      }
      st.stats.timeouts++
      nd6Free(e)
      // An unreachable router may no longer be the one to use (nd6_free's defrouter_select).
      if (e.isRouter) defrouterSelect(v)
      return
    default:
      // STALE for gcTimer without use.
      nd6Free(e)
  }
}

/**
 * nd6_resolve: the MAC for next hop a (at ao) on ifp, or ND6_HELD when m was queued (taking
 * ownership) while the neighbor resolves. A STALE neighbor is used at once and NUD starts (DELAY).
 */
export function nd6Resolve(ifp: Ifnet, a: Uint8Array, ao: number, m: Mbuf): number {
  let e = nd6Lookup(ifp, a, ao)
  if (e !== null && e.state !== NdState.INCOMPLETE && e.mac >= 0) {
    if (e.state === NdState.STALE) {
      e.asked = 0
      nd6SetState(e, NdState.DELAY)
    }
    return e.mac
  }
  const v = ifp.vnet
  const st = nd6(v)
  if (e === null) {
    e = nd6Create(ifp, a, ao)
    if (e === null) {
      st.stats.dropped++
      v.env.pool.put(m)
      return ND6_HELD
    }
  }
  if (e.holdCount >= st.maxQueueLen) {
    // Drop the oldest held packet, as FreeBSD does, so the newest gets through.
    const old = e.hold!
    e.hold = old.next
    old.next = null
    if (e.hold === null) e.holdTail = null
    v.env.pool.put(old)
    e.holdCount--
    st.stats.dropped++
  }
  m.next = null
  if (e.holdTail === null) e.hold = m
  else e.holdTail.next = m
  e.holdTail = m
  e.holdCount++
  if (e.asked === 0) {
    e.asked = 1
    // Arm first: the answer may be processed before the solicitation call returns.
    nd6SetState(e, NdState.INCOMPLETE)
    nd6NsOutput(ifp, e.addr, null, false)
  }
  return ND6_HELD
}

/**
 * What a Neighbor Advertisement (RFC 4861 §7.2.5) or a message carrying a source link-layer address
 * (§7.2.3, §7.2.4: `na` false) tells us about neighbor a. `send` frames released packets. Returns
 * a's entry, or null when it has none.
 */
export function nd6Learn(
  ifp: Ifnet,
  a: Uint8Array,
  ao: number,
  mac: number,
  na: boolean,
  solicited: boolean,
  override: boolean,
  router: boolean,
  send: (ifp: Ifnet, m: Mbuf, mac: number) => void,
): Nd6Entry | null {
  let e = nd6Lookup(ifp, a, ao)
  if (!na) {
    // NS/RS/redirect with a source link-layer address: create or update as STALE (§7.2.3).
    if (mac < 0) return e
    if (e === null) {
      e = nd6Create(ifp, a, ao)
      if (e === null) return null
      e.mac = mac
      nd6SetState(e, NdState.STALE)
      return e
    }
    if (e.permanent) return e
    if (e.state === NdState.INCOMPLETE || e.mac !== mac) {
      const wasIncomplete = e.state === NdState.INCOMPLETE
      e.mac = mac
      nd6SetState(e, NdState.STALE)
      if (wasIncomplete) flushHold(e, send)
    }
    return e
  }
  // A Neighbor Advertisement: only a neighbor we asked about, silently discarded otherwise (§7.2.5)
  // — but a router takes an unsolicited one carrying the target's link-layer address as a new STALE
  // entry, so traffic to a host that just announced itself needs no resolution (RFC 9131 §4.2).
  if (e === null) {
    if (solicited || mac < 0 || ip6(ifp.vnet).forwarding === 0) return null
    e = nd6Create(ifp, a, ao)
    if (e === null) return null
    e.mac = mac
    e.isRouter = router
    nd6SetState(e, NdState.STALE)
    return e
  }
  if (e.permanent) return e
  if (e.state === NdState.INCOMPLETE) {
    if (mac < 0) return e
    e.mac = mac
    e.isRouter = router
    e.asked = 0
    nd6SetState(e, solicited ? NdState.REACHABLE : NdState.STALE)
    flushHold(e, send)
    return e
  }
  const changed = mac >= 0 && mac !== e.mac
  if (!override && changed) {
    // §7.2.5: a different address without Override only makes a REACHABLE entry STALE.
    if (e.state === NdState.REACHABLE) nd6SetState(e, NdState.STALE)
    return e
  }
  if (changed) e.mac = mac
  e.isRouter = router
  if (solicited) {
    e.asked = 0
    nd6SetState(e, NdState.REACHABLE)
  } else if (changed) nd6SetState(e, NdState.STALE)
  return e
}

/** Drop the neighbor cache of an interface (detach, vnet move). */
export function nd6IfDetach(ifp: Ifnet): void {
  const ii = ifp.inet6 as In6Ifinfo | null
  if (ii !== null) nd6GrandDetach(ii)
  const t = ii === null ? null : (ii.nd as NdTable | null)
  if (t === null) return
  for (const e of nd6Entries(ifp)) nd6Free(e)
  ii!.nd = null
}

/** Every entry of an interface (control plane). */
export function nd6Entries(ifp: Ifnet): Nd6Entry[] {
  const ii = ifp.inet6 as In6Ifinfo | null
  const t = ii === null ? null : (ii.nd as NdTable | null)
  const out: Nd6Entry[] = []
  if (t === null) return out
  for (const head of t.values()) for (let e: Nd6Entry | null = head; e !== null; e = e.hashNext) out.push(e)
  return out
}

/**
 * `ndp -s`: a permanent entry (replacing any dynamic one). A proxy one (`ndp -s ADDR MAC proxy`,
 * LLE_PUB) also makes the interface listen to the address's solicited-node group, so the
 * solicitations for it arrive and nd6_ns_input answers them with MAC; deleting it leaves the group.
 */
export function nd6SetStatic(ifp: Ifnet, a: In6Addr, mac: number, proxy = false): void {
  if (!Number.isInteger(mac) || mac <= 0 || mac > 0xffffffffffff) throw new SysError('EINVAL', 'RTM_ADD')
  const old = nd6Lookup(ifp, a, 0)
  if (old !== null) nd6Free(old)
  const e = nd6Create(ifp, a, 0)
  if (e === null) throw new SysError('ENOBUFS', 'RTM_ADD')
  e.mac = mac
  e.permanent = true
  if (proxy) {
    e.proxy = true
    in6IfJoin(ifp, solicitedNodeOf(e.addr))
  }
  nd6SetState(e, NdState.REACHABLE)
}

function solicitedNodeOf(a: In6Addr): Uint8Array {
  const g = new Uint8Array(16)
  in6SolicitedNode(g, 0, a, 0)
  return g
}

/** Seconds until e's state ends, or -1 when it never does (for ndp's Expire column). */
export function nd6ExpiresIn(e: Nd6Entry): number {
  if (e.permanent || e.expire === 0) return -1
  return Math.max(0, Math.ceil((e.expire - e.ifp.vnet.env.clock.now()) / SEC))
}

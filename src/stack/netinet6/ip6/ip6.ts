/**
 * IPv6's per-vnet state (V_ip6stat, V_in6_ifaddrhead, the inet6 FIB, the net.inet6.ip6.* knobs):
 * struct ip6stat counters with FreeBSD's names, the table of local addresses the input path asks
 * "is this for me", and the per-interface IPv6 record (`in6if`). Input and output live in
 * ip6_input.ts / ip6_output.ts. Must not: send packets or arm timers.
 */

import { in6Eq, in6Hash } from '../../../wire/inet6/in6_addr.js'
import { Ip6FragView, Ipv6View } from '../../../wire/inet6/ipv6.js'
import type { Ifnet } from '../../net/ifnet.js'
import { intKnob } from '../../net/sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../../net/vnet.js'
import { Rib6 } from '../in6_fib/in6_rtable.js'
import { type In6Ifaddr, In6Ifinfo, ND6_IFF } from '../in6_var.js'

/** struct ip6stat (netinet6/ip6_var.h), the counters netstat -s -p ip6 shows. */
export class Ip6Stats {
  ip6s_total = 0
  ip6s_tooshort = 0
  ip6s_toosmall = 0
  ip6s_fragments = 0
  ip6s_fragdropped = 0
  ip6s_fragtimeout = 0
  ip6s_fragoverflow = 0
  ip6s_forward = 0
  ip6s_cantforward = 0
  ip6s_redirectsent = 0
  ip6s_delivered = 0
  ip6s_localout = 0
  ip6s_odropped = 0
  ip6s_reassembled = 0
  ip6s_atomicfrags = 0
  ip6s_fragmented = 0
  ip6s_ofragments = 0
  ip6s_cantfrag = 0
  ip6s_badoptions = 0
  ip6s_noroute = 0
  ip6s_badvers = 0
  ip6s_rawout = 0
  ip6s_badscope = 0
  ip6s_notmember = 0
  ip6s_nogif = 0
  ip6s_toomanyhdr = 0
  ip6s_sources_none = 0
}

export class Ip6Vnet {
  readonly stats = new Ip6Stats()
  /** net.inet6.ip6.forwarding */
  forwarding = 0
  /** net.inet6.ip6.hlim */
  defHlim = 64
  /** net.inet6.ip6.auto_linklocal */
  autoLinklocal = 1
  /** net.inet6.ip6.dad_count */
  dadCount = 1
  /** net.inet6.ip6.accept_rtadv: ND6_IFF_ACCEPT_RTADV for interfaces attached from now on. */
  acceptRtadv = 0
  /** net.inet6.ip6.no_radr: ND6_IFF_NO_RADR for interfaces attached from now on. */
  noRadr = 0
  /** net.inet6.ip6.rfc6204w3: a forwarding node still takes a default route from RAs. */
  rfc6204w3 = 0
  /** net.inet6.ip6.maxifprefixes / maxifdefrouters: what one interface keeps from RAs. */
  maxIfPrefixes = 16
  maxIfDefrouters = 16
  /** net.inet6.ip6.use_stableaddr: SLAAC addresses with RFC 7217 identifiers (in6_stableaddr.ts). */
  useStableaddr = 0
  /** net.inet6.ip6.stableaddr_maxretries: new identifiers tried after DAD finds a duplicate. */
  stableaddrMaxretries = 3
  /** RFC 7217's secret key for this vnet, made on first use. */
  stableSecret: Uint8Array | null = null
  /** The default router and prefix lists (nd6_rtr.ts's Nd6Rtr), created on first RA. */
  nd6rtr: unknown = null
  /** net.inet6.ip6.redirect */
  redirect = 1
  /** net.inet6.ip6.v6only: new AF_INET6 sockets start with IPV6_V6ONLY (FreeBSD's default). */
  v6only = 1
  /** FIB 0's IPv6 table (ribs[0]). */
  readonly rib = new Rib6()
  /** The IPv6 table of each FIB made so far (made on first use, below the vnet's net.fibs). */
  readonly ribs: Rib6[] = [this.rib]
  /** Local addresses by in6Hash of their key, chained through hashNext. */
  private readonly local = new Map<number, In6Ifaddr>()
  /** Input scratch (the run-queue never nests, so one per vnet is enough). */
  readonly hIn = new Ipv6View()
  readonly fragIn = new Ip6FragView()
  /** Lookup keys (zone embedded) built per packet instead of allocated. */
  readonly keyIn = new Uint8Array(16)
  readonly keyOut = new Uint8Array(16)
  /** ip6Output's copy of the destination (the caller's may sit where the header goes). */
  readonly dstOut = new Uint8Array(16)
  /** Fragment identification for packets this vnet fragments (RFC 7739: random start). */
  fragId: number

  constructor(v: Vnet) {
    this.fragId = v.env.rng.stream(`ip6id:${v.id}`).u32()
  }

  /** The local address whose key is k[ko..ko+16), or undefined. */
  localByKey(k: Uint8Array, ko: number): In6Ifaddr | undefined {
    for (let a = this.local.get(in6Hash(k, ko)) ?? null; a !== null; a = a.hashNext)
      if (in6Eq(a.key, 0, k, ko)) return a
    return undefined
  }

  localInsert(a: In6Ifaddr): void {
    const h = in6Hash(a.key, 0)
    a.hashNext = this.local.get(h) ?? null
    this.local.set(h, a)
  }

  localRemove(a: In6Ifaddr): void {
    const h = in6Hash(a.key, 0)
    let prev: In6Ifaddr | null = null
    for (let p = this.local.get(h) ?? null; p !== null; prev = p, p = p.hashNext) {
      if (p !== a) continue
      if (prev === null) {
        if (a.hashNext === null) this.local.delete(h)
        else this.local.set(h, a.hashNext)
      } else prev.hashNext = a.hashNext
      a.hashNext = null
      return
    }
  }
}

export const ip6Module: VnetModule<Ip6Vnet> = {
  name: 'ip6',
  slot: Slot.IP6,
  create: (v) => new Ip6Vnet(v),
  sysctls: [
    intKnob(
      'net.inet6.ip6.forwarding',
      'Enable forwarding of IPv6 packets between interfaces',
      (v) => ip6(v),
      'forwarding',
      {
        min: 0,
        max: 1,
      },
    ),
    intKnob(
      'net.inet6.ip6.hlim',
      'Default hop limit to use for outgoing IPv6 packets',
      (v) => ip6(v),
      'defHlim',
      {
        min: 0,
        max: 255,
      },
    ),
    intKnob(
      'net.inet6.ip6.auto_linklocal',
      'Default value of per-interface flag for automatically adding an IPv6 link-local address to interfaces when attached',
      (v) => ip6(v),
      'autoLinklocal',
      { min: 0, max: 1 },
    ),
    intKnob(
      'net.inet6.ip6.dad_count',
      'Number of Duplicate Address Detection probes to send',
      (v) => ip6(v),
      'dadCount',
      {
        min: 0,
        max: 15,
      },
    ),
    intKnob(
      'net.inet6.ip6.accept_rtadv',
      'Default value of per-interface flag for accepting ICMPv6 RA messages',
      (v) => ip6(v),
      'acceptRtadv',
      { min: 0, max: 1 },
    ),
    intKnob(
      'net.inet6.ip6.no_radr',
      'Default value of per-interface flag to control whether routers sending ICMPv6 RA messages on that interface are added into the default router list',
      (v) => ip6(v),
      'noRadr',
      { min: 0, max: 1 },
    ),
    intKnob(
      'net.inet6.ip6.rfc6204w3',
      'Accept the default router list from ICMPv6 RA messages even when packet forwarding is enabled',
      (v) => ip6(v),
      'rfc6204w3',
      { min: 0, max: 1 },
    ),
    intKnob(
      'net.inet6.ip6.use_stableaddr',
      'Create RFC7217 semantically opaque IIDs for autoconfigured addresses',
      (v) => ip6(v),
      'useStableaddr',
      { min: 0, max: 1 },
    ),
    intKnob(
      'net.inet6.ip6.stableaddr_maxretries',
      'RFC7217 maximum number of DAD retries for stable addresses',
      (v) => ip6(v),
      'stableaddrMaxretries',
      { min: 0, max: 255 },
    ),
    intKnob(
      'net.inet6.ip6.maxifprefixes',
      'Maximum number of prefixes accepted from RAs per interface',
      (v) => ip6(v),
      'maxIfPrefixes',
      { min: 0, max: 1024 },
    ),
    intKnob(
      'net.inet6.ip6.maxifdefrouters',
      'Maximum number of default routers accepted from RAs per interface',
      (v) => ip6(v),
      'maxIfDefrouters',
      { min: 0, max: 1024 },
    ),
    intKnob(
      'net.inet6.ip6.v6only',
      'Bind the AF_INET6 sockets to AF_INET6 addresses only',
      (v) => ip6(v),
      'v6only',
      { min: 0, max: 1 },
    ),
    intKnob(
      'net.inet6.ip6.redirect',
      'Send ICMPv6 redirects for unforwardable IPv6 packets',
      (v) => ip6(v),
      'redirect',
      {
        min: 0,
        max: 1,
      },
    ),
  ],
}

export function ip6(v: Vnet): Ip6Vnet {
  return vstate(v, ip6Module)
}

/** The interface's IPv6 record, created with the vnet's defaults on first use (in6_domifattach). */
export function in6if(ifp: Ifnet): In6Ifinfo {
  let ii = ifp.inet6 as In6Ifinfo | null
  if (ii === null) {
    const st = ip6(ifp.vnet)
    const loop = ifp.type === 'loop'
    const bridge = ifp.family === 'bridge'
    const stf = ifp.family === 'stf'
    // nd6_ifattach (FreeBSD 14): IPv6 starts disabled on every interface but the loopback, until
    // the first inet6 address is added (in6_control clears it) or `-ifdisabled`; if_bridge adds
    // no link-local of its own (its members carry the traffic).
    let flags: number = ND6_IFF.PERFORMNUD
    if (!loop) flags |= ND6_IFF.IFDISABLED
    if ((st.autoLinklocal !== 0 && !bridge && !stf) || loop) flags |= ND6_IFF.AUTO_LINKLOCAL
    // in6_ifattach's IFT_STF quirk: a 6to4 interface has no link-local address and runs no DAD.
    if (stf) flags |= ND6_IFF.NO_DAD
    // A vnet that accepts router advertisements assumes IPv6 on.
    if (st.acceptRtadv !== 0 && !loop && !bridge) flags = (flags | ND6_IFF.ACCEPT_RTADV) & ~ND6_IFF.IFDISABLED
    if (st.noRadr !== 0 && !loop) flags |= ND6_IFF.NO_RADR
    // ReachableTime: a random value in [0.5, 1.5) × BaseReachableTime (RFC 4861 §6.3.2).
    const r = ifp.vnet.env.rng.stream(`nd6:${ifp.vnet.id}:${ifp.index}`).u32() / 2 ** 32
    ii = new In6Ifinfo(flags, Math.floor(30000 * (0.5 + r)))
    ifp.inet6 = ii
  }
  return ii
}

/** The IPv6 table of fib (below net.fibs, checked by the caller), made on first use. */
export function rib6(v: Vnet, fib: number): Rib6 {
  const s = ip6(v)
  if (fib === 0) return s.rib
  const ribs = s.ribs
  while (ribs.length <= fib) {
    const t = new Rib6(ribs.length)
    t.maxRoutes = s.rib.maxRoutes
    ribs.push(t)
  }
  return ribs[fib]!
}

/**
 * Internet protocol control blocks (FreeBSD's in_pcb.c): the per-vnet table of a transport
 * protocol's endpoints (V_udbinfo, later V_tcbinfo), so every stack has its own port space. Binding
 * follows in_pcbbind_setup (reserved ports, SO_REUSEADDR / SO_REUSEPORT, ephemeral ports from
 * net.inet.ip.portrange.first/last picked at random as `portrange.randomized` does), and a jail on
 * a shared stack may use only its own addresses (prison_local_ip4 / prison_remote_ip4).
 *
 * Lookups on the input path scan one port's short list: no allocation per packet.
 */

import { SO, type Socket } from '../../kern/socket.js'
import { SysError } from '../../util/errno.js'
import type { Rng } from '../../util/rng.js'
import { isMulticastIpv4 } from '../../wire/addr.js'
import type { Vnet } from '../net/vnet.js'
import type { Ip6Moptions } from '../netinet6/mld6/in6_mcast.js'
import type { IpMoptions } from './in_mcast.js'

/** IPPORT_RESERVED: ports below it need PRIV_NETINET_RESERVEDPORT. */
export const IPPORT_RESERVED = 1024

export const INADDR_ANY = 0
const INADDR_LOOPBACK = 0x7f000001

/**
 * inp_vflag: which families an endpoint speaks. An AF_INET6 socket (IPV6PROTO) bound to the
 * wildcard without IPV6_V6ONLY speaks both; one bound or connected to a v4-mapped address only IPv4.
 */
export const INP = { IPV4: 1, IPV6: 2, IPV6PROTO: 4 } as const

/**
 * A jail without its own vnet: the addresses its sockets may use (ip4.addr; ip6.addr, where null
 * means every address of the stack and an empty list no IPv6 at all — see netinet6/in6_jail.ts).
 */
export interface PcbJail {
  readonly ip4: readonly number[]
  readonly ip6: readonly Uint8Array[] | null
  readonly ip6Saddrsel: boolean
}

export class Inpcb {
  laddr = INADDR_ANY
  lport = 0
  faddr = INADDR_ANY
  fport = 0
  /**
   * Its socket. A TCP endpoint in compact TIME_WAIT has none any more (FreeBSD's NULL inp_socket):
   * it then holds its vnet's closed stand-in socket, and its tcptw remembers the options.
   */
  so: Socket
  readonly vnet: Vnet
  readonly jail: PcbJail | null
  /** The opener's credential, as far as binding cares (inp_cred). */
  readonly uid: number
  readonly rights: BindRights
  /** IP_TTL (-1: the vnet's net.inet.ip.ttl) and IP_TOS. */
  ttl = -1
  tos = 0
  /** Multicast options (inp_moptions), made on the first multicast setsockopt. */
  mopts: IpMoptions | null = null
  /** IPv6 multicast options (in6p_moptions, in6_mcast.ts), made on the first IPv6 multicast setsockopt. */
  mopts6: Ip6Moptions | null = null
  /** INP bits. */
  vflag: number = INP.IPV4
  /**
   * AF_INET6 sockets only (else null): in6p_laddr / in6p_faddr. While the endpoint speaks IPv6,
   * laddr / faddr above hold in6Digest of these, so that the port-keyed indexes and the TCP
   * machine's comparisons work unchanged; IPv6 lookups then compare these bytes.
   */
  laddr6: Uint8Array | null = null
  faddr6: Uint8Array | null = null
  /** The interface index of a link-scoped local or foreign address (sin6_scope_id), else 0. */
  zone = 0
  /** IPV6_UNICAST_HOPS (-1: net.inet6.ip6.hlim) and IPV6_TCLASS (-1: 0). */
  hlim = -1
  tclass = -1
  /** IPV6_V6ONLY (IN6P_IPV6_V6ONLY). */
  v6only = false
  /** In its table's port list (bound). */
  inTable = false
  /**
   * Links of the table's two chains (intrusive, as FreeBSD's inp_hash / inp_portlist): the local
   * port's chain and the input path's chain (exact or unconnected: a bound endpoint is on one).
   * Each add and remove is O(1) however many connections share the port, and a connection costs
   * no list object of its own.
   */
  portPrev: Inpcb | null = null
  portNext: Inpcb | null = null
  hashPrev: Inpcb | null = null
  hashNext: Inpcb | null = null
  /** Links of the table's list of every endpoint, in creation order (no Set entry of its own). */
  allPrev: Inpcb | null = null
  allNext: Inpcb | null = null
  /** The protocol's own control block (inp_ppcb: TCP's tcpcb), null for UDP. */
  ppcb: unknown = null

  constructor(so: Socket, vnet: Vnet, jail: PcbJail | null, uid: number, rights: BindRights) {
    this.so = so
    this.vnet = vnet
    this.jail = jail
    this.uid = uid
    this.rights = rights
  }

  get connected(): boolean {
    return this.faddr !== INADDR_ANY
  }
}

/** What a bind may do, decided by the caller from the credential. */
export interface BindRights {
  /** PRIV_NETINET_RESERVEDPORT. */
  readonly reservedPorts: boolean
}

const MAY_RESERVED: BindRights = Object.freeze({ reservedPorts: true })
const MAY_NOT_RESERVED: BindRights = Object.freeze({ reservedPorts: false })

/** The two possible BindRights, shared by every endpoint rather than made per socket. */
export function bindRights(reservedPorts: boolean): BindRights {
  return reservedPorts ? MAY_RESERVED : MAY_NOT_RESERVED
}

export class InpcbTable {
  /**
   * Bound endpoints by local port, the head of a chain through portNext; most recently bound first,
   * as FreeBSD's hash chains.
   */
  private readonly byPort = new Map<number, Inpcb>()
  /**
   * The input path's two indexes over the same endpoints (FreeBSD's exact-match and wildcard
   * hashes), chained through hashNext: connected ones by (local port, foreign port), unconnected
   * ones by local port, each most recent first. A listener with thousands of connections then
   * finds a segment's connection without walking its siblings. Keys are int32, so never boxed.
   */
  private readonly exact = new Map<number, Inpcb>()
  private readonly unconnected = new Map<number, Inpcb>()
  /**
   * Every endpoint, bound or not, in creation order (netstat -a, sockstat): a list through
   * allPrev / allNext, so a short connection's attach and detach are a few stores (a Set's entry
   * for it, and the rehash when the set empties, cost more than the rest of the bookkeeping).
   */
  private allHead: Inpcb | null = null
  private allTail: Inpcb | null = null
  private attachedCount = 0
  private readonly rng: Rng
  /** Endpoints a vnet may have at once. */
  max: number
  /** net.inet.ip.portrange.first / last (sysctls of the vnet, read at each allocation). */
  range = { first: 10000, last: 65535 }

  constructor(rng: Rng, max: number) {
    this.rng = rng
    this.max = max
  }

  /** in_pcballoc: reserve a slot; ENOBUFS when the vnet has as many endpoints as it may. */
  attach(pcb: Inpcb): Inpcb {
    if (this.attachedCount >= this.max) throw new SysError('ENOBUFS', 'socket')
    if (this.isAttached(pcb)) return pcb
    const tail = this.allTail
    pcb.allPrev = tail
    pcb.allNext = null
    if (tail === null) this.allHead = pcb
    else tail.allNext = pcb
    this.allTail = pcb
    this.attachedCount++
    return pcb
  }

  /** in_pcbdetach + in_pcbfree (a second detach does nothing). */
  detach(pcb: Inpcb): void {
    this.unhash(pcb)
    if (!this.isAttached(pcb)) return
    const { allPrev: prev, allNext: next } = pcb
    if (prev !== null) prev.allNext = next
    else this.allHead = next
    if (next !== null) next.allPrev = prev
    else this.allTail = prev
    pcb.allPrev = null
    pcb.allNext = null
    this.attachedCount--
  }

  private isAttached(pcb: Inpcb): boolean {
    return pcb.allPrev !== null || this.allHead === pcb
  }

  get count(): number {
    return this.attachedCount
  }

  all(): Inpcb[] {
    const out: Inpcb[] = []
    for (let p = this.allHead; p !== null; p = p.allNext) out.push(p)
    return out
  }

  /**
   * The newest connected endpoint of (lport, fport); the rest follow through hashNext, most recent
   * first (the IPv6 lookups walk them).
   */
  exactHead(lport: number, fport: number): Inpcb | null {
    return this.exact.get(exactKey(lport, fport)) ?? null
  }

  /** The newest unconnected endpoint bound to lport; the rest follow through hashNext. */
  unconnectedHead(lport: number): Inpcb | null {
    return this.unconnected.get(lport) ?? null
  }

  /**
   * The newest endpoint bound to `lport`; the rest follow through portNext (datagrams to broadcast
   * and multicast addresses go to each).
   */
  portHead(lport: number): Inpcb | null {
    return this.byPort.get(lport) ?? null
  }

  /**
   * in_pcblookup_local: an endpoint bound to laddr:lport. With `wildcard`, either side may be the
   * wildcard address and the most specific match wins; without, only an unconnected endpoint bound
   * to exactly laddr counts.
   */
  lookupLocal(laddr: number, lport: number, wildcard: boolean): Inpcb | null {
    let best: Inpcb | null = null
    let bestScore = 3
    for (let p = this.byPort.get(lport) ?? null; p !== null; p = p.portNext) {
      if ((p.vflag & INP.IPV4) === 0) continue
      if (!wildcard) {
        if (p.faddr === INADDR_ANY && p.laddr === laddr) return p
        continue
      }
      let score = 0
      if (p.faddr !== INADDR_ANY) score++
      if (p.laddr !== INADDR_ANY) {
        if (laddr === INADDR_ANY) score++
        else if (p.laddr !== laddr) continue
      } else if (laddr !== INADDR_ANY) score++
      if (score < bestScore) {
        best = p
        bestScore = score
        if (score === 0) break
      }
    }
    return best
  }

  /**
   * in_pcblookup for an arriving datagram: the connected endpoint of the exact four-tuple, else an
   * unconnected one bound to the destination address, else one bound to the wildcard address. A
   * jail's wildcard endpoint only hears its own addresses.
   */
  lookup(faddr: number, fport: number, laddr: number, lport: number, wildcard = true): Inpcb | null {
    for (let p = this.exact.get(exactKey(lport, fport)) ?? null; p !== null; p = p.hashNext)
      if (p.faddr === faddr && p.laddr === laddr && (p.vflag & INP.IPV4) !== 0) return p
    if (!wildcard) return null
    let wild: Inpcb | null = null
    let specific: Inpcb | null = null
    for (let p = this.unconnected.get(lport) ?? null; p !== null; p = p.hashNext) {
      if ((p.vflag & INP.IPV4) === 0) continue
      if (p.laddr === laddr) specific ??= p
      else if (p.laddr === INADDR_ANY && wild === null && (p.jail === null || p.jail.ip4.includes(laddr)))
        wild = p
    }
    return specific ?? wild
  }

  /**
   * in_pcbbind_setup + in_pcbinshash: give pcb the local address laddr (which the caller has checked
   * is ours, or INADDR_ANY) and port lport (0: an ephemeral one).
   */
  bind(pcb: Inpcb, laddr: number, lport: number): void {
    this.bindSetup(pcb, laddr, lport)
    this.hash(pcb)
  }

  /** in_pcbbind_setup: pcb's local address and port, not yet in the indexes. */
  private bindSetup(pcb: Inpcb, laddr: number, lport: number): void {
    if (pcb.lport !== 0) throw new SysError('EINVAL', 'bind')
    laddr = jailLocalAddr(pcb.jail, laddr)
    if (laddr !== INADDR_ANY && !isMulticastIpv4(laddr) && !pcb.vnet.isLocal(laddr))
      throw new SysError('EADDRNOTAVAIL', 'bind')
    const wildcard = (pcb.so.options & (SO.REUSEADDR | SO.REUSEPORT)) === 0
    if (lport === 0) lport = this.ephemeralLocal(laddr, wildcard)
    else this.checkPort(pcb, laddr, lport)
    pcb.laddr = laddr
    pcb.lport = lport
  }

  /**
   * in_pcbconnect: set the foreign address, binding an ephemeral port (and, when the local address
   * is the wildcard, the source address `src` the route gives) first. An endpoint bound here goes
   * into the indexes once, connected (a short connection's bind and connect are one insertion).
   */
  connect(pcb: Inpcb, faddr: number, fport: number, src: number): void {
    if (fport === 0) throw new SysError('EADDRNOTAVAIL', 'connect')
    if (pcb.lport === 0) this.bindSetup(pcb, INADDR_ANY, 0)
    else this.unhash(pcb)
    if (pcb.laddr === INADDR_ANY) pcb.laddr = src
    pcb.faddr = faddr
    pcb.fport = fport
    this.hash(pcb)
  }

  /** Back to unconnected (connect to AF_UNSPEC), keeping the local port. */
  disconnect(pcb: Inpcb, keepLaddr: boolean): void {
    this.unhash(pcb)
    pcb.faddr = INADDR_ANY
    pcb.fport = 0
    if (!keepLaddr) pcb.laddr = INADDR_ANY
    if (pcb.lport !== 0) this.hash(pcb)
  }

  checkPort(pcb: Inpcb, laddr: number, lport: number): void {
    if (lport < IPPORT_RESERVED && !pcb.rights.reservedPorts) throw new SysError('EACCES', 'bind')
    const opts = pcb.so.options
    // SO_REUSEADDR means SO_REUSEPORT for multicast groups.
    const reuseport = (opts & SO.REUSEPORT) !== 0 || (isMulticastIpv4(laddr) && (opts & SO.REUSEADDR) !== 0)
    // Another user's wildcard-overlapping endpoint cannot be shadowed (port theft), unless both share it.
    if (!isMulticastIpv4(laddr)) {
      const t = this.lookupLocal(laddr, lport, true)
      if (
        t !== null &&
        t.uid !== pcb.uid &&
        (laddr !== INADDR_ANY || t.laddr !== INADDR_ANY || (soOptions(t) & SO.REUSEPORT) === 0)
      )
        throw new SysError('EADDRINUSE', 'bind')
    }
    const exactOnly = (opts & (SO.REUSEADDR | SO.REUSEPORT)) !== 0
    const t = this.lookupLocal(laddr, lport, !exactOnly)
    if (t !== null && !(reuseport && (soOptions(t) & SO.REUSEPORT) !== 0))
      throw new SysError('EADDRINUSE', 'bind')
  }

  /** in_pcb_lport: a free port of the ephemeral range (by `inUse`), starting at a random point. */
  ephemeral(inUse: (port: number) => boolean): number {
    const { first, last } = this.range
    const lo = Math.min(first, last)
    const hi = Math.max(first, last)
    const span = hi - lo + 1
    let port = lo + this.rng.int(span)
    for (let n = 0; n < span; n++) {
      if (!inUse(port)) return port
      port = port >= hi ? lo : port + 1
    }
    throw new SysError('EADDRNOTAVAIL', 'bind')
  }

  /** ephemeral() with the IPv4 bind's test (no endpoint bound to laddr:port), without a closure. */
  private ephemeralLocal(laddr: number, wildcard: boolean): number {
    const { first, last } = this.range
    const lo = Math.min(first, last)
    const hi = Math.max(first, last)
    const span = hi - lo + 1
    let port = lo + this.rng.int(span)
    for (let n = 0; n < span; n++) {
      if (this.lookupLocal(laddr, port, wildcard) === null) return port
      port = port >= hi ? lo : port + 1
    }
    throw new SysError('EADDRNOTAVAIL', 'bind')
  }

  /** in_pcbinshash: into the indexes, by the ports and whether faddr is set. */
  hash(pcb: Inpcb): void {
    const key = pcb.lport
    const first = this.byPort.get(key) ?? null
    pcb.portNext = first
    if (first !== null) first.portPrev = pcb
    this.byPort.set(key, pcb)
    if (pcb.faddr !== INADDR_ANY) chainAdd(this.exact, exactKey(pcb.lport, pcb.fport), pcb)
    else chainAdd(this.unconnected, pcb.lport, pcb)
    pcb.inTable = true
  }

  /** in_pcbremhash: out of the indexes (before its addresses change). */
  unhash(pcb: Inpcb): void {
    if (!pcb.inTable) return
    pcb.inTable = false
    const { portPrev: prev, portNext: next } = pcb
    if (prev !== null) prev.portNext = next
    else if (next !== null) this.byPort.set(pcb.lport, next)
    else this.byPort.delete(pcb.lport)
    if (next !== null) next.portPrev = prev
    pcb.portPrev = null
    pcb.portNext = null
    // Where hash() put it: the address has not changed since (connect and disconnect unhash first).
    if (pcb.faddr !== INADDR_ANY) chainRemove(this.exact, exactKey(pcb.lport, pcb.fport), pcb)
    else chainRemove(this.unconnected, pcb.lport, pcb)
  }
}

/**
 * so_options of p's socket; an endpoint in compact TIME_WAIT has no socket and its protocol block
 * keeps them (tw_so_options, as in_pcbbind_setup reads them).
 */
export function soOptions(p: Inpcb): number {
  const tw = p.ppcb as { readonly twSoOptions?: number } | null
  return tw?.twSoOptions ?? p.so.options
}

/** The exact-match index's key: both ports in one int32. */
function exactKey(lport: number, fport: number): number {
  return (lport << 16) | fport
}

/** Put pcb first on map[key]'s hash chain (most recent first, as FreeBSD's hash chains). */
function chainAdd(map: Map<number, Inpcb>, key: number, pcb: Inpcb): void {
  const first = map.get(key) ?? null
  pcb.hashNext = first
  if (first !== null) first.hashPrev = pcb
  map.set(key, pcb)
}

function chainRemove(map: Map<number, Inpcb>, key: number, pcb: Inpcb): void {
  const { hashPrev: prev, hashNext: next } = pcb
  if (prev !== null) prev.hashNext = next
  else if (next !== null) map.set(key, next)
  else map.delete(key)
  if (next !== null) next.hashPrev = prev
  pcb.hashPrev = null
  pcb.hashNext = null
}

/**
 * prison_local_ip4: a jail binds only its own addresses; the wildcard stays the wildcard unless the
 * jail has exactly one address, which it then becomes; loopback means the jail's first address.
 */
export function jailLocalAddr(jail: PcbJail | null, laddr: number): number {
  if (jail === null) return laddr
  if (jail.ip4.length === 0) throw new SysError('EADDRNOTAVAIL', 'bind')
  if (laddr === INADDR_ANY) return jail.ip4.length === 1 ? jail.ip4[0]! : INADDR_ANY
  if (laddr >>> 24 === 127) return jail.ip4[0]!
  if (!jail.ip4.includes(laddr)) throw new SysError('EADDRNOTAVAIL', 'bind')
  return laddr
}

/** prison_remote_ip4: a jail talking to "loopback" talks to its own first address. */
export function jailRemoteAddr(jail: PcbJail | null, faddr: number): number {
  if (jail === null || jail.ip4.length === 0) return faddr
  return faddr === INADDR_LOOPBACK ? jail.ip4[0]! : faddr
}

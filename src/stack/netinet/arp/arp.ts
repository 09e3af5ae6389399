/**
 * ARP for IPv4 over Ethernet (RFC 826) with FreeBSD's llentry life cycle (sys/netinet/if_ether.c).
 * A resolved entry lives net.link.ether.inet.max_age seconds; `maxtries` seconds before that it
 * asks the data path whether it is still used and, if so, re-requests the neighbour once a second
 * (at most `maxtries` times) so a busy neighbour never goes through a resolution gap; an unused one
 * simply expires. While a neighbour resolves, up to `maxhold` packets wait and a packet sent to it
 * sends a request when none went out in the same second (arpresolve_full's `renew`: no timer
 * retransmits, so a neighbour nobody sends to is asked no more); once `maxtries` requests went
 * unanswered, senders get EHOSTDOWN (EHOSTUNREACH toward a gateway), their packets still held; an
 * unresolved entry goes net.link.ether.inet.wait seconds after its last request. Static and
 * published (proxy) entries are supported. Garbage is dropped and counted; the table is bounded.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { LOG } from '../../../kern/subr_msgbuf.js'
import { SEC, type Timer } from '../../../util/clock.js'
import { SysError } from '../../../util/errno.js'
import {
  BROADCAST_MAC,
  formatIpv4,
  formatMac,
  ipMulticastMac,
  isMulticastMac,
  readU32,
} from '../../../wire/addr.js'
import { IcmpType, UnreachCode } from '../../../wire/inet/icmp.js'
import { ARP_LEN, ArpOp, writeArp } from '../../../wire/link/arp.js'
import { ETHER_HDR_LEN, EtherType, writeEthernetHeader } from '../../../wire/link/ethernet.js'
import { etherSend, etherSendTo } from '../../net/ether.js'
import { llDropHeld } from '../../net/if_llatbl.js'
import { IFF, type IfAddr, type Ifnet } from '../../net/ifnet.js'
import { intKnob } from '../../net/sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../../net/vnet.js'
import { icmpError } from '../icmp.js'
import type { OutError } from '../ip/ip_output.js'
import type { GarpTimer } from './arp_garp.js'
import { arpHostSysctls, LOG_ERR } from './arp_host.js'

/** arpResolve results other than a MAC. */
export const ARP_HELD = -1
export const ARP_DOWN = -2

/** struct arpstat, in FreeBSD's order. */
export class ArpStats {
  txrequests = 0
  txreplies = 0
  rxrequests = 0
  rxreplies = 0
  received = 0
  /** Requests that could not be sent (the interface is down). */
  txerrors = 0
  dropped = 0
  timeouts = 0
  dupips = 0
  /** Ours: malformed or bogus ARP packets (FreeBSD only logs them). */
  malformed = 0
}

/** Default bound on a vnet's ARP entries (net.link.ether.inet.max_entries). */
export const ARP_MAX_ENTRIES_DEFAULT = 16384

export class ArpVnet {
  readonly stats = new ArpStats()
  /** net.link.ether.inet.max_age, seconds. */
  maxAge = 1200
  /** net.link.ether.inet.maxtries. */
  maxTries = 5
  /** net.link.ether.inet.maxhold. */
  maxHold = 16
  /** net.link.ether.inet.wait: seconds an unresolved entry outlives its last request (arpt_down). */
  downTime = 20
  /** Entries across all interfaces of the vnet, and the cap that bounds them (max_entries). */
  entries = 0
  maxEntries = ARP_MAX_ENTRIES_DEFAULT
  /** Entries not (yet) resolved, oldest first: what a full table gives up first. */
  readonly unresolved = new Set<Lle>()
  /** Addresses with gratuitous ARPs still to repeat (arp_garp.ts). */
  readonly garp = new Map<IfAddr, GarpTimer>()
}

export const arpModule: VnetModule<ArpVnet> = {
  name: 'arp',
  slot: Slot.ARP,
  create: () => new ArpVnet(),
  sysctls: [
    intKnob('net.link.ether.inet.max_age', 'ARP entry lifetime in seconds', (v) => arp(v), 'maxAge', {
      min: 1,
    }),
    intKnob(
      'net.link.ether.inet.maxtries',
      'ARP resolution attempts before returning error',
      (v) => arp(v),
      'maxTries',
      {
        min: 1,
      },
    ),
    intKnob(
      'net.link.ether.inet.wait',
      'Incomplete ARP entry lifetime in seconds',
      (v) => arp(v),
      'downTime',
      { min: 1 },
    ),
    intKnob(
      'net.link.ether.inet.maxhold',
      'Number of packets to hold per ARP entry',
      (v) => arp(v),
      'maxHold',
      {
        min: 1,
        max: 1024,
      },
    ),
    // Not in FreeBSD (its bound is kernel memory, the lltable zone): a vnet's ARP entries, all
    // interfaces together, are at most this many; past it the oldest unresolved entry gives way
    // and a table full of resolved ones takes no more. Lowering it drops nothing already there.
    intKnob(
      'net.link.ether.inet.max_entries',
      `Maximum number of ARP entries in this vnet (VirtNet; default ${ARP_MAX_ENTRIES_DEFAULT})`,
      (v) => arp(v),
      'maxEntries',
      { min: 1, max: 0x7fffffff },
    ),
    ...arpHostSysctls(),
  ],
}

export function arp(v: Vnet): ArpVnet {
  return vstate(v, arpModule)
}

/** arp_llinfo_state: Reachable and Verify entries are both valid (usable for output). */
enum LleState {
  Incomplete,
  Reachable,
  /** Expiry is near: the data path reports use (`hit`), and a used entry is re-requested. */
  Verify,
}

/** arpt_rexmit: seconds between refresh requests while an entry is verified. */
const REXMIT = 1

/** A link-layer entry (struct llentry). */
class Lle {
  readonly addr: number
  readonly ifp: Ifnet
  mac = -1
  state = LleState.Incomplete
  permanent = false
  published = false
  /** la_expire, in uptime seconds: the end of a valid entry's life, or the second of the last request. */
  expire = 0
  asked = 0
  /** la_preempt: refresh requests still allowed before expiry. */
  preempt = 0
  /** Used by the data path since the entry entered Verify (llentry_provide_feedback). */
  hit = false
  hold: Mbuf | null = null
  holdTail: Mbuf | null = null
  holdCount = 0
  readonly timer: Timer

  constructor(ifp: Ifnet, addr: number) {
    this.ifp = ifp
    this.addr = addr
    this.timer = ifp.vnet.env.clock.timer(() => arpTimer(this))
  }
}

/** Keyed by the address as an int32: V8 hashes small integers much faster than heap numbers. */
class ArpTable extends Map<number, Lle> {
  /**
   * The entry output found last: a forwarding router sends most packets of an interface to one
   * next hop, and a compare costs less than the hash lookup. Cleared when that entry goes.
   */
  last: Lle | null = null
}

function table(ifp: Ifnet): ArpTable {
  let t = ifp.arp as ArpTable | null
  if (t === null) {
    t = new ArpTable()
    ifp.arp = t
  }
  return t
}

function removeEntry(e: Lle): void {
  const t = e.ifp.arp as ArpTable | null
  if (t === null || t.get(e.addr | 0) !== e) return
  t.delete(e.addr | 0)
  if (t.last === e) t.last = null
  e.timer.cancel()
  llDropHeld(e, e.ifp.vnet.env.pool)
  const st = arp(e.ifp.vnet)
  st.entries--
  st.unresolved.delete(e)
}

function newEntry(ifp: Ifnet, addr: number): Lle | null {
  const st = arp(ifp.vnet)
  if (st.entries >= st.maxEntries) {
    // Full: give up the oldest neighbour still being resolved, so a flood toward addresses that
    // never answer cannot lock out real neighbours; a table full of resolved ones takes no more.
    const victim = st.unresolved.values().next()
    if (victim.done === true) return null
    st.stats.dropped += victim.value.holdCount
    removeEntry(victim.value)
  }
  // The packet path may pass the address as int32: entries keep the unsigned form arp(8) shows.
  const e = new Lle(ifp, addr >>> 0)
  table(ifp).set(addr | 0, e)
  st.entries++
  st.unresolved.add(e)
  return e
}

/**
 * arprequest's source: an address of ifp on the target's subnet, else its first. A carp address
 * serves only while its vhid is MASTER, and then asks with the virtual MAC (carp_iamatch).
 */
function sourceFor(ifp: Ifnet, target: number): IfAddr | undefined {
  for (const a of ifp.addrs)
    if (((target ^ a.addr) & a.mask) === 0 && (a.carp === null || a.carp.isMaster)) return a
  for (const a of ifp.addrs) if (a.carp === null || a.carp.isMaster) return a
  return undefined
}

function sendArp(
  ifp: Ifnet,
  op: number,
  dstMac: number,
  sip: number,
  tha: number,
  tip: number,
  sha = ifp.mac,
): void {
  const m = ifp.vnet.env.pool.get()
  writeArp(m.data, m.off, op, sha, sip, tha, tip)
  m.len = ARP_LEN
  const st = arp(ifp.vnet)
  if (op === ArpOp.REQUEST) st.stats.txrequests++
  else st.stats.txreplies++
  if (!ifp.up && op === ArpOp.REQUEST) st.stats.txerrors++
  etherSend(ifp, m, dstMac, EtherType.ARP)
}

/** Broadcast a request for tip. */
export function arpRequest(ifp: Ifnet, tip: number): void {
  const src = sourceFor(ifp, tip)
  const sha = src !== undefined && src.carp !== null ? src.carp.mac : ifp.mac
  sendArp(ifp, ArpOp.REQUEST, BROADCAST_MAC, src?.addr ?? 0, 0, tip, sha)
}

/**
 * Gratuitous ARP after an address is configured (sender = target = addr); `sha` is a virtual
 * router's MAC when carp announces its address on becoming MASTER (arp_announce_ifaddr).
 */
export function arpAnnounce(ifp: Ifnet, addr: number, sha = ifp.mac): void {
  sendArp(ifp, ArpOp.REQUEST, BROADCAST_MAC, addr, 0, addr, sha)
}

function flushHold(e: Lle): void {
  let m = e.hold
  e.hold = null
  e.holdTail = null
  e.holdCount = 0
  while (m !== null) {
    const next = m.next
    m.next = null
    etherSend(e.ifp, m, e.mac, EtherType.IPV4)
    m = next
  }
}

function uptime(v: Vnet): number {
  return Math.floor(v.env.clock.now() / SEC)
}

/** arptimer: age one entry. Static entries have no timer. */
function arpTimer(e: Lle): void {
  const v = e.ifp.vnet
  const st = arp(v)
  if (e.state === LleState.Reachable) {
    // Expiry is approaching: ask the data path for feedback and look again each second.
    e.hit = false
    e.state = LleState.Verify
    e.timer.arm(REXMIT * SEC)
    return
  }
  if (e.state === LleState.Verify) {
    if (e.hit && e.preempt > 0) {
      // Still in use: refresh before it expires (a broadcast request, as arprequest sends).
      e.preempt--
      e.timer.arm(REXMIT * SEC)
      arpRequest(e.ifp, e.addr)
      return
    }
    if (e.expire > uptime(v)) {
      e.timer.arm(REXMIT * SEC)
      return
    }
  }
  // Expired, or unresolved for `wait` seconds since the last request: it goes, with what it held.
  st.stats.timeouts++
  st.stats.dropped += e.holdCount
  removeEntry(e)
}

/**
 * Find the MAC for `dst` on ifp (arpresolve_full). On a miss the packet is held (taking ownership)
 * and returns ARP_HELD, or ARP_DOWN once `maxtries` requests went unanswered: the packet is still
 * held (a late reply sends it), and a forwarded one earns its sender an ICMP host unreachable.
 */
export function arpResolve(ifp: Ifnet, dst: number, m: Mbuf, forwarded = false): number {
  const v = ifp.vnet
  const t = ifp.arp as ArpTable | null
  let e = t === null ? undefined : t.get(dst | 0)
  const now = uptime(v)
  if (e !== undefined && e.state !== LleState.Incomplete && (e.permanent || e.expire > now)) {
    e.hit = true
    return e.mac
  }
  const st = arp(v)
  const pool = v.env.pool
  if (e === undefined) {
    const created = newEntry(ifp, dst)
    if (created === null) {
      st.stats.dropped++
      pool.put(m)
      return ARP_HELD
    }
    e = created
  }
  // renew: at most one request per second of uptime, and only when something is sent.
  const renew = e.asked === 0 || e.expire !== now
  const down = e.asked >= st.maxTries
  if (down && forwarded) icmpError(v, pool.dup(m), IcmpType.UNREACH, UnreachCode.HOST, 0, true)
  m.next = null
  if (e.holdTail === null) e.hold = m
  else e.holdTail.next = m
  e.holdTail = m
  e.holdCount++
  while (e.holdCount > st.maxHold) {
    // Drop the oldest held packets, as FreeBSD does, so the newest data gets through.
    const old = e.hold!
    e.hold = old.next
    old.next = null
    pool.put(old)
    e.holdCount--
    st.stats.dropped++
  }
  if (renew) {
    e.asked++
    e.expire = now
    // Arm first: the reply can be processed (and the entry become valid) before arpRequest returns.
    e.timer.arm(st.downTime * SEC)
    arpRequest(ifp, dst)
  }
  return down ? ARP_DOWN : ARP_HELD
}

/**
 * in_arpinput's match: our address on ifp; a carp address only while its vhid is MASTER, when it is
 * answered with the virtual MAC (carp_iamatch).
 */
function ourIfa(ifp: Ifnet, addr: number): IfAddr | undefined {
  const a = ifp.addrFind(addr)
  return a === undefined || a.carp === null || a.carp.isMaster ? a : undefined
}

/** in_arpinput's fallback: the first IPv4 address of ifp that is not a carp address held as BACKUP. */
function firstUsable(ifp: Ifnet): IfAddr | undefined {
  for (const a of ifp.addrs) if (a.carp === null || a.carp.isMaster) return a
  return undefined
}

/** arp_mark_lle_reachable: a fresh entry or an update; held packets are released. */
function learn(e: Lle, mac: number): void {
  const st = arp(e.ifp.vnet)
  e.mac = mac
  e.state = LleState.Reachable
  e.asked = 0
  e.preempt = st.maxTries
  st.unresolved.delete(e)
  if (!e.permanent) {
    // arp_mark_lle_reachable: verification starts maxtries seconds before the end of life.
    e.expire = uptime(e.ifp.vnet) + st.maxAge
    const wait = st.maxAge - st.maxTries * REXMIT
    e.timer.arm((wait < 0 ? st.maxAge : wait) * SEC)
  }
  flushHold(e)
}

export function arpInput(ifp: Ifnet, m: Mbuf): void {
  const v = ifp.vnet
  const st = arp(v)
  const pool = v.env.pool
  const ah = v.env.scratch.arpIn
  st.stats.received++
  if (!ah.point(m.data, m.off, m.len) || !ah.isEthernetIpv4()) {
    st.stats.malformed++
    pool.put(m)
    return
  }
  const op = ah.op
  if (op === ArpOp.REQUEST) st.stats.rxrequests++
  else if (op === ArpOp.REPLY) st.stats.rxreplies++
  else {
    st.stats.malformed++
    pool.put(m)
    return
  }
  const sha = ah.sha
  const spa = ah.spa
  const tpa = ah.tpa
  // Our own frames looped back, and senders claiming the broadcast address, are bogus.
  if (sha === ifp.mac || isMulticastMac(sha)) {
    st.stats.malformed++
    pool.put(m)
    return
  }
  // in_arpinput's "my address": the target if it is ours, else the sender's if it is ours, else the
  // interface's first usable address. Only a sender claiming that one address is a conflict, and a
  // carp address is shared by design: the master's announcements are none.
  const tifa = ourIfa(ifp, tpa)
  const own = spa !== 0 ? ifp.addrFind(spa) : undefined
  const my = tifa ?? own ?? firstUsable(ifp)
  if (my !== undefined && my.carp === null && spa === my.addr && spa !== 0) {
    st.stats.dupips++
    if (op === ArpOp.REQUEST) {
      // Defend the address with a reply to the claimant; RFC 3927 §2.5: by broadcast for 169.254/16.
      m.len = ARP_LEN
      writeArp(m.data, m.off, ArpOp.REPLY, ifp.mac, spa, sha, spa)
      st.stats.txreplies++
      etherSend(ifp, m, spa >>> 16 === 0xa9fe ? BROADCAST_MAC : sha, EtherType.ARP)
    } else pool.put(m)
    return
  }
  const forUs = tifa !== undefined
  const t = ifp.arp as ArpTable | null
  const e = t === null ? undefined : t.get(spa | 0)
  if (own !== undefined && own.carp === null) {
    // Another of our own addresses as the sender: FreeBSD finds its static LLE_IFADDR entry there,
    // which refuses the update.
    permanentModified(ifp, spa, sha)
  } else if (spa !== 0) {
    // RFC 826 merge: update an existing entry; create one only when we are the target.
    if (e !== undefined && !e.permanent) learn(e, sha)
    else if (e !== undefined && e.state !== LleState.Incomplete && e.mac !== sha)
      permanentModified(ifp, spa, sha)
    else if (e === undefined && forUs) {
      const ne = newEntry(ifp, spa)
      if (ne !== null) learn(ne, sha)
    }
  }
  if (op === ArpOp.REQUEST) {
    const pub = t?.get(tpa | 0)
    if (forUs || (pub?.published && pub.state !== LleState.Incomplete)) {
      const mac = forUs ? (tifa.carp !== null ? tifa.carp.mac : ifp.mac) : pub!.mac
      // Answer in place: the request's buffer becomes the reply.
      m.len = ARP_LEN
      writeArp(m.data, m.off, ArpOp.REPLY, mac, tpa, sha, spa)
      st.stats.txreplies++
      etherSend(ifp, m, sha, EtherType.ARP)
      return
    }
  }
  pool.put(m)
}

/**
 * arp_check_update_lle on a static entry: refused, and logged (rate-limited, LOG_ERR) when
 * net.link.ether.inet.log_arp_permanent_modify is set.
 */
function permanentModified(ifp: Ifnet, spa: number, sha: number): void {
  const env = ifp.vnet.env
  if (env.arp.logPermanentModify === 0 || !env.arp.mayLog(env.clock.now())) return
  env.msgbuf.log(
    LOG.KERN | LOG_ERR,
    `arp: ${formatMac(sha)} attempts to modify permanent entry for ${formatIpv4(spa)} on ${ifp.name}`,
  )
}

/** Drop all ARP state of an interface (detach, vnet move). */
export function arpIfDetach(ifp: Ifnet): void {
  const t = ifp.arp as ArpTable | null
  if (t === null) return
  for (const e of [...t.values()]) removeEntry(e)
  ifp.arp = null
}

/**
 * ether_output's if_simloop: a simplex interface does not hear its own transmissions, so the host's
 * copy of a broadcast it sends is looped back in on the same interface, where its own sockets bound
 * to the port receive it as any other host on the link does.
 */
function simloop(ifp: Ifnet, m: Mbuf): void {
  const pool = ifp.vnet.env.pool
  const copy = pool.dup(m)
  if (!copy.prepend(ETHER_HDR_LEN)) {
    pool.put(copy)
    return
  }
  writeEthernetHeader(copy.data, copy.off, BROADCAST_MAC, ifp.mac, EtherType.IPV4)
  ifp.receive(copy)
}

/**
 * Send an IPv4 packet (m starts at the IP header) to `nextHop` on ifp. The packet may be held while
 * ARP resolves; returns an error only when the neighbour is known to be unreachable.
 */
export function etherOutputIp(
  ifp: Ifnet,
  m: Mbuf,
  nextHop: number,
  broadcast: boolean,
  forwarded: boolean,
): OutError {
  if (broadcast) {
    if ((ifp.flags & IFF.SIMPLEX) !== 0) simloop(ifp, m)
    etherSend(ifp, m, BROADCAST_MAC, EtherType.IPV4)
    return undefined
  }
  // A group needs no ARP: its Ethernet address is computed (arpresolve's M_MCAST case).
  if (nextHop >>> 28 === 0xe) {
    etherSend(ifp, m, ipMulticastMac(nextHop), EtherType.IPV4)
    return undefined
  }
  // arpresolve's fast path inline: a valid entry's address goes straight into the frame as two
  // integer halves (the 48-bit number returned across a call would be boxed per packet).
  const t = ifp.arp as ArpTable | null
  let e: Lle | undefined
  if (t !== null) {
    const last = t.last
    if (last !== null && (last.addr | 0) === (nextHop | 0)) e = last
    else {
      e = t.get(nextHop | 0)
      if (e !== undefined) t.last = e
    }
  }
  if (e !== undefined && e.state !== LleState.Incomplete) {
    // llentry_provide_feedback: a verified entry in use is refreshed rather than let expire.
    e.hit = true
    const hw = e.mac
    etherSendTo(ifp, m, (hw / 0x100000000) | 0, hw | 0, EtherType.IPV4)
    return undefined
  }
  // is_gw: the next hop is not the packet's destination (read before m may be held or freed).
  const gw = readU32(m.data, m.off + 16) !== nextHop >>> 0
  const mac = arpResolve(ifp, nextHop, m, forwarded)
  if (mac >= 0) {
    etherSend(ifp, m, mac, EtherType.IPV4)
    return undefined
  }
  if (mac === ARP_HELD) return undefined
  // The neighbour does not answer: EHOSTUNREACH toward a gateway, EHOSTDOWN toward the destination
  // itself (arpresolve_full's is_gw). The packet stays held either way.
  return gw ? 'EHOSTUNREACH' : 'EHOSTDOWN'
}

// Control plane (arp(8)).

export interface ArpEntryInfo {
  addr: number
  mac: number | null
  ifp: Ifnet
  permanent: boolean
  published: boolean
  expiresIn: number
}

function info(e: Lle): ArpEntryInfo {
  return {
    addr: e.addr,
    mac: e.state !== LleState.Incomplete ? e.mac : null,
    ifp: e.ifp,
    permanent: e.permanent,
    published: e.published,
    // rmx_expire less the uptime, as arp(8) prints it; an unresolved entry's la_expire is the
    // second of its last request, so it shows as expired.
    expiresIn: e.permanent ? -1 : Math.max(0, e.expire - uptime(e.ifp.vnet)),
  }
}

export function arpList(v: Vnet): ArpEntryInfo[] {
  const out: ArpEntryInfo[] = []
  for (const ifp of v.ifnets) {
    const t = ifp.arp as ArpTable | null
    if (t !== null) for (const e of t.values()) out.push(info(e))
  }
  return out.sort((a, b) => a.addr - b.addr)
}

function findEntry(v: Vnet, addr: number): Lle | undefined {
  for (const ifp of v.ifnets) {
    const e = (ifp.arp as ArpTable | null)?.get(addr | 0)
    if (e !== undefined) return e
  }
  return undefined
}

export function arpGet(v: Vnet, addr: number): ArpEntryInfo {
  const e = findEntry(v, addr)
  if (e === undefined) throw new SysError('ENOENT', 'RTM_GET')
  return info(e)
}

/** arp -s: a static (or, with temp, expiring) entry on the interface whose subnet holds addr. */
export function arpSet(v: Vnet, addr: number, mac: number, temp: boolean, pub: boolean): void {
  const ifp = v.ifnets.find(
    (i) => i.type === 'ether' && i.addrs.some((a) => ((addr ^ a.addr) & a.mask) === 0),
  )
  if (ifp === undefined) throw new SysError('ENETUNREACH', 'RTM_ADD')
  if (isMulticastMac(mac)) throw new SysError('EINVAL', 'RTM_ADD')
  const old = table(ifp).get(addr | 0)
  const e = old ?? newEntry(ifp, addr)
  if (e === null) throw new SysError('ENOBUFS', 'RTM_ADD')
  e.permanent = !temp
  e.published = pub
  if (e.permanent) e.timer.cancel()
  learn(e, mac)
}

export function arpDelete(v: Vnet, addr: number): void {
  const e = findEntry(v, addr)
  if (e === undefined) throw new SysError('ENOENT', 'RTM_DELETE')
  removeEntry(e)
}

export function arpFlush(v: Vnet): number {
  let n = 0
  for (const ifp of v.ifnets) {
    const t = ifp.arp as ArpTable | null
    if (t === null) continue
    for (const e of [...t.values()]) {
      removeEntry(e)
      n++
    }
  }
  return n
}

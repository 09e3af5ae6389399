/**
 * The syncache (FreeBSD 14's tcp_syncache.c): a SYN to a listening socket makes a small entry
 * here, not a socket. The entry answers with SYN-ACKs (retransmitted with FreeBSD's backoff,
 * net.inet.tcp.syncache.rexmtlimit times, then dropped as stale), and the socket is made only when
 * the final ACK arrives (syncache_expand), on the listener's queue if it has room
 * (tcps_listendrop and an RST otherwise, net.inet.tcp.syncache.rst_on_sock_fail). RSTs are checked
 * against the entry as syncache_chkrst does (RFC 5961 §3: exactly at RCV.NXT resets, elsewhere in
 * the window a challenge ACK, outside nothing).
 *
 * Bounded: net.inet.tcp.syncache.hashsize buckets of at most bucketlimit entries, at most
 * cachelimit in all. A full bucket drops its oldest entry and, with net.inet.tcp.syncookies, pauses
 * the cache: for 15 s (doubling on a renewed attack, up to 2^6 times) every SYN is answered with a
 * SYN cookie (tcp_syncookie.ts) and no state at all, which is how a SYN flood is survived. With
 * syncookies on, every ISN we send is a cookie, so an ACK whose entry was pushed out still
 * completes its handshake. The handshake itself (syncache_add, syncache_expand) is in
 * tcp_syncache_handshake.ts; this file holds the cache, its timers and its answers.
 *
 * Data path: never throws, and is bounded; entries are recycled through a free list of at most
 * cachelimit, so a flood allocates nothing once the cache is full. It does not touch sockets other
 * than the listener's queue, and does not send anything but SYN-ACKs and challenge ACKs.
 */

import { MS, SEC, Timer } from '../../../../util/clock.js'
import type { Rng } from '../../../../util/rng.js'
import { IpProto } from '../../../../wire/inet/ipv4.js'
import { seqAdd, seqGeq, seqLt } from '../../../../wire/inet/seq.js'
import { TCP_HDR_LEN, TH, TOF, tcpFinish, writeTcpHeader } from '../../../../wire/inet/tcp.js'
import { in6Eq } from '../../../../wire/inet6/in6_addr.js'
import type { Vnet } from '../../../net/vnet.js'
import { ip6Output } from '../../../netinet6/ip6/ip6_output.js'
import { tcpMd5Output } from '../../../netipsec/xform_tcp.js'
import type { PcbJail } from '../../in_pcb.js'
import { ipOutput } from '../../ip/ip_output.js'
import { tcp6Send, tcpMssopt6 } from '../tcp_ip6.js'
import { tcpMssoptTo, tcpTsTicks } from '../tcp_subr.js'
import { TCPS, type TcpSeg, type TcpVnet } from '../tcp_var.js'
import { syncacheRexmtTicks } from '../timer/tcp_rtt.js'
import { tcpUdpEncap, tcpUdpWrap } from '../udp_tun/tcp_udp_tun.js'
import { type CookieFields, SYNCOOKIE_LIFETIME, SynCookieSecrets } from './tcp_syncookie.js'

/** sc_flags (tcp_syncache.h). */
export const SCF = {
  NOOPT: 0x01,
  WINSCALE: 0x02,
  TIMESTAMP: 0x04,
  UNREACH: 0x10,
  /** The listener asked for TCP-MD5 (TF_SIGNATURE): the SYN-ACK is signed, the socket inherits it. */
  SIGNATURE: 0x20,
  SACK: 0x80,
  ECN: 0x100,
} as const

/** TCP_SYNCACHE_PAUSE_TIME (s) and TCP_SYNCACHE_MAX_BACKOFF. */
export const SYNCACHE_PAUSE_TIME = SYNCOOKIE_LIFETIME
export const SYNCACHE_MAX_BACKOFF = 6

/** syncache_expand's answers that are not a new connection. */
export const EXPAND = {
  /** No entry, no valid cookie, or not an ACK of our SYN-ACK: answer with an RST. */
  RESET: 0,
  /** Dropped without answer (PAWS, a missing timestamp). */
  DROP: -1,
  /** The handshake completed but no socket could be made (listen queue full). */
  NOSOCKET: 1,
} as const

/** One half-open connection (struct syncache). */
export class SyncacheEntry {
  faddr = 0
  fport = 0
  laddr = 0
  lport = 0
  irs = 0
  iss = 0
  /** The window we offer (sc_wnd), never scaled: the SYN-ACK's window field. */
  wnd = 0
  flags = 0
  /** The MSS the peer offered (0: none). */
  peerMss = 0
  /** The shift we asked for, and the peer's. */
  rScale = 0
  sScale = 0
  tsreflect = 0
  tsoff = 0
  /** SYN-ACKs sent so far (sc_rxmits counts the first too, once it is timed). */
  rxmits = 0
  /** Host ns when the next SYN-ACK is due. */
  rxttime = 0
  ipTtl = 0
  ipTos = 0
  /** sc_port: the UDP port the SYN came from through the tunnel (tcp_udp_tun.ts), else 0. */
  port = 0
  /** Whose listener made it, for who may see it (sc_cred). */
  jail: PcbJail | null = null
  uid = 0
  /**
   * An IPv6 handshake (sc_inc.inc_flags & INC_ISIPV6): faddr / laddr are then the digests of these,
   * kept with the entry (made on first IPv6 use, reused after), and `zone` their scope.
   */
  v6 = false
  faddr6: Uint8Array | null = null
  laddr6: Uint8Array | null = null
  zone = 0

  /** Take the segment's IPv6 addresses, if it has them (syncache_add's inc copy). */
  setAddrs(seg: TcpSeg): void {
    this.v6 = seg.v6
    if (!seg.v6) return
    this.faddr6 ??= new Uint8Array(16)
    this.laddr6 ??= new Uint8Array(16)
    this.faddr6.set(seg.src6)
    this.laddr6.set(seg.dst6)
    this.zone = seg.zone
  }

  /** Whether this is the handshake of seg's four-tuple. */
  matches(seg: TcpSeg): boolean {
    if (
      this.faddr !== seg.src ||
      this.fport !== seg.sport ||
      this.laddr !== seg.dst ||
      this.lport !== seg.dport
    )
      return false
    if (this.v6 !== seg.v6) return false
    return !seg.v6 || (in6Eq(this.faddr6!, 0, seg.src6, 0) && in6Eq(this.laddr6!, 0, seg.dst6, 0))
  }
}

/** One hash row (struct syncache_head): newest entry first. */
class Bucket {
  readonly entries: SyncacheEntry[] = []
  /** Host ns of the earliest retransmission due in this row. */
  nextc = Number.POSITIVE_INFINITY
  /** Uptime (s) when the row last overflowed; cookies are only believed for 15 s after. */
  lastOverflow = -(SYNCOOKIE_LIFETIME + 1)
  timer: Timer | null = null
}

/** One vnet's syncache (V_tcp_syncache). */
export class Syncache {
  readonly hashsize: number
  readonly bucketLimit: number
  readonly cacheLimit: number
  /** Entries in the cache (net.inet.tcp.syncache.count). */
  count = 0
  paused = false
  pauseUntil: number
  pauseBackoff = 0
  readonly secrets: SynCookieSecrets
  private readonly buckets: Array<Bucket | undefined>
  private readonly hashSecret: number
  private readonly rng: Rng
  private readonly v: Vnet
  private readonly tv: TcpVnet
  private readonly pool: SyncacheEntry[] = []
  private pauseTimer: Timer | null = null
  /** The entry syncookie_lookup and cookie-only handshakes fill in (FreeBSD's on-stack scs). */
  private readonly scratch = new SyncacheEntry()
  private readonly cookie: CookieFields = { mss: 0, wscale: -1, sack: false }

  constructor(v: Vnet, tv: TcpVnet) {
    this.v = v
    this.tv = tv
    let hs = tv.scHashsize
    // As syncache_init: a hash size that is not a power of two falls back to the default.
    if (hs <= 0 || (hs & (hs - 1)) !== 0) hs = 512
    this.hashsize = hs
    this.bucketLimit = tv.scBucketlimit
    this.cacheLimit = tv.scCachelimit
    this.buckets = new Array<Bucket | undefined>(hs)
    this.rng = v.env.rng.stream(`tcp_syncache:${v.id}`)
    this.hashSecret = this.rng.u32()
    const now = uptime(v)
    this.secrets = new SynCookieSecrets(this.rng, now)
    this.pauseUntil = now - SYNCACHE_PAUSE_TIME
  }

  /** syncache_destroy: the vnet goes away; timers stop, entries are forgotten. */
  destroy(): void {
    for (const b of this.buckets) b?.timer?.cancel()
    this.pauseTimer?.cancel()
  }

  /** The entries, for netstat -a and sockstat (syncache_pcblist). */
  *entries(): IterableIterator<SyncacheEntry> {
    for (const b of this.buckets) if (b !== undefined) yield* b.entries
  }

  cookiesOnly(): boolean {
    return this.tv.syncookies !== 0 && (this.paused || this.tv.syncookiesOnly !== 0)
  }

  /** syncache_hashbucket: keyed on fport, lport and faddr, so a peer cannot aim at one row. */
  hash(faddr: number, fport: number, lport: number): number {
    let h = Math.imul(faddr ^ this.hashSecret, 0x85ebca6b)
    h ^= h >>> 13
    h = Math.imul(h ^ ((fport << 16) | lport), 0xc2b2ae35)
    h ^= h >>> 16
    return h & (this.hashsize - 1)
  }

  bucket(i: number): Bucket {
    let b = this.buckets[i]
    if (b === undefined) {
      b = new Bucket()
      this.buckets[i] = b
    }
    return b
  }

  /** syncache_lookup in row i. */
  lookup(i: number, seg: TcpSeg): SyncacheEntry | null {
    const b = this.buckets[i]
    if (b === undefined) return null
    for (const e of b.entries) if (e.matches(seg)) return e
    return null
  }

  alloc(): SyncacheEntry {
    return this.pool.pop() ?? new SyncacheEntry()
  }

  isScratch(e: SyncacheEntry): boolean {
    return e === this.scratch
  }

  scratchEntry(): SyncacheEntry {
    return this.scratch
  }

  cookieFields(): CookieFields {
    return this.cookie
  }

  /** syncache_free for an entry no longer in a row. */
  free(e: SyncacheEntry): void {
    if (e === this.scratch) return
    e.jail = null
    if (this.pool.length < this.cacheLimit) this.pool.push(e)
  }

  /** syncache_insert: at the head of row i, the oldest entry dropped if the row is full. */
  insert(e: SyncacheEntry, i: number): void {
    const b = this.bucket(i)
    if (b.entries.length >= this.bucketLimit) {
      this.pause()
      b.lastOverflow = uptime(this.v)
      this.drop(b.entries[b.entries.length - 1]!, b)
    }
    b.entries.unshift(e)
    this.count++
    if (b.entries.length === 1) b.nextc = Number.POSITIVE_INFINITY
    this.timeout(e, b, true)
    this.tv.states[TCPS.SYN_RECEIVED]!++
    this.tv.stats.tcps_sc_added++
  }

  /** syncache_drop: out of its row and freed. */
  drop(e: SyncacheEntry, b: Bucket): void {
    this.unlink(e, b)
    this.tv.states[TCPS.SYN_RECEIVED]!--
    this.free(e)
  }

  /** Out of its row, for syncache_expand (which keeps it counted in SYN_RCVD until the socket exists). */
  unlink(e: SyncacheEntry, b: Bucket): void {
    const k = b.entries.indexOf(e)
    if (k < 0) return
    b.entries.splice(k, 1)
    this.count--
  }

  /** arc4random() for an ISN when cookies are off. */
  nextIss(): number {
    return this.rng.u32()
  }

  /**
   * syncache_timeout: when the next SYN-ACK is due — rexmit_initial after the first, then as
   * tcp_backoff[] grows it within rexmit_min..TCPTV_REXMTMAX — and the row's callout with it.
   */
  timeout(e: SyncacheEntry, b: Bucket, docallout: boolean): void {
    const now = this.v.env.clock.runNow()
    e.rxttime = now + syncacheRexmtTicks(e.rxmits, this.tv) * MS
    e.rxmits++
    if (e.rxttime < b.nextc) {
      b.nextc = e.rxttime
      if (docallout) this.armRow(b)
    }
  }

  /**
   * The row's callout at nextc, only ever moved earlier: an emptied row resets nextc and its next
   * entry would otherwise move the callout later on every handshake. A callout that fires early
   * finds nothing due and re-arms for what the row still holds.
   */
  private armRow(b: Bucket): void {
    if (b.timer === null) {
      const timer = new Timer(this.v.env.clock, () => this.rowTimer(b))
      b.timer = timer
    } else if (b.timer.armed && b.timer.deadline <= b.nextc) return
    b.timer.armAt(b.nextc)
  }

  /**
   * syncache_timer: retransmit the SYN-ACKs that are due in row b, drop the entries that have had
   * rexmtlimit retransmissions (tcps_sc_stale), and everything while the cache is paused.
   */
  private rowTimer(b: Bucket): void {
    const tv = this.tv
    const st = tv.stats
    const tick = this.v.env.clock.now()
    b.nextc = Number.POSITIVE_INFINITY
    // Walk a copy: entries leave the row as we go.
    const list = b.entries.slice()
    for (const e of list) {
      if (this.paused) {
        this.drop(e, b)
        continue
      }
      if (e.rxttime > tick) {
        if (e.rxttime < b.nextc) b.nextc = e.rxttime
        continue
      }
      if (e.rxmits > tv.ecnMaxretries) e.flags &= ~SCF.ECN
      if (e.rxmits > tv.scRexmtlimit) {
        this.drop(e, b)
        st.tcps_sc_stale++
        continue
      }
      if (syncacheRespond(this.v, tv, e, TH.SYN | TH.ACK)) {
        this.timeout(e, b, false)
        st.tcps_sndacks++
        st.tcps_sndtotal++
        st.tcps_sc_retransmitted++
      } else {
        this.drop(e, b)
        st.tcps_sc_dropped++
      }
    }
    if (b.entries.length > 0) this.armRow(b)
  }

  /**
   * syncache_pause: a row overflowed. With cookies on, the cache stops keeping state for
   * SYNCACHE_PAUSE_TIME seconds, doubled (up to 2^MAX_BACKOFF) when the attack resumes soon after.
   */
  pause(): void {
    if (this.paused) return
    const st = this.tv.stats
    if (this.tv.syncookies === 0) {
      st.tcps_sc_bucketoverflow++
      return
    }
    this.paused = true
    st.tcps_sc_bucketoverflow++
    const now = uptime(this.v)
    let delta = SYNCACHE_PAUSE_TIME * 2 ** this.pauseBackoff
    if (this.pauseUntil + delta - now > 0) {
      if (this.pauseBackoff < SYNCACHE_MAX_BACKOFF) {
        delta *= 2
        this.pauseBackoff++
      }
    } else {
      delta = SYNCACHE_PAUSE_TIME
      this.pauseBackoff = 0
    }
    this.pauseUntil = now + delta
    if (this.pauseTimer === null) {
      const t = new Timer(this.v.env.clock, () => this.unpause())
      this.pauseTimer = t
    }
    this.pauseTimer.arm(delta * SEC)
  }

  /** syncache_unpause. */
  private unpause(): void {
    const delta = this.pauseUntil - uptime(this.v)
    if (delta > 0) this.pauseTimer?.arm(delta * SEC)
    else this.paused = false
  }
}

/** time_uptime: whole seconds of host time. */
export function uptime(v: Vnet): number {
  return Math.floor(v.env.clock.runNow() / SEC)
}

/** The vnet's syncache, made on first use. */
export function syncacheOf(v: Vnet, tv: TcpVnet): Syncache {
  let sc = tv.syncache
  if (sc === null) {
    sc = new Syncache(v, tv)
    tv.syncache = sc
  }
  return sc
}

/**
 * syncache_respond: a SYN-ACK (with FreeBSD's options: mss, wscale, sackOK, timestamps) or, for a
 * challenge, a bare ACK at ISS + 1. False when IP could not send it.
 */
export function syncacheRespond(v: Vnet, tv: TcpVnet, e: SyncacheEntry, flags: number): boolean {
  const to = tv.oto
  to.clear()
  const syn = (flags & TH.SYN) !== 0
  // tcp_ecn_syncache_respond: an ECN-setup SYN is answered with ECE.
  if (syn && (e.flags & SCF.ECN) !== 0) flags |= TH.ECE
  if ((e.flags & SCF.NOOPT) === 0) {
    if (syn) {
      to.flags |= TOF.MSS
      to.mss = Math.max(e.v6 ? tcpMssopt6(v, tv, e.faddr6!, e.zone) : tcpMssoptTo(v, tv, e.faddr), tv.minmss)
      // A tunnelled handshake offers room for the UDP header (udp_tunneling_overhead).
      if (e.port !== 0) to.mss = Math.max(to.mss - tv.udpTunnelingOverhead, 0)
      if ((e.flags & SCF.WINSCALE) !== 0) {
        to.flags |= TOF.SCALE
        to.wscale = e.rScale
      }
      if ((e.flags & SCF.SACK) !== 0) to.flags |= TOF.SACKPERM
    }
    if ((e.flags & SCF.TIMESTAMP) !== 0) {
      to.flags |= TOF.TS
      to.tsval = (e.tsoff + tcpTsTicks(tv, v.env.clock.runNow())) >>> 0
      to.tsecr = e.tsreflect
    }
    if ((e.flags & SCF.SIGNATURE) !== 0) to.flags |= TOF.SIGNATURE
  }
  const m = v.env.pool.get(TCP_HDR_LEN + 40)
  const hl = writeTcpHeader(
    m.data,
    m.off,
    e.lport,
    e.fport,
    syn ? e.iss : seqAdd(e.iss, 1),
    seqAdd(e.irs, 1),
    flags,
    e.wnd,
    0,
    to.flags === 0 ? null : to,
  )
  m.len = hl
  if (e.v6) {
    if (!tcpMd5Output(v, to, e.laddr6, e.faddr6!, m.data, m.off, hl)) {
      tv.stats.tcps_sig_err_buildsig++
      v.env.pool.put(m)
      return false
    }
    // A tunnelled SYN is answered through the tunnel, the UDP checksum from ip6_output.
    if (e.port !== 0) {
      if (!tcpUdpWrap(v, m, e.port)) {
        v.env.pool.put(m)
        return false
      }
      const o = tv.ip6o
      o.hlim = e.ipTtl
      o.src = e.laddr6
      o.zone = e.zone
      o.csumOff = 6
      o.tclass = e.ipTos & 0xff
      return ip6Output(v, m, e.faddr6!, 0, IpProto.UDP, o) === undefined
    }
    return tcp6Send(v, tv, m, e.laddr6, e.faddr6!, e.zone, e.ipTtl, e.ipTos) === undefined
  }
  if (!tcpMd5Output(v, to, e.laddr, e.faddr, m.data, m.off, hl)) {
    tv.stats.tcps_sig_err_buildsig++
    v.env.pool.put(m)
    return false
  }
  if (e.port === 0) tcpFinish(m.data, m.off, hl, e.laddr, e.faddr)
  else if (!tcpUdpEncap(v, m, e.laddr, e.faddr, e.port)) {
    v.env.pool.put(m)
    return false
  }
  const err = ipOutput(v, m, e.faddr, e.port === 0 ? IpProto.TCP : IpProto.UDP, {
    ttl: e.ipTtl,
    tos: e.ipTos,
    df: tv.pathMtuDiscovery !== 0 && (e.flags & SCF.UNREACH) === 0,
    src: e.laddr,
    dontRoute: false,
  })
  return err === undefined
}

/**
 * syncache_chkrst: an RST for the listener's port. It aborts the handshake only at exactly
 * IRS + 1 (any in-window value with net.inet.tcp.insecure_rst); elsewhere in the window it draws
 * a challenge ACK (RFC 5961 §3.2); outside the window, and without an entry, it is ignored
 * (tcps_badrst).
 */
export function syncacheChkrst(v: Vnet, tv: TcpVnet, seg: TcpSeg): void {
  const sc = tv.syncache
  const st = tv.stats
  if (sc === null) {
    st.tcps_badrst++
    return
  }
  if (sc.cookiesOnly()) return
  const row = sc.hash(seg.src, seg.sport, seg.dport)
  const e = sc.lookup(row, seg)
  if (e === null) {
    st.tcps_badrst++
    return
  }
  const nxt = seqAdd(e.irs, 1)
  if ((seqGeq(seg.seq, nxt) && seqLt(seg.seq, seqAdd(nxt, e.wnd))) || (e.wnd === 0 && seg.seq === nxt)) {
    if (tv.insecureRst !== 0 || seg.seq === nxt) {
      sc.drop(e, sc.bucket(row))
      st.tcps_sc_reset++
    } else {
      st.tcps_badrst++
      if (syncacheRespond(v, tv, e, TH.ACK)) {
        st.tcps_sndacks++
        st.tcps_sndtotal++
      } else {
        sc.drop(e, sc.bucket(row))
        st.tcps_sc_dropped++
      }
    }
  } else st.tcps_badrst++
}

/** syncache_badack: a SYN|ACK to a listener ends any handshake of that 4-tuple. */
export function syncacheBadack(tv: TcpVnet, seg: TcpSeg): void {
  const sc = tv.syncache
  if (sc === null || sc.cookiesOnly()) return
  const row = sc.hash(seg.src, seg.sport, seg.dport)
  const e = sc.lookup(row, seg)
  if (e === null) return
  sc.drop(e, sc.bucket(row))
  tv.stats.tcps_sc_badack++
}

/**
 * syncache_unreach: an ICMP error about our SYN-ACK to faddr:fport from laddr:lport. The first
 * one only marks the entry (and clears DF on its SYN-ACKs); a second after three retransmissions
 * drops it (tcps_sc_unreach), so a passing outage does not kill a handshake.
 */
export function syncacheUnreach(
  tv: TcpVnet,
  laddr: number,
  lport: number,
  faddr: number,
  fport: number,
  seq: number,
  port = 0,
): void {
  const sc = tv.syncache
  if (sc === null || sc.cookiesOnly()) return
  const row = sc.hash(faddr, fport, lport)
  const b = sc.bucket(row)
  let e: SyncacheEntry | null = null
  for (const x of b.entries)
    if (x.faddr === faddr && x.fport === fport && x.laddr === laddr && x.lport === lport) e = x
  // The error must be about the way the SYN-ACK went: plain, or inside UDP to the SYN's port.
  if (e === null || e.iss !== seq || e.port !== port) return
  if ((e.flags & SCF.UNREACH) === 0 || e.rxmits < 3 + 1) {
    e.flags |= SCF.UNREACH
    return
  }
  sc.drop(e, b)
  tv.stats.tcps_sc_unreach++
}

/** The vnet's syncache entries (syncache_pcblist), for netstat -a and sockstat. */
export function syncacheEntries(tv: TcpVnet): Iterable<SyncacheEntry> {
  return tv.syncache === null ? [] : tv.syncache.entries()
}

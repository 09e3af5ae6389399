/**
 * The syncache's handshake (FreeBSD 14's syncache_add, syncache_expand, syncookie_lookup and
 * syncache_socket): a SYN to a listener becomes an entry (or, with the cache paused, only a
 * SYN-ACK carrying a cookie), and the ACK that completes it becomes a connection on the listener's
 * queue. The cache itself, its timers and its answers live in tcp_syncache.ts.
 *
 * Data path: never throws; entries come from the cache's bounded free list. It makes no socket
 * before the final ACK, so a SYN flood costs no sockets.
 */

import { type StreamSocket, soqinsert, soqroom } from '../../../../kern/socket_stream.js'
import { seqAdd, seqGt, seqLeq, tstmpLt } from '../../../../wire/inet/seq.js'
import { type TcpOptions, TH, TOF } from '../../../../wire/inet/tcp.js'
import type { Vnet } from '../../../net/vnet.js'
import { ip } from '../../ip/ip.js'
import { ecnSyncacheFlags, ecnSyncacheSocket } from '../ecn/tcp_ecn.js'
import { in6Hlim } from '../tcp_ip6.js'
import { tcpMss, tcpStateChange } from '../tcp_subr.js'
import { tcpNewConn } from '../tcp_usrreq.js'
import {
  TCP_MAX_WINSHIFT,
  TCP_MAXWIN,
  TCPS,
  type Tcpcb,
  type TcpSeg,
  type TcpVnet,
  TF,
  TT,
} from '../tcp_var.js'
import { keepInit, tcpTimerActivate } from '../timer/tcp_timer.js'
import {
  EXPAND,
  SCF,
  type Syncache,
  type SyncacheEntry,
  syncacheOf,
  syncacheRespond,
  uptime,
} from './tcp_syncache.js'
import { cookieFlags, decodeCookieFlags, SYNCOOKIE_LIFETIME } from './tcp_syncookie.js'

/** The smallest window shift that lets kern.ipc.maxsockbuf be offered (as syncache_add picks it). */
function rscaleFor(so: StreamSocket): number {
  const max = so.ipc.maxsockbuf
  let s = 0
  for (let w = TCP_MAXWIN; s < TCP_MAX_WINSHIFT && w < max; w *= 2) s++
  return s
}

/**
 * syncache_add: a SYN (SYN or SYN|FIN, no ACK, no RST) for the listener lp. A duplicate of a SYN
 * we hold is answered again with the timer reset (tcps_sc_dupsyn); a new one becomes an entry, or
 * with the cache paused (or net.inet.tcp.syncookies_only) only a SYN-ACK carrying a cookie. Data
 * on the SYN is not acknowledged: holding it would let a flood fill our memory.
 */
export function syncacheAdd(v: Vnet, tv: TcpVnet, lp: Tcpcb, seg: TcpSeg, to: TcpOptions): void {
  const sc = syncacheOf(v, tv)
  const st = tv.stats
  const inp = lp.inp
  const so = lp.so
  sc.secrets.catchUp(uptime(v))
  const row = sc.hash(seg.src, seg.sport, seg.dport)
  const cookiesOnly = sc.cookiesOnly()
  if (!cookiesOnly) {
    const e = sc.lookup(row, seg)
    if (e !== null) {
      st.tcps_sc_dupsyn++
      // The retransmitted SYN decides the way back (syncache_add takes its port).
      e.port = seg.port
      if ((e.flags & SCF.TIMESTAMP) !== 0 && (to.flags & TOF.TS) !== 0) e.tsreflect = to.tsval
      else e.flags &= ~SCF.TIMESTAMP
      // A different codepoint, or the peer falling back from ECN, changes our answer.
      if ((e.flags & SCF.ECN) !== 0) {
        e.flags &= ~SCF.ECN
        if (ecnSyncacheFlags(tv, seg.flags, seg.tos)) e.flags |= SCF.ECN
      }
      const b = sc.bucket(row)
      if (syncacheRespond(v, tv, e, TH.SYN | TH.ACK)) {
        e.rxmits = 0
        sc.timeout(e, b, true)
        st.tcps_sndacks++
        st.tcps_sndtotal++
      } else {
        sc.drop(e, b)
        st.tcps_sc_dropped++
      }
      return
    }
  }
  let e: SyncacheEntry
  if (cookiesOnly) e = sc.scratchEntry()
  else if (sc.count >= sc.cacheLimit) {
    // The zone is exhausted: make room in this row if it has anything, else answer with a cookie.
    st.tcps_sc_zonefail++
    const b = sc.bucket(row)
    const last = b.entries[b.entries.length - 1]
    if (last !== undefined) {
      b.lastOverflow = uptime(v)
      sc.drop(last, b)
      sc.pause()
      e = sc.alloc()
    } else if (tv.syncookies !== 0) e = sc.scratchEntry()
    else return
  } else e = sc.alloc()
  e.faddr = seg.src
  e.fport = seg.sport
  e.laddr = seg.dst
  e.lport = seg.dport
  e.setAddrs(seg)
  e.jail = inp.jail
  e.uid = inp.uid
  e.ipTtl = e.v6 ? in6Hlim(inp) : inp.ttl >= 0 ? inp.ttl : ip(v).defaultTtl
  e.ipTos = e.v6 ? Math.max(inp.tclass, 0) : inp.tos
  e.port = seg.port
  e.irs = seg.seq
  e.flags = 0
  e.rxmits = 0
  e.peerMss = 0
  e.rScale = 0
  e.sScale = 0
  e.tsreflect = 0
  e.tsoff = 0
  // The initial window: the listener's receive buffer, clipped to what an unscaled field holds.
  e.wnd = Math.max(0, Math.min(so.sbrcv.hiwat, TCP_MAXWIN))
  const noopt = (lp.flags & TF.NOOPT) !== 0
  if (tv.rfc1323 !== 0 && !noopt) {
    if ((to.flags & TOF.TS) !== 0 && tv.rfc1323 !== 2) {
      e.tsreflect = to.tsval
      e.flags |= SCF.TIMESTAMP
      e.tsoff = tsOffsetFor(tv, e)
    }
    if ((to.flags & TOF.SCALE) !== 0 && tv.rfc1323 !== 3) {
      e.rScale = rscaleFor(so)
      e.sScale = Math.min(to.wscale, TCP_MAX_WINSHIFT)
      e.flags |= SCF.WINSCALE
    }
  }
  if ((to.flags & TOF.SACKPERM) !== 0) e.flags |= SCF.SACK
  if ((lp.flags & TF.SIGNATURE) !== 0) e.flags |= SCF.SIGNATURE
  if ((to.flags & TOF.MSS) !== 0) e.peerMss = to.mss
  if (noopt) e.flags |= SCF.NOOPT
  if (tv.ecnEnable !== 0 && ecnSyncacheFlags(tv, seg.flags, seg.tos)) e.flags |= SCF.ECN
  if (tv.syncookies !== 0) {
    const f = cookieFlags(
      e.peerMss,
      (e.flags & SCF.WINSCALE) !== 0 ? e.sScale : -1,
      (e.flags & SCF.SACK) !== 0,
    )
    e.iss = sc.secrets.generate(e.faddr, e.laddr, e.fport, e.lport, e.irs, f, row)
    st.tcps_sc_sendcookie++
  } else e.iss = sc.nextIss()
  if (syncacheRespond(v, tv, e, TH.SYN | TH.ACK)) {
    if (!sc.isScratch(e)) sc.insert(e, row)
    st.tcps_sndacks++
    st.tcps_sndtotal++
  } else {
    sc.free(e)
    st.tcps_sc_dropped++
  }
}

/** tcp_new_ts_offset for the entry's 4-tuple (0 without net.inet.tcp.ts_offset_per_conn). */
function tsOffsetFor(tv: TcpVnet, e: SyncacheEntry): number {
  return tv.tsOffsetPerConn !== 0 ? tv.isn.tsOffset(e.faddr, e.fport, e.laddr, e.lport) : 0
}

/**
 * syncache_expand: an ACK (no SYN, no RST) for the listener lp. The entry it completes (or the
 * cookie its acknowledgment number carries) becomes a connection in SYN_RECEIVED on the
 * listener's queue, which the caller then hands the ACK to (tcp_do_segment makes it ESTABLISHED).
 * Returns the new connection, or an EXPAND code.
 */
export function syncacheExpand(v: Vnet, tv: TcpVnet, lp: Tcpcb, seg: TcpSeg, to: TcpOptions): Tcpcb | number {
  const st = tv.stats
  const sc = tv.syncache
  // Without a syncache, nothing was ever sent that this could acknowledge.
  if (sc === null) return EXPAND.RESET
  sc.secrets.catchUp(uptime(v))
  const row = sc.hash(seg.src, seg.sport, seg.dport)
  const cookiesOnly = sc.cookiesOnly()
  let e = cookiesOnly ? null : sc.lookup(row, seg)
  if (e === null) {
    // A returning cookie? Only when cookies are on, and (unless they are all we use) only from a
    // row that overflowed in the last SYNCOOKIE_LIFETIME seconds: a cookie is never accepted for a
    // SYN we kept, nor twice.
    if (!cookiesOnly && tv.syncookies === 0) return EXPAND.RESET
    if (
      !cookiesOnly &&
      tv.syncookiesOnly === 0 &&
      sc.bucket(row).lastOverflow < uptime(v) - SYNCOOKIE_LIFETIME
    )
      return EXPAND.RESET
    e = syncookieLookup(v, tv, sc, lp, seg, to, row)
    if (e === null) return EXPAND.RESET
    tv.states[TCPS.SYN_RECEIVED]!++
  } else {
    // RFC 7323 §5.3 PAWS (dropped without an answer, as FreeBSD does here).
    if ((e.flags & SCF.TIMESTAMP) !== 0 && (to.flags & TOF.TS) !== 0 && tstmpLt(to.tsval, e.tsreflect))
      return EXPAND.DROP
    // RFC 7323 §3.2: timestamps were agreed, so a segment without one is dropped, unless tolerated.
    if ((e.flags & SCF.TIMESTAMP) !== 0 && (to.flags & TOF.TS) === 0 && tv.tolerateMissingTs === 0)
      return EXPAND.DROP
    // The handshake's ACK comes the way its SYN did, plain or through the same tunnel port.
    if (e.port !== seg.port) return EXPAND.RESET
    sc.unlink(e, sc.bucket(row))
  }
  // The ACK must be for our SYN-ACK, and its sequence number within the window we offered.
  if (seg.ack !== seqAdd(e.iss, 1) || seqLeq(seg.seq, e.irs) || seqGt(seg.seq, seqAdd(e.irs, e.wnd))) {
    tv.states[TCPS.SYN_RECEIVED]!--
    sc.free(e)
    return EXPAND.RESET
  }
  tv.states[TCPS.SYN_RECEIVED]!--
  const tp = syncacheSocket(v, tv, e, lp)
  if (tp === null) st.tcps_sc_aborted++
  else st.tcps_sc_completed++
  sc.free(e)
  return tp === null ? EXPAND.NOSOCKET : tp
}

/**
 * syncookie_lookup: rebuild the entry from a cookie in the ACK (its ack number less one), with
 * the MSS, window scale and SACK it remembers and timestamps if the ACK has them. Null when the
 * MAC does not match.
 */
function syncookieLookup(
  v: Vnet,
  tv: TcpVnet,
  sc: Syncache,
  lp: Tcpcb,
  seg: TcpSeg,
  to: TcpOptions,
  row: number,
): SyncacheEntry | null {
  const iss = seqAdd(seg.ack, -1)
  const irs = seqAdd(seg.seq, -1)
  const f = sc.secrets.check(seg.src, seg.dst, seg.sport, seg.dport, irs, iss, row)
  if (f < 0) return null
  const c = decodeCookieFlags(f, sc.cookieFields())
  const inp = lp.inp
  const e = sc.scratchEntry()
  e.faddr = seg.src
  e.fport = seg.sport
  e.laddr = seg.dst
  e.lport = seg.dport
  e.setAddrs(seg)
  e.jail = inp.jail
  e.uid = inp.uid
  e.irs = irs
  e.iss = iss
  e.flags = 0
  e.ipTtl = e.v6 ? in6Hlim(inp) : inp.ttl >= 0 ? inp.ttl : ip(v).defaultTtl
  e.ipTos = e.v6 ? Math.max(inp.tclass, 0) : inp.tos
  e.port = seg.port
  e.peerMss = c.mss
  e.rScale = 0
  e.sScale = 0
  if (c.wscale >= 0) {
    e.rScale = rscaleFor(lp.so)
    e.sScale = c.wscale
    e.flags |= SCF.WINSCALE
  }
  e.wnd = Math.max(0, Math.min(lp.so.sbrcv.hiwat, TCP_MAXWIN))
  if (c.sack) e.flags |= SCF.SACK
  if ((lp.flags & TF.SIGNATURE) !== 0) e.flags |= SCF.SIGNATURE
  e.tsreflect = 0
  e.tsoff = 0
  if ((to.flags & TOF.TS) !== 0) {
    e.flags |= SCF.TIMESTAMP
    e.tsreflect = to.tsval
    e.tsoff = tsOffsetFor(tv, e)
  }
  e.rxmits = 0
  tv.stats.tcps_sc_recvcookie++
  return e
}

/**
 * syncache_socket: the connection, set up as it would have been had it been made on the SYN, in
 * SYN_RECEIVED on the listener's incomplete queue. Null (tcps_listendrop) when the listener's
 * queue is over 3/2 of its backlog or the vnet is out of sockets.
 */
function syncacheSocket(v: Vnet, tv: TcpVnet, e: SyncacheEntry, lp: Tcpcb): Tcpcb | null {
  const head = lp.so
  if (!soqroom(head)) {
    tv.stats.tcps_listendrop++
    return null
  }
  const tp = tcpNewConn(head, e.laddr, e.lport, e.faddr, e.fport, e.v6 ? e : null)
  if (tp === null) {
    tv.stats.tcps_listendrop++
    return null
  }
  tp.inp.ttl = lp.inp.ttl
  if (e.v6) tp.inp.tclass = lp.inp.tclass
  else tp.inp.tos = e.ipTos
  tcpStateChange(tp, TCPS.SYN_RECEIVED)
  tp.iss = e.iss
  tp.irs = e.irs
  tp.rcv_nxt = tp.rcv_adv = tp.rcv_up = seqAdd(e.irs, 1)
  tp.snd_una = tp.snd_up = tp.snd_recover = e.iss
  tp.snd_nxt = tp.snd_max = seqAdd(e.iss, 1)
  tp.snd_wl1 = e.irs
  tp.snd_wl2 = e.iss
  tp.rcv_wnd = e.wnd
  tp.rcv_adv = seqAdd(tp.rcv_adv, tp.rcv_wnd)
  tp.last_ack_sent = tp.rcv_nxt
  // Only what the handshake agreed: options the peer did not offer are off.
  tp.flags &= ~(TF.REQ_SCALE | TF.RCVD_SCALE | TF.REQ_TSTMP | TF.RCVD_TSTMP | TF.SACK_PERMIT)
  tp.request_r_scale = 0
  if ((e.flags & SCF.SIGNATURE) !== 0) tp.flags |= TF.SIGNATURE
  if ((e.flags & SCF.NOOPT) !== 0) tp.flags |= TF.NOOPT
  else {
    if ((e.flags & SCF.WINSCALE) !== 0) {
      tp.flags |= TF.REQ_SCALE | TF.RCVD_SCALE
      tp.snd_scale = e.sScale
      tp.request_r_scale = e.rScale
      tp.rcv_scale = e.rScale
    }
    if ((e.flags & SCF.TIMESTAMP) !== 0) {
      tp.flags |= TF.REQ_TSTMP | TF.RCVD_TSTMP
      tp.ts_recent = e.tsreflect
      tp.ts_recent_age = v.env.clock.runNow()
      tp.ts_offset = e.tsoff
    }
    if ((e.flags & SCF.SACK) !== 0) tp.flags |= TF.SACK_PERMIT
  }
  ecnSyncacheSocket(tp, (e.flags & SCF.ECN) !== 0)
  tp.t_port = e.port
  tcpMss(tp, e.peerMss)
  // A retransmitted SYN-ACK limits the first window to one segment (cc_conn_init).
  if (e.rxmits > 1) tp.snd_cwnd = 1
  tcpTimerActivate(tp, TT.KEEP, keepInit(tp))
  tv.stats.tcps_accepts++
  soqinsert(head, tp.so, false)
  return tp
}

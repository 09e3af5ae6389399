/**
 * carp(4), the Common Address Redundancy Protocol, as FreeBSD 15's ip_carp.c runs it (and VRRPv3 for
 * a vhid created with `carpver 3`, whose packets ip_vrrp.ts builds): the input of
 * IP protocol 112 over IPv4 and IPv6 (checks in carp_input's order, each drop counted in struct
 * carpstats), the HMAC check (carp_hmac.ts), advertisements every advbase + advskew/256 s to
 * 224.0.0.18 / ff02::12 (TTL 255, DSCP net.inet.carp.dscp, from the virtual MAC) or to a unicast
 * `peer`, the INIT / BACKUP / MASTER machine with preemption and demotion (for VRRP, RFC 9568
 * §6.4's by priority), each change told to devd(8), and what becoming MASTER does: gratuitous ARP
 * and unsolicited NA with the virtual MAC, and the addresses' routes.
 *
 * Must not: throw on the packet path (a bad packet is counted and dropped), or keep state outside
 * the vnet's CarpVnet and the interfaces' CarpIf.
 */

import type { Mbuf, MbufPool } from '../../../buf/mbuf.js'
import { LOG } from '../../../kern/subr_msgbuf.js'
import { SEC, US } from '../../../util/clock.js'
import { readU32 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import {
  CARP_DFLTTL,
  CARP_HDR_LEN,
  CARP_MAXSKEW,
  CARP_VERSION,
  CarpOff,
  carpFinish,
  IPPROTO_CARP,
  writeCarpHeader,
} from '../../../wire/inet/carp.js'
import {
  VRRP_HDR_LEN,
  VRRP_PRIO_OWNER,
  VRRP_VERSION,
  VrrpOff,
  vrrpCksumOk4,
  vrrpCksumOk6,
  vrrpMaxAdvInt,
} from '../../../wire/inet/vrrp.js'
import { in6IsLinkLocal, in6IsMulticast } from '../../../wire/inet6/in6_addr.js'
import type { Domains } from '../../net/domain.js'
import { connectedRoutes, type IfAddr, type Ifnet, removeConnectedRoutes } from '../../net/ifnet.js'
import type { Vnet } from '../../net/vnet.js'
import { connectedRoutes as in6ConnectedRoutes, in6DelLoopbackRoute } from '../../netinet6/in6.js'
import type { In6Ifaddr } from '../../netinet6/in6_var.js'
import { ip6Output } from '../../netinet6/ip6/ip6_output.js'
import { nd6NaAnnounce } from '../../netinet6/nd6/nd6_nbr.js'
import { arpAnnounce } from '../arp/arp.js'
import { ipOutput } from '../ip/ip_output.js'
import { carpHmac, hmacOk } from './carp_hmac.js'
import { bestIfa4, bestIfa6 } from './carp_src.js'
import {
  CARP_STATES,
  type CarpIf,
  type CarpSoftc,
  CarpState,
  type CarpVnet,
  carpVnet,
  isV6,
} from './carp_var.js'
import { CS, vrrpMasterDownCs, vrrpOutput4, vrrpOutput6, vrrpSkewCs } from './ip_vrrp.js'

const AF_INET = 4
const AF_INET6 = 6
/** The phase of a callout within a tick (hz = 1000): tvtohz's rounding, a different one each time. */
const TICK_NS = 1_000_000

/** CARP_LOG: log(LOG_INFO, "carp: ...") while net.inet.carp.log > 0. */
function carpLog(v: Vnet, msg: string): void {
  if (carpVnet(v).log > 0) v.env.msgbuf.log(LOG.KERN | LOG.INFO, `carp: ${msg}`)
}

/** DEMOTE_ADVSKEW: advskew plus the vnet's demotion, kept within 0..CARP_MAXSKEW. */
export function demoteAdvskew(sc: CarpSoftc): number {
  const s = sc.advskew + carpVnet(sc.ifp.vnet).demotion
  return s > CARP_MAXSKEW ? CARP_MAXSKEW : s < 0 ? 0 : s
}

/** A callout `sec` s and `usec` µs from now, at some phase of the next tick (tvtohz). */
function calloutNs(sc: CarpSoftc, sec: number, usec: number): number {
  return sec * SEC + usec * US + carpVnet(sc.ifp.vnet).rng.int(TICK_NS)
}

/** A VRRP callout `cs` centiseconds from now, at some phase of the next tick. */
function calloutCs(sc: CarpSoftc, cs: number): number {
  return cs * CS + carpVnet(sc.ifp.vnet).rng.int(TICK_NS)
}

/** advskew / 256 of a second, in µs, as carp computes tv_usec. */
function skewUs(advskew: number): number {
  return Math.floor((advskew * 1000000) / 256)
}

// ---- input ----

/**
 * The checks carp_input and carp6_input share, by the version nibble: CARP's 36-byte header with its
 * own checksum, or VRRPv3's 8 bytes and addresses with the pseudo-header in the checksum (RFC 9568
 * §5.2.8); any other version is carps_badver. m is freed when it fails.
 */
function headerOk(s: CarpVnet, pool: MbufPool, m: Mbuf, off: number, af: number): boolean {
  const b = m.data
  const o = m.off
  // The payload as the IP header gives it (an Ethernet frame may carry padding after it).
  const ipEnd = af === AF_INET ? o + ((b[o + 2]! << 8) | b[o + 3]!) : o + 40 + ((b[o + 4]! << 8) | b[o + 5]!)
  const len = Math.min(ipEnd, o + m.len) - off
  const st = s.stats
  if (len < VRRP_HDR_LEN) st.carps_badlen++
  else {
    const ver = b[off]! >>> 4
    if (ver === CARP_VERSION) {
      if (len < CARP_HDR_LEN) st.carps_badlen++
      else if (checksum(b, off, CARP_HDR_LEN) !== 0) st.carps_badsum++
      else return true
    } else if (ver === VRRP_VERSION) {
      if (VRRP_HDR_LEN + (af === AF_INET ? 4 : 16) * b[off + VrrpOff.COUNT]! > len) st.carps_badlen++
      else if (
        af === AF_INET
          ? !vrrpCksumOk4(b, off, len, readU32(b, o + 12), readU32(b, o + 16))
          : !vrrpCksumOk6(b, off, len, b, o + 8, b, o + 24)
      )
        st.carps_badsum++
      else return true
    } else st.carps_badver++
  }
  pool.put(m)
  return false
}

/** carp_input: an IPv4 datagram of protocol 112, its CARP or VRRP header at `off`. Takes ownership of m. */
export function carpInput(ifp: Ifnet, m: Mbuf, off: number): void {
  const v = ifp.vnet
  const s = carpVnet(v)
  s.stats.carps_ipackets++
  const pool = v.env.pool
  if (s.allow === 0) {
    pool.put(m)
    return
  }
  if (!headerOk(s, pool, m, off, AF_INET)) return
  carpInputC(ifp, m, off, AF_INET, m.data[m.off + 8]!)
}

/** carp6_input: the same for IPv6 (hop limit in place of TTL). Takes ownership of m. */
export function carp6Input(ifp: Ifnet, m: Mbuf, off: number): void {
  const v = ifp.vnet
  const s = carpVnet(v)
  s.stats.carps_ipackets6++
  const pool = v.env.pool
  if (s.allow === 0) {
    pool.put(m)
    return
  }
  if (ifp.carp === null) {
    s.stats.carps_badif++
    pool.put(m)
    return
  }
  if (!headerOk(s, pool, m, off, AF_INET6)) return
  carpInputC(ifp, m, off, AF_INET6, m.data[m.off + 7]!)
}

/** Whether the packet's source is `ifa` (carp_source_is_self: our own advertisement looped back). */
function sourceIsSelf(m: Mbuf, ifa: IfAddr | In6Ifaddr, af: number): boolean {
  const b = m.data
  const o = m.off
  if (af === AF_INET) {
    if (isV6(ifa)) return false
    const src = ((b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!) >>> 0
    return src === ifa.addr >>> 0
  }
  if (!isV6(ifa)) return false
  for (let i = 0; i < 16; i++) if (b[o + 8 + i] !== ifa.addr[i]) return false
  return true
}

function carpInputC(ifp: Ifnet, m: Mbuf, off: number, af: number, ttl: number): void {
  const v = ifp.vnet
  const s = carpVnet(v)
  const st = s.stats
  const b = m.data
  const vhid = b[off + CarpOff.VHID]!
  const cif = ifp.carp as CarpIf | null
  // The vhid must be configured on the receiving interface with an address of this family; a
  // vhid 0 from one of our own carp addresses is our packet come back through a loop.
  let sc: CarpSoftc | undefined
  let loop = false
  if (cif !== null)
    for (const c of cif.vrs) {
      if (sc === undefined && c.vhid === vhid && (af === AF_INET ? c.naddrs : c.naddrs6) > 0) sc = c
      if (vhid === 0) for (const a of c.ifas) if (sourceIsSelf(m, a, af)) loop = true
    }
  if (sc === undefined || loop) {
    if (loop) st.carps_badif++
    else st.carps_badvhid++
    v.env.pool.put(m)
    return
  }
  // A vhid speaks the protocol it was created with (sc_version): CARP and VRRP never mix.
  if (b[off + CarpOff.VERTYPE]! >>> 4 !== sc.version) {
    st.carps_badver++
    v.env.pool.put(m)
    return
  }
  // The TTL is checked only for advertisements to the group: a unicast one may have been routed.
  const multicast = af === AF_INET ? sc.peer >>> 28 === 0xe : in6IsMulticast(sc.peer6, 0)
  if (multicast && ttl !== CARP_DFLTTL) {
    st.carps_badttl++
    v.env.pool.put(m)
    return
  }
  if (sc.isVrrp) {
    vrrpInputC(sc, m, off, af)
    return
  }
  if (!hmacOk(sc, b, off)) {
    st.carps_badauth++
    v.env.pool.put(m)
    return
  }
  const co = off + CarpOff.COUNTER
  // No replay protection (as in FreeBSD): the counter is only remembered.
  sc.initCounter = false
  sc.counterHi = ((b[co]! << 24) | (b[co + 1]! << 16) | (b[co + 2]! << 8) | b[co + 3]!) >>> 0
  sc.counterLo = ((b[co + 4]! << 24) | (b[co + 5]! << 16) | (b[co + 6]! << 8) | b[co + 7]!) >>> 0
  const chBase = b[off + CarpOff.ADVBASE]!
  const chSkew = b[off + CarpOff.ADVSKEW]!
  v.env.pool.put(m)
  const ours = sc.advbase * 1e6 + skewUs(demoteAdvskew(sc))
  const theirs = chBase * 1e6 + skewUs(chSkew)
  if (sc.state === CarpState.MASTER) {
    // Someone advertises at least as often as we do: they are master (carp_input_c).
    if (ours >= theirs) {
      sc.adTimer.cancel()
      setState(sc, CarpState.BACKUP, 'more frequent advertisement received')
      setrun(sc, 0)
      delroute(sc)
    }
  } else if (sc.state === CarpState.BACKUP) {
    if (s.preempt !== 0 && ours < theirs) {
      st.carps_preempt++
      masterDownLocked(sc, 'preempting a slower master')
      return
    }
    // A master that advertises less often than our master-down interval will time out anyway.
    if (sc.advbase * 3 * 1e6 < theirs) {
      masterDownLocked(sc, 'master will time out')
      return
    }
    setrun(sc, af)
  }
}

/**
 * Whether the advertisement's source (its sender's primary address) is greater than ours, compared
 * as unsigned integers in network byte order: RFC 9568 §6.4.3's tie-break between equal priorities.
 */
function senderGreater(sc: CarpSoftc, m: Mbuf, af: number): boolean {
  const b = m.data
  const o = m.off
  if (af === AF_INET) return readU32(b, o + 12) > bestIfa4(sc.ifp) >>> 0
  const ours = bestIfa6(sc.ifp, sc.peer6)
  if (ours === null) return true
  for (let i = 0; i < 16; i++) if (b[o + 8 + i] !== ours[i]) return b[o + 8 + i]! > ours[i]!
  return false
}

/**
 * A VRRPv3 advertisement for a vhid in VRRP mode, as RFC 9568 §6.4.2 (Backup) and §6.4.3 (Master)
 * receive it. Takes ownership of m.
 */
function vrrpInputC(sc: CarpSoftc, m: Mbuf, off: number, af: number): void {
  const b = m.data
  const prio = b[off + VrrpOff.PRIORITY]!
  const inter = vrrpMaxAdvInt(b, off)
  const greater = senderGreater(sc, m, af)
  sc.ifp.vnet.env.pool.put(m)
  if (sc.state === CarpState.MASTER) {
    // Another master resigned (priority 0): advertise at once so the backups keep waiting for us.
    if (prio === 0) {
      sendAd(sc)
      return
    }
    if (prio > sc.vrrpPrio || (prio === sc.vrrpPrio && greater)) {
      sc.adTimer.cancel()
      sc.vrrpMasterInter = inter
      setState(sc, CarpState.BACKUP, 'more frequent advertisement received')
      setrun(sc, 0)
      delroute(sc)
    }
  } else if (sc.state === CarpState.BACKUP) {
    // The master resigned: take over after Skew_Time rather than Master_Down_Interval.
    if (prio === 0) {
      const ns = calloutCs(sc, vrrpSkewCs(sc))
      if (af === AF_INET) sc.mdTimer.arm(ns)
      else sc.md6Timer.arm(ns)
      return
    }
    if (carpVnet(sc.ifp.vnet).preempt === 0 || prio >= sc.vrrpPrio) {
      sc.vrrpMasterInter = inter
      sc.vrrpPreempting = false
      setrun(sc, af)
      return
    }
    // Preempt_Mode and a lower-priority master: discarded, so Master_Down_Timer runs out on it.
    sc.vrrpPreempting = true
  }
}

// ---- output ----

/** carp_prepare_ad: the next counter (random to start with) and its HMAC into the header at b[o]. */
function prepareAd(sc: CarpSoftc, b: Uint8Array, o: number): void {
  if (sc.initCounter) {
    const rng = carpVnet(sc.ifp.vnet).rng
    sc.counterHi = rng.u32()
    sc.counterLo = rng.u32()
  } else {
    sc.counterLo = (sc.counterLo + 1) >>> 0
    if (sc.counterLo === 0) sc.counterHi = (sc.counterHi + 1) >>> 0
  }
  const co = o + CarpOff.COUNTER
  for (let i = 0; i < 4; i++) {
    b[co + i] = sc.counterHi >>> (24 - 8 * i)
    b[co + 4 + i] = sc.counterLo >>> (24 - 8 * i)
  }
  b.set(carpHmac(sc, b, co), o + CarpOff.MD)
}

/**
 * carp_send_ad_error: three failed sends in a row demote the vnet by senderr_demotion_factor;
 * three good ones after that take the demotion back.
 */
function sendAdError(sc: CarpSoftc, failed: boolean): void {
  const v = sc.ifp.vnet
  const s = carpVnet(v)
  if (failed) {
    if (sc.sendadErrors < 0x7fffffff) sc.sendadErrors++
    if (sc.sendadErrors === 3) demoteAdj(v, s.senderrAdj, `send error on ${sc.ifp.name}`)
    sc.sendadSuccess = 0
  } else if (sc.sendadErrors > 0 && ++sc.sendadSuccess >= 3) {
    if (sc.sendadErrors >= 3) demoteAdj(v, -s.senderrAdj, `send ok on ${sc.ifp.name}`)
    sc.sendadErrors = 0
  }
}

/** carp_send_ad_locked: one advertisement per family the vhid has addresses of, then the next. */
export function sendAd(sc: CarpSoftc): void {
  if (sc.isVrrp) {
    vrrpSendAd(sc, sc.vrrpPrio)
    sc.adTimer.arm(calloutCs(sc, sc.vrrpAdvInter))
    return
  }
  const ifp = sc.ifp
  const v = ifp.vnet
  const s = carpVnet(v)
  const advskew = demoteAdvskew(sc)
  if (sc.naddrs > 0) {
    const m = v.env.pool.get()
    writeCarpHeader(m.data, m.off, sc.vhid, advskew, sc.advbase)
    prepareAd(sc, m.data, m.off)
    carpFinish(m.data, m.off)
    m.len = CARP_HDR_LEN
    const multicast = sc.peer >>> 28 === 0xe
    // carp_output: only advertisements to the group leave from the virtual MAC.
    if (multicast) m.tag = sc.srcTag
    s.stats.carps_opackets++
    const err = ipOutput(v, m, sc.peer, IPPROTO_CARP, {
      ttl: CARP_DFLTTL,
      tos: s.dscp << 2,
      df: true,
      src: bestIfa4(ifp),
      dontRoute: false,
      mifp: multicast ? ifp : null,
      mloop: false,
    })
    sendAdError(sc, err !== undefined)
  }
  if (sc.naddrs6 > 0) {
    const m = v.env.pool.get()
    writeCarpHeader(m.data, m.off, sc.vhid, advskew, sc.advbase)
    prepareAd(sc, m.data, m.off)
    carpFinish(m.data, m.off)
    m.len = CARP_HDR_LEN
    const multicast = in6IsMulticast(sc.peer6, 0)
    if (multicast) m.tag = sc.srcTag
    s.stats.carps_opackets6++
    const err = ip6Output(v, m, sc.peer6, 0, IPPROTO_CARP, {
      hlim: CARP_DFLTTL,
      src: bestIfa6(ifp, sc.peer6),
      zone: multicast || in6IsLinkLocal(sc.peer6, 0) ? ifp.index : 0,
      csumOff: -1,
      tclass: s.dscp << 2,
    })
    sendAdError(sc, err !== undefined)
  }
  sc.adTimer.arm(calloutNs(sc, sc.advbase, skewUs(advskew)))
}

/** One VRRPv3 advertisement per family the vhid has addresses of, with `priority`. */
function vrrpSendAd(sc: CarpSoftc, priority: number): void {
  if (sc.naddrs > 0) sendAdError(sc, vrrpOutput4(sc, priority) !== undefined)
  if (sc.naddrs6 > 0) sendAdError(sc, vrrpOutput6(sc, priority) !== undefined)
}

/**
 * RFC 9568 §6.4.3's Shutdown event for a VRRP master: an advertisement with priority 0 tells the
 * backups to take over after Skew_Time instead of waiting out Master_Down_Interval.
 */
export function vrrpResign(sc: CarpSoftc): void {
  if (sc.isVrrp && sc.state === CarpState.MASTER && sc.ifp.up) vrrpSendAd(sc, 0)
}

// ---- the state machine ----

/**
 * carp_set_state: logged as `carp: VHID@IF: OLD -> NEW (reason)` and told to devd(8) as
 * devctl_notify("CARP", "VHID@IF", NEW), what failover scripts match on.
 */
export function setState(sc: CarpSoftc, state: number, reason: string): void {
  if (sc.state === state) return
  const v = sc.ifp.vnet
  const subsystem = `${sc.vhid}@${sc.ifp.name}`
  carpLog(v, `${subsystem}: ${CARP_STATES[sc.state]} -> ${CARP_STATES[state]} (${reason})`)
  sc.state = state
  v.env.devctl.notify(v.id, 'CARP', subsystem, CARP_STATES[state]!)
}

/**
 * carp_setrun: INIT moves to BACKUP once the interface is up with an address and carp is allowed;
 * BACKUP (re)arms the master-down timer of `af` (0: of each family it has addresses of) for
 * 3 × advbase + advskew/256 s; MASTER arms the next advertisement.
 */
export function setrun(sc: CarpSoftc, af: number): void {
  if (!sc.ifp.up || sc.naddrs + sc.naddrs6 === 0 || carpVnet(sc.ifp.vnet).allow === 0) return
  switch (sc.state) {
    case CarpState.INIT:
      setState(sc, CarpState.BACKUP, 'initialization complete')
      if (sc.isVrrp) {
        // RFC 9568 §6.4.1: Master_Adver_Interval starts as our own; the address owner takes over at once.
        sc.vrrpMasterInter = sc.vrrpAdvInter
        if (sc.vrrpPrio === VRRP_PRIO_OWNER) {
          masterDownLocked(sc, 'address owner')
          return
        }
      }
      setrun(sc, 0)
      break
    case CarpState.BACKUP: {
      sc.adTimer.cancel()
      if (sc.isVrrp) {
        const ns = calloutCs(sc, vrrpMasterDownCs(sc))
        if (af === AF_INET || (af === 0 && sc.naddrs > 0)) sc.mdTimer.arm(ns)
        if (af === AF_INET6 || (af === 0 && sc.naddrs6 > 0)) sc.md6Timer.arm(ns)
        break
      }
      const us = skewUs(sc.advskew)
      if (af === AF_INET || (af === 0 && sc.naddrs > 0)) sc.mdTimer.arm(calloutNs(sc, 3 * sc.advbase, us))
      if (af === AF_INET6 || (af === 0 && sc.naddrs6 > 0)) sc.md6Timer.arm(calloutNs(sc, 3 * sc.advbase, us))
      break
    }
    case CarpState.MASTER:
      sc.adTimer.arm(
        sc.isVrrp ? calloutCs(sc, sc.vrrpAdvInter) : calloutNs(sc, sc.advbase, skewUs(sc.advskew)),
      )
      break
  }
}

/** The master-down timer: no advertisement for 3 × advbase (carp_master_down). */
export function masterDown(sc: CarpSoftc): void {
  if (sc.state !== CarpState.BACKUP) return
  if (sc.vrrpPreempting) {
    // The lower-priority master's advertisements were ignored until now (RFC 9568 §6.4.2).
    sc.vrrpPreempting = false
    carpVnet(sc.ifp.vnet).stats.carps_preempt++
    masterDownLocked(sc, 'preempting a lower priority master')
  } else masterDownLocked(sc, 'master timed out')
}

/** carp_master_down_locked: BACKUP becomes MASTER, advertises, announces its addresses. */
export function masterDownLocked(sc: CarpSoftc, reason: string): void {
  if (sc.state !== CarpState.BACKUP) return
  setState(sc, CarpState.MASTER, reason)
  sendAd(sc)
  // carp_send_arp / carp_send_na: neighbours learn the virtual MAC for every address.
  for (const a of sc.ifas) {
    if (isV6(a)) nd6NaAnnounce(a)
    else if (sc.ifp.up) arpAnnounce(sc.ifp, a.addr, sc.mac)
  }
  setrun(sc, 0)
  addroute(sc)
}

/**
 * carp_addroute: a MASTER's IPv4 addresses get their prefix and loopback routes, its IPv6 ones
 * their loopback route (their prefix route stays in every state, as carp_ifa_addroute leaves it).
 */
function addroute(sc: CarpSoftc): void {
  if (!sc.ifp.vnet.hasIf(sc.ifp)) return
  for (const a of sc.ifas) {
    if (isV6(a)) in6ConnectedRoutes(a)
    else connectedRoutes(a)
  }
}

/** carp_delroute: and lose them in BACKUP (another address on the prefix takes its route over). */
export function delroute(sc: CarpSoftc): void {
  for (const a of sc.ifas) {
    if (isV6(a)) in6DelLoopbackRoute(a)
    else removeConnectedRoutes(a)
  }
}

/**
 * carp_sc_state: an interface going down (or carp disallowed) stops the vhid in INIT and demotes
 * the vnet by ifdown_demotion_factor once; coming up restarts it from INIT and takes that back.
 */
export function scState(sc: CarpSoftc): void {
  const v = sc.ifp.vnet
  const s = carpVnet(v)
  // Only a MASTER holds its addresses' routes; restarting from INIT gives them up.
  if (sc.state === CarpState.MASTER) delroute(sc)
  if (!sc.ifp.up || s.allow === 0) {
    vrrpResign(sc)
    sc.stopTimers()
    setState(sc, CarpState.INIT, 'hardware interface down')
    setrun(sc, 0)
    if (!sc.suppress) demoteAdj(v, s.ifdownAdj, 'interface down')
    sc.suppress = true
  } else {
    setState(sc, CarpState.INIT, 'hardware interface up')
    setrun(sc, 0)
    if (sc.suppress) demoteAdj(v, -s.ifdownAdj, 'interface up')
    sc.suppress = false
  }
}

/** carp_demote_adj: change the vnet's demotion; masters advertise the new skew soon after. */
export function demoteAdj(v: Vnet, adj: number, reason: string): void {
  const s = carpVnet(v)
  s.demotion = (s.demotion + adj) | 0
  carpLog(v, `demoted by ${adj} to ${s.demotion} (${reason})`)
  s.sendAllTimer.arm(0)
}

/** net.inet.carp.allow changed: every vhid of the vnet re-evaluates its state. */
export function allowChanged(v: Vnet): void {
  for (const sc of [...carpVnet(v).list]) scState(sc)
}

/** Register protocol 112 with IPv4 and IPv6 (carp_modload's ipproto_register). */
export function carpProtoAttach(d: Domains, on: boolean): void {
  if (on) {
    d.registerIpProto(4, IPPROTO_CARP, carpInput)
    d.registerIpProto(6, IPPROTO_CARP, carp6Input)
  } else {
    d.unregisterIpProto(4, IPPROTO_CARP)
    d.unregisterIpProto(6, IPPROTO_CARP)
  }
}

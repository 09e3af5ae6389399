/**
 * dummynet's packet path (FreeBSD's ip_dn_io.c): dummynet_io takes a packet an ipfw `pipe N` or
 * `queue N` rule sent it, finds the scheduler instance and queue of its flow, applies the
 * flowset's loss, RED and queue limit, and lets the scheduler and the link serve it: the link
 * sends while it has credit (bandwidth × time; a packet leaves once its last bit is paid for), then
 * the delay line holds it for the link's delay, then dummynet_send reinjects it where it was taken
 * — ip_input again for inbound packets, ip_output's send path for outbound ones — with a tag that
 * lets ipfw resume after the rule (or skip the firewall when net.inet.ip.fw.one_pass is 1).
 *
 * Timing is exact in virtual time: credit is kept in bit·ns, so a 1 Mbit/s link sends a 1000-byte
 * packet every 8 ms to the nanosecond. Each scheduler instance has one re-armable host-clock timer;
 * nothing is allocated per packet once tags and queues exist, nothing throws, every drop is counted.
 */

import type { Mbuf } from '../../../../buf/mbuf.js'
import { readU32 } from '../../../../wire/addr.js'
import { IpProto } from '../../../../wire/inet/ipv4.js'
import type { Ifnet } from '../../../net/ifnet.js'
import { PFIL_IN } from '../../../net/pfil.js'
import { RTF } from '../../../net/route/route.js'
import type { Vnet } from '../../../net/vnet.js'
import { ip } from '../../../netinet/ip/ip.js'
import { ipInput } from '../../../netinet/ip/ip_input.js'
import { ipSend } from '../../../netinet/ip/ip_output.js'
import { in6Key } from '../../../netinet6/in6_var.js'
import { ip6 } from '../../../netinet6/ip6/ip6.js'
import { ip6Input } from '../../../netinet6/ip6/ip6_input.js'
import { ip6Resend } from '../../../netinet6/ip6/ip6_output.js'
import type { PktFacts } from '../ip_fw_facts.js'
import { dummynet } from './dn_module.js'
import { type DnQueue, FlowTable, redDrops } from './dn_queue.js'
import { FIFO, type SchedEnv } from './dn_sched.js'
import type { DnTag } from './dn_tag.js'
import { type DnFsk, type DnSchk, DnSi } from './ip_dn_private.js'
import type { DnState } from './ip_dummynet.js'

/** What dummynet_io did with the packet. */
export const DN_IO = {
  /** Taken: queued, or dropped and counted. */
  TAKEN: 0,
  /** Passed straight through the pipe (idle, unlimited, no delay): the caller goes on with it. */
  FAST: 1,
  /** dummynetFast only: not its case, nothing done; dummynetIo takes the packet. */
  SLOW: 2,
} as const

/** bit·ns per byte: credit counts bits × 1e9 so that elapsed ns × bit/s adds exactly. */
const BYTE_COST = 8e9

function tagOf(m: Mbuf): DnTag {
  return m.tag as DnTag
}

/** Drop a packet dummynet took, counting it (io_pkt_drop). */
function dropIt(st: DnState, m: Mbuf): number {
  st.stats.ioPktDrop++
  st.freeHeld(m)
  return DN_IO.TAKEN
}

function newSi(st: DnState, s: DnSchk): DnSi {
  let si: DnSi | null = null
  const env: SchedEnv = {
    pool: st.v.env.pool,
    rng: st.rng,
    get ni() {
      return si!.ni
    },
    dropped: (m) => {
      const i = si!
      i.ni.len--
      i.ni.lenBytes -= m.len
      i.ni.drops++
      st.stats.ioPktDrop++
      st.freeHeld(m)
    },
  }
  const timer = st.v.env.clock.timer(() => siTimer(st, si!))
  si = new DnSi(s, st.newSiId(), env, timer)
  st.siCount++
  return si
}

/** FreeBSD keeps idle instances and queues until they expire; VirtNet reclaims them when a table fills. */
function reclaimIdleSi(st: DnState, s: DnSchk): void {
  if (st.expire === 0 || s.siht === null) return
  s.siht.removeWhere((si) => {
    if (!si.idle || si.ni.len !== 0) return false
    for (const f of st.fsk.values())
      if (f.sched === s && f.qht !== null) {
        const before = f.qht.count
        f.qht.removeWhere((q) => q.owner === si.id && q.head === null && !q.active)
        st.queueCount -= before - f.qht.count
      }
    st.siCount--
    return true
  })
}

function findSi(st: DnState, s: DnSchk, fsNr: number): DnSi | null {
  if (s.mask === null) {
    if (s.si === null) s.si = newSi(st, s)
    return s.si
  }
  if (s.siht === null) s.siht = new FlowTable<DnSi>(s.buckets, st.maxFlows)
  const key = st.keyFid
  key.set(s.mask, st.pktFid, fsNr)
  let si = s.siht.find(key, 0)
  if (si !== null) return si
  if (s.siht.full) reclaimIdleSi(st, s)
  if (s.siht.full) return null
  si = newSi(st, s)
  si.fid.copy(key)
  s.siht.add(si)
  return si
}

function findQueue(st: DnState, fs: DnFsk, si: DnSi, fsNr: number): DnQueue | null {
  const qht = fs.qht!
  const key = st.keyFid
  key.set(fs.cfg.mask, st.pktFid, fsNr)
  let q = qht.find(key, si.id)
  if (q !== null) return q
  if (qht.full && st.expire !== 0) {
    const before = qht.count
    qht.removeWhere((x) => x.head === null && !x.active)
    st.queueCount -= before - qht.count
  }
  if (qht.full) return null
  q = st.newQueue(fs, si)
  q.fid.copy(key)
  qht.add(q)
  return q
}

/**
 * dummynet_io: m was sent to flowset fsNr by an ipfw rule (`rule` at index `slot`) in direction
 * dir on ifp; p holds its header fields. Returns DN_IO.FAST when m may go on at once (no tag left
 * on it), else DN_IO.TAKEN. It reads the exact clock, not ipfw's per-turn coarse time: a delay line
 * started from a time read earlier in the turn would release the packet that much early.
 */
export function dummynetIo(
  v: Vnet,
  m: Mbuf,
  ifp: Ifnet,
  dir: number,
  fsNr: number,
  rule: object,
  slot: number,
  ruleNum: number,
  p: PktFacts,
): number {
  const now = v.env.clock.now()
  const st = dummynet(v)
  st.stats.ioPkt++
  const fs = st.fsk.get(fsNr)
  if (fs === undefined || fs.sched === null) return dropIt(st, m)
  const s = fs.sched
  const pf = st.pktFid
  pf.proto = p.proto
  pf.src = p.src >>> 0
  pf.dst = p.dst >>> 0
  const ports = p.l4 && (p.proto === IpProto.TCP || p.proto === IpProto.UDP)
  pf.sport = ports ? p.sport : 0
  pf.dport = ports ? p.dport : 0
  pf.extra = 0
  const si = findSi(st, s, fsNr)
  if (si === null) return dropIt(st, m)
  const t = st.tags.get()
  t.dir = dir
  t.ifp = ifp
  t.rule = rule
  t.slot = slot
  t.ruleNum = ruleNum
  t.outTime = 0
  m.tag = t
  m.stamp = now
  const len = m.len
  if (s.type.ownQueues) {
    si.ni.totPkts++
    si.ni.totBytes += len
    si.ni.len++
    si.ni.lenBytes += len
    // A false return means the scheduler dropped m and counted it.
    if (!si.impl.enqueue(null, m, pf, now)) return DN_IO.TAKEN
  } else {
    const fq = s.type.multiqueue ? findQueue(st, fs, si, fsNr) : si.own
    const q = fq !== null && si.impl.queueFor !== undefined ? si.impl.queueFor(fq) : fq
    if (q === null) {
      si.ni.drops++
      return dropIt(st, m)
    }
    if (!dnEnqueue(st, fs, q, si, m, len, now)) return DN_IO.TAKEN
    si.impl.enqueue(q, m, pf, now)
  }
  if (si.active) return DN_IO.TAKEN
  // The first packet on an idle instance: its initial allowance (io_fast: one ms of line rate; burst).
  const link = s.link
  if (si.idleTime < now) {
    si.schedTime = now
    si.credit = st.ioFast !== 0 ? link.bw * 1e6 : 0
    if (link.burst > 0) {
      const burst = (now - si.idleTime) * link.bw
      si.credit += burst < link.burst * BYTE_COST ? burst : link.burst * BYTE_COST
    }
  }
  serve(si, now)
  // Only m came out, and at once: hand it back to ipfw instead of queueing a send (io_pkt_fast).
  if (si.dlHead === m && m.next === null && t.outTime <= now) {
    si.dlHead = null
    si.dlTail = null
    m.tag = null
    st.tags.put(t)
    st.stats.ioPktFast++
    rearm(si)
    return DN_IO.FAST
  }
  rearm(si)
  return DN_IO.TAKEN
}

/**
 * dummynet_io for the case an unlimited pipe without delay is (FIFO, no mask, no loss, no RED,
 * bandwidth and delay 0, nothing queued or in the delay line): the packet would be queued, served
 * at once and handed back (io_pkt_fast), so only the counters that round trip leaves behind are
 * written — io_pkt, io_pkt_fast, the instance's totals, its credit and idle stamp — without a tag,
 * the queue, the scheduler or the flow id. Returns DN_IO.FAST, or DN_IO.SLOW (nothing done) for
 * anything else, which dummynetIo then takes. The idle stamp is the clock's coarse time (the turn's,
 * exact in virtual time; FreeBSD's curr_time is a tick): with no bandwidth it is read only by the
 * burst allowance after the pipe is given one, and no packet's timing depends on it.
 */
export function dummynetFast(v: Vnet, fsNr: number, len: number): number {
  const st = dummynet(v)
  let fs = st.lastFs
  if (st.lastFsNr !== fsNr || fs === null) {
    fs = st.fsk.get(fsNr) ?? null
    if (fs === null) return DN_IO.SLOW
    st.lastFsNr = fsNr
    st.lastFs = fs
  }
  const s = fs.sched
  if (s === null || s.type !== FIFO || s.mask !== null || fs.plr !== 0 || fs.red !== null) return DN_IO.SLOW
  const link = s.link
  const si = s.si
  if (link.bw !== 0 || link.delay !== 0 || si === null || si.active || si.dlHead !== null) return DN_IO.SLOW
  if (si.own.head !== null) return DN_IO.SLOW
  const now = v.env.clock.coarseNow()
  const stats = st.stats
  stats.ioPkt++
  stats.ioPktFast++
  si.ni.totPkts++
  si.ni.totBytes += len
  // The first packet's allowance with no bandwidth is none (dummynetIo, then serve). A coarse time
  // behind an exact one dummynetIo wrote leaves the stamps as they are: they never go backwards.
  if (now > si.idleTime) {
    si.credit = 0
    si.schedTime = now
    si.idleTime = now
  }
  return DN_IO.FAST
}

/** dn_enqueue: counters, loss, RED and the queue limit, then the queue. False when m was dropped. */
function dnEnqueue(st: DnState, fs: DnFsk, q: DnQueue, si: DnSi, m: Mbuf, len: number, now: number): boolean {
  const own = q === si.own
  if (!own) {
    q.ni.totPkts++
    q.ni.totBytes += len
  }
  si.ni.totPkts++
  si.ni.totBytes += len
  let drop = fs.plr > 0 && st.rng.float() < fs.plr
  if (!drop && fs.red !== null) {
    const bw = si.sch.link.bw
    const txNs = bw > 0 ? (st.redAvgPktSize * BYTE_COST) / bw : 0
    drop = redDrops(q, fs.red, fs.qbytes, len, now, txNs, st.rng)
  }
  // As dn_enqueue: a byte limit is checked before adding the packet, so it may be exceeded by one.
  if (!drop) drop = fs.qbytes ? q.ni.lenBytes > fs.qsize : q.ni.len >= fs.qsize
  if (drop) {
    if (!own) q.ni.drops++
    si.ni.drops++
    dropIt(st, m)
    return false
  }
  q.append(m, len)
  si.ni.len++
  si.ni.lenBytes += len
  return true
}

/**
 * serve_sched: the link sends while it has credit; each packet sent enters the delay line. The
 * last one sent on credit it did not have yet leaves when that debt is paid (end of transmission).
 */
function serve(si: DnSi, now: number): void {
  const link = si.sch.link
  const bw = link.bw
  if (bw > 0) si.credit += (now - si.schedTime) * bw
  si.schedTime = now
  const out = now + link.delay * 1e6
  let last: Mbuf | null = null
  while (bw === 0 || si.credit >= 0) {
    const m = si.impl.dequeue(now)
    if (m === null) break
    si.ni.len--
    si.ni.lenBytes -= m.len
    if (bw > 0) si.credit -= m.len * BYTE_COST
    const t = tagOf(m)
    t.outTime = out
    m.next = null
    if (si.dlTail === null) si.dlHead = m
    else si.dlTail.next = m
    si.dlTail = m
    last = m
  }
  if (bw === 0 || si.credit >= 0) {
    si.active = false
    si.idleTime = now
  } else {
    const wait = Math.ceil(-si.credit / bw)
    if (last !== null) tagOf(last).outTime += wait
    si.active = true
    si.nextServe = now + wait
  }
}

/** Arm the instance's timer for its next event: more credit, or the delay line's head leaving. */
function rearm(si: DnSi): void {
  let at = si.active ? si.nextServe : Number.POSITIVE_INFINITY
  if (si.dlHead !== null) {
    const o = tagOf(si.dlHead).outTime
    if (o < at) at = o
  }
  if (at === Number.POSITIVE_INFINITY) si.timer.cancel()
  else si.timer.armAt(at)
}

function siTimer(st: DnState, si: DnSi): void {
  const v = st.v
  if (v.destroyed) {
    // The vnet went away with packets in its pipes: free them all (VNET_SYSUNINIT's dummynet flush).
    st.flush()
    return
  }
  const now = v.env.clock.now()
  if (si.active && now >= si.nextServe) serve(si, now)
  while (si.dlHead !== null && tagOf(si.dlHead).outTime <= now) {
    const m = si.dlHead
    si.dlHead = m.next
    if (si.dlHead === null) si.dlTail = null
    m.next = null
    dummynetSend(st, m)
  }
  rearm(si)
}

/** dummynet_send: back where the packet was taken, with its tag for ipfw to resume after the rule. */
function dummynetSend(st: DnState, m: Mbuf): void {
  const v = st.v
  const t = tagOf(m)
  const ifp = t.ifp
  const v6 = m.data[m.off]! >>> 4 === 6
  if (t.dir === PFIL_IN) {
    if (ifp === null || ifp.vnet !== v) {
      st.freeHeld(m)
      return
    }
    if (v6) ip6Input(v, ifp, m)
    else ipInput(v, ifp, m)
    return
  }
  if (v6) {
    // ip6_output again, toward the interface the packet was leaving by.
    if (ifp === null || ifp.vnet !== v) {
      st.freeHeld(m)
      return
    }
    const src = m.data
    ip6Resend(v, ifp, m, !localSrc6(v, src, m.off + 8))
    return
  }
  // ip_output with IP_FORWARDING: the header is complete; route it again.
  const b = m.data
  const src = readU32(b, m.off + 12)
  const dst = readU32(b, m.off + 16)
  const rt = v.routes.lookup(dst)
  if (rt === null || (rt.flags & (RTF.REJECT | RTF.BLACKHOLE)) !== 0 || !rt.ifp.up) {
    if (rt === null) ip(v).stats.ips_noroute++
    st.freeHeld(m)
    return
  }
  const out = rt.ifp
  const nextHop = (rt.flags & RTF.GATEWAY) !== 0 ? rt.gateway : dst
  const bcast = dst === 0xffffffff || (rt.ifa !== null && rt.ifa.broadcast === dst && rt.ifa.prefixLen < 31)
  const mtu = rt.mtu !== 0 && rt.mtu < out.mtu ? rt.mtu : out.mtu
  ipSend(v, out, m, nextHop, bcast, mtu, !v.isLocal(src))
}

/** Take dummynet's tag off a reinjected packet (ipfw reads it first). */
export function dnTagRelease(v: Vnet, m: Mbuf): void {
  const t = m.tag
  if (t === null) return
  m.tag = null
  dummynet(v).tags.put(t as DnTag)
}

/** Whether the IPv6 source at b[o] is one of ours (a reinjected packet was then sent, not forwarded). */
function localSrc6(v: Vnet, b: Uint8Array, o: number): boolean {
  const s = ip6(v)
  in6Key(s.keyIn, b, o, 0)
  return s.localByKey(s.keyIn, 0) !== undefined
}

/**
 * geneve(4): Generic Network Virtualization Encapsulation (RFC 8926) over a UDP socket of the
 * interface's own vnet, as FreeBSD's if_geneve.c. `genevemode l2` (the default) makes an Ethernet
 * interface carrying frames as Protocol Type 0x6558, with a forwarding table learned from the
 * senders of received frames (inner source MAC → outer source address, bounded by genevemaxaddr,
 * aged by genevetimeout); `genevemode l3` an interface without a link header (IFT_TUNNEL, NOARP)
 * whose IPv4 and IPv6 packets travel with their own EtherType as Protocol Type.
 *
 * The socket is opened (or shared: geneve_socket.ts) when the interface comes up with a VNI and a
 * remote or group set, and closed when it goes down; until then the interface is UP but not
 * RUNNING, and the end points, ports and df may change only while it is not running and not
 * externally controlled (EBUSY), as geneve_can_change_config says.
 *
 * On the wire (RFC 8926 §3.3, §4.4.2): the source port is a hash of the inner headers within
 * geneveportrange; the outer TTL is genevettl or the inner one (`inherit`); the outer ECN field is
 * the inner's (RFC 6040 §4.1, normal mode), the DSCP the inner's with genevedscpinherit; DF set,
 * unset or the inner's. On receipt the outer ECN is folded into the inner header (RFC 6040 §4.2:
 * CE over Not-ECT drops the packet), and with `genevettl inherit` the outer TTL becomes the inner.
 *
 * Differences from FreeBSD: reserved header bits are ignored on receipt as RFC 8926 §3.4 says
 * (FreeBSD drops a non-zero reserved VNI byte); options are walked by their lengths and a critical
 * one drops the packet even when the C bit does not announce it; an l2 interface drops a payload
 * that is not Ethernet (FreeBSD hands it to IP).
 *
 * Must not: allocate or throw on the data path (headers go into the mbuf's headroom in place).
 */

import type { Mbuf } from '../../../../buf/mbuf.js'
import { SEC, type Timer } from '../../../../util/clock.js'
import { readU16, readU32 } from '../../../../wire/addr.js'
import {
  GENEVE_PORT,
  GENEVE_PROTO_ETHER,
  GENEVE_VNI_MAX,
  writeGeneveHeader,
} from '../../../../wire/inet/geneve.js'
import { in6Eq, in6IsUnspecified } from '../../../../wire/inet6/in6_addr.js'
import { ETHER_HDR_LEN, EtherType } from '../../../../wire/link/ethernet.js'
import { BridgeTable } from '../../bridge/bridge_table.js'
import type { UdpTunnelOut } from '../../domain.js'
import { etherOutput } from '../../ether.js'
import { IFF, type IfDriver, Ifnet, type LinkEndpoint } from '../../ifnet.js'
import type { Vnet } from '../../vnet.js'
import type { CloneParams, IfCloner } from '../if_clone.js'
import { type GeneveReceiver, type GeneveSocket, geneveVnet, GeneveSocket as Sock } from './geneve_socket.js'

/** GENEVE_PROTO_INHERIT: the payload's own EtherType (`genevemode l3`). */
export const GENEVE_PROTO_INHERIT = 0
export const GENEVE_FTABLE_MAX = 2000
/** Seconds a learned address lives without traffic. */
export const GENEVE_FTABLE_TIMEOUT = 20 * 60
export const GENEVE_FTABLE_MAX_TIMEOUT = 60 * 60 * 24
/** genevedf: IFLA_GENEVE_DF_UNSET, _SET, _INHERIT. */
export const GENEVE_DF = { UNSET: 0, SET: 1, INHERIT: 2 } as const
/** The outer headers: Ethernet, UDP and Geneve (16), and the inner Ethernet header in l2 mode. */
const GENEVE_UDP_LEN = 16
/** IP_MAXPACKET less the largest IPv4 header, UDP and Geneve: the largest l3 MTU (GENEVE_MAX_L3MTU). */
const MAX_L3MTU = 65535 - 60 - GENEVE_UDP_LEN
const MAX_MTU = MAX_L3MTU - ETHER_HDR_LEN - 4
/** V_ipport_firstauto / lastauto's defaults: the source port range (RFC 8926 §3.3 allows all of it). */
const PORT_MIN = 10000
const PORT_MAX = 65535
const ECN_CE = 3
const ECN_ECT0 = 2
const ECN_ECT1 = 1
/** A packet is encapsulated by geneve at most once (if_tunnel_check_nesting with a limit of 1). */
const MAX_NESTING = 1

const IFCAP_JUMBO_MTU = 0x20
const IFCAP_LINKSTATE = 0x80000

export const GENEVE_MEDIA = 'Ethernet autoselect (autoselect <full-duplex>)'

/** An end point: no family yet (0), an IPv4 address, or an IPv6 one. */
export interface GeneveAddr {
  af: 0 | 4 | 6
  a4: number
  a6: Uint8Array
}

export function geneveAddrNone(): GeneveAddr {
  return { af: 0, a4: 0, a6: new Uint8Array(16) }
}

function isGroup(a: GeneveAddr): boolean {
  return a.af === 4 ? a.a4 >>> 28 === 0xe : a.af === 6 && a.a6[0] === 0xff
}

function isAny(a: GeneveAddr): boolean {
  return a.af === 4 ? a.a4 === 0 : a.af === 6 ? in6IsUnspecified(a.a6, 0) : true
}

/** The configuration (geneve_softc's settings, what `ifconfig -v` shows). */
export interface GeneveConfig {
  vni: number
  proto: number
  local: GeneveAddr
  remote: GeneveAddr
  localPort: number
  remotePort: number
  portMin: number
  portMax: number
  ttl: number
  ttlInherit: boolean
  dscpInherit: boolean
  df: number
  external: boolean
  learn: boolean
  ftableMax: number
  ftableTimeout: number
  /** genevedev: the multicast interface's name, '' for none. */
  mcIfname: string
}

/** What a learned entry points at: an IPv4 address, or a copy of an IPv6 one. */
type Endpoint = number | Uint8Array

/** The softc behind genevegN. */
export class GeneveSoftc implements LinkEndpoint, GeneveReceiver {
  readonly ifp: Ifnet
  readonly cfg: GeneveConfig
  /** Learned MAC → remote address (l2 only). */
  readonly table = new BridgeTable<Endpoint>(GENEVE_FTABLE_MAX)
  /** Learning refused because the table was full (ftable_nospace). */
  ftableNospace = 0
  /** An interface whose own MTU was set (GENEVE_FLAG_USER_MTU) keeps it when the remote changes. */
  userMtu = false
  private sock: GeneveSocket | null = null
  private group = ''
  private mcIfp: Ifnet | null = null
  private readonly timer: Timer
  private readonly hashKey: number
  private readonly out: UdpTunnelOut = { ttl: 64, tos: 0, df: false, mifp: null }

  constructor(ifp: Ifnet, proto: number) {
    this.ifp = ifp
    const v = ifp.vnet
    this.cfg = {
      vni: GENEVE_VNI_MAX,
      proto,
      local: geneveAddrNone(),
      remote: geneveAddrNone(),
      localPort: GENEVE_PORT,
      remotePort: GENEVE_PORT,
      portMin: PORT_MIN,
      portMax: PORT_MAX,
      ttl: 64,
      ttlInherit: false,
      dscpInherit: false,
      df: GENEVE_DF.UNSET,
      external: false,
      learn: true,
      ftableMax: GENEVE_FTABLE_MAX,
      ftableTimeout: GENEVE_FTABLE_TIMEOUT,
      mcIfname: '',
    }
    this.hashKey = v.env.rng.stream(`geneve:${ifp.name}`).u32()
    this.timer = v.env.clock.timer(() => this.age())
    this.setHdrlen()
  }

  get l2(): boolean {
    return this.cfg.proto === GENEVE_PROTO_ETHER
  }

  get running(): boolean {
    return this.sock !== null
  }

  /** geneve_can_change_config. */
  canChangeConfig(): boolean {
    return this.sock === null && !this.cfg.external
  }

  /** geneve_setup_interface_hdrlen: the MTU that fits a 1500-byte underlay, unless set by hand. */
  setHdrlen(): void {
    const hdr =
      ETHER_HDR_LEN + GENEVE_UDP_LEN + (this.l2 ? ETHER_HDR_LEN : 0) + (this.cfg.remote.af === 4 ? 20 : 40)
    if (!this.userMtu) this.ifp.mtu = 1500 - hdr
  }

  /**
   * geneve_init: check the configuration, bind (or share) the socket, join the group. Any failure
   * leaves the interface up but not running, as FreeBSD's does.
   */
  init(): void {
    const ifp = this.ifp
    if (this.sock !== null || !ifp.up) return
    ifp.flags &= ~IFF.RUNNING
    const c = this.cfg
    const r = c.remote
    if (c.vni >= GENEVE_VNI_MAX || r.af === 0 || isAny(r)) return
    if (c.local.af !== 0 && c.local.af !== r.af) return
    const mcast = isGroup(r)
    if (!mcast && c.mcIfname !== '') return
    const v = ifp.vnet
    const domains = v.env.domains
    const fam4 = r.af === 4 ? domains.udpTunnel4() : undefined
    const fam6 = r.af === 6 ? domains.udpTunnel6() : undefined
    if (fam4 === undefined && fam6 === undefined) return
    let mcIfp: Ifnet | null = null
    if (mcast && c.mcIfname !== '') {
      mcIfp = v.ifByName(c.mcIfname) ?? null
      if (mcIfp === null || (mcIfp.flags & IFF.MULTICAST) === 0) return
    }
    // A group is heard on the port whatever the address (geneve_socket_create binds INADDR_ANY).
    const la = mcast ? 0 : c.local.af === 0 ? 0 : c.local.a4
    const la6 = mcast || c.local.af === 0 ? new Uint8Array(16) : c.local.a6
    const key = `${r.af}|${r.af === 4 ? la : Array.from(la6).join('.')}|${c.localPort}`
    const gv = geneveVnet(v)
    let gs = gv.sockets.get(key)
    if (gs?.byVni.has(c.vni)) return // "network identifier already exists"
    if (gs === undefined) {
      const s = new Sock(gv, key)
      try {
        s.so =
          fam4 !== undefined
            ? fam4.open(v, la, c.localPort, s.input)
            : fam6!.open(v, la6, c.localPort, s.input)
      } catch {
        return
      }
      gs = s
      gv.sockets.set(key, gs)
    }
    if (mcast) {
      // IPv4 joins on the interface of the local address unless genevedev names one (imr_interface).
      const jifp = mcIfp ?? (r.af === 4 && c.local.af === 4 ? (v.localIfa(c.local.a4)?.ifp ?? null) : null)
      const name = `${r.af === 4 ? r.a4 : Array.from(r.a6).join('.')}%${jifp?.index ?? 0}`
      try {
        gs.join(r.af === 4 ? r.a4 : r.a6, jifp, name)
      } catch {
        gs.release()
        return
      }
      this.group = name
    }
    this.mcIfp = mcIfp
    gs.byVni.set(c.vni, this)
    this.sock = gs
    ifp.flags |= IFF.RUNNING
  }

  /** geneve_teardown: leave the socket (closing it with its last user) and stop running. */
  stop(): void {
    const gs = this.sock
    this.ifp.flags &= ~IFF.RUNNING
    if (gs === null) return
    this.sock = null
    this.mcIfp = null
    if (gs.byVni.get(this.cfg.vni) === this) gs.byVni.delete(this.cfg.vni)
    if (this.group !== '') gs.leave(this.group)
    this.group = ''
    gs.release()
    this.timer.cancel()
  }

  ifUp(): void {
    this.init()
  }

  /** geneve_media_status: IFM_ACTIVE always. */
  carrier(): boolean {
    return true
  }

  ifDown(): void {
    this.stop()
  }

  ifDetached(): void {
    this.stop()
    this.table.clear()
  }

  /** Source port: a hash of the first `n` bytes of the inner headers, within the port range (RFC 8926 §3.3). */
  private sourcePort(b: Uint8Array, o: number, n: number): number {
    let h = this.hashKey | 0
    for (let i = 0; i < n; i++) h = Math.imul(h ^ b[o + i]!, 0x01000193)
    h ^= h >>> 15
    const c = this.cfg
    return c.portMin + ((h >>> 0) % (c.portMax - c.portMin + 1))
  }

  /** geneve_transmit: choose the far end, write UDP and Geneve headers in place, send. */
  transmit(m: Mbuf): void {
    const ifp = this.ifp
    const v = ifp.vnet
    const c = this.cfg
    const l2 = this.l2
    const gs = this.sock
    const end = m.off + m.len
    let b = m.data
    let o = m.off
    let proto = GENEVE_PROTO_ETHER
    let ip = -1
    if (l2 && m.len >= ETHER_HDR_LEN) {
      const et = readU16(b, o + 12)
      if (et === EtherType.IPV4 || et === EtherType.IPV6) ip = o + ETHER_HDR_LEN
    } else if (!l2 && m.len > 0) {
      const ver = b[o]! >>> 4
      proto = ver === 4 ? EtherType.IPV4 : ver === 6 ? EtherType.IPV6 : 0
      ip = o
    }
    const fam4 = c.remote.af === 4 ? v.env.domains.udpTunnel4() : undefined
    const fam6 = c.remote.af === 6 ? v.env.domains.udpTunnel6() : undefined
    if (
      gs === null ||
      proto === 0 ||
      (l2 && m.len < ETHER_HDR_LEN) ||
      m.tunnels >= MAX_NESTING ||
      (fam4 === undefined && fam6 === undefined)
    ) {
      ifp.stats.oerrors++
      v.env.pool.put(m)
      return
    }
    // RFC 8926 §4.4.2: TTL, DSCP and ECN from the inner header (geneve_inherit_l3_hdr).
    const out = this.out
    let itos = 0
    out.ttl = c.ttl
    out.df = c.df === GENEVE_DF.SET
    if (ip >= 0 && b[ip]! >>> 4 === 4 && ip + 20 <= end) {
      itos = b[ip + 1]!
      if (c.ttlInherit) out.ttl = b[ip + 8]!
      if (c.df === GENEVE_DF.INHERIT) out.df = (b[ip + 6]! & 0x40) !== 0
    } else if (ip >= 0 && b[ip]! >>> 4 === 6 && ip + 40 <= end) {
      itos = ((b[ip]! & 0xf) << 4) | (b[ip + 1]! >>> 4)
      if (c.ttlInherit) out.ttl = b[ip + 7]!
    }
    out.tos = (itos & 3) | (c.dscpInherit ? itos & 0xfc : 0)
    const sport = this.sourcePort(b, o, l2 ? ETHER_HDR_LEN : Math.min(m.len, b[o]! >>> 4 === 4 ? 20 : 40))
    // A unicast destination learned from a sender goes straight there; anything else to the remote.
    let dst: Endpoint = c.remote.af === 4 ? c.remote.a4 : c.remote.a6
    let mcast = isGroup(c.remote)
    if (l2 && (b[o]! & 1) === 0) {
      const i = this.table.find(b, o)
      if (i >= 0) {
        dst = this.table.port(i)
        mcast = false
      }
    }
    if (!m.prepend(GENEVE_UDP_LEN)) {
      ifp.stats.oerrors++
      v.env.pool.put(m)
      return
    }
    b = m.data
    o = m.off
    b[o] = sport >>> 8
    b[o + 1] = sport & 0xff
    b[o + 2] = c.remotePort >>> 8
    b[o + 3] = c.remotePort & 0xff
    writeGeneveHeader(b, o + 8, proto, c.vni)
    if (mcast) ifp.stats.omcasts++
    out.mifp = mcast ? this.mcIfp : null
    // The outer datagram is routed by the tunnel's FIB (sc->gnv_fibnum).
    m.fib = ifp.tunnelFib
    m.tunnels++
    m.linkBcast = false
    const err =
      fam4 !== undefined
        ? fam4.output(v, m, c.local.af === 4 ? c.local.a4 : 0, dst as number, out)
        : fam6!.output(v, m, c.local.a6, dst as Uint8Array, out)
    if (err !== undefined) ifp.stats.oerrors++
  }

  /** geneve_udp_input past the header: learn, fold in ECN and TTL, and hand the payload to the stack. */
  input(rcvif: Ifnet, m: Mbuf, payOff: number, payLen: number, proto: number): void {
    const ifp = this.ifp
    const pool = ifp.vnet.env.pool
    const b = m.data
    const outer = m.off
    const v6 = b[outer]! >>> 4 === 6
    const oecn = v6 ? (b[outer + 1]! >>> 4) & 3 : b[outer + 1]! & 3
    const ottl = v6 ? b[outer + 7]! : b[outer + 8]!
    const p = outer + payOff
    let ip = -1
    let ok = rcvif !== ifp
    if (proto === GENEVE_PROTO_ETHER) {
      // geneve_input_ether: only an l2 interface takes frames (EPROTOTYPE).
      ok &&= this.l2 && payLen >= ETHER_HDR_LEN
      if (ok) {
        if (this.cfg.learn) this.learn(b, p + 6, b, v6 ? outer + 8 : outer + 12, v6)
        const et = readU16(b, p + 12)
        if (et === EtherType.IPV4 || et === EtherType.IPV6) ip = p + ETHER_HDR_LEN
      }
    } else if (proto === EtherType.IPV4 || proto === EtherType.IPV6) {
      // The inner version must be the one the Protocol Type names.
      ok &&= !this.l2 && payLen > 0 && b[p]! >>> 4 === (proto === EtherType.IPV4 ? 4 : 6)
      ip = p
    } else {
      // ARP has no place on an l3 tunnel; another protocol is nobody's (if_noproto).
      if (proto !== EtherType.ARP) ifp.stats.noproto++
      ok = false
    }
    if (!ok || (ip >= 0 && !this.egress(b, ip, p + payLen, oecn, ottl))) {
      ifp.stats.ierrors++
      pool.put(m)
      return
    }
    m.adj(payOff)
    m.len = payLen
    // What was known of the outer checksums says nothing of the inner ones; a new packet here.
    m.csumValid = false
    m.csumL4 = false
    m.tunnels = 0
    m.linkBcast = false
    if (this.sock !== null && this.cfg.remote.af !== 0 && isGroup(this.cfg.remote)) ifp.stats.imcasts++
    ifp.receive(m)
  }

  /**
   * RFC 6040 §4.2 decapsulation (ip_ecn_egress, ECN_COMPLETE) and the inherited TTL, on the inner
   * IP header at b[ip]; false when the packet must be dropped (CE outside, Not-ECT inside).
   */
  private egress(b: Uint8Array, ip: number, end: number, oecn: number, ottl: number): boolean {
    const ver = b[ip]! >>> 4
    const ttl = this.cfg.ttlInherit && ottl > 0 ? ottl : -1
    if (ver === 4 && ip + 20 <= end) {
      const tos = b[ip + 1]!
      const ecn = innerEcn(tos & 3, oecn)
      if (ecn < 0) return false
      if (ecn !== (tos & 3)) setIpv4Byte(b, ip, 1, (tos & 0xfc) | ecn)
      if (ttl >= 0 && ttl !== b[ip + 8]) setIpv4Byte(b, ip, 8, ttl)
      return true
    }
    if (ver === 6 && ip + 40 <= end) {
      const tc = ((b[ip]! & 0xf) << 4) | (b[ip + 1]! >>> 4)
      const ecn = innerEcn(tc & 3, oecn)
      if (ecn < 0) return false
      b[ip + 1] = (b[ip + 1]! & 0xcf) | (ecn << 4)
      if (ttl >= 0) b[ip + 7] = ttl
      return true
    }
    // A header too short for its version is the stack's to count.
    return true
  }

  /** geneve_ftable_learn: the sender's address (the port is always genevremoteport). */
  private learn(b: Uint8Array, mac: number, sb: Uint8Array, so: number, v6: boolean): void {
    // Group and all-zero sources are never learned (a spoofed broadcast source would blackhole floods).
    if (
      (b[mac]! & 1) !== 0 ||
      (b[mac]! | b[mac + 1]! | b[mac + 2]! | b[mac + 3]! | b[mac + 4]! | b[mac + 5]!) === 0
    )
      return
    const now = this.ifp.vnet.env.clock.now()
    const t = this.table
    const i = t.find(b, mac)
    if (i >= 0) {
      t.touch(i, now)
      const ep = t.port(i)
      if (v6 ? typeof ep === 'number' || !in6Eq(ep, 0, sb, so) : ep !== readU32(sb, so))
        t.move(i, endpointOf(sb, so, v6), now)
      return
    }
    if (t.size >= this.cfg.ftableMax || t.add(b, mac, endpointOf(sb, so, v6), now) < 0) {
      this.ftableNospace++
      return
    }
    if (!this.timer.armed) this.timer.arm(this.cfg.ftableTimeout * SEC)
  }

  private age(): void {
    const next = this.table.expire(this.ifp.vnet.env.clock.now(), this.cfg.ftableTimeout * SEC)
    if (next !== Number.POSITIVE_INFINITY) this.timer.armAt(next)
  }

  /** geneveflush / geneveflushall: the table holds only learned entries, so both empty it. */
  flush(): void {
    this.table.clear()
    this.timer.cancel()
  }

  /** A new genevetimeout applies to what was learned already, at its next expiry check. */
  setFtableTimeout(sec: number): void {
    this.cfg.ftableTimeout = sec
    if (this.table.size > 0) this.timer.arm(0)
  }
}

function endpointOf(b: Uint8Array, o: number, v6: boolean): Endpoint {
  return v6 ? b.slice(o, o + 16) : readU32(b, o)
}

/** RFC 6040 §4.2's table: the inner ECN field after decapsulation, or -1 to drop. */
function innerEcn(inner: number, outer: number): number {
  if (outer === ECN_CE) return inner === 0 ? -1 : ECN_CE
  if (outer === ECN_ECT1 && inner === ECN_ECT0) return ECN_ECT1
  return inner
}

/** Set byte `i` of the IPv4 header at b[ip], updating its checksum incrementally (RFC 1624 eqn. 3). */
function setIpv4Byte(b: Uint8Array, ip: number, i: number, val: number): void {
  const w = ip + (i & ~1)
  const old = (b[w]! << 8) | b[w + 1]!
  b[ip + i] = val
  const now = (b[w]! << 8) | b[w + 1]!
  let sum = (~((b[ip + 10]! << 8) | b[ip + 11]!) & 0xffff) + (~old & 0xffff) + now
  sum = (sum & 0xffff) + (sum >>> 16)
  sum = (sum & 0xffff) + (sum >>> 16)
  const c = ~sum & 0xffff
  b[ip + 10] = c >>> 8
  b[ip + 11] = c & 0xff
}

/** The geneve softc of ifp, or null when ifp is not a geneve interface. */
export function geneveOf(ifp: Ifnet): GeneveSoftc | null {
  return ifp.link instanceof GeneveSoftc ? ifp.link : null
}

/** No link header: the packet goes to the softc as it is (geneve_output → geneve_transmit). */
function l3Output(ifp: Ifnet, m: Mbuf): undefined {
  ifp.transmitToLink(m)
  return undefined
}

/** An l2 interface: Ethernet output and the largest MTU SIOCSIFMTU accepts (GENEVE_MAX_MTU). */
const geneveEtherDriver: IfDriver = { type: 'ether', output: etherOutput, maxMtu: MAX_MTU }
/** An l3 interface: DLT_NULL like tun, GENEVE_MAX_L3MTU. */
const geneveL3Driver: IfDriver = { type: 'tun', output: l3Output, maxMtu: MAX_L3MTU }

/** geneve_clone_create: `genevemode l2` (GENEVE_PROTO_ETHER) or `l3` (GENEVE_PROTO_INHERIT). */
export function geneveCreate(v: Vnet, unit: number, proto: number): Ifnet {
  const l2 = proto === GENEVE_PROTO_ETHER
  const ifp = new Ifnet(
    v,
    `geneve${unit}`,
    l2 ? geneveEtherDriver : geneveL3Driver,
    'geneve',
    l2 ? v.env.newMac() : 0,
    1500,
    l2 ? IFF.BROADCAST | IFF.SIMPLEX | IFF.MULTICAST : IFF.NOARP | IFF.MULTICAST,
  )
  if (l2) ifp.media = GENEVE_MEDIA
  // GENEVE_BASIC_IFCAPS as ifconfig shows them (IFCAP_NV is not a printed option).
  ifp.capenable = IFCAP_JUMBO_MTU | IFCAP_LINKSTATE
  ifp.link = new GeneveSoftc(ifp, proto)
  return ifp
}

/** The cloner: `ifconfig geneveN create [genevemode l2|l3]`. */
export const geneveCloner: IfCloner = {
  name: 'geneve',
  create(v: Vnet, unit: number, params?: CloneParams) {
    return [geneveCreate(v, unit, params?.geneveProto ?? GENEVE_PROTO_ETHER)]
  },
}

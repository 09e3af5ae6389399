/**
 * vxlan(4): an Ethernet interface whose frames travel inside UDP datagrams (RFC 7348) to a remote
 * tunnel end point, a multicast group, or whichever end point a destination MAC was learned from.
 *
 * The outer UDP socket is the process's, lent by the host's platform (vxlan_underlay.ts), not a
 * socket of the interface's vnet as on FreeBSD: a VirtNet vnet has no real network under it. The
 * host decides who may bind there (only host root for a real socket; see if_api's vxlan calls), and
 * interfaces that share a local address and port share one socket, demultiplexed by VNI, as
 * FreeBSD's vxlan_socket does. The socket is opened when the interface comes up (vxlan_init) and
 * closed when it goes down, moves or is destroyed; until then the interface is UP but not RUNNING.
 *
 * Decapsulation follows vxlan_rcv_udp_packet: the flags word must be exactly the I bit and the
 * reserved bits of the VNI word zero; a datagram too short for the header, with an unknown VNI or
 * an inner frame shorter than an Ethernet header is dropped and counted (host-wide, in
 * net.link.vxlan.stats.*; on the interface too when it is known). Learning records the sender's
 * address with the configured remote port (the sender's own port may be random), bounded by
 * vxlanmaxaddr (a full table counts ftable_nospace and learns nothing) and aged by vxlantimeout.
 *
 * Differences from FreeBSD, forced by the platform: the outer source port is the bound socket's
 * (a Node socket cannot pick one per datagram, so vxlanportrange has no effect on the wire), and the
 * outer TTL is the platform socket's.
 *
 * Must not: allocate per packet on the data path (headers are written in place in the mbuf's
 * headroom), throw on the data path, or send a frame with an unfinished checksum out of the process.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { SEC, type Timer } from '../../../util/clock.js'
import { SysError } from '../../../util/errno.js'
import { readU16, readU32 } from '../../../wire/addr.js'
import { BridgeTable } from '../bridge/bridge_table.js'
import { etherDriver } from '../ether.js'
import { IFF, Ifnet, type LinkEndpoint } from '../ifnet.js'
import type { SysctlDecl } from '../sysctl.js'
import type { Vnet } from '../vnet.js'
import type { IfCloner } from './if_clone.js'
import type { UdpUnderlay, UdpUnderlayProvider } from './vxlan_underlay.js'

/** IANA's VXLAN port (RFC 7348 section 5). */
export const VXLAN_PORT = 4789
/** VNIs are 24 bits; VXLAN_VNI_MAX means "not set" (ifconfig shows no vxlan line then). */
export const VXLAN_VNI_MAX = 1 << 24
export const VXLAN_FTABLE_MAX = 2000
/** Seconds a learned address lives without traffic (VXLAN_FTABLE_TIMEOUT). */
export const VXLAN_FTABLE_TIMEOUT = 20 * 60
export const VXLAN_FTABLE_MAX_TIMEOUT = 60 * 60 * 24
/** The VXLAN header: flags word and VNI word. */
export const VXLAN_HDR_LEN = 8
/** Outer IPv4 + UDP + VXLAN + inner Ethernet: what a 1500-byte underlay leaves for the inner IP packet. */
export const VXLAN_MTU = 1500 - 50
/** The flags word with only the I bit (VXLAN_HDR_FLAGS_VALID_VNI). */
const FLAGS_VALID_VNI = 0x08000000
/** V_ipport_firstauto / lastauto: the default source port range. */
const PORT_MIN = 10000
const PORT_MAX = 65535
const IPDEFTTL = 64
const ETHER_HDR_LEN = 14
const ETHERTYPE_IP = 0x0800

export const VXLAN_MEDIA = 'Ethernet autoselect (autoselect <full-duplex>)'

/** Drops that belong to no interface (host-wide, `sysctl net.link.vxlan.stats`). */
export class VxlanStats {
  /** Shorter than a VXLAN header, or reserved bits set, or the I flag clear. */
  badHeader = 0
  /** No interface on the receiving socket has the datagram's VNI (or it is not running). */
  unknownVni = 0
  /** The inner frame is shorter than an Ethernet header. */
  truncated = 0
}

/** The host's VXLAN state: the platform's datagram provider and the sockets bound through it. */
export class VxlanHost {
  provider: UdpUnderlayProvider | null
  readonly sockets = new Map<number, VxlanSocket>()
  readonly stats = new VxlanStats()
  constructor(provider: UdpUnderlayProvider | null) {
    this.provider = provider
  }
}

function sockKey(addr: number, port: number): number {
  return (addr >>> 0) * 65536 + port
}

/** One bound socket shared by the interfaces with its local address and port (vxlan_socket). */
class VxlanSocket {
  readonly host: VxlanHost
  readonly key: number
  so: UdpUnderlay | null = null
  readonly byVni = new Map<number, VxlanSoftc>()

  constructor(host: VxlanHost, key: number) {
    this.host = host
    this.key = key
  }

  /** vxlan_rcv_udp_packet: validate the header, find the interface by VNI, hand it the frame. */
  readonly input = (buf: Uint8Array, off: number, len: number, srcAddr: number, srcPort: number): void => {
    const st = this.host.stats
    if (len < VXLAN_HDR_LEN || readU32(buf, off) !== FLAGS_VALID_VNI || buf[off + 7] !== 0) {
      st.badHeader++
      return
    }
    const vni = readU32(buf, off + 4) >>> 8
    const sc = this.byVni.get(vni)
    if (sc === undefined) {
      st.unknownVni++
      return
    }
    sc.input(buf, off + VXLAN_HDR_LEN, len - VXLAN_HDR_LEN, srcAddr, srcPort)
  }

  /** The platform lost the socket (an asynchronous bind failed): its interfaces stop running. */
  readonly failed = (_code: string): void => {
    for (const sc of [...this.byVni.values()]) sc.stop()
  }
}

/** What `ifconfig vxlanN` shows and the vxlan parameters set (ifvxlancfg). */
export interface VxlanConfig {
  vni: number
  local: number
  localPort: number
  remote: number
  remotePort: number
  portMin: number
  portMax: number
  ttl: number
  learn: boolean
  ftableMax: number
  ftableTimeout: number
}

/** The softc behind vxlanN. */
export class VxlanSoftc implements LinkEndpoint {
  readonly ifp: Ifnet
  readonly host: VxlanHost
  readonly cfg: VxlanConfig = {
    vni: VXLAN_VNI_MAX,
    local: 0,
    localPort: VXLAN_PORT,
    remote: 0,
    remotePort: VXLAN_PORT,
    portMin: PORT_MIN,
    portMax: PORT_MAX,
    ttl: IPDEFTTL,
    learn: true,
    ftableMax: VXLAN_FTABLE_MAX,
    ftableTimeout: VXLAN_FTABLE_TIMEOUT,
  }
  /** Learned MAC → remote end point (address * 65536 + port). */
  table = new BridgeTable<number>(VXLAN_FTABLE_MAX)
  /** Learning refused because the table was full (vxl_stats.ftable_nospace). */
  ftableNospace = 0
  /** Whether a socket may be bound for this interface (the creator's right, see if_api). */
  mayBind: boolean
  /** Made by host root: its end points may be changed from the host only (see if_api). */
  createdByHost = false
  private sock: VxlanSocket | null = null
  private readonly timer: Timer

  constructor(ifp: Ifnet, host: VxlanHost, mayBind: boolean) {
    this.ifp = ifp
    this.host = host
    this.mayBind = mayBind
    this.timer = ifp.vnet.env.clock.timer(() => this.age())
  }

  get running(): boolean {
    return this.sock !== null
  }

  /** vxlan_can_change_config: the end points are fixed while the socket is open. */
  canChangeConfig(): boolean {
    return this.sock === null
  }

  /**
   * vxlan_init: with a VNI and a remote (or group) set, bind (or share) the socket and start
   * running. Failure leaves the interface up but not running, as FreeBSD's does.
   */
  init(): void {
    const ifp = this.ifp
    if (this.sock !== null || !ifp.up) return
    ifp.flags &= ~IFF.RUNNING
    const c = this.cfg
    const provider = this.host.provider
    if (c.vni >= VXLAN_VNI_MAX || c.remote === 0 || provider === null || !this.mayBind) return
    const isGroup = c.remote >>> 28 === 0xe
    const k = sockKey(c.local, c.localPort)
    let vs = this.host.sockets.get(k)
    if (vs?.byVni.has(c.vni)) return // another interface has this VNI here (EEXIST)
    if (vs === undefined) {
      vs = new VxlanSocket(this.host, k)
      try {
        vs.so = provider.bind(c.local, c.localPort, vs.input, vs.failed)
      } catch {
        return
      }
      this.host.sockets.set(k, vs)
    }
    if (isGroup) vs.so?.addMembership?.(c.remote)
    vs.byVni.set(c.vni, this)
    this.sock = vs
    ifp.flags |= IFF.RUNNING
  }

  /** vxlan_teardown: leave the socket (closing it with its last user) and stop running. */
  stop(): void {
    const vs = this.sock
    this.ifp.flags &= ~IFF.RUNNING
    if (vs === null) return
    this.sock = null
    if (vs.byVni.get(this.cfg.vni) === this) vs.byVni.delete(this.cfg.vni)
    if (vs.byVni.size === 0) {
      vs.so?.close()
      vs.so = null
      if (this.host.sockets.get(vs.key) === vs) this.host.sockets.delete(vs.key)
    }
    this.flush(false)
  }

  ifUp(): void {
    this.init()
  }

  ifDown(): void {
    this.stop()
  }

  ifDetached(): void {
    this.stop()
  }

  /**
   * vxlan_transmit: to the learned end point of a unicast destination, else to the remote (or
   * group); the VXLAN header goes into the headroom in place.
   */
  transmit(m: Mbuf): void {
    const ifp = this.ifp
    const vs = this.sock
    const pool = ifp.vnet.env.pool
    if (vs === null || vs.so === null || m.len < ETHER_HDR_LEN || !m.prepend(VXLAN_HDR_LEN)) {
      ifp.stats.oerrors++
      pool.put(m)
      return
    }
    const b = m.data
    const o = m.off
    // Checksums are finished where a packet leaves the process (a deferred TCP checksum).
    if (m.csumL4) finishInnerCsum(m, o + VXLAN_HDR_LEN)
    b[o] = 0x08
    b[o + 1] = 0
    b[o + 2] = 0
    b[o + 3] = 0
    const vni = this.cfg.vni
    b[o + 4] = vni >>> 16
    b[o + 5] = vni >>> 8
    b[o + 6] = vni
    b[o + 7] = 0
    let addr = this.cfg.remote
    let port = this.cfg.remotePort
    if ((b[o + VXLAN_HDR_LEN]! & 1) === 0) {
      const i = this.table.find(b, o + VXLAN_HDR_LEN)
      if (i >= 0) {
        const ep = this.table.port(i)
        addr = Math.floor(ep / 65536)
        port = ep % 65536
      }
    } else ifp.stats.omcasts++
    vs.so.send(b, o, m.len, addr, port)
    pool.put(m)
  }

  /** vxlan_input: count, learn the sender, queue the inner frame for Ethernet input. */
  input(buf: Uint8Array, off: number, len: number, srcAddr: number, _srcPort: number): void {
    const ifp = this.ifp
    if (len < ETHER_HDR_LEN) {
      this.host.stats.truncated++
      ifp.stats.ierrors++
      return
    }
    if (len > ifp.maxMtu + ETHER_HDR_LEN + 4) {
      ifp.stats.ierrors++
      return
    }
    if (this.cfg.learn) this.learn(buf, off + 6, srcAddr)
    const m = ifp.vnet.env.pool.copyIn(buf, off, len)
    ifp.receive(m)
  }

  /** vxlan_ftable_learn: the sender's address with the configured remote port. */
  private learn(buf: Uint8Array, o: number, srcAddr: number): void {
    // Group and all-zero sources are never learned (a spoofed broadcast source would blackhole floods).
    if (
      (buf[o]! & 1) !== 0 ||
      (buf[o]! | buf[o + 1]! | buf[o + 2]! | buf[o + 3]! | buf[o + 4]! | buf[o + 5]!) === 0
    )
      return
    const ep = (srcAddr >>> 0) * 65536 + this.cfg.remotePort
    const now = this.ifp.vnet.env.clock.now()
    const t = this.table
    const i = t.find(buf, o)
    if (i >= 0) {
      t.touch(i, now)
      if (t.port(i) !== ep) t.move(i, ep, now)
      return
    }
    if (t.add(buf, o, ep, now) < 0) {
      this.ftableNospace++
      return
    }
    if (!this.timer.armed) this.timer.arm(this.cfg.ftableTimeout * SEC)
  }

  private age(): void {
    const next = this.table.expire(this.ifp.vnet.env.clock.now(), this.cfg.ftableTimeout * SEC)
    if (next !== Number.POSITIVE_INFINITY) this.timer.armAt(next)
  }

  /** vxlanflush / vxlanflushall: there are only learned (dynamic) entries here, so both empty it. */
  flush(_all: boolean): void {
    this.table.clear()
    this.timer.cancel()
  }

  /** A new vxlanmaxaddr: keep the newest entries that fit. */
  setFtableMax(max: number): void {
    const old = this.table
    const t = new BridgeTable<number>(max)
    const mac = new Uint8Array(6)
    const slots = old.slots()
    for (const i of slots.slice(Math.max(0, slots.length - max))) {
      const v = old.mac(i)
      for (let k = 5, x = v; k >= 0; k--, x = Math.floor(x / 256)) mac[k] = x % 256
      const j = t.add(mac, 0, old.port(i), old.born(i))
      if (j >= 0) t.touch(j, old.seen(i))
    }
    this.table = t
    this.cfg.ftableMax = max
  }

  /** A new vxlantimeout applies to the entries already learned, as their next expiry check does. */
  setFtableTimeout(sec: number): void {
    this.cfg.ftableTimeout = sec
    if (this.table.size > 0) this.timer.arm(0)
  }

  /** The learned entries (control plane): MAC, remote address and port, seconds since heard from. */
  entries(): Array<{ mac: number; addr: number; port: number; age: number }> {
    const now = this.ifp.vnet.env.clock.now()
    return this.table.slots().map((i) => {
      const ep = this.table.port(i)
      return {
        mac: this.table.mac(i),
        addr: Math.floor(ep / 65536),
        port: ep % 65536,
        age: Math.floor((now - this.table.seen(i)) / SEC),
      }
    })
  }
}

/** An inner IPv4/TCP frame whose checksum was left for the interface: compute it before it leaves. */
function finishInnerCsum(m: Mbuf, eth: number): void {
  m.csumL4 = false
  const b = m.data
  if (readU16(b, eth + 12) !== ETHERTYPE_IP) return
  const ip = eth + ETHER_HDR_LEN
  const hl = (b[ip]! & 0xf) << 2
  const total = readU16(b, ip + 2)
  if (b[ip + 9] !== 6 || hl < 20 || ip + total > m.off + m.len) return
  let sum = 0
  const end = ip + total
  // Pseudo-header: source, destination, protocol, TCP length.
  for (let i = ip + 12; i < ip + 20; i += 2) sum += (b[i]! << 8) | b[i + 1]!
  sum += 6 + (total - hl)
  const th = ip + hl
  b[th + 16] = 0
  b[th + 17] = 0
  let i = th
  for (; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!
  if (i < end) sum += b[i]! << 8
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  const c = ~sum & 0xffff
  b[th + 16] = c >>> 8
  b[th + 17] = c
}

/** The vxlan softc of ifp, or null when ifp is not a vxlan interface. */
export function vxlanOf(ifp: Ifnet): VxlanSoftc | null {
  return ifp.link instanceof VxlanSoftc ? ifp.link : null
}

/** The cloner; `mayBind` of a new interface is decided by the caller (if_api) after creation. */
export function vxlanCloner(host: VxlanHost): IfCloner {
  return {
    name: 'vxlan',
    create(v: Vnet, unit: number) {
      const ifp = new Ifnet(
        v,
        `vxlan${unit}`,
        etherDriver,
        'vxlan',
        v.env.newMac(),
        VXLAN_MTU,
        IFF.BROADCAST | IFF.SIMPLEX | IFF.MULTICAST,
      )
      ifp.media = VXLAN_MEDIA
      ifp.link = new VxlanSoftc(ifp, host, false)
      return [ifp]
    },
  }
}

/** Parameters of `ifconfig vxlanN …` (a field left undefined is not changed). */
export interface VxlanParams {
  vni?: number
  local?: number
  remote?: number
  localPort?: number
  remotePort?: number
  portMin?: number
  portMax?: number
  ttl?: number
  learn?: boolean
  ftableMax?: number
  ftableTimeout?: number
}

/**
 * vxlan_ctrl_set_*: check every parameter first, then apply all; end points (VNI, addresses, ports)
 * change only while the interface is not running (EBUSY), as vxlan_can_change_config requires.
 */
export function vxlanConfigure(sc: VxlanSoftc, p: VxlanParams): void {
  const op = 'SIOCSDRVSPEC'
  const endpoint =
    p.vni !== undefined ||
    p.local !== undefined ||
    p.remote !== undefined ||
    p.localPort !== undefined ||
    p.remotePort !== undefined ||
    p.portMin !== undefined ||
    p.ttl !== undefined
  if (endpoint && !sc.canChangeConfig()) throw new SysError('EBUSY', op)
  if (p.vni !== undefined && !(Number.isInteger(p.vni) && p.vni >= 0 && p.vni < VXLAN_VNI_MAX))
    throw new SysError('EINVAL', op)
  if (p.local !== undefined && p.local >>> 28 === 0xe) throw new SysError('EINVAL', op)
  for (const port of [p.localPort, p.remotePort])
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65535))
      throw new SysError('EINVAL', op)
  if (p.portMin !== undefined && !(p.portMax !== undefined && p.portMin > 0 && p.portMin <= p.portMax))
    throw new SysError('EINVAL', op)
  if (p.ttl !== undefined && !(Number.isInteger(p.ttl) && p.ttl >= 0 && p.ttl <= 255))
    throw new SysError('EINVAL', op)
  if (
    p.ftableTimeout !== undefined &&
    !(Number.isInteger(p.ftableTimeout) && p.ftableTimeout > 0 && p.ftableTimeout <= VXLAN_FTABLE_MAX_TIMEOUT)
  )
    throw new SysError('EINVAL', op)
  // A bound of our own: the table must stay a bounded amount of memory whatever a caller asks.
  if (
    p.ftableMax !== undefined &&
    !(Number.isInteger(p.ftableMax) && p.ftableMax >= 0 && p.ftableMax <= 1 << 20)
  )
    throw new SysError('EINVAL', op)
  const c = sc.cfg
  if (p.vni !== undefined) c.vni = p.vni
  if (p.local !== undefined) c.local = p.local >>> 0
  if (p.remote !== undefined) c.remote = p.remote >>> 0
  if (p.localPort !== undefined) c.localPort = p.localPort
  if (p.remotePort !== undefined) c.remotePort = p.remotePort
  if (p.portMin !== undefined && p.portMax !== undefined) {
    c.portMin = p.portMin
    c.portMax = p.portMax
  }
  if (p.ttl !== undefined) c.ttl = p.ttl
  if (p.learn !== undefined) c.learn = p.learn
  if (p.ftableMax !== undefined) sc.setFtableMax(p.ftableMax)
  if (p.ftableTimeout !== undefined) sc.setFtableTimeout(p.ftableTimeout)
  // As on FreeBSD, an interface that is up but not running starts with the next `ifconfig up`.
}

/**
 * Host-wide, read-only drop counters for datagrams no interface owns: `net.link.vxlan.stats.*`
 * (FreeBSD drops these silently; here a hostile peer shows up somewhere).
 */
export function vxlanSysctls(h: VxlanHost): SysctlDecl[] {
  const stat = (name: string, descr: string, get: () => number): SysctlDecl => ({
    name: `net.link.vxlan.stats.${name}`,
    descr,
    kind: 'int',
    ctype: 'uint',
    scope: 'global',
    get,
  })
  return [
    stat('bad_header', 'Datagrams dropped for a short or invalid VXLAN header', () => h.stats.badHeader),
    stat('unknown_vni', 'Datagrams dropped for a VNI no running interface has', () => h.stats.unknownVni),
    stat(
      'truncated',
      'Datagrams dropped for an inner frame shorter than an Ethernet header',
      () => h.stats.truncated,
    ),
  ]
}

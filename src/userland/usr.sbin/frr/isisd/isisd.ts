/**
 * isisd(8): the IS-IS daemon (ISO 10589, RFC 1195), FRR's program as a VirtNet process. IS-IS runs
 * over the link layer, not IP, so, as FRR's isisd does on FreeBSD, it opens one bpf(4) descriptor per
 * IS-IS interface with a filter for 802.2 LLC frames to SAP 0xFE, reads what arrives and writes whole
 * frames (802.3 length, LLC, PDU) to AllL1ISs/AllL2ISs or AllISs. What SPF computes goes into the
 * vnet's FIB through the routing socket calls as zebra does (zebra_fib.ts: `UG1`; IPv6 routes through
 * zebra_fib6.ts, by the neighbours' link-local addresses with their zone); its vty listens on
 * TCP 127.0.0.1:2608 for vtysh. Interfaces are re-read every few seconds and on every change of
 * configuration. The protocol itself is isis_engine.ts; this file is its I/O and its clock.
 *
 * `isisd -d` detaches. A kill takes its routes out of the FIB. Malformed PDUs are dropped and counted
 * (`show isis summary`), as are LSPs past the database limit (`lsp-limit`).
 *
 * Must not: throw out of its loops (a failed send is counted), or block on anything but its reads.
 */

import { AF_INET, type BpfFd, SOCK, type SocketFd, type Syscalls } from '../../../../host/syscalls.js'
import { isSysError } from '../../../../util/errno.js'
import { formatIpv4, readMac, readU16, writeMac, writeU16 } from '../../../../wire/addr.js'
import { in6IsLinkLocal } from '../../../../wire/inet6/in6_addr.js'
import { LLC_ISIS_SAP } from '../../../../wire/routing/isis.js'
import type { Io, Proc } from '../../../types.js'
import { frrDaemonMain } from '../lib/daemon_main.js'
import { randomU32 } from '../lib/random.js'
import { type FrrState, type IsisControl, VtySession } from '../vty_cmds.js'
import { type FibRoute, ZebraFib } from '../zebra_fib.js'
import { ZebraFib6 } from '../zebra_fib6.js'
import {
  ISIS_DEFAULT_MAX_LSP,
  ISIS_HELLO_MULTIPLIER,
  ISIS_HELLO_S,
  ISIS_METRIC_DEFAULT,
  ISIS_PRIORITY_DEFAULT,
  ISISD_VTY_PORT,
  type IsisConfig,
  type IsisLevelPassword,
  type IsisLevels,
  parseNet,
} from './isis_config.js'
import { IsisEngine, type LevelAuth } from './isis_engine.js'
import { showDatabase, showNeighbor, showRoute, showSummary } from './isis_show.js'
import type { IsisRoute, IsisRoute6 } from './isis_spf.js'
import { type CircuitDesc, SEC_NS } from './isis_types.js'

export { ISISD_VTY_PORT }
const USAGE = 'usage: isisd [-d] [-f config-file] [-A vty-address] [-P vty-port]'
const IFF_UP = 0x1
const IFF_LOOPBACK = 0x8
const IFF_POINTOPOINT = 0x10
const POLL_NS = 5 * SEC_NS
const IN6_IFF_NOTREADY = 0x02 | 0x04

function levelAuth(p: IsisLevelPassword | null): LevelAuth | null {
  if (p === null) return null
  return {
    key: { type: p.type, password: p.password },
    snpSend: p.snp !== 'none',
    snpCheck: p.snp === 'validate',
  }
}
/** Ethernet header + LLC: where the PDU starts in a frame. */
const PDU_OFF = 17
/** Frames read per wakeup at most (the rest wait in bpf's buffer). */
const MAX_FRAMES = 64

/** bpf filter: an 802.3 frame (length field, not an EtherType) carrying LLC DSAP/SSAP 0xFE. */
function isisFilter(buf: Uint8Array, off: number, len: number): boolean {
  return (
    len >= PDU_OFF + 8 &&
    readU16(buf, off + 12) <= 1500 &&
    buf[off + 14] === LLC_ISIS_SAP &&
    buf[off + 15] === LLC_ISIS_SAP &&
    buf[off + 16] === 0x03
  )
}

const LOOPBACK = 0x7f000001
const WAKE = Uint8Array.of(1)

/**
 * The bpf descriptors, opened per interface as circuits come and go, and a loopback datagram socket
 * the main loop waits on (a socket wait ends at once when the process is killed, where a sleep would
 * linger on the clock) and is woken through.
 */
class Taps {
  readonly fds = new Map<string, BpfFd>()
  readonly wake: SocketFd
  readonly wakeAddr: { addr: number; port: number }

  constructor(sys: Syscalls) {
    this.wake = sys.socket(AF_INET, SOCK.DGRAM)
    this.wake.bind({ addr: LOOPBACK, port: 0 })
    this.wakeAddr = this.wake.getsockname()
  }

  close(): void {
    for (const fd of this.fds.values()) fd.close()
    this.fds.clear()
    this.wake.close()
  }
}

class IsisDaemon implements IsisControl {
  readonly proc: Proc
  readonly sys: Syscalls
  readonly state: FrrState
  readonly taps: Taps
  readonly engine: IsisEngine
  readonly fib: ZebraFib
  readonly fib6: ZebraFib6
  private nextPoll = 0
  private kicked = false
  private readonly killed: Promise<void>
  sendErrors = 0

  constructor(proc: Proc, state: FrrState, taps: Taps) {
    this.proc = proc
    this.sys = proc.sys
    this.state = state
    this.taps = taps
    this.fib = new ZebraFib(this.sys)
    this.fib6 = new ZebraFib6(this.sys)
    this.engine = new IsisEngine(
      {
        send: (c, dst, pdu) => this.send(c, dst, pdu),
        random: () => randomU32((n) => this.sys.getrandom(n)),
      },
      ISIS_DEFAULT_MAX_LSP,
    )
    this.engine.onRoutes = (r) => this.install(r)
    this.engine.onRoutes6 = (r) => this.install6(r)
    this.killed = new Promise((res) => proc.onKill(() => res()))
  }

  private get cfg(): IsisConfig {
    return this.state.isis
  }

  private send(circuit: string, dst: number, pdu: Uint8Array): void {
    const fd = this.taps.fds.get(circuit)
    const c = this.engine.circuits.get(circuit)
    if (fd === undefined || c === undefined) return
    const f = new Uint8Array(PDU_OFF + pdu.length)
    writeMac(f, 0, dst)
    writeMac(f, 6, c.desc.mac)
    writeU16(f, 12, pdu.length + 3)
    f[14] = LLC_ISIS_SAP
    f[15] = LLC_ISIS_SAP
    f[16] = 0x03
    f.set(pdu, PDU_OFF)
    try {
      fd.write(f)
    } catch {
      this.sendErrors++
    }
  }

  /** zebra: the FIB follows SPF's table (routes through a neighbour to networks not our own). */
  private install(routes: ReadonlyMap<string, IsisRoute>): void {
    const mine = new Set<string>()
    for (const i of this.sys.ifList())
      for (const a of i.addrs) {
        const mask = a.prefixLen === 0 ? 0 : (0xffffffff << (32 - a.prefixLen)) >>> 0
        mine.add(`${(a.addr & mask) >>> 0}/${a.prefixLen}`)
      }
    const want = new Map<string, FibRoute>()
    for (const [k, r] of routes) {
      const h = r.nextHops[0]
      if (h === undefined || h.gw === 0 || mine.has(k)) continue
      want.set(k, { dst: r.addr, len: r.len, gw: h.gw })
    }
    this.fib.sync(want)
  }

  /** IPv6 (RFC 5308): routes through a neighbour's link-local address, our own prefixes left alone. */
  private install6(routes: ReadonlyMap<string, IsisRoute6>): void {
    const want = new Set<string>()
    for (const [k, r] of routes) {
      const h = r.nextHops[0]
      if (h === undefined || h.gw6 === null) continue
      const c = this.engine.circuits.get(h.ifName)
      if (c === undefined) continue
      want.add(k)
      this.fib6.add(k, {
        dst: r.addr,
        len: r.len,
        gw: h.gw6,
        scopeId: in6IsLinkLocal(h.gw6, 0) ? c.desc.ifindex : 0,
      })
    }
    for (const k of [...this.fib6.installed.keys()]) if (!want.has(k)) this.fib6.remove(k)
  }

  // ---- IsisControl ----

  changed(): void {
    this.nextPoll = 0
    this.kick()
  }

  /** Wake the main loop: one datagram to its own socket. */
  private kick(): void {
    if (this.kicked || this.proc.killed) return
    this.kicked = true
    try {
      this.taps.wake.sendto(WAKE, this.taps.wakeAddr)
    } catch {
      this.kicked = false
    }
  }
  showNeighbor(): string {
    return showNeighbor(this.engine, this.cfg.tag, this.sys.now())
  }
  showDatabase(detail: boolean): string {
    return showDatabase(this.engine, this.cfg.tag, this.sys.now(), detail)
  }
  showRoute(): string {
    return showRoute(this.engine, this.cfg.tag)
  }
  showSummary(): string {
    return showSummary(this.engine, this.cfg.tag, this.sys.now())
  }
  isisRoutes(): ReadonlyMap<string, { metric: number; since: number }> {
    const m = new Map<string, { metric: number; since: number }>()
    for (const [k, r] of this.engine.routes) {
      const f = this.fib.installed.get(k)
      if (f !== undefined) m.set(`${formatIpv4(r.addr)}/${r.len}`, { metric: r.metric, since: f.since })
    }
    return m
  }

  isisRoutes6(): ReadonlyMap<string, { metric: number; since: number }> {
    const m = new Map<string, { metric: number; since: number }>()
    for (const [k, r] of this.engine.routes6) {
      const f = this.fib6.installed.get(k)
      if (f !== undefined) m.set(k, { metric: r.metric, since: f.since })
    }
    return m
  }

  // ---- interfaces ----

  private refresh(now: number): void {
    const c = this.cfg
    const e = this.engine
    const net = c.nets.map(parseNet).find((x) => x !== null) ?? null
    const limit = c.lspLimit ?? ISIS_DEFAULT_MAX_LSP
    for (const db of e.lsdb) db.limit = limit
    const descs: CircuitDesc[] = []
    if (c.enabled && net !== null) {
      const areas = c.nets.map(parseNet).flatMap((x) => (x === null ? [] : [x.area]))
      e.gen.interval = [c.genInterval[0], c.genInterval[1]]
      e.setLeak(c.leak, now)
      e.setSystem(net.sysId, areas, c.isType, this.sys.getHostname(), now)
      e.setAuth([levelAuth(c.areaPassword), levelAuth(c.domainPassword)], now)
      e.setAttached({ send: c.attachedBitSend, receiveIgnore: c.attachedBitReceiveIgnore }, now)
      for (const i of this.sys.ifList()) {
        const ic = c.ifs.get(i.name)
        if (ic === undefined || (ic.ipv4 !== c.tag && ic.ipv6 !== c.tag) || (i.flags & IFF_UP) === 0) continue
        // A circuit-type the router's is-type does not run leaves the interface out.
        const levels = c.isType & (ic.circuitType ?? 3)
        if (levels === 0) continue
        const loop = (i.flags & IFF_LOOPBACK) !== 0
        // A loopback (or an interface without a MAC) is announced, never spoken on.
        const passive = ic.passive === true || loop || i.mac === null
        const v6 = (i.inet6 ?? []).filter((a) => (a.flags & IN6_IFF_NOTREADY) === 0)
        const ipv6 = ic.ipv6 === c.tag
        descs.push({
          ipv4: ic.ipv4 === c.tag,
          ipv6,
          linkLocal6: ipv6 ? v6.filter((a) => in6IsLinkLocal(a.addr, 0)).map((a) => a.addr) : [],
          // A loopback's ::1 is no prefix of anyone's.
          addrs6: ipv6
            ? v6
                .filter(
                  (a) =>
                    !in6IsLinkLocal(a.addr, 0) &&
                    !(loop && a.prefixLen === 128 && a.addr[15] === 1 && a.addr[0] === 0),
                )
                .map((a) => ({ addr: a.addr, len: a.prefixLen }))
            : [],
          password: ic.password ?? null,
          name: i.name,
          ifindex: i.index,
          mac: i.mac ?? 0,
          addrs: i.addrs
            .filter((a) => a.addr >>> 24 !== 127)
            .map((a) => ({ addr: a.addr >>> 0, len: a.prefixLen })),
          levels: levels as IsisLevels,
          p2p: ic.network === 'point-to-point' || (i.flags & IFF_POINTOPOINT) !== 0,
          passive,
          metric: ic.metric ?? ISIS_METRIC_DEFAULT,
          hello: ic.hello ?? ISIS_HELLO_S,
          multiplier: ic.multiplier ?? ISIS_HELLO_MULTIPLIER,
          priority: ic.priority ?? ISIS_PRIORITY_DEFAULT,
          mtu: i.mtu,
        })
      }
    }
    const valid = descs
    e.setCircuits(valid, now)
    const speak = new Set(valid.filter((d) => !d.passive).map((d) => d.name))
    for (const [name, fd] of this.taps.fds)
      if (!speak.has(name)) {
        fd.close()
        this.taps.fds.delete(name)
      }
    for (const name of speak)
      if (!this.taps.fds.has(name))
        try {
          const fd = this.sys.bpfOpen(name, { filter: isisFilter, bufsize: 65536, direction: 'in' })
          this.taps.fds.set(name, fd)
          void this.listen(name, fd)
        } catch (err) {
          if (!isSysError(err)) throw err
          this.sendErrors++
        }
    if (!c.enabled) {
      this.fib.flush()
      this.fib6.flush()
    }
  }

  /** One interface's frames, handed to the engine as they come. */
  private async listen(name: string, fd: BpfFd): Promise<void> {
    const frames: Uint8Array[] = []
    while (!this.proc.killed && this.taps.fds.get(name) === fd) {
      frames.length = 0
      try {
        await fd.read(
          (r) => {
            if (!r.out && frames.length < MAX_FRAMES) frames.push(r.buf.slice(r.off, r.off + r.caplen))
          },
          Number.POSITIVE_INFINITY,
          this.killed,
        )
      } catch {
        return
      }
      const now = this.sys.now()
      for (const f of frames) {
        const len = Math.min(readU16(f, 12) - 3, f.length - PDU_OFF)
        this.engine.input(name, readMac(f, 6), f, PDU_OFF, len, now)
      }
      if (frames.length > 0) this.kick()
    }
  }

  private service(now: number): void {
    if (now >= this.nextPoll) {
      this.refresh(now)
      this.nextPoll = now + POLL_NS
    }
    this.engine.tick(now)
  }

  async run(): Promise<void> {
    const sys = this.sys
    while (!this.proc.killed) {
      this.service(sys.now())
      const next = Math.min(this.nextPoll, this.engine.nextTimer())
      try {
        await this.taps.wake.recvfrom(16, 0, Math.max(next - sys.now(), 1e6))
      } catch {
        // The timeout (EAGAIN), or the socket closed by a kill.
      }
      this.kicked = false
    }
  }

  shutdown(): void {
    try {
      this.fib.flush()
      this.fib6.flush()
    } catch {
      // The vnet is being torn down.
    }
  }
}

/** isisd [-d] [-f config-file] [-A vty-address] [-P vty-port] */
export function isisd(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  return frrDaemonMain(
    {
      name: 'isisd',
      usage: USAGE,
      vtyPort: ISISD_VTY_PORT,
      open: (sys) => new Taps(sys),
      openFailed: (err) => `can't open socket: ${err}`,
      start(proc, state, taps) {
        const d = new IsisDaemon(proc, state, taps)
        return { daemon: d, session: (sys) => new VtySession(sys, state, null, null, null, null, null, d) }
      },
    },
    argv,
    io,
    proc,
  )
}

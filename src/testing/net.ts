/**
 * Test support (no production module imports it): build a Host's jails and epair links from a short
 * spec, find the kernel objects behind names, ping through a raw socket, read counters, inject frames
 * straight into an interface, and take a deep snapshot of everything a privileged call could change
 * (for "denied calls change nothing" assertions). Runtime-neutral: tests create the Host themselves
 * with the platform's clock driver.
 */

import type { Host } from '../host/host.js'
import type { ProtoName, Syscalls } from '../host/syscalls.js'
import type { Prison } from '../jail/prison.js'
import type { Ifnet } from '../stack/net/ifnet.js'
import type { Vnet } from '../stack/net/vnet.js'
import { arpList } from '../stack/netinet/arp/arp.js'
import { type In6Ifinfo, ND6_IFF } from '../stack/netinet6/in6_var.js'
import { ip6 as ip6State } from '../stack/netinet6/ip6/ip6.js'
import { nd6Entries } from '../stack/netinet6/nd6/nd6.js'
import { parseIpv4 } from '../wire/addr.js'
import { IcmpType } from '../wire/inet/icmp.js'
import { formatIpv6 } from '../wire/inet6/in6_addr.js'
import { type IcmpSeen, icmpEcho, parseIcmpDatagram, pattern } from './frames.js'

/** Dotted quad to u32; throws on a typo in a test. */
export function ip(s: string): number {
  const a = parseIpv4(s)
  if (a === null) throw new Error(`bad address in test: ${s}`)
  return a
}

function cidr(s: string): [number, number] {
  const [a, l] = s.split('/')
  return [ip(a!), Number(l ?? 32)]
}

export interface NetSpec {
  /**
   * Vnet jails to create (persistent), by name; nested names (`a.b`) need their parent listed first.
   * Each gets lo0 up with 127.0.0.1/8, as rc(8) leaves it.
   */
  jails: string[]
  /**
   * epair links: [jailA, 'addr/len', jailB, 'addr/len']. Link i is epair{i}; its `a` half goes to
   * jailA and its `b` half to jailB ('' = stay in the host's vnet0). An empty address leaves the
   * half unconfigured (and down).
   */
  links?: Array<readonly [string, string, string, string]>
  /** Static routes per jail: [dst ('default' or 'a.b.c.d/len'), gateway]. */
  routes?: Record<string, Array<readonly [string, string]>>
  /** Jails (or '' for the host) with net.inet.ip.forwarding=1. */
  forwarding?: string[]
  /**
   * Leave IPv6 disabled on the epair halves until an inet6 address is added, as a new FreeBSD
   * interface starts (ND6_IFF_IFDISABLED). By default each half gets `inet6 -ifdisabled` before
   * its address, as rc.conf's ipv6_activate_all_interfaces="YES" does, so links have link-locals.
   */
  ifdisabled?: boolean
}

/** A built topology: names to syscalls, vnets and interfaces. */
export class Net {
  readonly host: Host
  readonly root: Syscalls
  private readonly links: Array<{ a: string; b: string; ja: string; jb: string }> = []

  constructor(host: Host, spec: NetSpec) {
    this.host = host
    this.root = host.syscalls()
    for (const j of spec.jails) {
      const dot = j.lastIndexOf('.')
      if (dot < 0)
        this.root.jailCreate([
          ['name', j],
          ['vnet', true],
          ['persist', true],
          ['children.max', '10'],
        ])
      else
        this.root.attach(j.slice(0, dot)).jailCreate([
          ['name', j.slice(dot + 1)],
          ['vnet', true],
          ['persist', true],
        ])
      // A new vnet's lo0 is down and bare; configure it as rc(8) does at a jail's start.
      this.sys(j).ifAddAddr('lo0', 0x7f000001, 8)
    }
    for (const [ja, aa, jb, ab] of spec.links ?? []) {
      const a = this.root.ifCreate('epair')
      const b = `${a.slice(0, -1)}b`
      this.links.push({ a, b, ja, jb })
      this.place(a, ja, aa, spec.ifdisabled === true)
      this.place(b, jb, ab, spec.ifdisabled === true)
    }
    for (const [j, rs] of Object.entries(spec.routes ?? {}))
      for (const [dst, gw] of rs) {
        const [d, len] = dst === 'default' ? [0, 0] : cidr(dst)
        this.sys(j).routeAdd({ dst: d, prefixLen: len, gateway: ip(gw) })
      }
    for (const j of spec.forwarding ?? []) this.sys(j).sysctlSet('net.inet.ip.forwarding', '1')
  }

  private place(name: string, jail: string, addr: string, ifdisabled: boolean): void {
    if (jail !== '') {
      // Move from the host into the jail: via each ancestor in turn for nested jails.
      const parts = jail.split('.')
      for (let i = 0; i < parts.length; i++) {
        const from = i === 0 ? this.root : this.root.attach(parts.slice(0, i).join('.'))
        from.ifMoveToJail(name, parts[i]!)
      }
    }
    if (!ifdisabled) this.sys(jail).inet6.setNdFlags(name, 0, ND6_IFF.IFDISABLED)
    if (addr !== '') {
      const [a, len] = cidr(addr)
      this.sys(jail).ifAddAddr(name, a, len)
    }
  }

  /** Root's syscalls inside a jail ('' = the host). */
  sys(jail: string): Syscalls {
    return jail === '' ? this.root : this.root.attach(jail)
  }

  prison(jail: string): Prison {
    if (jail === '') return this.host.prison0
    const p = this.host.prison0.findDescendant(jail)
    if (p === undefined) throw new Error(`no jail ${jail}`)
    return p
  }

  vnet(jail: string): Vnet {
    return this.prison(jail).vnet
  }

  /** The interface name of link i's half in the given jail. */
  ifName(link: number, side: 'a' | 'b'): string {
    const l = this.links[link]!
    return side === 'a' ? l.a : l.b
  }

  /** The Ifnet called `name` in jail's vnet. */
  ifp(jail: string, name: string): Ifnet {
    const i = this.vnet(jail).ifByName(name)
    if (i === undefined) throw new Error(`no interface ${name} in ${jail || 'host'}`)
    return i
  }

  /** Hand a frame to an interface's input, as if it arrived from the wire. */
  inject(ifp: Ifnet, frame: Uint8Array): void {
    ifp.receive(this.host.env.pool.copyIn(frame))
  }

  /** Let virtual time pass (timers fire). */
  sleep(ns: number): Promise<void> {
    return this.root.nanosleep(ns)
  }
}

/** One counter of `netstat -s -p proto` in the caller's vnet. */
export function counter(sys: Syscalls, proto: ProtoName, name: string): number {
  const c = sys.protoStats(proto).find(([k]) => k === name)
  if (c === undefined) throw new Error(`no counter ${proto}.${name}`)
  return c[1]
}

/** All counters of a protocol as an object, for before/after comparisons. */
export function counters(sys: Syscalls, proto: ProtoName): Record<string, number> {
  return Object.fromEntries(sys.protoStats(proto))
}

/** Counter deltas that are non-zero between two `counters` snapshots. */
export function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const d = (after[k] ?? 0) - (before[k] ?? 0)
    if (d !== 0) out[k] = d
  }
  return out
}

/**
 * The ARP entries a vnet learnt or was given (`arp -an` minus the permanent entries it lists for its
 * own addresses).
 */
export function learnt(sys: Syscalls): ReturnType<Syscalls['arpList']> {
  const own = new Set(sys.ifList().flatMap((i) => i.addrs.map((a) => a.addr)))
  return sys.arpList().filter((e) => !own.has(e.addr))
}

export interface PingOptions {
  size?: number
  ttl?: number
  df?: boolean
  src?: number
  ident?: number
  seq?: number
  timeoutNs?: number
}

/**
 * Send one ICMP echo request and wait for what comes back about it: the matching echo reply, or an
 * ICMP error quoting our request. Null on timeout. Send errors are thrown as SysError.
 */
export async function ping(sys: Syscalls, dst: number, o: PingOptions = {}): Promise<IcmpSeen | null> {
  const ident = o.ident ?? 0x4242
  const seq = o.seq ?? 1
  const s = sys.rawSocket(1)
  try {
    s.send(dst, icmpEcho(ident, seq, pattern(o.size ?? 56)), {
      ...(o.ttl === undefined ? {} : { ttl: o.ttl }),
      ...(o.df === undefined ? {} : { df: o.df }),
      ...(o.src === undefined ? {} : { src: o.src }),
    })
    const deadline = sys.now() + (o.timeoutNs ?? 1e9)
    for (;;) {
      const left = deadline - sys.now()
      if (left <= 0) return null
      const d = await s.recv(left)
      if (d === null) return null
      const m = parseIcmpDatagram(d.data)
      if (m.type === IcmpType.ECHO_REPLY && m.rest === ((ident << 16) | seq) >>> 0) return m
      if (m.type === IcmpType.ECHO) continue
      // An error quotes our request: IP header, then our ICMP header with ident and seq.
      const qh = (m.body[0]! & 0xf) << 2
      const q = m.body
      if (q.length >= qh + 8 && q[qh] === IcmpType.ECHO && ((q[qh + 4]! << 8) | q[qh + 5]!) === ident)
        return m
    }
  } finally {
    s.close()
  }
}

/** Every vnet of the host (vnet0 first, then jails' own vnets in jid order). */
export function allVnets(host: Host): Vnet[] {
  const out: Vnet[] = [host.vnet0]
  for (const p of host.allJails()) if (p.ownsVnet && !out.includes(p.vnet)) out.push(p.vnet)
  return out
}

/** Sum of every drop/error counter of a vnet (ip, icmp, arp, udp, and its interfaces' input errors). */
export function dropSum(sys: Syscalls): number {
  const ipDrops = [
    'ips_badsum',
    'ips_tooshort',
    'ips_toosmall',
    'ips_badhlen',
    'ips_badlen',
    'ips_fragdropped',
    'ips_fragtimeout',
    'ips_cantforward',
    'ips_noproto',
    'ips_odropped',
    'ips_cantfrag',
    'ips_badoptions',
    'ips_noroute',
    'ips_badvers',
    'ips_toolong',
    'ips_badaddr',
  ]
  let n = 0
  for (const k of ipDrops) n += counter(sys, 'ip', k)
  for (const k of ['icps_badcode', 'icps_tooshort', 'icps_checksum', 'icps_badlen', 'icps_bmcastecho'])
    n += counter(sys, 'icmp', k)
  n += counter(sys, 'arp', 'dropped') + counter(sys, 'arp', 'malformed') + counter(sys, 'arp', 'dupips')
  for (const k of ['udps_hdrops', 'udps_badsum', 'udps_badlen', 'udps_noport', 'udps_noportbcast'])
    n += counter(sys, 'udp', k)
  for (const i of sys.ifList())
    n += i.stats.ierrors + i.stats.idrops + (i.stats as { noproto?: number }).noproto!
  return n
}

/**
 * Everything a control-plane call could change, as plain data: per vnet its interfaces (name, flags,
 * MTU, MAC, description, addresses), routes, ARP entries and every sysctl's value; per jail its
 * parameters and hostname. Counters are left out: traffic is not configuration.
 */
export function snapshot(host: Host): unknown {
  const vnets = allVnets(host)
  const vname = (v: Vnet) => `${v.id}:${v.name}`
  const sysctls = [...host.sysctls.values()]
  return {
    vnets: vnets.map((v) => ({
      vnet: vname(v),
      destroyed: v.destroyed,
      ifnets: v.ifnets.map((i) => ({
        name: i.name,
        index: i.index,
        flags: i.flags,
        mtu: i.mtu,
        mac: i.mac,
        description: i.description,
        home: vname(i.home),
        addrs: i.addrs.map((a) => `${a.addr}/${a.prefixLen} bcast ${a.broadcast}`),
        inet6: ((i.inet6 as In6Ifinfo | null)?.addrs ?? []).map(
          (a) => `${formatIpv6(a.addr)}/${a.prefixLen} flags ${a.flags}`,
        ),
        nd6: (i.inet6 as In6Ifinfo | null)?.ndFlags ?? 0,
        ndp: nd6Entries(i).map((e) => `${formatIpv6(e.addr)} ${e.mac} ${e.permanent}`),
      })),
      routes6: ip6State(v)
        .rib.list()
        .map(
          (r) =>
            `${formatIpv6(r.dst)}/${r.prefixLen} gw ${r.gateway === null ? '-' : formatIpv6(r.gateway)} if ${r.ifp.name} flags ${r.flags}`,
        ),
      routes: v.routes
        .list()
        .map((r) => `${r.dst}/${r.prefixLen} gw ${r.gateway} if ${r.ifp.name} flags ${r.flags} mtu ${r.mtu}`),
      arp: arpList(v).map((e) => `${e.addr} ${e.mac} ${e.ifp.name} ${e.permanent} ${e.published}`),
      sysctls: Object.fromEntries(sysctls.map((d) => [d.name, d.get(v)])),
    })),
    jails: [host.prison0, ...host.allJails()].map((p) => ({
      jid: p.jid,
      name: p.nameFrom(host.prison0),
      vnet: vname(p.vnet),
      hostname: p.hostname,
      persist: p.persist,
      childrenMax: p.childrenMax,
      children: p.children.map((c) => c.jid),
      allowRawSockets: p.allowRawSockets,
      allowSetHostname: p.allowSetHostname,
      ip4: [...p.ip4],
      ip6: p.ip6 === null ? null : p.ip6.map((a) => formatIpv6(a)),
      ip6Saddrsel: p.ip6Saddrsel,
      path: p.path,
      dying: p.dying,
    })),
  }
}

/** Assert-friendly: run fn, return the SysError code it threw, or 'ok'. Other exceptions propagate. */
export function errnoOf(fn: () => unknown): string {
  try {
    fn()
    return 'ok'
  } catch (e) {
    if (e !== null && typeof e === 'object' && 'code' in e && typeof e.code === 'string' && 'errno' in e)
      return e.code
    throw e
  }
}

/**
 * A Host is one "kernel": prison0 with vnet0, one clock, one seeded RNG, the buffer pool and packet
 * run-queue, the interface cloners and the sysctl tree. Any number of hosts can live in a process;
 * they share nothing. Userland reaches a host only through `syscalls()`.
 */

import { MbufPool } from '../buf/mbuf.js'
import { JAIL_MAX, Prison } from '../jail/prison.js'
import { defaultMaxproc, MEM_COST, Racct } from '../jail/racct.js'
import { Devctl } from '../kern/devctl.js'
import { MAXSOCKBUF } from '../kern/socket.js'
import { MsgBuf } from '../kern/subr_msgbuf.js'
import { netgraphModule } from '../netgraph/types.js'
import { bridgeCloner, bridgeModule } from '../stack/net/bridge/if_bridge.js'
import { Domains } from '../stack/net/domain.js'
import { geneveModule } from '../stack/net/if/geneve/geneve_socket.js'
import { geneveCloner } from '../stack/net/if/geneve/if_geneve.js'
import type { IfCloner } from '../stack/net/if/if_clone.js'
import { epairCloner } from '../stack/net/if/if_epair.js'
import { gifCloner } from '../stack/net/if/if_gif.js'
import { greCloner } from '../stack/net/if/if_gre.js'
import { laggCloner } from '../stack/net/if/if_lagg.js'
import { loCloner } from '../stack/net/if/if_loop.js'
import { tapCloner, vmnetCloner } from '../stack/net/if/if_tap.js'
import { tunCloner } from '../stack/net/if/if_tun.js'
import { vlanCloner } from '../stack/net/if/if_vlan.js'
import { VxlanHost, vxlanCloner, vxlanSysctls } from '../stack/net/if/if_vxlan.js'
import { tunnelModule } from '../stack/net/if/ip_tunnel.js'
import type { UdpUnderlayProvider } from '../stack/net/if/vxlan_underlay.js'
import { vnetCreate, vnetDestroy } from '../stack/net/lifecycle.js'
import { Netisr } from '../stack/net/netisr.js'
import { PfilHead } from '../stack/net/pfil.js'
import type { RealLinkProvider } from '../stack/net/real_link.js'
import { Scratch } from '../stack/net/scratch.js'
import type { SysctlDecl } from '../stack/net/sysctl.js'
import { UnitAlloc } from '../stack/net/unit_alloc.js'
import type { StackEnv, Vnet, VnetModule } from '../stack/net/vnet.js'
import { ArpHost } from '../stack/netinet/arp/arp_host.js'
import { carpModule } from '../stack/netinet/carp/carp_sysctl.js'
import { INET_MODULES, inetAttach } from '../stack/netinet/in_proto.js'
import { stfCloner } from '../stack/netinet6/if_stf.js'
import { INET6_MODULES, inet6Attach } from '../stack/netinet6/in6_proto.js'
import { Clock, type ClockDriver, type ClockMode } from '../util/clock.js'
import { Rng } from '../util/rng.js'
import { hostSysctls } from './kern/host_sysctls.js'
import { KernelApi } from './kern/kernel_api.js'
import { Kld } from './kern/kld.js'
import type { Syscalls } from './syscalls.js'

/** Every per-vnet module, in initialisation order (destroyed in reverse). */
const VNET_MODULES: readonly VnetModule<unknown>[] = [
  ...INET_MODULES,
  ...INET6_MODULES,
  netgraphModule as VnetModule<unknown>,
  bridgeModule as VnetModule<unknown>,
  tunnelModule as VnetModule<unknown>,
  geneveModule as VnetModule<unknown>,
  carpModule as VnetModule<unknown>,
]

export interface HostOptions {
  clock?: ClockMode
  seed?: number
  hostname?: string
  /** Real clock only: how long before a deadline to stop sleeping and poll (ns; 0 = never poll). */
  realPollNs?: number
  /**
   * kern.racct.enable, a boot-time tunable (default 1 here, unlike FreeBSD's 0, so labs can limit
   * their jails; the built-in limits apply either way).
   */
  racct?: boolean
  /** Memory the process may use, which sizes kern.maxproc (default 1 GiB: 4096 processes). */
  memoryBytes?: number
  /** The datagram transport vxlan interfaces bind to (a real UDP socket from the platform, or in-memory); none: they never run. */
  underlay?: UdpUnderlayProvider
  /** The machine's TAP devices and interfaces (host root's `tap`, a lab's rj45); none: taps stay inside VirtNet. */
  realLinks?: RealLinkProvider
}

const GiB = 1024 ** 3

/** What a jail's own vnet holds, in bytes (racct's memoryuse estimate); jails sharing a stack hold none. */
function vnetMemory(pr: Prison): number {
  if (!pr.ownsVnet || pr.dying) return 0
  const v = pr.vnet
  let addrs = 0
  for (const ifp of v.ifnets) addrs += ifp.addrs.length
  return v.ifnets.length * MEM_COST.ifnet + v.routes.size * MEM_COST.route + addrs * MEM_COST.ifaddr
}

export class Host {
  readonly clock: Clock
  readonly rng: Rng
  readonly env: StackEnv
  readonly prison0: Prison
  readonly cloners: ReadonlyMap<string, IfCloner>
  /** The sysctl tree; loading a module adds its oids (kld.ts). */
  readonly sysctls: Map<string, SysctlDecl>
  /** Loaded kernel modules and the kernel environment (kldload, kenv). */
  readonly kld: Kld = new Kld(this)
  /** Programs installed set-user-ID root (FreeBSD's /sbin/ping and /usr/sbin/traceroute). */
  readonly setuidPrograms: ReadonlySet<string> = new Set(['ping', 'ping6', 'traceroute', 'traceroute6'])
  /** Resource accounting and limits (racct/rctl) for every jail. */
  readonly racct: Racct
  /** vxlan(4): the underlay provider and the sockets bound through it. */
  readonly vxlan: VxlanHost
  /** Links to the machine's own devices, or null where the platform offers none. */
  readonly realLinks: RealLinkProvider | null
  private nextVnetId = 0
  private readonly liveVnets = new Set<Vnet>()
  private nextJid = 1
  /**
   * cpuset(2) ids, the lowest free first (kern_cpuset.c's unr): 0 thread0's set, 1 the default set,
   * 2 the kernel's; each jail takes one for its root set and gives it back when it dies.
   */
  readonly cpusets = new UnitAlloc(0x7fffffff)
  private nextPid = 100
  /** When the CPU finishes the work queued on it (virtual time; see cpuRun). */
  private cpuFreeAt = 0
  private readonly usedMacs = new Set<number>()
  private readonly macRng: Rng
  /** getrandom(2)'s source: its own stream, so programs asking for bytes leave MACs and the stacks as they were. */
  readonly entropy: Rng

  constructor(driver: ClockDriver, opts: HostOptions = {}) {
    this.clock = new Clock(opts.clock ?? 'virtual', driver, opts.realPollNs)
    this.rng = new Rng(opts.seed ?? 1)
    this.macRng = this.rng.stream('mac')
    this.entropy = this.rng.stream('getrandom')
    for (let id = 0; id <= 2; id++) this.cpusets.allocSpecific(id)
    const pool = new MbufPool()
    const domains = new Domains()
    inetAttach(domains)
    inet6Attach(domains)
    this.env = {
      domains,
      clock: this.clock,
      rng: this.rng.stream('stack'),
      pool,
      netisr: new Netisr(
        pool,
        (fn) => this.clock.defer(fn),
        undefined,
        undefined,
        (on) => this.clock.setBacklog(on),
      ),
      scratch: new Scratch(),
      ipc: { maxsockbuf: MAXSOCKBUF },
      pfilInet: new PfilHead(),
      pfilInet6: new PfilHead(),
      pfilLink: new PfilHead(),
      tcpmd5: { enabled: false },
      msgbuf: new MsgBuf(),
      devctl: new Devctl(),
      arp: new ArpHost(),
      newMac: () => this.newMac(),
    }
    this.vxlan = new VxlanHost(opts.underlay ?? null)
    this.realLinks = opts.realLinks ?? null
    const vxlan = vxlanCloner(this.vxlan)
    this.cloners = new Map([
      [bridgeCloner.name, bridgeCloner],
      [vxlan.name, vxlan],
      [geneveCloner.name, geneveCloner],
      [epairCloner.name, epairCloner],
      [loCloner.name, loCloner],
      [tunCloner.name, tunCloner],
      [vlanCloner.name, vlanCloner],
      [gifCloner.name, gifCloner],
      [greCloner.name, greCloner],
      [laggCloner.name, laggCloner],
      [tapCloner.name, tapCloner],
      [vmnetCloner.name, vmnetCloner],
      [stfCloner.name, stfCloner],
    ])
    const maxproc = defaultMaxproc(opts.memoryBytes ?? GiB)
    this.racct = new Racct(
      opts.racct ?? true,
      { maxproc, maxprocperuid: Math.floor((maxproc * 9) / 10), maxfiles: maxproc * 2 },
      vnetMemory,
    )
    const sysctls = new Map<string, SysctlDecl>()
    for (const d of [
      ...hostSysctls(this),
      ...VNET_MODULES.flatMap((m) => m.sysctls),
      ...vxlanSysctls(this.vxlan),
    ])
      sysctls.set(d.name, d)
    this.sysctls = sysctls
    // The host's lo0 as rc(8) leaves it (up, 127.0.0.1/8); a jail's new vnet gets a bare one.
    const vnet0 = this.createVnet('vnet0', true)
    this.prison0 = new Prison(0, '0', null, vnet0, true, opts.hostname ?? 'virtnet')
    this.prison0.childrenMax = JAIL_MAX
    this.prison0.persist = true
  }

  get vnet0(): Vnet {
    return this.prison0.vnet
  }

  /** A root shell's view of the kernel (uid 0 in prison0). */
  syscalls(uid = 0): Syscalls {
    return new KernelApi(this, { prison: this.prison0, uid })
  }

  createVnet(name: string, configured = false): Vnet {
    const v = vnetCreate(this.nextVnetId++, name, this.env, configured)
    this.liveVnets.add(v)
    return v
  }

  destroyVnet(v: Vnet): void {
    vnetDestroy(v, VNET_MODULES)
    this.liveVnets.delete(v)
  }

  /** Every live vnet (VNET_FOREACH), for modules that attach to each stack when loaded. */
  get vnets(): Iterable<Vnet> {
    return this.liveVnets
  }

  allocJid(): number {
    return this.nextJid++
  }

  /**
   * Virtual time only: run `ns` of CPU work on the host's one CPU, after the work already queued
   * (the CPU is a FIFO: no two slices overlap). Returns when it is done.
   */
  cpuRun(ns: number): number {
    const start = Math.max(this.clock.now(), this.cpuFreeAt)
    this.cpuFreeAt = start + ns
    return this.cpuFreeAt
  }

  allocPid(): number {
    return this.nextPid++
  }

  /** Every live jail, in jid order. */
  allJails(): Prison[] {
    return this.prison0.descendants().sort((a, b) => a.jid - b.jid)
  }

  /**
   * A locally administered unicast MAC, unique in this host, with the low byte zero so cloners can
   * number their interfaces (epair: 0a/0b).
   */
  private newMac(): number {
    for (;;) {
      const hi = 0x02 * 2 ** 40
      const mid = this.macRng.u32() * 256
      const mac = hi + mid
      if (!this.usedMacs.has(mac)) {
        this.usedMacs.add(mac)
        return mac
      }
    }
  }
}

/**
 * Kernel modules and the kernel environment (kldload(2), kldunload(2), kldstat(2), kenv(2)) for the
 * modules VirtNet builds in: ipfw, ipfw_nat (with libalias) and dummynet. Loading ipfw links its
 * hook on the inet pfil head and its sysctls into the tree; every vnet, existing and new, then has
 * a chain, whose default rule follows the net.inet.ip.fw.default_to_accept tunable as the kernel
 * environment held it at load time. Unloading undoes all of it.
 *
 * Host state only (kept on the Host); only prison0's root may load, unload or set the environment.
 * Loading dummynet gives ipfw its pipe/queue entry and the net.inet.ip.dummynet sysctls; unloading
 * it frees every vnet's pipes and the packets they hold. ipfw_nat loads but does nothing yet.
 * carp registers IP protocol 112 and its net.inet.carp sysctls; it unloads only without vhids.
 * ip_mroute gives raw IGMP sockets the multicast routing options (MRT_*) and the forwarding path;
 * it unloads only while no vnet runs a multicast routing daemon (EINVAL, as ip_mroute's modevent);
 * ip6_mroute the same for raw ICMPv6 sockets (MRT6_*).
 */

import { type Cred, Priv, privCheck } from '../../jail/priv.js'
import { Slot } from '../../stack/net/vnet.js'
import { carpBusy } from '../../stack/netinet/carp/carp_ioctl.js'
import { carpModule } from '../../stack/netinet/carp/carp_sysctl.js'
import { carpProtoAttach } from '../../stack/netinet/carp/ip_carp.js'
import { type DivertVnet, divertPacket } from '../../stack/netinet/ip/ip_divert.js'
import { mrouteBusy } from '../../stack/netinet/ip_mroute/ip_mroute.js'
import { mroute6Busy } from '../../stack/netinet6/ip6_mroute/ip6_mroute.js'
import { dummynetModule } from '../../stack/netpfil/ipfw/dummynet/dn_module.js'
import { dummynetIo } from '../../stack/netpfil/ipfw/dummynet/ip_dn_io.js'
import { ipfwModule } from '../../stack/netpfil/ipfw/ip_fw_chain.js'
import { ipfwL2Hook } from '../../stack/netpfil/ipfw/ip_fw_l2.js'
import { IpfwHook } from '../../stack/netpfil/ipfw/ip_fw_pfil.js'
import { SysError } from '../../util/errno.js'
import type { Host } from '../host.js'
import { ipfwNatAttach, ipfwNatDetach } from '../netpfil/ipfw_nat_api.js'
import type { KldInfo } from '../syscalls.js'

interface KmodDef {
  readonly file: string
  readonly deps: readonly string[]
  readonly size: number
}

/** The modules that can be loaded, by module name. */
const KMODS: Readonly<Record<string, KmodDef>> = {
  ipfw: { file: 'ipfw.ko', deps: [], size: 0x2f1a8 },
  libalias: { file: 'libalias.ko', deps: [], size: 0x11c40 },
  ipfw_nat: { file: 'ipfw_nat.ko', deps: ['ipfw', 'libalias'], size: 0x5a58 },
  dummynet: { file: 'dummynet.ko', deps: ['ipfw'], size: 0x1e5b0 },
  tcpmd5: { file: 'tcpmd5.ko', deps: [], size: 0x2a08 },
  ipdivert: { file: 'ipdivert.ko', deps: [], size: 0x3b70 },
  carp: { file: 'carp.ko', deps: [], size: 0x9c48 },
  ip_mroute: { file: 'ip_mroute.ko', deps: [], size: 0xa7d0 },
  ip6_mroute: { file: 'ip6_mroute.ko', deps: [], size: 0x8e18 },
}

/**
 * What VirtNet's kernel has compiled in, as FreeBSD's kernel file lists the modules linked into it:
 * `kldstat -m if_bridge` finds them, `kldload if_epair` says they are already in the kernel.
 */
export const BUILTIN_MODULES: readonly string[] = [
  'bridgestp',
  'if_bridge',
  'if_epair',
  'if_geneve',
  'if_gif',
  'if_gre',
  'if_lagg',
  'if_stf',
  'if_tap',
  'if_tun',
  'if_tuntap',
  'if_vlan',
  'netgraph',
  'ng_bridge',
  'ng_eiface',
  'ng_ether',
  'ng_hub',
  'ng_one2many',
  'ng_pipe',
  'ng_socket',
  'ng_tee',
  'ng_vlan',
]

const KERNEL_SIZE = 0x1f3c6a0
const KERNEL_BASE = 0xffffffff80200000n
/** Modules are placed after the kernel at this address. */
const MODULE_BASE = 0xffffffff82100000n

interface LoadedFile {
  readonly id: number
  readonly mod: string
  readonly address: bigint
}

/** The host's loaded modules and kernel environment. */
export class Kld {
  readonly files: LoadedFile[] = []
  readonly kenv = new Map<string, string>()
  private nextId = 2
  private nextAddr = MODULE_BASE

  constructor(private readonly host: Host) {}

  loaded(mod: string): boolean {
    return this.files.some((f) => f.mod === mod)
  }

  /** kldload(2): the module and what it depends on; returns the file id. */
  load(cred: Cred, name: string): number {
    privCheck(cred, Priv.KLD_LOAD, 'kldload')
    if (BUILTIN_MODULES.includes(name.slice(name.lastIndexOf('/') + 1).replace(/\.ko$/, '')))
      throw new SysError('EEXIST', 'kldload')
    const mod = moduleName(name)
    if (mod === undefined) throw new SysError('ENOENT', 'kldload')
    if (this.loaded(mod)) throw new SysError('EEXIST', 'kldload')
    return this.loadWithDeps(mod)
  }

  private loadWithDeps(mod: string): number {
    const def = KMODS[mod]!
    for (const d of def.deps) if (!this.loaded(d)) this.loadWithDeps(d)
    const f: LoadedFile = { id: this.nextId++, mod, address: this.nextAddr }
    this.nextAddr += BigInt((def.size + 0xfff) & ~0xfff)
    this.files.push(f)
    if (mod === 'ipfw') this.ipfwAttach()
    if (mod === 'ipfw_nat') ipfwNatAttach(this.host)
    if (mod === 'dummynet') this.dummynetAttach(true)
    if (mod === 'tcpmd5') this.host.env.tcpmd5.enabled = true
    if (mod === 'ipdivert') this.divertAttach(true)
    if (mod === 'carp') this.carpAttach(true)
    return f.id
  }

  /** kldfind(2) + kldunload(2). */
  unload(cred: Cred, name: string): void {
    const mod = moduleName(name)
    const f = mod === undefined ? undefined : this.files.find((x) => x.mod === mod)
    if (f === undefined) throw new SysError('ENOENT', 'kldfind')
    privCheck(cred, Priv.KLD_UNLOAD, 'kldunload')
    if (this.files.some((x) => KMODS[x.mod]!.deps.includes(f.mod))) throw new SysError('EBUSY', 'kldunload')
    // div_modevent: not while any divert socket is open.
    if (
      f.mod === 'ipdivert' &&
      [...this.host.vnets].some((v) => (v.slots[Slot.DIVERT] as DivertVnet | undefined)?.pcbs.length)
    )
      throw new SysError('EBUSY', 'kldunload')
    // carp_modevent: not while any vhid is configured.
    if (f.mod === 'carp' && [...this.host.vnets].some((v) => carpBusy(v)))
      throw new SysError('EBUSY', 'kldunload')
    if (f.mod === 'ip_mroute' && [...this.host.vnets].some((v) => mrouteBusy(v)))
      throw new SysError('EINVAL', 'kldunload')
    if (f.mod === 'ip6_mroute' && [...this.host.vnets].some((v) => mroute6Busy(v)))
      throw new SysError('EINVAL', 'kldunload')
    this.files.splice(this.files.indexOf(f), 1)
    if (f.mod === 'ipfw') this.ipfwDetach()
    if (f.mod === 'ipfw_nat') ipfwNatDetach(this.host)
    if (f.mod === 'dummynet') this.dummynetAttach(false)
    if (f.mod === 'tcpmd5') this.host.env.tcpmd5.enabled = false
    if (f.mod === 'ipdivert') this.divertAttach(false)
    if (f.mod === 'carp') this.carpAttach(false)
  }

  /**
   * loader.conf's `NAME_load="YES"`: a module loaded before any process runs (no credential), as
   * FreeBSD's test machines preload carp for tests/sys/netinet/carp.sh. Already loaded: nothing.
   */
  preload(name: string): void {
    const mod = moduleName(name)
    if (mod === undefined) throw new SysError('ENOENT', 'kldload')
    if (!this.loaded(mod)) this.loadWithDeps(mod)
  }

  /** carp: protocol 112 over IPv4 and IPv6 and the net.inet.carp sysctls. */
  private carpAttach(on: boolean): void {
    carpProtoAttach(this.host.env.domains, on)
    for (const d of carpModule.sysctls)
      if (on) this.host.sysctls.set(d.name, d)
      else this.host.sysctls.delete(d.name)
    if (on) return
    for (const v of this.host.vnets) {
      const s = v.slots[Slot.CARP]
      if (s !== undefined) carpModule.destroy!(s as never, v)
      v.slots[Slot.CARP] = undefined
    }
  }

  /** ipdivert: ipfw's ip_divert_ptr (divert and tee rules drop without it). */
  private divertAttach(on: boolean): void {
    const hook = this.host.env.pfilInet.find('ipfw') as IpfwHook | undefined
    if (hook !== undefined) hook.divIo = on ? divertPacket : null
  }

  /** dummynet: ipfw's ip_dn_io_ptr and the sysctls; unloading frees every vnet's pipes and packets. */
  private dummynetAttach(on: boolean): void {
    const hook = this.host.env.pfilInet.find('ipfw') as IpfwHook | undefined
    if (hook !== undefined) hook.dnIo = on ? dummynetIo : null
    for (const d of dummynetModule.sysctls)
      if (on) this.host.sysctls.set(d.name, d)
      else this.host.sysctls.delete(d.name)
    if (on) return
    for (const pr of [this.host.prison0, ...this.host.prison0.descendants()]) {
      const s = pr.vnet.slots[Slot.DUMMYNET]
      if (s !== undefined) dummynetModule.destroy!(s as never, pr.vnet)
      pr.vnet.slots[Slot.DUMMYNET] = undefined
    }
  }

  stat(): KldInfo[] {
    const refs = (mod: string) => 1 + this.files.filter((x) => KMODS[x.mod]!.deps.includes(mod)).length
    return [
      {
        id: 1,
        refs: 1 + this.files.length,
        address: hex(KERNEL_BASE),
        size: KERNEL_SIZE,
        name: 'kernel',
        contains: BUILTIN_MODULES,
      },
      ...this.files.map((f) => ({
        id: f.id,
        refs: refs(f.mod),
        address: hex(f.address),
        size: KMODS[f.mod]!.size,
        name: KMODS[f.mod]!.file,
        module: f.mod,
      })),
    ]
  }

  kenvSet(cred: Cred, name: string, value: string): void {
    privCheck(cred, Priv.KENV_SET, 'kenv')
    // KENV_MNAMELEN and KENV_MVALLEN.
    if (name.length === 0 || name.length >= 128 || value.length >= 128 || name.includes('='))
      throw new SysError('EINVAL', 'kenv')
    this.kenv.set(name, value)
  }

  kenvUnset(cred: Cred, name: string): void {
    privCheck(cred, Priv.KENV_UNSET, 'kenv')
    if (!this.kenv.delete(name)) throw new SysError('ENOENT', 'kenv')
  }

  private ipfwAttach(): void {
    // TUNABLE_INT: read from the environment once, when the module initialises.
    const t = this.kenv.get('net.inet.ip.fw.default_to_accept')
    const n = t === undefined ? 0 : /^\s*0x/i.test(t) ? Number.parseInt(t, 16) : Number.parseInt(t, 10)
    const inet = new IpfwHook({ defaultToAccept: Number.isFinite(n) && n !== 0 })
    if (this.loaded('ipdivert')) inet.divIo = divertPacket
    const link = ipfwL2Hook()
    // The host's loaded filters (what new vnets start with), then every stack there is now.
    for (const v of [this.host.env, ...this.host.vnets]) {
      v.pfilInet.link(inet)
      v.pfilInet6.link(inet)
      v.pfilLink.link(link)
    }
    for (const d of ipfwModule.sysctls) this.host.sysctls.set(d.name, d)
  }

  private ipfwDetach(): void {
    for (const v of [this.host.env, ...this.host.vnets]) {
      v.pfilInet.unlink('ipfw')
      v.pfilInet6.unlink('ipfw')
      v.pfilLink.unlink('ipfw')
    }
    for (const d of ipfwModule.sysctls) this.host.sysctls.delete(d.name)
    // VNET_SYSUNINIT: every vnet's chain and states go.
    for (const pr of [this.host.prison0, ...this.host.prison0.descendants()])
      if (pr.ownsVnet || pr === this.host.prison0) pr.vnet.slots[Slot.IPFW] = undefined
  }
}

/** `ipfw`, `ipfw.ko` or a path ending in one: the module name, if it is one we have. */
function moduleName(name: string): string | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1).replace(/\.ko$/, '')
  return Object.hasOwn(KMODS, base) ? base : undefined
}

function hex(n: bigint): string {
  return `0x${n.toString(16)}`
}

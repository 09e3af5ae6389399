/**
 * The Syscalls implementation: one object per credential. Each call resolves its target in the
 * caller's own view (its vnet, its descendant jails), checks privilege with privCheck, validates
 * every argument, and only then changes state. Data-plane errors come back as errno names and are
 * raised here as SysError.
 */

import type { Prison, ProcEntry } from '../jail/prison.js'
import { type Cred, Priv, privAllowed, privCheck } from '../jail/priv.js'
import { MEM_COST, type RacctResource } from '../jail/racct.js'
import { Socket, soclose } from '../kern/socket.js'
import { formatNgValue, parseNgValue } from '../netgraph/ascii.js'
import { netgraph } from '../netgraph/types.js'
import { type BridgeSoftc, bridgeOf } from '../stack/net/if_bridge.js'
import { cloneCreate, parseCloneName } from '../stack/net/if_clone.js'
import { TUNMRU, tunOf } from '../stack/net/if_tun.js'
import {
  IFF,
  IFNAMSIZ,
  type Ifnet,
  ifAddAddr,
  ifAttach,
  ifDelAddr,
  ifMove,
  ifSetUp,
} from '../stack/net/ifnet.js'
import { ifDestroy } from '../stack/net/lifecycle.js'
import { Route, RTF } from '../stack/net/route.js'
import { parseSysctlValue, type SysctlDecl } from '../stack/net/sysctl.js'
import type { Vnet } from '../stack/net/vnet.js'
import {
  type ArpEntryInfo,
  arpDelete,
  arpFlush,
  arpGet,
  arpList,
  arpSet,
  arp as arpState,
} from '../stack/netinet/arp.js'
import { icmp } from '../stack/netinet/icmp.js'
import { ip } from '../stack/netinet/ip.js'
import { ipOutput, sourceFor } from '../stack/netinet/ip_output.js'
import { rawClose, rawOpen } from '../stack/netinet/raw.js'
import { tcp } from '../stack/netinet/tcp/tcp_var.js'
import { udp } from '../stack/netinet/udp.js'
import { type ErrnoName, SysError } from '../util/errno.js'
import { isMulticastMac } from '../wire/addr.js'
import type { Host } from './host.js'
import { ipfwCtl } from './ipfw_api.js'
import { jailCreate, jailInfo, jailModify, jailRemove, lookupJail, reapIfIdle } from './jails.js'
import { rctlAddRule, rctlGetLimits, rctlGetRacct, rctlGetRules, rctlRemoveRule } from './rctl_api.js'
import { type FileTable, socketList, socketOpen, tcpDropConn } from './sockets.js'
import {
  type ArpInfo,
  type IfInfo,
  type IpfwReply,
  type IpfwRequest,
  type JailInfo,
  type KldInfo,
  type NgSocket,
  type ProtoName,
  type RawPacket,
  type RawSocket,
  type RouteInfo,
  type RouteSpec,
  type SendOptions,
  SLICE_NS,
  SLICE_STEPS,
  type SockAddrIn,
  type SocketFd,
  type SocketInfo,
  type SocketOwner,
  type Syscalls,
  type SysctlInfo,
  type TunFd,
} from './syscalls.js'

/** _SIG_MAXSIG: the highest signal number kill(2) accepts. */
const MAXSIG = 128

function routeInfo(r: Route): RouteInfo {
  return {
    dst: r.dst,
    prefixLen: r.prefixLen,
    gateway: (r.flags & RTF.GATEWAY) !== 0 ? r.gateway : 0,
    // FreeBSD names the link of the interface that owns the address (`192.0.2.1 link#2 UHS lo0`).
    gatewayIfIndex: (r.flags & RTF.GATEWAY) !== 0 ? 0 : (r.ifa?.ifp ?? r.ifp).index,
    ifName: r.ifp.name,
    flags: r.flags,
    mtu: r.mtu !== 0 ? r.mtu : r.ifp.mtu,
    use: r.use,
  }
}

function arpInfo(e: ArpEntryInfo): ArpInfo {
  return {
    addr: e.addr,
    mac: e.mac,
    ifName: e.ifp.name,
    permanent: e.permanent,
    published: e.published,
    expiresIn: e.expiresIn,
  }
}

/** IfInfo.members for a bridge interface (nothing for other interfaces). */
function bridgeMembers(ifp: Ifnet): Pick<IfInfo, 'members'> {
  const sc = bridgeOf(ifp)
  if (sc === null) return {}
  return { members: sc.members.map((mb) => ({ name: mb.ifp.name, flags: mb.flags, port: mb.ifp.index })) }
}

export class KernelApi implements Syscalls {
  private readonly host: Host
  private readonly cred: Cred

  /** The process this instance serves (asProcess), whose descriptor table gets its sockets. */
  private readonly pid: number

  constructor(host: Host, cred: Cred, pid = -1) {
    this.host = host
    this.cred = cred
    this.pid = pid
  }

  get uid(): number {
    return this.cred.uid
  }
  get jid(): number {
    return this.cred.prison.jid
  }
  get jailName(): string {
    return this.cred.prison.nameFrom(this.host.prison0) || '0'
  }

  private get prison(): Prison {
    const p = this.cred.prison
    if (p.dying) throw new SysError('ESRCH', 'jail', 'the jail was removed')
    return p
  }

  private get vnet(): Vnet {
    return this.prison.vnet
  }

  private priv(p: (typeof Priv)[keyof typeof Priv], op?: string): void {
    privCheck(this.cred, p, op)
  }

  /**
   * racct_add for an object about to be created in the caller's stack, charged to the jail that
   * owns the vnet; throws `errno` (the call's own, as FreeBSD's callers pick it) when a limit denies it.
   */
  private charge(res: RacctResource, amount: number, op: string, errno?: ErrnoName): void {
    let owner = this.prison
    while (!owner.ownsVnet && owner.parent !== null) owner = owner.parent
    const err = this.host.racct.add(owner, res, amount, this.host.prison0)
    if (err !== undefined) throw new SysError(errno ?? err, op)
  }

  /** falloc: a new descriptor of the caller's (ENFILE, EMFILE); returns its release, safe to call twice. */
  private openFile(op: string): () => void {
    const pr = this.prison
    const racct = this.host.racct
    const err = racct.fileOpen(pr, this.ruid, this.host.prison0)
    if (err !== undefined) throw new SysError(err, op)
    let open = true
    return () => {
      if (open) racct.sub(pr, 'openfiles', 1)
      open = false
    }
  }

  private ifp(name: string, op = 'SIOCGIFFLAGS'): Ifnet {
    const ifp = this.vnet.ifByName(name)
    if (ifp === undefined) throw new SysError('ENXIO', op, `interface ${name} does not exist`)
    return ifp
  }

  /**
   * prison_if for IPv4: whether the caller may learn anything about `addr`. A jail sharing its
   * parent's stack sees only its own addresses (ip4.addr); prison0 and vnet jails see their whole stack.
   */
  private visibleAddr(addr: number): boolean {
    const p = this.cred.prison
    return p.ownsVnet || p.ip4.includes(addr >>> 0)
  }

  /**
   * can_export_rte (rtsock.c): a jail sharing its parent's stack sees no network route at all and a
   * host route only to one of its own addresses, in dumps (netstat -r) and in RTM_GET (route get).
   */
  private visibleRoute(r: Route): boolean {
    return this.cred.prison.ownsVnet || (r.prefixLen === 32 && this.visibleAddr(r.dst))
  }

  /**
   * in_pcbladdr: the source address a socket of the caller sending to dst gets. In a jail sharing
   * its parent's stack that is the route's source if it is the jail's, else the jail's first address.
   */
  private pcbLocalAddr(v: Vnet, dst: number, op: string): number {
    const rt = v.routes.lookup(dst >>> 0)
    let chosen = rt === null ? 0 : sourceFor(rt)
    const p = this.cred.prison
    if (!p.ownsVnet && !p.ip4.includes(chosen)) {
      if (p.ip4.length === 0) throw new SysError('EADDRNOTAVAIL', op)
      chosen = p.ip4[0]!
    }
    return chosen
  }

  now(): number {
    return this.host.clock.now()
  }

  getrandom(len: number): Uint8Array {
    if (!Number.isInteger(len) || len < 0 || len > 256) throw new SysError('EINVAL', 'getrandom')
    const out = new Uint8Array(len)
    for (let i = 0; i < len; i++) out[i] = this.host.entropy.u32() & 0xff
    return out
  }

  nanosleep(ns: number, until?: Promise<unknown>): Promise<void> {
    if (!(ns >= 0) || !Number.isFinite(ns)) throw new SysError('EINVAL', 'nanosleep')
    return this.host.clock.sleep(ns, until)
  }

  preempt(until?: Promise<unknown>, steps = SLICE_STEPS): Promise<void> {
    const clock = this.host.clock
    if (!(steps >= 0) || !Number.isFinite(steps)) throw new SysError('EINVAL', 'sched_yield')
    const ns = (steps * SLICE_NS) / SLICE_STEPS
    // cputime counts in microseconds, as FreeBSD's (RACCT_IN_MILLIONS).
    this.host.racct.add(this.cred.prison, 'cputime', ns / 1000, this.host.prison0)
    if (clock.mode === 'real') return clock.sleep(0, until)
    return clock.sleep(this.host.cpuRun(ns) - clock.now(), until)
  }

  procStart(kill: (signal: number) => void, comm = ''): number {
    const pr = this.prison
    const racct = this.host.racct
    const err = racct.procCheck(pr, this.ruid, this.host.prison0)
    if (err !== undefined) throw new SysError(err, 'fork')
    const pid = this.host.allocPid()
    racct.procAdd(pid, pr, this.ruid)
    pr.procs.set(pid, { uid: this.cred.uid, ruid: this.ruid, comm, files: new Map(), kill })
    return pid
  }

  asProcess(pid: number): Syscalls {
    const p = this.cred.prison.procs.get(pid)
    if (p === undefined || p.uid !== this.cred.uid || p.ruid !== this.ruid)
      throw new SysError('ESRCH', 'getpid')
    return new KernelApi(this.host, this.cred, pid)
  }

  /**
   * The caller's descriptor table as socketOpen uses it: falloc takes the lowest free descriptor
   * above standard input, output and error; closing gives it back. Null for callers that are no
   * registered process (library code calling the kernel directly): their sockets have no owner.
   */
  private fileTable(): FileTable | null {
    const p = this.cred.prison.procs.get(this.pid)
    if (p === undefined) return null
    const files = p.files
    return {
      install(f: object): () => void {
        let fd = 3
        while (files.has(fd)) fd++
        files.set(fd, f)
        return () => {
          if (files.get(fd) === f) files.delete(fd)
        }
      },
    }
  }

  procExit(pid: number): void {
    this.host.racct.procExit(pid)
    const pr = this.cred.prison
    // exit1 closes the descriptors the process still holds (fdescfree): a program that ends
    // without closing its sockets, or is killed, does not leave them open.
    for (const f of pr.procs.get(pid)?.files.values() ?? []) if (f instanceof Socket) soclose(f)
    if (pr.procs.delete(pid)) reapIfIdle(this.host, pr)
  }

  kill(pid: number, signal: number): void {
    if (!Number.isInteger(signal) || signal < 0 || signal > MAXSIG) throw new SysError('EINVAL', 'kill')
    // p_cansee: a process sees those of its own jail and the jails below it, no others.
    const me = this.prison
    let target: ProcEntry | undefined
    for (const pr of [me, ...me.descendants()]) {
      target = pr.procs.get(pid)
      if (target !== undefined) break
    }
    if (target === undefined) throw new SysError('ESRCH', 'kill')
    // cr_cansignal: root, or a real or effective uid in common with the target's.
    const mine = [this.cred.uid, this.ruid]
    if (
      !privAllowed(this.cred, Priv.SIGNAL_DIFFCRED) &&
      !mine.includes(target.uid) &&
      !mine.includes(target.ruid)
    )
      throw new SysError('EPERM', 'kill')
    if (signal !== 0) target.kill(signal)
  }

  attach(jail: string, uid = this.cred.uid): Syscalls {
    this.priv(Priv.JAIL_ATTACH, 'jail_attach')
    const pr = lookupJail(this.prison, jail)
    if (uid !== this.cred.uid) this.priv(Priv.CRED_SETUID, 'setuid')
    return new KernelApi(this.host, { prison: pr, uid })
  }

  get ruid(): number {
    return this.cred.ruid ?? this.cred.uid
  }

  exec(program: string): Syscalls {
    if (!this.host.setuidPrograms.has(program) || this.cred.uid === 0) return this
    return new KernelApi(this.host, { prison: this.cred.prison, uid: 0, ruid: this.cred.uid })
  }

  withUid(uid: number): Syscalls {
    if (!Number.isInteger(uid) || uid < 0 || uid > 0xfffffffe) throw new SysError('EINVAL', 'setuid')
    // As documented in Syscalls: changing uid needs root (PRIV_CRED_SETUID); otherwise any user
    // could become root with withUid(0).
    if (uid !== this.cred.uid) this.priv(Priv.CRED_SETUID, 'setuid')
    return new KernelApi(this.host, { prison: this.cred.prison, uid })
  }

  // interfaces

  private ifInfo(ifp: Ifnet): IfInfo {
    const addrs = ifp.addrs
      .filter((a) => this.visibleAddr(a.addr))
      .map((a) => ({ addr: a.addr, prefixLen: a.prefixLen, broadcast: a.broadcast, dst: a.dst }))
    return {
      name: ifp.name,
      index: ifp.index,
      flags: ifp.flags,
      mtu: ifp.mtu,
      metric: 0,
      mac: ifp.type === 'ether' ? ifp.mac : null,
      hwaddr: ifp.type === 'ether' ? ifp.hwaddr : null,
      addrs,
      groups: ifp.family === 'lo' ? ['lo'] : [ifp.family],
      description: ifp.description,
      media: ifp.media,
      status: ifp.media === '' ? '' : ifp.up ? 'active' : 'no carrier',
      stats: { ...ifp.stats },
      ...bridgeMembers(ifp),
    }
  }

  ifList(): IfInfo[] {
    return this.vnet.ifnets.map((i) => this.ifInfo(i))
  }

  ifGet(name: string): IfInfo {
    return this.ifInfo(this.ifp(name))
  }

  ifCloners(): string[] {
    return [...this.host.cloners.keys()].sort()
  }

  /** The bridge and the would-be member, both in the caller's vnet (bridge_ioctl's lookups). */
  private bridgeAndMember(bridge: string, member: string, op: string): [BridgeSoftc, Ifnet] {
    this.priv(Priv.NET_BRIDGE, op)
    const sc = bridgeOf(this.ifp(bridge, op))
    if (sc === null) throw new SysError('EINVAL', op, `${bridge} is not a bridge`)
    const ifs = this.vnet.ifByName(member)
    if (ifs === undefined) throw new SysError('ENOENT', op, `interface ${member} does not exist`)
    return [sc, ifs]
  }

  ifBridgeAdd(bridge: string, member: string): void {
    const [sc, ifs] = this.bridgeAndMember(bridge, member, 'BRDGADD')
    sc.addMember(ifs)
  }

  ifBridgeDelete(bridge: string, member: string): void {
    const [sc, ifs] = this.bridgeAndMember(bridge, member, 'BRDGDEL')
    const mb = sc.memberOf(ifs)
    if (mb === null) throw new SysError('ENOENT', 'BRDGDEL', `${member} is not a member of ${bridge}`)
    sc.deleteMember(mb)
  }

  ifCreate(name: string): string {
    this.priv(Priv.NET_IFCREATE, 'SIOCIFCREATE2')
    const [cloner, unit] = parseCloneName(this.host.cloners, name)
    const v = this.vnet
    this.charge('memoryuse', MEM_COST.ifnet * (cloner.name === 'epair' ? 2 : 1), 'SIOCIFCREATE2', 'ENOMEM')
    // Names must be free in this vnet even when an interface of that name was moved in: cloneCreate
    // refuses such a unit (EEXIST) or, numbering automatically, passes over it.
    const ifps = cloneCreate(v, cloner, unit)
    for (const i of ifps) ifAttach(v, i)
    return ifps[0]!.name
  }

  ifDestroy(name: string): void {
    this.priv(Priv.NET_IFDESTROY, 'SIOCIFDESTROY')
    const ifp = this.ifp(name, 'SIOCIFDESTROY')
    if (!this.host.cloners.has(ifp.family) || (ifp.type === 'loop' && ifp.unit === 0))
      throw new SysError('EINVAL', 'SIOCIFDESTROY')
    // An interface lent by the parent is not the jail's to destroy.
    if (ifp.home !== this.vnet) throw new SysError('EPERM', 'SIOCIFDESTROY')
    ifDestroy(ifp)
  }

  ifSetUp(name: string, up: boolean): void {
    this.priv(Priv.NET_SETIFFLAGS, 'SIOCSIFFLAGS')
    const ifp = this.ifp(name, 'SIOCSIFFLAGS')
    ifSetUp(ifp, up)
  }

  ifSetMtu(name: string, mtu: number): void {
    this.priv(Priv.NET_SETIFMTU, 'SIOCSIFMTU')
    const ifp = this.ifp(name, 'SIOCSIFMTU')
    const max = ifp.type === 'loop' ? 65536 : ifp.type === 'tun' ? TUNMRU : 9000
    if (!Number.isInteger(mtu) || mtu < 72 || mtu > max) throw new SysError('EINVAL', 'SIOCSIFMTU')
    ifp.mtu = mtu
  }

  ifRename(name: string, newName: string): void {
    this.priv(Priv.NET_SETIFNAME, 'SIOCSIFNAME')
    const ifp = this.ifp(name, 'SIOCSIFNAME')
    if (newName.length === 0 || newName.length >= IFNAMSIZ || !/^[A-Za-z0-9_.:-]+$/.test(newName))
      throw new SysError('EINVAL', 'SIOCSIFNAME')
    if (this.vnet.ifByName(newName) !== undefined) throw new SysError('EEXIST', 'SIOCSIFNAME')
    this.vnet.ifRename(ifp, newName)
  }

  ifSetMac(name: string, mac: number): void {
    this.priv(Priv.NET_SETLLADDR, 'SIOCSIFLLADDR')
    const ifp = this.ifp(name, 'SIOCSIFLLADDR')
    if (
      ifp.type !== 'ether' ||
      !Number.isInteger(mac) ||
      mac <= 0 ||
      mac > 0xffffffffffff ||
      isMulticastMac(mac)
    )
      throw new SysError('EINVAL', 'SIOCSIFLLADDR')
    ifp.mac = mac
  }

  ifSetDescription(name: string, descr: string): void {
    this.priv(Priv.NET_SETIFDESCR, 'SIOCSIFDESCR')
    const ifp = this.ifp(name, 'SIOCSIFDESCR')
    if (descr.length > 1024) throw new SysError('ENAMETOOLONG', 'SIOCSIFDESCR')
    ifp.description = descr
  }

  ifAddAddr(
    name: string,
    addr: number,
    prefixLen: number,
    opts: { broadcast?: number; alias?: boolean; dst?: number } = {},
  ): void {
    this.priv(Priv.NET_ADDIFADDR, 'SIOCAIFADDR')
    const ifp = this.ifp(name, 'SIOCAIFADDR')
    addr >>>= 0
    if (
      !Number.isInteger(prefixLen) ||
      prefixLen < 0 ||
      prefixLen > 32 ||
      addr === 0 ||
      addr === 0xffffffff ||
      addr >>> 28 >= 0xe
    )
      throw new SysError('EINVAL', 'SIOCAIFADDR')
    // One hash probe, not a walk over every address of the vnet (aliases by the 100,000 stay linear).
    const owner = this.vnet.localIfa(addr)
    if (owner !== undefined && owner.ifp !== ifp) throw new SysError('EEXIST', 'SIOCAIFADDR')
    // A new address brings its connected route.
    if (ifp.addrFind(addr) === undefined)
      this.charge('memoryuse', MEM_COST.ifaddr + MEM_COST.route, 'SIOCAIFADDR', 'ENOBUFS')
    // Without `alias`, ifconfig replaces the interface's first address.
    const first = ifp.firstAddr
    if (!opts.alias && first !== undefined && first.addr !== addr) ifDelAddr(ifp, first.addr)
    // Assigning an address brings an Ethernet interface up (ether_ioctl SIOCSIFADDR).
    if (ifp.type === 'ether' && !ifp.up) ifp.flags |= IFF.UP | IFF.RUNNING
    // A destination belongs to point-to-point links only (in_aifaddr_ioctl: EDESTADDRREQ without one).
    const dst = opts.dst ?? 0
    const p2p = (ifp.flags & IFF.POINTOPOINT) !== 0
    if (dst !== 0 && !p2p) throw new SysError('EINVAL', 'SIOCAIFADDR')
    if (p2p && dst === 0) throw new SysError('EDESTADDRREQ', 'SIOCAIFADDR')
    ifAddAddr(ifp, addr, prefixLen, opts.broadcast, dst)
  }

  tunOpen(name: string): TunFd {
    // /dev/tunN is crw------- root:wheel: a non-root open fails with EACCES.
    if (this.cred.uid !== 0) throw new SysError('EACCES', 'open')
    const ifp = this.vnet.ifByName(name)
    const sc = ifp === undefined ? null : tunOf(ifp)
    if (sc === null) throw new SysError('ENOENT', 'open')
    if (sc.open) throw new SysError('EBUSY', 'open')
    const release = this.openFile('open')
    sc.open = true
    sc.ifp.flags |= IFF.RUNNING
    let closed = false
    const check = (op: string): void => {
      if (closed) throw new SysError('EBADF', op)
    }
    return {
      write: (packet) => {
        check('write')
        sc.write(packet)
      },
      read: async (timeoutNs = Number.POSITIVE_INFINITY, until?: Promise<unknown>) => {
        check('read')
        let interrupted = false
        void until?.then(
          () => {
            interrupted = true
          },
          () => {
            interrupted = true
          },
        )
        if (!(timeoutNs >= 0)) throw new SysError('EINVAL', 'read')
        const deadline = this.host.clock.now() + timeoutNs
        for (;;) {
          const p = sc.dequeue()
          if (p !== null) return p
          check('read')
          const left = deadline - this.host.clock.now()
          if (left <= 0 || !(await sc.wait(left, until))) {
            const late = sc.dequeue()
            if (late !== null) return late
            throw new SysError(interrupted ? 'EINTR' : 'EAGAIN', 'read')
          }
        }
      },
      close: () => {
        if (closed) return
        closed = true
        release()
        sc.close()
      },
    }
  }

  ifDelAddr(name: string, addr: number): void {
    this.priv(Priv.NET_DELIFADDR, 'SIOCDIFADDR')
    ifDelAddr(this.ifp(name, 'SIOCDIFADDR'), addr)
  }

  ifMoveToJail(name: string, jail: string): void {
    this.priv(Priv.NET_SETIFVNET, 'SIOCSIFVNET')
    const ifp = this.ifp(name, 'SIOCSIFVNET')
    const pr = lookupJail(this.prison, jail)
    if (!pr.ownsVnet || pr.vnet === this.vnet) throw new SysError('EINVAL', 'SIOCSIFVNET')
    if (ifp.type === 'loop') throw new SysError('EINVAL', 'SIOCSIFVNET')
    ifMove(ifp, pr.vnet)
  }

  ifReclaimFromJail(name: string, jail: string): void {
    this.priv(Priv.NET_SETIFVNET, 'SIOCSIFRVNET')
    const pr = lookupJail(this.prison, jail)
    if (!pr.ownsVnet || pr.vnet === this.vnet) throw new SysError('EINVAL', 'SIOCSIFRVNET')
    const ifp = pr.vnet.ifByName(name)
    if (ifp === undefined) throw new SysError('ENXIO', 'SIOCSIFRVNET', `interface ${name} does not exist`)
    if (ifp.type === 'loop') throw new SysError('EINVAL', 'SIOCSIFRVNET')
    ifMove(ifp, this.vnet)
  }

  // routing

  routeList(): RouteInfo[] {
    return this.vnet.routes
      .list()
      .filter((r) => this.visibleRoute(r))
      .map(routeInfo)
  }

  private buildRoute(spec: RouteSpec, op: string): Route {
    const v = this.vnet
    const { dst, prefixLen } = spec
    if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 32) throw new SysError('EINVAL', op)
    let flags = RTF.UP | RTF.STATIC | (prefixLen === 32 ? RTF.HOST : 0)
    if (spec.blackhole) flags |= RTF.BLACKHOLE
    if (spec.reject) flags |= RTF.REJECT
    if (spec.mtu !== undefined && (!Number.isInteger(spec.mtu) || spec.mtu < 0 || spec.mtu > 65535))
      throw new SysError('EINVAL', op)
    let r: Route
    if (spec.ifName !== undefined) {
      const ifp = this.ifp(spec.ifName, op)
      r = new Route(dst, prefixLen, 0, ifp, ifp.addrs[0] ?? null, flags)
    } else if (spec.gateway !== undefined) {
      const gw = spec.gateway >>> 0
      const direct = v.routes.lookup(gw)
      if (
        direct === null ||
        (direct.flags & RTF.GATEWAY) !== 0 ||
        (direct.flags & (RTF.REJECT | RTF.BLACKHOLE)) !== 0
      )
        throw new SysError('ENETUNREACH', op)
      // A gateway that is one of our own addresses makes an interface route (route add ... 127.0.0.1)
      // through the interface that owns the address (ifa_ifwithaddr), not via its lo0 host route.
      const own = v.localIfa(gw)
      if (own !== undefined) r = new Route(dst, prefixLen, 0, own.ifp, own, flags)
      else r = new Route(dst, prefixLen, gw, direct.ifp, direct.ifa, flags | RTF.GATEWAY)
    } else if (spec.blackhole || spec.reject) {
      const lo = v.ifnets.find((i) => i.type === 'loop')!
      r = new Route(dst, prefixLen, 0, lo, lo.addrs[0] ?? null, flags)
    } else throw new SysError('EINVAL', op, 'gateway required')
    if (spec.mtu !== undefined) r.mtu = spec.mtu
    return r
  }

  routeAdd(spec: RouteSpec): void {
    this.priv(Priv.NET_ROUTE, 'RTM_ADD')
    const r = this.buildRoute(spec, 'RTM_ADD')
    this.charge('memoryuse', MEM_COST.route, 'RTM_ADD', 'ENOBUFS')
    this.vnet.routes.add(r)
  }

  routeChange(spec: RouteSpec): void {
    this.priv(Priv.NET_ROUTE, 'RTM_CHANGE')
    const old = this.vnet.routes.get(spec.dst, spec.prefixLen)
    if (old === undefined) throw new SysError('ESRCH', 'RTM_CHANGE')
    const r = this.buildRoute(spec, 'RTM_CHANGE')
    old.gateway = r.gateway
    this.vnet.routes.rebind(old, r.ifp, r.ifa)
    old.flags = r.flags
    old.mtu = r.mtu
  }

  routeDelete(dst: number, prefixLen: number, gateway?: number): void {
    this.priv(Priv.NET_ROUTE, 'RTM_DELETE')
    if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 32)
      throw new SysError('EINVAL', 'RTM_DELETE')
    const r = this.vnet.routes.get(dst, prefixLen)
    if (
      r === undefined ||
      (gateway !== undefined && (r.flags & RTF.GATEWAY) !== 0 && r.gateway !== gateway >>> 0)
    )
      throw new SysError('ESRCH', 'RTM_DELETE')
    this.vnet.routes.remove(r)
  }

  routeGet(dst: number): RouteInfo & { ifAddr: number } {
    const r = this.vnet.routes.lookup(dst >>> 0)
    if (r === null || !this.visibleRoute(r)) throw new SysError('ESRCH', 'RTM_GET')
    return { ...routeInfo(r), ifAddr: sourceFor(r) }
  }

  sourceAddr(dst: number): number {
    if (this.vnet.routes.lookup(dst >>> 0) === null) throw new SysError('ENETUNREACH', 'connect')
    return this.pcbLocalAddr(this.vnet, dst, 'connect')
  }

  routeFlush(): RouteInfo[] {
    this.priv(Priv.NET_ROUTE, 'RTM_DELETE')
    const gone = this.vnet.routes.list().filter((r) => (r.flags & RTF.GATEWAY) !== 0)
    for (const r of gone) this.vnet.routes.remove(r)
    return gone.map(routeInfo)
  }

  // ARP

  /** Our own addresses, which FreeBSD lists as permanent entries (in_lltable's local entries). */
  private arpOwn(): ArpInfo[] {
    return this.vnet.ifnets
      .filter((i) => i.type === 'ether')
      .flatMap((i) =>
        i.addrs.map((a) => ({
          addr: a.addr,
          mac: i.mac,
          ifName: i.name,
          permanent: true,
          published: false,
          expiresIn: -1,
        })),
      )
  }

  /** The ARP dump (in_lltable_dump_entry): in a jail sharing the stack, only its own addresses. */
  arpList(): ArpInfo[] {
    return [...arpList(this.vnet).map(arpInfo), ...this.arpOwn()]
      .filter((e) => this.visibleAddr(e.addr))
      .sort((a, b) => a.addr - b.addr)
  }

  arpGet(addr: number): ArpInfo {
    if (!this.visibleAddr(addr)) throw new SysError('ENOENT', 'RTM_GET')
    const own = this.arpOwn().find((e) => e.addr === addr >>> 0)
    return own ?? arpInfo(arpGet(this.vnet, addr >>> 0))
  }

  arpSet(addr: number, mac: number, opts: { temp?: boolean; pub?: boolean } = {}): void {
    this.priv(Priv.NET_ROUTE, 'RTM_ADD')
    if (!Number.isInteger(mac) || mac < 0 || mac > 0xffffffffffff) throw new SysError('EINVAL', 'RTM_ADD')
    arpSet(this.vnet, addr >>> 0, mac, opts.temp ?? false, opts.pub ?? false)
  }

  arpDelete(addr: number): void {
    this.priv(Priv.NET_ROUTE, 'RTM_DELETE')
    arpDelete(this.vnet, addr >>> 0)
  }

  arpFlush(): number {
    this.priv(Priv.NET_ROUTE, 'RTM_DELETE')
    return arpFlush(this.vnet)
  }

  // sysctl

  private sysctlInfo(d: SysctlDecl): SysctlInfo {
    return {
      name: d.name,
      value: d.get(this.vnet),
      description: d.descr,
      kind: d.kind,
      ...(d.kind === 'int' ? { ctype: d.ctype ?? 'int' } : {}),
      writable: d.set !== undefined,
    }
  }

  sysctlList(prefix?: string): SysctlInfo[] {
    const out: SysctlInfo[] = []
    for (const d of this.host.sysctls.values())
      if (prefix === undefined || d.name === prefix || d.name.startsWith(`${prefix}.`))
        out.push(this.sysctlInfo(d))
    if (prefix !== undefined && out.length === 0)
      throw new SysError('ENOENT', 'sysctl', `unknown oid '${prefix}'`)
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  sysctlGet(name: string): SysctlInfo {
    const d = this.host.sysctls.get(name)
    if (d === undefined) throw new SysError('ENOENT', 'sysctl', `unknown oid '${name}'`)
    return this.sysctlInfo(d)
  }

  sysctlSet(name: string, value: string): SysctlInfo {
    const d = this.host.sysctls.get(name)
    if (d === undefined) throw new SysError('ENOENT', 'sysctl', `unknown oid '${name}'`)
    // Vnet knobs are the jail's own when it has a vnet (CTLFLAG_VNET + PRIV_SYSCTL_WRITEJAIL).
    this.priv(
      d.scope === 'vnet' && this.cred.prison.ownsVnet ? Priv.SYSCTL_WRITEJAIL : Priv.SYSCTL_WRITE,
      'sysctl',
    )
    if (d.set === undefined) throw new SysError('EPERM', 'sysctl', `oid '${name}' is read only`)
    const parsed = parseSysctlValue(d, value)
    d.set(this.vnet, parsed)
    return this.sysctlInfo(d)
  }

  protoStats(proto: ProtoName): ReadonlyArray<readonly [string, number]> {
    const v = this.vnet
    const flat = (o: object): Array<readonly [string, number]> => {
      const out: Array<readonly [string, number]> = []
      for (const [k, val] of Object.entries(o)) {
        if (typeof val === 'number') out.push([k, val])
        else if (Array.isArray(val))
          for (const [i, n] of (val as number[]).entries()) if (n !== 0) out.push([`${k}[${i}]`, n])
      }
      return out
    }
    switch (proto) {
      case 'ip':
        return flat(ip(v).stats)
      case 'icmp':
        return flat(icmp(v).stats)
      case 'arp':
        return flat(arpState(v).stats)
      case 'udp':
        return flat(udp(v).stats)
      case 'tcp': {
        const t = tcp(v)
        const out = flat(t.stats)
        for (let i = 0; i < t.states.length; i++) out.push([`tcps_states[${i}]`, t.states[i]!])
        return out
      }
      default:
        throw new SysError('EINVAL', 'sysctl')
    }
  }

  // raw sockets

  rawSocket(protocol: number): RawSocket {
    this.priv(Priv.NETINET_RAW, 'socket')
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) throw new SysError('EINVAL', 'socket')
    const v = this.vnet
    // A jail sharing its parent's stack uses only its own addresses, for sending and receiving.
    const jail = this.cred.prison.ownsVnet ? null : this.cred.prison
    const release = this.openFile('socket')
    const pcb = rawOpen(v, protocol, jail)
    const clock = this.host.clock
    return {
      send: (dst, payload, opts: SendOptions = {}) => {
        if (pcb.closed) throw new SysError('EBADF', 'sendto')
        const ttl = opts.ttl ?? ip(v).defaultTtl
        if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) throw new SysError('EINVAL', 'setsockopt')
        if (payload.length > 0xffff - 20) throw new SysError('EMSGSIZE', 'sendto')
        const src = (opts.src ?? 0) >>> 0
        if (src !== 0 && (!v.isLocal(src) || (jail !== null && !jail.ip4.includes(src))))
          throw new SysError('EADDRNOTAVAIL', 'bind')
        const chosen = src !== 0 ? src : this.pcbLocalAddr(v, dst, 'sendto')
        const m = v.env.pool.get(payload.length)
        m.data.set(payload, m.off)
        m.len = payload.length
        ip(v).stats.ips_rawout++
        const err: ErrnoName | undefined = ipOutput(v, m, dst >>> 0, protocol, {
          ttl,
          tos: opts.tos ?? 0,
          df: opts.df ?? false,
          src: chosen,
          dontRoute: opts.dontRoute ?? false,
        })
        if (err !== undefined) throw new SysError(err, 'sendto')
        return chosen
      },
      recv: async (timeoutNs) => {
        const deadline = clock.now() + timeoutNs
        for (;;) {
          const d = pcb.queue.shift()
          if (d !== undefined) return d satisfies RawPacket
          const left = deadline - clock.now()
          if (pcb.closed || left <= 0) return null
          await pcb.wait.wait(left)
        }
      },
      close: () => {
        release()
        rawClose(v, pcb)
      },
    }
  }

  // sockets

  socket(domain: number, type: number, protocol = 0): SocketFd {
    return socketOpen(this.vnet, this.cred, domain, type, protocol, this.fileTable())
  }

  socketList(): SocketInfo[] {
    return socketList(this.vnet, this.cred, this.fileOwners())
  }

  tcpDrop(local: SockAddrIn, foreign: SockAddrIn): void {
    // A write to net.inet.tcp.drop, a vnet sysctl: root of the host or of a jail with its own stack.
    this.priv(this.cred.prison.ownsVnet ? Priv.SYSCTL_WRITEJAIL : Priv.SYSCTL_WRITE, 'sysctl')
    tcpDropConn(this.vnet, local, foreign)
  }

  /**
   * kern.file as the caller may see it (p_cansee: processes of its own jail and the jails below):
   * each open socket's holder, for sockstat's USER COMMAND PID FD columns.
   */
  private fileOwners(): Map<object, SocketOwner> {
    const out = new Map<object, SocketOwner>()
    const me = this.prison
    for (const pr of [me, ...me.descendants()]) {
      for (const [pid, p] of pr.procs)
        for (const [fd, f] of p.files) out.set(f, { pid, fd, command: p.comm, jid: pr.jid })
    }
    return out
  }

  // netgraph

  ngSocket(): NgSocket {
    this.priv(Priv.NETGRAPH_CONTROL, 'socket')
    const g = netgraph(this.vnet)
    const release = this.openFile('socket')
    const self = g.create('socket')
    const node = (path: string) => g.resolve(path, self)
    return {
      id: self.id,
      mkpeer: (path, type, hook, peerHook) => g.info(g.mkpeer(node(path), type, hook, peerHook)),
      connect: (path, relPath, hook, peerHook) => {
        const a = node(path)
        g.connect(a, hook, g.resolve(relPath, a), peerHook)
      },
      name: (path, name) => g.setName(node(path), name),
      rmhook: (path, hook) => g.rmhook(node(path), hook),
      shutdown: (path) => g.shutdown(node(path)),
      msg: (path, cmd, args) => {
        const n = node(path)
        const r = g.msg(n, cmd, parseNgValue(args))
        return { node: g.info(n), response: r === undefined ? null : formatNgValue(r), cmd: n.cmdNumber(cmd) }
      },
      list: () => g.list(),
      show: (path) => g.info(node(path)),
      types: () => {
        const count = new Map<string, number>()
        for (const n of g.nodes.values()) count.set(n.type, (count.get(n.type) ?? 0) + 1)
        return g.types.names().map((name) => ({ name, count: count.get(name) ?? 0 }))
      },
      close: () => {
        release()
        g.shutdown(self)
      },
    }
  }

  // hostname

  getHostname(): string {
    return this.prison.hostname
  }

  setHostname(name: string): void {
    this.priv(Priv.SETHOSTNAME, 'sethostname')
    if (name.length > 255 || /[\s\0]/.test(name)) throw new SysError('EINVAL', 'sethostname')
    this.prison.hostname = name
  }

  // jails

  jailCreate(params: ReadonlyArray<readonly [string, string | true]>): JailInfo {
    return jailInfo(jailCreate(this.host, this.cred, params), this.prison)
  }

  jailModify(jail: string, params: ReadonlyArray<readonly [string, string | true]>): JailInfo {
    return jailInfo(jailModify(this.host, this.cred, jail, params), this.prison)
  }

  jailRemove(jail: string): void {
    this.priv(Priv.JAIL_REMOVE, 'jail_remove')
    const pr = lookupJail(this.prison, jail)
    jailRemove(this.host, pr)
    // A non-persistent parent whose last child this was dies too (prison_deref).
    reapIfIdle(this.host, pr.parent!)
  }

  jailList(): JailInfo[] {
    const me = this.prison
    return me
      .descendants()
      .filter((p) => !p.dying)
      .sort((a, b) => a.jid - b.jid)
      .map((p) => jailInfo(p, me))
  }

  jailGet(jail: string): JailInfo {
    return jailInfo(lookupJail(this.prison, jail), this.prison)
  }

  // rctl (rctl_api.ts)

  rctlAddRule(rule: string): void {
    rctlAddRule(this.host, this.cred, rule)
  }

  rctlRemoveRule(filter: string): void {
    rctlRemoveRule(this.host, this.cred, filter)
  }

  rctlGetRules(filter: string): string[] {
    return rctlGetRules(this.host, this.cred, filter)
  }

  rctlGetLimits(filter: string): string[] {
    return rctlGetLimits(this.host, this.cred, filter)
  }

  rctlGetRacct(filter: string): string[] {
    return rctlGetRacct(this.host, this.cred, filter)
  }

  // kernel modules, kenv and ipfw (kld.ts, ipfw_api.ts)

  kldload(name: string): number {
    return this.host.kld.load(this.cred, name)
  }

  kldunload(name: string): void {
    this.host.kld.unload(this.cred, name)
  }

  kldstat(): KldInfo[] {
    return this.host.kld.stat()
  }

  kenvList(): Array<readonly [string, string]> {
    return [...this.host.kld.kenv]
  }

  kenvSet(name: string, value: string): void {
    this.host.kld.kenvSet(this.cred, name, value)
  }

  kenvUnset(name: string): void {
    this.host.kld.kenvUnset(this.cred, name)
  }

  ipfwCtl(req: IpfwRequest): IpfwReply {
    return ipfwCtl(this.host, this.cred, req)
  }
}

/**
 * The Syscalls implementation: one object per credential (and process). Each call resolves its
 * target in the caller's own view (its vnet, its descendant jails), checks privilege with privCheck,
 * validates every argument, and only then changes state. Data-plane errors come back as errno names
 * and are raised as SysError.
 *
 * A facade: the calls live by subject in proc_api.ts, if_api.ts, route_api.ts, sysctl_api.ts,
 * rawsock_api.ts, sockets.ts, jails.ts and rctl_api.ts, each taking the Caller (caller.ts). What stays
 * here is what makes a new Syscalls object (another process, jail or credential) and the small
 * calls on the jail itself.
 */

import type { Cred } from '../../jail/priv.js'
import { Priv } from '../../jail/priv.js'
import type { GeneveParams } from '../../stack/net/if/geneve/geneve_ctl.js'
import type { CloneParams } from '../../stack/net/if/if_clone.js'
import type { VxlanParams } from '../../stack/net/if/if_vxlan.js'
import type { TcpMd5Sa } from '../../stack/netipsec/key.js'
import { SysError } from '../../util/errno.js'
import type { Host } from '../host.js'
import { bpfList, bpfOpen } from '../net/bpf_api.js'
import { carpGet, carpSet } from '../net/carp_api.js'
import { divertSocket } from '../net/divert_api.js'
import {
  ifAddAddr,
  ifBridgeAdd,
  ifBridgeDelete,
  ifCloners,
  ifCreate,
  ifCreatePacket,
  ifDelAddr,
  ifDestroy,
  ifGeneveSet,
  ifGet,
  ifInetGroups,
  ifInetIgmp,
  ifList,
  ifMoveToJail,
  ifReclaimFromJail,
  ifRename,
  ifSetDebug,
  ifSetDescription,
  ifSetFib,
  ifSetMac,
  ifSetMtu,
  ifSetUp,
  ifVxlanFlush,
  ifVxlanSet,
  tunOpen,
} from '../net/if_api.js'
import { ifBridgeAddrs, ifBridgeCmd } from '../net/if_bridge_api.js'
import {
  ifGreSetKey,
  ifGreSetOpts,
  ifGreSetPort,
  ifLaggPort,
  ifLaggSetProto,
  ifSetPcp,
  ifTunnelDelete,
  ifTunnelSet,
  ifTunnelSet6,
  ifVlanSet,
  ifVlanSetPcp,
} from '../net/if_l2_api.js'
import { inet6Api } from '../net/inet6_api.js'
import { type KeyRequest, keyCtl } from '../net/key_api.js'
import { mroute6Tables, mrouteTables } from '../net/mroute_api.js'
import { ngSocket, rawSocket } from '../net/rawsock_api.js'
import {
  arpDelete,
  arpFlush,
  arpGet,
  arpList,
  arpSet,
  nhgrpList,
  nhopList,
  routeAdd,
  routeChange,
  routeDelete,
  routeFlush,
  routeGen,
  routeGet,
  routeList,
  routeMonitor,
  sourceAddr,
} from '../net/route_api.js'
import { ipfwCtl } from '../netpfil/ipfw_api.js'
import type { Mroute6Tables, MrouteTables } from '../sys/mroute.js'
import {
  type ArpInfo,
  type BpfFd,
  type BpfOpenOptions,
  type BpfPoint,
  type BridgeAddrInfo,
  type BridgeCmd,
  type CarpSetReq,
  type CarpVhidInfo,
  type DevctlFd,
  type DivertSocket,
  type IfInfo,
  type IgmpIfinfoView,
  type Inet6Syscalls,
  type IpfwReply,
  type IpfwRequest,
  type JailInfo,
  type KldInfo,
  type NgSocket,
  type NhgrpInfo,
  type NhopInfo,
  type ProcInfo,
  type ProtoName,
  type RawSocket,
  type RouteInfo,
  type RouteMonitorFd,
  type RouteSpec,
  SLICE_STEPS,
  type SockAddrIn,
  type SocketFd,
  type SocketInfo,
  type Syscalls,
  type SysctlInfo,
  type TunFd,
  type VlanParams,
} from '../syscalls.js'
import { Caller } from './caller.js'
import { jailCreate, jailInfo, jailModify, jailRemove, lookupJail, reapIfIdle } from './jails.js'
import {
  getrandom,
  kill,
  nanosleep,
  now,
  preempt,
  procExit,
  procList,
  procStart,
  setfib,
} from './proc_api.js'
import { rctlAddRule, rctlGetLimits, rctlGetRacct, rctlGetRules, rctlRemoveRule } from './rctl_api.js'
import { socketList, socketOpen, tcpDropConn } from './sockets.js'
import { protoStats, sysctlGet, sysctlList, sysctlSet } from './sysctl_api.js'

export class KernelApi implements Syscalls {
  private readonly caller: Caller

  constructor(host: Host, cred: Cred, pid = -1, fib = 0) {
    this.caller = new Caller(host, cred, pid, fib)
  }

  get uid(): number {
    return this.caller.cred.uid
  }
  get jid(): number {
    return this.caller.cred.prison.jid
  }
  get jailName(): string {
    return this.caller.cred.prison.nameFrom(this.caller.host.prison0) || '0'
  }

  get ruid(): number {
    return this.caller.ruid
  }

  // new Syscalls objects: another process, jail or credential

  asProcess(pid: number): Syscalls {
    const p = this.caller.cred.prison.procs.get(pid)
    if (p === undefined || p.uid !== this.caller.cred.uid || p.ruid !== this.caller.ruid)
      throw new SysError('ESRCH', 'getpid')
    return new KernelApi(this.caller.host, this.caller.cred, pid, this.caller.fib)
  }

  attach(jail: string, uid = this.caller.cred.uid): Syscalls {
    this.caller.priv(Priv.JAIL_ATTACH, 'jail_attach')
    const pr = lookupJail(this.caller.prison, jail)
    if (uid !== this.caller.cred.uid) this.caller.priv(Priv.CRED_SETUID, 'setuid')
    return new KernelApi(this.caller.host, { prison: pr, uid }, -1, this.caller.fib)
  }

  exec(program: string): Syscalls {
    if (!this.caller.host.setuidPrograms.has(program) || this.caller.cred.uid === 0) return this
    return new KernelApi(
      this.caller.host,
      {
        prison: this.caller.cred.prison,
        uid: 0,
        ruid: this.caller.cred.uid,
      },
      this.caller.pid,
      this.caller.fib,
    )
  }

  withUid(uid: number): Syscalls {
    if (!Number.isInteger(uid) || uid < 0 || uid > 0xfffffffe) throw new SysError('EINVAL', 'setuid')
    // As documented in Syscalls: changing uid needs root (PRIV_CRED_SETUID); otherwise any user
    // could become root with withUid(0).
    if (uid !== this.caller.cred.uid) this.caller.priv(Priv.CRED_SETUID, 'setuid')
    return new KernelApi(
      this.caller.host,
      { prison: this.caller.cred.prison, uid },
      this.caller.pid,
      this.caller.fib,
    )
  }

  setuid(uid: number): Syscalls {
    const next = this.withUid(uid)
    const p = this.caller.cred.prison.procs.get(this.caller.pid)
    if (p !== undefined) {
      p.uid = uid
      p.ruid = uid
    }
    return next
  }

  // processes and time (proc_api.ts)

  now(): number {
    return now(this.caller)
  }

  getrandom(len: number): Uint8Array {
    return getrandom(this.caller, len)
  }

  nanosleep(ns: number, until?: Promise<unknown>): Promise<void> {
    return nanosleep(this.caller, ns, until)
  }

  preempt(until?: Promise<unknown>, steps = SLICE_STEPS): Promise<void> {
    return preempt(this.caller, until, steps)
  }

  procStart(kill: (signal: number) => void, comm = '', args = comm): number {
    return procStart(this.caller, kill, comm, args)
  }

  setfib(fib: number): void {
    setfib(this.caller, fib)
  }

  get fib(): number {
    return this.caller.fib
  }

  procExit(pid: number): void {
    procExit(this.caller, pid)
  }

  procList(): ProcInfo[] {
    return procList(this.caller)
  }

  kill(pid: number, signal: number): void {
    kill(this.caller, pid, signal)
  }

  // interfaces (if_api.ts)

  ifList(): IfInfo[] {
    return ifList(this.caller)
  }

  ifGet(name: string): IfInfo {
    return ifGet(this.caller, name)
  }

  ifCloners(): string[] {
    return ifCloners(this.caller)
  }

  ifBridgeAdd(bridge: string, member: string): void {
    ifBridgeAdd(this.caller, bridge, member)
  }

  ifBridgeDelete(bridge: string, member: string): void {
    ifBridgeDelete(this.caller, bridge, member)
  }

  ifBridgeCmd(bridge: string, cmd: BridgeCmd): void {
    ifBridgeCmd(this.caller, bridge, cmd)
  }

  ifBridgeAddrs(bridge: string): BridgeAddrInfo[] {
    return ifBridgeAddrs(this.caller, bridge)
  }

  ifVxlanSet(name: string, params: VxlanParams): void {
    ifVxlanSet(this.caller, name, params)
  }

  ifVxlanFlush(name: string, all: boolean): void {
    ifVxlanFlush(this.caller, name, all)
  }

  ifGeneveSet(name: string, params: GeneveParams): void {
    ifGeneveSet(this.caller, name, params)
  }

  ifInetGroups(name: string): number[] {
    return ifInetGroups(this.caller, name)
  }

  ifInetIgmp(name: string): IgmpIfinfoView {
    return ifInetIgmp(this.caller, name)
  }

  ifSetDebug(name: string, on: boolean): void {
    ifSetDebug(this.caller, name, on)
  }

  ifVlanSet(name: string, p: VlanParams): void {
    ifVlanSet(this.caller, name, p)
  }

  ifVlanSetPcp(name: string, pcp: number): void {
    ifVlanSetPcp(this.caller, name, pcp)
  }

  ifSetPcp(name: string, pcp: number): void {
    ifSetPcp(this.caller, name, pcp)
  }

  ifTunnelSet(name: string, src: number, dst: number): void {
    ifTunnelSet(this.caller, name, src, dst)
  }

  ifTunnelSet6(name: string, src: Uint8Array, dst: Uint8Array): void {
    ifTunnelSet6(this.caller, name, src, dst)
  }

  ifTunnelDelete(name: string): void {
    ifTunnelDelete(this.caller, name)
  }

  ifGreSetKey(name: string, key: number): void {
    ifGreSetKey(this.caller, name, key)
  }

  ifGreSetOpts(name: string, set: number, clear: number): void {
    ifGreSetOpts(this.caller, name, set, clear)
  }

  ifGreSetPort(name: string, port: number): void {
    ifGreSetPort(this.caller, name, port)
  }

  ifLaggSetProto(name: string, proto: string): void {
    ifLaggSetProto(this.caller, name, proto)
  }

  ifLaggPort(name: string, port: string, add: boolean): void {
    ifLaggPort(this.caller, name, port, add)
  }

  ifCreate(name: string, params?: CloneParams): string {
    return ifCreate(this.caller, name, params)
  }

  ifCreatePacket(real: string): string {
    return ifCreatePacket(this.caller, real)
  }

  ifDestroy(name: string): void {
    ifDestroy(this.caller, name)
  }

  ifSetUp(name: string, up: boolean): void {
    ifSetUp(this.caller, name, up)
  }

  ifSetMtu(name: string, mtu: number): void {
    ifSetMtu(this.caller, name, mtu)
  }

  ifSetFib(name: string, fib: number, tunnel = false): void {
    ifSetFib(this.caller, name, fib, tunnel)
  }

  ifRename(name: string, newName: string): void {
    ifRename(this.caller, name, newName)
  }

  ifSetMac(name: string, mac: number): void {
    ifSetMac(this.caller, name, mac)
  }

  ifSetDescription(name: string, descr: string): void {
    ifSetDescription(this.caller, name, descr)
  }

  ifAddAddr(
    name: string,
    addr: number,
    prefixLen: number,
    opts: { broadcast?: number; alias?: boolean; dst?: number; vhid?: number } = {},
  ): void {
    ifAddAddr(this.caller, name, addr, prefixLen, opts)
  }

  carpSet(name: string, req: CarpSetReq): void {
    carpSet(this.caller, name, req)
  }

  carpGet(name: string, vhid: number): CarpVhidInfo[] {
    return carpGet(this.caller, name, vhid)
  }

  ifDelAddr(name: string, addr: number): void {
    ifDelAddr(this.caller, name, addr)
  }

  tunOpen(name: string): TunFd {
    return tunOpen(this.caller, name)
  }

  bpfOpen(name: string, opts?: BpfOpenOptions): BpfFd {
    return bpfOpen(this.caller, name, opts)
  }

  bpfList(): BpfPoint[] {
    return bpfList(this.caller)
  }

  devctlOpen(): DevctlFd {
    const c = this.caller
    const pr = c.prison
    if (pr.parent !== null && !pr.ownsVnet) throw new SysError('ENOENT', 'open', '/dev/devctl')
    if (c.cred.uid !== 0) throw new SysError('EACCES', 'open', '/dev/devctl')
    return c.host.env.devctl.open(pr.parent === null ? null : pr.vnet.id)
  }

  ifMoveToJail(name: string, jail: string): void {
    ifMoveToJail(this.caller, name, jail)
  }

  ifReclaimFromJail(name: string, jail: string): void {
    ifReclaimFromJail(this.caller, name, jail)
  }

  // routing and ARP (route_api.ts)

  routeList(): RouteInfo[] {
    return routeList(this.caller)
  }

  routeGen(): number {
    return routeGen(this.caller)
  }

  routeAdd(spec: RouteSpec): void {
    routeAdd(this.caller, spec)
  }

  routeChange(spec: RouteSpec): void {
    routeChange(this.caller, spec)
  }

  routeDelete(dst: number, prefixLen: number, gateway?: number): void {
    routeDelete(this.caller, dst, prefixLen, gateway)
  }

  routeGet(dst: number): RouteInfo & { ifAddr: number } {
    return routeGet(this.caller, dst)
  }

  sourceAddr(dst: number): number {
    return sourceAddr(this.caller, dst)
  }

  routeFlush(): RouteInfo[] {
    return routeFlush(this.caller)
  }

  nhopList(): NhopInfo[] {
    return nhopList(this.caller)
  }

  nhgrpList(): NhgrpInfo[] {
    return nhgrpList(this.caller)
  }

  routeMonitor(): RouteMonitorFd {
    return routeMonitor(this.caller)
  }

  arpList(): ArpInfo[] {
    return arpList(this.caller)
  }

  arpGet(addr: number): ArpInfo {
    return arpGet(this.caller, addr)
  }

  arpSet(addr: number, mac: number, opts: { temp?: boolean; pub?: boolean } = {}): void {
    arpSet(this.caller, addr, mac, opts)
  }

  arpDelete(addr: number): void {
    arpDelete(this.caller, addr)
  }

  arpFlush(): number {
    return arpFlush(this.caller)
  }

  // sysctl (sysctl_api.ts)

  sysctlList(prefix?: string): SysctlInfo[] {
    return sysctlList(this.caller, prefix)
  }

  sysctlGet(name: string): SysctlInfo {
    return sysctlGet(this.caller, name)
  }

  sysctlSet(name: string, value: string): SysctlInfo {
    return sysctlSet(this.caller, name, value)
  }

  protoStats(proto: ProtoName): ReadonlyArray<readonly [string, number]> {
    return protoStats(this.caller, proto)
  }

  mrouteTables(): MrouteTables {
    return mrouteTables(this.caller)
  }

  mroute6Tables(): Mroute6Tables {
    return mroute6Tables(this.caller)
  }

  // raw and netgraph sockets (rawsock_api.ts)

  rawSocket(protocol: number): RawSocket {
    return rawSocket(this.caller, protocol)
  }

  divertSocket(): DivertSocket {
    return divertSocket(this.caller)
  }

  ngSocket(): NgSocket {
    return ngSocket(this.caller)
  }

  // sockets (sockets.ts)

  socket(domain: number, type: number, protocol = 0): SocketFd {
    return socketOpen(
      this.caller.vnet,
      this.caller.cred,
      domain,
      type,
      protocol,
      this.caller.fileTable(),
      this.caller.fib,
    )
  }

  socketList(): SocketInfo[] {
    return socketList(this.caller.vnet, this.caller.cred, this.caller.fileOwners())
  }

  tcpDrop(local: SockAddrIn, foreign: SockAddrIn): void {
    // A write to net.inet.tcp.drop, a vnet sysctl: root of the host or of a jail with its own stack.
    this.caller.priv(this.caller.cred.prison.ownsVnet ? Priv.SYSCTL_WRITEJAIL : Priv.SYSCTL_WRITE, 'sysctl')
    tcpDropConn(this.caller.vnet, local, foreign)
  }

  // hostname and jails (jails.ts)

  getHostname(): string {
    return this.caller.prison.hostname
  }

  setHostname(name: string): void {
    this.caller.priv(Priv.SETHOSTNAME, 'sethostname')
    if (name.length > 255 || /[\s\0]/.test(name)) throw new SysError('EINVAL', 'sethostname')
    this.caller.prison.hostname = name
  }

  jailCreate(params: ReadonlyArray<readonly [string, string | true]>): JailInfo {
    return jailInfo(jailCreate(this.caller.host, this.caller.cred, params), this.caller.prison)
  }

  jailModify(jail: string, params: ReadonlyArray<readonly [string, string | true]>): JailInfo {
    return jailInfo(jailModify(this.caller.host, this.caller.cred, jail, params), this.caller.prison)
  }

  jailRemove(jail: string): void {
    this.caller.priv(Priv.JAIL_REMOVE, 'jail_remove')
    const pr = lookupJail(this.caller.prison, jail)
    jailRemove(this.caller.host, pr)
    // A non-persistent parent whose last child this was dies too (prison_deref).
    reapIfIdle(this.caller.host, pr.parent!)
  }

  jailList(): JailInfo[] {
    const me = this.caller.prison
    return me
      .descendants()
      .filter((p) => !p.dying)
      .sort((a, b) => a.jid - b.jid)
      .map((p) => jailInfo(p, me))
  }

  jailGet(jail: string): JailInfo {
    return jailInfo(lookupJail(this.caller.prison, jail), this.caller.prison)
  }

  // rctl (rctl_api.ts)

  rctlAddRule(rule: string): void {
    rctlAddRule(this.caller.host, this.caller.cred, rule)
  }

  rctlRemoveRule(filter: string): void {
    rctlRemoveRule(this.caller.host, this.caller.cred, filter)
  }

  rctlGetRules(filter: string): string[] {
    return rctlGetRules(this.caller.host, this.caller.cred, filter)
  }

  rctlGetLimits(filter: string): string[] {
    return rctlGetLimits(this.caller.host, this.caller.cred, filter)
  }

  rctlGetRacct(filter: string): string[] {
    return rctlGetRacct(this.caller.host, this.caller.cred, filter)
  }

  // kernel modules, kenv and ipfw (kld.ts, ipfw_api.ts)

  kldload(name: string): number {
    return this.caller.host.kld.load(this.caller.cred, name)
  }

  kldunload(name: string): void {
    this.caller.host.kld.unload(this.caller.cred, name)
  }

  kldstat(): KldInfo[] {
    return this.caller.host.kld.stat()
  }

  kenvList(): Array<readonly [string, string]> {
    return [...this.caller.host.kld.kenv]
  }

  kenvSet(name: string, value: string): void {
    this.caller.host.kld.kenvSet(this.caller.cred, name, value)
  }

  kenvUnset(name: string): void {
    this.caller.host.kld.kenvUnset(this.caller.cred, name)
  }

  ipfwCtl(req: IpfwRequest): IpfwReply {
    return ipfwCtl(this.caller.host, this.caller.cred, req)
  }

  keyCtl(req: KeyRequest): TcpMd5Sa[] {
    return keyCtl(this.caller.host, this.caller.cred, req)
  }

  get inet6(): Inet6Syscalls {
    return inet6Api(this.caller)
  }
}

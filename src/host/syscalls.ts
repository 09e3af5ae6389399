/**
 * The syscall boundary: everything a userland program may ask of the kernel, bound to one
 * credential. Every method checks privilege at the kernel's one choke point (jail/priv.ts) and either
 * does the whole job or throws SysError having changed nothing. Programs never reach past this
 * interface, so isolation between jails is tested simply by running programs.
 */

import type { NgNodeInfo } from '../netgraph/graph.js'
import type { GeneveParams } from '../stack/net/if/geneve/geneve_ctl.js'
import type { CloneParams } from '../stack/net/if/if_clone.js'
import type { VxlanParams } from '../stack/net/if/if_vxlan.js'
import type { SysctlCType } from '../stack/net/sysctl.js'
import type { TcpMd5Sa } from '../stack/netipsec/key.js'
import type { DnObj, DnRequest } from '../stack/netpfil/ipfw/dummynet/dn_h.js'
import type { NatCfg, NatRequest } from '../stack/netpfil/ipfw/ip_fw_nat_cfg.js'
import type { IpfwDynInfo, IpfwRuleInfo, IpfwRuleSpec } from '../stack/netpfil/ipfw/ip_fw_rule.js'
import type {
  IpfwTableEntry,
  IpfwTableInfo,
  IpfwTableRequest,
  TableResult,
} from '../stack/netpfil/ipfw/table/ip_fw_table.js'
import type { KeyRequest } from './net/key_api.js'
import type { BpfFd, BpfOpenOptions, BpfPoint } from './sys/bpf.js'
import type { Mroute6Tables, MrouteTables } from './sys/mroute.js'

/** An open /dev/devctl: each read is one event line (`!system=CARP subsystem=1@em0 type=MASTER`). */
export interface DevctlFd {
  /** The next event, waiting for one; null once closed. */
  read(): Promise<string | null>
  close(): void
}

import type {
  BridgeAddrInfo,
  BridgeCmd,
  CarpSetReq,
  CarpVhidInfo,
  IfInfo,
  TunFd,
  VlanParams,
} from './sys/if.js'
import type { Inet6Syscalls } from './sys/inet6.js'
import type { ArpInfo, NhgrpInfo, NhopInfo, RouteInfo, RouteMonitorFd, RouteSpec } from './sys/route.js'
import type { DivertSocket, ProtoName, RawSocket, SockAddrIn, SocketFd, SocketInfo } from './sys/socket.js'

/**
 * Time slices (Syscalls.preempt): a process yields after SLICE_STEPS steps of work (the shell counts
 * commands, loop iterations and function calls), and in virtual time each slice costs SLICE_NS of
 * CPU time: 100 ms, the length of a ULE time slice, so a shell command costs 100 µs, about what this
 * interpreter takes in wall time. Scripts shorter than a slice cost no time, so their timings stay exact.
 */
export const SLICE_STEPS = 1000

export const SLICE_NS = 100_000_000

export type { CloneParams, GeneveParams, VxlanParams }
export type { GeneveInfo } from '../stack/net/if/geneve/geneve_ctl.js'
export type { GeneveAddr } from '../stack/net/if/geneve/if_geneve.js'

export interface SysctlInfo {
  name: string
  value: number | string
  description: string
  kind: 'int' | 'string'
  /** An integer oid's C type (what sysctl(8) parses a new value into); absent means int. */
  ctype?: SysctlCType
  writable: boolean
}

export interface JailInfo {
  jid: number
  /** Name as the caller sees it (relative to the caller's jail). */
  name: string
  hostname: string
  path: string
  vnet: boolean
  persist: boolean
  childrenMax: number
  childrenCur: number
  /** Parent's jid as the caller sees it (0 = the caller's own jail or above). */
  parent: number
  /** IPv4 addresses of non-vnet jails (ip4.addr); vnet jails list none. */
  ip4: number[]
  /** IPv6 addresses of non-vnet jails (ip6.addr), the primary first. */
  ip6?: Uint8Array[]
  /** All parameters as `jls -n` prints them. */
  params: ReadonlyArray<readonly [string, string]>
}

export type { NgHookInfo, NgNodeInfo } from '../netgraph/graph.js'

export type { SysctlCType } from '../stack/net/sysctl.js'

export { MODE as NatMode } from '../stack/netinet/libalias/alias.js'

export type { TcpMd5Sa } from '../stack/netipsec/key.js'

export type * from '../stack/netpfil/ipfw/dummynet/dn_h.js'

export {
  DN_FS_DEFAULTS,
  DN_MAX_ID,
  FQ_CODEL_DEFAULTS,
  PIE_FLAGS,
  PIE_SCALE,
} from '../stack/netpfil/ipfw/dummynet/dn_h.js'

export type { NatCfg, NatRedirCfg, NatRequest } from '../stack/netpfil/ipfw/ip_fw_nat_cfg.js'

export { NAT_GLOBAL, REDIR as NatRedir } from '../stack/netpfil/ipfw/ip_fw_nat_cfg.js'

export type {
  ActionCode,
  IpfwDynInfo,
  IpfwInsn,
  IpfwRuleInfo,
  IpfwRuleSpec,
  Opcode,
  TableType,
} from '../stack/netpfil/ipfw/ip_fw_rule.js'

export {
  A as IpfwAction,
  IFACE_TABLE,
  IPFW_DEFAULT_RULE,
  insn as ipfwInsn,
  LOOKUP_KEY,
  O as IpfwOp,
  RESVD_SET,
} from '../stack/netpfil/ipfw/ip_fw_rule.js'

export type {
  IpfwTableEntry,
  IpfwTableInfo,
  IpfwTableRequest,
  TableResult,
} from '../stack/netpfil/ipfw/table/ip_fw_table.js'

export type { KeyRequest } from './net/key_api.js'

export type * from './sys/inet6.js'

/** A loaded kernel file as kldstat(2) describes it. */
export interface KldInfo {
  id: number
  refs: number
  address: string
  size: number
  /** File name (`kernel`, `ipfw.ko`). */
  name: string
  /** The module the file holds (absent for the kernel). */
  module?: string
  /** Modules linked into the file (the kernel's built-in ones). */
  contains?: readonly string[]
}

/** ipfw(8)'s requests (the IP_FW3 sockopts). Rule ranges are inclusive; set -1 is any set. */
export type IpfwRequest =
  | { op: 'add'; rules: IpfwRuleSpec[] }
  | { op: 'delete'; lo: number; hi: number; set: number }
  | { op: 'zero'; lo: number; hi: number }
  | { op: 'resetlog'; lo: number; hi: number }
  | { op: 'flush' }
  | { op: 'list' }
  | { op: 'set-enable'; enable: number; disable: number }
  | { op: 'set-move'; from: number; to: number; rule: boolean; swap: boolean }
  | NatRequest
  | IpfwTableRequest
  /** IP_DUMMYNET3: pipes, queues and schedulers (dummynet_api.ts); ENOPROTOOPT without the module. */
  | { op: 'dummynet'; req: DnRequest }

export interface IpfwReply {
  rules?: IpfwRuleInfo[]
  dyn?: IpfwDynInfo[]
  count?: number
  /** Bit i: set i disabled. */
  disabledSets?: number
  /** NAT instances' configurations (nat-get, nat-list) and an instance's log line (nat-log). */
  nat?: NatCfg[]
  natLog?: string
  /** `table`: the tables concerned, their entries, per-entry results and the first failure. */
  tables?: IpfwTableInfo[]
  entries?: IpfwTableEntry[]
  results?: TableResult[]
  tableError?: 'EEXIST' | 'ENOENT' | 'EFBIG' | 'EACCES'
  /** dummynet listings. */
  dn?: DnObj[]
}

/**
 * A netgraph control socket (ng_socket): its own node is `.` in paths. Paths are FreeBSD's
 * (`name:`, `[id]:`, `name:hook.hook`, relative hook paths). Closing it removes its node.
 */
export interface NgSocket {
  /** ID of the socket's own node. */
  readonly id: number
  mkpeer(path: string, type: string, hook: string, peerHook: string): NgNodeInfo
  connect(path: string, relPath: string, hook: string, peerHook: string): void
  name(path: string, name: string): void
  rmhook(path: string, hook: string): void
  shutdown(path: string): void
  /**
   * Send a control message; args in netgraph ASCII form. Returns the response in ASCII, if any, and
   * the command's number in its node type (the `(N)` ngctl prints).
   */
  msg(path: string, cmd: string, args: string): { node: NgNodeInfo; response: string | null; cmd: number }
  /**
   * NGM_LINK_IS_UP / NGM_LINK_IS_DOWN (NGM_FLOW_COOKIE) to the node at `path`, as a program sends
   * them with NgSendMsg (ngctl has no name for them): an ng_eiface's link state follows.
   */
  linkState(path: string, up: boolean): void
  list(): NgNodeInfo[]
  show(path: string): NgNodeInfo
  types(): Array<{ name: string; count: number }>
  /**
   * A capture (bpf descriptor) on the frames that arrive at node `path` through `hook`, i.e. what
   * its peer sends it: on the two ends of a cable, both directions of a link. Ends (reads ENXIO)
   * when the hook is cut. ENOENT for a hook that is not connected.
   */
  tap(path: string, hook: string, opts?: BpfOpenOptions): BpfFd
  close(): void
}

export { MSG, SHUT, SO, SOCK, SOL_SOCKET } from '../kern/socket.js'
export {
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  type IpMreq,
} from '../stack/netinet/in_mcast.js'
export type { TcpInfo } from '../stack/netinet/tcp/tcp_usrreq.js'
/** tcp_fsm.h's tcpstates[]: state names as netstat and sockstat print them, by state number. */
export { TCP_STATE_NAMES } from '../stack/netinet/tcp/tcp_var.js'
export {
  IPV6_JOIN_GROUP,
  IPV6_LEAVE_GROUP,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  type Ipv6Mreq,
} from '../stack/netinet6/mld6/in6_mcast.js'

export * from './sys/bpf.js'
export * from './sys/if.js'
export * from './sys/mroute.js'
export * from './sys/route.js'
export * from './sys/socket.js'

/** A process as kern.proc describes it (the fields ps and killall use). */
export interface ProcInfo {
  pid: number
  /** The parent's pid; 0 when started from outside a process or attached into the jail. */
  ppid: number
  /** p_comm: the program's name. */
  comm: string
  /** The command line, words joined by spaces (kern.proc.args). */
  args: string
  uid: number
  ruid: number
  jid: number
}

/** struct igmp_ifinfo as sysctl net.inet.igmp.ifinfo copies it out. */
export interface IgmpIfinfoView {
  version: number
  flags: number
  rv: number
  qi: number
  qri: number
  uri: number
  v1Timer: number
  v2Timer: number
  v3Timer: number
}

export interface Syscalls {
  /** The credential's uid and jail, for prompts and messages. */
  readonly uid: number
  readonly jid: number
  readonly jailName: string
  /** Host clock in nanoseconds (virtual or real). */
  now(): number
  /** getrandom(2): `len` (at most 256) bytes from the host's seeded generator. */
  getrandom(len: number): Uint8Array
  /**
   * nanosleep(2) on the host clock. If `until` settles first the sleep ends early and its timer is
   * cancelled (an interrupted sleep must not keep virtual time running).
   */
  nanosleep(ns: number, until?: Promise<unknown>): Promise<void>
  /**
   * The end of a time slice: a process that has done `steps` steps of work (the shell counts
   * commands; SLICE_STEPS by default) gives the CPU to every other runnable process and to the host's
   * event loop (input, Ctrl-C), through the host clock's run queue so the order stays deterministic.
   * In virtual time the work is charged as CPU time (SLICE_NS per SLICE_STEPS) on the host's one
   * CPU: charges queue behind each other, so a busy loop or a fork bomb makes time pass as it would
   * on FreeBSD and other processes' sleeps still expire; in real time the wall clock does that.
   * Ends early, giving its timer back, when `until` settles (the process was killed).
   */
  preempt(until?: Promise<unknown>, steps?: number): Promise<void>
  /**
   * Register a new process in the caller's jail, with the caller's uids; `kill` delivers a signal to
   * it (kill(2), or SIGKILL when the jail is removed). `comm` is its name (p_comm). Returns its pid.
   */
  /** setfib(2): the FIB of this process and of what it starts (EINVAL past net.fibs). */
  setfib(fib: number): void
  /** The process's FIB (p_fibnum; net.my_fibnum). */
  readonly fib: number
  procStart(kill: (signal: number) => void, comm?: string, args?: string): number
  /**
   * The Syscalls process `pid` (started by procStart with this credential) runs with: the sockets it
   * opens go into its descriptor table, so sockstat can name their owner. ESRCH for another's pid.
   */
  asProcess(pid: number): Syscalls
  procExit(pid: number): void
  /** The processes the caller can see (its jail and the jails below), by pid: kern.proc.all. */
  procList(): ProcInfo[]
  /**
   * kill(2): send `signal` (0 only checks) to process `pid` of the caller's jail or a jail below it.
   * ESRCH when there is no such process there, EPERM when the caller is not root and shares no uid
   * with it, EINVAL for a bad signal number.
   */
  kill(pid: number, signal: number): void
  /** A new Syscalls for a process attached to jail `jail` (jexec); needs root and a descendant jail. */
  attach(jail: string, uid?: number): Syscalls
  /** A new Syscalls with another uid (setuid programs, jexec -U); needs root unless uid is unchanged. */
  withUid(uid: number): Syscalls
  /**
   * setuid(2) for the calling process: its real and effective uid become `uid` (PRIV_CRED_SETUID
   * unless unchanged, EPERM otherwise) and its process-table entry says so; the returned Syscalls
   * carries the new credential. A daemon dropping root after its setup (tayga -u) uses it.
   */
  setuid(uid: number): Syscalls
  /**
   * execve(2) of `program`: the Syscalls the new image runs with. For programs the host marks
   * set-user-ID root (ping, traceroute — the "file mode" lives in the kernel, since there is no
   * filesystem) the effective uid becomes 0 and `ruid` keeps the caller's; otherwise unchanged.
   */
  exec(program: string): Syscalls
  /** Real uid: differs from `uid` inside a setuid program. */
  readonly ruid: number

  // interfaces
  ifList(): IfInfo[]
  ifGet(name: string): IfInfo
  /** Clone an interface (`epair`, `lo`, `epair7`, `lo3`); returns the new name (for epair, the `a` side). */
  /** SIOCIFCREATE2 with the cloner's parameters (`genevemode`), if any. */
  ifCreate(name: string, params?: CloneParams): string
  /**
   * A tap whose wire is the machine's interface `real`, read and written raw (promiscuous), as a
   * lab's rj45 node takes a NIC over; returns its name. Host root only (EPERM), ENXIO where the
   * platform offers no links; the machine's refusal (EPERM, ENODEV …) carries its reason.
   */
  ifCreatePacket(real: string): string
  ifDestroy(name: string): void
  ifSetUp(name: string, up: boolean): void
  ifSetMtu(name: string, mtu: number): void
  /** SIOCSIFFIB, or with `tunnel` SIOCSTUNFIB: EINVAL unless below net.fibs. */
  ifSetFib(name: string, fib: number, tunnel?: boolean): void
  ifRename(name: string, newName: string): void
  ifSetMac(name: string, mac: number): void
  ifSetDescription(name: string, descr: string): void
  /** SIOCAIFADDR. Without `alias`, replaces the interface's first address, like ifconfig does. */
  ifAddAddr(
    name: string,
    addr: number,
    prefixLen: number,
    opts?: { broadcast?: number; alias?: boolean; dst?: number; vhid?: number },
  ): void
  /** SIOCDIFADDR. */
  ifDelAddr(name: string, addr: number): void
  /** SIOCSVH: create or change a carp(4) vhid; EPROTONOSUPPORT without the carp module. */
  carpSet(name: string, req: CarpSetReq): void
  /** SIOCGVH: one vhid (or all for 0); ENOENT when the interface has none. */
  carpGet(name: string, vhid: number): CarpVhidInfo[]
  /** Move an interface of the caller's vnet into child jail `jail`'s vnet (`ifconfig IF vnet J`). */
  ifMoveToJail(name: string, jail: string): void
  /** Take an interface back from child jail `jail` (`ifconfig IF -vnet J`). */
  ifReclaimFromJail(name: string, jail: string): void
  /**
   * open(2) of /dev/NAME for a tun interface of the caller's vnet: root only (the device is 0600
   * root); ENOENT when there is no such tun, EBUSY when another process holds it open.
   */
  tunOpen(name: string): TunFd
  /**
   * open(2) of /dev/bpf and BIOCSETIF to a capture point of the caller's vnet (an interface, or
   * ipfw0): root only (EACCES), none in a jail without its own vnet (ENOENT), ENXIO for no such point.
   */
  bpfOpen(name: string, opts?: BpfOpenOptions): BpfFd
  /** The capture points bpfOpen takes (pcap_findalldevs: listed to anyone, as getifaddrs does). */
  bpfList(): BpfPoint[]
  /** Interface cloners available (`ifconfig -C`). */
  ifCloners(): string[]
  /** `ifconfig BRIDGE addm MEMBER` (BRDGADD): EBUSY when it is in another bridge, EEXIST in this one. */
  ifBridgeAdd(bridge: string, member: string): void
  /** `ifconfig BRIDGE deletem MEMBER` (BRDGDEL): ENOENT when it is not a member. */
  ifBridgeDelete(bridge: string, member: string): void
  /** The other bridge words (`stp`, `static`, `span`, `priority`...): one BRDG* set command. */
  ifBridgeCmd(bridge: string, cmd: BridgeCmd): void
  /** `ifconfig BRIDGE addr` (BRDGRTS). */
  ifBridgeAddrs(bridge: string): BridgeAddrInfo[]
  /**
   * `ifconfig vxlanN vxlanid … vxlanlocal …` (VXLAN_CMD_SET_*): EBUSY for end points of a running
   * interface, EPERM when a jail repoints one the host made (its socket is the host's).
   */
  ifVxlanSet(name: string, params: VxlanParams): void
  /** `ifconfig vxlanN vxlanflush|vxlanflushall` (VXLAN_CMD_FLUSH). */
  ifVxlanFlush(name: string, all: boolean): void
  /**
   * `ifconfig geneveN geneveid … genevelocal …` (RTM_NEWLINK with IFLA_GENEVE_*): EBUSY with
   * `geneve interface is busy.` for end points of a running or externally controlled interface.
   */
  ifGeneveSet(name: string, params: GeneveParams): void
  /**
   * The IPv4 groups an interface listens to (getifmaddrs, AF_INET): its memberships (sockets' and
   * the kernel's, carp's 224.0.0.18), newest first, then 224.0.0.1
   * once it has an IPv4 address (in_ifinit joins all-hosts).
   */
  ifInetGroups(name: string): number[]
  /** net.inet.igmp.ifinfo for one interface (struct igmp_ifinfo, what ifmcstat prints). */
  ifInetIgmp(name: string): IgmpIfinfoView
  /** `ifconfig IF debug|-debug` (IFF_DEBUG through SIOCSIFFLAGS). */
  ifSetDebug(name: string, on: boolean): void
  /**
   * SIOCSETVLAN: ENOENT for no such parent, EBUSY while another parent is set, EEXIST when the
   * parent already has a vlan with this tag, EPROTONOSUPPORT for a parent that is not Ethernet.
   */
  ifVlanSet(name: string, p: VlanParams): void
  /** SIOCSVLANPCP (`vlanpcp N`, 0..7). */
  ifVlanSetPcp(name: string, pcp: number): void
  /** SIOCSLANPCP: the interface's 802.1p priority, 0..7, or -1 (IFNET_PCP_NONE) for none. */
  ifSetPcp(name: string, pcp: number): void
  /** SIOCSIFPHYADDR (`tunnel SRC DST`) on a gif or gre interface. */
  ifTunnelSet(name: string, src: number, dst: number): void
  /** SIOCSIFPHYADDR_IN6 (`inet6 tunnel SRC DST`). */
  ifTunnelSet6(name: string, src: Uint8Array, dst: Uint8Array): void
  /** SIOCDIFPHYADDR (`deletetunnel`). */
  ifTunnelDelete(name: string): void
  /** GRESKEY (`grekey N`). */
  ifGreSetKey(name: string, key: number): void
  /** GREGOPTS then GRESOPTS (`enable_csum`, `enable_seq` and their `-` forms). */
  ifGreSetOpts(name: string, set: number, clear: number): void
  /** GRESPORT (`udpport N`): 0, or a port of net.inet.ip.portrange.hifirst..hilast. */
  ifGreSetPort(name: string, port: number): void
  /** SIOCSLAGG (`laggproto P`): EPROTONOSUPPORT for lacp, which is not built. */
  ifLaggSetProto(name: string, proto: string): void
  /** SIOCSLAGGPORT / SIOCSLAGGDELPORT (`laggport IF`, `-laggport IF`). */
  ifLaggPort(name: string, port: string, add: boolean): void

  // routing
  routeList(): RouteInfo[]
  /** The FIB's generation, IPv4 and IPv6 (rt_tables_get_gen): moves on every route added, changed or removed. */
  routeGen(): number
  routeAdd(spec: RouteSpec): void
  routeChange(spec: RouteSpec): void
  routeDelete(dst: number, prefixLen: number, gateway?: number): void
  /**
   * The route and source address a packet to dst would use (RTM_GET). Throws ESRCH when none, or
   * when a jail sharing its parent's stack may not see it (only host routes to its own addresses).
   */
  routeGet(dst: number): RouteInfo & { ifAddr: number }
  /**
   * The local address a socket connecting to dst would get (connect + getsockname, as traceroute's
   * findsaddr does): in a jail sharing its parent's stack, one of the jail's addresses. ENETUNREACH
   * when there is no route, EADDRNOTAVAIL when the jail has no address.
   */
  sourceAddr(dst: number): number
  /** Remove all gateway routes (route flush); returns what was removed, for printing. */
  routeFlush(): RouteInfo[]
  /** The FIB's IPv4 nexthops by index (NET_RT_NHOP, `netstat -o`). */
  nhopList(): NhopInfo[]
  /** The FIB's IPv4 nexthop groups by index (NET_RT_NHGRP, `netstat -O`). */
  nhgrpList(): NhgrpInfo[]
  /** A listener to the FIB's IPv4 route changes (RTNLGRP_IPV4_ROUTE), until closed. */
  routeMonitor(): RouteMonitorFd

  // ARP
  arpList(): ArpInfo[]
  arpGet(addr: number): ArpInfo
  arpSet(addr: number, mac: number, opts?: { temp?: boolean; pub?: boolean }): void
  arpDelete(addr: number): void
  arpFlush(): number

  // sysctl
  sysctlList(prefix?: string): SysctlInfo[]
  sysctlGet(name: string): SysctlInfo
  sysctlSet(name: string, value: string): SysctlInfo

  // statistics (netstat -s): counters in display order, names as in FreeBSD's struct *stat
  protoStats(proto: ProtoName): ReadonlyArray<readonly [string, number]>
  /** netstat -g: the multicast routing vif table and forwarding cache; ENOENT without ip_mroute. */
  mrouteTables(): MrouteTables
  /** netstat -g's IPv6 part and -gs: mifs, forwarding cache and mrt6stat; ENOENT without ip6_mroute. */
  mroute6Tables(): Mroute6Tables

  // raw sockets
  rawSocket(protocol: number): RawSocket
  /** socket(PF_DIVERT, SOCK_RAW, 0): EAFNOSUPPORT unless ipdivert is loaded; root of a vnet only. */
  divertSocket(): DivertSocket

  // sockets
  /** socket(2): AF_INET (2) with SOCK_DGRAM (protocol 0 or IPPROTO_UDP) or SOCK_STREAM (0 or IPPROTO_TCP). */
  socket(domain: number, type: number, protocol?: number): SocketFd
  /** The sockets of the caller's stack it may see (netstat -a, sockstat). */
  socketList(): SocketInfo[]
  /**
   * net.inet.tcp.drop (tcpdrop): abort the caller's stack's connection with these endpoints.
   * Root of the host or of a jail owning its stack (EPERM otherwise); ESRCH when there is none.
   */
  tcpDrop(local: SockAddrIn, foreign: SockAddrIn): void

  // netgraph
  /** Open a netgraph control socket in the caller's vnet (needs root with its own vnet). */
  ngSocket(): NgSocket

  // hostname
  getHostname(): string
  setHostname(name: string): void

  // jails
  /** jail_set(2) with JAIL_CREATE: params as name=value pairs (`vnet`, `persist`, `children.max` ...). */
  jailCreate(params: ReadonlyArray<readonly [string, string | true]>): JailInfo
  jailModify(jail: string, params: ReadonlyArray<readonly [string, string | true]>): JailInfo
  jailRemove(jail: string): void
  /** Jails visible to the caller (its descendants), in jid order. */
  jailList(): JailInfo[]
  jailGet(jail: string): JailInfo

  // resource limits (rctl(2)); ENOSYS while kern.racct.enable is 0, EPERM except for prison0's root
  /** rctl_add_rule: `jail:NAME:RESOURCE:deny=AMOUNT` (a rule for the same limit is replaced). */
  rctlAddRule(rule: string): void
  /** rctl_remove_rule: every rule matching the filter; ESRCH when none does. */
  rctlRemoveRule(filter: string): void
  /** rctl_get_rules: the rules matching the filter (`::` for all), as the kernel prints them. */
  rctlGetRules(filter: string): string[]
  /** rctl_get_limits: the rules that apply to process:PID. */
  rctlGetLimits(filter: string): string[]
  /** rctl_get_racct: usage of jail:NAME (and its descendants) as `resource=amount`, FreeBSD's order. */
  rctlGetRacct(filter: string): string[]

  // kernel modules and environment (kld.ts); loading, unloading and setting need prison0's root
  /** kldload(2) by module or file name (`ipfw`, `ipfw.ko`); EEXIST when loaded; returns the file id. */
  kldload(name: string): number
  /** kldfind(2) + kldunload(2): ENOENT when not loaded, EBUSY while another module needs it. */
  kldunload(name: string): void
  kldstat(): KldInfo[]
  /**
   * open("/dev/devctl") for devd(8): root only (EACCES), absent in a jail without its own vnet
   * (ENOENT), EBUSY while another reader of the same scope has it; prison0 reads every vnet's
   * events, a vnet jail its own.
   */
  devctlOpen(): DevctlFd
  /** kenv(2): the variables, in the order they were set. */
  kenvList(): Array<readonly [string, string]>
  kenvSet(name: string, value: string): void
  kenvUnset(name: string): void

  // ipfw (ipfw_api.ts): the caller's own vnet's firewall
  ipfwCtl(req: IpfwRequest): IpfwReply

  // PF_KEY (key_api.ts): the caller's own vnet's TCP-MD5 associations
  keyCtl(req: KeyRequest): TcpMd5Sa[]

  /** IPv6: addresses, routes, neighbors, raw ICMPv6 sockets (sys/inet6.ts). */
  readonly inet6: Inet6Syscalls
}

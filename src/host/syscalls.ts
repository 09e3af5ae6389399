/**
 * The syscall boundary: everything a userland program may ask of the kernel, bound to one
 * credential. Every method checks privilege at the kernel's one choke point (jail/priv.ts) and either
 * does the whole job or throws SysError having changed nothing. Programs never reach past this
 * interface, so isolation between jails is tested simply by running programs.
 */

/** IFF_* flags (net/if.h). */
export const IfFlag = {
  UP: 0x1,
  BROADCAST: 0x2,
  DEBUG: 0x4,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  RUNNING: 0x40,
  NOARP: 0x80,
  PROMISC: 0x100,
  ALLMULTI: 0x200,
  SIMPLEX: 0x800,
  MULTICAST: 0x8000,
} as const

/**
 * Time slices (Syscalls.preempt): a process yields after SLICE_STEPS steps of work (the shell counts
 * commands, loop iterations and function calls), and in virtual time each slice costs SLICE_NS of
 * CPU time: 100 ms, the length of a ULE time slice, so a shell command costs 100 µs, about what this
 * interpreter takes in wall time. Scripts shorter than a slice cost no time, so their timings stay exact.
 */
export const SLICE_STEPS = 1000
export const SLICE_NS = 100_000_000

/** RTF_* flags (net/route.h) as netstat -r shows them. */
export const RtFlag = {
  UP: 0x1, // U
  GATEWAY: 0x2, // G
  HOST: 0x4, // H
  REJECT: 0x8, // R
  STATIC: 0x800, // S
  BLACKHOLE: 0x1000, // B
  LLINFO: 0x400,
  PINNED: 0x100000,
} as const

export interface IfAddrInfo {
  addr: number
  prefixLen: number
  broadcast: number
  /** The peer's address on a point-to-point interface (`inet A --> DST`); 0 or absent on other links. */
  dst?: number
}

export interface IfStats {
  ipackets: number
  ierrors: number
  idrops: number
  ibytes: number
  imcasts: number
  opackets: number
  oerrors: number
  odrops: number
  obytes: number
  omcasts: number
  collisions: number
}

export interface IfInfo {
  name: string
  index: number
  flags: number
  mtu: number
  metric: number
  /** if_fib (`ifconfig IF fib N`) and the tunnel's FIB (`tunnelfib N`). */
  fib?: number
  tunnelFib?: number
  /** Link-layer address, or null for interfaces without one (lo). */
  mac: number | null
  /** The MAC the interface was created with (hwaddr in ifconfig output). */
  hwaddr: number | null
  addrs: IfAddrInfo[]
  groups: string[]
  description: string
  /** `ifconfig` media line, e.g. `Ethernet 10Gbase-T (10Gbase-T <full-duplex>)`; empty when none. */
  media: string
  /** `active` / `no carrier`; empty for interfaces without media. */
  status: string
  /** IFCAP_* enabled, for drivers that declare them (ng_eiface). */
  capenable?: number
  stats: IfStats
  /** For an if_bridge: its members (then span ports), with IFBIF_* flags and port (the member's index). */
  members?: BridgeMemberInfo[]
  /** For an if_bridge: its table and spanning-tree parameters (BRDGPARAM). */
  bridge?: BridgeInfo
  /** IPv6 addresses (`inet6 ... prefixlen ... scopeid ...` lines). */
  inet6?: In6AddrInfo[]
  /** ND6_IFF_* options (`nd6 options=...`). */
  nd6Flags?: number
  /** nd_ifinfo as `ndp -i` shows it (linkMtu 0 until an RA sets one; times in ms). */
  nd6Info?: { linkMtu: number; curHlim: number; baseReachable: number; reachable: number; retrans: number }
  /** For a vxlan interface: its configuration and forwarding-table counters (ifvxlancfg). */
  vxlan?: VxlanInfo
  /** For a vlan interface (SIOCGETVLAN, SIOCGVLANPCP): parent '' when it has none. */
  vlan?: { tag: number; proto: number; pcp: number; parent: string }
  /** For a gif or gre interface with end points set (SIOCGIFPSRCADDR / SIOCGIFPDSTADDR). */
  tunnel?: { src: number; dst: number }
  /** The same for IPv6 end points (SIOCGIFPSRCADDR_IN6 / SIOCGIFPDSTADDR_IN6). */
  tunnel6?: { src: Uint8Array; dst: Uint8Array }
  /** For a gre interface (GREGKEY). */
  greKey?: number
  /** For a gre interface (GREGOPTS): GRE_ENABLE_CSUM 1, GRE_ENABLE_SEQ 2, GRE_UDPENCAP 4. */
  greOpts?: number
  /** For a gre interface (GREGPORT): the GRE-in-UDP source port, 0 for none. */
  grePort?: number
  /** For a lagg interface (SIOCGLAGG): protocol name and ports with LAGG_PORT_* flags. */
  lagg?: { proto: string; ports: Array<{ name: string; flags: number }> }
}

/** One if_bridge member as BRDGGIFS reports it; STP words as ifconfig prints them. */
export interface BridgeMemberInfo {
  name: string
  flags: number
  port: number
  ifmaxaddr: number
  priority: number
  pathCost: number
  proto: string
  role: string
  state: string
  /** The untagged VLAN, 0 for none. */
  untagged: number
  /** The tagged VLANs, ascending. */
  tagged: readonly number[]
}

/** An if_bridge's parameters (ifbropreq, cache size and lifetime); ids are MACs, times seconds. */
export interface BridgeInfo {
  id: number
  priority: number
  hellotime: number
  fwddelay: number
  maxage: number
  holdcnt: number
  proto: string
  maxaddr: number
  timeout: number
  rootId: number
  rootPriority: number
  rootCost: number
  rootPort: number
  /** IFBRF_* flags and the default untagged VLAN (`defuntagged`). */
  flags: number
  defUntagged: number
}

/** One address-table entry (ifbareq): seconds left for a learned one, IFBAF_* flags. */
export interface BridgeAddrInfo {
  mac: number
  vlan: number
  ifname: string
  expire: number
  flags: number
}

/** The BRDG* set commands ifconfig's bridge words issue. */
export type BridgeCmd =
  | { op: 'BRDGSIFFLGS'; member: string; set: number; clear: number }
  | { op: 'BRDGADDS' | 'BRDGDELS'; member: string }
  | { op: 'BRDGSADDR'; member: string; mac: number; vlan?: number }
  | { op: 'BRDGDADDR'; mac: number; vlan?: number }
  | { op: 'BRDGSFLAGS'; set: number; clear: number }
  | { op: 'BRDGSDEFPVID'; value: number }
  | { op: 'BRDGSIFPVID'; member: string; value: number }
  | { op: 'BRDGSIFVLANSET'; member: string; how: 'set' | 'add' | 'del'; vlans: readonly number[] }
  | { op: 'BRDGFLUSH'; all: boolean }
  | {
      op:
        | 'BRDGSCACHE'
        | 'BRDGSTO'
        | 'BRDGSHT'
        | 'BRDGSFD'
        | 'BRDGSMA'
        | 'BRDGSPRI'
        | 'BRDGSPROTO'
        | 'BRDGSTXHC'
      value: number
    }
  | { op: 'BRDGSIFPRIO' | 'BRDGSIFCOST' | 'BRDGSIFAMAX'; member: string; value: number }

/** `ifconfig vlanN vlan TAG vlandev IF [vlanproto P]` (SIOCSETVLAN); parent '' unconfigures. */
export interface VlanParams {
  tag: number
  parent: string
  /** ETHERTYPE_VLAN (0x8100) or ETHERTYPE_QINQ (0x88a8). */
  proto: number
}

export type { VxlanParams }

export interface VxlanInfo extends VxlanConfig {
  ftableCount: number
  ftableNospace: number
  running: boolean
}

export interface RouteInfo {
  dst: number
  prefixLen: number
  /** Next hop for gateway routes; for interface routes, 0. */
  gateway: number
  /** For interface (connected) routes the link is named instead of a gateway: `link#N`. */
  gatewayIfIndex: number
  ifName: string
  flags: number
  mtu: number
  /** Packets sent through this route. */
  use: number
  /** The path's weight in a multipath route (1 unless `-weight N`). */
  weight?: number
}

export interface RouteSpec {
  dst: number
  prefixLen: number
  gateway?: number
  /** `-interface IF`: route directly out of IF. */
  ifName?: string
  blackhole?: boolean
  reject?: boolean
  mtu?: number
  /** route(8)'s `-proto1` / `-proto2`: RTF_PROTO1 / RTF_PROTO2, as routing daemons mark their routes. */
  proto1?: boolean
  proto2?: boolean
  /** `-nostatic`: no RTF_STATIC, as for a route a daemon (not an administrator) added. */
  nostatic?: boolean
  /** `-weight N`: the path's share of a multipath route's flows. */
  weight?: number
}

export interface ArpInfo {
  addr: number
  /** null while incomplete. */
  mac: number | null
  ifName: string
  permanent: boolean
  published: boolean
  /** Seconds until expiry, or -1 for permanent entries. */
  expiresIn: number
}

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

export interface SendOptions {
  ttl?: number
  tos?: number
  src?: number
  /** Set the IP Don't Fragment bit. */
  df?: boolean
  /** Bypass routing: send on the interface of a directly connected destination (SO_DONTROUTE). */
  dontRoute?: boolean
  /** Raw sockets, group destinations: IP_MULTICAST_IF (an address of the interface; 0 by route). */
  multicastIf?: number
  /** Raw sockets, group destinations: IP_MULTICAST_LOOP (default on). */
  multicastLoop?: boolean
  /** IP_VLAN_PCP: 802.1p priority of the frames this socket sends, 0..7; -1 or absent: the interface's. */
  vlanPcp?: number
  /** IP_OPTIONS: option bytes for the header, a multiple of 4 and at most 40 (EINVAL otherwise). */
  ipOptions?: Uint8Array
}

/** What a raw socket receives (the stack's own record of it). */
export type RawPacket = RawDatagram

/** A raw IP socket (SOCK_RAW) for one protocol: what ping and traceroute use. */
export interface RawSocket {
  /**
   * Send `payload` (the protocol header and data, without IP header) to dst; returns the source
   * address chosen. Throws SysError (EHOSTUNREACH, ENETUNREACH, EMSGSIZE, ENOBUFS, EHOSTDOWN ...).
   */
  send(dst: number, payload: Uint8Array, opts?: SendOptions): number
  /** Next datagram of this protocol received by the vnet, or null after timeoutNs. */
  recv(timeoutNs: number): Promise<RawPacket | null>
  close(): void
}

/** A divert(4) socket's sockaddr_in: sin_addr, sin_port (a rule number) and sin_zero's interface name. */
export interface DivertAddr {
  addr: number
  port: number
  ifName: string
}

export interface DivertPacket extends DivertAddr {
  /** The whole IPv4 packet, header included. */
  data: Uint8Array
}

/** socket(PF_DIVERT, SOCK_RAW, 0) (divert_api.ts). */
export interface DivertSocket {
  /** bind(2) to a divert port (0: an ephemeral one); EADDRINUSE when taken. */
  bind(port: number): void
  /** The bound port, 0 before bind. */
  readonly port: number
  /** recvfrom(2): the next packet diverted to the port, or null after timeoutNs (or once closed). */
  recv(timeoutNs: number): Promise<DivertPacket | null>
  /** sendto(2): re-inject a whole IPv4 packet (to input when to.addr is set, else to output). */
  send(data: Uint8Array, to: DivertAddr | null): void
  /** Packets dropped because the receive buffer was full. */
  readonly drops: number
  close(): void
}

import type { NgNodeInfo } from '../netgraph/graph.js'
import type { BpfFilter, BpfRecord } from '../stack/net/bpf/bpf.js'
import type { VxlanConfig, VxlanParams } from '../stack/net/if_vxlan.js'
import type { SysctlCType } from '../stack/net/sysctl.js'
import type { RawDatagram } from '../stack/netinet/raw.js'
import type { TcpMd5Sa } from '../stack/netipsec/key.js'
import type { DnObj, DnRequest } from '../stack/netpfil/ipfw/dummynet/dn_h.js'
import type { NatCfg, NatRequest } from '../stack/netpfil/ipfw/ip_fw_nat_cfg.js'
import type { IpfwDynInfo, IpfwRuleInfo, IpfwRuleSpec } from '../stack/netpfil/ipfw/ip_fw_rule.js'
import type {
  IpfwTableEntry,
  IpfwTableInfo,
  IpfwTableRequest,
  TableResult,
} from '../stack/netpfil/ipfw/ip_fw_table.js'
import type { KeyRequest } from './key_api.js'
import type { In6AddrInfo, Inet6Syscalls } from './syscalls6.js'

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
} from '../stack/netpfil/ipfw/ip_fw_table.js'
export type { KeyRequest } from './key_api.js'
export type * from './syscalls6.js'

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

export type ProtoName = 'ip' | 'icmp' | 'arp' | 'udp' | 'tcp'

export { MSG, SHUT, SO, SOCK, SOL_SOCKET } from '../kern/socket.js'
/** tcp_fsm.h's tcpstates[]: state names as netstat and sockstat print them, by state number. */
export { TCP_STATE_NAMES } from '../stack/netinet/tcp/tcp_var.js'
export const AF_INET = 2
export const AF_INET6 = 28
/** IPPROTO_IPV6 options (netinet6/in6.h). */
export const IPPROTO_IPV6 = 41
export const IPV6_UNICAST_HOPS = 4
export const IPV6_V6ONLY = 27
export const IPV6_TCLASS = 61
export {
  IPV6_JOIN_GROUP,
  IPV6_LEAVE_GROUP,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  type Ipv6Mreq,
} from '../stack/netinet6/in6_mcast.js'
export const IPPROTO_IP = 0
/** IPPROTO_IP options (netinet/in.h). */
export const IP_TOS = 3
export const IP_TTL = 4
export {
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  type IpMreq,
} from '../stack/netinet/in_mcast.js'
export const IPPROTO_TCP = 6
/** IPPROTO_TCP options (netinet/tcp.h). */
export const TCP_NODELAY = 1
export const TCP_MAXSEG = 2
export const TCP_NOPUSH = 4
export const TCP_NOOPT = 8
export const TCP_MD5SIG = 16
export const TCP_KEEPINIT = 128
export const TCP_KEEPIDLE = 256
export const TCP_KEEPINTVL = 512
export const TCP_KEEPCNT = 1024
/** The peer's UDP port for TCP over UDP (net.inet.tcp.udp_tunneling_port must be set); before connect. */
export const TCP_REMOTE_UDP_ENCAPS_PORT = 71

export type { TcpInfo } from '../stack/netinet/tcp/tcp_usrreq.js'

import type { IpMreq } from '../stack/netinet/in_mcast.js'
import type { TcpInfo } from '../stack/netinet/tcp/tcp_usrreq.js'
import type { Ipv6Mreq } from '../stack/netinet6/in6_mcast.js'

/**
 * A transport address: struct sockaddr_in, or with `addr6` a struct sockaddr_in6 (AF_INET6 sockets
 * take and give these; `addr` is then the IPv4 address of a v4-mapped `addr6`, else 0, and
 * `scopeId` the interface index of a link-scoped address, sin6_scope_id).
 */
export interface SockAddrIn {
  addr: number
  port: number
  addr6?: Uint8Array
  scopeId?: number
}

/**
 * An open socket, as a process holds it (the object behind its file descriptor). Calls throw
 * SysError with FreeBSD's errno (EADDRINUSE, EACCES, EISCONN, EAGAIN ...) and change nothing then.
 */
export interface SocketFd {
  readonly type: number
  bind(sa: SockAddrIn): void
  /**
   * connect(2). Datagram: sets the peer at once (resolves). Stream: starts the handshake; blocking,
   * resolves when ESTABLISHED or rejects (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH ...); non-blocking,
   * rejects EINPROGRESS at once (then pollOut() and getsockopt(SOL_SOCKET, SO_ERROR)); EALREADY
   * while one is in progress, EISCONN once connected.
   */
  connect(sa: SockAddrIn): Promise<void>
  /** connect(2) to AF_UNSPEC: a datagram socket forgets its peer. */
  disconnect(): void
  /** listen(2): EOPNOTSUPP on datagram sockets; EINVAL if connected. */
  listen(backlog: number): void
  /**
   * accept(2): the next completed connection, waiting up to timeoutNs (default forever); EAGAIN
   * when non-blocking or timed out; EINVAL when not listening.
   */
  accept(timeoutNs?: number): Promise<{ fd: SocketFd; from: SockAddrIn }>
  /**
   * write(2)/send(2): bytes queued. Blocking: waits for room until all is queued. Non-blocking:
   * what fits, or EAGAIN if nothing. EPIPE after shutdown(SHUT_WR) or when the connection is gone
   * (ECONNRESET/ETIMEDOUT reported once first via the pending error), ENOTCONN before connect.
   */
  send(data: Uint8Array, flags?: number): Promise<number>
  /**
   * read(2)/recv(2): up to max bytes; an empty array at EOF. MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL.
   * Waits up to timeoutNs (default forever), then EAGAIN. A pending error is reported once.
   */
  recv(max: number, flags?: number, timeoutNs?: number): Promise<Uint8Array>
  /** poll(2) POLLOUT: connected (or failed) and room in the send buffer. */
  pollOut(timeoutNs: number): Promise<boolean>
  /** TCP_INFO (stream sockets; EOPNOTSUPP otherwise). */
  tcpInfo(): TcpInfo
  /** Send one datagram (to `to`, or to the connected peer); returns the bytes sent. */
  sendto(data: Uint8Array, to?: SockAddrIn, flags?: number): number
  /**
   * The next datagram (at most `max` bytes; MSG_TRUNC in flags when it was longer). Waits up to
   * `timeoutNs` (default: forever), then fails with EAGAIN; MSG_DONTWAIT or non-blocking mode fail
   * at once. A pending error (ICMP port unreachable on a connected socket ...) is reported once.
   */
  recvfrom(
    max: number,
    flags?: number,
    timeoutNs?: number,
  ): Promise<{ data: Uint8Array; from: SockAddrIn; flags: number; hlim?: number }>
  getsockname(): SockAddrIn
  getpeername(): SockAddrIn
  /**
   * A number, or for IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP a struct ip_mreq(n), for
   * IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP a struct ipv6_mreq. recvfrom on an AF_INET6 socket also
   * gives the hop limit the datagram arrived with (IPV6_HOPLIMIT).
   */
  setsockopt(level: number, name: number, value: number | IpMreq | Ipv6Mreq): void
  getsockopt(level: number, name: number): number
  /** fcntl(F_SETFL, O_NONBLOCK). */
  setNonBlocking(on: boolean): void
  shutdown(how: number): void
  /** poll(2) for POLLIN: whether the socket is readable, waiting up to timeoutNs. */
  pollIn(timeoutNs: number): Promise<boolean>
  close(): void
}

/**
 * An open tun(4) device (`/dev/tunN`): the process's end of a point-to-point interface. What the
 * stack routes out of tunN is read here; what is written here arrives on tunN. Packets are whole
 * IPv4 packets, no link header. Closing it takes the interface down (if_tun's last close).
 */
export interface TunFd {
  /** write(2): one IP packet into the stack; EIO when the interface is down or it is too large. */
  write(packet: Uint8Array): void
  /**
   * read(2): the next packet the stack sent, waiting up to timeoutNs (default forever), then EAGAIN;
   * EINTR as soon as `until` settles (a signal) with nothing read.
   */
  read(timeoutNs?: number, until?: Promise<unknown>): Promise<Uint8Array>
  close(): void
}

/** A capture point `tcpdump -D` lists (pcap_findalldevs). */
export interface BpfPoint {
  name: string
  /** Link type (DLT_EN10MB 1, DLT_NULL 0). */
  dlt: number
  up: boolean
  loopback: boolean
  ether: boolean
}

/** What a bpf descriptor is set up with before it attaches (BIOCSBLEN, BIOCSETF, BIOCSDIRECTION). */
export interface BpfOpenOptions {
  /** A compiled filter (libpcap's program); none accepts everything. */
  filter?: BpfFilter
  /** Bytes kept of each packet, 1..262144 (default 262144). */
  snaplen?: number
  /** Size of each of the two buffers, 4096..524288 (default 524288). */
  bufsize?: number
  direction?: 'in' | 'out' | 'inout'
}

/**
 * An open /dev/bpf attached to a capture point. Records handed to read's visitor are valid only
 * during the call (copy what you keep).
 */
export interface BpfFd {
  readonly name: string
  readonly dlt: number
  /**
   * read(2): visit the buffered records; waits up to timeoutNs (default forever) for one, and returns
   * how many were visited: 0 on timeout or as soon as `until` settles. ENXIO once the point is gone.
   */
  read(visit: (r: BpfRecord) => void, timeoutNs?: number, until?: Promise<unknown>): Promise<number>
  /** BIOCSETF: replace the filter (null accepts everything). */
  setFilter(filter: BpfFilter | null): void
  /**
   * write(2) with BIOCSHDRCMPLT set: `frame` (link header included) goes out of the interface as it
   * is, as dhclient and dhcpd send before an address exists. ENXIO when the point is gone or is not
   * an Ethernet interface, ENETDOWN when it is down, EMSGSIZE past the MTU or shorter than a header.
   */
  write(frame: Uint8Array): void
  /** BIOCGSTATS: packets that reached the filter, and accepted packets dropped for want of buffer. */
  stats(): { recv: number; drop: number }
  close(): void
}

/** One socket as netstat -a and sockstat show it. */
export interface SocketInfo {
  /** tcp46 / udp46: a wildcard AF_INET6 endpoint that takes IPv4 too. */
  proto: 'udp4' | 'tcp4' | 'udp6' | 'tcp6' | 'udp46' | 'tcp46'
  laddr: number
  lport: number
  faddr: number
  fport: number
  /** IPv6 endpoints (tcp6, tcp46 ...): the addresses, and the zone of link-scoped ones. */
  laddr6?: Uint8Array
  faddr6?: Uint8Array
  scopeId?: number
  recvQ: number
  sendQ: number
  /** TCP state name; empty for UDP. */
  state: string
  /**
   * The TCP stack (function block) of a connection, as xt_stack: `freebsd`. Empty for UDP and for
   * syncache entries, which syncache_pcblist() exports zeroed.
   */
  stack: string
  uid: number
  /** The process holding it (kern.file), when the caller may see one; sockstat's `?` otherwise. */
  owner?: SocketOwner
}

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

/** A process's descriptor for a socket, as kern.file describes it (struct xfile). */
export interface SocketOwner {
  pid: number
  fd: number
  /** p_comm of the process. */
  command: string
  /** The jail the process runs in (ki_jid). */
  jid: number
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
  ifCreate(name: string): string
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
    opts?: { broadcast?: number; alias?: boolean; dst?: number },
  ): void
  /** SIOCDIFADDR. */
  ifDelAddr(name: string, addr: number): void
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
  /** kenv(2): the variables, in the order they were set. */
  kenvList(): Array<readonly [string, string]>
  kenvSet(name: string, value: string): void
  kenvUnset(name: string): void

  // ipfw (ipfw_api.ts): the caller's own vnet's firewall
  ipfwCtl(req: IpfwRequest): IpfwReply

  // PF_KEY (key_api.ts): the caller's own vnet's TCP-MD5 associations
  keyCtl(req: KeyRequest): TcpMd5Sa[]

  /** IPv6: addresses, routes, neighbors, raw ICMPv6 sockets (syscalls6.ts). */
  readonly inet6: Inet6Syscalls
}

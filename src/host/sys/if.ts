/**
 * What the syscall interface says about interfaces (net/if.h, if_bridgevar.h, if_vlan_var.h):
 * flags, addresses, statistics and the bridge, VLAN, VXLAN and tun records. Types and constants only.
 */

import type { GeneveInfo } from '../../stack/net/if/geneve/geneve_ctl.js'
import type { VxlanConfig } from '../../stack/net/if/if_vxlan.js'
import type { CarpInfo, CarpReq } from '../../stack/netinet/carp/carp_ioctl.js'
import type { In6AddrInfo } from './inet6.js'

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

export interface IfAddrInfo {
  addr: number
  prefixLen: number
  broadcast: number
  /** The peer's address on a point-to-point interface (`inet A --> DST`); 0 or absent on other links. */
  dst?: number
  /** The carp(4) vhid the address belongs to (` vhid N`), absent for none. */
  vhid?: number
}

/** One carp(4) vhid of an interface as SIOCGVH reports it (struct carpreq), the key only to a privileged caller. */
export type CarpVhidInfo = CarpInfo

/** SIOCSVH's request: the fields `ifconfig IF vhid N ...` sets. */
export type CarpSetReq = CarpReq

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
  /** carp(4)'s vhids on the interface (`carp: MASTER vhid 1 ...`), absent without carp. */
  carp?: CarpVhidInfo[]
  /** ND6_IFF_* options (`nd6 options=...`). */
  nd6Flags?: number
  /** nd_ifinfo as `ndp -i` shows it (linkMtu 0 until an RA sets one; times in ms). */
  nd6Info?: { linkMtu: number; curHlim: number; baseReachable: number; reachable: number; retrans: number }
  /** For a vxlan interface: its configuration and forwarding-table counters (ifvxlancfg). */
  vxlan?: VxlanInfo
  /** For a geneve interface: its configuration and forwarding-table counters (geneve_clone_dump_nl). */
  geneve?: GeneveInfo
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

export interface VxlanInfo extends VxlanConfig {
  ftableCount: number
  ftableNospace: number
  running: boolean
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

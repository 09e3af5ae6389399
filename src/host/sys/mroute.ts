/**
 * What the syscall interface says about IPv4 multicast routing (netinet/ip_mroute.h): the socket
 * option numbers and structures of multicast(4), and the virtual interface table and forwarding
 * cache as the net.inet.ip.viftable and net.inet.ip.mfctable sysctls give them to netstat -g.
 * Types and constants only.
 */

export {
  IGMPMSG_NOCACHE,
  IGMPMSG_WHOLEPKT,
  IGMPMSG_WRONGVIF,
  MAXVIFS,
  type MfcCtl,
  MRT_ADD_BW_UPCALL,
  MRT_ADD_MFC,
  MRT_ADD_VIF,
  MRT_API_CONFIG,
  MRT_API_SUPPORT,
  MRT_ASSERT,
  MRT_DEL_BW_UPCALL,
  MRT_DEL_MFC,
  MRT_DEL_VIF,
  MRT_DONE,
  MRT_INIT,
  MRT_MFC_FLAGS_BORDER_VIF,
  MRT_MFC_FLAGS_DISABLE_WRONGVIF,
  MRT_MFC_RP,
  MRT_VERSION,
  VIFF_REGISTER,
  VIFF_TUNNEL,
  type VifCtl,
} from '../../stack/netinet/ip_mroute/ip_mroute_var.js'

/** One used slot of struct vif[MAXVIFS]. */
export interface VifInfo {
  vifi: number
  flags: number
  threshold: number
  lclAddr: number
  rmtAddr: number
  /** The interface the vif stands for. */
  ifName: string
  pktIn: number
  pktOut: number
  bytesIn: number
  bytesOut: number
}

/** One struct mfc; `pending` while its upcall is unanswered (parent then -1, no TTLs). */
export interface MfcInfo {
  origin: number
  group: number
  parent: number
  pktCnt: number
  byteCnt: number
  wrongIf: number
  /** mfc_ttls[0..MAXVIFS-1]. */
  ttls: number[]
  pending: boolean
}

export interface MrouteTables {
  vifs: VifInfo[]
  mfc: MfcInfo[]
}

export {
  MAXMIFS,
  type Mf6cCtl,
  MIFF_REGISTER,
  type Mif6Ctl,
  MRT6_ADD_MFC,
  MRT6_ADD_MIF,
  MRT6_DEL_MFC,
  MRT6_DEL_MIF,
  MRT6_DONE,
  MRT6_INIT,
  MRT6_PIM,
  MRT6MSG_NOCACHE,
  MRT6MSG_WHOLEPKT,
  MRT6MSG_WRONGMIF,
} from '../../stack/netinet6/ip6_mroute/ip6_mroute_var.js'

/** One used slot of struct mif6[MAXMIFS] (net.inet6.ip6.mif6table). */
export interface Mif6Info {
  mifi: number
  flags: number
  ifName: string
  pktIn: number
  pktOut: number
  bytesIn: number
  bytesOut: number
}

/** One struct mf6c (net.inet6.ip6.mf6ctable); `waiting`: packets held for the daemon's answer. */
export interface Mf6cInfo {
  origin: Uint8Array
  group: Uint8Array
  parent: number
  pktCnt: number
  byteCnt: number
  wrongIf: number
  /** The mifs of mf6c_ifset. */
  ifset: number[]
  waiting: number
}

/** The IPv6 tables and struct mrt6stat (net.inet6.ip6.mrt6stat), counters in display order. */
export interface Mroute6Tables {
  mifs: Mif6Info[]
  mfc: Mf6cInfo[]
  stats: ReadonlyArray<readonly [string, number]>
}

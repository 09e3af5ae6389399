/**
 * The NAT instance configuration shared by the kernel and ipfw(8) (FreeBSD's struct nat44_cfg_nat,
 * nat44_cfg_redir in netinet/ip_fw.h) and the requests that carry it (the IP_FW_NAT44_* sockopts).
 * ipfw(8) builds it from `ipfw nat N config ...` and prints it back for `show config`.
 *
 * Plain data and constants only: no state, nothing about packets.
 */

/** Redirect kinds (REDIR_ADDR, REDIR_PORT, REDIR_PROTO). */
export const REDIR = { ADDR: 1, PORT: 2, PROTO: 4 } as const

export interface NatRedirCfg {
  mode: number
  /** Protocol of a port or protocol redirect. */
  proto: number
  /** Inside (local), public and remote addresses; 0 is "any". */
  laddr: number
  paddr: number
  raddr: number
  lport: number
  pport: number
  rport: number
  /** Ports in the public (and local) range, and in the remote one (1 with rport 0: any port). */
  pportCnt: number
  rportCnt: number
}

export interface NatCfg {
  /** Instance number, 1 and up. */
  id: number
  /** Alias address (0 with `if` until the interface has one). */
  ip: number
  /** `if IF`: the interface whose address the instance follows; empty for `ip`. */
  ifName: string
  /** PKT_ALIAS_* mode bits (libalias/alias.ts MODE). */
  mode: number
  /** `port_range LO-HI` for alias ports; 0 and 0 for the default 32768-65535. */
  portLo: number
  portHi: number
  redirs: NatRedirCfg[]
}

/** The IP_FW_NAT44_* requests, carried by Syscalls.ipfwCtl like the rule requests. */
export type NatRequest =
  | { op: 'nat-config'; cfg: NatCfg }
  | { op: 'nat-destroy'; id: number }
  | { op: 'nat-get'; id: number }
  | { op: 'nat-list' }
  | { op: 'nat-log'; id: number }

/** IP_FW_NAT44_GLOBAL: the `nat global` action's argument. */
export const NAT_GLOBAL = 65535

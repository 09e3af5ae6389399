/**
 * The one privilege choke point (FreeBSD's priv_check → prison_priv_check). Every control-plane call
 * names the privilege it needs; this decides from the credential alone. Whether the *target* is
 * visible (own vnet, a descendant jail) is the caller's separate check: invisible things are simply
 * not found.
 */

import { SysError } from '../util/errno.js'
import type { Prison } from './prison.js'

export const Priv = {
  NET_IFCREATE: 'NET_IFCREATE',
  NET_IFDESTROY: 'NET_IFDESTROY',
  NET_SETIFFLAGS: 'NET_SETIFFLAGS',
  NET_SETIFMTU: 'NET_SETIFMTU',
  NET_SETIFNAME: 'NET_SETIFNAME',
  NET_SETIFDESCR: 'NET_SETIFDESCR',
  NET_SETLLADDR: 'NET_SETLLADDR',
  NET_ADDIFADDR: 'NET_ADDIFADDR',
  NET_DELIFADDR: 'NET_DELIFADDR',
  NET_SETIFVNET: 'NET_SETIFVNET',
  NET_BRIDGE: 'NET_BRIDGE',
  /** vxlan(4) configuration ioctls (PRIV_NET_VXLAN); a vnet jail's root may use them. */
  NET_VXLAN: 'NET_VXLAN',
  /** geneve(4) configuration (PRIV_NET_GENEVE); a vnet jail's root may use it. */
  NET_GENEVE: 'NET_GENEVE',
  /** vlan(4)'s SIOCSETVLAN and SIOCSVLANPCP (PRIV_NET_SETVLANTAG, PRIV_NET_SETVLANPCP). */
  NET_SETVLAN: 'NET_SETVLAN',
  /** SIOCSLANPCP, an interface's 802.1p priority (PRIV_NET_SETLANPCP). */
  NET_SETLANPCP: 'NET_SETLANPCP',
  /** gif/gre end points (PRIV_NET_SETIFPHYS) and GRESKEY (PRIV_NET_GRE). */
  NET_SETIFPHYS: 'NET_SETIFPHYS',
  /** SIOCSIFFIB / SIOCSTUNFIB (PRIV_NET_SETIFFIB). */
  NET_SETIFFIB: 'NET_SETIFFIB',
  /** lagg(4) protocol and ports (PRIV_NET_LAGG). */
  NET_LAGG: 'NET_LAGG',
  NET_ROUTE: 'NET_ROUTE',
  NETINET_RAW: 'NETINET_RAW',
  NETGRAPH_CONTROL: 'NETGRAPH_CONTROL',
  /** Configure ipfw (IP_FW3 sockopts): a vnet jail's root may, for its own stack. */
  NETINET_IPFW: 'NETINET_IPFW',
  /** Open a divert(4) socket (PRIV_NETINET_DIVERT): a vnet jail's root may, in its own stack. */
  NETINET_DIVERT: 'NETINET_DIVERT',
  /** carp(4)'s SIOCSVH and reading a vhid's key (PRIV_NETINET_CARP): a vnet jail's root may. */
  NETINET_CARP: 'NETINET_CARP',
  /** The multicast routing socket options (MRT_*, PRIV_NETINET_MROUTE): a vnet jail's root may. */
  NETINET_MROUTE: 'NETINET_MROUTE',
  // Kernel modules and the kernel environment: no jail holds these.
  KLD_LOAD: 'KLD_LOAD',
  KLD_UNLOAD: 'KLD_UNLOAD',
  KENV_SET: 'KENV_SET',
  KENV_UNSET: 'KENV_UNSET',
  NETINET_RESERVEDPORT: 'NETINET_RESERVEDPORT',
  SYSCTL_WRITE: 'SYSCTL_WRITE',
  SYSCTL_WRITEJAIL: 'SYSCTL_WRITEJAIL',
  JAIL_SET: 'JAIL_SET',
  JAIL_ATTACH: 'JAIL_ATTACH',
  JAIL_REMOVE: 'JAIL_REMOVE',
  SETHOSTNAME: 'SETHOSTNAME',
  CRED_SETUID: 'CRED_SETUID',
  /** Signal a process of another uid (kill(2) by root; a jail's root reaches only its own jails). */
  SIGNAL_DIFFCRED: 'SIGNAL_DIFFCRED',
  // rctl(2): no jail holds these (prison_priv_check grants none), only prison0's root.
  RCTL_GET_RACCT: 'RCTL_GET_RACCT',
  RCTL_GET_RULES: 'RCTL_GET_RULES',
  RCTL_GET_LIMITS: 'RCTL_GET_LIMITS',
  RCTL_ADD_RULE: 'RCTL_ADD_RULE',
  RCTL_REMOVE_RULE: 'RCTL_REMOVE_RULE',
} as const

export type PrivName = (typeof Priv)[keyof typeof Priv]

/** Network configuration a vnet jail's root may do in its own stack. */
const VNET_PRIVS: ReadonlySet<PrivName> = new Set([
  Priv.NET_IFCREATE,
  Priv.NET_IFDESTROY,
  Priv.NET_SETIFFLAGS,
  Priv.NET_SETIFMTU,
  Priv.NET_SETIFNAME,
  Priv.NET_SETIFDESCR,
  Priv.NET_SETLLADDR,
  Priv.NET_ADDIFADDR,
  Priv.NET_DELIFADDR,
  Priv.NET_SETIFVNET,
  Priv.NET_BRIDGE,
  Priv.NET_VXLAN,
  Priv.NET_GENEVE,
  Priv.NET_SETVLAN,
  Priv.NET_SETLANPCP,
  Priv.NET_SETIFPHYS,
  Priv.NET_SETIFFIB,
  Priv.NET_LAGG,
  Priv.NET_ROUTE,
  Priv.NETINET_RAW,
  Priv.NETGRAPH_CONTROL,
  Priv.NETINET_IPFW,
  Priv.NETINET_DIVERT,
  Priv.NETINET_CARP,
  Priv.NETINET_MROUTE,
])

/** Privileges any jail's root has (targets are limited to its descendants elsewhere). */
const JAIL_PRIVS: ReadonlySet<PrivName> = new Set([
  Priv.NETINET_RESERVEDPORT,
  Priv.SYSCTL_WRITEJAIL,
  Priv.JAIL_SET,
  Priv.JAIL_ATTACH,
  Priv.JAIL_REMOVE,
  Priv.CRED_SETUID,
  Priv.SIGNAL_DIFFCRED,
])

export interface Cred {
  readonly prison: Prison
  /** Effective uid: the one privilege checks use. */
  readonly uid: number
  /** Real uid, when it differs (inside a setuid program). */
  readonly ruid?: number
}

export function privAllowed(cred: Cred, priv: PrivName): boolean {
  if (cred.uid !== 0) return false
  const pr = cred.prison
  if (pr.parent === null) return true
  if (JAIL_PRIVS.has(priv)) return true
  if (VNET_PRIVS.has(priv)) return pr.ownsVnet || (priv === Priv.NETINET_RAW && pr.allowRawSockets)
  if (priv === Priv.SETHOSTNAME) return pr.allowSetHostname
  return false
}

/** Throw EPERM unless cred holds priv. */
export function privCheck(cred: Cred, priv: PrivName, op?: string): void {
  if (!privAllowed(cred, priv)) throw new SysError('EPERM', op)
}

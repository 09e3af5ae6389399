/**
 * carp(4)'s calls behind KernelApi (FreeBSD's SIOCSVH / SIOCGVH through carp_ioctl_p, and the vhid
 * of SIOCAIFADDR / SIOCAIFADDR_IN6 through carp_attach_p): each refuses with EPROTONOSUPPORT while
 * the module is not loaded, as the kernel's hooks are then NULL.
 *
 * Must not: look outside the caller's vnet.
 */

import { Priv } from '../../jail/priv.js'
import type { IfAddr, Ifnet } from '../../stack/net/ifnet.js'
import {
  carpAttach,
  carpCheckAttach,
  carpIoctlGet,
  carpIoctlSet,
} from '../../stack/netinet/carp/carp_ioctl.js'
import type { In6Ifaddr } from '../../stack/netinet6/in6_var.js'
import { SysError } from '../../util/errno.js'
import type { Caller } from '../kern/caller.js'
import type { CarpSetReq, CarpVhidInfo, IfInfo } from '../sys/if.js'

function loaded(c: Caller, op: string): void {
  if (!c.host.kld.loaded('carp')) throw new SysError('EPROTONOSUPPORT', op)
}

/** SIOCSVH: create or change vhid `req.vhid` on `name`. */
export function carpSet(c: Caller, name: string, req: CarpSetReq): void {
  loaded(c, 'SIOCSVH')
  const ifp = c.ifp(name, 'SIOCSVH')
  c.priv(Priv.NETINET_CARP, 'SIOCSVH')
  carpIoctlSet(ifp, req)
}

/** SIOCGVH: vhid `vhid` of `name`, or all of them for 0; ENOENT when there is none. */
export function carpGet(c: Caller, name: string, vhid: number): CarpVhidInfo[] {
  loaded(c, 'SIOCGVH')
  return carpIoctlGet(c.ifp(name, 'SIOCGVH'), vhid, mayCarp(c))
}

function mayCarp(c: Caller): boolean {
  try {
    c.priv(Priv.NETINET_CARP)
    return true
  } catch {
    return false
  }
}

/**
 * The attach step of an address add with a vhid (checked now, before anything changes; run by
 * ifAddAddr / in6AddAddr once the address exists); undefined for an address without one.
 */
export function carpAttacher(
  c: Caller,
  ifp: Ifnet,
  vhid: number | undefined,
  op: string,
): ((ifa: IfAddr | In6Ifaddr) => void) | undefined {
  if (vhid === undefined || vhid === 0) return undefined
  if (!c.host.kld.loaded('carp')) throw new SysError('EPROTONOSUPPORT', op)
  try {
    carpCheckAttach(ifp, vhid)
  } catch (e) {
    if (e instanceof SysError) throw new SysError(e.code, op)
    throw e
  }
  return (ifa) => carpAttach(ifa, vhid)
}

/** IfInfo.carp: the interface's vhids, as ifconfig's carp_status asks for them. */
export function carpInfo(c: Caller, ifp: Ifnet): Pick<IfInfo, 'carp'> {
  if (ifp.carp === null) return {}
  return { carp: carpIoctlGet(ifp, 0, mayCarp(c)) }
}

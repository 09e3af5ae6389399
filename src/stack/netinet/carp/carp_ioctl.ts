/**
 * carp(4)'s configuration (ip_carp.c's carp_ioctl SIOCSVH / SIOCGVH, carp_attach, carp_detach,
 * carp_alloc_if / carp_free_if, carp_ifdetach): creating a vhid on an interface, setting its
 * advbase, advskew, key, peer and state, binding addresses to it and letting them go, and what an
 * interface leaving its vnet takes with it.
 *
 * Must not: change anything before every check has passed (errors are SysErrors with FreeBSD's
 * errno), or run the protocol itself (ip_carp.ts).
 */

import { SysError } from '../../../util/errno.js'
import {
  CARP_DFLTINTV,
  CARP_KEY_LEN,
  CARP_MAXVHID,
  CARP_VERSION,
  IN6ADDR_CARP_GROUP,
  INADDR_CARP_GROUP,
} from '../../../wire/inet/carp.js'
import { VRRP_MAX_INTERVAL, VRRP_VERSION } from '../../../wire/inet/vrrp.js'
import { IFF, type IfAddr, type Ifnet, removeConnectedRoutes } from '../../net/ifnet.js'
import { Slot, type Vnet } from '../../net/vnet.js'
import type { In6Ifaddr } from '../../netinet6/in6_var.js'
import { in6IfJoin, in6IfLeave } from '../../netinet6/mld6/in6_mcast.js'
import { igmpJoinGroup, igmpLeaveGroup } from '../igmp/igmp.js'
import { carpHmacPrepare } from './carp_hmac.js'
import { CarpIf, type CarpIfOps, CarpSoftc, CarpState, type CarpVnet, carpVnet, isV6 } from './carp_var.js'
import {
  delroute,
  demoteAdj,
  masterDown,
  masterDownLocked,
  scState,
  sendAd,
  setrun,
  setState,
  vrrpResign,
} from './ip_carp.js'

/** struct carpreq (with FreeBSD 14's carpr_addr / carpr_addr6): what SIOCSVH sets. */
export interface CarpReq {
  vhid: number
  /** CarpState; a change from the current one moves the vhid (`state master|backup`). */
  state: number
  /** 0 keeps the current one. */
  advbase: number
  advskew: number
  /** CARP_KEY_LEN bytes; an empty key (first byte 0) keeps the current one. */
  key: Uint8Array
  /** 0 keeps the current peer. */
  peer: number
  /** null or :: keeps the current one. */
  peer6: Uint8Array | null
  /** carpr_version: 2 CARP (the default), 3 VRRPv3; fixed once the vhid exists (`carpver`). */
  version?: number
  /** VRRPv3's priority and Max Advertise Interval (centiseconds); 0 or absent keeps the current. */
  vrrpPrio?: number
  vrrpAdvInter?: number
}

/** What SIOCGVH returns per vhid; the key only to a privileged caller. */
export interface CarpInfo {
  vhid: number
  /** 0 INIT, 1 BACKUP, 2 MASTER. */
  state: number
  advbase: number
  advskew: number
  /** The key (`pass`), NUL-padded; all zero unless the caller may configure carp. */
  key: Uint8Array
  /** Where advertisements go: 224.0.0.18 / ff02::12, or the unicast peers. */
  peer: number
  peer6: Uint8Array
  /** 2 CARP, 3 VRRPv3; in VRRP mode advbase, advskew and the key read as zero (FreeBSD's SIOCGVH). */
  version: number
  vrrpPrio: number
  vrrpAdvInter: number
}

/** carp_is_supported_if and the IFF_MULTICAST test of carp_ioctl. */
function checkIf(ifp: Ifnet, op: string): void {
  if (ifp.type !== 'ether' || ifp.family === 'lagg') throw new SysError('EOPNOTSUPP', op)
  if ((ifp.flags & IFF.MULTICAST) === 0) throw new SysError('EADDRNOTAVAIL', op)
}

/** SIOCSVH (carp_ioctl_set): create the vhid if needed, then apply what the request sets. */
export function carpIoctlSet(ifp: Ifnet, r: CarpReq): void {
  checkIf(ifp, 'SIOCSVH')
  const version = r.version ?? CARP_VERSION
  if (r.vhid <= 0 || r.vhid > CARP_MAXVHID) throw new SysError('EINVAL', 'SIOCSVH')
  if (version === CARP_VERSION) {
    if (r.advbase < 0 || r.advskew < 0 || r.advskew >= 255) throw new SysError('EINVAL', 'SIOCSVH')
    if (r.advbase > 0 && (r.advbase > 255 || r.advbase < CARP_DFLTINTV))
      throw new SysError('EINVAL', 'SIOCSVH')
  } else if (version === VRRP_VERSION) {
    const prio = r.vrrpPrio ?? 0
    const inter = r.vrrpAdvInter ?? 0
    if (prio < 0 || prio > 255 || inter < 0 || inter > VRRP_MAX_INTERVAL)
      throw new SysError('EINVAL', 'SIOCSVH')
  } else throw new SysError('EINVAL', 'SIOCSVH')
  const cif0 = ifp.carp as CarpIf | null
  const existing = cif0?.find(r.vhid)
  // A vhid keeps the protocol it was created with: switching means recreating it.
  if (existing !== undefined && existing.version !== version) throw new SysError('EINVAL', 'SIOCSVH')
  const sc = existing ?? carpAlloc(ifp, r.vhid, version)
  if (r.peer !== 0) sc.peer = r.peer >>> 0
  if (r.peer6?.some((x) => x !== 0)) sc.peer6 = r.peer6.slice(0, 16)
  if (sc.isVrrp) {
    if ((r.vrrpPrio ?? 0) !== 0) sc.vrrpPrio = r.vrrpPrio!
    if ((r.vrrpAdvInter ?? 0) !== 0) sc.vrrpAdvInter = r.vrrpAdvInter!
  } else {
    if (r.advbase > 0) sc.advbase = r.advbase
    sc.advskew = r.advskew
    if (r.key[0] !== 0) {
      sc.key.fill(0)
      sc.key.set(r.key.subarray(0, CARP_KEY_LEN))
      carpHmacPrepare(sc)
    }
  }
  if (sc.state !== CarpState.INIT && r.state !== sc.state) {
    if (r.state === CarpState.BACKUP) {
      sc.adTimer.cancel()
      setState(sc, CarpState.BACKUP, 'user requested via ifconfig')
      setrun(sc, 0)
      delroute(sc)
    } else if (r.state === CarpState.MASTER) masterDownLocked(sc, 'user requested via ifconfig')
  }
}

/** SIOCGVH (carp_ioctl_get): one vhid, or all of the interface's (vhid 0); ENOENT without. */
export function carpIoctlGet(ifp: Ifnet, vhid: number, privileged: boolean): CarpInfo[] {
  checkIf(ifp, 'SIOCGVH')
  if (vhid < 0 || vhid > CARP_MAXVHID) throw new SysError('EINVAL', 'SIOCGVH')
  const cif = ifp.carp as CarpIf | null
  if (cif === null) throw new SysError('ENOENT', 'SIOCGVH')
  const list = vhid === 0 ? cif.vrs : cif.vrs.filter((sc) => sc.vhid === vhid)
  if (list.length === 0) throw new SysError('ENOENT', 'SIOCGVH')
  return list.map((sc) => ({
    vhid: sc.vhid,
    state: sc.state,
    advbase: sc.isVrrp ? 0 : sc.advbase,
    advskew: sc.isVrrp ? 0 : sc.advskew,
    key: privileged && !sc.isVrrp ? sc.key.slice() : new Uint8Array(CARP_KEY_LEN),
    peer: sc.peer,
    peer6: sc.peer6.slice(),
    version: sc.version,
    vrrpPrio: sc.isVrrp ? sc.vrrpPrio : 0,
    vrrpAdvInter: sc.isVrrp ? sc.vrrpAdvInter : 0,
  }))
}

/** What in_aifaddr_ioctl / in6_addifaddr check before adding an address with a vhid. */
export function carpCheckAttach(ifp: Ifnet, vhid: number): void {
  const cif = ifp.carp as CarpIf | null
  if (cif === null) throw new SysError('ENOPROTOOPT', 'SIOCAIFADDR')
  if (cif.find(vhid) === undefined) throw new SysError('ENOENT', 'SIOCAIFADDR')
}

/** carp_attach: bind a new address to its vhid (carpCheckAttach has passed). */
export function carpAttach(ifa: IfAddr | In6Ifaddr, vhid: number): void {
  const cif = ifa.ifp.carp as CarpIf
  const sc = cif.find(vhid)!
  // carp_multicast_setup: the interface listens to 224.0.0.18 / ff02::12 while it has carp
  // addresses of that family (in_joingroup / in6_joingroup, so IGMP and MLD report them).
  if (isV6(ifa)) {
    if (cif.naddrs6++ === 0) in6IfJoin(ifa.ifp, IN6ADDR_CARP_GROUP as Uint8Array)
    sc.naddrs6++
  } else {
    if (cif.naddrs++ === 0) igmpJoinGroup(ifa.ifp, INADDR_CARP_GROUP)
    sc.naddrs++
  }
  sc.ifas.push(ifa)
  ifa.carp = sc
  carpHmacPrepare(sc)
  scState(sc)
}

/** carp_detach: the address goes; the vhid with it when it was its last (carp_destroy). */
function carpDetach(sc: CarpSoftc, ifa: IfAddr | In6Ifaddr): void {
  const cif = sc.cif
  const i = sc.ifas.indexOf(ifa)
  if (i < 0) return
  // A VRRP master losing its last address resigns first, while the advertisement can still list it.
  if (sc.ifas.length === 1) vrrpResign(sc)
  sc.ifas.splice(i, 1)
  if (isV6(ifa)) {
    sc.naddrs6--
    if (--cif.naddrs6 === 0) in6IfLeave(ifa.ifp, IN6ADDR_CARP_GROUP as Uint8Array)
  } else {
    sc.naddrs--
    if (--cif.naddrs === 0) igmpLeaveGroup(ifa.ifp, INADDR_CARP_GROUP)
    removeConnectedRoutes(ifa)
  }
  ifa.carp = null
  carpHmacPrepare(sc)
  scState(sc)
  if (sc.naddrs + sc.naddrs6 === 0) carpDestroy(sc)
}

/** carp_ifdetach: the interface leaves its vnet; every vhid on it goes. */
function carpIfDetach(cif: CarpIf): void {
  for (const sc of [...cif.vrs]) {
    for (const ifa of [...sc.ifas]) ifa.carp = null
    sc.ifas = []
    carpDestroy(sc)
  }
}

/** The protocol entry points the softcs' timers and the interface hooks reach. */
const carpOps: CarpIfOps = {
  sendAd,
  masterDown,
  detachAddr: carpDetach,
  linkState: (cif) => {
    for (const sc of [...cif.vrs]) scState(sc)
  },
  ifDetach: carpIfDetach,
}

/** carp_alloc (and carp_alloc_if for the interface's first vhid, which makes it promiscuous). */
function carpAlloc(ifp: Ifnet, vhid: number, version: number): CarpSoftc {
  let cif = ifp.carp as CarpIf | null
  if (cif === null) {
    cif = new CarpIf(ifp, carpOps, (ifp.flags & IFF.PROMISC) === 0)
    ifp.flags |= IFF.PROMISC
    ifp.carp = cif
  }
  const sc = new CarpSoftc(cif, vhid, IN6ADDR_CARP_GROUP as Uint8Array, version)
  carpHmacPrepare(sc)
  cif.vrs.push(sc)
  carpVnet(ifp.vnet).list.push(sc)
  return sc
}

/** carp_destroy (and carp_free_if after the interface's last vhid). */
function carpDestroy(sc: CarpSoftc): void {
  const v = sc.ifp.vnet
  const s = carpVnet(v)
  if (sc.suppress) demoteAdj(v, -s.ifdownAdj, 'vhid removed')
  sc.suppress = false
  sc.stopTimers()
  const cif = sc.cif
  cif.vrs.splice(cif.vrs.indexOf(sc), 1)
  const at = s.list.indexOf(sc)
  if (at >= 0) s.list.splice(at, 1)
  if (cif.vrs.length === 0 && sc.ifp.carp === cif) {
    sc.ifp.carp = null
    if (cif.setPromisc) sc.ifp.flags &= ~IFF.PROMISC
  }
}

/** Whether any vhid exists in v (carp_modevent refuses to unload while one does). */
export function carpBusy(v: Vnet): boolean {
  return ((v.slots[Slot.CARP] as CarpVnet | undefined)?.list.length ?? 0) > 0
}

/**
 * The multicast routing daemon's socket options (FreeBSD's X_ip_mrouter_set / X_ip_mrouter_get,
 * add_vif, del_vif, add_mfc, del_mfc, ip_mrouter_init / done in ip_mroute.c; multicast(4)): one raw
 * IGMP socket per vnet becomes the multicast router with MRT_INIT and then installs virtual
 * interfaces and forwarding cache entries; closing it, MRT_DONE, or the vnet going away undo all of
 * it. An interface leaving the vnet takes its vifs and the entries whose parent they were.
 *
 * Must not: change anything when a request fails (each throws SysError with FreeBSD's errno first),
 * or grow the cache past MFC_MAX entries.
 */

import { SysError } from '../../../util/errno.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import { IFF, type Ifnet } from '../../net/ifnet.js'
import { Slot, type Vnet, type VnetModule } from '../../net/vnet.js'
import type { RawPcb } from '../raw.js'
import { freeMfc, ipMdq } from './ip_mforward.js'
import {
  MAXVIFS,
  Mfc,
  type MfcCtl,
  MRT_ADD_BW_UPCALL,
  MRT_ADD_MFC,
  MRT_ADD_VIF,
  MRT_API_CONFIG,
  MRT_API_FLAGS_ALL,
  MRT_API_SUPPORT,
  MRT_API_SUPPORTED,
  MRT_API_VERSION_NUM,
  MRT_ASSERT,
  MRT_DEL_BW_UPCALL,
  MRT_DEL_MFC,
  MRT_DEL_VIF,
  MRT_DONE,
  MRT_INIT,
  MRT_MFC_FLAGS_ALL,
  MRT_MFC_RP,
  MRT_VERSION,
  type MrouteVnet,
  mfcHash,
  mrouteModuleBase,
  mrouteVnet,
  VIFF_REGISTER,
  VIFF_TUNNEL,
  Vif,
  type VifCtl,
} from './ip_mroute_var.js'

/** Cache entries one vnet holds (FreeBSD has no cap but memory; this is ours). */
export const MFC_MAX = 65536

export type MrtValue = number | VifCtl | MfcCtl

const isInt = (x: unknown, max: number): x is number =>
  Number.isInteger(x) && (x as number) >= 0 && (x as number) <= max

/** sooptcopyin of an int: anything else is EINVAL. */
function intArg(value: MrtValue): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new SysError('EINVAL', 'setsockopt')
  return value
}

function vifArg(value: MrtValue): VifCtl {
  const c = value as VifCtl
  const ok =
    typeof value === 'object' &&
    value !== null &&
    isInt(c.vifi, 0xffff) &&
    isInt(c.flags, 0xff) &&
    isInt(c.threshold, 0xff) &&
    (c.rateLimit === undefined || isInt(c.rateLimit, 0xffffffff)) &&
    isInt(c.lclAddr, 0xffffffff) &&
    (c.rmtAddr === undefined || isInt(c.rmtAddr, 0xffffffff))
  if (!ok) throw new SysError('EINVAL', 'setsockopt')
  return c
}

function mfcArg(value: MrtValue): MfcCtl {
  const c = value as MfcCtl
  const byteArray = (a: unknown) => Array.isArray(a) && a.length <= MAXVIFS && a.every((x) => isInt(x, 0xff))
  const ok =
    typeof value === 'object' &&
    value !== null &&
    isInt(c.origin, 0xffffffff) &&
    isInt(c.group, 0xffffffff) &&
    isInt(c.parent, 0xffff) &&
    byteArray(c.ttls) &&
    (c.flags === undefined || byteArray(c.flags)) &&
    (c.rp === undefined || isInt(c.rp, 0xffffffff))
  if (!ok) throw new SysError('EINVAL', 'setsockopt')
  return c
}

/**
 * X_ip_mrouter_set for raw socket `pcb` of vnet v. Returns the value MRT_API_CONFIG copies back
 * (the capabilities granted), else 0. Throws having changed nothing.
 */
export function mrouterSet(v: Vnet, pcb: RawPcb, name: number, value: MrtValue): number {
  const s = mrouteVnet(v)
  if (s.mrouter !== pcb && name !== MRT_INIT) throw new SysError('EPERM', 'setsockopt')
  switch (name) {
    case MRT_INIT: {
      const version = intArg(value)
      if (pcb.proto !== IpProto.IGMP) throw new SysError('EOPNOTSUPP', 'setsockopt')
      if (version !== 1) throw new SysError('ENOPROTOOPT', 'setsockopt')
      if (s.mrouter !== null) throw new SysError('EADDRINUSE', 'setsockopt')
      s.mrouter = pcb
      return 0
    }
    case MRT_DONE:
      mrouterDone(v)
      return 0
    case MRT_ADD_VIF:
      addVif(v, s, vifArg(value))
      return 0
    case MRT_DEL_VIF:
      delVif(s, intArg(value))
      return 0
    case MRT_ADD_MFC:
      addMfc(s, mfcArg(value))
      return 0
    case MRT_DEL_MFC:
      delMfc(s, mfcArg(value))
      return 0
    case MRT_ASSERT: {
      // set_assert's EINVAL for anything but 0 and 1 is dropped by its caller: the call succeeds
      // and changes nothing.
      const on = intArg(value)
      if (on === 0 || on === 1) s.assert = on
      return 0
    }
    case MRT_API_CONFIG: {
      const want = intArg(value) >>> 0
      // Only as the first thing after MRT_INIT: no vifs, no asserts, an empty cache.
      if (s.numvifs > 0 || s.assert !== 0 || s.mfc.some((b) => b.length > 0))
        throw new SysError('EPERM', 'setsockopt')
      s.apiConfig = want & MRT_API_SUPPORTED
      return s.apiConfig
    }
    case MRT_ADD_BW_UPCALL:
    case MRT_DEL_BW_UPCALL:
      // Bandwidth upcalls are not among MRT_API_SUPPORT, so MRT_API_CONFIG never enables them.
      throw new SysError('EOPNOTSUPP', 'setsockopt')
    default:
      throw new SysError('EOPNOTSUPP', 'setsockopt')
  }
}

/** X_ip_mrouter_get. */
export function mrouterGet(v: Vnet, name: number): number {
  switch (name) {
    case MRT_VERSION:
      return MRT_API_VERSION_NUM
    case MRT_ASSERT:
      return mrouteVnet(v).assert
    case MRT_API_SUPPORT:
      return MRT_API_SUPPORTED
    case MRT_API_CONFIG:
      return mrouteVnet(v).apiConfig
    default:
      throw new SysError('EOPNOTSUPP', 'getsockopt')
  }
}

function allmulti(s: MrouteVnet, ifp: Ifnet, on: boolean): void {
  const n = (s.allmulti.get(ifp) ?? 0) + (on ? 1 : -1)
  if (n > 0) {
    s.allmulti.set(ifp, n)
    ifp.flags |= IFF.ALLMULTI
  } else {
    s.allmulti.delete(ifp)
    // IPv6's mifs may hold it too.
    const v6 = ifp.vnet.slots[Slot.MROUTE6] as { allmulti: Map<Ifnet, number> } | undefined
    if (v6 === undefined || !v6.allmulti.has(ifp)) ifp.flags &= ~IFF.ALLMULTI
  }
}

/** add_vif. */
function addVif(v: Vnet, s: MrouteVnet, c: VifCtl): void {
  if (c.vifi >= MAXVIFS) throw new SysError('EINVAL', 'setsockopt')
  // Rate limiting is no longer supported.
  if ((c.rateLimit ?? 0) !== 0) throw new SysError('EINVAL', 'setsockopt')
  const vif = s.vifs[c.vifi]!
  if (vif.lclAddr !== 0) throw new SysError('EADDRINUSE', 'setsockopt')
  if (c.lclAddr === 0) throw new SysError('EADDRNOTAVAIL', 'setsockopt')
  // PIM register vifs need the PIM register path, which this kernel does not have.
  if ((c.flags & VIFF_REGISTER) !== 0) throw new SysError('EOPNOTSUPP', 'setsockopt')
  const ifa = v.localIfa(c.lclAddr >>> 0)
  if (ifa === undefined) throw new SysError('EADDRNOTAVAIL', 'setsockopt')
  // Tunnels are no longer supported; a vif's interface must do multicast.
  if ((c.flags & VIFF_TUNNEL) !== 0) throw new SysError('EOPNOTSUPP', 'setsockopt')
  const ifp = ifa.ifp
  if ((ifp.flags & IFF.MULTICAST) === 0) throw new SysError('EOPNOTSUPP', 'setsockopt')
  allmulti(s, ifp, true)
  vif.flags = c.flags
  vif.threshold = c.threshold
  vif.lclAddr = c.lclAddr >>> 0
  vif.rmtAddr = (c.rmtAddr ?? 0) >>> 0
  vif.ifp = ifp
  vif.pktIn = vif.pktOut = vif.bytesIn = vif.bytesOut = 0
  if (s.numvifs <= c.vifi) s.numvifs = c.vifi + 1
}

/** del_vif: the slot freed; entries keep their TTLs for it (FreeBSD's), numvifs shrinks to the last used. */
function delVif(s: MrouteVnet, vifi: number): void {
  if (vifi < 0 || vifi >= s.numvifs) throw new SysError('EINVAL', 'setsockopt')
  const vif = s.vifs[vifi]!
  if (vif.lclAddr === 0) throw new SysError('EADDRNOTAVAIL', 'setsockopt')
  freeVif(s, vifi)
}

function freeVif(s: MrouteVnet, vifi: number): void {
  const vif = s.vifs[vifi]!
  if (vif.ifp !== null) allmulti(s, vif.ifp, false)
  s.vifs[vifi] = new Vif()
  let n = s.numvifs
  while (n > 0 && s.vifs[n - 1]!.lclAddr === 0) n--
  s.numvifs = n
}

/** update_mfc_params: the parent, and TTLs and flags for the vifs there are now. */
function setParams(s: MrouteVnet, rt: Mfc, c: MfcCtl): void {
  rt.parent = c.parent
  for (let i = 0; i < s.numvifs; i++) {
    rt.ttls[i] = c.ttls[i] ?? 0
    rt.flags[i] = (c.flags?.[i] ?? 0) & s.apiConfig & MRT_MFC_FLAGS_ALL
  }
  rt.rp = (s.apiConfig & MRT_MFC_RP) !== 0 ? (c.rp ?? 0) >>> 0 : 0
}

/** init_mfc_params: params and fresh counters. */
function initParams(s: MrouteVnet, rt: Mfc, c: MfcCtl): void {
  setParams(s, rt, c)
  rt.pktCnt = rt.byteCnt = rt.wrongIf = 0
  rt.lastAssert = Number.NEGATIVE_INFINITY
}

/** add_mfc: update an entry, resolve a pending one (sending what it held), or add one. */
function addMfc(s: MrouteVnet, c: MfcCtl): void {
  const origin = c.origin >>> 0
  const group = c.group >>> 0
  // Without MRT_API_CONFIG's flags, only struct mfcctl is read: the mfcctl2 extras are zero.
  const ctl: MfcCtl = (s.apiConfig & MRT_API_FLAGS_ALL) !== 0 ? c : { ...c, flags: undefined, rp: undefined }
  const rt = s.find(origin, group)
  if (rt !== undefined) {
    setParams(s, rt, ctl)
    return
  }
  const pend = s.findPending(origin, group)
  if (pend !== undefined) {
    initParams(s, pend, ctl)
    pend.expire = 0
    s.pending--
    const held = pend.stall.splice(0)
    for (const q of held) {
      ipMdq(s, q.m, q.ifp, pend)
      s.v.env.pool.put(q.m)
    }
    return
  }
  let n = 0
  for (const b of s.mfc) n += b.length
  if (n >= MFC_MAX) throw new SysError('ENOBUFS', 'setsockopt')
  const fresh = new Mfc(origin, group)
  initParams(s, fresh, ctl)
  s.mfc[mfcHash(origin, group)]!.unshift(fresh)
}

/** del_mfc. */
function delMfc(s: MrouteVnet, c: MfcCtl): void {
  const origin = c.origin >>> 0
  const group = c.group >>> 0
  const bucket = s.mfc[mfcHash(origin, group)]!
  const i = bucket.findIndex((rt) => rt.origin === origin && rt.group === group && rt.stall.length === 0)
  if (i < 0) throw new SysError('EADDRNOTAVAIL', 'setsockopt')
  bucket.splice(i, 1)
}

/** X_ip_mrouter_done: the daemon is gone; every vif and entry with it. EINVAL when none ran. */
export function mrouterDone(v: Vnet): void {
  const s = mrouteVnet(v)
  if (s.mrouter === null) throw new SysError('EINVAL', 'setsockopt')
  clearAll(s)
}

function clearAll(s: MrouteVnet): void {
  s.mrouter = null
  s.apiConfig = 0
  for (let i = 0; i < MAXVIFS; i++) if (s.vifs[i]!.lclAddr !== 0) freeVif(s, i)
  s.numvifs = 0
  s.assert = 0
  s.expireTimer?.cancel()
  for (const b of s.mfc) while (b.length > 0) freeMfc(s, b, b.length - 1)
}

/** rip_detach: the daemon's socket closing is MRT_DONE. */
export function mrouterSocketClosed(v: Vnet, pcb: RawPcb): void {
  const s = v.slots[mrouteModule.slot] as MrouteVnet | undefined
  if (s !== undefined && s.mrouter === pcb) clearAll(s)
}

/** if_detached_event: ifp leaves the vnet; its vifs go, and the entries whose parent they were. */
export function mrouteIfDetach(ifp: Ifnet): void {
  const s = ifp.vnet.slots[mrouteModule.slot] as MrouteVnet | undefined
  if (s === undefined || s.mrouter === null) return
  for (let vifi = 0; vifi < s.numvifs; vifi++) {
    if (s.vifs[vifi]!.ifp !== ifp) continue
    for (const b of s.mfc) for (let i = b.length - 1; i >= 0; i--) if (b[i]!.parent === vifi) freeMfc(s, b, i)
    freeVif(s, vifi)
  }
}

/** Whether any vnet of these has a daemon running (the module then refuses to unload: EINVAL). */
export function mrouteBusy(v: Vnet): boolean {
  const s = v.slots[mrouteModule.slot] as MrouteVnet | undefined
  return s !== undefined && s.mrouter !== null
}

export const mrouteModule: VnetModule<MrouteVnet> = {
  ...mrouteModuleBase,
  destroy: (s) => clearAll(s),
}

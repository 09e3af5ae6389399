/**
 * The IPv6 multicast routing daemon's socket options (FreeBSD's X_ip6_mrouter_set, add_m6if,
 * del_m6if, add_m6fc, del_m6fc, ip6_mrouter_init / done in ip6_mroute.c): one raw ICMPv6 socket per
 * vnet becomes the IPv6 multicast router with MRT6_INIT, installs multicast interfaces (by
 * interface index) and forwarding cache entries; closing it, MRT6_DONE or the vnet going away undo
 * it all, and an interface leaving the vnet takes its mifs and the entries they were parent of.
 *
 * Must not: change anything when a request fails (SysError with FreeBSD's errno first), or grow the
 * cache past MF6C_MAX entries.
 */

import { SysError } from '../../../util/errno.js'
import { IFF, type Ifnet } from '../../net/ifnet.js'
import { Slot, type Vnet, type VnetModule } from '../../net/vnet.js'
import type { Raw6Pcb } from '../raw_ip6.js'
import { freeMf6c, ip6Mdq } from './ip6_mforward.js'
import {
  MAXMIFS,
  Mf6c,
  type Mf6cCtl,
  MIFF_REGISTER,
  Mif6,
  type Mif6Ctl,
  MRT6_ADD_MFC,
  MRT6_ADD_MIF,
  MRT6_DEL_MFC,
  MRT6_DEL_MIF,
  MRT6_DONE,
  MRT6_INIT,
  MRT6_PIM,
  type Mroute6Vnet,
  mf6cHash,
  mroute6Vnet,
} from './ip6_mroute_var.js'

/** Cache entries one vnet holds. */
export const MF6C_MAX = 65536

const IPPROTO_ICMPV6 = 58

export type Mrt6Value = number | Mif6Ctl | Mf6cCtl

const isInt = (x: unknown, max: number): x is number =>
  Number.isInteger(x) && (x as number) >= 0 && (x as number) <= max

function intArg(value: Mrt6Value): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new SysError('EINVAL', 'setsockopt')
  return value
}

function mifArg(value: Mrt6Value): Mif6Ctl {
  const c = value as Mif6Ctl
  if (typeof value !== 'object' || !isInt(c.mifi, 0xffff) || !isInt(c.flags, 0xff) || !isInt(c.pifi, 0xffff))
    throw new SysError('EINVAL', 'setsockopt')
  return c
}

function mfcArg(value: Mrt6Value): Mf6cCtl {
  const c = value as Mf6cCtl
  const ok =
    typeof value === 'object' &&
    c.origin instanceof Uint8Array &&
    c.origin.length === 16 &&
    c.group instanceof Uint8Array &&
    c.group.length === 16 &&
    isInt(c.parent, 0xffff) &&
    Array.isArray(c.ifset) &&
    c.ifset.every((x) => isInt(x, MAXMIFS - 1))
  if (!ok) throw new SysError('EINVAL', 'setsockopt')
  return c
}

/** X_ip6_mrouter_set for raw ICMPv6 socket `pcb` of vnet v. Throws having changed nothing. */
export function mrouter6Set(v: Vnet, pcb: Raw6Pcb, name: number, value: Mrt6Value): void {
  const s = mroute6Vnet(v)
  if (s.mrouter !== pcb && name !== MRT6_INIT) throw new SysError('EPERM', 'setsockopt')
  switch (name) {
    case MRT6_INIT: {
      const version = intArg(value)
      if (pcb.proto !== IPPROTO_ICMPV6) throw new SysError('EOPNOTSUPP', 'setsockopt')
      if (version !== 1) throw new SysError('ENOPROTOOPT', 'setsockopt')
      if (s.mrouter !== null) throw new SysError('EADDRINUSE', 'setsockopt')
      s.mrouter = pcb
      return
    }
    case MRT6_DONE:
      clearAll(s)
      return
    case MRT6_ADD_MIF:
      addMif(v, s, mifArg(value))
      return
    case MRT6_DEL_MIF: {
      const mifi = intArg(value)
      if (mifi < 0 || mifi >= s.nummifs || s.mifs[mifi]!.ifp === null)
        throw new SysError('EINVAL', 'setsockopt')
      freeMif(s, mifi)
      return
    }
    case MRT6_ADD_MFC:
      addMfc(s, mfcArg(value))
      return
    case MRT6_DEL_MFC: {
      const c = mfcArg(value)
      const bucket = s.mfc[mf6cHash(c.origin, 0, c.group, 0)]!
      const rt = s.find(c.origin, 0, c.group, 0)
      if (rt === undefined) throw new SysError('EADDRNOTAVAIL', 'setsockopt')
      bucket.splice(bucket.indexOf(rt), 1)
      return
    }
    case MRT6_PIM: {
      const on = intArg(value)
      if (on !== 0 && on !== 1) throw new SysError('EINVAL', 'setsockopt')
      s.pim = on
      return
    }
    default:
      throw new SysError('EOPNOTSUPP', 'setsockopt')
  }
}

/** X_ip6_mrouter_get: MRT6_PIM, for the router's own socket only. */
export function mrouter6Get(v: Vnet, pcb: Raw6Pcb, name: number): number {
  const s = mroute6Vnet(v)
  if (s.mrouter !== pcb) throw new SysError('EACCES', 'getsockopt')
  if (name !== MRT6_PIM) throw new SysError('EOPNOTSUPP', 'getsockopt')
  return s.pim
}

function allmulti(s: Mroute6Vnet, ifp: Ifnet, on: boolean): void {
  const n = (s.allmulti.get(ifp) ?? 0) + (on ? 1 : -1)
  if (n > 0) {
    s.allmulti.set(ifp, n)
    ifp.flags |= IFF.ALLMULTI
  } else {
    s.allmulti.delete(ifp)
    // IPv4's vifs may hold it too.
    const v4 = ifp.vnet.slots[Slot.MROUTE] as { allmulti: Map<Ifnet, number> } | undefined
    if (v4 === undefined || !v4.allmulti.has(ifp)) ifp.flags &= ~IFF.ALLMULTI
  }
}

/** add_m6if. */
function addMif(v: Vnet, s: Mroute6Vnet, c: Mif6Ctl): void {
  if (c.mifi >= MAXMIFS) throw new SysError('EINVAL', 'setsockopt')
  const mif = s.mifs[c.mifi]!
  if (mif.ifp !== null) throw new SysError('EADDRINUSE', 'setsockopt')
  const ifp = c.pifi === 0 ? undefined : v.ifByIndex(c.pifi)
  if (ifp === undefined) throw new SysError('ENXIO', 'setsockopt')
  // PIM register mifs need the register path, which this kernel does not have.
  if ((c.flags & MIFF_REGISTER) !== 0) throw new SysError('EOPNOTSUPP', 'setsockopt')
  if ((ifp.flags & IFF.MULTICAST) === 0) throw new SysError('EOPNOTSUPP', 'setsockopt')
  allmulti(s, ifp, true)
  mif.flags = c.flags
  mif.ifp = ifp
  mif.pktIn = mif.pktOut = mif.bytesIn = mif.bytesOut = 0
  if (s.nummifs <= c.mifi) s.nummifs = c.mifi + 1
}

function freeMif(s: Mroute6Vnet, mifi: number): void {
  const mif = s.mifs[mifi]!
  if (mif.ifp !== null) allmulti(s, mif.ifp, false)
  s.mifs[mifi] = new Mif6()
  let n = s.nummifs
  while (n > 0 && s.mifs[n - 1]!.ifp === null) n--
  s.nummifs = n
}

function setParams(rt: Mf6c, c: Mf6cCtl): void {
  rt.parent = c.parent
  rt.ifset.fill(0)
  for (const i of c.ifset) rt.ifset[i] = 1
}

/** add_m6fc: update an entry, resolve a pending one (sending what it held), or add one. */
function addMfc(s: Mroute6Vnet, c: Mf6cCtl): void {
  const rt = s.find(c.origin, 0, c.group, 0)
  if (rt !== undefined) {
    setParams(rt, c)
    return
  }
  const pend = s.find(c.origin, 0, c.group, 0, true)
  if (pend !== undefined) {
    setParams(pend, c)
    pend.pktCnt = pend.byteCnt = pend.wrongIf = 0
    pend.expire = 0
    s.pending--
    for (const q of pend.stall.splice(0)) {
      ip6Mdq(s, q.m, q.ifp, pend)
      s.v.env.pool.put(q.m)
    }
    return
  }
  let n = 0
  for (const b of s.mfc) n += b.length
  if (n >= MF6C_MAX) throw new SysError('ENOBUFS', 'setsockopt')
  const fresh = new Mf6c(c.origin.slice(), c.group.slice())
  setParams(fresh, c)
  s.mfc[mf6cHash(c.origin, 0, c.group, 0)]!.unshift(fresh)
}

function clearAll(s: Mroute6Vnet): void {
  s.mrouter = null
  for (let i = 0; i < MAXMIFS; i++) if (s.mifs[i]!.ifp !== null) freeMif(s, i)
  s.nummifs = 0
  s.pim = 0
  s.expireTimer?.cancel()
  for (const b of s.mfc) while (b.length > 0) freeMf6c(s, b, b.length - 1)
}

/** rip6_detach: the daemon's socket closing is MRT6_DONE. */
export function mrouter6SocketClosed(v: Vnet, pcb: Raw6Pcb): void {
  const s = v.slots[Slot.MROUTE6] as Mroute6Vnet | undefined
  if (s !== undefined && s.mrouter === pcb) clearAll(s)
}

/** An interface leaving the vnet: its mifs go, and the entries whose parent they were. */
export function mroute6IfDetach(ifp: Ifnet): void {
  const s = ifp.vnet.slots[Slot.MROUTE6] as Mroute6Vnet | undefined
  if (s === undefined || s.mrouter === null) return
  for (let mifi = 0; mifi < s.nummifs; mifi++) {
    if (s.mifs[mifi]!.ifp !== ifp) continue
    for (const b of s.mfc)
      for (let i = b.length - 1; i >= 0; i--) if (b[i]!.parent === mifi) freeMf6c(s, b, i)
    freeMif(s, mifi)
  }
}

export function mroute6Busy(v: Vnet): boolean {
  const s = v.slots[Slot.MROUTE6] as Mroute6Vnet | undefined
  return s !== undefined && s.mrouter !== null
}

export const mroute6Module: VnetModule<Mroute6Vnet> = {
  name: 'ip6_mroute',
  slot: Slot.MROUTE6,
  sysctls: [],
  create: (v) => mroute6Vnet(v),
  destroy: (s) => clearAll(s),
}

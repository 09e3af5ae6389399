/**
 * Interface cloners (if_clone): `ifconfig epair create`, `lo create`, later `bridge`, `vxlan`.
 * Unit numbers are allocated per vnet and per cloner, lowest free first, as FreeBSD does; a
 * destroyed interface gives its unit back to the vnet it was created in.
 */

import { SysError } from '../util/errno.js'
import type { Ifnet } from './ifnet.js'
import type { Vnet } from './vnet.js'

export interface IfCloner {
  readonly name: string
  /** Create unit `unit` in v; returns the interfaces made, the one to report first. */
  create(v: Vnet, unit: number): Ifnet[]
}

/** Units in use by one cloner in one vnet, with the lowest unit that may be free. */
export interface UnitSet {
  readonly used: Set<number>
  /** No unit below this is free, so allocation never rescans from 0. */
  hint: number
}

function units(v: Vnet, cloner: string): UnitSet {
  let m = v.cloneUnits
  if (m === null) {
    m = new Map()
    v.cloneUnits = m
  }
  let s = m.get(cloner)
  if (s === undefined) {
    s = { used: new Set(), hint: 0 }
    m.set(cloner, s)
  }
  return s
}

/** Parse `epair`, `epair7`, `lo3` against the known cloners: [cloner, unit or -1]. */
export function parseCloneName(cloners: ReadonlyMap<string, IfCloner>, name: string): [IfCloner, number] {
  const m = /^([a-z]+)(\d*)$/.exec(name)
  const c = m === null ? undefined : cloners.get(m[1]!)
  if (m === null || c === undefined) throw new SysError('EINVAL', 'SIOCIFCREATE2')
  const unit = m[2] === '' ? -1 : Number(m[2])
  if (unit > 32767) throw new SysError('EINVAL', 'SIOCIFCREATE2')
  return [c, unit]
}

export function cloneCreate(v: Vnet, c: IfCloner, unit: number): Ifnet[] {
  const u = units(v, c.name)
  if (unit < 0) {
    unit = u.hint
    while (u.used.has(unit)) unit++
    u.hint = unit + 1
  } else if (u.used.has(unit)) throw new SysError('EEXIST', 'SIOCIFCREATE2')
  const ifps = c.create(v, unit)
  u.used.add(unit)
  for (const ifp of ifps) ifp.unit = unit
  return ifps
}

/** Give a destroyed interface's unit back to its home vnet. */
export function cloneRelease(ifp: Ifnet): void {
  const u = ifp.home.cloneUnits?.get(ifp.family)
  if (u === undefined || !u.used.delete(ifp.unit)) return
  if (ifp.unit < u.hint) u.hint = ifp.unit
}

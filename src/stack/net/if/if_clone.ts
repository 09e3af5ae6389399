/**
 * Interface cloners (if_clone): `ifconfig epair create`, `lo create`, later `bridge`, `vxlan`.
 * Unit numbers are allocated per vnet and per cloner, lowest free first, up to IF_MAXUNIT, as FreeBSD
 * does (ENOSPC beyond it); a destroyed interface gives its unit back to the vnet it was created in.
 */

import { SysError } from '../../../util/errno.js'
import type { Ifnet } from '../ifnet.js'
import { UnitAlloc } from '../unit_alloc.js'
import type { Vnet } from '../vnet.js'

/** IF_MAXUNIT (net/if.h): the highest unit number a cloner hands out. */
export const IF_MAXUNIT = 0x7fff

/** INT_MAX: ifc_name2unit refuses (EINVAL) a unit that does not fit in an int. */
const INT_MAX = 0x7fffffff

/** Parameters given at creation (ifc_data's params), for the cloners that take any. */
export interface CloneParams {
  /** geneve: `genevemode l2` (0x6558) or `l3` (0). */
  geneveProto?: number
}

export interface IfCloner {
  readonly name: string
  /** Create unit `unit` in v; returns the interfaces made, the one to report first. */
  create(v: Vnet, unit: number, params?: CloneParams): Ifnet[]
  /** Names unit `unit` would take (default: name + unit); a taken name makes the unit unusable. */
  names?(unit: number): string[]
}

function units(v: Vnet, cloner: string): UnitAlloc {
  let m = v.cloneUnits
  if (m === null) {
    m = new Map()
    v.cloneUnits = m
  }
  let s = m.get(cloner)
  if (s === undefined) {
    s = new UnitAlloc(IF_MAXUNIT)
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
  if (unit > INT_MAX) throw new SysError('EINVAL', 'SIOCIFCREATE2')
  // ifc_alloc_unit_specific: a unit above the cloner's maximum is "no space", not a bad name.
  if (unit > IF_MAXUNIT) throw new SysError('ENOSPC', 'SIOCIFCREATE2')
  return [c, unit]
}

/** Whether an interface in v already has one of the names unit `unit` of c would take. */
function nameTaken(v: Vnet, c: IfCloner, unit: number): boolean {
  const names = c.names?.(unit) ?? [`${c.name}${unit}`]
  return names.some((n) => v.ifByName(n) !== undefined)
}

/**
 * Create an interface of cloner c in v: unit `unit`, or the lowest free one when unit < 0. Units whose
 * names are taken (an interface moved in or renamed) are passed over, as ifc_alloc_unit_next does.
 */
export function cloneCreate(v: Vnet, c: IfCloner, unit: number, params?: CloneParams): Ifnet[] {
  const u = units(v, c.name)
  if (unit > IF_MAXUNIT) throw new SysError('ENOSPC', 'SIOCIFCREATE2')
  if (unit < 0) {
    const passed: number[] = []
    for (;;) {
      unit = u.allocAny()
      if (unit < 0 || !nameTaken(v, c, unit)) break
      passed.push(unit)
    }
    for (const p of passed) u.free(p)
    if (unit < 0) throw new SysError('ENOSPC', 'SIOCIFCREATE2')
  } else {
    if (u.has(unit) || nameTaken(v, c, unit)) throw new SysError('EEXIST', 'SIOCIFCREATE2')
    u.allocSpecific(unit)
  }
  let ifps: Ifnet[]
  try {
    ifps = c.create(v, unit, params)
  } catch (e) {
    u.free(unit)
    throw e
  }
  for (const ifp of ifps) ifp.unit = unit
  return ifps
}

/** Give a destroyed interface's unit back to its home vnet. */
export function cloneRelease(ifp: Ifnet): void {
  // Interfaces made outside the unit space (a vlan named IF.N) have none to give back.
  if (ifp.unit < 0) return
  ifp.home.cloneUnits?.get(ifp.family)?.free(ifp.unit)
}

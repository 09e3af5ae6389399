/**
 * sysctl(3) declarations. Each protocol declares its knobs next to its code with FreeBSD's names;
 * `vnet`-scoped knobs read and write that vnet's copy (VNET_DEFINE), `global` ones belong to the
 * host and are read-only from inside a jail. Values are validated here, before anything changes.
 */

import { SysError } from '../util/errno.js'
import type { Vnet } from './vnet.js'

export type SysctlScope = 'vnet' | 'global'

export interface SysctlDecl {
  readonly name: string
  readonly descr: string
  readonly kind: 'int' | 'string'
  readonly scope: SysctlScope
  readonly min?: number
  readonly max?: number
  get(v: Vnet): number | string
  /** Absent for read-only knobs. */
  set?(v: Vnet, value: number | string): void
}

/** An integer knob stored in a field of some per-vnet state object. */
export function intKnob<S>(
  name: string,
  descr: string,
  state: (v: Vnet) => S,
  field: { [K in keyof S]: S[K] extends number ? K : never }[keyof S],
  range: { min?: number; max?: number; readonly?: boolean } = {},
): SysctlDecl {
  const decl: SysctlDecl = {
    name,
    descr,
    kind: 'int',
    scope: 'vnet',
    get: (v) => state(v)[field] as number,
    ...(range.min === undefined ? {} : { min: range.min }),
    ...(range.max === undefined ? {} : { max: range.max }),
  }
  if (range.readonly) return decl
  return {
    ...decl,
    set: (v, value) => {
      ;(state(v) as Record<typeof field, number>)[field] = value as number
    },
  }
}

/** Parse and range-check a new value; throws EINVAL without side effects. */
export function parseSysctlValue(d: SysctlDecl, text: string): number | string {
  if (d.kind === 'string') return text
  const s = text.trim()
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(s)) throw new SysError('EINVAL', 'sysctl', `invalid integer '${text}'`)
  const n = Number.parseInt(s, s.toLowerCase().includes('0x') ? 16 : 10)
  if (!Number.isSafeInteger(n)) throw new SysError('EINVAL', 'sysctl')
  if ((d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max))
    throw new SysError('EINVAL', 'sysctl')
  return n
}

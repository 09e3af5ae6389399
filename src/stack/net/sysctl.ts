/**
 * sysctl(3) declarations. Each protocol declares its knobs next to its code with FreeBSD's names;
 * `vnet`-scoped knobs read and write that vnet's copy (VNET_DEFINE), `global` ones belong to the
 * host and are read-only from inside a jail. Values are validated here, before anything changes:
 * first against the oid's C type (int unless declared otherwise), then the handler's bounds.
 */

import { SysError } from '../../util/errno.js'
import type { Vnet } from './vnet.js'

export type SysctlScope = 'vnet' | 'global'

/** The C type of an integer oid (CTLTYPE_INT, _UINT, _LONG, _ULONG on an LP64 kernel). */
export type SysctlCType = 'int' | 'uint' | 'long' | 'ulong'

/** Each C type's range: a value outside it cannot be written to the oid at all. */
export const SYSCTL_CTYPE_RANGE: Readonly<Record<SysctlCType, readonly [bigint, bigint]>> = {
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  uint: [0n, 2n ** 32n - 1n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
  ulong: [0n, 2n ** 64n - 1n],
}

/** What a per-caller oid may know of its reader. */
export interface SysctlReader {
  readonly fib: number
}

export interface SysctlDecl {
  readonly name: string
  readonly descr: string
  readonly kind: 'int' | 'string'
  /** For an integer oid, its C type; 'int' when absent, as SYSCTL_INT. */
  readonly ctype?: SysctlCType
  readonly scope: SysctlScope
  /** The handler's own bounds, within the C type's range (EINVAL outside). */
  readonly min?: number
  readonly max?: number
  /** `who` is the reading process, for the few oids that answer per caller (net.my_fibnum). */
  get(v: Vnet, who?: SysctlReader): number | string
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

/**
 * Parse and range-check a new value; throws EINVAL without side effects. The value must fit the
 * oid's C type (sysctl(8) has already converted it, as the kernel only ever receives the type's
 * bytes), then the handler's bounds.
 */
export function parseSysctlValue(d: SysctlDecl, text: string): number | string {
  if (d.kind === 'string') return text
  const m = /^\s*(-?)(0x[0-9a-f]+|\d+)\s*$/i.exec(text)
  if (m === null) throw new SysError('EINVAL', 'sysctl', `invalid integer '${text}'`)
  const big = m[1] === '-' ? -BigInt(m[2]!) : BigInt(m[2]!)
  const [lo, hi] = SYSCTL_CTYPE_RANGE[d.ctype ?? 'int']
  if (big < lo || big > hi) throw new SysError('EINVAL', 'sysctl')
  const n = Number(big)
  if ((d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max))
    throw new SysError('EINVAL', 'sysctl')
  return n
}

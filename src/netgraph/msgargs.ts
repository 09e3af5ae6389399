/**
 * Argument checks for node types' control messages, with the rules FreeBSD's ng_parse applies when
 * `ngctl msg` turns ASCII into a binary message: a command without an argument type rejects any
 * argument, structures accept only their own field names, fields left out take their default (zero),
 * and numbers must be integers that fit the C field. Every failure is SysError(EINVAL) naming the
 * command, thrown before the node changes anything.
 */

import { SysError } from '../util/errno.js'
import type { NgStruct, NgValue } from './ascii.js'

function bad(cmd: string, why: string): never {
  throw new SysError('EINVAL', 'ngctl', `${cmd}: ${why}`)
}

/** The command takes no argument. */
export function noArg(cmd: string, v: NgValue | undefined): void {
  if (v !== undefined) bad(cmd, 'takes no arguments')
}

/** A structure argument whose fields are all among `fields` (required: an empty one is `{}`). */
export function structArg(cmd: string, v: NgValue | undefined, fields: readonly string[]): NgStruct {
  if (v === undefined || typeof v !== 'object' || Array.isArray(v)) bad(cmd, 'structure expected')
  for (const k of Object.keys(v)) if (!fields.includes(k)) bad(cmd, `unknown field '${k}'`)
  return v
}

/** An integer in [min, max]. */
export function intArg(cmd: string, v: NgValue | undefined, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(cmd, 'integer expected')
  if (v < min || v > max) bad(cmd, `value ${v} out of range`)
  return v
}

/** An unsigned field of at most `max` (absent: 0, as ng_parse fills in defaults). */
export function uintField(cmd: string, s: NgStruct, name: string, max: number): number {
  const v = s[name]
  return v === undefined ? 0 : intArg(`${cmd}: ${name}`, v, 0, max)
}

export const U8_MAX = 0xff
export const U32_MAX = 0xffffffff
export const I32_MIN = -0x80000000

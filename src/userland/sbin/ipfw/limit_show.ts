/**
 * How ipfw(8) prints a `limit` option (print_limit_mask of ipfw2.c). Pure formatting.
 */

import type { IpfwInsn } from '../../../host/syscalls.js'
import { LIMIT_MASKS } from './compile_args.js'

/** print_limit_mask: `limit MASK[,MASK...] N :default`, `all` for the four together. */
export function printLimit(i: IpfwInsn): string {
  let x = i.arg
  const names: string[] = []
  for (const [n, bit] of LIMIT_MASKS)
    if ((x & bit) === bit) {
      x &= ~bit
      names.push(n)
    }
  return `limit ${names.join(',')} ${i.arg2} :default`
}

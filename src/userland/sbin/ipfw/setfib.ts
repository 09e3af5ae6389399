/**
 * compile_rule's check of `setfib N` against net.fibs (ipfw2.c): a FIB number at or past the
 * number of FIBs is refused before anything reaches the kernel, with FreeBSD's own words (whose
 * message ends in a newline of its own, so errx prints a blank line after it).
 */

import { IpfwAction as A, type IpfwRuleSpec } from '../../../host/syscalls.js'
import { EX } from '../../common.js'
import type { Proc } from '../../types.js'
import { CompileError } from './compile_args.js'

export function checkSetfib(spec: IpfwRuleSpec, proc: Proc): void {
  if (spec.action !== A.SETFIB) return
  let fibs: number
  try {
    fibs = Number(proc.sys.sysctlGet('net.fibs').value)
  } catch {
    throw new CompileError('fibs not supported.\n', EX.DATAERR)
  }
  if (spec.actionArg >= fibs) throw new CompileError('fib too large.\n', EX.DATAERR)
}

/**
 * The congestion-control modules compiled in (FreeBSD's cc_list) and the per-vnet choice among
 * them: `net.inet.tcp.cc.algorithm` (read-write, per vnet, ESRCH for an unknown name) and
 * `net.inet.tcp.cc.available` (read-only, FreeBSD's table format). The list is a read-only table;
 * the chosen default is per-vnet state (CcVnet) that the TCP engine holds, as V_default_cc_ptr.
 */

import { type CcAlgo, type CcTunables, ccTunables } from './cc.js'
import { cubic } from './cubic.js'
import { newreno } from './newreno.js'

/** CC_DEFAULT: FreeBSD 14's default module when it is compiled in. */
export const CC_DEFAULT = 'cubic'

/** Every module, in registration order. */
export const CC_ALGOS: readonly CcAlgo[] = Object.freeze([newreno, cubic])

/** The module called `name`, if compiled in. */
export function ccFind(name: string): CcAlgo | undefined {
  return CC_ALGOS.find((a) => a.name === name)
}

/** The boot-time default: CC_DEFAULT if present, else the first module (cc_register_algo). */
export function ccBootDefault(): CcAlgo {
  return ccFind(CC_DEFAULT) ?? CC_ALGOS[0]!
}

/**
 * The text of `sysctl net.inet.tcp.cc.available`: a header line and one line per module, `*` on
 * the vnet's default, with the number of connections using each (cc_list_available()).
 */
export function ccAvailableText(current: CcAlgo, pcbCount: (a: CcAlgo) => number): string {
  let s = `\n${'CCmod'.padEnd(16)}D PCB count\n`
  for (const a of CC_ALGOS) s += `${a.name.padEnd(16)}${a === current ? '*' : ' '} ${pcbCount(a)}\n`
  return s
}

/** One vnet's congestion-control state: its default module and the modules' tunables. */
export class CcVnet {
  algorithm: CcAlgo = ccBootDefault()
  readonly tunables: CcTunables = ccTunables()

  /** sysctl net.inet.tcp.cc.algorithm=name: false (ESRCH) for an unknown module. */
  setAlgorithm(name: string): boolean {
    const a = ccFind(name)
    if (a === undefined) return false
    this.algorithm = a
    return true
  }
}

/**
 * The program registry: every name a process can run, mapped to its Command. `ping` and
 * `traceroute` are setuid root as on FreeBSD; the kernel applies that at exec (Syscalls.exec). The shell comes
 * from src/userland/sh; a platform that needs a differently configured shell (say, one that yields
 * to the event loop) passes its own with `makePrograms`.
 */

import { arp } from './commands/arp.js'
import { hostname } from './commands/hostname.js'
import { ifconfig } from './commands/ifconfig.js'
import { jail } from './commands/jail.js'
import { jexec } from './commands/jexec.js'
import { jls } from './commands/jls.js'
import { nc } from './commands/nc.js'
import { netstat } from './commands/netstat.js'
import { ngctl } from './commands/ngctl.js'
import { ping } from './commands/ping.js'
import { rctl } from './commands/rctl.js'
import { route } from './commands/route.js'
import { sysctl } from './commands/sysctl.js'
import { traceroute } from './commands/traceroute.js'
import { createSh } from './sh/shell.js'
import type { Command } from './types.js'

export interface Program {
  run: Command
}

export type Programs = ReadonlyMap<string, Program>

const BASE: ReadonlyArray<readonly [string, Program]> = [
  ['arp', { run: arp }],
  ['hostname', { run: hostname }],
  ['ifconfig', { run: ifconfig }],
  ['jail', { run: jail }],
  ['jexec', { run: jexec }],
  ['jls', { run: jls }],
  ['nc', { run: nc }],
  ['netstat', { run: netstat }],
  ['ngctl', { run: ngctl }],
  ['ping', { run: ping }],
  ['rctl', { run: rctl }],
  ['route', { run: route }],
  ['sysctl', { run: sysctl }],
  ['traceroute', { run: traceroute }],
]

/**
 * The base programs, the shell, and `extra` (which may replace any of them, `sh` included). The
 * shell's `help` and completion list whatever the returned registry holds.
 */
export function makePrograms(extra: Iterable<readonly [string, Program]> = []): Programs {
  const map = new Map<string, Program>(BASE)
  map.set('sh', { run: createSh({ programs: () => [...map.keys()].sort() }) })
  for (const [name, p] of extra) map.set(name, p)
  return map
}

export const programs: Programs = makePrograms()

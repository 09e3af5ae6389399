/**
 * The lab's part in a node's firewall: loading the kernel modules a lab needs (ipfw, ipfw_nat,
 * dummynet) as the host's root, with `kldload`'s semantics, and unloading what it loaded when the
 * lab goes; and running each node's ipfw lines (firewall.ts) through the ipfw command in the node's
 * jail, as its root would type them.
 *
 * Loading ipfw gives every vnet of the host a chain. So that nodes without rules keep passing
 * traffic, the lab sets the `net.inet.ip.fw.default_to_accept` tunable first, as FreeBSD test hosts
 * do in loader.conf — unless the module is already loaded or the tunable already set, which it then
 * leaves as they are. It must not touch rules itself: only the ipfw command does.
 */

import type { Syscalls } from '../../host/syscalls.js'
import { startProcess } from '../../userland/process.js'
import type { Programs } from '../../userland/programs.js'
import type { Io } from '../../userland/types.js'
import type { TopoNode } from '../model.js'

export const DEFAULT_TO_ACCEPT = 'net.inet.ip.fw.default_to_accept'

/** What a lab changed in the host, so that tearing down can undo exactly that. */
export interface HostChanges {
  /** Modules (and their dependencies) the lab loaded, in load order. */
  readonly loaded: string[]
  /** Whether the lab set the default_to_accept tunable. */
  kenvSet: boolean
}

/**
 * kldload of each wanted module the host does not have yet (dependencies come along, as with
 * kldload). Throws the SysError of a failed load; what was loaded before it is in `changes`.
 */
export function loadModules(root: Syscalls, wanted: readonly string[], changes: HostChanges): void {
  if (wanted.length === 0) return
  const present = () => new Set(root.kldstat().flatMap((k) => (k.module === undefined ? [] : [k.module])))
  const before = present()
  if (!before.has('ipfw') && !root.kenvList().some(([k]) => k === DEFAULT_TO_ACCEPT)) {
    root.kenvSet(DEFAULT_TO_ACCEPT, '1')
    changes.kenvSet = true
  }
  for (const m of wanted) {
    if (present().has(m)) continue
    root.kldload(m)
    for (const k of root.kldstat())
      if (k.module !== undefined && !before.has(k.module) && !changes.loaded.includes(k.module))
        changes.loaded.push(k.module)
  }
}

/** Undoes loadModules: unloads in reverse order, then unsets the tunable. Never throws. */
export function unloadModules(root: Syscalls, changes: HostChanges): void {
  for (const m of [...changes.loaded].reverse())
    try {
      root.kldunload(m)
    } catch {
      // Busy (someone loaded a module that needs it) or already gone: leave it.
    }
  changes.loaded.length = 0
  if (changes.kenvSet)
    try {
      root.kenvUnset(DEFAULT_TO_ACCEPT)
    } catch {
      // Unset by hand meanwhile.
    }
  changes.kenvSet = false
}

/**
 * Runs the node's ipfw lines in order, each as `ipfw ARGS` in the node's jail as root; output is
 * dropped. Returns a warning for each line that failed, with ipfw's own message, e.g.
 * `r1: nodes.r1.nat: ipfw nat 1 config if eth1: ipfw: ...`.
 */
export async function runFirewall(sys: Syscalls, node: TopoNode, programs: Programs): Promise<string[]> {
  const warnings: string[] = []
  for (const c of node.firewall ?? []) {
    let err = ''
    const io: Io = {
      stdin: { read: async () => null },
      stdout: { write: () => {} },
      stderr: { write: (s: string) => void (err += s) },
    }
    const status = await startProcess(sys, ['ipfw', ...c.argv], io, { programs }).done
    if (status !== 0) {
      const why = err.trim().split('\n').join('; ') || `exit status ${status}`
      warnings.push(`${node.name}: ${c.from}: ipfw ${c.argv.join(' ')}: ${why}`)
    }
  }
  return warnings
}

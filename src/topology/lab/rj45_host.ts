/**
 * An rj45 node on interfaces the host itself has (IMUNES's `extelem` lab on FreeBSD): a script
 * makes `extelem0`/`extelem1` in the host (ng_eiface pairs, an ng_pipe between them), then starts a
 * lab whose rj45 node names them. IMUNES moves each into the experiment's vnet and plugs the link's
 * netgraph into its ng_ether node's `lower` hook; VirtNet's lab graph lives in vnet0 beside them,
 * so nothing moves: the cable is plugged into the same hook where the interface is. Frames from the
 * lab then leave on the interface's wire, and what its wire brings goes to the lab, not the stack.
 *
 * It must not create, rename or destroy the interfaces: they are the host's, and the lab leaves
 * them as it found them (only the hooks it connected are cut when it goes).
 */

import type { NgSocket, Syscalls } from '../../host/syscalls.js'

const IFT_ETHER = 'ether'

/** The ng_ether node of the host's (vnet0's) Ethernet interface `ifname`; null when there is none. */
function etherNodeOf(root: Syscalls, ng: NgSocket, ifname: string): number | null {
  try {
    if (root.ifGet(ifname).mac === null) return null
  } catch {
    return null
  }
  // getifname answers with the name as a netgraph ASCII string; interface names need no escapes.
  const owns = (id: number) =>
    (ng.msg(`[${id.toString(16)}]:`, 'getifname', '').response ?? '').trim() === `"${ifname}"`
  // Usually named after its interface; unnamed when another node had the name first (an ng_eiface
  // node renamed to it by `ngctl name`, as the extelem script does).
  try {
    const n = ng.show(`${ifname}:`)
    if (n.type === IFT_ETHER && owns(n.id)) return n.id
  } catch {
    // not by that name: look through the ng_ether nodes
  }
  for (const n of ng.list()) if (n.type === IFT_ETHER && owns(n.id)) return n.id
  return null
}

/**
 * Each named interface's ng_ether node, when the host has every one of them as an Ethernet
 * interface whose `lower` hook is free; otherwise null (the rj45 node then takes the machine's
 * interface instead).
 */
export function hostRj45Ports(
  root: Syscalls,
  ng: NgSocket,
  ifnames: readonly string[],
): Map<string, number> | null {
  if (ifnames.length === 0) return null
  const out = new Map<string, number>()
  for (const name of ifnames) {
    const id = etherNodeOf(root, ng, name)
    if (id === null || ng.show(`[${id.toString(16)}]:`).hooks.some((h) => h.hook === 'lower')) return null
    out.set(name, id)
  }
  return out
}

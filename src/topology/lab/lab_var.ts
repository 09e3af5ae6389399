/**
 * What a running lab (emulator.ts) is made of: its nodes and links as the netgraph holds them, the
 * ports cables plug into, its options and its one error type, and the small helpers every part of
 * it shares (netgraph paths by ID, link names for messages, teardown that tolerates what is gone).
 *
 * Must not: build or change anything.
 */

import type { Programs } from '../../userland/programs.js'
import type { FileSystem } from '../../userland/types.js'
import type { Endpoint, Impairment, NodeKind, TopoNode } from '../model.js'

/** A build or control step failed; the message names the node or link. */
export class LabError extends Error {
  override readonly name = 'LabError'
}

/** One end of a cable in the host's netgraph: a node and the hook the cable plugs into. */
export interface Port {
  readonly id: number
  readonly hook: string
}

export interface LabNode {
  readonly name: string
  readonly kind: NodeKind
  /** The node as written in the topology. */
  readonly topo: TopoNode
  /** Netgraph ID of the node's ng_bridge or ng_hub; null for pc, host and router. */
  readonly ngId: number | null
  /** Interface name → ID of its ng_eiface node (pc, host and router). */
  readonly eifaces: ReadonlyMap<string, number>
  removed: boolean
  /** An external node's vxlan interface in vnet0, destroyed with the node. */
  readonly vxlanIf?: string
  /** An rj45 external node's tap in vnet0 (the machine's interface read raw), destroyed with the node. */
  readonly realIf?: string
  /**
   * An rj45 node on the host's own interfaces (rj45_host.ts): interface name → its ng_ether node,
   * whose `lower` hook the cable takes. The interfaces stay when the node goes.
   */
  readonly hostPorts?: ReadonlyMap<string, number>
  /** The vlan interface made on a host interface for such a node (`IF.TAG`), destroyed with it. */
  readonly hostVlanIf?: string
}

export interface LabLink {
  /** Position in the topology's link list. */
  readonly index: number
  readonly a: Endpoint
  readonly b: Endpoint
  /** Where the cable plugs in at each end: an eiface's `ether` hook or a bridge/hub `linkN`. */
  readonly portA: Port
  readonly portB: Port
  /** A plain wire that never gets a pipe (IMUNES `direct`). */
  readonly direct: boolean
  /** Netgraph ID of the link's ng_pipe, or null while the link impairs nothing. */
  pipe: number | null
  up: boolean
  /** Current impairments, a→b and b→a. */
  ab: Impairment
  ba: Impairment
  removed: boolean
}

export interface LabOptions {
  /** Programs for startup scripts and node commands (default: makePrograms()). */
  programs?: Programs
  /**
   * The experiment id (IMUNES's eid): each node's jail gets path `/var/imunes/EID/NODE` in the
   * lab's file tree. A letter or digit, then letters, digits, `_` or `-`; default `i0`.
   */
  eid?: string
  /**
   * The tree every node's own layer lies over (IMUNES's vroot, unionfs): what a node has no file
   * of its own for is read from here. None by default.
   */
  vroot?: FileSystem
}

/** What an experiment id may be: one safe path component. */
export const EID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/

/** `[1f]:`, the netgraph path of a node by ID: O(1) to resolve, unlike a name. */
export function ngPath(id: number): string {
  return `[${id.toString(16)}]:`
}

export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/**
 * A teardown step whose target may already be gone (a partial build, a node shut down by hand with
 * ngctl): tearing down goes on regardless, since what is gone needs no freeing.
 */
export function quietly(fn: () => void): void {
  try {
    fn()
  } catch {
    // ENOENT and the like: nothing left to release.
  }
}

/** A link's name for messages: `link pc1:eth0 sw1:eth0`. */
export function linkName(l: { a: Endpoint; b: Endpoint }): string {
  return `link ${l.a.node}:${l.a.iface} ${l.b.node}:${l.b.iface}`
}

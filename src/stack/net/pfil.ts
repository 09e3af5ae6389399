/**
 * Packet filter hooks (FreeBSD's pfil(9)): a head per address family where filters (ipfw, later pf)
 * attach an input and an output function, run in order on every packet the protocol passes through
 * the head. Each vnet has its own heads (V_inet_pfil_head, V_link_pfil_head), so a vnet whose
 * filter is off (net.inet.ip.fw.enable=0) or that has none pays nothing on its packets. The host
 * keeps one more pair holding the filters loaded (kldload): every new vnet's heads start as copies.
 * A hook receives the vnet with each packet and keeps its state per vnet.
 *
 * It must not know any protocol (net/ imports no netinet) and must cost nothing when no hook is
 * attached: callers test `nIn`/`nOut` before calling, and the run loops allocate nothing.
 */

import type { Mbuf } from '../../buf/mbuf.js'
import type { Ifnet } from './ifnet.js'
import type { Vnet } from './vnet.js'

/** What a hook did with the packet. */
export const PFIL = {
  /** Let it go on to the next hook and the protocol. */
  PASS: 0,
  /** The hook took the packet (dropped it, or sent something else in its place). */
  CONSUMED: 1,
  /** The hook keeps the packet to send it later (dummynet): not an error for a local sender. */
  QUEUED: 2,
} as const

export const PFIL_IN = 1
export const PFIL_OUT = 2

/** A filter's function: the packet starts at its network header; returns PFIL.PASS or CONSUMED. */
export type PfilFunc = (v: Vnet, m: Mbuf, ifp: Ifnet, dir: number) => number

/**
 * A filter. The heads call `input` and `output` as methods of the hook object: a filter written as
 * a class then gives every call site one receiver shape and one target, which the optimiser calls
 * directly (and inlines), where a function kept in an array is a fresh closure target each time the
 * filter is loaded again.
 */
export interface PfilHook {
  readonly name: string
  input(v: Vnet, m: Mbuf, ifp: Ifnet, dir: number): number
  output(v: Vnet, m: Mbuf, ifp: Ifnet, dir: number): number
}

export class PfilHead {
  private readonly hooks: PfilHook[] = []
  /** The only hook, when exactly one is linked (the common case: ipfw): called without a loop. */
  private only: PfilHook | null = null
  /** Hooks on input and output; 0 lets the protocol skip the head entirely. */
  nIn = 0
  nOut = 0
  /**
   * A next hop a hook asked for on the packet it just passed (ipfw fwd; FreeBSD's IPFORWARD tag):
   * the protocol reads and clears it right after a PASS, before anything else can run.
   */
  nextHop = 0
  /** The port of that forward (`fwd ADDR,PORT`), 0 for none; read and cleared with nextHop. */
  nextPort = 0

  /** pfil_link: attach a hook (EEXIST-like: linking a name twice is a programming error). */
  link(h: PfilHook): void {
    if (this.hooks.some((o) => o.name === h.name)) throw new Error(`pfil hook ${h.name} linked twice`)
    this.hooks.push(h)
    this.rebuild()
  }

  /** Detach the hook of that name, if linked. */
  unlink(name: string): void {
    const i = this.hooks.findIndex((o) => o.name === name)
    if (i < 0) return
    this.hooks.splice(i, 1)
    this.rebuild()
  }

  /** Whether a hook of that name is linked. */
  has(name: string): boolean {
    return this.hooks.some((o) => o.name === name)
  }

  /** A head with the same hooks (a new vnet's, from the host's loaded filters). */
  clone(): PfilHead {
    const h = new PfilHead()
    for (const o of this.hooks) h.link(o)
    return h
  }

  /** The linked hook of that name (a filter finds its own host-wide configuration through it). */
  find(name: string): PfilHook | undefined {
    return this.hooks.find((o) => o.name === name)
  }

  private rebuild(): void {
    this.nIn = this.hooks.length
    this.nOut = this.hooks.length
    this.only = this.hooks.length === 1 ? this.hooks[0]! : null
  }

  /** Run the input hooks; anything but PFIL.PASS means m is no longer the caller's. */
  runIn(v: Vnet, m: Mbuf, ifp: Ifnet): number {
    this.nextHop = 0
    this.nextPort = 0
    const only = this.only
    if (only !== null) return only.input(v, m, ifp, PFIL_IN)
    const hooks = this.hooks
    for (let i = 0; i < hooks.length; i++) {
      const r = hooks[i]!.input(v, m, ifp, PFIL_IN)
      if (r !== PFIL.PASS) return r
    }
    return PFIL.PASS
  }

  runOut(v: Vnet, m: Mbuf, ifp: Ifnet): number {
    this.nextHop = 0
    this.nextPort = 0
    const only = this.only
    if (only !== null) return only.output(v, m, ifp, PFIL_OUT)
    const hooks = this.hooks
    for (let i = 0; i < hooks.length; i++) {
      const r = hooks[i]!.output(v, m, ifp, PFIL_OUT)
      if (r !== PFIL.PASS) return r
    }
    return PFIL.PASS
  }
}

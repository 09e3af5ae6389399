/**
 * Prisons (struct prison): the jail tree under prison0. A jail either owns a new vnet or shares its
 * parent's; it can see and manage only its descendants, whose names it sees relative to itself
 * (`a.b` from the host is `b` inside `a`). This module holds the data and the tree queries; the
 * lifecycle (create, modify, remove) is in host/kern/jails.ts.
 */

import type { Vnet } from '../stack/net/vnet.js'

/**
 * A live process as the kernel knows it: the little of struct proc that kill(2) and kern.file
 * (sockstat) need.
 */
export interface ProcEntry {
  /** Effective and real uid (they differ inside a set-user-ID program; setuid(2) changes both). */
  uid: number
  ruid: number
  /** p_comm: the program's name. */
  readonly comm: string
  /** The parent's pid, or 0 when it was started from outside any process (or entered the jail). */
  readonly ppid: number
  /** The command line (kern.proc.args, what `pgrep -f` matches), its words joined by spaces. */
  readonly args: string
  /** Its descriptor table, for the sockets it opened: fd -> the open socket (struct file's f_data). */
  readonly files: Map<number, object>
  /** Deliver `signal` (1..128): the process ends with 128+signal. */
  kill(signal: number): void
  /** p_fibnum: the FIB its new sockets use; inherited from the parent, changed by setfib(2). */
  fib: number
}

/** FreeBSD's JAIL_MAX, the children.max of prison0. */
export const JAIL_MAX = 999999

export class Prison {
  readonly jid: number
  /** Last component of the name. */
  readonly name: string
  readonly parent: Prison | null
  /** Live children by name, in creation order. */
  private readonly kids = new Map<string, Prison>()
  /** Live descendants at any depth (children.cur: FreeBSD's pr_childcount counts grandchildren). */
  descendantCount = 0
  vnet: Vnet
  readonly ownsVnet: boolean
  persist = false
  childrenMax = 0
  hostname: string
  path = '/'
  allowRawSockets = false
  allowSetHostname = false
  ip4: number[] = []
  /** The jail's root cpuset (cpuset.id, `jls -v`): its own, as cpuset_create_root gives every jail. */
  cpusetId = 1
  /**
   * ip6.addr of a jail sharing its parent's stack (pr_addrs[PR_INET6]): the first is the primary
   * address, the rest sorted. `null` is ip6=inherit from an unrestricted parent (no PR_IP6): every
   * address of the stack; an empty list is ip6=disable (FreeBSD's default when none is given).
   */
  ip6: Uint8Array[] | null = []
  /** ip6.saddrsel (PR_IP6_SADDRSEL): pick the source among the jail's addresses by RFC 6724. */
  ip6Saddrsel = true
  /** Live processes by pid. */
  readonly procs = new Map<number, ProcEntry>()
  dying = false

  constructor(
    jid: number,
    name: string,
    parent: Prison | null,
    vnet: Vnet,
    ownsVnet: boolean,
    hostname: string,
  ) {
    this.jid = jid
    this.name = name
    this.parent = parent
    this.vnet = vnet
    this.ownsVnet = ownsVnet
    this.hostname = hostname
  }

  /** Name relative to `viewer` (an ancestor or itself): `a.b` from prison0, `b` from `a`. */
  nameFrom(viewer: Prison): string {
    const parts: string[] = []
    for (let p: Prison | null = this; p !== null && p !== viewer; p = p.parent) parts.unshift(p.name)
    return parts.join('.')
  }

  isStrictDescendantOf(anc: Prison): boolean {
    for (let p = this.parent; p !== null; p = p.parent) if (p === anc) return true
    return false
  }

  /** A snapshot of the children, in creation order. */
  get children(): Prison[] {
    return [...this.kids.values()]
  }

  get childCount(): number {
    return this.kids.size
  }

  child(name: string): Prison | undefined {
    return this.kids.get(name)
  }

  /** Link a new child and count it at every ancestor. */
  addChild(pr: Prison): void {
    this.kids.set(pr.name, pr)
    for (let p: Prison | null = this; p !== null; p = p.parent) p.descendantCount++
  }

  removeChild(pr: Prison): void {
    if (this.kids.get(pr.name) !== pr) return
    this.kids.delete(pr.name)
    for (let p: Prison | null = this; p !== null; p = p.parent) p.descendantCount--
  }

  /** All strict descendants, depth first in creation order. */
  descendants(): Prison[] {
    const out: Prison[] = []
    const walk = (p: Prison) => {
      for (const c of p.kids.values()) {
        out.push(c)
        walk(c)
      }
    }
    walk(this)
    return out
  }

  /** A descendant by relative name (`b`, `b.c`) or by jid. */
  findDescendant(nameOrJid: string): Prison | undefined {
    if (/^\d+$/.test(nameOrJid)) {
      const jid = Number(nameOrJid)
      return this.descendants().find((p) => p.jid === jid)
    }
    let p: Prison | undefined = this
    for (const part of nameOrJid.split('.')) {
      p = p.kids.get(part)
      if (p === undefined) return undefined
    }
    return p
  }
}

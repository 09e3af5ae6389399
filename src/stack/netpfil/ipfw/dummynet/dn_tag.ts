/**
 * The tag dummynet hangs on a packet it holds (FreeBSD's struct dn_pkt_tag, an mbuf tag): where
 * the packet was taken (direction and interface), the ipfw rule to resume after when it comes back,
 * and when it may leave the delay line. Tags are recycled through a free list owned by the vnet's
 * dummynet; a packet's tag is taken off (Mbuf.tag = null) when ipfw reads it on reinjection.
 *
 * Plain data: it must not know queues, schedulers or ipfw's matching.
 */

import type { Ifnet } from '../../../net/ifnet.js'

export class DnTag {
  /** PFIL_IN or PFIL_OUT. */
  dir = 0
  ifp: Ifnet | null = null
  /** The ipfw rule that sent the packet (a KRule), its index then, and its number. */
  rule: object | null = null
  slot = 0
  ruleNum = 0
  /** When the packet leaves the delay line, ns. */
  outTime = 0
  /** Free-list link. */
  next: DnTag | null = null
}

/** A free list of tags; it grows when empty (one tag per packet held, never per packet passed). */
export class DnTagPool {
  private free: DnTag | null = null

  get(): DnTag {
    const t = this.free
    if (t === null) return new DnTag()
    this.free = t.next
    t.next = null
    return t
  }

  put(t: DnTag): void {
    t.ifp = null
    t.rule = null
    t.next = this.free
    this.free = t
  }
}

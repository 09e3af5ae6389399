/**
 * QFQ, Quick Fair Queueing (dn_sched_qfq.c; Checconi, Rizzo, Valente, "QFQ: Efficient Packet
 * Scheduling with Tight Guarantees", 2013): WF2Q+-like shares by weight in O(1). Queues are put
 * in groups by lmax/weight; each group keeps its backlogged queues in 32 slots by rounded virtual
 * start time, and four group bitmaps (eligible/ineligible × ready/blocked) find the next group with
 * a find-first-set. Weights are 1..65536 and lmax 1..2000 bytes (1500 by default), as
 * qfq_new_fsk bounds them.
 *
 * FreeBSD's 64-bit fixed point (30 fraction bits) is kept in doubles, which are exact up to 2^53:
 * when the virtual time passes 2^51 every live timestamp is moved down by a multiple of the largest
 * slot (2^41), which keeps all roundings; a stale timestamp of an idle queue stays "stale", as
 * FreeBSD's wraparound test would find it. FreeBSD's admission limit on the weight sum (2^17) is
 * not enforced. A queue taken away while backlogged is unlinked as FreeBSD's (unused)
 * qfq_deactivate_class does. It only orders queues; nothing is allocated per packet.
 */

import type { DnFsCfg } from './dn_h.js'
import type { DnQueue } from './dn_queue.js'
import type { DnSchedInst, DnSchedType } from './dn_sched.js'

const FRAC_BITS = 30
const ONE_FP = 2 ** FRAC_BITS
const QFQ_MAX_INDEX = 19
const QFQ_MAX_WEIGHT = 1 << 16
const QFQ_MAX_WSUM = 2 * QFQ_MAX_WEIGHT
/** V advances by len / QFQ_MAX_WSUM per packet (FreeBSD's static IWSUM). */
const IWSUM = ONE_FP / QFQ_MAX_WSUM
const QFQ_MTU_SHIFT = 11
const QFQ_MIN_SLOT_SHIFT = FRAC_BITS + QFQ_MTU_SHIFT - QFQ_MAX_INDEX
const QFQ_MAX_SLOTS = 32
const MIN_SLOT = 2 ** QFQ_MIN_SLOT_SHIFT
/** The group bitmaps: eligible ready, ineligible ready, eligible blocked, ineligible blocked. */
const ER = 0
const IR = 1
const EB = 2
const IB = 3
const ALL_GROUPS = (1 << (QFQ_MAX_INDEX + 1)) - 1
const REBASE_AT = 2 ** 51
const REBASE_UNIT = 2 ** (QFQ_MTU_SHIFT + FRAC_BITS)

/** qfq_new_fsk's bounds (weight 1..65536, default 1; lmax 1..2000, default 1500). */
export function qfqBoundFs(cfg: DnFsCfg): DnFsCfg {
  const weight = cfg.weight < 1 ? 1 : cfg.weight > QFQ_MAX_WEIGHT ? QFQ_MAX_WEIGHT : cfg.weight
  const lmax = cfg.lmax < 1 ? 1500 : cfg.lmax > 2000 ? 2000 : cfg.lmax
  return weight === cfg.weight && lmax === cfg.lmax ? cfg : { ...cfg, weight, lmax }
}

/** ONE_FP / weight, the weight bounded as qfq_new_queue does. */
function invW(q: DnQueue): number {
  const w = q.weight >= 1 && q.weight <= QFQ_MAX_WEIGHT ? q.weight : 1
  return Math.floor(ONE_FP / w)
}

function lmaxOf(q: DnQueue): number {
  return q.lmax < 1 ? 1500 : q.lmax > 2000 ? 2000 : q.lmax
}

/** qfq_calc_index: the group of a queue, about log2(lmax / weight) scaled. */
export function qfqCalcIndex(inv: number, maxlen: number): number {
  const slotSize = maxlen * inv
  const sizeMap = Math.floor(slotSize / MIN_SLOT)
  if (sizeMap === 0) return 0
  let index = 32 - Math.clz32(sizeMap)
  if (slotSize === 2 ** (index + QFQ_MIN_SLOT_SHIFT - 1)) index--
  return index < 0 ? 0 : index
}

/** A timestamp rounded down to a multiple of size (a power of two). */
function roundDown(ts: number, size: number): number {
  return ts - (ts % size)
}

/** Index of the lowest set bit (ffs - 1); the bitmap is non-zero. */
function ffs0(x: number): number {
  return 31 - Math.clz32(x & -x)
}

function maskFrom(bitmap: number, from: number): number {
  return from >= 32 ? 0 : bitmap & ~((1 << from) - 1)
}

class QfqGroup {
  S = 0
  F = 0
  front = 0
  fullSlots = 0
  readonly slots: (DnQueue | null)[] = new Array<DnQueue | null>(QFQ_MAX_SLOTS).fill(null)
  /** 2^slotShift, the slot width in virtual time. */
  readonly size: number

  constructor(
    readonly index: number,
    readonly slotShift: number,
  ) {
    this.size = 2 ** slotShift
  }
}

export class QfqInst implements DnSchedInst {
  /** The precise virtual time. */
  V = 0
  readonly bitmaps = [0, 0, 0, 0]
  readonly groups: QfqGroup[] = []

  constructor() {
    for (let i = 0; i <= QFQ_MAX_INDEX; i++)
      this.groups.push(new QfqGroup(i, QFQ_MTU_SHIFT + FRAC_BITS - (QFQ_MAX_INDEX - i)))
  }

  private calcState(g: QfqGroup): number {
    let state = g.S > this.V ? IR : ER
    const mask = maskFrom(this.bitmaps[ER]!, g.index)
    if (mask !== 0 && g.F > this.groups[ffs0(mask)]!.F) state |= EB
    return state
  }

  private moveGroups(mask: number, src: number, dst: number): void {
    const b = this.bitmaps
    b[dst] = b[dst]! | (b[src]! & mask)
    b[src] = b[src]! & ~mask
  }

  private setBit(state: number, index: number): void {
    this.bitmaps[state] = this.bitmaps[state]! | (1 << index)
  }

  private clearBit(state: number, index: number): void {
    this.bitmaps[state] = this.bitmaps[state]! & ~(1 << index)
  }

  private unblockGroups(index: number, oldFinish: number): void {
    const mask = maskFrom(this.bitmaps[ER]!, index + 1)
    if (mask !== 0 && !(this.groups[ffs0(mask)]!.F > oldFinish)) return
    const lower = (1 << index) - 1
    this.moveGroups(lower, EB, ER)
    this.moveGroups(lower, IB, IR)
  }

  private makeEligible(oldV: number): void {
    const vslot = Math.floor(this.V / MIN_SLOT)
    const oldVslot = Math.floor(oldV / MIN_SLOT)
    if (vslot !== oldVslot) {
      // Both are below 2^31 (V stays below 2^53), so the xor is exact.
      const hb = 31 - Math.clz32(vslot ^ oldVslot)
      const mask = hb >= QFQ_MAX_INDEX ? ALL_GROUPS : (2 << hb) - 1
      this.moveGroups(mask, IR, ER)
      this.moveGroups(mask, IB, EB)
    }
  }

  private slotInsert(g: QfqGroup, q: DnQueue, roundedS: number): void {
    let slot = (roundedS - g.S) / g.size
    // FreeBSD relies on slot < 32 ("guaranteed by the input values"); keep the bitmap sane anyway.
    if (slot > QFQ_MAX_SLOTS - 1) slot = QFQ_MAX_SLOTS - 1
    const i = (g.front + slot) % QFQ_MAX_SLOTS
    q.snext = g.slots[i]!
    g.slots[i] = q
    g.fullSlots |= 1 << slot
  }

  private frontSlotRemove(g: QfqGroup): void {
    const h = g.slots[g.front]!
    g.slots[g.front] = h.snext
    h.snext = null
    if (g.slots[g.front] === null) g.fullSlots &= ~1
  }

  /** The first queue of the group, moving the front to its slot. */
  private slotScan(g: QfqGroup): DnQueue | null {
    if (g.fullSlots === 0) return null
    const i = ffs0(g.fullSlots)
    if (i > 0) {
      g.front = (g.front + i) % QFQ_MAX_SLOTS
      g.fullSlots >>>= i
    }
    return g.slots[g.front]!
  }

  private slotRotate(g: QfqGroup, roundedS: number): void {
    const i = (g.S - roundedS) / g.size
    g.fullSlots <<= i
    g.front = (((g.front - i) % QFQ_MAX_SLOTS) + QFQ_MAX_SLOTS) % QFQ_MAX_SLOTS
  }

  private updateEligible(oldV: number): void {
    const ineligible = this.bitmaps[IR]! | this.bitmaps[IB]!
    if (ineligible !== 0) {
      if (this.bitmaps[ER] === 0) {
        const g = this.groups[ffs0(ineligible)]!
        if (g.S > this.V) this.V = g.S
      }
      this.makeEligible(oldV)
    }
  }

  /** After a packet left q: true when its group needs updating too. */
  private updateClass(g: QfqGroup, q: DnQueue): boolean {
    q.S = q.F
    if (q.head === null) {
      this.frontSlotRemove(g)
      q.active = false
    } else {
      q.F = q.S + q.head.len * invW(q)
      const roundedS = roundDown(q.S, g.size)
      if (roundedS === g.S) return false
      this.frontSlotRemove(g)
      this.slotInsert(g, q, roundedS)
    }
    return true
  }

  /** qfq_update_start: a stale finish time (behind V, or too far ahead) restarts from V. */
  private updateStart(q: DnQueue, g: QfqGroup): void {
    const roundedF = roundDown(q.F, g.size)
    const limit = roundDown(this.V, g.size) + g.size
    if (!(q.F > this.V) || roundedF > limit) {
      const mask = maskFrom(this.bitmaps[ER]!, g.index)
      if (mask !== 0) {
        const next = this.groups[ffs0(mask)]!
        if (roundedF > next.F) {
          q.S = next.F
          return
        }
      }
      q.S = this.V
    } else q.S = q.F
  }

  enqueue(q: DnQueue | null, m: { len: number }): boolean {
    // Only a queue that just became backlogged is (re)inserted (m is its only packet).
    if (q === null || q.head !== m || q.active) return true
    if (this.V >= REBASE_AT) this.rebase()
    const inv = invW(q)
    const g = this.groups[qfqCalcIndex(inv, lmaxOf(q))]!
    q.deficit = g.index
    q.active = true
    this.updateStart(q, g)
    q.F = q.S + m.len * inv
    const roundedS = roundDown(q.S, g.size)
    let update = true
    if (g.fullSlots !== 0) {
      if (!(g.S > q.S)) update = false
      else {
        // The group's start moves back: make room in front; it was surely ineligible.
        this.slotRotate(g, roundedS)
        this.clearBit(IR, g.index)
        this.clearBit(IB, g.index)
      }
    } else if (this.bitmaps[ER] === 0 && roundedS > this.V) this.V = roundedS
    if (update) {
      g.S = roundedS
      g.F = roundedS + 2 * g.size
      this.setBit(this.calcState(g), g.index)
    }
    this.slotInsert(g, q, roundedS)
    return true
  }

  dequeue() {
    if (this.bitmaps[ER] === 0) return null
    if (this.V >= REBASE_AT) this.rebase()
    const g = this.groups[ffs0(this.bitmaps[ER]!)]!
    const q = g.slots[g.front]!
    const m = q.shift()
    if (m === null) return null
    const oldV = this.V
    this.V += m.len * IWSUM
    if (this.updateClass(g, q)) {
      const oldF = g.F
      const c = this.slotScan(g)
      let unblock = true
      if (c === null) this.clearBit(ER, g.index)
      else {
        const roundedS = roundDown(c.S, g.size)
        if (g.S === roundedS) unblock = false
        else {
          g.S = roundedS
          g.F = roundedS + 2 * g.size
          this.clearBit(ER, g.index)
          this.setBit(this.calcState(g), g.index)
        }
      }
      // Unblock even if the group has gone away.
      if (unblock) this.unblockGroups(g.index, oldF)
    }
    this.updateEligible(oldV)
    return m
  }

  /** Move every live timestamp down by a multiple of the largest slot, so doubles stay exact. */
  private rebase(): void {
    const off = this.V - (this.V % REBASE_UNIT)
    this.V -= off
    for (const g of this.groups) {
      g.S -= off
      g.F -= off
      for (const h of g.slots)
        for (let q = h; q !== null; q = q.snext) {
          q.S -= off
          q.F -= off
        }
    }
  }

  /** qfq_deactivate_class: unlink a backlogged queue and fix its group's state. */
  removeQueue(q: DnQueue): void {
    if (!q.active) return
    q.active = false
    const g = this.groups[q.deficit]!
    q.F = q.S
    for (let i = 0; i < QFQ_MAX_SLOTS; i++) {
      let prev: DnQueue | null = null
      for (let x: DnQueue | null = g.slots[i]!; x !== null; prev = x, x = x.snext)
        if (x === q) {
          if (prev === null) g.slots[i] = x.snext
          else prev.snext = x.snext
          x.snext = null
          if (g.slots[i] === null) g.fullSlots &= ~(1 << ((i - g.front + QFQ_MAX_SLOTS) % QFQ_MAX_SLOTS))
          break
        }
    }
    if (g.fullSlots === 0) {
      // Nothing left: out of every set, and whatever it blocked is unblocked.
      for (const s of [IR, EB, IB, ER]) this.clearBit(s, g.index)
      this.unblockGroups(g.index, g.F)
    } else if (g.slots[g.front] === null) {
      const c = this.slotScan(g)!
      const roundedS = roundDown(c.S, g.size)
      if (g.S !== roundedS) {
        for (const s of [ER, IR, EB, IB]) this.clearBit(s, g.index)
        g.S = roundedS
        g.F = roundedS + 2 * g.size
        this.setBit(this.calcState(g), g.index)
      }
    }
    this.updateEligible(this.V)
  }

  purge(): void {
    for (const g of this.groups) {
      for (let i = 0; i < QFQ_MAX_SLOTS; i++) {
        for (let q: DnQueue | null = g.slots[i]!; q !== null; ) {
          const next: DnQueue | null = q.snext
          q.snext = null
          q.active = false
          q = next
        }
        g.slots[i] = null
      }
      g.fullSlots = 0
      g.front = 0
    }
    this.bitmaps.fill(0)
  }
}

export const QFQ: DnSchedType = {
  name: 'QFQ',
  multiqueue: true,
  ownQueues: false,
  create: () => new QfqInst(),
  boundFs: qfqBoundFs,
}

/**
 * FRR's LSP regeneration throttle (isisd/isis_lsp.c, _lsp_regenerate_schedule and lsp_refresh): an
 * LSP this IS has none of yet goes out at once (lsp_generate, lsp_generate_pseudo); a change to one
 * it has waits until `lsp-gen-interval` whole seconds (time(NULL)'s) after its last generation, or,
 * past that, until 100 ms have gone by without a further change (the instability timer).
 *
 * Keys are pseudonode bytes (0: this IS's own LSP). It only keeps times: it must not build, flood or
 * purge an LSP; the engine asks it what is due and tells it what it generated.
 */

import { ISIS_GEN_INTERVAL_DEFAULT } from './isis_config.js'
import { SEC_NS } from './isis_types.js'

const INSTABILITY_NS = 0.1 * SEC_NS

type Level = 1 | 2

export class LspGenThrottle {
  /** `lsp-gen-interval` per level, seconds. */
  interval: [number, number] = [ISIS_GEN_INTERVAL_DEFAULT, ISIS_GEN_INTERVAL_DEFAULT]
  /** Pending regenerations per level, by key. */
  private readonly at: [Map<number, number>, Map<number, number>] = [new Map(), new Map()]
  /** When each LSP was last generated anew, per level. */
  private readonly last: [Map<number, number>, Map<number, number>] = [new Map(), new Map()]
  /** The last request to regenerate, per level (FRR's last_lsp_refresh_event). */
  private readonly lastEvent: [number, number] = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]

  /** A new system ID: nothing pending, nothing generated. */
  clear(): void {
    for (const m of [...this.at, ...this.last]) m.clear()
  }

  /** A request to regenerate a level's LSPs. */
  event(l: Level, now: number): void {
    this.lastEvent[l - 1] = now
  }

  /** Schedule key's LSP; `held` says whether this IS holds a live instance of it. */
  schedule(l: Level, key: number, now: number, held: boolean): void {
    const pending = this.at[l - 1]
    if (pending.has(key)) return
    const last = this.last[l - 1].get(key)
    if (!held || last === undefined) {
      pending.set(key, now)
      return
    }
    const diff = Math.floor(now / SEC_NS) - Math.floor(last / SEC_NS)
    const interval = this.interval[l - 1]
    pending.set(key, diff < interval ? now + (interval - diff) * SEC_NS : now + INSTABILITY_NS)
  }

  /** The keys due now; this IS's own LSP, if held, waits out the instability timer. */
  due(l: Level, now: number, held: (key: number) => boolean): Set<number> {
    const due = new Set<number>()
    const pending = this.at[l - 1]
    const settled = now - this.lastEvent[l - 1] >= INSTABILITY_NS
    for (const [key, at] of pending) {
      if (at > now) continue
      if (key === 0 && !settled && held(0)) {
        pending.set(key, this.lastEvent[l - 1] + INSTABILITY_NS)
        continue
      }
      pending.delete(key)
      due.add(key)
    }
    return due
  }

  /** When the next regeneration of a level is due. */
  next(l: Level): number {
    let t = Number.POSITIVE_INFINITY
    for (const at of this.at[l - 1].values()) t = Math.min(t, at)
    return t
  }

  /** key's LSP was generated anew at now. */
  generated(l: Level, key: number, now: number): void {
    this.last[l - 1].set(key, now)
  }
}

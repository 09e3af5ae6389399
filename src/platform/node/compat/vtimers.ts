/**
 * `setTimeout`/`setInterval` on a lab's host clock, with Node's Timeout object (`ref`, `unref`,
 * `hasRef`, `refresh`, `close`), for Node-side code that should wait in the lab's time: in virtual
 * time a 30 s timeout costs nothing, and fires after the packets due before it. A ref'd pending
 * timer keeps virtual time flowing (Node: keeps the process alive); an unref'd one fires only if
 * something else makes time pass.
 *
 * Node's global timers stay wall-clock timers: the virtual clock neither waits for them nor is
 * moved by them.
 */

import type { Clock, Timer } from '../../../util/clock.js'
import { MS } from '../../../util/clock.js'

export class VTimeout {
  private readonly clock: Clock
  private readonly fn: () => void
  private readonly repeatNs: number
  private readonly delayNs: number
  private timer: Timer
  private refd = true
  private closed = false

  /** @internal Use LabTimers.setTimeout / setInterval. */
  constructor(clock: Clock, fn: () => void, delayNs: number, repeat: boolean) {
    this.clock = clock
    this.fn = fn
    this.delayNs = delayNs
    this.repeatNs = repeat ? delayNs : -1
    this.timer = clock.wakeTimer(this.onFire)
    this.timer.arm(delayNs)
  }

  private readonly onFire = (): void => {
    if (this.repeatNs >= 0 && !this.closed) this.timer.arm(this.repeatNs)
    // Whatever the callback starts (promise continuations included) runs at this instant, before
    // the clock fires anything later; an unref'd timer is no wake timer, so ask for it.
    this.clock.requestYield()
    this.fn()
  }

  /** Keep time flowing (and, in real time, the process alive) while pending. */
  ref(): this {
    return this.setRef(true)
  }

  unref(): this {
    return this.setRef(false)
  }

  hasRef(): boolean {
    return this.refd
  }

  /** Start the delay again from now. */
  refresh(): this {
    if (!this.closed) this.timer.arm(this.delayNs)
    return this
  }

  close(): this {
    this.closed = true
    this.timer.cancel()
    return this
  }

  /** A wake timer counts as a waiter and a plain one does not: swap kinds, keeping the deadline. */
  private setRef(on: boolean): this {
    if (on === this.refd) return this
    this.refd = on
    const armed = this.timer.armed
    const deadline = this.timer.deadline
    this.timer.cancel()
    this.timer = on ? this.clock.wakeTimer(this.onFire) : this.clock.timer(this.onFire)
    if (armed) this.timer.armAt(deadline)
    return this
  }
}

/** Node's delay rule: a non-number, NaN or below 1 ms is 1 ms; above 2^31-1 ms is 1 ms. */
function delayOf(ms: unknown): number {
  const n = Number(ms)
  return (!(n >= 1 && n <= 2 ** 31 - 1) ? 1 : n) * MS
}

/** The timer functions of one lab, bound to its clock. */
export class LabTimers {
  private readonly clock: Clock

  constructor(clock: Clock) {
    this.clock = clock
  }

  setTimeout = <A extends unknown[]>(fn: (...args: A) => void, ms?: number, ...args: A): VTimeout =>
    new VTimeout(this.clock, () => fn(...args), delayOf(ms), false)

  setInterval = <A extends unknown[]>(fn: (...args: A) => void, ms?: number, ...args: A): VTimeout =>
    new VTimeout(this.clock, () => fn(...args), delayOf(ms), true)

  clearTimeout = (t: VTimeout | undefined | null): void => {
    t?.close()
  }

  clearInterval = (t: VTimeout | undefined | null): void => {
    t?.close()
  }

  /** Resolves after `ms` of the lab's time (node:timers/promises setTimeout). */
  sleep = (ms: number): Promise<void> => new Promise((resolve) => this.setTimeout(resolve, ms))
}

/**
 * The host's one clock: a discrete-event timer queue that is either run as fast as possible
 * (`virtual`) or paced by the wall clock (`real`). Every timer in a host (ARP expiry, reassembly,
 * link delay, process sleeps) lives here. Times are nanoseconds as doubles (exact to 104 days).
 *
 * Virtual time advances only while some process waits for it (an armed "wake" timer), so background
 * timers such as ARP expiry never spin the clock on their own, and `sleep 10` costs microseconds.
 * Timers due at the same instant fire in arming order, which makes runs reproducible.
 *
 * This module must not touch the OS: the platform injects a ClockDriver.
 */

import { type HeapItem, IndexedHeap } from './heap.js'

export const US = 1e3
export const MS = 1e6
export const SEC = 1e9

export type ClockMode = 'virtual' | 'real'

/** What the platform gives the clock: the wall time and a way to be called back later. */
export interface ClockDriver {
  /** Monotonic wall time in nanoseconds. */
  wallNs(): number
  /** Run fn after the current task and its microtasks (setImmediate). */
  defer(fn: () => void): void
  /** Run fn after ms of wall time; `keepAlive` false must not keep the process running. */
  after(ms: number, fn: () => void, keepAlive: boolean): unknown
  cancel(handle: unknown): void
}

/** A re-armable callout (FreeBSD callout(9)); arming allocates nothing. */
export class Timer implements HeapItem {
  heapIndex = -1
  deadline = 0
  seq = 0
  readonly clock: Clock
  fn: () => void
  /** A wake timer stands for a waiting process: virtual time advances only while one is armed. */
  readonly wakes: boolean

  constructor(clock: Clock, fn: () => void, wakes = false) {
    this.clock = clock
    this.fn = fn
    this.wakes = wakes
  }

  get armed(): boolean {
    return this.heapIndex >= 0
  }

  /** Arm (or re-arm) to fire `delay` ns from now. */
  arm(delay: number): void {
    this.clock.arm(this, this.clock.now() + (delay > 0 ? delay : 0))
  }

  armAt(deadline: number): void {
    this.clock.arm(this, deadline)
  }

  cancel(): void {
    this.clock.disarm(this)
  }

  /** What firing does; a subclass may override it to carry its argument as a field, not a closure. */
  run(): void {
    this.fn()
  }
}

/** Events fired per driver turn in virtual mode before yielding to I/O. */
const VIRTUAL_BATCH = 4096
/**
 * Real mode: OS timers fire up to a millisecond or two late, so by default the clock sleeps on one
 * only until this long before the next deadline and then polls for it from the event loop (the
 * driver's defer, which lets pending I/O run between polls). Precision costs CPU while a deadline
 * is near; 0 turns polling off.
 */
export const DEFAULT_REAL_POLL_NS = 2 * MS
/** While polling, a deadline this close is busy-waited for rather than polled again. */
const REAL_SPIN_NS = 200 * US

export class Clock {
  readonly mode: ClockMode
  private readonly driver: ClockDriver
  private readonly heap = new IndexedHeap<Timer>((a, b) =>
    a.deadline < b.deadline ? true : a.deadline > b.deadline ? false : a.seq < b.seq,
  )
  private virtualNow = 0
  private readonly wallStart: number
  private seq = 0
  private waiters = 0
  /** Virtual mode: pause() calls not yet resumed; while any, no event fires. */
  private paused = 0
  private scheduled = false
  private yieldRequested = false
  private realHandle: unknown = undefined
  private realDeadline = Number.POSITIVE_INFINITY
  private realKeepAlive = false
  /** Real mode: a deferred runReal is pending (polling for a deadline within pollNs). */
  private polling = false
  /** Events fired since creation; for benchmarks and tests. */
  fired = 0
  /** Work outside the clock is waiting for a later turn (the netisr's backlog): fire one event per turn. */
  private backlog = false

  private readonly pollNs: number

  constructor(mode: ClockMode, driver: ClockDriver, realPollNs = DEFAULT_REAL_POLL_NS) {
    this.mode = mode
    this.driver = driver
    this.pollNs = realPollNs
    this.wallStart = driver.wallNs()
  }

  now(): number {
    return this.mode === 'virtual' ? this.virtualNow : this.driver.wallNs() - this.wallStart
  }

  /**
   * The time as of the start of the current task: exact in virtual mode; in real mode read once per
   * event-loop turn (FreeBSD's ipfw reads the tick-driven time_uptime, not the timecounter, for the
   * same reason). For per-packet bookkeeping with coarse needs — firewall rule timestamps and state
   * lifetimes — where one wall-clock read per packet would cost more than the work itself.
   */
  coarseNow(): number {
    if (this.mode === 'virtual') return this.virtualNow
    if (this.turnNow < 0) {
      this.turnNow = this.now()
      this.driver.defer(this.endTurn)
    }
    return this.turnNow
  }

  private turnNow = -1
  private readonly endTurn = (): void => {
    this.turnNow = -1
  }

  /**
   * The time as of the start of the current synchronous run of code: exact in virtual mode; in real
   * mode read once and kept until the next microtask checkpoint (any await). For per-segment
   * bookkeeping with millisecond needs — TCP's timer deadlines, timestamps and idle times, like
   * FreeBSD's `ticks` — where several wall-clock reads per segment cost more than the work. Unlike
   * coarseNow it is fresh after every await, so code that never yields to the event loop (a
   * benchmark's tight loop of socket calls) still sees time move. Never for waiting on a deadline.
   */
  runNow(): number {
    if (this.mode === 'virtual') return this.virtualNow
    if (this.runNowNs < 0) {
      this.runNowNs = this.now()
      void this.settled.then(this.endRun)
    }
    return this.runNowNs
  }

  private runNowNs = -1
  private readonly settled = Promise.resolve()
  private readonly endRun = (): void => {
    this.runNowNs = -1
  }

  /** Number of armed timers (all kinds). */
  get pending(): number {
    return this.heap.size
  }

  timer(fn: () => void): Timer {
    return new Timer(this, fn, false)
  }

  /**
   * Resolve after `ns` of clock time; the caller counts as a waiting process meanwhile. When `until`
   * settles first, resolve then and take the timer back.
   */
  sleep(ns: number, until?: Promise<unknown>): Promise<void> {
    return new Promise((resolve) => {
      const t = new Timer(this, resolve, true)
      t.arm(ns)
      const stop = () => {
        t.cancel()
        resolve()
      }
      until?.then(stop, stop)
    })
  }

  /**
   * A timer that wakes a waiting process (it keeps virtual time moving while armed), e.g. a socket
   * receive timeout. The callback should resolve the waiter.
   */
  wakeTimer(fn: () => void): Timer {
    return new Timer(this, fn, true)
  }

  /**
   * Call when a callback resolved a promise some process awaits: the virtual clock then lets
   * microtasks run before firing the next event, so the process acts at the right instant.
   */
  requestYield(): void {
    this.yieldRequested = true
  }

  /**
   * Count a process blocked without a timeout as waiting, so time keeps flowing toward the event it
   * waits for (a packet behind a delayed link). Pair with release().
   */
  hold(): void {
    this.waiters++
    this.kick()
  }

  release(): void {
    this.waiters--
  }

  /** Waiting processes and wake timers: virtual time moves only while this is above zero. */
  get waiting(): number {
    return this.waiters
  }

  /**
   * Virtual mode: fire nothing until the matching resume(), whoever waits. For work the clock cannot
   * see (the embedding program reading a file): virtual time must not run ahead meanwhile. Real
   * time cannot be stopped, so in real mode this does nothing.
   */
  pause(): void {
    this.paused++
  }

  /**
   * Virtual mode: deferred work (frames left in the run-queue) is pending. Virtual time still
   * advances — a storm must not freeze it — but by one event per turn, so the work runs between
   * events instead of after a whole batch of them.
   */
  setBacklog(on: boolean): void {
    this.backlog = on
  }

  resume(): void {
    this.paused--
    this.kick()
  }

  arm(t: Timer, deadline: number): void {
    const now = this.now()
    if (deadline < now) deadline = now
    if (t.heapIndex >= 0) {
      t.deadline = deadline
      t.seq = this.seq++
      this.heap.update(t)
    } else {
      t.deadline = deadline
      t.seq = this.seq++
      this.heap.push(t)
      if (t.wakes) this.waiters++
    }
    this.kick()
  }

  disarm(t: Timer): void {
    if (this.heap.remove(t) && t.wakes) this.waiters--
  }

  private kick(): void {
    if (this.mode === 'virtual') {
      if (!this.scheduled && this.waiters > 0 && this.paused === 0) {
        this.scheduled = true
        this.driver.defer(this.runVirtual)
      }
      return
    }
    const top = this.heap.peek()
    const keepAlive = this.waiters > 0
    if (top === undefined) {
      if (this.realHandle !== undefined) this.driver.cancel(this.realHandle)
      this.realHandle = undefined
      this.realDeadline = Number.POSITIVE_INFINITY
      return
    }
    // A poll is already on its way; it fires what is due and looks again.
    if (this.polling) return
    if (
      this.realHandle !== undefined &&
      top.deadline >= this.realDeadline &&
      keepAlive === this.realKeepAlive
    )
      return
    if (this.realHandle !== undefined) this.driver.cancel(this.realHandle)
    this.realHandle = undefined
    const wait = top.deadline - this.now()
    if (wait <= this.pollNs) {
      this.polling = true
      this.realDeadline = Number.POSITIVE_INFINITY
      this.driver.defer(this.runReal)
      return
    }
    this.realDeadline = top.deadline
    this.realKeepAlive = keepAlive
    this.realHandle = this.driver.after((wait - this.pollNs) / MS, this.runReal, keepAlive)
  }

  private fire(t: Timer): void {
    this.heap.remove(t)
    if (t.wakes) {
      this.waiters--
      this.yieldRequested = true
    }
    this.fired++
    t.run()
  }

  private readonly runVirtual = (): void => {
    this.scheduled = false
    this.yieldRequested = false
    for (let n = 0; n < VIRTUAL_BATCH && this.waiters > 0 && this.paused === 0; n++) {
      const t = this.heap.peek()
      if (t === undefined) break
      if (t.deadline > this.virtualNow) this.virtualNow = t.deadline
      this.fire(t)
      if (this.yieldRequested || this.backlog) break
    }
    this.kick()
  }

  private readonly runReal = (): void => {
    this.polling = false
    this.realHandle = undefined
    this.realDeadline = Number.POSITIVE_INFINITY
    let now = this.now()
    // Spinning must not hold the event loop for long: no deadline past this one is waited for here.
    const spinLimit = now + MS
    for (let n = 0; n < VIRTUAL_BATCH; n++) {
      const t = this.heap.peek()
      if (t === undefined) break
      if (t.deadline > now) {
        // The last few microseconds are cheaper to wait out here than through another event-loop turn.
        if (this.pollNs === 0 || t.deadline - now > REAL_SPIN_NS || t.deadline > spinLimit) break
        while (now < t.deadline) now = this.now()
      }
      this.fire(t)
    }
    this.kick()
  }

  /** Run fn after pending I/O and promise continuations (the driver's defer). */
  defer(fn: () => void): void {
    this.driver.defer(fn)
  }

  /** Cancel every timer (host teardown). */
  stop(): void {
    this.heap.clear()
    this.waiters = 0
    if (this.realHandle !== undefined) this.driver.cancel(this.realHandle)
    this.realHandle = undefined
  }
}

/**
 * A place for processes to block until an event (a packet for a socket, a child's exit) with an
 * optional timeout. Waking requests a clock yield so the woken process runs at the event's instant.
 */
export class WaitQueue {
  private readonly clock: Clock
  private waiters: Array<(ok: boolean) => void> = []

  constructor(clock: Clock) {
    this.clock = clock
  }

  /** Resolves true when woken, false on timeout. A timeout of Infinity waits forever. */
  wait(timeoutNs = Number.POSITIVE_INFINITY): Promise<boolean> {
    return new Promise((resolve) => {
      if (timeoutNs === Number.POSITIVE_INFINITY) {
        this.clock.hold()
        this.waiters.push((ok) => {
          this.clock.release()
          resolve(ok)
        })
        return
      }
      const entry = (ok: boolean) => {
        t.cancel()
        resolve(ok)
      }
      const t = this.clock.wakeTimer(() => {
        const i = this.waiters.indexOf(entry)
        if (i >= 0) this.waiters.splice(i, 1)
        resolve(false)
      })
      this.waiters.push(entry)
      t.arm(timeoutNs)
    })
  }

  wakeAll(): void {
    if (this.waiters.length === 0) return
    const ws = this.waiters
    this.waiters = []
    this.clock.requestYield()
    for (const w of ws) w(true)
  }

  get size(): number {
    return this.waiters.length
  }
}

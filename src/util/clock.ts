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
  /**
   * Block the thread for about `ns` of wall time (never much less; the OS may add its timer slack),
   * for the last sub-millisecond stretch before a deadline, where OS timers are too coarse. Optional:
   * without it the clock polls from the event loop instead.
   */
  block?(ns: number): void
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
    // Unarmed is the common case on the packet path (dummynet re-arms after every packet): no call.
    if (this.heapIndex >= 0) this.clock.disarm(this)
  }

  /** What firing does; a subclass may override it to carry its argument as a field, not a closure. */
  run(): void {
    this.fn()
  }
}

/** Events fired per driver turn in virtual mode before yielding to I/O. */
const VIRTUAL_BATCH = 4096
/**
 * Real mode: OS timers fire up to a millisecond or two late (and, counting whole milliseconds from a
 * cached loop time, up to one early), so by default the clock sleeps on one only until this long
 * before the next deadline and then waits out the rest from the event loop. 0 turns that off.
 */
export const DEFAULT_REAL_POLL_NS = 2 * MS
/**
 * Within the poll window, with a blocking driver: block at most this long per event-loop turn, so
 * I/O that arrives meanwhile waits no longer than this — Node's own timer granularity. Each block
 * costs tens of microseconds of CPU in the OS (a timed futex wait), so fewer, longer ones are cheaper.
 */
const REAL_BLOCK_NS = MS
/**
 * A poll that comes back later than this after the previous one ended found the loop busy with other
 * work (I/O callbacks, immediates): that turn polls without blocking, so a near deadline does not
 * slow the work down.
 */
const REAL_BUSY_GAP_NS = 100 * US
/**
 * The last stretch before a deadline is busy-waited, because a blocking sleep wakes late: by the
 * OS's timer slack (50 µs for an ordinary Linux thread, none under a real-time policy) plus the
 * wake-up itself. The margin tracks the 99th percentile of how late blocks actually wake (a
 * stochastic quantile estimate: up by STEP·Q on a late wake, down by STEP·(1-Q) otherwise),
 * between these bounds, so it costs CPU only where the OS needs it.
 */
const REAL_SPIN_MIN_NS = 10 * US
const REAL_SPIN_INIT_NS = 100 * US
const REAL_SPIN_MAX_NS = 300 * US
const REAL_SPIN_Q = 0.99
const REAL_SPIN_STEP_NS = 10 * US
/** Added to a block's lateness: reading the clock and firing take a little too. */
const REAL_SPIN_PAD_NS = 5 * US
/** While busy-waiting, the wall clock is read about this often (each reading allocates in Node). */
const SPIN_READ_NS = US
const SPIN_ITERS_MAX = 1 << 20
/** The shortest OS timer worth asking for: Node's setTimeout rounds anything shorter up to 1 ms. */
const MIN_OS_TIMER_NS = MS
/** Without a blocking driver, a deadline this close is busy-waited for rather than polled again. */
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
  /** Real mode: how long before a deadline a block ends and the busy-wait starts (adapts). */
  private spinNs = REAL_SPIN_INIT_NS
  /** Real mode: wall time the last poll handed back to the event loop (-1: not polling). */
  private pollEnd = -1
  /** Real mode: iterations of the plain loop between wall-clock readings while spinning (calibrated). */
  private spinIters = 64
  /** Written by the spin's plain loop, so the compiler cannot drop it. */
  private spinSink = 0

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
      // A promise reaction, not queueMicrotask: Node wraps each queued microtask in an AsyncResource
      // and a bound function, which costs more than the reaction and its promise.
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
    if (!this.heap.remove(t)) return
    if (t.wakes) this.waiters--
    // Real mode: an OS timer left behind would keep the process alive (or wake it) for nothing.
    if (this.realHandle !== undefined && (this.heap.size === 0 || (this.realKeepAlive && this.waiters === 0)))
      this.kick()
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
    // An OS timer asked for less than its minimum (a millisecond in Node) would fire past the window.
    if (wait <= this.pollNs + (this.pollNs > 0 ? MIN_OS_TIMER_NS : 0)) {
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
    const busy = this.pollEnd >= 0 && now - this.pollEnd > REAL_BUSY_GAP_NS
    this.pollEnd = -1
    let fired = 0
    for (let n = 0; n < VIRTUAL_BATCH; n++) {
      const t = this.heap.peek()
      if (t === undefined) break
      if (t.deadline > now) {
        // What fired must run (its promise continuations, then I/O) before the next deadline is waited for.
        if (fired > 0 || this.pollNs === 0) break
        now = this.waitFor(t.deadline, now, busy)
        if (now < t.deadline) break
      }
      this.fire(t)
      fired++
    }
    this.kick()
    if (this.polling) this.pollEnd = this.now()
  }

  /**
   * Wait toward a deadline within the poll window without leaving the current turn for long: block
   * (at most REAL_BLOCK_NS) until the spin margin, then busy-wait the rest. Returns the time reached;
   * before the deadline means the caller should poll again in a later turn. Allocates nothing.
   */
  private waitFor(deadline: number, now: number, busy: boolean): number {
    const block = this.driver.block
    if (block === undefined) {
      if (deadline - now > REAL_SPIN_NS) return now
      return this.spinUntil(deadline, now)
    }
    const room = deadline - now - this.spinNs
    if (room > 0) {
      if (busy) return now
      // A block short of the last leaves a margin for its own late wake-up too.
      const want = room <= REAL_BLOCK_NS ? room : Math.min(REAL_BLOCK_NS, room - this.spinNs)
      block.call(this.driver, want)
      const woke = this.now()
      this.learnSlack(woke - (now + want))
      now = woke
      if (deadline - now > this.spinNs) return now
    }
    return this.spinUntil(deadline, now)
  }

  /**
   * Busy-wait until the deadline. Reading the wall clock allocates in Node (performance.now builds
   * an array), and a spin that read it every iteration would bring on the very scavenges that make
   * the tail late; so between readings it runs a plain loop calibrated to last about SPIN_READ_NS.
   */
  private spinUntil(deadline: number, now: number): number {
    while (now < deadline) {
      let n = deadline - now > 2 * SPIN_READ_NS ? this.spinIters : 0
      const iters = n
      while (n > 0) {
        this.spinSink = (this.spinSink + n) | 0
        n--
      }
      const t = this.now()
      if (iters > 0 && t > now) {
        // Keep one stretch near SPIN_READ_NS as the machine's speed changes.
        const fit = Math.round((iters * SPIN_READ_NS) / (t - now))
        this.spinIters = fit < 1 ? 1 : fit > SPIN_ITERS_MAX ? SPIN_ITERS_MAX : fit
      }
      now = t
    }
    return now
  }

  /** Move the spin margin toward the 99th percentile of how late blocks wake. */
  private learnSlack(lateNs: number): void {
    let m = this.spinNs
    m +=
      lateNs + REAL_SPIN_PAD_NS > m ? REAL_SPIN_STEP_NS * REAL_SPIN_Q : -REAL_SPIN_STEP_NS * (1 - REAL_SPIN_Q)
    this.spinNs = m < REAL_SPIN_MIN_NS ? REAL_SPIN_MIN_NS : m > REAL_SPIN_MAX_NS ? REAL_SPIN_MAX_NS : m
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

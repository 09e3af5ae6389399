/**
 * What keeps a lab's clock going on behalf of Node-side code (the `dgram`/`net` adapters and the
 * lab's timers), with Node's own rule for what keeps a process alive: a handle that is active
 * (a bound socket, a listening server, an open connection, a pending timer) and ref'd. Such a handle
 * counts as one process waiting on the host clock, so virtual time flows toward the events it may
 * be waiting for; `unref()` takes it out of the count. In real time a ref'd handle also keeps the
 * Node process alive, as a real socket would.
 *
 * An adapter that waits for input (a receive loop, accept) waits through `idle()`, which does not
 * count: a socket nobody writes to must not keep virtual time running by itself being read.
 *
 * It must not wait, fire timers or touch sockets itself; it only adjusts the clock's count.
 */

import type { Clock } from '../../../util/clock.js'

/** A keep-alive interval long enough never to fire in practice. */
const KEEPALIVE_MS = 2 ** 30

export class Liveness {
  private readonly clock: Clock
  private count = 0
  private stopped = false
  private keepAlive: NodeJS.Timeout | undefined = undefined

  constructor(clock: Clock) {
    this.clock = clock
  }

  /** A new handle, inactive (it counts once activated while ref'd). */
  handle(): HandleRef {
    return new HandleRef(this)
  }

  /** @internal One more (or one fewer) active ref'd handle. */
  adjust(delta: 1 | -1): void {
    if (this.stopped) return
    this.count += delta
    if (delta > 0) this.clock.hold()
    else this.clock.release()
    if (this.clock.mode !== 'real') return
    if (this.count > 0 && this.keepAlive === undefined) this.keepAlive = setInterval(noop, KEEPALIVE_MS)
    else if (this.count === 0 && this.keepAlive !== undefined) {
      clearInterval(this.keepAlive)
      this.keepAlive = undefined
    }
  }

  /**
   * Wait for input without counting as a waiter: `start` begins a blocking wait on the host clock
   * (which counts itself, synchronously, if it blocks); the count it took is given back at once and
   * taken again when the wait ends, when the kernel gives its own back.
   */
  async idle<T>(start: () => Promise<T>): Promise<T> {
    const before = this.clock.waiting
    const p = start()
    const took = this.clock.waiting > before && !this.stopped
    if (took) this.clock.release()
    try {
      return await p
    } finally {
      if (took && !this.stopped) this.clock.hold()
    }
  }

  /** The lab is going away: nothing is counted any more. */
  stop(): void {
    this.stopped = true
    if (this.keepAlive !== undefined) clearInterval(this.keepAlive)
    this.keepAlive = undefined
  }
}

function noop(): void {}

/** Node's ref()/unref() for one handle: it counts while active and ref'd. */
export class HandleRef {
  private readonly live: Liveness
  private counted = false
  private active = false
  private refd = true

  constructor(live: Liveness) {
    this.live = live
  }

  get hasRef(): boolean {
    return this.refd
  }

  setActive(on: boolean): void {
    this.active = on
    this.sync()
  }

  setRef(on: boolean): void {
    this.refd = on
    this.sync()
  }

  private sync(): void {
    const want = this.active && this.refd
    if (want === this.counted) return
    this.counted = want
    this.live.adjust(want ? 1 : -1)
  }
}

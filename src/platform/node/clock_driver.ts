/**
 * The Node.js side of the host clock: wall time from process.hrtime, deferral with setImmediate
 * (which runs after pending promise continuations, so virtual time advances only when the
 * processes it woke have run), and real timers that do not keep the process alive unless asked.
 */

import type { ClockDriver } from '../../util/clock.js'

export function nodeClockDriver(): ClockDriver {
  return {
    // performance.now() is the same monotonic clock as hrtime, as a double: no BigInt per reading
    // (the data path reads the clock per segment).
    wallNs: () => performance.now() * 1e6,
    defer: (fn) => {
      setImmediate(fn)
    },
    after: (ms, fn, keepAlive) => {
      const t = setTimeout(fn, ms)
      if (!keepAlive) t.unref()
      return t
    },
    cancel: (h) => clearTimeout(h as NodeJS.Timeout),
  }
}

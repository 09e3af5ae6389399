/**
 * The Node.js side of the host clock: wall time from process.hrtime, deferral with setImmediate
 * (which runs after pending promise continuations, so virtual time advances only when the
 * processes it woke have run), real timers that do not keep the process alive unless asked, and a
 * sub-millisecond blocking sleep (Atomics.wait on a private SharedArrayBuffer) for the last stretch
 * before a real-time deadline, where setTimeout's whole milliseconds are too coarse. The clock
 * bounds every block, so the event loop still serves I/O between them.
 */

import type { ClockDriver } from '../../util/clock.js'

const NS_PER_MS = 1e6

export function nodeClockDriver(): ClockDriver {
  // Nobody ever notifies this word: waiting on it is a plain timed sleep that needs no callback.
  const word = new Int32Array(new SharedArrayBuffer(4))
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
    block: (ns) => {
      if (ns > 0) Atomics.wait(word, 0, 0, ns / NS_PER_MS)
    },
  }
}

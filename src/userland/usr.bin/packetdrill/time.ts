/**
 * When a script's events are due, in microseconds of script time (0 is when the script starts).
 * A relative time (`+0.1`) counts from the previous event: its scheduled time, or for a packet the
 * stack sent, the time it was actually seen (so one late retransmission does not shift every later
 * line). A blocking call `1.0...6.0` starts at 1.0 and must return by 6.0; later lines count from its
 * start. A range `0.1~0.2` accepts anything in between, `*` any time. Every check allows the
 * tolerance either side.
 */

import type { EventTime } from './ast.js'

/** packetdrill's default --tolerance_usecs. */
export const DEFAULT_TOLERANCE_US = 4000
/** How long `*` waits for a packet before giving up (virtual time, so it costs nothing). */
export const ANY_TIME_LIMIT_US = 600_000_000

/** An event's schedule: act at `at`; a packet or a return is accepted in [earliest, latest]. */
export interface Schedule {
  at: number
  earliest: number
  latest: number
  /** For a blocking call: when it must return (else `at`). */
  end: number
}

/** The schedule of an event whose predecessor is at `prev` (script µs), `now` the current time. */
export function schedule(t: EventTime, prev: number, now: number, tol: number): Schedule {
  switch (t.kind) {
    case 'absolute':
    case 'relative': {
      const at = t.kind === 'absolute' ? t.usecs : prev + t.usecs
      return { at, earliest: at - tol, latest: at + tol, end: at }
    }
    case 'span':
    case 'range': {
      const start = t.start.relative ? prev + t.start.usecs : t.start.usecs
      const end = t.end.relative ? start + t.end.usecs : t.end.usecs
      return t.kind === 'span'
        ? { at: start, earliest: end - tol, latest: end + tol, end }
        : { at: start, earliest: start - tol, latest: end + tol, end: start }
    }
    case 'any':
      return {
        at: now,
        earliest: Number.NEGATIVE_INFINITY,
        latest: now + ANY_TIME_LIMIT_US,
        end: now,
      }
  }
}

/** Seconds with microseconds, as packetdrill prints times. */
export function secs(us: number): string {
  return (us / 1e6).toFixed(6)
}

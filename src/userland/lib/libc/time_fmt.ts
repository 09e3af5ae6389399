/**
 * The date formats the mail and web programs write: HTTP's IMF-fixdate (RFC 9110 §5.6.7), the
 * Date header of a message (RFC 5322 §3.3), ctime(3)'s for mbox `From ` lines, and the Common Log
 * Format's `[10/Oct/2000:13:55:36 +0000]`. All UTC, from seconds the caller read from the host's
 * clock, so virtual time stays reproducible.
 */

import { civilTime, DAY_NAMES, MONTH_NAMES } from '../../../util/civil_time.js'

const p2 = (n: number): string => String(n).padStart(2, '0')

function hms(secs: number): string {
  const t = civilTime(secs)
  return `${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)}`
}

/** `Sun, 06 Nov 1994 08:49:37 GMT`. */
export function httpDate(secs: number): string {
  const t = civilTime(secs)
  return `${DAY_NAMES[t.weekday]}, ${p2(t.day)} ${MONTH_NAMES[t.month - 1]} ${t.year} ${hms(secs)} GMT`
}

/** `Sun, 6 Nov 1994 08:49:37 +0000`. */
export function mailDate(secs: number): string {
  const t = civilTime(secs)
  return `${DAY_NAMES[t.weekday]}, ${t.day} ${MONTH_NAMES[t.month - 1]} ${t.year} ${hms(secs)} +0000`
}

/** ctime(3) without its newline: `Sun Nov  6 08:49:37 1994`. */
export function ctime(secs: number): string {
  const t = civilTime(secs)
  return `${DAY_NAMES[t.weekday]} ${MONTH_NAMES[t.month - 1]} ${String(t.day).padStart(2)} ${hms(secs)} ${t.year}`
}

/** syslog's `Nov  6 08:49:37`. */
export function syslogDate(secs: number): string {
  const t = civilTime(secs)
  return `${MONTH_NAMES[t.month - 1]} ${String(t.day).padStart(2)} ${hms(secs)}`
}

/** `[06/Nov/1994:08:49:37 +0000]`. */
export function clfDate(secs: number): string {
  const t = civilTime(secs)
  return `[${p2(t.day)}/${MONTH_NAMES[t.month - 1]}/${t.year}:${hms(secs)} +0000]`
}

/** lighttpd's error-log stamp: `1994-11-06 08:49:37`. */
export function logStamp(secs: number): string {
  const t = civilTime(secs)
  return `${t.year}-${p2(t.month)}-${p2(t.day)} ${hms(secs)}`
}

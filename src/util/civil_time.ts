/**
 * Calendar fields of a UTC instant, for programs that print dates (ipfw -t's ctime(3), the HTTP date
 * iperf3 sends). Pure arithmetic on seconds since the epoch: it never reads a clock, so the caller
 * passes the host's time and virtual time stays reproducible.
 */

export const DAY_NAMES: readonly string[] = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
export const MONTH_NAMES: readonly string[] = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
]

/** The full English names, for strftime's %A/%B and date parsers (C locale). */
export const DAY_FULL_NAMES: readonly string[] = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
]
export const MONTH_FULL_NAMES: readonly string[] = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

export interface CivilTime {
  year: number
  /** 1–12. */
  month: number
  day: number
  /** 0 = Sunday. */
  weekday: number
  hour: number
  minute: number
  second: number
}

/** The proleptic Gregorian date and time of `secs` (whole seconds are used) in UTC. */
export function civilTime(secs: number): CivilTime {
  const days = Math.floor(secs / 86400)
  const rem = Math.floor(secs - days * 86400)
  // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const month = mp < 10 ? mp + 3 : mp - 9
  return {
    year: yoe + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: doy - Math.floor((153 * mp + 2) / 5) + 1,
    // 1970-01-01 was a Thursday.
    weekday: (((days + 4) % 7) + 7) % 7,
    hour: Math.floor(rem / 3600),
    minute: Math.floor((rem % 3600) / 60),
    second: rem % 60,
  }
}

/**
 * tcpdump's timestamps in front of a line (ts_format): the default time of day HH:MM:SS.uuuuuu,
 * -t none, -tt seconds since the epoch, -ttt the delta from the previous packet, -tttt the date and
 * time. Stamps are the host clock's (UTC; virtual time starts at the epoch). Pure functions.
 */

/** The timestamp in front of a line: -t none (0 t's is the default HH:MM:SS.uuuuuu). */
export function stamp(
  tflag: number,
  sec: number,
  nsec: number,
  prev: { sec: number; nsec: number } | null,
): string {
  const us = Math.floor(nsec / 1000)
  const frac = `.${String(us).padStart(6, '0')}`
  switch (tflag) {
    case 1:
      return ''
    case 2:
      return `${sec}${frac} `
    case 3: {
      // -ttt: the delta from the previous packet.
      let d =
        prev === null ? 0 : (sec - prev.sec) * 1e6 + Math.floor(nsec / 1000) - Math.floor(prev.nsec / 1000)
      if (d < 0) d = 0
      return `${clock(Math.floor(d / 1e6))}.${String(d % 1e6).padStart(6, '0')} `
    }
    case 4: {
      const days = Math.floor(sec / 86400)
      return `${civilDate(days)} ${clock(sec % 86400)}${frac} `
    }
    default:
      return `${clock(sec % 86400)}${frac} `
  }
}

function clock(s: number): string {
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
}

/** YYYY-MM-DD of a day count since 1970-01-01 (Howard Hinnant's days_from_civil inverse). */
function civilDate(z0: number): string {
  const z = z0 + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}

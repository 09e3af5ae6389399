/**
 * route(8)'s metric modifiers (set_metric): `-mtu`, `-hopcount`, `-expire`, `-recvpipe`, `-sendpipe`,
 * `-ssthresh`, `-rtt`, `-rttvar`, `-weight`, each taking a number as strtol(3) reads it (base 0), and
 * `-lock` / `-lockrest`, which mark the next metric / all the following ones as locked.
 *
 * FreeBSD 14's kernel keeps only the MTU, the weight and the expiry of a route (rt_getmetrics zeroes
 * the rest and no lock survives), so the other values are checked and dropped here, as they are
 * dropped there. An `-expire` starting with `+` or `-` counts from now.
 *
 * The flag modifiers both families share (`-xresolve`, `-sticky`/`-nostick`, `-proxy`) are read here
 * too.
 *
 * Must not: ask the kernel anything; it only parses.
 */

import { CmdError, EX } from '../../common.js'
import { strtol } from '../../getopt.js'

export const METRIC_KEYWORDS: ReadonlySet<string> = new Set([
  'mtu',
  'hopcount',
  'expire',
  'recvpipe',
  'sendpipe',
  'ssthresh',
  'rtt',
  'rttvar',
  'weight',
])

/** The metrics a request carries to the kernel (rt_metrics with its rtm_inits bits). */
export interface Metrics {
  mtu?: number
  weight?: number
  expire?: number
}

/**
 * set_metric(): the value of `-KEY VALUE` into m (nowSec, time_second, read only for a signed -expire). A value strtol does not read whole is
 * `route: VALUE: Invalid argument` (err(EX_USAGE)), one out of range `Result too large`.
 */
export function setMetric(m: Metrics, key: string, value: string, nowSec: () => number): void {
  const v = strtol(value)
  if (v === null) {
    const range = /^[ \t]*[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(value)
    throw new CmdError(`${value}: ${range ? 'Result too large' : 'Invalid argument'}`, EX.USAGE)
  }
  switch (key) {
    case 'mtu':
      m.mtu = v
      break
    case 'weight':
      m.weight = v
      break
    case 'expire':
      m.expire = value.startsWith('+') || value.startsWith('-') ? v + nowSec() : v
      break
    // hopcount, recvpipe, sendpipe, ssthresh, rtt, rttvar: read and checked, kept by no kernel.
  }
}

/** The route flags a request can carry beside its metrics. */
export interface FlagModifiers {
  xresolve?: boolean
  sticky?: boolean
  proxy?: boolean
}

/**
 * `-xresolve`, `-sticky`, `-nostick`, `-proxy` into f, and `-lock`/`-lockrest` (rmx_locks, which
 * FreeBSD 14's kernel does not keep); false when key is none of them.
 */
export function setFlagModifier(f: FlagModifiers, key: string): boolean {
  switch (key) {
    case 'xresolve':
      f.xresolve = true
      return true
    case 'sticky':
      f.sticky = true
      return true
    case 'nostick':
      f.sticky = false
      return true
    case 'proxy':
      f.proxy = true
      return true
    case 'lock':
    case 'lockrest':
      return true
  }
  return false
}

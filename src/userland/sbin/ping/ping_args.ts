/**
 * ping(8)'s command line: FreeBSD 14's options for IPv4 with their checks and messages (which need
 * root, which conflict, the ranges of -s, -i, -W, -t and -p), parsed into one Options record.
 *
 * Must not: touch the network; a bad option is a usage error (exit 64) before anything is sent.
 */

import { ICMP_HDR_LEN } from '../../../wire/inet/icmp.js'
import { CmdError, EX, optsOrUsage, usage } from '../../common.js'
import { getopt, numArg, strtol } from '../../getopt.js'
import { IP_HDR } from './ping_print.js'

const DEFDATALEN = 56

const MAXWAIT_MS = 10000

const MAXALARM = 3600

const IP_MAXPACKET = 65535

export const MAX_IPOPTLEN = 40

const USAGE = [
  'usage: ping [-4AaDdfHnoQqRrv] [-C pcp] [-c count] [-G sweepmaxsize]',
  '            [-g sweepminsize] [-h sweepincrsize] [-i wait] [-l preload]',
  '            [-M mask | time] [-m ttl] [-P policy] [-p pattern] [-S src_addr]',
  '            [-s packetsize] [-t timeout] [-W waittime] [-z tos] IPv4-host',
].join('\n')

export interface Options {
  count: number
  intervalMs: number
  intervalSet: boolean
  datalen: number
  alarm: number
  waitMs: number
  waitSet: boolean
  ttl: number | undefined
  tos: number | undefined
  source: string | undefined
  df: boolean
  quiet: boolean
  quiet2: boolean
  flood: boolean
  once: boolean
  audible: boolean
  missed: boolean
  dontRoute: boolean
  verbose: boolean
  preload: number
  pattern: number[] | null
  /** -R: ask for the route in an IP record-route option (IP_OPTIONS) and print it. */
  rroute: boolean
  /** -C: 802.1p priority of the requests' frames (IP_VLAN_PCP), -1 for the interface's. */
  pcp: number | undefined
}

/** A numeric option or EX_USAGE with ping's `` invalid WHAT: `value' `` message. */
function num(what: string, value: string, range: { min?: number; max?: number; float?: boolean }): number {
  const v = numArg('ping', what, value, range)
  if (typeof v === 'string') throw new CmdError(v, EX.USAGE, true)
  return v
}

function bad(what: string, value: string, suffix = ''): CmdError {
  return new CmdError(`invalid ${what}: \`${value}'${suffix}`, EX.USAGE)
}

/** err(EX_NOPERM, what) with errno EPERM: an option only root may use. */
function rootOnly(what: string): CmdError {
  return new CmdError(`${what}: Operation not permitted`, EX.NOPERM)
}

/**
 * The getopt loop of ping.c, with its checks and messages; throws CmdError. `uid` is the real uid:
 * ping is setuid root, so the effective one is always 0, and FreeBSD's ping drops privilege before
 * parsing, refusing the options that could flood a network to anyone but root (EX_NOPERM).
 */
export function parsePingArgs(args: readonly string[], uid = 0): { opts: Options; target: string } {
  const r = optsOrUsage(getopt('ping', args, 'AaC:c:DdfHI:i:Ll:M:m:noP:p:QqRrS:s:T:t:vW:z:'), USAGE)
  const o: Options = {
    count: 0,
    intervalMs: 1000,
    intervalSet: false,
    datalen: DEFDATALEN,
    alarm: 0,
    waitMs: MAXWAIT_MS,
    waitSet: false,
    ttl: undefined,
    tos: undefined,
    source: undefined,
    df: false,
    quiet: false,
    quiet2: false,
    flood: false,
    once: false,
    audible: false,
    missed: false,
    dontRoute: false,
    verbose: false,
    preload: 0,
    pattern: null,
    rroute: false,
    pcp: undefined,
  }
  for (const [f, v] of r.opts) {
    switch (f) {
      case 'A':
        o.missed = true
        break
      case 'a':
        o.audible = true
        break
      case 'C': {
        // strtonum(optarg, -1, 7): -1 asks for the interface's own priority.
        const n = /^[-+]?\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN
        if (!Number.isInteger(n) || n < -1 || n > 7) throw bad('PCP', v)
        o.pcp = n
        break
      }
      case 'c':
        o.count = num('count of packets to transmit', v, { min: 1 })
        break
      case 'D':
        o.df = true
        break
      case 'd':
      case 'H':
      case 'n':
        break
      case 'f':
        if (uid !== 0) throw rootOnly('-f flag')
        o.flood = true
        break
      case 'i':
        o.intervalMs = Math.trunc(num('timing interval', v, { float: true, max: 0x7fffffff / 1000 }) * 1000)
        o.intervalSet = true
        if (uid !== 0 && o.intervalMs < 1000) throw rootOnly('-i interval too short')
        break
      case 'l':
        o.preload = num('preload value', v, { min: 0, max: 0x7fffffff })
        if (uid !== 0) throw rootOnly('-l flag')
        break
      case 'm':
        o.ttl = num('TTL', v, { min: 0, max: 255 })
        break
      case 'o':
        o.once = true
        break
      case 'p':
        o.pattern = parsePattern(v)
        break
      case 'Q':
        o.quiet2 = true
        break
      case 'q':
        o.quiet = true
        break
      case 'R':
        o.rroute = true
        break
      case 'r':
        o.dontRoute = true
        break
      case 'S':
        o.source = v
        break
      case 's':
        o.datalen = num('packet size', v, { min: 0, max: 0x7fffffff })
        if (uid !== 0 && o.datalen > DEFDATALEN)
          throw rootOnly(`packet size too large: ${o.datalen} > ${DEFDATALEN}`)
        break
      case 't': {
        // strtoul(3) without an end check, as ping.c does: "5s" is 5.
        const m = /^\s*\+?(0x[0-9a-f]+|\d+)/i.exec(v)
        const n = m === null ? 0 : (strtol(m[1]!) ?? 0)
        if (n < 1) throw bad('timeout', v)
        if (n > MAXALARM) throw bad('timeout', v, ` > ${MAXALARM}`)
        o.alarm = n
        break
      }
      case 'v':
        o.verbose = true
        break
      case 'W':
        o.waitMs = Math.trunc(num('timing interval', v, { float: true, max: 0x7fffffff }))
        o.waitSet = true
        break
      case 'z': {
        const n = strtol(v)
        if (n === null || n < 0 || n > 255) throw bad('TOS', v)
        o.tos = n
        break
      }
      default:
        // Accepted by FreeBSD's getopt but meaningless here (multicast, IPsec, sweeps).
        throw new CmdError(`-${f}: not supported by VirtNet`, EX.USAGE)
    }
  }
  if (r.rest.length !== 1) usage(USAGE)
  const maxPayload = IP_MAXPACKET - IP_HDR - ICMP_HDR_LEN - (o.rroute ? MAX_IPOPTLEN : 0)
  if (o.datalen > maxPayload)
    throw new CmdError(`packet size too large: ${o.datalen} > ${maxPayload}`, EX.USAGE)
  return { opts: o, target: r.rest[0]! }
}

/** fill(): up to 16 bytes given as hex digits, repeated over the payload. */
function parsePattern(p: string): number[] {
  if (!/^[0-9a-fA-F]*$/.test(p)) throw new CmdError('patterns must be specified as hex digits', EX.USAGE)
  const bytes: number[] = []
  for (let i = 0; i < p.length && bytes.length < 16; i += 2)
    bytes.push(Number.parseInt(p.slice(i, i + 2), 16))
  return bytes
}

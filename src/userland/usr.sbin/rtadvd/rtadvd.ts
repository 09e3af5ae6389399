/**
 * rtadvd(8): the router advertisement daemon (RFC 4861 §6.2). On each named interface it sends
 * unsolicited Router Advertisements to ff02::1 at random intervals between MinRtrAdvInterval and
 * MaxRtrAdvInterval (§6.2.4; at most 16 s apart for the first three), and answers valid Router
 * Solicitations after a random delay of up to 0.5 s, never closer than 3 s to the previous RA
 * (§6.2.6). What it advertises comes from rtadvd.conf(5) (`-c FILE`, default /etc/rtadvd.conf;
 * an interface without an entry gets the defaults), by default the interface's own global prefixes
 * (re-read for every RA) with L and A set. On a node that does not forward, a non-zero router
 * lifetime is refused for the interface, as FreeBSD's getconfig does. SIGTERM makes it send a last
 * RA with router lifetime 0 (§6.2.5) before exiting. Without `-f` it detaches (and logs nowhere);
 * in the foreground it logs to stderr as syslog's LOG_PERROR would, LOG_ERR and up unless `-d`
 * (LOG_INFO) or `-D` (LOG_DEBUG). Randomness comes from the kernel's seeded generator.
 *
 * Must not: throw out of its loop, or answer solicitations that fail validation.
 */

import type { IfInfo, Raw6Packet, Raw6Socket, Syscalls } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import {
  formatIpv6,
  in6IsLinkLocal,
  in6IsMulticast,
  in6IsUnspecified,
  in6Masked,
} from '../../../wire/inet6/in6_addr.js'
import {
  emitRouterAdvert,
  ND_RS_LEN,
  NdRouterOpts,
  ndRouterOptions,
  type RaPrefix,
} from '../../../wire/inet6/nd_router.js'
import { nullOut } from '../../bin/sh/streams.js'
import { getopt } from '../../getopt.js'
import type { Io, Proc } from '../../types.js'
import { type Caps, getconfig, parseTermcap, type RaConf } from './rtadvd_conf.js'

const SEC = 1e9
const MAX_INITIAL_RTR_ADVERT_INTERVAL = 16 * SEC
const MAX_INITIAL_RTR_ADVERTISEMENTS = 3
const MIN_DELAY_BETWEEN_RAS = 3 * SEC
const MAX_RA_DELAY_TIME = SEC / 2
const ALL_NODES = new Uint8Array([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
const USAGE = 'usage: rtadvd [-dDfRs] [-c configfile] [-C ctlsock] [-M ifname] [-p pidfile]\n'
const SIGTERM = 15
const SIGINT = 2
const LOG_ERR = 3
const LOG_INFO = 6
const LOG_DEBUG = 7
const IN6_IFF_ANYCAST = 0x1

interface RaIf {
  name: string
  index: number
  conf: RaConf
  /** Absolute time of the next RA. */
  next: number
  /** When the last RA went out (0: none yet). */
  last: number
  initcounter: number
  /** A solicited RA is already scheduled. */
  solicited: boolean
  raoutput: number
  rsinput: number
}

function random(sys: Syscalls): number {
  const b = sys.getrandom(4)
  return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32
}

const nullIo: Io = { stdin: { read: async () => null }, stdout: nullOut, stderr: nullOut }

/** The interface's own global prefixes (get_prefix), as they are now. */
function ifPrefixes(ifi: IfInfo, conf: RaConf): RaPrefix[] {
  const out: RaPrefix[] = []
  const seen = new Set<string>()
  for (const a of ifi.inet6 ?? []) {
    if (in6IsLinkLocal(a.addr, 0) || in6IsMulticast(a.addr, 0) || (a.flags & IN6_IFF_ANYCAST) !== 0) continue
    if (a.addr[0] === 0 && a.addr[15] === 1 && a.addr.slice(0, 15).every((x) => x === 0)) continue
    if (a.prefixLen >= 128) continue
    const prefix = in6Masked(a.addr, a.prefixLen)
    const k = `${formatIpv6(prefix)}/${a.prefixLen}`
    if (seen.has(k)) continue
    seen.add(k)
    out.push({
      prefix,
      prefixLen: a.prefixLen,
      onlink: (conf.pinfoflags & 0x80) !== 0,
      autonomous: (conf.pinfoflags & 0x40) !== 0,
      vltime: conf.vltime,
      pltime: conf.pltime,
    })
  }
  return out
}

/** rtadvd [-dDfRs] [-c configfile] [-C ctlsock] [-M ifname] [-p pidfile] interface ... */
export async function rtadvd(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const o = getopt('rtadvd', argv.slice(1), 'c:C:dDfM:p:Rs')
  if (typeof o === 'string') {
    io.stderr.write(`${o}\n${USAGE}`)
    return 1
  }
  let dflag = 0
  let fflag = false
  let conffile = '/etc/rtadvd.conf'
  for (const [f, v] of o.opts) {
    if (f === 'd') dflag = Math.max(dflag, 1)
    else if (f === 'D') dflag = 2
    else if (f === 'f') fflag = true
    else if (f === 'c') conffile = v
  }
  if (o.rest.length === 0) {
    io.stderr.write(USAGE)
    return 1
  }
  if (!fflag) {
    // daemon(3): the work goes on in a child that logs to syslog (nowhere here).
    proc.spawn(['rtadvd', '-f', ...argv.slice(1)], nullIo)
    return 0
  }
  const sys = proc.sys
  const upto = dflag > 1 ? LOG_DEBUG : dflag > 0 ? LOG_INFO : LOG_ERR
  const log = (level: number, msg: string): void => {
    if (level <= upto) void io.stderr.write(`rtadvd[${proc.pid}]: ${msg}\n`)
  }
  const text = proc.fs.read(conffile)
  const entries: Map<string, Caps> = text === undefined ? new Map() : parseTermcap(text)
  let forwarding = false
  try {
    forwarding = Number(sys.sysctlGet('net.inet6.ip6.forwarding').value) !== 0
  } catch {
    forwarding = false
  }
  const ifs: RaIf[] = []
  for (const name of o.rest) {
    let ifi: IfInfo
    try {
      ifi = sys.ifGet(name)
    } catch {
      log(LOG_ERR, `<getconfig> ${name}: interface not found`)
      continue
    }
    const r = getconfig(entries.get(name), name, forwarding)
    if (r.info !== undefined) log(LOG_INFO, r.info)
    if ('error' in r) {
      log(LOG_ERR, r.error)
      continue
    }
    ifs.push({
      name,
      index: ifi.index,
      conf: r.conf,
      next: 0,
      last: 0,
      initcounter: 0,
      solicited: false,
      raoutput: 0,
      rsinput: 0,
    })
  }
  let sock: Raw6Socket
  try {
    sock = sys.inet6.rawSocket()
  } catch (e) {
    if (!isSysError(e)) throw e
    log(LOG_ERR, `<sock_open> socket: ${e.strerror}`)
    return 1
  }

  /** ra_timer_update: the next unsolicited RA, §6.2.4's random interval. */
  const timerUpdate = (ri: RaIf): void => {
    const c = ri.conf
    let interval = (c.mininterval + random(sys) * (c.maxinterval - c.mininterval)) * SEC
    if (ri.initcounter < MAX_INITIAL_RTR_ADVERTISEMENTS && interval > MAX_INITIAL_RTR_ADVERT_INTERVAL)
      interval = MAX_INITIAL_RTR_ADVERT_INTERVAL
    ri.next = sys.now() + Math.floor(interval)
    log(LOG_DEBUG, `<ra_timer_update> RA timer on ${ri.name} is set to ${Math.floor(interval / 1e6) / 1000}s`)
  }

  const raOutput = (ri: RaIf, final: boolean): void => {
    let ifi: IfInfo
    try {
      ifi = sys.ifGet(ri.name)
    } catch {
      return
    }
    const c = ri.conf
    const prefixes: RaPrefix[] =
      c.prefixes === null
        ? ifPrefixes(ifi, c)
        : c.prefixes.map((p) => ({ ...p, autonomous: p.auto, prefix: in6Masked(p.prefix, p.prefixLen) }))
    const msg = emitRouterAdvert({
      curHopLimit: c.chlim,
      flags: c.raflags,
      routerLifetime: final ? 0 : c.rltime,
      reachableTime: c.rtime,
      retransTimer: c.retrans,
      mac: ifi.mac,
      mtu: c.mtu === -1 ? ifi.mtu : c.mtu,
      prefixes,
    })
    try {
      sock.send(ALL_NODES, msg, { hlim: 255, scopeId: ri.index })
      ri.raoutput++
      log(
        LOG_DEBUG,
        `<ra_output> send RA on ${ri.name}, # of RS waitings and RA outputs are 0, ${ri.raoutput}`,
      )
    } catch (e) {
      if (!isSysError(e)) throw e
      log(LOG_ERR, `<ra_output> sendmsg on ${ri.name}: ${e.strerror}`)
    }
    ri.last = sys.now()
    ri.initcounter++
    ri.solicited = false
  }

  const opts = new NdRouterOpts()
  /** rs_input: a valid solicitation schedules a multicast answer (§6.2.6). */
  const rsInput = (p: Raw6Packet): void => {
    const d = p.data
    const ri = ifs.find((x) => x.name === p.ifName)
    if (ri === undefined) return
    if (p.hlim !== 255) {
      log(
        LOG_INFO,
        `<rs_input> invalid RS hop limit (${p.hlim}) received from ${formatIpv6(p.src)} on ${p.ifName}`,
      )
      return
    }
    if (d[1] !== 0 || d.length < ND_RS_LEN) return
    if (!ndRouterOptions(d, ND_RS_LEN, d.length - ND_RS_LEN, opts)) {
      log(LOG_INFO, `<rs_input> invalid ND option in RS from ${formatIpv6(p.src)} on ${p.ifName}`)
      return
    }
    // RFC 4861 §6.1.1: from :: there must be no source link-layer address option.
    if (in6IsUnspecified(p.src, 0) && opts.slla >= 0) return
    ri.rsinput++
    log(LOG_DEBUG, `<rs_input> RS received from ${formatIpv6(p.src)} on ${p.ifName}`)
    if (ri.solicited) return
    const now = sys.now()
    let at = now + Math.floor(random(sys) * MAX_RA_DELAY_TIME)
    if (ri.last !== 0 && at < ri.last + MIN_DELAY_BETWEEN_RAS) at = ri.last + MIN_DELAY_BETWEEN_RAS
    if (at < ri.next) {
      ri.next = at
      ri.solicited = true
    }
  }

  let stop = false
  let closed = false
  const close = (): void => {
    if (closed) return
    closed = true
    sock.close()
  }
  const onTerm = (): void => {
    // rtadvd_shutdown: a last RA with router lifetime 0 where one was sent (§6.2.5).
    if (!stop) for (const ri of ifs) if (ri.last !== 0) raOutput(ri, true)
    stop = true
    close()
  }
  const unhook = [SIGTERM, SIGINT].map((s) => proc.onSignal(s, onTerm))
  const unkill = proc.onKill(() => {
    stop = true
    close()
  })
  for (const ri of ifs) timerUpdate(ri)
  try {
    while (!stop && !proc.killed) {
      const now = sys.now()
      for (const ri of ifs)
        if (ri.next <= now) {
          raOutput(ri, false)
          timerUpdate(ri)
        }
      const next = ifs.length === 0 ? now + 3600 * SEC : Math.min(...ifs.map((x) => x.next))
      const p = await sock.recv(Math.max(0, next - sys.now()))
      if (p === null) continue
      if (p.data[0] === 133) rsInput(p)
    }
  } finally {
    for (const u of unhook) u()
    unkill()
    close()
  }
  return 0
}

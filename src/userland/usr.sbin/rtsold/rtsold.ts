/**
 * rtsold(8) and rtsol(8): send Router Solicitations (RFC 4861 §6.3.7) on the named interfaces so a
 * host hears its routers at once instead of waiting for their next unsolicited advertisement. The
 * kernel does the rest with the Router Advertisements that come back (default router, prefixes,
 * SLAAC); this program only solicits and watches. Per interface, as FreeBSD's: wait while the
 * link-local address is tentative, a random delay of up to MAX_RTR_SOLICITATION_DELAY, then up to
 * MAX_RTR_SOLICITATIONS solicitations RTR_SOLICITATION_INTERVAL apart, stopping at the first valid RA.
 * `rtsol` (= `rtsold -f1`) exits once every interface heard an RA or gave up; `rtsold` stays and
 * solicits again when an interface comes back up. `-F` turns ND6_IFF_ACCEPT_RTADV on first; without
 * it a host that does not accept RAs is warned about (and still solicits). `-a` picks the
 * interfaces itself. `-d`/`-D` print its reasoning to stderr (in the foreground).
 * DNS options in the RAs (RFC 8106 RDNSS and DNSSL) are gathered per interface, each entry until its
 * lifetime runs out, and handed to the resolvconf script (`-R`, /sbin/resolvconf by default) as
 * rtsol.c's ra_opt_handler does: `resolvconf -a IF:slaac` with `nameserver A` lines (a link-local
 * server as `A%IF`) and one `search` line of at most 6 domains on stdin, `resolvconf -d IF:slaac`
 * once all have expired. The script runs only when that text changes.
 *
 * Must not: change anything but the accept_rtadv flag (with -F); hold more than its socket's queue.
 */

import type { IfInfo, Raw6Socket, Syscalls } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import { formatIpv6, in6IsLinkLocal } from '../../../wire/inet6/in6_addr.js'
import { ndDnsOptions } from '../../../wire/inet6/nd_dns.js'
import { emitRouterSolicit } from '../../../wire/inet6/nd_router.js'
import { nullOut } from '../../bin/sh/streams.js'
import { getopt } from '../../getopt.js'
import type { Io, Proc } from '../../types.js'

const SEC = 1e9
const MAX_RTR_SOLICITATION_DELAY = 1 * SEC
const RTR_SOLICITATION_INTERVAL = 4 * SEC
const MAX_RTR_SOLICITATIONS = 3
/** How often an idle daemon looks at its interfaces (FreeBSD's hears RTM_IFINFO on its routing socket). */
const STATUS_POLL = 1 * SEC
const IFF_UP = 0x1
const IFF_LOOPBACK = 0x8
const IFF_POINTOPOINT = 0x10
const IN6_IFF_TENTATIVE = 0x2
const IN6_IFF_DUPLICATED = 0x4
const ND6_IFF_ACCEPT_RTADV = 0x2
const ND6_IFF_IFDISABLED = 0x8
const ALL_ROUTERS = new Uint8Array([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])
const SIGTERM = 15
const SIGINT = 2

const LOG_INFO = 6
const LOG_DEBUG = 7

/** IFS_* of rtsold.h. */
const IFS = { DELAY: 0, PROBE: 1, IDLE: 2, DOWN: 3, TENTATIVE: 4 } as const

interface IfState {
  name: string
  index: number
  mac: number | null
  state: number
  probes: number
  /** RAs heard. */
  racnt: number
  /** Absolute time of the next thing to do; Infinity for nothing. */
  expire: number
  active: boolean
  /** RDNSS/DNSSL entries heard ('nameserver X' or a search domain) and when each expires. */
  dns: Map<string, { search: boolean; until: number }>
  /** What the resolvconf script was last given ('' = nothing, or deleted). */
  dnsSent: string
}

/** Entries kept per interface (rtsold keeps all; RAs are bounded, this list is too). */
const MAX_DNS_ENTRIES = 32
/** resolv.conf(5): six search domains, 256 characters. */
const MAXDNSRCH = 6
const MAXSEARCHLEN = 256

function usage(prog: string): string {
  const flags = prog === 'rtsold' ? '[-dDfFm1]' : '[-dDF]'
  const line = `usage: ${prog} ${flags} [-O script-name] [-M script-name ] [-R script-name] [-p pidfile]`
  return `${line} interface ...\n${line} -a\n`
}

function random(sys: Syscalls): number {
  const b = sys.getrandom(4)
  return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32
}

const nullIo: Io = { stdin: { read: async () => null }, stdout: nullOut, stderr: nullOut }

/** interface_up: -1 down or unusable, IFS.TENTATIVE while DAD runs on the link-local, 0 ready. */
function interfaceUp(
  sys: Syscalls,
  name: string,
  force: boolean,
  log: (l: number, f: string, m: string) => void,
): number {
  let ifi: IfInfo
  try {
    ifi = sys.ifGet(name)
  } catch {
    return -1
  }
  if ((ifi.flags & IFF_UP) === 0) {
    try {
      sys.ifSetUp(name, true)
    } catch (e) {
      if (isSysError(e)) log(3, 'interface_up', `ioctl(SIOCSIFFLAGS): ${e.strerror}`)
    }
    return -1
  }
  log(LOG_DEBUG, 'interface_up', `checking if ${name} is ready...`)
  // IPv6 disabled on the interface (a new one starts so): -F enables it, else wait and see.
  if (((ifi.nd6Flags ?? 0) & ND6_IFF_IFDISABLED) !== 0) {
    if (!force) {
      log(4, 'interface_up', `${name} is disabled.`)
      return -1
    }
    try {
      sys.inet6.setNdFlags(name, 0, ND6_IFF_IFDISABLED)
      ifi = sys.ifGet(name)
    } catch (e) {
      if (isSysError(e)) log(4, 'interface_up', `ioctl(SIOCSIFINFO_IN6): ${e.strerror}`)
      return -1
    }
  }
  const ll = (ifi.inet6 ?? []).find((a) => in6IsLinkLocal(a.addr, 0))
  if (ll === undefined || ((ifi.nd6Flags ?? 0) & ND6_IFF_IFDISABLED) !== 0) {
    log(4, 'interface_up', "get_llflag() failed, anyway I'll try")
    return 0
  }
  if ((ll.flags & IN6_IFF_TENTATIVE) !== 0) {
    log(LOG_DEBUG, 'interface_up', `${name} is tentative`)
    return IFS.TENTATIVE
  }
  if ((ll.flags & IN6_IFF_DUPLICATED) !== 0) {
    log(LOG_DEBUG, 'interface_up', `${name} is duplicated`)
    return -1
  }
  log(LOG_DEBUG, 'interface_up', `${name} is ready`)
  return 0
}

/** autoifprobe: the up, IPv6-capable, non-loopback, non-point-to-point interfaces taking RAs. */
function autoifprobe(sys: Syscalls, force: boolean): string[] {
  return sys
    .ifList()
    .filter(
      (i) =>
        (i.flags & IFF_UP) !== 0 &&
        (i.flags & (IFF_LOOPBACK | IFF_POINTOPOINT)) === 0 &&
        i.mac !== null &&
        ((i.nd6Flags ?? 0) & ND6_IFF_IFDISABLED) === 0 &&
        (force || ((i.nd6Flags ?? 0) & ND6_IFF_ACCEPT_RTADV) !== 0),
    )
    .map((i) => i.name)
}

export async function rtsol(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  return rtsoldMain('rtsol', argv, io, proc)
}

export async function rtsold(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  return rtsoldMain('rtsold', argv, io, proc)
}

async function rtsoldMain(prog: string, argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const o = getopt(prog, argv.slice(1), prog === 'rtsold' ? 'adDfFm1M:O:p:R:u' : 'adDFM:O:R:u')
  if (typeof o === 'string') {
    io.stderr.write(`${o}\n${usage(prog)}`)
    return 1
  }
  let aflag = false
  let dflag = 0
  let fflag = prog === 'rtsol'
  let once = prog === 'rtsol'
  let force = false
  let resolvScript = '/sbin/resolvconf'
  for (const [f, v] of o.opts) {
    if (f === 'a') aflag = true
    else if (f === 'd') dflag += 1
    else if (f === 'D') dflag += 2
    else if (f === 'f') fflag = true
    else if (f === 'F') force = true
    else if (f === '1') once = true
    else if ((f === 'M' || f === 'O' || f === 'R') && !v.startsWith('/')) {
      io.stderr.write(`${prog}: configuration script (${v}) must be an absolute path\n`)
      return 1
    } else if (f === 'R') resolvScript = v
  }
  if ((!aflag && o.rest.length === 0) || (aflag && o.rest.length !== 0)) {
    io.stderr.write(usage(prog))
    return 1
  }
  if (!fflag) {
    // daemon(3): the work goes on in a child that logs nowhere; this process returns at once.
    proc.spawn([prog, '-f', ...argv.slice(1)], nullIo)
    return 0
  }
  const logUpto = dflag > 1 ? LOG_DEBUG : dflag > 0 ? LOG_INFO : 5
  const log = (level: number, func: string, msg: string): void => {
    if (level <= logUpto) void io.stderr.write(`<${func}> ${msg}\n`)
  }
  const sys = proc.sys
  const names = aflag ? autoifprobe(sys, force) : o.rest
  if (aflag && names.length === 0) {
    log(3, 'main', 'failed to initialize interfaces')
    return 1
  }
  let sock: Raw6Socket
  try {
    sock = sys.inet6.rawSocket()
  } catch (e) {
    if (!isSysError(e)) throw e
    log(3, 'main', 'failed to open receive socket')
    return 1
  }
  const ifs: IfState[] = []
  for (const name of names) {
    let ifi: IfInfo
    try {
      ifi = sys.ifGet(name)
    } catch {
      log(3, 'ifconfig', `failed to get link layer information for ${name}`)
      log(3, 'main', `failed to initialize ${name}`)
      sock.close()
      return 1
    }
    if (ifs.some((x) => x.index === ifi.index)) {
      log(3, 'ifconfig', `interface ${name} was already configured`)
      sock.close()
      return 1
    }
    if (force) {
      try {
        sys.inet6.setNdFlags(name, ND6_IFF_ACCEPT_RTADV, 0)
      } catch {
        log(3, 'ifconfig', 'cannot set accept_rtadv flag')
        log(3, 'main', `failed to initialize ${name}`)
        sock.close()
        return 1
      }
    } else if (((ifi.nd6Flags ?? 0) & ND6_IFF_ACCEPT_RTADV) === 0)
      log(4, 'ifconfig', `${name}: ND6_IFF_ACCEPT_RTADV is off: RAs will be ignored by the kernel`)
    const s: IfState = {
      name,
      index: ifi.index,
      mac: ifi.mac,
      state: IFS.DOWN,
      probes: 0,
      racnt: 0,
      expire: 0,
      active: (ifi.flags & IFF_UP) !== 0,
      dns: new Map(),
      dnsSent: '',
    }
    ifs.push(s)
    setUp(s)
  }

  function setUp(s: IfState): void {
    const f = interfaceUp(sys, s.name, force, log)
    s.state = f === 0 ? IFS.DELAY : f === IFS.TENTATIVE ? IFS.TENTATIVE : IFS.DOWN
    timerUpdate(s)
  }

  /** rtsol_timer_update: when this interface next needs attention. */
  function timerUpdate(s: IfState): void {
    const now = sys.now()
    switch (s.state) {
      case IFS.DOWN:
        s.expire = once ? Infinity : now + STATUS_POLL
        break
      case IFS.TENTATIVE:
        s.expire = now + SEC
        break
      case IFS.DELAY:
        s.expire = now + Math.floor(random(sys) * MAX_RTR_SOLICITATION_DELAY)
        break
      case IFS.PROBE:
        s.expire = now + RTR_SOLICITATION_INTERVAL
        break
      default:
        s.expire = once ? Infinity : now + STATUS_POLL
    }
  }

  function rssend(s: IfState): void {
    s.probes++
    log(LOG_DEBUG, 'rtsol_check_timer', `sending RS on ${s.name} (${s.probes})`)
    try {
      sock.send(ALL_ROUTERS, emitRouterSolicit(s.mac), { hlim: 255, scopeId: s.index })
    } catch (e) {
      if (!isSysError(e)) throw e
      log(3, 'sendpacket', `sendmsg on ${s.name}: ${e.strerror}`)
    }
  }

  function expired(s: IfState): void {
    switch (s.state) {
      case IFS.DOWN:
      case IFS.TENTATIVE:
        setUp(s)
        return
      case IFS.IDLE: {
        const was = s.active
        let now = false
        try {
          now = (sys.ifGet(s.name).flags & IFF_UP) !== 0
        } catch {
          now = false
        }
        s.active = now
        if (was !== now && now) {
          log(LOG_DEBUG, 'rtsol_check_timer', `${s.name} status is changed from 0 to 1`)
          s.state = IFS.DELAY
        }
        break
      }
      case IFS.DELAY:
        s.state = IFS.PROBE
        rssend(s)
        break
      case IFS.PROBE:
        if (s.probes < MAX_RTR_SOLICITATIONS) rssend(s)
        else {
          log(LOG_INFO, 'rtsol_check_timer', `No answer after sending ${s.probes} RSs`)
          s.probes = 0
          s.state = IFS.IDLE
        }
        break
    }
    timerUpdate(s)
  }

  /** ra_opt_handler: the live entries as resolv.conf text, given to the script when it changed. */
  async function dnsDispatch(s: IfState): Promise<void> {
    const now = sys.now()
    let ns = ''
    const search: string[] = []
    let slen = 'search \n'.length
    for (const [k, e] of s.dns) {
      if (e.until <= now) {
        log(LOG_INFO, 'ra_opt_handler', `expired ${e.search ? 'dnssl' : 'rdnss'} entry: ${k}`)
        s.dns.delete(k)
      } else if (!e.search) ns += `nameserver ${k}\n`
      else if (search.length < MAXDNSRCH && slen + k.length + 1 <= MAXSEARCHLEN) {
        search.push(k)
        slen += k.length + 1
      }
    }
    const text = ns + (search.length > 0 ? `search ${search.join(' ')} \n` : '')
    if (text === s.dnsSent) return
    const argv =
      text === '' ? [resolvScript, '-d', `${s.name}:slaac`] : [resolvScript, '-a', `${s.name}:slaac`]
    s.dnsSent = text
    let fed = false
    const childIo: Io = {
      stdin: {
        read: async () => {
          if (fed) return null
          fed = true
          return text
        },
      },
      stdout: nullOut,
      stderr: io.stderr,
    }
    try {
      const st = await proc.spawn(argv, childIo).done
      log(LOG_DEBUG, 'call_script', `script "${resolvScript}" status ${st}`)
    } catch (e) {
      if (!isSysError(e)) throw e
      log(3, 'call_script', `failed to run ${resolvScript}: ${e.strerror}`)
    }
  }

  /** rtsol_input's RDNSS/DNSSL part: entries refreshed with the lifetimes this RA gives. */
  function dnsInput(s: IfState, d: Uint8Array): void {
    const info = ndDnsOptions(d, 16, d.length)
    const now = sys.now()
    const put = (k: string, search: boolean, life: number) => {
      if (!s.dns.has(k) && s.dns.size >= MAX_DNS_ENTRIES) return
      s.dns.set(k, { search, until: now + life * SEC })
    }
    for (const [a, life] of info.servers)
      put(in6IsLinkLocal(a, 0) ? `${formatIpv6(a)}%${s.name}` : formatIpv6(a), false, life)
    for (const [dn, life] of info.domains) if (/^[A-Za-z0-9._-]+$/.test(dn)) put(dn, true, life)
  }

  /** When the next DNS entry expires, or Infinity. */
  function dnsNext(): number {
    let t = Infinity
    for (const s of ifs) for (const e of s.dns.values()) if (e.until < t) t = e.until
    return t
  }

  let stop = false
  let closed = false
  const close = (): void => {
    if (closed) return
    closed = true
    sock.close()
  }
  const onStop = (): void => {
    stop = true
    close()
  }
  const unhook = [SIGTERM, SIGINT].map((sig) => proc.onSignal(sig, onStop))
  const unkill = proc.onKill(onStop)
  try {
    for (;;) {
      if (stop || proc.killed) break
      const now = sys.now()
      for (const s of ifs) if (s.expire <= now) expired(s)
      if (dnsNext() <= now) for (const s of ifs) await dnsDispatch(s)
      if (once && ifs.every((s) => s.state === IFS.DOWN || s.racnt > 0)) break
      const next = Math.min(...ifs.map((s) => s.expire), once ? Infinity : dnsNext())
      if (next === Infinity) break
      const p = await sock.recv(Math.max(0, next - sys.now()))
      if (p === null) continue
      // rtsol_input: a valid RA (hop limit 255, code 0, from a link-local address) on one of ours.
      const d = p.data
      if (d[0] !== 134 || d[1] !== 0 || d.length < 16 || p.hlim !== 255 || !in6IsLinkLocal(p.src, 0)) continue
      const s = ifs.find((x) => x.name === p.ifName)
      if (s === undefined) continue
      log(
        LOG_DEBUG,
        'rtsol_input',
        `received RA from ${formatIpv6(p.src)} on an interface(${s.name}), state is ${s.state}`,
      )
      dnsInput(s, d)
      await dnsDispatch(s)
      s.racnt++
      if (s.state === IFS.PROBE) {
        s.probes = 0
        s.state = IFS.IDLE
        timerUpdate(s)
      }
    }
  } finally {
    for (const u of unhook) u()
    unkill()
    close()
  }
  return 0
}

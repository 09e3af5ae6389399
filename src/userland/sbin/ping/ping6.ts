/**
 * ping -6 / ping6 (sbin/ping/ping6.c): ICMPv6 echo through a raw ICMPv6 socket, printed as FreeBSD
 * 14 prints it: `PING6(56=40+8+8 bytes) SRC --> DST`, `16 bytes from DST, icmp_seq=0 hlim=64
 * time=0.123 ms`, the `ping6 statistics` summary with min/avg/max/std-dev. Link-scoped targets take
 * their zone from `%IF` or -I. Errors quoting our requests are shown with -v only, as ping6 does.
 * Status 0 when any reply came, 2 when none, EX_NOHOST for an unusable address.
 */

import type { Raw6Packet, Raw6Socket, Syscalls } from '../../../host/syscalls.js'
import { SEC } from '../../../util/clock.js'
import { interruptible } from '../../../util/interruptible.js'
import { Icmp6Type } from '../../../wire/inet6/icmpv6.js'
import { formatIpv6, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { asSysError, CmdError, EX, optsOrUsage, runTool, untilKilled } from '../../common.js'
import { getopt, strtol } from '../../getopt.js'
import type { Command, Io, Proc } from '../../types.js'

const SIGINT = 2
const MS = 1e6

const USAGE = [
  'usage: ping -6 [-AaDdEfHNnOoquvYyZ] [-b bufsiz] [-c count] [-e gateway]',
  '            [-I interface] [-i wait] [-k addrtype] [-l preload] [-m hoplimit]',
  '            [-P policy] [-p pattern] [-S sourceaddr] [-s packetsize] [-t timeout]',
  '            [-W waittime] [IPv6-hops ...] IPv6-host',
].join('\n')

interface Opts {
  count: number
  intervalMs: number
  datalen: number
  hlim: number | undefined
  iface: string | undefined
  source: string | undefined
  quiet: boolean
  verbose: boolean
  timeoutS: number
  waitMs: number
}

function parse(argv: readonly string[], hopOpt: 'm' | 'h'): { o: Opts; target: string } {
  const spec = `46AaDdEfHNnOoquvYyZb:c:e:I:i:k:l:${hopOpt}:P:p:S:s:t:W:`
  const { opts, rest } = optsOrUsage(getopt('ping', argv, spec), USAGE, EX.USAGE)
  const o: Opts = {
    count: 0,
    intervalMs: 1000,
    datalen: 8,
    hlim: undefined,
    iface: undefined,
    source: undefined,
    quiet: false,
    verbose: false,
    timeoutS: 0,
    waitMs: 10000,
  }
  const num = (v: string, what: string, lo: number, hi: number): number => {
    const n = strtol(v, 10)
    if (n === null || n < lo || n > hi) throw new CmdError(`invalid ${what}: \`${v}'`, EX.USAGE)
    return n
  }
  for (const [f, v] of opts) {
    if (f === 'c') o.count = num(v!, 'count of packets to transmit', 1, 2 ** 31 - 1)
    else if (f === 'i') {
      const x = Number(v)
      if (!(x > 0)) throw new CmdError(`invalid timing interval: \`${v}'`, EX.USAGE)
      o.intervalMs = Math.round(x * 1000)
    } else if (f === 's') o.datalen = num(v!, 'packet size', 0, 65535 - 48)
    else if (f === hopOpt) o.hlim = num(v!, 'hoplimit', 0, 255)
    else if (f === 'I') o.iface = v
    else if (f === 'S') o.source = v
    else if (f === 'q') o.quiet = true
    else if (f === 'v') o.verbose = true
    else if (f === 't') o.timeoutS = num(v!, 'timeout', 1, 2 ** 31 - 1)
    else if (f === 'W') o.waitMs = num(v!, 'timing period', 0, 2 ** 31 - 1)
  }
  if (rest.length !== 1) throw new CmdError(USAGE, EX.USAGE, true)
  return { o, target: rest[0]! }
}

/** `ADDR[%IF]`, the interface also from -I; the printable form keeps the zone. */
function resolve(sys: Syscalls, s: string, iface: string | undefined): { addr: Uint8Array; scopeId: number } {
  const pct = s.indexOf('%')
  const addr = parseIpv6(pct >= 0 ? s.slice(0, pct) : s)
  if (addr === null)
    throw new CmdError(`cannot resolve ${s}: hostname nor servname provided, or not known`, EX.NOHOST)
  const zone = pct >= 0 ? s.slice(pct + 1) : iface
  if (zone === undefined) return { addr, scopeId: 0 }
  try {
    return { addr, scopeId: sys.ifGet(zone).index }
  } catch (e) {
    asSysError(e)
    throw new CmdError(`${zone}: invalid interface name`, EX.USAGE)
  }
}

const ERRORS: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  [Icmp6Type.DST_UNREACH]: {
    0: 'No Route to Destination',
    1: 'Destination Administratively Unreachable',
    2: 'Destination Unreachable Beyond Scope',
    3: 'Destination Host Unreachable',
    4: 'Destination Port Unreachable',
  },
  [Icmp6Type.TIME_EXCEEDED]: { 0: 'Time to live exceeded', 1: 'Frag reassembly time exceeded' },
  [Icmp6Type.PARAM_PROB]: { 0: 'Erroneous Header Field', 1: 'Unknown Header', 2: 'Unknown Option' },
}

export function ping6Main(hopOpt: 'm' | 'h'): Command {
  return (argv, io, proc) =>
    runTool(argv[0] === 'ping6' ? 'ping6' : 'ping', io, async () => {
      const sys = proc.sys
      const { o, target } = parse(
        argv.slice(1).filter((a) => a !== '-6'),
        hopOpt,
      )
      const to = resolve(sys, target, o.iface)
      let sock: Raw6Socket
      try {
        sock = sys.inet6.rawSocket()
      } catch (e) {
        throw new CmdError(`socket: ${asSysError(e).strerror}`, EX.OSERR)
      }
      try {
        return await run(proc, io, sock, o, to)
      } finally {
        sock.close()
      }
    })
}

/**
 * The zone of a link-local source chosen for a global destination: the route's interface (getnameinfo
 * prints the sin6_scope_id getsockname returns, e.g. `fe80::1%epair0a`); 0 when there is no route.
 */
function srcZone(sys: Syscalls, dst: Uint8Array): number {
  try {
    const r = sys.inet6.routeGet(dst)
    return sys.ifList().find((i) => i.name === r.ifName)?.index ?? 0
  } catch {
    return 0
  }
}

function name(sys: Syscalls, a: Uint8Array, scopeId: number): string {
  const s = formatIpv6(a)
  const scoped = (a[0] === 0xfe && (a[1]! & 0xc0) === 0x80) || (a[0] === 0xff && (a[1]! & 0xf) <= 2)
  if (!scoped || scopeId === 0) return s
  return `${s}%${sys.ifList().find((i) => i.index === scopeId)?.name ?? scopeId}`
}

async function run(
  proc: Proc,
  io: Io,
  sock: Raw6Socket,
  o: Opts,
  to: { addr: Uint8Array; scopeId: number },
): Promise<number> {
  const sys = proc.sys
  const ident = proc.pid & 0xffff
  const src0 = o.source !== undefined ? resolve(sys, o.source, o.iface).addr : undefined
  const timing = o.datalen >= 8
  const st = { sent: 0, recv: 0, dups: 0, tmin: Number.POSITIVE_INFINITY, tmax: 0, tsum: 0, tsumsq: 0 }
  const seen = new Set<number>()
  const dst = name(sys, to.addr, to.scopeId)
  let headed = false
  const send = (): void => {
    const m = new Uint8Array(8 + o.datalen)
    m[0] = Icmp6Type.ECHO_REQUEST
    m[4] = ident >>> 8
    m[5] = ident & 0xff
    m[6] = (st.sent >>> 8) & 0xff
    m[7] = st.sent & 0xff
    // The send time in the data (struct tv32), then the fill pattern.
    const now = sys.now()
    if (timing) {
      const sec = Math.floor(now / SEC)
      const usec = Math.floor((now % SEC) / 1000)
      for (let i = 0; i < 4; i++) {
        m[8 + i] = (sec >>> (24 - 8 * i)) & 0xff
        m[12 + i] = (usec >>> (24 - 8 * i)) & 0xff
      }
    }
    for (let i = timing ? 8 : 0; i < o.datalen; i++) m[8 + i] = i & 0xff
    let src: Uint8Array
    try {
      src = sock.send(to.addr, m, {
        scopeId: to.scopeId,
        ...(o.hlim === undefined ? {} : { hlim: o.hlim }),
        ...(src0 === undefined ? {} : { src: src0 }),
      })
    } catch (e) {
      const err = asSysError(e)
      if (!headed) {
        headed = true
        io.stdout.write(`PING6(${48 + o.datalen}=40+8+${o.datalen} bytes)  --> ${dst}\n`)
      }
      io.stderr.write(`ping6: sendmsg: ${err.strerror}\n`)
      st.sent++
      return
    }
    if (!headed) {
      headed = true
      io.stdout.write(
        `PING6(${48 + o.datalen}=40+8+${o.datalen} bytes) ${name(sys, src, to.scopeId || srcZone(sys, to.addr))} --> ${dst}\n`,
      )
    }
    st.sent++
  }
  let seenint = false
  let wake: (() => void) | null = null
  proc.onSignal(SIGINT, () => {
    seenint = true
    wake?.()
  })
  const recv = (timeout: number): Promise<Raw6Packet | null> =>
    untilKilled(
      proc,
      interruptible(sock.recv(timeout), (resolve) => {
        wake = () => resolve(null)
        return () => {
          wake = null
        }
      }),
    ).then((p) => {
      wake = null
      return p
    })
  const onPacket = (p: Raw6Packet): void => {
    const d = p.data
    const type = d[0]!
    if (type === Icmp6Type.ECHO_REPLY && ((d[4]! << 8) | d[5]!) === ident) {
      const seq = (d[6]! << 8) | d[7]!
      const dup = seen.has(seq)
      if (dup) st.dups++
      else {
        seen.add(seq)
        st.recv++
      }
      let t = 0
      if (timing && d.length >= 16) {
        const sec = ((d[8]! << 24) | (d[9]! << 16) | (d[10]! << 8) | d[11]!) >>> 0
        const usec = ((d[12]! << 24) | (d[13]! << 16) | (d[14]! << 8) | d[15]!) >>> 0
        t = (p.time - (sec * SEC + usec * 1000)) / MS
        st.tmin = Math.min(st.tmin, t)
        st.tmax = Math.max(st.tmax, t)
        st.tsum += t
        st.tsumsq += t * t
      }
      if (!o.quiet)
        io.stdout.write(
          `${d.length} bytes from ${name(sys, p.src, p.scopeId)}, icmp_seq=${seq} hlim=${p.hlim}${timing ? ` time=${t.toFixed(3)} ms` : ''}${dup ? '(DUP!)' : ''}\n`,
        )
      return
    }
    if (type >= 128 || !o.verbose || o.quiet) return
    // An error quoting one of our requests (IPv6 header, then our ICMPv6 header).
    if (d.length < 56 || d[48] !== Icmp6Type.ECHO_REQUEST || ((d[52]! << 8) | d[53]!) !== ident) return
    let text = ERRORS[type]?.[d[1]!] ?? `Bad code(${d[1]})`
    if (type === Icmp6Type.PACKET_TOO_BIG)
      text = `Packet too big mtu = ${((d[4]! << 24) | (d[5]! << 16) | (d[6]! << 8) | d[7]!) >>> 0}`
    if (type === Icmp6Type.PARAM_PROB)
      text += `\npointer = 0x${(((d[4]! << 24) | (d[5]! << 16) | (d[6]! << 8) | d[7]!) >>> 0).toString(16).padStart(2, '0')}`
    io.stdout.write(`${d.length} bytes from ${name(sys, p.src, p.scopeId)}: ${text}\n`)
  }
  const start = sys.now()
  const deadline = o.timeoutS > 0 ? start + o.timeoutS * SEC : Number.POSITIVE_INFINITY
  send()
  let last = sys.now()
  let intvl = o.intervalMs * MS
  let almostDone = false
  while (!proc.killed && !seenint) {
    const now = sys.now()
    if (now >= deadline) break
    const p = await recv(Math.min(Math.max(0, last + intvl - now), deadline - now))
    if (proc.killed || seenint) break
    if (p !== null) {
      onPacket(p)
      if (o.count && st.recv >= o.count) break
      continue
    }
    if (sys.now() >= deadline) break
    if (!o.count || st.sent < o.count) send()
    else {
      if (almostDone) break
      almostDone = true
      intvl = st.recv ? Math.max(1, Math.floor((2 * st.tmax) / 1000)) * SEC : o.waitMs * MS
    }
    last = sys.now()
  }
  if (proc.killed) return 2
  let out = `\n--- ${dst} ping6 statistics ---\n${st.sent} packets transmitted, ${st.recv} packets received, `
  if (st.dups) out += `+${st.dups} duplicates, `
  if (st.sent) out += `${(((st.sent - st.recv) * 100) / st.sent).toFixed(1)}% packet loss`
  out += '\n'
  if (st.recv && timing) {
    const n = st.recv + st.dups
    const avg = st.tsum / n
    const sd = Math.sqrt(Math.max(0, st.tsumsq / n - avg * avg))
    out += `round-trip min/avg/max/std-dev = ${[st.tmin, avg, st.tmax, sd].map((v) => v.toFixed(3)).join('/')} ms\n`
  }
  io.stdout.write(out)
  return st.recv ? 0 : 2
}

export const ping6 = ping6Main('m')

/**
 * ping(8) for IPv4: ICMP echo requests built here and sent through a raw socket, replies matched by
 * identifier (pid & 0xffff) and timed from the timestamp carried in the payload, with FreeBSD 14's
 * option checks, main loop, output and exit statuses (0 some reply, 2 none, 64 usage, 68 unknown
 * host). The loop is FreeBSD's: send, wait for replies until the interval is over, and after the
 * last packet wait 2 × the longest round trip (or -W / 10 s without any reply). SIGINT ends it
 * with the summary and the usual status, SIGINFO prints the summary to stderr; other signals kill.
 *
 * All time comes from the host clock (`sys.now()`, arrival stamps), so `ping -c 3` takes two
 * seconds of virtual time and no wall time to speak of.
 */

import type { RawPacket, RawSocket, SendOptions, Syscalls } from '../../../host/syscalls.js'
import { interruptible } from '../../../util/interruptible.js'
import { isMulticastIpv4, readU16, readU32, writeU32 } from '../../../wire/addr.js'
import { ICMP_HDR_LEN, IcmpType, icmpFinish, writeIcmpHeader } from '../../../wire/inet/icmp.js'
import { asSysError, CmdError, EX, hex, hostAddr, ip, padL, runTool, untilKilled } from '../../common.js'
import type { Command, Io, Proc } from '../../types.js'
import { MAX_IPOPTLEN, type Options, parsePingArgs } from './ping_args.js'
import {
  formatIpHeaderDump,
  formatPingSummary,
  IP_HDR,
  icmpDescription,
  type PingStats,
  QUOTING,
} from './ping_print.js'
import { ping6 } from './ping6.js'

const TIMEVAL_LEN = 8

const MAX_DUP_CHK = 8 * 128

const INADDR_LEN = 4

/** IP option types and the first pointer value (netinet/ip.h). */
const IPOPT_EOL = 0

const IPOPT_NOP = 1

const IPOPT_RR = 7

const IPOPT_LSRR = 131

const IPOPT_SSRR = 137

const IPOPT_MINOFF = 4

const MS = 1e6

const SEC = 1e9

const SIGINT = 2

const SIGINFO = 29

class Pinger {
  readonly st: PingStats = {
    transmitted: 0,
    received: 0,
    repeats: 0,
    rcvTimeout: 0,
    timing: false,
    tmin: 999999999,
    tmax: 0,
    tsum: 0,
    tsumsq: 0,
  }
  private readonly rcvd = new Uint8Array(MAX_DUP_CHK / 8)
  private readonly outpack: Uint8Array
  private readonly sendOpts: SendOptions = {}
  private nmissedmax = 0
  /** The last record route printed, pointer byte first (pr_pack's old_rr), for "(same route)". */
  private oldRr: Uint8Array = new Uint8Array(0)
  /** send_len: what a reply of ours should measure, IP header and options included. */
  private readonly sendLen: number

  constructor(
    private readonly sys: Syscalls,
    private readonly io: Io,
    private readonly sock: RawSocket,
    private readonly o: Options,
    private readonly to: number,
    private readonly ident: number,
  ) {
    this.st.timing = o.datalen >= TIMEVAL_LEN
    this.outpack = new Uint8Array(ICMP_HDR_LEN + o.datalen)
    for (let i = TIMEVAL_LEN; i < o.datalen; i++)
      this.outpack[ICMP_HDR_LEN + i] =
        o.pattern !== null && o.pattern.length > 0
          ? o.pattern[(i - TIMEVAL_LEN) % o.pattern.length]!
          : i & 0xff
    if (o.ttl !== undefined) this.sendOpts.ttl = o.ttl
    if (o.tos !== undefined) this.sendOpts.tos = o.tos
    if (o.df) this.sendOpts.df = true
    if (o.dontRoute) this.sendOpts.dontRoute = true
    if (o.pcp !== undefined) this.sendOpts.vlanPcp = o.pcp
    // The record-route option ping.c sets: all 40 bytes, room for nine addresses, pointer at 4.
    if (o.rroute) {
      const rspace = new Uint8Array(MAX_IPOPTLEN)
      rspace[0] = IPOPT_RR
      rspace[1] = MAX_IPOPTLEN - 1
      rspace[2] = IPOPT_MINOFF
      this.sendOpts.ipOptions = rspace
    }
    this.sendLen = IP_HDR + ICMP_HDR_LEN + (o.rroute ? MAX_IPOPTLEN : 0) + o.datalen
  }

  setSource(src: number): void {
    this.sendOpts.src = src
  }

  /** pinger(): one echo request; a send error is reported and the packet still counts as sent. */
  async send(): Promise<void> {
    const seq = this.st.transmitted & 0xffff
    const p = this.outpack
    writeIcmpHeader(p, 0, IcmpType.ECHO, 0, ((this.ident << 16) | seq) >>> 0)
    this.clr(seq % MAX_DUP_CHK)
    if (this.st.timing) {
      const now = this.sys.now()
      writeU32(p, ICMP_HDR_LEN, Math.floor(now / SEC) % 2 ** 32)
      writeU32(p, ICMP_HDR_LEN + 4, now % SEC)
    }
    icmpFinish(p, 0, p.length)
    try {
      this.sock.send(this.to, p, this.sendOpts)
    } catch (e) {
      const err = asSysError(e)
      if (this.o.flood && err.code === 'ENOBUFS') {
        await this.sys.nanosleep(20 * MS)
        return
      }
      this.io.stderr.write(`ping: sendto: ${err.strerror}\n`)
    }
    this.st.transmitted++
    if (!this.o.quiet && this.o.flood) this.io.stdout.write('.')
  }

  /** After a send: ring the bell for a newly missed reply (-A). */
  checkMissed(): void {
    const missed = this.st.transmitted - this.st.received - 1
    if (missed > this.nmissedmax) {
      this.nmissedmax = missed
      if (this.o.missed) this.io.stdout.write('\x07')
    }
  }

  private tst(bit: number): boolean {
    return (this.rcvd[bit >> 3]! & (1 << (bit & 7))) !== 0
  }
  private set(bit: number): void {
    this.rcvd[bit >> 3]! |= 1 << (bit & 7)
  }
  private clr(bit: number): void {
    this.rcvd[bit >> 3]! &= ~(1 << (bit & 7))
  }

  /** pr_pack(): account for and print one received ICMP datagram, if it is ours. */
  receive(pkt: RawPacket): void {
    const b = pkt.data
    const hlen = (b[0]! & 0x0f) << 2
    if (hlen < IP_HDR || b.length < hlen + ICMP_HDR_LEN) {
      if (this.o.verbose)
        this.io.stderr.write(`ping: packet too short (${b.length} bytes) from ${ip(pkt.src)}\n`)
      return
    }
    const cc = b.length - hlen
    const type = b[hlen]!
    const st = this.st
    if (type === IcmpType.ECHO_REPLY) {
      if (readU16(b, hlen + 4) !== this.ident) return
      st.received++
      let triptime = 0
      // ping.c wants a whole struct timespec's worth of data before it trusts the stamp.
      if (st.timing) {
        if (cc - ICMP_HDR_LEN >= 16) {
          const sentSec = readU32(b, hlen + ICMP_HDR_LEN)
          const sentNsec = readU32(b, hlen + ICMP_HDR_LEN + 4)
          const secs = (Math.floor(pkt.time / SEC) - sentSec) % 2 ** 32
          triptime = secs * 1000 + ((pkt.time % SEC) - sentNsec) / MS
          if (triptime < 0) {
            this.io.stderr.write(
              `ping: time of day goes back (${triptime.toFixed(3)} ms), clamping time to 0\n`,
            )
            triptime = 0
          }
          st.tsum += triptime
          st.tsumsq += triptime * triptime
          st.tmin = Math.min(st.tmin, triptime)
          st.tmax = Math.max(st.tmax, triptime)
        } else {
          st.timing = false
        }
      }
      const seq = readU16(b, hlen + 6)
      const dup = this.tst(seq % MAX_DUP_CHK)
      if (dup) {
        st.repeats++
        st.received--
      } else {
        this.set(seq % MAX_DUP_CHK)
      }
      if (this.o.quiet) return
      if (this.o.waitSet && triptime > this.o.waitMs) {
        st.rcvTimeout++
        return
      }
      // Flood mode backspaces over the dot instead of printing the line (options still follow).
      if (this.o.flood) {
        this.io.stdout.write(`\b${this.formatOptions(b, hlen)}`)
        return
      }
      let line = `${cc} bytes from ${ip(pkt.src)}: icmp_seq=${seq} ttl=${pkt.ttl}`
      if (st.timing) line += ` time=${triptime.toFixed(3)} ms`
      if (dup) line += ' (DUP!)'
      if (this.o.audible) line += '\x07'
      if (b.length !== this.sendLen) line += `\nwrong total length ${b.length} instead of ${this.sendLen}`
      line += this.checkData(b, hlen)
      this.io.stdout.write(`${line}${this.formatOptions(b, hlen)}\n`)
      return
    }
    // Something else: print it only if it quotes one of our echo requests (or with -v).
    const inner = hlen + ICMP_HDR_LEN
    if (b.length < inner + IP_HDR + ICMP_HDR_LEN) return
    const ohl = (b[inner]! & 0x0f) << 2
    if (ohl < IP_HDR || b.length < inner + ohl + ICMP_HDR_LEN) return
    const ours =
      !this.o.quiet2 &&
      readU32(b, inner + 16) === this.to &&
      b[inner + 9] === 1 &&
      b[inner + ohl] === IcmpType.ECHO &&
      readU16(b, inner + ohl + 4) === this.ident
    if (!ours && !(this.o.verbose && this.sys.uid === 0)) return
    let text = `${cc} bytes from ${ip(pkt.src)}: ${icmpDescription(type, b[hlen + 1]!, readU32(b, hlen + 4))}\n`
    if (QUOTING.has(type)) text += formatIpHeaderDump(b, inner)
    this.io.stdout.write(`${text}${this.formatOptions(b, hlen)}${this.o.flood ? '' : '\n'}`)
  }

  /**
   * pr_pack's "Display any IP options" walk over the received header: `RR:` with one address a
   * line, `\t(same route)` when it matches the last one printed, LSRR/SSRR, NOP, unknown types.
   */
  private formatOptions(b: Uint8Array, hlen: number): string {
    let out = ''
    let hl = hlen
    for (let cp = IP_HDR; hl > IP_HDR; hl--, cp++) {
      const opt = b[cp] ?? IPOPT_EOL
      if (opt === IPOPT_EOL) {
        hl = 0
      } else if (opt === IPOPT_LSRR || opt === IPOPT_SSRR) {
        out += opt === IPOPT_LSRR ? '\nLSRR: ' : '\nSSRR: '
        let j = (b[cp + 1] ?? 0) - IPOPT_MINOFF + 1
        hl -= 2
        cp += 2
        if (j >= INADDR_LEN && j <= hl - IP_HDR) {
          for (;;) {
            out += `\t${ip(readU32(b, cp + 1))}`
            hl -= INADDR_LEN
            cp += INADDR_LEN
            j -= INADDR_LEN
            if (j < INADDR_LEN) break
            out += '\n'
          }
        } else out += '\t(truncated route)'
      } else if (opt === IPOPT_RR) {
        const j = b[cp + 1] ?? 0
        let i = b[cp + 2] ?? 0
        hl -= 2
        cp += 2
        if (i > j) i = j
        i = i - IPOPT_MINOFF + 1
        if (i < 0 || i > hl - IP_HDR) {
          this.oldRr = new Uint8Array(0)
          continue
        }
        const rr = b.subarray(cp, cp + i)
        if (!this.o.flood && rr.length === this.oldRr.length && rr.every((x, k) => x === this.oldRr[k])) {
          out += '\t(same route)'
          hl -= i
          cp += i
          continue
        }
        this.oldRr = rr.slice()
        out += '\nRR: '
        if (i >= INADDR_LEN && i <= hl - IP_HDR) {
          for (;;) {
            out += `\t${ip(readU32(b, cp + 1))}`
            hl -= INADDR_LEN
            cp += INADDR_LEN
            i -= INADDR_LEN
            if (i < INADDR_LEN) break
            out += '\n'
          }
        } else out += '\t(truncated route)'
      } else if (opt === IPOPT_NOP) {
        out += '\nNOP'
      } else {
        out += `\nunknown option ${hex(opt)}`
      }
    }
    return out
  }

  /** The payload check after the timestamp: `wrong data byte ...` with both dumps, or ''. */
  private checkData(b: Uint8Array, hlen: number): string {
    const base = hlen + ICMP_HDR_LEN
    const start = this.st.timing ? TIMEVAL_LEN : 0
    for (let i = start; i < this.o.datalen && base + i < b.length; i++) {
      const got = b[base + i]!
      const want = this.outpack[ICMP_HDR_LEN + i]!
      if (got === want) continue
      const dump = (src: Uint8Array, off: number): string => {
        let s = ''
        for (let j = 0; j < this.o.datalen; j++) {
          if (j % 16 === 8) s += '\n\t'
          s += ` ${padL(hex(src[off + j] ?? 0), 2)}`
        }
        return s
      }
      return `\nwrong data byte #${i} should be 0x${hex(want)} but was 0x${hex(got)}\ncp:${dump(b, base)}\ndp:${dump(this.outpack, ICMP_HDR_LEN)}`
    }
    return ''
  }
}

export const ping: Command = (argv, io, proc) =>
  // FreeBSD 14's ping picks IPv6 with -6, or for a target that is an IPv6 address.
  argv.includes('-6') || (argv.length > 1 && argv[argv.length - 1]!.includes(':') && !argv.includes('-4'))
    ? ping6(argv, io, proc)
    : ping4(argv, io, proc)

const ping4: Command = (argv, io, proc) =>
  runTool('ping', io, async () => {
    const sys = proc.sys
    const { opts: o, target } = parsePingArgs(argv.slice(1), sys.ruid)
    const to = hostAddr(target)
    if (to === null) throw new CmdError(`cannot resolve ${target}: Unknown host`, EX.NOHOST)
    let src: number | null = null
    if (o.source !== undefined) {
      src = hostAddr(o.source)
      if (src === null) throw new CmdError(`cannot resolve ${o.source}: Unknown host`, EX.NOHOST)
      const local = sys.ifList().some((i) => i.addrs.some((a) => a.addr === src))
      if (!local) throw new CmdError("bind: Can't assign requested address")
    }
    if (o.flood && o.intervalSet) throw new CmdError('-f and -i: incompatible options', EX.USAGE)
    if (o.flood && isMulticastIpv4(to))
      throw new CmdError('-f flag cannot be used with multicast destination', EX.USAGE)
    let sock: RawSocket
    try {
      sock = sys.rawSocket(1)
    } catch (e) {
      throw new CmdError(`ssend socket: ${asSysError(e).strerror}`, EX.OSERR)
    }
    try {
      return await run(proc, io, sock, o, target, to, src)
    } finally {
      sock.close()
    }
  })

async function run(
  proc: Proc,
  io: Io,
  sock: RawSocket,
  o: Options,
  target: string,
  to: number,
  src: number | null,
): Promise<number> {
  const sys = proc.sys
  const p = new Pinger(sys, io, sock, o, to, proc.pid & 0xffff)
  if (src !== null) p.setSource(src)
  if (o.pattern !== null && !o.quiet)
    io.stdout.write(`PATTERN: 0x${o.pattern.map((v) => hex(v, 2)).join('')}\n`)
  io.stdout.write(
    `PING ${target} (${ip(to)})${o.source !== undefined ? ` from ${o.source}` : ''}: ${o.datalen} data bytes\n`,
  )

  // SIGINT ends the loop with the summary (FreeBSD's onsignal sets seenint); SIGINFO prints it to
  // stderr and goes on. Either cuts the current wait short.
  let seenint = false
  let seeninfo = false
  let wake: (() => void) | null = null
  proc.onSignal(SIGINT, () => {
    seenint = true
    wake?.()
  })
  proc.onSignal(SIGINFO, () => {
    seeninfo = true
    wake?.()
  })
  const recv = (timeout: number): Promise<RawPacket | null> =>
    untilKilled(
      proc,
      interruptible(sock.recv(timeout), (resolve) => {
        wake = () => resolve(null)
        return () => {
          wake = null
        }
      }),
    ).then((pkt) => {
      wake = null
      return pkt
    })

  const start = sys.now()
  const deadline = o.alarm > 0 ? start + o.alarm * SEC : Number.POSITIVE_INFINITY
  let preload = o.count !== 0 && o.preload > o.count ? o.count : o.preload
  if (preload === 0) await p.send()
  else while (preload-- > 0) await p.send()
  let last = sys.now()
  let intvl = o.flood ? 10 * MS : o.intervalMs * MS
  let almostDone = false
  const st = p.st
  while (!proc.killed && !seenint) {
    if (seeninfo) {
      io.stderr.write(formatPingSummary(target, st))
      seeninfo = false
      continue
    }
    const now = sys.now()
    if (now >= deadline) break
    const timeout = Math.min(Math.max(0, last + intvl - now), deadline - now)
    const pkt = await recv(timeout)
    if (proc.killed || seenint) break
    if (pkt === null && seeninfo) continue
    if (pkt !== null) {
      p.receive(pkt)
      if ((o.once && st.received) || (o.count && st.received >= o.count)) break
      if (!o.flood) continue
    } else if (sys.now() >= deadline) {
      break
    }
    if (!o.count || st.transmitted < o.count) {
      await p.send()
    } else {
      if (almostDone) break
      almostDone = true
      // No more to send: wait two round trips for stragglers, or -W (10 s) if nothing came back.
      intvl = st.received ? Math.max(1, Math.floor((2 * st.tmax) / 1000)) * SEC : o.waitMs * MS
    }
    last = sys.now()
    p.checkMissed()
  }
  // A killed ping just dies (only SIGINT and -t's SIGALRM make FreeBSD's print the summary).
  if (proc.killed) return 2
  io.stdout.write(formatPingSummary(target, st))
  return st.received ? 0 : 2
}

/**
 * traceroute(8) for IPv4: UDP probes to port 33434+seq (or ICMP echoes with -I) with rising TTL,
 * answers read from a raw ICMP socket (time exceeded from routers, port unreachable or echo reply
 * from the target), printed hop by hop as FreeBSD does:
 * ` 1  192.0.2.254  0.031 ms  0.020 ms  0.019 ms`, `*` on timeout, `!H`/`!N`/`!P` annotations.
 *
 * Probes are built here (UDP checksum over the pseudo header included). Time comes from the host
 * clock, so timeouts cost virtual, not wall, time.
 */

import type { RawPacket, RawSocket, SendOptions, Syscalls } from '../../../host/syscalls.js'
import { readU16, writeU16, writeU32 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import {
  ICMP_HDR_LEN,
  IcmpType,
  icmpFinish,
  TimeExceededCode,
  UnreachCode,
  writeIcmpHeader,
} from '../../../wire/inet/icmp.js'
import { IpProto, ipv4PseudoHeaderSum } from '../../../wire/inet/ipv4.js'
import { asSysError, CmdError, hostAddr, ip, optsOrUsage, runTool, untilKilled, usage } from '../../common.js'
import { getopt, strtol } from '../../getopt.js'
import type { Command, Io, Proc } from '../../types.js'

const USAGE = [
  'usage: traceroute [-adDeFInrSvx] [-f first_ttl] [-g gateway] [-i iface]',
  '\t[-m max_ttl] [-M first_ttl] [-p port] [-P proto] [-q nqueries] [-s src_addr]',
  '\t[-t tos] [-w waittime] [-A as_server] [-z pausemsecs] host [packetlen]',
].join('\n')

const IP_HDR = 20
const UDP_HDR = 8
/** struct outdata as sent: seq, ttl, padding, a 32-bit seconds/microseconds stamp. */
const OUTDATA = 12
const MIN_PACKET = IP_HDR + UDP_HDR + OUTDATA
const MAX_PACKET = 32768
const SEC = 1e9

/** str2val(): the value, or exit 1 with traceroute's wording. */
function str2val(s: string, what: string, min: number, max: number): number {
  const v = /^0[xX]/.test(s) ? strtol(s.slice(2), 16) : strtol(s, 10)
  if (v === null) throw new CmdError(`"${s}" bad value for ${what} `)
  if (v < min && min >= 0)
    throw new CmdError(min === 0 ? `${what} must be >= ${min}` : `${what} must be > ${min - 1}`)
  if (v > max && max >= 0) throw new CmdError(`${what} must be <= ${max}`)
  return v
}

export interface TracerouteOptions {
  numeric: boolean
  icmp: boolean
  maxTtl: number
  firstTtl: number
  nprobes: number
  waitSec: number
  port: number
  tos: number | undefined
  source: string | undefined
  df: boolean
  dontRoute: boolean
  summary: boolean
  pauseMs: number
  packlen: number
}

export function parseTracerouteArgs(
  args: readonly string[],
  defaultTtl: number,
): { o: TracerouteOptions; host: string } {
  const r = optsOrUsage(getopt('traceroute', args, 'aA:dDeFf:g:Ii:M:m:nP:p:q:rSs:t:vw:xz:'), USAGE, 1)
  const o: TracerouteOptions = {
    numeric: false,
    icmp: false,
    maxTtl: defaultTtl,
    firstTtl: 1,
    nprobes: 3,
    waitSec: 5,
    port: 32768 + 666,
    tos: undefined,
    source: undefined,
    df: false,
    dontRoute: false,
    summary: false,
    pauseMs: 0,
    packlen: MIN_PACKET,
  }
  for (const [f, v] of r.opts) {
    switch (f) {
      case 'f':
      case 'M':
        o.firstTtl = str2val(v, 'first ttl', 1, 255)
        break
      case 'm':
        o.maxTtl = str2val(v, 'max ttl', 1, 255)
        break
      case 'q':
        o.nprobes = str2val(v, 'nprobes', 1, -1)
        break
      case 'w':
        o.waitSec = str2val(v, 'wait time', 1, 24 * 60 * 60)
        break
      case 'p':
        o.port = str2val(v, 'port', 1, 65535)
        break
      case 't':
        o.tos = str2val(v, 'tos', 0, 255)
        break
      case 'z':
        o.pauseMs = str2val(v, 'pause msecs', 0, 60 * 60 * 1000)
        break
      case 'n':
        o.numeric = true
        break
      case 'I':
        o.icmp = true
        break
      case 'P':
        if (v.toLowerCase() === 'icmp') o.icmp = true
        else if (v.toLowerCase() !== 'udp') throw new CmdError(`unknown protocol ${v}`)
        break
      case 's':
        o.source = v
        break
      case 'F':
        o.df = true
        break
      case 'r':
        o.dontRoute = true
        break
      case 'S':
        o.summary = true
        break
      case 'a':
      case 'd':
      case 'D':
      case 'e':
      case 'v':
      case 'x':
        break
      default:
        throw new CmdError(`-${f}: not supported by VirtNet`)
    }
  }
  if (r.rest.length < 1 || r.rest.length > 2) usage(USAGE, 1)
  if (r.rest.length === 2) o.packlen = str2val(r.rest[1]!, 'packet length', MIN_PACKET, MAX_PACKET)
  if (o.firstTtl > o.maxTtl)
    throw new CmdError(`first ttl (${o.firstTtl}) may not be greater than max ttl (${o.maxTtl})`)
  return { o, host: r.rest[0]! }
}

/** The hop line's address part: ` A.B.C.D`, or ` name (A.B.C.D)` (no resolver: the name is the address). */
function hopAddr(a: number, numeric: boolean): string {
  return numeric ? ` ${ip(a)}` : ` ${ip(a)} (${ip(a)})`
}

class Tracer {
  private readonly ident: number
  private readonly probe: Uint8Array
  private readonly sendOpts: SendOptions = {}

  constructor(
    private readonly sys: Syscalls,
    private readonly o: TracerouteOptions,
    readonly to: number,
    private readonly src: number,
    pid: number,
  ) {
    this.ident = (pid & 0xffff) | 0x8000
    this.probe = new Uint8Array(o.packlen - IP_HDR)
    if (o.tos !== undefined) this.sendOpts.tos = o.tos
    if (o.df) this.sendOpts.df = true
    if (o.dontRoute) this.sendOpts.dontRoute = true
  }

  /** udp_prep()/icmp_prep(): the probe for (seq, ttl), stamped with the current time. */
  build(seq: number, ttl: number): Uint8Array {
    const p = this.probe
    const hdr = this.o.icmp ? ICMP_HDR_LEN : UDP_HDR
    const now = this.sys.now()
    p[hdr] = seq & 0xff
    p[hdr + 1] = ttl
    writeU32(p, hdr + 4, Math.floor(now / SEC) % 2 ** 32)
    writeU32(p, hdr + 8, Math.floor((now % SEC) / 1000))
    if (this.o.icmp) {
      writeIcmpHeader(p, 0, IcmpType.ECHO, 0, ((this.ident << 16) | (seq & 0xffff)) >>> 0)
      icmpFinish(p, 0, p.length)
    } else {
      writeU16(p, 0, this.ident)
      writeU16(p, 2, (this.o.port + (seq & 0xff)) & 0xffff)
      writeU16(p, 4, p.length)
      writeU16(p, 6, 0)
      const sum = checksum(p, 0, p.length, ipv4PseudoHeaderSum(this.src, this.to, IpProto.UDP, p.length))
      writeU16(p, 6, sum === 0 ? 0xffff : sum)
    }
    return p
  }

  sendOptions(ttl: number): SendOptions {
    return { ...this.sendOpts, ttl, src: this.src }
  }

  /**
   * packet_ok(): 0 when the datagram is not about probe `seq`; -2 echo reply (arrived); -1 time
   * exceeded in transit; code+1 for destination unreachable.
   */
  classify(pkt: RawPacket, seq: number): number {
    const b = pkt.data
    const hlen = (b[0]! & 0x0f) << 2
    if (b.length < hlen + ICMP_HDR_LEN) return 0
    const type = b[hlen]!
    const code = b[hlen + 1]!
    if (type === IcmpType.ECHO_REPLY && this.o.icmp && this.matches(b, hlen, seq)) return -2
    if ((type === IcmpType.TIME_EXCEEDED && code === TimeExceededCode.TTL) || type === IcmpType.UNREACH) {
      const hip = hlen + ICMP_HDR_LEN
      if (b.length < hip + IP_HDR) return 0
      const ihl = (b[hip]! & 0x0f) << 2
      const proto = this.o.icmp ? IpProto.ICMP : IpProto.UDP
      if (b.length >= hip + ihl + 8 && b[hip + 9] === proto && this.matches(b, hip + ihl, seq))
        return type === IcmpType.TIME_EXCEEDED ? -1 : code + 1
    }
    return 0
  }

  /** udp_check()/icmp_check() on the header at `off`. */
  private matches(b: Uint8Array, off: number, seq: number): boolean {
    if (this.o.icmp) return readU16(b, off + 4) === this.ident && readU16(b, off + 6) === (seq & 0xffff)
    return readU16(b, off) === this.ident && readU16(b, off + 2) === ((this.o.port + (seq & 0xff)) & 0xffff)
  }
}

/** The annotations for unreachable codes 0..15 (traceroute.c), '' for port unreachable. */
const UNREACH_NOTES: readonly string[] = [
  '!N',
  '!H',
  '!P',
  '',
  '!F',
  '!S',
  '!U',
  '!U',
  '!I',
  '!A',
  '!A',
  '!T',
  '!T',
  '!X',
  '!V',
  '!C',
]

/** The annotation traceroute prints for an unreachable code, and whether the probe arrived. */
export function unreachNote(code: number, pmtu: number): { note: string; arrived: boolean } {
  // Port unreachable (and protocol unreachable, for odd targets) come from the destination itself.
  const arrived = code === UnreachCode.PORT || code === UnreachCode.PROTOCOL
  const n = UNREACH_NOTES[code]
  if (n === undefined) return { note: ` !<${code}>`, arrived }
  if (code === UnreachCode.NEEDFRAG) return { note: ` !F-${pmtu}`, arrived }
  return { note: n === '' ? '' : ` ${n}`, arrived }
}

export const traceroute: Command = (argv, io, proc) =>
  runTool('traceroute', io, async () => {
    const sys = proc.sys
    let defTtl = 64
    try {
      const v = Number(sys.sysctlGet('net.inet.ip.ttl').value)
      if (v > 0) defTtl = v
    } catch {
      // No knob: FreeBSD's compiled-in default.
    }
    const { o, host } = parseTracerouteArgs(argv.slice(1), defTtl)
    const to = hostAddr(host)
    if (to === null) throw new CmdError(`unknown host ${host}`)
    let src: number
    if (o.source !== undefined) {
      const s = hostAddr(o.source)
      if (s === null) throw new CmdError(`unknown host ${o.source}`)
      if (!sys.ifList().some((i) => i.addrs.some((a) => a.addr === s)))
        throw new CmdError("bind: Can't assign requested address")
      src = s
    } else {
      try {
        // findsaddr: connect a socket and ask which address it got (the jail's, in a jail).
        src = sys.sourceAddr(to)
      } catch (e) {
        asSysError(e)
        throw new CmdError('findsaddr: failed to connect to peer for src addr selection.')
      }
    }
    let rcv: RawSocket
    try {
      rcv = sys.rawSocket(IpProto.ICMP)
    } catch (e) {
      throw new CmdError(`icmp socket: ${asSysError(e).strerror}`)
    }
    let snd: RawSocket = rcv
    try {
      if (!o.icmp) snd = sys.rawSocket(IpProto.UDP)
    } catch (e) {
      rcv.close()
      throw new CmdError(`raw socket: ${asSysError(e).strerror}`)
    }
    try {
      io.stderr.write(
        `traceroute to ${host} (${ip(to)})${o.source !== undefined ? ` from ${o.source}` : ''}, ${o.maxTtl} hops max, ${o.packlen} byte packets\n`,
      )
      await trace(proc, io, new Tracer(sys, o, to, src, proc.pid), o, host, snd, rcv)
    } finally {
      if (snd !== rcv) snd.close()
      rcv.close()
    }
    return 0
  })

async function trace(
  proc: Proc,
  io: Io,
  t: Tracer,
  o: TracerouteOptions,
  host: string,
  snd: RawSocket,
  rcv: RawSocket,
): Promise<void> {
  const sys = proc.sys
  let seq = 0
  for (let ttl = o.firstTtl; ttl <= o.maxTtl; ttl++) {
    io.stdout.write(`${String(ttl).padStart(2)} `)
    let lastAddr: number | null = null
    let gotThere = false
    let unreachable = 0
    let loss = 0
    for (let probe = 0; probe < o.nprobes; probe++) {
      if (o.pauseMs > 0 && probe > 0) await proc.sleep(o.pauseMs * 1e6)
      if (proc.killed) return
      seq++
      const t1 = sys.now()
      try {
        snd.send(t.to, t.build(seq, ttl), t.sendOptions(ttl))
      } catch (e) {
        // send_probe(): complain, then wait for the answer that cannot come.
        io.stderr.write(`traceroute: sendto: ${asSysError(e).strerror}\n`)
        io.stdout.write(`traceroute: wrote ${host} ${o.packlen} chars, ret=-1\n`)
      }
      const deadline = t1 + o.waitSec * SEC
      let answered = false
      for (;;) {
        const left = deadline - sys.now()
        if (left <= 0) break
        const pkt = await untilKilled(proc, rcv.recv(left))
        if (proc.killed) return
        if (pkt === null) break
        const i = t.classify(pkt, seq)
        if (i === 0) continue
        answered = true
        let out = ''
        if (lastAddr !== pkt.src) {
          if (lastAddr !== null) out += '\n   '
          out += hopAddr(pkt.src, o.numeric)
          lastAddr = pkt.src
        }
        out += `  ${((pkt.time - t1) / 1e6).toFixed(3)} ms`
        if (i === -2) {
          if (pkt.ttl <= 1) out += ' !'
          gotThere = true
        } else if (i > 0) {
          const code = i - 1
          const b = pkt.data
          const { note, arrived } = unreachNote(code, readU16(b, ((b[0]! & 0x0f) << 2) + 6))
          // A reply that arrives with TTL 1 took the probe's own (expired) TTL back: flag it.
          if (code === UnreachCode.PORT && pkt.ttl <= 1) out += ' !'
          out += note
          if (arrived) gotThere = true
          else unreachable++
        }
        io.stdout.write(out)
        break
      }
      if (!answered) {
        loss++
        io.stdout.write(' *')
      }
    }
    if (o.summary) io.stdout.write(` (${Math.trunc((loss * 100) / o.nprobes)}% loss)`)
    io.stdout.write('\n')
    if (gotThere || (unreachable > 0 && unreachable >= o.nprobes - 1)) break
  }
}

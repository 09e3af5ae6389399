/**
 * traceroute6(8): UDP datagrams to port 33434+seq from a datagram socket whose IPV6_UNICAST_HOPS
 * rises hop by hop (or ICMPv6 echo requests with -I), the answers read from a raw ICMPv6 socket:
 * time exceeded from routers, port unreachable (or an echo reply) from the target. Lines as
 * FreeBSD's traceroute6 prints them: ` 1  2001:db8:1::1  0.031 ms  0.020 ms  0.019 ms`, ` *` on
 * timeout, ` !N` ` !P` ` !S` ` !A` for the unreachable codes, ` !` when the answer came back with
 * hop limit 1; it stops at the target or once half the probes of a hop were unreachable.
 *
 * No resolver: names are the addresses. Time is the host clock's, so waiting costs virtual time.
 * -T, -S, -N (raw TCP, SCTP and no-next-header probes) and -g (routing headers) are not here.
 */

import type { Raw6Packet, Raw6Socket, SockAddrIn, SocketFd, Syscalls } from '../../../host/syscalls.js'
import { AF_INET6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, SOCK } from '../../../host/syscalls.js'
import { readU16, writeU16 } from '../../../wire/addr.js'
import { Icmp6Type } from '../../../wire/inet6/icmpv6.js'
import { formatIpv6, in6Eq } from '../../../wire/inet6/in6_addr.js'
import { asSysError, CmdError, numericHost, runTool, untilKilled, usage } from '../../common.js'
import { getopt } from '../../getopt.js'
import type { Command, Io, Proc } from '../../types.js'

const USAGE = [
  'usage: traceroute6 [-adIlnNrSTUv] [-A as_server] [-f firsthop] [-g gateway]',
  '       [-m hoplimit] [-p port] [-q probes] [-s src] [-w waittime] target',
  '       [datalen]',
].join('\n')

const SEC = 1e9
const MAXPACKET = 65535
const UDP_HDR = 8
const ICMP6ECHOLEN = 8
/** findsaddr's port for the connect that picks the source (DUMMY_PORT). */
const DUMMY_PORT = 10010
const NXT = { HOPOPTS: 0, TCP: 6, UDP: 17, ROUTING: 43, FRAGMENT: 44, ESP: 50, AH: 51, ICMPV6: 58, NONE: 59 }
/** ICMP6_DST_UNREACH codes traceroute6 annotates. */
const UNREACH = { NOROUTE: 0, ADMIN: 1, BEYONDSCOPE: 2, ADDR: 3, NOPORT: 4 } as const

export interface Traceroute6Options {
  icmp: boolean
  numeric: boolean
  both: boolean
  verbose: boolean
  firstHop: number
  maxHops: number
  port: number
  nprobes: number
  waitSec: number
  source: string | undefined
  datalen: number
}

/** strtoul(optarg, &ep, 0) as traceroute6 checks it: the value, or null for junk. */
function ulong(s: string): number | null {
  const m = /^\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s)
  if (m === null) return null
  const t = m[1]!
  return /^0[xX]/.test(t)
    ? Number.parseInt(t.slice(2), 16)
    : t.length > 1 && t[0] === '0'
      ? Number.parseInt(t, 8)
      : Number(t)
}

function fail(msg: string): never {
  throw new CmdError(msg, 1)
}

export function parseTraceroute6Args(
  args: readonly string[],
  defHops: number,
): { o: Traceroute6Options; host: string; datalen: string | undefined } {
  const r = getopt('traceroute6', args, 'aA:df:g:Ilm:nNp:q:rs:STUvw:')
  if (typeof r === 'string') usage(`${r}\n${USAGE}`, 1)
  const o: Traceroute6Options = {
    icmp: false,
    numeric: false,
    both: false,
    verbose: false,
    firstHop: 1,
    maxHops: defHops,
    port: 32768 + 666,
    nprobes: 3,
    waitSec: 5,
    source: undefined,
    datalen: 20,
  }
  for (const [f, v] of r.opts) {
    switch (f) {
      case 'f': {
        const n = ulong(v)
        if (n === null || n > 255) fail('invalid min hoplimit.')
        o.firstHop = n
        break
      }
      case 'm': {
        const n = ulong(v)
        if (n === null || n > 255) fail('invalid max hoplimit.')
        o.maxHops = n
        break
      }
      case 'p': {
        const n = ulong(v)
        if (n === null) fail('invalid port.')
        if (n === 0 || n > 0xffff) fail('port out of range.')
        o.port = n
        break
      }
      case 'q': {
        const n = ulong(v)
        if (n === null) fail('invalid nprobes.')
        if (n < 1) fail('nprobes must be >0.')
        o.nprobes = n
        break
      }
      case 'w': {
        const n = ulong(v)
        if (n === null) fail('invalid wait time.')
        if (n < 1) fail('wait must be >= 1 sec.')
        o.waitSec = n
        break
      }
      case 'I':
        o.icmp = true
        break
      case 'U':
        o.icmp = false
        break
      case 'n':
        o.numeric = true
        break
      case 'l':
        o.both = true
        break
      case 'v':
        o.verbose = true
        break
      case 's':
        o.source = v
        break
      case 'd':
      case 'r':
        break
      default:
        throw new CmdError(`-${f}: not supported by VirtNet`, 1)
    }
  }
  if (o.maxHops < o.firstHop) fail('max hoplimit must be larger than first hoplimit.')
  if (r.rest.length < 1 || r.rest.length > 2) usage(USAGE, 1)
  return { o, host: r.rest[0]!, datalen: r.rest[1] }
}

/** get_uphdr(): the offset of the upper-layer header after the IPv6 header at `off`, or -1. */
function upperHeader(b: Uint8Array, off: number, want: number): number {
  if (off + 40 > b.length) return -1
  let nh = b[off + 6]!
  let cp = off + 40
  while (b.length - cp >= (nh === NXT.NONE ? 0 : 8)) {
    if (nh === NXT.ESP) return -1
    if (nh === NXT.ICMPV6 || nh === NXT.UDP || nh === NXT.TCP || nh === NXT.NONE) return nh === want ? cp : -1
    let hlen: number
    if (nh === NXT.FRAGMENT) hlen = 8
    else if (nh === NXT.AH) hlen = (b[cp + 1]! + 2) << 2
    else hlen = (b[cp + 1]! + 1) << 3
    nh = b[cp]!
    cp += hlen
  }
  return -1
}

class Tracer6 {
  constructor(
    private readonly o: Traceroute6Options,
    private readonly ident: number,
    private readonly srcport: number,
  ) {}

  /**
   * packet_ok(): 0 when the message is not about probe `seq`; -1 time exceeded in transit; code+1
   * for destination unreachable (an echo reply counts as port unreachable: it arrived).
   */
  classify(p: Raw6Packet, seq: number): number {
    const b = p.data
    if (b.length < 8) return 0
    const type = b[0]!
    const code = b[1]!
    const dport = (this.o.port + seq) & 0xffff
    if ((type === Icmp6Type.TIME_EXCEEDED && code === 0) || type === Icmp6Type.DST_UNREACH) {
      const up = upperHeader(b, 8, this.o.icmp ? NXT.ICMPV6 : NXT.UDP)
      if (up < 0 || up + 8 > b.length) return 0
      const ok = this.o.icmp
        ? readU16(b, up + 4) === this.ident && readU16(b, up + 6) === (seq & 0xffff)
        : readU16(b, up) === this.srcport && readU16(b, up + 2) === dport
      if (ok) return type === Icmp6Type.TIME_EXCEEDED ? -1 : code + 1
    } else if (this.o.icmp && type === Icmp6Type.ECHO_REPLY) {
      if (readU16(b, 4) === this.ident && readU16(b, 6) === (seq & 0xffff)) return UNREACH.NOPORT + 1
    }
    return 0
  }
}

/** getnameinfo(NI_NUMERICHOST): a link-scoped address with its zone. */
function numeric(sys: Syscalls, a: Uint8Array, scopeId: number): string {
  const s = formatIpv6(a)
  const scoped = (a[0] === 0xfe && (a[1]! & 0xc0) === 0x80) || (a[0] === 0xff && (a[1]! & 0xf) <= 2)
  if (!scoped || scopeId === 0) return s
  return `${s}%${sys.ifList().find((i) => i.index === scopeId)?.name ?? scopeId}`
}

export const traceroute6: Command = (argv, io, proc) =>
  runTool('traceroute6', io, async () => {
    const sys = proc.sys
    let rcv: Raw6Socket
    try {
      rcv = sys.inet6.rawSocket()
    } catch (e) {
      // perror("socket(ICMPv6)"); exit(5)
      throw new CmdError(`socket(ICMPv6): ${asSysError(e).strerror}`, 5)
    }
    try {
      return await main(proc, io, argv, rcv)
    } finally {
      rcv.close()
    }
  })

async function main(proc: Proc, io: Io, argv: readonly string[], rcv: Raw6Socket): Promise<number> {
  const sys = proc.sys
  let defHops = 64
  try {
    const v = Number(sys.sysctlGet('net.inet6.ip6.hlim').value)
    if (v > 0) defHops = v
  } catch {
    // No knob: the compiled-in default.
  }
  const { o, host, datalen } = parseTraceroute6Args(argv.slice(1), defHops)
  let snd: SocketFd | null = null
  if (!o.icmp) {
    try {
      snd = sys.socket(AF_INET6, SOCK.DGRAM)
    } catch (e) {
      throw new CmdError(`socket(SOCK_DGRAM): ${asSysError(e).strerror}`, 5)
    }
  }
  try {
    const dst = numericHost(sys, host, 6)
    if (dst === null) fail('hostname nor servname provided, or not known')
    const minlen = o.icmp ? ICMP6ECHOLEN : UDP_HDR
    if (datalen !== undefined) {
      const n = ulong(datalen)
      if (n === null) fail('invalid packet length.')
      o.datalen = n
    }
    if (o.datalen < minlen) o.datalen = minlen
    else if (o.datalen >= MAXPACKET) fail(`packet size must be ${minlen} <= s < ${MAXPACKET}.`)
    const payload = o.icmp ? o.datalen : o.datalen - UDP_HDR
    const to: SockAddrIn = { ...dst.sa, port: 0 }
    // Source selection: given, or what a connected datagram socket gets (getsockname).
    let src: SockAddrIn
    if (o.source !== undefined) {
      const s = numericHost(sys, o.source, 6)
      if (s === null) {
        io.stdout.write(`traceroute6: ${o.source}: hostname nor servname provided, or not known\n`)
        return 1
      }
      src = { ...s.sa, port: 0 }
    } else {
      const dummy = sys.socket(AF_INET6, SOCK.DGRAM)
      try {
        await dummy.connect({ ...to, port: DUMMY_PORT })
        src = { ...dummy.getsockname(), port: 0 }
      } catch (e) {
        throw new CmdError(`connect: ${asSysError(e).strerror}`, 1)
      } finally {
        dummy.close()
      }
    }
    let srcport = 0
    if (snd !== null) {
      try {
        snd.bind(src)
      } catch (e) {
        throw new CmdError(`bind: ${asSysError(e).strerror}`, 1)
      }
      srcport = snd.getsockname().port
    } else {
      // The raw socket checks the source when it sends; bind's error comes first, as FreeBSD's.
      try {
        const probe = sys.socket(AF_INET6, SOCK.DGRAM)
        try {
          probe.bind(src)
        } finally {
          probe.close()
        }
      } catch (e) {
        throw new CmdError(`bind: ${asSysError(e).strerror}`, 1)
      }
    }
    const srcText = o.source ?? numeric(sys, src.addr6!, src.scopeId ?? 0)
    io.stderr.write(
      `traceroute6 to ${host} (${numeric(sys, to.addr6!, to.scopeId ?? 0)}) from ${srcText}, ${o.maxHops} hops max, ${o.datalen} byte packets\n`,
    )
    if (o.firstHop > 1) io.stdout.write(`Skipping ${o.firstHop - 1} intermediate hops\n`)
    const ident = proc.pid & 0xffff
    const tr = new Tracer6(o, ident, srcport)
    const out = new Uint8Array(payload)
    let seq = 0
    for (let hops = o.firstHop; hops <= o.maxHops; hops++) {
      io.stdout.write(`${String(hops).padStart(2)} `)
      let last: Uint8Array | null = null
      let gotThere = 0
      let unreachable = 0
      for (let probe = 0; probe < o.nprobes; probe++) {
        if (proc.killed) return 130
        seq++
        const t1 = sys.now()
        sendProbe(io, o, host, snd, rcv, to, src, out, seq, hops, ident)
        const deadline = t1 + o.waitSec * SEC
        let answered = false
        for (;;) {
          const left = deadline - sys.now()
          if (left <= 0) break
          const p = await untilKilled(proc, rcv.recv(left))
          if (proc.killed) return 130
          if (p === null) break
          const i = tr.classify(p, seq)
          if (i === 0) continue
          answered = true
          let line = ''
          if (last === null || !in6Eq(last, 0, p.src, 0)) {
            if (probe > 0) line += '\n   '
            line += hopName(sys, o, p)
            last = p.src
          }
          line += `  ${((p.time - t1) / 1e6).toFixed(3)} ms`
          switch (i - 1) {
            case UNREACH.NOROUTE:
              unreachable++
              line += ' !N'
              break
            case UNREACH.ADMIN:
              unreachable++
              line += ' !P'
              break
            case UNREACH.BEYONDSCOPE:
              unreachable++
              line += ' !S'
              break
            case UNREACH.ADDR:
              unreachable++
              line += ' !A'
              break
            case UNREACH.NOPORT:
              if (p.hlim >= 0 && p.hlim <= 1) line += ' !'
              gotThere++
              break
          }
          io.stdout.write(line)
          break
        }
        if (!answered) io.stdout.write(' *')
      }
      io.stdout.write('\n')
      if (gotThere > 0 || (unreachable > 0 && unreachable >= Math.trunc((o.nprobes + 1) / 2))) return 0
    }
    return 0
  } finally {
    snd?.close()
  }
}

/** print(): the hop's address (with -l also its "name", which is the address), -v what arrived. */
function hopName(sys: Syscalls, o: Traceroute6Options, p: Raw6Packet): string {
  const a = numeric(sys, p.src, p.scopeId)
  let s = o.numeric || !o.both ? ` ${a}` : ` ${a} (${a})`
  if (o.verbose) s += ` ${p.data.length} bytes of data to ${numeric(sys, p.dst, p.scopeId)}`
  return s
}

/** send_probe(): set the hop limit, then one UDP datagram or echo request to port+seq. */
function sendProbe(
  io: Io,
  o: Traceroute6Options,
  host: string,
  snd: SocketFd | null,
  rcv: Raw6Socket,
  to: SockAddrIn,
  src: SockAddrIn,
  out: Uint8Array,
  seq: number,
  hops: number,
  ident: number,
): void {
  try {
    if (snd !== null) {
      snd.setsockopt(IPPROTO_IPV6, IPV6_UNICAST_HOPS, hops)
      snd.sendto(out, { ...to, port: (o.port + seq) & 0xffff })
    } else {
      out[0] = Icmp6Type.ECHO_REQUEST
      out[1] = 0
      writeU16(out, 2, 0)
      writeU16(out, 4, ident)
      writeU16(out, 6, seq & 0xffff)
      rcv.send(to.addr6!, out, { hlim: hops, src: src.addr6!, scopeId: to.scopeId ?? 0 })
    }
  } catch (e) {
    io.stderr.write(`sendto: ${asSysError(e).strerror}\n`)
    io.stdout.write(`traceroute6: wrote ${host} ${out.length} chars, ret=-1\n`)
  }
}

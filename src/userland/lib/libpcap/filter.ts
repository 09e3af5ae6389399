/**
 * The pcap filter language (pcap-filter(7)), compiled once into a tree of closures that the bpf tap
 * runs over each frame without allocating: primitives (host, net, port, portrange, ether
 * host/src/dst, proto, ip, arp, icmp, tcp, udp, ip6, icmp6, broadcast, multicast, len, less, greater), the
 * src/dst qualifiers, `and`/`or`/`not` (`&&`/`||`/`!`; and/or of equal precedence, left to right, as
 * libpcap has them), parentheses, the "last qualifier" shorthand (`port 80 or 443`), and relations
 * over packet bytes (`tcp[13] & 2 != 0`, `ip[8] < 64`, `tcp[tcpflags] & tcp-syn != 0`), and `vlan [ID]`,
 * after which the rest of the expression looks inside the 802.1Q tag, as libpcap compiles it.
 *
 * As in BPF, a load past the end of the packet rejects the packet whatever surrounds it (the closures
 * return 0 false, 1 true, 2 abort). Errors are libpcap's messages; nothing here resolves names (no
 * DNS, a small port table). Must not: allocate or throw while filtering.
 *
 * Here: the parser and the primitives; the arithmetic of relations is in filter_arith.ts, the
 * predicates and loads the closures are made of in filter_ops.ts, the tokens in scanner.ts.
 */

import { parseIpv4, parseMac } from '../../../wire/addr.js'
import { LinkType } from '../../../wire/pcap/pcap.js'
import { FilterError } from './errors.js'
import { parseArith } from './filter_arith.js'
import { and, formatDotted, not, or, type Pred, relation, TRUE, u8, u16, u32 } from './filter_ops.js'
import {
  ETHER_PROTOS,
  IP_PROTOS,
  KEYWORDS,
  lex,
  PORTS,
  PROTO_WORDS,
  parseNumber,
  SYNTAX,
  type Tok,
  TYPE_WORDS,
} from './scanner.js'

export { FilterError }

/** The compiled program: whether to accept buf[off, off+len) (a frame of the capture's link type). */
export type Filter = (buf: Uint8Array, off: number, len: number) => boolean

// ---- the compiler ----

interface Qual {
  proto: string | null
  dir: 'src' | 'dst' | 'or' | 'and' | null
  type: 'host' | 'net' | 'port' | 'portrange' | null
}

export class Compiler {
  private readonly toks: Tok[]
  pos = 0
  private last: Qual = { proto: null, dir: null, type: null }
  private readonly ether: boolean
  /**
   * Bytes of 802.1Q tags the expression has stepped over so far: as in libpcap, each `vlan`
   * moves every later test of the link type and the headers after it 4 bytes on.
   */
  private vlanOff = 0
  /** Offset of the network-layer header from the frame's start. */
  nl: number
  isIp: Pred
  isArp: Pred
  private isRarp: Pred
  isIp6: Pred

  constructor(
    expr: string,
    readonly linktype: number,
  ) {
    this.toks = lex(expr)
    this.ether = linktype === LinkType.EN10MB
    if (!this.ether && linktype !== LinkType.NULL)
      throw new FilterError(`link-layer type ${linktype} is not supported`)
    this.nl = this.ether ? 14 : 4
    this.isIp = this.linkProto(0x800, 2)
    this.isArp = this.linkProto(0x806, -1)
    this.isRarp = this.linkProto(0x8035, -1)
    this.isIp6 = this.linkProto(0x86dd, 28)
  }

  /** Where the EtherType is: 12, or after the 802.1Q tags stepped over. */
  private get etAt(): number {
    return 12 + this.vlanOff
  }

  /**
   * `vlan [ID]`: an 802.1Q (or 802.1ad, or the old 0x9100) tag, with that VLAN ID if given; what
   * follows in the expression looks inside it (pcap-filter(7)).
   */
  private vlan(): Pred {
    // gencode.c's words for DLT_NULL (the only other link type here).
    if (!this.ether) throw new FilterError('no VLAN support for BSD loopback')
    let id = -1
    const t = this.peek()
    if (t.t === 'w' && parseNumber(t.v) !== null) {
      id = this.number()
      if (id > 4095) throw new FilterError(`VLAN tag ${id} greater than maximum 4095`)
    }
    const at = this.etAt
    const p: Pred = (b, o, n) => {
      const tpid = u16(b, o, n, at)
      if (tpid < 0) return 2
      if (tpid !== 0x8100 && tpid !== 0x88a8 && tpid !== 0x9100) return 0
      if (id < 0) return 1
      const tci = u16(b, o, n, at + 2)
      return tci < 0 ? 2 : (tci & 0xfff) === id ? 1 : 0
    }
    this.vlanOff += 4
    this.nl += 4
    this.isIp = this.linkProto(0x800, 2)
    this.isArp = this.linkProto(0x806, -1)
    this.isRarp = this.linkProto(0x8035, -1)
    this.isIp6 = this.linkProto(0x86dd, 28)
    return p
  }

  /** The link header says EtherType et (Ethernet) or address family af (DLT_NULL, either byte order). */
  private linkProto(et: number, af: number): Pred {
    if (this.ether) {
      const at = this.etAt
      return (b, o, n) => {
        const t = u16(b, o, n, at)
        return t < 0 ? 2 : t === et ? 1 : 0
      }
    }
    if (af < 0) return () => 0
    return (b, o, n) => {
      const le = u32(b, o, n, 0)
      if (le < 0) return 2
      return le === af || le === af * 0x1000000 ? 1 : 0
    }
  }

  peek(k = 0): Tok {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!
  }
  is(v: string, k = 0): boolean {
    const t = this.peek(k)
    return t.t !== 'eof' && t.v === v
  }
  take(): Tok {
    const t = this.peek()
    if (t.t !== 'eof') this.pos++
    return t
  }
  expect(v: string): void {
    if (!this.is(v)) throw new FilterError(SYNTAX)
    this.pos++
  }

  compile(): Pred {
    if (this.peek().t === 'eof') return TRUE
    const p = this.parseOr()
    if (this.peek().t !== 'eof') throw new FilterError(SYNTAX)
    return p
  }

  private parseOr(): Pred {
    let l = this.parseUnary()
    for (;;) {
      if (this.is('and') || this.is('&&')) {
        this.pos++
        l = and(l, this.parseUnary())
      } else if (this.is('or') || this.is('||')) {
        this.pos++
        l = or(l, this.parseUnary())
      } else return l
    }
  }

  private parseUnary(): Pred {
    if (this.is('not') || this.is('!')) {
      this.pos++
      return not(this.parseUnary())
    }
    return this.parsePrimary()
  }

  private parsePrimary(): Pred {
    const save = this.pos
    try {
      const a = parseArith(this)
      const op = this.peek().v
      if (this.peek().t === 'op' && ['=', '==', '!=', '<', '<=', '>', '>='].includes(op)) {
        this.pos++
        return relation(a, op, parseArith(this))
      }
    } catch (e) {
      // Not a relation after all: parse a primitive instead. Other errors are the relation's own.
      if (!(e instanceof FilterError) || e.message !== SYNTAX) throw e
    }
    this.pos = save
    if (this.is('(')) {
      this.pos++
      const e = this.parseOr()
      this.expect(')')
      return e
    }
    return this.parsePrimitive()
  }

  // ---- primitives ----

  needEther(what: string): void {
    if (!this.ether) throw new FilterError(`'${what}' is not supported on link-layer type NULL`)
  }

  private parsePrimitive(): Pred {
    const t = this.peek()
    if (t.t !== 'w') throw new FilterError(SYNTAX)
    const w = t.v
    if (w === 'vlan') {
      this.pos++
      return this.vlan()
    }
    if (w === 'mpls') throw new FilterError(`'${w}' filtering is not supported`)
    if (w === 'gateway') throw new FilterError("'gateway' requires name resolution, which is not supported")
    if (w === 'less' || w === 'greater') {
      this.pos++
      const v = this.number()
      return w === 'less' ? (_b, _o, n) => (n <= v ? 1 : 0) : (_b, _o, n) => (n >= v ? 1 : 0)
    }
    if (w === 'broadcast' || w === 'multicast') {
      this.pos++
      return this.linkCast(w)
    }
    if (w === 'proto') {
      this.pos++
      return this.protoNumber('ip')
    }
    const q: Qual = { proto: null, dir: null, type: null }
    if (PROTO_WORDS.has(w)) {
      this.pos++
      q.proto = w
      if (this.is('proto')) {
        this.pos++
        return this.protoNumber(w)
      }
      if (this.is('broadcast') || this.is('multicast')) {
        if (w !== 'ether') throw new FilterError(`'${w} ${this.peek().v}' is not supported`)
        return this.linkCast(this.take().v)
      }
      const nx = this.peek()
      const continues = nx.t === 'w' && (TYPE_WORDS.has(nx.v) || nx.v === 'src' || nx.v === 'dst')
      if (!continues) return this.protoPrimitive(w)
    }
    if (this.is('src') || this.is('dst')) {
      const d = this.take().v as 'src' | 'dst'
      q.dir = d
      // `src or dst host X` / `src and dst host X`: a two-sided direction, not a boolean operator.
      const other = d === 'src' ? 'dst' : 'src'
      if ((this.is('or') || this.is('and')) && this.is(other, 1)) {
        q.dir = this.take().v as 'or' | 'and'
        this.pos++
      }
    }
    if (this.peek().t === 'w' && TYPE_WORDS.has(this.peek().v)) q.type = this.take().v as Qual['type']
    if (q.proto === null && q.dir === null && q.type === null) {
      // A bare identifier: the last qualifiers apply (`port 80 or 443`), else it names a host.
      if (KEYWORDS.has(w)) throw new FilterError(SYNTAX)
      Object.assign(q, this.last)
    }
    this.last = { ...q }
    const id = this.take()
    if (id.t !== 'w' || KEYWORDS.has(id.v)) throw new FilterError(SYNTAX)
    return this.qualified(q, id.v)
  }

  private number(): number {
    const t = this.take()
    const v = t.t === 'w' ? parseNumber(t.v) : null
    if (v === null) throw new FilterError(SYNTAX)
    return v
  }

  private linkCast(w: string): Pred {
    this.needEther(w)
    if (w === 'broadcast')
      return (b, o, n) => (n < 6 ? 2 : u16(b, o, n, 0) === 0xffff && u32(b, o, n, 2) === 0xffffffff ? 1 : 0)
    return (b, o, n) => (n < 1 ? 2 : b[o]! & 1)
  }

  /** `ip proto N`, `ether proto N`, `proto N` (N a number or a name like \tcp). */
  private protoNumber(level: string): Pred {
    const t = this.take()
    if (t.t !== 'w') throw new FilterError(SYNTAX)
    const nl = this.nl
    if (level === 'ether') {
      this.needEther('ether proto')
      const v = parseNumber(t.v) ?? ETHER_PROTOS[t.v]
      if (v === undefined) throw new FilterError(`unknown ether proto '${t.v}'`)
      if (v > 0xffff) throw new FilterError(`ether proto ${v} > 65535`)
      const at = this.etAt
      return (b, o, n) => {
        const x = u16(b, o, n, at)
        return x < 0 ? 2 : x === v ? 1 : 0
      }
    }
    if (level === 'ip6') {
      const v = parseNumber(t.v) ?? IP_PROTOS[t.v]
      if (v === undefined) throw new FilterError(`unknown ip6 proto '${t.v}'`)
      if (v > 255) throw new FilterError(`ip6 proto ${v} > 255`)
      return this.ip6Next(v)
    }
    if (level !== 'ip') throw new FilterError(`'${level} proto' is not supported`)
    const v = parseNumber(t.v) ?? IP_PROTOS[t.v]
    if (v === undefined) throw new FilterError(`unknown ip proto '${t.v}'`)
    if (v > 255) throw new FilterError(`ip proto ${v} > 255`)
    const isIp = this.isIp
    return (b, o, n) => {
      const r = isIp(b, o, n)
      if (r !== 1) return r
      const p = u8(b, o, n, nl + 9)
      return p < 0 ? 2 : p === v ? 1 : 0
    }
  }

  /** `ip6 proto N` and `icmp6`: the fixed header's next header (the chain is not followed, as in libpcap). */
  private ip6Next(v: number): Pred {
    const isIp6 = this.isIp6
    const nl = this.nl
    return (b, o, n) => {
      const r = isIp6(b, o, n)
      if (r !== 1) return r
      const p = u8(b, o, n, nl + 6)
      return p < 0 ? 2 : p === v ? 1 : 0
    }
  }

  private protoPrimitive(w: string): Pred {
    switch (w) {
      case 'ip':
        return this.isIp
      case 'arp':
        return this.isArp
      case 'rarp':
        return this.isRarp
      case 'ip6':
        return this.isIp6
      case 'icmp6':
        return this.ip6Next(58)
      case 'tcp':
      case 'udp':
      case 'icmp': {
        const v = IP_PROTOS[w]!
        const isIp = this.isIp
        const nl = this.nl
        const v4: Pred = (b, o, n) => {
          const r = isIp(b, o, n)
          if (r !== 1) return r
          const p = u8(b, o, n, nl + 9)
          return p < 0 ? 2 : p === v ? 1 : 0
        }
        // libpcap's gen_proto_abbrev: `tcp` and `udp` are `ip proto X or ip6 proto X`; `icmp` is IPv4's.
        return w === 'icmp' ? v4 : or(v4, this.ip6Next(v))
      }
      default:
        throw new FilterError(SYNTAX)
    }
  }

  private qualified(q: Qual, id: string): Pred {
    const type = q.type ?? 'host'
    const dir = q.dir ?? 'or'
    if (q.proto === 'ether' || q.proto === 'link') {
      if (type !== 'host') throw new FilterError(`'${q.proto}' modifier applied to ${type}`)
      this.needEther('ether host')
      const mac = parseMac(id)
      if (mac === null) throw new FilterError(`unknown ether host '${id}'`)
      const hi = Math.floor(mac / 0x100000000)
      const lo = mac % 0x100000000
      const at =
        (k: number): Pred =>
        (b, o, n) => {
          const h = u16(b, o, n, k)
          const l = u32(b, o, n, k + 2)
          return h < 0 || l < 0 ? 2 : h === hi && l === lo ? 1 : 0
        }
      return this.sides(dir, at(6), at(0))
    }
    if (type === 'port' || type === 'portrange') return this.port(q, type, dir, id)
    // host or net: IPv4 addresses in IP, ARP and RARP headers.
    let addr: number
    let mask: number
    if (type === 'host') {
      const a = parseIpv4(id)
      if (a === null) throw new FilterError(`unknown host '${id}'`)
      addr = a
      mask = 0xffffffff
      if (this.is('/') || this.is('mask')) throw new FilterError(SYNTAX)
    } else [addr, mask] = this.netOf(id)
    if (q.proto !== null && !['ip', 'arp', 'rarp'].includes(q.proto))
      throw new FilterError(`'${q.proto}' modifier applied to ${type}`)
    const nl = this.nl
    const field =
      (guard: Pred, k: number): Pred =>
      (b, o, n) => {
        const r = guard(b, o, n)
        if (r !== 1) return r
        const v = u32(b, o, n, nl + k)
        return v < 0 ? 2 : (v & mask) >>> 0 === addr ? 1 : 0
      }
    const ip = this.sides(dir, field(this.isIp, 12), field(this.isIp, 16))
    const arp = this.sides(dir, field(this.isArp, 14), field(this.isArp, 24))
    const rarp = this.sides(dir, field(this.isRarp, 14), field(this.isRarp, 24))
    if (q.proto === 'ip') return ip
    if (q.proto === 'arp') return arp
    if (q.proto === 'rarp') return rarp
    return or(or(ip, arp), rarp)
  }

  /** `net N`, `net N/len`, `net N mask M`. */
  private netOf(id: string): [number, number] {
    const parts = id.split('.')
    const full = `${id}${'.0'.repeat(Math.max(0, 4 - parts.length))}`
    const a = parts.length <= 4 && parts.every((p) => /^\d+$/.test(p)) ? parseIpv4(full) : null
    if (a === null) throw new FilterError(`unknown network '${id}'`)
    let mask = parts.length >= 4 ? 0xffffffff : (0xffffffff << (32 - 8 * parts.length)) >>> 0
    let shown = id
    if (this.is('/')) {
      this.pos++
      const len = this.number()
      if (len > 32) throw new FilterError(`mask length must be <= 32`)
      mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0
      shown = `${id}/${len}`
      if (parts.length < 4 && len > 0) mask = (0xffffffff << (32 - len)) >>> 0
    } else if (this.is('mask')) {
      this.pos++
      const m = parseIpv4(this.take().v)
      if (m === null) throw new FilterError(SYNTAX)
      mask = m
      shown = `${id} mask ${formatDotted(m)}`
    }
    if ((a & ~mask) >>> 0 !== 0) throw new FilterError(`non-network bits set in "${shown}"`)
    return [a, mask]
  }

  private port(q: Qual, type: 'port' | 'portrange', dir: string, id: string): Pred {
    const one = (s: string): number => {
      const v = parseNumber(s) ?? PORTS[s]
      if (v === undefined) throw new FilterError(`unknown port '${s}'`)
      if (v > 65535) throw new FilterError(`illegal port number ${v} > 65535`)
      return v
    }
    let lo: number
    let hi: number
    if (type === 'portrange') {
      const m = /^([^-]+)-([^-]+)$/.exec(id)
      if (m === null) throw new FilterError(`illegal port range '${id}'`)
      lo = one(m[1]!)
      hi = one(m[2]!)
      if (lo > hi) [lo, hi] = [hi, lo]
    } else {
      lo = one(id)
      hi = lo
    }
    let protos: number[]
    if (q.proto === null) protos = [6, 17, 132]
    else if (q.proto === 'tcp' || q.proto === 'udp') protos = [IP_PROTOS[q.proto]!]
    else if (q.proto === 'ip') protos = [6, 17, 132]
    else throw new FilterError(`'${q.proto}' modifier applied to ${type}`)
    const isIp = this.isIp
    const isIp6 = this.isIp6
    // libpcap's `port` without `ip` covers IPv6 too: next header TCP/UDP/SCTP at once, ports after 40 bytes.
    const six = q.proto !== 'ip'
    const nl = this.nl
    const p0 = protos[0]!
    const p1 = protos[1] ?? -1
    const p2 = protos[2] ?? -1
    const field =
      (k: number): Pred =>
      (b, o, n) => {
        if (six && isIp6(b, o, n) === 1) {
          const p = u8(b, o, n, nl + 6)
          if (p < 0) return 2
          if (p !== p0 && p !== p1 && p !== p2) return 0
          const v = u16(b, o, n, nl + 40 + k)
          return v < 0 ? 2 : v >= lo && v <= hi ? 1 : 0
        }
        const r = isIp(b, o, n)
        if (r !== 1) return r
        const p = u8(b, o, n, nl + 9)
        if (p < 0) return 2
        if (p !== p0 && p !== p1 && p !== p2) return 0
        const fo = u16(b, o, n, nl + 6)
        if (fo < 0) return 2
        if ((fo & 0x1fff) !== 0) return 0
        const v = u16(b, o, n, nl + (b[o + nl]! & 15) * 4 + k)
        return v < 0 ? 2 : v >= lo && v <= hi ? 1 : 0
      }
    return this.sides(dir, field(0), field(2))
  }

  private sides(dir: string, src: Pred, dst: Pred): Pred {
    if (dir === 'src') return src
    if (dir === 'dst') return dst
    return dir === 'and' ? and(src, dst) : or(src, dst)
  }
}

/**
 * pcap_compile: the expression for a capture of this link type (LinkType.EN10MB or NULL), or
 * FilterError with libpcap's message. An empty expression accepts everything.
 */
export function compileFilter(expr: string, linktype: number): Filter {
  const p = new Compiler(expr, linktype).compile()
  return (b, o, n) => p(b, o, n) === 1
}

/**
 * tcpdump 4.99's one-line packet format (print-ether.c, print-arp.c, print-ip.c, print-icmp.c,
 * print-udp.c, print-tcp.c, rewritten): Ethernet (-e), DLT_NULL, ARP, IPv4 with fragments, ICMP echo
 * and errors, UDP, TCP with flags, relative sequence numbers after the first packet of a
 * conversation, window, options and payload length. Verbose (-v) adds the IP header line and
 * transport checksums. A truncated packet ends with tcpdump's `[|proto]` mark; nothing here throws on
 * packet bytes. The per-conversation table is bounded.
 */

import { LinkType } from '../../../wire/pcap/pcap.js'
import { bootpPrint } from './print_bootp.js'
import { be16, be32, fixed, hex4, IPPROTO_NAMES, ip4, mac, sum16 } from './print_bytes.js'
import { dhcp6Print } from './print_dhcp6.js'
import { ip6Line } from './print_ip6.js'
import { ospfPrint } from './print_ospf.js'

export interface PrintOptions {
  /**
   * -n count: any -n prints port numbers (tcpdump 4.99's init_addrtoname loads no service names under
   * -n, so -n and -nn print alike). Addresses are always numeric here (no DNS).
   */
  n: number
  /** -e: the link-level header. */
  e: boolean
  /** -v count. */
  v: number
  /** -q. */
  q: boolean
  /** -S: absolute TCP sequence numbers. */
  S: boolean
}

const TCP_PORTS: Readonly<Record<number, string>> = {
  20: 'ftp-data',
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  25: 'smtp',
  53: 'domain',
  80: 'http',
  110: 'pop3',
  179: 'bgp',
  443: 'https',
  514: 'shell',
}
const UDP_PORTS: Readonly<Record<number, string>> = {
  53: 'domain',
  67: 'bootps',
  68: 'bootpc',
  69: 'tftp',
  123: 'ntp',
  161: 'snmp',
  514: 'syslog',
  520: 'route',
}

const ETHERTYPES: Readonly<Record<number, string>> = {
  2048: 'IPv4',
  2054: 'ARP',
  32821: 'Reverse ARP',
  34525: 'IPv6',
  33024: '802.1Q',
  34984: '802.1Q-QinQ',
  35020: 'LLDP',
}

const IP_PROTO_LOWER: Readonly<Record<number, string>> = { 1: 'icmp', 2: 'igmp', 6: 'tcp', 17: 'udp' }

/** TCP conversations remembered for relative sequence numbers (tcp_seq_hash), at most this many. */
const MAX_CONVERSATIONS = 4096

/** `addr.port`, or the port alone when the address was printed already (''). */
function endpoint(addr: string, port: string): string {
  return addr === '' ? port : `${addr}.${port}`
}

function pseudo(b: Uint8Array, ip: number, proto: number, len: number): number {
  return sum16(b, ip + 12, 8, proto + len)
}

interface Conv {
  seq: number
  ack: number
}

/** A tcpdump printing session: options plus the TCP conversation table. */
export class Printer {
  private readonly conv = new Map<string, Conv>()
  /** How much of the last packet the link printer took as its header (netdissect's hdrlen), 802.1Q tags included. */
  hdrlen = 0

  constructor(readonly opts: PrintOptions) {}

  /** The line for one packet (without timestamp or newline): caplen bytes of a wirelen-byte frame. */
  line(linktype: number, b: Uint8Array, caplen: number, wirelen: number): string {
    if (linktype === LinkType.EN10MB) return this.ether(b, caplen, wirelen)
    if (linktype === LinkType.NULL) return this.nullLink(b, caplen, wirelen)
    this.hdrlen = caplen
    return `unknown link type ${linktype}, length ${wirelen}`
  }

  private ether(b: Uint8Array, caplen: number, wirelen: number): string {
    this.hdrlen = caplen
    if (caplen < 14) return '[|ether]'
    const type = be16(b, 12)
    const name = ETHERTYPES[type] ?? 'Unknown'
    const hdr = `${mac(b, 6)} > ${mac(b, 0)}, ethertype ${name} (0x${hex4(type)}), length ${wirelen}: `
    const e = this.opts.e
    // 802.1Q / 802.1ad tags: with -e each shows as `vlan ID, p PCP, ethertype NEXT`; without,
    // tcpdump prints the packet inside as if untagged.
    let at = 14
    let t = type
    let tags = ''
    while ((t === 0x8100 || t === 0x88a8 || t === 0x9100) && caplen >= at + 4) {
      const tci = be16(b, at)
      t = be16(b, at + 2)
      tags += `vlan ${tci & 0xfff}, p ${tci >> 13}${tci & 0x1000 ? ', DEI' : ''}, ethertype ${ETHERTYPES[t] ?? 'Unknown'} (0x${hex4(t)}), `
      at += 4
    }
    this.hdrlen = at
    const head = e ? hdr + tags : ''
    if (t === 0x0800) return head + this.ip(b, at, caplen, e)
    if (t === 0x0806) return (e ? head : 'ARP, ') + this.arp(b, at, caplen, wirelen - at)
    if (t === 0x86dd) return head + ip6Line(this, b, at, caplen)
    // Unknown EtherTypes: tcpdump shows the link header even without -e.
    return (hdr + tags).slice(0, -2)
  }

  private nullLink(b: Uint8Array, caplen: number, wirelen: number): string {
    this.hdrlen = Math.min(4, caplen)
    if (caplen < 4) return '[|null]'
    const le = b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)
    const af = le > 0xffff ? be32(b, 0) : le
    const e = this.opts.e
    const afName = af === 2 ? 'IPv4' : af === 24 || af === 28 || af === 30 ? 'IPv6' : 'Unknown'
    const hdr = e ? `AF ${afName} (${af}), length ${wirelen}: ` : ''
    if (af === 2) return hdr + this.ip(b, 4, caplen, e)
    if (afName === 'IPv6') return hdr + ip6Line(this, b, 4, caplen)
    return `${hdr}${e ? '' : `AF ${afName} (${af}), length ${wirelen}`}`.replace(/: $/, '')
  }

  private arp(b: Uint8Array, at: number, caplen: number, len: number): string {
    if (caplen < at + 8) return '[|ARP]'
    const hrd = be16(b, at)
    const pro = be16(b, at + 2)
    const hln = b[at + 4]!
    const pln = b[at + 5]!
    const op = be16(b, at + 6)
    if (hrd !== 1 || pro !== 0x0800 || hln !== 6 || pln !== 4) {
      return `${op === 1 ? 'Request' : op === 2 ? 'Reply' : `unknown (${op})`} hardware #${hrd}, length ${len}`
    }
    if (caplen < at + 28) return `${op === 1 ? 'Request' : 'Reply'} [|ARP]`
    if (this.opts.v > 0) return `Ethernet (len 6), IPv4 (len 4), ${this.arpOp(b, at, op, len)}`
    return this.arpOp(b, at, op, len)
  }

  private arpOp(b: Uint8Array, at: number, op: number, len: number): string {
    const sha = mac(b, at + 8)
    const spa = ip4(b, at + 14)
    const tha = mac(b, at + 18)
    const tpa = ip4(b, at + 24)
    switch (op) {
      case 1: {
        // "who-has X (tha) tell Y" only when the target hardware address is not zero.
        const thaZero = tha === '00:00:00:00:00:00'
        return `Request who-has ${tpa}${thaZero ? '' : ` (${tha})`} tell ${spa}, length ${len}`
      }
      case 2:
        return `Reply ${spa} is-at ${sha}, length ${len}`
      case 3:
        return `Reverse Request who-is ${tha} tell ${sha}, length ${len}`
      case 4:
        return `Reverse Reply ${tha} at ${tpa}, length ${len}`
      default:
        return `Unknown (${op}), length ${len}`
    }
  }

  /** IPv4; `inner` is the datagram quoted in an ICMP error (no checksums, as tcpdump does there). */
  private ip(b: Uint8Array, at: number, caplen: number, e: boolean, inner = false): string {
    const pre = e ? '' : 'IP '
    if (caplen < at + 20) return `${pre}[|ip]`
    const vhl = b[at]!
    if (vhl >> 4 !== 4) return `${pre}IP${vhl >> 4}`
    const hl = (vhl & 15) * 4
    const len = be16(b, at + 2)
    if (hl < 20) return `${pre}bad-hlen ${hl}`
    if (len < hl) return `${pre}[total length ${len} < header length ${hl}]`
    const off = be16(b, at + 6)
    const proto = b[at + 9]!
    const src = ip4(b, at + 12)
    const dst = ip4(b, at + 16)
    // Bytes of this datagram actually present (the frame may be padded or snapped).
    const end = Math.min(caplen, at + len)
    let s = pre
    if (this.opts.v > 0) {
      const tos = b[at + 1]!
      const flags: string[] = []
      if (off & 0x2000) flags.push('+')
      if (off & 0x4000) flags.push('DF')
      if (off & 0x8000) flags.push('rsvd')
      const ecn = ['', ',ECT(1)', ',ECT(0)', ',CE'][tos & 3]
      const pname = IPPROTO_NAMES[proto] ?? 'unknown'
      s += `(tos 0x${(tos & ~3).toString(16)}${ecn}, ttl ${b[at + 8]}, id ${be16(b, at + 4)}, offset ${(off & 0x1fff) * 8}, flags [${flags.length ? flags.join(', ') : 'none'}], proto ${pname} (${proto}), length ${len}`
      if (!inner && sum16(b, at, hl, 0) !== 0xffff && caplen >= at + hl)
        s += `, bad cksum ${be16(b, at + 10).toString(16)} (->${(~sum16(b, at + 0, 10, sum16(b, at + 12, hl - 12, 0)) & 0xffff).toString(16)})!`
      s += ')\n    '
    }
    if ((off & 0x1fff) !== 0) {
      const pn = this.opts.n === 0 ? IP_PROTO_LOWER[proto] : undefined
      return `${s}${src} > ${dst}: ${pn ?? `ip-proto-${proto}`}`
    }
    const payload = len - hl
    const frag = (off & 0x2000) !== 0
    const th = at + hl
    switch (proto) {
      case 1: {
        s += `${src} > ${dst}: ${this.icmp(b, th, end, payload)}`
        // -v: the datagram an ICMP error quotes, on its own lines.
        const t = end >= th + 8 + 20 ? b[th]! : 0
        if (this.opts.v > 0 && (t === 3 || t === 4 || t === 5 || t === 11 || t === 12))
          s += `\n\t${this.ip(b, th + 8, end, false, true)}`
        return s
      }
      case 6:
        return s + this.tcp(b, pseudo(b, at, 6, payload), th, end, payload, src, dst, frag || inner)
      case 17:
        return s + this.udp(b, pseudo(b, at, 17, payload), th, end, payload, src, dst, frag || inner)
      case 89:
        return `${s}${src} > ${dst}: ${ospfPrint(b, th, end, payload, this.opts.v)}`
      default: {
        const pn = this.opts.n === 0 ? IP_PROTO_LOWER[proto] : undefined
        return `${s}${src} > ${dst}: ${pn ?? `ip-proto-${proto}`} ${payload}`
      }
    }
  }

  private icmp(b: Uint8Array, at: number, end: number, len: number): string {
    if (end < at + 4) return '[|icmp]'
    const type = b[at]!
    const code = b[at + 1]!
    let str: string
    switch (type) {
      case 0:
      case 8:
        if (end < at + 8) return `ICMP echo ${type === 8 ? 'request' : 'reply'} [|icmp]`
        str = `echo ${type === 8 ? 'request' : 'reply'}, id ${be16(b, at + 4)}, seq ${be16(b, at + 6)}`
        break
      case 3:
        str = this.unreach(b, at, end, code)
        break
      case 11:
        str =
          code === 0
            ? 'time exceeded in-transit'
            : code === 1
              ? 'ip reassembly time exceeded'
              : `time exceeded-#${code}`
        break
      case 4:
        str = 'source quench'
        break
      case 5:
        str =
          end >= at + 8
            ? `redirect ${this.innerDst(b, at, end)} to ${this.gwName(code)} ${ip4(b, at + 4)}`
            : 'redirect'
        break
      case 12:
        str = `parameter problem - octet ${b[at + 4] ?? 0}`
        break
      case 13:
        str = 'time stamp query'
        break
      case 14:
        str = 'time stamp reply'
        break
      case 17:
        str = 'address mask request'
        break
      case 18:
        str =
          'address mask is 0x' +
          (end >= at + 12
            ? be32(b, at + 8)
                .toString(16)
                .padStart(8, '0')
            : '')
        break
      default:
        str = `type-#${type}`
    }
    return `ICMP ${str}, length ${len}`
  }

  private gwName(code: number): string {
    return code === 0 ? 'net' : code === 1 ? 'host' : code === 2 ? 'tos-net' : 'tos-host'
  }

  private innerDst(b: Uint8Array, at: number, end: number): string {
    return end >= at + 8 + 20 ? ip4(b, at + 8 + 16) : '?'
  }

  private unreach(b: Uint8Array, at: number, end: number, code: number): string {
    const oip = at + 8
    if (end < oip + 20) return 'unreachable [|icmp]'
    const dst = ip4(b, oip + 16)
    const ohl = (b[oip]! & 15) * 4
    const op = b[oip + 9]!
    switch (code) {
      case 0:
        return `net ${dst} unreachable`
      case 1:
        return `host ${dst} unreachable`
      case 2:
        return `${dst} protocol ${op} unreachable`
      case 3: {
        if (end < oip + ohl + 4) return `${dst} port unreachable`
        const dport = be16(b, oip + ohl + 2)
        if (op === 6) return `${dst} tcp port ${this.port(dport, TCP_PORTS)} unreachable`
        if (op === 17) return `${dst} udp port ${this.port(dport, UDP_PORTS)} unreachable`
        return `${dst} protocol ${op} port ${dport} unreachable`
      }
      case 4: {
        const mtu = end >= at + 8 ? be16(b, at + 6) : 0
        return mtu !== 0
          ? `${dst} unreachable - need to frag (mtu ${mtu})`
          : `${dst} unreachable - need to frag`
      }
      case 5:
        return `${dst} unreachable - source route failed`
      case 6:
        return `net ${dst} unreachable - unknown`
      case 7:
        return `host ${dst} unreachable - unknown`
      case 8:
        return `${dst} unreachable - source host isolated`
      case 9:
        return `net ${dst} unreachable - admin prohibited`
      case 10:
        return `host ${dst} unreachable - admin prohibited`
      case 11:
        return `net ${dst} unreachable - tos prohibited`
      case 12:
        return `host ${dst} unreachable - tos prohibited`
      case 13:
        return `host ${dst} unreachable - admin prohibited filter`
      case 14:
        return `host ${dst} unreachable - host precedence violation`
      case 15:
        return `host ${dst} unreachable - precedence cutoff`
      default:
        return `${dst} unreachable - #${code}`
    }
  }

  /** A TCP port as tcpdump names it (also for the IPv6 printer). */
  tcpPort(p: number): string {
    return this.port(p, TCP_PORTS)
  }

  /** A UDP port as tcpdump names it. */
  udpPort(p: number): string {
    return this.port(p, UDP_PORTS)
  }

  private port(p: number, names: Readonly<Record<number, string>>): string {
    return this.opts.n === 0 ? (names[p] ?? `${p}`) : `${p}`
  }

  /**
   * UDP after the network header; psum is the pseudo-header's sum. Addresses '' print the ports
   * alone (IPv6 past extension headers). IPv6 makes the checksum mandatory, so -v checks it there.
   */
  udp(
    b: Uint8Array,
    psum: number,
    at: number,
    end: number,
    payload: number,
    src: string,
    dst: string,
    frag: boolean,
    v6 = false,
  ): string {
    if (end < at + 8) return `${src} > ${dst}: [|udp]`
    const sp = be16(b, at)
    const dp = be16(b, at + 2)
    const ulen = be16(b, at + 4)
    let s = `${endpoint(src, this.port(sp, UDP_PORTS))} > ${endpoint(dst, this.port(dp, UDP_PORTS))}: `
    if (ulen < 8 || ulen > payload) return `${s}UDP, bad length ${ulen} > ${payload}`
    if (this.opts.v > (v6 ? 0 : 1) && !frag) {
      // A zero IPv4 checksum is "none" whatever was captured; a sum needs the whole datagram.
      const ck = be16(b, at + 6)
      if (ck === 0 && !v6) s += '[no cksum] '
      else if (end >= at + ulen) {
        const got = sum16(b, at, ulen, psum)
        s +=
          got === 0xffff
            ? '[udp sum ok] '
            : `[bad udp cksum 0x${hex4(ck)} -> 0x${hex4(fixed(b, at + 6, got))}!] `
      }
    }
    // RIPng (print-ripng.c), the one-line form: command and RTE count.
    if (v6 && this.opts.v === 0 && (sp === 521 || dp === 521) && end >= at + 12) {
      const cmd = b[at + 8]!
      const n = Math.floor((ulen - 12) / 20)
      const whole =
        n === 1 && end >= at + 32 && b.subarray(at + 12, at + 28).every((x) => x === 0) && b[at + 31] === 16
      if (cmd === 1) return `${s}ripng-req ${whole ? 'dump' : `${n}:`}`
      if (cmd === 2) return `${s}ripng-resp ${n}:`
    }
    // print-udp.c hands BOOTP before DHCPv6 (whatever the IP version), each with the UDP length.
    if (!this.opts.q && (sp === 67 || sp === 68 || dp === 67 || dp === 68))
      return s + bootpPrint(b, at + 8, end, ulen - 8, this.opts.v)
    if (!this.opts.q && (sp === 546 || sp === 547 || dp === 546 || dp === 547))
      return s + dhcp6Print(b, at + 8, end, ulen - 8, this.opts.v)
    return `${s}UDP, length ${ulen - 8}`
  }

  /** TCP after the network header; psum is the pseudo-header's sum (IPv4 or IPv6). */
  tcp(
    b: Uint8Array,
    psum: number,
    at: number,
    end: number,
    payload: number,
    src: string,
    dst: string,
    frag: boolean,
  ): string {
    if (end < at + 20) return `${src} > ${dst}: [|tcp]`
    const sp = be16(b, at)
    const dp = be16(b, at + 2)
    let seq = be32(b, at + 4)
    let ack = be32(b, at + 8)
    const hl = (b[at + 12]! >> 4) * 4
    const flags = b[at + 13]!
    const win = be16(b, at + 14)
    const urp = be16(b, at + 18)
    let s = `${endpoint(src, this.port(sp, TCP_PORTS))} > ${endpoint(dst, this.port(dp, TCP_PORTS))}: `
    if (hl < 20) return `${s}tcp ${payload} [bad hdr length ${hl} - too short, < 20]`
    if (hl > payload) return `${s}tcp ${payload} [bad hdr length ${hl} - too long, > ${payload}]`
    const length = payload - hl
    if (this.opts.q) return `${s}tcp ${length}`
    s += `Flags [${tcpFlags(flags)}]`
    let thseq = 0
    let thack = 0
    let rev = false
    if (!this.opts.S && flags & 0x10) {
      rev = sp > dp || (sp === dp && src > dst)
      const key = rev ? `${dst}.${dp}>${src}.${sp}` : `${src}.${sp}>${dst}.${dp}`
      let th = this.conv.get(key)
      if (th === undefined || flags & 0x02) {
        if (th === undefined) {
          if (this.conv.size >= MAX_CONVERSATIONS) this.conv.clear()
          th = { seq: 0, ack: 0 }
          this.conv.set(key, th)
        }
        if (rev) {
          th.ack = seq
          th.seq = (ack - 1) >>> 0
        } else {
          th.seq = seq
          th.ack = (ack - 1) >>> 0
        }
      } else if (rev) {
        seq = (seq - th.ack) >>> 0
        ack = (ack - th.seq) >>> 0
      } else {
        seq = (seq - th.seq) >>> 0
        ack = (ack - th.ack) >>> 0
      }
      thseq = th.seq
      thack = th.ack
    }
    if (this.opts.v > 0 && !frag && end >= at + payload) {
      const ck = be16(b, at + 16)
      const got = sum16(b, at, payload, psum)
      s += `, cksum 0x${hex4(ck)} (${got === 0xffff ? 'correct' : `incorrect -> 0x${hex4(fixed(b, at + 16, got))}`})`
    }
    if (this.opts.v > 1 || length > 0 || flags & 0x07) {
      s += `, seq ${seq}`
      if (length > 0) s += `:${(seq + length) >>> 0}`
    }
    if (flags & 0x10) s += `, ack ${ack}`
    s += `, win ${win}`
    if (flags & 0x20) s += `, urg ${urp}`
    if (hl > 20) {
      const o = tcpOptions(b, at + 20, Math.min(at + hl, end), rev ? thseq : thack)
      s += `, options [${o}]`
      if (end < at + hl) return `${s} [|tcp]`
    }
    return `${s}, length ${length}`
  }
}

const FLAG_CHARS: readonly [number, string][] = [
  [0x01, 'F'],
  [0x02, 'S'],
  [0x04, 'R'],
  [0x08, 'P'],
  [0x10, '.'],
  [0x20, 'U'],
  [0x40, 'E'],
  [0x80, 'W'],
]

function tcpFlags(f: number): string {
  let s = ''
  for (const [bit, c] of FLAG_CHARS) if (f & bit) s += c
  return s === '' ? 'none' : s
}

const OPT_NAMES: Readonly<Record<number, string>> = {
  0: 'eol',
  1: 'nop',
  2: 'mss',
  3: 'wscale',
  4: 'sackOK',
  5: 'sack',
  6: 'echo',
  7: 'echoreply',
  8: 'TS',
  19: 'md5',
  28: 'uto',
  29: 'tcp-ao',
  30: 'mptcp',
  34: 'tfo',
}

/** The options list between `options [` and `]`; SACK edges relative to `base`. */
function tcpOptions(b: Uint8Array, at: number, end: number, base: number): string {
  const out: string[] = []
  while (at < end) {
    const opt = b[at]!
    const name = OPT_NAMES[opt] ?? `unknown-${opt}`
    if (opt === 0 || opt === 1) {
      out.push(name)
      at++
      if (opt === 0) break
      continue
    }
    if (at + 2 > end) {
      out.push(`${name} [|tcp]`)
      break
    }
    const len = b[at + 1]!
    if (len < 2 || at + len > end) {
      out.push(`${name} [bad opt]`)
      break
    }
    const d = at + 2
    const dl = len - 2
    let s = name
    switch (opt) {
      case 2:
        s += dl === 2 ? ` ${be16(b, d)}` : ` [bad opt]`
        break
      case 3:
        s += dl === 1 ? ` ${b[d]}` : ` [bad opt]`
        break
      case 4:
        if (dl !== 0) s += ` [bad opt]`
        break
      case 5:
        if (dl % 8 !== 0) s += ' invalid sack'
        else {
          s += ` ${dl / 8} `
          for (let i = 0; i < dl; i += 8)
            s += `{${(be32(b, d + i) - base) >>> 0}:${(be32(b, d + i + 4) - base) >>> 0}}`
        }
        break
      case 8:
        s += dl === 8 ? ` val ${be32(b, d)} ecr ${be32(b, d + 4)}` : ` [bad opt]`
        break
      default:
        if (dl > 0) s += ` len ${dl}`
    }
    out.push(s)
    at += len
  }
  return out.join(',')
}

/**
 * The pcap filter language's words (libpcap's scanner.l and its name tables, rewritten): tokens,
 * numbers in C's bases, the port, protocol and byte-test constant names this project knows (no
 * /etc/services or DNS), and the keywords. Pure functions and read-only tables.
 */

import { FilterError } from './errors.js'

export const SYNTAX = "can't parse filter expression: syntax error"

export const PORTS: Readonly<Record<string, number>> = {
  'ftp-data': 20,
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  bootps: 67,
  bootpc: 68,
  tftp: 69,
  http: 80,
  www: 80,
  pop3: 110,
  sunrpc: 111,
  ntp: 123,
  snmp: 161,
  bgp: 179,
  https: 443,
  syslog: 514,
  router: 520,
  route: 520,
}

export const IP_PROTOS: Readonly<Record<string, number>> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  ipv6: 41,
  icmp6: 58,
  sctp: 132,
}
export const ETHER_PROTOS: Readonly<Record<string, number>> = {
  ip: 0x800,
  arp: 0x806,
  rarp: 0x8035,
  ip6: 0x86dd,
}

/** Named constants of the byte-test language. */
export const CONSTS: Readonly<Record<string, number>> = {
  tcpflags: 13,
  'tcp-fin': 1,
  'tcp-syn': 2,
  'tcp-rst': 4,
  'tcp-push': 8,
  'tcp-ack': 16,
  'tcp-urg': 32,
  'tcp-ece': 64,
  'tcp-cwr': 128,
  icmptype: 0,
  icmpcode: 1,
  'icmp-echoreply': 0,
  'icmp-unreach': 3,
  'icmp-sourcequench': 4,
  'icmp-redirect': 5,
  'icmp-echo': 8,
  'icmp-routeradvert': 9,
  'icmp-routersolicit': 10,
  'icmp-timxceed': 11,
  'icmp-paramprob': 12,
  'icmp-tstamp': 13,
  'icmp-tstampreply': 14,
  'icmp-ireq': 15,
  'icmp-ireqreply': 16,
  'icmp-maskreq': 17,
  'icmp-maskreply': 18,
}

export const PROTO_WORDS: ReadonlySet<string> = new Set([
  'ether',
  'link',
  'ip',
  'arp',
  'rarp',
  'tcp',
  'udp',
  'icmp',
  'ip6',
  'icmp6',
])
export const TYPE_WORDS: ReadonlySet<string> = new Set(['host', 'net', 'port', 'portrange'])
export const KEYWORDS: ReadonlySet<string> = new Set([
  ...PROTO_WORDS,
  ...TYPE_WORDS,
  'src',
  'dst',
  'and',
  'or',
  'not',
  'proto',
  'broadcast',
  'multicast',
  'less',
  'greater',
  'len',
  'vlan',
  'mpls',
  'gateway',
])

export interface Tok {
  t: 'w' | 'op' | 'eof'
  v: string
}

export const MAC_RE = /^[0-9a-f]{1,2}([:.-])[0-9a-f]{1,2}(\1[0-9a-f]{1,2}){4}$/i

export function lex(s: string): Tok[] {
  const out: Tok[] = []
  let i = 0
  while (i < s.length) {
    const c = s[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    const two = s.slice(i, i + 2)
    if (['&&', '||', '<<', '>>', '<=', '>=', '==', '!='].includes(two)) {
      out.push({ t: 'op', v: two })
      i += 2
      continue
    }
    if ('()[]:!&|^+-*/%<>='.includes(c)) {
      out.push({ t: 'op', v: c })
      i++
      continue
    }
    let j = i
    if (c === '\\') j++
    const start = j
    while (j < s.length && /[A-Za-z0-9_.:-]/.test(s[j]!)) j++
    if (j === start) throw new FilterError(SYNTAX)
    let w = s.slice(start, j)
    // A colon belongs to a word only in a MAC address; elsewhere it is the `[off:size]` separator.
    if (w.includes(':') && !MAC_RE.test(w)) {
      w = w.slice(0, w.indexOf(':'))
      j = start + w.length
      if (w === '') throw new FilterError(SYNTAX)
    }
    out.push({ t: 'w', v: w })
    i = j
  }
  out.push({ t: 'eof', v: '' })
  return out
}

export function parseNumber(w: string): number | null {
  if (/^0x[0-9a-f]+$/i.test(w)) return Number.parseInt(w.slice(2), 16)
  if (/^0[0-7]+$/.test(w)) return Number.parseInt(w, 8)
  if (/^[0-9]+$/.test(w)) return Number.parseInt(w, 10)
  return null
}

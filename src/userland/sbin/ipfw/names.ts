/**
 * The name tables ipfw(8) reads and prints (ipfw2.c's _s_x tables, /etc/protocols and the few
 * /etc/services entries a ruleset usually names): protocols, ICMP unreachable codes, TCP flags, TOS
 * bits, ports. Constant data only.
 */

/** /etc/protocols, the part rules use. */
export const PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['ip', 0],
  ['icmp', 1],
  ['igmp', 2],
  ['ipencap', 4],
  ['tcp', 6],
  ['udp', 17],
  ['gre', 47],
  ['esp', 50],
  ['ah', 51],
  ['ipv6', 41],
  ['ipv6-route', 43],
  ['ipv6-frag', 44],
  ['ipv6-icmp', 58],
  // FreeBSD's /etc/protocols lists icmp6 as an alias of ipv6-icmp.
  ['icmp6', 58],
  ['ipv6-nonxt', 59],
  ['ipv6-opts', 60],
  ['ospf', 89],
  ['pim', 103],
  ['vrrp', 112],
  ['sctp', 132],
])

export const PROTO_NAMES: ReadonlyMap<number, string> = new Map(
  [...PROTOCOLS].filter(([n]) => n !== 'ip' && n !== 'icmp6').map(([n, v]) => [v, n]),
)

/** icmpcodes[] of ipfw2.c (`unreach CODE`). */
export const ICMP_CODES: ReadonlyArray<readonly [string, number]> = [
  ['net', 0],
  ['host', 1],
  ['protocol', 2],
  ['port', 3],
  ['needfrag', 4],
  ['srcfail', 5],
  ['net-unknown', 6],
  ['host-unknown', 7],
  ['isolated', 8],
  ['net-prohib', 9],
  ['host-prohib', 10],
  ['tosnet', 11],
  ['toshost', 12],
  ['filter-prohib', 13],
  ['host-precedence', 14],
  ['precedence-cutoff', 15],
]

/** f_tcpflags[], in the order ipfw prints them. */
export const TCP_FLAGS: ReadonlyArray<readonly [string, number]> = [
  ['syn', 0x02],
  ['fin', 0x01],
  ['ack', 0x10],
  ['psh', 0x08],
  ['rst', 0x04],
  ['urg', 0x20],
]

/** f_iptos[]. */
export const IP_TOS: ReadonlyArray<readonly [string, number]> = [
  ['lowdelay', 0x10],
  ['throughput', 0x08],
  ['reliability', 0x04],
  ['mincost', 0x02],
  ['congestion', 0x01],
  ['ecntransport', 0x02],
]

/** /etc/services for tcp and udp, the names rules commonly use. */
export const SERVICES: ReadonlyMap<string, number> = new Map([
  ['ftp-data', 20],
  ['ftp', 21],
  ['ssh', 22],
  ['telnet', 23],
  ['smtp', 25],
  ['domain', 53],
  ['bootps', 67],
  ['bootpc', 68],
  ['tftp', 69],
  ['http', 80],
  ['pop3', 110],
  ['ntp', 123],
  ['imap', 143],
  ['snmp', 161],
  ['bgp', 179],
  ['https', 443],
  ['syslog', 514],
])

/** /etc/services for the `divert` protocol (getservbyname(name, "divert")). */
export const DIVERT_SERVICES: ReadonlyMap<string, number> = new Map([['natd', 8668]])

export const SERVICE_NAMES: ReadonlyMap<number, string> = new Map([...SERVICES].map(([n, p]) => [p, n]))

/**
 * `netstat -i` and `-I IF` (FreeBSD 14's usr.bin/netstat/if.c): a link row per interface, then a row
 * per address, with `-b` bytes, `-d` drops and `-W` widths.
 *
 * Must not: change anything; it formats what the kernel listed.
 */

import { IfFlag, type IfInfo } from '../../../host/syscalls.js'
import { formatMac } from '../../../wire/addr.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { padL, padR } from '../../common.js'
import { hostname, netname } from './route.js'

// ---- netstat -i ----

interface IfRow {
  ifi: IfInfo
  link: boolean
  net: string
  addr: string
  v6: boolean
}

/** netname6(): the masked prefix with its zone before the length (`fe80::%lo0/64`); ::1/128 by name. */
function netname6(
  a: Uint8Array,
  prefixLen: number,
  scopeId: number,
  ifName: string,
  numeric: boolean,
): string {
  const m = new Uint8Array(16)
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, prefixLen - i * 8))
    m[i] = a[i]! & ((0xff00 >> bits) & 0xff)
  }
  const s = formatIpv6(m)
  if (!numeric && prefixLen === 128 && s === '::1') return 'localhost'
  return `${s}${scopeId !== 0 ? `%${ifName}` : ''}/${prefixLen}`
}

/**
 * `netstat -i` (intpr of FreeBSD 14's if.c): one link row per interface, then one row per IPv4
 * and per IPv6 address (in that order: VirtNet does not keep the interleaving of the two lists).
 * The columns are fixed: the name cut to 5 and Network/Address to 13/17 characters; `-W` widens
 * the name to the longest shown, Network/Address to 18/17 (24/39 when an IPv6 row is shown) and
 * stops cutting address rows. Address rows show the interface's counters (FreeBSD keeps
 * per-address ones) and `-` where a counter exists per link only; their Mtu is `-` because the
 * kernel's address messages carry no MTU.
 */
export function formatInterfaces(
  ifs: readonly IfInfo[],
  opts: {
    bytes?: boolean
    drops?: boolean
    numeric?: boolean
    wide?: boolean
    inetOnly?: boolean
    inet6Only?: boolean
    /** `-f link` (or ether): the link-level rows only, as intpr() filters by sa_family. */
    linkOnly?: boolean
    iface?: string
  } = {},
): string {
  const numeric = opts.numeric ?? false
  const rows: IfRow[] = []
  for (const ifi of ifs) {
    if (opts.iface !== undefined && ifi.name !== opts.iface) continue
    if (!opts.inetOnly && !opts.inet6Only) {
      const addr = ifi.mac !== null ? formatMac(ifi.mac) : ifi.name
      rows.push({ ifi, link: true, net: `<Link#${ifi.index}>`, addr, v6: false })
    }
    if (opts.linkOnly) continue
    if (!opts.inet6Only)
      for (const a of ifi.addrs)
        rows.push({
          ifi,
          link: false,
          net: netOf(a.addr, a.prefixLen),
          addr: hostname(a.addr, numeric),
          v6: false,
        })
    if (opts.inetOnly) continue
    for (const a of ifi.inet6 ?? []) {
      const text = formatIpv6(a.addr)
      const addr = !numeric && text === '::1' ? 'localhost' : a.scopeId !== 0 ? `${text}%${ifi.name}` : text
      const net = netname6(a.addr, a.prefixLen, a.scopeId, ifi.name, numeric)
      rows.push({ ifi, link: false, net, addr, v6: true })
    }
  }
  const wide = opts.wide ?? false
  let nameLen = 5
  let netLen = 13
  let addrLen = 17
  if (wide) {
    for (const r of rows)
      nameLen = Math.max(nameLen, r.ifi.name.length + ((r.ifi.flags & IfFlag.UP) === 0 ? 1 : 0))
    if (rows.some((r) => r.v6)) {
      netLen = 24
      addrLen = 39
    } else netLen = 18
  }
  let head = `${padR('Name', nameLen, nameLen)} ${padL('Mtu', 5)} ${padR('Network', netLen, netLen)} ${padR('Address', addrLen, addrLen)}`
  head += ` ${padL('Ipkts', 8)} ${padL('Ierrs', 5)} ${padL('Idrop', 5)}`
  if (opts.bytes) head += ` ${padL('Ibytes', 10)}`
  head += ` ${padL('Opkts', 8)} ${padL('Oerrs', 5)}`
  if (opts.bytes) head += ` ${padL('Obytes', 10)}`
  head += ` ${padL('Coll', 5)}`
  if (opts.drops) head += ` ${padL('Drop', 5)}`
  const lines = [head]
  for (const r of rows) {
    const s = r.ifi.stats
    // show_stat(): a value, or '-' where the row has none, each followed by a blank but Coll.
    const v = (n: number, w: number, shown: boolean): string => (shown ? padL(n, w) : padL('-', w))
    const name = (r.ifi.flags & IfFlag.UP) === 0 ? `${r.ifi.name}*` : r.ifi.name
    const cut = r.link || !wide ? netLen : undefined
    let line = `${padR(name, nameLen, nameLen)}${v(r.ifi.mtu, 6, r.link)} `
    line += `${padR(r.net, netLen, cut)} ${padR(r.addr, addrLen, r.link || !wide ? addrLen : undefined)} `
    line += `${v(s.ipackets, 8, true)} ${v(s.ierrors, 5, r.link)} ${v(s.idrops, 5, r.link)} `
    if (opts.bytes) line += `${v(s.ibytes, 10, true)} `
    line += `${v(s.opackets, 8, true)} ${v(s.oerrors, 5, r.link)} `
    if (opts.bytes) line += `${v(s.obytes, 10, true)} `
    line += v(s.collisions, 5, r.link)
    if (opts.drops) line += ` ${v(s.odrops, 5, r.link)} `
    lines.push(line)
  }
  return `${lines.join('\n')}\n`
}

function netOf(addr: number, prefixLen: number): string {
  const mask = prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0
  return netname((addr & mask) >>> 0, prefixLen)
}

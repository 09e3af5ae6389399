/**
 * `netstat -i` and `-I IF` (FreeBSD 14's usr.bin/netstat/if.c): a link row per interface, then a row
 * per address, with `-b` bytes, `-d` drops and `-W` widths.
 *
 * With `--libxo` each row is an `interface` instance as FreeBSD 14's if.c emits it: `name` (without
 * the down-star) and `flags` (`"0x8843"`) encode-only, `network` and `address` as strings (whole,
 * where the text column cuts an address row), and the counters as numbers, each only where the
 * row shows a value rather than `-` (so address rows carry no `mtu` or error counters). `-d`
 * adds a second `dropped-packets` for the output drops, as if.c does.
 *
 * Must not: change anything; it formats what the kernel listed.
 */

import { IfFlag, type IfInfo } from '../../../host/syscalls.js'
import { formatMac } from '../../../wire/addr.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { padL, padR } from '../../common.js'
import { Xo } from '../../lib/libxo/xo.js'
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
export type IntprOpts = {
  bytes?: boolean
  drops?: boolean
  numeric?: boolean
  wide?: boolean
  inetOnly?: boolean
  inet6Only?: boolean
  /** `-f link` (or ether): the link-level rows only, as intpr() filters by sa_family. */
  linkOnly?: boolean
  iface?: string
}

/** intpr() in text: the table, newline-terminated. */
export function formatInterfaces(ifs: readonly IfInfo[], opts: IntprOpts = {}): string {
  let s = ''
  emitInterfaces(new Xo((t) => void (s += t)), ifs, opts)
  return s
}

/** intpr(): the `interface` list, one instance per row. */
export function emitInterfaces(xo: Xo, ifs: readonly IfInfo[], opts: IntprOpts = {}): void {
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
  xo.openList('interface')
  xo.text(`${head}\n`)
  for (const r of rows) {
    const s = r.ifi.stats
    // show_stat(): a value, or '-' where the row has none (and then no field at all).
    const v = (name: string, n: number, w: number, shown: boolean): void => {
      if (shown) xo.field(name, n, padL(n, w))
      else xo.text(padL('-', w))
    }
    xo.openInstance('interface')
    const name = (r.ifi.flags & IfFlag.UP) === 0 ? `${r.ifi.name}*` : r.ifi.name
    xo.text(padR(name, nameLen, nameLen))
    xo.encode('name', r.ifi.name)
    xo.encode('flags', `0x${r.ifi.flags.toString(16)}`)
    v('mtu', r.ifi.mtu, 6, r.link)
    xo.text(' ')
    // Link rows cut both columns; address rows are cut on screen only, and not with -W.
    const net = r.link ? r.net.slice(0, netLen) : r.net
    xo.field('network', net, padR(net, netLen, r.link || !wide ? netLen : undefined))
    xo.text(' ')
    const addr = r.link ? r.addr.slice(0, addrLen) : r.addr
    xo.field('address', addr, padR(addr, addrLen, r.link || !wide ? addrLen : undefined))
    xo.text(' ')
    v('received-packets', s.ipackets, 8, true)
    xo.text(' ')
    v('received-errors', s.ierrors, 5, r.link)
    xo.text(' ')
    v('dropped-packets', s.idrops, 5, r.link)
    xo.text(' ')
    if (opts.bytes) {
      v('received-bytes', s.ibytes, 10, true)
      xo.text(' ')
    }
    v('sent-packets', s.opackets, 8, true)
    xo.text(' ')
    v('send-errors', s.oerrors, 5, r.link)
    xo.text(' ')
    if (opts.bytes) {
      v('sent-bytes', s.obytes, 10, true)
      xo.text(' ')
    }
    v('collisions', s.collisions, 5, r.link)
    if (opts.drops) {
      xo.text(' ')
      v('dropped-packets', s.odrops, 5, r.link)
      xo.text(' ')
    }
    xo.text('\n')
    xo.closeInstance('interface')
  }
  xo.closeList('interface')
}

function netOf(addr: number, prefixLen: number): string {
  const mask = prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0
  return netname((addr & mask) >>> 0, prefixLen)
}

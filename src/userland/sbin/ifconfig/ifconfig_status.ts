/**
 * What `ifconfig [IF]` prints (ifconfig.c's status and printb, af_inet.c's in_status): the flags and
 * options lines, the inet addresses and each address family's and interface type's own lines, in
 * FreeBSD 14's order and format.
 *
 * Must not: change anything; it formats an IfInfo the kernel gave.
 */

import { IfFlag, type IfInfo } from '../../../host/syscalls.js'
import { formatMac, prefixToMask } from '../../../wire/addr.js'
import { hex, ip, printb } from '../../common.js'
import { bridgeStatusLines } from './ifconfig_bridge.js'
import { geneveStatusLines } from './ifconfig_geneve.js'
import { formatInet6Line, nd6OptionsLine } from './ifconfig_inet6.js'
import { l2StatusLines, tunnelLines, vlanLines } from './ifconfig_l2.js'
import { vxlanStatusLines } from './ifconfig_vxlan.js'

/** IFF_LOWER_UP (FreeBSD 14): the link is up; ifconfig shows it for running interfaces with carrier. */
export const IFF_LOWER_UP = 0x1000000

/** IFFBITS from sbin/ifconfig: bit numbers from 1 = 0x1. */
const IFF_BITS: ReadonlyArray<readonly [number, string]> = [
  [1, 'UP'],
  [2, 'BROADCAST'],
  [3, 'DEBUG'],
  [4, 'LOOPBACK'],
  [5, 'POINTOPOINT'],
  [7, 'RUNNING'],
  [8, 'NOARP'],
  [9, 'PROMISC'],
  [10, 'ALLMULTI'],
  [11, 'OACTIVE'],
  [12, 'SIMPLEX'],
  [13, 'LINK0'],
  [14, 'LINK1'],
  [15, 'LINK2'],
  [16, 'MULTICAST'],
  [18, 'PPROMISC'],
  [19, 'MONITOR'],
  [20, 'STATICARP'],
  [21, 'STICKYARP'],
  [22, 'DYING'],
  [23, 'RENAMING'],
  [25, 'LOWER_UP'],
]

/**
 * The flags ifconfig shows: the kernel's, plus LOWER_UP when the interface runs with its link up
 * (FreeBSD derives it from the link state, which VirtNet reports as `status: active`).
 */
export function displayFlags(ifi: IfInfo): number {
  let f = ifi.flags
  if ((f & IfFlag.RUNNING) !== 0 && ifi.status === 'active') f |= IFF_LOWER_UP
  return f >>> 0
}

export function formatFlags(ifi: IfInfo): string {
  return printb(displayFlags(ifi), IFF_BITS)
}

/** IFCAP_* bits as ifconfig names them (sys/net/if.h), the ones VirtNet's drivers enable. */
const IFCAP_BITS: ReadonlyArray<readonly [number, string]> = [
  [1, 'RXCSUM'],
  [2, 'TXCSUM'],
  [4, 'VLAN_MTU'],
  [6, 'JUMBO_MTU'],
  [20, 'LINKSTATE'],
  [22, 'RXCSUM_IPV6'],
  [23, 'TXCSUM_IPV6'],
]

/** Interface capabilities as FreeBSD's drivers announce them (if_epair, if_loop); none for others. */
function optionsLine(ifi: IfInfo): string | null {
  if (ifi.capenable !== undefined) return `\toptions=${printb(ifi.capenable, IFCAP_BITS)}`
  if (ifi.groups.includes('epair')) return '\toptions=8<VLAN_MTU>'
  if (ifi.members !== undefined || ifi.vlan !== undefined) return '\toptions=0'
  // A lagg announces what all its ports can do (lagg_capabilities): an epair's VLAN_MTU.
  if (ifi.lagg !== undefined) return ifi.lagg.ports.length > 0 ? '\toptions=8<VLAN_MTU>' : '\toptions=0'
  if (
    ifi.groups.includes('tun') ||
    ifi.groups.includes('tap') ||
    ifi.groups.includes('vmnet') ||
    ifi.groups.includes('gif') ||
    ifi.groups.includes('gre') ||
    ifi.vxlan !== undefined
  )
    return '\toptions=80000<LINKSTATE>'
  if ((ifi.flags & IfFlag.LOOPBACK) !== 0)
    return '\toptions=680003<RXCSUM,TXCSUM,LINKSTATE,RXCSUM_IPV6,TXCSUM_IPV6>'
  return null
}

export function formatInetLine(ifi: IfInfo, a: IfInfo['addrs'][number]): string {
  let s = `\tinet ${ip(a.addr)}`
  // in_status: a point-to-point link shows its peer.
  if ((ifi.flags & IfFlag.POINTOPOINT) !== 0 && a.dst) s += ` --> ${ip(a.dst)}`
  s += ` netmask 0x${hex(prefixToMask(a.prefixLen), 8)}`
  // As in_status_nl: broadcast only on broadcast-capable links and for a non-zero prefix.
  if ((ifi.flags & IfFlag.BROADCAST) !== 0 && a.prefixLen !== 0 && a.broadcast !== 0)
    s += ` broadcast ${ip(a.broadcast)}`
  return s
}

export type AfFilter = 'inet' | 'inet6' | 'link' | null

/** One interface as `ifconfig IF` prints it (FreeBSD 14, netlink flavour), newline-terminated. */
export function formatInterface(
  ifi: IfInfo,
  af: AfFilter = null,
  verbose = false,
  lifetimes = false,
): string {
  const lines = [`${ifi.name}: flags=${formatFlags(ifi)} metric ${ifi.metric} mtu ${ifi.mtu}`]
  if (ifi.description !== '') lines.push(`\tdescription: ${ifi.description}`)
  const opts = optionsLine(ifi)
  if (opts !== null) lines.push(opts)
  if (af === null) lines.push(...tunnelLines(ifi))
  if (af === null || af === 'link') {
    if (ifi.mac !== null) lines.push(`\tether ${formatMac(ifi.mac)}`)
    // A bridge has no hardware address of its own to show.
    // FreeBSD 14's netlink ifconfig shows the hardware address only once `ether` no longer matches it.
    if (ifi.hwaddr !== null && ifi.hwaddr !== ifi.mac && ifi.members === undefined)
      lines.push(`\thwaddr ${formatMac(ifi.hwaddr)}`)
  }
  if (af === null || af === 'inet') for (const a of ifi.addrs) lines.push(formatInetLine(ifi, a))
  if (af === null || af === 'inet6')
    for (const a of ifi.inet6 ?? []) lines.push(formatInet6Line(ifi, a, lifetimes))
  if (af === null) {
    lines.push(...bridgeStatusLines(ifi))
    if (ifi.vxlan !== undefined) lines.push(...vxlanStatusLines(ifi.vxlan, verbose))
    if (ifi.geneve !== undefined) lines.push(...geneveStatusLines(ifi.geneve, verbose))
    lines.push(...l2StatusLines(ifi))
    // iffib.c's fib_status: only a FIB other than the default is shown.
    if ((ifi.fib ?? 0) !== 0) lines.push(`\tfib: ${ifi.fib}`)
    if ((ifi.tunnelFib ?? 0) !== 0) lines.push(`\ttunnelfib: ${ifi.tunnelFib}`)
    if (ifi.groups.length > 0) lines.push(`\tgroups: ${ifi.groups.join(' ')}`)
    lines.push(...vlanLines(ifi))
    if (ifi.media !== '') lines.push(`\tmedia: ${ifi.media}`)
    if (ifi.status !== '') lines.push(`\tstatus: ${ifi.status}`)
  }
  // af_inet6's other status: the ND options come with the inet6 addresses.
  if ((af === null || af === 'inet6') && ifi.nd6Flags !== undefined) lines.push(nd6OptionsLine(ifi.nd6Flags))
  return `${lines.join('\n')}\n`
}

export function parseAf(word: string | undefined): AfFilter | undefined {
  if (word === 'inet') return 'inet'
  if (word === 'inet6') return 'inet6'
  if (word === 'link' || word === 'ether' || word === 'lladdr') return 'link'
  return undefined
}

/**
 * ifmcstat(8) for inet6: the multicast groups each interface listens to, as FreeBSD 14's
 * getifmaddrs path prints them — the interface name, its link-local address, the `mldv2` line with
 * the protocol defaults (`mldv1` alone while an MLDv1 querier is present), then per group
 * `group ADDR[%IF scopeid 0xN] mode exclude` and the
 * `mcast-macaddr` it maps to (RFC 2464 §7). `-i IF` picks one interface, `-f inet6` the family.
 * For `-f inet`, the IPv4 groups: the interface's first address, the `igmpvN` line (in_ifinfo: the
 * version IGMP speaks there now, v1 or v2 while an older querier is present, with the querier's
 * robustness and intervals in v3 mode; `-vv` adds the timers) and each group with its 01:00:5e
 * MAC (RFC 1112 §6.4). Read-only; never changes a membership.
 */

import type { IgmpIfinfoView } from '../../host/syscalls.js'
import { formatIpv4, formatMac, ipMulticastMac } from '../../wire/addr.js'
import { formatIpv6, in6McastMac } from '../../wire/inet6/in6_addr.js'
import { CmdError, EX, optsOrUsage, runTool } from '../common.js'
import { getopt } from '../getopt.js'
import type { Command } from '../types.js'

const USAGE = 'usage: ifmcstat [-i interface] [-f address family] [-v] [-M core] [-N system]'

/** Interface-local and link-local groups carry the interface as their zone. */
function zoned(g: Uint8Array): boolean {
  const scope = g[1]! & 0xf
  return scope === 1 || scope === 2
}

/**
 * in_ifinfo: the interface's IGMP version and flags (printb's form, the empty set too), the
 * querier's robustness and intervals in v3 mode, and with -vv the three timers in ticks.
 */
function inIfinfo(igi: IgmpIfinfoView, verbose: number): string {
  const names = [igi.flags & 1 ? 'SILENT' : '', igi.flags & 2 ? 'LOOPBACK' : ''].filter((x) => x !== '')
  let out = `\tigmpv${igi.version} flags=${igi.flags.toString(16)}<${names.join(',')}>`
  if (igi.version === 3) out += ` rv ${igi.rv} qi ${igi.qi} qri ${igi.qri} uri ${igi.uri}`
  if (verbose >= 2) out += ` v1timer ${igi.v1Timer} v2timer ${igi.v2Timer} v3timer ${igi.v3Timer}`
  return `${out}\n`
}

export const ifmcstat: Command = (argv, io, proc) =>
  runTool('ifmcstat', io, () => {
    const sys = proc.sys
    const { opts, rest } = optsOrUsage(getopt('ifmcstat', argv.slice(1), 'i:f:vKM:N:'), USAGE)
    if (rest.length > 0) throw new CmdError(USAGE, EX.USAGE, true)
    let only: string | null = null
    let inet6 = true
    let inet = false
    let verbose = 0
    for (const [f, v] of opts) {
      if (f === 'v') verbose++
      if (f === 'i') only = v ?? ''
      else if (f === 'f') {
        if (v === 'inet6') inet6 = true
        else if (v === 'inet' || v === 'link') {
          inet6 = false
          inet = v === 'inet'
        } else throw new CmdError(`${v}: unknown address family`, EX.USAGE)
      }
    }
    const ifs = sys.ifList().filter((i) => only === null || i.name === only)
    if (only !== null && ifs.length === 0) throw new CmdError(`${only}: unknown interface`, EX.NOHOST)
    let out = ''
    if (!inet6) {
      // AF_LINK groups are not listed here.
      for (const ifi of inet ? ifs : []) {
        const groups = sys.ifInetGroups(ifi.name)
        if (groups.length === 0) continue
        out += `${ifi.name}:\n`
        if (ifi.addrs[0] !== undefined) out += `\tinet ${formatIpv4(ifi.addrs[0].addr)}\n`
        out += inIfinfo(sys.ifInetIgmp(ifi.name), verbose)
        for (const g of groups) {
          out += `\t\tgroup ${formatIpv4(g)} mode exclude\n`
          out += `\t\t\tmcast-macaddr ${formatMac(ipMulticastMac(g))}\n`
        }
      }
      io.stdout.write(out)
      return 0
    }
    for (const ifi of ifs) {
      const groups = sys.inet6.mcastGroups(ifi.name)
      if (groups.length === 0) continue
      out += `${ifi.name}:\n`
      const ll = (ifi.inet6 ?? []).find((a) => a.scopeId !== 0)
      if (ll !== undefined)
        out += `\tinet6 ${formatIpv6(ll.addr)}%${ifi.name} scopeid 0x${ifi.index.toString(16)}\n`
      // in6_ifinfo: MLDv1 compatibility has no robustness or intervals to print.
      out +=
        sys.inet6.mldVersion(ifi.name) === 1
          ? '\tmldv1 flags=2<USEALLOW>\n'
          : '\tmldv2 flags=2<USEALLOW> rv 2 qi 125 qri 10 uri 3\n'
      for (const g of groups) {
        const zone = zoned(g) ? `%${ifi.name} scopeid 0x${ifi.index.toString(16)}` : ''
        out += `\t\tgroup ${formatIpv6(g)}${zone} mode exclude\n`
        out += `\t\t\tmcast-macaddr ${formatMac(in6McastMac(g, 0))}\n`
      }
    }
    io.stdout.write(out)
    return 0
  })

/**
 * ifmcstat(8) for inet6: the multicast groups each interface listens to, as FreeBSD 14's
 * getifmaddrs path prints them — the interface name, its link-local address, the `mldv2` line with
 * the protocol defaults, then per group `group ADDR[%IF scopeid 0xN] mode exclude` and the
 * `mcast-macaddr` it maps to (RFC 2464 §7). `-i IF` picks one interface, `-f inet6` the family.
 * IPv4 groups (`-f inet`) are not listed here. Read-only; never changes a membership.
 */

import { formatMac } from '../../wire/addr.js'
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

export const ifmcstat: Command = (argv, io, proc) =>
  runTool('ifmcstat', io, () => {
    const sys = proc.sys
    const { opts, rest } = optsOrUsage(getopt('ifmcstat', argv.slice(1), 'i:f:vKM:N:'), USAGE)
    if (rest.length > 0) throw new CmdError(USAGE, EX.USAGE, true)
    let only: string | null = null
    let inet6 = true
    for (const [f, v] of opts) {
      if (f === 'i') only = v ?? ''
      else if (f === 'f') {
        if (v === 'inet6') inet6 = true
        else if (v === 'inet' || v === 'link') inet6 = false
        else throw new CmdError(`${v}: unknown address family`, EX.USAGE)
      }
    }
    const ifs = sys.ifList().filter((i) => only === null || i.name === only)
    if (only !== null && ifs.length === 0) throw new CmdError(`${only}: unknown interface`, EX.NOHOST)
    if (!inet6) return 0
    let out = ''
    for (const ifi of ifs) {
      const groups = sys.inet6.mcastGroups(ifi.name)
      if (groups.length === 0) continue
      out += `${ifi.name}:\n`
      const ll = (ifi.inet6 ?? []).find((a) => a.scopeId !== 0)
      if (ll !== undefined)
        out += `\tinet6 ${formatIpv6(ll.addr)}%${ifi.name} scopeid 0x${ifi.index.toString(16)}\n`
      out += '\tmldv2 flags=2<USEALLOW> rv 2 qi 125 qri 10 uri 3\n'
      for (const g of groups) {
        const zone = zoned(g) ? `%${ifi.name} scopeid 0x${ifi.index.toString(16)}` : ''
        out += `\t\tgroup ${formatIpv6(g)}${zone} mode exclude\n`
        out += `\t\t\tmcast-macaddr ${formatMac(in6McastMac(g, 0))}\n`
      }
    }
    io.stdout.write(out)
    return 0
  })

/**
 * IMUNES's `nat64` node (nodes/nat64.tcl, FreeBSD's createStartTunIfc and prepareTaygaConf): a
 * router whose start also creates tun0, routes the TAYGA dynamic pool and NAT64 prefix into it,
 * writes /usr/local/etc/tayga.conf exactly as IMUNES writes it (`ipv4-addr` is the pool's own
 * address, `data-dir` /var/db/tayga, one `map` per tayga_mappings entry) and starts `tayga`.
 * Turns the node's `nat64` member into startup lines; it must not configure anything itself.
 */

import { parseIpv4 } from '../../wire/addr.js'
import { parseIpv6 } from '../../wire/inet6/in6_addr.js'

type Warn = (message: string) => void

/** nat64.confNewNode's defaults, used when the node does not say. */
const DEFAULT_POOL = '192.168.64.0/24'
const DEFAULT_PREFIX = '2001::/96'
const TUN = 'tun0'

function str(v: unknown, dflt: string): string {
  return typeof v === 'string' ? v.trim() : dflt
}

/** The lines IMUNES's nat64.start amounts to on FreeBSD, after the interfaces are configured. */
export function nat64Startup(raw: unknown, warn: Warn): string[] {
  const cfg =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {}
  const pool = str(cfg.tayga_ipv4_pool, DEFAULT_POOL)
  const prefix = str(cfg.tayga_ipv6_prefix, DEFAULT_PREFIX)
  const maps: string[] = []
  const rawMaps = Array.isArray(cfg.tayga_mappings)
    ? cfg.tayga_mappings
    : typeof cfg.tayga_mappings === 'string' && cfg.tayga_mappings.trim() !== ''
      ? [cfg.tayga_mappings]
      : []
  for (const m of rawMaps) {
    const w = typeof m === 'string' ? m.trim().split(/\s+/) : []
    const [a4, a6] = w
    if (w.length !== 2 || parseIpv4(a4!.split('/')[0]!) === null || parseIpv6(a6!.split('/')[0]!) === null) {
      warn(`tayga mapping ${JSON.stringify(m)} is not "IPV4 IPV6"; ignored`)
      continue
    }
    maps.push(`${a4} ${a6}`)
  }
  // A value the shell would take apart is refused here rather than half-written into the file.
  const safe = (s: string): boolean => /^[0-9A-Fa-f.:/]*$/.test(s)
  if (!safe(pool) || !safe(prefix)) {
    warn('tayga_ipv4_pool or tayga_ipv6_prefix is not an address prefix; tayga not started')
    return []
  }
  // configureTunIface: IPv6 is enabled on the new tun by hand (it starts IFDISABLED), then up.
  const lines = [`ifconfig ${TUN} create`, `ifconfig ${TUN} inet6 -ifdisabled`, `ifconfig ${TUN} up`]
  // nat64.cfggen puts these in FRR's configuration (`ip route POOL tun0`) so the routing daemons
  // redistribute them; the kernel routes below are what zebra installs, and ripd/ripngd
  // redistribute static routes of the FIB the same way.
  if (pool !== '') lines.push(`route -nq add -inet ${pool} -interface ${TUN}`)
  if (prefix !== '') lines.push(`route -nq add -inet6 ${prefix} -interface ${TUN}`)
  lines.push('mkdir -p /var/db/tayga')
  // prepareTaygaConf's text, its leading blanks included (nat64.start builds it that way).
  const addr = pool.split('/')[0]!
  lines.push(
    'cat > /usr/local/etc/tayga.conf << __EOF__',
    `tun-device\t${TUN}`,
    ` ipv4-addr\t${addr}`,
    ` dynamic-pool\t${pool}`,
    ` prefix\t\t${prefix}`,
    ' data-dir\t/var/db/tayga',
    '',
    ...maps.map((m) => ` map\t\t${m.replace(' ', '\t')}`),
    '__EOF__',
    'tayga',
  )
  return lines
}

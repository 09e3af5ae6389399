/**
 * What FreeBSD's /sbin/dhclient-script does for dhclient, done through the syscall API: BOUND,
 * RENEW and REBIND set the leased address with its netmask and broadcast (`ifconfig IF inet A
 * netmask M broadcast B`, replacing the first address), add the default route to the first router
 * (`route add default R`) and write /etc/resolv.conf (`search` from the domain name, a `nameserver`
 * line per server); EXPIRE takes the address and the route away again. The lease is recorded in
 * /var/db/dhclient.leases.IF in dhclient.leases(5)'s syntax, rewritten rather than appended so the
 * file never grows.
 *
 * Must not: throw (a refused change is what dhclient-script's `>/dev/null 2>&1` hides), or touch
 * another interface's addresses.
 */

import type { Syscalls } from '../../../host/syscalls.js'
import { civilTime } from '../../../util/civil_time.js'
import { isSysError } from '../../../util/errno.js'
import { formatIpv4, maskToPrefix } from '../../../wire/addr.js'
import {
  DhcpOpt,
  dhcpOptAddr,
  dhcpOptAddrs,
  dhcpOptText,
  dhcpOptU32,
  dhcpType,
} from '../../../wire/app/dhcp.js'
import type { FileSystem } from '../../types.js'
import { type ClientLease, leaseParams } from './client_state.js'

/** A classful mask for a lease without option 1 (what ifconfig assumes). */
function classfulPrefix(a: number): number {
  return a >>> 31 === 0 ? 8 : a >>> 30 === 2 ? 16 : 24
}

function quietly(fn: () => void): void {
  try {
    fn()
  } catch (e) {
    if (!isSysError(e)) throw e
  }
}

export function applyLease(
  sys: Syscalls,
  fs: FileSystem,
  ifName: string,
  lease: ClientLease,
  old: ClientLease | null,
  _reason: 'BOUND' | 'RENEW' | 'REBIND',
): void {
  const p = leaseParams(lease)
  const changed = old === null || old.address !== lease.address
  if (old !== null && changed) dropLease(sys, ifName, old)
  let prefix = p.mask === undefined ? classfulPrefix(lease.address) : maskToPrefix(p.mask)
  if (prefix < 0) prefix = classfulPrefix(lease.address)
  const bcast = dhcpOptAddr(lease, DhcpOpt.BROADCAST)
  const has = sys.ifGet(ifName).addrs.some((a) => a.addr >>> 0 === lease.address >>> 0)
  if (changed || !has)
    quietly(() =>
      sys.ifAddAddr(ifName, lease.address, prefix, bcast === undefined ? {} : { broadcast: bcast }),
    )
  const oldRouter = old === null ? undefined : leaseParams(old).routers[0]
  const router = p.routers[0]
  if (router !== undefined && (changed || router !== oldRouter)) {
    // add_new_routes: `route add default R`; an existing default is replaced on a change of router.
    try {
      sys.routeAdd({ dst: 0, prefixLen: 0, gateway: router })
    } catch (e) {
      if (!isSysError(e)) throw e
      if (e.code === 'EEXIST') quietly(() => sys.routeChange({ dst: 0, prefixLen: 0, gateway: router }))
    }
  }
  if (p.dns.length > 0 || p.domain !== undefined) {
    let text = p.domain !== undefined ? `search ${p.domain}\n` : ''
    for (const n of p.dns) text += `nameserver ${formatIpv4(n)}\n`
    if (fs.read('/etc/resolv.conf') !== text && fs.truncate('/etc/resolv.conf'))
      fs.append('/etc/resolv.conf', text)
  }
}

/** EXPIRE (and a new address replacing an old one): delete_old_address, delete_old_routes. */
export function dropLease(sys: Syscalls, ifName: string, old: ClientLease): void {
  quietly(() => sys.ifDelAddr(ifName, old.address))
  for (const r of leaseParams(old).routers.slice(0, 1)) quietly(() => sys.routeDelete(0, 0, r))
}

/** `renew 0 2026/12/6 21:55:00;` (weekday, then the date in UTC, as write_client_lease prints it). */
function when(secs: number): string {
  const t = civilTime(secs)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${t.weekday} ${t.year}/${t.month}/${t.day} ${p(t.hour)}:${p(t.minute)}:${p(t.second)}`
}

/** The lease in dhclient.leases(5) syntax. */
export function formatLease(ifName: string, l: ClientLease): string {
  const lines = ['lease {', `  interface "${ifName}";`, `  fixed-address ${formatIpv4(l.address)};`]
  lines.push(`  next-server ${formatIpv4(l.nextServer)};`)
  const addr = (code: number, name: string) => {
    const v = dhcpOptAddr(l, code)
    if (v !== undefined) lines.push(`  option ${name} ${formatIpv4(v)};`)
  }
  const addrs = (code: number, name: string) => {
    const v = dhcpOptAddrs(l, code)
    if (v !== undefined) lines.push(`  option ${name} ${v.map(formatIpv4).join(',')};`)
  }
  const num = (code: number, name: string) => {
    const v = dhcpOptU32(l, code)
    if (v !== undefined) lines.push(`  option ${name} ${v};`)
  }
  const text = (code: number, name: string) => {
    const v = dhcpOptText(l, code)
    if (v !== undefined) lines.push(`  option ${name} "${v.replace(/["\\]/g, '\\$&')}";`)
  }
  addr(DhcpOpt.SUBNET_MASK, 'subnet-mask')
  addrs(DhcpOpt.ROUTERS, 'routers')
  addrs(DhcpOpt.DNS, 'domain-name-servers')
  text(DhcpOpt.HOSTNAME, 'host-name')
  text(DhcpOpt.DOMAIN_NAME, 'domain-name')
  addr(DhcpOpt.BROADCAST, 'broadcast-address')
  num(DhcpOpt.LEASE_TIME, 'dhcp-lease-time')
  lines.push(`  option dhcp-message-type ${dhcpType(l)};`)
  addr(DhcpOpt.SERVER_ID, 'dhcp-server-identifier')
  num(DhcpOpt.T1, 'dhcp-renewal-time')
  num(DhcpOpt.T2, 'dhcp-rebinding-time')
  lines.push(`  renew ${when(l.renewal)};`, `  rebind ${when(l.rebind)};`, `  expire ${when(l.expiry)};`, '}')
  return `${lines.join('\n')}\n`
}

/** write_client_lease with the file rewritten each time (one lease: ours). */
export function writeLeaseFile(fs: FileSystem, path: string, ifName: string, l: ClientLease): void {
  if (fs.truncate(path)) fs.append(path, formatLease(ifName, l))
}

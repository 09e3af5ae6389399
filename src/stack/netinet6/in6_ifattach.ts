/**
 * Automatic IPv6 configuration of an interface coming up (FreeBSD's in6_ifattach / in6_if_up):
 * the loopback gets ::1/128 and fe80::1/64; an Ethernet interface with ND6_IFF_AUTO_LINKLOCAL gets
 * fe80::/64 with the modified EUI-64 identifier of its MAC (RFC 4862 §5.3, RFC 4291 App. A), whose
 * DAD starts after a random delay of up to MAX_RTR_SOLICITATION_DELAY (RFC 4861 §6.3.7, 1 s).
 * Interfaces with IPv6 disabled (every new interface but the loopback, until its first inet6 address
 * or `-ifdisabled`) and lagg ports get nothing. Also the ND6_IFF_* flag transitions of nd6_ioctl's
 * SIOCSIFINFO_FLAGS (nd6SetIfFlags), which enable and disable IPv6 on an interface. Called from
 * inet6's event listeners and the inet6 syscalls; it never sends anything itself but DAD probes.
 */

import { in6LinkLocalFromMac, in6Loopback, parseIpv6 } from '../../wire/inet6/in6_addr.js'
import { laggOfPort } from '../net/if/if_lagg.js'
import type { Ifnet } from '../net/ifnet.js'
import { in6AddAddr, in6Find, in6HasLinkLocal } from './in6.js'
import { IN6_IFF, ND6_IFF } from './in6_var.js'
import { in6if, ip6 } from './ip6/ip6.js'
import { nd6DadStart } from './nd6/nd6_nbr.js'
import { nd6PrefixLinkLocal } from './nd6/nd6_prefix.js'

const LO_LINKLOCAL = parseIpv6('fe80::1')!
const MAX_RTR_SOLICITATION_DELAY_MS = 1000

export function in6IfUp(ifp: Ifnet): void {
  if (!ifp.up) return
  // A lagg(4) port carries the lagg's traffic: no address of its own, so no scope mix-up.
  if (laggOfPort(ifp) !== null) return
  const ii = in6if(ifp)
  if ((ii.ndFlags & ND6_IFF.IFDISABLED) !== 0) return
  // in6_if_up: addresses left tentative (IPv6 was disabled again, or the link was down) probe now,
  // each after its own random delay; one whose DAD is already under way keeps it.
  const upRng = ifp.vnet.env.rng.stream(`dadup:${ifp.vnet.id}:${ifp.index}`)
  for (const ia of ii.addrs) {
    if ((ia.flags & IN6_IFF.TENTATIVE) === 0 || ia.dadTimer?.armed === true) continue
    nd6DadStart(ia, Math.floor((upRng.u32() / 2 ** 32) * MAX_RTR_SOLICITATION_DELAY_MS))
  }
  if (ifp.type === 'loop') {
    const one = in6Loopback()
    if (in6Find(ifp, one) === undefined) in6AddAddr(ifp, one, 128)
    if ((ii.ndFlags & ND6_IFF.AUTO_LINKLOCAL) !== 0 && !in6HasLinkLocal(ifp))
      nd6PrefixLinkLocal(in6AddAddr(ifp, LO_LINKLOCAL, 64))
    return
  }
  if ((ii.ndFlags & ND6_IFF.AUTO_LINKLOCAL) === 0 || in6HasLinkLocal(ifp)) return
  const rng = ifp.vnet.env.rng.stream(`dad:${ifp.vnet.id}:${ifp.index}`)
  const delay = Math.floor((rng.u32() / 2 ** 32) * MAX_RTR_SOLICITATION_DELAY_MS)
  nd6PrefixLinkLocal(in6AddAddr(ifp, in6LinkLocalFromMac(ifidSource(ifp, rng.u32())), 64, 0, delay))
}

/**
 * Where the interface identifier comes from (get_ifid): the interface's own MAC, else (tun) the
 * first Ethernet interface of the vnet, else a random one (FreeBSD hashes the hostname).
 */
function ifidSource(ifp: Ifnet, random: number): number {
  if (ifp.type === 'ether') return ifp.mac
  for (const i of ifp.vnet.ifnets) if (i.type === 'ether') return i.mac
  return 0x020000000000 + (random % 0x1000000) * 0x100
}

/**
 * SIOCSIFINFO_FLAGS (nd6_ioctl): set the interface's ND6_IFF_* flags. Clearing IFDISABLED is refused
 * (silently, the flag stays) while a link-local address is marked duplicated (RFC 4862 §5.4.5), and
 * otherwise attaches IPv6 if the interface is up; setting it marks every address tentative again so
 * that enabling IPv6 later re-runs DAD. Turning AUTO_LINKLOCAL on adds the missing link-local.
 * Returns whether IPv6 ended up enabled.
 */
export function nd6SetIfFlags(ifp: Ifnet, flags: number): boolean {
  const ii = in6if(ifp)
  const was = ii.ndFlags
  let next = flags
  let attach = false
  if ((was & ND6_IFF.IFDISABLED) !== 0 && (next & ND6_IFF.IFDISABLED) === 0) {
    const dupLinkLocal = ii.addrs.some(
      (ia) => (ia.flags & IN6_IFF.DUPLICATED) !== 0 && ia.addr[0] === 0xfe && (ia.addr[1]! & 0xc0) === 0x80,
    )
    if (dupLinkLocal) next |= ND6_IFF.IFDISABLED
    else attach = true
  } else if ((was & ND6_IFF.IFDISABLED) === 0 && (next & ND6_IFF.IFDISABLED) !== 0) {
    if (ip6(ifp.vnet).dadCount > 0 && (was & ND6_IFF.NO_DAD) === 0)
      for (const ia of ii.addrs) if ((ia.flags & IN6_IFF.ANYCAST) === 0) ia.flags |= IN6_IFF.TENTATIVE
  }
  if ((was & ND6_IFF.AUTO_LINKLOCAL) === 0 && (next & ND6_IFF.AUTO_LINKLOCAL) !== 0) attach = true
  ii.ndFlags = next
  if (attach) in6IfUp(ifp)
  return (next & ND6_IFF.IFDISABLED) === 0
}

/**
 * `netstat -o` and `netstat -O` (FreeBSD 14's usr.bin/netstat/nhops.c and nhgrp.c): the nexthop table
 * and the nexthop group table of one address family, column for column, `-W` adding the type, use,
 * MTU, address interface and prepend columns, `--libxo` giving `route-nhop-information` >
 * `nhop-table` and `route-nhgrp-information` > `nhgrp-table`. The kernel dumps them per family only
 * (NET_RT_NHOP with no family is EAFNOSUPPORT), so `-4` or `-f inet` is needed, as on FreeBSD.
 *
 * IPv6 has no nexthop objects here yet: its tables print their title and no entries.
 * Must not: change anything.
 */

import type { NhgrpInfo, NhopInfo } from '../../../host/syscalls.js'
import { CmdError, EX, padL, padR } from '../../common.js'
import type { Xo } from '../../lib/libxo/xo.js'
import { hostname, routeFlagLetters, routeFlagNames } from './route.js'

export type NhFamily = 'inet' | 'inet6' | null

/** AF_INET / AF_INET6 numbers in the sysctl name netstat reports a failure with. */
function afNumber(f: NhFamily): number {
  return f === 'inet' ? 2 : f === 'inet6' ? 28 : 0
}

/** dump_nhops_sysctl's failure for a dump without a family (err(EX_OSERR, ...)). */
function noFamily(f: NhFamily, fib: number): CmdError {
  return new CmdError(
    `sysctl: net.route.0.${afNumber(f)}.nhdump.${fib} estimate: Address family not supported by protocol family`,
    EX.OSERR,
  )
}

/**
 * p_sockaddr / print_addr: the address left-aligned in its column, cut to it unless -n or -W, and
 * how far it sticks out past the column (which the next column gives back).
 */
function col(xo: Xo, name: string, s: string, width: number, cut: boolean): number {
  const v = cut ? s.slice(0, width) : s
  xo.field(name, v, padR(v, width))
  xo.text(' ')
  return Math.max(0, v.length - width)
}

export interface NhOpts {
  numeric: boolean
  wide: boolean
  fib: number
}

/** nhops_print: `Nexthop data`, then the family's table (nothing when it has no nexthops). */
export function emitNhops(xo: Xo, f: NhFamily, nhops: readonly NhopInfo[], o: NhOpts): void {
  xo.openContainer('route-nhop-information')
  xo.text('Nexthop data')
  if (o.fib !== 0) {
    xo.text(' (fib: ')
    xo.field('fib', o.fib)
    xo.text(')')
  }
  xo.text('\n')
  if (f === null) throw noFamily(f, o.fib)
  xo.openContainer('nhop-table')
  xo.openList('rt-family')
  if (nhops.length > 0) {
    const wDst = f === 'inet6' && o.numeric ? 29 : 18
    const wIf = f === 'inet6' ? 8 : o.wide ? 10 : 8
    xo.openInstance('rt-family')
    xo.text('\n')
    xo.field('address-family', f === 'inet' ? 'Internet' : 'Internet6')
    xo.text(':\n')
    xo.openList('nh-entry')
    xo.text(
      o.wide
        ? `${padR('Idx', 5)} ${padR('Type', 12)} ${padR('IFA', wDst)} ${padR('Gateway', wDst)} ${padL('Flags', 6)} ${padL('Use', 8)} ${padR('Mtu', 6)} ${padL('Netif', wIf)} ${padL('Addrif', wIf)} ${padL('Refcnt', 6)} Prepend\n`
        : `${padR('Idx', 5)} ${padR('IFA', wDst)} ${padR('Gateway', wDst)} ${padR('Flags', 6)} ${padL('Netif', wIf)}  Refcnt\n`,
    )
    const cut = !o.wide && !o.numeric
    for (const nh of nhops) {
      xo.openInstance('nh-entry')
      xo.field('index', nh.idx, padR(String(nh.idx), 5))
      xo.text(' ')
      if (o.wide) {
        xo.field('type_str', nh.type, padL(nh.type, 12))
        xo.text(' ')
      }
      let pro = col(xo, 'ifa', hostname(nh.ifa, o.numeric), wDst, cut)
      const gw = nh.gatewayIsAddr ? hostname(nh.gateway, o.numeric) : `${nh.ifName}/resolve`
      pro = col(xo, 'gateway', gw, wDst - pro, cut)
      const letters = routeFlagLetters(nh.flags)
      xo.field('flags', letters, padR(letters, 6 - pro))
      xo.text(' ')
      for (const n of routeFlagNames(nh.flags)) xo.leaf('rt_flags_pretty', n)
      if (o.wide) {
        xo.field('use', nh.use, padL(nh.use, 8))
        xo.text(' ')
        xo.field('mtu', nh.mtu, padL(nh.mtu, 6))
        xo.text(' ')
        xo.field('interface-name', nh.ifName, padL(nh.ifName, wIf))
        xo.field('address-interface-name', nh.addrIfName, padL(nh.addrIfName, wIf))
      } else {
        const n = nh.ifName.slice(0, wIf)
        xo.field('interface-name', n, padL(n, wIf))
      }
      xo.field('refcount', nh.refcnt, padL(nh.refcnt, 6))
      xo.text(' \n')
      xo.closeInstance('nh-entry')
    }
    xo.closeList('nh-entry')
    xo.closeInstance('rt-family')
  }
  xo.closeList('rt-family')
  xo.closeContainer('nhop-table')
  xo.closeContainer('route-nhop-information')
}

/** nhgrp_print: `Nexthop groups data`, then each group and its nexthops with weights and slots. */
export function emitNhgroups(xo: Xo, f: NhFamily, groups: readonly NhgrpInfo[], fib: number): void {
  // prepare_nh_map dumps the nexthops first, so a missing family fails before the title.
  if (f === null) throw noFamily(f, fib)
  xo.openContainer('route-nhgrp-information')
  xo.text('Nexthop groups data')
  if (fib !== 0) {
    xo.text(' (fib: ')
    xo.field('fib', fib)
    xo.text(')')
  }
  xo.text('\n')
  xo.openContainer('nhgrp-table')
  xo.openList('rt-family')
  if (groups.length > 0) {
    const wGw = f === 'inet6' ? 40 : 18
    const dash = (n: number): string => ` ${'-'.repeat(n - 1)}`
    xo.openInstance('rt-family')
    xo.text('\n')
    xo.field('address-family', f === 'inet' ? 'Internet' : 'Internet6')
    xo.text(':\n')
    xo.openList('nhgrp-entry')
    xo.text(
      `${padR('GrpIdx', 8)}${padR('NhIdx', 8)}${padL('Weight', 8)}${padL('Slots', 8)}${padL('Gateway', wGw)}${padL('Netif', 10)}${padL('Refcnt', 8)}\n`,
    )
    for (const g of groups) {
      xo.openInstance('nhgrp-entry')
      xo.field('nhgrp-index', g.idx, padR(String(g.idx), 8))
      xo.text(` ${dash(8)}${dash(8)}${dash(8)}${dash(wGw)}${dash(10)}`)
      xo.field('nhg-refcnt', g.refcnt, padL(g.refcnt, 8))
      xo.text('\n')
      xo.openList('nhop-weights')
      for (const m of g.members) {
        xo.openInstance('nhop-weight')
        xo.text(' '.repeat(8))
        xo.field('nh-index', m.nhIdx, padL(m.nhIdx, 8))
        xo.field('nh-weight', m.weight, padL(m.weight, 8))
        xo.field('nh-slots', m.slots, padL(m.slots, 8))
        const gw = m.gateway.slice(0, wGw)
        xo.field('nh-gw', gw, padL(gw, wGw))
        const n = m.ifName.slice(0, 10)
        xo.field('nh-interface', n, padL(n, 10))
        xo.text('\n')
        xo.closeInstance('nhop-weight')
      }
      xo.closeList('nhop-weights')
      xo.closeInstance('nhgrp-entry')
    }
    xo.closeList('nhgrp-entry')
    xo.closeInstance('rt-family')
  }
  xo.closeList('rt-family')
  xo.closeContainer('nhgrp-table')
  xo.closeContainer('route-nhgrp-information')
}

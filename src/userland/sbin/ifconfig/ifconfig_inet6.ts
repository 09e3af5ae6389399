/**
 * ifconfig(8)'s inet6 address family (sbin/ifconfig/af_inet6.c and af_nd6.c, FreeBSD 14's netlink
 * flavour): the `inet6 ADDR prefixlen N [flags] scopeid 0xI` and `nd6 options=...` lines, and
 * `ifconfig IF inet6 ADDR[/plen] [prefixlen N] [alias|-alias|delete] [anycast]` with the ND options
 * (`[-]ifdisabled`, `[-]auto_linklocal`, `[-]accept_rtadv`, `[-]nud`, `[-]no_dad`), the address's
 * `pltime N`, `vltime N`, `[-]deprecated` and `[-]autoconf` (in6_aliasreq's lifetimes and flags;
 * on an existing address they update it in place). The whole line is checked before anything
 * changes. `-L` adds what is left of the lifetimes of addresses that have them.
 */

import type { IfInfo, In6AddOpts, In6AddrInfo, Syscalls } from '../../../host/syscalls.js'
import { formatIpv6, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { asSysError, CmdError, printb, sysMessage } from '../../common.js'
import { strtonum } from '../../getopt.js'
import { applyCarp, type CarpPlan, parseCarpWord } from './ifconfig_carp.js'

/** ND6BITS from sbin/ifconfig/af_nd6.c. */
const ND6_BITS: ReadonlyArray<readonly [number, string]> = [
  [1, 'PERFORMNUD'],
  [2, 'ACCEPT_RTADV'],
  [3, 'PREFER_SOURCE'],
  [4, 'IFDISABLED'],
  [5, 'DONT_SET_IFROUTE'],
  [6, 'AUTO_LINKLOCAL'],
  [7, 'NO_RADR'],
  [8, 'NO_PREFER_IFACE'],
  [9, 'NO_DAD'],
]

const ND6_FLAG_CMDS: Readonly<Record<string, number>> = {
  nud: 0x1,
  accept_rtadv: 0x2,
  prefer_source: 0x4,
  ifdisabled: 0x8,
  auto_linklocal: 0x20,
  no_radr: 0x40,
  no_prefer_iface: 0x80,
  no_dad: 0x100,
}

/** IN6_IFF_* words in the order in6_status prints them. */
const IN6_FLAG_WORDS: ReadonlyArray<readonly [number, string]> = [
  [0x01, 'anycast'],
  [0x02, 'tentative'],
  [0x04, 'duplicated'],
  [0x08, 'detached'],
  [0x10, 'deprecated'],
  [0x40, 'autoconf'],
  [0x80, 'temporary'],
  [0x100, 'prefer_source'],
]

export function nd6OptionsLine(flags: number): string {
  return `\tnd6 options=${printb(flags, ND6_BITS)}`
}

/** A link-scoped address is printed with its zone: `fe80::1%lo0`. */
export function formatInet6Line(ifi: IfInfo, a: In6AddrInfo, lifetimes = false): string {
  let s = `\tinet6 ${formatIpv6(a.addr)}${a.scopeId !== 0 ? `%${ifi.name}` : ''}`
  // A point-to-point peer: `inet6 A --> B prefixlen 128` (af_inet6.c).
  if (a.dst !== undefined) s += ` --> ${formatIpv6(a.dst)}`
  s += ` prefixlen ${a.prefixLen}`
  for (const [bit, word] of IN6_FLAG_WORDS) if ((a.flags & bit) !== 0) s += ` ${word}`
  if (a.scopeId !== 0) s += ` scopeid 0x${a.scopeId.toString(16)}`
  // -L: what is left of the preferred and valid lifetimes, in seconds (af_inet6.c's sec2str).
  if (lifetimes && a.lifetimes !== undefined) {
    const { pltime, vltime } = a.lifetimes
    s += ` pltime ${pltime === null ? 'infty' : pltime} vltime ${vltime === null ? 'infty' : vltime}`
  }
  if (a.vhid !== undefined) s += ` vhid ${a.vhid}`
  return s
}

/** `ADDR[%zone][/plen]`: the address and the prefix length if given. Throws `ADDR: bad value`. */
function parseAddr6(s: string): { addr: Uint8Array; prefixLen: number | null } {
  const slash = s.lastIndexOf('/')
  let host = s
  let prefixLen: number | null = null
  if (slash >= 0) {
    host = s.slice(0, slash)
    const n = strtonum(s.slice(slash + 1), 0, 128)
    if (typeof n === 'string') throw new CmdError(`${s.slice(slash + 1)}: bad value`)
    prefixLen = n
  }
  const pct = host.indexOf('%')
  const addr = parseIpv6(pct >= 0 ? host.slice(0, pct) : host)
  if (addr === null) throw new CmdError(`${host}: bad value`)
  return { addr, prefixLen }
}

/** `ifconfig IF inet6 ...` (words after `inet6`). */
export function ifconfigInet6(sys: Syscalls, name: string, words: readonly string[]): void {
  let addr: Uint8Array | null = null
  let dst: Uint8Array | null = null
  let prefixLen: number | null = null
  let del = false
  let anycast = false
  let set = 0
  let clear = 0
  const opts: In6AddOpts = {}
  const carp: { carp: CarpPlan | null } = { carp: null }
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!
    const cw = parseCarpWord(words, i, carp)
    if (cw > 0) {
      i += cw - 1
      continue
    }
    if (w === 'prefixlen') {
      const v = words[++i]
      if (v === undefined) throw new CmdError("'prefixlen' requires argument")
      const n = strtonum(v, 0, 128)
      if (typeof n === 'string') throw new CmdError(`${v}: bad value`)
      prefixLen = n
    } else if (w === 'pltime' || w === 'vltime') {
      // setip6lifetime: seconds, strtoul's way (a leading number; none is `invalid pltime`).
      const v = words[++i]
      if (v === undefined) throw new CmdError(`'${w}' requires argument`)
      const m = /^\s*(0x[0-9a-f]+|[0-9]+)/i.exec(v)
      if (m === null) throw new CmdError(`invalid ${w}`)
      const n = Math.min(Number(m[1]), 0xffffffff)
      if (w === 'pltime') opts.pltime = n
      else opts.vltime = n
    } else if (w === 'deprecated' || w === '-deprecated') opts.deprecated = w === 'deprecated'
    else if (w === 'autoconf' || w === '-autoconf') opts.autoconf = w === 'autoconf'
    else if (w === 'alias' || w === 'add') {
      // inet6 addresses are always added; `alias` changes nothing.
    } else if (w === '-alias' || w === 'delete' || w === 'remove') del = true
    else if (w === 'anycast') anycast = true
    else if (w.replace(/^-/, '') in ND6_FLAG_CMDS) {
      const bit = ND6_FLAG_CMDS[w.replace(/^-/, '')]!
      if (w.startsWith('-')) clear |= bit
      else set |= bit
    } else if (w === 'up' || w === 'down') {
      try {
        sys.ifSetUp(name, w === 'up')
      } catch (e) {
        throw new CmdError(sysMessage('ioctl (SIOCSIFFLAGS)', asSysError(e)))
      }
    } else if (w === 'fib' || w === 'tunnelfib') {
      // Set at once, before the address is added at the end, so its routes go into that FIB.
      const v = words[++i]
      if (v === undefined) throw new CmdError(`'${w}' requires argument`)
      const n = strtonum(v, 0, 0xffffffff)
      if (typeof n === 'string') throw new CmdError(`fib ${v} not valid`)
      try {
        sys.ifSetFib(name, n, w === 'tunnelfib')
      } catch (e) {
        throw new CmdError(
          sysMessage(w === 'fib' ? 'ioctl (SIOCSIFFIB)' : 'ioctl (SIOCSTUNFIB)', asSysError(e)),
        )
      }
    } else if (addr === null) {
      const p = parseAddr6(w)
      addr = p.addr
      if (p.prefixLen !== null) prefixLen = p.prefixLen
    } else if (dst === null) {
      // The second address: a point-to-point interface's destination (setifdstaddr).
      dst = parseAddr6(w).addr
    } else throw new CmdError(`${w}: bad value`)
  }
  if (set !== 0 || clear !== 0) {
    try {
      sys.inet6.setNdFlags(name, set, clear)
    } catch (e) {
      throw new CmdError(sysMessage('ioctl(SIOCSIFINFO_IN6)', asSysError(e)))
    }
  }
  // setcarp_callback, before the address it names.
  if (carp.carp !== null) applyCarp(sys, name, carp.carp)
  if (addr === null) {
    if (del) throw new CmdError("ioctl (SIOCDIFADDR): Can't assign requested address")
    return
  }
  if (del) {
    try {
      sys.inet6.delAddr(name, addr)
    } catch (e) {
      throw new CmdError(sysMessage('ioctl (SIOCDIFADDR)', asSysError(e)))
    }
    return
  }
  try {
    // in6_postproc: all unicast prefixes are /64 unless told otherwise.
    opts.anycast = anycast
    if (dst !== null) opts.dst = dst
    if (carp.carp !== null) opts.vhid = carp.carp.vhid
    sys.inet6.addAddr(name, addr, prefixLen ?? 64, opts)
  } catch (e) {
    throw new CmdError(sysMessage('ioctl (SIOCAIFADDR)', asSysError(e)))
  }
}

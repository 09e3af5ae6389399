/**
 * ndp(8): show the IPv6 neighbor cache (`-a`, with `-n`), delete an entry (`-d ADDR`), add a
 * permanent one (`-s ADDR MAC [proxy]`), flush the dynamic ones (`-c`), and show or change an
 * interface's ND options (`-i IF [-]flag...`), printed as FreeBSD
 * 14's ndp does: the `Neighbor  Linklayer Address  Netif Expire  S Flags` table with state letters
 * I/R/S/D/P, the default router list (`-r`, flushed by `-R`) and the prefix list (`-p`, `-P`)
 * learned from Router Advertisements. Our own addresses appear as permanent entries, as the kernel's lltable has them.
 * `--libxo json|xml[,pretty]` gives FreeBSD 14's structure for every mode that has one: an `ndp`
 * container (version 1) holding `neighbor-cache` instances (`-a`, `-c`, `-d`, a single host),
 * `router-list` (`-r`), `prefix-list` (`-p`, with `flags_pretty`, `valid-lifetime`,
 * `expires_sec`, `advertising-routers` …) or the `ifinfo` container (`-i`).
 */

import type { NdpInfo, Syscalls } from '../../../host/syscalls.js'
import { formatMac } from '../../../wire/addr.js'
import { formatIpv6, in6Eq, in6IsLinkLocal, in6IsMulticast, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { asSysError, CmdError, optsOrUsage, padL, padR, runTool } from '../../common.js'
import { getopt } from '../../getopt.js'
import { Xo, xoParseArgs } from '../../lib/libxo/xo.js'
import type { Command, Io } from '../../types.js'

const USAGE = [
  'usage: ndp [-nt] hostname',
  '       ndp [-nt] -a | -c | -p | -r | -H | -P | -R',
  '       ndp [-nt] -A wait',
  '       ndp [-nt] -d hostname',
  '       ndp [-nt] -f filename',
  '       ndp [-nt] -i interface [flags...]',
  '       ndp [-nt] -I [interface|delete]',
  '       ndp [-nt] -s nodename etheraddr [temp] [proxy]',
].join('\n')

/** net/route.h's RTF_GATEWAY, as the route's flags carry it. */
const RTF_GATEWAY = 0x2
const W_ADDR = 36
const W_LL = 17
const W_IF = 6
const STATE_LETTERS: Readonly<Record<number, string>> = { [-2]: 'N', 0: 'I', 1: 'R', 2: 'S', 3: 'D', 4: 'P' }

/** ndp's sec2str: `1d2h3m4s` without leading zero units. */
function sec2str(total: number): string {
  const days = Math.floor(total / 86400)
  const hours = Math.floor(total / 3600) % 24
  const mins = Math.floor(total / 60) % 60
  const secs = total % 60
  let s = ''
  if (days) s += `${days}d`
  if (s || hours) s += `${hours}h`
  if (s || mins) s += `${mins}m`
  return `${s}${secs}s`
}

function hostOf(e: NdpInfo): string {
  return `${formatIpv6(e.addr)}${e.scopeId !== 0 ? `%${e.ifName}` : ''}`
}

/** One `neighbor-cache` instance: the table's line (print_entries) and its encoded fields. */
function emitEntry(xo: Xo, e: NdpInfo): void {
  const host = hostOf(e)
  const ll = e.mac !== null ? formatMac(e.mac) : '(incomplete)'
  const addrw = Math.max(host.length, W_ADDR)
  const llw = Math.max(ll.length, W_ADDR + W_LL - addrw)
  const ifw = Math.max(e.ifName.length, W_ADDR + W_LL + W_IF - addrw - llw)
  xo.openInstance('neighbor-cache')
  xo.field('address', host, padR(host, addrw, addrw))
  xo.text(' ')
  xo.field('mac-address', ll, padR(ll, llw, llw))
  xo.text(' ')
  xo.field('interface', e.ifName, padL(e.ifName, ifw, ifw))
  if (e.permanent || e.expiresIn < 0) {
    xo.text(` ${padR('permanent', 9, 9)}`)
    xo.encode('permanent', true)
  } else {
    xo.text(` ${padR(e.expiresIn > 0 ? sec2str(e.expiresIn) : 'expired', 9, 9)}`)
    xo.encode('expires_sec', e.expiresIn)
  }
  xo.text(' ')
  xo.field('neighbor-state', STATE_LETTERS[e.state] ?? '?')
  xo.text(' ')
  xo.field('nd-flags', `${e.isRouter ? 'R' : ''}${e.proxy ? 'p' : ''}`)
  xo.text('\n')
  xo.closeInstance('neighbor-cache')
}

/** Our own addresses on Ethernet links, as the permanent entries ndp lists for them. */
function ownEntries(sys: Syscalls): NdpInfo[] {
  const out: NdpInfo[] = []
  for (const i of sys.ifList())
    if (i.mac !== null)
      for (const a of i.inet6 ?? [])
        out.push({
          addr: a.addr,
          scopeId: a.scopeId,
          mac: i.mac,
          ifName: i.name,
          state: 1,
          isRouter: false,
          permanent: true,
          expiresIn: -1,
        })
  return out
}

function header(xo: Xo): void {
  xo.text(
    `${padR('Neighbor', W_ADDR, W_ADDR)} ${padR('Linklayer Address', W_LL, W_LL)} ${padL('Netif', W_IF, W_IF)} ${padR('Expire', 9, 9)} S Flags\n`,
  )
}

/** `ADDR[%IF]`: address and scope id (getaddrinfo with a zone). */
function target(sys: Syscalls, host: string): { addr: Uint8Array; scopeId: number } {
  const pct = host.indexOf('%')
  const addr = parseIpv6(pct >= 0 ? host.slice(0, pct) : host)
  if (addr === null) throw new CmdError(`${host}: hostname nor servname provided, or not known`)
  if (pct < 0) return { addr, scopeId: 0 }
  try {
    return { addr, scopeId: sys.ifGet(host.slice(pct + 1)).index }
  } catch (e) {
    asSysError(e)
    throw new CmdError(`${host}: hostname nor servname provided, or not known`)
  }
}

function all(sys: Syscalls, xo: Xo): number {
  header(xo)
  xo.openList('neighbor-cache')
  for (const e of [...ownEntries(sys), ...sys.inet6.ndpList()]) emitEntry(xo, e)
  xo.closeList('neighbor-cache')
  return 0
}

const RTPREF = ['medium', 'high', 'rsv', 'low'] as const

/** `ndp -r`: rtrlist()'s lines, `router-list` instances. */
function routers(sys: Syscalls, xo: Xo): number {
  const list = sys.inet6.defrouterList()
  if (list.length === 0) return 0
  xo.openList('router-list')
  for (const r of list) {
    xo.openInstance('router-list')
    const a = formatIpv6(r.addr)
    xo.field('hostname', `${a}%${r.ifName}`)
    xo.encode('address', a)
    xo.text(' if=')
    xo.field('interface', r.ifName)
    let flags = ''
    if ((r.flags & 0x80) !== 0) {
      flags += 'M'
      xo.leaf('flags_pretty', 'managed')
    }
    if ((r.flags & 0x40) !== 0) {
      flags += 'O'
      xo.leaf('flags_pretty', 'other')
    }
    xo.text(', flags=')
    xo.field('flags', flags)
    xo.text(', pref=')
    xo.field('preference', RTPREF[(r.flags & 0x18) >> 3]!)
    xo.text(`, expire=${sec2str(r.expiresIn)}\n`)
    xo.encode('expires_sec', r.expiresIn)
    xo.closeInstance('router-list')
  }
  xo.closeList('router-list')
  return 0
}

/** `ndp -p`: plist()'s lines, `prefix-list` instances. */
function prefixes(sys: Syscalls, xo: Xo): number {
  xo.openList('prefix-list')
  for (const p of sys.inet6.prefixList()) {
    xo.openInstance('prefix-list')
    xo.field('prefix', `${formatIpv6(p.prefix)}${p.scopeId !== 0 ? `%${p.ifName}` : ''}/${p.prefixLen}`)
    xo.text(' if=')
    xo.field('interface', p.ifName)
    xo.text('\n')
    let flags = ''
    for (const [on, letter, word] of [
      [p.raOnlink, 'L', 'ra_onlink'],
      [p.raAuto, 'A', 'ra_autonomous'],
      [p.onlink, 'O', 'is_onlink'],
    ] as const)
      if (on) {
        flags += letter
        xo.leaf('flags_pretty', word)
      }
    xo.text('flags=')
    xo.field('flags', flags)
    xo.text(' vltime=')
    xo.field('valid-lifetime', p.vltime, p.vltime === 0xffffffff ? 'infinity' : undefined)
    xo.text(', pltime=')
    xo.field('preferred-lifetime', p.pltime, p.pltime === 0xffffffff ? 'infinity' : undefined)
    if (p.expiresIn === null) {
      xo.text(', expire=Never')
      xo.encode('permanent', true)
    } else if (p.expiresIn >= 0) {
      xo.text(', expire=')
      xo.field('expires', sec2str(p.expiresIn))
      xo.encode('expires_sec', p.expiresIn)
    } else {
      xo.text(', expired')
      xo.encode('expires_sec', p.expiresIn)
    }
    xo.text(', ref=')
    xo.field('refcount', p.refcnt)
    xo.text('\n')
    if (p.advrtrs.length > 0) {
      xo.text('  advertised by\n')
      xo.openList('advertising-routers')
      for (const r of p.advrtrs) {
        xo.openInstance('advertising-routers')
        const a = formatIpv6(r.addr)
        xo.text('    ')
        xo.field('hostname', `${a}%${r.ifName}`)
        xo.encode('address', a)
        xo.text(' (')
        xo.field('state', r.state === -3 ? 'no neighbor state' : r.state >= 1 ? 'reachable' : 'unreachable')
        xo.text(')\n')
        xo.closeInstance('advertising-routers')
      }
      xo.closeList('advertising-routers')
    } else xo.text('  No advertising router\n')
    xo.closeInstance('prefix-list')
  }
  xo.closeList('prefix-list')
  return 0
}

/** ndp.c's SETFLAG words for `ndp -i IF [-]word ...`. */
const ND_FLAG_WORDS: Readonly<Record<string, number>> = {
  disabled: 0x8,
  nud: 0x1,
  accept_rtadv: 0x2,
  auto_linklocal: 0x20,
  no_prefer_iface: 0x80,
}

/** delete()'s report: `HOST (HOST) deleted`, a `neighbor-cache` instance with address and interface. */
function emitDeleted(xo: Xo, host: string, addr: Uint8Array, ifName: string): void {
  xo.openInstance('neighbor-cache')
  xo.field('hostname', host)
  xo.text(` (${host}) deleted\n`)
  xo.encode('address', formatIpv6(addr))
  xo.encode('interface', ifName)
  xo.closeInstance('neighbor-cache')
}

/**
 * guess_ifindex (ndp_netlink.c): a link-local address's zone; else the interface of a directly
 * connected, non-gateway route on an Ethernet-like interface, or for one of our addresses (its
 * loopback route) the interface the address is on; 0 when there is none.
 */
function guessIfindex(sys: Syscalls, addr: Uint8Array, scopeId: number): number {
  if (in6IsLinkLocal(addr, 0)) return scopeId
  if (in6IsMulticast(addr, 0)) return 0
  try {
    const r = sys.inet6.routeGet(addr)
    if ((r.flags & RTF_GATEWAY) !== 0) return 0
    const ifi = sys.ifList().find((i) => i.name === r.ifName)
    if (ifi !== undefined && ifi.mac !== null) return ifi.index
    // The loopback route of one of our addresses: its nexthop's address interface (nhaf_aif).
    return (
      sys.ifList().find((i) => i.mac !== null && (i.inet6 ?? []).some((a) => in6Eq(a.addr, 0, addr, 0)))
        ?.index ?? 0
    )
  } catch (e) {
    asSysError(e)
    return 0
  }
}

/**
 * set() and set_nl: `ndp -s HOST MAC [temp] [proxy]`. A MAC sscanf cannot read is only warned about
 * (the request then carries no link-layer address, which the kernel refuses); words after it other
 * than temp… and proxy… are ignored, and `temp` changes nothing over netlink (set_nl makes every
 * entry permanent). Without an interface for HOST: `delete: cannot locate HOST` (set_nl's text)
 * and exit 0; the kernel's refusal: `set HOST: reason`, exit 1.
 */
function setHost(sys: Syscalls, io: Io, host: string, macWord: string, extra: readonly string[]): number {
  const t = target(sys, host)
  const mac = etherAton(macWord)
  if (mac === null) io.stderr.write(`ndp: invalid Ethernet address '${macWord}'\n`)
  const proxy = extra.some((w) => w.startsWith('proxy'))
  if (guessIfindex(sys, t.addr, t.scopeId) === 0) {
    io.stderr.write(`ndp: delete: cannot locate ${host}\n`)
    return 0
  }
  if (mac === null) {
    io.stderr.write(
      `ndp: set: ${host}: Invalid argument (NDA_LLADDR address length (0) is different from expected (6))\n`,
    )
    return 1
  }
  try {
    sys.inet6.ndpSet(t.addr, t.scopeId, mac, proxy)
  } catch (e) {
    io.stderr.write(`ndp: set ${host}: ${asSysError(e).strerror}\n`)
    return 1
  }
  return 0
}

/** ndp_ether_aton: six hexadecimal numbers separated by colons, each kept to its low byte. */
function etherAton(w: string): number | null {
  const parts = w.split(':')
  if (parts.length < 6) return null
  let mac = 0
  for (let i = 0; i < 6; i++) {
    // sscanf's %x stops at the first non-hex character, where the next ':' must then follow.
    const m = (i < 5 ? /^\s*(?:0[xX])?([0-9a-fA-F]+)$/ : /^\s*(?:0[xX])?([0-9a-fA-F]+)/).exec(parts[i]!)
    if (m === null) return null
    mac = mac * 256 + (Number.parseInt(m[1]!.slice(-8), 16) & 0xff)
  }
  return mac
}

/**
 * delete_nl: the interface comes from the zone of a link-local address, else from the route to it
 * (guess_ifindex: a directly connected, non-gateway route on an Ethernet-like interface); without
 * one, `delete: cannot locate HOST`. The kernel's refusal is `delete HOST: reason`. Warnings only.
 */
function deleteHost(sys: Syscalls, io: Io, xo: Xo, host: string): void {
  const pct = host.indexOf('%')
  const addr = parseIpv6(pct >= 0 ? host.slice(0, pct) : host)
  let scopeId = 0
  if (addr !== null && pct >= 0)
    scopeId = sys.ifList().find((i) => i.name === host.slice(pct + 1))?.index ?? -1
  if (addr === null || scopeId < 0) {
    io.stderr.write(`ndp: ${host}: hostname nor servname provided, or not known\n`)
    return
  }
  const ifIndex = guessIfindex(sys, addr, scopeId)
  if (ifIndex === 0) {
    io.stderr.write(`ndp: delete: cannot locate ${host}\n`)
    return
  }
  try {
    sys.inet6.ndpDelete(addr, ifIndex)
  } catch (e) {
    io.stderr.write(`ndp: delete ${host}: ${asSysError(e).strerror}\n`)
    return
  }
  xo.openList('neighbor-cache')
  emitDeleted(xo, host, addr, sys.ifList().find((i) => i.index === ifIndex)?.name ?? '?')
  xo.closeList('neighbor-cache')
}

/** `ndp -c`: delete every dynamic entry, one `ADDR (ADDR) deleted` line each (dump with cflag). */
function flushAll(sys: Syscalls, xo: Xo): number {
  xo.openList('neighbor-cache')
  for (const e of sys.inet6.ndpList()) {
    if (e.permanent) continue
    const host = hostOf(e)
    try {
      sys.inet6.ndpDelete(e.addr, e.scopeId)
    } catch (err) {
      const se = asSysError(err)
      if (se.code === 'EPERM') throw new CmdError(`writing to routing socket: ${se.strerror}`)
      continue
    }
    emitDeleted(xo, host, e.addr, e.ifName)
  }
  xo.closeList('neighbor-cache')
  return 0
}

function flush(what: () => void): number {
  try {
    what()
  } catch (e) {
    const err = asSysError(e)
    throw new CmdError(`ioctl: ${err.strerror}`)
  }
  return 0
}

export const ndp: Command = (argv, io, proc) =>
  runTool('ndp', io, () => {
    const sys = proc.sys
    const x = xoParseArgs(argv.slice(1))
    if (typeof x === 'string') throw new CmdError(x.replace(/^libxo: /, ''))
    const { opts, rest } = optsOrUsage(getopt('ndp', x.argv, 'acd:f:Ii:nprstA:HPR'), USAGE, 1)
    const xo = new Xo((t) => void io.stdout.write(t), x.opts)
    xo.setVersion('1')
    xo.openContainer('ndp')
    const status = mode(sys, io, xo, opts, rest)
    // main()'s xo_close_container and xo_finish; -s leaves by exit() before them, as in ndp.c.
    if (!opts.some(([f]) => f === 's')) {
      xo.closeContainer('ndp')
      xo.finish()
    }
    return status
  })

function mode(sys: Syscalls, io: Io, xo: Xo, opts: [string, string][], rest: readonly string[]): number {
  {
    const has = (c: string): boolean => opts.some(([f]) => f === c)
    const arg = (c: string): string | undefined => opts.find(([f]) => f === c)?.[1]
    if (has('a')) return all(sys, xo)
    if (has('c')) return flushAll(sys, xo)
    if (has('r')) return routers(sys, xo)
    if (has('p')) return prefixes(sys, xo)
    if (has('R')) return flush(() => sys.inet6.routerFlush())
    if (has('P')) return flush(() => sys.inet6.prefixFlush())
    const d = arg('d')
    if (d !== undefined) {
      if (rest.length !== 0) throw new CmdError(USAGE, 1, true)
      deleteHost(sys, io, xo, d)
      // main() ignores delete()'s result: ndp -d exits 0 whether or not an entry went.
      return 0
    }
    if (has('s')) {
      if (rest.length < 2 || rest.length > 4) throw new CmdError(USAGE, 1, true)
      return setHost(sys, io, rest[0]!, rest[1]!, rest.slice(2))
    }
    const i = arg('i')
    if (i !== undefined) {
      // ifinfo(): each word sets (or with `-`, clears) one ND6_IFF_* flag; unknown words are
      // ignored, as ndp.c's SETFLAG chain does.
      if (rest.length > 0) {
        let set = 0
        let clear = 0
        for (const w of rest) {
          const bit = ND_FLAG_WORDS[w.startsWith('-') ? w.slice(1) : w]
          if (bit === undefined) continue
          if (w.startsWith('-')) {
            clear |= bit
            set &= ~bit
          } else {
            set |= bit
            clear &= ~bit
          }
        }
        try {
          sys.inet6.setNdFlags(i, set, clear)
        } catch (e) {
          throw new CmdError(`ioctl(SIOCSIFINFO_IN6): ${asSysError(e).strerror}`)
        }
      }
      const ifi = sys.ifGet(i)
      const f = ifi.nd6Flags ?? 0
      const words = [
        [0x8, 'disabled'],
        [0x1, 'nud'],
        [0x2, 'accept_rtadv'],
        [0x20, 'auto_linklocal'],
        [0x80, 'no_prefer_iface'],
      ] as const
      const nd = ifi.nd6Info
      const ms = (t: number): string => `${Math.floor(t / 1000)}s${t % 1000}ms`
      const base = nd?.baseReachable ?? 30000
      const reach = Math.floor((nd?.reachable ?? 30000) / 1000)
      const retrans = nd?.retrans ?? 1000
      xo.openContainer('ifinfo')
      xo.encode('interface', i)
      xo.text('linkmtu=')
      xo.field('linkmtu', nd !== undefined && nd.linkMtu !== 0 ? nd.linkMtu : ifi.mtu)
      xo.text(', maxmtu=')
      xo.field('maxmtu', ifi.mtu)
      xo.text(', curhlim=')
      xo.field('curhlim', nd?.curHlim ?? 64)
      xo.text(`, basereachable=${ms(base)}`)
      xo.encode('basereachable_ms', base)
      xo.text(`, reachable=${reach}s`)
      xo.encode('reachable_ms', reach * 1000)
      xo.text(`, retrans=${ms(retrans)}`)
      xo.encode('retrans_ms', retrans)
      if (f !== 0) {
        xo.text('\nFlags: ')
        xo.encode('flags', f)
        for (const [b, w] of words)
          if ((f & b) !== 0) {
            xo.leaf('flags_pretty', w)
            xo.text(`${w} `)
          }
      }
      xo.text('\n')
      xo.closeContainer('ifinfo')
      return 0
    }
    if (rest.length === 1) {
      const t = target(sys, rest[0]!)
      const e = [...ownEntries(sys), ...sys.inet6.ndpList()].find(
        (x) => formatIpv6(x.addr) === formatIpv6(t.addr) && (t.scopeId === 0 || x.scopeId === t.scopeId),
      )
      header(xo)
      xo.openList('neighbor-cache')
      if (e !== undefined) emitEntry(xo, e)
      xo.closeList('neighbor-cache')
      if (e === undefined) throw new CmdError(`${rest[0]} (${rest[0]}) -- no entry`)
      return 0
    }
    throw new CmdError(USAGE, 1, true)
  }
}

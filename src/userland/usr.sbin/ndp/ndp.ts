/**
 * ndp(8): show the IPv6 neighbor cache (`-a`, with `-n`), delete an entry (`-d ADDR`), add a
 * permanent one (`-s ADDR MAC [proxy]`), flush the dynamic ones (`-c`), and show or change an
 * interface's ND options (`-i IF [-]flag...`), printed as FreeBSD
 * 14's ndp does: the `Neighbor  Linklayer Address  Netif Expire  S Flags` table with state letters
 * I/R/S/D/P, the default router list (`-r`, flushed by `-R`) and the prefix list (`-p`, `-P`)
 * learned from Router Advertisements. Our own addresses appear as permanent entries, as the kernel's lltable has them.
 */

import type { NdpInfo, Syscalls } from '../../../host/syscalls.js'
import { formatMac, parseMac } from '../../../wire/addr.js'
import { formatIpv6, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { asSysError, CmdError, optsOrUsage, padL, padR, runTool } from '../../common.js'
import { getopt } from '../../getopt.js'
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

/** One line of the table (print_entries), newline-terminated. */
export function formatNdpEntry(e: NdpInfo): string {
  const host = hostOf(e)
  const ll = e.mac !== null ? formatMac(e.mac) : '(incomplete)'
  const addrw = Math.max(host.length, W_ADDR)
  const llw = Math.max(ll.length, W_ADDR + W_LL - addrw)
  const ifw = Math.max(e.ifName.length, W_ADDR + W_LL + W_IF - addrw - llw)
  const expire =
    e.permanent || e.expiresIn < 0 ? 'permanent' : e.expiresIn > 0 ? sec2str(e.expiresIn) : 'expired'
  return `${padR(host, addrw, addrw)} ${padR(ll, llw, llw)} ${padL(e.ifName, ifw, ifw)} ${padR(expire, 9, 9)} ${STATE_LETTERS[e.state] ?? '?'} ${e.isRouter ? 'R' : ''}${e.proxy ? 'p' : ''}\n`
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

function header(): string {
  return `${padR('Neighbor', W_ADDR, W_ADDR)} ${padR('Linklayer Address', W_LL, W_LL)} ${padL('Netif', W_IF, W_IF)} ${padR('Expire', 9, 9)} S Flags\n`
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

function all(sys: Syscalls, io: Io): number {
  io.stdout.write(header())
  for (const e of [...ownEntries(sys), ...sys.inet6.ndpList()]) io.stdout.write(formatNdpEntry(e))
  return 0
}

const RTPREF = ['medium', 'high', 'rsv', 'low'] as const

/** `ndp -r`: rtrlist()'s lines. */
function routers(sys: Syscalls, io: Io): number {
  for (const r of sys.inet6.defrouterList()) {
    const flags = `${(r.flags & 0x80) !== 0 ? 'M' : ''}${(r.flags & 0x40) !== 0 ? 'O' : ''}`
    io.stdout.write(
      `${formatIpv6(r.addr)}%${r.ifName} if=${r.ifName}, flags=${flags}, pref=${RTPREF[(r.flags & 0x18) >> 3]}, expire=${sec2str(r.expiresIn)}\n`,
    )
  }
  return 0
}

/** `ndp -p`: plist()'s lines. */
function prefixes(sys: Syscalls, io: Io): number {
  for (const p of sys.inet6.prefixList()) {
    let s = `${formatIpv6(p.prefix)}/${p.prefixLen} if=${p.ifName}\n`
    s += `flags=${p.raOnlink ? 'L' : ''}${p.raAuto ? 'A' : ''}${p.onlink ? 'O' : ''}`
    s += p.vltime === 0xffffffff ? ' vltime=infinity' : ` vltime=${p.vltime}`
    s += p.pltime === 0xffffffff ? ', pltime=infinity' : `, pltime=${p.pltime}`
    if (p.expiresIn === null) s += ', expire=Never'
    else if (p.expiresIn >= 0) s += `, expire=${sec2str(p.expiresIn)}`
    else s += ', expired'
    s += `, ref=${p.refcnt}\n`
    if (p.advrtrs.length > 0) {
      s += '  advertised by\n'
      for (const r of p.advrtrs) {
        const state = r.state === -3 ? 'no neighbor state' : r.state >= 1 ? 'reachable' : 'unreachable'
        s += `    ${formatIpv6(r.addr)}%${r.ifName} (${state})\n`
      }
    } else s += '  No advertising router\n'
    io.stdout.write(s)
  }
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

/** `ndp -c`: delete every dynamic entry, one `ADDR (ADDR) deleted` line each (dump with cflag). */
function flushAll(sys: Syscalls, io: Io): number {
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
    io.stdout.write(`${host} (${host}) deleted\n`)
  }
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
    const { opts, rest } = optsOrUsage(getopt('ndp', argv.slice(1), 'acd:f:Ii:nprstA:HPR'), USAGE, 1)
    const has = (c: string): boolean => opts.some(([f]) => f === c)
    const arg = (c: string): string | undefined => opts.find(([f]) => f === c)?.[1]
    if (has('a')) return all(sys, io)
    if (has('c')) return flushAll(sys, io)
    if (has('r')) return routers(sys, io)
    if (has('p')) return prefixes(sys, io)
    if (has('R')) return flush(() => sys.inet6.routerFlush())
    if (has('P')) return flush(() => sys.inet6.prefixFlush())
    const d = arg('d')
    if (d !== undefined) {
      const t = target(sys, d)
      try {
        sys.inet6.ndpDelete(t.addr, t.scopeId)
      } catch (e) {
        const err = asSysError(e)
        if (err.code === 'EPERM') throw new CmdError(`writing to routing socket: ${err.strerror}`)
        io.stderr.write(`ndp: delete: cannot locate ${d}\n`)
        return 1
      }
      io.stdout.write(`${d} (${d}) deleted\n`)
      return 0
    }
    if (has('s')) {
      if (rest.length < 2 || rest.length > 4) throw new CmdError(USAGE, 1, true)
      const t = target(sys, rest[0]!)
      const mac = parseMac(rest[1]!)
      if (mac === null) {
        io.stderr.write(`ndp: invalid Ethernet address '${rest[1]}'\n`)
        return 1
      }
      // `temp` and `proxy` may follow, in any order (ndp.c's set()).
      const extra = rest.slice(2)
      if (extra.some((w) => w !== 'temp' && w !== 'proxy')) throw new CmdError(USAGE, 1, true)
      try {
        sys.inet6.ndpSet(t.addr, t.scopeId, mac, extra.includes('proxy'))
      } catch (e) {
        const err = asSysError(e)
        if (err.code === 'EPERM') throw new CmdError(`writing to routing socket: ${err.strerror}`)
        io.stderr.write('ndp: cannot configure a new entry\n')
        return 1
      }
      return 0
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
      let s =
        nd === undefined
          ? `linkmtu=${ifi.mtu}, maxmtu=${ifi.mtu}, curhlim=64, basereachable=30s0ms, reachable=30s, retrans=1s0ms`
          : `linkmtu=${nd.linkMtu !== 0 ? nd.linkMtu : ifi.mtu}, maxmtu=${ifi.mtu}, curhlim=${nd.curHlim}, basereachable=${ms(nd.baseReachable)}, reachable=${Math.floor(nd.reachable / 1000)}s, retrans=${ms(nd.retrans)}`
      if (f !== 0)
        s += `\nFlags: ${words
          .filter(([b]) => (f & b) !== 0)
          .map(([, w]) => `${w} `)
          .join('')}`
      io.stdout.write(`${s}\n`)
      return 0
    }
    if (rest.length === 1) {
      const t = target(sys, rest[0]!)
      const e = [...ownEntries(sys), ...sys.inet6.ndpList()].find(
        (x) => formatIpv6(x.addr) === formatIpv6(t.addr) && (t.scopeId === 0 || x.scopeId === t.scopeId),
      )
      if (e === undefined) throw new CmdError(`${rest[0]} (${rest[0]}) -- no entry`)
      io.stdout.write(header() + formatNdpEntry(e))
      return 0
    }
    throw new CmdError(USAGE, 1, true)
  })

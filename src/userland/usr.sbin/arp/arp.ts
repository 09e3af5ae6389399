/**
 * arp(8): show (`-a`, `ADDR`), delete (`-d ADDR`, `-d -a`) and set (`-s ADDR MAC [temp] [pub]`)
 * entries of the ARP cache, printed as FreeBSD prints them:
 * `? (192.0.2.254) at 02:00:00:00:00:01 on epair0a expires in 1199 seconds [ethernet]`.
 *
 * `--libxo json|xml[,pretty]` (FreeBSD 14's arp.c): `-a` and a single host give
 * `{"__version": "1", "arp": {"arp-cache": [{hostname, ip-address, mac-address | incomplete,
 * interface, expires | permanent | expired, published, type}]}}`; `expires` is a number, the
 * `true` flags bare. A host with no entry prints its text line only and an empty list.
 *
 * Operands are checked before the kernel is asked to change anything.
 */

import type { ArpInfo, Syscalls } from '../../../host/syscalls.js'
import { formatMac, parseMac } from '../../../wire/addr.js'
import { asSysError, CmdError, hostAddr, ip, optsOrUsage, runTool, usage } from '../../common.js'
import { getopt } from '../../getopt.js'
import { withJailOption } from '../../jail_option.js'
import { Xo, xoParseArgs } from '../../lib/libxo/xo.js'
import type { Command, Io } from '../../types.js'

const USAGE = [
  'usage: arp [-n] [-i interface] hostname',
  '       arp [-n] [-i interface] -a',
  '       arp -d hostname [pub]',
  '       arp -d [-i interface] -a',
  '       arp -s hostname ether_addr [temp] [reject | blackhole] [pub [only]]',
  '       arp -S hostname ether_addr [temp] [reject | blackhole] [pub [only]]',
].join('\n')

/** print_entry(): one cache entry as an `arp-cache` instance, newline-terminated in text. */
function emitEntry(xo: Xo, e: ArpInfo): void {
  xo.openInstance('arp-cache')
  // There is no resolver, so the name is `?`.
  xo.field('hostname', '?')
  xo.text(' (')
  xo.field('ip-address', ip(e.addr))
  xo.text(') at ')
  if (e.mac !== null) xo.field('mac-address', formatMac(e.mac))
  else {
    xo.text('(incomplete)')
    xo.encode('incomplete', true)
  }
  xo.text(' on ')
  xo.field('interface', e.ifName)
  if (e.permanent || e.expiresIn < 0) {
    xo.text(' permanent')
    xo.encode('permanent', true)
  } else if (e.expiresIn > 0) {
    xo.text(' expires in ')
    xo.field('expires', e.expiresIn)
    xo.text(' seconds')
  } else {
    xo.text(' expired')
    xo.encode('expired', true)
  }
  if (e.published) {
    xo.text(' published')
    xo.encode('published', true)
  }
  xo.text(' [')
  xo.field('type', 'ethernet')
  xo.text(']\n')
  xo.closeInstance('arp-cache')
}

/** The text line of one entry (print_entry() in text style). */
export function formatArpEntry(e: ArpInfo): string {
  let s = ''
  emitEntry(new Xo((t) => void (s += t)), e)
  return s
}

function addrOrFail(host: string): number {
  const a = hostAddr(host)
  if (a === null) throw new CmdError(`${host}: Unknown host`)
  return a
}

/** main()'s xo_open_container("arp") and list around `emit`, then xo_finish. */
function inArpCache(xo: Xo, emit: () => number): number {
  xo.setVersion('1')
  xo.openContainer('arp')
  xo.openList('arp-cache')
  const status = emit()
  xo.closeList('arp-cache')
  xo.closeContainer('arp')
  xo.finish()
  return status
}

function get(sys: Syscalls, xo: Xo, host: string, iface: string | undefined): number {
  const a = addrOrFail(host)
  return inArpCache(xo, () => {
    const e = sys.arpList().find((x) => x.addr === a && (iface === undefined || x.ifName === iface))
    if (e !== undefined) {
      emitEntry(xo, e)
      return 0
    }
    xo.text(`${host} (${ip(a)}) -- no entry${iface !== undefined ? ` on ${iface}` : ''}\n`)
    return 1
  })
}

/** delete(): returns the status; `host` is echoed as typed. */
function del(sys: Syscalls, io: Io, host: string, addr: number): number {
  try {
    sys.arpDelete(addr)
  } catch (e) {
    const err = asSysError(e)
    if (err.code === 'EPERM') throw new CmdError(`writing to routing socket: ${err.strerror}`)
    io.stderr.write(`arp: delete: cannot locate ${host}\n`)
    return 1
  }
  io.stdout.write(`${host} (${ip(addr)}) deleted\n`)
  return 0
}

function set(sys: Syscalls, io: Io, args: readonly string[], replace: boolean): number {
  const [host, ether, ...words] = args as [string, string, ...string[]]
  const addr = addrOrFail(host)
  const mac = parseMac(ether)
  if (mac === null) throw new CmdError(`invalid Ethernet address '${ether}'`)
  const opts = { temp: false, pub: false }
  for (const w of words) {
    if (w === 'temp') opts.temp = true
    else if (w === 'pub') opts.pub = true
    else if (w === 'only' && opts.pub) continue
    else usage(USAGE, 1)
  }
  // -S: arp.c's set() calls delete() first, which reports the entry it removed (or none found).
  if (replace) del(sys, io, host, addr)
  try {
    sys.arpSet(addr, mac, opts)
  } catch (e) {
    const err = asSysError(e)
    if (err.code === 'ENETUNREACH' || err.code === 'EHOSTUNREACH' || err.code === 'ESRCH')
      throw new CmdError(`cannot intuit interface index and type for ${host}`)
    throw new CmdError(`writing to routing socket: ${err.strerror}`)
  }
  return 0
}

const arpHere: Command = (argv, io, proc) =>
  runTool('arp', io, () => {
    const sys = proc.sys
    const x = xoParseArgs(argv.slice(1))
    if (typeof x === 'string') throw new CmdError(x.replace(/^libxo: /, ''))
    const { opts, rest } = optsOrUsage(getopt('arp', x.argv, 'adfnsSi:'), USAGE, 1)
    const xo = new Xo((t) => void io.stdout.write(t), x.opts)
    const has = (c: string): boolean => opts.some(([f]) => f === c)
    const iface = opts.find(([f]) => f === 'i')?.[1]
    const all = has('a')
    const mode = has('d') ? 'delete' : has('s') ? 'set' : has('S') ? 'replace' : has('f') ? 'file' : 'get'
    if (iface !== undefined) {
      if (mode !== 'get' && !(mode === 'delete' && all))
        throw new CmdError('-i not applicable to this operation')
      if (!sys.ifList().some((i) => i.name === iface)) throw new CmdError(`interface ${iface} does not exist`)
    }
    switch (mode) {
      case 'get':
        if (all) {
          if (rest.length !== 0) usage(USAGE, 1)
          return inArpCache(xo, () => {
            for (const e of sys.arpList()) if (iface === undefined || e.ifName === iface) emitEntry(xo, e)
            return 0
          })
        }
        if (rest.length !== 1) usage(USAGE, 1)
        return get(sys, xo, rest[0]!, iface)
      case 'delete': {
        if (all) {
          if (rest.length !== 0) usage(USAGE, 1)
          // Addresses of our own interfaces are not ARP-learned; the kernel keeps those.
          const own = new Set(sys.ifList().flatMap((i) => i.addrs.map((a) => a.addr)))
          let status = 0
          for (const e of sys.arpList()) {
            if (own.has(e.addr) || (iface !== undefined && e.ifName !== iface)) continue
            status |= del(sys, io, ip(e.addr), e.addr)
          }
          return status
        }
        if (rest.length < 1 || rest.length > 2 || (rest.length === 2 && rest[1] !== 'pub')) usage(USAGE, 1)
        return del(sys, io, rest[0]!, addrOrFail(rest[0]!))
      }
      case 'set':
      case 'replace':
        if (rest.length < 2 || rest.length > 6) usage(USAGE, 1)
        return set(sys, io, rest, mode === 'replace')
      default:
        throw new CmdError('-f: no file system in VirtNet')
    }
  })

/** `-j jail`: the same, inside that jail (FreeBSD 14). */
export const arp: Command = withJailOption('arp', 'adfnsSi:', 'jail not found', arpHere)

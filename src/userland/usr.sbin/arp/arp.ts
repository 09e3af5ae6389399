/**
 * arp(8): show (`-a`, `ADDR`), delete (`-d ADDR`, `-d -a`) and set (`-s ADDR MAC [temp] [pub]`)
 * entries of the ARP cache, printed as FreeBSD prints them:
 * `? (192.0.2.254) at 02:00:00:00:00:01 on epair0a expires in 1199 seconds [ethernet]`.
 *
 * Operands are checked before the kernel is asked to change anything.
 */

import type { ArpInfo, Syscalls } from '../../../host/syscalls.js'
import { formatMac, parseMac } from '../../../wire/addr.js'
import { asSysError, CmdError, hostAddr, ip, optsOrUsage, runTool, usage } from '../../common.js'
import { getopt } from '../../getopt.js'
import { withJailOption } from '../../jail_option.js'
import type { Command, Io } from '../../types.js'

const USAGE = [
  'usage: arp [-n] [-i interface] hostname',
  '       arp [-n] [-i interface] -a',
  '       arp -d hostname [pub]',
  '       arp -d [-i interface] -a',
  '       arp -s hostname ether_addr [temp] [reject | blackhole] [pub [only]]',
  '       arp -S hostname ether_addr [temp] [reject | blackhole] [pub [only]]',
].join('\n')

/** print_entry(): one cache entry, newline-terminated. There is no resolver, so the name is `?`. */
export function formatArpEntry(e: ArpInfo): string {
  let s = `? (${ip(e.addr)}) at ${e.mac !== null ? formatMac(e.mac) : '(incomplete)'} on ${e.ifName}`
  if (e.permanent || e.expiresIn < 0) s += ' permanent'
  else if (e.expiresIn > 0) s += ` expires in ${e.expiresIn} seconds`
  else s += ' expired'
  if (e.published) s += ' published'
  return `${s} [ethernet]\n`
}

function addrOrFail(host: string): number {
  const a = hostAddr(host)
  if (a === null) throw new CmdError(`${host}: Unknown host`)
  return a
}

function get(sys: Syscalls, io: Io, host: string, iface: string | undefined): number {
  const a = addrOrFail(host)
  const e = sys.arpList().find((x) => x.addr === a && (iface === undefined || x.ifName === iface))
  if (e === undefined) {
    io.stdout.write(`${host} (${ip(a)}) -- no entry${iface !== undefined ? ` on ${iface}` : ''}\n`)
    return 1
  }
  io.stdout.write(formatArpEntry(e))
  return 0
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
    const { opts, rest } = optsOrUsage(getopt('arp', argv.slice(1), 'adfnsSi:'), USAGE, 1)
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
          for (const e of sys.arpList())
            if (iface === undefined || e.ifName === iface) io.stdout.write(formatArpEntry(e))
          return 0
        }
        if (rest.length !== 1) usage(USAGE, 1)
        return get(sys, io, rest[0]!, iface)
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

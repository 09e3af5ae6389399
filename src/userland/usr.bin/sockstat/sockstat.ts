/**
 * sockstat(1): the open Internet sockets of the caller's stack, each with the process holding it
 * (USER COMMAND PID FD), laid out column for column like FreeBSD 14's sockstat. `-4`/`-6` pick the
 * family, `-c`/`-l` connected or listening sockets, `-L` hides loopback, `-p`/`-P` filter ports and
 * protocols, `-s` adds the TCP state, `-j` looks into a jail (a vnet jail's own stack, or the
 * sockets of a shared-stack jail's processes). There are no Unix-domain sockets, so `-u` adds none.
 *
 * Read-only: it asks the kernel for the socket list (with kern.file's owners) and changes nothing.
 */

import type { SocketInfo, Syscalls } from '../../../host/syscalls.js'
import { in6IsLoopback, in6IsUnspecified } from '../../../wire/inet6/in6_addr.js'
import { asSysError, CmdError, in6WithZone, ip, optsOrUsage, runTool, userName } from '../../common.js'
import { getopt } from '../../getopt.js'
import type { Command } from '../../types.js'

const USAGE = 'usage: sockstat [-46CcfIiLlnqSsUuvw] [-j jid] [-p ports] [-P protocols]'

/** getprotobyname(3) over /etc/protocols, for the names sockstat is likely to be given. */
const PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['ip', 0],
  ['icmp', 1],
  ['igmp', 2],
  ['tcp', 6],
  ['udp', 17],
  ['gre', 47],
  ['esp', 50],
  ['ah', 51],
  ['ipv6-icmp', 58],
  ['sctp', 132],
  ['udplite', 136],
  ['divert', 258],
])

const IPPROTO_TCP = 6
const IPPROTO_UDP = 17
const IPPROTO_SCTP = 132
const IPPROTO_DIVERT = 258
const DEFAULT_PROTOS: readonly number[] = [IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_DIVERT]

interface Opts {
  v4: boolean
  v6: boolean
  connected: boolean
  listening: boolean
  noLoopback: boolean
  numeric: boolean
  quiet: boolean
  state: boolean
  unix: boolean
  wide: boolean
  fib: boolean
  stack: boolean
  encaps: boolean
  /** -j: the jail asked for (the last one). */
  jail: string | null
  /** -p: the ports asked for, or null for all. */
  ports: Set<number> | null
  /** -P: protocol numbers, or null for the defaults. */
  protos: number[] | null
}

/** parse_ports(): `80,443,1000-1010`. */
function parsePorts(spec: string, into: Set<number>): void {
  let i = 0
  const num = (): number => {
    let n = 0
    while (i < spec.length && spec[i]! >= '0' && spec[i]! <= '9') n = n * 10 + Number(spec[i++])
    return n
  }
  while (i < spec.length) {
    if (!(spec[i]! >= '0' && spec[i]! <= '9')) throw new CmdError('syntax error in port range')
    let port = num()
    if (port > 65535) throw new CmdError('invalid port number')
    into.add(port)
    if (spec[i] === '-') i++
    else {
      if (spec[i] === ',') i++
      continue
    }
    const end = num()
    if (end < port || end > 65535) throw new CmdError('invalid port number')
    while (port++ < end) into.add(port)
    if (spec[i] === ',') i++
  }
}

function options(argv: readonly string[], io: { stderr: { write(s: string): unknown } }): Opts {
  const { opts, rest } = optsOrUsage(getopt('sockstat', argv.slice(1), '46CcfIij:Llnp:P:qSsUuvw'), USAGE, 1)
  if (rest.length > 0) throw new CmdError(USAGE, 1, true)
  const o: Opts = {
    v4: false,
    v6: false,
    connected: false,
    listening: false,
    noLoopback: false,
    numeric: false,
    quiet: false,
    state: false,
    unix: false,
    wide: false,
    fib: false,
    stack: false,
    encaps: false,
    jail: null,
    ports: null,
    protos: null,
  }
  for (const [f, arg] of opts) {
    if (f === '4') o.v4 = true
    else if (f === '6') o.v6 = true
    else if (f === 'c') o.connected = true
    else if (f === 'l') o.listening = true
    else if (f === 'L') o.noLoopback = true
    else if (f === 'n') o.numeric = true
    else if (f === 'q') o.quiet = true
    else if (f === 's') o.state = true
    else if (f === 'u') o.unix = true
    else if (f === 'w') o.wide = true
    else if (f === 'f') o.fib = true
    else if (f === 'S') o.stack = true
    else if (f === 'U') o.encaps = true
    else if (f === 'v') {
      // Verbose only adds warnings about inconsistent kernel data, which cannot happen here.
    } else if (f === 'j') o.jail = arg
    else if (f === 'p') parsePorts(arg, (o.ports ??= new Set()))
    else if (f === 'P') {
      o.protos = []
      for (const name of arg.split(',')) {
        if (name === '') continue
        const p = PROTOCOLS.get(name)
        // warn(3) with whatever errno getprotobyname left: nothing.
        if (p === undefined) io.stderr.write('sockstat: cap_getprotobyname: Undefined error: 0\n')
        else o.protos.push(p)
      }
    } else throw new CmdError(`-${f}: not supported by this sockstat`)
  }
  return o
}

/**
 * printaddr(): `addr:port`, `*` for the wildcard address and for port 0; IPv6 without brackets,
 * a link-local one with its zone (getnameinfo's `fe80::1%epair0a`).
 */
function printaddr(
  addr: number,
  port: number,
  addr6: Uint8Array | undefined,
  scopeId: number,
  ifNames: ReadonlyMap<number, string>,
): string {
  const a =
    addr6 !== undefined
      ? in6IsUnspecified(addr6, 0)
        ? '*'
        : in6WithZone(addr6, scopeId, ifNames)
      : addr === 0
        ? '*'
        : ip(addr)
  return `${a}:${port === 0 ? '*' : port}`
}

function isLoopback(a: number, a6?: Uint8Array): boolean {
  return a6 !== undefined ? in6IsLoopback(a6, 0) : a >>> 24 === 127
}

/** The endpoint's inp_vflag as sockstat reads it from its protocol name (tcp4, tcp6, tcp46). */
function speaks(s: SocketInfo): { v4: boolean; v6: boolean } {
  return { v4: s.proto.endsWith('4') || s.proto.endsWith('46'), v6: s.proto.endsWith('6') }
}

/** The text `n` spaces wide past `line`'s end, at least one: printf's `do ... while (pos < offset)`. */
function padTo(line: string, offset: number): string {
  return line.length >= offset ? `${line} ` : line + ' '.repeat(offset - line.length)
}

function header(o: Opts): string {
  const w = o.wide ? 45 : 21
  let h = `${'USER'.padEnd(8)} ${'COMMAND'.padEnd(10)} ${'PID'.padEnd(5)} ${'FD'.padEnd(3)} ${'PROTO'.padEnd(6)} ${'LOCAL ADDRESS'.padEnd(w)} ${'FOREIGN ADDRESS'.padEnd(w)}`
  if (o.fib) h += ` ${'FIB'.padEnd(6)}`
  if (o.encaps) h += ` ${'ENCAPS'.padEnd(6)}`
  if (o.state) h += ` ${'PATH STATE'.padEnd(12)} ${'CONN STATE'.padEnd(12)}`
  if (o.stack) h += ` ${'STACK'.padEnd(32)}`
  return `${h}\n`
}

/** displaysock(): the socket's columns after the owner's, which `line` holds. */
function displaySock(s: SocketInfo, line: string, o: Opts, ifNames: ReadonlyMap<number, string>): string {
  const tcp = s.proto.startsWith('tcp')
  const step = o.wide ? 46 : 22
  let out = line.padEnd(30)
  out += `${s.proto} `
  let offset = 37
  // A tcp46 endpoint speaks IPv4 too: FreeBSD shows its IPv4 (wildcard) form.
  const six = !speaks(s).v4
  const zone = s.scopeId ?? 0
  out = out.padEnd(offset) + printaddr(s.laddr, s.lport, six ? s.laddr6 : undefined, zone, ifNames)
  offset += step
  out = padTo(out, offset) + printaddr(s.faddr, s.fport, six ? s.faddr6 : undefined, zone, ifNames)
  offset += step
  if (o.fib) {
    out = `${padTo(out, offset)}0`
    offset += 7
  }
  if (o.encaps) {
    if (tcp && s.state !== 'CLOSED' && s.state !== 'LISTEN') out = `${padTo(out, offset)}0`
    offset += 7
  }
  if (o.state) {
    // The path state is SCTP's alone.
    offset += 13
    if (tcp) out = padTo(out, offset) + s.state
    offset += 13
  }
  if (o.stack && tcp) out = `${padTo(out, offset)}freebsd`
  return `${out}\n`
}

/** The sockets gather_inet() keeps, in the order asked for. */
function gather(socks: readonly SocketInfo[], o: Opts): SocketInfo[] {
  const out: SocketInfo[] = []
  if (!o.v4 && !o.v6) return out
  for (const proto of o.protos ?? DEFAULT_PROTOS) {
    if (proto === IPPROTO_SCTP) continue // no SCTP: net.inet.sctp.assoclist does not exist
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP && proto !== IPPROTO_DIVERT)
      throw new CmdError(`protocol ${proto} not supported`)
    const name = proto === IPPROTO_TCP ? 'tcp' : proto === IPPROTO_UDP ? 'udp' : 'divert'
    for (const s of socks) {
      if (!s.proto.startsWith(name)) continue
      // (inp_vflag & vflag) == 0: not of a family asked for.
      const f = speaks(s)
      if (!((o.v4 && f.v4) || (o.v6 && f.v6))) continue
      if ((s.fport === 0 && !o.listening) || (s.fport !== 0 && !o.connected)) continue
      if (o.noLoopback && (isLoopback(s.faddr, s.faddr6) || isLoopback(s.laddr, s.laddr6))) continue
      out.push(s)
    }
  }
  return out
}

function checkPorts(s: SocketInfo, o: Opts): boolean {
  return o.ports === null || o.ports.has(s.lport) || o.ports.has(s.fport)
}

function display(
  socks: readonly SocketInfo[],
  o: Opts,
  jid: number,
  ifNames: ReadonlyMap<number, string>,
): string {
  let out = o.quiet ? '' : header(o)
  // kern.file's order: processes newest first, each one's descriptors in order.
  const owned = socks
    .filter((s) => s.owner !== undefined)
    .sort((a, b) => b.owner!.pid - a.owner!.pid || a.owner!.fd - b.owner!.fd)
  for (const s of owned) {
    const f = s.owner!
    if (jid >= 0 && f.jid !== jid) continue
    if (!checkPorts(s, o)) continue
    let line = padTo((o.numeric ? null : userName(s.uid)) ?? String(s.uid), 9)
    line = padTo(line + f.command.slice(0, 10), 20)
    line = padTo(line + String(f.pid).padStart(5), 26)
    line += String(f.fd).padEnd(3)
    out += displaySock(s, line, o, ifNames)
  }
  if (jid >= 0) return out
  for (const s of socks) {
    if (s.owner !== undefined || !checkPorts(s, o)) continue
    out += displaySock(s, `${'?'.padEnd(8)} ${'?'.padEnd(10)} ${'?'.padEnd(5)} ${'?'.padEnd(3)}`, o, ifNames)
  }
  return out
}

/** jail_getid(3) and, for a vnet jail, jail_attach(2): the jid to filter on (-1: none) and the view. */
function openJail(sys: Syscalls, name: string): { sys: Syscalls; jid: number } {
  const numeric = /^\d+$/.test(name)
  // jid 0 is the host itself: its processes, on the caller's stack.
  if (numeric && Number(name) === 0) return { sys, jid: 0 }
  let info: ReturnType<Syscalls['jailGet']>
  try {
    info = sys.jailGet(name)
  } catch (e) {
    if (asSysError(e).code !== 'ENOENT') throw e
    throw new CmdError(`jail_getid: jail ${numeric ? Number(name) : `"${name}"`} not found`)
  }
  if (!info.vnet) return { sys, jid: info.jid }
  try {
    // The jail has its own stack: look at it from inside, where every socket is the jail's.
    return { sys: sys.attach(name), jid: -1 }
  } catch (e) {
    throw new CmdError(`jail_attach(): ${asSysError(e).strerror}`, 3)
  }
}

export const sockstat: Command = (argv, io, proc) =>
  runTool('sockstat', io, () => {
    const o = options(argv, io)
    let sys = proc.sys
    let jid = -1
    if (o.jail !== null) ({ sys, jid } = openJail(proc.sys, o.jail))
    if (!o.v4 && !o.v6 && o.protos !== null) o.v4 = o.v6 = true
    if (!o.v4 && !o.v6 && !o.unix) o.v4 = o.v6 = o.unix = true
    if (!o.connected && !o.listening) o.connected = o.listening = true
    const socks = gather(sys.socketList(), o)
    const ifNames = new Map(sys.ifList().map((i) => [i.index, i.name] as const))
    io.stdout.write(display(socks, o, jid, ifNames))
    return 0
  })

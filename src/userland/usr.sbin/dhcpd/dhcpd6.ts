/**
 * `dhcpd -6`, ISC's DHCPv6 server (net/isc-dhcp44-server, what IMUNES's DHCP6+RSOL lab starts with
 * `service isc-dhcpd6 onerestart`): `dhcpd -6 [-d] [-f] [-q] [-t] [-cf FILE] [-lf FILE] [-pf FILE]
 * [if ...]`. It reads dhcpd6.conf (dhcpd6_conf.ts), needs the lease file to exist, takes its server
 * DUID (DUID-LLT of the first Ethernet interface) from the lease file or makes one, listens on a
 * UDP socket on port 547 joined to All_DHCP_Relay_Agents_and_Servers (ff02::1:2) on each interface
 * with an address in a subnet6 (or each named one), and answers to the client's link-local address
 * and port 546 on the interface it came in on. The protocol and bindings are dhcpd6_leases.ts;
 * bindings are written to the lease file in dhcpd.leases(5)'s `ia-na` form and read back at start.
 *
 * `-d` logs to stderr and stays in the foreground, `-f` stays without logging; otherwise it checks
 * the configuration, starts itself again in the background and exits 0. Must not: throw out of its
 * loop (malformed messages are counted and dropped).
 */

import { AF_INET6, IPPROTO_IPV6, IPV6_JOIN_GROUP, SOCK, type SocketFd } from '../../../host/syscalls.js'
import { civilTime } from '../../../util/civil_time.js'
import { isSysError } from '../../../util/errno.js'
import {
  ALL_DHCP_RELAY_AGENTS_AND_SERVERS,
  DHCP6_CLIENT_PORT,
  DHCP6_ERROR_NAMES,
  DHCP6_SERVER_PORT,
  DHCP6_TYPE_NAMES,
  DUID_TIME_EPOCH,
  duidLlt,
  emitDhcp6,
  parseDhcp6,
} from '../../../wire/app/dhcp6.js'
import { formatIpv6, in6IsLinkLocal, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import type { Io, Proc } from '../../types.js'
import { detachServer, leaseDbMissing } from './dhcpd_daemon.js'
import { ConfError, type Dhcpd6Config, in6InPrefix, parseDhcpd6Conf } from './dhcpd6_conf.js'
import { type Binding6, Binding6Table, type Link6 } from './dhcpd6_leases.js'

const DEFAULT_CONF = '/usr/local/etc/dhcpd6.conf'
const DEFAULT_LEASES = '/var/db/dhcpd6.leases'
const DEFAULT_PID = '/var/run/dhcpd6.pid'
const BANNER = `Internet Systems Consortium DHCP Server 4.4.3-P1
Copyright 2004-2022 Internet Systems Consortium.
All rights reserved.
For info, please visit https://www.isc.org/software/dhcp/
`

/** Counters of what the server dropped. */
export interface Dhcpd6Stats {
  received: number
  badMessages: number
  ignored: number
}

export interface Dhcpd6Opts {
  debug: boolean
  foreground: boolean
  quiet: boolean
  test: boolean
  conf: string | undefined
  leases: string | undefined
  pid: string | undefined
  ifs: string[]
}

function when(secs: number): string {
  const t = civilTime(secs)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${t.weekday} ${t.year}/${p(t.month)}/${p(t.day)} ${p(t.hour)}:${p(t.minute)}:${p(t.second)}`
}

/** A byte string as dhcpd.leases(5) writes it: printable characters as they are, others in octal. */
function octal(b: Uint8Array): string {
  let s = ''
  for (const x of b)
    s +=
      x >= 0x20 && x < 0x7f && x !== 0x22 && x !== 0x5c
        ? String.fromCharCode(x)
        : `\\${x.toString(8).padStart(3, '0')}`
  return `"${s}"`
}

function unoctal(s: string): Uint8Array {
  const out: number[] = []
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      out.push(Number.parseInt(s.slice(i + 1, i + 4), 8))
      i += 3
    } else out.push(s.charCodeAt(i) & 0xff)
  }
  return Uint8Array.from(out)
}

/** dhcpd.leases(5) for DHCPv6: the server DUID, then an `ia-na` record (IAID + DUID) per binding. */
export function formatLeases6(serverId: Uint8Array, bindings: readonly Binding6[]): string {
  let s =
    '# The format of this file is documented in the dhcpd.leases(5) manual page.\n' +
    '# This lease file was written by isc-dhcp-4.4.3-P1\n\n' +
    '# authoring-byte-order entry is generated, DO NOT DELETE\nauthoring-byte-order little-endian;\n\n' +
    `server-duid ${octal(serverId)};\n\n`
  for (const b of bindings) {
    if (b.state !== 'active') continue
    const id = new Uint8Array(4 + b.duid.length)
    // ISC writes the IAID in host (little-endian) order before the DUID.
    id[0] = b.iaid & 0xff
    id[1] = (b.iaid >>> 8) & 0xff
    id[2] = (b.iaid >>> 16) & 0xff
    id[3] = (b.iaid >>> 24) & 0xff
    id.set(b.duid, 4)
    s += `ia-na ${octal(id)} {\n  cltt ${when(b.cltt)};\n  iaaddr ${formatIpv6(b.addr)} {\n`
    s += `    binding state active;\n    preferred-life ${b.preferred};\n    max-life ${b.valid};\n    ends ${when(b.ends)};\n  }\n}\n\n`
  }
  return s
}

/** What a lease file written by formatLeases6 holds: the server DUID and the bindings' end times. */
export function readLeases6(text: string): { serverId?: Uint8Array; bindings: Binding6[] } {
  const out: { serverId?: Uint8Array; bindings: Binding6[] } = { bindings: [] }
  const sd = /^server-duid "((?:[^"\\]|\\[0-7]{3})*)";/m.exec(text)
  if (sd !== null) out.serverId = unoctal(sd[1]!)
  const re =
    /ia-na "((?:[^"\\]|\\[0-7]{3})*)" \{\s*cltt \d (\d+)\/(\d+)\/(\d+) (\d+):(\d+):(\d+);\s*iaaddr (\S+) \{\s*binding state active;\s*preferred-life (\d+);\s*max-life (\d+);\s*ends \d (\d+)\/(\d+)\/(\d+) (\d+):(\d+):(\d+);/g
  for (const m of text.matchAll(re)) {
    const id = unoctal(m[1]!)
    const addr = parseIpv6(m[8]!)
    if (id.length < 6 || addr === null || out.bindings.length >= 65536) continue
    const t = (o: number) =>
      Date.UTC(
        Number(m[o]),
        Number(m[o + 1]) - 1,
        Number(m[o + 2]),
        Number(m[o + 3]),
        Number(m[o + 4]),
        Number(m[o + 5]),
      ) / 1000
    out.bindings.push({
      duid: id.slice(4),
      iaid: (id[0]! | (id[1]! << 8) | (id[2]! << 16) | (id[3]! << 24)) >>> 0,
      addr,
      preferred: Number(m[9]),
      valid: Number(m[10]),
      cltt: t(2),
      ends: t(11),
      state: 'active',
    })
  }
  return out
}

/** ISC's odd `transaction ID 0x…`: the three bytes in a little-endian word behind a zero byte. */
function tidText(xid: number): string {
  const b0 = (xid >>> 16) & 0xff
  const b1 = (xid >>> 8) & 0xff
  const b2 = xid & 0xff
  return `0x${(((b0 << 8) | (b1 << 16) | (b2 << 24)) >>> 0).toString(16).toUpperCase().padStart(6, '0')}`
}

export async function dhcpd6(o: Dhcpd6Opts, argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const err = (s: string) => io.stderr.write(s)
  if (!o.quiet) err(BANNER)
  const exiting = (msg: string) => {
    err(`${msg}\n\nexiting.\n`)
    return 1
  }
  const confFile = o.conf ?? DEFAULT_CONF
  const text = proc.fs.read(confFile)
  if (text === undefined) return exiting(`Can't open ${confFile}: No such file or directory`)
  let cfg: Dhcpd6Config
  try {
    cfg = parseDhcpd6Conf(text, confFile)
  } catch (e) {
    if (!(e instanceof ConfError)) throw e
    return exiting(`${e.message}\nConfiguration file errors encountered -- exiting`)
  }
  if (o.test) return 0
  const leaseFile = o.leases ?? cfg.leaseFile ?? DEFAULT_LEASES
  const pidFile = o.pid ?? DEFAULT_PID
  const old = proc.fs.read(leaseFile)
  if (old === undefined) return exiting(leaseDbMissing(leaseFile))
  const sys = proc.sys
  if (!o.debug && !o.foreground) {
    return detachServer(argv, proc)
  }
  const log = o.debug ? (s: string) => err(`${s}\n`) : () => {}
  log(`Config file: ${confFile}\nDatabase file: ${leaseFile}\nPID file: ${pidFile}`)
  const sec = () => Math.floor(sys.now() / 1e9)
  const all = sys.ifList()
  const prior = readLeases6(old)
  const firstMac = all.find((i) => i.mac !== null)?.mac
  if (prior.serverId === undefined && (firstMac === undefined || firstMac === null))
    return exiting('Unable to set server identifier.')
  const serverId = prior.serverId ?? duidLlt(firstMac!, sec() - DUID_TIME_EPOCH)
  const table = new Binding6Table(cfg, serverId, log)
  for (const b of prior.bindings) if (b.ends > sec()) table.restore(b)
  const save = () => {
    if (proc.fs.truncate(leaseFile)) proc.fs.append(leaseFile, formatLeases6(serverId, table.current()))
  }
  save()
  log(`Wrote ${table.current().length} NA, 0 TA, 0 PD leases to lease file.`)
  // Interfaces: those named, or every one with an address in a subnet6.
  const names = o.ifs.length > 0 ? o.ifs : all.filter((i) => i.mac !== null).map((i) => i.name)
  const links = new Map<number, Link6>()
  for (const n of names) {
    const i = all.find((x) => x.name === n)
    if (i === undefined) {
      log(`${n}: interface not found.`)
      continue
    }
    const subnets = cfg.subnets.filter((s) =>
      (i.inet6 ?? []).some((a) => !in6IsLinkLocal(a.addr, 0) && in6InPrefix(a.addr, s.prefix, s.prefixLen)),
    )
    if (subnets.length === 0) {
      if (o.ifs.length > 0 || (i.inet6 ?? []).some((a) => !in6IsLinkLocal(a.addr, 0)))
        log(
          `\nNo subnet6 declaration for ${n} (${(i.inet6 ?? []).map((a) => formatIpv6(a.addr)).find((s) => !s.startsWith('fe80')) ?? 'no IPv6 addresses'}).\n** Ignoring requests on ${n}.  If this is not what\n   you want, please write a subnet6 declaration\n   in your dhcpd.conf file for the network segment\n   to which interface ${n} is attached. **\n`,
        )
      continue
    }
    links.set(i.index, { ifName: n, subnets })
  }
  if (links.size === 0)
    return exiting('\nNo subnet6 declaration for any interface.\nNot configured to listen on any interfaces!')
  let sock: SocketFd
  try {
    sock = sys.socket(AF_INET6, SOCK.DGRAM)
    sock.bind({ addr: 0, port: DHCP6_SERVER_PORT, addr6: new Uint8Array(16) })
    for (const [index] of links)
      sock.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, {
        multiaddr6: ALL_DHCP_RELAY_AGENTS_AND_SERVERS,
        ifindex: index,
      })
  } catch (e) {
    if (!isSysError(e)) throw e
    return exiting(`bind socket to port 547: ${e.strerror}`)
  }
  for (const l of links.values()) log(`Listening on Socket/${l.ifName}\nSending on   Socket/${l.ifName}`)
  if (proc.fs.truncate(pidFile)) proc.fs.append(pidFile, `${proc.pid}\n`)
  log('Server starting service.')
  const stats: Dhcpd6Stats = { received: 0, badMessages: 0, ignored: 0 }
  let stop = () => {}
  const killed = new Promise<void>((res) => {
    stop = res
  })
  const offKill = proc.onKill(() => {
    stop()
    sock.close()
  })
  try {
    while (!proc.killed) {
      type Got = Awaited<ReturnType<SocketFd['recvfrom']>>
      const got: Got | Error | null = await Promise.race([
        sock.recvfrom(65536).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
        killed.then(() => null),
      ])
      if (got === null || proc.killed) break
      if (got instanceof Error) {
        if (!isSysError(got)) throw got
        continue
      }
      stats.received++
      const from = got.from
      const link = links.get(from.scopeId ?? 0)
      const p = parseDhcp6(got.data)
      if (!p.ok) {
        stats.badMessages++
        log(
          `Discarding malformed DHCPv6 message from ${from.addr6 ? formatIpv6(from.addr6) : '?'} (${DHCP6_ERROR_NAMES[p.error]}).`,
        )
        continue
      }
      const peer = from.addr6 === undefined ? '?' : formatIpv6(from.addr6)
      log(
        `${DHCP6_TYPE_NAMES[p.msg.type]} message from ${peer} port ${from.port}, transaction ID ${tidText(p.msg.xid)}`,
      )
      if (link === undefined || from.addr6 === undefined) {
        stats.ignored++
        continue
      }
      const r = table.handle(p.msg, link, sec())
      if (r === null) {
        stats.ignored++
        continue
      }
      try {
        sock.sendto(emitDhcp6(r), {
          addr: 0,
          port: from.port || DHCP6_CLIENT_PORT,
          addr6: from.addr6,
          scopeId: from.scopeId,
        })
        log(`Sending ${DHCP6_TYPE_NAMES[r.type]} to ${peer} port ${from.port}`)
      } catch (e) {
        if (!isSysError(e)) throw e
        log(`send_packet6: ${e.strerror}`)
      }
      save()
    }
    return 0
  } finally {
    offKill()
    sock.close()
  }
}

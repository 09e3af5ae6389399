/**
 * ISC's dhclient (net/isc-dhcp44-client, installed as /usr/local/sbin/dhclient beside FreeBSD's
 * /sbin/dhclient) for DHCPv6: `dhclient -6 [-dv] [-nw] [-cf FILE] [-lf FILE] [-pf FILE] IF`, as
 * IMUNES's DHCP6+RSOL lab runs it. It talks over a UDP socket on port 546 to ff02::1:2 port 547
 * from the interface's link-local address (client6_state.ts is the protocol), keeps its DUID-LLT in
 * the lease file (/var/db/dhclient6.leases) so a restart is the same client, and does what ISC's
 * FreeBSD dhclient-script does: BOUND6 `ifconfig IF inet6 ADDR/128 alias` (ISC's default prefix
 * length; on-link comes from RAs) and /etc/resolv.conf from the DNS options, EXPIRE6 `-alias`.
 * Without -6 it hands the work to FreeBSD's dhclient.
 *
 * Without -d it stays in the foreground until bound, then goes on as a daemon (a child started
 * with -d keeps the lease, renewing at T1 and rebinding at T2, until killed); -nw detaches at once.
 * -v (or -d) shows ISC's log lines on stderr. Must not: throw out of its loop (a malformed message
 * is counted and dropped), or touch anything but its interface's addresses and resolv.conf.
 */

import type { SocketFd, Syscalls } from '../../../host/syscalls.js'
import { AF_INET6, IPPROTO_IPV6, IPV6_MULTICAST_IF, SOCK } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import {
  ALL_DHCP_RELAY_AGENTS_AND_SERVERS,
  DHCP6_CLIENT_PORT,
  DHCP6_SERVER_PORT,
  DHCP6_TYPE_NAMES,
  DUID_TIME_EPOCH,
  duidLlt,
  emitDhcp6,
  formatHexColons,
  parseDhcp6,
} from '../../../wire/app/dhcp6.js'
import { formatIpv6, in6IsLinkLocal } from '../../../wire/inet6/in6_addr.js'
import { type DaemonStream, daemonLaunch } from '../../lib/libc/daemon.js'
import type { Io, Proc } from '../../types.js'
import { dhclient } from '../dhclient/dhclient.js'
import { Dhcp6Client, type Lease6 } from './client6_state.js'

const USAGE = `Usage: dhclient [-4|-6] [-SNTPRI1dvrxi] [-nw] -4o6 <port>] [-p <port>] [-D LL|LLT]
                [--dad-wait-time <seconds>] [--prefix-len-hint <length>]
                [--decline-wait-time <seconds>]
                [--address-prefix-len <length>]
                [-s server-addr] [-cf config-file]
                [-df duid-file] [-lf lease-file]
                [-pf pid-file] [--no-pid] [-e VAR=val]
                [-sf script-file] [interface]*`
const BANNER = [
  'Internet Systems Consortium DHCP Client 4.4.3-P1',
  'Copyright 2004-2022 Internet Systems Consortium.',
  'All rights reserved.',
  'For info, please visit https://www.isc.org/software/dhcp/',
  '',
] as const
/** DHCLIENT_DEFAULT_PREFIX_LEN in ISC 4.4's site.h. */
const DEFAULT_PREFIX_LEN = 128

interface Opts {
  v6: boolean
  debug: boolean
  verbose: boolean
  nowait: boolean
  leaseFile: string
  prefixLen: number
  ifName: string | undefined
}

function parse(argv: readonly string[]): Opts | string {
  const o: Opts = {
    v6: false,
    debug: false,
    verbose: false,
    nowait: false,
    leaseFile: '/var/db/dhclient6.leases',
    prefixLen: DEFAULT_PREFIX_LEN,
    ifName: undefined,
  }
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!
    const val = (): string | undefined => argv[++i]
    if (a === '-6') o.v6 = true
    else if (a === '-4') o.v6 = false
    else if (a === '-d') {
      // ISC: -d also shows the log on stderr (quiet = 0); a later -q hides it again.
      o.debug = true
      o.verbose = true
    } else if (a === '-v') o.verbose = true
    else if (a === '-q') o.verbose = false
    else if (a === '-nw') o.nowait = true
    else if (a === '-1' || a === '--no-pid' || a === '-N' || a === '-I' || a === '--child') continue
    else if (
      a === '-cf' ||
      a === '-pf' ||
      a === '-sf' ||
      a === '-df' ||
      a === '-D' ||
      a === '-p' ||
      a === '-s'
    ) {
      if (val() === undefined) return `${a} requires an argument`
    } else if (a === '-lf') {
      const v = val()
      if (v === undefined) return '-lf requires an argument'
      o.leaseFile = v
    } else if (a === '--address-prefix-len') {
      const v = Number(val())
      if (!Number.isInteger(v) || v < 0 || v > 128) return 'invalid value for --address-prefix-len'
      o.prefixLen = v
    } else if (a.startsWith('-')) return `Unknown command: ${a}`
    else if (o.ifName !== undefined) return 'Only one interface may be given with -6 here.'
    else o.ifName = a
  }
  return o
}

export async function iscDhclient(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const o = parse(argv)
  if (typeof o === 'string') {
    io.stderr.write(`${o}\n${USAGE}\n`)
    return 1
  }
  if (!o.v6) {
    // DHCPv4: FreeBSD's client does it here (ISC's own v4 client is not built in).
    const args = argv
      .slice(1)
      .filter((a, i, all) => a !== '-4' && a !== '-v' && a !== '-cf' && all[i - 1] !== '-cf')
    return dhclient(['dhclient', ...args], io, proc)
  }
  if (o.ifName === undefined) {
    io.stderr.write(`No interfaces available for DHCPv6.\n${USAGE}\n`)
    return 1
  }
  const quiet = !o.verbose
  if (!quiet && !argv.includes('--child')) for (const l of BANNER) io.stderr.write(`${l}\n`)
  if (!o.debug) return launch(argv, io, proc, o.nowait)
  return run(o, quiet, io, proc)
}

/** daemon(3)'s foreground half: the child does the work; return once it has bound. */
function launch(argv: readonly string[], io: Io, proc: Proc, nowait: boolean): Promise<number> {
  const verbose = argv.includes('-v')
  const args = argv.slice(1).filter((a) => a !== '-nw' && a !== '-v')
  return daemonLaunch(
    ['isc-dhclient', '-d', ...(verbose ? ['-v'] : ['-q']), '--child', ...args],
    io,
    proc,
    nowait,
  )
}

/** The DUID kept in the lease file (`default-duid "…";`), or a new DUID-LLT. */
function loadDuid(proc: Proc, file: string, mac: number): Uint8Array {
  const m = /^default-duid "((?:[^"\\]|\\[0-7]{3})*)";/m.exec(proc.fs.read(file) ?? '')
  if (m !== null) {
    const out: number[] = []
    const s = m[1]!
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '\\') {
        out.push(Number.parseInt(s.slice(i + 1, i + 4), 8))
        i += 3
      } else out.push(s.charCodeAt(i))
    }
    if (out.length >= 4) return Uint8Array.from(out)
  }
  return duidLlt(mac, Math.floor(proc.sys.now() / 1e9) - DUID_TIME_EPOCH)
}

function octal(b: Uint8Array): string {
  let s = ''
  for (const x of b)
    s +=
      x >= 0x20 && x < 0x7f && x !== 0x22 && x !== 0x5c
        ? String.fromCharCode(x)
        : `\\${x.toString(8).padStart(3, '0')}`
  return s
}

/** dhclient.leases(5) for DHCPv6: the DUID, then the current lease. */
export function formatLease6(ifName: string, duid: Uint8Array, l: Lease6 | null, startSec: number): string {
  let s = `default-duid "${octal(duid)}";\n`
  if (l === null) return s
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16)).join(':')
  s += `lease6 {\n  interface "${ifName}";\n  ia-na ${formatHexColons(Uint8Array.of(l.iaid >>> 24, (l.iaid >>> 16) & 0xff, (l.iaid >>> 8) & 0xff, l.iaid & 0xff))} {\n`
  s += `    starts ${startSec};\n    renew ${l.t1};\n    rebind ${l.t2};\n    iaaddr ${formatIpv6(l.addr)} {\n`
  s += `      starts ${startSec};\n      preferred-life ${l.preferred};\n      max-life ${l.valid};\n    }\n  }\n`
  s += `  option dhcp6.client-id ${hex(duid)};\n  option dhcp6.server-id ${hex(l.serverId)};\n`
  if (l.dnsServers !== undefined)
    s += `  option dhcp6.name-servers ${l.dnsServers.map((a) => formatIpv6(a)).join(',')};\n`
  if (l.domainList !== undefined)
    s += `  option dhcp6.domain-search ${l.domainList.map((d) => `"${d}."`).join(',')};\n`
  return `${s}}\n`
}

/** What ISC's FreeBSD dhclient-script's make_resolv_conf writes for DHCPv6. */
export function resolvConf6(ifName: string, l: Lease6): string | undefined {
  if (l.dnsServers === undefined || l.dnsServers.length === 0) return undefined
  let s = l.domainList !== undefined && l.domainList.length > 0 ? `search ${l.domainList.join(' ')}\n` : ''
  for (const a of l.dnsServers) {
    const t = formatIpv6(a)
    s += `nameserver ${t}${t.startsWith('fe80:') ? `%${ifName}` : ''}\n`
  }
  return s
}

function random32(sys: Syscalls): number {
  const b = sys.getrandom(4)
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0
}

async function run(o: Opts, quiet: boolean, io: Io, proc: Proc): Promise<number> {
  const sys = proc.sys
  const ifName = o.ifName!
  const err = io.stderr as DaemonStream
  const note = (s: string) => {
    if (!quiet) io.stderr.write(`${s}\n`)
  }
  let info: ReturnType<Syscalls['ifGet']>
  try {
    info = sys.ifGet(ifName)
    // PREINIT6: ifconfig IF up.
    sys.ifSetUp(ifName, true)
  } catch (e) {
    if (!isSysError(e)) throw e
    io.stderr.write(`${ifName}: interface not found.\n`)
    return 1
  }
  if (info.mac === null) {
    io.stderr.write(`${ifName}: unsupported device type\n`)
    return 1
  }
  // ISC's if_register6 sends from the link-local address and gives up without one (an interface
  // whose IPv6 is still IFDISABLED has none), rather than waiting for it.
  if (sys.ifGet(ifName).inet6?.some((a) => in6IsLinkLocal(a.addr)) !== true) {
    io.stderr.write(`no link-local IPv6 address for ${ifName}\n`)
    return 1
  }
  const mac = info.mac
  const duid = loadDuid(proc, o.leaseFile, mac)
  let sock: SocketFd
  try {
    sock = sys.socket(AF_INET6, SOCK.DGRAM)
    sock.bind({ addr: 0, port: DHCP6_CLIENT_PORT, addr6: new Uint8Array(16) })
    sock.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_IF, info.index)
  } catch (e) {
    if (!isSysError(e)) throw e
    io.stderr.write(`Can't bind to dhcp address: ${e.strerror}\n`)
    return 1
  }
  note(`Listening on Socket/${ifName}`)
  note(`Sending on   Socket/${ifName}`)
  const save = (l: Lease6 | null) => {
    if (proc.fs.truncate(o.leaseFile))
      proc.fs.append(o.leaseFile, formatLease6(ifName, duid, l, Math.floor(sys.now() / 1e9)))
  }
  save(null)
  // IAID: the last four bytes of the link-layer address, as ISC forms it.
  const iaid = (mac % 2 ** 32) >>> 0
  const client = new Dhcp6Client({
    duid,
    iaid,
    ifName,
    random: () => random32(sys) / 2 ** 32,
    xid: () => random32(sys) & 0xffffff,
    note,
    send: (m) => {
      try {
        sock.sendto(emitDhcp6(m), {
          addr: 0,
          port: DHCP6_SERVER_PORT,
          addr6: ALL_DHCP_RELAY_AGENTS_AND_SERVERS,
          scopeId: info.index,
        })
      } catch (e) {
        if (!isSysError(e)) throw e
        note(`dhc6: send_packet6() failed: ${e.strerror}`)
      }
    },
    bind: (l, _old, reason) => {
      try {
        if (reason === 'BOUND6') sys.inet6.addAddr(ifName, l.addr, o.prefixLen)
      } catch (e) {
        if (!isSysError(e)) throw e
        note(`ifconfig: ioctl (SIOCAIFADDR): ${e.strerror}`)
      }
      const r = resolvConf6(ifName, l)
      if (r !== undefined && proc.fs.read('/etc/resolv.conf') !== r && proc.fs.truncate('/etc/resolv.conf'))
        proc.fs.append('/etc/resolv.conf', r)
      save(l)
    },
    expire: (l) => {
      try {
        sys.inet6.delAddr(ifName, l.addr)
      } catch (e) {
        if (!isSysError(e)) throw e
      }
      save(null)
    },
    daemon: () => err.detach?.(),
  })
  let stop = () => {}
  const killed = new Promise<null>((res) => {
    stop = () => res(null)
  })
  const offKill = proc.onKill(() => {
    stop()
    sock.close()
  })
  try {
    client.begin(sys.now())
    while (!proc.killed) {
      const due = client.nextTimeout()
      const wait = due === Number.POSITIVE_INFINITY ? undefined : due - sys.now()
      if (wait !== undefined && wait <= 0) {
        client.tick(sys.now())
        continue
      }
      type Got = Awaited<ReturnType<SocketFd['recvfrom']>>
      const got: Got | Error | null = await Promise.race([
        sock.recvfrom(65536, 0, wait).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
        killed,
      ])
      if (got === null || proc.killed) break
      if (!(got instanceof Error)) {
        const p = parseDhcp6(got.data)
        if (!p.ok) {
          client.stats.ignored++
          note('Discarding malformed DHCPv6 message.')
        } else if (got.from.scopeId === info.index || got.from.scopeId === undefined) {
          const t = p.msg.type
          if (t === 2 || t === 7)
            note(
              `RCV: ${DHCP6_TYPE_NAMES[t]} message on ${ifName} from ${got.from.addr6 ? formatIpv6(got.from.addr6) : '?'}.`,
            )
          client.input(p.msg, sys.now())
        }
      } else if (!isSysError(got)) throw got
      client.tick(sys.now())
    }
    return 0
  } finally {
    offKill()
    sock.close()
  }
}

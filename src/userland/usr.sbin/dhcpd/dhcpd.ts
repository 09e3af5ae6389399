/**
 * dhcpd(8), ISC's DHCP server (net/isc-dhcp44-server, what IMUNES's DHCP lab runs), as a VirtNet
 * process: `dhcpd [-d] [-f] [-q] [-t] [-cf config-file] [-lf lease-file] [-pf pid-file] [if ...]`.
 * It reads dhcpd.conf (dhcpd_conf.ts), needs the lease file to exist (as ISC does: the lab's script
 * touches it first), listens through bpf on each interface that has a subnet declaration (or those
 * named), answers with whole frames written to bpf (a client without an address gets its offer at
 * its MAC), and unicasts to a client that has an address through a UDP socket on port 67 (ISC's
 * fallback interface), which also keeps the stack from answering port 67 with ICMP unreachables.
 * The lease table and the protocol are dhcpd_leases.ts; leases are written to the lease file.
 *
 * `-d` logs to stderr and stays in the foreground, `-f` stays without logging; otherwise it checks
 * the configuration, starts itself again in the background and exits 0. Must not: throw out of its
 * loops (malformed frames and messages are counted and dropped), or grow its table past the
 * configured pools and hosts.
 */

import { AF_INET, SOCK, type SocketFd, type Syscalls } from '../../../host/syscalls.js'
import { civilTime } from '../../../util/civil_time.js'
import { isSysError } from '../../../util/errno.js'
import { BROADCAST_MAC, formatIpv4, formatMac, maskToPrefix } from '../../../wire/addr.js'
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpError, emitDhcp, parseDhcp } from '../../../wire/app/dhcp.js'
import {
  buildUdpFrame,
  decodeUdpFrame,
  FrameError,
  newDecodedFrame,
  udpDstPortFilter,
} from '../../lib/libdhcp/frame.js'
import type { Io, Proc } from '../../types.js'
import { ConfError, type DhcpdConfig, parseDhcpdConf } from './dhcpd_conf.js'
import { detachServer, leaseDbMissing } from './dhcpd_daemon.js'
import { LeaseTable, type Reply, type ServerLease } from './dhcpd_leases.js'
import { dhcpd6 } from './dhcpd6.js'

const DEFAULT_CONF = '/usr/local/etc/dhcpd.conf'
const DEFAULT_LEASES = '/var/db/dhcpd.leases'
const DEFAULT_PID = '/var/run/dhcpd.pid'
const SERVER_TTL = 128
const DHCP_ERROR_NAMES: readonly string[] = [
  '',
  'bad length',
  'bad op',
  'bad hlen',
  'no magic cookie',
  'truncated option',
  'bad message type',
]
const MAX_FRAMES = 64
const USAGE = `Usage: dhcpd [-p <UDP port #>] [-f] [-d] [-q] [-t|-T]
             [-4|-6] [-cf config-file] [-lf lease-file]
             [-pf pid-file] [--no-pid] [-s server]
             [if0 [...ifN]]`
const BANNER = `Internet Systems Consortium DHCP Server 4.4.3-P1
Copyright 2004-2022 Internet Systems Consortium.
All rights reserved.
For info, please visit https://www.isc.org/software/dhcp/
`

/** Counters of what the server dropped, kept per process. */
export interface DhcpdStats {
  frames: number
  badFrames: number
  badMessages: number
}

interface Opts {
  debug: boolean
  foreground: boolean
  quiet: boolean
  test: boolean
  conf: string
  leases: string | undefined
  pid: string
  ifs: string[]
  v6: boolean
}

function parseArgs(argv: readonly string[]): Opts | string {
  const o: Opts = {
    debug: false,
    foreground: false,
    quiet: false,
    test: false,
    conf: DEFAULT_CONF,
    leases: undefined,
    pid: DEFAULT_PID,
    ifs: [],
    v6: false,
  }
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!
    const val = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} requires an argument`)
      return v
    }
    try {
      if (a === '-d') o.debug = true
      else if (a === '-f') o.foreground = true
      else if (a === '-q') o.quiet = true
      else if (a === '-t' || a === '-T') o.test = true
      else if (a === '-6') o.v6 = true
      else if (a === '-4' || a === '--no-pid') continue
      else if (a === '-cf') o.conf = val()
      else if (a === '-lf') o.leases = val()
      else if (a === '-pf') o.pid = val()
      else if (a === '-p' || a === '-s' || a === '-user' || a === '-group' || a === '-chroot') val()
      else if (a.startsWith('-')) return `Unknown command ${a}`
      else o.ifs.push(a)
    } catch (e) {
      return (e as Error).message
    }
  }
  return o
}

function when(secs: number): string {
  const t = civilTime(secs)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${t.weekday} ${t.year}/${p(t.month)}/${p(t.day)} ${p(t.hour)}:${p(t.minute)}:${p(t.second)}`
}

/** dhcpd.leases(5): the header ISC writes, then a record per lease. */
export function formatLeases(leases: readonly ServerLease[]): string {
  let s =
    '# The format of this file is documented in the dhcpd.leases(5) manual page.\n' +
    '# This lease file was written by isc-dhcp-4.4.3-P1\n\n' +
    '# authoring-byte-order entry is generated, DO NOT DELETE\nauthoring-byte-order little-endian;\n\n'
  for (const l of leases) {
    s += `lease ${formatIpv4(l.addr)} {\n  starts ${when(l.starts)};\n  ends ${when(l.ends)};\n  cltt ${when(l.starts)};\n`
    s += `  binding state ${l.state};\n  next binding state free;\n  rewind binding state free;\n`
    s += `  hardware ethernet ${formatMac(l.mac)};\n`
    if (l.hostname !== undefined) s += `  client-hostname "${l.hostname.replace(/["\\]/g, '\\$&')}";\n`
    s += '}\n'
  }
  return s
}

interface Listener {
  name: string
  mac: number
  addr: number
  fd: ReturnType<Syscalls['bpfOpen']>
}

export async function dhcpd(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const o = parseArgs(argv)
  if (typeof o === 'string') {
    io.stderr.write(`${o}\n${USAGE}\n`)
    return 1
  }
  if (o.v6) {
    const given = (f: string) => argv.includes(f)
    return dhcpd6(
      {
        ...o,
        conf: given('-cf') ? o.conf : undefined,
        leases: o.leases,
        pid: given('-pf') ? o.pid : undefined,
      },
      argv,
      io,
      proc,
    )
  }
  const err = (s: string) => io.stderr.write(s)
  if (!o.quiet) err(BANNER)
  const exiting = (msg: string) => {
    err(`${msg}\n\nexiting.\n`)
    return 1
  }
  const text = proc.fs.read(o.conf)
  if (text === undefined) return exiting(`Can't open ${o.conf}: No such file or directory`)
  let cfg: DhcpdConfig
  try {
    cfg = parseDhcpdConf(text, o.conf)
  } catch (e) {
    if (!(e instanceof ConfError)) throw e
    return exiting(`${e.message}\nConfiguration file errors encountered -- exiting`)
  }
  if (o.test) return 0
  const leaseFile = o.leases ?? cfg.leaseFile ?? DEFAULT_LEASES
  if (!proc.fs.has(leaseFile)) return exiting(leaseDbMissing(leaseFile))
  const sys = proc.sys
  if (!o.debug && !o.foreground) {
    return detachServer(argv, proc)
  }
  const log = o.debug ? (s: string) => err(`${s}\n`) : () => {}
  log(`Config file: ${o.conf}\nDatabase file: ${leaseFile}\nPID file: ${o.pid}`)
  const table = new LeaseTable(cfg, log)
  const sec = () => Math.floor(sys.now() / 1e9)
  const save = () => {
    if (proc.fs.truncate(leaseFile)) proc.fs.append(leaseFile, formatLeases(table.current(sec())))
  }
  save()
  log(`Wrote 0 leases to leases file.`)
  // Interfaces: those named, or every one with an address in a declared subnet.
  const all = sys.ifList()
  const names =
    o.ifs.length > 0 ? o.ifs : all.filter((i) => i.mac !== null && i.addrs.length > 0).map((i) => i.name)
  const listeners: Listener[] = []
  for (const n of names) {
    const i = all.find((x) => x.name === n)
    if (i === undefined || i.mac === null) {
      log(`${n}: interface not found.`)
      continue
    }
    const a = i.addrs.find((x) => table.subnetOf(x.addr >>> 0) !== undefined)
    if (a === undefined) {
      if (o.ifs.length > 0 || i.addrs.length > 0)
        log(
          `\nNo subnet declaration for ${n} (${i.addrs[0] === undefined ? 'no IPv4 addresses' : formatIpv4(i.addrs[0].addr)}).\n** Ignoring requests on ${n}.  If this is not what\n   you want, please write a subnet declaration\n   in your dhcpd.conf file for the network segment\n   to which interface ${n} is attached. **\n`,
        )
      continue
    }
    const s = table.subnetOf(a.addr >>> 0)!
    let fd: Listener['fd']
    try {
      fd = sys.bpfOpen(n, { filter: udpDstPortFilter(DHCP_SERVER_PORT), bufsize: 65536 })
    } catch (e) {
      if (!isSysError(e)) throw e
      log(`Can't attach interface ${n} to bpf device: ${e.strerror}`)
      continue
    }
    const where = `BPF/${n}/${formatMac(i.mac)}/${formatIpv4(s.net)}/${maskToPrefix(s.mask)}`
    log(`Listening on ${where}\nSending on   ${where}`)
    listeners.push({ name: n, mac: i.mac, addr: a.addr >>> 0, fd })
  }
  if (listeners.length === 0) {
    return exiting('\nNot configured to listen on any interfaces!')
  }
  let sock: SocketFd
  try {
    sock = sys.socket(AF_INET, SOCK.DGRAM)
    sock.bind({ addr: 0, port: DHCP_SERVER_PORT })
  } catch (e) {
    for (const l of listeners) l.fd.close()
    if (!isSysError(e)) throw e
    return exiting(
      `Can't bind to dhcp address: ${e.strerror}\nPlease make sure there is no other dhcp server\nrunning and that there's no entry for dhcp or\nbootp in /etc/inetd.conf.`,
    )
  }
  log('Sending on   Socket/fallback/fallback-net')
  if (proc.fs.truncate(o.pid)) proc.fs.append(o.pid, `${proc.pid}\n`)
  log('Server starting service.')
  const stats: DhcpdStats = { frames: 0, badFrames: 0, badMessages: 0 }
  let stop = () => {}
  const killed = new Promise<void>((res) => {
    stop = res
  })
  const offKill = proc.onKill(() => {
    stop()
    sock.close()
  })

  const send = (l: Listener, r: Reply) => {
    const payload = emitDhcp(r.msg)
    try {
      if (r.dstIp !== 0xffffffff && r.dstMac < 0)
        sock.sendto(payload, { addr: r.dstIp, port: DHCP_CLIENT_PORT })
      else {
        const dstMac = r.dstIp === 0xffffffff ? BROADCAST_MAC : r.dstMac
        const a = {
          srcMac: l.mac,
          dstMac,
          srcIp: l.addr,
          dstIp: r.dstIp,
          srcPort: DHCP_SERVER_PORT,
          dstPort: DHCP_CLIENT_PORT,
        }
        l.fd.write(buildUdpFrame(a, payload, SERVER_TTL))
      }
    } catch (e) {
      if (!isSysError(e)) throw e
      log(`send_packet: ${e.strerror}`)
    }
  }

  const serve = async (l: Listener) => {
    const frames: Uint8Array[] = []
    const d = newDecodedFrame()
    while (!proc.killed) {
      frames.length = 0
      try {
        await l.fd.read(
          (r) => {
            if (!r.out && frames.length < MAX_FRAMES) frames.push(r.buf.slice(r.off, r.off + r.caplen))
          },
          Number.POSITIVE_INFINITY,
          killed,
        )
      } catch (e) {
        if (!isSysError(e)) throw e
        log(`receive_packet failed on ${l.name}: ${e.strerror}`)
        return
      }
      for (const f of frames) {
        stats.frames++
        decodeUdpFrame(f, 0, f.length, d)
        if (d.error !== FrameError.OK) {
          // decode_udp_ip_header's running report.
          stats.badFrames++
          log(`${stats.badFrames} bad udp checksums in ${stats.frames} packets`)
          continue
        }
        const p = parseDhcp(f, d.payloadOff, d.payloadLen)
        if (!p.ok) {
          stats.badMessages++
          log(
            p.error === DhcpError.BAD_HLEN
              ? 'Discarding packet with bogus hlen.'
              : `Discarding malformed packet on ${l.name} (${DHCP_ERROR_NAMES[p.error]}).`,
          )
          continue
        }
        const r = table.handle(p.msg, { ifName: l.name, addr: l.addr }, sec())
        if (r !== null) {
          send(l, r)
          save()
        }
      }
    }
  }

  /** The fallback socket hears port 67 too; what it hears was already read through bpf. */
  const drain = async () => {
    while (!proc.killed) {
      try {
        await sock.recvfrom(2048, 0)
      } catch (e) {
        if (!isSysError(e)) throw e
        if (e.code !== 'EAGAIN') return
      }
    }
  }

  try {
    await Promise.all([...listeners.map(serve), drain()])
    return 0
  } finally {
    offKill()
    for (const l of listeners) l.fd.close()
    sock.close()
  }
}

/**
 * dhclient(8), FreeBSD's DHCP client, as a VirtNet process: `dhclient [-bdq] [-c file] [-l file]
 * [-p file] interface`. It talks through bpf on the interface (a `udp dst port 68` filter to read,
 * whole frames from 0.0.0.0 to 255.255.255.255 to write) until it has an address, and unicasts its
 * renewals through a raw IPPROTO_UDP socket from the leased address, as FreeBSD's does. The state
 * machine is client_state.ts; what dhclient-script would do (ifconfig, route add default,
 * /etc/resolv.conf, the lease file) is dhclient_script.ts.
 *
 * Without -d it stays in the foreground until it is bound (or has given up for now), then goes on
 * as a daemon: here the work is a child process started with -d, whose messages reach the caller's
 * stderr until it detaches (go_daemon), after which this process exits 0 and the child keeps the
 * lease (renewal at T1, rebinding at T2) until killed. `-b` detaches at once.
 *
 * Must not: throw out of its loop (a frame it cannot use is counted and dropped), or configure
 * anything but its own interface, routes and resolv.conf.
 */

import type { Syscalls } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import { BROADCAST_MAC } from '../../../wire/addr.js'
import {
  DHCP_CLIENT_PORT,
  DHCP_SERVER_PORT,
  type DhcpRepr,
  emitDhcp,
  parseDhcp,
} from '../../../wire/app/dhcp.js'
import { getopt } from '../../getopt.js'
import { type DaemonStream, daemonLaunch } from '../../lib/libc/daemon.js'
import {
  buildUdpDatagram,
  buildUdpFrame,
  decodeUdpFrame,
  FrameError,
  newDecodedFrame,
  udpDstPortFilter,
} from '../../lib/libdhcp/frame.js'
import type { Io, Proc } from '../../types.js'
import { type ClientHost, type ClientLease, DhcpClient } from './client_state.js'
import { applyLease, dropLease, writeLeaseFile } from './dhclient_script.js'

const USAGE = 'usage: dhclient [-bdqu] [-c conffile] [-l leasefile] [-p pidfile] interface'
/** IPPROTO_UDP, for the raw socket renewals leave by. */
const IPPROTO_UDP = 17
/** dhclient's IP TTL (assemble_udp_ip_header). */
const CLIENT_TTL = 16
/** Frames taken from one bpf read; more wait for the next. */
const MAX_FRAMES = 64

/** Counters of what the client refused, for tests and `-d` runs. */
export interface DhclientStats {
  badFrames: number
  badMessages: number
}

function random32(sys: Syscalls): number {
  const b = sys.getrandom(4)
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0
}

export async function dhclient(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const o = getopt('dhclient', argv.slice(1), 'bdquc:l:p:')
  if (typeof o === 'string' || o.rest.length !== 1) {
    io.stderr.write(`${typeof o === 'string' ? `${o}\n` : ''}${USAGE}\n`)
    return 64
  }
  const ifName = o.rest[0]!
  let foreground = false
  let background = false
  let quiet = false
  let leaseFile = `/var/db/dhclient.leases.${ifName}`
  for (const [f, v] of o.opts) {
    if (f === 'd') foreground = true
    else if (f === 'b') background = true
    else if (f === 'q') quiet = true
    else if (f === 'l') leaseFile = v
  }
  const sys = proc.sys
  let mac: number | null
  try {
    mac = sys.ifGet(ifName).mac
  } catch {
    io.stderr.write(`dhclient: ${ifName}: not found\n`)
    return 1
  }
  if (mac === null) {
    io.stderr.write(`dhclient: ${ifName}: not an Ethernet interface\n`)
    return 1
  }
  const ppid = sys.procList().find((p) => p.pid === proc.pid)?.ppid ?? 0
  const other = sys
    .procList()
    .find(
      (p) =>
        p.comm === 'dhclient' &&
        p.pid !== proc.pid &&
        p.pid !== ppid &&
        p.jid === sys.jid &&
        p.args.split(' ').at(-1) === ifName,
    )
  if (other !== undefined) {
    io.stderr.write(`dhclient already running, pid: ${other.pid}.\n`)
    return 1
  }
  if (!foreground) return launch(argv, io, proc, background)
  return run(ifName, mac, leaseFile, quiet, io, proc)
}

/** The foreground part of a daemon(3): the child does the work; return once it detaches. */
function launch(argv: readonly string[], io: Io, proc: Proc, background: boolean): Promise<number> {
  const args = argv.slice(1).filter((a) => a !== '-b')
  return daemonLaunch(['dhclient', '-d', ...args], io, proc, background)
}

async function run(
  ifName: string,
  mac: number,
  leaseFile: string,
  quiet: boolean,
  io: Io,
  proc: Proc,
): Promise<number> {
  const sys = proc.sys
  const err = io.stderr as DaemonStream
  const note = (s: string) => {
    if (!quiet) io.stderr.write(`${s}\n`)
  }
  try {
    sys.ifSetUp(ifName, true)
  } catch (e) {
    if (!isSysError(e)) throw e
    io.stderr.write(`dhclient: ${ifName}: ${e.strerror}\n`)
    return 1
  }
  let bpf: ReturnType<Syscalls['bpfOpen']>
  try {
    bpf = sys.bpfOpen(ifName, { filter: udpDstPortFilter(DHCP_CLIENT_PORT), bufsize: 65536 })
  } catch (e) {
    if (!isSysError(e)) throw e
    io.stderr.write(`dhclient: Can't open bpf: ${e.strerror}\n`)
    return 1
  }
  const raw = sys.rawSocket(IPPROTO_UDP)
  const stats: DhclientStats = { badFrames: 0, badMessages: 0 }
  const host: ClientHost = {
    ifName,
    mac,
    hostname: sys.getHostname(),
    random: () => random32(sys),
    note,
    send: (msg: DhcpRepr, from: number, to: number) => {
      const payload = emitDhcp(msg)
      try {
        if (to === 0xffffffff) {
          const a = {
            srcMac: mac,
            dstMac: BROADCAST_MAC,
            srcIp: from,
            dstIp: to,
            srcPort: DHCP_CLIENT_PORT,
            dstPort: DHCP_SERVER_PORT,
          }
          bpf.write(buildUdpFrame(a, payload, CLIENT_TTL))
        } else
          raw.send(to, buildUdpDatagram(from, to, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, payload), { src: from })
      } catch (e) {
        if (!isSysError(e)) throw e
        note(`send_packet: ${e.strerror}`)
      }
    },
    bind: (lease: ClientLease, old: ClientLease | null, reason) => {
      applyLease(sys, proc.fs, ifName, lease, old, reason)
      writeLeaseFile(proc.fs, leaseFile, ifName, lease)
    },
    expire: (old: ClientLease) => dropLease(sys, ifName, old),
    daemon: () => err.detach?.(),
  }
  const client = new DhcpClient(host)
  let stop = () => {}
  const killed = new Promise<void>((res) => {
    stop = res
  })
  const offKill = proc.onKill(() => stop())
  const sec = () => Math.floor(sys.now() / 1e9)
  const frames: Uint8Array[] = []
  const d = newDecodedFrame()
  try {
    client.start(sec())
    while (!proc.killed) {
      const due = client.nextTimeout()
      const waitNs = due === Number.POSITIVE_INFINITY ? due : due * 1e9 - sys.now()
      if (waitNs <= 0) {
        client.tick(sec())
        continue
      }
      frames.length = 0
      try {
        await bpf.read(
          (r) => {
            if (frames.length < MAX_FRAMES) frames.push(r.buf.slice(r.off, r.off + r.caplen))
          },
          waitNs,
          killed,
        )
      } catch (e) {
        if (!isSysError(e)) throw e
        note(`Interface ${ifName} no longer appears valid.`)
        return 1
      }
      for (const f of frames) {
        decodeUdpFrame(f, 0, f.length, d)
        if (d.error !== FrameError.OK || d.srcPort !== DHCP_SERVER_PORT) {
          stats.badFrames++
          continue
        }
        const p = parseDhcp(f, d.payloadOff, d.payloadLen)
        if (!p.ok) {
          stats.badMessages++
          continue
        }
        client.input(p.msg, d.srcIp, sec())
      }
      client.tick(sec())
    }
    return 0
  } finally {
    offKill()
    bpf.close()
    raw.close()
  }
}

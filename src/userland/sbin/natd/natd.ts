/**
 * natd(8): network address translation in a process, over a divert(4) socket. It binds the divert
 * port (`-p`, default natd = 8668 of /etc/services), reads every packet ipfw's `divert natd` rules
 * send there, tells the direction from the sockaddr as natd.c does (sin_addr set: incoming, put
 * through LibAliasIn; 0.0.0.0: outgoing, LibAliasOut) and writes it back with the same sockaddr, so
 * ipfw goes on after the divert rule. The aliasing is the libalias `ipfw nat` uses, as FreeBSD's
 * natd links lib/libalias built from the kernel's sources. The alias address is `-a`, or the first
 * IPv4 address of `-n IF` (followed when it changes with `-dynamic`, checked at most once a second
 * as packets come).
 *
 * Without `-v` it detaches once the socket is bound (daemon(3)); errors before that are printed
 * as natd's and exit 1. `-use_sockets` changes nothing here (libalias's port choice already avoids
 * this host's own sockets' ports only through them, and natd's host is a router); `-punch_fw`
 * is accepted and makes no holes (no libalias protocol helper, FTP's included, asks for one).
 * Must not: write a packet libalias refused, or keep more than the socket's buffer.
 */

import type { DivertSocket, Syscalls } from '../../../host/syscalls.js'
import { LibAlias, MODE, PKT_ALIAS } from '../../../stack/netinet/libalias/alias.js'
import { SEC } from '../../../util/clock.js'
import { isSysError } from '../../../util/errno.js'
import { Rng } from '../../../util/rng.js'
import { formatIpv4 } from '../../../wire/addr.js'
import { type DaemonStream, daemonLaunch } from '../../lib/libc/daemon.js'
import type { Io, Proc } from '../../types.js'
import { NatdError, type NatdOpts, parseArgs } from './natd_conf.js'

/** Links natd's libalias may hold (as ipfw nat's instances, NAT_LINKS_MAX). */
const NATD_LINKS_MAX = 65536
/** How long natd sleeps in recv when nothing comes (it wakes on a packet or a kill). */
const IDLE_NS = 3600 * SEC
const DAEMON_ENV = 'NATD_DAEMON_CHILD'

/** What one natd counted (its -v statistics and the tests' view). */
export interface NatdCounts {
  in: number
  out: number
  denied: number
  errors: number
}

function firstAddr(sys: Syscalls, ifName: string): number | null {
  try {
    const i = sys.ifGet(ifName)
    return i.addrs.length > 0 ? i.addrs[0]!.addr >>> 0 : null
  } catch {
    return null
  }
}

function configure(lib: LibAlias, o: NatdOpts, now: number): void {
  let mode = 0
  if (o.log) mode |= MODE.LOG
  if (o.denyIncoming) mode |= MODE.DENY_INCOMING
  if (o.samePorts) mode |= MODE.SAME_PORTS
  if (o.unregisteredOnly) mode |= MODE.UNREGISTERED_ONLY
  if (o.proxyOnly) mode |= MODE.PROXY_ONLY
  if (o.reverse) mode |= MODE.REVERSE
  lib.setMode(mode)
  lib.targetAddress = o.targetAddr
  for (const r of o.redirects) {
    let ok = true
    if (r.kind === 'addr') ok = lib.redirectAddr(r.laddr, r.paddr, now) >= 0
    else if (r.kind === 'proto') ok = lib.redirectProto(r.laddr, r.raddr, r.paddr, r.proto, now) >= 0
    else
      for (let k = 0; k < r.count; k++)
        ok &&=
          lib.redirectPort(r.laddr, r.lport + k, r.raddr, r.rport, r.paddr, r.pport + k, r.proto, now) >= 0
    if (!ok) throw new NatdError('libalias: redirect refused (link table full or port in use)')
  }
}

export async function natd(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const sys = proc.sys
  const fail = (msg: string): number => {
    void io.stderr.write(`natd: ${msg}\n`)
    return 1
  }
  let o: NatdOpts
  try {
    o = parseArgs(argv.slice(1), (path) => {
      const t = proc.fs.read(path)
      if (t === undefined) throw new NatdError(`config file ${path} does not exist`)
      return t
    })
  } catch (e) {
    if (e instanceof NatdError) return fail(e.message)
    throw e
  }
  if (o.iface === null && o.aliasAddr === null) return fail('aliasing address not given')
  if (o.iface !== null && o.aliasAddr !== null) return fail('only one of -n and -a should be given')
  const child = proc.env.get(DAEMON_ENV) === '1'
  if (!o.verbose && !child) {
    // daemon(3): the child binds and detaches; its errors before that are still ours to print.
    const env = new Map([[DAEMON_ENV, '1']])
    return daemonLaunch(argv.slice(), io, proc, false, env)
  }
  proc.env.delete(DAEMON_ENV)
  let sock: DivertSocket
  try {
    sock = sys.divertSocket()
  } catch (e) {
    if (!isSysError(e)) throw e
    return fail(`Unable to create divert socket.: ${e.strerror}`)
  }
  try {
    sock.bind(o.port)
  } catch (e) {
    sock.close()
    if (!isSysError(e)) throw e
    return fail(`Unable to bind divert socket.: ${e.strerror}`)
  }
  const nowSec = () => Math.floor(sys.now() / SEC)
  const seed = sys.getrandom(4)
  const lib = new LibAlias(
    new Rng((seed[0]! | (seed[1]! << 8) | (seed[2]! << 16) | (seed[3]! << 24)) >>> 0, 'natd'),
    NATD_LINKS_MAX,
  )
  let alias = o.aliasAddr ?? (o.iface === null ? null : firstAddr(sys, o.iface))
  if (alias === null && !o.dynamic) {
    sock.close()
    return fail(`${o.iface}: no IPv4 address (use -dynamic to wait for one)`)
  }
  lib.setAddress(alias ?? 0)
  try {
    configure(lib, o, nowSec())
  } catch (e) {
    sock.close()
    if (e instanceof NatdError) return fail(e.message)
    throw e
  }
  if (!o.verbose && proc.fs.truncate(o.pidFile)) proc.fs.append(o.pidFile, `${proc.pid}\n`)
  const out = io.stdout as DaemonStream
  out.detach?.()
  const counts: NatdCounts = { in: 0, out: 0, denied: 0, errors: 0 }
  const unkill = proc.onKill(() => sock.close())
  let checked = nowSec()
  try {
    while (!proc.killed) {
      const pkt = await sock.recv(IDLE_NS)
      if (proc.killed) break
      if (pkt === null) continue
      const now = nowSec()
      if (o.dynamic && o.iface !== null && now !== checked) {
        // The routing socket's RTM_NEWADDR, read lazily: a changed address is taken up.
        checked = now
        const a = firstAddr(sys, o.iface)
        if (a !== null && a !== alias) {
          alias = a
          lib.setAddress(a)
        }
      }
      const b = pkt.data
      const incoming = pkt.addr !== 0
      let r: number
      if (incoming) {
        r = lib.in(b, 0, b.length, now, false)
        if (
          r === PKT_ALIAS.UNRESOLVED_FRAGMENT ||
          (r === PKT_ALIAS.IGNORED && (lib.mode & MODE.DENY_INCOMING) !== 0)
        ) {
          counts.denied++
          if (o.logDenied || o.verbose)
            void io.stderr.write(
              `natd: denied incoming packet from ${formatIpv4(((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) >>> 0)}\n`,
            )
          continue
        }
        counts.in++
      } else {
        r = lib.out(b, 0, b.length, now, true, false)
        counts.out++
      }
      if (r === PKT_ALIAS.ERROR) {
        counts.errors++
        continue
      }
      if (o.verbose)
        void io.stdout.write(
          `${incoming ? 'In ' : 'Out'} [${b[9]}] ${formatIpv4(((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) >>> 0)} -> ${formatIpv4(((b[16]! << 24) | (b[17]! << 16) | (b[18]! << 8) | b[19]!) >>> 0)} aliased\n`,
        )
      try {
        sock.send(b, pkt)
      } catch (e) {
        if (!isSysError(e)) throw e
        // natd logs a failed write and carries on (an unreachable destination is not fatal).
        counts.errors++
      }
    }
  } finally {
    unkill()
    sock.close()
  }
  return 0
}

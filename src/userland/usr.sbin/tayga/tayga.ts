/**
 * tayga(8): the stateless NAT64 daemon. Reads tayga.conf(5) (default /usr/local/etc/tayga.conf, as
 * the FreeBSD port installs it), opens its tun(4) device — creating it when missing and destroying
 * it again on exit, unless it was made persistent with `--mktun` — and translates every packet the
 * stack routes into the device (RFC 7915, src/wire/nat64/xlate.ts), writing the result back.
 * Without `-d`/`-n` it detaches as daemon(3) does. `--rmtun` destroys the persistent device.
 * `-u USER`/`-g GROUP` must name an account of the node's tree (getpwnam/getgrnam, checked before
 * the configuration, as tayga.c does: `Error: user X does not exist`, exit 1); after the device is
 * open the daemon drops to that user (setuid(2); groups are not part of VirtNet's credentials, so
 * `-g` is only checked). `-r` needs a data-dir and a non-root `-u`. As in TAYGA 0.9.2, every
 * signal it catches — SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 — saves the dynamic maps
 * and ends it with `exiting on signal N`, exit 0: SIGHUP reloads nothing.
 *
 * Must not: keep anything per packet beyond the translator's bounded tables, or die on a packet
 * (the translator counts and drops); a bad option or config prints tayga's message and exits 1.
 */

import { isSysError } from '../../../util/errno.js'
import { formatIpv4 } from '../../../wire/addr.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { Nat64 } from '../../../wire/nat64/xlate.js'
import { getgrnam, getpwnam, type PwEnt } from '../../lib/libutil/pw_db.js'
import type { Io, Proc } from '../../types.js'
import { parseTaygaConf, type TaygaConfig } from './tayga_conf.js'
import { type DynamicEntry, TaygaMap } from './tayga_map.js'

const CONF = '/usr/local/etc/tayga.conf'
/** The signals tayga.c's signal_setup catches: HUP, INT, QUIT, USR1, USR2, TERM. */
const CAUGHT = [1, 2, 3, 30, 31, 15] as const

const USAGE = `Usage: tayga [-c|--config CONFIGFILE] [-d] [-n|--nodetach] [-u|--user USERID]
             [-g|--group GROUPID] [-r|--chroot] [-p|--pidfile PIDFILE]
       tayga --mktun [-c|--config CONFIGFILE] [-d]
       tayga --rmtun [-c|--config CONFIGFILE] [-d]
`

const nullIo: Io = {
  stdin: { read: async () => null },
  stdout: { write: () => {} },
  stderr: { write: () => {} },
}

interface Opts {
  conf: string
  debug: boolean
  nodetach: boolean
  mktun: boolean
  rmtun: boolean
  pidfile: string | null
  user: string | null
  group: string | null
  chroot: boolean
}

function parseArgs(argv: readonly string[]): Opts | string {
  const o: Opts = {
    conf: CONF,
    debug: false,
    nodetach: false,
    mktun: false,
    rmtun: false,
    pidfile: null,
    user: null,
    group: null,
    chroot: false,
  }
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!
    const val = (): string | null => (i + 1 < argv.length ? argv[++i]! : null)
    if (a === '-c' || a === '--config') {
      const v = val()
      if (v === null) return `tayga: option '${a}' requires an argument`
      o.conf = v
    } else if (a === '-p' || a === '--pidfile') {
      const v = val()
      if (v === null) return `tayga: option '${a}' requires an argument`
      o.pidfile = v
    } else if (a === '-u' || a === '--user' || a === '-g' || a === '--group') {
      const v = val()
      if (v === null) return `tayga: option '${a}' requires an argument`
      if (a === '-u' || a === '--user') o.user = v
      else o.group = v
    } else if (a === '-d') o.debug = true
    else if (a === '-n' || a === '--nodetach') o.nodetach = true
    else if (a === '-r' || a === '--chroot') o.chroot = true
    else if (a === '--mktun') o.mktun = true
    else if (a === '--rmtun') o.rmtun = true
    else if (a === '-h' || a === '--help') return ''
    else return `tayga: invalid option -- '${a.replace(/^-+/, '')}'`
  }
  if (o.mktun && o.rmtun) return 'Error: only one of --mktun or --rmtun may be specified'
  if (o.mktun || o.rmtun) {
    if (o.user !== null) return 'Error: cannot specify -u or --user with mktun/rmtun operation'
    if (o.group !== null) return 'Error: cannot specify -g or --group with mktun/rmtun operation'
    if (o.chroot) return 'Error: cannot specify -r or --chroot with mktun/rmtun operation'
  }
  return o
}

/** tayga [-c FILE] [-d] [-n] [-p PIDFILE] | --mktun | --rmtun */
export async function tayga(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const o = parseArgs(argv)
  if (typeof o === 'string') {
    io.stderr.write(o === '' ? USAGE : `${o}\n${USAGE}`)
    return 1
  }
  const sys = proc.sys
  // slog(): with -d every message goes to stdout; otherwise to syslog, which a node does not
  // keep, so errors are shown on stderr instead (as rtadvd's LOG_PERROR would).
  const err = (s: string): void => void (o.debug ? io.stdout : io.stderr).write(`${s}\n`)
  // tayga.c looks the accounts up before reading its configuration.
  let pw: PwEnt | undefined
  if (!o.mktun && !o.rmtun) {
    if (o.user !== null) {
      pw = getpwnam(proc.fs, o.user)
      if (pw === undefined) {
        err(`Error: user ${o.user} does not exist`)
        return 1
      }
    }
    if (o.group !== null && getgrnam(proc.fs, o.group) === undefined) {
      err(`Error: group ${o.group} does not exist`)
      return 1
    }
  }
  const text = proc.fs.read(o.conf)
  if (text === undefined) {
    err(`unable to open ${o.conf}, aborting: No such file or directory`)
    return 1
  }
  const c = parseTaygaConf(text, o.conf)
  if (typeof c === 'string') {
    err(c)
    return 1
  }
  const exists = sys.ifList().some((i) => i.name === c.tunDevice)
  if (o.mktun || o.rmtun) {
    try {
      if (o.mktun && !exists) sys.ifCreate(c.tunDevice)
      if (o.rmtun && exists) sys.ifDestroy(c.tunDevice)
    } catch (e) {
      err(`Unable to ${o.mktun ? 'create' : 'destroy'} ${c.tunDevice}: ${(e as Error).message}`)
      return 1
    }
    if (o.debug) err(`${o.mktun ? 'Created' : 'Removed'} persistent tun device ${c.tunDevice}`)
    return 0
  }
  if (o.chroot && c.dataDir === null) {
    err(`Error: cannot chroot when no data-dir is specified in ${o.conf}`)
    return 1
  }
  if (o.chroot && (pw === undefined || pw.uid === 0)) {
    err(
      'Error: chroot is ineffective without also specifying the -u option to switch to an unprivileged user',
    )
    return 1
  }
  if (!o.debug && !o.nodetach) {
    // daemon(3): the translating child carries on; the parent has checked the config and returns.
    const rest = argv.slice(1)
    proc.spawn(['tayga', '-n', ...rest], nullIo)
    return 0
  }
  return serve(c, o, io, proc, !exists, pw)
}

async function serve(
  c: TaygaConfig,
  o: Opts,
  io: Io,
  proc: Proc,
  made: boolean,
  pw: PwEnt | undefined,
): Promise<number> {
  const root = proc.sys
  // After the device is open the daemon may run as another user; the kernel still takes a
  // non-persistent device away when its descriptor closes, whoever holds it.
  let sys = root
  const log = (s: string): void => {
    if (o.debug) void io.stdout.write(`${s}\n`)
  }
  let tun: ReturnType<typeof sys.tunOpen>
  try {
    if (made) sys.ifCreate(c.tunDevice)
    tun = sys.tunOpen(c.tunDevice)
    sys.ifSetUp(c.tunDevice, true)
  } catch (e) {
    void io.stderr.write(`Unable to attach tun device ${c.tunDevice}, aborting: ${(e as Error).message}\n`)
    return 1
  }
  let mtu4 = 1500
  try {
    mtu4 = sys.ifGet(c.tunDevice).mtu
  } catch {
    // keep if_tun's default
  }
  if (pw !== undefined)
    try {
      sys = root.setuid(pw.uid)
    } catch (e) {
      void (o.debug ? io.stdout : io.stderr).write(
        `Error: cannot set uid to ${pw.uid}: ${isSysError(e) ? e.strerror : String(e)}\n`,
      )
      tun.close()
      if (made) root.ifDestroy(c.tunDevice)
      return 1
    }
  log('starting TAYGA 0.9.2')
  log(`Using tun device ${c.tunDevice} with MTU ${mtu4}`)
  log(`TAYGA's IPv4 address: ${formatIpv4(c.ipv4Addr)}`)
  log(`TAYGA's IPv6 address: ${formatIpv6(c.ipv6Addr)}`)
  if (c.prefix) log(`NAT64 prefix: ${formatIpv6(c.prefix.addr)}/${c.prefix.len}`)
  if (c.pool) log(`Dynamic pool: ${formatIpv4(c.pool.addr)}/${c.pool.len}`)
  if (c.dataDir !== null) {
    proc.fs.mkdir(c.dataDir)
    log(`Loaded 0 dynamic maps from ${c.dataDir}/dynamic.map`)
  }
  if (o.pidfile !== null) {
    proc.fs.truncate(o.pidfile)
    proc.fs.append(o.pidfile, `${proc.pid}\n`)
  }
  const map = new TaygaMap(
    c,
    () => sys.now(),
    (e: DynamicEntry) => {
      log(`assigned new pool address ${formatIpv4(e.v4)} (${formatIpv6(e.v6)})`)
      if (c.dataDir !== null) saveDynamic(proc, `${c.dataDir}/dynamic.map`, map)
    },
  )
  const nat = new Nat64({
    map,
    self4: c.ipv4Addr,
    self6: c.ipv6Addr,
    mtu6: c.offlinkMtu,
    mtu4,
    emit: (buf, off, len) => {
      try {
        tun.write(buf.subarray(off, off + len))
      } catch {
        // EIO: the interface went down; the packet is lost, as a write to a downed tun loses it.
      }
    },
  })
  let stop = false
  let wake: () => void = () => {}
  const stopped = new Promise<void>((r) => {
    wake = r
  })
  let signal = 0
  const quit = (sig: number): void => {
    if (signal === 0) signal = sig
    stop = true
    wake()
  }
  const unhook = CAUGHT.map((s) => proc.onSignal(s, () => quit(s)))
  const unkill = proc.onKill(() => quit(0))
  try {
    while (!stop && !proc.killed) {
      let pkt: Uint8Array
      try {
        pkt = await tun.read(Number.POSITIVE_INFINITY, stopped)
      } catch (e) {
        // EINTR (a signal) and EAGAIN loop back to the check; anything else means the device is gone.
        const code = (e as { code?: string }).code
        if (code === 'EINTR' || code === 'EAGAIN') continue
        break
      }
      nat.input(pkt, 0, pkt.length)
    }
  } finally {
    for (const u of unhook) u()
    unkill()
    tun.close()
    if (made)
      try {
        root.ifDestroy(c.tunDevice)
      } catch {
        // already gone (the jail is being torn down)
      }
    if (o.pidfile !== null) proc.fs.remove(o.pidfile)
    // read_from_signalfd: the dynamic maps are written out, then "exiting on signal N".
    if (c.pool !== null && c.dataDir !== null) saveDynamic(proc, `${c.dataDir}/dynamic.map`, map)
    if (signal !== 0) log(`exiting on signal ${signal}`)
  }
  return 0
}

/** data-dir/dynamic.map: one line per dynamic mapping, "IPV4 IPV6 LAST-USE" (seconds). */
function saveDynamic(proc: Proc, path: string, map: TaygaMap): void {
  proc.fs.truncate(path)
  for (const e of map.entries())
    proc.fs.append(path, `${formatIpv4(e.v4)}\t${formatIpv6(e.v6)}\t${Math.floor(e.lastUse / 1e9)}\n`)
}

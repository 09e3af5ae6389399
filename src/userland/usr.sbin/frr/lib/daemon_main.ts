/**
 * The main() every FRR daemon shares (lib/libfrr.c's frr_preinit / frr_config_fork / frr_run): FRR's
 * common options (`-d`, `-f config-file`, `-P vty-port`, `-h`, and `-A -u -g -i -z` accepted), the
 * configuration file read before anything is bound, the protocol's sockets, the vty on 127.0.0.1,
 * daemon(3), the configuration applied through a vty session, and the run until killed.
 *
 * Must not: know any routing protocol; that is the spec's.
 */

import { AF_INET, SO, SOCK, SOL_SOCKET, type SocketFd, type Syscalls } from '../../../../host/syscalls.js'
import { isSysError } from '../../../../util/errno.js'
import { nullOut } from '../../../bin/sh/streams.js'
import { getopt } from '../../../getopt.js'
import type { Io, Proc } from '../../../types.js'
import { type FrrState, newFrrState, type VtySession } from '../vty_cmds.js'
import { serveVty } from '../vty_server.js'

const LOOPBACK = 0x7f000001

const nullIo: Io = {
  stdin: { read: async () => null },
  stdout: nullOut,
  stderr: nullOut,
}

/** A running daemon: its protocol work until killed, and what it undoes when it stops. */
export interface FrrDaemon {
  run(): Promise<unknown>
  shutdown(): void
}

export interface FrrDaemonSpec<S extends { close(): void }> {
  readonly name: string
  readonly usage: string
  readonly vtyPort: number
  /** Option letters of this daemon alone (bgpd's `p:`), given to `option`. */
  readonly extraOpts?: string
  /** One of them: an error message, or null when taken. */
  option?(flag: string, value: string): string | null
  /** The protocol's sockets; a SysError is reported through `openFailed`. */
  open(sys: Syscalls): S
  openFailed(strerror: string): string
  start(
    proc: Proc,
    state: FrrState,
    sockets: S,
  ): { daemon: FrrDaemon; session: (sys: Syscalls) => VtySession }
}

/** A port number operand, or null. */
export function portArg(v: string): number | null {
  const n = Number(v)
  return Number.isInteger(n) && n >= 0 && n <= 65535 && v.trim() !== '' ? n : null
}

/** A TCP listener (the vty's, bgpd's port 179). */
export function tcpListener(sys: Syscalls, addr: number, port: number, backlog: number): SocketFd {
  const fd = sys.socket(AF_INET, SOCK.STREAM)
  try {
    fd.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
    fd.bind({ addr, port })
    fd.listen(backlog)
  } catch (e) {
    fd.close()
    throw e
  }
  return fd
}

export async function frrDaemonMain<S extends { close(): void }>(
  spec: FrrDaemonSpec<S>,
  argv: readonly string[],
  io: Io,
  proc: Proc,
): Promise<number> {
  const fail = (msg: string): number => {
    io.stderr.write(`${spec.name}: ${msg}\n`)
    return 1
  }
  const o = getopt(spec.name, argv.slice(1), `df:A:P:hu:g:i:z:${spec.extraOpts ?? ''}`)
  if (typeof o === 'string' || o.rest.length > 0) {
    io.stderr.write(`${typeof o === 'string' ? `${o}\n` : ''}${spec.usage}\n`)
    return 1
  }
  let daemon = false
  let config: string | null = null
  let vtyPort = spec.vtyPort
  for (const [f, v] of o.opts) {
    if (f === 'd') daemon = true
    else if (f === 'f') config = v
    else if (f === 'P') {
      const n = portArg(v)
      if (n === null) return fail(`invalid vty port: ${v}\n${spec.usage}`)
      vtyPort = n
    } else if (f === 'h') {
      io.stdout.write(`${spec.usage}\n`)
      return 0
    } else if (spec.option !== undefined) {
      const err = spec.option(f, v)
      if (err !== null) return fail(`${err}\n${spec.usage}`)
    }
  }
  let cfgText: string | null = null
  if (config !== null) {
    cfgText = proc.fs.read(config) ?? null
    if (cfgText === null) return fail(`can't open configuration file [${config}]`)
  }
  const sys = proc.sys
  let sockets: S
  try {
    sockets = spec.open(sys)
  } catch (e) {
    if (isSysError(e)) return fail(spec.openFailed(e.strerror))
    throw e
  }
  let lfd: SocketFd | null = null
  if (vtyPort !== 0)
    try {
      lfd = tcpListener(sys, LOOPBACK, vtyPort, 8)
    } catch (e) {
      sockets.close()
      if (isSysError(e)) return fail(`can't bind vty to 127.0.0.1:${vtyPort}: ${e.strerror}`)
      throw e
    }
  if (daemon) {
    // daemon(3): the work goes on in a child; this process returns at once. The sockets are the
    // child's to open (a descriptor does not cross spawn here), so they are closed and reopened.
    sockets.close()
    lfd?.close()
    proc.spawn([spec.name, ...argv.slice(1).filter((a) => a !== '-d')], nullIo)
    return 0
  }
  const state = newFrrState(sys.getHostname())
  const { daemon: d, session } = spec.start(proc, state, sockets)
  if (cfgText !== null) {
    const s = session(sys)
    s.node = 'config'
    for (const line of cfgText.split('\n')) {
      if (s.exec(line) !== 0) io.stderr.write(s.out)
      s.out = ''
    }
  }
  proc.onKill(() => {
    d.shutdown()
    sockets.close()
    lfd?.close()
  })
  await Promise.all([d.run(), lfd === null ? Promise.resolve() : serveVty(proc, lfd, session)])
  d.shutdown()
  return 0
}

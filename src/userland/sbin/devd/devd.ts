/**
 * devd(8), the device state change daemon, as far as VirtNet's kernel has events: it reads
 * devd.conf(5) (`-f`, default /etc/devd.conf, then the `*.conf` files of its `directory` options),
 * opens /dev/devctl and for each event runs, in order of priority, the actions of every block of
 * the event's kind whose matches hold, each with `sh -c` in the daemon's jail (system(3)), one
 * after the other. carp(4)'s `system=CARP subsystem=VHID@IF type=MASTER|BACKUP|INIT` is what the
 * classic failover scripts match. Without `-d` or `-n` it detaches and writes its pid to the
 * `pid-file` option's file (/var/run/devd.pid); `-d` stays in front and tells what it does.
 *
 * Must not: run two actions at once, or keep events unread without bound (devctl bounds them).
 */

import type { DevctlFd } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import { nullOut } from '../../bin/sh/streams.js'
import { getopt } from '../../getopt.js'
import type { Io, Proc } from '../../types.js'
import { blockMatches, type DevdConf, expand, parseDevdConf, parseEvent } from './devd_conf.js'

const USAGE = 'usage: devd [-dnq] [-l connlimit] [-f file]\n'
const nullIo: Io = { stdin: { read: async () => null }, stdout: nullOut, stderr: nullOut }

/** The configuration: the main file, then each `directory`'s `*.conf` files in name order. */
function loadConf(proc: Proc, file: string): DevdConf | string {
  const text = proc.fs.read(file)
  if (text === undefined) return `Cannot open config file ${file}: No such file or directory`
  const conf = parseDevdConf(text, file)
  for (const dir of [...conf.directories]) {
    const names = proc.fs.readdir(dir) ?? []
    for (const n of [...names].sort())
      if (n.endsWith('.conf')) parseDevdConf(proc.fs.read(`${dir}/${n}`) ?? '', `${dir}/${n}`, conf)
  }
  return conf
}

export async function devd(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const g = getopt('devd', argv.slice(1), 'Ddf:l:nq')
  if (typeof g === 'string') {
    io.stderr.write(`${g}\n${USAGE}`)
    return 1
  }
  let debug = false
  let foreground = false
  let file = '/etc/devd.conf'
  for (const [o, a] of g.opts) {
    if (o === 'd' || o === 'D') debug = true
    else if (o === 'n') foreground = true
    else if (o === 'f') file = a
  }
  if (g.rest.length > 0) {
    io.stderr.write(USAGE)
    return 1
  }
  const conf = loadConf(proc, file)
  if (typeof conf === 'string') {
    io.stderr.write(`devd: ${conf}\n`)
    return 1
  }
  const pidfile = conf.pidFile ?? '/var/run/devd.pid'
  let fd: DevctlFd
  try {
    fd = proc.sys.devctlOpen()
  } catch (e) {
    if (!isSysError(e)) throw e
    if (e.code === 'EBUSY') {
      const pid = (proc.fs.read(pidfile) ?? '').trim()
      io.stderr.write(`devd: devd already running, pid: ${pid}\n`)
    } else io.stderr.write(`devd: Can't open devctl device /dev/devctl: ${e.strerror}\n`)
    return 1
  }
  const log = debug ? (m: string) => void io.stderr.write(`${m}\n`) : () => {}
  for (const e of conf.errors) io.stderr.write(`devd: ${e}\n`)
  if (!debug && !foreground) {
    // daemon(3): the child reads the events; this process returns at once. The device goes to it.
    fd.close()
    proc.spawn(['devd', '-n', '-f', file], nullIo)
    return 0
  }
  if (proc.fs.truncate(pidfile)) proc.fs.append(pidfile, `${proc.pid}\n`)
  const off = proc.onKill(() => fd.close())
  const actIo: Io = debug ? io : nullIo
  try {
    for (;;) {
      const line = await fd.read()
      if (line === null || proc.killed) break
      log(`Processing event '${line}'`)
      const ev = parseEvent(line)
      if (ev === null) continue
      for (const b of conf.blocks) {
        if (b.kind !== ev.kind || !blockMatches(b, ev.vars, conf.vars)) continue
        for (const act of b.actions) {
          const cmd = expand(act, ev.vars, conf.vars)
          log(`Executing '${cmd}'`)
          try {
            await proc.spawn(['sh', '-c', cmd], actIo).done
          } catch (e) {
            if (!isSysError(e)) throw e
            log(`devd: sh: ${e.strerror}`)
          }
        }
      }
    }
  } finally {
    off()
    fd.close()
    if ((proc.fs.read(pidfile) ?? '').trim() === String(proc.pid)) proc.fs.remove(pidfile)
  }
  return 0
}

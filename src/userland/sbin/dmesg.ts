/**
 * dmesg(8): the host's kernel message buffer (sysctl kern.msgbuf) with each line's `<PRI>` taken
 * off; without -a only kernel-facility lines, so ipfw's LOG_SECURITY messages show with -a, as on
 * FreeBSD. -c clears the buffer afterwards (kern.msgbuf_clear: the host's root only). Anyone may
 * read it, jails included (security.bsd.unprivileged_read_msgbuf is 1 by default). No dump files.
 */

import { asSysError, CmdError, optsOrUsage, runTool, usage } from '../common.js'
import { getopt } from '../getopt.js'
import type { Command } from '../types.js'

const USAGE = 'usage: dmesg [-ac] [-M core [-N system]]'
/** LOG_FACMASK and LOG_KERN of sys/syslog.h. */
const LOG_FACMASK = 0x03f8
const LOG_KERN = 0

/** The lines dmesg prints from the raw buffer. */
export function dmesgLines(raw: string, all: boolean): string {
  let out = ''
  for (const line of raw.split('\n')) {
    if (line === '') continue
    const m = /^<(\d+)>/.exec(line)
    const pri = m === null ? -1 : Number(m[1])
    // Skip syslog messages, unless -a.
    if (!all && pri !== -1 && (pri & LOG_FACMASK) !== LOG_KERN) continue
    out += `${m === null ? line : line.slice(m[0].length)}\n`
  }
  return out
}

export const dmesg: Command = (argv, io, proc) =>
  runTool('dmesg', io, () => {
    const { opts, rest } = optsOrUsage(getopt('dmesg', argv.slice(1), 'acM:N:'), USAGE, 1)
    if (rest.length > 0) usage(USAGE, 1)
    if (opts.some(([f]) => f === 'M' || f === 'N'))
      throw new CmdError('kvm_openfiles: crash dumps are not supported', 1)
    const all = opts.some(([f]) => f === 'a')
    let raw: string
    try {
      raw = String(proc.sys.sysctlGet('kern.msgbuf').value)
    } catch (e) {
      throw new CmdError(`sysctl kern.msgbuf: ${asSysError(e).strerror}`, 1)
    }
    // Cleared right after the read and before printing, as dmesg.c does: a refusal prints nothing.
    if (opts.some(([f]) => f === 'c')) {
      try {
        proc.sys.sysctlSet('kern.msgbuf_clear', '1')
      } catch (e) {
        throw new CmdError(`sysctl kern.msgbuf_clear: ${asSysError(e).strerror}`, 1)
      }
    }
    io.stdout.write(dmesgLines(raw, all))
    return 0
  })

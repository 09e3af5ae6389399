/**
 * service(8) with the rc.d scripts of the ports VirtNet builds in (rc.subr's run_rc_command):
 * `service [-e|-l|-v] SCRIPT [one|force]start|stop|restart|status`. Today the scripts are the base
 * system's inetd, sshd and devd (IMUNES's `services` run `service inetd onerestart` and `service sshd
 * onestart`), and isc-dhcpd and isc-dhcpd6 (net/isc-dhcp44-server), which IMUNES's DHCP labs
 * restart with `service isc-dhcpd6 onerestart`. `start` without `one` needs NAME_enable=YES in /etc/rc.conf, as
 * rc.subr checks. Must not: start anything but the script's own command.
 */

import type { Command, Io, Proc } from '../types.js'

interface RcScript {
  /** rc.subr's $name: the rcvar prefix and the word in its messages. */
  name: string
  procname: string
  pidfile: string
  /** The command line rc.subr builds from $command, $command_args and ${name}_flags. */
  argv: readonly string[]
}

const SCRIPTS: ReadonlyMap<string, RcScript> = new Map([
  // Base system's /etc/rc.d/inetd and /etc/rc.d/sshd (inetd_flags="-wW -C 60").
  [
    'inetd',
    {
      name: 'inetd',
      procname: 'inetd',
      pidfile: '/var/run/inetd.pid',
      argv: ['/usr/sbin/inetd', '-wW', '-C', '60'],
    },
  ],
  ['sshd', { name: 'sshd', procname: 'sshd', pidfile: '/var/run/sshd.pid', argv: ['/usr/sbin/sshd'] }],
  // Base system's /etc/rc.d/devd (carp(4) failover scripts hang off its notify blocks).
  ['devd', { name: 'devd', procname: 'devd', pidfile: '/var/run/devd.pid', argv: ['/sbin/devd'] }],
  [
    'isc-dhcpd',
    {
      name: 'dhcpd',
      procname: 'dhcpd',
      pidfile: '/var/run/dhcpd.pid',
      argv: [
        '/usr/local/sbin/dhcpd',
        '-q',
        '-cf',
        '/usr/local/etc/dhcpd.conf',
        '-lf',
        '/var/db/dhcpd.leases',
        '-pf',
        '/var/run/dhcpd.pid',
      ],
    },
  ],
  [
    'isc-dhcpd6',
    {
      name: 'dhcpd6',
      procname: 'dhcpd',
      pidfile: '/var/run/dhcpd6.pid',
      argv: [
        '/usr/local/sbin/dhcpd',
        '-6',
        '-q',
        '-cf',
        '/usr/local/etc/dhcpd6.conf',
        '-lf',
        '/var/db/dhcpd6.leases',
        '-pf',
        '/var/run/dhcpd6.pid',
      ],
    },
  ],
])

const USAGE =
  'usage: service [-j <jail name or id>] -e\n       service [-j <jail name or id>] -R\n       service [-j <jail name or id>] [-v] -l | -r\n       service [-j <jail name or id>] [-v] <rc.d script> start|stop|etc.\n       service -h\n'

/** The running instance: the pid in the pid file, if that process is the script's program. */
function running(s: RcScript, proc: Proc): number | undefined {
  const pid = Number((proc.fs.read(s.pidfile) ?? '').trim())
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  const p = proc.sys.procList().find((x) => x.pid === pid)
  return p !== undefined && p.comm === s.procname ? pid : undefined
}

function enabled(s: RcScript, proc: Proc): boolean {
  const conf = proc.fs.read('/etc/rc.conf') ?? ''
  const m = [...conf.matchAll(new RegExp(`^\\s*${s.name}_enable="?([A-Za-z]+)"?`, 'gm'))].at(-1)
  return m !== undefined && /^(yes|true|on|1)$/i.test(m[1]!)
}

async function stop(s: RcScript, io: Io, proc: Proc): Promise<number> {
  const pid = running(s, proc)
  if (pid === undefined) {
    io.stderr.write(`${s.name} not running? (check ${s.pidfile}).\n`)
    return 1
  }
  io.stdout.write(`Stopping ${s.name}.\n`)
  proc.sys.kill(pid, 15)
  io.stdout.write(`Waiting for PIDS: ${pid}`)
  for (let i = 0; i < 100 && proc.sys.procList().some((p) => p.pid === pid); i++) await proc.sleep(100e6)
  io.stdout.write('.\n')
  return 0
}

async function start(s: RcScript, io: Io, proc: Proc): Promise<number> {
  const pid = running(s, proc)
  if (pid !== undefined) {
    io.stderr.write(`${s.name} already running?   (pid=${pid}).\n`)
    return 1
  }
  io.stdout.write(`Starting ${s.name}.\n`)
  return proc.spawn(s.argv, io).done
}

export const service: Command = async (argv, io, proc) => {
  const args = argv.slice(1).filter((a) => a !== '-v')
  if (args[0] === '-l' || args[0] === '-r') {
    io.stdout.write(`${[...SCRIPTS.keys()].join('\n')}\n`)
    return 0
  }
  if (args[0] === '-e') {
    for (const [k, s] of SCRIPTS) if (enabled(s, proc)) io.stdout.write(`/usr/local/etc/rc.d/${k}\n`)
    return 0
  }
  if (args.length < 2 || args[0]!.startsWith('-')) {
    io.stderr.write(USAGE)
    return 1
  }
  const s = SCRIPTS.get(args[0]!)
  if (s === undefined) {
    io.stderr.write(
      `${args[0]} does not exist in /etc/rc.d or the local startup\ndirectories (/usr/local/etc/rc.d), or is not executable\n`,
    )
    return 1
  }
  const m = /^(one|force|quiet)?(start|stop|restart|status|enabled|rcvar)$/.exec(args[1]!)
  if (m === null) {
    io.stderr.write(
      `/usr/local/etc/rc.d/${args[0]}: unknown directive '${args[1]}'.\nUsage: /usr/local/etc/rc.d/${args[0]} [fast|force|one|quiet](start|stop|restart|rcvar|enable|disable|delete|enabled|describe|extracommands|status|poll)\n`,
    )
    return 1
  }
  const [, prefix, verb] = m
  if (verb === 'rcvar') {
    io.stdout.write(`# ${s.name}\n#\n${s.name}_enable="NO"\n#   (default: "")\n\n`)
    return 0
  }
  if (verb === 'enabled') return enabled(s, proc) ? 0 : 1
  if (verb === 'status') {
    const pid = running(s, proc)
    if (pid === undefined) {
      io.stdout.write(`${s.name} is not running.\n`)
      return 1
    }
    io.stdout.write(`${s.name} is running as pid ${pid}.\n`)
    return 0
  }
  if (prefix !== 'one' && prefix !== 'force' && !enabled(s, proc)) {
    io.stderr.write(
      `Cannot '${verb}' ${s.name}. Set ${s.name}_enable to YES in /etc/rc.conf or use 'one${verb}' instead of '${verb}'.\n`,
    )
    return 0
  }
  if (verb === 'stop') return stop(s, io, proc)
  if (verb === 'restart') await stop(s, io, proc)
  return start(s, io, proc)
}

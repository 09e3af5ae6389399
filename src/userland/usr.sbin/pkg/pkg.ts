/**
 * pkg(8), only as far as asking what is installed: `pkg info [-e|-q] [name ...]` and `pkg -N`.
 * The packages are the ports VirtNet implements (frr, ISC's DHCP server and client, iperf3, postfix, akpop3d, lighttpd), the
 * same in every jail, since their programs are built in; nothing can be added or removed
 * (`pkg install` says so and exits 1). Scripts such as IMUNES's `hasPackage` grep this list.
 * Must not: pretend to install anything.
 */

import type { Command } from '../../types.js'

/** name-version and comment, as `pkg info` prints them. */
const INSTALLED: ReadonlyArray<readonly [string, string, string]> = [
  ['akpop3d', '0.7.7_3', 'Small POP3 daemon'],
  ['frr10', '10.2.1', 'IP routing protocol suite including BGP, IS-IS, OSPF and RIP'],
  ['iperf3', '3.17.1', 'Improved tool to measure TCP and UDP bandwidth'],
  ['isc-dhcp44-client', '4.4.3P1', 'ISC Dynamic Host Configuration Protocol client'],
  ['isc-dhcp44-server', '4.4.3P1_3', 'ISC DHCP Server'],
  ['lighttpd', '1.4.76', 'Secure, fast, compliant, and flexible Web Server'],
  ['pkg', '1.21.3', 'Package manager'],
  ['postfix', '3.9.1', 'Secure alternative to widely-used Sendmail'],
]

const USAGE =
  'Usage: pkg [-v] [-d] [-l] [-N] [-j <jail name or id>|-c <chroot path>|-r <rootdir>] [-C <configuration file>] [-R <repo config dir>] [-o var=value] [-4|-6] <command> [<args>]\n'

export const pkg: Command = async (argv, io) => {
  const args = argv.slice(1)
  if (args[0] === '-N') {
    io.stdout.write(`pkg: ${INSTALLED.length} packages installed\n`)
    return 0
  }
  if (args.length === 0) {
    io.stderr.write(USAGE)
    return 64
  }
  const cmd = args[0]!
  if (cmd !== 'info') {
    io.stderr.write(
      cmd.startsWith('-')
        ? `pkg: illegal option -- ${cmd.slice(1)}\n${USAGE}`
        : `pkg: ${cmd}: not available here: packages are built into VirtNet\n`,
    )
    return cmd.startsWith('-') ? 64 : 1
  }
  let exists = false
  let quiet = false
  const names: string[] = []
  for (const a of args.slice(1)) {
    if (a === '-e') exists = true
    else if (a === '-q') quiet = true
    else if (a === '-a') continue
    else if (a.startsWith('-')) {
      io.stderr.write(`pkg: illegal option -- ${a.slice(1)}\nUsage: pkg info <pkg-name>\n`)
      return 64
    } else names.push(a)
  }
  const match = (p: readonly [string, string, string], n: string) => p[0] === n || `${p[0]}-${p[1]}` === n
  const rows = names.length === 0 ? INSTALLED : INSTALLED.filter((p) => names.some((n) => match(p, n)))
  if (names.length > 0 && rows.length === 0) {
    if (!exists && !quiet) io.stderr.write(`pkg: No package(s) matching ${names[0]}\n`)
    return 1
  }
  if (exists) return 0
  for (const [n, v, c] of rows) io.stdout.write(quiet ? `${n}-${v}\n` : `${`${n}-${v}`.padEnd(31)} ${c}\n`)
  return 0
}

/**
 * uname(1): `uname [-abiKmnoprsUv]`, the system's names as FreeBSD's prints them, in its fixed
 * order (sysname, nodename, release, version, machine, processor, ident, then the kernel and user
 * release dates). The node name is the caller's jail's hostname; the rest come from the host's
 * kern.ostype and kern.osrelease, so a jail and the host agree as on FreeBSD.
 */

import { optsOrUsage, runTool, usage } from '../common.js'
import { getopt } from '../getopt.js'
import type { Command } from '../types.js'

const USAGE = 'usage: uname [-abiKmnoprsUv]'
/** FreeBSD 14.1's __FreeBSD_version, as `uname -K` and `-U` print it. */
const OSRELDATE = '1401000'
const MACHINE = 'amd64'
const IDENT = 'GENERIC'

export const uname: Command = (argv, io, proc) =>
  runTool('uname', io, () => {
    const { opts, rest } = optsOrUsage(getopt('uname', argv.slice(1), 'abiKmnoprsUv'), USAGE, 1)
    if (rest.length > 0) usage(USAGE, 1)
    const flags = new Set(opts.map(([f]) => (f === 'o' ? 's' : f)))
    if (flags.delete('a')) for (const f of 'snrvm') flags.add(f)
    if (flags.size === 0) flags.add('s')
    const sys = proc.sys
    const ostype = String(sys.sysctlGet('kern.ostype').value)
    const release = String(sys.sysctlGet('kern.osrelease').value)
    const fields: Array<[string, () => string]> = [
      ['s', () => ostype],
      ['n', () => sys.getHostname()],
      ['r', () => release],
      ['v', () => `${ostype} ${release} ${IDENT}`],
      ['m', () => MACHINE],
      ['p', () => MACHINE],
      ['i', () => IDENT],
      ['K', () => OSRELDATE],
      ['U', () => OSRELDATE],
      ['b', () => ''],
    ]
    const out = fields.filter(([f]) => flags.has(f)).map(([, get]) => get())
    io.stdout.write(`${out.join(' ')}\n`)
    return 0
  })

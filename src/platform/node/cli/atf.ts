/**
 * `virtnet atf [-l] [-v] [-x var=value ...] [--seed N] FILE.sh [CASE ...]`: runs an atf-sh test
 * program (FreeBSD's tests/sys/... or your own) as kyua would, each case on a fresh host in virtual
 * time. `. $(atf_get_srcdir)/../common/vnet.subr` (or `../../common/...` one folder deeper) finds
 * VirtNet's own vnet.subr, never a file on disk. `-l` lists the cases. Exits 0 when every case passed, was skipped or failed as expected,
 * 1 otherwise, 64 on a usage error. The platform part only reads the file and makes hosts: running
 * the cases is the userland runner's job (usr.bin/atf/kyua.ts).
 */

import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Host } from '../../../host/host.js'
import { makePrograms } from '../../../userland/programs.js'
import { dirname } from '../../../userland/usr.bin/atf/atf_sh.js'
import { type AtfMachine, listCases, runKyua } from '../../../userland/usr.bin/atf/kyua.js'
import { VNET_SUBR, vnetSubrPaths } from '../../../userland/usr.bin/atf/vnet_subr.js'
import { nodeClockDriver } from '../clock_driver.js'
import { fileError } from '../errors.js'

/**
 * The modules of FreeBSD's test-image loader.conf that VirtNet builds: the tests probe for them
 * with `kldstat -q -m` (carp.sh, if_geneve.sh's multicast cases for ip_mroute and ip6_mroute) and
 * skip without.
 */
const ATF_PRELOAD: readonly string[] = ['carp', 'ip_mroute', 'ip6_mroute']

export const ATF_USAGE = 'virtnet atf [-l] [-v] [-x var=value ...] [--seed N] FILE.sh [CASE ...]'

/** The `*.subr` files next to a test program, by path with their text (none when unreadable). */
function siblingSubrs(dir: string): Array<[string, string]> {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.subr') && n !== 'vnet.subr')
      .map((n) => [join(dir, n), readFileSync(join(dir, n), 'utf8')])
  } catch {
    return []
  }
}

export async function mainAtf(args: string[], fail: (msg: string) => never): Promise<number> {
  let list = false
  let verbose = false
  let seed = 1
  const config = new Map<string, string>()
  let i = 0
  for (; i < args.length; i++) {
    const a = args[i]!
    if (a === '-l') list = true
    else if (a === '-v') verbose = true
    else if (a === '-x' || a === '--seed') {
      const v = args[++i]
      if (v === undefined) fail(`atf: ${a}: option requires an argument`)
      if (a === '--seed') {
        if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) fail(`atf: --seed: expected an integer, got '${v}'`)
        seed = Number(v)
      } else {
        const eq = v.indexOf('=')
        if (eq <= 0) fail(`atf: -x: expected var=value, got '${v}'`)
        config.set(v.slice(0, eq), v.slice(eq + 1))
      }
    } else if (a === '--') {
      i++
      break
    } else if (a.startsWith('-') && a !== '-') fail(`atf: unknown option '${a}'`)
    else break
  }
  const [file, ...cases] = args.slice(i)
  if (file === undefined) fail('atf: missing test program')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    process.stderr.write(`virtnet: atf: ${fileError(file, e)}\n`)
    return 1
  }
  const program = resolve(file)
  const files = new Map<string, string>(vnetSubrPaths(dirname(program)).map((p) => [p, VNET_SUBR] as const))
  // The program's own helpers beside it (sbin/route/tests/utils.subr), read as the program is.
  for (const [path, body] of siblingSubrs(dirname(program))) files.set(path, body)
  const programs = makePrograms()
  const newMachine = (): AtfMachine => {
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed, hostname: 'atf' })
    // FreeBSD's test machines load these from loader.conf (carp_load="YES"): tests check for them
    // with `kldstat -q -m` and skip without loading them themselves.
    for (const m of ATF_PRELOAD) host.kld.preload(m)
    return { sys: host.syscalls(), close: () => host.clock.stop() }
  }
  const out = { write: (s: string) => void process.stdout.write(s) }
  if (list) {
    const { listed, log } = await listCases({ program, text, files, newMachine, programs })
    if (typeof listed === 'string') {
      process.stderr.write(`${log}virtnet: atf: ${listed}\n`)
      return 1
    }
    const base = program.replace(/^.*\//, '').replace(/\.sh$/, '')
    for (const md of listed) process.stdout.write(`${base}:${md.get('ident')}\n`)
    return 0
  }
  const results = await runKyua({
    program,
    text,
    files,
    config,
    newMachine,
    programs,
    out,
    verbose,
    ...(cases.length ? { cases } : {}),
  })
  return results.every((r) => r.outcome !== 'failed' && r.outcome !== 'broken') ? 0 : 1
}

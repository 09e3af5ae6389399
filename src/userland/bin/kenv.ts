/**
 * kenv(1): list (`kenv`, `-N` names only, `-h` hints only), get (`kenv NAME`, `-v` as name="value"),
 * set (`kenv NAME=VALUE`, echoed as name="value") and unset (`kenv -u NAME`) the kernel
 * environment, where loader tunables such as net.inet.ip.fw.default_to_accept are set before a
 * module loads. Failures print `unable to ...` and exit with kenv's -1 (255), as kenv.c does.
 */

import { runTool } from '../common.js'
import { getopt } from '../getopt.js'
import type { Command } from '../types.js'

const USAGE = [
  'usage: kenv [-hNq]',
  '       kenv [-qv] variable[=value]',
  '       kenv [-q] -u variable',
].join('\n')

export const kenv: Command = (argv, io, proc) =>
  runTool('kenv', io, () => {
    const g = getopt('kenv', argv.slice(1), 'hNquv')
    const fail = (): number => {
      io.stderr.write(`${typeof g === 'string' ? `${g}\n` : ''}${USAGE}\n`)
      return 1
    }
    if (typeof g === 'string') return fail()
    const f = new Set(g.opts.map(([o]) => o))
    const rest = g.rest
    const env = rest[0]
    if (((f.has('h') || f.has('N')) && env !== undefined) || rest.length > 1) return fail()
    if ((f.has('u') || f.has('v')) && env === undefined) return fail()
    const quiet = f.has('q')
    const warnx = (msg: string): number => {
      if (!quiet) io.stderr.write(`kenv: ${msg}\n`)
      return 255
    }
    if (env === undefined) {
      for (const [k, v] of proc.sys.kenvList()) {
        if (f.has('h') && !k.startsWith('hint.')) continue
        io.stdout.write(f.has('N') ? `${k}\n` : `${k}="${v}"\n`)
      }
      return 0
    }
    const eq = env.indexOf('=')
    if (eq < 0) {
      if (f.has('u')) {
        try {
          proc.sys.kenvUnset(env)
        } catch {
          return warnx(`unable to unset ${env}`)
        }
        return 0
      }
      const hit = proc.sys.kenvList().find(([k]) => k === env)
      if (hit === undefined) return warnx(`unable to get ${env}`)
      io.stdout.write(f.has('v') ? `${env}="${hit[1]}"\n` : `${hit[1]}\n`)
      return 0
    }
    const name = env.slice(0, eq)
    const val = env.slice(eq + 1)
    try {
      proc.sys.kenvSet(name, val)
    } catch {
      return warnx(`unable to set ${name} to ${val}`)
    }
    io.stdout.write(`${name}="${val}"\n`)
    return 0
  })

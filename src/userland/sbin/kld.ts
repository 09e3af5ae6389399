/**
 * kldload(8), kldunload(8) and kldstat(8) for the modules VirtNet builds in (ipfw, ipfw_nat,
 * libalias, dummynet): loading and unloading need the host's root; a jail's root gets
 * `Operation not permitted` as on FreeBSD. Messages and exit statuses follow kldload.c,
 * kldunload.c and kldstat.c.
 */

import type { KldInfo } from '../../host/syscalls.js'
import { asSysError, padL, runTool } from '../common.js'
import { getopt } from '../getopt.js'
import type { Command, Io } from '../types.js'

function usageOut(io: Io, msg: string | null, text: string): number {
  io.stderr.write(`${msg === null ? '' : `${msg}\n`}${text}\n`)
  return 1
}

export const kldload: Command = (argv, io, proc) =>
  runTool('kldload', io, () => {
    const USAGE = 'usage: kldload [-nqv] file ...'
    const g = getopt('kldload', argv.slice(1), 'nqv')
    if (typeof g === 'string') return usageOut(io, g, USAGE)
    if (g.rest.length === 0) return usageOut(io, null, USAGE)
    const f = new Set(g.opts.map(([o]) => o))
    const loaded = () => proc.sys.kldstat()
    let errors = 0
    for (const file of g.rest) {
      const base = file.slice(file.lastIndexOf('/') + 1).replace(/\.ko$/, '')
      if (f.has('n') && loaded().some((k) => k.module === base || k.contains?.includes(base))) continue
      try {
        const id = proc.sys.kldload(file)
        if (f.has('v')) io.stdout.write(`Loaded ${file}, id=${id}\n`)
      } catch (e) {
        const err = asSysError(e)
        errors++
        if (f.has('q')) continue
        io.stderr.write(
          err.code === 'EEXIST'
            ? `kldload: can't load ${file}: module already loaded or in kernel\n`
            : `kldload: can't load ${file}: ${err.strerror}\n`,
        )
      }
    }
    return errors === 0 ? 0 : 1
  })

export const kldunload: Command = (argv, io, proc) =>
  runTool('kldunload', io, () => {
    const USAGE = 'usage: kldunload [-fv] -i id ...\n       kldunload [-fv] [-n] name ...'
    const g = getopt('kldunload', argv.slice(1), 'fvin')
    if (typeof g === 'string') return usageOut(io, g, USAGE)
    if (g.rest.length === 0) return usageOut(io, null, USAGE)
    const f = new Set(g.opts.map(([o]) => o))
    let errors = 0
    for (const a of g.rest) {
      let name = a
      if (f.has('i')) {
        const k = proc.sys.kldstat().find((x) => String(x.id) === a)
        if (k === undefined || k.module === undefined) {
          io.stderr.write(`kldunload: can't unload file: No such file or directory\n`)
          errors++
          continue
        }
        name = k.module
      }
      const k = proc.sys.kldstat().find((x) => x.module === name.replace(/\.ko$/, '') || x.name === name)
      if (k === undefined) {
        io.stderr.write(`kldunload: can't find file ${a}: No such file or directory\n`)
        errors++
        continue
      }
      if (f.has('v')) io.stdout.write(`Unloading ${k.name}, id=${k.id}\n`)
      try {
        proc.sys.kldunload(k.module!)
      } catch (e) {
        io.stderr.write(`kldunload: can't unload file: ${asSysError(e).strerror}\n`)
        errors++
      }
    }
    return errors === 0 ? 0 : 1
  })

function statLine(k: KldInfo): string {
  return `${padL(k.id, 2)} ${padL(k.refs, 4)} ${k.address} ${padL(k.size.toString(16), 8)} ${k.name}\n`
}

const STAT_HEAD = 'Id Refs Address                Size Name\n'

export const kldstat: Command = (argv, io, proc) =>
  runTool('kldstat', io, () => {
    const USAGE = 'usage: kldstat [-dhqv] [-i id] [-n filename]\n       kldstat [-dq] [-m modname]'
    const g = getopt('kldstat', argv.slice(1), 'dhqvi:n:m:')
    if (typeof g === 'string') return usageOut(io, g, USAGE)
    if (g.rest.length > 0) return usageOut(io, null, USAGE)
    const quiet = g.opts.some(([o]) => o === 'q')
    const all = proc.sys.kldstat()
    const mod = g.opts.find(([o]) => o === 'm')?.[1]
    if (mod !== undefined) {
      const k = all.find((x) => x.module === mod || x.contains?.includes(mod))
      if (k === undefined) {
        if (!quiet) io.stderr.write(`kldstat: can't find module ${mod}: No such file or directory\n`)
        return 1
      }
      if (!quiet) io.stdout.write(`Id  Refs Name\n${padL(k.id, 3)} ${padL(k.refs, 5)} ${mod}\n`)
      return 0
    }
    const byName = g.opts.find(([o]) => o === 'n')?.[1]
    const byId = g.opts.find(([o]) => o === 'i')?.[1]
    let shown = all
    if (byName !== undefined || byId !== undefined) {
      const key = byName ?? byId!
      const k = all.find((x) =>
        byName !== undefined ? x.name === key || x.module === key.replace(/\.ko$/, '') : String(x.id) === key,
      )
      if (k === undefined) {
        if (!quiet)
          io.stderr.write(
            byName !== undefined
              ? `kldstat: can't find file ${key}: No such file or directory\n`
              : `kldstat: can't stat file id ${key}: No such file or directory\n`,
          )
        return 1
      }
      shown = [k]
    }
    if (quiet) return 0
    io.stdout.write(STAT_HEAD)
    for (const k of shown) io.stdout.write(statLine(k))
    return 0
  })

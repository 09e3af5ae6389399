/**
 * id(1): `id [-u | -g | -G] [-nr]` and the plain `uid=0(root) gid=0(wheel) groups=…` line for the
 * caller. Without a password database VirtNet knows root, daemon and nobody by name; a user's
 * primary group is the one numbered like it, and root is also in operator as on FreeBSD. Naming
 * another user (`id USER`) works for those names and numbers.
 */

import { CmdError, lookupUser, optsOrUsage, runTool, usage, userName } from '../common.js'
import { getopt } from '../getopt.js'
import type { Command } from '../types.js'

const USAGE = `usage: id [user]
       id -A
       id -G [-n] [user]
       id -M
       id -P [user]
       id -c
       id -g [-nr] [user]
       id -p [user]
       id -u [-nr] [user]`

const GROUPS: ReadonlyMap<number, string> = new Map([
  [0, 'wheel'],
  [1, 'daemon'],
  [5, 'operator'],
  [65534, 'nobody'],
])

function groupsOf(uid: number): number[] {
  return uid === 0 ? [0, 5] : [uid]
}

function named(id: number, name: string | null | undefined): string {
  return name == null ? String(id) : `${id}(${name})`
}

export const id: Command = (argv, io, proc) =>
  runTool('id', io, () => {
    const { opts, rest } = optsOrUsage(getopt('id', argv.slice(1), 'Ggnru'), USAGE, 1)
    const has = (f: string) => opts.some(([o]) => o === f)
    const modes = ['G', 'g', 'u'].filter(has)
    if (modes.length > 1 || rest.length > 1 || ((has('n') || has('r')) && modes.length === 0)) usage(USAGE, 1)
    let uid = proc.sys.uid
    if (rest.length === 1) {
      const u = lookupUser(rest[0]!)
      if (u === null) throw new CmdError(`${rest[0]}: no such user`)
      uid = u
    }
    const groups = groupsOf(uid)
    const byName = has('n')
    const show = (n: number, name: string | null | undefined) => (byName ? (name ?? String(n)) : String(n))
    if (has('u')) io.stdout.write(`${show(uid, userName(uid))}\n`)
    else if (has('g')) io.stdout.write(`${show(groups[0]!, GROUPS.get(groups[0]!))}\n`)
    else if (has('G')) io.stdout.write(`${groups.map((g) => show(g, GROUPS.get(g))).join(' ')}\n`)
    else
      io.stdout.write(
        `uid=${named(uid, userName(uid))} gid=${named(groups[0]!, GROUPS.get(groups[0]!))} groups=${groups
          .map((g) => named(g, GROUPS.get(g)))
          .join(',')}\n`,
      )
    return 0
  })

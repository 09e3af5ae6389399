/**
 * chown(8) and chgrp(1): `chown [-fhvx] [-R [-H|-L|-P]] owner[:group] file ...`, `chgrp [-fhv]
 * [-R] group file ...`. The flat file table keeps no owners (stat shows root:wheel), so what is
 * left to do is FreeBSD's checking: the user and group must exist in the tree's databases
 * (`chown: www: illegal user name`), each file must exist, and only root may give files away.
 */

import { isDirectory } from '../fs/chroot_fs.js'
import { getopt } from '../getopt.js'
import { getgrnam, getpwnam } from '../lib/libutil/pw_db.js'
import type { Command, FileSystem } from '../types.js'

/** Whether a file or directory of that name exists in the tree. */
export function exists(fs: FileSystem, path: string): boolean {
  return path === '/dev/null' || fs.has(path) || isDirectory(path, fs)
}

function tool(name: 'chown' | 'chgrp'): Command {
  const usage =
    name === 'chown'
      ? 'usage: chown [-fhvx] [-R [-H | -L | -P]] owner[:group] file ...\n       chown [-fhvx] [-R [-H | -L | -P]] :group file ...\n'
      : 'usage: chgrp [-fhvx] [-R [-H | -L | -P]] group file ...\n'
  return async (argv, io, proc) => {
    const g = getopt(name, argv.slice(1), 'fhvxRHLP')
    if (typeof g === 'string' || g.rest.length < 2) {
      io.stderr.write(`${typeof g === 'string' ? `${g}\n` : ''}${usage}`)
      return 1
    }
    const quiet = g.opts.some(([f]) => f === 'f')
    const spec = g.rest[0]!
    let user = ''
    let group = ''
    if (name === 'chgrp') group = spec
    else {
      const sep = spec.search(/[:.]/)
      user = sep < 0 ? spec : spec.slice(0, sep)
      group = sep < 0 ? '' : spec.slice(sep + 1)
    }
    if (user !== '' && !/^\d+$/.test(user) && getpwnam(proc.fs, user) === undefined) {
      io.stderr.write(`${name}: ${user}: illegal user name\n`)
      return 1
    }
    if (group !== '' && !/^\d+$/.test(group) && getgrnam(proc.fs, group) === undefined) {
      io.stderr.write(`${name}: ${group}: illegal group name\n`)
      return 1
    }
    let status = 0
    for (const f of g.rest.slice(1)) {
      if (!exists(proc.fs, f)) {
        if (!quiet) io.stderr.write(`${name}: ${f}: No such file or directory\n`)
        status = 1
      } else if (proc.sys.uid !== 0 && user !== '') {
        if (!quiet) io.stderr.write(`${name}: ${f}: Operation not permitted\n`)
        status = 1
      }
    }
    return status
  }
}

export const chown: Command = tool('chown')
export const chgrp: Command = tool('chgrp')

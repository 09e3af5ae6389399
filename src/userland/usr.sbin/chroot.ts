/**
 * chroot(8): `chroot [-u user] [-g group] [-n] newroot [command ...]` runs the command (by default
 * `$SHELL -i`, else `/bin/sh -i`) with `newroot` as its file tree's root — the process sees the
 * files below it and nothing else. Only root may, as chroot(2) requires. IMUNES's FreeBSD scripts
 * use it to add users to the lab's shared base tree (`chroot /var/imunes/vroot pw useradd …`).
 */

import { isSysError } from '../../util/errno.js'
import { isDirectory } from '../fs/chroot_fs.js'
import { getopt } from '../getopt.js'
import { getpwnam } from '../lib/libutil/pw_db.js'
import type { Command } from '../types.js'

const USAGE = 'usage: chroot [-g group] [-G group,group,...] [-u user] [-n] newroot [command]\n'

export const chroot: Command = async (argv, io, proc) => {
  const g = getopt('chroot', argv.slice(1), 'g:G:u:n')
  if (typeof g === 'string' || g.rest.length === 0) {
    io.stderr.write(`${typeof g === 'string' ? `${g}\n` : ''}${USAGE}`)
    return 1
  }
  const root = g.rest[0]!
  if (proc.sys.uid !== 0) {
    io.stderr.write(`chroot: ${root}: Operation not permitted\n`)
    return 1
  }
  if (!isDirectory(root, proc.fs)) {
    io.stderr.write(`chroot: ${root}: No such file or directory\n`)
    return 1
  }
  let uid: number | undefined
  for (const [f, a] of g.opts) {
    if (f !== 'u') continue
    const u = /^\d+$/.test(a) ? Number(a) : getpwnam(proc.fs, a)?.uid
    if (u === undefined) {
      io.stderr.write(`chroot: no such user \`${a}'\n`)
      return 1
    }
    uid = u
  }
  const cmd = g.rest.length > 1 ? g.rest.slice(1) : [proc.env.get('SHELL') ?? '/bin/sh', '-i']
  try {
    const job = proc.spawn(cmd, io, { root, uid })
    const off = proc.onKill(() => job.kill(9))
    try {
      return await job.done
    } finally {
      off()
    }
  } catch (e) {
    if (!isSysError(e)) throw e
    io.stderr.write(`chroot: ${cmd[0]}: ${e.strerror}\n`)
    return 127
  }
}

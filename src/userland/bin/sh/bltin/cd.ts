/**
 * The `cd` and `pwd` builtins over the shell's file tree (cwd_fs.ts): `cd [dir]`, `cd -` (back to
 * the previous directory, printing it), `pwd`. The working directory starts as the tree's own
 * starting directory, shown as `.` when it has no absolute name (a `--host-files` script's
 * directory on this machine); PWD and OLDPWD follow it. A directory that is not there is
 * `cd: d: No such file or directory` (status 2, as FreeBSD's sh).
 */

import { joinPath } from '../../../fs/cwd_fs.js'
import type { Builtin } from './builtins.js'

function shown(dir: string): string {
  return dir === '' ? '.' : dir
}

export const cd: Builtin = async (argv, io, sh) => {
  const args = argv.slice(1).filter((a) => a !== '-L' && a !== '-P' && a !== '-e')
  let target = args[0] ?? sh.getVar('HOME') ?? '/'
  const back = target === '-'
  if (back) target = sh.getVar('OLDPWD') ?? ''
  if (target === '.') target = ''
  const dir = target === '' ? '' : joinPath(sh.cwd, target)
  if (dir !== '' && (sh.fs.has(target) || sh.fs.readdir(target) === undefined)) {
    io.stderr.write(`cd: ${target}: ${sh.fs.has(target) ? 'Not a directory' : 'No such file or directory'}\n`)
    return 2
  }
  sh.setVar('OLDPWD', sh.cwd)
  sh.cwd = dir
  sh.setVar('PWD', shown(dir))
  if (back) io.stdout.write(`${shown(dir)}\n`)
  return 0
}

export const pwd: Builtin = async (_argv, io, sh) => {
  io.stdout.write(`${shown(sh.cwd)}\n`)
  return 0
}

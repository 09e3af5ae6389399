/**
 * dirname(1): `dirname string [...]` prints, for each string, everything before its last component
 * as dirname(3) finds it: `.` when there is no slash, `/` when only the root is left, and no trailing
 * slashes (`a//b/` gives `a`). Options are none (any is a usage error, exit 1). Pure string work:
 * it never looks at the files.
 */

import { getopt } from '../../getopt.js'
import type { Command } from '../../types.js'

const USAGE = 'usage: dirname string [...]\n'

/** dirname(3) of `p`. */
export function dirName(p: string): string {
  let end = p.length
  while (end > 1 && p[end - 1] === '/') end--
  const slash = p.lastIndexOf('/', end - 1)
  if (slash < 0) return '.'
  end = slash
  while (end > 0 && p[end - 1] === '/') end--
  return end === 0 ? '/' : p.slice(0, end)
}

export const dirname: Command = async (argv, io) => {
  const g = getopt('dirname', argv.slice(1), '')
  if (typeof g === 'string' || g.rest.length === 0) {
    io.stderr.write(`${typeof g === 'string' ? `${g}\n` : ''}${USAGE}`)
    return 1
  }
  io.stdout.write(g.rest.map((s) => `${dirName(s)}\n`).join(''))
  return 0
}

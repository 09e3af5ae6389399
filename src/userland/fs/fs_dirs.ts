/**
 * Directories over a flat file table (path → contents): the names a directory holds are the next
 * components of the paths below it, so a directory exists while anything lies below it, once it is
 * made (mkdir), or when it is one of hier(7)'s that every FreeBSD tree has. Pure functions over
 * the paths a file system hands in; it keeps nothing.
 */

/** Directories every FreeBSD jail's tree has (hier(7)), which the flat file table cannot list. */
export const HIER: ReadonlySet<string> = new Set([
  '/',
  '/tmp',
  '/root',
  '/etc',
  '/var',
  '/var/db',
  '/var/run',
  '/var/log',
  '/var/tmp',
  '/var/mail',
  '/usr',
  '/usr/local',
  '/usr/local/etc',
  '/dev',
])

/** `a/b//` → `a/b`, `/` stays, `.` and `./` are the empty relative directory ``. */
export function trimDir(path: string): string {
  if (path === '/' || /^\/+$/.test(path)) return '/'
  const p = path.replace(/\/+$/, '')
  return p === '.' ? '' : p
}

/**
 * The sorted names directly below `dir` among `paths` (files and made directories), or
 * undefined when nothing lies below it.
 */
export function childNames(paths: Iterable<string>, dir: string): string[] | undefined {
  const d = trimDir(dir)
  const prefix = d === '/' ? '/' : d === '' ? '' : `${d}/`
  const names = new Set<string>()
  for (const p of paths) {
    if (!p.startsWith(prefix) || p.length === prefix.length) continue
    if (prefix === '' && p.startsWith('/')) continue
    const rest = p.slice(prefix.length)
    const slash = rest.indexOf('/')
    const name = slash < 0 ? rest : rest.slice(0, slash)
    if (name !== '') names.add(name)
  }
  return names.size === 0 ? undefined : [...names].sort()
}

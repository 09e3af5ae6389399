/**
 * Where FreeBSD installs each program (hier(7)), so `/sbin/ifconfig`, `/usr/bin/netstat` or
 * `/usr/sbin/jail` name the same program as `ifconfig`. Only the directory FreeBSD uses resolves:
 * `/usr/bin/ifconfig` stays not found, as it is on FreeBSD. A lookup table, no state.
 */

const DIRS: Readonly<Record<string, readonly string[]>> = {
  '/bin': [
    'cat',
    'date',
    'echo',
    'expr',
    'hostname',
    'kenv',
    'kill',
    'mkdir',
    'pgrep',
    'pkill',
    'rm',
    'sh',
    'sleep',
    'test',
    '[',
  ],
  '/sbin': [
    'dhclient',
    'dnctl',
    'ifconfig',
    'ipfw',
    'kldload',
    'kldstat',
    'kldunload',
    'ping',
    'route',
    'sysctl',
  ],
  '/usr/bin': [
    'atf-sh',
    'awk',
    'cut',
    'false',
    'fetch',
    'grep',
    'head',
    'id',
    'iperf3',
    'jq',
    'killall',
    'nc',
    'netstat',
    'nohup',
    'printf',
    'sed',
    'seq',
    'sockstat',
    'sort',
    'tail',
    'tee',
    'touch',
    'tr',
    'true',
    'uname',
    'uniq',
    'wc',
    'xargs',
  ],
  '/usr/sbin': ['arp', 'jail', 'jexec', 'jls', 'ngctl', 'rctl', 'setfib', 'tcpdrop', 'traceroute'],
  '/usr/local/bin': ['packetdrill'],
  '/usr/local/sbin': ['dhcpd'],
}

const WHERE: ReadonlyMap<string, string> = new Map(
  Object.entries(DIRS).flatMap(([dir, names]) => names.map((n) => [`${dir}/${n}`, n] as const)),
)

/**
 * The program name an absolute path stands for (`/sbin/route` -> `route`); a name without a slash
 * is returned as it is; a path FreeBSD would not find a known program at gives undefined.
 */
export function programName(path: string): string | undefined {
  if (!path.includes('/')) return path
  return WHERE.get(path.replace(/\/{2,}/g, '/'))
}

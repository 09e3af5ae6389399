/**
 * Where FreeBSD installs each program (hier(7)), so `/sbin/ifconfig`, `/usr/bin/netstat` or
 * `/usr/sbin/jail` name the same program as `ifconfig`. Only the directory FreeBSD uses resolves:
 * `/usr/bin/ifconfig` stays not found, as it is on FreeBSD. A lookup table, no state.
 */

const DIRS: Readonly<Record<string, readonly string[]>> = {
  '/bin': [
    'cat',
    'chmod',
    'date',
    'echo',
    'expr',
    'hostname',
    'kenv',
    'kill',
    'mkdir',
    'pgrep',
    'pkill',
    'realpath',
    'rm',
    'sh',
    'sleep',
    'test',
    '[',
  ],
  '/sbin': [
    'devd',
    'dhclient',
    'dnctl',
    'ifconfig',
    'ipfw',
    'kldload',
    'kldstat',
    'kldunload',
    'ping',
    'resolvconf',
    'route',
    'sysctl',
  ],
  '/usr/bin': [
    'atf-sh',
    'awk',
    'basename',
    'chgrp',
    'cut',
    'dirname',
    'false',
    'fetch',
    'file',
    'grep',
    'head',
    'id',
    'iperf3',
    'jot',
    'killall',
    'mail',
    'nc',
    'netstat',
    'nohup',
    'printf',
    'rctl',
    'sed',
    'seq',
    'sockstat',
    'sort',
    'stat',
    'tail',
    'tee',
    'touch',
    'tr',
    'true',
    'uname',
    'uniq',
    'wc',
    'which',
    'xargs',
  ],
  '/usr/sbin': [
    'arp',
    'chown',
    'chroot',
    'ifmcstat',
    'inetd',
    'jail',
    'jexec',
    'jls',
    'ndp',
    'ngctl',
    'pkg',
    'pw',
    'sendmail',
    'service',
    'setfib',
    'sshd',
    'tcpdrop',
    'traceroute',
    'useradd',
  ],
  '/usr/libexec': ['ftpd', 'telnetd'],
  '/usr/local/bin': ['akpop3d', 'jq', 'packetdrill'],
  '/usr/local/sbin': ['dhcpd', 'lighttpd', 'pkg', 'postalias', 'postfix', 'sendmail', 'tayga'],
}

/**
 * Ports installed under the name of a base program: the registry knows them by another key, and
 * the process is still called by its file name (ISC's /usr/local/sbin/dhclient beside /sbin/dhclient).
 */
const PORTS: ReadonlyArray<readonly [path: string, key: string, comm: string]> = [
  ['/usr/local/sbin/dhclient', 'isc-dhclient', 'dhclient'],
  ['/usr/local/libexec/postfix/master', 'postfix-master', 'master'],
]

const WHERE: ReadonlyMap<string, string> = new Map([
  ...Object.entries(DIRS).flatMap(([dir, names]) => names.map((n) => [`${dir}/${n}`, n] as const)),
  ...PORTS.map(([path, key]) => [path, key] as const),
])

const COMM: ReadonlyMap<string, string> = new Map(PORTS.map(([, key, comm]) => [key, comm]))

/** The name a process of registry key `name` runs under (p_comm): its file's name. */
export function processName(name: string): string {
  return COMM.get(name) ?? name
}

/**
 * The program name an absolute path stands for (`/sbin/route` -> `route`); a name without a slash
 * is returned as it is; a path FreeBSD would not find a known program at gives undefined.
 */
export function programName(path: string): string | undefined {
  if (!path.includes('/')) return path
  return WHERE.get(path.replace(/\/{2,}/g, '/'))
}

/** Root's default PATH (login.conf), the order which(1) searches. */
const PATH_ORDER: readonly string[] = [
  '/sbin',
  '/bin',
  '/usr/sbin',
  '/usr/bin',
  '/usr/local/sbin',
  '/usr/local/bin',
]

/** Where a program of this name is installed, in PATH order (usually one place; none if unknown). */
export function programPaths(name: string): string[] {
  const out: string[] = []
  for (const dir of PATH_ORDER) if (WHERE.get(`${dir}/${name}`) === name) out.push(`${dir}/${name}`)
  return out
}

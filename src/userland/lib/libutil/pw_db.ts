/**
 * The user and group databases as FreeBSD keeps them in text: /etc/master.passwd (with password
 * hashes, root-only), /etc/passwd (the same without them) and /etc/group — getpwnam(3),
 * getgrnam(3) and what pw(8) writes. A tree without these files (a jail made by `jail -c`) has
 * FreeBSD 14's stock accounts plus those of the ports VirtNet has built in (postfix), so
 * `chown www` works everywhere. Pure functions over a FileSystem; nothing is cached.
 */

import type { FileSystem } from '../../types.js'

export const MASTER_PASSWD = '/etc/master.passwd'
export const PASSWD = '/etc/passwd'
export const GROUP = '/etc/group'

export interface PwEnt {
  name: string
  passwd: string
  uid: number
  gid: number
  class: string
  change: number
  expire: number
  gecos: string
  dir: string
  shell: string
}

export interface GrEnt {
  name: string
  passwd: string
  gid: number
  members: string[]
}

const NOLOGIN = '/usr/sbin/nologin'

/** FreeBSD 14's /etc/master.passwd, then the postfix port's user. */
const STOCK_USERS: ReadonlyArray<readonly [string, number, number, string, string, string]> = [
  ['root', 0, 0, 'Charlie &', '/root', '/bin/sh'],
  ['toor', 0, 0, 'Bourne-again Superuser', '/root', ''],
  ['daemon', 1, 1, 'Owner of many system processes', '/root', NOLOGIN],
  ['operator', 2, 5, 'System &', '/', NOLOGIN],
  ['bin', 3, 7, 'Binaries Commands and Source', '/', NOLOGIN],
  ['tty', 4, 65533, 'Tty Sandbox', '/', NOLOGIN],
  ['kmem', 5, 65533, 'KMem Sandbox', '/', NOLOGIN],
  ['games', 7, 13, 'Games pseudo-user', '/', NOLOGIN],
  ['news', 8, 8, 'News Subsystem', '/', NOLOGIN],
  ['man', 9, 9, 'Mister Man Pages', '/usr/share/man', NOLOGIN],
  ['sshd', 22, 22, 'Secure Shell Daemon', '/var/empty', NOLOGIN],
  ['smmsp', 25, 25, 'Sendmail Submission User', '/var/spool/clientmqueue', NOLOGIN],
  ['mailnull', 26, 26, 'Sendmail Default User', '/var/spool/mqueue', NOLOGIN],
  ['bind', 53, 53, 'Bind Sandbox', '/', NOLOGIN],
  ['unbound', 59, 59, 'Unbound DNS Resolver', '/var/unbound', NOLOGIN],
  ['proxy', 62, 62, 'Packet Filter pseudo-user', '/nonexistent', NOLOGIN],
  ['_pflogd', 64, 64, 'pflogd privsep user', '/var/empty', NOLOGIN],
  ['_dhcp', 65, 65, 'dhcp programs', '/var/empty', NOLOGIN],
  ['uucp', 66, 66, 'UUCP pseudo-user', '/var/spool/uucppublic', '/usr/local/libexec/uucp/uucico'],
  ['pop', 68, 6, 'Post Office Owner', '/nonexistent', NOLOGIN],
  ['auditdistd', 78, 77, 'Auditdistd unprivileged user', '/var/empty', NOLOGIN],
  ['www', 80, 80, 'World Wide Web Owner', '/nonexistent', NOLOGIN],
  ['ntpd', 123, 123, 'NTP Daemon', '/var/db/ntp', NOLOGIN],
  ['_ypldap', 160, 160, 'YP LDAP unprivileged user', '/var/empty', NOLOGIN],
  ['hast', 845, 845, 'HAST unprivileged user', '/var/empty', NOLOGIN],
  ['nobody', 65534, 65534, 'Unprivileged user', '/nonexistent', NOLOGIN],
  ['postfix', 125, 125, 'Postfix Mail System', '/var/spool/postfix', NOLOGIN],
]

const STOCK_GROUPS: ReadonlyArray<readonly [string, number, string]> = [
  ['wheel', 0, 'root'],
  ['daemon', 1, ''],
  ['kmem', 2, ''],
  ['sys', 3, ''],
  ['tty', 4, ''],
  ['operator', 5, 'root'],
  ['mail', 6, ''],
  ['bin', 7, ''],
  ['news', 8, ''],
  ['man', 9, ''],
  ['games', 13, ''],
  ['ftp', 14, ''],
  ['staff', 20, ''],
  ['sshd', 22, ''],
  ['smmsp', 25, ''],
  ['mailnull', 26, ''],
  ['guest', 31, ''],
  ['video', 44, ''],
  ['realtime', 47, ''],
  ['bind', 53, ''],
  ['unbound', 59, ''],
  ['proxy', 62, ''],
  ['authpf', 63, ''],
  ['_pflogd', 64, ''],
  ['_dhcp', 65, ''],
  ['uucp', 66, ''],
  ['dialer', 68, ''],
  ['network', 69, ''],
  ['audit', 77, ''],
  ['www', 80, ''],
  ['ntpd', 123, ''],
  ['_ypldap', 160, ''],
  ['hast', 845, ''],
  ['tests', 977, ''],
  ['nogroup', 65533, ''],
  ['nobody', 65534, ''],
  ['postfix', 125, ''],
  ['maildrop', 126, ''],
]

function stockUsers(): PwEnt[] {
  return STOCK_USERS.map(([name, uid, gid, gecos, dir, shell]) => ({
    name,
    passwd: '*',
    uid,
    gid,
    class: '',
    change: 0,
    expire: 0,
    gecos,
    dir,
    shell,
  }))
}

/** The lines of a database file, comments and blank lines left out. */
function records(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'))
}

/**
 * Every account: master.passwd's (10 fields), else passwd's (7 fields, no hashes), else the stock
 * ones. Malformed lines are skipped, as getpwent(3) skips them.
 */
export function users(fs: FileSystem): PwEnt[] {
  const master = fs.read(MASTER_PASSWD)
  if (master !== undefined) {
    const out: PwEnt[] = []
    for (const f of records(master)) {
      if (f.length !== 10 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) continue
      out.push({
        name: f[0]!,
        passwd: f[1]!,
        uid: Number(f[2]),
        gid: Number(f[3]),
        class: f[4]!,
        change: Number(f[5]) || 0,
        expire: Number(f[6]) || 0,
        gecos: f[7]!,
        dir: f[8]!,
        shell: f[9]!,
      })
    }
    return out
  }
  const pw = fs.read(PASSWD)
  if (pw !== undefined) {
    const out: PwEnt[] = []
    for (const f of records(pw)) {
      if (f.length !== 7 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) continue
      out.push({
        name: f[0]!,
        passwd: '*',
        uid: Number(f[2]),
        gid: Number(f[3]),
        class: '',
        change: 0,
        expire: 0,
        gecos: f[4]!,
        dir: f[5]!,
        shell: f[6]!,
      })
    }
    return out
  }
  return stockUsers()
}

export function groups(fs: FileSystem): GrEnt[] {
  const text = fs.read(GROUP)
  if (text === undefined)
    return STOCK_GROUPS.map(([name, gid, m]) => ({ name, passwd: '*', gid, members: m ? m.split(',') : [] }))
  const out: GrEnt[] = []
  for (const f of records(text)) {
    if (f.length !== 4 || !/^\d+$/.test(f[2]!)) continue
    out.push({ name: f[0]!, passwd: f[1]!, gid: Number(f[2]), members: f[3] ? f[3].split(',') : [] })
  }
  return out
}

/** getpwnam(3); a numeric string is not looked up (getpwuid is). */
export function getpwnam(fs: FileSystem, name: string): PwEnt | undefined {
  return users(fs).find((u) => u.name === name)
}

export function getpwuid(fs: FileSystem, uid: number): PwEnt | undefined {
  return users(fs).find((u) => u.uid === uid)
}

export function getgrnam(fs: FileSystem, name: string): GrEnt | undefined {
  return groups(fs).find((g) => g.name === name)
}

export function getgrgid(fs: FileSystem, gid: number): GrEnt | undefined {
  return groups(fs).find((g) => g.gid === gid)
}

export function masterLine(u: PwEnt): string {
  return [u.name, u.passwd, u.uid, u.gid, u.class, u.change, u.expire, u.gecos, u.dir, u.shell].join(':')
}

export function passwdLine(u: PwEnt): string {
  return [u.name, '*', u.uid, u.gid, u.gecos, u.dir, u.shell].join(':')
}

export function groupLine(g: GrEnt): string {
  return [g.name, g.passwd, g.gid, g.members.join(',')].join(':')
}

/** Writes one file whole; false when the file system refused (full, too many files). */
function writeFile(fs: FileSystem, path: string, text: string): boolean {
  return fs.truncate(path) && fs.append(path, text)
}

/**
 * pwd_mkdb's effect: master.passwd, passwd and group rewritten from the given lists (the
 * databases' binary forms are not kept; every reader here parses the text).
 */
export function saveDb(fs: FileSystem, us: readonly PwEnt[], gs: readonly GrEnt[]): boolean {
  return (
    writeFile(fs, MASTER_PASSWD, `${us.map(masterLine).join('\n')}\n`) &&
    writeFile(fs, PASSWD, `${us.map(passwdLine).join('\n')}\n`) &&
    writeFile(fs, GROUP, `${gs.map(groupLine).join('\n')}\n`)
  )
}

/** Writes the stock databases into a tree that has none (a lab's shared base, IMUNES's vroot). */
export function seedDb(fs: FileSystem): boolean {
  if (fs.has(MASTER_PASSWD)) return true
  return saveDb(fs, users(fs), groups(fs))
}

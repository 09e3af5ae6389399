/**
 * pw(8), the part that adds and shows accounts: `pw useradd [name] [-n name] [-u uid] [-g group]
 * [-G groups] [-c comment] [-d dir] [-s shell] [-k skel] [-m] [-h fd | -H fd] [-q]`,
 * `pw usershow name`, `pw userdel name`, `pw groupshow name`. `-h 0` reads the password from
 * standard input and stores its SHA-512 crypt (FreeBSD's default passwd_format); `-h -` locks the
 * account. Also `useradd` with shadow-utils' spelling (`useradd NAME -m -g GROUP -p HASH`), which
 * IMUNES's Linux scripts use. The files are master.passwd, passwd and group in the process's tree
 * (pw_db.ts); home directories need no creating in the flat file table.
 * Must not: change anything when any argument is bad.
 */

import { getopt } from '../getopt.js'
import { cryptSha512, newSha512Setting } from '../lib/libcrypt/crypt_sha512.js'
import { type GrEnt, groups, masterLine, type PwEnt, saveDb, users } from '../lib/libutil/pw_db.js'
import type { Command, Io, Proc } from '../types.js'

/** sysexits(3) as pw uses them. */
const EX_USAGE = 64
const EX_DATAERR = 65
const EX_NOUSER = 67
const EX_IOERR = 74
const EX_NOPERM = 77

const FIRST_UID = 1001
const FIRST_GID = 1001

const USAGE_ADD =
  'usage:\n  pw useradd [name] [switches]\n\t-V etcdir      alternate /etc location\n\t-C config      configuration file\n\t-q             quiet operation\n  Adding users:\n\t-n name        login name\n\t-u uid         user id\n\t-c comment     user name/comment\n\t-d directory   home directory\n\t-e date        account expiry date\n\t-p date        password expiry date\n\t-g grp         initial group\n\t-G grp1,grp2   additional groups\n\t-m [ -k dir ]  create and set up home\n\t-M mode        home directory permissions\n\t-s shell       name of login shell\n\t-o             duplicate uid ok\n\t-L class       user class\n\t-h fd          read password on fd\n\t-H fd          read encrypted password on fd\n\t-Y             update NIS maps\n\t-N             no update\n'

/** The first line of standard input (pw -h 0), at most 4 KiB of it looked at. */
async function readPassword(io: Io): Promise<string> {
  let text = ''
  for (let c = await io.stdin.read(); c !== null && text.length < 4096; c = await io.stdin.read()) {
    text += c
    if (text.includes('\n')) break
  }
  const nl = text.indexOf('\n')
  return nl < 0 ? text : text.slice(0, nl)
}

function nextId(used: ReadonlySet<number>, first: number): number {
  let id = first
  while (used.has(id)) id++
  return id
}

interface NewUser {
  name: string
  uid?: number
  group?: string
  extra: string[]
  comment: string
  dir?: string
  shell: string
  /** crypt string to store, or a fd to read the clear (`h`) or hashed (`H`) password from. */
  passwd: string | { fd: string; hashed: boolean }
}

/** Adds `n`; returns an exit status after writing pw's or useradd's complaint. */
async function addUser(tool: 'pw' | 'useradd', n: NewUser, io: Io, proc: Proc): Promise<number> {
  const err = (s: string, code: number): number => {
    io.stderr.write(`${tool}: ${s}\n`)
    return code
  }
  if (proc.sys.uid !== 0)
    return err(
      tool === 'pw' ? 'you must be root to run this program' : 'Permission denied.',
      tool === 'pw' ? EX_NOPERM : 1,
    )
  if (!/^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,31}$/.test(n.name) || n.name.endsWith('.'))
    return err(
      tool === 'pw' ? `invalid character \`${n.name}' in field` : `invalid user name '${n.name}'`,
      tool === 'pw' ? EX_DATAERR : 3,
    )
  const us = users(proc.fs)
  const gs = groups(proc.fs)
  if (us.some((u) => u.name === n.name))
    return err(
      tool === 'pw' ? `login name \`${n.name}' already exists` : `user '${n.name}' already exists`,
      tool === 'pw' ? EX_DATAERR : 9,
    )
  const findGroup = (g: string): GrEnt | undefined =>
    /^\d+$/.test(g) ? gs.find((x) => x.gid === Number(g)) : gs.find((x) => x.name === g)
  let primary: GrEnt | undefined
  let newGroup: GrEnt | undefined
  if (n.group !== undefined) {
    primary = findGroup(n.group)
    if (primary === undefined)
      return err(
        tool === 'pw' ? `group \`${n.group}' does not exist` : `group '${n.group}' does not exist`,
        tool === 'pw' ? EX_NOUSER : 6,
      )
  }
  const extra: GrEnt[] = []
  for (const g of n.extra) {
    const x = findGroup(g)
    if (x === undefined)
      return err(
        tool === 'pw' ? `group \`${g}' does not exist` : `group '${g}' does not exist`,
        tool === 'pw' ? EX_NOUSER : 6,
      )
    extra.push(x)
  }
  const usedUids = new Set(us.map((u) => u.uid))
  if (n.uid !== undefined && usedUids.has(n.uid))
    return err(
      tool === 'pw' ? `uid \`${n.uid}' has already been allocated` : 'UID is not unique',
      tool === 'pw' ? EX_DATAERR : 4,
    )
  const uid = n.uid ?? nextId(usedUids, FIRST_UID)
  if (primary === undefined) {
    // pw and useradd both make a group of the user's own name when none is given.
    const usedGids = new Set(gs.map((g) => g.gid))
    newGroup = {
      name: n.name,
      passwd: '*',
      gid: usedGids.has(uid) ? nextId(usedGids, FIRST_GID) : uid,
      members: [],
    }
    primary = newGroup
  }
  let passwd: string
  if (typeof n.passwd === 'string') passwd = n.passwd
  else if (n.passwd.fd === '-') passwd = '*'
  else if (n.passwd.fd !== '0')
    return err(`-${n.passwd.hashed ? 'H' : 'h'} ${n.passwd.fd}: Bad file descriptor`, EX_IOERR)
  else {
    const line = await readPassword(io)
    passwd = n.passwd.hashed ? line : (cryptSha512(line, newSha512Setting(proc.sys.getrandom(16))) ?? '*')
  }
  const user: PwEnt = {
    name: n.name,
    passwd,
    uid,
    gid: primary.gid,
    class: '',
    change: 0,
    expire: 0,
    gecos: n.comment,
    dir: n.dir ?? `/home/${n.name}`,
    shell: n.shell,
  }
  const nextGroups = newGroup === undefined ? [...gs] : [...gs, newGroup]
  for (const g of extra) {
    const i = nextGroups.indexOf(g)
    nextGroups[i] = { ...g, members: [...g.members, n.name] }
  }
  if (!saveDb(proc.fs, [...us, user], nextGroups))
    return err('/etc/master.passwd: No space left on device', EX_IOERR)
  return 0
}

function num(s: string): number | undefined {
  return /^\d+$/.test(s) ? Number(s) : undefined
}

export const pw: Command = async (argv, io, proc) => {
  const cmd = argv[1]
  if (cmd === undefined) {
    io.stderr.write('usage:\n  pw [user|group|lock|unlock] [add|del|mod|show|next] [help|switches/values]\n')
    return EX_USAGE
  }
  // pw accepts `useradd` and `user add`.
  let args = argv.slice(2)
  let verb = cmd
  if ((cmd === 'user' || cmd === 'group') && args[0] !== undefined) {
    verb = `${cmd}${args[0]}`
    args = args.slice(1)
  }
  // The name may come first, before the switches.
  let name: string | undefined
  if (args[0] !== undefined && !args[0].startsWith('-')) {
    name = args[0]
    args = args.slice(1)
  }
  if (verb === 'useradd') {
    const g = getopt('pw', args, 'V:C:qn:u:c:d:e:p:g:G:mM:k:s:oL:h:H:YN')
    if (typeof g === 'string') {
      io.stderr.write(`${g}\n${USAGE_ADD}`)
      return EX_USAGE
    }
    const n: NewUser = { name: name ?? '', extra: [], comment: 'User &', shell: '/bin/sh', passwd: '*' }
    for (const [f, a] of g.opts) {
      if (f === 'n') n.name = a
      else if (f === 'u') {
        const u = num(a)
        if (u === undefined) {
          io.stderr.write(`pw: invalid uid \`${a}'\n`)
          return EX_USAGE
        }
        n.uid = u
      } else if (f === 'g') n.group = a
      else if (f === 'G') n.extra = a.split(',').filter((x) => x !== '')
      else if (f === 'c') n.comment = a
      else if (f === 'd') n.dir = a
      else if (f === 's') n.shell = a.includes('/') ? a : `/bin/${a}`
      else if (f === 'h') n.passwd = { fd: a, hashed: false }
      else if (f === 'H') n.passwd = { fd: a, hashed: true }
    }
    if (n.name === '') {
      io.stderr.write('pw: user name or id required\n')
      return EX_DATAERR
    }
    return addUser('pw', n, io, proc)
  }
  if (verb === 'usershow' || verb === 'groupshow') {
    const key = name ?? ''
    if (verb === 'usershow') {
      const u = users(proc.fs).find((x) => x.name === key || String(x.uid) === key)
      if (u === undefined) {
        io.stderr.write(`pw: no such user \`${key}'\n`)
        return EX_NOUSER
      }
      io.stdout.write(`${masterLine(u)}\n`)
      return 0
    }
    const gr = groups(proc.fs).find((x) => x.name === key || String(x.gid) === key)
    if (gr === undefined) {
      io.stderr.write(`pw: unknown group \`${key}'\n`)
      return EX_NOUSER
    }
    io.stdout.write(`${gr.name}:${gr.passwd}:${gr.gid}:${gr.members.join(',')}\n`)
    return 0
  }
  if (verb === 'userdel') {
    if (proc.sys.uid !== 0) {
      io.stderr.write('pw: you must be root to run this program\n')
      return EX_NOPERM
    }
    const us = users(proc.fs)
    const u = us.find((x) => x.name === name)
    if (u === undefined) {
      io.stderr.write(`pw: no such user \`${name ?? ''}'\n`)
      return EX_NOUSER
    }
    const gs = groups(proc.fs)
      .filter((g) => !(g.name === u.name && g.gid === u.gid))
      .map((g) => ({ ...g, members: g.members.filter((m) => m !== u.name) }))
    if (
      !saveDb(
        proc.fs,
        us.filter((x) => x !== u),
        gs,
      )
    ) {
      io.stderr.write('pw: /etc/master.passwd: No space left on device\n')
      return EX_IOERR
    }
    return 0
  }
  io.stderr.write(`pw: ${cmd}: not supported here (useradd, usershow, userdel, groupshow are)\n`)
  return EX_USAGE
}

/**
 * shadow-utils' useradd: options may come after the login name (GNU getopt permutes). `-p` takes
 * an already encrypted password; without it the account is locked (`!` on Linux, `*` here).
 */
export const useradd: Command = async (argv, io, proc) => {
  const usage = (): number => {
    io.stderr.write('Usage: useradd [options] LOGIN\n')
    return 2
  }
  const names: string[] = []
  const n: NewUser = { name: '', extra: [], comment: '', shell: '/bin/sh', passwd: '*' }
  const valued = new Set(['-g', '-G', '-p', '-d', '-s', '-u', '-c', '-k', '-e', '-f', '-K', '-b'])
  const args = argv.slice(1)
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (valued.has(a)) {
      const v = args[++i]
      if (v === undefined) return usage()
      if (a === '-g') n.group = v
      else if (a === '-G') n.extra = v.split(',').filter((x) => x !== '')
      else if (a === '-p') n.passwd = v
      else if (a === '-d') n.dir = v
      else if (a === '-s') n.shell = v
      else if (a === '-c') n.comment = v
      else if (a === '-u') {
        const u = num(v)
        if (u === undefined) {
          io.stderr.write(`useradd: invalid user ID '${v}'\n`)
          return 3
        }
        n.uid = u
      }
    } else if (a === '-m' || a === '-M' || a === '-r' || a === '-N' || a === '-U' || a === '-o') continue
    else if (a.startsWith('-')) return usage()
    else names.push(a)
  }
  if (names.length !== 1) return usage()
  n.name = names[0]!
  return addUser('useradd', n, io, proc)
}

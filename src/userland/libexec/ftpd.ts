/**
 * ftpd(8), as inetd starts it (`ftp stream tcp nowait root /usr/libexec/ftpd ftpd -l`): the control
 * connection is standard input and output. It answers RFC 959's greeting and a minimal command
 * set: USER, PASS, SYST, PWD, CWD, TYPE, NOOP, PASV/EPSV (RFC 2428) with LIST and NLST, QUIT.
 *
 * VirtNet has no password database: users in /etc/ftpusers (FreeBSD's list when the node has no
 * such file: root, toor, daemon, ..., nobody) are refused at USER as ftpd refuses them; `ftp` and
 * `anonymous` log in as FreeBSD's guest (any password, the guest's tree /var/ftp); any other name
 * gets "Login incorrect." after PASS. Transfers (RETR, STOR) and active mode (PORT) are not
 * implemented and say so with 502. The session ends after QUIT, at the peer's close, or after 900
 * s without a command (ftpd's -t default). Must not: hold more than one data connection.
 */

import { AF_INET, AF_INET6, SOCK, type SocketFd } from '../../host/syscalls.js'
import { isSysError } from '../../util/errno.js'
import { formatIpv4 } from '../../wire/addr.js'
import { getopt } from '../getopt.js'
import type { Io, Proc } from '../types.js'
import { LineReader, nextLine, socketOf, TIMEOUT } from '../usr.sbin/inetd/socket_io.js'

const IDLE_NS = 900e9
const DATA_WAIT_NS = 60e9
const GUEST_ROOT = '/var/ftp'

/** FreeBSD's /etc/ftpusers. */
const FTPUSERS =
  'root toor daemon operator bin tty kmem games news man sshd smmsp mailnull bind unbound proxy _pflogd _dhcp uucp pop auditdistd www ntpd _ypldap hast tests nobody'

function refused(proc: Proc, user: string): boolean {
  const text = proc.fs.read('/etc/ftpusers') ?? FTPUSERS
  return text
    .split(/\s+/)
    .filter((w) => w !== '' && !w.startsWith('#'))
    .includes(user)
}

/** `ls -l`-style lines for the files of the guest's tree directly in `dir`. */
function listing(proc: Proc, dir: string, long: boolean): string {
  const base = `${GUEST_ROOT}${dir === '/' ? '' : dir}/`
  const names = new Set<string>()
  const sizes = new Map<string, number>()
  for (const f of proc.fs.list()) {
    if (!f.startsWith(base)) continue
    const rest = f.slice(base.length)
    const slash = rest.indexOf('/')
    const name = slash < 0 ? rest : rest.slice(0, slash)
    names.add(name)
    if (slash < 0) sizes.set(name, (proc.fs.read(f) ?? '').length)
  }
  const sorted = [...names].sort()
  if (!long) return sorted.map((n) => `${n}\r\n`).join('')
  let out = `total ${sorted.length}\r\n`
  for (const n of sorted) {
    const size = sizes.get(n)
    const mode = size === undefined ? 'drwxr-xr-x' : '-rw-r--r--'
    out += `${mode}  1 root  wheel  ${String(size ?? 512).padStart(8)} Jan  1 00:00 ${n}\r\n`
  }
  return out
}

export async function ftpd(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  // -l (log), -A, -D ... are accepted; only their logging or daemon modes would differ.
  const g = getopt('ftpd', argv.slice(1), '46ADdEhlMmOoRrSUvWa:P:p:T:t:u:')
  if (typeof g === 'string') {
    io.stderr.write(`${g}\n`)
    return 1
  }
  const ctl = socketOf(io)
  const reply = (s: string) => io.stdout.write(`${s}\r\n`)
  const lines = new LineReader(io)
  let user: string | null = null
  let loggedIn = false
  let pasv: SocketFd | null = null
  let cwd = '/'
  const closePasv = () => {
    pasv?.close()
    pasv = null
  }
  await reply(`220 ${proc.sys.getHostname()} FTP server (Version 6.00LS) ready.`)
  try {
    for (;;) {
      const line = await nextLine(lines, proc, IDLE_NS)
      if (line === null || proc.killed) return 0
      if (line === TIMEOUT) {
        await reply(`421 Timeout (${IDLE_NS / 1e9} seconds): closing control connection.`)
        return 0
      }
      const sp = line.indexOf(' ')
      const cmd = (sp < 0 ? line : line.slice(0, sp)).toUpperCase()
      const arg = sp < 0 ? '' : line.slice(sp + 1).trim()
      const needLogin = !['USER', 'PASS', 'QUIT', 'SYST', 'NOOP', 'HELP'].includes(cmd)
      if (needLogin && !loggedIn && /^[A-Z]{3,4}$/.test(cmd)) {
        await reply('530 Please login with USER and PASS.')
        continue
      }
      switch (cmd) {
        case 'USER': {
          loggedIn = false
          const name = arg === 'anonymous' ? 'ftp' : arg
          if (name !== 'ftp' && refused(proc, name)) {
            user = null
            await reply(`530 User ${arg} access denied.`)
          } else {
            user = name
            await reply(
              name === 'ftp'
                ? '331 Guest login ok, send your email address as password.'
                : `331 Password required for ${arg}.`,
            )
          }
          break
        }
        case 'PASS':
          if (user === null) await reply('503 Login with USER first.')
          else if (user === 'ftp') {
            loggedIn = true
            await reply('230 Guest login ok, access restrictions apply.')
          } else {
            user = null
            await reply('530 Login incorrect.')
          }
          break
        case 'SYST':
          await reply('215 UNIX Type: L8 Version: BSD-199506')
          break
        case 'NOOP':
          await reply('200 NOOP command successful.')
          break
        case 'PWD':
        case 'XPWD':
          await reply(`257 "${cwd}" is current directory.`)
          break
        case 'CWD': {
          const to =
            arg === '' || arg === '/' || arg === '..'
              ? '/'
              : arg.startsWith('/')
                ? arg
                : `${cwd === '/' ? '' : cwd}/${arg}`
          const exists = to === '/' || proc.fs.list().some((f) => f.startsWith(`${GUEST_ROOT}${to}/`))
          if (exists) {
            cwd = to
            await reply('250 CWD command successful.')
          } else await reply(`550 ${arg}: No such file or directory.`)
          break
        }
        case 'TYPE':
          if (/^[AI]$/i.test(arg)) await reply(`200 Type set to ${arg.toUpperCase()}.`)
          else await reply(`504 Type ${arg} not implemented.`)
          break
        case 'PASV':
        case 'EPSV': {
          closePasv()
          const local = ctl?.getsockname()
          const v6 = local?.addr6 !== undefined
          if (ctl === undefined || local === undefined || (cmd === 'PASV' && v6)) {
            await reply(
              cmd === 'PASV' ? "425 Can't open passive connection." : '500 EPSV: no control socket.',
            )
            break
          }
          const s = proc.sys.socket(v6 ? AF_INET6 : AF_INET, SOCK.STREAM)
          try {
            s.bind({ ...local, port: 0 })
            s.listen(1)
          } catch (e) {
            s.close()
            if (!isSysError(e)) throw e
            await reply(`425 Can't open passive connection: ${e.strerror}.`)
            break
          }
          pasv = s
          const port = s.getsockname().port
          if (cmd === 'EPSV') await reply(`229 Entering Extended Passive Mode (|||${port}|)`)
          else
            await reply(
              `227 Entering Passive Mode (${formatIpv4(local.addr).replace(/\./g, ',')},${port >> 8},${port & 255})`,
            )
          break
        }
        case 'LIST':
        case 'NLST': {
          if (pasv === null) {
            await reply("425 Can't build data connection: no PASV or EPSV first.")
            break
          }
          const s: SocketFd = pasv
          pasv = null
          await reply(
            `150 Opening ASCII mode data connection for '${cmd === 'LIST' ? '/bin/ls' : 'file list'}'.`,
          )
          let data: SocketFd | null = null
          try {
            data = (await s.accept(DATA_WAIT_NS)).fd
            const text = listing(proc, cwd, cmd === 'LIST')
            const b = new Uint8Array(text.length)
            for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i) & 255
            await data.send(b)
            await reply('226 Transfer complete.')
          } catch (e) {
            if (!isSysError(e)) throw e
            await reply("425 Can't open data connection.")
          } finally {
            data?.close()
            s.close()
          }
          break
        }
        case 'PORT':
        case 'EPRT':
        case 'RETR':
        case 'STOR':
          await reply(`502 ${cmd} command not implemented.`)
          break
        case 'HELP':
          await reply('214 Commands: USER PASS SYST PWD CWD TYPE NOOP PASV EPSV LIST NLST QUIT')
          break
        case 'QUIT':
          await reply('221 Goodbye.')
          return 0
        default:
          await reply(`500 '${line}': command not understood.`)
      }
    }
  } finally {
    closePasv()
  }
}

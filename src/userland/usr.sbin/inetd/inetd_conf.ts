/**
 * inetd.conf(5): one service per line — `name socket-type protocol wait|nowait[/max-child] user
 * server-program [argv...]` — with `#` comments, and the services(5) names a configuration uses.
 * Also the file a FreeBSD base system ships, every service commented out, which IMUNES's
 * `services` enable with `sed -i -e "s/^#ftp/ftp/"`. Pure functions; bad lines are reported, not
 * thrown.
 */

/** One enabled stream service. */
export interface InetdService {
  name: string
  port: number
  /** 4, 6 or both (tcp46). */
  families: ReadonlyArray<4 | 6>
  /** nowait's max-child: at most this many servers at once (0: inetd's own bound). */
  maxChild: number
  user: string
  /** The server's path and its argv (argv[0] as the line gives it). */
  program: string
  argv: string[]
}

/** services(5) entries for the TCP services inetd.conf usually names. */
const SERVICES: Readonly<Record<string, number>> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  time: 37,
  finger: 79,
  http: 80,
  pop3: 110,
  auth: 113,
  nntp: 119,
  imap: 143,
  shell: 514,
  login: 513,
  exec: 512,
}

/** getservbyname(name, "tcp"): /etc/services when the node has it, else the table above. */
export function servicePort(name: string, etcServices: string | undefined): number | undefined {
  if (etcServices !== undefined) {
    for (const raw of etcServices.split('\n')) {
      const words = raw.replace(/#.*/, '').trim().split(/\s+/)
      const m = /^(\d+)\/tcp$/.exec(words[1] ?? '')
      if (m !== null && (words[0] === name || words.slice(2).includes(name))) return Number(m[1])
    }
    return undefined
  }
  return Object.hasOwn(SERVICES, name) ? SERVICES[name] : undefined
}

export interface ParsedConf {
  services: InetdService[]
  /** syslog's messages for lines that were skipped. */
  errors: string[]
}

export function parseInetdConf(text: string, etcServices: string | undefined): ParsedConf {
  const services: InetdService[] = []
  const errors: string[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const w = line.split(/\s+/)
    if (w.length < 6) {
      errors.push(`${line}: incomplete line`)
      continue
    }
    const [name, type, proto, wait, user, program, ...argv] = w as [
      string,
      string,
      string,
      string,
      string,
      string,
    ]
    if (type !== 'stream' || !/^tcp(4|6|46)?$/.test(proto)) {
      errors.push(`${name}/${proto}: ${type} ${proto} services are not supported`)
      continue
    }
    const [mode, max] = wait.split('/')
    if (mode !== 'nowait') {
      errors.push(`${name}/${proto}: wait services are not supported`)
      continue
    }
    if (program === 'internal') {
      errors.push(`${name}/${proto}: internal services are not supported`)
      continue
    }
    const port = /^\d+$/.test(name) ? Number(name) : servicePort(name, etcServices)
    if (port === undefined || port < 1 || port > 65535) {
      errors.push(`${name}/${proto}: unknown service`)
      continue
    }
    const maxChild = max === undefined ? 0 : Number(max)
    if (!Number.isInteger(maxChild) || maxChild < 0) {
      errors.push(`${name}/${proto}: bad max-child ${max}`)
      continue
    }
    const families: Array<4 | 6> = proto === 'tcp6' ? [6] : proto === 'tcp46' ? [4, 6] : [4]
    services.push({
      name,
      port,
      families,
      maxChild,
      user: user.split(/[:/]/)[0]!,
      program,
      argv: argv.length > 0 ? argv : [program],
    })
  }
  return { services, errors }
}

/**
 * The /etc/inetd.conf of a FreeBSD base system for the services VirtNet has servers for (the
 * layout FreeBSD uses: every entry commented out, a tcp and a tcp6 line each).
 */
export const DEFAULT_INETD_CONF = `#
# Internet server configuration database
#
# Define *both* IPv4 and IPv6 entries for dual-stack support.
# To disable a service, comment it out by prefixing the line with '#'.
# To enable a service, remove the '#' at the beginning of the line.
#
#ftp\tstream\ttcp\tnowait\troot\t/usr/libexec/ftpd\tftpd -l
#ftp\tstream\ttcp6\tnowait\troot\t/usr/libexec/ftpd\tftpd -l
#ssh\tstream\ttcp\tnowait\troot\t/usr/sbin/sshd\tsshd -i -4
#ssh\tstream\ttcp6\tnowait\troot\t/usr/sbin/sshd\tsshd -i -6
#telnet\tstream\ttcp\tnowait\troot\t/usr/libexec/telnetd\ttelnetd
#telnet\tstream\ttcp6\tnowait\troot\t/usr/libexec/telnetd\ttelnetd
`

/**
 * Postfix's main.cf (postconf(5)), the part a mail relay and local delivery need: `name = value`
 * lines with indented continuation lines and `#` comments, `$name`/`${name}` expansion, and
 * Postfix's defaults for what a file leaves out (myhostname from the host name, mydomain from it,
 * myorigin, mydestination, mynetworks by mynetworks_style, mail_spool_directory, alias_maps …).
 * Table references (`hash:/path`) are read from their source text (postmap/postalias's input);
 * a plain `/path` in a list is a file of names, as Postfix reads it. Pure: text and files in, a
 * checked configuration out; errors name the file and line as postconf does.
 */

import type { FileSystem } from '../../types.js'

export const MAIL_NAME = 'Postfix'
export const MAIL_VERSION = '3.9.1'
export const CONFIG_DIRECTORY = '/usr/local/etc/postfix'

export class MainCfError extends Error {}

/** The settings as written, continuation lines joined. */
export function parseMainCf(text: string, file: string): Map<string, string> {
  const out = new Map<string, string>()
  let last: string | undefined
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '')
    if (/^\s*#/.test(raw) || raw.trim() === '') continue
    if (/^\s/.test(raw)) {
      if (last === undefined)
        throw new MainCfError(`${file}, line ${i + 1}: missing '=' after attribute name: "${raw.trim()}"`)
      out.set(last, `${out.get(last)} ${raw.trim()}`.trim())
      continue
    }
    const m = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(raw)
    if (m === null)
      throw new MainCfError(`${file}, line ${i + 1}: missing '=' after attribute name: "${raw.trim()}"`)
    last = m[1]!
    out.set(last, m[2]!.trim())
  }
  return out
}

export interface PostfixConfig {
  get(name: string): string
  /** A list parameter, split on commas and white space, `/file` entries replaced by their lines. */
  list(name: string): string[]
  myhostname: string
  mydomain: string
  myorigin: string
  /** mydestination's domains, lower-case. */
  destinations: string[]
  /** mynetworks as [address, prefix length] pairs of IPv4. */
  networks: Array<[number, number]>
  relayhost: string
  spool: string
  homeMailbox: string
  queueDirectory: string
  /** Aliases from alias_maps' source files: lower-case name to targets. */
  aliases: Map<string, string[]>
  /** Whether an unknown local recipient is refused at RCPT (local_recipient_maps not empty). */
  checkLocal: boolean
  messageSizeLimit: number
  banner: string
  inetPort: number
  maillogFile: string
}

/** The host's interfaces as the defaults need them (address, prefix length). */
export interface HostView {
  hostname: string
  addrs: Array<[number, number]>
}

function ipv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s)
  if (m === null) return null
  const b = m.slice(1).map(Number)
  if (b.some((x) => x > 255)) return null
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0
}

export function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0
}

/** The table's source file for `type:/path` (hash, btree, lmdb, texthash), or undefined. */
function tableFile(ref: string): string | undefined {
  const m = /^(?:hash|btree|lmdb|texthash|cdb|dbm):(\/.*)$/.exec(ref)
  return m?.[1]
}

/** aliases(5): `name: target, target` with indented continuation lines. */
export function parseAliases(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  let last: string | undefined
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw) || raw.trim() === '') continue
    if (/^\s/.test(raw) && last !== undefined) {
      out.get(last)!.push(...splitList(raw))
      continue
    }
    const c = raw.indexOf(':')
    if (c <= 0) continue
    last = raw.slice(0, c).trim().toLowerCase()
    out.set(last, splitList(raw.slice(c + 1)))
  }
  return out
}

function splitList(s: string): string[] {
  return s.split(/[\s,]+/).filter((x) => x !== '')
}

/**
 * The configuration of `text` (main.cf) with Postfix's defaults; `fs` gives the files lists and
 * tables name.
 */
export function postfixConfig(text: string, file: string, fs: FileSystem, host: HostView): PostfixConfig {
  const raw = parseMainCf(text, file)
  const compat = Number(raw.get('compatibility_level') ?? '0') || 0
  const defaults: Record<string, string> = {
    myhostname: host.hostname.includes('.') ? host.hostname : `${host.hostname}.localdomain`,
    mydomain: '',
    myorigin: '$myhostname',
    mydestination: '$myhostname, localhost.$mydomain, localhost',
    mynetworks_style: compat >= 2 ? 'host' : 'subnet',
    relayhost: '',
    mail_spool_directory: '/var/mail',
    home_mailbox: '',
    queue_directory: '/var/spool/postfix',
    alias_maps: 'hash:/etc/mail/aliases',
    local_recipient_maps: 'proxy:unix:passwd.byname $alias_maps',
    message_size_limit: '10240000',
    mail_name: MAIL_NAME,
    mail_version: MAIL_VERSION,
    smtpd_banner: '$myhostname ESMTP $mail_name',
    inet_interfaces: 'all',
    maillog_file: '',
  }
  const lookup = (name: string): string | undefined => raw.get(name) ?? defaults[name]
  const expand = (s: string, depth: number): string =>
    s.replace(/\$(?:\{([A-Za-z0-9_]+)\}|\(([A-Za-z0-9_]+)\)|([A-Za-z0-9_]+))/g, (_m, a, b, c) => {
      const name = (a ?? b ?? c) as string
      if (depth > 20) throw new MainCfError(`${file}: parameter ${name}: recursion too deep`)
      if (name === 'mydomain' && lookup('mydomain') === '') return expand(derivedDomain(), depth + 1)
      const v = lookup(name)
      return v === undefined ? '' : expand(v, depth + 1)
    })
  const derivedDomain = (): string => {
    const h = expand(lookup('myhostname') ?? '', 0)
    const dot = h.indexOf('.')
    return dot < 0 ? 'localdomain' : h.slice(dot + 1)
  }
  const get = (name: string): string =>
    name === 'mydomain' && lookup('mydomain') === '' ? derivedDomain() : expand(lookup(name) ?? '', 0)
  const list = (name: string): string[] => {
    const out: string[] = []
    for (const item of splitList(get(name))) {
      if (item.startsWith('/')) {
        const t = fs.read(item)
        if (t === undefined) throw new MainCfError(`open ${item}: No such file or directory`)
        for (const l of t.split('\n')) {
          const w = l.replace(/#.*/, '').trim()
          if (w !== '') out.push(...splitList(w))
        }
      } else out.push(item)
    }
    return out
  }
  const networks: Array<[number, number]> = []
  if (raw.has('mynetworks')) {
    for (const n of list('mynetworks')) {
      const m = /^\[?([0-9.]+)\]?(?:\/(\d+))?$/.exec(n)
      const a = m === null ? null : ipv4(m[1]!)
      if (a === null) continue
      const len = m![2] === undefined ? 32 : Number(m![2])
      if (len <= 32) networks.push([(a & maskOf(len)) >>> 0, len])
    }
  } else {
    networks.push([0x7f000000, 8])
    const style = get('mynetworks_style')
    for (const [a, len] of host.addrs)
      if (style === 'host') networks.push([a, 32])
      else if (style === 'subnet') networks.push([(a & maskOf(len)) >>> 0, len])
      else
        networks.push([
          (a & maskOf(a >>> 31 === 0 ? 8 : a >>> 30 === 2 ? 16 : 24)) >>> 0,
          a >>> 31 === 0 ? 8 : a >>> 30 === 2 ? 16 : 24,
        ])
  }
  const aliases = new Map<string, string[]>()
  for (const ref of splitList(get('alias_maps'))) {
    const f = tableFile(ref)
    const t = f === undefined ? undefined : fs.read(f)
    if (t !== undefined) for (const [k, v] of parseAliases(t)) if (!aliases.has(k)) aliases.set(k, v)
  }
  const size = Number(get('message_size_limit'))
  const port = /^\d+$/.test(raw.get('smtpd_port') ?? '') ? Number(raw.get('smtpd_port')) : 25
  return {
    get,
    list,
    myhostname: get('myhostname'),
    mydomain: get('mydomain'),
    myorigin: get('myorigin'),
    destinations: list('mydestination').map((d) => d.toLowerCase()),
    networks,
    relayhost: get('relayhost'),
    spool: get('mail_spool_directory').replace(/\/+$/, ''),
    homeMailbox: get('home_mailbox'),
    queueDirectory: get('queue_directory').replace(/\/+$/, ''),
    aliases,
    checkLocal: get('local_recipient_maps').trim() !== '',
    messageSizeLimit: Number.isFinite(size) && size > 0 ? size : 10240000,
    banner: get('smtpd_banner'),
    inetPort: port,
    maillogFile: get('maillog_file'),
  }
}

export function inNetworks(cfg: PostfixConfig, addr: number): boolean {
  return cfg.networks.some(([net, len]) => (addr & maskOf(len)) >>> 0 === net)
}

/** Whether `domain` is final-delivered here (mydestination). */
export function isLocalDomain(cfg: PostfixConfig, domain: string): boolean {
  return cfg.destinations.includes(domain.toLowerCase().replace(/\.$/, ''))
}

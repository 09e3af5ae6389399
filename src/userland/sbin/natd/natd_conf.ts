/**
 * natd(8)'s options, from its command line and its configuration file (`-f FILE`: one option a
 * line, its name without the dash, `#` comments), as natd.c's ParseArgs/ReadConfigFile take them:
 * long and short names, yes/no switches whose value may be left out, the redirect_port /
 * redirect_addr / redirect_proto specifications. Pure parsing: it opens nothing; a bad option or
 * value is a NatdError with natd's message.
 */

import { parseIpv4 } from '../../../wire/addr.js'

export class NatdError extends Error {}

/** One redirect (SetupPortRedirect / SetupAddrRedirect / SetupProtoRedirect). */
export type NatdRedirect =
  | {
      kind: 'port'
      proto: number
      laddr: number
      lport: number
      /** Ports in the range (the local and public ranges have this length). */
      count: number
      /** 0: the alias address. */
      paddr: number
      pport: number
      raddr: number
      /** 0: any remote port. */
      rport: number
    }
  | { kind: 'addr'; laddr: number; paddr: number }
  | { kind: 'proto'; proto: number; laddr: number; paddr: number; raddr: number }

export interface NatdOpts {
  /** The divert port for both directions (-port). */
  port: number
  iface: string | null
  aliasAddr: number | null
  dynamic: boolean
  samePorts: boolean
  unregisteredOnly: boolean
  denyIncoming: boolean
  log: boolean
  logDenied: boolean
  useSockets: boolean
  reverse: boolean
  proxyOnly: boolean
  verbose: boolean
  targetAddr: number
  /** -punch_fw base:count, accepted; see natd.ts. */
  punchFw: string | null
  pidFile: string
  redirects: NatdRedirect[]
}

export function defaultOpts(): NatdOpts {
  return {
    port: 8668,
    iface: null,
    aliasAddr: null,
    dynamic: false,
    samePorts: false,
    unregisteredOnly: false,
    denyIncoming: false,
    log: false,
    logDenied: false,
    useSockets: false,
    reverse: false,
    proxyOnly: false,
    verbose: false,
    targetAddr: 0,
    punchFw: null,
    pidFile: '/var/run/natd.pid',
    redirects: [],
  }
}

type Kind = 'yesno' | 'value' | 'list'
type Key = keyof NatdOpts | 'config' | 'redirect_port' | 'redirect_addr' | 'redirect_proto' | 'ignored'

/** natd.c's option table: long name, short name, what it takes, where it goes. */
const OPTIONS: ReadonlyArray<readonly [string, string, Kind, Key]> = [
  ['unregistered_only', 'u', 'yesno', 'unregisteredOnly'],
  ['log', 'l', 'yesno', 'log'],
  ['proxy_only', '', 'yesno', 'proxyOnly'],
  ['reverse', '', 'yesno', 'reverse'],
  ['deny_incoming', 'd', 'yesno', 'denyIncoming'],
  ['use_sockets', 's', 'yesno', 'useSockets'],
  ['same_ports', 'm', 'yesno', 'samePorts'],
  ['verbose', 'v', 'yesno', 'verbose'],
  ['dynamic', '', 'yesno', 'dynamic'],
  ['log_denied', '', 'yesno', 'logDenied'],
  ['log_ipfw_denied', '', 'yesno', 'ignored'],
  ['port', 'p', 'value', 'port'],
  ['alias_address', 'a', 'value', 'aliasAddr'],
  ['target_address', 't', 'value', 'targetAddr'],
  ['interface', 'n', 'value', 'iface'],
  ['config', 'f', 'value', 'config'],
  ['redirect_port', '', 'list', 'redirect_port'],
  ['redirect_addr', '', 'list', 'redirect_addr'],
  ['redirect_proto', '', 'list', 'redirect_proto'],
  ['punch_fw', '', 'value', 'punchFw'],
  ['pid_file', 'P', 'value', 'pidFile'],
  ['log_facility', '', 'value', 'ignored'],
  ['exit_delay', '', 'value', 'ignored'],
]

const PROTOS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, icmp: 1, gre: 47, esp: 50, ah: 51 }

function addr(s: string): number {
  const a = parseIpv4(s)
  if (a === null) throw new NatdError(`Unknown host ${s}.`)
  return a >>> 0
}

function portNum(s: string, what: string): number {
  const n = /^\d+$/.test(s) ? Number(s) : Number.NaN
  if (!(n >= 0 && n <= 65535)) throw new NatdError(`${what}: port ${s} is not a number`)
  return n
}

/** `P` or `P-Q`: first port and count. */
function range(s: string, what: string): [number, number] {
  const [a, b] = s.split('-')
  const lo = portNum(a!, what)
  const hi = b === undefined ? lo : portNum(b, what)
  if (hi < lo) throw new NatdError(`${what}: invalid port range ${s}`)
  return [lo, hi - lo + 1]
}

function protoOf(s: string | undefined, what: string): number {
  const p = s === undefined ? undefined : PROTOS[s.toLowerCase()]
  if (p === undefined) throw new NatdError(`${what}: unknown protocol ${s ?? ''}`)
  return p
}

/** redirect_port proto targetIP:targetPORT[-targetPORT] [aliasIP:]aliasPORT[-aliasPORT] [remoteIP[:remotePORT[-remotePORT]]] */
function redirectPort(w: readonly string[]): NatdRedirect {
  const what = 'redirect_port'
  if (w.length < 3) throw new NatdError(`${what}: missing ports`)
  const proto = protoOf(w[0], what)
  if (proto !== 6 && proto !== 17) throw new NatdError(`${what}: protocol must be tcp or udp`)
  const [lhost, lports] = w[1]!.split(':')
  if (lports === undefined) throw new NatdError(`${what}: missing local port`)
  const [lport, lcount] = range(lports, what)
  const pub = w[2]!.split(':')
  const [pport, pcount] = range(pub[pub.length - 1]!, what)
  const paddr = pub.length > 1 ? addr(pub[0]!) : 0
  if (pcount !== lcount) throw new NatdError(`${what}: port ranges must be equal in size`)
  let raddr = 0
  let rport = 0
  if (w[3] !== undefined) {
    const [rhost, rports] = w[3].split(':')
    raddr = addr(rhost!)
    if (rports !== undefined) {
      const [rp, rc] = range(rports, what)
      if (rc !== 1 && rc !== lcount) throw new NatdError(`${what}: port ranges must be equal in size`)
      rport = rp
    }
  }
  return { kind: 'port', proto, laddr: addr(lhost!), lport, count: lcount, paddr, pport, raddr, rport }
}

/** Apply one option (name without dash) with the words after it; returns how many words it took. */
export function applyOption(
  o: NatdOpts,
  name: string,
  rest: readonly string[],
  readFile: (path: string) => string,
): number {
  const def = OPTIONS.find(([long, short]) => long === name || (short !== '' && short === name))
  if (def === undefined) throw new NatdError(`unknown option ${name}.`)
  const [long, , kind, key] = def
  if (kind === 'yesno') {
    const v = rest[0]
    const given = v === 'yes' || v === 'no'
    if (key !== 'ignored') (o as unknown as Record<string, boolean>)[key] = !given || v === 'yes'
    return given ? 1 : 0
  }
  if (kind === 'list') {
    if (rest.length === 0) throw new NatdError(`${long} needs an argument`)
    if (key === 'redirect_port') o.redirects.push(redirectPort(rest))
    else if (key === 'redirect_addr') {
      if (rest.length < 2) throw new NatdError('redirect_addr: missing address')
      o.redirects.push({ kind: 'addr', laddr: addr(rest[0]!), paddr: addr(rest[1]!) })
    } else {
      if (rest.length < 2) throw new NatdError('redirect_proto: missing address')
      o.redirects.push({
        kind: 'proto',
        proto: protoOf(rest[0], 'redirect_proto'),
        laddr: addr(rest[1]!),
        paddr: rest[2] === undefined ? 0 : addr(rest[2]),
        raddr: rest[3] === undefined ? 0 : addr(rest[3]),
      })
    }
    return rest.length
  }
  const v = rest[0]
  if (v === undefined) throw new NatdError(`${long} needs an argument`)
  switch (key) {
    case 'port': {
      // A number, or a divert service of /etc/services (natd).
      const n = v === 'natd' ? 8668 : /^\d+$/.test(v) ? Number(v) : Number.NaN
      if (!(n >= 1 && n <= 65535)) throw new NatdError(`${v}: unknown service`)
      o.port = n
      break
    }
    case 'aliasAddr':
      o.aliasAddr = addr(v)
      break
    case 'targetAddr':
      o.targetAddr = addr(v)
      break
    case 'iface':
      o.iface = v
      break
    case 'punchFw':
      if (!/^\d+:\d+$/.test(v)) throw new NatdError(`punch_fw: invalid firewall range ${v}`)
      o.punchFw = v
      break
    case 'pidFile':
      o.pidFile = v
      break
    case 'config':
      readConfig(o, readFile(v), readFile)
      break
    default:
      break
  }
  return 1
}

/** ReadConfigFile: `option [value...]` per line; the rest of a list option's line is its value. */
export function readConfig(o: NatdOpts, text: string, readFile: (path: string) => string): void {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim()
    if (line === '') continue
    const words = line.split(/\s+/)
    const name = words[0]!
    const rest = words.slice(1)
    const def = OPTIONS.find(([long, short]) => long === name || (short !== '' && short === name))
    // Single-valued options take the whole remainder as their one value (natd's strtok to EOL).
    applyOption(
      o,
      name,
      def !== undefined && def[2] === 'value' && rest.length > 1 ? [rest.join(' ')] : rest,
      readFile,
    )
  }
}

/** ParseArgs: `-option [value]` words in order; a list option takes the words up to the next `-option`. */
export function parseArgs(argv: readonly string[], readFile: (path: string) => string): NatdOpts {
  const o = defaultOpts()
  let i = 0
  while (i < argv.length) {
    const a = argv[i]!
    if (!a.startsWith('-') || a.length < 2) throw new NatdError(`unknown option ${a}.`)
    const name = a.slice(1)
    const def = OPTIONS.find(([long, short]) => long === name || (short !== '' && short === name))
    let j = i + 1
    if (def !== undefined && def[2] === 'list') while (j < argv.length && !argv[j]!.startsWith('-')) j++
    else if (def !== undefined && def[2] !== 'yesno') j = Math.min(argv.length, i + 2)
    else if (argv[j] === 'yes' || argv[j] === 'no') j++
    applyOption(o, name, argv.slice(i + 1, j), readFile)
    i = j
  }
  return o
}

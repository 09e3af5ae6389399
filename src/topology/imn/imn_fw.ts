/**
 * Firewall and NAT lines in IMUNES custom configurations (`/bin/sh` scripts that replace a node's
 * generated configuration). `ipfw` lines run as they are; the lab loads the modules they need, as
 * a FreeBSD host running IMUNES would have them loaded (scriptModules). natd(8) cannot run — it
 * reads packets from a divert socket, and VirtNet has none — so the classic natd setup is rewritten
 * into the in-kernel NAT that does the same job through the same libalias: `natd -n IF [options]`
 * becomes `ipfw nat K config if IF [options]` and `ipfw add N divert natd ...` becomes
 * `ipfw add N nat K ...`, one instance K per divert port, each rewrite reported.
 *
 * Only plain lines are rewritten (words and nothing a shell would expand); anything else is left
 * as written, with a warning when it runs natd or diverts. It must not run anything.
 */

import { moduleOrder } from '../firewall/firewall.js'

/** natd's default divert port (/etc/services: natd 8668/divert). */
const NATD_PORT = 8668

/** natd options that take no value (an optional yes/no may follow), as ipfw nat spells them. */
const NATD_FLAGS: Readonly<Record<string, string>> = Object.freeze({
  '-same_ports': 'same_ports',
  '-m': 'same_ports',
  '-unregistered_only': 'unreg_only',
  '-u': 'unreg_only',
  '-deny_incoming': 'deny_in',
  '-d': 'deny_in',
  '-log': 'log',
  '-l': 'log',
  '-reverse': 'reverse',
  '-proxy_only': 'proxy_only',
})

/** natd options with nothing to do here (logging, daemon housekeeping). */
const NATD_IGNORED_FLAGS: ReadonlySet<string> = new Set(['-verbose', '-v', '-use_sockets', '-s', '-dynamic'])
const NATD_IGNORED_VALUED: ReadonlySet<string> = new Set([
  '-log_facility',
  '-pid_file',
  '-P',
  '-exit_delay',
  '-instance',
  '-punch_fw',
  '-skinny_port',
])

/** Words a shell would treat specially: such a line is not rewritten. */
const SHELL_SPECIAL = /[$`'"\\;&|<>(){}*?[\]~]/

function commandName(word: string | undefined): string {
  return word === undefined ? '' : word.slice(word.lastIndexOf('/') + 1)
}

export interface Rewritten {
  lines: string[]
  /** One sentence per rewrite or refusal, for a warning naming the node. */
  notes: string[]
}

/** Rewrites natd and divert lines of a custom configuration into ipfw nat (see the module comment). */
export function rewriteNatd(lines: readonly string[]): Rewritten {
  const instances = new Map<number, number>()
  const instance = (port: number): number => {
    let k = instances.get(port)
    if (k === undefined) instances.set(port, (k = instances.size + 1))
    return k
  }
  const notes: string[] = []
  const out = lines.map((line) => {
    const words = line
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '')
    const cmd = commandName(words[0])
    const diverts = cmd === 'ipfw' && words.includes('divert')
    if (cmd !== 'natd' && !diverts) return line
    if (SHELL_SPECIAL.test(line.replace(/#.*/, ''))) {
      notes.push(`'${line.trim()}' cannot run (no divert sockets) and is too complex to rewrite; left as is`)
      return line
    }
    const r = cmd === 'natd' ? natdLine(words.slice(1), instance) : divertLine(words, instance)
    if ('why' in r) {
      notes.push(`'${line.trim()}' cannot run: ${r.why}; left as is`)
      return line
    }
    notes.push(`natd needs divert sockets, which VirtNet lacks: '${line.trim()}' runs as '${r.line}'`)
    return r.line
  })
  return { lines: out, notes }
}

type Rewrite = { line: string } | { why: string }

/** natd's arguments as an `ipfw nat K config` line, or why not. */
function natdLine(args: readonly string[], instance: (port: number) => number): Rewrite {
  let alias: string | null = null
  let port = NATD_PORT
  const words: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const value = (): string | null => args[++i] ?? null
    const flag = Object.hasOwn(NATD_FLAGS, a) ? NATD_FLAGS[a] : undefined
    if (flag !== undefined) {
      const next = args[i + 1]
      if (next === 'no') i++
      else {
        if (next === 'yes') i++
        words.push(flag)
      }
    } else if (a === '-interface' || a === '-n') {
      const v = value()
      if (v === null) return { why: `${a} needs an interface` }
      alias = `if ${v}`
    } else if (a === '-alias_address' || a === '-a') {
      const v = value()
      if (v === null) return { why: `${a} needs an address` }
      alias = `ip ${v}`
    } else if (a === '-port' || a === '-p') {
      const v = Number(value())
      if (!Number.isInteger(v) || v < 1 || v > 65535) return { why: `${a} needs a port number` }
      port = v
    } else if (a === '-redirect_port' || a === '-redirect_proto') {
      // proto target alias [remote]: up to the next option.
      const spec: string[] = []
      while (args[i + 1] !== undefined && !args[i + 1]!.startsWith('-')) spec.push(args[++i]!)
      if (spec.length < 2) return { why: `${a} needs its link specification` }
      words.push(`${a.slice(1)} ${spec.join(' ')}`)
    } else if (a === '-redirect_address' || a === '-redirect_addr') {
      const local = value()
      const pub = value()
      if (local === null || pub === null) return { why: `${a} needs a local and a public address` }
      words.push(`redirect_addr ${local} ${pub}`)
    } else if (NATD_IGNORED_FLAGS.has(a)) {
      if (args[i + 1] === 'yes' || args[i + 1] === 'no') i++
    } else if (NATD_IGNORED_VALUED.has(a)) i++
    else return { why: `natd option ${a} has no ipfw nat counterpart here` }
  }
  if (alias === null) return { why: 'natd needs -interface or -alias_address' }
  return { line: ['ipfw', 'nat', String(instance(port)), 'config', alias, ...words].join(' ') }
}

/** `ipfw [-q] add [N] divert natd|PORT REST` as `ipfw [-q] add [N] nat K REST`, or why not. */
function divertLine(words: readonly string[], instance: (port: number) => number): Rewrite {
  const d = words.indexOf('divert')
  const target = words[d + 1]
  const port = target === 'natd' ? NATD_PORT : Number(target)
  if (!words.includes('add') || !Number.isInteger(port) || port < 1 || port > 65535)
    return { why: 'divert sockets are not supported' }
  return {
    line: ['ipfw', ...words.slice(1, d), 'nat', String(instance(port)), ...words.slice(d + 2)].join(' '),
  }
}

/**
 * The modules a script's ipfw and dnctl commands need, in load order: ipfw for any; ipfw_nat when
 * one names `nat`, dummynet when one names `pipe`, `queue` or `sched` or is dnctl.
 */
export function scriptModules(lines: readonly string[]): string[] {
  const mods = new Set<string>()
  for (const line of lines)
    for (const command of line.replace(/#.*/, '').split(/[;&|]+/)) {
      const words = command.trim().split(/\s+/)
      const cmd = commandName(words[0])
      if (cmd === 'dnctl') mods.add('ipfw').add('dummynet')
      if (cmd !== 'ipfw') continue
      mods.add('ipfw')
      if (words.includes('nat')) mods.add('ipfw_nat')
      if (words.some((w) => w === 'pipe' || w === 'queue' || w === 'sched')) mods.add('dummynet')
    }
  return moduleOrder(mods)
}

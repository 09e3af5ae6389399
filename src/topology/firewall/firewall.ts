/**
 * A node's `nat`, `shaper` and `ipfw` sections (and `kind: nat`) resolved into the ipfw(8) command
 * lines the lab runs in the node, in order, and the kernel modules the lab loads for them (ipfw,
 * ipfw_nat, dummynet). Each line is checked here as far as ipfw(8) itself checks it before talking
 * to the kernel — its options, its command word, and `add` rules through ipfw's own rule compiler —
 * so a bad entry is reported with its file line before anything starts.
 *
 * It must not run anything (the emulator runs the lines, through the ipfw command, so the NAT and
 * dummynet parts answer exactly as they do at a prompt) and must not know how nat or pipe
 * configurations are parsed: those lines are ipfw nat's and dummynet's to judge when they run.
 */

import { IpfwAction } from '../../host/syscalls.js'
import { CompileError, compileRule } from '../../userland/sbin/ipfw/compile.js'
import { parseIpv4 } from '../../wire/addr.js'
import { contains, parsePrefix } from '../cidr.js'
import { type Diagnostics, formatPath, type Path } from '../file/diagnostics.js'
import type { NatFile, NodeFile, ShaperFile, TopologyFile } from '../file/schema.js'
import { parseBandwidth, parseDuration, parseProbability } from '../file/units.js'
import { type FirewallCmd, isL3, type Topology, type TopoNode } from '../model.js'

/** Modules in the order they are loaded (ipfw_nat and dummynet need ipfw). */
export const FIREWALL_MODULES = ['ipfw', 'ipfw_nat', 'dummynet'] as const

/** The rule that sends traffic to the NAT, and the first shaper rule, unless the file says. */
export const NAT_RULE = 100
export const SHAPER_RULE = 200
const SHAPER_STEP = 10

/** ipfw(8)'s options (getopt string "abcdefhnNqSstTv"). */
const IPFW_FLAGS = /^-[abcdefhnNqSstTv]+$/

/** Commands a lab line may give; `list` and `show` are allowed but print nowhere. */
const COMMANDS: ReadonlySet<string> = new Set([
  'add',
  'delete',
  'flush',
  'zero',
  'resetlog',
  'set',
  'enable',
  'disable',
  'table',
  'nat',
  'pipe',
  'queue',
  'sched',
  'list',
  'show',
])

/** An ipfw line as ipfw's file reader splits it: at white space, `#` to the end of the line dropped. */
export function ipfwWords(line: string): string[] {
  const hash = line.indexOf('#')
  const text = hash < 0 ? line : line.slice(0, hash)
  return text.split(/\s+/).filter((w) => w !== '')
}

/**
 * Checks one ipfw command line (the words after `ipfw`); returns the problem, or the modules the
 * line needs. Problems read as ipfw(8) prints them (`ipfw: ...`) where ipfw would print one.
 */
export function checkIpfwLine(argv: readonly string[]): { error: string } | { modules: string[] } {
  let k = 0
  const flags = new Set<string>()
  for (; k < argv.length && argv[k]!.startsWith('-'); k++) {
    if (!IPFW_FLAGS.test(argv[k]!)) return { error: `ipfw: illegal option -- ${argv[k]!.slice(1)}` }
    for (const c of argv[k]!.slice(1)) flags.add(c)
  }
  const cmd = argv[k]
  const rest = argv.slice(k + 1)
  if (cmd === undefined) return { error: 'empty line: give an ipfw command such as add, nat or pipe' }
  if (cmd === 'ipfw' || cmd === '/sbin/ipfw')
    return { error: `the lab gives each line to ipfw: write it without '${cmd}'` }
  if (cmd.startsWith('/')) return { error: 'a file of rules cannot be read by a lab; list its lines' }
  if (!COMMANDS.has(cmd)) return { error: `ipfw: bad command \`${cmd}'` }
  if (cmd === 'flush' && !flags.has('f') && !flags.has('q'))
    return { error: "flush asks for confirmation, which a lab cannot give: write '-f flush'" }
  if (cmd === 'add') {
    let action: number
    try {
      action = compileRule(rest).action
    } catch (e) {
      if (e instanceof CompileError) return { error: `ipfw: ${e.message}` }
      throw e
    }
    if (action === IpfwAction.NAT) return { modules: ['ipfw', 'ipfw_nat'] }
    if (action === IpfwAction.PIPE || action === IpfwAction.QUEUE) return { modules: ['ipfw', 'dummynet'] }
    return { modules: ['ipfw'] }
  }
  if (cmd === 'nat' || cmd === 'pipe' || cmd === 'queue' || cmd === 'sched') {
    if (rest[0] === undefined) return { error: `ipfw: ${cmd}: missing instance number` }
    return { modules: cmd === 'nat' ? ['ipfw', 'ipfw_nat'] : ['ipfw', 'dummynet'] }
  }
  return { modules: ['ipfw'] }
}

/** Modules in load order, without repeats. */
export function moduleOrder(mods: Iterable<string>): string[] {
  const want = new Set(mods)
  return FIREWALL_MODULES.filter((m) => want.has(m))
}

/**
 * Fills in `firewall` of every node with sections and `modules` of the topology, reporting bad
 * entries against their paths. Runs on the resolved topology, so the outside interface of a NAT can
 * follow a default route that automatic routing added, and interfaces created by links count.
 */
export function resolveFirewalls(t: Topology, file: TopologyFile, diags: Diagnostics): void {
  const modules = new Set<string>()
  for (const node of t.nodes) {
    const f = file.nodes[node.name]
    if (f === undefined || (f.kind !== 'nat' && !f.nat && !f.shaper && !f.ipfw)) continue
    const path: Path = ['nodes', node.name]
    if (!isL3(node.kind)) {
      for (const key of ['nat', 'shaper', 'ipfw'] as const)
        if (f[key] !== undefined) diags.error([...path, key], `a ${node.kind} has no IP stack to filter with`)
      continue
    }
    const cmds: FirewallCmd[] = []
    const paths: Path[] = []
    const add = (at: Path, line: string) => {
      cmds.push({ argv: ipfwWords(line), from: formatPath(at) })
      paths.push(at)
    }
    const nat = f.kind === 'nat' || f.nat !== undefined ? (f.nat ?? {}) : null
    const shaper = f.shaper ?? []
    // With one_pass on, the first of a nat and a pipe rule ends the search, so a packet could not
    // go through both (ipfw(8), "one_pass"); with it off, each re-enters the rules after its own.
    if (nat && shaper.length > 0) add([...path, 'shaper'], 'disable one_pass')
    if (nat) natLines(node, nat, f, [...path, 'nat'], diags, add)
    shaperLines(node, shaper, [...path, 'shaper'], diags, add)
    for (const [i, line] of (f.ipfw ?? []).entries()) add([...path, 'ipfw', i], line)
    // Every line is checked, the generated ones too: they carry the user's words (nat.config).
    for (const [k, c] of cmds.entries()) {
      const r = checkIpfwLine(c.argv)
      if ('error' in r) diags.error(paths[k]!, r.error)
      else for (const m of r.modules) modules.add(m)
    }
    if (nat) modules.add('ipfw_nat')
    if (shaper.length > 0) modules.add('dummynet')
    node.firewall = cmds
  }
  if (modules.size > 0) t.modules = moduleOrder(modules)
}

function hasIface(node: TopoNode, name: string): boolean {
  return node.interfaces.some((i) => i.name === name)
}

/** The interface on whose subnet the node's default gateway lies, if any. */
function defaultIface(node: TopoNode): string | null {
  const r = node.routes.find((x) => x.to === '0.0.0.0/0')
  const gw = r === undefined ? null : parseIpv4(r.via)
  if (gw === null) return null
  for (const i of node.interfaces)
    for (const a of i.addresses) {
      const p = parsePrefix(a)
      if (p !== null && contains(p, gw)) return i.name
    }
  return null
}

function natLines(
  node: TopoNode,
  nat: NatFile,
  f: NodeFile,
  path: Path,
  diags: Diagnostics,
  add: (at: Path, line: string) => void,
): void {
  let outside = nat.outside ?? null
  if (outside !== null && !hasIface(node, outside)) {
    diags.error([...path, 'outside'], `${node.name} has no interface ${outside}`)
    return
  }
  outside ??= defaultIface(node)
  if (outside === null) {
    diags.error(
      f.nat === undefined ? ['nodes', node.name, 'kind'] : path,
      `cannot tell the NAT's outside interface: give nat.outside, or a default route`,
    )
    return
  }
  const n = nat.instance ?? 1
  const alias = nat.address === undefined ? `if ${outside}` : `ip ${nat.address}`
  const more = nat.config === undefined ? '' : ` ${nat.config}`
  add(path, `nat ${n} config ${alias}${more}`)
  add(path, `add ${nat.rule ?? NAT_RULE} nat ${n} ip from any to any via ${outside}`)
}

/** `1Mbit/s`, `512Kbit/s`, `1500bit/s`: dummynet's bandwidth syntax, exact. */
function bwText(bps: number): string {
  if (bps % 1e6 === 0) return `${bps / 1e6}Mbit/s`
  if (bps % 1e3 === 0) return `${bps / 1e3}Kbit/s`
  return `${bps}bit/s`
}

function shaperLines(
  node: TopoNode,
  shaper: readonly ShaperFile[],
  path: Path,
  diags: Diagnostics,
  add: (at: Path, line: string) => void,
): void {
  const taken = new Set(shaper.flatMap((s) => (s.pipe === undefined ? [] : [s.pipe])))
  let next = 1
  for (const [i, s] of shaper.entries()) {
    const at: Path = [...path, i]
    if (!hasIface(node, s.interface)) {
      diags.error([...at, 'interface'], `${node.name} has no interface ${s.interface}`)
      continue
    }
    let pipe = s.pipe
    if (pipe === undefined) {
      while (taken.has(next)) next++
      pipe = next++
    }
    const words = [`pipe ${pipe} config`]
    const bw = s.bandwidth === undefined ? 0 : parseBandwidth(s.bandwidth)
    if (bw === null) diags.error([...at, 'bandwidth'], 'is not a valid bandwidth')
    else if (bw > 0) words.push(`bw ${bwText(bw)}`)
    if (s.delay !== undefined) {
      const ns = parseDuration(s.delay)
      // dummynet counts delay in whole milliseconds (ipfw(8), "delay ms-delay").
      if (ns === null || ns % 1e6 !== 0 || ns >= 10e9)
        diags.error([...at, 'delay'], 'dummynet delays are whole milliseconds below 10 s')
      else if (ns > 0) words.push(`delay ${ns / 1e6}`)
    }
    if (s.loss !== undefined) {
      const p = parseProbability(s.loss)
      if (p === null) diags.error([...at, 'loss'], 'is not a probability')
      else if (p > 0) words.push(`plr ${p}`)
    }
    if (s.queue !== undefined) words.push(`queue ${s.queue}`)
    add(at, words.join(' '))
    const dir = (s.direction ?? 'out') === 'out' ? `xmit ${s.interface}` : `recv ${s.interface}`
    add(at, `add ${s.rule ?? SHAPER_RULE + SHAPER_STEP * i} pipe ${pipe} ip from any to any ${dir}`)
  }
}

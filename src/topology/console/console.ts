/**
 * The lab console behind `virtnet run`: the lines given with `-c` or `--script`, or typed at its
 * prompt. Like Mininet's CLI and IMUNES's `himage`, a line that starts with a node name runs the rest
 * inside that node; a few words control the lab itself:
 *
 *   NODE COMMAND…          run COMMAND with `sh -c` as root in NODE's jail (a fresh shell per line)
 *   nodes                  nodes, their kinds and interfaces
 *   links                  links, up or down, their impairments and netgraph pipe
 *   link A B               one link, with the pipe's counters
 *   link A B up|down       plug the cable in / unplug it
 *   link A B set K=V…      change impairments while traffic flows (bw= delay= jitter= loss= …)
 *   pingall [TIMEOUT]      every end system pings every other once (Mininet's pingall)
 *   capture T[,T…] [-w FILE] [-c N] [FILTER…]
 *                          capture in the background on NODE:IF or a link A~B (several into one
 *                          pcapng file with -w, else tcpdump lines); `capture` lists, `capture stop [N]`
 *   help, exit [N]
 *
 * `A` and `B` are node names or `node:iface`. Console words win over node names of the same spelling.
 * Statuses: a node command's own; 0/1 for pingall (all answered or not); 1 for an unknown node or
 * link and other failures; 64 for usage errors. Messages go to stderr as `virtnet: …`.
 *
 * Runtime-neutral: it talks to the Lab and to processes started in the node jails; the platform
 * supplies the streams and the line editor.
 */

import { startProcess } from '../../userland/process.js'
import type { Io, Job } from '../../userland/types.js'
import { Printer } from '../../userland/usr.sbin/tcpdump/print.js'
import { stamp } from '../../userland/usr.sbin/tcpdump/stamp.js'
import { formatIpv4 } from '../../wire/addr.js'
import { LabCapture, pcapngStream } from '../lab/capture.js'
import type { Lab } from '../lab/emulator.js'
import type { LabLink } from '../lab/lab_var.js'
import { applyLinkSet, formatImpairment, LINK_SET_KEYS } from '../lab/link_cfg.js'
import { PINGALL_TIMEOUT_NS, pingAll } from './pingall.js'
import { pingAll6 } from './pingall6.js'

const EX_USAGE = 64
const SIGINT = 2

const WORDS = ['help', 'nodes', 'links', 'link', 'pingall', 'capture', 'exit', 'quit'] as const

export const CONSOLE_HELP = `Commands:
  NODE COMMAND...         run COMMAND in NODE's jail (sh -c, as root), e.g. pc1 ping -c 1 10.0.0.2
  nodes                   list the nodes, their kinds and interfaces
  links                   list the links: up/down, impairments, netgraph pipe
  link A B                show one link and its pipe's counters (A, B: node or node:iface)
  link A B up|down        plug the cable in / unplug it
  link A B set K=V...     change impairments of both directions while traffic flows:
                          bw=10Mbit delay=5ms jitter=1ms loss=1% duplicate=0.1% reorder=1%
                          ber=1e-6 queue=100 (bare numbers: bit/s, µs, probability 0..1)
  pingall [TIMEOUT]       every end system pings every other once (TIMEOUT seconds, default 2)
  capture T[,T...] [-w FILE] [-c N] [FILTER...]
                          capture in the background on NODE:IF or a link A~B (A, B: node or
                          node:iface); -w FILE writes one pcapng (an interface per target), else
                          tcpdump lines; FILTER is tcpdump's language (e.g. icmp or tcp port 80)
  capture                 list the running captures
  capture stop [N]        stop capture N (all without N); the lab's end stops them too
  help                    this text
  exit [N]                leave (also quit, end of input)
`

/** A netgraph node ID as ngctl shows it: `[1f]`. */
function ngId(id: number): string {
  return `[${id.toString(16)}]`
}

function pad(rows: string[][]): string {
  const widths: number[] = []
  for (const r of rows) for (const [i, c] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length)
  return rows
    .map(
      (r) =>
        `${r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('')
}

/** A link's impairments in one column: both directions when equal, else `a→b …; b→a …`. */
function impairText(l: LabLink): string {
  if (l.direct) return 'direct'
  const ab = formatImpairment(l.ab)
  const ba = formatImpairment(l.ba)
  return ab === ba ? ab : `ab: ${ab}; ba: ${ba}`
}

/** Where `capture -w` writes: the platform's files (a real path in the CLI). */
export interface ConsoleFiles {
  /** Write bytes to path, creating or emptying it first unless `append`. Throws on failure. */
  write(path: string, bytes: Uint8Array, append: boolean): void
}

interface RunningCapture {
  id: number
  cap: LabCapture
  file: string | null
}

export class LabConsole {
  /** Set by `exit`: the status the console ends with. */
  exited: number | undefined = undefined
  /** Status of the last line. */
  status = 0
  private readonly lab: Lab
  private readonly io: Io
  private job: Job | null = null
  private interrupted = false
  private readonly files: ConsoleFiles | null
  private readonly captures: RunningCapture[] = []
  private nextCapture = 1

  constructor(lab: Lab, io: Io, files: ConsoleFiles | null = null) {
    this.lab = lab
    this.io = io
    this.files = files
  }

  private fail(msg: string, status = 1): number {
    this.io.stderr.write(`virtnet: ${msg}\n`)
    return status
  }

  /** Runs one console line; resolves with its status. Never rejects. */
  async runLine(text: string): Promise<number> {
    this.interrupted = false
    let status: number
    try {
      status = await this.dispatch(text)
    } catch (e) {
      status = this.fail(e instanceof Error ? e.message : String(e))
    }
    this.status = status
    return status
  }

  private async dispatch(text: string): Promise<number> {
    const line = text.trim()
    if (line === '' || line.startsWith('#')) return this.status
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line)!
    const word = m[1]!
    const rest = m[2]!
    const args = rest === '' ? [] : rest.split(/\s+/)
    switch (word) {
      case 'help':
      case '?':
        this.io.stdout.write(CONSOLE_HELP)
        return 0
      case 'nodes':
        return this.nodes()
      case 'links':
        return this.links()
      case 'link':
        return this.link(args)
      case 'pingall':
        return this.pingall(args)
      case 'capture':
        return this.capture(args)
      case 'exit':
      case 'quit': {
        const n = args.length === 0 ? 0 : Number(args[0])
        if (!Number.isInteger(n) || n < 0 || n > 255)
          return this.fail(`exit: ${args[0]}: bad number`, EX_USAGE)
        this.exited = n
        return n
      }
    }
    return this.inNode(word, rest)
  }

  /** `NODE COMMAND…`: `sh -c COMMAND` as root in the node's jail, waited for. */
  private async inNode(name: string, command: string): Promise<number> {
    const node = this.lab.node(name)
    if (node === undefined) return this.fail(`${name}: no such node`)
    if (node.ngId !== null)
      return this.fail(`${name}: a ${node.kind} has no shell; run commands in pc, host or router nodes`)
    if (command === '') return this.fail(`${name}: command expected (e.g. ${name} ifconfig)`, EX_USAGE)
    const job = startProcess(this.lab.sys(name), ['sh', '-c', command, name], this.io, {
      programs: this.lab.programs,
      fs: this.lab.nodeFs(name),
    })
    this.job = job
    try {
      return await job.done
    } finally {
      this.job = null
    }
  }

  private nodes(): number {
    const rows: string[][] = []
    for (const n of this.lab.nodes()) {
      if (n.ngId !== null) {
        const ports = this.lab.links().filter((l) => l.a.node === n.name || l.b.node === n.name).length
        rows.push([
          n.name,
          n.kind,
          n.realIf !== undefined
            ? `${n.realIf} on the machine's ${n.topo.rj45!.interface}${n.topo.rj45!.vlan !== undefined ? ` vlan ${n.topo.rj45!.vlan}` : ''}`
            : n.vxlanIf !== undefined
              ? `${n.vxlanIf} vni ${n.topo.vxlan!.vni} ${n.topo.vxlan!.local}:${n.topo.vxlan!.localPort} -> ${n.topo.vxlan!.remote}:${n.topo.vxlan!.remotePort}`
              : `${n.kind === 'switch' ? 'bridge' : 'hub'} ${ngId(n.ngId)}, ${ports} ports`,
        ])
        continue
      }
      const ifs = this.lab
        .interfaces(n.name)
        .map((i) => [i.name, ...i.addrs.map((a) => `${formatIpv4(a.addr)}/${a.prefixLen}`)].join(' '))
      rows.push([n.name, n.kind, ifs.join(', ')])
    }
    this.io.stdout.write(pad(rows))
    return 0
  }

  private linkRow(l: LabLink): string[] {
    return [
      `${l.a.node}:${l.a.iface}`,
      `${l.b.node}:${l.b.iface}`,
      l.up ? 'up' : 'down',
      impairText(l),
      l.pipe === null ? '' : `pipe ${ngId(l.pipe)}`,
    ]
  }

  private links(): number {
    this.io.stdout.write(pad(this.lab.links().map((l) => this.linkRow(l))))
    return 0
  }

  private link(args: readonly string[]): number {
    const usage =
      'usage: link A B [up | down | set bw=… delay=… jitter=… loss=… duplicate=… reorder=… ber=… queue=…]'
    if (args.length < 2) return this.fail(usage, EX_USAGE)
    const [x, y, verb, ...more] = args as [string, string, string | undefined, ...string[]]
    for (const spec of [x, y]) {
      const node = spec.split(':')[0]!
      if (this.lab.node(node) === undefined) return this.fail(`${node}: no such node`)
    }
    const found = this.lab.findLinks(x, y)
    if (found.length === 0) return this.fail(`link: no link between ${x} and ${y}`)
    // Parallel links: the first, as written in the topology; name interfaces to choose another.
    const l = found[0]!
    switch (verb) {
      case undefined: {
        this.io.stdout.write(pad([this.linkRow(l)]))
        const stats = this.lab.pipeStats(l)
        if (stats !== null) this.io.stdout.write(`${stats}\n`)
        return 0
      }
      case 'up':
      case 'down':
        if (more.length > 0) return this.fail(usage, EX_USAGE)
        this.lab.setLinkUp(l, verb === 'up')
        return 0
      case 'set': {
        const ab = applyLinkSet(l.ab, more)
        const ba = applyLinkSet(l.ba, more)
        if (typeof ab === 'string') return this.fail(`link: ${ab}`, EX_USAGE)
        if (typeof ba === 'string') return this.fail(`link: ${ba}`, EX_USAGE)
        this.lab.setLinkImpairment(l, ab, ba)
        return 0
      }
      default:
        return this.fail(usage, EX_USAGE)
    }
  }

  private async pingall(argv: readonly string[]): Promise<number> {
    let timeoutNs = PINGALL_TIMEOUT_NS
    // -4 (the default) or -6: which family's addresses are pinged.
    const v6 = argv[0] === '-6'
    const args = argv[0] === '-4' || argv[0] === '-6' ? argv.slice(1) : argv
    if (args.length > 1) return this.fail('usage: pingall [-4 | -6] [TIMEOUT]', EX_USAGE)
    if (args.length === 1) {
      const s = Number(args[0])
      if (!/^\d+(\.\d+)?$/.test(args[0]!) || !(s > 0) || s > 3600)
        return this.fail(`pingall: ${args[0]}: timeout must be seconds, above 0 and at most 3600`, EX_USAGE)
      timeoutNs = s * 1e9
    }
    // 0/0 is no pass: a lab without two end systems has nothing pingall could check (issue 12).
    const ends = this.lab.nodes().filter((n) => n.kind === 'pc' || n.kind === 'host').length
    if (ends < 2)
      return this.fail(
        `pingall: ${ends === 0 ? 'no end systems' : 'one end system'} (pc or host) in this lab, nothing to ping`,
      )
    const r = await (v6 ? pingAll6 : pingAll)(this.lab, {
      timeoutNs,
      out: this.io.stdout,
      aborted: () => this.interrupted,
    })
    return r.received === r.sent && !this.interrupted ? 0 : 1
  }

  private async capture(args: readonly string[]): Promise<number> {
    const usage = 'usage: capture NODE:IF|A~B[,...] [-w FILE] [-c N] [FILTER...] | capture stop [N]'
    if (args.length === 0) {
      for (const r of this.captures)
        this.io.stdout.write(
          `${r.id}  ${r.cap.targets.join(',')}  ${r.file === null ? 'lines' : `-w ${r.file}`}  ${r.cap.packets} packets\n`,
        )
      return 0
    }
    if (args[0] === 'stop') {
      if (args.length > 2) return this.fail(usage, EX_USAGE)
      const which =
        args.length === 2 ? this.captures.filter((r) => String(r.id) === args[1]) : [...this.captures]
      if (args.length === 2 && which.length === 0) return this.fail(`capture: ${args[1]}: no such capture`)
      for (const r of which) r.cap.stop()
      await Promise.all(which.map((r) => r.cap.done))
      return 0
    }
    const targets = args[0]!.split(',')
    let file: string | null = null
    let count = 0
    let i = 1
    for (; i < args.length; i++) {
      if (args[i] === '-w' && i + 1 < args.length) file = args[++i]!
      else if (args[i] === '-c' && i + 1 < args.length) {
        count = Number(args[++i])
        if (!Number.isInteger(count) || count < 1)
          return this.fail(`capture: invalid packet count ${args[i]}`, EX_USAGE)
      } else if (args[i]!.startsWith('-') && args[i] !== '-') return this.fail(usage, EX_USAGE)
      else break
    }
    if (file !== null && this.files === null)
      return this.fail('capture: -w needs a file system (run it from the CLI)')
    const cap = new LabCapture(this.lab, targets, { filter: args.slice(i).join(' '), count })
    const id = this.nextCapture++
    if (file !== null) {
      const files = this.files!
      const path = file
      let first = true
      let failed = false
      const put = (b: Uint8Array): void => {
        if (failed) return
        try {
          files.write(path, b, !first)
          first = false
        } catch (e) {
          failed = true
          this.fail(`capture ${id}: ${path}: ${e instanceof Error ? e.message : String(e)}`)
          cap.stop()
        }
      }
      cap.onPacket = pcapngStream(cap, put)
    } else {
      const printer = new Printer({ n: 2, e: false, v: 0, q: false, S: false })
      cap.onPacket = (p) => {
        const sec = Math.floor(p.stamp / 1e9)
        const line = printer.line(cap.linktypes[p.target]!, p.data, p.data.length, p.wirelen)
        this.io.stdout.write(
          `${stamp(0, sec, p.stamp - sec * 1e9, null)}${cap.targets[p.target]} ${p.out ? 'Out' : 'In '} ${line}\n`,
        )
      }
    }
    const r: RunningCapture = { id, cap, file }
    this.captures.push(r)
    void cap.done.then(() => {
      const k = this.captures.indexOf(r)
      if (k >= 0) this.captures.splice(k, 1)
      const st = cap.stats()
      this.io.stderr.write(
        `virtnet: capture ${id}: ${cap.packets} packets captured, ${st.recv} received by filter, ${st.drop} dropped by kernel\n`,
      )
    })
    this.io.stderr.write(
      `virtnet: capture ${id} on ${targets.join(',')}${file === null ? '' : ` -> ${file}`}\n`,
    )
    return 0
  }

  /** The lab is ending: stop every capture and wait until their files are complete. */
  async close(): Promise<void> {
    const all = [...this.captures]
    for (const r of all) r.cap.stop()
    await Promise.all(all.map((r) => r.cap.done))
    // Let the summaries (queued on done) be written.
    await Promise.resolve()
  }

  /** Ctrl-C: interrupt the node command (SIGINT) or pingall that is running. */
  interrupt(): void {
    this.interrupted = true
    this.job?.kill(SIGINT)
  }

  /** Console lines are single lines. */
  needsMore(_text: string): boolean {
    return false
  }

  /** Completions where a line starts: console words and node names. */
  completions(prefix: string): string[] {
    const names = [...WORDS, ...this.lab.nodes().map((n) => n.name)]
    return [...new Set(names)].filter((n) => n.startsWith(prefix)).sort()
  }

  /** Completions for a later word of `line` (the line up to the cursor). */
  complete(line: string): string[] {
    const words = line.split(/\s+/)
    const pos = words.length - 1 // the word being completed
    const first = words[0] ?? ''
    if (first === 'link') {
      if (pos <= 2) return this.lab.nodes().map((n) => n.name)
      if (pos === 3) return ['up', 'down', 'set']
      return words[3] === 'set' ? LINK_SET_KEYS.map((k) => `${k}=`) : []
    }
    if (pos === 1 && this.lab.node(first)?.ngId === null) return [...this.lab.programs.keys()]
    return []
  }
}

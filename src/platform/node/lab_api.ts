/**
 * The library's lab: a topology (a file, YAML/JSON text, or a plain object in the file format) built
 * into a fresh Host by the emulator (src/topology/lab/emulator.ts, as `virtnet run` builds it), with
 * handles for Node-side code: per node its shell, its syscalls and Node-compatible `dgram`
 * (and `net`) modules; per link cut, heal and shape while traffic flows; the lab's time (`now`,
 * `sleep`, timers) and `outside()` for work the virtual clock cannot see.
 *
 * What moves virtual time (README, "Library API"): events fire one at a time, each from a fresh
 * event-loop turn (setImmediate), so everything Node code does in response to one event — promise
 * continuations, nextTicks, 'message' and 'data' handlers and the sends they make — happens at that
 * event's instant, before the next fires. Time moves on only while something waits for it: a
 * process in a jail, a `sleep()`, a pending ref'd lab timer, or a ref'd active socket (bound,
 * listening, connected — Node's rule for what keeps a process alive, with `unref()` to opt out).
 * Node-side work outside the lab (files, real sockets, Node's own timers) is invisible to the clock;
 * `outside(promise)` stops virtual time until it settles. In real time the same clock is paced by
 * the wall clock, `outside` changes nothing, and ref'd sockets keep the process alive.
 *
 * It adds no second way of doing what the emulator or a command does: links change through the
 * emulator's own calls, commands run in the node's jail through its shell.
 */

import { readFileSync } from 'node:fs'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import { Host } from '../../host/host.js'
import type { Syscalls } from '../../host/syscalls.js'
import type { UdpUnderlayProvider } from '../../stack/net/if/vxlan_underlay.js'
import type { RealLinkProvider } from '../../stack/net/real_link.js'
import { loadAny } from '../../topology/file/load.js'
import { Lab } from '../../topology/lab/emulator.js'
import { LabError, type LabLink } from '../../topology/lab/lab_var.js'
import { applyLinkSet } from '../../topology/lab/link_cfg.js'
import { isL3, type NodeKind } from '../../topology/model.js'
import { startProcess } from '../../userland/process.js'
import type { Io } from '../../userland/types.js'
import { type ClockMode, MS } from '../../util/clock.js'
import { formatIpv4, parseIpv4 } from '../../wire/addr.js'
import { nodeClockDriver } from './clock_driver.js'
import { type DgramModule, dgramModule } from './compat/dgram.js'
import type { JailContext } from './compat/jail_context.js'
import { Liveness } from './compat/liveness.js'
import { type NetModule, netModule } from './compat/net.js'
import { LabTimers } from './compat/vtimers.js'
import { type CaptureOptions, VirtCapture } from './lab_capture.js'
import { nodeLinkRelay } from './link_relay.js'
import { nodeUdpUnderlay } from './udp_underlay.js'

export interface CreateLabOptions {
  /** `virtual` (default): as fast as the CPU allows, reproducible; `real`: paced by the wall clock. */
  clock?: ClockMode
  /** Seed of the host's random streams (loss, jitter, ports ...); default 1. */
  seed?: number
  /** Run the nodes' startup commands before resolving (default true). */
  startup?: boolean
  /** Where startup output goes, per node (default: dropped). */
  startupOutput?: (node: string, text: string) => void
  /** What vxlan interfaces bind to (default: real UDP sockets of this process, host root only). */
  underlay?: UdpUnderlayProvider
  /**
   * The machine's TAP devices and interfaces (host root's tap, rj45 nodes); default: a python3
   * relay in this process's network namespace (link_relay.ts).
   */
  realLinks?: RealLinkProvider
}

/** A topology file, topology text, or a topology object in the file format (see docs/topology.md). */
export type LabSource =
  | { file: string }
  | { text: string; fileName?: string }
  | { topology: Record<string, unknown>; name?: string }

/** What a shell command left: its exit status and output. */
export interface ShResult {
  status: number
  stdout: string
  stderr: string
}

/** undici's `connect` option: `(options, callback(err, socket))`. */
export type UndiciConnect = (
  opts: { hostname: string; port: string | number; protocol: string; servername?: string | null },
  callback: (err: Error | null, socket: Duplex | null) => void,
) => void

/** A command started in the background: wait for it with `done`, stop it with `kill`. */
export interface BackgroundJob {
  readonly pid: number
  readonly done: Promise<ShResult>
  kill(signal?: number): void
}

/** Builds and starts a lab. Throws TopologyError for a bad topology, LabError when it cannot be built. */
export async function createLab(source: LabSource, opts: CreateLabOptions = {}): Promise<VirtLab> {
  let text: string
  let fileName: string
  if ('file' in source) {
    text = readFileSync(source.file, 'utf8')
    fileName = source.file
  } else if ('text' in source) {
    text = source.text
    fileName = source.fileName ?? 'lab.yaml'
  } else {
    const t = source.topology
    const named = source.name !== undefined && t.name === undefined ? { name: source.name, ...t } : t
    text = JSON.stringify(named)
    fileName = `${source.name ?? 'lab'}.json`
  }
  const loaded = loadAny(text, fileName)
  const host = new Host(nodeClockDriver(), {
    clock: opts.clock ?? 'virtual',
    seed: opts.seed ?? 1,
    underlay: opts.underlay ?? nodeUdpUnderlay(),
    realLinks: opts.realLinks ?? nodeLinkRelay(),
  })
  let lab: Lab
  try {
    lab = Lab.build(host, loaded.topology)
  } catch (e) {
    host.clock.stop()
    throw e
  }
  const v = new VirtLab(host, lab, [...loaded.warnings])
  if (opts.startup !== false) {
    const out = opts.startupOutput
    const io = (node: string): Io => {
      const w = { write: (s: string) => void out?.(node, s) }
      return { stdin: { read: async () => null }, stdout: w, stderr: w }
    }
    v.warnings.push(...(await lab.start(io)))
  }
  return v
}

function captureIo(stdin: string | undefined): { io: Io; out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  let input = stdin
  return {
    out,
    err,
    io: {
      stdin: {
        read: async () => {
          const s = input ?? null
          input = undefined
          return s
        },
      },
      stdout: { write: (s) => void out.push(s) },
      stderr: { write: (s) => void err.push(s) },
    },
  }
}

export class VirtLab {
  /** The kernel all nodes live in (its clock, RNG, jails). */
  readonly host: Host
  /** The emulator's lab underneath (topology, netgraph ids). */
  readonly emulator: Lab
  /** Topology warnings and startup failures. */
  readonly warnings: string[]
  /** setTimeout / setInterval on the lab's clock. */
  readonly timers: LabTimers
  private readonly live: Liveness
  private readonly nodeCache = new Map<string, VirtNode>()
  private closed = false
  private readonly captures = new Set<VirtCapture>()

  /** @internal Use createLab(). */
  constructor(host: Host, lab: Lab, warnings: string[]) {
    this.host = host
    this.emulator = lab
    this.warnings = warnings
    this.live = new Liveness(host.clock)
    this.timers = new LabTimers(host.clock)
  }

  get name(): string {
    return this.emulator.topology.name
  }

  get clockMode(): ClockMode {
    return this.host.clock.mode
  }

  /** The lab's time in milliseconds since it was built (virtual or real). */
  now(): number {
    return this.host.clock.now() / MS
  }

  /** Resolves after `ms` of the lab's time; time flows meanwhile (a waiting process). */
  sleep(ms: number): Promise<void> {
    return this.host.clock.sleep(Math.max(0, ms) * MS)
  }

  /**
   * Work the lab's clock cannot see (a file read, a real network call): virtual time stands still
   * until it settles. In real time, only awaits it.
   */
  async outside<T>(work: Promise<T> | (() => Promise<T>)): Promise<T> {
    const clock = this.host.clock
    clock.pause()
    try {
      return await (typeof work === 'function' ? work() : work)
    } finally {
      clock.resume()
    }
  }

  /** A pc, host or router by name. */
  node(name: string): VirtNode {
    this.check()
    let n = this.nodeCache.get(name)
    if (n !== undefined) return n
    const ln = this.emulator.node(name)
    if (ln === undefined) throw new LabError(`${name}: no such node`)
    if (!isL3(ln.kind)) throw new LabError(`${name}: a ${ln.kind} has no jail; use a pc, host or router`)
    n = new VirtNode(this, name, ln.kind, this.emulator.sys(name), this.live)
    this.nodeCache.set(name, n)
    return n
  }

  /** Node names in topology order (switches and hubs included). */
  nodeNames(): string[] {
    return this.emulator.nodes().map((n) => n.name)
  }

  /** The link between two nodes (`pc1`, or `pc1:eth0` to choose among parallel links). */
  link(a: string, b: string): VirtLink {
    this.check()
    const found = this.emulator.findLinks(a, b)
    if (found.length === 0) throw new LabError(`link: no link between ${a} and ${b}`)
    return new VirtLink(this.emulator, found[0]!)
  }

  /**
   * Capture on node interfaces (`pc1:eth0`) and links (`pc1~sw1`, either end may be `node:iface`):
   * an async iterator of packets, and a pcapng file with `file`. Stop it with stop(); close() stops it.
   */
  capture(targets: string | readonly string[], opts: CaptureOptions = {}): VirtCapture {
    this.check()
    let c: VirtCapture
    try {
      c = new VirtCapture(this.emulator, typeof targets === 'string' ? [targets] : targets, opts)
    } catch (e) {
      throw new LabError(e instanceof Error ? e.message : String(e))
    }
    this.captures.add(c)
    void c.done.then(() => this.captures.delete(c))
    return c
  }

  /** A host name's address as nodes see it: IPv4 literal, `localhost`, or a node's first address. */
  hostAddress(name: string): number | null {
    if (name === 'localhost') return 0x7f000001
    const lit = parseIpv4(name)
    if (lit !== null) return lit
    const n = this.emulator.node(name)
    if (n === undefined || !isL3(n.kind)) return null
    for (const i of this.emulator.interfaces(name)) if (i.addrs.length > 0) return i.addrs[0]!.addr
    return null
  }

  /**
   * Tears the lab down: sockets opened through it close without events, processes are killed,
   * the clock stops. Idempotent.
   */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const c of this.captures) void c.stop()
    for (const n of this.nodeCache.values()) n.closeAll()
    this.live.stop()
    this.emulator.destroy()
    this.host.clock.stop()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close()
  }

  private check(): void {
    if (this.closed) throw new LabError('the lab was closed')
  }
}

/** One pc, host or router: its jail, shell and socket modules. */
export class VirtNode implements JailContext {
  readonly name: string
  readonly kind: NodeKind
  /** Root's syscalls in the node's jail (what `jexec NODE` has). */
  readonly sys: Syscalls
  /** Node's `dgram`, inside this jail. */
  readonly dgram: DgramModule
  /** Node's `net`, inside this jail (TCP). */
  readonly net: NetModule
  /** @internal */
  readonly live: Liveness
  private readonly lab: VirtLab
  private readonly jobs = new Set<{ kill(signal?: number): void }>()
  private readonly closers = new Set<() => void>()

  /** @internal Use VirtLab.node(). */
  constructor(lab: VirtLab, name: string, kind: NodeKind, sys: Syscalls, live: Liveness) {
    this.lab = lab
    this.name = name
    this.kind = kind
    this.sys = sys
    this.live = live
    this.dgram = dgramModule(this)
    this.net = netModule(this)
  }

  get clock() {
    return this.lab.host.clock
  }

  get timers(): LabTimers {
    return this.lab.timers
  }

  hostAddress(name: string): number | null {
    return this.lab.hostAddress(name)
  }

  /** @internal Socket modules register how to drop a socket silently when the lab closes. */
  track(close: () => void): () => void {
    this.closers.add(close)
    return () => this.closers.delete(close)
  }

  /** The node's IPv4 addresses, interface by interface. */
  addresses(): string[] {
    return this.lab.emulator.interfaces(this.name).flatMap((i) => i.addrs.map((a) => formatIpv4(a.addr)))
  }

  /** The first address: what the node's name resolves to. */
  get address(): string {
    const a = this.addresses()[0]
    if (a === undefined) throw new LabError(`${this.name}: no IPv4 address`)
    return a
  }

  /** Runs `sh -c command` as root in the node's jail and waits for it. */
  async sh(command: string, opts: { stdin?: string } = {}): Promise<ShResult> {
    return this.spawn(command, opts).done
  }

  /** Starts `sh -c command` in the background (`nc -l 80`, `iperf3 -s`). */
  spawn(command: string, opts: { stdin?: string } = {}): BackgroundJob {
    const { io, out, err } = captureIo(opts.stdin)
    const job = startProcess(this.sys, ['sh', '-c', command, this.name], io, {
      programs: this.lab.emulator.programs,
    })
    this.jobs.add(job)
    const done = job.done.then((status) => {
      this.jobs.delete(job)
      return { status, stdout: out.join(''), stderr: err.join('') }
    })
    return { pid: job.pid, done, kill: (signal) => job.kill(signal) }
  }

  /**
   * A `connect` function for undici's `Agent`/`Client` (`new Agent({ connect: node.undiciConnect() })`,
   * then `fetch(url, { dispatcher })`): its connections start in this jail. `https:` origins get TLS
   * over the jail's socket with `tlsOptions` (a `ca` for a lab's own certificates).
   */
  undiciConnect(tlsOptions: tls.ConnectionOptions = {}): UndiciConnect {
    return (opts, callback) => {
      const https = opts.protocol === 'https:'
      const port = Number(opts.port) || (https ? 443 : 80)
      const raw = this.net.connect(port, opts.hostname)
      const sock = https
        ? tls.connect({
            ...tlsOptions,
            socket: raw as unknown as Duplex,
            servername: opts.servername ?? opts.hostname,
          })
        : raw
      let settled = false
      const fail = (e: Error) => {
        if (settled) return
        settled = true
        callback(e, null)
      }
      sock.once('error', fail)
      sock.once(https ? 'secureConnect' : 'connect', () => {
        if (settled) return
        settled = true
        sock.removeListener('error', fail)
        callback(null, sock)
      })
    }
  }

  /** @internal */
  closeAll(): void {
    for (const c of [...this.closers]) c()
    this.closers.clear()
    for (const j of [...this.jobs]) j.kill(9)
    this.jobs.clear()
  }
}

/** One cable: cut, heal and shape it while traffic flows. */
export class VirtLink {
  private readonly lab: Lab
  private readonly link: LabLink

  /** @internal Use VirtLab.link(). */
  constructor(lab: Lab, link: LabLink) {
    this.lab = lab
    this.link = link
  }

  /** `pc1:eth0 r1:eth0` */
  get name(): string {
    const { a, b } = this.link
    return `${a.node}:${a.iface} ${b.node}:${b.iface}`
  }

  get isUp(): boolean {
    return this.link.up
  }

  /** Unplug the cable: frames in flight and new ones are lost (`link A B down`). */
  cut(): void {
    this.lab.setLinkUp(this.link, false)
  }

  /** Plug it back in (`link A B up`). */
  heal(): void {
    this.lab.setLinkUp(this.link, true)
  }

  /**
   * Change impairments while traffic flows (`link A B set …`): `'delay=50ms loss=2%'` or
   * `{ delay: '50ms', loss: '2%', bw: '10Mbit' }` (keys bw, delay, jitter, loss, duplicate,
   * reorder, ber, queue, in the console's units); both directions, or only `ab` (from the link's
   * first end) or `ba`. Throws LabError naming a bad word; nothing changes then.
   */
  shape(spec: string | Record<string, string | number>, direction: 'both' | 'ab' | 'ba' = 'both'): void {
    const words =
      typeof spec === 'string'
        ? spec
            .trim()
            .split(/\s+/)
            .filter((w) => w !== '')
        : Object.entries(spec).map(([k, v]) => `${k}=${v}`)
    const l = this.link
    const ab = direction === 'ba' ? l.ab : applyLinkSet(l.ab, words)
    const ba = direction === 'ab' ? l.ba : applyLinkSet(l.ba, words)
    if (typeof ab === 'string') throw new LabError(`link: ${ab}`)
    if (typeof ba === 'string') throw new LabError(`link: ${ba}`)
    this.lab.setLinkImpairment(l, ab, ba)
  }

  /** The link's pipe counters (ng_pipe getstats), or null while it has no pipe. */
  stats(): string | null {
    return this.lab.pipeStats(this.link)
  }
}

/**
 * packetdrill(1) for VirtNet: runs a script against the caller's stack. The stack gets a tun
 * interface with packetdrill's IPv4 addresses (192.168.0.1 --> 192.0.2.1), or with --ip_version=ipv6
 * its IPv6 ones (fd3d:fa7b:d17d::1 --> 2001:db8::1, a host route); the script's system calls
 * run through the syscall boundary, its backquoted commands through `sh -c`, its `<` segments are
 * written into the tun and its `>` segments read from it and checked, each at its time within the
 * tolerance, in the host's clock (virtual time runs as fast as the CPU). The first mismatch ends a
 * script: `FILE: FAILED line N: expected ... got ...`; otherwise `FILE: ok`.
 *
 * `virtnet packetdrill` (platform/node) gives each script a fresh host; the program itself runs in
 * whatever stack its process is in, cleaning up the tun and the sockets it made after each script.
 * Written from the script language and packetdrill's documentation, not from its source.
 */

import type { Syscalls, TunFd } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import { parseIpv4 } from '../../../wire/addr.js'
import { parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { runTool } from '../../common.js'
import type { Command, Io, Proc } from '../../types.js'
import type { PythonAction, Script, ShellAction, SyscallAction, TcpPacket } from './ast.js'
import {
  buildInbound,
  type Conn,
  decode,
  formatScript,
  matchOutbound,
  newConn,
  scriptView,
} from './packet.js'
import { PktSyntaxError, parseScript } from './parser.js'
import { checkOutcome, type Outcome, ScriptError, SyscallRunner } from './syscall.js'
import { DEFAULT_TOLERANCE_US, type Schedule, schedule, secs } from './time.js'

const LOCAL = '192.168.0.1'
const REMOTE = '192.0.2.1'
/** packetdrill's IPv6 defaults (FreeBSD's suite's setkey lines name the same pair). */
const LOCAL6 = 'fd3d:fa7b:d17d::1'
const REMOTE6 = '2001:db8::1'
const US = 1000

export interface RunOptions {
  /** Tolerance when the script sets none (`--tolerance_usecs`). */
  toleranceUs?: number
  /** Print each packet and call as it happens. */
  verbose?: boolean
  /** Where -v writes its trace. */
  trace?: (line: string) => void
}

export interface RunResult {
  ok: boolean
  /** The line of the failing event (0 for the script as a whole). */
  line: number
  message: string
}

class Failure extends Error {
  readonly line: number
  constructor(line: number, message: string) {
    super(message)
    this.line = line
  }
}

interface Captured {
  pkt: Uint8Array
  /** Script time it was read, µs. */
  at: number
}

/** A blocking call still in progress. */
interface Pending {
  line: number
  action: SyscallAction
  sched: Schedule
  promise: Promise<Outcome>
  outcome: Outcome | null
  /** Not an errno: the script asked for something that cannot be done (ScriptError) or a bug. */
  error: unknown
  /** Script time it returned, µs. */
  returnedAt: number
}

/** One script run: its stack plumbing, clock origin and the connection its packets belong to. */
class Run {
  private readonly sys: Syscalls
  private readonly proc: Proc
  private readonly tun: TunFd
  private readonly t0: number
  private readonly tol: number
  private readonly conn: Conn
  private readonly calls: SyscallRunner
  private readonly queue: Captured[] = []
  private readonly trace: ((line: string) => void) | null
  private pending: Pending | null = null
  private ident = 1
  /** --non_fatal=syscall: a system call's unexpected result is a warning, not the end. */
  nonFatalSyscall = false

  constructor(proc: Proc, tun: TunFd, conn: Conn, tol: number, trace: ((line: string) => void) | null) {
    this.proc = proc
    this.sys = proc.sys
    this.tun = tun
    this.conn = conn
    this.tol = tol
    this.trace = trace
    this.calls = new SyscallRunner(this.sys, conn)
    this.t0 = this.sys.now()
  }

  /** Script time now, µs. */
  private now(): number {
    return Math.floor((this.sys.now() - this.t0) / US)
  }

  /**
   * Let time run to script time `until` (µs), reading what the stack sends meanwhile with the time
   * it was seen; stops early when `stop` settles or, with `firstPacket`, when a packet comes.
   */
  private async pump(until: number, stop?: Promise<unknown>, firstPacket = false): Promise<void> {
    for (;;) {
      const left = until - this.now()
      if (left <= 0) {
        await this.drain()
        return
      }
      try {
        const pkt = await this.tun.read(left * US, stop)
        this.capture(pkt)
        if (firstPacket) return
      } catch (e) {
        if (!isSysError(e) || (e.code !== 'EAGAIN' && e.code !== 'EINTR')) throw e
        if (e.code === 'EINTR') return
      }
    }
  }

  /** Take what is already queued on the tun without waiting (a zero timeout: a packet or EAGAIN). */
  private async drain(): Promise<void> {
    for (;;) {
      try {
        this.capture(await this.tun.read(0))
      } catch (e) {
        if (!isSysError(e) || e.code !== 'EAGAIN') throw e
        return
      }
    }
  }

  private capture(pkt: Uint8Array): void {
    const at = this.now()
    // Traced when a `>` line takes it (then the numbers read relative, as the script writes them).
    this.queue.push({ pkt, at })
  }

  private describe(pkt: Uint8Array): string {
    const s = decode(pkt)
    return typeof s === 'string' ? `> ${s}` : scriptView(s, this.conn).text
  }

  /** Settle the blocking call in progress, if any, and check it. */
  private async finishPending(): Promise<void> {
    const p = this.pending
    if (p === null) return
    this.pending = null
    if (p.outcome === null && p.error === null) {
      await this.pump(p.sched.latest, p.promise)
      await settledNow(p.promise)
    }
    if (p.outcome === null && p.error === null)
      throw new Failure(
        p.line,
        `expected ${callText(p.action)} to return by ${secs(p.sched.latest)} got it still blocked`,
      )
    this.settle(p)
  }

  private checkCall(line: number, a: SyscallAction, o: Outcome, s: Schedule, at: number): void {
    const bad = checkOutcome(a, o)
    if (bad !== null && this.nonFatalSyscall) {
      this.trace?.(`warning: line ${line}: expected ${callText(a)} got ${bad}`)
      return
    }
    if (bad !== null) throw new Failure(line, `expected ${callText(a)} got ${bad}`)
    if (at < s.earliest || at > s.latest)
      throw new Failure(
        line,
        `expected ${a.name}() to return at ${secs(s.end)} (±${secs(this.tol)}) got it at ${secs(at)}`,
      )
  }

  /**
   * Runs the events; an exception that is not the script's failure (a bug below the syscall
   * boundary, say) is reported at the line it happened on rather than ending the program.
   */
  async run(script: Script): Promise<void> {
    let line = 0
    try {
      await this.events(script, (l) => {
        line = l
      })
    } catch (e) {
      if (e instanceof Failure || isSysError(e)) throw e
      throw new Failure(line, `internal error: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  private async events(script: Script, at: (line: number) => void): Promise<void> {
    let prev = 0
    for (const ev of script.events) {
      at(ev.line)
      const a = ev.action
      const s = schedule(ev.time, prev, this.now(), this.tol)
      if (a.kind === 'tcp' && a.direction === 'outbound') {
        prev = await this.expect(ev.line, a, s)
        continue
      }
      if (a.kind === 'syscall' || a.kind === 'shell' || a.kind === 'python') await this.finishPending()
      await this.pump(s.at)
      prev = s.at
      if (a.kind === 'tcp') this.inject(ev.line, a)
      else if (a.kind === 'syscall') await this.syscall(ev.line, a, s)
      else if (a.kind === 'shell') await this.shell(ev.line, a)
      else this.python(ev.line, a)
    }
    await this.finishPending()
    // The script ends with its last line, as packetdrill's do: what the stack sends after it (the
    // FIN a final close() makes) is not the script's business; -v shows it.
    await this.pump(this.now())
    for (const q of this.queue) this.trace?.(`${secs(q.at)} ${this.describe(q.pkt)} (after the script)`)
  }

  /** A `>` line: the next packet the stack sends must be this one, in its time window. */
  private async expect(line: number, p: TcpPacket, s: Schedule): Promise<number> {
    const want = formatScript(p)
    if (this.queue.length === 0) await this.pump(s.latest, undefined, true)
    const got = this.queue.shift()
    if (got === undefined) throw new Failure(line, `expected ${want} by ${secs(s.latest)} got no packet`)
    const why = matchOutbound(p, got.pkt, this.conn)
    this.trace?.(`${secs(got.at)} ${this.describe(got.pkt)}`)
    if (why !== null) {
      const seen = decode(got.pkt)
      // Not a TCP segment at all: what it is says everything.
      if (typeof seen === 'string') throw new Failure(line, `expected ${want} got ${seen}`)
      throw new Failure(line, `expected ${want} got ${this.describe(got.pkt)} (${why})`)
    }
    if (got.at < s.earliest || got.at > s.latest)
      throw new Failure(
        line,
        `expected ${want} at ${secs(s.at)} (±${secs(this.tol)}) got it at ${secs(got.at)}`,
      )
    return got.at
  }

  private inject(line: number, p: TcpPacket): void {
    const bytes = buildInbound(p, this.conn, this.ident++)
    if (typeof bytes === 'string') throw new Failure(line, `cannot inject ${formatScript(p)}: ${bytes}`)
    this.trace?.(`${secs(this.now())} ${formatScript(p)}`)
    try {
      this.tun.write(bytes)
    } catch (e) {
      if (!isSysError(e)) throw e
      throw new Failure(line, `cannot inject ${formatScript(p)}: write: ${e.strerror}`)
    }
  }

  private async syscall(line: number, a: SyscallAction, s: Schedule): Promise<void> {
    this.trace?.(`${secs(this.now())} ${callText(a)}`)
    const pend: Pending = {
      line,
      action: a,
      sched: s,
      promise: this.calls.start(a),
      outcome: null,
      error: null,
      returnedAt: 0,
    }
    pend.promise.then(
      (o) => {
        pend.outcome = o
        pend.returnedAt = this.now()
      },
      (e: unknown) => {
        pend.error = e
      },
    )
    // Same-instant work (the stack answering, timers due now) runs first; a call still waiting
    // after that blocks, and later lines run while it does.
    await this.sys.nanosleep(0, pend.promise)
    await settledNow(pend.promise)
    if (pend.outcome === null && pend.error === null) {
      this.pending = pend
      return
    }
    this.settle(pend)
  }

  /** Check a call that has returned (or failed to run). */
  private settle(p: Pending): void {
    if (p.error !== null) {
      if (p.error instanceof ScriptError) throw new Failure(p.line, p.error.message)
      throw p.error
    }
    if (p.returnedAt !== p.sched.at)
      this.trace?.(`${secs(p.returnedAt)} ${p.action.name}() returned ${outcomeText(p.outcome!)}`)
    this.checkCall(p.line, p.action, p.outcome!, p.sched, p.returnedAt)
  }

  private async shell(line: number, a: ShellAction): Promise<void> {
    this.trace?.(`${secs(this.now())} \`${a.command}\``)
    const out: string[] = []
    const io: Io = {
      stdin: { read: async () => null },
      stdout: { write: (t) => void out.push(t) },
      stderr: { write: (t) => void out.push(t) },
    }
    let status: number
    try {
      status = await this.proc.spawn(['sh', '-c', a.command], io).done
    } catch (e) {
      if (!isSysError(e)) throw e
      status = 127
    }
    if (status !== 0) {
      const said = out.join('').trim().split('\n').at(-1) ?? ''
      throw new Failure(
        line,
        `expected \`${a.command}\` to succeed got exit status ${status}${said ? `: ${said}` : ''}`,
      )
    }
  }

  /** `%{ assert tcpi_state == TCPI_CLOSE_WAIT }%` and `tcpi_options == (A | B)`. */
  private python(line: number, a: PythonAction): void {
    const info = this.calls.tcpInfo()
    if (typeof info === 'string') throw new Failure(line, `cannot check %{${a.code}}%: ${info}`)
    for (const stmt of a.code
      .split(/\n|;/)
      .map((l) => l.trim())
      .filter((l) => l !== '')) {
      const m = /^assert\s+(.+?)\s*==\s*(.+)$/.exec(stmt)
      if (!m) throw new Failure(line, `unsupported Python: ${stmt}`)
      const lhs = pyValue(m[1]!, info)
      const rhs = pyValue(m[2]!, info)
      if (lhs === null || rhs === null) throw new Failure(line, `unsupported Python: ${stmt}`)
      if (lhs !== rhs) throw new Failure(line, `expected ${stmt} got ${m[1]} == ${lhs}`)
    }
  }

  close(): void {
    this.calls.closeAll()
  }
}

/** Whether p has settled by the time pending microtasks have run. */
async function settledNow(p: Promise<unknown>): Promise<boolean> {
  let done = false
  p.then(
    () => {
      done = true
    },
    () => {
      done = true
    },
  )
  for (let i = 0; i < 8 && !done; i++) await Promise.resolve()
  return done
}

const TCPI: Readonly<Record<string, number>> = {
  TCPI_CLOSED: 0,
  TCPI_LISTEN: 1,
  TCPI_SYN_SENT: 2,
  TCPI_SYN_RECEIVED: 3,
  TCPI_ESTABLISHED: 4,
  TCPI_CLOSE_WAIT: 5,
  TCPI_FIN_WAIT_1: 6,
  TCPI_CLOSING: 7,
  TCPI_LAST_ACK: 8,
  TCPI_FIN_WAIT_2: 9,
  TCPI_TIME_WAIT: 10,
  TCPI_OPT_TIMESTAMPS: 1,
  TCPI_OPT_SACK: 2,
  TCPI_OPT_WSCALE: 4,
  TCPI_OPT_ECN: 8,
  TCPI_OPT_TOE: 16,
}

/** A name, a number, or names or-ed together in parentheses. */
function pyValue(text: string, info: Record<string, number>): number | null {
  let v = 0
  for (const part of text.replace(/^\(|\)$/g, '').split('|')) {
    const w = part.trim()
    const n = /^\d+$/.test(w) ? Number(w) : (info[w] ?? TCPI[w])
    if (n === undefined) return null
    v |= n
  }
  return v
}

function outcomeText(o: Outcome): string {
  return o.errno === null ? `${o.ret}` : `${o.ret} ${o.errno}`
}

function callText(a: SyscallAction): string {
  const res = a.result.kind === 'int' ? `${a.result.value}` : '...'
  return `${a.name}() = ${res}${a.errno === null ? '' : ` ${a.errno}`}`
}

/** Runs one parsed script in the caller's stack. */
export async function runScript(proc: Proc, script: Script, opts: RunOptions = {}): Promise<RunResult> {
  const sys = proc.sys
  const o = new Map(script.options.map((x) => [x.name, x.value]))
  const ipVersion = o.get('ip_version') ?? 'ipv4'
  if (ipVersion !== 'ipv4' && ipVersion !== 'ipv6')
    return { ok: false, line: 0, message: `--ip_version=${ipVersion} is not supported (ipv4, ipv6)` }
  const v6 = ipVersion === 'ipv6'
  const tolText = o.get('tolerance_usecs')
  const tol = tolText === undefined ? (opts.toleranceUs ?? DEFAULT_TOLERANCE_US) : Number(tolText)
  if (!Number.isInteger(tol) || tol < 0)
    return { ok: false, line: 0, message: `bad --tolerance_usecs=${tolText}` }
  const local = v6 ? 0 : parseIpv4(o.get('local_ip') ?? LOCAL)
  const remote = v6 ? 0 : parseIpv4(o.get('remote_ip') ?? REMOTE)
  const local6 = v6 ? parseIpv6(o.get('local_ip') ?? LOCAL6) : null
  const remote6 = v6 ? parseIpv6(o.get('remote_ip') ?? REMOTE6) : null
  if (local === null || remote === null || (v6 && (local6 === null || remote6 === null)))
    return { ok: false, line: 0, message: 'bad --local_ip or --remote_ip' }
  const ifname = sys.ifCreate('tun')
  let tun: TunFd | null = null
  let run: Run | null = null
  try {
    const mtu = o.get('mtu')
    if (local6 !== null && remote6 !== null) {
      // As packetdrill configures its tun for IPv6: our address, and the peer's as a host route.
      if (mtu !== undefined) sys.ifSetMtu(ifname, Number(mtu))
      sys.ifSetUp(ifname, true)
      sys.inet6.addAddr(ifname, local6, 64)
      sys.inet6.routeAdd({ dst: remote6, prefixLen: 128, ifName: ifname })
    } else {
      sys.ifAddAddr(ifname, local, 24, { dst: remote })
      if (mtu !== undefined) sys.ifSetMtu(ifname, Number(mtu))
      sys.ifSetUp(ifname, true)
    }
    tun = sys.tunOpen(ifname)
    const conn = newConn(local, remote, local6, remote6)
    const secret = o.get('tcp_md5_secret')
    if (secret !== undefined) conn.md5Key = Uint8Array.from(secret, (ch) => ch.charCodeAt(0) & 0xff)
    run = new Run(proc, tun, conn, tol, opts.verbose ? (opts.trace ?? null) : null)
    run.nonFatalSyscall = (o.get('non_fatal') ?? '').split(',').includes('syscall')
    if (script.init !== null) await shellOnce(proc, script.init)
    await run.run(script)
    if (script.cleanup !== null) await shellOnce(proc, script.cleanup)
    return { ok: true, line: 0, message: '' }
  } catch (e) {
    if (e instanceof Failure) return { ok: false, line: e.line, message: e.message }
    if (isSysError(e)) return { ok: false, line: 0, message: `${e.op ?? 'setup'}: ${e.strerror}` }
    throw e
  } finally {
    run?.close()
    tun?.close()
    destroyQuietly(sys, ifname)
  }
}

/** Take the tun away again; it is ours, so only a vanished jail could refuse, and then it is gone anyway. */
function destroyQuietly(sys: Syscalls, ifname: string): void {
  try {
    sys.ifDestroy(ifname)
  } catch (e) {
    if (!isSysError(e)) throw e
  }
}

async function shellOnce(proc: Proc, a: ShellAction): Promise<void> {
  const io: Io = {
    stdin: { read: async () => null },
    stdout: { write: () => {} },
    stderr: { write: () => {} },
  }
  const status = await proc.spawn(['sh', '-c', a.command], io).done
  if (status !== 0)
    throw new Failure(a.line, `expected \`${a.command}\` to succeed got exit status ${status}`)
}

/** One line per script, as the program prints it. */
export function resultLine(file: string, r: RunResult): string {
  return r.ok ? `${file}: ok` : `${file}: FAILED${r.line > 0 ? ` line ${r.line}` : ''}: ${r.message}`
}

const USAGE = 'usage: packetdrill [--tolerance_usecs N] [-v] FILE ...'

/** Parses `--tolerance_usecs N`, `--tolerance_usecs=N`, `-v`; null on a usage error. */
export function parseArgs(argv: readonly string[]): { files: string[]; opts: RunOptions } | string {
  const files: string[] = []
  const opts: { toleranceUs?: number; verbose?: boolean } = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '-v' || a === '--verbose') opts.verbose = true
    else if (a === '--tolerance_usecs' || a.startsWith('--tolerance_usecs=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]
      if (v === undefined || !/^\d+$/.test(v))
        return `--tolerance_usecs: expected a number of microseconds, got '${v ?? ''}'`
      opts.toleranceUs = Number(v)
    } else if (a.startsWith('-') && a !== '-') return `unknown option '${a}'`
    else files.push(a)
  }
  if (files.length === 0) return 'no script given'
  return { files, opts }
}

/**
 * `packetdrill [--tolerance_usecs N] [-v] FILE ...` inside VirtNet: scripts are read from the
 * process's file system and run one after the other in its stack; a total follows. Exit status 0
 * only when every script passed.
 */
export const packetdrill: Command = (argv, io, proc) =>
  runTool('packetdrill', io, async () => {
    const args = parseArgs(argv.slice(1))
    if (typeof args === 'string') {
      await io.stderr.write(`packetdrill: ${args}\n${USAGE}\n`)
      return 64
    }
    let passed = 0
    for (const file of args.files) {
      const text = proc.fs.read(file)
      let r: RunResult
      if (text === undefined) r = { ok: false, line: 0, message: 'No such file or directory' }
      else r = await runText(proc, file, text, { ...args.opts, trace: (l) => void io.stdout.write(`${l}\n`) })
      if (r.ok) passed++
      await io.stdout.write(`${resultLine(file, r)}\n`)
    }
    await io.stdout.write(`${totalLine(args.files.length, passed)}\n`)
    return passed === args.files.length ? 0 : 1
  })

export function totalLine(total: number, passed: number): string {
  return `${total} script${total === 1 ? '' : 's'}: ${passed} passed, ${total - passed} failed`
}

/** Parse and run script text; a syntax error is the script's failure. */
export async function runText(proc: Proc, file: string, text: string, opts: RunOptions): Promise<RunResult> {
  let script: Script
  try {
    script = parseScript(text, { file })
  } catch (e) {
    if (!(e instanceof PktSyntaxError)) throw e
    const m = /:(\d+): (.*)$/s.exec(e.message)
    return { ok: false, line: m ? Number(m[1]) : 0, message: m ? m[2]! : e.message }
  }
  return runScript(proc, script, opts)
}

/**
 * ipfw(8): the vnet's own firewall, as FreeBSD 14's ipfw — `add`, `delete [set]`, `list`/`show`
 * (-a -t -N -S -d), `zero`, `resetlog`, `flush` (-f, or asked), `set show|enable|disable|move|swap`,
 * `enable|disable firewall|one_pass|verbose|dyn_keepalive`, `-q`, `-n` (compile only), and a file of
 * commands (`ipfw [-q] /path`), which stops at the first bad line with `Line N: ...` as ipfw does.
 *
 * Rules are compiled here (compile.ts) and printed back from what the kernel holds (show.ts); the
 * kernel is reached only through Syscalls.ipfwCtl. Messages and exit statuses follow ipfw2.c.
 * `nat` is nat.ts's, `table` table.ts's; pipe, queue and sched go to dummynet.ts (shared with dnctl).
 */

import { IPFW_DEFAULT_RULE, type IpfwReply, type IpfwRequest } from '../../../host/syscalls.js'
import type { SysError } from '../../../util/errno.js'
import { asSysError, CmdError, EX } from '../../common.js'
import { getopt } from '../../getopt.js'
import type { Command, Io, Proc } from '../../types.js'
import { CompileError, compileRule } from './compile.js'
import { DnExit, dummynetCmd } from './dummynet/dummynet.js'
import { natCommand } from './nat.js'
import { checkSetfib } from './setfib.js'
import { type ShowOpts, showDyn, showRule } from './show.js'
import { tableCmd } from './table.js'

const EX_UNAVAILABLE = 69
const EX_OSERR: number = EX.OSERR

const USAGE = 'usage: ipfw [options]\ndo "ipfw -h" or "man ipfw" for details'

const HELP = `ipfw syntax summary (but please do read the ipfw(8) manpage):

\tipfw [-abcdefhnNqStTv] <command>

where <command> is one of the following:

add [num] [set N] [prob x] RULE-BODY
{pipe|queue} N config PIPE-BODY
[pipe|queue] {zero|delete|show} [N{,N}]
nat N config {ip IPADDR|if IFNAME|log|deny_in|same_ports|unreg_only|reset|
\t\treverse|proxy_only|redirect_addr linkspec|
\t\tredirect_port linkspec|redirect_proto linkspec}
set [disable N... enable N...] | move [rule] X to Y | swap X Y | show
set N {show|list|zero|resetlog|delete} [N{,N}] | flush
table N {add ip[/bits] [value] | delete ip[/bits] | flush | list}
table all {flush | list}

RULE-BODY:\tcheck-state [PARAMS] | ACTION [PARAMS] ADDR [OPTION_LIST]
ACTION:\tcheck-state | allow | count | deny | unreach{,6} CODE |
               skipto N | {divert|tee} PORT | forward ADDR |
               pipe N | queue N | nat N | setfib FIB | reass
PARAMS: \t[log [logamount LOGLIMIT]] [altq QUEUE_NAME]
ADDR:\t[ MAC dst src ether_type ]
\t[ ip from IPADDR [ PORT ] to IPADDR [ PORTLIST ] ]
IPADDR:\t[not] { any | me | ip/bits{x,y,z} | table(t[,v]) | IPLIST }
IPLIST:\t{ ip | ip/bits | ip:mask }[,IPLIST]
OPTION_LIST:\tOPTION [OPTION_LIST]
OPTION:\tbridged | diverted | diverted-loopback | diverted-output |
\t{dst-ip|src-ip} IPADDR | {dst-port|src-port} LIST |
\testab | frag | {gid|uid} N | icmptypes LIST | in | out | ipid LIST |
\tiplen LIST | ipoptions SPEC | ipprecedence | ipsec | iptos SPEC |
\tipttl LIST | ipversion VER | keep-state | layer2 | limit ... |
\tmac ... | mac-type LIST | proto LIST | {recv|xmit|via} {IF|IPADDR} |
\tsetup | {tcpack|tcpseq|tcpwin} NN | tcpflags SPEC | tcpoptions SPEC |
\ttcpdatalen LIST | verrevpath | versrcreach | antispoof
`

interface Flags {
  acct: boolean
  time: boolean
  names: boolean
  sets: boolean
  dynamic: boolean
  quiet: boolean
  force: boolean
  testOnly: boolean
}

/** One command failed: `message` (already without `ipfw: `) and the exit status. */
class IpfwExit extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

function sysFail(what: string, e: unknown, status = EX_UNAVAILABLE): never {
  const err: SysError = asSysError(e)
  if (err.op === 'socket') throw new IpfwExit(`socket: ${err.strerror}`, EX_UNAVAILABLE)
  const msg = `${what}: ${err.strerror}`
  throw new IpfwExit(msg, status)
}

function ctl(proc: Proc, req: IpfwRequest, what: string, status?: number): IpfwReply {
  try {
    return proc.sys.ipfwCtl(req)
  } catch (e) {
    return sysFail(what, e, status)
  }
}

/** `N` or `N-M` as an inclusive range. */
function ruleRange(s: string): [number, number] | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s)
  if (m === null) return null
  const lo = Number(m[1])
  const hi = m[2] === undefined ? lo : Number(m[2])
  if (lo > 65535 || hi > 65535 || lo > hi) return null
  return [lo, hi]
}

/** ipfw_flush's question; also dummynet's flush (dummynet.ts). */
export async function ask(io: Io): Promise<boolean> {
  io.stdout.write('Are you sure? [yn] ')
  let buf = ''
  for (;;) {
    const nl = buf.indexOf('\n')
    if (nl >= 0) {
      const c = buf.slice(0, nl).trim().toUpperCase()[0]
      buf = buf.slice(nl + 1)
      if (c === 'Y' || c === 'N') {
        io.stdout.write('\n')
        return c === 'Y'
      }
      continue
    }
    const chunk = await io.stdin.read()
    if (chunk === null) return false
    buf += chunk
  }
}

function showRules(io: Io, proc: Proc, f: Flags, args: readonly string[]): number {
  const reply = ctl(proc, { op: 'list' }, 'retrieving config failed', EX_OSERR)
  let rules = reply.rules ?? []
  const ranges: Array<[number, number]> = []
  for (const a of args) {
    const r = ruleRange(a)
    if (r === null) throw new IpfwExit(`invalid rule number: ${a}`, EX.USAGE)
    ranges.push(r)
  }
  if (ranges.length > 0) {
    rules = rules.filter((r) => ranges.some(([lo, hi]) => r.num >= lo && r.num <= hi))
    if (rules.length === 0) {
      const [lo, hi] = ranges[0]!
      throw new IpfwExit(
        lo === hi ? `rule ${lo} does not exist` : `no rules in range ${lo}-${hi}`,
        EX_UNAVAILABLE,
      )
    }
  }
  const dyn = f.dynamic ? (reply.dyn ?? []) : []
  const o: ShowOpts = {
    counters: f.acct,
    time: f.time,
    names: f.names,
    sets: f.sets,
    pcWidth: Math.max(
      1,
      ...rules.map((r) => String(r.pcnt).length),
      ...dyn.map((d) => String(d.pcnt).length),
    ),
    bcWidth: Math.max(
      1,
      ...rules.map((r) => String(r.bcnt).length),
      ...dyn.map((d) => String(d.bcnt).length),
    ),
  }
  let out = ''
  for (const r of rules) out += `${showRule(r, o)}\n`
  if (f.dynamic && dyn.length > 0) {
    out += `## Dynamic rules (${dyn.length}):\n`
    for (const d of dyn) out += `${showDyn(d, o)}\n`
  }
  io.stdout.write(out)
  return 0
}

function zero(io: Io, proc: Proc, f: Flags, args: readonly string[], resetlog: boolean): number {
  const name = resetlog ? 'RESETLOG' : 'ZERO'
  if (args.length === 0) {
    ctl(proc, { op: resetlog ? 'resetlog' : 'zero', lo: 0, hi: 0 }, `setsockopt(IP_FW_X${name})`)
    if (!f.quiet) io.stdout.write(resetlog ? 'Logging counts reset.\n' : 'Accounting cleared.\n')
    return 0
  }
  let failed = 0
  for (const a of args) {
    const r = ruleRange(a)
    if (r === null) throw new IpfwExit(`invalid rule number ${a}`, EX.USAGE)
    const op = resetlog ? 'resetlog' : 'zero'
    const reply = ctl(proc, { op, lo: r[0], hi: r[1] }, `rule ${a}: setsockopt(IP_FW_X${name})`)
    if (reply.count === 0) {
      io.stdout.write(`Entry ${a} not found\n`)
      failed = EX_UNAVAILABLE
    } else if (!f.quiet) io.stdout.write(`Entry ${a} ${resetlog ? 'logging count reset' : 'cleared'}.\n`)
  }
  return failed
}

function del(io: Io, proc: Proc, f: Flags, args: readonly string[]): number {
  let rest = args
  let set = false
  if (rest[0] === 'set') {
    set = true
    rest = rest.slice(1)
  }
  if (rest.length === 0) throw new IpfwExit(`missing rule specification`, EX.USAGE)
  let exit = 0
  for (const a of rest) {
    const r = ruleRange(a)
    if (r === null) throw new IpfwExit(`invalid rule number: ${a}`, EX.DATAERR)
    if (set) {
      if (r[0] > 30) throw new IpfwExit(`invalid set number ${a}`, EX.DATAERR)
      ctl(proc, { op: 'delete', lo: -1, hi: -1, set: r[0] }, `rule ${a}: setsockopt(IP_FW_XDEL)`)
      continue
    }
    if (r[1] >= IPFW_DEFAULT_RULE) {
      exit = EX_UNAVAILABLE
      if (!f.quiet) io.stderr.write(`ipfw: rule ${r[0]}: setsockopt(IP_FW_XDEL): Invalid argument\n`)
      continue
    }
    const reply = ctl(
      proc,
      { op: 'delete', lo: r[0], hi: r[1], set: -1 },
      `rule ${r[0]}: setsockopt(IP_FW_XDEL)`,
    )
    if (reply.count === 0 && r[0] === r[1]) {
      exit = EX_UNAVAILABLE
      if (!f.quiet) io.stderr.write(`ipfw: rule ${r[0]} not found\n`)
    }
  }
  if (exit !== 0 && !f.force) throw new IpfwExit('', exit)
  return 0
}

function setCmd(io: Io, proc: Proc, args: readonly string[]): number {
  const sub = args[0]
  const setNum = (s: string | undefined): number => {
    const n = s === undefined ? Number.NaN : Number(s)
    if (!Number.isInteger(n) || n < 0 || n > 30) throw new IpfwExit(`invalid set number ${s}`, EX.DATAERR)
    return n
  }
  if (sub === 'show') {
    const disabled = ctl(proc, { op: 'list' }, 'retrieving config failed', EX_OSERR).disabledSets ?? 0
    let out = ''
    let msg = 'disable'
    for (let i = 0; i < 31; i++)
      if ((disabled >>> i) & 1) {
        out += `${msg} ${i}`
        msg = ''
      }
    msg = disabled !== 0 ? ' enable' : 'enable'
    for (let i = 0; i < 31; i++)
      if (!((disabled >>> i) & 1)) {
        out += `${msg} ${i}`
        msg = ''
      }
    io.stdout.write(`${out}\n`)
    return 0
  }
  if (sub === 'swap') {
    if (args.length !== 3) throw new IpfwExit('set swap needs 2 set numbers', EX.USAGE)
    ctl(
      proc,
      { op: 'set-move', from: setNum(args[1]), to: setNum(args[2]), rule: false, swap: true },
      'setsockopt(IP_FW_SET_SWAP)',
    )
    return 0
  }
  if (sub === 'move') {
    let a = args.slice(1)
    const rule = a[0] === 'rule'
    if (rule) a = a.slice(1)
    if (a.length !== 3 || a[1] !== 'to') throw new IpfwExit('syntax: set move [rule] X to Y', EX.USAGE)
    const from = rule ? Number(a[0]) : setNum(a[0])
    if (rule && !(Number.isInteger(from) && from > 0 && from < IPFW_DEFAULT_RULE))
      throw new IpfwExit(`invalid rule number ${a[0]}`, EX.DATAERR)
    ctl(proc, { op: 'set-move', from, to: setNum(a[2]), rule, swap: false }, 'setsockopt(IP_FW_SET_MOVE)')
    return 0
  }
  if (sub === 'enable' || sub === 'disable') {
    let enable = 0
    let disable = 0
    let which = 0
    for (const a of args) {
      if (a === 'enable') which = 1
      else if (a === 'disable') which = 2
      else {
        const n = setNum(a)
        if (which === 1) enable |= 1 << n
        else disable |= 1 << n
      }
    }
    if ((enable & disable) !== 0) throw new IpfwExit('cannot enable and disable the same set', EX.DATAERR)
    ctl(proc, { op: 'set-enable', enable, disable }, 'setsockopt(IP_FW_SET_ENABLE)')
    return 0
  }
  throw new IpfwExit(`invalid set command ${sub ?? ''}`.trimEnd(), EX.USAGE)
}

const SYSCTL_NAMES: Readonly<Record<string, string>> = {
  firewall: 'net.inet.ip.fw.enable',
  one_pass: 'net.inet.ip.fw.one_pass',
  verbose: 'net.inet.ip.fw.verbose',
  dyn_keepalive: 'net.inet.ip.fw.dyn_keepalive',
}

/** One ipfw command line (argv without `ipfw`). */
async function ipfwMain(av: readonly string[], io: Io, proc: Proc, inherited: Flags | null): Promise<number> {
  const g = getopt('ipfw', av, 'abcdefhnNqSstTv')
  if (typeof g === 'string') throw new IpfwExit(`${g.slice('ipfw: '.length)}\n${USAGE}`, EX.USAGE)
  const f: Flags =
    inherited === null
      ? {
          acct: false,
          time: false,
          names: false,
          sets: false,
          dynamic: false,
          quiet: false,
          force: false,
          testOnly: false,
        }
      : { ...inherited }
  for (const [o] of g.opts) {
    if (o === 'a') f.acct = true
    else if (o === 't' || o === 'T') f.time = true
    else if (o === 'N') f.names = true
    else if (o === 'S') f.sets = true
    else if (o === 'd' || o === 'e') f.dynamic = true
    else if (o === 'q') f.quiet = true
    else if (o === 'f') f.force = true
    else if (o === 'n') f.testOnly = true
    else if (o === 'h') {
      io.stdout.write(HELP)
      return 0
    }
  }
  const args = g.rest
  if (args.length === 0) throw new IpfwExit(`bad arguments\n${USAGE}`, EX.USAGE)
  // A file of commands: the last argument, a path (ipfw_readfile).
  const last = args[args.length - 1]!
  if (inherited === null && last.startsWith('/') && args.length === 1) return readFile(last, io, proc, f)
  const [cmd, ...rest] = args
  // Without -n, ipfw opens its raw socket before anything else.
  if (
    !f.testOnly &&
    cmd !== 'nat' &&
    cmd !== 'pipe' &&
    cmd !== 'queue' &&
    cmd !== 'sched' &&
    cmd !== 'table'
  ) {
    if (proc.sys.uid !== 0) throw new IpfwExit('socket: Operation not permitted', EX_UNAVAILABLE)
  }
  switch (cmd) {
    case 'add': {
      let spec: ReturnType<typeof compileRule>
      try {
        spec = compileRule(rest)
        checkSetfib(spec, proc)
      } catch (e) {
        if (e instanceof CompileError) throw new IpfwExit(e.message, e.status)
        throw e
      }
      if (f.testOnly) {
        if (!f.quiet)
          io.stdout.write(`${showRule({ ...spec, pcnt: 0, bcnt: 0, timestamp: 0 }, showOpts(f))}\n`)
        return 0
      }
      const added = ctl(proc, { op: 'add', rules: [spec] }, 'getsockopt(IP_FW_XADD)').rules ?? []
      if (!f.quiet) for (const r of added) io.stdout.write(`${showRule(r, showOpts(f))}\n`)
      return 0
    }
    case 'delete':
      if (f.testOnly) return 0
      return del(io, proc, f, rest)
    case 'list':
    case 'show':
      if (f.testOnly) return 0
      return showRules(io, proc, cmd === 'show' ? { ...f, acct: true } : f, rest)
    case 'zero':
    case 'resetlog':
      if (f.testOnly) return 0
      return zero(io, proc, f, rest, cmd === 'resetlog')
    case 'flush':
      if (f.testOnly) return 0
      if (!f.force && !f.quiet && !(await ask(io))) return 0
      ctl(proc, { op: 'flush' }, 'setsockopt(IP_FW_FLUSH)')
      if (!f.quiet) io.stdout.write('Flushed all rules.\n')
      return 0
    case 'set':
      if (f.testOnly) return 0
      return setCmd(io, proc, rest)
    case 'enable':
    case 'disable': {
      const name = SYSCTL_NAMES[rest[0] ?? '']
      if (name === undefined)
        throw new IpfwExit(`unrecognize enable/disable keyword: ${rest[0] ?? ''}`, EX.DATAERR)
      if (f.testOnly) return 0
      try {
        proc.sys.sysctlSet(name, cmd === 'enable' ? '1' : '0')
      } catch (e) {
        sysFail(`sysctl(${name})`, e, EX_OSERR)
      }
      return 0
    }
    case 'table':
      try {
        return tableCmd(rest, io, proc, f.quiet, f.testOnly)
      } catch (e) {
        if (e instanceof CompileError) throw new IpfwExit(e.message, e.status)
        throw e
      }
    case 'nat':
      return natCommand(rest, io, proc, f, (msg, status) => {
        throw new IpfwExit(msg, status)
      })
    case 'pipe':
    case 'queue':
    case 'sched':
      try {
        return await dummynetCmd('ipfw', cmd, rest, io, proc, f)
      } catch (e) {
        if (e instanceof DnExit) throw new IpfwExit(e.message, e.status)
        throw e
      }
    default:
      throw new IpfwExit(`bad command \`${cmd}'`, EX.USAGE)
  }
}

function showOpts(f: Flags): ShowOpts {
  return { counters: false, time: false, names: f.names, sets: f.sets, pcWidth: 1, bcWidth: 1 }
}

/** ipfw_readfile: each line a command; the first failing line ends the run (errx). */
async function readFile(path: string, io: Io, proc: Proc, f: Flags): Promise<number> {
  const text = proc.fs.read(path)
  if (text === undefined) throw new IpfwExit(`pathname: ${path}: No such file or directory`, EX.USAGE)
  const lines = text.split('\n')
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/#.*/, '').trim()
    if (line === '') continue
    try {
      await ipfwMain(line.split(/\s+/), io, proc, f)
    } catch (e) {
      if (e instanceof IpfwExit) {
        if (e.message !== '') io.stderr.write(`Line ${n + 1}: ${e.message}\n`)
        return e.status
      }
      throw e
    }
  }
  return 0
}

export const ipfw: Command = async (argv, io, proc) => {
  try {
    return await ipfwMain(argv.slice(1), io, proc, null)
  } catch (e) {
    if (e instanceof IpfwExit) {
      if (e.message !== '') io.stderr.write(`ipfw: ${e.message}\n`)
      return e.status
    }
    if (e instanceof CmdError) {
      io.stderr.write(`ipfw: ${e.message}\n`)
      return e.status
    }
    throw e
  }
}

/**
 * ipfw(8)'s `nat` commands (FreeBSD's sbin/ipfw/nat.c): `ipfw nat N config [ip A | if IF] [log]
 * [deny_in] [same_ports] [skip_global] [unreg_only] [reset] [reverse] [proxy_only]
 * [port_range LO-HI] [redirect_addr ...] [redirect_port ...] [redirect_proto ...]`, which prints
 * the instance back unless -q; `ipfw nat N delete`; `ipfw [nat N] show config|log`. Parsing,
 * messages and exit statuses follow nat.c and ipfw2.c (including `show` with a name printing the
 * configuration whatever was asked, as nat.c does).
 *
 * Reaches the kernel only through Syscalls.ipfwCtl's nat-* requests; dispatched from ipfw.ts,
 * which passes `fail` to leave with a message and status the way ipfw's other commands do.
 */

import {
  type IpfwReply,
  type IpfwRequest,
  type NatCfg,
  NatMode,
  NatRedir,
  type NatRedirCfg,
} from '../../../host/syscalls.js'
import { formatIpv4, parseIpv4 } from '../../../wire/addr.js'
import { asSysError, EX } from '../../common.js'
import type { Io, Proc } from '../../types.js'
import { PROTO_NAMES, PROTOCOLS, SERVICES } from './names.js'

const EX_UNAVAILABLE = 69

/** Leaves ipfw with `message` (without `ipfw: `) and `status`. */
export type NatFail = (message: string, status: number) => never

export interface NatFlags {
  quiet: boolean
  testOnly: boolean
}

/** nat_params[], with the mode bit each flag keyword sets. */
const FLAGS: ReadonlyMap<string, number> = new Map([
  ['log', NatMode.LOG],
  ['deny_in', NatMode.DENY_INCOMING],
  ['same_ports', NatMode.SAME_PORTS],
  ['unreg_only', NatMode.UNREGISTERED_ONLY],
  ['skip_global', NatMode.SKIP_GLOBAL],
  ['reset', NatMode.RESET_ON_ADDR_CHANGE],
  ['reverse', NatMode.REVERSE],
  ['proxy_only', NatMode.PROXY_ONLY],
])

/** nat_show_cfg's order of the flags. */
const FLAG_ORDER: ReadonlyArray<readonly [number, string]> = [
  [NatMode.LOG, 'log'],
  [NatMode.DENY_INCOMING, 'deny_in'],
  [NatMode.SAME_PORTS, 'same_ports'],
  [NatMode.SKIP_GLOBAL, 'skip_global'],
  [NatMode.UNREGISTERED_ONLY, 'unreg_only'],
  [NatMode.RESET_ON_ADDR_CHANGE, 'reset'],
  [NatMode.REVERSE, 'reverse'],
  [NatMode.PROXY_ONLY, 'proxy_only'],
]

/** strtol's leading integer of s in `base` (0: C's prefixes), and whether all of s was used. */
function strtol(s: string, base = 10): { n: number; all: boolean; any: boolean } {
  const m = (base === 0 ? /^\s*([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)/i : /^\s*([+-]?)([0-9]+)/).exec(s)
  if (m === null) return { n: 0, all: false, any: false }
  const digits = m[2]!
  let n: number
  if (base === 0 && /^0x/i.test(digits)) n = Number.parseInt(digits.slice(2), 16)
  else if (base === 0 && digits.length > 1 && digits[0] === '0') n = Number.parseInt(digits, 8)
  else n = Number.parseInt(digits, 10)
  if (m[1] === '-') n = -n
  return { n, all: m[0].length === s.length, any: true }
}

class Parser {
  constructor(
    private readonly proc: Proc,
    private readonly fail: NatFail,
  ) {}

  /** StrToAddr: a dotted quad (inet_aton); there is no resolver, so a name is an unknown host. */
  addr(s: string): number {
    const a = parseIpv4(s)
    if (a === null) this.fail(`unknown host ${s}`, 1)
    return a!
  }

  /** StrToPortRange: a service, a port or LO-HI; returns [lo, count]. */
  portRange(s: string, proto: string): [number, number] {
    const svc = SERVICES.get(s)
    if (svc !== undefined) return [svc, 1]
    const dash = s.indexOf('-')
    if (dash < 0) {
      const r = strtol(s)
      if (!r.any) this.fail(`${s}/${proto}: unknown service`, EX.DATAERR)
      return [r.n & 0xffff, 1]
    }
    // sscanf("%hu-%hu"): each part as a 16-bit number.
    const lo = strtol(s.slice(0, dash)).n & 0xffff
    const hi = strtol(s.slice(dash + 1)).n & 0xffff
    const cnt = lo <= hi ? hi - lo + 1 : 0
    if (cnt === 0) this.fail(`invalid port range ${s}`, EX.DATAERR)
    return [lo, cnt]
  }

  /** StrToAddrAndPortRange: ADDR:PORTS. */
  addrPorts(s: string, proto: string): [number, number, number] {
    const c = s.indexOf(':')
    if (c < 0) this.fail(`${s} is missing port number`, EX.DATAERR)
    const a = this.addr(s.slice(0, c))
    const [lo, cnt] = this.portRange(s.slice(c + 1), proto)
    return [a, lo, cnt]
  }

  /** StrToProto. */
  proto(s: string): number {
    if (s === 'tcp') return 6
    if (s === 'udp') return 17
    if (s === 'sctp') this.fail('redirect_port: sctp is not supported in VirtNet', EX.DATAERR)
    return this.fail(`unknown protocol ${s}. Expected sctp, tcp or udp`, EX.DATAERR)
  }

  /** set_addr_dynamic: the interface's first IPv4 address, or 0.0.0.0 while it has none. */
  ifAddr(name: string): number {
    const ifp = this.proc.sys.ifList().find((i) => i.name === name)
    if (ifp === undefined) this.fail(`unknown interface name ${name}`, 1)
    return ifp!.addrs[0]?.addr ?? 0
  }
}

function redir(mode: number): NatRedirCfg {
  return {
    mode,
    proto: 0,
    laddr: 0,
    paddr: 0,
    raddr: 0,
    lport: 0,
    pport: 0,
    rport: 0,
    pportCnt: 0,
    rportCnt: 0,
  }
}

const isDigit = (s: string | undefined) => s !== undefined && s.length > 0 && s[0]! >= '0' && s[0]! <= '9'

/** ipfw_config_nat: `av` is [id, options...]. */
function config(av: readonly string[], io: Io, proc: Proc, f: NatFlags, fail: NatFail): number {
  if (av.length === 0) fail('missing nat id', EX.DATAERR)
  const idArg = av[0]!
  const idp = strtol(idArg, 0)
  if (idp.n <= 0 || !idp.all) fail(`illegal nat id: ${idArg}`, EX.DATAERR)
  const opts = av.slice(1)
  if (opts.length === 0) fail('missing option', EX.DATAERR)
  // The first pass only checks the keywords and the argument counts, as nat.c's does.
  for (let k = 0; k < opts.length; ) {
    const tok = opts[k++]!
    const left = opts.length - k
    if (tok === 'ip' || tok === 'if' || tok === 'port_range') k++
    else if (FLAGS.has(tok)) continue
    else if (tok === 'redirect_addr') {
      if (left < 2) fail('redirect_addr: not enough arguments', EX.DATAERR)
      k += 2
    } else if (tok === 'redirect_port') {
      if (left < 3) fail('redirect_port: not enough arguments', EX.DATAERR)
      k += 3
      if (k < opts.length && isDigit(opts[k])) k++
    } else if (tok === 'redirect_proto') {
      if (left < 2) fail('redirect_proto: not enough arguments', EX.DATAERR)
      k += 2
      if (k < opts.length && isDigit(opts[k])) k++
      if (k < opts.length && isDigit(opts[k])) k++
    } else fail(`unrecognised option \`\`${tok}''`, EX.DATAERR)
  }
  const p = new Parser(proc, fail)
  const cfg: NatCfg = { id: idp.n, ip: 0, ifName: '', mode: 0, portLo: 0, portHi: 0, redirs: [] }
  for (let k = 0; k < opts.length; ) {
    const tok = opts[k++]!
    const flag = FLAGS.get(tok)
    if (flag !== undefined) {
      cfg.mode |= flag
      continue
    }
    const arg = () => {
      if (k >= opts.length) fail('missing option', EX.DATAERR)
      return opts[k++]!
    }
    if (tok === 'ip') {
      const s = arg()
      const a = parseIpv4(s)
      if (a === null) fail(`bad ip address \`\`${s}''`, EX.DATAERR)
      cfg.ip = a!
    } else if (tok === 'if') {
      const s = arg()
      cfg.ip = p.ifAddr(s)
      cfg.ifName = s
    } else if (tok === 'port_range') {
      const s = arg()
      const m = /^(\d+)-(\d+)$/.exec(s)
      const lo = m === null ? 0 : Number(m[1])
      const hi = m === null ? 0 : Number(m[2])
      if (m === null || lo < 1024 || hi > 65535 || lo > hi) fail(`invalid port_range ${s}`, EX.DATAERR)
      cfg.portLo = lo
      cfg.portHi = hi
    } else if (tok === 'redirect_addr') {
      const r = redir(NatRedir.ADDR)
      const l = opts[k++]!
      if (l.includes(',')) fail('redirect_addr: LSNAT server pools are not supported in VirtNet', EX.DATAERR)
      r.laddr = p.addr(l)
      r.paddr = p.addr(opts[k++]!)
      cfg.redirs.push(r)
    } else if (tok === 'redirect_port') {
      const r = redir(NatRedir.PORT)
      const protoName = opts[k++]!
      r.proto = p.proto(protoName)
      const l = opts[k++]!
      if (l.includes(',')) fail('redirect_port: LSNAT server pools are not supported in VirtNet', EX.DATAERR)
      const [la, lp, nLocal] = p.addrPorts(l, protoName)
      r.laddr = la
      r.lport = lp
      const pub = opts[k++]!
      let pr: [number, number]
      if (pub.includes(':')) {
        const [pa, pp, pc] = p.addrPorts(pub, protoName)
        r.paddr = pa
        pr = [pp, pc]
      } else pr = p.portRange(pub, protoName)
      r.pport = pr[0]
      r.pportCnt = pr[1]
      let rr: [number, number] = [0, 1]
      if (k < opts.length && isDigit(opts[k])) {
        const rem = opts[k++]!
        if (rem.includes(':')) {
          const [ra, rp, rc] = p.addrPorts(rem, protoName)
          r.raddr = ra
          rr = [rp, rc]
        } else r.raddr = p.addr(rem)
      }
      r.rport = rr[0]
      r.rportCnt = rr[1]
      if (nLocal !== r.pportCnt) fail('redirect_port: port ranges must be equal in size', EX.DATAERR)
      if (r.rportCnt !== nLocal && (r.rportCnt !== 1 || r.rport !== 0))
        fail('redirect_port: remote port mustbe 0 or equal to local port range in size', EX.DATAERR)
      cfg.redirs.push(r)
    } else if (tok === 'redirect_proto') {
      const r = redir(NatRedir.PROTO)
      const name = opts[k++]!
      const proto =
        PROTOCOLS.get(name) ?? (/^\d+$/.test(name) && Number(name) < 256 ? Number(name) : undefined)
      if (proto === undefined) fail(`redirect_proto: unknown protocol ${name}`, EX.DATAERR)
      r.proto = proto!
      r.laddr = p.addr(opts[k++]!)
      if (k < opts.length && isDigit(opts[k])) {
        r.paddr = p.addr(opts[k++]!)
        if (k < opts.length && isDigit(opts[k])) r.raddr = p.addr(opts[k++]!)
      }
      cfg.redirs.push(r)
    }
  }
  if (f.testOnly) return 0
  ctl(proc, { op: 'nat-config', cfg }, fail, (e) => fail(`setsockopt(IP_FW_NAT44_XCONFIG): ${e}`, 1))
  if (!f.quiet) return show(['config', idArg], io, proc, f, fail)
  return 0
}

/** One request; ipfw's raw socket failing to open ends ipfw there (err(EX_UNAVAILABLE, "socket")). */
function request(proc: Proc, req: IpfwRequest, fail: NatFail): IpfwReply {
  try {
    return proc.sys.ipfwCtl(req)
  } catch (e) {
    const err = asSysError(e)
    if (err.op === 'socket') fail(`socket: ${err.strerror}`, EX_UNAVAILABLE)
    throw err
  }
}

function ctl(proc: Proc, req: IpfwRequest, fail: NatFail, onError: (strerror: string) => never): IpfwReply {
  try {
    return request(proc, req, fail)
  } catch (e) {
    return onError(asSysError(e).strerror)
  }
}

/** nat_show_cfg: the instance as a command that would configure it. */
export function showNatCfg(n: NatCfg): string {
  let s = `ipfw nat ${n.id} config`
  if (n.ifName !== '') s += ` if ${n.ifName}`
  else if (n.ip !== 0) s += ` ip ${formatIpv4(n.ip)}`
  for (const [bit, name] of FLAG_ORDER) if ((n.mode & bit) !== 0) s += ` ${name}`
  if (n.portLo !== 0) s += ` port_range ${n.portLo}-${n.portHi}`
  for (const t of n.redirs) {
    if (t.mode === NatRedir.ADDR) s += ` redirect_addr ${formatIpv4(t.laddr)} ${formatIpv4(t.paddr)}`
    else if (t.mode === NatRedir.PORT) {
      s += ` redirect_port ${PROTO_NAMES.get(t.proto) ?? t.proto} ${formatIpv4(t.laddr)}:${t.lport}`
      if (t.pportCnt > 1) s += `-${t.lport + t.pportCnt - 1}`
      s += ' '
      if (t.paddr !== 0) s += `${formatIpv4(t.paddr)}:`
      s += `${t.pport}`
      if (t.pportCnt > 1) s += `-${t.pport + t.pportCnt - 1}`
      if (t.raddr !== 0) {
        s += ` ${formatIpv4(t.raddr)}`
        if (t.rport !== 0) {
          s += `:${t.rport}`
          if (t.rportCnt > 1) s += `-${t.rport + t.rportCnt - 1}`
        }
      }
    } else if (t.mode === NatRedir.PROTO) {
      s += ` redirect_proto ${PROTO_NAMES.get(t.proto) ?? t.proto} ${formatIpv4(t.laddr)}`
      if (t.paddr !== 0) {
        s += ` ${formatIpv4(t.paddr)}`
        if (t.raddr !== 0) s += ` ${formatIpv4(t.raddr)}`
      }
    }
  }
  return s
}

/** ipfw_show_nat: `av` is what follows `show`, the instance name among it. */
function show(av: readonly string[], io: Io, proc: Proc, f: NatFlags, fail: NatFail): number {
  let cmd: 'config' | 'log' | null = null
  let name: string | null = null
  for (const a of av) {
    if (a.length > 0 && 'config'.startsWith(a)) cmd = 'config'
    else if (a === 'log') cmd = 'log'
    else {
      if (name !== null) fail('only one instance name may be specified', EX.USAGE)
      name = a
    }
  }
  if (cmd === null) fail('Please specify action. Available: config,log', EX.USAGE)
  if (f.testOnly) return 0
  if (name === null) {
    // nat_foreach: every instance, sorted by number; listing errors are ignored as nat.c does.
    let all: NatCfg[]
    try {
      all = request(proc, { op: 'nat-list' }, fail).nat ?? []
    } catch (e) {
      asSysError(e)
      return 0
    }
    all.sort((a, b) => a.id - b.id)
    let out = ''
    for (const n of all) {
      if (cmd === 'config') {
        try {
          const c = proc.sys.ipfwCtl({ op: 'nat-get', id: n.id }).nat?.[0]
          if (c !== undefined) out += `${showNatCfg(c)}\n`
        } catch (e) {
          io.stderr.write(`ipfw: Error getting nat instance ${n.id} info\n`)
          asSysError(e)
        }
      } else {
        try {
          const log = proc.sys.ipfwCtl({ op: 'nat-log', id: n.id }).natLog ?? ''
          if (log !== '') out += `nat ${n.id}: ${log}\n`
        } catch (e) {
          // ENOENT: this instance does not log, which listing them all passes over.
          if (asSysError(e).code !== 'ENOENT')
            io.stderr.write(`ipfw: Error getting nat instance ${n.id} info\n`)
        }
      }
    }
    io.stdout.write(out)
    return 0
  }
  const idp = strtol(name)
  const id = idp.all && idp.n > 0 ? idp.n : -1
  const req: IpfwRequest = cmd === 'config' ? { op: 'nat-get', id } : { op: 'nat-log', id }
  const onError = (e: string) => fail(`Error getting nat ${name} instance info: ${e}`, EX.OSERR)
  const reply = ctl(proc, req, fail, onError)
  // nat.c prints the configuration for a named instance, whichever action was asked.
  const c = cmd === 'config' ? reply.nat?.[0] : ctl(proc, { op: 'nat-get', id }, fail, onError).nat?.[0]
  if (c !== undefined) io.stdout.write(`${showNatCfg(c)}\n`)
  return 0
}

/** ipfw_delete under `nat`: each number is an instance (IP_FW_NAT_DEL); a missing one is a warning. */
function del(av: readonly string[], io: Io, proc: Proc, f: NatFlags, fail: NatFail): number {
  if (av.length === 0) fail('missing rule specification', EX.USAGE)
  let status = 0
  for (const a of av) {
    if (!isDigit(a)) break
    if (f.testOnly) continue
    const id = strtol(a).n
    try {
      request(proc, { op: 'nat-destroy', id }, fail)
    } catch (e) {
      const err = asSysError(e)
      status = EX_UNAVAILABLE
      if (!f.quiet) io.stderr.write(`ipfw: nat ${id} not available: ${err.strerror}\n`)
    }
  }
  if (status !== 0) fail('', status)
  return 0
}

/** `ipfw nat ...`: `av` is what follows `nat`. */
export function natCommand(av: readonly string[], io: Io, proc: Proc, f: NatFlags, fail: NatFail): number {
  if (av.length === 0) fail('missing command', EX.USAGE)
  // `nat N config` is parsed as `config N` (ipfw_main swaps them).
  const args = [...av]
  if (args.length > 1 && isDigit(args[0])) {
    const t = args[0]!
    args[0] = args[1]!
    args[1] = t
  }
  const [cmd, ...rest] = args
  if (cmd === 'show') return show(rest, io, proc, f, fail)
  if (cmd === 'config') return config(rest, io, proc, f, fail)
  if (cmd === 'delete') return del(rest, io, proc, f, fail)
  return fail(`bad command \`${cmd}'`, EX.USAGE)
}

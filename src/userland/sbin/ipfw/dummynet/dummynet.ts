/**
 * The dummynet half of ipfw(8), shared with dnctl(8) (FreeBSD's sbin/ipfw/dummynet.c):
 * `{pipe|queue|sched} N config ...`, `delete N ...`, `show|list [N ...]` and `flush`, parsed and
 * printed as FreeBSD 14 does (list_pipes, print_flowset_parms, list_flow), including its quirks:
 * `mask src-ip /N` sets the low N bits, `plr` prints right after the queue size, and a failed
 * delete names "rule 1".
 *
 * It reaches the kernel only through Syscalls.ipfwCtl's dummynet request; nothing here knows how
 * packets are shaped.
 */

import {
  DN_MAX_ID,
  type DnFsCfg,
  type DnMask,
  type DnObj,
  type DnRed,
  type DnRequest,
  type DnSchCfg,
  type DnWhat,
  FQ_CODEL_DEFAULTS,
  type FqCodelCfg,
  type FqPieCfg,
  type IpfwReply,
} from '../../../../host/syscalls.js'
import { asSysError, EX, ip } from '../../../common.js'
import type { Io, Proc } from '../../../types.js'
import { ask } from '../ipfw.js'
import { PROTO_NAMES } from '../names.js'
import { aqmTime, bsdUsToTime, fqPieParam, fqPieRequest, fqPieText } from './dummynet_fq_pie.js'

const EX_UNAVAILABLE = 69

/** A failed dummynet command: message (without the tool name) and exit status. */
export class DnExit extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

export interface DnFlags {
  quiet: boolean
  force: boolean
  testOnly: boolean
}

function dnCtl(proc: Proc, req: DnRequest): IpfwReply {
  return proc.sys.ipfwCtl({ op: 'dummynet', req })
}

/** strtoul(s, &end, 0): the number and the rest, as C parses it (0x hex, leading 0 octal). */
function strtoul(s: string): [number, string] {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)?(.*)$/s.exec(s)!
  if (m[2] === undefined) return [0, s]
  const t = m[2]
  let n: number
  if (/^0[xX]/.test(t)) n = Number.parseInt(t.slice(2), 16)
  else if (t.length > 1 && t[0] === '0') n = Number.parseInt(t, 8)
  else n = Number(t)
  return [m[1] === '-' ? -n : n, m[3]!]
}

/** strtod(s, NULL). */
function strtod(s: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s)
  return m === null ? 0 : Number(m[0])
}

/** _substrcmp2(str, "by", "bytes") == 0: str starts with "by" and is a prefix of "bytes". */
function isBytesWord(s: string, abbr: string, full: string): boolean {
  return s.startsWith(abbr) && full.startsWith(s)
}

/** read_bandwidth: `N[K|M][bit/s|Byte/s|bytes]`; interface clocking is not supported. */
function readBandwidth(arg: string): number {
  if (arg[0]! >= 'a' && arg[0]! <= 'z') throw new DnExit('no if support', 1)
  let [bw, end] = strtoul(arg)
  if (end[0] === 'K' || end[0] === 'k') {
    end = end.slice(1)
    bw *= 1000
  } else if (end[0] === 'M' || end[0] === 'm') {
    end = end.slice(1)
    bw *= 1000000
  }
  if ((end[0] === 'B' && !isBytesWord(end, 'Bi', 'Bit/s')) || isBytesWord(end, 'by', 'bytes')) bw *= 8
  if (bw < 0 || bw > 0x7fffffff) throw new DnExit('bandwidth too large', EX.DATAERR)
  return bw
}

/** expand_number(3): N[k|m|g|t|p|e] in powers of 1024. */
function expandNumber(s: string): number | null {
  const m = /^(\d+)([kKmMgGtTpPeE]?)[bB]?$/.exec(s)
  if (m === null) return null
  const exp = ' kmgtpe'.indexOf((m[2] || ' ').toLowerCase())
  return Number(m[1]) * 1024 ** exp
}

function emptyMask(): DnMask {
  return { proto: 0, src: 0, dst: 0, sport: 0, dport: 0, extra: false }
}

/** ipfw_config_pipe for `what` (pipe 1, queue 2, sched 3); av starts after `config`. */
function configRequest(what: DnWhat, nr: number, av: string[], proc: Proc): DnRequest {
  const isPipe = what === 'pipe'
  const isSched = what === 'sched'
  const hasLink = isPipe
  const hasSch = isPipe || isSched
  const fs: DnFsCfg = {
    qsize: 0,
    qbytes: false,
    plr: 0,
    weight: -1,
    lmax: -1,
    pri: -1,
    schedNr: isPipe ? nr + DN_MAX_ID : isSched ? nr : 0,
    mask: null,
    buckets: 0,
    red: null,
  }
  const link = { bw: 0, delay: 0, burst: 0 }
  const sch: DnSchCfg = { type: '', mask: null, buckets: 0, fqCodel: null }
  let mask: DnMask | null = null
  let buckets = 0
  let fq: FqCodelCfg | null = null
  let pie: FqPieCfg | null = null
  let i = 0
  const need1 = (msg: string) => {
    if (i >= av.length) throw new DnExit(msg, EX.USAGE)
    return av[i++]!
  }
  const fail = (msg: string): never => {
    throw new DnExit(msg, EX.DATAERR)
  }
  while (i < av.length) {
    const tok = av[i++]!
    // After `type fq_pie` its parameters come first (process_extra_parms).
    if (pie !== null && fqPieParam(tok, pie, need1, fail)) continue
    switch (tok) {
      case 'noerror':
        break
      case 'plr': {
        let d = strtod(need1('plr needs argument 0..1\n'))
        d = d > 1 ? 1 : d < 0 ? 0 : d
        // Kept as FreeBSD's 31-bit fixed point, so show prints what the kernel uses.
        fs.plr = Math.trunc(d * 0x7fffffff) / 0x7fffffff
        break
      }
      case 'queue': {
        const [n, end] = strtoul(need1('queue needs queue size\n'))
        fs.qsize = n
        if (end[0] === 'K' || end[0] === 'k') {
          fs.qbytes = true
          fs.qsize *= 1024
        } else if (end[0] === 'B' || isBytesWord(end, 'by', 'bytes')) fs.qbytes = true
        break
      }
      case 'buckets':
        buckets = strtoul(need1('buckets needs argument\n'))[0]
        break
      case 'mask':
      case 'sched_mask':
      case 'flow_mask': {
        need1('mask needs mask specifier\n')
        i--
        const mk = emptyMask()
        let have = false
        for (;;) {
          const t = av[i]
          if (t === undefined) break
          if (t === 'all') {
            i++
            mk.dst = 0xffffffff
            mk.src = 0xffffffff
            mk.dport = 0xffff
            mk.sport = 0xffff
            mk.proto = 0xff
            have = true
            break
          }
          if (t === 'queue') {
            i++
            mk.extra = true
            have = true
            break
          }
          if (!['dst-ip', 'src-ip', 'dst-port', 'src-port', 'proto'].includes(t)) {
            if (/^(dst-ip6|src-ip6|dst-ipv6|src-ipv6|flow-id)$/.test(t))
              throw new DnExit(`mask: ${t}: IPv6 flows are not supported in VirtNet`, EX.USAGE)
            break
          }
          i++
          const val = av[i++]
          if (val === undefined) throw new DnExit('mask: value missing', EX.USAGE)
          let a: number
          if (val[0] === '/') {
            const bits = strtoul(val.slice(1))[0]
            // FreeBSD sets the low `bits` bits ((1 << a) - 1), not a prefix.
            a = bits >= 32 ? 0xffffffff : ((1 << bits) - 1) >>> 0
          } else a = strtoul(val)[0] >>> 0
          if (t === 'dst-ip') mk.dst = a
          else if (t === 'src-ip') mk.src = a
          else if (t === 'dst-port' || t === 'src-port') {
            if (a > 0xffff) throw new DnExit('port mask must be 16 bit', EX.DATAERR)
            if (t === 'dst-port') mk.dport = a
            else mk.sport = a
          } else {
            if (a > 0xff) throw new DnExit('proto mask must be 8 bit', EX.DATAERR)
            mk.proto = a
          }
          if (a !== 0) have = true
        }
        mask = have ? mk : null
        break
      }
      case 'red':
      case 'gred': {
        const parts = need1('red/gred needs w_q/min_th/max_th/max_p\n').split('/')
        const red: DnRed = { gentle: tok === 'gred', wq: 0, minTh: 0, maxTh: 0, maxP: 0 }
        if (parts[0] !== undefined) {
          const wq = strtod(parts[0])
          if (wq > 1 || wq <= 0) throw new DnExit('0 < w_q <= 1', EX.DATAERR)
          red.wq = Math.trunc(wq * 65536) / 65536
        }
        const th = (s: string | undefined) => {
          if (s === undefined) return 0
          const [n, end] = strtoul(s)
          return end[0] === 'K' || end[0] === 'k' ? n * 1024 : n
        }
        red.minTh = th(parts[1])
        red.maxTh = th(parts[2])
        if (parts[3] !== undefined) {
          const p = strtod(parts[3])
          if (p > 1 || p <= 0) throw new DnExit('0 < max_p <= 1', EX.DATAERR)
          red.maxP = Math.trunc(p * 65536) / 65536
        }
        fs.red = red
        break
      }
      case 'droptail':
        fs.red = null
        break
      case 'bw':
      case 'bandwidth':
        if (!hasLink) throw new DnExit('bw is only for links', EX.USAGE)
        link.bw = readBandwidth(need1('bw needs bandwidth or interface\n'))
        break
      case 'delay':
        if (!hasLink) throw new DnExit('delay is only for links', EX.USAGE)
        link.delay = strtoul(need1('delay needs argument 0..10000ms\n'))[0]
        break
      case 'burst': {
        if (!hasLink) throw new DnExit('burst', EX.USAGE)
        const n = expandNumber(need1('burst needs argument\n'))
        if (n === null) throw new DnExit('burst: invalid argument', EX.DATAERR)
        if (n > 2 ** 48 - 1) throw new DnExit('burst: out of range (0..2^48-1)', EX.DATAERR)
        link.burst = n
        break
      }
      case 'type': {
        if (!hasSch) throw new DnExit('type is only for schedulers', EX.USAGE)
        const t = need1('type needs a string')
        if (t.length === 0 || t.length > 15) throw new DnExit(`type ${t} too long\n`, 1)
        sch.type = t
        if (/^fq_pie$/i.test(t)) pie = fqPieRequest()
        break
      }
      case 'weight':
        fs.weight = strtoul(need1('weight needs argument\n'))[0]
        break
      case 'lmax':
      case 'maxlen':
        fs.lmax = strtoul(need1('lmax needs argument\n'))[0]
        break
      case 'pri':
      case 'priority':
        fs.pri = strtoul(need1('priority needs argument\n'))[0]
        break
      case 'pipe':
      case 'sched':
      case 'link':
        fs.schedNr = strtoul(need1('pipe/link/sched needs number\n'))[0]
        break
      // fq_codel's parameters (FreeBSD 14's NEW_AQM extra parameters).
      case 'target':
      case 'interval': {
        fq ??= { ...FQ_CODEL_DEFAULTS }
        fq[tok] = aqmTime(need1, tok, fail)
        break
      }
      case 'quantum':
      case 'limit':
      case 'flows':
        fq ??= { ...FQ_CODEL_DEFAULTS }
        fq[tok] = strtoul(need1(`${tok} needs argument\n`))[0]
        break
      case 'ecn':
      case 'noecn':
        fq ??= { ...FQ_CODEL_DEFAULTS }
        fq.ecn = tok === 'ecn'
        break
      case 'profile':
        throw new DnExit('profile: delay profiles are not supported in VirtNet', EX.USAGE)
      default:
        throw new DnExit(`unrecognised option \`\`${tok}''`, EX.DATAERR)
    }
  }
  if (link.delay > 10000) throw new DnExit('delay must be < 10000', EX.DATAERR)
  if (fs.qbytes) {
    const limit = sysctlNum(proc, 'net.inet.ip.dummynet.pipe_byte_limit', 1024 * 1024)
    if (fs.qsize > limit) throw new DnExit(`queue size must be < ${limit}B`, EX.DATAERR)
  } else {
    const limit = sysctlNum(proc, 'net.inet.ip.dummynet.pipe_slot_limit', 100)
    if (fs.qsize > limit) throw new DnExit(`2 <= queue size <= ${limit}`, EX.DATAERR)
  }
  if (fs.red !== null) {
    if (fs.red.minTh >= fs.red.maxTh)
      throw new DnExit(`min_th ${fs.red.minTh} must be < than max_th ${fs.red.maxTh}`, EX.DATAERR)
    if (fs.red.maxTh === 0) throw new DnExit('max_th must be > 0', EX.DATAERR)
  }
  // par[] left at -1 takes the kernel's defaults: weight 1 for a queue, 0 for a pipe's own flowset.
  const dflt = what === 'queue' ? 1 : 0
  if (fs.weight < 0) fs.weight = dflt
  if (fs.lmax < 0) fs.lmax = 0
  if (fs.pri < 0) fs.pri = 0
  if (hasSch) {
    sch.mask = mask
    sch.buckets = buckets
    sch.fqCodel = fq
    sch.fqPie = pie
  } else {
    fs.mask = mask
    fs.buckets = buckets
  }
  if (isPipe) return { op: 'config-pipe', nr, link, fs, sch }
  if (isSched) return { op: 'config-sched', nr, sch, fs }
  return { op: 'config-queue', nr, fs }
}

/** `5ms`, `100ms`, `1s`, `500us` or plain µs, as FreeBSD's time_to_us. */
function sysctlNum(proc: Proc, name: string, dflt: number): number {
  try {
    const v = proc.sys.sysctlGet(name).value
    return typeof v === 'number' ? v : Number(v)
  } catch {
    return dflt
  }
}

// listing (list_pipes and friends)

function fmtF(n: number): string {
  return n.toFixed(6)
}

function bwText(b: number): string {
  if (b === 0) return 'unlimited     '
  if (b >= 1000000) return `${(b / 1000000).toFixed(3).padStart(7)} Mbit/s`
  if (b >= 1000) return `${(b / 1000).toFixed(3).padStart(7)} Kbit/s`
  return `${b.toFixed(3).padStart(7)} bit/s `
}

/** humanize_number(buf, 12, n, "", HN_AUTOSCALE, 0): plain up to 11 characters, else scaled by 1024. */
function humanize(n: number): string {
  let s = 0
  let v = n
  while (String(Math.round(v)).length + (s > 0 ? 1 : 0) > 11) {
    v /= 1024
    s++
  }
  return `${Math.round(v)}${s > 0 ? ' KMGTPE'[s] : ''}`
}

function maskText(m: DnMask): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0')
  return (
    `    mask: ${m.extra ? 'queue,' : ''} 0x${h(m.proto, 2)} 0x${h(m.src, 8)}/0x${h(m.sport, 4)} -> 0x${h(m.dst, 8)}/0x${h(m.dport, 4)}\n` +
    'BKT Prot ___Source IP/port____ ____Dest. IP/port____ Tot_pkt/bytes Pkt/Byte Drp\n'
  )
}

function objText(o: DnObj): string {
  switch (o.type) {
    case 'link':
      return `${String(o.nr % DN_MAX_ID).padStart(5, '0')}: ${bwText(o.bw)} ${String(o.delay).padStart(4)} ms burst ${humanize(o.burst)}\n`
    case 'fs': {
      const l = o.qsize
      const qs = o.qbytes
        ? l >= 8192
          ? `${Math.floor(l / 1024)} KB`
          : `${l} B`
        : `${String(l).padStart(3)} sl.`
      const plr = o.plr > 0 ? `plr ${fmtF(o.plr)}` : ''
      const red =
        o.red === null
          ? 'droptail'
          : `\n\t ${o.red.gentle ? 'G' : ' '}RED w_q ${fmtF(o.red.wq)} min_th ${o.red.minTh} max_th ${o.red.maxTh} max_p ${fmtF(o.red.maxP)}`
      let s = `q${String(o.nr).padStart(5, '0')} ${qs}${plr} ${o.flows} flows (${o.buckets} buckets) sched ${o.schedNr} weight ${o.weight} lmax ${o.lmax} pri ${o.pri} ${red}\n`
      if (o.mask !== null) s += maskText(o.mask)
      return s
    }
    case 'sch': {
      let s = ` sched ${o.nr} type ${o.name} flags 0x${(o.mask === null ? 0 : 1).toString(16)} ${o.buckets} buckets ${o.active} active\n`
      if (o.fq !== null) {
        const f = o.fq
        s += ` FQ_CODEL target ${bsdUsToTime(f.target)} interval ${bsdUsToTime(f.interval)} quantum ${f.quantum} limit ${f.limit} flows ${f.flows} ${f.ecn ? 'ECN' : 'NoECN'}\n`
      }
      if (o.pie !== null && o.pie !== undefined) s += fqPieText(o.pie)
      if (o.mask !== null) s += maskText(o.mask)
      return s
    }
    case 'children':
      return o.list.length === 0 ? '' : `   Children flowsets: ${o.list.map((n) => `${n} `).join('')}\n`
    case 'flow': {
      const name = o.proto === 0 ? 'ip' : PROTO_NAMES.get(o.proto)
      const proto = name === undefined ? `${String(o.proto).padStart(4)} ` : `${name.padEnd(4)} `
      return (
        `${String(o.bucket & 0xff).padStart(3)}${o.extra ? '*' : ' '}${proto}` +
        `${ip(o.src).padStart(15)}/${String(o.sport).padEnd(5)} ${ip(o.dst).padStart(15)}/${String(o.dport).padEnd(5)} ` +
        `${String(o.totPkts).padStart(4)} ${String(o.totBytes).padStart(8)} ${String(o.len).padStart(2)} ${String(o.lenBytes).padStart(4)} ${String(o.drops).padStart(3)}\n`
      )
    }
  }
}

/** parse_range: `N`, `N-M`, comma lists; invalid entries are warned about and skipped. */
function parseRanges(tool: string, args: readonly string[], io: Io): number[] {
  const out: number[] = []
  for (const arg of args)
    for (const part of arg.split(',')) {
      if (part === '') continue
      const m = /^(\d+)(?:-(\d+))?$/.exec(part)
      if (m === null) {
        io.stderr.write(`${tool}: invalid number: ${part}\n`)
        continue
      }
      const lo = Number(m[1])
      const hi = m[2] === undefined ? lo : Number(m[2])
      if (hi < lo || hi >= DN_MAX_ID - 1) continue
      out.push(lo, hi)
    }
  return out
}

/**
 * `pipe|queue|sched` and what follows it (ipfw's `N config` is `config N` swapped, as ipfw2.c
 * does). Throws DnExit on failure; `tool` names the program in warnings.
 */
export async function dummynetCmd(
  tool: string,
  what: DnWhat,
  args: readonly string[],
  io: Io,
  proc: Proc,
  f: DnFlags,
): Promise<number> {
  const av = [...args]
  if (av.length === 0) throw new DnExit('missing command', EX.USAGE)
  if (av.length > 1 && /^\d/.test(av[0]!)) [av[0], av[1]] = [av[1]!, av[0]!]
  const cmd = av[0]!
  const call = (req: DnRequest, what2: string, status: number): IpfwReply | null => {
    if (f.testOnly) return null
    try {
      return dnCtl(proc, req)
    } catch (e) {
      const err = asSysError(e)
      if (err.op === 'socket') throw new DnExit(`socket: ${err.strerror}`, EX_UNAVAILABLE)
      throw new DnExit(`${what2}: ${err.strerror}`, status)
    }
  }
  switch (cmd) {
    case 'config': {
      const n = /^\d/.test(av[1] ?? '') ? Number.parseInt(av[1]!, 10) : -1
      if (n <= 0) throw new DnExit('need a pipe/flowset/sched number', EX.USAGE)
      const req = configRequest(what, n, av.slice(2), proc)
      call(req, 'setsockopt(IP_DUMMYNET_CONFIGURE)', 1)
      return 0
    }
    case 'delete': {
      let exit = 0
      for (const a of av.slice(1)) {
        const n = Number.parseInt(a, 10)
        if (!Number.isInteger(n) || n <= 0) throw new DnExit(`invalid rule number: ${a}`, EX.DATAERR)
        try {
          call({ op: 'delete', what, nr: n }, 'rule 1: setsockopt(IP_DUMMYNET_DEL)', 1)
        } catch (e) {
          if (!(e instanceof DnExit) || e.status === EX_UNAVAILABLE) throw e
          // ipfw_delete_pipe warns (naming "rule 1", as FreeBSD does), returns 1 and the rest go on.
          io.stderr.write(`${tool}: ${e.message}\n`)
          exit = 1
        }
      }
      if (exit !== 0 && !f.force) throw new DnExit('', exit)
      return 0
    }
    case 'flush':
      if (!f.force && !f.quiet && !(await ask(io))) return 0
      try {
        call({ op: 'flush' }, 'setsockopt(IP_DUMMYNET3)', 1)
      } catch (e) {
        if (e instanceof DnExit && e.status === EX_UNAVAILABLE) throw e
      }
      if (!f.quiet) io.stdout.write('Flushed all pipes.\n')
      return 0
    case 'show':
    case 'list':
    case 'print': {
      const ranges = parseRanges(tool, av.slice(1), io)
      let reply: IpfwReply | null = null
      try {
        reply = call({ op: 'list', what, ranges }, 'list', 1)
      } catch (e) {
        // dummynet_list gives up silently when the kernel does not answer.
        if (e instanceof DnExit && e.status === EX_UNAVAILABLE) throw e
        return 0
      }
      io.stdout.write((reply?.dn ?? []).map(objText).join(''))
      return 0
    }
    default:
      throw new DnExit(`bad command \`${cmd}'`, EX.USAGE)
  }
}

/**
 * ipfw(8)'s rule compiler (compile_rule of ipfw2.c): `[N] [set S] [prob P] ACTION [log [logamount
 * N]] PROTO from SRC [PORTS] to DST [PORTS] [OPTIONS]` into the kernel's rule format, with `not`,
 * `or` blocks in braces, address lists and prefixes, `me`, `any`, port lists and ranges. Errors are
 * FreeBSD's texts with its sysexits status (EX_DATAERR or EX_USAGE); nothing here talks to the
 * kernel.
 *
 * The words themselves are parsed in compile_args.ts (addresses, table(N), ports, `limit`, `lookup`).
 */

import {
  IpfwAction as A,
  type IpfwInsn,
  type IpfwRuleSpec,
  ipfwInsn as insn,
  IpfwOp as O,
  type Opcode,
} from '../../../host/syscalls.js'
import { parseIpv4 } from '../../../wire/addr.js'
import {
  EX_USAGE,
  fail,
  ifaceTableRef,
  isClose,
  isOpen,
  limitOption,
  lookupOption,
  parseAddr,
  parseFlags,
  parsePorts,
  parseRanges,
  parseUint,
  protoNumber,
  tokens,
} from './compile_args.js'
import { l2Option } from './compile_l2.js'
import {
  ext6hdr,
  flow6,
  ICMP6_UNREACH_RST,
  icmp6Types,
  looksIpv6,
  parseAddr6,
  unreach6Code,
} from './compile6.js'
import { DIVERT_SERVICES, ICMP_CODES, IP_TOS, SERVICES, TCP_FLAGS } from './names.js'

export { CompileError } from './compile_args.js'

/** Compile one rule from the words after `ipfw add`. */
export function compileRule(av: readonly string[]): IpfwRuleSpec {
  const t = tokens(av)
  let p = 0
  const peek = () => t[p]
  const next = () => t[p++]
  const need = (msg: string): string => {
    if (p >= t.length) fail(msg, EX_USAGE)
    return t[p]!
  }
  const spec: IpfwRuleSpec = {
    num: 0,
    set: 0,
    prob: 1,
    log: false,
    logAmount: 0,
    insns: [],
    action: A.DENY,
    actionArg: 0,
    fwdAddr: 0,
    fwdPort: 0,
  }
  if (peek() !== undefined && /^\d/.test(peek()!)) {
    const n = Number.parseInt(next()!, 10)
    if (!(n > 0 && n < 65535)) fail(`illegal rule number ${t[p - 1]}`)
    spec.num = n
  }
  if (peek() === 'set' && t[p + 1] !== undefined) {
    const s = parseUint(t[p + 1]!)
    if (s === null || s > 30) fail(`illegal set ${t[p + 1]}`)
    spec.set = s!
    p += 2
  }
  if (peek() === 'prob' && t[p + 1] !== undefined) {
    const d = Number(t[p + 1])
    if (!(d > 0 && d <= 1)) fail(`illegal match prob. ${t[p + 1]}`)
    spec.prob = d
    p += 2
  }
  const act = need('missing action')
  p++
  const numArg = (what: string): number => {
    if (p >= t.length) fail(`missing argument for ${what}`, EX_USAGE)
    const n = parseUint(t[p]!)
    if (n === null || n <= 0 || n >= 65535) fail(`illegal argument for ${what}`)
    p++
    return n!
  }
  let checkState = false
  switch (act) {
    case 'allow':
    case 'accept':
    case 'pass':
    case 'permit':
      spec.action = A.ALLOW
      break
    case 'deny':
    case 'drop':
      spec.action = A.DENY
      break
    case 'reject':
      spec.action = A.REJECT
      spec.actionArg = 1
      break
    case 'unreach': {
      spec.action = A.REJECT
      const c = need('missing reject code')
      p++
      const n = parseUint(c)
      const code = n !== null && n < 256 ? n : (ICMP_CODES.find(([s]) => s === c)?.[1] ?? -1)
      if (code < 0) fail(`unknown ICMP unreachable code \`\`${c}''`)
      spec.actionArg = code
      break
    }
    case 'reset':
      spec.action = A.RESET
      break
    case 'unreach6': {
      const c = need('missing unreach code')
      p++
      spec.action = A.UNREACH6
      spec.actionArg = unreach6Code(c)
      break
    }
    case 'reset6':
      spec.action = A.UNREACH6
      spec.actionArg = ICMP6_UNREACH_RST
      break
    case 'count':
      spec.action = A.COUNT
      break
    case 'skipto':
      spec.action = A.SKIPTO
      spec.actionArg = numArg(act)
      break
    case 'call':
      spec.action = A.CALL
      spec.actionArg = numArg(act)
      break
    case 'return':
      spec.action = A.RETURN
      break
    case 'check-state':
      spec.action = A.CHECK_STATE
      checkState = true
      // An optional state name; only the default one exists.
      if (peek()?.startsWith(':')) {
        if (next() !== ':default') fail('named states are not supported yet')
      }
      break
    case 'nat':
      spec.action = A.NAT
      if (peek() === 'global') {
        p++
        spec.actionArg = 65535
      } else spec.actionArg = numArg(act)
      break
    case 'pipe':
      spec.action = A.PIPE
      spec.actionArg = numArg(act)
      break
    case 'queue':
      spec.action = A.QUEUE
      spec.actionArg = numArg(act)
      break
    case 'fwd':
    case 'forward': {
      const a = need('missing forward address[:port]')
      p++
      const [host, port] = a.split(/[,:]/)
      const addr = parseIpv4(host!)
      if (addr === null) fail(`hostname \`\`${host}'' unknown`)
      spec.action = A.FORWARD
      spec.fwdAddr = addr!
      if (port !== undefined) {
        const n = parseUint(port)
        if (n === null || n > 0xffff) fail(`illegal forwarding port \`\`${port}''`)
        spec.fwdPort = n!
      }
      break
    }
    case 'setfib': {
      const f = need('missing fib number')
      p++
      const n = parseUint(f)
      if (n === null) fail('fib too large.')
      spec.action = A.SETFIB
      spec.actionArg = n!
      break
    }
    case 'divert':
    case 'tee': {
      // A port number, or a name of /etc/services' divert protocol (natd).
      const a = need('missing port')
      p++
      const n = /^\d/.test(a) ? parseUint(a) : (DIVERT_SERVICES.get(a) ?? null)
      if (n === null || n > 0xffff) fail('illegal divert/tee port')
      spec.action = act === 'divert' ? A.DIVERT : A.TEE
      spec.actionArg = n!
      break
    }
    default:
      fail(`invalid action ${act}`)
  }
  // [log [logamount N]]
  if (peek() === 'log') {
    p++
    spec.log = true
    if (peek() === 'logamount') {
      p++
      const n = parseUint(need('logamount requires argument'))
      if (n === null) fail('logamount must be positive')
      spec.logAmount = n!
      p++
    }
  }
  // compile_rule's `if (have_state) goto done`: a check-state rule has no body, and what follows
  // (fwbuilder writes `check-state ip from any to any`) is read past, not refused.
  if (checkState) return spec

  const insns = spec.insns
  let openPar = false
  let prev: IpfwInsn | null = null
  const push = (i: IpfwInsn, not: boolean): IpfwInsn => {
    i.not = not
    insns.push(i)
    return i
  }
  const takeNot = (): boolean => {
    if (peek() === 'not' || peek() === '!') {
      p++
      if (peek() === 'not' || peek() === '!') fail('double "not" not allowed', EX_USAGE)
      return true
    }
    return false
  }
  /** An or-able section: `X`, or `{ X or X ... }`. */
  const section = (
    one: () => IpfwInsn | 'any' | null,
    missing: string,
    bad: (tok: string) => never,
  ): void => {
    if (isOpen(peek())) {
      p++
      openPar = true
      prev = null
      for (;;) {
        const not = takeNot()
        need(missing)
        const i = one()
        if (i === null) bad(peek()!)
        p++
        if (i !== 'any') prev = push(i!, not)
        if (peek() === 'or') {
          if (prev === null) fail('invalid OR block')
          ;(prev as IpfwInsn).or = true
          p++
          continue
        }
        if (isClose(peek())) {
          p++
          openPar = false
          prev = null
          return
        }
        fail('missing ")"', EX_USAGE)
      }
    }
    const not = takeNot()
    need(missing)
    const i = one()
    if (i === null) bad(peek()!)
    p++
    if (i !== 'any') push(i!, not)
  }

  // Protocol (optional: without one the options follow the action directly). add_proto: `ip6` and
  // `ip4` (also `ipv6`, `ipv4`) are the family, not a protocol number.
  let proto = 0
  let body = true
  const family = (tok: string): IpfwInsn | null =>
    tok === 'ip6' || tok === 'ipv6' ? insn(O.IP6) : tok === 'ip4' || tok === 'ipv4' ? insn(O.IP4) : null
  {
    const save = p
    const first = peek()
    const isProto = (tok: string | undefined) =>
      tok !== undefined && (protoNumber(tok) !== null || family(tok) !== null)
    if (isOpen(first) || isProto(first) || ((first === 'not' || first === '!') && isProto(t[p + 1]))) {
      section(
        () => {
          const f = family(peek()!)
          if (f !== null) {
            // IPPROTO_IPV6 for the address parser: a bare address is then IPv6.
            if (f.op === O.IP6) proto = 41
            return f
          }
          const n = protoNumber(peek()!)
          if (n === null) return null
          proto = n
          return n === 0 ? 'any' : insn(O.PROTO, { arg: n })
        },
        'missing protocol',
        (tok) => fail(`invalid protocol \`\`${tok}''`),
      )
    } else {
      p = save
      body = false
    }
  }
  if (body) {
    if (peek() !== 'from') fail("missing ``from''", EX_USAGE)
    p++
    section(
      () => addr(peek()!, true),
      'missing source address',
      (tok) => fail(`bad source address ${tok}`, EX_USAGE),
    )
    portsAfter(O.IP_SRCPORT)
    if (peek() !== 'to') fail("missing ``to''", EX_USAGE)
    p++
    section(
      () => addr(peek()!, false),
      'missing dst address',
      (tok) => fail(`bad destination address ${tok}`, EX_USAGE),
    )
    portsAfter(O.IP_DSTPORT)
  }

  /** add_src / add_dst: IPv6 when the word is one (or `me6`, or the protocol is ip6), else IPv4. */
  function addr(tok: string, src: boolean): IpfwInsn | 'any' | null {
    if (looksIpv6(tok) || (proto === 41 && tok !== 'any' && !tok.startsWith('table(')))
      return parseAddr6(tok, src)
    return parseAddr(tok, src)
  }

  function portsAfter(op: Opcode): void {
    const save = p
    const not = takeNot()
    const tok = peek()
    if (tok === undefined) {
      p = save
      return
    }
    if (tok === 'any') {
      p++
      return
    }
    const list = /^[0-9]/.test(tok) || SERVICES.has(tok.split(/[-,]/)[0]!) ? parsePorts(tok) : null
    if (list === null) {
      p = save
      return
    }
    if (proto !== 6 && proto !== 17 && proto !== 132)
      fail('only TCP, UDP and SCTP protocols are valid with port specifications')
    p++
    push(insn(op, { list }), not)
  }

  // Options.
  let keepState: IpfwInsn | null = null
  prev = null
  let not = false
  while (p < t.length) {
    let s = next()!
    if (s.startsWith('!') && s.length > 1) {
      if (not) fail('double "not" not allowed', EX_USAGE)
      not = true
      s = s.slice(1)
    }
    const arg = (msg: string): string => {
      if (p >= t.length) fail(msg, EX_USAGE)
      return t[p++]!
    }
    let made: IpfwInsn | null = null
    switch (s) {
      case 'not':
      case '!':
        if (not) fail('double "not" not allowed', EX_USAGE)
        not = true
        continue
      case 'or':
        if (!openPar || prev === null) fail('invalid "or" block', EX_USAGE)
        ;(prev as IpfwInsn).or = true
        continue
      case '{':
      case '(':
        if (openPar) fail('nested "(" not allowed', EX_USAGE)
        openPar = true
        prev = null
        continue
      case '}':
      case ')':
        if (!openPar) fail('missing ")"', EX_USAGE)
        openPar = false
        prev = null
        continue
      case 'in':
        made = insn(O.IN)
        break
      case 'out':
        made = insn(O.IN)
        not = !not
        break
      case 'xmit':
      case 'recv':
      case 'via': {
        const name = arg('recv, xmit, via require interface name or address')
        const op = s === 'xmit' ? O.XMIT : s === 'recv' ? O.RECV : O.VIA
        if (name.startsWith('table(')) {
          made = ifaceTableRef(op, name)
          break
        }
        if (name.length > 15) fail(`interface name too long: ${name}`)
        made = insn(op, { name })
        break
      }
      case 'established':
      case 'estab':
        made = insn(O.ESTAB)
        break
      case 'setup':
        made = insn(O.TCPFLAGS, { arg: 0x02, arg2: 0x10 })
        break
      case 'tcpflags':
      case 'tcpflgs': {
        const [set, clear] = parseFlags(arg('missing argument for tcpflags'), TCP_FLAGS, 'tcp flag')
        made = insn(O.TCPFLAGS, { arg: set, arg2: clear })
        break
      }
      case 'icmptypes': {
        const list = arg('icmptypes requires list of types')
        let mask = 0
        for (const w of list.split(',')) {
          const n = parseUint(w)
          if (n === null) fail('invalid ICMP type')
          if (n! > 31) fail('ICMP type out of range')
          mask |= 1 << n!
        }
        made = insn(O.ICMPTYPE, { arg: mask >>> 0 })
        break
      }
      case 'frag':
      case 'fragment':
        made = insn(O.FRAG)
        break
      case 'iplen':
        made = insn(O.IPLEN, { list: parseRanges(arg('iplen requires length'), 'iplen', 0xffff) })
        break
      case 'ipttl':
        made = insn(O.IPTTL, { list: parseRanges(arg('ipttl requires TTL'), 'ipttl', 255) })
        break
      case 'iptos': {
        const [set, clear] = parseFlags(arg('missing argument for iptos'), IP_TOS, 'ip tos option')
        made = insn(O.IPTOS, { arg: set, arg2: clear })
        break
      }
      case 'proto': {
        const w = arg('missing protocol')
        const fam = family(w)
        if (fam !== null) {
          made = fam
          break
        }
        const n = protoNumber(w)
        if (n === null) fail(`invalid protocol \`\`${w}''`)
        made = insn(O.PROTO, { arg: n! })
        proto = n!
        break
      }
      case 'src-ip':
      case 'dst-ip': {
        const w = arg(`missing ${s} address`)
        const a = addr(w, s === 'src-ip')
        if (a === null || a === 'any') fail(`bad ${s} address ${w}`)
        made = a as IpfwInsn
        break
      }
      case 'src-ip6':
      case 'dst-ip6':
      case 'src-ipv6':
      case 'dst-ipv6': {
        const w = arg(`missing ${s} address`)
        const a = parseAddr6(w, s.startsWith('src'))
        if (a === 'any') fail(`bad ${s} address ${w}`)
        made = a as IpfwInsn
        break
      }
      case 'icmp6types':
      case 'icmp6type':
        made = icmp6Types(arg('icmptypes requires list of types'))
        break
      case 'ext6hdr':
        made = ext6hdr(arg('missing extension header list'))
        break
      case 'flow-id':
        made = flow6(arg('missing flow-id list'))
        break
      case 'ip6':
      case 'ipv6':
        made = insn(O.IP6)
        break
      case 'ip4':
      case 'ipv4':
        made = insn(O.IP4)
        break
      case 'src-port':
      case 'dst-port': {
        const w = arg(`missing ${s}`)
        const list = parsePorts(w)
        if (list === null) fail(`invalid ${s} ${w}`)
        made = insn(s === 'src-port' ? O.IP_SRCPORT : O.IP_DSTPORT, { list: list! })
        break
      }
      case 'keep-state':
      case 'record-state':
        if (keepState !== null) fail('only one of keep-state, record-state, limit and set-limit is allowed')
        if (s === 'record-state') fail('record-state is not supported yet')
        if (peek()?.startsWith(':')) {
          if (next() !== ':default') fail('named states are not supported yet')
        }
        keepState = insn(O.KEEP_STATE)
        not = false
        continue
      case 'limit':
        if (openPar) fail('limit cannot be part of an or block', EX_USAGE)
        if (keepState !== null) fail('only one of keep-state, record-state, limit and set-limit is allowed')
        ;[keepState, p] = limitOption(t, p)
        if (peek()?.startsWith(':')) {
          if (next() !== ':default') fail('named states are not supported yet')
        }
        not = false
        continue
      case 'set-limit':
        fail(`${s} is not supported yet`)
        break
      case 'uid':
      case 'gid':
      case 'jail':
      case 'lookup':
        made = lookupOption(arg('missing argument for lookup'), arg('lookup requires table name'))
        break
      case 'table':
      case 'tag':
      case 'tagged':
      case 'bridged':
        fail(`${s} is not supported yet`)
        break
      case 'layer2':
      case 'mac-type':
      case 'mac':
      case 'MAC': {
        const [i, q] = l2Option(s, t, p)
        made = i
        p = q
        break
      }
      default:
        // FreeBSD prints match_token()'s -1 for a word it does not know.
        fail(`unrecognised option [-1] ${s}`)
    }
    prev = push(made!, not)
    not = false
  }
  if (openPar) fail('missing ")"', EX_USAGE)
  if (insns.length > 0 && insns[insns.length - 1]!.or) fail('invalid OR block')
  if (keepState !== null) insns.push(keepState)
  if (!body) spec.noopt = true
  return spec
}

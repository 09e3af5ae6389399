/**
 * ifconfig's if_bridge part (sbin/ifconfig/ifbridge.c) beyond `addm`/`deletem`: the member flag
 * words (`stp`, `edge`, `autoedge`, `ptp`, `autoptp`, `private`, `learn`, `discover`, `sticky` and
 * their `-` forms), `span`, `static`, `deladdr`, `flush`, `flushall`, `addr`, the table limits
 * (`maxaddr`, `timeout`, `ifmaxaddr`) and the spanning-tree parameters (`priority`, `hellotime`,
 * `fwddelay`, `maxage`, `holdcnt`, `proto`, `ifpriority`, `ifpathcost`), with FreeBSD's messages;
 * and bridge_status's lines for `ifconfig bridgeN`.
 *
 * Must not: call the kernel while parsing (a bad value fails the line before anything changes).
 */

import type { BridgeCmd, IfInfo, Syscalls } from '../../host/syscalls.js'
import { formatMac, parseMac } from '../../wire/addr.js'
import { asSysError, CmdError, printb, sysMessage } from '../common.js'

/** One bridge command of the line, run in its place among the others. */
export type BridgeStep = (sys: Syscalls, name: string, out: (s: string) => void) => void

const IFBIF = {
  LEARNING: 0x1,
  DISCOVER: 0x2,
  STP: 0x4,
  STICKY: 0x10,
  EDGE: 0x20,
  AUTOEDGE: 0x40,
  PTP: 0x80,
  AUTOPTP: 0x100,
  PRIVATE: 0x800,
} as const

/** The member-flag words and the bit each sets or, with `-`, clears. */
const FLAG_WORDS: Readonly<Record<string, number>> = {
  discover: IFBIF.DISCOVER,
  learn: IFBIF.LEARNING,
  sticky: IFBIF.STICKY,
  stp: IFBIF.STP,
  edge: IFBIF.EDGE,
  autoedge: IFBIF.AUTOEDGE,
  ptp: IFBIF.PTP,
  autoptp: IFBIF.AUTOPTP,
  private: IFBIF.PRIVATE,
}

/** IFBIFBITS, in its order. */
const IFBIF_BITS: ReadonlyArray<readonly [number, string]> = [
  [1, 'LEARNING'],
  [2, 'DISCOVER'],
  [3, 'STP'],
  [4, 'SPAN'],
  [5, 'STICKY'],
  [12, 'PRIVATE'],
  [6, 'EDGE'],
  [7, 'AUTOEDGE'],
  [8, 'PTP'],
  [9, 'AUTOPTP'],
]

/** IFBAFBITS. */
const IFBAF_BITS: ReadonlyArray<readonly [number, string]> = [[1, 'STATIC']]

/** get_val: strtoul(3) with base 0 that must use the whole word; null when it does not. */
function getVal(s: string): number | null {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s)
  if (m === null) return null
  const t = m[2]!
  let v = /^0[xX]/.test(t)
    ? Number.parseInt(t.slice(2), 16)
    : t.length > 1 && t[0] === '0'
      ? Number.parseInt(t, 8)
      : Number(t)
  // strtoul negates in unsigned arithmetic: `-1` is ULONG_MAX, out of every range here.
  if (m[1] === '-' && v !== 0) v = 2 ** 64 - v
  return Number.isFinite(v) ? v : null
}

function value(s: string, max: number): number {
  const v = getVal(s)
  if (v === null || v > max) throw new CmdError(`invalid value: ${s}`)
  return v
}

/** A BRDG* command, failing as err(1, "WHAT ARG") does. */
function cmd(what: string, c: BridgeCmd): BridgeStep {
  return (sys, name) => {
    try {
      sys.ifBridgeCmd(name, c)
    } catch (e) {
      throw new CmdError(sysMessage(what, asSysError(e)))
    }
  }
}

/**
 * Parse the bridge word at words[i] into `push`; returns how many words it used (0 when it is
 * not one).
 */
export function parseBridgeWord(words: readonly string[], i: number, push: (s: BridgeStep) => void): number {
  const w = words[i]!
  const arg = (n = 1): string => {
    const v = words[i + n]
    if (v === undefined) throw new CmdError(`'${w}' requires argument`)
    return v
  }
  const neg = w.startsWith('-')
  const flag = FLAG_WORDS[neg ? w.slice(1) : w]
  if (flag !== undefined) {
    const member = arg()
    push((sys, name) => {
      try {
        sys.ifBridgeCmd(name, { op: 'BRDGSIFFLGS', member, set: neg ? 0 : flag, clear: neg ? flag : 0 })
      } catch (e) {
        const se = asSysError(e)
        // do_bridgeflag reads the flags first: a non-member fails there.
        throw new CmdError(
          sysMessage(se.code === 'ENOENT' ? 'unable to get bridge flags' : 'unable to set bridge flags', se),
        )
      }
    })
    return 2
  }
  switch (w) {
    case 'span':
    case '-span': {
      const member = arg()
      const op = w === 'span' ? 'BRDGADDS' : 'BRDGDELS'
      push(cmd(`${op} ${member}`, { op, member }))
      return 2
    }
    case 'flush':
    case 'flushall':
      push(cmd('BRDGFLUSH', { op: 'BRDGFLUSH', all: w === 'flushall' }))
      return 1
    case 'static': {
      const member = arg(1)
      const mac = parseMac(arg(2))
      if (mac === null) throw new CmdError(`${member}: invalid address: ${arg(2)}`)
      push(cmd(`BRDGSADDR ${member}`, { op: 'BRDGSADDR', member, mac }))
      return 3
    }
    case 'deladdr': {
      const a = arg()
      const mac = parseMac(a)
      if (mac === null) throw new CmdError(`invalid address: ${a}`)
      push(cmd(`BRDGDADDR ${a}`, { op: 'BRDGDADDR', mac }))
      return 2
    }
    case 'addr':
      push((sys, name, out) => {
        let list: ReturnType<Syscalls['ifBridgeAddrs']>
        try {
          list = sys.ifBridgeAddrs(name)
        } catch (e) {
          throw new CmdError(sysMessage('unable to get address cache', asSysError(e)))
        }
        for (const a of list)
          out(`${formatMac(a.mac)} Vlan0 ${a.ifname} ${a.expire} flags=${printb(a.flags, IFBAF_BITS)}\n`)
      })
      return 1
    case 'maxaddr':
    case 'timeout':
    case 'hellotime':
    case 'fwddelay':
    case 'maxage':
    case 'priority':
    case 'holdcnt': {
      const a = arg()
      const [op, max] = PARAMS[w]!
      push(cmd(`${op} ${a}`, { op, value: value(a, max) }))
      return 2
    }
    case 'proto': {
      const a = arg()
      const p = a.toLowerCase()
      if (p !== 'stp' && p !== 'rstp') throw new CmdError('unknown stp protocol')
      push(cmd(`BRDGSPROTO ${a}`, { op: 'BRDGSPROTO', value: p === 'stp' ? 0 : 2 }))
      return 2
    }
    case 'ifpriority':
    case 'ifpathcost':
    case 'ifmaxaddr': {
      const member = arg(1)
      const a = arg(2)
      const [op, max] = IF_PARAMS[w]!
      push(cmd(`${op} ${a}`, { op, member, value: value(a, max) }))
      return 3
    }
  }
  return 0
}

const PARAMS: Readonly<
  Record<string, readonly [Extract<BridgeCmd, { value: number; member?: never }>['op'], number]>
> = {
  maxaddr: ['BRDGSCACHE', 0xffffffff],
  timeout: ['BRDGSTO', 0xffffffff],
  hellotime: ['BRDGSHT', 0xff],
  fwddelay: ['BRDGSFD', 0xff],
  maxage: ['BRDGSMA', 0xff],
  priority: ['BRDGSPRI', 0xffff],
  holdcnt: ['BRDGSTXHC', 0xff],
}

const IF_PARAMS: Readonly<Record<string, readonly ['BRDGSIFPRIO' | 'BRDGSIFCOST' | 'BRDGSIFAMAX', number]>> =
  {
    ifpriority: ['BRDGSIFPRIO', 0xff],
    ifpathcost: ['BRDGSIFCOST', 0xffffffff],
    ifmaxaddr: ['BRDGSIFAMAX', 0xffffffff],
  }

/** bridge_status: the bridge's parameters, then one entry per member (and span port). */
export function bridgeStatusLines(ifi: IfInfo): string[] {
  const b = ifi.bridge
  if (b === undefined) return []
  const lines = [
    `\tid ${formatMac(b.id)} priority ${b.priority} hellotime ${b.hellotime} fwddelay ${b.fwddelay}`,
    `\tmaxage ${b.maxage} holdcnt ${b.holdcnt} proto ${b.proto} maxaddr ${b.maxaddr} timeout ${b.timeout}`,
    `\troot id ${formatMac(b.rootId)} priority ${b.rootPriority} ifcost ${b.rootCost} port ${b.rootPort}`,
  ]
  for (const m of ifi.members ?? []) {
    lines.push(`\tmember: ${m.name} flags=${printb(m.flags, IFBIF_BITS)}`)
    let l = `\t        ifmaxaddr ${m.ifmaxaddr} port ${m.port} priority ${m.priority} path cost ${m.pathCost}`
    if ((m.flags & IFBIF.STP) !== 0) {
      lines.push(`${l} proto ${m.proto}`)
      l = `\t        role ${m.role} state ${m.state}`
    }
    lines.push(l)
  }
  return lines
}

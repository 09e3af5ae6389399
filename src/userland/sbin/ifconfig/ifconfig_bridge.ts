/**
 * ifconfig's if_bridge part (sbin/ifconfig/ifbridge.c) beyond `addm`/`deletem`: the member flag
 * words (`stp`, `edge`, `autoedge`, `ptp`, `autoptp`, `private`, `learn`, `discover`, `sticky` and
 * their `-` forms), `span`, `static`, `deladdr`, `flush`, `flushall`, `addr`, the table limits
 * (`maxaddr`, `timeout`, `ifmaxaddr`) and the spanning-tree parameters (`priority`, `hellotime`,
 * `fwddelay`, `maxage`, `holdcnt`, `proto`, `ifpriority`, `ifpathcost`), FreeBSD 15's VLAN words
 * (`vlanfilter`, `defqinq`, `defuntagged`, `ifuntagged`, `iftagged`/`+iftagged`/`-iftagged`, `qinq`,
 * `addm IF untagged N tagged SET`, `static ... vlan N`), with FreeBSD's messages; and bridge_status's
 * lines for `ifconfig bridgeN`.
 *
 * Must not: call the kernel while parsing (a bad value fails the line before anything changes).
 */

import type { BridgeCmd, IfInfo, Syscalls } from '../../../host/syscalls.js'
import { formatMac, parseMac } from '../../../wire/addr.js'
import { asSysError, CmdError, printb, sysMessage } from '../../common.js'

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
  QINQ: 0x1000,
} as const

/** IFBRF_* bridge flags. */
const IFBRF = { VLANFILTER: 0x1, DEFQINQ: 0x2 } as const
const IFBRF_BITS: ReadonlyArray<readonly [number, string]> = [
  [1, 'VLANFILTER'],
  [2, 'DEFQINQ'],
]

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
  qinq: IFBIF.QINQ,
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
  [13, 'QINQ'],
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

/** get_vlan_id: a VLAN id 1..4094, or null. */
function vlanId(s: string): number | null {
  const v = getVal(s)
  return v === null || v < 1 || v > 4094 ? null : v
}

/** parse_vlans: `none`, `all`, or a comma list of ids and ranges; null when invalid. */
export function parseVlans(s: string): number[] | null {
  if (s === 'none') return []
  const out: number[] = []
  if (s === 'all') {
    for (let v = 1; v <= 4094; v++) out.push(v)
    return out
  }
  for (const tok of s.split(',')) {
    const dash = tok.indexOf('-')
    const first = strtoul10(dash < 0 ? tok : tok.slice(0, dash))
    const last = dash < 0 ? first : strtoul10(tok.slice(dash + 1))
    if (first === null || last === null || first < 1 || first > 4094 || last < first || last > 4094)
      return null
    for (let v = first; v <= last; v++) out.push(v)
  }
  return out
}

/** strtoul(s, &p, 10) that must use the whole word (an empty word is 0, as strtoul leaves it). */
function strtoul10(s: string): number | null {
  if (s === '') return 0
  return /^[0-9]+$/.test(s) ? Number(s) : null
}

/** print_vlans: ` tagged 100-103,106-149` for a member's set, '' when empty. */
function vlanRanges(vlans: readonly number[]): string {
  const parts: string[] = []
  for (let i = 0; i < vlans.length; ) {
    let j = i
    while (j + 1 < vlans.length && vlans[j + 1] === vlans[j]! + 1) j++
    parts.push(j === i ? `${vlans[i]}` : `${vlans[i]}-${vlans[j]}`)
    i = j + 1
  }
  return parts.length === 0 ? '' : ` tagged ${parts.join(',')}`
}

/**
 * setbridge_add's options after `addm IF`: `untagged N` and `tagged SET`, run after the BRDGADD
 * (pushed by the caller); returns how many words they used.
 */
export function parseAddmOptions(
  words: readonly string[],
  i: number,
  member: string,
  push: (s: BridgeStep) => void,
): number {
  let n = 0
  let pvid = 0
  let set: number[] | null = null
  for (;;) {
    const w = words[i + n]
    if (w !== 'untagged' && w !== 'tagged') break
    const a = words[i + n + 1]
    if (a === undefined)
      throw new CmdError(w === 'untagged' ? 'usage: untagged <vlan id>' : 'usage: tagged <vlan set>')
    if (w === 'untagged') {
      const v = vlanId(a)
      if (v === null) throw new CmdError(`invalid VLAN identifier: ${a}`)
      pvid = v
    } else {
      set = parseVlans(a)
      if (set === null) throw new CmdError(`invalid vlan set: ${a}`)
    }
    n += 2
  }
  if (pvid !== 0) push(cmd(`BRDGSIFPVID ${member} ${pvid}`, { op: 'BRDGSIFPVID', member, value: pvid }))
  if (set !== null)
    push(cmd(`BRDGSIFVLANSET ${member}`, { op: 'BRDGSIFVLANSET', member, how: 'set', vlans: set }))
  return n
}

function value(s: string, max: number): number {
  const v = getVal(s)
  if (v === null || v > max) throw new CmdError(`invalid value: ${s}`)
  return v
}

/** The id after `vlan` in `static`/`deladdr`: get_vlan_id's range, else errx. */
function addrVlan(a: string | undefined, usage: string): number {
  if (a === undefined) throw new CmdError(`usage: ${usage}`)
  const v = vlanId(a)
  if (v === null) throw new CmdError(`invalid vlan id: ${a}`)
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
      const vlan =
        words[i + 3] === 'vlan' ? addrVlan(words[i + 4], 'static <interface> <address> [vlan <id>]') : 0
      push(cmd(`BRDGSADDR ${member}`, { op: 'BRDGSADDR', member, mac, vlan }))
      return vlan === 0 ? 3 : 5
    }
    case 'deladdr': {
      const a = arg()
      const mac = parseMac(a)
      if (mac === null) throw new CmdError(`invalid address: ${a}`)
      const vlan = words[i + 2] === 'vlan' ? addrVlan(words[i + 3], 'deladdr <address> [vlan <id>]') : 0
      push(cmd(`BRDGDADDR ${a}`, { op: 'BRDGDADDR', mac, vlan }))
      return vlan === 0 ? 2 : 4
    }
    case 'vlanfilter':
    case '-vlanfilter':
    case 'defqinq':
    case '-defqinq': {
      const bit = w.endsWith('vlanfilter') ? IFBRF.VLANFILTER : IFBRF.DEFQINQ
      push(cmd('BRDGSFLAGS', { op: 'BRDGSFLAGS', set: neg ? 0 : bit, clear: neg ? bit : 0 }))
      return 1
    }
    case 'defuntagged': {
      const a = arg()
      const v = vlanId(a)
      if (v === null) throw new CmdError(`invalid vlan id: ${a}`)
      push(cmd('BRDGSDEFPVID', { op: 'BRDGSDEFPVID', value: v }))
      return 2
    }
    case '-defuntagged':
      push(cmd('BRDGSDEFPVID', { op: 'BRDGSDEFPVID', value: 0 }))
      return 1
    case 'ifuntagged': {
      const member = arg(1)
      const a = arg(2)
      const v = vlanId(a)
      if (v === null) throw new CmdError(`invalid VLAN identifier: ${a}`)
      push(cmd(`BRDGSIFPVID ${a}`, { op: 'BRDGSIFPVID', member, value: v }))
      return 3
    }
    case '-ifuntagged': {
      const member = arg()
      push(cmd('BRDGSIFPVID', { op: 'BRDGSIFPVID', member, value: 0 }))
      return 2
    }
    case 'iftagged':
    case '+iftagged':
    case '-iftagged': {
      const member = arg(1)
      const a = arg(2)
      const vlans = parseVlans(a)
      if (vlans === null) throw new CmdError(`invalid vlan set: ${a}`)
      const how = w[0] === '+' ? 'add' : w[0] === '-' ? 'del' : 'set'
      push(cmd(`BRDGSIFVLANSET ${a}`, { op: 'BRDGSIFVLANSET', member, how, vlans }))
      return 3
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
          out(
            `${formatMac(a.mac)} Vlan${a.vlan} ${a.ifname} ${a.expire} flags=${printb(a.flags, IFBAF_BITS)}\n`,
          )
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
  // FreeBSD 15 prints `bridge flags=0` always; FreeBSD 14 has no such line, so it shows only once a
  // VLAN word set something.
  if (b.flags !== 0 || b.defUntagged !== 0)
    lines.push(
      `\tbridge flags=${printb(b.flags, IFBRF_BITS)}${b.defUntagged !== 0 ? ` defuntagged=${b.defUntagged}` : ''}`,
    )
  for (const m of ifi.members ?? []) {
    lines.push(`\tmember: ${m.name} flags=${printb(m.flags, IFBIF_BITS)}`)
    let l = `\t        ifmaxaddr ${m.ifmaxaddr} port ${m.port} priority ${m.priority} path cost ${m.pathCost}`
    if ((m.flags & IFBIF.STP) !== 0) {
      lines.push(`${l} proto ${m.proto}`)
      l = `\t        role ${m.role} state ${m.state}`
    }
    if (m.untagged !== 0) l += ` untagged ${m.untagged}`
    lines.push(l + vlanRanges(m.tagged))
  }
  return lines
}

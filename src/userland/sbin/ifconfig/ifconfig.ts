/**
 * ifconfig(8): list interfaces in FreeBSD 14's format, create and destroy cloned interfaces, set
 * flags, addresses, MTU, name, MAC, description, move interfaces between vnets (`vnet J`,
 * `-vnet J`), and add and remove bridge members (`addm IF`, `deletem IF`).
 *
 * The whole command line is parsed and checked before the first change is made, so a command that
 * fails validation changes nothing; the kernel makes each single change all-or-nothing. Like
 * FreeBSD, settings take effect in command-line order, with the address change last.
 */

import type { IfInfo, Syscalls } from '../../../host/syscalls.js'
import { IfFlag } from '../../../host/syscalls.js'
import { formatMac, maskToPrefix, parseIpv4, parseMac, prefixToMask } from '../../../wire/addr.js'
import {
  asSysError,
  CmdError,
  hex,
  ip,
  optsOrUsage,
  printb,
  runTool,
  sysMessage,
  usage,
} from '../../common.js'
import { getopt, strtol, strtonum } from '../../getopt.js'
import { withJailOption } from '../../jail_option.js'
import type { Command } from '../../types.js'
import { type BridgeStep, bridgeStatusLines, parseAddmOptions, parseBridgeWord } from './ifconfig_bridge.js'
import { formatInet6Line, ifconfigInet6, nd6OptionsLine } from './ifconfig_inet6.js'
import {
  type L2Plan,
  l2StatusLines,
  newL2Plan,
  parseL2Word,
  tunnelLines,
  vlanLines,
  vlanStep,
} from './ifconfig_l2.js'
import { parseVxlanWord, type VxlanPlan, vxlanStatusLines } from './ifconfig_vxlan.js'

/** IFF_LOWER_UP (FreeBSD 14): the link is up; ifconfig shows it for running interfaces with carrier. */
export const IFF_LOWER_UP = 0x1000000

/** IFFBITS from sbin/ifconfig: bit numbers from 1 = 0x1. */
const IFF_BITS: ReadonlyArray<readonly [number, string]> = [
  [1, 'UP'],
  [2, 'BROADCAST'],
  [3, 'DEBUG'],
  [4, 'LOOPBACK'],
  [5, 'POINTOPOINT'],
  [7, 'RUNNING'],
  [8, 'NOARP'],
  [9, 'PROMISC'],
  [10, 'ALLMULTI'],
  [11, 'OACTIVE'],
  [12, 'SIMPLEX'],
  [13, 'LINK0'],
  [14, 'LINK1'],
  [15, 'LINK2'],
  [16, 'MULTICAST'],
  [18, 'PPROMISC'],
  [19, 'MONITOR'],
  [20, 'STATICARP'],
  [21, 'STICKYARP'],
  [22, 'DYING'],
  [23, 'RENAMING'],
  [25, 'LOWER_UP'],
]

/**
 * The flags ifconfig shows: the kernel's, plus LOWER_UP when the interface runs with its link up
 * (FreeBSD derives it from the link state, which VirtNet reports as `status: active`).
 */
export function displayFlags(ifi: IfInfo): number {
  let f = ifi.flags
  if ((f & IfFlag.RUNNING) !== 0 && ifi.status === 'active') f |= IFF_LOWER_UP
  return f >>> 0
}

export function formatFlags(ifi: IfInfo): string {
  return printb(displayFlags(ifi), IFF_BITS)
}

/** IFCAP_* bits as ifconfig names them (sys/net/if.h), the ones VirtNet's drivers enable. */
const IFCAP_BITS: ReadonlyArray<readonly [number, string]> = [
  [1, 'RXCSUM'],
  [2, 'TXCSUM'],
  [4, 'VLAN_MTU'],
  [6, 'JUMBO_MTU'],
  [20, 'LINKSTATE'],
  [22, 'RXCSUM_IPV6'],
  [23, 'TXCSUM_IPV6'],
]

/** Interface capabilities as FreeBSD's drivers announce them (if_epair, if_loop); none for others. */
function optionsLine(ifi: IfInfo): string | null {
  if (ifi.capenable !== undefined) return `\toptions=${printb(ifi.capenable, IFCAP_BITS)}`
  if (ifi.groups.includes('epair')) return '\toptions=8<VLAN_MTU>'
  if (ifi.members !== undefined || ifi.vlan !== undefined) return '\toptions=0'
  // A lagg announces what all its ports can do (lagg_capabilities): an epair's VLAN_MTU.
  if (ifi.lagg !== undefined) return ifi.lagg.ports.length > 0 ? '\toptions=8<VLAN_MTU>' : '\toptions=0'
  if (
    ifi.groups.includes('tun') ||
    ifi.groups.includes('tap') ||
    ifi.groups.includes('vmnet') ||
    ifi.groups.includes('gif') ||
    ifi.groups.includes('gre') ||
    ifi.vxlan !== undefined
  )
    return '\toptions=80000<LINKSTATE>'
  if ((ifi.flags & IfFlag.LOOPBACK) !== 0)
    return '\toptions=680003<RXCSUM,TXCSUM,LINKSTATE,RXCSUM_IPV6,TXCSUM_IPV6>'
  return null
}

export function formatInetLine(ifi: IfInfo, a: IfInfo['addrs'][number]): string {
  let s = `\tinet ${ip(a.addr)}`
  // in_status: a point-to-point link shows its peer.
  if ((ifi.flags & IfFlag.POINTOPOINT) !== 0 && a.dst) s += ` --> ${ip(a.dst)}`
  s += ` netmask 0x${hex(prefixToMask(a.prefixLen), 8)}`
  // As in_status_nl: broadcast only on broadcast-capable links and for a non-zero prefix.
  if ((ifi.flags & IfFlag.BROADCAST) !== 0 && a.prefixLen !== 0 && a.broadcast !== 0)
    s += ` broadcast ${ip(a.broadcast)}`
  return s
}

export type AfFilter = 'inet' | 'inet6' | 'link' | null

/** One interface as `ifconfig IF` prints it (FreeBSD 14, netlink flavour), newline-terminated. */
export function formatInterface(
  ifi: IfInfo,
  af: AfFilter = null,
  verbose = false,
  lifetimes = false,
): string {
  const lines = [`${ifi.name}: flags=${formatFlags(ifi)} metric ${ifi.metric} mtu ${ifi.mtu}`]
  if (ifi.description !== '') lines.push(`\tdescription: ${ifi.description}`)
  const opts = optionsLine(ifi)
  if (opts !== null) lines.push(opts)
  if (af === null) lines.push(...tunnelLines(ifi))
  if (af === null || af === 'link') {
    if (ifi.mac !== null) lines.push(`\tether ${formatMac(ifi.mac)}`)
    // A bridge has no hardware address of its own to show.
    // FreeBSD 14's netlink ifconfig shows the hardware address only once `ether` no longer matches it.
    if (ifi.hwaddr !== null && ifi.hwaddr !== ifi.mac && ifi.members === undefined)
      lines.push(`\thwaddr ${formatMac(ifi.hwaddr)}`)
  }
  if (af === null || af === 'inet') for (const a of ifi.addrs) lines.push(formatInetLine(ifi, a))
  if (af === null || af === 'inet6')
    for (const a of ifi.inet6 ?? []) lines.push(formatInet6Line(ifi, a, lifetimes))
  if (af === null) {
    lines.push(...bridgeStatusLines(ifi))
    if (ifi.vxlan !== undefined) lines.push(...vxlanStatusLines(ifi.vxlan, verbose))
    lines.push(...l2StatusLines(ifi))
    // iffib.c's fib_status: only a FIB other than the default is shown.
    if ((ifi.fib ?? 0) !== 0) lines.push(`\tfib: ${ifi.fib}`)
    if ((ifi.tunnelFib ?? 0) !== 0) lines.push(`\ttunnelfib: ${ifi.tunnelFib}`)
    if (ifi.groups.length > 0) lines.push(`\tgroups: ${ifi.groups.join(' ')}`)
    lines.push(...vlanLines(ifi))
    if (ifi.media !== '') lines.push(`\tmedia: ${ifi.media}`)
    if (ifi.status !== '') lines.push(`\tstatus: ${ifi.status}`)
  }
  // af_inet6's other status: the ND options come with the inet6 addresses.
  if ((af === null || af === 'inet6') && ifi.nd6Flags !== undefined) lines.push(nd6OptionsLine(ifi.nd6Flags))
  return `${lines.join('\n')}\n`
}

const USAGE = [
  'usage: ifconfig [-j jail] [-f type:format] interface address_family',
  '                [address [dest_address]] [parameters]',
  '       ifconfig [-j jail] interface create',
  '       ifconfig [-j jail] -a [-d] [-m] [-u] [-v] [address_family]',
  '       ifconfig [-j jail] -l [-d] [-u] [address_family]',
  '       ifconfig [-j jail] [-d] [-m] [-u] [-v]',
  '       ifconfig -C',
  '       ifconfig -g groupname',
].join('\n')

function parseAf(word: string | undefined): AfFilter | undefined {
  if (word === 'inet') return 'inet'
  if (word === 'inet6') return 'inet6'
  if (word === 'link' || word === 'ether' || word === 'lladdr') return 'link'
  return undefined
}

/** One change, in the order the command line asks for it. */
type Action =
  | { op: 'up' | 'down' | 'destroy' }
  | { op: 'mtu'; mtu: number }
  | { op: 'name'; name: string }
  | { op: 'mac'; mac: number }
  | { op: 'descr'; descr: string }
  | { op: 'addm' | 'deletem'; member: string }
  | { op: 'vnet' | '-vnet'; jail: string; jid: number }
  | { op: 'bridge'; step: BridgeStep }

interface AddrChange {
  addr: number | null
  prefixLen: number | null
  broadcast: number | null
  /** The second address on the line: the peer of a point-to-point interface. */
  dst: number | null
  /** 1: alias (add), -1: -alias/delete, 0: replace the first address. */
  alias: number
}

/** inet_aton(3)'s forms that matter for masks: dotted quad or one number (`0xffffff00`). */
function parseMask(s: string): number | null {
  const dotted = parseIpv4(s)
  if (dotted !== null) return dotted
  const n = strtol(s)
  return n !== null && n >= 0 && n <= 0xffffffff ? n : null
}

/** `ADDR[/LEN]` as in_getaddr parses it; throws FreeBSD's `ADDR: bad value` forms. */
function parseAddrArg(s: string): { addr: number; prefixLen: number | null } {
  const slash = s.lastIndexOf('/')
  let prefixLen: number | null = null
  let host = s
  if (slash >= 0) {
    host = s.slice(0, slash)
    const lenText = s.slice(slash + 1)
    const len = /^\d/.test(lenText) ? strtonum(lenText, 0, 32) : 'invalid'
    if (typeof len === 'string') throw new CmdError(`${s}: bad value (width ${len})`)
    prefixLen = len
  }
  const addr = parseIpv4(host)
  if (addr === null) throw new CmdError(`${host}: bad value`)
  return { addr, prefixLen }
}

/** The classful mask ifconfig falls back to when none is given (in_setdefaultmask_nl). */
function classfulPrefix(a: number): number {
  if (a >>> 31 === 0) return 8
  if (a >>> 30 === 2) return 16
  return 24
}

interface Plan {
  create: boolean
  actions: Action[]
  addr: AddrChange | null
  /** vxlan parameters, applied right after a create (as clone parameters) and before the actions. */
  vxlan: VxlanPlan | null
  /** vlan, tunnel and lagg settings, applied after vxlan's and before the actions. */
  l2: L2Plan
}

/** Parses the parameters after the interface name; read-only lookups only (jail names). */
function parseParams(sys: Syscalls, words: readonly string[], p2p: boolean): Plan {
  const plan: Plan = { create: false, actions: [], addr: null, vxlan: null, l2: newL2Plan() }
  const change = (): AddrChange => {
    plan.addr ??= { addr: null, prefixLen: null, broadcast: null, dst: null, alias: 0 }
    return plan.addr
  }
  let i = 0
  if (words[0] === 'create' || words[0] === 'plumb') {
    plan.create = true
    i++
  }
  if (parseAf(words[i]) === 'inet') i++
  else if (words[i] === 'inet6' && words[i + 1] === 'tunnel') {
    // `inet6 tunnel A B`: the tunnel's end points are IPv6 (af_inet6's af_settunnel).
    plan.l2.inet6 = true
    i++
  }
  const arg = (w: string): string => {
    const v = words[++i]
    if (v === undefined) throw new CmdError(`'${w}' requires argument`)
    return v
  }
  for (; i < words.length; i++) {
    const w = words[i]!
    switch (w) {
      case 'up':
      case 'down':
        plan.actions.push({ op: w })
        break
      case 'destroy':
      case 'unplumb':
        plan.actions.push({ op: 'destroy' })
        break
      case 'mtu': {
        const v = strtol(arg(w), 10)
        // ifconfig passes atoi()'s result and the kernel rejects it; say so without calling it.
        if (v === null || v <= 0 || v > 65535)
          throw new CmdError('ioctl SIOCSIFMTU (set mtu): Invalid argument')
        plan.actions.push({ op: 'mtu', mtu: v })
        break
      }
      case 'name':
        plan.actions.push({ op: 'name', name: arg(w) })
        break
      case 'ether':
      case 'lladdr':
      case 'link': {
        const mac = parseMac(arg(w))
        if (mac === null) throw new CmdError('malformed link-level address')
        plan.actions.push({ op: 'mac', mac })
        break
      }
      case 'fib':
      case 'tunnelfib': {
        // iffib.c: a bad number or a refused ioctl is warn(3)ed and ifconfig goes on; it is set
        // before the address, so the address's routes go into that FIB.
        const val = arg(w)
        const n = strtol(val)
        const tunnel = w === 'tunnelfib'
        plan.l2.steps.push((sys, name, warn) => {
          if (n === null || n < 0 || n > 0xffffffff) {
            warn(`fib ${val} not valid`)
            return
          }
          try {
            sys.ifSetFib(name, n, tunnel)
          } catch (e) {
            warn(sysMessage(tunnel ? 'ioctl (SIOCSTUNFIB)' : 'ioctl (SIOCSIFFIB)', asSysError(e)))
          }
        })
        break
      }
      case 'description':
      case 'descr':
        plan.actions.push({ op: 'descr', descr: arg(w) })
        break
      case '-description':
      case '-descr':
        plan.actions.push({ op: 'descr', descr: '' })
        break
      case 'addm':
      case 'deletem': {
        const member = arg(w)
        plan.actions.push({ op: w, member })
        if (w === 'addm')
          i += parseAddmOptions(words, i + 1, member, (step) => plan.actions.push({ op: 'bridge', step }))
        break
      }
      case 'vnet':
      case '-vnet': {
        const jail = arg(w)
        let jid: number
        try {
          jid = sys.jailGet(jail).jid
        } catch (e) {
          if (asSysError(e).code === 'ENOENT') throw new CmdError(`jail "${jail}" not found`)
          throw e
        }
        plan.actions.push({ op: w, jail, jid })
        break
      }
      case 'netmask': {
        const m = arg(w)
        const mask = parseMask(m)
        const len = mask === null ? -1 : maskToPrefix(mask)
        if (len < 0) throw new CmdError(`${m}: bad value`)
        change().prefixLen = len
        break
      }
      case 'broadcast': {
        const b = arg(w)
        const addr = parseIpv4(b)
        if (addr === null) throw new CmdError(`${b}: bad value`)
        change().broadcast = addr
        break
      }
      case 'alias':
      case 'add':
        change().alias = 1
        break
      case '-alias':
      case 'delete':
      case 'remove':
        change().alias = -1
        break
      default: {
        const br = parseBridgeWord(words, i, (step) => plan.actions.push({ op: 'bridge', step }))
        if (br > 0) {
          i += br - 1
          break
        }
        const l2 = parseL2Word(words, i, plan.l2)
        if (l2 > 0) {
          i += l2 - 1
          break
        }
        const used = parseVxlanWord(words, i, () => {
          plan.vxlan ??= { params: {}, cmd: '', flush: null }
          return plan.vxlan
        })
        if (used > 0) {
          i += used - 1
          break
        }
        const c = change()
        if (c.addr !== null) {
          // The destination address of a point-to-point link (`ifconfig tun0 A B`).
          const dst = p2p && c.dst === null ? parseIpv4(w) : null
          if (dst === null) throw new CmdError(`${w}: bad value`)
          c.dst = dst
          break
        }
        const { addr, prefixLen } = parseAddrArg(w)
        c.addr = addr
        if (prefixLen !== null) c.prefixLen = prefixLen
      }
    }
  }
  if (plan.addr !== null && plan.addr.addr === null && plan.addr.alias !== -1)
    throw new CmdError('ioctl (SIOCAIFADDR): Destination address required')
  // The vlan words take effect together, before the other driver settings (vlan_cb / vlan_create).
  const vs = vlanStep(plan.l2, plan.create)
  if (vs !== null) plan.l2.steps.unshift(vs)
  return plan
}

/**
 * Carries out a plan; every step is one kernel call that either happens or throws. An interface
 * created by this command is destroyed again when a later step fails, so the command as a whole
 * changes nothing. Prints the name when it differs from the one typed (a clone or a rename).
 */
function execute(
  sys: Syscalls,
  name: string,
  plan: Plan,
  io: { stdout: { write(s: string): void }; stderr: { write(s: string): void } },
): void {
  const cur = { name, print: false }
  if (plan.create) {
    try {
      cur.name = sys.ifCreate(name)
    } catch (e) {
      // FreeBSD's ifconfig names the request: `SIOCIFCREATE2 (epair): No space left on device`;
      // the machine's reason follows when the device behind it was refused (a tap without root).
      const se = asSysError(e)
      const why = se.message !== se.strerror ? `: ${se.message}` : ''
      throw new CmdError(sysMessage(`SIOCIFCREATE2 (${name})`, se) + why)
    }
    cur.print = cur.name !== name
  }
  try {
    if (plan.vxlan !== null) applyVxlan(sys, cur.name, plan.vxlan)
    for (const st of plan.l2.steps) st(sys, cur.name, (msg) => io.stderr.write(`ifconfig: ${msg}\n`))
    applyActions(sys, cur, plan.actions, (t) => io.stdout.write(t))
    if (plan.addr !== null) applyAddr(sys, cur.name, plan.addr)
  } catch (e) {
    if (plan.create && !plan.actions.some((a) => a.op === 'destroy')) {
      try {
        sys.ifDestroy(cur.name)
      } catch (e2) {
        asSysError(e2) // nothing more to undo
      }
    }
    throw e
  }
  if (cur.print) io.stdout.write(`${cur.name}\n`)
}

function applyActions(
  sys: Syscalls,
  cur: { name: string; print: boolean },
  actions: readonly Action[],
  out: (s: string) => void,
): void {
  for (const a of actions) {
    // The bridge words carry their own messages.
    if (a.op === 'bridge') {
      a.step(sys, cur.name, out)
      continue
    }
    try {
      switch (a.op) {
        case 'up':
        case 'down':
          sys.ifSetUp(cur.name, a.op === 'up')
          break
        case 'destroy':
          sys.ifDestroy(cur.name)
          break
        case 'mtu':
          sys.ifSetMtu(cur.name, a.mtu)
          break
        case 'name':
          sys.ifRename(cur.name, a.name)
          cur.name = a.name
          cur.print = true
          break
        case 'mac':
          sys.ifSetMac(cur.name, a.mac)
          break
        case 'descr':
          sys.ifSetDescription(cur.name, a.descr)
          break
        case 'vnet':
          sys.ifMoveToJail(cur.name, a.jail)
          break
        case '-vnet':
          sys.ifReclaimFromJail(cur.name, a.jail)
          break
        case 'addm':
          sys.ifBridgeAdd(cur.name, a.member)
          break
        case 'deletem':
          sys.ifBridgeDelete(cur.name, a.member)
          break
      }
    } catch (e) {
      const what =
        a.op === '-vnet'
          ? `SIOCSIFRVNET(${a.jid}, ${cur.name})`
          : a.op === 'addm' || a.op === 'deletem'
            ? `${ACTION_OP[a.op]} ${a.member}`
            : ACTION_OP[a.op]
      throw new CmdError(sysMessage(what, asSysError(e)))
    }
  }
}

/** The failing request as ifconfig names it in its messages. */
const ACTION_OP: Record<Action['op'], string> = {
  up: 'ioctl (SIOCSIFFLAGS)',
  down: 'ioctl (SIOCSIFFLAGS)',
  destroy: 'SIOCIFDESTROY',
  mtu: 'ioctl SIOCSIFMTU (set mtu)',
  name: 'ioctl SIOCSIFNAME (set name)',
  mac: 'ioctl (SIOCAIFADDR)',
  descr: 'ioctl SIOCSIFDESCR (set descr)',
  vnet: 'SIOCSIFVNET',
  '-vnet': 'SIOCSIFRVNET',
  addm: 'BRDGADD',
  deletem: 'BRDGDEL',
  bridge: '',
}

function applyVxlan(sys: Syscalls, name: string, v: VxlanPlan): void {
  try {
    if (v.cmd !== '') sys.ifVxlanSet(name, v.params)
  } catch (e) {
    throw new CmdError(sysMessage(v.cmd, asSysError(e)))
  }
  try {
    if (v.flush !== null) sys.ifVxlanFlush(name, v.flush)
  } catch (e) {
    throw new CmdError(sysMessage('VXLAN_CMD_FLUSH', asSysError(e)))
  }
}

function applyAddr(sys: Syscalls, name: string, c: AddrChange): void {
  if (c.alias === -1) {
    let addr = c.addr
    if (addr === null) {
      // `-alias` without an address removes the first one, as SIOCDIFADDR without an address does.
      addr = sys.ifGet(name).addrs[0]?.addr ?? null
      if (addr === null) throw new CmdError("ioctl (SIOCDIFADDR): Can't assign requested address")
    }
    try {
      sys.ifDelAddr(name, addr)
    } catch (e) {
      throw new CmdError(sysMessage('ioctl (SIOCDIFADDR)', asSysError(e)))
    }
    return
  }
  const opts: { broadcast?: number; alias?: boolean; dst?: number } = { alias: c.alias === 1 }
  if (c.broadcast !== null) opts.broadcast = c.broadcast
  if (c.dst !== null) opts.dst = c.dst
  try {
    sys.ifAddAddr(name, c.addr!, c.prefixLen!, opts)
  } catch (e) {
    throw new CmdError(sysMessage('ioctl (SIOCAIFADDR)', asSysError(e)))
  }
}

function lookupIf(sys: Syscalls, name: string): IfInfo | null {
  try {
    return sys.ifGet(name)
  } catch (e) {
    const err = asSysError(e)
    if (err.code === 'ENXIO' || err.code === 'ENOENT') return null
    throw err
  }
}

const ifconfigHere: Command = (argv, io, proc) =>
  runTool('ifconfig', io, () => {
    const sys = proc.sys
    const { opts, rest } = optsOrUsage(getopt('ifconfig', argv.slice(1), 'aCdLlmnuvg:'), USAGE, 1)
    const flag = (c: string): boolean => opts.some(([f]) => f === c)
    if (flag('C')) {
      io.stdout.write(`${sys.ifCloners().join(' ')}\n`)
      return 0
    }
    const group = opts.find(([f]) => f === 'g')
    if (group !== undefined) {
      for (const ifi of sys.ifList()) if (ifi.groups.includes(group[1])) io.stdout.write(`${ifi.name}\n`)
      return 0
    }
    const all = flag('a') || flag('l') || rest.length === 0
    if (all) {
      if (rest.length > 1) usage(USAGE, 1)
      const af = rest.length === 1 ? parseAf(rest[0]) : null
      if (af === undefined) throw new CmdError(`${rest[0]}: bad value`)
      let list = sys.ifList()
      if (flag('u')) list = list.filter((i) => (i.flags & IfFlag.UP) !== 0)
      if (flag('d')) list = list.filter((i) => (i.flags & IfFlag.UP) === 0)
      if (af === 'inet') list = list.filter((i) => i.addrs.length > 0)
      if (af === 'inet6') list = list.filter((i) => (i.inet6 ?? []).length > 0)
      if (af === 'link') list = list.filter((i) => i.mac !== null)
      if (flag('l')) io.stdout.write(`${list.map((i) => i.name).join(' ')}\n`)
      else io.stdout.write(list.map((i) => formatInterface(i, af, flag('v'), flag('L'))).join(''))
      return 0
    }
    const name = rest[0]!
    const words = rest.slice(1)
    const ifi = lookupIf(sys, name)
    const creating = words[0] === 'create' || words[0] === 'plumb'
    // `IF -vnet J` names an interface that lives in the jail's vnet, not ours (as in ifconfig.c).
    if (ifi === null && !creating && words[0] !== '-vnet')
      throw new CmdError(`interface ${name} does not exist`)
    if (ifi !== null && creating) {
      if (words.length === 1) throw new CmdError(`interface ${name} already exists`)
      words.shift()
    }
    const af = parseAf(words[0])
    if (ifi !== null && (words.length === 0 || (af !== undefined && words.length === 1))) {
      io.stdout.write(formatInterface(ifi, af ?? null, flag('v'), flag('L')))
      return 0
    }
    if (af === 'link') words.shift() // `ifconfig IF link MAC` is `ifconfig IF lladdr MAC`
    if (af === 'inet6' && words[1] !== 'tunnel') {
      ifconfigInet6(sys, name, words.slice(1))
      return 0
    }
    // A tun, gif or gre created on this line is point-to-point too (`ifconfig tun0 create A B`).
    const p2p = ifi !== null ? (ifi.flags & IfFlag.POINTOPOINT) !== 0 : /^(tun|gif|gre)/.test(name)
    const plan = parseParams(sys, af === 'link' ? ['lladdr', ...words] : words, p2p)
    const c = plan.addr
    if (c !== null && c.alias !== -1 && c.prefixLen === null) {
      // in_postproc: no mask given. Warn (except on loopback) and fall back to the classful mask.
      const loopback = ifi !== null ? (ifi.flags & IfFlag.LOOPBACK) !== 0 : name.startsWith('lo')
      // warn_nomask: loopback and point-to-point interfaces get the classful mask silently.
      if (!loopback && !p2p)
        io.stderr.write(
          'ifconfig: WARNING: setting interface address without mask is deprecated,\ndefault mask may not be correct.\n',
        )
      c.prefixLen = classfulPrefix(c.addr!)
    }
    execute(sys, name, plan, io)
    return 0
  })

/** `-j jail`: the same, inside that jail (FreeBSD 14). */
export const ifconfig: Command = withJailOption('ifconfig', 'aCdlmnuvg:', 'jail not found', ifconfigHere)

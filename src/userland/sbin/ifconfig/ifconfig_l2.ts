/**
 * ifconfig's parts for vlan(4), gif(4)/gre(4) and lagg(4) (sbin/ifconfig/ifvlan.c, ifgif.c,
 * ifgre.c, iflagg.c and the `tunnel` command of ifconfig.c): the words `vlan`, `vlandev`,
 * `-vlandev`, `vlanproto`, `vlanpcp`, `tunnel`, `deletetunnel`, `grekey`, `laggproto`, `laggport`,
 * `-laggport`, FreeBSD's messages for bad values, and the status lines (`vlan: 42 vlanproto: 802.1q
 * vlanpcp: 0 parent interface: epair0a`, `tunnel inet A --> B`, `grekey: 0x.. (..)`, `laggproto
 * failover lagghash l2,l3,l4`, `laggport: IF flags=5<MASTER,ACTIVE>`).
 *
 * Must not: call the kernel while parsing (the whole line is checked before anything changes).
 */

import type { IfInfo, Syscalls } from '../../../host/syscalls.js'
import { SysError } from '../../../util/errno.js'
import { formatIpv4, parseIpv4 } from '../../../wire/addr.js'
import { formatIpv6, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { asSysError, CmdError, printb, sysMessage } from '../../common.js'
import { strtol } from '../../getopt.js'

const ETHERTYPE_VLAN = 0x8100
const ETHERTYPE_QINQ = 0x88a8
/** NOTAG: no `vlan` word seen. */
const NOTAG = -1

/** What the driver words of one command line ask for, in the order they are applied. */
export interface L2Plan {
  vlanTag: number
  vlanDev: string
  vlanProto: number
  unsetVlanDev: boolean
  vlanPcp: number | null
  /** The line named `inet6` before its words (`inet6 tunnel A B`): the address family for `tunnel`. */
  inet6: boolean
  /** Changes applied after the interface exists, in command-line order. */
  steps: Step[]
}

export function newL2Plan(): L2Plan {
  return {
    vlanTag: NOTAG,
    vlanDev: '',
    vlanProto: ETHERTYPE_VLAN,
    unsetVlanDev: false,
    vlanPcp: null,
    inet6: false,
    steps: [],
  }
}

/** One kernel call of the line; `warn` prints a message that does not stop ifconfig (warn(3)). */
export type Step = (sys: Syscalls, name: string, warn: (msg: string) => void) => void

/** A kernel call, failing with ifconfig's wording for the ioctl (err(3), or warn(3) when `soft`). */
function step(what: string, f: (sys: Syscalls, name: string) => void, soft = false): Step {
  return (sys, name, warn) => {
    try {
      f(sys, name)
    } catch (e) {
      const msg = sysMessage(what, asSysError(e))
      if (!soft) throw new CmdError(msg)
      warn(msg)
    }
  }
}

/**
 * Parse the driver word at words[i]; returns how many words it used (0 when it is not one).
 */
export function parseL2Word(words: readonly string[], i: number, plan: L2Plan): number {
  const w = words[i]!
  const arg = (n = 1): string => {
    const v = words[i + n]
    if (v === undefined) throw new CmdError(`'${w}' requires argument`)
    return v
  }
  switch (w) {
    case 'vlan': {
      const v = strtol(arg())
      if (v === null) throw new CmdError('invalid value for vlan')
      if (v < 0 || v > 0xffff) throw new CmdError('value for vlan out of range')
      plan.vlanTag = v
      return 2
    }
    case 'vlandev':
      plan.vlanDev = arg()
      return 2
    case '-vlandev':
      // DEF_CMD_OPTARG: an argument is taken when one follows, and ignored.
      plan.unsetVlanDev = true
      plan.steps.push(
        step('SIOCSETVLAN', (sys, name) => sys.ifVlanSet(name, { tag: 0, parent: '', proto: 0 })),
      )
      return words[i + 1] !== undefined && !isKeyword(words[i + 1]!) ? 2 : 1
    case 'vlanproto': {
      const v = arg().toLowerCase()
      if (v.startsWith('802.1q')) plan.vlanProto = ETHERTYPE_VLAN
      else if (v.startsWith('802.1ad')) plan.vlanProto = ETHERTYPE_QINQ
      else throw new CmdError('invalid value for vlanproto')
      return 2
    }
    case 'pcp': {
      // setifpcp: strtoul over the whole word, then at most 7 (SIOCSLANPCP).
      const v = strtol(arg())
      if (v === null || v < 0) throw new CmdError('invalid value for pcp')
      if (v > 7) throw new CmdError('value for pcp out of range')
      plan.steps.push(step('SIOCSLANPCP', (sys, name) => sys.ifSetPcp(name, v)))
      return 2
    }
    case '-pcp':
      plan.steps.push(step('SIOCSLANPCP', (sys, name) => sys.ifSetPcp(name, -1)))
      return 1
    case 'vlanpcp': {
      const v = strtol(arg(), 10)
      if (v === null || v < 0 || v > 7) throw new CmdError('invalid value for vlanpcp')
      plan.steps.push(step('SIOCSVLANPCP', (sys, name) => sys.ifVlanSetPcp(name, v)))
      return 2
    }
    case 'tunnel': {
      // settunnel: both ends parse as addresses of one family, then go to the line's family (inet
      // unless `inet6` was named), whose ioctl refuses the other family.
      const src = parseTunnelAddr(arg(1))
      const dst = parseTunnelAddr(arg(2))
      if (typeof src !== typeof dst)
        throw new CmdError('source and destination address families do not match')
      const what = plan.inet6 ? 'SIOCSIFPHYADDR_IN6' : 'SIOCSIFPHYADDR'
      plan.steps.push(
        step(what, (sys, name) => {
          if (plan.inet6 !== (typeof src !== 'number')) throw new SysError('EINVAL', what)
          if (typeof src === 'number') sys.ifTunnelSet(name, src, dst as number)
          else sys.ifTunnelSet6(name, src, dst as Uint8Array)
        }),
      )
      return 3
    }
    case 'deletetunnel':
      plan.steps.push(step('SIOCDIFPHYADDR', (sys, name) => sys.ifTunnelDelete(name)))
      return 1
    case 'enable_csum':
    case '-enable_csum':
    case 'enable_seq':
    case '-enable_seq':
    case 'udpencap':
    case '-udpencap': {
      // ifgre.c's setifgreopts: GREGOPTS, change the bit, GRESOPTS; a failure is only warned about.
      const bit = w.endsWith('csum') ? GRE_OPT_CSUM : w.endsWith('seq') ? GRE_OPT_SEQ : GRE_OPT_UDPENCAP
      const off = w.startsWith('-')
      plan.steps.push(
        step('ioctl(GRESOPTS)', (sys, name) => sys.ifGreSetOpts(name, off ? 0 : bit, off ? bit : 0), true),
      )
      return 1
    }
    case 'udpport': {
      // setifgreport: strtoul, anything but a whole number in 0..65535 is refused before the ioctl.
      const a = arg()
      const port = /^\d+$/.test(a) ? Number(a) : Number.NaN
      if (!(port <= 0xffff)) throw new CmdError(`Invalid udpport: ${a}`)
      plan.steps.push(step('ioctl (set udpport)', (sys, name) => sys.ifGreSetPort(name, port), true))
      return 2
    }
    case 'grekey': {
      // atol(3): leading digits, nothing for none.
      const m = /^\s*([+-]?\d+)/.exec(arg())
      const key = m === null ? 0 : Number(m[1]) >>> 0
      // ifgre.c only warns: the rest of the line still happens and the exit status stays 0.
      plan.steps.push(step('ioctl (set grekey)', (sys, name) => sys.ifGreSetKey(name, key), true))
      return 2
    }
    case 'laggproto': {
      const p = arg()
      if (!['failover', 'lacp', 'loadbalance', 'roundrobin', 'broadcast', 'none'].includes(p))
        throw new CmdError(`Invalid aggregation protocol: ${p}`)
      plan.steps.push(step('SIOCSLAGG', (sys, name) => sys.ifLaggSetProto(name, p)))
      return 2
    }
    case 'laggport':
    case '-laggport': {
      const port = arg()
      const add = w === 'laggport'
      plan.steps.push(
        step(add ? 'SIOCSLAGGPORT' : 'SIOCSLAGGDELPORT', (sys, name) => sys.ifLaggPort(name, port, add)),
      )
      return 2
    }
  }
  return 0
}

function isKeyword(w: string): boolean {
  return /^-?[a-z]/.test(w) && parseIpv4(w) === null && !w.includes('/')
}

/**
 * The vlan settings of the line (vlan_cb / vlan_set / vlan_create): `vlan` and `vlandev` only
 * together. Returns the SIOCSETVLAN step, or null when the line sets neither.
 */
export function vlanStep(plan: L2Plan, creating: boolean): Step | null {
  const hasTag = plan.vlanTag !== NOTAG
  const hasDev = plan.vlanDev !== ''
  if (!hasTag && !hasDev) return null
  if (creating && !hasTag) throw new CmdError('must specify a tag for vlan create')
  if (creating && !hasDev) throw new CmdError('must specify a parent device for vlan create')
  if (hasTag !== hasDev) throw new CmdError('both vlan and vlandev must be specified')
  const p = { tag: plan.vlanTag, parent: plan.vlanDev, proto: plan.vlanProto }
  return step(creating ? 'SIOCIFCREATE2' : 'SIOCSETVLAN', (sys, name) => sys.ifVlanSet(name, p))
}

/** LAGG_PORT_BITS. */
const LAGG_PORT_BITS: ReadonlyArray<readonly [number, string]> = [
  [1, 'MASTER'],
  [2, 'STACK'],
  [3, 'ACTIVE'],
  [4, 'COLLECTING'],
  [5, 'DISTRIBUTING'],
]

/** GRESOPTS bits and ifgre.c's GREBITS names. */
const GRE_OPT_CSUM = 0x1
const GRE_OPT_SEQ = 0x2
const GRE_OPT_UDPENCAP = 0x4
const GRE_BITS: ReadonlyArray<readonly [number, string]> = [
  [1, 'ENABLE_CSUM'],
  [2, 'ENABLE_SEQ'],
  [3, 'UDPENCAP'],
]

/** A tunnel end point, IPv4 or IPv6 (getaddrinfo with AF_UNSPEC, numeric only). */
function parseTunnelAddr(s: string): number | Uint8Array {
  const a = parseIpv4(s) ?? parseIpv6(s)
  if (a === null) throw new CmdError(`error in parsing address string: ${s}`)
  return a
}

/** `tunnel inet SRC --> DST` or `tunnel inet6 SRC --> DST` (tunnel_status), before the addresses. */
export function tunnelLines(ifi: IfInfo): string[] {
  if (ifi.tunnel6 !== undefined)
    return [`\ttunnel inet6 ${formatIpv6(ifi.tunnel6.src)} --> ${formatIpv6(ifi.tunnel6.dst)}`]
  return ifi.tunnel === undefined
    ? []
    : [`\ttunnel inet ${formatIpv4(ifi.tunnel.src)} --> ${formatIpv4(ifi.tunnel.dst)}`]
}

/** The af_other_status lines of a vlan, gre or lagg interface, in the order ifconfig prints them. */
export function l2StatusLines(ifi: IfInfo): string[] {
  const lines: string[] = []
  if (ifi.lagg !== undefined) {
    lines.push(`\tlaggproto ${ifi.lagg.proto} lagghash l2,l3,l4`)
    for (const p of ifi.lagg.ports)
      lines.push(`\tlaggport: ${p.name} flags=${printb(p.flags, LAGG_PORT_BITS)}`)
  }
  if (ifi.greKey !== undefined && ifi.greKey !== 0)
    lines.push(`\tgrekey: 0x${ifi.greKey.toString(16)} (${ifi.greKey})`)
  // gre_status: nothing more without options; udpport only when one is set.
  if (ifi.greOpts !== undefined && ifi.greOpts !== 0) {
    if (ifi.grePort !== undefined && ifi.grePort !== 0) lines.push(`\tudpport: ${ifi.grePort}`)
    lines.push(`\toptions=${printb(ifi.greOpts, GRE_BITS)}`)
  }
  return lines
}

/** vlan_status, printed after the groups line as FreeBSD 14's ifconfig does. */
export function vlanLines(ifi: IfInfo): string[] {
  const v = ifi.vlan
  if (v === undefined) return []
  const proto = v.proto === ETHERTYPE_QINQ ? '802.1ad' : v.proto === ETHERTYPE_VLAN ? '802.1q' : 'unknown'
  return [
    `\tvlan: ${v.parent === '' ? 0 : v.tag} vlanproto: ${proto} vlanpcp: ${v.pcp} parent interface: ${v.parent === '' ? '<none>' : v.parent}`,
  ]
}

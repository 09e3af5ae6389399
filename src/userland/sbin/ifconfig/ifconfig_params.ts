/**
 * The parameters after the interface name, checked and turned into a plan (ifconfig.c's command
 * table, af_inet.c's in_getaddr): the changes in command-line order, the address change kept for
 * last, and the vxlan, vlan, tunnel and lagg settings. A bad word throws FreeBSD's message.
 *
 * Must not: change anything; lookups only (jail names). ifconfig.ts carries the plan out.
 */

import type { CloneParams, GeneveParams, Syscalls } from '../../../host/syscalls.js'
import { maskToPrefix, parseIpv4, parseMac } from '../../../wire/addr.js'
import { asSysError, CmdError, sysMessage } from '../../common.js'
import { strtol, strtonum } from '../../getopt.js'
import { type BridgeStep, parseAddmOptions, parseBridgeWord } from './ifconfig_bridge.js'
import { parseGeneveWord } from './ifconfig_geneve.js'
import { type L2Plan, newL2Plan, parseL2Word, vlanStep } from './ifconfig_l2.js'
import { parseAf } from './ifconfig_status.js'
import { parseVxlanWord, type VxlanPlan } from './ifconfig_vxlan.js'

/** One change, in the order the command line asks for it. */
export type Action =
  | { op: 'up' | 'down' | 'destroy' }
  | { op: 'mtu'; mtu: number }
  | { op: 'name'; name: string }
  | { op: 'mac'; mac: number }
  | { op: 'descr'; descr: string }
  | { op: 'addm' | 'deletem'; member: string }
  | { op: 'vnet' | '-vnet'; jail: string; jid: number }
  | { op: 'bridge'; step: BridgeStep }
  | { op: 'debug'; on: boolean }
  | { op: 'geneve'; params: GeneveParams }

export interface AddrChange {
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
export function classfulPrefix(a: number): number {
  if (a >>> 31 === 0) return 8
  if (a >>> 30 === 2) return 16
  return 24
}

export interface Plan {
  create: boolean
  /** The cloner's creation parameters (`genevemode`). */
  clone: CloneParams
  actions: Action[]
  addr: AddrChange | null
  /** vxlan parameters, applied right after a create (as clone parameters) and before the actions. */
  vxlan: VxlanPlan | null
  /** vlan, tunnel and lagg settings, applied after vxlan's and before the actions. */
  l2: L2Plan
}

/** Parses the parameters after the interface name; read-only lookups only (jail names). */
export function parseParams(sys: Syscalls, words: readonly string[], p2p: boolean): Plan {
  const plan: Plan = { create: false, clone: {}, actions: [], addr: null, vxlan: null, l2: newL2Plan() }
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
      case 'debug':
      case '-debug':
        plan.actions.push({ op: 'debug', on: w === 'debug' })
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
        // geneve's words go to the kernel one by one, in order with up and down (one netlink
        // message each: a setting refused while running must follow the `down` before it).
        const gw = parseGeneveWord(
          words,
          i,
          (params) => plan.actions.push({ op: 'geneve', params }),
          (proto) => {
            plan.clone.geneveProto = proto
          },
        )
        if (gw > 0) {
          i += gw - 1
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

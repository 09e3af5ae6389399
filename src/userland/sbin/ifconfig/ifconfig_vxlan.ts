/**
 * ifconfig's vxlan(4) part (sbin/ifconfig/ifvxlan.c): the `vxlanid`, `vxlanlocal`, `vxlanremote`,
 * `vxlangroup`, port, learning and forwarding-table parameters, with FreeBSD's messages for bad
 * values, and the `vxlan vni N local A:P remote B:P` status line (`-v` adds config and ftable).
 *
 * Must not: call the kernel while parsing (the whole line is checked before anything changes).
 */

import type { VxlanInfo, VxlanParams } from '../../../host/syscalls.js'
import { formatIpv4, parseIpv4 } from '../../../wire/addr.js'
import { CmdError } from '../../common.js'
import { strtol } from '../../getopt.js'

/** What the vxlan words of one command line ask for. */
export interface VxlanPlan {
  params: VxlanParams
  /** The ioctl FreeBSD would name for a failure (its first setting). */
  cmd: string
  /** vxlanflush (false) or vxlanflushall (true), or null. */
  flush: boolean | null
}

/** get_val: strtoul with base 0, the whole word. */
function getVal(s: string): number | null {
  const n = strtol(s)
  return n !== null && n >= 0 ? n : null
}

function isMulticast(a: number): boolean {
  return a >>> 28 === 0xe
}

/** getaddrinfo on a numeric IPv4 address: the only kind VirtNet resolves here. */
function addr(kind: string, s: string): number {
  const a = parseIpv4(s)
  if (a === null) throw new CmdError(`error in parsing ${kind} address string: Name does not resolve`)
  return a
}

/**
 * Parse the vxlan parameter at words[i]; returns how many words it used (0 when words[i] is not one).
 * The plan is created on first use.
 */
export function parseVxlanWord(words: readonly string[], i: number, get: () => VxlanPlan): number {
  const w = words[i]!
  const arg = (n = 1): string => {
    const v = words[i + n]
    if (v === undefined) throw new CmdError(`'${w}' requires argument`)
    return v
  }
  const set = (cmd: string, f: (p: VxlanParams) => void): void => {
    const plan = get()
    if (plan.cmd === '') plan.cmd = cmd
    f(plan.params)
  }
  switch (w) {
    case 'vni':
    case 'vxlanid': {
      const v = getVal(arg())
      if (v === null || v >= 1 << 24) throw new CmdError(`invalid network identifier: ${arg()}`)
      set('VXLAN_CMD_SET_VNI', (p) => {
        p.vni = v
      })
      return 2
    }
    case 'vxlanlocal': {
      const a = addr('local', arg())
      if (isMulticast(a)) throw new CmdError('local address cannot be multicast')
      set('VXLAN_CMD_SET_LOCAL_ADDR', (p) => {
        p.local = a
      })
      return 2
    }
    case 'vxlanremote':
    case 'vxlangroup': {
      const group = w === 'vxlangroup'
      const a = addr(group ? 'group' : 'remote', arg())
      if (group && !isMulticast(a)) throw new CmdError('group address must be multicast')
      if (!group && isMulticast(a)) throw new CmdError('remote address cannot be multicast')
      set('VXLAN_CMD_SET_REMOTE_ADDR', (p) => {
        p.remote = a
      })
      return 2
    }
    case 'vxlanlocalport':
    case 'vxlanremoteport': {
      const local = w === 'vxlanlocalport'
      const v = getVal(arg())
      if (v === null || v >= 65535) throw new CmdError(`invalid ${local ? 'local' : 'remote'} port: ${arg()}`)
      set(local ? 'VXLAN_CMD_SET_LOCAL_PORT' : 'VXLAN_CMD_SET_REMOTE_PORT', (p) => {
        if (local) p.localPort = v
        else p.remotePort = v
      })
      return 2
    }
    case 'vxlanportrange': {
      const lo = getVal(arg(1))
      if (lo === null || lo >= 65535) throw new CmdError(`invalid port range minimum: ${arg(1)}`)
      const hi = getVal(arg(2))
      if (hi === null || hi >= 65535) throw new CmdError(`invalid port range maximum: ${arg(2)}`)
      if (hi < lo) throw new CmdError('invalid port range')
      set('VXLAN_CMD_SET_PORT_RANGE', (p) => {
        p.portMin = lo
        p.portMax = hi
      })
      return 3
    }
    case 'vxlantimeout':
    case 'vxlanmaxaddr': {
      const timeout = w === 'vxlantimeout'
      const v = getVal(arg())
      if (v === null || v > 0xffffffff)
        throw new CmdError(`invalid ${timeout ? 'timeout' : 'maxaddr'} value: ${arg()}`)
      set(timeout ? 'VXLAN_CMD_SET_FTABLE_TIMEOUT' : 'VXLAN_CMD_SET_FTABLE_MAX', (p) => {
        if (timeout) p.ftableTimeout = v
        else p.ftableMax = v
      })
      return 2
    }
    case 'vxlanttl': {
      const v = getVal(arg())
      if (v === null || v > 256) throw new CmdError(`invalid TTL value: ${arg()}`)
      set('VXLAN_CMD_SET_TTL', (p) => {
        p.ttl = v
      })
      return 2
    }
    case 'vxlanlearn':
    case '-vxlanlearn':
      set('VXLAN_CMD_SET_LEARN', (p) => {
        p.learn = w === 'vxlanlearn'
      })
      return 1
    case 'vxlanflush':
    case 'vxlanflushall':
      get().flush = w === 'vxlanflushall'
      return 1
  }
  return 0
}

/** vxlan_status: nothing until a VNI is set. */
export function vxlanStatusLines(v: VxlanInfo, verbose: boolean): string[] {
  if (v.vni >= 1 << 24) return []
  const lines = [
    `\tvxlan vni ${v.vni} local ${formatIpv4(v.local)}:${v.localPort} ${isMulticast(v.remote) ? 'group' : 'remote'} ${formatIpv4(v.remote)}:${v.remotePort}`,
  ]
  if (verbose)
    lines.push(
      `\t\tconfig: ${v.learn ? '' : 'no'}learning portrange ${v.portMin}-${v.portMax} ttl ${v.ttl}`,
      `\t\tftable: cnt ${v.ftableCount} max ${v.ftableMax} timeout ${v.ftableTimeout}`,
    )
  return lines
}

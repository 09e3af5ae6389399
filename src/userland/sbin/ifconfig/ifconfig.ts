/**
 * ifconfig(8): list interfaces in FreeBSD 14's format, create and destroy cloned interfaces, set
 * flags, addresses, MTU, name, MAC, description, move interfaces between vnets (`vnet J`,
 * `-vnet J`), and add and remove bridge members (`addm IF`, `deletem IF`).
 *
 * The whole command line is parsed and checked before the first change is made, so a command that
 * fails validation changes nothing; the kernel makes each single change all-or-nothing. Like
 * FreeBSD, settings take effect in command-line order, with the address change last.
 *
 * Here: the options, the dispatch and carrying a plan out. The parameters are parsed into that plan
 * in ifconfig_params.ts, the status printed by ifconfig_status.ts, inet6 in ifconfig_inet6.ts, and
 * the bridge, vxlan and vlan/tunnel/lagg words in ifconfig_{bridge,vxlan,l2}.ts.
 */

import type { IfInfo, Syscalls } from '../../../host/syscalls.js'
import { IfFlag } from '../../../host/syscalls.js'
import { asSysError, CmdError, optsOrUsage, runTool, sysMessage, usage } from '../../common.js'
import { getopt } from '../../getopt.js'
import { withJailOption } from '../../jail_option.js'
import type { Command } from '../../types.js'
import { ifconfigInet6 } from './ifconfig_inet6.js'
import { type Action, type AddrChange, classfulPrefix, type Plan, parseParams } from './ifconfig_params.js'
import { formatInterface, parseAf } from './ifconfig_status.js'
import type { VxlanPlan } from './ifconfig_vxlan.js'

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
      cur.name = plan.clone.geneveProto === undefined ? sys.ifCreate(name) : sys.ifCreate(name, plan.clone)
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
    // geneve's are the kernel's netlink error strings, and ifconfig exits with the errno
    // (ifgeneve.c's errx(errmsg.error, ...)).
    if (a.op === 'geneve') {
      try {
        sys.ifGeneveSet(cur.name, a.params)
      } catch (e) {
        const se = asSysError(e)
        throw new CmdError(se.message, se.errno)
      }
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
        case 'debug':
          sys.ifSetDebug(cur.name, a.on)
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
  debug: 'ioctl (SIOCSIFFLAGS)',
  geneve: '',
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

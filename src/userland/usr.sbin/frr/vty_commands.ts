/**
 * zebra's and ripd's command table: the node-tree moves, `interface`, `ip address`, `ip route`,
 * `router rip` with its `network`, `redistribute` and timers, and the `show` commands; the other
 * daemons' tables (ospf_cmds.ts, ripng_cmds.ts, ...) are merged in here.
 *
 * Must not: reach the kernel except through the session's Syscalls.
 */

import { isSysError } from '../../../util/errno.js'
import { formatIpv4, parseIpv4, prefixToMask } from '../../../wire/addr.js'
import { BGP_COMMANDS } from './bgpd/bgp_cmds.js'
import { ISIS_COMMANDS } from './isisd/isis_cmds.js'
import { KEYCHAIN_COMMANDS } from './lib/keychain.js'
import { OSPF6_COMMANDS } from './ospf6d/ospf6_cmds.js'
import { OSPF6D_VTY_PORT } from './ospf6d/ospf6_config.js'
import { OSPF_COMMANDS } from './ospfd/ospf_cmds.js'
import {
  ifConfig,
  newRipConfig,
  REDIST_SOURCES,
  type RedistSource,
  type RipConfig,
} from './ripd/rip_config.js'
import { RIPNG_COMMANDS } from './ripngd/ripng_cmds.js'
import { RIPNGD_VTY_PORT } from './ripngd/ripng_config.js'
import type { VtySession } from './vty_cmds.js'
import {
  ALL,
  type Cmd,
  CONF,
  CONFIG_NODES,
  cmd,
  EXEC,
  IF_ONLY,
  type Node,
  parsePrefix,
  RIP_ONLY,
  SHOW,
  UNSUPPORTED_ROUTERS,
  VtyError,
} from './vty_match.js'
import { showIpv6Route } from './zebra_show6.js'

export function rip(s: VtySession): RipConfig {
  return s.state.rip
}

function changed(s: VtySession): void {
  s.rip?.changed()
}

/** ripd's own commands carry its tag (they are ospfd's foreign lines). */
function ripCmd(nodes: readonly Node[], text: string, run: (s: VtySession, args: string[]) => void): Cmd {
  return cmd(nodes, text, run, 'rip')
}

const REDIST = `<${REDIST_SOURCES.join('|')}>`

function redistribute(s: VtySession, src: string, metric: number, on: boolean): void {
  const c = rip(s)
  if (on) c.redistribute.set(src as RedistSource, metric)
  else c.redistribute.delete(src as RedistSource)
  changed(s)
}

function network(s: VtySession, what: string, on: boolean): void {
  const c = rip(s)
  const p = parsePrefix(what)
  const key = p === null ? what : `${formatIpv4((p.addr & prefixToMask(p.len)) >>> 0)}/${p.len}`
  const at = c.networks.indexOf(key)
  if (on) {
    // Configuring what is there already is no change (FRR's northbound), so a saved file reloads.
    if (at < 0) c.networks.push(key)
  } else {
    if (at < 0) throw new VtyError(`Can't find network configuration`)
    c.networks.splice(at, 1)
  }
  changed(s)
}

function ipAddress(s: VtySession, text: string, on: boolean): void {
  const p = parsePrefix(text)
  if (p === null) throw new VtyError(`Malformed address: ${text}`)
  const name = s.ifName
  const addrs = s.state.ifAddrs.get(name) ?? []
  if (on) {
    const have = s.sys.ifGet(name).addrs.some((a) => a.addr === p.addr)
    if (!have) s.sys.ifAddAddr(name, p.addr, p.len, { alias: true })
    if (!addrs.includes(text)) addrs.push(text)
  } else {
    s.sys.ifDelAddr(name, p.addr)
    const at = addrs.indexOf(text)
    if (at >= 0) addrs.splice(at, 1)
  }
  s.state.ifAddrs.set(name, addrs)
  changed(s)
}

function staticRoute(s: VtySession, prefix: string, gw: string, on: boolean): void {
  const p = parsePrefix(prefix)!
  const g = parseIpv4(gw)!
  const dst = (p.addr & prefixToMask(p.len)) >>> 0
  const key = `${formatIpv4(dst)}/${p.len} ${gw}`
  const list = s.state.staticRoutes
  if (on) {
    try {
      s.sys.routeAdd({ dst, prefixLen: p.len, gateway: g, proto1: true })
    } catch (e) {
      // A route the kernel already has (an IMUNES static route set before frrboot.sh runs) keeps
      // its place: zebra ranks kernel routes (distance 0) before static ones (1), and takes the line.
      if (!isSysError(e) || e.code !== 'EEXIST') throw e
    }
    if (!list.includes(key)) list.push(key)
  } else {
    s.sys.routeDelete(dst, p.len, g)
    const at = list.indexOf(key)
    if (at >= 0) list.splice(at, 1)
  }
  changed(s)
}

export const COMMANDS: readonly Cmd[] = [
  cmd(['view'], 'enable', (s) => {
    s.node = 'enable'
  }),
  cmd(EXEC, 'configure terminal', (s) => {
    s.node = 'config'
  }),
  cmd(EXEC, 'configure', (s) => {
    s.node = 'config'
  }),
  cmd(['enable', 'view'], 'disable', (s) => {
    s.node = 'view'
  }),
  cmd(CONFIG_NODES, 'end', (s) => {
    s.node = 'enable'
  }),
  cmd(['config'], 'exit', (s) => {
    s.node = 'enable'
  }),
  cmd(['rip', 'ospf', 'ripng', 'ospf6', 'bgp', 'isis', 'interface'], 'exit', (s) => {
    s.node = 'config'
  }),
  cmd(['rip', 'ospf', 'ripng', 'ospf6', 'bgp', 'isis', 'interface'], 'quit', (s) => {
    s.node = 'config'
  }),
  cmd(EXEC, 'exit', () => {}),
  cmd(ALL, 'write terminal', (s) => {
    s.out += s.runningConfig()
  }),
  cmd(SHOW, 'show running-config', (s) => {
    s.out += s.runningConfig()
  }),
  cmd(SHOW, 'show ip route', (s) => {
    s.out += s.showIpRoute()
  }),
  cmd(SHOW, 'show ipv6 route', (s) => {
    // zebra's table, but only ospf6d (else ripngd) knows its own entries: others leave the line to it.
    const up = (port: number) => s.sys.socketList().some((x) => x.lport === port && x.state === 'LISTEN')
    const ospf6d = s.ospf6 === null && up(OSPF6D_VTY_PORT)
    if (s.inDaemon && (ospf6d || (s.ospf6 === null && s.ripng === null && up(RIPNGD_VTY_PORT)))) {
      s.foreign = true
      return
    }
    s.out += showIpv6Route(
      s.sys,
      s.ripng?.ripngRoutes() ?? new Map(),
      s.ospf6?.ospf6Routes(),
      s.isis?.isisRoutes6(),
    )
  }),
  ripCmd(SHOW, 'show ip rip', (s) => {
    s.out += s.needRip().showRip()
  }),
  ripCmd(SHOW, 'show ip rip status', (s) => {
    s.out += s.needRip().showRipStatus()
  }),
  cmd(SHOW, 'show version', (s) => {
    s.out += `FRRouting 8.4_virtnet (${s.state.hostname}).\nVirtNet's ripd, ospfd and vtysh: RIPv2 and OSPFv2 so far.\n`
  }),
  // config node
  cmd(CONF, 'hostname WORD', (s, [h]) => {
    s.state.hostname = h!
  }),
  cmd(CONF, 'frr version LINE', () => {}),
  cmd(CONF, 'frr defaults WORD', () => {}),
  cmd(CONF, 'service integrated-vtysh-config', () => {}),
  cmd(CONF, 'log LINE', () => {}),
  cmd(CONF, 'line vty', (s) => {
    s.skip()
  }),
  cmd(CONF, 'ip forwarding', (s) => {
    s.sys.sysctlSet('net.inet.ip.forwarding', '1')
  }),
  cmd(CONF, 'no ip forwarding', (s) => {
    s.sys.sysctlSet('net.inet.ip.forwarding', '0')
  }),
  cmd(CONF, 'ip route A.B.C.D/M A.B.C.D', (s, [p, g]) => staticRoute(s, p!, g!, true)),
  cmd(CONF, 'no ip route A.B.C.D/M A.B.C.D', (s, [p, g]) => staticRoute(s, p!, g!, false)),
  cmd(CONF, 'interface IFNAME', (s, [name]) => {
    s.sys.ifGet(name!)
    s.ifName = name!
    if (!s.state.ifOrder.includes(name!)) s.state.ifOrder.push(name!)
    s.node = 'interface'
  }),
  ripCmd(CONF, 'router rip', (s) => {
    if (!s.inDaemon) s.needRip()
    rip(s).enabled = true
    s.node = 'rip'
    changed(s)
  }),
  ripCmd(CONF, 'no router rip', (s) => {
    const fresh = newRipConfig()
    fresh.ifs = rip(s).ifs
    s.state.rip = fresh
    changed(s)
  }),
  cmd(CONF, `router <${UNSUPPORTED_ROUTERS.join('|')}>`, (s, [p]) => {
    s.skip()
    throw new VtyError(`router ${p}: not supported yet (VirtNet has ripd and ospfd only); block ignored`)
  }),
  cmd(CONF, `router openfabric LINE`, (s) => {
    s.skip()
    throw new VtyError(
      `router openfabric: not supported yet (VirtNet has ripd and ospfd only); block ignored`,
    )
  }),
  // interface node (zebra's and ripd's)
  cmd(IF_ONLY, 'ip address A.B.C.D/M', (s, [a]) => ipAddress(s, a!, true)),
  cmd(IF_ONLY, 'no ip address A.B.C.D/M', (s, [a]) => ipAddress(s, a!, false)),
  cmd(IF_ONLY, 'ipv6 address WORD', () => {}),
  cmd(IF_ONLY, 'description LINE', (s, [d]) => {
    s.sys.ifSetDescription(s.ifName, d!)
  }),
  cmd(IF_ONLY, 'shutdown', (s) => {
    s.sys.ifSetUp(s.ifName, false)
  }),
  cmd(IF_ONLY, 'no shutdown', (s) => {
    s.sys.ifSetUp(s.ifName, true)
  }),
  ripCmd(IF_ONLY, 'ip rip split-horizon', (s) => {
    const i = ifConfig(rip(s), s.ifName)
    i.splitHorizon = true
    i.poison = false
    changed(s)
  }),
  ripCmd(IF_ONLY, 'ip rip split-horizon poisoned-reverse', (s) => {
    const i = ifConfig(rip(s), s.ifName)
    i.splitHorizon = true
    i.poison = true
    changed(s)
  }),
  ripCmd(IF_ONLY, 'no ip rip split-horizon', (s) => {
    ifConfig(rip(s), s.ifName).splitHorizon = false
    changed(s)
  }),
  ripCmd(IF_ONLY, 'no ip rip split-horizon poisoned-reverse', (s) => {
    ifConfig(rip(s), s.ifName).poison = false
    changed(s)
  }),
  cmd(IF_ONLY, `<ip|ipv6> router LINE`, () => {
    throw new VtyError(`router: not supported yet (VirtNet has ripd, ripngd, ospfd and ospf6d only)`)
  }),
  // router rip node
  ripCmd(RIP_ONLY, 'network A.B.C.D/M', (s, [p]) => network(s, p!, true)),
  ripCmd(RIP_ONLY, 'no network A.B.C.D/M', (s, [p]) => network(s, p!, false)),
  ripCmd(RIP_ONLY, 'network WORD', (s, [p]) => network(s, p!, true)),
  ripCmd(RIP_ONLY, 'no network WORD', (s, [p]) => network(s, p!, false)),
  ripCmd(RIP_ONLY, `redistribute ${REDIST}`, (s, [src]) => redistribute(s, src!, 0, true)),
  ripCmd(RIP_ONLY, `redistribute ${REDIST} metric (0-16)`, (s, [src, m]) =>
    redistribute(s, src!, Number(m), true),
  ),
  ripCmd(RIP_ONLY, `no redistribute ${REDIST}`, (s, [src]) => redistribute(s, src!, 0, false)),
  ripCmd(RIP_ONLY, 'passive-interface IFNAME', (s, [i]) => {
    rip(s).passive.add(i!)
    changed(s)
  }),
  ripCmd(RIP_ONLY, 'no passive-interface IFNAME', (s, [i]) => {
    rip(s).passive.delete(i!)
    changed(s)
  }),
  ripCmd(RIP_ONLY, 'version (1-2)', (s, [v]) => {
    if (v === '1') throw new VtyError('version 1: not supported yet (VirtNet sends RIPv2; it accepts v1)')
    rip(s).version = 2
  }),
  ripCmd(RIP_ONLY, 'no version', (s) => {
    rip(s).version = null
  }),
  ripCmd(RIP_ONLY, 'default-information originate', (s) => {
    rip(s).defaultOriginate = true
    changed(s)
  }),
  ripCmd(RIP_ONLY, 'no default-information originate', (s) => {
    rip(s).defaultOriginate = false
    changed(s)
  }),
  ripCmd(RIP_ONLY, 'default-metric (1-16)', (s, [m]) => {
    rip(s).defaultMetric = Number(m)
    changed(s)
  }),
  ripCmd(RIP_ONLY, 'neighbor A.B.C.D', (s, [a]) => {
    const n = parseIpv4(a!)!
    if (!rip(s).neighbors.includes(n)) rip(s).neighbors.push(n)
  }),
  ripCmd(RIP_ONLY, 'no neighbor A.B.C.D', (s, [a]) => {
    const n = parseIpv4(a!)!
    rip(s).neighbors = rip(s).neighbors.filter((x) => x !== n)
  }),
  ripCmd(RIP_ONLY, 'timers basic (5-2147483647) (5-2147483647) (5-2147483647)', (s, [u, t, g]) => {
    rip(s).timers = { update: Number(u), timeout: Number(t), garbage: Number(g) }
    changed(s)
  }),
  ...OSPF_COMMANDS.map((c) => cmd(c.nodes, c.text, c.run, c.proto)),
  ...RIPNG_COMMANDS.map((c) => cmd(c.nodes, c.text, c.run, c.proto)),
  ...OSPF6_COMMANDS.map((c) => cmd(c.nodes, c.text, c.run, c.proto)),
  ...BGP_COMMANDS.map((c) => cmd(c.nodes, c.text, c.run, c.proto)),
  ...ISIS_COMMANDS.map((c) => cmd(c.nodes, c.text, c.run, c.proto)),
  ...KEYCHAIN_COMMANDS.map((c) => cmd(c.nodes, c.text, c.run)),
]

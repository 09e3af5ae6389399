/**
 * bgpd's commands in FRR's language: `router bgp AS` and its node (`bgp router-id`, `neighbor ...`,
 * `network`, `redistribute`, `timers bgp`, the `address-family ipv4 unicast` sub-node, the
 * compatibility no-ops older configurations carry such as `no synchronization`), and `show ip bgp`,
 * `show ip bgp summary`, `show ip bgp neighbors`, `clear ip bgp`. vty_cmds.ts parses them with its
 * own; each edits the session's BgpConfig and tells bgpd.
 *
 * Must not: import vty_cmds.ts at run time (it imports this list), or reach the kernel.
 */

import { maskToPrefix, parseIpv4 } from '../../../../wire/addr.js'
import type { CmdSpec, Node, VtySession } from '../vty_cmds.js'
import {
  BGP_REDIST_SOURCES,
  type BgpConfig,
  type BgpNeighborConfig,
  maskedNetwork,
  newBgpConfig,
  newNeighbor,
} from './bgp_config.js'

const BGP: readonly Node[] = ['bgp']
const AF: readonly Node[] = ['bgp-af']
const BOTH: readonly Node[] = ['bgp', 'bgp-af']
const SHOW: readonly Node[] = ['view', 'enable', 'config', 'rip', 'ospf', 'interface', 'bgp', 'bgp-af']
const EXEC: readonly Node[] = ['view', 'enable']
const REDIST = `<${BGP_REDIST_SOURCES.join('|')}>`
const ASN = '(1-4294967295)'

function cfg(s: VtySession): BgpConfig {
  return s.state.bgp
}

function changed(s: VtySession): void {
  s.bgp?.changed()
}

function spec(nodes: readonly Node[], text: string, run: (s: VtySession, args: string[]) => void): CmdSpec {
  return { nodes, text, run, proto: 'bgp' }
}

/** The neighbour or peer group a `neighbor WORD ...` line names (a group must exist, as FRR asks). */
function target(s: VtySession, name: string, create: boolean): BgpNeighborConfig {
  const c = cfg(s)
  const a = parseIpv4(name)
  if (a === null) {
    const g = c.groups.get(name)
    if (g === undefined) s.fail('Create the peer-group or interface first')
    return g
  }
  let n = c.neighbors.get(a >>> 0)
  if (n === undefined) {
    if (!create) s.fail('Specify remote-as or peer-group commands first')
    n = newNeighbor(a >>> 0)
    c.neighbors.set(a >>> 0, n)
  }
  return n
}

function existing(s: VtySession, name: string): BgpNeighborConfig {
  return target(s, name, false)
}

function set(s: VtySession, name: string, f: (n: BgpNeighborConfig) => void): void {
  f(existing(s, name))
  changed(s)
}

function network(s: VtySession, addr: string, len: number, on: boolean): void {
  const a = parseIpv4(addr)
  if (a === null || len < 0) s.fail(`Inconsistent address and mask`)
  const n = maskedNetwork(a, len)
  const c = cfg(s)
  const at = c.networks.findIndex((x) => x.addr === n.addr && x.len === n.len)
  if (on && at < 0) c.networks.push(n)
  if (!on) {
    if (at < 0) s.fail(`Can't find static route specified`)
    c.networks.splice(at, 1)
  }
  changed(s)
}

/** FRR's classful length for `network A.B.C.D` without a mask. */
function classful(addr: string): number {
  const a = parseIpv4(addr) ?? 0
  const top = a >>> 24
  return top < 128 ? 8 : top < 192 ? 16 : 24
}

function remoteAs(s: VtySession, name: string, as: string): void {
  const c = cfg(s)
  const n = target(s, name, true)
  const v = as === 'internal' || as === 'external' ? as : Number(as)
  if (n.peerGroup !== null && typeof v === 'number') {
    const g = c.groups.get(n.peerGroup)
    if (g !== undefined && g.remoteAs !== null && g.remoteAs !== v)
      s.fail('Peer-group member cannot override remote-as of peer-group')
  }
  n.remoteAs = v
  changed(s)
}

function neighborCmds(nodes: readonly Node[]): CmdSpec[] {
  return [
    spec(nodes, 'neighbor WORD next-hop-self', (s, [n]) => set(s, n!, (x) => (x.nextHopSelf = true))),
    spec(nodes, 'no neighbor WORD next-hop-self', (s, [n]) => set(s, n!, (x) => (x.nextHopSelf = false))),
    spec(nodes, 'neighbor WORD maximum-prefix (1-4294967295)', (s, [n, m]) =>
      set(s, n!, (x) => {
        x.maxPrefix = Number(m)
        x.maxPrefixWarnOnly = false
      }),
    ),
    spec(nodes, 'neighbor WORD maximum-prefix (1-4294967295) warning-only', (s, [n, m]) =>
      set(s, n!, (x) => {
        x.maxPrefix = Number(m)
        x.maxPrefixWarnOnly = true
      }),
    ),
    spec(nodes, 'no neighbor WORD maximum-prefix', (s, [n]) => set(s, n!, (x) => (x.maxPrefix = null))),
    spec(nodes, 'neighbor WORD weight (0-65535)', (s, [n, w]) => set(s, n!, (x) => (x.weight = Number(w)))),
    spec(nodes, 'no neighbor WORD weight', (s, [n]) => set(s, n!, (x) => (x.weight = null))),
    spec(nodes, 'neighbor WORD activate', (s, [n]) => {
      existing(s, n!)
    }),
    spec(nodes, 'neighbor WORD soft-reconfiguration inbound', (s, [n]) => {
      existing(s, n!)
    }),
  ]
}

function afCmds(nodes: readonly Node[]): CmdSpec[] {
  return [
    spec(nodes, 'network A.B.C.D/M', (s, [p]) => {
      const [a, l] = p!.split('/')
      network(s, a!, Number(l), true)
    }),
    spec(nodes, 'no network A.B.C.D/M', (s, [p]) => {
      const [a, l] = p!.split('/')
      network(s, a!, Number(l), false)
    }),
    spec(nodes, 'network A.B.C.D mask A.B.C.D', (s, [a, m]) => {
      const len = maskToPrefix(parseIpv4(m!)!)
      if (len < 0) s.fail(`Inconsistent address and mask`)
      network(s, a!, len, true)
    }),
    spec(nodes, 'no network A.B.C.D mask A.B.C.D', (s, [a, m]) =>
      network(s, a!, maskToPrefix(parseIpv4(m!)!), false),
    ),
    spec(nodes, 'network A.B.C.D', (s, [a]) => network(s, a!, classful(a!), true)),
    spec(nodes, 'no network A.B.C.D', (s, [a]) => network(s, a!, classful(a!), false)),
    spec(nodes, `redistribute ${REDIST}`, (s, [src]) => {
      cfg(s).redistribute.set(src!, { metric: null })
      changed(s)
    }),
    spec(nodes, `redistribute ${REDIST} metric (0-4294967295)`, (s, [src, m]) => {
      cfg(s).redistribute.set(src!, { metric: Number(m) })
      changed(s)
    }),
    spec(nodes, `no redistribute ${REDIST}`, (s, [src]) => {
      cfg(s).redistribute.delete(src!)
      changed(s)
    }),
    ...neighborCmds(nodes),
  ]
}

export const BGP_COMMANDS: readonly CmdSpec[] = [
  spec(['config'], `router bgp ${ASN}`, (s, [as]) => {
    if (!s.inDaemon) s.needBgp()
    const c = cfg(s)
    if (c.as !== null && c.as !== Number(as)) s.fail(`BGP instance is already running; AS is ${c.as}`)
    c.as = Number(as)
    s.node = 'bgp'
    changed(s)
  }),
  spec(['config'], 'router bgp', (s) => {
    if (!s.inDaemon) s.needBgp()
    if (cfg(s).as === null) s.fail('Please specify ASN and VRF')
    s.node = 'bgp'
  }),
  spec(['config'], `no router bgp ${ASN}`, (s, [as]) => {
    const c = cfg(s)
    if (c.as !== Number(as)) s.fail(`Can't find BGP instance`)
    s.state.bgp = newBgpConfig()
    changed(s)
  }),
  spec(['config'], 'no router bgp', (s) => {
    s.state.bgp = newBgpConfig()
    changed(s)
  }),
  spec(BGP, 'bgp router-id A.B.C.D', (s, [id]) => {
    cfg(s).routerId = parseIpv4(id!)! >>> 0
    changed(s)
  }),
  spec(BGP, 'no bgp router-id', (s) => {
    cfg(s).routerId = null
    changed(s)
  }),
  spec(BGP, 'no bgp router-id A.B.C.D', (s) => {
    cfg(s).routerId = null
    changed(s)
  }),
  spec(BGP, 'bgp ebgp-requires-policy', (s) => {
    cfg(s).ebgpRequiresPolicy = true
    changed(s)
  }),
  spec(BGP, 'no bgp ebgp-requires-policy', (s) => {
    cfg(s).ebgpRequiresPolicy = false
    changed(s)
  }),
  spec(BGP, 'bgp network import-check', (s) => {
    cfg(s).importCheck = true
    changed(s)
  }),
  spec(BGP, 'no bgp network import-check', (s) => {
    cfg(s).importCheck = false
    changed(s)
  }),
  spec(BGP, 'bgp default local-preference (0-4294967295)', (s, [n]) => {
    cfg(s).localPref = Number(n)
    changed(s)
  }),
  spec(BGP, 'no bgp default local-preference', (s) => {
    cfg(s).localPref = 100
    changed(s)
  }),
  spec(BGP, 'timers bgp (0-65535) (0-65535)', (s, [k, h]) => {
    const hold = Number(h)
    if (hold !== 0 && hold < 3) s.fail('hold time value must be either 0 or greater than 3')
    cfg(s).timers = { keepalive: Number(k), hold }
    changed(s)
  }),
  // What Quagga-era configurations carry; FRR accepts them and does nothing.
  spec(BGP, '<no> <synchronization|auto-summary>', (s, [, w]) => {
    const line = `no ${w}`
    if (!cfg(s).compat.includes(line)) cfg(s).compat.push(line)
  }),
  spec(BGP, 'bgp log-neighbor-changes', () => {}),
  spec(BGP, 'no bgp log-neighbor-changes', () => {}),
  spec(BGP, 'no bgp default ipv4-unicast', () => {}),
  spec(BGP, `neighbor WORD remote-as ${ASN}`, (s, [n, as]) => remoteAs(s, n!, as!)),
  spec(BGP, 'neighbor WORD remote-as <internal|external>', (s, [n, as]) => remoteAs(s, n!, as!)),
  spec(BGP, 'neighbor WORD peer-group', (s, [name]) => {
    if (parseIpv4(name!) !== null) s.fail('% Invalid peer-group name')
    const c = cfg(s)
    if (!c.groups.has(name!)) c.groups.set(name!, newNeighbor(0))
  }),
  spec(BGP, 'neighbor A.B.C.D peer-group WORD', (s, [n, g]) => {
    const c = cfg(s)
    if (!c.groups.has(g!)) s.fail('Configure the peer-group first')
    target(s, n!, true).peerGroup = g!
    changed(s)
  }),
  spec(BGP, 'no neighbor WORD', (s, [n]) => {
    const c = cfg(s)
    const a = parseIpv4(n!)
    if (a === null) {
      if (!c.groups.delete(n!)) s.fail('Create the peer-group or interface first')
      for (const x of c.neighbors.values()) if (x.peerGroup === n) x.peerGroup = null
    } else if (!c.neighbors.delete(a >>> 0)) s.fail('Specify remote-as or peer-group commands first')
    changed(s)
  }),
  spec(BGP, `no neighbor WORD remote-as ${ASN}`, (s, [n]) => {
    const a = parseIpv4(n!)
    if (a === null || !cfg(s).neighbors.delete(a >>> 0))
      s.fail('Specify remote-as or peer-group commands first')
    changed(s)
  }),
  spec(BGP, 'neighbor WORD description LINE', (s, [n, d]) => set(s, n!, (x) => (x.description = d!))),
  spec(BGP, 'no neighbor WORD description', (s, [n]) => set(s, n!, (x) => (x.description = null))),
  spec(BGP, 'neighbor WORD update-source WORD', (s, [n, src]) => set(s, n!, (x) => (x.updateSource = src!))),
  spec(BGP, 'no neighbor WORD update-source', (s, [n]) => set(s, n!, (x) => (x.updateSource = null))),
  spec(BGP, 'neighbor WORD ebgp-multihop', (s, [n]) => set(s, n!, (x) => (x.ebgpMultihop = 255))),
  spec(BGP, 'neighbor WORD ebgp-multihop (1-255)', (s, [n, h]) =>
    set(s, n!, (x) => (x.ebgpMultihop = Number(h))),
  ),
  spec(BGP, 'no neighbor WORD ebgp-multihop', (s, [n]) => set(s, n!, (x) => (x.ebgpMultihop = null))),
  spec(BGP, 'neighbor WORD timers (0-65535) (0-65535)', (s, [n, k, h]) => {
    const hold = Number(h)
    if (hold !== 0 && hold < 3) s.fail('hold time value must be either 0 or greater than 3')
    set(s, n!, (x) => (x.timers = { keepalive: Number(k), hold }))
  }),
  spec(BGP, 'no neighbor WORD timers', (s, [n]) => set(s, n!, (x) => (x.timers = null))),
  spec(BGP, 'neighbor WORD shutdown', (s, [n]) => set(s, n!, (x) => (x.shutdown = true))),
  spec(BGP, 'no neighbor WORD shutdown', (s, [n]) => set(s, n!, (x) => (x.shutdown = false))),
  spec(BGP, 'address-family ipv4 unicast', (s) => {
    s.node = 'bgp-af'
  }),
  spec(BGP, 'address-family ipv4', (s) => {
    s.node = 'bgp-af'
  }),
  spec(AF, 'exit-address-family', (s) => {
    s.node = 'bgp'
  }),
  spec(AF, 'exit', (s) => {
    s.node = 'bgp'
  }),
  ...afCmds(BOTH),
  // show
  spec(SHOW, 'show ip bgp', (s) => {
    s.out += s.needBgp().showBgp()
  }),
  spec(SHOW, 'show bgp ipv4 unicast', (s) => {
    s.out += s.needBgp().showBgp()
  }),
  spec(SHOW, 'show ip bgp summary', (s) => {
    s.out += s.needBgp().showSummary()
  }),
  spec(SHOW, 'show bgp summary', (s) => {
    s.out += s.needBgp().showSummary()
  }),
  spec(SHOW, 'show bgp ipv4 unicast summary', (s) => {
    s.out += s.needBgp().showSummary()
  }),
  spec(SHOW, 'show ip bgp neighbors', (s) => {
    s.out += s.needBgp().showNeighbors(null)
  }),
  spec(SHOW, 'show ip bgp neighbors A.B.C.D', (s, [a]) => {
    s.out += s.needBgp().showNeighbors(parseIpv4(a!)! >>> 0)
  }),
  spec(EXEC, 'clear ip bgp *', (s) => {
    s.out += s.needBgp().clear(null)
  }),
  spec(EXEC, 'clear bgp *', (s) => {
    s.out += s.needBgp().clear(null)
  }),
  spec(EXEC, 'clear ip bgp A.B.C.D', (s, [a]) => {
    s.out += s.needBgp().clear(parseIpv4(a!)! >>> 0)
  }),
]

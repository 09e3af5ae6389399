/**
 * ospfd's commands in FRR's language: `router ospf` and its node (`ospf router-id`, `network A/L area
 * X`, `redistribute`, `passive-interface`, `max-lsa`, `area X virtual-link` (its authentication in
 * ospf_vlink_auth.ts; stub areas and NSSAs in areas/ospf_area_cmds.ts), `area X authentication
 * [message-digest]`), the interface's `ip ospf ...` settings (appendix D's `authentication`,
 * `authentication-key`, `message-digest-key` among them), and `show ip ospf [neighbor|route|database|interface]`. vty_cmds.ts parses them with its own; each
 * edits the session's OspfConfig and tells ospfd.
 *
 * Must not: import vty_cmds.ts at run time (it imports this list), or reach the kernel.
 */

import { formatIpv4, parseIpv4, prefixToMask } from '../../../../wire/addr.js'
import type { CmdSpec, Node, VtySession } from '../vty_cmds.js'
import { OSPF_AREA_COMMANDS } from './areas/ospf_area_cmds.js'
import { type OspfConfig, type OspfIfConfig, ospfIfConfig, parseAreaId } from './ospf_config.js'
import { OSPF_VLINK_AUTH_COMMANDS } from './ospf_vlink_auth.js'

const OSPF_NODE: readonly Node[] = ['ospf']
const IF_NODE: readonly Node[] = ['interface']
const SHOW: readonly Node[] = ['view', 'enable', 'config', 'rip', 'ospf', 'interface']
const AREA = 'WORD'
const REDIST = '<connected|static|kernel|rip|bgp|isis|babel|eigrp|openfabric|table>'

function cfg(s: VtySession): OspfConfig {
  return s.state.ospf
}

function changed(s: VtySession): void {
  s.ospf?.changed()
}

function area(s: VtySession, text: string): number {
  const a = parseAreaId(text)
  if (a === null) s.fail(`Invalid area ID: ${text}`)
  return a
}

function network(s: VtySession, prefix: string, areaText: string, on: boolean): void {
  const [a, l] = prefix.split('/')
  const len = Number(l)
  const addr = (parseIpv4(a!)! & prefixToMask(len)) >>> 0
  const id = area(s, areaText)
  const c = cfg(s)
  const at = c.networks.findIndex((n) => n.addr === addr && n.len === len)
  if (on) {
    if (at >= 0 && c.networks[at]!.area !== id) s.fail(`There is already same network statement.`)
    if (at < 0) c.networks.push({ addr, len, area: id, areaText })
  } else {
    if (at < 0) s.fail(`Can't find specified network area configuration.`)
    c.networks.splice(at, 1)
  }
  changed(s)
}

/** `area X virtual-link A.B.C.D` (RFC 2328 §15): X is the transit area, never the backbone. */
function vlink(s: VtySession, areaText: string, peerText: string, on: boolean): void {
  const id = area(s, areaText)
  const peer = parseIpv4(peerText)!
  if (id === 0) s.fail('Configuring VLs over the backbone is not allowed')
  const c = cfg(s)
  // RFC 2328 §15: never through a stub area (or an NSSA).
  const kind = c.areaTypes.get(id)?.kind
  if (on && kind !== undefined) s.fail(`Area ${areaText} is ${kind}`)
  const at = c.vlinks.findIndex((v) => v.area === id && v.peer === peer)
  if (on && at < 0) c.vlinks.push({ area: id, areaText, peer })
  else if (!on) {
    if (at < 0) s.fail('Virtual link does not exist')
    c.vlinks.splice(at, 1)
  }
  changed(s)
}

function redistribute(s: VtySession, src: string, metric: number | null, type: 1 | 2, on: boolean): void {
  if (on) cfg(s).redistribute.set(src, { metric, metricType: type })
  else cfg(s).redistribute.delete(src)
  changed(s)
}

function ifSet<K extends keyof OspfIfConfig>(
  s: VtySession,
  key: K,
  value: OspfIfConfig[K] | undefined,
): void {
  const i = ospfIfConfig(cfg(s), s.ifName)
  if (value === undefined) delete i[key]
  else i[key] = value
  changed(s)
}

function noAuth(s: VtySession): void {
  delete ospfIfConfig(cfg(s), s.ifName).keychain
  ifSet(s, 'auth', undefined)
}

function areaAuth(s: VtySession, text: string, type: 1 | 2 | null): void {
  const id = area(s, text)
  if (type === null) cfg(s).areaAuth.delete(id)
  else cfg(s).areaAuth.set(id, { text, type })
  changed(s)
}

/** `ip ospf message-digest-key N md5 KEY` (FRR refuses a key id that is there, or not there for `no`). */
function mdKey(s: VtySession, id: number, key: string | null): void {
  const i = ospfIfConfig(cfg(s), s.ifName)
  const keys = i.mdKeys ?? []
  const at = keys.findIndex((k) => k.id === id)
  if (key !== null) {
    if (at >= 0) s.fail(`OSPF: Key ${id} already exists`)
    keys.push({ id, key: key.slice(0, 16) })
  } else {
    if (at < 0) s.fail(`OSPF: Key ${id} does not exist`)
    keys.splice(at, 1)
  }
  if (keys.length > 0) i.mdKeys = keys
  else delete i.mdKeys
  changed(s)
}

function spec(nodes: readonly Node[], text: string, run: (s: VtySession, args: string[]) => void): CmdSpec {
  return { nodes, text, run, proto: 'ospf' }
}

export const OSPF_COMMANDS: readonly CmdSpec[] = [
  ...OSPF_VLINK_AUTH_COMMANDS,
  ...OSPF_AREA_COMMANDS,
  spec(['config'], 'router ospf', (s) => {
    if (!s.inDaemon) s.needOspf()
    cfg(s).enabled = true
    s.node = 'ospf'
    changed(s)
  }),
  spec(['config'], 'no router ospf', (s) => {
    const c = cfg(s)
    c.enabled = false
    c.routerId = null
    c.networks = []
    c.redistribute.clear()
    c.passive.clear()
    c.maxLsa = null
    c.vlinks = []
    c.areaAuth.clear()
    c.areaTypes.clear()
    changed(s)
  }),
  spec(OSPF_NODE, 'ospf router-id A.B.C.D', (s, [id]) => {
    cfg(s).routerId = parseIpv4(id!)!
    changed(s)
  }),
  // The older spelling the IMUNES RFC lab's custom configurations use.
  spec(OSPF_NODE, 'router-id A.B.C.D', (s, [id]) => {
    cfg(s).routerId = parseIpv4(id!)!
    changed(s)
  }),
  spec(OSPF_NODE, 'no ospf router-id', (s) => {
    cfg(s).routerId = null
    changed(s)
  }),
  spec(OSPF_NODE, `network A.B.C.D/M area ${AREA}`, (s, [p, a]) => network(s, p!, a!, true)),
  spec(OSPF_NODE, `no network A.B.C.D/M area ${AREA}`, (s, [p, a]) => network(s, p!, a!, false)),
  spec(OSPF_NODE, `redistribute ${REDIST}`, (s, [src]) => redistribute(s, src!, null, 2, true)),
  spec(OSPF_NODE, `redistribute ${REDIST} metric (0-16777214)`, (s, [src, m]) =>
    redistribute(s, src!, Number(m), 2, true),
  ),
  spec(OSPF_NODE, `redistribute ${REDIST} metric-type (1-2)`, (s, [src, t]) =>
    redistribute(s, src!, null, t === '1' ? 1 : 2, true),
  ),
  spec(OSPF_NODE, `redistribute ${REDIST} metric (0-16777214) metric-type (1-2)`, (s, [src, m, t]) =>
    redistribute(s, src!, Number(m), t === '1' ? 1 : 2, true),
  ),
  spec(OSPF_NODE, `no redistribute ${REDIST}`, (s, [src]) => redistribute(s, src!, null, 2, false)),
  spec(OSPF_NODE, 'passive-interface IFNAME', (s, [i]) => {
    cfg(s).passive.add(i!)
    changed(s)
  }),
  spec(OSPF_NODE, 'no passive-interface IFNAME', (s, [i]) => {
    cfg(s).passive.delete(i!)
    changed(s)
  }),
  spec(OSPF_NODE, 'max-lsa (1-4294967295)', (s, [n]) => {
    cfg(s).maxLsa = Number(n)
    changed(s)
  }),
  spec(OSPF_NODE, 'no max-lsa', (s) => {
    cfg(s).maxLsa = null
    changed(s)
  }),
  spec(OSPF_NODE, `area ${AREA} virtual-link A.B.C.D`, (s, [a, p]) => vlink(s, a!, p!, true)),
  spec(OSPF_NODE, `no area ${AREA} virtual-link A.B.C.D`, (s, [a, p]) => vlink(s, a!, p!, false)),
  spec(OSPF_NODE, `area ${AREA} authentication`, (s, [a]) => areaAuth(s, a!, 1)),
  spec(OSPF_NODE, `area ${AREA} authentication message-digest`, (s, [a]) => areaAuth(s, a!, 2)),
  spec(OSPF_NODE, `no area ${AREA} authentication`, (s, [a]) => areaAuth(s, a!, null)),
  spec(OSPF_NODE, 'log-adjacency-changes', () => {}),
  spec(OSPF_NODE, 'log-adjacency-changes detail', () => {}),
  spec(OSPF_NODE, 'auto-cost reference-bandwidth (1-4294967)', () => {}),
  // interface node
  spec(IF_NODE, 'ip ospf cost (1-65535)', (s, [c]) => ifSet(s, 'cost', Number(c))),
  spec(IF_NODE, 'no ip ospf cost', (s) => ifSet(s, 'cost', undefined)),
  spec(IF_NODE, 'ip ospf hello-interval (1-65535)', (s, [c]) => ifSet(s, 'hello', Number(c))),
  spec(IF_NODE, 'no ip ospf hello-interval', (s) => ifSet(s, 'hello', undefined)),
  spec(IF_NODE, 'ip ospf dead-interval (1-65535)', (s, [c]) => ifSet(s, 'dead', Number(c))),
  spec(IF_NODE, 'no ip ospf dead-interval', (s) => ifSet(s, 'dead', undefined)),
  spec(IF_NODE, 'ip ospf retransmit-interval (1-65535)', (s, [c]) => ifSet(s, 'retransmit', Number(c))),
  spec(IF_NODE, 'no ip ospf retransmit-interval', (s) => ifSet(s, 'retransmit', undefined)),
  spec(IF_NODE, 'ip ospf priority (0-255)', (s, [c]) => ifSet(s, 'priority', Number(c))),
  spec(IF_NODE, 'no ip ospf priority', (s) => ifSet(s, 'priority', undefined)),
  spec(IF_NODE, 'ip ospf network <point-to-point|broadcast>', (s, [t]) =>
    ifSet(s, 'network', t as 'point-to-point' | 'broadcast'),
  ),
  spec(IF_NODE, 'no ip ospf network', (s) => ifSet(s, 'network', undefined)),
  spec(IF_NODE, `ip ospf area ${AREA}`, (s, [a]) => ifSet(s, 'area', { text: a!, id: area(s, a!) })),
  spec(IF_NODE, 'no ip ospf area', (s) => ifSet(s, 'area', undefined)),
  // RFC 2328 appendix D: AuType per interface (over the area's), its password and MD5 keys.
  spec(IF_NODE, 'ip ospf authentication', (s) => ifSet(s, 'auth', 'simple')),
  spec(IF_NODE, 'ip ospf authentication <null|message-digest>', (s, [t]) =>
    ifSet(s, 'auth', t as 'null' | 'message-digest'),
  ),
  spec(IF_NODE, 'ip ospf authentication key-chain WORD', (s, [k]) => {
    ospfIfConfig(cfg(s), s.ifName).keychain = k!
    ifSet(s, 'auth', 'key-chain')
  }),
  spec(IF_NODE, 'no ip ospf authentication', (s) => noAuth(s)),
  spec(IF_NODE, 'no ip ospf authentication <null|message-digest>', (s) => noAuth(s)),
  spec(IF_NODE, 'no ip ospf authentication key-chain WORD', (s) => noAuth(s)),
  // FRR keeps the first 8 characters of a simple password, the first 16 of an MD5 key.
  spec(IF_NODE, 'ip ospf authentication-key WORD', (s, [k]) => ifSet(s, 'authKey', k!.slice(0, 8))),
  spec(IF_NODE, 'no ip ospf authentication-key', (s) => ifSet(s, 'authKey', undefined)),
  spec(IF_NODE, 'no ip ospf authentication-key WORD', (s) => ifSet(s, 'authKey', undefined)),
  spec(IF_NODE, 'ip ospf message-digest-key (1-255) md5 WORD', (s, [id, k]) => mdKey(s, Number(id), k!)),
  spec(IF_NODE, 'no ip ospf message-digest-key (1-255)', (s, [id]) => mdKey(s, Number(id), null)),
  spec(IF_NODE, 'no ip ospf message-digest-key (1-255) md5 WORD', (s, [id]) => mdKey(s, Number(id), null)),
  // show
  spec(SHOW, 'show ip ospf', (s) => {
    s.out += s.needOspf().showOspf()
  }),
  spec(SHOW, 'show ip ospf neighbor', (s) => {
    s.out += s.needOspf().showNeighbor(false)
  }),
  spec(SHOW, 'show ip ospf neighbor detail', (s) => {
    s.out += s.needOspf().showNeighbor(true)
  }),
  spec(SHOW, 'show ip ospf route', (s) => {
    s.out += s.needOspf().showRoute()
  }),
  spec(SHOW, 'show ip ospf database', (s) => {
    s.out += s.needOspf().showDatabase()
  }),
  spec(SHOW, 'show ip ospf interface', (s) => {
    s.out += s.needOspf().showInterface(null)
  }),
  spec(SHOW, 'show ip ospf interface IFNAME', (s, [i]) => {
    s.out += s.needOspf().showInterface(i!)
  }),
]

/** For messages: an area id the way FRR prints it (dotted). */
export function areaText(id: number): string {
  return formatIpv4(id)
}

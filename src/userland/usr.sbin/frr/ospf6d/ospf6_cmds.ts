/**
 * ospf6d's commands in FRR's language (RFC 7166's `ipv6 ospf6 authentication` among the interface's): `router ospf6` and its node (`ospf6 router-id`, Quagga's
 * `router-id`, ` interface IF area A`, `area A range P`, `area A stub|nssa [no-summary]`,
 * `area A virtual-link R`, `redistribute`,
 * `max-lsa`), the interface's
 * `ipv6 ospf6 ...` settings (area, cost, timers, priority, network type, passive), and `show ipv6
 * ospf6 [neighbor|route|database|interface]`. FRR's parser takes a unique prefix of a keyword, so
 * `show ipv6 ospf route` (IMUNES's test script) is `show ipv6 ospf6 route` there and here.
 * vty_cmds.ts parses them with its own; each edits the session's Ospf6Config and tells ospf6d.
 *
 * Must not: import vty_cmds.ts at run time (it imports this list), or reach the kernel.
 */

import { parseIpv4 } from '../../../../wire/addr.js'
import { formatIpv6, in6Masked, parseIpv6 } from '../../../../wire/inet6/in6_addr.js'
import type { Ospf6HashAlgo } from '../../../../wire/routing/ospf6_auth.js'
import { parseAreaId } from '../ospfd/ospf_config.js'
import type { CmdSpec, Node, VtySession } from '../vty_cmds.js'
import {
  newOspf6Config,
  type Ospf6AreaType,
  type Ospf6Config,
  type Ospf6IfConfig,
  ospf6IfConfig,
} from './ospf6_config.js'
import type { Nssa6Range } from './ospf6_nssa_range.js'

const OSPF6_NODE: readonly Node[] = ['ospf6']
const IF_NODE: readonly Node[] = ['interface']
const SHOW: readonly Node[] = ['view', 'enable', 'config', 'rip', 'ospf', 'ripng', 'ospf6', 'interface']
const REDIST = '<connected|static|kernel|ripng|bgp|isis|babel|table>'

function cfg(s: VtySession): Ospf6Config {
  return s.state.ospf6
}

function changed(s: VtySession): void {
  s.ospf6?.changed()
}

function area(s: VtySession, text: string): { text: string; id: number } {
  const a = parseAreaId(text)
  if (a === null) s.fail(`Invalid area ID: ${text}`)
  return { text, id: a }
}

function ifSet<K extends keyof Ospf6IfConfig>(
  s: VtySession,
  key: K,
  value: Ospf6IfConfig[K] | undefined,
): void {
  const i = ospf6IfConfig(cfg(s), s.ifName)
  if (value === undefined) delete i[key]
  else i[key] = value
  changed(s)
}

function redistribute(s: VtySession, src: string, metric: number | null, type: 1 | 2, on: boolean): void {
  if (on) cfg(s).redistribute.set(src, { metric, metricType: type })
  else cfg(s).redistribute.delete(src)
  changed(s)
}

function range(s: VtySession, a: string, p: string, advertise: boolean, on: boolean): void {
  area(s, a)
  const slash = p.indexOf('/')
  const addr = slash < 0 ? null : parseIpv6(p.slice(0, slash))
  const len = Number(p.slice(slash + 1))
  if (addr === null || !Number.isInteger(len) || len < 0 || len > 128) s.fail(`Malformed argument: ${p}`)
  const prefix = `${formatIpv6(in6Masked(addr, len))}/${len}`
  const c = cfg(s)
  c.ranges = c.ranges.filter((r) => !(r.areaText === a && r.prefix === prefix))
  if (on) c.ranges.push({ areaText: a, prefix, advertise })
  changed(s)
}

/**
 * `area X stub|nssa [no-summary]` and their `no` forms, as FRR 8.4's ospf6d takes them: the last
 * kind set wins, `no area X stub no-summary` takes the stub away altogether, and `no` of the other
 * kind changes nothing. Refused for the backbone (RFC 2328 §3.6, RFC 3101 §1.3; ospfd's message —
 * FRR 8.4's ospf6d takes it and breaks the backbone) and for a virtual link's transit area (§15).
 */
function areaType(
  s: VtySession,
  a: string,
  kind: 'stub' | 'nssa',
  noSummary: boolean,
  on: boolean,
  dio?: { metric: number | null; type2: boolean },
): void {
  const ar = area(s, a)
  const c = cfg(s)
  if (!on) {
    if (c.areaTypes.get(ar.id)?.kind === kind) c.areaTypes.delete(ar.id)
    changed(s)
    return
  }
  if (ar.id === 0) s.fail(`You can't configure ${kind} to backbone`)
  if (c.vlinks.some((v) => v.area === ar.id)) s.fail('First deconfigure all virtual link through this area')
  // The NSSA's ranges stay while it stays an NSSA (FRR keeps its nssa_range_table).
  const old = c.areaTypes.get(ar.id)
  const ranges = kind === 'nssa' && old?.kind === 'nssa' ? old.ranges : undefined
  const t: Ospf6AreaType =
    dio === undefined ? { text: a, kind, noSummary } : { text: a, kind, noSummary, dio }
  if (ranges !== undefined) t.ranges = ranges
  c.areaTypes.set(ar.id, t)
  changed(s)
}

/** `[no] area X nssa range X:X::X:X/M [not-advertise|cost N]` (ospf6_nssa_range.ts), FRR's messages. */
function nssaRange(s: VtySession, a: string, p: string, on: boolean, opt: string[] = []): void {
  const ar = area(s, a)
  const slash = p.indexOf('/')
  const addr = slash < 0 ? null : parseIpv6(p.slice(0, slash))
  const len = Number(p.slice(slash + 1))
  if (addr === null || !Number.isInteger(len) || len < 0 || len > 128) s.fail(`Malformed argument: ${p}`)
  const t = cfg(s).areaTypes.get(ar.id)
  const net = in6Masked(addr, len)
  const same = (r: Nssa6Range) => r.len === len && r.addr.every((b, i) => b === net[i])
  if (!on) {
    if (t?.ranges?.some(same) !== true) {
      s.out += `% range ${p} does not exist.\n`
      return
    }
    // A new object: ospf6d compares the area's settings with the ones it holds.
    cfg(s).areaTypes.set(ar.id, { ...t, ranges: t.ranges.filter((r) => !same(r)) })
    changed(s)
    return
  }
  if (t?.kind !== 'nssa') s.fail(`First configure ${a} as an NSSA area`)
  const r: Nssa6Range = {
    addr: net,
    len,
    advertise: opt[0] !== 'not-advertise',
    cost: opt[0] === 'cost' ? Number(opt[1]) : null,
  }
  const rest = (t.ranges ?? []).filter((x) => !same(x))
  cfg(s).areaTypes.set(ar.id, {
    ...t,
    ranges: [...rest, r].sort((x, y) => cmp6(x.addr, y.addr) || x.len - y.len),
  })
  changed(s)
}

function cmp6(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}

/**
 * `area X nssa [no-summary] default-information-originate [metric N] [metric-type 1|2] [no-summary]`:
 * each form sets the whole of the area's NSSA settings, as FRR's does.
 */
function nssaDefaultCommands(): CmdSpec[] {
  const out: CmdSpec[] = []
  const tails = [
    { t: '', m: () => null, y: () => true },
    { t: ' metric (0-16777214)', m: (x: string[]) => Number(x[0]), y: () => true },
    { t: ' metric-type (1-2)', m: () => null, y: (x: string[]) => x[0] !== '1' },
    {
      t: ' metric (0-16777214) metric-type (1-2)',
      m: (x: string[]) => Number(x[0]),
      y: (x: string[]) => x[1] !== '1',
    },
  ]
  for (const tail of tails)
    for (const [pre, post] of [
      ['', ''],
      ['', ' no-summary'],
      [' no-summary', ''],
    ] as const)
      out.push(
        spec(
          OSPF6_NODE,
          `area WORD nssa${pre} default-information-originate${tail.t}${post}`,
          (s, [a, ...x]) =>
            areaType(s, a!, 'nssa', pre !== '' || post !== '', true, { metric: tail.m(x), type2: tail.y(x) }),
        ),
      )
  return out
}

function virtualLink(s: VtySession, a: string, peer: string, on: boolean): void {
  const ar = area(s, a)
  // RFC 2328 §15: a virtual link crosses a non-backbone area, never a stub one.
  if (ar.id === 0) s.fail('Configuring VLs over the backbone is not allowed')
  if (on && cfg(s).areaTypes.has(ar.id)) s.fail(`Area ${a} is ${cfg(s).areaTypes.get(ar.id)!.kind}`)
  const rid = parseIpv4(peer)!
  const c = cfg(s)
  const had = c.vlinks.some((v) => v.area === ar.id && v.peer === rid)
  if (!on && !had) s.fail(`No such virtual link: area ${a} peer ${peer}`)
  c.vlinks = c.vlinks.filter((v) => !(v.area === ar.id && v.peer === rid))
  if (on) c.vlinks.push({ areaText: a, area: ar.id, peer: rid })
  changed(s)
}

function spec(nodes: readonly Node[], text: string, run: (s: VtySession, args: string[]) => void): CmdSpec {
  return { nodes, text, run, proto: 'ospf6' }
}

export const OSPF6_COMMANDS: readonly CmdSpec[] = [
  spec(['config'], 'router ospf6', (s) => {
    if (!s.inDaemon) s.needOspf6()
    cfg(s).enabled = true
    s.node = 'ospf6'
    changed(s)
  }),
  spec(['config'], 'no router ospf6', (s) => {
    const fresh = newOspf6Config()
    fresh.ifs = cfg(s).ifs
    s.state.ospf6 = fresh
    changed(s)
  }),
  spec(OSPF6_NODE, 'ospf6 router-id A.B.C.D', (s, [id]) => {
    cfg(s).routerId = parseIpv4(id!)!
    changed(s)
  }),
  spec(OSPF6_NODE, 'router-id A.B.C.D', (s, [id]) => {
    cfg(s).routerId = parseIpv4(id!)!
    changed(s)
  }),
  spec(OSPF6_NODE, 'no ospf6 router-id', (s) => {
    cfg(s).routerId = null
    changed(s)
  }),
  spec(OSPF6_NODE, 'interface IFNAME area WORD', (s, [name, a]) => {
    cfg(s).ifAreas.set(name!, area(s, a!))
    changed(s)
  }),
  spec(OSPF6_NODE, 'no interface IFNAME area WORD', (s, [name]) => {
    if (!cfg(s).ifAreas.delete(name!)) s.fail(`No such interface ${name} in area`)
    changed(s)
  }),
  spec(OSPF6_NODE, 'area WORD range WORD', (s, [a, p]) => range(s, a!, p!, true, true)),
  spec(OSPF6_NODE, 'area WORD range WORD advertise', (s, [a, p]) => range(s, a!, p!, true, true)),
  spec(OSPF6_NODE, 'area WORD range WORD not-advertise', (s, [a, p]) => range(s, a!, p!, false, true)),
  spec(OSPF6_NODE, 'no area WORD range WORD', (s, [a, p]) => range(s, a!, p!, true, false)),
  spec(OSPF6_NODE, 'area WORD stub', (s, [a]) => areaType(s, a!, 'stub', false, true)),
  spec(OSPF6_NODE, 'area WORD stub no-summary', (s, [a]) => areaType(s, a!, 'stub', true, true)),
  spec(OSPF6_NODE, 'no area WORD stub', (s, [a]) => areaType(s, a!, 'stub', false, false)),
  spec(OSPF6_NODE, 'no area WORD stub no-summary', (s, [a]) => areaType(s, a!, 'stub', false, false)),
  spec(OSPF6_NODE, 'area WORD nssa', (s, [a]) => areaType(s, a!, 'nssa', false, true)),
  spec(OSPF6_NODE, 'area WORD nssa no-summary', (s, [a]) => areaType(s, a!, 'nssa', true, true)),
  ...nssaDefaultCommands(),
  spec(OSPF6_NODE, 'area WORD nssa range WORD', (s, [a, p]) => nssaRange(s, a!, p!, true)),
  spec(OSPF6_NODE, 'area WORD nssa range WORD not-advertise', (s, [a, p]) =>
    nssaRange(s, a!, p!, true, ['not-advertise']),
  ),
  spec(OSPF6_NODE, 'area WORD nssa range WORD cost (0-16777215)', (s, [a, p, n]) =>
    nssaRange(s, a!, p!, true, ['cost', n!]),
  ),
  spec(OSPF6_NODE, 'no area WORD nssa range WORD', (s, [a, p]) => nssaRange(s, a!, p!, false)),
  spec(OSPF6_NODE, 'no area WORD nssa range WORD not-advertise', (s, [a, p]) => nssaRange(s, a!, p!, false)),
  spec(OSPF6_NODE, 'no area WORD nssa range WORD cost (0-16777215)', (s, [a, p]) =>
    nssaRange(s, a!, p!, false),
  ),
  spec(OSPF6_NODE, 'no area WORD nssa', (s, [a]) => areaType(s, a!, 'nssa', false, false)),
  spec(OSPF6_NODE, 'no area WORD nssa no-summary', (s, [a]) => areaType(s, a!, 'nssa', false, false)),
  spec(OSPF6_NODE, 'area WORD virtual-link A.B.C.D', (s, [a, p]) => virtualLink(s, a!, p!, true)),
  spec(OSPF6_NODE, 'no area WORD virtual-link A.B.C.D', (s, [a, p]) => virtualLink(s, a!, p!, false)),
  spec(OSPF6_NODE, `redistribute ${REDIST}`, (s, [src]) => redistribute(s, src!, null, 2, true)),
  spec(OSPF6_NODE, `redistribute ${REDIST} metric (0-16777214)`, (s, [src, m]) =>
    redistribute(s, src!, Number(m), 2, true),
  ),
  spec(OSPF6_NODE, `redistribute ${REDIST} metric-type (1-2)`, (s, [src, t]) =>
    redistribute(s, src!, null, t === '1' ? 1 : 2, true),
  ),
  spec(OSPF6_NODE, `redistribute ${REDIST} metric (0-16777214) metric-type (1-2)`, (s, [src, m, t]) =>
    redistribute(s, src!, Number(m), t === '1' ? 1 : 2, true),
  ),
  spec(OSPF6_NODE, `no redistribute ${REDIST}`, (s, [src]) => redistribute(s, src!, null, 2, false)),
  spec(OSPF6_NODE, 'max-lsa (1-4294967295)', (s, [n]) => {
    cfg(s).maxLsa = Number(n)
    changed(s)
  }),
  spec(OSPF6_NODE, 'no max-lsa', (s) => {
    cfg(s).maxLsa = null
    changed(s)
  }),
  spec(OSPF6_NODE, 'log-adjacency-changes', () => {}),
  spec(OSPF6_NODE, 'log-adjacency-changes detail', () => {}),
  spec(OSPF6_NODE, 'auto-cost reference-bandwidth (1-4294967)', () => {}),
  spec(OSPF6_NODE, 'timers throttle spf (0-600000) (0-600000) (0-600000)', () => {}),
  // interface node
  spec(IF_NODE, 'ipv6 ospf6 area WORD', (s, [a]) => ifSet(s, 'area', area(s, a!))),
  spec(IF_NODE, 'no ipv6 ospf6 area', (s) => ifSet(s, 'area', undefined)),
  spec(IF_NODE, 'no ipv6 ospf6 area WORD', (s) => ifSet(s, 'area', undefined)),
  spec(IF_NODE, 'ipv6 ospf6 cost (1-65535)', (s, [c]) => ifSet(s, 'cost', Number(c))),
  spec(IF_NODE, 'no ipv6 ospf6 cost', (s) => ifSet(s, 'cost', undefined)),
  spec(IF_NODE, 'ipv6 ospf6 hello-interval (1-65535)', (s, [c]) => ifSet(s, 'hello', Number(c))),
  spec(IF_NODE, 'no ipv6 ospf6 hello-interval', (s) => ifSet(s, 'hello', undefined)),
  spec(IF_NODE, 'ipv6 ospf6 dead-interval (1-65535)', (s, [c]) => ifSet(s, 'dead', Number(c))),
  spec(IF_NODE, 'no ipv6 ospf6 dead-interval', (s) => ifSet(s, 'dead', undefined)),
  spec(IF_NODE, 'ipv6 ospf6 retransmit-interval (1-65535)', (s, [c]) => ifSet(s, 'retransmit', Number(c))),
  spec(IF_NODE, 'no ipv6 ospf6 retransmit-interval', (s) => ifSet(s, 'retransmit', undefined)),
  spec(IF_NODE, 'ipv6 ospf6 priority (0-255)', (s, [c]) => ifSet(s, 'priority', Number(c))),
  spec(IF_NODE, 'no ipv6 ospf6 priority', (s) => ifSet(s, 'priority', undefined)),
  spec(IF_NODE, 'ipv6 ospf6 network <point-to-point|broadcast>', (s, [t]) =>
    ifSet(s, 'network', t as 'point-to-point' | 'broadcast'),
  ),
  spec(IF_NODE, 'no ipv6 ospf6 network', (s) => ifSet(s, 'network', undefined)),
  spec(IF_NODE, 'ipv6 ospf6 passive', (s) => ifSet(s, 'passive', true)),
  spec(IF_NODE, 'no ipv6 ospf6 passive', (s) => ifSet(s, 'passive', undefined)),
  spec(IF_NODE, 'ipv6 ospf6 instance-id (0-255)', (s, [n]) => {
    if (n !== '0') s.fail('instance-id other than 0: not supported yet')
  }),
  spec(IF_NODE, 'ipv6 ospf6 mtu-ignore', () => {}),
  spec(
    IF_NODE,
    'ipv6 ospf6 authentication key-id (1-65535) hash-algo <md5|hmac-sha-1|hmac-sha-256|hmac-sha-384|hmac-sha-512> key WORD',
    (s, [id, algo, key]) => ifSet(s, 'auth', { keyId: Number(id), algo: algo as Ospf6HashAlgo, key: key! }),
  ),
  spec(IF_NODE, 'no ipv6 ospf6 authentication', (s) => ifSet(s, 'auth', undefined)),
  // show
  spec(SHOW, 'show ipv6 ospf6', (s) => {
    s.out += s.needOspf6().showOspf6()
  }),
  spec(SHOW, 'show ipv6 ospf6 neighbor', (s) => {
    s.out += s.needOspf6().showNeighbor6()
  }),
  spec(SHOW, 'show ipv6 ospf6 route', (s) => {
    s.out += s.needOspf6().showRoute6()
  }),
  spec(SHOW, 'show ipv6 ospf6 database', (s) => {
    s.out += s.needOspf6().showDatabase6()
  }),
  spec(SHOW, 'show ipv6 ospf6 interface', (s) => {
    s.out += s.needOspf6().showInterface6(null)
  }),
  spec(SHOW, 'show ipv6 ospf6 interface IFNAME', (s, [i]) => {
    s.out += s.needOspf6().showInterface6(i!)
  }),
]

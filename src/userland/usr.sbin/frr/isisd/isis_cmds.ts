/**
 * isisd's commands in FRR's language: `router isis WORD` and its node (`net`, `is-type`,
 * `metric-style`, `lsp-limit`, `area-password`, `domain-password`, `attached-bit`, ...), the interface's `ip router
 * isis WORD`, `ipv6 router isis WORD` and `isis ...` settings (`isis password` among them),
 * and `show isis neighbor|database|route|summary`. vty_cmds.ts parses them with its own parser; each
 * edits the session's IsisConfig and tells isisd.
 *
 * Must not: import vty_cmds.ts at run time (it imports this list), or reach the kernel.
 */

import type { CmdSpec, Node, VtySession } from '../vty_cmds.js'
import {
  ISIS_GEN_INTERVAL_DEFAULT,
  ISIS_MAX_LIFETIME_S,
  ISIS_REFRESH_S,
  type IsisConfig,
  type IsisIfConfig,
  type IsisLevels,
  isisIfConfig,
  newIsisConfig,
  parseNet,
} from './isis_config.js'

const ISIS_NODE: readonly Node[] = ['isis']
const IF_NODE: readonly Node[] = ['interface']
const SHOW: readonly Node[] = [
  'view',
  'enable',
  'config',
  'rip',
  'ospf',
  'ripng',
  'ospf6',
  'isis',
  'interface',
]
const LEVELS = '<level-1|level-1-2|level-2-only>'

function cfg(s: VtySession): IsisConfig {
  return s.state.isis
}

function changed(s: VtySession): void {
  s.isis?.changed()
}

function levels(w: string): IsisLevels {
  return w === 'level-1' ? 1 : w === 'level-2-only' ? 2 : 3
}

function ifSet<K extends keyof IsisIfConfig>(
  s: VtySession,
  key: K,
  value: IsisIfConfig[K] | undefined,
): void {
  const i = isisIfConfig(cfg(s), s.ifName)
  if (value === undefined) delete i[key]
  else i[key] = value
  changed(s)
}

function levelPassword(
  s: VtySession,
  which: 'areaPassword' | 'domainPassword',
  type: string,
  password: string,
  snp: 'none' | 'send-only' | 'validate',
): void {
  if (password.length > 254) s.fail('Password too long')
  cfg(s)[which] = { type: type === 'md5' ? 'md5' : 'clear', password, snp }
  changed(s)
}

function spec(nodes: readonly Node[], text: string, run: (s: VtySession, args: string[]) => void): CmdSpec {
  return { nodes, text, run, proto: 'isis' }
}

function enter(s: VtySession, tag: string): void {
  if (!s.inDaemon) s.needIsis()
  const c = cfg(s)
  // FRR's isisd runs one instance: another tag while one exists is refused.
  if (c.enabled && c.tag !== tag) s.fail(`isisd: only one instance is supported (router isis ${c.tag})`)
  c.enabled = true
  c.tag = tag
  s.node = 'isis'
  changed(s)
}

function attached(s: VtySession, key: 'attachedBitSend' | 'attachedBitReceiveIgnore', on: boolean): void {
  cfg(s)[key] = on
  changed(s)
}

function leak(s: VtySession, af: string, metric: number | null): void {
  const c = cfg(s)
  // Only a level-1-2 router has both levels (frr-isisd.yang's rule for redistribute's level).
  if (c.isType !== 3) s.fail('% Configuration failed.\n\nError type: validation')
  c.leak[af === 'ipv6' ? 'ipv6' : 'ipv4'] = { metric }
  changed(s)
}

function genInterval(s: VtySession, levels: 1 | 2 | 3, n: number): void {
  const g = cfg(s).genInterval
  if (levels & 1) g[0] = n
  if (levels & 2) g[1] = n
  changed(s)
}

function lspTimers(s: VtySession, levels: 1 | 2 | 3, gen: string, refresh: string, life: string): void {
  // frr-isisd.yang: the generation interval stays below the refresh interval.
  if (Number(gen) >= Number(refresh)) s.fail('% Configuration failed.')
  if (Number(refresh) !== ISIS_REFRESH_S || Number(life) !== ISIS_MAX_LIFETIME_S)
    s.fail(
      `lsp-timers: refresh-interval ${ISIS_REFRESH_S} and max-lifetime ${ISIS_MAX_LIFETIME_S} only (not supported yet)`,
    )
  genInterval(s, levels, Number(gen))
}

export const ISIS_COMMANDS: readonly CmdSpec[] = [
  spec(['config'], 'router isis WORD', (s, [tag]) => enter(s, tag!)),
  spec(['config'], 'router isis WORD vrf WORD', (s, [tag, vrf]) => {
    if (vrf !== 'default') s.fail('VRF: not supported yet (VirtNet has the default VRF only)')
    enter(s, tag!)
  }),
  spec(['config'], 'no router isis WORD', (s, [tag]) => {
    if (!cfg(s).enabled || cfg(s).tag !== tag) s.fail(`ISIS area ${tag} not found`)
    const fresh = newIsisConfig()
    fresh.ifs = cfg(s).ifs
    s.state.isis = fresh
    changed(s)
  }),
  spec(ISIS_NODE, 'net WORD', (s, [n]) => {
    const p = parseNet(n!)
    if (p === null) return s.fail(`Malformed NET: ${n}`)
    const c = cfg(s)
    const other = c.nets.map(parseNet).find((x) => x !== null && x.sysId !== p.sysId)
    if (other !== undefined) s.fail('System ID must not change when defining additional area addresses')
    if (!c.nets.includes(n!)) {
      if (c.nets.length >= 3) s.fail('Maximum of area addresses (3) already reached')
      c.nets.push(n!)
    }
    changed(s)
  }),
  spec(ISIS_NODE, 'no net WORD', (s, [n]) => {
    const c = cfg(s)
    if (!c.nets.includes(n!)) s.fail(`Area address ${n} not found`)
    c.nets = c.nets.filter((x) => x !== n)
    changed(s)
  }),
  spec(ISIS_NODE, `is-type ${LEVELS}`, (s, [w]) => {
    cfg(s).isType = levels(w!)
    changed(s)
  }),
  spec(ISIS_NODE, 'no is-type', (s) => {
    cfg(s).isType = 3
    changed(s)
  }),
  // ISO 10589 §7.2.9's ATT bit, as FRR's knobs have it (isis_levels.ts).
  spec(ISIS_NODE, 'attached-bit send', (s) => attached(s, 'attachedBitSend', true)),
  spec(ISIS_NODE, 'no attached-bit send', (s) => attached(s, 'attachedBitSend', false)),
  spec(ISIS_NODE, 'attached-bit receive ignore', (s) => attached(s, 'attachedBitReceiveIgnore', true)),
  spec(ISIS_NODE, 'no attached-bit receive ignore', (s) => attached(s, 'attachedBitReceiveIgnore', false)),
  spec(ISIS_NODE, 'metric-style <wide|narrow|transition>', (s, [m]) => {
    if (m !== 'wide') s.fail(`metric-style ${m}: not supported yet (VirtNet's isisd speaks wide metrics)`)
  }),
  spec(ISIS_NODE, 'hostname dynamic', () => {}),
  spec(ISIS_NODE, 'log-adjacency-changes', () => {}),
  // RFC 5302 §3.3 route leaking (isis_levels.ts): Cisco's syntax, as FRR's open pull request has it.
  spec(ISIS_NODE, 'redistribute <ipv4|ipv6> isis level-2 into level-1', (s, [af]) => leak(s, af!, null)),
  spec(ISIS_NODE, 'redistribute <ipv4|ipv6> isis level-2 into level-1 metric (0-16777215)', (s, [af, m]) =>
    leak(s, af!, Number(m)),
  ),
  spec(ISIS_NODE, 'redistribute <ipv4|ipv6> isis level-2 into level-1 route-map WORD', (s) =>
    s.fail('route-map: not supported yet (VirtNet has no route-maps; every level-2 route is leaked)'),
  ),
  spec(ISIS_NODE, 'no redistribute <ipv4|ipv6> isis level-2 into level-1', (s, [af]) => {
    cfg(s).leak[af === 'ipv6' ? 'ipv6' : 'ipv4'] = null
    changed(s)
  }),
  // Level-1 routes always go up here (RFC 1195 §3.2, isis_levels.ts): accepted, nothing to change.
  spec(ISIS_NODE, 'redistribute <ipv4|ipv6> isis level-1 into level-2', () => {}),
  spec(ISIS_NODE, 'no redistribute <ipv4|ipv6> isis level-1 into level-2', (s) =>
    s.fail('level-1 routes always go into level 2 here (RFC 1195 §3.2): not supported yet'),
  ),
  // The regeneration throttle (isis_engine.ts); FRR's lsp-timers line is how show running-config
  // writes it back, so it is read too (its refresh and lifetime only at their defaults here).
  spec(ISIS_NODE, 'lsp-gen-interval (1-120)', (s, [n]) => genInterval(s, 3, Number(n))),
  spec(ISIS_NODE, 'lsp-gen-interval <level-1|level-2> (1-120)', (s, [l, n]) =>
    genInterval(s, l === 'level-1' ? 1 : 2, Number(n)),
  ),
  spec(ISIS_NODE, 'no lsp-gen-interval', (s) => genInterval(s, 3, ISIS_GEN_INTERVAL_DEFAULT)),
  spec(ISIS_NODE, 'no lsp-gen-interval (1-120)', (s) => genInterval(s, 3, ISIS_GEN_INTERVAL_DEFAULT)),
  spec(ISIS_NODE, 'no lsp-gen-interval <level-1|level-2>', (s, [l]) =>
    genInterval(s, l === 'level-1' ? 1 : 2, ISIS_GEN_INTERVAL_DEFAULT),
  ),
  spec(ISIS_NODE, 'no lsp-gen-interval <level-1|level-2> (1-120)', (s, [l]) =>
    genInterval(s, l === 'level-1' ? 1 : 2, ISIS_GEN_INTERVAL_DEFAULT),
  ),
  spec(
    ISIS_NODE,
    'lsp-timers gen-interval (1-120) refresh-interval (1-65235) max-lifetime (350-65535)',
    (s, [g, r, m]) => lspTimers(s, 3, g!, r!, m!),
  ),
  spec(
    ISIS_NODE,
    'lsp-timers <level-1|level-2> gen-interval (1-120) refresh-interval (1-65235) max-lifetime (350-65535)',
    (s, [l, g, r, m]) => lspTimers(s, l === 'level-1' ? 1 : 2, g!, r!, m!),
  ),
  spec(ISIS_NODE, 'no lsp-timers', (s) => genInterval(s, 3, ISIS_GEN_INTERVAL_DEFAULT)),
  spec(ISIS_NODE, 'no lsp-timers <level-1|level-2>', (s, [l]) =>
    genInterval(s, l === 'level-1' ? 1 : 2, ISIS_GEN_INTERVAL_DEFAULT),
  ),
  spec(ISIS_NODE, 'lsp-limit (1-1000000)', (s, [n]) => {
    cfg(s).lspLimit = Number(n)
    changed(s)
  }),
  spec(ISIS_NODE, 'no lsp-limit', (s) => {
    cfg(s).lspLimit = null
    changed(s)
  }),
  spec(ISIS_NODE, 'area-password <clear|md5> WORD', (s, [t, p]) =>
    levelPassword(s, 'areaPassword', t!, p!, 'none'),
  ),
  spec(ISIS_NODE, 'area-password <clear|md5> WORD authenticate snp <send-only|validate>', (s, [t, p, v]) =>
    levelPassword(s, 'areaPassword', t!, p!, v as 'send-only' | 'validate'),
  ),
  spec(ISIS_NODE, 'no area-password', (s) => {
    cfg(s).areaPassword = null
    changed(s)
  }),
  spec(ISIS_NODE, 'domain-password <clear|md5> WORD', (s, [t, p]) =>
    levelPassword(s, 'domainPassword', t!, p!, 'none'),
  ),
  spec(ISIS_NODE, 'domain-password <clear|md5> WORD authenticate snp <send-only|validate>', (s, [t, p, v]) =>
    levelPassword(s, 'domainPassword', t!, p!, v as 'send-only' | 'validate'),
  ),
  spec(ISIS_NODE, 'no domain-password', (s) => {
    cfg(s).domainPassword = null
    changed(s)
  }),
  // interface node
  spec(IF_NODE, 'ip router isis WORD', (s, [tag]) => ifSet(s, 'ipv4', tag!)),
  spec(IF_NODE, 'no ip router isis WORD', (s) => ifSet(s, 'ipv4', null)),
  spec(IF_NODE, 'ipv6 router isis WORD', (s, [tag]) => ifSet(s, 'ipv6', tag!)),
  spec(IF_NODE, 'no ipv6 router isis WORD', (s) => ifSet(s, 'ipv6', null)),
  spec(IF_NODE, 'isis passive', (s) => ifSet(s, 'passive', true)),
  spec(IF_NODE, 'no isis passive', (s) => ifSet(s, 'passive', undefined)),
  spec(IF_NODE, `isis circuit-type ${LEVELS}`, (s, [w]) => ifSet(s, 'circuitType', levels(w!))),
  spec(IF_NODE, 'no isis circuit-type', (s) => ifSet(s, 'circuitType', undefined)),
  spec(IF_NODE, 'isis metric (0-16777215)', (s, [m]) => ifSet(s, 'metric', Number(m))),
  spec(IF_NODE, 'no isis metric', (s) => ifSet(s, 'metric', undefined)),
  spec(IF_NODE, 'isis hello-interval (1-600)', (s, [m]) => ifSet(s, 'hello', Number(m))),
  spec(IF_NODE, 'no isis hello-interval', (s) => ifSet(s, 'hello', undefined)),
  spec(IF_NODE, 'isis hello-multiplier (2-100)', (s, [m]) => ifSet(s, 'multiplier', Number(m))),
  spec(IF_NODE, 'no isis hello-multiplier', (s) => ifSet(s, 'multiplier', undefined)),
  spec(IF_NODE, 'isis priority (0-127)', (s, [m]) => ifSet(s, 'priority', Number(m))),
  spec(IF_NODE, 'no isis priority', (s) => ifSet(s, 'priority', undefined)),
  spec(IF_NODE, 'isis network point-to-point', (s) => ifSet(s, 'network', 'point-to-point')),
  spec(IF_NODE, 'no isis network point-to-point', (s) => ifSet(s, 'network', undefined)),
  spec(IF_NODE, 'isis hello padding', () => {}),
  spec(IF_NODE, 'isis password <clear|md5> WORD', (s, [t, p]) => {
    if (p!.length > 254) s.fail('Password too long')
    ifSet(s, 'password', { type: t === 'md5' ? 'md5' : 'clear', password: p! })
  }),
  spec(IF_NODE, 'no isis password', (s) => ifSet(s, 'password', undefined)),
  // show
  spec(SHOW, 'show isis neighbor', (s) => {
    s.out += s.needIsis().showNeighbor()
  }),
  spec(SHOW, 'show isis database', (s) => {
    s.out += s.needIsis().showDatabase(false)
  }),
  spec(SHOW, 'show isis database detail', (s) => {
    s.out += s.needIsis().showDatabase(true)
  }),
  spec(SHOW, 'show isis route', (s) => {
    s.out += s.needIsis().showRoute()
  }),
  spec(SHOW, 'show isis summary', (s) => {
    s.out += s.needIsis().showSummary()
  }),
]

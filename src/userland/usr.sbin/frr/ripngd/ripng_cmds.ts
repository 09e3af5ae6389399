/**
 * ripngd's commands in FRR's language: `router ripng` and its node (`network IFNAME|PREFIX`,
 * `redistribute`, `passive-interface`, `default-information originate`, `default-metric`, `timers
 * basic`), the interface's `ipv6 ripng split-horizon [poisoned-reverse]`, and `show ipv6 ripng
 * [status]`. vty_cmds.ts parses them with its own; each edits the session's RipngConfig and tells
 * ripngd.
 *
 * Must not: import vty_cmds.ts at run time (it imports this list), or reach the kernel.
 */

import { formatIpv6, in6Masked, parseIpv6 } from '../../../../wire/inet6/in6_addr.js'
import type { CmdSpec, Node, VtySession } from '../vty_cmds.js'
import {
  newRipngConfig,
  RIPNG_REDIST_SOURCES,
  type RipngConfig,
  type RipngRedistSource,
  ripngIfConfig,
} from './ripng_config.js'

const RIPNG_NODE: readonly Node[] = ['ripng']
const IF_NODE: readonly Node[] = ['interface']
const CONF: readonly Node[] = ['config']
const SHOW: readonly Node[] = ['view', 'enable', 'config', 'rip', 'ospf', 'interface', 'ripng']
const REDIST = `<${RIPNG_REDIST_SOURCES.join('|')}>`

function cfg(s: VtySession): RipngConfig {
  return s.state.ripng
}

function changed(s: VtySession): void {
  s.ripng?.changed()
}

function cmd(nodes: readonly Node[], text: string, run: (s: VtySession, args: string[]) => void): CmdSpec {
  return { nodes, text, run, proto: 'ripng' }
}

/** `X:X::X:X/M` normalised (host bits cleared), or null. */
function parsePrefix6(text: string): string | null {
  const slash = text.indexOf('/')
  if (slash < 0) return null
  const a = parseIpv6(text.slice(0, slash))
  const lenText = text.slice(slash + 1)
  const len = Number(lenText)
  if (a === null || !/^\d{1,3}$/.test(lenText) || len > 128) return null
  return `${formatIpv6(in6Masked(a, len))}/${len}`
}

function network(s: VtySession, what: string, on: boolean): void {
  const c = cfg(s)
  // Looks like an address but is not one: FRR's parser refuses it rather than taking it as a name.
  const key = what.includes(':') ? parsePrefix6(what) : what
  if (key === null) s.fail(`Malformed IPv6 prefix: ${what}`)
  const at = c.networks.indexOf(key)
  if (on) {
    if (at < 0) c.networks.push(key)
  } else {
    if (at < 0) s.fail(`Can't find network configuration`)
    c.networks.splice(at, 1)
  }
  changed(s)
}

function redistribute(s: VtySession, src: string, metric: number, on: boolean): void {
  if (on) cfg(s).redistribute.set(src as RipngRedistSource, metric)
  else cfg(s).redistribute.delete(src as RipngRedistSource)
  changed(s)
}

export const RIPNG_COMMANDS: readonly CmdSpec[] = [
  cmd(SHOW, 'show ipv6 ripng', (s) => {
    s.out += s.needRipng().showRipng()
  }),
  cmd(SHOW, 'show ipv6 ripng status', (s) => {
    s.out += s.needRipng().showRipngStatus()
  }),
  cmd(CONF, 'router ripng', (s) => {
    if (!s.inDaemon) s.needRipng()
    cfg(s).enabled = true
    s.node = 'ripng'
    changed(s)
  }),
  cmd(CONF, 'no router ripng', (s) => {
    const fresh = newRipngConfig()
    fresh.ifs = cfg(s).ifs
    s.state.ripng = fresh
    changed(s)
  }),
  cmd(RIPNG_NODE, 'network WORD', (s, [p]) => network(s, p!, true)),
  cmd(RIPNG_NODE, 'no network WORD', (s, [p]) => network(s, p!, false)),
  cmd(RIPNG_NODE, `redistribute ${REDIST}`, (s, [src]) => redistribute(s, src!, 0, true)),
  cmd(RIPNG_NODE, `redistribute ${REDIST} metric (0-16)`, (s, [src, m]) =>
    redistribute(s, src!, Number(m), true),
  ),
  cmd(RIPNG_NODE, `no redistribute ${REDIST}`, (s, [src]) => redistribute(s, src!, 0, false)),
  cmd(RIPNG_NODE, 'passive-interface IFNAME', (s, [i]) => {
    cfg(s).passive.add(i!)
    changed(s)
  }),
  cmd(RIPNG_NODE, 'no passive-interface IFNAME', (s, [i]) => {
    cfg(s).passive.delete(i!)
    changed(s)
  }),
  cmd(RIPNG_NODE, 'default-information originate', (s) => {
    cfg(s).defaultOriginate = true
    changed(s)
  }),
  cmd(RIPNG_NODE, 'no default-information originate', (s) => {
    cfg(s).defaultOriginate = false
    changed(s)
  }),
  cmd(RIPNG_NODE, 'default-metric (1-16)', (s, [m]) => {
    cfg(s).defaultMetric = Number(m)
    changed(s)
  }),
  cmd(RIPNG_NODE, 'timers basic (5-2147483647) (5-2147483647) (5-2147483647)', (s, [u, t, g]) => {
    cfg(s).timers = { update: Number(u), timeout: Number(t), garbage: Number(g) }
    changed(s)
  }),
  cmd(IF_NODE, 'ipv6 ripng split-horizon', (s) => {
    const i = ripngIfConfig(cfg(s), s.ifName)
    i.splitHorizon = true
    i.poison = false
    changed(s)
  }),
  cmd(IF_NODE, 'ipv6 ripng split-horizon poisoned-reverse', (s) => {
    const i = ripngIfConfig(cfg(s), s.ifName)
    i.splitHorizon = true
    i.poison = true
    changed(s)
  }),
  cmd(IF_NODE, 'no ipv6 ripng split-horizon', (s) => {
    ripngIfConfig(cfg(s), s.ifName).splitHorizon = false
    changed(s)
  }),
  cmd(IF_NODE, 'no ipv6 ripng split-horizon poisoned-reverse', (s) => {
    ripngIfConfig(cfg(s), s.ifName).poison = false
    changed(s)
  }),
]

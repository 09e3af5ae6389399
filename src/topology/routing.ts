/**
 * Routing daemons in labs: the startup lines that start ripd, ripngd, ospfd or bgpd and configure them
 * through vtysh the way IMUNES does for its FRR routers (a here-document of `configure terminal` lines),
 * from a node's `rip`, `ripng`, `ospf` and `bgp` settings. The lab waits for the routes to settle after
 * startup (emulator.ts).
 *
 * Must not: run anything itself; it only writes shell lines.
 */

import type { BgpFile, IsisFile, Ospf6File, OspfFile, RipFile, RipngFile } from './file/schema.js'

/** The here-document's end marker, as IMUNES spells it. */
const EOF_MARK = '__EOF__'

/** Startup lines for `rip: true` or `rip: {...}`. */
export function ripStartup(rip: true | RipFile): string[] {
  const spec: RipFile = rip === true ? {} : rip
  if (spec.configure === false) return ['ripd -d']
  const lines = ['ripd -d', `vtysh << ${EOF_MARK}`, 'configure terminal', 'router rip']
  for (const r of spec.redistribute ?? ['connected']) lines.push(` redistribute ${r}`)
  for (const n of spec.networks ?? ['0.0.0.0/0']) lines.push(` network ${n}`)
  for (const p of spec.passive ?? []) lines.push(` passive-interface ${p}`)
  lines.push('!', EOF_MARK)
  return lines
}

/** Startup lines for `ripng: true` or `ripng: {...}` (IMUNES's generated block: `network ::/0`). */
export function ripngStartup(ripng: true | RipngFile): string[] {
  const spec: RipngFile = ripng === true ? {} : ripng
  if (spec.configure === false) return ['ripngd -d']
  const lines = ['ripngd -d', `vtysh << ${EOF_MARK}`, 'configure terminal', 'router ripng']
  for (const r of spec.redistribute ?? ['connected']) lines.push(` redistribute ${r}`)
  for (const n of spec.networks ?? ['::/0']) lines.push(` network ${n}`)
  for (const p of spec.passive ?? []) lines.push(` passive-interface ${p}`)
  lines.push('!', EOF_MARK)
  return lines
}

/** Startup lines for `ospf: true` or `ospf: {...}` (IMUNES's generated block: every network in area 0). */
export function ospfStartup(ospf: true | OspfFile): string[] {
  const spec: OspfFile = ospf === true ? {} : ospf
  if (spec.configure === false) return ['ospfd -d']
  const lines = ['ospfd -d', `vtysh << ${EOF_MARK}`, 'configure terminal']
  for (const [name, cfg] of Object.entries(spec.interfaces ?? {})) {
    lines.push(`interface ${name}`)
    if (cfg.cost !== undefined) lines.push(` ip ospf cost ${cfg.cost}`)
    if (cfg.pointToPoint === true) lines.push(' ip ospf network point-to-point')
    if (cfg.hello !== undefined) lines.push(` ip ospf hello-interval ${cfg.hello}`)
    if (cfg.dead !== undefined) lines.push(` ip ospf dead-interval ${cfg.dead}`)
    if (cfg.priority !== undefined) lines.push(` ip ospf priority ${cfg.priority}`)
    lines.push('exit')
  }
  lines.push('router ospf')
  if (spec.routerId !== undefined) lines.push(` ospf router-id ${spec.routerId}`)
  for (const r of spec.redistribute ?? ['connected']) lines.push(` redistribute ${r}`)
  for (const n of spec.networks ?? ['0.0.0.0/0']) lines.push(` network ${n} area ${spec.area ?? '0.0.0.0'}`)
  for (const p of spec.passive ?? []) lines.push(` passive-interface ${p}`)
  lines.push('!', EOF_MARK)
  return lines
}

/**
 * Startup lines for `ospf6: true` or `ospf6: {...}`: IMUNES's generated FRR configuration, each
 * interface with ` ipv6 ospf6 area` and a `router ospf6` block with its router-id and redistribution.
 * `ifNames` are the interfaces when the settings name none.
 */
export function ospf6Startup(ospf6: true | Ospf6File, ifNames: readonly string[]): string[] {
  const spec: Ospf6File = ospf6 === true ? {} : ospf6
  if (spec.configure === false) return ['ospf6d -d']
  const lines = ['ospf6d -d', `vtysh << ${EOF_MARK}`, 'configure terminal']
  for (const name of spec.interfaces ?? ifNames)
    lines.push(`interface ${name}`, ` ipv6 ospf6 area ${spec.area ?? '0.0.0.0'}`, '!')
  lines.push('router ospf6')
  if (spec.routerId !== undefined) lines.push(` ospf6 router-id ${spec.routerId}`)
  for (const r of spec.redistribute ?? ['connected']) lines.push(` redistribute ${r}`)
  lines.push('!', EOF_MARK)
  return lines
}

/**
 * Startup lines for `isis: true` or `isis: {...}`: `ip router isis 1` on each interface (but
 * loopbacks), `router isis 1` with its NET; `sysId` (12 hex digits) when the settings give no NET.
 */
export function isisStartup(isis: true | IsisFile, ifNames: readonly string[], sysId: string): string[] {
  const spec: IsisFile = isis === true ? {} : isis
  if (spec.configure === false) return ['isisd -d']
  const lines = ['isisd -d', `vtysh << ${EOF_MARK}`, 'configure terminal']
  for (const name of spec.interfaces ?? ifNames) {
    lines.push(`interface ${name}`, ' ip router isis 1')
    if (spec.passive?.includes(name)) lines.push(' isis passive')
    lines.push('!')
  }
  const net = spec.net ?? `49.0001.${sysId.slice(0, 4)}.${sysId.slice(4, 8)}.${sysId.slice(8, 12)}.00`
  lines.push('router isis 1', ` net ${net}`, '!', EOF_MARK)
  return lines
}

/** Startup lines for `bgp: {...}`: a router bgp block with `no bgp ebgp-requires-policy`, as IMUNES writes. */
export function bgpStartup(bgp: BgpFile): string[] {
  if (bgp.configure === false) return ['bgpd -d']
  const lines = ['bgpd -d', `vtysh << ${EOF_MARK}`, 'configure terminal', `router bgp ${bgp.as}`]
  if (bgp.routerId !== undefined) lines.push(` bgp router-id ${bgp.routerId}`)
  lines.push(' no bgp ebgp-requires-policy')
  for (const n of bgp.neighbors ?? []) {
    const a = n.address
    lines.push(` neighbor ${a} remote-as ${n.as}`)
    if (n.description !== undefined) lines.push(` neighbor ${a} description ${n.description}`)
    if (n.updateSource !== undefined) lines.push(` neighbor ${a} update-source ${n.updateSource}`)
    if (n.ebgpMultihop !== undefined) lines.push(` neighbor ${a} ebgp-multihop ${n.ebgpMultihop}`)
    if (n.timers !== undefined) lines.push(` neighbor ${a} timers ${n.timers.keepalive} ${n.timers.hold}`)
  }
  lines.push(' address-family ipv4 unicast')
  for (const p of bgp.networks ?? []) lines.push(`  network ${p}`)
  for (const r of bgp.redistribute ?? []) lines.push(`  redistribute ${r}`)
  for (const n of bgp.neighbors ?? []) {
    const a = n.address
    if (n.nextHopSelf === true) lines.push(`  neighbor ${a} next-hop-self`)
    if (n.weight !== undefined) lines.push(`  neighbor ${a} weight ${n.weight}`)
    if (n.maximumPrefix !== undefined) lines.push(`  neighbor ${a} maximum-prefix ${n.maximumPrefix}`)
  }
  lines.push(' exit-address-family', '!', EOF_MARK)
  return lines
}

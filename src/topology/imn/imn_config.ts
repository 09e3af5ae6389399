/**
 * What an IMUNES node runs besides its addresses: the routing daemons its router_config turns on,
 * and its custom configuration (a /bin/sh script or frrboot.sh's FRR file) when enabled, with IMUNES's
 * generated `router bgp` block. Functions of the importer (imn.ts).
 *
 * Must not: run anything; it returns lines for the node's startup.
 */

import type { Path } from '../file/diagnostics.js'
import type { Importer } from './imn.js'
import { isObj, type Obj, own } from './imn_types.js'

/** Where frrboot.sh's configuration goes (FRR's integrated file, as vtysh -b reads it). */
const FRR_CONF_PATH = '/usr/local/etc/frr/frr.conf'

/** IMUNES's generated FRR block for `bgp 1` (config/nodecfg.tcl), as its startup runs it. */
export const IMUNES_BGP = [
  'vtysh << __EOF__',
  'conf term',
  'router bgp 1000',
  ' bgp router-id 127.0.0.1',
  ' no bgp ebgp-requires-policy',
  ' neighbor DEFAULT peer-group',
  ' neighbor DEFAULT remote-as 1000',
  ' neighbor DEFAULT update-source 127.0.0.1',
  ' redistribute static',
  ' redistribute connected',
  '!',
  '__EOF__',
] as const

/** Warns about what cannot run; which of ripd, ripngd, ospfd and bgpd the router runs (`rip 1`, `ripng 1`, `ospf 1`, `bgp 1`). */
export function routerConfig(
  imp: Importer,
  label: string,
  at: Path,
  raw: Obj,
): { rip: boolean; ospf: boolean; ripng: boolean; bgp: boolean; ospf6: boolean; isis: boolean } {
  const cfg = raw.router_config
  const pairs: [string, unknown][] = []
  if (typeof cfg === 'string') {
    const w = cfg.trim().split(/\s+/)
    for (let i = 0; i + 1 < w.length; i += 2) pairs.push([w[i]!, w[i + 1]])
  } else if (isObj(cfg)) pairs.push(...Object.entries(cfg))
  const model = typeof raw.model === 'string' ? raw.model : 'frr'
  let rip = false
  let ospf = false
  let ripng = false
  let bgp = false
  let ospf6 = false
  let isis = false
  for (const [proto, on] of pairs) {
    if (!(on === 1 || on === '1' || on === true || on === 'true')) continue
    if (model === 'static')
      imp.warn(label, at, `${proto} is on, but a static router runs no routing daemon (as in IMUNES)`)
    else if (proto === 'rip') rip = true
    else if (proto === 'ospf') ospf = true
    else if (proto === 'ripng') ripng = true
    else if (proto === 'bgp') bgp = true
    else if (proto === 'ospf6') ospf6 = true
    else if (proto === 'isis') isis = true
    else imp.warn(label, at, `${proto} is not supported yet; static routes only`)
  }
  return { rip, ospf, ripng, bgp, ospf6, isis }
}

/** The selected custom configuration when enabled and runnable by the shell, else null. */
export function customConfig(
  imp: Importer,
  label: string,
  at: Path,
  raw: Obj,
): { name: string; lines: string[]; frr: boolean } | null {
  if (raw.custom_enabled !== 'true' && raw.custom_enabled !== true && raw.custom_enabled !== '1') return null
  let selected = raw.custom_selected
  if (isObj(selected)) selected = own(selected, 'NODE_CONFIG')
  const want = typeof selected === 'string' ? selected.trim().split(/\s+/).pop() : undefined
  const configs = raw.custom_configs
  // Three shapes are in the wild: {NODE_CONFIG: [{custom_name, ...}]}, {NODE_CONFIG: {id: {...}}},
  // and (older) {id: {...}} directly.
  const candidates: [string, Obj][] = []
  if (isObj(configs)) {
    const group = own(configs, 'NODE_CONFIG') ?? configs
    if (Array.isArray(group))
      for (const c of group) if (isObj(c)) candidates.push([String(c.custom_name ?? ''), c])
    if (isObj(group))
      for (const k of Object.keys(group)) if (isObj(group[k])) candidates.push([k, group[k] as Obj])
  }
  const found = candidates.find(([n]) => n === want) ?? (want === undefined ? candidates[0] : undefined)
  if (!found) {
    imp.warn(
      label,
      at,
      `custom configuration ${JSON.stringify(want ?? '')} not found; using the generated one`,
    )
    return null
  }
  const [name, c] = found
  const command = typeof c.custom_command === 'string' ? c.custom_command.trim() : '/bin/sh'
  const body0 = c.custom_config
  // IMUNES's frrboot.sh: the text is FRR's configuration file, loaded at boot (vtysh -b).
  if (/(^|\/)frrboot\.sh$/.test(command)) {
    const text = Array.isArray(body0)
      ? body0.map((l) => String(l))
      : typeof body0 === 'string'
        ? body0.split('\n')
        : []
    const conf = text.filter((l) => l.trim() !== '__EOF__')
    return {
      name,
      lines: [`cat > ${FRR_CONF_PATH} << __EOF__`, ...conf, '__EOF__', 'vtysh -b'],
      frr: true,
    }
  }
  if (!/^(?:\/bin\/|\/usr\/bin\/)?sh$/.test(command) && command !== '') {
    imp.warn(
      label,
      at,
      `custom configuration '${name}' runs '${command}', which is not supported; using the generated one`,
    )
    return null
  }
  const body = c.custom_config
  const lines = Array.isArray(body)
    ? body.map((l) => String(l))
    : typeof body === 'string'
      ? body.split('\n')
      : []
  return { name, lines, frr: false }
}

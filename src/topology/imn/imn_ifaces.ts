/**
 * A node's IMUNES interfaces as ours: phys ports with their addresses, MAC and MTU, vlan(4)
 * interfaces, lanswitch access and trunk ports, an rj45 node's stolen interface (and its VLAN), and
 * loopbacks beyond lo0's 127.0.0.1 as startup commands. Functions of the importer (imn.ts).
 *
 * Must not: fail on a bad interface; it is warned about and left out.
 */

import { isIpv6Prefix, normalizeMac, parsePrefix } from '../cidr.js'
import type { Path } from '../file/diagnostics.js'
import { type IfaceFile, PATTERNS } from '../file/schema.js'
import type { NodeKind } from '../model.js'
import type { Importer } from './imn.js'
import { isObj, type Obj, words } from './imn_types.js'

/**
 * An rj45 node takes the machine's interface of its (stolen) interface's name; with `vlan {
 * enabled 1 tag N }`, only VLAN N of it, as IMUNES takes IF.N over.
 */
export function rj45(
  imp: Importer,
  label: string,
  at: Path,
  real: string,
  vlan: unknown,
): { interface: string; vlan?: number } {
  const v = vlan !== null && typeof vlan === 'object' ? (vlan as Obj) : {}
  if (v.enabled !== '1' && v.enabled !== 1 && v.enabled !== true) return { interface: real }
  const tag = Number(v.tag)
  if (Number.isInteger(tag) && tag >= 1 && tag <= 4094) return { interface: real, vlan: tag }
  imp.warn(label, at, `vlan tag ${JSON.stringify(v.tag)} is not 1..4094; the whole interface is used`)
  return { interface: real }
}

export function importInterfaces(
  imp: Importer,
  id: string,
  label: string,
  kind: NodeKind,
  raw: Obj,
  startup: string[],
): IfaceFile[] {
  const out: IfaceFile[] = []
  const info = imp.info.get(id)!
  const l3 = kind !== 'switch' && kind !== 'hub' && kind !== 'external'
  // Current files keep loopbacks among `ifaces` (type lo); older ones in `logifaces`.
  const all: [string, unknown, Path][] = []
  for (const group of ['logifaces', 'ifaces'] as const) {
    const m = raw[group]
    if (m === undefined) continue
    if (!isObj(m)) {
      imp.warn(label, ['nodes', id, group], `${group} is not an object; ignored`)
      continue
    }
    for (const ifc of Object.keys(m)) all.push([ifc, m[ifc], ['nodes', id, group, ifc]])
  }
  for (const [ifc, r, at] of all) {
    if (!isObj(r)) {
      imp.warn(label, at, `interface ${ifc} is not an object; ignored`)
      continue
    }
    const name = typeof r.name === 'string' && r.name !== '' ? r.name : ifc
    const type = typeof r.type === 'string' ? r.type : 'phys'
    const v4 = words(r.ipv4_addrs)
    const v6 = words(r.ipv6_addrs)
    if (type === 'lo') {
      if (l3) loopback(imp, label, at, name, v4, startup)
      continue
    }
    // A vlan(4) interface of a pc, host or router: on its vlan_dev, tagged vlan_tag; no link of its own.
    if (type === 'vlan' && l3) {
      const tag = Number(r.vlan_tag)
      const dev = typeof r.vlan_dev === 'string' ? r.vlan_dev : ''
      if (dev === '' || !Number.isInteger(tag) || tag < 1 || tag > 4094) {
        imp.warn(label, at, `${name}: vlan interface needs vlan_dev and a vlan_tag of 1..4094; ignored`)
        continue
      }
      if (!new RegExp(PATTERNS.ifaceName).test(name) || out.some((i) => i.name === name)) {
        imp.warn(label, at, `interface name '${name}' is not usable; interface ignored`)
        continue
      }
      const iface: IfaceFile = { name, vlan: { tag, dev } }
      const addrs = v4.filter((a) => {
        if (parsePrefix(a)) return true
        imp.warn(label, at, `${name}: '${a}' is not an IPv4 address/prefix; ignored`)
        return false
      })
      if (addrs.length > 0) iface.addresses = addrs
      const v6ok = v6.filter((a) => {
        if (isIpv6Prefix(a)) return true
        imp.warn(label, at, `${name}: '${a}' is not an IPv6 address/prefix; ignored`)
        return false
      })
      if (v6ok.length > 0) iface.ipv6 = v6ok
      info.ifaces.set(ifc, name)
      out.push(iface)
      continue
    }
    // An rj45 node's interface is the host NIC it takes over ('stolen'); an ext node's, the host side.
    if (type !== 'phys' && !(kind === 'external' && (type === 'stolen' || type === 'ext'))) {
      imp.warn(label, at, `${name}: ${type} interfaces are not supported yet; ignored`)
      continue
    }
    if (!new RegExp(PATTERNS.ifaceName).test(name) || /^lo[0-9]*$/.test(name)) {
      imp.warn(label, at, `interface name '${name}' is not usable; interface ignored`)
      continue
    }
    if (out.some((i) => i.name === name)) {
      imp.warn(label, at, `interface name '${name}' appears twice; the second is ignored`)
      continue
    }
    const iface: IfaceFile = { name }
    // A lanswitch port with vlan_tag is an access port of that VLAN; a trunk (vlan_type trunk, or
    // no tag) carries tagged frames.
    if (kind === 'switch' && r.vlan_tag !== undefined && r.vlan_tag !== '' && r.vlan_type !== 'trunk') {
      const tag = Number(r.vlan_tag)
      if (Number.isInteger(tag) && tag >= 1 && tag <= 4094) iface.vlan = { tag }
      else imp.warn(label, at, `${name}: vlan_tag ${JSON.stringify(r.vlan_tag)} is not 1..4094; a trunk port`)
    } else if (
      kind === 'external' &&
      type === 'stolen' &&
      out.length === 0 &&
      typeof r.vlan_dev === 'string' &&
      new RegExp(PATTERNS.ifaceName).test(r.vlan_dev) &&
      Number.isInteger(Number(r.vlan_tag)) &&
      Number(r.vlan_tag) >= 1 &&
      Number(r.vlan_tag) <= 4094
    ) {
      // rj45 with a VLAN: IMUNES takes VLAN_TAG of the device vlan_dev (`ifconfig DEV.TAG create`).
      imp.stolenVlan.set(id, { dev: r.vlan_dev, tag: Number(r.vlan_tag) })
    } else if (kind !== 'switch' && (r.vlan_tag !== undefined || r.vlan_dev !== undefined))
      imp.warn(label, at, `${name}: a VLAN on a ${type} interface is not supported; ignored`)
    if (l3) {
      const addrs = v4.filter((a) => {
        if (parsePrefix(a)) return true
        imp.warn(label, at, `${name}: '${a}' is not an IPv4 address/prefix; ignored`)
        return false
      })
      if (addrs.length > 0) iface.addresses = addrs
      const v6ok = v6.filter((a) => {
        if (isIpv6Prefix(a)) return true
        imp.warn(label, at, `${name}: '${a}' is not an IPv6 address/prefix; ignored`)
        return false
      })
      if (v6ok.length > 0) iface.ipv6 = v6ok
      if (typeof r.mac === 'string' && r.mac !== '') {
        const mac = normalizeMac(r.mac)
        if (mac) iface.mac = mac
        else imp.warn(label, at, `${name}: '${r.mac}' is not a MAC address; a generated one is used`)
      }
      const mtu = r.mtu === undefined || r.mtu === '' ? null : Number(r.mtu)
      if (mtu !== null) {
        if (Number.isInteger(mtu) && mtu >= 68 && mtu <= 9000) iface.mtu = mtu
        else imp.warn(label, at, `${name}: MTU ${JSON.stringify(r.mtu)} is out of range (68..9000); ignored`)
      }
    } else if (v4.length > 0) imp.warn(label, at, `${name}: ${kind} ports have no IP address; ignored`)
    info.ifaces.set(ifc, name)
    out.push(iface)
  }
  return out
}

/** lo0 exists everywhere with 127.0.0.1; anything beyond that becomes startup commands. */
export function loopback(
  imp: Importer,
  label: string,
  at: Path,
  name: string,
  v4: string[],
  startup: string[],
): void {
  const extra = v4.filter((a) => !/^127\.0\.0\.1\/[0-9]+$/.test(a) || name !== 'lo0')
  if (extra.length === 0) return
  if (!/^lo[0-9]+$/.test(name)) {
    imp.warn(label, at, `loopback interface '${name}' is not usable; ignored`)
    return
  }
  if (name !== 'lo0') startup.push(`ifconfig ${name} create`)
  for (const a of extra) {
    if (!parsePrefix(a)) {
      imp.warn(label, at, `${name}: '${a}' is not an IPv4 address/prefix; ignored`)
      continue
    }
    startup.push(`ifconfig ${name} inet ${a} alias`)
  }
}

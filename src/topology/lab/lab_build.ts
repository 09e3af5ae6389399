/**
 * Building a lab the way IMUNES builds one on FreeBSD (emulator.ts's header tells the whole story):
 * jails and their ng_eiface interfaces with MAC, MTU, addresses and routes; bridges and hubs for
 * switches and hubs, an ng_vlan per VLAN access port; external nodes as a vxlan interface, a tap on
 * the machine's interface or the host's own interfaces; then the cables, each through a pipe when it
 * impairs traffic. Functions of the lab.
 *
 * Must not: leave anything behind on failure by itself; Lab.build tears a failed build down.
 */

import type { NgSocket, Syscalls } from '../../host/syscalls.js'
import { parseIpv4, parseMac } from '../../wire/addr.js'
import { parseIpv6 } from '../../wire/inet6/in6_addr.js'
import { loadModules } from '../firewall/lab_firewall.js'
import { type Endpoint, isL3, type TopoIface, type TopoNode } from '../model.js'
import type { Lab } from './emulator.js'
import { LabError, type LabLink, linkName, ngPath, type Port, quietly } from './lab_var.js'
import { impairs } from './link_cfg.js'
import { hostRj45Ports } from './rj45_host.js'

/** `"ngeth3"` (ngctl's quoting of a string response) → `ngeth3`. */
function unquote(s: string | null): string {
  if (s === null) throw new LabError('eiface: getifname gave no name')
  return s.startsWith('"') ? s.slice(1, -1) : s
}

function parseCidr(s: string): [number, number] {
  const slash = s.indexOf('/')
  return [parseIpv4(s.slice(0, slash))!, Number(s.slice(slash + 1))]
}

const JAIL_PARAMS_FIXED: ReadonlyArray<readonly [string, string | true]> = Object.freeze([
  ['vnet', true],
  ['persist', true],
] as const)

export function buildAll(lab: Lab): void {
  lab.step('kldload', () => loadModules(lab.root, lab.topology.modules ?? [], lab.hostChanges))
  // New netgraph nodes hang off this socket until the cables are plugged in; closing it then cuts
  // those temporary hooks and leaves the (persistent) nodes.
  const tmp = lab.root.ngSocket()
  let hooks = 0
  try {
    for (const n of lab.topology.nodes) {
      if (isL3(n.kind)) buildL3(lab, n, tmp, () => `n${hooks++}`)
      else if (n.kind === 'external') lab.step(n.name, () => buildExternal(lab, n, tmp, `n${hooks++}`))
      else {
        const info = lab.step(n.name, () =>
          tmp.mkpeer('.', n.kind === 'switch' ? 'bridge' : 'hub', `n${hooks++}`, 'link0'),
        )
        lab.ng.msg(ngPath(info.id), 'setpersistent', '')
        lab.byName.set(n.name, {
          name: n.name,
          kind: n.kind,
          topo: n,
          ngId: info.id,
          eifaces: new Map(),
          removed: false,
        })
      }
    }
  } finally {
    tmp.close()
  }
  const nextPort = new Map<string, number>()
  const port = (e: Endpoint): Port => {
    const node = lab.byName.get(e.node)!
    if (node.ngId === null) return { id: node.eifaces.get(e.iface)!, hook: 'ether' }
    if (node.kind === 'external') return { id: node.hostPorts?.get(e.iface) ?? node.ngId, hook: 'lower' }
    const k = nextPort.get(e.node) ?? 0
    nextPort.set(e.node, k + 1)
    // An access port of a VLAN (IMUNES vlan_tag): an ng_vlan between the cable and the bridge
    // tags what comes in and lets out, untagged, only that VLAN's frames. Other ports are trunks.
    const tag =
      node.kind === 'switch' ? node.topo.interfaces.find((i) => i.name === e.iface)?.vlan?.tag : undefined
    if (tag !== undefined) {
      const id = lab.ng.mkpeer(ngPath(node.ngId), 'vlan', `link${k}`, 'downstream').id
      lab.ng.msg(ngPath(id), 'addfilter', `{ hook="v${tag}" vid=${tag} }`)
      return { id, hook: `v${tag}` }
    }
    return { id: node.ngId, hook: `link${k}` }
  }
  for (const [index, l] of lab.topology.links.entries()) {
    const link: LabLink = {
      index,
      a: l.a,
      b: l.b,
      portA: port(l.a),
      portB: port(l.b),
      direct: l.direct,
      pipe: null,
      up: false,
      ab: l.ab,
      ba: l.ba,
      removed: false,
    }
    lab.linkList.push(link)
    for (const end of new Set([l.a.node, l.b.node])) {
      const list = lab.linksOf.get(end)
      if (list === undefined) lab.linksOf.set(end, [link])
      else list.push(link)
    }
    lab.step(linkName(link), () => {
      if (!l.direct && (impairs(l.ab) || impairs(l.ba))) lab.addPipe(link)
      if (l.up) lab.plug(link)
    })
  }
}

/**
 * An external node: a vxlan interface in vnet0 with the node's end point, up, its ng_ether node the
 * port. Without an end point it is a hub with nothing behind it (the file was warned about).
 */
export function buildExternal(lab: Lab, n: TopoNode, tmp: NgSocket, hook: string): void {
  if (n.rj45 !== undefined) {
    const vlan = n.rj45.vlan
    const names =
      vlan !== undefined || n.interfaces.length === 0 ? [n.rj45.interface] : n.interfaces.map((i) => i.name)
    let ports = hostRj45Ports(lab.root, lab.ng, names)
    if (ports === null) {
      buildRj45(lab, n, n.rj45.interface, vlan)
      return
    }
    // As IMUNES's captureExtIfcByName: the interface comes up for the lab (it stays up after).
    for (const name of ports.keys()) lab.root.ifSetUp(name, true)
    let vlanIf: string | undefined
    if (vlan !== undefined) {
      // One VLAN of the host's interface: a vlan interface on it is the port (IMUNES's DEV.TAG).
      vlanIf = lab.root.ifCreate(`${n.rj45.interface}.${vlan}`)
      lab.root.ifSetUp(vlanIf, true)
      const id = lab.ng.show(`${vlanIf}:`).id
      ports = new Map((n.interfaces.length > 0 ? n.interfaces : [{ name: vlanIf }]).map((i) => [i.name, id]))
    }
    lab.byName.set(n.name, {
      name: n.name,
      kind: n.kind,
      topo: n,
      ngId: ports.values().next().value!,
      eifaces: new Map(),
      removed: false,
      hostPorts: ports,
      ...(vlanIf !== undefined && { hostVlanIf: vlanIf }),
    })
    return
  }
  const v = n.vxlan
  if (v === undefined) {
    const info = tmp.mkpeer('.', 'hub', hook, 'link0')
    lab.ng.msg(ngPath(info.id), 'setpersistent', '')
    lab.byName.set(n.name, {
      name: n.name,
      kind: n.kind,
      topo: n,
      ngId: info.id,
      eifaces: new Map(),
      removed: false,
    })
    return
  }
  const name = lab.root.ifCreate('vxlan')
  try {
    lab.root.ifVxlanSet(name, {
      vni: v.vni,
      local: parseIpv4(v.local)!,
      localPort: v.localPort,
      remote: parseIpv4(v.remote)!,
      remotePort: v.remotePort,
    })
    lab.root.ifSetDescription(name, `lab ${lab.topology.name} external ${n.name}`)
    lab.root.ifSetUp(name, true)
    const id = lab.ng.show(`${name}:`).id
    lab.byName.set(n.name, {
      name: n.name,
      kind: n.kind,
      topo: n,
      ngId: id,
      eifaces: new Map(),
      removed: false,
      vxlanIf: name,
    })
  } catch (e) {
    quietly(() => lab.root.ifDestroy(name))
    throw e
  }
}

/**
 * An rj45 external node: a tap in vnet0 whose wire is the machine's interface (raw, promiscuous),
 * up and without addresses; with a VLAN, a vlan interface on it is the port, as IMUNES takes
 * `IF.TAG` over. Its ng_ether node is the node's one port.
 */
export function buildRj45(lab: Lab, n: TopoNode, real: string, vlan: number | undefined): void {
  const name = lab.root.ifCreatePacket(real)
  try {
    lab.root.ifSetDescription(name, `lab ${lab.topology.name} external ${n.name} (rj45 ${real})`)
    lab.root.ifSetUp(name, true)
    let port = name
    if (vlan !== undefined) {
      port = lab.root.ifCreate(`${name}.${vlan}`)
      lab.root.ifSetUp(port, true)
    }
    const id = lab.ng.show(`${port}:`).id
    lab.byName.set(n.name, {
      name: n.name,
      kind: n.kind,
      topo: n,
      ngId: id,
      eifaces: new Map(),
      removed: false,
      realIf: name,
    })
  } catch (e) {
    if (vlan !== undefined) quietly(() => lab.root.ifDestroy(`${name}.${vlan}`))
    quietly(() => lab.root.ifDestroy(name))
    throw e
  }
}

export function buildL3(lab: Lab, n: TopoNode, tmp: NgSocket, hookName: () => string): void {
  const name = n.name
  lab.step(name, () =>
    lab.root.jailCreate([
      ['name', name],
      ...JAIL_PARAMS_FIXED,
      ['host.hostname', name],
      ['path', lab.nodePath(name)],
    ]),
  )
  const sys = lab.sys(name)
  // A new vnet's lo0 is down and bare, as on FreeBSD; IMUNES configures it on every node
  // (127.0.0.1/8 and, once up, ::1/128), and labs rely on it.
  lab.step(`${name}: lo0`, () => sys.ifAddAddr('lo0', 0x7f000001, 8))
  const eifaces = new Map<string, number>()
  lab.byName.set(name, { name, kind: n.kind, topo: n, ngId: null, eifaces, removed: false })
  for (const i of n.interfaces) {
    if (i.vlan?.dev) continue
    lab.step(`${name}: ${i.name}`, () => {
      const info = tmp.mkpeer('.', 'eiface', hookName(), 'ether')
      eifaces.set(i.name, info.id)
      const ifname = unquote(tmp.msg(ngPath(info.id), 'getifname', '').response)
      lab.root.ifMoveToJail(ifname, name)
      if (ifname !== i.name) sys.ifRename(ifname, i.name)
      if (i.mac !== null) sys.ifSetMac(i.name, parseMac(i.mac)!)
      if (i.mtu !== null) sys.ifSetMtu(i.name, i.mtu)
      configureAddrs(sys, i)
    })
  }
  // vlan(4) interfaces on the node's own interfaces, made once their parents exist.
  for (const i of n.interfaces) {
    const dev = i.vlan?.dev
    if (!dev) continue
    lab.step(`${name}: ${i.name}`, () => {
      const vname = sys.ifCreate('vlan')
      sys.ifVlanSet(vname, { tag: i.vlan!.tag, parent: dev, proto: 0x8100 })
      if (vname !== i.name) sys.ifRename(vname, i.name)
      if (i.mtu !== null) sys.ifSetMtu(i.name, i.mtu)
      configureAddrs(sys, i)
    })
  }
  for (const r of n.routes)
    lab.step(`${name}: route ${r.to} ${r.via}`, () => {
      const [dst, len] = parseCidr(r.to)
      sys.routeAdd({ dst, prefixLen: len, gateway: parseIpv4(r.via)! })
    })
  for (const r of n.routes6 ?? [])
    lab.step(`${name}: route -6 ${r.to} ${r.via}`, () => {
      const slash = r.to.lastIndexOf('/')
      sys.inet6.routeAdd({
        dst: parseIpv6(r.to.slice(0, slash))!,
        prefixLen: Number(r.to.slice(slash + 1)),
        gateway: parseIpv6(r.via)!,
      })
    })
  if (n.forwarding) lab.step(name, () => sys.sysctlSet('net.inet.ip.forwarding', '1'))
  // A router forwards IPv6 too (IMUNES sets both); its addresses are configured above.
  if (n.forwarding) lab.step(name, () => sys.sysctlSet('net.inet6.ip6.forwarding', '1'))
}

/** An interface's IPv4 and IPv6 addresses; up even without any. */
export function configureAddrs(sys: Syscalls, i: TopoIface): void {
  for (const [k, a] of i.addresses.entries()) {
    const [addr, len] = parseCidr(a)
    sys.ifAddAddr(i.name, addr, len, { alias: k > 0 })
  }
  if (i.addresses.length === 0) sys.ifSetUp(i.name, true)
  for (const a of i.ipv6) {
    const slash = a.lastIndexOf('/')
    sys.inet6.addAddr(i.name, parseIpv6(a.slice(0, slash))!, Number(a.slice(slash + 1)))
  }
}

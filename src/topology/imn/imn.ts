/**
 * IMUNES labs (`.imn`, the JSON format of current IMUNES; shared/IMUNES.md) imported into the same
 * model as VirtNet's own files. The importer translates an IMUNES lab into a VirtNet topology file
 * (TopologyFile), then runs the ordinary validation and resolution on it in lenient mode — so both
 * formats obey one set of rules — and reports everything it cannot represent as a warning naming the
 * IMUNES node: `lab.imn:12: n3 (router1): ospf is not supported yet; static routes only`. A lab loads
 * whenever its JSON is readable; only unreadable text or a file without nodes is an error.
 *
 * Mapping: pc/host/router keep their kind (routers forward), lanswitch -> switch, hub -> hub; node
 * `name` is the node name; `phys` interfaces keep name, `mac`, `mtu`, `ipv4_addrs`, `ipv6_addrs`
 * (kept, not configured); `lo` interfaces become startup commands when they carry more than
 * 127.0.0.1; `croutes4` "DEST/LEN GW" are static routes; links keep their interfaces and impairments:
 * `bandwidth` bit/s, `delay` µs, `ber` 1/N -> probability 1/N, `loss` and `duplicate` percent, `direct`
 * -> no shaping element, jitter lists approximated (see below). Cross-canvas links through `pseudo`
 * nodes (two halves joined by `mirror`) are rejoined. An enabled custom configuration runs after the
 * interfaces are configured, as in IMUNES; its natd lines become ipfw nat and its ipfw lines find the modules
 * loaded (imn_fw.ts). Routers of model frr/quagga with `rip 1` run ripd with IMUNES's generated
 * `router rip` block (the node's `rip` setting, routing.ts), with `ripng 1` ripngd with its `router
 * ripng` block (`network ::/0`), with `ospf 1` ospfd with its
 * `router ospf` block (`ospf`), and with `ospf6 1` ospf6d with IMUNES's FRR configuration (each
 * interface in area 0, `ospf6 router-id` 1 + the node's number), with `isis 1` isisd (`router isis 1`
 * on every interface but lo0; a custom configuration gives its own). `auto_default_routes` (enabled unless "disabled") gives end systems
 * without a default route one toward an adjacent router. `gui` and `options` are display data.
 */

import { formatIpv4, parseIpv4 } from '../../wire/addr.js'
import { parseIpv6 } from '../../wire/inet6/in6_addr.js'
import { addDefaultRoutes, segments } from '../auto.js'
import { addDefaultRoutes6 } from '../auto6.js'
import { isIpv6Prefix, normalizeMac, parseDestination, parsePrefix } from '../cidr.js'
import { Diagnostics, guard, type Path, render, TopologyError } from '../file/diagnostics.js'
import { labNameFrom, normalize } from '../file/normalize.js'
import {
  type IfaceFile,
  type LinkFile,
  type NodeFile,
  PATTERNS,
  type RouteFile,
  type TopologyFile,
  TopologySchema,
} from '../file/schema.js'
import { parseSource } from '../file/source.js'
import type { NodeKind, Topology } from '../model.js'
import { KNOWN_SERVICES } from '../services.js'

/** Where frrboot.sh's configuration goes (FRR's integrated file, as vtysh -b reads it). */
const FRR_CONF_PATH = '/usr/local/etc/frr/frr.conf'

/** IMUNES's generated FRR block for `bgp 1` (config/nodecfg.tcl), as its startup runs it. */
const IMUNES_BGP = [
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

import { checkSchema } from '../file/validate.js'
import { scriptModules } from './imn_fw.js'
import { nat64Startup } from './imn_nat64.js'

const KINDS: Readonly<Record<string, NodeKind>> = Object.freeze({
  pc: 'pc',
  host: 'host',
  router: 'router',
  // A router that also runs TAYGA on tun0 (imn_nat64.ts).
  nat64: 'router',
  lanswitch: 'switch',
  hub: 'hub',
  // A real NIC (rj45: the machine's interface, read raw) or a link to the host (ext: over VXLAN, and
  // the .imn file has no end point for it): the far end of one cable.
  rj45: 'external',
  ext: 'external',
})

/** IMUNES node types VirtNet cannot emulate yet (IMUNES.md); their nodes and links are skipped. */
const UNSUPPORTED: Readonly<Record<string, string>> = Object.freeze({
  extnat: 'NAT to the host',
  stpswitch: 'a spanning-tree switch',
  filter: 'a packet filter node',
  packgen: 'a packet generator',
  wlan: 'wireless LAN',
})

/** Node keys that only matter to the IMUNES GUI or to features that need no translation. */
const IGNORED_NODE_KEYS: ReadonlySet<string> = new Set([
  'type',
  'name',
  'model',
  'router_config',
  'ifaces',
  'logifaces',
  'croutes4',
  'croutes6',
  'auto_default_routes',
  'services',
  'custom_configs',
  'custom_enabled',
  'custom_selected',
  'cpu',
  'canvas',
  'iconcoords',
  'labelcoords',
  'label',
  'custom_icon',
  'custom_image',
  'docker_attach',
  'docker_image',
  'mirror',
  // A lanswitch with vlan_tag ports filters VLANs whatever this says (the ports' tags are used).
  'vlan_filtering',
])

const IGNORED_LINK_KEYS: ReadonlySet<string> = new Set([
  'peers',
  'peers_ifaces',
  'bandwidth',
  'delay',
  'ber',
  'loss',
  'duplicate',
  'direct',
  'mirror',
  'color',
  'width',
  'jitter_upstream',
  'jitter_upstream_mode',
  'jitter_upstream_hold',
  'jitter_downstream',
  'jitter_downstream_mode',
  'jitter_downstream_hold',
])

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v)
const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined)
/** Table lookup by a key from the file: `__proto__` or `constructor` must not find Object's members. */
const lookup = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined

/** Loads an IMUNES `.imn` lab. Throws TopologyError only for unreadable text or a file without nodes. */
export function loadImn(text: string, fileName: string): { topology: Topology; warnings: string[] } {
  return guard(fileName, () => {
    if (/^\s*(?:node|link|canvas|option|annotation)\s+\S+\s*\{/.test(text))
      throw new TopologyError([
        `${fileName}:1: this is the legacy (Tcl-like) IMUNES format; open and save it with a current IMUNES to convert it to JSON`,
      ])
    const src = parseSource(text, fileName, { json: true, duplicateKeys: true })
    const root = src.value
    if (!isObj(root) || !isObj(own(root, 'nodes')))
      throw new TopologyError(
        [`${fileName}:1: not an IMUNES lab: expected a JSON object with "nodes"`],
        src.warnings,
      )
    const diags = new Diagnostics()
    const imp = new Importer(root, diags)
    const file = imp.run(labNameFrom(fileName))

    // The translation should always satisfy the schema; if not, say so instead of failing later.
    const modelDiags = new Diagnostics()
    let topology: Topology | null = null
    if (checkSchema(TopologySchema, file, modelDiags)) {
      topology = normalize(file, modelDiags, { name: labNameFrom(fileName), lenient: true })
      if (modelDiags.errorCount === 0 && imp.autoDefault.size > 0)
        addDefaultRoutes(topology, segments(topology), (n) => imp.autoDefault.has(n.name))
      for (const n of topology.nodes) {
        const r6 = imp.routes6.get(n.name)
        if (r6 !== undefined) n.routes6 = r6
        const sv = imp.services.get(n.name)
        if (sv !== undefined) n.services = sv
      }
      if (modelDiags.errorCount === 0 && imp.autoDefault.size > 0)
        addDefaultRoutes6(topology, segments(topology), (n) => imp.autoDefault.has(n.name))
      // Scripts that use ipfw find it loaded, as on the FreeBSD host IMUNES runs on.
      const modules = scriptModules(topology.nodes.flatMap((n) => n.startup))
      if (modules.length > 0) topology.modules = modules
    }
    for (const d of modelDiags.list) {
      const { label, at } = imp.relabel(file, d.path)
      diags.labeled(d.severity, label, at, d.message)
    }
    const { errors, warnings } = render(diags.list, fileName, src.lineOf)
    const allWarnings = [...src.warnings, ...warnings]
    if (errors.length > 0 || topology === null) throw new TopologyError(errors, allWarnings)
    return { topology, warnings: allWarnings }
  })
}

interface NodeInfo {
  id: string
  name: string
  type: string
  /** IMUNES interface id -> our interface name, for the links. */
  ifaces: Map<string, string>
}

class Importer {
  /** Our node name -> its IMUNES id. */
  private readonly ids = new Map<string, string>()
  private readonly info = new Map<string, NodeInfo>()
  /** An rj45 node's VLAN given on its (stolen) interface, IMUNES's current form: node id → device, tag. */
  private readonly stolenVlan = new Map<string, { dev: string; tag: number }>()
  /** For each link of the result, its IMUNES id. */
  private readonly linkIds: string[] = []
  /** Nodes whose default route IMUNES computes (auto_default_routes enabled). */
  readonly autoDefault = new Set<string>()
  private ipv6Routes = 0
  /** Valid croutes6 per node name, installed as the node's routes6. */
  readonly routes6 = new Map<string, Array<{ to: string; via: string }>>()
  /** Node name -> the IMUNES services it runs and its IMUNES id (services.ts). */
  readonly services = new Map<string, { names: string[]; id: string }>()

  constructor(
    private readonly root: Obj,
    private readonly diags: Diagnostics,
  ) {}

  private warn(label: string, at: Path, message: string): void {
    this.diags.labeled('warning', label, at, message)
  }

  run(name: string): TopologyFile {
    const nodes: Record<string, NodeFile> = {}
    const rawNodes = this.root.nodes as Obj
    for (const id of Object.keys(rawNodes)) {
      const raw = own(rawNodes, id)
      const result = this.node(id, raw)
      if (result) nodes[result.name] = result.node
    }
    const links = this.links()
    for (const k of Object.keys(this.root))
      if (!['nodes', 'links', 'options', 'gui', 'canvases', 'annotations', 'images'].includes(k))
        this.warn('', [k], `unknown top-level member '${k}' ignored`)
    if (this.ipv6Routes > 0)
      this.warn('', [], `${this.ipv6Routes} IPv6 static route(s) not "DEST/LEN GATEWAY"; ignored`)
    return { name, nodes, links }
  }

  // ---- nodes ----

  private node(id: string, raw: unknown): { name: string; node: NodeFile } | null {
    const at: Path = ['nodes', id]
    if (!isObj(raw)) {
      this.warn(id, at, 'is not an object; node skipped')
      return null
    }
    const type = typeof raw.type === 'string' ? raw.type : ''
    const name = this.nodeName(id, raw)
    const label = `${id} (${name})`
    this.info.set(id, { id, name, type, ifaces: new Map() })
    if (type === 'pseudo') return null // half of a cross-canvas link; links() joins the halves
    const kind = lookup(KINDS, type)
    if (!kind) {
      const what = lookup(UNSUPPORTED, type)
      this.warn(
        label,
        at,
        what
          ? `node type ${type} (${what}) is not supported yet; node skipped`
          : `unknown node type ${type === '' ? '(none)' : `'${type}'`}; node skipped`,
      )
      return null
    }
    this.ids.set(name, id)
    const node: NodeFile = { kind }
    const unknown = Object.keys(raw).filter(
      (k) =>
        !IGNORED_NODE_KEYS.has(k) &&
        !(type === 'rj45' && k === 'vlan') &&
        !(type === 'nat64' && k === 'nat64'),
    )
    for (const k of unknown) {
      if (k === 'ipsec') this.warn(label, at, 'IPsec is not supported yet; ignored')
      else if (k === 'events') this.warn(label, at, 'events are not supported yet; ignored')
      else this.warn(label, at, `unknown key '${k}' ignored`)
    }
    const protos =
      kind === 'router'
        ? this.routerConfig(label, at, raw)
        : { rip: false, ospf: false, ripng: false, bgp: false, ospf6: false, isis: false }
    const rip = protos.rip
    const ospf = protos.ospf
    const ripng = protos.ripng
    const bgp = protos.bgp
    if (kind === 'external') {
      const ifs = this.interfaces(id, label, kind, raw, [])
      if (ifs.length > 0) node.interfaces = ifs
      if (type === 'rj45') {
        const sv = this.stolenVlan.get(id)
        node.rj45 =
          sv !== undefined && raw.vlan === undefined
            ? { interface: sv.dev, vlan: sv.tag }
            : this.rj45(label, at, ifs[0]?.name ?? name, raw.vlan)
        return { name, node }
      }
      this.warn(
        label,
        at,
        `${type} node becomes an external node; a .imn file cannot say where its VXLAN tunnel goes ` +
          "(an rj45 node on a veth you make reaches the machine's network instead)",
      )
      return { name, node }
    }
    const services = words(raw.services)
    const unknownServices = services.filter((s) => !KNOWN_SERVICES.includes(s))
    if (unknownServices.length > 0)
      this.warn(label, at, `services are not supported yet: ${unknownServices.join(', ')} will not run`)
    const known = services.filter((s) => KNOWN_SERVICES.includes(s))
    if (known.length > 0 && kind !== 'switch' && kind !== 'hub') this.services.set(name, { names: known, id })

    const startup: string[] = []
    const interfaces = this.interfaces(id, label, kind, raw, startup)
    if (interfaces.length > 0) node.interfaces = interfaces

    const routes: RouteFile[] = []
    for (const r of list(raw.croutes4)) {
      const [dest, gw, extra] = typeof r === 'string' ? r.trim().split(/\s+/) : []
      const to = dest === undefined ? null : parseDestination(dest)
      if (!to || gw === undefined || parseIpv4(gw) === null || extra !== undefined) {
        this.warn(label, at, `static route ${JSON.stringify(r)} is not "DEST/LEN GATEWAY"; ignored`)
        continue
      }
      routes.push({ to: dest === 'default' ? 'default' : `${formatIpv4(to.addr)}/${to.len}`, via: gw })
    }
    // croutes6: "DEST/LEN GW" IPv6 static routes, set on the node once the lab is normalized.
    const routes6: Array<{ to: string; via: string }> = []
    for (const r of list(raw.croutes6)) {
      const [dest, gw, extra] = typeof r === 'string' ? r.trim().split(/\s+/) : []
      const slash = dest?.lastIndexOf('/') ?? -1
      const len = dest === undefined || slash < 0 ? Number.NaN : Number(dest.slice(slash + 1))
      if (
        dest === undefined ||
        gw === undefined ||
        extra !== undefined ||
        parseIpv6(dest.slice(0, slash)) === null ||
        !(Number.isInteger(len) && len >= 0 && len <= 128) ||
        parseIpv6(gw) === null
      ) {
        this.ipv6Routes++
        continue
      }
      routes6.push({ to: `${dest.slice(0, slash)}/${len}`, via: gw })
    }
    if (routes6.length > 0 && kind !== 'switch' && kind !== 'hub') this.routes6.set(name, routes6)
    if (kind !== 'switch' && kind !== 'hub') {
      if (routes.length > 0) node.routes = routes
      const auto = raw.auto_default_routes
      if (kind !== 'router' && auto !== 'disabled') this.autoDefault.add(name)
    }

    const custom = kind === 'switch' || kind === 'hub' ? null : this.customConfig(label, at, raw)
    if (custom) {
      // As in IMUNES (nodes/generic_l3.tcl): interfaces are configured apart from the node's custom
      // configuration (IFACES_CONFIG), so addresses stay; the script runs, then the generated lines.
      this.warn(
        label,
        at,
        `custom configuration '${custom.name}' runs at startup (${custom.lines.length} line(s)) after the file's addresses, as in IMUNES`,
      )
      node.startup = [...startup, ...custom.lines]
      // IMUNES starts the routing daemons whatever the script; the script configures them.
      if (rip) node.rip = { configure: false }
      if (ripng) node.ripng = { configure: false }
      if (ospf) node.ospf = { configure: false }
      if (protos.ospf6) node.ospf6 = { configure: false }
      if (protos.isis) node.isis = { configure: false }
      // frrboot.sh's configuration file names the protocols itself.
      if (bgp || (custom.frr && custom.lines.some((l) => /^router bgp\b/.test(l.trim()))))
        node.bgp = { as: 1000, configure: false }
      // IMUNES appends its generated configuration to the custom one; for bgp that is `router bgp
      // 1000`, which FRR refuses once the script has made another AS: nothing it would change, so
      // it is left out rather than failing at every start.
    } else {
      if (startup.length > 0) node.startup = startup
      // IMUNES's generated FRR configuration for `rip 1` (its `redistribute ospf` has no daemon here).
      if (rip) node.rip = { networks: ['0.0.0.0/0'], redistribute: ['static', 'connected'] }
      if (ripng) node.ripng = { networks: ['::/0'], redistribute: ['static', 'connected'] }
      if (ospf) node.ospf = { networks: ['0.0.0.0/0'], redistribute: ['static', 'connected'] }
      if (protos.ospf6) {
        // nodecfg.tcl: router-id `ip::intToString [expr 1 + N]` for node nN; every interface but lo0.
        const n = Number(id.replace(/^n/, ''))
        const rid = Number.isInteger(n) ? n + 1 : 1
        const names = interfaces.map((i) => i.name).filter((x) => !x.startsWith('lo'))
        node.ospf6 = {
          routerId: formatIpv4(rid >>> 0),
          interfaces: names,
          redistribute: ['static', 'connected'],
        }
      }
      if (protos.isis) node.isis = true
      // IMUNES's generated `router bgp 1000`: a peer group and redistribution, but no neighbours.
      if (bgp) {
        node.bgp = { as: 1000, configure: false }
        node.startup = [...(node.startup ?? []), ...IMUNES_BGP]
      }
    }
    // nat64.start: tun0, its routes, tayga.conf and tayga, after the router's own start.
    if (type === 'nat64')
      node.startup = [...(node.startup ?? []), ...nat64Startup(raw.nat64, (m) => this.warn(label, at, m))]
    return { name, node }
  }

  /** The node's `name`, made valid and unique; the IMUNES id when there is none. */
  private nodeName(id: string, raw: Obj): string {
    const given = typeof raw.name === 'string' && raw.name !== '' ? raw.name : id
    let name = given.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 63)
    if (!/^[A-Za-z]/.test(name)) name = `n${name}`.slice(0, 63)
    // The id keeps names unique (`pc-n4`); the id itself may be long or odd, so sanitise again.
    const taken = (n: string) => this.ids.has(n) || [...this.info.values()].some((x) => x.name === n)
    for (let k = 1; taken(name); k++) {
      const suffix = `-${id.slice(0, 20)}${k === 1 ? '' : `-${k}`}`.replace(/[^A-Za-z0-9_-]/g, '_')
      name = `${name.slice(0, Math.max(1, 63 - suffix.length))}${suffix}`.slice(0, 63)
    }
    if (name !== given)
      this.warn(
        `${id} (${given})`,
        ['nodes', id],
        `named '${name}' (node names are letters, digits, '-' and '_', unique)`,
      )
    return name
  }

  /** Warns about what cannot run; which of ripd, ripngd, ospfd and bgpd the router runs (`rip 1`, `ripng 1`, `ospf 1`, `bgp 1`). */
  private routerConfig(
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
        this.warn(label, at, `${proto} is on, but a static router runs no routing daemon (as in IMUNES)`)
      else if (proto === 'rip') rip = true
      else if (proto === 'ospf') ospf = true
      else if (proto === 'ripng') ripng = true
      else if (proto === 'bgp') bgp = true
      else if (proto === 'ospf6') ospf6 = true
      else if (proto === 'isis') isis = true
      else this.warn(label, at, `${proto} is not supported yet; static routes only`)
    }
    return { rip, ospf, ripng, bgp, ospf6, isis }
  }

  /**
   * An rj45 node takes the machine's interface of its (stolen) interface's name; with `vlan {
   * enabled 1 tag N }`, only VLAN N of it, as IMUNES takes IF.N over.
   */
  private rj45(label: string, at: Path, real: string, vlan: unknown): { interface: string; vlan?: number } {
    const v = vlan !== null && typeof vlan === 'object' ? (vlan as Obj) : {}
    if (v.enabled !== '1' && v.enabled !== 1 && v.enabled !== true) return { interface: real }
    const tag = Number(v.tag)
    if (Number.isInteger(tag) && tag >= 1 && tag <= 4094) return { interface: real, vlan: tag }
    this.warn(label, at, `vlan tag ${JSON.stringify(v.tag)} is not 1..4094; the whole interface is used`)
    return { interface: real }
  }

  private interfaces(id: string, label: string, kind: NodeKind, raw: Obj, startup: string[]): IfaceFile[] {
    const out: IfaceFile[] = []
    const info = this.info.get(id)!
    const l3 = kind !== 'switch' && kind !== 'hub' && kind !== 'external'
    // Current files keep loopbacks among `ifaces` (type lo); older ones in `logifaces`.
    const all: [string, unknown, Path][] = []
    for (const group of ['logifaces', 'ifaces'] as const) {
      const m = raw[group]
      if (m === undefined) continue
      if (!isObj(m)) {
        this.warn(label, ['nodes', id, group], `${group} is not an object; ignored`)
        continue
      }
      for (const ifc of Object.keys(m)) all.push([ifc, m[ifc], ['nodes', id, group, ifc]])
    }
    for (const [ifc, r, at] of all) {
      if (!isObj(r)) {
        this.warn(label, at, `interface ${ifc} is not an object; ignored`)
        continue
      }
      const name = typeof r.name === 'string' && r.name !== '' ? r.name : ifc
      const type = typeof r.type === 'string' ? r.type : 'phys'
      const v4 = words(r.ipv4_addrs)
      const v6 = words(r.ipv6_addrs)
      if (type === 'lo') {
        if (l3) this.loopback(label, at, name, v4, startup)
        continue
      }
      // A vlan(4) interface of a pc, host or router: on its vlan_dev, tagged vlan_tag; no link of its own.
      if (type === 'vlan' && l3) {
        const tag = Number(r.vlan_tag)
        const dev = typeof r.vlan_dev === 'string' ? r.vlan_dev : ''
        if (dev === '' || !Number.isInteger(tag) || tag < 1 || tag > 4094) {
          this.warn(label, at, `${name}: vlan interface needs vlan_dev and a vlan_tag of 1..4094; ignored`)
          continue
        }
        if (!new RegExp(PATTERNS.ifaceName).test(name) || out.some((i) => i.name === name)) {
          this.warn(label, at, `interface name '${name}' is not usable; interface ignored`)
          continue
        }
        const iface: IfaceFile = { name, vlan: { tag, dev } }
        const addrs = v4.filter((a) => {
          if (parsePrefix(a)) return true
          this.warn(label, at, `${name}: '${a}' is not an IPv4 address/prefix; ignored`)
          return false
        })
        if (addrs.length > 0) iface.addresses = addrs
        const v6ok = v6.filter((a) => {
          if (isIpv6Prefix(a)) return true
          this.warn(label, at, `${name}: '${a}' is not an IPv6 address/prefix; ignored`)
          return false
        })
        if (v6ok.length > 0) iface.ipv6 = v6ok
        info.ifaces.set(ifc, name)
        out.push(iface)
        continue
      }
      // An rj45 node's interface is the host NIC it takes over ('stolen'); an ext node's, the host side.
      if (type !== 'phys' && !(kind === 'external' && (type === 'stolen' || type === 'ext'))) {
        this.warn(label, at, `${name}: ${type} interfaces are not supported yet; ignored`)
        continue
      }
      if (!new RegExp(PATTERNS.ifaceName).test(name) || /^lo[0-9]*$/.test(name)) {
        this.warn(label, at, `interface name '${name}' is not usable; interface ignored`)
        continue
      }
      if (out.some((i) => i.name === name)) {
        this.warn(label, at, `interface name '${name}' appears twice; the second is ignored`)
        continue
      }
      const iface: IfaceFile = { name }
      // A lanswitch port with vlan_tag is an access port of that VLAN; a trunk (vlan_type trunk, or
      // no tag) carries tagged frames.
      if (kind === 'switch' && r.vlan_tag !== undefined && r.vlan_tag !== '' && r.vlan_type !== 'trunk') {
        const tag = Number(r.vlan_tag)
        if (Number.isInteger(tag) && tag >= 1 && tag <= 4094) iface.vlan = { tag }
        else
          this.warn(label, at, `${name}: vlan_tag ${JSON.stringify(r.vlan_tag)} is not 1..4094; a trunk port`)
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
        this.stolenVlan.set(id, { dev: r.vlan_dev, tag: Number(r.vlan_tag) })
      } else if (kind !== 'switch' && (r.vlan_tag !== undefined || r.vlan_dev !== undefined))
        this.warn(label, at, `${name}: a VLAN on a ${type} interface is not supported; ignored`)
      if (l3) {
        const addrs = v4.filter((a) => {
          if (parsePrefix(a)) return true
          this.warn(label, at, `${name}: '${a}' is not an IPv4 address/prefix; ignored`)
          return false
        })
        if (addrs.length > 0) iface.addresses = addrs
        const v6ok = v6.filter((a) => {
          if (isIpv6Prefix(a)) return true
          this.warn(label, at, `${name}: '${a}' is not an IPv6 address/prefix; ignored`)
          return false
        })
        if (v6ok.length > 0) iface.ipv6 = v6ok
        if (typeof r.mac === 'string' && r.mac !== '') {
          const mac = normalizeMac(r.mac)
          if (mac) iface.mac = mac
          else this.warn(label, at, `${name}: '${r.mac}' is not a MAC address; a generated one is used`)
        }
        const mtu = r.mtu === undefined || r.mtu === '' ? null : Number(r.mtu)
        if (mtu !== null) {
          if (Number.isInteger(mtu) && mtu >= 68 && mtu <= 9000) iface.mtu = mtu
          else
            this.warn(label, at, `${name}: MTU ${JSON.stringify(r.mtu)} is out of range (68..9000); ignored`)
        }
      } else if (v4.length > 0) this.warn(label, at, `${name}: ${kind} ports have no IP address; ignored`)
      info.ifaces.set(ifc, name)
      out.push(iface)
    }
    return out
  }

  /** lo0 exists everywhere with 127.0.0.1; anything beyond that becomes startup commands. */
  private loopback(label: string, at: Path, name: string, v4: string[], startup: string[]): void {
    const extra = v4.filter((a) => !/^127\.0\.0\.1\/[0-9]+$/.test(a) || name !== 'lo0')
    if (extra.length === 0) return
    if (!/^lo[0-9]+$/.test(name)) {
      this.warn(label, at, `loopback interface '${name}' is not usable; ignored`)
      return
    }
    if (name !== 'lo0') startup.push(`ifconfig ${name} create`)
    for (const a of extra) {
      if (!parsePrefix(a)) {
        this.warn(label, at, `${name}: '${a}' is not an IPv4 address/prefix; ignored`)
        continue
      }
      startup.push(`ifconfig ${name} inet ${a} alias`)
    }
  }

  /** The selected custom configuration when enabled and runnable by the shell, else null. */
  private customConfig(
    label: string,
    at: Path,
    raw: Obj,
  ): { name: string; lines: string[]; frr: boolean } | null {
    if (raw.custom_enabled !== 'true' && raw.custom_enabled !== true && raw.custom_enabled !== '1')
      return null
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
      this.warn(
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
      this.warn(
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

  // ---- links ----

  private links(): LinkFile[] {
    const raw = own(this.root, 'links')
    if (raw === undefined) return []
    if (!isObj(raw)) {
      this.warn('', ['links'], 'links is not an object; no links loaded')
      return []
    }
    const out: LinkFile[] = []
    const done = new Set<string>()
    const usedBy = new Map<string, string>()
    for (const id of Object.keys(raw)) {
      if (done.has(id)) continue
      done.add(id)
      const l = raw[id]
      const at: Path = ['links', id]
      if (!isObj(l)) {
        this.warn(id, at, 'is not an object; link skipped')
        continue
      }
      const ends = this.ends(id, l)
      if (!ends) continue
      // A cross-canvas link: this half ends at a pseudo node; its mirror half holds the other real end.
      for (const side of [0, 1] as const) {
        if (ends[side].pseudo === false) continue
        const mirrorId = typeof l.mirror === 'string' ? l.mirror : ''
        const m = own(raw, mirrorId)
        const mEnds = isObj(m) ? this.ends(mirrorId, m) : null
        const real = mEnds?.find((e) => !e.pseudo)
        if (!real || done.has(mirrorId)) {
          this.warn(id, at, 'ends at a pseudo node without a usable mirror link; link skipped')
          ends[side] = { ...ends[side], skip: true }
          break
        }
        done.add(mirrorId)
        ends[side] = real
      }
      if (ends[0].skip || ends[1].skip) continue
      const keys = ends.map((e) => `${e.node}:${e.iface}`)
      const taken = keys.find((k) => usedBy.has(k))
      if (taken !== undefined || keys[0] === keys[1]) {
        const why =
          taken !== undefined
            ? `${taken} is already used by ${usedBy.get(taken)}`
            : 'both ends are one interface'
        this.warn(id, at, `${why}; link skipped`)
        continue
      }
      for (const k of keys) usedBy.set(k, id)
      const link: LinkFile = { a: `${ends[0].node}:${ends[0].iface}`, b: `${ends[1].node}:${ends[1].iface}` }
      this.impairments(id, at, l, link)
      out.push(link)
      this.linkIds.push(id)
    }
    return out
  }

  /** The two ends of a link as our node:iface names; a skipped end is marked (and warned about). */
  private ends(id: string, l: Obj): End[] | null {
    const at: Path = ['links', id]
    const peers = words(l.peers)
    if (peers.length !== 2) {
      this.warn(id, at, `peers ${JSON.stringify(l.peers ?? null)} does not name two nodes; link skipped`)
      return null
    }
    const ifcs = words(l.peers_ifaces)
    const ends: End[] = []
    for (const [k, nodeId] of peers.entries()) {
      const info = this.info.get(nodeId!)
      if (!info) {
        this.warn(id, at, `peer ${nodeId} is not a node of this lab; link skipped`)
        return null
      }
      if (info.type === 'pseudo') {
        ends.push({ node: info.name, iface: '', pseudo: true, skip: false })
        continue
      }
      if (!lookup(KINDS, info.type)) {
        this.warn(
          id,
          at,
          `link to ${info.id} (${info.name}) dropped: ${info.type === '' ? 'its type is unknown' : `${info.type} is not supported`}`,
        )
        return null
      }
      // peers_ifaces, else the interface whose `link` names this link (older files).
      let ifc: string | undefined = ifcs[k]
      if (ifc === undefined) ifc = this.ifaceByLink(nodeId!, id)
      const iface = ifc === undefined ? undefined : info.ifaces.get(ifc)
      if (iface === undefined) {
        this.warn(
          id,
          at,
          `${info.id} (${info.name}) has no usable interface ${ifc ?? 'for this link'}; link skipped`,
        )
        return null
      }
      ends.push({ node: info.name, iface, pseudo: false, skip: false })
    }
    return ends
  }

  private ifaceByLink(nodeId: string, linkId: string): string | undefined {
    const raw = own(this.root.nodes as Obj, nodeId)
    const ifaces = isObj(raw) ? raw.ifaces : undefined
    if (!isObj(ifaces)) return undefined
    return Object.keys(ifaces).find((k) => isObj(ifaces[k]) && (ifaces[k] as Obj).link === linkId)
  }

  private impairments(id: string, at: Path, l: Obj, link: LinkFile): void {
    const unknown = Object.keys(l).filter((k) => !IGNORED_LINK_KEYS.has(k))
    for (const k of unknown)
      this.warn(
        id,
        at,
        k === 'events' ? 'events are not supported yet; ignored' : `unknown key '${k}' ignored`,
      )
    // Values outside what the link's pipe can do (netgraph/pipe_cfg.ts) are dropped with a warning.
    const num = (key: string, ok: (n: number) => boolean, range: string): number | null => {
      const v = l[key]
      if (v === undefined || v === '') return null
      const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : Number.NaN
      if (!Number.isFinite(n) || n < 0 || !(n === 0 || ok(n))) {
        this.warn(id, at, `${key} ${JSON.stringify(v)} is not a number in ${range}; ignored`)
        return null
      }
      return n
    }
    const MAX_DELAY = 9_999_999 // µs: below 10 s
    const direct = l.direct === true || l.direct === 'true' || l.direct === '1' || l.direct === 1
    const bandwidth = num('bandwidth', (n) => n >= 100 && n <= 1e12, '100..1e12 bit/s')
    const delay = num('delay', (n) => n <= MAX_DELAY, '0..9999999 µs')
    // IMUNES (ng_pipe) BER is "one bit error in N bits": probability 1/N.
    const ber = num('ber', (n) => n >= 1 && n <= 1e12, '1..1e12')
    const loss = num('loss', (n) => n <= 100, '0..100 %')
    const dup = num('duplicate', (n) => n <= 100, '0..100 %')
    const impair: NonNullable<LinkFile['impair']> = {}
    if (bandwidth) impair.bandwidth = bandwidth
    if (delay) impair.delay = delay
    if (ber) impair.ber = 1 / ber
    // Percent in IMUNES; as probabilities, any number survives (a '1e-7%' string would not parse).
    if (loss) impair.loss = loss / 100
    if (dup) impair.duplicate = dup / 100
    // ng_pipe: upper hook (first peer) -> lower is downstream; the reverse is upstream.
    for (const [dir, key] of [
      ['ab', 'jitter_downstream'],
      ['ba', 'jitter_upstream'],
    ] as const) {
      const values = words(l[key]).map(Number)
      if (values.length === 0) continue
      const lo = Math.min(...values)
      const hi = Math.max(...values)
      const mid = (delay ?? 0) + (lo + hi) / 2
      if (!values.every((v) => Number.isFinite(v) && v >= 0) || mid + (hi - lo) / 2 > MAX_DELAY) {
        this.warn(id, at, `${key} ${JSON.stringify(l[key])} is not a list of µs values below 10 s; ignored`)
        continue
      }
      impair[dir] = { delay: mid, jitter: (hi - lo) / 2 }
      this.warn(id, at, `${key} (a list of delays) is approximated as uniform jitter from ${lo} to ${hi} µs`)
    }
    if (direct) {
      link.direct = true
      if (Object.keys(impair).length > 0)
        this.warn(id, at, 'a direct link has no shaping element; its impairments are ignored')
    } else if (Object.keys(impair).length > 0) link.impair = impair
  }

  /** A model diagnostic path as IMUNES names: `n3 (pc1) eth0` at the node, `l2` at the link. */
  relabel(file: TopologyFile, path: Path): { label: string; at: Path } {
    if (path[0] === 'nodes' && typeof path[1] === 'string') {
      const name = path[1]
      const id = this.ids.get(name) ?? name
      let label = `${id} (${name})`
      if (path[2] === 'interfaces' && typeof path[3] === 'number') {
        const iface = file.nodes[name]?.interfaces?.[path[3]]?.name
        if (iface) label += ` ${iface}`
      }
      return { label, at: ['nodes', id] }
    }
    if (path[0] === 'links' && typeof path[1] === 'number') {
      const id = this.linkIds[path[1]] ?? `link ${path[1]}`
      return { label: id, at: ['links', id] }
    }
    return { label: '', at: [] }
  }
}

interface End {
  node: string
  iface: string
  pseudo: boolean
  skip: boolean
}

/** IMUNES lists are JSON arrays in current files and space-separated strings in converted ones. */
function words(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string' || typeof x === 'number').map(String)
  if (typeof v === 'string') return v.trim() === '' ? [] : v.trim().split(/\s+/)
  if (typeof v === 'number') return [String(v)]
  return []
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : typeof v === 'string' && v.trim() !== '' ? [v] : []
}

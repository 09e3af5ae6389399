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
 *
 * Here: loading, the importer's state and each node's own settings. Its parts, as functions of the
 * importer: interfaces (imn_ifaces.ts), routing daemons and custom configurations (imn_config.ts),
 * links (imn_links.ts); IMUNES's node types and JSON values are in imn_types.ts.
 */

import { formatIpv4, parseIpv4 } from '../../wire/addr.js'
import { parseIpv6 } from '../../wire/inet6/in6_addr.js'
import { addDefaultRoutes, segments } from '../auto.js'
import { addDefaultRoutes6 } from '../auto6.js'
import { parseDestination } from '../cidr.js'
import { Diagnostics, guard, type Path, render, TopologyError } from '../file/diagnostics.js'
import { labNameFrom, normalize } from '../file/normalize.js'
import { type NodeFile, type RouteFile, type TopologyFile, TopologySchema } from '../file/schema.js'
import { parseSource } from '../file/source.js'
import { checkSchema } from '../file/validate.js'
import { KNOWN_SERVICES } from '../lab/services.js'
import type { Topology } from '../model.js'
import { customConfig, IMUNES_BGP, routerConfig } from './imn_config.js'
import { scriptModules } from './imn_fw.js'
import { importInterfaces, rj45 } from './imn_ifaces.js'
import { importLinks } from './imn_links.js'
import { nat64Startup } from './imn_nat64.js'
import { isObj, KINDS, list, lookup, type NodeInfo, type Obj, own, UNSUPPORTED, words } from './imn_types.js'

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

export class Importer {
  /** Our node name -> its IMUNES id. */
  private readonly ids = new Map<string, string>()
  readonly info = new Map<string, NodeInfo>()
  /** An rj45 node's VLAN given on its (stolen) interface, IMUNES's current form: node id → device, tag. */
  readonly stolenVlan = new Map<string, { dev: string; tag: number }>()
  /** For each link of the result, its IMUNES id. */
  readonly linkIds: string[] = []
  /** Nodes whose default route IMUNES computes (auto_default_routes enabled). */
  readonly autoDefault = new Set<string>()
  private ipv6Routes = 0
  /** Valid croutes6 per node name, installed as the node's routes6. */
  readonly routes6 = new Map<string, Array<{ to: string; via: string }>>()
  /** Node name -> the IMUNES services it runs and its IMUNES id (services.ts). */
  readonly services = new Map<string, { names: string[]; id: string }>()

  constructor(
    readonly root: Obj,
    private readonly diags: Diagnostics,
  ) {}

  warn(label: string, at: Path, message: string): void {
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
    const links = importLinks(this)
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
        ? routerConfig(this, label, at, raw)
        : { rip: false, ospf: false, ripng: false, bgp: false, ospf6: false, isis: false }
    const rip = protos.rip
    const ospf = protos.ospf
    const ripng = protos.ripng
    const bgp = protos.bgp
    if (kind === 'external') {
      const ifs = importInterfaces(this, id, label, kind, raw, [])
      if (ifs.length > 0) node.interfaces = ifs
      if (type === 'rj45') {
        const sv = this.stolenVlan.get(id)
        node.rj45 =
          sv !== undefined && raw.vlan === undefined
            ? { interface: sv.dev, vlan: sv.tag }
            : rj45(this, label, at, ifs[0]?.name ?? name, raw.vlan)
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
    const interfaces = importInterfaces(this, id, label, kind, raw, startup)
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

    const custom = kind === 'switch' || kind === 'hub' ? null : customConfig(this, label, at, raw)
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

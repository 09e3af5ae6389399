/**
 * The emulator: a resolved Topology built into one Host the way IMUNES builds a lab on FreeBSD, and
 * the running Lab that `virtnet run` drives. Everything goes through the syscall API and netgraph
 * control sockets — the boundary a user of `jail`, `ifconfig` and `ngctl` has:
 *
 * - every pc, host and router is a persistent vnet jail named after the node (hostname too);
 * - every interface of such a node is an ng_eiface made in the host's netgraph, its ifnet moved into
 *   the jail (`ifconfig ngethN vnet NODE`) and renamed there (`ifconfig ngethN name eth0`), then
 *   given its MAC, MTU and addresses and brought up; then the node's routes and forwarding sysctl;
 * - every switch is an ng_bridge and every hub an ng_hub in the host's netgraph, made persistent so
 *   that unplugging its last cable does not shut it down; each link takes its next `linkN` hook;
 * - every link that impairs traffic is an ng_pipe between its two ends (upper = end a, so the pipe's
 *   downstream is a→b), configured per direction with one setcfg; a link that impairs nothing
 *   (`direct`, or no impairments) joins its ends directly, which saves a netgraph hop per frame and
 *   the pipe's state (bench/emulator.ts measures both);
 * - the kernel modules the lab's firewall, NAT and shaper sections need are loaded first, and each
 *   node's ipfw lines run (lab_firewall.ts) before its startup lines;
 * - then each node's startup lines run as one `sh -c` script in its jail;
 * - an external node is a vxlan interface host root makes in vnet0 (its socket is the process's),
 *   up and without addresses, whose ng_ether `lower` hook is the node's one port: frames from the
 *   cable leave as VXLAN, frames from the tunnel enter the cable, as IMUNES wires an rj45 node's NIC;
 *   an rj45 one is a tap in vnet0 whose wire is the machine's interface (ifCreatePacket).
 *
 * The cables are plugged in last, after every address is configured: the gratuitous ARP each
 * address assignment sends then goes nowhere, instead of being flooded to every host of a large
 * switched LAN (which would make building N hosts on one switch cost N²).
 *
 * A link that is down (`up: false`, `link A B down`) is unplugged at its b end: the netgraph hook
 * there is removed (`ngctl rmhook`), so frames a sends are lost in the pipe (counted as drop_nohook)
 * or at its unconnected hook, and b's frames go nowhere. Both interfaces lose carrier (`status: no
 * carrier`): b's eiface because its hook went, a's because the lab sends it NGM_LINK_IS_DOWN when a
 * pipe still holds it, as a program does with NgSendMsg. `up` plugs the same hook back in; the pipe
 * keeps its settings and counters.
 *
 * Tearing down (a link, a node, the whole lab) shuts the netgraph nodes down — a pipe frees the
 * frames it holds and stops its timers — and removes the jails, which kills their processes and
 * destroys their stacks, so nothing is left in the host's clock or buffer pool.
 *
 * Runtime-neutral: no timers or randomness of its own; the Host brings the clock and the seed.
 *
 * Here: the Lab, its queries and its control. Building is lab_build.ts (functions of the Lab); the
 * records a lab is made of (LabNode, LabLink, Port, LabError) are in lab_var.ts.
 */

import type { Host } from '../../host/host.js'
import { IfFlag, type IfInfo, type NgSocket, type Syscalls } from '../../host/syscalls.js'
import { MemFs } from '../../userland/bin/sh/streams.js'
import { ChrootFs } from '../../userland/fs/chroot_fs.js'
import { UnionFs } from '../../userland/fs/union_fs.js'
import { startProcess } from '../../userland/process.js'
import { makePrograms, type Programs } from '../../userland/programs.js'
import type { FileSystem, Io } from '../../userland/types.js'
import { type HostChanges, runFirewall, unloadModules } from '../firewall/lab_firewall.js'
import { type Endpoint, type Impairment, isL3, type Topology } from '../model.js'
import { buildAll } from './lab_build.js'
import { withServices } from './lab_services.js'
import {
  describe,
  EID_RE,
  LabError,
  type LabLink,
  type LabNode,
  type LabOptions,
  linkName,
  ngPath,
  type Port,
  quietly,
} from './lab_var.js'
import { impairs, pipeSetcfg } from './link_cfg.js'

/** The lab's file tree (all nodes' private trees under /var/imunes): bounded as a small disk. */
const LAB_FS_BYTES = 64 * 1024 * 1024
const LAB_FS_FILES = 16384

/** settle(): how long routing tables must stay unchanged, how often they are compared, and the cap. */
const SETTLE_QUIET_NS = 10e9
/**
 * With ospfd: longer than the Wait timer (RouterDeadInterval, 40 s), during which routers on a
 * broadcast network elect no DR and so install nothing — a table that has not moved yet.
 */
const SETTLE_QUIET_OSPF_NS = 60e9
/**
 * With isisd: longer than lsp-gen-interval (30 s, as FRR's): the LSPs that name the first
 * adjacencies wait that long after the first ones (isis_engine.ts), so tables stay empty until then.
 */
const SETTLE_QUIET_ISIS_NS = 40e9
const SETTLE_STEP_NS = 1e9
const SETTLE_MAX_NS = 300e9

export class Lab {
  readonly host: Host
  readonly topology: Topology
  readonly programs: Programs
  /** The experiment id; nodes' jails live under /var/imunes/EID in `files`. */
  readonly eid: string
  /**
   * The host's file tree for the lab: each node's jail is chrooted to its own directory in it
   * (nodeFs), as IMUNES gives every node a private vroot; the host side sees all of them.
   */
  readonly files: FileSystem = new MemFs(LAB_FS_BYTES, LAB_FS_FILES)
  readonly root: Syscalls
  /** The lab's netgraph control socket in the host's vnet0, open while the lab lives. */
  readonly ng: NgSocket
  readonly byName = new Map<string, LabNode>()
  private readonly sysCache = new Map<string, Syscalls>()
  readonly linkList: LabLink[] = []
  /** Links by node name, so removing a node does not scan every link. */
  readonly linksOf = new Map<string, LabLink[]>()
  /** Modules and tunables the lab set in the host (lab_firewall.ts), undone by destroy(). */
  readonly hostChanges: HostChanges = { loaded: [], kenvSet: false }
  private destroyed = false

  private readonly vroot: FileSystem | undefined

  private constructor(host: Host, topology: Topology, opts: LabOptions) {
    this.vroot = opts.vroot
    this.host = host
    this.topology = topology
    this.programs = opts.programs ?? makePrograms()
    const eid = opts.eid ?? 'i0'
    if (!EID_RE.test(eid)) throw new LabError(`${eid}: bad experiment id`)
    this.eid = eid
    this.root = host.syscalls()
    this.ng = this.root.ngSocket()
  }

  /**
   * Builds the lab (jails, interfaces, addresses, routes, netgraph), ready for traffic; startup
   * scripts are run by start(). On failure everything built so far is torn down and a LabError
   * naming the node or link is thrown.
   */
  static build(host: Host, topology: Topology, opts: LabOptions = {}): Lab {
    const lab = new Lab(host, topology, opts)
    try {
      buildAll(lab)
    } catch (e) {
      lab.destroy()
      throw e instanceof LabError ? e : new LabError(describe(e))
    }
    return lab
  }

  /** Runs a build step, turning a failure into a LabError that names `what`. */
  step<T>(what: string, fn: () => T): T {
    try {
      return fn()
    } catch (e) {
      throw new LabError(`${what}: ${describe(e)}`)
    }
  }

  /**
   * Runs every node's startup lines (one `sh -c` per node, all at once, as nodes boot together) and
   * resolves, once all have finished, with a warning for each that exited non-zero. `io` gives each
   * node's script its output streams.
   */
  async start(io: (node: string) => Io): Promise<string[]> {
    // Firewalls first, all nodes at once, so that no startup line sends before its node's rules exist.
    const fw = this.topology.nodes.filter((n) => n.firewall !== undefined && isL3(n.kind))
    const fwWarnings = await Promise.all(fw.map((n) => runFirewall(this.sys(n.name), n, this.programs)))
    const runs: Array<Promise<[string, number]>> = []
    for (const n of this.topology.nodes) {
      if (!isL3(n.kind)) continue
      const script = withServices(n, this.eid, this.nodeFs(n.name))
      if (script.length === 0) continue
      const job = startProcess(this.sys(n.name), ['sh', '-c', script.join('\n'), n.name], io(n.name), {
        programs: this.programs,
        fs: this.nodeFs(n.name),
      })
      runs.push(job.done.then((status) => [n.name, status]))
    }
    const warnings: string[] = fwWarnings.flat()
    for (const [name, status] of await Promise.all(runs))
      if (status !== 0) warnings.push(`${name}: startup commands exited with status ${status}`)
    await this.settle()
    return warnings
  }

  /**
   * With routing daemons in the lab, wait on the host clock until every routing table has stayed
   * the same for SETTLE_QUIET_NS (at most SETTLE_MAX_NS), so that a lab is ready when start
   * resolves: seconds of virtual time, a fraction of a second of wall time.
   */
  private async settle(): Promise<void> {
    const routed = this.topology.nodes.filter((n) => isL3(n.kind) && this.node(n.name) !== undefined)
    if (!routed.some((n) => (n.daemons?.length ?? 0) > 0)) return
    const sys = this.root
    // A node's table is read again only when its generation moved (most seconds, most do not).
    const seen = new Map<string, { gen: number; fp: string }>()
    const tableOf = (name: string): string => {
      const s = this.sys(name)
      const gen = s.routeGen()
      const old = seen.get(name)
      if (old !== undefined && old.gen === gen) return old.fp
      const fp = s
        .routeList()
        .map((r) => `${r.dst}/${r.prefixLen}>${r.gateway}`)
        .concat(
          // ripngd's routes: IPv6 gateway routes (the connected ones change only with the config).
          s.inet6
            .routeList()
            .filter((r) => r.gateway !== null)
            .map((r) => `${r.dst.join('.')}/${r.prefixLen}>${r.gateway!.join('.')}`),
        )
        .join(',')
      seen.set(name, { gen, fp })
      return fp
    }
    const fingerprint = (): string[] => routed.map((n) => tableOf(n.name))
    let last = fingerprint()
    let quiet = 0
    const ospf = (n: (typeof routed)[number]) => n.daemons?.includes('ospfd') || n.daemons?.includes('ospf6d')
    const isis = (n: (typeof routed)[number]) => n.daemons?.includes('isisd')
    const need = routed.some(ospf)
      ? SETTLE_QUIET_OSPF_NS
      : routed.some(isis)
        ? SETTLE_QUIET_ISIS_NS
        : SETTLE_QUIET_NS
    for (let waited = 0; waited < SETTLE_MAX_NS && quiet < need; waited += SETTLE_STEP_NS) {
      await sys.nanosleep(SETTLE_STEP_NS)
      const now = fingerprint()
      quiet = now.every((fp, k) => fp === last[k]) ? quiet + SETTLE_STEP_NS : 0
      last = now
    }
  }

  // ---- queries ----

  node(name: string): LabNode | undefined {
    const n = this.byName.get(name)
    return n === undefined || n.removed ? undefined : n
  }

  /** Live nodes in topology order. */
  nodes(): LabNode[] {
    return [...this.byName.values()].filter((n) => !n.removed)
  }

  /** Live links in topology order. */
  links(): LabLink[] {
    return this.linkList.filter((l) => !l.removed)
  }

  /** Root in the node's jail (pc, host, router): the credential `jexec NODE` would have. */
  sys(name: string): Syscalls {
    let s = this.sysCache.get(name)
    if (s === undefined) {
      s = this.root.attach(name)
      this.sysCache.set(name, s)
    }
    return s
  }

  /** Where a node's private tree is in `files` (its jail's path). */
  nodePath(name: string): string {
    return `/var/imunes/${this.eid}/${name}`
  }

  /** The node's private file tree, as processes in its jail see it (`/tmp/f` is its own). */
  nodeFs(name: string): FileSystem {
    const own = new ChrootFs(this.files, this.nodePath(name))
    return this.vroot === undefined ? own : new UnionFs(own, this.vroot)
  }

  /** The node's interfaces other than loopbacks, as `ifconfig` sees them now. */
  interfaces(name: string): IfInfo[] {
    return this.sys(name)
      .ifList()
      .filter((i) => (i.flags & IfFlag.LOOPBACK) === 0)
  }

  /**
   * The links between two nodes, optionally narrowed to interfaces (`pc1:eth0`), either way round,
   * in topology order.
   */
  findLinks(x: string, y: string): LabLink[] {
    const match = (spec: string, e: Endpoint) => {
      const colon = spec.indexOf(':')
      return colon < 0
        ? e.node === spec
        : e.node === spec.slice(0, colon) && e.iface === spec.slice(colon + 1)
    }
    return this.links().filter((l) => (match(x, l.a) && match(y, l.b)) || (match(x, l.b) && match(y, l.a)))
  }

  // ---- control ----

  private connect(a: Port, b: Port): void {
    this.ng.connect(ngPath(a.id), ngPath(b.id), a.hook, b.hook)
  }

  /** Plugs the cable in at its b end (and between a and the pipe, when it has one). */
  plug(link: LabLink): void {
    if (link.pipe === null) this.connect(link.portA, link.portB)
    else {
      this.connect({ id: link.pipe, hook: 'lower' }, link.portB)
      this.setCarrierA(link, true)
    }
    link.up = true
  }

  /** Unplugs the cable at its b end; end a, still joined to the pipe, is told its link went down. */
  private unplug(link: LabLink): void {
    const b = link.portB
    this.ng.rmhook(ngPath(b.id), b.hook)
    if (link.pipe !== null) this.setCarrierA(link, false)
    link.up = false
  }

  /** An interface at end a (an eiface's `ether` hook, not a switch port) hears NGM_LINK_IS_UP/DOWN. */
  private setCarrierA(link: LabLink, up: boolean): void {
    if (link.portA.hook === 'ether') this.ng.linkState(ngPath(link.portA.id), up)
  }

  /** Puts a pipe between a and b (mkpeer from a's port) and configures it. */
  addPipe(link: LabLink): void {
    const wasUp = link.up
    if (wasUp) this.unplug(link)
    const a = link.portA
    link.pipe = this.ng.mkpeer(ngPath(a.id), 'pipe', a.hook, 'upper').id
    this.ng.msg(ngPath(link.pipe), 'setcfg', pipeSetcfg(link.ab, link.ba))
    if (wasUp) this.plug(link)
    // Joining a to the pipe gave it a link, but the cable's b end is still out.
    else this.setCarrierA(link, false)
  }

  /** `link A B up|down`: plug in or unplug the cable at its b end. */
  setLinkUp(link: LabLink, up: boolean): void {
    this.live(link)
    if (up === link.up) return
    this.step(linkName(link), () => (up ? this.plug(link) : this.unplug(link)))
  }

  /**
   * `link A B set …`: new impairments for both directions, applied while traffic flows (frames
   * already in the pipe keep their schedule). A link without a pipe gets one; a direct link refuses.
   */
  setLinkImpairment(link: LabLink, ab: Impairment, ba: Impairment): void {
    this.live(link)
    if (link.direct) throw new LabError(`${linkName(link)}: a direct link has no shaping element`)
    this.step(linkName(link), () => {
      // setcfg validates everything before it changes anything; only then does the lab take the values.
      if (link.pipe !== null) this.ng.msg(ngPath(link.pipe), 'setcfg', pipeSetcfg(ab, ba))
      const [oldAb, oldBa] = [link.ab, link.ba]
      link.ab = ab
      link.ba = ba
      if (link.pipe === null && (impairs(ab) || impairs(ba)))
        try {
          this.addPipe(link)
        } catch (e) {
          link.ab = oldAb
          link.ba = oldBa
          throw e
        }
    })
  }

  /** The pipe's counters (`ngctl msg [id]: getstats`), or null for a link without a pipe. */
  pipeStats(link: LabLink): string | null {
    if (link.pipe === null) return null
    return this.ng.msg(ngPath(link.pipe), 'getstats', '').response
  }

  private live(link: LabLink): void {
    if (link.removed || this.destroyed) throw new LabError(`${linkName(link)}: the link was removed`)
  }

  /** Takes the cable away: its pipe shuts down (dropping what it holds); the interfaces stay. */
  removeLink(link: LabLink): void {
    if (link.removed) return
    link.removed = true
    const pipe = link.pipe
    link.pipe = null
    if (pipe !== null) quietly(() => this.ng.shutdown(ngPath(pipe)))
    else if (link.up) quietly(() => this.ng.rmhook(ngPath(link.portB.id), link.portB.hook))
    link.up = false
  }

  /**
   * Takes a node away with its cables: its interfaces' eiface nodes and its jail (processes, stack)
   * for pc/host/router, its bridge or hub otherwise.
   */
  removeNode(name: string): void {
    const n = this.byName.get(name)
    if (n === undefined || n.removed) return
    for (const l of this.linksOf.get(name) ?? []) this.removeLink(l)
    n.removed = true
    const ngId = n.ngId
    if (n.hostPorts !== undefined) {
      for (const id of n.hostPorts.values()) quietly(() => this.ng.rmhook(ngPath(id), 'lower'))
      const vlanIf = n.hostVlanIf
      if (vlanIf !== undefined) quietly(() => this.root.ifDestroy(vlanIf))
      return
    }
    if (ngId !== null) quietly(() => this.ng.shutdown(ngPath(ngId)))
    for (const id of n.eifaces.values()) quietly(() => this.ng.shutdown(ngPath(id)))
    const vx = n.vxlanIf ?? n.realIf
    if (n.realIf !== undefined && n.topo.rj45?.vlan !== undefined)
      quietly(() => this.root.ifDestroy(`${n.realIf}.${n.topo.rj45!.vlan}`))
    if (vx !== undefined) quietly(() => this.root.ifDestroy(vx))
    else if (ngId === null) {
      this.sysCache.delete(name)
      quietly(() => this.root.jailRemove(name))
      // IMUNES deletes a node's vroot with it: its files go too.
      const fs = new ChrootFs(this.files, this.nodePath(name))
      for (const f of fs.list()) fs.remove(f)
    }
  }

  /** Tears the whole lab down; the host is left as it was before build(). Idempotent. */
  destroy(): void {
    if (this.destroyed) return
    for (const l of this.linkList) this.removeLink(l)
    for (const n of [...this.byName.values()].reverse()) this.removeNode(n.name)
    this.ng.close()
    unloadModules(this.root, this.hostChanges)
    this.destroyed = true
  }
}

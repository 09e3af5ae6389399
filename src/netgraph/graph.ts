/**
 * One vnet's netgraph: its nodes (by ID and name), FreeBSD's addressing (`name:`, `[1f]:`,
 * `name:hook.hook`, `.`, relative hook paths) and the generic operations every node supports
 * (mkpeer, connect, name, rmhook, shutdown, list, show). Operations validate everything before
 * changing anything and throw SysError with FreeBSD's errno values.
 */

import type { MbufPool } from '../buf/mbuf.js'
import type { Vnet } from '../stack/net/vnet.js'
import { SysError } from '../util/errno.js'
import type { NgValue } from './ascii.js'
import { NG_NAMELEN, NgHook, type NgNode } from './node.js'

export type NgTypeCtor = (graph: NgGraph) => NgNode

export interface NgHookInfo {
  hook: string
  peerName: string
  peerType: string
  peerId: number
  peerHook: string
}

export interface NgNodeInfo {
  name: string
  type: string
  id: number
  hooks: NgHookInfo[]
}

/** Node types known to every vnet, registered by the host (netgraph/types.ts). */
export interface NgTypeRegistry {
  get(type: string): NgTypeCtor | undefined
  names(): string[]
}

export class NgGraph {
  readonly vnet: Vnet
  readonly types: NgTypeRegistry
  readonly nodes = new Map<number, NgNode>()
  private nextId = 1
  /** Named nodes by name, so a lookup is one probe: with 40,000 interfaces a scan made mkpeer slow. */
  private readonly named = new Map<string, NgNode>()
  /**
   * Nodes whose name another node already had (an interface renamed to a user node's name gives its
   * ng_ether node that name): rare, so kept in a list; `named` holds the oldest of each name.
   */
  private sameName: NgNode[] = []

  constructor(vnet: Vnet, types: NgTypeRegistry) {
    this.vnet = vnet
    this.types = types
  }

  get pool(): MbufPool {
    return this.vnet.env.pool
  }

  allocId(): number {
    return this.nextId++
  }

  /** Add a freshly constructed node (types call this from their constructor path via create). */
  create(type: string): NgNode {
    const ctor = this.types.get(type)
    if (ctor === undefined) throw new SysError('EINVAL', 'mkpeer', `unknown node type '${type}'`)
    const node = ctor(this)
    this.attach(node)
    return node
  }

  /** Enter a constructed node (and its name, if it came with one) into the graph. */
  attach(node: NgNode): void {
    this.nodes.set(node.id, node)
    this.indexName(node)
  }

  private indexName(node: NgNode): void {
    if (node.name === '') return
    const first = this.named.get(node.name)
    if (first === undefined) this.named.set(node.name, node)
    else if (node.id < first.id) {
      this.named.set(node.name, node)
      this.sameName.push(first)
    } else this.sameName.push(node)
  }

  private unindexName(node: NgNode): void {
    if (node.name === '') return
    if (this.named.get(node.name) !== node) {
      if (this.sameName.includes(node)) this.sameName = this.sameName.filter((n) => n !== node)
      return
    }
    this.named.delete(node.name)
    let next: NgNode | undefined
    for (const n of this.sameName)
      if (n.name === node.name && (next === undefined || n.id < next.id)) next = n
    if (next !== undefined) {
      this.sameName = this.sameName.filter((n) => n !== next)
      this.named.set(next.name, next)
    }
  }

  /** The oldest live node named `name` (an orphaned one is shut down instead), or an implicit one. */
  byName(name: string): NgNode | undefined {
    const n = this.named.get(name)
    if (n !== undefined) {
      if (!n.orphaned()) return n
      this.shutdown(n)
    }
    return this.findImplicit?.(name)
  }

  /** Whether a node already answers to `name` (ng_name_node refuses a second one). */
  hasName(name: string): boolean {
    return this.named.has(name)
  }

  /** Hook for node types that exist implicitly (ng_ether nodes named after interfaces). */
  findImplicit: ((name: string) => NgNode | undefined) | null = null

  /**
   * Resolve a netgraph path relative to `from` (the caller's socket node): `name:`, `[id]:`,
   * `name:hook1.hook2`, `.`, or a bare hook path from `from`.
   */
  resolve(path: string, from: NgNode | null): NgNode {
    const colon = path.indexOf(':')
    let node: NgNode | undefined
    let rest: string
    if (colon >= 0) {
      const addr = path.slice(0, colon)
      rest = path.slice(colon + 1)
      const idm = /^\[([0-9a-fA-F]{1,8})\]$/.exec(addr)
      node =
        idm !== null
          ? this.nodes.get(Number.parseInt(idm[1]!, 16))
          : addr === '.'
            ? (from ?? undefined)
            : addr === ''
              ? undefined
              : this.byName(addr)
    } else {
      node = from ?? undefined
      rest = path === '.' ? '' : path
    }
    if (node?.orphaned() === true) this.shutdown(node)
    if (node === undefined || node.dead)
      throw new SysError('ENOENT', 'ngctl', `${path}: No such file or directory`)
    for (const h of rest.split('.').filter((x) => x !== '')) {
      const hook: NgHook | undefined = node!.hooks.get(h)
      if (hook === undefined || hook.peer === null)
        throw new SysError('ENOENT', 'ngctl', `${path}: No such file or directory`)
      node = hook.peer.node
    }
    return node!
  }

  private checkHookName(name: string): void {
    if (name === '' || name.length > NG_NAMELEN || /[.:[\]\s]/.test(name))
      throw new SysError('EINVAL', 'ngctl', `invalid hook name '${name}'`)
  }

  /** Join hook `ha` of a to hook `hb` of b (ng_con_nodes); both names must be free and acceptable. */
  connect(a: NgNode, ha: string, b: NgNode, hb: string): void {
    this.checkHookName(ha)
    this.checkHookName(hb)
    if (a === b && ha === hb) throw new SysError('EINVAL', 'ngctl', 'cannot connect a hook to itself')
    if (a.hooks.has(ha) || b.hooks.has(hb)) throw new SysError('EEXIST', 'ngctl', 'hook already connected')
    a.newHook(ha)
    b.newHook(hb)
    const x = new NgHook(a, ha)
    const y = new NgHook(b, hb)
    x.peer = y
    y.peer = x
    a.hooks.set(ha, x)
    b.hooks.set(hb, y)
    a.hookConnected(x)
    b.hookConnected(y)
  }

  /** mkpeer: a new node of `type` joined to `from` through hook/peerHook. */
  mkpeer(from: NgNode, type: string, hook: string, peerHook: string): NgNode {
    this.checkHookName(hook)
    this.checkHookName(peerHook)
    if (from.hooks.has(hook)) throw new SysError('EEXIST', 'ngctl', 'hook already connected')
    const node = this.create(type)
    try {
      this.connect(from, hook, node, peerHook)
    } catch (e) {
      this.shutdown(node)
      throw e
    }
    return node
  }

  setName(node: NgNode, name: string): void {
    if (name === '' || name.length > NG_NAMELEN || /[.:[\]\s]/.test(name) || /^\[/.test(name))
      throw new SysError('EINVAL', 'ngctl', `invalid node name '${name}'`)
    const other = this.byName(name)
    if (other !== undefined && other !== node)
      throw new SysError('EADDRINUSE', 'ngctl', `name '${name}' is in use`)
    const attached = this.nodes.get(node.id) === node
    if (attached) this.unindexName(node)
    node.name = name
    if (attached) this.indexName(node)
  }

  /** Cut one hook; a non-persistent node left without hooks shuts down (ng_rmhook). */
  rmhook(node: NgNode, name: string): void {
    const hook = node.hooks.get(name)
    if (hook === undefined) throw new SysError('ENOENT', 'ngctl', `hook '${name}' not found`)
    this.cut(hook)
  }

  private cut(hook: NgHook): void {
    const peer = hook.peer
    // Captures on a hook end with it.
    hook.bpf?.detachAll()
    peer?.bpf?.detachAll()
    hook.peer = null
    hook.node.hooks.delete(hook.name)
    hook.node.hookRemoved(hook)
    if (peer !== null) {
      peer.peer = null
      peer.node.hooks.delete(peer.name)
      peer.node.hookRemoved(peer)
      this.maybeReap(peer.node)
    }
    this.maybeReap(hook.node)
  }

  /**
   * ng_bypass: join the peers of two hooks of one node directly and drop both hooks from it, so a
   * node leaving the middle of a chain keeps the chain connected. The peers see no disconnect.
   */
  bypass(a: NgHook, b: NgHook): void {
    const pa = a.peer
    const pb = b.peer
    if (a.node !== b.node || a === b || pa === null || pb === null) return
    a.peer = null
    b.peer = null
    a.node.hooks.delete(a.name)
    b.node.hooks.delete(b.name)
    a.node.hookRemoved(a)
    b.node.hookRemoved(b)
    pa.peer = pb
    pb.peer = pa
  }

  private maybeReap(node: NgNode): void {
    if (!node.dead && !node.persistent && node.hooks.size === 0) this.shutdown(node)
  }

  shutdown(node: NgNode): void {
    if (node.dead) return
    node.dead = true
    node.onClose()
    for (const h of [...node.hooks.values()]) this.cut(h)
    node.onShutdown()
    if (this.nodes.get(node.id) === node) {
      this.nodes.delete(node.id)
      this.unindexName(node)
    }
  }

  msg(node: NgNode, cmd: string, arg: NgValue | undefined): NgValue | undefined {
    // NGM_GENERIC_COOKIE's NGM_SHUTDOWN, which any node takes (`ngctl msg NODE: shutdown`, as
    // scripts tear down what they built): the same as `ngctl shutdown NODE:`.
    if (cmd === 'shutdown' && arg === undefined) {
      this.shutdown(node)
      return undefined
    }
    return node.rcvmsg(cmd, arg)
  }

  info(node: NgNode): NgNodeInfo {
    return {
      name: node.name,
      type: node.type,
      id: node.id,
      hooks: [...node.hooks.values()].map((h) => ({
        hook: h.name,
        peerName: h.peer?.node.name ?? '',
        peerType: h.peer?.node.type ?? '',
        peerId: h.peer?.node.id ?? 0,
        peerHook: h.peer?.name ?? '',
      })),
    }
  }

  list(): NgNodeInfo[] {
    this.listImplicit?.()
    return [...this.nodes.values()].map((n) => this.info(n))
  }

  /** Materialise implicit nodes before listing (ng_ether nodes for every Ethernet interface). */
  listImplicit: (() => void) | null = null

  destroy(): void {
    for (const n of [...this.nodes.values()]) this.shutdown(n)
  }
}

/**
 * ng_ether(4): the netgraph face of an existing Ethernet interface, named after it (`epair0a:`).
 * `lower` is the wire side: frames arriving from the link go to it instead of the stack, and frames
 * written to it are transmitted. `upper` is the stack side: frames the stack sends go to it instead of
 * the link, and frames written to it are received as if from the link. `orphans` gets only what the
 * stack would not handle (not implemented: treated like lower). Nodes exist implicitly for every
 * Ethernet interface of the vnet and are persistent.
 */

import type { Mbuf } from '../buf/mbuf.js'
import type { Ifnet, IfTap } from '../stack/net/ifnet.js'
import { SysError } from '../util/errno.js'
import { formatMac, parseMac } from '../wire/addr.js'
import type { NgValue } from './ascii.js'
import type { NgGraph } from './graph.js'
import { noArg } from './msgargs.js'
import { type NgHook, NgNode } from './node.js'

export class EtherNode extends NgNode implements IfTap {
  readonly type = 'ether'
  readonly ifp: Ifnet
  private lower: NgHook | null = null
  private upper: NgHook | null = null

  constructor(graph: NgGraph, ifp: Ifnet) {
    super(graph)
    this.persistent = true
    this.ifp = ifp
    // Named after the interface unless another node has that name (an ng_eiface node is named
    // after its interface first): ng_ether_attach's naming fails and the node stays unnamed.
    if (!graph.hasName(ifp.name)) this.name = ifp.name
  }

  override newHook(name: string): void {
    if (name !== 'lower' && name !== 'upper' && name !== 'orphans')
      throw new SysError('EINVAL', 'ngctl', `ether: unknown hook '${name}'`)
    if (this.ifp.tap !== null && this.ifp.tap !== this)
      throw new SysError('EBUSY', 'ngctl', `${this.ifp.name} is in use`)
  }

  override hookConnected(hook: NgHook): void {
    if (hook.name === 'upper') this.upper = hook
    else this.lower = hook
    this.ifp.tap = this
  }

  override hookRemoved(hook: NgHook): void {
    if (hook === this.upper) this.upper = null
    else if (hook === this.lower) this.lower = null
    if (this.upper === null && this.lower === null && this.ifp.tap === this) this.ifp.tap = null
  }

  input(_ifp: Ifnet, m: Mbuf): boolean {
    if (this.lower === null) return false
    this.send(this.lower, m)
    return true
  }

  output(_ifp: Ifnet, m: Mbuf): boolean {
    if (this.upper === null) return false
    this.send(this.upper, m)
    return true
  }

  rcvdata(hook: NgHook, m: Mbuf): void {
    if (hook === this.upper) this.ifp.inputFromTap(m)
    else this.ifp.transmitToLink(m)
  }

  override rcvmsg(cmd: string, arg: NgValue | undefined): NgValue | undefined {
    switch (cmd) {
      case 'getifname':
        noArg(cmd, arg)
        return this.ifp.name
      case 'getifindex':
        noArg(cmd, arg)
        return this.ifp.index
      case 'getenaddr':
        noArg(cmd, arg)
        return formatMac(this.ifp.mac)
      case 'setenaddr': {
        const mac = typeof arg === 'string' ? parseMac(arg) : null
        if (mac === null) throw new SysError('EINVAL', 'ngctl', 'ether: setenaddr: MAC address expected')
        this.ifp.mac = mac
        return undefined
      }
      default:
        return super.rcvmsg(cmd, arg)
    }
  }

  override messages(): readonly string[] {
    return ['getifname', 'getifindex', 'getenaddr', 'setenaddr']
  }

  /** The interface left this vnet while the node had no hooks (so no ifDetached reached it). */
  override orphaned(): boolean {
    return !this.graph.vnet.hasIf(this.ifp)
  }

  /** The interface leaves this vnet (moved or destroyed): the node goes, as ng_ether_detach does. */
  ifDetached(): void {
    this.graph.shutdown(this)
  }

  override onShutdown(): void {
    if (this.ifp.tap === this) this.ifp.tap = null
  }
}

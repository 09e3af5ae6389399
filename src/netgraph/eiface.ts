/**
 * ng_eiface(4): a virtual Ethernet interface `ngethN` whose wire is the node's `ether` hook. Frames
 * the interface transmits leave on the hook; frames arriving on the hook are received by the
 * interface. The node is persistent; shutting it down destroys the interface.
 */

import type { Mbuf } from '../buf/mbuf.js'
import { etherDriver } from '../stack/net/ether.js'
import { cloneCreate, cloneRelease, type IfCloner } from '../stack/net/if_clone.js'
import { IFF, Ifnet, ifAttach, ifDetach, type LinkEndpoint } from '../stack/net/ifnet.js'
import { SysError } from '../util/errno.js'
import { formatMac, parseMac } from '../wire/addr.js'
import type { NgValue } from './ascii.js'
import type { NgGraph } from './graph.js'
import { noArg } from './msgargs.js'
import { type NgHook, NgNode } from './node.js'

/** Not an `ifconfig create` cloner: only ng_eiface makes these; it numbers them like one. */
const ngethCloner: IfCloner = {
  name: 'ngeth',
  create: (v, unit) => [
    new Ifnet(
      v,
      `ngeth${unit}`,
      etherDriver,
      'ngeth',
      v.env.newMac(),
      1500,
      IFF.BROADCAST | IFF.SIMPLEX | IFF.MULTICAST,
    ),
  ],
}

export class EifaceNode extends NgNode implements LinkEndpoint {
  readonly type = 'eiface'
  readonly ifp: Ifnet
  private ether: NgHook | null = null

  constructor(graph: NgGraph) {
    super(graph)
    this.persistent = true
    const [ifp] = cloneCreate(graph.vnet, ngethCloner, -1)
    this.ifp = ifp!
    this.ifp.link = this
    ifAttach(graph.vnet, this.ifp)
  }

  override newHook(name: string): void {
    if (name !== 'ether') throw new SysError('EINVAL', 'ngctl', `eiface: unknown hook '${name}'`)
  }

  override hookConnected(hook: NgHook): void {
    this.ether = hook
  }

  override hookRemoved(): void {
    this.ether = null
  }

  /** The interface transmits: out of the ether hook. */
  transmit(m: Mbuf): void {
    if (this.ether === null) this.graph.pool.put(m)
    else this.send(this.ether, m)
  }

  rcvdata(_hook: NgHook, m: Mbuf): void {
    this.ifp.receive(m)
  }

  override rcvmsg(cmd: string, arg: NgValue | undefined): NgValue | undefined {
    switch (cmd) {
      case 'getifname':
        noArg(cmd, arg)
        return this.ifp.name
      case 'set': {
        const mac = typeof arg === 'string' ? parseMac(arg) : null
        if (mac === null) throw new SysError('EINVAL', 'ngctl', 'eiface: set: MAC address expected')
        this.ifp.mac = mac
        return undefined
      }
      case 'getenaddr':
        noArg(cmd, arg)
        return formatMac(this.ifp.mac)
      default:
        return super.rcvmsg(cmd, arg)
    }
  }

  override messages(): readonly string[] {
    return ['getifname', 'set', 'getenaddr']
  }

  override onShutdown(): void {
    const ifp = this.ifp
    if (ifp.vnet.hasIf(ifp)) ifDetach(ifp)
    ifp.flags &= ~(IFF.UP | IFF.RUNNING)
    ifp.link = null
    cloneRelease(ifp)
  }
}

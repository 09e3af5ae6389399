/**
 * ng_eiface(4): a virtual Ethernet interface `ngethN` whose wire is the node's `ether` hook. Frames
 * the interface transmits leave on the hook; frames arriving on the hook are received by the
 * interface. The node is persistent and named after its interface; shutting it down destroys the
 * interface. As FreeBSD 14's driver, the link is up (media active, 1000baseT) while the hook is
 * connected or after NGM_LINK_IS_UP, and down after it is cut or NGM_LINK_IS_DOWN.
 */

import type { Mbuf } from '../buf/mbuf.js'
import { etherDriver } from '../stack/net/ether.js'
import { cloneCreate, cloneRelease, type IfCloner } from '../stack/net/if/if_clone.js'
import { IFF, Ifnet, ifAttach, ifDetach, type LinkEndpoint } from '../stack/net/ifnet.js'
import { SysError } from '../util/errno.js'
import { formatMac, parseMac } from '../wire/addr.js'
import type { NgValue } from './ascii.js'
import type { NgGraph } from './graph.js'
import { noArg } from './msgargs.js'
import { type NgHook, NgNode } from './node.js'

/** IFCAP_VLAN_MTU | IFCAP_JUMBO_MTU, what ng_eiface_constructor enables. */
const EIFACE_CAPS = 0x8 | 0x20

const AUTOSELECT = 'Ethernet autoselect'
/** ng_eiface_mediastatus: autoselect resolves to gigabit full duplex while the link is active. */
const AUTOSELECT_ACTIVE = `${AUTOSELECT} (1000baseT <full-duplex>)`

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
  /** priv->link_status & IFM_ACTIVE. */
  private linkActive = false

  constructor(graph: NgGraph) {
    super(graph)
    this.persistent = true
    const [ifp] = cloneCreate(graph.vnet, ngethCloner, -1)
    this.ifp = ifp!
    this.ifp.link = this
    this.ifp.media = AUTOSELECT
    this.ifp.capenable = EIFACE_CAPS
    // The node takes its interface's name when no other node has it (ng_name_node before
    // ether_ifattach, so the interface's ng_ether node is the one left unnamed).
    if (!graph.hasName(this.ifp.name)) this.name = this.ifp.name
    ifAttach(graph.vnet, this.ifp)
  }

  carrier(): boolean {
    return this.linkActive
  }

  media(): string {
    return this.linkActive ? AUTOSELECT_ACTIVE : AUTOSELECT
  }

  override linkState(up: boolean): void {
    this.linkActive = up
  }

  override newHook(name: string): void {
    if (name !== 'ether') throw new SysError('EINVAL', 'ngctl', `eiface: unknown hook '${name}'`)
  }

  override hookConnected(hook: NgHook): void {
    this.ether = hook
    this.linkState(true)
  }

  override hookRemoved(): void {
    this.ether = null
    this.linkState(false)
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

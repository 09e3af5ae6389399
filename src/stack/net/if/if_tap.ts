/**
 * tap(4): an Ethernet interface whose other end is a character device held by a process
 * (`/dev/tapN`): tun(4)'s queue and device (if_tun.ts's TunSoftc: a bounded queue for the reader,
 * writes received as from the wire), with whole Ethernet frames instead of IP packets, as FreeBSD's
 * if_tuntap serves both. Without a reader, frames sent are dropped and counted.
 *
 * Host root's tap, where the platform offers the machine's devices (real_link.ts), has a real end
 * instead: RealTapSoftc, whose frames go to and come from a TAP device of the same name (or, for a
 * lab's rj45 node, a real interface read raw). The relay behind it may die; the interface then
 * goes down, the reason is logged, and `up` tries to open the device again.
 *
 * Must not: throw on the data path, or take a frame the Ethernet layer could not (shorter than a
 * header, longer than the largest MTU with a VLAN tag): those are dropped and counted.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { LOG } from '../../../kern/subr_msgbuf.js'
import { ETHER_HDR_LEN } from '../../../wire/link/ethernet.js'
import { etherDriver } from '../ether.js'
import { IFF, Ifnet, ifSetUp, type LinkEndpoint } from '../ifnet.js'
import type { RealLink, RealLinkKind, RealLinkProvider } from '../real_link.js'
import type { Vnet } from '../vnet.js'
import type { IfCloner } from './if_clone.js'
import { TunSoftc } from './if_tun.js'

export const TAP_MEDIA = 'Ethernet autoselect'
/** syslog's LOG_ERR. */
const LOG_ERR = 3
/** A VLAN tag's four bytes on top of the header. */
const VLAN_ENCAP_LEN = 4

/**
 * tap(4) and its vmnet variant: if_tuntap's "vmnet" driver makes the same Ethernet interface under
 * another name and group (`vmnet0`, `groups: vmnet`), the one VMware's tools open; only what its
 * device does on close differs (a vmnet stays up), and that device has no reader here.
 */
function tapLikeCloner(name: 'tap' | 'vmnet'): IfCloner {
  return {
    name,
    create(v: Vnet, unit: number) {
      const ifp = new Ifnet(
        v,
        `${name}${unit}`,
        etherDriver,
        name,
        v.env.newMac(),
        1500,
        IFF.BROADCAST | IFF.SIMPLEX | IFF.MULTICAST,
      )
      ifp.media = TAP_MEDIA
      ifp.link = new TunSoftc(ifp)
      return [ifp]
    },
  }
}

export const tapCloner: IfCloner = tapLikeCloner('tap')
export const vmnetCloner: IfCloner = tapLikeCloner('vmnet')

/** A tap whose device end is the machine's: a TAP device of `real`'s name, or an interface read raw. */
export class RealTapSoftc implements LinkEndpoint {
  readonly ifp: Ifnet
  readonly kind: RealLinkKind
  /** The machine's interface behind this one. */
  readonly real: string
  private readonly provider: RealLinkProvider
  private link: RealLink | null = null
  /** Why the last link was lost, for `ifconfig` and the log; null while it is open. */
  lost: string | null = null

  /** Opens the device at once: throws the provider's SysError (nothing is left open) when refused. */
  constructor(ifp: Ifnet, provider: RealLinkProvider, kind: RealLinkKind, real: string) {
    this.ifp = ifp
    this.provider = provider
    this.kind = kind
    this.real = real
    this.open()
  }

  private open(): void {
    const link = this.provider.open(this.kind, this.real, this.input, (why) => this.down(link, why))
    this.link = link
    this.lost = null
  }

  /** Frames the relay dropped on the way out, besides those counted while it was gone. */
  get relayDrops(): number {
    return this.link?.drops ?? 0
  }

  /** A frame from the machine, received as from the wire. */
  private readonly input = (buf: Uint8Array, off: number, len: number): void => {
    const ifp = this.ifp
    if (!ifp.up) return
    if (len < ETHER_HDR_LEN || len > ifp.mtu + ETHER_HDR_LEN + VLAN_ENCAP_LEN) {
      ifp.stats.ierrors++
      return
    }
    ifp.receive(ifp.vnet.env.pool.copyIn(buf, off, len))
  }

  transmit(m: Mbuf): void {
    const ifp = this.ifp
    if (this.link === null) ifp.stats.odrops++
    else this.link.send(m.data, m.off, m.len)
    ifp.vnet.env.pool.put(m)
  }

  /** The relay went away: the interface goes down (as tapclose does) and says why in the log. */
  private down(link: RealLink, why: string): void {
    if (this.link !== link) return
    this.link = null
    this.lost = why
    const ifp = this.ifp
    ifp.vnet.env.msgbuf.log(LOG.KERN | LOG_ERR, `${ifp.name}: lost the machine's ${this.real}: ${why}`)
    ifSetUp(ifp, false)
  }

  /** `up` after the link was lost opens the device again; a refusal is logged and leaves it down. */
  ifUp(ifp: Ifnet): void {
    if (this.link !== null) return
    try {
      this.open()
    } catch (e) {
      this.lost = (e as Error).message
      ifp.vnet.env.msgbuf.log(
        LOG.KERN | LOG_ERR,
        `${ifp.name}: cannot open the machine's ${this.real}: ${this.lost}`,
      )
      ifp.flags &= ~IFF.RUNNING
    }
  }

  ifDetached(): void {
    // Moving to a jail keeps the link (the device is the interface's, wherever it is); only a
    // destroyed interface lets go of it (close()).
  }

  /** The interface is destroyed: let go of the device. */
  ifDestroyed(): void {
    const l = this.link
    this.link = null
    l?.close()
  }

  carrier(): boolean {
    return this.link !== null && this.ifp.up
  }
}

/** The real-device softc of ifp, or null. */
export function realTapOf(ifp: Ifnet): RealTapSoftc | null {
  return ifp.link instanceof RealTapSoftc ? ifp.link : null
}

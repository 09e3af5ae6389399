/**
 * tap(4): an Ethernet interface whose other end is a character device held by a process
 * (`/dev/tapN`): tun(4)'s queue and device (if_tun.ts's TunSoftc: a bounded queue for the reader,
 * writes received as from the wire), with whole Ethernet frames instead of IP packets, as FreeBSD's
 * if_tuntap serves both. Without a reader, frames sent are dropped and counted.
 */

import { etherDriver } from '../ether.js'
import type { IfCloner } from '../if_clone.js'
import { TunSoftc } from '../if_tun.js'
import { IFF, Ifnet } from '../ifnet.js'
import type { Vnet } from '../vnet.js'

export const TAP_MEDIA = 'Ethernet autoselect'

export const tapCloner: IfCloner = {
  name: 'tap',
  create(v: Vnet, unit: number) {
    const ifp = new Ifnet(
      v,
      `tap${unit}`,
      etherDriver,
      'tap',
      v.env.newMac(),
      1500,
      IFF.BROADCAST | IFF.SIMPLEX | IFF.MULTICAST,
    )
    ifp.media = TAP_MEDIA
    ifp.link = new TunSoftc(ifp)
    return [ifp]
  },
}

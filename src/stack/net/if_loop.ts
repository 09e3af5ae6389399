/**
 * lo(4): the loopback interface. Every vnet gets lo0 with 127.0.0.1/8; packets sent to a local
 * address are routed through it (FreeBSD's `UHS lo0` host routes) and come back in via the run-queue.
 */

import type { IfCloner } from './if_clone.js'
import { IFF, Ifnet } from './ifnet.js'

export const LOOP_MTU = 16384

export const loCloner: IfCloner = {
  name: 'lo',
  create(v, unit) {
    const ifp = new Ifnet(v, `lo${unit}`, 'loop', 'lo', 0, LOOP_MTU, IFF.LOOPBACK | IFF.MULTICAST)
    return [ifp]
  },
}

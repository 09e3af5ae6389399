/**
 * lo(4): the loopback interface. Every vnet gets lo0 with 127.0.0.1/8; packets sent to a local
 * address are routed through it (FreeBSD's `UHS lo0` host routes) and come back in via the run-queue.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { IFF, type IfDriver, Ifnet } from '../ifnet.js'
import type { IfCloner } from './if_clone.js'

export const LOOP_MTU = 16384

/** The largest MTU lo(4) takes here (SIOCSIFMTU). */
export const LOOP_MAXMTU = 65536

/** looutput: the packet comes straight back in through the run-queue (if_simloop). */
function loOutput(ifp: Ifnet, m: Mbuf): undefined {
  ifp.stats.opackets++
  ifp.stats.obytes += m.len
  ifp.receive(m)
  return undefined
}

const loDriver: IfDriver = { type: 'loop', output: loOutput, maxMtu: LOOP_MAXMTU }

export const loCloner: IfCloner = {
  name: 'lo',
  create(v, unit) {
    const ifp = new Ifnet(v, `lo${unit}`, loDriver, 'lo', 0, LOOP_MTU, IFF.LOOPBACK | IFF.MULTICAST)
    return [ifp]
  },
}

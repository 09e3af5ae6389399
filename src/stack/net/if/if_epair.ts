/**
 * epair(4): a pair of Ethernet interfaces joined back to back, `epairNa` and `epairNb`, each usually
 * moved into a different vnet. A frame sent on one side is received by the other through the host's
 * run-queue. MACs are locally administered and end in 0a / 0b as on FreeBSD.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { etherDriver } from '../ether.js'
import { IFF, Ifnet, type LinkEndpoint } from '../ifnet.js'
import type { Vnet } from '../vnet.js'
import type { IfCloner } from './if_clone.js'

export const EPAIR_MEDIA = 'Ethernet 10Gbase-T (10Gbase-T <full-duplex>)'

/**
 * The wire between the two halves: what one side transmits, the other receives. As if_epair.c, each
 * half runs with its link up from creation to destruction (epair_set_state at clone time) and reports
 * its media active whether or not it is administratively up.
 */
class EpairWire implements LinkEndpoint {
  private readonly peer: Ifnet
  readonly runsWhileDown = true
  constructor(peer: Ifnet) {
    this.peer = peer
  }
  transmit(m: Mbuf): void {
    this.peer.receive(m)
  }
  carrier(): boolean {
    return true
  }
}

function half(v: Vnet, name: string, mac: number): Ifnet {
  const flags = IFF.BROADCAST | IFF.SIMPLEX | IFF.MULTICAST | IFF.RUNNING
  const ifp = new Ifnet(v, name, etherDriver, 'epair', mac, 1500, flags)
  ifp.media = EPAIR_MEDIA
  return ifp
}

export const epairCloner: IfCloner = {
  name: 'epair',
  names: (unit) => [`epair${unit}a`, `epair${unit}b`],
  create(v, unit) {
    const base = v.env.newMac()
    const a = half(v, `epair${unit}a`, base + 0x0a)
    const b = half(v, `epair${unit}b`, base + 0x0b)
    a.link = new EpairWire(b)
    b.link = new EpairWire(a)
    a.peer = b
    b.peer = a
    return [a, b]
  },
}

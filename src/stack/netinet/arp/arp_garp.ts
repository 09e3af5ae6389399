/**
 * Gratuitous ARP retransmission (if_ether.c's garp_timer_start / garp_rexmit): one GARP always goes
 * out when an IPv4 address is added (arp_ifinit); with net.link.ether.inet.garp_rexmit_count N > 0
 * it is repeated N more times, 1, 2, 4, 8 ... seconds apart, so neighbours whose first copy was
 * lost (a shared address moving between nodes) still learn the new owner.
 *
 * Must not: outlive its address or interface (removal and departure cancel the timer).
 */

import { SEC, type Timer } from '../../../util/clock.js'
import type { IfAddr, Ifnet } from '../../net/ifnet.js'
import { arp, arpAnnounce } from './arp.js'

/** ia_garp_timer and ia_garp_count of one address. */
export class GarpTimer {
  count = 0
  readonly timer: Timer

  constructor(readonly ifa: IfAddr) {
    this.timer = ifa.ifp.vnet.env.clock.timer(() => garpRexmit(this))
  }
}

/** arp_ifinit: announce a new address and, when asked to, schedule its retransmissions. */
export function arpIfInit(ifa: IfAddr): void {
  const ifp = ifa.ifp
  if (ifa.addr === 0) return
  arpAnnounce(ifp, ifa.addr)
  if (ifp.vnet.env.arp.garpRexmitCount <= 0) return
  const garps = arp(ifp.vnet).garp
  let g = garps.get(ifa)
  if (g === undefined) {
    g = new GarpTimer(ifa)
    garps.set(ifa, g)
  }
  g.count = 0
  g.timer.arm(SEC)
}

function garpRexmit(g: GarpTimer): void {
  const ifp = g.ifa.ifp
  arpAnnounce(ifp, g.ifa.addr)
  g.count++
  // The knob is read at each step, as garp_rexmit does: lowering it stops the series early.
  if (g.count >= ifp.vnet.env.arp.garpRexmitCount) arp(ifp.vnet).garp.delete(g.ifa)
  else g.timer.arm((1 << g.count) * SEC)
}

/** The address is gone (in_difaddr's callout_stop). */
export function garpStop(ifa: IfAddr): void {
  const garps = arp(ifa.ifp.vnet).garp
  const g = garps.get(ifa)
  if (g === undefined) return
  g.timer.cancel()
  garps.delete(ifa)
}

/** The interface leaves its vnet: none of its addresses is announced again. */
export function garpIfDetach(ifp: Ifnet): void {
  const garps = arp(ifp.vnet).garp
  for (const [ifa, g] of garps)
    if (ifa.ifp === ifp) {
      g.timer.cancel()
      garps.delete(ifa)
    }
}

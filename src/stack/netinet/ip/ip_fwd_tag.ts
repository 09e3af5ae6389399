/**
 * The IPFORWARD tag (FreeBSD's PACKET_TAG_IPFORWARD m_tag): a filter's `fwd ADDR[,PORT]` to one of
 * this stack's own addresses, carried on the packet from ip_input to TCP and UDP input, which then
 * find the socket at that address and port — a transparent proxy — while the connection keeps the
 * packet's own destination as its local address, as FreeBSD's tcp_input and udp_input do.
 *
 * Made only for such packets (FreeBSD allocates its m_tag there too); ordinary packets never see one.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import type { Inpcb, InpcbTable } from '../in_pcb.js'

export class IpForwardTag {
  constructor(
    readonly addr: number,
    /** 0: the packet's own destination port. */
    readonly port: number,
  ) {}
}

/**
 * in_pcblookup for a packet: the exact connection first, then, for a forwarded packet, the
 * "ambushing socket" bound at the forward address and port (wildcards allowed); for any other
 * packet, the usual lookup with wildcards.
 */
export function pcbLookupFwd(
  pcbs: InpcbTable,
  m: Mbuf,
  faddr: number,
  fport: number,
  laddr: number,
  lport: number,
): Inpcb | null {
  const tag = m.tag
  if (!(tag instanceof IpForwardTag)) return pcbs.lookup(faddr, fport, laddr, lport)
  return (
    pcbs.lookup(faddr, fport, laddr, lport, false) ??
    pcbs.lookup(faddr, fport, tag.addr, tag.port !== 0 ? tag.port : lport)
  )
}

/**
 * Deferred transport checksums (FreeBSD's CSUM_TCP with in_delayed_cksum, and the if_hwassist test
 * in ip_output): TCP leaves a segment's checksum unfinished and marks the mbuf; IP output finishes it
 * in software unless the outgoing interface offloads it. Only an in-process link can "offload": an
 * epair with `csumOffload` whose frames go straight to its peer (no bridge or netgraph tap on either
 * half), so the segment is handed whole to another stack of this process, which trusts it as veth's
 * receiver trusts CHECKSUM_UNNECESSARY. Anything that leaves the process, is fragmented or passes a
 * tap gets a real checksum. Never throws; allocates nothing.
 */

import type { Mbuf } from '../../buf/mbuf.js'
import { readU16, readU32 } from '../../wire/addr.js'
import { tcpFinish } from '../../wire/inet/tcp.js'
import type { Ifnet } from '../net/ifnet.js'

/** Whether ifp may carry a segment whose TCP checksum is not computed (in-process peer, no taps). */
export function ifOffloadsCsum(ifp: Ifnet): boolean {
  const peer = ifp.peer
  return ifp.csumOffload && ifp.tap === null && peer !== null && peer.tap === null
}

/** in_delayed_cksum: m starts at its IPv4 header; compute and store the TCP checksum now. */
export function inDelayedCksum(m: Mbuf): void {
  const b = m.data
  const o = m.off
  const hl = (b[o]! & 0xf) << 2
  const total = readU16(b, o + 2)
  tcpFinish(b, o + hl, total - hl, readU32(b, o + 12), readU32(b, o + 16), m.data32)
  m.csumL4 = false
}

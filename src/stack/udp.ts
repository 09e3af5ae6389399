/**
 * UDP input (RFC 768, RFC 1122 §4.1.3): length and checksum validation and struct udpstat counters.
 * There are no UDP sockets yet, so every valid datagram finds no port and earns an ICMP port
 * unreachable (which is what traceroute's probes are for); sockets will hook in here.
 */

import type { Mbuf } from '../buf/mbuf.js'
import { readU16, readU32 } from '../wire/addr.js'
import { fold, sum16 } from '../wire/checksum.js'
import { IcmpType, UnreachCode } from '../wire/icmp.js'
import { IpProto, ipv4PseudoHeaderSum } from '../wire/ipv4.js'
import { icmpError } from './icmp.js'
import type { Ifnet } from './ifnet.js'
import { intKnob } from './sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from './vnet.js'

export const UDP_HDR_LEN = 8

/** struct udpstat. */
export class UdpStats {
  udps_ipackets = 0
  udps_hdrops = 0
  udps_badsum = 0
  udps_nosum = 0
  udps_badlen = 0
  udps_noport = 0
  udps_noportbcast = 0
  udps_fullsock = 0
  udps_opackets = 0
}

export class UdpVnet {
  readonly stats = new UdpStats()
  /** net.inet.ip.portrange.first / last: the ephemeral port range (shared with TCP later). */
  portFirst = 10000
  portLast = 65535
}

export const udpModule: VnetModule<UdpVnet> = {
  name: 'udp',
  slot: Slot.UDP,
  create: () => new UdpVnet(),
  sysctls: [
    intKnob('net.inet.ip.portrange.first', 'First port of the ephemeral range', (v) => udp(v), 'portFirst', {
      min: 1,
      max: 65535,
    }),
    intKnob('net.inet.ip.portrange.last', 'Last port of the ephemeral range', (v) => udp(v), 'portLast', {
      min: 1,
      max: 65535,
    }),
  ],
}

export function udp(v: Vnet): UdpVnet {
  return vstate(v, udpModule)
}

/** m starts at the IP header of length hlen. Takes ownership of m. */
export function udpInput(v: Vnet, _ifp: Ifnet, m: Mbuf, hlen: number): void {
  const st = udp(v).stats
  const pool = v.env.pool
  const buf = m.data
  const off = m.off + hlen
  const len = m.len - hlen
  st.udps_ipackets++
  if (len < UDP_HDR_LEN) {
    st.udps_hdrops++
    pool.put(m)
    return
  }
  const ulen = readU16(buf, off + 4)
  if (ulen < UDP_HDR_LEN || ulen > len) {
    st.udps_badlen++
    pool.put(m)
    return
  }
  const src = readU32(buf, m.off + 12)
  const dst = readU32(buf, m.off + 16)
  if (readU16(buf, off + 6) === 0) st.udps_nosum++
  else if (fold(sum16(buf, off, ulen, ipv4PseudoHeaderSum(src, dst, IpProto.UDP, ulen))) !== 0xffff) {
    st.udps_badsum++
    pool.put(m)
    return
  }
  if (v.isBroadcast(dst) || dst >>> 28 === 0xe) {
    st.udps_noportbcast++
    pool.put(m)
    return
  }
  st.udps_noport++
  icmpError(v, m, IcmpType.UNREACH, UnreachCode.PORT, 0)
}

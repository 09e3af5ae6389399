/**
 * ICMP errors to transport protocols (icmp_input's PRC_* mapping, inetctlerrmap, pr_ctlinput): an
 * error quoting a datagram we sent becomes an errno for the endpoint that sent it. Transports
 * register here by IP protocol, so ICMP itself knows none of them.
 */

import type { ErrnoName } from '../../../util/errno.js'
import { readU16, readU32 } from '../../../wire/addr.js'
import { IcmpType, UnreachCode } from '../../../wire/inet/icmp.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import type { Vnet } from '../../net/vnet.js'
import { tcpCtlinput } from '../tcp/tcp_subr.js'
import { udpCtlinput } from '../udp.js'

/** The errno an ICMP error means for a transport endpoint (inetctlerrmap), or null for none. */
export function icmpErrno(type: number, code: number): ErrnoName | null {
  if (type === IcmpType.UNREACH) {
    switch (code) {
      case UnreachCode.PROTOCOL:
      case UnreachCode.PORT:
      case UnreachCode.NET_PROHIB:
      case UnreachCode.HOST_PROHIB:
      case UnreachCode.FILTER_PROHIB:
        return 'ECONNREFUSED'
      case UnreachCode.NEEDFRAG:
        return 'EMSGSIZE'
      default:
        return code <= 15 ? 'EHOSTUNREACH' : null
    }
  }
  if (type === IcmpType.TIME_EXCEEDED) return code === 0 ? 'EHOSTUNREACH' : null
  if (type === IcmpType.PARAM_PROBLEM) return 'ENOPROTOOPT'
  return null
}

/**
 * An ICMP error arrived: `inner` is the offset of the quoted IP header in buf, `innerLen` how many
 * quoted bytes there are. Needs the quoted header and the 8 transport bytes with the ports.
 */
export function ipCtlinput(
  v: Vnet,
  type: number,
  code: number,
  buf: Uint8Array,
  inner: number,
  innerLen: number,
): void {
  if (innerLen < 20) return
  const hl = (buf[inner]! & 0xf) << 2
  if (hl < 20 || innerLen < hl + 8) return
  const err = icmpErrno(type, code)
  if (err === null) return
  const src = readU32(buf, inner + 12)
  const dst = readU32(buf, inner + 16)
  const sport = readU16(buf, inner + hl)
  const dport = readU16(buf, inner + hl + 2)
  const proto = buf[inner + 9]
  if (proto === IpProto.UDP) udpCtlinput(v, type, code, err, buf, inner, innerLen)
  else if (proto === IpProto.TCP)
    // The ICMP header's last 16 bits (before the quote) carry the next-hop MTU for "fragmentation needed".
    tcpCtlinput(
      v,
      type,
      code,
      err,
      src,
      sport,
      dst,
      dport,
      readU32(buf, inner + hl + 4),
      readU16(buf, inner - 2),
      readU16(buf, inner + 2),
    )
}

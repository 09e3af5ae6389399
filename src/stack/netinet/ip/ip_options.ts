/**
 * IPv4 options (RFC 791 §3.1) as FreeBSD's ip_options.c handles them: ip_dooptions on input (every
 * node a datagram passes fills its Record Route option; malformed options earn a Parameter Problem
 * pointing at the bad byte), ip_pcbopts' checks for IP_OPTIONS, ip_insertoptions on output,
 * ip_optcopy for fragments and the options icmp_reflect keeps in a reply.
 *
 * Must not: allocate on the input path, or throw. Source routing is refused as FreeBSD refuses it
 * with its defaults (net.inet.ip.sourceroute and accept_sourceroute both 0); timestamps pass through
 * untouched (no iptime() here).
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import type { ErrnoName } from '../../../util/errno.js'
import { readU32, writeU32 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import { IcmpType, UnreachCode } from '../../../wire/inet/icmp.js'
import { IPV4_MIN_HDR } from '../../../wire/inet/ipv4.js'
import type { Vnet } from '../../net/vnet.js'
import { icmpError } from '../icmp.js'
import { ip } from './ip.js'
import { sourceFor } from './ip_output.js'

export const IPOPT_EOL = 0
export const IPOPT_NOP = 1
export const IPOPT_RR = 7
export const IPOPT_TS = 68
export const IPOPT_SECURITY = 130
export const IPOPT_LSRR = 131
export const IPOPT_SSRR = 137
/** Offsets inside an option: its type, its length, its pointer. */
export const IPOPT_OPTVAL = 0
export const IPOPT_OLEN = 1
export const IPOPT_OFFSET = 2
/** The smallest pointer value: the first slot of a route option (RFC 791 counts from 1). */
export const IPOPT_MINOFF = 4
/** The most option bytes a header holds (60 - 20). */
export const MAX_IPOPTLEN = 40

/** RFC 791: the copied flag (high bit of the type) puts an option into every fragment. */
function copied(opt: number): boolean {
  return (opt & 0x80) !== 0
}

/**
 * ip_dooptions: process the options of datagram m (at its IP header, `hlen` > 20 bytes long) before
 * it is delivered or forwarded. Returns true when m was consumed (an error was sent or it was
 * dropped), false to go on with it, its header checksum made good again if an option changed.
 */
export function ipDoOptions(v: Vnet, m: Mbuf, hlen: number): boolean {
  const state = ip(v)
  if (state.doopts === 0) return false
  if (state.doopts === 2) return bad(v, m, IcmpType.UNREACH, UnreachCode.FILTER_PROHIB)
  const b = m.data
  const o = m.off
  const dst = readU32(b, o + 16)
  let changed = false
  let optlen = 0
  for (let cp = o + IPV4_MIN_HDR, cnt = hlen - IPV4_MIN_HDR; cnt > 0; cnt -= optlen, cp += optlen) {
    const opt = b[cp]!
    if (opt === IPOPT_EOL) break
    if (opt === IPOPT_NOP) {
      optlen = 1
      continue
    }
    if (cnt < IPOPT_OLEN + 1) return paramProblem(v, m, cp + IPOPT_OLEN - o)
    optlen = b[cp + IPOPT_OLEN]!
    if (optlen < IPOPT_OLEN + 1 || optlen > cnt) return paramProblem(v, m, cp + IPOPT_OLEN - o)
    if (opt === IPOPT_LSRR || opt === IPOPT_SSRR) {
      if (optlen < IPOPT_OFFSET + 1) return paramProblem(v, m, cp + IPOPT_OLEN - o)
      if (b[cp + IPOPT_OFFSET]! < IPOPT_MINOFF) return paramProblem(v, m, cp + IPOPT_OFFSET - o)
      // Neither forwarded along nor accepted at its end: "Source Route Failed", as with FreeBSD's
      // defaults, except a host that is not a router and not the next hop just drops it.
      if (v.isLocal(dst) && b[cp + IPOPT_OFFSET]! - 1 <= optlen - 4 && state.forwarding === 0) {
        state.stats.ips_cantforward++
        v.env.pool.put(m)
        return true
      }
      return bad(v, m, IcmpType.UNREACH, UnreachCode.SRCFAIL)
    }
    if (opt === IPOPT_RR) {
      if (optlen < IPOPT_OFFSET + 1) return paramProblem(v, m, cp + IPOPT_OFFSET - o)
      const ptr = b[cp + IPOPT_OFFSET]!
      if (ptr < IPOPT_MINOFF) return paramProblem(v, m, cp + IPOPT_OFFSET - o)
      const off = ptr - 1
      // Full: nothing more is recorded (RFC 791: "the datagram is forwarded without inserting").
      if (off > optlen - 4) continue
      // Our address when the datagram is for us, else the one it will leave by (ip_rtaddr).
      let rec = 0
      if (v.isLocal(dst)) rec = dst
      else {
        const rt = v.routes.lookup(dst)
        if (rt !== null) rec = sourceFor(rt)
      }
      if (rec === 0) return bad(v, m, IcmpType.UNREACH, UnreachCode.HOST)
      writeU32(b, cp + off, rec)
      b[cp + IPOPT_OFFSET] = ptr + 4
      changed = true
    }
  }
  if (changed) {
    b[o + 10] = 0
    b[o + 11] = 0
    const sum = checksum(b, o, hlen)
    b[o + 10] = sum >>> 8
    b[o + 11] = sum & 0xff
  }
  return false
}

function paramProblem(v: Vnet, m: Mbuf, pointer: number): true {
  // icmp_error puts a Parameter Problem's pointer in the first byte after the checksum.
  return bad(v, m, IcmpType.PARAM_PROBLEM, 0, (pointer & 0xff) << 24)
}

function bad(v: Vnet, m: Mbuf, type: number, code: number, rest = 0): true {
  icmpError(v, m, type, code, rest)
  ip(v).stats.ips_badoptions++
  return true
}

/**
 * ip_pcbopts' checks on an IP_OPTIONS value: a multiple of four bytes, at most 40, every option
 * well formed. Source-route options are refused (EINVAL): VirtNet does no source routing.
 */
export function ipCheckPcbOpts(opts: Uint8Array): ErrnoName | undefined {
  if (opts.length % 4 !== 0 || opts.length > MAX_IPOPTLEN) return 'EINVAL'
  let optlen = 0
  for (let cp = 0, cnt = opts.length; cnt > 0; cnt -= optlen, cp += optlen) {
    const opt = opts[cp]!
    if (opt === IPOPT_EOL) break
    if (opt === IPOPT_NOP) {
      optlen = 1
      continue
    }
    if (cnt < IPOPT_OLEN + 1) return 'EINVAL'
    optlen = opts[cp + IPOPT_OLEN]!
    if (optlen < IPOPT_OLEN + 1 || optlen > cnt) return 'EINVAL'
    if (opt === IPOPT_LSRR || opt === IPOPT_SSRR) return 'EINVAL'
  }
  return undefined
}

/**
 * ip_insertoptions for a header just written at `off` without options, with `opts.length` bytes
 * of room already made after it: copies them in, sets the header length and the checksum.
 */
export function ipInsertOptions(b: Uint8Array, off: number, opts: Uint8Array): void {
  const hlen = IPV4_MIN_HDR + opts.length
  b.set(opts, off + IPV4_MIN_HDR)
  b[off] = 0x40 | (hlen >> 2)
  b[off + 10] = 0
  b[off + 11] = 0
  const sum = checksum(b, off, hlen)
  b[off + 10] = sum >>> 8
  b[off + 11] = sum & 0xff
}

/**
 * ip_optcopy: the options of the header at `src` that belong in every fragment (the copied flag,
 * and NOPs for alignment), written after the 20 bytes at `dst` and padded with EOL to a multiple
 * of four. Returns their length.
 */
export function ipOptCopy(b: Uint8Array, src: number, out: Uint8Array, dst: number): number {
  const hlen = (b[src]! & 0x0f) << 2
  let dp = dst + IPV4_MIN_HDR
  let optlen = 0
  for (let cp = src + IPV4_MIN_HDR, cnt = hlen - IPV4_MIN_HDR; cnt > 0; cnt -= optlen, cp += optlen) {
    const opt = b[cp]!
    if (opt === IPOPT_EOL) break
    if (opt === IPOPT_NOP) {
      out[dp++] = IPOPT_NOP
      optlen = 1
      continue
    }
    optlen = cnt < 2 ? cnt : Math.min(Math.max(b[cp + IPOPT_OLEN]!, 2), cnt)
    if (copied(opt)) {
      out.set(b.subarray(cp, cp + optlen), dp)
      dp += optlen
    }
  }
  let n = dp - (dst + IPV4_MIN_HDR)
  for (; (n & 3) !== 0; n++) out[dp++] = IPOPT_EOL
  return n
}

/**
 * icmp_reflect's options for a reply to the datagram at `off` (header `hlen` long): its Record
 * Route, Timestamp and Security options, padded with EOL to a multiple of four; null when none.
 * RFC 1122 §3.2.2.6: an echo reply carries the request's record route and timestamp options on.
 */
export function ipReflectOptions(b: Uint8Array, off: number, hlen: number): Uint8Array | null {
  const out = new Uint8Array(MAX_IPOPTLEN)
  let dp = 0
  let optlen = 0
  for (let cp = off + IPV4_MIN_HDR, cnt = hlen - IPV4_MIN_HDR; cnt > 0; cnt -= optlen, cp += optlen) {
    const opt = b[cp]!
    if (opt === IPOPT_EOL) break
    if (opt === IPOPT_NOP) optlen = 1
    else {
      if (cnt < IPOPT_OLEN + 1) break
      optlen = b[cp + IPOPT_OLEN]!
      if (optlen < IPOPT_OLEN + 1 || optlen > cnt) break
    }
    if (opt === IPOPT_RR || opt === IPOPT_TS || opt === IPOPT_SECURITY) {
      out.set(b.subarray(cp, cp + optlen), dp)
      dp += optlen
    }
  }
  // The rest of `out` is zero: IPOPT_EOL padding.
  return dp === 0 ? null : out.subarray(0, (dp + 3) & ~3)
}

/**
 * A rule's quick-reject prefix: most rules begin with `PROTO from ADDR/MASK to ADDR/MASK`, and most
 * packets fail one of those three tests. Computed once when a rule is installed, they let ipfw_chk
 * reject with three integer compares before it walks the generic microinstruction loop.
 *
 * Only a leading run of plain (neither `not` nor `or`-ed) PROTO, IP_SRC and IP_DST instructions with
 * one address each is lifted out, so the remaining instructions run in their original order and the
 * rule's meaning is unchanged. Control path only; nothing here runs per packet.
 */

import { type IpfwInsn, O } from './ip_fw_rule.js'

export interface QuickReject {
  /** The protocol the rule requires, or -1 for any. */
  proto: number
  /** Address and mask as int32: a packet passes when (addr & mask) === addr field; 0/0 is any. */
  srcAddr: number
  srcMask: number
  dstAddr: number
  dstMask: number
  /** An IPv4 address was lifted: the rule cannot match an IPv6 packet. */
  v4: boolean
  /** The instructions after the lifted prefix, matched as before. */
  rest: IpfwInsn[]
}

/** Split insns into the quick-reject prefix and the rest. */
export function quickReject(insns: readonly IpfwInsn[]): QuickReject {
  const q: QuickReject = { proto: -1, srcAddr: 0, srcMask: 0, dstAddr: 0, dstMask: 0, v4: false, rest: [] }
  let k = 0
  for (; k < insns.length; k++) {
    const c = insns[k]!
    // An `or`-ed instruction, and the one that ends its block, belong to an or-block.
    if (c.not || c.or) break
    if (c.op === O.PROTO && q.proto < 0) q.proto = c.arg
    else if (c.op === O.IP_SRC && c.list.length === 2 && q.srcMask === 0 && q.srcAddr === 0) {
      q.srcMask = c.list[1]! | 0
      q.srcAddr = (c.list[0]! & c.list[1]!) | 0
      q.v4 = true
    } else if (c.op === O.IP_DST && c.list.length === 2 && q.dstMask === 0 && q.dstAddr === 0) {
      q.dstMask = c.list[1]! | 0
      q.dstAddr = (c.list[0]! & c.list[1]!) | 0
      q.v4 = true
    } else break
  }
  q.rest = insns.slice(k)
  return q
}

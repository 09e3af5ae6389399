/**
 * ipfw_chk's layer-2 opcodes: `layer2` (the packet came from a layer-2 pass), `mac-type` (EtherType
 * ranges) and `mac DST SRC` (addresses under masks). In a layer-3 pass none of them matches, as in
 * FreeBSD. `mac` keeps, in list, dst and src as (high 24 bits, low 24 bits) pairs with their masks:
 * [dstHi, dstLo, dstMaskHi, dstMaskLo, srcHi, srcLo, srcMaskHi, srcMaskLo], so every number fits
 * the rule format's 32 bits. No allocation, no throw.
 */

import type { PktFacts } from './ip_fw_facts.js'
import { type IpfwInsn, O } from './ip_fw_rule.js'

const hi = (mac: number) => Math.floor(mac / 0x1000000)
const lo = (mac: number) => mac % 0x1000000

export function l2Match(c: IpfwInsn, p: PktFacts): boolean {
  if (!p.layer2) return false
  if (c.op === O.LAYER2) return true
  if (c.op === O.MAC_TYPE) {
    const l = c.list
    for (let k = 0; k < l.length; k += 2) if (p.etherType >= l[k]! && p.etherType <= l[k + 1]!) return true
    return false
  }
  const l = c.list
  if (l.length !== 8) return false
  const d = p.macDst
  const s = p.macSrc
  return (
    (hi(d) & l[2]!) === l[0] &&
    (lo(d) & l[3]!) === l[1] &&
    (hi(s) & l[6]!) === l[4] &&
    (lo(s) & l[7]!) === l[5]
  )
}

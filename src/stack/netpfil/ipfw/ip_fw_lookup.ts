/**
 * ipfw_chk's table opcodes (O_IP_SRC_LOOKUP / O_IP_DST_LOOKUP of ip_fw2.c): is the packet's address
 * in the named table, and (`table(N,V)`) does the longest matching prefix carry value V.
 *
 * Packet path: no allocation, no throw; a table that vanished simply does not match.
 */

import type { Vnet } from '../../net/vnet.js'
import { ipfw } from './ip_fw_chain.js'
import type { IpfwInsn } from './ip_fw_rule.js'

/** Does addr match the table instruction c? */
export function tableMatch(v: Vnet, c: IpfwInsn, addr: number): boolean {
  const t = ipfw(v).tables.get(c.name)
  if (t === undefined) return false
  const i = t.lookup(addr)
  if (i < 0) return false
  return (c.arg2 & 1) === 0 || t.value(i) === c.arg
}

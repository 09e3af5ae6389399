/**
 * ipfw_chk's table opcodes (O_IP_SRC_LOOKUP / O_IP_DST_LOOKUP and the table forms of O_RECV/O_XMIT/
 * O_VIA of ip_fw2.c): is the packet's address in the named table, and (`table(N,V)`) does the
 * longest matching prefix carry value V; is its port or DSCP in a number table; is the interface in
 * an iface table.
 *
 * Packet path: no allocation, no throw; a table that vanished simply does not match.
 */

import { IpProto } from '../../../../wire/inet/ipv4.js'
import type { Vnet } from '../../../net/vnet.js'
import { ipfw } from '../ip_fw_chain.js'
import type { PktFacts } from '../ip_fw_facts.js'
import { type IpfwInsn, LOOKUP_KEY } from '../ip_fw_rule.js'

/** Does addr match the table instruction c? */
export function tableMatch(v: Vnet, c: IpfwInsn, addr: number): boolean {
  const t = ipfw(v).tables.get(c.name)
  if (t === undefined) return false
  const i = t.lookup(addr)
  if (i < 0) return false
  return (c.arg2 & 1) === 0 || t.value(i) === c.arg
}

/** Does the IPv6 address a[at..at+3] match the table instruction c (an IPv6 key of the addr table)? */
export function tableMatch6(v: Vnet, c: IpfwInsn, a: Uint32Array, at: number): boolean {
  const t = ipfw(v).tables.get(c.name)
  if (t === undefined) return false
  const i = t.lookup6(a, at)
  if (i < 0) return false
  return (c.arg2 & 1) === 0 || t.value6(i) === c.arg
}

/** `lookup dst-port|src-port|dscp N`: ports only of TCP and UDP (and not of later fragments). */
export function numberLookup(v: Vnet, c: IpfwInsn, p: PktFacts): boolean {
  let key: number
  if (c.arg === LOOKUP_KEY.DSCP) key = p.tos >>> 2
  else if (!p.l4 || (p.proto !== IpProto.TCP && p.proto !== IpProto.UDP)) return false
  else key = c.arg === LOOKUP_KEY.DST_PORT ? p.dport : p.sport
  const t = ipfw(v).tables.get(c.name)
  return t !== undefined && t.lookup(key) >= 0
}

/** `recv|xmit|via table(N)`: the interface's name is an entry of the iface table. */
export function ifaceLookup(v: Vnet, c: IpfwInsn, ifname: string): boolean {
  const t = ipfw(v).tables.get(c.name)
  return t?.hasIface(ifname) === true
}

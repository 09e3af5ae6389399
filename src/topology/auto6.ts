/**
 * IPv6 default routes for end systems, as IMUNES's auto_default_routes gives them for both families:
 * a pc or host with IPv6 addresses and no IPv6 default route gets one via a router on one of its
 * segments that has an address in one of the same /len prefixes. Changes only `routes6`; reads the
 * segments auto.ts computes. Must not touch IPv4 routes or addresses.
 */

import { in6PrefixEq, parseIpv6 } from '../wire/inet6/in6_addr.js'
import type { Segment } from './auto.js'
import type { Topology, TopoNode } from './model.js'

interface Prefix6 {
  addr: Uint8Array
  len: number
  text: string
}

function prefixes6(n: TopoNode, iface: string): Prefix6[] {
  const i = n.interfaces.find((x) => x.name === iface)
  const out: Prefix6[] = []
  for (const a of i?.ipv6 ?? []) {
    const slash = a.lastIndexOf('/')
    const addr = parseIpv6(a.slice(0, slash))
    if (addr !== null && !(addr[0] === 0xfe && (addr[1]! & 0xc0) === 0x80))
      out.push({ addr, len: Number(a.slice(slash + 1)), text: a.slice(0, slash) })
  }
  return out
}

export function addDefaultRoutes6(t: Topology, segs: Segment[], want: (n: TopoNode) => boolean): void {
  const nodes = new Map(t.nodes.map((n) => [n.name, n]))
  for (const n of t.nodes) {
    if (n.kind === 'router' || n.kind === 'switch' || n.kind === 'hub' || !want(n)) continue
    if ((n.routes6 ?? []).some((r) => r.to === '::/0')) continue
    let via: string | null = null
    for (const s of segs) {
      const me = s.members.find((m) => m.node === n.name)
      if (me === undefined) continue
      const mine = prefixes6(n, me.iface)
      for (const m of s.members) {
        const r = nodes.get(m.node)
        if (r === undefined || r.kind !== 'router') continue
        for (const p of prefixes6(r, m.iface))
          if (mine.some((q) => q.len === p.len && in6PrefixEq(q.addr, 0, p.addr, 0, p.len))) {
            via = p.text
            break
          }
        if (via !== null) break
      }
      if (via !== null) break
    }
    if (via !== null) n.routes6 = [...(n.routes6 ?? []), { to: '::/0', via }]
  }
}

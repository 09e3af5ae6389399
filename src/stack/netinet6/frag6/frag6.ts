/**
 * IPv6 fragmentation at the source (RFC 8200 §4.5): a packet larger than the path MTU is sent as
 * fragments carrying a Fragment header with one identification per packet. Only the source
 * fragments; routers answer Packet Too Big instead (ip6_forward). Reassembly lives in frag6_reass.ts.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { writeU16 } from '../../../wire/addr.js'
import { IP6_FRAG_LEN, IPV6_HDR_LEN, Ip6Nxt, writeIp6Frag } from '../../../wire/inet6/ipv6.js'
import type { Ifnet } from '../../net/ifnet.js'
import type { Vnet } from '../../net/vnet.js'
import { ip6 } from '../ip6/ip6.js'
import { ip6Send, type OutError6 } from '../ip6/ip6_output.js'

/**
 * Send m (a whole IPv6 packet without extension headers) as fragments of at most mtu bytes to next
 * hop nh (at nho). Takes ownership of m.
 */
export function ip6Fragment(
  v: Vnet,
  ifp: Ifnet,
  m: Mbuf,
  nh: Uint8Array,
  nho: number,
  mtu: number,
): OutError6 {
  const st = ip6(v)
  const pool = v.env.pool
  const b = m.data
  const o = m.off
  const nxt = b[o + 6]!
  const chunk = (mtu - IPV6_HDR_LEN - IP6_FRAG_LEN) & ~7
  const payload = m.len - IPV6_HDR_LEN
  const id = st.fragId
  st.fragId = (st.fragId + 1) >>> 0
  // The next hop may sit in scratch a nested send reuses: keep a copy while m is cut up.
  const hop = nh.slice(nho, nho + 16)
  let err: OutError6
  for (let done = 0; done < payload; done += chunk) {
    const n = Math.min(chunk, payload - done)
    const f = pool.get(IPV6_HDR_LEN + IP6_FRAG_LEN + n)
    const fb = f.data
    fb.set(b.subarray(o, o + IPV6_HDR_LEN), f.off)
    fb[f.off + 6] = Ip6Nxt.FRAGMENT
    writeU16(fb, f.off + 4, IP6_FRAG_LEN + n)
    writeIp6Frag(fb, f.off + IPV6_HDR_LEN, nxt, done, done + n < payload, id)
    fb.set(
      b.subarray(o + IPV6_HDR_LEN + done, o + IPV6_HDR_LEN + done + n),
      f.off + IPV6_HDR_LEN + IP6_FRAG_LEN,
    )
    f.len = IPV6_HDR_LEN + IP6_FRAG_LEN + n
    st.stats.ip6s_ofragments++
    const e = ip6Send(v, ifp, f, hop, 0, false)
    if (e !== undefined) err = e
  }
  st.stats.ip6s_fragmented++
  pool.put(m)
  return err
}

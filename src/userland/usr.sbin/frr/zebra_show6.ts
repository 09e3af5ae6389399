/**
 * zebra's `show ipv6 route` as FRR prints it, from the vnet's inet6 FIB: connected prefixes
 * (`C>*`, link-local ones included, as zebra lists fe80::/64 per interface), routes ripngd installed
 * (`R>* … [120/metric] via fe80::…, IF, weight 1, uptime`), those ospf6d installed (`O>* … [110/cost]`,
 * and its own links' prefixes as `O   … is directly connected`), isisd's (`I>* … [115/metric]`), static
 * and kernel routes.
 *
 * Must not: change anything it shows.
 */

import type { Syscalls } from '../../../host/syscalls.js'
import { formatIpv6, in6IsLinkLocal, in6Masked, parseIpv6 } from '../../../wire/inet6/in6_addr.js'

const IFF_UP = 0x1
const IFF_LOOPBACK = 0x8
const RTF_STATIC = 0x800
const RTF_PROTO1 = 0x8000

const ROUTE6_CODES = `Codes: K - kernel route, C - connected, S - static, R - RIPng,
       O - OSPFv3, I - IS-IS, B - BGP, N - NHRP, T - Table,
       v - VNC, V - VNC-Direct, A - Babel, F - PBR,
       f - OpenFabric,
       > - selected route, * - FIB route, q - queued, r - rejected, b - backup
       t - trapped, o - offload failure

`

function upTime(ns: number): string {
  const s = Math.max(0, Math.floor(ns / 1e9))
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`
}

function cmp(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}

/**
 * `ripng`: what ripngd installed, by `prefix/len`: its metric and when it went in (host clock ns);
 * `ospf6` likewise ospf6d's routes (costs), when the session is ospf6d's.
 */
export function showIpv6Route(
  sys: Syscalls,
  ripng: ReadonlyMap<string, { metric: number; since: number }>,
  ospf6?: ReadonlyMap<string, { cost: number; since: number; direct: boolean; ifName: string }>,
  isis?: ReadonlyMap<string, { metric: number; since: number }>,
): string {
  const now = sys.now()
  const rows: Array<{ addr: Uint8Array; len: number; text: string }> = []
  for (const i of sys.ifList()) {
    if ((i.flags & IFF_UP) === 0 || (i.flags & IFF_LOOPBACK) !== 0) continue
    const seen = new Set<string>()
    for (const a of i.inet6 ?? []) {
      const net = in6Masked(a.addr, a.prefixLen)
      const p = `${formatIpv6(net)}/${a.prefixLen}`
      if (seen.has(p)) continue
      seen.add(p)
      // zebra selects one fe80::/64 among the interfaces; the others are listed without `>`.
      const ll = in6IsLinkLocal(net, 0)
      const first = ll && rows.some((r) => r.len === a.prefixLen && cmp(r.addr, net) === 0)
      rows.push({
        addr: net,
        len: a.prefixLen,
        text: `C${first ? ' ' : '>'}* ${p} is directly connected, ${i.name}`,
      })
    }
  }
  for (const [p, o] of ospf6 ?? []) {
    if (!o.direct) continue
    const slash = p.lastIndexOf('/')
    const text = `O   ${p} [110/${o.cost}] is directly connected, ${o.ifName}, weight 1, ${upTime(now - o.since)}`
    rows.push({
      addr: parseIpv6(p.slice(0, slash)) ?? new Uint8Array(16),
      len: Number(p.slice(slash + 1)),
      text,
    })
  }
  for (const r of sys.inet6.routeList()) {
    if (r.gateway === null || in6IsLinkLocal(r.dst, 0)) continue
    const p = `${formatIpv6(r.dst)}/${r.prefixLen}`
    const via = `via ${formatIpv6(r.gateway)}, ${r.ifName}`
    const learned = ripng.get(p)
    const viaOspf6 = ospf6?.get(p)
    const viaIsis = isis?.get(p)
    let text: string
    if ((r.flags & RTF_PROTO1) !== 0 && viaIsis !== undefined)
      text = `I>* ${p} [115/${viaIsis.metric}] ${via}, weight 1, ${upTime(now - viaIsis.since)}`
    else if ((r.flags & RTF_PROTO1) !== 0 && viaOspf6 !== undefined && !viaOspf6.direct)
      text = `O>* ${p} [110/${viaOspf6.cost}] ${via}, weight 1, ${upTime(now - viaOspf6.since)}`
    else if ((r.flags & RTF_PROTO1) !== 0 && learned !== undefined)
      text = `R>* ${p} [120/${learned.metric}] ${via}, weight 1, ${upTime(now - learned.since)}`
    else if ((r.flags & RTF_STATIC) !== 0) text = `S>* ${p} [1/0] ${via}, weight 1`
    else text = `K>* ${p} [0/0] ${via}`
    rows.push({ addr: r.dst, len: r.prefixLen, text })
  }
  // FRR lists OSPF's entry for a connected prefix before the connected one.
  rows.sort(
    (a, b) => cmp(a.addr, b.addr) || a.len - b.len || Number(b.text[0] === 'O') - Number(a.text[0] === 'O'),
  )
  return ROUTE6_CODES + rows.map((r) => `${r.text}\n`).join('')
}

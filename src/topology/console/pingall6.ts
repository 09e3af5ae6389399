/**
 * `pingall -6`: pingall over IPv6 — every end system pings every other one once at the destination's
 * first global IPv6 address, through a raw ICMPv6 socket, with Mininet's output lines. Waits first
 * (in host clock time, at most a few seconds) for duplicate address detection on the end systems'
 * addresses to finish, since a tentative address cannot be a source. Nodes without a global IPv6
 * address count as unreachable, as a node without IPv4 does for `pingall`.
 */

import type { Syscalls } from '../../host/syscalls.js'
import { Icmp6Type } from '../../wire/inet6/icmpv6.js'
import { in6Eq } from '../../wire/inet6/in6_addr.js'
import type { Lab } from '../lab/emulator.js'
import type { PingAllOptions, PingAllResult } from './pingall.js'
import { PINGALL_TIMEOUT_NS, pingAllSummary } from './pingall.js'

const IDENT = 0x7036
/** IN6_IFF_TENTATIVE */
const TENTATIVE = 0x02

/** The first global (not link-local, not loopback) IPv6 address of a node, or null. */
function firstAddress6(sys: Syscalls): Uint8Array | null {
  for (const i of sys.ifList())
    for (const a of i.inet6 ?? [])
      if (
        a.scopeId === 0 &&
        !(a.addr[0] === 0 && a.addr[15] === 1 && a.addr.slice(0, 15).every((b) => b === 0))
      )
        return a.addr
  return null
}

function tentative(sys: Syscalls): boolean {
  return sys.ifList().some((i) => (i.inet6 ?? []).some((a) => (a.flags & TENTATIVE) !== 0))
}

export async function pingAll6(lab: Lab, opts: PingAllOptions = {}): Promise<PingAllResult> {
  const timeout = opts.timeoutNs ?? PINGALL_TIMEOUT_NS
  const hosts = lab.nodes().filter((n) => n.kind === 'pc' || n.kind === 'host')
  const out = opts.out
  const result: PingAllResult = { sent: 0, received: 0, rows: [] }
  // DAD: a link-local address may wait up to 1 s before its probe, then 1 s for an answer.
  const l3 = lab.nodes().filter((n) => n.kind === 'pc' || n.kind === 'host' || n.kind === 'router')
  for (let waited = 0; waited < 4e9 && l3.some((n) => tentative(lab.sys(n.name))); waited += 1e8)
    await lab.sys(l3[0]!.name).nanosleep(1e8)
  const addrs = hosts.map((h) => firstAddress6(lab.sys(h.name)))
  const msg = new Uint8Array(8 + 56)
  for (let i = 0; i < 56; i++) msg[8 + i] = i
  let seq = 0
  out?.write('*** Ping: testing ping6 reachability\n')
  for (const [si, src] of hosts.entries()) {
    if (opts.aborted?.()) break
    const sys = lab.sys(src.name)
    const sock = sys.inet6.rawSocket()
    const row = { src: src.name, dst: [] as Array<{ name: string; ok: boolean }> }
    try {
      for (const [di, dst] of hosts.entries()) {
        if (di === si) continue
        if (opts.aborted?.()) break
        const to = addrs[di]!
        let ok = false
        result.sent++
        if (to !== null) {
          const s = seq++ & 0xffff
          msg[0] = Icmp6Type.ECHO_REQUEST
          msg[4] = IDENT >>> 8
          msg[5] = IDENT & 0xff
          msg[6] = s >>> 8
          msg[7] = s & 0xff
          let sentOk = true
          try {
            sock.send(to, msg)
          } catch {
            sentOk = false
          }
          const deadline = sys.now() + timeout
          while (sentOk && !ok) {
            const left = deadline - sys.now()
            if (left <= 0) break
            const p = await sock.recv(left)
            if (p === null) break
            const d = p.data
            ok =
              in6Eq(p.src, 0, to, 0) &&
              d[0] === Icmp6Type.ECHO_REPLY &&
              ((d[4]! << 8) | d[5]!) === IDENT &&
              ((d[6]! << 8) | d[7]!) === s
          }
        }
        if (ok) result.received++
        row.dst.push({ name: dst.name, ok })
      }
    } finally {
      sock.close()
    }
    result.rows.push(row)
    out?.write(`${src.name} -> ${row.dst.map((d) => (d.ok ? d.name : 'X')).join(' ')}\n`)
  }
  out?.write(`${pingAllSummary(result)}\n`)
  return result
}

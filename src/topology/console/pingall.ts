/**
 * `pingall`, as Mininet's CLI has it: every end system (pc, host) pings every other one once, at the
 * destination's first IPv4 address, and one line per source shows who answered:
 *
 *   *** Ping: testing ping reachability
 *   h1 -> h2 h3
 *   h2 -> h1 X
 *   *** Results: 16% dropped (5/6 received)
 *
 * Each probe is one ICMP echo request of ping's default size (56 data bytes) sent through a raw
 * socket in the source's jail — the call `ping -c 1` makes, without a process per pair — answered
 * within `timeoutNs` of host clock time or counted lost. Pairs go one after another, so in virtual time
 * a lab of a hundred end systems is checked in well under a second of wall time.
 */

import { IfFlag, type Syscalls } from '../../host/syscalls.js'
import type { OutStream } from '../../userland/types.js'
import { ICMP_HDR_LEN, IcmpType, icmpFinish, writeIcmpHeader } from '../../wire/inet/icmp.js'
import type { Lab } from '../lab/emulator.js'

/** ping's default: 56 data bytes, so frames are 98 bytes long as with `ping -c 1`. */
const DATALEN = 56
const IPPROTO_ICMP = 1
/** Our echo identifier ("pa"); replies are matched by identifier, sequence and source. */
const IDENT = 0x7061
export const PINGALL_TIMEOUT_NS = 2e9

export interface PingAllResult {
  /** Ordered pairs tried and answered. */
  sent: number
  received: number
  /** Per source, the destinations that answered (names) or did not (null), in node order. */
  rows: Array<{ src: string; dst: Array<{ name: string; ok: boolean }> }>
}

/** The first IPv4 address of a node's non-loopback interfaces, or null. */
function firstAddress(sys: Syscalls): number | null {
  for (const i of sys.ifList())
    if ((i.flags & IfFlag.LOOPBACK) === 0 && i.addrs.length > 0) return i.addrs[0]!.addr
  return null
}

export interface PingAllOptions {
  timeoutNs?: number
  /** Lines are written here as each source finishes. */
  out?: OutStream
  /** Checked between probes: stop early (Ctrl-C). */
  aborted?: () => boolean
}

/** Pings every ordered pair of end systems once; see the module comment. */
export async function pingAll(lab: Lab, opts: PingAllOptions = {}): Promise<PingAllResult> {
  const timeout = opts.timeoutNs ?? PINGALL_TIMEOUT_NS
  const hosts = lab.nodes().filter((n) => n.kind === 'pc' || n.kind === 'host')
  const addrs = hosts.map((h) => firstAddress(lab.sys(h.name)))
  const out = opts.out
  const result: PingAllResult = { sent: 0, received: 0, rows: [] }
  const packet = new Uint8Array(ICMP_HDR_LEN + DATALEN)
  for (let i = 0; i < DATALEN; i++) packet[ICMP_HDR_LEN + i] = i
  let seq = 0
  out?.write('*** Ping: testing ping reachability\n')
  for (const [si, src] of hosts.entries()) {
    if (opts.aborted?.()) break
    const sys = lab.sys(src.name)
    const sock = sys.rawSocket(IPPROTO_ICMP)
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
          writeIcmpHeader(packet, 0, IcmpType.ECHO, 0, ((IDENT << 16) | s) >>> 0)
          icmpFinish(packet, 0, packet.length)
          let sentOk = true
          try {
            sock.send(to, packet)
          } catch {
            sentOk = false // no route, no buffer: ping would say so and count the packet lost
          }
          const deadline = sys.now() + timeout
          while (sentOk && !ok) {
            const left = deadline - sys.now()
            if (left <= 0) break
            const p = await sock.recv(left)
            if (p === null) break
            const o = (p.data[0]! & 0x0f) << 2
            ok =
              p.src === to &&
              p.data[o] === IcmpType.ECHO_REPLY &&
              ((p.data[o + 4]! << 8) | p.data[o + 5]!) === IDENT &&
              ((p.data[o + 6]! << 8) | p.data[o + 7]!) === s
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

/** `*** Results: 0% dropped (6/6 received)` (Mininet truncates the percentage). */
export function pingAllSummary(r: PingAllResult): string {
  const lost = r.sent - r.received
  const pct = r.sent === 0 ? 0 : Math.trunc((100 * lost) / r.sent)
  return `*** Results: ${pct}% dropped (${r.received}/${r.sent} received)`
}

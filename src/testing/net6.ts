/**
 * IPv6 test support (no production module imports it): parse addresses in tests, configure them,
 * and ping6 through a raw ICMPv6 socket, returning what came back about the request (the echo
 * reply or an ICMPv6 error quoting it). Runtime-neutral like testing/net.ts.
 */

import type { Syscalls } from '../host/syscalls.js'
import { Icmp6Type } from '../wire/inet6/icmpv6.js'
import { parseIpv6 } from '../wire/inet6/in6_addr.js'

/** Text to address; `%ifname` is split off and resolved with sys. Throws on a typo in a test. */
export function ip6(s: string): Uint8Array {
  const a = parseIpv6(s.split('%')[0]!.split('/')[0]!)
  if (a === null) throw new Error(`bad IPv6 address in test: ${s}`)
  return a
}

/** Configure `addr/len` on ifName in sys's vnet. */
export function addr6(sys: Syscalls, ifName: string, cidr: string): void {
  const [a, len] = cidr.split('/')
  sys.inet6.addAddr(ifName, ip6(a!), Number(len ?? 64))
}

export interface Icmp6Seen {
  type: number
  code: number
  /** Bytes 4..7 of the ICMPv6 header. */
  rest: number
  src: Uint8Array
  hlim: number
  body: Uint8Array
}

/** An ICMPv6 echo request message (checksum left to the kernel). */
export function echo6(ident: number, seq: number, size = 56): Uint8Array {
  const m = new Uint8Array(8 + size)
  m[0] = Icmp6Type.ECHO_REQUEST
  m[4] = ident >>> 8
  m[5] = ident & 0xff
  m[6] = seq >>> 8
  m[7] = seq & 0xff
  for (let i = 0; i < size; i++) m[8 + i] = i & 0xff
  return m
}

export interface Ping6Options {
  ident?: number
  seq?: number
  size?: number
  hlim?: number
  /** Interface name for a link-scoped destination. */
  via?: string
  timeoutNs?: number
}

/** Send one echo request and wait for its reply or an error quoting it; null on timeout. */
export async function ping6(sys: Syscalls, dst: string, o: Ping6Options = {}): Promise<Icmp6Seen | null> {
  const ident = o.ident ?? 0x4242
  const seq = o.seq ?? 1
  const s = sys.inet6.rawSocket()
  try {
    const scopeId = o.via !== undefined ? sys.ifGet(o.via).index : 0
    s.send(ip6(dst), echo6(ident, seq, o.size ?? 56), {
      scopeId,
      ...(o.hlim === undefined ? {} : { hlim: o.hlim }),
    })
    const deadline = sys.now() + (o.timeoutNs ?? 1e9)
    for (;;) {
      const left = deadline - sys.now()
      if (left <= 0) return null
      const d = await s.recv(left)
      if (d === null) return null
      const m = d.data
      const seen = {
        type: m[0]!,
        code: m[1]!,
        rest: ((m[4]! << 24) | (m[5]! << 16) | (m[6]! << 8) | m[7]!) >>> 0,
        src: d.src,
        hlim: d.hlim,
        body: m.subarray(8),
      }
      if (seen.type === Icmp6Type.ECHO_REPLY && seen.rest === ((ident << 16) | seq) >>> 0) return seen
      // An error quotes our request: IPv6 header, then our ICMPv6 header with ident and seq.
      const q = seen.body
      if (
        seen.type < 128 &&
        q.length >= 48 &&
        q[40] === Icmp6Type.ECHO_REQUEST &&
        ((q[44]! << 8) | q[45]!) === ident
      )
        return seen
    }
  } finally {
    s.close()
  }
}

/**
 * Stateless IP/ICMP translation (SIIT, RFC 7915): one IPv4 packet in, IPv6 packet(s) out, and the
 * reverse — headers rebuilt, ICMP <-> ICMPv6 mapped (errors with their inner packet translated too),
 * TCP/UDP checksums adjusted for the changed pseudo header, fragments carried across, oversized
 * packets fragmented or answered with Fragmentation Needed / Packet Too Big. What a NAT64 such as
 * TAYGA does between its tun(4) interface's two sides. Address mapping (RFC 6052 prefix, static
 * entries, a dynamic pool) is the caller's, behind Nat64Map.
 *
 * Must not: throw on any input (malformed packets are dropped and counted in `stats`), allocate per
 * packet (two scratch buffers are made once), or answer an ICMP error, a multicast or a non-first
 * fragment with an error of its own (RFC 792 / RFC 4443 §2.4(e)).
 */

import { type Nat64Map, type Nat64Options, type Nat64Stats, newNat64Stats } from './nat64_var.js'
import { HEAD, ICMP6_ERR_MAX } from './xlate_hdr.js'
import { input4 } from './xlate4to6.js'
import { input6 } from './xlate6to4.js'

/**
 * The translator of one NAT64 instance; scratch buffers and counters live here, nothing else. The
 * work is done by functions of it: xlate4to6.ts, xlate6to4.ts and its own messages in xlate_icmp.ts.
 */
export class Nat64 {
  readonly stats: Nat64Stats = newNat64Stats()
  readonly map: Nat64Map
  readonly self4: number
  readonly self6: Uint8Array
  readonly mtu6: number
  readonly mtu4: number
  readonly emit: (buf: Uint8Array, off: number, len: number) => void
  /** Translated packets are built here, payload from HEAD on. */
  readonly out = new Uint8Array(HEAD + 65536 + 64)
  /** ICMP errors and echo replies of the translator's own. */
  readonly err = new Uint8Array(ICMP6_ERR_MAX + 64)
  /** Outer (0..31) and inner (32..63) IPv6 source and destination of the packet being built. */
  readonly a6 = new Uint8Array(64)
  private ipId = 0

  constructor(o: Nat64Options) {
    this.map = o.map
    this.self4 = o.self4 >>> 0
    this.self6 = o.self6
    this.mtu6 = Math.max(1280, Math.min(65535, o.mtu6 ?? 1280))
    this.mtu4 = Math.max(576, Math.min(65535, o.mtu4 ?? 1500))
    this.emit = o.emit
  }

  /** One packet from the tun device, by its version nibble. */
  input(pkt: Uint8Array, off: number, len: number): void {
    if (len < 1 || off < 0 || off + len > pkt.length) {
      this.stats.malformed++
      return
    }
    const v = pkt[off]! >>> 4
    if (v === 4) input4(this, pkt, off, len)
    else if (v === 6) input6(this, pkt, off, len)
    else this.stats.malformed++
  }

  /** IPv4 -> IPv6 (RFC 7915 §4, xlate4to6.ts). */
  input4(pkt: Uint8Array, off: number, len: number): void {
    input4(this, pkt, off, len)
  }

  /** IPv6 -> IPv4 (RFC 7915 §5, xlate6to4.ts). */
  input6(pkt: Uint8Array, off: number, len: number): void {
    input6(this, pkt, off, len)
  }

  /** IPv4 identification for packets the translator makes up itself; never 0. */
  nextId(): number {
    this.ipId = (this.ipId + 1) & 0xffff
    if (this.ipId === 0) this.ipId = 1
    return this.ipId
  }
}

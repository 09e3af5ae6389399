/**
 * What a NAT64 translator (xlate.ts) is given and keeps: the address mapper it asks (Nat64Map), its
 * options and its counters. Declarations only: no translation, no state.
 */

/** Where translated addresses come from; addresses are written into or read from caller bytes. */
export interface Nat64Map {
  /** The IPv6 address for IPv4 address v4 into out[o, o+16); false when it has none. */
  map4to6(v4: number, out: Uint8Array, o: number): boolean
  /**
   * The IPv4 address (unsigned) for the IPv6 address a[o, o+16), or -1. `source` lets a mapper give
   * an unmapped IPv6 source a fresh address (a dynamic pool).
   */
  map6to4(a: Uint8Array, o: number, source: boolean): number
}

/** What happened to the packets, as `tayga -d` or a counter dump would show. */
export interface Nat64Stats {
  in4: number
  in6: number
  out4: number
  out6: number
  /** Headers that do not parse: bad version, lengths, header checksum, truncated upper layer. */
  malformed: number
  /** No mapping for the source or destination address. */
  unmapped: number
  /** ICMP types RFC 7915 says to drop (ND, MLD, timestamps, unknown codes). */
  icmpDropped: number
  /** Fragmented ICMP and UDP without checksum in fragments, which cannot be translated. */
  fragDropped: number
  /** TTL or hop limit exhausted here. */
  ttlExceeded: number
  /** Too big for the next hop: Fragmentation Needed / Packet Too Big sent back. */
  tooBig: number
  /** ICMP errors and echo replies this translator sent itself. */
  icmpSent: number
}

export function newNat64Stats(): Nat64Stats {
  return {
    in4: 0,
    in6: 0,
    out4: 0,
    out6: 0,
    malformed: 0,
    unmapped: 0,
    icmpDropped: 0,
    fragDropped: 0,
    ttlExceeded: 0,
    tooBig: 0,
    icmpSent: 0,
  }
}

export interface Nat64Options {
  map: Nat64Map
  /** The translator's own IPv4 address: source of its ICMPv4 errors, answers pings. */
  self4: number
  /** Its own IPv6 address (16 bytes). */
  self6: Uint8Array
  /** Largest IPv6 packet sent (TAYGA's offlink-mtu; 1280 guarantees delivery). */
  mtu6?: number
  /** Largest IPv4 packet sent (the tun interface's MTU). */
  mtu4?: number
  /** Receives each packet produced; it must copy what it keeps (the bytes are reused). */
  emit(buf: Uint8Array, off: number, len: number): void
}

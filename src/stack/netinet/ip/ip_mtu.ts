/**
 * The MTU plateaus of RFC 1191 §7 (FreeBSD's ip_next_mtu in ip_icmp.c, which adds IPv6's 1280):
 * the guess for the next-hop MTU when a "fragmentation needed" error comes from a router that
 * predates RFC 1191 and leaves the field zero.
 *
 * Pure arithmetic; no state.
 */

/** mtutab[]: the plateaus, largest first, 0 ending the table. */
const PLATEAUS: readonly number[] = [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1280, 1006, 508, 296, 68, 0]

/**
 * ip_next_mtu: the plateau below `mtu` (dir > 0) or above it (dir < 0); 0 when there is none.
 * RFC 1191 §5: a host that gets no next-hop MTU takes the plateau below the size it sent.
 */
export function ipNextMtu(mtu: number, dir: number): number {
  let i = 0
  while (i < PLATEAUS.length - 1 && mtu < PLATEAUS[i]!) i++
  if (dir < 0) return i === 0 ? 0 : PLATEAUS[i - 1]!
  const p = PLATEAUS[i]!
  if (p === 0) return 0
  return mtu > p ? p : PLATEAUS[i + 1]!
}

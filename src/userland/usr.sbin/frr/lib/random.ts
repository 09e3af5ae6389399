/**
 * The daemons' randomness (jitter, DD sequence numbers, LSP sequence starts): 32 bits from the
 * kernel's seeded generator, so a lab's run repeats with its seed. Nothing here keeps state.
 */

/** An unsigned 32-bit number from 4 bytes of getrandom(2). */
export function randomU32(getrandom: (n: number) => Uint8Array): number {
  const b = getrandom(4)
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0
}

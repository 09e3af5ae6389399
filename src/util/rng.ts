/**
 * Seeded randomness with named sub-streams (sfc32 seeded by splitmix32 of seed and name), so adding a
 * draw in one subsystem never changes another subsystem's sequence. Nothing in the core may use
 * Math.random; every consumer takes an Rng from its host.
 */

function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

function splitmix32(state: number): () => number {
  let a = state | 0
  return () => {
    a = (a + 0x9e3779b9) | 0
    let z = a
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  readonly seed: number
  readonly name: string

  constructor(seed: number, name = '') {
    this.seed = seed >>> 0
    this.name = name
    const sm = splitmix32(hashString(name, this.seed ^ 0x811c9dc5))
    this.a = sm()
    this.b = sm()
    this.c = sm()
    this.d = sm()
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** An independent stream derived from this one's seed and the given name. */
  stream(name: string): Rng {
    return new Rng(this.seed, this.name === '' ? name : `${this.name}/${name}`)
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296
  }

  /** Uniform integer in [0, n), n <= 2^32. */
  int(n: number): number {
    return Math.floor(this.float() * n)
  }

  /** Standard normal deviate (Box–Muller). */
  normal(): number {
    let u = this.float()
    while (u === 0) u = this.float()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float())
  }
}

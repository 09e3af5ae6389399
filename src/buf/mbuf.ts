/**
 * Packet buffers. An Mbuf is a window [off, off+len) over a byte array with headroom in front, so each
 * layer prepends its header in place. Buffers come from a per-host pool and go back to it; the hot
 * path never allocates. Oversized packets (reassembly, jumbo MTUs) get one-off buffers that the pool
 * does not keep. This module knows nothing about protocols.
 */

/** Bytes reserved before the data of a fresh buffer: room for Ethernet + IPv4 + transport headers. */
export const HEADROOM = 128
/** Size of a pooled buffer: headroom plus a 1500-byte MTU frame and spare. */
export const CLUSTER = 2048
/**
 * Size of a pooled jumbo buffer (FreeBSD's MJUM16BYTES and up): headroom plus the largest IPv4
 * packet behind a link header, so large-MTU links (in-process epairs at 65535) allocate nothing per
 * packet either.
 */
export const JUMBO = HEADROOM + 65536 + 128

export class Mbuf {
  readonly data: Uint8Array
  /** The same bytes as 32-bit words, for checksums four bytes a load (wire/checksum.ts's w32). */
  readonly data32: Uint32Array
  off = HEADROOM
  len = 0
  /** Interface the packet arrived on (input path), set by the driver. */
  rcvif: object | null = null
  /** Free-list / queue link, owned by whoever holds the mbuf. */
  next: Mbuf | null = null
  /** Arrival or enqueue timestamp, ns; used by queues and link emulation. */
  stamp = 0
  /**
   * The IPv4 header checksum is known good: set where a stack wrote it, kept across in-process
   * links (like veth's checksum offload), cleared for anything that enters from outside.
   */
  csumValid = false
  /**
   * The TCP checksum is not computed yet (FreeBSD's CSUM_TCP): IP output computes it unless the
   * interface offloads it to an in-process peer, whose input then trusts the segment
   * (CSUM_DATA_VALID). Cleared for anything that enters from outside.
   */
  csumL4 = false
  /**
   * Received as a link-layer broadcast or multicast (M_BCAST|M_MCAST): set by Ethernet input, cleared
   * by IP output. Such a datagram is never forwarded nor answered with an ICMP error.
   */
  linkBcast = false
  /**
   * The FIB (routing table) the packet is routed by (M_GETFIB): the sending socket's, the receiving
   * interface's, or one an ipfw `setfib` rule chose. 0 unless someone sets it.
   */
  fib = 0
  /**
   * A kernel module's per-packet metadata (FreeBSD's m_tag), e.g. dummynet's reinjection tag. Not
   * copied by dup; cleared when the buffer goes back to the pool.
   */
  tag: object | null = null
  /**
   * 802.1p priority a socket asked for (IP_VLAN_PCP, FreeBSD's MTAG_8021Q_PCP_OUT), 0..7, or -1 for
   * the interface's own. Cleared when the buffer comes from the pool.
   */
  pcp = -1
  /**
   * How many gif/gre encapsulations this packet has been through (gif_check_nesting's MTAG_GIF
   * tags): a tunnel refuses one that went through as many as it allows, so a route that leads a
   * tunnel into itself ends instead of looping. Reset when the buffer comes from the pool.
   */
  tunnels = 0
  /** Whether this buffer goes back to the pool on free. */
  readonly pooled: boolean

  constructor(size: number, pooled: boolean) {
    this.data = new Uint8Array(size)
    this.data32 = new Uint32Array(this.data.buffer, 0, size >>> 2)
    this.pooled = pooled
  }

  /** Open `n` bytes in front of the data (prepend a header); false if the headroom is exhausted. */
  prepend(n: number): boolean {
    if (this.off < n) return false
    this.off -= n
    this.len += n
    return true
  }

  /** Drop `n` bytes from the front (strip a header). */
  adj(n: number): void {
    this.off += n
    this.len -= n
  }

  /** Room left after the data. */
  get tailroom(): number {
    return this.data.length - this.off - this.len
  }
}

export class MbufPool {
  private free: Mbuf | null = null
  private freeCount = 0
  private readonly maxFree: number
  /** Jumbo buffers kept for reuse; far fewer, since each is 32 clusters' worth of memory. */
  private freeJumbo: Mbuf | null = null
  private freeJumboCount = 0
  private readonly maxFreeJumbo: number
  /** Buffers handed out and not yet returned; a leak shows up here. */
  inUse = 0
  allocated = 0

  constructor(maxFree = 4096, maxFreeJumbo = 64) {
    this.maxFree = maxFree
    this.maxFreeJumbo = maxFreeJumbo
  }

  /** A buffer with HEADROOM in front and room for `size` bytes of data. */
  get(size = CLUSTER - HEADROOM): Mbuf {
    let m: Mbuf
    if (size > JUMBO - HEADROOM) {
      m = new Mbuf(size + HEADROOM, false)
    } else if (size > CLUSTER - HEADROOM) {
      if (this.freeJumbo !== null) {
        m = this.freeJumbo
        this.freeJumbo = m.next
        this.freeJumboCount--
        m.next = null
      } else {
        m = new Mbuf(JUMBO, true)
        this.allocated++
      }
    } else if (this.free !== null) {
      m = this.free
      this.free = m.next
      this.freeCount--
      m.next = null
    } else {
      m = new Mbuf(CLUSTER, true)
      this.allocated++
    }
    m.off = HEADROOM
    m.len = 0
    m.rcvif = null
    m.stamp = 0
    m.csumValid = false
    m.csumL4 = false
    m.linkBcast = false
    m.pcp = -1
    m.fib = 0
    m.tunnels = 0
    this.inUse++
    return m
  }

  /** A pooled copy of bytes, placed after HEADROOM. */
  copyIn(src: Uint8Array, off = 0, len = src.length - off): Mbuf {
    const m = this.get(len)
    m.data.set(src.subarray(off, off + len), m.off)
    m.len = len
    return m
  }

  /** Duplicate a packet (tee, broadcast, duplication in link emulation). */
  dup(m: Mbuf): Mbuf {
    const c = this.get(m.len)
    c.data.set(m.data.subarray(m.off, m.off + m.len), c.off)
    c.len = m.len
    c.rcvif = m.rcvif
    c.stamp = m.stamp
    c.csumValid = m.csumValid
    c.csumL4 = m.csumL4
    c.linkBcast = m.linkBcast
    c.fib = m.fib
    c.tunnels = m.tunnels
    return c
  }

  put(m: Mbuf): void {
    this.inUse--
    m.tag = null
    if (!m.pooled) return
    m.rcvif = null
    if (m.data.length === JUMBO) {
      if (this.freeJumboCount >= this.maxFreeJumbo) return
      m.next = this.freeJumbo
      this.freeJumbo = m
      this.freeJumboCount++
      return
    }
    if (this.freeCount >= this.maxFree) return
    m.next = this.free
    m.rcvif = null
    this.free = m
    this.freeCount++
  }
}

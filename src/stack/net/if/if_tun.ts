/**
 * tun(4): a point-to-point interface whose other end is a character device held by a process
 * (`/dev/tunN`). IP packets the stack routes out of tunN wait in a bounded queue until the process
 * reads them; packets the process writes enter the stack as if received on tunN (IP input through
 * the run-queue, by the version nibble, as there is no link header). `ifconfig tun create` makes one;
 * addresses are `ifconfig tun0 LOCAL REMOTE` (IFF_POINTOPOINT). What packetdrill drives the stack through.
 *
 * Must not: hand the reader the stack's own buffer (it copies), grow its queue past ifqmaxlen
 * (drops are counted as output drops, as if_tun's IFQ does), or let a write from userland throw on
 * the data path (a bad size is refused before anything is queued).
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { SysError } from '../../../util/errno.js'
import { WaitQueue } from '../../../util/wait_queue.js'
import { IFF, type IfDriver, Ifnet, type LinkEndpoint } from '../ifnet.js'
import type { Vnet } from '../vnet.js'
import type { IfCloner } from './if_clone.js'

/** if_tun's default MTU (TUNMTU). */
export const TUNMTU = 1500
/** TUNMRU (net/if_tun.h): the largest packet a write may carry, and the largest MTU. */
export const TUNMRU = 65535
/** net.link.ifqmaxlen: the packets the interface queues for a reader that is behind. */
export const TUN_IFQ_MAXLEN = 50

/** The softc behind tunN: the queue between the interface and the device. */
export class TunSoftc implements LinkEndpoint {
  readonly ifp: Ifnet
  /** A process holds /dev/tunN open (TUN_OPEN); only then does output queue anything. */
  open = false
  private readonly q: Mbuf[] = []
  /** Blocked readers: each resolves true when woken by a packet or a close. */
  private readonly readers: WaitQueue

  constructor(ifp: Ifnet) {
    this.ifp = ifp
    this.readers = new WaitQueue(ifp.vnet.env.clock)
  }

  /** tunoutput: queue for the reader; without one, or with a full queue, drop and count. */
  transmit(m: Mbuf): void {
    if (!this.open || this.q.length >= TUN_IFQ_MAXLEN) {
      this.ifp.stats.odrops++
      this.ifp.vnet.env.pool.put(m)
      return
    }
    this.q.push(m)
    this.wakeReaders()
  }

  private wakeReaders(): void {
    this.readers.wake()
  }

  /** The next queued packet as a copy of its bytes, or null when none is queued. */
  dequeue(): Uint8Array | null {
    const m = this.q.shift()
    if (m === undefined) return null
    const out = m.data.slice(m.off, m.off + m.len)
    this.ifp.vnet.env.pool.put(m)
    return out
  }

  /**
   * Wait for a packet up to timeoutNs (Infinity: no limit); false on timeout. When `until` settles
   * first (a signal for the reader), resolve false at once and give the timer back.
   */
  wait(timeoutNs: number, until?: Promise<unknown>): Promise<boolean> {
    return this.readers.wait(timeoutNs, until)
  }

  /** tunwrite: one IP packet from the process, received on tunN. */
  write(packet: Uint8Array): void {
    if (packet.length === 0) return
    if (packet.length > TUNMRU) throw new SysError('EIO', 'write')
    const ifp = this.ifp
    if (!ifp.up) {
      ifp.stats.ierrors++
      throw new SysError('EIO', 'write')
    }
    ifp.receive(ifp.vnet.env.pool.copyIn(packet))
  }

  /** tunclose: the queue is flushed and the interface goes down, as if_tun does on last close. */
  close(): void {
    this.open = false
    for (const m of this.q.splice(0)) this.ifp.vnet.env.pool.put(m)
    this.ifp.flags &= ~(IFF.UP | IFF.RUNNING)
    this.wakeReaders()
  }

  ifDetached(): void {
    for (const m of this.q.splice(0)) this.ifp.vnet.env.pool.put(m)
  }

  /** The link is up while a process holds the device (tunopen / tunclose's link state) and it is up. */
  carrier(): boolean {
    return this.open && this.ifp.up
  }
}

/** The tun softc of ifp, or null when ifp is not a tun interface. */
export function tunOf(ifp: Ifnet): TunSoftc | null {
  return ifp.link instanceof TunSoftc ? ifp.link : null
}

/** tunoutput: no link header and no neighbour to resolve; the packet goes to the reader as it is. */
function tunOutput(ifp: Ifnet, m: Mbuf): undefined {
  ifp.transmit(m)
  return undefined
}

const tunDriver: IfDriver = { type: 'tun', output: tunOutput, maxMtu: TUNMRU }

export const tunCloner: IfCloner = {
  name: 'tun',
  create(v: Vnet, unit: number) {
    const ifp = new Ifnet(v, `tun${unit}`, tunDriver, 'tun', 0, TUNMTU, IFF.POINTOPOINT | IFF.MULTICAST)
    ifp.link = new TunSoftc(ifp)
    return [ifp]
  },
}

/**
 * devctl(4): the kernel's queue of events that devd(8) reads from /dev/devctl, as subr_bus.c's
 * devctl_notify formats them: `!system=CARP subsystem=1@em0 type=MASTER`. One per host, as one per
 * kernel. Each event remembers the vnet it happened in: prison0's reader sees every event, a
 * reader opened in a vnet jail sees its own vnet's (FreeBSD hides /dev/devctl from jails; VirtNet's
 * labs run one devd per node instead). Like the device, one reader at a time per scope (EBUSY).
 *
 * Must not: block or fail the notifier (a kernel path), or grow without bound: a reader keeps at
 * most hw.bus.devctl_queue events and drops the oldest, as devctl_queue_data does.
 */

import { SysError } from '../util/errno.js'

/** hw.bus.devctl_queue's default: events a reader holds before the oldest go. */
export const DEVCTL_QUEUE = 1000

/** An open /dev/devctl: reads return one event line each (without its newline). */
export class DevctlReader {
  private readonly q: string[] = []
  private head = 0
  private waiter: ((line: string | null) => void) | null = null
  private open = true

  constructor(
    private readonly dev: Devctl,
    /** The vnet whose events it sees; null for prison0's, which sees all. */
    readonly vnetId: number | null,
  ) {}

  /** The next event, waiting for one; null once closed. */
  read(): Promise<string | null> {
    if (this.head < this.q.length) {
      const line = this.q[this.head++]!
      if (this.head === this.q.length) {
        this.q.length = 0
        this.head = 0
      }
      return Promise.resolve(line)
    }
    if (!this.open) return Promise.resolve(null)
    return new Promise((r) => {
      this.waiter = r
    })
  }

  /** Events waiting to be read. */
  get pending(): number {
    return this.q.length - this.head
  }

  close(): void {
    if (!this.open) return
    this.open = false
    this.dev.release(this)
    const w = this.waiter
    this.waiter = null
    w?.(null)
  }

  /** Queue one event (devctl_queue_data); the oldest goes when the queue is full. */
  push(line: string): void {
    const w = this.waiter
    if (w !== null) {
      this.waiter = null
      w(line)
      return
    }
    if (this.pending >= DEVCTL_QUEUE) this.head++
    this.q.push(line)
  }
}

export class Devctl {
  private readers: DevctlReader[] = []

  /** open("/dev/devctl"): EBUSY while another reader of the same scope has it open. */
  open(vnetId: number | null): DevctlReader {
    if (this.readers.some((r) => r.vnetId === vnetId)) throw new SysError('EBUSY', 'open', '/dev/devctl')
    const r = new DevctlReader(this, vnetId)
    this.readers.push(r)
    return r
  }

  release(r: DevctlReader): void {
    this.readers = this.readers.filter((x) => x !== r)
  }

  /**
   * devctl_notify(system, subsystem, type, data) from vnet `vnetId`: nothing happens without a
   * reader (the kernel drops events nobody listens to).
   */
  notify(vnetId: number, system: string, subsystem: string, type: string, data?: string): void {
    if (this.readers.length === 0) return
    const line = `!system=${system} subsystem=${subsystem} type=${type}${data === undefined ? '' : ` ${data}`}`
    for (const r of this.readers) if (r.vnetId === null || r.vnetId === vnetId) r.push(line)
  }
}

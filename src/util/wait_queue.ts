/**
 * Readers blocked on a queue (a tun's packets, a bpf descriptor's buffer): each waits with a
 * timeout on the host clock and is woken when data comes or the source goes. The clock is held
 * while anyone waits without a limit, so virtual time does not run past a reader that could still
 * be woken. No packet work happens here: wake() only resolves the waiters.
 */

import type { Clock } from './clock.js'

export class WaitQueue {
  private readonly readers = new Set<(ok: boolean) => void>()

  constructor(private readonly clock: Clock) {}

  /**
   * Block until woken (true), or until timeoutNs passes (Infinity: no limit) or `until` settles
   * first (a signal for the reader): false, and the timer is given back at once.
   */
  wait(timeoutNs: number, until?: Promise<unknown>): Promise<boolean> {
    const clock = this.clock
    return new Promise((resolve) => {
      let done = false
      const forever = timeoutNs === Number.POSITIVE_INFINITY
      const finish = (ok: boolean): void => {
        if (done) return
        done = true
        this.readers.delete(finish)
        if (forever) clock.release()
        else t.cancel()
        resolve(ok)
      }
      const t = clock.wakeTimer(() => finish(false))
      this.readers.add(finish)
      if (forever) clock.hold()
      else t.arm(timeoutNs)
      until?.then(
        () => finish(false),
        () => finish(false),
      )
    })
  }

  /** Wake every blocked reader; the run-queue yields so they run before more traffic. */
  wake(): void {
    if (this.readers.size === 0) return
    this.clock.requestYield()
    for (const r of [...this.readers]) r(true)
  }
}

/**
 * The library's captures (`lab.capture(targets, opts)`): the emulator's LabCapture on node
 * interfaces (`pc1:eth0`) and links (`pc1~sw1`), as an async iterator of packets and/or a pcapng file
 * written as packets arrive (one interface block per target, nanosecond stamps of the lab's clock,
 * each packet's direction). A running capture is like a tcpdump in the lab: it waits, so the lab's
 * time flows while it runs. The iterator's queue is bounded: packets beyond `queue` are dropped and
 * counted in `dropped`, so a reader that stops reading cannot grow memory without end.
 */

import { appendFileSync, writeFileSync } from 'node:fs'
import { type CapturedPacket, LabCapture, pcapngStream } from '../../topology/lab/capture.js'
import type { Lab } from '../../topology/lab/emulator.js'

export interface CaptureOptions {
  /** tcpdump's filter language, e.g. `icmp or tcp port 80`. */
  filter?: string
  /** Stop after this many packets. */
  count?: number
  /** Write a pcapng file at this (real) path as packets arrive. */
  file?: string
  /** Packets the iterator holds for a slow reader (default 10,000); more are dropped and counted. */
  queue?: number
}

/** One packet as the iterator gives it. */
export interface Packet {
  /** The target it was captured on, as given (`pc1:eth0`, `pc1~sw1`). */
  target: string
  /** The lab's time, ns. */
  time: number
  /** The frame from its link header (Ethernet), up to the snapshot length. */
  data: Uint8Array
  /** Length on the wire. */
  length: number
  /** Outbound on the interface, or a→b on a link `a~b`. */
  out: boolean
}

export class VirtCapture implements AsyncIterable<Packet> {
  /** Packets the iterator's full queue dropped. */
  dropped = 0
  private readonly cap: LabCapture
  private readonly queue: Packet[] = []
  private readonly max: number
  private wake: (() => void) | null = null
  private finished = false

  /** @internal Use VirtLab.capture(). */
  constructor(lab: Lab, targets: readonly string[], opts: CaptureOptions) {
    this.cap = new LabCapture(lab, targets, { filter: opts.filter ?? '', count: opts.count ?? 0 })
    this.max = opts.queue ?? 10_000
    let toFile: ((p: CapturedPacket) => void) | null = null
    if (opts.file !== undefined) {
      const path = opts.file
      let first = true
      toFile = pcapngStream(this.cap, (b) => {
        if (first) writeFileSync(path, b)
        else appendFileSync(path, b)
        first = false
      })
    }
    this.cap.onPacket = (p) => {
      toFile?.(p)
      if (this.queue.length >= this.max) this.dropped++
      else
        this.queue.push({
          target: this.cap.targets[p.target]!,
          time: p.stamp,
          data: p.data,
          length: p.wirelen,
          out: p.out,
        })
      this.wake?.()
    }
    void this.cap.done.then(() => {
      this.finished = true
      this.wake?.()
    })
  }

  /** Packets captured so far (the file has them all). */
  get packets(): number {
    return this.cap.packets
  }

  /** Resolves when the capture has ended (stop, count, or its targets gone) and the file is complete. */
  get done(): Promise<void> {
    return this.cap.done
  }

  /** Stop capturing; resolves when the file is complete. The iterator ends after what it holds. */
  stop(): Promise<void> {
    this.cap.stop()
    return this.cap.done
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Packet> {
    for (;;) {
      const p = this.queue.shift()
      if (p !== undefined) {
        yield p
        continue
      }
      if (this.finished) return
      await new Promise<void>((r) => {
        this.wake = r
      })
      this.wake = null
    }
  }
}

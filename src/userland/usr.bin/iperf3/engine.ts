/**
 * One iperf3 test as both ends run it once the streams exist: the senders (TCP blocks, or UDP
 * packets with iperf3's header, paced to `-b` per stream), the receivers (counting bytes, and for
 * UDP the packet numbers, losses, reordering and RFC 1889 jitter), the interval ticker on the host
 * clock, and the results each side sends the other at the end (send_results / get_results).
 *
 * Time is the host's (virtual in tests), so a 10 s test takes as long as its packets need.
 * Nothing here prints: the report module turns the records into iperf3's text or JSON.
 */

import { SOCK, type SockAddrIn, type SocketFd } from '../../../host/syscalls.js'
import { SEC } from '../../../util/clock.js'
import { isSysError } from '../../../util/errno.js'
import type { Proc } from '../../types.js'
import { type Params, readUdpHeader, type StreamResult, writeUdpHeader } from './protocol.js'

/** iperf3's largest block length (-l's maximum, MAX_BLOCKSIZE): the most one TCP read asks for. */
const MAX_BLOCK = 1024 * 1024

export interface Stream {
  /** The protocol's stream id (1, 3, 4 ... as iperf_add_stream numbers them). */
  id: number
  /** The descriptor number iperf3 shows as `[  5]`. */
  socket: number
  fd: SocketFd
  sender: boolean
  local: SockAddrIn
  remote: SockAddrIn
  /** Bytes sent (sender) or received (receiver) by this side. */
  bytes: number
  /** UDP: packets sent, or the highest packet number received. */
  packets: number
  errors: number
  outOfOrder: number
  /** Seconds. */
  jitter: number
  prevTransit: number
  /** TCP sender: segments retransmitted, and the largest congestion window seen. */
  retrans: number
  maxCwnd: number
  /** Counters at the start of the current interval. */
  base: { bytes: number; packets: number; errors: number; retrans: number }
  /** What the other side reported for this stream. */
  peer: StreamResult | null
}

export interface StreamInterval {
  stream: Stream
  bytes: number
  packets: number
  errors: number
  jitter: number
  retrans: number
  cwnd: number
  rtt: number
}

export interface IntervalRec {
  /** Seconds since the test started. */
  start: number
  end: number
  streams: StreamInterval[]
}

/** iperf_add_stream's numbering: 1, then 3, 4, 5 ... */
export function streamId(index: number): number {
  return index === 0 ? 1 : index + 2
}

export class Test {
  readonly streams: Stream[] = []
  readonly intervals: IntervalRec[] = []
  startNs = 0
  endNs = 0
  done = false
  /** Bytes sent and received over all streams (for `-n`). */
  sentTotal = 0
  receivedTotal = 0
  /** Whether the sending side counts retransmissions (TCP_INFO), as the results say. */
  senderHasRetrans = 0
  private lastTick = 0
  private resolveDone!: () => void
  readonly finished = new Promise<void>((r) => {
    this.resolveDone = r
  })
  /** Called when a sender or receiver reaches `-n` (the client ends the test then). */
  onLimit: () => void = () => {}
  /** Called with each interval as it closes. */
  onInterval: (rec: IntervalRec) => void = () => {}

  constructor(
    readonly proc: Proc,
    readonly params: Params,
    readonly role: 'c' | 's',
    /** Interval length in ns; 0 for none. */
    readonly intervalNs: number,
  ) {}

  get udp(): boolean {
    return this.params.udp
  }

  /** This side sends (client without -R, server with it). */
  get sending(): boolean {
    return (this.role === 'c') !== this.params.reverse
  }

  addStream(fd: SocketFd, socket: number): Stream {
    const s: Stream = {
      id: streamId(this.streams.length),
      socket,
      fd,
      sender: this.sending,
      local: fd.getsockname(),
      remote: fd.getpeername(),
      bytes: 0,
      packets: 0,
      errors: 0,
      outOfOrder: 0,
      jitter: 0,
      prevTransit: 0,
      retrans: 0,
      maxCwnd: 0,
      base: { bytes: 0, packets: 0, errors: 0, retrans: 0 },
      peer: null,
    }
    this.streams.push(s)
    return s
  }

  /** TEST_START: the clock starts; TEST_RUNNING: data flows and the ticker runs. */
  start(): void {
    this.startNs = this.proc.sys.now()
    this.lastTick = this.startNs
    for (const s of this.streams) void (s.sender ? this.send(s) : this.receive(s))
    if (this.intervalNs > 0) void this.tick()
  }

  /** The test is over for this side: the last (partial) interval closes, the loops stop. */
  finish(): void {
    if (this.done) return
    this.endNs = this.proc.sys.now()
    for (const s of this.streams) this.sampleTcp(s)
    if (this.intervalNs > 0) this.closeInterval(this.endNs, true)
    this.done = true
    this.resolveDone()
  }

  closeStreams(): void {
    for (const s of this.streams) s.fd.close()
  }

  /** Sleeps until `ns` (absolute) or the end of the test. */
  private async until(ns: number): Promise<void> {
    const left = ns - this.proc.sys.now()
    if (left > 0) await this.proc.sleep(left, this.finished)
  }

  private async tick(): Promise<void> {
    for (let k = 1; !this.done; k++) {
      const at = this.startNs + k * this.intervalNs
      await this.until(at)
      if (this.done || this.proc.killed) return
      this.closeInterval(at, false)
    }
  }

  private sampleTcp(s: Stream): void {
    if (this.udp || !s.sender) return
    try {
      const ti = s.fd.tcpInfo()
      s.retrans = ti.retransmits
      s.maxCwnd = Math.max(s.maxCwnd, ti.sndCwnd)
    } catch {
      // The connection is gone: keep what was sampled last.
    }
  }

  private closeInterval(at: number, last: boolean): void {
    const rec: IntervalRec = {
      start: (this.lastTick - this.startNs) / SEC,
      end: (at - this.startNs) / SEC,
      streams: [],
    }
    let any = false
    for (const s of this.streams) {
      let cwnd = 0
      let rtt = 0
      if (!this.udp && s.sender) {
        try {
          const ti = s.fd.tcpInfo()
          s.retrans = ti.retransmits
          cwnd = ti.sndCwnd
          rtt = ti.rtt
          s.maxCwnd = Math.max(s.maxCwnd, cwnd)
        } catch {
          // Gone: the interval still reports its bytes.
        }
      }
      const iv: StreamInterval = {
        stream: s,
        bytes: s.bytes - s.base.bytes,
        packets: s.packets - s.base.packets,
        errors: s.errors - s.base.errors,
        jitter: s.jitter,
        retrans: s.retrans - s.base.retrans,
        cwnd,
        rtt,
      }
      if (iv.bytes > 0) any = true
      s.base = { bytes: s.bytes, packets: s.packets, errors: s.errors, retrans: s.retrans }
      rec.streams.push(iv)
    }
    this.lastTick = at
    // iperf_print_intermediate drops a final interval shorter than a tenth with no data in it.
    if (last && !any && (rec.end - rec.start) * SEC < this.intervalNs * 0.1) return
    this.intervals.push(rec)
    this.onInterval(rec)
  }

  /** iperf_check_throttle: wait while this stream is ahead of `-b`. */
  private async throttle(s: Stream): Promise<void> {
    const rate = this.params.bandwidth
    if (rate <= 0) return
    const due = this.startNs + ((s.bytes * 8) / rate) * SEC
    if (due > this.proc.sys.now()) await this.until(due)
  }

  private limitReached(): boolean {
    const n = this.params.bytes
    return n !== 0 && (this.sentTotal >= n || this.receivedTotal >= n)
  }

  private async send(s: Stream): Promise<void> {
    const len = this.params.len
    const block = new Uint8Array(len)
    for (let i = 0; i < len; i++) block[i] = 0x30 + (i % 10)
    // Filling a block is work: each one is charged as CPU time (a full 128 KiB block one scheduler
    // step, 100 µs), so that in virtual time over links that cost nothing the clock still moves and
    // an unpaced test ends; it bounds a stream near 10 Gbit/s, about what one core copies.
    const cpuSteps = len / (128 * 1024)
    while (!this.done && !this.limitReached()) {
      await this.throttle(s)
      if (this.done) return
      await this.proc.sys.preempt(this.finished, cpuSteps)
      if (this.done) return
      try {
        if (this.udp) {
          s.packets++
          writeUdpHeader(block, this.proc.sys.now(), s.packets)
          s.fd.sendto(block)
          s.bytes += len
          this.sentTotal += len
        } else {
          const n = await s.fd.send(block)
          s.bytes += n
          this.sentTotal += n
        }
      } catch (e) {
        if (!isSysError(e)) throw e
        // A full interface queue drops a UDP packet, as on FreeBSD (ENOBUFS); the test goes on.
        if (this.udp && e.code === 'ENOBUFS' && !this.done) {
          await this.proc.sleep(SEC / 1000, this.finished)
          continue
        }
        return
      }
    }
    if (this.limitReached()) this.onLimit()
  }

  private async receive(s: Stream): Promise<void> {
    const max = this.udp ? 65535 : this.params.len
    // TCP reads go into one buffer, as iperf3's read(2) into its own does: no array per read. Its
    // size is the block length, which came from the peer: within -l's bounds whatever it says.
    const buf = this.udp ? null : new Uint8Array(Math.min(Math.max(Math.floor(max) || 1, 1), MAX_BLOCK))
    while (!this.done) {
      let got: Uint8Array | null = null
      let n: number
      try {
        if (buf === null) {
          got = (await s.fd.recvfrom(max)).data
          n = got.length
        } else n = await s.fd.recvInto(buf)
      } catch (e) {
        if (!isSysError(e)) throw e
        return
      }
      if (this.done) return
      if (got === null && n === 0) return
      s.bytes += n
      this.receivedTotal += n
      if (got !== null) this.udpArrival(s, got)
      if (this.limitReached()) {
        this.onLimit()
        return
      }
    }
  }

  /** iperf_udp_recv: packet numbers, losses, reordering and the jitter estimate. */
  private udpArrival(s: Stream, pkt: Uint8Array): void {
    const h = readUdpHeader(pkt)
    if (h === null) return
    if (h.count >= s.packets + 1) {
      if (h.count > s.packets + 1) s.errors += h.count - 1 - s.packets
      s.packets = h.count
    } else {
      s.outOfOrder++
      if (s.errors > 0) s.errors--
    }
    const transit = (this.proc.sys.now() - h.sentNs) / SEC
    const d = Math.abs(transit - s.prevTransit)
    s.prevTransit = transit
    s.jitter += (d - s.jitter) / 16
  }

  /** send_results. */
  results(): Record<string, unknown> {
    const duration = (this.endNs - this.startNs) / SEC
    return {
      cpu_util_total: 0,
      cpu_util_user: 0,
      cpu_util_system: 0,
      sender_has_retransmits: this.sending ? this.senderHasRetrans : -1,
      streams: this.streams.map(
        (s): StreamResult => ({
          id: s.id,
          bytes: s.bytes,
          retransmits: s.sender && this.senderHasRetrans === 1 ? s.retrans : -1,
          jitter: s.jitter,
          errors: s.errors,
          packets: s.packets,
          start_time: 0,
          end_time: duration,
        }),
      ),
    }
  }

  /** get_results: false when the peer's results do not name our streams. */
  takeResults(j: Record<string, unknown>): boolean {
    const has = j.sender_has_retransmits
    if (!this.sending && typeof has === 'number') this.senderHasRetrans = has === 1 ? 1 : 0
    const list = Array.isArray(j.streams) ? (j.streams as Array<Record<string, unknown>>) : []
    for (const r of list) {
      const s = this.streams.find((x) => x.id === r.id)
      if (s === undefined) return false
      const n = (k: string): number => (typeof r[k] === 'number' ? (r[k] as number) : 0)
      s.peer = {
        id: s.id,
        bytes: n('bytes'),
        retransmits: n('retransmits'),
        jitter: n('jitter'),
        errors: n('errors'),
        packets: n('packets'),
        start_time: n('start_time'),
        end_time: n('end_time'),
      }
    }
    return true
  }
}

export const STREAM_TYPES = { tcp: SOCK.STREAM, udp: SOCK.DGRAM } as const

/**
 * ng_pipe(4): link emulation between hooks `upper` and `lower`. Frames from upper go through the
 * downstream direction and leave on lower; frames from lower go upstream and leave on upper. Each
 * direction is ng_pipe's pipeline with netem's impairments added (pipe_cfg.ts lists every setting):
 *
 *   in ─> loss / Gilbert–Elliott ─> duplicate ─> inbound queue (FIFO | DRR | WFQ, frame and byte
 *   limits, drop-tail | drop-head) ─> link (bandwidth: serialization one frame after another)
 *   ─> bit errors ─> delay line (delay ± jitter, or none for a reordered frame) ─> out
 *
 * Frames are never dropped silently: every discard is counted by reason (getstats), and
 * in_frames + duplicated = FwdFrames + drop_frames + queued + delayed holds at all times (counting
 * from the last clrstats that found the pipe empty).
 *
 * Time comes only from the host clock and randomness only from the node's own RNG sub-streams (one
 * per direction and impairment, named after the vnet and node IDs), so a run is reproducible from
 * (topology, seed) and enabling one impairment does not change another's random sequence. Each
 * direction has one re-armable Timer set to its next event, never one per frame; the data path
 * creates no objects per frame (queues link mbufs in recycled rings and heaps; only `duplicate`
 * takes a buffer from the pool) and never throws. Settings may change while traffic flows: frames
 * already on the link or in the delay line keep their schedule; frames still waiting in the inbound
 * queue and new ones follow the new settings.
 *
 * Bit errors discard the frame they hit (counted as drop_ber), as ng_pipe.c does: like a NIC
 * dropping a frame with a bad FCS, the link never hands a damaged frame on. Tests that need damaged
 * frames to reach a stack's checksums use testing/ng_corrupt.ts instead.
 *
 * Differences from FreeBSD: `duplicate` sends one copy, as netem does (ng_pipe may copy a frame
 * again and again, and rolls with an off-by-one); connecting a hook keeps that direction's settings
 * and counters (ng_pipe resets them); a removed hook flushes both directions. As in ng_pipe, shutting
 * the node down while both hooks are connected joins their peers directly (ng_bypass), so removing
 * a pipe never cuts the link it was inserted into; frames still inside it are lost.
 */

import type { Mbuf, MbufPool } from '../buf/mbuf.js'
import type { Clock, Timer } from '../util/clock.js'
import { SysError } from '../util/errno.js'
import type { Rng } from '../util/rng.js'
import type { NgStruct, NgValue } from './ascii.js'
import type { NgGraph } from './graph.js'
import { type NgHook, NgNode } from './node.js'
import {
  applySetcfg,
  DELAYLEN_MAX,
  defaultPipeCfg,
  formatPipeCfg,
  type PipeCfg,
  type PipeDirCfg,
} from './pipe_cfg.js'
import { DelayLine, FlowQueues } from './pipe_queue.js'

/** Why a frame was discarded; indexes PipeStats.drops. */
const Drop = {
  QUEUE: 0,
  QUEUE_BYTES: 1,
  DELAYQ: 2,
  LOSS: 3,
  GILBERT: 4,
  BER: 5,
  NOHOOK: 6,
  FLUSH: 7,
} as const
type DropReason = (typeof Drop)[keyof typeof Drop]
/** Counter names in getstats, by reason. */
const DROP_NAMES = [
  'drop_queue',
  'drop_queue_bytes',
  'drop_delayq',
  'drop_loss',
  'drop_gilbert',
  'drop_ber',
  'drop_nohook',
  'drop_flush',
] as const

/** One direction's counters: ng_pipe's struct ng_pipe_hookstat plus ours. */
class PipeStats {
  inFrames = 0
  inOctets = 0
  fwdFrames = 0
  fwdOctets = 0
  /** ng_pipe's in_disc: the inbound queue overflowed. */
  queueDropFrames = 0
  queueDropOctets = 0
  /** ng_pipe's out_disc: bit errors, delay line full, nowhere to send. */
  delayDropFrames = 0
  delayDropOctets = 0
  dropFrames = 0
  dropOctets = 0
  readonly drops: number[] = DROP_NAMES.map(() => 0)
  duplicated = 0
  reordered = 0

  toNg(): NgStruct {
    const out: NgStruct = {
      FwdOctets: this.fwdOctets,
      FwdFrames: this.fwdFrames,
      queueDropOctets: this.queueDropOctets,
      queueDropFrames: this.queueDropFrames,
      delayDropOctets: this.delayDropOctets,
      delayDropFrames: this.delayDropFrames,
      in_octets: this.inOctets,
      in_frames: this.inFrames,
      drop_octets: this.dropOctets,
      drop_frames: this.dropFrames,
    }
    DROP_NAMES.forEach((name, i) => {
      out[name] = this.drops[i]!
    })
    out.duplicated = this.duplicated
    out.reordered = this.reordered
    return out
  }
}

/**
 * ng_pipe's flow signature (ip_hash): IPv4 source and destination, for a header without options at
 * `offset`; anything else hashes to 0 and shares one sub-queue.
 */
function ipHash(m: Mbuf, offset: number): number {
  const d = m.data
  const o = m.off + offset
  if (m.len < offset + 20 || d[o] !== 0x45) return 0
  const src = ((d[o + 12]! << 24) | (d[o + 13]! << 16) | (d[o + 14]! << 8) | d[o + 15]!) >>> 0
  const dst = ((d[o + 16]! << 24) | (d[o + 17]! << 16) | (d[o + 18]! << 8) | d[o + 19]!) >>> 0
  // i = src ^ src<<13 ^ dst<<7 ^ dst<<19 in 64 bits, folded to 32: i ^ i>>32.
  const lo = src ^ (src << 13) ^ (dst << 7) ^ (dst << 19)
  const hi = (src >>> 19) ^ (dst >>> 25) ^ (dst >>> 13)
  return (lo ^ hi) | 0
}

/** One direction: queues, link state, counters, settings in the units the data path uses. */
class PipeDir {
  readonly node: PipeNode
  readonly stats = new PipeStats()
  /** Hook frames leave by (lower for downstream); null while not connected. */
  out: NgHook | null = null
  private readonly q = new FlowQueues()
  private readonly line = new DelayLine()
  private readonly clock: Clock
  private readonly pool: MbufPool
  private readonly timer: Timer
  /** When the link finishes the frame on it (ng_pipe's qin_utime), ns. */
  private linkFree = 0
  private pumping = false
  private again = false
  private geBad = false
  private sinceReorder = 0
  private readonly rLoss: Rng
  private readonly rGe: Rng
  private readonly rDup: Rng
  private readonly rBer: Rng
  private readonly rReorder: Rng
  private readonly rJitter: Rng

  // Settings, converted by configure().
  private bandwidth = 0
  private overhead = 0
  private headerOffset = 0
  private hashFlows = false
  private queuelen = 0
  private queueBytes = 0
  private delaylen = 0
  private drophead = false
  private delayNs = 0
  private jitterNs = 0
  private normal = false
  private lossP = 0
  private dupP = 0
  private geP = 0
  private geR = 0
  private geLossBad = 0
  private geLossGood = 0
  private berOn = false
  /** ln(1 - 1/BER): a frame of b bits survives with probability exp(b · berLog). */
  private berLog = 0
  private reorderP = 0
  private reorderGap = 1
  /** Nothing to emulate: frames may pass straight through when nothing is queued (ng_pipe's noqueue). */
  private noqueue = true

  constructor(node: PipeNode, rng: Rng) {
    this.node = node
    this.clock = node.graph.vnet.env.clock
    this.pool = node.graph.pool
    this.timer = this.clock.timer(() => this.pump(this.clock.now()))
    this.rLoss = rng.stream('loss')
    this.rGe = rng.stream('gemodel')
    this.rDup = rng.stream('duplicate')
    this.rBer = rng.stream('ber')
    this.rReorder = rng.stream('reorder')
    this.rJitter = rng.stream('jitter')
  }

  configure(c: PipeDirCfg, overhead: number, headerOffset: number): void {
    this.bandwidth = c.bandwidth
    this.overhead = overhead
    this.headerOffset = headerOffset
    this.hashFlows = c.qdisc !== 'fifo'
    this.q.quantum = c.qdisc === 'drr' ? c.drrQuantum : 0
    this.q.wfqNsPerByte = c.qdisc === 'wfq' && c.bandwidth > 0 ? 8e9 / c.bandwidth : 0
    this.q.overhead = overhead
    this.queuelen = c.queuelen
    this.queueBytes = c.queueBytes
    this.delaylen = c.delaylen === 0 ? DELAYLEN_MAX : c.delaylen
    this.drophead = c.drophead
    this.delayNs = c.delay * 1e3
    this.jitterNs = c.jitter * 1e3
    this.normal = c.jitterDist === 'normal'
    this.lossP = c.loss / 100
    this.dupP = c.duplicate / 100
    this.geP = c.geP / 100
    this.geR = (c.geR === 0 ? 100 - c.geP : c.geR) / 100
    this.geLossBad = (c.geH === 0 ? 100 : c.geH) / 100
    this.geLossGood = c.geK / 100
    if (this.geP === 0) this.geBad = false
    this.berOn = c.ber > 0
    this.berLog = c.ber > 0 ? Math.log1p(-1 / c.ber) : 0
    this.reorderP = c.reorder / 100
    this.reorderGap = c.reorderGap === 0 ? 1 : c.reorderGap
    this.noqueue =
      c.bandwidth === 0 &&
      c.delay === 0 &&
      c.jitter === 0 &&
      c.duplicate === 0 &&
      c.ber === 0 &&
      c.loss === 0 &&
      c.geP === 0
  }

  /** A frame arrived on this direction's input hook. Takes ownership; never throws. */
  input(m: Mbuf): void {
    const st = this.stats
    st.inFrames++
    st.inOctets += m.len
    if (this.out === null) {
      this.drop(m, Drop.NOHOOK)
      return
    }
    if (this.noqueue && this.q.frames === 0 && this.line.size === 0) {
      this.deliver(m)
      return
    }
    // netem decides loss and duplication as a frame arrives, before it is queued.
    const lost = this.lossP > 0 && this.rLoss.float() < this.lossP
    if (lost || (this.geP > 0 && this.gilbertLoses())) {
      this.drop(m, lost ? Drop.LOSS : Drop.GILBERT)
      return
    }
    // Copy before queueing: a full queue may free m at once.
    let copy: Mbuf | null = null
    if (this.dupP > 0 && this.rDup.float() < this.dupP) {
      copy = this.pool.dup(m)
      st.duplicated++
    }
    const now = this.clock.now()
    this.enqueue(m, now)
    if (copy !== null) this.enqueue(copy, now)
    this.pump(now)
  }

  /**
   * netem's Gilbert–Elliott step: whether this frame is lost depends on the state it finds; then the
   * chain moves (good -> bad with p, bad -> good with r).
   */
  private gilbertLoses(): boolean {
    const r = this.rGe
    if (!this.geBad) {
      if (r.float() < this.geP) this.geBad = true
      return this.geLossGood > 0 && r.float() < this.geLossGood
    }
    if (r.float() < this.geR) this.geBad = false
    return r.float() < this.geLossBad
  }

  private enqueue(m: Mbuf, now: number): void {
    const q = this.q
    // ng_pipe: a frame that finds the queue empty starts the link's clock no earlier than now.
    if (q.frames === 0 && this.linkFree < now) this.linkFree = now
    q.add(m, this.hashFlows ? ipHash(m, this.headerOffset) : 0, now)
    for (;;) {
      const reason =
        q.frames > this.queuelen
          ? Drop.QUEUE
          : this.queueBytes > 0 && q.bytes > this.queueBytes
            ? Drop.QUEUE_BYTES
            : -1
      if (reason === -1) break
      this.drop(q.dropOne(this.drophead), reason)
    }
  }

  /**
   * Move frames along: onto the link while it is free, then out of the delay line when due, then
   * re-arm the timer for the next event. Sending may run other nodes synchronously and bring a frame
   * back here; such a nested call only asks the running one to go round again.
   */
  pump(now: number): void {
    if (this.pumping) {
      this.again = true
      return
    }
    this.pumping = true
    try {
      do {
        this.again = false
        this.transmit(now)
        while (this.line.size > 0 && this.line.peekTime() <= now) this.deliver(this.line.pop())
      } while (this.again)
    } finally {
      this.pumping = false
    }
    let next = this.q.frames > 0 ? this.linkFree : Number.POSITIVE_INFINITY
    if (this.line.size > 0 && this.line.peekTime() < next) next = this.line.peekTime()
    if (next === Number.POSITIVE_INFINITY) this.timer.cancel()
    else if (!this.timer.armed || this.timer.deadline !== next) this.timer.armAt(next)
  }

  /** ng_pipe's bandwidth stage: each frame occupies the link for (len + overhead) · 8 / bandwidth. */
  private transmit(now: number): void {
    const q = this.q
    while (q.frames > 0 && this.linkFree <= now) {
      const m = q.take(now)
      const bits = (m.len + this.overhead) * 8
      let depart = now
      if (this.bandwidth > 0) depart = this.linkFree += (bits * 1e9) / this.bandwidth
      // ng_pipe applies bit errors to frames that made it through the link.
      if (this.berOn && this.rBer.float() >= Math.exp(bits * this.berLog)) {
        this.drop(m, Drop.BER)
        continue
      }
      if (this.line.size >= this.delaylen) {
        this.drop(m, Drop.DELAYQ)
        continue
      }
      // netem: unless within `gap` frames of the last reordered one, a frame skips the delay with
      // probability `reorder`, overtaking those still in flight.
      let arrive = depart
      if (
        this.reorderP > 0 &&
        this.sinceReorder >= this.reorderGap - 1 &&
        this.rReorder.float() < this.reorderP
      ) {
        this.sinceReorder = 0
        this.stats.reordered++
      } else {
        this.sinceReorder++
        arrive += this.delayNs
        if (this.jitterNs > 0) {
          const u = this.normal ? this.rJitter.normal() : 2 * this.rJitter.float() - 1
          arrive += u * this.jitterNs
          if (arrive < depart) arrive = depart
        }
      }
      this.line.push(m, arrive)
    }
  }

  private deliver(m: Mbuf): void {
    const out = this.out
    if (out === null || out.peer === null) {
      this.drop(m, Drop.NOHOOK)
      return
    }
    this.stats.fwdFrames++
    this.stats.fwdOctets += m.len
    m.next = null
    this.node.send(out, m)
  }

  private drop(m: Mbuf, reason: DropReason): void {
    const st = this.stats
    st.drops[reason]!++
    st.dropFrames++
    st.dropOctets += m.len
    if (reason === Drop.QUEUE || reason === Drop.QUEUE_BYTES) {
      st.queueDropFrames++
      st.queueDropOctets += m.len
    } else if (reason === Drop.BER || reason === Drop.DELAYQ || reason === Drop.NOHOOK) {
      st.delayDropFrames++
      st.delayDropOctets += m.len
    }
    this.pool.put(m)
  }

  /** Discard everything queued and stop the timer (hook removed, node shut down). */
  flush(): void {
    this.timer.cancel()
    while (this.q.frames > 0) this.drop(this.q.dropOne(true), Drop.FLUSH)
    while (this.line.size > 0) this.drop(this.line.pop(), Drop.FLUSH)
    this.geBad = false
    this.sinceReorder = 0
  }

  /** ng_pipe's struct ng_pipe_hookrun. */
  run(): NgStruct {
    return {
      queues: this.q.flows,
      queuedOctets: this.q.bytes,
      queuedFrames: this.q.frames,
      delayedOctets: this.line.bytes,
      delayedFrames: this.line.size,
    }
  }
}

export class PipeNode extends NgNode {
  readonly type = 'pipe'
  private cfg: PipeCfg = defaultPipeCfg()
  /** upper -> lower. */
  private readonly down: PipeDir
  /** lower -> upper. */
  private readonly up: PipeDir

  constructor(graph: NgGraph) {
    super(graph)
    const rng = graph.vnet.env.rng.stream(`ng_pipe:${graph.vnet.id}:${this.id}`)
    this.down = new PipeDir(this, rng.stream('downstream'))
    this.up = new PipeDir(this, rng.stream('upstream'))
    this.configure()
  }

  override newHook(name: string): void {
    if (name !== 'upper' && name !== 'lower')
      throw new SysError('EINVAL', 'ngctl', `pipe: unknown hook '${name}'`)
  }

  override hookConnected(hook: NgHook): void {
    // Frames arriving on upper travel downstream and leave on lower, and vice versa.
    const upper = hook.name === 'upper'
    hook.priv = upper ? this.down : this.up
    if (upper) this.up.out = hook
    else this.down.out = hook
  }

  override hookRemoved(hook: NgHook): void {
    if (hook.name === 'upper') this.up.out = null
    else this.down.out = null
    hook.priv = null
    // Neither direction can carry frames end to end any more (ng_pipe flushes the hook's queues).
    this.down.flush()
    this.up.flush()
  }

  override onClose(): void {
    const upper = this.up.out
    const lower = this.down.out
    if (upper !== null && lower !== null) this.graph.bypass(upper, lower)
  }

  override onShutdown(): void {
    this.down.flush()
    this.up.flush()
    this.down.out = null
    this.up.out = null
  }

  rcvdata(hook: NgHook, m: Mbuf): void {
    const dir = hook.priv
    if (dir instanceof PipeDir) dir.input(m)
    else this.graph.pool.put(m)
  }

  private configure(): void {
    const c = this.cfg
    this.down.configure(c.downstream, c.overhead, c.headerOffset)
    this.up.configure(c.upstream, c.overhead, c.headerOffset)
  }

  private stats(): NgStruct {
    return { downstream: this.down.stats.toNg(), upstream: this.up.stats.toNg() }
  }

  override rcvmsg(cmd: string, arg: NgValue | undefined): NgValue | undefined {
    switch (cmd) {
      case 'setcfg':
        this.cfg = applySetcfg(this.cfg, arg)
        this.configure()
        return undefined
      case 'getcfg':
        return formatPipeCfg(this.cfg)
      case 'getstats':
        return this.stats()
      case 'clrstats':
        this.clearStats()
        return undefined
      case 'getclrstats': {
        const s = this.stats()
        this.clearStats()
        return s
      }
      case 'getrun':
      case 'getrunstats':
        return { downstream: this.down.run(), upstream: this.up.run() }
      default:
        return super.rcvmsg(cmd, arg)
    }
  }

  private clearStats(): void {
    for (const d of [this.down, this.up]) {
      const s = d.stats
      s.inFrames = s.inOctets = s.fwdFrames = s.fwdOctets = 0
      s.queueDropFrames = s.queueDropOctets = s.delayDropFrames = s.delayDropOctets = 0
      s.dropFrames = s.dropOctets = s.duplicated = s.reordered = 0
      s.drops.fill(0)
    }
  }

  override messages(): readonly string[] {
    return ['setcfg', 'getcfg', 'getstats', 'clrstats', 'getclrstats', 'getrun', 'getrunstats']
  }
}

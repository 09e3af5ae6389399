/**
 * Captures in a lab: on a node's interface (`NODE:IF`, the interface's bpf point in the node's jail)
 * or on a link (`A~B`, either end may be `node:iface`: a tap on the netgraph hooks at both ends of
 * the cable, so both directions as each end receives them). Several targets feed one capture;
 * packets come out as copies, in each target's order, with the target's index (its pcapng interface)
 * and direction (on a link, a→b is "out"). A compiled pcap filter applies to every target.
 *
 * The capture stops on stop(), after `count` packets, or when every target has gone (a link cut or
 * an interface destroyed). It never keeps mbufs and its buffers are bpf's (bounded, drops counted).
 * Runtime-neutral: bytes out only; the platform decides whether they go to a file or a stream.
 */

import type { BpfFd, NgSocket } from '../../host/syscalls.js'
import { compileFilter } from '../../userland/lib/libpcap/filter.js'
import { isSysError } from '../../util/errno.js'
import { LinkType, PcapngWriter } from '../../wire/pcap/pcap.js'
import type { Lab } from './emulator.js'
import { ngPath } from './lab_var.js'

export interface CapturedPacket {
  /** Index of the target (its pcapng interface). */
  target: number
  /** Host clock, nanoseconds. */
  stamp: number
  data: Uint8Array
  wirelen: number
  out: boolean
}

export interface CaptureOptions {
  /** A pcap filter expression (tcpdump's language); empty keeps everything. */
  filter?: string
  /** Stop after this many packets (0: no limit). */
  count?: number
  snaplen?: number
}

interface Source {
  fd: BpfFd
  target: number
  out: boolean
}

/** One running capture over one or more targets. */
export class LabCapture {
  /** Target names as given, also the pcapng interface names. */
  readonly targets: readonly string[]
  /** Link types per target. */
  readonly linktypes: number[] = []
  packets = 0
  /**
   * Where packets go (set it right after construction: none arrive before the caller's next await).
   * The data is the callee's to keep.
   */
  onPacket: (p: CapturedPacket) => void = () => {}
  private readonly sources: Source[] = []
  private ng: NgSocket | null = null
  private stopped = false
  private stopFn: () => void = () => {}
  private readonly stopPromise: Promise<void>
  private readonly count: number
  /** Resolves when every source has ended. */
  readonly done: Promise<void>

  /** Open every target (throws Error naming the first that fails; nothing stays open then). */
  constructor(lab: Lab, targets: readonly string[], opts: CaptureOptions) {
    if (targets.length === 0) throw new Error('capture: no target')
    this.targets = targets
    this.count = opts.count ?? 0
    this.stopPromise = new Promise<void>((r) => {
      this.stopFn = r
    })
    const bpfOpts = { snaplen: opts.snaplen ?? 262144 }
    try {
      for (const [i, t] of targets.entries()) {
        const link = t.split('~')
        if (link.length === 2) {
          const found = lab.findLinks(link[0]!, link[1]!)
          if (found.length === 0) throw new Error(`${t}: no link between ${link[0]} and ${link[1]}`)
          const l = found[0]!
          this.ng ??= lab.host.syscalls().ngSocket()
          // Frames arriving at the first-named end travelled toward it (inbound); those arriving
          // at the other end, away from it (outbound).
          const first = l.a.node === link[0]!.split(':')[0] ? l.portA : l.portB
          const second = first === l.portA ? l.portB : l.portA
          for (const [port, out] of [
            [first, false],
            [second, true],
          ] as const) {
            if (!l.up) throw new Error(`${t}: the link is down`)
            this.sources.push({ fd: this.ng.tap(ngPath(port.id), port.hook, bpfOpts), target: i, out })
          }
          this.linktypes.push(LinkType.EN10MB)
          continue
        }
        const m = /^([^:]+):(.+)$/.exec(t)
        if (m === null) throw new Error(`${t}: not NODE:IF or A~B`)
        if (lab.node(m[1]!) === undefined) throw new Error(`${m[1]}: no such node`)
        const fd = lab.sys(m[1]!).bpfOpen(m[2]!, bpfOpts)
        this.sources.push({ fd, target: i, out: false })
        this.linktypes.push(fd.dlt)
      }
      const filters = this.linktypes.map((lt) => compileFilter(opts.filter ?? '', lt))
      for (const s of this.sources) s.fd.setFilter(filters[s.target]!)
    } catch (e) {
      this.close()
      if (isSysError(e)) throw new Error(`capture: ${e.strerror}`)
      throw e
    }
    this.done = Promise.all(this.sources.map((s) => this.run(s))).then(() => this.close())
  }

  private async run(s: Source): Promise<void> {
    const interfaceDirection = this.sources.filter((x) => x.target === s.target).length === 1
    while (!this.stopped) {
      let n: number
      try {
        n = await s.fd.read(
          (r) => {
            if (this.stopped) return
            this.packets++
            this.onPacket({
              target: s.target,
              stamp: r.stamp,
              data: r.buf.slice(r.off, r.off + r.caplen),
              wirelen: r.wirelen,
              // An interface's point knows its direction; a link's comes from which end received it.
              out: interfaceDirection ? r.out : s.out,
            })
            if (this.count !== 0 && this.packets >= this.count) this.stop()
          },
          Number.POSITIVE_INFINITY,
          this.stopPromise,
        )
      } catch (e) {
        if (isSysError(e)) return
        throw e
      }
      if (n === 0 && this.stopped) return
    }
  }

  /** Packets the filter saw and packets lost for want of buffer, over all targets. */
  stats(): { recv: number; drop: number } {
    let recv = 0
    let drop = 0
    for (const s of this.sources) {
      try {
        const st = s.fd.stats()
        recv += st.recv
        drop += st.drop
      } catch {
        // closed already
      }
    }
    return { recv, drop }
  }

  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.stopFn()
  }

  private close(): void {
    this.stopped = true
    this.stopFn()
    for (const s of this.sources) s.fd.close()
    this.ng?.close()
    this.ng = null
  }
}

/** A pcapng stream for a capture: the section and interface blocks first, then one EPB per packet. */
export function pcapngStream(
  c: { targets: readonly string[]; linktypes: readonly number[] },
  write: (bytes: Uint8Array) => void,
  snaplen = 262144,
): (p: CapturedPacket) => void {
  const w = new PcapngWriter()
  write(w.header())
  for (const [i, name] of c.targets.entries()) write(w.addInterface(name, c.linktypes[i]!, snaplen).block)
  return (p) => write(w.packet(p.target, p.stamp, p.data, 0, p.data.length, p.wirelen, p.out))
}

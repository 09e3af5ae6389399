/**
 * A test-only wire that damages frames instead of losing them: a netgraph node joining hooks `a`
 * and `b` that flips one bit in a chosen fraction of the IPv4 frames passing either way. The bit
 * lies in the transport payload (after the TCP header with its options, or the UDP header), so
 * exactly the transport checksum (RFC 793 §3.1, RFC 768) is what must catch it, and the frame loses
 * the in-process "checksum already good" marks, as a frame off a real wire would.
 *
 * Why it exists: ng_pipe's BER keeps FreeBSD's behaviour (ng_pipe.c discards a frame a bit error
 * hits; it never delivers a damaged one), so no emulated link ever hands a stack a bad checksum.
 * It is not a FreeBSD node type and is never registered for mkpeer; tests attach it themselves
 * (corruptLab). Randomness from a named sub-stream of the host's seed; nothing allocated per
 * frame; never throws.
 */

import type { Mbuf } from '../buf/mbuf.js'
import type { Host } from '../host/host.js'
import type { Syscalls } from '../host/syscalls.js'
import type { NgGraph } from '../netgraph/graph.js'
import { type NgHook, NgNode } from '../netgraph/node.js'
import { SysError } from '../util/errno.js'
import type { Rng } from '../util/rng.js'
import { IpProto } from '../wire/inet/ipv4.js'
import type { Net } from './net.js'
import { eifacePair } from './tcp_lab.js'

const ETHER_HLEN = 14
const ETHERTYPE_IP = 0x0800

export class CorruptNode extends NgNode {
  readonly type = 'corrupt'
  /** Probability that an IPv4 frame with a transport payload gets a bit flipped. */
  rate: number
  /** Frames damaged, by protocol: TCP and UDP. */
  tcpCorrupted = 0
  udpCorrupted = 0
  /** Frames passed on untouched. */
  passed = 0
  private readonly rng: Rng

  constructor(graph: NgGraph, rng: Rng, rate: number) {
    super(graph)
    this.rng = rng
    this.rate = rate
  }

  override newHook(name: string): void {
    if (name !== 'a' && name !== 'b') throw new SysError('EINVAL', 'ngctl', `corrupt: unknown hook '${name}'`)
  }

  rcvdata(hook: NgHook, m: Mbuf): void {
    const out = this.hooks.get(hook.name === 'a' ? 'b' : 'a')
    if (out === undefined) {
      this.graph.pool.put(m)
      return
    }
    if (this.rate > 0 && this.rng.float() < this.rate && this.flip(m)) {
      // Off a real wire nothing is known good: both checks run at the receiver.
      m.csumValid = false
      m.csumL4 = false
    } else this.passed++
    this.send(out, m)
  }

  /** Flip one bit of the transport payload; false when the frame has none (left alone). */
  private flip(m: Mbuf): boolean {
    const d = m.data
    const o = m.off
    if (m.len < ETHER_HLEN + 20 || ((d[o + 12]! << 8) | d[o + 13]!) !== ETHERTYPE_IP) return false
    const ip = o + ETHER_HLEN
    const ihl = (d[ip]! & 0x0f) * 4
    const total = (d[ip + 2]! << 8) | d[ip + 3]!
    const proto = d[ip + 9]!
    const l4 = ip + ihl
    let hdr: number
    if (proto === IpProto.TCP) hdr = (d[l4 + 12]! >> 4) * 4
    else if (proto === IpProto.UDP) hdr = 8
    else return false
    const payload = total - ihl - hdr
    if (payload <= 0 || ETHER_HLEN + total > m.len) return false
    const bit = this.rng.int(payload * 8)
    d[l4 + hdr + (bit >> 3)]! ^= 1 << (bit & 7)
    if (proto === IpProto.TCP) this.tcpCorrupted++
    else this.udpCorrupted++
    return true
  }
}

export interface CorruptLab {
  net: Net
  host: Host
  a: Syscalls
  b: Syscalls
  wire: CorruptNode
}

/** Jails a (10.0.0.1) and b (10.0.0.2) joined by ng_eiface — corrupt — ng_eiface. */
export function corruptLab(seed: number, rate: number): CorruptLab {
  const { net, host, a, b, ng, graph, pathA, pathB } = eifacePair(seed)
  const wire = new CorruptNode(graph, host.vnet0.env.rng.stream('corrupt'), rate)
  graph.attach(wire)
  const path = `[${wire.id.toString(16)}]:`
  ng.connect(path, pathA, 'a', 'ether')
  ng.connect(path, pathB, 'b', 'ether')
  return { net, host, a, b, wire }
}

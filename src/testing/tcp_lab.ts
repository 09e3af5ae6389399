/**
 * Test support for TCP reliability tests: two vnet jails a (10.0.0.1) and b (10.0.0.2) joined
 * through ng_eiface — ng_pipe — ng_eiface (the pipe shaped by an ng_pipe `setcfg` string), plus
 * the small helpers those tests share: a connected pair, a deterministic byte pattern, hashing, a
 * reader that records the longest silence in virtual time, and a forger of bare TCP segments.
 * Tests only; nothing in the stack imports it.
 */

import { createHash } from 'node:crypto'
import { Host } from '../host/host.js'
import {
  AF_INET,
  type NgSocket,
  SO,
  SOCK,
  SOL_SOCKET,
  type SocketFd,
  type Syscalls,
} from '../host/syscalls.js'
import { parseNgValue } from '../netgraph/ascii.js'
import type { NgGraph } from '../netgraph/graph.js'
import { netgraph } from '../netgraph/types.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { TCP_HDR_LEN, type TcpOptions, tcpFinish, writeTcpHeader } from '../wire/inet/tcp.js'
import { ip, Net } from './net.js'

export const A = ip('10.0.0.1')
export const B = ip('10.0.0.2')

export interface PipeLab {
  net: Net
  host: Host
  a: Syscalls
  b: Syscalls
  /** ng_pipe setcfg on the pipe, while running. */
  setcfg(cfg: string): void
}

/** Jails a and b, each with an ng_eiface whose `ether` hook (at pathA / pathB) the caller joins. */
export interface EifacePair {
  net: Net
  host: Host
  a: Syscalls
  b: Syscalls
  /** The host's netgraph socket and vnet0's graph, where the eifaces live. */
  ng: NgSocket
  graph: NgGraph
  pathA: string
  pathB: string
}

/** A host of `seed` in virtual time with jails a (10.0.0.1/24) and b (10.0.0.2/24) on ng_eifaces. */
export function eifacePair(seed: number): EifacePair {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed })
  const net = new Net(host, { jails: ['a', 'b'] })
  const root = net.root
  const ng = root.ngSocket()
  const graph = netgraph(host.vnet0)
  const eiface = () => {
    const path = `[${graph.create('eiface').id.toString(16)}]:`
    return { path, name: parseNgValue(ng.msg(path, 'getifname', '').response!) as string }
  }
  const ea = eiface()
  const eb = eiface()
  root.ifMoveToJail(ea.name, 'a')
  root.ifMoveToJail(eb.name, 'b')
  const a = root.attach('a')
  const b = root.attach('b')
  a.ifAddAddr(ea.name, A, 24)
  b.ifAddAddr(eb.name, B, 24)
  return { net, host, a, b, ng, graph, pathA: ea.path, pathB: eb.path }
}

/** a and b through an ng_pipe configured with `cfg` (downstream: a to b). */
export function pipeLab(seed: number, cfg: string): PipeLab {
  const { net, host, a, b, ng, pathA, pathB } = eifacePair(seed)
  const info = ng.mkpeer(pathA, 'pipe', 'ether', 'upper')
  const pipe = `[${info.id.toString(16)}]:`
  ng.connect(pipe, pathB, 'lower', 'ether')
  const setcfg = (c: string): void => void ng.msg(pipe, 'setcfg', c)
  setcfg(cfg)
  return { net, host, a, b, setcfg }
}

/** A listener on `ssys` port `port` and a client from `csys` connected to it. */
export async function connectedPair(
  csys: Syscalls,
  ssys: Syscalls,
  addr: number,
  port: number,
  backlog = 64,
): Promise<{ cli: SocketFd; srv: SocketFd; lsn: SocketFd }> {
  const lsn = ssys.socket(AF_INET, SOCK.STREAM)
  lsn.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
  lsn.bind({ addr: 0, port })
  lsn.listen(backlog)
  const cli = csys.socket(AF_INET, SOCK.STREAM)
  const acc = lsn.accept()
  await cli.connect({ addr, port })
  const { fd } = await acc
  return { cli, srv: fd, lsn }
}

/** `n` pseudo-random bytes from `seed` (an LCG: cheap, and any shift in the stream shows in the hash). */
export function pattern(n: number, seed: number): Uint8Array {
  const d = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    d[i] = x >>> 24
  }
  return d
}

export const sha256 = (d: Uint8Array): string => createHash('sha256').update(d).digest('hex')

/** Read `s` to end of file and return every byte. */
export async function readAll(s: SocketFd): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let n = 0
  for (;;) {
    const d = await s.recv(65536)
    if (d.length === 0) break
    parts.push(d)
    n += d.length
  }
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** What a reader saw: the bytes' hash and count, and the longest virtual-time gap between arrivals. */
export interface ReadResult {
  hash: string
  bytes: number
  /** Longest time (ns) between two reads that returned data (or from the first call to the first data). */
  maxGapNs: number
}

/** Read `s` to end of file, hashing as it goes; `now` is the virtual clock. */
export async function readTimed(s: SocketFd, now: () => number): Promise<ReadResult> {
  const h = createHash('sha256')
  let bytes = 0
  let last = now()
  let maxGapNs = 0
  for (;;) {
    const d = await s.recv(65536)
    const t = now()
    if (t - last > maxGapNs) maxGapNs = t - last
    last = t
    if (d.length === 0) break
    h.update(d)
    bytes += d.length
  }
  return { hash: h.digest('hex'), bytes, maxGapNs }
}

/**
 * Send one bare TCP segment from `sys` through a raw socket with a spoofed source, as an off-path
 * attacker would: src:sport -> dst:dport with the given numbers, flags, payload and options.
 */
export function forgeSegment(
  sys: Syscalls,
  src: number,
  sport: number,
  dst: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array = new Uint8Array(0),
  to: TcpOptions | null = null,
): void {
  const raw = sys.rawSocket(6)
  const buf = new Uint8Array(TCP_HDR_LEN + 40 + payload.length)
  const hl = writeTcpHeader(buf, 0, sport, dport, seq >>> 0, ack >>> 0, flags, 65535, 0, to)
  buf.set(payload, hl)
  const seg = buf.subarray(0, hl + payload.length)
  tcpFinish(seg, 0, seg.length, src, dst)
  raw.send(dst, seg, { src })
  raw.close()
}

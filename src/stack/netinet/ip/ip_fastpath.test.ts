/**
 * The IPv4 forwarding hot path allocates nothing per packet: minimum-size UDP frames handed to a
 * router's interface (as a driver would, as `npm run bench` does) are forwarded to a destination
 * that drops them, plain, through ipfw (ten rules the packets fail, then allow) and through ipfw
 * NAT, in virtual time. After a warm-up (ARP resolved, the pool holding what the path needs, the
 * code optimised), a window of packets must take no new buffer from the pool nor leave one in use,
 * and must leave the JavaScript heap as it found it: no garbage collection during the window and
 * a heap growth far below one boxed number per packet. The window is synchronous (each frame runs
 * to completion inside `receive`), so nothing else runs in it.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GCProfiler, getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Host } from '../../../host/host.js'
import type { Syscalls } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { compileRule } from '../../../userland/sbin/ipfw/compile.js'
import { IpProto, writeIpv4Header } from '../../../wire/inet/ipv4.js'
import { EtherType, writeEthernetHeader } from '../../../wire/link/ethernet.js'
import type { Ifnet } from '../../net/ifnet.js'

const WARM = 100_000
const WINDOW = 200_000
/**
 * Heap growth allowed over the window, bytes: one HeapNumber per packet would be 12 × WINDOW;
 * what is left for the rest is what a late optimisation of the path may install.
 */
const HEAP_SLACK = 512 * 1024

/** A collector the test can call: `--expose-gc` set at run time, `gc` taken from a fresh context. */
function gcFn(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

const addr = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0)

interface Lab {
  host: Host
  root: Syscalls
  ingress: Ifnet
  egress: Ifnet
  frame: Uint8Array
}

/** src (198.18.0.1) — r1 — dst (198.18.1.2), every frame addressed beyond dst (dropped there). */
function lab(): Lab {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 })
  const root = host.syscalls()
  for (const j of ['src', 'r1', 'dst'])
    root.jailCreate([
      ['name', j],
      ['vnet', true],
      ['persist', true],
    ])
  const l0 = root.ifCreate('epair')
  const l1 = root.ifCreate('epair')
  const b = (a: string) => `${a.slice(0, -1)}b`
  root.ifMoveToJail(l0, 'src')
  root.ifMoveToJail(b(l0), 'r1')
  root.ifMoveToJail(l1, 'r1')
  root.ifMoveToJail(b(l1), 'dst')
  const [src, r1, dst] = ['src', 'r1', 'dst'].map((j) => root.attach(j)) as [Syscalls, Syscalls, Syscalls]
  src.ifAddAddr(l0, addr('198.18.0.1'), 24)
  r1.ifAddAddr(b(l0), addr('198.18.0.2'), 24)
  r1.ifAddAddr(l1, addr('198.18.1.1'), 24)
  dst.ifAddAddr(b(l1), addr('198.18.1.2'), 24)
  r1.routeAdd({ dst: 0, prefixLen: 0, gateway: addr('198.18.1.2') })
  dst.routeAdd({ dst: 0, prefixLen: 0, gateway: addr('198.18.1.1') })
  r1.sysctlSet('net.inet.ip.forwarding', '1')
  const vnet = (j: string) => host.prison0.findDescendant(j)!.vnet
  const ingress = vnet('r1').ifByName(b(l0))!
  const egress = vnet('dst').ifByName(b(l1))!
  const frame = new Uint8Array(60)
  writeEthernetHeader(frame, 0, ingress.mac, ingress.peer!.mac, EtherType.IPV4)
  writeIpv4Header(frame, 14, addr('198.18.0.1'), addr('198.19.0.1'), IpProto.UDP, 64, 0, 1, 26, 0)
  frame.set([0, 9, 0, 9, 0, 26, 0, 0], 34)
  return { host, root, ingress, egress, frame }
}

function inject(l: Lab, n: number): void {
  const pool = l.host.env.pool
  for (let i = 0; i < n; i++) {
    const m = pool.get(l.frame.length)
    m.data.set(l.frame, m.off)
    m.len = l.frame.length
    l.ingress.receive(m)
  }
}

function checkWindow(l: Lab): void {
  const gc = gcFn()
  const pool = l.host.env.pool
  inject(l, WARM)
  gc()
  gc()
  const allocated = pool.allocated
  const inUse = pool.inUse
  const delivered = l.egress.stats.ipackets
  const profiler = new GCProfiler()
  const heap0 = getHeapStatistics().used_heap_size
  profiler.start()
  inject(l, WINDOW)
  const heap1 = getHeapStatistics().used_heap_size
  const gcs = profiler.stop()?.statistics.length ?? 0
  l.host.clock.stop()
  // The path was taken: every frame of the window arrived at the destination.
  assert.equal(l.egress.stats.ipackets - delivered, WINDOW)
  assert.equal(pool.allocated, allocated, 'buffers taken from the pool beyond its free list')
  assert.equal(pool.inUse, inUse, 'buffers left in use')
  assert.equal(gcs, 0, `garbage collections during ${WINDOW} packets`)
  assert.ok(heap1 - heap0 < HEAP_SLACK, `heap grew by ${heap1 - heap0} bytes over ${WINDOW} packets`)
}

const rule = (text: string) => compileRule(text.split(' '))

test('forwarding through a router allocates nothing per packet', () => {
  checkWindow(lab())
})

test('forwarding through ipfw (10 rules the packets fail, then allow) allocates nothing per packet', () => {
  const l = lab()
  l.root.kenvSet('net.inet.ip.fw.default_to_accept', '1')
  l.root.kldload('ipfw')
  const rules = Array.from({ length: 10 }, (_, i) => rule(`${i + 1} deny udp from 10.0.${i}.0/24 to any 53`))
  l.root.attach('r1').ipfwCtl({ op: 'add', rules: [...rules, rule('11 allow ip from any to any')] })
  checkWindow(l)
})

test('forwarding through an ipfw NAT allocates nothing per packet', () => {
  const l = lab()
  l.root.kenvSet('net.inet.ip.fw.default_to_accept', '1')
  l.root.kldload('ipfw_nat')
  const r1 = l.root.attach('r1')
  const wan = l.egress.peer!.name
  r1.ipfwCtl({
    op: 'nat-config',
    cfg: { id: 1, ip: addr('198.18.1.1'), ifName: '', mode: 0, portLo: 0, portHi: 0, redirs: [] },
  })
  r1.ipfwCtl({ op: 'add', rules: [rule(`100 nat 1 ip from any to any via ${wan}`)] })
  checkWindow(l)
})

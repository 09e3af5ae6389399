/**
 * Random frames into the parsers of this folder: tagged frames of any length and content into a
 * vlan trunk (and through Q-in-Q), and random GRE and IP-in-IP payloads into tunnels. Nothing
 * throws, the run-queue records no error, no buffer leaks, every frame is received and each one
 * too short or of an unknown VLAN is counted as a drop on the parent.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { startProcess } from '../../../userland/process.js'
import { programs } from '../../../userland/programs.js'
import { capture } from '../../../userland/testkit.js'
import { parseIpv4 } from '../../../wire/addr.js'
import { writeIpv4Header } from '../../../wire/inet/ipv4.js'
import type { Ifnet } from '../ifnet.js'

async function world(script: string) {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 9 })
  const sys = host.syscalls()
  const io = capture()
  const status = await startProcess(sys, ['sh', '-c', script], io, { programs }).done
  assert.equal(status, 0, io.err())
  const ifp = (name: string): Ifnet => host.vnet0.ifByName(name)!
  return { host, sys, ifp }
}

test('random tagged frames into a vlan trunk: no throw, every frame counted', async () => {
  const w = await world(`ifconfig epair create >/dev/null
ifconfig epair0b up
ifconfig epair0b.5 create
ifconfig epair0b.5 up
ifconfig vlan create vlandev epair0b.5 vlan 42 vlanproto 802.1q >/dev/null
ifconfig vlan0 10.0.0.2/24 up`)
  const ep = w.ifp('epair0b')
  const inUse = w.host.env.pool.inUse
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          tpid: fc.constantFrom(0x8100, 0x88a8, 0x0800),
          vid: fc.constantFrom(5, 42, 7, 4095, 0),
          inner: fc.constantFrom(0x8100, 0x88a8, 0x0800, 0x86dd, 0x1234),
          vid2: fc.constantFrom(42, 43),
          len: fc.integer({ min: 0, max: 120 }),
          seed: fc.integer({ min: 0, max: 255 }),
        }),
        { maxLength: 20 },
      ),
      async (frames) => {
        const before = ep.stats.ipackets
        const drops = () => ep.stats.ierrors + ep.stats.noproto + ep.stats.idrops
        const dropsBefore = drops()
        for (const f of frames) {
          const b = new Uint8Array(f.len)
          for (let i = 0; i < b.length; i++) b[i] = (f.seed * 31 + i * 7) & 0xff
          if (b.length >= 6) b.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0)
          if (b.length >= 14) b.set([f.tpid >>> 8, f.tpid & 0xff], 12)
          if (b.length >= 16) b.set([f.vid >>> 8, f.vid & 0xff], 14)
          if (b.length >= 18) b.set([f.inner >>> 8, f.inner & 0xff], 16)
          if (b.length >= 20) b.set([f.vid2 >>> 8, f.vid2 & 0xff], 18)
          ep.receive(w.host.env.pool.copyIn(b))
        }
        await w.sys.nanosleep(1000)
        assert.equal(ep.stats.ipackets - before, frames.length)
        // Frames too short for a tag or with an unknown id are counted on the parent; a VID 0 tag
        // is a priority tag, the frame then untagged and the parent's own.
        const bad = frames.filter(
          (f) =>
            f.len < 14 || (f.tpid !== 0x0800 && (f.len < 18 || (f.vid !== 5 && f.vid !== 42 && f.vid !== 0))),
        )
        assert.ok(drops() - dropsBefore >= bad.length)
        assert.equal(w.host.env.netisr.errors, 0)
      },
    ),
    { numRuns: 100, seed: 42 },
  )
  // Nothing is held: every buffer went back to the pool (ARP may keep one waiting packet per host).
  assert.ok(w.host.env.pool.inUse - inUse <= 4, `${w.host.env.pool.inUse - inUse} buffers held`)
})

test('random GRE and IP-in-IP payloads into tunnels: no throw, no error on the run-queue', async () => {
  const w = await world(`ifconfig epair create >/dev/null
ifconfig epair0b 192.0.2.2/24 up
ifconfig gre0 create tunnel 192.0.2.2 192.0.2.1 grekey 9
ifconfig gre0 inet 10.2.0.2/32 10.2.0.1 up
ifconfig gif0 create tunnel 192.0.2.2 192.0.2.1
ifconfig gif0 inet 10.1.0.2/32 10.1.0.1 up`)
  const ep = w.ifp('epair0b')
  const src = parseIpv4('192.0.2.1')!
  const dst = parseIpv4('192.0.2.2')!
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(4, 41, 47), fc.uint8Array({ maxLength: 80 })), { maxLength: 20 }),
      async (pkts) => {
        for (const [proto, payload] of pkts) {
          const f = new Uint8Array(14 + 20 + payload.length)
          for (let i = 0; i < 6; i++) f[i] = Math.floor(ep.mac / 256 ** (5 - i)) % 256
          f.set([2, 0, 0, 0, 0, 1], 6)
          f[12] = 0x08
          writeIpv4Header(f, 14, src, dst, proto, 64, 0, 1, payload.length, 0)
          f.set(payload, 34)
          ep.receive(w.host.env.pool.copyIn(f))
        }
        await w.sys.nanosleep(1000)
        assert.equal(w.host.env.netisr.errors, 0)
      },
    ),
    { numRuns: 100, seed: 7 },
  )
})

/**
 * Test support: scripts run by VirtNet's sh on a fresh virtual-clock host, as `virtnet sh` runs
 * them, for tests that check what a user would type and see, and a tap on what an interface sends.
 * Tests only.
 */

import assert from 'node:assert/strict'
import type { Mbuf } from '../buf/mbuf.js'
import { Host } from '../host/host.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import type { Ifnet } from '../stack/net/ifnet.js'
import { runScript } from '../userland/bin/sh/shell.js'
import { MemFs } from '../userland/bin/sh/streams.js'
import { startProcess } from '../userland/process.js'
import { makePrograms, programs } from '../userland/programs.js'
import { capture, type RunResult } from '../userland/testkit.js'

/** A script run by VirtNet's sh on a fresh virtual-clock host (seed 1), as `virtnet sh` runs one. */
export async function shOnHost(script: string, fs = new MemFs()): Promise<RunResult> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const io = capture()
  const programs = makePrograms([['script', { run: (_a, sio, proc) => runScript(script, sio, proc) }]])
  const status = await startProcess(host.syscalls(), ['script'], io, { programs, fs }).done
  host.clock.stop()
  return { status, out: io.out(), err: io.err() }
}

/**
 * A virtual-clock host whose scripts run in sh (`run`), and its interfaces by jail name (`ifp`; ''
 * for the host's own stack), for tests that configure with commands and look at the kernel.
 */
export function shellWorld(seed: number) {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed })
  const sys = host.syscalls()
  const run = async (script: string): Promise<RunResult> => {
    const io = capture()
    const status = await startProcess(sys, ['sh', '-c', script], io, { programs }).done
    return { status, out: io.out(), err: io.err() }
  }
  const ifp = (jail: string, name: string): Ifnet => {
    const v = jail === '' ? host.vnet0 : host.allJails().find((j) => j.name === jail)!.vnet
    const i = v.ifByName(name)
    assert.ok(i, `${name} in ${jail}`)
    return i
  }
  return { host, sys, run, ifp }
}

/** Record the bytes of every frame an interface puts on its link. */
export function wiretap(ifp: Ifnet): Uint8Array[] {
  const frames: Uint8Array[] = []
  const link = ifp.link!
  const orig = link.transmit.bind(link)
  link.transmit = (m: Mbuf) => {
    frames.push(m.data.slice(m.off, m.off + m.len))
    orig(m)
  }
  return frames
}

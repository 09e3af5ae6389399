/**
 * The isolation fuzzer's read half: what a context can learn. Random read-only commands (netstat,
 * arp, route get, ifconfig, jls, sysctl) from a jail on the host's stack (root and nobody) and from
 * nobody everywhere, between random changes the host's root makes, must not print an address of
 * anyone else's interfaces, routes or ARP entries: a jail on a shared stack sees only what concerns
 * its own addresses (FreeBSD's prison_if, can_export_rte — issue 7 finding 3), a vnet only its own.
 * Addresses the command line named itself are not counted. Seeded; VIRTNET_FUZZ_RUNS /
 * VIRTNET_FUZZ_SEED as for the main fuzzer.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import {
  buildWorld,
  CONTEXTS,
  contextSys,
  foreignAddrs,
  ifaceNames,
  leaked,
  looksLikeCrash,
  NOBODY,
  run,
} from '../testing/isolation.js'
import { Choices, genCommand, genRead } from '../testing/isolation_gen.js'
import { Host } from './host.js'

const RUNS = Number(process.env.VIRTNET_FUZZ_RUNS ?? 60)
const SEED = Number(process.env.VIRTNET_FUZZ_SEED ?? 0x1ea)
const HOST_ROOT = CONTEXTS.find((c) => c.jail === '' && c.uid === 0)!
const READERS = CONTEXTS.filter((c) => c.jail === 'p' || c.uid === NOBODY)

async function runSteps(steps: ReadonlyArray<{ ctx: number; cmd: number[] }>): Promise<void> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 7 })
  buildWorld(host)
  const log: string[] = []
  for (const s of steps) {
    // Index READERS.length: the host's root changes something (a route, an alias, a jail ...).
    const ctx = READERS[s.ctx] ?? HOST_ROOT
    const sys = contextSys(host, ctx)
    if (sys === null) continue
    const ch = new Choices(s.cmd, ifaceNames(host))
    const argv = ctx === HOST_ROOT ? genCommand(ch, 0) : genRead(ch)
    log.push(`${ctx.label}: ${argv.join(' ')}`)
    const foreign = foreignAddrs(host, ctx)
    const r = await run(sys, argv)
    const crash = looksLikeCrash(r, argv)
    if (crash !== null) assert.fail(`crash: ${crash}\nafter:\n  ${log.join('\n  ')}`)
    if (ctx === HOST_ROOT) continue
    const seen = leaked(`${r.out}\n${r.err}`, foreign, argv)
    if (seen.length > 0)
      assert.fail(`${ctx.label} saw ${seen.join(', ')}:\n${r.out}${r.err}\nafter:\n  ${log.join('\n  ')}`)
  }
}

test('no context reads addresses that are not its own', async () => {
  const step = fc.record({
    ctx: fc.nat({ max: READERS.length }),
    cmd: fc.array(fc.nat({ max: 0xffff }), { maxLength: 12 }),
  })
  const out = await fc.check(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), runSteps), {
    numRuns: RUNS,
    seed: SEED,
  })
  if (out.failed)
    assert.fail(
      `seed ${out.seed}, path ${out.counterexamplePath}, shrunk ${out.numShrinks} times:\n` +
        `${JSON.stringify(out.counterexample)}\n${out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)}`,
    )
})

test('the leak check sees an address', () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 7 })
  buildWorld(host)
  const p = CONTEXTS.find((c) => c.jail === 'p' && c.uid === 0)!
  const foreign = foreignAddrs(host, p)
  assert.deepEqual(leaked('inet 10.2.0.1 netmask 0xffffff00', foreign, ['ifconfig']), ['10.2.0.1'])
  // Its own address, a longer one, and one the command line named are not leaks.
  assert.deepEqual(leaked('10.0.0.1 10.2.0.10 110.2.0.1 10.2.0.1', foreign, ['route', 'get', '10.2.0.1']), [])
})

/**
 * The isolation fuzzer's teardown half: random clones, renames (onto the parent's names too),
 * lending, reclaiming and jail creation and removal, run by the roots of the host, a vnet jail, its
 * child and its sibling. Besides the boundary rule of isolation_fuzz.test.ts, every removal of a jail
 * must leave the surviving vnets' own interfaces exactly as they were and give every lent interface
 * back (FreeBSD's vnet teardown; issue 7 finding 1). Seeded; VIRTNET_FUZZ_RUNS / VIRTNET_FUZZ_SEED
 * as for the main fuzzer.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import {
  buildWorld,
  CONTEXTS,
  contextSys,
  crossings,
  ifaceNames,
  looksLikeCrash,
  Observer,
  ownIfaceNames,
  run,
  teardownLosses,
} from '../testing/isolation.js'
import { Choices, genTeardown } from '../testing/isolation_gen.js'
import { Host } from './host.js'

const RUNS = Number(process.env.VIRTNET_FUZZ_RUNS ?? 100)
const SEED = Number(process.env.VIRTNET_FUZZ_SEED ?? 1)
const ROOTS = CONTEXTS.filter((c) => c.uid === 0 && c.jail !== 'p')

async function runSteps(steps: ReadonlyArray<{ ctx: number; cmd: number[] }>): Promise<void> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 7 })
  buildWorld(host)
  const obs = new Observer(host)
  const log: string[] = []
  for (const s of steps) {
    const ctx = ROOTS[s.ctx]!
    const sys = contextSys(host, ctx)
    if (sys === null) continue
    const actor = ctx.jail === '' ? host.prison0 : host.prison0.findDescendant(ctx.jail)!
    const argv = genTeardown(new Choices(s.cmd, ifaceNames(host)), ownIfaceNames(host, ctx))
    log.push(`${ctx.label}: ${argv.join(' ')}`)
    const fail = (what: string) => assert.fail(`${what}\nafter:\n  ${log.join('\n  ')}`)
    const before = obs.snapshot()
    const r = await run(sys, argv)
    const crash = looksLikeCrash(r, argv)
    if (crash !== null) fail(`crash: ${crash}`)
    const after = obs.snapshot()
    const crossed = crossings(before, after, actor, 0)
    if (crossed.length > 0) fail(`changed state across a boundary:\n  ${crossed.join('\n  ')}`)
    const lost = teardownLosses(before, after)
    if (lost.length > 0) fail(`a jail's removal changed a surviving vnet:\n  ${lost.join('\n  ')}`)
  }
}

test('removing a jail gives back what was lent and touches nothing else', async () => {
  const step = fc.record({
    ctx: fc.nat({ max: ROOTS.length - 1 }),
    cmd: fc.array(fc.nat({ max: 0xffff }), { maxLength: 4 }),
  })
  const out = await fc.check(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), runSteps), {
    numRuns: RUNS,
    seed: SEED,
  })
  if (out.failed)
    assert.fail(
      `seed ${out.seed}, path ${out.counterexamplePath}, shrunk ${out.numShrinks} times:\n` +
        `${JSON.stringify(out.counterexample)}\n${out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)}`,
    )
})

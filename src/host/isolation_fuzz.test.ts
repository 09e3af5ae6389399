/**
 * The isolation fuzzer: random command lines (testing/isolation_gen.ts) run from every privilege
 * context of one world (testing/isolation.ts) — the host, a vnet jail, its sibling, a jail on the
 * host's stack, a vnet grandchild, each as root and as nobody — in random order. Around every
 * command the whole host is snapshotted; the command may change only its own vnet (root of a jail
 * that owns one) and its own descendants, and nothing at all as nobody. No command may crash
 * (JavaScript error texts, EX_SOFTWARE, an exception out of the process, a run-queue exception).
 *
 * Seeded and deterministic. On failure fast-check prints the seed, the path and the shrunk list of
 * steps; the error message spells them out as `context: command line`. Longer runs:
 * VIRTNET_FUZZ_RUNS=100000 (and VIRTNET_FUZZ_SEED=N to pick another seed) — see docs/security.md.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import {
  buildWorld,
  CONTEXTS,
  type Context,
  contextSys,
  crossings,
  ifaceNames,
  looksLikeCrash,
  Observer,
  run,
  teardownLosses,
} from '../testing/isolation.js'
import { Choices, genCommand } from '../testing/isolation_gen.js'
import { Host } from './host.js'

const RUNS = Number(process.env.VIRTNET_FUZZ_RUNS ?? 60)
const SEED = Number(process.env.VIRTNET_FUZZ_SEED ?? 0x150)
// VIRTNET_FUZZ_TRACE=1 prints every command with its exit status.
const TRACE = process.env.VIRTNET_FUZZ_TRACE === '1'

interface Step {
  ctx: number
  cmd: number[]
}

const step: fc.Arbitrary<Step> = fc.record({
  ctx: fc.nat({ max: CONTEXTS.length - 1 }),
  cmd: fc.array(fc.nat({ max: 0xffff }), { maxLength: 24 }),
})

function show(c: Context, argv: readonly string[]): string {
  return `${c.label}: ${argv.map((a) => (/^[\w.,:/=@%+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}`
}

/** Runs the steps in a fresh world; throws with the command lines so far on the first violation. */
async function runSteps(steps: readonly Step[]): Promise<void> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 7 })
  buildWorld(host)
  const obs = new Observer(host)
  const log: string[] = []
  for (const s of steps) {
    const ctx = CONTEXTS[s.ctx]!
    const sys = contextSys(host, ctx)
    if (sys === null) continue // its jail is gone
    const actor = ctx.jail === '' ? host.prison0 : host.prison0.findDescendant(ctx.jail)!
    const argv = genCommand(new Choices(s.cmd, ifaceNames(host)))
    log.push(show(ctx, argv))
    const fail = (what: string) => {
      throw new Error(`${what}\nafter:\n  ${log.join('\n  ')}`)
    }
    const before = obs.snapshot()
    let r: Awaited<ReturnType<typeof run>>
    try {
      r = await run(sys, argv)
    } catch (e) {
      fail(`threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
      return
    }
    if (TRACE) console.log(r.status, show(ctx, argv))
    const crash = looksLikeCrash(r, argv)
    if (crash !== null) fail(`crash: ${crash}\nstdout: ${r.out}\nstderr: ${r.err}`)
    if (host.env.netisr.errors !== 0) fail('the run-queue caught an exception')
    const after = obs.snapshot()
    const crossed = crossings(before, after, actor, ctx.uid)
    if (crossed.length > 0) fail(`changed state across a boundary:\n  ${crossed.join('\n  ')}`)
    const lost = teardownLosses(before, after)
    if (lost.length > 0) fail(`a jail's removal changed a surviving vnet:\n  ${lost.join('\n  ')}`)
  }
}

test('no command from any context changes state across a boundary or crashes', async () => {
  const out = await fc.check(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), runSteps), {
    numRuns: RUNS,
    seed: SEED,
  })
  if (out.failed)
    assert.fail(
      `seed ${out.seed}, path ${out.counterexamplePath} (VIRTNET_FUZZ_SEED=${out.seed}), shrunk ${out.numShrinks} times:\n` +
        `${JSON.stringify(out.counterexample)}\n${out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)}`,
    )
})

test('the world: every context can run a command, and the boundary check sees a crossing', async () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 7 })
  buildWorld(host)
  for (const c of CONTEXTS) {
    const sys = contextSys(host, c)
    assert.ok(sys !== null, c.label)
    const r = await run(sys, ['hostname'])
    assert.equal(r.status, 0, `${c.label}: ${r.err}`)
  }
  // The checker itself: host root's change to the sibling's vnet is a crossing for v's root, and
  // v's own change is not.
  const obs = new Observer(host)
  const root = host.syscalls()
  const v = host.prison0.findDescendant('v')!
  let before = obs.snapshot()
  await run(root, ['jexec', 's', 'ifconfig', 'epair2b', 'mtu', '1400'])
  assert.match(crossings(before, obs.snapshot(), v, 0).join('\n'), /ifnets.*epair2b/)
  before = obs.snapshot()
  await run(root, ['jexec', 'v', 'ifconfig', 'epair0b', 'mtu', '1400'])
  assert.deepEqual(crossings(before, obs.snapshot(), v, 0), [])
  assert.match(crossings(before, obs.snapshot(), v, 65534).join('\n'), /ifnets.*epair0b/)
})

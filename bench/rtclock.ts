/**
 * The rtclock group: how exactly and how cheaply the host clock keeps real time. A lone timer
 * re-armed at random gaps (0.5–3.5 ms, so deadlines fall at all phases of the OS timer) gives the
 * clock's own lateness; the 10 ms pipe (bench/pipe_delay.ts) adds the software path a delayed frame
 * takes. The CPU rows are what waiting costs the process: an idle clock (one timer a minute away)
 * must cost nothing, and a timer every 10 ms only the few microseconds of its last stretch.
 */

import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import { Clock, MS, US } from '../src/util/clock.js'
import { Rng } from '../src/util/rng.js'
import { type BenchConfig, collect, progress, quantile } from './harness.js'
import { benchPipeDelay } from './pipe_delay.js'
import type { Metric } from './report.js'

/** From the issue: the pipe's p99 error on an idle machine (software path included). */
const PIPE_P99_TARGET_US = 50
const TIMER_P99_TARGET_US = 20
/** CPU share the clock may take while waiting for a timer every 10 ms. */
const PERIODIC_CPU_TARGET = 0.05

/** Lateness of a timer re-armed `count` times at random gaps, µs. */
async function timerLateness(count: number): Promise<number[]> {
  const clock = new Clock('real', nodeClockDriver())
  const gaps = new Rng(11, 'gaps')
  const late: number[] = []
  await new Promise<void>((done) => {
    const t = clock.wakeTimer(() => {
      late.push((clock.now() - t.deadline) / US)
      if (late.length >= count) done()
      else t.arm((0.5 + gaps.float() * 3) * MS)
    })
    t.arm(MS)
  })
  clock.stop()
  return late
}

/** CPU time over wall time while the clock waits, with a timer every `periodMs` (0: one far away). */
async function waitingCpu(wallMs: number, periodMs: number): Promise<number> {
  const clock = new Clock('real', nodeClockDriver())
  const t = clock.wakeTimer(() => {
    if (periodMs > 0) t.armAt(t.deadline + periodMs * MS)
  })
  t.arm(periodMs > 0 ? periodMs * MS : 60_000 * MS)
  const c0 = process.cpuUsage()
  const w0 = performance.now()
  await new Promise((r) => setTimeout(r, wallMs))
  const c = process.cpuUsage(c0)
  const wall = performance.now() - w0
  clock.stop()
  return (c.user + c.system) / 1000 / wall
}

export async function rtclockMetrics(cfg: BenchConfig): Promise<Metric[]> {
  collect()
  progress('rtclock: timer lateness on the real clock')
  const late = await timerLateness(cfg.quick ? 200 : 2000)
  progress('rtclock: CPU while waiting')
  const idle = await waitingCpu(cfg.quick ? 200 : 2000, 0)
  const periodic = await waitingCpu(cfg.quick ? 200 : 2000, 10)
  progress('rtclock: 10 ms pipe delay error on the real clock')
  collect()
  const f = await benchPipeDelay({ quick: cfg.quick })
  return [
    {
      key: 'rtclock.timer_late_p50',
      name: 'real clock timer lateness, p50',
      value: quantile(late, 0.5),
      unit: 'µs',
      note: `${late.length} timers at random 0.5–3.5 ms gaps`,
    },
    {
      key: 'rtclock.timer_late_p99',
      name: 'real clock timer lateness, p99',
      value: quantile(late, 0.99),
      unit: 'µs',
      target: { kind: 'max', value: TIMER_P99_TARGET_US },
    },
    {
      key: 'rtclock.cpu_idle',
      name: 'real clock CPU while idle (next timer in 60 s)',
      value: idle * 100,
      unit: '%',
      target: { kind: 'max', value: 0.5 },
      note: 'process CPU time over wall time, GC and the bench loop included',
    },
    {
      key: 'rtclock.cpu_100hz',
      name: 'real clock CPU, a timer every 10 ms',
      value: periodic * 100,
      unit: '%',
      target: { kind: 'max', value: PERIODIC_CPU_TARGET * 100 },
    },
    {
      key: 'pipe_delay.p50',
      name: 'pipe 10 ms delay error, p50 (real clock)',
      value: f.p50us,
      unit: 'µs',
      note: `${f.samples} samples; arrival minus (send + 10 ms)`,
    },
    {
      key: 'pipe_delay.p99',
      name: 'pipe 10 ms delay error, p99 (real clock)',
      value: f.p99us,
      unit: 'µs',
      target: { kind: 'max', value: PIPE_P99_TARGET_US },
    },
  ]
}

/**
 * Measurement helpers shared by every benchmark group: a monotonic nanosecond clock, order
 * statistics, forced garbage collection and heap snapshots, progress logging, and the run
 * configuration (full or `--quick`). Nothing here knows about networking.
 */

/** Sizes and durations of one run; `--quick` shrinks everything to a smoke test. */
export interface BenchConfig {
  readonly quick: boolean
  /** Instance counts for the vnet creation benchmarks. */
  readonly createSizes: readonly number[]
  /** Repetitions per creation size (the median is reported), indexed like createSizes. */
  readonly createReps: readonly number[]
  /** Wall-time budget for one configured-creation run, ms; a run that exceeds it stops early. */
  readonly configuredBudgetMs: number
  /** Vnets created for the memory-per-vnet figure. */
  readonly memoryVnets: number
  /** Routers between the two ping end points. */
  readonly chains: readonly number[]
  /** Echo requests per repetition, and repetitions. */
  readonly pingCount: number
  readonly pingReps: number
  /** Chains (router counts) used for the forwarding rate. */
  readonly forwardChains: readonly number[]
  /** Wall time per forwarding repetition, ms, and repetitions. */
  readonly forwardMs: number
  readonly forwardReps: number
  /** Idle vnets present for the "under load" comparison. */
  readonly idleVnets: number
  /** Network namespaces per Linux creation run. */
  readonly netnsSizes: readonly number[]
  /**
   * Pings per chain for the Linux baseline, and the interval between them (s). Back to back (0), as
   * ours are: with idle gaps Linux's RTT grows severalfold (CPU idle states, cold caches).
   */
  readonly linuxPingCount: number
  readonly linuxPingInterval: number
  /** Alias counts on one interface: the small (baseline) and the large size. */
  readonly aliasCounts: readonly [number, number]
  /** Netgraph node counts for `ngctl list`: the small (baseline) and the large size. */
  readonly ngNodes: readonly [number, number]
  /** Wall time per TCP bulk or connection-rate repetition, ms, and repetitions. */
  readonly tcpMs: number
  readonly tcpReps: number
  /** The most short connections per connection-rate repetition (each leaves a TIME_WAIT behind). */
  readonly tcpConnMax: number
  /** Idle connections held open for the memory-per-connection figure. */
  readonly tcpIdleConns: number
  /** Whether to run the Linux baseline at all. */
  readonly linux: boolean
}

export function benchConfig(quick: boolean, linux: boolean): BenchConfig {
  if (quick)
    return {
      quick,
      createSizes: [1000],
      createReps: [1],
      configuredBudgetMs: 2000,
      memoryVnets: 1000,
      chains: [0, 1],
      pingCount: 200,
      pingReps: 1,
      forwardChains: [1],
      forwardMs: 50,
      forwardReps: 1,
      idleVnets: 1000,
      netnsSizes: [10],
      linuxPingCount: 20,
      linuxPingInterval: 0,
      aliasCounts: [200, 2000],
      ngNodes: [400, 4000],
      tcpMs: 50,
      tcpReps: 1,
      tcpConnMax: 500,
      tcpIdleConns: 200,
      linux,
    }
  return {
    quick,
    createSizes: [1000, 10000, 100000],
    createReps: [7, 5, 3],
    configuredBudgetMs: 30000,
    memoryVnets: 100000,
    chains: [0, 1, 4, 16],
    pingCount: 5000,
    pingReps: 7,
    forwardChains: [1, 4, 16],
    forwardMs: 150,
    forwardReps: 9,
    idleVnets: 100000,
    netnsSizes: [100, 1000],
    linuxPingCount: 2000,
    linuxPingInterval: 0,
    aliasCounts: [10000, 100000],
    ngNodes: [10000, 100000],
    tcpMs: 1000,
    tcpReps: 3,
    tcpConnMax: 15000,
    tcpIdleConns: 10000,
    linux,
  }
}

/** Monotonic time in nanoseconds. */
export function nowNs(): bigint {
  return process.hrtime.bigint()
}

/** Nanoseconds since t0, as a number. */
export function sinceNs(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0)
}

/** The p-quantile (0..1) of xs by nearest rank; NaN for an empty list. Does not modify xs. */
export function quantile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN
  const sorted = Float64Array.from(xs).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))
  return sorted[rank]!
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5)
}

/** Run fn `reps` times after `warmup` unrecorded runs; returns every recorded result. */
export function repeat<T>(reps: number, warmup: number, fn: (rep: number) => T): T[] {
  for (let i = 0; i < warmup; i++) fn(-1 - i)
  const out: T[] = []
  for (let i = 0; i < reps; i++) out.push(fn(i))
  return out
}

const gc = (globalThis as { gc?: () => void }).gc

/** Whether the process was started with --expose-gc. */
export function canCollect(): boolean {
  return gc !== undefined
}

/** Full collection, twice so that finalisation and weak callbacks settle; no-op without --expose-gc. */
export function collect(): void {
  if (gc === undefined) return
  gc()
  gc()
}

/** Bytes held by the JS heap and by buffers outside it, after a full collection. */
export function retainedBytes(): number {
  collect()
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}

/** 1000 → `1k`, 250 → `250`. */
export function countText(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n)
}

/** A progress line on stderr, so stdout carries only the report. */
export function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`)
}

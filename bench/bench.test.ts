/**
 * Smoke test of the benchmark suite: `run.js --quick` in a child process must finish, print the
 * table and write well-formed JSON. It asserts nothing about speed — benchmarks are for reading,
 * not for timed assertions.
 */

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const runJs = join(dirname(fileURLToPath(import.meta.url)), 'run.js')

test('bench --quick runs and writes valid JSON', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-bench-'))
  try {
    const out = join(dir, 'latest.json')
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', runJs, '--quick', '--out', out],
      {
        timeout: 115_000,
      },
    )
    assert.match(stdout, /^metric\s+value\s+unit\s+target\s+met\?\s+ratio/)
    const report = JSON.parse(readFileSync(out, 'utf8'))
    assert.equal(report.quick, true)
    assert.ok(Array.isArray(report.metrics) && report.metrics.length > 0)
    for (const m of report.metrics) {
      assert.equal(typeof m.key, 'string')
      assert.equal(typeof m.unit, 'string')
      assert.ok(m.value === null || Number.isFinite(m.value), `${m.key}: ${m.value}`)
      assert.ok(m.met === null || typeof m.met === 'boolean', m.key)
    }
    // Our own figures must be measured: a figure with no samples (n/a) means the benchmark broke.
    const values = new Map(report.metrics.map((m: { key: string; value: number | null }) => [m.key, m.value]))
    for (const k of [
      'vnet_create.bare.1000',
      'vnet_memory.idle',
      'ping.rtt_median.r0',
      'forward.mpps_per_hop.r1',
      'emulator.ready.tree_switch',
      'emulator.pingall',
      'pipe_delay.p99',
      'scale.alias_add.2000',
      'scale.ngctl_list.4000',
      'udp.kpps.r0',
      'ipfw.forward_cost.rules10',
      'nat.mpps.r1',
      'ping6.rtt_median.r1',
      'forward6.mpps_per_hop.r1',
      'tcp6.bulk.mtu1500.r0',
    ])
      assert.ok(typeof values.get(k) === 'number', `${k}: ${values.get(k)}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('bench --only tcp_conn runs the connection-rate row and nothing else', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-bench-'))
  try {
    const out = join(dir, 'latest.json')
    await promisify(execFile)(
      process.execPath,
      ['--expose-gc', runJs, '--quick', '--no-linux', '--only', 'tcp_conn', '--out', out],
      { timeout: 55_000 },
    )
    const report = JSON.parse(readFileSync(out, 'utf8'))
    const keys = report.metrics.map((m: { key: string }) => m.key)
    assert.deepEqual(keys, ['tcp.conn_per_s.r0'])
    assert.ok(report.metrics[0].value > 0, `conn/s: ${report.metrics[0].value}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('bench --only with an unknown group names the groups and the tcp_conn part', async () => {
  await assert.rejects(
    promisify(execFile)(process.execPath, [runJs, '--only', 'nosuch'], { timeout: 30_000 }),
    (e: { stderr: string }) => /unknown group nosuch \(.*tcp_conn/.test(e.stderr),
  )
})

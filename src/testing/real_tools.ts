/**
 * Test support for checks against real tools (tests only): whether a program is installed, and
 * Debian's `tcpdump -r` reading a pcap of ours with each flag set, which must print what ours does.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Whether `tool --version` runs. */
export function have(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** The flag sets both tcpdumps read every capture with. */
export const TCPDUMP_FLAGS = [
  '-nn -t',
  '-n -t',
  '-nn -t -v',
  '-nn -tt -vv',
  '-nn -t -e',
  '-nn -t -q',
  '-nn -t -S',
] as const

/** For each flag set, Debian's tcpdump prints `pcap` exactly as `ours(flags)` does. */
export async function assertTcpdumpAgrees(
  pcap: Uint8Array,
  ours: (flags: string) => Promise<string>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-cap-'))
  try {
    const f = join(dir, 'a.pcap')
    writeFileSync(f, pcap)
    for (const flags of TCPDUMP_FLAGS) {
      const real = execFileSync('tcpdump', [...flags.split(' '), '-r', f], {
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString()
      assert.equal(await ours(flags), real, `tcpdump ${flags}`)
    }
  } finally {
    rmSync(dir, { recursive: true })
  }
}

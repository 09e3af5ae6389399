/**
 * The README's own commands, in order, on a fresh clone: build, run the `virtnet` bin, build again
 * (as `npm test` does), and run the bin again. Every build deletes dist/ and tsc writes files
 * without the run bit, so the build itself must leave the bin executable. node_modules is linked
 * from this checkout to stay fast and offline. Skipped when git or the checkout is unavailable.
 */

import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = 'dist/src/platform/node/cli.js'

function skipReason(): string | undefined {
  if (spawnSync('git', ['--version']).status !== 0) return 'git is not installed'
  if (!existsSync(join(root, '.git'))) return `${root} is not a git checkout`
  if (!existsSync(join(root, 'node_modules'))) return 'node_modules is missing (run npm ci first)'
  return undefined
}

test('README flow on a fresh clone: build, npx virtnet, rebuild, npx virtnet', { skip: skipReason() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-readme-'))
  try {
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${root}`, dir], { stdio: 'pipe' })
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'junction')
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'
    const sh = (): void => {
      // The bin as npm links it (run directly: needs the run bit), then through npx.
      if (process.platform !== 'win32') {
        assert.ok((statSync(join(dir, BIN)).mode & 0o111) !== 0, `${BIN} is not executable`)
        const direct = spawnSync(join(dir, BIN), ['sh', '-c', 'echo ok'], { cwd: dir, encoding: 'utf8' })
        assert.equal(direct.stdout, 'ok\n', direct.stderr || String(direct.error))
      }
      const r = spawnSync(npx, ['--no-install', 'virtnet', 'sh', '-c', 'echo ok'], {
        cwd: dir,
        encoding: 'utf8',
      })
      assert.equal(r.stdout, 'ok\n', r.stderr)
      assert.equal(r.status, 0)
    }
    const build = (): void => {
      const r = spawnSync(npm, ['run', 'build'], { cwd: dir, encoding: 'utf8' })
      assert.equal(r.status, 0, r.stderr)
    }
    build()
    sh()
    build()
    sh()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

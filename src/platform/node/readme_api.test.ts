/**
 * The README's library example, as a user would run it: the `js` block of its "Library API" section,
 * saved inside the package and run with `node` from the package root, so `import … from 'virtnet'`
 * goes through package.json's `exports` (self-reference) to the built entry point. Its output must be
 * what the README's comments say.
 */

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')

test("README's library example runs through the package entry point and prints what it says", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Library API'))
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1]
  assert.ok(code !== undefined, 'no js block in the Library API section')
  assert.match(code, /from 'virtnet'/)
  const file = join(root, 'dist', `readme-example-${process.pid}.mjs`)
  writeFileSync(file, code)
  try {
    const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    assert.equal(r.status, 0, r.stderr)
    const said = /\/\/ (hello after [\d.]+ ms)/.exec(code)?.[1]
    assert.ok(said !== undefined)
    assert.equal(r.stdout.split('\n')[0], said)
    assert.match(r.stdout, /2 packets transmitted, 2 packets received, 0\.0% packet loss/)
    assert.match(r.stdout, /time=200\.586 ms/)
  } finally {
    rmSync(file, { force: true })
  }
})

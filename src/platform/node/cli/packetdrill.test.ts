/**
 * `virtnet packetdrill` as a user runs it (the built CLI in a child process: one line per script, a
 * total, the exit status), and FreeBSD's TCP test suite: every IPv4 and every IPv6 script of
 * `../shared/tcp-testsuite` (or PKT_TESTSUITE) runs, each in a fresh host. The scripts listed in
 * src/userland/usr.bin/packetdrill/passing.txt (IPv4) and passing6.txt (IPv6) must pass; the others are counted and their failures
 * summarised by cause. The suite is not part of the project, so that test skips, saying why, where
 * it is absent.
 */

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parseScript } from '../../../userland/usr.bin/packetdrill/parser.js'
import { pktFiles, runInFreshHost } from './packetdrill.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..')
const CLI = join(ROOT, 'dist/src/platform/node/cli.js')
const SUITE = resolve(ROOT, process.env.PKT_TESTSUITE ?? '../shared/tcp-testsuite')
const PASSING = join(ROOT, 'src/userland/usr.bin/packetdrill/passing.txt')
const PASSING6 = join(ROOT, 'src/userland/usr.bin/packetdrill/passing6.txt')
const absent = existsSync(SUITE)
  ? false
  : `../shared/tcp-testsuite absent: ${SUITE} not found (set PKT_TESTSUITE to run FreeBSD's TCP test suite)`

const tmp = mkdtempSync(join(tmpdir(), 'virtnet-pd-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

function virtnet(args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, out: r.stdout, err: r.stderr }
}

describe('virtnet packetdrill', () => {
  const good = join(tmp, 'good.pkt')
  const bad = join(tmp, 'bad.pkt')
  writeFileSync(good, '0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n+0 close(3) = 0\n')
  writeFileSync(bad, '0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n+0.5 close(4) = 0\n')

  test('one line per script, a total, exit 0 only when all pass', () => {
    assert.deepEqual(virtnet(['packetdrill', good]), {
      status: 0,
      out: `${good}: ok\n1 script: 1 passed, 0 failed\n`,
      err: '',
    })
    assert.deepEqual(virtnet(['packetdrill', good, bad]), {
      status: 1,
      out: `${good}: ok\n${bad}: FAILED line 2: expected close() = 0 got -1 EBADF\n2 scripts: 1 passed, 1 failed\n`,
      err: '',
    })
  })

  test('a directory runs every .pkt below it; -v traces; usage errors exit 64', () => {
    const r = virtnet(['packetdrill', '-v', '--tolerance_usecs', '1000', tmp])
    assert.equal(r.status, 1)
    assert.match(r.out, /^0\.000000 socket\(\) = 3\n/)
    assert.match(r.out, /0\.500000 close\(\) = 0\n/)
    assert.match(r.out, /2 scripts: 1 passed, 1 failed\n$/)
    const u = virtnet(['packetdrill', '--tolerance_usecs', 'x', good])
    assert.equal(u.status, 64)
    assert.match(
      u.err,
      /^virtnet: packetdrill: --tolerance_usecs: expected a number of microseconds, got 'x'\n/,
    )
    const m = virtnet(['packetdrill', join(tmp, 'missing.pkt')])
    assert.deepEqual(m, {
      status: 1,
      out: '',
      err: `virtnet: packetdrill: ${join(tmp, 'missing.pkt')}: No such file or directory\n`,
    })
  })
})

/** The listed names: one relative path a line, `#` comments and blank lines ignored. */
function listed(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '')
}

/** A failure message reduced to its cause, for counting (numbers and quoted details dropped). */
function cause(message: string): string {
  const m = /^expected (`sysctl -w ([^=`]+)=?[^`]*` to succeed)/.exec(message)
  if (m) return `sysctl ${m[2]} missing or refused`
  const sh = /^expected `(\S+)/.exec(message)
  if (sh && message.includes('to succeed')) return `command ${sh[1]} failed`
  const got = /\(([^)]*)\)$/.exec(message)
  if (got) return `segment differs: ${got[1]!.replace(/\d+/g, 'N')}`
  return message.replace(/\d+(\.\d+)?/g, 'N').slice(0, 90)
}

/**
 * Every script of one IP version runs; those its list names must pass, the others are counted and
 * their failures summarised by cause.
 */
function suiteTest(version: 'ipv4' | 'ipv6', count: number, listFile: string): void {
  const V = version === 'ipv4' ? 'IPv4' : 'IPv6'
  const list = listFile === PASSING ? 'passing.txt' : 'passing6.txt'
  test(
    `FreeBSD's TCP test suite: the ${V} scripts listed as passing pass`,
    { skip: absent, timeout: 600_000 },
    async (t) => {
      const files = pktFiles(SUITE)
        .map((f) => ({ name: relative(SUITE, f), text: readFileSync(f, 'utf8') }))
        .filter((f) =>
          parseScript(f.text, { file: f.name }).options.some(
            (o) => o.name === 'ip_version' && o.value === version,
          ),
        )
      assert.equal(files.length, count)
      const want = listed(listFile)
      const names = new Set(files.map((f) => f.name))
      assert.deepEqual(
        want.filter((n) => !names.has(n)),
        [],
        `${list} names only ${V} scripts of the suite`,
      )
      const mustPass = new Set(want)
      const regressions: string[] = []
      const newlyPassing: string[] = []
      const causes = new Map<string, { n: number; example: string }>()
      let passed = 0
      for (const f of files) {
        const r = await runInFreshHost(f.name, f.text, {})
        if (r.ok) {
          passed++
          if (!mustPass.has(f.name)) newlyPassing.push(f.name)
          continue
        }
        const line = `${f.name}: FAILED line ${r.line}: ${r.message}`
        if (mustPass.has(f.name)) regressions.push(line)
        const c = cause(r.message)
        const e = causes.get(c)
        if (e === undefined) causes.set(c, { n: 1, example: line })
        else e.n++
      }
      t.diagnostic(`${passed} of ${files.length} ${V} scripts pass (${mustPass.size} listed in ${list})`)
      for (const [c, e] of [...causes].sort((a, b) => b[1].n - a[1].n).slice(0, 15))
        t.diagnostic(`${e.n} × ${c} — e.g. ${e.example}`)
      if (newlyPassing.length > 0)
        t.diagnostic(`passing but not listed (add to ${list}): ${newlyPassing.join(' ')}`)
      assert.deepEqual(regressions, [], `every script listed in ${list} passes`)
    },
  )
}

suiteTest('ipv4', 447, PASSING)
suiteTest('ipv6', 281, PASSING6)

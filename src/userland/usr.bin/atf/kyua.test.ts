/**
 * The atf-sh runner against our own small test programs: listing, every atf_check matcher (each
 * shown both holding and failing), the result kinds, requirements answered truthfully, cleanup on
 * the case's machine, a fresh machine per case, the timeout, and vnet.subr's helpers.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { makePrograms } from '../../programs.js'
import { type CaseResult, listCases, runKyua } from './kyua.js'
import { VNET_SUBR, vnetSubrPaths } from './vnet_subr.js'

const PROGRAM = '/t/net/x_test.sh'

function machine() {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1, hostname: 'atf' })
  return { sys: host.syscalls(), close: () => host.clock.stop() }
}

async function run(
  text: string,
  cases?: string[],
): Promise<{ results: CaseResult[]; out: string; by: (n: string) => string }> {
  let out = ''
  const results = await runKyua({
    program: PROGRAM,
    text,
    files: new Map([['/t/net/../common/vnet.subr', VNET_SUBR]]),
    newMachine: machine,
    programs: makePrograms(),
    out: { write: (s) => void (out += s) },
    verbose: true,
    ...(cases ? { cases } : {}),
  })
  const by = (n: string) => results.find((r) => r.name === n)?.text ?? 'missing'
  return { results, out, by }
}

/** A program whose cases are the given bodies, added in order. */
function program(bodies: Record<string, string>, extra = ''): string {
  const cases = Object.entries(bodies)
    .map(([n, b]) => `atf_test_case ${n}\n${n}_body() {\n${b}\n}\n`)
    .join('')
  const adds = Object.keys(bodies)
    .map((n) => `  atf_add_test_case ${n}`)
    .join('\n')
  return `${extra}\n${cases}\natf_init_test_cases() {\n${adds}\n}\n`
}

describe('atf_check', () => {
  const matchers: Array<[string, string, string]> = [
    // [name, a check that holds, the same check failing]
    ['exit', 'atf_check -s exit:1 false', 'atf_check -s exit:0 false'],
    ['exit_any', 'atf_check -s exit true', 'atf_check -s exit -x "kill -9 \\$\\$"'],
    ['not_exit', 'atf_check -s not-exit:0 false', 'atf_check -s not-exit:0 true'],
    ['signal', 'atf_check -s signal:kill -x "kill -9 \\$\\$"', 'atf_check -s signal:9 true'],
    ['ignore_s', 'atf_check -s ignore false', 'atf_check -s ignore -o empty echo x'],
    ['empty', 'atf_check -o empty true', 'atf_check -o empty echo x'],
    ['not_empty', 'atf_check -o not-empty echo x', 'atf_check -o not-empty true'],
    ['ignore_o', 'atf_check -o ignore echo x', 'atf_check echo x'],
    ['inline', 'atf_check -o inline:"a\\tb\\n" printf "a\\tb\\n"', 'atf_check -o inline:"a\\n" echo b'],
    ['not_inline', 'atf_check -o not-inline:"a\\n" echo b', 'atf_check -o not-inline:"a\\n" echo a'],
    ['match', 'atf_check -o match:"^b+c$" echo bbc', 'atf_check -o match:"^c" echo bbc'],
    ['not_match', 'atf_check -o not-match:zz echo bbc', 'atf_check -o not-match:b echo bbc'],
    ['stderr', 'atf_check -s exit:127 -e match:"nope: not found" nope', 'atf_check -e empty -x "echo e >&2"'],
    ['file', 'echo x > want; atf_check -o file:want echo x', 'echo y > want; atf_check -o file:want echo x'],
    [
      'save',
      'atf_check -o save:got echo keep; [ "$(cat got)" = keep ] || atf_fail lost',
      'atf_check -o save:got echo keep; atf_check -o inline:"other\\n" cat got',
    ],
    ['shell', 'atf_check -o inline:"2\\n" -x "echo a b | wc -w | tr -d \\" \\""', 'atf_check -x "exit 3"'],
    ['abs_path', 'atf_check -o ignore /sbin/ifconfig -l', 'atf_check -o ignore /usr/bin/ifconfig -l'],
    ['usage', 'atf_check true', 'atf_check -s bogus:1 true'],
  ]
  const bodies: Record<string, string> = {}
  for (const [n, good, bad] of matchers) {
    bodies[`${n}_ok`] = good
    bodies[`${n}_bad`] = bad
  }

  test('each matcher passes when it holds and fails the case when it does not', async () => {
    const { by, out } = await run(program(bodies))
    for (const [n] of matchers) {
      assert.equal(by(`${n}_ok`), 'passed', `${n}_ok\n${out}`)
      assert.equal(
        by(`${n}_bad`),
        'failed: atf-check failed; see the output of the test for details',
        `${n}_bad\n${out}`,
      )
    }
  })

  test('a failure shows the command, what failed and the output', async () => {
    const { out } = await run(program({ a: 'atf_check -o inline:"x\\n" echo y' }))
    assert.match(
      out,
      /Executing command \[ echo y \]\n {4}Fail: stdout does not match golden output\n {4}stdout:\n {4}y\n/,
    )
  })
})

describe('results and the summary', () => {
  test('one line per case, a summary, and kyua exit semantics', async () => {
    const text = program({
      p: ':',
      f: 'atf_fail "it broke"',
      s: 'atf_skip "not here"',
      x: 'atf_expect_fail "bug 1"; atf_fail boom',
      xp: 'atf_expect_fail "bug 2"; true',
      pass: 'atf_pass; atf_fail unreachable',
      sub: '( atf_fail "in a subshell" ); echo after > f',
      exit: 'exit 3',
      eq: 'atf_check_equal 1 2',
    })
    const { by, out, results } = await run(text)
    assert.equal(by('p'), 'passed')
    assert.equal(by('f'), 'failed: it broke')
    assert.equal(by('s'), 'skipped: not here')
    assert.equal(by('x'), 'expected_failure: bug 2'.replace('2', '1') + ': boom')
    assert.equal(by('xp'), 'failed: Test case was expecting a failure but none were raised')
    assert.equal(by('pass'), 'passed')
    // The first result stands: the body goes on after its subshell exits, as with atf-sh.
    assert.equal(by('sub'), 'failed: in a subshell')
    assert.equal(by('exit'), 'broken: Premature exit; test case exited with code 3')
    assert.equal(by('eq'), 'failed: 1 != 2')
    assert.match(out, /^x_test:p {2}-> {2}passed {2}\[\d+\.\d{3}s\]$/m)
    assert.match(out, /Test cases: 9 total, 1 skipped, 1 expected failures, 1 broken, 4 failed\n/)
    assert.equal(results.length, 9)
  })

  test('only the cases asked for run, in the order asked', async () => {
    const { results } = await run(program({ a: ':', b: ':', c: ':' }), ['c', 'a', 'zz'])
    assert.deepEqual(
      results.map((r) => [r.name, r.outcome]),
      [
        ['c', 'passed'],
        ['a', 'passed'],
        ['zz', 'broken'],
      ],
    )
  })

  test('a program that does not parse is reported broken', async () => {
    const { results } = await run('atf_init_test_cases() {\n')
    assert.deepEqual(
      results.map((r) => [r.name, r.outcome]),
      [['__test_cases_list__', 'broken']],
    )
  })

  test('a body that never ends is stopped at its timeout, in virtual time', async () => {
    const text = `atf_test_case t\nt_head() { atf_set timeout 5; }\nt_body() { sleep 100; }\natf_init_test_cases() { atf_add_test_case t; }\n`
    const { results } = await run(text)
    assert.equal(results[0]?.text, 'broken: Test case body timed out')
    assert.equal(results[0]?.ns, 5e9)
  })
})

describe('heads, metadata and requirements', () => {
  const text = `
atf_test_case meta
meta_head() { atf_set descr "says hello"; atf_set require.user root; }
meta_body() { [ "$(atf_get descr)" = "says hello" ] || atf_fail "descr: $(atf_get descr)"; atf_check -o match:/net$ atf_get_srcdir; }
atf_test_case unpriv
unpriv_head() { atf_set require.user unprivileged; }
unpriv_body() { :; }
atf_test_case progs
progs_head() { atf_set require.progs "ifconfig /sbin/route awk-nope"; }
progs_body() { :; }
atf_test_case progs_ok
progs_ok_head() { atf_set require.progs "ifconfig /usr/bin/netstat grep"; }
progs_ok_body() { :; }
atf_test_case kmods
kmods_head() { atf_set require.kmods "if_bridge no_such_mod"; }
kmods_body() { :; }
atf_test_case config
config_head() { atf_set require.config "allow_sysctl_side_effects"; }
config_body() { :; }
atf_test_case reqprog
reqprog_body() { atf_require_prog jexec; atf_require_prog /usr/sbin/nope; atf_fail "ran on"; }
atf_init_test_cases() {
  for c in meta unpriv progs progs_ok kmods config reqprog; do atf_add_test_case $c; done
}
`
  test('atf-sh -l lists the heads in atf-tp form', async () => {
    const { listed } = await listCases({
      program: PROGRAM,
      text,
      newMachine: machine,
      programs: makePrograms(),
    })
    assert.ok(typeof listed !== 'string')
    assert.deepEqual(
      [...listed[0]!],
      [
        ['ident', 'meta'],
        ['descr', 'says hello'],
        ['require.user', 'root'],
      ],
    )
    assert.equal(listed.length, 7)
  })

  test('requirements are answered from what the machine has', async () => {
    const { by } = await run(text)
    assert.equal(by('meta'), 'passed')
    assert.match(by('unpriv'), /^skipped: Requires an unprivileged user/)
    assert.equal(by('progs'), "skipped: Required program 'awk-nope' not found in PATH")
    assert.equal(by('progs_ok'), 'passed')
    assert.equal(by('kmods'), "skipped: Required kernel module 'no_such_mod' not loaded")
    assert.equal(
      by('config'),
      "skipped: Required configuration property 'allow_sysctl_side_effects' not defined",
    )
    assert.equal(by('reqprog'), 'skipped: The required program /usr/sbin/nope could not be found')
  })
})

describe('machines, cleanup and vnet.subr', () => {
  const text = `
. $(atf_get_srcdir)/../common/vnet.subr
atf_test_case a cleanup
a_body() {
  vnet_init
  epair=$(vnet_mkepair)
  vnet_mkjail alcatraz \${epair}a
  atf_check -s exit:0 jexec alcatraz ifconfig \${epair}a 192.0.2.1/24 up
  atf_check -s exit:0 ifconfig \${epair}b 192.0.2.2/24 up
  atf_check -s exit:0 -o match:"1 packets received" ping -c 1 192.0.2.1
  atf_check -o inline:"alcatraz \${epair}a\\n" cat created_jails.lst
  atf_check -o inline:"\${epair}b\\n" cat created_interfaces.lst
  echo "\${epair}" > name
}
a_cleanup() {
  vnet_cleanup
  [ -f created_jails.lst ] && exit 1
  atf_check -s exit:1 -e ignore jls -j alcatraz
  atf_check -s exit:1 -e ignore ifconfig $(cat name)b
}
atf_test_case b
b_body() {
  # A fresh machine: nothing the first case made is here.
  atf_check -s exit:1 -e ignore jls -j alcatraz
  atf_check -o inline:"epair0a\\n" ifconfig epair create
}
atf_test_case bridge
bridge_body() { vnet_init_bridge; br=$(vnet_mkbridge); atf_check -o match:"^\${br}:" ifconfig \${br}; }
atf_init_test_cases() { atf_add_test_case a; atf_add_test_case b; atf_add_test_case bridge; }
`
  test('vnet helpers build and clean up; each case gets a fresh machine', async () => {
    const { by, out } = await run(text)
    assert.equal(by('a'), 'passed', out)
    assert.equal(by('b'), 'passed', out)
    assert.equal(by('bridge'), 'passed', out)
  })

  test('a program one folder deeper (net/bpf) finds vnet.subr at ../../common', async () => {
    let out = ''
    const deep = `. $(atf_get_srcdir)/../../common/vnet.subr
atf_test_case d cleanup
d_body() { vnet_init; epair=$(vnet_mkepair); atf_check -o match:"^\${epair}a:" ifconfig \${epair}a; }
d_cleanup() { vnet_cleanup; }
atf_init_test_cases() { atf_add_test_case d; }
`
    const results = await runKyua({
      program: '/t/net/bpf/y.sh',
      text: deep,
      files: new Map(vnetSubrPaths('/t/net/bpf').map((p) => [p, VNET_SUBR] as const)),
      newMachine: machine,
      programs: makePrograms(),
      out: { write: (s) => void (out += s) },
      verbose: true,
    })
    assert.equal(results[0]?.text, 'passed', out)
    assert.ok(vnetSubrPaths('/t/net').includes('/t/net/../common/vnet.subr'))
  })
})

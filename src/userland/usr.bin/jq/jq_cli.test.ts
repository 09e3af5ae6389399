/**
 * jq's command line beyond the basics (jq.test.ts): input/inputs with -n, --slurpfile, --rawfile,
 * --args/--jsonargs and $ARGS, $ENV/env, -f, --tab/--indent/-a/--seq, the uncaught error of a
 * non-string value, halt_error's status, input_line_number and input_filename, as jq 1.7's manual
 * describes them; run through our sh like a script would.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'
import { MemFs } from '../../bin/sh/streams.js'

async function jqsh(
  script: string,
  files: Record<string, string> = {},
): Promise<{ out: string; err: string }> {
  const fs = new MemFs()
  for (const [p, t] of Object.entries(files)) {
    fs.truncate(p)
    fs.append(p, t)
  }
  const host = virtualHost()
  const r = await sh(host, script, fs)
  host.clock.stop()
  return r
}

test('input and inputs: -n reads them on demand; [., input] pairs; none left is an error', async () => {
  const r = await jqsh(
    `echo 1 2 3 4 | jq -c '[., input]'
echo 1 2 3 | jq -n 'reduce inputs as $i (0; . + $i)'
echo 1 2 3 | jq -c -n '[inputs]'
echo 1 | jq -n 'input, input'; echo rc=$?
printf '1\\n2\\n' | jq -c '[., input_line_number]'
jq -c '[., input_filename]' f.json`,
    { 'f.json': '7\n' },
  )
  assert.equal(r.out, '[1,2]\n[3,4]\n6\n[1,2,3]\n1\nrc=5\n[1,1]\n[2,2]\n[7,"f.json"]\n')
  assert.equal(r.err, 'jq: error (at <stdin>:1): No more inputs\n')
})

test('--slurpfile, --rawfile, --args, --jsonargs, $ARGS, $ENV and env', async () => {
  const r = await jqsh(
    `jq -n -c --slurpfile a v.json --rawfile t t.txt '[$a, $t]'
jq -n -c '$ARGS' --args x y
jq -n -c '$ARGS.positional' --jsonargs 1 '{"a":2}'
jq -n -c --arg k v --argjson n 5 '$ARGS.named'
FOO=bar jq -n -r '$ENV.FOO, env.FOO'
jq -n --slurpfile a nope.json 1; echo rc=$?`,
    { 'v.json': '1 [2]\n', 't.txt': 'line\n' },
  )
  assert.equal(
    r.out,
    '[[1,[2]],"line\\n"]\n{"positional":["x","y"],"named":{}}\n[1,{"a":2}]\n{"k":"v","n":5}\nbar\nbar\nrc=2\n',
  )
  assert.equal(
    r.err,
    'jq: Bad JSON in --slurpfile a nope.json: Could not open nope.json: No such file or directory\n',
  )
})

test('-f FILE, --tab, --indent N, -a, --seq', async () => {
  const r = await jqsh(
    `echo '{"a":[1]}' | jq -f prog.jq
echo '{"a":[1]}' | jq --tab .
echo '{"a":[1]}' | jq --indent 1 .
echo '"é"' | jq -a .
echo 1 | jq -c --seq .`,
    { 'prog.jq': '# a comment\n.a | map(. + 1)\n' },
  )
  assert.equal(r.out, '[\n  2\n]\n{\n\t"a": [\n\t\t1\n\t]\n}\n{\n "a": [\n  1\n ]\n}\n"\\u00e9"\n\x1e1\n')
})

test("errors: error(v) of a non-string, halt_error's message and status, try/catch in a pipeline", async () => {
  const r = await jqsh(`jq -n '{a:1} | error'; echo rc=$?
jq -n '"bye\\n" | halt_error(3)'; echo rc=$?
jq -n '{a:1} | halt_error'; echo rc=$?
jq -n 'halt'; echo rc=$?
echo '[1,"a",2]' | jq -c '[.[] | try (. + 1) catch "bad"]'
jq -n 'break $x'; echo rc=$?`)
  assert.equal(r.out, 'rc=5\nrc=3\nrc=5\nrc=0\n[2,"bad",3]\nrc=3\n')
  assert.equal(
    r.err,
    'jq: error (at <unknown>) (not a string): {"a":1}\nbye\n{"a":1}\n' +
      'jq: error: $*label-x is not defined at <top-level>, line 1:\nbreak $x\njq: 1 compile error\n',
  )
})

/**
 * jq(1) as a program in the shell: jq 1.6's pretty and compact output, -r/-j/-S/-n/-s/--arg/
 * --argjson, -e's exit statuses, the messages and statuses of runtime (5), compile (3), input and
 * usage (2) errors, its place in hier(7) (a port), and the pipeline FreeBSD's tests use:
 * `arp -an --libxo json | jq -r ...` in a two-jail lab, its answer checked against arp's text.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'
import { MemFs } from '../../bin/sh/streams.js'

async function jqsh(
  script: string,
  files: Record<string, string> = {},
): Promise<{ status: number; out: string; err: string }> {
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

test('jq .: 2-space indentation, one element a line, "key": value, [] and {} for empty; -c, -S, numbers', async () => {
  const r = await jqsh(`echo '{"a":[1,{"b":null}],"c":{},"d":[],"e":"x\\u007f"}' | jq .
echo '{"b":1,"a":[2]}' | jq -c -S .
jq -n '1e17, 123456789012345678, 0.00001, 0.0001, 1/3, 3.0, -0, 1e1000'`)
  assert.equal(r.err, '')
  assert.equal(
    r.out,
    '{\n  "a": [\n    1,\n    {\n      "b": null\n    }\n  ],\n  "c": {},\n  "d": [],\n  "e": "x\\u007f"\n}\n' +
      '{"a":[2],"b":1}\n' +
      '1e+17\n123456789012345680\n1e-05\n0.0001\n0.3333333333333333\n3\n-0\n1.7976931348623157e+308\n',
  )
})

test('jq -r, -j, -n, -s, --arg, --argjson, files as operands and options after the filter', async () => {
  const r = await jqsh(
    `jq -r '.[] | .name' f.json
jq -j '.[].name' f.json; echo
jq -n -c --arg who me --argjson n '{"k":[1]}' '{who: $who, n: $n.k[0]}'
printf '1 2\\n3' | jq -c -s .
jq '.[0]' f.json -c
jq -r '[.[].name]' f.json`,
    { 'f.json': '[{"name":"a b"},{"name":"c"}]\n' },
  )
  assert.equal(r.err, '')
  assert.equal(r.out, 'a b\nc\na bc\n{"who":"me","n":1}\n[1,2,3]\n{"name":"a b"}\n[\n  "a b",\n  "c"\n]\n')
})

test('jq -e: 1 when the last output is false or null, 4 when there is none, else 0', async () => {
  const r = await jqsh(`echo 'null' | jq -e .; echo rc=$?
echo '1' | jq -e 'false'; echo rc=$?
echo '1 2' | jq -e empty; echo rc=$?
echo '"a"' | jq -e '., false, 1'; echo rc=$?
echo '{}' | jq -e 'has("x")' > /dev/null; echo rc=$?
echo '{"x":0}' | jq -e 'has("x")' > /dev/null; echo rc=$?
echo '1' | jq empty; echo rc=$?`)
  assert.equal(r.err, '')
  assert.equal(r.out, 'null\nrc=1\nfalse\nrc=1\nrc=4\n"a"\nfalse\n1\nrc=0\nrc=1\nrc=0\nrc=0\n')
})

test('errors: runtime (at <stdin>:N) exit 5 after the good outputs, compile exit 3, input and usage exit 2', async () => {
  const r = await jqsh(
    `printf '{"a":1}\\n\\n{"a":"x"}' | jq '.a.b'; echo rc=$?
echo '[{"x":1},2]' | jq '.[] | .x'; echo rc=$?
jq -n '[1] | .["a"]'; echo rc=$?
jq '.x' f.json; echo rc=$?
jq -n '.['; echo rc=$?
jq -n 'foo(1)'; echo rc=$?
jq -n '$nope'; echo rc=$?
echo '1 {' | jq .; echo rc=$?
echo '{"a":tru}' | jq .; echo rc=$?
echo '[1,"a]' | jq .; echo rc=$?
jq . /nonexistent; echo rc=$?
jq -z .; echo rc=$?
jq -n --arg x; echo rc=$?`,
    { 'f.json': '[1]\n' },
  )
  assert.equal(r.out, 'rc=5\n1\nrc=5\nrc=5\nrc=5\nrc=3\nrc=3\nrc=3\n1\nrc=2\nrc=2\nrc=2\nrc=2\nrc=2\nrc=2\n')
  const help =
    'Use jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://stedolan.github.io/jq\n'
  assert.equal(
    r.err,
    'jq: error (at <stdin>:1): Cannot index number with "b"\n' +
      'jq: error (at <stdin>:2): Cannot index string with "b"\n' +
      'jq: error (at <stdin>:1): Cannot index number with "x"\n' +
      'jq: error (at <unknown>): Cannot index array with "a"\n' +
      'jq: error (at f.json:1): Cannot index array with "x"\n' +
      'jq: error: syntax error, unexpected $end at <top-level>, line 1:\n.[\njq: 1 compile error\n' +
      'jq: error: foo/1 is not defined at <top-level>, line 1:\nfoo(1)\njq: 1 compile error\n' +
      'jq: error: $nope is not defined at <top-level>, line 1:\n$nope\njq: 1 compile error\n' +
      'parse error: Unfinished JSON term at EOF at line 2, column 0\n' +
      'parse error: Invalid literal at line 1, column 9\n' +
      'parse error: Unfinished string at EOF at line 2, column 0\n' +
      'jq: error: Could not open file /nonexistent: No such file or directory\n' +
      `jq: Unknown option: -z\n${help}` +
      `jq: --arg takes two parameters (e.g. --arg varname value)\n${help}`,
  )
})

test('jq is a port: /usr/local/bin/jq', async () => {
  const r = await jqsh('which jq; /usr/local/bin/jq -n 1')
  assert.equal(r.out, '/usr/local/bin/jq\n1\n')
})

test('arp -an --libxo json | jq: the addresses and the permanent entry, as the text output says', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `jail -c name=a vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
ifconfig epair create > /dev/null
ifconfig epair0a vnet a; ifconfig epair0b vnet b
jexec a ifconfig epair0a 192.0.2.1/24 up
jexec b ifconfig epair0b 192.0.2.2/24 up
jexec a ping -c 1 192.0.2.2 > /dev/null
jexec a arp -s 192.0.2.7 02:00:00:00:00:07 pub
jexec a arp -an
echo ===
jexec a arp -an --libxo json | jq -r '.arp."arp-cache"[].["ip-address"]'
echo ===
jexec a arp -an --libxo json | jq -c '[.arp."arp-cache"[] | select(.permanent) | {ip: ."ip-address", mac: ."mac-address"}]'
jexec a arp -an --libxo json | jq -e '.arp."arp-cache"[] | select(."ip-address" == "192.0.2.9")'; echo rc=$?`,
  )
  host.clock.stop()
  assert.equal(r.err, '')
  const [text, ips, rest] = r.out.split('===\n')
  const fromText = text!
    .trimEnd()
    .split('\n')
    .map((l) => /\((\S+)\)/.exec(l)?.[1])
  assert.deepEqual(ips!.trimEnd().split('\n'), fromText)
  assert.ok(fromText.includes('192.0.2.2') && fromText.includes('192.0.2.7'))
  const perm = text!.split('\n').filter((l) => l.includes('permanent'))
  const expected = perm.map((l) => {
    const m = /\((\S+)\) at (\S+)/.exec(l)!
    return { ip: m[1], mac: m[2] }
  })
  assert.ok(expected.some((e) => e.ip === '192.0.2.7' && e.mac === '02:00:00:00:00:07'))
  assert.equal(rest, `${JSON.stringify(expected)}\nrc=4\n`)
})

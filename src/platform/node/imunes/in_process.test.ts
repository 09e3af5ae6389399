/**
 * IMUNES's commands inside `virtnet sh --host-files`, as a test.sh written IMUNES's way uses them:
 * a lab file on disk started with `imunes -b`, the id cut from its last line, `himage` in nodes
 * (commands, here-documents, files kept per node, a background tcpdump found with pgrep and
 * stopped with pkill), `hcp` between a node and the script's files, bad names, and `imunes -b -e`.
 * All in virtual time, through the built CLI. When $IMUNES_EXAMPLES_SCRIPTS names a directory laid
 * out like imunes-examples with test.sh files saved next to the labs, those listed in PASSING run too.
 */

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..')
const CLI = join(ROOT, 'dist/src/platform/node/cli.js')
const tmp = mkdtempSync(join(tmpdir(), 'virtnet-inproc-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

function sh(script: string, cwd = tmp): { status: number | null; out: string; err: string } {
  const file = join(cwd, `t${Math.random().toString(36).slice(2)}.sh`)
  writeFileSync(file, script)
  const r = spawnSync(process.execPath, [CLI, 'sh', '--host-files', file], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { status: r.status, out: r.stdout, err: r.stderr }
}

const LAB = `name: two
nodes:
  pc1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }
  pc2: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24 } ] }
  sw1: { kind: switch }
links:
  - { a: pc1, b: sw1 }
  - { a: pc2, b: sw1 }
`

test('imunes -b / himage / hcp / imunes -b -e inside virtnet sh, in virtual time', () => {
  writeFileSync(join(tmp, 'two.yaml'), LAB)
  writeFileSync(join(tmp, 'local.txt'), 'from disk\n')
  const r = sh(`
[ \`id -u\` -ne 0 ] && exit 9
test "$(uname -s)" = FreeBSD || exit 8
eid=\`imunes -b two.yaml | tail -1 | cut -d' ' -f4\`
echo "eid=$eid"
himage pc1@$eid sh -c "tcpdump -w /root/cap -ni eth0 icmp 2> tcplog_err &"
sleep 1
himage pc1@$eid ping -c 2 10.0.0.2 | tail -2
himage pc1@$eid sh -c 'echo mine > /tmp/f'
himage pc2@$eid cat /tmp/f; echo "pc2 rc=$?"
himage pc1 cat /tmp/f
[ "\`pgrep tcpdump\`" != "" ] && himage pc1@$eid pkill -f "tcpdump.*eth0"
sleep 1
himage pc1@$eid tcpdump -nr /root/cap | wc -l
hcp local.txt pc2@$eid:/root/
himage pc2@$eid cat /root/local.txt
hcp pc1@$eid:/tmp/f copied; cat copied
himage pc2@$eid sh << __END__
hostname
uname -n
__END__
himage nope@$eid hostname; echo "nope rc=$?"
himage sw1@$eid hostname; echo "sw rc=$?"
himage -ln
imunes -b -e $eid
himage pc1@$eid hostname; echo "gone rc=$?"
imunes -b -e $eid; echo "again rc=$?"
`)
  assert.equal(r.status, 0, r.err)
  const eid = /^eid=(i[0-9a-f]{5})$/m.exec(r.out)?.[1]
  assert.ok(eid, r.out)
  assert.equal(
    r.out,
    [
      `eid=${eid}`,
      '2 packets transmitted, 2 packets received, 0.0% packet loss',
      'round-trip min/avg/max/stddev = 0.000/0.000/0.000/0.000 ms',
      'pc2 rc=1',
      'mine',
      // 2 requests and 2 replies, after the "reading from file" line on stderr.
      '       4',
      'from disk',
      'mine',
      'pc2',
      'pc2',
      'nope rc=2',
      'sw rc=3',
      `${eid} [pc1, pc2, sw1]`,
      `Terminated experiment ${eid}.`,
      'gone rc=2',
      'again rc=1',
      '',
    ].join('\n'),
  )
  assert.match(r.err, /cat: \/tmp\/f: No such file or directory\n/)
  assert.match(r.err, new RegExp(`Error: cannot find node named nope@${eid}\\n`))
  assert.match(r.err, /Node sw1 is not a jail\.\n/)
  // The script wrote only into the virtual host: nothing on disk changed.
  assert.equal(existsSync(join(tmp, 'copied')), false)
})

test('imunes refuses a missing file and bad options; only host root may start labs', () => {
  const r = sh(`
imunes -b missing.imn; echo rc=$?
imunes -x; echo rc=$?
imunes -b -e i00000; echo rc=$?
jail -c name=j persist >/dev/null
jexec j imunes -b two.yaml; echo rc=$?
`)
  assert.equal(r.out, 'rc=1\nrc=64\nrc=1\nrc=1\n')
  assert.equal(
    r.err,
    [
      "Error: file 'missing.imn' doesn't exist",
      'imunes: unknown option -x',
      'usage: imunes [-b] [-e eid] [file]',
      'imunes: experiment i00000 is not running',
      "imunes: must be run by the host's root",
      '',
    ].join('\n'),
  )
})

/** IMUNES example scripts that pass here (docs/imunes-labs.md), relative to the examples root. */
const PASSING = [
  'Ping',
  'Traceroute',
  'RIP',
  'OSPF',
  'BGP',
  'IS-IS',
  'DHCP',
  'DHCP6+RSOL',
  'functional_tests/empty_ifaces',
  'services',
  'functional_tests/vlanswitch',
  'functional_tests/nat64',
  'gif',
  'DNS+Mail+WEB',
]

test('IMUNES example test.sh scripts, when saved locally ($IMUNES_EXAMPLES_SCRIPTS)', (t) => {
  const dir = process.env.IMUNES_EXAMPLES_SCRIPTS
  if (dir === undefined || !existsSync(join(dir, 'common/procedures.sh'))) {
    t.skip('set IMUNES_EXAMPLES_SCRIPTS to a copy of imunes-examples with its test.sh scripts to run them')
    return
  }
  for (const lab of PASSING) {
    const cwd = join(dir, lab)
    const r = spawnSync(process.execPath, [CLI, 'sh', '--host-files', 'test.sh'], {
      cwd,
      encoding: 'utf8',
      timeout: 60_000,
    })
    assert.equal(r.status, 0, `${lab}: ${r.stderr}`)
    assert.match(r.stdout, /Test took \d+ seconds\.\n$/, `${lab}: ${r.stdout.slice(-500)}`)
    assert.doesNotMatch(r.stdout, /There were errors/, lab)
  }
})

/**
 * IMUNES's functional_tests extelem, rj45 and rj45_vlan inside `virtnet sh --host-files`: the
 * script makes two interfaces in the host itself (ng_eiface pairs named by `ngctl name` and
 * `ifconfig name`, an ng_pipe joining their `ether` hooks), then starts a lab whose rj45 node(s)
 * name them; pc1 must reach pc2 through that host-side wire, in both the piped and the `direct`
 * version of the lab, and the host must be left with its interfaces and nothing else of the lab.
 * The steps are test.sh's own (FreeBSD branch), written out here because the labs in
 * ../shared/imunes-examples come without their scripts; with $IMUNES_EXAMPLES_SCRIPTS (a copy of
 * imunes-examples with test.sh files), the upstream scripts run unchanged as well.
 */

import assert from 'node:assert/strict'
import { type SpawnSyncReturns, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..')
const CLI = join(ROOT, 'dist/src/platform/node/cli.js')
const EXAMPLES = resolve(ROOT, process.env.IMUNES_EXAMPLES ?? '../shared/imunes-examples')
const tmp = mkdtempSync(join(tmpdir(), 'virtnet-rj45host-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

/** The FreeBSD half of test.sh's set-up: interfaces A and B in the host, an ng_pipe LINK between. */
function setup(a: string, b: string, link: string): string {
  const make = (name: string) => `
t=\`printf "mkpeer eiface ether ether \\n show .ether" | ngctl -f - | head -n1 | awk '{print $2}'\`
ngctl name $t: ${name}
ifconfig $t name ${name}
ifconfig ${name} up`
  return `${make(a)}${make(b)}
ngctl mkpeer ${a}: pipe ether upper
ngctl name ${a}:ether ${link}
ngctl connect ${link}: ${b}: lower ether
ngctl msg ${link}: setcfg {header_offset=14}
`
}

function labRun(lab: string): string {
  return `
eid=\`imunes -b ${lab} | awk '/Experiment/{print $4; exit}'\`
himage pc1@$eid ping -c 2 10.0.0.21 | grep transmitted
imunes -b -e $eid
`
}

const CASES = [
  {
    dir: 'functional_tests/extelem',
    labs: ['extelem.imn', 'extelem_directlink.imn'],
    ifs: ['extelem0', 'extelem1'],
  },
  { dir: 'functional_tests/rj45', labs: ['rj45.imn', 'rj45_directlink.imn'], ifs: ['rj450', 'rj451'] },
  {
    dir: 'functional_tests/rj45_vlan',
    labs: ['rj45vlan.imn', 'rj45vlan_directlink.imn'],
    ifs: ['rjvlan0', 'rjvlan1'],
  },
]

for (const c of CASES)
  test(`${c.dir}: the rj45 node takes the host's ${c.ifs.join(' and ')} by their ng_ether hooks`, (t) => {
    if (!existsSync(join(EXAMPLES, c.dir, c.labs[0]!))) {
      t.skip(`${join(EXAMPLES, c.dir)} is not here (set IMUNES_EXAMPLES to a copy of imunes-examples)`)
      return
    }
    const cwd = join(tmp, c.dir)
    cpSync(join(EXAMPLES, c.dir), cwd, { recursive: true })
    const [a, b] = c.ifs as [string, string]
    writeFileSync(
      join(cwd, 'case.sh'),
      `${setup(a, b, 'link')}${c.labs.map(labRun).join('')}
ifconfig -l
ngctl msg link: shutdown
ngctl msg ${a}: shutdown
ngctl msg ${b}: shutdown
ifconfig -l
`,
    )
    const r = spawnSync(process.execPath, [CLI, 'sh', '--host-files', 'case.sh'], {
      cwd,
      encoding: 'utf8',
      timeout: 60_000,
    })
    assert.equal(r.status, 0, r.stderr)
    const lines = r.stdout.split('\n')
    // `ifconfig NAME name NEW` prints the new name, as FreeBSD's does.
    assert.deepEqual(lines.slice(0, 2), [a, b])
    const ok = '2 packets transmitted, 2 packets received, 0.0% packet loss'
    assert.equal(lines.filter((l) => l === ok).length, 2, r.stdout)
    assert.equal(lines.filter((l) => l.startsWith('Terminated experiment ')).length, 2, r.stdout)
    // The lab went and left the host's interfaces (and no vlan interface it made on them).
    assert.deepEqual(lines.slice(-3), [`lo0 ${a} ${b}`, 'lo0', ''], r.stdout)
    assert.doesNotMatch(r.stderr, /warning|error/i)
  })

test('functional_tests extelem, rj45, rj45_vlan test.sh unchanged ($IMUNES_EXAMPLES_SCRIPTS)', (t) => {
  const dir = process.env.IMUNES_EXAMPLES_SCRIPTS
  if (dir === undefined || !existsSync(join(dir, 'common/procedures.sh'))) {
    t.skip('set IMUNES_EXAMPLES_SCRIPTS to a copy of imunes-examples with its test.sh scripts to run them')
    return
  }
  for (const c of CASES) {
    const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI, 'sh', '--host-files', 'test.sh'], {
      cwd: join(dir, c.dir),
      encoding: 'utf8',
      timeout: 120_000,
    })
    assert.equal(r.status, 0, `${c.dir}: ${r.stderr}`)
    assert.match(r.stdout, /Test took \d+ seconds\.\n$/, `${c.dir}: ${r.stdout.slice(-500)}`)
    assert.doesNotMatch(r.stdout, /There were errors/, c.dir)
  }
})

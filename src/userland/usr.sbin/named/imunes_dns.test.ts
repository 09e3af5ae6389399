/**
 * The DNS half of IMUNES's DNS+Mail+WEB lab, unchanged: `imunes -b NETWORK.imn` (from ../shared),
 * the lab's own `start_dns` (named on ten servers, three of them slaves loading by AXFR, resolv.conf
 * on the hosts), then test.sh's `dnsCheck` of zpmMail.zpm.fer.hr and mm.tel.fer.hr on every node.
 * start_dns and DNS_files are not part of this project: the test runs when
 * $IMUNES_EXAMPLES_SCRIPTS names a copy of imunes-examples holding them (see docs/imunes-labs.md).
 */

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..')
const CLI = join(ROOT, 'dist/src/platform/node/cli.js')
const SHARED = resolve(ROOT, '../shared/imunes-examples/DNS+Mail+WEB/NETWORK.imn')

const SCRIPT = `. ../common/procedures.sh
eid=\`imunes -b ${SHARED} | awk '/Experiment/{print $4; exit}'\`
./start_dns $eid || exit 3
Wait 60
err=0
for h in aRootServer bRootServer cRootServer dnsCom dnsOrg dnsHr hr2 dnsFer dnsTel dnsZpm mm www pc zpmMail; do
  dnsCheck $h@$eid zpmMail.zpm.fer.hr || err=1
  dnsCheck $h@$eid mm.tel.fer.hr || err=1
done
imunes -b -e $eid
exit $err
`

test("IMUNES DNS+Mail+WEB: start_dns and test.sh's dnsChecks on every node", (t) => {
  const dir = process.env.IMUNES_EXAMPLES_SCRIPTS
  if (!existsSync(SHARED)) return t.skip('../shared/imunes-examples is not here')
  if (dir === undefined || !existsSync(join(dir, 'DNS+Mail+WEB/start_dns')))
    return t.skip(
      'set IMUNES_EXAMPLES_SCRIPTS to a copy of imunes-examples with DNS+Mail+WEB/start_dns and DNS_files',
    )
  const r = spawnSync(process.execPath, [CLI, 'sh', '--host-files', '-c', SCRIPT], {
    cwd: join(dir, 'DNS+Mail+WEB'),
    encoding: 'utf8',
    timeout: 120_000,
  })
  assert.equal(r.status, 0, r.stdout + r.stderr)
  assert.doesNotMatch(r.stdout, /ERROR/)
  assert.equal((r.stdout.match(/^zpmMail\.zpm\.fer\.hr has address 30\.0\.0\.4$/gm) ?? []).length, 14)
  assert.equal(
    (r.stdout.match(/^mm\.tel\.fer\.hr mail is handled by 10 www\.tel\.fer\.hr\.$/gm) ?? []).length,
    14,
  )
})

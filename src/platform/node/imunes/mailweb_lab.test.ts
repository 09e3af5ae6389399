/**
 * IMUNES's DNS+Mail+WEB lab, its mail and web half, through the built CLI in virtual time: the
 * lab's own start_mail and start_http (postfix, akpop3d, users added in the vroot, lighttpd with
 * its lighttpd.conf), then procedures.sh's sendMail, getMail and webCheck as its test.sh calls
 * them. Names come from /etc/hosts written into the nodes (named is not started here), so the
 * relay waits out its MX lookup: Wait 60 rather than test.sh's 5.
 * Needs the lab (../shared/imunes-examples) and $IMUNES_EXAMPLES_SCRIPTS (a copy of
 * imunes-examples with its scripts and Mail_files/WEB_files); skips with a message otherwise.
 */

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..')
const CLI = join(ROOT, 'dist/src/platform/node/cli.js')
const SHARED = join(ROOT, '../shared/imunes-examples/DNS+Mail+WEB/NETWORK.imn')

const SCRIPT = `. ../common/procedures.sh
eid=\`imunes -b ${SHARED} | awk '/Experiment/{print $4; exit}'\`
startCheck "$eid"
for n in www mm pc zpmMail; do
  himage $n@$eid sh -c 'printf "30.0.0.4 zpm.fer.hr zpmMail.zpm.fer.hr www.zpm.fer.hr\\n20.0.0.3 www.tel.fer.hr\\n" > /etc/hosts'
done
err=0
./start_mail $eid || err=2
himage www@$eid grep -q imunes /etc/passwd || err=2
sendMail www@$eid imunes@zpm.fer.hr || err=2
Wait 60
getMail pc@$eid 30.0.0.4 || err=2
./start_http $eid || err=3
Wait 1
webCheck mm@$eid http://www.tel.fer.hr || err=3
webCheck mm@$eid http://www.zpm.fer.hr || err=3
imunes -b -e $eid
thereWereErrors $err
`

test('DNS+Mail+WEB: start_mail, start_http, sendMail, getMail and webCheck', (t) => {
  const dir = process.env.IMUNES_EXAMPLES_SCRIPTS
  const lab = dir === undefined ? '' : join(dir, 'DNS+Mail+WEB')
  if (!existsSync(SHARED)) {
    t.skip('../shared/imunes-examples is not here')
    return
  }
  if (
    dir === undefined ||
    !existsSync(join(lab, 'start_mail')) ||
    !existsSync(join(dir, 'common/procedures.sh'))
  ) {
    t.skip(
      'set IMUNES_EXAMPLES_SCRIPTS to a copy of imunes-examples (with DNS+Mail+WEB/start_mail) to run it',
    )
    return
  }
  const file = join(lab, `mailweb-${process.pid}.sh`)
  writeFileSync(file, SCRIPT)
  try {
    const r = spawnSync(process.execPath, [CLI, 'sh', '--host-files', file], {
      cwd: lab,
      encoding: 'utf8',
      timeout: 120_000,
    })
    assert.equal(r.status, 0, r.stderr)
    assert.doesNotMatch(r.stdout, /There were errors|ERROR/, r.stdout)
    assert.match(r.stdout, /<H1>Test file - www.tel.fer.hr<\/H1>/)
    assert.match(r.stdout, /<H1>Probni index fajl - zpmMail.zpm.fer.hr<\/H1>/)
    assert.match(r.stdout, /Test took \d+ seconds\.\n$/)
  } finally {
    rmSync(file, { force: true })
  }
})

/**
 * The text tools FreeBSD's test programs pipe through — sed, cut, uniq, xargs, rm, killall — run
 * as programs from the shell, against FreeBSD's documented behaviour.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { runScript } from '../../bin/sh/shell.js'
import { MemFs } from '../../bin/sh/streams.js'
import { startProcess } from '../../process.js'
import { makePrograms } from '../../programs.js'
import { capture } from '../../testkit.js'

async function sh(script: string): Promise<{ status: number; out: string; err: string }> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const io = capture()
  const programs = makePrograms([['script', { run: (_a, sio, proc) => runScript(script, sio, proc) }]])
  const status = await startProcess(host.syscalls(), ['script'], io, { programs, fs: new MemFs() }).done
  host.clock.stop()
  return { status, out: io.out(), err: io.err() }
}

test('sed: s with groups and flags, -n/p, addresses, d, -e chains, -i in place, errors', async () => {
  const r = await sh(`
printf 'x: flags=1\\n\\tether 02:aa:00:00:00:0b\\n' | sed -nE "s/^\\tether ([0-9a-f:]*)$/\\1/p"
printf 'a\\nb\\nc\\nd\\n' | sed -n '2,3p'
printf 'a\\nb\\nc\\n' | sed '/b/d'
echo 'foo foo' | sed 's/foo/[&]/g'
echo 'foo foo' | sed 's/foo/X/2'
echo x | sed -e 's/x/y/' -e 's/y/z/'
printf 'l1\\nl2\\n' > lst; sed -i '' '/^l1$/d' lst; cat lst
printf 'one\\ntwo\\n' | sed '$!d'
echo 'a.b' | sed 's/a\\.b/ok/'
echo 'ab' | sed 'y/ab/xy/'
sed 's/a'; echo "rc=$?"
`)
  assert.equal(r.out, '02:aa:00:00:00:0b\nb\nc\na\nc\n[foo] [foo]\nfoo X\nz\nl2\ntwo\nok\nxy\nrc=1\n')
  assert.match(r.err, /^sed: 1: "s\/a": /)
})

test('cut, uniq and xargs', async () => {
  const r = await sh(`
printf 'x y z\\n1 2 3\\nnodelim\\n' | cut -d' ' -f2,3
printf 'x y z\\nnodelim\\n' | cut -s -d' ' -f1
printf 'abcdef\\n' | cut -c 2-4,6
printf 'a\\na\\nb\\nc\\nc\\n' | uniq -c
printf 'a\\na\\nb\\n' | uniq -u
echo '1 2 3' | xargs -n 2 echo got
printf 'p q\\n' | xargs -I{} echo '<{}>'
echo "'a b' c" | xargs printf '[%s]'
echo; echo x | xargs nosuchprogram; echo "rc=$?"
cut -f 0 </dev/null; echo "rc=$?"
`)
  assert.equal(
    r.out,
    'y z\n2 3\nnodelim\nx\nbcdf\n   2 a\n   1 b\n   2 c\nb\ngot 1 2\ngot 3\n<p q>\n[a b][c]\nrc=127\nrc=1\n',
  )
  assert.match(r.err, /cut: \[-bcf\] list: illegal list value/)
})

test('rm and killall', async () => {
  const r = await sh(`
echo x > f; rm f; [ -f f ] || echo gone
rm f; echo "rc=$?"
rm -f f; echo "rc=$?"
jail -c name=j persist vnet > /dev/null
jexec j ifconfig lo0 inet 127.0.0.1/8 up
jexec j ping 127.0.0.1 > /dev/null &
jexec j ping -i 0.5 127.0.0.1 > /dev/null &
sleep 1
killall -s ping | wc -l
jexec j killall ping; echo "rc=$?"
wait
killall ping; echo "rc=$?"
`)
  assert.equal(r.out, 'gone\nrc=1\nrc=0\n       2\nrc=0\nrc=1\n')
  assert.equal(r.err, 'rm: f: No such file or directory\nNo matching processes were found\n')
})

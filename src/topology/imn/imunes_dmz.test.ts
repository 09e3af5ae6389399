/**
 * IMUNES's DMZ+DNS+Mail+WEB lab (../shared/imunes-examples): the LAN behind FWint (192.168.1.0/24,
 * private) reaches the rest only through natd on FWint, fed by a `divert natd` rule on its outside
 * interface, as the lab's start_fw sets it up. Before natd, pingall gets 308 of 420: the DMZ hosts
 * reach the LAN by their static route to FWint, nobody else does, and the LAN's replies to the
 * others never come back. With natd every LAN host reaches every other end system, and the DMZ still
 * reaches the LAN's own addresses (libalias links an echo request it has no link for to the
 * address it was sent to, FindIcmpIn, so the reply leaves unaliased); the 14 hosts outside have no
 * route to 192.168.1.0/24: 420 − 14 × 4 = 364. natd's `-redirect_port tcp 192.168.1.10:25 25`
 * takes smtpMM's connection to 15.16.17.2:25 to LAN-SMTP. Skipped with a message when the
 * collection is absent.
 */

import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { bootLab } from '../../testing/lab_console.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const DIR = resolve(ROOT, process.env.IMUNES_EXAMPLES ?? '../shared/imunes-examples')
const LAB = join(DIR, 'DMZ+DNS+Mail+WEB/NETWORK.imn')
const ABSENT = existsSync(LAB)
  ? undefined
  : `${LAB} not found (set IMUNES_EXAMPLES to IMUNES's example collection)`

const LAN = ['LAN-SMTP', 'pc1', 'pc2', 'pc3']
const OUTSIDE_ROW = /^(aRootServer|pc|mm|www|zpmMail) -> /

test(
  'DMZ+DNS+Mail+WEB: natd on FWint gives the LAN the rest of the lab (pingall 308 → 364 of 420), redirect_port to LAN-SMTP',
  { skip: ABSENT },
  async () => {
    const lab = await bootLab(readFileSync(LAB, 'utf8'), 1, { fileName: 'NETWORK.imn', chatty: true })
    let done = false
    try {
      const before = await lab.line('pingall')
      assert.match(before.out, /\(308\/420 received\)\n$/)
      const sys = lab.host.syscalls()
      sys.kenvSet('net.inet.ip.fw.default_to_accept', '1')
      sys.kldload('ipfw')
      sys.kldload('ipdivert')
      for (const l of [
        'FWint natd -interface eth0 -redirect_port tcp 192.168.1.10:25 25',
        'FWint ipfw -q add 400 divert natd ip from any to any via eth0',
      ]) {
        const r = await lab.line(l)
        assert.equal(r.status, 0, r.out)
      }
      const after = await lab.line('pingall')
      assert.match(after.out, /\(364\/420 received\)\n$/, after.out)
      const rows = after.out.split('\n')
      // Every LAN host reaches all 20 others.
      for (const h of LAN) {
        const row = rows.find((x) => x.startsWith(`${h} -> `))
        assert.ok(row !== undefined && !row.includes(' X'), row)
      }
      // Hosts outside the DMZ reach neither of the LAN's addresses (four X each).
      for (const row of rows.filter((x) => OUTSIDE_ROW.test(x)))
        assert.equal(row.split(' X').length - 1, 4, row)
      // The LAN's traffic went through the divert rule.
      const shown = await lab.line('FWint ipfw show 400')
      assert.match(shown.out, /^00400 +[1-9]\d* +\d+ divert 8668 ip from any to any via eth0\n$/)
      // The redirect: a connection to FWint's outside address, port 25, is LAN-SMTP's.
      const { out } = await lab.line('LAN-SMTP nc -l 25 > /tmp/got &')
      assert.equal(out, '')
      await lab.sleep(1)
      const r = await lab.line('smtpMM echo HELO | nc -N -w 2 15.16.17.2 25; echo redirect=$?')
      assert.equal(r.out, 'redirect=0\n')
      await lab.sleep(1)
      assert.equal((await lab.line('LAN-SMTP cat /tmp/got')).out, 'HELO\n')
      done = true
    } finally {
      if (done) lab.destroy()
      else {
        // A failed check must not leave the lab's daemons ticking on the clock forever.
        lab.lab.destroy()
        lab.host.clock.stop()
      }
    }
  },
)

/**
 * IMUNES's DHCP example lab (../shared/imunes-examples/DHCP/DHCP.imn) as its start_dhcp script
 * drives it: ISC dhcpd on DHCPserver with a configuration like the one the lab ships (a pool, the
 * router R1 as default gateway, a fixed address for FIX's MAC), `dhclient eth0` on FIX, PC1, PC2
 * and PC3; then every end system has a 10.0.0.x address and `pingall` reaches everyone across the
 * RIP routers. Skipped with a message when the collection is absent.
 */

import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { LabConsole } from '../console/console.js'
import { loadAny } from '../file/load.js'
import { Lab } from '../lab/emulator.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const DIR = resolve(ROOT, process.env.IMUNES_EXAMPLES ?? '../shared/imunes-examples')
const LAB = join(DIR, 'DHCP/DHCP.imn')
const ABSENT = existsSync(LAB)
  ? undefined
  : `../shared/imunes-examples absent: ${LAB} not found (set IMUNES_EXAMPLES to IMUNES's example collection)`

// The lab's server configuration, in our words: the same pool, router, name servers and fixed host.
const CONF = `# DHCPserver
option domain-name "imunes.net";
option domain-name-servers 10.0.0.53, 10.0.0.54;
default-lease-time 600;
max-lease-time 7200;
authoritative;
log-facility local7;
lease-file-name "/var/db/imunes-dhcpd.leases";
subnet 10.0.0.0 netmask 255.255.255.0 {
  range 10.0.0.10 10.0.0.20;
  option routers 10.0.0.7;
}
host fixed {
  hardware ethernet 42:00:aa:11:11:11;
  fixed-address 10.0.0.30;
}
`

test(
  'imunes-examples/DHCP/DHCP.imn: dhcpd leases, dhclient on the PCs, pingall reaches everyone',
  { skip: ABSENT },
  async () => {
    const { topology } = loadAny(readFileSync(LAB, 'utf8'), 'DHCP.imn')
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
    const lab = Lab.build(host, topology)
    let out = ''
    const io = {
      stdin: { read: async () => null },
      stdout: { write: (s: string) => void (out += s) },
      stderr: { write: (s: string) => void (out += s) },
    }
    assert.deepEqual(await lab.start(() => io), [], out)
    const c = new LabConsole(lab, io)
    // Before the leases, the PCs have no address: pingall cannot pass.
    out = ''
    assert.notEqual(await c.runLine('pingall'), 0)
    const fs = lab.nodeFs('DHCPserver')
    assert.ok(fs.truncate('/tmp/DHCPserver.dhcpd.conf') && fs.append('/tmp/DHCPserver.dhcpd.conf', CONF))
    assert.equal(await c.runLine('DHCPserver touch /var/db/imunes-dhcpd.leases'), 0, out)
    assert.equal(await c.runLine('DHCPserver dhcpd -q -cf /tmp/DHCPserver.dhcpd.conf'), 0, out)
    const got = new Map<string, string>()
    for (const pc of ['FIX', 'PC1', 'PC2', 'PC3']) {
      out = ''
      assert.equal(await c.runLine(`${pc} dhclient eth0`), 0, out)
      const m = /bound to (10\.0\.0\.\d+) -- renewal in 300 seconds\./.exec(out)
      assert.ok(m, out)
      got.set(pc, m[1]!)
    }
    assert.equal(got.get('FIX'), '10.0.0.30')
    assert.equal(new Set(got.values()).size, 4, `distinct addresses: ${[...got.values()]}`)
    out = ''
    assert.equal(await c.runLine('PC1 netstat -rn'), 0)
    assert.match(out, /^default +10\.0\.0\.7 +UGS +eth0$/m)
    out = ''
    assert.equal(await c.runLine('pingall'), 0, out)
    assert.match(out, /\*\*\* Results: 0% dropped \(([1-9]\d*)\/\1 received\)\n$/)
    out = ''
    assert.equal(await c.runLine('DHCPserver cat /var/db/imunes-dhcpd.leases'), 0)
    assert.equal(out.match(/^lease 10\.0\.0\.\d+ \{$/gm)?.length, 3, out)
    lab.destroy()
    assert.equal(host.clock.pending, 0)
  },
)

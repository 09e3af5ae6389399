/**
 * IMUNES's own example labs (../shared/imunes-examples, or IMUNES_EXAMPLES) whose routers run RIP
 * or OSPF and need nothing else VirtNet lacks: loaded unchanged, started (ripd on every `rip 1`
 * router, ospfd on every `ospf 1` router, configured through vtysh as IMUNES does), and `pingall`
 * reaches every end system. Skipped with a message when the collection is absent.
 */

import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { bootLab } from '../../testing/lab_console.js'
import { LabConsole } from '../console/console.js'
import { loadAny } from '../file/load.js'
import { Lab } from '../lab/emulator.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const DIR = resolve(ROOT, process.env.IMUNES_EXAMPLES ?? '../shared/imunes-examples')
const ABSENT = existsSync(DIR)
  ? undefined
  : `../shared/imunes-examples absent: ${DIR} not found (set IMUNES_EXAMPLES to IMUNES's example collection)`

/** Labs with rip or ospf routers and nothing unsupported on the paths pingall tries. */
const RIP_LABS = [
  'RIP/RIP.imn',
  'RIP/RIP1.imn',
  'Ping/ping.imn',
  'Traceroute/traceroute.imn',
  'benchmark/p-3r-p.imn',
  'benchmark/p-r-p.imn',
  'DNS+Mail+WEB/NETWORK.imn',
  'OSPF/OSPF.imn',
  'OSPF/OSPF1.imn',
]

for (const name of RIP_LABS) {
  test(`imunes-examples/${name}: ripd/ospfd routes, pingall reaches everyone`, { skip: ABSENT }, async () => {
    const text = readFileSync(join(DIR, name), 'utf8')
    assert.match(text, /"router_config"\s*:\s*"[^"]*\b(rip|ospf) 1/, 'a lab with RIP or OSPF routers')
    const lab = await bootLab(text, 1, { fileName: name.split('/').pop()!, chatty: true })
    const { status, out } = await lab.line('pingall')
    assert.equal(status, 0, out)
    assert.match(out, /\*\*\* Results: 0% dropped \(([1-9]\d*)\/\1 received\)\n$/)
    lab.destroy()
  })
}

/** Labs whose routers also run RIPng (`rip 1 ripng 1`) and whose end systems have IPv6 addresses. */
const RIPNG_LABS = ['RIP/RIP1.imn', 'Ping/ping.imn', 'Traceroute/traceroute.imn', 'benchmark/p-3r-p.imn']

for (const name of RIPNG_LABS) {
  test(`imunes-examples/${name}: ripngd routes, pingall -6 reaches everyone`, { skip: ABSENT }, async () => {
    const text = readFileSync(join(DIR, name), 'utf8')
    assert.match(text, /"router_config"\s*:\s*"[^"]*\bripng 1/, 'a lab with RIPng routers')
    const lab = await bootLab(text, 1, { fileName: name.split('/').pop()!, chatty: true })
    const { status, out } = await lab.line('pingall -6')
    assert.equal(status, 0, out)
    assert.match(out, /\*\*\* Results: 0% dropped \(([1-9]\d*)\/\1 received\)\n$/)
    lab.destroy()
  })
}

/**
 * IMUNES's BGP labs with custom configurations: frrboot.sh FRR configuration files
 * (BGP_custom-config) and vtysh scripts after the interfaces are configured (BGP-Anycast_custom-config,
 * where DC1 and DC2 both announce 8.8.8.0/24): bgpd on each router, sessions over the stack's TCP,
 * and pingall reaches every end system.
 */
for (const [name, total, peerLine] of [
  ['BGP/BGP_custom-config.imn', 6, ['streamer', /^10\.1\.2\.4 +4 +65001 .* 00:00:\d\d +2 +\d+ N\/A$/m]],
  [
    'BGP/BGP-Anycast_custom-config.imn',
    12,
    ['Backbone1', /^10\.10\.10\.14 +4 +10000 .* 00:00:\d\d +3 +\d+ N\/A$/m],
  ],
] as const) {
  test(
    `imunes-examples/${name}: bgpd from the custom configs, pingall reaches everyone`,
    { skip: ABSENT },
    async () => {
      const text = readFileSync(join(DIR, name), 'utf8')
      assert.match(text, /router bgp/)
      const { topology } = loadAny(text, name.split('/').pop()!)
      const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
      const lab = Lab.build(host, topology)
      let out = ''
      const io = {
        stdin: { read: async () => null },
        stdout: { write: (s: string) => void (out += s) },
        stderr: { write: (s: string) => void (out += s) },
      }
      assert.deepEqual(await lab.start(() => io), [], out)
      out = ''
      const c = new LabConsole(lab, io)
      assert.equal(await c.runLine('pingall'), 0, out)
      assert.match(out, new RegExp(`\\*\\*\\* Results: 0% dropped \\(${total}/${total} received\\)\\n$`))
      out = ''
      await c.runLine(`${peerLine[0]} vtysh -c "show ip bgp summary"`)
      assert.match(out, peerLine[1])
      lab.destroy()
      assert.equal(host.clock.pending, 0)
    },
  )
}

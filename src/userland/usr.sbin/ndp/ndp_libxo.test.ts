/**
 * ndp's `--libxo` output in virtual time, as FreeBSD 14's ndp.c builds it: a host that learned a
 * prefix and a default router from rtadvd prints `ndp -p`, `-r`, `-a`, `-i` and a single entry
 * as JSON (parsed, fields checked against the text output of the same state) and XML; text mode
 * with `--libxo text` is byte-for-byte the plain output; a bad `--libxo` value is refused.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'

const LAN = `jail -c name=r vnet persist > /dev/null
jail -c name=h vnet persist > /dev/null
e=$(ifconfig epair create)
ifconfig epair0a vnet r; ifconfig epair0b vnet h
jexec r sysctl net.inet6.ip6.forwarding=1 > /dev/null
jexec r ifconfig epair0a inet6 2001:db8:1::1/64 up
jexec h ifconfig epair0b up
sleep 2
jexec r rtadvd epair0a
jexec h rtsol -F epair0b > /dev/null
sleep 3
jexec h ping6 -c 1 2001:db8:1::1 > /dev/null
`

/** Runs `cmds` after the LAN is up; each command's output follows a `=== name` line. */
async function outputs(cmds: Record<string, string>): Promise<Record<string, string>> {
  const script = `${LAN}${Object.entries(cmds)
    .map(([k, c]) => `echo "=== ${k}"\n${c}`)
    .join('\n')}\npkill rtadvd`
  const r = await sh(virtualHost(), script)
  assert.equal(r.err, '')
  const out: Record<string, string> = {}
  for (const part of r.out.split(/^=== /m).slice(1)) {
    const nl = part.indexOf('\n')
    out[part.slice(0, nl)] = part.slice(nl + 1)
  }
  return out
}

test('ndp -p/-r/-a/-i and a single host with --libxo json: FreeBSD 14 field names and nesting', async () => {
  const o = await outputs({
    p: 'jexec h ndp -p',
    pj: 'jexec h ndp -p --libxo json',
    pt: 'jexec h ndp --libxo text -p',
    rj: 'jexec h ndp -r --libxo=json',
    r: 'jexec h ndp -r',
    aj: 'jexec h ndp -an --libxo json',
    a: 'jexec h ndp -an',
    ij: 'jexec h ndp --libxo json -i epair0b',
    gj: 'jexec h ndp --libxo json -n 2001:db8:1::1',
  })
  assert.equal(o.pt, o.p, '--libxo text is the plain output')
  const p = JSON.parse(o.pj!)
  assert.equal(p.__version, '1')
  assert.deepEqual(Object.keys(p), ['__version', 'ndp'])
  const pl = p.ndp['prefix-list']
  // The RA's prefix, newest first, then the link-local one in6_ifattach listed (never expiring, ref 0).
  assert.equal(pl.length, 2)
  assert.equal(pl[1].prefix, 'fe80::%epair0b/64')
  assert.equal(pl[1].flags, 'LAO')
  assert.equal(pl[1].refcount, 0)
  assert.equal(pl[1].permanent, true)
  const pfx = pl[0]
  assert.equal(pfx.prefix, '2001:db8:1::/64')
  assert.equal(pfx.interface, 'epair0b')
  assert.deepEqual(pfx.flags_pretty, ['ra_onlink', 'ra_autonomous', 'is_onlink'])
  assert.equal(pfx.flags, 'LAO')
  assert.equal(pfx['valid-lifetime'], 2592000)
  assert.equal(pfx['preferred-lifetime'], 604800)
  assert.equal(typeof pfx.expires_sec, 'number')
  assert.match(
    o.p!,
    new RegExp(`expire=${pfx.expires}, ref=${pfx.refcount}\\n`),
    'the text shows the same expiry',
  )
  assert.ok(pfx.expires_sec > 2591990 && pfx.expires_sec <= 2592000)
  assert.equal(pfx.refcount, 1)
  assert.equal(pfx['advertising-routers'].length, 1)
  const adv = pfx['advertising-routers'][0]
  assert.match(adv.hostname, /^fe80::[0-9a-f:]+%epair0b$/)
  assert.equal(adv.address, adv.hostname.split('%')[0])
  assert.equal(adv.state, 'reachable')
  // The key order of ndp.c's emits.
  assert.deepEqual(Object.keys(pfx), [
    'prefix',
    'interface',
    'flags_pretty',
    'flags',
    'valid-lifetime',
    'preferred-lifetime',
    'expires',
    'expires_sec',
    'refcount',
    'advertising-routers',
  ])

  const rl = JSON.parse(o.rj!).ndp['router-list']
  assert.equal(rl.length, 1)
  assert.deepEqual(Object.keys(rl[0]), [
    'hostname',
    'address',
    'interface',
    'flags',
    'preference',
    'expires_sec',
  ])
  assert.equal(rl[0].hostname, adv.hostname)
  assert.equal(rl[0].interface, 'epair0b')
  assert.equal(rl[0].flags, '')
  assert.equal(rl[0].preference, 'medium')
  assert.ok(o.r!.startsWith(`${rl[0].hostname} if=epair0b, flags=, pref=medium, expire=`))

  const nc = JSON.parse(o.aj!).ndp['neighbor-cache']
  const textRows = o.a!.trim().split('\n').slice(1)
  assert.equal(nc.length, textRows.length, 'one instance per table row')
  for (const [i, row] of textRows.entries()) {
    const n = nc[i]
    const w = row.split(/\s+/)
    assert.deepEqual([n.address, n['mac-address'], n.interface], w.slice(0, 3))
    if (w[3] === 'permanent') assert.equal(n.permanent, true)
    else assert.equal(typeof n.expires_sec, 'number')
    assert.equal(n['neighbor-state'], w[4])
  }
  const router = nc.find((n: { address: string }) => n.address === '2001:db8:1::1')
  assert.ok(router, o.aj)
  assert.equal(router['nd-flags'], 'R')

  const ii = JSON.parse(o.ij!).ndp.ifinfo
  assert.equal(ii.interface, 'epair0b')
  assert.equal(ii.linkmtu, 1500)
  assert.equal(ii.curhlim, 64)
  assert.equal(ii.basereachable_ms, 30000)
  assert.equal(ii.retrans_ms, 1000)
  assert.equal(ii.flags, 0x23)
  assert.deepEqual(ii.flags_pretty, ['nud', 'accept_rtadv', 'auto_linklocal'])

  const g = JSON.parse(o.gj!).ndp['neighbor-cache']
  assert.equal(g.length, 1)
  assert.equal(g[0].address, '2001:db8:1::1')
})

test('--libxo xml and pretty JSON; a bad --libxo value is refused', async () => {
  const o = await outputs({
    x: 'jexec h ndp -p --libxo xml',
    pp: 'jexec h ndp -r --libxo json,pretty',
    bad: 'jexec h ndp -p --libxo bogus 2>&1; echo status=$?',
  })
  assert.match(
    o.x!,
    /^<ndp version="1"><prefix-list><prefix>2001:db8:1::\/64<\/prefix><interface>epair0b<\/interface><flags_pretty>ra_onlink<\/flags_pretty><flags_pretty>ra_autonomous<\/flags_pretty><flags_pretty>is_onlink<\/flags_pretty><flags>LAO<\/flags><valid-lifetime>2592000<\/valid-lifetime>/,
  )
  assert.match(o.x!, /<advertising-routers><hostname>fe80::[0-9a-f:]+%epair0b<\/hostname>/)
  assert.match(o.x!, /<\/prefix-list><\/ndp>\n$/)
  const lines = o.pp!.split('\n')
  assert.deepEqual(lines.slice(0, 6), [
    '{',
    '  "__version": "1", ',
    '  "ndp": {',
    '    "router-list": [',
    '      {',
    lines[5]!.startsWith('        "hostname": "fe80::') ? lines[5] : 'a hostname line',
  ])
  assert.deepEqual(lines.slice(-5), ['      }', '    ]', '  }', '}', ''])
  assert.ok(JSON.parse(o.pp!).ndp['router-list'][0].expires_sec > 0)
  assert.match(o.bad!, /^ndp: unknown libxo option value: 'bogus'\nstatus=1$/m)
})

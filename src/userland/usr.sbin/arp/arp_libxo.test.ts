/**
 * arp's `--libxo` output in virtual time, as FreeBSD 14's arp.c builds it: `arp -an` and a single
 * host as JSON (parsed, every field checked against the text output of the same cache), the exact
 * XML of a two-entry cache, an unknown host's empty list, and `--libxo text` equal to the plain output.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'

const LAN = `jail -c name=a vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
e=$(ifconfig epair create)
ifconfig epair0a vnet a; ifconfig epair0b vnet b
jexec a ifconfig epair0a 192.0.2.1/24 up
jexec b ifconfig epair0b 192.0.2.2/24 up
jexec a ping -c 1 192.0.2.2 > /dev/null
jexec a arp -s 192.0.2.7 02:00:00:00:00:07 pub
`

async function outputs(cmds: Record<string, string>): Promise<Record<string, string>> {
  const script = `${LAN}${Object.entries(cmds)
    .map(([k, c]) => `echo "=== ${k}"\n${c}`)
    .join('\n')}`
  const r = await sh(virtualHost(), script)
  assert.equal(r.err, '')
  const out: Record<string, string> = {}
  for (const part of r.out.split(/^=== /m).slice(1)) {
    const nl = part.indexOf('\n')
    out[part.slice(0, nl)] = part.slice(nl + 1)
  }
  return out
}

test('arp -an and arp HOST with --libxo json: arp.c field names, types and values of the text', async () => {
  const o = await outputs({
    a: 'jexec a arp -an',
    aj: 'jexec a arp -an --libxo json',
    at: 'jexec a arp --libxo text -an',
    g: 'jexec a arp 192.0.2.2',
    gj: 'jexec a arp --libxo=json 192.0.2.2',
    none: 'jexec a arp --libxo json 192.0.2.9; echo status=$?',
    nonet: 'jexec a arp 192.0.2.9',
  })
  assert.equal(o.at, o.a, '--libxo text is the plain output')
  const doc = JSON.parse(o.aj!)
  assert.deepEqual(Object.keys(doc), ['__version', 'arp'])
  assert.equal(doc.__version, '1')
  const cache = doc.arp['arp-cache']
  const lines = o.a!.trimEnd().split('\n')
  assert.equal(cache.length, lines.length, 'one instance per text line')
  assert.equal(cache.length, 3)
  for (const [i, line] of lines.entries()) {
    const e = cache[i]
    const m = /^(\S+) \((\S+)\) at (\S+) on (\S+) (.*) \[(\w+)\]$/.exec(line)
    assert.ok(m, line)
    assert.equal(e.hostname, m[1])
    assert.equal(e['ip-address'], m[2])
    assert.equal(e['mac-address'], m[3])
    assert.equal(e.interface, m[4])
    assert.equal(e.type, m[6])
    const rest = m[5]!
    if (rest.startsWith('permanent')) {
      assert.equal(e.permanent, true)
      assert.equal(e.expires, undefined)
    } else {
      assert.equal(typeof e.expires, 'number')
      assert.equal(rest, `expires in ${e.expires} seconds`)
    }
    assert.equal(e.published, rest.endsWith('published') ? true : undefined)
  }
  const learned = cache.find((e: { 'ip-address': string }) => e['ip-address'] === '192.0.2.2')
  assert.deepEqual(Object.keys(learned), [
    'hostname',
    'ip-address',
    'mac-address',
    'interface',
    'expires',
    'type',
  ])
  const pub = cache.find((e: { 'ip-address': string }) => e['ip-address'] === '192.0.2.7')
  assert.deepEqual(
    { mac: pub['mac-address'], permanent: pub.permanent, published: pub.published },
    { mac: '02:00:00:00:00:07', permanent: true, published: true },
  )

  const one = JSON.parse(o.gj!).arp['arp-cache']
  assert.equal(one.length, 1)
  assert.deepEqual(one[0], { ...learned, expires: one[0].expires })
  assert.equal(
    o.g,
    `? (192.0.2.2) at ${learned['mac-address']} on epair0a expires in ${one[0].expires} seconds [ethernet]\n`,
  )

  // No entry: the message is display-only, so JSON has the empty list; the status is still 1.
  assert.equal(o.nonet, '192.0.2.9 (192.0.2.9) -- no entry\n')
  assert.equal(o.none, '{"__version": "1", "arp": {"arp-cache": []}}\nstatus=1\n')
})

test('arp -an --libxo xml: the exact document; a bad --libxo value is refused', async () => {
  const o = await outputs({
    x: 'jexec a arp -an -i epair0a --libxo xml',
    t: 'jexec a arp -an',
    bad: 'jexec a arp -an --libxo bogus 2>&1; echo status=$?',
  })
  const mac = (ip: string): string =>
    new RegExp(`\\(${ip.replace(/\./g, '\\.')}\\) at (\\S+)`).exec(o.t!)![1]!
  const exp = /\(192\.0\.2\.2\) .* expires in (\d+) seconds/.exec(o.t!)![1]
  assert.equal(
    o.x,
    '<arp version="1">' +
      `<arp-cache><hostname>?</hostname><ip-address>192.0.2.1</ip-address><mac-address>${mac('192.0.2.1')}</mac-address><interface>epair0a</interface><permanent>true</permanent><type>ethernet</type></arp-cache>` +
      `<arp-cache><hostname>?</hostname><ip-address>192.0.2.2</ip-address><mac-address>${mac('192.0.2.2')}</mac-address><interface>epair0a</interface><expires>${exp}</expires><type>ethernet</type></arp-cache>` +
      '<arp-cache><hostname>?</hostname><ip-address>192.0.2.7</ip-address><mac-address>02:00:00:00:00:07</mac-address><interface>epair0a</interface><permanent>true</permanent><published>true</published><type>ethernet</type></arp-cache>' +
      '</arp>\n',
  )
  assert.equal(o.bad, "arp: unknown libxo option value: 'bogus'\nstatus=1\n")
})

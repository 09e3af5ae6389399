/**
 * netstat's `--libxo` output in virtual time, as FreeBSD 14's netstat builds it: `-rn` (both
 * families, a two-path multipath route, -W, a FIB) and `-i`/`-I IF -bd` as JSON, each value checked
 * against the text table of the same state; the exact XML of a one-interface `-I`; `--libxo text`
 * is the plain output.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'

const LAB = `jail -c name=a vnet persist > /dev/null
e=$(ifconfig epair create)
ifconfig epair0a vnet a
jexec a ifconfig epair0a 192.0.2.1/24 up
jexec a ifconfig epair0a inet6 2001:db8::1/64
jexec a route add 203.0.113.0/24 192.0.2.2 -weight 3 > /dev/null
jexec a route add 203.0.113.0/24 192.0.2.3 > /dev/null
`

async function outputs(cmds: Record<string, string>): Promise<Record<string, string>> {
  const script = `${LAB}${Object.entries(cmds)
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

interface RtEntry {
  destination: string
  gateway: string
  flags: string
  flags_pretty: string[]
  weight: number
  'nhop-kidx'?: number
  'nhg-kidx'?: number
  nhop?: number
  mtu?: number
  'interface-name': string
}

/** The text table's rows per family title: `Internet` → rows split on blanks. */
function textTables(text: string): Map<string, string[][]> {
  const out = new Map<string, string[][]>()
  for (const sec of text.split('\n\n').slice(1)) {
    const [title, , ...rows] = sec.trimEnd().split('\n')
    out.set(
      title!.replace(/:$/, ''),
      rows.map((r) => r.trim().split(/\s+/)),
    )
  }
  return out
}

test('netstat -rn --libxo json: route-information > route-table > rt-family > rt-entry, as the text', async () => {
  const o = await outputs({
    r: 'jexec a netstat -rn',
    rj: 'jexec a netstat -rn --libxo json',
    rt: 'jexec a netstat --libxo text -rn',
    w: 'jexec a netstat -rnW',
    wj: 'jexec a netstat -rnW --libxo:JP',
    f4: 'jexec a netstat -rn -f inet --libxo json',
  })
  assert.equal(o.rt, o.r, '--libxo text is the plain output')
  const doc = JSON.parse(o.rj!)
  assert.deepEqual(Object.keys(doc), ['statistics'])
  assert.deepEqual(Object.keys(doc.statistics['route-information']), ['route-table'])
  const fams = doc.statistics['route-information']['route-table']['rt-family']
  const text = textTables(o.r!)
  assert.deepEqual(
    fams.map((f: { 'address-family': string }) => f['address-family']),
    ['Internet', 'Internet6'],
  )
  for (const f of fams) {
    const rows = text.get(f['address-family'])!
    const entries: RtEntry[] = f['rt-entry']
    assert.equal(entries.length, rows.length, `${f['address-family']}: one rt-entry per row`)
    for (const [i, e] of entries.entries()) {
      assert.deepEqual([e.destination, e.gateway, e.flags, e['interface-name']], rows[i])
      // IPv4 paths carry their nexthop's kernel index (a multipath route's, its group's).
      const kidx =
        f['address-family'] === 'Internet6'
          ? []
          : [e.destination === '203.0.113.0/24' ? 'nhg-kidx' : 'nhop-kidx']
      assert.deepEqual(Object.keys(e), [
        'destination',
        'gateway',
        'flags',
        'flags_pretty',
        'weight',
        ...kidx,
        'interface-name',
      ])
      assert.equal(e.flags_pretty.length, e.flags.length, 'a name per letter')
      assert.equal(e.flags_pretty[0], 'up')
    }
  }
  // The multipath route: one rt-entry per path, each with its weight.
  const v4: RtEntry[] = fams[0]['rt-entry']
  const mp = v4.filter((e) => e.destination === '203.0.113.0/24')
  assert.deepEqual(
    mp.map((e) => [e.gateway, e.weight, e.flags_pretty]),
    [
      ['192.0.2.2', 3, ['up', 'gateway', 'static']],
      ['192.0.2.3', 1, ['up', 'gateway', 'static']],
    ],
  )

  // -W: Nhop# and mtu as numbers, equal to the text's columns; a multipath path's Nhop# is 0.
  const wf = JSON.parse(o.wj!).statistics['route-information']['route-table']['rt-family']
  const wt = textTables(o.w!)
  for (const f of wf) {
    const rows = wt.get(f['address-family'])!
    for (const [i, e] of (f['rt-entry'] as RtEntry[]).entries()) {
      assert.equal(typeof e.nhop, 'number')
      assert.deepEqual(
        [e.destination, String(e.nhop), String(e.mtu), e['interface-name']],
        [rows[i]![0], rows[i]![3], rows[i]![4], rows[i]![5]],
      )
      if (e['nhg-kidx'] !== undefined) assert.equal(e.nhop, 0)
      if (e['nhop-kidx'] !== undefined) assert.equal(e.nhop, e['nhop-kidx'])
    }
  }
  assert.match(o.wj!, /^\{\n {2}"statistics": \{\n {4}"route-information": \{\n/, 'pretty')

  const only4 = JSON.parse(o.f4!).statistics['route-information']['route-table']['rt-family']
  assert.equal(only4.length, 1)
  assert.equal(only4[0]['address-family'], 'Internet')
})

test('netstat -rn --libxo json in another FIB carries the fib number', async () => {
  const r = await sh(
    virtualHost(),
    `${LAB}jexec a sysctl net.fibs=2 > /dev/null
jexec a netstat -rn -F 1 --libxo json; jexec a netstat -rn -F 1 | head -n 1`,
  )
  assert.equal(r.err, '')
  const [json, title] = r.out.split('\n')
  const ri = JSON.parse(json!).statistics['route-information']
  assert.equal(ri.fib, 1)
  assert.equal(title, 'Routing tables (fib: 1)')
})

test('netstat -i and -I IF -bd --libxo json: if.c field names, numbers where the text has values', async () => {
  const o = await outputs({
    i: 'jexec a netstat -in',
    ij: 'jexec a netstat -in --libxo json',
    it: 'jexec a netstat -in --libxo text',
    b: 'jexec a netstat -I epair0a -bdnW',
    bj: 'jexec a netstat -I epair0a -bdnW --libxo json',
  })
  assert.equal(o.it, o.i)
  const list = JSON.parse(o.ij!).statistics.interface
  const rows = o.i!.trimEnd().split('\n').slice(1)
  assert.equal(list.length, rows.length, 'one instance per row')
  for (const [i, e] of list.entries()) {
    const w = rows[i]!.trim().split(/\s+/)
    assert.match(e.flags, /^0x[0-9a-f]+$/)
    // The Name column: cut to 5, with a star when IFF_UP (0x1) is clear.
    assert.equal(w[0], `${e.name}${(Number(e.flags) & 1) === 0 ? '*' : ''}`.slice(0, 5))
    const link = e.network.startsWith('<Link#')
    assert.equal(e.mtu, link ? Number(w[1]) : undefined)
    // The text cuts address rows; JSON carries the whole value.
    assert.ok(e.network.startsWith(w[2]!), `${e.network} / ${w[2]}`)
    assert.ok(e.address.startsWith(w[3]!), `${e.address} / ${w[3]}`)
    assert.equal(e['received-packets'], Number(w[4]))
    assert.equal(e['sent-packets'], Number(w[7]))
    assert.equal(e['received-errors'], link ? Number(w[5]) : undefined)
    assert.equal(e.collisions, link ? Number(w[9]) : undefined)
  }
  const ep = list.find(
    (e: { name: string; network: string }) => e.name === 'epair0a' && e.network === '<Link#2>',
  )
  assert.ok(ep.address.match(/^02(:[0-9a-f]{2}){5}$/))
  assert.equal(ep.flags, '0x8843')
  assert.ok(ep['sent-packets'] > 0)
  const v6 = list.find((e: { address: string }) => e.address === '2001:db8::1')
  assert.equal(v6.network, '2001:db8::/64')

  // -b/-d: bytes, and -d's output drops as a second dropped-packets (JSON.parse keeps the last).
  const b = JSON.parse(o.bj!).statistics.interface
  const bw = o.b!.trimEnd().split('\n').slice(1)
  assert.equal(b.length, bw.length)
  const w0 = bw[0]!.trim().split(/\s+/)
  assert.equal(b[0]['received-bytes'], Number(w0[7]))
  assert.equal(b[0]['sent-bytes'], Number(w0[10]))
  assert.equal(b[0]['dropped-packets'], Number(w0[12]))
  assert.equal((o.bj!.split('},')[0]!.match(/"dropped-packets"/g) ?? []).length, 2)
})

test('netstat -I lo0 -n -f link --libxo xml: the exact document, values as the text row', async () => {
  const r = await sh(
    virtualHost(),
    `${LAB}jexec a netstat -I lo0 -n -f link --libxo xml; jexec a netstat -I lo0 -n -f link`,
  )
  assert.equal(r.err, '')
  const [xml, , row] = r.out.split('\n')
  const w = row!.trim().split(/\s+/)
  assert.equal(w[0], 'lo0*', 'lo0 is down in a new vnet jail')
  assert.equal(
    xml,
    `<statistics><interface><name>lo0</name><flags>0x8008</flags><mtu>${w[1]}</mtu>` +
      `<network>&lt;Link#1&gt;</network><address>lo0</address>` +
      `<received-packets>${w[4]}</received-packets><received-errors>${w[5]}</received-errors>` +
      `<dropped-packets>${w[6]}</dropped-packets><sent-packets>${w[7]}</sent-packets>` +
      `<send-errors>${w[8]}</send-errors><collisions>${w[9]}</collisions></interface></statistics>`,
  )
})

/**
 * netstat -s -p icmp6 as FreeBSD 14's icmp6_stats prints it: both histograms with icmp6names'
 * labels (ND and MLDv2 reports among them), the error histogram, plurals, and -s -s.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { Icmp6Stats, icmp6ErrCount } from '../../../stack/netinet6/icmp6.js'
import { Net } from '../../../testing/net.js'
import { ping6 } from '../../../testing/net6.js'
import { SEC } from '../../../util/clock.js'
import { Icmp6Type, Unreach6Code } from '../../../wire/inet6/icmpv6.js'
import { formatIpv6, in6LinkLocalFromMac } from '../../../wire/inet6/in6_addr.js'
import { runCmd } from '../../testkit.js'
import { formatIcmp6Stats } from './inet6.js'
import { netstat } from './netstat.js'

/** The rows protoStats gives: numbers, and the non-zero histogram slots as `name[i]`. */
function rowsOf(st: Icmp6Stats): Array<readonly [string, number]> {
  const out: Array<readonly [string, number]> = []
  for (const [k, v] of Object.entries(st)) {
    if (typeof v === 'number') out.push([k, v])
    else for (const [i, n] of (v as number[]).entries()) if (n !== 0) out.push([`${k}[${i}]`, n])
  }
  return out
}

describe('netstat -s -p icmp6', () => {
  test('two vnets after ping6: echo, ND and MLDv2 in the histograms, FreeBSD wording', async () => {
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 11 })
    const n = new Net(host, { jails: ['a', 'b'], links: [['a', '10.0.0.1/24', 'b', '10.0.0.2/24']] })
    await n.sleep(3 * SEC)
    const ll = formatIpv6(in6LinkLocalFromMac(n.sys('b').ifGet('epair0b').mac!))
    assert.ok((await ping6(n.sys('a'), ll, { via: 'epair0a' })) !== null, 'no reply')
    const r = await runCmd(netstat, 'netstat -s -p icmp6', n.sys('b'))
    assert.equal(r.status, 0, r.err)
    const lines = r.out.split('\n')
    assert.equal(lines[0], 'icmp6:')
    assert.equal(lines[1], '\t0 calls to icmp6_error')
    assert.equal(lines[2], '\t0 errors not generated in response to an icmp6 message')
    assert.equal(lines[3], '\t0 errors not generated because of rate limitation')
    assert.equal(lines[4], '\tOutput histogram:')
    const outH = lines.indexOf('\tOutput histogram:')
    const inH = lines.indexOf('\tInput histogram:')
    const errH = lines.indexOf('\tHistogram of error messages to be generated:')
    assert.ok(outH < inH && inH < errH, r.out)
    const outPart = lines.slice(outH, inH).join('\n')
    const inPart = lines.slice(inH, errH).join('\n')
    assert.match(outPart, /\n\t\techo reply: 1\n/)
    assert.match(outPart, /\n\t\tneighbor advertisement: [1-9]/)
    assert.match(outPart, /\n\t\tMLDv2 listener report: [1-9]/)
    assert.match(inPart, /\n\t\techo: 1(\n|$)/)
    assert.match(inPart, /\n\t\tneighbor solicitation: [1-9]/)
    // Types in ascending order, as netstat walks the array.
    assert.ok(outPart.indexOf('echo reply') < outPart.indexOf('neighbor advertisement'))
    assert.ok(outPart.indexOf('neighbor advertisement') < outPart.indexOf('MLDv2'))
    assert.equal(lines[errH + 1], '\t\t0 no route')
    assert.equal(lines[errH + 13], '\t\t0 unknown')
    assert.equal(lines[errH + 14], '\t1 message response generated')
    assert.equal(lines.at(-2), '\t0 path MTU changes')
    assert.equal(host.env.netisr.errors, 0)
  })

  test('plurals, #N for unnamed types, the error histogram, and -s -s', () => {
    const st = new Icmp6Stats()
    st.icp6s_error = 1
    icmp6ErrCount(st, Icmp6Type.DST_UNREACH, Unreach6Code.NOPORT)
    icmp6ErrCount(st, Icmp6Type.DST_UNREACH, 9)
    icmp6ErrCount(st, Icmp6Type.REDIRECT, 0)
    st.icp6s_outhist[1] = 1
    st.icp6s_inhist[200] = 2
    st.icp6s_reflect = 1
    const full = formatIcmp6Stats(rowsOf(st), false)
    assert.match(full, /^icmp6:\n\t1 call to icmp6_error\n/)
    assert.match(full, /\tOutput histogram:\n\t\tunreach: 1\n\t0 messages with bad code fields\n/)
    assert.match(full, /\tInput histogram:\n\t\t#200: 2\n\tHistogram of error messages to be generated:\n/)
    assert.match(full, /\n\t\t1 port unreachable\n/)
    assert.match(full, /\n\t\t1 redirect\n\t\t1 unknown\n\t1 message response generated\n/)
    assert.equal(
      formatIcmp6Stats(rowsOf(st), true),
      [
        'icmp6:',
        '\t1 call to icmp6_error',
        '\tOutput histogram:',
        '\t\tunreach: 1',
        '\tInput histogram:',
        '\t\t#200: 2',
        '\tHistogram of error messages to be generated:',
        '\t\t1 port unreachable',
        '\t\t1 redirect',
        '\t\t1 unknown',
        '\t1 message response generated',
        '',
      ].join('\n'),
    )
  })
})

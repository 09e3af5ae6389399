/**
 * IMUNES's nat64 node: the startup lines nat64.start amounts to (tun0, its routes, tayga.conf as
 * prepareTaygaConf writes it, tayga), and IMUNES's functional_tests/nat64 lab loaded unchanged and
 * checked as its test.sh checks it — each ping seen translated on the far side's wire — plus the
 * dynamic pool for an unmapped IPv6 host. The lab case skips with a message when
 * ../shared/imunes-examples (or IMUNES_EXAMPLES) is absent.
 */

import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { bootLab } from '../../testing/lab_console.js'
import { loadAny } from '../file/load.js'
import { nat64Startup } from './imn_nat64.js'

test("nat64.start's lines: IMUNES's defaults, its tayga.conf text, mappings checked", () => {
  const warns: string[] = []
  const lines = nat64Startup(undefined, (m) => void warns.push(m))
  assert.equal(warns.length, 0)
  assert.deepEqual(lines, [
    'ifconfig tun0 create',
    'ifconfig tun0 inet6 -ifdisabled',
    'ifconfig tun0 up',
    'route -nq add -inet 192.168.64.0/24 -interface tun0',
    'route -nq add -inet6 2001::/96 -interface tun0',
    'mkdir -p /var/db/tayga',
    'cat > /usr/local/etc/tayga.conf << __EOF__',
    'tun-device\ttun0',
    ' ipv4-addr\t192.168.64.0',
    ' dynamic-pool\t192.168.64.0/24',
    ' prefix\t\t2001::/96',
    ' data-dir\t/var/db/tayga',
    '',
    '__EOF__',
    'tayga',
  ])
  const withMaps = nat64Startup(
    { tayga_ipv4_pool: '10.64.0.0/24', tayga_mappings: ['10.64.0.9 fc00::9', 'nonsense', '1.2.3.4 zz::1'] },
    (m) => void warns.push(m),
  )
  assert.ok(withMaps.includes(' map\t\t10.64.0.9\tfc00::9'))
  assert.ok(withMaps.includes(' ipv4-addr\t10.64.0.0'))
  assert.equal(withMaps.filter((l) => l.startsWith(' map')).length, 1)
  assert.deepEqual(warns, [
    'tayga mapping "nonsense" is not "IPV4 IPV6"; ignored',
    'tayga mapping "1.2.3.4 zz::1" is not "IPV4 IPV6"; ignored',
  ])
  warns.length = 0
  // A value the shell would run is refused, not written into the node's script.
  assert.deepEqual(
    nat64Startup({ tayga_ipv4_pool: '10.0.0.0/24; reboot' }, (m) => void warns.push(m)),
    [],
  )
  assert.equal(warns.length, 1)
})

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const IMN = resolve(
  ROOT,
  process.env.IMUNES_EXAMPLES ?? '../shared/imunes-examples',
  'functional_tests/nat64/topo.imn',
)
const ABSENT = existsSync(IMN)
  ? undefined
  : `${IMN} absent (set IMUNES_EXAMPLES to IMUNES's example collection)`

test(
  "imunes-examples functional_tests/nat64: test.sh's four pings, translated on the wire; the dynamic pool",
  { skip: ABSENT },
  async () => {
    const text = readFileSync(IMN, 'utf8')
    assert.deepEqual(loadAny(text, 'topo.imn').warnings, [])
    const lab = await bootLab(text, 3, { fileName: 'topo.imn' })
    // RFC 4862 §5.4: the IPv6 addresses are tentative (no source) until DAD is done.
    await lab.sleep(3)
    let r = await lab.line('nat64-1 cat /usr/local/etc/tayga.conf')
    assert.equal(
      r.out,
      'tun-device\ttun0\n ipv4-addr\t192.168.64.0\n dynamic-pool\t192.168.64.0/24\n prefix\t\t2001::/96\n data-dir\t/var/db/tayga\n\n map\t\t192.168.64.254\tfc00::20\n',
    )
    const through = async (where: string, filter: string, ping: string): Promise<string> => {
      await lab.line(`${where} tcpdump -w /root/cap -ni eth0 ${filter} &`)
      const p = await lab.line(ping)
      assert.equal(p.status, 0, p.out)
      await lab.line(`${where} pkill tcpdump`)
      return (await lab.line(`${where} tcpdump -nr /root/cap`)).out
    }
    // Plain IPv4 routing across the nat64 node, as any router.
    r.out = await through('host', 'icmp', 'pc ping -W 2 -c 2 120.0.0.10')
    assert.match(r.out, /IP 10\.0\.0\.20 > 120\.0\.0\.10: ICMP echo request/)
    // The mapped IPv6 host reaches pc as 192.168.64.254 (its static map); pc answers that address.
    r.out = await through('pc', 'icmp', 'mapped ping6 -n -c 2 2001::10.0.0.20')
    assert.match(r.out, /IP 192\.168\.64\.254 > 10\.0\.0\.20: ICMP echo request, id \d+, seq 0, length 16/)
    assert.match(r.out, /IP 10\.0\.0\.20 > 192\.168\.64\.254: ICMP echo reply, id \d+, seq 1, length 16/)
    // pc reaches the mapped host by that IPv4 address; it sees pc inside the prefix (RFC 6052).
    r.out = await through('mapped', 'icmp6', 'pc ping -W 2 -c 2 192.168.64.254')
    assert.match(r.out, /IP6 2001::a00:14 > fc00::20: ICMP6, echo request, id \d+, seq 0, length 64/)
    assert.match(r.out, /IP6 fc00::20 > 2001::a00:14: ICMP6, echo reply, id \d+, seq 1, length 64/)
    r.out = await through('host', 'icmp', 'mapped ping6 -n -c 2 2001::120.0.0.10')
    assert.match(r.out, /IP 192\.168\.64\.254 > 120\.0\.0\.10: ICMP echo request/)
    // host has IPv6 but no map: it takes an address from the dynamic pool, neither .0 nor .254.
    r.out = await through('pc', 'icmp', 'host ping6 -n -c 1 2001::10.0.0.20')
    const m = /IP (192\.168\.64\.(\d+)) > 10\.0\.0\.20: ICMP echo request/.exec(r.out)
    assert.ok(m, r.out)
    assert.ok(m[2] !== '0' && m[2] !== '254', m[1])
    r = await lab.line('nat64-1 cat /var/db/tayga/dynamic.map')
    assert.match(r.out, new RegExp(`^${m[1]!.replace(/\./g, '\\.')}\\tfc00:120::10\\t\\d+$`, 'm'))
    lab.destroy()
  },
)

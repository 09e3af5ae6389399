/**
 * ipfw on each vnet's own pfil heads (ip_fw_pfil.c): loading the module hooks every stack there is
 * and every one made later; net.inet.ip.fw.enable=0 unhooks just that vnet, so its packets skip the
 * filter, and 1 hooks it again; unloading unhooks them all.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROUTED, sh, virtualHost } from '../../../testing/net_lab.js'
import type { Vnet } from '../../net/vnet.js'

test('kldload hooks every vnet, enable=0 unhooks one, kldunload unhooks all', async () => {
  const host = virtualHost()
  const r = await sh(host, ROUTED)
  assert.equal(r.status, 0, r.err)
  const vnet = (name: string): Vnet => [...host.vnets].find((v) => v.name === name)!
  const hooked = (name: string) => vnet(name).pfilInet.has('ipfw')
  assert.ok(!hooked('a') && !hooked('r'))
  const ping = 'jexec a ping -c 1 -t 1 10.0.2.2 > /dev/null; echo ping=$?'

  // Loaded with its default rule `deny`: a's own output is filtered.
  let out = await sh(host, `kldload ipfw\n${ping}`)
  assert.match(out.out, /ping=2/)
  for (const j of ['a', 'r', 'b']) assert.ok(hooked(j), j)
  assert.ok(vnet('a').pfilLink.has('ipfw'))

  // Off in every vnet on the path: no hook left on their heads, and the ping goes through.
  out = await sh(
    host,
    `for j in a r b; do jexec $j sysctl net.inet.ip.fw.enable=0 > /dev/null; done\n${ping}`,
  )
  assert.match(out.out, /ping=0/)
  for (const j of ['a', 'r', 'b']) {
    assert.ok(!hooked(j), j)
    assert.equal(vnet(j).pfilInet.nIn, 0)
  }
  // The host's own stack (vnet0) keeps its hook: each vnet decides for itself.
  assert.ok(host.vnet0.pfilInet.has('ipfw'))

  // On again in r alone: r's default deny drops the forwarded ping.
  out = await sh(host, `jexec r sysctl net.inet.ip.fw.enable=1 > /dev/null\n${ping}`)
  assert.match(out.out, /ping=2/)
  assert.ok(hooked('r') && !hooked('a'))

  // A vnet made now starts hooked, with enable=1.
  out = await sh(host, 'jail -c name=c vnet persist > /dev/null\njexec c sysctl -n net.inet.ip.fw.enable')
  assert.equal(out.out.trim(), '1')
  assert.ok(hooked('c'))

  out = await sh(host, `kldunload ipfw\n${ping}`)
  assert.match(out.out, /ping=0/)
  for (const v of [host.vnet0, ...host.vnets]) {
    assert.ok(!v.pfilInet.has('ipfw'), v.name)
    assert.ok(!v.pfilLink.has('ipfw'), v.name)
  }
})

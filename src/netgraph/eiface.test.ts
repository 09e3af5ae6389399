/**
 * ng_eiface(4) as FreeBSD 14 shows it: the node is named after its interface (so `ngeth0:` is the
 * eiface, and the interface's ng_ether node stays unnamed), the interface announces VLAN_MTU and
 * JUMBO_MTU, is in no interface group, and its media is autoselect, active (1000baseT) exactly while
 * the `ether` hook is connected.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { shOnHost } from '../testing/shell.js'

async function sh(script: string): Promise<string> {
  const r = await shOnHost(script)
  assert.equal(r.err, '')
  assert.equal(r.status, 0)
  return r.out
}

test('ngeth: named node, options, no groups, carrier following the ether hook', async () => {
  const out = await sh(`ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl ls | grep eiface
ifconfig ngeth0 | grep -v ether
ngctl connect ngeth0: ngeth1: ether ether
ifconfig ngeth0 | grep -E 'media|status'
ngctl rmhook ngeth1: ether
ifconfig ngeth1 | grep -E 'media|status'`)
  assert.equal(
    out,
    [
      '  Name: ngeth0          Type: eiface          ID: 00000002   Num hooks: 0',
      '  Name: ngeth1          Type: eiface          ID: 00000004   Num hooks: 0',
      'ngeth0: flags=8802<BROADCAST,SIMPLEX,MULTICAST> metric 0 mtu 1500',
      '\toptions=28<VLAN_MTU,JUMBO_MTU>',
      '\tmedia: Ethernet autoselect',
      '\tstatus: no carrier',
      '\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>',
      '\tmedia: Ethernet autoselect (1000baseT <full-duplex>)',
      '\tstatus: active',
      '\tmedia: Ethernet autoselect',
      '\tstatus: no carrier',
      '',
    ].join('\n'),
  )
})

/**
 * ngctl against a real kernel in virtual time: FreeBSD's output formats (list, show, types, msg
 * responses, help), its error messages and exit statuses (64 usage, 71 failures), commands from
 * stdin with `-f -`, the socket node vanishing at exit (non-persistent peers go with it), and the
 * FreeBSD idiom of bridging two jails' epairs with ng_bridge through ng_ether `lower` hooks.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import type { Syscalls } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { ip, Net, ping } from '../../../testing/net.js'
import { IcmpType } from '../../../wire/inet/icmp.js'
import { capture, fakeProc, runCmd } from '../../testkit.js'
import { ngctl } from './ngctl.js'

/** A fresh kernel with epair0a/epair0b in the host (lo0 is not Ethernet: it has no ng_ether node). */
function host(): Syscalls {
  const sys = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 }).syscalls()
  sys.ifCreate('epair')
  return sys
}

const run = (sys: Syscalls, line: string) => runCmd(ngctl, line, sys)

async function script(sys: Syscalls, input: string, args = '-f -') {
  const io = capture(input)
  const status = await ngctl(['ngctl', ...args.split(' ')], io, fakeProc(sys))
  return { status, out: io.out(), err: io.err() }
}

describe('ngctl', () => {
  test('mkpeer, name, show, list and msg with FreeBSD output', async () => {
    const sys = host()
    assert.deepEqual(await run(sys, 'ngctl mkpeer epair0a: bridge lower link0'), {
      status: 0,
      out: '',
      err: '',
    })
    assert.equal((await run(sys, 'ngctl name epair0a:lower br0')).status, 0)
    assert.equal((await run(sys, 'ngctl connect epair0b: br0: lower link1')).status, 0)
    const show = await run(sys, 'ngctl show br0:')
    assert.equal(
      show.out,
      [
        '  Name: br0             Type: bridge          ID: 00000003   Num hooks: 2',
        '  Local hook      Peer name       Peer type    Peer ID         Peer hook      ',
        '  ----------      ---------       ---------    -------         ---------      ',
        '  link1           epair0b         ether        00000006        lower          ',
        '  link0           epair0a         ether        00000002        lower          ',
        '',
      ].join('\n'),
    )
    assert.equal((await run(sys, 'ngctl show -n br0:')).out.split('\n').length, 2)
    const list = await run(sys, 'ngctl list')
    assert.equal(
      list.out,
      [
        'There are 4 total nodes:',
        '  Name: epair0a         Type: ether           ID: 00000002   Num hooks: 1',
        '  Name: br0             Type: bridge          ID: 00000003   Num hooks: 2',
        '  Name: epair0b         Type: ether           ID: 00000006   Num hooks: 1',
        '  Name: ngctl4242       Type: socket          ID: 00000009   Num hooks: 0',
        '',
      ].join('\n'),
    )
    const msg = await run(sys, 'ngctl msg br0: getconfig')
    assert.equal(
      msg.out,
      'Rec\'d response "getconfig" (2) from "[3]:":\nArgs:\t{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }\n',
    )
    assert.deepEqual(await run(sys, 'ngctl msg br0: setconfig { loopTimeout=5 maxStaleness=30 }'), {
      status: 0,
      out: '',
      err: '',
    })
    assert.match(
      (await run(sys, 'ngctl msg [3]: getconfig')).out,
      /Args:\t\{ loopTimeout=5 maxStaleness=30 \}/,
    )
    assert.equal(
      (await run(sys, 'ngctl msg br0: gettable')).out,
      'Rec\'d response "gettable" (7) from "[3]:":\nArgs:\t{}\n',
    )
    assert.match((await run(sys, 'ngctl msg epair0a: getenaddr')).out, /Args:\t02:[0-9a-f:]{14}\n$/)
    assert.equal((await run(sys, 'ngctl shutdown br0:')).status, 0)
    assert.equal((await run(sys, 'ngctl list -n')).out.split('\n')[0], 'There are 3 total named nodes:')
  })

  test('list -l shows every node with its hooks', async () => {
    const sys = host()
    await run(sys, 'ngctl mkpeer epair0a: tee lower left')
    const out = (await run(sys, 'ngctl list -l')).out
    assert.match(out, /^There are 4 total nodes:\n {2}Name: epair0a {9}Type: ether/)
    assert.match(out, /\n {2}lower {11}<unnamed> {7}tee {10}00000003 {8}left {11}\n/)
  })

  test('types lists every type and its living nodes', async () => {
    const sys = host()
    await run(sys, 'ngctl mkpeer epair0a: hub lower x')
    const out = (await run(sys, 'ngctl types')).out.split('\n')
    assert.match(out[0]!, /^There are \d+ total types:$/)
    assert.equal(out[1], '      Type name   Number of living nodes')
    assert.equal(out[2], '      ---------   ----------------------')
    for (const t of ['bridge', 'one2many', 'tee', 'eiface', 'ether', 'hub', 'socket'])
      assert.ok(
        out.some((l) => l.startsWith(`${t.padStart(15)}   `)),
        t,
      )
    assert.ok(out.includes(`${'hub'.padStart(15)}       1`))
    assert.ok(out.includes(`${'socket'.padStart(15)}       1`))
  })

  test('the socket node goes at exit: nodes hanging off it go too unless persistent', async () => {
    const sys = host()
    assert.equal((await run(sys, 'ngctl mkpeer hub x y')).status, 0)
    assert.equal((await run(sys, 'ngctl mkpeer eiface e ether')).status, 0)
    const out = (await run(sys, 'ngctl list')).out
    assert.doesNotMatch(out, /Type: hub/)
    // The eiface is named after its interface; that interface's ng_ether node is left unnamed.
    assert.match(out, /Name: ngeth0 {10}Type: eiface/)
    assert.match(out, /Name: <unnamed> {7}Type: ether/)
    assert.ok(sys.ifList().some((i) => i.name === 'ngeth0'))
  })

  test('errors: send msg failures exit 71, usage 64, unknown and ambiguous commands', async () => {
    const sys = host()
    assert.deepEqual(await run(sys, 'ngctl msg nosuch: getconfig'), {
      status: 71,
      out: '',
      err: 'ngctl: send msg: No such file or directory\n',
    })
    assert.deepEqual(await run(sys, 'ngctl mkpeer epair0a: bridge lower bogus'), {
      status: 71,
      out: '',
      err: 'ngctl: send msg: Invalid argument\n',
    })
    await run(sys, 'ngctl mkpeer epair0a: bridge lower link0')
    assert.equal(
      (await run(sys, 'ngctl msg epair0a:lower getstats x')).err,
      'ngctl: send msg: Invalid argument\n',
    )
    assert.equal(
      (await run(sys, 'ngctl msg epair0a:lower getstats 4')).err,
      'ngctl: send msg: Socket is not connected\n',
    )
    assert.equal(
      (await run(sys, 'ngctl shutdown nosuch:')).err,
      'ngctl: shutdown: No such file or directory\n',
    )
    assert.deepEqual(await run(sys, 'ngctl mkpeer x'), {
      status: 64,
      out: '',
      err: 'ngctl: usage: mkpeer [path] <type> <hook> <peerhook>\n',
    })
    assert.deepEqual(await run(sys, 'ngctl frob'), {
      status: 71,
      out: '',
      err: 'ngctl: "frob": unknown command\n',
    })
    assert.equal((await run(sys, 'ngctl s x:')).err, 'ngctl: "s": ambiguous command\n')
    assert.equal((await run(sys, 'ngctl sho epair0a:')).status, 0)
    assert.equal((await run(sys, 'ngctl LS')).status, 0)
    assert.deepEqual(await run(sys, 'ngctl'), {
      status: 64,
      out: '',
      err: 'ngctl: no command specified\nngctl: usage: ngctl [-d] [-f file] [-n name] [command ...]\n',
    })
    assert.equal((await run(sys, 'ngctl -x list')).status, 64)
    assert.equal(
      (await run(sys, 'ngctl -f /etc/ng.conf')).err,
      'ngctl: /etc/ng.conf: No such file or directory\n',
    )
    assert.equal((await run(sys, 'ngctl status epair0a:')).out, 'No status available for "epair0a:"\n')
    assert.equal((await run(sys, 'ngctl status nosuch:')).status, 71)
  })

  test('-n names the socket node; a taken name fails', async () => {
    const sys = host()
    assert.match((await run(sys, 'ngctl -n me list')).out, /Name: me {14}Type: socket/)
    await run(sys, 'ngctl mkpeer epair0a: hub lower x')
    await run(sys, 'ngctl name epair0a:lower taken')
    assert.deepEqual(await run(sys, 'ngctl -n taken list'), {
      status: 71,
      out: '',
      err: "ngctl: can't create node: Address already in use\n",
    })
  })

  test('-f - runs stdin line by line and stops at the first error', async () => {
    const sys = host()
    const r = await script(
      sys,
      '# make a bridge\nmkpeer epair0a: bridge lower link0\nname epair0a:lower b\n\nmsg b: getconfig\nmsg nosuch: reset\nname b: never\n',
    )
    assert.equal(r.status, 71)
    assert.match(r.out, /Rec'd response "getconfig" \(2\)/)
    assert.equal(r.err, 'ngctl: send msg: No such file or directory\nngctl: line 6: error in file\n')
    assert.equal((await script(sys, 'list\nquit\nfrob\n')).status, 0)
  })

  test('help lists the commands; help CMD describes one', async () => {
    const sys = host()
    const out = (await run(sys, 'ngctl help')).out
    assert.match(
      out,
      /^Available commands:\n {2}connect {4}Connects hook <peerhook> of the node at <relpath> to <hook>\n/,
    )
    assert.match(out, /\n {2}msg {8}Send a netgraph control message to the node at "path"\n/)
    const one = (await run(sys, 'ngctl help show')).out
    assert.equal(
      one,
      'usage:    show [-n] <path>\nAliases:  inquire, info\nSummary:  Show information about the node at <path>\nDescription:\n  If the -n flag is given, hooks are not listed.\n',
    )
  })

  test('a jail without its own vnet may not use netgraph', async () => {
    const sys = host()
    sys.jailCreate([
      ['name', 'plain'],
      ['persist', true],
    ])
    assert.deepEqual(await run(sys.attach('plain'), 'ngctl list'), {
      status: 71,
      out: '',
      err: "ngctl: can't create node: Operation not permitted\n",
    })
  })

  test('ng_bridge between two jails through ng_ether lower hooks: they ping, the bridge learns', async () => {
    const net = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed: 2 }), {
      jails: ['a', 'b'],
      links: [
        ['a', '10.0.0.1/24', '', ''],
        ['b', '10.0.0.2/24', '', ''],
      ],
    })
    const sys = net.root
    sys.ifSetUp('epair0b', true)
    sys.ifSetUp('epair1b', true)
    const r = await script(
      sys,
      'mkpeer epair0b: bridge lower link0\nname epair0b:lower br\nconnect epair1b: br: lower link1\n',
    )
    assert.equal(r.status, 0, r.err)
    const reply = await ping(net.sys('a'), ip('10.0.0.2'))
    assert.equal(reply?.type, IcmpType.ECHO_REPLY)
    const table = (await run(sys, 'ngctl msg br: gettable')).out
    assert.match(
      table,
      /numHosts=2 hosts=\[ \{ addr=02:[0-9a-f:]+ hook="link0" \} \{ addr=02:[0-9a-f:]+ hook="link1" \} \]/,
    )
    assert.match((await run(sys, 'ngctl msg br: getstats 1')).out, /xmitPackets=2 xmitBroadcasts=1/)
    assert.equal(net.host.env.netisr.errors, 0)
  })
})

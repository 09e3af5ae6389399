/**
 * Node's `net` and `dgram` over IPv6 between two jails, as Node code uses them: a server on `::`
 * (taking IPv6 clients and IPv4 ones as ::ffff:a.b.c.d, Node's default without ipv6Only), a client
 * to an IPv6 literal with Node's address fields, and `dgram.createSocket('udp6')` both ways.
 */

import assert from 'node:assert/strict'
import { once } from 'node:events'
import { test } from 'node:test'
import { ip6 } from '../../../testing/net6.js'
import { createLab, type VirtLab } from '../lab_api.js'
import type { JailContext } from './jail_context.js'
import { netModule } from './net.js'

const LAB = `
name: six
nodes:
  a: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }
  b: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24 } ] }
links:
  - { a: a, b: b }
`

async function lab(seed: number): Promise<VirtLab> {
  const l = await createLab({ text: LAB }, { seed })
  l.node('a').sys.inet6.addAddr('eth0', ip6('fd00::1'), 64)
  l.node('b').sys.inet6.addAddr('eth0', ip6('fd00::2'), 64)
  await l.sleep(2000)
  return l
}

test("net: a server on '::' takes IPv6 and IPv4 clients; addresses as Node reports them", async () => {
  const l = await lab(71)
  try {
    const peers: string[] = []
    const server = l.node('b').net.createServer((s) => {
      peers.push(`${s.remoteAddress} ${s.remoteFamily}`)
      s.pipe(s)
    })
    await new Promise<void>((resolve) => server.listen(7, '::', resolve))
    assert.deepEqual(server.address(), { address: '::', family: 'IPv6', port: 7 })
    for (const host of ['fd00::2', '10.0.0.2']) {
      const c = l.node('a').net.connect({ host, port: 7 })
      await once(c, 'connect')
      const echoed = once(c, 'data')
      c.write('hi')
      assert.equal(String((await echoed)[0]), 'hi')
      if (host === 'fd00::2') {
        assert.equal(c.remoteAddress, 'fd00::2')
        assert.equal(c.remoteFamily, 'IPv6')
        assert.equal(c.localAddress, 'fd00::1')
      } else assert.equal(c.remoteFamily, 'IPv4')
      c.end()
      await once(c, 'close')
    }
    assert.deepEqual(peers, ['fd00::1 IPv6', '::ffff:10.0.0.1 IPv6'])
    server.close()
  } finally {
    l.close()
  }
})

test('net: listen(port) without a host is on :: dual-stack as Node; 0.0.0.0 where the jail has no IPv6', async () => {
  const l = await lab(73)
  try {
    const peers: string[] = []
    const server = l.node('b').net.createServer((s) => {
      peers.push(`${s.remoteAddress} ${s.remoteFamily}`)
      s.end()
    })
    await new Promise<void>((resolve) => server.listen(8, resolve))
    assert.deepEqual(server.address(), { address: '::', family: 'IPv6', port: 8 })
    for (const host of ['fd00::2', '10.0.0.2']) {
      const c = l.node('a').net.connect({ host, port: 8 })
      await once(c, 'close')
    }
    assert.deepEqual(peers, ['fd00::1 IPv6', '::ffff:10.0.0.1 IPv6'])
    server.close()
    // A jail sharing b's stack with an IPv4 address and IPv6 disabled (no ip6.addr): Node's
    // fallback to IPv4, which the jail's one address then stands for (prison_local_ip4).
    const b = l.node('b')
    l.host.syscalls().jailModify(b.sys.jailName, [['children.max', '1']])
    b.sys.jailCreate([
      ['name', 'p'],
      ['persist', true],
      ['ip4.addr', '10.0.0.2'],
    ])
    const ctx: JailContext = Object.assign(Object.create(b) as JailContext, { sys: b.sys.attach('p') })
    const v4only = netModule(ctx).createServer((s) => s.end())
    await new Promise<void>((resolve) => v4only.listen(9, resolve))
    assert.deepEqual(v4only.address(), { address: '10.0.0.2', family: 'IPv4', port: 9 })
    const c = l.node('a').net.connect({ host: '10.0.0.2', port: 9 })
    await once(c, 'close')
    v4only.close()
  } finally {
    l.close()
  }
})

test("dgram: createSocket('udp6') sends and answers over IPv6", async () => {
  const l = await lab(72)
  try {
    const srv = l.node('b').dgram.createSocket('udp6')
    srv.on('message', (msg, rinfo) => srv.send(Buffer.from(`re:${msg}`), rinfo.port, rinfo.address))
    await new Promise<void>((resolve) => srv.bind(5353, resolve))
    assert.deepEqual(srv.address(), { address: '::', family: 'IPv6', port: 5353 })
    const cli = l.node('a').dgram.createSocket('udp6')
    const got = once(cli, 'message')
    cli.send('ping', 5353, 'fd00::2')
    const [msg, rinfo] = (await got) as [Buffer, { address: string; family: string; port: number }]
    assert.equal(String(msg), 're:ping')
    assert.equal(rinfo.address, 'fd00::2')
    assert.equal(rinfo.family, 'IPv6')
    assert.equal(rinfo.port, 5353)
    cli.close()
    srv.close()
  } finally {
    l.close()
  }
})

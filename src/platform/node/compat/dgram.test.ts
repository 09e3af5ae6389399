/**
 * The jail `dgram` module against Node's own: code written for `node:dgram` (an echo server, a
 * client that numbers its datagrams and retries on a timer) runs unchanged between two jails across
 * a router and a delayed, lossy link, in virtual time — round trips exact, losses reproducible from
 * the seed — and the module's errors, events and misuse answers match what real `node:dgram` does
 * on this machine's loopback (compared side by side, so no expectation is written from memory).
 */

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import realDgram from 'node:dgram'
import { once } from 'node:events'
import { rmSync, writeFileSync } from 'node:fs'
import { constants } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createLab, type VirtLab } from '../lab_api.js'
import type { DgramModule, RemoteInfo } from './dgram.js'

/** cli — r1 — srv; the r1–srv link delays 20 ms each way and loses 10% each way. */
const ROUTED = `
name: routed
nodes:
  cli: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.10/24 } ], routes: [ { to: default, via: 10.0.1.1 } ] }
  r1:
    kind: router
    interfaces: [ { name: eth0, address: 10.0.1.1/24 }, { name: eth1, address: 10.0.2.1/24 } ]
  srv: { kind: pc, interfaces: [ { name: eth0, address: 10.0.2.20/24 } ], routes: [ { to: default, via: 10.0.2.1 } ] }
links:
  - { a: cli, b: r1:eth0 }
  - { a: r1:eth1, b: srv, impair: { delay: 20ms, loss: 10% } }
`

/** Three hosts on one switch. */
const LAN = `
name: lan
nodes:
  a: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }
  b: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24 } ] }
  c: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.3/24 } ] }
  sw: { kind: switch }
links: [ { a: a, b: sw }, { a: b, b: sw }, { a: c, b: sw } ]
`

// ---- code written for node:dgram, taking the module as its only dependency ----

/** An echo server (RFC 862) on `port`; resolves once it listens. */
function echoServer(dgram: Pick<DgramModule, 'createSocket'>, port: number) {
  const server = dgram.createSocket('udp4')
  server.on('message', (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address))
  return new Promise<typeof server>((resolve) => server.bind(port, () => resolve(server)))
}

interface Timers {
  setInterval(fn: () => void, ms: number): { unref(): unknown }
  clearInterval(t: unknown): void
}

/**
 * Sends `count` numbered datagrams, one every `everyMs`, and gathers the echoes for `waitMs` after
 * the last. Returns each echoed number with the time it came back.
 */
async function pinger(
  dgram: Pick<DgramModule, 'createSocket'>,
  timers: Timers,
  now: () => number,
  to: { host: string; port: number },
  count: number,
  everyMs: number,
): Promise<{ echoes: Map<number, number>; sentAt: Map<number, number>; rinfos: RemoteInfo[] }> {
  const sock = dgram.createSocket({ type: 'udp4' })
  const echoes = new Map<number, number>()
  const sentAt = new Map<number, number>()
  const rinfos: RemoteInfo[] = []
  sock.on('message', (msg, rinfo) => {
    echoes.set(msg.readUInt32BE(0), now())
    rinfos.push(rinfo)
  })
  let n = 0
  await new Promise<void>((resolve) => {
    const t = timers.setInterval(() => {
      if (n === count) {
        timers.clearInterval(t)
        resolve()
        return
      }
      const b = Buffer.alloc(4)
      b.writeUInt32BE(n)
      sentAt.set(n, now())
      sock.send(b, to.port, to.host)
      n++
    }, everyMs)
  })
  // The last echo has time to come back: a few round trips.
  await new Promise<void>((resolve) => {
    const t = timers.setInterval(() => {
      timers.clearInterval(t)
      resolve()
    }, 200)
  })
  await new Promise<void>((resolve) => sock.close(resolve))
  return { echoes, sentAt, rinfos }
}

async function routedLab(seed = 1): Promise<VirtLab> {
  return createLab({ text: ROUTED }, { seed })
}

describe('dgram in jails: Node code across a router and a lossy, delayed link', () => {
  test('an echo server and a numbered client, unchanged, in virtual time: exact round trips, 10% loss each way', async () => {
    const lab = await routedLab()
    try {
      const server = await echoServer(lab.node('srv').dgram, 7)
      const cli = lab.node('cli')
      const r = await pinger(cli.dgram, lab.timers, () => lab.now(), { host: 'srv', port: 7 }, 200, 10)
      server.close()
      // Some lost on the way out or back, most answered: ~81% expected.
      assert.ok(r.echoes.size > 120 && r.echoes.size < 200, `echoes ${r.echoes.size}`)
      // The first datagrams wait for ARP across the slow link (a round trip more); then exactly 2 × 20 ms.
      for (const [seq, at] of r.echoes)
        if (seq >= 10) assert.equal(at - r.sentAt.get(seq)!, 40, `round trip of ${seq}`)
        else assert.ok(at - r.sentAt.get(seq)! >= 40)
      for (const ri of r.rinfos)
        assert.deepEqual(ri, { address: '10.0.2.20', family: 'IPv4', port: 7, size: 4 })
      // 200 datagrams 10 ms apart, then 200 ms to gather: virtual time only.
      assert.equal(lab.now(), 200 * 10 + 10 + 200)
    } finally {
      lab.close()
    }
  })

  test('the same seed loses the same datagrams; another seed others', async () => {
    const run = async (seed: number) => {
      const lab = await routedLab(seed)
      try {
        await echoServer(lab.node('srv').dgram, 7)
        const r = await pinger(
          lab.node('cli').dgram,
          lab.timers,
          () => lab.now(),
          { host: '10.0.2.20', port: 7 },
          100,
          5,
        )
        return [...r.echoes.keys()].sort((a, b) => a - b).join(',')
      } finally {
        lab.close()
      }
    }
    const a = await run(7)
    assert.equal(await run(7), a)
    assert.notEqual(await run(8), a)
  })

  test('a link cut while datagrams flow loses them; healed, they flow again', async () => {
    const lab = await routedLab()
    try {
      await echoServer(lab.node('srv').dgram, 7)
      const link = lab.link('r1', 'srv')
      link.shape('loss=0')
      const sock = lab.node('cli').dgram.createSocket('udp4')
      const got: string[] = []
      sock.on('message', (m) => got.push(m.toString()))
      sock.send('one', 7, 'srv')
      await lab.sleep(100)
      link.cut()
      sock.send('two', 7, 'srv')
      await lab.sleep(100)
      link.heal()
      sock.send('three', 7, 'srv')
      await lab.sleep(100)
      assert.deepEqual(got, ['one', 'three'])
      sock.close()
    } finally {
      lab.close()
    }
  })
})

// ---- the module's answers, compared with node:dgram's on this machine ----

type AnyDgram = Pick<DgramModule, 'createSocket'>

/** What a scenario observed, reduced to what must be equal between the two modules. */
async function misuse(dgram: AnyDgram, peer: string): Promise<unknown[]> {
  const seen: unknown[] = []
  const err = (e: unknown) => {
    const x = e as NodeJS.ErrnoException
    // Ports differ between the two runs; everything else must not.
    return { name: x.name, code: x.code, syscall: x.syscall, message: x.message.replace(/:\d+$/, ':PORT') }
  }
  const tryIt = (fn: () => unknown) => {
    try {
      return { ok: fn() }
    } catch (e) {
      return err(e)
    }
  }
  const s = dgram.createSocket('udp4')
  seen.push(tryIt(() => s.address()))
  seen.push(tryIt(() => s.setBroadcast(true)))
  seen.push(tryIt(() => s.setTTL(64)))
  seen.push(tryIt(() => s.remoteAddress()))
  seen.push(tryIt(() => s.disconnect()))
  seen.push(tryIt(() => s.send('x', 0, peer)))
  seen.push(tryIt(() => s.send('x', 70000, peer)))
  seen.push(tryIt(() => s.setRecvBufferSize(-1)))
  const bufErr = tryIt(() => s.setRecvBufferSize(4096)) as { code?: string; message?: string }
  seen.push(bufErr.code, bufErr.message?.replace(/returned .*/, ''))
  const events: string[] = []
  s.on('listening', () => events.push('listening'))
  s.on('close', () => events.push('close'))
  const cb = await new Promise<unknown[]>((resolve) => s.send('hello', 9, peer, (e, n) => resolve([e, n])))
  seen.push(cb)
  seen.push(tryIt(() => s.bind(0)))
  seen.push(tryIt(() => s.setTTL(0)))
  seen.push(tryIt(() => s.setTTL(300)))
  seen.push(tryIt(() => s.setTTL(7)))
  seen.push(tryIt(() => s.setRecvBufferSize(8192) as unknown))
  seen.push(typeof s.address().port, s.address().address, s.address().family)
  // Port in use: an 'error' event, bind EADDRINUSE, errno negative; then reuseAddr on both sides.
  const port = s.address().port
  const t = dgram.createSocket('udp4')
  const bindErr = await new Promise<unknown>((resolve) => {
    t.on('error', resolve)
    t.bind(port)
  })
  const be = bindErr as NodeJS.ErrnoException & { address: string; port: number }
  seen.push(err(be), be.address, be.port === port, be.errno === -constants.errno.EADDRINUSE)
  t.close()
  const r1 = dgram.createSocket({ type: 'udp4', reuseAddr: true })
  const r2 = dgram.createSocket({ type: 'udp4', reuseAddr: true })
  await new Promise<void>((resolve) => r1.bind(0, () => resolve()))
  const second = await new Promise<string>((resolve) => {
    r2.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`))
    r2.bind(r1.address().port, () => resolve('listening'))
  })
  seen.push(second)
  r1.close()
  r2.close()
  // connect: the 'connect' event; send with an address while connected throws; remoteAddress.
  const c = dgram.createSocket('udp4')
  c.connect(9, peer)
  seen.push(tryIt(() => c.connect(9, peer)))
  await once(c, 'connect')
  seen.push(tryIt(() => c.send('x', 9, peer)))
  seen.push(c.remoteAddress())
  c.disconnect()
  seen.push(tryIt(() => c.remoteAddress()))
  c.close()
  s.close()
  await once(s, 'close')
  seen.push(events)
  seen.push(tryIt(() => s.close()))
  seen.push(tryIt(() => s.send('x', 9, peer)))
  seen.push(tryIt(() => dgram.createSocket('udp5' as 'udp4')))
  return seen
}

describe('dgram in jails answers as node:dgram does', () => {
  test('misuse, bind errors, reuseAddr, connect, close: side by side with node:dgram on loopback', async () => {
    const real = await misuse(realDgram as unknown as AnyDgram, '127.0.0.1')
    const lab = await createLab({ text: LAN })
    try {
      const jailed = await misuse(lab.node('a').dgram, '127.0.0.1')
      // The remote address the connected socket reports is the loopback in both.
      assert.deepEqual(jailed, real)
    } finally {
      lab.close()
    }
  })

  test('a connected socket hears ICMP port unreachable as recvmsg ECONNREFUSED', async () => {
    const lab = await createLab({ text: LAN })
    try {
      const s = lab.node('a').dgram.createSocket('udp4')
      s.connect(9999, 'b')
      await once(s, 'connect')
      s.send('anyone?')
      const [e] = (await once(s, 'error')) as [NodeJS.ErrnoException]
      assert.equal(e.message, 'recvmsg ECONNREFUSED')
      assert.equal(e.code, 'ECONNREFUSED')
      assert.equal(e.syscall, 'recvmsg')
      assert.equal(e.errno, -constants.errno.ECONNREFUSED)
      s.close()
    } finally {
      lab.close()
    }
  })

  test('broadcast: refused (EACCES) until setBroadcast(true), then every host on the LAN hears it', async () => {
    const lab = await createLab({ text: LAN })
    try {
      const heard: string[] = []
      for (const n of ['b', 'c']) {
        const s = lab.node(n).dgram.createSocket({ type: 'udp4', reuseAddr: true })
        s.on('message', (m, r) => heard.push(`${n} ${m} from ${r.address}`))
        await new Promise<void>((resolve) => s.bind(5000, () => resolve()))
      }
      const a = lab.node('a').dgram.createSocket('udp4')
      await new Promise<void>((resolve) => a.bind(() => resolve()))
      const refused = await new Promise<Error | null>((resolve) => a.send('hi', 5000, '10.0.0.255', resolve))
      assert.equal(refused?.message, 'send EACCES 10.0.0.255:5000')
      a.setBroadcast(true)
      const sent = await new Promise<unknown>((resolve) =>
        a.send('hi', 5000, '10.0.0.255', (e, n) => resolve(e ?? n)),
      )
      assert.equal(sent, 2)
      await lab.sleep(10)
      assert.deepEqual(heard.sort(), ['b hi from 10.0.0.1', 'c hi from 10.0.0.1'])
    } finally {
      lab.close()
    }
  })

  test('multicast: only members hear a group; setMulticastInterface and dropMembership as in Node', async () => {
    const lab = await createLab({ text: LAN })
    try {
      const heard: string[] = []
      for (const n of ['b', 'c']) {
        const s = lab.node(n).dgram.createSocket({ type: 'udp4', reuseAddr: true })
        s.on('message', (m, r) => heard.push(`${n} ${m} from ${r.address}`))
        await new Promise<void>((resolve) => s.bind(5000, () => resolve()))
        if (n === 'b') s.addMembership('239.1.2.3', '10.0.0.2')
      }
      const a = lab.node('a').dgram.createSocket('udp4')
      await new Promise<void>((resolve) => a.bind(() => resolve()))
      a.setMulticastInterface('10.0.0.1')
      assert.equal(a.setMulticastTTL(4), 4)
      a.send('one', 5000, '239.1.2.3')
      await lab.sleep(10)
      assert.deepEqual(heard, ['b one from 10.0.0.1'])
      assert.throws(() => a.addMembership('10.0.0.9'), /EINVAL/)
    } finally {
      lab.close()
    }
  })

  test('setTTL(1) stops a datagram at the router; the default TTL gets it through', async () => {
    const lab = await routedLab()
    try {
      lab.link('r1', 'srv').shape('loss=0')
      const got: string[] = []
      const srv = lab.node('srv').dgram.createSocket('udp4', (m) => got.push(m.toString()))
      await new Promise<void>((resolve) => srv.bind(4000, () => resolve()))
      const cli = lab.node('cli').dgram.createSocket('udp4')
      await new Promise<void>((resolve) => cli.bind(() => resolve()))
      cli.setTTL(1)
      cli.send('ttl1', 4000, 'srv')
      await lab.sleep(100)
      cli.setTTL(64)
      cli.send('ttl64', 4000, 'srv')
      await lab.sleep(100)
      assert.deepEqual(got, ['ttl64'])
    } finally {
      lab.close()
    }
  })

  test('a small receive buffer drops what does not fit (udps_fullsock)', async () => {
    const lab = await createLab({ text: LAN })
    try {
      const b = lab.node('b')
      let got = 0
      // No listener reads while the burst arrives: the handler is added after.
      const s = b.dgram.createSocket({ type: 'udp4', recvBufferSize: 1000 })
      await new Promise<void>((resolve) => s.bind(6000, () => resolve()))
      assert.equal(s.getRecvBufferSize(), 1000)
      s.on('message', () => got++)
      const a = lab.node('a').dgram.createSocket('udp4')
      for (let i = 0; i < 50; i++) a.send(Buffer.alloc(400), 6000, 'b')
      await lab.sleep(10)
      const stats = await b.sh('netstat -s -p udp')
      assert.ok(got > 0 && got < 50, `received ${got}`)
      assert.match(stats.stdout, new RegExp(`${50 - got} dropped due to full socket buffers`))
    } finally {
      lab.close()
    }
  })
})

describe('what moves virtual time', () => {
  test('an unref()d socket does not make time pass; ref() does, and the datagram arrives after the delay', async () => {
    const lab = await routedLab()
    try {
      lab.link('r1', 'srv').shape('loss=0')
      // ARP resolved first, so the datagram's trip is the link's delay alone.
      assert.equal((await lab.node('cli').sh('ping -c 1 -q 10.0.2.20')).status, 0)
      const t0 = lab.now()
      const srv = lab.node('srv').dgram.createSocket('udp4')
      let arrived = -1
      srv.on('message', () => {
        arrived = lab.now()
      })
      await new Promise<void>((resolve) => srv.bind(4000, () => resolve()))
      srv.unref()
      const cli = lab.node('cli').dgram.createSocket('udp4').unref()
      cli.send('x', 4000, 'srv')
      // Many event-loop turns: with every handle unref'd nothing waits, so the clock stays put.
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r))
      assert.equal(arrived, -1)
      assert.equal(lab.now(), t0)
      srv.ref()
      await once(srv, 'message')
      assert.equal(arrived, t0 + 20)
      srv.close()
      cli.close()
    } finally {
      lab.close()
    }
  })

  test('outside(): virtual time stands still while Node-side work outside the lab is pending', async () => {
    const lab = await routedLab()
    try {
      const t0 = lab.now()
      const sleeping = lab.sleep(1000)
      const seen = await lab.outside(
        new Promise<number>((resolve) => setTimeout(() => resolve(lab.now()), 20)),
      )
      assert.equal(seen, t0)
      await sleeping
      assert.equal(lab.now(), t0 + 1000)
    } finally {
      lab.close()
    }
  })
})

describe('real time', () => {
  test('the same code in real time: the echo comes back no sooner than the link allows', async () => {
    const lab = await createLab({ text: ROUTED }, { clock: 'real' })
    try {
      lab.link('r1', 'srv').shape('delay=5ms loss=0')
      await echoServer(lab.node('srv').dgram, 7)
      const c = lab.node('cli').dgram.createSocket('udp4')
      const t0 = lab.now()
      c.send('hi', 7, 'srv')
      const [msg] = (await once(c, 'message')) as [Buffer]
      assert.equal(msg.toString(), 'hi')
      // ARP across the 5 ms link, then the echo: at least 20 ms of wall time.
      assert.ok(lab.now() - t0 >= 20, `${lab.now() - t0} ms`)
    } finally {
      lab.close()
    }
  })

  test('a bound socket keeps the Node process alive in real time, as a real one does', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..')
    const file = join(root, 'dist', `keepalive-${process.pid}.mjs`)
    // Nothing but the bound socket holds the process: the timer that sends to it is unref'd.
    writeFileSync(
      file,
      `import { createLab } from 'virtnet'
const lab = await createLab({ text: ${JSON.stringify(LAN)} }, { clock: 'real' })
const s = lab.node('b').dgram.createSocket('udp4')
s.on('message', (m) => { console.log('got ' + m); lab.close() })
s.bind(7)
setTimeout(() => lab.node('a').dgram.createSocket('udp4').send('hi', 7, 'b'), 50).unref()
`,
    )
    try {
      const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 30_000 })
      assert.equal(r.stderr, '')
      assert.equal(r.stdout, 'got hi\n')
      assert.equal(r.status, 0)
    } finally {
      rmSync(file, { force: true })
    }
  })
})

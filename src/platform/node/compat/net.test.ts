/**
 * The jail `net` module: Node code written for `node:net` runs unchanged between jails across two
 * routers and a lossy, delayed pipe, in virtual time — an echo of a megabyte arrives hash-identical,
 * a cut link stalls a transfer that resumes when healed, idle timeouts fire at their virtual instant —
 * and its events, properties and errors match what real `node:net` does on this machine's loopback
 * (compared side by side, so no expectation is written from memory).
 */

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import realNet from 'node:net'
import { describe, test } from 'node:test'
import { TWO_ROUTERS } from '../../../testing/labs.js'
import { createLab, type VirtLab } from '../lab_api.js'
import type { NetModule } from './net.js'

type Net = Pick<NetModule, 'createServer' | 'connect'>

// ---- code written for node:net ----

/** An echo server (RFC 862): every byte back, end for end. */
function echoServer(net: Net, port: number, host?: string) {
  const server = net.createServer((sock) => sock.pipe(sock))
  return new Promise<typeof server>((resolve) => server.listen(port, host, () => resolve(server)))
}

/** Sends `data`, half-closes, and hashes what comes back; records the socket's events in order. */
async function echoClient(net: Net, port: number, host: string, data: Buffer) {
  const events: string[] = []
  const hash = createHash('sha256')
  let received = 0
  const sock = net.connect(port, host)
  for (const e of ['connect', 'ready', 'end', 'finish'] as const) sock.on(e, () => events.push(e))
  sock.on('data', (d: Buffer) => {
    hash.update(d)
    received += d.length
  })
  sock.once('connect', () => {
    sock.write(data.subarray(0, 1000))
    sock.end(data.subarray(1000))
  })
  const [hadError] = (await once(sock, 'close')) as [boolean]
  events.push(`close ${hadError}`)
  return {
    events,
    received,
    digest: hash.digest('hex'),
    bytesRead: sock.bytesRead,
    bytesWritten: sock.bytesWritten,
    remote: `${sock.remoteAddress}:${sock.remotePort} ${sock.remoteFamily}`,
  }
}

function payload(n: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) & 0xff
  return b
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

async function lab2(seed = 1): Promise<VirtLab> {
  return createLab({ text: TWO_ROUTERS }, { seed })
}

describe('net in jails: Node code across two routers and a lossy, delayed pipe', () => {
  test('an echo of 1 MB arrives hash-identical, with Node events in order', async () => {
    const lab = await lab2()
    try {
      const server = await echoServer(lab.node('srv').net, 7)
      const data = payload(1 << 20)
      const r = await echoClient(lab.node('cli').net, 7, 'srv', data)
      assert.equal(r.received, data.length)
      assert.equal(r.digest, sha(data))
      assert.deepEqual(r.events, ['connect', 'ready', 'finish', 'end', 'close false'])
      assert.equal(r.bytesRead, data.length)
      assert.equal(r.bytesWritten, data.length)
      assert.equal(r.remote, '10.0.3.20:7 IPv4')
      await new Promise<void>((resolve) => server.close(() => resolve()))
    } finally {
      lab.close()
    }
  })

  test('a link cut mid-transfer stalls it; healed, the transfer completes intact', async () => {
    const lab = await lab2()
    try {
      await echoServer(lab.node('srv').net, 7)
      const link = lab.link('r1', 'r2')
      const data = payload(256 * 1024)
      const done = echoClient(lab.node('cli').net, 7, 'srv', data)
      await lab.sleep(200)
      link.cut()
      await lab.sleep(3000)
      link.heal()
      const r = await done
      assert.equal(r.digest, sha(data))
      assert.ok(lab.now() > 3200)
    } finally {
      lab.close()
    }
  })

  test('setTimeout: "timeout" after exactly that much idle virtual time', async () => {
    const lab = await lab2()
    try {
      const server = await echoServer(lab.node('srv').net, 7)
      const sock = lab.node('cli').net.connect(7, 'srv')
      await once(sock, 'connect')
      const t0 = lab.now()
      sock.setTimeout(5000)
      assert.equal(sock.timeout, 5000)
      await once(sock, 'timeout')
      assert.equal(lab.now() - t0, 5000)
      sock.destroy()
      server.close()
    } finally {
      lab.close()
    }
  })
})

// ---- the module's answers, compared with node:net's on this machine ----

/** Observations that must be equal between the two modules (ports normalized). */
async function conduct(net: Net, host: string): Promise<unknown[]> {
  const seen: unknown[] = []
  const norm = (s: string) => s.replace(/:\d+/g, ':PORT')
  const err = (e: unknown) => {
    const x = e as NodeJS.ErrnoException & { address?: string }
    return { name: x.name, code: x.code, syscall: x.syscall, message: norm(x.message), address: x.address }
  }
  const tryIt = (fn: () => unknown) => {
    try {
      return { ok: fn() }
    } catch (e) {
      return err(e)
    }
  }
  const s = net.createServer()
  seen.push(s.address(), s.listening)
  seen.push(await new Promise((resolve) => s.close((e) => resolve(e && err(e)))))
  await new Promise<void>((resolve) => s.listen(0, host, 16, () => resolve()))
  const port = (s.address() as { port: number }).port
  seen.push(
    s.listening,
    (s.address() as { address: string }).address,
    (s.address() as { family: string }).family,
  )
  // Port in use.
  const t = net.createServer()
  seen.push(await new Promise((resolve) => t.on('error', (e) => resolve(err(e))).listen(port, host)))
  // Bad port, connection refused.
  seen.push(tryIt(() => net.connect(70000, host)))
  const refused = net.connect(1, host)
  seen.push(refused.connecting, refused.pending, refused.readyState, refused.remoteAddress, refused.address())
  const [cerr] = (await once(refused, 'error')) as [Error]
  seen.push(err(cerr))
  const [hadError] = (await once(refused, 'close')) as [boolean]
  seen.push(hadError, refused.destroyed, refused.readyState)
  // A connection: both ends' views, half-close, events.
  const serverSide = once(s, 'connection') as Promise<[realNet.Socket]>
  const c = net.connect({ port, host })
  const events: string[] = []
  for (const e of ['connect', 'ready', 'end', 'finish', 'close']) c.on(e, () => events.push(e))
  await once(c, 'connect')
  const [peer] = await serverSide
  seen.push(c.readyState, c.remoteAddress === host, c.remotePort === port, peer.remotePort === c.localPort)
  seen.push(
    (peer as unknown as { server: unknown }).server === s,
    peer.readyState,
    peer.remoteAddress === host,
  )
  const got: string[] = []
  peer.on('data', (d) => got.push(String(d)))
  c.end('bye')
  await once(peer, 'end')
  seen.push(got.join(''), peer.readyState)
  peer.end()
  await once(c, 'close')
  seen.push(events, c.bytesRead, c.bytesWritten, c.readyState)
  // close() with a connection still open waits for it; getConnections counts it.
  const c2 = net.connect(port, host)
  const [p2] = (await once(s, 'connection')) as [realNet.Socket]
  const count = await new Promise((resolve) => s.getConnections((_e, n) => resolve(n)))
  let closed = false
  s.close(() => {
    closed = true
  })
  // A tick, no event-loop turn: Node would emit 'close' by now if it were going to; a lab's
  // virtual clock must not run ahead meanwhile (a turn would let it, with connections open).
  await new Promise((r) => process.nextTick(r))
  seen.push(count, closed, s.listening)
  const serverClosed = once(s, 'close')
  const c2Closed = once(c2, 'close')
  p2.destroy()
  await c2Closed
  await serverClosed
  seen.push(closed)
  // resetAndDestroy: the peer reads ECONNRESET.
  const r = net.createServer()
  await new Promise<void>((resolve) => r.listen(0, host, () => resolve()))
  const rc = net.connect((r.address() as { port: number }).port, host)
  const rcConnected = once(rc, 'connect')
  const [rp] = (await once(r, 'connection')) as [realNet.Socket]
  await rcConnected
  const rpErr = new Promise<unknown>((resolve) => rp.on('error', (e) => resolve(err(e))))
  rp.resume()
  rc.resetAndDestroy()
  seen.push(await rpErr, rc.destroyed)
  r.close()
  // Unknown host name.
  const u = net.connect(9, 'no-such-host.invalid')
  const order: string[] = []
  u.on('lookup', (e: NodeJS.ErrnoException) => order.push(`lookup ${e.code}`))
  u.on('error', (e: NodeJS.ErrnoException) => order.push(`error ${e.message} ${e.code} ${e.syscall}`))
  await new Promise((resolve) => u.on('close', resolve))
  seen.push(order)
  return seen
}

describe('net in jails answers as node:net does', () => {
  test('listen, EADDRINUSE, ECONNREFUSED, events, half-close, close with connections: side by side', async () => {
    const real = await conduct(realNet as unknown as Net, '127.0.0.1')
    const lab = await lab2()
    try {
      const jailed = await conduct(lab.node('srv').net, '127.0.0.1')
      assert.deepEqual(jailed, real)
    } finally {
      lab.close()
    }
  })
})

describe('what moves virtual time, with TCP', () => {
  test('an idle connection keeps time flowing while ref()d (its timers fire), not once unref()d', async () => {
    const lab = await lab2()
    try {
      const net = lab.node('srv').net
      const server = await echoServer(net, 7)
      const sock = net.connect(7, '127.0.0.1')
      const [peer] = (await once(server, 'connection')) as [import('./net_socket.js').Socket]
      await lab.sleep(1)
      const turns = async () => {
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
      }
      for (const h of [server, sock, peer]) h.unref()
      const t0 = lab.now()
      await turns()
      assert.equal(lab.now(), t0)
      // One ref'd handle is enough: the connection's keepalive timer (2 h) is the next event.
      sock.ref()
      await turns()
      assert.ok(lab.now() >= t0 + 2 * 3600 * 1000, `${lab.now()}`)
    } finally {
      lab.close()
    }
  })
})

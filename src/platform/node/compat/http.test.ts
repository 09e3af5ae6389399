/**
 * Node's own HTTP stack between jails, unmodified: `http.Server` and `https.Server` fed the jail's
 * connections, `http.request` with `createConnection` and a keep-alive `http.Agent`, `tls.connect`
 * over a jail socket with a certificate made in the test, a WebSocket upgrade, and Node's built-in
 * `fetch` through undici's `Agent({ connect })` — each across two routers and a lossy, delayed pipe,
 * in virtual time, with bodies checked by hash.
 */

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import http from 'node:http'
import https from 'node:https'
import { dirname, resolve } from 'node:path'
import { describe, test } from 'node:test'
import tls from 'node:tls'
import { fileURLToPath } from 'node:url'
import { TWO_ROUTERS } from '../../../testing/labs.js'
import { selfSigned } from '../../../testing/selfsigned.js'
import { createLab, type VirtLab, type VirtNode } from '../lab_api.js'

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

function payload(n: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 13 + (i >> 9)) & 0xff
  return b
}

/** An HTTP handler that answers `METHOD URL BYTES SHA256` of the request body. */
function digestHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const h = createHash('sha256')
  let n = 0
  req.on('data', (d: Buffer) => {
    h.update(d)
    n += d.length
  })
  req.on('end', () => {
    res.setHeader('content-type', 'text/plain')
    res.end(`${req.method} ${req.url} ${n} ${h.digest('hex')}`)
  })
}

/** Feeds every connection accepted on `port` in `node` to a Node server (http, https, tls). */
async function serveOn(node: VirtNode, port: number, server: { emit(e: 'connection', s: unknown): boolean }) {
  const listener = node.net.createServer((sock) => server.emit('connection', sock))
  await new Promise<void>((resolve) => listener.listen(port, () => resolve()))
  return listener
}

/** One request; resolves with the status and the body. */
function request(
  mod: typeof http | typeof https,
  opts: http.RequestOptions,
  body?: Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = mod.request(opts, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => chunks.push(d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function lab2(): Promise<VirtLab> {
  return createLab({ text: TWO_ROUTERS })
}

describe("Node's http, https, tls, WebSocket and fetch between jails", () => {
  test('http.Server fed jail connections; http.request with createConnection; a keep-alive Agent', async () => {
    const lab = await lab2()
    try {
      const srv = lab.node('srv')
      const cli = lab.node('cli')
      const web = http.createServer(digestHandler)
      const listener = await serveOn(srv, 80, web)
      let accepted = 0
      listener.on('connection', () => accepted++)
      const body = payload(300_000)
      const r = await request(
        http,
        {
          host: 'srv',
          port: 80,
          path: '/upload',
          method: 'POST',
          createConnection: cli.net.createConnection as never,
        },
        body,
      )
      assert.equal(r.status, 200)
      assert.equal(r.body, `POST /upload ${body.length} ${sha(body)}`)
      // A keep-alive Agent whose connections are the jail's: three requests, one connection.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
      ;(agent as unknown as { createConnection: unknown }).createConnection = cli.net.createConnection
      accepted = 0
      for (const path of ['/a', '/b', '/c']) {
        const g = await request(http, { host: 'srv', port: 80, path, agent })
        assert.equal(g.body, `GET ${path} 0 ${sha(Buffer.alloc(0))}`)
      }
      assert.equal(accepted, 1)
      agent.destroy()
      listener.close()
    } finally {
      lab.close()
    }
  })

  test('https: https.Server and https.request over tls.connect({ socket }) with a certificate made here', async () => {
    const lab = await lab2()
    try {
      const { key, cert } = selfSigned('srv')
      const srv = lab.node('srv')
      const cli = lab.node('cli')
      const secure = https.createServer({ key, cert }, digestHandler)
      const listener = await serveOn(srv, 443, secure)
      const body = payload(100_000)
      const r = await request(
        https,
        {
          host: 'srv',
          path: '/secure',
          method: 'PUT',
          createConnection: (() =>
            tls.connect({ socket: cli.net.connect(443, 'srv'), servername: 'srv', ca: [cert] })) as never,
        },
        body,
      )
      assert.equal(r.body, `PUT /secure ${body.length} ${sha(body)}`)
      // A bad CA is refused by the client, as over a real network.
      const other = selfSigned('srv')
      const bad = tls.connect({ socket: cli.net.connect(443, 'srv'), servername: 'srv', ca: [other.cert] })
      const [e] = (await once(bad, 'error').catch((x) => [x])) as [NodeJS.ErrnoException]
      assert.equal(e.code, 'DEPTH_ZERO_SELF_SIGNED_CERT')
      listener.close()
    } finally {
      lab.close()
    }
  })

  test('a WebSocket upgrade (RFC 6455 handshake and a frame each way)', async () => {
    const lab = await lab2()
    try {
      const srv = lab.node('srv')
      const cli = lab.node('cli')
      const web = http.createServer()
      web.on('upgrade', (req: http.IncomingMessage, socket: import('node:stream').Duplex) => {
        const accept = createHash('sha1')
          .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64')
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        )
        // Echo one masked text frame back unmasked, upper-cased.
        socket.once('data', (f: Buffer) => {
          const len = f[1]! & 0x7f
          const mask = f.subarray(2, 6)
          const text = Buffer.from(f.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4]!)).toString()
          const out = Buffer.from(text.toUpperCase())
          socket.write(Buffer.concat([Buffer.from([0x81, out.length]), out]))
        })
      })
      const listener = await serveOn(srv, 8080, web)
      const key = Buffer.from('0123456789abcdef').toString('base64')
      const req = http.request({
        host: 'srv',
        port: 8080,
        path: '/chat',
        createConnection: cli.net.createConnection as never,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Key': key,
          'Sec-WebSocket-Version': '13',
        },
      })
      req.end()
      const [res, socket] = (await once(req, 'upgrade')) as [
        http.IncomingMessage,
        import('node:stream').Duplex,
      ]
      assert.equal(res.statusCode, 101)
      assert.equal(
        res.headers['sec-websocket-accept'],
        createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64'),
      )
      const mask = Buffer.from([1, 2, 3, 4])
      const text = Buffer.from('hello over the lab')
      socket.write(
        Buffer.concat([Buffer.from([0x81, 0x80 | text.length]), mask, text.map((b, i) => b ^ mask[i % 4]!)]),
      )
      const [frame] = (await once(socket, 'data')) as [Buffer]
      assert.equal(frame[0], 0x81)
      assert.equal(frame.subarray(2, 2 + frame[1]!).toString(), 'HELLO OVER THE LAB')
      socket.destroy()
      listener.close()
    } finally {
      lab.close()
    }
  })

  test("fetch() through undici's Agent({ connect }) (Node's built-in undici) to a jail's http.Server", async () => {
    const lab = await lab2()
    try {
      const srv = lab.node('srv')
      const cli = lab.node('cli')
      const listener = await serveOn(srv, 80, http.createServer(digestHandler))
      // Node 20 ships undici inside fetch; its global dispatcher is an undici Agent, whose class takes
      // a `connect` function. No dependency is added.
      await fetch('data:,')
      const global = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')]
      const Agent = (global as { constructor: new (o: unknown) => { close(): Promise<void> } }).constructor
      const dispatcher = new Agent({ connect: cli.undiciConnect() })
      const body = payload(50_000)
      const r = await fetch('http://srv/api', { method: 'POST', body, dispatcher } as unknown as RequestInit)
      assert.equal(r.status, 200)
      assert.equal(await r.text(), `POST /api ${body.length} ${sha(body)}`)
      await dispatcher.close()
      listener.close()
    } finally {
      lab.close()
    }
  })
})

test('real time: the same http exchange paced by the wall clock', async () => {
  const lab = await createLab({ text: TWO_ROUTERS }, { clock: 'real' })
  try {
    lab.link('r1', 'r2').shape('delay=2ms loss=0')
    const listener = await serveOn(lab.node('srv'), 80, http.createServer(digestHandler))
    const t0 = lab.now()
    const r = await request(http, {
      host: 'srv',
      path: '/rt',
      createConnection: lab.node('cli').net.createConnection as never,
    })
    assert.equal(r.body, `GET /rt 0 ${sha(Buffer.alloc(0))}`)
    // ARP, the handshake and the request: at least three round trips of 4 ms.
    assert.ok(lab.now() - t0 >= 12, `${lab.now() - t0} ms`)
    listener.close()
  } finally {
    lab.close()
  }
})

test('examples/http.mjs runs with one command and prints the three answers', () => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..')
  const r = spawnSync(process.execPath, ['examples/http.mjs'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.equal(r.stderr, '')
  assert.equal(r.status, 0)
  const lines = r.stdout.trim().split('\n')
  assert.deepEqual(
    lines.map((l) => l.replace(/ {2}\[.*$/, '')),
    ['/', '/index.html', '/again'].map(
      (p) => `GET ${p} -> 200 hello from branch (10.2.0.10), you asked for ${p}`,
    ),
  )
})

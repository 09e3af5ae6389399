/**
 * fetch between vnet jails across a router, in virtual time, against a small HTTP server written
 * on the socket API: the request it sends, Content-Length and chunked bodies to standard output or
 * a file, redirects (and libfetch's limit on them), and its failures in fetch's words.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AF_INET, SOCK } from '../../../host/syscalls.js'
import { httpServer, ROUTED, sh, virtualHost } from '../../../testing/net_lab.js'
import { MemFs } from '../../bin/sh/streams.js'
import { MAX_REDIRECT } from './fetch.js'

const ok = (body: string, extra = ''): string =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`

async function lab() {
  const host = virtualHost()
  const setup = await sh(host, ROUTED)
  assert.equal(setup.status, 0, setup.err)
  return { host, b: host.syscalls().attach('b') }
}

test('fetch -o -: an HTTP/1.1 GET with Host across a router, the body on standard output', async () => {
  const { host, b } = await lab()
  const srv = httpServer(b, 80, () => ok('hello world\n'))
  const r = await sh(host, 'jexec a fetch -o - http://10.0.2.2/index.html; echo status=$?')
  srv.stop()
  assert.equal(r.out, 'hello world\nstatus=0\n')
  // stat_end: the name in 46 columns, the size, and the rate (`??` when no time passed between the
  // headers and the end of the body, which arrived in one segment here).
  assert.equal(r.err, `${'-'.padEnd(46)}        ${'  12  B'} ?? Bps\n`)
  assert.deepEqual(srv.requests, [
    'GET /index.html HTTP/1.1\r\nHost: 10.0.2.2\r\nUser-Agent: fetch libfetch/2.0\r\nConnection: close\r\n\r\n',
  ])
})

test('fetch: a chunked body into the file named by the URL; -o FILE and -q', async () => {
  const { host, b } = await lab()
  const chunked =
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n'
  const srv = httpServer(b, 8080, () => chunked)
  const fs = new MemFs()
  const r = await sh(
    host,
    'jexec a fetch http://10.0.2.2:8080/dir/file.txt; echo s1=$?; jexec a fetch -q -o out.txt http://10.0.2.2:8080/; echo s2=$?',
    fs,
  )
  srv.stop()
  assert.equal(r.out, 's1=0\ns2=0\n')
  assert.equal(fs.read('file.txt'), 'hello, world')
  assert.equal(fs.read('out.txt'), 'hello, world')
  assert.match(
    r.err,
    /^fetch: http:\/\/10\.0\.2\.2:8080\/dir\/file\.txt: size of remote file is not known\nfile\.txt {38} {8} {2}12 {2}B .*\n$/,
  )
  assert.equal(srv.requests[0]!.split('\r\n')[1], 'Host: 10.0.2.2:8080')
})

test('fetch follows redirects, relative and absolute, up to libfetch’s limit; -A follows none', async () => {
  const { host, b } = await lab()
  const moved = (code: string, loc: string): string =>
    `HTTP/1.1 ${code}\r\nLocation: ${loc}\r\nContent-Length: 0\r\n\r\n`
  const srv = httpServer(b, 80, (path) => {
    if (path === '/r1') return moved('302 Found', '/r2')
    if (path === '/r2') return moved('301 Moved Permanently', 'http://10.0.2.2:81/final')
    if (path === '/loop') return moved('302 Found', '/loop')
    return ok('nope\n')
  })
  const final = httpServer(b, 81, () => ok('arrived\n'))
  const r1 = await sh(host, 'jexec a fetch -q -o - http://10.0.2.2/r1; echo status=$?')
  assert.equal(r1.out, 'arrived\nstatus=0\n')
  assert.equal(r1.err, '')
  srv.requests.length = 0
  const r2 = await sh(host, 'jexec a fetch -q -o - http://10.0.2.2/loop; echo status=$?')
  assert.equal(r2.out, 'status=1\n')
  assert.equal(r2.err, 'fetch: http://10.0.2.2/loop: Moved Temporarily\n')
  assert.equal(srv.requests.length, MAX_REDIRECT)
  const r3 = await sh(host, 'jexec a fetch -A -q -o - http://10.0.2.2/r1; echo status=$?')
  assert.equal(r3.out, 'status=1\n')
  assert.equal(r3.err, 'fetch: http://10.0.2.2/r1: Moved Temporarily\n')
  srv.stop()
  final.stop()
})

test("fetch's failures: HTTP errors, refused connections, truncation, timeouts, usage", async () => {
  const { host, b } = await lab()
  const srv = httpServer(b, 80, (path) =>
    path === '/short'
      ? 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello'
      : 'HTTP/1.1 404 Not Found\r\n\r\n',
  )
  // A server that accepts and then says nothing.
  const mute = b.socket(AF_INET, SOCK.STREAM)
  mute.bind({ addr: 0, port: 82 })
  mute.listen(4)
  const fs = new MemFs()
  const r = await sh(
    host,
    `jexec a fetch -q -o - http://10.0.2.2/missing; echo s1=$?
jexec a fetch -q -o - http://10.0.2.2:83/; echo s2=$?
jexec a fetch -q -o short.txt http://10.0.2.2/short; echo s3=$?
jexec a fetch -q -T 5 -o - http://10.0.2.2:82/; echo s4=$?
jexec a fetch -q -o - http://nosuchhost/; echo s5=$?
jexec a fetch; echo s6=$?
jexec a fetch -T x http://10.0.2.2/; echo s7=$?`,
    fs,
  )
  srv.stop()
  mute.close()
  assert.equal(r.out, 's1=1\ns2=1\ns3=1\ns4=1\ns5=1\ns6=1\ns7=1\n')
  const err = r.err.split('\n')
  assert.deepEqual(err.slice(0, 5), [
    'fetch: http://10.0.2.2/missing: Not Found',
    'fetch: http://10.0.2.2:83/: Connection refused',
    'fetch: short.txt appears to be truncated: 5/100 bytes',
    'fetch: transfer timed out',
    'fetch: http://nosuchhost/: No address record',
  ])
  assert.equal(err[5], 'usage: fetch [-146AadFlMmnPpqRrsUv] [-B bytes] [-N file] [-o file] [-S bytes]')
  assert.equal(err.at(-2), 'fetch: invalid timeout (x)')
  // A truncated transfer keeps what arrived (failure_keep).
  assert.equal(fs.read('short.txt'), 'hello')
})

test('fetch from nc -l serving a canned response, as a lab script would', async () => {
  const { host } = await lab()
  const r = await sh(
    host,
    `printf 'HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\nhi\\n' | jexec b nc -N -l 80 > /dev/null &
sleep 1
jexec a fetch -q -o - http://10.0.2.2/; echo status=$?
wait`,
  )
  assert.equal(r.out, 'hi\nstatus=0\n')
  assert.equal(r.err, '')
})

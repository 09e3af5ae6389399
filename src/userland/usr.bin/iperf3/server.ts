/**
 * The iperf3 server (iperf_server_api.c's sequence): listen on the port, take one client at a
 * time (its control connection opens with the cookie), ask for the parameters, accept the data
 * streams (TCP connections carrying the same cookie; UDP sockets bound to the same port, each
 * connected to the sender of a connect datagram), start the test, and on TEST_END exchange
 * results and print the summary. Anyone else who connects meanwhile is told ACCESS_DENIED.
 * `-1` serves one client and exits.
 */

import { AF_INET, SO, SOCK, SOL_SOCKET, type SocketFd } from '../../../host/syscalls.js'
import { SEC } from '../../../util/clock.js'
import { isSysError } from '../../../util/errno.js'
import { formatIpv4 } from '../../../wire/addr.js'
import { type StreamFd, StreamReader } from '../../lib/libc/stream_io.js'
import type { Proc } from '../../types.js'
import { IperfError } from './client.js'
import { Test } from './engine.js'
import type { IperfOpts, Output } from './iperf3.js'
import {
  COOKIE_SIZE,
  jsonRead,
  jsonWrite,
  type Params,
  paramsFrom,
  readState,
  STATE,
  sameCookie,
  sendState,
  UDP_CONNECT_REPLY,
} from './protocol.js'
import { connectedLine, intervalText, summaryText } from './report.js'

const stream = (fd: SocketFd): StreamFd => fd
const BANNER = '-----------------------------------------------------------\n'

/** Runs until killed, or after one test with `-1`; resolves with the exit status. */
export async function runServer(
  proc: Proc,
  o: IperfOpts,
  newOutput: () => Output,
  err: (msg: string) => void,
): Promise<number> {
  const listener = proc.sys.socket(AF_INET, SOCK.STREAM)
  const offKill = proc.onKill(() => listener.close())
  try {
    try {
      listener.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
      listener.bind({ addr: 0, port: o.port })
      listener.listen(128)
    } catch (e) {
      if (isSysError(e)) throw new IperfError(`unable to start listener for connections: ${e.strerror}`)
      throw e
    }
    for (;;) {
      const out = newOutput()
      out.text(`${BANNER}Server listening on ${o.port}\n${BANNER}`)
      let ctrl: SocketFd
      try {
        ctrl = (await listener.accept()).fd
      } catch (e) {
        if (proc.killed) return 0
        throw e
      }
      try {
        await serveOne(proc, o, listener, ctrl, out)
      } catch (e) {
        if (proc.killed) return 0
        if (!(e instanceof IperfError) && !isSysError(e)) throw e
        const msg = e instanceof IperfError ? e.message : e.strerror
        if (o.json) out.fail(msg)
        else err(msg)
        if (o.oneOff) return 1
        continue
      } finally {
        ctrl.close()
      }
      if (o.oneOff) return 0
    }
  } finally {
    offKill()
    listener.close()
  }
}

async function serveOne(
  proc: Proc,
  o: IperfOpts,
  listener: SocketFd,
  ctrl: SocketFd,
  out: Output,
): Promise<void> {
  const reader = new StreamReader(stream(ctrl), 10 * SEC)
  const cookie = await reader.readExact(COOKIE_SIZE)
  if (cookie === null) throw new IperfError('unable to receive cookie at server')
  const peer = ctrl.getpeername()
  out.text(`Accepted connection from ${formatIpv4(peer.addr)}, port ${peer.port}\n`)
  out.start({ accepted_connection: { host: formatIpv4(peer.addr), port: peer.port } })
  await sendState(stream(ctrl), STATE.PARAM_EXCHANGE)
  const pj = await jsonRead(reader)
  if (pj === null) throw new IperfError('unable to receive parameters from client')
  const params = withDefaults(paramsFrom(pj))
  const test = new Test(proc, params, 's', o.intervalNs)
  test.senderHasRetrans = !params.udp && params.reverse ? 1 : 0
  let first = true
  test.onInterval = (rec) => {
    out.interval(test, rec, intervalText(test, rec, first))
    first = false
  }
  const extra: SocketFd[] = []
  try {
    let udp: SocketFd | null = params.udp ? udpListener(proc, o.port) : null
    if (udp !== null) extra.push(udp)
    await sendState(stream(ctrl), STATE.CREATE_STREAMS)
    while (test.streams.length < params.parallel) {
      const n = test.streams.length
      if (udp !== null) {
        // iperf_udp_accept: the connect datagram names the stream's peer; a fresh socket waits for the next.
        const got = await udp.recvfrom(64, 0, 30 * SEC)
        await udp.connect(got.from)
        udp.sendto(UDP_CONNECT_REPLY)
        test.addStream(udp, 5 + n)
        udp = n + 1 < params.parallel ? udpListener(proc, o.port) : null
        if (udp !== null) extra.push(udp)
        continue
      }
      const { fd } = await listener.accept(30 * SEC)
      const c = await new StreamReader(stream(fd), 10 * SEC).readExact(COOKIE_SIZE).catch(() => null)
      if (c === null || !sameCookie(c, cookie)) {
        await sendState(stream(fd), STATE.ACCESS_DENIED).catch(() => {})
        fd.close()
        continue
      }
      extra.push(fd)
      test.addStream(fd, 5 + n)
    }
    for (const s of test.streams) out.connected(s, connectedLine(s))
    out.testStart(test)
    await sendState(stream(ctrl), STATE.TEST_START)
    await sendState(stream(ctrl), STATE.TEST_RUNNING)
    test.start()
    void denyOthers(listener, test)
    const ctlReader = new StreamReader(stream(ctrl))
    const st = await readState(ctlReader)
    test.finish()
    test.closeStreams()
    if (st !== STATE.TEST_END) throw new IperfError('the client has terminated')
    await sendState(stream(ctrl), STATE.EXCHANGE_RESULTS)
    const theirs = await jsonRead(ctlReader)
    if (theirs === null) throw new IperfError('unable to receive results from client/server')
    if (!test.takeResults(theirs)) throw new IperfError('stream has an invalid id')
    await jsonWrite(stream(ctrl), test.results())
    await sendState(stream(ctrl), STATE.DISPLAY_RESULTS)
    out.end(test, summaryText(test))
    // The client's IPERF_DONE (or its closing) ends the exchange.
    await readState(ctlReader).catch(() => null)
  } finally {
    test.finish()
    for (const fd of extra) fd.close()
  }
}

/** Parameters a client left out, with iperf3's defaults (128 KiB TCP blocks, 1460-byte datagrams, 1 Mbit/s UDP). */
export function withDefaults(p: Params): Params {
  return {
    ...p,
    len: p.len > 0 ? p.len : p.udp ? 1460 : 128 * 1024,
    bandwidth: p.bandwidth > 0 ? p.bandwidth : p.udp ? 1024 * 1024 : 0,
    time: p.time > 0 || p.bytes > 0 ? p.time : 10,
  }
}

function udpListener(proc: Proc, port: number): SocketFd {
  const fd = proc.sys.socket(AF_INET, SOCK.DGRAM)
  fd.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
  fd.setsockopt(SOL_SOCKET, SO.REUSEPORT, 1)
  fd.bind({ addr: 0, port })
  return fd
}

/** While a test runs, a second client gets ACCESS_DENIED on its control connection. */
async function denyOthers(listener: SocketFd, test: Test): Promise<void> {
  while (!test.done) {
    // poll(2) first, so that no accept is left waiting when the test ends: the next client is the
    // next test's, not this loop's.
    const ready = await listener.pollIn(SEC).catch(() => false)
    if (test.done) return
    if (!ready) continue
    let fd: SocketFd
    try {
      fd = (await listener.accept(0)).fd
    } catch {
      continue
    }
    await sendState(stream(fd), STATE.ACCESS_DENIED).catch(() => {})
    fd.close()
  }
}

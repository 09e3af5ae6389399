/**
 * The iperf3 client (iperf_client_api.c's sequence): connect the control connection and send the
 * cookie, then follow the server's states — send the parameters, open the data streams (TCP
 * connections that each start with the cookie, or UDP sockets greeted with the connect datagram),
 * run the test until `-t` elapses or `-n` bytes have gone, send TEST_END, exchange results, print
 * the summary and say IPERF_DONE.
 */

import { AF_INET, SOCK, type SocketFd } from '../../../host/syscalls.js'
import { SEC } from '../../../util/clock.js'
import { isSysError } from '../../../util/errno.js'
import { hostAddr } from '../../common.js'
import { type StreamFd, StreamReader, writeAll } from '../../lib/libc/stream_io.js'
import type { Proc } from '../../types.js'
import { Test } from './engine.js'
import type { IperfOpts, Output } from './iperf3.js'
import {
  COOKIE_SIZE,
  cookieText,
  jsonRead,
  jsonWrite,
  LEGACY_UDP_CONNECT_REPLY,
  makeCookie,
  paramsJson,
  readState,
  STATE,
  sameCookie,
  sendState,
  UDP_CONNECT_MSG,
  UDP_CONNECT_REPLY,
} from './protocol.js'
import { connectedLine, intervalText, summaryText } from './report.js'

/** A failure as iperf3 words it after `iperf3: error - `. */
export class IperfError extends Error {}

const stream = (fd: SocketFd): StreamFd => fd

export async function runClient(proc: Proc, o: IperfOpts, out: Output): Promise<void> {
  const host = o.client!
  const addr = hostAddr(host)
  if (addr === null) throw new IperfError('unable to connect to server: Name does not resolve')
  out.text(`Connecting to host ${host}, port ${o.port}\n`)
  const open: SocketFd[] = []
  const offKill = proc.onKill(() => {
    for (const fd of open) fd.close()
  })
  try {
    const ctrl = proc.sys.socket(AF_INET, SOCK.STREAM)
    open.push(ctrl)
    try {
      await ctrl.connect({ addr, port: o.port })
    } catch (e) {
      if (isSysError(e)) throw new IperfError(`unable to connect to server: ${e.strerror}`)
      throw e
    }
    const cookie = makeCookie(proc.sys.getrandom(COOKIE_SIZE - 1))
    await writeAll(stream(ctrl), cookie)
    out.start({ connecting_to: { host, port: o.port }, cookie: cookieText(cookie) })
    const reader = new StreamReader(stream(ctrl))
    const test = new Test(proc, o.params, 'c', o.intervalNs)
    test.senderHasRetrans = !o.params.udp && !o.params.reverse ? 1 : 0
    let first = true
    test.onInterval = (rec) => {
      out.interval(test, rec, intervalText(test, rec, first))
      first = false
    }
    const endTest = async (): Promise<void> => {
      if (test.done) return
      test.finish()
      await sendState(stream(ctrl), STATE.TEST_END)
    }
    test.onLimit = () => void endTest().catch(() => {})
    for (;;) {
      const st = await readState(reader)
      if (st === null) throw new IperfError('control socket has closed unexpectedly')
      switch (st) {
        case STATE.PARAM_EXCHANGE:
          await jsonWrite(stream(ctrl), paramsJson(o.params))
          break
        case STATE.CREATE_STREAMS:
          if (o.params.reverse) out.text(`Reverse mode, remote host ${host} is sending\n`)
          for (let i = 0; i < o.params.parallel; i++) {
            const fd = await openStream(proc, addr, o, cookie)
            open.push(fd)
            const s = test.addStream(fd, 4 + i)
            out.connected(s, connectedLine(s))
          }
          out.testStart(test)
          break
        case STATE.TEST_START:
          break
        case STATE.TEST_RUNNING:
          test.start()
          if (o.params.bytes === 0)
            void proc.sleep(o.params.time * SEC, test.finished).then(() => {
              if (!test.done && !proc.killed) void endTest().catch(() => {})
            })
          break
        case STATE.EXCHANGE_RESULTS: {
          await jsonWrite(stream(ctrl), test.results())
          const peer = await jsonRead(reader)
          if (peer === null) throw new IperfError('unable to receive results from client/server')
          if (!test.takeResults(peer)) throw new IperfError('stream has an invalid id')
          break
        }
        case STATE.DISPLAY_RESULTS:
          test.closeStreams()
          out.end(test, summaryText(test))
          await sendState(stream(ctrl), STATE.IPERF_DONE)
          out.text('\niperf Done.\n')
          return
        case STATE.ACCESS_DENIED:
          throw new IperfError('the server is busy running a test. try again later')
        case STATE.SERVER_ERROR: {
          const codes = await reader.readExact(8)
          const code = codes === null ? 0 : new DataView(codes.buffer).getInt32(0)
          throw new IperfError(`the server has terminated (error ${code})`)
        }
        case STATE.SERVER_TERMINATE:
          throw new IperfError('the server has terminated')
        default:
          throw new IperfError('received an unknown control message')
      }
    }
  } finally {
    offKill()
    for (const fd of open) fd.close()
  }
}

/** iperf_create_streams: one data stream, TCP (with the cookie) or UDP (with the connect datagram). */
async function openStream(proc: Proc, addr: number, o: IperfOpts, cookie: Uint8Array): Promise<SocketFd> {
  const fd = proc.sys.socket(AF_INET, o.params.udp ? SOCK.DGRAM : SOCK.STREAM)
  try {
    await fd.connect({ addr, port: o.port })
    if (!o.params.udp) {
      await writeAll(stream(fd), cookie)
      return fd
    }
    fd.sendto(UDP_CONNECT_MSG)
    const got = await fd.recvfrom(64, 0, 30 * SEC)
    if (!sameCookie(got.data, UDP_CONNECT_REPLY) && !sameCookie(got.data, LEGACY_UDP_CONNECT_REPLY))
      throw new IperfError('unable to read from stream socket: Bad message')
    return fd
  } catch (e) {
    fd.close()
    if (isSysError(e)) throw new IperfError(`unable to connect stream: ${e.strerror}`)
    throw e
  }
}

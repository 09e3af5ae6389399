/**
 * Test helpers for the programs that stand on TCP (fetch, iperf3, tcpdrop): a virtual-time host,
 * a lab of two vnet jails joined through a router jail, scripts run by the shell, and a tiny HTTP
 * server written on the socket API (so fetch has something real to talk to). Tests only.
 */

import { Host } from '../host/host.js'
import { AF_INET, SOCK, type SocketFd, type Syscalls } from '../host/syscalls.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { MemFs } from '../userland/bin/sh/streams.js'
import { startProcess } from '../userland/process.js'
import { makePrograms } from '../userland/programs.js'
import { utf8Decode, utf8Encode } from '../util/utf8.js'

/** a (10.0.1.2) -- r (10.0.1.1 | 10.0.2.1, forwarding) -- b (10.0.2.2). */
export const ROUTED = `
jail -c name=a vnet persist > /dev/null
jail -c name=r vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
e1=$(ifconfig epair create)
e2=$(ifconfig epair create)
ifconfig $e1 vnet a
ifconfig \${e1%a}b vnet r
ifconfig $e2 vnet r
ifconfig \${e2%a}b vnet b
jexec a ifconfig $e1 10.0.1.2/24 up
jexec r ifconfig \${e1%a}b 10.0.1.1/24 up
jexec r ifconfig $e2 10.0.2.1/24 up
jexec b ifconfig \${e2%a}b 10.0.2.2/24 up
jexec a route -q add default 10.0.1.1
jexec b route -q add default 10.0.2.1
jexec r sysctl net.inet.ip.forwarding=1 > /dev/null
`

/** ROUTED with ipfw loaded, every vnet's chain ending in allow (the firewall tests' start). */
export const ROUTED_IPFW = `${ROUTED}
kenv net.inet.ip.fw.default_to_accept=1 > /dev/null
kldload ipfw
`

export function virtualHost(seed = 7): Host {
  return new Host(nodeClockDriver(), { clock: 'virtual', seed })
}

export interface ShResult {
  status: number
  out: string
  err: string
}

/** Runs `script` with the host's root shell; `fs` is the file system its processes share. */
export async function sh(host: Host, script: string, fs = new MemFs()): Promise<ShResult> {
  let out = ''
  let err = ''
  const io = {
    stdin: { read: async () => null },
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (err += s) },
  }
  const job = startProcess(host.syscalls(), ['sh', '-c', script], io, { programs: makePrograms(), fs })
  return { status: await job.done, out, err }
}

/** Reads an HTTP request's head (up to the empty line). */
async function readHead(fd: SocketFd): Promise<string> {
  let text = ''
  while (!text.includes('\r\n\r\n')) {
    const b = await fd.recv(4096)
    if (b.length === 0) break
    text += utf8Decode(b)
  }
  return text
}

/**
 * A one-file-at-a-time HTTP server on `sys` (a jail's view) at `port`: each request's head is
 * recorded and answered with what `respond(path)` returns (raw bytes of the whole response), after
 * which the connection is closed. Returns the request heads and a stop function.
 */
export function httpServer(
  sys: Syscalls,
  port: number,
  respond: (path: string) => string,
): { requests: string[]; stop: () => void } {
  const requests: string[] = []
  const ls = sys.socket(AF_INET, SOCK.STREAM)
  ls.bind({ addr: 0, port })
  ls.listen(16)
  let stopped = false
  void (async () => {
    while (!stopped) {
      let fd: SocketFd
      try {
        fd = (await ls.accept()).fd
      } catch {
        return
      }
      void (async () => {
        try {
          const head = await readHead(fd)
          requests.push(head)
          const path = /^GET (\S+)/.exec(head)?.[1] ?? '/'
          const body = utf8Encode(respond(path))
          let off = 0
          while (off < body.length) off += await fd.send(body.subarray(off))
        } catch {
          // The client went away: nothing to answer.
        } finally {
          fd.close()
        }
      })()
    }
  })()
  return {
    requests,
    stop: () => {
      stopped = true
      ls.close()
    },
  }
}

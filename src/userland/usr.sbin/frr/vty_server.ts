/**
 * A routing daemon's vty: a TCP listener on 127.0.0.1 (ripd 2602, ospfd 2604, as FRR) whose
 * sessions read command lines and answer each with its output, an end marker and a status byte
 * (0 done, 1 failed, 2 another daemon's command), which is what vtysh reads.
 *
 * Must not: keep a session whose line never ends (dropped past 64 KiB).
 */

import type { SocketFd, Syscalls } from '../../../host/syscalls.js'
import { utf8Encode } from '../../../util/utf8.js'
import { untilKilled } from '../../common.js'
import { Utf8Stream } from '../../lib/libc/utf8_stream.js'
import type { Proc } from '../../types.js'
import type { VtySession } from './vty_cmds.js'

export const VTY_EOT = '\0\0\0'
/** The status byte of a line that was another daemon's command. */
export const VTY_FOREIGN = 2

export async function serveVty(
  proc: Proc,
  lfd: SocketFd,
  session: (sys: Syscalls) => VtySession,
): Promise<void> {
  while (!proc.killed) {
    let c: { fd: SocketFd } | null
    try {
      c = await untilKilled(proc, lfd.accept())
    } catch {
      return
    }
    if (c === null) return
    void serveSession(proc, c.fd, session(proc.sys))
  }
}

async function serveSession(proc: Proc, fd: SocketFd, s: VtySession): Promise<void> {
  const dec = new Utf8Stream()
  let buf = ''
  try {
    for (;;) {
      const data = await untilKilled(proc, fd.recv(4096))
      if (data === null || data.length === 0) break
      buf += dec.push(data)
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        const status = s.exec(line)
        const out = s.out
        s.out = ''
        const code = s.foreign ? VTY_FOREIGN : status
        await fd.send(utf8Encode(`${out}${VTY_EOT}${String.fromCharCode(code)}`))
      }
      if (buf.length > 65536) break
    }
  } catch {
    // The client went away.
  }
  fd.close()
}

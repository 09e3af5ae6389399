/**
 * daemon(3)'s foreground half for programs that detach once they are ready (dhclient binds a lease
 * first): the child runs with streams that pass output through until it calls detach(); the parent
 * returns 0 then, or the child's status if it exits first. With `nowait` the parent returns at once.
 * Must not: keep the parent waiting past the child's detach or exit.
 */

import type { Io, OutStream, Proc } from '../../types.js'

/** The stream a launching parent gives its daemon child: detach() ends the foreground part. */
export interface DaemonStream extends OutStream {
  detach?: () => void
}

export async function daemonLaunch(
  childArgv: string[],
  io: Io,
  proc: Proc,
  nowait: boolean,
  env?: ReadonlyMap<string, string>,
): Promise<number> {
  let detach = () => {}
  const detached = new Promise<void>((res) => {
    detach = res
  })
  let attached = !nowait
  const pass = (to: OutStream): DaemonStream => ({
    write: (s) => (attached ? to.write(s) : undefined),
    detach: () => {
      attached = false
      detach()
    },
  })
  const job = proc.spawn(
    childArgv,
    {
      stdin: { read: async () => null },
      stdout: pass(io.stdout),
      stderr: pass(io.stderr),
    },
    env === undefined ? undefined : { env },
  )
  if (nowait) return 0
  const off = proc.onKill(() => job.kill(15))
  try {
    const r = await Promise.race([detached.then(() => -1), job.done])
    return r === -1 ? 0 : r
  } finally {
    off()
  }
}

/**
 * What ISC dhcpd does the same way for both families before it serves: the refusal when the lease
 * database is missing, and daemon(3) — the child serves (`-f -q`), the parent has checked what it
 * could and returns.
 */

import { nullOut } from '../../bin/sh/streams.js'
import type { Proc } from '../../types.js'

/** dhcpd's message for a lease file that does not exist (it never creates one itself). */
export function leaseDbMissing(file: string): string {
  return `Can't open lease database ${file}: No such file or directory --\n  check for failed database rewrite attempt!\nPlease read the dhcpd.leases manual page if you\ndon't know what to do about this.`
}

/** Start the serving child with the same arguments, in the foreground and quiet; returns 0. */
export function detachServer(argv: readonly string[], proc: Proc): number {
  proc.spawn(['dhcpd', '-f', '-q', ...argv.slice(1).filter((a) => a !== '-q')], {
    stdin: { read: async () => null },
    stdout: nullOut,
    stderr: nullOut,
  })
  return 0
}

/**
 * Runs IMUNES's node services (services.ts) in a Lab: the start lines go around each node's
 * startup lines (Lab.start), the stop lines run at `imunes -b -e` before the lab is torn down,
 * which then moves tcpdump's captures into the caller's file tree (`/tmp/EID/...pcap` on the
 * IMUNES host). A node whose inetd services need /etc/inetd.conf gets FreeBSD's commented-out
 * file first, as every IMUNES vroot has it. Must not: write anywhere but the nodes' trees and `out`.
 */

import { nullOut } from '../../userland/bin/sh/streams.js'
import { startProcess } from '../../userland/process.js'
import type { FileSystem, Io } from '../../userland/types.js'
import { DEFAULT_INETD_CONF } from '../../userland/usr.sbin/inetd/inetd_conf.js'
import type { TopoNode } from '../model.js'
import type { Lab } from './emulator.js'
import { serviceCaptures, serviceLines } from './services.js'

const nullIo: Io = { stdin: { read: async () => null }, stdout: nullOut, stderr: nullOut }

/** The node's startup script with its services' LINKINST lines before and NODECONF lines after. */
export function withServices(node: TopoNode, eid: string, fs: FileSystem): string[] {
  if (node.services === undefined) return node.startup
  const names = node.services.names
  if ((names.includes('ftp') || names.includes('telnet')) && !fs.has('/etc/inetd.conf'))
    if (fs.truncate('/etc/inetd.conf')) fs.append('/etc/inetd.conf', DEFAULT_INETD_CONF)
  return [...serviceLines(node, eid, 'LINKINST'), ...node.startup, ...serviceLines(node, eid, 'NODECONF')]
}

/**
 * NODESTOP: every live node's stop lines (all nodes at once), then tcpdump's captures moved from
 * the nodes to `out`. Resolves with the host paths written.
 */
export async function stopServices(lab: Lab, out: FileSystem): Promise<string[]> {
  const written: string[] = []
  const runs: Promise<void>[] = []
  for (const n of lab.topology.nodes) {
    if (n.services === undefined || lab.node(n.name) === undefined) continue
    const fs = lab.nodeFs(n.name)
    const job = startProcess(
      lab.sys(n.name),
      ['sh', '-c', serviceLines(n, lab.eid, 'NODESTOP').join('\n'), n.name],
      nullIo,
      {
        programs: lab.programs,
        fs,
      },
    )
    runs.push(
      job.done.then(() => {
        for (const c of serviceCaptures(n, lab.eid)) {
          const data = fs.read(c.from)
          if (data === undefined) continue
          if (out.truncate(c.to) && out.append(c.to, data)) written.push(c.to)
          fs.remove(c.from)
        }
      }),
    )
  }
  await Promise.all(runs)
  return written
}

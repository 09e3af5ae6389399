/**
 * `virtnet demo`: builds two LANs joined by a router jail, each end in its own vnet jail, and shows
 * the commands and their real output, as a FreeBSD admin would type them. Runtime-neutral: it only
 * drives a shell session; the platform supplies the host and the clock.
 */

import { ShellSession } from './bin/sh/shell.js'
import type { Io, Proc } from './types.js'

/** The demo, one command per line; `#` lines are narration printed as they are. */
export const DEMO_SCRIPT = `# Three vnet jails: a and b on two LANs, r routing between them.
jail -c name=a vnet persist host.hostname=a
jail -c name=r vnet persist host.hostname=r
jail -c name=b vnet persist host.hostname=b
# One epair per LAN; each half goes into a jail.
ea=$(ifconfig epair create); eb=$(ifconfig epair create); echo $ea $eb
ifconfig $ea vnet a; ifconfig \${ea%a}b vnet r
ifconfig $eb vnet r; ifconfig \${eb%a}b vnet b
jexec a ifconfig $ea 192.0.2.1/24 up
jexec r ifconfig \${ea%a}b 192.0.2.254/24 up
jexec r ifconfig $eb 198.51.100.254/24 up
jexec b ifconfig \${eb%a}b 198.51.100.1/24 up
jexec a route add default 192.0.2.254
jexec b route add default 198.51.100.254
jexec r sysctl net.inet.ip.forwarding=1
jls
# The router's interfaces and a's routing table.
jexec r ifconfig
jexec a netstat -rn
# Across the router: ping and traceroute from a to b.
jexec a ping -c 3 198.51.100.1
jexec a traceroute -n 198.51.100.1
jexec a arp -an
# The host's own stack never saw any of it.
netstat -rn
`

/** Run the demo script, echoing each command after a prompt. Returns the first failing status, or 0. */
export async function runDemo(io: Io, proc: Proc): Promise<number> {
  // One stream, as a terminal shows it (traceroute, for one, prints its header on stderr).
  const session = new ShellSession({ ...io, stderr: io.stdout }, proc, { name: 'demo' })
  let status = 0
  for (const line of DEMO_SCRIPT.split('\n')) {
    if (line.trim() === '') continue
    if (line.startsWith('#')) {
      io.stdout.write(`\n${line}\n`)
      continue
    }
    io.stdout.write(`host# ${line}\n`)
    const s = await session.runLine(line)
    if (s !== 0 && status === 0) {
      io.stderr.write(`demo: '${line}' exited with status ${s}\n`)
      status = s
    }
  }
  return status
}
